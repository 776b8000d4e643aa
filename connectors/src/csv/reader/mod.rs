//! The streaming row loop: one CSV row in, one document (and debtor details) out.

use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};
use std::io::Read;

use chrono::{Days, NaiveDate};
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber, Iban};
use incasso_core::model::{Debtor, DebtorKind, Document, DocumentKind, DocumentStatus, Location};
use incasso_core::money::Currency;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::detect::{detect, Detection};
use super::headers::Field;
use super::profile::SignConvention;
use super::{CsvError, CsvOptions, CsvReport, RejectedRow, RowError, DEFAULT_TERM_DAYS};
use crate::progress::Progress;
use crate::source::{decode_all, Inspection, SourceError, TextEncoding};
use crate::values::{
    mark_evidence, parse_amount, parse_date, DateFormat, DecimalMark, MarkEvidence,
};

mod ending;
mod row;
use row::*;
pub(crate) use row::{kind_word, status_word, KindWord, StatusWord};

const MAX_WARNINGS: usize = 50;

/// Reads a CSV ledger export, handing each document with its line to `sink`.
///
/// Nothing is handed on for a file that fails (without `skip_bad_rows`), except what `sink`
/// received before the failure: callers collect into a transaction they drop on error.
pub fn read_ledger<F>(
    file: &Inspection,
    options: &CsvOptions,
    progress: &dyn Progress,
    sink: F,
) -> Result<CsvReport, CsvError>
where
    F: FnMut(Document, Location) -> Result<(), String>,
{
    read_ledger_seeing(file, options, progress, &mut |_| {}, sink)
}

/// [`read_ledger`], telling `seen` what detection decided before the first document is handed
/// on (an import keeps what a file's columns do not say: `Detection::gives`).
pub fn read_ledger_seeing<F>(
    file: &Inspection,
    options: &CsvOptions,
    progress: &dyn Progress,
    seen: &mut dyn FnMut(&Detection),
    sink: F,
) -> Result<CsvReport, CsvError>
where
    F: FnMut(Document, Location) -> Result<(), String>,
{
    let name = file.path.display().to_string();
    let encoding = match options.profile.encoding {
        Some(e) => e,
        None => file.text_encoding()?,
    };
    let io = |source| {
        CsvError::Source(SourceError::Io {
            path: file.path.clone(),
            source,
        })
    };

    // Stream UTF-8 straight from disk; other encodings are decoded whole (such files are small).
    let (reader, sample, unended): (Box<dyn Read>, String, bool) = match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            let last = if file.size == 0 {
                None
            } else {
                let mut last = [0u8; 1];
                let end = file.open().map_err(io)?;
                // Read where it is, not by seeking: the descriptor's offset is shared with the
                // reader opened from it.
                #[cfg(unix)]
                std::os::unix::fs::FileExt::read_exact_at(&end, &mut last, file.size - 1)
                    .map_err(io)?;
                #[cfg(not(unix))]
                {
                    use std::io::{Seek, SeekFrom};
                    let mut end = end;
                    end.seek(SeekFrom::End(-1))
                        .and_then(|_| end.read_exact(&mut last))
                        .and_then(|_| end.seek(SeekFrom::Start(0)).map(|_| ()))
                        .map_err(io)?;
                }
                Some(last[0])
            };
            let sample = file.head_lines();
            let unended = last.is_some_and(|last| {
                !matches!(last, b'\n' | b'\r') || ending::cut_after_cr(last, &sample)
            });
            let f = file.open_past_bom().map_err(io)?;
            (Box::new(f), sample, unended)
        }
        other => {
            let mut bytes = Vec::with_capacity(file.size as usize);
            file.open()
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(io)?;
            let text = decode_all(&bytes, other);
            let sample: String = text.chars().take(256 * 1024).collect();
            let cut = sample.rfind('\n').map(|p| p + 1).unwrap_or(sample.len());
            let sample = if sample.len() < text.len() {
                sample[..cut].to_string()
            } else {
                sample
            };
            let unended = ending::unended(&text);
            (
                Box::new(std::io::Cursor::new(text.into_bytes())),
                sample,
                unended,
            )
        }
    };
    read_records(
        &name, reader, &sample, unended, encoding, file.size, options, progress, seen, sink,
    )
}

/// Reads a ledger that is already text (a worksheet turned into rows), under a name for errors.
pub fn read_ledger_text<F>(
    name: &str,
    text: String,
    options: &CsvOptions,
    progress: &dyn Progress,
    sink: F,
) -> Result<CsvReport, CsvError>
where
    F: FnMut(Document, Location) -> Result<(), String>,
{
    read_ledger_text_seeing(name, text, options, progress, &mut |_| {}, sink)
}

/// [`read_ledger_text`], telling `seen` what detection decided (see [`read_ledger_seeing`]).
pub fn read_ledger_text_seeing<F>(
    name: &str,
    text: String,
    options: &CsvOptions,
    progress: &dyn Progress,
    seen: &mut dyn FnMut(&Detection),
    sink: F,
) -> Result<CsvReport, CsvError>
where
    F: FnMut(Document, Location) -> Result<(), String>,
{
    let size = text.len() as u64;
    let sample: String = match text.char_indices().nth(256 * 1024) {
        Some((cut, _)) => text[..text[..cut].rfind('\n').map_or(cut, |p| p + 1)].to_string(),
        None => text.clone(),
    };
    let unended = ending::unended(&text);
    read_records(
        name,
        Box::new(std::io::Cursor::new(text.into_bytes())),
        &sample,
        unended,
        TextEncoding::Utf8,
        size,
        options,
        progress,
        seen,
        sink,
    )
}

#[allow(clippy::too_many_arguments)]
fn read_records<F>(
    name: &str,
    reader: Box<dyn Read>,
    sample: &str,
    unended: bool,
    encoding: TextEncoding,
    size: u64,
    options: &CsvOptions,
    progress: &dyn Progress,
    seen: &mut dyn FnMut(&Detection),
    mut sink: F,
) -> Result<CsvReport, CsvError>
where
    F: FnMut(Document, Location) -> Result<(), String>,
{
    let name = name.to_string();
    let detection = detect(&name, sample, encoding, &options.profile)?;
    seen(&detection);
    progress.set_total(size);

    let mut rows = RowReader::new(&name, &detection, options);
    let mut watch = crate::csv::unmapped::Watch::new(
        &detection.header,
        &detection.columns,
        &options.profile.ignore,
    );
    let kind_told = detection.column(Field::Kind).is_some();
    let name_told = detection.column(Field::DebtorId).is_some()
        && detection.column(Field::DebtorName).is_some();
    let mut ending = ending::Ending::default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detection.delimiter)
        .terminator(csv::Terminator::Any(detection.line_end))
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    // Size the duplicate index from the sample's bytes per row, to spare rehashing on big files.
    let sample_rows = sample.lines().count().max(1) as u64;
    let expected_rows =
        (size / (sample.len() as u64 / sample_rows).max(16)).min(50_000_000) as usize;
    // Per document: its line, its content fingerprint, and its debtor's hash (to link a credit
    // note to an invoice its description names).
    // Keyed by the BLAKE3 digest of kind and number (`number_key`): no string per row to
    // allocate, and one probe where a string key also read the string.
    let mut seen: FxHashMap<u128, (u64, u64, u64)> =
        FxHashMap::with_capacity_and_hasher(expected_rows + 16, Default::default());
    // Credit notes that name no invoice in a column but have a description: linked at the end,
    // when every invoice of the file is known.
    let mut unlinked: Vec<(Document, u64)> = Vec::new();
    let mut debtors: FxHashMap<String, Debtor> = FxHashMap::default();
    let mut report = CsvReport {
        detection: detection.clone(),
        documents: 0,
        blank_rows: 0,
        totals_rows: 0,
        repeated_rows: 0,
        rejected: Vec::new(),
        debtors: Vec::new(),
        warnings: Vec::new(),
        unended_last: None,
    };
    let mut data_rows = 0u64;
    // The latest row read into a document, in a file that ends without a line end.
    let mut last_doc: Option<crate::csv::UnendedRow> = None;
    let mut count = 0u64;
    let mut last_line = 0u64;
    'rows: loop {
        let more = rdr
            .read_byte_record(&mut record)
            .map_err(|e| CsvError::Structure {
                file: name.clone(),
                line: e.position().map(|p| p.line()).unwrap_or(0),
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        last_line = line;
        count += 1;
        if count <= detection.header_record as u64 + 1 {
            continue;
        }
        if count.is_multiple_of(16_384) {
            progress.set_position(record.position().map(|p| p.byte()).unwrap_or(0));
        }
        let fields = Fields::new(&record);
        if fields.is_blank() {
            report.blank_rows += 1;
            continue;
        }
        if super::detect::repeats_header(&detection.header, fields.len(), |i| fields.get(i)) {
            if report.warnings.len() < MAX_WARNINGS {
                report.warnings.push(format!(
                    "line {line} repeats the header (a page break); skipped"
                ));
            }
            continue;
        }
        data_rows += 1;
        let parsed = match rows.parse(&fields, line) {
            Ok(Parsed::Totals) => {
                report.totals_rows += 1;
                continue;
            }
            Ok(Parsed::Doc(doc)) => 'doc: {
                if unended {
                    ending.row(&rows, &fields, line);
                    let last_filled =
                        (0..fields.len()).rfind(|&i| !fields.get(i).trim().is_empty());
                    let last_is =
                        |f: Field| last_filled.is_some() && last_filled == detection.column(f);
                    last_doc = Some(crate::csv::UnendedRow {
                        key: doc.key(),
                        number: doc.number.as_str().to_string(),
                        line,
                        debtor: doc.debtor.as_str().to_string(),
                        // An invoice cut to another debtor's id only claims too little of
                        // its own; a credit note cut so leaves its debtor claimed too much.
                        debtor_cut: last_is(Field::DebtorId)
                            && doc.kind == DocumentKind::CreditNote,
                        amount_cut: crate::csv::detect::AMOUNT_FIELDS
                            .iter()
                            .chain(&[Field::Kind])
                            .any(|f| last_is(*f)),
                    });
                }
                if let Some((column, value, what)) =
                    watch.row(doc.kind == DocumentKind::CreditNote, |i| fields.get(i))
                {
                    break 'doc Err(RowError {
                        file: name.clone(),
                        unit: rows.unit,
                        line,
                        column: column.clone(),
                        value,
                        message: format!(
                            "incasso reads no field from this column, but the cell says {what}; \
                             read as open the document could be claimed: map the column in a \
                             profile ([columns] status = \"{column}\", or kind), or list it under \
                             top-level ignore = [\"{column}\"] if it says nothing of that"
                        ),
                    });
                }
                if !kind_told
                    && doc.kind == DocumentKind::Invoice
                    && doc
                        .description
                        .as_deref()
                        .is_some_and(crate::csv::unmapped::credit_note_named)
                {
                    break 'doc Err(rows.error(
                        line,
                        Field::Description,
                        &fields,
                        "the description calls the document a credit note, but its amount is \
                         positive and no column says its kind: export the credit note with a \
                         minus sign or a type column"
                            .into(),
                    ));
                }
                let fp = fingerprint(&doc);
                match seen.entry(number_key(doc.kind, &doc.number)) {
                    Entry::Occupied(e) if e.get().1 == fp => {
                        let first = e.get().0;
                        report.repeated_rows += 1;
                        if report.warnings.len() < MAX_WARNINGS {
                            report.warnings.push(format!(
                                "line {line} repeats {} {} of line {first}; counted once",
                                doc.kind.code(),
                                doc.number
                            ));
                        }
                        continue 'rows;
                    }
                    Entry::Occupied(e) => {
                        let first = e.get().0;
                        Err(rows.error(
                            line,
                            Field::Number,
                            &fields,
                            format!("{} {} appears again with different content (first on line {first})", doc.kind.code(), doc.number),
                        ))
                    }
                    Entry::Vacant(e) => {
                        e.insert((line, fp, debtor_hash(&doc.debtor)));
                        let debtor = match debtors.get(doc.debtor.as_str()) {
                            Some(known) if !rows.fills_gap(&fields, known) => {
                                // One id under two names in one file: a cut or mistyped id
                                // joins one customer's invoices to another's claim.
                                let named = name_told
                                    .then(|| rows.text(&fields, Field::DebtorName))
                                    .flatten();
                                if let (Some(was), Some(now)) = (known.name.as_deref(), named) {
                                    if !was.trim().eq_ignore_ascii_case(now.trim())
                                        && report.warnings.len() < MAX_WARNINGS
                                    {
                                        report.warnings.push(format!(
                                            "line {line}: debtor {} is named '{}' here and '{}' above; if they are two customers, their invoices are claimed as one",
                                            known.id, now.trim(), was.trim()
                                        ));
                                    }
                                }
                                Ok(None)
                            }
                            _ => rows.debtor(&fields, doc.debtor.clone(), line).map(Some),
                        };
                        debtor.map(|d| (doc, d))
                    }
                }
            }
            Err(e) => Err(e),
        };
        match parsed {
            Ok((doc, debtor)) => {
                if let Some(d) = debtor {
                    match debtors.get_mut(d.id.as_str()) {
                        Some(known) => {
                            known.fill_from(&d);
                        }
                        None => {
                            debtors.insert(d.id.as_str().to_string(), d);
                        }
                    }
                }
                report.documents += 1;
                if doc.kind == DocumentKind::CreditNote
                    && doc.credited_invoice.is_none()
                    && doc.description.is_some()
                {
                    unlinked.push((doc, line));
                    continue;
                }
                sink(doc, Location::Line(line)).map_err(|message| CsvError::Sink {
                    file: name.clone(),
                    message,
                })?;
            }
            Err(e) if options.skip_bad_rows => {
                report.rejected.push(RejectedRow {
                    line,
                    fields: fields.strings(),
                    reason: e.to_string(),
                });
            }
            Err(e) => return Err(CsvError::Row(e)),
        }
    }
    // A worksheet's rows are never cut: its text is written whole by the workbook reader.
    if options.row_word.is_none() {
        if let Some((line, f, value, why)) = ending.cut(unended, rows.status_words.keys()) {
            return Err(CsvError::Row(RowError {
                file: name.clone(),
                unit: rows.unit,
                line,
                column: rows.column_name(f),
                value,
                message: format!(
                    "the file ends inside this row, without a line end, and its value {why}: the \
                     download may have been cut short; download the export again (a file that \
                     ends so on purpose: add a line end)"
                ),
            }));
        }
    }
    // A worksheet's text is written whole; a file's last row, when the file stops without a
    // line end and that row is a document's, may be cut where no value looks odd.
    if options.row_word.is_none() {
        report.unended_last = last_doc.filter(|r| r.line == last_line);
    }
    for (mut doc, line) in unlinked {
        if let Some(number) = named_invoice(&doc, &seen) {
            if report.warnings.len() < MAX_WARNINGS {
                report.warnings.push(format!(
                    "line {line}: credit note {} names invoice {number} of the same debtor in its description; linked to it",
                    doc.number
                ));
            }
            doc.credited_invoice = Some(number);
        }
        sink(doc, Location::Line(line)).map_err(|message| CsvError::Sink {
            file: name.clone(),
            message,
        })?;
    }
    progress.set_position(size);
    if data_rows == 0 {
        return Err(CsvError::HeaderOnly { file: name });
    }
    let mut debtors: Vec<Debtor> = debtors.into_values().collect();
    debtors.sort_by(|a, b| a.id.cmp(&b.id));
    report.debtors = debtors;
    if let Some(m) = rows.late_mark {
        report.detection.decimal_mark = Some(m);
    }
    if let Some(d) = rows.late_date {
        report.detection.date_format = Some(d);
    }
    Ok(report)
}

fn debtor_hash(d: &incasso_core::ids::DebtorId) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    d.as_str().hash(&mut h);
    h.finish()
}

/// The one invoice of the credit note's debtor in this file that its description names, if
/// exactly one is named (`Creditering factuur F2026-004`, `credit for INV-0042`).
fn named_invoice(
    cn: &Document,
    seen: &FxHashMap<u128, (u64, u64, u64)>,
) -> Option<incasso_core::ids::DocumentNumber> {
    let text = cn.description.as_deref()?;
    let debtor = debtor_hash(&cn.debtor);
    let mut found: Vec<incasso_core::ids::DocumentNumber> = Vec::new();
    for token in
        text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '#'))
    {
        let token = token.trim_matches(|c: char| c == '.' || c == '\'' || c == '"');
        if token.len() < 2 {
            continue;
        }
        let Ok(number) = incasso_core::ids::DocumentNumber::new(token) else {
            continue;
        };
        let hit = seen
            .get(&number_key(DocumentKind::Invoice, &number))
            .is_some_and(|(_, _, d)| *d == debtor);
        if hit && !found.iter().any(|f| f.normalised() == number.normalised()) {
            found.push(number);
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// The key of a document's kind and number among a file's rows: the first 128 bits of their
/// BLAKE3 digest, so two numbers never share one.
fn number_key(kind: DocumentKind, number: &DocumentNumber) -> u128 {
    let mut h = blake3::Hasher::new();
    h.update(kind.code().as_bytes());
    h.update(b"|");
    h.update(number.normalised().as_bytes());
    crate::bank::key128(h.finalize())
}

/// What tells a row from another with the same number: two rows of one document are one row
/// repeated only when every field is the same (amounts by value: 70.00 is 70.0).
fn fingerprint(d: &Document) -> u64 {
    // The fields' `Hash` written into one buffer and hashed at once: SipHash over many small
    // writes cost more than reading the row.
    let mut fields = Collected(Vec::with_capacity(256));
    (
        &d.number,
        &d.debtor,
        d.issue_date,
        d.due_date,
        d.currency.as_str(),
        d.total,
        d.net,
        d.vat,
        d.source_open,
    )
        .hash(&mut fields);
    (
        d.status as u8,
        &d.credited_invoice,
        &d.payment_reference,
        &d.description,
    )
        .hash(&mut fields);
    fields.finish()
}

/// A `Hasher` that collects what is written and hashes it whole when finished.
struct Collected(Vec<u8>);

impl Hasher for Collected {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        h.write(&self.0);
        h.finish()
    }
}
