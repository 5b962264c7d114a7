//! The policies a run compares: the contract's own (`baseline`, on either engine) and the
//! market mechanisms (model engine only), each in its module with the source of its rule.

pub mod dutch;
pub mod market;
pub mod score_split;
pub mod second_price;
pub mod time_decay;

use crate::record::Run;
use crate::scenario::Scenario;

use std::fmt;
use std::str::FromStr;

/// A policy named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Policy {
    /// The contract's 25/25/50 round robin; the admin applies the auditor's monthly
    /// recommendation.
    Baseline,
    ScoreSplit,
    DutchAuction,
    SecondPrice,
    TimeDecay,
}

impl Policy {
    pub const ALL: [Policy; 5] = [
        Policy::Baseline,
        Policy::ScoreSplit,
        Policy::DutchAuction,
        Policy::SecondPrice,
        Policy::TimeDecay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Policy::Baseline => "baseline",
            Policy::ScoreSplit => "score-split",
            Policy::DutchAuction => "dutch-auction",
            Policy::SecondPrice => "second-price",
            Policy::TimeDecay => "time-decay",
        }
    }

    /// Whether the policy runs on the drink engine (the contract implements only the baseline).
    pub fn on_drink(self) -> bool {
        self == Policy::Baseline
    }
}

/// Runs a market policy (any policy but the baseline) on the scenario's networks.
pub fn run_market(policy: Policy, scenario: &Scenario) -> Option<Run> {
    match policy {
        Policy::Baseline => None,
        Policy::ScoreSplit => Some(score_split::run(scenario)),
        Policy::DutchAuction => Some(dutch::run(scenario)),
        Policy::SecondPrice => Some(second_price::run(scenario)),
        Policy::TimeDecay => Some(time_decay::run(scenario)),
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
