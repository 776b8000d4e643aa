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

/// What a statement whose entries do not add up to its closing balance does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Balances {
    /// Refused: the file is incomplete or damaged.
    Refuse,
    /// Read, and the mismatch recorded in [`StatementSummary::unbalanced`].
    Record,
    /// Not checked (tests on samples whose balances were edited by hand).
    #[cfg(test)]
    Ignore,
}

impl Balances {
    /// What becomes of a statement at `place` that does not add up (`mismatch` says how):
    /// refused as incomplete or damaged, or read with the mismatch kept in `summary`.
    pub(crate) fn settle(
        self,
        file: &str,
        place: String,
        mismatch: String,
        summary: &mut StatementSummary,
    ) -> Result<(), BankError> {
        match self {
            Balances::Refuse => Err(BankError::new(
                file,
                place,
                format!(
                    "{mismatch}; the file is incomplete or damaged: download it from the bank \
                     again, or import it anyway with --accept-unbalanced (the mismatch is \
                     recorded in the audit log)"
                ),
            )),
            Balances::Record => {
                summary.unbalanced.push(format!("{place}: {mismatch}"));
                Ok(())
            }
            #[cfg(test)]
            Balances::Ignore => Ok(()),
        }
    }
}

/// An amount with at least two decimals, as statements write balances: 12.50, -3.00.
pub(crate) fn two_decimals(amount: Decimal) -> String {
    let mut a = amount;
    if a.scale() < 2 {
        a.rescale(2);
    }
    a.to_string()
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
    /// Statements whose balances do not add up, read anyway because the user asked to
    /// (`--accept-unbalanced`): what did not add up, for the summary and the audit log.
    pub unbalanced: Vec<String>,
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

/// A 16-digit betalingskenmerk.
pub(crate) fn is_kenmerk(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A text that is nothing but a structured payment reference, as the reference: a Dutch
/// 16-digit betalingskenmerk, an RF creditor reference or a Belgian OGM (`+++123/4567/89002+++`,
/// or between `***`), each with its check digits right. Banks put one alone where a payer's text
/// would go.
pub(crate) fn standalone_reference(text: &str) -> Option<String> {
    use incasso_core::matching::references::{ogm_valid, rf_valid};
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let ogm = compact
        .strip_prefix("+++")
        .and_then(|r| r.strip_suffix("+++"))
        .or_else(|| {
            compact
                .strip_prefix("***")
                .and_then(|r| r.strip_suffix("***"))
        })
        .is_some_and(|i| ogm_valid(&i.replace('/', "")));
    let rf = rf_valid(&compact.to_ascii_uppercase());
    if ogm {
        Some(compact)
    } else if is_kenmerk(&compact) || rf {
        Some(compact.to_ascii_uppercase())
    } else {
        None
    }
}

/// Removes spaces from an account number and upper-cases it; `None` for blank.
pub fn clean_account(raw: &str) -> Option<String> {
    let s: String = if raw.is_ascii() {
        // Nearly every account: byte by byte into room made once, with no case tables.
        let mut s = String::with_capacity(raw.len());
        for c in raw.bytes().map(char::from).filter(|c| !c.is_whitespace()) {
            s.push(c.to_ascii_uppercase());
        }
        s
    } else {
        raw.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect()
    };
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

/// An ABN AMRO account number as its MT940 and TAB exports write it (`417164300`) as the IBAN its
/// camt.053 writes (`NL91ABNA0417164300`), so one line in either format is recognised as one.
pub fn abn_iban(account: &str) -> Option<String> {
    if account.is_empty() || account.len() > 10 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bban = format!("ABNA{account:0>10}");
    // ISO 13616 check digits: the BBAN, then NL00, letters as numbers (A = 10), mod 97.
    let rem = format!("{bban}NL00").chars().fold(0u32, |r, c| {
        let v = c.to_digit(36).expect("letters and digits");
        if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        }
    });
    Some(format!("NL{:02}{bban}", 98 - rem))
}

/// A statement account as ABN AMRO's MT940 or TAB export gives it, as its camt.053 writes it (the
/// IBAN), so one line in any of the three is recognised as one.
pub(crate) fn abn_account(account: String) -> String {
    abn_iban(&account).unwrap_or(account)
}

/// The account number ABN AMRO's MT940 and TAB exports wrote before incasso read them as IBANs
/// (`417164300` for `NL91ABNA0417164300`): lines stored so are recognised still.
fn abn_number(iban: &str) -> Option<&str> {
    let digits = iban.strip_prefix("NL")?.get(2..)?.strip_prefix("ABNA")?;
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.trim_start_matches('0'))
}

/// Gives a file's bank lines their ledger identity, in file order: the id (from the bank's own
/// reference where it has one) and the fingerprint that recognises the same line in another
/// statement or export format.
#[derive(Debug, Default)]
pub struct Identify {
    /// How often each line's base fingerprint occurred so far; the keys are BLAKE3 digests, so
    /// they are hashed for what they are (as the store's line keys are), not with SipHash.
    occurrences: rustc_hash::FxHashMap<u128, u32>,
    text: String,
}

/// The first 128 bits of a BLAKE3 hash, as a key.
pub(crate) fn key128(h: blake3::Hash) -> u128 {
    u128::from_le_bytes(h.as_bytes()[..16].try_into().expect("16 bytes"))
}

/// A short printable id: a letter and 15 hex digits of a key.
fn short_id(prefix: char, key: u128) -> String {
    use std::fmt::Write;
    let mut id = String::with_capacity(16);
    id.push(prefix);
    // The first 15 of the key's 32 hex digits: its top 60 bits.
    let _ = write!(id, "{:015x}", key >> 68);
    id
}

impl Identify {
    /// The line's fingerprint with `account` as the statement's account (see [`Identify::payment`]);
    /// counts the occurrence.
    fn fingerprint(&mut self, line: &BankLine, account: &str) -> u128 {
        use std::fmt::Write;
        let text = &mut self.text;
        text.clear();
        let _ = write!(
            text,
            "{account}|{}|{}|{}|{}",
            line.booking_date,
            line.amount.normalize(),
            line.currency,
            line.counterparty_account.as_deref().unwrap_or("")
        );
        if line.counterparty_account.is_none() {
            text.push('|');
            let remittance = line.remittance.as_deref().unwrap_or("");
            if remittance.is_ascii() {
                text.extend(
                    remittance
                        .bytes()
                        .filter(u8::is_ascii_alphanumeric)
                        .map(|b| char::from(b.to_ascii_lowercase())),
                );
            } else {
                text.extend(
                    remittance
                        .chars()
                        .filter(|c| c.is_alphanumeric())
                        .flat_map(char::to_lowercase),
                );
            }
        }
        let base = key128(blake3::hash(text.as_bytes()));
        let n = self.occurrences.entry(base).or_insert(0);
        *n += 1;
        let mut h = blake3::Hasher::new();
        h.update(&base.to_le_bytes());
        h.update(&n.to_le_bytes());
        key128(h.finalize())
    }

    /// The payment a line records and its fingerprint (a 128-bit key).
    ///
    /// The fingerprint is account, booking date, amount, currency and counterparty account, plus
    /// the text only when there is no counterparty account (banks word the same line differently
    /// in camt and CSV), plus how many times that combination occurred before in this file, so
    /// two genuinely identical transfers on one day both count. The third value is the
    /// fingerprint the line had when stored under an older account form (an ABN AMRO number
    /// where it now reads the IBAN), to be recognised as stored too.
    pub fn payment(
        &mut self,
        line: BankLine,
        source: &std::sync::Arc<incasso_core::model::Source>,
    ) -> (incasso_core::model::Payment, u128, Option<u128>) {
        use incasso_core::model::{Payment, PaymentKind, Provenance};
        let account = line.account.as_deref().unwrap_or("");
        let fingerprint = self.fingerprint(&line, account);
        let earlier = abn_number(account).map(|number| self.fingerprint(&line, number));
        let id = match &line.bank_reference {
            Some(r) => {
                let mut h = blake3::Hasher::new();
                h.update(account.as_bytes());
                h.update(b"|");
                h.update(r.as_bytes());
                short_id('R', key128(h.finalize()))
            }
            None => short_id('F', fingerprint),
        };
        let kind = if line.reversal {
            PaymentKind::Reversal
        } else if line.amount > Decimal::ZERO {
            PaymentKind::Incoming
        } else {
            PaymentKind::Outgoing
        };
        let payment = Payment {
            id,
            date: line.booking_date,
            amount: incasso_core::money::Money::new(line.amount, line.currency),
            kind,
            account: line.account,
            counterparty_name: line.counterparty_name,
            counterparty_account: line.counterparty_account,
            remittance: line.remittance,
            structured_reference: line.structured_reference,
            end_to_end_id: line.end_to_end_id,
            provenance: Provenance {
                source: source.clone(),
                location: line.location,
            },
        };
        (payment, fingerprint, earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use incasso_core::model::{Source, SourceKind};
    use std::sync::Arc;

    /// ABN AMRO's account numbers as the IBANs its camt.053 writes, and back.
    #[test]
    fn abn_account_numbers_and_their_ibans() {
        assert_eq!(abn_iban("417164300").as_deref(), Some("NL91ABNA0417164300"));
        assert_eq!(
            abn_iban("0417164300").as_deref(),
            Some("NL91ABNA0417164300")
        );
        assert_eq!(abn_iban("NL91ABNA0417164300"), None);
        assert_eq!(abn_iban("12345678901"), None);
        assert_eq!(abn_number("NL91ABNA0417164300"), Some("417164300"));
        assert_eq!(abn_number("NL69INGB0123456789"), None);
    }

    #[test]
    fn a_short_id_is_the_first_15_hex_digits_of_its_key() {
        let key = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210_u128;
        assert_eq!(short_id('F', key), "F0123456789abcde");
        assert_eq!(short_id('R', 1), "R000000000000000");
    }

    #[test]
    fn an_account_is_cleaned_alike_in_ascii_and_beyond() {
        // Vertical tab and the no-break space are whitespace to `char`, not to every byte test.
        assert_eq!(
            clean_account(" nl91 abna\u{b}0417 164300\t").as_deref(),
            Some("NL91ABNA0417164300")
        );
        assert_eq!(
            clean_account("nl91\u{a0}abna 0417164300ß").as_deref(),
            Some("NL91ABNA0417164300SS")
        );
        assert_eq!(clean_account(" \u{b} "), None);
    }

    fn line(cp: Option<&str>, text: &str, bank_ref: Option<&str>) -> BankLine {
        BankLine {
            account: Some("NL91ABNA0417164300".into()),
            booking_date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            value_date: None,
            amount: Decimal::new(12100, 2),
            currency: Currency::EUR,
            counterparty_name: None,
            counterparty_account: cp.map(str::to_string),
            remittance: Some(text.into()),
            structured_reference: None,
            end_to_end_id: None,
            bank_reference: bank_ref.map(str::to_string),
            reversal: false,
            location: Location::Line(1),
        }
    }

    /// A line of an ABN AMRO account also carries the fingerprint it had when its MT940 or TAB
    /// was read with the account number alone, occurrence for occurrence, so a store written so
    /// still recognises it.
    #[test]
    fn an_abn_line_is_recognised_as_stored_under_its_account_number() {
        let src = Arc::new(Source {
            kind: SourceKind::BankStatementFile,
            name: "t".into(),
            content_hash: String::new(),
        });
        let cp = Some("NL44RABO0123456789");
        let (mut now, mut then) = (Identify::default(), Identify::default());
        for _ in 0..2 {
            let (_, _, earlier) = now.payment(line(cp, "F1", None), &src);
            let old = BankLine {
                account: Some("417164300".into()),
                ..line(cp, "F1", None)
            };
            let (_, stored, none) = then.payment(old, &src);
            assert_eq!(earlier, Some(stored));
            assert_eq!(none, None, "an account number has no earlier form");
        }
    }

    #[test]
    fn identical_transfers_both_count_and_a_line_is_the_same_in_every_format() {
        let src = Arc::new(Source {
            kind: SourceKind::BankStatementFile,
            name: "t".into(),
            content_hash: String::new(),
        });
        let cp = Some("NL44RABO0123456789");
        // One file with two identical transfers: two fingerprints.
        let mut a = Identify::default();
        let (p1, f1, _) = a.payment(line(cp, "F1", None), &src);
        let (p2, f2, _) = a.payment(line(cp, "F1", None), &src);
        assert_ne!(f1, f2);
        assert_ne!(p1.id, p2.id);
        // The same day as camt (bank references, other wording) gives the same fingerprints.
        let mut b = Identify::default();
        let (q1, g1, _) = b.payment(line(cp, "Factuur F1", Some("REF-1")), &src);
        let (_, g2, _) = b.payment(line(cp, "factuur F1 ", Some("REF-2")), &src);
        assert_eq!((g1, g2), (f1, f2));
        assert!(q1.id.starts_with('R') && p1.id.starts_with('F'));
        // Without a counterparty account the text tells lines apart.
        let mut c = Identify::default();
        let (_, h1, _) = c.payment(line(None, "rente", None), &src);
        let (_, h2, _) = c.payment(line(None, "gift", None), &src);
        let mut d = Identify::default();
        let (_, k2, _) = d.payment(line(None, "gift", None), &src);
        assert_ne!(h1, h2);
        assert_eq!(h2, k2, "first occurrence of its own text in both files");
    }
}
