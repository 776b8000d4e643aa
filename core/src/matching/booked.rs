//! Money the books booked already. A ledger export reports what its books settled of an invoice
//! (`Betaald`, or less open than the total); the bank statement holds the transfers. When the
//! bookkeeper booked a transfer, the next export's open amount has it, and taking the transfer
//! off again would count one payment twice: the agency would chase 420.00 where 1,420.00 is
//! owed, and a transfer for an invoice the books call paid would be unapplied cash that holds
//! the debtor's other invoices (review 44a, F-1 and F-2).
//!
//! A payment is taken for money the books booked when all of these hold:
//! - its text or reference names one invoice (the whole number or its digits, not the sequence
//!   alone), of the debtor the account or the name says, if either says one;
//! - with the earlier such payments naming the invoice, it adds up to what the books reported
//!   settled of it since the day before the first of them, within the fee tolerance, and none
//!   is more than the books settled since its own day (each amount the books reported is dated
//!   by the export that first reported it: `BooksSettled`). Credit notes of the debtor the books
//!   set off (naming the invoice, or none) are no money and are taken out first. Payments that
//!   explain only part of it leave the rest to other money, a cash payment or a write-off, so
//!   whether the books booked them cannot be told: they are matched as any payment is, which
//!   never claims too much;
//! - the export that first reported the settlement as it stands was read on or after the
//!   payment's date: an export read before the money came cannot hold it, so a transfer after
//!   it is money on top (a second part payment, or a cash payment the books booked and a
//!   transfer besides).
//!
//! Such a payment takes that part of the books' settlement over, with its date (interest and
//! costs know when it was paid), and the open amount stays what the books say.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use super::index::Indexes;
use super::learn::Learned;
use super::numbers::KeyStrength;
use super::signals::{payer, Named};
use super::{BooksSettled, Evidence, MatchPolicy, PaymentOutcome, PaymentStatus};
use crate::model::{
    Allocation, AllocationRule, AllocationSource, DocumentKey, DocumentKind, DocumentStatus,
    LedgerDocument, Payment,
};
use crate::money::{Currency, Money};
use crate::reconcile::Reconciliation;

/// Finds the payments in `wanted` (in date and id order) that are money the books booked,
/// applies each to its invoice in `rec` (taking that part of the source's settlement over) and
/// in `outcomes`, and gives the payments left to match.
#[allow(clippy::too_many_arguments)]
pub(super) fn take_booked(
    docs: &[LedgerDocument],
    payments: &[Payment],
    wanted: Vec<usize>,
    named: &[Option<Named>],
    books: &BooksSettled,
    idx: &Indexes<'_>,
    learned: &Learned<'_>,
    policy: &MatchPolicy,
    settled_by_hand: &std::collections::HashSet<u32>,
    rec: &mut Reconciliation,
    outcomes: &mut [PaymentOutcome],
) -> Vec<usize> {
    let read_on = &books.read_on;
    if read_on.is_empty() {
        return wanted;
    }
    // The payments that may be: naming one invoice the books showed settled in an export read
    // on or after the payment's date.
    let candidates: Vec<(usize, u32)> = wanted
        .iter()
        .filter_map(|&pi| {
            let p = &payments[pi];
            let d = named[pi].as_ref().and_then(one_invoice)?;
            // A person said which money the books' settlement is (`manual.rs`).
            if settled_by_hand.contains(&d) {
                return None;
            }
            let doc = &docs[d as usize].document;
            let on = read_on.get(d as usize).copied().flatten()?;
            (doc.kind == DocumentKind::Invoice
                && p.date <= on
                && p.amount.amount() > Decimal::ZERO
                && p.amount.currency() == doc.currency)
                .then_some((pi, d))
        })
        .collect();
    if candidates.is_empty() {
        return wanted;
    }
    // What the books settled of each of their invoices, and where that allocation is.
    let want: FxHashMap<DocumentKey, u32> = candidates
        .iter()
        .map(|&(_, d)| (docs[d as usize].document.key(), d))
        .collect();
    let mut settled: FxHashMap<u32, (usize, Decimal)> = FxHashMap::default();
    for (i, a) in rec.allocations.iter().enumerate() {
        if a.from == AllocationSource::SourceLedger {
            if let Some(&d) = want.get(&a.document) {
                settled.insert(d, (i, a.amount.amount()));
            }
        }
    }
    let set_off = credit_set_off(docs, settled.keys().copied());
    // Per invoice, the payments naming it from no other debtor, in date order.
    let mut naming: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (pi, d) in candidates {
        let doc = &docs[d as usize].document;
        if !settled.contains_key(&d) {
            continue;
        }
        // Another debtor's money is not this invoice's booking.
        let payer = payer::identify(&payments[pi], idx, learned, payments);
        if !payer.debtors.is_empty() && !payer.debtors.contains(&&doc.debtor) {
            continue;
        }
        naming.entry(d).or_default().push(pi);
    }
    let mut booked = FxHashSet::default();
    let mut invoices: Vec<u32> = naming.keys().copied().collect();
    invoices.sort_unstable();
    for d in invoices {
        let doc = &docs[d as usize].document;
        let (source, now) = settled[&d];
        let fee = policy.fee_tolerance;
        let set_off = set_off.of(d, docs);
        let on = read_on[d as usize].expect("a candidate's");
        // What transfers made on or after a day may explain of what the books settled.
        let room = |day: NaiveDate| room_since(books, d, now, set_off, day);
        // The earliest payments that add up to what the books settled since the first of them,
        // within the fee tolerance, none more than the books settled since its own day: they
        // are that money. Payments that explain only part of it leave the rest to other money
        // (cash, a write-off), and whether the books booked them cannot be told: they are
        // matched as any payment is, which never claims too much.
        let list = &naming[&d];
        let amount_of = |pi: usize| payments[pi].amount.amount();
        let fits = |take: usize| -> bool {
            let total = room(payments[list[0]].date);
            let sum: Decimal = list[..take].iter().map(|&pi| amount_of(pi)).sum();
            total > Decimal::ZERO
                && sum >= total - fee
                && (0..take).all(|k| {
                    let since: Decimal = list[k..take].iter().map(|&pi| amount_of(pi)).sum();
                    since <= room(payments[list[k]].date) + fee
                })
        };
        let mut take = list.len();
        while take > 0 && !fits(take) {
            take -= 1;
        }
        if take == 0 {
            continue;
        }
        let mut rest = now;
        for &pi in &list[..take] {
            let p = &payments[pi];
            let amount = p.amount.amount();
            let took = amount.min(rest);
            let e = Evidence::BookedInSource {
                number: doc.number.to_string(),
                settled: rest,
                read_on: on,
            };
            rest -= took;
            let source_alloc = &mut rec.allocations[source];
            source_alloc.amount = Money::new(source_alloc.amount.amount() - took, doc.currency);
            rec.allocations.push(Allocation {
                from: AllocationSource::Payment(p.id.clone()),
                document: doc.key(),
                amount: Money::new(took, doc.currency),
                rule: AllocationRule::BookedInSource,
                confidence: 95,
            });
            let out = &mut outcomes[pi];
            out.debtor = Some(doc.debtor.clone());
            out.allocated = took;
            out.unapplied = amount - took;
            out.status = if out.unapplied.is_zero() {
                PaymentStatus::Allocated
            } else {
                PaymentStatus::PartlyAllocated
            };
            out.notes.push(e.describe());
            out.evidence = vec![e];
            booked.insert(pi);
        }
    }
    if booked.is_empty() {
        return wanted;
    }
    // A source settlement wholly taken over by payments leaves no allocation of its own.
    rec.allocations
        .retain(|a| !(a.from == AllocationSource::SourceLedger && a.amount.amount().is_zero()));
    wanted
        .into_iter()
        .filter(|pi| !booked.contains(pi))
        .collect()
}

/// What of the books' settlement of document `d` (`now`, of which `set_off` is credit) money of
/// `day` or later can be: what exports read on or after that day report beyond what earlier ones
/// did. Nothing when the books report no settlement of it; all but the credit when nothing is
/// known of when they were read.
pub(super) fn room_since(
    books: &BooksSettled,
    d: u32,
    now: Decimal,
    set_off: Decimal,
    day: NaiveDate,
) -> Decimal {
    let before = match books.read_on.get(d as usize) {
        Some(Some(on)) => settled_before(books, d, *on, now, day),
        Some(None) => now,
        None => Decimal::ZERO,
    };
    (now - before - set_off).max(Decimal::ZERO)
}

/// What the books reported settled of document `d` in exports read before `day`: transfers of
/// that day or later cannot be part of it. `on` is the day the export reporting `now`, the
/// settlement as it stands, was read.
fn settled_before(
    books: &BooksSettled,
    d: u32,
    on: NaiveDate,
    now: Decimal,
    day: NaiveDate,
) -> Decimal {
    if on < day {
        return now;
    }
    books
        .earlier
        .get(&d)
        .into_iter()
        .flatten()
        .rfind(|&&(read, _)| read < day)
        .map_or(Decimal::ZERO, |&(_, settled)| settled)
}

/// Credit the books set off, per invoice and per debtor and currency ([`credit_set_off`]).
pub(super) struct SetOff<'d> {
    credit: FxHashMap<u32, Decimal>,
    unlinked: FxHashMap<(&'d str, Currency), Decimal>,
}

impl SetOff<'_> {
    /// What of the books' settlement of document `d` is credit, not money: that naming it, and
    /// all of its debtor's credit naming none.
    pub(super) fn of(&self, d: u32, docs: &[LedgerDocument]) -> Decimal {
        let doc = &docs[d as usize].document;
        self.credit.get(&d).copied().unwrap_or_default()
            + self
                .unlinked
                .get(&(doc.debtor.as_str(), doc.currency))
                .copied()
                .unwrap_or_default()
    }
}

/// Credit the books set off against invoices `of`, part of what they report settled and no
/// money: per invoice, that of credit notes naming it (review 44c, F-2); per debtor and
/// currency, that of credit notes naming none (44d, F-6).
pub(super) fn credit_set_off(docs: &[LedgerDocument], of: impl Iterator<Item = u32>) -> SetOff<'_> {
    let of: Vec<u32> = of.collect();
    let numbers: FxHashMap<(&str, std::borrow::Cow<'_, str>), u32> = of
        .iter()
        .map(|&d| {
            let doc = &docs[d as usize].document;
            ((doc.debtor.as_str(), doc.number.normalised()), d)
        })
        .collect();
    let debtors: FxHashSet<(&str, Currency)> = of
        .iter()
        .map(|&d| {
            let doc = &docs[d as usize].document;
            (doc.debtor.as_str(), doc.currency)
        })
        .collect();
    let mut credit: FxHashMap<u32, Decimal> = FxHashMap::default();
    let mut unlinked: FxHashMap<(&str, Currency), Decimal> = FxHashMap::default();
    for ld in docs {
        let cn = &ld.document;
        if cn.kind != DocumentKind::CreditNote {
            continue;
        }
        let whole = cn.total.abs();
        let used = match (cn.status, cn.source_open) {
            (DocumentStatus::Paid, _) => whole,
            (_, Some(o)) => (whole - o.abs()).max(Decimal::ZERO),
            _ => Decimal::ZERO,
        };
        if used.is_zero() {
            continue;
        }
        match cn.credited_invoice.as_ref() {
            Some(target) => {
                if let Some(&d) = numbers.get(&(cn.debtor.as_str(), target.normalised())) {
                    *credit.entry(d).or_default() += used;
                }
            }
            None if debtors.contains(&(cn.debtor.as_str(), cn.currency)) => {
                *unlinked
                    .entry((cn.debtor.as_str(), cn.currency))
                    .or_default() += used;
            }
            None => {}
        }
    }
    SetOff { credit, unlinked }
}

/// Notes on the invoices the books report settled whose transfer naming them was given back
/// (a storno, a return): if the books booked that transfer, the invoice is unpaid again, and
/// it is not claimed until the books say so (review 44a, F-3: nothing said so). `returned` are
/// the given-back transfers with what each names.
pub(super) fn returned_after_booking(
    docs: &[LedgerDocument],
    payments: &[Payment],
    returned: &[(usize, Named)],
    read_on: &[Option<NaiveDate>],
    rec: &mut Reconciliation,
) {
    for (pi, named) in returned {
        let p = &payments[*pi];
        let Some(d) = one_invoice(named) else {
            continue;
        };
        let Some(on) = read_on.get(d as usize).copied().flatten() else {
            continue;
        };
        let doc = &docs[d as usize].document;
        if doc.kind != DocumentKind::Invoice || p.date > on {
            continue;
        }
        rec.notes.push(crate::reconcile::ReconcileNote {
            document: doc.key(),
            message: format!(
                "the books report {} settled in the export read on {on}, and the transfer {} of \
                 {} {} on {} that named it was given back: if the books booked that transfer, it \
                 is unpaid again, and it is not claimed until they say so",
                doc.number,
                p.id,
                p.amount.currency(),
                p.amount.amount(),
                p.date
            ),
        });
    }
}

/// The one invoice a payment's text or reference designates: by reference, or by its whole
/// number or all its digits (a sequence alone is too loose to say the books booked it).
fn one_invoice(named: &Named) -> Option<u32> {
    match (&named.by_reference[..], &named.by_number[..]) {
        ([(d, _)], _) => Some(*d),
        ([], [(d, KeyStrength::Full | KeyStrength::Digits)]) => Some(*d),
        _ => None,
    }
}
