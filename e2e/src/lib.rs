//! A typed harness that drives the release bundles of ProofManager and the PSP22 mock on drink's
//! embedded chain: the drink, model and hostile suites, the demo, the benchmark and the tools
//! above (auditor, agents, simulator) build on it.
//!
//! - [`chain`]: the one call path (deploy, call, query, revert-flag checks, recorded costs and
//!   events, block time, snapshots);
//! - [`manager`]: one typed wrapper per ProofManager message and view, and the token's calls;
//! - [`fixtures`]: the actors, the standard request, and the steps a request is taken through;
//! - [`raw`]: storage dumps, metadata selectors and the hostile token, below the typed calls;
//! - [`format`]: how amounts and costs print;
//! - [`model`]: the reference model of the contract's rules in plain Rust, checked against the
//!   bundles by the model-based property test and run at scale by the simulator.
//!
//! Bundles must be built first (`scripts/build.sh`): drink's bundle-provider macro would build
//! them from inside a proc macro and deadlock on cargo's lock.

pub mod chain;
pub mod fixtures;
pub mod format;
pub mod manager;
pub mod model;
pub mod raw;

pub use chain::*;
pub use fixtures::*;
pub use format::*;
pub use manager::*;
pub use raw::*;

pub use ink::primitives::{AccountId, Hash};
pub use proof_manager::*;
pub use psp22::PSP22Error;
