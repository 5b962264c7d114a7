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
                address: account(FERMAH),
            },
            ProvingNetworkAddressUpdated {
                proving_network: Lagrange,
                address: account(LAGRANGE),
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
    assert_eq!(chain.admin(), account(ADMIN));
    assert_eq!(chain.submitter(), account(SUBMITTER));
}

/// A deployment with a zero or shared address reverts with the constructor's error.
#[test]
fn deployment_rejects_bad_roles() {
    let mut chain = Chain::new();
    let roles = chain.default_roles();
    assert_eq!(
        chain.deploy_manager(Roles {
            usdc: account([0; 32]),
            ..roles
        }),
        Ok(Err(Error::AddressCannotBeZero(AddressField::Usdc)))
    );
    assert_eq!(
        chain.deploy_manager(Roles {
            lagrange: account(FERMAH),
            ..roles
        }),
        Ok(Err(Error::AddressInUse(account(FERMAH))))
    );
}

/// After `set_submitter` only the new submitter submits.
#[test]
fn new_submitter_takes_over() {
    let mut chain = funded_chain(100);
    assert_eq!(chain.set_submitter(ADMIN, account(OUTSIDER)), Ok(()));
    assert_eq!(
        chain.events::<SubmitterUpdated>(),
        vec![SubmitterUpdated {
            previous: account(SUBMITTER),
            new: account(OUTSIDER),
        }]
    );
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
        Err(Error::OnlySubmitterAllowed(account(SUBMITTER)))
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
    assert_eq!(chain.transfer_admin(ADMIN, account(OUTSIDER)), Ok(()));
    assert_eq!(
        chain.events::<AdminTransferStarted>(),
        vec![AdminTransferStarted {
            admin: account(ADMIN),
            pending: account(OUTSIDER),
        }]
    );
    assert_eq!(chain.pending_admin(), Some(account(OUTSIDER)));
    assert_eq!(chain.update_preferred_proving_network(ADMIN, None), Ok(()));
    assert_eq!(
        chain.accept_admin(FERMAH),
        Err(Error::OnlyPendingAdminAllowed(account(FERMAH)))
    );
    assert_eq!(chain.accept_admin(OUTSIDER), Ok(()));
    assert_eq!(chain.admin(), account(OUTSIDER));
    assert_eq!(
        chain.update_preferred_proving_network(ADMIN, None),
        Err(Error::OnlyAdminAllowed(account(ADMIN)))
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
        Err(Error::OnlyAdminAllowed(account(FERMAH)))
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
