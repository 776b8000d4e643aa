//! The reconciliation kept in the store: what reconciling and matching made of a set of inputs
//! (documents, debtors, payments, decisions by hand, the as-of date, the matching rules), so a
//! read with nothing new reads it back instead of matching again. One file, `reconciled.bin`,
//! written whole and renamed into place. It starts with the key of the inputs it was worked out
//! from and is used for exactly those inputs only; its body carries a BLAKE3 checksum, so a file
//! torn by a crash or damaged on disk counts as absent and is worked out again.

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;

use incasso_core::matching::Matching;
use incasso_core::reconcile::Reconciliation;
use serde::{Deserialize, Serialize};

use crate::codec::encode;
use crate::{payments, Store, StoreError, P_IMPORT};

const FILE: &str = "reconciled.bin";
const MAGIC: &[u8; 8] = b"INCREC01";

#[derive(Serialize)]
struct KeptRef<'a> {
    rec: &'a Reconciliation,
    matching: &'a Matching,
}

#[derive(Deserialize)]
struct Kept {
    rec: Reconciliation,
    matching: Matching,
}

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

    /// The reconciliation kept for exactly the inputs `key` names, if there is one.
    pub fn kept_reconciliation(
        &self,
        key: &str,
    ) -> Result<Option<(Reconciliation, Matching)>, StoreError> {
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
        let mut stored = vec![0u8; len];
        if f.read_exact(&mut stored).is_err() || stored != key.as_bytes() {
            return Ok(None);
        }
        let mut sum = [0u8; 32];
        let mut body = Vec::new();
        if f.read_exact(&mut sum).is_err() {
            return Ok(None);
        }
        f.read_to_end(&mut body).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        if blake3::hash(&body).as_bytes() != &sum {
            tracing::warn!("{}: damaged, worked out again", path.display());
            return Ok(None);
        }
        match postcard::from_bytes::<Kept>(&body) {
            Ok(k) => Ok(Some((k.rec, k.matching))),
            Err(e) => {
                tracing::warn!("{}: unreadable, worked out again: {e}", path.display());
                Ok(None)
            }
        }
    }

    /// Keeps a reconciliation for the inputs `key` names, in place of the one kept before.
    pub fn keep_reconciliation(
        &self,
        key: &str,
        rec: &Reconciliation,
        matching: &Matching,
    ) -> Result<(), StoreError> {
        let body = encode(&KeptRef { rec, matching });
        let path = self.kept_path();
        let tmp = self.dir.join(format!("{FILE}.tmp"));
        let io = |source| StoreError::Io {
            path: tmp.clone(),
            source,
        };
        let mut f = File::create(&tmp).map_err(io)?;
        f.write_all(MAGIC).map_err(io)?;
        let len = u32::try_from(key.len())
            .map_err(|_| StoreError::Refused("the reconciliation key is too long".into()))?;
        f.write_all(&len.to_le_bytes()).map_err(io)?;
        f.write_all(key.as_bytes()).map_err(io)?;
        f.write_all(blake3::hash(&body).as_bytes()).map_err(io)?;
        f.write_all(&body).map_err(io)?;
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
