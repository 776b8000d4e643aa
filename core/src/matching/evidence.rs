//! What supports (or weakens) one way of applying a payment: the facts a signal found, kept with
//! the allocation so a person, the review queue and the report can see why it was made. What each
//! fact is worth is in `confidence.rs`, in one table.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::numbers::KeyStrength;

/// One fact about a candidate allocation, as a signal found it.
///
/// Serialized externally tagged (`{"invoice-number": {...}}`) so compact binary forms can hold it
/// (the kept reconciliation); JSON output names the kind in a `signal` field instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// A structured payment reference (betalingskenmerk, OGM/VCS, RF) is the document's.
    StructuredReference {
        /// The reference, canonical.
        reference: String,
    },
    /// The text names the document's number.
    InvoiceNumber {
        /// The document's number.
        number: String,
        /// How much of it the text has.
        written: Written,
    },
    /// The text names a number with two neighbouring digits swapped from this document's, which
    /// is open for exactly the amount paid.
    SwappedDigits {
        /// The number the text has.
        written: String,
        /// The document's number.
        number: String,
    },
    /// The text names a number one edit (a changed character, two swapped neighbours) from the
    /// payer's own item of exactly the amount paid.
    OneEdit {
        /// The number the text has.
        written: String,
        /// The document's number.
        number: String,
    },
    /// The payer's item open for exactly the amount paid.
    ExactAmount {
        /// The document's number.
        number: String,
    },
    /// Two to four of the payer's items whose open amounts add up to exactly the amount paid.
    Combination {
        /// The documents' numbers.
        numbers: Vec<String>,
    },
    /// Nothing designated and nothing fits: the payer's oldest items first (art. 6:43 BW).
    OldestFirst,
    /// The text mentions the document's sequence number.
    MentionedSequence {
        /// The sequence number, without leading zeros.
        sequence: String,
    },
    /// The text names an invoice number of the ledger's own numbering that no invoice has: the
    /// payment designates that invoice and is left unapplied.
    NamesMissingInvoice {
        /// The number as the text has it.
        number: String,
    },
    /// The payment carries a structured reference that passes its check but no document prints:
    /// it designates an invoice the ledger lacks and is left unapplied.
    UnknownReference {
        /// The reference, canonical.
        reference: String,
    },
    /// The payer's account is one the ledger gives this debtor.
    PayerAccount {
        /// The account.
        account: String,
    },
    /// The payer's account paid this debtor's invoice by reference or number, exactly, elsewhere in
    /// the bank history, and no other debtor's.
    LearnedAccount {
        /// The account.
        account: String,
        /// The payment it was learned from.
        payment: String,
    },
    /// The payer's account is unknown; its name is this debtor's (legal forms, case, order and
    /// initials aside).
    PayerName {
        /// The name as the bank gave it.
        name: String,
        /// How many other debtors have that name.
        others: usize,
    },
    /// The payer's account and name are unknown; a word of the name is in this debtor's name (an
    /// owner paying from a private account).
    PayerNamePart {
        /// The name as the bank gave it.
        name: String,
        /// The words found in debtors' names.
        words: Vec<String>,
    },
    /// Neither the payer's account nor its name is known.
    PayerUnknown,
    /// The documents named belong to different debtors.
    DifferentDebtors,
    /// The documents named are another debtor's than the payer's. Boxed: the largest piece of
    /// evidence (80 bytes inline would make every piece 80) and a rare one.
    PayerIsAnother(Box<OtherDebtor>),
    /// The amount paid is more than twice what the documents have open.
    AmountFar {
        /// Paid.
        #[serde(with = "crate::decimal_serde::one")]
        paid: Decimal,
        /// Open.
        #[serde(with = "crate::decimal_serde::one")]
        open: Decimal,
    },
    /// The amount paid is part of what the documents have open (an instalment, a short payment).
    PaysPart {
        /// Paid.
        #[serde(with = "crate::decimal_serde::one")]
        paid: Decimal,
        /// Open.
        #[serde(with = "crate::decimal_serde::one")]
        open: Decimal,
    },
    /// The amount paid is under a twentieth of what the documents have open (a test transfer, a
    /// first instalment, or a number that is not meant).
    PaysLittle {
        /// Paid.
        #[serde(with = "crate::decimal_serde::one")]
        paid: Decimal,
        /// Open.
        #[serde(with = "crate::decimal_serde::one")]
        open: Decimal,
    },
    /// The amount paid is more than the documents have open (not far): the rest is unapplied cash.
    Overpays {
        /// Paid.
        #[serde(with = "crate::decimal_serde::one")]
        paid: Decimal,
        /// Open.
        #[serde(with = "crate::decimal_serde::one")]
        open: Decimal,
    },
    /// The text gives each document's amount, and they add up to the amount paid.
    StatedAmounts,
    /// Several documents are named and paid in part, and the text does not say how much each.
    SplitUnknown,
    /// The documents named are settled already: a duplicate payment or an overpayment.
    AlreadySettled {
        /// The documents' numbers.
        numbers: Vec<String>,
    },
    /// The text names documents a person settled with another payment: the bank says one thing,
    /// the person another, and a person decides which holds (review 45e).
    SettledByHand {
        /// The documents' numbers.
        numbers: Vec<String>,
    },
    /// The text designates other documents (or an invoice the ledger lacks) than this one.
    TextNamesOther {
        /// What the text names.
        numbers: Vec<String>,
    },
    /// An invoice a typo away from the number written is open for exactly the amount paid.
    AnotherFitsExactly {
        /// That invoice's number.
        number: String,
    },
    /// The payer has an item of exactly the amount paid, so leaving the money unapplied may be
    /// wrong.
    PayerHasItemOfThisAmount {
        /// The item's number.
        number: String,
    },
    /// The number a typo reading corrects is an invoice open for more than was paid: the payment
    /// may be a part payment of it (an instalment), as the text says, rather than a typo.
    WrittenIsOpen {
        /// The number as written: an invoice open for more.
        number: String,
    },
    /// A part payment of the number named, while the payer's invoice one edit from it is open
    /// for exactly the amount: it may be a typo for that one.
    TypoFitsExactly {
        /// That invoice's number.
        number: String,
    },
    /// The number a typo reading corrects is, as written, another debtor's invoice open for
    /// exactly the amount: the payer may have paid it for that debtor (a holding for its
    /// subsidiary, an office for a client) rather than mistyped its own.
    WrittenFitsAnother {
        /// The number as written.
        number: String,
    },
    /// The account it came from is known as some debtors', and the name (the party it was paid
    /// for) is exactly another debtor's: it may be either's money.
    AccountAndNameDisagree {
        /// The debtors the account is known for.
        by_account: Vec<String>,
        /// The debtors the name is.
        by_name: Vec<String>,
    },
    /// The books already show the document it names settled for at least this money, in an
    /// export read after the payment was made: the payment is what they booked, not more money
    /// (see `booked.rs`).
    BookedInSource {
        /// The document's number.
        number: String,
        /// What the books show settled and no earlier payment explained.
        #[serde(with = "crate::decimal_serde::one")]
        settled: Decimal,
        /// The day the export that shows it was read.
        read_on: chrono::NaiveDate,
    },
}

/// How much of a document's number a payment's text has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Written {
    /// Letters and digits (case, separators and leading zeros aside).
    Full,
    /// All its digit groups, letters lost or a two-digit year.
    Digits,
    /// Only its sequence number.
    Sequence,
}

impl From<KeyStrength> for Written {
    fn from(s: KeyStrength) -> Self {
        match s {
            KeyStrength::Full => Written::Full,
            KeyStrength::Digits => Written::Digits,
            KeyStrength::Sequence => Written::Sequence,
        }
    }
}

/// Whose documents a payment names when they are another debtor's than the payer's
/// ([`Evidence::PayerIsAnother`]); serialized as the variant's fields were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherDebtor {
    /// The (first) document named.
    pub number: String,
    /// Its debtor.
    pub debtor: String,
    /// The debtors the payer's account or name belongs to.
    pub payers: Vec<String>,
    /// Whether only the payer's name says so.
    pub by_name: bool,
}

impl Evidence {
    /// The fact in plain words, for notes, the review queue and the report.
    pub fn describe(&self) -> String {
        match self {
            Evidence::StructuredReference { reference } => {
                format!("structured reference {reference} is the document's")
            }
            Evidence::InvoiceNumber { number, written } => match written {
                Written::Full => format!("the text names {number}"),
                Written::Digits => format!("the text has the digits of {number}"),
                Written::Sequence => format!("the text has the sequence number of {number}"),
            },
            Evidence::SwappedDigits { written, number } => format!(
                "the text names {written}; taken as a typo for {number}, open for exactly this amount"
            ),
            Evidence::OneEdit { written, number } => format!(
                "the text names {written}; taken as a typo for {number}, the payer's item of exactly this amount"
            ),
            Evidence::ExactAmount { number } => {
                format!("{number} is the payer's item of exactly this amount")
            }
            Evidence::Combination { numbers } => format!(
                "{} together are open for exactly this amount",
                numbers.join(", ")
            ),
            Evidence::OldestFirst => {
                "no reference and no exact amount: applied to the oldest items".into()
            }
            Evidence::MentionedSequence { sequence } => {
                format!("the text mentions its sequence number {sequence}")
            }
            Evidence::NamesMissingInvoice { number } => format!(
                "names {number}, which is not in the ledger; left unapplied, not spread over the debtor's other items"
            ),
            Evidence::UnknownReference { reference } => format!(
                "carries reference {reference}, which no document in the ledger prints; left unapplied, not spread over the debtor's other items"
            ),
            Evidence::PayerAccount { account } => {
                format!("the payer's account {account} is the debtor's")
            }
            Evidence::LearnedAccount { account, payment } => format!(
                "the payer's account {account} paid this debtor's invoice by number in {payment}"
            ),
            Evidence::PayerName { name, others: 0 } => format!(
                "the payer's account is not known; its name ({name}) is the debtor's"
            ),
            Evidence::PayerName { name, others } => format!(
                "the payer's account is not known; its name ({name}) is the debtor's and {others} other debtor(s)'"
            ),
            Evidence::PayerNamePart { name, words } => format!(
                "the payer ({name}) is not a debtor; {} is a word of the debtor's name",
                words.join(", ")
            ),
            Evidence::PayerUnknown => "the payer is not known by account or name".into(),
            Evidence::DifferentDebtors => "the documents named belong to different debtors".into(),
            Evidence::PayerIsAnother(other) => format!(
                "names {} of debtor {}, but the payer's {} {}",
                other.number,
                other.debtor,
                if other.by_name {
                    "name is that of"
                } else {
                    "account belongs to"
                },
                other.payers.join(", ")
            ),
            Evidence::AmountFar { paid, open } => {
                format!("pays {paid} against {open} open: far from it")
            }
            Evidence::PaysPart { paid, open } => format!("pays {paid} of {open} open"),
            Evidence::PaysLittle { paid, open } => {
                format!("pays {paid} of {open} open: under a twentieth")
            }
            Evidence::Overpays { paid, open } => {
                format!("pays {paid} against {open} open: the rest is unapplied cash")
            }
            Evidence::StatedAmounts => {
                "the text gives each invoice's amount; each takes what the text gives it".into()
            }
            Evidence::SplitUnknown => {
                "several invoices paid in part, and the text does not say how much each".into()
            }
            Evidence::AccountAndNameDisagree {
                by_account,
                by_name,
            } => format!(
                "the account is known as debtor {}'s, the name as debtor {}'s (paid for another \
                 party?); not applied",
                by_account.join(", "),
                by_name.join(", ")
            ),
            Evidence::BookedInSource {
                number,
                settled,
                read_on,
            } => format!(
                "the books show {settled} of {number} settled in the export read on {read_on}: \
                 this is the money they booked, not a payment on top"
            ),
            Evidence::AlreadySettled { numbers } => format!(
                "{} already settled: a duplicate payment or an overpayment, kept as unapplied cash",
                numbers.join(", ")
            ),
            Evidence::SettledByHand { numbers } => format!(
                "it names {}, which a person settled with another payment: a person decides",
                numbers.join(", ")
            ),
            Evidence::TextNamesOther { numbers } => {
                format!("the text names {} instead", numbers.join(", "))
            }
            Evidence::AnotherFitsExactly { number } => {
                format!("{number}, a typo away, is open for exactly this amount")
            }
            Evidence::PayerHasItemOfThisAmount { number } => {
                format!("the payer's {number} is open for exactly this amount")
            }
            Evidence::WrittenIsOpen { number } => {
                format!("{number}, as written, is open for more: a part payment of it?")
            }
            Evidence::TypoFitsExactly { number } => {
                format!("{number}, one edit away, is open for exactly this amount: a typo for it?")
            }
            Evidence::WrittenFitsAnother { number } => format!(
                "{number}, as written, is another debtor's invoice open for exactly this amount: \
                 paid on its behalf?"
            ),
        }
    }

    /// Whether the fact is worth a note on an applied payment: anything beyond a plain
    /// reference, number or amount.
    pub fn notable(&self) -> bool {
        !matches!(
            self,
            Evidence::StructuredReference { .. }
                | Evidence::InvoiceNumber {
                    written: Written::Full | Written::Digits,
                    ..
                }
                | Evidence::ExactAmount { .. }
                | Evidence::Combination { .. }
                | Evidence::PayerAccount { .. }
                | Evidence::MentionedSequence { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_debtors_documents_serialize_as_the_variants_fields_did() {
        let e = Evidence::PayerIsAnother(Box::new(OtherDebtor {
            number: "F2026-0001".into(),
            debtor: "D1".into(),
            payers: vec!["D2".into(), "D3".into()],
            by_name: true,
        }));
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"payer-is-another":{"number":"F2026-0001","debtor":"D1","payers":["D2","D3"],"by_name":true}}"#
        );
        assert_eq!(serde_json::from_str::<Evidence>(&json).unwrap(), e);
        assert!(
            std::mem::size_of::<Evidence>() <= 56,
            "no piece of evidence is held inline at 80 bytes"
        );
    }
}
