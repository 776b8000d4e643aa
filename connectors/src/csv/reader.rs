//! The streaming row loop: one CSV row in, one document (and debtor details) out.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufReader, Read};

use chrono::{Days, NaiveDate};
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber, Iban};
use incasso_core::model::{Debtor, DebtorKind, Document, DocumentKind, DocumentStatus, Location};
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use super::detect::{detect, Detection};
use super::headers::Field;
use super::profile::SignConvention;
use super::{CsvError, CsvOptions, CsvReport, RejectedRow, RowError, DEFAULT_TERM_DAYS};
use crate::progress::Progress;
use crate::source::{decode_all, Inspection, SourceError, TextEncoding};
use crate::values::{
    mark_evidence, parse_amount, parse_date, DateFormat, DecimalMark, MarkEvidence,
};

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
    let (reader, sample): (Box<dyn Read>, String) = match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            let mut f = BufReader::with_capacity(1 << 20, file.open().map_err(io)?);
            if file.head.starts_with(&[0xEF, 0xBB, 0xBF]) {
                let mut bom = [0u8; 3];
                f.read_exact(&mut bom).map_err(io)?;
            }
            let head = file
                .head
                .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
                .unwrap_or(&file.head);
            let cut = if (head.len() as u64) < file.size.saturating_sub(3) {
                head.iter()
                    .rposition(|&b| b == b'\n')
                    .map(|p| p + 1)
                    .unwrap_or(head.len())
            } else {
                head.len()
            };
            (
                Box::new(f),
                String::from_utf8_lossy(&head[..cut]).into_owned(),
            )
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
            (Box::new(std::io::Cursor::new(text.into_bytes())), sample)
        }
    };
    read_records(
        &name, reader, &sample, encoding, file.size, options, progress, sink,
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
    let size = text.len() as u64;
    let sample: String = match text.char_indices().nth(256 * 1024) {
        Some((cut, _)) => text[..text[..cut].rfind('\n').map_or(cut, |p| p + 1)].to_string(),
        None => text.clone(),
    };
    read_records(
        name,
        Box::new(std::io::Cursor::new(text.into_bytes())),
        &sample,
        TextEncoding::Utf8,
        size,
        options,
        progress,
        sink,
    )
}

#[allow(clippy::too_many_arguments)]
fn read_records<F>(
    name: &str,
    reader: Box<dyn Read>,
    sample: &str,
    encoding: TextEncoding,
    size: u64,
    options: &CsvOptions,
    progress: &dyn Progress,
    mut sink: F,
) -> Result<CsvReport, CsvError>
where
    F: FnMut(Document, Location) -> Result<(), String>,
{
    let name = name.to_string();
    let detection = detect(&name, sample, encoding, &options.profile)?;
    progress.set_total(size);

    let mut rows = RowReader::new(&name, &detection, options);
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
    let mut seen: HashMap<(DocumentKind, String), (u64, u64, u64)> =
        HashMap::with_capacity(expected_rows + 16);
    // Credit notes that name no invoice in a column but have a description: linked at the end,
    // when every invoice of the file is known.
    let mut unlinked: Vec<(Document, u64)> = Vec::new();
    let mut debtors: HashMap<String, Debtor> = HashMap::new();
    let mut report = CsvReport {
        detection: detection.clone(),
        documents: 0,
        blank_rows: 0,
        totals_rows: 0,
        repeated_rows: 0,
        rejected: Vec::new(),
        debtors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut data_rows = 0u64;
    let mut count = 0u64;
    loop {
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
        count += 1;
        if count <= detection.header_record as u64 + 1 {
            continue;
        }
        if count.is_multiple_of(16_384) {
            progress.set_position(record.position().map(|p| p.byte()).unwrap_or(0));
        }
        let fields = Fields { rec: &record };
        if fields.is_blank() {
            report.blank_rows += 1;
            continue;
        }
        data_rows += 1;
        let parsed = match rows.parse(&fields, line) {
            Ok(Parsed::Totals) => {
                report.totals_rows += 1;
                continue;
            }
            Ok(Parsed::Doc(doc)) => {
                let fp = fingerprint(&doc);
                match seen.entry((doc.kind, doc.number.normalised().into_owned())) {
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
                        continue;
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
                            Some(known) if !rows.fills_gap(&fields, known) => Ok(None),
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
    seen: &HashMap<(DocumentKind, String), (u64, u64, u64)>,
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
            .get(&(DocumentKind::Invoice, number.normalised().into_owned()))
            .is_some_and(|(_, _, d)| *d == debtor);
        if hit && !found.iter().any(|f| f.normalised() == number.normalised()) {
            found.push(number);
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

fn fingerprint(d: &Document) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
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
        .hash(&mut h);
    (
        d.status as u8,
        &d.credited_invoice,
        &d.payment_reference,
        &d.description,
    )
        .hash(&mut h);
    h.finish()
}

struct Fields<'a> {
    rec: &'a csv::ByteRecord,
}

impl Fields<'_> {
    fn get(&self, i: usize) -> &str {
        self.rec
            .get(i)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
            .trim()
    }

    fn is_blank(&self) -> bool {
        self.rec
            .iter()
            .all(|f| f.iter().all(u8::is_ascii_whitespace))
    }

    fn len(&self) -> usize {
        self.rec.len()
    }

    fn strings(&self) -> Vec<String> {
        self.rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }
}

#[allow(clippy::large_enum_variant)] // one per row, moved once; a Box would cost an allocation per row
enum Parsed {
    Doc(Document),
    Totals,
}

struct RowReader<'a> {
    file: &'a str,
    det: &'a Detection,
    cols: [Option<usize>; 26],
    mark: Option<DecimalMark>,
    date: Option<DateFormat>,
    late_mark: Option<DecimalMark>,
    late_date: Option<DateFormat>,
    creditor: CreditorId,
    currency: Currency,
    term: u64,
    sign: SignConvention,
    debtor_kind: Option<DebtorKind>,
    status_words: HashMap<String, DocumentStatus>,
    kind_words: HashMap<String, bool>,
    unit: &'static str,
}

impl<'a> RowReader<'a> {
    fn new(file: &'a str, det: &'a Detection, options: &CsvOptions) -> RowReader<'a> {
        let mut cols = [None; 26];
        for (f, i) in &det.columns {
            cols[*f as usize] = Some(*i);
        }
        RowReader {
            file,
            det,
            cols,
            mark: det.decimal_mark,
            date: det.date_format,
            late_mark: None,
            late_date: None,
            creditor: options
                .creditor
                .clone()
                .unwrap_or_else(|| CreditorId::new("default").expect("non-empty")),
            currency: options.profile.currency.unwrap_or(Currency::EUR),
            term: u64::from(
                options
                    .profile
                    .payment_term_days
                    .unwrap_or(DEFAULT_TERM_DAYS),
            ),
            sign: options.profile.sign,
            debtor_kind: options.profile.debtor_kind,
            status_words: HashMap::new(),
            kind_words: HashMap::new(),
            unit: options.row_word.unwrap_or("line"),
        }
    }

    fn error(&self, line: u64, f: Field, fields: &Fields, message: String) -> RowError {
        let (column, value) = match self.cols[f as usize] {
            Some(i) => (
                self.det.header[i].clone(),
                crate::values::excerpt(fields.get(i)).into_owned(),
            ),
            None => (f.name().to_string(), String::new()),
        };
        RowError {
            file: self.file.to_string(),
            unit: self.unit,
            line,
            column,
            value,
            message,
        }
    }

    fn text<'r>(&self, fields: &'r Fields, f: Field) -> Option<&'r str> {
        self.cols[f as usize]
            .map(|i| fields.get(i))
            .filter(|s| !s.is_empty())
    }

    fn amount(
        &mut self,
        fields: &Fields,
        f: Field,
        line: u64,
    ) -> Result<Option<Decimal>, RowError> {
        let Some(raw) = self.text(fields, f) else {
            return Ok(None);
        };
        if self.mark.is_none() {
            if let MarkEvidence::Only(m) = mark_evidence(raw) {
                // Every earlier amount was a whole number, so deciding now changes none of them.
                self.mark = Some(m);
                self.late_mark = Some(m);
            }
        }
        parse_amount(raw, self.mark)
            .map(Some)
            .map_err(|e| self.error(line, f, fields, e.to_string()))
    }

    fn date(
        &mut self,
        fields: &Fields,
        f: Field,
        line: u64,
    ) -> Result<Option<NaiveDate>, RowError> {
        let Some(raw) = self.text(fields, f) else {
            return Ok(None);
        };
        let format = match self.date {
            Some(d) => d,
            None => {
                let fits: Vec<DateFormat> = DateFormat::ALL
                    .into_iter()
                    .filter(|d| parse_date(raw, *d).is_ok())
                    .collect();
                match fits.as_slice() {
                    [one] => {
                        self.date = Some(*one);
                        self.late_date = Some(*one);
                        *one
                    }
                    [] => {
                        return Err(self.error(
                            line,
                            f,
                            fields,
                            "not a date in any known layout".into(),
                        ))
                    }
                    _ => {
                        return Err(self.error(
                            line,
                            f,
                            fields,
                            "ambiguous date layout; set date_format in a profile".into(),
                        ))
                    }
                }
            }
        };
        parse_date(raw, format).map(Some).map_err(|e| {
            self.error(
                line,
                f,
                fields,
                format!(
                    "not a valid date ({e}); the file's layout is {}",
                    format.pattern()
                ),
            )
        })
    }

    fn parse(&mut self, fields: &Fields, line: u64) -> Result<Parsed, RowError> {
        let says_total = || {
            (0..fields.len()).any(|i| {
                let v = fields.get(i).to_lowercase();
                v.starts_with("totaal") || v.starts_with("total")
            })
        };
        if let Some((i, why)) = (0..fields.len())
            .find_map(|i| crate::values::field_too_long(fields.get(i)).map(|w| (i, w)))
        {
            return Err(RowError {
                file: self.file.to_string(),
                unit: self.unit,
                line,
                column: self
                    .det
                    .header
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("field {}", i + 1)),
                value: crate::values::excerpt(fields.get(i)).into_owned(),
                message: why,
            });
        }
        if self.text(fields, Field::IssueDate).is_none() && says_total() {
            return Ok(Parsed::Totals);
        }
        if let Some(&(f, i)) = self.det.columns.iter().find(|(_, i)| *i >= fields.len()) {
            return Err(RowError {
                file: self.file.to_string(),
                unit: self.unit,
                line,
                column: self.det.header[i].clone(),
                value: String::new(),
                message: format!(
                    "the row has {} fields but the header has {}; {} is missing",
                    fields.len(),
                    self.det.header.len(),
                    f.name()
                ),
            });
        }
        let Some(raw_number) = self.text(fields, Field::Number) else {
            return Err(self.error(
                line,
                Field::Number,
                fields,
                "the document number is empty".into(),
            ));
        };
        let number = DocumentNumber::new(strip_float_suffix(raw_number))
            .map_err(|e| self.error(line, Field::Number, fields, e.to_string()))?;
        let issue_date = self.date(fields, Field::IssueDate, line)?.ok_or_else(|| {
            self.error(
                line,
                Field::IssueDate,
                fields,
                "the issue date is empty".into(),
            )
        })?;
        let due_date = match self.date(fields, Field::DueDate, line)? {
            Some(d) => d,
            None => issue_date
                .checked_add_days(Days::new(self.term))
                .unwrap_or(issue_date),
        };
        if due_date < issue_date {
            return Err(self.error(
                line,
                Field::DueDate,
                fields,
                format!("due date is before the issue date {issue_date}"),
            ));
        }
        let mut total = self
            .amount(fields, Field::Total, line)?
            .ok_or_else(|| self.error(line, Field::Total, fields, "the total is empty".into()))?;
        let mut net = self.amount(fields, Field::Net, line)?;
        let mut vat = self.amount(fields, Field::Vat, line)?;
        let mut open = self.amount(fields, Field::Open, line)?;
        if self.sign == SignConvention::Inverted {
            for v in [Some(&mut total), net.as_mut(), vat.as_mut(), open.as_mut()]
                .into_iter()
                .flatten()
            {
                *v = -*v;
            }
        }
        let currency = match self.text(fields, Field::Currency) {
            Some(c) => Currency::parse(c)
                .map_err(|e| self.error(line, Field::Currency, fields, e.to_string()))?,
            None => self.currency,
        };
        let says_credit = match self.text(fields, Field::Kind) {
            Some(k) => Some(match self.kind_words.get(k) {
                Some(c) => *c,
                None => *self
                    .kind_words
                    .entry(k.to_string())
                    .or_insert_with(|| is_credit_word(&k.to_lowercase())),
            }),
            None => None,
        };
        let credited_invoice = match self.text(fields, Field::CreditedInvoice) {
            Some(n) => Some(
                DocumentNumber::new(strip_float_suffix(n))
                    .map_err(|e| self.error(line, Field::CreditedInvoice, fields, e.to_string()))?,
            ),
            None => None,
        };
        let kind = match says_credit {
            Some(true) => DocumentKind::CreditNote,
            Some(false) if total < Decimal::ZERO => DocumentKind::CreditNote,
            Some(false) => DocumentKind::Invoice,
            None if total < Decimal::ZERO || credited_invoice.is_some() => DocumentKind::CreditNote,
            None => DocumentKind::Invoice,
        };
        if kind == DocumentKind::CreditNote {
            let flip = total < Decimal::ZERO;
            if flip {
                for v in [Some(&mut total), net.as_mut(), vat.as_mut(), open.as_mut()]
                    .into_iter()
                    .flatten()
                {
                    *v = -*v;
                }
            }
        } else if total < Decimal::ZERO {
            return Err(self.error(
                line,
                Field::Total,
                fields,
                "an invoice with a negative total".into(),
            ));
        }
        if let (Some(n), Some(v)) = (net, vat) {
            if (n + v - total).abs() > Decimal::new(1, 2) {
                return Err(self.error(
                    line,
                    Field::Total,
                    fields,
                    format!("total {total} is not net {n} + VAT {v}"),
                ));
            }
        }
        let status = match self.text(fields, Field::Status) {
            Some(s) => match self.status_words.get(s) {
                Some(st) => *st,
                None => *self
                    .status_words
                    .entry(s.to_string())
                    .or_insert_with(|| status_from(s)),
            },
            None => DocumentStatus::Open,
        };
        let debtor_id_text = self
            .text(fields, Field::DebtorId)
            .or_else(|| self.text(fields, Field::DebtorName));
        let debtor_id = match debtor_id_text {
            Some(d) => DebtorId::new(strip_float_suffix(d))
                .map_err(|e| self.error(line, Field::DebtorId, fields, e.to_string()))?,
            None => {
                return Err(self.error(
                    line,
                    Field::DebtorId,
                    fields,
                    "no debtor id or name".into(),
                ))
            }
        };
        let doc = Document {
            creditor: self.creditor.clone(),
            kind,
            number,
            debtor: debtor_id.clone(),
            issue_date,
            due_date,
            currency,
            net,
            vat,
            total,
            source_open: open,
            status,
            credited_invoice,
            payment_reference: self.text(fields, Field::PaymentReference).map(String::from),
            description: self.text(fields, Field::Description).map(String::from),
        };
        Ok(Parsed::Doc(doc))
    }

    /// True when this row holds a debtor detail the known record lacks.
    fn fills_gap(&self, fields: &Fields, known: &Debtor) -> bool {
        let has = |f| self.text(fields, f).is_some();
        (known.name.is_none() && has(Field::DebtorName))
            || (known.kind == DebtorKind::Unknown && has(Field::DebtorKind))
            || (known.kvk.is_none() && has(Field::Kvk))
            || (known.vat_number.is_none() && has(Field::VatNumber))
            || (known.email.is_none() && has(Field::Email))
            || (known.phone.is_none() && has(Field::Phone))
            || (known.ibans.is_empty() && has(Field::Iban))
            || (known.address.street.is_none() && has(Field::Street))
            || (known.address.house_number.is_none() && has(Field::HouseNumber))
            || (known.address.postcode.is_none() && has(Field::Postcode))
            || (known.address.city.is_none() && has(Field::City))
            || (known.address.country.is_none() && has(Field::Country))
    }

    fn debtor(&self, fields: &Fields, id: DebtorId, line: u64) -> Result<Debtor, RowError> {
        let t = |f| self.text(fields, f).map(String::from);
        // A "name" that only repeats the debtor's code is no name: another source may have one.
        let name = t(Field::DebtorName).filter(|n| !n.eq_ignore_ascii_case(id.as_str()));
        let mut d = Debtor::new(id);
        d.name = name;
        d.kind = match self.text(fields, Field::DebtorKind).map(str::to_lowercase) {
            Some(k)
                if [
                    "particulier",
                    "consument",
                    "consumer",
                    "private",
                    "b2c",
                    "prive",
                    "privé",
                ]
                .contains(&k.as_str()) =>
            {
                DebtorKind::Consumer
            }
            Some(k)
                if [
                    "zakelijk",
                    "bedrijf",
                    "business",
                    "company",
                    "b2b",
                    "onderneming",
                ]
                .contains(&k.as_str()) =>
            {
                DebtorKind::Business
            }
            Some(_) => {
                return Err(self.error(
                    line,
                    Field::DebtorKind,
                    fields,
                    "not a debtor kind (particulier/consumer or zakelijk/business)".into(),
                ))
            }
            None => self.debtor_kind.unwrap_or_default(),
        };
        d.kvk = t(Field::Kvk);
        d.vat_number = t(Field::VatNumber);
        d.email = t(Field::Email);
        d.phone = t(Field::Phone);
        if let Some(iban) = self.text(fields, Field::Iban) {
            d.ibans.push(
                Iban::parse(iban)
                    .map_err(|e| self.error(line, Field::Iban, fields, e.to_string()))?,
            );
        }
        d.address.street = t(Field::Street);
        d.address.house_number = t(Field::HouseNumber);
        d.address.postcode = t(Field::Postcode);
        d.address.city = t(Field::City);
        d.address.country = t(Field::Country);
        if d.kind == DebtorKind::Unknown && d.kvk.is_some() {
            d.kind = DebtorKind::Business;
        }
        Ok(d)
    }
}

/// SAP and pandas write numbers as floats (`1200401780.0`); the `.0` is not part of the number.
fn strip_float_suffix(s: &str) -> &str {
    match s.strip_suffix(".0") {
        Some(head) if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => s,
    }
}

fn is_credit_word(k: &str) -> bool {
    let k: String = k.chars().filter(|c| c.is_alphanumeric()).collect();
    matches!(
        k.as_str(),
        "creditnota" | "creditfactuur" | "credit" | "creditnote" | "cn" | "creditering" | "381"
    )
}

fn status_from(s: &str) -> DocumentStatus {
    let l = s.to_lowercase();
    if [
        "betwist",
        "disputed",
        "dispuut",
        "in dispute",
        "geschil",
        "bezwaar",
    ]
    .iter()
    .any(|w| l.contains(w))
    {
        DocumentStatus::Disputed
    } else if [
        "geannuleerd",
        "cancelled",
        "canceled",
        "void",
        "vervallen verklaard",
        "ingetrokken",
    ]
    .iter()
    .any(|w| l.contains(w))
    {
        DocumentStatus::Void
    } else if matches!(
        l.trim(),
        "betaald" | "paid" | "voldaan" | "settled" | "closed" | "gesloten"
    ) {
        DocumentStatus::Paid
    } else {
        DocumentStatus::Open
    }
}
