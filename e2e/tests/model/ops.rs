//! The operations a sequence is made of, and their strategies.
//!
//! Arguments whose interesting values depend on the state ("whoever the rule allows", "the k-th
//! request", "its proving deadline + 1 ms", "everything that is free") are symbolic and resolved
//! against the model just before each step, so that sequences stay meaningful while proptest
//! shrinks them. Wrong callers, unknown ids and out-of-range values are generated next to them.

use ink::primitives::{AccountId, Hash};
use proof_manager_e2e::{
    request, ProofRequestIdentifier, ProofRequestStatus as Status, ProvingNetwork,
    ProvingNetworkStatus, ACK_TIMEOUT, ACTORS, MAX_PROOF_INPUTS_URL_LEN, MAX_PROOF_LEN, MAX_REWARD,
    MAX_TIMEOUT_AFTER, TOKEN,
};
use proptest::prelude::*;

use crate::model::{key, Call, Key, Model, Params};

/// Who calls.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    /// The account the message's rule allows right now (admin, submitter, the assignee's
    /// current key, the nominated admin, the network's key).
    Right,
    /// `ACTORS[i]`, whoever that is now.
    Actor(usize),
}

/// A request identifier.
#[derive(Clone, Copy, Debug)]
pub enum Id {
    /// `request(n)` from a small pool, so that sequences collide and hit unknown ids.
    Pool(u64),
    /// The first `request(n)` not submitted yet.
    Fresh,
    /// The k-th stored request (by identifier; `request(0)` when there is none).
    Known(usize),
    /// The k-th request whose stored status is the one the message acts on (PendingAcknowledgement
    /// for acknowledging and marking Unacknowledged, Committed for proving and marking TimedOut,
    /// Proven for validating), deadline passed or not; as `Known(k)` when there is none.
    Live(usize),
    /// Any identifier at all, almost surely unknown.
    Any(u64, u64),
}

/// An address argument.
#[derive(Clone, Copy, Debug)]
pub enum Address {
    Actor(usize),
    Zero,
}

/// Which token `withdraw` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asset {
    Payment,
    /// A second PSP22 mock the manager may hold.
    Other,
    /// An account that is no contract.
    NotAContract,
    /// The manager itself (a call into itself, which pallet-contracts refuses).
    Manager,
}

/// A withdrawal amount.
#[derive(Clone, Copy, Debug)]
pub enum Amount {
    Exact(u128),
    /// The manager's balance of the token minus the obligations (for the payment token), minus
    /// `MAX_REWARD` per in-flight request if `reserved`, plus `offset` (saturating).
    Free {
        reserved: bool,
        offset: i8,
    },
}

/// What a network asks for in `submit_proof`.
#[derive(Clone, Copy, Debug)]
pub enum Reward {
    Exact(u128),
    /// The request's `max_reward` plus `offset` (saturating).
    Max(i8),
}

/// A clock move.
#[derive(Clone, Copy, Debug)]
pub enum Time {
    Advance(u64),
    /// To the ack (or proving) deadline of the k-th request awaiting acknowledgement (or proof),
    /// as `Id::Live` picks it, plus `offset` ms; a deadline already behind the clock builds a
    /// block at the current time.
    Deadline {
        nth: usize,
        proving: bool,
        offset: i8,
    },
}

#[derive(Clone, Debug)]
pub enum Op {
    UpdateAddress(Who, ProvingNetwork, Address),
    UpdateStatus(Who, ProvingNetwork, ProvingNetworkStatus),
    UpdatePreferred(Who, Option<ProvingNetwork>),
    Withdraw(Who, Asset, Amount),
    SetSubmitter(Who, Address),
    TransferAdmin(Who, Address),
    AcceptAdmin(Who),
    SetCode(Who, Code),
    Submit(Who, Id, Params),
    Validate(Who, Id, bool),
    MarkUnacknowledged(Who, Id),
    MarkTimedOut(Who, Id),
    Acknowledge(Who, Id, bool),
    /// The proof's length and the reward asked for.
    Prove(Who, Id, usize, Reward),
    /// `Who::Right` is this network's current key.
    Claim(Who, ProvingNetwork),
    /// Mints payment tokens to `ACTORS[i]`, or to the manager for `i >= ACTORS.len()`.
    Mint(usize, u128),
    MintOther(u128),
    /// `ACTORS[from]` sends payment tokens to holder `to` (as in `Mint`).
    Transfer(usize, usize, u128),
    SetTransfersEnabled(bool),
    Time(Time),
}

/// The code `set_code` names.
#[derive(Clone, Copy, Debug)]
pub enum Code {
    /// The code the manager runs now.
    Current,
    /// The other of the two uploaded builds (the bundle and the bundle with an extra custom
    /// section): a real upgrade, with whatever requests are in flight.
    Other,
    /// A hash nobody uploaded.
    Unknown,
}

/// Everything the resolution needs beside the model.
pub struct World {
    /// The bundle's code hash and the second build's.
    pub manager_codes: [Hash; 2],
    pub other_token: AccountId,
}

/// The identifier `id` names in `model`, for a message acting on requests stored `acts_on`.
pub fn resolve_id(id: Id, model: &Model, acts_on: Option<Status>) -> ProofRequestIdentifier {
    let nth = |k: usize, keys: Vec<&Key>| {
        let (chain_id, block_number) = *keys[k % keys.len()];
        ProofRequestIdentifier {
            chain_id,
            block_number,
        }
    };
    match id {
        Id::Pool(n) => request(n),
        Id::Fresh => (0..)
            .map(request)
            .find(|id| !model.requests.contains_key(&key(*id)))
            .expect("a free block number"),
        Id::Known(k) if !model.requests.is_empty() => nth(k, model.requests.keys().collect()),
        Id::Known(_) => request(0),
        Id::Live(k) => {
            let live = model
                .requests
                .iter()
                .filter(|(_, r)| Some(r.status) == acts_on);
            let live: Vec<&Key> = live.map(|(key, _)| key).collect();
            if live.is_empty() {
                resolve_id(Id::Known(k), model, acts_on)
            } else {
                nth(k, live)
            }
        }
        Id::Any(chain_id, block_number) => ProofRequestIdentifier {
            chain_id,
            block_number,
        },
    }
}

fn actor(i: usize) -> AccountId {
    ACTORS[i % ACTORS.len()]
}

fn holder(i: usize, model: &Model) -> AccountId {
    ACTORS.get(i).map_or(model.manager, |a| *a)
}

fn address(a: Address) -> AccountId {
    match a {
        Address::Actor(i) => actor(i),
        Address::Zero => AccountId::from([0; 32]),
    }
}

fn offset(value: u128, offset: i8) -> u128 {
    match offset {
        o if o < 0 => value.saturating_sub(u128::from(o.unsigned_abs())),
        o => value.saturating_add(o as u128),
    }
}

impl Op {
    /// The caller and the concrete call this operation makes in `model`'s state.
    pub fn resolve(&self, model: &Model, world: &World) -> (AccountId, Call) {
        let who = |w: Who, right: AccountId| match w {
            Who::Right => right,
            Who::Actor(i) => actor(i),
        };
        let admin = |w: Who| who(w, model.admin);
        let submitter = |w: Who| who(w, model.submitter);
        // The assignee's current key; the submitter when there is none, a wrong caller.
        let assignee = |w: Who, id: ProofRequestIdentifier| {
            let request = model.requests.get(&key(id));
            let network = request.and_then(|r| r.assigned_to);
            who(
                w,
                network.map_or(model.submitter, |n| model.network(n).address),
            )
        };
        match *self {
            Op::UpdateAddress(w, n, a) => (admin(w), Call::UpdateAddress(n, address(a))),
            Op::UpdateStatus(w, n, s) => (admin(w), Call::UpdateStatus(n, s)),
            Op::UpdatePreferred(w, n) => (admin(w), Call::UpdatePreferred(n)),
            Op::Withdraw(w, asset, amount) => {
                let (token, held) = match asset {
                    Asset::Payment => (model.usdc, model.payment.balance(model.manager)),
                    Asset::Other => (model.other_token, model.other.balance(model.manager)),
                    Asset::NotAContract => (ACTORS[4], 0),
                    Asset::Manager => (model.manager, 0),
                };
                let amount = match amount {
                    Amount::Exact(amount) => amount,
                    Amount::Free {
                        reserved,
                        offset: o,
                    } => {
                        let mut free = held;
                        if asset == Asset::Payment {
                            free = free.saturating_sub(model.obligations());
                        }
                        if reserved {
                            let reserve = MAX_REWARD * u128::from(model.in_flight());
                            free = free.saturating_sub(reserve);
                        }
                        offset(free, o)
                    }
                };
                (admin(w), Call::Withdraw(token, amount))
            }
            Op::SetSubmitter(w, a) => (admin(w), Call::SetSubmitter(address(a))),
            Op::TransferAdmin(w, a) => (admin(w), Call::TransferAdmin(address(a))),
            Op::AcceptAdmin(w) => {
                let nominee = model.pending_admin.unwrap_or(model.admin);
                (who(w, nominee), Call::AcceptAdmin)
            }
            Op::SetCode(w, code) => {
                let hash = match code {
                    Code::Current => model.code,
                    Code::Other => {
                        let [first, second] = world.manager_codes;
                        if model.code == first {
                            second
                        } else {
                            first
                        }
                    }
                    Code::Unknown => Hash::from([0x42; 32]),
                };
                (admin(w), Call::SetCode(hash))
            }
            Op::Submit(w, id, ref params) => (
                submitter(w),
                Call::Submit(resolve_id(id, model, None), params.clone()),
            ),
            Op::Validate(w, id, valid) => {
                let id = resolve_id(id, model, Some(Status::Proven));
                (submitter(w), Call::Validate(id, valid))
            }
            Op::MarkUnacknowledged(w, id) => {
                let id = resolve_id(id, model, Some(Status::PendingAcknowledgement));
                (submitter(w), Call::MarkUnacknowledged(id))
            }
            Op::MarkTimedOut(w, id) => {
                let id = resolve_id(id, model, Some(Status::Committed));
                (submitter(w), Call::MarkTimedOut(id))
            }
            Op::Acknowledge(w, id, accept) => {
                let id = resolve_id(id, model, Some(Status::PendingAcknowledgement));
                (assignee(w, id), Call::Acknowledge(id, accept))
            }
            Op::Prove(w, id, len, reward) => {
                let id = resolve_id(id, model, Some(Status::Committed));
                let reward = match reward {
                    Reward::Exact(reward) => reward,
                    Reward::Max(o) => {
                        let request = model.requests.get(&key(id));
                        offset(request.map_or(MAX_REWARD, |r| r.params.max_reward), o)
                    }
                };
                (assignee(w, id), Call::Prove(id, len, reward))
            }
            Op::Claim(w, n) => (who(w, model.network(n).address), Call::Claim),
            Op::Mint(to, amount) => (ACTORS[0], Call::Mint(holder(to, model), amount)),
            Op::MintOther(amount) => (ACTORS[0], Call::MintOther(amount)),
            Op::Transfer(from, to, amount) => {
                (actor(from), Call::Transfer(holder(to, model), amount))
            }
            Op::SetTransfersEnabled(enabled) => (ACTORS[0], Call::SetTransfersEnabled(enabled)),
            Op::Time(Time::Advance(ms)) => (ACTORS[0], Call::SetTime(model.now + ms)),
            Op::Time(Time::Deadline {
                nth,
                proving,
                offset: o,
            }) => {
                let live = if proving {
                    Status::Committed
                } else {
                    Status::PendingAcknowledgement
                };
                let id = resolve_id(Id::Live(nth), model, Some(live));
                let target = model.requests.get(&key(id)).map_or(model.now, |r| {
                    let deadline = if proving {
                        r.proving_deadline()
                    } else {
                        r.ack_deadline()
                    };
                    offset(u128::from(deadline), o) as u64
                });
                (ACTORS[0], Call::SetTime(target.max(model.now)))
            }
        }
    }
}

// ----------------------------------------------------------------------------------------
// Strategies
// ----------------------------------------------------------------------------------------

/// Mostly the right caller, otherwise any actor (possibly the right one by chance).
fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        8 => Just(Who::Right),
        2 => (0..ACTORS.len()).prop_map(Who::Actor),
    ]
}

fn any_id() -> impl Strategy<Value = Id> {
    prop_oneof![
        Just(Id::Any(u64::MAX, u64::MAX)),
        Just(Id::Any(0, 0)),
        (any::<u64>(), any::<u64>()).prop_map(|(c, b)| Id::Any(c, b)),
    ]
}

/// For submissions: mostly new, sometimes taken or from the pool.
fn new_id() -> impl Strategy<Value = Id> {
    prop_oneof![
        12 => Just(Id::Fresh),
        4 => (0..6u64).prop_map(Id::Pool),
        2 => any::<usize>().prop_map(Id::Known),
        1 => any_id(),
    ]
}

/// For the other messages: mostly a request in the state they act on, otherwise any stored
/// request, the pool, or an unknown one.
fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        12 => any::<usize>().prop_map(Id::Live),
        4 => any::<usize>().prop_map(Id::Known),
        2 => (0..6u64).prop_map(Id::Pool),
        1 => any_id(),
    ]
}

fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        3 => Just(Code::Other),
        1 => Just(Code::Current),
        1 => Just(Code::Unknown),
    ]
}

fn network() -> impl Strategy<Value = ProvingNetwork> {
    prop_oneof![Just(ProvingNetwork::Fermah), Just(ProvingNetwork::Lagrange)]
}

fn address_arg() -> impl Strategy<Value = Address> {
    prop_oneof![
        9 => (0..ACTORS.len()).prop_map(Address::Actor),
        1 => Just(Address::Zero),
    ]
}

fn offset_arg() -> impl Strategy<Value = i8> {
    prop_oneof![Just(-1i8), Just(0), Just(1)]
}

fn tokens_amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        4 => (1..=200u128).prop_map(|t| t * TOKEN),
        2 => (1..=40u128).prop_map(|n| n * MAX_REWARD),
        1 => 0..=10 * TOKEN,
        1 => Just(0u128),
    ]
}

/// Valid most of the time; otherwise one argument at or past a bound.
fn params() -> impl Strategy<Value = Params> {
    let version = (0..3u32, 0..40u32, any::<u32>());
    let valid_timeout = prop_oneof![
        Just(ACK_TIMEOUT + 1),
        Just(MAX_TIMEOUT_AFTER),
        ACK_TIMEOUT + 1..=MAX_TIMEOUT_AFTER,
        ACK_TIMEOUT + 1..=3 * ACK_TIMEOUT,
    ];
    let valid_reward = prop_oneof![Just(1u128), Just(MAX_REWARD), 1..=MAX_REWARD];
    let valid_url = prop_oneof![
        4 => 0..64usize,
        1 => Just(MAX_PROOF_INPUTS_URL_LEN as usize),
    ];
    let timeout = prop_oneof![
        19 => valid_timeout,
        1 => prop_oneof![
            Just(0u64),
            Just(ACK_TIMEOUT),
            Just(MAX_TIMEOUT_AFTER + 1),
            Just(u64::MAX),
        ],
    ];
    let reward = prop_oneof![
        19 => valid_reward,
        1 => prop_oneof![Just(0u128), Just(MAX_REWARD + 1), Just(u128::MAX)],
    ];
    let url = prop_oneof![
        19 => valid_url,
        1 => Just(MAX_PROOF_INPUTS_URL_LEN as usize + 1),
    ];
    (version, url, timeout, reward).prop_map(|(version, url_len, timeout_after, max_reward)| {
        Params {
            version,
            url_len,
            timeout_after,
            max_reward,
        }
    })
}

fn proof_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        20 => 1..=64usize,
        3 => Just(0usize),
        1 => Just(MAX_PROOF_LEN as usize),
        1 => Just(MAX_PROOF_LEN as usize + 1),
    ]
}

fn reward() -> impl Strategy<Value = Reward> {
    prop_oneof![
        4 => (0..=MAX_REWARD).prop_map(Reward::Exact),
        3 => offset_arg().prop_map(Reward::Max),
        1 => prop_oneof![Just(0u128), Just(1), Just(u128::MAX)].prop_map(Reward::Exact),
    ]
}

fn withdrawal() -> impl Strategy<Value = (Asset, Amount)> {
    let asset = prop_oneof![
        6 => Just(Asset::Payment),
        2 => Just(Asset::Other),
        1 => Just(Asset::NotAContract),
        1 => Just(Asset::Manager),
    ];
    let amount = prop_oneof![
        4 => (any::<bool>(), offset_arg()).prop_map(|(reserved, offset)| Amount::Free { reserved, offset }),
        1 => tokens_amount().prop_map(Amount::Exact),
        1 => Just(Amount::Exact(u128::MAX)),
    ];
    (asset, amount)
}

fn time() -> impl Strategy<Value = Time> {
    prop_oneof![
        6 => (any::<usize>(), any::<bool>(), offset_arg()).prop_map(|(nth, proving, offset)| {
            Time::Deadline { nth, proving, offset }
        }),
        3 => (1..=5_000u64).prop_map(Time::Advance),
        1 => (ACK_TIMEOUT - 2..=ACK_TIMEOUT + 2).prop_map(Time::Advance),
        1 => (1..=2 * MAX_TIMEOUT_AFTER).prop_map(Time::Advance),
    ]
}

/// One operation, weighted towards the lifecycle (submit, acknowledge, prove, validate, claim)
/// so that sequences reach every state, with every other message and the clock in between.
pub fn op() -> impl Strategy<Value = Op> {
    let holder = 0..=ACTORS.len();
    let status = prop_oneof![
        Just(ProvingNetworkStatus::Active),
        Just(ProvingNetworkStatus::Inactive)
    ];
    let preferred = prop_oneof![
        3 => network().prop_map(Some),
        1 => Just(None),
    ];
    prop_oneof![
        14 => (who(), new_id(), params()).prop_map(|(w, id, p)| Op::Submit(w, id, p)),
        10 => (who(), id(), prop::bool::weighted(0.85)).prop_map(|(w, id, a)| Op::Acknowledge(w, id, a)),
        10 => (who(), id(), proof_len(), reward()).prop_map(|(w, id, len, r)| Op::Prove(w, id, len, r)),
        8 => (who(), id(), prop::bool::weighted(0.8)).prop_map(|(w, id, v)| Op::Validate(w, id, v)),
        5 => (who(), network()).prop_map(|(w, n)| Op::Claim(w, n)),
        3 => (who(), id()).prop_map(|(w, id)| Op::MarkUnacknowledged(w, id)),
        3 => (who(), id()).prop_map(|(w, id)| Op::MarkTimedOut(w, id)),
        12 => time().prop_map(Op::Time),
        5 => (prop_oneof![3 => Just(ACTORS.len()), 1 => holder.clone()], tokens_amount())
            .prop_map(|(to, amount)| Op::Mint(to, amount)),
        1 => tokens_amount().prop_map(Op::MintOther),
        2 => (0..ACTORS.len(), holder, tokens_amount()).prop_map(|(f, t, a)| Op::Transfer(f, t, a)),
        2 => prop::bool::weighted(0.75).prop_map(Op::SetTransfersEnabled),
        3 => (who(), preferred).prop_map(|(w, n)| Op::UpdatePreferred(w, n)),
        2 => (who(), network(), status).prop_map(|(w, n, s)| Op::UpdateStatus(w, n, s)),
        2 => (who(), network(), address_arg()).prop_map(|(w, n, a)| Op::UpdateAddress(w, n, a)),
        4 => (who(), withdrawal()).prop_map(|(w, (asset, amount))| Op::Withdraw(w, asset, amount)),
        1 => (who(), address_arg()).prop_map(|(w, a)| Op::SetSubmitter(w, a)),
        1 => (who(), address_arg()).prop_map(|(w, a)| Op::TransferAdmin(w, a)),
        1 => who().prop_map(Op::AcceptAdmin),
        2 => (who(), code()).prop_map(|(w, code)| Op::SetCode(w, code)),
    ]
}
