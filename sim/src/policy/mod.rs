//! The policies a run compares: the contract's own (`baseline`, on either engine) and the
//! market mechanisms (model engine only), each in its module with the source of its rule.

use std::fmt;
use std::str::FromStr;

/// A policy named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Policy {
    /// The contract's 25/25/50 round robin; the admin applies the auditor's monthly
    /// recommendation.
    Baseline,
}

impl Policy {
    pub const ALL: [Policy; 1] = [Policy::Baseline];

    pub fn name(self) -> &'static str {
        match self {
            Policy::Baseline => "baseline",
        }
    }

    /// Whether the policy runs on the drink engine (the contract implements only the baseline).
    pub fn on_drink(self) -> bool {
        self == Policy::Baseline
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Policy::ALL.iter().map(|p| p.name()).collect();
                format!("unknown policy `{s}` (known: {})", names.join(", "))
            })
    }
}
