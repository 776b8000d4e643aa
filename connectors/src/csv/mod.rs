//! CSV ledger exports of accounting packages (open items, sales journals), zero-config.
//!
//! [`read_ledger`] detects the dialect ([`detect::Detection`]), then streams every row into a
//! [`Document`](incasso_core::model::Document) with its line number. A bad row is an error that
//! names file, line, column and value; by default it rejects the whole file, with
//! [`CsvOptions::skip_bad_rows`] the row is set aside as a [`RejectedRow`] instead.

pub mod debtors;
pub mod detect;
pub mod headers;
pub mod letters;
pub mod profile;
mod reader;
mod unmapped;

use std::path::{Path, PathBuf};

use incasso_core::model::Debtor;

pub use detect::Detection;
pub use profile::Profile;
pub use reader::{read_ledger, read_ledger_seeing, read_ledger_text, read_ledger_text_seeing};

use crate::source::SourceError;

/// Days from issue to due date when a file has no due date and the profile does not say
/// (the statutory term of art. 6:119a lid 2 BW).
pub const DEFAULT_TERM_DAYS: u32 = 30;

/// How to read a CSV ledger.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// The mapping profile, if the user gave one.
    pub profile: Profile,
    /// Set bad rows aside instead of rejecting the file.
    pub skip_bad_rows: bool,
    /// The administration the documents belong to.
    pub creditor: Option<incasso_core::ids::CreditorId>,
    /// What errors call a record's number: `line` (default) or `row` for worksheets.
    pub row_word: Option<&'static str>,
    /// A worksheet's cells holding a formula without a value, in sheet order (line = row,
    /// field = column): a row that would read one is refused.
    pub formulas_without_value: Vec<crate::xlsx::FormulaCell>,
    /// Bank statements: read one whose balances do not add up, recording the mismatch
    /// (`incasso import --accept-unbalanced`).
    pub accept_unbalanced: bool,
}

/// A bad row: the place, the offending value and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {unit} {line}, column '{column}': {message} (value '{value}')")]
pub struct RowError {
    /// The file.
    pub file: String,
    /// `line` for text files, `row` for worksheets.
    pub unit: &'static str,
    /// 1-based line.
    pub line: u64,
    /// The column header.
    pub column: String,
    /// The value as written.
    pub value: String,
    /// What is wrong.
    pub message: String,
}

/// Why a CSV file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file could not be read as text.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// No row looks like a header of a ledger export.
    #[error("{file}: not a format incasso reads: it looks like {looks_like}; tried a ledger export (no header row recognised: expected columns like Factuurnummer, Factuurdatum, Bedrag incl. BTW / Invoice No, Invoice Date, Total) and the bank exports ({banks}); first row: {seen}; if it is a ledger, name its columns with --profile", banks = crate::bank::csv::known_exports())]
    NoHeader {
        /// The file.
        file: String,
        /// The first row, for the user to see.
        seen: String,
        /// What the file looks like (rows, fields per row, delimiter).
        looks_like: String,
    },
    /// A required field has no column.
    #[error("{file}: missing required column for {field}; header has: {header}")]
    MissingColumn {
        /// The file.
        file: String,
        /// The field.
        field: &'static str,
        /// The header as written.
        header: String,
    },
    /// A bank's transaction export incasso has no profile for, taken for a ledger and lacking
    /// its columns: said so, instead of naming a ledger column it could never have.
    #[error("{file}: this looks like a bank's transaction export (header: {header}), but not one incasso knows ({banks}); download the statement as camt.053 or MT940 instead, which every Dutch and Belgian bank offers", banks = crate::bank::csv::known_exports())]
    UnknownBank {
        /// The file.
        file: String,
        /// The header as written.
        header: String,
    },
    /// The profile names a column the file does not have.
    #[error(
        "{file}: profile maps {field} to column '{column}', which is not in the header: {header}"
    )]
    ProfileColumn {
        /// The file.
        file: String,
        /// The field.
        field: &'static str,
        /// The column named.
        column: String,
        /// The header as written.
        header: String,
    },
    /// A column mapped to no field that may say whether a debt is owed (a status, a credit
    /// note's kind, an open or paid amount, the debtor's code, a payment term).
    #[error("{file}: column '{column}' is not one incasso reads, but {why}; left out, a debt the file says is not owed (or not yet due) could be claimed. Map it in a profile ({hint}), or list it in a top-level ignore = [\"{column}\"] (before any table) if it says nothing of that, and import with --profile")]
    UnmappedColumn {
        /// The file.
        file: String,
        /// The header as written.
        column: String,
        /// What its header or values suggest.
        why: String,
        /// The profile line that maps it.
        hint: String,
    },
    /// The header is there but no data rows follow.
    #[error("{file}: has a header but no data rows")]
    HeaderOnly {
        /// The file.
        file: String,
    },
    /// Amounts use both decimal marks.
    #[error("{file}: amounts use both a decimal comma ({first}) and a decimal point ({second}); set decimal_mark in a profile")]
    MixedMarks {
        /// The file.
        file: String,
        /// A value read as decimal comma.
        first: String,
        /// A value read as decimal point.
        second: String,
    },
    /// Day-month and month-day both fit every date.
    #[error("{file}: dates like 05/03/2026 could be day-month or month-day and no date settles it; set date_format = \"dd/mm/yyyy\" or \"mm/dd/yyyy\" in a profile")]
    AmbiguousDates {
        /// The file.
        file: String,
    },
    /// A bad row.
    #[error(transparent)]
    Row(#[from] RowError),
    /// The CSV structure itself is broken (e.g. an unclosed quote).
    #[error("{file}: line {line}: {message}")]
    Structure {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// The consumer of the records failed (e.g. the store).
    #[error("{file}: {message}")]
    Sink {
        /// The file.
        file: String,
        /// The consumer's message.
        message: String,
    },
}

/// A row set aside under `--skip-bad-rows`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line.
    pub line: u64,
    /// The row's fields as written.
    pub fields: Vec<String>,
    /// Why it was rejected.
    pub reason: String,
}

/// What reading a file produced besides the documents.
#[derive(Debug, Clone)]
pub struct CsvReport {
    /// What detection decided.
    pub detection: Detection,
    /// Documents passed on.
    pub documents: u64,
    /// Blank rows skipped.
    pub blank_rows: u64,
    /// Totals rows skipped.
    pub totals_rows: u64,
    /// Rows repeating an earlier row of the same document exactly, counted once.
    pub repeated_rows: u64,
    /// Rows set aside (only with `skip_bad_rows`).
    pub rejected: Vec<RejectedRow>,
    /// Debtors described by the file, merged per id.
    pub debtors: Vec<Debtor>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// The document of the last row when the file ends without a line end, with its line: a
    /// download cut short inside that row still parses (`D109` read as `D10`, `500` as `5`),
    /// so the store holds it from claims until another import lists it.
    pub unended_last: Option<UnendedRow>,
}

/// The last row of a file that ends without a line end, read into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnendedRow {
    /// The document's key.
    pub key: incasso_core::model::DocumentKey,
    /// Its number as written.
    pub number: String,
    /// The row's line.
    pub line: u64,
    /// Its debtor's id as read.
    pub debtor: String,
    /// Whether the row is a credit note whose debtor's id is its last field: cut there, its
    /// credit would go to another debtor (`D109` read as `D10`), and its own be claimed too much.
    pub debtor_cut: bool,
    /// Whether an amount or the document's kind is the row's last field: cut there, a credit
    /// note may read as an invoice (`210,00-` as `210,00`), and an amount as one an earlier
    /// export gave (`500` as `50`).
    pub amount_cut: bool,
}

/// The path beside the input where rejected rows go: `NAME.rejected.csv`.
pub fn rejected_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    input.with_file_name(format!("{stem}.rejected.csv"))
}

/// Writes rejected rows with the original header plus a `reason` column.
pub fn write_rejected(
    path: &Path,
    detection: &Detection,
    rows: &[RejectedRow],
) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(detection.delimiter)
        .flexible(true)
        .from_writer(crate::write::create_no_follow(path)?);
    let mut header = detection.header.clone();
    header.push("line".into());
    header.push("reason".into());
    w.write_record(&header)?;
    for r in rows {
        let mut rec = r.fields.clone();
        rec.resize(detection.header.len(), String::new());
        rec.push(r.line.to_string());
        rec.push(r.reason.clone());
        w.write_record(&rec)?;
    }
    w.flush()
}
