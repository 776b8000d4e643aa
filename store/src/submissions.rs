//! The submission ledger: what was sent to the agency, per claim, and the batches in flight.
//!
//! A batch is recorded with its exact body and Idempotency-Key, and its claims marked sent, in
//! one flushed sled batch before it goes out. If the process dies before the answer is recorded,
//! the next run sends the very same body under the same key, and the server replays its answer:
//! every claim arrives exactly once however the run ends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::kv::Batch;
use crate::{json_decode, json_encode, key, Store, StoreError};

pub(crate) const P_SUBMISSION: u8 = b'u';
pub(crate) const P_IN_FLIGHT: u8 = b'g';
/// The cursor of the agency's change feed, as far as it was read.
const AGENCY_CURSOR: &[u8] = b"Gagency-cursor";
/// When the agency's change feed was last read through (RFC 3339).
const AGENCY_READ_AT: &[u8] = b"Gagency-read-at";
/// The feed entry of the latest status recorded: what changes when the agency reported news.
const AGENCY_NEWS: &[u8] = b"Gagency-news";
/// The latest date claims were submitted as of.
const SUBMITTED_AS_OF: &[u8] = b"Gsubmitted-as-of";
/// How many times submissions were written (sent, answered): a claim sent again and answered
/// changes no count, but changes what the pages show of it.
const SUBMISSION_WRITES: &[u8] = b"Gsubmission-writes";

/// Where a claim stands with the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubmissionState {
    /// In a batch sent, answer not yet recorded.
    Sent,
    /// The agency accepted this revision.
    Accepted,
    /// The agency refused this revision, with reasons.
    Rejected,
    /// The agency accepted this revision's withdrawal: it no longer collects the claim.
    Withdrawn,
}

impl SubmissionState {
    /// Short stable code for output.
    pub fn code(&self) -> &'static str {
        match self {
            SubmissionState::Sent => "sent",
            SubmissionState::Accepted => "accepted",
            SubmissionState::Rejected => "rejected",
            SubmissionState::Withdrawn => "withdrawn",
        }
    }
}

/// One claim's record at the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The claim id at the agency.
    pub claim_id: String,
    /// The debtor.
    pub debtor: String,
    /// Currency.
    pub currency: String,
    /// The revision last sent.
    pub revision: u32,
    /// State of that revision.
    pub state: SubmissionState,
    /// The revision the agency last accepted (0 when none).
    pub accepted_revision: u32,
    /// Fingerprint of what the claim rests on (items, open amounts, payments, credit notes);
    /// a change makes an update, interest running on does not.
    pub basis: String,
    /// The invoice numbers in the claim.
    pub items: Vec<String>,
    /// Total claimed in the revision last sent (decimal string).
    pub total: String,
    /// The batch it went in.
    pub batch_key: String,
    /// The agency's reasons, when rejected.
    pub reasons: Vec<String>,
    /// When the state last changed.
    pub updated_at: DateTime<Utc>,
    /// For a withdrawal: its reason code and what became of the items.
    #[serde(default)]
    pub withdrawal: Option<String>,
    /// The agency's record of its collection, as last read from its change feed.
    #[serde(default)]
    pub agency: Option<AgencyRecord>,
    /// The principal (its invoices' open amounts) of the claim last sent (decimal string): a
    /// part payment since is known even while the amounts cannot be computed.
    #[serde(default)]
    pub principal: Option<String>,
    /// Recorded from the agency's change feed, not sent by this store (a store restored from a
    /// backup, or another copy of it): until a person releases it or this store withdraws it,
    /// nothing goes that claims more than the agency holds, since the books that led the
    /// agency there (a payment, a withdrawal) may be missing here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub taken_over: bool,
    /// Of a claim taken over from the agency's feed: each invoice as the agency holds it, with
    /// its open amount (decimal string), to compare the books with invoice by invoice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<(String, String)>,
    /// Of a claim taken over from the agency's feed: the payments and credit notes its revision
    /// lists (their references), which the books must have too before they claim less.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_received: Vec<String>,
    /// The agency's receipts booked when this revision was worked out, whose money its amounts
    /// account for: what it collected after lowers what is still owed (`total`) again.
    #[serde(default)]
    pub receipts_counted: Vec<String>,
}

/// Where the agency's collection of a claim stands, as the agency reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyRecord {
    /// The agency's state code (`in-progress`, `payment-plan`, `closed-paid`...).
    pub state: String,
    /// When the agency recorded it.
    pub since: DateTime<Utc>,
    /// The agency's note.
    pub note: String,
    /// Amounts the agency collected: (its receipt id, date, decimal amount).
    pub collected: Vec<(String, chrono::NaiveDate, String)>,
    /// The agency's version of this record.
    pub version: u32,
    /// The change feed entry it came from.
    pub seq: u64,
    /// Receipts not booked in the ledger, each with why: held for a person (an amount or date
    /// no collection can have), or a reversal of one so held.
    #[serde(default)]
    pub unbooked: Vec<(String, String)>,
}

/// A batch recorded before sending, kept until its answer is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// Its Idempotency-Key.
    pub key: String,
    /// The exact body sent.
    pub body: String,
    /// When it was first sent.
    pub sent_at: DateTime<Utc>,
}

/// The agency's answer for one claim of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The claim.
    pub claim_id: String,
    /// Accepted or not.
    pub accepted: bool,
    /// Reasons when not.
    pub reasons: Vec<String>,
}

/// What becomes of a claim when its batch ends (`Store::settle_batch`).
enum Settled {
    /// It stays as stored.
    Keep,
    /// It is written so.
    Write(Box<Submission>),
    /// It is forgotten (it never reached the agency).
    Forget,
}

impl Store {
    /// Every claim's submission record, by claim id.
    pub fn submissions(&self) -> Result<Vec<Submission>, StoreError> {
        self.kv
            .scan_prefix(&[P_SUBMISSION])
            .map(|kv| {
                let (k, v) = kv?;
                json_decode(&k, &v)
            })
            .collect()
    }

    /// Batches sent whose answer was never recorded (a crash, a kill, a network that gave up).
    pub fn in_flight(&self) -> Result<Vec<InFlight>, StoreError> {
        let mut all: Vec<InFlight> = self
            .kv
            .scan_prefix(&[P_IN_FLIGHT])
            .map(|kv| {
                let (k, v) = kv?;
                json_decode(&k, &v)
            })
            .collect::<Result<_, _>>()?;
        all.sort_by(|a, b| (a.sent_at, &a.key).cmp(&(b.sent_at, &b.key)));
        Ok(all)
    }

    /// Records a batch and its claims as sent, durably, before the batch goes out.
    pub fn record_sent(&self, batch: &InFlight, claims: &[Submission]) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.insert(key(P_IN_FLIGHT, batch.key.as_bytes()), json_encode(batch));
        self.write_submissions(b, claims)
    }

    /// Writes `claims` with what `b` holds, counted, in one flushed write.
    fn write_submissions(&self, mut b: Batch, claims: &[Submission]) -> Result<(), StoreError> {
        for s in claims {
            b.insert(key(P_SUBMISSION, s.claim_id.as_bytes()), json_encode(s));
        }
        self.count_write(&mut b)?;
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(())
    }

    /// How far the agency's change feed was read (none before the first refresh).
    pub fn agency_cursor(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .kv
            .get(AGENCY_CURSOR)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// When the agency's change feed was last read through, if ever.
    pub fn agency_read_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .kv
            .get(AGENCY_READ_AT)?
            .and_then(|v| String::from_utf8(v.to_vec()).ok())
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Records that the agency's change feed was read through, as of `at`.
    pub fn record_agency_read_at(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.insert(AGENCY_READ_AT, at.to_rfc3339().into_bytes());
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(())
    }

    /// How many times submissions were written (0 before any).
    pub(crate) fn submission_writes(&self) -> Result<u64, StoreError> {
        Ok(self
            .kv
            .get(SUBMISSION_WRITES)?
            .and_then(|v| <[u8; 8]>::try_from(&v[..]).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Counts one more write of submissions in `b`.
    fn count_write(&self, b: &mut Batch) -> Result<(), StoreError> {
        let n = self.submission_writes()? + 1;
        b.insert(SUBMISSION_WRITES, n.to_be_bytes().to_vec());
        Ok(())
    }

    /// The latest date claims were submitted as of, if any.
    pub fn submitted_as_of(&self) -> Result<Option<chrono::NaiveDate>, StoreError> {
        Ok(self
            .kv
            .get(SUBMITTED_AS_OF)?
            .and_then(|v| String::from_utf8(v.to_vec()).ok())
            .and_then(|t| t.parse().ok()))
    }

    /// Records that claims are submitted as of `date`, when it is later than the latest so far.
    pub fn record_submitted_as_of(&self, date: chrono::NaiveDate) -> Result<(), StoreError> {
        if self.submitted_as_of()?.is_some_and(|d| d >= date) {
            return Ok(());
        }
        let mut b = Batch::default();
        b.insert(SUBMITTED_AS_OF, date.to_string().into_bytes());
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(())
    }

    /// The feed entry of the latest agency status recorded (0 before any).
    pub fn agency_news(&self) -> Result<u64, StoreError> {
        Ok(self
            .kv
            .get(AGENCY_NEWS)?
            .and_then(|v| <[u8; 8]>::try_from(&v[..]).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Records the agency's status of claims and how far its feed was read, in one flushed
    /// write (a claim the ledger never sent is skipped; its id is returned).
    pub fn record_agency_status(
        &self,
        statuses: &[(String, AgencyRecord)],
        cursor: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut b = Batch::default();
        let mut unknown = Vec::new();
        let mut news = 0;
        for (claim_id, record) in statuses {
            let k = key(P_SUBMISSION, claim_id.as_bytes());
            let Some(v) = self.kv.get(&k)? else {
                unknown.push(claim_id.clone());
                continue;
            };
            let mut s: Submission = json_decode(&k, &v)?;
            if s.agency.as_ref().is_some_and(|a| a.seq >= record.seq) {
                continue;
            }
            s.agency = Some(record.clone());
            b.insert(k, json_encode(&s));
            news = news.max(record.seq);
        }
        if news > self.agency_news()? {
            b.insert(AGENCY_NEWS, news.to_be_bytes().to_vec());
        }
        b.insert(AGENCY_CURSOR, cursor.as_bytes().to_vec());
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(unknown)
    }

    /// Records which of a claim's receipts from the agency are not booked (a person booked one
    /// the refresh held).
    pub fn record_unbooked(
        &self,
        claim_id: &str,
        unbooked: &[(String, String)],
    ) -> Result<(), StoreError> {
        let k = key(P_SUBMISSION, claim_id.as_bytes());
        let Some(v) = self.kv.get(&k)? else {
            return Ok(());
        };
        let mut s: Submission = json_decode(&k, &v)?;
        if let Some(a) = s.agency.as_mut() {
            a.unbooked = unbooked.to_vec();
        }
        let mut b = Batch::default();
        b.insert(k, json_encode(&s));
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(())
    }

    /// Records claims as the agency holds them, read from its change feed, in one flushed write:
    /// a store restored from a backup learns the claims and revisions it sent after the backup.
    pub fn take_over_submissions(&self, claims: &[Submission]) -> Result<(), StoreError> {
        if claims.is_empty() {
            return Ok(());
        }
        self.write_submissions(Batch::default(), claims)
    }

    /// Records what an agency restored from a backup still holds of claims it had accepted at
    /// a later revision (`rewrite`), and forgets those it holds none of (`forget`), in one
    /// flushed write: the next submission sends the books' truth again.
    pub fn agency_lost(&self, rewrite: &[Submission], forget: &[String]) -> Result<(), StoreError> {
        let mut b = Batch::default();
        for id in forget {
            b.remove(key(P_SUBMISSION, id.as_bytes()));
        }
        self.write_submissions(b, rewrite)
    }

    /// Releases claims taken over from the agency's feed ([`Submission::taken_over`]): a person
    /// says the books are right, so the next submission sends what they claim. The claims not
    /// taken over, or not known, are returned.
    pub fn release_taken_over(&self, claims: &[String]) -> Result<Vec<String>, StoreError> {
        let mut b = Batch::default();
        let mut not = Vec::new();
        for id in claims {
            let k = key(P_SUBMISSION, id.as_bytes());
            let Some(v) = self.kv.get(&k)? else {
                not.push(id.clone());
                continue;
            };
            let mut s: Submission = json_decode(&k, &v)?;
            if !s.taken_over {
                not.push(id.clone());
                continue;
            }
            s.taken_over = false;
            s.held.clear();
            s.held_received.clear();
            b.insert(k, json_encode(&s));
        }
        self.count_write(&mut b)?;
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(not)
    }

    /// Records the agency's answer to a batch, durably, and forgets the batch.
    pub fn record_answer(
        &self,
        batch_key: &str,
        answers: &[Answered],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let answers = answers.iter().map(|a| (a.claim_id.as_str(), a));
        self.settle_batch(batch_key, answers, |a, mut s| {
            s.state = if a.accepted {
                s.accepted_revision = s.revision;
                if s.withdrawal.is_some() {
                    SubmissionState::Withdrawn
                } else {
                    SubmissionState::Accepted
                }
            } else {
                SubmissionState::Rejected
            };
            s.reasons = a.reasons.clone();
            s.updated_at = at;
            Settled::Write(Box::new(s))
        })
    }

    /// Forgets a batch the agency did not judge (credentials, permissions): it never took its
    /// claims, so each stands as it stood before the batch, with no basis, and the next run
    /// works it out again from the books instead of sending this batch as it was (an invoice
    /// paid meanwhile must not reach the agency first and be withdrawn after).
    pub fn record_not_taken(
        &self,
        batch_key: &str,
        claims: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let claims = claims.iter().map(|c| (c.as_str(), ()));
        self.settle_batch(batch_key, claims, |(), mut s| {
            if s.state != SubmissionState::Sent {
                return Settled::Keep;
            }
            if s.accepted_revision == 0 {
                return Settled::Forget;
            }
            s.revision = s.accepted_revision;
            s.state = SubmissionState::Accepted;
            s.basis = String::new();
            s.withdrawal = None;
            s.reasons = vec!["a batch the agency did not take; worked out again".into()];
            s.updated_at = at;
            Settled::Write(Box::new(s))
        })
    }

    /// Ends a batch in one flushed write: each claim of `claims` (with what `settle` is told
    /// of it) still on this batch (a later batch may have taken one over) is settled, and the
    /// batch leaves the outbox.
    fn settle_batch<'c, T>(
        &self,
        batch_key: &str,
        claims: impl Iterator<Item = (&'c str, T)>,
        mut settle: impl FnMut(T, Submission) -> Settled,
    ) -> Result<(), StoreError> {
        let mut b = Batch::default();
        for (id, told) in claims {
            let k = key(P_SUBMISSION, id.as_bytes());
            let Some(v) = self.kv.get(&k)? else {
                continue;
            };
            let s: Submission = json_decode(&k, &v)?;
            if s.batch_key != batch_key {
                continue;
            }
            match settle(told, s) {
                Settled::Keep => {}
                Settled::Write(s) => b.insert(k, json_encode(&*s)),
                Settled::Forget => b.remove(k),
            }
        }
        b.remove(key(P_IN_FLIGHT, batch_key.as_bytes()));
        self.count_write(&mut b)?;
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(())
    }

    /// Forgets a batch the agency refused as a whole (its claims are marked rejected).
    pub fn record_refusal(
        &self,
        batch_key: &str,
        claims: &[String],
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let answers: Vec<Answered> = claims
            .iter()
            .map(|c| Answered {
                claim_id: c.clone(),
                accepted: false,
                reasons: vec![reason.to_string()],
            })
            .collect();
        self.record_answer(batch_key, &answers, at)
    }
}
