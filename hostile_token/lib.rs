//! # hostile_token
//!
//! A test-only PSP22 token that misbehaves on its deployer's demand, so that the hostile suite
//! (`e2e/tests/hostile/`) can show what ProofManager can and cannot protect itself against when
//! its payment token is hostile. Balances are kept honestly by the `psp22` crate's `PSP22Data`;
//! the deployer's [`Mode`] decides what `transfer` and `balance_of` make of them. Never deploy it
//! for real: its deployer mints at will and picks how it lies.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::hostile_token::{HostileToken, HostileTokenRef};
pub use mode::Mode;

mod mode {
    // parity-scale-codec's derive casts variant indices to `u8` for variants that carry data,
    // which cargo-contract's `-D clippy::cast_possible_truncation` rejects. This module holds no
    // other code.
    #![allow(clippy::cast_possible_truncation)]

    use ink::prelude::vec::Vec;
    use ink::primitives::AccountId;

    /// How the token misbehaves. `transfer_from`, `allowance`, `approve` and the allowance
    /// changes are honest in every mode.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub enum Mode {
        /// A plain PSP22 token.
        Honest,
        /// Before moving funds, `transfer` calls `target` with `input` (a 4-byte selector and its
        /// SCALE arguments) and keeps what came back for `last_reentry`. The nested call allows
        /// reentry into this token, so `target` can pay through it; a transfer that runs inside
        /// the nested call is plain, so the token reenters once per transfer. When `target` is
        /// already on the call stack and its own call did not allow reentry, pallet-contracts
        /// refuses the nested call (`ReentranceDenied`) and traps this token, so the transfer
        /// fails as a whole: this token's flag cannot lift the protection of a frame below it.
        Reenter { target: AccountId, input: Vec<u8> },
        /// `balance_of` reports this amount for every owner; `true_balance_of` tells the truth.
        LieBalance(u128),
        /// `transfer` returns `Ok` and moves nothing.
        FakeTransfer,
        /// `balance_of` and `transfer` return these bytes as their whole output, whatever they
        /// decode to, and change nothing.
        Answer(Vec<u8>),
    }
}

#[ink::contract]
mod hostile_token {
    use crate::Mode;
    use ink::env::call::{build_call, ExecutionInput, Selector};
    use ink::env::CallFlags;
    use ink::prelude::{format, string::String, vec::Vec};
    use ink::scale::{Decode, Encode, Input, Output};
    use ink::storage::Lazy;
    use psp22::{PSP22Data, PSP22Error, PSP22Event, PSP22};

    /// What `mint` and `set_mode` return to anyone but the deployer.
    pub const ONLY_DEPLOYER: &str = "only the deployer";

    #[ink(storage)]
    pub struct HostileToken {
        data: PSP22Data,
        deployer: AccountId,
        mode: Mode,
        last_reentry: Option<Result<Vec<u8>, String>>,
        /// Set while the nested call of `Mode::Reenter` runs. A `Lazy` is written through at
        /// once, so the transfers inside that call see it (the root is written back only when
        /// the outer message returns).
        reentering: Lazy<bool>,
    }

    /// Bytes passed through SCALE as they are: the arguments of the nested call on the way in,
    /// the callee's output on the way out.
    struct Raw(Vec<u8>);

    impl Encode for Raw {
        fn size_hint(&self) -> usize {
            self.0.len()
        }

        fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
            dest.write(&self.0);
        }
    }

    impl Decode for Raw {
        fn decode<I: Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
            let len = input.remaining_len()?.ok_or("input of unknown length")?;
            let mut bytes = ink::prelude::vec![0; len];
            input.read(&mut bytes)?;
            Ok(Raw(bytes))
        }
    }

    impl HostileToken {
        /// Mints `total_supply` to the deployer; starts `Honest`.
        #[ink(constructor)]
        pub fn new(total_supply: u128) -> Self {
            let deployer = Self::env().caller();
            let (data, events) = PSP22Data::new(total_supply, deployer);
            let contract = Self {
                data,
                deployer,
                mode: Mode::Honest,
                last_reentry: None,
                reentering: Lazy::new(),
            };
            contract.emit_events(events);
            contract
        }

        /// Creates `value` new tokens for `to`.
        ///
        /// Caller: the deployer. Errors: `Custom(ONLY_DEPLOYER)`, or the crate's overflow error.
        #[ink(message)]
        pub fn mint(&mut self, to: AccountId, value: u128) -> Result<(), PSP22Error> {
            self.ensure_deployer()?;
            let events = self.data.mint(to, value)?;
            self.emit_events(events);
            Ok(())
        }

        /// Switches how the token misbehaves from the next call on.
        ///
        /// Caller: the deployer. Errors: `Custom(ONLY_DEPLOYER)`.
        #[ink(message)]
        pub fn set_mode(&mut self, mode: Mode) -> Result<(), PSP22Error> {
            self.ensure_deployer()?;
            self.mode = mode;
            Ok(())
        }

        #[ink(message)]
        pub fn mode(&self) -> Mode {
            self.mode.clone()
        }

        /// What the last nested call of `Mode::Reenter` came back with, if one completed:
        /// `Ok(output)`, the callee's SCALE-encoded `MessageResult` (whether it reverted or
        /// not), or `Err(error)` when it failed below that (the callee trapped, ...). A refused
        /// reentry leaves nothing here: it traps this token and reverts its storage.
        #[ink(message)]
        pub fn last_reentry(&self) -> Option<Result<Vec<u8>, String>> {
            self.last_reentry.clone()
        }

        /// The balance `owner` really holds, whatever `balance_of` claims.
        #[ink(message)]
        pub fn true_balance_of(&self, owner: AccountId) -> u128 {
            self.data.balance_of(owner)
        }

        fn ensure_deployer(&self) -> Result<(), PSP22Error> {
            if self.env().caller() == self.deployer {
                Ok(())
            } else {
                Err(PSP22Error::Custom(String::from(ONLY_DEPLOYER)))
            }
        }

        fn emit_events(&self, events: Vec<PSP22Event>) {
            for event in events {
                match event {
                    PSP22Event::Transfer(e) => self.env().emit_event(e),
                    PSP22Event::Approval(e) => self.env().emit_event(e),
                }
            }
        }
    }

    /// Ends the call with `bytes` as its output, as returned (not reverted).
    fn answer(bytes: &[u8]) -> ! {
        /// Bytes that encode as themselves.
        struct Raw<'a>(&'a [u8]);
        impl Encode for Raw<'_> {
            fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
                dest.write(self.0)
            }
        }
        ink::env::return_value(ink::env::ReturnFlags::empty(), &Raw(bytes))
    }

    /// Calls `target` with `input` (selector, then arguments), allowing reentry into this token.
    fn call_target(target: AccountId, input: &[u8]) -> Result<Vec<u8>, String> {
        let (selector, args) = input
            .split_first_chunk::<4>()
            .ok_or_else(|| String::from("input shorter than a selector"))?;
        build_call::<Environment>()
            .call(target)
            .call_flags(CallFlags::ALLOW_REENTRY)
            .exec_input(ExecutionInput::new(Selector::new(*selector)).push_arg(Raw(args.to_vec())))
            .returns::<Raw>()
            .try_invoke()
            .map(|output| output.encode())
            .map_err(|error| format!("{error:?}"))
    }

    impl PSP22 for HostileToken {
        #[ink(message)]
        fn total_supply(&self) -> u128 {
            self.data.total_supply()
        }

        #[ink(message)]
        fn balance_of(&self, owner: AccountId) -> u128 {
            match &self.mode {
                Mode::LieBalance(claimed) => *claimed,
                Mode::Answer(bytes) => answer(bytes),
                _ => self.data.balance_of(owner),
            }
        }

        #[ink(message)]
        fn allowance(&self, owner: AccountId, spender: AccountId) -> u128 {
            self.data.allowance(owner, spender)
        }

        #[ink(message)]
        fn transfer(
            &mut self,
            to: AccountId,
            value: u128,
            _data: Vec<u8>,
        ) -> Result<(), PSP22Error> {
            match self.mode.clone() {
                Mode::FakeTransfer => return Ok(()),
                Mode::Answer(bytes) => answer(&bytes),
                Mode::Reenter { target, input } if !self.reentering.get().unwrap_or(false) => {
                    self.reentering.set(&true);
                    self.last_reentry = Some(call_target(target, &input));
                    self.reentering.set(&false);
                }
                Mode::Reenter { .. } | Mode::Honest | Mode::LieBalance(_) => {}
            }
            let events = self.data.transfer(self.env().caller(), to, value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn transfer_from(
            &mut self,
            from: AccountId,
            to: AccountId,
            value: u128,
            _data: Vec<u8>,
        ) -> Result<(), PSP22Error> {
            let events = self
                .data
                .transfer_from(self.env().caller(), from, to, value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn approve(&mut self, spender: AccountId, value: u128) -> Result<(), PSP22Error> {
            let events = self.data.approve(self.env().caller(), spender, value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn increase_allowance(
            &mut self,
            spender: AccountId,
            delta_value: u128,
        ) -> Result<(), PSP22Error> {
            let events = self
                .data
                .increase_allowance(self.env().caller(), spender, delta_value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn decrease_allowance(
            &mut self,
            spender: AccountId,
            delta_value: u128,
        ) -> Result<(), PSP22Error> {
            let events = self
                .data
                .decrease_allowance(self.env().caller(), spender, delta_value)?;
            self.emit_events(events);
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test::{default_accounts, set_caller};
        use ink::env::DefaultEnvironment;

        // Honest mode is a plain PSP22 token: the crate's own suite holds.
        psp22::tests!(HostileToken, HostileToken::new);

        fn deploy(supply: u128) -> HostileToken {
            set_caller::<DefaultEnvironment>(default_accounts::<DefaultEnvironment>().alice);
            HostileToken::new(supply)
        }

        /// A lying balance is reported for every owner while the true balances stay as they are.
        #[ink::test]
        fn lie_balance_reports_the_given_amount() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            assert_eq!(token.set_mode(Mode::LieBalance(7)), Ok(()));
            assert_eq!(token.balance_of(accounts.alice), 7);
            assert_eq!(token.balance_of(accounts.bob), 7);
            assert_eq!(token.true_balance_of(accounts.alice), 100);
            assert_eq!(token.true_balance_of(accounts.bob), 0);
            assert_eq!(token.transfer(accounts.bob, 40, Vec::new()), Ok(()));
            assert_eq!(token.true_balance_of(accounts.bob), 40);
        }

        /// A fake transfer reports success and moves nothing.
        #[ink::test]
        fn fake_transfer_moves_nothing() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            assert_eq!(token.set_mode(Mode::FakeTransfer), Ok(()));
            assert_eq!(token.transfer(accounts.bob, 40, Vec::new()), Ok(()));
            assert_eq!(token.balance_of(accounts.alice), 100);
            assert_eq!(token.balance_of(accounts.bob), 0);
        }

        /// Nobody but the deployer mints or changes the mode.
        #[ink::test]
        fn only_the_deployer_mints_and_sets_the_mode() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            set_caller::<DefaultEnvironment>(accounts.bob);
            let refused = Err(PSP22Error::Custom(ONLY_DEPLOYER.into()));
            assert_eq!(token.set_mode(Mode::FakeTransfer), refused);
            assert_eq!(token.mint(accounts.bob, 1), refused);
            assert_eq!(token.mode(), Mode::Honest);
            assert_eq!(token.total_supply(), 100);
        }
    }
}
