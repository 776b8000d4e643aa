//! The Dutch banks' CSV exports as built-in profiles, recognised by their header or shape.
//!
//! A profile names the columns it reads and the bank's fixed conventions (date layout, decimal
//! mark, where the sign is). A header maps the names to positions; headerless exports (ABN AMRO
//! `.TAB`, Triodos) have a fixed layout whose names serve the messages. Amounts and dates go
//! through [`crate::values`], so a value that does not fit is refused with its line and column.
//! Bank-like files that are not transactions (ING balance history, DEGIRO) are recognised only
//! to be refused with the reason.

use std::collections::BTreeSet;

use ::csv::{ReaderBuilder, StringRecord};
use chrono::NaiveDate;
use incasso_core::model::Location;
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use super::{clean_account, clean_text, BankError, BankLine, StatementSummary};
use crate::values::{
    mark_evidence, parse_amount, parse_date, DateError, DateFormat, DecimalMark, MarkEvidence,
};

/// How a profile is recognised and where its columns are.
#[derive(Clone, Copy)]
enum Layout {
    /// A header line holding every name in `signature`; the delimiter is sniffed from it.
    Header { signature: &'static [&'static str] },
    /// No header: the columns by position, recognised from the shape of the first data line.
    Headerless {
        delimiter: u8,
        quoting: bool,
        /// `#` lines are comments (added by people who share samples; banks never start a line so).
        comments: bool,
        columns: &'static [&'static str],
        shape: fn(&StringRecord) -> bool,
    },
}

/// The decimal mark of the amounts.
#[derive(Clone, Copy)]
enum Mark {
    Fixed(DecimalMark),
    /// Depends on the user's locale: decided once per file from all amounts.
    PerFile,
}

/// Where the direction of an amount is.
#[derive(Clone, Copy)]
enum Sign {
    /// The amount carries it (`-12,50`, `+1.234,56`).
    InAmount,
    /// A separate column; the amount itself is unsigned.
    Column {
        name: &'static str,
        debit: &'static [&'static str],
        credit: &'static [&'static str],
    },
}

/// How the free-text column is taken apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    /// As written; only an explicit `Betalingskenm.:` marker is picked out.
    Plain,
    /// ING `Mededelingen`: `Naam: … Omschrijving: … IBAN: … Kenmerk: … Valutadatum: …`.
    IngNotes,
    /// ABN AMRO description: `/TRTP/…/IBAN/…`, `SEPA … IBAN: … Naam: …` or a card payment.
    AbnDescription,
    /// As written, inside single quotes that are not part of it (ASN Bank).
    SingleQuoted,
}

/// One bank's export: where each value is and how it is written.
struct Profile {
    name: &'static str,
    layout: Layout,
    date_format: DateFormat,
    mark: Mark,
    sign: Sign,
    booking_date: &'static str,
    amount: &'static str,
    value_date: Option<&'static str>,
    account: Option<&'static str>,
    currency: Option<&'static str>,
    counterparty_name: Option<&'static str>,
    counterparty_account: Option<&'static str>,
    /// Joined with spaces.
    remittance: &'static [&'static str],
    structured_reference: Option<&'static str>,
    end_to_end_id: Option<&'static str>,
    bank_reference: Option<&'static str>,
    /// Non-empty means the line returns an earlier one.
    reversal_reason: Option<&'static str>,
    /// Named columns a header may lack.
    optional: &'static [&'static str],
    text: Text,
    /// The format names the delimiter, telling apart dialects of one bank (ING old and new).
    name_delimiter: bool,
}

const BASE: Profile = Profile {
    name: "",
    layout: Layout::Header { signature: &[] },
    date_format: DateFormat::Iso,
    mark: Mark::Fixed(DecimalMark::Comma),
    sign: Sign::InAmount,
    booking_date: "",
    amount: "",
    value_date: None,
    account: None,
    currency: None,
    counterparty_name: None,
    counterparty_account: None,
    remittance: &[],
    structured_reference: None,
    end_to_end_id: None,
    bank_reference: None,
    reversal_reason: None,
    optional: &[],
    text: Text::Plain,
    name_delimiter: false,
};

const ING: Profile = Profile {
    name: "ING CSV",
    layout: Layout::Header {
        signature: &["Datum", "Naam / Omschrijving", "Af Bij", "Mededelingen"],
    },
    date_format: DateFormat::Compact,
    sign: Sign::Column {
        name: "Af Bij",
        debit: &["Af"],
        credit: &["Bij"],
    },
    booking_date: "Datum",
    amount: "Bedrag (EUR)",
    account: Some("Rekening"),
    counterparty_name: Some("Naam / Omschrijving"),
    counterparty_account: Some("Tegenrekening"),
    remittance: &["Mededelingen"],
    text: Text::IngNotes,
    name_delimiter: true,
    ..BASE
};

const RABOBANK: Profile = Profile {
    name: "Rabobank CSV",
    layout: Layout::Header {
        signature: &["IBAN/BBAN", "Munt", "Volgnr", "Saldo na trn"],
    },
    booking_date: "Datum",
    value_date: Some("Rentedatum"),
    amount: "Bedrag",
    account: Some("IBAN/BBAN"),
    currency: Some("Munt"),
    counterparty_name: Some("Naam tegenpartij"),
    counterparty_account: Some("Tegenrekening IBAN/BBAN"),
    remittance: &["Omschrijving-1", "Omschrijving-2", "Omschrijving-3"],
    structured_reference: Some("Betalingskenmerk"),
    end_to_end_id: Some("Transactiereferentie"),
    bank_reference: Some("Volgnr"),
    reversal_reason: Some("Reden retour"),
    optional: &["Reden retour", "Omschrijving-2", "Omschrijving-3"],
    ..BASE
};

const BUNQ: Profile = Profile {
    name: "bunq CSV",
    layout: Layout::Header {
        signature: &[
            "Date",
            "Interest Date",
            "Amount",
            "Counterparty",
            "Description",
        ],
    },
    mark: Mark::PerFile,
    booking_date: "Date",
    value_date: Some("Interest Date"),
    amount: "Amount",
    account: Some("Account"),
    counterparty_name: Some("Name"),
    counterparty_account: Some("Counterparty"),
    remittance: &["Description"],
    ..BASE
};

const KNAB: Profile = Profile {
    name: "Knab CSV",
    layout: Layout::Header {
        signature: &[
            "Rekeningnummer",
            "Transactiedatum",
            "CreditDebet",
            "Tegenrekeninghouder",
        ],
    },
    date_format: DateFormat::DmyDash,
    sign: Sign::Column {
        name: "CreditDebet",
        debit: &["D"],
        credit: &["C"],
    },
    booking_date: "Boekdatum",
    value_date: Some("Valutadatum"),
    amount: "Bedrag",
    account: Some("Rekeningnummer"),
    currency: Some("Valutacode"),
    counterparty_name: Some("Tegenrekeninghouder"),
    counterparty_account: Some("Tegenrekeningnummer"),
    remittance: &["Omschrijving"],
    bank_reference: Some("Referentie"),
    ..BASE
};

const GLS: Profile = Profile {
    name: "GLS Bank CSV",
    layout: Layout::Header {
        signature: &[
            "Kontonummer",
            "Buchungstag",
            "Wertstellung",
            "VWZ1",
            "Betrag",
        ],
    },
    date_format: DateFormat::DmyDot,
    booking_date: "Buchungstag",
    value_date: Some("Wertstellung"),
    amount: "Betrag",
    account: Some("Kontonummer"),
    currency: Some("Währung"),
    counterparty_name: Some("Auftraggeber/Empfänger"),
    remittance: &[
        "VWZ1", "VWZ2", "VWZ3", "VWZ4", "VWZ5", "VWZ6", "VWZ7", "VWZ8", "VWZ9", "VWZ10", "VWZ11",
        "VWZ12", "VWZ13", "VWZ14",
    ],
    optional: &[
        "VWZ2", "VWZ3", "VWZ4", "VWZ5", "VWZ6", "VWZ7", "VWZ8", "VWZ9", "VWZ10", "VWZ11", "VWZ12",
        "VWZ13", "VWZ14",
    ],
    ..BASE
};

const ABN_TAB: Profile = Profile {
    name: "ABN AMRO TAB",
    layout: Layout::Headerless {
        delimiter: b'\t',
        quoting: false,
        comments: true,
        columns: &[
            "Rekeningnummer",
            "Muntsoort",
            "Transactiedatum",
            "Beginsaldo",
            "Eindsaldo",
            "Rentedatum",
            "Transactiebedrag",
            "Omschrijving",
        ],
        shape: abn_shape,
    },
    date_format: DateFormat::Compact,
    booking_date: "Transactiedatum",
    value_date: Some("Rentedatum"),
    amount: "Transactiebedrag",
    account: Some("Rekeningnummer"),
    currency: Some("Muntsoort"),
    remittance: &["Omschrijving"],
    text: Text::AbnDescription,
    ..BASE
};

const TRIODOS: Profile = Profile {
    name: "Triodos CSV",
    layout: Layout::Headerless {
        delimiter: b',',
        quoting: true,
        comments: false,
        columns: &[
            "Datum",
            "Rekeningnummer",
            "Bedrag",
            "Debet/Credit",
            "Naam tegenpartij",
            "Tegenrekening",
            "Transactiecode",
            "Omschrijving",
        ],
        shape: triodos_shape,
    },
    date_format: DateFormat::DmyDash,
    sign: Sign::Column {
        name: "Debet/Credit",
        debit: &["Debet"],
        credit: &["Credit"],
    },
    booking_date: "Datum",
    amount: "Bedrag",
    account: Some("Rekeningnummer"),
    counterparty_name: Some("Naam tegenpartij"),
    counterparty_account: Some("Tegenrekening"),
    remittance: &["Omschrijving"],
    ..BASE
};

/// ASN Bank's CSV export (`transactie-historie_IBAN_DATE.csv`): no header, 19 columns, the
/// account's IBAN second, `dd-mm-yyyy`, signed amounts with a decimal point, the description
/// in single quotes inside its field.
const ASN: Profile = Profile {
    name: "ASN Bank CSV",
    layout: Layout::Headerless {
        delimiter: b',',
        quoting: true,
        comments: false,
        columns: &[
            "Boekingsdatum",
            "Opdrachtgeversrekening",
            "Tegenrekeningnummer",
            "Naam tegenrekening",
            "Adres",
            "Postcode",
            "Plaats",
            "Valutasoort rekening",
            "Saldo voor mutatie",
            "Valutasoort mutatie",
            "Bedrag",
            "Journaaldatum",
            "Valutadatum",
            "Interne transactiecode",
            "Globale transactiecode",
            "Volgnummer transactie",
            "Betalingskenmerk",
            "Omschrijving",
            "Afschriftnummer",
        ],
        shape: asn_shape,
    },
    date_format: DateFormat::DmyDash,
    mark: Mark::Fixed(DecimalMark::Point),
    booking_date: "Boekingsdatum",
    value_date: Some("Valutadatum"),
    amount: "Bedrag",
    account: Some("Opdrachtgeversrekening"),
    currency: Some("Valutasoort mutatie"),
    counterparty_name: Some("Naam tegenrekening"),
    counterparty_account: Some("Tegenrekeningnummer"),
    remittance: &["Omschrijving"],
    structured_reference: Some("Betalingskenmerk"),
    bank_reference: Some("Volgnummer transactie"),
    text: Text::SingleQuoted,
    ..BASE
};

const PROFILES: [&Profile; 8] = [
    &ING, &RABOBANK, &BUNQ, &KNAB, &GLS, &ABN_TAB, &TRIODOS, &ASN,
];

/// A bank-like export that holds no transactions, recognised by its header to be refused.
struct Refusal {
    name: &'static str,
    signature: &'static [&'static str],
    message: &'static str,
}

const REFUSALS: [Refusal; 2] = [
    Refusal {
        name: "ING balance history",
        signature: &["Datum", "Boeksaldo", "Valutair saldo"],
        message: "this is an ING balance history, not transactions; \
                  export 'Af- en bijschrijvingen' instead",
    },
    Refusal {
        name: "DEGIRO account statement",
        signature: &["Datum", "Tijd", "Valutadatum", "Product", "ISIN"],
        message: "a DEGIRO brokerage account statement, not a bank account's transactions",
    },
];

const KNAB_NO_HEADER: &str = "Knab export without its column header line \
    (Rekeningnummer;Transactiedatum;…); download the export again";

/// What the start of a file says it is.
enum Found {
    Read {
        profile: &'static Profile,
        delimiter: u8,
        /// Physical line of the header, for header layouts.
        header_line: Option<u64>,
    },
    Refuse {
        name: &'static str,
        line: u64,
        message: &'static str,
    },
}

/// Whether the text looks like one of the bank CSV exports (`Some(name)`), so the ledger CSV
/// reader is not tried on it.
pub fn detect(text: &str) -> Option<&'static str> {
    match recognise(strip_bom(text))? {
        Found::Read { profile, .. } => Some(profile.name),
        Found::Refuse { name, .. } => Some(name),
    }
}

/// Reads a bank CSV export, handing each transaction line to `emit`.
pub fn read(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let text = strip_bom(text);
    match recognise(text) {
        None => Err(BankError::new(
            file,
            "line 1",
            "not a known bank CSV export (ING, Rabobank, ABN AMRO .TAB, bunq, Knab, Triodos, GLS)",
        )),
        Some(Found::Refuse { line, message, .. }) => {
            Err(BankError::new(file, format!("line {line}"), message))
        }
        Some(Found::Read {
            profile,
            delimiter,
            header_line,
        }) => read_profile(file, text, profile, delimiter, header_line, emit),
    }
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn recognise(text: &str) -> Option<Found> {
    let mut lines = physical_lines(text).filter(|(l, _)| !l.trim().is_empty());
    let (first, first_no) = lines.next()?;
    let knab_preamble = {
        let cells = split_line(first, sniff(first), true);
        cells.get(0).map(normalise).as_deref() == Some("knabexport")
    };
    let (header, header_no) = if knab_preamble {
        match lines.next() {
            Some(next) => next,
            None => return Some(knab_refusal(first_no)),
        }
    } else {
        (first, first_no)
    };

    let delimiter = sniff(header);
    let names: Vec<String> = split_line(header, delimiter, true)
        .iter()
        .map(normalise)
        .collect();
    let has_all = |signature: &[&str]| signature.iter().all(|s| names.contains(&normalise(s)));
    if let Some(r) = REFUSALS.iter().find(|r| has_all(r.signature)) {
        return Some(Found::Refuse {
            name: r.name,
            line: header_no,
            message: r.message,
        });
    }
    for profile in PROFILES {
        if let Layout::Header { signature } = profile.layout {
            if has_all(signature) {
                return Some(Found::Read {
                    profile,
                    delimiter,
                    header_line: Some(header_no),
                });
            }
        }
    }
    if knab_preamble {
        return Some(knab_refusal(first_no));
    }

    let (data, _) =
        physical_lines(text).find(|(l, _)| !l.trim().is_empty() && !l.starts_with('#'))?;
    PROFILES
        .into_iter()
        .find_map(|profile| match profile.layout {
            Layout::Headerless {
                delimiter,
                quoting,
                shape,
                ..
            } if shape(&split_line(data, delimiter, quoting)) => Some(Found::Read {
                profile,
                delimiter,
                header_line: None,
            }),
            _ => None,
        })
}

/// The lines as the csv reader counts them (`\n`, `\r\n` or a lone `\r` ends one), numbered from 1.
fn physical_lines(text: &str) -> impl Iterator<Item = (&str, u64)> {
    let mut rest = text;
    let mut no = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = rest.get(end + skip..).unwrap_or("");
        no += 1;
        Some((line, no))
    })
}

/// Physical line numbers of records, from the byte offsets the csv reader reports (its own line
/// count goes wrong after skipped blank or comment lines and `\r\n`).
struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: u64,
    comments: bool,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: usize) -> u64 {
        let t = self.text;
        let mut start = byte.clamp(self.pos, t.len());
        loop {
            match t.get(start) {
                Some(b'\r' | b'\n') => start += 1,
                Some(b'#') if self.comments => {
                    start += t[start..]
                        .iter()
                        .position(|&b| b == b'\r' || b == b'\n')
                        .unwrap_or(t.len() - start);
                }
                _ => break,
            }
        }
        for i in self.pos..start {
            if t[i] == b'\n' || (t[i] == b'\r' && t.get(i + 1) != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.pos = start;
        self.line
    }
}

fn knab_refusal(line: u64) -> Found {
    Found::Refuse {
        name: KNAB.name,
        line,
        message: KNAB_NO_HEADER,
    }
}

/// The delimiter used most in a line outside quotes (`;`, `,` or tab).
fn sniff(line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], i == 1)).unwrap_or(1);
    [b';', b',', b'\t'][best]
}

fn split_line(line: &str, delimiter: u8, quoting: bool) -> StringRecord {
    let mut record = StringRecord::new();
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoting)
        .from_reader(line.as_bytes());
    match rdr.read_record(&mut record) {
        Ok(true) => record,
        _ => StringRecord::new(),
    }
}

/// A column name reduced to lower-case ASCII letters and digits, so `MutatieSoort`,
/// `Mutatiesoort` and a mis-decoded `Naam initiÃ«rende partij` all match their profile's name.
fn normalise(name: impl AsRef<str>) -> String {
    name.as_ref()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn abn_shape(r: &StringRecord) -> bool {
    let compact = |s: &str| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit());
    r.len() >= 8
        && r[1].len() == 3
        && r[1].bytes().all(|b| b.is_ascii_alphabetic())
        && compact(&r[2])
        && compact(&r[5])
}

fn asn_shape(r: &StringRecord) -> bool {
    let iban = |s: &str| {
        let s = s.trim().as_bytes();
        s.len() >= 15
            && s[..2].iter().all(u8::is_ascii_uppercase)
            && s[2..4].iter().all(u8::is_ascii_digit)
    };
    let point_amount = |s: &str| {
        let s = s.trim().trim_start_matches(['-', '+']);
        s.split_once('.').is_some_and(|(int, frac)| {
            !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.len() == 2
        })
    };
    r.len() == 19
        && parse_date(&r[0], DateFormat::DmyDash).is_ok()
        && iban(&r[1])
        && point_amount(&r[10])
        && r[9].trim().len() == 3
}

fn triodos_shape(r: &StringRecord) -> bool {
    r.len() >= 8
        && parse_date(&r[0], DateFormat::DmyDash).is_ok()
        && ["debet", "credit"].contains(&r[3].trim().to_ascii_lowercase().as_str())
}

/// A profile's columns found in a header (or a headerless layout), by position.
struct Columns {
    /// The names as the file spells them, for messages.
    names: Vec<String>,
    booking_date: usize,
    amount: usize,
    sign: Option<usize>,
    value_date: Option<usize>,
    account: Option<usize>,
    currency: Option<usize>,
    counterparty_name: Option<usize>,
    counterparty_account: Option<usize>,
    remittance: Vec<usize>,
    structured_reference: Option<usize>,
    end_to_end_id: Option<usize>,
    bank_reference: Option<usize>,
    reversal_reason: Option<usize>,
    /// Fields a line needs at least (one past the last required column).
    width: usize,
}

/// Finds named columns, remembering required ones that are missing.
struct Lookup<'a> {
    normalised: Vec<String>,
    optional: &'a [&'static str],
    missing: Vec<&'static str>,
    width: usize,
}

impl Lookup<'_> {
    fn find(&mut self, name: Option<&'static str>) -> Option<usize> {
        let name = name?;
        let wanted = normalise(name);
        let found = self.normalised.iter().position(|n| *n == wanted);
        match found {
            Some(i) if !self.optional.contains(&name) => self.width = self.width.max(i + 1),
            None if !self.optional.contains(&name) => self.missing.push(name),
            _ => {}
        }
        found
    }

    fn required(&mut self, name: &'static str) -> usize {
        self.find(Some(name)).unwrap_or(usize::MAX)
    }
}

fn resolve(profile: &Profile, names: Vec<String>) -> Result<Columns, Vec<&'static str>> {
    let mut lk = Lookup {
        normalised: names.iter().map(normalise).collect(),
        optional: profile.optional,
        missing: Vec::new(),
        width: 0,
    };
    let booking_date = lk.required(profile.booking_date);
    let amount = lk.required(profile.amount);
    let sign = match profile.sign {
        Sign::InAmount => None,
        Sign::Column { name, .. } => Some(lk.required(name)),
    };
    let value_date = lk.find(profile.value_date);
    let account = lk.find(profile.account);
    let currency = lk.find(profile.currency);
    let counterparty_name = lk.find(profile.counterparty_name);
    let counterparty_account = lk.find(profile.counterparty_account);
    let remittance = profile
        .remittance
        .iter()
        .filter_map(|&n| lk.find(Some(n)))
        .collect();
    let structured_reference = lk.find(profile.structured_reference);
    let end_to_end_id = lk.find(profile.end_to_end_id);
    let bank_reference = lk.find(profile.bank_reference);
    let reversal_reason = lk.find(profile.reversal_reason);
    if !lk.missing.is_empty() {
        return Err(lk.missing);
    }
    Ok(Columns {
        names,
        booking_date,
        amount,
        sign,
        value_date,
        account,
        currency,
        counterparty_name,
        counterparty_account,
        remittance,
        structured_reference,
        end_to_end_id,
        bank_reference,
        reversal_reason,
        width: lk.width,
    })
}

fn read_profile(
    file: &str,
    text: &str,
    profile: &Profile,
    delimiter: u8,
    header_line: Option<u64>,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    // A bank that writes amounts in the user's locale needs one pass to learn the mark first.
    let mark = match profile.mark {
        Mark::Fixed(m) => m,
        Mark::PerFile => {
            let mut vote = MarkVote::default();
            each_row(
                file,
                text,
                profile,
                delimiter,
                header_line,
                &mut |line, row, cols| vote.observe(file, line, row, cols),
            )?;
            vote.mark()
        }
    };
    let format = match (profile.name_delimiter, delimiter) {
        (true, b';') => format!("{} (semicolon)", profile.name),
        (true, b',') => format!("{} (comma)", profile.name),
        _ => profile.name.to_string(),
    };
    let mut accounts = BTreeSet::new();
    let mut lines = 0;
    each_row(
        file,
        text,
        profile,
        delimiter,
        header_line,
        &mut |line, row, cols| {
            let bank_line = read_row(file, profile, cols, mark, line, row)?;
            if !accounts.contains(&bank_line.account) {
                accounts.insert(bank_line.account.clone());
            }
            emit(bank_line);
            lines += 1;
            Ok(())
        },
    )?;
    Ok(StatementSummary {
        format,
        statements: accounts.len().max(1),
        lines,
        unbalanced: Vec::new(),
    })
}

/// Streams the data rows of a bank CSV (header resolved, blank rows and preamble skipped) to `f`
/// with their physical line numbers.
fn each_row(
    file: &str,
    text: &str,
    profile: &Profile,
    delimiter: u8,
    header_line: Option<u64>,
    f: &mut dyn FnMut(u64, &StringRecord, &Columns) -> Result<(), BankError>,
) -> Result<(), BankError> {
    let (quoting, comments) = match profile.layout {
        Layout::Header { .. } => (true, false),
        Layout::Headerless {
            quoting, comments, ..
        } => (quoting, comments),
    };
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoting)
        .comment(comments.then_some(b'#'))
        .from_reader(text.as_bytes());

    let mut counter = LineCounter {
        text: text.as_bytes(),
        pos: 0,
        line: 1,
        comments,
    };
    let mut cols: Option<Columns> = match &profile.layout {
        Layout::Headerless { columns, .. } => Some(resolve_or_explain(
            file,
            profile,
            header_line,
            columns.iter().map(|c| c.to_string()).collect(),
        )?),
        Layout::Header { .. } => None,
    };
    let mut record = StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let place = e.position().map_or_else(
                    || "file".to_string(),
                    |p| format!("line {}", counter.line_at(p.byte() as usize)),
                );
                return Err(BankError::new(file, place, e.to_string()));
            }
        }
        let line = counter.line_at(record.position().map_or(0, |p| p.byte() as usize));
        if let Some(h) = header_line {
            if line < h {
                continue;
            }
            if line == h {
                let names = record.iter().map(|c| c.trim().to_string()).collect();
                cols = Some(resolve_or_explain(file, profile, header_line, names)?);
                continue;
            }
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(c) = cols.as_ref() else {
            return Err(BankError::new(
                file,
                format!("line {}", header_line.unwrap_or(1)),
                format!("the {} header line could not be read", profile.name),
            ));
        };
        f(line, &record, c)?;
    }
    Ok(())
}

/// The columns of a header, or an error naming the ones missing.
fn resolve_or_explain(
    file: &str,
    profile: &Profile,
    header_line: Option<u64>,
    names: Vec<String>,
) -> Result<Columns, BankError> {
    resolve(profile, names).map_err(|missing| {
        let list = missing
            .iter()
            .map(|m| format!("'{m}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if missing.len() == 1 {
            "column"
        } else {
            "columns"
        };
        BankError::new(
            file,
            format!("line {} (header)", header_line.unwrap_or(1)),
            format!(
                "the {} header has no {noun} {list}; was the export edited?",
                profile.name
            ),
        )
    })
}

/// The decimal mark all amounts of a file agree on (decimal point when none tells).
#[derive(Default)]
struct MarkVote {
    seen: Option<(DecimalMark, u64, String)>,
}

impl MarkVote {
    fn observe(
        &mut self,
        file: &str,
        line: u64,
        row: &StringRecord,
        cols: &Columns,
    ) -> Result<(), BankError> {
        let raw = row.get(cols.amount).unwrap_or("").trim();
        if let MarkEvidence::Only(m) = mark_evidence(raw) {
            match &self.seen {
                Some((first, at, value)) if *first != m => {
                    return Err(BankError::new(
                        file,
                        format!("line {line}, column '{}'", cols.names[cols.amount]),
                        format!(
                            "'{raw}' uses the {m}, but '{value}' on line {at} uses the {first}; \
                             the amounts must use one decimal mark"
                        ),
                    ))
                }
                Some(_) => {}
                None => self.seen = Some((m, line, raw.to_string())),
            }
        }
        Ok(())
    }

    fn mark(&self) -> DecimalMark {
        self.seen
            .as_ref()
            .map_or(DecimalMark::Point, |(m, _, _)| *m)
    }
}

fn read_row(
    file: &str,
    profile: &Profile,
    cols: &Columns,
    mark: DecimalMark,
    line: u64,
    row: &StringRecord,
) -> Result<BankLine, BankError> {
    if row.len() < cols.width {
        return Err(BankError::new(
            file,
            format!("line {line}"),
            format!(
                "{} fields where the {} export has at least {}; is a delimiter or quote missing?",
                row.len(),
                profile.name,
                cols.width
            ),
        ));
    }
    let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).unwrap_or("");
    let place = |i: usize| format!("line {line}, column '{}'", cols.names[i]);
    if let Some((i, why)) = row
        .iter()
        .enumerate()
        .find_map(|(i, f)| crate::values::field_too_long(f).map(|w| (i, w)))
    {
        let column = cols
            .names
            .get(i)
            .map(|n| format!("line {line}, column '{n}'"))
            .unwrap_or_else(|| format!("line {line}, field {}", i + 1));
        return Err(BankError::new(file, column, why));
    }
    let date = |i: usize| -> Result<Option<NaiveDate>, BankError> {
        let raw = cell(Some(i)).trim();
        if raw.is_empty() {
            return Ok(None);
        }
        parse_date(raw, profile.date_format).map(Some).map_err(|e| {
            let message = match e {
                DateError::Shape(layout) => format!(
                    "'{raw}' is not a date as the {} export writes it ({layout})",
                    profile.name
                ),
                other => format!("'{raw}' is not a date: {other}"),
            };
            BankError::new(file, place(i), message)
        })
    };

    let booking_date = date(cols.booking_date)?
        .ok_or_else(|| BankError::new(file, place(cols.booking_date), "the date is empty"))?;
    let value_date = match cols.value_date {
        Some(i) => date(i)?,
        None => None,
    };

    let raw_amount = cell(Some(cols.amount)).trim();
    let mut amount = read_amount(raw_amount, mark, profile.name)
        .map_err(|m| BankError::new(file, place(cols.amount), m))?;
    if let (Sign::Column { debit, credit, .. }, Some(i)) = (profile.sign, cols.sign) {
        let raw = cell(Some(i)).trim();
        if debit.iter().any(|d| d.eq_ignore_ascii_case(raw)) {
            amount = -amount;
        } else if !credit.iter().any(|c| c.eq_ignore_ascii_case(raw)) {
            return Err(BankError::new(
                file,
                place(i),
                format!(
                    "'{raw}' is neither '{}' (money out) nor '{}' (money in)",
                    debit.join("' / '"),
                    credit.join("' / '")
                ),
            ));
        }
    }

    let currency = match clean_text(cell(cols.currency)) {
        None => Currency::EUR,
        Some(code) => Currency::parse(&code)
            .map_err(|e| BankError::new(file, place(cols.currency.unwrap_or(0)), e.to_string()))?,
    };

    let free_text = cols
        .remittance
        .iter()
        .map(|&i| cell(Some(i)))
        .collect::<Vec<_>>()
        .join(" ");
    let details = match profile.text {
        Text::Plain => plain_details(&free_text),
        Text::SingleQuoted => plain_details(unquote(&free_text)),
        Text::IngNotes => ing_details(&free_text),
        Text::AbnDescription => abn_details(&free_text),
    };

    let end_to_end_id = clean_text(cell(cols.end_to_end_id))
        .or(details.end_to_end)
        .filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED"));
    Ok(BankLine {
        account: clean_account(cell(cols.account)),
        booking_date,
        value_date: value_date.or(details.value_date),
        amount,
        currency,
        counterparty_name: clean_text(cell(cols.counterparty_name)).or(details.name),
        counterparty_account: clean_account(cell(cols.counterparty_account)).or(details.account),
        remittance: details.remittance,
        structured_reference: kenmerk(cell(cols.structured_reference)).or(details.structured),
        end_to_end_id,
        bank_reference: clean_text(cell(cols.bank_reference)),
        reversal: !cell(cols.reversal_reason).trim().is_empty() || details.reversal,
        location: Location::Line(line),
    })
}

/// An amount under the profile's mark; `1.000` is refused, as no bank export writes it.
fn read_amount(raw: &str, mark: DecimalMark, bank: &str) -> Result<Decimal, String> {
    if mark_evidence(raw) == MarkEvidence::Ambiguous {
        let example = match mark {
            DecimalMark::Comma => "1000,00",
            DecimalMark::Point => "1000.00",
        };
        return Err(format!(
            "'{raw}' is ambiguous: a thousand, or one with three decimals? The {bank} export \
             never writes an amount like this (it writes e.g. {example}); was the file opened \
             and saved in a spreadsheet? Download it from the bank again"
        ));
    }
    parse_amount(raw, Some(mark)).map_err(|e| format!("'{raw}' is not an amount: {e}"))
}

/// What the free text says besides the columns.
#[derive(Default)]
struct Details {
    name: Option<String>,
    account: Option<String>,
    remittance: Option<String>,
    structured: Option<String>,
    end_to_end: Option<String>,
    value_date: Option<NaiveDate>,
    reversal: bool,
}

const NAAM: &str = "Naam";
const OMSCHRIJVING: &str = "Omschrijving";
const IBAN: &str = "IBAN";
const KENMERK: &str = "Kenmerk";
const BETALINGSKENMERK: &str = "Betalingskenmerk";
const BETALINGSKENM: &str = "Betalingskenm.";
const VALUTADATUM: &str = "Valutadatum";

/// `Label:` markers in ING and ABN AMRO texts; longer ones first where one starts another.
const LABELS: &[&str] = &[
    BETALINGSKENMERK,
    BETALINGSKENM,
    OMSCHRIJVING,
    "Machtiging ID",
    "Machtiging",
    "Incassant ID",
    "Incassant",
    "ID debiteur",
    VALUTADATUM,
    "Datum/Tijd",
    "Referentie",
    "Pasvolgnr",
    "Transactie",
    KENMERK,
    NAAM,
    IBAN,
    "BIC",
    "Voor",
    "Term",
];

/// A text split at its `Label:` markers.
struct Labelled<'t> {
    text: &'t str,
    /// Text before the first label.
    prefix: &'t str,
    /// Label, where it starts, and its value up to the next label.
    fields: Vec<(&'static str, usize, &'t str)>,
}

impl<'t> Labelled<'t> {
    fn parse(text: &'t str) -> Labelled<'t> {
        let b = text.as_bytes();
        let mut marks: Vec<(&'static str, usize, usize)> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] >= 0x80);
            let hit = LABELS.iter().find(|l| {
                boundary
                    && b.len() > i + l.len()
                    && b[i..i + l.len()].eq_ignore_ascii_case(l.as_bytes())
                    && b[i + l.len()] == b':'
            });
            match hit {
                Some(l) => {
                    marks.push((l, i, i + l.len() + 1));
                    i += l.len() + 1;
                }
                None => i += 1,
            }
        }
        let fields = marks
            .iter()
            .enumerate()
            .map(|(k, &(label, start, value))| {
                let end = marks.get(k + 1).map_or(text.len(), |m| m.1);
                (label, start, &text[value..end])
            })
            .collect();
        Labelled {
            text,
            prefix: &text[..marks.first().map_or(text.len(), |m| m.1)],
            fields,
        }
    }

    fn get(&self, label: &str) -> Option<&'t str> {
        self.fields.iter().find(|f| f.0 == label).map(|f| f.2)
    }

    fn value(&self, label: &str) -> Option<String> {
        self.get(label).and_then(clean_text)
    }

    fn has(&self, label: &str) -> bool {
        self.get(label).is_some()
    }

    fn structured(&self) -> Option<String> {
        self.get(BETALINGSKENM)
            .or_else(|| self.get(BETALINGSKENMERK))
            .and_then(kenmerk)
    }

    /// The text without one label and its value.
    fn without(&self, label: &str) -> String {
        let mut out = String::new();
        let mut from = 0;
        for (k, f) in self.fields.iter().enumerate() {
            if f.0 == label {
                out.push_str(&self.text[from..f.1]);
                out.push(' ');
                from = self.fields.get(k + 1).map_or(self.text.len(), |n| n.1);
            }
        }
        out.push_str(&self.text[from..]);
        out
    }
}

/// A payment reference: digits with their spaces removed, other text cleaned.
fn kenmerk(raw: &str) -> Option<String> {
    let t = clean_text(raw)?;
    if t.chars().all(|c| c.is_ascii_digit() || c == ' ') {
        Some(t.replace(' ', ""))
    } else {
        Some(t)
    }
}

/// The 16-digit acceptgiro reference, written whole or in four groups of four.
fn sixteen_digits(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let digits = |w: &str, n: usize| w.len() == n && w.bytes().all(|b| b.is_ascii_digit());
    if let Some(w) = words.iter().find(|w| digits(w, 16)) {
        return Some(w.to_string());
    }
    words
        .windows(4)
        .find(|ws| ws.iter().all(|w| digits(w, 4)))
        .map(|ws| ws.concat())
}

fn contains_ci(text: &str, needle: &str) -> bool {
    text.to_ascii_uppercase().contains(needle)
}

/// A text without the single quotes around it (`'Factuur 2024-031'`).
fn unquote(text: &str) -> &str {
    let t = text.trim();
    t.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(t)
}

fn plain_details(text: &str) -> Details {
    Details {
        remittance: clean_text(text),
        structured: Labelled::parse(text).structured(),
        ..Details::default()
    }
}

fn ing_details(text: &str) -> Details {
    let l = Labelled::parse(text);
    let transfer = [NAAM, OMSCHRIJVING, IBAN, KENMERK].iter().any(|k| l.has(k));
    let remittance = if transfer {
        l.value(OMSCHRIJVING)
    } else {
        clean_text(&l.without(VALUTADATUM))
    };
    let value_date = l
        .get(VALUTADATUM)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| parse_date(v, DateFormat::DmyDash).ok());
    Details {
        name: l.value(NAAM),
        account: l.get(IBAN).and_then(clean_account),
        remittance,
        structured: l.structured(),
        end_to_end: l.value(KENMERK),
        value_date,
        reversal: false,
    }
}

/// Keys of the ABN AMRO `/KEY/value` description (as in MT940 `:86:`).
const SLASH_KEYS: &[&str] = &[
    "TRTP", "CSID", "NAME", "MARF", "REMI", "IBAN", "BIC", "EREF", "ORDP", "BENM", "ID", "ISDT",
    "RTRN", "SVCL", "PREF", "ULTC", "ULTD", "ADDR", "PURP",
];

fn slash_fields(text: &str) -> Vec<(&'static str, &str)> {
    let b = text.as_bytes();
    let mut marks: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hit = (b[i] == b'/')
            .then(|| {
                SLASH_KEYS.iter().find(|k| {
                    text[i + 1..].starts_with(*k) && b.get(i + 1 + k.len()) == Some(&b'/')
                })
            })
            .flatten();
        match hit {
            Some(k) => {
                marks.push((k, i, i + k.len() + 2));
                i += k.len() + 2;
            }
            None => i += 1,
        }
    }
    marks
        .iter()
        .enumerate()
        .map(|(n, &(key, _, value))| {
            let end = marks.get(n + 1).map_or(text.len(), |m| m.1);
            (key, &text[value.min(end)..end])
        })
        .collect()
}

fn abn_details(text: &str) -> Details {
    let t = text.trim();
    let mut d = if t.starts_with('/') {
        abn_slash_details(t)
    } else if t.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("SEPA")) {
        let l = Labelled::parse(t);
        let mut d = Details {
            name: l.value(NAAM),
            account: l.get(IBAN).and_then(clean_account),
            remittance: l.value(OMSCHRIJVING),
            structured: l.structured(),
            end_to_end: l.value(KENMERK),
            ..Details::default()
        };
        if d.structured.is_none() && contains_ci(l.prefix, "ACCEPTGIRO") {
            d.structured = sixteen_digits(t);
        }
        d
    } else {
        Details {
            name: card_payee(t),
            remittance: clean_text(t),
            ..Details::default()
        }
    };
    d.reversal |= contains_ci(t, "TERUGBOEKING");
    d
}

fn abn_slash_details(t: &str) -> Details {
    let fields = slash_fields(t);
    let get = |k: &str| fields.iter().find(|f| f.0 == k).map(|f| f.1);
    let kind = get("TRTP").unwrap_or("");
    let mut d = Details {
        name: get("NAME").and_then(clean_text),
        account: get("IBAN").and_then(clean_account),
        end_to_end: get("EREF").and_then(clean_text),
        reversal: get("RTRN").is_some()
            || contains_ci(kind, "RETOUR")
            || contains_ci(kind, "STORNO"),
        ..Details::default()
    };
    let remi = get("REMI").unwrap_or("").trim();
    if let Some(reference) = remi.strip_prefix("STRD/CUR/").or_else(|| {
        remi.strip_prefix("ISSUER: CUR")
            .and_then(|r| r.split("REF:").nth(1))
    }) {
        d.structured = kenmerk(reference.trim_end_matches('/'));
    } else {
        let free = remi
            .strip_prefix("USTD//")
            .or_else(|| remi.strip_prefix("USTD/"))
            .unwrap_or(remi);
        d.remittance = clean_text(free);
        d.structured = Labelled::parse(free).structured();
    }
    if d.structured.is_none() && contains_ci(kind, "ACCEPTGIRO") {
        d.structured = sixteen_digits(remi);
    }
    d
}

/// The shop of a card payment (`BEA`/`GEA`): the 32-column block before `,PAS`.
fn card_payee(t: &str) -> Option<String> {
    let kind = t.get(..3)?;
    if !kind.eq_ignore_ascii_case("BEA") && !kind.eq_ignore_ascii_case("GEA") {
        return None;
    }
    let pas = t.find(",PAS")?;
    let start = t.char_indices().nth(32).map(|(i, _)| i)?;
    (start < pas).then(|| clean_text(&t[start..pas])).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn read_all(text: &str) -> Result<(StatementSummary, Vec<BankLine>), BankError> {
        let mut lines = Vec::new();
        let summary = read("test.csv", text, &mut |l| lines.push(l))?;
        Ok((summary, lines))
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn corpus_dir() -> Option<PathBuf> {
        crate::corpus_dir("csv/bank")
    }

    fn decode(bytes: &[u8]) -> String {
        match std::str::from_utf8(bytes) {
            Ok(t) => t.to_string(),
            Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
        }
    }

    fn check_corpus_file(name: &str, text: &str) {
        let outcome = read_all(text);
        let refused = |phrase: &str| {
            let err = outcome.as_ref().expect_err(name);
            assert!(err.to_string().contains(phrase), "{name}: {err}");
            assert!(
                detect(text).is_some(),
                "{name}: must be detected to be refused"
            );
        };
        match name {
            "empty.csv" => assert_eq!(detect(text), None),
            "degiro-account.csv" => refused("DEGIRO brokerage account"),
            "ing-nl-balance-history.csv" => refused("ING balance history"),
            "knab-no-header.csv" => refused("Knab export without its column header line"),
            "knab-no-lines.csv" => {
                let (summary, lines) = outcome.unwrap();
                assert_eq!(summary.format, "Knab CSV");
                assert!(lines.is_empty());
            }
            "knab-transactieoverzicht.csv" => check_knab(outcome.unwrap()),
            "ing-nl-extra-columns.csv" | "ing-nl-semicolon-unquoted.csv" => {
                check_ing(outcome.unwrap())
            }
            "abnamro-TXT_SAMPLE.TAB" => check_abn(outcome.unwrap()),
            "gls-bank-de-latin1.csv" => {
                let (summary, lines) = outcome.unwrap();
                assert_eq!(summary.format, "GLS Bank CSV");
                assert_eq!(lines.len(), 1);
                let l = &lines[0];
                assert_eq!(l.amount, dec("-98.76"));
                assert_eq!(l.booking_date, day(2017, 10, 10));
                assert_eq!(l.value_date, Some(day(2017, 10, 10)));
                assert_eq!(l.account, s("1234567890"));
                assert_eq!(l.counterparty_name, s("Drillisch Online AG"));
                assert_eq!(
                    l.remittance,
                    s("B4658645 U123456789 B123456 987 SIMply Rechnung")
                );
                assert_eq!(l.location, Location::Line(2));
            }
            other => panic!("corpus file {other} has no expectation here"),
        }
    }

    fn check_ing((summary, lines): (StatementSummary, Vec<BankLine>)) {
        assert_eq!(summary.format, "ING CSV (semicolon)");
        assert_eq!(summary.statements, 1);
        assert_eq!(lines.len(), 6);
        let first = &lines[0];
        assert_eq!(first.amount, dec("-1.25"));
        assert_eq!(first.booking_date, day(2020, 2, 13));
        assert_eq!(first.value_date, Some(day(2020, 2, 13)));
        assert_eq!(first.account, s("NL99INGB9999999999"));
        assert_eq!(first.counterparty_account, None);
        assert_eq!(
            first.counterparty_name,
            s("Kosten OranjePakket met korting")
        );
        assert_eq!(first.remittance, s("1 jan t/m 31 jan 2020 ING BANK N.V."));
        assert_eq!(first.location, Location::Line(2));
        assert_eq!(lines[1].amount, dec("1.25"));
        assert_eq!(lines[2].amount, Decimal::ZERO);
        let transfer = &lines[3];
        assert_eq!(transfer.amount, dec("20.00"));
        assert_eq!(transfer.booking_date, day(2019, 12, 13));
        assert_eq!(transfer.counterparty_account, s("NL99ASNB9999999999"));
        assert_eq!(transfer.counterparty_name, s("PAULISSEN G J L M"));
        assert_eq!(transfer.remittance, s("Kosten rekening"));
        let last = &lines[5];
        assert_eq!(last.amount, dec("-0.31"));
        assert_eq!(last.booking_date, day(2019, 12, 13));
        assert_eq!(last.location, Location::Line(7));
    }

    fn check_knab((summary, lines): (StatementSummary, Vec<BankLine>)) {
        assert_eq!(summary.format, "Knab CSV");
        assert_eq!(lines.len(), 28);
        let first = &lines[0];
        assert_eq!(first.amount, dec("-827.75"));
        assert_eq!(first.booking_date, day(2019, 6, 21));
        assert_eq!(first.account, s("NL99KNAB9999999999"));
        assert_eq!(first.counterparty_account, s("FR9999999999999999999999999"));
        assert_eq!(first.counterparty_name, s("Gert Janssen (FR)"));
        assert_eq!(first.remittance, s("Tresorie"));
        assert_eq!(first.bank_reference, s("B9F21PGYA068V2KD"));
        assert_eq!(first.location, Location::Line(3));
        assert_eq!(lines[1].amount, dec("827.75"));
        assert_eq!(lines[1].counterparty_account, s("99999999"));
        assert_eq!(lines[2].amount, dec("-2500"));
        // Transactiedatum 09-06-2019, booked (Boekdatum) on 10-06-2019.
        let booked_later = &lines[6];
        assert_eq!(booked_later.amount, dec("-1000"));
        assert_eq!(booked_later.booking_date, day(2019, 6, 10));
        assert_eq!(booked_later.value_date, Some(day(2019, 6, 10)));
        let last = &lines[27];
        assert_eq!(last.amount, dec("7.02"));
        assert_eq!(last.counterparty_account, None);
        assert_eq!(last.counterparty_name, s("Knab"));
        assert_eq!(last.remittance, s("Rente"));
        assert_eq!(last.booking_date, day(2019, 1, 7));
        assert_eq!(last.location, Location::Line(30));
        let total: Decimal = lines.iter().map(|l| l.amount).sum();
        assert_eq!(total, dec("-0.01") + dec("7.02"));
    }

    fn check_abn((summary, lines): (StatementSummary, Vec<BankLine>)) {
        assert_eq!(summary.format, "ABN AMRO TAB");
        assert_eq!(summary.statements, 2);
        assert_eq!(lines.len(), 26);
        let first = &lines[0];
        assert_eq!(first.location, Location::Line(14));
        assert_eq!(first.amount, dec("-25.00"));
        assert_eq!(first.booking_date, day(2021, 12, 30));
        assert_eq!(first.account, s("123456789"));
        assert_eq!(first.counterparty_name, s("Hema EV123"));
        assert!(!first.reversal);
        assert!(lines[1].reversal, "TERUGBOEKING-BEA-TRANSACTIE");
        assert_eq!(lines[1].amount, dec("25.00"));

        let transfer = lines
            .iter()
            .find(|l| l.location == Location::Line(26))
            .unwrap();
        assert_eq!(transfer.amount, dec("-25.00"));
        assert_eq!(transfer.counterparty_account, s("NL01RABO0123456789"));
        assert_eq!(transfer.counterparty_name, s("Praktijk Foobar"));
        assert_eq!(transfer.remittance, s("nota nr 0123456789 0 - Fizzbuzz"));

        let ideal = &lines[4];
        assert_eq!(ideal.counterparty_name, s("Next to Pay via Mollie"));
        assert_eq!(ideal.end_to_end_id, s("02-02-2023 17:01 0123456789012345"));

        let slash = lines
            .iter()
            .find(|l| l.location == Location::Line(40))
            .unwrap();
        assert_eq!(slash.amount, dec("261.75"));
        assert_eq!(slash.counterparty_account, s("NL01RABO0123456789"));
        assert_eq!(slash.counterparty_name, s("FizzBuz Foobarfizbuzbank"));
        assert_eq!(
            slash.remittance,
            s("FOOBAR FIZZ BUZZ Stuff. 12 3456789012 WWW.FOOBAR.NL Foo Foobarfizbuzbank")
        );
        assert_eq!(slash.end_to_end_id, s("Z01234567890123456789012"));

        let incasso = &lines[21];
        assert_eq!(incasso.counterparty_name, s("Albert Heijn B.V."));
        assert_eq!(incasso.counterparty_account, s("NL00INGB0123456789"));
        assert_eq!(incasso.end_to_end_id, s("AB0123456789"));

        let last = &lines[25];
        assert_eq!(last.account, s("112233445"));
        assert_eq!(last.amount, dec("123.01"));
        assert_eq!(last.booking_date, day(2023, 12, 30));
        assert_eq!(last.value_date, Some(day(2023, 12, 31)));
        assert_eq!(last.location, Location::Line(49));
        assert_eq!(last.counterparty_name, None);
    }

    #[test]
    fn corpus_bank_csv_files() {
        let Some(dir) = corpus_dir() else { return };
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        assert!(
            names.len() >= 10,
            "corpus has {} bank CSV files",
            names.len()
        );
        for path in names {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = decode(&std::fs::read(&path).unwrap());
            check_corpus_file(&name, &text);
        }
    }

    const RABO_HEADER: &str = "\"IBAN/BBAN\",\"Munt\",\"BIC\",\"Volgnr\",\"Datum\",\"Rentedatum\",\
        \"Bedrag\",\"Saldo na trn\",\"Tegenrekening IBAN/BBAN\",\"Naam tegenpartij\",\
        \"Naam uiteindelijke partij\",\"Naam initiërende partij\",\"BIC tegenpartij\",\"Code\",\
        \"Batch ID\",\"Transactiereferentie\",\"Machtigingskenmerk\",\"Incassant ID\",\
        \"Betalingskenmerk\",\"Omschrijving-1\",\"Omschrijving-2\",\"Omschrijving-3\",\
        \"Reden retour\",\"Oorspr bedrag\",\"Oorspr munt\",\"Koers\"";

    #[test]
    fn rabobank_signed_amounts_and_references() {
        let text = format!(
            "\u{feff}{RABO_HEADER}\r\n\
             \"NL11RABO0101010101\",\"EUR\",\"RABONL2U\",\"000000000000012345\",\"2024-03-01\",\
             \"2024-03-01\",\"+1.234,56\",\"+5.000,00\",\"NL22 INGB 0002 2222 22\",\"Bakkerij De Korf\",\
             \"\",\"\",\"INGBNL2A\",\"cb\",\"\",\"E2E-778\",\"\",\"\",\"1234 5678 9012 3456\",\
             \"Factuur 2024-017\nregel twee\",\"deel 2\",\"\",\"\",\"\",\"\",\"\"\r\n\
             \"NL11RABO0101010101\",\"EUR\",\"RABONL2U\",\"000000000000012346\",\"2024-03-02\",\
             \"2024-03-04\",\"-12,50\",\"+4.987,50\",\"NL33ABNA0333333333\",\"Drukkerij Lijn\",\
             \"\",\"\",\"ABNANL2A\",\"ei\",\"\",\"NOTPROVIDED\",\"MNDT-1\",\"NL98ZZZ999999990000\",\
             \"\",\"Incasso maart\",\"\",\"\",\"MD06\",\"\",\"\",\"\"\r\n"
        );
        assert_eq!(detect(&text), Some("Rabobank CSV"));
        let (summary, lines) = read_all(&text).unwrap();
        assert_eq!(summary.format, "Rabobank CSV");
        assert_eq!(lines.len(), 2);
        let a = &lines[0];
        assert_eq!(a.amount, dec("1234.56"));
        assert_eq!(a.account, s("NL11RABO0101010101"));
        assert_eq!(a.booking_date, day(2024, 3, 1));
        assert_eq!(a.counterparty_account, s("NL22INGB0002222222"));
        assert_eq!(a.counterparty_name, s("Bakkerij De Korf"));
        assert_eq!(a.structured_reference, s("1234567890123456"));
        assert_eq!(a.end_to_end_id, s("E2E-778"));
        assert_eq!(a.bank_reference, s("000000000000012345"));
        assert_eq!(a.remittance, s("Factuur 2024-017 regel twee deel 2"));
        assert_eq!(a.location, Location::Line(2));
        assert!(!a.reversal);
        let b = &lines[1];
        assert_eq!(b.amount, dec("-12.50"));
        assert_eq!(b.value_date, Some(day(2024, 3, 4)));
        assert_eq!(b.end_to_end_id, None);
        assert!(b.reversal, "Reden retour MD06");
        // The quoted field of the first line spans two physical lines.
        assert_eq!(b.location, Location::Line(4));
    }

    #[test]
    fn bunq_amounts_with_either_decimal_mark() {
        let point = "\"Date\";\"Interest Date\";\"Amount\";\"Account\";\"Counterparty\";\"Name\";\"Description\"\n\
            \"2024-02-01\";\"2024-02-02\";\"250.00\";\"NL01BUNQ2000000001\";\"NL44RABO0444444444\";\"Klant BV\";\"Betaling factuur 2024-005\"\n\
            \"2024-02-03\";\"2024-02-03\";\"-1250.5\";\"NL01BUNQ2000000001\";\"\";\"Verhuur BV\";\"Huur februari\"\n";
        assert_eq!(detect(point), Some("bunq CSV"));
        let (_, lines) = read_all(point).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, dec("250.00"));
        assert_eq!(lines[0].account, s("NL01BUNQ2000000001"));
        assert_eq!(lines[0].counterparty_account, s("NL44RABO0444444444"));
        assert_eq!(lines[0].counterparty_name, s("Klant BV"));
        assert_eq!(lines[0].remittance, s("Betaling factuur 2024-005"));
        assert_eq!(lines[0].value_date, Some(day(2024, 2, 2)));
        assert_eq!(lines[1].amount, dec("-1250.5"));
        assert_eq!(lines[1].counterparty_account, None);

        let comma = point
            .replace("250.00", "250,00")
            .replace("-1250.5", "-1250,5");
        let (_, lines) = read_all(&comma).unwrap();
        assert_eq!(lines[0].amount, dec("250.00"));
        assert_eq!(lines[1].amount, dec("-1250.5"));

        let mixed = point.replace("250.00", "250,00");
        let err = read_all(&mixed).unwrap_err();
        assert_eq!(err.place, "line 3, column 'Amount'");
    }

    #[test]
    fn triodos_headerless_with_debet_credit() {
        let text = "05-03-2024,NL55TRIO0555555555,\"1.500,00\",Credit,Jansen Installatie,\
            NL66INGB0666666666,ET,Factuur 2024-031 Betalingskenm.: 5555 6666 7777 8888\n\
            06-03-2024,NL55TRIO0555555555,\"42,10\",Debet,KPN,NL77ABNA0777777777,IC,Abonnement maart\n";
        assert_eq!(detect(text), Some("Triodos CSV"));
        let (summary, lines) = read_all(text).unwrap();
        assert_eq!(summary.format, "Triodos CSV");
        assert_eq!(lines.len(), 2);
        let a = &lines[0];
        assert_eq!(a.amount, dec("1500.00"));
        assert_eq!(a.booking_date, day(2024, 3, 5));
        assert_eq!(a.account, s("NL55TRIO0555555555"));
        assert_eq!(a.counterparty_name, s("Jansen Installatie"));
        assert_eq!(a.counterparty_account, s("NL66INGB0666666666"));
        assert_eq!(a.structured_reference, s("5555666677778888"));
        assert_eq!(a.location, Location::Line(1));
        assert_eq!(lines[1].amount, dec("-42.10"));
        assert_eq!(lines[1].remittance, s("Abonnement maart"));
    }

    /// ASN Bank's headerless export, written for this test from the bank's published layout.
    const ASN_CSV: &str = "02-03-2026,NL12ASNB0123456789,NL55INGB0555555555,Jansen Installatie,,,,EUR,1000.00,EUR,1500.00,02-03-2026,02-03-2026,8810,IOB,25810,,'Factuur F2026-031',1\n\
        03-03-2026,NL12ASNB0123456789,NL77ABNA0777777777,KPN B.V.,,,,EUR,2500.00,EUR,-42.10,03-03-2026,03-03-2026,8820,IC,25811,5555666677778888,'Abonnement maart',1\n";

    #[test]
    fn asn_headerless_by_its_shape() {
        assert_eq!(detect(ASN_CSV), Some("ASN Bank CSV"));
        let (summary, lines) = read_all(ASN_CSV).unwrap();
        assert_eq!(summary.format, "ASN Bank CSV");
        assert_eq!(lines.len(), 2);
        let a = &lines[0];
        assert_eq!(a.amount, dec("1500.00"));
        assert_eq!(a.booking_date, day(2026, 3, 2));
        assert_eq!(a.account, s("NL12ASNB0123456789"));
        assert_eq!(a.counterparty_name, s("Jansen Installatie"));
        assert_eq!(a.counterparty_account, s("NL55INGB0555555555"));
        assert_eq!(
            a.remittance,
            s("Factuur F2026-031"),
            "the quotes are not the text"
        );
        assert_eq!(lines[1].amount, dec("-42.10"));
        assert_eq!(lines[1].structured_reference, s("5555666677778888"));
    }

    const ING_OLD: &str = "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\",\"Code\",\
        \"Af Bij\",\"Bedrag (EUR)\",\"MutatieSoort\",\"Mededelingen\"\n\
        \"20170103\",\"Kees de Vries\",\"1234567\",\"NL88INGB0008888888\",\"GT\",\"Bij\",\"150,00\",\
        \"Internetbankieren\",\"Factuur 17-001\"\n\
        \"20170104\",\"Albert Heijn 1234\",\"1234567\",\"\",\"BA\",\"Af\",\"1234,50\",\
        \"Betaalautomaat\",\"Pasvolgnr:001 04-01-2017 12:01 Transactie:12345 Term:AB12\"\n\
        \"20170105\",\"Belastingdienst\",\"1234567\",\"NL86INGB0002445588\",\"AC\",\"Bij\",\"80,00\",\
        \"Acceptgiro\",\"Naam: Belastingdienst Betalingskenm.: 1234 5678 9012 3456 \
        Kenmerk: E2E-42 Valutadatum: 06-01-2017\"\n";

    #[test]
    fn ing_old_comma_format() {
        assert_eq!(detect(ING_OLD), Some("ING CSV"));
        let (summary, lines) = read_all(ING_OLD).unwrap();
        assert_eq!(summary.format, "ING CSV (comma)");
        assert_eq!(lines.len(), 3);
        let a = &lines[0];
        assert_eq!(a.amount, dec("150.00"));
        assert_eq!(a.booking_date, day(2017, 1, 3));
        assert_eq!(a.account, s("1234567"));
        assert_eq!(a.counterparty_account, s("NL88INGB0008888888"));
        assert_eq!(a.counterparty_name, s("Kees de Vries"));
        assert_eq!(a.remittance, s("Factuur 17-001"));
        assert_eq!(a.value_date, None);
        let b = &lines[1];
        assert_eq!(b.amount, dec("-1234.50"));
        assert_eq!(
            b.remittance,
            s("Pasvolgnr:001 04-01-2017 12:01 Transactie:12345 Term:AB12")
        );
        let c = &lines[2];
        assert_eq!(c.structured_reference, s("1234567890123456"));
        assert_eq!(c.end_to_end_id, s("E2E-42"));
        assert_eq!(c.value_date, Some(day(2017, 1, 6)));
        assert_eq!(c.location, Location::Line(4));
    }

    #[test]
    fn abn_descriptions() {
        let d = abn_details(
            "/TRTP/ACCEPTGIROBETALING/IBAN/NL86INGB0002445588/BIC/INGBNL2A\
             /NAME/BELASTINGDIENST/REMI/ISSUER: CUR                  REF: 4420043232693268\
             /EREF/NOTPROVIDED",
        );
        assert_eq!(d.structured, s("4420043232693268"));
        assert_eq!(d.name, s("BELASTINGDIENST"));
        let d = abn_details(
            "SEPA ACCEPTGIROBETALING          IBAN: NL86INGB0002445588        \
             BIC: INGBNL2A                    NAAM: BELASTINGDIENST           \
             BETALINGSKENM.: 1234567890098876 ID DEBITEUR: 777777777",
        );
        assert_eq!(d.structured, s("1234567890098876"));
        assert_eq!(d.account, s("NL86INGB0002445588"));
        assert_eq!(d.name, s("BELASTINGDIENST"));
        let d = abn_details(
            "SEPA Acceptgirobetaling          IBAN: NL86INGB0002445588        \
             Naam: Belastingdienst            Omschrijving: 1234 5678 9012 3456",
        );
        assert_eq!(d.structured, s("1234567890123456"));
        let d = abn_details("/TRTP/SEPA OVERBOEKING/IBAN/NL25ABNA0987654321/BIC/ABNANL2A/NAME/FOOBAR/REMI/SAVINGS/EREF/NOTPROVIDED/ORDP//ID/203798473");
        assert_eq!(d.remittance, s("SAVINGS"));
        assert_eq!(d.end_to_end, s("NOTPROVIDED"));
    }

    #[test]
    fn missing_column_names_the_header_line() {
        let text = "KNAB EXPORT;;;;\n\
            Rekeningnummer;Transactiedatum;Valutacode;CreditDebet;Tegenrekeningnummer;\
            Tegenrekeninghouder;Valutadatum;Omschrijving;Referentie;Boekdatum;\n\
            NL99KNAB9999999999;21-06-2019;EUR;D;NL01;X;21-06-2019;;R1;21-06-2019;\n";
        let err = read_all(text).unwrap_err();
        assert_eq!(err.file, "test.csv");
        assert_eq!(err.place, "line 2 (header)");
        assert!(err.message.contains("'Bedrag'"), "{}", err.message);

        let ing = ING_OLD.replace("\"Bedrag (EUR)\",", "");
        let err = read_all(&ing).unwrap_err();
        assert_eq!(err.place, "line 1 (header)");
        assert!(err.message.contains("'Bedrag (EUR)'"), "{}", err.message);
    }

    #[test]
    fn ambiguous_amount_names_line_and_column() {
        let text = ING_OLD.replace("\"80,00\"", "\"1.000\"");
        let err = read_all(&text).unwrap_err();
        assert_eq!(err.place, "line 4, column 'Bedrag (EUR)'");
        assert!(
            err.message.starts_with("'1.000' is ambiguous"),
            "{}",
            err.message
        );
        assert!(err
            .to_string()
            .starts_with("test.csv: line 4, column 'Bedrag (EUR)': '1.000' is ambiguous"));

        let knab = "KNAB EXPORT;;;;\n\
            Rekeningnummer;Transactiedatum;Valutacode;CreditDebet;Bedrag;Tegenrekeningnummer;\
            Tegenrekeninghouder;Valutadatum;Betaalwijze;Omschrijving;Type betaling;\
            Machtigingsnummer;Incassant ID;Adres;Referentie;Boekdatum;\n\
            \"NL99KNAB9999999999\";\"21-06-2019\";\"EUR\";\"C\";\"2.500\";\"\";\"\";\"21-06-2019\";\
            \"\";\"\";\"\";\"\";\"\";\"\";\"R1\";\"21-06-2019\";\n";
        let err = read_all(knab).unwrap_err();
        assert_eq!(err.place, "line 3, column 'Bedrag'");
        assert!(err.message.contains("'2.500' is ambiguous"));
    }

    #[test]
    fn bad_date_and_bad_sign_name_line_and_column() {
        let text = ING_OLD.replace("\"20170104\"", "\"2017014\"");
        let err = read_all(&text).unwrap_err();
        assert_eq!(err.place, "line 3, column 'Datum'");
        assert!(err.message.contains("'2017014'"), "{}", err.message);
        assert!(err.message.contains("yyyymmdd"), "{}", err.message);

        let text = ING_OLD.replace("\"Af\"", "\"Uit\"");
        let err = read_all(&text).unwrap_err();
        assert_eq!(err.place, "line 3, column 'Af Bij'");
    }

    #[test]
    fn ledger_csv_is_not_a_bank_export() {
        assert_eq!(
            detect("Factuur;Datum;Bedrag\n2024-001;01-02-2024;12,50\n"),
            None
        );
        assert_eq!(detect(""), None);
        assert!(read_all("a,b\n1,2\n").is_err());
    }
}
