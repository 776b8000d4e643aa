//! Bank statements: camt.053 (`camt.rs`), MT940 (`mt940.rs`) and the Dutch banks' CSV exports
//! (`csv.rs`), each turned into [`BankLine`]s with the place they were read from.
//!
//! A bank line is not yet a payment: only incoming money is one. Debits are kept as refunds or
//! reversals when the bank marks them so, and otherwise skipped by the importer (not here), so a
//! reader reports every line it understood and the caller decides.

pub mod camt;
pub mod csv;
pub mod mt940;

use chrono::NaiveDate;
use incasso_core::model::Location;
use incasso_core::money::Currency;
use rust_decimal::Decimal;

/// One booked line of a bank statement, as the bank wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    /// The statement holder's account (IBAN, or the bank's own account id), when stated.
    pub account: Option<String>,
    /// Booking date.
    pub booking_date: NaiveDate,
    /// Value (interest) date, when stated.
    pub value_date: Option<NaiveDate>,
    /// Signed amount: positive is money in (credit), negative money out (debit).
    pub amount: Decimal,
    /// Currency of the amount.
    pub currency: Currency,
    /// Name of the other party.
    pub counterparty_name: Option<String>,
    /// Account of the other party as written (an IBAN or an old domestic number).
    pub counterparty_account: Option<String>,
    /// Free remittance text (description, Ustrd, /REMI/ without a structured reference).
    pub remittance: Option<String>,
    /// Structured creditor reference (betalingskenmerk, OGM/VCS, RF) when the bank gives it as such.
    pub structured_reference: Option<String>,
    /// The payer's end-to-end id (EREF / EndToEndId), other than NOTPROVIDED.
    pub end_to_end_id: Option<String>,
    /// The bank's own unique reference for the line (AcctSvcrRef, MT940 bank reference).
    pub bank_reference: Option<String>,
    /// The bank marks this line as the reversal of an earlier one.
    pub reversal: bool,
    /// Where in the file it was read.
    pub location: Location,
}

/// What a reader found besides the lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatementSummary {
    /// The format and dialect recognised, for messages ("MT940 (ING)", "ING CSV (semicolon)").
    pub format: String,
    /// Statements (or statement blocks) read.
    pub statements: usize,
    /// Lines handed to the caller.
    pub lines: usize,
}

/// Bad input in a bank file: the file, the place and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {place}: {message}")]
pub struct BankError {
    /// The file as given.
    pub file: String,
    /// Line, field or element, as a person finds it ("line 12, field :61:").
    pub place: String,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl BankError {
    /// An error at a place in a file.
    pub fn new(file: &str, place: impl Into<String>, message: impl Into<String>) -> BankError {
        BankError {
            file: file.to_string(),
            place: place.into(),
            message: message.into(),
        }
    }
}

/// Removes spaces from an account number and upper-cases it; `None` for blank.
pub fn clean_account(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    (!s.is_empty()).then_some(s)
}

/// Trims and collapses runs of whitespace; `None` for blank.
pub fn clean_text(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (!out.is_empty()).then_some(out)
}
