//! What an agent shows Prometheus (`--metrics-addr`, served by the auditor's exposition): its
//! progress (cursor, lag), its tables (requests by status, pending calls), what became of its
//! calls, the deadlines its requests missed, the batches handed back, its commands, what it is
//! owed and can pay fees with, and how long acknowledgements and proofs take. The runner and
//! the agents record into it as they work; it lives as long as the process, across the agent's
//! reopenings.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::call::{means_done, Call, Reply, Success};
use crate::work::{CommandRun, Ended};

/// The metrics' common prefix.
pub const PREFIX: &str = "proof_manager_agent";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub message: String,
    /// `executed`, `already_done`, `refused:<the contract error's name>`, `found_applied`,
    /// `abandoned`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AttemptLabels {
    pub message: String,
    /// `not_executed` or `unknown`.
    pub fate: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabels {
    pub kind: String,
    /// The exit code, `signal:<n>`, `timed_out`, `failed_to_start` or `wait_failed`.
    pub exit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NetworkLabel {
    pub network: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;
type FloatCounter = Counter<f64, AtomicU64>;

/// A deadline of the contract a request can miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    Acknowledgement,
    Proving,
}

/// What a state machine saw that the metrics count, beside its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// A request was acknowledged `ms` (chain time) after its submission, by `network`.
    Acknowledged { network: String, ms: u64 },
    /// A committed request was proven `ms` after its acknowledgement, by `network`.
    Proven { network: String, ms: u64 },
    /// A request's deadline passed without what it waited for.
    DeadlineMissed(Deadline),
}

/// Every metric of one agent.
pub struct AgentMetrics {
    registry: Arc<Registry>,
    cursor_block: Gauge,
    finalized_block: Gauge,
    cursor_lag_blocks: Gauge,
    requests: Family<StatusLabel, Gauge>,
    outbox_pending: Gauge,
    calls: Family<CallLabels, Counter>,
    attempts_failed: Family<AttemptLabels, Counter>,
    deadlines_missed: Family<KindLabel, Counter>,
    fallbacks: Family<ReasonLabel, Counter>,
    command_runs: Family<CommandLabels, Counter>,
    command_seconds: Family<KindLabel, Histogram>,
    reward_owed: FloatGauge,
    reward_claimed: FloatCounter,
    ack_latency_seconds: Family<NetworkLabel, Histogram>,
    proving_seconds: Family<NetworkLabel, Histogram>,
    free_balance: FloatGauge,
    events_skipped: Counter,
    blocks_undecodable: Counter,
    node_errors: Counter,
}

fn seconds_histogram() -> Histogram {
    // 0.25 s to about 68 minutes: an acknowledgement takes seconds, a proof up to the 2-hour
    // window (the top bucket is +Inf).
    Histogram::new(exponential_buckets(0.25, 2.0, 15))
}

impl AgentMetrics {
    /// The metrics of the agent acting as `role` (`submitter`, `fermah`, `lagrange`): every
    /// sample carries it as a label.
    pub fn new(role: &str) -> Arc<AgentMetrics> {
        let labels = [("role".into(), role.to_string().into())];
        let mut registry = Registry::with_prefix_and_labels(PREFIX, labels.into_iter());
        let m = AgentMetrics {
            registry: Arc::new(Registry::default()),
            cursor_block: Gauge::default(),
            finalized_block: Gauge::default(),
            cursor_lag_blocks: Gauge::default(),
            requests: Family::default(),
            outbox_pending: Gauge::default(),
            calls: Family::default(),
            attempts_failed: Family::default(),
            deadlines_missed: Family::default(),
            fallbacks: Family::default(),
            command_runs: Family::default(),
            command_seconds: Family::new_with_constructor(seconds_histogram),
            reward_owed: FloatGauge::default(),
            reward_claimed: FloatCounter::default(),
            ack_latency_seconds: Family::new_with_constructor(seconds_histogram),
            proving_seconds: Family::new_with_constructor(seconds_histogram),
            free_balance: FloatGauge::default(),
            events_skipped: Counter::default(),
            blocks_undecodable: Counter::default(),
            node_errors: Counter::default(),
        };
        m.register(&mut registry);
        Arc::new(AgentMetrics {
            registry: Arc::new(registry),
            ..m
        })
    }

    fn register(&self, r: &mut Registry) {
        r.register(
            "cursor_block",
            "The last block processed",
            self.cursor_block.clone(),
        );
        r.register(
            "finalized_block",
            "The chain's finalized head as last read",
            self.finalized_block.clone(),
        );
        r.register(
            "cursor_lag_blocks",
            "Blocks between the finalized head and the last block processed",
            self.cursor_lag_blocks.clone(),
        );
        r.register(
            "requests",
            "The agent's requests (batches or jobs) by status, as its state file holds them",
            self.requests.clone(),
        );
        r.register(
            "outbox_pending",
            "Calls decided on whose outcome is not known yet",
            self.outbox_pending.clone(),
        );
        r.register(
            "calls",
            "Calls that reached an outcome, by message and outcome",
            self.calls.clone(),
        );
        r.register(
            "call_attempts_failed",
            "Attempts without an outcome: not executed, or of unknown fate",
            self.attempts_failed.clone(),
        );
        r.register(
            "deadlines_missed",
            "Requests of the agent whose acknowledgement or proving deadline passed",
            self.deadlines_missed.clone(),
        );
        r.register(
            "fallbacks",
            "Batches handed back to the operator, by reason",
            self.fallbacks.clone(),
        );
        r.register(
            "command_runs",
            "Prove, verify and fallback commands run, by kind and how they ended",
            self.command_runs.clone(),
        );
        r.register(
            "command_duration_seconds",
            "How long the commands ran (wall clock)",
            self.command_seconds.clone(),
        );
        r.register(
            "reward_owed",
            "What the network is owed and has not claimed (token units)",
            self.reward_owed.clone(),
        );
        r.register(
            "reward_claimed",
            "What the network claimed (token units)",
            self.reward_claimed.clone(),
        );
        r.register(
            "acknowledgement_latency_seconds",
            "From a request's submission to its acknowledgement (block times)",
            self.ack_latency_seconds.clone(),
        );
        r.register(
            "proving_duration_seconds",
            "From a request's acknowledgement to its proof (block times)",
            self.proving_seconds.clone(),
        );
        r.register(
            "signer_free_balance",
            "The agent's free balance in the chain's native token, which pays its fees",
            self.free_balance.clone(),
        );
        r.register(
            "events_skipped",
            "Events of the contract's address that do not decode (each logged)",
            self.events_skipped.clone(),
        );
        r.register(
            "blocks_undecodable",
            "Blocks whose runtime events did not all decode (each logged)",
            self.blocks_undecodable.clone(),
        );
        r.register(
            "node_errors",
            "Times the node failed a step and the agent was opened again",
            self.node_errors.clone(),
        );
    }

    /// The registry, for the exposition.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    pub fn progress(&self, cursor: Option<u64>, finalized: Option<u64>) {
        if let Some(cursor) = cursor {
            self.cursor_block.set(cursor as i64);
        }
        if let Some(head) = finalized {
            self.finalized_block.set(head as i64);
        }
        if let (Some(cursor), Some(head)) = (cursor, finalized) {
            self.cursor_lag_blocks
                .set(head.saturating_sub(cursor) as i64);
        }
    }

    /// The requests by status, replacing what was there (a status no row has any more is 0).
    pub fn requests(&self, by_status: &[(String, u64)]) {
        self.requests.clear();
        for (status, count) in by_status {
            let label = StatusLabel {
                status: status.clone(),
            };
            self.requests.get_or_create(&label).set(*count as i64);
        }
    }

    pub fn outbox_pending(&self, pending: u64) {
        self.outbox_pending.set(pending as i64);
    }

    /// `call` reached `outcome` (see `CallLabels`).
    pub fn call(&self, call: &Call, outcome: &str) {
        let labels = CallLabels {
            message: call.message().into(),
            outcome: outcome.into(),
        };
        self.calls.get_or_create(&labels).inc();
    }

    /// The outcome label of a reply.
    pub fn outcome_of(call: &Call, reply: &Reply) -> String {
        match reply {
            Ok(Success::Done | Success::Claimed(_)) => "executed".into(),
            Err(error) if means_done(call, error) => "already_done".into(),
            Err(error) => {
                let name = format!("{error:?}");
                let name = name.split('(').next().unwrap_or(&name).to_string();
                format!("refused:{name}")
            }
        }
    }

    pub fn attempt_failed(&self, call: &Call, known_not_executed: bool) {
        let fate = if known_not_executed {
            "not_executed"
        } else {
            "unknown"
        };
        let labels = AttemptLabels {
            message: call.message().into(),
            fate: fate.into(),
        };
        self.attempts_failed.get_or_create(&labels).inc();
    }

    pub fn observe(&self, observation: &Observation) {
        match observation {
            Observation::Acknowledged { network, ms } => {
                let label = NetworkLabel {
                    network: network.clone(),
                };
                self.ack_latency_seconds
                    .get_or_create(&label)
                    .observe(*ms as f64 / 1_000.0);
            }
            Observation::Proven { network, ms } => {
                let label = NetworkLabel {
                    network: network.clone(),
                };
                self.proving_seconds
                    .get_or_create(&label)
                    .observe(*ms as f64 / 1_000.0);
            }
            Observation::DeadlineMissed(deadline) => {
                let kind = match deadline {
                    Deadline::Acknowledgement => "acknowledgement",
                    Deadline::Proving => "proving",
                };
                let label = KindLabel { kind: kind.into() };
                self.deadlines_missed.get_or_create(&label).inc();
            }
        }
    }

    pub fn fell_back(&self, reason: &str) {
        let label = ReasonLabel {
            reason: reason.into(),
        };
        self.fallbacks.get_or_create(&label).inc();
    }

    pub fn command(&self, run: &CommandRun) {
        let exit = match &run.ended {
            Ended::Exited(code) => code.to_string(),
            Ended::Signaled(signal) => format!("signal:{signal}"),
            Ended::TimedOut => "timed_out".into(),
            Ended::FailedToStart(_) => "failed_to_start".into(),
            Ended::WaitFailed(_) => "wait_failed".into(),
        };
        let kind = run.kind.to_string();
        let labels = CommandLabels {
            kind: kind.clone(),
            exit,
        };
        self.command_runs.get_or_create(&labels).inc();
        self.command_seconds
            .get_or_create(&KindLabel { kind })
            .observe(run.duration.as_secs_f64());
    }

    pub fn reward_owed(&self, owed: u128) {
        self.reward_owed.set(owed as f64);
    }

    pub fn claimed(&self, amount: u128) {
        self.reward_claimed.inc_by(amount as f64);
    }

    pub fn free_balance(&self, balance: u128) {
        self.free_balance.set(balance as f64);
    }

    pub fn event_skipped(&self) {
        self.events_skipped.inc();
    }

    pub fn block_undecodable(&self) {
        self.blocks_undecodable.inc();
    }

    pub fn node_error(&self) {
        self.node_errors.inc();
    }
}
