//! Detecting a CSV export's dialect: delimiter, header row, columns, decimal mark, date layout.
//!
//! Detection reads only the first part of the file and reports what it decided, so the user can
//! check it and pin any decision in a profile.

use std::fmt;

use crate::csv::headers::{field_for_header, normalise_header, Field};
use crate::csv::profile::Profile;
use crate::csv::CsvError;
use crate::source::TextEncoding;
use crate::values::{
    mark_evidence, parse_amount, parse_date, DateError, DateFormat, DecimalMark, MarkEvidence,
};

/// Whether a header is a bank's transaction export's: three or more of the words banks head
/// their columns with (counter account, value date, balance, communication, debit/credit).
fn looks_like_bank(header: &[String]) -> bool {
    const BANK_WORDS: [&str; 14] = [
        "tegenrekening",
        "tegenpartij",
        "valutadatum",
        "rentedatum",
        "saldo",
        "mededeling",
        "mededelingen",
        "afbij",
        "creditdebet",
        "boekingsdatum",
        "uittreksel",
        "rekeningnummer",
        "bic",
        "counterparty",
    ];
    header
        .iter()
        .map(|h| normalise_header(h))
        .filter(|h| BANK_WORDS.iter().any(|w| h.contains(w)))
        .count()
        >= 3
}

/// Fields holding amounts.
pub(crate) const AMOUNT_FIELDS: [Field; 7] = [
    Field::Total,
    Field::Net,
    Field::Vat,
    Field::Open,
    Field::Debit,
    Field::Credit,
    Field::Paid,
];
/// Fields holding dates.
pub(crate) const DATE_FIELDS: [Field; 2] = [Field::IssueDate, Field::DueDate];

const DELIMITERS: [u8; 4] = [b';', b',', b'\t', b'|'];
const HEADER_SEARCH_ROWS: usize = 20;

/// What detection decided about a file, for the user to read and the reader to follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Text encoding.
    pub encoding: TextEncoding,
    /// Field delimiter.
    pub delimiter: u8,
    /// 1-based line of the header row.
    pub header_line: u64,
    /// Records before the header row (title rows, preambles).
    pub header_record: usize,
    /// The byte that ends a line: `\n` (also for CRLF, whose `\r` is trimmed) or `\r` (old Mac).
    pub line_end: u8,
    /// The header as written.
    pub header: Vec<String>,
    /// Column index per recognised field.
    pub columns: Vec<(Field, usize)>,
    /// Headers not used.
    pub ignored: Vec<String>,
    /// Decimal mark, `None` when the sample held only whole numbers.
    pub decimal_mark: Option<DecimalMark>,
    /// Date layout, `None` when the sample held no dates.
    pub date_format: Option<DateFormat>,
    /// Decisions worth telling (defaults applied and why).
    pub notes: Vec<String>,
    /// Columns no field is read from that say what a field's column says (a second total, a
    /// second debtor code): equal to it in the sample, they are held to it on every row.
    pub twins: Vec<(Field, usize)>,
}

impl Detection {
    /// The column index of a field.
    pub fn column(&self, f: Field) -> Option<usize> {
        self.columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i)
    }

    /// Whether the file says each document's status (a status column).
    pub fn gives_status(&self) -> bool {
        self.column(Field::Status).is_some()
    }

    /// Whether the file says each document's open amount (an open or a paid-so-far column).
    pub fn gives_open(&self) -> bool {
        self.column(Field::Open).is_some() || self.column(Field::Paid).is_some()
    }

    /// Whether the file says which invoice a credit note credits.
    pub fn gives_credited(&self) -> bool {
        self.column(Field::CreditedInvoice).is_some()
    }

    /// Whether the file says each document's payment reference (betalingskenmerk).
    pub fn gives_reference(&self) -> bool {
        self.column(Field::PaymentReference).is_some()
    }

    /// Whether the file says each document's description.
    pub fn gives_description(&self) -> bool {
        self.column(Field::Description).is_some()
    }
}

impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let delim = match self.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        };
        writeln!(
            f,
            "  encoding {}, delimiter {delim}, header on line {}",
            self.encoding.name(),
            self.header_line
        )?;
        writeln!(
            f,
            "  amounts: {}, dates: {}",
            self.decimal_mark
                .map(|m| m.to_string())
                .unwrap_or_else(|| "whole numbers only".into()),
            self.date_format
                .map(|d| d.pattern().to_string())
                .unwrap_or_else(|| "none seen".into())
        )?;
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(fl, i)| format!("{} <- '{}'", fl.name(), self.header[*i]))
            .collect();
        // Wrapped to fit a terminal: one line per few columns, continued under the first.
        let mut line = String::from("  columns: ");
        for (i, c) in cols.iter().enumerate() {
            let piece = if i + 1 < cols.len() {
                format!("{c}, ")
            } else {
                c.clone()
            };
            if line.len() + piece.len() > 100 && line.trim_end() != "columns:" {
                writeln!(f, "{}", line.trim_end())?;
                line = " ".repeat(11);
            }
            line.push_str(&piece);
        }
        write!(f, "{line}")?;
        if !self.ignored.is_empty() {
            write!(f, "\n  ignored columns: {}", self.ignored.join(", "))?;
        }
        for n in &self.notes {
            write!(f, "\n  note: {n}")?;
        }
        Ok(())
    }
}

/// A record of the sample with its 1-based line.
#[derive(Clone)]
pub(crate) struct SampleRecord {
    pub line: u64,
    pub fields: Vec<String>,
}

/// Counting lines by `\n` alone keeps line numbers right in CRLF files.
pub(crate) fn line_end_of(sample: &str) -> u8 {
    if !sample.contains('\n') && sample.contains('\r') {
        b'\r'
    } else {
        b'\n'
    }
}

fn parse_sample(text: &str, delimiter: u8) -> Vec<SampleRecord> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(line_end_of(text)))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for r in rdr.records() {
        let Ok(r) = r else { break };
        let line = r.position().map(|p| p.line()).unwrap_or(0);
        out.push(SampleRecord {
            line,
            fields: r.iter().map(|s| s.trim().to_string()).collect(),
        });
    }
    out
}

/// Whether a value reads as a name rather than a code: words, or lower-case letters (codes are
/// digits and capitals: `D100`, `10023`, `DEB-0042`).
pub(crate) fn looks_like_name(v: &str) -> bool {
    let v = v.trim();
    let lower = v.chars().filter(|c| c.is_lowercase()).count();
    !v.is_empty() && (v.contains(' ') || lower >= 2) && !v.chars().all(|c| c.is_ascii_digit())
}

/// A bare `Factuur` column is an invoice's amount in some exports (`Factuurnr.` beside it) and
/// its number in others (`Factuur` beside `Bedrag`): with no number column and another column
/// for the amount, it is the number. Returns a note for the import summary when it decided; a
/// profile's own choice is never overridden.
fn factuur_as_number(
    header: &[String],
    from_profile: &std::collections::BTreeMap<Field, String>,
    columns: &mut Vec<(Field, usize)>,
    ignored: &mut Vec<String>,
) -> Option<String> {
    if from_profile.contains_key(&Field::Number) || from_profile.contains_key(&Field::Total) {
        return None;
    }
    let mapped = |f: Field| columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i);
    if mapped(Field::Number).is_some() {
        return None;
    }
    let factuur = mapped(Field::Total).filter(|&i| normalise_header(&header[i]) == "factuur")?;
    let amount = header
        .iter()
        .enumerate()
        .find(|&(i, h)| i != factuur && field_for_header(h) == Some(Field::Total))
        .map(|(i, _)| i)?;
    columns.retain(|(f, _)| *f != Field::Total);
    columns.push((Field::Number, factuur));
    columns.push((Field::Total, amount));
    ignored.retain(|h| *h != header[amount]);
    Some(format!(
        "'{}' holds the invoice numbers, '{}' the amounts",
        header[factuur], header[amount]
    ))
}

/// When two or more columns' headers name the debtor (`Debiteur` beside `Debiteurnummer`,
/// `Customer` beside `Customer ID`), the column whose values read as names is the debtor's name
/// and the one whose values read as codes its id, whatever the headers say. Returns a note for
/// the import summary when it decided. A profile's own choice is never overridden.
fn debtor_columns_by_content(
    header: &[String],
    data: &[SampleRecord],
    from_profile: &std::collections::BTreeMap<Field, String>,
    columns: &mut Vec<(Field, usize)>,
) -> Option<String> {
    if from_profile
        .keys()
        .any(|f| matches!(f, Field::DebtorId | Field::DebtorName))
    {
        return None;
    }
    let candidates: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            matches!(
                field_for_header(h),
                Some(Field::DebtorId | Field::DebtorName)
            )
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.len() < 2 {
        return None;
    }
    let share = |i: usize| -> f64 {
        let values = column_values(data, i);
        if values.is_empty() {
            return 0.5;
        }
        values.iter().filter(|v| looks_like_name(v)).count() as f64 / values.len() as f64
    };
    let scored: Vec<(usize, f64)> = candidates.iter().map(|&i| (i, share(i))).collect();
    let name = scored
        .iter()
        .filter(|(_, s)| *s >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let id = scored
        .iter()
        .filter(|(i, s)| *i != name && *s <= 0.2)
        .min_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let current = |f: Field| columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i);
    if current(Field::DebtorName) == Some(name) && current(Field::DebtorId) == Some(id) {
        return None;
    }
    columns.retain(|(f, i)| {
        !matches!(f, Field::DebtorId | Field::DebtorName) && *i != name && *i != id
    });
    columns.push((Field::DebtorId, id));
    columns.push((Field::DebtorName, name));
    columns.sort();
    Some(format!(
        "debtor columns told apart by their content: '{}' holds names, '{}' holds codes",
        header[name], header[id]
    ))
}

/// A debtor column no header names as such, told by its content: with no column named as the
/// debtor's id, one headed `Code`, `Klant` or `Client` whose values read as codes (`1001`,
/// `K100`) is it (Exact Online heads its debtor code `Code`: without it two customers of one
/// name become one); with the id read (`Klantnummer`) and no column named as the name, one
/// headed `Klant`, `Client`, `Customer` or `Relatie` whose values read as names is it (review
/// 43a, F-10: without it claims and letters name the debtor by code alone). Returns a note for
/// the import summary when it decided; a profile's choice stands.
fn debtor_column_by_content(
    field: Field,
    header: &[String],
    data: &[SampleRecord],
    from_profile: &std::collections::BTreeMap<Field, String>,
    columns: &mut Vec<(Field, usize)>,
    ignored: &mut Vec<String>,
) -> Option<String> {
    let has = |columns: &Vec<(Field, usize)>, f: Field| columns.iter().any(|(g, _)| *g == f);
    if from_profile.contains_key(&field) || has(columns, field) {
        return None;
    }
    let (headers, what): (&[&str], &str) = match field {
        Field::DebtorId => (&["code", "klant", "client", "klantid"], "codes"),
        Field::DebtorName if has(columns, Field::DebtorId) => (
            &["klant", "client", "customer", "relatie", "kunde"],
            "names",
        ),
        _ => return None,
    };
    let fits = |values: &[&str]| {
        let names = values.iter().filter(|v| looks_like_name(v)).count();
        !values.is_empty()
            && if field == Field::DebtorId {
                names == 0
            } else {
                names * 5 >= values.len() * 4
            }
    };
    let i = header.iter().enumerate().position(|(i, h)| {
        headers.contains(&normalise_header(h).as_str())
            && !columns.iter().any(|(_, j)| *j == i)
            && fits(&column_values(data, i))
    })?;
    columns.push((field, i));
    columns.sort();
    ignored.retain(|h| *h != header[i]);
    Some(format!("'{}' holds the debtors' {what}", header[i]))
}

/// Most rows of the sample whose values judge a column.
pub(crate) const SAMPLE_ROWS: usize = 500;

/// A column's values in the first [`SAMPLE_ROWS`] rows of the sample, trimmed, blanks left out.
pub(crate) fn column_values(data: &[SampleRecord], i: usize) -> Vec<&str> {
    data.iter()
        .take(SAMPLE_ROWS)
        .filter_map(|r| r.fields.get(i).map(|v| v.trim()))
        .filter(|v| !v.is_empty())
        .collect()
}

/// Whether values read as codes (`D100`, `1001`) rather than names: at most one in five a name.
pub(crate) fn mostly_codes(values: &[&str]) -> bool {
    !values.is_empty() && values.iter().filter(|v| looks_like_name(v)).count() * 5 <= values.len()
}

/// Whether a row of `len` fields (`field(i)` the i-th) is the header again, as a report printed
/// in pages repeats it: the first field's last byte is looked at first, since a number is often
/// as long as its header's name.
pub(crate) fn repeats_header<'a>(
    header: &[String],
    len: usize,
    field: impl Fn(usize) -> &'a str,
) -> bool {
    let Some(first) = header.first().map(|h| h.trim().as_bytes()) else {
        return false;
    };
    let row_first = field(0).trim().as_bytes();
    len >= header.len()
        && row_first.last() == first.last()
        && row_first == first
        && header
            .iter()
            .enumerate()
            .skip(1)
            .all(|(i, h)| field(i).trim() == h.trim())
}

fn recognised(fields: &[String]) -> usize {
    let mut seen: Vec<Field> = fields.iter().filter_map(|h| field_for_header(h)).collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

/// Decides the dialect from the head of the file (decoded text, cut at a line end).
pub(crate) fn detect(
    file: &str,
    sample: &str,
    encoding: TextEncoding,
    profile: &Profile,
) -> Result<Detection, CsvError> {
    let line_end = line_end_of(sample);
    let candidates: Vec<u8> = match profile.delimiter {
        Some(d) => vec![d],
        None => DELIMITERS.to_vec(),
    };
    // Score each delimiter by the best header row it yields, then by how consistent rows are.
    let mut best: Option<(usize, usize, u8, Vec<SampleRecord>, usize)> = None;
    for &d in &candidates {
        let records = parse_sample(sample, d);
        if records.is_empty() {
            continue;
        }
        let header_idx = match profile.header_row {
            Some(line) => records
                .iter()
                .position(|r| r.line == line)
                .unwrap_or(usize::MAX),
            None => {
                let mut best_i = usize::MAX;
                let mut best_n = 0;
                for (i, r) in records.iter().take(HEADER_SEARCH_ROWS).enumerate() {
                    let n = recognised(&r.fields) + profile_hits(profile, &r.fields);
                    if n > best_n {
                        best_n = n;
                        best_i = i;
                    }
                }
                best_i
            }
        };
        let score = if header_idx == usize::MAX {
            0
        } else {
            recognised(&records[header_idx].fields)
                + profile_hits(profile, &records[header_idx].fields)
        };
        let width = if header_idx == usize::MAX {
            0
        } else {
            records[header_idx].fields.len()
        };
        let consistent = records
            .iter()
            .skip(header_idx.saturating_add(1))
            .filter(|r| r.fields.len() == width)
            .count();
        let better = match &best {
            None => true,
            Some((s, c, ..)) => (score, consistent) > (*s, *c),
        };
        if better {
            best = Some((score, consistent, d, records, header_idx));
        }
    }
    let Some((score, _, delimiter, records, header_idx)) = best else {
        return Err(CsvError::NoHeader {
            file: file.into(),
            seen: String::new(),
            looks_like: "text without rows".into(),
        });
    };
    if score < 2 || header_idx == usize::MAX {
        // Describe the file by the delimiter that splits its rows into the most fields.
        let (delimiter, records) = candidates
            .iter()
            .map(|&d| (d, parse_sample(sample, d)))
            .max_by_key(|(_, r)| r.first().map_or(0, |f| f.fields.len()))
            .unwrap_or((delimiter, records));
        let seen: String = records
            .first()
            .map(|r| r.fields.join(" | "))
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        let width = records.first().map_or(0, |r| r.fields.len());
        let delim = match delimiter {
            b'\t' => "tabs".to_string(),
            d => format!("'{}'", d as char),
        };
        return Err(CsvError::NoHeader {
            file: file.into(),
            seen,
            looks_like: format!(
                "text of {} rows with {width} fields each, separated by {delim}",
                records.len()
            ),
        });
    }
    let header_rec = &records[header_idx];
    let header = header_rec.fields.clone();

    let mut columns: Vec<(Field, usize)> = Vec::new();
    for (field, name) in &profile.columns {
        let want = normalise_header(name);
        let idx = header
            .iter()
            .position(|h| h == name.trim())
            .or_else(|| header.iter().position(|h| normalise_header(h) == want))
            .ok_or_else(|| CsvError::ProfileColumn {
                file: file.into(),
                field: field.name(),
                column: name.clone(),
                header: header.join(", "),
            })?;
        columns.push((*field, idx));
    }
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if columns.iter().any(|(_, j)| *j == i) {
            continue;
        }
        match field_for_header(h) {
            Some(f) if !columns.iter().any(|(g, _)| *g == f) => columns.push((f, i)),
            _ if h.is_empty() => {}
            _ => ignored.push(h.clone()),
        }
    }
    let mut notes = Vec::new();
    for name in &profile.ignore {
        let want = normalise_header(name);
        if !header
            .iter()
            .any(|h| h.trim() == name.trim() || normalise_header(h) == want)
        {
            notes.push(format!(
                "the profile's ignore names '{name}', which this file has no column of"
            ));
        }
    }
    if let Some(note) = factuur_as_number(&header, &profile.columns, &mut columns, &mut ignored) {
        notes.push(note);
    }
    columns.sort();
    let has = |f: Field| columns.iter().any(|(g, _)| *g == f);
    let debit_credit = has(Field::Debit) && has(Field::Credit);
    for f in Field::REQUIRED {
        if !has(f) && (f != Field::Total || !debit_credit) {
            if !has(Field::Number) && looks_like_bank(&header) {
                return Err(CsvError::UnknownBank {
                    file: file.into(),
                    header: header.join(", "),
                });
            }
            return Err(CsvError::MissingColumn {
                file: file.into(),
                field: f.name(),
                header: header.join(", "),
            });
        }
    }
    if !columns
        .iter()
        .any(|(g, _)| *g == Field::DebtorId || *g == Field::DebtorName)
    {
        return Err(CsvError::MissingColumn {
            file: file.into(),
            field: "debtor_id (or debtor_name)",
            header: header.join(", "),
        });
    }
    if !columns.iter().any(|(g, _)| *g == Field::DueDate) {
        let days = profile
            .payment_term_days
            .unwrap_or(super::DEFAULT_TERM_DAYS);
        notes.push(format!("no due-date column: due date = issue date + {days} days (set payment_term_days in a profile)"));
    }
    if !columns.iter().any(|(g, _)| *g == Field::Currency) {
        let c = profile
            .currency
            .map(|c| c.to_string())
            .unwrap_or_else(|| "EUR".into());
        notes.push(format!("no currency column: every amount is {c}"));
    }

    // A report printed in pages repeats its header: those rows are no data.
    let data: Vec<SampleRecord> = records[header_idx + 1..]
        .iter()
        .filter(|r| !repeats_header(&header, r.fields.len(), |i| r.fields[i].as_str()))
        .cloned()
        .collect();
    let data = &data[..];
    if let Some(note) = debtor_columns_by_content(&header, data, &profile.columns, &mut columns) {
        ignored.retain(|h| !note.contains(&format!("'{h}'")));
        notes.push(note);
    }
    for field in [Field::DebtorId, Field::DebtorName] {
        notes.extend(debtor_column_by_content(
            field,
            &header,
            data,
            &profile.columns,
            &mut columns,
            &mut ignored,
        ));
    }
    let col = |f: Field| columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i);
    let decimal_mark = match profile.decimal_mark {
        Some(m) => Some(m),
        None => detect_mark(file, data, &AMOUNT_FIELDS.map(|f| (f, col(f))), &header)?,
    };
    let date_format = match profile.date_format {
        Some(d) => Some(d),
        None => detect_dates(file, data, &DATE_FIELDS.map(|f| (f, col(f))), &header)?,
    };
    if let Some(s) =
        super::unmapped::suspect(&header, data, &columns, &profile.ignore, decimal_mark)
    {
        return Err(CsvError::UnmappedColumn {
            file: file.into(),
            column: s.column,
            why: s.why,
            hint: s.hint,
        });
    }
    let twins = super::unmapped::twins(&header, data, &columns, &profile.ignore);
    Ok(Detection {
        encoding,
        delimiter,
        header_line: header_rec.line,
        header_record: header_idx,
        line_end,
        header,
        columns,
        ignored,
        decimal_mark,
        date_format,
        notes,
        twins,
    })
}

fn profile_hits(profile: &Profile, fields: &[String]) -> usize {
    profile
        .columns
        .values()
        .filter(|name| {
            fields
                .iter()
                .any(|h| h == name.trim() || normalise_header(h) == normalise_header(name))
        })
        .count()
}

fn detect_mark(
    file: &str,
    data: &[SampleRecord],
    cols: &[(Field, Option<usize>)],
    header: &[String],
) -> Result<Option<DecimalMark>, CsvError> {
    let mut comma: Option<(u64, String, usize)> = None;
    let mut point: Option<(u64, String, usize)> = None;
    for r in data {
        for (_, c) in cols {
            let Some(c) = *c else { continue };
            let Some(v) = r.fields.get(c) else { continue };
            // Only well-formed amounts are evidence; a malformed one is reported when its row is read.
            match mark_evidence(v) {
                MarkEvidence::Only(m) if parse_amount(v, Some(m)).is_err() => {}
                MarkEvidence::Only(DecimalMark::Comma) if comma.is_none() => {
                    comma = Some((r.line, v.clone(), c))
                }
                MarkEvidence::Only(DecimalMark::Point) if point.is_none() => {
                    point = Some((r.line, v.clone(), c))
                }
                _ => {}
            }
        }
    }
    match (comma, point) {
        (Some(a), Some(b)) => Err(CsvError::MixedMarks {
            file: file.into(),
            first: format!("line {}, column '{}': '{}'", a.0, header[a.2], a.1),
            second: format!("line {}, column '{}': '{}'", b.0, header[b.2], b.1),
        }),
        (Some(_), None) => Ok(Some(DecimalMark::Comma)),
        (None, Some(_)) => Ok(Some(DecimalMark::Point)),
        (None, None) => Ok(None),
    }
}

fn detect_dates(
    file: &str,
    data: &[SampleRecord],
    cols: &[(Field, Option<usize>)],
    header: &[String],
) -> Result<Option<DateFormat>, CsvError> {
    let mut alive: Vec<DateFormat> = DateFormat::ALL.to_vec();
    let mut seen_any = false;
    for r in data {
        for (_, c) in cols {
            let Some(c) = *c else { continue };
            let Some(v) = r.fields.get(c).filter(|v| !v.is_empty()) else {
                continue;
            };
            seen_any = true;
            let before = alive.clone();
            alive.retain(|f| {
                !matches!(
                    parse_date(v, *f),
                    Err(DateError::Shape(_) | DateError::Month { .. })
                )
            });
            if alive.is_empty() {
                let tried: Vec<_> = before.iter().map(|f| f.pattern()).collect();
                return Err(CsvError::Row(super::RowError {
                    file: file.into(),
                    unit: "line",
                    line: r.line,
                    column: header[c].clone(),
                    value: v.clone(),
                    message: format!(
                        "not a date in the layout of the other dates ({})",
                        tried.join(" or ")
                    ),
                }));
            }
        }
    }
    if !seen_any {
        return Ok(None);
    }
    if alive.contains(&DateFormat::DmySlash) && alive.contains(&DateFormat::MdySlash) {
        return Err(CsvError::AmbiguousDates { file: file.into() });
    }
    Ok(alive.first().copied())
}

#[cfg(test)]
mod tests {
    /// A bank export incasso has no profile for (Argenta's, as its importers describe it) is
    /// told as one, with the advice to download camt.053 or MT940; a ledger lacking its number
    /// column is still told that.
    #[test]
    fn an_unknown_banks_export_is_named_as_one() {
        let read = |text: &str| {
            crate::csv::read_ledger_text(
                "export.csv",
                text.to_string(),
                &crate::csv::CsvOptions::default(),
                &crate::progress::NoProgress,
                |_, _| Ok(()),
            )
            .unwrap_err()
            .to_string()
        };
        let argenta = "Rekening;Boekdatum;Valutadatum;Referentie;Beschrijving;Bedrag;Munt;Verrichtingsdatum;Rekening tegenpartij;Naam tegenpartij;Mededeling\n\
            BE12 9730 1234 5678;03-02-2026;03-02-2026;B6B03ABC;Overschrijving;544,50;EUR;03-02-2026;BE53 7341 1223 3453;Dubois;+++440/1260/31768+++\n";
        let e = read(argenta);
        assert!(e.contains("looks like a bank's transaction export"), "{e}");
        assert!(e.contains("camt.053 or MT940"), "{e}");
        let ledger = "Klant;Factuurdatum;Bedrag\nD1;01-02-2026;100,00\n";
        let e = read(ledger);
        assert!(e.contains("missing required column for number"), "{e}");
    }
}
