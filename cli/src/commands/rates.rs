//! `incasso rates list|add`: the statutory interest tables, the last day each covers, and a new
//! period added with its source (written to `DATA_DIR/rates/FILE`, recorded in the audit log).
//! incasso never guesses a rate: a claim that needs a day no table covers is held, naming the
//! table and this command.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;
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
    let header: &[&str] = &[
        "table",
        "code",
        "last_from",
        "last_rate_pct",
        "known_until",
        "file",
    ];
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
    let mut out = render::stdout();
    render::rows(&mut out, format, header, &rows)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// Adds a period to a table (see `incasso_engine::rates`).
fn add(
    ctx: &Ctx,
    table: &str,
    dates: (NaiveDate, Option<NaiveDate>),
    pct: Decimal,
    source: &str,
) -> Result<ExitStatus> {
    let from = dates.0;
    let a = incasso_engine::rates::add(&ctx.ws, table, dates, pct, source)?;
    println!(
        "{}: {pct}% from {from}, known until {} ({})",
        a.kind.name(),
        a.until,
        a.path.display()
    );
    Ok(ExitStatus::Success)
}
