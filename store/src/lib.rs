//! incasso-store: the embedded sled store of one administration.
//!
//! One data directory holds one administration's ledger: documents (current version and every
//! earlier one), debtors, the record of every import, and an audit log. An import of one file
//! becomes visible in one atomic sled batch, so a failure leaves the store exactly as it was, and
//! a file whose exact bytes were imported before is recognised by its hash and changes nothing.
//! Documents live in immutable segment blocks with a sharded index (`segments.rs`), which keeps a
//! million-row import to a few hundred sled writes; the import transaction is in `import.rs`.
//!
//! ```no_run
//! let store = incasso_store::Store::open(std::path::Path::new("incasso-data")).unwrap();
//! let docs = store.documents().unwrap();
//! println!("{} documents", docs.len());
//! ```

mod codec;
mod conflicts;
mod documents;
mod import;
mod kept_claims;
mod kept_file;
pub mod kv;
pub mod migrate;
mod open_documents;
mod payments;
mod reconciliation;
mod records;
mod segments;
mod settled;
mod submissions;
mod sync;
mod unconfirmed;

pub use submissions::{AgencyRecord, Answered, InFlight, Submission, SubmissionState};

pub use import::{ImportTx, Omits};
pub use open_documents::OpenDocuments;
pub use reconciliation::{Kept, KeptFile, ToKeep};
pub use settled::{settled_of, SettledSince};
pub use sync::SyncedRecord;
pub use unconfirmed::Unconfirmed;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use fs2::FileExt;
use incasso_core::collection::{PaymentPlan, Reminder};
use incasso_core::ids::CreditorId;
use incasso_core::model::{
    AttachmentRef, Debtor, Document, DocumentKey, LedgerDocument, Location, Source, SourceKind,
};
use serde::{Deserialize, Serialize};

use codec::{corrupt, decode, encode, Block, StoredDoc};
use kv::{Batch, Kv, SledKv};
use segments::{
    blocks_key, dead_key, inline_key, read_block, segment_path, shard_key, shard_of, verify,
    BlockMeta, DeadSlots, IndexEntry, SlotRef, BLOCK_DOCS,
};

/// The schema this build writes: 2 is postcard records and field-defined fingerprints (1 was
/// bincode). Older stores are moved with `incasso store migrate`; newer ones are refused.
pub const SCHEMA_VERSION: u32 = 2;

/// The schema version a store's records are in (`None` for a new, empty store).
pub(crate) fn schema_of(kv: &dyn Kv) -> Result<Option<u32>, StoreError> {
    match kv.get(META_SCHEMA)? {
        None => Ok(None),
        Some(v) => Ok(Some(u32::from_be_bytes(v.as_ref().try_into().map_err(
            |_| corrupt(META_SCHEMA, "schema version is not 4 bytes"),
        )?))),
    }
}

const META_SCHEMA: &[u8] = b"m/schema";
const META_CREDITOR: &[u8] = b"m/creditor";
const P_VERSION: u8 = b'v';
const P_DEBTOR: u8 = b'b';
const P_IMPORT: u8 = b'i';
const P_HASH: u8 = b'h';
const P_AUDIT: u8 = b'a';
const P_REMINDER: u8 = b'r';
const P_PLAN: u8 = b'p';
const P_ATTACH: u8 = b't';
const P_ALSO: u8 = b'q';
const P_CONFLICT: u8 = b'c';
/// Earlier versions of documents, one value per index shard and import (`e<shard><import>`), so
/// an import that changes many documents writes at most 256 values, not one per document.
/// (Stores written before keep one `v<document>\0<version>` key per version; both are read.)
const P_HISTORY: u8 = b'e';

/// Every key prefix of the ledger tree, wherever it is defined: they must never collide.
#[cfg(test)]
const ALL_PREFIXES: &[u8] = &[
    P_VERSION,
    P_DEBTOR,
    P_IMPORT,
    P_HASH,
    P_AUDIT,
    P_REMINDER,
    P_PLAN,
    P_ATTACH,
    P_ALSO,
    P_CONFLICT,
    P_HISTORY,
    segments::P_BLOCKS,
    segments::P_INDEX,
    segments::P_DEAD,
    segments::P_INLINE,
    payments::P_PAYMENT_BLOCKS,
    payments::P_PAYMENT_INLINE,
    payments::P_MANUAL,
    payments::P_PAYMENT_KEYS,
    payments::P_PAYMENT_KEYS_INLINE,
    payments::P_LINE_RECORDS,
    payments::P_LINE_RECORDS_INLINE,
    payments::P_LINE_LOOSE,
    payments::P_LINE_LOOSE_INLINE,
    import::P_LISTING,
    submissions::P_SUBMISSION,
    submissions::P_IN_FLIGHT,
    sync::P_SYNC_CURSOR,
    sync::P_SYNC_RECORD,
    unconfirmed::P_UNCONFIRMED,
    settled::P_SETTLED,
    b'm', // META_SCHEMA and META_CREDITOR
    b'G', // submissions::AGENCY_CURSOR
];

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the data directory.
    #[error(
        "data directory {dir} is in use by another incasso process{pid}; wait for it to finish"
    )]
    InUse {
        /// The data directory.
        dir: PathBuf,
        /// " (pid N)" when known.
        pid: String,
    },
    /// The store was written by a newer incasso.
    #[error("data directory {dir} has schema version {found}, but this incasso understands up to {supported}; upgrade incasso")]
    NewerSchema {
        /// The data directory.
        dir: PathBuf,
        /// Version found on disk.
        found: u32,
        /// Version this build writes.
        supported: u32,
    },
    /// The store was written by an older incasso.
    #[error("data directory {dir} has schema version {found}, older than this incasso's; run `incasso store migrate --data-dir {dir}` (it keeps a copy of the store as it was)")]
    OlderSchema {
        /// The data directory.
        dir: PathBuf,
        /// Version found on disk.
        found: u32,
    },
    /// A migration was interrupted.
    #[error("data directory {dir} was being migrated when it stopped; run `incasso store migrate --data-dir {dir}` again (it starts over from the copy it made)")]
    MigrationInterrupted {
        /// The data directory.
        dir: PathBuf,
    },
    /// A stored record could not be read back.
    #[error("store record {key} is unreadable: {reason}")]
    Corrupt {
        /// The record's key.
        key: String,
        /// What failed.
        reason: String,
    },
    /// The key-value storage below failed.
    #[error("store error: {0}")]
    Backend(String),
    /// A record conflicts with one already stored.
    #[error("{0}")]
    Conflict(String),
    /// What was given cannot be stored as it is (the input's fault, not the store's).
    #[error("{0}")]
    Refused(String),
    /// The source of an import changed while it was read: it is not made visible (see
    /// [`Store::gate_imports`]).
    #[error("{0}")]
    SourceChanged(String),
    /// A file operation on the data directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the store itself failed (busy, unreadable, a disk error): the same input may go
    /// in later. False when the input was refused.
    pub fn is_storage_failure(&self) -> bool {
        !matches!(self, StoreError::Refused(_))
    }
}

/// One completed import, as recorded in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    /// Sequence number of the import.
    pub id: u64,
    /// The source read.
    pub source: Source,
    /// When it was imported (UTC), as given by the caller.
    pub imported_at: DateTime<Utc>,
    /// Documents seen for the first time.
    pub new: u64,
    /// Documents that got a new version.
    pub changed: u64,
    /// Documents identical to what was stored.
    pub unchanged: u64,
    /// Documents another kind of source described alike (merged, provenance added).
    #[serde(default)]
    pub merged: u64,
    /// Documents another kind of source described differently (recorded as conflicts).
    #[serde(default)]
    pub conflicts: u64,
    /// Bank lines stored for the first time.
    #[serde(default)]
    pub payments_new: u64,
    /// Bank lines already stored from another statement (overlap, or camt and CSV of one day).
    #[serde(default)]
    pub payments_repeated: u64,
    /// The revision of the reader that read the file, for readers that keep one (0: none kept,
    /// or read before revisions were kept). A file an older revision of a mended reader read is
    /// read again when it comes back (see `incasso_connectors::bank::camt::READER_REVISION`).
    #[serde(default)]
    pub reader: u32,
    /// A digest of the mapping profile a ledger file was read with (`None`: none, or read
    /// before digests were kept): the same bytes with another profile are read again.
    #[serde(default)]
    pub profile: Option<String>,
}

/// Two sources disagree about a document; the stored version stays until a person chooses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Sequence number.
    pub id: u64,
    /// The document.
    pub document: DocumentKey,
    /// Its number as written.
    pub number: String,
    /// The fields that differ.
    pub diffs: Vec<incasso_core::sources::FieldDiff>,
    /// The import that wrote the stored version.
    pub stored_import: u64,
    /// The import that brought the other version.
    pub incoming_import: u64,
    /// Where the other version came from.
    pub incoming_source: String,
    /// Where the other version is kept.
    incoming_at: SlotRef,
    /// Open or resolved.
    pub status: ConflictStatus,
}

/// Whether a conflict is open or how it was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictStatus {
    /// Waiting for a person.
    Open,
    /// The stored version was kept.
    KeptStored,
    /// The incoming version became current.
    TookIncoming,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: u64,
    /// When (UTC), as given by the caller.
    pub at: DateTime<Utc>,
    /// The import that caused it, if any.
    pub import_id: Option<u64>,
    /// What happened, e.g. `document-changed`.
    pub action: String,
    /// What it happened to, e.g. `invoice F2026-001`.
    pub subject: String,
    /// The details, e.g. the fields that changed with old and new values.
    pub detail: String,
}

/// One audit value: a single entry, or a chunk of an import's entries (keyed by the first seq).
#[derive(Deserialize)]
#[serde(untagged)]
enum AuditValue {
    One(AuditEntry),
    Chunk(Vec<AuditEntry>),
}

/// An earlier version of a document: where it is stored, and which version it was.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Earlier {
    pub key: Vec<u8>,
    pub version: u32,
    pub at: SlotRef,
}

/// The key of the earlier versions an import superseded in one index shard.
pub(crate) fn history_key(shard: u16, import: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(11);
    k.push(P_HISTORY);
    k.extend_from_slice(&shard.to_be_bytes());
    k.extend_from_slice(&import.to_be_bytes());
    k
}

/// Everything one source contributes, to be stored all at once or not at all.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    /// The source read.
    pub source: Source,
    /// Documents with the place each was found.
    pub documents: Vec<(Document, Location)>,
    /// Debtors the source describes.
    pub debtors: Vec<Debtor>,
    /// The caller's clock reading for the records written.
    pub imported_at: DateTime<Utc>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The exact same bytes were imported before; nothing was written.
    AlreadyImported(ImportRecord),
    /// The batch was written.
    Applied(ImportSummary),
}

/// Counts and changes of an applied import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The import's record (the last source's, when a transaction held several).
    pub record: ImportRecord,
    /// Records of the earlier sources committed in the same transaction.
    pub earlier: Vec<ImportRecord>,
    /// Debtors seen for the first time.
    pub debtors_new: u64,
    /// Debtors that gained or changed details.
    pub debtors_updated: u64,
    /// One line per changed document, as written to the audit log.
    pub changes: Vec<String>,
}

/// The store of one administration, held exclusively by this process while open.
pub struct Store {
    dir: PathBuf,
    segments: PathBuf,
    /// Source kind per import, loaded once: every import consults it.
    kinds: std::sync::Mutex<Option<HashMap<u64, SourceKind>>>,
    /// Ids and fingerprints of the stored bank lines, loaded on first need.
    known_lines: std::sync::Mutex<Option<payments::KnownLines>>,
    kv: Box<dyn Kv>,
    /// Asked before an import becomes visible, each while its guard lives
    /// ([`Store::gate_imports`]).
    import_gates: std::sync::Mutex<Vec<(u64, ImportGate)>>,
    /// The last import id handed out by this process: a transaction begun while another is open
    /// gets the next one, not the one that has no record yet.
    import_ids: std::sync::Mutex<u64>,
    /// The last audit sequence number handed out (read from the log on first need): an import
    /// open beside another writer of the log numbers its entries from here, not from its start.
    audit_seq: std::sync::Mutex<Option<u64>>,
    /// Which kinds of records an open import writes ([`Writes`]), and the signal that one ended.
    writers: std::sync::Mutex<[bool; 2]>,
    writer_done: std::sync::Condvar,
    _lock: File,
}

/// The kinds of records an import writes. Imports of different kinds run side by side (the
/// inbox imports a bank statement beside a ledger); two of one kind take turns, since each
/// checks what it adds against what is stored (documents against the index and debtors, bank
/// lines against the lines already stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writes {
    /// Documents, debtors, attachments.
    Documents = 0,
    /// Bank lines.
    Payments = 1,
}

impl Writes {
    fn what(self) -> &'static str {
        match self {
            Writes::Documents => "documents",
            Writes::Payments => "bank lines",
        }
    }

    /// The other kind.
    pub(crate) fn other(self) -> Writes {
        match self {
            Writes::Documents => Writes::Payments,
            Writes::Payments => Writes::Documents,
        }
    }
}

/// A check an import must pass before it becomes visible: `Err` says why it must not.
pub type ImportGate = std::sync::Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Keeps an import gate set; dropping it takes that gate away.
#[must_use = "the gate is taken away when this is dropped"]
pub struct GateSet<'s> {
    store: &'s Store,
    id: u64,
}

impl Drop for GateSet<'_> {
    fn drop(&mut self) {
        self.store
            .import_gates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _)| *id != self.id);
    }
}

impl Store {
    /// Every import committed while the returned guard lives asks `gate` first, and fails with
    /// [`StoreError::SourceChanged`] (storing nothing) when it refuses: the inbox reads a
    /// dropped file at once and lets it in only when it is still as it was a moment after it
    /// was first seen, instead of waiting that moment before reading it.
    pub fn gate_imports(&self, gate: ImportGate) -> GateSet<'_> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.import_gates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, gate));
        GateSet { store: self, id }
    }

    /// The import gates set now, to be asked without holding their list.
    pub(crate) fn import_gates(&self) -> Vec<ImportGate> {
        self.import_gates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, g)| g.clone())
            .collect()
    }

    /// Whether a data directory holds a store (for commands that only read: they must not
    /// make an empty store where a typo pointed them).
    pub fn exists(dir: &Path) -> bool {
        dir.join("ledger.sled").is_dir()
    }

    /// Opens (creating if needed) the data directory; refuses when another process has it open.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        let lock = lock_dir(dir)?;
        if dir.join(migrate::MARKER).exists() {
            return Err(StoreError::MigrationInterrupted {
                dir: dir.to_path_buf(),
            });
        }
        let kv = SledKv::open(&dir.join("ledger.sled"))?;
        let segments = dir.join("segments");
        std::fs::create_dir_all(&segments).map_err(io(&segments))?;
        let store = Store {
            dir: dir.to_path_buf(),
            segments,
            kinds: std::sync::Mutex::new(None),
            known_lines: std::sync::Mutex::new(None),
            kv: Box::new(kv),
            import_gates: std::sync::Mutex::new(Vec::new()),
            import_ids: std::sync::Mutex::new(0),
            audit_seq: std::sync::Mutex::new(None),
            writers: std::sync::Mutex::new([false; 2]),
            writer_done: std::sync::Condvar::new(),
            _lock: lock,
        };
        store.check_schema()?;
        store.remove_orphan_segments()?;
        Ok(store)
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        match schema_of(&*self.kv)? {
            None => {
                self.kv.insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())?;
                self.kv.insert(META_CREDITOR, "default".as_bytes())?;
                self.kv.flush()?;
                Ok(())
            }
            Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
                dir: self.dir.clone(),
                found,
                supported: SCHEMA_VERSION,
            }),
            Some(found) if found < SCHEMA_VERSION => Err(StoreError::OlderSchema {
                dir: self.dir.clone(),
                found,
            }),
            Some(_) => Ok(()),
        }
    }

    /// A marker that changes whenever anything a report or a submission depends on changes
    /// (imports, audited changes, decisions, letters, plans, submissions): equal markers mean
    /// nothing new.
    pub fn change_marker(&self) -> Result<String, StoreError> {
        let count = |p: u8| self.kv.scan_prefix(&[p]).count();
        Ok(format!(
            "i{}-a{}-d{}-r{}-p{}-s{}-f{}-g{}-w{}",
            self.last_seq(P_IMPORT)?,
            self.last_audit_seq()?,
            self.last_seq(payments::P_MANUAL)?,
            self.last_seq(P_REMINDER)?,
            count(P_PLAN),
            count(submissions::P_SUBMISSION),
            count(submissions::P_IN_FLIGHT),
            self.agency_news()?,
            self.submission_writes()?,
        ))
    }

    /// Whether batches sent to the agency still wait for their answer.
    pub fn has_in_flight(&self) -> Result<bool, StoreError> {
        Ok(self
            .kv
            .scan_prefix(&[submissions::P_IN_FLIGHT])
            .next()
            .is_some())
    }

    /// Records an event that is not an import (a nightly run, say) in the audit log, durably.
    pub fn record_event(
        &self,
        action: &str,
        subject: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let seq = self.audit_seqs(1)?;
        let e = AuditEntry {
            seq,
            at,
            import_id: None,
            action: action.to_string(),
            subject: subject.to_string(),
            detail: detail.to_string(),
        };
        self.kv
            .insert(&key(P_AUDIT, &seq.to_be_bytes()), &json_encode(&e))?;
        self.kv.flush()?;
        Ok(())
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let v = self
            .kv
            .get(META_SCHEMA)?
            .ok_or_else(|| corrupt(META_SCHEMA, "missing"))?;
        Ok(u32::from_be_bytes(
            v.as_ref()
                .try_into()
                .map_err(|_| corrupt(META_SCHEMA, "not 4 bytes"))?,
        ))
    }

    /// The administration this store belongs to.
    pub fn creditor(&self) -> Result<CreditorId, StoreError> {
        let v = self
            .kv
            .get(META_CREDITOR)?
            .ok_or_else(|| corrupt(META_CREDITOR, "missing"))?;
        CreditorId::new(&String::from_utf8_lossy(&v))
            .map_err(|e| corrupt(META_CREDITOR, &e.to_string()))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The earlier import of exactly these bytes, if any.
    pub fn import_by_hash(&self, content_hash: &str) -> Result<Option<ImportRecord>, StoreError> {
        let Some(id) = self.kv.get(&key(P_HASH, content_hash.as_bytes()))? else {
            return Ok(None);
        };
        let k = key(P_IMPORT, &id);
        let rec = self
            .kv
            .get(&k)?
            .ok_or_else(|| corrupt(&k, "import named by hash is missing"))?;
        Ok(Some(json_decode(&k, &rec)?))
    }

    /// Every import, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        self.scan_json(P_IMPORT)
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut out = Vec::new();
        for kv in self.kv.scan_prefix(&[P_AUDIT]) {
            let (k, v) = kv?;
            match json_decode::<AuditValue>(&k, &v)? {
                AuditValue::One(e) => out.push(e),
                AuditValue::Chunk(es) => out.extend(es),
            }
        }
        Ok(out)
    }

    /// The first of `n` audit sequence numbers nobody else has: every writer of the audit log
    /// takes its numbers here, so an import open beside another writer never reuses one.
    pub(crate) fn audit_seqs(&self, n: u64) -> Result<u64, StoreError> {
        let mut last = self.audit_seq.lock().unwrap_or_else(|p| p.into_inner());
        let from = match *last {
            Some(l) => l,
            None => self.last_audit_seq()?,
        };
        *last = Some(from + n);
        Ok(from + 1)
    }

    /// The sequence number of the last audit entry stored (0 when there is none).
    fn last_audit_seq(&self) -> Result<u64, StoreError> {
        let Some((k, v)) = self.kv.last(&[P_AUDIT])? else {
            return Ok(0);
        };
        Ok(match json_decode::<AuditValue>(&k, &v)? {
            AuditValue::One(e) => e.seq,
            AuditValue::Chunk(es) => es.last().map_or(0, |e| e.seq),
        })
    }

    fn scan_json<T: for<'a> Deserialize<'a>>(&self, prefix: u8) -> Result<Vec<T>, StoreError> {
        self.kv
            .scan_prefix(&[prefix])
            .map(|kv| {
                let (k, v) = kv?;
                json_decode(&k, &v)
            })
            .collect()
    }

    /// The kind of source an import read.
    fn source_kind(&self, import: u64) -> Result<Option<SourceKind>, StoreError> {
        let mut guard = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(
                self.imports()?
                    .into_iter()
                    .map(|r| (r.id, r.source.kind))
                    .collect(),
            );
        }
        Ok(guard.as_ref().and_then(|m| m.get(&import).copied()))
    }

    fn remember_kind(&self, import: u64, kind: SourceKind) {
        let mut guard = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = guard.as_mut() {
            m.insert(import, kind);
        }
    }

    /// Makes every committed import durable (see [`ImportTx::commit_unflushed`]).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.kv.flush()?;
        Ok(())
    }

    /// Stores one source's records atomically: all of them or, on any error, none.
    ///
    /// The same bytes again (by content hash) write nothing. A document already known with the
    /// same content is left alone; one with different content gets a new version, the old one is
    /// kept, and an audit entry says what changed.
    pub fn import(&self, batch: ImportBatch) -> Result<ImportOutcome, StoreError> {
        if let Some(rec) = self.import_by_hash(&batch.source.content_hash)? {
            return Ok(ImportOutcome::AlreadyImported(rec));
        }
        let mut tx = self.begin_import(batch.source, batch.imported_at)?;
        for (doc, location) in &batch.documents {
            tx.add_document(doc, location.clone())?;
        }
        for d in &batch.debtors {
            tx.add_debtor(d);
        }
        Ok(ImportOutcome::Applied(tx.commit()?))
    }

    /// Lets an import write records of kind `w` once no other does: it waits for the other to
    /// end when it holds nothing yet, and is refused when it already writes the other kind (so
    /// two imports never wait for each other).
    pub(crate) fn take_writer(&self, w: Writes, holds_other: bool) -> Result<(), StoreError> {
        let mut held = self.writers.lock().unwrap_or_else(|p| p.into_inner());
        while held[w as usize] {
            if holds_other {
                return Err(StoreError::Conflict(format!(
                    "another import writes {} at the same time; import one after the other",
                    w.what()
                )));
            }
            held = self
                .writer_done
                .wait(held)
                .unwrap_or_else(|p| p.into_inner());
        }
        held[w as usize] = true;
        Ok(())
    }

    /// Ends an import's writing of records of kind `w`.
    pub(crate) fn release_writer(&self, w: Writes) {
        self.writers.lock().unwrap_or_else(|p| p.into_inner())[w as usize] = false;
        self.writer_done.notify_all();
    }

    /// An import id no record and no open transaction has. Ids a transaction dropped without
    /// committing are not used again by this process; the next process may.
    fn next_import_id(&self) -> Result<u64, StoreError> {
        let mut last = self.import_ids.lock().unwrap_or_else(|p| p.into_inner());
        *last = self.last_seq(P_IMPORT)?.max(*last) + 1;
        Ok(*last)
    }

    fn last_seq(&self, prefix: u8) -> Result<u64, StoreError> {
        match self.kv.last(&[prefix])? {
            None => Ok(0),
            Some((k, _)) => {
                let b: [u8; 8] = k[1..]
                    .try_into()
                    .map_err(|_| corrupt(&k, "sequence key is not 8 bytes"))?;
                Ok(u64::from_be_bytes(b))
            }
        }
    }
}

/// Takes the data directory's lock (creating the directory), or says which process has it.
pub(crate) fn lock_dir(dir: &Path) -> Result<File, StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let lock_path = dir.join("incasso.lock");
    let mut lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    // A handle this process dropped a moment ago may not have let go yet (another thread
    // closing it): wait briefly for our own pid, never for another process.
    let mut tries = 0;
    while lock.try_lock_exclusive().is_err() {
        let mut pid = String::new();
        let _ = lock.rewind();
        let _ = lock.read_to_string(&mut pid);
        let pid = pid.trim();
        if pid == std::process::id().to_string() && tries < 100 {
            tries += 1;
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        }
        return Err(StoreError::InUse {
            dir: dir.to_path_buf(),
            pid: if pid.is_empty() {
                String::new()
            } else {
                format!(" (pid {pid})")
            },
        });
    }
    lock.set_len(0).map_err(io(&lock_path))?;
    lock.rewind().map_err(io(&lock_path))?;
    write!(lock, "{}", std::process::id()).map_err(io(&lock_path))?;
    Ok(lock)
}

fn key(prefix: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(rest.len() + 1);
    k.push(prefix);
    k.extend_from_slice(rest);
    k
}

/// The inverse of [`doc_key`].
fn parse_doc_key(bytes: &[u8]) -> Option<DocumentKey> {
    let mut parts = bytes.splitn(3, |b| *b == 0);
    let creditor = CreditorId::new(std::str::from_utf8(parts.next()?).ok()?).ok()?;
    let kind = match parts.next()? {
        b"invoice" => incasso_core::model::DocumentKind::Invoice,
        b"credit-note" => incasso_core::model::DocumentKind::CreditNote,
        _ => return None,
    };
    let number = String::from_utf8(parts.next()?.to_vec()).ok()?;
    Some(DocumentKey {
        creditor,
        kind,
        number,
    })
}

fn doc_key(k: &DocumentKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(k.creditor.as_str().len() + k.number.len() + 16);
    out.extend_from_slice(k.creditor.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(k.kind.code().as_bytes());
    out.push(0);
    out.extend_from_slice(k.number.as_bytes());
    out
}

fn segment_corrupt(path: &Path, reason: &str) -> StoreError {
    StoreError::Corrupt {
        key: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn json_encode<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("plain records serialise to JSON")
}

fn json_decode<T: for<'a> Deserialize<'a>>(k: &[u8], v: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(v).map_err(|e| corrupt(k, &e.to_string()))
}

#[cfg(test)]
mod tests;
