//! The actors, the standard request, and the steps every suite, the demo and the benchmark take
//! a request through.
//!
//! Actors are named by role in every suite; the accounts behind them are the dev accounts of
//! each framework, in the same roles: the unit tests' `ink::env::test::default_accounts()` and
//! the drink suites use the same bytes (alice `[1; 32]` … frank `[6; 32]`), the ink_e2e suite
//! the keyring with the same first names.
//!
//! | role | unit tests and drink | ink_e2e |
//! |---|---|---|
//! | admin | alice | Alice |
//! | Fermah | bob | Bob |
//! | Lagrange | charlie | Charlie |
//! | outsider | django | Dave |
//! | submitter | eve | Eve |
//! | Fermah's rotated key | frank | Ferdie |

use ink::primitives::AccountId;
use proof_manager::{
    Error, ProofRequestIdentifier, ProofRequestParams, ProvingNetwork, MAX_REWARD,
};

use crate::chain::Chain;

/// The operator's admin key (alice): deploys both contracts and owns the mock token.
pub const ADMIN: AccountId = AccountId([1; 32]);
/// Fermah's key at deployment (bob).
pub const FERMAH: AccountId = AccountId([2; 32]);
/// Lagrange's key at deployment (charlie).
pub const LAGRANGE: AccountId = AccountId([3; 32]);
/// An account with no role (django).
pub const OUTSIDER: AccountId = AccountId([4; 32]);
/// The operator's submitter key (eve).
pub const SUBMITTER: AccountId = AccountId([5; 32]);
/// Fermah's key after a rotation (frank).
pub const FERMAH_NEW_KEY: AccountId = AccountId([6; 32]);

/// Every actor above, funded with native balance for storage deposits.
pub const ACTORS: [AccountId; 6] = [ADMIN, SUBMITTER, FERMAH, LAGRANGE, OUTSIDER, FERMAH_NEW_KEY];

/// Block time the chain starts at, in milliseconds (2025-01-01T00:00:00Z).
pub const GENESIS_TIME: u64 = 1_735_689_600_000;

/// One token of the 6-decimals stable coin.
pub const TOKEN: u128 = 1_000_000;

/// The ProofManager constructor's arguments, as `Chain::deploy_manager` takes them.
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    pub fermah: AccountId,
    pub lagrange: AccountId,
    pub usdc: AccountId,
    pub submitter: AccountId,
    pub admin: AccountId,
}

/// A network's key at deployment.
pub fn network_key(network: ProvingNetwork) -> AccountId {
    match network {
        ProvingNetwork::Fermah => FERMAH,
        ProvingNetwork::Lagrange => LAGRANGE,
    }
}

/// Request `n` on chain 1: block `n`.
pub fn request(n: u64) -> ProofRequestIdentifier {
    ProofRequestIdentifier {
        chain_id: 1,
        block_number: n,
    }
}

/// Valid parameters: protocol 0.27.0, a one-hour proving window, the largest reward.
pub fn default_params() -> ProofRequestParams {
    ProofRequestParams {
        protocol_major: 0,
        protocol_minor: 27,
        protocol_patch: 0,
        proof_inputs_url: "https://inputs.example/1/".to_string(),
        timeout_after: 3_600_000,
        max_reward: MAX_REWARD,
    }
}

/// A proof of `len` bytes.
pub fn proof_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 + 1).collect()
}

/// A fresh chain whose ProofManager holds `tokens` whole tokens and prefers Fermah.
pub fn funded_chain(tokens: u128) -> Chain {
    let mut chain = Chain::new();
    chain.fund_and_prefer_fermah(tokens);
    chain
}

/// Submits `request(n)` with `default_params()`; returns its assignee.
pub fn submit(chain: &mut Chain, n: u64) -> Option<ProvingNetwork> {
    submit_with(chain, n, &default_params())
}

/// Submits `request(n)` with `params`; returns its assignee.
pub fn submit_with(
    chain: &mut Chain,
    n: u64,
    params: &ProofRequestParams,
) -> Option<ProvingNetwork> {
    chain
        .submit_proof_request(SUBMITTER, request(n), params)
        .unwrap_or_else(|e| panic!("submitting {n}: {e:?}"));
    chain.proof_request(request(n)).expect("stored").assigned_to
}

/// The current address of `request(n)`'s assignee.
pub fn assignee_address(chain: &mut Chain, n: u64) -> AccountId {
    let stored = chain.proof_request(request(n)).expect("stored");
    let network = stored.assigned_to.expect("an assignee");
    chain.proving_network_info(network).address
}

/// Submits and commits `request(n)`; returns the address that committed (the assignee's).
pub fn commit(chain: &mut Chain, n: u64) -> AccountId {
    submit(chain, n).expect("an assignee");
    let prover = assignee_address(chain, n);
    chain
        .acknowledge_proof_request(prover, request(n), true)
        .expect("assignee commits");
    prover
}

/// Submits, commits and proves `request(n)` asking `reward`; returns the assignee's address.
pub fn prove(chain: &mut Chain, n: u64, reward: u128) -> AccountId {
    let prover = commit(chain, n);
    chain
        .submit_proof(prover, request(n), &proof_of(64), reward)
        .expect("assignee proves");
    prover
}

/// Takes `request(n)` to Validated with `reward`; returns the assignee's address.
pub fn validate(chain: &mut Chain, n: u64, reward: u128) -> AccountId {
    let prover = prove(chain, n, reward);
    chain
        .submit_proof_validation_result(SUBMITTER, request(n), true)
        .expect("submitter validates");
    prover
}

/// The value of a scripted run's step (the demo, the benchmark); any `Err` stops the program
/// with exit code 1: a run that does not go as scripted is not what its output describes.
pub fn ok<T>(program: &str, step: &str, result: Result<T, Error>) -> T {
    result.unwrap_or_else(|error| fail(program, &format!("{step} failed with {error:?}")))
}

/// Stops a scripted run with exit code 1 and the reason.
pub fn fail(program: &str, reason: &str) -> ! {
    eprintln!("{program}: {reason}");
    std::process::exit(1)
}
