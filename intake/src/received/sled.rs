//! The store of received claims in sled (`DATA_DIR/intake.sled`), the embedded default for one
//! server instance. Writes are serialised by one lock, so the change feed's numbers follow
//! commit order; each write is one atomic sled batch, flushed before the answer leaves.
//!
//! A claim's body is stored once. The change that brought a revision does not copy it while it
//! is the claim's latest: the claim's record holds it, and the feed takes it from there (`P_BODY`
//! names which change the record's body belongs to). When a later revision is accepted, the
//! body it replaces is written into its change, in the same write. Changes stored before this
//! was so hold their bodies already. At a million invoices this halved what the store writes.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    change_of, status_change, take_status, ClaimStore, Decide, Event, Fut, Incoming, Processed,
    ReceivedError, StatusRecorded, StoredAnswer, StoredClaim,
};
use crate::schema::{Change, StatusUpdate};

const P_CLAIM: u8 = b'c';
const P_IDEM: u8 = b'i';
const P_SIG: u8 = b's';
const P_CHANGE: u8 = b'h';
/// Per claim, the change whose body the claim's record holds (see the module's note).
const P_BODY: u8 = b'b';
/// The number of the last change written.
const LAST_CHANGE: &[u8] = b"n";
/// The feed's identity, made when the store is.
const EPOCH: &[u8] = b"e";

/// The store of received claims in sled, in `DATA_DIR/intake.sled`.
pub struct Received {
    db: sled::Db,
    tree: sled::Tree,
    /// Held from the idempotency check to the flush of a write, so one key is processed once
    /// and changes are numbered in commit order.
    writing: tokio::sync::Mutex<()>,
    /// The last change flushed: the feed shows none past it, so no reader passes a number that
    /// a crash before the flush would hand to another change.
    durable: std::sync::atomic::AtomicU64,
}

impl From<sled::Error> for ReceivedError {
    fn from(e: sled::Error) -> Self {
        ReceivedError::Storage(e.to_string())
    }
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

fn change_key(seq: u64) -> Vec<u8> {
    let mut k = vec![P_CHANGE];
    k.extend_from_slice(&seq.to_be_bytes());
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
        let r = Received {
            db,
            tree,
            writing: tokio::sync::Mutex::new(()),
            durable: std::sync::atomic::AtomicU64::new(0),
        };
        r.durable
            .store(r.last_change()?, std::sync::atomic::Ordering::SeqCst);
        let made = format!(
            "{dir:?}{:?}{}",
            std::time::SystemTime::now(),
            fastrand::u64(..)
        );
        let epoch = blake3::hash(made.as_bytes()).to_hex()[..32].to_string();
        let _ = r
            .tree
            .compare_and_swap(EPOCH, None::<&[u8]>, Some(epoch.as_bytes()))?;
        Ok(r)
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

    fn get_claim(
        &self,
        creditor: &str,
        claim_id: &str,
    ) -> Result<Option<StoredClaim>, ReceivedError> {
        self.tree
            .get(key(P_CLAIM, &[creditor, claim_id]))?
            .map(|v| decode(&v))
            .transpose()
    }

    fn last_change(&self) -> Result<u64, ReceivedError> {
        Ok(self
            .tree
            .get(LAST_CHANGE)?
            .and_then(|v| v.as_ref().try_into().ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Adds changes to a write, numbered from `first` (one past the last change stored) on;
    /// returns the last number.
    fn number(
        &self,
        batch: &mut sled::Batch,
        first: u64,
        changes: impl IntoIterator<Item = Change>,
    ) -> u64 {
        let mut seq = first - 1;
        for mut c in changes {
            seq += 1;
            c.seq = seq;
            batch.insert(change_key(seq), encode(&c));
        }
        batch.insert(LAST_CHANGE, &seq.to_be_bytes()[..]);
        seq
    }

    /// The change whose body `claim`'s record holds, if the store says (none for a claim stored
    /// before bodies were kept once).
    fn body_change(&self, creditor: &str, claim_id: &str) -> Result<Option<u64>, ReceivedError> {
        Ok(self
            .tree
            .get(key(P_BODY, &[creditor, claim_id]))?
            .and_then(|v| v.as_ref().try_into().ok())
            .map(u64::from_be_bytes))
    }

    /// Writes the body of `before`, about to be replaced by a later revision, into the change
    /// that brought it (in `batch`, the write that replaces it).
    fn keep_replaced_body(
        &self,
        batch: &mut sled::Batch,
        before: &StoredClaim,
    ) -> Result<(), ReceivedError> {
        let Some(seq) = self.body_change(&before.creditor, &before.claim.claim_id)? else {
            return Ok(());
        };
        if let Some(v) = self.tree.get(change_key(seq))? {
            let mut change: Change = decode(&v)?;
            if change.claim.is_none() {
                change.claim = Some(before.claim.clone());
                batch.insert(change_key(seq), encode(&change));
            }
        }
        Ok(())
    }

    /// Gives a change read from the store the body of the revision it brought, from the claim's
    /// record when it is still the latest.
    async fn with_body(&self, change: Change) -> Result<Change, ReceivedError> {
        // No revision replaces the body between the reads below.
        let _writing = self.writing.lock().await;
        // Replaced since it was read: the change holds its body now.
        if let Some(v) = self.tree.get(change_key(change.seq))? {
            let now: Change = decode(&v)?;
            if now.claim.is_some() {
                return Ok(now);
            }
        }
        let holds = self.body_change(&change.creditor, &change.claim_id)?;
        match self.get_claim(&change.creditor, &change.claim_id)? {
            Some(stored) if holds == Some(change.seq) => Ok(Change {
                claim: Some(stored.claim),
                ..change
            }),
            _ => Err(ReceivedError::Unreadable(format!(
                "change {} brought revision {} of claim {}, and the store no longer holds its body",
                change.seq, change.revision, change.claim_id
            ))),
        }
    }

    /// Applies a write and flushes it; then the feed may show its changes up to `last`.
    async fn write(&self, batch: sled::Batch, last: u64) -> Result<(), ReceivedError> {
        self.tree.apply_batch(batch)?;
        self.db.flush_async().await?;
        self.durable
            .fetch_max(last, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

impl ClaimStore for Received {
    fn claim<'a>(&'a self, creditor: &'a str, claim_id: &'a str) -> Fut<'a, Option<StoredClaim>> {
        Box::pin(async move { self.get_claim(creditor, claim_id) })
    }

    fn first_use_of_signature<'a>(&'a self, signature: &'a str, now: i64) -> Fut<'a, bool> {
        Box::pin(async move {
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
        })
    }

    fn process(&self, b: Incoming, decide: Decide) -> Fut<'_, Processed> {
        Box::pin(async move {
            let _writing = self.writing.lock().await;
            let idem = key(P_IDEM, &[&b.creditor, &b.key]);
            if let Some(v) = self.tree.get(&idem)? {
                let a: StoredAnswer = decode(&v)?;
                return Ok(if a.body_hash == b.body_hash {
                    Processed::Replayed(a)
                } else {
                    Processed::KeyReused
                });
            }
            let mut stored = HashMap::new();
            for id in &b.claim_ids {
                if let Some(c) = self.get_claim(&b.creditor, id)? {
                    stored.insert(id.clone(), c);
                }
            }
            let decided = decide(&stored);
            let mut batch = sled::Batch::default();
            let first = self.last_change()? + 1;
            let mut changes = Vec::with_capacity(decided.accepted.len());
            for ((c, e), seq) in decided.accepted.iter().zip(first..) {
                let id = &c.claim.claim_id;
                batch.insert(key(P_CLAIM, &[&c.creditor, id]), encode(c));
                let mut change = change_of(seq, c, *e);
                if change.claim.take().is_some() {
                    if let Some(before) = stored.get(id) {
                        self.keep_replaced_body(&mut batch, before)?;
                    }
                    batch.insert(key(P_BODY, &[&c.creditor, id]), &seq.to_be_bytes()[..]);
                }
                changes.push(change);
            }
            let last = self.number(&mut batch, first, changes);
            batch.insert(idem, encode(&decided.answer));
            self.write(batch, last).await?;
            Ok(Processed::Stored(decided.answer))
        })
    }

    fn record_status<'a>(
        &'a self,
        claim_id: &'a str,
        update: &'a StatusUpdate,
        now: DateTime<Utc>,
    ) -> Fut<'a, StatusRecorded> {
        Box::pin(async move {
            let _writing = self.writing.lock().await;
            let Some(mut c) = self.get_claim(&update.creditor, claim_id)? else {
                return Ok(StatusRecorded::NoClaim);
            };
            let status = match take_status(&mut c, update, now) {
                Ok(s) => s,
                Err(answer) => return Ok(answer),
            };
            let mut batch = sled::Batch::default();
            batch.insert(key(P_CLAIM, &[&c.creditor, claim_id]), encode(&c));
            let last = self.number(
                &mut batch,
                self.last_change()? + 1,
                [status_change(0, &c, &status)],
            );
            self.write(batch, last).await?;
            Ok(StatusRecorded::Updated(status))
        })
    }

    fn changes<'a>(
        &'a self,
        creditor: Option<&'a str>,
        after: u64,
        limit: usize,
        claims: bool,
    ) -> Fut<'a, (Vec<Change>, bool)> {
        Box::pin(async move {
            let mut out = Vec::new();
            let from = change_key(after.saturating_add(1));
            let durable = self.durable.load(std::sync::atomic::Ordering::SeqCst);
            if after >= durable {
                return Ok((out, false));
            }
            for kv in self.tree.range(from..change_key(durable.saturating_add(1))) {
                let (_, v) = kv?;
                let mut c: Change = decode(&v)?;
                if creditor.is_some_and(|who| who != c.creditor) {
                    continue;
                }
                if out.len() == limit {
                    return Ok((out, true));
                }
                let brought_a_revision =
                    c.event == Event::New.code() || c.event == Event::Update.code();
                if !claims {
                    c.claim = None;
                }
                out.push(if claims && c.claim.is_none() && brought_a_revision {
                    self.with_body(c).await?
                } else {
                    c
                });
            }
            Ok((out, false))
        })
    }

    fn feed_end(&self) -> Fut<'_, (String, u64)> {
        Box::pin(async move {
            let epoch = self
                .tree
                .get(EPOCH)?
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .unwrap_or_default();
            Ok((
                epoch,
                self.durable.load(std::sync::atomic::Ordering::SeqCst),
            ))
        })
    }

    fn all(&self) -> Fut<'_, Vec<StoredClaim>> {
        Box::pin(async move {
            self.tree
                .scan_prefix([P_CLAIM])
                .map(|kv| {
                    kv.map_err(ReceivedError::from)
                        .and_then(|(_, v)| decode(&v))
                })
                .collect()
        })
    }
}
