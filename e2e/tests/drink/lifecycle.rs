//! Acknowledge, prove, validate and expire: every legal transition, each illegal one, and every
//! deadline at exactly the deadline and 1 ms after.

use super::*;
use ProofRequestStatus::*;
use ProvingNetwork::*;

/// The acknowledgement deadline of a stored request.
fn ack_deadline(chain: &mut Chain, n: u64) -> u64 {
    chain.proof_request(request(n)).unwrap().submitted_at + ACK_TIMEOUT
}

/// The proving deadline of a stored request.
fn proving_deadline(chain: &mut Chain, n: u64) -> u64 {
    let stored = chain.proof_request(request(n)).unwrap();
    stored.submitted_at + stored.timeout_after
}

/// Accepting commits the request and keeps its reservation, with an event naming the assignee.
#[test]
fn assignee_accepts_request() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), true),
        Ok(())
    );
    assert_eq!(
        chain.events::<ProofRequestAcknowledged>(),
        vec![ProofRequestAcknowledged {
            chain_id: 1,
            block_number: 0,
            accepted: true,
            assigned_to: Fermah,
        }]
    );
    assert_eq!(chain.status(request(0)), Committed);
    assert_eq!(chain.in_flight(), 1);
}

/// Refusing is final and releases the reservation.
#[test]
fn assignee_refuses_request() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    submit(&mut chain, 1);
    assert_eq!(
        chain.acknowledge_proof_request(LAGRANGE, request(1), false),
        Ok(())
    );
    assert!(!chain.events::<ProofRequestAcknowledged>()[0].accepted);
    assert_eq!(chain.status(request(1)), Refused);
    assert_eq!(chain.in_flight(), 1);
    assert_eq!(
        chain.acknowledge_proof_request(LAGRANGE, request(1), true),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(Refused))
    );
}

/// Only the assignee's current key acknowledges: not the other network, not anyone else.
#[test]
fn only_assignee_acknowledges() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    for caller in [LAGRANGE, SUBMITTER, ADMIN, OUTSIDER] {
        assert_eq!(
            chain.acknowledge_proof_request(caller, request(0), true),
            Err(Error::OnlyProvingNetworkAssigneeAllowed(caller))
        );
    }
    assert_eq!(chain.status(request(0)), PendingAcknowledgement);
}

/// Acknowledging at the deadline works.
#[test]
fn can_acknowledge_at_deadline() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    let deadline = ack_deadline(&mut chain, 0);
    chain.set_time(deadline);
    assert_eq!(chain.status(request(0)), PendingAcknowledgement);
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), true),
        Ok(())
    );
}

/// 1 ms after the deadline the request reads Unacknowledged and cannot be acknowledged.
#[test]
fn cannot_acknowledge_after_deadline() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    let deadline = ack_deadline(&mut chain, 0);
    chain.set_time(deadline + 1);
    assert_eq!(chain.status(request(0)), Unacknowledged);
    for accept in [true, false] {
        assert_eq!(
            chain.acknowledge_proof_request(FERMAH, request(0), accept),
            Err(Error::ProofRequestAcknowledgementDeadlinePassed(deadline))
        );
    }
}

/// A committed request cannot be acknowledged again.
#[test]
fn cannot_acknowledge_twice() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), false),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(Committed))
    );
}

/// Proving stores the proof, caps the reward at `max_reward`, releases the reservation and
/// counts the reward as an obligation.
#[test]
fn assignee_proves_committed_request() {
    let mut chain = funded_chain(100);
    let params = ProofRequestParams {
        max_reward: 3 * TOKEN,
        ..default_params()
    };
    chain
        .submit_proof_request(SUBMITTER, request(0), &params)
        .unwrap();
    chain
        .acknowledge_proof_request(FERMAH, request(0), true)
        .unwrap();
    let proof = proof_of(100);
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof, 4 * TOKEN),
        Ok(())
    );
    assert_eq!(
        chain.events::<ProofRequestProven>(),
        vec![ProofRequestProven {
            chain_id: 1,
            block_number: 0,
            proof: proof.clone(),
            assigned_to: Fermah,
            requested_reward: 3 * TOKEN,
        }]
    );
    let stored = chain.proof_request(request(0)).unwrap();
    assert_eq!(
        (stored.status, stored.requested_reward, stored.proof),
        (Proven, 3 * TOKEN, proof)
    );
    assert_eq!(chain.in_flight(), 0);
    assert_eq!(chain.obligations(), 3 * TOKEN);
}

/// A reward below `max_reward` is kept as asked, zero included.
#[test]
fn requested_reward_below_max_is_kept() {
    let mut chain = funded_chain(100);
    prove(&mut chain, 0, TOKEN / 2);
    assert_eq!(
        chain.proof_request(request(0)).unwrap().requested_reward,
        TOKEN / 2
    );
    prove(&mut chain, 1, 0);
    assert_eq!(chain.proof_request(request(1)).unwrap().requested_reward, 0);
}

/// Only the assignee's current key proves.
#[test]
fn only_assignee_proves() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    for caller in [LAGRANGE, SUBMITTER, ADMIN, OUTSIDER] {
        assert_eq!(
            chain.submit_proof(caller, request(0), &proof_of(8), 1),
            Err(Error::OnlyProvingNetworkAssigneeAllowed(caller))
        );
    }
    assert_eq!(chain.status(request(0)), Committed);
}

/// A request that was not committed cannot be proven.
#[test]
fn cannot_prove_uncommitted_request() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof_of(8), 1),
        Err(Error::ProofRequestIsNotCommitted(PendingAcknowledgement))
    );
}

/// Proving at the deadline works.
#[test]
fn can_prove_at_deadline() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    let deadline = proving_deadline(&mut chain, 0);
    chain.set_time(deadline);
    assert_eq!(chain.status(request(0)), Committed);
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof_of(8), 1),
        Ok(())
    );
}

/// 1 ms after the deadline the request reads TimedOut and cannot be proven.
#[test]
fn cannot_prove_after_deadline() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    let deadline = proving_deadline(&mut chain, 0);
    chain.set_time(deadline + 1);
    assert_eq!(chain.status(request(0)), TimedOut);
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof_of(8), 1),
        Err(Error::ProofRequestProvingDeadlinePassed(deadline))
    );
}

/// An empty proof is refused; the longest accepted proof is stored whole, one byte more is not.
#[test]
fn proof_length_is_bounded() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &[], 1),
        Err(Error::EmptyProof)
    );
    let longest = proof_of(MAX_PROOF_LEN as usize);
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof_of(MAX_PROOF_LEN as usize + 1), 1),
        Err(Error::InputTooLarge(MAX_PROOF_LEN + 1))
    );
    assert_eq!(chain.submit_proof(FERMAH, request(0), &longest, 1), Ok(()));
    // The proof is charged; the freed reservation entries are refunded.
    assert!(chain.last_stats().storage_deposit > i128::from(MAX_PROOF_LEN) * 9 / 10);
    assert_eq!(chain.proof_request(request(0)).unwrap().proof, longest);
}

/// A valid proof makes the reward owed to the assignee; obligations stay the same.
#[test]
fn submitter_validates_valid_proof() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    prove(&mut chain, 1, 2 * TOKEN);
    assert_eq!(
        chain.submit_proof_validation_result(SUBMITTER, request(1), true),
        Ok(())
    );
    assert_eq!(
        chain.events::<ProofValidationResult>(),
        vec![ProofValidationResult {
            chain_id: 1,
            block_number: 1,
            is_proof_valid: true,
            assigned_to: Lagrange,
        }]
    );
    assert_eq!(chain.status(request(1)), Validated);
    assert_eq!(chain.proving_network_info(Lagrange).owed_reward, 2 * TOKEN);
    assert_eq!(chain.obligations(), 2 * TOKEN);
}

/// An invalid proof owes nothing and releases the obligation.
#[test]
fn submitter_rejects_invalid_proof() {
    let mut chain = funded_chain(100);
    prove(&mut chain, 0, 2 * TOKEN);
    assert_eq!(
        chain.submit_proof_validation_result(SUBMITTER, request(0), false),
        Ok(())
    );
    assert!(!chain.events::<ProofValidationResult>()[0].is_proof_valid);
    assert_eq!(chain.status(request(0)), ValidationFailed);
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, 0);
    assert_eq!(chain.obligations(), 0);
}

/// Only the submitter validates.
#[test]
fn only_submitter_validates() {
    let mut chain = funded_chain(100);
    prove(&mut chain, 0, TOKEN);
    for caller in [ADMIN, FERMAH, OUTSIDER] {
        assert_eq!(
            chain.submit_proof_validation_result(caller, request(0), true),
            Err(Error::OnlySubmitterAllowed(caller))
        );
    }
    assert_eq!(chain.status(request(0)), Proven);
}

/// Marking Unacknowledged needs the deadline passed: refused at it, accepted 1 ms after, once.
#[test]
fn submitter_marks_unacknowledged_after_deadline() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    let deadline = ack_deadline(&mut chain, 0);
    chain.set_time(deadline);
    assert_eq!(
        chain.mark_unacknowledged(SUBMITTER, request(0)),
        Err(Error::DeadlineNotPassed(deadline))
    );
    chain.set_time(deadline + 1);
    assert_eq!(
        chain.mark_unacknowledged(FERMAH, request(0)),
        Err(Error::OnlySubmitterAllowed(FERMAH))
    );
    assert_eq!(chain.mark_unacknowledged(SUBMITTER, request(0)), Ok(()));
    assert_eq!(
        chain.events::<ProofRequestExpired>(),
        vec![ProofRequestExpired {
            chain_id: 1,
            block_number: 0,
            assigned_to: Fermah,
            status: Unacknowledged,
            purged: false,
        }]
    );
    assert_eq!(chain.in_flight(), 0);
    assert_eq!(
        chain.mark_unacknowledged(SUBMITTER, request(0)),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(
            Unacknowledged
        ))
    );
}

/// Marking TimedOut needs the proving deadline passed: refused at it, accepted 1 ms after, once.
#[test]
fn submitter_marks_timed_out_after_deadline() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    let deadline = proving_deadline(&mut chain, 0);
    chain.set_time(deadline);
    assert_eq!(
        chain.mark_timed_out(SUBMITTER, request(0)),
        Err(Error::DeadlineNotPassed(deadline))
    );
    chain.set_time(deadline + 1);
    assert_eq!(chain.mark_timed_out(SUBMITTER, request(0)), Ok(()));
    assert_eq!(chain.events::<ProofRequestExpired>()[0].status, TimedOut);
    assert_eq!(chain.in_flight(), 0);
    assert_eq!(
        chain.mark_timed_out(SUBMITTER, request(0)),
        Err(Error::ProofRequestIsNotCommitted(TimedOut))
    );
}

/// A Committed request is not marked Unacknowledged, nor a pending one TimedOut.
#[test]
fn marks_require_their_state() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    submit(&mut chain, 1);
    chain.advance(MAX_TIMEOUT_AFTER + 1);
    assert_eq!(
        chain.mark_unacknowledged(SUBMITTER, request(0)),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(TimedOut))
    );
    assert_eq!(
        chain.mark_timed_out(SUBMITTER, request(1)),
        Err(Error::ProofRequestIsNotCommitted(Unacknowledged))
    );
}

/// From every state but PendingAcknowledgement, Committed and Proven, no message moves a request;
/// each refusal names the state.
#[test]
fn final_states_reject_every_transition() {
    let mut chain = funded_chain(1_000);
    // 0 Fermah: Validated then Paid; 1 Lagrange: Refused; 2 Fermah: ValidationFailed;
    // 3 Fermah: Unacknowledged (marked); 4 Fermah: TimedOut (marked).
    validate(&mut chain, 0, TOKEN);
    submit(&mut chain, 1);
    chain
        .acknowledge_proof_request(LAGRANGE, request(1), false)
        .unwrap();
    prove(&mut chain, 2, TOKEN);
    chain
        .submit_proof_validation_result(SUBMITTER, request(2), false)
        .unwrap();
    submit(&mut chain, 3);
    chain.advance(1);
    let short = ProofRequestParams {
        timeout_after: ACK_TIMEOUT + 1,
        ..default_params()
    };
    chain
        .submit_proof_request(SUBMITTER, request(4), &short)
        .unwrap();
    assert_eq!(
        chain.proof_request(request(4)).unwrap().assigned_to,
        Some(Fermah)
    );
    chain
        .acknowledge_proof_request(FERMAH, request(4), true)
        .unwrap();
    chain.advance(ACK_TIMEOUT + 2);
    chain.mark_unacknowledged(SUBMITTER, request(3)).unwrap();
    chain.mark_timed_out(SUBMITTER, request(4)).unwrap();
    let cases = [
        (0, Validated),
        (1, Refused),
        (2, ValidationFailed),
        (3, Unacknowledged),
        (4, TimedOut),
    ];
    let check = |chain: &mut Chain, n: u64, status: ProofRequestStatus| {
        let assignee = network_key(
            chain
                .proof_request(request(n))
                .unwrap()
                .assigned_to
                .unwrap(),
        );
        assert_eq!(chain.status(request(n)), status, "request {n}");
        assert_eq!(
            chain.acknowledge_proof_request(assignee, request(n), true),
            Err(Error::ProofRequestIsNotPendingAcknowledgement(status))
        );
        assert_eq!(
            chain.submit_proof(assignee, request(n), &proof_of(8), 1),
            Err(Error::ProofRequestIsNotCommitted(status))
        );
        assert_eq!(
            chain.submit_proof_validation_result(SUBMITTER, request(n), true),
            Err(Error::ProofRequestIsNotProven(status))
        );
        assert_eq!(
            chain.mark_unacknowledged(SUBMITTER, request(n)),
            Err(Error::ProofRequestIsNotPendingAcknowledgement(status))
        );
        assert_eq!(
            chain.mark_timed_out(SUBMITTER, request(n)),
            Err(Error::ProofRequestIsNotCommitted(status))
        );
    };
    for (n, status) in cases {
        check(&mut chain, n, status);
    }
    assert_eq!(chain.claim_reward(FERMAH), Ok(TOKEN));
    check(&mut chain, 0, Paid);
}

/// Proven requests accept only a validation result; Committed ones cannot be validated.
#[test]
fn proven_and_committed_reject_wrong_transitions() {
    let mut chain = funded_chain(100);
    commit(&mut chain, 0);
    assert_eq!(
        chain.submit_proof_validation_result(SUBMITTER, request(0), true),
        Err(Error::ProofRequestIsNotProven(Committed))
    );
    chain
        .submit_proof(FERMAH, request(0), &proof_of(8), 1)
        .unwrap();
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), true),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(Proven))
    );
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof_of(8), 1),
        Err(Error::ProofRequestIsNotCommitted(Proven))
    );
    assert_eq!(
        chain.mark_timed_out(SUBMITTER, request(0)),
        Err(Error::ProofRequestIsNotCommitted(Proven))
    );
    chain.advance(MAX_TIMEOUT_AFTER + 1);
    assert_eq!(chain.status(request(0)), Proven);
}

#[test]
fn chains_started_a_second_apart_have_the_same_genesis_and_block_hashes() {
    let mut first = Chain::new();
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let mut second = Chain::new();
    assert_eq!(first.genesis_hash(), second.genesis_hash());
    first.advance(6_000);
    second.advance(6_000);
    let number = first.block_number();
    assert_eq!(first.block_hash(number - 1), second.block_hash(number - 1));
}
