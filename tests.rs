//! Off-chain unit tests: everything that needs no second contract. Flows that touch the token
//! (submission, claims, withdrawals) are proven by the drink suite in `e2e/`.

use crate::deadlines::{DeadlineIndex, Entry};
use crate::*;
use ink::env::test::{default_accounts, recorded_events, set_block_timestamp, set_caller};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use ink::scale::Decode;

// The actors by role, on ink!'s default accounts: the same roles and first names as the drink
// suites (same bytes) and the ink_e2e suite (the keyring), see `e2e/src/fixtures.rs`.
fn admin() -> AccountId {
    default_accounts::<Env>().alice
}
fn fermah() -> AccountId {
    default_accounts::<Env>().bob
}
fn lagrange() -> AccountId {
    default_accounts::<Env>().charlie
}
fn outsider() -> AccountId {
    default_accounts::<Env>().django
}
fn submitter() -> AccountId {
    default_accounts::<Env>().eve
}
fn fermah_new_key() -> AccountId {
    default_accounts::<Env>().frank
}
/// The payment token's address: any account, since unit tests make no token call.
fn token() -> AccountId {
    AccountId::from([0x70; 32])
}

fn zero() -> AccountId {
    AccountId::from([0u8; 32])
}

/// The standard roles.
fn deploy() -> ProofManager {
    ProofManager::new(fermah(), lagrange(), token(), submitter(), admin()).expect("valid roles")
}

fn id(n: u64) -> ProofRequestIdentifier {
    ProofRequestIdentifier {
        chain_id: 324,
        block_number: n,
    }
}

fn params() -> ProofRequestParams {
    ProofRequestParams {
        protocol_major: 0,
        protocol_minor: 27,
        protocol_patch: 0,
        proof_inputs_url: "https://inputs.example/324/1".into(),
        timeout_after: 3_600_000,
        max_reward: MAX_REWARD,
    }
}

fn decode_last<E: Decode>() -> E {
    let event = recorded_events().last().expect("an event");
    E::decode(&mut &event.data[..]).expect("decodable event")
}

/// The constructor stores every role and reports both networks Active with nothing owed.
#[ink::test]
fn constructor_stores_roles() {
    let pm = deploy();
    assert_eq!(pm.admin(), admin());
    assert_eq!(pm.submitter(), submitter());
    assert_eq!(pm.usdc(), token());
    assert_eq!(pm.pending_admin(), None);
    assert_eq!(pm.preferred_proving_network(), None);
    assert_eq!(pm.request_counter(), 0);
    assert_eq!(pm.in_flight(), 0);
    assert_eq!(pm.obligations(), 0);
    assert_eq!(
        pm.proving_network_info(ProvingNetwork::Fermah),
        ProvingNetworkInfo {
            address: fermah(),
            status: ProvingNetworkStatus::Active,
            owed_reward: 0
        }
    );
    assert_eq!(
        pm.proving_network_info(ProvingNetwork::Lagrange).address,
        lagrange()
    );
}

/// The constructor emits upstream's initializer events: address and status per network, then
/// the preferred network.
#[ink::test]
fn constructor_emits_initializer_events() {
    deploy();
    let events: Vec<_> = recorded_events().collect();
    assert_eq!(events.len(), 5);
    let fermah = ProvingNetworkAddressUpdated::decode(&mut &events[0].data[..]).unwrap();
    assert_eq!(fermah.proving_network, ProvingNetwork::Fermah);
    let status = ProvingNetworkStatusUpdated::decode(&mut &events[3].data[..]).unwrap();
    assert_eq!(status.proving_network, ProvingNetwork::Lagrange);
    assert_eq!(status.status, ProvingNetworkStatus::Active);
    let preferred = PreferredProvingNetworkUpdated::decode(&mut &events[4].data[..]).unwrap();
    assert_eq!(preferred.proving_network, None);
}

/// Each all-zero constructor argument is named in the error, in upstream's order.
#[ink::test]
fn constructor_rejects_zero_addresses() {
    let cases = [
        (
            zero(),
            lagrange(),
            token(),
            submitter(),
            admin(),
            AddressField::Fermah,
        ),
        (
            fermah(),
            zero(),
            token(),
            submitter(),
            admin(),
            AddressField::Lagrange,
        ),
        (
            fermah(),
            lagrange(),
            zero(),
            submitter(),
            admin(),
            AddressField::Usdc,
        ),
        (
            fermah(),
            lagrange(),
            token(),
            zero(),
            admin(),
            AddressField::Submitter,
        ),
        (
            fermah(),
            lagrange(),
            token(),
            submitter(),
            zero(),
            AddressField::Admin,
        ),
        (
            zero(),
            zero(),
            zero(),
            zero(),
            zero(),
            AddressField::Submitter,
        ),
    ];
    for (fermah, lagrange, usdc, submitter, admin, field) in cases {
        assert_eq!(
            ProofManager::new(fermah, lagrange, usdc, submitter, admin).err(),
            Some(Error::AddressCannotBeZero(field))
        );
    }
}

/// Both networks cannot share an address, or a claim could not tell whom to pay.
#[ink::test]
fn constructor_rejects_shared_network_address() {
    assert_eq!(
        ProofManager::new(fermah(), fermah(), token(), submitter(), admin()).err(),
        Some(Error::AddressInUse(fermah()))
    );
}

/// Every admin message refuses a caller that is not the admin, naming it.
#[ink::test]
fn admin_messages_refuse_others() {
    let mut pm = deploy();
    set_caller::<Env>(submitter());
    let refused = Err(Error::OnlyAdminAllowed(submitter()));
    assert_eq!(
        pm.update_proving_network_address(ProvingNetwork::Fermah, fermah_new_key()),
        refused
    );
    assert_eq!(
        pm.update_proving_network_status(ProvingNetwork::Fermah, ProvingNetworkStatus::Inactive),
        refused
    );
    assert_eq!(
        pm.update_preferred_proving_network(Some(ProvingNetwork::Fermah)),
        refused
    );
    assert_eq!(pm.withdraw(token(), 1), refused);
    assert_eq!(pm.set_submitter(outsider()), refused);
    assert_eq!(pm.transfer_admin(outsider()), refused);
    assert_eq!(pm.set_code([7u8; 32].into()), refused);
    assert_eq!(
        pm.proving_network_info(ProvingNetwork::Fermah).address,
        fermah()
    );
    assert_eq!(pm.submitter(), submitter());
}

/// The admin rotates a network key; zero and the other network's key are refused.
#[ink::test]
fn admin_rotates_network_address() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    assert_eq!(
        pm.update_proving_network_address(ProvingNetwork::Fermah, zero()),
        Err(Error::AddressCannotBeZero(AddressField::ProvingNetwork))
    );
    assert_eq!(
        pm.update_proving_network_address(ProvingNetwork::Fermah, lagrange()),
        Err(Error::AddressInUse(lagrange()))
    );
    assert_eq!(
        pm.update_proving_network_address(ProvingNetwork::Fermah, fermah_new_key()),
        Ok(())
    );
    let event: ProvingNetworkAddressUpdated = decode_last();
    assert_eq!(event.address, fermah_new_key());
    assert_eq!(
        pm.proving_network_info(ProvingNetwork::Fermah).address,
        fermah_new_key()
    );
}

/// The admin (de)activates networks and sets or clears the preferred one.
#[ink::test]
fn admin_sets_status_and_preferred() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    assert_eq!(
        pm.update_proving_network_status(ProvingNetwork::Lagrange, ProvingNetworkStatus::Inactive),
        Ok(())
    );
    let event: ProvingNetworkStatusUpdated = decode_last();
    assert_eq!(event.status, ProvingNetworkStatus::Inactive);
    assert_eq!(
        pm.proving_network_info(ProvingNetwork::Lagrange).status,
        ProvingNetworkStatus::Inactive
    );
    assert_eq!(
        pm.update_preferred_proving_network(Some(ProvingNetwork::Lagrange)),
        Ok(())
    );
    assert_eq!(
        pm.preferred_proving_network(),
        Some(ProvingNetwork::Lagrange)
    );
    assert_eq!(pm.update_preferred_proving_network(None), Ok(()));
    let event: PreferredProvingNetworkUpdated = decode_last();
    assert_eq!(event.proving_network, None);
}

/// The submitter role moves to a non-zero account, with an event.
#[ink::test]
fn admin_replaces_submitter() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    assert_eq!(
        pm.set_submitter(zero()),
        Err(Error::AddressCannotBeZero(AddressField::Submitter))
    );
    assert_eq!(pm.set_submitter(outsider()), Ok(()));
    let event: SubmitterUpdated = decode_last();
    assert_eq!((event.previous, event.new), (submitter(), outsider()));
    assert_eq!(pm.submitter(), outsider());
}

/// The admin role moves only when the nominee accepts; nobody else can accept.
#[ink::test]
fn admin_transfer_is_two_step() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    assert_eq!(
        pm.transfer_admin(zero()),
        Err(Error::AddressCannotBeZero(AddressField::Admin))
    );
    assert_eq!(pm.transfer_admin(outsider()), Ok(()));
    assert_eq!(pm.pending_admin(), Some(outsider()));
    assert_eq!(pm.admin(), admin());
    set_caller::<Env>(submitter());
    assert_eq!(
        pm.accept_admin(),
        Err(Error::OnlyPendingAdminAllowed(submitter()))
    );
    set_caller::<Env>(outsider());
    assert_eq!(pm.accept_admin(), Ok(()));
    let event: AdminTransferred = decode_last();
    assert_eq!((event.previous, event.new), (admin(), outsider()));
    assert_eq!(pm.admin(), outsider());
    assert_eq!(pm.pending_admin(), None);
    assert_eq!(
        pm.accept_admin(),
        Err(Error::OnlyPendingAdminAllowed(outsider()))
    );
}

/// Only the submitter submits, validates and marks expiry.
#[ink::test]
fn submitter_messages_refuse_others() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    let refused = Err(Error::OnlySubmitterAllowed(admin()));
    assert_eq!(pm.submit_proof_request(id(1), params()), refused);
    assert_eq!(pm.submit_proof_validation_result(id(1), true), refused);
    assert_eq!(pm.mark_unacknowledged(id(1)), refused);
    assert_eq!(pm.mark_timed_out(id(1)), refused);
    assert_eq!(pm.request_counter(), 0);
}

/// Timeouts outside `(ACK_TIMEOUT, MAX_TIMEOUT_AFTER]` are refused, with the value.
#[ink::test]
fn submission_rejects_timeouts_out_of_bounds() {
    let mut pm = deploy();
    set_caller::<Env>(submitter());
    for timeout in [0, ACK_TIMEOUT, MAX_TIMEOUT_AFTER + 1, u64::MAX] {
        let p = ProofRequestParams {
            timeout_after: timeout,
            ..params()
        };
        assert_eq!(
            pm.submit_proof_request(id(1), p),
            Err(Error::InvalidProofRequestTimeout(timeout))
        );
    }
}

/// Rewards outside `(0, MAX_REWARD]` are refused, with the value.
#[ink::test]
fn submission_rejects_rewards_out_of_bounds() {
    let mut pm = deploy();
    set_caller::<Env>(submitter());
    for reward in [0, MAX_REWARD + 1, u128::MAX] {
        let p = ProofRequestParams {
            max_reward: reward,
            ..params()
        };
        assert_eq!(
            pm.submit_proof_request(id(1), p),
            Err(Error::MaxRewardOutOfBounds(reward))
        );
    }
}

/// A URL one byte over the bound is refused with its length.
#[ink::test]
fn submission_rejects_overlong_url() {
    let mut pm = deploy();
    set_caller::<Env>(submitter());
    let p = ProofRequestParams {
        proof_inputs_url: "u".repeat(MAX_PROOF_INPUTS_URL_LEN as usize + 1),
        ..params()
    };
    assert_eq!(
        pm.submit_proof_request(id(1), p),
        Err(Error::InputTooLarge(MAX_PROOF_INPUTS_URL_LEN + 1))
    );
}

/// A submission whose acknowledgement or proving deadline would overflow the clock is refused,
/// not wrapped.
#[ink::test]
fn submission_rejects_clock_overflow() {
    let mut pm = deploy();
    set_caller::<Env>(submitter());
    for now in [u64::MAX - ACK_TIMEOUT + 1, u64::MAX - ACK_TIMEOUT, u64::MAX] {
        set_block_timestamp::<Env>(now);
        assert_eq!(
            pm.submit_proof_request(id(1), params()),
            Err(Error::ArithmeticOverflow)
        );
    }
}

/// Messages about unknown requests say so, after the caller check.
#[ink::test]
fn unknown_requests_are_reported() {
    let mut pm = deploy();
    assert_eq!(pm.proof_request(id(9)), None);
    set_caller::<Env>(fermah());
    assert_eq!(
        pm.acknowledge_proof_request(id(9), true),
        Err(Error::ProofRequestNotFound(id(9)))
    );
    assert_eq!(
        pm.submit_proof(id(9), vec![1], 1),
        Err(Error::ProofRequestNotFound(id(9)))
    );
    set_caller::<Env>(submitter());
    assert_eq!(
        pm.submit_proof_validation_result(id(9), true),
        Err(Error::ProofRequestNotFound(id(9)))
    );
    assert_eq!(
        pm.mark_unacknowledged(id(9)),
        Err(Error::ProofRequestNotFound(id(9)))
    );
    assert_eq!(
        pm.mark_timed_out(id(9)),
        Err(Error::ProofRequestNotFound(id(9)))
    );
}

/// Only a network's current address may claim, and an unpaid network with nothing owed is told so.
#[ink::test]
fn claim_checks_caller_and_debt() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    assert_eq!(
        pm.claim_reward(),
        Err(Error::OnlyProvingNetworkAllowed(admin()))
    );
    set_caller::<Env>(lagrange());
    assert_eq!(pm.claim_reward(), Err(Error::NoPaymentDue));
}

fn entry(deadline: u64, request_id: u64) -> Entry {
    Entry {
        deadline,
        request_id,
        id: id(request_id),
    }
}

/// The index's keys in order, checked against its length.
fn keys(index: &DeadlineIndex) -> Vec<(u64, u64)> {
    let keys: Vec<(u64, u64)> = index.entries().iter().map(Entry::key).collect();
    assert_eq!(keys.len() as u64, index.len());
    keys
}

/// The index yields the earliest deadline first and breaks ties by request counter.
#[ink::test]
fn deadlines_order_by_deadline_then_counter() {
    let mut index = DeadlineIndex::default();
    for (deadline, request_id) in [
        (50, 0),
        (10, 1),
        (30, 2),
        (10, 3),
        (70, 4),
        (20, 5),
        (30, 6),
    ] {
        index.insert(entry(deadline, request_id));
    }
    let popped: Vec<u64> = index
        .pop_expired(u64::MAX, 10)
        .iter()
        .map(|e| e.request_id)
        .collect();
    assert_eq!(popped, vec![1, 3, 5, 2, 6, 0, 4]);
    assert_eq!(index.len(), 0);
    assert_eq!(index.height(), 0);
}

/// `pop_expired` takes only deadlines strictly before `now`, at most `max`, across leaves.
#[ink::test]
fn deadlines_pop_only_expired_up_to_max() {
    let mut index = DeadlineIndex::default();
    for request_id in 0..100u64 {
        index.insert(entry(1_000 + request_id, request_id));
    }
    assert_eq!(index.pop_expired(1_000, 10), Vec::new());
    let popped = index.pop_expired(1_050, 40);
    assert_eq!(
        popped.iter().map(|e| e.request_id).collect::<Vec<_>>(),
        (0..40).collect::<Vec<_>>()
    );
    let popped = index.pop_expired(1_050, 40);
    assert_eq!(
        popped.iter().map(|e| e.request_id).collect::<Vec<_>>(),
        (40..50).collect::<Vec<_>>()
    );
    assert_eq!(index.len(), 50);
    assert_eq!(keys(&index).first(), Some(&(1_050, 50)));
}

/// Removing by key finds entries at every depth, refuses absent keys, and an emptied tree
/// takes new entries.
#[ink::test]
fn deadlines_remove_by_key_at_any_depth() {
    let mut index = DeadlineIndex::default();
    for request_id in 0..2_000u64 {
        index.insert(entry(5_000 - request_id * 7 % 1_000, request_id));
    }
    assert_eq!(index.height(), 3);
    assert_eq!(index.remove((5_000 - 7, 1)).map(|e| e.request_id), Some(1));
    assert_eq!(index.remove((5_000 - 7, 1)), None);
    assert_eq!(index.remove((5_000, 1)), None);
    for request_id in (0..2_000u64).filter(|r| *r != 1) {
        let removed = index.remove((5_000 - request_id * 7 % 1_000, request_id));
        assert_eq!(
            removed,
            Some(entry(5_000 - request_id * 7 % 1_000, request_id))
        );
    }
    assert_eq!(index.len(), 0);
    assert_eq!(index.height(), 0);
    index.insert(entry(9, 2_000));
    assert_eq!(keys(&index), vec![(9, 2_000)]);
}

/// Random inserts, removals and pops agree with a sorted set at every step (upstream's heap
/// bug, #18, hid in exactly these paths).
#[ink::test]
fn deadlines_match_a_sorted_set() {
    use std::collections::BTreeSet;
    let mut index = DeadlineIndex::default();
    let mut model = BTreeSet::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    for request_id in 0..3_000u64 {
        match next(10) {
            0..=5 => {
                let deadline = next(500);
                index.insert(entry(deadline, request_id));
                model.insert((deadline, request_id));
            }
            6..=8 => {
                if let Some(&key) = model.iter().nth(next(model.len() as u64 + 1) as usize) {
                    assert_eq!(index.remove(key).map(|e| e.key()), Some(key));
                    model.remove(&key);
                }
            }
            _ => {
                let (now, max) = (next(500), next(12) as usize);
                let expected: Vec<(u64, u64)> = model
                    .iter()
                    .filter(|(deadline, _)| *deadline < now)
                    .take(max)
                    .copied()
                    .collect();
                let popped: Vec<(u64, u64)> =
                    index.pop_expired(now, max).iter().map(Entry::key).collect();
                assert_eq!(popped, expected);
                for key in expected {
                    model.remove(&key);
                }
            }
        }
        if request_id % 100 == 0 {
            assert_eq!(keys(&index), model.iter().copied().collect::<Vec<_>>());
        }
    }
    assert_eq!(keys(&index), model.iter().copied().collect::<Vec<_>>());
}

/// Moving entries to new keys, within their leaf or across leaves and levels, agrees with a
/// sorted set; an absent key moves nothing.
#[ink::test]
fn deadlines_replace_matches_a_sorted_set() {
    use std::collections::BTreeSet;
    let mut index = DeadlineIndex::default();
    let mut model = BTreeSet::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    for request_id in 0..1_500u64 {
        let deadline = next(5_000);
        index.insert(entry(deadline, request_id));
        model.insert((deadline, request_id));
    }
    assert_eq!(index.height(), 3);
    assert_eq!(index.replace((5_000, 0), entry(1, 0)), None);
    for step in 0..3_000u64 {
        let old = *model
            .iter()
            .nth(next(model.len() as u64) as usize)
            .expect("entries");
        // Mostly a nearby later deadline, as from acknowledgement to proving; sometimes anywhere.
        let deadline = if step % 4 == 0 {
            next(6_000)
        } else {
            old.0 + next(30)
        };
        let moved = entry(deadline, old.1);
        assert_eq!(index.replace(old, moved).map(|e| e.key()), Some(old));
        model.remove(&old);
        model.insert(moved.key());
        if step % 100 == 0 {
            assert_eq!(keys(&index), model.iter().copied().collect::<Vec<_>>());
        }
    }
    assert_eq!(keys(&index), model.iter().copied().collect::<Vec<_>>());
    for key in model {
        assert_eq!(index.remove(key).map(|e| e.key()), Some(key));
    }
    assert_eq!(index.height(), 0);
}

/// Every event has its own signature topic, and `ManagerEvent::decode` names each one it
/// decodes by that topic.
#[test]
fn every_event_has_a_distinct_signature() {
    let signatures = ManagerEvent::signatures();
    assert_eq!(signatures.len(), 14);
    let distinct: std::collections::BTreeSet<[u8; 32]> =
        signatures.iter().map(|(_, topic)| *topic).collect();
    assert_eq!(distinct.len(), signatures.len());
}

/// `ProofRequestAcknowledged` and `ProofValidationResult` share a SCALE layout: only the
/// signature topic tells them apart, and the decoder follows it.
#[ink::test]
fn events_decode_by_signature_not_by_layout() {
    let mut pm = deploy();
    set_caller::<Env>(admin());
    pm.update_preferred_proving_network(Some(ProvingNetwork::Lagrange))
        .expect("admin sets the preferred network");
    let event = recorded_events().last().expect("an event");
    assert_eq!(
        ManagerEvent::decode(&topics_of(&event), &event.data),
        Ok(ManagerEvent::PreferredProvingNetworkUpdated(
            PreferredProvingNetworkUpdated {
                proving_network: Some(ProvingNetwork::Lagrange)
            }
        ))
    );

    let acknowledged = ProofRequestAcknowledged {
        chain_id: 324,
        block_number: 7,
        accepted: true,
        assigned_to: ProvingNetwork::Lagrange,
    };
    let data = ink::scale::Encode::encode(&acknowledged);
    let signature = |name: &str| {
        ManagerEvent::signatures()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, topic)| topic)
            .expect("a known event")
    };
    assert_eq!(
        ManagerEvent::decode(&[signature("ProofRequestAcknowledged")], &data),
        Ok(ManagerEvent::ProofRequestAcknowledged(acknowledged))
    );
    assert_eq!(
        ManagerEvent::decode(&[signature("ProofValidationResult")], &data),
        Ok(ManagerEvent::ProofValidationResult(ProofValidationResult {
            chain_id: 324,
            block_number: 7,
            is_proof_valid: true,
            assigned_to: ProvingNetwork::Lagrange,
        }))
    );
}

/// An unknown signature, a missing one, and data that is not exactly one event are typed
/// errors, never a panic.
#[test]
fn undecodable_events_are_typed_errors() {
    assert_eq!(
        ManagerEvent::decode(&[], &[]),
        Err(EventDecodeError::NoSignature)
    );
    assert_eq!(
        ManagerEvent::decode(&[[7; 32]], &[]),
        Err(EventDecodeError::UnknownSignature([7; 32]))
    );
    let (name, topic) = ManagerEvent::signatures()[0];
    assert!(matches!(
        ManagerEvent::decode(&[topic], &[1, 2]),
        Err(EventDecodeError::Malformed { event, .. }) if event == name
    ));
    let claimed = ink::scale::Encode::encode(&RewardClaimed {
        by: ProvingNetwork::Fermah,
        amount: 5,
        paid_requests: 1,
    });
    let (_, claimed_topic) = ManagerEvent::signatures()
        .into_iter()
        .find(|(n, _)| *n == "RewardClaimed")
        .expect("a known event");
    let mut trailing = claimed.clone();
    trailing.push(0);
    assert!(matches!(
        ManagerEvent::decode(&[claimed_topic], &trailing),
        Err(EventDecodeError::Malformed {
            event: "RewardClaimed",
            ..
        })
    ));
    assert!(ManagerEvent::decode(&[claimed_topic], &claimed).is_ok());
}

fn topics_of(event: &ink::env::test::EmittedEvent) -> Vec<[u8; 32]> {
    event
        .topics
        .iter()
        .map(|topic| <[u8; 32]>::try_from(&topic[..]).expect("32-byte topics"))
        .collect()
}

/// On chain every event goes through `Topics::emit`, which writes the topics itself: they are
/// the ones ink!'s own emission of the same event records, in the same order, and so is the
/// data; an `Option` topic included (`Some(Fermah)` encodes as `0`, as `None`'s topic does).
#[ink::test]
fn events_record_the_topics_and_data_ink_gives_them() {
    fn same_record<E: ink::env::Event + crate::events::Topics + Clone>(event: E) {
        ink::env::emit_event::<Env, E>(event.clone());
        crate::events::Topics::emit(&event);
        let events: Vec<_> = recorded_events().collect();
        let [.., by_ink, emitted] = &events[..] else {
            panic!("two events recorded");
        };
        assert_eq!(emitted.topics, by_ink.topics);
        assert_eq!(emitted.data, by_ink.data);
    }
    let id = ProofRequestIdentifier {
        chain_id: 0x0102_0304_0506_0708,
        block_number: 0x1112_1314_1516_1718,
    };
    for assigned_to in [
        Some(ProvingNetwork::Fermah),
        Some(ProvingNetwork::Lagrange),
        None,
    ] {
        same_record(ProofRequestSubmitted {
            chain_id: id.chain_id,
            block_number: id.block_number,
            assigned_to,
            proof_inputs_url: "https://inputs.example/1".into(),
            protocol_major: 1,
            protocol_minor: 2,
            protocol_patch: 3,
            timeout_after: 3_600_000,
            max_reward: MAX_REWARD,
            request_id: 9,
            status: ProofRequestStatus::PendingAcknowledgement,
        });
        same_record(PreferredProvingNetworkUpdated {
            proving_network: assigned_to,
        });
    }
    for network in ProvingNetwork::ALL {
        for flag in [true, false] {
            same_record(ProofValidationResult {
                chain_id: id.chain_id,
                block_number: id.block_number,
                is_proof_valid: flag,
                assigned_to: network,
            });
            same_record(ProofRequestAcknowledged {
                chain_id: id.chain_id,
                block_number: id.block_number,
                accepted: flag,
                assigned_to: network,
            });
            same_record(ProofRequestExpired {
                chain_id: id.chain_id,
                block_number: id.block_number,
                assigned_to: network,
                status: ProofRequestStatus::TimedOut,
                purged: flag,
            });
        }
        same_record(ProofRequestProven {
            chain_id: id.chain_id,
            block_number: id.block_number,
            proof: vec![7; 300],
            assigned_to: network,
            requested_reward: 4,
        });
        same_record(RewardClaimed {
            by: network,
            amount: 5,
            paid_requests: 2,
        });
        same_record(ProvingNetworkAddressUpdated {
            proving_network: network,
            address: fermah(),
        });
        same_record(ProvingNetworkStatusUpdated {
            proving_network: network,
            status: ProvingNetworkStatus::Inactive,
        });
    }
    same_record(FundsWithdrawn {
        token: outsider(),
        by: admin(),
        amount: 6,
    });
    same_record(SubmitterUpdated {
        previous: submitter(),
        new: outsider(),
    });
    same_record(AdminTransferStarted {
        admin: admin(),
        pending: outsider(),
    });
    same_record(AdminTransferred {
        previous: admin(),
        new: outsider(),
    });
    same_record(CodeUpgraded {
        code_hash: [3; 32].into(),
    });
}
