//! `incasso fixtures generate`: the generator's command-line arguments, mounted by the `incasso`
//! binary as its `fixtures` command.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;

use crate::{generate, Dialect, Generate};

/// A date as `YYYY-MM-DD`.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: expected YYYY-MM-DD, e.g. 2026-10-31"))
}

/// Arguments of `incasso fixtures`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: FixturesCommand,
}

#[derive(clap::Subcommand)]
enum FixturesCommand {
    /// Write a deterministic, realistic, noisy ledger export at any scale.
    Generate {
        /// Number of invoices (credit notes come on top).
        #[arg(long)]
        invoices: u64,
        /// Seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Export dialects to write (one file each).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "nl")]
        dialect: Vec<Dialect>,
        /// Date the ledger runs up to (invoices are spread over the 18 months before it).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD", default_value = "2026-10-31")]
        until: NaiveDate,
        /// Also write a bank statement for the ledger (camt.053 and Rabobank CSV) with the
        /// intended outcome; the ledger then names accounts and payment references.
        #[arg(long)]
        payments: bool,
        /// With --payments: add outgoing lines until the statement has this many lines.
        #[arg(long, default_value_t = 0)]
        bank_lines: u64,
        /// Number of debtors (default: one per 20 invoices, at most 50,000).
        #[arg(long)]
        debtors: Option<u64>,
    },
}

/// Generates the files and says what was written.
pub fn run(a: Args) -> Result<()> {
    let FixturesCommand::Generate {
        invoices,
        seed,
        out,
        dialect,
        until,
        payments,
        bank_lines,
        debtors,
    } = a.command;
    let written = generate(&Generate {
        invoices,
        seed,
        out: &out,
        dialects: &dialect,
        until,
        payments: payments.then_some(bank_lines),
        debtors,
    })?;
    for line in written {
        println!("{line}");
    }
    Ok(())
}
