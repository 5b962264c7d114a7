//! The payment token's calls, through `contract_ref!(PSP22)` so that any PSP22 token works.
//! `try_invoke` turns a token that traps, reverts or is not a contract into an error instead of
//! a trap of this contract; a call into this contract itself is refused before it is made.

use crate::Error;
use ink::codegen::TraitCallBuilder;
use ink::contract_ref;
use ink::env::DefaultEnvironment;
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use psp22::PSP22;

/// pallet-contracts answers a call from this contract into itself with `ReentranceDenied` by
/// trapping this contract, which `try_invoke` cannot catch; such a "token" (a `withdraw`
/// argument) is refused before any call.
fn ensure_not_self(token: AccountId) -> Result<(), Error> {
    if token == ink::env::account_id::<DefaultEnvironment>() {
        Err(Error::TokenCallFailed)
    } else {
        Ok(())
    }
}

/// `owner`'s balance of `token`.
pub fn balance_of(token: AccountId, owner: AccountId) -> Result<u128, Error> {
    ensure_not_self(token)?;
    let token: contract_ref!(PSP22, DefaultEnvironment) = token.into();
    match token.call().balance_of(owner).try_invoke() {
        Ok(Ok(balance)) => Ok(balance),
        _ => Err(Error::TokenCallFailed),
    }
}

/// Moves `amount` of `token` from this contract to `to`.
pub fn transfer(token: AccountId, to: AccountId, amount: u128) -> Result<(), Error> {
    ensure_not_self(token)?;
    let mut token: contract_ref!(PSP22, DefaultEnvironment) = token.into();
    match token
        .call_mut()
        .transfer(to, amount, Vec::new())
        .try_invoke()
    {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(error))) => Err(Error::TokenTransferFailed(error)),
        _ => Err(Error::TokenCallFailed),
    }
}
