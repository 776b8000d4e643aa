//! Signal: invoice numbers in the payment's text, as payers write them (`numbers.rs` indexes
//! them: case, spaces, dashes, leading zeros, letters in front, year and sequence either way).
//!
//! | text has | candidate | boundary |
//! |---|---|---|
//! | the full number of one or more invoices | those invoices (several: oldest due first) | a credit note's number in the text is taken out first, so its digits name no invoice |
//! | the digits of a number, letters lost or a two-digit year | likewise, less sure | beside full numbers, only of the same debtors (`PAIEMENT 2025-04 DOC 2025/0034` names 2025/0034 only) |
//! | only a sequence number (`fact nr 7042`) | each of the payer's own items with it open for the amount paid, as alternatives | another debtor's: none |
//! | only a sequence number, the payer unknown | each invoice with it open for exactly the amount paid, invoiced by the payment's date | less sure (75); two such: a person chooses |
//! | dates (`uw factuur 2025/00083 dd 01/04/2025`) | none: blanked first | `2025-0117` (two parts) stays a number |
//! | amounts (`2025/00011 351,47 2025/00023 1333,29`) | none: blanked first, so cents and the next year are not a number written sequence-first | `2025.12` alone stays a number; with `€`, `EUR` or in parentheses it is an amount |
//! | the digits of a number in a text that speaks of a credit note (`Creditnota 2025-0117`) | none: the digits are the credit note's | the full number (`F2025-000028 min creditnota C2025-000002`) still names the invoice |
//! | the payer's own invoices and another debtor's, the amount exactly the payer's ones | the payer's ones | otherwise all, and several debtors' documents go to review |
//! | a number of a document settled already | that document: a duplicate, kept as unapplied cash | a typo for an open item (`typo.rs`) leads it |

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::payer::Payer;
use super::{designated_candidate, Context};
use crate::ids::DebtorId;
use crate::matching::candidate::Candidate;
use crate::matching::evidence::Evidence;
use crate::matching::numbers::KeyStrength;
use crate::model::{AllocationRule, Payment};

/// The documents whose number the payment's texts have.
pub(crate) fn named(ctx: &Context<'_, '_>, p: &Payment) -> Vec<(u32, KeyStrength)> {
    let mut found: Vec<(u32, KeyStrength)> = Vec::new();
    for text in [p.remittance.as_deref(), p.end_to_end_id.as_deref()]
        .into_iter()
        .flatten()
    {
        let text = without_amounts(text);
        let text = without_dates(&text);
        let ours = without_credit_notes(&text, ctx);
        // A text about a credit note that is not ours (a supplier's) names no invoice by a bare
        // number: its digits are the credit note's, not an invoice's without its letters.
        let credit = matches!(ours, Cow::Borrowed(_)) && says_credit_note(&text);
        let text = ours;
        for (d, s) in ctx.idx.numbers.find(&text) {
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

/// The candidates: the invoices named by their strongest kind of key, together; or, when the
/// text has only sequence numbers, each invoice with one of them that is open for the amount
/// paid (the payer's own, or anyone's when the payer is unknown), as alternatives.
pub(crate) fn candidates(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    named: &[(u32, KeyStrength)],
) -> Vec<Candidate> {
    let evidence_of = |d: u32, s: KeyStrength| Evidence::InvoiceNumber {
        number: ctx.number(d).to_string(),
        written: s.into(),
    };
    // A number two debtors' debts share (an API's second record with it, its number marked):
    // a payer known as one of them means theirs, not the other's.
    let shared_with_own = shared_numbers_of_others(ctx, payer, named);
    let kept: Vec<(u32, KeyStrength)>;
    let named = if shared_with_own.is_empty() {
        named
    } else {
        kept = named
            .iter()
            .copied()
            .filter(|(d, _)| !shared_with_own.contains(d))
            .collect();
        &kept[..]
    };
    if named.iter().any(|(_, s)| *s > KeyStrength::Sequence) {
        // The full numbers say whose invoices these are: a number found by its digits alone
        // (`2025-04` in `PAIEMENT 2025-04`) of another debtor is noise.
        let debtor_of = |d: u32| &ctx.docs[d as usize].document.debtor;
        let full: Vec<&DebtorId> = named
            .iter()
            .filter(|(_, s)| *s == KeyStrength::Full)
            .map(|&(d, _)| debtor_of(d))
            .collect();
        let named: Vec<(u32, KeyStrength)> = named
            .iter()
            .copied()
            .filter(|&(d, s)| {
                s == KeyStrength::Full
                    || (s > KeyStrength::Sequence
                        && (full.is_empty() || full.contains(&debtor_of(d))))
            })
            .collect();
        // The payer's own invoices named, and the amount is exactly theirs: another debtor's
        // number beside them (a period `2025-11` read as invoice 2025/0011) is noise.
        let own: Vec<(u32, KeyStrength)> = named
            .iter()
            .copied()
            .filter(|&(d, _)| payer.strong() && payer.debtors.contains(&debtor_of(d)))
            .collect();
        let own_open: Decimal = own.iter().map(|&(d, _)| ctx.open_of(d)).sum();
        let named = if !own.is_empty()
            && own.len() < named.len()
            && (own_open - p.amount.amount()).abs() <= ctx.policy.fee_tolerance
        {
            own
        } else {
            named
        };
        let rule = if named.len() > 1 {
            AllocationRule::SeveralInvoices
        } else {
            AllocationRule::InvoiceNumber
        };
        let evidence = named.iter().map(|&(d, s)| evidence_of(d, s)).collect();
        let docs: Vec<u32> = named.iter().map(|(d, _)| *d).collect();
        return vec![designated_candidate(ctx, p, payer, &docs, rule, evidence)];
    }
    let amount = p.amount.amount();
    named
        .iter()
        .filter(|&&(d, _)| {
            let doc = &ctx.docs[d as usize].document;
            let o = ctx.open_of(d);
            if !payer.strong() {
                // Nobody known: the number and exactly its open amount, invoiced by then.
                o == amount && doc.issue_date <= p.date
            } else {
                payer.debtors.contains(&&doc.debtor)
                    && o > Decimal::ZERO
                    && (o - amount).abs() <= ctx.policy.fee_tolerance
            }
        })
        .map(|&(d, s)| {
            let mut evidence = vec![evidence_of(d, s)];
            if !payer.strong() {
                evidence.push(Evidence::PayerUnknown);
            }
            designated_candidate(ctx, p, payer, &[d], AllocationRule::InvoiceNumber, evidence)
        })
        .collect()
}

/// Of the documents named, those of other debtors than a strongly identified payer's whose
/// number as their source wrote it is one of the payer's named documents' (an API's marked twin,
/// `Indexes::twins`).
fn shared_numbers_of_others(
    ctx: &Context<'_, '_>,
    payer: &Payer<'_>,
    named: &[(u32, KeyStrength)],
) -> Vec<u32> {
    if !payer.strong() || named.len() < 2 {
        return Vec::new();
    }
    let written = |d: u32| {
        let number = ctx.docs[d as usize].document.number.as_str();
        let w = ctx.idx.twins.get(&(d as usize)).copied().unwrap_or(number);
        crate::ids::DocumentNumber::new(w)
            .map(|n| n.normalised().into_owned())
            .unwrap_or_default()
    };
    let own = |d: u32| {
        payer
            .debtors
            .contains(&&ctx.docs[d as usize].document.debtor)
    };
    let own_written: Vec<String> = named
        .iter()
        .filter(|&&(d, _)| own(d))
        .map(|&(d, _)| written(d))
        .collect();
    if own_written.is_empty() {
        return Vec::new();
    }
    named
        .iter()
        .map(|&(d, _)| d)
        .filter(|&d| !own(d) && own_written.contains(&written(d)))
        .collect()
}

/// The text with every amount blanked (`351,47`, `1.692,73`, `1,234.56`, `(120.00)`), so the
/// cents of one invoice's amount and the year of the next number are not read as a number
/// written sequence first (`47 2025` for `2025/00047`).
fn without_amounts(text: &str) -> Cow<'_, str> {
    blank(
        text,
        |c| c.is_ascii_digit() || matches!(c, b'.' | b','),
        &['.', ','],
        |token, at| {
            let before = text[..at].trim_end();
            let framed = before.ends_with(['€', '(', '$'])
                || before.len() >= 3
                    && before.as_bytes()[before.len() - 3..].eq_ignore_ascii_case(b"EUR");
            is_amount(token, framed)
        },
    )
}

/// The text with every date blanked (`dd 01/04/2025`, `2025-04-01`, `1.4.25`), so a day or month
/// and the year are not read as a number written sequence first (`04 2025` for `2025/00004`).
fn without_dates(text: &str) -> Cow<'_, str> {
    blank(
        text,
        |c| c.is_ascii_digit() || matches!(c, b'/' | b'-' | b'.'),
        &['.', '-', '/'],
        |token, _| is_date(token),
    )
}

/// The text with spaces over every token (a run of `part` bytes starting with a digit, without
/// `trailing` punctuation) that `hit` takes, given the token and where it starts.
fn blank<'t>(
    text: &'t str,
    part: impl Fn(u8) -> bool,
    trailing: &[char],
    hit: impl Fn(&str, usize) -> bool,
) -> Cow<'t, str> {
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && part(b[i - 1])) {
            i += 1;
            continue;
        }
        let end = (i..b.len()).find(|&j| !part(b[j])).unwrap_or(b.len());
        let token = text[i..end].trim_end_matches(trailing);
        if hit(token, i) {
            let buf = out.get_or_insert_with(|| b.to_vec());
            buf[i..i + token.len()].fill(b' ');
        }
        i = end;
    }
    match out {
        Some(buf) => Cow::Owned(String::from_utf8(buf).unwrap_or_else(|_| text.to_string())),
        None => Cow::Borrowed(text),
    }
}

/// Whether a token is a calendar date: day, month and year (two or four digits) with one kind of
/// separator, or year, month and day.
fn is_date(token: &str) -> bool {
    let Some(sep) = token.bytes().find(|c| !c.is_ascii_digit()) else {
        return false;
    };
    let parts: Vec<&str> = token.split(sep as char).collect();
    let n = |s: &str| s.parse::<u32>().ok();
    match parts[..] {
        [d, m, y] if d.len() <= 2 && m.len() <= 2 && matches!(y.len(), 2 | 4) => {
            matches!((n(d), n(m), n(y)), (Some(1..=31), Some(1..=12), Some(_)))
        }
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => matches!(
            (n(y), n(m), n(d)),
            (Some(1990..=2099), Some(1..=12), Some(1..=31))
        ),
        _ => false,
    }
}

/// Whether a run of digits, points and commas is an amount: two decimals after a comma
/// (`351,47`), thousands grouped (`1.692,73`, `1,234.56`), or two decimals after a point where an
/// amount is expected (after `€`, `EUR` or in parentheses).
fn is_amount(token: &str, framed: bool) -> bool {
    amount_value(token).is_some_and(|(_, certain)| certain || framed)
}

/// The value of a run of digits, points and commas written as an amount with two decimals
/// (`351,47`, `1.692,73`, `1,234.56`, `535.43`), and whether its form alone makes it one (a
/// decimal comma or grouped thousands) rather than only a point and two digits.
pub(super) fn amount_value(token: &str) -> Option<(Decimal, bool)> {
    let sep = token.len().checked_sub(3).filter(|&k| k > 0)?;
    let (whole, decimal_sep, cents) = (&token[..sep], token.as_bytes()[sep], &token[sep + 1..]);
    if !cents.bytes().all(|c| c.is_ascii_digit()) || !matches!(decimal_sep, b'.' | b',') {
        return None;
    }
    let group_sep = if decimal_sep == b',' { '.' } else { ',' };
    let groups: Vec<&str> = whole.split(group_sep).collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    let plain = groups.len() == 1;
    if !(grouped || plain)
        || groups
            .iter()
            .any(|g| g.is_empty() || !g.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let value = format!("{}.{cents}", groups.concat()).parse().ok()?;
    Some((value, grouped || decimal_sep == b','))
}

/// Words that say a text is about a credit note.
const CREDIT_WORDS: &[&str] = &["creditnota", "creditfactuur", "creditnote", "creditering"];

/// Whether the text speaks of a credit note ("Creditnota 2025-0117", "credit note 117").
fn says_credit_note(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        CREDIT_WORDS.iter().any(|c| w.eq_ignore_ascii_case(c))
            || (w.eq_ignore_ascii_case("credit")
                && words.get(i + 1).is_some_and(|n| {
                    ["nota", "note", "factuur"]
                        .iter()
                        .any(|c| n.eq_ignore_ascii_case(c))
                }))
    })
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

#[cfg(test)]
mod tests {
    use super::{says_credit_note, without_amounts, without_dates};

    #[test]
    fn a_credit_note_is_named_a_sepa_credit_transfer_is_not() {
        assert!(says_credit_note("Creditnota 2025-0117 retour toner"));
        assert!(says_credit_note("credit note 117"));
        assert!(!says_credit_note("SEPA Credit Transfer factuur 2025-0117"));
    }

    #[test]
    fn amounts_are_blanked_numbers_stay() {
        let table = [
            (
                "2025/00011 351,47 2025/00023 1333,29",
                "2025/00011        2025/00023        ",
            ),
            (
                "2025/00152 (1.692,73), 2025/00179",
                "2025/00152 (        ), 2025/00179",
            ),
            (
                "INV-42 EUR 1,234.56 and € 80.00",
                "INV-42 EUR          and €      ",
            ),
            (
                "2025.12 10.03.25 F2025-0001.",
                "2025.12 10.03.25 F2025-0001.",
            ),
            ("fact 2025-0117 (120.00)", "fact 2025-0117 (      )"),
        ];
        for (text, want) in table {
            assert_eq!(without_amounts(text), want, "{text}");
        }
        let table = [
            (
                "uw factuur 2025/00083 dd 01/04/2025",
                "uw factuur 2025/00083 dd           ",
            ),
            ("2025-04-01 F2025-0001", "           F2025-0001"),
            (
                "1.4.25, 2025-0117 2025/00083",
                "      , 2025-0117 2025/00083",
            ),
            ("13/13/2025 2025-13-01", "13/13/2025 2025-13-01"),
        ];
        for (text, want) in table {
            assert_eq!(without_dates(text), want, "{text}");
        }
    }
}
