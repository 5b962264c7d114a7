//! Submission: validation, round robin, funds guard and purge.

use super::*;
use ProofRequestStatus::*;
use ProvingNetwork::*;

/// A funded submission is stored PendingAcknowledgement for Fermah, counted and reserved.
#[test]
fn submits_request_pending_for_fermah() {
    let mut chain = funded_chain(100);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &default_params()),
        Ok(())
    );
    let submitted = chain.events::<ProofRequestSubmitted>();
    let now = chain.now();
    assert_eq!(
        submitted,
        vec![ProofRequestSubmitted {
            chain_id: 1,
            block_number: 1,
            assigned_to: Some(Fermah),
            proof_inputs_url: default_params().proof_inputs_url,
            protocol_major: 0,
            protocol_minor: 27,
            protocol_patch: 0,
            timeout_after: 3_600_000,
            max_reward: MAX_REWARD,
            request_id: 0,
            status: PendingAcknowledgement,
        }]
    );
    assert_eq!(
        chain.proof_request(request(1)),
        Some(ProofRequest {
            protocol_major: 0,
            protocol_minor: 27,
            protocol_patch: 0,
            proof_inputs_url: default_params().proof_inputs_url,
            status: PendingAcknowledgement,
            assigned_to: Some(Fermah),
            submitted_at: now,
            timeout_after: 3_600_000,
            max_reward: MAX_REWARD,
            requested_reward: 0,
            proof: Vec::new(),
            request_id: 0,
        })
    );
    assert_eq!(chain.request_counter(), 1);
    assert_eq!(chain.in_flight(), 1);
}

/// The submitted event is indexed on chain id, block number and assignee, as upstream.
#[test]
fn submitted_event_has_upstream_topics() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 1);
    let event = chain
        .last_events()
        .iter()
        .find(|e| e.decode::<ProofRequestSubmitted>().is_some())
        .expect("a ProofRequestSubmitted event")
        .clone();
    assert_eq!(event.contract, chain.manager);
    // The signature topic, then the three indexed fields.
    assert_eq!(event.topics.len(), 4);
}

/// An identifier can be submitted once, whatever happened to the first request.
#[test]
fn cannot_submit_duplicate_request() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 1);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &default_params()),
        Err(Error::DuplicatedProofRequest(request(1)))
    );
    assert_eq!(chain.request_counter(), 1);
}

/// Only the submitter submits; the request is not stored.
#[test]
fn only_submitter_submits() {
    let mut chain = funded_chain(100);
    for caller in [ADMIN, FERMAH, OUTSIDER] {
        assert_eq!(
            chain.submit_proof_request(caller, request(1), &default_params()),
            Err(Error::OnlySubmitterAllowed(caller))
        );
    }
    assert_eq!(chain.proof_request(request(1)), None);
}

/// The timeout bounds hold at their edges: `ACK_TIMEOUT` is refused, one more ms accepted,
/// `MAX_TIMEOUT_AFTER` accepted, one more refused.
#[test]
fn timeout_bounds_are_exact() {
    let mut chain = funded_chain(100);
    let with_timeout = |timeout_after| ProofRequestParams {
        timeout_after,
        ..default_params()
    };
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &with_timeout(ACK_TIMEOUT)),
        Err(Error::InvalidProofRequestTimeout(ACK_TIMEOUT))
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &with_timeout(ACK_TIMEOUT + 1)),
        Ok(())
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(2), &with_timeout(MAX_TIMEOUT_AFTER)),
        Ok(())
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(3), &with_timeout(MAX_TIMEOUT_AFTER + 1)),
        Err(Error::InvalidProofRequestTimeout(MAX_TIMEOUT_AFTER + 1))
    );
}

/// The reward bounds hold at their edges: 0 refused, 1 and `MAX_REWARD` accepted, one more refused.
#[test]
fn reward_bounds_are_exact() {
    let mut chain = funded_chain(100);
    let with_reward = |max_reward| ProofRequestParams {
        max_reward,
        ..default_params()
    };
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &with_reward(0)),
        Err(Error::MaxRewardOutOfBounds(0))
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &with_reward(1)),
        Ok(())
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(2), &with_reward(MAX_REWARD)),
        Ok(())
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(3), &with_reward(MAX_REWARD + 1)),
        Err(Error::MaxRewardOutOfBounds(MAX_REWARD + 1))
    );
}

/// The longest URL is stored whole; one byte more is refused with its length.
#[test]
fn url_length_is_bounded() {
    let mut chain = funded_chain(100);
    let longest = "u".repeat(MAX_PROOF_INPUTS_URL_LEN as usize);
    let with_url = |url: &str| ProofRequestParams {
        proof_inputs_url: url.to_string(),
        ..default_params()
    };
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &with_url(&format!("{longest}u"))),
        Err(Error::InputTooLarge(MAX_PROOF_INPUTS_URL_LEN + 1))
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &with_url(&longest)),
        Ok(())
    );
    assert!(chain.last_stats().storage_deposit > MAX_PROOF_INPUTS_URL_LEN as i128);
    assert_eq!(
        chain.proof_request(request(1)).map(|r| r.proof_inputs_url),
        Some(longest)
    );
}

/// Upstream's `testSubmitProofAssignmentLogic`, extended to 12 requests: 0 → Fermah,
/// 1 → Lagrange, 2 and 3 → preferred, refused at once when the assignee is inactive or missing.
#[test]
fn round_robin_follows_counter_preferred_and_status() {
    let mut chain = Chain::new();
    chain.fund(1_000 * TOKEN);
    chain
        .update_proving_network_status(ADMIN, Fermah, ProvingNetworkStatus::Inactive)
        .unwrap();
    for n in 0..3 {
        submit(&mut chain, n);
    }
    chain
        .update_preferred_proving_network(ADMIN, Some(Fermah))
        .unwrap();
    submit(&mut chain, 3);
    chain
        .update_proving_network_status(ADMIN, Fermah, ProvingNetworkStatus::Active)
        .unwrap();
    for n in 4..7 {
        submit(&mut chain, n);
    }
    chain
        .update_preferred_proving_network(ADMIN, Some(Lagrange))
        .unwrap();
    submit(&mut chain, 7);
    chain
        .update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Inactive)
        .unwrap();
    for n in 8..10 {
        submit(&mut chain, n);
    }
    chain.update_preferred_proving_network(ADMIN, None).unwrap();
    chain
        .update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Active)
        .unwrap();
    for n in 10..12 {
        submit(&mut chain, n);
    }
    let expected = [
        (Some(Fermah), Refused),
        (Some(Lagrange), PendingAcknowledgement),
        (None, Refused),
        (Some(Fermah), Refused),
        (Some(Fermah), PendingAcknowledgement),
        (Some(Lagrange), PendingAcknowledgement),
        (Some(Fermah), PendingAcknowledgement),
        (Some(Lagrange), PendingAcknowledgement),
        (Some(Fermah), PendingAcknowledgement),
        (Some(Lagrange), Refused),
        (None, Refused),
        (None, Refused),
    ];
    for (n, (assigned_to, status)) in expected.into_iter().enumerate() {
        let stored = chain.proof_request(request(n as u64)).expect("stored");
        assert_eq!(
            (stored.assigned_to, stored.status, stored.request_id),
            (assigned_to, status, n as u64),
            "request {n}"
        );
    }
    assert_eq!(chain.request_counter(), 12);
    assert_eq!(chain.in_flight(), 6);
}

/// A request refused at submission emits Refused, needs no acknowledgement and reserves nothing.
#[test]
fn request_refused_at_submission_is_final() {
    let mut chain = Chain::new();
    chain.fund(100 * TOKEN);
    chain
        .update_proving_network_status(ADMIN, Fermah, ProvingNetworkStatus::Inactive)
        .unwrap();
    submit(&mut chain, 0);
    assert_eq!(chain.events::<ProofRequestSubmitted>()[0].status, Refused);
    assert_eq!(chain.in_flight(), 0);
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), true),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(Refused))
    );
}

/// The funds guard needs `MAX_REWARD` of free funds per in-flight request plus the new one.
#[test]
fn funds_guard_reserves_max_reward_per_request() {
    let mut chain = Chain::new();
    chain
        .update_preferred_proving_network(ADMIN, Some(Fermah))
        .unwrap();
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    chain.fund(2 * MAX_REWARD - 1);
    submit(&mut chain, 0);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    chain.fund(1);
    submit(&mut chain, 1);
    assert_eq!(chain.in_flight(), 2);
    assert_eq!(chain.request_counter(), 2);
}

/// Owed and proven-but-unvalidated rewards are not free funds.
#[test]
fn funds_guard_excludes_obligations() {
    let mut chain = Chain::new();
    chain
        .update_preferred_proving_network(ADMIN, Some(Fermah))
        .unwrap();
    chain.fund(2 * MAX_REWARD);
    let prover = commit(&mut chain, 0);
    chain
        .submit_proof(prover, request(0), &proof_of(8), MAX_REWARD)
        .unwrap();
    assert_eq!(chain.obligations(), MAX_REWARD);
    submit(&mut chain, 1);
    // Free: 2 × MAX_REWARD − MAX_REWARD proven = one reservation, held by request 1.
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(2), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    chain
        .submit_proof_validation_result(SUBMITTER, request(0), true)
        .unwrap();
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(2), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    assert_eq!(chain.obligations(), MAX_REWARD);
}

/// A token whose balance cannot be read blocks submissions with a typed error.
#[test]
fn unreadable_token_balance_is_reported() {
    let mut chain = Chain::new();
    let roles = Roles {
        usdc: OUTSIDER,
        ..chain.default_roles()
    };
    chain.manager = chain.deploy_manager(roles).unwrap().unwrap();
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
        Err(Error::TokenCallFailed)
    );
}

/// Each submission first purges at most 10 expired requests, earliest deadline first, persisting
/// Unacknowledged / TimedOut with one event each.
#[test]
fn submission_purges_ten_expired_requests_earliest_first() {
    let mut chain = funded_chain(1_000);
    // Request 0 commits with a proving deadline 1 ms after the acknowledgement deadlines of
    // requests 1..=11, which stay pending.
    let short = ProofRequestParams {
        timeout_after: ACK_TIMEOUT + 11,
        ..default_params()
    };
    chain
        .submit_proof_request(SUBMITTER, request(0), &short)
        .unwrap();
    chain
        .acknowledge_proof_request(FERMAH, request(0), true)
        .unwrap();
    chain.advance(10);
    for n in 1..12 {
        submit(&mut chain, n);
    }
    assert_eq!(chain.in_flight(), 12);
    chain.advance(ACK_TIMEOUT + 1);
    submit(&mut chain, 100);
    let expired = chain.events::<ProofRequestExpired>();
    assert_eq!(expired.len(), 10);
    assert_eq!(
        expired.iter().map(|e| e.block_number).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>(),
        "pending requests expire first: their deadline is earlier"
    );
    assert!(expired
        .iter()
        .all(|e| e.purged && e.status == Unacknowledged));
    // 12 in flight − 10 purged + the new one.
    assert_eq!(chain.in_flight(), 3);
    assert_eq!(
        chain.mark_unacknowledged(SUBMITTER, request(1)),
        Err(Error::ProofRequestIsNotPendingAcknowledgement(
            Unacknowledged
        ))
    );
    chain.advance(1);
    submit(&mut chain, 101);
    let expired = chain.events::<ProofRequestExpired>();
    assert_eq!(
        expired
            .iter()
            .map(|e| (e.block_number, e.status))
            .collect::<Vec<_>>(),
        vec![(11, Unacknowledged), (0, TimedOut)]
    );
    assert_eq!(chain.in_flight(), 2);
}

/// A request is purged only once its deadline is strictly in the past.
#[test]
fn purge_spares_request_at_its_deadline() {
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    let deadline = chain.proof_request(request(0)).unwrap().submitted_at + ACK_TIMEOUT;
    chain.set_time(deadline);
    submit(&mut chain, 1);
    assert!(chain.events::<ProofRequestExpired>().is_empty());
    assert_eq!(chain.in_flight(), 2);
    chain.set_time(deadline + 1);
    submit(&mut chain, 2);
    assert_eq!(chain.events::<ProofRequestExpired>().len(), 1);
    assert_eq!(chain.in_flight(), 2);
}

/// Purging frees the reservation of expired requests for new ones.
#[test]
fn purge_frees_funds_for_new_requests() {
    let mut chain = Chain::new();
    chain
        .update_preferred_proving_network(ADMIN, Some(Fermah))
        .unwrap();
    chain.fund(MAX_REWARD);
    submit(&mut chain, 0);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    chain.advance(ACK_TIMEOUT + 1);
    submit(&mut chain, 1);
    assert_eq!(chain.status(request(0)), Unacknowledged);
    assert_eq!(chain.in_flight(), 1);
}

/// The clock near `u64::MAX`: a submission whose acknowledgement deadline (`now + ACK_TIMEOUT`)
/// or proving deadline (`now + timeout_after`) would overflow is refused with
/// `ArithmeticOverflow` and changes nothing; 1 ms earlier, the shortest window still fits.
#[test]
fn submission_overflows_the_clock_at_either_deadline() {
    let shortest = ProofRequestParams {
        timeout_after: ACK_TIMEOUT + 1,
        ..default_params()
    };
    let mut chain = funded_chain(100);
    // The acknowledgement deadline overflows.
    chain.set_time(u64::MAX - ACK_TIMEOUT + 1);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &shortest),
        Err(Error::ArithmeticOverflow)
    );
    // The acknowledgement deadline is u64::MAX; the proving deadline overflows.
    chain.set_time(u64::MAX - ACK_TIMEOUT);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &shortest),
        Err(Error::ArithmeticOverflow)
    );
    assert_eq!(chain.request_counter(), 0);
    // Both deadlines fit, the proving one exactly at u64::MAX.
    let mut chain = funded_chain(100);
    chain.set_time(u64::MAX - ACK_TIMEOUT - 1);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &shortest),
        Ok(())
    );
    let stored = chain.proof_request(request(0)).unwrap();
    assert_eq!(stored.submitted_at + stored.timeout_after, u64::MAX);
}
