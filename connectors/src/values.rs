//! Parsing amounts and dates as bookkeeping exports write them, exactly and strictly.
//!
//! Shared by every text-based connector. Detection (which decimal mark, which date order) is
//! decided elsewhere from many values; here one value is parsed under a decided convention.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The character that separates whole units from cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecimalMark {
    /// `1.234,56` (Dutch, German, Belgian exports).
    #[serde(rename = ",")]
    Comma,
    /// `1,234.56` (English exports, ISO formats).
    #[serde(rename = ".")]
    Point,
}

impl DecimalMark {
    pub(crate) fn chars(self) -> (u8, u8) {
        match self {
            DecimalMark::Comma => (b',', b'.'),
            DecimalMark::Point => (b'.', b','),
        }
    }
}

impl fmt::Display for DecimalMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecimalMark::Comma => "decimal comma",
            DecimalMark::Point => "decimal point",
        })
    }
}

/// What one amount says about the file's decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkEvidence {
    /// No separator at all: fits any mark.
    None,
    /// Only this mark can read it.
    Only(DecimalMark),
    /// One separator followed by exactly three digits (`1.000`): thousands or decimals.
    Ambiguous,
}

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a number in any accepted shape.
    #[error("not an amount (expected e.g. 1.234,56 or -12,50 or 12,50-)")]
    Malformed,
    /// `1.000` alone: a thousands separator or three decimals.
    #[error("ambiguous: could be thousands or decimals; set decimal_mark in a profile")]
    Ambiguous,
    /// Fits the other decimal mark than the file uses.
    #[error("does not use the file's {0}")]
    WrongMark(DecimalMark),
    /// Larger than any real amount: damaged data, or a number that is no amount.
    #[error(
        "is beyond the largest amount incasso accepts ({}); the value is damaged or not an amount",
        incasso_core::money::MAX_AMOUNT
    )]
    TooLarge,
}

/// Classifies an amount's separators, for detection.
pub fn mark_evidence(raw: &str) -> MarkEvidence {
    let s = raw.as_bytes();
    let commas = s.iter().filter(|&&c| c == b',').count();
    let points = s.iter().filter(|&&c| c == b'.').count();
    match (commas, points) {
        (0, 0) => MarkEvidence::None,
        (c, p) if c > 0 && p > 0 => {
            let last_comma = raw.rfind(',').unwrap_or(0);
            let last_point = raw.rfind('.').unwrap_or(0);
            MarkEvidence::Only(if last_comma > last_point {
                DecimalMark::Comma
            } else {
                DecimalMark::Point
            })
        }
        (c, 0) => single_sep_evidence(raw, ',', c, DecimalMark::Comma, DecimalMark::Point),
        (0, p) => single_sep_evidence(raw, '.', p, DecimalMark::Point, DecimalMark::Comma),
        _ => MarkEvidence::None,
    }
}

fn single_sep_evidence(
    raw: &str,
    sep: char,
    count: usize,
    as_mark: DecimalMark,
    as_thousands: DecimalMark,
) -> MarkEvidence {
    if count > 1 {
        return MarkEvidence::Only(as_thousands);
    }
    let after = raw.rsplit(sep).next().unwrap_or("");
    let digits_after = after.bytes().take_while(u8::is_ascii_digit).count();
    let before = raw.split(sep).next().unwrap_or("");
    let digits_before = before.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits_after == 3
        && (1..=3).contains(&digits_before)
        && before.trim_start_matches(['-', '+', '(', ' ', '€']).len() == digits_before
    {
        MarkEvidence::Ambiguous
    } else {
        MarkEvidence::Only(as_mark)
    }
}

/// Parses an amount under a decimal mark (`None`: not decided yet, only unambiguous values pass).
///
/// Accepts a leading or trailing minus (`-12,50`, `12,50-`), parentheses for negatives, a plus,
/// thousands separators in groups of three, and a currency sign or code around the number.
pub fn parse_amount(raw: &str, mark: Option<DecimalMark>) -> Result<Decimal, AmountError> {
    let s = raw.trim();
    // Most amounts are bare numbers: begun and ended by a digit, they carry no currency, sign
    // or brackets to take off.
    let b = s.as_bytes();
    let bare = |b: &[u8]| {
        b.first().is_some_and(u8::is_ascii_digit)
            && b.last().is_some_and(u8::is_ascii_digit)
            && !b.contains(&b' ')
            && b.is_ascii()
    };
    if bare(b) {
        return number(s, mark, false);
    }
    // A bank's signed amount (`+213,02`, `-12,50`) the same way.
    if let Some((&sign @ (b'+' | b'-'), rest)) = b.split_first() {
        if bare(rest) {
            return number(&s[1..], mark, sign == b'-');
        }
    }
    let spelled = respell(s);
    let mut s = spelled.as_str();
    let mut negative = false;
    // A bookkeeper's credit mark: `96,00 CR` is owed to the debtor, `96,00 DR` by them.
    let upper_tail = s
        .get(s.len().saturating_sub(2)..)
        .map(str::to_ascii_uppercase);
    if let Some(t) = upper_tail.filter(|t| t == "CR" || t == "DR") {
        let head = s[..s.len() - 2].trim_end();
        if head
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_digit() || b == b')')
        {
            negative = t == "CR";
            s = head;
        }
    }
    // A sign, brackets and a currency, in any order around the number: each at most once.
    let (mut signed, mut bracketed) = (false, false);
    for _ in 0..3 {
        for sym in ["EUR", "€", "USD", "$", "GBP", "£"] {
            s = s.strip_prefix(sym).unwrap_or(s).trim_start();
            s = s.strip_suffix(sym).unwrap_or(s).trim_end();
        }
        if !bracketed {
            if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
                bracketed = true;
                negative = !negative;
                s = inner.trim();
                continue;
            }
        }
        if !signed {
            if let Some(r) = s.strip_prefix('-') {
                signed = true;
                negative = !negative;
                s = r.trim_start();
                continue;
            } else if let Some(r) = s.strip_suffix('-') {
                signed = true;
                negative = !negative;
                s = r.trim_end();
                continue;
            } else if let Some(r) = s.strip_prefix('+') {
                signed = true;
                s = r.trim_start();
                continue;
            }
        }
    }
    if s.is_empty() {
        return Err(AmountError::Malformed);
    }
    number(s, mark, negative)
}

/// An amount's text as [`parse_amount`] reads it: the minus sign U+2212 as `-`, spaces (also
/// no-break ones) between digit groups of three taken out (`1 500,00`), and a whole amount's
/// `,-` or `.-` (`25,-`) taken off.
fn respell(s: &str) -> String {
    let s = s.replace('\u{2212}', "-");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let space = matches!(c, ' ' | '\u{a0}' | '\u{202f}');
        let grouped = space
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.len() >= i + 4
            && chars[i + 1..i + 4].iter().all(char::is_ascii_digit)
            && chars.get(i + 4).is_none_or(|n| !n.is_ascii_digit());
        if grouped {
            continue;
        }
        out.push(if space { ' ' } else { c });
    }
    let whole = out
        .strip_suffix(",-")
        .or_else(|| out.strip_suffix(".-"))
        .filter(|h| h.bytes().last().is_some_and(|b| b.is_ascii_digit()));
    match whole {
        Some(h) => h.to_string(),
        None => out,
    }
}

/// The currency an amount's cell writes beside its number (`€ 12,50`, `USD 1.500,00`,
/// `£ 100`), as [`parse_amount`] takes it off: `"$"` for a dollar sign, which several
/// currencies write.
pub fn currency_written(raw: &str) -> Option<&'static str> {
    let s = raw.trim();
    let b = s.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) && b.last().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let s = s
        .trim_start_matches(['(', '-', '+', ' '])
        .trim_end_matches([')', '-', ' ']);
    [
        ("EUR", "EUR"),
        ("€", "EUR"),
        ("USD", "USD"),
        ("$", "$"),
        ("GBP", "GBP"),
        ("£", "GBP"),
    ]
    .into_iter()
    .find(|(sym, _)| s.starts_with(sym) || s.ends_with(sym))
    .map(|(_, code)| code)
}

/// Whether a currency an amount's cell writes ([`currency_written`]) is `currency`.
pub fn written_currency_is(written: &str, currency: incasso_core::money::Currency) -> bool {
    let code = currency.to_string();
    match written {
        // The dollars: US, Canadian, Australian, New Zealand, Hong Kong, Singapore.
        "$" => matches!(code.as_str(), "USD" | "CAD" | "AUD" | "NZD" | "HKD" | "SGD"),
        w => w == code,
    }
}

/// The amount a number without currency, sign or brackets gives, under `mark` when known.
fn number(s: &str, mark: Option<DecimalMark>, negative: bool) -> Result<Decimal, AmountError> {
    let mark = match mark {
        // An amount that reads under the file's mark is that (no evidence can say otherwise).
        Some(m) => match exact(s, m) {
            Some(v) => return within_limit(v, negative),
            None => {
                if let MarkEvidence::Only(other) = mark_evidence(s) {
                    if other != m && fits(s, other) {
                        return Err(AmountError::WrongMark(m));
                    }
                }
                m
            }
        },
        None => match mark_evidence(s) {
            MarkEvidence::None => DecimalMark::Point,
            MarkEvidence::Only(m) => m,
            MarkEvidence::Ambiguous => return Err(AmountError::Ambiguous),
        },
    };
    within_limit(exact(s, mark).ok_or(AmountError::Malformed)?, negative)
}

/// `v`, negated when `negative`, if incasso can hold it.
fn within_limit(v: Decimal, negative: bool) -> Result<Decimal, AmountError> {
    if !incasso_core::money::within_limit(v) {
        return Err(AmountError::TooLarge);
    }
    Ok(if negative { -v } else { v })
}

/// Reads `1.234,56` under a comma mark as 1234.56 without allocating; `None` on a wrong shape.
fn exact(s: &str, mark: DecimalMark) -> Option<Decimal> {
    let (dec, thou) = mark.chars();
    let b = s.as_bytes();
    let (int_part, frac_part) = match b.iter().position(|&c| c == dec) {
        Some(p) => (&b[..p], Some(&b[p + 1..])),
        None => (b, None),
    };
    let mut mantissa: i128 = 0;
    let mut digits = 0usize;
    let mut push = |c: u8| -> Option<()> {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(c - b'0'))?;
        digits += 1;
        (digits <= 28).then_some(())
    };
    let mut groups = 0usize;
    let mut group_len = 0usize;
    for &c in int_part {
        if c == thou {
            if groups == 0 {
                if group_len == 0 || group_len > 3 {
                    return None;
                }
            } else if group_len != 3 {
                return None;
            }
            groups += 1;
            group_len = 0;
        } else if c.is_ascii_digit() {
            push(c)?;
            group_len += 1;
        } else {
            return None;
        }
    }
    if groups > 0 && group_len != 3 {
        return None;
    }
    let mut scale = 0u32;
    if let Some(f) = frac_part {
        if f.is_empty() {
            return None;
        }
        for &c in f {
            if !c.is_ascii_digit() {
                return None;
            }
            push(c)?;
            scale += 1;
        }
    }
    if int_part.is_empty() && frac_part.is_none() {
        return None;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

fn fits(s: &str, m: DecimalMark) -> bool {
    exact(s, m).is_some()
}

/// The date layouts incasso reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateFormat {
    /// `31-12-2026` or `1-2-2026`.
    #[serde(rename = "dd-mm-yyyy")]
    DmyDash,
    /// `31.12.2026`.
    #[serde(rename = "dd.mm.yyyy")]
    DmyDot,
    /// `31/12/2026`.
    #[serde(rename = "dd/mm/yyyy")]
    DmySlash,
    /// `12/31/2026` (US).
    #[serde(rename = "mm/dd/yyyy")]
    MdySlash,
    /// `2026-12-31` (ISO 8601; a time after it is ignored).
    #[serde(rename = "yyyy-mm-dd")]
    Iso,
    /// `2026/12/31`.
    #[serde(rename = "yyyy/mm/dd")]
    YmdSlash,
    /// `20261231`.
    #[serde(rename = "yyyymmdd")]
    Compact,
    /// `31-Dec-2026` or `31-dec-26` (English or Dutch month abbreviations).
    #[serde(rename = "dd-mon-yyyy")]
    DayMonthName,
}

impl DateFormat {
    /// Every format, in the order detection reports them.
    pub const ALL: [DateFormat; 8] = [
        DateFormat::DmyDash,
        DateFormat::DmyDot,
        DateFormat::DmySlash,
        DateFormat::MdySlash,
        DateFormat::Iso,
        DateFormat::YmdSlash,
        DateFormat::Compact,
        DateFormat::DayMonthName,
    ];

    /// The pattern as a user writes it in a profile.
    pub fn pattern(&self) -> &'static str {
        match self {
            DateFormat::DmyDash => "dd-mm-yyyy",
            DateFormat::DmyDot => "dd.mm.yyyy",
            DateFormat::DmySlash => "dd/mm/yyyy",
            DateFormat::MdySlash => "mm/dd/yyyy",
            DateFormat::Iso => "yyyy-mm-dd",
            DateFormat::YmdSlash => "yyyy/mm/dd",
            DateFormat::Compact => "yyyymmdd",
            DateFormat::DayMonthName => "dd-mon-yyyy",
        }
    }
}

impl FromStr for DateFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateFormat::ALL
            .into_iter()
            .find(|f| f.pattern() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown date format '{s}'; use one of {}",
                    DateFormat::ALL.map(|f| f.pattern()).join(", ")
                )
            })
    }
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pattern())
    }
}

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text does not have the layout.
    #[error("does not look like {0}")]
    Shape(DateFormat),
    /// The month is not 1 to 12: the layout is wrong for this value.
    #[error("month {month} does not exist (layout {format})")]
    Month {
        /// The layout tried.
        format: DateFormat,
        /// The month read.
        month: u32,
    },
    /// The layout fits but the day does not exist, e.g. 31-02-2026.
    #[error("{day}-{month}-{year} is not a calendar date")]
    NoSuchDay {
        /// Day read.
        day: u32,
        /// Month read.
        month: u32,
        /// Year read.
        year: i32,
    },
    /// A real date, but not one a ledger or statement of today holds: damaged data.
    #[error("{0} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR} incasso accepts; the value is damaged")]
    OutOfRange(NaiveDate),
}

/// Characters one text field may hold. A longer one (a 200 MB "name") is refused with its place:
/// stored, it would slow every later command.
pub const MAX_FIELD_CHARS: usize = 4_000;

/// Why a text field is too long, if it is (checked by bytes first, so short fields cost nothing).
pub fn field_too_long(raw: &str) -> Option<String> {
    if raw.len() <= MAX_FIELD_CHARS {
        return None;
    }
    let n = raw.chars().count();
    (n > MAX_FIELD_CHARS).then(|| {
        format!("the field is {n} characters long; a field holds at most {MAX_FIELD_CHARS}")
    })
}

/// A value short enough to quote in a message: up to 80 characters, and the length when cut.
pub fn excerpt(raw: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = 80;
    match raw.char_indices().nth(SHOWN) {
        None => std::borrow::Cow::Borrowed(raw),
        Some((cut, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} characters)",
            &raw[..cut],
            raw.chars().count()
        )),
    }
}

/// The first and last years a document or bank line may carry (a year 0000 invoice would be
/// 740,000 days overdue; a year 9999 one never due).
pub const EARLIEST_YEAR: i32 = 1990;
/// See [`EARLIEST_YEAR`].
pub const LATEST_YEAR: i32 = 2100;

fn num(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn month_name(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    let names = [
        ["jan", "jan"],
        ["feb", "feb"],
        ["mar", "mrt"],
        ["apr", "apr"],
        ["may", "mei"],
        ["jun", "jun"],
        ["jul", "jul"],
        ["aug", "aug"],
        ["sep", "sep"],
        ["oct", "okt"],
        ["nov", "nov"],
        ["dec", "dec"],
    ];
    let l3 = l.get(..3)?;
    names
        .iter()
        .position(|n| n.contains(&l3))
        .map(|p| p as u32 + 1)
}

/// Parses one date under a layout.
pub fn parse_date(raw: &str, format: DateFormat) -> Result<NaiveDate, DateError> {
    let s = raw.trim();
    let shape = || DateError::Shape(format);
    let three = |sep: char| -> Option<(&str, &str, &str)> {
        let mut it = s.splitn(3, sep);
        Some((it.next()?, it.next()?, it.next()?))
    };
    let (y, m, d): (i32, u32, u32) = match format {
        DateFormat::DmyDash | DateFormat::DmyDot | DateFormat::DmySlash | DateFormat::MdySlash => {
            let sep = match format {
                DateFormat::DmyDash => '-',
                DateFormat::DmyDot => '.',
                _ => '/',
            };
            let (a, b, c) = three(sep).ok_or_else(shape)?;
            let (a, b) = (
                num(a, 1, 2).ok_or_else(shape)?,
                num(b, 1, 2).ok_or_else(shape)?,
            );
            let y = num(c, 4, 4).ok_or_else(shape)? as i32;
            if format == DateFormat::MdySlash {
                (y, a, b)
            } else {
                (y, b, a)
            }
        }
        DateFormat::Iso | DateFormat::YmdSlash => {
            let sep = if format == DateFormat::Iso { '-' } else { '/' };
            let date_part = match s.find(['T', ' ']) {
                Some(10) => &s[..10],
                _ => s,
            };
            let mut it = date_part.splitn(3, sep);
            let (a, b, c) = (
                it.next().ok_or_else(shape)?,
                it.next().ok_or_else(shape)?,
                it.next().ok_or_else(shape)?,
            );
            (
                num(a, 4, 4).ok_or_else(shape)? as i32,
                num(b, 1, 2).ok_or_else(shape)?,
                num(c, 1, 2).ok_or_else(shape)?,
            )
        }
        DateFormat::Compact => {
            if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(shape());
            }
            (
                s[..4].parse().map_err(|_| shape())?,
                s[4..6].parse().map_err(|_| shape())?,
                s[6..].parse().map_err(|_| shape())?,
            )
        }
        DateFormat::DayMonthName => {
            let mut parts = s.split(['-', ' ', '.']).filter(|p| !p.is_empty());
            let (a, b, c) = (
                parts.next().ok_or_else(shape)?,
                parts.next().ok_or_else(shape)?,
                parts.next().ok_or_else(shape)?,
            );
            if parts.next().is_some() {
                return Err(shape());
            }
            let d = num(a, 1, 2).ok_or_else(shape)?;
            let m = month_name(b).ok_or_else(shape)?;
            let y = match c.len() {
                2 => 2000 + num(c, 2, 2).ok_or_else(shape)? as i32,
                _ => num(c, 4, 4).ok_or_else(shape)? as i32,
            };
            (y, m, d)
        }
    };
    if !(1..=12).contains(&m) {
        return Err(DateError::Month { format, month: m });
    }
    let date = NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::NoSuchDay {
        day: d,
        month: m,
        year: y,
    })?;
    if !(EARLIEST_YEAR..=LATEST_YEAR).contains(&date.year()) {
        return Err(DateError::OutOfRange(date));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amt(s: &str, m: Option<DecimalMark>) -> Result<String, AmountError> {
        parse_amount(s, m).map(|d| d.to_string())
    }

    #[test]
    fn amounts_in_dutch_and_english_notation() {
        use DecimalMark::*;
        let table = [
            ("A1", "1.234,56", Some(Comma), Ok("1234.56")),
            ("A2", "1,234.56", Some(Point), Ok("1234.56")),
            ("A3", "-12,50", Some(Comma), Ok("-12.50")),
            ("A4", "12,50-", Some(Comma), Ok("-12.50")),
            ("A5", "(12,50)", Some(Comma), Ok("-12.50")),
            ("A6", "€ 1.000.000,00", Some(Comma), Ok("1000000.00")),
            ("A7", "729", Some(Comma), Ok("729")),
            ("A8", "12,3,4", Some(Comma), Err(AmountError::Malformed)),
            ("A9", "12,3,4", Some(Point), Err(AmountError::Malformed)),
            ("A10", "1.000", None, Err(AmountError::Ambiguous)),
            ("A11", "12,50", None, Ok("12.50")),
            (
                "A12",
                "1.234,56",
                Some(Point),
                Err(AmountError::WrongMark(Point)),
            ),
            ("A13", "abc", Some(Comma), Err(AmountError::Malformed)),
            ("A14", "", Some(Comma), Err(AmountError::Malformed)),
            ("A15", "1.000", Some(Comma), Ok("1000")),
            ("A16", "1.000", Some(Point), Ok("1.000")),
            ("A17", "9.961,4715", Some(Comma), Ok("9961.4715")),
            ("A18", "12.34.56", Some(Comma), Err(AmountError::Malformed)),
            // Review 42a's spellings.
            ("A19", "1 500,00", Some(Comma), Ok("1500.00")),
            ("A20", "1\u{a0}500,00", Some(Comma), Ok("1500.00")),
            ("A21", "-€ 99,00", Some(Comma), Ok("-99.00")),
            ("A22", "(€ 1.500,00)", Some(Comma), Ok("-1500.00")),
            ("A23", "96,00 CR", Some(Comma), Ok("-96.00")),
            ("A24", "96,00 DR", Some(Comma), Ok("96.00")),
            ("A25", "\u{2212}12,50", Some(Comma), Ok("-12.50")),
            ("A26", "25,-", Some(Comma), Ok("25")),
            ("A27", "1 50,00", Some(Comma), Err(AmountError::Malformed)),
            ("A28", "--12,50", Some(Comma), Err(AmountError::Malformed)),
            ("A29", "12,50-", None, Ok("-12.50")),
        ];
        for (id, input, mark, want) in table {
            assert_eq!(amt(input, mark), want.map(String::from), "{id}: {input}");
        }
    }

    #[test]
    fn mark_evidence_of_single_values() {
        assert_eq!(
            mark_evidence("12,50"),
            MarkEvidence::Only(DecimalMark::Comma)
        );
        assert_eq!(
            mark_evidence("1,234.5"),
            MarkEvidence::Only(DecimalMark::Point)
        );
        assert_eq!(mark_evidence("1,234"), MarkEvidence::Ambiguous);
        assert_eq!(mark_evidence("-1.234"), MarkEvidence::Ambiguous);
        assert_eq!(
            mark_evidence("1234,567"),
            MarkEvidence::Only(DecimalMark::Comma)
        );
        assert_eq!(
            mark_evidence("1,234,567"),
            MarkEvidence::Only(DecimalMark::Point)
        );
        assert_eq!(mark_evidence("100"), MarkEvidence::None);
    }

    #[test]
    fn dates_in_every_layout() {
        use DateFormat::*;
        let d = |y, m, dd| Ok(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        let table = [
            ("D1", "31-12-2026", DmyDash, d(2026, 12, 31)),
            ("D2", "1-2-2026", DmyDash, d(2026, 2, 1)),
            ("D3", "31/12/2026", DmySlash, d(2026, 12, 31)),
            ("D4", "12/31/2026", MdySlash, d(2026, 12, 31)),
            ("D5", "2026-12-31", Iso, d(2026, 12, 31)),
            ("D6", "2026-12-31T10:00:00", Iso, d(2026, 12, 31)),
            ("D7", "20261231", Compact, d(2026, 12, 31)),
            ("D8", "31.12.2026", DmyDot, d(2026, 12, 31)),
            ("D9", "15-Dec-18", DayMonthName, d(2018, 12, 15)),
            ("D10", "3 mrt 2026", DayMonthName, d(2026, 3, 3)),
            (
                "D11",
                "31-02-2026",
                DmyDash,
                Err(DateError::NoSuchDay {
                    day: 31,
                    month: 2,
                    year: 2026,
                }),
            ),
            (
                "D12",
                "31/12/2026",
                MdySlash,
                Err(DateError::Month {
                    format: MdySlash,
                    month: 31,
                }),
            ),
            ("D13", "2026-12-31", DmyDash, Err(DateError::Shape(DmyDash))),
            ("D14", "2026123", Compact, Err(DateError::Shape(Compact))),
        ];
        for (id, input, f, want) in table {
            assert_eq!(parse_date(input, f), want, "{id}: {input}");
        }
    }
}

/// Properties: any amount written the ways exports write it reads back exactly.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// `cents` written with thousands separators in groups of three, the decimal mark, and the
    /// sign in one of the places exports put it.
    fn written(cents: i64, mark: DecimalMark, thousands: bool, sign: u8) -> String {
        let (dec, group) = match mark {
            DecimalMark::Comma => (',', '.'),
            DecimalMark::Point => ('.', ','),
        };
        let whole = (cents.unsigned_abs() / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if thousands && i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let body = format!("{grouped}{dec}{:02}", cents.unsigned_abs() % 100);
        match (cents < 0, sign % 3) {
            (false, _) => body,
            (true, 0) => format!("-{body}"),
            (true, 1) => format!("{body}-"),
            (true, _) => format!("({body})"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn an_amount_written_as_exports_write_it_reads_back_exactly(
            cents in -100_000_000_000i64..100_000_000_000,
            comma in any::<bool>(),
            thousands in any::<bool>(),
            sign in any::<u8>(),
        ) {
            let mark = if comma { DecimalMark::Comma } else { DecimalMark::Point };
            let text = written(cents, mark, thousands, sign);
            prop_assert_eq!(parse_amount(&text, Some(mark)), Ok(Decimal::new(cents, 2)), "{}", text);
        }

        #[test]
        fn the_mark_is_never_guessed_wrong(cents in 0i64..10_000_000_000, comma in any::<bool>()) {
            // Undecided (`None`): a value reads only when its mark is certain, and then exactly.
            let mark = if comma { DecimalMark::Comma } else { DecimalMark::Point };
            let text = written(cents, mark, true, 0);
            if let Ok(d) = parse_amount(&text, None) {
                prop_assert_eq!(d, Decimal::new(cents, 2), "{}", text);
            }
        }

        #[test]
        fn a_bare_number_reads_as_it_does_with_a_currency_around_it(
            text in "[0-9][0-9.,' ]{0,14}[0-9]|[0-9]",
            mark in prop_oneof![
                Just(None),
                Just(Some(DecimalMark::Comma)),
                Just(Some(DecimalMark::Point)),
            ],
        ) {
            // The bare number takes the short way; with "EUR " before it, the long one.
            let long = parse_amount(&format!("EUR {text}"), mark);
            prop_assert_eq!(parse_amount(&text, mark), long, "{}", text);
        }
    }
}
