//! A total booked in detail in another export: a bank's CSV books a direct-debit collection as
//! one line with no payer, where its camt.053 of the same day lists the debits of one entry with
//! their payers. With both imported, the transactions pay the invoices and the total is left as
//! money nobody paid. It is the same money: it must not hold items as a collection does.
//!
//! | the line | booked in detail when | boundary |
//! |---|---|---|
//! | money in, nobody identified, nothing applied, from no account or the one it was booked to | one entry of another file, same day, account and currency, lists two or more transactions that together make it | transfers that merely add up to it (two camt.054 notifications of that day) are no detail; an entry details one total only; detail booked on other days is not seen |

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rustc_hash::FxHashSet;

use super::{PaymentOutcome, PaymentStatus};
use crate::ids::{compact_account as compact, no_payer_account};
use crate::model::{Location, Payment, PaymentKind};
use crate::money::Currency;

/// Whether a line may be a total with no payer: money in, nobody identified, nothing applied
/// (or booked after the as-of date), from no account or from the one it was booked to.
fn may_be_total(p: &Payment, o: &PaymentOutcome) -> bool {
    p.kind == PaymentKind::Incoming
        && o.debtor.is_none()
        && p.amount.amount() > Decimal::ZERO
        && match o.status {
            PaymentStatus::Unmatched => o.unapplied == p.amount.amount(),
            PaymentStatus::Later => true,
            _ => false,
        }
        && no_payer_account(p.counterparty_account.as_deref(), p.account.as_deref())
}

/// The camt.053 entry a line is one transaction of, when its entry lists several (or the rest
/// its details leave out, placed at its `NtryDtls`): the file and the entry's place
/// (`Stmt[1]/Ntry[4]`).
fn entry_of(p: &Payment) -> Option<(&str, &str)> {
    let Location::Element(path) = &p.provenance.location else {
        return None;
    };
    let at = path.find("/NtryDtls")?;
    Some((p.provenance.source.content_hash.as_str(), &path[..at]))
}

/// The payments that are totals booked in detail in another file (see the module), each with
/// a note naming the entry that lists it.
pub(super) fn mark(payments: &[Payment], outcomes: &mut [PaymentOutcome]) -> Vec<usize> {
    type Day = (chrono::NaiveDate, Option<String>, Currency);
    let day = |p: &Payment| -> Day {
        (
            p.date,
            p.account.as_deref().map(compact),
            p.amount.currency(),
        )
    };
    let totals: Vec<usize> = (0..payments.len())
        .filter(|&i| may_be_total(&payments[i], &outcomes[i]))
        .collect();
    if totals.is_empty() {
        return Vec::new();
    }
    let wanted: FxHashSet<Day> = totals.iter().map(|&i| day(&payments[i])).collect();
    // The entries of those days that list several transactions: their sums and lines.
    let mut entries: BTreeMap<(&str, &str), (Day, Decimal, Vec<usize>)> = BTreeMap::new();
    for (i, p) in payments.iter().enumerate() {
        let Some(entry) = entry_of(p) else {
            continue;
        };
        let d = day(p);
        if !wanted.contains(&d) {
            continue;
        }
        let e = entries
            .entry(entry)
            .or_insert_with(|| (d, Decimal::ZERO, Vec::new()));
        e.1 += p.amount.amount();
        e.2.push(i);
    }
    let mut marked = Vec::new();
    for &i in &totals {
        let p = &payments[i];
        let d = day(p);
        let found = entries.iter().find(|((file, _), (at, sum, lines))| {
            *file != p.provenance.source.content_hash
                && *at == d
                && *sum == p.amount.amount()
                && lines.len() > 1
        });
        let Some((&key, (_, _, lines))) = found else {
            continue;
        };
        let first = &payments[lines[0]];
        outcomes[i].notes.push(format!(
            "booked in detail in another file: {} lists its {} transactions in entry {} \
             (the first at {}), so it is the same money",
            first.provenance.source.name,
            lines.len(),
            key.1,
            first.provenance.location,
        ));
        entries.remove(&key);
        marked.push(i);
    }
    marked
}
