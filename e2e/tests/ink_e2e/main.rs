//! The ink_e2e suite: the full lifecycle with ink_e2e's dev accounts in the roles of the other
//! suites (Alice admin, Eve submitter, Bob Fermah, Charlie Lagrange, Dave an outsider, Ferdie
//! Fermah's rotated key), each body run on two backends, both deploying the release bundles of
//! `scripts/build.sh`:
//! - `sandbox::*` on ink_e2e's in-process sandbox runtime, in every `cargo test` run;
//! - `node::*` on a `substrate-contracts-node` spawned per test (`CONTRACTS_NODE`, or the binary
//!   on PATH): ignored unless asked for (`-- --ignored`), which `scripts/e2e.sh` and
//!   `scripts/test.sh` do when a node is installed.

mod backend;
mod lifecycle;
mod support;

/// A current-thread runtime for one test, as `#[ink_e2e::test]` makes one.
fn runtime() -> ink_e2e::tokio::runtime::Runtime {
    ink_e2e::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("building the tokio runtime: {e}"))
}

/// Declares one test per body and backend: `node::<body>` and `sandbox::<body>`.
macro_rules! on_both_backends {
    ($($body:ident),* $(,)?) => {
        mod node {
            $(
                #[doc = concat!("[`crate::lifecycle::", stringify!($body), "`] on a node.")]
                #[test]
                #[ignore = "needs substrate-contracts-node; scripts/e2e.sh and scripts/test.sh run it when one is installed"]
                fn $body() {
                    crate::runtime().block_on(async {
                        let (_node, mut client) = crate::backend::node_client().await;
                        crate::lifecycle::$body(&mut client).await;
                    });
                }
            )*
        }

        mod sandbox {
            $(
                #[doc = concat!("[`crate::lifecycle::", stringify!($body), "`] on the sandbox.")]
                #[test]
                fn $body() {
                    crate::runtime().block_on(async {
                        let mut client = crate::backend::sandbox_client();
                        crate::lifecycle::$body(&mut client).await;
                    });
                }
            )*
        }
    };
}

on_both_backends!(
    requests_follow_round_robin_with_preferred_network,
    networks_acknowledge_refuse_and_prove_their_requests,
    valid_proofs_are_paid_on_claim_and_invalid_ones_are_not,
    rotated_key_acknowledges_and_claims_while_old_key_is_refused,
    admin_withdraws_free_funds_and_outsiders_are_refused,
);
