//! `incasso rates list|add`: the statutory interest tables, the last day each covers, and a new
//! period added with its source (written to `DATA_DIR/rates/FILE`, recorded in the audit log).
//! incasso never guesses a rate: a claim that needs a day no table covers is held, naming the
//! table and this command.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use incasso_core::law::rates::RateKind;
use rust_decimal::Decimal;

use crate::args::{parse_date, Format};
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Arguments of `incasso rates`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RatesCommand,
}

#[derive(clap::Subcommand)]
enum RatesCommand {
    /// Each table, its last rate and the last day it covers.
    List {
        /// Folder of tables replacing the built-in ones (default: DATA_DIR/rates).
        #[arg(long)]
        rates: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a period to a table (written to DATA_DIR/rates/, recorded in the audit log).
    Add {
        /// nl-statutory (art. 6:119 BW), nl-commercial (6:119a), be-commercial, be-legal.
        #[arg(long)]
        table: String,
        /// First day of the new rate, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        /// The rate in percent a year, e.g. 10.15.
        #[arg(long)]
        pct: Decimal,
        /// Last day the rate is known for (default: the end of its half year).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        until: Option<NaiveDate>,
        /// Where the rate was published (e.g. "Staatscourant 2026, 34567").
        #[arg(long)]
        source: String,
    },
}

/// Runs `rates list` or `rates add`.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    match a.command {
        RatesCommand::List { rates, format } => list(ctx, rates.as_deref(), format),
        RatesCommand::Add {
            table,
            from,
            pct,
            until,
            source,
        } => add(ctx, &table, (from, until), pct, &source),
    }
}

/// Lists each table: its name, file, last rate and the last day it covers.
fn list(ctx: &Ctx, rates_dir: Option<&Path>, format: Format) -> Result<ExitStatus> {
    let tables = ctx.ws.rates(rates_dir)?;
    let dir = rates_dir.map_or_else(|| ctx.ws.data_dir().join("rates"), Path::to_path_buf);
    let header: Vec<String> = [
        "table",
        "code",
        "last_from",
        "last_rate_pct",
        "known_until",
        "file",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = RateKind::ALL
        .iter()
        .map(|k| {
            let t = tables.get(*k);
            let last = t.points.last().expect("a table has rates");
            let file = dir.join(k.file_name());
            vec![
                k.name().to_string(),
                k.code().to_string(),
                last.from.to_string(),
                last.rate_pct.to_string(),
                t.known_until.to_string(),
                if file.exists() {
                    file.display().to_string()
                } else {
                    "built-in".to_string()
                },
            ]
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    render::rows(&mut out, format, &header, &rows)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// The last day of the half year a date falls in: Dutch and Belgian statutory rates are set per
/// half year (art. 6:120 lid 2 BW; art. 5 Wet 2 augustus 2002).
fn end_of_half_year(d: NaiveDate) -> NaiveDate {
    let (m, day) = if d.month() <= 6 { (6, 30) } else { (12, 31) };
    NaiveDate::from_ymd_opt(d.year(), m, day).expect("30 June and 31 December exist")
}

/// Adds a period to a table and writes the table to `DATA_DIR/rates/`, with the source in the
/// file and in the audit log.
fn add(
    ctx: &Ctx,
    table: &str,
    (from, until): (NaiveDate, Option<NaiveDate>),
    pct: Decimal,
    source: &str,
) -> Result<ExitStatus> {
    let kind = RateKind::parse(table).with_context(|| {
        format!(
            "unknown table '{table}': use one of {}",
            RateKind::ALL.map(|k| k.name()).join(", ")
        )
    })?;
    let store = ctx.ws.store()?;
    let tables = ctx.ws.rates(None)?;
    let until = until.unwrap_or_else(|| end_of_half_year(from));
    let next = tables
        .get(kind)
        .with_period(from, pct, until, source)
        .map_err(|e| anyhow::anyhow!(e))?;
    let dir = ctx.ws.data_dir().join("rates");
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
    println!(
        "{}: {pct}% from {from}, known until {until} ({})",
        kind.name(),
        path.display()
    );
    Ok(ExitStatus::Success)
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
