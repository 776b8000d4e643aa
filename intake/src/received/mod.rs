//! The agency's store of received claims: every accepted claim with its revisions, which
//! creditor owns each claim id, the answer given to each Idempotency-Key, the signatures seen,
//! the agency's record of each claim's progress, and a change feed in commit order. A batch's
//! accepted claims, its changes and its answer are written in one transaction, durable before
//! the answer leaves, so an answer never names a claim that a crash could lose.
//!
//! The server talks to [`ClaimStore`]. [`Received`] (`sled.rs`) keeps it in sled, the embedded
//! default for one instance; [`postgres::Postgres`] keeps it in PostgreSQL for any number of
//! instances.

pub mod postgres;
mod sled;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::schema::{
    AgencyStatus, Change, Claim, ClaimEvent, ClaimState, ClaimStatus, StatusUpdate, Withdrawal,
};

pub use self::sled::Received;

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
    /// The agency's record of its collection, once it recorded any.
    #[serde(default)]
    pub agency: Option<AgencyStatus>,
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

    /// Open, or withdrawn by its latest revision.
    pub fn state(&self) -> ClaimState {
        if self.withdrawn().is_some() {
            ClaimState::Withdrawn
        } else {
            ClaimState::Open
        }
    }

    /// The status answer for `GET /claims/{id}`.
    pub fn status(&self) -> ClaimStatus {
        ClaimStatus {
            claim_id: self.claim.claim_id.clone(),
            status: self.state(),
            withdrawal: self.withdrawn().map(|w| w.withdrawal.clone()),
            history: self.events(),
            revision: self.claim.revision,
            accepted_at: self.accepted_at,
            batch_id: self.batch_id.clone(),
            total: self.claim.total,
            currency: self.claim.currency.clone(),
            agency: self.agency.clone(),
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
    /// The database could not be reached or refused a statement.
    #[error("the database: {0}")]
    Database(String),
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

/// A future of the store.
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, ReceivedError>> + Send + 'a>>;

/// A batch as the store takes it: whose, under which Idempotency-Key, with which body, naming
/// which claims.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The authenticated creditor.
    pub creditor: String,
    /// The Idempotency-Key.
    pub key: String,
    /// BLAKE3 of the body, hex: the same key with another body is refused.
    pub body_hash: String,
    /// Every claim id the batch names (claims and withdrawals).
    pub claim_ids: Vec<String>,
}

/// Judges a batch against the claims it names as they are stored, while the store holds them
/// still: what to store and what to answer.
pub type Decide = Box<dyn FnOnce(&HashMap<String, StoredClaim>) -> Decided + Send>;

/// What a batch stores and answers.
pub struct Decided {
    /// Claims accepted, each with what happened to it.
    pub accepted: Vec<(StoredClaim, Event)>,
    /// The answer, kept for the Idempotency-Key.
    pub answer: StoredAnswer,
}

/// What a batch did to one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A claim the agency did not have.
    New,
    /// A higher revision of a claim it had.
    Update,
    /// A withdrawal.
    Withdrawn,
}

impl Event {
    /// The change feed's word for it.
    pub fn code(self) -> &'static str {
        match self {
            Event::New => "new",
            Event::Update => "update",
            Event::Withdrawn => "withdrawn",
        }
    }
}

/// What became of a batch.
#[derive(Debug)]
pub enum Processed {
    /// Judged and stored now.
    Stored(StoredAnswer),
    /// The key was answered before, with this answer, for the same body.
    Replayed(StoredAnswer),
    /// The key was answered before for another body.
    KeyReused,
}

/// What became of a status update.
#[derive(Debug)]
pub enum StatusRecorded {
    /// Stored; this is the record now.
    Updated(AgencyStatus),
    /// It said nothing new (a retry); this is the record.
    Unchanged(AgencyStatus),
    /// The creditor has no claim under that id.
    NoClaim,
    /// It contradicts what was recorded (why).
    Conflict(String),
    /// It is not a valid update (why).
    Invalid(String),
}

/// What the intake server needs of a store of received claims. Every call is scoped by
/// creditor where a creditor is concerned.
pub trait ClaimStore: Send + Sync {
    /// The claim a creditor sent under an id.
    fn claim<'a>(&'a self, creditor: &'a str, claim_id: &'a str) -> Fut<'a, Option<StoredClaim>>;
    /// Records a signature; false when it was seen before (a replay). Old ones are forgotten.
    fn first_use_of_signature<'a>(&'a self, signature: &'a str, now: i64) -> Fut<'a, bool>;
    /// Processes a batch exactly once per (creditor, Idempotency-Key): replays a kept answer,
    /// or judges the batch with `decide` and stores its claims, changes and answer together,
    /// durably, before returning.
    fn process(&self, batch: Incoming, decide: Decide) -> Fut<'_, Processed>;
    /// Records the agency's progress on a claim, with a change in the feed when it is new.
    fn record_status<'a>(
        &'a self,
        claim_id: &'a str,
        update: &'a StatusUpdate,
        now: DateTime<Utc>,
    ) -> Fut<'a, StatusRecorded>;
    /// Changes after `after` in commit order, at most `limit`, only `creditor`'s when given;
    /// and whether more follow. Without `claims`, no change carries the claim it brought.
    fn changes<'a>(
        &'a self,
        creditor: Option<&'a str>,
        after: u64,
        limit: usize,
        claims: bool,
    ) -> Fut<'a, (Vec<Change>, bool)>;
    /// The feed's identity (random, made with the store) and the number of its last change.
    fn feed_end(&self) -> Fut<'_, (String, u64)>;
    /// Every stored claim, by creditor and claim id.
    fn all(&self) -> Fut<'_, Vec<StoredClaim>>;
    /// The creditor whose (unrevoked) token this is, for stores that keep tokens.
    fn creditor_of_token<'a>(&'a self, _token: &'a str) -> Fut<'a, Option<String>> {
        Box::pin(async { Ok(None) })
    }
}

/// The change a batch's accepted claim makes, numbered `seq`.
pub fn change_of(seq: u64, c: &StoredClaim, event: Event) -> Change {
    let withdrawal = (event == Event::Withdrawn)
        .then(|| c.withdrawals.last())
        .flatten();
    Change {
        seq,
        creditor: c.creditor.clone(),
        claim_id: c.claim.claim_id.clone(),
        event: event.code().into(),
        revision: c.latest_revision(),
        at: withdrawal.map_or(c.accepted_at, |w| w.at),
        batch_id: Some(withdrawal.map_or(&c.batch_id, |w| &w.batch_id).clone()),
        claim: (event != Event::Withdrawn).then(|| c.claim.clone()),
        withdrawal: withdrawal.map(|w| w.withdrawal.clone()),
        status: None,
    }
}

/// The change a status update makes, numbered `seq`.
pub fn status_change(seq: u64, c: &StoredClaim, status: &AgencyStatus) -> Change {
    Change {
        seq,
        creditor: c.creditor.clone(),
        claim_id: c.claim.claim_id.clone(),
        event: "status".into(),
        revision: c.latest_revision(),
        at: status.since,
        batch_id: None,
        claim: None,
        withdrawal: None,
        status: Some(status.clone()),
    }
}

/// Applies an update to a stored claim: the new record to store, or the answer when there is
/// nothing to store (unchanged, refused).
pub fn take_status(
    c: &mut StoredClaim,
    u: &StatusUpdate,
    now: DateTime<Utc>,
) -> Result<AgencyStatus, StatusRecorded> {
    receipt_dates(c, u, now)?;
    match next_status(c.agency.as_ref(), u, now)? {
        None => Err(StatusRecorded::Unchanged(
            c.agency.clone().expect("an unchanged status exists"),
        )),
        Some(s) => {
            c.agency = Some(s.clone());
            Ok(s)
        }
    }
}

/// A receipt the update adds must be dated on or after the claim's oldest invoice and not after
/// today (a day's grace for time zones): money received in 1900 for an invoice of 2026 is a typo
/// the creditor would book into its ledger (review 45a, F-2).
fn receipt_dates(
    c: &StoredClaim,
    u: &StatusUpdate,
    now: DateTime<Utc>,
) -> Result<(), StatusRecorded> {
    let known: Vec<&str> = c
        .agency
        .iter()
        .flat_map(|a| a.collected.iter().map(|r| r.id.as_str()))
        .collect();
    let oldest = c.claim.items.iter().map(|i| i.issue_date).min();
    let latest = now.date_naive() + chrono::Days::new(1);
    for r in u
        .collected
        .iter()
        .filter(|r| !known.contains(&r.id.as_str()))
    {
        if let Some(oldest) = oldest.filter(|&o| r.date < o) {
            return Err(StatusRecorded::Invalid(format!(
                "collected {} is dated {}, before the claim's oldest invoice ({oldest}): a receipt cannot precede the debt",
                r.id, r.date
            )));
        }
        if r.date > latest {
            return Err(StatusRecorded::Invalid(format!(
                "collected {} is dated {}, after today ({}): record a receipt once the money is in",
                r.id,
                r.date,
                now.date_naive()
            )));
        }
    }
    Ok(())
}

/// The agency's record after an update, `Ok(None)` when the update says nothing new, or why it
/// is refused: an amount already recorded under an id cannot change, ids are unique, amounts
/// are positive, and a reversal (a direct debit that bounced) undoes one earlier receipt whole.
pub fn next_status(
    prev: Option<&AgencyStatus>,
    u: &StatusUpdate,
    now: DateTime<Utc>,
) -> Result<Option<AgencyStatus>, StatusRecorded> {
    use StatusRecorded::{Conflict, Invalid};
    let mut collected = prev.map(|p| p.collected.clone()).unwrap_or_default();
    let mut added = false;
    for (i, c) in u.collected.iter().enumerate() {
        if let Some(p) = crate::validate::id_problem("collected id", &c.id) {
            return Err(Invalid(p));
        }
        match &c.reverses {
            None if c.amount <= rust_decimal::Decimal::ZERO => {
                return Err(Invalid(format!(
                    "collected {} is {}: an amount is positive, and one that undoes an earlier receipt names it in `reverses`",
                    c.id, c.amount
                )))
            }
            None => {}
            Some(r) => {
                let undone = collected
                    .iter()
                    .chain(&u.collected[..i])
                    .find(|o| &o.id == r && o.reverses.is_none());
                match undone {
                    Some(o) if o.amount == -c.amount => {}
                    Some(o) => {
                        return Err(Invalid(format!(
                            "collected {} reverses {r} of {} with {}: a reversal undoes a receipt whole, as minus its amount",
                            c.id, o.amount, c.amount
                        )))
                    }
                    None => {
                        return Err(Invalid(format!(
                            "collected {} reverses {r}, which is not a receipt recorded for this claim",
                            c.id
                        )))
                    }
                }
                if collected
                    .iter()
                    .chain(&u.collected[..i])
                    .any(|o| o.id != c.id && o.reverses.as_ref() == Some(r))
                {
                    return Err(Invalid(format!("receipt {r} is reversed already")));
                }
            }
        }
        if u.collected[..i].iter().any(|o| o.id == c.id) {
            return Err(Invalid(format!("collected id {} occurs twice", c.id)));
        }
        match collected.iter().find(|o| o.id == c.id) {
            Some(o) if o == c => {}
            Some(o) => {
                return Err(Conflict(format!(
                    "collected {} was recorded as {} on {}; a recorded amount cannot change (record a correction under a new id)",
                    c.id, o.amount, o.date
                )))
            }
            None => {
                collected.push(c.clone());
                added = true;
            }
        }
    }
    if u.note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid("the note holds a control character".into()));
    }
    if u.note.chars().count() > crate::validate::MAX_TEXT {
        return Err(Invalid(format!(
            "the note is longer than {} characters",
            crate::validate::MAX_TEXT
        )));
    }
    if let Some(p) = prev {
        if !added && p.state == u.state && p.note == u.note {
            return Ok(None);
        }
    }
    collected.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    Ok(Some(AgencyStatus {
        state: u.state,
        since: now,
        note: u.note.clone(),
        collected,
        version: prev.map_or(0, |p| p.version) + 1,
    }))
}
