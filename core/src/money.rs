//! Money: an exact `Decimal` amount with its ISO 4217 currency, and the one rounding rule.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three ASCII capitals, checked on construction.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ISO 4217 currency code (three letters, e.g. EUR)")]
pub struct InvalidCurrency(pub String);

impl Currency {
    /// The euro, the default currency of Dutch and Belgian ledgers.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a code case-insensitively, trimming blanks; `€` is read as EUR.
    pub fn parse(code: &str) -> Result<Currency, InvalidCurrency> {
        let t = code.trim();
        if t == "€" {
            return Ok(Currency::EUR);
        }
        let b = t.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            Ok(Currency([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
                b[2].to_ascii_uppercase(),
            ]))
        } else {
            Err(InvalidCurrency(code.to_string()))
        }
    }

    /// Whether the code is an active ISO 4217 currency (test and metal codes such as XXX, XTS
    /// and XAU are not money a debtor owes).
    pub fn is_iso4217(&self) -> bool {
        // Nearly every amount is in euros: no search of the list for them.
        &self.0 == b"EUR" || ISO_4217.contains(&self.as_str())
    }

    /// How many decimals the currency has (ISO 4217 minor units): 0 for the yen and a few
    /// others, 3 for the Gulf dinars, else 2.
    pub fn minor_units(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = InvalidCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = InvalidCurrency;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Active ISO 4217 currency codes (the List One of the ISO 4217 maintenance agency), without the
/// funds, metals, SDR and testing codes.
const ISO_4217: [&str; 157] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWG",
];

/// The largest amount (in absolute value) incasso accepts in any record: ten trillion units of
/// any currency, far above any real invoice or transfer, and small enough that the sum of a
/// billion of them still fits a `Decimal`, so no total can overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1316134912, 2328, 0, false, 0);

/// Whether an amount is within [`MAX_AMOUNT`] either way.
pub fn within_limit(amount: Decimal) -> bool {
    amount.abs() <= MAX_AMOUNT
}

/// Why an amount is refused at import.
pub fn beyond_limit(amount: Decimal) -> String {
    format!(
        "{} is beyond the largest amount incasso accepts ({MAX_AMOUNT}); the value is damaged or not an amount",
        amount.normalize()
    )
}

/// Rounds half away from zero to cents: the only rounding incasso uses for money.
///
/// `Decimal::round_dp` rounds half to even (banker's rounding), which is not what Dutch and
/// Belgian practice or the worked legal cases expect.
pub fn round_cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Formats an amount with a `.` decimal mark and exactly two decimals, rounding half-up first.
pub fn format_cents(amount: Decimal) -> String {
    let mut r = round_cents(amount);
    r.rescale(2);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    r.to_string()
}

/// Adding or comparing two different currencies, which incasso never does silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot combine {left} and {right}: amounts in different currencies are never added")]
pub struct CurrencyMismatch {
    /// Currency of the left operand.
    pub left: Currency,
    /// Currency of the right operand.
    pub right: Currency,
}

/// An exact amount of money in one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "crate::decimal_serde::one")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Makes an amount in a currency; the amount is kept exactly as given.
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Sum of two amounts; an error when the currencies differ.
    pub fn checked_add(self, other: Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount + other.amount, self.currency))
    }

    /// Difference of two amounts; an error when the currencies differ.
    pub fn checked_sub(self, other: Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount - other.amount, self.currency))
    }

    /// The smaller of two amounts in the same currency.
    pub fn checked_min(self, other: Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(if other.amount < self.amount {
            other
        } else {
            self
        })
    }

    /// The same amount rounded half-up to cents.
    pub fn round_cents(self) -> Money {
        Money::new(round_cents(self.amount), self.currency)
    }

    /// The amount with its sign flipped.
    pub fn negate(self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// True for an amount of zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    fn same_currency(&self, other: Money) -> Result<(), CurrencyMismatch> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, format_cents(self.amount))
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn the_limit_is_ten_trillion() {
        assert_eq!(MAX_AMOUNT, Decimal::from(10_000_000_000_000i64));
        assert!(within_limit(Decimal::from(-10_000_000_000_000i64)));
        assert!(!within_limit(Decimal::from(10_000_000_000_001i64)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero_not_to_even() {
        assert_eq!(round_cents(d("0.125")), d("0.13"));
        assert_eq!(round_cents(d("0.135")), d("0.14"));
        assert_eq!(round_cents(d("-0.125")), d("-0.13"));
        assert_eq!(round_cents(d("39.9995")), d("40.00"));
    }

    #[test]
    fn formats_two_decimals_without_negative_zero() {
        assert_eq!(format_cents(d("12")), "12.00");
        assert_eq!(format_cents(d("-0.001")), "0.00");
        assert_eq!(format_cents(d("1234.5")), "1234.50");
    }

    #[test]
    fn different_currencies_never_add() {
        let a = Money::new(d("1"), Currency::EUR);
        let b = Money::new(d("1"), Currency::parse("usd").unwrap());
        assert_eq!(
            a.checked_add(b).unwrap_err(),
            CurrencyMismatch {
                left: Currency::EUR,
                right: b.currency()
            }
        );
        assert_eq!(a.checked_add(a).unwrap().amount(), d("2"));
    }

    #[test]
    fn currency_codes_are_checked() {
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert_eq!(Currency::parse(" eur ").unwrap(), Currency::EUR);
    }
}
