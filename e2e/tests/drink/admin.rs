//! Deployment, roles and upgrades.

use super::*;
use ProvingNetwork::*;

/// Deployment emits upstream's initializer events, indexed on the network.
#[test]
fn deployment_emits_initializer_events() {
    let mut chain = Chain::new();
    let roles = chain.default_roles();
    let manager = chain.deploy_manager(roles).unwrap().unwrap();
    chain.manager = manager;
    assert_eq!(
        chain.events::<ProvingNetworkAddressUpdated>(),
        vec![
            ProvingNetworkAddressUpdated {
                proving_network: Fermah,
                address: FERMAH,
            },
            ProvingNetworkAddressUpdated {
                proving_network: Lagrange,
                address: LAGRANGE,
            },
        ]
    );
    assert_eq!(chain.events::<ProvingNetworkStatusUpdated>().len(), 2);
    assert_eq!(
        chain.events::<PreferredProvingNetworkUpdated>(),
        vec![PreferredProvingNetworkUpdated {
            proving_network: None
        }]
    );
    assert!(chain
        .last_events()
        .iter()
        .filter(|e| e.contract == manager)
        .all(|e| e.topics.len() == 2));
    assert_eq!(chain.usdc(), chain.token);
    assert_eq!(chain.admin(), ADMIN);
    assert_eq!(chain.submitter(), SUBMITTER);
}

/// A deployment with a zero or shared address reverts with the constructor's error.
#[test]
fn deployment_rejects_bad_roles() {
    let mut chain = Chain::new();
    let roles = chain.default_roles();
    assert_eq!(
        chain.deploy_manager(Roles {
            usdc: AccountId([0; 32]),
            ..roles
        }),
        Ok(Err(Error::AddressCannotBeZero(AddressField::Usdc)))
    );
    assert_eq!(
        chain.deploy_manager(Roles {
            lagrange: FERMAH,
            ..roles
        }),
        Ok(Err(Error::AddressInUse(FERMAH)))
    );
}

/// After `set_submitter` only the new submitter submits.
#[test]
fn new_submitter_takes_over() {
    let mut chain = funded_chain(100);
    assert_eq!(chain.set_submitter(ADMIN, OUTSIDER), Ok(()));
    assert_eq!(
        chain.events::<SubmitterUpdated>(),
        vec![SubmitterUpdated {
            previous: SUBMITTER,
            new: OUTSIDER,
        }]
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
        Err(Error::OnlySubmitterAllowed(SUBMITTER))
    );
    assert_eq!(
        chain.submit_proof_request(OUTSIDER, request(0), &default_params()),
        Ok(())
    );
}

/// The admin role moves only on acceptance; then the old admin is refused and the new one acts.
#[test]
fn admin_transfer_takes_effect_on_acceptance() {
    let mut chain = funded_chain(100);
    assert_eq!(chain.transfer_admin(ADMIN, OUTSIDER), Ok(()));
    assert_eq!(
        chain.events::<AdminTransferStarted>(),
        vec![AdminTransferStarted {
            admin: ADMIN,
            pending: OUTSIDER,
        }]
    );
    assert_eq!(chain.pending_admin(), Some(OUTSIDER));
    assert_eq!(chain.update_preferred_proving_network(ADMIN, None), Ok(()));
    assert_eq!(
        chain.accept_admin(FERMAH),
        Err(Error::OnlyPendingAdminAllowed(FERMAH))
    );
    assert_eq!(chain.accept_admin(OUTSIDER), Ok(()));
    assert_eq!(chain.admin(), OUTSIDER);
    assert_eq!(
        chain.update_preferred_proving_network(ADMIN, None),
        Err(Error::OnlyAdminAllowed(ADMIN))
    );
    assert_eq!(
        chain.update_preferred_proving_network(OUTSIDER, Some(Lagrange)),
        Ok(())
    );
}

/// `set_code` swaps the code of the deployed contract and keeps every request, ledger and role.
#[test]
fn upgrade_keeps_storage() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, 2 * TOKEN);
    commit(&mut chain, 1);
    let before = chain.proof_request(request(0));
    let second_build = with_custom_section(&proof_manager_wasm(), "upgrade-test");
    let new_hash = chain.upload(second_build);
    let manager = chain.manager;
    assert_ne!(chain.code_hash(manager), Some(new_hash));
    assert_eq!(
        chain.set_code(FERMAH, new_hash),
        Err(Error::OnlyAdminAllowed(FERMAH))
    );
    assert_eq!(chain.set_code(ADMIN, new_hash), Ok(()));
    assert_eq!(
        chain.events::<CodeUpgraded>(),
        vec![CodeUpgraded {
            code_hash: new_hash
        }]
    );
    assert_eq!(chain.code_hash(manager), Some(new_hash));
    assert_eq!(chain.proof_request(request(0)), before);
    assert_eq!(chain.request_counter(), 2);
    assert_eq!(chain.in_flight(), 1);
    assert_eq!(chain.preferred_proving_network(), Some(Fermah));
    chain
        .submit_proof(LAGRANGE, request(1), &proof_of(8), TOKEN)
        .unwrap();
    assert_eq!(chain.claim_reward(FERMAH), Ok(2 * TOKEN));
}

/// `set_code` with a hash that was never uploaded fails with a typed error and changes nothing.
#[test]
fn upgrade_to_unknown_code_fails() {
    let mut chain = funded_chain(100);
    let manager = chain.manager;
    let before = chain.code_hash(manager);
    assert_eq!(
        chain.set_code(ADMIN, [9u8; 32].into()),
        Err(Error::CodeUpgradeFailed)
    );
    assert_eq!(chain.code_hash(manager), before);
}

/// Code with other deadline rules (the build with `ACK_TIMEOUT` of 1 minute) installed while
/// requests are in flight computes another index key for a pending request: acknowledging or
/// marking it returns `DeadlineIndexMismatch` and changes nothing, instead of leaving a stale
/// entry in the index. A committed request, whose proving deadline does not depend on
/// `ACK_TIMEOUT`, is proven as usual. `set_code` back to the previous code restores every
/// message: the pending request is acknowledged within the old rules' window.
#[test]
fn upgrade_to_other_deadline_rules_is_refused_until_reverted() {
    use ProofRequestStatus::*;
    let mut chain = funded_chain(100);
    submit(&mut chain, 0);
    let submitted_at = chain.proof_request(request(0)).unwrap().submitted_at;
    commit(&mut chain, 1);
    let manager = chain.manager;
    let original = chain.code_hash(manager).expect("the manager's code");
    let other_rules = chain.upload(proof_manager_other_rules_wasm());
    assert_eq!(chain.set_code(ADMIN, other_rules), Ok(()));
    assert_eq!(chain.code_hash(manager), Some(other_rules));

    let mismatch = Err(Error::DeadlineIndexMismatch(request(0)));
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), true),
        mismatch
    );
    assert_eq!(
        chain.submit_proof(LAGRANGE, request(1), &proof_of(64), TOKEN),
        Ok(())
    );
    // The new code's acknowledgement deadline is 1 minute.
    chain.set_time(submitted_at + 60_001);
    assert_eq!(chain.status(request(0)), Unacknowledged);
    assert_eq!(chain.mark_unacknowledged(SUBMITTER, request(0)), mismatch);
    assert_eq!(chain.in_flight(), 1);

    assert_eq!(chain.set_code(ADMIN, original), Ok(()));
    assert_eq!(chain.status(request(0)), PendingAcknowledgement);
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(0), true),
        Ok(())
    );
    assert_eq!(chain.set_code(ADMIN, other_rules), Ok(()));
    assert_eq!(
        chain.submit_proof(FERMAH, request(0), &proof_of(64), TOKEN),
        Ok(())
    );
    assert_eq!(chain.status(request(0)), Proven);
    assert_eq!(chain.status(request(1)), Proven);
    assert_eq!(chain.in_flight(), 0);
}
