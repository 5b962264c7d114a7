//! Random call sequences, by every actor, in any order, at any time, run on the release bundles
//! in drink and on the plain-Rust reference model of README.md's rules
//! (`proof_manager_e2e::model`, the one the simulator runs). After every step the reply, the
//! events, the touched requests, both networks, `in_flight()`, `obligations()`, the request
//! counter and all token balances must match the model, and the invariants users rely
//! on must hold. Failures shrink to a minimal sequence; each one found is kept below as a named
//! regression test.
//!
//! Budget (environment): `MODEL_CASES` sequences (default 256) of 1 to `MODEL_STEPS` steps
//! (default 60) from `MODEL_SEED` (default 0); `MODEL_PROGRESS=N` prints a line every N cases.
//! `scripts/fuzz.sh` runs the long budget.

mod coverage;
mod ops;
mod replays;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::Instant;

use ink::primitives::AccountId;
use proof_manager_e2e::model;
use proof_manager_e2e::*;
use proptest::collection::vec;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use coverage::Coverage;
use model::{key, Call, Key, Model, Reply, Setup};
use ops::{Address, Amount, Asset, Code, Id, Op, Reward, Time, Who, World};

/// A full comparison of every request every this many steps, and at the end of a sequence.
const FULL_EVERY: usize = 50;

/// The pool `Id::Pool` draws from; the full comparison checks these are absent when unknown.
const POOL: u64 = 6;

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

/// A request without its proof and URL, which can be kilobytes long.
fn summary(request: &Option<ProofRequest>) -> String {
    match request {
        None => "none".into(),
        Some(r) => format!(
            "{:?} assigned {:?} submitted {} timeout {} max {} reward {} proof {}B url {}B \
             version {}.{}.{} counter {}",
            r.status,
            r.assigned_to,
            r.submitted_at,
            r.timeout_after,
            r.max_reward,
            r.requested_reward,
            r.proof.len(),
            r.proof_inputs_url.len(),
            r.protocol_major,
            r.protocol_minor,
            r.protocol_patch,
            r.request_id
        ),
    }
}

/// Whether the README's diagram leads from `from` to `to` in zero or more transitions.
fn reachable(from: ProofRequestStatus, to: ProofRequestStatus) -> bool {
    use ProofRequestStatus::*;
    let next = |s: ProofRequestStatus| -> &'static [ProofRequestStatus] {
        match s {
            PendingAcknowledgement => &[Committed, Refused, Unacknowledged],
            Committed => &[Proven, TimedOut],
            Proven => &[Validated, ValidationFailed],
            Validated => &[Paid],
            Refused | Unacknowledged | TimedOut | ValidationFailed | Paid => &[],
        }
    };
    from == to || next(from).iter().any(|s| reachable(*s, to))
}

fn actor_of(account: AccountId) -> Option<usize> {
    ACTORS.iter().position(|a| *a == account)
}

/// Runs `call` on the chain.
fn execute(chain: &mut Chain, world: &World, caller: AccountId, call: &Call) -> Reply {
    let who = caller;
    match call {
        Call::UpdateAddress(n, a) => {
            Reply::Manager(chain.update_proving_network_address(who, *n, *a))
        }
        Call::UpdateStatus(n, s) => {
            Reply::Manager(chain.update_proving_network_status(who, *n, *s))
        }
        Call::UpdatePreferred(n) => Reply::Manager(chain.update_preferred_proving_network(who, *n)),
        Call::Withdraw(token, amount) => Reply::Manager(chain.withdraw(who, *token, *amount)),
        Call::SetSubmitter(a) => Reply::Manager(chain.set_submitter(who, *a)),
        Call::TransferAdmin(a) => Reply::Manager(chain.transfer_admin(who, *a)),
        Call::AcceptAdmin => Reply::Manager(chain.accept_admin(who)),
        Call::SetCode(hash) => Reply::Manager(chain.set_code(who, *hash)),
        Call::Submit(id, params) => {
            Reply::Manager(chain.submit_proof_request(who, *id, &params.to_contract()))
        }
        Call::Validate(id, valid) => {
            Reply::Manager(chain.submit_proof_validation_result(who, *id, *valid))
        }
        Call::MarkUnacknowledged(id) => Reply::Manager(chain.mark_unacknowledged(who, *id)),
        Call::MarkTimedOut(id) => Reply::Manager(chain.mark_timed_out(who, *id)),
        Call::Acknowledge(id, accept) => {
            Reply::Manager(chain.acknowledge_proof_request(who, *id, *accept))
        }
        Call::Prove(id, len, reward) => {
            Reply::Manager(chain.submit_proof(who, *id, &proof_of(*len), *reward))
        }
        Call::Claim => Reply::Claimed(chain.claim_reward(who)),
        Call::Mint(to, amount) => {
            chain.mint(*to, *amount);
            Reply::Done
        }
        Call::MintOther(amount) => {
            let manager = chain.manager;
            chain.mint_token(world.other_token, manager, *amount);
            Reply::Done
        }
        Call::Transfer(to, amount) => Reply::Token(chain.token_transfer(caller, *to, *amount)),
        Call::SetTransfersEnabled(enabled) => {
            chain.set_token_transfers_enabled(*enabled);
            Reply::Done
        }
        Call::SetTime(now) => {
            chain.set_time(*now);
            Reply::Done
        }
    }
}

/// The request a call names, if any.
fn target(call: &Call) -> Option<ProofRequestIdentifier> {
    match call {
        Call::Submit(id, _)
        | Call::Validate(id, _)
        | Call::MarkUnacknowledged(id)
        | Call::MarkTimedOut(id)
        | Call::Acknowledge(id, _)
        | Call::Prove(id, _, _) => Some(*id),
        _ => None,
    }
}

/// Whether the README lets `caller` make `call` at all, in the state `before` the call.
fn authorised(before: &Model, caller: AccountId, call: &Call) -> bool {
    let assignee_key = |id: &ProofRequestIdentifier| {
        let request = before.requests.get(&key(*id));
        request
            .and_then(|r| r.assigned_to)
            .map(|n| before.network(n).address)
    };
    match call {
        Call::UpdateAddress(..)
        | Call::UpdateStatus(..)
        | Call::UpdatePreferred(..)
        | Call::Withdraw(..)
        | Call::SetSubmitter(..)
        | Call::TransferAdmin(..)
        | Call::SetCode(..) => caller == before.admin,
        Call::AcceptAdmin => before.pending_admin == Some(caller),
        Call::Submit(..)
        | Call::Validate(..)
        | Call::MarkUnacknowledged(..)
        | Call::MarkTimedOut(..) => caller == before.submitter,
        Call::Acknowledge(id, _) | Call::Prove(id, _, _) => assignee_key(id) == Some(caller),
        Call::Claim => before.networks.iter().any(|n| n.address == caller),
        Call::Mint(..) | Call::MintOther(..) | Call::Transfer(..) => true,
        Call::SetTransfersEnabled(_) | Call::SetTime(_) => true,
    }
}

/// What the chain reports beside requests, after a step.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Observed {
    networks: [ProvingNetworkInfo; 2],
    in_flight: u64,
    obligations: u128,
    counter: u64,
    /// Payment-token balances of `ACTORS`, then of the manager.
    balances: Vec<u128>,
    /// The same for the second token.
    other_balances: Vec<u128>,
}

/// Which parts of the global state `Run::observe` queries.
#[derive(Clone, Copy)]
struct Scope {
    manager: bool,
    counter: bool,
    payment: bool,
    other_token: bool,
}

impl Scope {
    const ALL: Scope = Scope {
        manager: true,
        counter: true,
        payment: true,
        other_token: true,
    };
}

/// One sequence: the chain, the model, and what was observed so far.
struct Run<'a> {
    chain: &'a mut Chain,
    world: &'a World,
    coverage: &'a mut Coverage,
    model: Model,
    /// Tokens minted by the sequence, counted apart from the model.
    minted: u128,
    minted_other: u128,
    /// The last status `proof_request` reported for each request.
    seen: BTreeMap<Key, ProofRequestStatus>,
    /// What successful claims paid each network (Fermah, Lagrange).
    paid: [u128; 2],
    last: Observed,
    /// Whether steps ran unchecked since `last` was observed.
    stale: bool,
}

impl<'a> Run<'a> {
    fn new(
        chain: &'a mut Chain,
        world: &'a World,
        coverage: &'a mut Coverage,
        model: Model,
    ) -> Result<Self, String> {
        let mut run = Run {
            chain,
            world,
            coverage,
            model,
            minted: 0,
            minted_other: 0,
            seen: BTreeMap::new(),
            paid: [0; 2],
            last: Observed {
                networks: [ProvingNetworkInfo {
                    address: AccountId([0; 32]),
                    status: ProvingNetworkStatus::Inactive,
                    owed_reward: 0,
                }; 2],
                in_flight: 0,
                obligations: 0,
                counter: 0,
                balances: Vec::new(),
                other_balances: Vec::new(),
            },
            stale: false,
        };
        run.last = run.observe(Scope::ALL)?;
        run.compare_roles()?;
        Ok(run)
    }

    fn holders(&self) -> Vec<AccountId> {
        let mut holders: Vec<AccountId> = ACTORS.to_vec();
        holders.push(self.model.manager);
        holders
    }

    /// Queries the chain's global state and compares it with the model's. Each query runs the
    /// whole contract (~1 ms, mostly wasm translation), so only what the step can have changed
    /// is queried; the last values stand for the rest: the manager's state (`manager`) after a
    /// call that ran its code, the request counter (`counter`) after a submission, a token's
    /// balances (`payment`, `other_token`) after it emitted a transfer. Every other step
    /// compares the full state anyway.
    fn observe(&mut self, scope: Scope) -> Result<Observed, String> {
        let chain = &mut *self.chain;
        let last = &self.last;
        let (networks, in_flight, obligations) = if scope.manager {
            (
                ProvingNetwork::ALL.map(|n| chain.proving_network_info(n)),
                chain.in_flight(),
                chain.obligations(),
            )
        } else {
            (last.networks, last.in_flight, last.obligations)
        };
        let observed = Observed {
            networks,
            in_flight,
            obligations,
            counter: if scope.counter {
                chain.request_counter()
            } else {
                last.counter
            },
            balances: Vec::new(),
            other_balances: Vec::new(),
        };
        let (payment, other_token) = (scope.payment, scope.other_token);
        let holders = self.holders();
        let balances = if payment {
            holders
                .iter()
                .map(|h| self.chain.token_balance(*h))
                .collect()
        } else {
            self.last.balances.clone()
        };
        let other_balances = if other_token {
            let token = self.world.other_token;
            holders
                .iter()
                .map(|h| self.chain.balance_of(token, *h))
                .collect()
        } else {
            self.last.other_balances.clone()
        };
        let observed = Observed {
            balances,
            other_balances,
            ..observed
        };
        let model = &self.model;
        let expected = Observed {
            networks: ProvingNetwork::ALL.map(|n| model.network_info(n)),
            in_flight: model.in_flight(),
            obligations: model.obligations(),
            counter: model.counter,
            balances: holders.iter().map(|h| model.payment.balance(*h)).collect(),
            other_balances: holders.iter().map(|h| model.other.balance(*h)).collect(),
        };
        check(observed == expected, || {
            format!("state: contract {observed:?}\n       model    {expected:?}")
        })?;
        Ok(observed)
    }

    fn compare_roles(&mut self) -> Result<(), String> {
        let real = (
            self.chain.admin(),
            self.chain.pending_admin(),
            self.chain.submitter(),
        );
        let expected = (
            self.model.admin,
            self.model.pending_admin,
            self.model.submitter,
        );
        check(real == expected, || {
            format!("roles: contract {real:?}, model {expected:?}")
        })
    }

    /// Compares one request with the model and checks its status moved along the diagram.
    fn compare_request(
        &mut self,
        id: ProofRequestIdentifier,
    ) -> Result<Option<ProofRequest>, String> {
        let real = self.chain.proof_request(id);
        let expected = self.model.proof_request(id);
        check(real == expected, || {
            format!(
                "request {id:?}:\n  contract {}\n  model    {}",
                summary(&real),
                summary(&expected)
            )
        })?;
        match &real {
            Some(request) => {
                self.coverage.saw(request.status);
                let from = self
                    .seen
                    .insert(key(id), request.status)
                    .unwrap_or(ProofRequestStatus::PendingAcknowledgement);
                check(reachable(from, request.status), || {
                    format!("request {id:?} went from {from:?} to {:?}", request.status)
                })?;
            }
            None => check(!self.seen.contains_key(&key(id)), || {
                format!("request {id:?} disappeared")
            })?,
        }
        Ok(real)
    }

    /// Every request the model knows and the pool's unknown ones; what claims paid each network
    /// must be what its Paid requests add up to.
    fn compare_all(&mut self) -> Result<(), String> {
        let pool = (0..POOL).map(|n| key(request(n)));
        let keys: BTreeSet<Key> = self.model.requests.keys().copied().chain(pool).collect();
        let mut paid_requests = [0u128; 2];
        for (chain_id, block_number) in keys {
            let id = ProofRequestIdentifier {
                chain_id,
                block_number,
            };
            if let Some(request) = self.compare_request(id)? {
                if let (ProofRequestStatus::Paid, Some(n)) = (request.status, request.assigned_to) {
                    paid_requests[n as usize] += request.requested_reward;
                }
            }
        }
        check(paid_requests == self.paid, || {
            format!(
                "claims paid {:?}, Paid requests sum to {paid_requests:?}",
                self.paid
            )
        })?;
        self.last = self.observe(Scope::ALL)?;
        self.stale = false;
        self.compare_code()?;
        self.compare_roles()
    }

    /// The storage of every contract a call can write: a refused call must leave it as it was,
    /// byte for byte.
    fn digest(&mut self) -> [ContractStorage; 3] {
        let (manager, usdc, other) = (self.model.manager, self.model.usdc, self.world.other_token);
        [manager, usdc, other].map(|contract| self.chain.contract_storage(contract))
    }

    /// Runs one operation on the chain and the model; returns whether the call was accepted.
    /// A step that is not `checked` compares the reply and, for a refusal, the storage; the
    /// next checked step queries the whole state first.
    fn step(&mut self, op: &Op, checked: bool) -> Result<bool, String> {
        if checked && self.stale {
            self.last = self.observe(Scope::ALL)?;
            self.stale = false;
        }
        let (caller, call) = op.resolve(&self.model, self.world);
        // The model before the call, for what a checked step compares; cloning it every step
        // would make long sequences quadratic.
        let before = checked.then(|| self.model.clone());
        let expected = self.model.apply(caller, &call);
        let unchanged = if expected.is_refusal() {
            Some(self.digest())
        } else {
            None
        };
        let real = execute(self.chain, self.world, caller, &call);
        check(real == expected, || {
            format!("{call:?} by {caller:?}: contract {real:?}, model {expected:?}")
        })
        .map_err(|e| format!("reply of {e}"))?;
        // Moving the clock calls nothing, so the chain's last events are the previous call's.
        let ran = !matches!(call, Call::SetTime(_));
        let manager = self.model.manager;
        let emitted: Result<Vec<ManagerEvent>, _> = self
            .chain
            .last_events()
            .iter()
            .filter(|e| ran && e.contract == manager)
            .map(|e| ManagerEvent::decode(&e.topics, &e.data))
            .collect();
        let emitted = emitted.map_err(|e| format!("{call:?}: the contract emitted {e}"))?;
        let modelled = self.model.take_events();
        check(emitted == modelled, || {
            format!("events of {call:?} by {caller:?}: contract {emitted:?}, model {modelled:?}")
        })?;
        self.coverage.record(&call, &real);
        match call {
            Call::Mint(_, amount) => self.minted += amount,
            Call::MintOther(amount) => self.minted_other += amount,
            _ => {}
        }
        let refused = real.is_refusal();
        if let Some(unchanged) = unchanged {
            check(self.chain.last_reverted(), || {
                format!("{call:?} by {caller:?} was refused but not reverted")
            })?;
            let after = self.digest();
            check(after == unchanged, || {
                format!("{call:?} by {caller:?} was refused but changed storage")
            })?;
        }
        match before {
            Some(before) => self.check_step(&before, caller, &call, &real)?,
            None => self.stale = true,
        }
        Ok(!refused)
    }

    /// Compares what `call` can have changed and checks the invariants.
    fn check_step(
        &mut self,
        before: &Model,
        caller: AccountId,
        call: &Call,
        real: &Reply,
    ) -> Result<(), String> {
        // A PSP22 mock emits a Transfer event for every balance it changes, so a call after
        // which neither token emitted one left every balance as it was; balances are queried
        // (at ~1 ms a query) only after the others.
        let moved = |token: AccountId| self.chain.last_events().iter().any(|e| e.contract == token);
        let (payment_moved, other_moved) = (moved(self.model.usdc), moved(self.world.other_token));
        let refused = real.is_refusal();
        let mut touched: BTreeSet<Key> = self
            .model
            .requests
            .iter()
            .filter(|(k, r)| {
                let earlier = before.requests.get(k);
                earlier.map(|e| before.status(e)) != Some(self.model.status(r))
            })
            .map(|(k, _)| *k)
            .collect();
        if !refused {
            touched.extend(target(call).map(key));
        }
        for (chain_id, block_number) in touched {
            self.compare_request(ProofRequestIdentifier {
                chain_id,
                block_number,
            })?;
        }
        // A refused call left the storage as it was (checked in `step`); the rest is queried
        // only where the call can have changed it.
        let now = self.observe(Scope {
            manager: !refused
                && !matches!(
                    call,
                    Call::Mint(..)
                        | Call::MintOther(_)
                        | Call::Transfer(..)
                        | Call::SetTransfersEnabled(_)
                        | Call::SetTime(_)
                ),
            counter: !refused && matches!(call, Call::Submit(..)),
            payment: payment_moved,
            other_token: other_moved,
        })?;
        if matches!(
            call,
            Call::SetSubmitter(_) | Call::TransferAdmin(_) | Call::AcceptAdmin
        ) {
            self.compare_roles()?;
        }
        if let (Call::SetCode(_), false) = (call, refused) {
            self.compare_code()?;
        }
        self.invariants(before, caller, call, real, &now)?;
        self.last = now;
        Ok(())
    }

    /// The code the runtime runs for the manager is the model's.
    fn compare_code(&mut self) -> Result<(), String> {
        let manager = self.model.manager;
        let running = self.chain.code_hash(manager);
        check(running == Some(self.model.code), || {
            format!(
                "the manager runs {running:?}, the model {:?}",
                self.model.code
            )
        })
    }

    /// The invariants users rely on, on what the chain reported (the model only says who was
    /// allowed to call).
    fn invariants(
        &mut self,
        before: &Model,
        caller: AccountId,
        call: &Call,
        reply: &Reply,
        now: &Observed,
    ) -> Result<(), String> {
        let manager = ACTORS.len();
        check(now.balances.iter().sum::<u128>() == self.minted, || {
            format!(
                "payment tokens not conserved: minted {}, held {:?}",
                self.minted, now.balances
            )
        })?;
        check(
            now.other_balances.iter().sum::<u128>() == self.minted_other,
            || format!("second token not conserved: minted {}", self.minted_other),
        )?;
        // What the withdrawal guard and the funds guard keep: every obligation, and `MAX_REWARD`
        // for each request still in flight.
        let reserved = now.obligations + MAX_REWARD * u128::from(now.in_flight);
        check(now.balances[manager] >= reserved, || {
            format!(
                "balance {} below obligations {} + MAX_REWARD × {} in flight",
                now.balances[manager], now.obligations, now.in_flight
            )
        })?;
        check(now.counter >= self.last.counter, || {
            format!(
                "request counter went from {} to {}",
                self.last.counter, now.counter
            )
        })?;
        if matches!(reply, Reply::Manager(Ok(())) | Reply::Claimed(Ok(_))) {
            check(authorised(before, caller, call), || {
                format!("{caller:?} was allowed to {call:?}")
            })?
        }
        if let Reply::Claimed(Ok(amount)) = reply {
            check(*amount <= MAX_CLAIM, || format!("a claim paid {amount}"))?;
            let network = self.last.networks.iter().position(|n| n.address == caller);
            let network = network.ok_or_else(|| format!("{caller:?} claimed, not a network"))?;
            self.paid[network] += amount;
            let who = actor_of(caller).ok_or("a claim by a non-actor")?;
            let received = now.balances[who].checked_sub(self.last.balances[who]);
            check(received == Some(*amount), || {
                format!("claim of {amount} credited {received:?}")
            })?;
        }
        Ok(())
    }
}

/// A chain with ProofManager, the payment token and a second token freshly deployed, its
/// snapshot, and the model of that state.
struct Fixture {
    chain: Chain,
    coverage: Coverage,
    fresh: ChainSnapshot,
    model: Model,
    world: World,
}

impl Fixture {
    fn new() -> Self {
        let mut chain = Chain::new();
        let other_token = chain
            .deploy_token(0)
            .expect("deploying a second PSP22 mock");
        let (manager, usdc) = (chain.manager, chain.token);
        let manager_code = chain.code_hash(manager).expect("the manager's code hash");
        let token_code = chain.code_hash(usdc).expect("the token's code hash");
        let second_code = chain.upload(with_custom_section(&proof_manager_wasm(), "second"));
        let model = Model::new(Setup {
            now: chain.now(),
            manager,
            usdc,
            other_token,
            uploaded_codes: vec![manager_code, second_code, token_code],
            code: manager_code,
            admin: ADMIN,
            submitter: SUBMITTER,
            networks: [FERMAH, LAGRANGE],
        });
        let fresh = chain.snapshot();
        Fixture {
            chain,
            coverage: Coverage::default(),
            fresh,
            model,
            world: World {
                manager_codes: [manager_code, second_code],
                other_token,
            },
        }
    }

    /// Runs `ops` from the freshly deployed state, checking every step; whether each call was
    /// accepted, or the first mismatch or broken invariant.
    fn run(&mut self, ops: &[Op]) -> Result<Vec<bool>, String> {
        self.run_with(ops, 1, FULL_EVERY)
    }

    /// As `run`, checking only every `check_every`-th step and every claim in full (the others
    /// compare their reply, and a refusal its storage), and every request every `full_every`
    /// steps and at the end.
    fn run_with(
        &mut self,
        ops: &[Op],
        check_every: usize,
        full_every: usize,
    ) -> Result<Vec<bool>, String> {
        self.chain.restore(&self.fresh);
        let model = self.model.clone();
        let mut run = Run::new(&mut self.chain, &self.world, &mut self.coverage, model)?;
        let mut accepted = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            let checked = (i + 1) % check_every == 0 || matches!(op, Op::Claim(..));
            let ok = run
                .step(op, checked)
                .map_err(|e| format!("step {i}, {op:?}: {e}"))?;
            accepted.push(ok);
            if (i + 1) % full_every == 0 {
                run.compare_all()
                    .map_err(|e| format!("after step {i}: {e}"))?;
            }
        }
        run.compare_all().map_err(|e| format!("at the end: {e}"))?;
        Ok(accepted)
    }
}

fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} does not parse")),
        Err(_) => default,
    }
}

/// Random sequences of every message, by the right and the wrong actors, with token moves and
/// clock jumps, match the reference model step by step and keep every invariant.
#[test]
fn random_sequences_match_the_model() {
    let cases: u32 = env_or("MODEL_CASES", 256);
    let max_steps: usize = env_or("MODEL_STEPS", 60);
    let seed: u64 = env_or("MODEL_SEED", 0);
    let progress: u64 = env_or("MODEL_PROGRESS", 0);
    assert!(
        cases > 0,
        "MODEL_CASES=0 runs no case: nothing would be checked"
    );
    let fixture = RefCell::new(Fixture::new());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let (runs, steps) = (Cell::new(0u64), Cell::new(0u64));
    let start = Instant::now();
    let result = runner.run(&vec(ops::op(), 1..=max_steps), |sequence| {
        runs.set(runs.get() + 1);
        steps.set(steps.get() + sequence.len() as u64);
        if progress > 0 && runs.get() % progress == 0 {
            eprintln!(
                "model: {} cases, {} steps, {:.0}s",
                runs.get(),
                steps.get(),
                start.elapsed().as_secs_f64()
            );
        }
        fixture
            .borrow_mut()
            .run(&sequence)
            .map(|_| ())
            .map_err(TestCaseError::fail)
    });
    println!(
        "model: {} cases ({} runs with shrinking), {} steps, up to {max_steps} per case, seed {seed}, {:.1}s",
        cases,
        runs.get(),
        steps.get(),
        start.elapsed().as_secs_f64()
    );
    let coverage = &fixture.borrow().coverage;
    println!("{}", coverage.report());
    match result {
        Ok(()) => {
            assert!(
                runs.get() >= u64::from(cases),
                "ran {} of {cases} cases",
                runs.get()
            );
            if cases >= coverage::FLOOR_CASES {
                let gaps = coverage.gaps();
                assert!(
                    gaps.is_empty(),
                    "the run did not reach: {}",
                    gaps.join("; ")
                );
            } else {
                println!(
                    "model: coverage floors SKIPPED: MODEL_CASES={cases} is below {}",
                    coverage::FLOOR_CASES
                );
            }
            for (error, why) in coverage::UNREACHED_ERRORS {
                println!("model: {error} is not generated: {why}");
            }
        }
        Err(TestError::Fail(reason, sequence)) => {
            let listing: Vec<String> = sequence.iter().map(|op| format!("    {op:?},")).collect();
            panic!(
                "minimal failing sequence (seed {seed}):\n{}\n{reason}",
                listing.join("\n")
            )
        }
        Err(error) => panic!("{error}"),
    }
}
