//! What `follow --metrics-addr` shows Prometheus and `/health`: the follower's cursor against
//! the finalized head, the blocks, events, undecodable blocks and code upgrades it stored, and
//! how often it lost the node. `/health` is well while the node answers and the cursor is
//! within `--health-max-lag` blocks of the finalized head.

use std::sync::{Arc, Mutex};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::exposition::{lag_health, Health};
use crate::source::SourceBlock;

/// The metrics' common prefix.
pub const PREFIX: &str = "proof_manager_audit_follow";

/// The follower's metrics.
#[derive(Default)]
pub struct FollowerMetrics {
    pub cursor_block: Gauge,
    pub finalized_block: Gauge,
    pub cursor_lag_blocks: Gauge,
    pub blocks: Counter,
    pub events: Counter,
    pub undecodable_blocks: Counter,
    pub code_upgrades: Counter,
    pub reconnects: Counter,
}

impl FollowerMetrics {
    fn register(&self, r: &mut Registry) {
        r.register(
            "cursor_block",
            "The last block stored",
            self.cursor_block.clone(),
        );
        r.register(
            "finalized_block",
            "The chain's finalized head as last read",
            self.finalized_block.clone(),
        );
        r.register(
            "cursor_lag_blocks",
            "Blocks between the finalized head and the last block stored",
            self.cursor_lag_blocks.clone(),
        );
        r.register("blocks", "Blocks stored", self.blocks.clone());
        r.register(
            "events",
            "Events of the contract stored",
            self.events.clone(),
        );
        r.register(
            "undecodable_blocks",
            "Blocks stored whose events did not all decode (each logged)",
            self.undecodable_blocks.clone(),
        );
        r.register(
            "code_upgrades",
            "CodeUpgraded events of the contract followed",
            self.code_upgrades.clone(),
        );
        r.register(
            "reconnects",
            "Times the follower lost the node and reached it again",
            self.reconnects.clone(),
        );
    }
}

/// The follower's metrics and health, kept up to date as it works.
pub struct FollowWatch {
    pub metrics: FollowerMetrics,
    registry: Arc<Registry>,
    health: Arc<Health>,
    max_lag: u64,
    /// The cursor and the finalized head, as last seen.
    seen: Mutex<(Option<u64>, Option<u64>)>,
}

impl FollowWatch {
    pub fn new(max_lag: u64) -> Arc<FollowWatch> {
        let metrics = FollowerMetrics::default();
        let mut registry = Registry::with_prefix(PREFIX);
        metrics.register(&mut registry);
        Arc::new(FollowWatch {
            metrics,
            registry: Arc::new(registry),
            health: Health::new(),
            max_lag,
            seen: Mutex::new((None, None)),
        })
    }

    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    pub fn health(&self) -> Arc<Health> {
        self.health.clone()
    }

    fn update(&self, cursor: Option<u64>, head: Option<u64>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if cursor.is_some() {
            seen.0 = cursor;
        }
        if head.is_some() {
            seen.1 = head;
        }
        if let Some(cursor) = seen.0 {
            self.metrics.cursor_block.set(cursor as i64);
        }
        if let Some(head) = seen.1 {
            self.metrics.finalized_block.set(head as i64);
        }
        if let (Some(cursor), Some(head)) = *seen {
            self.metrics
                .cursor_lag_blocks
                .set(head.saturating_sub(cursor) as i64);
        }
        match lag_health(seen.0, seen.1, self.max_lag) {
            Ok(how) => self.health.ok(how),
            Err(why) => self.health.failing(why),
        }
    }

    /// The store's cursor when the follower starts.
    pub fn resumed_at(&self, cursor: Option<u64>) {
        self.update(cursor, None);
    }

    /// A block stored.
    pub fn block(&self, block: &SourceBlock) {
        self.metrics.blocks.inc();
        self.metrics.events.inc_by(block.events.len() as u64);
        if block.undecodable.is_some() {
            self.metrics.undecodable_blocks.inc();
        }
        if block.code_upgrade().is_some() {
            self.metrics.code_upgrades.inc();
        }
        self.update(Some(block.number), None);
    }

    /// The finalized head read from the node.
    pub fn head(&self, number: u64) {
        self.update(None, Some(number));
    }

    /// The node went away: unhealthy until it answers again.
    pub fn lost(&self, why: &str) {
        self.health.failing(format!("lost the node: {why}"));
    }

    /// The node answers again.
    pub fn back(&self) {
        self.metrics.reconnects.inc();
        self.update(None, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(number: u64) -> SourceBlock {
        SourceBlock::recorded(number, 0, Vec::new())
    }

    #[test]
    fn health_follows_the_lag_and_the_node() {
        let watch = FollowWatch::new(5);
        assert!(watch.health().report().is_err(), "starting");
        watch.resumed_at(Some(10));
        watch.head(20);
        let report = watch.health().report();
        assert!(
            report.as_ref().is_err_and(|r| r.contains("10 behind")),
            "{report:?}"
        );
        watch.block(&block(15));
        assert!(watch.health().report().is_ok());
        assert_eq!(watch.metrics.cursor_lag_blocks.get(), 5);
        watch.lost("connection closed");
        let report = watch.health().report();
        assert!(
            report.as_ref().is_err_and(|r| r.contains("lost the node")),
            "{report:?}"
        );
        watch.back();
        assert!(watch.health().report().is_ok());
        assert_eq!(watch.metrics.reconnects.get(), 1);
        assert_eq!(watch.metrics.blocks.get(), 1);
        assert_eq!(watch.metrics.cursor_block.get(), 15);
        assert_eq!(watch.metrics.finalized_block.get(), 20);
    }
}
