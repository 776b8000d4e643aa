//! SWIFT MT940 statements in the Dutch banks' dialects.
//!
//! The file is first cut into fields (a tag line with its continuation lines), then read statement
//! by statement: `:20:` starts one, `:60F:` opens it, every `:61:` with the `:86:` after it becomes
//! a [`BankLine`], and `:62F:` closes it. A statement's lines are handed to the caller only once
//! its opening balance plus its lines equals its closing balance.

use chrono::{Datelike, NaiveDate};
use incasso_core::ids::Iban;
use incasso_core::matching::references::rf_valid;
use incasso_core::model::Location;
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use super::{clean_account, clean_text, BankError, BankLine, StatementSummary};

/// Tags read as the start of a field; any other `:xx:` at the start of a line is text.
const TAGS: &[&str] = &[
    "20", "21", "25", "25P", "28", "28C", "60F", "60M", "61", "62F", "62M", "64", "65", "86", "13",
    "13D", "34F", "90C", "90D", "NS", "940",
];

/// Bank codes as they appear in BICs (`INGBNL2A`) and Dutch IBANs, with the name shown to people.
const BANKS: &[(&str, &str)] = &[
    ("INGB", "ING"),
    ("RABO", "Rabobank"),
    ("ABNA", "ABN AMRO"),
    ("TRIO", "Triodos"),
    ("ASNB", "ASN Bank"),
    ("SNSB", "SNS"),
    ("RBRB", "RegioBank"),
    ("KNAB", "Knab"),
    ("BUNQ", "bunq"),
];

/// `:86:` subfield codes that mark text as structured (`/TRTP/.../NAME/...`).
const LEAD_CODES: &[&str] = &[
    "TRTP", "IBAN", "NAME", "REMI", "EREF", "CNTP", "MARF", "CSID", "BENM", "ORDP",
];

/// All `:86:` subfield codes a structured text is split on.
const CODES: &[&str] = &[
    "TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "CNTP", "MARF", "CSID", "BENM", "ORDP", "ADDR",
    "ISDT", "PURP", "ULTC", "ULTD", "ULTB", "RTRN", "SVCL", "PREF", "BUSP", "TRCD",
];

/// Labels of free-text `:86:` (ABN AMRO SEPA, Knab) whose value runs up to the next label.
const LABELS: &[&str] = &[
    "IBAN:",
    "BIC:",
    "NAAM:",
    "REK:",
    "OMSCHRIJVING:",
    "KENMERK:",
    "BETALINGSKENM.:",
    "BETALINGSKENMERK:",
    "MACHTIGING:",
    "INCASSANT:",
    "ID DEBITEUR:",
    "ADRES:",
];

/// Banks wrap `:86:` at 65 characters; a shorter line ended where the bank meant a break.
const WRAP: usize = 65;

/// Reads every statement in an MT940 file, handing each `:61:` line (with its `:86:`) to `emit`.
pub fn read(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    read_statements(file, text, Balances::Refuse, emit)
}

/// [`read`], reading statements whose balances do not add up too, each mismatch named in the
/// summary's `unbalanced` (for a user who has no better file than this one).
pub fn read_accepting_unbalanced(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    read_statements(file, text, Balances::Record, emit)
}

/// What a statement whose lines do not add up to its closing balance does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Balances {
    /// Refused: the file is incomplete or damaged.
    Refuse,
    /// Read, and the mismatch recorded.
    Record,
    /// Not checked (tests on samples whose balances were edited by hand).
    #[cfg(test)]
    Ignore,
}

/// [`read`] with a choice of what balances that do not add up do.
fn read_statements(
    file: &str,
    text: &str,
    check_balances: Balances,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let scan = scan(text);
    if !scan
        .fields
        .iter()
        .any(|f| matches!(f.tag, "20" | "60F" | "61" | "62F" | "62M"))
    {
        return Err(BankError::new(
            file,
            "file",
            "this is not an MT940 statement: it has no :20:, :61: or :62F: fields. \
             Export the statement from the bank again as MT940, or import it as CSV or camt.053",
        ));
    }
    let bank = detect_bank(&scan);
    let mut out = Output {
        file,
        abn: bank == Some("ABN AMRO"),
        check_balances,
        emit,
        summary: StatementSummary {
            format: bank.map_or_else(|| "MT940".to_string(), |b| format!("MT940 ({b})")),
            ..StatementSummary::default()
        },
    };
    let mut current: Option<Statement> = None;
    for field in &scan.fields {
        let width = field.value.width + field.more.iter().map(|m| m.width).sum::<usize>();
        if width > crate::values::MAX_FIELD_CHARS {
            return Err(BankError::new(
                file,
                place(field),
                format!(
                    "the field is {width} characters long; a field holds at most {}",
                    crate::values::MAX_FIELD_CHARS
                ),
            ));
        }
        if field.tag == "20" {
            if let Some(done) = current.take() {
                out.close(done)?;
            }
            current = Some(Statement::start(field));
            continue;
        }
        let Some(statement) = current.as_mut() else {
            return Err(BankError::new(
                file,
                place(field),
                format!(
                    "field :{}: comes before the first statement reference :20:; \
                     the file is incomplete or not MT940",
                    field.tag
                ),
            ));
        };
        statement.take(field, &out)?;
    }
    if let Some(done) = current.take() {
        out.close(done)?;
    }
    Ok(out.summary)
}

/// One line of a field: its text and the width of the whole file line it came from.
#[derive(Debug, Clone, Copy)]
struct Text<'a> {
    text: &'a str,
    width: usize,
}

/// A tag with the rest of its line and its continuation lines.
#[derive(Debug)]
struct Field<'a> {
    tag: &'a str,
    line: u64,
    value: Text<'a>,
    more: Vec<Text<'a>>,
}

/// The fields of a file and the lines outside them (SWIFT envelope, bank header lines).
struct Scan<'a> {
    fields: Vec<Field<'a>>,
    headers: Vec<&'a str>,
    rabobank_header: bool,
}

fn scan(text: &str) -> Scan<'_> {
    let lines: Vec<&str> = text.split('\n').map(tidy).collect();
    let mut out = Scan {
        fields: Vec::new(),
        headers: Vec::new(),
        rabobank_header: false,
    };
    let mut open = false;
    for (i, &raw) in lines.iter().enumerate() {
        let mut line = raw;
        if line.trim().is_empty() {
            continue;
        }
        if line.trim_start().starts_with('{') {
            match line.rfind("{4:") {
                Some(p) => {
                    out.headers.push(&line[..p]);
                    line = &line[p + 3..];
                }
                None => {
                    out.headers.push(line);
                    open = false;
                    continue;
                }
            }
            if line.trim().is_empty() {
                open = false;
                continue;
            }
        }
        let trimmed = line.trim();
        if trimmed.starts_with("-}") || (trimmed == "-" && !continues(&lines[i + 1..])) {
            open = false;
            continue;
        }
        if let Some((tag, rest)) = split_tag(line) {
            if tag == "940" {
                out.rabobank_header = true;
                open = false;
                continue;
            }
            out.fields.push(Field {
                tag,
                line: i as u64 + 1,
                value: Text {
                    text: rest,
                    width: trimmed.chars().count(),
                },
                more: Vec::new(),
            });
            open = true;
        } else if let Some(field) = out.fields.last_mut().filter(|_| open) {
            field.more.push(Text {
                text: line,
                width: line.chars().count(),
            });
        } else {
            out.headers.push(line);
        }
    }
    out
}

/// Drops the line end, a byte-order mark and control characters such as DOS end-of-file (^Z).
fn tidy(raw: &str) -> &str {
    raw.trim_matches(|c: char| c == '\u{feff}' || (c.is_control() && c != '\t'))
}

/// A lone `-` ends a message unless the statement goes on after it (then it is text of `:86:`).
fn continues(rest: &[&str]) -> bool {
    rest.iter()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| split_tag(l))
        .is_some_and(|(tag, _)| tag != "20" && tag != "940")
}

fn split_tag(line: &str) -> Option<(&str, &str)> {
    let s = line.trim_start().strip_prefix(':')?;
    let end = s.bytes().take(5).position(|b| b == b':')?;
    let tag = &s[..end];
    TAGS.contains(&tag).then(|| (tag, &s[end + 1..]))
}

fn place(field: &Field<'_>) -> String {
    format!("line {}, field :{}:", field.line, field.tag)
}

fn detect_bank(scan: &Scan<'_>) -> Option<&'static str> {
    let by_bic = |s: &str| {
        BANKS.iter().find(|(code, _)| {
            s.match_indices(code)
                .any(|(i, _)| s[i + code.len()..].starts_with("NL"))
        })
    };
    if let Some((_, name)) = scan.headers.iter().find_map(|h| by_bic(h)) {
        return Some(name);
    }
    for field in scan.fields.iter().filter(|f| f.tag == "25") {
        let raw = field.value.text.trim().to_ascii_uppercase();
        if raw.starts_with("TRIODOS") {
            return Some("Triodos");
        }
        if let Some((_, name)) = by_bic(&raw) {
            return Some(name);
        }
        if let Some(account) = statement_account(&raw).filter(|a| looks_like_iban(a)) {
            if let Some((_, name)) = BANKS
                .iter()
                .find(|(code, _)| account[4..].starts_with(code))
            {
                return Some(name);
            }
        }
    }
    scan.rabobank_header.then_some("Rabobank")
}

/// Where the lines go, and what is counted on the way.
struct Output<'a, 'e> {
    file: &'a str,
    abn: bool,
    check_balances: Balances,
    emit: &'e mut dyn FnMut(BankLine),
    summary: StatementSummary,
}

impl Output<'_, '_> {
    fn error(&self, place: impl Into<String>, message: impl Into<String>) -> BankError {
        BankError::new(self.file, place, message)
    }

    /// Checks a finished statement's balances and hands out its lines.
    fn close(&mut self, mut st: Statement<'_>) -> Result<(), BankError> {
        st.flush(self.abn);
        let here = st.place();
        let Some(opening) = st.opening else {
            return Err(self.error(
                here,
                "the statement has no opening balance (:60F:); the file is incomplete",
            ));
        };
        let Some((closing, closing_field)) = st.closing else {
            return Err(self.error(
                here,
                "the statement has no closing balance (:62F:); the file looks cut off. \
                 Download the statement from the bank again",
            ));
        };
        if closing.currency != opening.currency {
            return Err(self.error(
                here,
                format!(
                    "the closing balance is in {} but the opening balance in {}",
                    closing.currency, opening.currency
                ),
            ));
        }
        let sum = opening
            .amount
            .checked_add(st.total)
            .ok_or_else(|| self.error(here.clone(), "the amounts are too large to add up"))?;
        if sum != closing.amount {
            let credits = st.lines.iter().filter(|l| l.amount > Decimal::ZERO).count();
            let reversals = st.lines.iter().filter(|l| l.reversal).count();
            let mismatch = format!(
                "the lines do not add up: opening {} + lines {} = {} but closing balance \
                 :{}: says {} (line {}); every line was read: {} lines ({credits} credits, {} \
                 debits, {reversals} reversals RC/RD), funds codes skipped, amounts with their \
                 decimal mark",
                dutch(opening.amount),
                dutch(st.total),
                dutch(sum),
                closing_field.tag,
                dutch(closing.amount),
                closing_field.line,
                st.lines.len(),
                st.lines.len() - credits,
            );
            match self.check_balances {
                Balances::Refuse => {
                    return Err(self.error(
                        here,
                        format!(
                            "{mismatch}; the file is incomplete or damaged: download it from the \
                             bank again, or import it anyway with --accept-unbalanced (the \
                             mismatch is recorded in the audit log)"
                        ),
                    ))
                }
                Balances::Record => self.summary.unbalanced.push(format!("{here}: {mismatch}")),
                #[cfg(test)]
                Balances::Ignore => {}
            }
        }
        self.summary.statements += 1;
        self.summary.lines += st.lines.len();
        for line in st.lines {
            (self.emit)(line);
        }
        Ok(())
    }
}

/// An amount as a Dutch bookkeeper writes it in a message: `-75,50`.
fn dutch(amount: Decimal) -> String {
    let mut a = amount;
    if a.scale() < 2 {
        a.rescale(2);
    }
    a.to_string().replace('.', ",")
}

/// An opening or closing balance.
#[derive(Debug, Clone, Copy)]
struct Balance {
    amount: Decimal,
    currency: Currency,
}

/// A statement being read: from its `:20:` up to the next one.
struct Statement<'f> {
    reference: &'f str,
    line: u64,
    account: Option<String>,
    opening: Option<Balance>,
    closing: Option<(Balance, &'f Field<'f>)>,
    pending: Option<Pending<'f>>,
    lines: Vec<BankLine>,
    total: Decimal,
}

/// A `:61:` waiting for its `:86:` fields.
struct Pending<'f> {
    entry: Entry<'f>,
    line: u64,
    currency: Currency,
    info: Vec<&'f Field<'f>>,
}

impl<'f> Statement<'f> {
    fn start(field: &'f Field<'f>) -> Self {
        Statement {
            reference: field.value.text.trim(),
            line: field.line,
            account: None,
            opening: None,
            closing: None,
            pending: None,
            lines: Vec::new(),
            total: Decimal::ZERO,
        }
    }

    fn place(&self) -> String {
        if self.reference.is_empty() {
            format!("statement at line {}", self.line)
        } else {
            format!("statement {} at line {}", self.reference, self.line)
        }
    }

    fn take(&mut self, field: &'f Field<'f>, out: &Output<'_, '_>) -> Result<(), BankError> {
        match field.tag {
            "25" => self.account = statement_account(field.value.text),
            "60F" | "60M" if self.opening.is_none() => {
                self.opening =
                    Some(parse_balance(field.value.text).map_err(|m| out.error(place(field), m))?);
            }
            "61" => {
                self.flush(out.abn);
                let Some(opening) = self.opening else {
                    return Err(out.error(
                        place(field),
                        format!(
                            "statement line before the opening balance (:60F:) of {}",
                            self.place()
                        ),
                    ));
                };
                if let Some((_, closing)) = self.closing {
                    return Err(out.error(
                        place(field),
                        format!(
                            "statement line after the closing balance (line {}) of {} \
                             without a new :20:",
                            closing.line,
                            self.place()
                        ),
                    ));
                }
                let entry = parse_61(field).map_err(|m| out.error(place(field), m))?;
                self.pending = Some(Pending {
                    entry,
                    line: field.line,
                    currency: opening.currency,
                    info: Vec::new(),
                });
            }
            "86" if self.closing.is_none() => {
                if let Some(pending) = self.pending.as_mut() {
                    pending.info.push(field);
                }
            }
            "62F" | "62M" => {
                self.flush(out.abn);
                if self.closing.is_none() {
                    let closing =
                        parse_balance(field.value.text).map_err(|m| out.error(place(field), m))?;
                    self.closing = Some((closing, field));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Turns the waiting `:61:` (with its `:86:`) into a line.
    fn flush(&mut self, abn: bool) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let info = parse_86(&p.info, abn);
        let (hint_account, hint_name) = hints_61(&p.entry);
        let e = p.entry;
        self.total += e.amount;
        self.lines.push(BankLine {
            account: self.account.clone(),
            booking_date: e.entry_date.unwrap_or(e.value_date),
            value_date: Some(e.value_date),
            amount: e.amount,
            currency: p.currency,
            counterparty_name: info.name.or(hint_name),
            counterparty_account: info.account.or(hint_account),
            remittance: info.remittance,
            structured_reference: info.reference,
            end_to_end_id: info.end_to_end,
            bank_reference: Some(e.bank_ref.trim())
                .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("NONREF"))
                .map(str::to_string),
            reversal: e.reversal,
            location: Location::Line(p.line),
        });
    }
}

/// The statement holder's account from `:25:`: without a bank prefix (`INGBNL2A/`), currency
/// suffix (`EUR`), spaces or the dots of an old domestic number.
fn statement_account(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    if let Some((head, tail)) = s.split_once('/') {
        if looks_like_bank_id(head.trim()) {
            s = tail;
        }
    }
    let mut account = clean_account(s)?;
    if let Some(n) = currency_suffix(&account) {
        account.truncate(n);
    }
    if account.contains('.') && account.chars().all(|c| c.is_ascii_digit() || c == '.') {
        account.retain(|c| c != '.');
    }
    Some(account)
}

/// Where a trailing currency code starts (`NL68INGB0000012345EUR`), unless it belongs to a
/// valid IBAN.
fn currency_suffix(account: &str) -> Option<usize> {
    let n = account.len().checked_sub(3)?;
    let (rest, code) = (account.get(..n)?, account.get(n..)?);
    let is_code = code.bytes().all(|b| b.is_ascii_uppercase());
    (is_code && rest.ends_with(|c: char| c.is_ascii_digit()) && Iban::parse(account).is_err())
        .then_some(n)
}

/// A BIC-like bank id before the account in `:25:` (`INGBNL2A`, `TRIODOSBANK`).
fn looks_like_bank_id(s: &str) -> bool {
    matches!(s.len(), 8 | 11)
        && s.bytes().take(6).all(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn parse_balance(value: &str) -> Result<Balance, String> {
    let s = value.trim();
    let bad = |what: &str| format!("{what} in balance '{s}' (expected e.g. C140731EUR436,90)");
    let sign = match s.as_bytes().first() {
        Some(b'C') => Decimal::ONE,
        Some(b'D') => Decimal::NEGATIVE_ONE,
        _ => return Err(bad("no credit/debit mark (C or D)")),
    };
    let date = s.get(1..7).ok_or_else(|| bad("no date"))?;
    yymmdd(date).ok_or_else(|| bad(&format!("'{date}' is not a date (YYMMDD)")))?;
    let code = s.get(7..10).ok_or_else(|| bad("no currency"))?;
    let currency =
        Currency::parse(code).map_err(|_| bad(&format!("'{code}' is not a currency code")))?;
    let amount = s.get(10..).unwrap_or("");
    // Older Rabobank files write balances with a decimal point (`000000000000.00`): with no
    // comma and one point it can mean nothing else, as MT940 has no thousands separator.
    let amount = parse_amount(amount)
        .or_else(|| {
            (!amount.contains(',') && amount.matches('.').count() == 1)
                .then(|| parse_amount(&amount.replace('.', ",")))
                .flatten()
        })
        .ok_or_else(|| bad(&format!("'{amount}' is not an amount with a decimal comma")))?;
    Ok(Balance {
        amount: sign * amount,
        currency,
    })
}

/// An MT940 amount: digits with one decimal comma (`10,5`, `0,`, `000000010000,50`).
fn parse_amount(s: &str) -> Option<Decimal> {
    let (int, frac) = s.split_once(',')?;
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || int.len() + frac.len() > 28 {
        return None;
    }
    let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
    let mut amount = Decimal::try_from_i128_with_scale(mantissa, frac.len() as u32).ok()?;
    // Beyond any real amount: refused as not an amount, so no sum of the file can overflow.
    if !incasso_core::money::within_limit(amount) {
        return None;
    }
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    Some(amount)
}

/// A date as YYMMDD. A day past the end of the month (30 February, which banks do write) is
/// read as the last day of that month.
fn yymmdd(s: &str) -> Option<NaiveDate> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i32 = s[..2].parse().ok()?;
    let year = if yy < 80 { 2000 + yy } else { 1900 + yy };
    month_day(year, &s[2..])
}

/// `MMDD` in `year`, clamping a day past the end of the month.
fn month_day(year: i32, mmdd: &str) -> Option<NaiveDate> {
    let month: u32 = mmdd.get(..2)?.parse().ok()?;
    let day: u32 = mmdd.get(2..4)?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        };
        next?.pred_opt()
    })
}

/// The entry date `MMDD` in the year that puts it closest to the value date (an entry on
/// 29 December for a value date of 1 January is in the year before).
fn entry_date(value: NaiveDate, mmdd: &str) -> Option<NaiveDate> {
    (value.year() - 1..=value.year() + 1)
        .filter_map(|y| month_day(y, mmdd))
        .min_by_key(|d| (*d - value).num_days().abs())
}

/// A parsed `:61:` statement line.
#[derive(Debug)]
struct Entry<'a> {
    value_date: NaiveDate,
    entry_date: Option<NaiveDate>,
    amount: Decimal,
    reversal: bool,
    customer_ref: &'a str,
    bank_ref: &'a str,
    details: Option<&'a str>,
}

fn parse_61<'a>(field: &Field<'a>) -> Result<Entry<'a>, String> {
    let s = field.value.text.trim();
    let b = s.as_bytes();
    let date = s.get(..6).unwrap_or(s);
    let value_date = yymmdd(date).ok_or_else(|| {
        format!("value date '{date}' is not a date (YYMMDD) in statement line '{s}'")
    })?;
    let mut i = 6;
    let entry_date = s
        .get(i..i + 4)
        .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|d| entry_date(value_date, d));
    if entry_date.is_some() {
        i += 4;
    }
    let (sign, reversal, width) = match (b.get(i), b.get(i + 1)) {
        (Some(b'R'), Some(b'C')) => (Decimal::NEGATIVE_ONE, true, 2),
        (Some(b'R'), Some(b'D')) => (Decimal::ONE, true, 2),
        (Some(b'C'), _) => (Decimal::ONE, false, 1),
        (Some(b'D'), _) => (Decimal::NEGATIVE_ONE, false, 1),
        _ => {
            let found = s.get(i..i + 2).unwrap_or(&s[i.min(s.len())..]);
            return Err(format!(
                "'{s}' has no debit/credit mark (C, D, RC or RD) after the date, found '{found}'"
            ));
        }
    };
    i += width;
    if b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        i += 1;
    }
    let end = i + b[i..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b',' || **c == b'.')
        .count();
    if end == i {
        return Err(format!("'{s}' has no amount after the debit/credit mark"));
    }
    let amount = parse_amount(&s[i..end]).ok_or_else(|| {
        format!(
            "amount '{}' in '{s}' is not a number with a decimal comma (e.g. 10,50)",
            &s[i..end]
        )
    })?;
    let reference = s.get(end + 4..).unwrap_or("");
    let (customer_ref, bank_ref) = reference.split_once("//").unwrap_or((reference, ""));
    Ok(Entry {
        value_date,
        entry_date,
        amount: sign * amount,
        reversal,
        customer_ref: customer_ref.trim(),
        bank_ref,
        details: field
            .more
            .first()
            .map(|t| t.text.trim())
            .filter(|t| !t.is_empty()),
    })
}

/// Counterparty hints in `:61:` itself: old Rabobank writes the account and name in the
/// reference (`P002445588      Belastingdienst`), Rabobank, ASN and SNS the account or the name
/// in the supplementary details on the next line.
fn hints_61(e: &Entry<'_>) -> (Option<String>, Option<String>) {
    let mut account = None;
    let mut name = None;
    let mut words = e.customer_ref.split_whitespace();
    if let Some(first) = words.next().filter(|w| looks_like_account(w)) {
        account = Some(first.to_string());
        name = clean_text(&words.collect::<Vec<_>>().join(" "));
    }
    if let Some(details) = e.details.filter(|d| !d.starts_with('/')) {
        if account.is_none() && looks_like_account(details) {
            account = Some(details.to_string());
        } else if account.is_some() && name.is_none() {
            name = clean_text(details);
        }
    }
    (account, name)
}

/// An IBAN, a giro number with its P, or a 9–10 digit bank account number.
fn looks_like_account(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    looks_like_iban(s)
        || s.strip_prefix('P')
            .is_some_and(|r| digits(r) && r.len() <= 10)
        || (digits(s) && matches!(s.len(), 9 | 10))
}

/// Two letters, two digits and 11–30 letters or digits.
fn looks_like_iban(s: &str) -> bool {
    let b = s.as_bytes();
    (15..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// What `:86:` says about the other party and the payment.
#[derive(Debug, Default)]
struct Info {
    account: Option<String>,
    name: Option<String>,
    remittance: Option<String>,
    reference: Option<String>,
    end_to_end: Option<String>,
}

fn parse_86(fields: &[&Field<'_>], abn: bool) -> Info {
    let Some(first) = fields.first() else {
        return Info::default();
    };
    let direct = join(fields, |_, _| false);
    let mut info = if let Some(start) = find_code(&direct, LEAD_CODES) {
        let mut info = parse_structured(&direct[start..]);
        if info.account.is_none() {
            info.account = leading_account(&direct[..start]).0;
        }
        info
    } else if let Some(sep) = subfield_separator(&direct) {
        parse_subfields(direct.trim_start(), sep)
    } else {
        let soft = join(fields, |prev, next| {
            abn || prev.width < WRAP || !glued(prev.text, next)
        });
        parse_free(&soft, first.value.text)
    };
    if info.reference.is_none() {
        info.reference = info.remittance.as_deref().and_then(labelled_kenmerk);
    }
    info
}

/// The `:86:` fields after one `:61:` as one text; `spaced` says whether a line break after a
/// line stands for a space. Separate `:86:` fields (old Rabobank) are always spaced.
fn join(fields: &[&Field<'_>], spaced: impl Fn(Text<'_>, &str) -> bool) -> String {
    let mut s = String::new();
    for (k, field) in fields.iter().enumerate() {
        if k > 0 {
            s.push(' ');
        }
        s.push_str(field.value.text);
        let mut prev = field.value;
        for t in &field.more {
            if spaced(prev, t.text) {
                s.push(' ');
            }
            s.push_str(t.text);
            prev = *t;
        }
    }
    s
}

/// Whether text runs on over a break: letters on both sides, digits on both sides, or
/// punctuation that continues the text before it (`T.P` + `. DEN`).
fn glued(before: &str, after: &str) -> bool {
    match (before.chars().next_back(), after.chars().next()) {
        (Some(a), Some(b)) if !a.is_whitespace() => {
            (a.is_alphabetic() && b.is_alphabetic())
                || (a.is_ascii_digit() && b.is_ascii_digit())
                || matches!(b, '.' | ',' | ':' | ';' | ')' | '-' | '/')
        }
        _ => false,
    }
}

/// The first `/CODE/` of `codes` in `s`.
fn find_code(s: &str, codes: &[&str]) -> Option<usize> {
    s.match_indices('/').map(|(i, _)| i).find(|&i| {
        let rest = &s[i + 1..];
        codes
            .iter()
            .any(|c| rest.starts_with(c) && rest[c.len()..].starts_with('/'))
    })
}

/// Splits `/TRTP/x/NAME/y` into `(TRTP, x)`, `(NAME, y)`.
fn subfields(s: &str) -> Vec<(&str, &str)> {
    let mut marks = Vec::new();
    let mut from = 0;
    while let Some(i) = find_code(&s[from..], CODES).map(|i| i + from) {
        let rest = &s[i + 1..];
        let code = rest.split('/').next().unwrap_or("");
        marks.push((i, code));
        // The next code starts after this one's closing slash (`/NAME/REMI/` names REMI).
        from = i + code.len() + 2;
    }
    marks
        .iter()
        .enumerate()
        .map(|(k, &(i, code))| {
            let end = marks.get(k + 1).map_or(s.len(), |m| m.0);
            (code, s.get(i + code.len() + 2..end).unwrap_or(""))
        })
        .collect()
}

/// ING, ABN AMRO, Rabobank, Knab, Triodos and bunq: `/TRTP/.../IBAN/.../NAME/.../REMI/...`.
fn parse_structured(s: &str) -> Info {
    let mut info = Info::default();
    let mut party = "";
    let mut ultimate_name = None;
    let mut kind = "";
    let mut remi = None;
    for (code, value) in subfields(s) {
        let plain = value.trim().trim_end_matches('/').trim();
        match code {
            "ORDP" | "BENM" | "ULTC" | "ULTD" | "ULTB" => party = code,
            "NAME" if party.starts_with("ULT") => {
                ultimate_name = ultimate_name.or(clean_text(plain))
            }
            "NAME" => info.name = info.name.or(clean_text(plain)),
            "IBAN" => info.account = info.account.or(clean_account(plain)),
            "CNTP" => {
                let mut parts = value.split('/');
                let account = parts.next().and_then(clean_account);
                let _bic = parts.next();
                info.account = info.account.or(account);
                info.name = info.name.or(parts.next().and_then(clean_text));
            }
            "REMI" => remi = Some(value),
            "EREF" => {
                info.end_to_end =
                    clean_text(plain).filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED"));
            }
            "TRTP" => kind = plain,
            _ => {}
        }
    }
    info.name = info.name.or(ultimate_name);
    if let Some(remi) = remi {
        (info.remittance, info.reference) = read_remi(remi);
    }
    if info.reference.is_none() && kind.to_ascii_uppercase().contains("ACCEPTGIRO") {
        let last_word = info
            .remittance
            .as_deref()
            .and_then(|r| r.split_whitespace().last());
        info.reference = info
            .end_to_end
            .as_deref()
            .into_iter()
            .chain(last_word)
            .find(|r| is_kenmerk(r))
            .map(str::to_string);
    }
    info
}

/// The `/REMI/` value as free text or as a structured reference (betalingskenmerk or RF).
fn read_remi(value: &str) -> (Option<String>, Option<String>) {
    let v = value.trim();
    if let Some(text) = v.strip_prefix("USTD//") {
        return (clean_text(text.trim_end().trim_end_matches('/')), None);
    }
    if let Some(rest) = v.strip_prefix("STRD/") {
        let reference = rest.split('/').filter(|p| !p.is_empty()).nth(1);
        return (None, reference.and_then(clean_account));
    }
    if let Some(i) = v.find("CDTRREF/") {
        let reference = v[i + 8..].split('/').next().and_then(clean_account);
        return (None, reference);
    }
    if v.starts_with("ISSUER:") {
        if let Some(i) = v.find("REF:") {
            let reference = v[i + 4..].split_whitespace().next().map(str::to_string);
            return (None, reference);
        }
    }
    let text = v.trim_end_matches('/');
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if is_kenmerk(&compact) || rf_valid(&compact) {
        return (None, Some(compact.to_ascii_uppercase()));
    }
    (clean_text(text), None)
}

/// A 16-digit betalingskenmerk.
fn is_kenmerk(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A betalingskenmerk the text names as such (`BETALINGSKENM.: 1234…`, `SCOR/CUR/1234…`,
/// `kenmerk 1234…`); after a bare "kenmerk" only a full 16 digits count.
fn labelled_kenmerk(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    [("BETALINGSKENM", 7), ("/CUR/", 7), ("KENMERK", 16)]
        .iter()
        .flat_map(|&(label, min)| {
            upper
                .match_indices(label)
                .map(move |(i, _)| (i + label.len(), min))
        })
        .find_map(|(start, min)| {
            let rest = &upper[start..];
            let rest = rest.strip_prefix("ERK").unwrap_or(rest);
            let rest = rest.trim_start_matches([':', '.', ' ']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (min..=16).contains(&digits.len()).then_some(digits)
        })
}

/// German-style subfields `051?00text?20text` (and Triodos' `000>20text`): the separator.
fn subfield_separator(s: &str) -> Option<char> {
    let b = s.trim_start().as_bytes();
    let ok = b.len() >= 6
        && b[..3].iter().all(u8::is_ascii_digit)
        && matches!(b[3], b'?' | b'>')
        && b[4..6].iter().all(u8::is_ascii_digit);
    ok.then(|| b[3] as char)
}

/// Reads `?20`–`?29`/`?60`–`?63` as the description, `?31` as the account and `?32`/`?33` as
/// the name. Subfields hold 27 characters; a full one continues in the next without a space.
fn parse_subfields(s: &str, sep: char) -> Info {
    let mut marks: Vec<(usize, u8)> = Vec::new();
    for (i, _) in s.match_indices(sep) {
        let code = s
            .get(i + 1..i + 3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()));
        if let Some(code) = code.and_then(|c| c.parse().ok()) {
            marks.push((i, code));
        }
    }
    let mut purpose = String::new();
    let mut name = String::new();
    let mut account = None;
    let mut iban_in_purpose = None;
    let mut last_purpose_len = 0;
    let mut last_name_len = 0;
    for (k, &(i, code)) in marks.iter().enumerate() {
        let end = marks.get(k + 1).map_or(s.len(), |m| m.0);
        let value = &s[i + 3..end];
        match code {
            20..=29 | 60..=63 => {
                if iban_in_purpose.is_none() {
                    iban_in_purpose = clean_account(value).filter(|v| looks_like_iban(v));
                }
                push_subfield(&mut purpose, value, last_purpose_len);
                last_purpose_len = value.chars().count();
            }
            31 => account = clean_account(value),
            32 | 33 => {
                push_subfield(&mut name, value, last_name_len);
                last_name_len = value.chars().count();
            }
            _ => {}
        }
    }
    Info {
        account: iban_in_purpose.or(account),
        name: clean_text(&name),
        remittance: clean_text(&purpose),
        ..Info::default()
    }
}

fn push_subfield(to: &mut String, value: &str, previous_len: usize) {
    if !to.is_empty() && (previous_len < 27 || !glued(to, value)) {
        to.push(' ');
    }
    to.push_str(value);
}

/// Unstructured `:86:` (old ABN AMRO, ING, Rabobank; ASN, SNS): all of it as remittance, with
/// the account and name taken from labels (`IBAN:`, `NAAM:`, `REK:`) or the start of the text.
fn parse_free(text: &str, first_line: &str) -> Info {
    let mut info = Info {
        remittance: clean_text(text),
        ..Info::default()
    };
    info.account = label_value(text, "IBAN:")
        .or_else(|| label_value(text, "REK:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| clean_account(v.trim_end_matches(['/', ','])));
    info.name = label_value(text, "NAAM:").and_then(|v| clean_text(v.trim().trim_end_matches('/')));
    if info.account.is_none() {
        let (account, name) = leading_account(first_line);
        info.account = account;
        info.name = info.name.or(name);
    }
    info
}

/// The text after `label` up to the next label, when the label starts a word.
fn label_value<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let start = label_at(text, label)? + label.len();
    let rest = &text[start..];
    let end = LABELS
        .iter()
        .filter_map(|l| label_at(rest, l))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

fn label_at(text: &str, label: &str) -> Option<usize> {
    text.match_indices(label).map(|(i, _)| i).find(|&i| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '/' | ','))
    })
}

/// An account at the start of free text: `GIRO 428428 NAME`, `52.89.39.882 NAME`, an IBAN or a
/// plain bank account number. The name is taken only after a giro or dotted number, up to a
/// double space.
fn leading_account(line: &str) -> (Option<String>, Option<String>) {
    let t = line.trim_start();
    if let Some(rest) = t
        .strip_prefix("GIRO")
        .filter(|r| r.starts_with(char::is_whitespace))
    {
        let rest = rest.trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            let name = name_until_gap(&rest[digits.len()..]);
            return (Some(digits), name);
        }
    }
    let Some(first) = t.split_whitespace().next() else {
        return (None, None);
    };
    if looks_like_iban(first) {
        return (Some(first.to_string()), None);
    }
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_dots = first.chars().all(|c| c.is_ascii_digit() || c == '.');
    if only_digits_and_dots && matches!(digits.len(), 9 | 10) {
        let name = first
            .contains('.')
            .then(|| name_until_gap(&t[first.len()..]))
            .flatten();
        return (Some(digits), name);
    }
    (None, None)
}

fn name_until_gap(s: &str) -> Option<String> {
    let s = s.trim_start();
    clean_text(s.split("  ").next().unwrap_or(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn eur(cents: i64) -> Decimal {
        Decimal::new(cents, 2)
    }

    fn corpus_dir() -> Option<PathBuf> {
        crate::corpus_dir("bank/mt940")
    }

    /// Reads a corpus file; `checked: false` skips the balance check (for facts of samples
    /// whose balances were edited upstream).
    fn corpus(
        dir: &std::path::Path,
        name: &str,
        checked: bool,
    ) -> (Result<StatementSummary, BankError>, Vec<BankLine>) {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = Vec::new();
        let mode = if checked {
            Balances::Refuse
        } else {
            Balances::Ignore
        };
        let result = read_statements(name, &text, mode, &mut |l| lines.push(l));
        (result, lines)
    }

    fn inline(text: &str) -> (Result<StatementSummary, BankError>, Vec<BankLine>) {
        let mut lines = Vec::new();
        let result = read("test.sta", text, &mut |l| lines.push(l));
        (result, lines)
    }

    enum Outcome {
        /// Statements and lines read.
        Read(usize, usize),
        /// Refused: the place and a part of the message.
        Refused(&'static str, &'static str),
    }
    use Outcome::{Read, Refused};

    /// Every corpus file with what reading it gives. The refused files are upstream test
    /// samples whose balances were edited by hand (or that were cut short); the sums are
    /// checked by hand.
    const OUTCOMES: &[(&str, Outcome)] = &[
        (
            "abnamro-legacy.sta",
            Refused(
                "statement ABN AMRO BANK NV at line 4",
                "opening 3236,28 + lines -321,44 = 2914,84 but closing balance :62F: says 876,84",
            ),
        ),
        (
            "abnamro-sepa-acceptgiro.sta",
            Refused(
                "statement ABN AMRO BANK NV at line 4",
                "opening 10000,00 + lines 10,50 = 10010,50 but closing balance :62F: says 10010,00",
            ),
        ),
        (
            "abnamro-sepa-belastingdienst.sta",
            Refused(
                "statement ABN AMRO BANK NV at line 4",
                "opening 10000,00 + lines -650,00 = 9350,00 but closing balance :62F: says 95350,00",
            ),
        ),
        (
            "abnamro-sepa-ideal.sta",
            Refused(
                "statement ABN AMRO BANK NV at line 4",
                "opening 10000,00 + lines 10,50 = 10010,50 but closing balance :62F: says 10010,00",
            ),
        ),
        (
            "abnamro-structured.sta",
            Refused(
                "statement ABN AMRO BANK NV at line 4",
                "opening 10000,90 + lines -25,10 = 9975,80 but closing balance :62F: says 9980,90",
            ),
        ),
        ("asn.sta", Read(7, 3)),
        ("betterplace-binary-char.sta", Read(2, 4)),
        (
            "betterplace-missing-crlf-at-end.sta",
            Refused(
                "line 1, field :62F:",
                "before the first statement reference :20:",
            ),
        ),
        ("bunq.sta", Read(1, 111)),
        ("ing-00-00.sta", Read(1, 1)),
        ("ing-cntp-no-description.sta", Read(1, 1)),
        (
            "ing-dos-crlf.sta",
            Refused(
                "statement MPBZ at line 4",
                "opening 0,00 + lines -45,59 = -45,59 but closing balance :62F: says 3,47",
            ),
        ),
        ("ing-eu-incasso-spaces.sta", Read(1, 1)),
        ("ing-eu-incasso.sta", Read(1, 1)),
        (
            "ing-fruitl00p.sta",
            Refused(
                "statement MPBZ at line 4",
                "opening 0,00 + lines 7,15 = 7,15 but closing balance :62F: says 3,47",
            ),
        ),
        ("ing-iban.sta", Read(1, 21)),
        (
            "ing-structured.sta",
            Refused(
                "statement MPBZ at line 4",
                "opening 500,00 + lines -6816,00 = -6316,00 but closing balance :62F: says 400,00",
            ),
        ),
        ("ing-unstructured-remi.sta", Read(1, 2)),
        ("knab-empty.sta", Read(1, 0)),
        ("knab-sepa-acceptgiro.sta", Read(1, 1)),
        ("knab-two-blocks.sta", Read(2, 3)),
        ("knab-year-boundary.sta", Read(1, 1)),
        (
            "oca-sns.940",
            Refused(
                "statement 0000000000 at line 60",
                "no closing balance (:62F:)",
            ),
        ),
        ("rabobank-dash-line-start.sta", Read(1, 1)),
        ("rabobank-debit-opening-balance.sta", Read(1, 0)),
        ("rabobank-dutch-tax.sta", Read(1, 1)),
        ("rabobank-iban-jejik.sta", Read(2, 4)),
        ("rabobank-linebreak-in-remi.sta", Read(1, 1)),
        (
            "rabobank-structured-multiline.sta",
            Refused(
                "statement 940S130403 at line 2",
                "opening 5000,00 + lines -100,01 = 4899,99 but closing balance :62F: says 5100,00",
            ),
        ),
        ("sns.sta", Read(16, 4)),
        ("triodos-iban.sta", Read(1, 4)),
        (
            "triodos-multiline.sta",
            Refused(
                "statement 1605781242822/1 at line 1",
                "opening 4665,47 + lines -122,28 = 4543,19 but closing balance :62F: says 3987,01",
            ),
        ),
        ("two-accounts.sta", Read(4, 3)),
        ("wolph-february-30.sta", Read(1, 1)),
        (
            "wolph-whitespace.sta",
            Refused(
                "statement STARTUMS at line 1",
                "opening 12345,12 + lines -233,15 = 12111,97 but closing balance :62F: says 12345,98",
            ),
        ),
    ];

    #[test]
    fn every_corpus_file_reads_or_names_the_place() {
        let Some(dir) = corpus_dir() else { return };
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no files in {}", dir.display());
        for name in &names {
            let (result, lines) = corpus(&dir, name, true);
            let outcome = OUTCOMES.iter().find(|(n, _)| n == name).map(|(_, o)| o);
            match (outcome, result) {
                (Some(Read(statements, count)), Ok(summary)) => {
                    assert_eq!(
                        (summary.statements, summary.lines),
                        (*statements, *count),
                        "{name}"
                    );
                    assert_eq!(lines.len(), *count, "{name}");
                }
                (Some(Refused(place, message)), Err(e)) => {
                    assert_eq!(e.place, *place, "{name}");
                    assert!(e.message.contains(message), "{name}: {}", e.message);
                }
                (None, Ok(summary)) => assert_eq!(summary.lines, lines.len(), "{name}"),
                (None, Err(e)) => {
                    assert!(
                        e.place.starts_with("line ") || e.place.starts_with("statement "),
                        "{name}: {e}"
                    )
                }
                (Some(_), result) => panic!("{name}: unexpected {result:?}"),
            }
            for line in &lines {
                assert_eq!(line.currency, Currency::EUR, "{name}");
                assert!(
                    matches!(line.location, Location::Line(n) if n > 0),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn abn_amro_acceptgiro_has_the_betalingskenmerk() {
        let Some(dir) = corpus_dir() else { return };
        let (_, lines) = corpus(&dir, "abnamro-sepa-acceptgiro.sta", false);
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l.amount, eur(1050));
        assert_eq!(l.currency, Currency::EUR);
        assert_eq!(l.account.as_deref(), Some("555555555"));
        assert_eq!(l.booking_date, d(2015, 1, 20));
        assert_eq!(l.structured_reference.as_deref(), Some("4420043232693268"));
        assert_eq!(
            l.counterparty_account.as_deref(),
            Some("NL86INGB0002445588")
        );
        assert_eq!(l.counterparty_name.as_deref(), Some("BELASTINGDIENST"));
        assert_eq!(l.end_to_end_id, None, "NOTPROVIDED is no id");
        assert_eq!(l.remittance, None);
        assert_eq!(l.location, Location::Line(8));
    }

    #[test]
    fn abn_amro_legacy_giro_and_sepa_text() {
        let Some(dir) = corpus_dir() else { return };
        let (_, lines) = corpus(&dir, "abnamro-legacy.sta", false);
        assert_eq!(lines[0].amount, eur(-900));
        assert_eq!(lines[0].counterparty_account.as_deref(), Some("428428"));
        assert_eq!(
            lines[0].counterparty_name.as_deref(),
            Some("KPN - DIGITENNE")
        );
        assert_eq!(lines[1].booking_date, d(2011, 5, 23));
        assert_eq!(lines[1].value_date, Some(d(2011, 5, 21)));
        assert_eq!(lines[9].counterparty_account.as_deref(), Some("528939882"));

        let (_, lines) = corpus(&dir, "abnamro-sepa-belastingdienst.sta", false);
        let l = &lines[1];
        assert_eq!(
            l.counterparty_account.as_deref(),
            Some("NL86INGB0002445588")
        );
        assert_eq!(
            l.counterparty_name.as_deref(),
            Some("BELASTINGDIENST APELDOORN")
        );
        assert_eq!(l.structured_reference.as_deref(), Some("1234123412345678"));
    }

    #[test]
    fn ing_iban_statement() {
        let Some(dir) = corpus_dir() else { return };
        let (result, lines) = corpus(&dir, "ing-iban.sta", true);
        assert_eq!(result.unwrap().format, "MT940 (ING)");
        let total: Decimal = lines.iter().map(|l| l.amount).sum();
        assert_eq!(total, eur(24645 - 43690));
        let first = &lines[0];
        assert_eq!(first.account.as_deref(), Some("NL68INGB0000012345"));
        assert_eq!(first.amount, eur(-19236));
        assert_eq!(first.booking_date, d(2014, 8, 25));
        assert_eq!(
            first.counterparty_account.as_deref(),
            Some("NL57ABNA0876543211")
        );
        assert_eq!(first.counterparty_name.as_deref(), Some("B Bert"));
        assert_eq!(first.remittance.as_deref(), Some("22-08-2014 Omschrijving"));
        assert_eq!(first.bank_reference.as_deref(), Some("14237654096217"));
        assert_eq!(first.location, Location::Line(8));
        let savings = &lines[7];
        assert_eq!(savings.amount, eur(10000));
        assert_eq!(savings.counterparty_account.as_deref(), Some("0007654332"));
        assert_eq!(
            savings.remittance.as_deref(),
            Some("VAN Zkl Kwartaal Spaarrekening")
        );
        let kpn = &lines[8];
        assert_eq!(kpn.counterparty_name.as_deref(), Some("KPN - MOBIEL"));
        assert_eq!(kpn.end_to_end_id.as_deref(), Some("02164810730000043"));
        let tax = &lines[11];
        assert_eq!(tax.amount, eur(-524100));
        assert_eq!(tax.counterparty_name.as_deref(), Some("BELASTINGDIENST"));
        assert_eq!(tax.remittance, None);
    }

    #[test]
    fn knab_acceptgiro_year_boundary_and_empty() {
        let Some(dir) = corpus_dir() else { return };
        let (_, lines) = corpus(&dir, "knab-sepa-acceptgiro.sta", true);
        let l = &lines[0];
        assert_eq!(l.amount, eur(-1000));
        assert_eq!(l.structured_reference.as_deref(), Some("6767676767676766"));
        assert_eq!(
            l.counterparty_account.as_deref(),
            Some("NL86INGB0002445588")
        );
        assert_eq!(l.counterparty_name.as_deref(), Some("BELASTINGDIENST"));
        assert_eq!(
            l.remittance.as_deref(),
            Some("AANGIFTE LOONHEFFINGEN APRIL 1234 5678 1234 5678 6767676767676766")
        );
        assert_eq!(l.bank_reference.as_deref(), Some("ASFKJASDFKJASDFD"));

        let (_, lines) = corpus(&dir, "knab-year-boundary.sta", true);
        let l = &lines[0];
        assert_eq!(l.account.as_deref(), Some("NL92KNAB0123456789"));
        assert_eq!(l.value_date, Some(d(2014, 1, 1)));
        assert_eq!(l.booking_date, d(2013, 12, 29));
        assert_eq!(l.amount, eur(100000));
        assert_eq!(
            l.counterparty_account.as_deref(),
            Some("NL26ABNA0999999999")
        );
        assert_eq!(l.counterparty_name.as_deref(), Some("BEDRIJF VOF"));

        let (result, lines) = corpus(&dir, "knab-empty.sta", true);
        let summary = result.unwrap();
        assert_eq!(
            (summary.format.as_str(), summary.statements, summary.lines),
            ("MT940 (Knab)", 1, 0)
        );
        assert!(lines.is_empty());
    }

    #[test]
    fn rabobank_wrapped_remi_dash_lines_and_tax() {
        let Some(dir) = corpus_dir() else { return };
        let (_, lines) = corpus(&dir, "rabobank-linebreak-in-remi.sta", true);
        let l = &lines[0];
        assert_eq!(l.account.as_deref(), Some("NL84RABO01212121212"));
        assert_eq!(l.amount, eur(100000));
        assert_eq!(l.counterparty_account.as_deref(), Some("NL55RABO044444444"));
        assert_eq!(
            l.counterparty_name.as_deref(),
            Some("AAAAAA RRRRRRRRRRRBBBBB DFDFDFDFDFDFDF CCC")
        );
        assert_eq!(
            l.remittance.as_deref(),
            Some("BETALINGSKENM.: 342157/DEC- 16, ONZE REF.: 12345678, TOELICHTINB: Gruitjes")
        );
        assert_eq!(
            l.end_to_end_id.as_deref(),
            Some("REF17/22/4444 555555/DEC- 16")
        );
        assert_eq!(
            l.structured_reference, None,
            "a 6-digit number is no betalingskenmerk"
        );

        let (result, lines) = corpus(&dir, "rabobank-dash-line-start.sta", true);
        assert_eq!(result.unwrap().format, "MT940 (Rabobank)");
        let l = &lines[0];
        assert_eq!(l.amount, eur(100000));
        assert_eq!(
            l.counterparty_name.as_deref(),
            Some("Delta Lloyd Zorgverzekeringen")
        );
        assert_eq!(l.end_to_end_id.as_deref(), Some("3434343434343"));
        assert_eq!(l.structured_reference.as_deref(), Some("4082412175836145"));
        assert!(l.remittance.as_deref().unwrap().starts_with(
            "kenmerk 4082412175836145 Rel.nr. 8888888900 Periode 01-01-2018/31-01-2018"
        ));

        let (_, lines) = corpus(&dir, "rabobank-dutch-tax.sta", true);
        assert_eq!(
            lines[0].structured_reference.as_deref(),
            Some("1234567899874563")
        );
        assert_eq!(
            lines[0].counterparty_account.as_deref(),
            Some("NL86INGB0002445588")
        );
        assert_eq!(
            lines[0].counterparty_name.as_deref(),
            Some("Belastingdienst")
        );
        assert_eq!(lines[0].remittance, None);
    }

    #[test]
    fn two_accounts_and_february_30() {
        let Some(dir) = corpus_dir() else { return };
        let (_, lines) = corpus(&dir, "two-accounts.sta", true);
        let accounts: BTreeSet<_> = lines.iter().filter_map(|l| l.account.as_deref()).collect();
        assert_eq!(accounts, BTreeSet::from(["132576155", "156750961"]));
        assert_eq!(lines[0].amount, eur(-609875));
        assert_eq!(lines[0].counterparty_account.as_deref(), Some("P002445588"));
        assert_eq!(
            lines[0].counterparty_name.as_deref(),
            Some("Belastingdienst Apeldoor")
        );
        assert_eq!(
            lines[0].structured_reference.as_deref(),
            Some("0189827218201120")
        );
        assert_eq!(
            lines[1].remittance.as_deref(),
            Some("BETALINGSKENM. 3010675705 GOOGLE GOOG6291713437 1402786401")
        );
        assert_eq!(lines[2].account.as_deref(), Some("132576155"));
        assert_eq!(lines[2].amount, eur(25000));

        let (_, lines) = corpus(&dir, "wolph-february-30.sta", true);
        let l = &lines[0];
        assert_eq!(l.value_date, Some(d(2016, 2, 29)));
        assert_eq!(l.booking_date, d(2016, 3, 1));
        assert_eq!(l.amount, eur(-600));
        assert!(!l.reversal, "DR is a debit with funds code R");
    }

    #[test]
    fn wrong_closing_balance_names_statement_and_figures() {
        let text = ":20:TEST1\n:25:NL68INGB0000012345\n:28C:1\n:60F:C240101EUR436,90\n\
                    :61:2401020102D500,00NTRFNONREF\n:86:/REMI/USTD//huur/\n\
                    :61:2401020102D12,44NTRFNONREF\n:62F:D240102EUR75,55\n-";
        let (result, lines) = inline(text);
        let e = result.unwrap_err();
        assert_eq!(e.file, "test.sta");
        assert_eq!(e.place, "statement TEST1 at line 1");
        assert!(
            e.message.contains(
                "opening 436,90 + lines -512,44 = -75,54 but closing balance :62F: says -75,55 \
                 (line 8)"
            ),
            "{}",
            e.message
        );
        assert!(
            lines.is_empty(),
            "nothing of an unbalanced statement is handed out"
        );
    }

    #[test]
    fn broken_statement_line_names_line_and_value() {
        let head = ":20:X\n:25:NL68INGB0000012345\n:60F:C240101EUR0,00\n";
        let (result, _) = inline(&format!(
            "{head}:61:2413320102C10,00NTRFNONREF\n:62F:C240102EUR10,00\n"
        ));
        let e = result.unwrap_err();
        assert_eq!(e.place, "line 4, field :61:");
        assert!(e.message.contains("value date '241332'"), "{}", e.message);

        let (result, _) = inline(&format!(
            "{head}:61:2401020102CNTRFNONREF\n:62F:C240102EUR10,00\n"
        ));
        let e = result.unwrap_err();
        assert_eq!(e.place, "line 4, field :61:");
        assert!(e.message.contains("no amount"), "{}", e.message);

        let (result, _) = inline(&format!(
            "{head}:61:240102X10,00NTRFNONREF\n:62F:C240102EUR10,00\n"
        ));
        let e = result.unwrap_err();
        assert_eq!(e.place, "line 4, field :61:");
        assert!(
            e.message.contains("debit/credit mark") && e.message.contains("'X1'"),
            "{}",
            e.message
        );

        let (result, _) = inline(&format!(
            "{head}:61:240102C10.00NTRFNONREF\n:62F:C240102EUR10,00\n"
        ));
        let e = result.unwrap_err();
        assert!(e.message.contains("amount '10.00'"), "{}", e.message);
    }

    #[test]
    fn not_mt940() {
        let (result, _) = inline("Datum;Naam;Bedrag\n20240101;Jansen;10,00\n");
        let e = result.unwrap_err();
        assert_eq!(e.place, "file");
        assert!(e.message.contains("not an MT940"), "{}", e.message);
        assert!(inline("").0.is_err());
    }

    #[test]
    fn reversals_envelope_dash_lines_and_whitespace() {
        let text = [
            "{1:F01INGBNL2AXXXX0000000000}{2:O940INGBNL2AXXXXN}{4:",
            "  :20:REV  ",
            ":25:INGBNL2A/NL68INGB0000012345",
            ":60F:C240101EUR100,",
            ":61:2401020102RC10,00NTRFNONREF//B1",
            ":61:2401020102RD5,NTRFEREF//NONREF",
            ":86:/EREF/E-1//REMI/USTD//Factuur\u{a0}2024-001\ten",
            "-2024-002/",
            ":61:2312310101CE1,5NTRFNONREF",
            ":62F:C240102EUR96,50",
            "-}",
            "{1:F01INGBNL2AXXXX0000000000}{2:O940INGBNL2AXXXXN}{4:",
            ":20:EMPTY",
            ":25:NL68INGB0000012345EUR",
            ":60F:C240102EUR96,50",
            ":62F:C240103EUR96,50",
            "-",
        ]
        .join("\r\n");
        let (result, lines) = inline(&text);
        let summary = result.unwrap();
        assert_eq!(
            (summary.format.as_str(), summary.statements, summary.lines),
            ("MT940 (ING)", 2, 3)
        );
        let amounts: Vec<_> = lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, [eur(-1000), eur(500), eur(150)]);
        assert_eq!(
            lines.iter().map(|l| l.reversal).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(lines[0].bank_reference.as_deref(), Some("B1"));
        assert_eq!(lines[1].bank_reference, None);
        assert_eq!(lines[1].end_to_end_id.as_deref(), Some("E-1"));
        assert_eq!(
            lines[1].remittance.as_deref(),
            Some("Factuur 2024-001 en-2024-002")
        );
        assert_eq!(lines[2].value_date, Some(d(2023, 12, 31)));
        assert_eq!(lines[2].booking_date, d(2024, 1, 1));
        assert!(lines
            .iter()
            .all(|l| l.account.as_deref() == Some("NL68INGB0000012345")));
        assert_eq!(lines[2].location, Location::Line(9));
    }

    /// Older Rabobank MT940 writes its balances with a decimal point.
    #[test]
    fn balances_with_a_decimal_point() {
        let b = parse_balance("C030106EUR000000000000.00").unwrap();
        assert_eq!(b.amount, Decimal::ZERO);
        assert_eq!(
            parse_balance("D030106EUR000000001234.5").unwrap().amount,
            Decimal::new(-12345, 1)
        );
        assert!(
            parse_balance("C030106EUR1.234.56").is_err(),
            "two points are ambiguous"
        );
        let text = ":20:940S030106\n:25:0123456789\n:28C:1\n:60F:C030106EUR000000000000.00\n\
                    :61:030106C000000000100,00N122NONREF\n:86:0987654321 J. JANSEN\n\
                    :62F:C030106EUR000000000100.00\n";
        let (result, lines) = inline(text);
        assert_eq!(result.unwrap().lines, 1);
        assert_eq!(lines[0].amount, Decimal::new(10000, 2));
    }

    /// A statement that does not add up is refused, naming what was checked; the user who has no
    /// better file reads it anyway and the mismatch is kept.
    #[test]
    fn unbalanced_is_refused_or_recorded() {
        let text = ":20:S1\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C240101EUR100,00\n\
                    :61:240102CF10,00NTRFNONREF\n:61:240102DF2,50NTRFNONREF\n\
                    :61:240102RC1,00NTRFNONREF\n:62F:C240102EUR200,00\n";
        let (result, _) = inline(text);
        let e = result.unwrap_err();
        assert!(
            e.message
                .contains("every line was read: 3 lines (1 credits, 2 debits, 1 reversals RC/RD)")
                && e.message.contains("--accept-unbalanced"),
            "{}",
            e.message
        );
        let mut lines = Vec::new();
        let s = read_accepting_unbalanced("t.sta", text, &mut |l| lines.push(l)).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(s.unbalanced.len(), 1);
        assert!(
            s.unbalanced[0].contains("opening 100,00 + lines 6,50 = 106,50"),
            "{:?}",
            s.unbalanced
        );
    }

    #[test]
    fn amounts_accounts_and_references() {
        assert_eq!(parse_amount("10,5"), Some(eur(1050)));
        assert_eq!(parse_amount("0,"), Some(Decimal::ZERO));
        assert_eq!(parse_amount("000000010000,50"), Some(eur(1000050)));
        assert_eq!(parse_amount("0,001"), Some(Decimal::new(1, 3)));
        for bad in ["10.50", ",5", "10", "1,2,3", "", "1 0,00"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(dutch(eur(-7554)), "-75,54");
        assert_eq!(dutch(Decimal::new(4369, 1)), "436,90");

        let cases = [
            ("NL68INGB0000012345EUR", "NL68INGB0000012345"),
            ("NL10BUNQ2290325473 EUR", "NL10BUNQ2290325473"),
            ("INGBNL2A/NL68INGB0000012345", "NL68INGB0000012345"),
            ("NL92 KNAB 0123 4567 89", "NL92KNAB0123456789"),
            ("1291.99.348EUR", "129199348"),
            ("TRIODOSBANK/1234567890", "1234567890"),
            ("555555555", "555555555"),
            ("51230800/0000007055", "51230800/0000007055"),
        ];
        for (raw, account) in cases {
            assert_eq!(statement_account(raw).as_deref(), Some(account), "{raw}");
        }
        assert_eq!(currency_suffix("NL91ABNA0417164300"), None);
        assert_eq!(currency_suffix("0417164300EUR"), Some(10));
        assert!(rf_valid("RF18539007547034"));
        assert_eq!(
            read_remi("STRD/CUR/1234567890123456/"),
            (None, Some("1234567890123456".into()))
        );
        assert_eq!(
            read_remi("RF18 5390 0754 7034"),
            (None, Some("RF18539007547034".into()))
        );
        assert_eq!(
            read_remi("USTD//Factuur 12/"),
            (Some("Factuur 12".into()), None)
        );
        assert_eq!(yymmdd("160230"), Some(d(2016, 2, 29)));
        assert_eq!(yymmdd("161301"), None);
    }
}
