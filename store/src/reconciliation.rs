//! The reconciliation kept in the store: what reconciling and matching made of a set of inputs
//! (documents, debtors, payments, decisions by hand, the as-of date, the matching rules), so a
//! read with nothing new reads it back instead of matching again. One file, `reconciled.bin`,
//! written whole and renamed into place. It starts with the key of the inputs it was worked out
//! from and is used for exactly those inputs only. Then two sections, each with its length and
//! BLAKE3 checksum: the open amounts and allocations (all ageing and receivables need), and what
//! became of each payment. A file torn by a crash or damaged on disk counts as absent and is
//! worked out again.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use incasso_core::matching::Matching;
use incasso_core::reconcile::Reconciliation;
use serde::Deserialize;

use crate::codec::encode;
use crate::{payments, Store, StoreError, P_IMPORT};

const FILE: &str = "reconciled.bin";
const MAGIC: &[u8; 8] = b"INCREC02";

impl Store {
    /// A marker of everything reconciliation and matching read from the store: imports (documents,
    /// debtors, payments), audited changes (a conflict resolved), decisions by hand. Equal
    /// markers mean the same inputs.
    pub fn reconciliation_inputs(&self) -> Result<String, StoreError> {
        Ok(format!(
            "i{}-a{}-d{}",
            self.last_seq(P_IMPORT)?,
            self.last_audit_seq()?,
            self.last_seq(payments::P_MANUAL)?,
        ))
    }

    fn kept_path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Opens the kept file when it was worked out from exactly the inputs `key` names.
    fn kept_file(&self, key: &str) -> Result<Option<File>, StoreError> {
        let path = self.kept_path();
        let mut f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let mut head = [0u8; 12];
        if f.read_exact(&mut head).is_err() || &head[..8] != MAGIC {
            return Ok(None);
        }
        let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
        // A damaged length must not ask for more memory than the file could hold.
        if len != key.len() {
            return Ok(None);
        }
        let mut stored = vec![0u8; len];
        if f.read_exact(&mut stored).is_err() || stored != key.as_bytes() {
            return Ok(None);
        }
        Ok(Some(f))
    }

    /// Reads the next section (length, BLAKE3 checksum, postcard body); `None` when it is cut
    /// short, damaged or unreadable.
    fn section<T: for<'de> Deserialize<'de>>(&self, f: &mut File) -> Option<T> {
        let mut len = [0u8; 8];
        let mut sum = [0u8; 32];
        f.read_exact(&mut len).ok()?;
        f.read_exact(&mut sum).ok()?;
        let len = u64::from_le_bytes(len);
        // A damaged length must not ask for more memory than the file holds.
        let left = f
            .metadata()
            .ok()?
            .len()
            .saturating_sub(f.stream_position().ok()?);
        if len > left {
            return None;
        }
        let mut body = vec![0u8; usize::try_from(len).ok()?];
        f.read_exact(&mut body).ok()?;
        if blake3::hash(&body).as_bytes() != &sum {
            tracing::warn!("{}: damaged, worked out again", self.kept_path().display());
            return None;
        }
        postcard::from_bytes(&body)
            .map_err(|e| {
                tracing::warn!(
                    "{}: unreadable, worked out again: {e}",
                    self.kept_path().display()
                )
            })
            .ok()
    }

    /// The reconciliation kept for exactly the inputs `key` names, if there is one.
    pub fn kept_reconciliation(
        &self,
        key: &str,
    ) -> Result<Option<(Reconciliation, Matching)>, StoreError> {
        let Some(mut f) = self.kept_file(key)? else {
            return Ok(None);
        };
        let Some(rec) = self.section::<Reconciliation>(&mut f) else {
            return Ok(None);
        };
        Ok(self.section::<Matching>(&mut f).map(|m| (rec, m)))
    }

    /// Only the open amounts and allocations kept for the inputs `key` names (what ageing and
    /// receivables need), without reading what became of each payment.
    pub fn kept_open_items(&self, key: &str) -> Result<Option<Reconciliation>, StoreError> {
        let Some(mut f) = self.kept_file(key)? else {
            return Ok(None);
        };
        Ok(self.section::<Reconciliation>(&mut f))
    }

    /// Keeps a reconciliation for the inputs `key` names, in place of the one kept before.
    pub fn keep_reconciliation(
        &self,
        key: &str,
        rec: &Reconciliation,
        matching: &Matching,
    ) -> Result<(), StoreError> {
        let path = self.kept_path();
        let tmp = self.dir.join(format!("{FILE}.tmp"));
        let io = |source| StoreError::Io {
            path: tmp.clone(),
            source,
        };
        let len = u32::try_from(key.len())
            .map_err(|_| StoreError::Refused("the reconciliation key is too long".into()))?;
        let mut f = std::io::BufWriter::new(File::create(&tmp).map_err(io)?);
        f.write_all(MAGIC).map_err(io)?;
        f.write_all(&len.to_le_bytes()).map_err(io)?;
        f.write_all(key.as_bytes()).map_err(io)?;
        for body in [encode(rec), encode(matching)] {
            f.write_all(&(body.len() as u64).to_le_bytes())
                .map_err(io)?;
            f.write_all(blake3::hash(&body).as_bytes()).map_err(io)?;
            f.write_all(&body).map_err(io)?;
        }
        f.flush().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|source| StoreError::Io { path, source })
    }

    /// Forgets the kept reconciliation (the next read works it out again).
    pub fn forget_reconciliation(&self) -> Result<(), StoreError> {
        let path = self.kept_path();
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }
}
