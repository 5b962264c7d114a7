//! The PSP22 mock the manager pays in, as the model holds it: balances and a transfer switch.

use std::collections::BTreeMap;

use ink::primitives::AccountId;
use psp22::PSP22Error;

/// The PSP22 mock: balances and its deployer's transfer switch.
#[derive(Clone, Debug, Default)]
pub struct Token {
    pub balances: BTreeMap<AccountId, u128>,
    pub transfers_disabled: bool,
}

impl Token {
    pub fn balance(&self, who: AccountId) -> u128 {
        self.balances.get(&who).copied().unwrap_or(0)
    }

    pub(crate) fn mint(&mut self, to: AccountId, amount: u128) {
        *self.balances.entry(to).or_default() += amount;
    }

    /// The mock's switch first, then the psp22 crate's rules: a transfer to oneself or of 0
    /// succeeds without moving anything.
    pub(crate) fn transfer(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: u128,
    ) -> Result<(), PSP22Error> {
        if self.transfers_disabled {
            return Err(PSP22Error::Custom("transfers disabled".into()));
        }
        if from == to || amount == 0 {
            return Ok(());
        }
        if self.balance(from) < amount {
            return Err(PSP22Error::InsufficientBalance);
        }
        *self.balances.entry(from).or_default() -= amount;
        *self.balances.entry(to).or_default() += amount;
        Ok(())
    }
}
