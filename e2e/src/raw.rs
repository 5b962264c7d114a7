//! Below the typed calls, for the hostile suite and the benchmark: the test-only hostile token,
//! the selectors in a bundle's metadata, a contract's whole storage, the chain's state root, and
//! code blobs that differ from a bundle only in a custom section.

use ink::primitives::AccountId;
use ink::scale::Decode;
use psp22::PSP22Error;

use crate::chain::{load_bundle, Chain, Reply};
use crate::fixtures::ADMIN;
use proof_manager::contract;

pub use hostile_token::Mode as HostileMode;
use hostile_token::{HostileToken, HostileTokenRef};

impl Reply for HostileMode {}

/// The optimized code of the test-only hostile token (`hostile_token/`).
pub fn hostile_token_wasm() -> Vec<u8> {
    load_bundle("hostile_token.contract").wasm
}

/// ProofManager's messages as its bundle's metadata lists them: label and selector.
pub fn proof_manager_messages() -> Vec<(String, [u8; 4])> {
    load_bundle("proof_manager.contract")
        .transcoder
        .metadata()
        .spec()
        .messages()
        .iter()
        .map(|message| {
            (
                message.label().to_string(),
                selector_bytes(message.selector().to_bytes()),
            )
        })
        .collect()
}

/// `wasm` with an extra custom section `name`: the same contract as a distinct code blob (a new
/// code hash, the same code and storage layout).
pub fn with_custom_section(wasm: &[u8], name: &str) -> Vec<u8> {
    let name_len = u8::try_from(name.len()).expect("a custom section name under 128 bytes");
    let mut payload = vec![name_len];
    payload.extend_from_slice(name.as_bytes());
    let payload_len = u8::try_from(payload.len()).expect("a custom section under 128 bytes");
    let mut module = wasm.to_vec();
    module.push(0);
    module.push(payload_len);
    module.extend(payload);
    module
}

/// What pallet-contracts keeps of one contract's state: its raw `ContractInfoOf` record (trie id,
/// code hash, storage and deposit counters) and every key and value of its child trie, in key
/// order. Equal dumps mean byte-for-byte equal contract storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractStorage {
    pub info: Vec<u8>,
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A child-trie value exactly as stored: SCALE's `Vec<u8>` would expect a length prefix.
struct RawValue(Vec<u8>);

impl Decode for RawValue {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        let len = input.remaining_len()?.ok_or("a value of unknown length")?;
        let mut bytes = vec![0; len];
        input.read(&mut bytes)?;
        Ok(RawValue(bytes))
    }
}

impl Chain {
    /// Deploys a hostile token from `ADMIN` (its deployer) holding `supply`, in `Mode::Honest`.
    pub fn deploy_hostile_token(&mut self, supply: u128) -> AccountId {
        let constructor = HostileTokenRef::new(supply);
        self.deploy(hostile_token_wasm(), constructor, ADMIN)
            .expect("deploying the hostile token")
            .expect("the hostile token's constructor cannot fail")
    }

    /// Switches a hostile token's mode, as its deployer.
    pub fn set_hostile_mode(&mut self, token: AccountId, mode: &HostileMode) {
        let set: Result<(), PSP22Error> = self.call(
            ADMIN,
            contract::<HostileToken>(token).set_mode(mode.clone()),
        );
        set.expect("setting the hostile token's mode");
    }

    /// What `owner` really holds of a hostile token, whatever its `balance_of` claims.
    pub fn true_balance(&mut self, token: AccountId, owner: AccountId) -> u128 {
        self.query(contract::<HostileToken>(token).true_balance_of(owner))
    }

    /// What a hostile token's last completed nested call returned (see `HostileMode::Reenter`).
    pub fn last_reentry(&mut self, token: AccountId) -> Option<Result<Vec<u8>, String>> {
        self.query(contract::<HostileToken>(token).last_reentry())
    }

    /// `contract`'s whole storage, read straight from the runtime's state.
    pub fn contract_storage(&mut self, contract: AccountId) -> ContractStorage {
        use drink::frame_support::storage::{
            child::ChildInfo, storage_prefix, unhashed, ChildTriePrefixIterator,
        };
        use drink::frame_support::{StorageHasher, Twox64Concat};
        use drink::Sandbox;
        self.sandbox.execute_with(|| {
            // `ContractInfoOf` is a `Twox64Concat` map of pallet `Contracts`; the pallet keeps
            // it crate-private, so it is read by its key. Its value starts with the trie id.
            let key = [
                storage_prefix(b"Contracts", b"ContractInfoOf").as_slice(),
                &Twox64Concat::hash(contract.as_ref()),
            ]
            .concat();
            let info = unhashed::get_raw(&key).expect("a contract at this address");
            let trie_id = Vec::<u8>::decode(&mut &info[..]).expect("a trie id");
            let entries = ChildTriePrefixIterator::<(Vec<u8>, RawValue)>::with_prefix(
                &ChildInfo::new_default(&trie_id),
                &[],
            )
            .map(|(key, RawValue(value))| (key, value))
            .collect();
            ContractStorage { info, entries }
        })
    }

    /// The root of the whole chain state (every pallet, every contract's child trie, balances,
    /// block and time), after clearing the event log as every call does first: two roots are
    /// equal exactly when no storage changed in between.
    pub fn state_root(&mut self) -> [u8; 32] {
        use drink::sandbox_api::prelude::*;
        use drink::Sandbox;
        self.sandbox.reset_events();
        self.sandbox.take_snapshot().storage_root.0
    }
}

/// The selector of ProofManager's constructor `new`, as its bundle's metadata lists it.
pub fn proof_manager_constructor_selector() -> [u8; 4] {
    let bundle = load_bundle("proof_manager.contract");
    let spec = bundle.transcoder.metadata().spec();
    let constructor = spec.constructors().iter().find(|c| c.label() == "new");
    let bytes = constructor
        .expect("ProofManager's metadata lists its constructor `new`")
        .selector()
        .to_bytes();
    selector_bytes(bytes)
}

/// A metadata selector as the 4 bytes it is.
fn selector_bytes(bytes: &[u8]) -> [u8; 4] {
    bytes.try_into().expect("ink! selectors are 4 bytes")
}

/// ProofManager's deadline index as stored (`deadlines.rs`): the shape the benchmark reports and
/// the purge's cost depends on. Read from the raw storage with mirrors of the index's node types,
/// which are private to the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineIndexDump {
    /// Levels from the root to the leaves (0 when empty); every leaf is at this depth.
    pub height: usize,
    pub inner_nodes: usize,
    /// The keys `(deadline, request counter)` of each leaf, leaves in key order.
    pub leaves: Vec<Vec<(u64, u64)>>,
}

impl DeadlineIndexDump {
    /// Entries in the index: `in_flight()`.
    pub fn entries(&self) -> usize {
        self.leaves.iter().map(Vec::len).sum()
    }
}

/// Mirrors of `deadlines::{Entry, Child, Node}`: field order is the SCALE layout.
#[ink::scale_derive(Decode)]
struct IndexEntry {
    deadline: u64,
    request_id: u64,
    _id: (u64, u64),
}

#[ink::scale_derive(Decode)]
struct IndexChild {
    _bound: (u64, u64),
    node: u64,
}

#[ink::scale_derive(Decode)]
enum IndexNode {
    Leaf(Vec<IndexEntry>),
    Inner(Vec<IndexChild>),
}

/// The storage key of the `Mapping` field at `path` (struct field names from the storage root)
/// in the bundle's storage layout.
fn mapping_root_key(path: &[&str]) -> u32 {
    use ink::metadata::layout::Layout;
    let bundle = load_bundle("proof_manager.contract");
    let mut layout = bundle.transcoder.metadata().layout();
    let mut rest = path;
    loop {
        match layout {
            Layout::Root(root) if rest.is_empty() => return *root.root_key().key(),
            Layout::Root(root) => layout = root.layout(),
            Layout::Struct(fields) => {
                let (name, tail) = rest.split_first().expect("a field name to follow");
                let field = fields.fields().iter().find(|f| f.name() == name);
                layout = field
                    .unwrap_or_else(|| panic!("no storage field {name} in {path:?}"))
                    .layout();
                rest = tail;
            }
            other => panic!("unexpected layout at {path:?}: {other:?}"),
        }
    }
}

impl Chain {
    /// ProofManager's deadline index, node by node. Panics when the stored nodes do not form
    /// one tree with every leaf at the same depth: the benchmark's figures would be meaningless.
    pub fn deadline_index(&mut self) -> DeadlineIndexDump {
        use std::collections::{BTreeMap, BTreeSet};
        let prefix = mapping_root_key(&["deadlines", "nodes"]).to_le_bytes();
        let manager = self.manager;
        let storage = self.contract_storage(manager);
        // pallet-contracts stores a variable-size key as blake2_128(key) ++ key; a `Mapping`
        // entry's key is its root key (4 bytes) ++ the SCALE key (a `u64` node id).
        let nodes: BTreeMap<u64, IndexNode> = storage
            .entries
            .iter()
            .filter(|(key, _)| key.len() == 16 + 4 + 8 && key[16..20] == prefix)
            .map(|(key, value)| {
                let id = u64::from_le_bytes(key[20..].try_into().expect("8 bytes"));
                let node = IndexNode::decode(&mut &value[..]).expect("a deadline index node");
                (id, node)
            })
            .collect();
        let children: BTreeSet<u64> = nodes
            .values()
            .filter_map(|node| match node {
                IndexNode::Inner(children) => Some(children.iter().map(|c| c.node)),
                IndexNode::Leaf(_) => None,
            })
            .flatten()
            .collect();
        let roots: Vec<u64> = nodes
            .keys()
            .filter(|id| !children.contains(id))
            .copied()
            .collect();
        let mut dump = DeadlineIndexDump {
            height: 0,
            inner_nodes: 0,
            leaves: Vec::new(),
        };
        let Some(&root) = roots.first() else {
            return dump;
        };
        assert_eq!(
            roots.len(),
            1,
            "the deadline index has several roots: {roots:?}"
        );
        // Depth-first, children in order, so leaves come out in key order.
        let mut stack = vec![(root, 1usize)];
        let mut leaf_depths = BTreeSet::new();
        while let Some((id, depth)) = stack.pop() {
            match nodes.get(&id).expect("every child is a stored node") {
                IndexNode::Leaf(entries) => {
                    leaf_depths.insert(depth);
                    dump.leaves
                        .push(entries.iter().map(|e| (e.deadline, e.request_id)).collect());
                }
                IndexNode::Inner(children) => {
                    dump.inner_nodes += 1;
                    stack.extend(children.iter().rev().map(|c| (c.node, depth + 1)));
                }
            }
        }
        assert_eq!(leaf_depths.len(), 1, "leaves at depths {leaf_depths:?}");
        dump.height = leaf_depths.into_iter().next().unwrap_or(0);
        assert_eq!(
            dump.inner_nodes + dump.leaves.len(),
            nodes.len(),
            "stored nodes outside the tree"
        );
        dump
    }
}

/// ProofManager built with other deadline rules (`ACK_TIMEOUT` of 1 minute, feature
/// `other-deadline-rules`), for the tests of `set_code` to incompatible code.
pub fn proof_manager_other_rules_wasm() -> Vec<u8> {
    load_bundle("proof_manager_other_rules.contract").wasm
}
