//! The in-flight requests ordered by deadline: what upstream keeps in a min-heap, here a B+ tree
//! on a `Mapping`.
//!
//! Storage writes dominate a call's weight (a `set_storage` costs about four reads), and a heap
//! moves O(log n) nodes on every insert and removal, each move a node write and a position
//! write. A B+ tree keyed by `(deadline, request_id)` finds an entry from its key, which every
//! request can recompute from its own record, so it needs no position index: an insert or a
//! removal reads one node per level and writes one leaf, plus the rare split or emptied node.
//!
//! The order is upstream's with ties broken by the request counter, so the purge order, and so
//! everything observable, is deterministic. Nodes are never merged: a leaf is deleted when it
//! empties, which keeps every operation's writes constant; sparse nodes cost reads, not writes.
//! So the height follows the history, not the number of entries: with [`FANOUT`] 32, 10,000
//! deadlines arriving in increasing order (the common case: one timeout for every request) fill
//! 3 levels, in decreasing order they split every node in the middle and reach 4, and proving
//! all but 1,000 of those leaves it at 4 (BENCHMARKS.md §3). Merging would cost code on every
//! call for a purge that is at worst 1.4× the one-leaf purge.

use crate::types::ProofRequestIdentifier;
use ink::prelude::{vec, vec::Vec};
use ink::storage::Mapping;

/// Most entries of a leaf and children of an inner node. A leaf of 32 entries is ~1 KiB: one
/// read of it costs little more than a read of a small value, and the tree stays shallow.
const FANOUT: usize = 32;

/// Where an entry sorts: its deadline, then the request counter, which is unique.
pub type Key = (u64, u64);

type NodeId = u64;

/// One in-flight request: it expires once the block time is past `deadline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Entry {
    pub deadline: u64,
    pub request_id: u64,
    pub id: ProofRequestIdentifier,
}

impl Entry {
    pub fn key(&self) -> Key {
        (self.deadline, self.request_id)
    }
}

/// A child of an inner node: the lowest key it may hold, and its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
struct Child {
    bound: Key,
    node: NodeId,
}

mod node {
    // parity-scale-codec's derive casts variant indices to `u8` for variants that carry data,
    // which cargo-contract's `-D clippy::cast_possible_truncation` rejects. This module holds
    // nothing else.
    #![allow(clippy::cast_possible_truncation)]

    use super::{Child, Entry};
    use ink::prelude::vec::Vec;

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub(super) enum Node {
        /// Entries in key order.
        Leaf(Vec<Entry>),
        /// Children in key order. A key goes to the last child whose bound is at most the key;
        /// the first child's bound is never consulted, so it also takes every key below the
        /// second's.
        Inner(Vec<Child>),
    }
}
use node::Node;

/// The inner nodes on the way down to a leaf, each with the index of the child taken.
type Path = Vec<(NodeId, Vec<Child>, usize)>;

#[ink::storage_item]
#[derive(Debug, Default)]
pub struct DeadlineIndex {
    nodes: Mapping<NodeId, Node>,
    /// The root's id; 0 when the tree is empty (ids start at 1).
    root: NodeId,
    /// The last node id handed out; ids are never reused.
    last_id: NodeId,
    len: u64,
}

/// The child of `children` that `key` belongs to.
fn child_index(children: &[Child], key: Key) -> usize {
    children
        .get(1..)
        .map_or(0, |rest| rest.partition_point(|child| child.bound <= key))
}

/// Where to split a node that overflowed by one at `inserted`: appending keeps the left node
/// full, since keys mostly arrive in increasing order; anything else splits in the middle.
fn split_point(len: usize, inserted: usize) -> usize {
    if inserted.saturating_add(1) == len {
        FANOUT
    } else {
        len / 2
    }
}

/// Takes the entry with `key` out of a leaf's `entries`.
fn take(entries: &mut Vec<Entry>, key: Key) -> Option<Entry> {
    let at = entries.binary_search_by(|e| e.key().cmp(&key)).ok()?;
    Some(entries.remove(at))
}

impl DeadlineIndex {
    /// Entries in the index.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Adds `entry`; its key must not be in the index (request counters are unique).
    pub fn insert(&mut self, entry: Entry) {
        self.len = self.len.saturating_add(1);
        let key = entry.key();
        let Some((mut path, leaf_id, mut entries)) = self.path_to_leaf(key) else {
            let id = self.new_id();
            self.nodes.insert(id, &Node::Leaf(vec![entry]));
            self.root = id;
            return;
        };
        let at = entries.partition_point(|e| e.key() < key);
        entries.insert(at, entry);
        let mut split = if entries.len() > FANOUT {
            let right = entries.split_off(split_point(entries.len(), at));
            let bound = right.first().map_or(key, Entry::key);
            let right_id = self.new_id();
            self.nodes.insert(right_id, &Node::Leaf(right));
            Some(Child {
                bound,
                node: right_id,
            })
        } else {
            None
        };
        self.nodes.insert(leaf_id, &Node::Leaf(entries));
        while let Some(new_child) = split {
            split = match path.pop() {
                Some((id, mut children, taken)) => {
                    let at = taken.saturating_add(1);
                    children.insert(at, new_child);
                    let overflow = if children.len() > FANOUT {
                        let right = children.split_off(split_point(children.len(), at));
                        let bound = right.first().map_or(new_child.bound, |c| c.bound);
                        let right_id = self.new_id();
                        self.nodes.insert(right_id, &Node::Inner(right));
                        Some(Child {
                            bound,
                            node: right_id,
                        })
                    } else {
                        None
                    };
                    self.nodes.insert(id, &Node::Inner(children));
                    overflow
                }
                None => {
                    let old_root = Child {
                        bound: (0, 0),
                        node: self.root,
                    };
                    let id = self.new_id();
                    self.nodes
                        .insert(id, &Node::Inner(vec![old_root, new_child]));
                    self.root = id;
                    None
                }
            };
        }
    }

    /// Removes the entry with `key`; returns it, or `None` when there is none.
    pub fn remove(&mut self, key: Key) -> Option<Entry> {
        let (path, leaf_id, mut entries) = self.path_to_leaf(key)?;
        let removed = take(&mut entries, key)?;
        self.len = self.len.saturating_sub(1);
        self.store_leaf(path, leaf_id, entries);
        Some(removed)
    }

    /// Moves the entry with key `old` to `entry`'s key; returns the entry removed, or `None` when
    /// there is none. When both keys belong to the same leaf (a request moving from its
    /// acknowledgement deadline to its proving deadline, the earliest ones, usually shares its
    /// leaf) that leaf is read and written once, instead of a removal and an insertion each
    /// reading it and writing it or deleting and recreating it.
    pub fn replace(&mut self, old: Key, entry: Entry) -> Option<Entry> {
        let (path, leaf_id, mut entries) = self.path_to_leaf(old)?;
        let removed = take(&mut entries, old)?;
        let key = entry.key();
        if path
            .iter()
            .all(|(_, children, taken)| child_index(children, key) == *taken)
        {
            let at = entries.partition_point(|e| e.key() < key);
            entries.insert(at, entry);
            self.nodes.insert(leaf_id, &Node::Leaf(entries));
        } else {
            self.len = self.len.saturating_sub(1);
            self.store_leaf(path, leaf_id, entries);
            self.insert(entry);
        }
        Some(removed)
    }

    /// Removes and returns, earliest first, up to `max` entries whose deadline is before `now`.
    pub fn pop_expired(&mut self, now: u64, max: usize) -> Vec<Entry> {
        let mut popped = Vec::new();
        while popped.len() < max {
            let Some((path, leaf_id, mut entries)) = self.path_to_leaf((0, 0)) else {
                break;
            };
            let wanted = max.saturating_sub(popped.len());
            let expired = entries.partition_point(|e| e.deadline < now).min(wanted);
            if expired == 0 {
                break;
            }
            popped.extend(entries.drain(..expired));
            self.len = self.len.saturating_sub(expired as u64);
            if !entries.is_empty() {
                self.nodes.insert(leaf_id, &Node::Leaf(entries));
                break;
            }
            self.unlink(path, leaf_id);
        }
        popped
    }

    /// The earliest entries first, all of them; for tests.
    #[cfg(test)]
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut stack = vec![self.root];
        while let Some(id) = stack.pop() {
            match self.nodes.get(id) {
                Some(Node::Leaf(entries)) => out.extend(entries),
                Some(Node::Inner(children)) => stack.extend(children.iter().rev().map(|c| c.node)),
                None => {}
            }
        }
        out
    }

    /// The height of the tree (0 when empty); for tests.
    #[cfg(test)]
    pub fn height(&self) -> usize {
        let (mut height, mut id) = (0, self.root);
        while let Some(node) = self.nodes.get(id) {
            height += 1;
            match node {
                Node::Leaf(_) => break,
                Node::Inner(children) => id = children.first().map_or(0, |c| c.node),
            }
        }
        height
    }

    fn new_id(&mut self) -> NodeId {
        // One id per node ever created: u64 does not run out.
        self.last_id = self.last_id.saturating_add(1);
        self.last_id
    }

    /// The inner nodes from the root down to the leaf where `key` belongs, and that leaf;
    /// `None` when the tree is empty.
    fn path_to_leaf(&self, key: Key) -> Option<(Path, NodeId, Vec<Entry>)> {
        // No node has id 0, so an empty tree costs no storage read.
        if self.root == 0 {
            return None;
        }
        let mut path = Vec::new();
        let mut id = self.root;
        loop {
            match self.nodes.get(id)? {
                Node::Leaf(entries) => return Some((path, id, entries)),
                Node::Inner(children) => {
                    let taken = child_index(&children, key);
                    let next = children.get(taken)?.node;
                    path.push((id, children, taken));
                    id = next;
                }
            }
        }
    }

    /// Writes back a leaf an entry left, or deletes it when that emptied it.
    fn store_leaf(&mut self, path: Path, leaf_id: NodeId, entries: Vec<Entry>) {
        if entries.is_empty() {
            self.unlink(path, leaf_id);
        } else {
            self.nodes.insert(leaf_id, &Node::Leaf(entries));
        }
    }

    /// Deletes the emptied leaf `leaf_id` and its references, and every inner node that empties
    /// with it; a root left with one child hands the root over to it.
    fn unlink(&mut self, mut path: Path, leaf_id: NodeId) {
        self.nodes.remove(leaf_id);
        while let Some((id, mut children, taken)) = path.pop() {
            children.remove(taken);
            match children.as_slice() {
                [] => self.nodes.remove(id),
                [only] if path.is_empty() => {
                    self.nodes.remove(id);
                    self.root = only.node;
                    return;
                }
                _ => {
                    self.nodes.insert(id, &Node::Inner(children));
                    return;
                }
            }
        }
        self.root = 0;
    }
}
