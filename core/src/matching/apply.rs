//! Applying payments one after another in date order: each takes its best candidate when the
//! lead is clear, else waits for review; what it takes lowers the open amounts the next one sees.
//! A run applies a list of payments to its own copy of the open amounts; `partition.rs` decides
//! which runs there are and joins what they did.

use rust_decimal::Decimal;

use super::candidate::{decide, Decision};
use super::index::Indexes;
use super::manual::Decided;
use super::partition::{Look, Tracker};
use super::signals::{self, payer::Payer, Context, Named};
use super::{Evidence, MatchPolicy, PaymentOutcome, PaymentStatus, Proposal};
use crate::model::{Allocation, AllocationRule, AllocationSource, LedgerDocument, Payment};
use crate::money::Money;
use crate::reconcile::ReconcileNote;

/// What every run reads and none changes: the ledger, its indexes, and what each payment names
/// and who paid it, worked out for all payments before any is applied.
pub(super) struct Shared<'s, 'a> {
    pub docs: &'a [LedgerDocument],
    pub idx: &'s Indexes<'a>,
    pub payments: &'s [Payment],
    pub named: &'s [Option<Named>],
    pub payers: &'s [Option<Payer<'a>>],
    pub policy: &'s MatchPolicy,
    pub decided: &'s Decided<'s>,
    /// Each payment's place in date and id order: what the results are merged by.
    pub rank: &'s [u32],
}

/// What one run did, each item with its payment's rank so runs merge in payment order.
#[derive(Default)]
pub(super) struct Applied {
    pub outcomes: Vec<(usize, PaymentOutcome)>,
    pub notes: Vec<(u32, ReconcileNote)>,
    pub review: Vec<(u32, Proposal)>,
    /// What it took off documents' open amounts: its allocations, in the order made. They
    /// become [`Allocation`]s, with their payment id and document number as strings, only once
    /// merged: a million of them are not held twice while the runs settle.
    pub written: Vec<Took>,
    /// Documents of other partitions its payments looked at.
    pub looks: Vec<Look>,
}

/// An amount a payment took off a document's open amount, by which rule and how surely.
#[derive(Debug, Clone, Copy)]
pub(super) struct Took {
    pub rank: u32,
    pub payment: u32,
    pub doc: u32,
    pub amount: Decimal,
    pub rule: AllocationRule,
    pub confidence: u8,
}

impl Took {
    /// The allocation it stands for.
    pub fn allocation(&self, docs: &[LedgerDocument], payments: &[Payment]) -> Allocation {
        let doc = &docs[self.doc as usize].document;
        Allocation {
            from: AllocationSource::Payment(payments[self.payment as usize].id.clone()),
            document: doc.key(),
            amount: Money::new(self.amount, doc.currency),
            rule: self.rule,
            confidence: self.confidence,
        }
    }
}

/// Applies `run` (payment indexes in date and id order) to `open`, starting each payment from
/// `start`'s outcome; given a tracker, notes the documents of other partitions looked at.
pub(super) fn apply_run(
    s: &Shared<'_, '_>,
    run: &[usize],
    start: &[PaymentOutcome],
    open: &mut [Option<Decimal>],
    tracker: Option<Tracker<'_>>,
) -> Applied {
    // Most payments take one document: room for that at once, as growing these lists step by
    // step writes them again into fresh memory.
    let mut done = Applied {
        outcomes: Vec::with_capacity(run.len()),
        written: Vec::with_capacity(run.len()),
        ..Applied::default()
    };
    for &pi in run {
        let p = &s.payments[pi];
        let rank = s.rank[pi];
        let mut out = start[pi].clone();
        let amount = p.amount.amount();
        let payer = s.payers[pi]
            .as_ref()
            .expect("worked out for every payment to match");
        let decision = {
            let ctx = Context::new(s.docs, s.idx, open, s.policy, s.decided);
            let ctx = match &tracker {
                Some(t) => ctx.tracked(t, t.part_of_payment(pi), rank),
                None => ctx,
            };
            let named = s.named[pi]
                .as_ref()
                .expect("worked out for every payment to match");
            decide(
                s.docs,
                signals::candidates(&ctx, p, named, payer),
                s.policy.review_below,
                p.date,
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
                } else if let Some(d) = &payer.disagreement {
                    let ids = |l: &[&crate::ids::DebtorId]| {
                        l.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()
                    };
                    let e = Evidence::AccountAndNameDisagree {
                        by_account: ids(&d.by_account),
                        by_name: ids(&d.by_name),
                    };
                    out.notes.push(e.describe());
                    out.evidence.push(e);
                } else if payer.debtors.len() > 1 {
                    out.notes.push(format!(
                        "the payer's account belongs to {} debtors; not applied",
                        payer.debtors.len()
                    ));
                }
            }
            Some(Decision::Review(candidates, reason)) => {
                let offered = done.review.len();
                for (c, score) in &candidates {
                    for &(d, a) in &c.parts {
                        let doc = &s.docs[d as usize].document;
                        done.review.push((
                            rank,
                            Proposal {
                                payment: pi,
                                document: doc.key(),
                                amount: Money::new(a, doc.currency),
                                rule: c.rule,
                                confidence: *score,
                                reason: reason.clone(),
                                evidence: c.evidence.clone(),
                            },
                        ));
                    }
                }
                // Every reading's documents have nothing open (a person settled the one named,
                // another payment took the other): nothing to choose between, so it is money
                // not applied, listed where such money is, not a review row that never shows
                // (review 46a, F-4).
                let nothing_to_choose = done.review.len() == offered;
                out.status = PaymentStatus::Review;
                // Who paid, when the account says so; else whom the candidates name, when they all
                // name the same debtor. A payer known only by name, or candidates of several
                // debtors, stay unidentified while in review, so the gate weighs the money against
                // every debtor's items (which candidate a tie lists first must not decide whose
                // items the money may have paid).
                let common = candidates
                    .first()
                    .and_then(|(c, _)| c.debtor.clone())
                    .filter(|d| candidates.iter().all(|(c, _)| c.debtor.as_ref() == Some(d)));
                out.debtor = match (payer.one(), payer.by_name()) {
                    (Some(d), false) => Some(d.clone()),
                    // Money not applied waits on whom its name or its documents say: on nobody,
                    // it would hold nothing (review 46c, F-3: the payer's other invoice was
                    // claimed while its duplicate payment lay unapplied).
                    (Some(d), true) if nothing_to_choose => Some(d.clone()),
                    (_, true) if !nothing_to_choose => None,
                    _ => common,
                };
                out.evidence = candidates
                    .into_iter()
                    .next()
                    .map(|(c, _)| c.evidence)
                    .unwrap_or_default();
                if nothing_to_choose {
                    out.unapplied = amount;
                    out.status = if out.debtor.is_some() {
                        PaymentStatus::Unapplied
                    } else {
                        PaymentStatus::Unmatched
                    };
                    out.notes.extend(
                        out.evidence
                            .iter()
                            .filter(|e| e.notable())
                            .map(Evidence::describe),
                    );
                } else {
                    out.notes.push(reason);
                }
            }
            Some(Decision::Apply(c, score)) => {
                let mut applied = Decimal::ZERO;
                for &(d, a) in &c.parts {
                    let doc = &s.docs[d as usize].document;
                    if let Some(o) = open[d as usize].as_mut() {
                        *o -= a;
                    }
                    done.written.push(Took {
                        rank,
                        payment: pi as u32,
                        doc: d,
                        amount: a,
                        rule: c.rule,
                        confidence: score,
                    });
                    applied += a;
                    let left = open[d as usize].unwrap_or_default();
                    if left > Decimal::ZERO && left <= s.policy.fee_tolerance {
                        done.notes.push((
                            rank,
                            ReconcileNote {
                                document: doc.key(),
                                message: format!(
                                    "payment {} leaves {left} {} open: a shortfall such as bank fees; it stays open",
                                    p.id, doc.currency
                                ),
                            },
                        ));
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
        out.evidence = fitted(out.evidence);
        out.notes = fitted(out.notes);
        done.outcomes.push((pi, out));
    }
    if let Some(t) = tracker {
        done.looks = t.into_looks();
    }
    done
}

/// `v` in an allocation of its own length. A list grown by pushes has room for four: an
/// outcome's two pieces of evidence kept 320 bytes, and every outcome is kept until the
/// reconciliation is written.
fn fitted<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut fitted = Vec::with_capacity(v.len());
    fitted.extend(v);
    fitted
}
