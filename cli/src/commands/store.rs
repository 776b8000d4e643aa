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
    println!("{}", incasso_store::migrate::migrate(ctx.ws.data_dir())?);
    Ok(ExitStatus::Success)
}
