//! The payment token's calls, straight through pallet-contracts' `call` host function: any
//! PSP22 token works. A token that traps, reverts or is not a contract is an error instead of a
//! trap of this contract; a call into this contract itself is refused before it is made.
//!
//! ink!'s call builder (`contract_ref!(PSP22)` with `try_invoke`) does the same with ~1 KB more
//! code, paid by every call of every message (BENCHMARKS.md). The calls here are the ones it
//! makes: `call_v2` with no weight or deposit limit, no value and no flags, and the answer read
//! as `decode_all` reads it: accepted when the token returned or reverted, and only when it is
//! exactly one encoded value.

use crate::checks::{fail, Checked};
use crate::Error;
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::DecodeAll;
use psp22::PSP22Error;

/// `PSP22::balance_of(owner: AccountId) -> u128`.
const BALANCE_OF: [u8; 4] = ink::selector_bytes!("PSP22::balance_of");
/// `PSP22::transfer(to: AccountId, value: u128, data: Vec<u8>) -> Result<(), PSP22Error>`.
const TRANSFER: [u8; 4] = ink::selector_bytes!("PSP22::transfer");

/// pallet-contracts answers a call from this contract into itself with `ReentranceDenied` by
/// trapping this contract; such a "token" (a `withdraw` argument) is refused before any call.
fn ensure_not_self(token: &AccountId) -> Checked<()> {
    if *token == ink::env::account_id::<DefaultEnvironment>() {
        fail(Error::TokenCallFailed)
    } else {
        Ok(())
    }
}

/// Calls `token` with `input` and hands its answer to `read`; a trap, a missing contract or any
/// other refusal of the call is `TokenCallFailed`.
#[cfg(not(feature = "std"))]
fn call<R>(token: &AccountId, input: &[u8], read: impl FnOnce(&[u8]) -> Checked<R>) -> Checked<R> {
    use pallet_contracts_uapi::{CallFlags, HostFn, HostFnImpl, ReturnErrorCode};
    /// Room for the token's answer: what ink!'s call buffer leaves (the 16 KiB every contract
    /// value shares), so that an answer ink! would decode, a long `PSP22Error::Custom` message
    /// say, is read and not a trap for want of space.
    const OUTPUT_CAPACITY: usize = 16 * 1024;
    /// Zero-initialised memory that costs neither code nor a data segment, unlike a buffer the
    /// call would have to clear. Only `call` uses it, one token call after the other (`withdraw`
    /// makes two), and pallet-contracts runs a contract on one thread.
    static mut OUTPUT: [u8; OUTPUT_CAPACITY] = [0; OUTPUT_CAPACITY];
    ensure_not_self(token)?;
    // SAFETY: the only reference to `OUTPUT` while it lives: it ends with this function
    // (`read` gets a shorter borrow of it), before any later token call makes the next one.
    let mut output = unsafe { &mut *core::ptr::addr_of_mut!(OUTPUT) }.as_mut_slice();
    let result = HostFnImpl::call_v2(
        CallFlags::empty(),
        token.as_ref(),
        0,
        0,
        None,
        &[0; 16],
        input,
        Some(&mut output),
    );
    match result {
        Ok(()) | Err(ReturnErrorCode::CalleeReverted) => read(output),
        Err(_) => fail(Error::TokenCallFailed),
    }
}

/// Off chain there is no token to call: ink!'s off-chain engine has no contract calls either
/// (its `invoke_contract` is unimplemented). The drink suites cover every token call.
#[cfg(feature = "std")]
fn call<R>(
    token: &AccountId,
    _input: &[u8],
    _read: impl FnOnce(&[u8]) -> Checked<R>,
) -> Checked<R> {
    ensure_not_self(token)?;
    unimplemented!("ink!'s off-chain environment does not support contract invocation")
}

/// `owner`'s balance of `token`.
pub fn balance_of(token: AccountId, owner: AccountId) -> Checked<u128> {
    let mut input = [0u8; 4 + 32];
    input[..4].copy_from_slice(&BALANCE_OF);
    input[4..].copy_from_slice(owner.as_ref());
    call(&token, &input, |output| match output {
        // `MessageResult<u128>`: `Ok`, then the balance.
        [0, balance @ ..] => match balance.try_into() {
            Ok(balance) => Ok(u128::from_le_bytes(balance)),
            Err(_) => fail(Error::TokenCallFailed),
        },
        _ => fail(Error::TokenCallFailed),
    })
}

/// Moves `amount` of `token` from this contract to `to`.
pub fn transfer(token: AccountId, to: AccountId, amount: u128) -> Checked<()> {
    // The selector, `to`, `amount`, and an empty `data` (its compact length 0).
    let mut input = [0u8; 4 + 32 + 16 + 1];
    input[..4].copy_from_slice(&TRANSFER);
    input[4..36].copy_from_slice(to.as_ref());
    input[36..52].copy_from_slice(&amount.to_le_bytes());
    call(&token, &input, |output| match output {
        // `MessageResult<Result<(), PSP22Error>>`: `Ok(Ok(()))`, or `Ok(Err(error))`.
        [0, 0] => Ok(()),
        [0, 1, error @ ..] => fail(
            PSP22Error::decode_all(&mut &error[..])
                .map_or(Error::TokenCallFailed, Error::TokenTransferFailed),
        ),
        _ => fail(Error::TokenCallFailed),
    })
}
