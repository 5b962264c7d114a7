//! The drink suite: both release bundles on an embedded chain, every rule of the README proven
//! with the contracts as they deploy. Build the bundles first (`scripts/build.sh`).

mod admin;
mod lifecycle;
mod payment;
mod submission;

use proof_manager_e2e::*;
