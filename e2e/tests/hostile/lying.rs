//! A payment token that lies. ProofManager learns its funds only from the token's `balance_of`
//! and learns that a payment happened only from `transfer`'s answer, so a lying token defeats the
//! funds guard, the withdrawal guard and the payment record; a transfer that really fails still
//! changes nothing.

use super::*;
use ProofRequestStatus::*;
use ProvingNetwork::*;

fn honest_roles(chain: &Chain) -> Roles {
    chain.default_roles()
}

/// A balance reported above the truth admits requests the contract cannot pay: with nothing
/// held but 3 × `MAX_REWARD` claimed, three requests are accepted (the fourth is refused by the
/// guard's arithmetic on the lie); the proven and validated reward then cannot be paid
/// (`TokenTransferFailed(InsufficientBalance)`, nothing changes) until real funds arrive.
#[test]
fn over_reported_balance_admits_requests_that_cannot_be_paid() {
    let mut chain = hostile_chain(0, honest_roles);
    let (token, manager) = (chain.token, chain.manager);
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    chain.set_hostile_mode(token, &HostileMode::LieBalance(3 * MAX_REWARD));
    let prover = validate(&mut chain, 0, MAX_REWARD);
    submit_with(&mut chain, 1, &default_params());
    submit_with(&mut chain, 2, &default_params());
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(3), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    assert_eq!(chain.true_balance(token, manager), 0);

    let before = state(&mut chain);
    assert_eq!(
        chain.claim_reward(prover),
        Err(Error::TokenTransferFailed(PSP22Error::InsufficientBalance))
    );
    assert!(
        state(&mut chain) == before,
        "a failed payment changed state"
    );
    assert_eq!(chain.status(request(0)), Validated);

    chain.fund(MAX_REWARD);
    assert_eq!(chain.claim_reward(prover), Ok(MAX_REWARD));
    assert_eq!(chain.true_balance(token, prover), MAX_REWARD);
}

/// A balance reported above the truth opens the withdrawal guard: the honest token refuses a
/// withdrawal that would eat into the 5 tokens owed (`InsufficientFreeFunds(5 tokens)`); with
/// 100 tokens claimed the admin takes all 10 held, and the network's claim then fails
/// (`TokenTransferFailed(InsufficientBalance)`) while the reward stays owed.
#[test]
fn over_reported_balance_lets_withdraw_take_the_obligations() {
    let mut chain = hostile_chain(10, honest_roles);
    let (token, manager) = (chain.token, chain.manager);
    let prover = validate(&mut chain, 0, 5 * TOKEN);
    assert_eq!(
        chain.withdraw(ADMIN, token, 10 * TOKEN),
        Err(Error::InsufficientFreeFunds(5 * TOKEN))
    );
    chain.set_hostile_mode(token, &HostileMode::LieBalance(100 * TOKEN));
    assert_eq!(chain.withdraw(ADMIN, token, 10 * TOKEN), Ok(()));
    assert_eq!(chain.true_balance(token, manager), 0);
    assert_eq!(chain.true_balance(token, ADMIN), 10 * TOKEN);
    assert_eq!(chain.obligations(), 5 * TOKEN);
    assert_eq!(
        chain.claim_reward(prover),
        Err(Error::TokenTransferFailed(PSP22Error::InsufficientBalance))
    );
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, 5 * TOKEN);
}

/// A balance reported below the truth (0) stops submissions (`NoFundsAvailable`) and
/// withdrawals (`InsufficientFreeFunds(0)`), but not claims, which never read the balance.
#[test]
fn under_reported_balance_stops_submissions_and_withdrawals_but_not_claims() {
    let mut chain = hostile_chain(100, honest_roles);
    let (token, manager) = (chain.token, chain.manager);
    let prover = validate(&mut chain, 0, 2 * TOKEN);
    chain.set_hostile_mode(token, &HostileMode::LieBalance(0));
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(1), &default_params()),
        Err(Error::NoFundsAvailable)
    );
    assert_eq!(
        chain.withdraw(ADMIN, token, TOKEN),
        Err(Error::InsufficientFreeFunds(0))
    );
    assert_eq!(chain.claim_reward(prover), Ok(2 * TOKEN));
    assert_eq!(chain.true_balance(token, prover), 2 * TOKEN);
    assert_eq!(chain.true_balance(token, manager), 98 * TOKEN);
}

/// A transfer that answers `Ok` without moving funds is taken at its word: the claim returns the
/// amount, emits `RewardClaimed`, the request reads Paid and nothing is owed, yet the network
/// holds nothing and cannot claim again. A withdrawal likewise reports success and moves nothing.
/// The contract cannot tell: re-reading `balance_of` would ask the same liar.
#[test]
fn fake_transfer_marks_rewards_paid_without_paying() {
    let mut chain = hostile_chain(100, honest_roles);
    let (token, manager) = (chain.token, chain.manager);
    let prover = validate(&mut chain, 0, 2 * TOKEN);
    chain.set_hostile_mode(token, &HostileMode::FakeTransfer);
    assert_eq!(chain.claim_reward(prover), Ok(2 * TOKEN));
    assert_eq!(
        chain.events::<RewardClaimed>(),
        vec![RewardClaimed {
            by: Fermah,
            amount: 2 * TOKEN,
            paid_requests: 1,
        }]
    );
    assert_eq!(chain.status(request(0)), Paid);
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, 0);
    assert_eq!(chain.true_balance(token, prover), 0);
    assert_eq!(chain.true_balance(token, manager), 100 * TOKEN);
    assert_eq!(chain.claim_reward(prover), Err(Error::NoPaymentDue));

    assert_eq!(chain.withdraw(ADMIN, token, 10 * TOKEN), Ok(()));
    assert_eq!(chain.events::<FundsWithdrawn>().len(), 1);
    assert_eq!(chain.true_balance(token, ADMIN), 0);
    assert_eq!(chain.true_balance(token, manager), 100 * TOKEN);
}
