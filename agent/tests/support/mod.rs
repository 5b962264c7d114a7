//! A scripted world for the agents' tests: one drink chain, the submitter and both networks'
//! agents with scripted acknowledgements, provers and a scripted verifier, and a clock moved in
//! fixed steps while batches arrive.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use proof_manager_agent::drink::{share, DrinkChain, SharedChain};
use proof_manager_agent::*;
use proof_manager_e2e::{funded_chain, FERMAH, LAGRANGE, MAX_REWARD, SUBMITTER};

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

fn scripted_prover(f: ProofScript) -> SharedProver {
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
    pub submitter: Option<SubmitterAgent<DrinkChain>>,
    pub fermah: Option<NetworkAgent<DrinkChain>>,
    pub lagrange: Option<NetworkAgent<DrinkChain>>,
    provers: [SharedProver; 2],
    /// How many times an agent halted and was reopened.
    pub restarts: usize,
    pub notes: Vec<String>,
}

impl World {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.sqlite"))
    }

    pub fn new(tokens: u128, halts: Halts) -> World {
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
            restarts: 0,
            notes: Vec::new(),
        };
        world.open_submitter(halts.submitter);
        world.open_network(Net::Fermah, halts.fermah);
        world.open_network(Net::Lagrange, halts.lagrange);
        world
    }

    pub fn open_submitter(&mut self, halt: Option<Halt>) {
        let verifier = ScriptedVerifier(Box::new(|id: Id, _: &[u8]| Ok(valid(id.block_number))));
        let agent = SubmitterAgent::open(
            &self.path("submitter"),
            DrinkChain::new(self.chain.clone(), SUBMITTER),
            submitter_config(),
            Box::new(verifier),
            None,
            halt,
        );
        self.submitter = Some(agent.expect("opening the submitter"));
    }

    pub fn open_network(&mut self, network: Net, halt: Option<Halt>) {
        let config = network_config(network);
        let (ack, prover, name): (fn(u64) -> AckPlan, _, _) = match network {
            Net::Fermah => (fermah_ack, self.provers[0].clone(), "fermah"),
            Net::Lagrange => (lagrange_ack, self.provers[1].clone(), "lagrange"),
        };
        let agent = NetworkAgent::open(
            &self.path(name),
            DrinkChain::new(self.chain.clone(), config.account),
            config,
            Box::new(Script(ack)),
            Box::new(prover),
            halt,
        )
        .expect("opening a network agent");
        match network {
            Net::Fermah => self.fermah = Some(agent),
            Net::Lagrange => self.lagrange = Some(agent),
        }
    }

    /// Steps every agent once; an agent that halts is dropped and opened again from its state
    /// file, without a halt, and stepped again.
    pub fn step_agents(&mut self) {
        loop {
            let submitter = self.submitter.as_mut().expect("a submitter");
            match submitter.step() {
                Ok(report) => {
                    self.notes.extend(report.notes);
                    break;
                }
                Err(AgentError::Halted(_)) => {
                    self.submitter = None;
                    self.restarts += 1;
                    self.open_submitter(None);
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
                match agent.expect("a network agent").step() {
                    Ok(report) => {
                        self.notes.extend(report.notes);
                        break;
                    }
                    Err(AgentError::Halted(_)) => {
                        match network {
                            Net::Fermah => self.fermah = None,
                            Net::Lagrange => self.lagrange = None,
                        }
                        self.restarts += 1;
                        self.open_network(network, None);
                    }
                    Err(e) => panic!("{network:?}'s agent failed: {e}"),
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
