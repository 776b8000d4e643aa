//! `incasso`: gets unpaid invoices from a company's books to a collection agency.
//!
//! This binary parses arguments, calls the engine (`incasso-engine`) and renders what comes back.
//! Each command lives in `commands/`, with its arguments; exit codes are [`exit::ExitStatus`].

mod args;
mod commands;
mod console;
mod exit;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use commands::*;
use exit::ExitStatus;
use incasso_engine::Workspace;

/// mimalloc keeps memory it freed for the next allocation instead of handing large blocks back to
/// the system and faulting fresh pages in again: matching a million invoices allocates and frees
/// much (measured in docs/performance-history.md, session 13).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Unpaid invoices from your books to a collection agency, correctly and without losing anything.
#[derive(Parser)]
#[command(name = "incasso", version, propagate_version = true)]
struct Cli {
    /// Data directory of the administration (one per administration).
    #[arg(
        long,
        global = true,
        env = "INCASSO_DATA_DIR",
        default_value = "./incasso-data"
    )]
    data_dir: PathBuf,
    /// Policy file for every command that reads the policy (default: DATA_DIR/policy.toml, else
    /// built-in defaults); the creditor's name, IBAN and numbers live under `[creditor]` there.
    #[arg(long, global = true, env = "INCASSO_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// What every command gets: the administration and today's date (UTC, read once).
pub struct Ctx {
    /// The administration named by `--data-dir` and `--policy`.
    pub ws: Workspace,
    /// Today, for commands whose date defaults to it.
    pub today: NaiveDate,
}

impl Ctx {
    /// The date given, else today.
    pub fn date(&self, given: Option<NaiveDate>) -> NaiveDate {
        given.unwrap_or(self.today)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Import ledger exports (CSV, xlsx/xls/ods, UBL e-invoices), bank statements (camt.053,
    /// MT940, Dutch and Belgian banks' CSV exports) into the store; each file atomically, a
    /// re-import changes nothing. The format is detected from the content.
    Import(import::Args),
    /// List open items as of a date.
    Receivables(report::ReceivablesArgs),
    /// Totals of open items per currency and ageing bucket.
    Ageing(report::AgeingArgs),
    /// Payments applied to documents: payment, document, amount, rule, confidence.
    Allocations(payments::ListArgs),
    /// Payments received but not applied to any document (unidentified money, unapplied cash).
    Unmatched(payments::ListArgs),
    /// Doubtful matches waiting for a person; confirm one with `incasso allocate`.
    Review(payments::ListArgs),
    /// Work out what the payments paid and keep it in the store (reads reuse it while nothing
    /// changes); `--full` matches from scratch and checks the kept one.
    Reconcile(reconcile::Args),
    /// Record that a payment pays a document; wins over the matching rules on every later run.
    Allocate(payments::AllocateArgs),
    /// Record that a payment must not pay a document, or any document when none is given.
    Unallocate(payments::UnallocateArgs),
    /// The nightly job: sync, inbox, reconcile, claims, submission, report; a JSON summary
    /// (exit 0 success, 1 partial, 3 busy, 4 a step failed).
    Run(run::Args),
    /// Pull invoices, credit notes, contacts and payments from the accounting APIs configured as
    /// `[[source]]` in the job's TOML (Moneybird, Exact Online, Xero, Twinfield), incrementally.
    Sync(sync::Args),
    /// One self-contained HTML page: ageing chart, totals, top debtors, money not applied, claims, conflicts.
    Report(report_html::Args),
    /// Import what bookkeepers drop into a folder: processed/ when done, quarantine/ with a note when not.
    Watch(watch::Args),
    /// The workbench: a local web app for the review queue, money not applied and held claims.
    Serve(serve::Args),
    /// Send qualifying claims to the agency's intake API, exactly once (see `agency.toml`).
    Submit(submit::Args),
    /// What was sent to the agency and where each claim stands (--refresh: ask the agency).
    Submissions(submit::SubmissionsArgs),
    /// The agency's side: the intake server and the export of received claims.
    Intake(intake::Args),
    /// Run the flow on the bundled fixtures in a fresh data directory and show the result.
    Demo(demo::Args),
    /// Collection costs, statutory interest and whole claims under Dutch and Belgian law.
    Calc(calc::Args),
    /// Which debts go to the agency as of a date, with costs and interest, and why others do not.
    Claims(claims::Args),
    /// Letters sent to debtors: reminders, 14-day letters, pre-incasso letters.
    Reminders(reminders::Args),
    /// Payment plans (betalingsregelingen) and compromises.
    Plans(plans::Args),
    /// Statutory interest tables: what each covers, and new periods with their source.
    Rates(rates::Args),
    /// Write the 14-day letter or pre-incasso letter for a debtor.
    Letter(letter::Args),
    /// Documents two kinds of source describe differently, or a later file would make a settled one owed again; `resolve` chooses a version.
    Conflicts(conflicts::Args),
    /// The audit log: imports and every change to a stored record.
    Audit(args::FormatArg),
    /// Test and benchmark data.
    Fixtures(incasso_fixtures_gen::cli::Args),
    /// The data directory itself: move one written by an older incasso to this one's schema.
    Store(store::Args),
}

impl Command {
    /// Whether the command only reads the administration's store (it must then exist).
    fn reads_only(&self) -> bool {
        match self {
            Command::Receivables(_)
            | Command::Ageing(_)
            | Command::Claims(_)
            | Command::Audit(_)
            | Command::Report(_)
            | Command::Allocations(_)
            | Command::Unmatched(_)
            | Command::Review(_)
            | Command::Reconcile(_) => true,
            Command::Conflicts(a) => a.reads_only(),
            Command::Submissions(a) => !a.refresh,
            Command::Reminders(a) => a.reads_only(),
            Command::Plans(a) => a.reads_only(),
            Command::Letter(a) => !a.record,
            Command::Submit(a) => a.dry_run,
            _ => false,
        }
    }

    /// Runs the command.
    fn run(self, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
        match self {
            Command::Import(a) => import::run(ctx, a),
            Command::Receivables(a) => report::receivables(ctx, a),
            Command::Ageing(a) => report::ageing(ctx, a),
            Command::Audit(a) => report::audit(ctx, a.format),
            Command::Allocations(a) => payments::allocations(ctx, a),
            Command::Unmatched(a) => payments::unmatched(ctx, a),
            Command::Review(a) => payments::review(ctx, a),
            Command::Reconcile(a) => reconcile::run(ctx, a),
            Command::Allocate(a) => payments::allocate(ctx, a),
            Command::Unallocate(a) => payments::unallocate(ctx, a),
            Command::Run(a) => run::run(ctx, a),
            Command::Sync(a) => sync::run(ctx, a),
            Command::Report(a) => report_html::run(ctx, a),
            Command::Watch(a) => watch::run(ctx, a),
            Command::Serve(a) => serve::run(ctx, a),
            Command::Submit(a) => submit::run(ctx, a),
            Command::Submissions(a) => submit::submissions(ctx, a),
            Command::Intake(a) => intake::run(ctx, a),
            Command::Demo(a) => demo::run(ctx, a),
            Command::Calc(a) => calc::run(a),
            Command::Claims(a) => claims::run(ctx, a),
            Command::Reminders(a) => reminders::run(ctx, a),
            Command::Plans(a) => plans::run(ctx, a),
            Command::Rates(a) => rates::run(ctx, a),
            Command::Letter(a) => letter::run(ctx, a),
            Command::Conflicts(a) => conflicts::run(ctx, a),
            Command::Fixtures(a) => incasso_fixtures_gen::cli::run(a).map(|()| ExitStatus::Success),
            Command::Store(a) => store::run(ctx, a),
        }
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    // Ordinary pages for every command, reads too (see incasso_engine::memory).
    incasso_engine::memory::ordinary_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            }
            .into();
        }
    };
    init_tracing(cli.verbose);
    let ctx = Ctx {
        ws: Workspace::new(cli.data_dir, cli.policy),
        today: chrono::Utc::now().date_naive(),
    };
    // Commands that only read never create a store: a mistyped --data-dir is an error, not an
    // empty administration with nothing to claim.
    if cli.command.reads_only() && !ctx.ws.exists() {
        eprintln!(
            "error: no incasso store at {} (import something first, or check --data-dir)",
            ctx.ws.data_dir().display()
        );
        return ExitStatus::Failure.into();
    }
    match cli.command.run(&ctx) {
        Ok(status) => status.into(),
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!(
                "error: {}",
                incasso_connectors::api::secret::redact(&message)
            );
            ExitStatus::Failure.into()
        }
    }
}

fn init_tracing(verbose: u8) {
    let level = ["warn", "info", "debug", "trace"][usize::from(verbose.min(3))];
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Lets `incasso receivables | head` end quietly, as Unix tools do, instead of panicking.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
