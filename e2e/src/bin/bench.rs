//! Benchmarks ProofManager's release bundle on drink's embedded chain and prints a markdown
//! report: the cost of every message against a PSP22 `transfer`, how the costs grow with the
//! number of requests the contract holds, the purge, code size and block capacity. Each target
//! of the benchmark issue stands beside its figure with ✓ or ✗.
//!
//! `cargo run --release -p proof_manager_e2e --bin bench -- [--quick] [--out FILE]`, or
//! `scripts/bench.sh [--quick]`. `--quick` stops the growth series at N = 100; `--out` also
//! writes the report to FILE. The bundles must be built first (`scripts/build.sh`).
//!
//! Weights come from drink's minimal runtime (pallet-contracts 38 with its default weights);
//! block limits come from contracts-node 0.41.0's runtime source, cited at each constant.

use std::process::ExitCode;

use proof_manager_e2e::*;
use ProvingNetwork::*;

/// contracts-node-runtime 0.41.0, `src/lib.rs`: `MAXIMUM_BLOCK_WEIGHT` is
/// `2 × WEIGHT_REF_TIME_PER_SECOND` (10^12) ref_time and `NORMAL_DISPATCH_RATIO` is 75%, so
/// normal-class extrinsics (contract calls) may use 1.5 × 10^12 ref_time per block. Its proof
/// size is `u64::MAX`: a solo dev chain, so ref_time is the only weight limit.
const NODE_NORMAL_BLOCK_REF_TIME: u64 = 1_500_000_000_000;

/// frame-support 32.0.0 (contracts-node 0.41.0's lockfile), `weights/extrinsic_weights.rs`:
/// `ExtrinsicBaseWeight` = 124,414 ns, charged to every extrinsic.
const NODE_EXTRINSIC_BASE_REF_TIME: u64 = 124_414_000;

/// pallet-contracts 31.0.0 (the node's), `weights.rs`: `SubstrateWeight::call()` =
/// 216,983,000 + 11 reads and 4 writes of `RocksDbWeight` (25 µs and 100 µs, frame-support
/// 32.0.0), the dispatch overhead of the `call` extrinsic on top of the contract's own weight.
const NODE_CALL_DISPATCH_REF_TIME: u64 = 216_983_000 + 11 * 25_000_000 + 4 * 100_000_000;

/// contracts-node-runtime 0.41.0, `src/contracts_config.rs`: `MaxCodeLen = 256 * 1024`.
const NODE_MAX_CODE_LEN: usize = 256 * 1024;

/// The benchmark issue's code size target: 48 KB.
const CODE_SIZE_TARGET: usize = 48_000;

/// Submitter and network messages may cost at most this many PSP22 transfers in ref_time...
const MESSAGE_TARGET: f64 = 3.0;
/// ...and `claim_reward`, which contains a transfer, this many.
const CLAIM_TARGET: f64 = 4.0;
/// Growth from N = 10 to the largest N with finished requests only: history must cost nothing.
const HISTORY_GROWTH_TARGET: f64 = 1.1;
/// Growth with in-flight or unpaid requests: logarithmic is fine, linear never is.
const LIVE_GROWTH_TARGET: f64 = 1.5;

/// A typical SNARK proof's size, for the per-message figures.
const PROOF_LEN: usize = 256;

/// The six calls of one request's life that the growth series measure, in order.
const LIFECYCLE: [&str; 6] = [
    "submit_proof_request",
    "acknowledge_proof_request",
    "submit_proof",
    "submit_proof_validation_result",
    "claim_reward",
    "proof_request",
];

/// Stops the benchmark: a call that fails means the scenario is not what the report describes.
fn ok<T>(what: &str, result: Result<T, Error>) -> T {
    result.unwrap_or_else(|error| {
        eprintln!("bench: {what} failed with {error:?}");
        std::process::exit(1)
    })
}

fn key(network: ProvingNetwork) -> [u8; 32] {
    match network {
        Fermah => FERMAH,
        Lagrange => LAGRANGE,
    }
}

/// The assignee of request counter `n` while Fermah is the preferred network.
fn assignee(n: u64) -> ProvingNetwork {
    if n % 4 == 1 {
        Lagrange
    } else {
        Fermah
    }
}

fn submit(chain: &mut Chain, n: u64, params: &ProofRequestParams) -> CallStats {
    ok(
        "submit_proof_request",
        chain.submit_proof_request(SUBMITTER, request(n), params),
    );
    chain.last_stats()
}

fn acknowledge(chain: &mut Chain, n: u64, accept: bool) -> CallStats {
    ok(
        "acknowledge_proof_request",
        chain.acknowledge_proof_request(key(assignee(n)), request(n), accept),
    );
    chain.last_stats()
}

fn prove(chain: &mut Chain, n: u64, proof_len: usize, reward: u128) -> CallStats {
    let proof = proof_of(proof_len);
    ok(
        "submit_proof",
        chain.submit_proof(key(assignee(n)), request(n), &proof, reward),
    );
    chain.last_stats()
}

fn validate(chain: &mut Chain, n: u64, valid: bool) -> CallStats {
    ok(
        "submit_proof_validation_result",
        chain.submit_proof_validation_result(SUBMITTER, request(n), valid),
    );
    chain.last_stats()
}

fn claim(chain: &mut Chain, network: ProvingNetwork) -> CallStats {
    ok("claim_reward", chain.claim_reward(key(network)));
    chain.last_stats()
}

/// Reads request `n` with a real call, so its cost is recorded like a message's.
fn read(chain: &mut Chain, n: u64) -> CallStats {
    let manager = chain.manager;
    let read: Option<ProofRequest> =
        chain.call(account(OUTSIDER), manager, "proof_request", request(n));
    if read.is_none() {
        eprintln!("bench: request {n} is not stored");
        std::process::exit(1);
    }
    chain.last_stats()
}

/// The whole life of request `n` (assigned to Fermah): the cost of each call of `LIFECYCLE`.
fn lifecycle(chain: &mut Chain, n: u64) -> [CallStats; 6] {
    let submitted = submit(chain, n, &default_params());
    let acknowledged = acknowledge(chain, n, true);
    let proven = prove(chain, n, PROOF_LEN, TOKEN);
    let validated = validate(chain, n, true);
    let claimed = claim(chain, assignee(n));
    let read = read(chain, n);
    [submitted, acknowledged, proven, validated, claimed, read]
}

// -------------------------------------------------------------------------------------------
// 1. Per message
// -------------------------------------------------------------------------------------------

struct MessageRow {
    actor: &'static str,
    message: String,
    stats: CallStats,
    target: Option<f64>,
}

/// The PSP22 transfer baseline, then every state-changing message and `proof_request` once, in
/// an order that leaves each call its precondition.
struct PerMessage {
    baseline: CallStats,
    /// The typical submission, for the capacity figure.
    submitted: CallStats,
    rows: Vec<MessageRow>,
}

fn per_message() -> PerMessage {
    let mut chain = Chain::new();
    chain.fund(1_000 * TOKEN);
    chain.mint(account(ADMIN), 100 * TOKEN);
    chain.mint(account(OUTSIDER), TOKEN);
    // Both parties already hold tokens: the common transfer, and the cheaper one.
    let transfer = chain.token_transfer(account(ADMIN), account(OUTSIDER), TOKEN);
    if let Err(error) = transfer {
        eprintln!("bench: the baseline transfer failed with {error:?}");
        std::process::exit(1);
    }
    let baseline = chain.last_stats();

    let mut rows = Vec::new();
    let mut row = |actor, message: &str, stats, target| {
        rows.push(MessageRow {
            actor,
            message: message.to_string(),
            stats,
            target,
        })
    };
    let net = Some(MESSAGE_TARGET);

    ok(
        "update_preferred_proving_network",
        chain.update_preferred_proving_network(ADMIN, Some(Fermah)),
    );
    let preferred = chain.last_stats();
    let submitted = submit(&mut chain, 0, &default_params());
    row("submitter", "submit_proof_request", submitted, net);
    let accepted = acknowledge(&mut chain, 0, true);
    row(
        "network",
        "acknowledge_proof_request (accept)",
        accepted,
        net,
    );
    let proven = prove(&mut chain, 0, PROOF_LEN, TOKEN);
    row("network", "submit_proof (256 B proof)", proven, net);
    let valid = validate(&mut chain, 0, true);
    row(
        "submitter",
        "submit_proof_validation_result (valid)",
        valid,
        net,
    );
    let claimed = claim(&mut chain, Fermah);
    row(
        "network",
        "claim_reward (1 request)",
        claimed,
        Some(CLAIM_TARGET),
    );

    submit(&mut chain, 1, &default_params());
    let refused = acknowledge(&mut chain, 1, false);
    row(
        "network",
        "acknowledge_proof_request (refuse)",
        refused,
        net,
    );
    submit(&mut chain, 2, &default_params());
    acknowledge(&mut chain, 2, true);
    let max_proof = prove(&mut chain, 2, MAX_PROOF_LEN as usize, TOKEN);
    row(
        "network",
        "submit_proof (12,288 B proof, the most)",
        max_proof,
        net,
    );
    let invalid = validate(&mut chain, 2, false);
    row(
        "submitter",
        "submit_proof_validation_result (invalid)",
        invalid,
        net,
    );

    let longest_url = ProofRequestParams {
        proof_inputs_url: "u".repeat(MAX_PROOF_INPUTS_URL_LEN as usize),
        ..default_params()
    };
    let max_url = submit(&mut chain, 3, &longest_url);
    row(
        "submitter",
        "submit_proof_request (2,048 B url, the most)",
        max_url,
        net,
    );
    submit(&mut chain, 4, &default_params());
    acknowledge(&mut chain, 4, true);
    chain.advance(ACK_TIMEOUT + 1);
    ok(
        "mark_unacknowledged",
        chain.mark_unacknowledged(SUBMITTER, request(3)),
    );
    row("submitter", "mark_unacknowledged", chain.last_stats(), net);
    chain.advance(default_params().timeout_after);
    ok(
        "mark_timed_out",
        chain.mark_timed_out(SUBMITTER, request(4)),
    );
    row("submitter", "mark_timed_out", chain.last_stats(), net);
    let read_typical = read(&mut chain, 0);
    row("anyone", "proof_request (256 B proof)", read_typical, None);
    let read_largest = read(&mut chain, 2);
    row(
        "anyone",
        "proof_request (12,288 B proof)",
        read_largest,
        None,
    );

    row("admin", "update_preferred_proving_network", preferred, None);
    ok(
        "update_proving_network_address",
        chain.update_proving_network_address(ADMIN, Fermah, account(FERMAH_NEW_KEY)),
    );
    let address = chain.last_stats();
    row("admin", "update_proving_network_address", address, None);
    ok(
        "update_proving_network_status",
        chain.update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Inactive),
    );
    let status = chain.last_stats();
    row("admin", "update_proving_network_status", status, None);
    let token = chain.token;
    ok("withdraw", chain.withdraw(ADMIN, token, TOKEN));
    row("admin", "withdraw (1 token)", chain.last_stats(), None);
    ok(
        "set_submitter",
        chain.set_submitter(ADMIN, account(OUTSIDER)),
    );
    row("admin", "set_submitter", chain.last_stats(), None);
    ok(
        "transfer_admin",
        chain.transfer_admin(ADMIN, account(OUTSIDER)),
    );
    row("admin", "transfer_admin", chain.last_stats(), None);
    ok("accept_admin", chain.accept_admin(OUTSIDER));
    row("nominee", "accept_admin", chain.last_stats(), None);
    let second_build = with_custom_section(&proof_manager_wasm(), "bench");
    let code_hash = chain.upload(second_build);
    ok("set_code", chain.set_code(OUTSIDER, code_hash));
    row("admin", "set_code", chain.last_stats(), None);
    PerMessage {
        baseline,
        submitted,
        rows,
    }
}

// -------------------------------------------------------------------------------------------
// 2. Growth
// -------------------------------------------------------------------------------------------

/// Series (a): `n` requests already finished — a third each paid, refused and failed — then
/// one more request's whole life.
fn history(n: u64) -> [CallStats; 6] {
    let mut chain = funded_chain(u128::from(n) + 100);
    for i in 0..n {
        submit(&mut chain, i, &default_params());
        match i % 3 {
            0 => {
                acknowledge(&mut chain, i, true);
                prove(&mut chain, i, PROOF_LEN, TOKEN);
                validate(&mut chain, i, true);
            }
            1 => {
                acknowledge(&mut chain, i, false);
            }
            _ => {
                acknowledge(&mut chain, i, true);
                prove(&mut chain, i, PROOF_LEN, TOKEN);
                validate(&mut chain, i, false);
            }
        }
    }
    for network in ProvingNetwork::ALL {
        if chain.proving_network_info(network).owed_reward > 0 {
            claim(&mut chain, network);
        }
    }
    lifecycle(&mut chain, n)
}

/// Series (b): `n` requests committed with the longest proving window, then one more request's
/// whole life. The new request's deadlines are the earliest of all, which was the worst case of
/// the min-heap the deadline index replaced (a sift over the whole height on every insert and
/// removal); for the B+ tree every position costs the same, one read per level.
fn in_flight(n: u64) -> [CallStats; 6] {
    let mut chain = funded_chain((u128::from(n) + 10) * MAX_REWARD / TOKEN + 10);
    let longest = ProofRequestParams {
        timeout_after: MAX_TIMEOUT_AFTER,
        ..default_params()
    };
    for i in 0..n {
        submit(&mut chain, i, &longest);
        acknowledge(&mut chain, i, true);
    }
    chain.advance(1_000);
    let stats = lifecycle(&mut chain, n);
    if chain.in_flight() != n {
        eprintln!("bench: in_flight is not {n} after the measured lifecycle");
        std::process::exit(1);
    }
    stats
}

/// Series (c): one `claim_reward` settling `n` validated, unpaid requests of 1 token each.
/// Lagrange is inactive, so its turns in the round robin are refused at once.
fn settlement(n: u64) -> CallStats {
    let mut chain = funded_chain(u128::from(n) + 100);
    ok(
        "update_proving_network_status",
        chain.update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Inactive),
    );
    let (mut i, mut validated) = (0, 0);
    while validated < n {
        submit(&mut chain, i, &default_params());
        if assignee(i) == Fermah {
            acknowledge(&mut chain, i, true);
            prove(&mut chain, i, PROOF_LEN, TOKEN);
            validate(&mut chain, i, true);
            validated += 1;
        }
        i += 1;
    }
    let paid = ok("claim_reward", chain.claim_reward(FERMAH));
    if paid != u128::from(n) * TOKEN {
        eprintln!("bench: the claim paid {}, not {n} tokens", tokens(paid));
        std::process::exit(1);
    }
    chain.last_stats()
}

// -------------------------------------------------------------------------------------------
// 3. Purge
// -------------------------------------------------------------------------------------------

/// A submission with 10 requests pending: before their acknowledgement deadline (purges 0) and
/// after it (purges all 10).
fn purge() -> [CallStats; 2] {
    [false, true].map(|expired| {
        let mut chain = funded_chain(100);
        for i in 0..10 {
            submit(&mut chain, i, &default_params());
        }
        if expired {
            chain.advance(ACK_TIMEOUT + 1);
        }
        let stats = submit(&mut chain, 10, &default_params());
        let purged = chain.events::<ProofRequestExpired>().len();
        if purged != if expired { 10 } else { 0 } {
            eprintln!("bench: the submission purged {purged} requests");
            std::process::exit(1);
        }
        stats
    })
}

// -------------------------------------------------------------------------------------------
// Report
// -------------------------------------------------------------------------------------------

fn ratio(value: u64, base: u64) -> f64 {
    value as f64 / base as f64
}

fn mark(pass: bool) -> &'static str {
    if pass {
        "✓"
    } else {
        "✗"
    }
}

fn num(value: u64) -> String {
    grouped(value.into())
}

/// Today's date (UTC) from the system clock, as YYYY-MM-DD.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Howard Hinnant's days-to-civil algorithm, on days since 1970-01-01.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The first line `program --version` prints, run in the workspace so the pinned toolchain
/// answers.
fn version_of(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.lines().next().map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{program} not found"))
}

struct Report {
    text: String,
    /// Targets missed, named.
    missed: Vec<String>,
}

impl Report {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn check(&mut self, pass: bool, what: String) -> &'static str {
        if !pass {
            self.missed.push(what);
        }
        mark(pass)
    }
}

fn report_messages(r: &mut Report, baseline: CallStats, rows: &[MessageRow]) {
    r.line("## 1. Per message\n");
    r.line(
        "One call each on a fresh chain, in an order that gives every call its precondition. \
         The baseline is a PSP22 `transfer` of the mock token between two accounts that already \
         hold tokens; storage deposit is in the runtime's balance units (1 per byte and per item \
         in drink's runtime), positive when charged to the caller, negative when refunded.\n",
    );
    r.line("| actor | message | ref_time | × transfer | proof_size | storage deposit | target |");
    r.line("|---|---|---:|---:|---:|---:|---|");
    r.line(&format!(
        "| anyone | PSP22 `transfer` (baseline) | {} | 1.00 | {} | {} | |",
        num(baseline.ref_time),
        num(baseline.proof_size),
        grouped(baseline.storage_deposit)
    ));
    for row in rows {
        let times = ratio(row.stats.ref_time, baseline.ref_time);
        let target = match row.target {
            Some(target) => {
                let what = format!("{} at {times:.2}× a transfer", row.message);
                format!("≤ {target:.0}× {}", r.check(times <= target, what))
            }
            None => String::new(),
        };
        r.line(&format!(
            "| {} | `{}` | {} | {times:.2} | {} | {} | {target} |",
            row.actor,
            row.message,
            num(row.stats.ref_time),
            num(row.stats.proof_size),
            grouped(row.stats.storage_deposit)
        ));
    }
    r.line("");
}

/// Reads one figure out of a call's cost.
type Metric = fn(&CallStats) -> i128;

/// One series: a row per message and metric, a column per N with its ratio to the first N.
fn report_series(
    r: &mut Report,
    title: &str,
    sizes: &[u64],
    names: &[&str],
    stats: &[Vec<CallStats>],
    target: f64,
) {
    r.line(&format!("### {title}\n"));
    let header: String = sizes
        .iter()
        .map(|n| format!(" N = {} |", num(*n)))
        .collect();
    let rule: String = sizes.iter().map(|_| "---:|").collect();
    let last = sizes.len() - 1;
    let growth_label = format!("{}/{}", num(sizes[last]), num(sizes[0]));
    r.line(&format!(
        "| message | metric |{header} growth {growth_label} | target |"
    ));
    r.line(&format!("|---|---|{rule}---:|---|"));
    for (m, name) in names.iter().enumerate() {
        let metrics: [(&str, Metric); 3] = [
            ("ref_time", |s| s.ref_time.into()),
            ("proof_size", |s| s.proof_size.into()),
            ("deposit", |s| s.storage_deposit),
        ];
        for (metric, get) in metrics {
            let values: Vec<i128> = stats.iter().map(|at_n| get(&at_n[m])).collect();
            let cells: String = values
                .iter()
                .map(|v| {
                    let growth = if values[0] != 0 {
                        format!(" ({:.2}×)", *v as f64 / values[0] as f64)
                    } else {
                        String::new()
                    };
                    format!(" {}{growth} |", grouped(*v))
                })
                .collect();
            let growth = if values[0] != 0 {
                values[last] as f64 / values[0] as f64
            } else {
                1.0
            };
            // The target is on weight; a deposit is paid once per stored byte and shown as is.
            let target_cell = if metric == "deposit" {
                String::new()
            } else {
                let what = format!("{title}: {name} {metric} grew {growth:.2}×");
                format!("≤ {target}× {}", r.check(growth <= target, what))
            };
            r.line(&format!(
                "| `{name}` | {metric} |{cells} {growth:.2}× | {target_cell} |"
            ));
        }
    }
    r.line("");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut quick = false;
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--out" => match it.next() {
                Some(path) => out = Some(path.clone()),
                None => {
                    eprintln!("bench: --out needs a file");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("bench: unknown argument {other}; usage: bench [--quick] [--out FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let sizes: &[u64] = if quick {
        &[10, 100]
    } else {
        &[10, 100, 1_000, 10_000]
    };
    let started = std::time::Instant::now();
    let mut r = Report {
        text: String::new(),
        missed: Vec::new(),
    };

    r.line("# ProofManager benchmarks\n");
    r.line(&format!(
        "Measured {} with {}, {}, ink! 5.1.1 and drink 0.18 (pallet-contracts 38, drink's minimal \
         runtime), on the release bundles{}. Weights are deterministic: the same code gives \
         the same figures on any machine. Regenerate with `scripts/bench.sh`.\n",
        today(),
        version_of("rustc", &["--version"]),
        // cargo-contract 5 names itself "cargo-contract-contract" in `--version`.
        version_of("cargo", &["contract", "--version"])
            .replace("cargo-contract-contract", "cargo-contract"),
        if quick {
            " (quick run: N up to 100)"
        } else {
            ""
        },
    ));

    eprintln!("bench: per-message costs");
    let measured = per_message();
    report_messages(&mut r, measured.baseline, &measured.rows);

    r.line("## 2. Growth with the number of requests held\n");
    r.line(
        "Each cell is the cost of one call with N requests already in the contract, and its \
         ratio to N = 10. The measured calls are one fresh request's life, assigned to Fermah: \
         submit, acknowledge, prove (256 B), validate, claim (settling that request), and a \
         `proof_request` read of it.\n",
    );
    let mut series_a = Vec::new();
    let mut series_b = Vec::new();
    let mut series_c = Vec::new();
    for &n in sizes {
        eprintln!("bench: growth series at N = {n}");
        series_a.push(history(n).to_vec());
        series_b.push(in_flight(n).to_vec());
        series_c.push(vec![settlement(n)]);
    }
    report_series(
        &mut r,
        "(a) history: N requests finished (a third each paid, refused, failed)",
        sizes,
        &LIFECYCLE,
        &series_a,
        HISTORY_GROWTH_TARGET,
    );
    report_series(
        &mut r,
        "(b) in flight: N requests committed, the measured one earliest in the deadline index",
        sizes,
        &LIFECYCLE,
        &series_b,
        LIVE_GROWTH_TARGET,
    );
    report_series(
        &mut r,
        "(c) settlement: one claim_reward settling N validated, unpaid requests",
        sizes,
        &["claim_reward"],
        &series_c,
        LIVE_GROWTH_TARGET,
    );

    eprintln!("bench: purge");
    let [none, ten] = purge();
    r.line("## 3. Purge\n");
    r.line(
        "A `submit_proof_request` with 10 requests pending, before their acknowledgement deadline \
         and 1 ms after it (the submission then purges all 10, the most one call purges).\n",
    );
    r.line("| submission | ref_time | × purging 0 | proof_size | storage deposit |");
    r.line("|---|---:|---:|---:|---:|");
    for (label, stats) in [("purges 0", none), ("purges 10", ten)] {
        r.line(&format!(
            "| {label} | {} | {:.2} | {} | {} |",
            num(stats.ref_time),
            ratio(stats.ref_time, none.ref_time),
            num(stats.proof_size),
            grouped(stats.storage_deposit)
        ));
    }
    r.line("");

    r.line("## 4. Code size\n");
    r.line(
        "Optimized `.wasm` of the release bundles (`cargo contract build --release`), beside \
         contracts-node 0.41.0's `MaxCodeLen` of 256 KiB (`src/contracts_config.rs` of \
         contracts-node-runtime; pallet-contracts' default is 128 KiB).\n",
    );
    r.line("| contract | bytes | of MaxCodeLen | target |");
    r.line("|---|---:|---:|---|");
    let manager_len = proof_manager_wasm().len();
    let token_len = psp22_mock_wasm().len();
    let size_ok = r.check(
        manager_len <= CODE_SIZE_TARGET,
        format!("proof_manager.wasm is {manager_len} bytes"),
    );
    for (name, len, target) in [
        ("proof_manager", manager_len, format!("≤ 48 KB {size_ok}")),
        ("psp22_mock", token_len, String::new()),
    ] {
        r.line(&format!(
            "| `{name}.wasm` | {} | {:.1}% | {target} |",
            num(len as u64),
            100.0 * len as f64 / NODE_MAX_CODE_LEN as f64
        ));
    }
    r.line("");

    r.line("## 5. Capacity\n");
    let per_call =
        measured.submitted.ref_time + NODE_EXTRINSIC_BASE_REF_TIME + NODE_CALL_DISPATCH_REF_TIME;
    let capacity = NODE_NORMAL_BLOCK_REF_TIME / per_call;
    r.line(&format!(
        "contracts-node 0.41.0 gives normal extrinsics 75% of a 2 × 10^12 ref_time block: \
         {} (`NORMAL_DISPATCH_RATIO`, `MAXIMUM_BLOCK_WEIGHT` in contracts-node-runtime's \
         `src/lib.rs`; proof size is unlimited on this solo chain). One `submit_proof_request` \
         extrinsic costs the contract's {} plus the extrinsic base weight {} (frame-support \
         32.0.0) plus the `call` dispatch overhead {} (pallet-contracts 31.0.0's \
         `SubstrateWeight::call()` with RocksDb weights): {} in all, so **{} submissions fit \
         one block**. The node's pallet-contracts is older than drink's, so its own weights \
         differ somewhat from these.\n",
        num(NODE_NORMAL_BLOCK_REF_TIME),
        num(measured.submitted.ref_time),
        num(NODE_EXTRINSIC_BASE_REF_TIME),
        num(NODE_CALL_DISPATCH_REF_TIME),
        num(per_call),
        num(capacity),
    ));

    r.line("## Targets\n");
    if r.missed.is_empty() {
        r.line("Every target is met.");
    } else {
        let missed = std::mem::take(&mut r.missed);
        r.line("Missed:");
        for what in &missed {
            r.line(&format!("- {what}"));
        }
        r.missed = missed;
    }
    eprintln!("bench: done in {:.0?}", started.elapsed());

    print!("{}", r.text);
    if let Some(path) = out {
        if let Err(error) = std::fs::write(&path, &r.text) {
            eprintln!("bench: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
        eprintln!("bench: report written to {path}");
    }
    ExitCode::SUCCESS
}
