//! The ledger's records: creditor, debtor, document, payment, allocation, each with provenance.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{CreditorId, DebtorId, DocumentNumber, Iban};
use crate::money::{Currency, Money};

/// What kind of place a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A CSV export of an accounting package.
    CsvFile,
    /// An Excel or OpenDocument workbook.
    SpreadsheetFile,
    /// A UBL e-invoice.
    UblFile,
    /// A bank statement file.
    BankStatementFile,
    /// An accounting API.
    Api,
    /// Entered by a user through the CLI.
    Manual,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::CsvFile => "csv",
            SourceKind::SpreadsheetFile => "spreadsheet",
            SourceKind::UblFile => "ubl",
            SourceKind::BankStatementFile => "bank-statement",
            SourceKind::Api => "api",
            SourceKind::Manual => "manual",
        })
    }
}

/// One source as a whole: a file or an API endpoint, with the hash of the content read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// What kind of source it is.
    pub kind: SourceKind,
    /// The file path or endpoint as the user gave it.
    pub name: String,
    /// BLAKE3 hash (hex) of the exact bytes read.
    pub content_hash: String,
}

/// Where inside a source a record was found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Location {
    /// A line of a text file (1-based, as an editor shows it).
    Line(u64),
    /// A row of a sheet (1-based, as the spreadsheet shows it).
    SheetRow {
        /// Sheet name.
        sheet: String,
        /// Row number.
        row: u64,
    },
    /// An element of an XML document, as a path.
    Element(String),
    /// A record of an API response, by its upstream id.
    ApiRecord(String),
    /// Nowhere in a file that lists every open item (`incasso import --complete`): the document
    /// was left out, so the books no longer have it open.
    NotListed,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::SheetRow { sheet, row } => write!(f, "sheet '{sheet}' row {row}"),
            Location::Element(p) => write!(f, "element {p}"),
            Location::ApiRecord(id) => write!(f, "record {id}"),
            Location::NotListed => f.write_str("not listed, in a file that lists every open item"),
        }
    }
}

/// Where a record came from: the source and the place inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// The source, shared by all records read from it.
    pub source: Arc<Source>,
    /// The place inside the source.
    pub location: Location,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.source.name, self.location)
    }
}

/// The administration whose receivables these are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creditor {
    /// Identifier of the administration.
    pub id: CreditorId,
    /// Legal name.
    pub name: String,
    /// Dutch Chamber of Commerce number.
    pub kvk: Option<String>,
    /// VAT identification number.
    pub vat_number: Option<String>,
    /// Accounts the creditor is paid on.
    pub ibans: Vec<Iban>,
}

/// Whether the law treats a debtor as a consumer or a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DebtorKind {
    /// A natural person not acting in a profession or business.
    Consumer,
    /// A company or professional.
    Business,
    /// The source did not say; policy must decide before costs are charged.
    #[default]
    Unknown,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Street name.
    pub street: Option<String>,
    /// House number with any addition.
    pub house_number: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166 two-letter country code.
    pub country: Option<String>,
}

impl Address {
    /// The address with its house number taken out of the street where the books wrote them in
    /// one field (`Dorpsstraat 12`, `Kerkstraat 12a`, `Meir 20 bus 3`): an agency's schema has a
    /// field for each (review 44a, F-5). The first word never counts as the number (`1e
    /// Helmersstraat`), and a house number given stands.
    pub fn with_house_number(&self) -> Address {
        let mut out = self.clone();
        if self.house_number.is_some() {
            return out;
        }
        let Some(street) = self.street.as_deref() else {
            return out;
        };
        let words: Vec<&str> = street.split_whitespace().collect();
        // The first of the last three words that starts with a digit, after at least one word,
        // with at most two short words after it (`bus 3`, `hs`, `II`).
        let Some(at) = (words.len().saturating_sub(3).max(1)..words.len()).find(|&i| {
            words[i].starts_with(|c: char| c.is_ascii_digit())
                && words.len() - i <= 3
                && words[i + 1..].iter().all(|w| w.chars().count() <= 4)
        }) else {
            return out;
        };
        if !words[..at]
            .iter()
            .any(|w| w.chars().any(char::is_alphabetic))
        {
            return out;
        }
        out.street = Some(words[..at].join(" "));
        out.house_number = Some(words[at..].join(" "));
        out
    }

    /// The filled fields on one line, for messages and the audit log.
    pub fn one_line(&self) -> String {
        [
            &self.street,
            &self.house_number,
            &self.postcode,
            &self.city,
            &self.country,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// True when no field is filled.
    pub fn is_empty(&self) -> bool {
        self == &Address::default()
    }
}

/// A customer who owes (or may owe) the creditor money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debtor {
    /// The creditor's id for this debtor.
    pub id: DebtorId,
    /// Name of the person or company.
    pub name: Option<String>,
    /// Consumer or business.
    pub kind: DebtorKind,
    /// Dutch Chamber of Commerce number.
    pub kvk: Option<String>,
    /// VAT identification number.
    pub vat_number: Option<String>,
    /// Accounts the debtor pays from.
    pub ibans: Vec<Iban>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Address,
}

impl Debtor {
    /// A debtor known only by id.
    pub fn new(id: DebtorId) -> Debtor {
        Debtor {
            id,
            name: None,
            kind: DebtorKind::Unknown,
            kvk: None,
            vat_number: None,
            ibans: Vec::new(),
            email: None,
            phone: None,
            address: Address::default(),
        }
    }

    /// Takes every field `other` fills (a live source's current master data: a renamed or moved
    /// debtor), keeping what `other` leaves empty; returns each change as `field 'old' -> 'new'`.
    /// A KvK or VAT number the live source no longer gives is gone (every accounting API gives
    /// both), and a business it no longer shows as one (no number, no company) is of unknown
    /// kind again, for the policy to decide: a contact corrected to a private person is not
    /// claimed as a business.
    pub fn update_from(&mut self, other: &Debtor) -> Vec<String> {
        let mut changes = Vec::new();
        for (mine, theirs, name) in [
            (&mut self.kvk, &other.kvk, "kvk"),
            (&mut self.vat_number, &other.vat_number, "vat_number"),
        ] {
            if theirs.as_ref().is_none_or(|t| t.trim().is_empty()) {
                if let Some(old) = mine.take() {
                    changes.push(format!("{name} '{old}' -> ''"));
                }
            }
        }
        if self.kind == DebtorKind::Business
            && other.kind == DebtorKind::Unknown
            && other.kvk.is_none()
            && other.vat_number.is_none()
        {
            changes.push("kind Business -> Unknown".to_string());
            self.kind = DebtorKind::Unknown;
        }
        fn take(
            mine: &mut Option<String>,
            theirs: &Option<String>,
            name: &str,
            changes: &mut Vec<String>,
        ) {
            if let Some(new) = theirs.as_ref().filter(|t| !t.trim().is_empty()) {
                if mine.as_ref() != Some(new) {
                    changes.push(format!(
                        "{name} '{}' -> '{new}'",
                        mine.as_deref().unwrap_or("")
                    ));
                    *mine = Some(new.clone());
                }
            }
        }
        take(&mut self.name, &other.name, "name", &mut changes);
        take(&mut self.kvk, &other.kvk, "kvk", &mut changes);
        take(
            &mut self.vat_number,
            &other.vat_number,
            "vat_number",
            &mut changes,
        );
        take(&mut self.email, &other.email, "email", &mut changes);
        take(&mut self.phone, &other.phone, "phone", &mut changes);
        // An address is taken whole: a move changes street, postcode and city together.
        if !other.address.is_empty() && other.address != self.address {
            changes.push(format!(
                "address '{}' -> '{}'",
                self.address.one_line(),
                other.address.one_line()
            ));
            self.address = other.address.clone();
        }
        if other.kind != DebtorKind::Unknown && other.kind != self.kind {
            changes.push(format!("kind {:?} -> {:?}", self.kind, other.kind));
            self.kind = other.kind;
        }
        for iban in &other.ibans {
            if !self.ibans.contains(iban) {
                changes.push(format!("iban + {iban}"));
                self.ibans.push(iban.clone());
            }
        }
        changes
    }

    /// Fills the fields this record lacks from `other`; returns the fields where both are filled
    /// but disagree (the caller decides whether that is a change to audit).
    pub fn fill_from(&mut self, other: &Debtor) -> Vec<&'static str> {
        let mut differs = Vec::new();
        fn fill<T: Clone + PartialEq>(
            mine: &mut Option<T>,
            theirs: &Option<T>,
            name: &'static str,
            differs: &mut Vec<&'static str>,
        ) {
            match (mine.as_ref(), theirs) {
                (None, Some(v)) => *mine = Some(v.clone()),
                (Some(a), Some(b)) if a != b => differs.push(name),
                _ => {}
            }
        }
        fill(&mut self.name, &other.name, "name", &mut differs);
        fill(&mut self.kvk, &other.kvk, "kvk", &mut differs);
        fill(
            &mut self.vat_number,
            &other.vat_number,
            "vat_number",
            &mut differs,
        );
        fill(&mut self.email, &other.email, "email", &mut differs);
        fill(&mut self.phone, &other.phone, "phone", &mut differs);
        fill(
            &mut self.address.street,
            &other.address.street,
            "street",
            &mut differs,
        );
        fill(
            &mut self.address.house_number,
            &other.address.house_number,
            "house_number",
            &mut differs,
        );
        fill(
            &mut self.address.postcode,
            &other.address.postcode,
            "postcode",
            &mut differs,
        );
        fill(
            &mut self.address.city,
            &other.address.city,
            "city",
            &mut differs,
        );
        fill(
            &mut self.address.country,
            &other.address.country,
            "country",
            &mut differs,
        );
        match (self.kind, other.kind) {
            (DebtorKind::Unknown, k) => self.kind = k,
            // A consumer under the later source: the stricter regime (a 14-day letter, lower
            // costs) is taken, never the other way on a file's word.
            (DebtorKind::Business, DebtorKind::Consumer) => {
                self.kind = DebtorKind::Consumer;
                differs.push("kind (taken: consumer, the stricter regime)");
            }
            (a, b) if b != DebtorKind::Unknown && a != b => differs.push("kind"),
            _ => {}
        }
        for iban in &other.ibans {
            if !self.ibans.contains(iban) {
                self.ibans.push(iban.clone());
            }
        }
        differs
    }
}

/// Invoice or credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// A claim on the debtor.
    Invoice,
    /// A correction that reduces what the debtor owes.
    CreditNote,
}

impl DocumentKind {
    /// Short stable code used in keys and output.
    pub fn code(&self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit-note",
        }
    }
}

/// The state a source reports for a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentStatus {
    /// Open as far as the source knows.
    #[default]
    Open,
    /// The debtor disputes it: it must never go to an agency while so.
    Disputed,
    /// The source ledger says it is paid.
    Paid,
    /// Cancelled or voided upstream.
    Void,
    /// A payment is underway upstream (a direct debit sent to the bank, a payment provider): still
    /// owed, and never claimed while it may still arrive.
    PaymentPending,
    /// Cancelled upstream by a credit note the source does not list (`Gecrediteerd`): owed no
    /// more, as [`DocumentStatus::Void`], but an agency is told it was credited, not written off.
    Credited,
}

impl DocumentStatus {
    /// The status as files and JSON write it.
    pub fn code(self) -> &'static str {
        match self {
            DocumentStatus::Open => "open",
            DocumentStatus::Disputed => "disputed",
            DocumentStatus::Paid => "paid",
            DocumentStatus::Void => "void",
            DocumentStatus::PaymentPending => "payment-pending",
            DocumentStatus::Credited => "credited",
        }
    }

    /// Cancelled upstream, voided or credited: nothing of it is owed.
    pub fn is_cancelled(self) -> bool {
        matches!(self, DocumentStatus::Void | DocumentStatus::Credited)
    }
}

/// The identity of a document in the ledger: creditor, kind and normalised number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DocumentKey {
    /// The administration.
    pub creditor: CreditorId,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Normalised number (see [`DocumentNumber::normalised`]).
    pub number: String,
}

/// An invoice or credit note as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The administration it belongs to.
    pub creditor: CreditorId,
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Number as written by the source.
    pub number: DocumentNumber,
    /// Who owes it (or is credited).
    pub debtor: DebtorId,
    /// Date of issue.
    pub issue_date: NaiveDate,
    /// Date payment is due.
    pub due_date: NaiveDate,
    /// Whether the source gave no due date nor payment term and `due_date` is the statutory 30
    /// days after the issue date (art. 6:119a lid 2 BW): no term was agreed, so no fatal term
    /// puts the debtor in default (a consumer is, only after the 14-day letter's term).
    #[serde(default)]
    pub due_assumed: bool,
    /// Currency of every amount on the document.
    pub currency: Currency,
    /// Amount excluding VAT, when the source gives it.
    pub net: Option<Decimal>,
    /// VAT amount, when the source gives it.
    pub vat: Option<Decimal>,
    /// Amount including VAT, as a positive magnitude (a credit note's total is what it credits).
    pub total: Decimal,
    /// What the source says is still open, when it says so (open-items exports).
    pub source_open: Option<Decimal>,
    /// The state the source reports.
    pub status: DocumentStatus,
    /// For a credit note: the invoice it corrects.
    pub credited_invoice: Option<DocumentNumber>,
    /// Structured payment reference (betalingskenmerk, OGM, RF).
    pub payment_reference: Option<String>,
    /// Free description.
    pub description: Option<String>,
}

impl Document {
    /// The ledger identity of this document.
    pub fn key(&self) -> DocumentKey {
        DocumentKey {
            creditor: self.creditor.clone(),
            kind: self.kind,
            number: self.number.normalised().into_owned(),
        }
    }

    /// The total as money.
    pub fn total_money(&self) -> Money {
        Money::new(self.total, self.currency)
    }
}

/// A document together with where it came from and which version of it this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDocument {
    /// The document's content.
    pub document: Document,
    /// The source that last defined it.
    pub provenance: Provenance,
    /// 1 for the first version; raised each time a source redefines it.
    pub version: u32,
}

/// An API's marked documents (a second record with one number, see
/// [`crate::ids::DocumentNumber::marked`]) by their place in `docs`, with the number their source
/// wrote, where another document of `docs` has that number: a payment naming it may be either's.
/// The mark's shape alone is not enough (`2026/12345678` may be a source's own numbering).
pub fn marked_twins(docs: &[LedgerDocument]) -> std::collections::HashMap<usize, &str> {
    let marked: Vec<(usize, &str)> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.provenance.source.kind == SourceKind::Api)
        .filter_map(|(i, d)| DocumentNumber::unmarked(d.document.number.as_str()).map(|b| (i, b)))
        .collect();
    if marked.is_empty() {
        return Default::default();
    }
    let normal = |b: &str| {
        DocumentNumber::new(b)
            .map(|n| n.normalised().into_owned())
            .unwrap_or_default()
    };
    let wanted: std::collections::HashSet<String> = marked.iter().map(|(_, b)| normal(b)).collect();
    let present: std::collections::HashSet<String> = docs
        .iter()
        .map(|d| d.document.number.normalised().into_owned())
        .filter(|n| wanted.contains(n))
        .collect();
    marked
        .into_iter()
        .filter(|(_, b)| present.contains(&normal(b)))
        .collect()
}

/// A file that came with a document (usually the invoice PDF inside a UBL file), stored once by
/// its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// BLAKE3 hash (hex) of the bytes; also the stored file's name.
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type as declared.
    pub mime: Option<String>,
    /// File name as declared.
    pub filename: Option<String>,
}

/// Which way money moved on a bank line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentKind {
    /// Money in: a payment that may settle documents.
    Incoming,
    /// Money out (a refund, a supplier paid): kept for the record, never allocated.
    Outgoing,
    /// The bank undoes an earlier line (a returned direct debit, a recalled transfer).
    Reversal,
    /// A payment the accounting package already booked against a document (its open amount
    /// there reflects it): kept so the figure can be traced, never matched again.
    AppliedUpstream,
}

/// One bank line as the ledger keeps it: money received from a debtor, or refunded to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Stable identifier: the bank's reference where it has one, else a fingerprint.
    pub id: String,
    /// Booking date.
    pub date: NaiveDate,
    /// Signed amount: positive received, negative paid out or reversed.
    pub amount: Money,
    /// In, out, or a reversal.
    pub kind: PaymentKind,
    /// The creditor's own account the line is on.
    pub account: Option<String>,
    /// Name of the other party.
    pub counterparty_name: Option<String>,
    /// Account of the other party, as the bank wrote it (IBAN without spaces, upper case).
    pub counterparty_account: Option<String>,
    /// Unstructured remittance text.
    pub remittance: Option<String>,
    /// Structured reference (betalingskenmerk, OGM/VCS, RF).
    pub structured_reference: Option<String>,
    /// The payer's end-to-end id.
    pub end_to_end_id: Option<String>,
    /// Where it came from.
    pub provenance: Provenance,
}

/// How a bank line is recognised when it is read again: in a later download of the same format
/// (a midday export, then the whole day's), or in another format of the same account (camt.053
/// and a CSV export). Its id names it within one format; these keys say what else it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineKeys {
    /// The lines alike in account, booking date, amount, currency and counterparty, and the same
    /// within its format: another format's copies of a line are counted against the group, while
    /// a line its own format words otherwise is another line. `None` for lines only their id
    /// recognises (an accounting API's payments).
    pub group: Option<LineGroup>,
    /// The fingerprints stores written before this scheme kept (the group and the line's
    /// occurrence in its file; a second one under an older form of its account): lines stored
    /// then are recognised by them as before. Where the second holds no such form, it may hold
    /// the key of the id the store gave the line when its statement was read alone (a line a
    /// file lists under another statement than the first line with its bank reference).
    pub legacy: [Option<u128>; 2],
}

impl LineKeys {
    /// The id the store gives a line whose bank reference a stored line of another day, amount
    /// or wording has (a bank that numbers lines per statement or per day, a reference it used
    /// again): the reference's id with the day and amount, so that a later download of the same
    /// line gets the same id.
    pub fn reused_id(id: &str, date: NaiveDate, amount: Decimal) -> String {
        format!("{id}@{date}/{}", amount.normalize())
    }

    /// The 128-bit key a line's id is known by in the store's repeat check (the first bits of
    /// its BLAKE3 hash): one definition for the store and for a connector that names a line's
    /// earlier id.
    pub fn id_key(id: &str) -> u128 {
        u128::from_le_bytes(
            blake3::hash(id.as_bytes()).as_bytes()[..16]
                .try_into()
                .expect("16 bytes"),
        )
    }
}

/// The group of lines alike (see [`LineKeys::group`]), and that group within one format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineGroup {
    /// Account, booking date, amount, currency and counterparty.
    pub alike: u128,
    /// The same, within the line's format: `alike` XOR a key of the format, so that the format
    /// is `alike ^ in_format`.
    pub in_format: u128,
    /// The lines alike in account, booking date, amount and currency alone
    /// ([`LineGroup::loose_key`]; 0 for none): a format that leaves out the payer's account, or
    /// words a line without one otherwise, puts its copy of a line in another group, but in
    /// the same loose one.
    pub loose: u128,
}

impl LineGroup {
    /// The key of the lines alike in account, booking date, amount and currency, its lowest bit
    /// set when the line gives no counterparty account: only where one of two lines lacks it can
    /// they be one transfer in two groups.
    pub fn loose_key(
        account: &str,
        date: NaiveDate,
        amount: Decimal,
        currency: &str,
        no_counterparty: bool,
    ) -> u128 {
        let mut text = String::with_capacity(account.len() + 40);
        LineGroup::push_text(&mut text, account, date, amount, currency);
        let key = LineKeys::id_key(&text);
        (key & !1) | u128::from(no_counterparty)
    }

    /// Appends `account|date|amount|currency` as the line keys hash it (the date and the
    /// normalised amount as `Display` writes them), without the formatting machinery: a bank
    /// import writes it twice per line, and `format!` took a fifth of its writer's time.
    pub fn push_text(
        out: &mut String,
        account: &str,
        date: NaiveDate,
        amount: Decimal,
        currency: &str,
    ) {
        out.push_str(account);
        out.push('|');
        push_date(out, date);
        out.push('|');
        push_normalized(out, amount);
        out.push('|');
        out.push_str(currency);
    }
}

/// Appends a date as its `Display` writes it (`2026-03-01`).
fn push_date(out: &mut String, date: NaiveDate) {
    use chrono::Datelike;
    let (y, m, d) = (date.year(), date.month(), date.day());
    match u32::try_from(y) {
        Ok(y) if y <= 9999 => {
            let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
            out.extend([
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                '-',
                digit(m / 10),
                digit(m),
                '-',
                digit(d / 10),
                digit(d),
            ]);
        }
        _ => {
            use std::fmt::Write;
            let _ = write!(out, "{date}");
        }
    }
}

/// Appends an amount, normalised, as its `Display` writes it (`-12.5`, `0.05`, `100`).
fn push_normalized(out: &mut String, amount: Decimal) {
    let n = amount.normalize();
    let mantissa = n.mantissa();
    if mantissa == 0 {
        use std::fmt::Write;
        let _ = write!(out, "{n}");
        return;
    }
    let mut digits = [0u8; 40];
    let mut start = digits.len();
    // The low digits of an amount past 64 bits in 128, the rest (all of most amounts) in 64,
    // where dividing is far cheaper.
    let mut wide = mantissa.unsigned_abs();
    while wide > u128::from(u64::MAX) {
        start -= 1;
        digits[start] = b'0' + (wide % 10) as u8;
        wide /= 10;
    }
    let mut rest = wide as u64;
    while rest > 0 {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let digits = &digits[start..];
    let scale = n.scale() as usize;
    if mantissa < 0 {
        out.push('-');
    }
    fn text(b: &[u8]) -> &str {
        std::str::from_utf8(b).expect("ASCII digits")
    }
    if scale == 0 {
        out.push_str(text(digits));
    } else if digits.len() > scale {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        out.push_str(text(whole));
        out.push('.');
        out.push_str(text(fraction));
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(text(digits));
    }
}

/// What reduces a document's open amount.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllocationSource {
    /// A payment, by id.
    Payment(String),
    /// A credit note, by its key.
    CreditNote(DocumentKey),
    /// The source ledger reported the amount as already settled.
    SourceLedger,
}

/// The rule that produced an allocation, so every figure can be explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllocationRule {
    /// A credit note names the invoice it corrects.
    CreditNoteReference,
    /// The source reported less open than the total (paid in its own books).
    SourceReportedOpen,
    /// The source reported the document as paid.
    SourceReportedPaid,
    /// A user allocated it by hand.
    Manual,
    /// A structured payment reference (kenmerk, OGM, RF) the document carries.
    StructuredReference,
    /// The document's number found in the payment's text.
    InvoiceNumber,
    /// Several documents named in one payment's text.
    SeveralInvoices,
    /// The payer's account belongs to the debtor, and the amount is one open item exactly.
    DebtorExactAmount,
    /// The payer's account belongs to the debtor, and the amount is a combination of open items.
    DebtorCombination,
    /// The payer's account belongs to the debtor; applied to the oldest open items first.
    DebtorOldestFirst,
    /// A payment naming the document is the money the source ledger reports settled: it takes
    /// that part of the source's settlement over (with its date), and nothing more comes off.
    BookedInSource,
}

impl AllocationRule {
    /// Short stable code for output.
    pub fn code(&self) -> &'static str {
        match self {
            AllocationRule::CreditNoteReference => "credit-note-reference",
            AllocationRule::SourceReportedOpen => "source-reported-open",
            AllocationRule::SourceReportedPaid => "source-reported-paid",
            AllocationRule::Manual => "manual",
            AllocationRule::StructuredReference => "structured-reference",
            AllocationRule::InvoiceNumber => "invoice-number",
            AllocationRule::SeveralInvoices => "several-invoices",
            AllocationRule::DebtorExactAmount => "debtor-exact-amount",
            AllocationRule::DebtorCombination => "debtor-combination",
            AllocationRule::DebtorOldestFirst => "debtor-oldest-first",
            AllocationRule::BookedInSource => "booked-in-source",
        }
    }
}

/// An amount of a payment or credit note applied to a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// What pays or credits.
    pub from: AllocationSource,
    /// The document it reduces.
    pub document: DocumentKey,
    /// Amount applied, positive.
    pub amount: Money,
    /// The rule that matched.
    pub rule: AllocationRule,
    /// How sure the rule is, 0 to 100; below the review threshold it is proposed, not applied.
    pub confidence: u8,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The keys of stored lines were hashed from `format!`'s text: this one must be the same.
        #[test]
        fn a_line_s_text_is_what_format_writes(
            mantissa in prop_oneof![
                -100_000_000i64..100_000_000,
                any::<i64>(),
                Just(0i64),
            ],
            wide in any::<bool>(),
            scale in 0u32..=28,
            day in -800_000i32..3_700_000,
        ) {
            let m = if wide { i128::from(mantissa) * 1_000_000_000_000 } else { i128::from(mantissa) };
            let amount = Decimal::try_from_i128_with_scale(m, scale)
                .unwrap_or_else(|_| Decimal::from_i128_with_scale(i128::from(mantissa), scale));
            let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap();
            let mut text = String::new();
            LineGroup::push_text(&mut text, "NL91ABNA0417164300", date, amount, "EUR");
            prop_assert_eq!(
                text,
                format!("NL91ABNA0417164300|{date}|{}|EUR", amount.normalize())
            );
        }
    }

    #[test]
    fn a_line_s_text_at_the_edges() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        for (amount, date) in [
            (Decimal::new(-5, 3), day(2026, 1, 9)),
            (Decimal::new(12_500, 2), day(999, 12, 31)),
            (Decimal::new(-0, 2), day(10_000, 1, 1)),
            (Decimal::MAX, day(-1, 1, 1)),
            (Decimal::MIN, day(0, 1, 1)),
        ] {
            let mut text = String::new();
            LineGroup::push_text(&mut text, "", date, amount, "USD");
            assert_eq!(text, format!("|{date}|{}|USD", amount.normalize()));
        }
    }
}
