//! Benchmarks ProofManager's release bundle on drink's embedded chain and prints a markdown
//! report: the cost of every message against a PSP22 `transfer`, how the costs grow with the
//! number of requests the contract holds, the purge and the deadline index's shape, code size
//! and block capacity. Each target stands beside its figure with ✓ or ✗.
//!
//! `cargo run --release -p proof_manager_e2e --bin bench -- [--quick] [--out FILE] [--date D]`,
//! or `scripts/bench.sh [--quick]`. `--quick` stops the growth series at N = 100; `--out` also
//! writes the report to FILE; `--date` is the date the report says it was measured (the script
//! passes today's). The bundles must be built first (`scripts/build.sh`).
//!
//! Weights come from drink's minimal runtime (pallet-contracts 31.0.0, the version contracts-node
//! 0.41.0 runs, with its default weights);
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

/// The code size target: 48 KB.
const CODE_SIZE_TARGET: usize = 48_000;

/// Submitter and network messages may cost at most this many PSP22 transfers in ref_time...
const MESSAGE_TARGET: f64 = 3.0;
/// ...and `claim_reward`, which contains a transfer, this many.
const CLAIM_TARGET: f64 = 4.0;
/// Growth from N = 10 to the largest N with finished requests only: history must cost nothing.
const HISTORY_GROWTH_TARGET: f64 = 1.1;
/// Growth with in-flight or unpaid requests: logarithmic is fine, linear never is. The worst
/// purge of 10 against the purge of 10 from a one-leaf index is held to the same bound.
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
    proof_manager_e2e::ok("bench", what, result)
}

fn fail(reason: &str) -> ! {
    proof_manager_e2e::fail("bench", reason)
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
        chain.acknowledge_proof_request(network_key(assignee(n)), request(n), accept),
    );
    chain.last_stats()
}

fn prove(chain: &mut Chain, n: u64, proof_len: usize, reward: u128) -> CallStats {
    let proof = proof_of(proof_len);
    ok(
        "submit_proof",
        chain.submit_proof(network_key(assignee(n)), request(n), &proof, reward),
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
    ok("claim_reward", chain.claim_reward(network_key(network)));
    chain.last_stats()
}

/// Reads request `n` with a real call, so its cost is recorded like a message's.
fn read(chain: &mut Chain, n: u64) -> CallStats {
    let message = chain.manager_calls().proof_request(request(n));
    if chain.call(OUTSIDER, message).is_none() {
        fail(&format!("request {n} is not stored"));
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
// The report
// -------------------------------------------------------------------------------------------

/// The markdown being written, and the targets missed so far, named.
struct Report {
    text: String,
    missed: Vec<String>,
}

impl Report {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// ✓ or ✗, remembering `what` when the target is missed.
    fn check(&mut self, pass: bool, what: String) -> &'static str {
        if pass {
            "✓"
        } else {
            self.missed.push(what);
            "✗"
        }
    }
}

fn ratio(value: u64, base: u64) -> f64 {
    value as f64 / base as f64
}

fn num(value: u64) -> String {
    grouped(value.into())
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

fn header(r: &mut Report, date: &str, quick: bool) {
    r.line("# ProofManager benchmarks\n");
    r.line(&format!(
        "Measured {date} with {}, {}, ink! 5.1.1 and drink 0.18 (pallet-contracts 31.0.0, \
         drink's minimal runtime), on the release bundles{}. Weights are deterministic: the same code \
         gives the same figures on any machine. Regenerate with `scripts/bench.sh`.\n",
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
}

// -------------------------------------------------------------------------------------------
// 1. Per message
// -------------------------------------------------------------------------------------------

struct MessageRow {
    actor: &'static str,
    message: &'static str,
    stats: CallStats,
    target: Option<f64>,
}

/// The PSP22 transfer baseline and every state-changing message and `proof_request` once.
struct PerMessage {
    baseline: CallStats,
    /// The typical submission, for the capacity figure.
    submitted: CallStats,
    rows: Vec<MessageRow>,
}

/// Both parties of the baseline transfer already hold tokens: the common transfer, and the
/// cheaper one.
fn baseline_transfer(chain: &mut Chain) -> CallStats {
    chain.mint(ADMIN, 100 * TOKEN);
    chain.mint(OUTSIDER, TOKEN);
    if let Err(error) = chain.token_transfer(ADMIN, OUTSIDER, TOKEN) {
        fail(&format!("the baseline transfer failed with {error:?}"));
    }
    chain.last_stats()
}

/// The hot path, in an order that leaves each call its precondition.
fn lifecycle_rows(chain: &mut Chain, rows: &mut Vec<MessageRow>) -> CallStats {
    let net = Some(MESSAGE_TARGET);
    let mut row = |actor, message, stats, target| {
        rows.push(MessageRow {
            actor,
            message,
            stats,
            target,
        })
    };
    let submitted = submit(chain, 0, &default_params());
    row("submitter", "submit_proof_request", submitted, net);
    let accepted = acknowledge(chain, 0, true);
    row(
        "network",
        "acknowledge_proof_request (accept)",
        accepted,
        net,
    );
    let proven = prove(chain, 0, PROOF_LEN, TOKEN);
    row("network", "submit_proof (256 B proof)", proven, net);
    let valid = validate(chain, 0, true);
    row(
        "submitter",
        "submit_proof_validation_result (valid)",
        valid,
        net,
    );
    let claimed = claim(chain, Fermah);
    row(
        "network",
        "claim_reward (1 request)",
        claimed,
        Some(CLAIM_TARGET),
    );

    submit(chain, 1, &default_params());
    let refused = acknowledge(chain, 1, false);
    row(
        "network",
        "acknowledge_proof_request (refuse)",
        refused,
        net,
    );
    submit(chain, 2, &default_params());
    acknowledge(chain, 2, true);
    let max_proof = prove(chain, 2, MAX_PROOF_LEN as usize, TOKEN);
    row(
        "network",
        "submit_proof (12,288 B proof, the most)",
        max_proof,
        net,
    );
    let invalid = validate(chain, 2, false);
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
    let max_url = submit(chain, 3, &longest_url);
    row(
        "submitter",
        "submit_proof_request (2,048 B url, the most)",
        max_url,
        net,
    );
    submit(chain, 4, &default_params());
    acknowledge(chain, 4, true);
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
    let read_typical = read(chain, 0);
    row("anyone", "proof_request (256 B proof)", read_typical, None);
    let read_largest = read(chain, 2);
    row(
        "anyone",
        "proof_request (12,288 B proof)",
        read_largest,
        None,
    );
    submitted
}

/// The admin's messages and the nominee's, after the hot path.
fn admin_rows(chain: &mut Chain, rows: &mut Vec<MessageRow>, preferred: CallStats) {
    let mut row = |actor, message, stats| {
        rows.push(MessageRow {
            actor,
            message,
            stats,
            target: None,
        })
    };
    row("admin", "update_preferred_proving_network", preferred);
    ok(
        "update_proving_network_address",
        chain.update_proving_network_address(ADMIN, Fermah, FERMAH_NEW_KEY),
    );
    row(
        "admin",
        "update_proving_network_address",
        chain.last_stats(),
    );
    ok(
        "update_proving_network_status",
        chain.update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Inactive),
    );
    row("admin", "update_proving_network_status", chain.last_stats());
    let token = chain.token;
    ok("withdraw", chain.withdraw(ADMIN, token, TOKEN));
    row("admin", "withdraw (1 token)", chain.last_stats());
    ok("set_submitter", chain.set_submitter(ADMIN, OUTSIDER));
    row("admin", "set_submitter", chain.last_stats());
    ok("transfer_admin", chain.transfer_admin(ADMIN, OUTSIDER));
    row("admin", "transfer_admin", chain.last_stats());
    ok("accept_admin", chain.accept_admin(OUTSIDER));
    row("nominee", "accept_admin", chain.last_stats());
    let second_build = with_custom_section(&proof_manager_wasm(), "bench");
    let code_hash = chain.upload(second_build);
    ok("set_code", chain.set_code(OUTSIDER, code_hash));
    row("admin", "set_code", chain.last_stats());
}

fn per_message() -> PerMessage {
    let mut chain = Chain::new();
    chain.fund(1_000 * TOKEN);
    let baseline = baseline_transfer(&mut chain);
    ok(
        "update_preferred_proving_network",
        chain.update_preferred_proving_network(ADMIN, Some(Fermah)),
    );
    let preferred = chain.last_stats();
    let mut rows = Vec::new();
    let submitted = lifecycle_rows(&mut chain, &mut rows);
    admin_rows(&mut chain, &mut rows, preferred);
    PerMessage {
        baseline,
        submitted,
        rows,
    }
}

fn report_messages(r: &mut Report, measured: &PerMessage) {
    let baseline = measured.baseline;
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
    for row in &measured.rows {
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

/// `n` requests committed with the longest proving window, in increasing deadline order.
fn committed_chain(n: u64) -> Chain {
    let mut chain = funded_chain((u128::from(n) + 10) * MAX_REWARD / TOKEN + 10);
    let longest = ProofRequestParams {
        timeout_after: MAX_TIMEOUT_AFTER,
        ..default_params()
    };
    for i in 0..n {
        submit(&mut chain, i, &longest);
        acknowledge(&mut chain, i, true);
    }
    chain
}

/// Series (b): `n` requests committed with the longest proving window, then one more request's
/// whole life, its deadlines the earliest of all. Also the index's shape with the `n` in flight.
fn in_flight(n: u64) -> ([CallStats; 6], DeadlineIndexDump) {
    let mut chain = committed_chain(n);
    chain.advance(1_000);
    let stats = lifecycle(&mut chain, n);
    if chain.in_flight() != n {
        fail(&format!(
            "in_flight is not {n} after the measured lifecycle"
        ));
    }
    (stats, chain.deadline_index())
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
        fail(&format!("the claim paid {}, not {n} tokens", tokens(paid)));
    }
    chain.last_stats()
}

/// The three growth series at every N, and the index's shape at the largest N in flight.
struct Growth {
    sizes: Vec<u64>,
    history: Vec<Vec<CallStats>>,
    in_flight: Vec<Vec<CallStats>>,
    settlement: Vec<Vec<CallStats>>,
    packed_index: DeadlineIndexDump,
}

fn growth(sizes: &[u64]) -> Growth {
    let mut g = Growth {
        sizes: sizes.to_vec(),
        history: Vec::new(),
        in_flight: Vec::new(),
        settlement: Vec::new(),
        packed_index: DeadlineIndexDump {
            height: 0,
            inner_nodes: 0,
            leaves: Vec::new(),
        },
    };
    for &n in sizes {
        eprintln!("bench: growth series at N = {n}");
        g.history.push(history(n).to_vec());
        let (stats, index) = in_flight(n);
        g.in_flight.push(stats.to_vec());
        g.packed_index = index;
        g.settlement.push(vec![settlement(n)]);
    }
    g
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
    let metrics: [(&str, Metric); 3] = [
        ("ref_time", |s| s.ref_time.into()),
        ("proof_size", |s| s.proof_size.into()),
        ("deposit", |s| s.storage_deposit),
    ];
    for (m, name) in names.iter().enumerate() {
        for (metric, get) in metrics {
            let values: Vec<i128> = stats.iter().map(|at_n| get(&at_n[m])).collect();
            let relative = |v: i128| match values[0] {
                0 => None,
                first => Some(v as f64 / first as f64),
            };
            let cells: String = values
                .iter()
                .map(|v| match relative(*v) {
                    Some(x) => format!(" {} ({x:.2}×) |", grouped(*v)),
                    None => format!(" {} |", grouped(*v)),
                })
                .collect();
            let growth = relative(values[last]).unwrap_or(1.0);
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

fn report_growth(r: &mut Report, g: &Growth) {
    r.line("## 2. Growth with the number of requests held\n");
    r.line(
        "Each cell is the cost of one call with N requests already in the contract, and its \
         ratio to N = 10. The measured calls are one fresh request's life, assigned to Fermah: \
         submit, acknowledge, prove (256 B), validate, claim (settling that request), and a \
         `proof_request` read of it.\n",
    );
    report_series(
        r,
        "(a) history: N requests finished (a third each paid, refused, failed)",
        &g.sizes,
        &LIFECYCLE,
        &g.history,
        HISTORY_GROWTH_TARGET,
    );
    report_series(
        r,
        "(b) in flight: N requests committed, the measured one earliest in the deadline index",
        &g.sizes,
        &LIFECYCLE,
        &g.in_flight,
        LIVE_GROWTH_TARGET,
    );
    report_series(
        r,
        "(c) settlement: one claim_reward settling N validated, unpaid requests",
        &g.sizes,
        &["claim_reward"],
        &g.settlement,
        LIVE_GROWTH_TARGET,
    );
}

// -------------------------------------------------------------------------------------------
// 3. Purge and the deadline index's shape
// -------------------------------------------------------------------------------------------

/// A submission with 10 requests pending in one leaf: before their acknowledgement deadline
/// (purges 0) and after it (purges all 10).
fn purge_from_one_leaf() -> [CallStats; 2] {
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
            fail(&format!("the submission purged {purged} requests"));
        }
        stats
    })
}

/// The worst shape a history can leave: `peak` requests committed in decreasing deadline order,
/// so that every insert splits a node in the middle and leaves it half full, then all but
/// `kept` proven in an order that leaves each of the first 10 leaves one entry. Nodes are never
/// merged, so the tree keeps the height of the peak. Returns the chain and the index at the
/// peak and after the churn.
fn churned_chain(peak: u64, kept: u64) -> (Chain, DeadlineIndexDump, DeadlineIndexDump) {
    let mut chain = funded_chain((u128::from(peak) + 20) * MAX_REWARD / TOKEN + 10);
    for i in 0..peak {
        let descending = ProofRequestParams {
            timeout_after: MAX_TIMEOUT_AFTER - i,
            ..default_params()
        };
        submit(&mut chain, i, &descending);
        acknowledge(&mut chain, i, true);
    }
    let at_peak = chain.deadline_index();
    // Keep the first entry of each of the first 10 leaves, then fill up to `kept` from the
    // right, from the other leaves first (a quick run's small tree has fewer than 10 leaves);
    // prove every other request.
    let first = at_peak.leaves.len().min(10);
    let mut keep: std::collections::BTreeSet<u64> = at_peak.leaves[..first]
        .iter()
        .map(|leaf| leaf[0].1)
        .collect();
    let others = at_peak.leaves[first..].iter().flatten().rev();
    let tail = others.chain(at_peak.leaves[..first].iter().flatten().rev());
    let fill: Vec<u64> = tail
        .map(|(_, counter)| *counter)
        .filter(|counter| !keep.contains(counter))
        .take(kept.saturating_sub(keep.len() as u64) as usize)
        .collect();
    keep.extend(fill);
    for i in (0..peak).filter(|i| !keep.contains(i)) {
        prove(&mut chain, i, PROOF_LEN, TOKEN);
    }
    let churned = chain.deadline_index();
    (chain, at_peak, churned)
}

/// The churned index's worst purge: the clock just past the 10th earliest deadline, so that a
/// submission purges the 10 single-entry leaves, each a walk from the root and an unlink.
fn worst_purge(chain: &mut Chain, index: &DeadlineIndexDump, n: u64) -> CallStats {
    let mut deadlines: Vec<u64> = index.leaves.iter().flatten().map(|(d, _)| *d).collect();
    deadlines.sort_unstable();
    chain.set_time(deadlines[9] + 1);
    let stats = submit(chain, n, &default_params());
    let purged = chain.events::<ProofRequestExpired>().len();
    if purged != 10 {
        fail(&format!(
            "the worst-case submission purged {purged} requests"
        ));
    }
    stats
}

struct Purge {
    none: CallStats,
    ten: CallStats,
    packed: DeadlineIndexDump,
    /// The largest N: the peak of the churn and the requests in flight of `packed`.
    peak_n: u64,
    at_peak: DeadlineIndexDump,
    churned: DeadlineIndexDump,
    worst: CallStats,
}

fn purge(sizes: &[u64], packed: DeadlineIndexDump) -> Purge {
    let [none, ten] = purge_from_one_leaf();
    let peak_n = sizes[sizes.len() - 1];
    let kept = (peak_n / 10).max(20);
    let (mut chain, at_peak, churned) = churned_chain(peak_n, kept);
    let worst = worst_purge(&mut chain, &churned, peak_n);
    Purge {
        none,
        ten,
        packed,
        peak_n,
        at_peak,
        churned,
        worst,
    }
}

fn shape_row(r: &mut Report, label: &str, index: &DeadlineIndexDump) {
    let fill = index.entries() as f64 / index.leaves.len().max(1) as f64;
    r.line(&format!(
        "| {label} | {} | {} | {} | {} | {fill:.1} |",
        num(index.entries() as u64),
        index.height,
        num(index.inner_nodes as u64),
        num(index.leaves.len() as u64),
    ));
}

fn report_purge(r: &mut Report, p: &Purge) {
    r.line("## 3. Purge and the deadline index\n");
    r.line(
        "A `submit_proof_request` with 10 requests pending in one leaf, before their \
         acknowledgement deadline and 1 ms after it (the submission then purges all 10, the most \
         one call purges); and the worst purge of 10 a history can arrange: 10 expired requests \
         alone in 10 leaves of the tallest index (below), each purge a walk from the root and an \
         unlink of its leaf.\n",
    );
    r.line("| submission | ref_time | × purging 0 | proof_size | storage deposit | target |");
    r.line("|---|---:|---:|---:|---:|---|");
    let worst_ratio = ratio(p.worst.ref_time, p.ten.ref_time);
    let what = format!("the worst purge of 10 at {worst_ratio:.2}× the one-leaf purge");
    let worst_target = format!(
        "≤ {LIVE_GROWTH_TARGET}× purges 10: {worst_ratio:.2}× {}",
        r.check(worst_ratio <= LIVE_GROWTH_TARGET, what)
    );
    for (label, stats, target) in [
        ("purges 0", p.none, String::new()),
        ("purges 10 from one leaf", p.ten, String::new()),
        ("purges 10, worst case", p.worst, worst_target),
    ] {
        r.line(&format!(
            "| {label} | {} | {:.2} | {} | {} | {target} |",
            num(stats.ref_time),
            ratio(stats.ref_time, p.none.ref_time),
            num(stats.proof_size),
            grouped(stats.storage_deposit)
        ));
    }
    r.line("");
    r.line(
        "The index's shape, read from the contract's storage. Nodes are never merged (an emptied \
         leaf is deleted), so the height depends on the history of inserts and removals, not on \
         how many requests are in flight: deadlines that arrive in increasing order fill every \
         leaf (series (b)), decreasing ones split every node in the middle, and proving all but \
         a few of those leaves the tree as tall as at its peak. The fanout is 32.\n\n\
         | index | entries | height | inner nodes | leaves | entries per leaf |\n\
         |---|---:|---:|---:|---:|---:|",
    );
    let increasing = format!("{} committed, increasing deadlines", num(p.peak_n));
    shape_row(r, &increasing, &p.packed);
    let decreasing = format!("{} committed, decreasing deadlines", num(p.peak_n));
    shape_row(r, &decreasing, &p.at_peak);
    shape_row(r, "the same after proving all but a tenth", &p.churned);
    r.line("");
}

// -------------------------------------------------------------------------------------------
// 4. Code size and 5. capacity
// -------------------------------------------------------------------------------------------

fn report_code_size(r: &mut Report) {
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
}

fn report_capacity(r: &mut Report, submitted: CallStats) {
    r.line("## 5. Capacity\n");
    let per_call = submitted.ref_time + NODE_EXTRINSIC_BASE_REF_TIME + NODE_CALL_DISPATCH_REF_TIME;
    let capacity = NODE_NORMAL_BLOCK_REF_TIME / per_call;
    r.line(&format!(
        "contracts-node 0.41.0 gives normal extrinsics 75% of a 2 × 10^12 ref_time block: \
         {} (`NORMAL_DISPATCH_RATIO`, `MAXIMUM_BLOCK_WEIGHT` in contracts-node-runtime's \
         `src/lib.rs`; proof size is unlimited on this solo chain). One `submit_proof_request` \
         extrinsic costs the contract's {} plus the extrinsic base weight {} (frame-support \
         32.0.0) plus the `call` dispatch overhead {} (pallet-contracts 31.0.0's \
         `SubstrateWeight::call()` with RocksDb weights): {} in all, so **{} submissions fit \
         one block**. The node runs the same pallet-contracts with its own runtime \
         configuration, so its figures can differ somewhat from these.\n",
        num(NODE_NORMAL_BLOCK_REF_TIME),
        num(submitted.ref_time),
        num(NODE_EXTRINSIC_BASE_REF_TIME),
        num(NODE_CALL_DISPATCH_REF_TIME),
        num(per_call),
        num(capacity),
    ));
}

fn report_targets(r: &mut Report) {
    r.line("## Targets\n");
    if r.missed.is_empty() {
        r.line("Every target is met.");
        return;
    }
    let missed = std::mem::take(&mut r.missed);
    r.line("Missed:");
    for what in &missed {
        r.line(&format!("- {what}"));
    }
    r.missed = missed;
}

// -------------------------------------------------------------------------------------------
// main
// -------------------------------------------------------------------------------------------

struct Args {
    quick: bool,
    out: Option<String>,
    date: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        quick: false,
        out: None,
        date: "(date not given)".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--out" => args.out = Some(it.next().ok_or("--out needs a file")?),
            "--date" => args.date = it.next().ok_or("--date needs a date")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("bench: {error}; usage: bench [--quick] [--out FILE] [--date YYYY-MM-DD]");
            return ExitCode::from(2);
        }
    };
    let sizes: &[u64] = if args.quick {
        &[10, 100]
    } else {
        &[10, 100, 1_000, 10_000]
    };
    let started = std::time::Instant::now();
    let mut r = Report {
        text: String::new(),
        missed: Vec::new(),
    };
    header(&mut r, &args.date, args.quick);
    eprintln!("bench: per-message costs");
    let measured = per_message();
    report_messages(&mut r, &measured);
    let g = growth(sizes);
    report_growth(&mut r, &g);
    eprintln!("bench: purge and the deadline index");
    let p = purge(sizes, g.packed_index.clone());
    report_purge(&mut r, &p);
    report_code_size(&mut r);
    report_capacity(&mut r, measured.submitted);
    report_targets(&mut r);
    eprintln!("bench: done in {:.0?}", started.elapsed());

    print!("{}", r.text);
    if let Some(path) = args.out {
        if let Err(error) = std::fs::write(&path, &r.text) {
            eprintln!("bench: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
        eprintln!("bench: report written to {path}");
    }
    ExitCode::SUCCESS
}
