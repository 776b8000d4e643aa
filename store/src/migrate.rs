//! `incasso store migrate`: moves a store written by an older incasso to this build's schema.
//!
//! Schema 1 kept its records in bincode 1.3 (unmaintained) and fingerprinted a document by
//! hashing those bytes, so no encoding could ever change without marking every document as
//! changed. Schema 2 keeps them in postcard and defines the fingerprint over the fields. The
//! move re-encodes every record (sled values, inline blocks and the blocks in the segment
//! files) and computes every fingerprint anew from the document itself.
//!
//! It is safe to interrupt: the store is first copied whole to `schema-1-backup/` in the data
//! directory, and a `MIGRATING` marker stands while the records are rewritten. A store with the
//! marker is refused by every command; running the migration again starts over from the copy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use incasso_core::model::{Document, Location};

use crate::codec::{corrupt, encode, Block, StoredDoc};
use crate::kv::{Batch, Kv, SledKv};
use crate::payments::{
    payments_path, StoredPayment, P_LINE_RECORDS, P_LINE_RECORDS_INLINE, P_PAYMENT_BLOCKS,
    P_PAYMENT_INLINE, P_PAYMENT_KEYS, P_PAYMENT_KEYS_INLINE,
};
use crate::segments::{
    inline_key, read_block, segment_path, verify, BlockMeta, DeadSlots, IndexEntry, SegmentWriter,
    SlotRef, P_BLOCKS, P_DEAD, P_INDEX,
};
use crate::{
    lock_dir, schema_of, segment_corrupt, Debtor, Earlier, StoreError, META_SCHEMA, P_DEBTOR,
    P_HISTORY, P_VERSION, SCHEMA_VERSION,
};

/// The file that stands in the data directory while records are rewritten.
pub(crate) const MARKER: &str = "MIGRATING";

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The schema the store was in.
    pub from: u32,
    /// The schema it is in now.
    pub to: u32,
    /// Documents re-encoded (every stored version).
    pub documents: u64,
    /// Bank lines re-encoded.
    pub payments: u64,
    /// Other records re-encoded (index shards, debtors, history, dead-slot maps).
    pub records: u64,
    /// The copy of the store as it was, when one was made.
    pub backup: Option<PathBuf>,
}

impl std::fmt::Display for Migrated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backup {
            None => write!(f, "the store is at schema {} already; nothing to do", self.to),
            Some(b) => write!(
                f,
                "migrated from schema {} to {}: {} document versions, {} bank lines, {} other records; the store as it was is in {} (delete it when satisfied)",
                self.from, self.to, self.documents, self.payments, self.records, b.display()
            ),
        }
    }
}

/// Migrates the store in `dir` to [`SCHEMA_VERSION`]; a store already there is left alone.
pub fn migrate(dir: &Path) -> Result<Migrated, StoreError> {
    let _lock = lock_dir(dir)?;
    let backup = dir.join("schema-1-backup");
    let marker = dir.join(MARKER);
    if marker.exists() {
        // An earlier run stopped half-way: start again from the copy it made.
        restore(&backup, dir)?;
        remove_file(&marker)?;
    }
    let found = {
        let kv = SledKv::open(&dir.join("ledger.sled"))?;
        schema_of(&kv)?
    };
    let Some(found) = found else {
        return Err(StoreError::Conflict(format!(
            "{} holds no incasso store to migrate",
            dir.display()
        )));
    };
    if found >= SCHEMA_VERSION {
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                dir: dir.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        return Ok(Migrated {
            from: found,
            to: found,
            documents: 0,
            payments: 0,
            records: 0,
            backup: None,
        });
    }
    copy_store(dir, &backup)?;
    std::fs::write(&marker, b"a migration is rewriting this store\n").map_err(io(&marker))?;
    sync_dir(dir)?;
    let kv = SledKv::open(&dir.join("ledger.sled"))?;
    let mut m = Migrated {
        from: found,
        to: SCHEMA_VERSION,
        documents: 0,
        payments: 0,
        records: 0,
        backup: Some(backup),
    };
    transcode::<Schema1, Schema2>(&kv, &dir.join("segments"), SCHEMA_VERSION, &mut m)?;
    drop(kv);
    remove_file(&marker)?;
    sync_dir(dir)?;
    Ok(m)
}

/// A schema's record encoding and document fingerprint.
pub(crate) trait Codec {
    /// Reads a record.
    fn decode<T: for<'a> Deserialize<'a>>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError>;
    /// Writes a record.
    fn encode<T: Serialize>(v: &T) -> Vec<u8>;
    /// A document's fingerprint as the schema defines it.
    fn fingerprint(d: &Document) -> u64;
}

/// Schema 1: bincode 1.3 with its default (variable-length integer) options, and the
/// fingerprint as the hash of those bytes. Kept only to read stores written before schema 2.
pub(crate) struct Schema1;

impl Codec for Schema1 {
    fn decode<T: for<'a> Deserialize<'a>>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
        bincode::Options::deserialize(bincode::DefaultOptions::new(), bytes)
            .map_err(|e| corrupt(key, &format!("not a schema-1 record: {e}")))
    }

    fn encode<T: Serialize>(v: &T) -> Vec<u8> {
        bincode::Options::serialize(bincode::DefaultOptions::new(), v).expect("plain records")
    }

    fn fingerprint(d: &Document) -> u64 {
        let content = Self::encode(&StoredDoc::from_document(d, 0, 0, Location::Line(0)));
        let h = blake3::hash(&content);
        u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("32-byte hash"))
    }
}

/// Schema 2, this build's.
pub(crate) struct Schema2;

impl Codec for Schema2 {
    fn decode<T: for<'a> Deserialize<'a>>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
        crate::codec::decode(key, bytes)
    }

    fn encode<T: Serialize>(v: &T) -> Vec<u8> {
        encode(v)
    }

    fn fingerprint(d: &Document) -> u64 {
        StoredDoc::fingerprint(d)
    }
}

/// Rewrites every record of the store from one schema's encoding into another's, with every
/// fingerprint computed as the target schema defines it, and sets the schema version. Segment
/// files are written beside the old ones (`NAME.v2`) and take their place once the records are
/// in.
pub(crate) fn transcode<F: Codec, T: Codec>(
    kv: &dyn Kv,
    segments: &Path,
    version: u32,
    m: &mut Migrated,
) -> Result<(), StoreError> {
    let mut batch = Batch::default();
    let (fingerprints, mut files) = documents::<F, T>(kv, segments, &mut batch, m)?;
    files.extend(payments::<F, T>(kv, segments, &mut batch, m)?);
    index::<F, T>(kv, &fingerprints, &mut batch, m)?;
    recode::<F, T, DeadSlots>(kv, P_DEAD, &mut batch, m)?;
    recode::<F, T, Vec<Debtor>>(kv, P_DEBTOR, &mut batch, m)?;
    recode::<F, T, Vec<Earlier>>(kv, P_HISTORY, &mut batch, m)?;
    recode::<F, T, SlotRef>(kv, P_VERSION, &mut batch, m)?;
    batch.insert(META_SCHEMA, version.to_be_bytes());
    kv.apply(batch)?;
    kv.flush()?;
    for (new, at) in &files {
        std::fs::rename(new, at).map_err(io(at))?;
    }
    sync_dir(segments)
}

/// The block's bytes, from sled (inline) or its segment file, checked against its checksum.
fn block_bytes(
    kv: &dyn Kv,
    inline: &[u8],
    file: &Path,
    meta: &BlockMeta,
) -> Result<Vec<u8>, StoreError> {
    if meta.inline {
        let v = kv
            .get(inline)?
            .ok_or_else(|| corrupt(inline, "inline block is missing"))?;
        verify(&v, meta).map_err(|e| corrupt(inline, &e))?;
        Ok(v.to_vec())
    } else {
        read_block(file, meta).map_err(|e| segment_corrupt(file, &e))
    }
}

/// A block re-encoded: into the new segment file, or inline in the batch.
fn put_block(
    bytes: Vec<u8>,
    inline: bool,
    inline_key: Vec<u8>,
    writer: &mut SegmentWriter,
    batch: &mut Batch,
) -> Result<BlockMeta, StoreError> {
    if inline {
        let meta = BlockMeta {
            offset: 0,
            len: bytes.len() as u32,
            checksum: crate::segments::checksum(&bytes),
            inline: true,
        };
        batch.insert(inline_key, bytes);
        return Ok(meta);
    }
    writer.append(&bytes).map_err(io(writer.path()))?;
    Ok(*writer.blocks.last().expect("just appended"))
}

/// Rewritten segment files (`NAME.v2`) and the names they take once the records are in.
type Files = Vec<(PathBuf, PathBuf)>;

/// Completes one import's rewritten file (durably; none when all its blocks are inline) and
/// puts its new block table in the batch.
fn finish_file<T: Codec>(
    mut writer: SegmentWriter,
    (new_file, file): (PathBuf, PathBuf),
    (key, metas): (&[u8], &[BlockMeta]),
    batch: &mut Batch,
    files: &mut Files,
) -> Result<(), StoreError> {
    writer.finish().map_err(io(&new_file))?;
    if new_file.exists() {
        files.push((new_file, file));
    }
    batch.insert(key, T::encode(&metas));
    Ok(())
}

/// Every document block re-encoded, with each stored version's new fingerprint by slot.
fn documents<F: Codec, T: Codec>(
    kv: &dyn Kv,
    segments: &Path,
    batch: &mut Batch,
    m: &mut Migrated,
) -> Result<(HashMap<SlotRef, u64>, Files), StoreError> {
    let mut fingerprints = HashMap::new();
    let mut files = Files::new();
    for kv_pair in kv.scan_prefix(&[P_BLOCKS]) {
        let (k, v) = kv_pair?;
        let import = id_of(&k)?;
        let metas: Vec<BlockMeta> = F::decode(&k, &v)?;
        let file = segment_path(segments, import);
        let new_file = file.with_extension("seg.v2");
        let mut writer = SegmentWriter::new(new_file.clone());
        let mut new_metas = Vec::with_capacity(metas.len());
        for (b, meta) in metas.iter().enumerate() {
            let ik = inline_key(import, b as u32);
            let bytes = block_bytes(kv, &ik, &file, meta)?;
            let block: Block = F::decode(&ik, &bytes)?;
            let creditor = block.creditor_id(&ik)?;
            for (slot, sd) in block.docs.iter().enumerate() {
                let doc = sd.to_document(&ik, &creditor)?;
                let at = SlotRef {
                    import,
                    block: b as u32,
                    slot: slot as u32,
                };
                fingerprints.insert(at, T::fingerprint(&doc));
                m.documents += 1;
            }
            new_metas.push(put_block(
                T::encode(&block),
                meta.inline,
                ik,
                &mut writer,
                batch,
            )?);
        }
        finish_file::<T>(
            writer,
            (new_file, file),
            (&k, &new_metas),
            batch,
            &mut files,
        )?;
    }
    Ok((fingerprints, files))
}

/// Every block of bank lines re-encoded.
fn payments<F: Codec, T: Codec>(
    kv: &dyn Kv,
    segments: &Path,
    batch: &mut Batch,
    m: &mut Migrated,
) -> Result<Files, StoreError> {
    let mut files = Files::new();
    for kv_pair in kv.scan_prefix(&[P_PAYMENT_BLOCKS]) {
        let (k, v) = kv_pair?;
        let import = id_of(&k)?;
        let metas: Vec<BlockMeta> = F::decode(&k, &v)?;
        let file = payments_path(segments, import);
        let new_file = file.with_extension("pay.v2");
        let mut writer = SegmentWriter::new(new_file.clone());
        let ik = crate::key(P_PAYMENT_INLINE, &import.to_be_bytes());
        // The file is written anew without its block of line keys or records: the repeat check
        // decodes this import's lines instead, as those of a store written before keys were kept.
        batch.remove(crate::key(P_PAYMENT_KEYS, &import.to_be_bytes()));
        batch.remove(crate::key(P_PAYMENT_KEYS_INLINE, &import.to_be_bytes()));
        batch.remove(crate::key(P_LINE_RECORDS, &import.to_be_bytes()));
        batch.remove(crate::key(P_LINE_RECORDS_INLINE, &import.to_be_bytes()));
        let mut new_metas = Vec::with_capacity(metas.len());
        for meta in &metas {
            let bytes = block_bytes(kv, &ik, &file, meta)?;
            let block: Vec<StoredPayment> = F::decode(&ik, &bytes)?;
            m.payments += block.len() as u64;
            new_metas.push(put_block(
                T::encode(&block),
                meta.inline,
                ik.clone(),
                &mut writer,
                batch,
            )?);
        }
        finish_file::<T>(
            writer,
            (new_file, file),
            (&k, &new_metas),
            batch,
            &mut files,
        )?;
    }
    Ok(files)
}

/// The index shards, with every document's fingerprint computed anew.
fn index<F: Codec, T: Codec>(
    kv: &dyn Kv,
    fingerprints: &HashMap<SlotRef, u64>,
    batch: &mut Batch,
    m: &mut Migrated,
) -> Result<(), StoreError> {
    for kv_pair in kv.scan_prefix(&[P_INDEX]) {
        let (k, v) = kv_pair?;
        let mut entries: Vec<IndexEntry> = F::decode(&k, &v)?;
        for e in &mut entries {
            e.fingerprint = *fingerprints
                .get(&e.at)
                .ok_or_else(|| corrupt(&k, "an index entry names a slot no block has"))?;
        }
        batch.insert(&k[..], T::encode(&entries));
        m.records += 1;
    }
    Ok(())
}

/// Every record of a prefix, decoded as schema 1 and encoded as now.
fn recode<F: Codec, T: Codec, R: for<'a> Deserialize<'a> + Serialize>(
    kv: &dyn Kv,
    prefix: u8,
    batch: &mut Batch,
    m: &mut Migrated,
) -> Result<(), StoreError> {
    for kv_pair in kv.scan_prefix(&[prefix]) {
        let (k, v) = kv_pair?;
        let value: R = F::decode(&k, &v)?;
        batch.insert(&k[..], T::encode(&value));
        m.records += 1;
    }
    Ok(())
}

fn id_of(k: &[u8]) -> Result<u64, StoreError> {
    Ok(u64::from_be_bytes(
        k.get(1..9)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| corrupt(k, "key does not end in an import number"))?,
    ))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { path, source }
}

fn remove_file(p: &Path) -> Result<(), StoreError> {
    std::fs::remove_file(p).map_err(io(p))
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(dir))
}

/// The parts of a store: the sled tree and the segment files.
const PARTS: [&str; 2] = ["ledger.sled", "segments"];

/// Copies the store's parts to `to` (replacing an earlier copy), durably.
fn copy_store(dir: &Path, to: &Path) -> Result<(), StoreError> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(io(to))?;
    }
    for part in PARTS {
        copy_dir(&dir.join(part), &to.join(part))?;
    }
    sync_dir(to)
}

/// Puts the copy back in place of the store's parts.
fn restore(from: &Path, dir: &Path) -> Result<(), StoreError> {
    if !from.join("ledger.sled").is_dir() {
        return Err(StoreError::Conflict(format!(
            "{}: an interrupted migration left no copy at {} to start over from",
            dir.display(),
            from.display()
        )));
    }
    for part in PARTS {
        let p = dir.join(part);
        if p.exists() {
            std::fs::remove_dir_all(&p).map_err(io(&p))?;
        }
        copy_dir(&from.join(part), &p)?;
    }
    sync_dir(dir)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    if !from.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(io(&entry.path()))?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(io(&target))?;
            std::fs::File::open(&target)
                .and_then(|f| f.sync_all())
                .map_err(io(&target))?;
        }
    }
    Ok(())
}
