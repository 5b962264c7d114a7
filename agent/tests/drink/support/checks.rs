//! What a run of batches must leave behind, whatever faults it met: every batch validated or
//! handed back exactly once with the outcome the scripts imply, no call applied twice, every
//! claim in the outbox once with the amount its `RewardClaimed` says, nothing owed or pending.

use std::collections::BTreeMap;

use proof_manager::{ManagerEvent, ProofRequestStatus, ProvingNetwork};
use proof_manager_agent::{Id, Net};
use proof_manager_e2e::{FERMAH, LAGRANGE};

use super::{expected_outcome, World};

/// What a run left behind: every request on chain, the token balances, the agents' tables.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub requests: BTreeMap<u64, (ProofRequestStatus, Option<ProvingNetwork>, u128)>,
    pub balances: Vec<u128>,
    pub owed: [u128; 2],
    pub batches: Vec<(String, String, String)>,
    pub fallbacks: Vec<(Id, String, u64, u64)>,
    pub jobs: [Vec<(String, String, String)>; 2],
}

pub fn outcome(world: &mut World, batches: std::ops::Range<u64>) -> Outcome {
    let mut chain = world.chain.borrow_mut();
    let requests = batches
        .map(|b| {
            let r = chain
                .proof_request(proof_manager_e2e::request(b))
                .unwrap_or_else(|| panic!("batch {b} was never submitted"));
            (b, (r.status, r.assigned_to, r.requested_reward))
        })
        .collect();
    let manager = chain.manager;
    let balances = [manager, FERMAH, LAGRANGE]
        .map(|who| chain.token_balance(who))
        .to_vec();
    let owed = [ProvingNetwork::Fermah, ProvingNetwork::Lagrange]
        .map(|n| chain.proving_network_info(n).owed_reward);
    drop(chain);
    let submitter = world.submitter.as_ref().expect("a submitter").store();
    let fallbacks = submitter
        .fallbacks()
        .expect("the fallbacks")
        .into_iter()
        .map(|(f, _)| (f.id, f.reason, f.block, f.time_ms))
        .collect();
    Outcome {
        requests,
        balances,
        owed,
        batches: submitter.rows("batch").expect("the batches"),
        fallbacks,
        jobs: [world.fermah.as_ref(), world.lagrange.as_ref()]
            .map(|a| a.expect("an agent").store().rows("job").expect("the jobs")),
    }
}

/// How many batches ended each way.
pub type Counts = BTreeMap<String, usize>;

/// Every batch ended validated or fell back exactly once, with the outcome the scripts imply
/// for the network it went to; the networks were paid what was validated, all of it claimed.
pub fn check_batches(result: &Outcome, batches: u64) -> Counts {
    let fallbacks: BTreeMap<u64, String> = result
        .fallbacks
        .iter()
        .map(|(id, reason, ..)| (id.block_number, reason.clone()))
        .collect();
    assert_eq!(
        fallbacks.len(),
        result.fallbacks.len(),
        "a fallback recorded twice"
    );
    let mut counts = Counts::new();
    for (b, (status, network, _)) in &result.requests {
        let expected = expected_outcome(*b, network.map(Net::from));
        assert_eq!(
            fallbacks.get(b),
            expected.as_ref(),
            "batch {b} on {network:?}"
        );
        match &expected {
            None => assert_eq!(*status, ProofRequestStatus::Paid, "batch {b}"),
            Some(_) => assert_ne!(*status, ProofRequestStatus::Paid, "batch {b}"),
        }
        *counts
            .entry(expected.unwrap_or("validated".into()))
            .or_default() += 1;
    }
    let statuses: Vec<&str> = result.batches.iter().map(|(_, s, _)| s.as_str()).collect();
    assert!(statuses
        .iter()
        .all(|s| *s == "validated" || *s == "fallback"));
    assert_eq!(statuses.len() as u64, batches);
    // Paid at 80% of max_reward for every validated batch, all claimed.
    let paid: u128 = result
        .requests
        .values()
        .filter(|(s, ..)| *s == ProofRequestStatus::Paid)
        .map(|(_, _, reward)| *reward)
        .sum();
    assert_eq!(result.balances[1] + result.balances[2], paid);
    assert_eq!(result.owed, [0, 0]);
    assert_eq!(paid, counts["validated"] as u128 * 4_000_000);
    counts
}

/// No call took effect twice: each request has at most one event of each kind of its life,
/// and every claim the chain paid is in its network's outbox exactly once, with its amount.
pub fn check_applied_once(world: &World) {
    let chain = world.chain.borrow();
    let mut seen: BTreeMap<(&'static str, u64, u64), usize> = BTreeMap::new();
    let mut claimed: BTreeMap<Net, Vec<u128>> = BTreeMap::new();
    for recorded in chain
        .event_log()
        .iter()
        .filter(|e| e.event.contract == chain.manager)
    {
        let event = ManagerEvent::decode(&recorded.event.topics, &recorded.event.data)
            .expect("the manager's events decode");
        let key = match event {
            ManagerEvent::ProofRequestSubmitted(e) => ("submitted", e.chain_id, e.block_number),
            ManagerEvent::ProofRequestAcknowledged(e) => {
                ("acknowledged", e.chain_id, e.block_number)
            }
            ManagerEvent::ProofRequestProven(e) => ("proven", e.chain_id, e.block_number),
            ManagerEvent::ProofValidationResult(e) => ("verdict", e.chain_id, e.block_number),
            ManagerEvent::ProofRequestExpired(e) => ("expired", e.chain_id, e.block_number),
            ManagerEvent::RewardClaimed(e) => {
                claimed.entry(Net::from(e.by)).or_default().push(e.amount);
                continue;
            }
            _ => continue,
        };
        *seen.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "applied twice: {twice:?}");
    drop(chain);
    for (net, agent) in [
        (Net::Fermah, &world.fermah),
        (Net::Lagrange, &world.lagrange),
    ] {
        let outbox = agent.as_ref().expect("an agent").store().outbox().unwrap();
        let recorded: Vec<u128> = outbox
            .iter()
            .filter_map(|e| e.outcome.as_deref()?.strip_prefix("claimed "))
            .map(|rest| rest.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        let paid = claimed.remove(&net).unwrap_or_default();
        assert_eq!(
            recorded, paid,
            "{net:?}'s claims in its outbox and on chain"
        );
        assert!(!paid.is_empty(), "{net:?} never claimed");
    }
}

/// Nothing is left pending in any outbox, and nothing was abandoned.
pub fn check_settled(world: &World) {
    for (role, store) in [
        ("submitter", world.submitter.as_ref().map(|a| a.store())),
        ("fermah", world.fermah.as_ref().map(|a| a.store())),
        ("lagrange", world.lagrange.as_ref().map(|a| a.store())),
    ] {
        let outbox = store.expect("an agent").outbox().unwrap();
        let open: Vec<_> = outbox.iter().filter(|e| e.state != "done").collect();
        assert!(open.is_empty(), "{role}: {open:?}");
    }
}
