//! Garbage SCALE input. ink! 5's dispatcher decodes the selector and then the message's arguments
//! with `Decode::decode`; bytes that do not decode are refused with `CouldNotReadInput` and a
//! revert before any of the contract's code runs. Every test compares the whole state (both
//! contracts' storage and the chain's state root) before and after each call.

use super::*;
use ink::primitives::Hash;
use ink::scale::{Decode, Encode};
use ProvingNetwork::*;

/// A ProofManager message, its usual caller and a valid encoding of it, built with the
/// contract's call builder.
struct Message {
    name: &'static str,
    /// The caller whose role the message needs, so that only decoding stands in the way.
    caller: AccountId,
    selector: [u8; 4],
    args: Vec<u8>,
    /// Whether bytes start with a valid encoding of the arguments: `Decode::decode` on the
    /// types the contract decodes, which like ink!'s dispatcher reads a prefix.
    decodes: fn(&[u8]) -> bool,
    view: bool,
}

impl Message {
    /// The message's selector followed by `args`.
    fn with_args(&self, args: &[u8]) -> Vec<u8> {
        [&self.selector[..], args].concat()
    }
}

fn decodes<T: Decode>(bytes: &[u8]) -> bool {
    T::decode(&mut &bytes[..]).is_ok()
}

/// `T` is the message's argument tuple, for `decodes`.
fn message<T: Decode, Args: Encode, R>(
    name: &'static str,
    caller: AccountId,
    call: proof_manager_e2e::Message<Args, R>,
) -> Message {
    let input = input_of(call);
    Message {
        name,
        caller,
        selector: input[..4].try_into().expect("a 4-byte selector"),
        args: input[4..].to_vec(),
        decodes: decodes::<T>,
        view: false,
    }
}

fn view<T: Decode, Args: Encode, R>(
    name: &'static str,
    call: proof_manager_e2e::Message<Args, R>,
) -> Message {
    Message {
        view: true,
        ..message::<T, Args, R>(name, OUTSIDER, call)
    }
}

/// A chain with requests in every stored state and an admin nomination pending, so that a
/// message that did act on garbage would find something to change:
/// 0 Fermah paid, 1 Lagrange validated (owed), 2 Fermah proven, 3 Fermah committed,
/// 4 Fermah pending, 5 Lagrange refused; `FERMAH_NEW_KEY` nominated as admin.
fn populated_chain() -> Chain {
    let mut chain = funded_chain(1000);
    validate(&mut chain, 0, TOKEN);
    chain.claim_reward(FERMAH).expect("Fermah is paid");
    validate(&mut chain, 1, 2 * TOKEN);
    prove(&mut chain, 2, TOKEN);
    commit(&mut chain, 3);
    submit(&mut chain, 4);
    submit(&mut chain, 5);
    chain
        .acknowledge_proof_request(LAGRANGE, request(5), false)
        .unwrap();
    chain.transfer_admin(ADMIN, FERMAH_NEW_KEY).unwrap();
    chain
}

/// Parameters with the longest accepted URL.
fn long_params() -> ProofRequestParams {
    ProofRequestParams {
        proof_inputs_url: "u".repeat(MAX_PROOF_INPUTS_URL_LEN as usize),
        ..default_params()
    }
}

/// Every message of ProofManager, with arguments that fit `populated_chain`.
fn messages(chain: &Chain) -> Vec<Message> {
    let pm = || chain.manager_calls();
    type Id = ProofRequestIdentifier;
    vec![
        view::<Id, _, _>("proof_request", pm().proof_request(request(1))),
        view::<ProvingNetwork, _, _>("proving_network_info", pm().proving_network_info(Lagrange)),
        view::<(), _, _>(
            "preferred_proving_network",
            pm().preferred_proving_network(),
        ),
        view::<(), _, _>("admin", pm().admin()),
        view::<(), _, _>("pending_admin", pm().pending_admin()),
        view::<(), _, _>("submitter", pm().submitter()),
        view::<(), _, _>("usdc", pm().usdc()),
        view::<(), _, _>("request_counter", pm().request_counter()),
        view::<(), _, _>("in_flight", pm().in_flight()),
        view::<(), _, _>("obligations", pm().obligations()),
        message::<(ProvingNetwork, AccountId), _, _>(
            "update_proving_network_address",
            ADMIN,
            pm().update_proving_network_address(Fermah, FERMAH_NEW_KEY),
        ),
        message::<(ProvingNetwork, ProvingNetworkStatus), _, _>(
            "update_proving_network_status",
            ADMIN,
            pm().update_proving_network_status(Lagrange, ProvingNetworkStatus::Inactive),
        ),
        message::<Option<ProvingNetwork>, _, _>(
            "update_preferred_proving_network",
            ADMIN,
            pm().update_preferred_proving_network(Some(Lagrange)),
        ),
        message::<(AccountId, u128), _, _>("withdraw", ADMIN, pm().withdraw(chain.token, TOKEN)),
        message::<AccountId, _, _>("set_submitter", ADMIN, pm().set_submitter(OUTSIDER)),
        message::<AccountId, _, _>("transfer_admin", ADMIN, pm().transfer_admin(OUTSIDER)),
        message::<(), _, _>("accept_admin", FERMAH_NEW_KEY, pm().accept_admin()),
        message::<Hash, _, _>("set_code", ADMIN, pm().set_code(Hash::from([7; 32]))),
        message::<(Id, ProofRequestParams), _, _>(
            "submit_proof_request",
            SUBMITTER,
            pm().submit_proof_request(request(100), long_params()),
        ),
        message::<(Id, bool), _, _>(
            "submit_proof_validation_result",
            SUBMITTER,
            pm().submit_proof_validation_result(request(2), true),
        ),
        message::<Id, _, _>(
            "mark_unacknowledged",
            SUBMITTER,
            pm().mark_unacknowledged(request(4)),
        ),
        message::<Id, _, _>("mark_timed_out", SUBMITTER, pm().mark_timed_out(request(3))),
        message::<(Id, bool), _, _>(
            "acknowledge_proof_request",
            FERMAH,
            pm().acknowledge_proof_request(request(4), true),
        ),
        message::<(Id, Vec<u8>, u128), _, _>(
            "submit_proof",
            FERMAH,
            pm().submit_proof(request(3), proof_of(40), TOKEN),
        ),
        message::<(), _, _>("claim_reward", FERMAH, pm().claim_reward()),
    ]
}

fn find<'a>(messages: &'a [Message], name: &str) -> &'a Message {
    messages
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no message {name}"))
}

/// What ink! answers to input it cannot decode.
fn could_not_read_input() -> Vec<u8> {
    ink::MessageResult::<()>::Err(ink::LangError::CouldNotReadInput).encode()
}

/// Sends undecodable `input` as `caller` and asserts that it reverted with `CouldNotReadInput`
/// and that the state is still `before`.
fn assert_refused(chain: &mut Chain, before: &State, caller: AccountId, input: Vec<u8>) {
    let manager = chain.manager;
    let outcome = chain.call_raw(caller, manager, input.clone());
    assert_eq!(
        outcome,
        Outcome::Returned {
            reverted: true,
            data: could_not_read_input(),
        },
        "input {input:02x?}"
    );
    assert!(state(chain) == *before, "input {input:02x?} changed state");
}

/// SplitMix64: seeded, so every run sends the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

/// The table above names every message in the bundle's metadata with the selector its call
/// builder encodes, so no selector goes untested.
#[test]
fn every_message_is_covered() {
    let chain = Chain::new();
    let mut covered: Vec<(String, [u8; 4])> = messages(&chain)
        .iter()
        .map(|m| (m.name.to_string(), m.selector))
        .collect();
    let mut deployed = proof_manager_messages();
    covered.sort();
    deployed.sort();
    assert_eq!(covered, deployed);
}

/// Every argument list cut short, for every message, and selectors cut short or unknown, are
/// refused before the contract runs and change nothing.
#[test]
fn truncated_input_is_refused() {
    let mut chain = populated_chain();
    let messages = messages(&chain);
    let before = state(&mut chain);
    for message in &messages {
        for len in 0..message.args.len() {
            let args = &message.args[..len];
            assert!(
                !(message.decodes)(args),
                "{} decodes {args:02x?}",
                message.name
            );
            assert_refused(&mut chain, &before, message.caller, message.with_args(args));
        }
    }
    let claim = find(&messages, "claim_reward").selector;
    for len in 0..claim.len() {
        assert_refused(&mut chain, &before, FERMAH, claim[..len].to_vec());
    }
    // The constructor's selector is not a message; nor is a selector off by one bit.
    let constructor = [&proof_manager_constructor_selector()[..], &[0; 160]].concat();
    assert_refused(&mut chain, &before, ADMIN, constructor);
    let mut flipped = claim;
    flipped[3] ^= 1;
    assert_refused(&mut chain, &before, FERMAH, flipped.to_vec());
}

/// Enum and bool tags out of range (network 2, network status 2, `Option` tag 2, bool 2 and
/// 255), alone or followed by 8 KiB, are refused and change nothing. (No message takes a
/// `ProofRequestStatus`: it is only ever returned.)
#[test]
fn invalid_tags_are_refused() {
    let mut chain = populated_chain();
    let messages = messages(&chain);
    let before = state(&mut chain);
    let fermah_new_key = FERMAH_NEW_KEY.encode();
    let id = request(4).encode();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("proving_network_info", vec![2]),
        ("proving_network_info", vec![255]),
        (
            "update_proving_network_address",
            [&[2u8][..], &fermah_new_key[..]].concat(),
        ),
        ("update_proving_network_status", vec![2, 0]),
        ("update_proving_network_status", vec![0, 2]),
        ("update_proving_network_status", vec![1, 255]),
        ("update_preferred_proving_network", vec![2]),
        ("update_preferred_proving_network", vec![1, 2]),
        ("update_preferred_proving_network", vec![255, 0]),
        (
            "submit_proof_validation_result",
            [&id[..], &[2u8][..]].concat(),
        ),
        ("acknowledge_proof_request", [&id[..], &[2u8][..]].concat()),
        (
            "acknowledge_proof_request",
            [&id[..], &[255u8][..]].concat(),
        ),
    ];
    let tail = Rng(1).bytes(8 * 1024);
    for (name, args) in cases {
        let message = find(&messages, name);
        for args in [args.clone(), [&args[..], &tail[..]].concat()] {
            assert!(!(message.decodes)(&args), "{name} decodes {args:02x?}");
            assert_refused(
                &mut chain,
                &before,
                message.caller,
                message.with_args(&args),
            );
        }
    }
}

/// `submit_proof_request` with a URL that is not UTF-8 (a stray continuation byte, an overlong
/// form, a surrogate, a cut sequence, a code point past U+10FFFF, a bad last byte at the
/// largest length) is refused and changes nothing.
#[test]
fn invalid_utf8_urls_are_refused() {
    let mut chain = populated_chain();
    let submit = find(&messages(&chain), "submit_proof_request").selector;
    let before = state(&mut chain);
    let params = default_params();
    let last_byte_bad = [
        vec![b'a'; MAX_PROOF_INPUTS_URL_LEN as usize - 1],
        vec![0x80],
    ]
    .concat();
    let urls: Vec<Vec<u8>> = vec![
        vec![0x80],
        vec![0xc0, 0xaf],
        vec![0xed, 0xa0, 0x80],
        vec![0xe2, 0x82],
        vec![0xf4, 0x90, 0x80, 0x80],
        last_byte_bad,
    ];
    for url in urls {
        // A `String` encodes as its UTF-8 bytes would as a `Vec<u8>`.
        let args = (
            request(100),
            params.protocol_major,
            params.protocol_minor,
            params.protocol_patch,
            url,
            params.timeout_after,
            params.max_reward,
        )
            .encode();
        assert!(!decodes::<(ProofRequestIdentifier, ProofRequestParams)>(
            &args
        ));
        assert_refused(
            &mut chain,
            &before,
            SUBMITTER,
            [&submit[..], &args].concat(),
        );
    }
}

/// Length prefixes that promise more bytes than follow (up to 2^30 and `u32::MAX`), or that
/// are not canonical SCALE, are refused without allocating what they promise and change nothing.
#[test]
fn lying_length_prefixes_are_refused() {
    let mut chain = populated_chain();
    let messages = messages(&chain);
    let (submit, prove) = (
        find(&messages, "submit_proof_request"),
        find(&messages, "submit_proof"),
    );
    let before = state(&mut chain);
    let params = default_params();
    let url_with_prefix = |prefix: &[u8]| {
        [
            &request(100).encode()[..],
            &(
                params.protocol_major,
                params.protocol_minor,
                params.protocol_patch,
            )
                .encode()[..],
            prefix,
            &b"https://inputs.example/"[..],
            &(params.timeout_after, params.max_reward).encode()[..],
        ]
        .concat()
    };
    let proof_with_prefix = |prefix: &[u8]| {
        [
            &request(3).encode()[..],
            prefix,
            &proof_of(40)[..],
            &TOKEN.encode()[..],
        ]
        .concat()
    };
    let prefixes: Vec<Vec<u8>> = vec![
        ink::scale::Compact(1u32 << 30).encode(),
        ink::scale::Compact(u32::MAX).encode(),
        ink::scale::Compact(MAX_PROOF_LEN + 1).encode(),
        // Big-integer mode announcing 5 bytes: more than a `u32` length holds.
        vec![0x07, 1, 0, 0, 0, 0],
        // 1 in the two-byte form: not the shortest encoding, which SCALE rejects.
        vec![0x05, 0x00],
    ];
    for prefix in prefixes {
        let url_args = url_with_prefix(&prefix);
        assert!(!decodes::<(ProofRequestIdentifier, ProofRequestParams)>(
            &url_args
        ));
        assert_refused(&mut chain, &before, SUBMITTER, submit.with_args(&url_args));
        let proof_args = proof_with_prefix(&prefix);
        assert!(!decodes::<(ProofRequestIdentifier, Vec<u8>, u128)>(
            &proof_args
        ));
        assert_refused(&mut chain, &before, FERMAH, prove.with_args(&proof_args));
    }
}

/// Seeded random bytes after every selector never change anything. Bytes that do not decode are
/// refused with `CouldNotReadInput`, even from the message's own role; bytes that happen to
/// decode (any 16 bytes are a request id) are a well-formed call, so they are sent by an
/// outsider: every state-changing message then returns its access error and reverts, and a view
/// answers without writing.
#[test]
fn random_bytes_change_nothing() {
    let mut chain = populated_chain();
    let messages = messages(&chain);
    let before = state(&mut chain);
    let manager = chain.manager;
    let mut rng = Rng(0x5eed_4b1d);
    let (mut refused, mut denied, mut answered) = (0, 0, 0);
    for message in &messages {
        for _ in 0..40 {
            let len = rng.below(2 * message.args.len() + 17);
            let args = rng.bytes(len);
            if !(message.decodes)(&args) {
                assert_refused(
                    &mut chain,
                    &before,
                    message.caller,
                    message.with_args(&args),
                );
                refused += 1;
                continue;
            }
            let (reverted, data) = match chain.call_raw(OUTSIDER, manager, message.with_args(&args))
            {
                Outcome::Returned { reverted, data } => (reverted, data),
                failed => panic!("{} {args:02x?} trapped: {failed:?}", message.name),
            };
            if message.view {
                assert!(!reverted, "{} {args:02x?}", message.name);
                answered += 1;
            } else {
                // `Ok` from ink!, then the message's own `Err`.
                assert!(reverted, "{} {args:02x?}", message.name);
                assert_eq!(data[..2], [0, 1], "{} {args:02x?}", message.name);
                denied += 1;
            }
            assert!(
                state(&mut chain) == before,
                "{} {args:02x?} changed state",
                message.name
            );
        }
    }
    // Every branch ran, so none of the assertions above is vacuous.
    assert!(refused > 0 && denied > 0 && answered > 0);
    assert_eq!(refused + denied + answered, 40 * messages.len());
}

/// Input past the 16 KiB buffer fails in pallet-contracts before the contract decodes anything
/// (`OutputBufferTooSmall`), for every message, and changes nothing; 16 KiB exactly still runs.
#[test]
fn input_over_the_buffer_fails_before_the_contract() {
    const BUFFER: usize = 16 * 1024;
    let mut chain = populated_chain();
    let messages = messages(&chain);
    let before = state(&mut chain);
    let manager = chain.manager;
    for message in &messages {
        let mut long = message.with_args(&message.args);
        long.resize(BUFFER + 1, 0xab);
        let error = match chain.call_raw(message.caller, manager, long) {
            Outcome::Failed(error) => error,
            returned => panic!("{}: {returned:?}", message.name),
        };
        assert!(
            error.contains("OutputBufferTooSmall"),
            "{}: {error}",
            message.name
        );
        assert!(
            state(&mut chain) == before,
            "{} changed state",
            message.name
        );
    }
    let mut claim = find(&messages, "claim_reward").selector.to_vec();
    claim.resize(BUFFER, 0xab);
    assert_eq!(
        chain.call_raw(LAGRANGE, manager, claim),
        Outcome::Returned {
            reverted: false,
            data: output(Ok::<u128, Error>(2 * TOKEN)),
        }
    );
}

/// Bytes after a complete argument list are ignored: ink! 5 decodes a prefix and the contract
/// cannot see its raw input. The call does exactly what the call without them does, byte for
/// byte in both contracts' storage, on two identical chains.
#[test]
fn trailing_bytes_after_valid_arguments_are_ignored() {
    let mut plain = populated_chain();
    let mut padded = populated_chain();
    let junk = Rng(7).bytes(300);
    assert_eq!((plain.manager, plain.token), (padded.manager, padded.token));
    let pm = plain.manager_calls();
    let calls = [
        message::<(), _, _>("claim_reward", LAGRANGE, pm.clone().claim_reward()),
        message::<(ProofRequestIdentifier, ProofRequestParams), _, _>(
            "submit_proof_request",
            SUBMITTER,
            pm.clone()
                .submit_proof_request(request(100), default_params()),
        ),
        message::<AccountId, _, _>("set_submitter", ADMIN, pm.clone().set_submitter(OUTSIDER)),
    ];
    for message in &calls {
        let (name, caller) = (message.name, message.caller);
        let (plain_manager, padded_manager) = (plain.manager, padded.manager);
        let expected = plain.call_raw(caller, plain_manager, message.with_args(&message.args));
        let with_junk = [&message.args[..], &junk].concat();
        let got = padded.call_raw(caller, padded_manager, message.with_args(&with_junk));
        assert_eq!(got, expected, "{name}");
        assert!(
            matches!(
                got,
                Outcome::Returned {
                    reverted: false,
                    ..
                }
            ),
            "{name}: {got:?}"
        );
        for contract in [plain.manager, plain.token] {
            assert!(
                padded.contract_storage(contract) == plain.contract_storage(contract),
                "{name}"
            );
        }
    }
    assert_eq!(padded.token_balance(LAGRANGE), 2 * TOKEN);
    assert!(padded.proof_request(request(100)).is_some());
    assert_eq!(padded.submitter(), OUTSIDER);
}

/// The state comparison every test here relies on sees a one-byte change: an accepted status
/// flip changes it, a view and a refused call do not.
#[test]
fn state_comparison_sees_a_one_byte_change() {
    let mut chain = populated_chain();
    let before = state(&mut chain);
    chain.in_flight();
    assert_eq!(
        chain.update_proving_network_status(OUTSIDER, Lagrange, ProvingNetworkStatus::Inactive),
        Err(Error::OnlyAdminAllowed(OUTSIDER))
    );
    assert!(state(&mut chain) == before);
    chain
        .update_proving_network_status(ADMIN, Lagrange, ProvingNetworkStatus::Inactive)
        .unwrap();
    let after = state(&mut chain);
    assert!(after.manager != before.manager && after.root != before.root);
    assert!(after.token == before.token);
}
