use super::*;

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
            assigned_to: Some(ProvingNetwork::Fermah),
            proof_inputs_url: default_params().proof_inputs_url,
            protocol_major: 0,
            protocol_minor: 27,
            protocol_patch: 0,
            timeout_after: 3_600_000,
            max_reward: MAX_REWARD,
            request_id: 0,
            status: ProofRequestStatus::PendingAcknowledgement,
        }]
    );
    let stored = chain.proof_request(request(1)).expect("stored");
    assert_eq!(stored.status, ProofRequestStatus::PendingAcknowledgement);
    assert_eq!(stored.submitted_at, now);
    assert_eq!(stored.proof, Vec::<u8>::new());
    assert_eq!(chain.request_counter(), 1);
    assert_eq!(chain.in_flight(), 1);
}
