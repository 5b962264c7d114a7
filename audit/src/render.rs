//! The monthly report as Markdown for people, with the `cargo contract call` that would apply
//! the recommendation (printed only: the admin signs it, this tool never does).

use std::fmt::Write;

use proof_manager::ProvingNetwork;

use crate::error::hex32;
use crate::month::format_ms;
use crate::report::{name, Latency, MonthReport, NetworkMonth};
use crate::ss58;

/// The call that sets `network` as the preferred network, with placeholders for what only the
/// admin knows.
pub fn apply_command(contract: &[u8; 32], network: Option<ProvingNetwork>) -> String {
    let args = match network {
        Some(network) => format!("Some({})", name(network)),
        None => "None".to_string(),
    };
    format!(
        "cargo contract call --contract {} --message update_preferred_proving_network \
         --args '{args}' --url <URL> --suri <ADMIN_SURI> --execute <proof_manager.contract>",
        ss58::encode(contract)
    )
}

fn rate(counts: &NetworkMonth) -> String {
    match counts.fulfilment_rate {
        Some(r) => format!("{r:.4} ({}/{})", counts.validated, counts.eligible()),
        None => "— (0 eligible)".to_string(),
    }
}

fn latency(l: &Latency) -> String {
    let ms = |v: Option<u64>| v.map_or("—".to_string(), |v| v.to_string());
    format!("{} / {}", ms(l.p50), ms(l.p95))
}

fn rank(counts: &NetworkMonth) -> String {
    match counts.rank {
        Some(rank) => format!("{rank}"),
        None => "not ranked".to_string(),
    }
}

/// Reads one counter of a network's month.
type Count = fn(&NetworkMonth) -> u64;

/// The "Events not counted" section: what the figures leave out, event by event and block by
/// block.
fn not_counted(out: &mut String, report: &MonthReport) {
    let d = &report.details;
    let _ = writeln!(out, "## Events not counted\n");
    let _ = writeln!(
        out,
        "- unknown event signatures: {} in the month, {} in the window",
        report.unknown_events, d.unknown_events_in_window
    );
    for (signature, count) in &d.unknown_signatures {
        let topic = signature.as_ref().map_or("(no topics)".to_string(), hex32);
        let _ = writeln!(out, "  - {topic}: {count}");
    }
    let _ = writeln!(
        out,
        "- malformed events of a known signature: {} in the month, {} in the window",
        d.malformed.len(),
        d.malformed_in_window
    );
    for m in &d.malformed {
        let _ = writeln!(
            out,
            "  - block {} event {}: {}",
            m.at.block_number, m.at.event_index, m.what
        );
    }
    let _ = writeln!(
        out,
        "- blocks whose events did not all decode (contract events of them may be missing): {} \
         in the month, {} in the window",
        d.undecodable_blocks.len(),
        d.undecodable_blocks_in_window
    );
    for block in d.undecodable_blocks.iter().take(10) {
        let _ = writeln!(out, "  - block {}: {}", block.block_number, block.reason);
    }
    let _ = writeln!(
        out,
        "- events about requests submitted before the window: {}",
        d.orphans
    );
    let _ = writeln!(
        out,
        "- events that contradict the contract's rules (left out): {}",
        d.inconsistent.len()
    );
    for m in d.inconsistent.iter().take(10) {
        let _ = writeln!(
            out,
            "  - block {} event {}: {}",
            m.at.block_number, m.at.event_index, m.what
        );
    }
}

/// The report as Markdown.
pub fn markdown(report: &MonthReport) -> String {
    let d = &report.details;
    let f = &report.networks.fermah;
    let l = &report.networks.lagrange;
    let mut out = String::new();
    let _ = writeln!(out, "# Proving networks, {}\n", report.month);
    let _ = writeln!(
        out,
        "Contract {} ({}). Observed window: blocks {}..={}, {} to {} (window end {} ms).\n",
        ss58::encode(&d.contract),
        hex32(&d.contract),
        d.window_first_block,
        d.window_last_block,
        format_ms(d.window_start_ms),
        format_ms(report.window_end_ms),
        report.window_end_ms
    );
    if !d.undecodable_blocks.is_empty() {
        let _ = writeln!(
            out,
            "**Warning: the events of {} block(s) of {} did not all decode** (see Events not \
             counted): contract events of those blocks may be missing, and every figure below \
             may be short of them.\n",
            d.undecodable_blocks.len(),
            report.month
        );
    }
    if d.submitted == 0 {
        let _ = writeln!(
            out,
            "No request was submitted in {}: there is nothing to score.\n",
            report.month
        );
    }
    let mut row = |label: &str, a: String, b: String| {
        let _ = writeln!(out, "| {label} | {a} | {b} |");
    };
    row("", "Fermah".into(), "Lagrange".into());
    row("---", "---:".into(), "---:".into());
    let counts: [(&str, Count); 11] = [
        ("assigned", |c| c.assigned),
        ("refused at assignment (inactive)", |c| {
            c.refused_at_assignment
        }),
        ("refused by the network", |c| c.refused),
        ("committed", |c| c.committed),
        ("unacknowledged", |c| c.unacknowledged),
        ("proven", |c| c.proven),
        ("timed out", |c| c.timed_out),
        ("validated", |c| c.validated),
        ("validation failed", |c| c.validation_failed),
        ("proven, awaiting validation", |c| c.awaiting_validation()),
        ("open (deadline after the window's end)", |c| c.open),
    ];
    for (label, get) in counts {
        row(label, get(f).to_string(), get(l).to_string());
    }
    row("fulfilment rate", rate(f), rate(l));
    row(
        "ack latency p50 / p95 (ms)",
        latency(&f.ack_latency_ms),
        latency(&l.ack_latency_ms),
    );
    row(
        "proof latency p50 / p95 (ms)",
        latency(&f.proof_latency_ms),
        latency(&l.proof_latency_ms),
    );
    let ratio = |c: &NetworkMonth| c.mean_price_ratio.map_or("—".into(), |r| format!("{r:.4}"));
    row("mean price ratio (requested / max)", ratio(f), ratio(l));
    row(
        "rewards validated",
        f.rewards_validated.to_string(),
        l.rewards_validated.to_string(),
    );
    row(
        "rewards claimed in the month",
        f.rewards_claimed.to_string(),
        l.rewards_claimed.to_string(),
    );
    row("rank", rank(f), rank(l));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Requests with no assignee (submitted while no preferred network was set, refused at \
         once, counted under neither network): {}.\n",
        d.unassigned
    );

    let _ = writeln!(out, "## Recommendation\n");
    let recommended = match report.recommended_preferred {
        Some(n) => name(n).to_string(),
        None => "None".to_string(),
    };
    let current = if d.current_preferred_known {
        report
            .current_preferred
            .map_or("None".to_string(), |n| name(n).to_string())
    } else {
        "unknown".to_string()
    };
    let _ = writeln!(
        out,
        "Preferred network for the month after {}: **{recommended}** (current: {current}).\n",
        report.month
    );
    let _ = writeln!(out, "{}.\n", report.reason);
    let _ = writeln!(
        out,
        "Ranked: networks with at least {} eligible requests (assigned − refused at assignment), \
         by fulfilment rate (higher first), then p95 proof latency (lower), then mean price ratio \
         (lower). Percentiles are nearest-rank.\n",
        d.min_requests.max(1)
    );
    if d.change_needed {
        let _ = writeln!(
            out,
            "To apply it, the admin runs (this tool never signs):\n\n```sh\n{}\n```\n",
            apply_command(&d.contract, report.recommended_preferred)
        );
    } else {
        let _ = writeln!(out, "Nothing to apply.\n");
    }

    let _ = writeln!(out, "## Changes in {}\n", report.month);
    if d.preferred_changes.is_empty() && d.status_changes.is_empty() {
        let _ = writeln!(out, "No preferred-network or status change.\n");
    }
    for change in &d.preferred_changes {
        let _ = writeln!(
            out,
            "- {} (block {}): preferred network set to {}",
            format_ms(change.at.time_ms),
            change.at.block_number,
            change.value.map_or("None", name)
        );
    }
    for change in &d.status_changes {
        let _ = writeln!(
            out,
            "- {} (block {}): {} set {:?}",
            format_ms(change.at.time_ms),
            change.at.block_number,
            name(change.value.0),
            change.value.1
        );
    }
    if !(d.preferred_changes.is_empty() && d.status_changes.is_empty()) {
        let _ = writeln!(out);
    }

    not_counted(&mut out, report);
    let mut notes = Vec::new();
    if d.window_start_ms > d.month_start_ms {
        notes.push(format!(
            "the window starts after the month does: requests submitted before {} are not seen",
            format_ms(d.window_start_ms)
        ));
    }
    if report.window_end_ms < d.month_end_ms {
        notes.push(
            "the window ends before the month does: the figures are the month so far".to_string(),
        );
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "\nNote: {}.", notes.join("; "));
    }
    out
}
