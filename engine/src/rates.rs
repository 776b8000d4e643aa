//! Statutory interest tables: a new period added with its source, written to `DATA_DIR/rates/`
//! and recorded in the audit log. incasso never guesses a rate: a claim that needs a day no
//! table covers is held, naming the table.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use incasso_core::law::rates::RateKind;
use rust_decimal::Decimal;

use crate::Workspace;

/// The last day of the half year a date falls in: Dutch and Belgian statutory rates are set per
/// half year (art. 6:120 lid 2 BW; art. 5 Wet 2 augustus 2002).
fn end_of_half_year(d: NaiveDate) -> NaiveDate {
    let (m, day) = if d.month() <= 6 { (6, 30) } else { (12, 31) };
    NaiveDate::from_ymd_opt(d.year(), m, day).expect("30 June and 31 December exist")
}

/// A period added: the table, the last day the rate is known for, and the file written.
pub struct Added {
    /// The table.
    pub kind: RateKind,
    /// The last day the new rate covers.
    pub until: NaiveDate,
    /// The table's file.
    pub path: PathBuf,
}

/// Adds a period to a table (`until` defaults to the end of its half year) and writes the table
/// to `DATA_DIR/rates/`, with the source in the file and in the audit log.
pub fn add(
    ws: &Workspace,
    table: &str,
    (from, until): (NaiveDate, Option<NaiveDate>),
    pct: Decimal,
    source: &str,
) -> Result<Added> {
    let kind = RateKind::parse(table).with_context(|| {
        format!(
            "unknown table '{table}': use one of {}",
            RateKind::ALL.map(|k| k.name()).join(", ")
        )
    })?;
    let store = ws.store()?;
    let tables = ws.rates(None)?;
    let until = until.unwrap_or_else(|| end_of_half_year(from));
    let next = tables
        .get(kind)
        .with_period(from, pct, until, source)
        .map_err(|e| anyhow::anyhow!(e))?;
    let dir = ws.data_dir().join("rates");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(kind.file_name());
    let tmp = dir.join(format!(".{}.tmp", kind.file_name()));
    std::fs::write(&tmp, next.to_csv()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    store.record_event(
        "rates-add",
        kind.name(),
        &format!(
            "{pct}% from {from}, known until {until}; source: {}",
            source.trim()
        ),
        chrono::Utc::now(),
    )?;
    Ok(Added { kind, until, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_years() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(end_of_half_year(d("2026-07-01")), d("2026-12-31"));
        assert_eq!(end_of_half_year(d("2027-01-01")), d("2027-06-30"));
    }
}
