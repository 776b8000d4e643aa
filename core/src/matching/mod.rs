//! Payment matching: which bank lines pay which documents. Every signal (`signals/`) proposes
//! candidate allocations with the evidence it found (`evidence.rs`); one table turns evidence into
//! a confidence (`confidence.rs`); the best candidate is applied only with a clear lead over the
//! next, else the candidates wait for a person (`candidate.rs`). Decisions made by hand
//! (`manual.rs`) always win; reversals cancel what they undo (`reversals.rs`); accounts are
//! learned from the whole history before anything is applied (`learn.rs`). Money that pays
//! nothing stays as unapplied cash on the debtor, never dropped. Pure and deterministic.

mod candidate;
pub mod confidence;
pub mod evidence;
mod index;
mod learn;
mod manual;
pub mod missing;
pub mod names;
pub mod numbers;
pub mod references;
mod reversals;
mod signals;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::DebtorId;
use crate::model::{
    Allocation, AllocationRule, AllocationSource, Debtor, DocumentKey, LedgerDocument, Payment,
    PaymentKind,
};
use crate::money::{Currency, Money};
use crate::reconcile::{ReconcileNote, Reconciliation};
use candidate::{decide, Decision};
pub use evidence::Evidence;
use index::Indexes;
use signals::{payer, Context, Named};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    /// What became of it.
    pub status: PaymentStatus,
    /// The debtor it is from, when known.
    pub debtor: Option<DebtorId>,
    /// Applied to documents.
    pub allocated: Decimal,
    /// Received but applied to nothing: cash on the debtor's account (or unidentified).
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// One outcome per input payment, in input order.
    pub outcomes: Vec<PaymentOutcome>,
    /// Doubtful matches, in payment order.
    pub review: Vec<Proposal>,
}

impl Matching {
    /// Money received and not allocated (unapplied cash, or waiting in review) per debtor and
    /// currency, for payers that are identified.
    pub fn unapplied_by_debtor(
        &self,
        payments: &[Payment],
    ) -> HashMap<(String, Currency), Decimal> {
        let mut out: HashMap<(String, Currency), Decimal> = HashMap::new();
        for (o, p) in self.outcomes.iter().zip(payments) {
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

/// Matches payments to the reconciliation's open documents as of a date, adding allocations to
/// `rec` and lowering its open amounts.
///
/// Every payment's candidates come from every signal at once (`signals/`), are scored from their
/// evidence (`confidence.rs`) and the best is applied only with a clear lead (`candidate.rs`).
/// Payments are applied in date and id order (ids are unique), so a payment cannot take what an
/// earlier one took; what a payment names and the accounts learned from the history are worked out first,
/// for all payments at once, so nothing depends on the order of the input.
pub fn match_payments(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    manual: &[ManualDecision],
    policy: &MatchPolicy,
    as_of: NaiveDate,
    rec: &mut Reconciliation,
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
    let mut order: Vec<usize> = (0..payments.len()).collect();
    order.sort_by(|&a, &b| {
        (payments[a].date, &payments[a].id).cmp(&(payments[b].date, &payments[b].id))
    });
    reversals::cancel_reversals(payments, &order, as_of, &mut outcomes);

    let mut excluded_pairs: HashSet<(&str, u32)> = HashSet::new();
    let mut excluded: HashSet<&str> = HashSet::new();
    let mut by_hand: HashSet<usize> = HashSet::new();
    if !manual.is_empty() {
        manual::apply_manual(
            docs,
            payments,
            manual,
            &mut outcomes,
            rec,
            &mut excluded,
            &mut excluded_pairs,
            &mut by_hand,
        );
    }
    let wanted: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&pi| {
            outcomes[pi].status == PaymentStatus::Unmatched
                && !by_hand.contains(&pi)
                && !excluded.contains(payments[pi].id.as_str())
        })
        .collect();
    let mut open = std::mem::take(&mut rec.open);
    let (named, learned) = {
        let ctx = Context::new(docs, &idx, &open, policy, &excluded_pairs);
        let named = named_all(&ctx, payments, &wanted);
        let learned = learn::learn(&ctx, payments, &order, &named);
        (named, learned)
    };
    let mut review = Vec::new();
    for &pi in &order {
        let p = &payments[pi];
        if outcomes[pi].status != PaymentStatus::Unmatched || by_hand.contains(&pi) {
            continue;
        }
        let amount = p.amount.amount();
        let out = &mut outcomes[pi];
        if excluded.contains(p.id.as_str()) {
            out.unapplied = amount;
            out.notes.push("kept unallocated by hand".into());
            continue;
        }
        let payer = payer::identify(p, &idx, &learned, payments);
        let decision = {
            let ctx = Context::new(docs, &idx, &open, policy, &excluded_pairs);
            let named = named[pi]
                .as_ref()
                .expect("worked out for every payment to match");
            decide(
                docs,
                signals::candidates(&ctx, p, named, &payer),
                policy.review_below,
            )
        };
        out.unapplied = amount;
        match decision {
            None => {
                if let (Some(d), false) = (payer.one(), payer.by_name()) {
                    out.debtor = Some(d.clone());
                    out.status = PaymentStatus::Unapplied;
                    out.notes
                        .push("the payer is known but no open item fits".into());
                } else if payer.debtors.len() > 1 {
                    out.notes.push(format!(
                        "the payer's account belongs to {} debtors; not applied",
                        payer.debtors.len()
                    ));
                }
            }
            Some(Decision::Review(candidates, reason)) => {
                for (c, score) in &candidates {
                    for &(d, a) in &c.parts {
                        let doc = &docs[d as usize].document;
                        review.push(Proposal {
                            payment: pi,
                            document: doc.key(),
                            amount: Money::new(a, doc.currency),
                            rule: c.rule,
                            confidence: *score,
                            reason: reason.clone(),
                            evidence: c.evidence.clone(),
                        });
                    }
                }
                out.status = PaymentStatus::Review;
                // Who paid, when the account says so; else whom the text names. A payer known only
                // by name stays unidentified while in review, so the gate weighs the money against
                // every debtor's items.
                out.debtor = match (payer.one(), payer.by_name()) {
                    (Some(d), false) => Some(d.clone()),
                    (_, true) => None,
                    _ => candidates.first().and_then(|(c, _)| c.debtor.clone()),
                };
                out.evidence = candidates
                    .into_iter()
                    .next()
                    .map(|(c, _)| c.evidence)
                    .unwrap_or_default();
                out.notes.push(reason);
            }
            Some(Decision::Apply(c, score)) => {
                let mut applied = Decimal::ZERO;
                for &(d, a) in &c.parts {
                    let doc = &docs[d as usize].document;
                    if let Some(o) = open[d as usize].as_mut() {
                        *o -= a;
                    }
                    applied += a;
                    rec.allocations.push(Allocation {
                        from: AllocationSource::Payment(p.id.clone()),
                        document: doc.key(),
                        amount: Money::new(a, doc.currency),
                        rule: c.rule,
                        confidence: score,
                    });
                    let left = open[d as usize].unwrap_or_default();
                    if left > Decimal::ZERO && left <= policy.fee_tolerance {
                        rec.notes.push(ReconcileNote {
                            document: doc.key(),
                            message: format!(
                                "payment {} leaves {left} {} open: a shortfall such as bank fees; it stays open",
                                p.id, doc.currency
                            ),
                        });
                    }
                }
                out.allocated = applied;
                out.unapplied = amount - applied;
                out.debtor = c.debtor.clone();
                out.status = if out.unapplied.is_zero() {
                    PaymentStatus::Allocated
                } else if applied.is_zero() {
                    PaymentStatus::Unapplied
                } else {
                    PaymentStatus::PartlyAllocated
                };
                out.names_missing = c.names_missing;
                out.notes.extend(
                    c.evidence
                        .iter()
                        .filter(|e| e.notable())
                        .map(Evidence::describe),
                );
                out.evidence = c.evidence;
            }
        }
    }
    rec.open = open;
    Matching { outcomes, review }
}

/// What every payment to match names, on all cores.
fn named_all(ctx: &Context<'_, '_>, payments: &[Payment], wanted: &[usize]) -> Vec<Option<Named>> {
    let mut named: Vec<Option<Named>> = (0..payments.len()).map(|_| None).collect();
    let per = wanted.len().div_ceil(index::threads()).max(1);
    let found: Vec<Vec<(usize, Named)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = wanted
            .chunks(per)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&pi| (pi, signals::named_in(ctx, &payments[pi])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a matching worker panicked"))
            .collect()
    });
    for (pi, n) in found.into_iter().flatten() {
        named[pi] = Some(n);
    }
    named
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
