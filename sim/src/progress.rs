//! A progress line on standard error for long runs: simulated days done and simulated days per
//! wall-clock second. Never part of the reports, so it cannot disturb their determinism.

use std::io::Write;
use std::time::Instant;

use crate::scenario::START_MS;

const DAY_MS: u64 = 86_400_000;

pub struct Progress {
    label: String,
    days: u64,
    shown: u64,
    started: Instant,
    enabled: bool,
}

impl Progress {
    pub fn new(label: &str, days: u64, enabled: bool) -> Self {
        Progress {
            label: label.to_string(),
            days,
            shown: 0,
            started: Instant::now(),
            enabled,
        }
    }

    /// The simulated clock is at `now_ms`.
    pub fn at(&mut self, now_ms: u64) {
        if !self.enabled {
            return;
        }
        let day = now_ms.saturating_sub(START_MS) / DAY_MS;
        if day <= self.shown || day > self.days {
            return;
        }
        self.shown = day;
        let rate = day as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        let width = 30;
        let filled = (day * width / self.days.max(1)) as usize;
        eprint!(
            "\r{}: [{}{}] day {day}/{} ({rate:.1} simulated days/s)",
            self.label,
            "#".repeat(filled),
            " ".repeat(width as usize - filled),
            self.days
        );
        let _ = std::io::stderr().flush();
    }

    pub fn finish(&mut self) {
        if self.enabled && self.shown > 0 {
            eprintln!(
                "\r{}: {} days in {:.1} s{}",
                self.label,
                self.days,
                self.started.elapsed().as_secs_f64(),
                " ".repeat(30)
            );
        }
    }
}
