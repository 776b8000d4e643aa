//! What each piece of evidence is worth: the one table of confidences matching uses.
//!
//! A candidate's confidence (0-100) is its strongest ground, plus a little for every further
//! ground that agrees, less what weakens it, and never above what contradicts it:
//!
//! | evidence | effect | why |
//! |---|---|---|
//! | structured reference | ground 98 | check digits; the creditor printed it |
//! | invoice number, full | ground 95 | letters and digits as the document has them |
//! | invoice number, digits | ground 90 | letters lost or a two-digit year |
//! | invoice number, sequence only | ground 85 | counted only for the payer's item open for this amount (within the fee tolerance) |
//! | payer's item of exactly the amount | ground 90 | payer and amount agree |
//! | swapped digits, item open for exactly the amount | ground 88 | beats a number that does not fit (less 10) |
//! | one edit from the payer's item of exactly the amount | ground 88 | three signals agree |
//! | names an invoice the ledger lacks, or carries a reference no document prints: leave unapplied | ground 90 | the payment designates it |
//! | combination of the payer's items | ground 85 | exact, but several ways may add up |
//! | oldest first | ground 70 | the legal default, nothing designated |
//! | each further signal's ground for the same documents | plus 3 | independent signals agree (a swap and a changed character are one signal) |
//! | text mentions the sequence number | plus 3 | tells equal items apart |
//! | payer known by name only, nothing designated | less 10 | weaker than an account |
//! | payer known by a word of the name only, nothing designated | less 15 | an owner's private account; oldest first never applies |
//! | a bare sequence number, the payer unknown | less 10 | only the number and the exact amount agree |
//! | pays part of what is open | less 10 | an instalment, or the wrong document |
//! | pays under a twentieth of what is open | less 20 | a test transfer or first instalment; a reference still applies (78), a bare number's digits just (70) |
//! | the number written, while an invoice a typo away fits exactly | less 8 | with an unknown payer the two wait for a person |
//! | a typo reading, while the number written is the payer's invoice open for more, and that part payment while the typo fits exactly | at most 60, both | either is as likely as the other, however the number was written: the two wait for a person |
//! | named documents settled already | less 10 | a duplicate, or a typo for another |
//! | pays more than is open (not far) | none; the rest is unapplied cash | |
//! | text names other documents (amount-based ground) | at most 60 | the payer designated those |
//! | text names documents a person settled with another payment | at most 60 | the bank contradicts the person |
//! | payer has an item of exactly this amount (leave unapplied) | at most 60 | it may be a typo |
//! | several documents paid in part, the text not saying how much each | at most 60 | which one is short is a guess; with an amount after every number, each takes its own |
//! | documents of different debtors | at most 50 | |
//! | amount more than twice what is open | at most 50 | |
//! | documents another debtor's than the payer's | at most 40 | |
//!
//! The best candidate is applied when it reaches the policy's `review_below` and leads the next
//! by [`MARGIN`]; else the candidates go to review.

use super::evidence::{Evidence, Written};

/// What a piece of evidence does to a candidate's confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A reason to apply the payment this way, worth this much on its own.
    Ground(u8),
    /// Makes a candidate more likely by this much.
    Plus(u8),
    /// Makes a candidate less likely by this much.
    Less(u8),
    /// Contradicts the candidate: its confidence is at most this.
    Cap(u8),
    /// Recorded for the trace; changes nothing.
    Trace,
}

/// Points a further agreeing ground adds.
pub const AGREEING: u8 = 3;
/// Points the best candidate must lead the next by to be applied without a person.
pub const MARGIN: u8 = 3;
/// The most any rule is sure of; 100 is for decisions made by hand.
pub const CEILING: u8 = 98;

/// The table.
pub fn effect(e: &Evidence) -> Effect {
    use Effect::*;
    match e {
        Evidence::StructuredReference { .. } => Ground(98),
        Evidence::InvoiceNumber { written, .. } => Ground(match written {
            Written::Full => 95,
            Written::Digits => 90,
            Written::Sequence => 85,
        }),
        Evidence::ExactAmount { .. } => Ground(90),
        Evidence::SwappedDigits { .. } | Evidence::OneEdit { .. } => Ground(88),
        Evidence::NamesMissingInvoice { .. } | Evidence::UnknownReference { .. } => Ground(90),
        Evidence::Combination { .. } => Ground(85),
        Evidence::OldestFirst => Ground(70),
        Evidence::MentionedSequence { .. } => Plus(3),
        Evidence::PayerName { .. } => Less(10),
        Evidence::PaysPart { .. } | Evidence::AlreadySettled { .. } => Less(10),
        Evidence::PaysLittle { .. } => Less(20),
        Evidence::PayerUnknown => Less(10),
        Evidence::PayerNamePart { .. } => Less(15),
        Evidence::AnotherFitsExactly { .. } => Less(8),
        Evidence::WrittenIsOpen { .. }
        | Evidence::TypoFitsExactly { .. }
        | Evidence::WrittenFitsAnother { .. } => Cap(60),
        Evidence::TextNamesOther { .. } | Evidence::PayerHasItemOfThisAmount { .. } => Cap(60),
        Evidence::SettledByHand { .. } => Cap(60),
        Evidence::DifferentDebtors | Evidence::AmountFar { .. } => Cap(50),
        Evidence::PayerIsAnother(_) => Cap(40),
        Evidence::PayerAccount { .. }
        | Evidence::LearnedAccount { .. }
        | Evidence::Overpays { .. }
        | Evidence::StatedAmounts
        | Evidence::BookedInSource { .. }
        | Evidence::AccountAndNameDisagree { .. } => Trace,
        Evidence::SplitUnknown => Cap(60),
    }
}

/// The signal a ground comes from: grounds of one signal (a swap and a changed character are both
/// a typo) agree without adding up.
fn family(e: &Evidence) -> u8 {
    match e {
        Evidence::StructuredReference { .. } | Evidence::UnknownReference { .. } => 0,
        Evidence::InvoiceNumber { .. } => 1,
        Evidence::SwappedDigits { .. } | Evidence::OneEdit { .. } => 2,
        Evidence::ExactAmount { .. } | Evidence::Combination { .. } | Evidence::OldestFirst => 3,
        _ => 4,
    }
}

/// Whether the evidence is a signal designating documents (reference, number, typo, a missing
/// invoice) rather than the amount: a payer known by name weakens only what the amount alone
/// decides.
pub fn designates(e: &Evidence) -> bool {
    matches!(
        e,
        Evidence::StructuredReference { .. }
            | Evidence::InvoiceNumber { .. }
            | Evidence::SwappedDigits { .. }
            | Evidence::OneEdit { .. }
            | Evidence::NamesMissingInvoice { .. }
            | Evidence::UnknownReference { .. }
    )
}

/// A candidate's confidence from all its evidence.
pub fn score(evidence: &[Evidence]) -> u8 {
    let (mut best, mut families, mut plus, mut less, mut cap) = (0u8, 0u8, 0u8, 0u8, CEILING);
    let designated = evidence.iter().any(designates);
    for e in evidence {
        match effect(e) {
            Effect::Less(_)
                if designated
                    && matches!(
                        e,
                        Evidence::PayerName { .. } | Evidence::PayerNamePart { .. }
                    ) => {}
            Effect::Ground(g) => {
                best = best.max(g);
                families |= 1 << family(e);
            }
            Effect::Plus(p) => plus = plus.saturating_add(p),
            Effect::Less(l) => less = less.saturating_add(l),
            Effect::Cap(c) => cap = cap.min(c),
            Effect::Trace => {}
        }
    }
    if families == 0 {
        return 0;
    }
    let agreeing = AGREEING.saturating_mul(families.count_ones() as u8 - 1);
    best.saturating_add(agreeing)
        .saturating_add(plus)
        .min(CEILING)
        .saturating_sub(less)
        .min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: &str, written: Written) -> Evidence {
        Evidence::InvoiceNumber {
            number: n.into(),
            written,
        }
    }

    #[test]
    fn grounds_agree_weakeners_subtract_contradictions_cap() {
        assert_eq!(score(&[]), 0);
        assert_eq!(score(&[number("F1", Written::Full)]), 95);
        // A bare sequence number and the payer's exact amount agree.
        let exact = Evidence::ExactAmount {
            number: "F1".into(),
        };
        assert_eq!(score(&[number("F1", Written::Sequence), exact.clone()]), 93);
        // Never above the ceiling, however much agrees.
        let reference = Evidence::StructuredReference {
            reference: "x".into(),
        };
        assert_eq!(score(&[reference, number("F1", Written::Full)]), 98);
        // A part payment of the number named and a typo for the payer's exact item: neither
        // leads, so both wait for a person.
        let part = Evidence::PaysPart {
            paid: 1.into(),
            open: 2.into(),
        };
        assert_eq!(score(&[number("F1", Written::Full), part]), 85);
        let typo = Evidence::OneEdit {
            written: "F1".into(),
            number: "F7".into(),
        };
        let exact_f7 = Evidence::ExactAmount {
            number: "F7".into(),
        };
        let written_open = Evidence::WrittenIsOpen {
            number: "F1".into(),
        };
        let typo_fits = Evidence::TypoFitsExactly {
            number: "F7".into(),
        };
        assert!(score(&[typo.clone(), exact_f7.clone()]) >= 85 + MARGIN);
        assert_eq!(score(&[typo, exact_f7, written_open]), 60);
        assert_eq!(score(&[number("F1", Written::Digits), typo_fits]), 60);
        // A name instead of an account: an exact amount stays above review, oldest first not.
        let name = Evidence::PayerName {
            name: "x".into(),
            others: 0,
        };
        assert_eq!(score(&[exact.clone(), name.clone()]), 80);
        assert!(score(&[Evidence::OldestFirst, name]) < 70);
        let other = Evidence::TextNamesOther {
            numbers: vec!["F9".into()],
        };
        assert_eq!(score(&[exact, other]), 60);
    }
}
