//! How an agent sends what one step decided: the calls of every block the step read go out
//! together, so that waiting for their inclusion costs a step once, not once per block.

use std::cell::RefCell;
use std::rc::Rc;

use proof_manager::ProvingNetwork;
use proof_manager_agent::drink::DrinkChain;
use proof_manager_agent::*;
use proof_manager_audit::SourceBlock;
use proof_manager_e2e::FERMAH;

use crate::support::*;

/// A drink chain that records how many calls each `send` carried.
struct Counting {
    inner: DrinkChain,
    sends: Rc<RefCell<Vec<usize>>>,
}

impl Chain for Counting {
    crate::delegate_reads_to_inner!();
    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        self.sends.borrow_mut().push(calls.len());
        self.inner.send(calls)
    }
    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        self.inner.blocks_after(after)
    }
}

#[test]
fn the_calls_of_every_block_a_step_reads_are_sent_together() {
    let mut world = World::new(100, Halts::default());
    // The submitter submits a batch a block while Fermah's agent is away.
    for b in 1..=8 {
        let submitter = world.submitter.as_mut().expect("a submitter");
        let id = Id {
            chain_id: 1,
            block_number: b,
        };
        submitter
            .enqueue(id, &format!("https://inputs.example/1/{b}"))
            .expect("a valid batch");
        submitter.step().expect("a submitter step");
        world.chain.borrow_mut().advance(6_000);
    }
    world.chain.borrow_mut().advance(6_000);
    let offered: Vec<(u64, u64)> = {
        let mut chain = world.chain.borrow_mut();
        (1..=8)
            .filter_map(|b| {
                let id = Id {
                    chain_id: 1,
                    block_number: b,
                };
                let request = chain.proof_request(id.into())?;
                (request.assigned_to == Some(ProvingNetwork::Fermah)
                    && request.status == proof_manager::ProofRequestStatus::PendingAcknowledgement)
                    .then_some((b, request.submitted_at))
            })
            .collect()
    };
    let times: std::collections::BTreeSet<u64> = offered.iter().map(|(_, at)| *at).collect();
    assert!(
        times.len() >= 2,
        "Fermah's requests should come in two blocks at least: {offered:?}"
    );

    // Fermah's agent comes back and reads every block in one step: one acknowledgement each,
    // all in one send.
    let sends = Rc::new(RefCell::new(Vec::new()));
    let mut fermah = NetworkAgent::open(
        &world.path("fermah-counted"),
        Counting {
            inner: DrinkChain::new(world.chain.clone(), FERMAH),
            sends: sends.clone(),
        },
        network_config(Net::Fermah),
        Box::new(AcceptAtOnce),
        Box::new(scripted_prover(fermah_proof)),
        None,
    )
    .expect("opening Fermah's agent");
    let report = fermah.step().expect("a step");
    assert_eq!(report.calls, offered.len() as u64);
    assert_eq!(*sends.borrow(), vec![offered.len()]);
}
