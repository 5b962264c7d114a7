//! The test bodies, generic over the backend: `main.rs` runs each on the node and on the sandbox.
//! Every body starts from `deploy` (token and ProofManager deployed and funded by the admin).

use proof_manager_e2e::{request, TOKEN};

use crate::backend::Backend;
use crate::support::*;
use proof_manager::ProofRequestStatus::*;
use proof_manager::ProvingNetwork::*;
use proof_manager::*;

/// Submissions go to Fermah, Lagrange, then twice the preferred network; an inactive or missing
/// assignee makes a request Refused at once; only the submitter submits, and only once per id.
pub async fn requests_follow_round_robin_with_preferred_network<B: Backend>(client: &mut B) {
    let deployment = deploy(client).await;
    prefer(client, &deployment, Some(Lagrange)).await;
    for n in 0..8 {
        let assignee = if n % 4 == 0 { Fermah } else { Lagrange };
        assert_eq!(
            submit(client, &deployment, n).await,
            vec![submitted(n, Some(assignee), PendingAcknowledgement)]
        );
    }

    let message = deployment
        .manager()
        .update_proving_network_status(Lagrange, ProvingNetworkStatus::Inactive);
    let ((), events) = ok(client, &admin(), &message).await;
    assert_eq!(
        deployment.decode(&events),
        vec![Emitted::StatusUpdated(ProvingNetworkStatusUpdated {
            proving_network: Lagrange,
            status: ProvingNetworkStatus::Inactive,
        })]
    );
    assert_eq!(
        submit(client, &deployment, 8).await,
        vec![submitted(8, Some(Fermah), PendingAcknowledgement)]
    );
    assert_eq!(
        submit(client, &deployment, 9).await,
        vec![submitted(9, Some(Lagrange), Refused)]
    );
    prefer(client, &deployment, None).await;
    assert_eq!(
        submit(client, &deployment, 10).await,
        vec![submitted(10, None, Refused)]
    );
    assert_eq!(status(client, &deployment, 10).await, Refused);

    for (caller, account) in [(outsider(), id(&outsider())), (fermah(), id(&fermah()))] {
        let message = deployment
            .manager()
            .submit_proof_request(request(11), proof_manager_e2e::default_params());
        assert_eq!(
            refused(client, &caller, &message).await,
            Error::OnlySubmitterAllowed(account)
        );
    }
    let message = deployment
        .manager()
        .submit_proof_request(request(0), proof_manager_e2e::default_params());
    assert_eq!(
        refused(client, &submitter(), &message).await,
        Error::DuplicatedProofRequest(request(0))
    );
    assert_eq!(
        query(client, &deployment.manager().request_counter()).await,
        11
    );
    // Requests 0..=8 wait for acknowledgement; 9 and 10 were refused.
    assert_eq!(query(client, &deployment.manager().in_flight()).await, 9);
}

/// The assignee's key, and no other, accepts or refuses a request and proves what it accepted;
/// rewards above `max_reward` are capped and become obligations.
pub async fn networks_acknowledge_refuse_and_prove_their_requests<B: Backend>(client: &mut B) {
    let deployment = deploy(client).await;
    prefer(client, &deployment, Some(Fermah)).await;
    for n in 0..3 {
        submit(client, &deployment, n).await;
    }

    for (caller, account) in [(outsider(), id(&outsider())), (lagrange(), id(&lagrange()))] {
        let message = deployment
            .manager()
            .acknowledge_proof_request(request(0), true);
        assert_eq!(
            refused(client, &caller, &message).await,
            Error::OnlyProvingNetworkAssigneeAllowed(account)
        );
    }
    commit(client, &deployment, 0, Fermah).await;
    assert_eq!(status(client, &deployment, 0).await, Committed);

    let refusal = deployment
        .manager()
        .acknowledge_proof_request(request(1), false);
    let ((), events) = ok(client, &lagrange(), &refusal).await;
    assert_eq!(
        deployment.decode(&events),
        vec![acknowledged(1, false, Lagrange)]
    );
    assert_eq!(status(client, &deployment, 1).await, Refused);
    let acceptance = deployment
        .manager()
        .acknowledge_proof_request(request(1), true);
    assert_eq!(
        refused(client, &lagrange(), &acceptance).await,
        Error::ProofRequestIsNotPendingAcknowledgement(Refused)
    );
    let unknown = deployment
        .manager()
        .acknowledge_proof_request(request(99), true);
    assert_eq!(
        refused(client, &fermah(), &unknown).await,
        Error::ProofRequestNotFound(request(99))
    );

    let proof = proof_manager_e2e::proof_of(64);
    let early = deployment
        .manager()
        .submit_proof(request(2), proof.clone(), TOKEN);
    assert_eq!(
        refused(client, &fermah(), &early).await,
        Error::ProofRequestIsNotCommitted(PendingAcknowledgement)
    );
    let by_outsider = deployment
        .manager()
        .submit_proof(request(0), proof.clone(), TOKEN);
    assert_eq!(
        refused(client, &outsider(), &by_outsider).await,
        Error::OnlyProvingNetworkAssigneeAllowed(id(&outsider()))
    );
    let empty = deployment
        .manager()
        .submit_proof(request(0), Vec::new(), TOKEN);
    assert_eq!(refused(client, &fermah(), &empty).await, Error::EmptyProof);
    let of_refused = deployment.manager().submit_proof(request(1), proof, TOKEN);
    assert_eq!(
        refused(client, &lagrange(), &of_refused).await,
        Error::ProofRequestIsNotCommitted(Refused)
    );

    prove(client, &deployment, 0, Fermah, 2 * TOKEN).await;
    commit(client, &deployment, 2, Fermah).await;
    prove(client, &deployment, 2, Fermah, 7 * TOKEN).await;
    let stored = query(client, &deployment.manager().proof_request(request(2)))
        .await
        .expect("request 2 is stored");
    assert_eq!(
        (stored.status, stored.requested_reward),
        (Proven, MAX_REWARD)
    );
    assert_eq!(
        query(client, &deployment.manager().obligations()).await,
        2 * TOKEN + MAX_REWARD
    );
    assert_eq!(query(client, &deployment.manager().in_flight()).await, 0);
}

/// Valid proofs are paid in the token on claim, invalid ones never; a claim settles what is
/// owed, and only a network's key claims.
pub async fn valid_proofs_are_paid_on_claim_and_invalid_ones_are_not<B: Backend>(client: &mut B) {
    let deployment = deploy(client).await;
    prefer(client, &deployment, Some(Fermah)).await;
    let plan = [
        (0, Fermah, 3 * TOKEN, true),
        (1, Lagrange, 4 * TOKEN, true),
        (2, Fermah, 2 * TOKEN, false),
    ];
    for (n, network, reward, _) in plan {
        submit(client, &deployment, n).await;
        commit(client, &deployment, n, network).await;
        prove(client, &deployment, n, network, reward).await;
    }
    let message = deployment
        .manager()
        .submit_proof_validation_result(request(0), true);
    assert_eq!(
        refused(client, &outsider(), &message).await,
        Error::OnlySubmitterAllowed(id(&outsider()))
    );
    for (n, network, _, valid) in plan {
        validate(client, &deployment, n, network, valid).await;
    }
    let again = deployment
        .manager()
        .submit_proof_validation_result(request(2), true);
    assert_eq!(
        refused(client, &submitter(), &again).await,
        Error::ProofRequestIsNotProven(ValidationFailed)
    );
    for (network, owed) in [(Fermah, 3 * TOKEN), (Lagrange, 4 * TOKEN)] {
        let info = query(client, &deployment.manager().proving_network_info(network)).await;
        assert_eq!(info.owed_reward, owed);
    }
    assert_eq!(
        query(client, &deployment.manager().obligations()).await,
        7 * TOKEN
    );

    assert_eq!(
        refused(client, &outsider(), &deployment.manager().claim_reward()).await,
        Error::OnlyProvingNetworkAllowed(id(&outsider()))
    );
    let mut paid = 0;
    for (signer, account, network, amount) in [
        (fermah(), id(&fermah()), Fermah, 3 * TOKEN),
        (lagrange(), id(&lagrange()), Lagrange, 4 * TOKEN),
    ] {
        let (claimed, events) = ok(client, &signer, &deployment.manager().claim_reward()).await;
        assert_eq!(claimed, amount);
        assert_eq!(
            deployment.decode(&events),
            vec![
                transfer(deployment.manager, account, amount),
                Emitted::Claimed(RewardClaimed {
                    by: network,
                    amount,
                    paid_requests: 1,
                }),
            ]
        );
        paid += amount;
        assert_eq!(balance(client, &deployment, account).await, amount);
        assert_eq!(
            balance(client, &deployment, deployment.manager).await,
            FUNDS - paid
        );
    }
    for (n, expected) in [(0, Paid), (1, Paid), (2, ValidationFailed)] {
        assert_eq!(status(client, &deployment, n).await, expected);
    }
    assert_eq!(query(client, &deployment.manager().obligations()).await, 0);
    assert_eq!(
        refused(client, &fermah(), &deployment.manager().claim_reward()).await,
        Error::NoPaymentDue
    );
}

/// After the admin rotates Fermah's key, the new key acknowledges Fermah's requests and claims
/// its owed rewards; the old key is refused both.
pub async fn rotated_key_acknowledges_and_claims_while_old_key_is_refused<B: Backend>(
    client: &mut B,
) {
    let deployment = deploy(client).await;
    prefer(client, &deployment, Some(Fermah)).await;
    submit(client, &deployment, 0).await;
    commit(client, &deployment, 0, Fermah).await;
    prove(client, &deployment, 0, Fermah, 3 * TOKEN).await;
    validate(client, &deployment, 0, Fermah, true).await;
    submit(client, &deployment, 1).await;
    submit(client, &deployment, 2).await;

    let rotation = deployment
        .manager()
        .update_proving_network_address(Fermah, id(&fermah_new_key()));
    assert_eq!(
        refused(client, &outsider(), &rotation).await,
        Error::OnlyAdminAllowed(id(&outsider()))
    );
    let taken = deployment
        .manager()
        .update_proving_network_address(Lagrange, id(&fermah()));
    assert_eq!(
        refused(client, &admin(), &taken).await,
        Error::AddressInUse(id(&fermah()))
    );
    let ((), events) = ok(client, &admin(), &rotation).await;
    assert_eq!(
        deployment.decode(&events),
        vec![Emitted::AddressUpdated(ProvingNetworkAddressUpdated {
            proving_network: Fermah,
            address: id(&fermah_new_key()),
        })]
    );
    let info = query(client, &deployment.manager().proving_network_info(Fermah)).await;
    assert_eq!(
        (info.address, info.owed_reward),
        (id(&fermah_new_key()), 3 * TOKEN)
    );

    let acknowledgement = deployment
        .manager()
        .acknowledge_proof_request(request(2), true);
    assert_eq!(
        refused(client, &fermah(), &acknowledgement).await,
        Error::OnlyProvingNetworkAssigneeAllowed(id(&fermah()))
    );
    let ((), events) = ok(client, &fermah_new_key(), &acknowledgement).await;
    assert_eq!(
        deployment.decode(&events),
        vec![acknowledged(2, true, Fermah)]
    );

    assert_eq!(
        refused(client, &fermah(), &deployment.manager().claim_reward()).await,
        Error::OnlyProvingNetworkAllowed(id(&fermah()))
    );
    let (claimed, events) = ok(
        client,
        &fermah_new_key(),
        &deployment.manager().claim_reward(),
    )
    .await;
    assert_eq!(claimed, 3 * TOKEN);
    assert_eq!(
        deployment.decode(&events),
        vec![
            transfer(deployment.manager, id(&fermah_new_key()), 3 * TOKEN),
            Emitted::Claimed(RewardClaimed {
                by: Fermah,
                amount: 3 * TOKEN,
                paid_requests: 1,
            }),
        ]
    );
    assert_eq!(
        balance(client, &deployment, id(&fermah_new_key())).await,
        3 * TOKEN
    );
    assert_eq!(balance(client, &deployment, id(&fermah())).await, 0);
    assert_eq!(status(client, &deployment, 0).await, Paid);
}

/// The admin withdraws what the obligations and in-flight reservations leave free, and not a
/// unit more; an outsider and Fermah are refused every admin message, and the roles stay as they
/// were.
pub async fn admin_withdraws_free_funds_and_outsiders_are_refused<B: Backend>(client: &mut B) {
    let deployment = deploy(client).await;
    prefer(client, &deployment, Some(Fermah)).await;
    submit(client, &deployment, 0).await;
    commit(client, &deployment, 0, Fermah).await;
    prove(client, &deployment, 0, Fermah, 2 * TOKEN).await;
    validate(client, &deployment, 0, Fermah, true).await;
    // Request 1 stays in flight: its assignee may still commit, so it keeps `MAX_REWARD`.
    submit(client, &deployment, 1).await;
    let kept = 2 * TOKEN + MAX_REWARD;
    let free = FUNDS - kept;

    let token = deployment.token;
    for (signer, account) in [(outsider(), id(&outsider())), (fermah(), id(&fermah()))] {
        let refused_to = Error::OnlyAdminAllowed(account);
        assert_eq!(
            refused(client, &signer, &deployment.manager().withdraw(token, 1)).await,
            refused_to
        );
        let deactivation = deployment
            .manager()
            .update_proving_network_status(Fermah, ProvingNetworkStatus::Inactive);
        assert_eq!(refused(client, &signer, &deactivation).await, refused_to);
        let preferred = deployment.manager().update_preferred_proving_network(None);
        assert_eq!(refused(client, &signer, &preferred).await, refused_to);
        let address = deployment
            .manager()
            .update_proving_network_address(Lagrange, account);
        assert_eq!(refused(client, &signer, &address).await, refused_to);
        let submitter = deployment.manager().set_submitter(account);
        assert_eq!(refused(client, &signer, &submitter).await, refused_to);
        let admin = deployment.manager().transfer_admin(account);
        assert_eq!(refused(client, &signer, &admin).await, refused_to);
    }

    let too_much = deployment.manager().withdraw(token, free + 1);
    assert_eq!(
        refused(client, &admin(), &too_much).await,
        Error::InsufficientFreeFunds(free)
    );
    let withdrawal = deployment.manager().withdraw(token, free);
    let ((), events) = ok(client, &admin(), &withdrawal).await;
    assert_eq!(
        deployment.decode(&events),
        vec![
            transfer(deployment.manager, id(&admin()), free),
            Emitted::Withdrawn(FundsWithdrawn {
                token,
                by: id(&admin()),
                amount: free,
            }),
        ]
    );
    assert_eq!(balance(client, &deployment, deployment.manager).await, kept);
    assert_eq!(
        balance(client, &deployment, id(&admin())).await,
        SUPPLY - FUNDS + free
    );

    let (claimed, _) = ok(client, &fermah(), &deployment.manager().claim_reward()).await;
    assert_eq!(claimed, 2 * TOKEN);
    assert_eq!(
        balance(client, &deployment, deployment.manager).await,
        MAX_REWARD
    );
    assert_eq!(
        query(client, &deployment.manager().admin()).await,
        id(&admin())
    );
    assert_eq!(
        query(client, &deployment.manager().submitter()).await,
        id(&submitter())
    );
    assert_eq!(
        query(client, &deployment.manager().pending_admin()).await,
        None
    );
    assert_eq!(
        query(client, &deployment.manager().preferred_proving_network()).await,
        Some(Fermah)
    );
}
