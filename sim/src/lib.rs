//! Settlement experiments for ProofManager: synthetic proving networks (refusals,
//! acknowledgement delays, log-normal proving times, invalid proofs, prices, capacity, outages)
//! drive the contract's policy on the reference model or on the release bundles with the real
//! agents, and market policies on the model, and the runs are compared side by side: fallback
//! rate, cost per validated batch, latency percentiles, per network and month share, fulfilment
//! and revenue, HHI.
//!
//! - [`scenario`] (with [`read`]): the TOML scenario, every error naming its key path;
//! - [`plan`]: each network's behaviour per batch, seeded per (seed, batch, network);
//! - [`engine`]: the baseline on the model (`engine::model`) or on drink (`engine::drink`);
//! - [`policy`]: the policies and the market mechanisms;
//! - [`metrics`], [`report`], [`svg`]: the figures and how they print and plot;
//! - [`cli`]: `run` and `sweep`.
//!
//! The crate owns no chain logic: the contract's rules run in `proof_manager_e2e::model` or in
//! the bundles, the actors are the agents (drink) or their behaviour replayed (model), the
//! recommendation is the auditor's.

pub mod cli;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod read;
pub mod record;
pub mod report;
pub mod scenario;
pub mod svg;
pub mod sweep;

pub use error::{Error, Result, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
pub use policy::Policy;
pub use record::{Batch, Outcome, Reason, Run};
pub use scenario::{Scenario, Source};

use metrics::{summarize, Summary};
use progress::Progress;

/// Which executes the contract's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The release bundles on drink with the agents: every action a contract call.
    Drink,
    /// The reference model (`proof_manager_e2e::model`).
    Model,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Drink => "drink",
            Engine::Model => "model",
        }
    }
}

/// Runs one policy on one engine.
///
/// # Errors
/// `Policy` when the policy cannot run on the engine or the scenario.
pub fn simulate(
    scenario: &Scenario,
    policy: Policy,
    engine: Engine,
    progress: bool,
) -> Result<Run> {
    let mut progress = Progress::new(
        &format!("{} {policy} ({})", scenario.name, engine.name()),
        scenario.days,
        progress,
    );
    if policy == Policy::Baseline && !scenario.is_contract_pair() {
        return Err(Error::Policy {
            policy: policy.to_string(),
            message: "the contract's policy needs exactly the networks Fermah and Lagrange, in \
                      that order"
                .into(),
        });
    }
    let run = match (policy, engine) {
        (Policy::Baseline, Engine::Model) => engine::model::run_baseline(scenario, &mut progress),
        (Policy::Baseline, Engine::Drink) => engine::drink::run_baseline(scenario, &mut progress)?,
        (market, Engine::Model) => policy::run_market(market, scenario).expect("not the baseline"),
        (market, Engine::Drink) => {
            return Err(Error::Policy {
                policy: market.to_string(),
                message: "runs on the model engine only (--engine model)".into(),
            })
        }
    };
    progress.finish();
    Ok(run)
}

/// Runs every policy and summarises each.
///
/// # Errors
/// As `simulate`.
pub fn compare(
    scenario: &Scenario,
    policies: &[Policy],
    engine: Engine,
    progress: bool,
) -> Result<report::Comparison> {
    let mut summaries: Vec<Summary> = Vec::new();
    for &policy in policies {
        let run = simulate(scenario, policy, engine, progress)?;
        summaries.push(summarize(scenario, &run));
    }
    Ok(report::Comparison {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        days: scenario.days,
        policies: summaries,
    })
}
