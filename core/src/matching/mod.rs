//! Payment matching: which bank lines pay which documents. Every signal (`signals/`) proposes
//! candidate allocations with the evidence it found (`evidence.rs`); one table turns evidence into
//! a confidence (`confidence.rs`); the best candidate is applied only with a clear lead over the
//! next, else the candidates wait for a person (`candidate.rs`). Decisions made by hand
//! (`manual.rs`) always win; reversals cancel what they undo (`reversals.rs`); accounts are
//! learned from the whole history before anything is applied (`learn.rs`). Money that pays
//! nothing stays as unapplied cash on the debtor, never dropped. Pure and deterministic.

mod apply;
mod booked;
mod candidate;
pub mod confidence;
pub mod evidence;
mod in_detail;
mod index;
mod learn;
mod manual;
pub use manual::{decisions_in_force, DecisionsInForce};
pub mod missing;
pub mod names;
pub mod numbers;
mod partition;
pub mod references;
mod reversals;
pub use reversals::says_returned;
mod signals;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::DebtorId;
use crate::model::{AllocationRule, Debtor, DocumentKey, LedgerDocument, Payment, PaymentKind};
use crate::money::{Currency, Money};
use crate::reconcile::Reconciliation;
pub use evidence::Evidence;
use index::Indexes;
use signals::{payer, Context};

/// The knobs of matching, from the policy file's `[matching]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchPolicy {
    /// Allocations less sure than this (0 to 100) are queued for review, not applied.
    pub review_below: u8,
    /// A shortfall up to this amount (bank fees) is flagged as such.
    pub fee_tolerance: Decimal,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        MatchPolicy {
            review_below: 70,
            fee_tolerance: Decimal::new(2500, 2),
        }
    }
}

/// A decision a person made; it always wins over the rules and survives re-runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "decision")]
pub enum ManualDecision {
    /// Apply (part of) a payment to a document.
    Allocate {
        /// The payment's id.
        payment: String,
        /// The document.
        document: DocumentKey,
        /// How much; the rest of the payment or the document's open amount when absent.
        amount: Option<Decimal>,
    },
    /// Keep the rules from applying a payment (to one document, or at all).
    Unallocate {
        /// The payment's id.
        payment: String,
        /// The document it must not pay; every document when absent.
        document: Option<DocumentKey>,
    },
}

/// What became of one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentStatus {
    /// Fully applied to documents.
    Allocated,
    /// Partly applied; the rest is unapplied cash.
    PartlyAllocated,
    /// The debtor is known but nothing was open to apply it to (overpayment, duplicate).
    Unapplied,
    /// Nobody and nothing found.
    Unmatched,
    /// A doubtful match waits for a person (see [`Proposal`]).
    Review,
    /// Money out: not a payment by a debtor.
    Outgoing,
    /// Undone by a reversal line (or the reversal itself).
    Reversed,
    /// Booked after the as-of date.
    Later,
    /// Already booked against a document in the accounting package; nothing left to match.
    AppliedUpstream,
}

impl PaymentStatus {
    /// Short stable code for output.
    pub fn code(&self) -> &'static str {
        match self {
            PaymentStatus::Allocated => "allocated",
            PaymentStatus::PartlyAllocated => "partly-allocated",
            PaymentStatus::Unapplied => "unapplied",
            PaymentStatus::Unmatched => "unmatched",
            PaymentStatus::Review => "review",
            PaymentStatus::Outgoing => "outgoing",
            PaymentStatus::Reversed => "reversed",
            PaymentStatus::Later => "later",
            PaymentStatus::AppliedUpstream => "applied-upstream",
        }
    }
}

/// The outcome for one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOutcome {
    /// What became of it.
    pub status: PaymentStatus,
    /// The debtor it is from, when known.
    pub debtor: Option<DebtorId>,
    /// Applied to documents.
    #[serde(with = "crate::decimal_serde::one")]
    pub allocated: Decimal,
    /// Received but applied to nothing: cash on the debtor's account (or unidentified).
    #[serde(with = "crate::decimal_serde::one")]
    pub unapplied: Decimal,
    /// Why, in plain words (shortfalls, duplicates, ambiguities).
    pub notes: Vec<String>,
    /// The invoice number its text names that the ledger does not have, when that is why it is
    /// unapplied: it designates that invoice, so it is no part payment of the debtor's others.
    pub names_missing: Option<String>,
    /// What the applied (or, in review, the best) candidate rests on.
    pub evidence: Vec<Evidence>,
}

impl PaymentOutcome {
    /// Money received after the as-of date (`p` is its payment): not matched as of then, yet
    /// known, so the claims gate weighs it as it weighs money not applied (a claim as of the end
    /// of May is not sent for an invoice the store knows was paid on 1 June).
    pub fn received_later(&self, p: &Payment) -> bool {
        self.status == PaymentStatus::Later
            && p.kind == PaymentKind::Incoming
            && p.amount.amount() > Decimal::ZERO
    }

    /// Money received that no document took (unidentified, unapplied cash, or in review): what
    /// `incasso unmatched` lists and what holds a debtor's claim back.
    pub fn money_not_applied(&self) -> bool {
        self.unapplied > Decimal::ZERO
            && matches!(
                self.status,
                PaymentStatus::Unmatched
                    | PaymentStatus::Unapplied
                    | PaymentStatus::PartlyAllocated
                    | PaymentStatus::Review
            )
    }
}

/// A match not applied because it is doubtful: a person confirms it with `incasso allocate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Index of the payment in the input.
    pub payment: usize,
    /// The document it would pay.
    pub document: DocumentKey,
    /// How much.
    pub amount: Money,
    /// The rule that proposed it.
    pub rule: AllocationRule,
    /// How sure.
    pub confidence: u8,
    /// Why it is doubtful.
    pub reason: String,
    /// What this candidate rests on.
    pub evidence: Vec<Evidence>,
}

impl Proposal {
    /// The evidence in plain words, for the review queue and the report.
    pub fn evidence_text(&self) -> String {
        let words: Vec<String> = self.evidence.iter().map(Evidence::describe).collect();
        words.join("; ")
    }
}

/// Everything matching decided, besides the allocations added to the reconciliation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matching {
    /// One outcome per input payment, in input order.
    pub outcomes: Vec<PaymentOutcome>,
    /// Doubtful matches, in payment order.
    pub review: Vec<Proposal>,
    /// How many runs applied the payments (`partition.rs`): 1 on one core. It tells how the
    /// result was worked out, not what it is; the rest is the same however many runs there were.
    pub runs: usize,
    /// The payments (indices) that are totals booked in detail in another file (`in_detail.rs`).
    pub in_detail: Vec<usize>,
}

impl Matching {
    /// The payments with money received and not applied, received after the as-of date, or a
    /// match in review, with what became of each and the review: all the claims and the report
    /// need of the bank lines.
    pub fn waiting(&self, payments: &[Payment]) -> Waiting {
        let mut wanted: Vec<bool> = self
            .outcomes
            .iter()
            .zip(payments)
            .map(|(o, p)| o.money_not_applied() || o.received_later(p))
            .collect();
        for pr in &self.review {
            wanted[pr.payment] = true;
        }
        // Each payment's index among those kept, for the review's proposals.
        let mut at = vec![usize::MAX; wanted.len()];
        let mut out = Waiting::default();
        for (i, (o, p)) in self.outcomes.iter().zip(payments).enumerate() {
            if wanted[i] {
                at[i] = out.payments.len();
                out.payments.push(p.clone());
                out.outcomes.push(o.clone());
            }
        }
        out.in_detail = vec![false; out.payments.len()];
        for &i in &self.in_detail {
            if wanted[i] {
                out.in_detail[at[i]] = true;
            }
        }
        out.review = self
            .review
            .iter()
            .map(|pr| Proposal {
                payment: at[pr.payment],
                ..pr.clone()
            })
            .collect();
        out
    }
}

/// Money received and not applied (or after the as-of date), and the matches in review: the
/// payments (a few percent of the bank lines) that the claims gate weighs against every overdue
/// item and a person decides on, each with its outcome, in input order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    /// The payments.
    pub payments: Vec<Payment>,
    /// What became of each, one per payment.
    pub outcomes: Vec<PaymentOutcome>,
    /// The matches in review, as in [`Matching::review`] but each naming its payment's index
    /// in `payments`.
    pub review: Vec<Proposal>,
    /// For each payment, whether it is a total booked in detail in another file (a CSV's
    /// collection total whose debits a camt.053 lists): the same money as lines that paid their
    /// invoices, so no collection the claims gate weighs.
    pub in_detail: Vec<bool>,
}

impl Waiting {
    /// Money received and not allocated (unapplied cash, or waiting in review) per debtor and
    /// currency, for payers that are identified.
    pub fn unapplied_by_debtor(&self) -> HashMap<(String, Currency), Decimal> {
        let mut out: HashMap<(String, Currency), Decimal> = HashMap::new();
        for (o, p) in self.outcomes.iter().zip(&self.payments) {
            // Money that names an invoice the ledger does not have pays that invoice, not ours.
            if o.names_missing.is_some() {
                continue;
            }
            if let (Some(d), true) = (&o.debtor, o.money_not_applied()) {
                *out.entry((d.as_str().to_string(), p.amount.currency()))
                    .or_default() += o.unapplied;
            }
        }
        out
    }
}

/// What the books reported settled of the documents, and when: what a transfer naming one may
/// be the money of (`booked.rs`).
#[derive(Debug, Default, Clone)]
pub struct BooksSettled {
    /// Per document (empty: nothing known), the day the export that first reported its
    /// settlement as it stands (paid, or its open amount) was read; `None` when it reports none.
    pub read_on: Vec<Option<NaiveDate>>,
    /// For documents whose settlement grew over several exports: each earlier amount settled,
    /// with the day the export that first reported it was read, oldest first.
    pub earlier: rustc_hash::FxHashMap<u32, Vec<(NaiveDate, Decimal)>>,
}

/// Matches payments to the reconciliation's open documents as of a date, adding allocations to
/// `rec` and lowering its open amounts.
///
/// Every payment's candidates come from every signal at once (`signals/`), are scored from their
/// evidence (`confidence.rs`) and the best is applied only with a clear lead (`candidate.rs`).
/// Payments are applied in date and id order (ids are unique), so a payment cannot take what an
/// earlier one took; what a payment names and the accounts learned from the history are worked out first,
/// for all payments at once, so nothing depends on the order of the input.
///
/// `books` gives what the books reported settled of each document and when (empty: nothing
/// known): a payment naming it may be the money they booked (`booked.rs`).
#[allow(clippy::too_many_arguments)]
pub fn match_payments(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    manual: &[ManualDecision],
    policy: &MatchPolicy,
    as_of: NaiveDate,
    books: &BooksSettled,
    rec: &mut Reconciliation,
) -> Matching {
    match_from(
        docs,
        debtors,
        payments,
        manual,
        policy,
        as_of,
        books,
        rec,
        partition::PARALLEL_FROM,
    )
}

/// [`match_payments`], splitting the payments over the cores from `parallel_from` payments on
/// (0, as the tests ask: over at least two runs, even on one core, so that what the runs must
/// settle between them is tested on any machine).
#[allow(clippy::too_many_arguments)]
fn match_from(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    manual: &[ManualDecision],
    policy: &MatchPolicy,
    as_of: NaiveDate,
    books: &BooksSettled,
    rec: &mut Reconciliation,
    parallel_from: usize,
) -> Matching {
    if payments.is_empty() {
        // Nothing to match (a ledger without bank statements): no index is worth building.
        return Matching::default();
    }
    let idx = Indexes::build(docs, debtors, &rec.open);
    let mut outcomes: Vec<PaymentOutcome> = payments
        .iter()
        .map(|p| PaymentOutcome {
            status: match p.kind {
                _ if p.date > as_of => PaymentStatus::Later,
                PaymentKind::Outgoing => PaymentStatus::Outgoing,
                PaymentKind::Reversal => PaymentStatus::Reversed,
                PaymentKind::Incoming => PaymentStatus::Unmatched,
                PaymentKind::AppliedUpstream => PaymentStatus::AppliedUpstream,
            },
            debtor: None,
            allocated: Decimal::ZERO,
            unapplied: Decimal::ZERO,
            names_missing: None,
            notes: Vec::new(),
            evidence: Vec::new(),
        })
        .collect();
    let order = date_and_id_order(payments);
    reversals::cancel_reversals(payments, &order, as_of, &mut outcomes);

    let decided = manual::apply_manual(docs, payments, manual, &mut outcomes, books, rec);
    for &pi in &order {
        let out = &mut outcomes[pi];
        if out.status == PaymentStatus::Unmatched
            && !decided.payments.contains(&pi)
            && decided.excluded.contains(payments[pi].id.as_str())
        {
            out.unapplied = payments[pi].amount.amount();
            out.notes.push("kept unallocated by hand".into());
        }
    }
    let wanted: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&pi| {
            outcomes[pi].status == PaymentStatus::Unmatched
                && !decided.payments.contains(&pi)
                && !decided.excluded.contains(payments[pi].id.as_str())
        })
        .collect();
    let mut open = std::mem::take(&mut rec.open);
    let (named, learned) = {
        let ctx = Context::new(docs, &idx, &open, policy, &decided);
        let named = on_all_cores(payments, &wanted, |p| signals::named_in(&ctx, p));
        let learned = learn::learn(&ctx, payments, &order, &named);
        (named, learned)
    };
    // What a person applied of a payment to another debtor's document leaves the rest the
    // payer's, where its account or name says who paid: it waits on them and holds their
    // claims, not the document's debtor's (review 46a, F-1: a holding's 75.00 for another
    // firm's invoice made its 725.00 that firm's, and the holding's own invoices went to the
    // agency whole).
    let mut decided_in_part: Vec<usize> = decided
        .payments
        .iter()
        .copied()
        .filter(|&pi| outcomes[pi].unapplied > Decimal::ZERO)
        .collect();
    decided_in_part.sort_unstable();
    for pi in decided_in_part {
        let payer = payer::identify(&payments[pi], &idx, &learned, payments);
        let out = &mut outcomes[pi];
        if let Some(d) = payer.one() {
            if out.debtor.as_ref() != Some(d) {
                out.notes.push(format!(
                    "the {} not allocated by hand is the payer's, debtor {d}, whose {} it came from",
                    out.unapplied,
                    if payer.by_name() { "name" } else { "account" }
                ));
                out.debtor = Some(d.clone());
            }
        }
    }
    let wanted = booked::take_booked(
        docs,
        payments,
        wanted,
        &named,
        books,
        &idx,
        &learned,
        policy,
        &decided.documents,
        rec,
        &mut outcomes,
    );
    if !books.read_on.is_empty() {
        let returned: Vec<(usize, signals::Named)> = {
            let ctx = Context::new(docs, &idx, &open, policy, &decided);
            order
                .iter()
                .filter(|&&pi| {
                    outcomes[pi].status == PaymentStatus::Reversed
                        && payments[pi].kind == PaymentKind::Incoming
                })
                .map(|&pi| (pi, signals::named_in(&ctx, &payments[pi])))
                .collect()
        };
        booked::returned_after_booking(docs, payments, &returned, &books.read_on, rec);
    }
    let payers = on_all_cores(payments, &wanted, |p| {
        payer::identify(p, &idx, &learned, payments)
    });
    // Money received after the as-of date is not applied, but the claims gate weighs it: who
    // paid it, where an account says so, keeps it from holding another debtor's items.
    for (pi, p) in payments.iter().enumerate() {
        if outcomes[pi].received_later(p) {
            let payer = payer::identify(p, &idx, &learned, payments);
            if let (Some(d), false) = (payer.one(), payer.by_name()) {
                outcomes[pi].debtor = Some(d.clone());
            }
        }
    }
    let mut rank = vec![0u32; payments.len()];
    for (k, &pi) in order.iter().enumerate() {
        rank[pi] = k as u32;
    }
    let shared = apply::Shared {
        docs,
        idx: &idx,
        payments,
        named: &named,
        payers: &payers,
        policy,
        decided: &decided,
        rank: &rank,
    };
    let threads = match parallel_from {
        0 => index::threads().max(2),
        n if wanted.len() >= n => index::threads(),
        _ => 1,
    };
    let merged = partition::apply_all(&shared, &wanted, &mut outcomes, &mut open, threads);
    rec.open = open;
    rec.allocations.extend(merged.allocations);
    rec.notes.extend(merged.notes);
    let in_detail = in_detail::mark(payments, &mut outcomes);
    Matching {
        outcomes,
        review: merged.review,
        runs: merged.runs,
        in_detail,
    }
}

/// The payments' indexes by date, then id, then place in the input (what sorting stably by date
/// and then, within each day, by id gives). Each is sorted by a key of its date and its id's
/// first eight bytes, so that most comparisons read neither the payments nor their ids.
fn date_and_id_order(payments: &[Payment]) -> Vec<usize> {
    let mut keyed: Vec<(NaiveDate, u64, u32)> = payments
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // Bytes past the end read as zero: a shorter id sorts before a longer one it begins,
            // and ids alike in their first eight bytes (or with zero bytes) are compared whole.
            let mut head = [0u8; 8];
            let id = p.id.as_bytes();
            let n = id.len().min(8);
            head[..n].copy_from_slice(&id[..n]);
            (p.date, u64::from_be_bytes(head), i as u32)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| payments[a.2 as usize].id.cmp(&payments[b.2 as usize].id))
            .then(a.2.cmp(&b.2))
    });
    keyed.into_iter().map(|(_, _, i)| i as usize).collect()
}

/// `f` of every payment in `wanted`, on all cores; `None` for the other payments.
fn on_all_cores<T: Send>(
    payments: &[Payment],
    wanted: &[usize],
    f: impl Fn(&Payment) -> T + Sync,
) -> Vec<Option<T>> {
    let mut all: Vec<Option<T>> = payments.iter().map(|_| None).collect();
    let found = index::by_chunks(wanted, 1, |_, chunk| {
        chunk
            .iter()
            .map(|&pi| (pi, f(&payments[pi])))
            .collect::<Vec<_>>()
    });
    for (pi, t) in found.into_iter().flatten() {
        all[pi] = Some(t);
    }
    all
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
