//! The hostile suite: ProofManager's release bundle fed garbage input and paired with hostile
//! tokens (the test-only `hostile_token` bundle), on drink's embedded chain. Each test states what
//! the contract protects against and what it cannot. Build the bundles first (`scripts/build.sh`).

mod answers;
mod deposit;
mod garbage;
mod lying;
mod reentrancy;

use proof_manager_e2e::*;

/// A chain whose ProofManager pays in a fresh hostile token (still `Honest`) with the given
/// roles, holds `tokens` whole tokens of it and prefers Fermah. `chain.token` is the hostile
/// token, so `mint`, `fund` and `token_balance` (its possibly lying `balance_of`) act on it.
fn hostile_chain(tokens: u128, roles: impl FnOnce(&Chain) -> Roles) -> Chain {
    let mut chain = Chain::new();
    chain.token = chain.deploy_hostile_token(0);
    let roles = roles(&chain);
    chain.manager = chain
        .deploy_manager(roles)
        .expect("deploying ProofManager")
        .expect("valid roles");
    chain.fund_and_prefer_fermah(tokens);
    chain
}

/// Everything that tells whether a call changed anything: ProofManager's and the token's whole
/// storage, and the root of the whole chain state.
#[derive(Debug, PartialEq, Eq)]
struct State {
    manager: ContractStorage,
    token: ContractStorage,
    root: [u8; 32],
}

fn state(chain: &mut Chain) -> State {
    let (manager, token) = (chain.manager, chain.token);
    State {
        manager: chain.contract_storage(manager),
        token: chain.contract_storage(token),
        root: chain.state_root(),
    }
}

/// The SCALE-encoded output of a message that returned `value`.
fn output<T: ink::scale::Encode>(value: T) -> Vec<u8> {
    ink::scale::Encode::encode(&ink::MessageResult::Ok(value))
}
