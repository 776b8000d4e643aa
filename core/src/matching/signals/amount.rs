//! Signal: the amount against the payer's open items, when the payer is known. The oldest-first
//! rule is the law's default for a payment that designates nothing (art. 6:43 BW), so it is
//! proposed only when no item or combination fits.
//!
//! | the amount is | candidate | boundary |
//! |---|---|---|
//! | exactly one item's open amount | that item | several such items: each is a candidate, so equal ones go to review unless the text mentions one's sequence number |
//! | exactly two to four items' open amounts together | those items | the first 40 items in the order given (those whose sequence the text mentions, then oldest due); fewest items first; search bounded |
//! | neither | the oldest items first, the rest unapplied cash | only when the text designates nothing |
//! | anything, and the text names other documents or a missing invoice | at most 60 | the payer designated those |
//! | an item issued after the payment's date | none | money cannot pay by amount what was not yet invoiced (a standing order for a monthly invoice pays the month's, not next month's) |

use rust_decimal::Decimal;

use super::payer::Payer;
use super::Context;
use crate::ids::DebtorId;
use crate::matching::candidate::Candidate;
use crate::matching::evidence::Evidence;
use crate::model::{AllocationRule, Payment};

/// The payer's open items in the payment's currency issued by the payment's date, oldest due
/// first, the ones whose sequence
/// number the text mentions first; with whether each is mentioned.
pub(crate) fn open_items(
    ctx: &Context<'_, '_>,
    p: &Payment,
    debtor: &DebtorId,
) -> Vec<(u32, bool)> {
    let Some(list) = ctx.idx.items.get(&(debtor, p.amount.currency())) else {
        return Vec::new();
    };
    let mentioned = p
        .remittance
        .as_deref()
        .map(mentioned_numbers)
        .unwrap_or_default();
    // The issue day first, from the item itself: the items issued after the payment (about half
    // of a debtor's, over a year of payments) are passed over without reading their documents'
    // facts or open amounts. Whether an item is issued by a day never changes, so the open
    // amounts not looked at could not have changed what the payment does.
    let mut items: Vec<(u32, bool)> = list
        .iter()
        .filter(|it| it.issued <= p.date)
        .map(|it| it.doc)
        .filter(|&d| ctx.usable(p, d) && ctx.open_of(d) > Decimal::ZERO)
        .map(|d| {
            let m = !mentioned.is_empty()
                && sequence_of(ctx.number(d)).is_some_and(|s| mentioned.contains(&s));
            (d, m)
        })
        .collect();
    if !mentioned.is_empty() {
        items.sort_by_key(|&(_, m)| !m);
    }
    items
}

/// The items open for exactly the amount paid.
pub(crate) fn exact(ctx: &Context<'_, '_>, p: &Payment, items: &[(u32, bool)]) -> Vec<u32> {
    items
        .iter()
        .filter(|&&(d, _)| ctx.open_of(d) == p.amount.amount())
        .map(|&(d, _)| d)
        .collect()
}

/// The candidates: each item of exactly the amount; else an exact combination; else, when the
/// payment designates nothing, oldest first.
pub(crate) fn candidates(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    debtor: &DebtorId,
    items: &[(u32, bool)],
    exact: &[u32],
    designates_nothing: bool,
) -> Vec<Candidate> {
    let amount = p.amount.amount();
    let debtor = Some(debtor.clone());
    let with_payer = |mut evidence: Vec<Evidence>| {
        evidence.extend(payer.evidence.clone());
        evidence
    };
    if !exact.is_empty() {
        return exact
            .iter()
            .map(|&d| {
                let mut evidence = vec![Evidence::ExactAmount {
                    number: ctx.number(d).to_string(),
                }];
                if items.iter().any(|&(e, m)| e == d && m) {
                    evidence.push(Evidence::MentionedSequence {
                        sequence: sequence_of(ctx.number(d)).unwrap_or_default(),
                    });
                }
                Candidate::new(
                    vec![(d, amount)],
                    AllocationRule::DebtorExactAmount,
                    debtor.clone(),
                    with_payer(evidence),
                )
            })
            .collect();
    }
    let ids: Vec<u32> = items.iter().map(|&(d, _)| d).collect();
    if ids.is_empty() {
        return Vec::new();
    }
    if let Some(combo) = combination(&ids, amount, |d| ctx.open_of(d)) {
        let evidence = vec![Evidence::Combination {
            numbers: combo.iter().map(|&d| ctx.number(d).to_string()).collect(),
        }];
        let parts = combo.iter().map(|&d| (d, ctx.open_of(d))).collect();
        return vec![Candidate::new(
            parts,
            AllocationRule::DebtorCombination,
            debtor,
            with_payer(evidence),
        )];
    }
    if !designates_nothing {
        return Vec::new();
    }
    vec![Candidate::new(
        oldest_first(&ids, amount, |d| ctx.open_of(d)),
        AllocationRule::DebtorOldestFirst,
        debtor,
        with_payer(vec![Evidence::OldestFirst]),
    )]
}

/// The runs of digits in a text, without leading zeros (`0207` → `207`).
fn mentioned_numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .map(|r| r.trim_start_matches('0'))
        .filter(|r| r.len() >= 2)
        .map(str::to_string)
        .collect()
}

/// A document number's last run of digits, without leading zeros (`INV-2026-0207` → `207`).
fn sequence_of(number: &str) -> Option<String> {
    number
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|r| !r.is_empty())
        .map(|r| r.trim_start_matches('0').to_string())
        .filter(|r| r.len() >= 2)
}

/// Spreads an amount over items (in the order given) up to what each has open; what is left
/// over is the caller's unapplied cash.
pub(crate) fn oldest_first(
    items: &[u32],
    amount: Decimal,
    open_of: impl Fn(u32) -> Decimal,
) -> Vec<(u32, Decimal)> {
    let mut parts = Vec::new();
    let mut left = amount;
    for &d in items {
        if left <= Decimal::ZERO {
            break;
        }
        let a = open_of(d).min(left);
        if a > Decimal::ZERO {
            parts.push((d, a));
            left -= a;
        }
    }
    parts
}

/// The first combination of two to four items (in the order given, fewest items first) whose
/// open amounts add up to exactly `amount`.
fn combination(
    items: &[u32],
    amount: Decimal,
    open_of: impl Fn(u32) -> Decimal,
) -> Option<Vec<u32>> {
    let list: Vec<(u32, Decimal)> = items.iter().take(40).map(|&d| (d, open_of(d))).collect();
    let mut budget = 200_000u32;
    for size in 2..=4 {
        let mut chosen = Vec::with_capacity(size);
        if search(&list, 0, size, amount, &mut chosen, &mut budget) {
            return Some(chosen.into_iter().map(|i| list[i].0).collect());
        }
    }
    None
}

fn search(
    list: &[(u32, Decimal)],
    from: usize,
    size: usize,
    left: Decimal,
    chosen: &mut Vec<usize>,
    budget: &mut u32,
) -> bool {
    if chosen.len() == size {
        return left.is_zero();
    }
    for i in from..list.len() {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let v = list[i].1;
        if v > left {
            continue;
        }
        chosen.push(i);
        if search(list, i + 1, size, left - v, chosen, budget) {
            return true;
        }
        chosen.pop();
    }
    false
}
