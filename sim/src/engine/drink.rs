//! The drink engine for the contract's own policy: the release bundles on drink's embedded
//! chain, simulated time moved one block at a time, the agents of `proof_manager_agent` (the
//! submitter and both networks) with synthetic acknowledgements, provers and a verifier drawn
//! from the same per-batch plans as the model engine. Every action is a real contract call;
//! the run records their summed ref_time, proof_size and storage deposit.
//!
//! The admin is the simulator itself: it marks a network Inactive `detect_after` into an outage
//! and Active at its end, and at each month boundary runs the auditor library on the chain's
//! own events and applies its recommendation with `update_preferred_proving_network`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use proof_manager::{
    ManagerEvent, ProofRequestStatus as Status, ProvingNetwork, ProvingNetworkStatus, ACK_TIMEOUT,
};
use proof_manager_agent::drink::{share, DrinkChain, SharedChain};
use proof_manager_agent::{
    AckPlan, AckPolicy, AgentError, ClaimPolicy, Id, Net, NetworkAgent, NetworkConfig, ProveJob,
    ScriptedProver, ScriptedVerifier, SubmitterAgent, SubmitterConfig,
};
use proof_manager_audit::timeline::At;
use proof_manager_audit::{month_report, Cursor, History, Month, ReportOptions, Window};
use proof_manager_e2e::{Chain, ADMIN, FERMAH, LAGRANGE, SUBMITTER, TOKEN};

use super::model::{block_at, network_of, request, PROOF_LEN, PROTOCOL};
use crate::error::{Error, Result};
use crate::plan::{arrivals, in_outage, Plan};
use crate::progress::Progress;
use crate::record::{Batch, Costs, Outcome, Reason, Run};
use crate::scenario::{Scenario, START_MS};

/// Blocks between compactions of the chain's state (see `Chain::compact`).
const COMPACT_EVERY: u64 = 64;

fn agent_error(who: &str) -> impl Fn(AgentError) -> Error + '_ {
    move |e| Error::Drink(format!("{who}: {e}"))
}

/// A network's acknowledgements, from the batch's plan: silent in an outage, else refuse or
/// accept after the planned delay.
struct SyntheticAck {
    scenario: Rc<Scenario>,
    arrivals: Rc<Vec<u64>>,
    network: usize,
}

impl AckPolicy for SyntheticAck {
    fn plan(&mut self, id: Id) -> AckPlan {
        let sc = &self.scenario;
        let batch = id.block_number;
        let plan = Plan::draw(sc, batch, self.network);
        let submitted = block_at(sc, self.arrivals[batch as usize]);
        let at = block_at(sc, submitted + plan.ack_delay_ms);
        if in_outage(&sc.networks[self.network].outages, at) {
            AckPlan::Ignore
        } else if plan.refuse {
            AckPlan::Refuse {
                after_ms: plan.ack_delay_ms,
            }
        } else {
            AckPlan::Accept {
                after_ms: plan.ack_delay_ms,
            }
        }
    }
}

/// The proof a network delivers: its index in the first byte, for the verifier's plan.
fn proof(network: usize) -> Vec<u8> {
    vec![network as u8 + 1; PROOF_LEN]
}

fn prover(scenario: Rc<Scenario>, network: usize) -> ScriptedProver {
    ScriptedProver::new(Box::new(move |job: &ProveJob| {
        let sc = &scenario;
        let plan = Plan::draw(sc, job.id.block_number, network);
        let submitted = job.deadline - sc.batches.timeout_after_ms;
        let acknowledged = block_at(sc, submitted + plan.ack_delay_ms);
        let done = block_at(sc, acknowledged + plan.proving_ms);
        if in_outage(&sc.networks[network].outages, done) {
            (plan.proving_ms, Err("the network is down".into()))
        } else {
            (plan.proving_ms, Ok(proof(network)))
        }
    }))
}

fn verifier(scenario: Rc<Scenario>) -> ScriptedVerifier {
    ScriptedVerifier(Box::new(move |id: Id, proof: &[u8]| {
        let network = proof.first().map_or(0, |b| b.saturating_sub(1)) as usize;
        Ok(!Plan::draw(&scenario, id.block_number, network).invalid)
    }))
}

/// The auditor's history of everything the chain's manager emitted so far.
fn history(chain: &Chain) -> History {
    let mut history = History::default();
    for e in chain
        .event_log()
        .iter()
        .filter(|e| e.event.contract == chain.manager)
    {
        if let Ok(event) = ManagerEvent::decode(&e.event.topics, &e.event.data) {
            let at = At {
                block_number: e.block_number,
                event_index: e.event_index,
                time_ms: e.block_time_ms,
            };
            history.push(at, event);
        }
    }
    history
}

fn reason(label: &str) -> Reason {
    match label {
        "refused at assignment" => Reason::RefusedAtAssignment,
        "refused by the network" => Reason::Refused,
        "unacknowledged" => Reason::Unacknowledged,
        "timed out" => Reason::TimedOut,
        "validation failed" => Reason::ValidationFailed,
        _ => Reason::NoFunds,
    }
}

/// The agents' state files, in a directory of their own removed when the run ends.
struct StateDir(PathBuf);

impl StateDir {
    fn new() -> Result<StateDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("proof-manager-sim-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Drink(format!("creating {}: {e}", dir.display())))?;
        Ok(StateDir(dir))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(format!("{name}.sqlite"))
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct World {
    scenario: Rc<Scenario>,
    chain: SharedChain,
    submitter: SubmitterAgent<DrinkChain>,
    networks: Vec<NetworkAgent<DrinkChain>>,
    preferred_changes: Vec<(u64, Option<String>)>,
}

impl World {
    fn new(scenario: Rc<Scenario>, arrivals: Rc<Vec<u64>>, dir: &StateDir) -> Result<World> {
        let mut chain = Chain::new();
        chain.fund(scenario.funding_tokens * TOKEN);
        let preferred = scenario.preferred.map(network_of);
        chain
            .update_preferred_proving_network(ADMIN, preferred)
            .map_err(|e| Error::Drink(format!("setting the preferred network: {e:?}")))?;
        let chain = share(chain);
        let submitter = SubmitterAgent::open(
            &dir.file("submitter"),
            DrinkChain::new(chain.clone(), SUBMITTER),
            SubmitterConfig {
                protocol: PROTOCOL,
                timeout_after: scenario.batches.timeout_after_ms,
                max_reward: scenario.batches.max_reward,
                funds_retry_ms: scenario.block_ms,
            },
            Box::new(verifier(scenario.clone())),
            None,
            None,
        )
        .map_err(agent_error("opening the submitter"))?;
        let mut networks = Vec::new();
        for (n, account) in [FERMAH, LAGRANGE].into_iter().enumerate() {
            let spec = &scenario.networks[n];
            let config = NetworkConfig {
                network: Net::from(network_of(n)),
                account,
                max_concurrent: spec.capacity as usize,
                price_ppm: (spec.price * 1_000_000.0).round() as u32,
                claim: ClaimPolicy {
                    at: None,
                    every_ms: Some(spec.claim_interval_ms),
                },
            };
            let agent = NetworkAgent::open(
                &dir.file(&format!("network-{n}")),
                DrinkChain::new(chain.clone(), account),
                config,
                Box::new(SyntheticAck {
                    scenario: scenario.clone(),
                    arrivals: arrivals.clone(),
                    network: n,
                }),
                Box::new(prover(scenario.clone(), n)),
                None,
            )
            .map_err(agent_error("opening a network agent"))?;
            networks.push(agent);
        }
        let name = preferred.map(|n| scenario.networks[n as usize].name.clone());
        Ok(World {
            scenario,
            chain,
            submitter,
            networks,
            preferred_changes: vec![(START_MS, name)],
        })
    }

    fn step_agents(&mut self) -> Result<()> {
        self.submitter
            .step()
            .map_err(agent_error("the submitter"))?;
        for agent in &mut self.networks {
            agent.step().map_err(agent_error("a network agent"))?;
        }
        Ok(())
    }

    /// The month's report on the chain's own events, and its recommendation applied.
    fn month_end(&mut self, now: u64) -> Result<()> {
        let mut chain = self.chain.borrow_mut();
        let mut history = history(&chain);
        let block = chain.last_closed_block().map_or(1, |(n, _)| n + 1);
        history.window = Some(Window {
            first: Cursor {
                block_number: 1,
                block_time_ms: START_MS,
            },
            last: Cursor {
                block_number: block,
                block_time_ms: now,
            },
        });
        let month = Month::of(now - 1);
        let report = month_report(&history, chain.manager.0, month, &ReportOptions::default())
            .map_err(|e| Error::Drink(format!("the auditor's report of {month}: {e}")))?;
        if report.details.change_needed && report.recommended_preferred.is_some() {
            let recommended = report.recommended_preferred;
            chain
                .update_preferred_proving_network(ADMIN, recommended)
                .map_err(|e| Error::Drink(format!("applying the recommendation: {e:?}")))?;
            let name = recommended.map(|n| self.scenario.networks[n as usize].name.clone());
            self.preferred_changes.push((now, name));
        }
        Ok(())
    }
}

/// The blocks in which anything can happen, each followed by the blocks the agents need to see
/// it (an event is read in the block after its own). The clock jumps between them, as the
/// agents allow; an empty block changes nothing. What is known before the run is scheduled at
/// once (arrivals, claims, admin changes, month boundaries); a request's own moments (its
/// deadlines, its network's acknowledgement and proof) once its `ProofRequestSubmitted` shows
/// when it was stored and to whom: only the assigned network's plan can act on it, and the
/// other network's plan would add a third more blocks.
struct Wakes {
    at: std::collections::BTreeSet<u64>,
    block_ms: u64,
    stop: u64,
    /// The chain's event log up to here is scheduled.
    seen: usize,
}

impl Wakes {
    fn new(sc: &Scenario, arrivals: &[u64], stop: u64) -> Wakes {
        let mut wakes = Wakes {
            at: std::collections::BTreeSet::new(),
            block_ms: sc.block_ms,
            stop,
            seen: 0,
        };
        for &arrival in arrivals {
            wakes.add(block_at(sc, arrival), 2);
        }
        for spec in &sc.networks {
            let mut t = START_MS + spec.claim_interval_ms;
            while t <= stop {
                wakes.add(block_at(sc, t), 2);
                t += spec.claim_interval_ms;
            }
            for outage in &spec.outages {
                wakes.add(block_at(sc, outage.start_ms + spec.detect_after_ms), 2);
                wakes.add(block_at(sc, outage.end_ms), 2);
            }
        }
        let mut month = Month::of(START_MS).next();
        while month.start_ms() <= sc.end_ms() {
            wakes.add(block_at(sc, month.start_ms()), 2);
            month = month.next();
        }
        wakes.add(block_at(sc, stop), 0);
        wakes
    }

    /// The block at `at` and the `after` blocks that follow it.
    fn add(&mut self, at: u64, after: u64) {
        for k in 0..=after {
            let t = at + k * self.block_ms;
            if t > START_MS && t <= self.stop {
                self.at.insert(t);
            }
        }
    }

    /// Schedules the requests the chain stored since the last call.
    fn schedule_requests(&mut self, sc: &Scenario, chain: &Chain) {
        let log = chain.event_log();
        for e in &log[self.seen..] {
            if e.event.contract != chain.manager {
                continue;
            }
            let Ok(ManagerEvent::ProofRequestSubmitted(r)) =
                ManagerEvent::decode(&e.event.topics, &e.event.data)
            else {
                continue;
            };
            let submitted = e.block_time_ms;
            self.add(block_at(sc, submitted + ACK_TIMEOUT + 1), 2);
            self.add(block_at(sc, submitted + r.timeout_after + 1), 2);
            let Some(assignee) = r.assigned_to.filter(|_| r.status != Status::Refused) else {
                continue;
            };
            let n = usize::from(assignee != ProvingNetwork::Fermah);
            let plan = Plan::draw(sc, r.block_number, n);
            let acknowledged = block_at(sc, submitted + plan.ack_delay_ms);
            self.add(acknowledged, 2);
            self.add(block_at(sc, acknowledged + plan.proving_ms), 3);
            self.add(
                block_at(sc, acknowledged + self.block_ms + plan.proving_ms),
                3,
            );
        }
        self.seen = log.len();
    }

    /// The first scheduled block after `t`.
    fn next_after(&mut self, t: u64) -> Option<u64> {
        while let Some(wake) = self.at.pop_first() {
            if wake > t {
                return Some(wake);
            }
        }
        None
    }
}

/// Runs the scenario's baseline policy on the release bundles with the agents.
///
/// # Errors
/// `Drink` when an agent or an admin call fails.
pub fn run_baseline(scenario: &Scenario, progress: &mut Progress) -> Result<Run> {
    let sc = Rc::new(scenario.clone());
    let arrivals = Rc::new(arrivals(&sc));
    let dir = StateDir::new()?;
    let mut world = World::new(sc.clone(), arrivals.clone(), &dir)?;
    let start_costs = world.chain.borrow().call_totals();
    // Admin status changes by block time.
    let mut changes: Vec<(u64, usize, bool)> = Vec::new();
    for (n, spec) in sc.networks.iter().enumerate() {
        for outage in &spec.outages {
            let detected = outage.start_ms + spec.detect_after_ms;
            if detected < outage.end_ms {
                changes.push((block_at(&sc, detected), n, false));
                changes.push((block_at(&sc, outage.end_ms), n, true));
            }
        }
    }
    changes.sort();
    let mut changes = changes.into_iter().peekable();
    let mut boundary = Month::of(START_MS).next().start_ms();
    let longest_claim = sc
        .networks
        .iter()
        .map(|n| n.claim_interval_ms)
        .max()
        .unwrap_or(0);
    let stop = sc.end_ms() + sc.batches.timeout_after_ms + sc.fallback.latency_ms + longest_claim;
    let mut wakes = Wakes::new(&sc, &arrivals, stop);
    let mut next = 0usize;
    let mut steps = 0u64;
    let mut t = START_MS;
    loop {
        if t > START_MS {
            world.chain.borrow_mut().set_time(t);
        }
        while let Some(&(_, n, active)) = changes.peek().filter(|c| c.0 <= t) {
            changes.next();
            let status = if active {
                ProvingNetworkStatus::Active
            } else {
                ProvingNetworkStatus::Inactive
            };
            world
                .chain
                .borrow_mut()
                .update_proving_network_status(ADMIN, network_of(n), status)
                .map_err(|e| Error::Drink(format!("marking a network {status:?}: {e:?}")))?;
        }
        if t >= boundary && boundary <= sc.end_ms() {
            world.month_end(t)?;
            boundary = Month::of(boundary).next().start_ms();
        }
        while next < arrivals.len() && arrivals[next] <= t {
            let id = Id::from(request(next as u64));
            world
                .submitter
                .enqueue(id, &format!("https://inputs.example/1/{next}"))
                .map_err(agent_error("queueing a batch"))?;
            next += 1;
        }
        world.step_agents()?;
        steps += 1;
        if steps.is_multiple_of(COMPACT_EVERY) {
            world.chain.borrow_mut().compact();
        }
        progress.at(t);
        wakes.schedule_requests(&sc, &world.chain.borrow());
        match wakes.next_after(t) {
            Some(wake) => t = wake,
            None => break,
        }
    }
    let end_costs = world.chain.borrow().call_totals();
    let fallbacks: BTreeMap<u64, (Reason, u64)> = world
        .submitter
        .store()
        .fallbacks()
        .map_err(|e| Error::Drink(format!("reading the fallbacks: {e}")))?
        .into_iter()
        .map(|(f, _)| (f.id.block_number, (reason(&f.reason), f.time_ms)))
        .collect();
    let chain = world.chain.borrow();
    let mut validated_at: BTreeMap<u64, u64> = BTreeMap::new();
    for e in chain
        .event_log()
        .iter()
        .filter(|e| e.event.contract == chain.manager)
    {
        if let Ok(ManagerEvent::ProofValidationResult(v)) =
            ManagerEvent::decode(&e.event.topics, &e.event.data)
        {
            if v.is_proof_valid {
                validated_at.insert(v.block_number, e.block_time_ms);
            }
        }
    }
    drop(chain);
    let mut batches = Vec::with_capacity(arrivals.len());
    for (b, &arrival_ms) in arrivals.iter().enumerate() {
        let stored = world.chain.borrow_mut().proof_request(request(b as u64));
        let network = stored.as_ref().and_then(|r| r.assigned_to).map(|n| n as u8);
        let batch = match (
            fallbacks.get(&(b as u64)),
            validated_at.get(&(b as u64)),
            &stored,
        ) {
            (Some(&(reason, at)), _, _) => Batch {
                arrival_ms,
                network,
                outcome: Outcome::Fallback(reason),
                done_ms: at + sc.fallback.latency_ms,
                paid: 0,
            },
            (None, Some(&at), Some(r)) if matches!(r.status, Status::Validated | Status::Paid) => {
                Batch {
                    arrival_ms,
                    network,
                    outcome: Outcome::Validated,
                    done_ms: at,
                    paid: r.requested_reward,
                }
            }
            _ => {
                return Err(Error::Drink(format!(
                    "batch {b} is neither validated nor handed to the fallback at the end: {:?}",
                    stored.map(|r| r.status)
                )))
            }
        };
        batches.push(batch);
    }
    Ok(Run {
        policy: "baseline".into(),
        engine: "drink",
        networks: sc.networks.iter().map(|n| n.name.clone()).collect(),
        batches,
        preferred_changes: world.preferred_changes,
        burnt: 0,
        stake_offset: 0,
        costs: Some(Costs {
            calls: end_costs.calls - start_costs.calls,
            ref_time: end_costs.ref_time - start_costs.ref_time,
            proof_size: end_costs.proof_size - start_costs.proof_size,
            storage_deposit: end_costs.storage_deposit - start_costs.storage_deposit,
        }),
    })
}
