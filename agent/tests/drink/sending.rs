//! How an agent sends what one step decided: the calls it settles again, those of every block
//! it read and those decided between blocks go out together, so that waiting for their
//! inclusion costs a step once, not once per block or per kind of call.

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
    submit(&mut world, 1..=8);
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

/// A drink chain whose first send is turned away whole (nothing reaches the chain), and that
/// records how many calls each send carried.
struct TurnedAwayOnce {
    inner: DrinkChain,
    sends: Rc<RefCell<Vec<usize>>>,
}

impl Chain for TurnedAwayOnce {
    crate::delegate_reads_to_inner!();
    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        let first = self.sends.borrow().is_empty();
        self.sends.borrow_mut().push(calls.len());
        if first {
            let away = || Delivery::NotExecuted("the pool turned it away".into());
            return Ok(calls.iter().map(|_| away()).collect());
        }
        self.inner.send(calls)
    }
    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        self.inner.blocks_after(after)
    }
}

/// Submits batches `blocks` (the submitter's step each) and lets 6 s pass after each.
fn submit(world: &mut World, blocks: std::ops::RangeInclusive<u64>) {
    for b in blocks {
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
}

/// The ids among batches `blocks` assigned to Fermah, and whether each is committed.
fn fermahs(world: &World, blocks: std::ops::RangeInclusive<u64>) -> Vec<(u64, bool)> {
    let mut chain = world.chain.borrow_mut();
    blocks
        .filter_map(|b| {
            let id = Id {
                chain_id: 1,
                block_number: b,
            };
            let request = chain.proof_request(id.into())?;
            (request.assigned_to == Some(ProvingNetwork::Fermah)).then_some((
                b,
                request.status == proof_manager::ProofRequestStatus::Committed,
            ))
        })
        .collect()
}

#[test]
fn the_calls_a_step_sends_again_go_out_with_those_of_the_blocks_it_reads() {
    let mut world = World::new(100, Halts::default());
    submit(&mut world, 1..=4);
    let sends = Rc::new(RefCell::new(Vec::new()));
    let mut fermah = NetworkAgent::open(
        &world.path("fermah-turned-away"),
        TurnedAwayOnce {
            inner: DrinkChain::new(world.chain.clone(), FERMAH),
            sends: sends.clone(),
        },
        network_config(Net::Fermah),
        Box::new(AcceptAtOnce),
        Box::new(scripted_prover(fermah_proof)),
        None,
    )
    .expect("opening Fermah's agent");
    // Its acknowledgements of the first batches are turned away.
    fermah.step().expect("a step");
    let first = fermahs(&world, 1..=4);
    assert!(!first.is_empty() && first.iter().all(|(_, committed)| !committed));
    assert_eq!(*sends.borrow(), vec![first.len()]);

    // More batches; past the retry's backoff, one step sends the acknowledgements again and
    // acknowledges the new ones: all in one send.
    submit(&mut world, 5..=8);
    let second = fermahs(&world, 5..=8);
    assert!(
        !second.is_empty(),
        "Fermah should get one of batches 5 to 8 at least"
    );
    fermah.step().expect("a step");
    assert_eq!(
        *sends.borrow(),
        vec![first.len(), first.len() + second.len()]
    );
    let committed = fermahs(&world, 1..=8);
    assert!(
        committed.iter().all(|(_, committed)| *committed),
        "every acknowledgement landed: {committed:?}"
    );
}
