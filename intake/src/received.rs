//! The agency's store of received claims: every accepted claim with its revisions, which
//! creditor owns each claim id, the answer given to each Idempotency-Key, and the signatures
//! seen. A batch's accepted claims and its answer are written in one atomic batch and made
//! durable before the answer leaves, so an answer never names a claim that a crash could lose.
//!
//! The server talks to [`ClaimStore`]; [`Received`] keeps it in sled, the embedded default.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::schema::{Claim, ClaimEvent, ClaimState, ClaimStatus, Withdrawal};

const P_CLAIM: u8 = b'c';
const P_IDEM: u8 = b'i';
const P_SIG: u8 = b's';

/// A claim as the agency keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredClaim {
    /// The creditor that sent it.
    pub creditor: String,
    /// When the latest revision was accepted.
    pub accepted_at: DateTime<Utc>,
    /// The batch that brought the latest revision.
    pub batch_id: String,
    /// The latest revision as sent.
    pub claim: Claim,
    /// Earlier revisions: (revision, accepted at, batch).
    pub history: Vec<(u32, DateTime<Utc>, String)>,
    /// Every withdrawal accepted, oldest first; the claim is withdrawn while the last one's
    /// revision is above the claim's.
    #[serde(default)]
    pub withdrawals: Vec<Withdrawn>,
}

/// A withdrawal as the agency keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawn {
    /// What the creditor sent.
    pub withdrawal: Withdrawal,
    /// When it was accepted.
    pub at: DateTime<Utc>,
    /// The batch that brought it.
    pub batch_id: String,
}

impl StoredClaim {
    /// The withdrawal in force, when the claim is withdrawn.
    pub fn withdrawn(&self) -> Option<&Withdrawn> {
        self.withdrawals
            .last()
            .filter(|w| w.withdrawal.revision > self.claim.revision)
    }

    /// The highest revision the agency holds: the claim's or a later withdrawal's.
    pub fn latest_revision(&self) -> u32 {
        self.withdrawals
            .last()
            .map_or(0, |w| w.withdrawal.revision)
            .max(self.claim.revision)
    }

    /// The claim's life: every revision and withdrawal, in revision order.
    pub fn events(&self) -> Vec<ClaimEvent> {
        let mut out: Vec<ClaimEvent> = self
            .history
            .iter()
            .map(|(revision, at, batch)| (*revision, *at, batch.clone()))
            .chain(std::iter::once((
                self.claim.revision,
                self.accepted_at,
                self.batch_id.clone(),
            )))
            .enumerate()
            .map(|(i, (revision, at, batch_id))| ClaimEvent {
                revision,
                event: if i == 0 { "new" } else { "update" }.into(),
                at,
                batch_id,
            })
            .collect();
        out.extend(self.withdrawals.iter().map(|w| ClaimEvent {
            revision: w.withdrawal.revision,
            event: "withdrawn".into(),
            at: w.at,
            batch_id: w.batch_id.clone(),
        }));
        out.sort_by_key(|e| e.revision);
        out
    }

    /// The status answer for `GET /claims/{id}`.
    pub fn status(&self) -> ClaimStatus {
        ClaimStatus {
            claim_id: self.claim.claim_id.clone(),
            status: if self.withdrawn().is_some() {
                ClaimState::Withdrawn
            } else {
                ClaimState::Open
            },
            withdrawal: self.withdrawn().map(|w| w.withdrawal.clone()),
            history: self.events(),
            revision: self.claim.revision,
            accepted_at: self.accepted_at,
            batch_id: self.batch_id.clone(),
            total: self.claim.total,
            currency: self.claim.currency.clone(),
        }
    }
}

/// The stored answer to an Idempotency-Key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    /// BLAKE3 of the request body, hex.
    pub body_hash: String,
    /// HTTP status given.
    pub status: u16,
    /// Body given.
    pub body: String,
}

/// What went wrong with the store of received claims.
#[derive(Debug, thiserror::Error)]
pub enum ReceivedError {
    /// Another process (a running `incasso intake serve`) holds the store.
    #[error("the intake store in {0} is in use by a running `incasso intake serve`: export through GET /export with the admin token, or stop the server first")]
    InUse(PathBuf),
    /// The directory has no intake store.
    #[error("{0} holds no intake store: name the directory `incasso intake serve` was started with (--data-dir)")]
    Missing(PathBuf),
    /// The directory is a creditor's ledger.
    #[error("{0} is a creditor's ledger, not an agency's intake store: name the directory `incasso intake serve` was started with (--data-dir)")]
    Ledger(PathBuf),
    /// A record could not be read back.
    #[error("unreadable record: {0}")]
    Unreadable(String),
    /// The storage below failed.
    #[error("{0}")]
    Storage(String),
}

impl From<sled::Error> for ReceivedError {
    fn from(e: sled::Error) -> Self {
        ReceivedError::Storage(e.to_string())
    }
}

/// A future that makes a batch's writes durable.
pub type Committing<'a> = Pin<Box<dyn Future<Output = Result<(), ReceivedError>> + Send + 'a>>;

/// What the intake server needs of a store of received claims.
pub trait ClaimStore: Send + Sync {
    /// The claim a creditor sent under an id.
    fn claim(&self, creditor: &str, claim_id: &str) -> Result<Option<StoredClaim>, ReceivedError>;
    /// The answer given to an Idempotency-Key of a creditor.
    fn answer(
        &self,
        creditor: &str,
        idempotency_key: &str,
    ) -> Result<Option<StoredAnswer>, ReceivedError>;
    /// Records a signature; false when it was seen before (a replay). Old ones are forgotten.
    fn first_use_of_signature(&self, signature: &str, now: i64) -> Result<bool, ReceivedError>;
    /// Applies a batch's writes atomically and makes them durable.
    fn commit(&self, w: Write) -> Committing<'_>;
    /// Every stored claim, by creditor and claim id.
    fn all(&self) -> Result<Vec<StoredClaim>, ReceivedError>;
}

/// What one batch writes: its accepted claims and its answer.
#[derive(Default)]
pub struct Write {
    claims: Vec<StoredClaim>,
    answers: Vec<(String, String, StoredAnswer)>,
}

impl Write {
    /// Stores an accepted claim; claim ids are the creditor's own, so two creditors may use one.
    pub fn claim(&mut self, c: &StoredClaim) {
        self.claims.push(c.clone());
    }

    /// Stores the answer to an Idempotency-Key.
    pub fn answer(&mut self, creditor: &str, idempotency_key: &str, a: &StoredAnswer) {
        self.answers
            .push((creditor.to_string(), idempotency_key.to_string(), a.clone()));
    }
}

/// The store of received claims in sled, in `DATA_DIR/intake.sled`.
pub struct Received {
    db: sled::Db,
    tree: sled::Tree,
}

fn key(prefix: u8, parts: &[&str]) -> Vec<u8> {
    let mut k = vec![prefix];
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            k.push(0);
        }
        k.extend_from_slice(p.as_bytes());
    }
    k
}

fn decode<T: for<'a> Deserialize<'a>>(v: &[u8]) -> Result<T, ReceivedError> {
    serde_json::from_slice(v).map_err(|e| ReceivedError::Unreadable(e.to_string()))
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("plain records serialise")
}

impl Received {
    /// Opens (creating) the store in a data directory.
    pub fn open(dir: &Path) -> Result<Received, ReceivedError> {
        std::fs::create_dir_all(dir).map_err(|e| ReceivedError::Storage(e.to_string()))?;
        let db = sled::Config::new()
            .path(dir.join("intake.sled"))
            .mode(sled::Mode::HighThroughput)
            .flush_every_ms(None)
            .open()
            .map_err(|e| match e {
                // sled reports a store another process holds as a failed lock on its file.
                sled::Error::Io(io)
                    if io.kind() == std::io::ErrorKind::WouldBlock
                        || io.to_string().contains("lock") =>
                {
                    ReceivedError::InUse(dir.to_path_buf())
                }
                e => e.into(),
            })?;
        let tree = db.open_tree("received")?;
        Ok(Received { db, tree })
    }

    /// Opens a store that must exist already (an export never creates one).
    pub fn open_existing(dir: &Path) -> Result<Received, ReceivedError> {
        if !dir.join("intake.sled").is_dir() {
            return Err(if dir.join("ledger.sled").is_dir() {
                ReceivedError::Ledger(dir.to_path_buf())
            } else {
                ReceivedError::Missing(dir.to_path_buf())
            });
        }
        Received::open(dir)
    }
}

impl ClaimStore for Received {
    fn claim(&self, creditor: &str, claim_id: &str) -> Result<Option<StoredClaim>, ReceivedError> {
        self.tree
            .get(key(P_CLAIM, &[creditor, claim_id]))?
            .map(|v| decode(&v))
            .transpose()
    }

    fn answer(
        &self,
        creditor: &str,
        idempotency_key: &str,
    ) -> Result<Option<StoredAnswer>, ReceivedError> {
        self.tree
            .get(key(P_IDEM, &[creditor, idempotency_key]))?
            .map(|v| decode(&v))
            .transpose()
    }

    fn first_use_of_signature(&self, signature: &str, now: i64) -> Result<bool, ReceivedError> {
        let k = key(P_SIG, &[signature]);
        let fresh = self
            .tree
            .compare_and_swap(&k, None::<&[u8]>, Some(&now.to_be_bytes()[..]))?
            .is_ok();
        if fresh && now % 64 == 0 {
            let horizon = now - 2 * crate::auth::SIGNATURE_WINDOW_SECS;
            for kv in self.tree.scan_prefix([P_SIG]) {
                let (k, v) = kv?;
                let at = i64::from_be_bytes(v.as_ref().try_into().unwrap_or([0; 8]));
                if at < horizon {
                    self.tree.remove(k)?;
                }
            }
        }
        Ok(fresh)
    }

    fn commit(&self, w: Write) -> Committing<'_> {
        Box::pin(async move {
            let mut batch = sled::Batch::default();
            for c in &w.claims {
                batch.insert(key(P_CLAIM, &[&c.creditor, &c.claim.claim_id]), encode(c));
            }
            for (creditor, idem, a) in &w.answers {
                batch.insert(key(P_IDEM, &[creditor, idem]), encode(a));
            }
            self.tree.apply_batch(batch)?;
            self.db.flush_async().await?;
            Ok(())
        })
    }

    fn all(&self) -> Result<Vec<StoredClaim>, ReceivedError> {
        self.tree
            .scan_prefix([P_CLAIM])
            .map(|kv| {
                kv.map_err(ReceivedError::from)
                    .and_then(|(_, v)| decode(&v))
            })
            .collect()
    }
}
