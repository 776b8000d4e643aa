//! Reversals: a line the bank took back (a chargeback, a returned direct debit) cancels the
//! incoming line it undoes, so neither pays anything.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{PaymentOutcome, PaymentStatus};
use crate::model::{Payment, PaymentKind};

/// Cancels each reversal (booked by the as-of date) against the latest incoming line it undoes
/// (same account, amount and counterparty) booked on or before it. Lines on one day sort by
/// id, so a reversal may come before its line in `order`: every incoming line is known first.
pub(super) fn cancel_reversals(
    payments: &[Payment],
    order: &[usize],
    as_of: NaiveDate,
    outcomes: &mut [PaymentOutcome],
) {
    if !payments.iter().any(|p| p.kind == PaymentKind::Reversal) {
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
    let mut incoming: HashMap<Key<'_>, Vec<usize>> = HashMap::new();
    for &i in order {
        if payments[i].kind == PaymentKind::Incoming
            && outcomes[i].status == PaymentStatus::Unmatched
        {
            incoming.entry(key(&payments[i])).or_default().push(i);
        }
    }
    for &i in order {
        let p = &payments[i];
        if p.kind != PaymentKind::Reversal || p.amount.amount() >= Decimal::ZERO || p.date > as_of {
            continue;
        }
        let candidates = incoming.entry(key(p)).or_default();
        match candidates.iter().rposition(|&j| payments[j].date <= p.date) {
            Some(at) => {
                let j = candidates.remove(at);
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
