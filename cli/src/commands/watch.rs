//! `incasso watch INBOX`: passes over the inbox (see `incasso_engine::inbox`), on change
//! notifications and at the latest every poll interval, or one pass with `--once`.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use incasso_engine::inbox::{pass, Pass};

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

/// Watches the inbox, or one pass with `once`. A pass runs when the file system reports a change
/// in the inbox, and at the latest every `poll` (network shares often report nothing).
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let (inbox, once): (&Path, bool) = (&a.inbox, a.once);
    let poll = Duration::from_secs(a.poll_seconds);
    let settle = Duration::from_millis(a.settle_ms);
    use notify::Watcher;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = None;
    if !once {
        match notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
            if e.is_ok() {
                let _ = tx.send(());
            }
        }) {
            Ok(mut w) => match w.watch(inbox, notify::RecursiveMode::NonRecursive) {
                Ok(()) => watcher = Some(w),
                Err(e) => eprintln!(
                    "warning: no change notifications for {} ({e}); polling every {}s",
                    inbox.display(),
                    poll.as_secs()
                ),
            },
            Err(e) => eprintln!(
                "warning: no change notifications ({e}); polling every {}s",
                poll.as_secs()
            ),
        }
    }
    loop {
        // Each pass opens the store and lets go of it after: a nightly run may need it between passes.
        let ws = incasso_engine::Workspace::new(ctx.ws.data_dir(), None);
        let p = match pass(&ws, inbox, settle, &Console) {
            Ok(p) => p,
            Err(e) if !once => {
                // A watcher keeps watching: the store may be busy with a nightly run.
                eprintln!("error: {e:#}; trying again in {}s", poll.as_secs());
                std::thread::sleep(poll);
                continue;
            }
            Err(e) => return Err(e),
        };
        report(&p);
        if once {
            println!(
                "inbox: {} imported, {} seen before, {} quarantined, {} still being written",
                p.imported.len(),
                p.repeated.len(),
                p.quarantined.len(),
                p.waiting.len()
            );
            return Ok(ExitStatus::from_ok(p.quarantined.is_empty()));
        }
        // A file still being written is looked at again soon; otherwise wait for news.
        let wait = if p.waiting.is_empty() {
            poll
        } else {
            settle.max(Duration::from_millis(500))
        };
        if watcher.is_some() {
            if rx.recv_timeout(wait).is_ok() {
                while rx.try_recv().is_ok() {}
            }
        } else {
            std::thread::sleep(wait);
        }
    }
}
