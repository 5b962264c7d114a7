//! The command line: `submitter` (run, enqueue, status) and `network` (run, status) against a
//! live node. Amounts are in the payment token's smallest units; times in the contract's
//! milliseconds unless an option says seconds.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ink::primitives::AccountId;
use proof_manager::MAX_REWARD;
use proof_manager_audit::ss58;

use proof_manager_audit::exposition::{self, Health};
use proof_manager_audit::logs::LogFormat;

use crate::agent::{AgentError, NetworkAgent, SubmitterAgent, EXIT_BAD_INPUT};
use crate::call::Id;
use crate::metrics::AgentMetrics;
use crate::network::{AcceptAtOnce, ClaimPolicy, Job, Net, NetworkConfig};
use crate::node::{keypair, NodeChain};
use crate::runner::Machine;
use crate::serve::{serve, Watch};
use crate::store::Store;
use crate::submitter::{Batch, Status, Submitter, SubmitterConfig, KIND as BATCH};
use crate::work::{CommandProver, CommandVerifier};

#[derive(Debug, Parser)]
#[command(
    name = "proof-manager-agent",
    about = "The operator's submitter service and a proving network's agent for ProofManager",
    after_help = "Exit codes: 0 done, 1 a failure while running (the node, the state file), 2 bad \
                  input (arguments, a key, an address that is no ProofManager, an unfunded key, \
                  a batch the contract cannot take), 3 the network's key was rotated away."
)]
pub struct Cli {
    #[command(subcommand)]
    pub role: Role,
    /// How log lines are written to standard error: `human`, or `json` (one object per line,
    /// a request's id in its `request` field). RUST_LOG filters them (default `info`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Role {
    /// The operator's submitter service.
    #[command(subcommand)]
    Submitter(SubmitterCommand),
    /// A proving network's agent.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Every call an agent decided on, with its outcome and how long (wall clock, ms) it took
    /// from the decision to the outcome; one JSON object per call with --json.
    #[command(
        after_help = "Example:\n  proof-manager-agent outbox --state submitter.sqlite --json"
    )]
    Outbox {
        #[arg(long)]
        state: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// Where the chain is and whose key signs.
#[derive(Debug, Args)]
pub struct Connection {
    /// The node's WebSocket URL.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    pub url: String,
    /// The ProofManager's address (SS58 or 0x-hex).
    #[arg(long)]
    pub contract: String,
    /// The agent's secret key as a secret URI (`//Alice` on a dev chain); prefer --key-file,
    /// which keeps it out of the process list. Never printed.
    #[arg(long, conflicts_with = "key_file")]
    pub suri: Option<String>,
    /// A file holding the agent's secret URI.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// The agent's state file (SQLite).
    #[arg(long)]
    pub state: PathBuf,
    /// The first block to read when the state file is new (default: the next block).
    #[arg(long)]
    pub from: Option<u64>,
    /// Stop once this block is processed (default: run until stopped; stopping at any moment
    /// is safe).
    #[arg(long)]
    pub until_block: Option<u64>,
    /// How long to wait for a new block when caught up (ms).
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// How long a sent call may take to be in a block (s) before its fate counts as unknown;
    /// the agent then looks for its effect on chain before it sends it again.
    #[arg(long, default_value_t = 60)]
    pub inclusion_timeout: u64,
    /// Serve Prometheus metrics on /metrics and a health check on /health at this address
    /// (IP:PORT, e.g. 127.0.0.1:9616); off unless given.
    #[arg(long)]
    pub metrics_addr: Option<String>,
    /// /health answers 503 once the last block processed is more than this many blocks behind
    /// the finalized head (and while the node does not answer).
    #[arg(long, default_value_t = 20)]
    pub health_max_lag: u64,
}

// Parsed once per process: the size of the `run` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SubmitterCommand {
    /// Send every queued batch, watch the networks, verify the proofs, record the verdicts,
    /// hand back what the networks do not deliver.
    #[command(
        after_help = "Example:\n  proof-manager-agent submitter run --url ws://127.0.0.1:9944 \
        --contract 5G... --key-file submitter.key --state submitter.sqlite \
        --verify-cmd './verify.sh' --on-fallback './prove-in-house.sh'"
    )]
    Run {
        #[command(flatten)]
        connection: Connection,
        /// Checks a proof: the proof on stdin, the request (`chain_id/block_number`) in
        /// PROOF_REQUEST_ID; exit 0 valid, 1 invalid, anything else an error retried later.
        #[arg(long)]
        verify_cmd: String,
        /// The longest --verify-cmd may run (s); its process group is killed after.
        #[arg(long, default_value_t = 600)]
        verify_timeout: u64,
        /// Runs once per batch handed back, with FALLBACK_CHAIN_ID, FALLBACK_BLOCK_NUMBER and
        /// FALLBACK_REASON set (again only if killed between running it and recording it).
        #[arg(long)]
        on_fallback: Option<String>,
        /// The longest --on-fallback may run (s); its process group is killed after, and it
        /// runs again next step.
        #[arg(long, default_value_t = 600)]
        fallback_timeout: u64,
        /// Every request's proving window (ms).
        #[arg(long, default_value_t = 3_600_000)]
        timeout_after: u64,
        /// Every request's maximum reward.
        #[arg(long, default_value_t = MAX_REWARD)]
        max_reward: u128,
        /// The protocol version of every request, `major.minor.patch`.
        #[arg(long, default_value = "0.27.0")]
        protocol: String,
        /// After NoFundsAvailable, how long to wait before trying again (s) when no request
        /// left the reservation meanwhile.
        #[arg(long, default_value_t = 60)]
        funds_retry: u64,
    },
    /// Queue a batch ready to be proven.
    #[command(
        after_help = "Example:\n  proof-manager-agent submitter enqueue --state submitter.sqlite \
        --chain-id 324 --block 51203 --url https://inputs.example/324/51203"
    )]
    Enqueue {
        #[arg(long)]
        state: PathBuf,
        #[arg(long)]
        chain_id: u64,
        #[arg(long)]
        block: u64,
        #[arg(long)]
        url: String,
    },
    /// Every batch with its status and what it waits for.
    #[command(
        after_help = "Example:\n  proof-manager-agent submitter status --state submitter.sqlite"
    )]
    Status {
        #[arg(long)]
        state: PathBuf,
        /// One JSON object per batch instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NetworkArg {
    Fermah,
    Lagrange,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Acknowledge the network's requests, prove them through a command, submit, claim.
    #[command(
        after_help = "Example:\n  proof-manager-agent network run --network fermah \
        --url ws://127.0.0.1:9944 --contract 5G... --key-file fermah.key --state fermah.sqlite \
        --prove-cmd './prove.sh' --price 0.8 --claim-every 3600"
    )]
    Run {
        #[command(flatten)]
        connection: Connection,
        #[arg(long, value_enum)]
        network: NetworkArg,
        /// Proves a request: the inputs URL as $1 and in PROOF_INPUTS_URL, the request in
        /// PROOF_REQUEST_ID, the deadline in PROOF_DEADLINE_MS; the proof on stdout, exit 0.
        /// Only http:// and https:// URLs without control characters reach it; requests with
        /// any other are refused.
        #[arg(long)]
        prove_cmd: String,
        /// The longest --prove-cmd may run (s); by default, until the request's proving
        /// deadline. Its process group is killed after.
        #[arg(long)]
        prove_timeout: Option<u64>,
        /// The reward asked for, as a fraction of each request's max_reward.
        #[arg(long, default_value_t = 1.0)]
        price: f64,
        /// Requests proved at once at most; more are refused.
        #[arg(long, default_value_t = 4)]
        max_concurrent: usize,
        /// Claim once this much is owed.
        #[arg(long)]
        claim_at: Option<u128>,
        /// Claim every this many seconds of chain time while anything is owed.
        #[arg(long)]
        claim_every: Option<u64>,
    },
    /// Every job with its status, and what the network is owed.
    #[command(after_help = "Example:\n  proof-manager-agent network status --state fermah.sqlite")]
    Status {
        #[arg(long)]
        state: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// Why the command line could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Agent(#[from] AgentError),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::BadInput(_) => EXIT_BAD_INPUT,
            CliError::Agent(e) => e.exit_code(),
        }
    }
}

fn bad(message: impl Into<String>) -> CliError {
    CliError::BadInput(message.into())
}

fn address(text: &str) -> Result<AccountId, CliError> {
    let bytes = if let Some(hex) = text.strip_prefix("0x") {
        let bytes = hex::decode(hex).map_err(|e| bad(format!("--contract {text}: {e}")))?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| bad(format!("--contract {text}: not 32 bytes")))?
    } else {
        ss58::decode(text).map_err(|e| bad(format!("--contract {text}: {e}")))?
    };
    Ok(AccountId::from(bytes))
}

fn secret(connection: &Connection) -> Result<subxt_signer::sr25519::Keypair, CliError> {
    let text = match (&connection.suri, &connection.key_file) {
        (Some(suri), _) => suri.clone(),
        (None, Some(path)) => {
            private_key_file(path)?;
            std::fs::read_to_string(path)
                .map_err(|e| bad(format!("--key-file {}: {e}", path.display())))?
        }
        (None, None) => return Err(bad("give the agent's key with --key-file or --suri")),
    };
    keypair(&text).map_err(bad)
}

/// Refuses a key file that users other than its owner can read: a secret key is the owner's.
fn private_key_file(path: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| bad(format!("--key-file {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(bad(format!(
            "--key-file {}: readable or writable by group or others (mode {:o}); a secret key \
             must be the owner's alone: run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

fn protocol(text: &str) -> Result<(u32, u32, u32), CliError> {
    let parts: Vec<u32> = text
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("--protocol {text}: not major.minor.patch")))?;
    match parts[..] {
        [major, minor, patch] => Ok((major, minor, patch)),
        _ => Err(bad(format!("--protocol {text}: not major.minor.patch"))),
    }
}

/// The configuration a submitter service stored, which `enqueue` gives each batch.
const CONFIG: &str = "submitter-config";

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.role {
        Role::Submitter(SubmitterCommand::Run {
            connection,
            verify_cmd,
            verify_timeout,
            on_fallback,
            fallback_timeout,
            timeout_after,
            max_reward,
            protocol: version,
            funds_retry,
        }) => {
            let config = SubmitterConfig {
                protocol: protocol(&version)?,
                timeout_after,
                max_reward,
                funds_retry_ms: funds_retry.saturating_mul(1_000),
            };
            let manager = address(&connection.contract)?;
            let signer = secret(&connection)?;
            let remembered = serde_json::to_string(&ConfigRow::from(&config))
                .map_err(|e| bad(format!("the configuration: {e}")))?;
            let open = || {
                let chain = connect(&connection, manager, &signer)?;
                let mut agent = SubmitterAgent::open(
                    &connection.state,
                    chain,
                    config.clone(),
                    Box::new(CommandVerifier::new(
                        &verify_cmd,
                        Duration::from_secs(verify_timeout),
                    )),
                    on_fallback
                        .clone()
                        .map(|command| (command, Duration::from_secs(fallback_timeout))),
                    None,
                )?;
                agent.remember_config(&remembered)?;
                Ok(agent)
            };
            let watch = watch(&connection, "submitter")?;
            serve(
                open,
                connection.until_block,
                Duration::from_millis(connection.poll_ms),
                watch.as_ref(),
            )
            .map_err(CliError::from)
        }
        Role::Submitter(SubmitterCommand::Enqueue {
            state,
            chain_id,
            block,
            url,
        }) => enqueue(
            &state,
            Id {
                chain_id,
                block_number: block,
            },
            &url,
        ),
        Role::Submitter(SubmitterCommand::Status { state, json }) => submitter_status(&state, json),
        Role::Network(NetworkCommand::Run {
            connection,
            network,
            prove_cmd,
            prove_timeout,
            price,
            max_concurrent,
            claim_at,
            claim_every,
        }) => {
            if !(0.0..=1.0).contains(&price) {
                return Err(bad(format!(
                    "--price {price}: a fraction of max_reward, 0 to 1"
                )));
            }
            if max_concurrent == 0 {
                return Err(bad("--max-concurrent must be at least 1"));
            }
            let net = match network {
                NetworkArg::Fermah => Net::Fermah,
                NetworkArg::Lagrange => Net::Lagrange,
            };
            let signer = secret(&connection)?;
            let account = AccountId::from(signer.public_key().0);
            let manager = address(&connection.contract)?;
            let config = NetworkConfig {
                network: net,
                account,
                max_concurrent,
                price_ppm: (price * 1_000_000.0).round() as u32,
                claim: ClaimPolicy {
                    at: claim_at,
                    every_ms: claim_every.map(|s| s.saturating_mul(1_000)),
                },
            };
            // One prover for the process: the agent reopened after a node blip hands its
            // committed jobs to the same prover, which is already proving them.
            let prover = Rc::new(RefCell::new(CommandProver::new(
                &prove_cmd,
                prove_timeout.map(Duration::from_secs),
            )));
            let open = || {
                let chain = connect(&connection, manager, &signer)?;
                NetworkAgent::open(
                    &connection.state,
                    chain,
                    config.clone(),
                    Box::new(AcceptAtOnce),
                    Box::new(prover.clone()),
                    None,
                )
            };
            let role = match net {
                Net::Fermah => "fermah",
                Net::Lagrange => "lagrange",
            };
            let watch = watch(&connection, role)?;
            serve(
                open,
                connection.until_block,
                Duration::from_millis(connection.poll_ms),
                watch.as_ref(),
            )
            .map_err(CliError::from)
        }
        Role::Network(NetworkCommand::Status { state, json }) => network_status(&state, json),
        Role::Outbox { state, json } => outbox(&state, json),
    }
}

/// The metrics and health of an agent `role`, served at `--metrics-addr` when given.
fn watch(connection: &Connection, role: &str) -> Result<Option<Watch>, CliError> {
    let Some(addr) = &connection.metrics_addr else {
        return Ok(None);
    };
    let metrics = AgentMetrics::new(role);
    let health = Health::new();
    let served = exposition::serve(addr, metrics.registry(), health.clone())
        .map_err(|e| bad(e.to_string()))?;
    tracing::info!(addr = %served.addr, "serving /metrics and /health");
    Ok(Some(Watch {
        metrics,
        health,
        max_lag: connection.health_max_lag,
    }))
}

/// The node's connection as `connection` asks for it.
fn connect(
    connection: &Connection,
    manager: AccountId,
    signer: &subxt_signer::sr25519::Keypair,
) -> Result<NodeChain, AgentError> {
    let mut chain = NodeChain::connect(&connection.url, manager, signer.clone(), connection.from)?;
    chain.set_inclusion_timeout(Duration::from_secs(connection.inclusion_timeout));
    Ok(chain)
}

fn outbox(state: &Path, json: bool) -> Result<(), CliError> {
    let store = existing(state)?;
    let calls = store.outbox().map_err(AgentError::from)?;
    for entry in &calls {
        let call: serde_json::Value = serde_json::from_str(&entry.call)
            .map_err(|e| bad(format!("{}: an outbox call: {e}", store.path().display())))?;
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "call": call,
                    "state": entry.state,
                    "outcome": entry.outcome,
                    "latency_ms": entry.latency_ms,
                    "attempts": entry.attempts,
                    "last_error": entry.last_error,
                })
            );
        } else {
            println!(
                "{:9} {:>7} ms  {} attempt(s)  {}  {}",
                entry.state,
                entry.latency_ms.map_or("-".into(), |l| l.to_string()),
                entry.attempts,
                entry
                    .outcome
                    .as_deref()
                    .or(entry.last_error.as_deref())
                    .unwrap_or("-"),
                call
            );
        }
    }
    if !json {
        println!("{} calls", calls.len());
    }
    Ok(())
}

/// The submitter configuration as stored for `enqueue`.
#[derive(serde::Serialize, serde::Deserialize)]
struct ConfigRow {
    protocol: (u32, u32, u32),
    timeout_after: u64,
    max_reward: u128,
    funds_retry_ms: u64,
}

impl From<&SubmitterConfig> for ConfigRow {
    fn from(c: &SubmitterConfig) -> Self {
        ConfigRow {
            protocol: c.protocol,
            timeout_after: c.timeout_after,
            max_reward: c.max_reward,
            funds_retry_ms: c.funds_retry_ms,
        }
    }
}

fn existing(state: &Path) -> Result<Store, CliError> {
    if !state.exists() {
        return Err(bad(format!(
            "{} does not exist: run the agent once to create it",
            state.display()
        )));
    }
    Store::open_existing(state).map_err(|e| CliError::Agent(e.into()))
}

fn enqueue(state: &Path, id: Id, url: &str) -> Result<(), CliError> {
    let mut store = existing(state)?;
    let config: ConfigRow = match store.setting(CONFIG).map_err(AgentError::from)? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "{}: the stored configuration: {e}",
                state.display()
            ))
        })?,
        None => {
            return Err(bad(format!(
                "{} holds no submitter configuration: run `submitter run` once first",
                state.display()
            )))
        }
    };
    let batches: Vec<Batch> = store
        .rows(BATCH)
        .map_err(AgentError::from)?
        .into_iter()
        .filter_map(|(_, _, body)| serde_json::from_str(&body).ok())
        .collect();
    let mut machine = Submitter::new(
        SubmitterConfig {
            protocol: config.protocol,
            timeout_after: config.timeout_after,
            max_reward: config.max_reward,
            funds_retry_ms: config.funds_retry_ms,
        },
        batches,
    );
    machine.enqueue(id, url).map_err(AgentError::from)?;
    store
        .commit(&machine.take_changes())
        .map_err(AgentError::from)?;
    println!("queued batch {id}");
    Ok(())
}

fn submitter_status(state: &Path, json: bool) -> Result<(), CliError> {
    let store = existing(state)?;
    let batches: Vec<Batch> = store
        .rows(BATCH)
        .map_err(AgentError::from)?
        .into_iter()
        .filter_map(|(_, _, body)| serde_json::from_str(&body).ok())
        .collect();
    let fallbacks = store.fallbacks().map_err(AgentError::from)?;
    if json {
        for batch in &batches {
            println!(
                "{}",
                serde_json::json!({
                    "chain_id": batch.id.chain_id,
                    "block_number": batch.id.block_number,
                    "status": batch_status(&batch.status),
                    "assigned_to": batch.assigned_to.map(|n| format!("{n:?}")),
                    "waiting_for": batch.waiting_for(),
                })
            );
        }
        return Ok(());
    }
    println!("| batch | status | network | waiting for |");
    println!("|---|---|---|---|");
    for batch in &batches {
        println!(
            "| {} | {} | {} | {} |",
            batch.id,
            batch_status(&batch.status),
            batch.assigned_to.map_or("-".into(), |n| format!("{n:?}")),
            batch.waiting_for()
        );
    }
    let handed: usize = fallbacks.iter().filter(|(_, notified)| *notified).count();
    println!(
        "\n{} batches; {} fell back ({} handed to --on-fallback)",
        batches.len(),
        fallbacks.len(),
        handed
    );
    Ok(())
}

fn batch_status(status: &Status) -> String {
    match status {
        Status::Fallback(reason) => format!("fallback: {}", reason.label()),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn network_status(state: &Path, json: bool) -> Result<(), CliError> {
    let store = existing(state)?;
    let jobs: Vec<Job> = store
        .rows(crate::network::KIND)
        .map_err(AgentError::from)?
        .into_iter()
        .filter_map(|(_, _, body)| serde_json::from_str(&body).ok())
        .collect();
    let ledger: Option<crate::network::Ledger> = store
        .rows(crate::network::LEDGER)
        .map_err(AgentError::from)?
        .into_iter()
        .find_map(|(_, _, body)| serde_json::from_str(&body).ok());
    if json {
        for job in &jobs {
            println!(
                "{}",
                serde_json::json!({
                    "chain_id": job.id.chain_id,
                    "block_number": job.id.block_number,
                    "status": format!("{:?}", job.status),
                    "reward": job.reward,
                })
            );
        }
        return Ok(());
    }
    println!("| request | status | reward |");
    println!("|---|---|---|");
    for job in &jobs {
        println!(
            "| {} | {:?} | {} |",
            job.id,
            job.status,
            job.reward.map_or("-".into(), |r| r.to_string())
        );
    }
    println!(
        "\n{} jobs; owed {}",
        jobs.len(),
        ledger.map_or(0, |l| l.owed)
    );
    Ok(())
}
