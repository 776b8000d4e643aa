//! `incasso sync [--source NAME] [--full]`: pulls the configured accounting APIs into the ledger
//! (see `incasso_engine::sync`) and prints one line per source, or JSON.

use std::path::PathBuf;

use anyhow::Result;
use incasso_engine::sync::{job_data_dir, load_sources, sync, SourceSummary};
use incasso_engine::Workspace;

use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso sync`.
#[derive(clap::Args)]
pub struct Args {
    /// The configuration with the `[[source]]` entries.
    #[arg(long, default_value = "incasso.toml")]
    pub config: PathBuf,
    /// Only this source.
    #[arg(long)]
    pub source: Option<String>,
    /// Re-read everything and void what the API no longer has.
    #[arg(long)]
    pub full: bool,
    /// Take an empty listing of this endpoint (e.g. `external_sales_invoices`) as every record
    /// of it gone upstream, where it would be refused as suspicious; repeatable.
    #[arg(long, value_name = "ENDPOINT")]
    pub accept_empty: Vec<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Syncs and prints; exit 1 when any source failed or warned.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let sources = load_sources(&a.config)?;
    let data_dir = job_data_dir(&a.config, ctx.ws.data_dir())?;
    let ws = Workspace::new(data_dir, None);
    let options = incasso_engine::sync::SyncOptions {
        full: a.full,
        accept_empty: a.accept_empty,
    };
    let summaries = sync(&ws, &sources, a.source.as_deref(), &options)?;
    print(&summaries, a.json)?;
    Ok(ExitStatus::from_ok(summaries.iter().all(|s| s.ok)))
}

/// Prints the summaries: one line per source (with its warnings and error), or JSON.
pub fn print(summaries: &[SourceSummary], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(summaries)?);
        return Ok(());
    }
    for s in summaries {
        for line in s.lines() {
            println!("{line}");
        }
    }
    Ok(())
}
