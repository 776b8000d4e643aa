//! `incasso run --config incasso.toml`: the nightly job (see `incasso_engine::run`); prints its
//! JSON summary. Exit 0 success, 1 partial, 3 busy (another run holds the lock), 4 a step failed.

use std::path::PathBuf;

use anyhow::Result;
use incasso_engine::run::RunStatus;

use crate::console::Console;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso run`.
#[derive(clap::Args)]
pub struct Args {
    /// The job's configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
}

/// Runs the job and prints its summary.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let (dir, policy) = (ctx.ws.data_dir(), ctx.ws.policy_file());
    let outcome = incasso_engine::run::run(&a.config, dir, policy, ctx.today, &Console)?;
    println!("{}", outcome.to_json()?);
    Ok(match outcome.status() {
        RunStatus::Success => ExitStatus::Success,
        RunStatus::Partial => ExitStatus::Failure,
        RunStatus::Busy => ExitStatus::Busy,
        RunStatus::Failure => ExitStatus::Broken,
    })
}
