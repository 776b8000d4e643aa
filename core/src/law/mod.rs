//! Dutch and Belgian collection law: collection costs, statutory interest, payment allocation.
//!
//! Every function is pure and takes its dates explicitly. Amounts are exact and rounded half-up
//! to cents at the places the law's practice rounds (see `claim.rs`). Each rule is in the file of
//! its country (`nl.rs`, `be.rs`); rate tables are data (`rates/`); the whole-claim calculator
//! that combines them is `claim.rs`.

pub mod basis;
pub mod be;
pub mod calendar;
pub mod claim;
pub mod costs;
pub mod nl;
pub mod rates;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A debt's first day in default: `from` where something else set it (an earlier notice's term,
/// a Belgian consumer's reminder), else the day after it fell due.
pub fn first_day_in_default(due: NaiveDate, from: Option<NaiveDate>) -> NaiveDate {
    from.unwrap_or_else(|| due.succ_opt().unwrap_or(due))
}

/// Which country's law applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Jurisdiction {
    /// The Netherlands.
    #[serde(rename = "nl", alias = "NL")]
    Nl,
    /// Belgium.
    #[serde(rename = "be", alias = "BE")]
    Be,
}

impl Jurisdiction {
    /// The country of an address as the books write it (ISO code, or its name in Dutch,
    /// English, French or German), when it is the Netherlands or Belgium.
    pub fn of_country(country: &str) -> Option<Jurisdiction> {
        match crate::countries::iso_code(country)?.as_str() {
            "NL" => Some(Jurisdiction::Nl),
            "BE" => Some(Jurisdiction::Be),
            _ => None,
        }
    }
}

impl FromStr for Jurisdiction {
    type Err = LawError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" => Ok(Jurisdiction::Nl),
            "be" => Ok(Jurisdiction::Be),
            _ => Err(LawError::UnknownJurisdiction(s.to_string())),
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Jurisdiction::Nl => "nl",
            Jurisdiction::Be => "be",
        })
    }
}

/// Consumer or business, as the law distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DebtorType {
    /// A natural person not acting in a profession or business.
    Consumer,
    /// A company or professional.
    Business,
}

impl FromStr for DebtorType {
    type Err = LawError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "consumer" => Ok(DebtorType::Consumer),
            "business" => Ok(DebtorType::Business),
            _ => Err(LawError::UnknownDebtorType(s.to_string())),
        }
    }
}

/// Why a calculation cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LawError {
    /// Not `nl` or `be`.
    #[error("unknown jurisdiction '{0}': use nl or be")]
    UnknownJurisdiction(String),
    /// Not `consumer` or `business`.
    #[error("unknown debtor type '{0}': use consumer or business")]
    UnknownDebtorType(String),
    /// An amount that must be positive is not.
    #[error("{what} must be positive, got {amount}")]
    NotPositive {
        /// What the amount is.
        what: String,
        /// The amount given.
        amount: Decimal,
    },
    /// An amount beyond the largest incasso accepts anywhere.
    #[error("{what} is {amount}, beyond the largest amount incasso accepts (10000000000000)")]
    TooLarge {
        /// What the amount is.
        what: String,
        /// The amount given.
        amount: Decimal,
    },
    /// Dates in the wrong order.
    #[error("{what}: {later} is before {earlier}")]
    DateOrder {
        /// What the dates are.
        what: String,
        /// The date that should come first.
        earlier: NaiveDate,
        /// The date that should come later.
        later: NaiveDate,
    },
    /// No rate is known for a date.
    #[error("no {table} rate is known for {date}: the table runs from {first} to {known_until}; supply a newer rate table")]
    NoRate {
        /// The table.
        table: String,
        /// The date asked for.
        date: NaiveDate,
        /// First date of the table.
        first: NaiveDate,
        /// Last date the table is known for.
        known_until: NaiveDate,
    },
}

/// A line of a calculation's trace: what was computed from what.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TraceLine {
    /// What this step is (a bracket, a rule, a rounding).
    pub step: String,
    /// The amount the step applies to, if any.
    pub base: Option<String>,
    /// The rate or rule applied, if any.
    pub rate: Option<String>,
    /// The result.
    pub amount: String,
    /// The article (and ruling) the step applies.
    pub basis: Option<String>,
}

impl Serialize for TraceLine {
    /// For people (JSON) without the parts a step does not have; in binary forms every field in
    /// its place, since those read fields by position.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let all = !s.is_human_readable();
        let present = [&self.base, &self.rate, &self.basis]
            .iter()
            .filter(|v| all || v.is_some())
            .count();
        let mut st = s.serialize_struct("TraceLine", 2 + present)?;
        st.serialize_field("step", &self.step)?;
        optional_field(&mut st, all, "base", &self.base)?;
        optional_field(&mut st, all, "rate", &self.rate)?;
        st.serialize_field("amount", &self.amount)?;
        optional_field(&mut st, all, "basis", &self.basis)?;
        st.end()
    }
}

/// Writes an optional field of a struct the law's types serialize by hand: skipped when absent
/// in a form for people (JSON omits it), always written otherwise (binary forms read fields by
/// position).
pub(crate) fn optional_field<S: serde::ser::SerializeStruct, T: Serialize>(
    st: &mut S,
    all: bool,
    name: &'static str,
    value: &Option<T>,
) -> Result<(), S::Error> {
    if all || value.is_some() {
        st.serialize_field(name, value)
    } else {
        st.skip_field(name)
    }
}

/// An amount with the steps that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traced {
    /// The result, rounded to cents.
    #[serde(with = "crate::law::cents")]
    pub amount: Decimal,
    /// How it was computed.
    pub trace: Vec<TraceLine>,
}

/// Amounts of a claim: in cents as text for people (the JSON the agency and `--format json`
/// read), exact otherwise (the claims kept in the store read back exactly what was worked out).
pub(crate) mod cents {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the amount in cents for people, exactly otherwise.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&crate::money::format_cents(*d))
        } else {
            crate::decimal_serde::one::serialize(d, s)
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            crate::decimal_serde::one::deserialize(d)
        }
    }
}

pub(crate) fn positive(what: &str, amount: Decimal) -> Result<(), LawError> {
    if !crate::money::within_limit(amount) {
        return Err(LawError::TooLarge {
            what: what.to_string(),
            amount,
        });
    }
    if amount > Decimal::ZERO {
        Ok(())
    } else {
        Err(LawError::NotPositive {
            what: what.to_string(),
            amount,
        })
    }
}

#[cfg(test)]
mod tests;
