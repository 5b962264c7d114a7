//! Claims, key rotation and withdrawals.

use super::*;
use ProofRequestStatus::*;
use ProvingNetwork::*;

/// A claim pays everything owed to the network's address, marks the requests Paid and leaves
/// nothing owed.
#[test]
fn network_claims_validated_rewards() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, 2 * TOKEN);
    submit(&mut chain, 1);
    validate(&mut chain, 2, 3 * TOKEN);
    prove(&mut chain, 3, TOKEN);
    assert_eq!(chain.claim_reward(FERMAH), Ok(5 * TOKEN));
    assert_eq!(
        chain.events::<RewardClaimed>(),
        vec![RewardClaimed {
            by: Fermah,
            amount: 5 * TOKEN,
            paid_requests: 2,
        }]
    );
    assert_eq!(chain.token_balance(FERMAH), 5 * TOKEN);
    assert_eq!(chain.token_balance(chain.manager), 95 * TOKEN);
    assert_eq!(chain.status(request(0)), Paid);
    assert_eq!(chain.status(request(2)), Paid);
    assert_eq!(chain.status(request(3)), Proven);
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, 0);
    assert_eq!(chain.obligations(), TOKEN);
    assert_eq!(chain.claim_reward(FERMAH), Err(Error::NoPaymentDue));
}

/// Rewards validated after a claim are paid by the next one, and only they read Paid then.
#[test]
fn later_validations_are_paid_by_later_claims() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, TOKEN);
    assert_eq!(chain.claim_reward(FERMAH), Ok(TOKEN));
    submit(&mut chain, 1);
    prove(&mut chain, 2, 2 * TOKEN);
    assert_eq!(chain.status(request(2)), Proven);
    chain
        .submit_proof_validation_result(SUBMITTER, request(2), true)
        .unwrap();
    assert_eq!(chain.status(request(2)), Validated);
    assert_eq!(chain.claim_reward(FERMAH), Ok(2 * TOKEN));
    assert_eq!(chain.status(request(2)), Paid);
    assert_eq!(chain.token_balance(FERMAH), 3 * TOKEN);
}

/// Each network is paid its own rewards only.
#[test]
fn networks_are_paid_separately() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, TOKEN);
    validate(&mut chain, 1, 2 * TOKEN);
    assert_eq!(chain.claim_reward(LAGRANGE), Ok(2 * TOKEN));
    assert_eq!(chain.status(request(0)), Validated);
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, TOKEN);
    assert_eq!(chain.token_balance(LAGRANGE), 2 * TOKEN);
    assert_eq!(chain.token_balance(FERMAH), 0);
}

/// Only a network's current address claims.
#[test]
fn only_networks_claim() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, TOKEN);
    for caller in [ADMIN, SUBMITTER, OUTSIDER] {
        assert_eq!(
            chain.claim_reward(caller),
            Err(Error::OnlyProvingNetworkAllowed(caller))
        );
    }
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, TOKEN);
}

/// A failed token transfer returns the token's error and loses nothing: the reward stays owed,
/// the request Validated, and a later claim pays it.
#[test]
fn failed_transfer_loses_nothing() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, TOKEN);
    chain.set_token_transfers_enabled(false);
    assert_eq!(
        chain.claim_reward(FERMAH),
        Err(Error::TokenTransferFailed(PSP22Error::Custom(
            "transfers disabled".into()
        )))
    );
    assert!(chain.events::<RewardClaimed>().is_empty());
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, TOKEN);
    assert_eq!(chain.status(request(0)), Validated);
    assert_eq!(chain.token_balance(chain.manager), 100 * TOKEN);
    chain.set_token_transfers_enabled(true);
    assert_eq!(chain.claim_reward(FERMAH), Ok(TOKEN));
    assert_eq!(chain.status(request(0)), Paid);
}

/// A network owed more than `MAX_CLAIM` is paid whole requests up to `MAX_CLAIM`, oldest first,
/// and the rest by the next claim.
#[test]
fn claim_above_limit_needs_two_claims() {
    let mut chain = Chain::new();
    chain.fund(30_000 * TOKEN);
    chain
        .update_preferred_proving_network(ADMIN, Some(Fermah))
        .unwrap();
    // Lagrange's turns are refused at once, so every live request is Fermah's.
    chain
        .update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Inactive)
        .unwrap();
    let per_request = MAX_REWARD;
    let needed = MAX_CLAIM / per_request + 2;
    let mut validated = Vec::new();
    let mut n = 0;
    while (validated.len() as u128) < needed {
        if submit(&mut chain, n) == Some(Fermah) {
            chain
                .acknowledge_proof_request(FERMAH, request(n), true)
                .unwrap();
            chain
                .submit_proof(FERMAH, request(n), &proof_of(8), per_request)
                .unwrap();
            chain
                .submit_proof_validation_result(SUBMITTER, request(n), true)
                .unwrap();
            validated.push(n);
        }
        n += 1;
    }
    let owed = needed * per_request;
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, owed);
    assert_eq!(chain.claim_reward(FERMAH), Ok(MAX_CLAIM));
    let settled = (MAX_CLAIM / per_request) as usize;
    assert_eq!(
        chain.events::<RewardClaimed>()[0].paid_requests,
        settled as u64
    );
    assert_eq!(chain.status(request(validated[settled - 1])), Paid);
    assert_eq!(chain.status(request(validated[settled])), Validated);
    assert_eq!(
        chain.proving_network_info(Fermah).owed_reward,
        owed - MAX_CLAIM
    );
    assert_eq!(chain.claim_reward(FERMAH), Ok(owed - MAX_CLAIM));
    assert_eq!(chain.status(request(*validated.last().unwrap())), Paid);
    assert_eq!(chain.token_balance(FERMAH), owed);
}

/// After a key rotation the new key acknowledges, proves and claims, including rewards earned
/// before the rotation; the old key can do none of it.
#[test]
fn rotated_key_takes_every_right() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, TOKEN);
    submit(&mut chain, 1);
    submit(&mut chain, 2);
    assert_eq!(
        chain.update_proving_network_address(ADMIN, Fermah, FERMAH_NEW_KEY),
        Ok(())
    );
    assert_eq!(
        chain.events::<ProvingNetworkAddressUpdated>(),
        vec![ProvingNetworkAddressUpdated {
            proving_network: Fermah,
            address: FERMAH_NEW_KEY,
        }]
    );
    assert_eq!(
        chain.acknowledge_proof_request(FERMAH, request(2), true),
        Err(Error::OnlyProvingNetworkAssigneeAllowed(FERMAH))
    );
    assert_eq!(
        chain.claim_reward(FERMAH),
        Err(Error::OnlyProvingNetworkAllowed(FERMAH))
    );
    chain
        .acknowledge_proof_request(FERMAH_NEW_KEY, request(2), true)
        .unwrap();
    assert_eq!(
        chain.submit_proof(FERMAH, request(2), &proof_of(8), TOKEN),
        Err(Error::OnlyProvingNetworkAssigneeAllowed(FERMAH))
    );
    chain
        .submit_proof(FERMAH_NEW_KEY, request(2), &proof_of(8), TOKEN)
        .unwrap();
    chain
        .submit_proof_validation_result(SUBMITTER, request(2), true)
        .unwrap();
    assert_eq!(chain.claim_reward(FERMAH_NEW_KEY), Ok(2 * TOKEN));
    assert_eq!(chain.token_balance(FERMAH_NEW_KEY), 2 * TOKEN);
    assert_eq!(chain.token_balance(FERMAH), 0);
}

/// A key cannot be rotated to the other network's address or to zero, and only by the admin.
#[test]
fn rotation_rejects_taken_and_zero_addresses() {
    let mut chain = funded_chain(100);
    assert_eq!(
        chain.update_proving_network_address(ADMIN, Fermah, LAGRANGE),
        Err(Error::AddressInUse(LAGRANGE))
    );
    assert_eq!(
        chain.update_proving_network_address(ADMIN, Fermah, AccountId([0; 32])),
        Err(Error::AddressCannotBeZero(AddressField::ProvingNetwork))
    );
    assert_eq!(
        chain.update_proving_network_address(FERMAH, Fermah, FERMAH_NEW_KEY),
        Err(Error::OnlyAdminAllowed(FERMAH))
    );
    assert_eq!(chain.proving_network_info(Fermah).address, FERMAH);
}

/// The admin withdraws free payment tokens up to, not beyond, the obligations.
#[test]
fn withdraw_keeps_obligations() {
    let mut chain = funded_chain(10);
    validate(&mut chain, 0, 2 * TOKEN);
    prove(&mut chain, 2, 3 * TOKEN);
    let token = chain.token;
    assert_eq!(
        chain.withdraw(ADMIN, token, 5 * TOKEN + 1),
        Err(Error::InsufficientFreeFunds(5 * TOKEN))
    );
    assert_eq!(chain.withdraw(ADMIN, token, 5 * TOKEN), Ok(()));
    assert_eq!(
        chain.events::<FundsWithdrawn>(),
        vec![FundsWithdrawn {
            token,
            by: ADMIN,
            amount: 5 * TOKEN,
        }]
    );
    assert_eq!(chain.token_balance(ADMIN), 5 * TOKEN);
    assert_eq!(chain.token_balance(chain.manager), 5 * TOKEN);
    assert_eq!(
        chain.withdraw(ADMIN, token, 1),
        Err(Error::InsufficientFreeFunds(0))
    );
    assert_eq!(chain.claim_reward(FERMAH), Ok(2 * TOKEN));
}

/// The admin cannot withdraw the `MAX_REWARD` the funds guard reserved for each in-flight
/// request: a network that committed before a withdrawal is covered when it proves after it,
/// and a request marked expired frees its reservation.
#[test]
fn withdraw_keeps_the_reservation_of_in_flight_requests() {
    let mut chain = funded_chain(12);
    submit(&mut chain, 0);
    let prover = commit(&mut chain, 1);
    assert_eq!(chain.in_flight(), 2);
    let token = chain.token;
    let free = 12 * TOKEN - 2 * MAX_REWARD;
    assert_eq!(
        chain.withdraw(ADMIN, token, free + 1),
        Err(Error::InsufficientFreeFunds(free))
    );
    assert_eq!(chain.withdraw(ADMIN, token, free), Ok(()));

    chain
        .submit_proof(prover, request(1), &proof_of(64), MAX_REWARD)
        .expect("the committed network proves after the withdrawal");
    assert_eq!(chain.obligations(), MAX_REWARD);
    assert_eq!(
        chain.withdraw(ADMIN, token, 1),
        Err(Error::InsufficientFreeFunds(0))
    );

    chain.advance(ACK_TIMEOUT + 1);
    chain
        .mark_unacknowledged(SUBMITTER, request(0))
        .expect("request 0 expired unacknowledged");
    assert_eq!(chain.in_flight(), 0);
    assert_eq!(
        chain.withdraw(ADMIN, token, MAX_REWARD + 1),
        Err(Error::InsufficientFreeFunds(MAX_REWARD))
    );
    assert_eq!(chain.withdraw(ADMIN, token, MAX_REWARD), Ok(()));
    assert_eq!(chain.token_balance(chain.manager), chain.obligations());
}

/// Any other token is withdrawn in full; only the admin withdraws; token failures are typed.
#[test]
fn withdraw_other_tokens_and_failures() {
    let mut chain = funded_chain(10);
    let other = chain.deploy_token(0).unwrap();
    let manager = chain.manager;
    chain.mint_token(other, manager, 7 * TOKEN);
    assert_eq!(
        chain.withdraw(OUTSIDER, other, 1),
        Err(Error::OnlyAdminAllowed(OUTSIDER))
    );
    assert_eq!(
        chain.withdraw(ADMIN, other, 8 * TOKEN),
        Err(Error::TokenTransferFailed(PSP22Error::InsufficientBalance))
    );
    assert_eq!(chain.withdraw(ADMIN, other, 7 * TOKEN), Ok(()));
    assert_eq!(
        chain.withdraw(ADMIN, OUTSIDER, 1),
        Err(Error::TokenCallFailed)
    );
    // pallet-contracts refuses a call into the caller itself by trapping it; the contract
    // refuses first.
    assert_eq!(
        chain.withdraw(ADMIN, manager, 1),
        Err(Error::TokenCallFailed)
    );
    let token = chain.token;
    chain.set_token_transfers_enabled(false);
    assert_eq!(
        chain.withdraw(ADMIN, token, TOKEN),
        Err(Error::TokenTransferFailed(PSP22Error::Custom(
            "transfers disabled".into()
        )))
    );
    assert_eq!(chain.token_balance(manager), 10 * TOKEN);
}

/// A validated request with reward 0 is settled by the next claim and reads Paid. A claim that
/// settles only zero rewards pays 0 and makes no token call (it succeeds with the token's
/// transfers disabled); a claim after it finds nothing due. Zero rewards among others are
/// settled with them.
#[test]
fn zero_rewards_are_settled_without_a_token_call() {
    let mut chain = funded_chain(100);
    validate(&mut chain, 0, 0);
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, 0);
    assert_eq!(chain.status(request(0)), Validated);
    chain.set_token_transfers_enabled(false);
    assert_eq!(chain.claim_reward(FERMAH), Ok(0));
    assert_eq!(
        chain.events::<RewardClaimed>(),
        vec![RewardClaimed {
            by: Fermah,
            amount: 0,
            paid_requests: 1
        }]
    );
    let token = chain.token;
    assert!(chain.last_events().iter().all(|e| e.contract != token));
    assert_eq!(chain.status(request(0)), Paid);
    assert_eq!(chain.claim_reward(FERMAH), Err(Error::NoPaymentDue));
    chain.set_token_transfers_enabled(true);

    // Request 1 is Lagrange's; 2 and 3 Fermah's (preferred).
    validate(&mut chain, 1, 0);
    validate(&mut chain, 2, 0);
    validate(&mut chain, 3, TOKEN);
    assert_eq!(chain.claim_reward(FERMAH), Ok(TOKEN));
    assert_eq!(
        chain.events::<RewardClaimed>(),
        vec![RewardClaimed {
            by: Fermah,
            amount: TOKEN,
            paid_requests: 3
        }]
    );
    assert_eq!(chain.status(request(2)), Paid);
    assert_eq!(chain.status(request(3)), Paid);
    assert_eq!(chain.token_balance(FERMAH), TOKEN);
    assert_eq!(chain.claim_reward(LAGRANGE), Ok(0));
    assert_eq!(chain.status(request(1)), Paid);
    assert_eq!(chain.token_balance(LAGRANGE), 0);
}
