//! `/metrics` of every agent after a run with every fault, scraped over HTTP and read by a
//! Prometheus parser: each documented metric is there, and what it counts equals what the
//! agent's state file holds.

use std::collections::BTreeMap;
use std::time::Duration;

use proof_manager_agent::metrics::AgentMetrics;
use proof_manager_agent::store::Store;
use proof_manager_agent::*;
use proof_manager_audit::exposition::{http_get, serve, Health};

use crate::day::FIVE_MINUTES;
use crate::support::faults::Faults;
use crate::support::*;

/// Every metric an agent exposes (the operators' table in the README lists them).
pub const METRICS: [&str; 19] = [
    "proof_manager_agent_cursor_block",
    "proof_manager_agent_finalized_block",
    "proof_manager_agent_cursor_lag_blocks",
    "proof_manager_agent_requests",
    "proof_manager_agent_outbox_pending",
    "proof_manager_agent_calls_total",
    "proof_manager_agent_call_attempts_failed_total",
    "proof_manager_agent_deadlines_missed_total",
    "proof_manager_agent_fallbacks_total",
    "proof_manager_agent_command_runs_total",
    "proof_manager_agent_command_duration_seconds",
    "proof_manager_agent_reward_owed",
    "proof_manager_agent_reward_claimed_total",
    "proof_manager_agent_acknowledgement_latency_seconds",
    "proof_manager_agent_proving_duration_seconds",
    "proof_manager_agent_signer_free_balance",
    "proof_manager_agent_events_skipped_total",
    "proof_manager_agent_blocks_undecodable_total",
    "proof_manager_agent_node_errors_total",
];

struct Scraped(prometheus_parse::Scrape);

impl Scraped {
    fn get(metrics: &AgentMetrics) -> Scraped {
        let exposition = serve("127.0.0.1:0", metrics.registry(), Health::new()).unwrap();
        let (status, body) = http_get(exposition.addr, "/metrics").unwrap();
        assert_eq!(status, 200, "{body}");
        let lines = body.lines().map(|l| Ok(l.to_string()));
        Scraped(prometheus_parse::Scrape::parse(lines).unwrap())
    }

    /// The samples of `name` whose labels include `with`, summed.
    fn sum(&self, name: &str, with: &[(&str, &str)]) -> f64 {
        self.0
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| with.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => *v,
                prometheus_parse::Value::Histogram(buckets) => {
                    buckets.last().map_or(0.0, |b| b.count)
                }
                other => panic!("{name}: {other:?}"),
            })
            .sum()
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.samples.iter().map(|s| s.metric.clone()).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The outbox's calls by (message, state) and the claimed amounts.
fn outbox(store: &Store) -> (BTreeMap<(String, String), f64>, f64) {
    let mut by = BTreeMap::new();
    let mut claimed = 0.0;
    for entry in store.outbox().unwrap() {
        let call: Call = serde_json::from_str(&entry.call).unwrap();
        *by.entry((call.message().to_string(), entry.state.clone()))
            .or_default() += 1.0;
        if let Some(amount) = entry
            .outcome
            .as_deref()
            .and_then(|o| o.strip_prefix("claimed "))
        {
            claimed += amount.split(' ').next().unwrap().parse::<f64>().unwrap();
        }
    }
    (by, claimed)
}

/// What every agent's metrics must say of its state file.
fn check_tables(scraped: &Scraped, store: &Store, kind: &str) {
    for (status, count) in store.count_by_status(kind).unwrap() {
        let with = [("status", status.as_str())];
        assert_eq!(
            scraped.sum("proof_manager_agent_requests", &with),
            count as f64,
            "{kind} {status}"
        );
    }
    let (by, _) = outbox(store);
    for ((message, state), count) in &by {
        let outcomes = scraped.sum("proof_manager_agent_calls_total", &[("message", message)]);
        let abandoned = scraped.sum(
            "proof_manager_agent_calls_total",
            &[("message", message), ("outcome", "abandoned")],
        );
        match state.as_str() {
            "done" => assert_eq!(outcomes - abandoned, *count, "{message} done"),
            "abandoned" => assert_eq!(abandoned, *count, "{message} abandoned"),
            other => panic!("{message}: {count} calls {other}"),
        }
    }
    assert_eq!(scraped.sum("proof_manager_agent_outbox_pending", &[]), 0.0);
    let cursor = store.cursor().unwrap().unwrap().number as f64;
    assert_eq!(scraped.sum("proof_manager_agent_cursor_block", &[]), cursor);
    assert!(scraped.sum("proof_manager_agent_signer_free_balance", &[]) > 0.0);
}

#[test]
fn each_agents_metrics_are_present_and_equal_its_tables_after_a_run_with_faults() {
    let faults = Faults {
        seed: 11,
        drop: 80,
        lose_reply: 80,
        delay: 80,
        read_failure: 30,
    };
    let mut world = World::with_faults(500, Halts::default(), faults);
    let dir = tempfile::tempdir().unwrap();
    let hook = format!(
        "echo \"$FALLBACK_REASON\" >> {}",
        dir.path().join("hook").display()
    );
    world.on_fallback = Some((hook, Duration::from_secs(30)));
    let metrics = ["submitter", "fermah", "lagrange"].map(AgentMetrics::new);
    world.metrics = metrics.clone().map(Some);
    (world.submitter, world.fermah, world.lagrange) = (None, None, None);
    world.open_submitter(None);
    for network in [Net::Fermah, Net::Lagrange] {
        world.open_network(network, None);
    }
    world.run(0, 48, FIVE_MINUTES, 30_000, 7 * 3_600_000);
    let submitter = world.submitter.as_mut().unwrap();
    submitter.refresh_metrics().unwrap();
    let scraped: Vec<Scraped> = {
        world.fermah.as_mut().unwrap().refresh_metrics().unwrap();
        world.lagrange.as_mut().unwrap().refresh_metrics().unwrap();
        metrics.iter().map(|m| Scraped::get(m)).collect()
    };
    for (role, scraped) in scraped.iter().enumerate() {
        let names = scraped.names();
        for metric in METRICS {
            let present = names.iter().any(|n| n.starts_with(metric));
            // Counters and families a run without such an event does not show.
            let optional = [
                "proof_manager_agent_events_skipped_total",
                "proof_manager_agent_blocks_undecodable_total",
                "proof_manager_agent_node_errors_total",
                "proof_manager_agent_reward_owed",
                "proof_manager_agent_reward_claimed_total",
                "proof_manager_agent_command_runs_total",
                "proof_manager_agent_command_duration_seconds",
                "proof_manager_agent_fallbacks_total",
                "proof_manager_agent_proving_duration_seconds",
                "proof_manager_agent_deadlines_missed_total",
            ];
            assert!(
                present || optional.contains(&metric),
                "agent {role}: no {metric}"
            );
        }
        assert!(
            scraped.sum("proof_manager_agent_call_attempts_failed_total", &[]) > 0.0,
            "agent {role} met no fault"
        );
    }
    let [submitter, fermah, lagrange] = [
        world.submitter.as_ref().unwrap().store(),
        world.fermah.as_ref().unwrap().store(),
        world.lagrange.as_ref().unwrap().store(),
    ];
    check_tables(&scraped[0], submitter, "batch");
    check_tables(&scraped[1], fermah, "job");
    check_tables(&scraped[2], lagrange, "job");

    // The submitter: fallbacks by reason, the hook once each, the deadlines they missed.
    let fallbacks = submitter.fallbacks().unwrap();
    assert!(!fallbacks.is_empty());
    let mut by_reason: BTreeMap<String, f64> = BTreeMap::new();
    for (f, notified) in &fallbacks {
        assert!(notified);
        *by_reason.entry(f.reason.clone()).or_default() += 1.0;
    }
    for (reason, count) in &by_reason {
        let with = [("reason", reason.as_str())];
        assert_eq!(
            scraped[0].sum("proof_manager_agent_fallbacks_total", &with),
            *count
        );
    }
    let hook_runs = [("kind", "fallback"), ("exit", "0")];
    let runs = scraped[0].sum("proof_manager_agent_command_runs_total", &hook_runs);
    assert_eq!(runs, fallbacks.len() as f64);
    let unacknowledged = by_reason.get("unacknowledged").copied().unwrap_or(0.0);
    let missed = [("kind", "acknowledgement")];
    assert_eq!(
        scraped[0].sum("proof_manager_agent_deadlines_missed_total", &missed),
        unacknowledged
    );
    let acknowledged = scraped[0].sum("proof_manager_agent_acknowledgement_latency_seconds", &[]);
    assert!(acknowledged > 0.0);

    // The networks: what they claimed is their outbox's claims; nothing is owed.
    for (scraped, store) in [(&scraped[1], fermah), (&scraped[2], lagrange)] {
        let (_, claimed) = outbox(store);
        assert!(claimed > 0.0);
        assert_eq!(
            scraped.sum("proof_manager_agent_reward_claimed_total", &[]),
            claimed
        );
        assert_eq!(scraped.sum("proof_manager_agent_reward_owed", &[]), 0.0);
        assert!(scraped.sum("proof_manager_agent_proving_duration_seconds", &[]) > 0.0);
    }
}
