//! The run loop's `/health` and node-error count through a node outage: the submitter served
//! as `submitter run` serves it, on a chain whose block reads fail for a stretch of blocks.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use proof_manager_agent::drink::DrinkChain;
use proof_manager_agent::metrics::AgentMetrics;
use proof_manager_agent::serve::{serve, Watch};
use proof_manager_agent::*;
use proof_manager_audit::exposition::{http_get, Health};
use proof_manager_audit::SourceBlock;

use crate::support::*;

/// What `/health` said at each read of blocks, by block.
type Seen = Rc<RefCell<Vec<(u64, Result<String, String>)>>>;

/// A drink chain that closes a block (6 s) at each read of blocks, fails the reads of blocks
/// `down` with a transient error (the node went away), and records what `/health` said at each
/// read: the block, and whether it was well.
struct Outage {
    inner: DrinkChain,
    clock: Rc<RefCell<proof_manager_e2e::Chain>>,
    down: std::ops::Range<u64>,
    health: Arc<Health>,
    seen: Seen,
}

impl Chain for Outage {
    crate::delegate_reads_to_inner!();
    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        self.inner.send(calls)
    }
    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        let block = {
            let mut chain = self.clock.borrow_mut();
            chain.advance(6_000);
            chain.block_number()
        };
        self.seen.borrow_mut().push((block, self.health.report()));
        if self.down.contains(&block) {
            return Err(ChainError::Other(format!(
                "block {block}: connection closed"
            )));
        }
        self.inner.blocks_after(after)
    }
}

#[test]
fn health_turns_503_while_the_node_fails_and_200_once_it_answers_again() {
    let world = World::new(100, Halts::default());
    let start = world.chain.borrow_mut().block_number();
    let down = start + 5..start + 9;
    let until = start + 15;
    let health = Health::new();
    let metrics = AgentMetrics::new("submitter");
    let served =
        proof_manager_audit::exposition::serve("127.0.0.1:0", metrics.registry(), health.clone())
            .unwrap();
    let watch = Watch {
        metrics: metrics.clone(),
        health: health.clone(),
        max_lag: 2,
    };
    let seen: Seen = Rc::new(RefCell::new(Vec::new()));
    let open = || {
        let verifier = ScriptedVerifier(Box::new(|_: Id, _: &[u8]| Ok(true)));
        SubmitterAgent::open(
            &world.path("served-submitter"),
            Outage {
                inner: DrinkChain::new(world.chain.clone(), proof_manager_e2e::SUBMITTER),
                clock: world.chain.clone(),
                down: down.clone(),
                health: health.clone(),
                seen: seen.clone(),
            },
            submitter_config(),
            Box::new(verifier),
            None,
            None,
        )
    };
    serve(open, Some(until), Duration::ZERO, Some(&watch)).unwrap();

    let seen = seen.borrow();
    let at = |block: u64| {
        &seen
            .iter()
            .find(|(b, _)| *b == block)
            .unwrap_or_else(|| panic!("no read at block {block}: {seen:?}"))
            .1
    };
    // Before the outage the agent kept up; during it /health says why it is not well; after
    // it, the first step that reads blocks again makes it well.
    assert!(at(down.start - 1).is_ok(), "{seen:?}");
    for block in down.start + 1..down.end {
        let report = at(block);
        assert!(
            report.as_ref().is_err_and(|why| why.contains("the node")),
            "block {block}: {report:?}"
        );
    }
    assert!(at(down.end + 1).is_ok(), "{seen:?}");
    assert!(health.report().is_ok(), "{:?}", health.report());
    let (status, body) = http_get(served.addr, "/health").unwrap();
    assert_eq!(status, 200, "{body}");
    health.failing("checked through HTTP too".into());
    let (status, body) = http_get(served.addr, "/health").unwrap();
    assert_eq!(
        (status, body.as_str()),
        (503, "unhealthy: checked through HTTP too\n")
    );
    // Each failed step is a node error.
    let (_, body) = http_get(served.addr, "/metrics").unwrap();
    let errors = body
        .lines()
        .find(|l| l.starts_with("proof_manager_agent_node_errors_total"))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        errors.ends_with(&format!(" {}", down.end - down.start)),
        "{errors}"
    );
}
