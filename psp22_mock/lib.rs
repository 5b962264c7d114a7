//! # psp22_mock
//!
//! The stable token ProofManager pays with in tests, demos and on dev chains: a PSP22 token on
//! the `psp22` crate's `PSP22Data`, with 6 decimals by convention, a `mint` for its deployer, and
//! a deployer-only switch that makes every transfer fail so that callers' failure paths can be
//! exercised. Not for production: its deployer can mint at will.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::psp22_mock::{Psp22Mock, Psp22MockRef};

#[ink::contract]
mod psp22_mock {
    use ink::prelude::{string::String, vec::Vec};
    use psp22::{PSP22Data, PSP22Error, PSP22Event, PSP22Metadata, PSP22};

    /// What a failing transfer returns while transfers are switched off.
    pub const TRANSFERS_DISABLED: &str = "transfers disabled";

    /// What `mint` and `set_transfers_enabled` return to anyone but the deployer.
    pub const ONLY_DEPLOYER: &str = "only the deployer";

    #[ink(storage)]
    pub struct Psp22Mock {
        data: PSP22Data,
        name: Option<String>,
        symbol: Option<String>,
        decimals: u8,
        deployer: AccountId,
        transfers_enabled: bool,
    }

    impl Psp22Mock {
        /// Mints `total_supply` to the deployer.
        #[ink(constructor)]
        pub fn new(
            total_supply: u128,
            name: Option<String>,
            symbol: Option<String>,
            decimals: u8,
        ) -> Self {
            let deployer = Self::env().caller();
            let (data, events) = PSP22Data::new(total_supply, deployer);
            let contract = Self {
                data,
                name,
                symbol,
                decimals,
                deployer,
                transfers_enabled: true,
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

        /// Switches every `transfer` / `transfer_from` to fail with `Custom(TRANSFERS_DISABLED)`
        /// (`false`) or back to normal (`true`).
        ///
        /// Caller: the deployer. Errors: `Custom(ONLY_DEPLOYER)`.
        #[ink(message)]
        pub fn set_transfers_enabled(&mut self, enabled: bool) -> Result<(), PSP22Error> {
            self.ensure_deployer()?;
            self.transfers_enabled = enabled;
            Ok(())
        }

        #[ink(message)]
        pub fn transfers_enabled(&self) -> bool {
            self.transfers_enabled
        }

        fn ensure_deployer(&self) -> Result<(), PSP22Error> {
            if self.env().caller() == self.deployer {
                Ok(())
            } else {
                Err(PSP22Error::Custom(String::from(ONLY_DEPLOYER)))
            }
        }

        fn ensure_transfers_enabled(&self) -> Result<(), PSP22Error> {
            if self.transfers_enabled {
                Ok(())
            } else {
                Err(PSP22Error::Custom(String::from(TRANSFERS_DISABLED)))
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

    impl PSP22 for Psp22Mock {
        #[ink(message)]
        fn total_supply(&self) -> u128 {
            self.data.total_supply()
        }

        #[ink(message)]
        fn balance_of(&self, owner: AccountId) -> u128 {
            self.data.balance_of(owner)
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
            self.ensure_transfers_enabled()?;
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
            self.ensure_transfers_enabled()?;
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

    impl PSP22Metadata for Psp22Mock {
        #[ink(message)]
        fn token_name(&self) -> Option<String> {
            self.name.clone()
        }

        #[ink(message)]
        fn token_symbol(&self) -> Option<String> {
            self.symbol.clone()
        }

        #[ink(message)]
        fn token_decimals(&self) -> u8 {
            self.decimals
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test::{default_accounts, set_caller};
        use ink::env::DefaultEnvironment;

        psp22::tests!(Psp22Mock, (|supply| Psp22Mock::new(supply, None, None, 6)));

        fn deploy(supply: u128) -> Psp22Mock {
            set_caller::<DefaultEnvironment>(default_accounts::<DefaultEnvironment>().alice);
            Psp22Mock::new(supply, Some("USD Coin".into()), Some("USDC".into()), 6)
        }

        /// The deployer mints to anyone and the supply grows by the amount.
        #[ink::test]
        fn deployer_mints() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            assert_eq!(token.mint(accounts.bob, 50), Ok(()));
            assert_eq!(token.balance_of(accounts.bob), 50);
            assert_eq!(token.total_supply(), 150);
        }

        /// Nobody but the deployer mints.
        #[ink::test]
        fn others_cannot_mint() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            set_caller::<DefaultEnvironment>(accounts.bob);
            assert_eq!(
                token.mint(accounts.bob, 50),
                Err(PSP22Error::Custom(ONLY_DEPLOYER.into()))
            );
            assert_eq!(token.total_supply(), 100);
        }

        /// Switched off, transfers and transfers from fail and move nothing; switched on, they work.
        #[ink::test]
        fn transfer_switch_blocks_and_restores_transfers() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            assert_eq!(token.approve(accounts.bob, 10), Ok(()));
            assert_eq!(token.set_transfers_enabled(false), Ok(()));
            assert!(!token.transfers_enabled());
            let disabled = Err(PSP22Error::Custom(TRANSFERS_DISABLED.into()));
            assert_eq!(token.transfer(accounts.bob, 1, Vec::new()), disabled);
            set_caller::<DefaultEnvironment>(accounts.bob);
            assert_eq!(
                token.transfer_from(accounts.alice, accounts.bob, 1, Vec::new()),
                disabled
            );
            assert_eq!(token.balance_of(accounts.bob), 0);
            set_caller::<DefaultEnvironment>(accounts.alice);
            assert_eq!(token.set_transfers_enabled(true), Ok(()));
            assert_eq!(token.transfer(accounts.bob, 1, Vec::new()), Ok(()));
            assert_eq!(token.balance_of(accounts.bob), 1);
        }

        /// Nobody but the deployer flips the switch.
        #[ink::test]
        fn others_cannot_switch_transfers() {
            let accounts = default_accounts::<DefaultEnvironment>();
            let mut token = deploy(100);
            set_caller::<DefaultEnvironment>(accounts.bob);
            assert_eq!(
                token.set_transfers_enabled(false),
                Err(PSP22Error::Custom(ONLY_DEPLOYER.into()))
            );
            assert!(token.transfers_enabled());
        }

        /// Metadata reads back as given.
        #[ink::test]
        fn metadata_is_reported() {
            let token = deploy(0);
            assert_eq!(token.token_name(), Some("USD Coin".into()));
            assert_eq!(token.token_symbol(), Some("USDC".into()));
            assert_eq!(token.token_decimals(), 6);
        }
    }
}
