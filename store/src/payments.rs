//! Bank lines in the store: written in blocks by the import transaction (a `.pay` file beside
//! the import's segment, or inline in sled when small), each stored once however many
//! statements repeat it, and the decisions people make about them.
//!
//! A line is a repeat when its id (the bank's own reference) or its fingerprint (account, date,
//! amount, counterparty and occurrence) is already stored: the first catches the same statement
//! read twice, the second the same line in a camt and in a CSV export.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use incasso_core::matching::ManualDecision;
use incasso_core::model::{Location, Payment, PaymentKind, Provenance, Source};
use incasso_core::money::{Currency, Money};
use serde::{Deserialize, Serialize};

use crate::codec::{corrupt, decode, encode, Amount};
use crate::kv::Batch;
use crate::segments::{checksum, read_block, verify, BlockMeta, SegmentWriter};
use crate::{
    json_decode, json_encode, key, segment_corrupt, AuditEntry, Store, StoreError, P_AUDIT,
};

pub(crate) const P_PAYMENT_BLOCKS: u8 = b'y';
pub(crate) const P_PAYMENT_INLINE: u8 = b'Y';
pub(crate) const P_MANUAL: u8 = b'd';
/// Where an import's line keys are (a block of its `.pay` file, or inline): the id key and the
/// fingerprint of each line it stored, 16 bytes each, so the repeat check loads 32 bytes a line
/// instead of decoding every stored line. Imports written before have none; their lines are
/// decoded.
pub(crate) const P_PAYMENT_KEYS: u8 = b'z';
/// A small import's line keys, kept in sled itself.
pub(crate) const P_PAYMENT_KEYS_INLINE: u8 = b'Z';
/// Lines per block: big enough for few sled writes, small enough to stream.
const BLOCK_LINES: usize = 65_536;

/// Ids and fingerprints of bank lines: BLAKE3 digests, uniform already, so the quickest hash
/// does.
pub(crate) type LineKeys = rustc_hash::FxHashSet<u128>;

/// A 128-bit key of an id or fingerprint, for the repeat check.
pub(crate) fn line_key(text: &str) -> u128 {
    u128::from_le_bytes(
        blake3::hash(text.as_bytes()).as_bytes()[..16]
            .try_into()
            .expect("16 bytes"),
    )
}

fn currency_code(c: Currency) -> [u8; 3] {
    let mut out = *b"EUR";
    out.copy_from_slice(&c.as_str().as_bytes()[..3]);
    out
}

/// A bank line as stored.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredPayment {
    id: String,
    fingerprint: u128,
    import_id: u64,
    location: Location,
    date: i32,
    amount: Amount,
    currency: [u8; 3],
    kind: PaymentKind,
    account: Option<String>,
    counterparty_name: Option<String>,
    counterparty_account: Option<String>,
    remittance: Option<String>,
    structured_reference: Option<String>,
    end_to_end_id: Option<String>,
}

impl StoredPayment {
    /// Its id key and fingerprint: what the repeat check knows it by.
    pub(crate) fn keys(&self) -> [u128; 2] {
        [line_key(&self.id), self.fingerprint]
    }

    fn into_payment(self, k: &[u8], source: Arc<Source>) -> Result<Payment, StoreError> {
        let currency = Currency::parse(std::str::from_utf8(&self.currency).unwrap_or(""))
            .map_err(|e| corrupt(k, &e.to_string()))?;
        Ok(Payment {
            id: self.id,
            date: NaiveDate::from_epoch_days(self.date)
                .ok_or_else(|| corrupt(k, "date out of range"))?,
            amount: Money::new(self.amount.to_decimal(k)?, currency),
            kind: self.kind,
            account: self.account,
            counterparty_name: self.counterparty_name,
            counterparty_account: self.counterparty_account,
            remittance: self.remittance,
            structured_reference: self.structured_reference,
            end_to_end_id: self.end_to_end_id,
            provenance: Provenance {
                source,
                location: self.location,
            },
        })
    }
}

/// The payment side of an import transaction.
pub(crate) struct PaymentWriter {
    file: SegmentWriter,
    block: Vec<StoredPayment>,
    /// Keys of the lines added in this transaction (the stored ones are the store's).
    pub known: LineKeys,
    /// The same keys in the order the lines were stored, as [`P_PAYMENT_KEYS`] keeps them.
    keys: Vec<u8>,
    pub new: u64,
    pub repeated: u64,
}

/// The `.pay` file of an import.
pub(crate) fn payments_path(dir: &Path, import: u64) -> PathBuf {
    dir.join(format!("{import:020}.pay"))
}

fn blocks_key(import: u64) -> Vec<u8> {
    key(P_PAYMENT_BLOCKS, &import.to_be_bytes())
}

fn inline_key(import: u64) -> Vec<u8> {
    key(P_PAYMENT_INLINE, &import.to_be_bytes())
}

impl PaymentWriter {
    pub fn new(dir: &Path, import: u64) -> PaymentWriter {
        PaymentWriter {
            file: SegmentWriter::new(payments_path(dir, import)),
            block: Vec::new(),
            known: LineKeys::default(),
            keys: Vec::new(),
            new: 0,
            repeated: 0,
        }
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Adds a line unless it is stored already (or earlier in this transaction); true when new.
    pub fn add(
        &mut self,
        store: &Store,
        import_id: u64,
        p: Payment,
        fingerprint: u128,
        earlier: Option<u128>,
    ) -> Result<bool, StoreError> {
        let id_key = line_key(&p.id);
        let stored = match earlier {
            Some(e) => store.payment_known(&[id_key, fingerprint, e])?,
            None => store.payment_known(&[id_key, fingerprint])?,
        };
        if self.known.contains(&id_key) || self.known.contains(&fingerprint) || stored {
            self.repeated += 1;
            return Ok(false);
        }
        self.known.insert(id_key);
        self.known.insert(fingerprint);
        self.keys.extend_from_slice(&id_key.to_le_bytes());
        self.keys.extend_from_slice(&fingerprint.to_le_bytes());
        self.new += 1;
        self.block.push(StoredPayment {
            fingerprint,
            import_id,
            date: p.date.to_epoch_days(),
            amount: p.amount.amount().into(),
            currency: currency_code(p.amount.currency()),
            kind: p.kind,
            id: p.id,
            location: p.provenance.location,
            account: p.account,
            counterparty_name: p.counterparty_name,
            counterparty_account: p.counterparty_account,
            remittance: p.remittance,
            structured_reference: p.structured_reference,
            end_to_end_id: p.end_to_end_id,
        });
        if self.block.len() == BLOCK_LINES {
            self.write_block()?;
        }
        Ok(true)
    }

    fn write_block(&mut self) -> Result<(), StoreError> {
        if self.block.is_empty() {
            return Ok(());
        }
        let bytes = encode(&std::mem::take(&mut self.block));
        self.file.append(&bytes).map_err(|source| StoreError::Io {
            path: self.file.path().to_path_buf(),
            source,
        })
    }

    /// Writes what is left and adds the block table (and a small import's only block) to the batch.
    pub fn finish(&mut self, owner: u64, batch: &mut Batch) -> Result<(), StoreError> {
        if self.file.blocks.is_empty() && !self.block.is_empty() {
            let bytes = encode(&std::mem::take(&mut self.block));
            batch.insert(inline_key(owner), bytes.as_slice());
            self.file.blocks.push(BlockMeta {
                offset: 0,
                len: bytes.len() as u32,
                checksum: checksum(&bytes),
                inline: true,
            });
        }
        self.write_block()?;
        let keys = std::mem::take(&mut self.keys);
        // Past u32 bytes (134 million lines in one import) a block cannot say its length: the
        // lines are then decoded instead, as for imports written before keys were kept.
        if let Ok(len) = u32::try_from(keys.len()) {
            if len > 0 && !self.file.blocks.is_empty() {
                let meta = if self.file.blocks.iter().all(|b| b.inline) {
                    batch.insert(
                        key(P_PAYMENT_KEYS_INLINE, &owner.to_be_bytes()),
                        keys.as_slice(),
                    );
                    BlockMeta {
                        offset: 0,
                        len,
                        checksum: checksum(&keys),
                        inline: true,
                    }
                } else {
                    self.file.append(&keys).map_err(|source| StoreError::Io {
                        path: self.file.path().to_path_buf(),
                        source,
                    })?;
                    self.file.blocks.pop().expect("just appended")
                };
                batch.insert(key(P_PAYMENT_KEYS, &owner.to_be_bytes()), encode(&meta));
            }
        }
        self.file.finish().map_err(|source| StoreError::Io {
            path: self.file.path().to_path_buf(),
            source,
        })?;
        if !self.file.blocks.is_empty() {
            batch.insert(blocks_key(owner), encode(&self.file.blocks));
        }
        Ok(())
    }
}

/// A manual decision as stored, with when it was made.
#[derive(Serialize, Deserialize)]
struct StoredDecision {
    at: DateTime<Utc>,
    decision: ManualDecision,
}

impl Store {
    /// Every stored block of bank lines, decoded one at a time, in import order.
    pub(crate) fn each_payment_block(
        &self,
        f: &mut dyn FnMut(u64, Vec<StoredPayment>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for owner in self.payment_owners() {
            let (owner, metas) = owner?;
            self.blocks_of(owner, &metas, f)?;
        }
        Ok(())
    }

    /// Each import that stored lines, with the table of its blocks.
    fn payment_owners(
        &self,
    ) -> impl Iterator<Item = Result<(u64, Vec<BlockMeta>), StoreError>> + '_ {
        self.kv.scan_prefix(&[P_PAYMENT_BLOCKS]).map(|kv| {
            let (k, v) = kv?;
            let owner = u64::from_be_bytes(
                k[1..]
                    .try_into()
                    .map_err(|_| corrupt(&k, "key is not 8 bytes"))?,
            );
            Ok((owner, decode(&k, &v)?))
        })
    }

    /// One import's blocks of lines, decoded one at a time.
    fn blocks_of(
        &self,
        owner: u64,
        metas: &[BlockMeta],
        f: &mut dyn FnMut(u64, Vec<StoredPayment>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let path = payments_path(&self.segments, owner);
        for meta in metas {
            let bytes = self.payment_block(owner, meta, inline_key(owner))?;
            f(owner, decode(path.to_string_lossy().as_bytes(), &bytes)?)?;
        }
        Ok(())
    }

    /// The bytes of one block of an import's `.pay` file, or kept inline under `inline`.
    fn payment_block(
        &self,
        owner: u64,
        meta: &BlockMeta,
        inline: Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        if meta.inline {
            let v = self
                .kv
                .get(&inline)?
                .ok_or_else(|| corrupt(&inline, "inline block is missing"))?;
            verify(&v, meta).map_err(|e| corrupt(&inline, &e))?;
            Ok(v.to_vec())
        } else {
            let path = payments_path(&self.segments, owner);
            read_block(&path, meta).map_err(|e| segment_corrupt(&path, &e))
        }
    }

    /// Whether any of these ids or fingerprints is stored; the keys are loaded once per open
    /// store and kept up to date by every commit, so many small imports stay cheap.
    pub(crate) fn payment_known(&self, keys: &[u128]) -> Result<bool, StoreError> {
        let mut guard = self.payment_keys.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.payment_keys()?);
        }
        let known = guard.as_ref().expect("loaded");
        Ok(keys.iter().any(|k| known.contains(k)))
    }

    /// Adds the keys of committed lines to the loaded set.
    pub(crate) fn remember_payment_keys(&self, keys: &LineKeys) {
        let mut guard = self.payment_keys.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = guard.as_mut() {
            known.extend(keys.iter().copied());
        }
    }

    /// The ids and fingerprints of every stored line, for the repeat check.
    pub(crate) fn payment_keys(&self) -> Result<LineKeys, StoreError> {
        let mut keys = LineKeys::default();
        for owner in self.payment_owners() {
            let (owner, metas) = owner?;
            let at = key(P_PAYMENT_KEYS, &owner.to_be_bytes());
            match self.kv.get(&at)? {
                Some(meta) => {
                    let meta: BlockMeta = decode(&at, &meta)?;
                    let inline = key(P_PAYMENT_KEYS_INLINE, &owner.to_be_bytes());
                    let bytes = self.payment_block(owner, &meta, inline)?;
                    keys.reserve(bytes.len() / 16);
                    keys.extend(
                        bytes
                            .chunks_exact(16)
                            .map(|k| u128::from_le_bytes(k.try_into().expect("16 bytes"))),
                    );
                }
                None => self.blocks_of(owner, &metas, &mut |_, block| {
                    keys.extend(block.iter().flat_map(StoredPayment::keys));
                    Ok(())
                })?,
            }
        }
        Ok(keys)
    }

    /// Whether a bank line with this id is stored (a decision names one), without building
    /// every line.
    pub fn has_payment(&self, id: &str) -> Result<bool, StoreError> {
        let mut found = false;
        self.each_payment_block(&mut |_, block| {
            found = found || block.iter().any(|p| p.id == id);
            Ok(())
        })?;
        Ok(found)
    }

    /// Every stored bank line with its provenance, in import and file order.
    pub fn payments(&self) -> Result<Vec<Payment>, StoreError> {
        self.payments_of(&[
            PaymentKind::Incoming,
            PaymentKind::Outgoing,
            PaymentKind::Reversal,
        ])
    }

    /// The stored bank lines of some kinds (matching needs money in and reversals, not the
    /// supplier payments a business account is full of), in import and file order.
    pub fn payments_of(&self, kinds: &[PaymentKind]) -> Result<Vec<Payment>, StoreError> {
        let imports = self.imports()?;
        // Room for every line stored, of any kind, at once: growing the list step by step
        // writes each line again into fresh memory, and room never written costs none.
        // A damaged count only costs the room: none is taken when it cannot be had.
        let stored = imports
            .iter()
            .fold(0u64, |n, r| n.saturating_add(r.payments_new));
        let mut out = Vec::new();
        let _ = out.try_reserve(usize::try_from(stored).unwrap_or(0));
        let sources: BTreeMap<u64, Arc<Source>> = imports
            .into_iter()
            .map(|r| (r.id, Arc::new(r.source)))
            .collect();
        self.each_payment_block(&mut |owner, block| {
            let k = payments_path(&self.segments, owner);
            let k = k.to_string_lossy();
            for p in block.into_iter().filter(|p| kinds.contains(&p.kind)) {
                let src = sources
                    .get(&p.import_id)
                    .cloned()
                    .ok_or_else(|| corrupt(k.as_bytes(), "line of an unknown import"))?;
                out.push(p.into_payment(k.as_bytes(), src)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Records a decision about a payment (audited with who made it, `by`); it applies on every
    /// later run.
    pub fn add_decision(
        &self,
        decision: &ManualDecision,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        let seq = self.last_seq(P_MANUAL)? + 1;
        let audit_seq = self.audit_seqs(1)?;
        let (action, subject, detail) = match decision {
            ManualDecision::Allocate {
                payment,
                document,
                amount,
            } => (
                "allocate",
                format!("payment {payment}"),
                format!(
                    "to {} {}{}",
                    document.kind.code(),
                    document.number,
                    amount.map(|a| format!(", amount {a}")).unwrap_or_default()
                ),
            ),
            ManualDecision::Unallocate { payment, document } => (
                "unallocate",
                format!("payment {payment}"),
                match document {
                    Some(d) => format!("not to {} {}", d.kind.code(), d.number),
                    None => "not to any document".to_string(),
                },
            ),
        };
        let mut batch = Batch::default();
        batch.insert(
            key(P_MANUAL, &seq.to_be_bytes()),
            json_encode(&StoredDecision {
                at,
                decision: decision.clone(),
            }),
        );
        batch.insert(
            key(P_AUDIT, &audit_seq.to_be_bytes()),
            json_encode(&AuditEntry {
                seq: audit_seq,
                at,
                import_id: None,
                action: action.into(),
                subject,
                detail: format!("{detail}; by {by}"),
            }),
        );
        self.kv.apply(batch)?;
        self.kv.flush()?;
        Ok(())
    }

    /// Every decision made by hand, oldest first.
    pub fn decisions(&self) -> Result<Vec<ManualDecision>, StoreError> {
        self.kv
            .scan_prefix(&[P_MANUAL])
            .map(|kv| {
                let (k, v) = kv?;
                json_decode::<StoredDecision>(&k, &v).map(|d| d.decision)
            })
            .collect()
    }
}
