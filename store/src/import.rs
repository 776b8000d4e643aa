//! Imports: one source's records checked against the index as they stream in, written to
//! segment blocks, and made visible in one atomic sled batch on commit.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;

use chrono::{DateTime, Utc};
use incasso_core::ids::CreditorId;
use incasso_core::model::{
    AttachmentRef, Debtor, Document, DocumentKey, LineKeys, Location, Payment, Source, SourceKind,
};

use crate::codec::{corrupt, decode, encode, Block, StoredDoc};
use crate::kv::Batch;
use crate::payments::{payments_path, PaymentWriter};
use crate::segments::{
    blocks_key, checksum, dead_key, inline_key, segment_path, shard_key, shard_of, BlockMeta,
    DeadSlots, IndexEntry, SegmentWriter, SlotRef, BLOCK_DOCS,
};
use crate::{
    doc_key, history_key, json_decode, json_encode, key, segment_corrupt, AuditEntry, Conflict,
    ConflictStatus, Earlier, ImportRecord, ImportSummary, Store, StoreError, Writes, P_ALSO,
    P_ATTACH, P_AUDIT, P_CONFLICT, P_DEBTOR, P_HASH, P_IMPORT,
};

/// Audit entries per stored value: sled keeps a costly node entry per key, so an import that
/// changes a quarter million documents writes 500 values, not 250,000.
const AUDIT_CHUNK: usize = 512;

impl Store {
    /// Starts an import whose records are streamed in and made visible only by
    /// [`ImportTx::commit`].
    ///
    /// Callers check [`Store::import_by_hash`] first. Blocks written before a failure are
    /// removed when the transaction is dropped, and at the latest by the next import.
    pub fn begin_import(
        &self,
        source: Source,
        imported_at: DateTime<Utc>,
    ) -> Result<ImportTx<'_>, StoreError> {
        let import_id = self.next_import_id()?;
        let path = segment_path(&self.segments, import_id);
        for stale in [path.clone(), payments_path(&self.segments, import_id)] {
            if stale.exists() {
                std::fs::remove_file(&stale).map_err(|source| StoreError::Io {
                    path: stale.clone(),
                    source,
                })?;
            }
        }
        // The documents marked unconfirmed (few: one per file that ended so, and what a cut
        // list of every open item left out).
        let marks = self.unconfirmed()?;
        Ok(ImportTx {
            import_id,
            block_owner: import_id,
            finished: Vec::new(),
            pending_audit: Vec::new(),
            payments_before: (0, 0),
            earlier: HashMap::default(),
            store: self,
            source,
            imported_at,
            reader: 0,
            profile: None,
            batch: Batch::default(),
            shards: HashMap::default(),
            dead: HashMap::default(),
            block: Vec::with_capacity(BLOCK_DOCS),
            block_creditor: None,
            segment: SegmentWriter::new(path),
            payments: PaymentWriter::new(&self.segments, import_id),
            block_cache: None,
            debtors: HashMap::default(),
            attachments: Vec::new(),
            also_from: Vec::new(),
            conflicts: Vec::new(),
            open_conflicts: None,
            unconfirmed: marks.iter().map(|u| doc_key(&u.document)).collect(),
            confirmed: Vec::new(),
            unlisted_marks: marks
                .iter()
                .filter(|u| u.unlisted)
                .map(|u| doc_key(&u.document))
                .collect(),
            confirmed_alike: Vec::new(),
            lists_every_open_item: false,
            mark: None,
            unlisted: Vec::new(),
            listed_alike: None,
            new: 0,
            changed: 0,
            unchanged: 0,
            merged: 0,
            conflicted: 0,
            changes: Vec::new(),
            committed: false,
            holds: [false; 2],
            omits: Omits::default(),
        })
    }
}

/// An import in progress. Documents are checked against the index as they arrive and streamed
/// into segment blocks nobody reads yet; commit makes them visible in one atomic batch.
/// Each document key must occur once per import.
pub struct ImportTx<'a> {
    store: &'a Store,
    source: Source,
    imported_at: DateTime<Utc>,
    /// See [`ImportRecord::reader`].
    reader: u32,
    /// See [`ImportRecord::profile`].
    profile: Option<String>,
    /// The import (source) documents are being added for now.
    import_id: u64,
    /// The import whose segment (or inline key) holds this transaction's blocks.
    block_owner: u64,
    /// Records of earlier sources in this transaction (see [`ImportTx::next_source`]).
    finished: Vec<ImportRecord>,
    /// Audit entries not yet in the batch: written in chunks, one sled value per chunk.
    pending_audit: Vec<AuditEntry>,
    /// The transaction's payment counts when the current source began (each record counts its own).
    payments_before: (u64, u64),
    /// Versions this import superseded, per index shard: one sled value per shard at commit.
    earlier: HashMap<u16, Vec<Earlier>>,
    batch: Batch,
    shards: HashMap<u16, Shard>,
    dead: HashMap<(u64, u32), DeadSlots>,
    block: Vec<StoredDoc>,
    block_creditor: Option<CreditorId>,
    segment: SegmentWriter,
    payments: PaymentWriter,
    block_cache: Option<(SlotRef, Block)>,
    debtors: HashMap<String, Debtor>,
    attachments: Vec<(DocumentKey, AttachmentRef)>,
    also_from: Vec<(Vec<u8>, u64, Location)>,
    conflicts: Vec<Conflict>,
    /// The conflicts waiting for a person before this import, read at its first conflict.
    open_conflicts: Option<Vec<Conflict>>,
    /// The documents marked unconfirmed before this import (their [`doc_key`]s).
    unconfirmed: std::collections::HashSet<Vec<u8>>,
    /// Those of them this import read: their marks go at commit.
    confirmed: Vec<Vec<u8>>,
    /// The marked documents a cut list of every open item left out ([`crate::Unconfirmed::
    /// unlisted`]): listed alike again, only a whole list of every open item lifts their mark,
    /// since an older export read again would list them so too (review 44c, F-6).
    unlisted_marks: std::collections::HashSet<Vec<u8>>,
    /// Such documents this import listed as stored.
    confirmed_alike: Vec<Vec<u8>>,
    /// Whether this import is a whole list of every open item ([`ImportTx::lists_every_open_item`]).
    lists_every_open_item: bool,
    /// The document this import read from a last row without a line end.
    mark: Option<crate::Unconfirmed>,
    /// The documents a list of every open item that may have been cut short leaves out.
    unlisted: Vec<crate::Unconfirmed>,
    /// The hash of the latest document added, when it was stored alike already and not
    /// marked unconfirmed.
    listed_alike: Option<u64>,
    new: u64,
    changed: u64,
    unchanged: u64,
    merged: u64,
    conflicted: u64,
    changes: Vec<String>,
    committed: bool,
    /// The kinds of records this import writes, taken from the store on first need.
    holds: [bool; 2],
    /// What the current source's documents do not say (see [`ImportTx::omits`]).
    omits: Omits,
}

/// What a source's documents do not say: a file without a status column or an open amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omits {
    /// No status: a new version keeps the stored one (a dispute, a plan, paid).
    pub status: bool,
    /// No open amount: a new version keeps the stored one.
    pub open: bool,
    /// No credited invoice: a new version keeps the stored link of a credit note.
    pub credited: bool,
    /// No payment reference: a new version keeps the stored one, which payments quote.
    pub reference: bool,
    /// No description: a new version keeps the stored one.
    pub description: bool,
}

impl Omits {
    fn any(&self) -> bool {
        self.status || self.open || self.credited || self.reference || self.description
    }
}

/// One index shard during an import: the stored entries (sorted) and the new ones.
struct Shard {
    existing: Vec<IndexEntry>,
    added: Vec<IndexEntry>,
    touched: bool,
}

impl ImportTx<'_> {
    /// Takes the store's turn to write records of kind `w`, once (see [`Store::take_writer`]).
    fn writes(&mut self, w: Writes) -> Result<(), StoreError> {
        if !self.holds[w as usize] {
            self.store.take_writer(w, self.holds[w.other() as usize])?;
            self.holds[w as usize] = true;
        }
        Ok(())
    }

    fn audit(&mut self, action: &str, subject: String, detail: String) -> Result<(), StoreError> {
        let e = AuditEntry {
            // Numbered when they go into the batch.
            seq: 0,
            at: self.imported_at,
            import_id: Some(self.import_id),
            action: action.to_string(),
            subject,
            detail,
        };
        self.pending_audit.push(e);
        if self.pending_audit.len() == AUDIT_CHUNK {
            self.flush_audit()?;
        }
        Ok(())
    }

    /// Numbers the pending audit entries and moves them into the batch as one value keyed by
    /// the first seq.
    fn flush_audit(&mut self) -> Result<(), StoreError> {
        if self.pending_audit.is_empty() {
            return Ok(());
        }
        let first = self.store.audit_seqs(self.pending_audit.len() as u64)?;
        for (seq, e) in (first..).zip(&mut self.pending_audit) {
            e.seq = seq;
        }
        let value = if self.pending_audit.len() == 1 {
            json_encode(&self.pending_audit[0])
        } else {
            json_encode(&self.pending_audit)
        };
        self.batch.insert(key(P_AUDIT, &first.to_be_bytes()), value);
        self.pending_audit.clear();
        Ok(())
    }

    fn place(&mut self, sd: StoredDoc, creditor: &CreditorId) -> Result<SlotRef, StoreError> {
        if self.block_creditor.as_ref() != Some(creditor) {
            self.write_block()?;
            self.block_creditor = Some(creditor.clone());
        }
        let at = SlotRef {
            import: self.block_owner,
            block: self.segment.blocks.len() as u32,
            slot: self.block.len() as u32,
        };
        self.block.push(sd);
        if self.block.len() == BLOCK_DOCS {
            self.write_block()?;
        }
        Ok(at)
    }

    fn write_block(&mut self) -> Result<(), StoreError> {
        if self.block.is_empty() {
            return Ok(());
        }
        let creditor = self
            .block_creditor
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        let block = Block {
            creditor,
            docs: std::mem::take(&mut self.block),
        };
        let bytes = encode(&block);
        self.block = block.docs;
        self.segment
            .append(&bytes)
            .map_err(|source| StoreError::Io {
                path: self.segment.path().to_path_buf(),
                source,
            })?;
        self.block.clear();
        Ok(())
    }

    fn old_version(&mut self, at: SlotRef) -> Result<Document, StoreError> {
        let block_ref = SlotRef { slot: 0, ..at };
        if self.block_cache.as_ref().map(|(r, _)| *r) != Some(block_ref) {
            self.block_cache = Some((block_ref, self.store.block(at.import, at.block)?));
        }
        let (_, block) = self.block_cache.as_ref().expect("just filled");
        let path = segment_path(&self.store.segments, at.import);
        let k = path.to_string_lossy();
        let creditor = block.creditor_id(k.as_bytes())?;
        block
            .docs
            .get(at.slot as usize)
            .ok_or_else(|| segment_corrupt(&path, "slot out of range"))?
            .to_document(k.as_bytes(), &creditor)
    }

    /// Adds a payment that its id alone recognises (an accounting API's, an agency's receipt)
    /// unless the store has it already, by its id or by `fingerprint`, the key stores written
    /// before kept of it; true when it is new.
    pub fn add_payment(&mut self, p: Payment, fingerprint: u128) -> Result<bool, StoreError> {
        let keys = LineKeys {
            group: None,
            legacy: [Some(fingerprint), None],
        };
        self.add_bank_line(p, keys)
    }

    /// Adds a bank line unless the store has it already: by its id, by a fingerprint stores
    /// written before kept, or as another format's copy of a stored line ([`LineKeys`]); true
    /// when it is new.
    pub fn add_bank_line(&mut self, p: Payment, keys: LineKeys) -> Result<bool, StoreError> {
        self.writes(Writes::Payments)?;
        self.payments.add(self.store, self.import_id, p, keys)
    }

    /// Says what the current source's documents do not say. A new version from the same kind of
    /// source then keeps the stored status and open amount where the source gives none: a
    /// missing column is no statement that a disputed, planned or paid invoice is open.
    pub fn omits(&mut self, omits: Omits) {
        self.omits = omits;
    }

    /// Records `doc` as a conflict with the stored version `old` in `diffs`: not current until a
    /// person chooses it.
    fn conflict(
        &mut self,
        doc: &Document,
        old: &IndexEntry,
        location: Location,
        diffs: Vec<incasso_core::sources::FieldDiff>,
    ) -> Result<(), StoreError> {
        if self.open_conflicts.is_none() {
            let open = self
                .store
                .conflicts()?
                .into_iter()
                .filter(|c| c.status == ConflictStatus::Open)
                .collect();
            self.open_conflicts = Some(open);
        }
        let key = doc.key();
        if self
            .open_conflicts
            .iter()
            .flatten()
            .chain(&self.conflicts)
            .any(|c| c.document == key && c.diffs == diffs)
        {
            // The next day's export says it again: one conflict waits for a person, not one
            // per export (review 42a, B4).
            self.conflicted += 1;
            self.changes.push(format!(
                "{} {}: conflict already waiting for a person",
                doc.kind.code(),
                doc.number
            ));
            return Ok(());
        }
        let at = self.place(
            StoredDoc::from_document(doc, old.version + 1, self.import_id, location.clone()),
            &doc.creditor,
        )?;
        // Not current until a person chooses it.
        self.dead
            .entry((at.import, at.block))
            .or_default()
            .set(at.slot);
        self.conflicted += 1;
        let subject = format!("{} {}", doc.kind.code(), doc.number);
        let detail = diffs
            .iter()
            .map(|d| {
                format!(
                    "{} {} (stored) vs {} ({})",
                    d.field, d.stored, d.incoming, self.source.name
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        self.changes.push(format!("{subject}: conflict: {detail}"));
        self.audit("conflict-recorded", subject, detail)?;
        self.conflicts.push(Conflict {
            id: 0,
            document: doc.key(),
            number: doc.number.to_string(),
            diffs,
            stored_import: old.at.import,
            incoming_import: self.import_id,
            incoming_source: format!("{}, {}", self.source.name, location),
            incoming_at: at,
            status: ConflictStatus::Open,
        });
        Ok(())
    }

    /// Adds a document: new, unchanged, or a new version of a known one.
    pub fn add_document(&mut self, doc: &Document, location: Location) -> Result<(), StoreError> {
        self.writes(Writes::Documents)?;
        let dk = doc_key(&doc.key());
        let was_marked = !self.unconfirmed.is_empty() && self.unconfirmed.contains(&dk);
        if was_marked {
            if self.unlisted_marks.contains(&dk) {
                self.confirmed_alike.push(dk.clone());
            } else {
                self.confirmed.push(dk.clone());
            }
        }
        self.listed_alike = None;
        let fingerprint = StoredDoc::fingerprint(doc);
        let shard_no = shard_of(&dk);
        let shard = self.shard(shard_no)?;
        let found = shard
            .existing
            .binary_search_by(|e| e.key.as_slice().cmp(&dk))
            .ok();
        let Some(pos) = found else {
            self.new += 1;
            let at = self.place(
                StoredDoc::from_document(doc, 1, self.import_id, location),
                &doc.creditor,
            )?;
            let shard = self.shards.get_mut(&shard_no).expect("loaded");
            shard.added.push(IndexEntry {
                key: dk,
                at,
                version: 1,
                fingerprint,
            });
            shard.touched = true;
            return Ok(());
        };
        let old = shard.existing[pos].clone();
        let old_kind = self.store.source_kind(old.at.import)?;
        let other_kind = old_kind.is_some_and(|k| k != self.source.kind);
        if old.fingerprint == fingerprint {
            self.listed_alike = (!was_marked).then(|| key_hash(&dk));
            self.same_content(dk, location, other_kind);
            return Ok(());
        }
        let old_doc = self.old_version(old.at)?;
        let mut doc = Cow::Borrowed(doc);
        if !other_kind && self.omits.any() {
            let mut kept = doc.into_owned();
            let o = self.omits;
            if o.status {
                kept.status = old_doc.status;
            }
            if o.open {
                kept.source_open = old_doc.source_open;
            }
            if o.credited {
                kept.credited_invoice.clone_from(&old_doc.credited_invoice);
            }
            if o.reference {
                kept.payment_reference
                    .clone_from(&old_doc.payment_reference);
            }
            if o.description {
                kept.description.clone_from(&old_doc.description);
            }
            doc = Cow::Owned(kept);
        }
        // A file that gives no due date says nothing of it: one given or agreed before stands.
        if !other_kind && doc.due_assumed && !old_doc.due_assumed {
            let mut kept = doc.into_owned();
            kept.due_date = old_doc.due_date;
            kept.due_assumed = false;
            doc = Cow::Owned(kept);
        }
        if old_doc == *doc {
            self.listed_alike = (!was_marked).then(|| key_hash(&dk));
            self.same_content(dk, location, other_kind);
            return Ok(());
        }
        // Another kind of source: merge when it agrees, record a conflict when it does not. The
        // same kind: a new version, unless it would make a settled document owed again.
        let diffs = if other_kind {
            incasso_core::sources::disagreements(&old_doc, &doc)
        } else {
            incasso_core::sources::reopens(&old_doc, &doc)
        };
        if !diffs.is_empty() {
            return self.conflict(&doc, &old, location, diffs);
        }
        if other_kind {
            self.also_from
                .push((dk.clone(), self.import_id, location.clone()));
            let merged = if self.source.kind == SourceKind::Api {
                incasso_core::sources::merge_live(&old_doc, &doc)
            } else {
                incasso_core::sources::merge(&old_doc, &doc)
            };
            if merged == old_doc {
                self.merged += 1;
                return Ok(());
            }
            self.merged += 1;
            doc = Cow::Owned(merged);
        } else {
            self.changed += 1;
        }
        let doc: &Document = &doc;
        // A new version is news of the document: its mark goes, even one a cut list of every
        // open item left (the others' went above).
        if was_marked && self.unlisted_marks.contains(&dk) {
            self.confirmed.push(dk.clone());
        }
        // What the versions reported settled, and since which import.
        let since = crate::settled::settled_key(&dk);
        let stored = match self.store.kv.get(&since)? {
            Some(v) => crate::settled::decode(&since, &v),
            None => None,
        };
        if let Some(steps) =
            crate::settled::next_steps(stored, old.at.import, &old_doc, self.import_id, doc)
        {
            self.batch.insert(since, crate::settled::encode(&steps));
        }
        let fingerprint = StoredDoc::fingerprint(doc);
        let mut detail = describe_change(&old_doc, doc);
        if location == Location::NotListed {
            detail.push_str(&format!(" ({location})"));
        }
        let subject = format!("{} {}", doc.kind.code(), doc.number);
        self.changes.push(format!("{subject}: {detail}"));
        self.audit("document-changed", subject, detail)?;
        self.earlier.entry(shard_no).or_default().push(Earlier {
            key: dk.clone(),
            version: old.version,
            at: old.at,
        });
        self.dead
            .entry((old.at.import, old.at.block))
            .or_default()
            .set(old.at.slot);
        let at = self.place(
            StoredDoc::from_document(doc, old.version + 1, self.import_id, location),
            &doc.creditor,
        )?;
        let shard = self.shards.get_mut(&shard_no).expect("loaded");
        shard.existing[pos] = IndexEntry {
            key: dk,
            at,
            version: old.version + 1,
            fingerprint,
        };
        shard.touched = true;
        Ok(())
    }

    /// The index shard, loaded on first use.
    fn shard(&mut self, shard_no: u16) -> Result<&mut Shard, StoreError> {
        if !self.shards.contains_key(&shard_no) {
            let existing = self.store.load_shard(shard_no)?;
            self.shards.insert(
                shard_no,
                Shard {
                    existing,
                    added: Vec::new(),
                    touched: false,
                },
            );
        }
        Ok(self.shards.get_mut(&shard_no).expect("just loaded"))
    }

    /// The current stored version of a document (as of before this import), if any.
    pub fn current(&mut self, key: &DocumentKey) -> Result<Option<Document>, StoreError> {
        self.writes(Writes::Documents)?;
        let dk = doc_key(key);
        let shard = self.shard(shard_of(&dk))?;
        let Ok(pos) = shard
            .existing
            .binary_search_by(|e| e.key.as_slice().cmp(&dk))
        else {
            return Ok(None);
        };
        let at = shard.existing[pos].at;
        self.old_version(at).map(Some)
    }

    /// Writes a record of another kind (sync state) in this import's batch.
    pub(crate) fn put(&mut self, k: Vec<u8>, v: Vec<u8>) {
        self.batch.insert(k, v);
    }

    /// Records that this import read a list of every open item naming what `digest` digests, so
    /// the same list read again in other bytes is known ([`Store::listing_read`]).
    pub fn remember_listing(&mut self, digest: &[u8; 32]) {
        self.put(
            key(P_LISTING, digest),
            self.import_id.to_be_bytes().to_vec(),
        );
    }

    /// Removes a record of another kind (sync state) in this import's batch.
    pub(crate) fn remove(&mut self, k: Vec<u8>) {
        self.batch.remove(k);
    }

    /// Whether committing would change nothing but the import's own record.
    pub fn is_empty(&self) -> bool {
        self.new + self.changed + self.merged + self.conflicted == 0
            && self
                .finished
                .iter()
                .all(|r| r.new + r.changed + r.merged + r.conflicts + r.payments_new == 0)
            && self.debtors.is_empty()
            && self.payments.is_empty()
            && self.attachments.is_empty()
            && self.confirmed.is_empty()
            && (self.confirmed_alike.is_empty() || !self.lists_every_open_item)
            && self.mark.is_none()
            && self.unlisted.is_empty()
    }

    /// A document arrived exactly as stored: unchanged, or — told alike by another kind of
    /// source — merged, keeping that source in its provenance.
    fn same_content(&mut self, dk: Vec<u8>, location: Location, other_kind: bool) {
        if other_kind {
            self.also_from.push((dk, self.import_id, location));
            self.merged += 1;
        } else {
            self.unchanged += 1;
        }
    }

    /// Links an attachment (already stored by hash) to a document; known ones are not repeated.
    pub fn add_attachment(&mut self, doc: &DocumentKey, attachment: AttachmentRef) {
        self.attachments.push((doc.clone(), attachment));
    }

    /// Adds what the source says about a debtor; several mentions in one import are merged.
    pub fn add_debtor(&mut self, d: &Debtor) {
        let live = self.source.kind == SourceKind::Api;
        match self.debtors.get_mut(d.id.as_str()) {
            Some(known) if live => {
                known.update_from(d);
            }
            Some(known) => {
                known.fill_from(d);
            }
            None => {
                self.debtors.insert(d.id.as_str().to_string(), d.clone());
            }
        }
    }

    /// Makes everything visible in one atomic batch and flushes it to disk.
    pub fn commit(self) -> Result<ImportSummary, StoreError> {
        self.commit_with(true)
    }

    /// Like [`ImportTx::commit`], but leaves making it durable to a later [`Store::flush`]:
    /// for many small imports in a row. Each stays atomic; after a crash before the flush, the
    /// unflushed imports are simply absent, and importing again brings them in.
    pub fn commit_unflushed(self) -> Result<ImportSummary, StoreError> {
        self.commit_with(false)
    }

    fn commit_with(mut self, flush: bool) -> Result<ImportSummary, StoreError> {
        // Debtors and attachments are merged into what is stored only now.
        if !self.debtors.is_empty() || !self.attachments.is_empty() {
            self.writes(Writes::Documents)?;
        }
        let started = std::time::Instant::now();
        if self.segment.blocks.is_empty() && !self.block.is_empty() {
            // A small import: its only block goes into the sled batch, no segment file at all.
            let creditor = self
                .block_creditor
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default();
            let bytes = encode(&Block {
                creditor,
                docs: std::mem::take(&mut self.block),
            });
            self.batch
                .insert(inline_key(self.block_owner, 0), bytes.as_slice());
            self.segment.blocks.push(BlockMeta {
                offset: 0,
                len: bytes.len() as u32,
                checksum: checksum(&bytes),
                inline: true,
            });
        }
        self.write_block()?;
        self.segment.finish().map_err(|source| StoreError::Io {
            path: self.segment.path().to_path_buf(),
            source,
        })?;
        if !self.segment.blocks.is_empty() {
            self.batch
                .insert(blocks_key(self.block_owner), encode(&self.segment.blocks));
        }
        let mut touched: Vec<(u16, Shard)> = std::mem::take(&mut self.shards)
            .into_iter()
            .filter(|(_, shard)| shard.touched)
            .collect();
        touched.sort_unstable_by_key(|&(no, _)| no);
        for (no, bytes) in encode_shards(touched) {
            self.batch.insert(shard_key(no), bytes?);
        }
        for ((import, block), slots) in std::mem::take(&mut self.dead) {
            let k = dead_key(import, block);
            let mut all: DeadSlots = match self.store.kv.get(&k)? {
                Some(v) => decode(&k, &v)?,
                None => DeadSlots::default(),
            };
            for (w, bits) in slots.0.iter().enumerate() {
                if all.0.len() <= w {
                    all.0.resize(w + 1, 0);
                }
                all.0[w] |= bits;
            }
            self.batch.insert(k, encode(&all));
        }
        // Debtors live in shards like the index: a few hundred writes instead of one per debtor.
        let (mut debtors_new, mut debtors_updated) = (0u64, 0u64);
        let mut by_shard: std::collections::BTreeMap<u16, Vec<Debtor>> =
            std::collections::BTreeMap::new();
        for d in std::mem::take(&mut self.debtors).into_values() {
            by_shard
                .entry(shard_of(d.id.as_str().as_bytes()))
                .or_default()
                .push(d);
        }
        for (shard, mut incoming) in by_shard {
            incoming.sort_by(|a, b| a.id.cmp(&b.id));
            let bk = key(P_DEBTOR, &shard.to_be_bytes());
            let mut stored: Vec<Debtor> = match self.store.kv.get(&bk)? {
                Some(v) => decode(&bk, &v)?,
                None => Vec::new(),
            };
            let mut dirty = false;
            for d in incoming {
                match stored.binary_search_by(|s| s.id.cmp(&d.id)) {
                    Err(pos) => {
                        debtors_new += 1;
                        stored.insert(pos, d);
                        dirty = true;
                    }
                    Ok(pos) if self.source.kind == SourceKind::Api => {
                        // An accounting API is the live source of the books: its current master
                        // data (a renamed or moved debtor) wins over what a file or an earlier
                        // sync said, and the change is in the audit log.
                        let changes = stored[pos].update_from(&d);
                        if !changes.is_empty() {
                            debtors_updated += 1;
                            dirty = true;
                            self.audit(
                                "debtor-updated",
                                format!("debtor {}", d.id),
                                format!("{}: {}", self.source.name, changes.join("; ")),
                            )?;
                        }
                    }
                    Ok(pos) => {
                        let before = stored[pos].clone();
                        let differs = stored[pos].fill_from(&d);
                        if !differs.is_empty() {
                            let detail = format!(
                                "source disagrees on {}; stored values kept",
                                differs.join(", ")
                            );
                            self.changes.push(format!("debtor {}: {detail}", d.id));
                            self.audit("debtor-differs", format!("debtor {}", d.id), detail)?;
                        }
                        if stored[pos] != before {
                            debtors_updated += 1;
                            dirty = true;
                        }
                    }
                }
            }
            if dirty {
                self.batch.insert(bk, encode(&stored));
            }
        }
        for (doc, a) in std::mem::take(&mut self.attachments) {
            let k = key(P_ATTACH, &doc_key(&doc));
            let mut list: Vec<AttachmentRef> = match self.store.kv.get(&k)? {
                Some(v) => json_decode(&k, &v)?,
                None => Vec::new(),
            };
            if !list.iter().any(|x| x.hash == a.hash) {
                list.push(a);
                self.batch.insert(k, json_encode(&list));
            }
        }
        for (dk, import, location) in std::mem::take(&mut self.also_from) {
            let k = key(P_ALSO, &dk);
            let mut list: Vec<(u64, Location)> = match self.store.kv.get(&k)? {
                Some(v) => json_decode(&k, &v)?,
                None => Vec::new(),
            };
            list.push((import, location));
            self.batch.insert(k, json_encode(&list));
        }
        let mut conflict_seq = self.store.last_seq(P_CONFLICT)?;
        for mut c in std::mem::take(&mut self.conflicts) {
            conflict_seq += 1;
            c.id = conflict_seq;
            self.batch.insert(
                key(P_CONFLICT, &conflict_seq.to_be_bytes()),
                json_encode(&c),
            );
        }
        let mark = self.mark.take().map(|m| crate::unconfirmed::mark(&m));
        let alike = std::mem::take(&mut self.confirmed_alike);
        if self.lists_every_open_item {
            self.confirmed.extend(alike);
        }
        for dk in std::mem::take(&mut self.confirmed) {
            let k = crate::unconfirmed::mark_key(&dk);
            if mark.as_ref().is_none_or(|(m, _)| *m != k) {
                self.batch.remove(k);
            }
        }
        if let Some((k, v)) = mark {
            self.batch.insert(k, v);
        }
        for u in std::mem::take(&mut self.unlisted) {
            let (k, v) = crate::unconfirmed::mark(&u);
            self.batch.insert(k, v);
        }
        self.payments.settle(self.store)?;
        self.payments.finish(self.block_owner, &mut self.batch)?;
        for (shard_no, list) in std::mem::take(&mut self.earlier) {
            self.batch
                .insert(history_key(shard_no, self.import_id), encode(&list));
        }
        self.flush_audit()?;
        let record = self.current_record();
        for r in self.finished.iter().chain(std::iter::once(&record)) {
            self.batch
                .insert(key(P_IMPORT, &r.id.to_be_bytes()), json_encode(r));
            self.batch.insert(
                key(P_HASH, r.source.content_hash.as_bytes()),
                r.id.to_be_bytes(),
            );
        }
        for gate in self.store.import_gates() {
            gate().map_err(StoreError::SourceChanged)?;
        }
        let prepared = started.elapsed();
        self.store.kv.apply(std::mem::take(&mut self.batch))?;
        let applied = started.elapsed();
        if flush {
            self.store.kv.flush()?;
        }
        for r in self.finished.iter().chain(std::iter::once(&record)) {
            self.store.remember_kind(r.id, r.source.kind);
        }
        self.store
            .remember_lines(&self.payments.records, &self.payments.loose);
        tracing::info!(
            import = self.import_id,
            prepare_s = prepared.as_secs_f64(),
            apply_s = (applied - prepared).as_secs_f64(),
            flush_s = (started.elapsed() - applied).as_secs_f64(),
            "import committed"
        );
        self.committed = true;
        Ok(ImportSummary {
            record,
            earlier: std::mem::take(&mut self.finished),
            debtors_new,
            debtors_updated,
            changes: std::mem::take(&mut self.changes),
        })
    }
}

impl ImportTx<'_> {
    fn current_record(&self) -> ImportRecord {
        ImportRecord {
            id: self.import_id,
            source: self.source.clone(),
            imported_at: self.imported_at,
            new: self.new,
            changed: self.changed,
            unchanged: self.unchanged,
            merged: self.merged,
            conflicts: self.conflicted,
            payments_new: self.payments.new - self.payments_before.0,
            payments_repeated: self.payments.repeated - self.payments_before.1,
            reader: self.reader,
            profile: self.profile.clone(),
        }
    }

    /// Marks a document this import read as unconfirmed: read from the last row of a file that
    /// ends without a line end (see [`crate::Unconfirmed`]); held from claims until another
    /// import lists it.
    /// Gives whether it marked it.
    pub fn mark_unconfirmed(&mut self, mark: crate::Unconfirmed) -> bool {
        // The last document added, as an earlier import stored it without a mark: that import
        // listed it whole (review 43c, F-6), unless an amount ends the row, which a cut may
        // have made what the earlier export gave (`500` to `50`: review 43d, F-1).
        if !mark.amount_cut && self.listed_alike == Some(key_hash(&doc_key(&mark.document))) {
            return false;
        }
        self.mark = Some(crate::Unconfirmed {
            import: self.import_id,
            source: self.source.name.clone(),
            ..mark
        });
        true
    }

    /// Says that this import is a whole list of every open item (not cut short): the documents
    /// a cut list left out that it lists as stored are confirmed open.
    pub fn lists_every_open_item(&mut self) {
        self.lists_every_open_item = true;
    }

    /// Marks a stored document unconfirmed that a list of every open item leaves out, where the
    /// list may have been cut short (its file ends without a line end, inside a row that may be
    /// cut): neither settled nor claimed until another import lists it, or a whole list leaves it
    /// out (see [`crate::Unconfirmed::unlisted`]).
    pub fn hold_unlisted(&mut self, mark: crate::Unconfirmed) {
        self.unlisted.push(crate::Unconfirmed {
            import: self.import_id,
            source: self.source.name.clone(),
            unlisted: true,
            ..mark
        });
    }

    /// Records which revision of its reader read this import's file (see
    /// [`ImportRecord::reader`]).
    pub fn read_by(&mut self, revision: u32) {
        self.reader = revision;
    }

    /// Records the digest of the mapping profile this import's file was read with (see
    /// [`ImportRecord::profile`]).
    pub fn read_with_profile(&mut self, digest: Option<String>) {
        self.profile = digest;
    }

    /// Closes the current source and continues the same transaction with another source of the
    /// same kind (many small files committed together: each keeps its own import record and
    /// provenance, and all of them become visible at once). Returns the closed source's record.
    pub fn next_source(&mut self, source: Source) -> Result<ImportRecord, StoreError> {
        if source.kind != self.source.kind {
            return Err(StoreError::Conflict(format!(
                "one import transaction takes sources of one kind; {} is {} but the transaction reads {}",
                source.name, source.kind, self.source.kind
            )));
        }
        self.payments.settle(self.store)?;
        let done = self.current_record();
        self.finished.push(done.clone());
        self.payments_before = (self.payments.new, self.payments.repeated);
        self.import_id = self.store.next_import_id()?;
        self.source = source;
        (
            self.new,
            self.changed,
            self.unchanged,
            self.merged,
            self.conflicted,
        ) = (0, 0, 0, 0, 0);
        Ok(done)
    }

    /// Whether a source with these bytes is already part of this transaction.
    pub fn has_source(&self, content_hash: &str) -> bool {
        self.source.content_hash == content_hash
            || self
                .finished
                .iter()
                .any(|r| r.source.content_hash == content_hash)
    }
}

impl Drop for ImportTx<'_> {
    fn drop(&mut self) {
        for w in [Writes::Documents, Writes::Payments] {
            if self.holds[w as usize] {
                self.store.release_writer(w);
            }
        }
        if !self.committed {
            // Best effort: the next open or import removes the orphan in any case.
            let _ = std::fs::remove_file(self.segment.path());
            let _ = std::fs::remove_file(self.payments.path());
        }
    }
}

/// One line naming each field that differs, with old and new values.
/// A document key's 64-bit hash, to remember one without copying it.
fn key_hash(dk: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    dk.hash(&mut h);
    h.finish()
}

fn describe_change(old: &Document, new: &Document) -> String {
    let parts: Vec<String> = incasso_core::sources::differences(old, new)
        .into_iter()
        .map(|d| format!("{} {} -> {}", d.field, d.stored, d.incoming))
        .collect();
    if parts.is_empty() {
        "no visible change".to_string()
    } else {
        parts.join("; ")
    }
}

/// Each touched shard's index, its added entries merged into the stored ones in key order, and
/// encoded; in shard order, on all cores (a 1M-document import sorts and encodes 1M entries here).
/// A document added twice refuses the import.
fn encode_shards(touched: Vec<(u16, Shard)>) -> Vec<(u16, Result<Vec<u8>, StoreError>)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = touched.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<(u16, Shard)>> = Vec::new();
    let mut rest = touched.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(per).collect());
    }
    let encode_chunk = |chunk: Vec<(u16, Shard)>| -> Vec<(u16, Result<Vec<u8>, StoreError>)> {
        chunk
            .into_iter()
            .map(|(no, shard)| (no, merged(shard).map(|entries| encode(&entries))))
            .collect()
    };
    let mut chunks = chunks.into_iter();
    let first = chunks.next();
    std::thread::scope(|scope| {
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || encode_chunk(chunk)))
            .collect();
        let mut out = first.map(encode_chunk).unwrap_or_default();
        for h in others {
            out.extend(h.join().expect("a shard encoder does not panic"));
        }
        out
    })
}

/// A shard's stored entries (in key order) and the ones this import adds, in key order.
fn merged(shard: Shard) -> Result<Vec<IndexEntry>, StoreError> {
    let Shard {
        existing,
        mut added,
        ..
    } = shard;
    added.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    let mut entries = Vec::with_capacity(existing.len() + added.len());
    let (mut old, mut new) = (
        existing.into_iter().peekable(),
        added.into_iter().peekable(),
    );
    loop {
        let take_old = match (old.peek(), new.peek()) {
            (Some(o), Some(n)) => o.key <= n.key,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_old { old.next() } else { new.next() };
        entries.extend(next);
    }
    if let Some(w) = entries.windows(2).find(|w| w[0].key == w[1].key) {
        let what = crate::parse_doc_key(&w[0].key)
            .map_or_else(String::new, |k| format!(" {} {}", k.kind.code(), k.number));
        return Err(StoreError::Refused(format!(
            "the document{what} is in this import twice"
        )));
    }
    Ok(entries)
}

/// Lists of every open item read (`incasso import --complete`), by the digest of what they name:
/// the import that read each.
pub(crate) const P_LISTING: u8 = b'w';

impl Store {
    /// The import that read a list of every open item naming what `digest` digests, if any.
    pub fn listing_read(&self, digest: &[u8; 32]) -> Result<Option<u64>, StoreError> {
        let k = key(P_LISTING, digest);
        Ok(match self.kv.get(&k)? {
            Some(v) => Some(u64::from_be_bytes(
                v.as_ref()
                    .try_into()
                    .map_err(|_| corrupt(&k, "import id is not 8 bytes"))?,
            )),
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, import: u64) -> IndexEntry {
        IndexEntry {
            key: format!("c\0invoice\0{key}").into_bytes(),
            at: SlotRef {
                import,
                block: 0,
                slot: 0,
            },
            version: 1,
            fingerprint: 0,
        }
    }

    fn keys(entries: &[IndexEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| {
                String::from_utf8_lossy(&e.key)
                    .rsplit('\0')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    fn shard(existing: &[&str], added: &[&str]) -> Shard {
        Shard {
            existing: existing.iter().map(|k| entry(k, 1)).collect(),
            added: added.iter().map(|k| entry(k, 2)).collect(),
            touched: true,
        }
    }

    #[test]
    fn added_entries_are_merged_into_the_stored_ones_in_key_order() {
        let all = merged(shard(&["A", "C", "E"], &["F", "B", "D", "0"])).unwrap();
        assert_eq!(keys(&all), ["0", "A", "B", "C", "D", "E", "F"]);
        assert_eq!(all[1].at.import, 1);
        assert_eq!(all[2].at.import, 2);
        assert_eq!(keys(&merged(shard(&[], &["B", "A"])).unwrap()), ["A", "B"]);
        assert_eq!(keys(&merged(shard(&["A"], &[])).unwrap()), ["A"]);
    }

    #[test]
    fn a_document_added_twice_refuses_the_import() {
        for s in [shard(&["A", "B"], &["B"]), shard(&[], &["C", "A", "C"])] {
            let e = merged(s).unwrap_err();
            assert!(e.to_string().contains("in this import twice"), "{e}");
        }
    }

    #[test]
    fn shards_come_back_encoded_in_their_order() {
        let touched: Vec<(u16, Shard)> = (0..9u16)
            .map(|no| (no * 3, shard(&["A"], &[&format!("N{no}")])))
            .collect();
        let out = encode_shards(touched);
        let nos: Vec<u16> = out.iter().map(|(no, _)| *no).collect();
        assert_eq!(nos, (0..9u16).map(|no| no * 3).collect::<Vec<_>>());
        for (no, bytes) in out {
            let entries: Vec<IndexEntry> = decode(b"t", &bytes.unwrap()).unwrap();
            assert_eq!(keys(&entries), ["A".to_string(), format!("N{}", no / 3)]);
        }
    }
}
