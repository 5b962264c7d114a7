//! The command-line tool as an operator runs it before any chain is involved: help with
//! examples, and bad input or an unreachable node answered with a message and a meaningful exit
//! code, leaving no state file behind.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proof-manager-agent"))
        .args(args)
        .output()
        .expect("run proof-manager-agent")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A ProofManager address on no chain; only its form matters before a node answers.
const CONTRACT: &str = "5EtmzsdhDjYea7joNzDj1ThTqRgPHiv98MUoUXtBpS66izuk";

/// A URL on which nothing listens: port 9 (discard) is closed on any test machine.
const NOWHERE: &str = "ws://127.0.0.1:9";

/// `network run` for Fermah against `contract`, signing with `key` (`--suri X` or
/// `--key-file F`, or nothing), then `extra`.
fn fermah(contract: &str, key: &[&str], state: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "network",
        "run",
        "--network",
        "fermah",
        "--url",
        NOWHERE,
        "--contract",
        contract,
        "--state",
        state.to_str().unwrap(),
        "--prove-cmd",
        "cat",
    ];
    args.extend_from_slice(key);
    args.extend_from_slice(extra);
    agent(&args)
}

fn private(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn network_run(state: &Path, extra: &[&str]) -> Output {
    fermah(CONTRACT, &["--suri", "//Bob"], state, extra)
}

#[test]
fn every_subcommand_has_an_example_in_its_help() {
    for command in [
        &["submitter", "run"][..],
        &["submitter", "enqueue"],
        &["submitter", "status"],
        &["network", "run"],
        &["network", "status"],
        &["outbox"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let out = agent(&args);
        assert_eq!(out.status.code(), Some(0), "{command:?}");
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let example = help
            .split_once("Example:\n  proof-manager-agent ")
            .map(|(_, rest)| rest.lines().next().unwrap_or_default().to_string())
            .unwrap_or_default();
        assert!(
            example.starts_with(&command.join(" ")),
            "{command:?}: {help}"
        );
    }
    let help = String::from_utf8_lossy(&agent(&["--help"]).stdout).into_owned();
    assert!(help.contains("Exit codes: 0 done"), "{help}");
}

#[test]
fn an_unreachable_node_exits_with_code_1_and_names_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fermah.sqlite");
    let out = network_run(&state, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(NOWHERE), "{}", stderr(&out));
    assert!(!state.exists(), "a state file for a chain never reached");
}

#[test]
fn a_contract_address_that_is_not_an_address_exits_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (contract, says) in [
        ("0x1234", "not 32 bytes"),
        ("0xzz", "--contract 0xzz"),
        ("5Etmzsdh", "--contract 5Etmzsdh"),
    ] {
        let state = dir.path().join("fermah.sqlite");
        let out = fermah(contract, &["--suri", "//Bob"], &state, &[]);
        assert_eq!(out.status.code(), Some(2), "{contract}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{contract}: {}", stderr(&out));
        assert!(!state.exists());
    }
}

#[test]
fn a_missing_or_bad_key_exits_with_code_2_without_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fermah.sqlite");
    let out = fermah(CONTRACT, &[], &state, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--key-file or --suri"),
        "{}",
        stderr(&out)
    );

    let missing = dir.path().join("no.key");
    let out = fermah(
        CONTRACT,
        &["--key-file", missing.to_str().unwrap()],
        &state,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no.key"), "{}", stderr(&out));

    let secret = "not a secret uri at all";
    let key = dir.path().join("bad.key");
    std::fs::write(&key, secret).unwrap();
    private(&key, 0o600);
    let out = fermah(
        CONTRACT,
        &["--key-file", key.to_str().unwrap()],
        &state,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains(secret), "{}", stderr(&out));
    assert!(!state.exists());
}

#[test]
fn impossible_settings_exit_with_code_2_and_name_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fermah.sqlite");
    for (extra, says) in [
        (&["--price", "1.5"][..], "--price 1.5"),
        (&["--price=-0.1"], "--price -0.1"),
        (&["--max-concurrent", "0"], "--max-concurrent"),
    ] {
        let out = network_run(&state, extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{extra:?}: {}", stderr(&out));
    }
    let out = agent(&[
        "submitter",
        "run",
        "--url",
        NOWHERE,
        "--contract",
        CONTRACT,
        "--suri",
        "//Alice",
        "--state",
        state.to_str().unwrap(),
        "--verify-cmd",
        "true",
        "--protocol",
        "0.27",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--protocol 0.27"), "{}", stderr(&out));
    assert!(!state.exists());
}

#[test]
fn reading_a_state_file_that_does_not_exist_exits_with_code_2_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("none.sqlite");
    let path = state.to_str().unwrap();
    for args in [
        &["submitter", "status", "--state", path][..],
        &["network", "status", "--state", path],
        &["outbox", "--state", path],
        &[
            "submitter",
            "enqueue",
            "--state",
            path,
            "--chain-id",
            "324",
            "--block",
            "1",
            "--url",
            "https://inputs.example/324/1",
        ],
    ] {
        let out = agent(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("does not exist"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!state.exists(), "{args:?}");
    }
}

#[test]
fn a_file_that_is_not_a_state_file_exits_with_code_1_and_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("notes.txt");
    let text = "this is not a database, and it must survive being looked at\n".repeat(200);
    std::fs::write(&state, &text).unwrap();
    let out = agent(&["submitter", "status", "--state", state.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(state.to_str().unwrap()) || stderr(&out).contains("database"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&state).unwrap(), text);
}

#[test]
fn a_key_file_others_can_read_is_refused_with_exit_code_2_and_the_chmod_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fermah.sqlite");
    let key = dir.path().join("fermah.key");
    std::fs::write(&key, "//Bob").unwrap();
    let path = key.to_str().unwrap();
    for mode in [0o644, 0o640, 0o604, 0o620] {
        private(&key, mode);
        let out = fermah(CONTRACT, &["--key-file", path], &state, &[]);
        assert_eq!(out.status.code(), Some(2), "{mode:o}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("chmod 600 {path}")),
            "{mode:o}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("//Bob"), "{}", stderr(&out));
    }
    // The owner's alone: the key is taken, and the run goes on to the (absent) node.
    private(&key, 0o600);
    let out = fermah(CONTRACT, &["--key-file", path], &state, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(NOWHERE), "{}", stderr(&out));
    assert!(!state.exists());
}

#[test]
fn a_metrics_address_that_cannot_be_served_exits_with_code_2_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fermah.sqlite");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    for (addr, says) in [
        ("localhost", "not an address to listen on"),
        (taken.as_str(), "cannot listen there"),
    ] {
        let out = network_run(&state, &["--metrics-addr", addr]);
        assert_eq!(out.status.code(), Some(2), "{addr}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("--metrics-addr {addr}")) && stderr(&out).contains(says),
            "{addr}: {}",
            stderr(&out)
        );
    }
    assert!(!state.exists());
}

#[test]
fn json_logs_are_one_object_per_line_with_the_level_and_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fermah.sqlite");
    let out = network_run(&state, &["--log-format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let error = lines
        .iter()
        .find(|line| line["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no error line: {lines:?}"));
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains(NOWHERE),
        "{error}"
    );
    assert_eq!(error["exit_code"], 1, "{error}");
    // Human lines by default: no JSON.
    let out = network_run(&state, &[]);
    assert!(
        !stderr(&out).trim_start().starts_with('{'),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("ERROR"), "{}", stderr(&out));
}
