//! The claims preview kept in the store: what a claims read worked out for a date, rules, rate
//! tables and build from the store's inputs, so the next read with nothing new prints it instead
//! of judging every overdue item again. One file, `claims.bin`, written whole and renamed into
//! place: its key (the engine's: date, rules, rates, build, and the store's [`claims_inputs`]
//! marker), then two sections, each with its length, BLAKE3 checksum and bytes: the preview,
//! and what a report shows of it (so that a report reads a few kilobytes, not every claim and
//! held item). Both bodies are the engine's; the store only keeps them. A file torn by a crash,
//! damaged, or kept under another key counts as absent.
//!
//! [`claims_inputs`]: Store::claims_inputs

use crate::kept_file::{forget, open_keyed, section_bytes, skip_section, KeptWriter};
use crate::{Store, StoreError, P_PLAN, P_REMINDER};

const FILE: &str = "claims.bin";
const MAGIC: &[u8; 8] = b"INCCLM03";
/// The longest key written.
const KEY_MAX: usize = 64 * 1024;

impl Store {
    /// A marker of everything a claims preview reads from the store: the reconciliation's
    /// inputs (documents, debtors, payments, attachments, conflicts resolved, decisions by hand),
    /// letters and payment plans. Equal markers mean the same inputs.
    pub fn claims_inputs(&self) -> Result<String, StoreError> {
        Ok(format!(
            "{}-r{}-p{}-{}",
            self.reconciliation_inputs()?,
            self.last_seq(P_REMINDER)?,
            self.kv.scan_prefix(&[P_PLAN]).count(),
            self.records_digest(
                &[P_REMINDER],
                &[P_PLAN, crate::P_CONFLICT, crate::unconfirmed::P_UNCONFIRMED]
            )?,
        ))
    }

    /// Keeps a claims preview under `key`, in place of the one kept before: `preview` writes its
    /// bytes straight into the file (at a million invoices some 100 MB, not held in memory
    /// first), `shown` what a report shows of it. Gives how many bytes they took, packed.
    pub fn keep_claims(
        &self,
        key: &str,
        preview: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
        shown: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<u64, StoreError> {
        if key.len() > KEY_MAX {
            return Err(StoreError::Refused("the claims key is too long".into()));
        }
        let mut w = KeptWriter::create(&self.dir.join(FILE), MAGIC, key, &[])?;
        let len = w.section(|out| preview(out))? + w.section(|out| shown(out))?;
        w.finish()?;
        Ok(len)
    }

    /// Forgets the kept claims (the next claims read works them out again).
    pub fn forget_claims(&self) -> Result<(), StoreError> {
        forget(self.dir.join(FILE))
    }

    /// The bytes of the preview kept under exactly `key`; `None` when there are none, or they
    /// are damaged.
    pub fn kept_claims(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.dir.join(FILE);
        Ok(open_keyed(&path, MAGIC, key)?.and_then(|mut f| section_bytes(&path, &mut f)))
    }

    /// The bytes of what a report shows of the preview kept under exactly `key`, without
    /// reading the preview; `None` when there are none, or they are damaged.
    pub fn kept_claims_shown(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.dir.join(FILE);
        Ok(open_keyed(&path, MAGIC, key)?.and_then(|mut f| {
            skip_section(&mut f)?;
            section_bytes(&path, &mut f)
        }))
    }
}
