//! The min-heap of in-flight requests ordered by deadline, upstream's `MinHeapLib` on ink!
//! storage.
//!
//! Each node lives under its own `Mapping` key and each request's position under another, so
//! insert, remove and re-key touch O(log n) entries and nothing is read eagerly with the root.
//! Ties on the deadline are broken by the request counter, which makes the purge order, and so
//! everything observable, deterministic.

use crate::types::ProofRequestIdentifier;
use ink::storage::Mapping;

/// One in-flight request: it expires once the block time is past `deadline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct HeapNode {
    pub deadline: u64,
    pub request_id: u64,
    pub id: ProofRequestIdentifier,
}

impl HeapNode {
    fn key(&self) -> (u64, u64) {
        (self.deadline, self.request_id)
    }
}

#[ink::storage_item]
#[derive(Debug, Default)]
pub struct DeadlineHeap {
    nodes: Mapping<u64, HeapNode>,
    positions: Mapping<ProofRequestIdentifier, u64>,
    len: u64,
}

/// `(pos - 1) / 2`, for `pos > 0`.
fn parent(pos: u64) -> u64 {
    pos.saturating_sub(1) / 2
}

/// The left child's position; `None` past `u64`, which no heap reaches.
fn left_child(pos: u64) -> Option<u64> {
    pos.checked_mul(2)?.checked_add(1)
}

impl DeadlineHeap {
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The node with the earliest deadline.
    pub fn peek(&self) -> Option<HeapNode> {
        if self.len == 0 {
            None
        } else {
            self.nodes.get(0)
        }
    }

    pub fn push(&mut self, node: HeapNode) {
        let pos = self.len;
        // `len` counts stored requests, which are far fewer than `u64::MAX`.
        self.len = self.len.saturating_add(1);
        self.sift_up(pos, node);
    }

    /// Removes `id`'s node if present; returns it.
    pub fn remove(&mut self, id: &ProofRequestIdentifier) -> Option<HeapNode> {
        let pos = self.positions.get(id)?;
        let removed = self.nodes.get(pos)?;
        let last = self.len.checked_sub(1)?;
        self.len = last;
        self.positions.remove(id);
        if pos == last {
            self.nodes.remove(last);
            return Some(removed);
        }
        let moved = self.nodes.get(last)?;
        self.nodes.remove(last);
        self.place(pos, moved);
        Some(removed)
    }

    /// Gives `id` a new deadline and restores the heap order.
    pub fn update_deadline(&mut self, id: &ProofRequestIdentifier, deadline: u64) {
        let Some(pos) = self.positions.get(id) else {
            return;
        };
        let Some(mut node) = self.nodes.get(pos) else {
            return;
        };
        node.deadline = deadline;
        self.place(pos, node);
    }

    /// Puts `node` into the hole at `pos`, moving it up or down as its key requires.
    fn place(&mut self, pos: u64, node: HeapNode) {
        if pos > 0 {
            if let Some(up) = self.nodes.get(parent(pos)) {
                if node.key() < up.key() {
                    self.sift_up(pos, node);
                    return;
                }
            }
        }
        self.sift_down(pos, node);
    }

    fn write(&mut self, pos: u64, node: &HeapNode) {
        self.nodes.insert(pos, node);
        self.positions.insert(node.id, &pos);
    }

    fn sift_up(&mut self, mut pos: u64, node: HeapNode) {
        while pos > 0 {
            let up_pos = parent(pos);
            let Some(up) = self.nodes.get(up_pos) else {
                break;
            };
            if node.key() >= up.key() {
                break;
            }
            self.write(pos, &up);
            pos = up_pos;
        }
        self.write(pos, &node);
    }

    fn sift_down(&mut self, mut pos: u64, node: HeapNode) {
        loop {
            let Some(left) = left_child(pos).filter(|l| *l < self.len) else {
                break;
            };
            let right = left.saturating_add(1);
            let Some(left_node) = self.nodes.get(left) else {
                break;
            };
            let right_node = if right < self.len {
                self.nodes.get(right)
            } else {
                None
            };
            let (child_pos, child) = match right_node {
                Some(right_node) if right_node.key() < left_node.key() => (right, right_node),
                _ => (left, left_node),
            };
            if node.key() <= child.key() {
                break;
            }
            self.write(pos, &child);
            pos = child_pos;
        }
        self.write(pos, &node);
    }
}
