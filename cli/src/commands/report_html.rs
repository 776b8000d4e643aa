//! `incasso report --out report.html`: the self-contained HTML page (see `incasso_engine::report`).

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;

use crate::args::parse_date;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso report`.
#[derive(clap::Args)]
pub struct Args {
    /// The date to look from (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// The HTML file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The inbox, to list its quarantined files.
    #[arg(long)]
    pub inbox: Option<PathBuf>,
    /// Folder of rate tables replacing the built-in ones.
    #[arg(long)]
    pub rates: Option<PathBuf>,
}

/// Writes the report.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    incasso_engine::report::write(
        &ctx.ws,
        ctx.date(a.as_of),
        &a.out,
        a.inbox.as_deref(),
        a.rates.as_deref(),
    )?;
    println!("report written to {}", a.out.display());
    Ok(ExitStatus::Success)
}
