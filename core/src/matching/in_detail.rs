//! A total booked in detail in another export: a bank's CSV books a direct-debit collection as
//! one line with no payer, where its camt.053 of the same day lists each debit with its payer.
//! With both imported, the transactions pay the invoices and the total is left as money nobody
//! paid; it is the same money, so it must not hold anything as a collection would.
//!
//! | the line | booked in detail when | boundary |
//! |---|---|---|
//! | money in, nobody identified, nothing applied, from no account or the one it was booked to | some of the lines of another file, same day, same account and currency, sum exactly to it | lines of the same file never count (a bank books a total or its parts, not both); too many lines to work the sums out: not in detail |

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::{PaymentOutcome, PaymentStatus};
use crate::ids::compact_account as compact;
use crate::model::{Payment, PaymentKind};
use crate::money::Currency;
use crate::subset_sums::covered;

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
        && match (&p.counterparty_account, &p.account) {
            (None, _) => true,
            (Some(from), Some(to)) => compact(from) == compact(to),
            (Some(_), None) => false,
        }
}

/// The payments that are totals booked in detail in another file (see the module), each with
/// a note saying which lines make it.
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
    let mut days: FxHashMap<Day, Vec<usize>> = FxHashMap::default();
    for &i in &totals {
        days.entry(day(&payments[i])).or_default();
    }
    for (i, p) in payments.iter().enumerate() {
        if p.kind != PaymentKind::Incoming || p.amount.amount() <= Decimal::ZERO {
            continue;
        }
        if let Some(list) = days.get_mut(&day(p)) {
            list.push(i);
        }
    }
    let mut marked = Vec::new();
    for &i in &totals {
        let p = &payments[i];
        let others: Vec<usize> = days[&day(p)]
            .iter()
            .copied()
            .filter(|&k| {
                k != i
                    && payments[k].provenance.source.content_hash
                        != p.provenance.source.content_hash
                    && payments[k].amount.amount() <= p.amount.amount()
            })
            .collect();
        let amounts: Vec<Decimal> = others
            .iter()
            .map(|&k| payments[k].amount.amount())
            .collect();
        let Some((sums, true)) = covered(p.amount.amount(), &amounts) else {
            continue;
        };
        let Some((_, one)) = sums.first() else {
            continue;
        };
        let mut places: Vec<String> = one
            .iter()
            .take(3)
            .map(|&m| payments[others[m]].provenance.to_string())
            .collect();
        if one.len() > 3 {
            places.push(format!("{} more", one.len() - 3));
        }
        outcomes[i].notes.push(format!(
            "booked in detail in another file: its lines of that day {} make this amount, so it \
             is the same money",
            places.join("; ")
        ));
        marked.push(i);
    }
    marked
}
