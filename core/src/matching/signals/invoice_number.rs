//! Signal: invoice numbers in the payment's text, as payers write them (`numbers.rs` indexes
//! them: case, spaces, dashes, leading zeros, letters in front, year and sequence either way).
//!
//! | text has | candidate | boundary |
//! |---|---|---|
//! | the full number of one or more invoices | those invoices (several: oldest due first) | a credit note's number in the text is taken out first, so its digits name no invoice |
//! | the digits of a number, letters lost or a two-digit year | likewise, less sure | only when no full number is named |
//! | only a sequence number (`fact nr 7042`) | the payer's own item with it, open for the amount paid | any other item with that sequence: none; fits several years or debtors without the payer: none |
//! | the digits of a number in a text that speaks of a credit note (`Creditnota 2025-0117`) | none: the digits are the credit note's | the full number (`F2025-000028 min creditnota C2025-000002`) still names the invoice |
//! | a number of a document settled already | that document: a duplicate, kept as unapplied cash | a typo for an open item (`typo.rs`) leads it |

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::payer::Payer;
use super::{designated_candidate, Context};
use crate::matching::candidate::Candidate;
use crate::matching::evidence::Evidence;
use crate::matching::numbers::{self, KeyStrength};
use crate::model::{AllocationRule, Payment};

/// The documents whose number the payment's texts have.
pub(crate) fn named(ctx: &Context<'_, '_>, p: &Payment) -> Vec<(u32, KeyStrength)> {
    let mut found: Vec<(u32, KeyStrength)> = Vec::new();
    for text in [p.remittance.as_deref(), p.end_to_end_id.as_deref()]
        .into_iter()
        .flatten()
    {
        let credit = says_credit_note(text);
        let text = without_credit_notes(text, ctx);
        for (d, s) in numbers::find_in(&ctx.idx.numbers, &text) {
            // A text about a credit note names no invoice by a bare number: its digits are the
            // credit note's (or a supplier's), not an invoice's without its letters.
            if credit && s < KeyStrength::Full {
                continue;
            }
            if ctx.usable(p, d) && !found.iter().any(|(e, _)| *e == d) {
                found.push((d, s));
            }
        }
    }
    found
}

/// The candidate: the invoices named by their strongest kind of key; a bare sequence number
/// only for the payer's own item open for the amount paid.
pub(crate) fn candidate(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    named: &[(u32, KeyStrength)],
) -> Option<Candidate> {
    let amount = p.amount.amount();
    let mut named = named.to_vec();
    if named.iter().any(|(_, s)| *s > KeyStrength::Sequence) {
        named.retain(|(_, s)| *s > KeyStrength::Sequence);
    } else {
        named.retain(|&(d, _)| {
            let o = ctx.open_of(d);
            payer
                .debtors
                .contains(&&ctx.docs[d as usize].document.debtor)
                && o > Decimal::ZERO
                && (o - amount).abs() <= ctx.policy.fee_tolerance
        });
    }
    if named.is_empty() {
        return None;
    }
    let evidence = named
        .iter()
        .map(|&(d, s)| Evidence::InvoiceNumber {
            number: ctx.number(d).to_string(),
            written: s.into(),
        })
        .collect();
    let rule = if named.len() > 1 {
        AllocationRule::SeveralInvoices
    } else {
        AllocationRule::InvoiceNumber
    };
    let docs: Vec<u32> = named.iter().map(|(d, _)| *d).collect();
    Some(designated_candidate(ctx, p, payer, &docs, rule, evidence))
}

/// Words that say a text is about a credit note.
const CREDIT_WORDS: &[&str] = &[
    "creditnota",
    "creditfactuur",
    "credit",
    "creditnote",
    "creditering",
];

/// Whether the text speaks of a credit note ("Creditnota 2025-0117", "credit note 117").
fn says_credit_note(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .any(|w| CREDIT_WORDS.iter().any(|c| w.eq_ignore_ascii_case(c)))
}

/// The text with every word that is a credit note's number (as the ledger writes it, case and
/// spaces aside) blanked: "F2025-000028 min creditnota C2025-000002" names one invoice.
fn without_credit_notes<'t>(text: &'t str, ctx: &Context<'_, '_>) -> Cow<'t, str> {
    if ctx.idx.credit_notes.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        if bare.len() >= 3 && ctx.idx.credit_notes.contains(&bare.to_uppercase()) {
            changed = true;
            continue;
        }
        out.push_str(word);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}
