//! The document layout: immutable segment blocks plus a sharded identity index.
//!
//! An import streams its new and changed documents into segment blocks of up to
//! [`BLOCK_DOCS`] records (`s/<import><block>`), which no reader sees until the import's index
//! shards (`x/<shard>`) and record are committed in one small atomic batch. A superseded record
//! stays in its block (that is its history) and is marked dead in the block's bitmap
//! (`k/<import><block>`), so reading the ledger is a scan of blocks, without the index.

use serde::{Deserialize, Serialize};

/// Records per segment block.
pub(crate) const BLOCK_DOCS: usize = 4096;
/// Number of index shards.
pub(crate) const SHARDS: u16 = 256;

pub(crate) const P_SEGMENT: u8 = b's';
pub(crate) const P_INDEX: u8 = b'x';
pub(crate) const P_DEAD: u8 = b'k';

/// Where one version of a document is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct SlotRef {
    pub import: u64,
    pub block: u32,
    pub slot: u32,
}

/// The index entry of one document: its current slot, version and content fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IndexEntry {
    pub key: Vec<u8>,
    pub at: SlotRef,
    pub version: u32,
    pub fingerprint: u64,
}

pub(crate) fn block_key(import: u64, block: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(13);
    k.push(P_SEGMENT);
    k.extend_from_slice(&import.to_be_bytes());
    k.extend_from_slice(&block.to_be_bytes());
    k
}

pub(crate) fn dead_key(import: u64, block: u32) -> Vec<u8> {
    let mut k = block_key(import, block);
    k[0] = P_DEAD;
    k
}

pub(crate) fn import_prefix(prefix: u8, import: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(prefix);
    k.extend_from_slice(&import.to_be_bytes());
    k
}

pub(crate) fn shard_of(doc_key: &[u8]) -> u16 {
    // FNV-1a: stable across Rust versions, unlike std's hasher, since shard numbers are stored.
    let mut h: u32 = 0x811c_9dc5;
    for &b in doc_key {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h % u32::from(SHARDS)) as u16
}

pub(crate) fn shard_key(shard: u16) -> Vec<u8> {
    let mut k = vec![P_INDEX];
    k.extend_from_slice(&shard.to_be_bytes());
    k
}

/// A bitmap of superseded slots in one block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeadSlots(pub Vec<u64>);

impl DeadSlots {
    pub fn set(&mut self, slot: u32) {
        let (w, b) = ((slot / 64) as usize, slot % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << b;
    }

    pub fn contains(&self, slot: u32) -> bool {
        let (w, b) = ((slot / 64) as usize, slot % 64);
        self.0.get(w).is_some_and(|v| v & (1 << b) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_slots_and_stable_shards() {
        let mut d = DeadSlots::default();
        d.set(0);
        d.set(130);
        assert!(d.contains(0) && d.contains(130) && !d.contains(1) && !d.contains(5000));
        assert_eq!(shard_of(b"ddefault\0invoice\0F1"), shard_of(b"ddefault\0invoice\0F1"));
        assert!(shard_of(b"abc") < SHARDS);
        assert_eq!(shard_of(b""), (0x811c_9dc5u32 % u32::from(SHARDS)) as u16, "FNV-1a offset basis; stored data depends on it");
    }
}
