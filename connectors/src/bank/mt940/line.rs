//! Balances (`:60F:`, `:62F:`) and statement lines (`:61:`): amounts, dates across a year's end,
//! and the account and reference hints a bank puts in a line.

#[allow(unused_imports)]
use super::*;

/// An amount as a Dutch bookkeeper writes it in a message: `-75,50`.
pub(super) fn dutch(amount: Decimal) -> String {
    crate::bank::two_decimals(amount).replace('.', ",")
}

/// An opening or closing balance.
#[derive(Debug, Clone, Copy)]
pub(super) struct Balance {
    /// The day the balance is for.
    pub(super) date: NaiveDate,
    pub(super) amount: Decimal,
    pub(super) currency: Currency,
}

/// The statement holder's account from `:25:`: without a bank prefix (`INGBNL2A/`), currency
/// suffix (`EUR`), spaces or the dots of an old domestic number.
pub(super) fn statement_account(raw: &str) -> Option<String> {
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
pub(super) fn currency_suffix(account: &str) -> Option<usize> {
    let n = account.len().checked_sub(3)?;
    let (rest, code) = (account.get(..n)?, account.get(n..)?);
    let is_code = code.bytes().all(|b| b.is_ascii_uppercase());
    (is_code && rest.ends_with(|c: char| c.is_ascii_digit()) && Iban::parse(account).is_err())
        .then_some(n)
}

/// A BIC-like bank id before the account in `:25:` (`INGBNL2A`, `TRIODOSBANK`).
pub(super) fn looks_like_bank_id(s: &str) -> bool {
    matches!(s.len(), 8 | 11)
        && s.bytes().take(6).all(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(super) fn parse_balance(value: &str) -> Result<Balance, String> {
    let s = value.trim();
    let bad = |what: &str| format!("{what} in balance '{s}' (expected e.g. C140731EUR436,90)");
    let sign = match s.as_bytes().first() {
        Some(b'C') => Decimal::ONE,
        Some(b'D') => Decimal::NEGATIVE_ONE,
        _ => return Err(bad("no credit/debit mark (C or D)")),
    };
    let date = s.get(1..7).ok_or_else(|| bad("no date"))?;
    let date = yymmdd(date).ok_or_else(|| bad(&format!("'{date}' is not a date (YYMMDD)")))?;
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
        date,
        amount: sign * amount,
        currency,
    })
}

/// An MT940 amount: digits with one decimal comma (`10,5`, `0,`, `000000010000,50`).
pub(super) fn parse_amount(s: &str) -> Option<Decimal> {
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
pub(super) fn yymmdd(s: &str) -> Option<NaiveDate> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i32 = s[..2].parse().ok()?;
    let year = if yy < 80 { 2000 + yy } else { 1900 + yy };
    month_day(year, &s[2..])
}

/// `MMDD` in `year`, clamping a day past the end of the month.
pub(super) fn month_day(year: i32, mmdd: &str) -> Option<NaiveDate> {
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
pub(super) fn entry_date(value: NaiveDate, mmdd: &str) -> Option<NaiveDate> {
    (value.year() - 1..=value.year() + 1)
        .filter_map(|y| month_day(y, mmdd))
        .min_by_key(|d| (*d - value).num_days().abs())
}

/// A parsed `:61:` statement line.
#[derive(Debug)]
pub(super) struct Entry<'a> {
    pub(super) value_date: NaiveDate,
    pub(super) entry_date: Option<NaiveDate>,
    pub(super) amount: Decimal,
    pub(super) reversal: bool,
    pub(super) customer_ref: &'a str,
    pub(super) bank_ref: &'a str,
    pub(super) details: Option<&'a str>,
    /// The transaction type after the amount (`NTRF`, `NDDT`, Rabobank's `N010`).
    pub(super) type_code: &'a str,
}

pub(super) fn parse_61<'a>(field: &Field<'a>) -> Result<Entry<'a>, String> {
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
        type_code: s.get(end..end + 4).unwrap_or(""),
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
pub(super) fn hints_61(e: &Entry<'_>) -> (Option<String>, Option<String>) {
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
pub(super) fn looks_like_account(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    looks_like_iban(s)
        || s.strip_prefix('P')
            .is_some_and(|r| digits(r) && r.len() <= 10)
        || (digits(s) && matches!(s.len(), 9 | 10))
}

/// Two letters, two digits and 11–30 letters or digits.
pub(super) fn looks_like_iban(s: &str) -> bool {
    let b = s.as_bytes();
    (15..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}
