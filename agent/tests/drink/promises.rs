//! What the README promises of the agents, each held by a test: a rotated key stops a network
//! with exit code 3; `--on-fallback` runs once per fallback with its variables; the submitter
//! waits and retries after `NoFundsAvailable`; `--claim-at`; refusals past `--max-concurrent`;
//! a state file of another key or chain is refused; inputs URLs a prover must not get are
//! refused; a prover kept across reopenings proves each request once.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use proof_manager::{ManagerEvent, ProofRequestStatus, ProvingNetwork};
use proof_manager_agent::drink::DrinkChain;
use proof_manager_agent::network::JobStatus;
use proof_manager_agent::store::StoreError;
use proof_manager_agent::*;
use proof_manager_e2e::{default_params, request, ADMIN, FERMAH_NEW_KEY, LAGRANGE, SUBMITTER};

use crate::day::FIVE_MINUTES;
use crate::support::checks::check_applied_once;
use crate::support::*;

const HOUR: u64 = 3_600_000;

fn id(n: u64) -> Id {
    Id {
        chain_id: 1,
        block_number: n,
    }
}

#[test]
fn a_network_whose_key_is_rotated_away_stops_with_exit_code_3() {
    let mut world = World::new(100, Halts::default());
    world.run(0, 2, FIVE_MINUTES, 30_000, 10 * 60_000);
    world
        .chain
        .borrow_mut()
        .update_proving_network_address(ADMIN, ProvingNetwork::Fermah, FERMAH_NEW_KEY)
        .unwrap();
    world.chain.borrow_mut().advance(30_000);
    for attempt in ["the running agent", "the agent opened again"] {
        let error = world.fermah.as_mut().unwrap().step().unwrap_err();
        assert_eq!(error.exit_code(), 3, "{attempt}: {error}");
        assert!(
            error
                .to_string()
                .contains(&format!("rotated to 0x{}", hex::encode(FERMAH_NEW_KEY.0))),
            "{attempt}: {error}"
        );
        world.fermah = None;
        world.open_network(Net::Fermah, None);
    }
    // Lagrange's agent is not concerned.
    world.lagrange.as_mut().unwrap().step().unwrap();
}

#[test]
fn each_fallback_is_handed_to_the_fallback_command_once_with_its_variables() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("fallbacks.log");
    // The hook also prints far more than a pipe holds: it must still count as run once.
    let hook = format!(
        r#"printf '%s %s %s\n' "$FALLBACK_CHAIN_ID" "$FALLBACK_BLOCK_NUMBER" "$FALLBACK_REASON" >> {}; yes | head -c 1000000"#,
        log.display()
    );
    let mut world = World::new(500, Halts::default());
    world.on_fallback = Some((hook, Duration::from_secs(30)));
    world.submitter = None;
    world.open_submitter(None);
    world.run(0, 24, FIVE_MINUTES, 30_000, 5 * HOUR);
    let lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let fallbacks = world
        .submitter
        .as_ref()
        .unwrap()
        .store()
        .fallbacks()
        .unwrap();
    assert!(fallbacks.len() >= 3, "{fallbacks:?}");
    let expected: Vec<String> = fallbacks
        .iter()
        .map(|(f, notified)| {
            assert!(notified, "{f:?} was not handed over");
            format!("{} {} {}", f.id.chain_id, f.id.block_number, f.reason)
        })
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted, "each fallback once: {lines:?}");
}

#[test]
fn the_submitter_waits_after_no_funds_and_submits_each_batch_once_funds_arrive() {
    // Six tokens reserve one request of 5 at most: the second and third wait.
    let mut world = World::new(6, Halts::default());
    for n in 0..3 {
        let url = format!("https://inputs.example/1/{n}");
        world
            .submitter
            .as_mut()
            .unwrap()
            .enqueue(id(n), &url)
            .unwrap();
    }
    world.run(3, 0, FIVE_MINUTES, 30_000, 5 * 60_000);
    let submitted = |world: &World, n| world.chain.borrow_mut().proof_request(request(n)).is_some();
    assert!(submitted(&world, 0));
    assert!(!submitted(&world, 1) && !submitted(&world, 2));
    assert!(
        world
            .notes
            .iter()
            .any(|n| n.contains("no funds for another request")),
        "{:?}",
        world.notes
    );
    // Funds arrive unseen (a transfer to the contract): the queue tries again after
    // `funds_retry_ms` and every batch goes through, once.
    world
        .chain
        .borrow_mut()
        .fund(200 * proof_manager_e2e::TOKEN);
    world.run(3, 0, FIVE_MINUTES, 30_000, 5 * HOUR);
    for n in 0..3 {
        assert!(submitted(&world, n), "batch {n}");
    }
    let outbox = world.submitter.as_ref().unwrap().store().outbox().unwrap();
    let refused = outbox
        .iter()
        .filter(|e| e.outcome.as_deref() == Some("refused: NoFundsAvailable"))
        .count();
    assert!(refused >= 2, "{outbox:?}");
    check_applied_once(&world);
    let statuses: Vec<String> = world
        .submitter
        .as_ref()
        .unwrap()
        .store()
        .rows("batch")
        .unwrap()
        .into_iter()
        .map(|(_, status, _)| status)
        .collect();
    assert!(
        statuses.iter().all(|s| s == "validated" || s == "fallback"),
        "{statuses:?}"
    );
}

#[test]
fn a_network_claims_once_it_is_owed_its_claim_at() {
    let mut world = World::new(500, Halts::default());
    // Three validated requests at 4 tokens each.
    world.configs[0].claim = ClaimPolicy {
        at: Some(12_000_000),
        every_ms: None,
    };
    world.fermah = None;
    world.open_network(Net::Fermah, None);
    world.run(0, 24, FIVE_MINUTES, 30_000, 5 * HOUR);
    let claims: Vec<u128> = world
        .chain
        .borrow()
        .event_log()
        .iter()
        .filter_map(
            |e| match ManagerEvent::decode(&e.event.topics, &e.event.data) {
                Ok(ManagerEvent::RewardClaimed(c)) if c.by == ProvingNetwork::Fermah => {
                    Some(c.amount)
                }
                _ => None,
            },
        )
        .collect();
    assert!(claims.len() >= 2, "{claims:?}");
    assert!(
        claims.iter().all(|amount| *amount >= 12_000_000),
        "{claims:?}"
    );
    // What is owed now is less than the threshold: it would have been claimed otherwise.
    let owed = world
        .chain
        .borrow_mut()
        .proving_network_info(ProvingNetwork::Fermah)
        .owed_reward;
    assert!(owed < 12_000_000, "{owed}");
}

#[test]
fn a_network_refuses_what_it_would_prove_past_its_max_concurrent() {
    let mut world = World::new(500, Halts::default());
    world.configs[0].max_concurrent = 1;
    world.fermah = None;
    world.open_network(Net::Fermah, None);
    // Fermah proves in 10 minutes; batches come every 2 minutes, 3 in 4 of them to Fermah.
    world.run(0, 20, 120_000, 30_000, 4 * HOUR);
    let mut open: BTreeMap<(u64, u64), ()> = BTreeMap::new();
    let mut refused_by_capacity = 0;
    for e in world.chain.borrow().event_log() {
        match ManagerEvent::decode(&e.event.topics, &e.event.data) {
            Ok(ManagerEvent::ProofRequestAcknowledged(a))
                if a.assigned_to == ProvingNetwork::Fermah =>
            {
                if a.accepted {
                    open.insert((a.chain_id, a.block_number), ());
                    assert!(open.len() <= 1, "two requests proved at once: {open:?}");
                } else if matches!(fermah_ack(a.block_number), AckPlan::Accept { .. }) {
                    refused_by_capacity += 1;
                }
            }
            Ok(ManagerEvent::ProofRequestProven(p)) => {
                open.remove(&(p.chain_id, p.block_number));
            }
            Ok(ManagerEvent::ProofRequestExpired(x)) => {
                open.remove(&(x.chain_id, x.block_number));
            }
            _ => {}
        }
    }
    assert!(refused_by_capacity > 0, "nothing was refused for capacity");
}

#[test]
fn a_state_file_of_another_key_or_chain_is_refused_with_exit_code_2() {
    let mut world = World::new(100, Halts::default());
    world.run(0, 2, FIVE_MINUTES, 30_000, 10 * 60_000);
    let path = world.path("fermah");
    world.fermah = None;
    let open = |chain: DrinkChain| {
        NetworkAgent::open(
            &path,
            chain,
            network_config(Net::Fermah),
            Box::new(AcceptAtOnce),
            Box::new(ScriptedProver::new(Box::new(|_: &ProveJob| {
                (0, Ok(vec![1]))
            }))),
            None,
        )
    };
    let before = std::fs::read(&path).unwrap();
    // Lagrange's key on Fermah's state file.
    let error = open(DrinkChain::new(world.chain.clone(), LAGRANGE))
        .err()
        .expect("another key is refused");
    assert!(
        matches!(error, AgentError::Store(StoreError::Mismatch { .. })),
        "{error}"
    );
    assert_eq!(error.exit_code(), 2);
    // The same contract address on a chain started afresh (a reset dev chain): its genesis
    // and code are the same, its blocks are not. Refused while it is shorter than the state
    // file's cursor, and once it is longer.
    let reset = World::new(100, Halts::default());
    for (blocks, says) in [
        (1, "which this chain does not have"),
        (40, "this chain's is"),
    ] {
        for _ in 0..blocks {
            reset.chain.borrow_mut().advance(7_000);
        }
        let error = open(DrinkChain::new(
            reset.chain.clone(),
            proof_manager_e2e::FERMAH,
        ))
        .err()
        .expect("another chain is refused");
        assert!(
            matches!(error, AgentError::Store(StoreError::OtherChain { .. })),
            "{error}"
        );
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains(says), "{error}");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the refused file changed"
    );
    // The right key on the right chain still opens it.
    open(DrinkChain::new(
        world.chain.clone(),
        proof_manager_e2e::FERMAH,
    ))
    .unwrap();
}

/// A prove command that appends its `$1` and request to `log`, then prints a proof.
fn logging_prover(log: &std::path::Path, sleep_s: f64) -> Rc<RefCell<CommandProver>> {
    let command = format!(
        r#"printf '%s %s\n' "$PROOF_REQUEST_ID" "$1" >> {}; sleep {sleep_s}; printf 'proof of %s' "$PROOF_REQUEST_ID""#,
        log.display()
    );
    Rc::new(RefCell::new(CommandProver::new(
        &command,
        Duration::from_secs(60),
    )))
}

/// Steps the world with the wall clock in step with `steps` steps of 30 s chain time, so that a
/// command prover's result comes back in time.
fn run_slowly(world: &mut World, steps: usize) {
    for _ in 0..steps {
        world.step_agents();
        std::thread::sleep(Duration::from_millis(50));
        world.chain.borrow_mut().advance(30_000);
    }
}

#[test]
fn inputs_urls_a_prover_must_not_get_are_refused_and_never_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("proved.log");
    let mut world = World::new(100, Halts::default());
    world.fermah = None;
    world.open_network_with(Net::Fermah, None, Box::new(logging_prover(&log, 0.0)));
    let urls = [
        "-o/etc/passwd".to_string(),
        "file:///etc/passwd".to_string(),
        "https://inputs.example/\0/etc/passwd".to_string(),
        "a".repeat(2_048),
        "https://inputs.example/\n-o/tmp/x".to_string(),
        "https://inputs.example/1/ok".to_string(),
    ];
    // Each URL on a request of Fermah's that its script accepts; a request the counter gives
    // Lagrange carries a good URL (Lagrange's scripted prover takes it).
    let mut fermah = Vec::new();
    let mut n = 100;
    for url in &urls {
        let mut chain = world.chain.borrow_mut();
        while chain.request_counter() % 4 == 1 {
            let filler = proof_manager::ProofRequestParams {
                proof_inputs_url: format!("https://inputs.example/1/{n}"),
                ..default_params()
            };
            chain
                .submit_proof_request(SUBMITTER, request(n), &filler)
                .unwrap();
            n += 1;
        }
        while !matches!(fermah_ack(n), AckPlan::Accept { .. }) {
            n += 1;
        }
        let params = proof_manager::ProofRequestParams {
            proof_inputs_url: url.clone(),
            ..default_params()
        };
        chain
            .submit_proof_request(SUBMITTER, request(n), &params)
            .unwrap();
        let assignee = chain.proof_request(request(n)).unwrap().assigned_to;
        assert_eq!(assignee, Some(ProvingNetwork::Fermah));
        fermah.push((n, url.clone()));
        n += 1;
    }
    world.chain.borrow_mut().advance(30_000);
    let started = Instant::now();
    while world.chain.borrow_mut().status(request(fermah[5].0)) != ProofRequestStatus::Proven {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the good URL was never proven"
        );
        run_slowly(&mut world, 1);
    }
    let proved = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        proved.lines().collect::<Vec<_>>(),
        [format!("1/{} https://inputs.example/1/ok", fermah[5].0)]
    );
    for (n, url) in &fermah[..5] {
        let status = world.chain.borrow_mut().status(request(*n));
        assert_eq!(status, ProofRequestStatus::Refused, "{url:?}");
    }
    let notes = world.notes.join("\n");
    for says in [
        "only http:// and https:// URLs are proven",
        "it holds the character '\\0'",
        "it holds the character '\\n'",
    ] {
        assert!(notes.contains(says), "{says}: {notes}");
    }
}

#[test]
fn a_prover_kept_across_reopenings_proves_each_request_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("proved.log");
    let prover = logging_prover(&log, 1.0);
    let mut world = World::new(100, Halts::default());
    world.fermah = None;
    world.open_network_with(Net::Fermah, None, Box::new(prover.clone()));
    for n in 0..4 {
        let url = format!("https://inputs.example/1/{n}");
        world
            .submitter
            .as_mut()
            .unwrap()
            .enqueue(id(n), &url)
            .unwrap();
    }
    // Until Fermah's jobs are past proving: each step its agent is dropped and opened again
    // (a node blip) while a job is being proven, with the same prover.
    let started = Instant::now();
    let mut reopenings = 0;
    loop {
        run_slowly(&mut world, 1);
        let fermah = world.fermah.as_ref().unwrap().machine();
        let proving = fermah.jobs().any(|j| j.status == JobStatus::Proving);
        let proven = fermah
            .jobs()
            .filter(|j| {
                matches!(
                    j.status,
                    JobStatus::ProofSent
                        | JobStatus::Proven
                        | JobStatus::Validated
                        | JobStatus::ValidationFailed
                )
            })
            .count();
        if proving {
            world.fermah = None;
            world.open_network_with(Net::Fermah, None, Box::new(prover.clone()));
            reopenings += 1;
        } else if proven >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Fermah never proved"
        );
    }
    let runs: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    let mut once = runs.clone();
    once.sort();
    once.dedup();
    assert_eq!(runs.len(), once.len(), "a request proved twice: {runs:?}");
    assert!(reopenings >= 2, "{reopenings}");
}
