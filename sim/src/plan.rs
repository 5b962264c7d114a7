//! What a synthetic network does with one batch, drawn from the scenario's distributions with a
//! random stream seeded by (seed, batch, network) alone, so that every engine and every policy
//! sees the same behaviour for the same batch, whatever else happened before it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::{Delay, LogNormal, NetworkSpec, Outage, Scenario, START_MS};

/// z of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// One network's behaviour on one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// It refuses (after `ack_delay_ms`) instead of accepting.
    pub refuse: bool,
    /// After the submission.
    pub ack_delay_ms: u64,
    /// From the commitment to the proof.
    pub proving_ms: u64,
    /// The proof it delivers fails verification.
    pub invalid: bool,
    /// A draw in [0, 1) for the policies' own choices (bids' noise).
    pub jitter: f64,
}

fn mix(mut x: u64) -> u64 {
    // splitmix64's finaliser.
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A random stream for (seed, stream, index).
pub fn stream(seed: u64, kind: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ mix(kind)) ^ index))
}

pub fn draw_delay(delay: Delay, rng: &mut impl Rng) -> u64 {
    match delay {
        Delay::Fixed(ms) => ms,
        Delay::Uniform { min, max } => rng.gen_range(min..=max),
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.gen::<f64>();
    let v: f64 = rng.gen::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

pub fn draw_log_normal(d: LogNormal, rng: &mut impl Rng) -> u64 {
    let sigma = (d.p95_ms.ln() - d.median_ms.ln()) / Z95;
    let z = normal(rng);
    (d.median_ms.ln() + sigma * z).exp().round().max(1.0) as u64
}

impl Plan {
    pub fn draw(scenario: &Scenario, batch: u64, network: usize) -> Plan {
        let spec: &NetworkSpec = &scenario.networks[network];
        let mut rng = stream(scenario.seed, 1 + network as u64, batch);
        let refuse = rng.gen::<f64>() < spec.p_refuse;
        let ack_delay_ms = draw_delay(spec.ack_delay, &mut rng);
        let proving_ms = draw_log_normal(spec.proving, &mut rng);
        let invalid = rng.gen::<f64>() < spec.p_invalid;
        let jitter = rng.gen::<f64>();
        Plan {
            refuse,
            ack_delay_ms,
            proving_ms,
            invalid,
            jitter,
        }
    }
}

/// The arrival times of every batch, in order, within the scenario's days.
pub fn arrivals(scenario: &Scenario) -> Vec<u64> {
    let mut rng = stream(scenario.seed, 0, 0);
    let end = scenario.end_ms();
    let mut times = Vec::new();
    let mut t = START_MS;
    while t < end {
        times.push(t);
        t += draw_delay(scenario.batches.interval, &mut rng);
    }
    times
}

/// Whether `t` falls in one of the outages.
pub fn in_outage(outages: &[Outage], t: u64) -> bool {
    outages.iter().any(|o| o.start_ms <= t && t < o.end_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_normal_draws_have_the_asked_median_and_p95() {
        let d = LogNormal {
            median_ms: 600_000.0,
            p95_ms: 1_200_000.0,
        };
        let mut rng = stream(7, 9, 0);
        let mut draws: Vec<u64> = (0..20_000).map(|_| draw_log_normal(d, &mut rng)).collect();
        draws.sort_unstable();
        let median = draws[10_000] as f64;
        let p95 = draws[19_000] as f64;
        assert!((median / 600_000.0 - 1.0).abs() < 0.03, "median {median}");
        assert!((p95 / 1_200_000.0 - 1.0).abs() < 0.04, "p95 {p95}");
    }

    #[test]
    fn streams_depend_on_seed_kind_and_index_only() {
        let a: u64 = stream(1, 2, 3).gen();
        assert_eq!(a, stream(1, 2, 3).gen::<u64>());
        assert_ne!(a, stream(1, 2, 4).gen::<u64>());
        assert_ne!(a, stream(1, 3, 3).gen::<u64>());
        assert_ne!(a, stream(2, 2, 3).gen::<u64>());
    }
}
