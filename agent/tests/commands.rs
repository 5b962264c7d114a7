//! The agent's external commands (`--prove-cmd`, `--verify-cmd`, `--on-fallback`) as real
//! scripts behave: chatty ones, ones that leave processes behind, ones that never read their
//! input, ones that outlive their time; and the record each run leaves for the metrics.

use std::path::Path;
use std::time::{Duration, Instant};

use proof_manager_agent::work::{run_fallback, CommandKind, CommandRun, Ended};
use proof_manager_agent::{CommandProver, CommandVerifier, Id, ProveJob, Prover, Verifier};

const ID: Id = Id {
    chain_id: 324,
    block_number: 51_203,
};

/// A job whose proving deadline is `deadline` (chain time, ms).
fn job(deadline: u64) -> ProveJob {
    ProveJob {
        id: ID,
        url: "https://inputs.example/324/51203".into(),
        deadline,
        max_reward: 1,
    }
}

/// The prover's results, polled at chain time `now_ms` until one comes (up to `limit` of wall
/// clock), and then for `linger` more.
fn results(
    prover: &mut CommandProver,
    now_ms: u64,
    limit: Duration,
    linger: Duration,
) -> Vec<Result<Vec<u8>, String>> {
    let started = Instant::now();
    let mut results = Vec::new();
    let mut first = None;
    loop {
        for (id, result) in prover.poll(now_ms) {
            assert_eq!(id, ID);
            results.push(result);
            first.get_or_insert_with(Instant::now);
        }
        match first {
            Some(at) if at.elapsed() >= linger => return results,
            Some(_) => {}
            None => assert!(started.elapsed() < limit, "no result within {limit:?}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The prover's one result.
fn proved(prover: &mut CommandProver, now_ms: u64) -> Result<Vec<u8>, String> {
    let mut results = results(prover, now_ms, Duration::from_secs(20), Duration::ZERO);
    assert_eq!(results.len(), 1);
    results.pop().unwrap()
}

/// `/proc/PID/stat`'s state and process group, when the process exists.
fn stat(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which may hold anything, in parentheses.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let group = fields.nth(1)?.parse().ok()?;
    Some((state, group))
}

/// Whether `pid` is a process that has not died (a zombie has).
fn alive(pid: i32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z')
}

/// The processes of group `group` that have not died.
fn alive_in_group(group: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&pid| stat(pid).is_some_and(|(state, g)| g == group && state != 'Z'))
        .collect()
}

/// The pids a script wrote to `file`, one a line.
fn pids(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|line| line.trim().parse().expect("a pid"))
        .collect()
}

/// Kills what a test's script left running on purpose.
fn kill(pids: &[i32]) {
    for pid in pids {
        let _ = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status();
    }
}

#[test]
fn a_verifier_printing_a_megabyte_before_its_verdict_gets_its_verdict() {
    let chatty = r#"head -c 1000000 /dev/zero && [ "$(cat)" = valid ]"#;
    let mut verifier = CommandVerifier::new(chatty, Duration::from_secs(20));
    assert_eq!(verifier.verify(ID, b"valid"), Ok(true));
    assert_eq!(verifier.verify(ID, b"spoilt"), Ok(false));
    let runs = verifier.take_runs();
    assert!(runs.iter().all(|run| run.output_cut), "{runs:?}");
}

#[test]
fn a_fallback_hook_printing_a_megabyte_succeeds() {
    let run = run_fallback(
        "yes | head -c 1000000",
        "324/51203",
        &[],
        Duration::from_secs(20),
    )
    .expect("the hook succeeds, and is not run again");
    assert_eq!(run.ended, Ended::Exited(0));
    assert!(run.output_cut);
}

#[test]
fn a_timed_out_prove_command_is_killed_with_everything_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let (group, started) = (dir.path().join("group"), dir.path().join("pids"));
    // A child and a grandchild, both holding the output open, outliving the timeout.
    let script = format!(
        "echo $$ > '{group}'; sleep 60 & echo $! >> '{started}'; \
         sh -c 'sleep 60; :' & echo $! >> '{started}'; sleep 60",
        group = group.display(),
        started = started.display(),
    );
    let mut prover = CommandProver::new(&script, Some(Duration::from_secs(1)));
    let clock = Instant::now();
    prover.start(&job(3_600_000), 0);
    let error = proved(&mut prover, 0).unwrap_err();
    assert!(
        clock.elapsed() < Duration::from_secs(3),
        "{:?}",
        clock.elapsed()
    );
    assert!(error.contains("--prove-timeout (1 s)"), "{error}");

    let group = pids(&group)[0];
    let started = pids(&started);
    assert_eq!(started.len(), 2);
    // SIGKILL is delivered at once, but a process takes a moment to die.
    let killed = Instant::now();
    while started.iter().any(|&pid| alive(pid)) || !alive_in_group(group).is_empty() {
        assert!(
            killed.elapsed() < Duration::from_secs(2),
            "left running: {:?} of {started:?}, {:?} in group {group}",
            started
                .iter()
                .filter(|&&pid| alive(pid))
                .collect::<Vec<_>>(),
            alive_in_group(group),
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_verify_command_that_ignores_a_large_proof_gives_its_verdict() {
    let mut verifier = CommandVerifier::new("exit 0", Duration::from_secs(20));
    let started = Instant::now();
    assert_eq!(verifier.verify(ID, &vec![7; 8 << 20]), Ok(true));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_process_left_holding_the_proof_unread_does_not_hold_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join("left");
    // Through fd 3: an asynchronous command's own standard input is /dev/null.
    let script = format!(
        "exec 3<&0; sleep 10 <&3 >/dev/null & echo $! > '{}'; exit 0",
        left.display()
    );
    let mut verifier = CommandVerifier::new(&script, Duration::from_secs(20));
    let started = Instant::now();
    let verdict = verifier.verify(ID, &vec![7; 8 << 20]);
    let took = started.elapsed();
    kill(&pids(&left));
    assert_eq!(verdict, Ok(true));
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_process_left_holding_the_output_does_not_hold_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join("left");
    let script = format!("sleep 10 & echo $! > '{}'; exit 1", left.display());
    let mut verifier = CommandVerifier::new(&script, Duration::from_secs(20));
    let started = Instant::now();
    let verdict = verifier.verify(ID, b"proof");
    let took = started.elapsed();
    kill(&pids(&left));
    assert_eq!(verdict, Ok(false));
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_process_that_left_the_group_holding_the_output_does_not_hold_a_timed_out_command() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join("left");
    // `setsid` puts the child in a session, and so a group, of its own: out of reach of the
    // kill, and holding the output.
    let script = format!("setsid sleep 10 & echo $! > '{}'; sleep 30", left.display());
    let mut verifier = CommandVerifier::new(&script, Duration::from_secs(1));
    let started = Instant::now();
    let verdict = verifier.verify(ID, b"proof");
    let took = started.elapsed();
    kill(&pids(&left));
    assert!(verdict.is_err(), "{verdict:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_prove_command_leaving_its_output_open_gives_no_proof() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join("left");
    let script = format!("printf proof; sleep 10 & echo $! > '{}'", left.display());
    let mut prover = CommandProver::new(&script, None);
    let started = Instant::now();
    prover.start(&job(3_600_000), 0);
    let result = proved(&mut prover, 0);
    let took = started.elapsed();
    kill(&pids(&left));
    let error = result.unwrap_err();
    assert!(error.contains("held its output open"), "{error}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// How long `prover` took to fail `job` started at chain time `now_ms`, and why.
fn killed_after(prover: &mut CommandProver, job: &ProveJob, now_ms: u64) -> (Duration, String) {
    let started = Instant::now();
    prover.start(job, now_ms);
    let error = proved(prover, now_ms).unwrap_err();
    (started.elapsed(), error)
}

#[test]
fn a_prove_command_is_killed_at_its_deadline_or_its_cap_whichever_comes_first() {
    let now = 1_700_000_000_000;
    let about_a_second =
        |took: Duration| took >= Duration::from_millis(950) && took < Duration::from_secs(3);
    for cap in [None, Some(Duration::from_secs(30))] {
        let mut prover = CommandProver::new("sleep 30", cap);
        let (took, error) = killed_after(&mut prover, &job(now + 1_000), now);
        assert!(about_a_second(took), "{cap:?}: {took:?}");
        assert!(error.contains("the proving deadline"), "{error}");
    }
    let mut prover = CommandProver::new("sleep 30", Some(Duration::from_secs(1)));
    let (took, error) = killed_after(&mut prover, &job(now + 3_600_000), now);
    assert!(about_a_second(took), "{took:?}");
    assert!(error.contains("--prove-timeout (1 s)"), "{error}");
}

#[test]
fn a_job_past_its_deadline_fails_without_running() {
    let dir = tempfile::tempdir().unwrap();
    let ran = dir.path().join("ran");
    let script = format!("echo run >> '{}'; printf proof", ran.display());
    let mut prover = CommandProver::new(&script, None);
    prover.start(&job(5_000), 5_000);
    let error = proved(&mut prover, 5_000).unwrap_err();
    assert!(
        error.contains("deadline (5000 ms chain time) had passed"),
        "{error}"
    );
    assert!(!ran.exists());
    assert_eq!(prover.take_runs(), vec![]);
}

#[test]
fn starting_a_job_again_before_its_result_is_polled_runs_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let ran = dir.path().join("ran");
    let script = format!("echo run >> '{}'; sleep 0.5; printf proof", ran.display());
    let mut prover = CommandProver::new(&script, None);
    prover.start(&job(3_600_000), 0);
    // Running.
    prover.start(&job(3_600_000), 0);
    std::thread::sleep(Duration::from_millis(1_500));
    // Finished, its result not polled.
    prover.start(&job(3_600_000), 0);
    let results = results(
        &mut prover,
        0,
        Duration::from_secs(20),
        Duration::from_secs(1),
    );
    assert_eq!(results, vec![Ok(b"proof".to_vec())]);
    assert_eq!(std::fs::read_to_string(&ran).unwrap(), "run\n");
}

#[test]
fn each_command_run_is_recorded_with_its_kind_and_how_it_ended() {
    let script = r#"case "$(cat)" in
        valid) exit 0 ;; invalid) exit 1 ;; broken) exit 2 ;; killed) kill -9 $$ ;; *) sleep 30 ;;
    esac"#;
    let mut verifier = CommandVerifier::new(script, Duration::from_secs(1));
    for proof in ["valid", "invalid", "broken", "killed", "hangs"] {
        let _ = verifier.verify(ID, proof.as_bytes());
    }
    let runs = verifier.take_runs();
    let ends: Vec<(CommandKind, Ended)> = runs.iter().map(|r| (r.kind, r.ended.clone())).collect();
    let verify = CommandKind::Verify;
    assert_eq!(
        ends,
        vec![
            (verify, Ended::Exited(0)),
            (verify, Ended::Exited(1)),
            (verify, Ended::Exited(2)),
            (verify, Ended::Signaled(9)),
            (verify, Ended::TimedOut),
        ]
    );
    assert!(runs[4].duration >= Duration::from_secs(1), "{runs:?}");
    assert!(runs.iter().all(|run| !run.output_cut), "{runs:?}");
    assert_eq!(verifier.take_runs(), vec![], "taken once");

    let mut prover = CommandProver::new("printf proof; exit 3", None);
    prover.start(&job(3_600_000), 0);
    assert!(proved(&mut prover, 0).is_err());
    let [run]: [CommandRun; 1] = prover.take_runs().try_into().unwrap();
    assert_eq!(
        (run.kind, run.ended),
        (CommandKind::Prove, Ended::Exited(3))
    );

    let failed = run_fallback("exit 4", "324/51203", &[], Duration::from_secs(1)).unwrap_err();
    assert_eq!(
        (failed.run.kind, failed.run.ended),
        (CommandKind::Fallback, Ended::Exited(4))
    );
}
