//! The claims preview kept in the store: what a claims read worked out for a date, rules, rate
//! tables and build from the store's inputs, so the next read with nothing new prints it instead
//! of judging every overdue item again. One file, `claims.bin`, written whole and renamed into
//! place: its key (the engine's: date, rules, rates, build, and the store's [`claims_inputs`]
//! marker), then the body's length, BLAKE3 checksum and bytes. The body is the engine's; the
//! store only keeps it. A file torn by a crash, damaged, or kept under another key counts as
//! absent.
//!
//! [`claims_inputs`]: Store::claims_inputs

use std::fs::File;
use std::io::{Read, Write};

use crate::reconciliation::open_keyed;
use crate::{Store, StoreError, P_PLAN, P_REMINDER};

const FILE: &str = "claims.bin";
const MAGIC: &[u8; 8] = b"INCCLM01";
/// The longest key written or read (a damaged length asks for no more).
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
            self.records_digest(&[P_REMINDER], &[P_PLAN])?,
        ))
    }

    /// Keeps a claims preview's bytes under `key`, in place of the one kept before.
    pub fn keep_claims(&self, key: &str, body: &[u8]) -> Result<(), StoreError> {
        let path = self.dir.join(FILE);
        let tmp = self.dir.join(format!("{FILE}.tmp"));
        let len = u32::try_from(key.len())
            .ok()
            .filter(|&l| l as usize <= KEY_MAX)
            .ok_or_else(|| StoreError::Refused("the claims key is too long".into()))?;
        let io = |source| StoreError::Io {
            path: tmp.clone(),
            source,
        };
        let mut f = std::io::BufWriter::new(File::create(&tmp).map_err(io)?);
        f.write_all(MAGIC).map_err(io)?;
        f.write_all(&len.to_le_bytes()).map_err(io)?;
        f.write_all(key.as_bytes()).map_err(io)?;
        f.write_all(&(body.len() as u64).to_le_bytes())
            .map_err(io)?;
        f.write_all(blake3::hash(body).as_bytes()).map_err(io)?;
        f.write_all(body).map_err(io)?;
        f.flush().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|source| StoreError::Io { path, source })
    }

    /// Forgets the kept claims (the next claims read works them out again).
    pub fn forget_claims(&self) -> Result<(), StoreError> {
        let path = self.dir.join(FILE);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// The bytes kept under exactly `key`; `None` when there are none, or they are damaged.
    pub fn kept_claims(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.dir.join(FILE);
        let Some(mut f) = open_keyed(&path, MAGIC, key)? else {
            return Ok(None);
        };
        let size = f
            .metadata()
            .map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        let mut len = [0u8; 8];
        let mut sum = [0u8; 32];
        if f.read_exact(&mut len).is_err() || f.read_exact(&mut sum).is_err() {
            return Ok(None);
        }
        // A damaged length must not ask for more memory than the file holds.
        let len = u64::from_le_bytes(len);
        if len > size {
            return Ok(None);
        }
        let mut body = vec![0u8; len as usize];
        if f.read_exact(&mut body).is_err() {
            return Ok(None);
        }
        if blake3::hash(&body).as_bytes() != &sum {
            tracing::warn!("{}: damaged, worked out again", path.display());
            return Ok(None);
        }
        Ok(Some(body))
    }
}
