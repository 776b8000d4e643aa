//! Signal: a number written wrongly. Payers swap two digits or change one; the number they write
//! may even be another real invoice (someone else's, paid, or of another amount). The item they
//! meant is open for exactly the amount paid.
//!
//! | text names | candidate | boundary |
//! |---|---|---|
//! | one invoice, whose number with two neighbouring digits swapped back is an invoice open for exactly the amount | that invoice, whoever paid | two such invoices: none (nobody can tell which); another debtor's than the payer's: at most 40 |
//! | a number one character changed or two neighbours swapped from the payer's own item of exactly the amount | that item | the payer must be known; the written number may be an invoice or missing from the ledger |
//! | one invoice, the payer unknown, a number one digit changed from it open for exactly the amount | that invoice, less sure (78); the number written, paid in part, loses 8, so the two wait for a person | the changed number must be invoiced by the payment's date |
//! | a number two or more edits away | none | a wrong number that far is no evidence of which item was meant |

use rust_decimal::Decimal;

use super::payer::Payer;
use super::{designated_candidate, Context};
use crate::matching::candidate::Candidate;
use crate::matching::evidence::Evidence;
use crate::matching::missing::one_edit_apart;
use crate::matching::numbers::KeyStrength;
use crate::model::{AllocationRule, Payment};

/// The invoice whose number is the named one's with two neighbouring digits swapped back, open
/// for exactly the amount paid.
pub(crate) fn swapped(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    named: u32,
) -> Option<Candidate> {
    let number = ctx.docs[named as usize].document.number.normalised();
    let b = number.as_bytes();
    let mut found = None;
    for i in 0..b.len().saturating_sub(1) {
        if b[i] == b[i + 1] || !b[i].is_ascii_digit() || !b[i + 1].is_ascii_digit() {
            continue;
        }
        let mut v = b.to_vec();
        v.swap(i, i + 1);
        let twin = String::from_utf8(v).unwrap_or_default();
        for d in open_for_exactly(ctx, p, &twin, named) {
            if found.is_some_and(|f| f != d) {
                return None;
            }
            found = Some(d);
        }
    }
    let d = found?;
    let evidence = vec![Evidence::SwappedDigits {
        written: ctx.number(named).to_string(),
        number: ctx.number(d).to_string(),
    }];
    Some(designated_candidate(
        ctx,
        p,
        payer,
        &[d],
        AllocationRule::InvoiceNumber,
        evidence,
    ))
}

/// For a payer nobody knows: the invoice whose number is the named one's with one digit changed,
/// open for exactly the amount paid and invoiced by the payment's date (`2026/00254` written for
/// `2026/00255`).
pub(crate) fn changed_digit(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    named: u32,
) -> Vec<Candidate> {
    let number = ctx.docs[named as usize].document.number.normalised();
    let mut found: Vec<u32> = Vec::new();
    let mut v = number.as_bytes().to_vec();
    for i in 0..v.len() {
        let was = v[i];
        if !was.is_ascii_digit() {
            continue;
        }
        for digit in b'0'..=b'9' {
            if digit == was {
                continue;
            }
            v[i] = digit;
            let variant = String::from_utf8_lossy(&v);
            for d in open_for_exactly(ctx, p, &variant, named) {
                if ctx.issued(d) <= p.date && !found.contains(&d) {
                    found.push(d);
                }
            }
        }
        v[i] = was;
    }
    found
        .into_iter()
        .map(|d| {
            let evidence = vec![
                Evidence::OneEdit {
                    written: ctx.number(named).to_string(),
                    number: ctx.number(d).to_string(),
                },
                Evidence::PayerUnknown,
            ];
            designated_candidate(ctx, p, payer, &[d], AllocationRule::InvoiceNumber, evidence)
        })
        .collect()
}

/// The invoices other than `named` whose full number is `variant`, open for exactly the amount
/// paid.
fn open_for_exactly(ctx: &Context<'_, '_>, p: &Payment, variant: &str, named: u32) -> Vec<u32> {
    ctx.idx
        .numbers
        .find(variant)
        .into_iter()
        .filter(|&(d, s)| {
            s == KeyStrength::Full
                && d != named
                && ctx.usable(p, d)
                && ctx.open_is(d, p.amount.amount())
        })
        .map(|(d, _)| d)
        .collect()
}

/// The payer's items of exactly the amount paid whose number is one edit from a number written.
pub(crate) fn one_edit(
    ctx: &Context<'_, '_>,
    payer: &Payer<'_>,
    written: &[String],
    exact: &[u32],
    designated: &[String],
    amount: Decimal,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    if written.is_empty() {
        return out;
    }
    let written: Vec<String> = written.iter().map(|w| normalised(w)).collect();
    for &d in exact {
        let number = ctx.docs[d as usize].document.number.normalised();
        if designated.iter().any(|n| normalised(n) == *number) {
            continue;
        }
        let Some(w) = written.iter().find(|w| one_edit_apart(w, &number)) else {
            continue;
        };
        let mut evidence = vec![Evidence::OneEdit {
            written: w.clone(),
            number: ctx.number(d).to_string(),
        }];
        evidence.extend(payer.evidence.clone());
        out.push(Candidate::new(
            vec![(d, amount)],
            AllocationRule::DebtorExactAmount,
            Some(ctx.docs[d as usize].document.debtor.clone()),
            evidence,
        ));
    }
    out
}

/// A number as the ledger compares them: upper case, without spaces.
fn normalised(n: &str) -> String {
    crate::ids::DocumentNumber::new(n)
        .map(|n| n.normalised().into_owned())
        .unwrap_or_else(|_| n.to_uppercase())
}
