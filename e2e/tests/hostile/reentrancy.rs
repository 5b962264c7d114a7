//! A reentrant payment token. ProofManager's calls to its token do not allow reentry, so
//! pallet-contracts refuses any call back into ProofManager while it is on the call stack
//! (`ReentranceDenied`), whatever flags the token sets on its own call. The refusal traps the
//! token, ProofManager sees its token call fail (`TokenCallFailed`) and reverts: nothing is paid,
//! nothing changes. The token cannot catch the refusal and carry on with the transfer.

use super::*;
use ink::scale::Encode;
use std::cell::Cell;
use std::sync::Once;
use ProofRequestStatus::*;
use ProvingNetwork::*;

/// Native balance for a contract that acts as a signed caller: plenty for storage deposits.
const NATIVE: u128 = 1_000_000_000_000_000;

thread_local! {
    static TRACING: Cell<bool> = const { Cell::new(false) };
}

/// Enables pallet-contracts' host-function trace (`runtime::contracts::strace`), which the
/// runtime writes into the call's debug buffer, for calls on the thread inside `traced`.
struct StraceLogger;

impl log::Log for StraceLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target() == "runtime::contracts::strace" && TRACING.with(Cell::get)
    }

    // The trace is read from the debug buffer; nothing is logged.
    fn log(&self, _: &log::Record) {}

    fn flush(&self) {}
}

static LOGGER: StraceLogger = StraceLogger;

/// Calls `input` on ProofManager as `caller` with the host-function trace on; returns the outcome
/// and the trace.
fn traced_call(chain: &mut Chain, caller: AccountId, input: Vec<u8>) -> (Outcome, String) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    TRACING.with(|on| on.set(true));
    let manager = chain.manager;
    let result = chain.call_with_debug_buffer(caller, manager, input);
    TRACING.with(|on| on.set(false));
    result
}

/// A chain paying in a hostile token that is also Fermah's key, with request 0 validated for
/// Fermah at 2 tokens: the token can claim Fermah's rewards itself, so a claim repeated from its
/// `transfer` is the double-claim attack in full.
fn token_keyed_chain() -> Chain {
    let mut chain = hostile_chain(100, |chain| Roles {
        fermah: chain.token,
        ..chain.default_roles()
    });
    let token = chain.token;
    // It pays the storage deposit of the proof it submits as Fermah.
    chain.mint_native(token, NATIVE);
    assert_eq!(validate(&mut chain, 0, 2 * TOKEN), token);
    chain
}

/// A token that calls `message` on ProofManager from inside every transfer.
fn reenter<Args: Encode, R>(chain: &Chain, message: Message<Args, R>) -> HostileMode {
    HostileMode::Reenter {
        target: chain.manager,
        input: input_of(message),
    }
}

/// Sends `input` to ProofManager as `caller` and asserts the refused reentry: the call reverted
/// with `expected` (the message's `Err(TokenCallFailed)`), the trace shows exactly one refusal,
/// `ReentranceDenied`, and nothing changed.
fn assert_reentry_refused(chain: &mut Chain, caller: AccountId, input: Vec<u8>, expected: Vec<u8>) {
    let before = state(chain);
    let (outcome, trace) = traced_call(chain, caller, input);
    assert_eq!(
        outcome,
        Outcome::Returned {
            reverted: true,
            data: expected,
        }
    );
    assert_eq!(trace.matches("ReentranceDenied").count(), 1, "{trace}");
    assert!(state(chain) == before, "a refused reentry changed state");
    let token = chain.token;
    assert_eq!(chain.last_reentry(token), None);
}

fn claim_failed() -> Vec<u8> {
    output(Err::<u128, Error>(Error::TokenCallFailed))
}

/// A token that is Fermah's key and repeats the claim from inside the claim's transfer is refused
/// (`ReentranceDenied` traps it, the claim fails with `TokenCallFailed`) and nothing changes;
/// once honest, the claim pays once and the next finds nothing due.
#[test]
fn reentrant_claim_is_refused() {
    let mut chain = token_keyed_chain();
    let (token, manager) = (chain.token, chain.manager);
    let mode = reenter(&chain, chain.manager_calls().claim_reward());
    chain.set_hostile_mode(token, &mode);
    let claim = input_of(chain.manager_calls().claim_reward());
    assert_reentry_refused(&mut chain, token, claim, claim_failed());
    assert_eq!(chain.status(request(0)), Validated);
    assert_eq!(chain.proving_network_info(Fermah).owed_reward, 2 * TOKEN);
    assert_eq!(chain.true_balance(token, token), 0);

    chain.set_hostile_mode(token, &HostileMode::Honest);
    assert_eq!(chain.claim_reward(token), Ok(2 * TOKEN));
    assert_eq!(chain.claim_reward(token), Err(Error::NoPaymentDue));
    assert_eq!(chain.status(request(0)), Paid);
    assert_eq!(chain.true_balance(token, token), 2 * TOKEN);
    assert_eq!(chain.true_balance(token, manager), 98 * TOKEN);
}

/// The control experiment: the same nested claim, made from a transfer that ProofManager did not
/// start, is an ordinary call. It pays the token once, is recorded, and the transfer goes on; a
/// second one finds nothing due. So the refusal above is the reentry guard, not a broken token.
#[test]
fn the_same_call_runs_when_the_manager_is_not_on_the_stack() {
    let mut chain = token_keyed_chain();
    let (token, manager) = (chain.token, chain.manager);
    let mode = reenter(&chain, chain.manager_calls().claim_reward());
    chain.set_hostile_mode(token, &mode);
    chain.mint(OUTSIDER, 2 * TOKEN);
    assert_eq!(chain.token_transfer(OUTSIDER, LAGRANGE, TOKEN), Ok(()));
    assert_eq!(
        chain.last_reentry(token),
        Some(Ok(output(Ok::<u128, Error>(2 * TOKEN))))
    );
    assert_eq!(chain.status(request(0)), Paid);
    assert_eq!(chain.true_balance(token, LAGRANGE), TOKEN);

    assert_eq!(chain.token_transfer(OUTSIDER, LAGRANGE, TOKEN), Ok(()));
    assert_eq!(
        chain.last_reentry(token),
        Some(Ok(output(Err::<u128, Error>(Error::NoPaymentDue))))
    );
    assert_eq!(chain.true_balance(token, token), 2 * TOKEN);
    assert_eq!(chain.true_balance(token, manager), 98 * TOKEN);
    assert_eq!(chain.true_balance(token, LAGRANGE), 2 * TOKEN);
}

/// Whatever the token calls back from a claim's transfer (a claim, a proof, an acknowledgement,
/// a submission, a withdrawal, an admin change) it is refused the same way and nothing changes;
/// the same holds for the transfer of an admin's withdrawal. Callers with the role of each
/// nested call make no difference: the runtime refuses before ProofManager's code runs.
#[test]
fn every_reentry_is_refused() {
    let mut chain = hostile_chain(100, |chain| chain.default_roles());
    validate(&mut chain, 0, 2 * TOKEN);
    submit_with(&mut chain, 1, &default_params());
    submit_with(&mut chain, 2, &default_params());
    chain
        .acknowledge_proof_request(FERMAH, request(2), true)
        .unwrap();
    let token = chain.token;
    let pm = || chain.manager_calls();
    let nested = [
        reenter(&chain, pm().claim_reward()),
        reenter(&chain, pm().submit_proof(request(2), proof_of(8), TOKEN)),
        reenter(&chain, pm().acknowledge_proof_request(request(1), true)),
        reenter(
            &chain,
            pm().submit_proof_request(request(9), default_params()),
        ),
        reenter(&chain, pm().withdraw(token, TOKEN)),
        reenter(
            &chain,
            pm().update_preferred_proving_network(Some(Lagrange)),
        ),
    ];
    for mode in &nested {
        chain.set_hostile_mode(token, mode);
        let claim = input_of(chain.manager_calls().claim_reward());
        assert_reentry_refused(&mut chain, FERMAH, claim, claim_failed());
        let withdraw = input_of(chain.manager_calls().withdraw(token, TOKEN));
        let withdraw_failed = output(Err::<(), Error>(Error::TokenCallFailed));
        assert_reentry_refused(&mut chain, ADMIN, withdraw, withdraw_failed);
    }
    chain.set_hostile_mode(token, &HostileMode::Honest);
    assert_eq!(chain.claim_reward(FERMAH), Ok(2 * TOKEN));
    assert_eq!(chain.true_balance(token, FERMAH), 2 * TOKEN);
    assert_eq!(chain.true_balance(token, ADMIN), 0);
}
