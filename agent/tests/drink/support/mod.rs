//! A scripted world for the agents' tests: one drink chain, the submitter and both networks'
//! agents with scripted acknowledgements, provers and a scripted verifier, each agent's chain
//! with the faults a test asks for, and a clock moved in fixed steps while batches arrive.

pub mod checks;
pub mod faults;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use proof_manager_agent::drink::{share, DrinkChain, SharedChain};
use proof_manager_agent::*;
use proof_manager_e2e::{funded_chain, FERMAH, LAGRANGE, MAX_REWARD, SUBMITTER};

use faults::{fault_state, Faults, FaultyChain, Injected, SharedFaults};

/// Fermah's acknowledgement of batch `b`: refuses 1 in 11, ignores 1 in 17, else accepts after
/// 5 s.
pub fn fermah_ack(b: u64) -> AckPlan {
    if b % 11 == 3 {
        AckPlan::Refuse { after_ms: 5_000 }
    } else if b % 17 == 5 {
        AckPlan::Ignore
    } else {
        AckPlan::Accept { after_ms: 5_000 }
    }
}

/// Fermah's prover on batch `b`: fails 1 in 19 after a minute, takes 2 h (past the 1 h window)
/// 1 in 23, else 10 minutes.
pub fn fermah_proof(b: u64) -> (u64, Result<Vec<u8>, String>) {
    if b % 19 == 7 {
        (60_000, Err("the prover crashed".into()))
    } else if b % 23 == 9 {
        (7_200_000, Ok(proof(b)))
    } else {
        (600_000, Ok(proof(b)))
    }
}

/// Lagrange accepts after 10 s and proves in 20 minutes.
pub fn lagrange_ack(_b: u64) -> AckPlan {
    AckPlan::Accept { after_ms: 10_000 }
}

pub fn lagrange_proof(b: u64) -> (u64, Result<Vec<u8>, String>) {
    (1_200_000, Ok(proof(b)))
}

/// The verifier finds 1 in 13 proofs invalid.
pub fn valid(b: u64) -> bool {
    !b.is_multiple_of(13)
}

pub fn proof(b: u64) -> Vec<u8> {
    format!("proof of batch {b}").into_bytes()
}

/// What the scenario's rules imply for batch `b` once it went to `network`: `None` validated,
/// else the fallback reason's label.
pub fn expected_outcome(b: u64, network: Option<Net>) -> Option<String> {
    let reason = match network {
        None => Reason::RefusedAtAssignment,
        Some(Net::Fermah) => match fermah_ack(b) {
            AckPlan::Refuse { .. } => Reason::Refused,
            AckPlan::Ignore => Reason::Unacknowledged,
            AckPlan::Accept { .. } => match fermah_proof(b) {
                (_, Err(_)) => Reason::TimedOut,
                (duration, _) if duration > 3_600_000 => Reason::TimedOut,
                _ if !valid(b) => Reason::ValidationFailed,
                _ => return None,
            },
        },
        Some(Net::Lagrange) if !valid(b) => Reason::ValidationFailed,
        Some(Net::Lagrange) => return None,
    };
    Some(reason.label())
}

struct Script(fn(u64) -> AckPlan);

impl AckPolicy for Script {
    fn plan(&mut self, id: Id) -> AckPlan {
        (self.0)(id.block_number)
    }
}

/// A prover that outlives the agent using it, as a proving cluster outlives its agent's
/// restarts.
#[derive(Clone)]
pub struct SharedProver(pub Rc<RefCell<ScriptedProver>>);

impl Prover for SharedProver {
    fn start(&mut self, job: &ProveJob, now_ms: u64) {
        self.0.borrow_mut().start(job, now_ms)
    }

    fn poll(&mut self, now_ms: u64) -> Vec<(Id, Result<Vec<u8>, String>)> {
        self.0.borrow_mut().poll(now_ms)
    }

    fn next_ready(&self) -> Option<u64> {
        self.0.borrow().next_ready()
    }
}

/// A scripted prover's duration and result for a batch.
type ProofScript = fn(u64) -> (u64, Result<Vec<u8>, String>);

pub fn scripted_prover(f: ProofScript) -> SharedProver {
    SharedProver(Rc::new(RefCell::new(ScriptedProver::new(Box::new(
        move |job: &ProveJob| f(job.id.block_number),
    )))))
}

pub fn submitter_config() -> SubmitterConfig {
    SubmitterConfig {
        protocol: (0, 27, 0),
        timeout_after: 3_600_000,
        max_reward: MAX_REWARD,
        funds_retry_ms: 60_000,
    }
}

pub fn network_config(network: Net) -> NetworkConfig {
    NetworkConfig {
        network,
        account: match network {
            Net::Fermah => FERMAH,
            Net::Lagrange => LAGRANGE,
        },
        max_concurrent: 64,
        price_ppm: 800_000,
        claim: ClaimPolicy {
            at: None,
            every_ms: Some(7_200_000),
        },
    }
}

/// Where each agent stops once (fault injection), for the crash tests.
#[derive(Clone, Copy, Default)]
pub struct Halts {
    pub submitter: Option<Halt>,
    pub fermah: Option<Halt>,
    pub lagrange: Option<Halt>,
}

/// The world: the chain, the agents and their state files.
pub struct World {
    pub chain: SharedChain,
    pub dir: tempfile::TempDir,
    pub submitter: Option<SubmitterAgent<FaultyChain>>,
    pub fermah: Option<NetworkAgent<FaultyChain>>,
    pub lagrange: Option<NetworkAgent<FaultyChain>>,
    provers: [SharedProver; 2],
    /// Each agent's faults (submitter, Fermah, Lagrange), kept across its reopenings.
    pub faults: [SharedFaults; 3],
    /// Fermah's and Lagrange's configurations, read at each opening.
    pub configs: [NetworkConfig; 2],
    /// The submitter's `--on-fallback`, read at each opening.
    pub on_fallback: Option<(String, std::time::Duration)>,
    /// Each agent's metrics (submitter, Fermah, Lagrange), given at each opening.
    pub metrics: [Option<std::sync::Arc<proof_manager_agent::metrics::AgentMetrics>>; 3],
    /// How many times an agent halted and was reopened.
    pub restarts: usize,
    /// How many times an agent met a node error and was reopened, as the service does.
    pub reopened: usize,
    pub notes: Vec<String>,
}

impl World {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.sqlite"))
    }

    pub fn new(tokens: u128, halts: Halts) -> World {
        World::with_faults(tokens, halts, Faults::none())
    }

    /// A world whose agents' chains fail with `faults` (each agent from its own seed).
    pub fn with_faults(tokens: u128, halts: Halts, faults: Faults) -> World {
        let chain = share(funded_chain(tokens));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let provers = [
            scripted_prover(fermah_proof),
            scripted_prover(lagrange_proof),
        ];
        let mut world = World {
            chain,
            dir,
            submitter: None,
            fermah: None,
            lagrange: None,
            provers,
            faults: [0, 1, 2].map(|i| fault_state(faults.seeded(faults.seed * 3 + i))),
            configs: [network_config(Net::Fermah), network_config(Net::Lagrange)],
            on_fallback: None,
            metrics: [None, None, None],
            restarts: 0,
            reopened: 0,
            notes: Vec::new(),
        };
        world.open_submitter(halts.submitter);
        world.open_network(Net::Fermah, halts.fermah);
        world.open_network(Net::Lagrange, halts.lagrange);
        world
    }

    /// The faults injected so far, summed over the agents.
    pub fn injected(&self) -> Injected {
        let mut sum = Injected::default();
        for state in &self.faults {
            let i = state.borrow().injected;
            sum.drops += i.drops;
            sum.lost_replies += i.lost_replies;
            sum.delays += i.delays;
            sum.read_failures += i.read_failures;
        }
        sum
    }

    fn chain_of(&self, role: usize, account: ink::primitives::AccountId) -> FaultyChain {
        FaultyChain::new(
            DrinkChain::new(self.chain.clone(), account),
            self.faults[role].clone(),
        )
    }

    pub fn open_submitter(&mut self, halt: Option<Halt>) {
        let verifier = ScriptedVerifier(Box::new(|id: Id, _: &[u8]| Ok(valid(id.block_number))));
        let agent = SubmitterAgent::open(
            &self.path("submitter"),
            self.chain_of(0, SUBMITTER),
            submitter_config(),
            Box::new(verifier),
            self.on_fallback.clone(),
            halt,
        );
        let mut agent = agent.expect("opening the submitter");
        if let Some(metrics) = &self.metrics[0] {
            agent.set_metrics(metrics.clone());
        }
        self.submitter = Some(agent);
    }

    pub fn open_network(&mut self, network: Net, halt: Option<Halt>) {
        let prover = match network {
            Net::Fermah => self.provers[0].clone(),
            Net::Lagrange => self.provers[1].clone(),
        };
        self.open_network_with(network, halt, Box::new(prover));
    }

    /// Opens a network's agent with `prover` instead of its scripted one.
    pub fn open_network_with(&mut self, network: Net, halt: Option<Halt>, prover: Box<dyn Prover>) {
        let (ack, name, role): (fn(u64) -> AckPlan, _, _) = match network {
            Net::Fermah => (fermah_ack, "fermah", 1),
            Net::Lagrange => (lagrange_ack, "lagrange", 2),
        };
        let config = self.configs[role - 1].clone();
        let agent = NetworkAgent::open(
            &self.path(name),
            self.chain_of(role, config.account),
            config,
            Box::new(Script(ack)),
            prover,
            halt,
        )
        .expect("opening a network agent");
        let mut agent = agent;
        if let Some(metrics) = &self.metrics[role] {
            agent.set_metrics(metrics.clone());
        }
        match network {
            Net::Fermah => self.fermah = Some(agent),
            Net::Lagrange => self.lagrange = Some(agent),
        }
    }

    /// Steps every agent once. An agent that halts is dropped and opened again from its state
    /// file, without a halt, and stepped again; one that meets a node error is dropped and
    /// opened again as the service does, and goes on at the next step.
    pub fn step_agents(&mut self) {
        loop {
            let submitter = self.submitter.as_mut().expect("a submitter");
            match submitter.step() {
                Ok(report) => {
                    self.notes
                        .extend(report.notes.iter().map(ToString::to_string));
                    break;
                }
                Err(AgentError::Halted(_)) => {
                    self.submitter = None;
                    self.restarts += 1;
                    self.open_submitter(None);
                }
                Err(e) if e.is_transient() => {
                    self.submitter = None;
                    self.reopened += 1;
                    self.open_submitter(None);
                    break;
                }
                Err(e) => panic!("the submitter failed: {e}"),
            }
        }
        for network in [Net::Fermah, Net::Lagrange] {
            loop {
                let agent = match network {
                    Net::Fermah => self.fermah.as_mut(),
                    Net::Lagrange => self.lagrange.as_mut(),
                };
                let (reopen, again) = match agent.expect("a network agent").step() {
                    Ok(report) => {
                        self.notes
                            .extend(report.notes.iter().map(ToString::to_string));
                        break;
                    }
                    Err(AgentError::Halted(_)) => {
                        self.restarts += 1;
                        (true, true)
                    }
                    Err(e) if e.is_transient() => {
                        self.reopened += 1;
                        (true, false)
                    }
                    Err(e) => panic!("{network:?}'s agent failed: {e}"),
                };
                if reopen {
                    match network {
                        Net::Fermah => self.fermah = None,
                        Net::Lagrange => self.lagrange = None,
                    }
                    self.open_network(network, None);
                }
                if !again {
                    break;
                }
            }
        }
    }

    /// Runs the clock from now for `duration_ms` in steps of `step_ms`, queueing `batches`
    /// batches (block numbers from `first`) one every `interval_ms`.
    pub fn run(
        &mut self,
        first: u64,
        batches: u64,
        interval_ms: u64,
        step_ms: u64,
        duration_ms: u64,
    ) {
        let start = self.chain.borrow_mut().now();
        let mut next = 0;
        let mut t = 0;
        while t <= duration_ms {
            while next < batches && next * interval_ms <= t {
                let b = first + next;
                self.submitter
                    .as_mut()
                    .expect("a submitter")
                    .enqueue(
                        Id {
                            chain_id: 1,
                            block_number: b,
                        },
                        &format!("https://inputs.example/1/{b}"),
                    )
                    .expect("a valid batch");
                next += 1;
            }
            self.step_agents();
            t += step_ms;
            self.chain.borrow_mut().set_time(start + t);
        }
    }
}

/// The `Chain` methods a test wrapper passes to its `inner` chain unchanged: every one but
/// `send` and `blocks_after`, which each wrapper writes itself. Expands inside `impl Chain`.
#[macro_export]
macro_rules! delegate_reads_to_inner {
    () => {
        fn account(&self) -> ink::primitives::AccountId {
            self.inner.account()
        }
        fn contract(&self) -> ink::primitives::AccountId {
            self.inner.contract()
        }
        fn inclusion_horizon(&mut self) -> Result<u64, ChainError> {
            self.inner.inclusion_horizon()
        }
        fn proof_request(
            &mut self,
            id: Id,
        ) -> Result<Option<proof_manager::ProofRequest>, ChainError> {
            self.inner.proof_request(id)
        }
        fn network_info(
            &mut self,
            network: proof_manager::ProvingNetwork,
        ) -> Result<proof_manager::ProvingNetworkInfo, ChainError> {
            self.inner.network_info(network)
        }
        fn now(&mut self) -> Result<u64, ChainError> {
            self.inner.now()
        }
        fn retry_clock_ms(&mut self) -> u64 {
            self.inner.retry_clock_ms()
        }
        fn genesis_hash(&mut self) -> Result<[u8; 32], ChainError> {
            self.inner.genesis_hash()
        }
        fn block_hash(&mut self, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
            self.inner.block_hash(number)
        }
        fn code_hash(&mut self, at: Option<u64>) -> Result<[u8; 32], ChainError> {
            self.inner.code_hash(at)
        }
        fn finalized_head(&self) -> Option<u64> {
            self.inner.finalized_head()
        }
        fn free_balance(&mut self) -> Result<u128, ChainError> {
            self.inner.free_balance()
        }
    };
}
