//! The command-line tool as a person runs it: help with examples, exit codes, and a full
//! import → report → JSON and SVG run.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use clap::Parser;
use proof_manager_audit::cli::{Cli, Command as Subcommand};
use proof_manager_audit::jsonl::export;
use support::*;

fn audit(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proof-manager-audit"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run proof-manager-audit")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_subcommand_has_an_example_in_its_help() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    for command in ["import", "export", "report"] {
        let out = audit(&db, &[command, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        let example = help
            .split_once("Example:\n  proof-manager-audit ")
            .map(|(_, rest)| rest.lines().next().unwrap_or_default().to_string())
            .unwrap_or_default();
        assert!(
            example.contains(&format!("{command} ")),
            "{command}: {help}"
        );
    }
    let help = text(&audit(&db, &["--help"]).stdout);
    assert!(help.contains("Exit codes: 0 success"), "{help}");
    assert!(!db.exists());
}

/// The subcommand a parsed command line runs.
fn subcommand(cli: &Cli) -> &'static str {
    match cli.command {
        Subcommand::Scan(_) => "scan",
        Subcommand::Follow(_) => "follow",
        Subcommand::Import { .. } => "import",
        Subcommand::Export { .. } => "export",
        Subcommand::Report(_) => "report",
    }
}

#[test]
fn every_help_example_parses_as_its_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    for command in ["scan", "follow", "import", "export", "report"] {
        let help = text(&audit(&db, &[command, "--help"]).stdout);
        let example = help
            .split_once("Example:\n  ")
            .and_then(|(_, rest)| rest.lines().next())
            .unwrap_or_else(|| panic!("{command}: no example: {help}"));
        let cli = Cli::try_parse_from(example.split_whitespace())
            .unwrap_or_else(|e| panic!("{command}: {example}: {e}"));
        assert_eq!(subcommand(&cli), command, "{example}");
    }
    let help = text(&audit(&db, &["--help"]).stdout);
    let examples: Vec<&str> = help
        .split_once("Examples:\n")
        .map(|(_, rest)| rest.lines().take_while(|l| !l.is_empty()).collect())
        .unwrap_or_default();
    let parsed: Vec<&str> = examples
        .iter()
        .map(|example| {
            let cli = Cli::try_parse_from(example.split_whitespace())
                .unwrap_or_else(|e| panic!("{example}: {e}"));
            subcommand(&cli)
        })
        .collect();
    assert_eq!(parsed, ["scan", "follow", "import", "report", "export"]);
    assert!(!db.exists());
}

#[test]
fn bad_arguments_and_missing_data_exit_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    let out = audit(&db, &["report", "--month", "2026-13"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not a calendar month written YYYY-MM"),
        "{}",
        text(&out.stderr)
    );

    let out = audit(&db, &["report", "--month", "2026-11"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no database at"),
        "{}",
        text(&out.stderr)
    );

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"window\": 3}\n").unwrap();
    let out = audit(&db, &["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 1:") && stderr.contains("nothing was imported"),
        "{stderr}"
    );

    let missing = dir.path().join("missing.jsonl");
    let out = audit(&db, &["import", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn import_then_report_with_json_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Script::new();
    s.deploy(OCT, Some(Lagrange));
    for i in 0..30u64 {
        let t = NOV + i * HOUR;
        let network = if i % 2 == 0 { Fermah } else { Lagrange };
        s.pending(t, i, network, 10 * MINUTE, 1_000)
            .ack(t + 1_000, i, network, true)
            .prove(t + 60_000, i, network, 500);
        if i % 2 == 0 || i < 10 {
            s.validate(t + 2 * MINUTE, i, network, true);
        }
    }
    let log = dir.path().join("log.jsonl");
    export(&s.store(DEC), &log).unwrap();
    let db = dir.path().join("audit.sqlite");
    let out = audit(&db, &["import", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The deploy's 5, 30 × (submitted, acknowledged, proven), 15 + 5 validations.
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("imported 115 events (115 new, 0 undecoded)"),
        "{stdout}"
    );

    let json = dir.path().join("r.json");
    let svg = dir.path().join("r.svg");
    let out = audit(
        &db,
        &[
            "report",
            "--month",
            "2026-11",
            "--min-requests",
            "15",
            "--json",
            json.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let markdown = text(&out.stdout);
    assert!(markdown.contains("| assigned | 15 | 15 |"), "{markdown}");
    // Fermah validated 15 of 15, Lagrange 5 of 15.
    assert!(
        markdown.contains("| fulfilment rate | 1.0000 (15/15) | 0.3333 (5/15) |"),
        "{markdown}"
    );
    assert!(markdown.contains("--args 'Some(Fermah)'"), "{markdown}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["recommended_preferred"], "Fermah");
    assert_eq!(report["current_preferred"], "Lagrange");
    assert_eq!(report["networks"]["Fermah"]["rank"], 1);
    assert_eq!(report["networks"]["Lagrange"]["rank"], 2);
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(drawing.starts_with("<svg"), "{}", &drawing[..80]);
    assert!(drawing.contains("2026-11 (30 req.)"));
}

const CONTRACT_SS58: &str = "5GRSJy8txi8i9aed1yUukpak8woAwtrwusZCh6MYVPmEdcfZ";

#[test]
fn scanning_an_unreachable_node_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    // Port 1 on loopback: nothing listens there.
    let out = audit(
        &db,
        &[
            "scan",
            "--url",
            "ws://127.0.0.1:1",
            "--contract",
            CONTRACT_SS58,
            "--from",
            "1",
            "--to",
            "10",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot reach a node at ws://127.0.0.1:1"),
        "{stderr}"
    );
    assert!(!db.exists());
}

#[test]
fn a_contract_address_must_be_ss58_or_hex() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    let tampered = CONTRACT_SS58.replacen('G', "H", 1);
    for (address, why) in [
        (tampered.as_str(), "wrong SS58 checksum"),
        ("0x1234", "2 bytes, not 32"),
        ("Alice", "is not base58"),
        ("5GrwvaEF5zXb", "not an SS58 account address"),
    ] {
        let out = audit(
            &db,
            &["follow", "--url", "ws://127.0.0.1:1", "--contract", address],
        );
        assert_eq!(out.status.code(), Some(2), "{address}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(why), "{address}: {stderr}");
    }
    let hex = format!("0x{}", "c0".repeat(32));
    let out = audit(
        &db,
        &["follow", "--url", "ws://127.0.0.1:1", "--contract", &hex],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn a_scan_that_would_leave_a_gap_or_mix_contracts_is_refused_before_the_node_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    let mut s = Script::new();
    s.deploy(NOV, Some(Fermah));
    let mut store = proof_manager_audit::Store::open(&db).unwrap();
    // Blocks 1 and 2 (the window's end).
    s.ingest(&mut store, NOV + MINUTE);
    drop(store);
    let gap = audit(
        &db,
        &[
            "scan",
            "--url",
            "ws://127.0.0.1:1",
            "--contract",
            CONTRACT_SS58,
            "--from",
            "4",
            "--to",
            "9",
        ],
    );
    assert_eq!(gap.status.code(), Some(2));
    let stderr = text(&gap.stderr);
    assert!(
        stderr.contains("blocks 4..=9 would leave a gap: the store covers blocks 1..=2"),
        "{stderr}"
    );
    let other = format!("0x{}", "70".repeat(32));
    let mixed = audit(
        &db,
        &[
            "scan",
            "--url",
            "ws://127.0.0.1:1",
            "--contract",
            &other,
            "--from",
            "3",
            "--to",
            "9",
        ],
    );
    assert_eq!(mixed.status.code(), Some(2));
    assert!(
        text(&mixed.stderr).contains("use another --db"),
        "{}",
        text(&mixed.stderr)
    );
    // Adjoining the cursor passes those checks and reaches the (absent) node.
    let next = audit(
        &db,
        &[
            "scan",
            "--url",
            "ws://127.0.0.1:1",
            "--contract",
            CONTRACT_SS58,
            "--from",
            "3",
            "--to",
            "9",
        ],
    );
    assert_eq!(next.status.code(), Some(1), "{}", text(&next.stderr));
}
