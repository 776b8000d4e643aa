//! The document layout: immutable segment files of blocks, plus a sharded identity index in sled.
//!
//! An import streams its new and changed documents into blocks of up to [`BLOCK_DOCS`] records,
//! appended to its own segment file (`segments/<import>.seg`, fsynced before commit). No reader
//! sees them until the import's block table (`o/<import>`), index shards (`x/<shard>`) and record
//! are committed in one small atomic sled batch; a segment file without a committed import is an
//! orphan and is deleted. A superseded record stays in its block (that is its history) and is
//! marked dead in the block's bitmap (`k/<import><block>`), so reading the ledger is a sequential
//! read of segment files, without the index.
//!
//! Bulk data lives beside sled rather than in it because sled rewrites a whole leaf for every
//! value added to it: megabyte blocks made a million-row import write its data several times.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Records per segment block.
pub(crate) const BLOCK_DOCS: usize = 4096;
/// Number of index shards.
pub(crate) const SHARDS: u16 = 256;

pub(crate) const P_BLOCKS: u8 = b'o';
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

pub(crate) fn dead_key(import: u64, block: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(13);
    k.push(P_DEAD);
    k.extend_from_slice(&import.to_be_bytes());
    k.extend_from_slice(&block.to_be_bytes());
    k
}

pub(crate) fn blocks_key(import: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(P_BLOCKS);
    k.extend_from_slice(&import.to_be_bytes());
    k
}

/// Where one block sits in its segment file, with a checksum of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BlockMeta {
    pub offset: u64,
    pub len: u32,
    pub checksum: u64,
    /// Kept in sled itself (small imports), not in the segment file.
    pub inline: bool,
}

pub(crate) const P_INLINE: u8 = b'n';

/// The sled key of an inline block.
pub(crate) fn inline_key(import: u64, block: u32) -> Vec<u8> {
    let mut k = dead_key(import, block);
    k[0] = P_INLINE;
    k
}

/// The checksum a block's bytes are stored with.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(
        blake3::hash(bytes).as_bytes()[..8]
            .try_into()
            .expect("32-byte hash"),
    )
}

/// The segment file of an import.
pub(crate) fn segment_path(dir: &Path, import: u64) -> PathBuf {
    dir.join(format!("{import:020}.seg"))
}

/// Appends blocks to a new segment file.
pub(crate) struct SegmentWriter {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    offset: u64,
    pub blocks: Vec<BlockMeta>,
}

impl SegmentWriter {
    pub fn new(path: PathBuf) -> SegmentWriter {
        SegmentWriter {
            path,
            file: None,
            offset: 0,
            blocks: Vec::new(),
        }
    }

    /// Appends one encoded block; the file is created on the first block.
    pub fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() {
            self.file = Some(BufWriter::with_capacity(1 << 20, File::create(&self.path)?));
        }
        let f = self.file.as_mut().expect("just created");
        f.write_all(bytes)?;
        self.blocks.push(BlockMeta {
            offset: self.offset,
            len: bytes.len() as u32,
            checksum: checksum(bytes),
            inline: false,
        });
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Flushes and fsyncs the file and its directory entry, so a commit never names lost data.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if let Some(f) = self.file.take() {
            let f = f.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            if let Some(dir) = self.path.parent() {
                File::open(dir)?.sync_all()?;
            }
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads one block back, checking its length and checksum.
pub(crate) fn read_block(path: &Path, meta: &BlockMeta) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::FileExt;
    let f = File::open(path).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; meta.len as usize];
    f.read_exact_at(&mut buf, meta.offset)
        .map_err(|e| e.to_string())?;
    verify(&buf, meta)?;
    Ok(buf)
}

/// Checks a block's bytes against its recorded checksum.
pub(crate) fn verify(bytes: &[u8], meta: &BlockMeta) -> Result<(), String> {
    if checksum(bytes) == meta.checksum {
        Ok(())
    } else {
        Err(format!(
            "block at offset {} fails its checksum",
            meta.offset
        ))
    }
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

    pub fn clear(&mut self, slot: u32) {
        let (w, b) = ((slot / 64) as usize, slot % 64);
        if let Some(word) = self.0.get_mut(w) {
            *word &= !(1 << b);
        }
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
        assert_eq!(
            shard_of(b"ddefault\0invoice\0F1"),
            shard_of(b"ddefault\0invoice\0F1")
        );
        assert!(shard_of(b"abc") < SHARDS);
        assert_eq!(
            shard_of(b""),
            (0x811c_9dc5u32 % u32::from(SHARDS)) as u16,
            "FNV-1a offset basis; stored data depends on it"
        );
    }
}
