//! The run loop of `submitter run` and `network run`: steps the agent, logs what it did, keeps
//! `/health` and the metrics up to date, and opens the agent again when the node goes away.

use std::sync::Arc;
use std::time::Duration;

use proof_manager_audit::exposition::{lag_health, Health};

use crate::agent::{AgentError, NetworkAgent, StepReport, SubmitterAgent};
use crate::chain::Chain;
use crate::metrics::AgentMetrics;
use crate::note::Note;

/// An agent the run loop steps.
pub trait Served {
    fn step(&mut self) -> Result<StepReport, AgentError>;
    fn cursor(&self) -> Option<u64>;
    fn finalized_head(&self) -> Option<u64>;
    fn set_metrics(&mut self, metrics: Arc<AgentMetrics>);
}

impl<C: Chain> Served for SubmitterAgent<C> {
    fn step(&mut self) -> Result<StepReport, AgentError> {
        SubmitterAgent::step(self)
    }
    fn cursor(&self) -> Option<u64> {
        SubmitterAgent::cursor(self)
    }
    fn finalized_head(&self) -> Option<u64> {
        SubmitterAgent::finalized_head(self)
    }
    fn set_metrics(&mut self, metrics: Arc<AgentMetrics>) {
        SubmitterAgent::set_metrics(self, metrics)
    }
}

impl<C: Chain> Served for NetworkAgent<C> {
    fn step(&mut self) -> Result<StepReport, AgentError> {
        NetworkAgent::step(self)
    }
    fn cursor(&self) -> Option<u64> {
        NetworkAgent::cursor(self)
    }
    fn finalized_head(&self) -> Option<u64> {
        NetworkAgent::finalized_head(self)
    }
    fn set_metrics(&mut self, metrics: Arc<AgentMetrics>) {
        NetworkAgent::set_metrics(self, metrics)
    }
}

/// What the loop reports to: the metrics, and the health `/health` answers with, which is well
/// while the node answers and the cursor is within `max_lag` blocks of the finalized head.
pub struct Watch {
    pub metrics: Arc<AgentMetrics>,
    pub health: Arc<Health>,
    pub max_lag: u64,
}

impl Watch {
    fn stepped<A: Served>(&self, agent: &A) {
        let report = lag_health(agent.cursor(), agent.finalized_head(), self.max_lag);
        match report {
            Ok(how) => self.health.ok(how),
            Err(why) => self.health.failing(why),
        }
    }

    fn node_failed(&self, error: &AgentError) {
        self.metrics.node_error();
        self.health.failing(format!("the node: {error}"));
    }
}

/// Logs a step's notes, each with the request it is about.
pub fn log_notes(notes: &[Note]) {
    for note in notes {
        match note.request {
            Some(id) => tracing::warn!(request = %id, "{}", note.text),
            None => tracing::warn!("{}", note.text),
        }
    }
}

/// Opens the agent and steps it until `until_block` is processed (or forever), waiting `poll`
/// when a step finds no new block. When the node goes away the agent is dropped and opened
/// again from its state file once the node answers: the state file makes that safe at any
/// moment, and what the agent hands off (its prover's jobs) outlives it.
pub fn serve<A: Served>(
    open: impl Fn() -> Result<A, AgentError>,
    until_block: Option<u64>,
    poll: Duration,
    watch: Option<&Watch>,
) -> Result<(), AgentError> {
    let mut first = true;
    loop {
        let mut agent = match open() {
            Ok(agent) => agent,
            // A node that never answered is bad input or down: say so at once.
            Err(error) if first || !error.is_transient() => return Err(error),
            Err(error) => {
                if let Some(watch) = watch {
                    watch.node_failed(&error);
                }
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if first {
            tracing::info!(cursor = ?agent.cursor(), "opened the agent");
        } else {
            tracing::info!(cursor = ?agent.cursor(), "the node answers again; going on");
        }
        first = false;
        if let Some(watch) = watch {
            agent.set_metrics(watch.metrics.clone());
        }
        // The agent is dropped before it is opened again: it holds its state file's lock.
        match step_until(agent, until_block, poll, watch) {
            Err(error) if error.is_transient() => {
                tracing::warn!(%error, "the node failed a step; opening the agent again once it answers");
                if let Some(watch) = watch {
                    watch.node_failed(&error);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            done => return done,
        }
    }
}

/// Steps `agent` until `until_block` is processed (or forever), waiting `poll` when a step
/// finds no new block.
fn step_until<A: Served>(
    mut agent: A,
    until_block: Option<u64>,
    poll: Duration,
    watch: Option<&Watch>,
) -> Result<(), AgentError> {
    loop {
        let report = agent.step()?;
        if let Some(watch) = watch {
            watch.stepped(&agent);
        }
        log_notes(&report.notes);
        if report.calls > 0 {
            tracing::info!(
                block = agent.cursor(),
                calls = report.calls,
                blocks = report.blocks,
                "step decided calls"
            );
        }
        if until_block.is_some_and(|until| agent.cursor().is_some_and(|c| c >= until)) {
            return Ok(());
        }
        if report.blocks == 0 {
            std::thread::sleep(poll);
        }
    }
}
