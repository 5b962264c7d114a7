//! A scenario: how long, how often batches come, what each synthetic proving network does, what
//! the in-house fallback prover costs. Read from TOML; every unknown key and impossible value
//! is an error naming its key path, and a sweep replaces one key path before reading.

use std::path::Path;

use proof_manager::{ACK_TIMEOUT, MAX_REWARD, MAX_TIMEOUT_AFTER};
use toml::{Table, Value};

use crate::error::{Error, Result};
use crate::read::{bad, set_path, Bad, Read, Reader};

/// The chain's clock starts at 2025-01-01T00:00:00Z (drink's genesis time in the harness).
pub const START_MS: u64 = 1_735_689_600_000;
/// The market policies compare at most this many networks.
pub const MAX_NETWORKS: usize = 8;

/// A delay in milliseconds: fixed, or uniform between two bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    Fixed(u64),
    Uniform { min: u64, max: u64 },
}

/// A log-normal duration given by its median and 95th percentile, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    pub median_ms: f64,
    pub p95_ms: f64,
}

/// A window during which a network answers nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub start_ms: u64,
    pub end_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    pub name: String,
    pub p_refuse: f64,
    /// After the submission; past `ACK_TIMEOUT` the request goes unacknowledged.
    pub ack_delay: Delay,
    pub proving: LogNormal,
    pub p_invalid: f64,
    /// The reward it asks, as a fraction of `max_reward` (and its reserve price in auctions).
    pub price: f64,
    /// Requests it proves at once; over it, it refuses.
    pub capacity: u32,
    /// Offsets from the run's start.
    pub outages: Vec<Outage>,
    /// The admin marks the network Inactive this long into an outage, Active at its end.
    pub detect_after_ms: u64,
    pub claim_interval_ms: u64,
    /// Tokens it can put at stake in the auctions.
    pub stake: u128,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batches {
    pub interval: Delay,
    pub timeout_after_ms: u64,
    pub max_reward: u128,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    /// Token units per proof.
    pub cost: u128,
    pub latency_ms: u64,
}

/// Boundless-style reverse Dutch auction parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Dutch {
    pub min_price: f64,
    pub max_price: f64,
    pub ramp_ms: u64,
    pub lock_timeout_ms: u64,
    pub timeout_ms: u64,
    pub lock_stake: u128,
    /// The part of the stake burnt when a lock is missed (the rest goes to whoever proves).
    pub burn: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecondPrice {
    /// The stake a network must hold to bid.
    pub min_stake: u128,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimeDecay {
    /// The payment at the timeout, as a fraction of the price at time zero.
    pub floor: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    pub dutch: Dutch,
    pub second_price: SecondPrice,
    pub time_decay: TimeDecay,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file's stem, or what the caller named it.
    pub name: String,
    pub days: u64,
    pub seed: u64,
    pub block_ms: u64,
    /// Index into `networks`.
    pub preferred: Option<usize>,
    /// Whole tokens (6 decimals) the manager holds at the start.
    pub funding_tokens: u128,
    pub batches: Batches,
    pub fallback: Fallback,
    pub networks: Vec<NetworkSpec>,
    pub market: Market,
}

impl Scenario {
    pub fn end_ms(&self) -> u64 {
        START_MS + self.days * 86_400_000
    }

    /// Whether the networks are the contract's two, in its order (what `baseline` needs).
    pub fn is_contract_pair(&self) -> bool {
        self.networks.len() == 2
            && self.networks[0].name == "Fermah"
            && self.networks[1].name == "Lagrange"
    }
}

fn seconds(value: f64, path: &str) -> Read<u64> {
    if value < 0.0 {
        return bad(path, format!("{value} is negative"));
    }
    Ok((value * 1000.0).round() as u64)
}

fn probability(value: f64, path: &str) -> Read<f64> {
    if !(0.0..=1.0).contains(&value) {
        return bad(path, format!("{value} is not a probability in [0, 1]"));
    }
    Ok(value)
}

/// `key = 5` (seconds) or `key = { min = 1, max = 30 }`.
fn delay(r: &mut Reader<'_>, key: &'static str) -> Read<Delay> {
    let path = r.path_of(key);
    match r.value(key) {
        None => bad(&path, "missing"),
        Some(Value::Table(t)) => {
            let mut inner = Reader::new(t, path.clone());
            let min = inner.f64("min")?;
            let min = seconds(min, &inner.path_of("min"))?;
            let max = inner.f64("max")?;
            let max = seconds(max, &inner.path_of("max"))?;
            inner.finish()?;
            if min > max {
                return bad(&format!("{path}.max"), "is below min");
            }
            Ok(Delay::Uniform { min, max })
        }
        Some(value) => Ok(Delay::Fixed(seconds(
            crate::read::number(value, &path)?,
            &path,
        )?)),
    }
}

fn tokens(value: f64, path: &str) -> Read<u128> {
    if value < 0.0 {
        return bad(path, format!("{value} is negative"));
    }
    Ok((value * 1_000_000.0).round() as u128)
}

fn network(mut r: Reader<'_>, start: u64) -> Read<NetworkSpec> {
    let name = r.string("name")?.to_string();
    if name.is_empty() {
        return bad(&r.path_of("name"), "is empty");
    }
    let p_refuse = probability(r.f64("p_refuse")?, &r.path_of("p_refuse"))?;
    let ack_delay = delay(&mut r, "ack_delay_s")?;
    let mut p = r.table("proving_s")?;
    let median = p.f64("median")?;
    let p95 = p.f64("p95")?;
    if median <= 0.0 {
        return bad(&p.path_of("median"), format!("{median} is not positive"));
    }
    if p95 < median {
        return bad(
            &p.path_of("p95"),
            format!("{p95} is below the median {median}"),
        );
    }
    p.finish()?;
    let p_invalid = probability(r.f64("p_invalid")?, &r.path_of("p_invalid"))?;
    let price = r.f64("price")?;
    if !(0.0..=1.0).contains(&price) {
        return bad(
            &r.path_of("price"),
            format!("{price} is not a fraction of max_reward in [0, 1]"),
        );
    }
    let capacity = r.u64("capacity")?;
    if capacity == 0 || capacity > u64::from(u32::MAX) {
        return bad(
            &r.path_of("capacity"),
            format!("{capacity} is not in 1..=2^32-1"),
        );
    }
    let detect_after_ms = seconds(
        r.opt_f64("detect_after_s")?.unwrap_or(600.0),
        &r.path_of("detect_after_s"),
    )?;
    let claim_path = r.path_of("claim_interval_s");
    let claim_interval_ms = seconds(
        r.opt_f64("claim_interval_s")?.unwrap_or(7200.0),
        &claim_path,
    )?;
    if claim_interval_ms == 0 {
        return bad(&claim_path, "is zero");
    }
    let stake_path = r.path_of("stake");
    let stake = tokens(r.opt_f64("stake")?.unwrap_or(0.0), &stake_path)?;
    let mut outages = Vec::new();
    for mut o in r.tables("outages")? {
        let start_path = o.path_of("start_s");
        let from = seconds(o.f64("start_s")?, &start_path)?;
        let duration_path = o.path_of("duration_s");
        let duration = seconds(o.f64("duration_s")?, &duration_path)?;
        if duration == 0 {
            return bad(&duration_path, "is zero");
        }
        o.finish()?;
        let outage = Outage {
            start_ms: start + from,
            end_ms: start + from + duration,
        };
        if outages
            .last()
            .is_some_and(|last: &Outage| last.end_ms > outage.start_ms)
        {
            return bad(
                &start_path,
                "overlaps the outage before it (list them in time order)",
            );
        }
        outages.push(outage);
    }
    r.finish()?;
    Ok(NetworkSpec {
        name,
        p_refuse,
        ack_delay,
        proving: LogNormal {
            median_ms: median * 1000.0,
            p95_ms: p95 * 1000.0,
        },
        p_invalid,
        price,
        capacity: capacity as u32,
        outages,
        detect_after_ms,
        claim_interval_ms,
        stake,
    })
}

fn market(r: Option<Reader<'_>>) -> Read<Market> {
    let mut dutch = Dutch {
        min_price: 0.2,
        max_price: 1.0,
        ramp_ms: 600_000,
        lock_timeout_ms: 1_800_000,
        timeout_ms: 3_600_000,
        lock_stake: 1_000_000,
        burn: 0.5,
    };
    let mut second_price = SecondPrice {
        min_stake: 1_000_000,
    };
    let mut time_decay = TimeDecay { floor: 0.25 };
    if let Some(mut r) = r {
        if let Some(mut d) = r.opt_table("dutch")? {
            if let Some(v) = d.opt_f64("min_price")? {
                dutch.min_price = probability(v, &d.path_of("min_price"))?;
            }
            if let Some(v) = d.opt_f64("max_price")? {
                dutch.max_price = probability(v, &d.path_of("max_price"))?;
            }
            if dutch.min_price > dutch.max_price {
                return bad(&d.path_of("min_price"), "is above max_price");
            }
            if let Some(v) = d.opt_f64("ramp_s")? {
                dutch.ramp_ms = seconds(v, &d.path_of("ramp_s"))?;
            }
            if let Some(v) = d.opt_f64("lock_timeout_s")? {
                dutch.lock_timeout_ms = seconds(v, &d.path_of("lock_timeout_s"))?;
            }
            if let Some(v) = d.opt_f64("timeout_s")? {
                dutch.timeout_ms = seconds(v, &d.path_of("timeout_s"))?;
            }
            if dutch.lock_timeout_ms > dutch.timeout_ms {
                return bad(&d.path_of("lock_timeout_s"), "is past timeout_s");
            }
            if dutch.ramp_ms > dutch.lock_timeout_ms {
                return bad(&d.path_of("ramp_s"), "is past lock_timeout_s");
            }
            if let Some(v) = d.opt_f64("lock_stake")? {
                dutch.lock_stake = tokens(v, &d.path_of("lock_stake"))?;
            }
            if let Some(v) = d.opt_f64("burn")? {
                dutch.burn = probability(v, &d.path_of("burn"))?;
            }
            d.finish()?;
        }
        if let Some(mut s) = r.opt_table("second_price")? {
            if let Some(v) = s.opt_f64("min_stake")? {
                second_price.min_stake = tokens(v, &s.path_of("min_stake"))?;
            }
            s.finish()?;
        }
        if let Some(mut t) = r.opt_table("time_decay")? {
            if let Some(v) = t.opt_f64("floor")? {
                time_decay.floor = probability(v, &t.path_of("floor"))?;
            }
            t.finish()?;
        }
        r.finish()?;
    }
    Ok(Market {
        dutch,
        second_price,
        time_decay,
    })
}

fn scenario(name: &str, table: &Table) -> Read<Scenario> {
    let mut r = Reader::new(table, "");
    let days = r.u64("days")?;
    if days == 0 || days > 3_650 {
        return bad("days", format!("{days} is not in 1..=3650"));
    }
    let seed = r.u64("seed")?;
    let block_ms = seconds(r.opt_f64("block_s")?.unwrap_or(6.0), "block_s")?;
    if block_ms == 0 || block_ms > 60_000 {
        return bad("block_s", "must be above 0 and at most 60");
    }
    let funding_tokens = r.u64("funding_tokens")?;
    let preferred = r.opt_string("preferred")?;

    let mut b = r.table("batches")?;
    let interval = delay(&mut b, "interval_s")?;
    let smallest = match interval {
        Delay::Fixed(ms) => ms,
        Delay::Uniform { min, .. } => min,
    };
    if smallest == 0 {
        return bad(&b.path_of("interval_s"), "must be above 0");
    }
    let timeout_path = b.path_of("timeout_after_s");
    let timeout_after_ms = seconds(b.f64("timeout_after_s")?, &timeout_path)?;
    if !(ACK_TIMEOUT < timeout_after_ms && timeout_after_ms <= MAX_TIMEOUT_AFTER) {
        return bad(
            &timeout_path,
            format!(
                "{} s is not in the contract's ({} s, {} s]",
                timeout_after_ms as f64 / 1000.0,
                ACK_TIMEOUT / 1000,
                MAX_TIMEOUT_AFTER / 1000
            ),
        );
    }
    let reward_path = b.path_of("max_reward");
    let max_reward = u128::from(b.u64("max_reward")?);
    if max_reward == 0 || max_reward > MAX_REWARD {
        return bad(
            &reward_path,
            format!("{max_reward} is not in the contract's 1..={MAX_REWARD}"),
        );
    }
    b.finish()?;

    let mut f = r.table("fallback")?;
    let cost = u128::from(f.u64("cost")?);
    let latency_path = f.path_of("latency_s");
    let latency_ms = seconds(f.f64("latency_s")?, &latency_path)?;
    f.finish()?;

    let tables = r.tables("networks")?;
    if tables.is_empty() {
        return bad("networks", "no network");
    }
    if tables.len() > MAX_NETWORKS {
        return bad(
            "networks",
            format!("{} networks, at most {MAX_NETWORKS}", tables.len()),
        );
    }
    let mut networks = Vec::new();
    for (i, t) in tables.into_iter().enumerate() {
        let spec = network(t, START_MS)?;
        if networks.iter().any(|n: &NetworkSpec| n.name == spec.name) {
            return bad(
                &format!("networks[{i}].name"),
                format!("`{}` is named twice", spec.name),
            );
        }
        networks.push(spec);
    }
    let preferred = match preferred {
        None | Some("none") => None,
        Some(name) => match networks.iter().position(|n| n.name == name) {
            Some(i) => Some(i),
            None => {
                return bad(
                    "preferred",
                    format!("`{name}` is no network's name (or \"none\")"),
                )
            }
        },
    };
    let market = market(r.opt_table("market")?)?;
    r.finish()?;
    Ok(Scenario {
        name: name.to_string(),
        days,
        seed,
        block_ms,
        preferred,
        funding_tokens: u128::from(funding_tokens),
        batches: Batches {
            interval,
            timeout_after_ms,
            max_reward,
        },
        fallback: Fallback { cost, latency_ms },
        networks,
        market,
    })
}

/// A scenario file's text, parsed but not yet read.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub file: String,
    pub table: Table,
}

impl Source {
    pub fn load(path: &Path) -> Result<Source> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            file: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        Source::parse(&name, &path.display().to_string(), &text)
    }

    pub fn parse(name: &str, file: &str, text: &str) -> Result<Source> {
        let table: Table = toml::from_str(text).map_err(|e| Error::Syntax {
            file: file.to_string(),
            message: e.message().to_string(),
        })?;
        Ok(Source {
            name: name.to_string(),
            file: file.to_string(),
            table,
        })
    }

    pub fn scenario(&self) -> Result<Scenario> {
        scenario(&self.name, &self.table).map_err(|Bad { path, message }| Error::Scenario {
            file: self.file.clone(),
            path,
            message,
        })
    }

    /// The scenario with `path` set to `value` (TOML syntax: `0.5`, `"Lagrange"`, `{ min = 1,
    /// max = 2 }`).
    pub fn with(&self, path: &str, value: &str) -> Result<Source> {
        let parsed: Table = toml::from_str(&format!("v = {value}")).map_err(|e| Error::Param {
            path: path.to_string(),
            message: format!("`{value}` is no TOML value: {}", e.message()),
        })?;
        let value = parsed.get("v").cloned().ok_or_else(|| Error::Param {
            path: path.to_string(),
            message: format!("`{value}` is no TOML value"),
        })?;
        let mut table = self.table.clone();
        set_path(&mut table, path, value)
            .map_err(|Bad { path, message }| Error::Param { path, message })?;
        Ok(Source {
            table,
            ..self.clone()
        })
    }
}
