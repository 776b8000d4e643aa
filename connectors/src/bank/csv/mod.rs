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

mod details;
mod profiles;
mod recognise;
use details::*;
use profiles::*;
use recognise::*;

/// Whether the text looks like one of the bank CSV exports (`Some(name)`), so the ledger CSV
/// reader is not tried on it.
pub fn detect(text: &str) -> Option<&'static str> {
    match recognise(strip_bom(text))? {
        Found::Read { profile, .. } => Some(profile.name),
        Found::Refuse { name, .. } => Some(name),
    }
}

/// The bank exports incasso reads, for messages that list them: the banks recognised by their
/// header, then those recognised by their layout, as the built-in profiles give them.
pub fn known_exports() -> String {
    let names = |header: bool| {
        PROFILES
            .iter()
            .filter(|p| matches!(p.layout, Layout::Header { .. }) == header)
            .map(|p| p.name.strip_suffix(" CSV").unwrap_or(p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{} by their header; {} by their layout",
        names(true),
        names(false)
    )
}

/// Reads a bank CSV export held as text, handing each transaction line to `emit`.
pub fn read(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let text = strip_bom(text);
    read_from(file, text, &mut || Ok(Box::new(text.as_bytes())), emit)
}

/// Opens the UTF-8 text of a bank CSV export from its start (BOM removed), once more for each
/// pass over it; a file is best opened buffered (the reader asks for 64 KiB at a time).
pub type Open<'a> = dyn FnMut() -> std::io::Result<Box<dyn std::io::Read + 'a>> + 'a;

/// Reads a bank CSV export streamed from `open` (one pass, or two when the bank writes amounts
/// in the user's locale), recognised by `head`: its first lines, as text. A file of a million
/// lines is never held whole.
pub fn read_from(
    file: &str,
    head: &str,
    open: &mut Open<'_>,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    match recognise(strip_bom(head)) {
        None => Err(BankError::new(
            file,
            "line 1",
            format!("not a known bank CSV export ({})", known_exports()),
        )),
        Some(Found::Refuse { line, message, .. }) => {
            Err(BankError::new(file, format!("line {line}"), message))
        }
        Some(Found::Read {
            profile,
            delimiter,
            header_line,
        }) => read_profile(file, open, profile, delimiter, header_line, emit),
    }
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
    ultimate_name: Option<usize>,
    counterparty_account: Option<usize>,
    remittance: Vec<usize>,
    structured_reference: Option<usize>,
    end_to_end_id: Option<usize>,
    bank_reference: Option<usize>,
    reversal_reason: Option<usize>,
    /// The columns that say what kind of line it is.
    kind: Vec<(usize, &'static KindColumn)>,
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
    let ultimate_name = lk.find(profile.ultimate_name);
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
    let kind = profile
        .kind
        .iter()
        .filter_map(|k| {
            let wanted = normalise(k.column);
            let at = lk.normalised.iter().position(|n| *n == wanted)?;
            Some((at, k))
        })
        .collect();
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
        ultimate_name,
        counterparty_account,
        remittance,
        structured_reference,
        end_to_end_id,
        bank_reference,
        reversal_reason,
        kind,
        width: lk.width,
    })
}

fn read_profile(
    file: &str,
    open: &mut Open<'_>,
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
                open,
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
        open,
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
    open: &mut Open<'_>,
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
    let io = |e: std::io::Error| BankError::new(file, "file", e.to_string());
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Seen::default()));
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoting)
        .comment(comments.then_some(b'#'))
        .buffer_capacity(1 << 16)
        .from_reader(Tap {
            inner: open().map_err(io)?,
            seen: seen.clone(),
        });
    let mut counter = LineCounter {
        seen,
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
    // The latest data row: its line, its first byte, its fields and whether its last field is
    // a filled text (a name or remittance); and whether every row before it had the header's
    // fields.
    let mut last: Option<(u64, usize, usize, bool)> = None;
    let mut full_above = true;
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
        if let Some((_, _, n, _)) = last {
            full_above &= n >= c.names.len();
        }
        let end = record.len().checked_sub(1);
        let text_last = end.is_some_and(|e| {
            (c.remittance.contains(&e) || c.counterparty_name == Some(e))
                && !record[e].trim().is_empty()
        });
        last = Some((
            line,
            record.position().map_or(0, |p| p.byte() as usize),
            record.len(),
            text_last,
        ));
        f(line, &record, c)?;
    }
    if let (Some((line, start, fields, text_last)), Some(c)) = (last, cols.as_ref()) {
        let seen = counter.seen.borrow();
        let shape = Shape {
            delimiter,
            quoting,
            fields,
            width: c.names.len(),
            full_above,
            text_last,
        };
        if let Some(why) = cut_inside(seen.from(start), &shape) {
            return Err(BankError::new(
                file,
                format!("line {line}"),
                format!(
                    "the file ends inside this line, without a line end, and {why}: the \
                     download was cut short; download the statement again"
                ),
            ));
        }
    }
    Ok(())
}

/// What a file's last row looks like, for [`cut_inside`].
struct Shape {
    delimiter: u8,
    quoting: bool,
    /// Its fields, of the header's `width`.
    fields: usize,
    width: usize,
    /// Whether every row above had the header's fields.
    full_above: bool,
    /// Whether its last field is a filled name or remittance text.
    text_last: bool,
}

/// Why a file's last row (`tail`: its bytes to the end of the file) was cut short, when the
/// file ends without a line end: inside a quoted field (an odd number of quotes), with fewer
/// fields than the header where every row above had them all, or inside a text that is its last
/// field and not closed by a quote (ABN AMRO's TAB, KBC, Belfius: review 43c, F-2). A text of the
/// last row cut short may name another invoice than the payer wrote (review 43a).
fn cut_inside(tail: &[u8], shape: &Shape) -> Option<String> {
    let last = *tail.last()?;
    if matches!(last, b'\n' | b'\r') {
        return None;
    }
    if shape.quoting && tail.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
        return Some("a quoted field is not closed".into());
    }
    if last == shape.delimiter {
        return Some(
            "it ends after a separator, so its last field may have been cut off whole (a file \
             that ends so on purpose: add a line end)"
                .into(),
        );
    }
    if shape.full_above && shape.fields < shape.width {
        return Some(format!(
            "it has {} of the header's {} fields",
            shape.fields, shape.width
        ));
    }
    (shape.text_last && last != b'"').then(|| {
        "its last field is a text that may have been cut (a file that ends so on purpose: add \
         a line end)"
            .into()
    })
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

    // A reference in its own column (ASN quotes it), one the text labels, or a text that is
    // nothing but one (`Omschrijving: RF44…`, `/REMI/9550…`).
    let structured_reference = kenmerk(unquote(cell(cols.structured_reference)))
        .or(details.structured)
        .or_else(|| {
            details
                .remittance
                .as_deref()
                .and_then(crate::bank::standalone_reference)
        });
    let end_to_end_id = clean_text(cell(cols.end_to_end_id))
        .or(details.end_to_end)
        .filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED"));
    let account = clean_account(cell(cols.account)).map(|a| {
        if profile.name == ABN_TAB.name {
            crate::bank::abn_account(a)
        } else {
            a
        }
    });
    Ok(BankLine {
        account,
        booking_date,
        value_date: value_date.or(details.value_date),
        amount,
        currency,
        counterparty_name: clean_text(cell(cols.ultimate_name))
            .filter(|_| amount > Decimal::ZERO)
            .or_else(|| clean_text(cell(cols.counterparty_name)))
            .or(details.name),
        counterparty_account: clean_account(cell(cols.counterparty_account)).or(details.account),
        remittance: details.remittance,
        structured_reference,
        end_to_end_id,
        bank_reference: clean_text(cell(cols.bank_reference)),
        reversal: !cell(cols.reversal_reason).trim().is_empty() || details.reversal,
        kind: kind_of(&cols.kind, |i| cell(Some(i))).or(details.kind),
        location: Location::Line(line),
        statement: None,
        format: profile.name,
    })
}

/// What the kind columns say (`Inning Europese domiciliëring`, Rabobank's `ei` as
/// `euro-incasso`), when any says something.
fn kind_of<'c>(
    columns: &[(usize, &KindColumn)],
    cell: impl Fn(usize) -> &'c str,
) -> Option<String> {
    let words: Vec<String> = columns
        .iter()
        .filter_map(|&(i, k)| {
            let value = clean_text(cell(i))?;
            if k.codes.is_empty() {
                return Some(value);
            }
            k.codes
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(&value))
                .map(|(_, words)| words.to_string())
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
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

#[cfg(test)]
mod tests;
