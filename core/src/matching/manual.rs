//! Decisions made by hand (`incasso allocate`, `unallocate`): applied before any signal is asked,
//! and they always win. Of a person's decisions about one payment and one document, the last one
//! made holds.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use super::booked::{credit_set_off, room_since};
use super::{BooksSettled, ManualDecision, PaymentOutcome, PaymentStatus};
use crate::model::{
    Allocation, AllocationRule, AllocationSource, DocumentKey, LedgerDocument, Payment,
};
use crate::money::Money;
use crate::reconcile::Reconciliation;

/// What a person's decisions come to, whatever order they were made in.
#[derive(Debug, Default)]
pub struct DecisionsInForce<'m> {
    /// The allocations by hand that hold: each pair's last allocation, unless taken back after
    /// it; in the order made (a payment runs out in that order).
    pub allocations: Vec<(&'m str, &'m DocumentKey, Option<Decimal>)>,
    /// Payments the rules must not apply at all.
    pub excluded: HashSet<&'m str>,
    /// Payment and document pairs the rules must not join.
    pub excluded_pairs: HashSet<(&'m str, &'m DocumentKey)>,
}

/// The decisions in force, oldest first in `decisions`: a later allocation of a pair replaces an
/// earlier one, a later "unallocate" (of the pair or of the whole payment) takes back what came
/// before it and nothing after it. What was taken back stays out of the rules' reach.
pub fn decisions_in_force(decisions: &[ManualDecision]) -> DecisionsInForce<'_> {
    type Pair<'m> = (&'m str, &'m DocumentKey);
    let mut out = DecisionsInForce::default();
    let mut allocated: HashMap<Pair, (usize, Option<Decimal>)> = HashMap::new();
    let mut pair_taken_back: HashMap<Pair, usize> = HashMap::new();
    let mut payment_taken_back: HashMap<&str, usize> = HashMap::new();
    for (at, d) in decisions.iter().enumerate() {
        match d {
            ManualDecision::Allocate {
                payment,
                document,
                amount,
            } => {
                allocated.insert((payment, document), (at, *amount));
            }
            ManualDecision::Unallocate {
                payment,
                document: Some(k),
            } => {
                pair_taken_back.insert((payment, k), at);
                out.excluded_pairs.insert((payment, k));
            }
            ManualDecision::Unallocate {
                payment,
                document: None,
            } => {
                payment_taken_back.insert(payment, at);
                out.excluded.insert(payment);
            }
        }
    }
    let mut holding: Vec<(usize, Pair, Option<Decimal>)> = allocated
        .into_iter()
        .filter(|&(pair, (at, _))| {
            pair_taken_back.get(&pair).is_none_or(|&t| t < at)
                && payment_taken_back.get(pair.0).is_none_or(|&t| t < at)
        })
        .map(|(pair, (at, amount))| (at, pair, amount))
        .collect();
    holding.sort_unstable_by_key(|&(at, ..)| at);
    out.allocations = holding
        .into_iter()
        .map(|(_, (p, k), amount)| (p, k, amount))
        .collect();
    out
}

/// What the decisions in force left for the rules to respect.
#[derive(Debug, Default)]
pub(super) struct Decided<'m> {
    /// Payments the rules must not apply at all.
    pub excluded: HashSet<&'m str>,
    /// Payment and document pairs the rules must not join.
    pub excluded_pairs: HashSet<(&'m str, u32)>,
    /// Payments a person applied (in part): the rules leave them alone.
    pub payments: HashSet<usize>,
    /// Documents a person applied a payment to: another payment whose text names one of them,
    /// settled, contradicts the person and waits for one (review 45e).
    pub documents: HashSet<u32>,
}

/// Applies the decisions' allocations to `rec`; what the rules must respect.
pub(super) fn apply_manual<'m>(
    docs: &[LedgerDocument],
    payments: &[Payment],
    manual: &'m [ManualDecision],
    outcomes: &mut [PaymentOutcome],
    books: &BooksSettled,
    rec: &mut Reconciliation,
) -> Decided<'m> {
    let mut done = Decided::default();
    let decided = decisions_in_force(manual);
    // Only the payments and documents a decision names are looked up: a map of every bank
    // line and every document took most of a second at a million, for the few decisions a
    // store holds (none, in most).
    let named_payments: HashSet<&str> = decided.allocations.iter().map(|&(p, ..)| p).collect();
    let by_id: HashMap<&str, usize> = if named_payments.is_empty() {
        HashMap::new()
    } else {
        payments
            .iter()
            .enumerate()
            .filter(|(_, p)| named_payments.contains(p.id.as_str()))
            .map(|(i, p)| (p.id.as_str(), i))
            .collect()
    };
    let named_keys: HashSet<&DocumentKey> = decided
        .allocations
        .iter()
        .map(|&(_, k, _)| k)
        .chain(decided.excluded_pairs.iter().map(|&(_, k)| k))
        .collect();
    let named_numbers: HashSet<&str> = named_keys.iter().map(|k| k.number.as_str()).collect();
    let by_key: HashMap<DocumentKey, u32> = if named_keys.is_empty() {
        HashMap::new()
    } else {
        docs.iter()
            .enumerate()
            .filter(|(_, d)| named_numbers.contains(d.document.number.normalised().as_ref()))
            .map(|(i, d)| (d.document.key(), i as u32))
            .filter(|(k, _)| named_keys.contains(k))
            .collect()
    };
    done.excluded = decided.excluded;
    done.excluded_pairs.extend(
        decided
            .excluded_pairs
            .iter()
            .filter_map(|&(p, k)| by_key.get(k).map(|&d| (p, d))),
    );
    // Where the books' settlement of each document decided about is, and the credit in it.
    let targets: HashSet<u32> = decided
        .allocations
        .iter()
        .filter_map(|(_, k, _)| by_key.get(*k).copied())
        .collect();
    let source: HashMap<u32, usize> = rec
        .allocations
        .iter()
        .enumerate()
        .filter(|(_, a)| a.from == AllocationSource::SourceLedger)
        .filter_map(|(i, a)| {
            let d = *by_key.get(&a.document)?;
            targets.contains(&d).then_some((d, i))
        })
        .collect();
    let set_off = credit_set_off(docs, source.keys().copied());
    // Each decision that can be applied, in the order made: its payment, its document, the
    // amount given, and what it takes of the books' settlement and of what is open.
    struct Taking {
        pi: usize,
        d: u32,
        amount: Option<Decimal>,
        booked: Decimal,
        from_open: Decimal,
    }
    let mut takings: Vec<Taking> = Vec::new();
    for (payment, document, amount) in decided.allocations {
        let (Some(&pi), Some(&d)) = (by_id.get(payment), by_key.get(document)) else {
            continue;
        };
        let p = &payments[pi];
        let doc = &docs[d as usize].document;
        let out = &mut outcomes[pi];
        // A receipt given back (an agency's reversal of it) that the books may have booked: the
        // invoice may be unpaid again, and the books say so only once the bookkeeper books the
        // bounce. Named in the report's notes, as a bank's storno is (review 46d, F-2).
        if out.status == PaymentStatus::Reversed {
            if let (Some(&i), Some(Some(on))) = (source.get(&d), books.read_on.get(d as usize)) {
                if p.date <= *on && rec.allocations[i].amount.amount() > Decimal::ZERO {
                    rec.notes.push(crate::reconcile::ReconcileNote {
                        document: doc.key(),
                        message: format!(
                            "the books report {} settled in the export read on {on}, and {} of {} {} on {} allocated to it was given back: if the books booked it, it is unpaid again, and it is not claimed until they say so",
                            doc.number,
                            p.id,
                            p.amount.currency(),
                            p.amount.amount(),
                            p.date
                        ),
                    });
                }
            }
        }
        if !matches!(
            out.status,
            PaymentStatus::Unmatched | PaymentStatus::Allocated | PaymentStatus::PartlyAllocated
        ) || p.amount.currency() != doc.currency
        {
            out.notes.push(format!(
                "manual allocation to {} not possible: payment is {}",
                doc.number,
                out.status.code()
            ));
            continue;
        }
        // The rules never apply a payment a person decided about, even where the decision can
        // take nothing: they would put it where the person said it does not belong.
        done.payments.insert(pi);
        takings.push(Taking {
            pi,
            d,
            amount,
            booked: Decimal::ZERO,
            from_open: Decimal::ZERO,
        });
    }
    let mut given: HashMap<usize, Decimal> = HashMap::new();
    let left = |given: &HashMap<usize, Decimal>, pi: usize| {
        payments[pi].amount.amount() - given.get(&pi).copied().unwrap_or_default()
    };
    // First what the books settled, for every decision: a payment the books booked is that
    // settlement wherever they booked it among the documents decided, before any of it pays
    // what is still open (a bookkeeper booked the transfer: review 46a, F-2; the agency's
    // remittance, which paying the open rest as well counted twice: 46c, F-2; booked over a
    // claim's invoices otherwise than split here: 46d, F-1). Only what exports read on or after
    // the payment's day report settled beyond earlier ones can be it, never the credit they set
    // off: an export read before the money came cannot hold it.
    let mut took_over = false;
    for t in &mut takings {
        let Some(&i) = source.get(&t.d) else {
            continue;
        };
        let doc = &docs[t.d as usize].document;
        let now = rec.allocations[i].amount.amount();
        let day = payments[t.pi].date;
        let room = room_since(books, t.d, now, set_off.of(t.d, docs), day);
        let left = left(&given, t.pi);
        let b = t
            .amount
            .unwrap_or(left)
            .min(left)
            .min(room)
            .max(Decimal::ZERO);
        if b > Decimal::ZERO {
            let source = &mut rec.allocations[i];
            source.amount = Money::new(now - b, doc.currency);
            took_over = true;
            t.booked = b;
            *given.entry(t.pi).or_default() += b;
        }
    }
    // Then what is open, with what the books do not hold of each payment: the amount given
    // less what it took of the settlement, else all it can.
    for t in &mut takings {
        let left = left(&given, t.pi);
        let open = rec.open[t.d as usize]
            .unwrap_or_default()
            .max(Decimal::ZERO);
        let o = t
            .amount
            .map_or(left, |x| x - t.booked)
            .min(left)
            .min(open)
            .max(Decimal::ZERO);
        if o > Decimal::ZERO {
            if let Some(open) = rec.open[t.d as usize].as_mut() {
                *open -= o;
            }
            t.from_open = o;
            *given.entry(t.pi).or_default() += o;
        }
    }
    for t in takings {
        let p = &payments[t.pi];
        let doc = &docs[t.d as usize].document;
        let out = &mut outcomes[t.pi];
        let took = t.booked + t.from_open;
        if took.is_zero() {
            // Allocated to a document with nothing open (paid meanwhile by other money; the
            // agency's costs on an invoice it collected whole): the payer is that document's
            // debtor all the same, so the money waits on them and holds their next claim
            // (review 45b, F-6: it was unidentified, and the debtor's next claim went).
            if out.allocated.is_zero() {
                out.debtor = Some(doc.debtor.clone());
                out.status = PaymentStatus::Unapplied;
                out.unapplied = p.amount.amount();
            }
            out.notes.push(format!(
                "allocated by hand to {}, which has nothing open and no settlement in the books left that this payment can be: the money waits, unapplied",
                doc.number
            ));
            continue;
        }
        done.documents.insert(t.d);
        if t.booked > Decimal::ZERO {
            out.notes.push(format!(
                "allocated by hand to {}: {} of it is what the books report settled of it",
                doc.number, t.booked
            ));
        }
        if let Some(x) = t.amount.filter(|&x| took < x) {
            out.notes.push(format!(
                "allocated by hand to {}: {took} of the {x} decided (what it had open, or what was left of the payment)",
                doc.number
            ));
        }
        out.allocated += took;
        out.unapplied = p.amount.amount() - out.allocated;
        out.debtor = Some(doc.debtor.clone());
        out.status = if out.unapplied.is_zero() {
            PaymentStatus::Allocated
        } else {
            PaymentStatus::PartlyAllocated
        };
        rec.allocations.push(Allocation {
            from: AllocationSource::Payment(p.id.clone()),
            document: doc.key(),
            amount: Money::new(took, doc.currency),
            rule: AllocationRule::Manual,
            confidence: 100,
        });
    }
    // A settlement of the books wholly taken over leaves no allocation of its own.
    if took_over {
        rec.allocations
            .retain(|a| !(a.from == AllocationSource::SourceLedger && a.amount.amount().is_zero()));
    }
    done
}
