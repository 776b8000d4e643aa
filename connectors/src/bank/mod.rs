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
use incasso_core::model::{LineGroup, LineKeys, Location};
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
    /// The bank's own words for what kind of line it is (`Inning Europese domiciliëring`, a
    /// camt.053 transaction code, Rabobank's `ei` as `euro-incasso`): added to the text of a
    /// line no payer's account names (a collection booked as one total), never to what
    /// recognises the line, so a line is known again whichever build stored it.
    pub kind: Option<String>,
    /// Where in the file it was read.
    pub location: Location,
    /// The statement that lists it, where a format names its statements (MT940's `:28C:`
    /// statement number, else its `:20:`; camt.053's `Stmt/Id`): within one file, a bank
    /// reference seen again under another statement is another line (two statements of a day,
    /// each numbering its lines from `//00001`).
    pub statement: Option<String>,
    /// The format it was read from (`camt.053`, `camt.054`, `MT940`, a bank CSV export's name):
    /// one format words a line alike in every download, which tells its lines apart.
    pub format: &'static str,
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
/// reference where it has one, else from the line's wording in its format) and the keys that
/// recognise the same line in a later download or another format ([`LineKeys`]).
#[derive(Debug, Default)]
pub struct Identify {
    /// The counts so far per booking date: every key counted holds its line's date, and a
    /// statement lists its lines by date, so the counts probed are of one day and stay in the
    /// cache (one map of the whole file missed it on every line at a million lines).
    days: rustc_hash::FxHashMap<chrono::NaiveDate, DayCounts>,
    /// The last format seen and its key: a file has one.
    format: Option<(&'static str, u128)>,
    text: String,
}

/// How often lines of one booking date occurred so far in a file.
#[derive(Debug, Default)]
struct DayCounts {
    /// Per group of lines alike (the keys are BLAKE3 digests, so they are hashed for what they
    /// are, as the store's line keys are, not with SipHash).
    occurrences: rustc_hash::FxHashMap<u128, u32>,
    /// Per wording within its group and format.
    wordings: rustc_hash::FxHashMap<u128, u32>,
    /// Per bank reference (with its account), the statement that first listed it in the file.
    references: rustc_hash::FxHashMap<u128, u128>,
}

/// A line's text with the bank's words for its kind after it, when `add` (see
/// [`BankLine::kind`]).
fn with_kind(text: Option<String>, kind: Option<String>, add: bool) -> Option<String> {
    match (text, kind) {
        (Some(t), Some(k)) if add && !t.contains(k.as_str()) => Some(format!("{t} ({k})")),
        (None, Some(k)) if add => Some(k),
        (t, _) => t,
    }
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

/// The key of a bank reference on its account: account and reference, hashed.
fn reference_key(account: &str, reference: &str) -> u128 {
    let mut h = blake3::Hasher::new();
    h.update(account.as_bytes());
    h.update(b"|");
    h.update(reference.as_bytes());
    key128(h.finalize())
}

/// The id of a line the bank gave a reference ([`reference_key`]).
fn reference_id(account: &str, reference: &str) -> String {
    short_id('R', reference_key(account, reference))
}

/// Appends the letters and digits of `text`, lower case, to `out`: the wording of a field with
/// its spacing and punctuation left out.
fn push_folded(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.extend(
            text.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
    } else {
        out.extend(
            text.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase),
        );
    }
}

/// `key` with the count of its occurrences so far in `seen` (this one included): the n-th of
/// several lines alike in one file.
fn nth(seen: &mut rustc_hash::FxHashMap<u128, u32>, key: u128) -> u128 {
    let n = seen.entry(key).or_insert(0);
    *n += 1;
    let mut bytes = [0u8; 20];
    bytes[..16].copy_from_slice(&key.to_le_bytes());
    bytes[16..].copy_from_slice(&n.to_le_bytes());
    key128(blake3::hash(&bytes))
}

impl Identify {
    /// The key of a format: a group's key within the format is the group's key and this, XORed
    /// (both are uniform already), so the store can tell the format from the two.
    fn format_key(&mut self, format: &'static str) -> u128 {
        match self.format {
            Some((f, key)) if f == format => key,
            _ => {
                let key = key128(blake3::hash(format.as_bytes()));
                self.format = Some((format, key));
                key
            }
        }
    }

    /// The key of the lines alike: `account` as the statement's account, booking date, amount,
    /// currency and counterparty account, plus the text only when there is no counterparty
    /// account (banks word the same line differently in camt and CSV).
    fn alike(&mut self, line: &BankLine, account: &str) -> u128 {
        let text = &mut self.text;
        text.clear();
        LineGroup::push_text(
            text,
            account,
            line.booking_date,
            line.amount,
            line.currency.as_str(),
        );
        text.push('|');
        text.push_str(line.counterparty_account.as_deref().unwrap_or(""));
        if line.counterparty_account.is_none() {
            text.push('|');
            push_folded(text, line.remittance.as_deref().unwrap_or(""));
        }
        key128(blake3::hash(text.as_bytes()))
    }

    /// The key of a line's wording in its format, within its group.
    fn wording(&mut self, line: &BankLine, in_format: u128) -> u128 {
        let text = &mut self.text;
        text.clear();
        for field in [
            &line.remittance,
            &line.structured_reference,
            &line.end_to_end_id,
            &line.counterparty_name,
        ] {
            push_folded(text, field.as_deref().unwrap_or(""));
            text.push('|');
        }
        let mut h = blake3::Hasher::new();
        h.update(&in_format.to_le_bytes());
        h.update(text.as_bytes());
        key128(h.finalize())
    }

    /// The payment a line records and the keys that recognise it again.
    ///
    /// Its id is the bank's reference (with the account) where the line has one, else its
    /// wording in its format and how many lines alike and worded alike came before it in this
    /// file, so two genuinely identical transfers on one day both count, and a later download of
    /// the same format gives the same line the same id whatever its order. The group
    /// ([`LineKeys::group`]) counts another format's copies; the legacy keys are the fingerprints
    /// stores written before kept (the group and its occurrence in the file, and the same under
    /// an ABN AMRO account number where the line now reads the IBAN).
    pub fn payment(
        &mut self,
        line: BankLine,
        source: &std::sync::Arc<incasso_core::model::Source>,
    ) -> (incasso_core::model::Payment, LineKeys) {
        use incasso_core::model::{Payment, PaymentKind, Provenance};
        let account = line.account.as_deref().unwrap_or("");
        let alike = self.alike(&line, account);
        let older = abn_number(account).map(|number| self.alike(&line, number));
        let in_format = alike ^ self.format_key(line.format);
        let loose = LineGroup::loose_key(
            account,
            line.booking_date,
            line.amount,
            line.currency.as_str(),
            line.counterparty_account.is_none(),
        );
        let wording = line
            .bank_reference
            .is_none()
            .then(|| self.wording(&line, in_format));
        let day = self.days.entry(line.booking_date).or_default();
        let legacy = nth(&mut day.occurrences, alike);
        let older = older.map(|alike| nth(&mut day.occurrences, alike));
        let mut stored_alone = None;
        let id = match (&line.bank_reference, wording) {
            (Some(r), _) => {
                let reference = reference_key(account, r);
                let plain = short_id('R', reference);
                // Listed under another statement of the same day in this file before: another
                // line the bank numbered alike, named with its statement, and known also by the
                // id the store gave it if its statement was read alone ([`LineKeys::reused_id`]);
                // the first statement to list a reference keeps its plain id.
                match line.statement.as_deref() {
                    Some(statement) => {
                        let listed = key128(blake3::hash(statement.as_bytes()));
                        if *day.references.entry(reference).or_insert(listed) == listed {
                            plain
                        } else {
                            let alone = LineKeys::reused_id(&plain, line.booking_date, line.amount);
                            stored_alone = Some(LineKeys::id_key(&alone));
                            reference_id(account, &format!("{r}#{statement}"))
                        }
                    }
                    None => plain,
                }
            }
            (None, Some(wording)) => short_id('F', nth(&mut day.wordings, wording)),
            (None, None) => unreachable!("a line without a bank reference is worded above"),
        };
        let keys = LineKeys {
            group: Some(LineGroup {
                alike,
                in_format,
                loose,
            }),
            legacy: [Some(legacy), older.or(stored_alone)],
        };
        // A line no payer's account names (none, or the statement's own: a bank's collective
        // entry) reads the bank's words for its kind as text too.
        let payerless = incasso_core::ids::no_payer_account(
            line.counterparty_account.as_deref(),
            line.account.as_deref(),
        );
        // Money out whose texts say it gives a payment back (`STORNO`, `RETOUR AC04`,
        // `TERUGBOEKING`) is a reversal where the bank did not mark it one (review 43a, F-6).
        let returned = line.amount < Decimal::ZERO
            && incasso_core::matching::says_returned(
                line.remittance.as_deref(),
                line.structured_reference.as_deref(),
            );
        let kind = if line.reversal || returned {
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
            remittance: with_kind(line.remittance, line.kind, payerless),
            structured_reference: line.structured_reference,
            end_to_end_id: line.end_to_end_id,
            provenance: Provenance {
                source: source.clone(),
                location: line.location,
            },
        };
        (payment, keys)
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

    fn source() -> Arc<Source> {
        Arc::new(Source {
            kind: SourceKind::BankStatementFile,
            name: "t".into(),
            content_hash: String::new(),
        })
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
            kind: None,
            location: Location::Line(1),
            statement: None,
            format: "test CSV",
        }
    }

    /// A line of an ABN AMRO account also carries the fingerprint it had when its MT940 or TAB
    /// was read with the account number alone, occurrence for occurrence, so a store written so
    /// still recognises it.
    #[test]
    fn an_abn_line_is_recognised_as_stored_under_its_account_number() {
        let src = source();
        let cp = Some("NL44RABO0123456789");
        let (mut now, mut then) = (Identify::default(), Identify::default());
        for _ in 0..2 {
            let (_, keys) = now.payment(line(cp, "F1", None), &src);
            let old = BankLine {
                account: Some("417164300".into()),
                ..line(cp, "F1", None)
            };
            let (_, stored) = then.payment(old, &src);
            assert_eq!(keys.legacy[1], stored.legacy[0]);
            assert_eq!(
                stored.legacy[1], None,
                "an account number has no earlier form"
            );
        }
    }

    #[test]
    fn identical_transfers_both_count_and_a_line_is_alike_in_every_format() {
        let src = source();
        let cp = Some("NL44RABO0123456789");
        // One file with two identical transfers: two ids, one group.
        let mut a = Identify::default();
        let (p1, k1) = a.payment(line(cp, "F1", None), &src);
        let (p2, k2) = a.payment(line(cp, "F1", None), &src);
        assert_ne!(p1.id, p2.id);
        assert_eq!(k1.group, k2.group);
        assert_ne!(k1.legacy, k2.legacy);
        // The same day as camt (bank references, other wording): the same group of lines alike,
        // in another format.
        let mut b = Identify::default();
        let camt = |text: &str, r: &str| BankLine {
            format: "camt.053",
            ..line(cp, text, Some(r))
        };
        let (q1, g1) = b.payment(camt("Factuur F1", "REF-1"), &src);
        let (_, g2) = b.payment(camt("factuur F1 ", "REF-2"), &src);
        let (g1, k1g) = (g1.group.unwrap(), k1.group.unwrap());
        assert_eq!(g1.alike, k1g.alike);
        assert_ne!(g1.in_format, k1g.in_format);
        assert_eq!(
            g2.legacy[0], k2.legacy[0],
            "the fingerprint stores kept before"
        );
        assert!(q1.id.starts_with('R') && p1.id.starts_with('F'));
        // Without a counterparty account the text tells lines apart.
        let mut c = Identify::default();
        let (_, h1) = c.payment(line(None, "rente", None), &src);
        let (_, h2) = c.payment(line(None, "gift", None), &src);
        assert_ne!(h1.group, h2.group);
    }

    /// Stores hold the ids and fingerprints lines were given: how they are counted may change,
    /// what they come to may not. Lines of another day in between count apart.
    #[test]
    fn a_line_without_a_bank_reference_keeps_the_id_stores_hold() {
        let src = source();
        let cp = Some("NL44RABO0123456789");
        let next_day = || BankLine {
            booking_date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            ..line(cp, "F1", None)
        };
        let mut ids = Identify::default();
        let (first, k1) = ids.payment(line(cp, "F1", None), &src);
        let (other, _) = ids.payment(next_day(), &src);
        let (second, k2) = ids.payment(line(cp, "F1", None), &src);
        let (other2, _) = ids.payment(next_day(), &src);
        assert_eq!(
            [&first.id, &second.id, &other.id, &other2.id],
            [
                "F7538c1d315c58c7",
                "Fa02935573028ff0",
                "F7d4e189ad327f50",
                "F843d87708ba46a1"
            ]
        );
        assert_eq!(
            [k1.legacy[0], k2.legacy[0]],
            [
                Some(303674888935684917610155955920426958369),
                Some(100906990083471442345543520171667300854)
            ]
        );
    }

    /// A later download of the same format gives a line the id it had, whatever came before it:
    /// the midday export's line keeps its id in the whole day's export, which lists a line
    /// alike (same payer, same amount, other invoice) before it.
    #[test]
    fn a_line_keeps_its_id_in_a_later_download_of_its_format() {
        let src = source();
        let cp = Some("NL20INGB0001234567");
        let mut midday = Identify::default();
        let (morning, _) = midday.payment(line(cp, "Factuur F2026-201", None), &src);
        let mut day = Identify::default();
        let (afternoon, _) = day.payment(line(cp, "Factuur F2026-202", None), &src);
        let (again, _) = day.payment(line(cp, "Factuur F2026-201", None), &src);
        let (twice, _) = day.payment(line(cp, "Factuur F2026-201", None), &src);
        assert_eq!(again.id, morning.id);
        assert_ne!(afternoon.id, morning.id);
        assert_ne!(
            twice.id, again.id,
            "a second identical transfer is another line"
        );
    }
}
