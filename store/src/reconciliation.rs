//! The reconciliation kept in the store: what reconciling and matching made of a set of inputs
//! (documents, debtors, payments, decisions by hand) as of a date under the matching rules, so a
//! read with nothing new reads it back instead of matching again; a read after an import or a
//! decision matches again and keeps the new one in its place. One file, `reconciled.bin`, written
//! whole and renamed into place. It starts with the key of the date, rules and build it was
//! worked out for, and the marker of the store's inputs it was worked out from. Then five
//! sections, each with its length and BLAKE3 checksum: the open amounts and notes of every
//! document (what the claims weigh with the ledger), the allocations (which `incasso
//! allocations` lists; the claims and the report skip them unread), the money waiting: the
//! payments with money not applied or a match in review, their outcomes and the review (what
//! the claims and the report need besides), the documents left open with their open amounts
//! (all ageing and the open items list read, `open_documents.rs`), and last what became of
//! each payment (encoded on the other core while the rest is written). Each read takes only the sections it needs, in order: one of those cut
//! short by a crash or damaged on disk counts as absent for that read, which works out again
//! what it needed (a listing of open items then reads every document until the inputs change).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use incasso_core::matching::{Matching, Waiting};
use incasso_core::model::{Allocation, LedgerDocument};
use incasso_core::reconcile::{OpenAmounts, Reconciliation};
use serde::Deserialize;

use crate::kept_file::{forget, open_keyed, section_bytes, skip_section, KeptWriter};
use crate::open_documents::{self, OpenDocuments};
use crate::{payments, Store, StoreError, P_CONFLICT, P_IMPORT};

const FILE: &str = "reconciled.bin";
const MAGIC: &[u8; 8] = b"INCREC09";
/// The sections before the documents left open: open amounts and notes, allocations, the money
/// waiting.
const BEFORE_OPEN_DOCUMENTS: usize = 3;
/// The longest inputs marker written or read (a damaged length asks for no more).
const INPUTS_MAX: usize = 4096;

/// A reconciliation kept in the store for a date, rules and build, worked out from exactly the
/// store's inputs as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Open amounts, notes and allocations.
    pub rec: Reconciliation,
    /// The money received and not applied, with the review.
    pub waiting: Waiting,
    /// What became of each payment.
    pub matching: Matching,
}

/// What [`Store::keep_reconciliation`] keeps: a reconciliation and the ledger it was worked out
/// from.
#[derive(Clone, Copy)]
pub struct ToKeep<'a> {
    /// The documents, in the order the open amounts follow.
    pub docs: &'a [LedgerDocument],
    /// Open amounts, notes and allocations.
    pub rec: &'a Reconciliation,
    /// The money received and not applied, with the review.
    pub waiting: &'a Waiting,
    /// What became of each payment.
    pub matching: &'a Matching,
}

/// A kept file opened for a date, rules and build, to be read later without the store: what is
/// read is the file as it was opened, even when another is written in its place meanwhile.
pub struct KeptFile {
    file: File,
    inputs: String,
    path: PathBuf,
}

impl KeptFile {
    /// The reconciliation in it, as [`Store::kept_reconciliation`] gives it for `inputs`
    /// (`None` when it was worked out from other inputs). What became of each payment is
    /// decoded on another thread meanwhile: at a million invoices each half takes most of a
    /// second.
    pub fn read(mut self, inputs: &str) -> Option<Kept> {
        if self.inputs != inputs {
            return None;
        }
        let (p, f) = (&self.path, &mut self.file);
        let amounts = section_bytes(p, f)?;
        let allocations = section_bytes(p, f)?;
        let waiting = section_bytes(p, f)?;
        skip_section(f)?;
        let matching = section_bytes(p, f)?;
        std::thread::scope(|scope| {
            let matching = scope.spawn(|| decoded::<Matching>(p, &matching));
            let rec = Reconciliation::from_parts(
                decoded::<Vec<Allocation>>(p, &allocations)?,
                decoded::<OpenAmounts>(p, &amounts)?,
            );
            // Decoded before the outcomes are joined, so that this thread is not idle meanwhile.
            let waiting = decoded(p, &waiting)?;
            let matching = matching.join().ok()??;
            Some(Kept {
                rec,
                waiting,
                matching,
            })
        })
    }
}

/// Reads the next section of the kept file at `path` (length, BLAKE3 checksum, postcard body);
/// `None` when it is cut short, damaged or unreadable.
fn section<T: for<'de> Deserialize<'de>>(path: &Path, f: &mut File) -> Option<T> {
    decoded(path, &section_bytes(path, f)?)
}

/// A section's body decoded; `None`, with a warning, when it is unreadable.
fn decoded<T: for<'de> Deserialize<'de>>(path: &Path, body: &[u8]) -> Option<T> {
    postcard::from_bytes(body)
        .map_err(|e| tracing::warn!("{}: unreadable, worked out again: {e}", path.display()))
        .ok()
}

impl Store {
    /// A marker of everything reconciliation and matching read from the store: imports (documents,
    /// debtors, payments), conflicts resolved, decisions by hand. Equal markers mean the same
    /// inputs. Events recorded in the audit log (a nightly run, a sync's summary) change none of
    /// them, so they leave what was kept for these inputs in force.
    pub fn reconciliation_inputs(&self) -> Result<String, StoreError> {
        Ok(format!(
            "i{}-d{}-{}",
            self.last_seq(P_IMPORT)?,
            self.last_seq(payments::P_MANUAL)?,
            self.records_digest(&[P_IMPORT, payments::P_MANUAL], &[P_CONFLICT])?,
        ))
    }

    /// A digest of the last record under each prefix of `last_of` and of every record under each
    /// of `whole` (conflicts, whose status a resolution changes in place; plans): with the counts
    /// beside it, a store put back from a backup and written to again differently does not come
    /// back to a marker it had before.
    pub(crate) fn records_digest(
        &self,
        last_of: &[u8],
        whole: &[u8],
    ) -> Result<String, StoreError> {
        let mut h = blake3::Hasher::new();
        for &p in last_of {
            if let Some((k, v)) = self.kv.last(&[p])? {
                h.update(&k);
                h.update(&v);
            }
            h.update(&[0xff]);
        }
        for &p in whole {
            for kv in self.kv.scan_prefix(&[p]) {
                let (k, v) = kv?;
                h.update(&k);
                h.update(&v);
            }
            h.update(&[0xff]);
        }
        Ok(h.finalize().to_hex()[..16].to_string())
    }

    fn kept_path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Opens the kept file when it was worked out for `key` (date, rules, build), with the
    /// marker of the inputs it was worked out from.
    fn kept_file(&self, key: &str) -> Result<Option<(File, String)>, StoreError> {
        let Some(mut f) = open_keyed(&self.kept_path(), MAGIC, key)? else {
            return Ok(None);
        };
        let mut len = [0u8; 4];
        if f.read_exact(&mut len).is_err() {
            return Ok(None);
        }
        let len = u32::from_le_bytes(len) as usize;
        if len > INPUTS_MAX {
            return Ok(None);
        }
        let mut inputs = vec![0u8; len];
        if f.read_exact(&mut inputs).is_err() {
            return Ok(None);
        }
        Ok(String::from_utf8(inputs).ok().map(|inputs| (f, inputs)))
    }

    /// Reads the next section of the kept file.
    fn section<T: for<'de> Deserialize<'de>>(&self, f: &mut File) -> Option<T> {
        section(&self.kept_path(), f)
    }

    /// The kept file for `key` (date, rules, build), opened to be read later without the store.
    pub fn open_kept(&self, key: &str) -> Result<Option<KeptFile>, StoreError> {
        Ok(self.kept_file(key)?.map(|(file, inputs)| KeptFile {
            file,
            inputs,
            path: self.kept_path(),
        }))
    }

    /// The reconciliation kept for `key` (date, rules, build) for exactly the inputs `inputs`
    /// names; `None` when there is none.
    pub fn kept_reconciliation(&self, key: &str, inputs: &str) -> Result<Option<Kept>, StoreError> {
        Ok(self.open_kept(key)?.and_then(|k| k.read(inputs)))
    }

    /// Whether the reconciliation kept for `key` was worked out from exactly the inputs `inputs`
    /// names (only the file's head is read).
    pub fn kept_is_for(&self, key: &str, inputs: &str) -> Result<bool, StoreError> {
        Ok(self.kept_for(key, inputs)?.is_some())
    }

    /// The kept file for `key`, when it was worked out from exactly the inputs `inputs` names.
    fn kept_for(&self, key: &str, inputs: &str) -> Result<Option<File>, StoreError> {
        Ok(self
            .kept_file(key)?
            .and_then(|(f, then)| (then == inputs).then_some(f)))
    }

    /// What `read` reads of the kept file for `key`, when it was worked out from exactly the
    /// inputs `inputs` names; `None` when there is none, or `read` finds a section cut short or
    /// damaged (each reader below takes the sections it needs and passes over the others).
    fn read_kept<T>(
        &self,
        key: &str,
        inputs: &str,
        read: impl FnOnce(&mut File) -> Option<T>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.kept_for(key, inputs)?.and_then(|mut f| read(&mut f)))
    }

    /// Only the open amounts and notes kept for `key` and exactly the inputs `inputs` names
    /// (what letters and plans need beside the documents), without reading the allocations or
    /// what became of each payment.
    pub fn kept_open_items(
        &self,
        key: &str,
        inputs: &str,
    ) -> Result<Option<OpenAmounts>, StoreError> {
        self.read_kept(key, inputs, |f| self.section(f))
    }

    /// The allocations kept for `key` and exactly the inputs `inputs` names (what `incasso
    /// allocations` lists), without reading anything else.
    pub fn kept_allocations(
        &self,
        key: &str,
        inputs: &str,
    ) -> Result<Option<Vec<Allocation>>, StoreError> {
        self.read_kept(key, inputs, |f| {
            skip_section(f)?;
            self.section(f)
        })
    }

    /// The open amounts and notes kept for `key` and exactly the inputs `inputs` names, with
    /// the money waiting (what the claims and the report need), without reading the
    /// allocations or what became of every other payment.
    pub fn kept_receivables(
        &self,
        key: &str,
        inputs: &str,
    ) -> Result<Option<(OpenAmounts, Waiting)>, StoreError> {
        self.read_kept(key, inputs, |f| self.amounts_and_waiting(f))
    }

    /// The first section (open amounts and notes) and, past the allocations, the third (the
    /// money waiting); `None` when either cannot be read.
    fn amounts_and_waiting(&self, f: &mut File) -> Option<(OpenAmounts, Waiting)> {
        let amounts = self.section::<OpenAmounts>(f)?;
        skip_section(f)?;
        Some((amounts, self.section::<Waiting>(f)?))
    }

    /// The documents left open, with their open amounts, kept for `key` and exactly the inputs
    /// `inputs` names (all a listing of open items needs), without reading anything else.
    pub fn kept_open_documents(
        &self,
        key: &str,
        inputs: &str,
    ) -> Result<Option<OpenDocuments>, StoreError> {
        self.read_kept(key, inputs, |f| {
            for _ in 0..BEFORE_OPEN_DOCUMENTS {
                skip_section(f)?;
            }
            self.open_documents(f)
        })
    }

    /// The notes, the money waiting and the documents left open kept for `key` and exactly the
    /// inputs `inputs` names (what the report needs when its claims are kept), without reading
    /// the allocations, what became of every payment or the documents settled.
    pub fn kept_open_receivables(
        &self,
        key: &str,
        inputs: &str,
    ) -> Result<Option<(OpenAmounts, Waiting, OpenDocuments)>, StoreError> {
        self.read_kept(key, inputs, |f| {
            let (amounts, waiting) = self.amounts_and_waiting(f)?;
            Some((amounts, waiting, self.open_documents(f)?))
        })
    }

    /// Reads the section of the documents left open; `None`, with a warning, when it is
    /// damaged or unreadable.
    fn open_documents(&self, f: &mut File) -> Option<OpenDocuments> {
        let path = self.kept_path();
        let body = section_bytes(&path, f)?;
        open_documents::decode(path.to_string_lossy().as_bytes(), &body)
            .map_err(|e| tracing::warn!("{}: unreadable, worked out again: {e}", path.display()))
            .ok()
    }

    /// Keeps a reconciliation worked out for `key` from the inputs `inputs` names, in place of
    /// the one kept before.
    pub fn keep_reconciliation(
        &self,
        key: &str,
        inputs: &str,
        kept: ToKeep<'_>,
    ) -> Result<(), StoreError> {
        let ToKeep {
            docs,
            rec,
            waiting,
            matching,
        } = kept;
        let inputs_len = u32::try_from(inputs.len())
            .ok()
            .filter(|&l| l as usize <= INPUTS_MAX)
            .ok_or_else(|| {
                StoreError::Refused("the reconciliation inputs marker is too long".into())
            })?;
        let mut w = KeptWriter::create(
            &self.kept_path(),
            MAGIC,
            key,
            &[&inputs_len.to_le_bytes(), inputs.as_bytes()],
        )?;
        // The matching's outcomes on one core, the rest on the other: at a million invoices
        // each side takes about as long.
        w.side_by_side(
            |w| {
                w.encoded(&rec.open_amounts())?;
                w.encoded(&rec.allocations)?;
                w.encoded(waiting)?;
                w.encoded(&open_documents::Writing::new(docs, &rec.open))
            },
            |w| w.encoded(matching),
        )?;
        w.finish()
    }

    /// Forgets the kept reconciliation (the next read works it out again).
    pub fn forget_reconciliation(&self) -> Result<(), StoreError> {
        forget(self.kept_path())
    }
}
