//! `incasso demo`: the whole current flow on the bundled fixtures, in a fresh data directory.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_engine::import::{import_paths, ImportOptions};
use incasso_engine::Workspace;

use crate::args::{parse_date, AsOf, Format};
use crate::console::Console;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso demo`.
#[derive(clap::Args)]
pub struct Args {
    /// The fixtures folder of the repository.
    #[arg(long, default_value = "fixtures")]
    pub fixtures: PathBuf,
    /// The date to look from (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Where the demo's own store goes; cleared first, but only if an earlier demo made it.
    #[arg(long, default_value = "target/incasso-demo")]
    pub store: PathBuf,
}

/// Imports `fixtures/ledger`, imports it again (nothing changes), imports the bank statements of
/// `fixtures/bank`, then shows what they paid, ageing and open items.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let (fixtures, data_dir, as_of) = (&a.fixtures, a.store.as_path(), ctx.date(a.as_of));
    let ledger = fixtures.join("ledger");
    anyhow::ensure!(
        ledger.is_dir(),
        "{} not found: run the demo from the repository root or pass --fixtures",
        ledger.display()
    );
    incasso_engine::demo::fresh_store(data_dir)?;
    println!(
        "== import {} into a fresh store at {}",
        ledger.display(),
        data_dir.display()
    );
    let demo = Ctx {
        ws: Workspace::new(data_dir, None),
        today: ctx.today,
    };
    let import = |paths: &[PathBuf]| -> Result<()> {
        let t = import_paths(&demo.ws, paths, &ImportOptions::default(), &Console)?;
        println!(
            "{} file(s): {} imported, {} already imported, {} failed",
            t.files, t.imported, t.unchanged, t.failed
        );
        Ok(())
    };
    import(std::slice::from_ref(&ledger))?;
    println!("\n== the same files again: recognised, nothing changes");
    import(&[ledger])?;
    let agency = LocalAgency::start(&demo)?;
    agency.submit(&format!(
        "claims as of {} (the last day the built-in interest tables cover), sent to an intake \
         server on http://{}",
        agency.as_of, agency.addr
    ))?;
    agency.submit("the same again: every claim is at the agency already, nothing is sent")?;
    let bank = fixtures.join("bank");
    println!(
        "\n== bank statements {}: camt.053, MT940 and a CSV export overlapping the camt",
        bank.display()
    );
    import(&[bank])?;
    println!("\n== what the payments paid, as of {as_of}");
    let list = super::payments::ListArgs {
        as_of: AsOf { as_of: Some(as_of) },
        format: Format::Table,
    };
    super::payments::allocations(&demo, list)?;
    println!("\n== money received but not applied");
    super::payments::unmatched(&demo, list)?;
    println!("\n== doubtful matches waiting for a person (confirm with `incasso allocate`)");
    super::payments::review(&demo, list)?;
    println!("\n== ageing as of {as_of}");
    super::report::ageing(
        &demo,
        super::report::AgeingArgs {
            as_of: Some(as_of),
            by: None,
            buckets: "30,60,90".into(),
            basis: super::report::Basis::Due,
            format: Format::Table,
        },
    )?;
    println!("\n== open items as of {as_of}");
    super::report::receivables(
        &demo,
        super::report::ReceivablesArgs {
            as_of: Some(as_of),
            format: super::report::ReceivablesFormat::Table,
            out: None,
        },
    )?;
    agency.submit(&format!(
        "claims as of {} again, now that the bank statements are in: a claim they may have \
         paid is withdrawn from the agency",
        agency.as_of
    ))?;
    super::submit::submissions(
        &demo,
        super::submit::SubmissionsArgs {
            format: Format::Table,
            refresh: false,
            agency: None,
            release: Vec::new(),
            book_receipt: Vec::new(),
        },
    )?;
    agency.stop();
    let report = data_dir.join("report.html");
    incasso_engine::report::write(&demo.ws, as_of, &report, None, None)?;
    println!("\n== report written to {}", report.display());
    let me = invocation();
    println!(
        "\nThe store is in {dir}. Look further with, for example (from this folder):",
        dir = data_dir.display()
    );
    for rest in [
        format!("ageing --as-of {as_of} --by debtor"),
        format!("receivables --as-of {as_of} --format json"),
        format!("letter --debtor K1 --date {as_of}"),
        "audit".to_string(),
    ] {
        println!("  {me} --data-dir {} {rest}", data_dir.display());
    }
    if me != "incasso" {
        println!("(`cargo install --path cli` puts `incasso` on your PATH.)");
    }
    Ok(ExitStatus::Success)
}

/// How to run this very binary from the current folder: `incasso` when that is what the PATH
/// finds, else its path relative to here (`target/release/incasso`), else its full path.
fn invocation() -> String {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "incasso".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            dir.join("incasso")
                .canonicalize()
                .is_ok_and(|found| found == me)
        })
    });
    if on_path {
        return "incasso".into();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| me.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| me.display().to_string())
}

/// An intake server started here on 127.0.0.1 (an agency of the demo's own, in its store
/// folder), and the claims as of the last day the built-in interest tables cover.
struct LocalAgency<'d> {
    demo: &'d Ctx,
    agency: incasso_engine::demo::Agency,
    addr: std::net::SocketAddr,
    as_of: NaiveDate,
}

impl<'d> LocalAgency<'d> {
    fn start(demo: &'d Ctx) -> Result<Self> {
        let agency = incasso_engine::demo::Agency::start(demo.ws.data_dir())?;
        Ok(LocalAgency {
            demo,
            addr: agency.server.addr,
            agency,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid"),
        })
    }

    /// Submits the claims as they stand now, under `title`.
    fn submit(&self, title: &str) -> Result<()> {
        println!("\n== {title}");
        // The token goes to the submission directly: the agency file names the variable for
        // anyone who submits by hand later.
        let options = incasso_engine::submit::Options {
            ws: &self.demo.ws,
            as_of: self.as_of,
            dry_run: false,
            agency: None,
            rates: None,
            auth: Some(incasso_intake::client::Auth::Bearer(
                self.agency.token.clone(),
            )),
            withdrawals_only: false,
        };
        super::submit::print_tally(&incasso_engine::submit::send(&options, &Console)?);
        Ok(())
    }

    fn stop(self) {
        self.agency.server.stop();
    }
}
