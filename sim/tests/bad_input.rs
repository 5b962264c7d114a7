//! Bad scenario files and flags: each error names the key path, exits with the bad-input code,
//! and nothing is written.

mod support;

use clap::Parser;
use proof_manager_sim::cli::{main_with, plan, Cli};
use proof_manager_sim::{Error, EXIT_BAD_INPUT};

/// The base scenario with `from` replaced by `to` (a textual edit, as a person would make it).
fn edited(from: &str, to: &str) -> String {
    assert!(support::BASE.contains(from), "the base has `{from}`");
    support::BASE.replacen(from, to, 1)
}

/// The error a scenario text gets, as `path: message`.
fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).unwrap();
    let json = dir.path().join("out/report.json");
    let cli = Cli::try_parse_from([
        "proof-manager-sim",
        "run",
        file.to_str().unwrap(),
        "--engine",
        "model",
        "--quiet",
        "--json",
        json.to_str().unwrap(),
    ])
    .unwrap();
    let error = plan(&cli).expect_err("a bad scenario");
    assert_eq!(main_with(&cli), EXIT_BAD_INPUT);
    assert!(
        !json.exists() && !dir.path().join("out").exists(),
        "something was written"
    );
    match error {
        Error::Scenario { path, message, .. } => format!("{path}: {message}"),
        other => panic!("not a scenario error: {other}"),
    }
}

#[test]
fn an_unknown_key_is_named_with_its_path() {
    let e = error_of(&edited(
        "p_invalid = 0.0\nprice = 0.7",
        "p_invalid = 0.0\nprice = 0.7\np_refuse_typo = 1",
    ));
    assert!(
        e.starts_with("networks[1].p_refuse_typo: unknown key"),
        "{e}"
    );
    let e = error_of(&edited("[fallback]", "[fallback]\nspeed = 3"));
    assert!(e.starts_with("fallback.speed: unknown key"), "{e}");
    let e = error_of(&edited("days = 1", "days = 1\ncolour = \"red\""));
    assert!(e.starts_with("colour: unknown key"), "{e}");
}

#[test]
fn impossible_values_are_named_with_their_path() {
    let cases = [
        (
            "timeout_after_s = 3600",
            "timeout_after_s = 60",
            "batches.timeout_after_s: 60 s is not in the contract's (120 s, 7200 s]",
        ),
        (
            "max_reward = 5000000",
            "max_reward = 5000001",
            "batches.max_reward: 5000001 is not in the contract's 1..=5000000",
        ),
        (
            "p_refuse = 0.0",
            "p_refuse = 1.5",
            "networks[0].p_refuse: 1.5 is not a probability in [0, 1]",
        ),
        (
            "proving_s = { median = 60, p95 = 60 }",
            "proving_s = { median = 60, p95 = 30 }",
            "networks[0].proving_s.p95: 30 is below the median 60",
        ),
        (
            "ack_delay_s = 1",
            "ack_delay_s = { min = 5, max = 2 }",
            "networks[0].ack_delay_s.max: is below min",
        ),
        (
            "capacity = 1000",
            "capacity = \"many\"",
            "networks[0].capacity: expected a non-negative integer, found a string",
        ),
        (
            "preferred = \"Lagrange\"",
            "preferred = \"Gevulot\"",
            "preferred: `Gevulot` is no network's name (or \"none\")",
        ),
        ("days = 1", "days = 0", "days: 0 is not in 1..=3650"),
        (
            "name = \"Lagrange\"",
            "name = \"Fermah\"",
            "networks[1].name: `Fermah` is named twice",
        ),
    ];
    for (from, to, expected) in cases {
        assert_eq!(error_of(&edited(from, to)), expected, "{to}");
    }
}

#[test]
fn a_missing_key_is_named_with_its_path() {
    let e = error_of(&edited("latency_s = 1800\n", ""));
    assert_eq!(e, "fallback.latency_s: missing");
}

#[test]
fn a_file_that_is_no_toml_says_so_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "days = = 3").unwrap();
    let csv = dir.path().join("report.csv");
    let cli = Cli::try_parse_from([
        "proof-manager-sim",
        "run",
        file.to_str().unwrap(),
        "--engine",
        "model",
        "--csv",
        csv.to_str().unwrap(),
    ])
    .unwrap();
    assert!(matches!(plan(&cli), Err(Error::Syntax { .. })));
    assert_eq!(main_with(&cli), EXIT_BAD_INPUT);
    assert!(!csv.exists());
}

#[test]
fn a_sweep_value_that_breaks_the_scenario_names_the_key_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("base.toml");
    std::fs::write(&file, support::BASE).unwrap();
    let json = dir.path().join("sweep.json");
    let cli = Cli::try_parse_from([
        "proof-manager-sim",
        "sweep",
        file.to_str().unwrap(),
        "--engine",
        "model",
        "--param",
        "networks[0].p_refuse",
        "--values",
        "0.1,2",
        "--json",
        json.to_str().unwrap(),
    ])
    .unwrap();
    match plan(&cli) {
        Err(Error::Scenario { path, .. }) => assert_eq!(path, "networks[0].p_refuse"),
        other => panic!("{other:?}"),
    }
    assert!(!json.exists());
    let cli = Cli::try_parse_from([
        "proof-manager-sim",
        "sweep",
        file.to_str().unwrap(),
        "--engine",
        "model",
        "--param",
        "networks[5].p_refuse",
        "--values",
        "0.1",
    ])
    .unwrap();
    match plan(&cli) {
        Err(Error::Param { path, message }) => {
            assert_eq!(path, "networks[5].p_refuse");
            assert_eq!(message, "`networks` has 2 entries, no [5]");
        }
        other => panic!("{other:?}"),
    }
}
