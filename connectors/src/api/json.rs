//! JSON pieces the APIs share: exact amounts from numbers or strings, `/Date(ms)/` dates in
//! Dutch local time, byte-order marks, and records parsed one by one so an error names its record.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::ApiError;

/// An amount read exactly from a JSON number (`9075`, `12.5`) or string (`"363.0"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        let text = raw.get().trim_matches('"');
        parse_decimal(text)
            .map(Amount)
            .ok_or_else(|| serde::de::Error::custom(format!("not an amount: {}", raw.get())))
    }
}

/// A decimal from JSON number text, with an exponent if there is one.
fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
        .filter(|d| incasso_core::money::within_limit(*d))
}

/// A string or a number, as text (ids and timestamps come either way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        let t = raw.get();
        if t.starts_with('"') {
            let s: String = serde_json::from_str(t).map_err(serde::de::Error::custom)?;
            return Ok(Text(s));
        }
        Ok(Text(t.to_string()))
    }
}

/// A text field with content, trimmed; empty and absent are both `None`.
pub fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub use crate::source::strip_bom;

/// Milliseconds since the epoch from `/Date(1351209600000)/` or `/Date(1419937200000+0000)/`.
pub fn ms_date(text: &str) -> Option<i64> {
    let inner = text.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits_end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i)
        .unwrap_or(inner.len());
    inner[..digits_end].parse().ok()
}

/// The calendar date in the Netherlands (Europe/Amsterdam) at an instant: Exact sends a local
/// midnight as an instant, so 2016-12-31T23:00Z is 1 January. EU summer time runs from the last
/// Sunday of March to the last Sunday of October, 01:00 UTC (Directive 2000/84/EC).
pub fn amsterdam_date(ms: i64) -> Option<NaiveDate> {
    let utc = DateTime::<Utc>::from_timestamp_millis(ms)?.naive_utc();
    let year = utc.year();
    let start = last_sunday(year, 3)?.and_hms_opt(1, 0, 0)?;
    let end = last_sunday(year, 10)?.and_hms_opt(1, 0, 0)?;
    let offset = if utc >= start && utc < end { 2 } else { 1 };
    Some(utc.checked_add_signed(Duration::hours(offset))?.date())
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut d = first_next.pred_opt()?;
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt()?;
    }
    Some(d)
}

/// Parses each raw record into `T`; an error names the record by index and by the upstream id
/// found under `id_field` (looked up only then).
pub fn records<T: DeserializeOwned>(
    url: &str,
    raws: &[Box<RawValue>],
    id_field: &str,
) -> Result<Vec<T>, ApiError> {
    raws.iter()
        .enumerate()
        .map(|(i, raw)| {
            serde_json::from_str::<T>(raw.get()).map_err(|e| ApiError::Parse {
                url: url.to_string(),
                place: match record_id(raw, id_field) {
                    Some(id) => format!("record {} ({id_field} {id})", i + 1),
                    None => format!("record {}", i + 1),
                },
                reason: clean_serde(&e),
            })
        })
        .collect()
}

fn record_id(raw: &RawValue, id_field: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct AnyId(#[serde(default)] std::collections::HashMap<String, Box<RawValue>>);
    let AnyId(map) = serde_json::from_str(raw.get()).ok()?;
    let v = map.get(id_field)?.get();
    Some(v.trim_matches('"').to_string())
}

/// A serde error without the line/column of the record's own text (meaningless to a user).
fn clean_serde(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The error for a response that is not the JSON it should be.
pub fn malformed(url: &str, e: &serde_json::Error) -> ApiError {
    ApiError::Parse {
        url: url.to_string(),
        place: format!("line {} column {}", e.line(), e.column()),
        reason: format!("malformed JSON: {}", clean_serde(e)),
    }
}

/// A required field was empty or absent.
pub fn missing(url: &str, id: &str, field: &str) -> ApiError {
    ApiError::Parse {
        url: url.to_string(),
        place: format!("record {id}"),
        reason: format!("field {field} is missing or empty"),
    }
}

/// A field whose value is not what it must be.
pub fn invalid(url: &str, id: &str, field: &str, value: &str, why: &str) -> ApiError {
    ApiError::Parse {
        url: url.to_string(),
        place: format!("record {id}"),
        reason: format!("field {field}: {why}: {value:?}"),
    }
}
