//! The agency's store of received claims (sled): every accepted claim with its revisions, which
//! creditor owns each claim id, the answer given to each Idempotency-Key, and the signatures
//! seen. A batch's accepted claims and its answer are written in one atomic batch and flushed
//! before the answer leaves, so an answer never names a claim that a crash could lose.

use std::path::Path;

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

/// The agency's store.
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

fn decode<T: for<'a> Deserialize<'a>>(v: &[u8]) -> Result<T, sled::Error> {
    serde_json::from_slice(v)
        .map_err(|e| sled::Error::Unsupported(format!("unreadable record: {e}")))
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("plain records serialise")
}

/// Whether opening the store failed because another process (a running server) holds it.
pub fn in_use(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io)
        if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock"))
}

/// What one batch writes.
#[derive(Default)]
pub struct Write {
    batch: sled::Batch,
}

impl Write {
    /// Stores an accepted claim; claim ids are the creditor's own, so two creditors may use one.
    pub fn claim(&mut self, c: &StoredClaim) {
        self.batch
            .insert(key(P_CLAIM, &[&c.creditor, &c.claim.claim_id]), encode(c));
    }

    /// Stores the answer to an Idempotency-Key.
    pub fn answer(&mut self, creditor: &str, idempotency_key: &str, a: &StoredAnswer) {
        self.batch
            .insert(key(P_IDEM, &[creditor, idempotency_key]), encode(a));
    }
}

impl Received {
    /// Opens (creating) the store in a data directory.
    pub fn open(dir: &Path) -> Result<Received, sled::Error> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new()
            .path(dir.join("intake.sled"))
            .mode(sled::Mode::HighThroughput)
            .flush_every_ms(None)
            .open()?;
        let tree = db.open_tree("received")?;
        Ok(Received { db, tree })
    }

    /// The claim a creditor sent under an id.
    pub fn claim(
        &self,
        creditor: &str,
        claim_id: &str,
    ) -> Result<Option<StoredClaim>, sled::Error> {
        self.tree
            .get(key(P_CLAIM, &[creditor, claim_id]))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// The answer given to an Idempotency-Key of a creditor.
    pub fn answer(
        &self,
        creditor: &str,
        idempotency_key: &str,
    ) -> Result<Option<StoredAnswer>, sled::Error> {
        self.tree
            .get(key(P_IDEM, &[creditor, idempotency_key]))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Records a signature; false when it was seen before (a replay). Old ones are forgotten.
    pub fn first_use_of_signature(&self, signature: &str, now: i64) -> Result<bool, sled::Error> {
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

    /// Applies a batch's writes atomically and makes them durable.
    pub async fn commit(&self, w: Write) -> Result<(), sled::Error> {
        self.tree.apply_batch(w.batch)?;
        self.db.flush_async().await?;
        Ok(())
    }

    /// Every stored claim, by creditor and claim id.
    pub fn all(&self) -> Result<Vec<StoredClaim>, sled::Error> {
        self.tree
            .scan_prefix([P_CLAIM])
            .map(|kv| kv.and_then(|(_, v)| decode(&v)))
            .collect()
    }
}
