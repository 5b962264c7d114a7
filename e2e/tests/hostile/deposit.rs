//! Storage deposits for the largest inputs, repeated. pallet-contracts charges the origin of a
//! call `DepositPerByte` for every byte of value its call adds to the contract's storage and
//! `DepositPerItem` for every new key (and refunds net removals pro rata). Every figure below is
//! derived from the runtime's parameters and the contract's storage read before and after the
//! call, and checked against the deposit the chain reports and the callers' balances.

use super::*;
use drink::frame_support::traits::Get;
use drink::minimal::MinimalSandboxRuntime;
use drink::pallet_contracts::Config;
use ink::scale::Encode;

/// Requests per test: enough to fill the first two leaves of the deadline index (which split as
/// it grows), so a deposit that grew with the number of requests would show.
const REPEATS: u64 = 70;

fn per_byte() -> u128 {
    <MinimalSandboxRuntime as Config>::DepositPerByte::get()
}

fn per_item() -> u128 {
    <MinimalSandboxRuntime as Config>::DepositPerItem::get()
}

/// The net bytes of value and net keys a call added to the contract's storage.
fn growth(before: &ContractStorage, after: &ContractStorage) -> (i128, i128) {
    let bytes = |s: &ContractStorage| s.entries.iter().map(|(_, v)| v.len() as i128).sum::<i128>();
    let keys = |s: &ContractStorage| s.entries.len() as i128;
    (bytes(after) - bytes(before), keys(after) - keys(before))
}

/// Asserts that `deposit` is what pallet-contracts charges for going from `before` to `after`:
/// `DepositPerByte` per net new byte and `DepositPerItem` per net new key, exactly; a net
/// removal of keys is refunded pro rata of the contract's item deposit, rounded, so it is
/// checked to within that rounding.
fn assert_deposit_matches(
    deposit: u128,
    before: &ContractStorage,
    after: &ContractStorage,
    n: u64,
) {
    let (bytes, keys) = growth(before, after);
    assert!(bytes >= 0, "request {n} freed bytes");
    let bytes_charge = bytes as u128 * per_byte();
    if keys >= 0 {
        assert_eq!(
            deposit,
            bytes_charge + keys as u128 * per_item(),
            "request {n}"
        );
    } else {
        let refund = bytes_charge - deposit;
        assert!(refund <= keys.unsigned_abs() * per_item(), "request {n}");
    }
}

/// The storage keys `after` has that `before` has not, with their values.
fn new_entries(before: &ContractStorage, after: &ContractStorage) -> Vec<(Vec<u8>, Vec<u8>)> {
    after
        .entries
        .iter()
        .filter(|(key, _)| !before.entries.iter().any(|(k, _)| k == key))
        .cloned()
        .collect()
}

/// The deposit the last call charged; panics on a refund.
fn charged(chain: &Chain) -> u128 {
    u128::try_from(chain.last_stats().storage_deposit).expect("a charge, not a refund")
}

/// Native balances of every actor.
fn native_balances(chain: &mut Chain) -> Vec<u128> {
    ACTORS
        .iter()
        .map(|actor| chain.native_balance(*actor))
        .collect()
}

/// Asserts that `payer`, and no other actor, paid `deposit` between the two balance lists.
fn assert_paid_by(payer: AccountId, deposit: u128, before: &[u128], after: &[u128], n: u64) {
    for (i, actor) in ACTORS.iter().enumerate() {
        let paid = if *actor == payer { deposit } else { 0 };
        assert_eq!(before[i] - after[i], paid, "request {n}, actor {i}");
    }
}

/// Every submission with the longest URL (2,048 bytes) is charged to the submitter alone, exactly
/// for what it stores: the URL as one key of 2,050 bytes, the request record, and the request's
/// entry in the deadline index. That deposit is the same for every request but the few whose
/// entry adds a node to the index (the first, and one per leaf split); those pay the node once,
/// less than one URL costs. A URL one byte longer is refused before anything is stored.
#[test]
fn submitter_pays_a_bounded_deposit_for_the_longest_url() {
    let mut chain = funded_chain(1000);
    let manager = chain.manager;
    let longest = ProofRequestParams {
        proof_inputs_url: "u".repeat(MAX_PROOF_INPUTS_URL_LEN as usize),
        ..default_params()
    };
    let url_value = longest.proof_inputs_url.encode();
    let url_deposit = url_value.len() as u128 * per_byte() + per_item();
    let mut deposits = Vec::new();
    for n in 0..REPEATS {
        let (storage, balances) = (chain.contract_storage(manager), native_balances(&mut chain));
        submit_with(&mut chain, n, &longest);
        let deposit = charged(&chain);
        let after = chain.contract_storage(manager);
        assert_deposit_matches(deposit, &storage, &after, n);
        assert!(growth(&storage, &after).1 >= 0, "request {n}");
        let added = new_entries(&storage, &after);
        assert!(
            added.iter().any(|(_, value)| *value == url_value),
            "request {n}"
        );
        assert_paid_by(
            SUBMITTER,
            deposit,
            &balances,
            &native_balances(&mut chain),
            n,
        );
        deposits.push((deposit, added.len()));
    }
    // The URL and the record are two new keys; the index entry extends a leaf.
    let usual = deposits[1].0;
    for (n, (deposit, new_keys)) in deposits.iter().enumerate() {
        if *new_keys == 2 {
            assert_eq!(*deposit, usual, "request {n}");
        } else {
            assert!(
                *deposit > usual && *deposit - usual < url_deposit,
                "request {n}"
            );
        }
    }
    let grown = deposits.iter().filter(|(_, keys)| *keys > 2).count();
    assert!((2..=4).contains(&grown), "{deposits:?}");
    println!(
        "per request: {usual} = {url_deposit} for the URL ({} bytes × {} + 1 key × {}) + {} for \
         the record and index entry; index growth: {:?}",
        url_value.len(),
        per_byte(),
        per_item(),
        usual - url_deposit,
        deposits
            .iter()
            .filter(|(_, keys)| *keys > 2)
            .collect::<Vec<_>>()
    );

    let balances = native_balances(&mut chain);
    let too_long = ProofRequestParams {
        proof_inputs_url: "u".repeat(MAX_PROOF_INPUTS_URL_LEN as usize + 1),
        ..default_params()
    };
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(REPEATS), &too_long),
        Err(Error::InputTooLarge(MAX_PROOF_INPUTS_URL_LEN + 1))
    );
    assert_eq!(chain.last_stats().storage_deposit, 0);
    assert_eq!(native_balances(&mut chain), balances);
}

/// Every proof of the largest size (12,288 bytes) is charged to the network that proves it, and
/// no one else, exactly for what it stores: the proof as one key of 12,290 bytes, less the
/// request's entry leaving the deadline index. That deposit is the same for every proof but
/// those whose removal empties an index leaf (then a key is freed, and it is smaller), and never
/// more than the proof's own bytes and key.
#[test]
fn networks_pay_a_bounded_deposit_for_the_longest_proof() {
    let mut chain = funded_chain(1000);
    let manager = chain.manager;
    let mut provers = Vec::new();
    for n in 0..REPEATS {
        let network = submit_with(&mut chain, n, &default_params()).expect("an assignee");
        let prover = chain.proving_network_info(network).address;
        chain
            .acknowledge_proof_request(prover, request(n), true)
            .expect("assignee commits");
        provers.push(prover);
    }
    let largest = proof_of(MAX_PROOF_LEN as usize);
    let proof_value = largest.encode();
    let proof_deposit = proof_value.len() as u128 * per_byte() + per_item();
    let mut deposits = Vec::new();
    for (n, prover) in (0..REPEATS).zip(provers) {
        let (storage, balances) = (chain.contract_storage(manager), native_balances(&mut chain));
        chain
            .submit_proof(prover, request(n), &largest, TOKEN)
            .expect("assignee proves");
        let deposit = charged(&chain);
        let after = chain.contract_storage(manager);
        assert_deposit_matches(deposit, &storage, &after, n);
        let added = new_entries(&storage, &after);
        assert_eq!(added.len(), 1, "request {n}");
        assert_eq!(added[0].1, proof_value, "request {n}");
        assert!(deposit <= proof_deposit, "request {n}");
        assert_paid_by(prover, deposit, &balances, &native_balances(&mut chain), n);
        let keys_freed = storage.entries.len() + 1 - after.entries.len();
        deposits.push((deposit, keys_freed));
    }
    let usual = deposits[0].0;
    for (n, (deposit, keys_freed)) in deposits.iter().enumerate() {
        if *keys_freed == 0 {
            assert_eq!(*deposit, usual, "request {n}");
        } else {
            assert!(*deposit < usual, "request {n}");
        }
    }
    println!(
        "per proof: {usual} = {proof_deposit} for the proof ({} bytes × {} + 1 key × {}) - {} \
         freed by the index entry; emptied leaves: {:?}",
        proof_value.len(),
        per_byte(),
        per_item(),
        proof_deposit - usual,
        deposits
            .iter()
            .filter(|(_, freed)| *freed > 0)
            .collect::<Vec<_>>()
    );
}
