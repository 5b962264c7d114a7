//! A submitter whose cursor trails the head judges each deadline at the block it reads, so an
//! acknowledgement in a block it has not read yet is never taken for a missed one.

use proof_manager::ProvingNetwork;
use proof_manager_agent::*;
use proof_manager_e2e::FERMAH;

use crate::support::*;

#[test]
fn a_refusal_the_submitter_reads_after_the_deadline_is_a_refusal_not_a_missed_acknowledgement() {
    let mut world = World::new(100, Halts::default());
    let ids: Vec<Id> = (1..=4)
        .map(|b| Id {
            chain_id: 1,
            block_number: b,
        })
        .collect();
    let submitter = world.submitter.as_mut().expect("a submitter");
    for id in &ids {
        submitter
            .enqueue(
                *id,
                &format!("https://inputs.example/1/{}", id.block_number),
            )
            .expect("a valid batch");
    }
    // The submissions go out in this step; the submitter reads their block only later.
    submitter.step().expect("a submitter step");
    world.chain.borrow_mut().advance(6_000);
    let fermahs = *ids
        .iter()
        .find(|id| {
            let request = world.chain.borrow_mut().proof_request((**id).into());
            request.is_some_and(|r| r.assigned_to == Some(ProvingNetwork::Fermah))
        })
        .expect("a batch assigned to Fermah");
    // Fermah refuses 10 s later, well inside its 120 s window.
    world.chain.borrow_mut().advance(10_000);
    world
        .chain
        .borrow_mut()
        .acknowledge_proof_request(FERMAH, fermahs.into(), false)
        .expect("Fermah's refusal");
    world.chain.borrow_mut().advance(6_000);
    // The submitter comes back after the window closed and reads both blocks in one step.
    world.chain.borrow_mut().advance(200_000);
    let submitter = world.submitter.as_mut().expect("a submitter");
    submitter.step().expect("a submitter step");
    let batch = submitter.machine().batch(fermahs).expect("the batch");
    assert_eq!(
        batch.status,
        submitter::Status::Fallback(submitter::Reason::Refused),
        "{batch:?}"
    );
}
