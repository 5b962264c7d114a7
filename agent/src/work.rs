//! The work an agent hands off: proving (a network's) and verifying (the submitter's), each
//! behind one interface with two kinds of worker: an external command, the real thing, and a
//! scripted worker on the chain's clock, for the tests and the simulator.
//!
//! A command runs as `sh -c` in a process group of its own, so that its timeout ends everything
//! it started. Its output is read to the end however much it writes (a pipe closed early kills
//! a chatty command with SIGPIPE), and no pipe it or its escaped children keep open holds the
//! caller past the timeout.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use proof_manager::MAX_PROOF_LEN;

use crate::call::Id;

/// A committed request to prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProveJob {
    pub id: Id,
    pub url: String,
    /// The proving deadline (chain time, ms): a proof later than this is not submitted.
    pub deadline: u64,
    pub max_reward: u128,
}

/// Proves requests; results come back from `poll`.
pub trait Prover {
    /// Starts proving `job` at chain time `now_ms`.
    fn start(&mut self, job: &ProveJob, now_ms: u64);

    /// The jobs finished by `now_ms` (chain time), with their proof or why there is none.
    fn poll(&mut self, now_ms: u64) -> Vec<(Id, Result<Vec<u8>, String>)>;

    /// The chain time at which the next job finishes, for a clock that jumps (the
    /// simulator's); `None` when unknown (a command runs on the wall clock).
    fn next_ready(&self) -> Option<u64> {
        None
    }

    /// The commands that ended since the last call, for the metrics; a worker that runs no
    /// command has none.
    fn take_runs(&mut self) -> Vec<CommandRun> {
        Vec::new()
    }
}

/// Why a verifier gave no verdict; the submitter tries again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyError(pub String);

/// Checks proofs: `Ok(true)` valid, `Ok(false)` invalid.
pub trait Verifier {
    fn verify(&mut self, id: Id, proof: &[u8]) -> Result<bool, VerifyError>;

    /// The commands that ended since the last call, for the metrics; a worker that runs no
    /// command has none.
    fn take_runs(&mut self) -> Vec<CommandRun> {
        Vec::new()
    }
}

/// Which of the agent's commands ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandKind {
    /// `--prove-cmd`.
    Prove,
    /// `--verify-cmd`.
    Verify,
    /// `--on-fallback`.
    Fallback,
}

impl CommandKind {
    /// The option bounding this kind of command's running time.
    pub fn timeout_option(self) -> &'static str {
        match self {
            CommandKind::Prove => "--prove-timeout",
            CommandKind::Verify => "--verify-timeout",
            CommandKind::Fallback => "--fallback-timeout",
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandKind::Prove => "prove",
            CommandKind::Verify => "verify",
            CommandKind::Fallback => "fallback",
        })
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code.
    Exited(i32),
    /// This signal killed it (not the timeout: that is `TimedOut`).
    Signaled(i32),
    /// It ran over its time; its process group was killed.
    TimedOut,
    /// It could not be started, for this reason.
    FailedToStart(String),
    /// Waiting for it failed, for this reason; its process group was killed.
    WaitFailed(String),
}

/// One run of a command, as the metrics count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    pub kind: CommandKind,
    pub ended: Ended,
    /// From its start to its exit or its kill.
    pub duration: Duration,
    /// It wrote more than was kept: past the cap (for a verify or fallback command, whose
    /// output is not used, any output at all), or after its output was given up on (still
    /// open after it ended, held by something it left running).
    pub output_cut: bool,
}

/// A command that gave no result: how it ran, and why that is no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct CommandFailed {
    pub run: CommandRun,
    pub reason: String,
}

/// How long the output of a command that ended (or was killed) may take to reach its end
/// before it is given up on: what is left in the pipe takes microseconds, so only a process
/// that escaped the group, or that the command left running, holding the pipe, waits this long.
const READER_GRACE: Duration = Duration::from_millis(500);

/// What bounds a command's running time; named when the command runs over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// The command kind's option.
    Option(Duration),
    /// The request's proving deadline (chain time, ms), this far from the job's start.
    Deadline { deadline_ms: u64, after: Duration },
}

impl Limit {
    fn after(self) -> Duration {
        match self {
            Limit::Option(after) | Limit::Deadline { after, .. } => after,
        }
    }

    fn describe(self, kind: CommandKind) -> String {
        match self {
            Limit::Option(after) => format!("{} ({})", kind.timeout_option(), seconds(after)),
            Limit::Deadline { deadline_ms, after } => format!(
                "the proving deadline ({deadline_ms} ms chain time, {} after the start)",
                seconds(after)
            ),
        }
    }
}

/// `1 s`, `1.500 s`.
fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.3} s", duration.as_secs_f64())
    }
}

/// Why `run` is no result, for an end its caller does not take as one.
fn no_result(command: &str, run: &CommandRun, limit: Limit) -> String {
    let kind = run.kind;
    match &run.ended {
        Ended::Exited(code) => format!("the {kind} command exited with {code}"),
        Ended::Signaled(signal) => format!("the {kind} command was killed by signal {signal}"),
        Ended::TimedOut => format!(
            "the {kind} command ran over {} and was killed",
            limit.describe(kind)
        ),
        Ended::FailedToStart(reason) => format!("cannot start `{command}`: {reason}"),
        Ended::WaitFailed(reason) => format!("waiting for `{command}` failed: {reason}"),
    }
}

/// A command's run and the output kept; `None` when its output was given up on, still open
/// after it ended.
struct Ran {
    run: CommandRun,
    stdout: Option<Vec<u8>>,
}

/// Runs `sh -c command` with `arg` as `$1`, `env`, and `stdin` on its standard input, in a
/// process group of its own killed whole after `timeout`; keeps the first `cap` bytes of its
/// output and reads (and drops) the rest. Returns by `timeout` plus twice `READER_GRACE`.
fn run(
    kind: CommandKind,
    command: &str,
    arg: &str,
    env: &[(&str, String)],
    stdin: &[u8],
    timeout: Duration,
    cap: usize,
) -> Ran {
    let started = Instant::now();
    let mut child = match spawn(command, arg, env, !stdin.is_empty()) {
        Ok(child) => child,
        Err(e) => {
            let run = CommandRun {
                kind,
                ended: Ended::FailedToStart(e.to_string()),
                duration: started.elapsed(),
                output_cut: false,
            };
            return Ran { run, stdout: None };
        }
    };
    if let Some(input) = child.stdin.take() {
        feed(input, stdin.to_vec());
    }
    let output = drain(child.stdout.take().expect("stdout is piped"), cap);
    let ended = match wait_until(&mut child, started + timeout) {
        Ok(Some(status)) => ended(status),
        Ok(None) => {
            kill_group(child);
            Ended::TimedOut
        }
        Err(e) => {
            kill_group(child);
            Ended::WaitFailed(e.to_string())
        }
    };
    let duration = started.elapsed();
    let stdout = output.recv_timeout(READER_GRACE).ok();
    let output_cut = stdout.as_ref().is_none_or(|(_, cut)| *cut);
    let run = CommandRun {
        kind,
        ended,
        duration,
        output_cut,
    };
    let stdout = stdout.map(|(kept, _)| kept);
    Ran { run, stdout }
}

fn spawn(command: &str, arg: &str, env: &[(&str, String)], stdin: bool) -> io::Result<Child> {
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .arg("sh")
        .arg(arg)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Its own group, so that its timeout kills what it started with it.
        .process_group(0)
        .spawn()
}

/// Writes `bytes` to a command's standard input on a thread nobody waits for: a command may
/// exit without reading them (the broken pipe is no error of its result), or leave a process
/// running that holds the pipe and never reads.
fn feed(mut input: ChildStdin, bytes: Vec<u8>) {
    std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
}

/// Reads a command's output to its end on a thread of its own, keeping the first `cap` bytes;
/// sends them, and whether there were more (or a read failed), once the pipe closes.
fn drain(mut output: ChildStdout, cap: usize) -> Receiver<(Vec<u8>, bool)> {
    let (done, result) = channel();
    std::thread::spawn(move || {
        let (mut kept, mut cut) = (Vec::new(), false);
        let mut buffer = vec![0; 64 * 1024];
        loop {
            match output.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    let keep = n.min(cap - kept.len());
                    kept.extend_from_slice(&buffer[..keep]);
                    cut |= keep < n;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    cut = true;
                    break;
                }
            }
        }
        let _ = done.send((kept, cut));
    });
    result
}

/// The command's exit status, or `None` once `deadline` comes first.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    // Short naps first: most verifications end within milliseconds.
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep(nap.min(deadline - now));
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// Kills the command's process group and reaps its leader.
fn kill_group(mut child: Child) {
    // The leader is not reaped yet, so its pid still names its group, never a newcomer's.
    let group = -(child.id() as libc::pid_t);
    // SAFETY: kill(2) takes no pointer; the worst a wrong pid could do is signal the wrong
    // processes, which the unreaped leader rules out.
    unsafe { libc::kill(group, libc::SIGKILL) };
    // Reaped at once in practice; a leader stuck in the kernel is left to a thread of its own.
    if !matches!(
        wait_until(&mut child, Instant::now() + READER_GRACE),
        Ok(Some(_))
    ) {
        std::thread::spawn(move || {
            let _ = child.wait();
        });
    }
}

fn ended(status: ExitStatus) -> Ended {
    match (status.code(), status.signal()) {
        (Some(code), _) => Ended::Exited(code),
        (None, Some(signal)) => Ended::Signaled(signal),
        (None, None) => Ended::WaitFailed(format!("an exit status of neither kind: {status}")),
    }
}

/// `--on-fallback`: runs `sh -c command` with `arg` as `$1` and `env`; it and everything it
/// started are killed after `timeout` (`--fallback-timeout`); its output is read and dropped.
/// `Ok` when it exits 0; its run either way, for the metrics.
pub fn run_fallback(
    command: &str,
    arg: &str,
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<CommandRun, CommandFailed> {
    let Ran { run, .. } = run(CommandKind::Fallback, command, arg, env, &[], timeout, 0);
    if run.ended == Ended::Exited(0) {
        return Ok(run);
    }
    let reason = no_result(command, &run, Limit::Option(timeout));
    Err(CommandFailed { run, reason })
}

/// `run_fallback` for a caller that counts no runs.
pub fn run_command(
    command: &str,
    arg: &str,
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<(), CommandFailed> {
    run_fallback(command, arg, env, timeout).map(|_run| ())
}

/// A prover's result for a job.
type Proved = (Id, Result<Vec<u8>, String>);

/// `--prove-cmd`: `sh -c CMD` with the inputs URL as `$1` and in `PROOF_INPUTS_URL`, the
/// request in `PROOF_REQUEST_ID` (`chain_id/block_number`) and the deadline in
/// `PROOF_DEADLINE_MS`; the proof is its standard output when it exits 0. Each job runs on its
/// own thread until the request's proving deadline, or for `--prove-timeout` when shorter.
pub struct CommandProver {
    command: String,
    cap: Option<Duration>,
    /// The jobs started and not yet polled, running or finished.
    active: BTreeSet<Id>,
    done: Sender<Proved>,
    results: Receiver<Proved>,
    runs: Arc<Mutex<Vec<CommandRun>>>,
}

impl CommandProver {
    /// `cap`: `--prove-timeout`, the longest a job runs even when its deadline is further;
    /// `None`, until the deadline. (A bare `Duration` is a cap.)
    pub fn new(command: &str, cap: impl Into<Option<Duration>>) -> Self {
        let (done, results) = channel();
        CommandProver {
            command: command.to_string(),
            cap: cap.into(),
            active: BTreeSet::new(),
            done,
            results,
            runs: Arc::default(),
        }
    }

    /// What bounds `job` started at chain time `now_ms`: the time left to its deadline, taken
    /// as wall clock, or the cap when shorter.
    fn limit(&self, job: &ProveJob, now_ms: u64) -> Limit {
        let left = Duration::from_millis(job.deadline.saturating_sub(now_ms));
        match self.cap {
            Some(cap) if cap < left => Limit::Option(cap),
            _ => Limit::Deadline {
                deadline_ms: job.deadline,
                after: left,
            },
        }
    }
}

impl Prover for CommandProver {
    /// A job started and not yet polled, running or finished, is left as it is: an agent that
    /// reopens after a node blip starts its committed jobs again on the same prover. A job
    /// whose deadline has passed fails without running.
    fn start(&mut self, job: &ProveJob, now_ms: u64) {
        if !self.active.insert(job.id) {
            return;
        }
        if job.deadline <= now_ms {
            let late = format!(
                "the proving deadline ({} ms chain time) had passed when the job started \
                 ({now_ms} ms)",
                job.deadline
            );
            let _ = self.done.send((job.id, Err(late)));
            return;
        }
        let limit = self.limit(job, now_ms);
        let (command, done, runs, job) = (
            self.command.clone(),
            self.done.clone(),
            self.runs.clone(),
            job.clone(),
        );
        std::thread::spawn(move || {
            let (run, result) = prove(&command, &job, limit);
            runs.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(run);
            let _ = done.send((job.id, result));
        });
    }

    fn poll(&mut self, _now_ms: u64) -> Vec<(Id, Result<Vec<u8>, String>)> {
        let results: Vec<Proved> = self.results.try_iter().collect();
        for (id, _) in &results {
            self.active.remove(id);
        }
        results
    }

    fn take_runs(&mut self) -> Vec<CommandRun> {
        std::mem::take(&mut *self.runs.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Runs the prove command on `job`: its run, and its proof or why there is none.
fn prove(command: &str, job: &ProveJob, limit: Limit) -> (CommandRun, Result<Vec<u8>, String>) {
    let env = [
        ("PROOF_INPUTS_URL", job.url.clone()),
        ("PROOF_REQUEST_ID", job.id.to_string()),
        ("PROOF_DEADLINE_MS", job.deadline.to_string()),
    ];
    let cap = MAX_PROOF_LEN as usize;
    let Ran { run, stdout } = run(
        CommandKind::Prove,
        command,
        &job.url,
        &env,
        &[],
        limit.after(),
        cap,
    );
    let result = match (&run.ended, stdout) {
        (Ended::Exited(0), None) => Err("the prove command exited, but something it left \
             running held its output open: the proof may be incomplete"
            .to_string()),
        (Ended::Exited(0), Some(_)) if run.output_cut => Err(format!(
            "the proof is over the contract's {MAX_PROOF_LEN} bytes"
        )),
        (Ended::Exited(0), Some(proof)) => Ok(proof),
        _ => Err(no_result(command, &run, limit)),
    };
    (run, result)
}

/// `--verify-cmd`: `sh -c CMD` with the proof on its standard input and the request in
/// `PROOF_REQUEST_ID` (and `$1`); exit 0 means valid, 1 invalid, anything else (or running over
/// `--verify-timeout`) an error, retried later. Its output is read and dropped.
pub struct CommandVerifier {
    command: String,
    timeout: Duration,
    runs: Vec<CommandRun>,
}

impl CommandVerifier {
    /// `timeout`: `--verify-timeout`.
    pub fn new(command: &str, timeout: Duration) -> Self {
        CommandVerifier {
            command: command.to_string(),
            timeout,
            runs: Vec::new(),
        }
    }
}

impl Verifier for CommandVerifier {
    fn verify(&mut self, id: Id, proof: &[u8]) -> Result<bool, VerifyError> {
        let (arg, env) = (id.to_string(), [("PROOF_REQUEST_ID", id.to_string())]);
        let (kind, timeout) = (CommandKind::Verify, self.timeout);
        let Ran { run, .. } = run(kind, &self.command, &arg, &env, proof, timeout, 0);
        let verdict = match run.ended {
            Ended::Exited(0) => Ok(true),
            Ended::Exited(1) => Ok(false),
            Ended::Exited(code) => Err(VerifyError(format!(
                "the verify command exited with {code} (0 is valid, 1 invalid)"
            ))),
            _ => Err(VerifyError(no_result(
                &self.command,
                &run,
                Limit::Option(self.timeout),
            ))),
        };
        self.runs.push(run);
        verdict
    }

    fn take_runs(&mut self) -> Vec<CommandRun> {
        std::mem::take(&mut self.runs)
    }
}

/// What a scripted prover does with one job: take this long (chain time) and then deliver a
/// proof, or fail.
pub type ProveScript = Box<dyn FnMut(&ProveJob) -> (u64, Result<Vec<u8>, String>)>;

/// A prover on the chain's clock: each job's duration and outcome come from a script.
pub struct ScriptedProver {
    script: ProveScript,
    /// Started jobs by the time they finish at (ties by id).
    running: BTreeMap<(u64, Id), Result<Vec<u8>, String>>,
}

impl ScriptedProver {
    pub fn new(script: ProveScript) -> Self {
        ScriptedProver {
            script,
            running: BTreeMap::new(),
        }
    }
}

impl Prover for ScriptedProver {
    /// A job already running is left as it is: an agent restarted while its prover kept
    /// working starts its committed jobs again.
    fn start(&mut self, job: &ProveJob, now_ms: u64) {
        if self.running.keys().any(|(_, id)| *id == job.id) {
            return;
        }
        let (duration, result) = (self.script)(job);
        self.running
            .insert((now_ms.saturating_add(duration), job.id), result);
    }

    fn poll(&mut self, now_ms: u64) -> Vec<(Id, Result<Vec<u8>, String>)> {
        let later = self.running.split_off(&(
            now_ms.saturating_add(1),
            Id {
                chain_id: 0,
                block_number: 0,
            },
        ));
        let done = std::mem::replace(&mut self.running, later);
        done.into_iter().map(|((_, id), r)| (id, r)).collect()
    }

    fn next_ready(&self) -> Option<u64> {
        self.running.keys().next().map(|(at, _)| *at)
    }
}

/// A scripted verifier's verdict on a request and its proof.
pub type VerifyScript = Box<dyn FnMut(Id, &[u8]) -> Result<bool, VerifyError>>;

/// A verifier whose verdicts come from a function of the request and its proof.
pub struct ScriptedVerifier(pub VerifyScript);

impl Verifier for ScriptedVerifier {
    fn verify(&mut self, id: Id, proof: &[u8]) -> Result<bool, VerifyError> {
        (self.0)(id, proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Id = Id {
        chain_id: 324,
        block_number: 51_203,
    };

    /// A job whose deadline is an hour after chain time 0.
    fn job() -> ProveJob {
        ProveJob {
            id: ID,
            url: "https://inputs.example/324/51203".into(),
            deadline: 3_600_000,
            max_reward: 1,
        }
    }

    /// The prover's one result, waiting up to `limit` of wall clock.
    fn proved(prover: &mut CommandProver, limit: Duration) -> Result<Vec<u8>, String> {
        let started = Instant::now();
        loop {
            if let Some((id, result)) = prover.poll(0).pop() {
                assert_eq!(id, ID);
                return result;
            }
            assert!(started.elapsed() < limit, "no result within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_prove_command_gets_the_request_and_its_output_is_the_proof() {
        let mut prover = CommandProver::new(
            r#"printf '%s %s %s' "$1" "$PROOF_REQUEST_ID" "$PROOF_DEADLINE_MS""#,
            None,
        );
        prover.start(&job(), 0);
        let proof = proved(&mut prover, Duration::from_secs(10)).unwrap();
        assert_eq!(
            String::from_utf8(proof).unwrap(),
            "https://inputs.example/324/51203 324/51203 3600000"
        );
    }

    #[test]
    fn a_hanging_prove_command_is_killed_at_the_prove_timeout() {
        let mut prover = CommandProver::new("sleep 30", Some(Duration::from_secs(1)));
        let started = Instant::now();
        prover.start(&job(), 0);
        let error = proved(&mut prover, Duration::from_secs(10)).unwrap_err();
        assert!(error.contains("--prove-timeout (1 s)"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_failing_or_oversized_proof_is_no_proof() {
        let mut prover = CommandProver::new("exit 3", None);
        prover.start(&job(), 0);
        let error = proved(&mut prover, Duration::from_secs(10)).unwrap_err();
        assert!(error.contains("exited with 3"), "{error}");

        let over = MAX_PROOF_LEN as usize + 1;
        let mut prover = CommandProver::new(&format!("head -c {over} /dev/zero"), None);
        prover.start(&job(), 0);
        let error = proved(&mut prover, Duration::from_secs(10)).unwrap_err();
        assert!(error.contains("over the contract's"), "{error}");
    }

    #[test]
    fn a_proof_of_exactly_the_contracts_limit_is_a_proof() {
        let limit = MAX_PROOF_LEN as usize;
        let mut prover = CommandProver::new(&format!("head -c {limit} /dev/zero"), None);
        prover.start(&job(), 0);
        let proof = proved(&mut prover, Duration::from_secs(10)).unwrap();
        assert_eq!(proof.len(), limit);
    }

    #[test]
    fn a_verify_command_reads_the_proof_and_its_exit_code_is_the_verdict() {
        let check = r#"[ "$(cat)" = "proof of $PROOF_REQUEST_ID" ] || exit 1"#;
        let mut verifier = CommandVerifier::new(check, Duration::from_secs(10));
        assert_eq!(verifier.verify(ID, b"proof of 324/51203"), Ok(true));
        assert_eq!(verifier.verify(ID, b"spoilt"), Ok(false));
        let mut broken = CommandVerifier::new("exit 2", Duration::from_secs(10));
        let error = broken.verify(ID, b"x").unwrap_err();
        assert!(error.0.contains("0 is valid, 1 invalid"), "{error:?}");
    }

    #[test]
    fn a_hanging_verify_command_gives_no_verdict_after_the_verify_timeout() {
        let mut verifier = CommandVerifier::new("sleep 30", Duration::from_secs(1));
        let started = Instant::now();
        let error = verifier.verify(ID, b"proof").unwrap_err();
        assert!(error.0.contains("--verify-timeout (1 s)"), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_hanging_fallback_hook_fails_after_the_fallback_timeout() {
        let started = Instant::now();
        let failed =
            run_fallback("sleep 30", "324/51203", &[], Duration::from_secs(1)).unwrap_err();
        assert!(
            failed.reason.contains("--fallback-timeout (1 s)"),
            "{failed}"
        );
        assert_eq!(failed.run.ended, Ended::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_command_that_cannot_start_says_why() {
        // A NUL byte cannot be passed to `sh`: spawning fails before any process exists.
        let failed = run_fallback("exit 0\0", "", &[], Duration::from_secs(1)).unwrap_err();
        assert!(
            matches!(failed.run.ended, Ended::FailedToStart(_)),
            "{failed:?}"
        );
        assert!(failed.reason.starts_with("cannot start"), "{failed}");
    }
}
