//! `incasso store migrate`: moves a data directory written by an older incasso to this build's
//! schema (see `incasso_store::migrate`), keeping a copy of it as it was.

use anyhow::Result;

use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso store`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(clap::Subcommand)]
enum StoreCommand {
    /// Rewrite the store's records in this incasso's schema (a copy of the old store is kept).
    Migrate,
}

/// Migrates the data directory.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let StoreCommand::Migrate = a.command;
    let m = incasso_store::migrate::migrate(ctx.ws.data_dir())?;
    match &m.backup {
        None => println!("the store is at schema {} already; nothing to do", m.to),
        Some(b) => println!(
            "migrated from schema {} to {}: {} document versions, {} bank lines, {} other records; the store as it was is in {} (delete it when satisfied)",
            m.from, m.to, m.documents, m.payments, m.records, b.display()
        ),
    }
    Ok(ExitStatus::Success)
}
