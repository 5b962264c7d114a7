//! The work an agent hands off: proving (a network's) and verifying (the submitter's), each
//! behind one interface with two kinds of worker: an external command, the real thing, and a
//! scripted worker on the chain's clock, for the tests and the simulator.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
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
}

/// Why a verifier gave no verdict; the submitter tries again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyError(pub String);

/// Checks proofs: `Ok(true)` valid, `Ok(false)` invalid.
pub trait Verifier {
    fn verify(&mut self, id: Id, proof: &[u8]) -> Result<bool, VerifyError>;
}

/// How an external command ended.
#[derive(Debug)]
enum Ran {
    Exited { code: Option<i32>, stdout: Vec<u8> },
    TimedOut,
    Failed(String),
}

/// Runs `sh -c command` with `env`, `stdin` on its standard input and `arg` as `$1`, killed
/// after `timeout`; keeps at most `limit` bytes of its output.
fn run(
    command: &str,
    arg: &str,
    env: &[(&str, String)],
    stdin: &[u8],
    timeout: Duration,
    limit: usize,
) -> Ran {
    let mut child = match Command::new("sh")
        .arg("-c")
        .arg(command)
        .arg("sh")
        .arg(arg)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Ran::Failed(format!("cannot start `{command}`: {e}")),
    };
    // Output and input on their own threads, so that a command writing or reading more than
    // a pipe holds cannot block the clock below.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(limit as u64 + 1).read_to_end(&mut out);
        out
    });
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Ran::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Ran::Failed(format!("waiting for `{command}`: {e}")),
        }
    };
    let _ = writer.join();
    let stdout = reader.join().unwrap_or_default();
    Ran::Exited {
        code: status.code(),
        stdout,
    }
}

/// Runs `sh -c command` with `arg` as `$1` and `env`, bounded by `timeout`; `Ok` when it exits
/// 0 (the fallback hook).
pub fn run_command(
    command: &str,
    arg: &str,
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<(), String> {
    match run(command, arg, env, &[], timeout, 0) {
        Ran::Exited { code: Some(0), .. } => Ok(()),
        Ran::Exited { code, .. } => Err(format!("`{command}` exited with {code:?}")),
        Ran::TimedOut => Err(format!(
            "`{command}` ran over {} s and was killed",
            timeout.as_secs()
        )),
        Ran::Failed(reason) => Err(reason),
    }
}

/// `--prove-cmd`: `sh -c CMD` with the inputs URL as `$1` and in `PROOF_INPUTS_URL`, the
/// request in `PROOF_REQUEST_ID` (`chain_id/block_number`) and the deadline in
/// `PROOF_DEADLINE_MS`; the proof is its standard output when it exits 0. Each job runs on its
/// own thread, bounded by the timeout.
pub struct CommandProver {
    command: String,
    timeout: Duration,
    done: Sender<(Id, Result<Vec<u8>, String>)>,
    results: Receiver<(Id, Result<Vec<u8>, String>)>,
}

impl CommandProver {
    pub fn new(command: &str, timeout: Duration) -> Self {
        let (done, results) = channel();
        CommandProver {
            command: command.to_string(),
            timeout,
            done,
            results,
        }
    }
}

impl Prover for CommandProver {
    fn start(&mut self, job: &ProveJob, _now_ms: u64) {
        let (command, timeout, done, job) = (
            self.command.clone(),
            self.timeout,
            self.done.clone(),
            job.clone(),
        );
        std::thread::spawn(move || {
            let env = [
                ("PROOF_INPUTS_URL", job.url.clone()),
                ("PROOF_REQUEST_ID", job.id.to_string()),
                ("PROOF_DEADLINE_MS", job.deadline.to_string()),
            ];
            let limit = MAX_PROOF_LEN as usize;
            let result = match run(&command, &job.url, &env, &[], timeout, limit) {
                Ran::Exited {
                    code: Some(0),
                    stdout,
                } if stdout.len() > limit => Err(format!(
                    "the proof is over the contract's {} bytes",
                    MAX_PROOF_LEN
                )),
                Ran::Exited {
                    code: Some(0),
                    stdout,
                } => Ok(stdout),
                Ran::Exited { code, .. } => Err(format!("the prove command exited with {code:?}")),
                Ran::TimedOut => Err(format!(
                    "the prove command ran over --cmd-timeout ({} s) and was killed",
                    timeout.as_secs()
                )),
                Ran::Failed(reason) => Err(reason),
            };
            let _ = done.send((job.id, result));
        });
    }

    fn poll(&mut self, _now_ms: u64) -> Vec<(Id, Result<Vec<u8>, String>)> {
        self.results.try_iter().collect()
    }
}

/// `--verify-cmd`: `sh -c CMD` with the proof on its standard input and the request in
/// `PROOF_REQUEST_ID` (and `$1`); exit 0 means valid, 1 invalid, anything else (or running over
/// the timeout) an error, retried later.
pub struct CommandVerifier {
    command: String,
    timeout: Duration,
}

impl CommandVerifier {
    pub fn new(command: &str, timeout: Duration) -> Self {
        CommandVerifier {
            command: command.to_string(),
            timeout,
        }
    }
}

impl Verifier for CommandVerifier {
    fn verify(&mut self, id: Id, proof: &[u8]) -> Result<bool, VerifyError> {
        let env = [("PROOF_REQUEST_ID", id.to_string())];
        match run(&self.command, &id.to_string(), &env, proof, self.timeout, 0) {
            Ran::Exited { code: Some(0), .. } => Ok(true),
            Ran::Exited { code: Some(1), .. } => Ok(false),
            Ran::Exited { code, .. } => Err(VerifyError(format!(
                "the verify command exited with {code:?} (0 is valid, 1 invalid)"
            ))),
            Ran::TimedOut => Err(VerifyError(format!(
                "the verify command ran over --cmd-timeout ({} s) and was killed",
                self.timeout.as_secs()
            ))),
            Ran::Failed(reason) => Err(VerifyError(reason)),
        }
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

    fn job() -> ProveJob {
        ProveJob {
            id: ID,
            url: "https://inputs.example/324/51203".into(),
            deadline: 1_000,
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
            Duration::from_secs(10),
        );
        prover.start(&job(), 0);
        let proof = proved(&mut prover, Duration::from_secs(10)).unwrap();
        assert_eq!(
            String::from_utf8(proof).unwrap(),
            "https://inputs.example/324/51203 324/51203 1000"
        );
    }

    #[test]
    fn a_hanging_prove_command_is_killed_at_the_timeout() {
        let mut prover = CommandProver::new("sleep 30", Duration::from_secs(1));
        let started = Instant::now();
        prover.start(&job(), 0);
        let error = proved(&mut prover, Duration::from_secs(10)).unwrap_err();
        assert!(error.contains("--cmd-timeout (1 s)"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_failing_or_oversized_proof_is_no_proof() {
        let mut prover = CommandProver::new("exit 3", Duration::from_secs(10));
        prover.start(&job(), 0);
        let error = proved(&mut prover, Duration::from_secs(10)).unwrap_err();
        assert!(error.contains("Some(3)"), "{error}");

        let over = MAX_PROOF_LEN as usize + 1;
        let mut prover = CommandProver::new(
            &format!("head -c {over} /dev/zero"),
            Duration::from_secs(10),
        );
        prover.start(&job(), 0);
        let error = proved(&mut prover, Duration::from_secs(10)).unwrap_err();
        assert!(error.contains("over the contract's"), "{error}");
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
    fn a_hanging_verify_command_gives_no_verdict_after_the_timeout() {
        let mut verifier = CommandVerifier::new("sleep 30", Duration::from_secs(1));
        let started = Instant::now();
        let error = verifier.verify(ID, b"proof").unwrap_err();
        assert!(error.0.contains("--cmd-timeout (1 s)"), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
