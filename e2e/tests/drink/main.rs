//! The drink suite: both release bundles on an embedded chain, every rule of the issue proven
//! with the contracts as they deploy. Build the bundles first (`scripts/build.sh`).

mod admin;
mod lifecycle;
mod payment;
mod submission;

use proof_manager_e2e::*;

/// The key of a network at deployment.
fn key(network: ProvingNetwork) -> [u8; 32] {
    match network {
        ProvingNetwork::Fermah => FERMAH,
        ProvingNetwork::Lagrange => LAGRANGE,
    }
}

/// Submits `request(n)` with `default_params()`; returns its assignee.
fn submit(chain: &mut Chain, n: u64) -> Option<ProvingNetwork> {
    chain
        .submit_proof_request(SUBMITTER, request(n), &default_params())
        .unwrap_or_else(|e| panic!("submitting {n}: {e:?}"));
    chain.proof_request(request(n)).expect("stored").assigned_to
}

/// Submits and commits `request(n)`; returns its assignee's key.
fn commit(chain: &mut Chain, n: u64) -> [u8; 32] {
    let network = submit(chain, n).expect("an assignee");
    chain
        .acknowledge_proof_request(key(network), request(n), true)
        .expect("assignee commits");
    key(network)
}

/// Submits, commits and proves `request(n)` asking `reward`; returns the assignee's key.
fn prove(chain: &mut Chain, n: u64, reward: u128) -> [u8; 32] {
    let prover = commit(chain, n);
    chain
        .submit_proof(prover, request(n), &proof_of(64), reward)
        .expect("assignee proves");
    prover
}

/// Takes `request(n)` to Validated with `reward`; returns the assignee's key.
fn validate(chain: &mut Chain, n: u64, reward: u128) -> [u8; 32] {
    let prover = prove(chain, n, reward);
    chain
        .submit_proof_validation_result(SUBMITTER, request(n), true)
        .expect("submitter validates");
    prover
}
