//! Reversals: a line the bank took back (a chargeback, a returned direct debit) cancels the
//! incoming line it undoes, so neither pays anything.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::numbers::numbers_in;
use super::{PaymentOutcome, PaymentStatus};
use crate::model::{Payment, PaymentKind};

/// Cancels each reversal (booked by the as-of date) against the incoming line it undoes (same
/// account, amount and counterparty, booked on or before it): of those, the one whose texts
/// share the most digits with the reversal's (the invoice number, the end-to-end id a return
/// repeats), then the latest. A reversal whose numbers are those of a line another reversal
/// already cancelled, more than of any line left, is that return read a second time (the same
/// statement in two formats, dated apart): it cancels nothing, so a genuine payment alike is
/// not undone by it. Lines on one day sort by id, so a reversal may come before its line in
/// `order`: every incoming line is known first.
pub(super) fn cancel_reversals(
    payments: &[Payment],
    order: &[usize],
    as_of: NaiveDate,
    outcomes: &mut [PaymentOutcome],
) {
    // Money out the bank did not mark as a reversal may still be one: a debit repeating a
    // collection's end-to-end id, or saying it is a return (review 43a, F-6).
    let returning: Vec<bool> = payments.iter().map(may_return).collect();
    if !returning.iter().any(|&r| r) {
        return;
    }
    type Key<'a> = (Option<&'a str>, Decimal, Option<&'a str>);
    fn key(p: &Payment) -> Key<'_> {
        (
            p.account.as_deref(),
            p.amount.amount().abs(),
            p.counterparty_account.as_deref(),
        )
    }
    /// The incoming lines alike: each with the reversal that cancelled it, once one did.
    type Alike = Vec<(usize, Option<usize>)>;
    let mut incoming: HashMap<Key<'_>, Alike> = HashMap::new();
    for &i in order {
        if payments[i].kind == PaymentKind::Incoming
            && outcomes[i].status == PaymentStatus::Unmatched
        {
            incoming
                .entry(key(&payments[i]))
                .or_default()
                .push((i, None));
        }
    }
    for &i in order {
        let p = &payments[i];
        if !returning[i] || p.amount.amount() >= Decimal::ZERO || p.date > as_of {
            continue;
        }
        let ours = numbers(p);
        let marked = p.kind == PaymentKind::Reversal;
        if !marked {
            // Money out: a return only of a line alike that its end-to-end id or its words say
            // it gives back; else an ordinary payment (a refund of an overpayment, a supplier).
            let Some(alike) = incoming.get(&key(p)) else {
                continue;
            };
            let same_id = |j: usize| {
                p.end_to_end_id.is_some() && p.end_to_end_id == payments[j].end_to_end_id
            };
            if !returned(p) && !alike.iter().any(|&(j, _)| same_id(j)) {
                continue;
            }
        }
        let alike = incoming.entry(key(p)).or_default();
        // (digits shared, place) of the best line left and of the best line already cancelled.
        let mut left: Option<(usize, usize)> = None;
        let mut taken: Option<(usize, usize)> = None;
        for (at, &(j, by)) in alike.iter().enumerate() {
            if payments[j].date > p.date {
                continue;
            }
            let score = likeness(p, &ours, &payments[j]);
            let best = if by.is_none() { &mut left } else { &mut taken };
            if best.is_none_or(|(s, _)| score >= s) {
                *best = Some((score, at));
            }
        }
        // Read twice: what it shares with a line undone already, its id aside (`>> 1`).
        let repeats = match (taken, left) {
            (Some((t, at)), Some((l, _))) if t >> 1 > l >> 1 => Some(at),
            (Some((t, at)), None) if t >> 1 > 0 => Some(at),
            _ => None,
        };
        if let Some(at) = repeats {
            let (j, by) = alike[at];
            let by = by.expect("a cancelled line");
            outcomes[i].notes.push(format!(
                "reverses nothing: it names what {} reverses already ({}), the same return \
                 read twice?",
                payments[by].id, payments[j].id
            ));
            continue;
        }
        match left {
            Some((_, at)) => {
                let j = alike[at].0;
                alike[at].1 = Some(i);
                outcomes[j].status = PaymentStatus::Reversed;
                outcomes[j].notes.push(format!("reversed by {}", p.id));
                outcomes[i]
                    .notes
                    .push(format!("reverses {}", payments[j].id));
            }
            None => outcomes[i]
                .notes
                .push("reverses a line not in the ledger".into()),
        }
    }
}

/// Whether a line may give money back: the bank marked it a reversal, or it is money out with
/// an end-to-end id (a collection's, repeated by its return) or words of a return.
fn may_return(p: &Payment) -> bool {
    match p.kind {
        PaymentKind::Reversal => true,
        PaymentKind::Outgoing => p.end_to_end_id.is_some() || returned(p),
        PaymentKind::Incoming | PaymentKind::AppliedUpstream => false,
    }
}

/// SEPA reason codes of a returned or refused collection or transfer (EPC R-transactions).
const RETURN_CODES: &[&str] = &[
    "AC01", "AC04", "AC06", "AC13", "AG01", "AG02", "AM04", "AM05", "BE05", "CNOR", "DNOR", "FF01",
    "MD01", "MD02", "MD06", "MD07", "MS02", "MS03", "RC01", "RR01", "RR02", "RR03", "RR04", "SL01",
];

/// Whether a line's texts say it is a return: a word of one (`storno`, `stornering`,
/// `terugboeking`, `Rücklastschrift`, `Lastschriftrückgabe`, `chargeback`, `reversal`,
/// `onbetaalde domiciliering`), or `retour`, `return`, `refund`, `terugbetaling` or
/// `remboursement` with a SEPA reason code
/// (`RETOUR AC04`), a reason (`reden`) or the collection it gives back (`incasso`, `direct
/// debit`, `domiciliering`, `Lastschrift`). A `retour` or `refund` alone may be goods sent
/// back and refunded, which is no return of a payment.
pub fn says_returned(remittance: Option<&str>, structured: Option<&str>) -> bool {
    // Read without copying: it runs on every line of money out a bank file has.
    let has = |w: &str| {
        [remittance, structured]
            .into_iter()
            .flatten()
            .any(|t| contains_ignoring_ascii_case(t, w))
    };
    if [
        "storn",
        "terugboeking",
        "rücklastschrift",
        "ruecklastschrift",
        "rückbuchung",
        "rueckbuchung",
        "rückgabe",
        "rueckgabe",
        "chargeback",
        "reversal",
        "onbetaald",
    ]
    .iter()
    .any(|w| has(w))
    {
        return true;
    }
    if ![
        "retour",
        "return",
        "refund",
        "rtrn",
        "terugbetaling",
        "remboursement",
        "erstattung",
    ]
    .iter()
    .any(|w| has(w))
    {
        return false;
    }
    let coded = [remittance, structured].into_iter().flatten().any(|t| {
        t.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.len() == 4 && RETURN_CODES.iter().any(|c| c.eq_ignore_ascii_case(w)))
    });
    coded
        || [
            "reden",
            "reason",
            "incasso",
            "direct debit",
            "domicili",
            "lastschrift",
            "collection",
        ]
        .iter()
        .any(|w| has(w))
}

/// Whether `hay` has `needle` (lower case), ASCII letters compared without their case.
fn contains_ignoring_ascii_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// [`says_returned`] of a line's texts.
fn returned(p: &Payment) -> bool {
    says_returned(p.remittance.as_deref(), p.structured_reference.as_deref())
}

/// The numbers in a line's texts ([`numbers_in`]).
fn numbers(p: &Payment) -> Vec<&str> {
    numbers_in(
        [
            p.remittance.as_deref(),
            p.structured_reference.as_deref(),
            p.end_to_end_id.as_deref(),
        ]
        .into_iter()
        .flatten(),
    )
}

/// How alike a reversal (with its `numbers`) and an incoming line are: the digits their texts
/// share, and above any count of them the same end-to-end id, which a return repeats. Between
/// lines alike in those, one with an end-to-end id of its own (a collection, which always has
/// one) is the likelier: a returned direct debit that repeats nothing undid the collection, not
/// a transfer the debtor made later (review 43b, F-5).
fn likeness(reversal: &Payment, numbers_of_reversal: &[&str], line: &Payment) -> usize {
    let theirs = numbers(line);
    let digits: usize = numbers_of_reversal
        .iter()
        .filter(|n| theirs.binary_search(n).is_ok())
        .map(|n| n.len())
        .sum();
    let same_id = reversal.end_to_end_id.is_some() && reversal.end_to_end_id == line.end_to_end_id;
    2 * digits + usize::from(line.end_to_end_id.is_some()) + if same_id { 1 << 20 } else { 0 }
}
