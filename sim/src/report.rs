//! How a comparison prints: a Markdown report for people, JSON (byte-identical for the same
//! scenario and seed) and CSV (one row per policy, and one per policy, month and network).

use serde::Serialize;

use crate::metrics::Summary;

/// Everything a `run` compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub scenario: String,
    pub seed: u64,
    pub days: u64,
    pub policies: Vec<Summary>,
}

fn opt_ms(v: Option<u64>) -> String {
    v.map_or("–".into(), |ms| format!("{:.1} s", ms as f64 / 1000.0))
}

/// Token units (6 decimals) as tokens.
pub fn tokens(units: f64) -> String {
    format!("{:.4}", units / 1_000_000.0)
}

pub fn markdown(c: &Comparison) -> String {
    let mut out = format!(
        "# Settlement experiment: {} ({} days, seed {})\n\n",
        c.scenario, c.days, c.seed
    );
    out.push_str(
        "| policy | engine | batches | fallback rate | cost / validated batch | p50 | p95 | p99 | HHI |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in &c.policies {
        out.push_str(&format!(
            "| {} | {} | {} | {:.2}% | {} | {} | {} | {} | {:.0} |\n",
            s.policy,
            s.engine,
            s.batches,
            s.fallback_rate * 100.0,
            tokens(s.cost_per_validated_batch),
            opt_ms(s.latency_ms.p50),
            opt_ms(s.latency_ms.p95),
            opt_ms(s.latency_ms.p99),
            s.hhi
        ));
    }
    for s in &c.policies {
        out.push_str(&format!("\n## {} ({})\n\n", s.policy, s.engine));
        let reasons: Vec<String> = s
            .fallback_reasons
            .iter()
            .map(|(r, n)| format!("{} {n}", r.label()))
            .collect();
        out.push_str(&format!(
            "Validated by a network: {} of {}; fallbacks: {} ({}). Network payments {} tokens, \
             fallback proofs {} tokens{}.\n",
            s.validated,
            s.batches,
            s.fallbacks,
            if reasons.is_empty() {
                "none".to_string()
            } else {
                reasons.join(", ")
            },
            tokens(s.network_payments as f64),
            tokens(s.fallback_cost as f64),
            if s.burnt_stake > 0 {
                format!(", stake burnt {} tokens", tokens(s.burnt_stake as f64))
            } else {
                String::new()
            }
        ));
        if let Some(p) = &s.per_batch {
            out.push_str(&format!(
                "Per batch on drink: {:.2} calls, ref_time {}, proof_size {}, storage deposit {}.\n",
                p.calls as f64 / s.batches.max(1) as f64,
                p.ref_time,
                p.proof_size,
                p.storage_deposit
            ));
        }
        if s.preferred_changes.len() > 1 {
            let changes: Vec<String> = s
                .preferred_changes
                .iter()
                .skip(1)
                .map(|(t, n)| {
                    format!(
                        "{} → {}",
                        proof_manager_audit::month::format_ms(*t),
                        n.as_deref().unwrap_or("none")
                    )
                })
                .collect();
            out.push_str(&format!(
                "Preferred network changes: {}.\n",
                changes.join(", ")
            ));
        }
        out.push_str(
            "\n| month | network | assigned | share | fulfilment | revenue |\n\
             |---|---|---:|---:|---:|---:|\n",
        );
        for m in &s.months {
            out.push_str(&format!(
                "| {} | {} | {} | {:.1}% | {} | {} |\n",
                m.month,
                m.network,
                m.assigned,
                m.share * 100.0,
                m.fulfilment
                    .map_or("–".into(), |f| format!("{:.1}%", f * 100.0)),
                tokens(m.revenue as f64)
            ));
        }
    }
    out
}

pub fn json(c: &Comparison) -> String {
    let mut text = serde_json::to_string_pretty(c).expect("a comparison serializes");
    text.push('\n');
    text
}

/// Two tables in one file: the policies, then a blank line and the months.
pub fn csv(c: &Comparison) -> String {
    let mut out = String::from(
        "scenario,policy,engine,batches,validated,fallbacks,fallback_rate,network_payments,\
         fallback_cost,cost_per_validated_batch,p50_ms,p95_ms,p99_ms,hhi\n",
    );
    let cell = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    for s in &c.policies {
        out.push_str(&format!(
            "{},{},{},{},{},{},{:.6},{},{},{:.2},{},{},{},{:.2}\n",
            c.scenario,
            s.policy,
            s.engine,
            s.batches,
            s.validated,
            s.fallbacks,
            s.fallback_rate,
            s.network_payments,
            s.fallback_cost,
            s.cost_per_validated_batch,
            cell(s.latency_ms.p50),
            cell(s.latency_ms.p95),
            cell(s.latency_ms.p99),
            s.hhi
        ));
    }
    out.push_str("\nscenario,policy,month,network,assigned,share,validated,fulfilment,revenue\n");
    for s in &c.policies {
        for m in &s.months {
            out.push_str(&format!(
                "{},{},{},{},{},{:.6},{},{},{}\n",
                c.scenario,
                s.policy,
                m.month,
                m.network,
                m.assigned,
                m.share,
                m.validated,
                m.fulfilment.map_or(String::new(), |f| format!("{f:.6}")),
                m.revenue
            ));
        }
    }
    out
}
