//! `incasso watch INBOX`: passes over the inbox (see `incasso_engine::inbox`), on change
//! notifications and at the latest every poll interval, or one pass with `--once`.

use std::time::Duration;

use anyhow::Result;
use incasso_engine::inbox::{pass, watch, Pass};

use crate::console::Console;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso watch`.
#[derive(clap::Args)]
pub struct Args {
    /// The inbox folder.
    pub inbox: std::path::PathBuf,
    /// One pass over what is there, then exit (for cron and tests).
    #[arg(long)]
    pub once: bool,
    /// Seconds between passes when watching.
    #[arg(long, default_value_t = 10)]
    pub poll_seconds: u64,
    /// Milliseconds a file's size and time must stay the same before it counts as written.
    #[arg(long, default_value_t = 2000)]
    pub settle_ms: u64,
}

fn report(p: &Pass) {
    for n in &p.imported {
        println!("imported {n} -> processed/");
    }
    for n in &p.repeated {
        println!("{n}: the same content was imported before; moved to processed/ without importing again");
    }
    for (n, _) in &p.quarantined {
        println!("quarantined {n}: see quarantine/{n}.error.txt");
    }
    for n in &p.waiting {
        println!("{n} is still being written; it is taken on the next pass");
    }
}

/// Watches the inbox, or one pass with `--once`.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let settle = Duration::from_millis(a.settle_ms);
    if a.once {
        let p = pass(&ctx.ws, &a.inbox, settle, &Console)?;
        report(&p);
        println!(
            "inbox: {} imported, {} seen before, {} quarantined, {} still being written",
            p.imported.len(),
            p.repeated.len(),
            p.quarantined.len(),
            p.waiting.len()
        );
        return Ok(ExitStatus::from_ok(p.quarantined.is_empty()));
    }
    let poll = Duration::from_secs(a.poll_seconds);
    let stop = crate::exit::on_interrupt();
    watch(
        ctx.ws.data_dir(),
        &a.inbox,
        (poll, settle),
        stop,
        &Console,
        report,
    )?;
    eprintln!("watch stopped by a signal after the pass in progress; nothing is half-imported");
    Ok(ExitStatus::Interrupted)
}
