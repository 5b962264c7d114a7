//! Calls to the contract as an off-chain program makes them: the call builder of a contract at
//! an address and a message's encoded input (its selector and arguments), both typed by the
//! contract's own code, so a renamed message or a changed argument fails to compile where it
//! is called. Not part of the contract's code: only the `std` build has it.

use ink::codegen::ContractCallBuilder;
use ink::env::call::utils::{ReturnType, Set};
use ink::env::call::{Call, CallBuilder, ExecutionInput, FromAccountId};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::Encode;

/// A message call as a contract's call builder produces it: callee, selector, arguments and
/// return type all fixed by the contract's code.
pub type Message<Args, R> = CallBuilder<
    DefaultEnvironment,
    Set<Call<DefaultEnvironment>>,
    Set<ExecutionInput<Args>>,
    Set<ReturnType<R>>,
>;

/// The call builder of the contract `C` at `address`: `contract::<ProofManager>(address)`.
pub fn contract<C>(address: AccountId) -> <C as ContractCallBuilder>::Type
where
    C: ContractCallBuilder,
    <C as ContractCallBuilder>::Type: FromAccountId<DefaultEnvironment>,
{
    <<C as ContractCallBuilder>::Type as FromAccountId<DefaultEnvironment>>::from_account_id(
        address,
    )
}

/// The encoded input of `message`: its selector and arguments.
pub fn input_of<Args: Encode, R>(message: Message<Args, R>) -> Vec<u8> {
    message.params().exec_input().encode()
}
