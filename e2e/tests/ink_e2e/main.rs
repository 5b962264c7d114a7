//! The ink_e2e suite: the full lifecycle with dev accounts (Alice admin and submitter, Bob as
//! Fermah, Charlie as Lagrange, Dave as an outsider, Eve as Fermah's rotated key), each body run
//! on two backends:
//! - `node::*` on a `substrate-contracts-node` that ink_e2e spawns per test (`CONTRACTS_NODE`
//!   or the binary on PATH);
//! - `sandbox::*` on ink_e2e's in-process sandbox runtime.
//!
//! Run it with `scripts/e2e.sh`, not with `cargo test`: at test start ink_e2e builds every
//! contract of the workspace with cargo, which needs a target directory that no outer cargo
//! holds locked (see the README, "End-to-end tests (ink_e2e)").

mod backend;
mod lifecycle;
mod support;

/// What ink_e2e's test functions return: creating the node client uses `?`.
type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Declares one test per body and backend: `node::<body>` and `sandbox::<body>`.
macro_rules! on_both_backends {
    ($($body:ident),* $(,)?) => {
        mod node {
            $(
                #[doc = concat!("[`crate::lifecycle::", stringify!($body), "`] on a node.")]
                #[ink_e2e::test]
                async fn $body<Client: ink_e2e::E2EBackend>(
                    mut client: Client,
                ) -> crate::E2EResult<()> {
                    crate::lifecycle::$body(&mut client).await;
                    Ok(())
                }
            )*
        }

        mod sandbox {
            $(
                #[doc = concat!("[`crate::lifecycle::", stringify!($body), "`] on the sandbox.")]
                #[ink_e2e::test(backend(runtime_only(sandbox = crate::backend::RecordingSandbox)))]
                async fn $body<Client: ink_e2e::E2EBackend>(
                    mut client: Client,
                ) -> crate::E2EResult<()> {
                    crate::lifecycle::$body(&mut client).await;
                    Ok(())
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
