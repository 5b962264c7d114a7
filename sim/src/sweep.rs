//! `sweep`: one scenario key set to each of several values, every value's comparison run on
//! its own thread (as many as cores), the points in the order the values were given.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use crate::error::Result;
use crate::report::{tokens, Comparison};
use crate::{compare, Engine, Policy, Source};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub value: String,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    pub scenario: String,
    pub param: String,
    pub points: Vec<Point>,
}

/// Reads every variant first (so a bad value fails before anything runs), then runs them on
/// `threads` threads.
///
/// # Errors
/// The first bad value or failed run, in the order of the values.
pub fn sweep(
    source: &Source,
    param: &str,
    values: &[String],
    policies: &[Policy],
    engine: Engine,
    threads: usize,
) -> Result<Sweep> {
    let scenarios = values
        .iter()
        .map(|v| source.with(param, v)?.scenario())
        .collect::<Result<Vec<_>>>()?;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Comparison>>>> =
        Mutex::new((0..scenarios.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, scenarios.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(scenario) = scenarios.get(i) else {
                    break;
                };
                let result = compare(scenario, policies, engine, false);
                results.lock().expect("no thread panicked")[i] = Some(result);
            });
        }
    });
    let results = results.into_inner().expect("no thread panicked");
    let mut points = Vec::new();
    for (value, result) in values.iter().zip(results) {
        points.push(Point {
            value: value.clone(),
            comparison: result.expect("every value ran")?,
        });
    }
    Ok(Sweep {
        scenario: source.name.clone(),
        param: param.to_string(),
        points,
    })
}

pub fn markdown(s: &Sweep) -> String {
    let mut out = format!("# Sweep of `{}` on {}\n\n", s.param, s.scenario);
    out.push_str(
        "| value | policy | fallback rate | cost / validated batch | p50 | p95 | p99 | HHI |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let ms = |v: Option<u64>| v.map_or("–".into(), |ms| format!("{:.1} s", ms as f64 / 1000.0));
    for point in &s.points {
        for p in &point.comparison.policies {
            out.push_str(&format!(
                "| {} | {} | {:.2}% | {} | {} | {} | {} | {:.0} |\n",
                point.value,
                p.policy,
                p.fallback_rate * 100.0,
                tokens(p.cost_per_validated_batch),
                ms(p.latency_ms.p50),
                ms(p.latency_ms.p95),
                ms(p.latency_ms.p99),
                p.hhi
            ));
        }
    }
    out
}

pub fn json(s: &Sweep) -> String {
    let mut text = serde_json::to_string_pretty(s).expect("a sweep serializes");
    text.push('\n');
    text
}

pub fn csv(s: &Sweep) -> String {
    let mut out = String::from(
        "param,value,policy,batches,fallback_rate,cost_per_validated_batch,p50_ms,p95_ms,p99_ms,hhi\n",
    );
    let cell = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    for point in &s.points {
        for p in &point.comparison.policies {
            out.push_str(&format!(
                "{},\"{}\",{},{},{:.6},{:.2},{},{},{},{:.2}\n",
                s.param,
                point.value.replace('"', "\"\""),
                p.policy,
                p.batches,
                p.fallback_rate,
                p.cost_per_validated_batch,
                cell(p.latency_ms.p50),
                cell(p.latency_ms.p95),
                cell(p.latency_ms.p99),
                p.hhi
            ));
        }
    }
    out
}
