//! Accounts learned from the whole bank history: a payer's account the ledger does not know,
//! seen paying exactly what one debtor's invoices had open, named by reference or number, is
//! that debtor's for every other payment from it, earlier or later. Worked out before any
//! payment is applied, so what is learned does not depend on the order of the lines.
//!
//! | the history shows | learned | boundary |
//! |---|---|---|
//! | an account paying exactly the open amount of invoices it names, all one debtor's | account → debtor | named by sequence number only: not learned |
//! | the same account paying invoices of two debtors | nothing | a shared account (a parent company, a payment provider) teaches nothing |
//! | an account the ledger gives a debtor already | nothing to learn | the ledger wins |

use rust_decimal::Decimal;

use super::numbers::KeyStrength;
use super::signals::{Context, Named};
use crate::ids::DebtorId;
use crate::model::Payment;
use rustc_hash::FxHashMap;

/// Accounts learned, each with its debtor and the first payment (by date and id) that taught it.
pub(crate) type Learned<'a> = FxHashMap<String, (&'a DebtorId, usize)>;

/// Learns accounts from the payments in `order` (date and id) whose texts name invoices exactly
/// paid, before any is applied.
pub(crate) fn learn<'a>(
    ctx: &Context<'_, 'a>,
    payments: &[Payment],
    order: &[usize],
    named: &[Option<Named>],
) -> Learned<'a> {
    let mut votes: FxHashMap<&str, Option<(&'a DebtorId, usize)>> = FxHashMap::default();
    for &pi in order {
        let (p, Some(n)) = (&payments[pi], &named[pi]) else {
            continue;
        };
        let Some(account) = p.counterparty_account.as_deref() else {
            continue;
        };
        if ctx.idx.accounts.contains_key(account) {
            continue;
        }
        let docs: Vec<u32> = if n.by_reference.is_empty() {
            n.by_number
                .iter()
                .filter(|(_, s)| *s > KeyStrength::Sequence)
                .map(|(d, _)| *d)
                .collect()
        } else {
            n.by_reference.iter().map(|(d, _)| *d).collect()
        };
        let Some(&first) = docs.first() else {
            continue;
        };
        let debtor = &ctx.docs[first as usize].document.debtor;
        let one_debtor = docs
            .iter()
            .all(|&d| &ctx.docs[d as usize].document.debtor == debtor);
        let open: Decimal = docs.iter().map(|&d| ctx.open_of(d)).sum();
        if !one_debtor || open.is_zero() || open != p.amount.amount() {
            continue;
        }
        let vote = votes.entry(account).or_insert(Some((debtor, pi)));
        if vote.is_some_and(|(d, _)| d != debtor) {
            *vote = None;
        }
    }
    votes
        .into_iter()
        .filter_map(|(a, v)| v.map(|v| (a.to_string(), v)))
        .collect()
}
