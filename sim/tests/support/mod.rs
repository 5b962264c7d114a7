//! Scenarios for the tests: a base with two perfect networks, changed key by key.

#![allow(dead_code)]

use proof_manager_sim::{Scenario, Source};

/// Two networks that always accept at once, prove in a minute, never fail; a batch every
/// 5 minutes for a day; Lagrange preferred.
pub const BASE: &str = r#"
days = 1
seed = 11
block_s = 6
preferred = "Lagrange"
funding_tokens = 100000

[batches]
interval_s = 300
timeout_after_s = 3600
max_reward = 5000000

[fallback]
cost = 9000000
latency_s = 1800

[[networks]]
name = "Fermah"
p_refuse = 0.0
ack_delay_s = 1
proving_s = { median = 60, p95 = 60 }
p_invalid = 0.0
price = 0.8
capacity = 1000

[[networks]]
name = "Lagrange"
p_refuse = 0.0
ack_delay_s = 1
proving_s = { median = 60, p95 = 60 }
p_invalid = 0.0
price = 0.7
capacity = 1000
"#;

pub fn source() -> Source {
    Source::parse("test", "test.toml", BASE).expect("the base parses")
}

/// The base with each (key path, TOML value) set.
pub fn scenario(changes: &[(&str, &str)]) -> Scenario {
    let mut source = source();
    for (path, value) in changes {
        source = source.with(path, value).expect("a valid change");
    }
    source.scenario().expect("a valid scenario")
}
