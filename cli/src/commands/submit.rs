//! `incasso submit` and `incasso submissions`: qualifying claims to the agency's intake API (see
//! `incasso_engine::submit`), and the record of what was sent.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_engine::submit::{send, Options, Submitted};

use crate::args::{parse_date, Format};
use crate::console::Console;
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Arguments of `incasso submit`.
#[derive(clap::Args)]
pub struct Args {
    /// The date the claims are computed for (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Check the batches against the schema and print them; send and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The agency configuration (default: DATA_DIR/agency.toml).
    #[arg(long)]
    pub agency: Option<PathBuf>,
    /// Folder of rate tables replacing the built-in ones.
    #[arg(long)]
    pub rates: Option<PathBuf>,
}

/// Sends what qualifies; exit 0 when every claim sent was accepted, 1 otherwise.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let options = Options {
        ws: &ctx.ws,
        as_of: ctx.date(a.as_of),
        dry_run: a.dry_run,
        agency: a.agency.as_deref(),
        rates: a.rates.as_deref(),
        auth: None,
        withdrawals_only: false,
    };
    let sent = send(&options, &Console)?;
    if a.dry_run {
        print_dry_run(&sent)?;
        return Ok(ExitStatus::Success);
    }
    if let Some(r) = &sent.refreshed {
        eprintln!("{}", refreshed_line(r));
    }
    print_tally(&sent);
    Ok(ExitStatus::from_ok(sent.clean()))
}

/// The batches a dry run would send, as JSON, and how many.
fn print_dry_run(sent: &Submitted) -> Result<()> {
    let mut out = render::stdout();
    for batch in &sent.dry_run_batches {
        serde_json::to_writer_pretty(&mut out, batch)?;
        writeln!(out)?;
    }
    out.flush()?;
    let claims: usize = sent
        .dry_run_batches
        .iter()
        .map(|b| b.claims.len() + b.withdrawals.len())
        .sum();
    eprintln!(
        "dry run: {claims} claim(s) in {} batch(es) pass the schema's rules; nothing was sent or recorded",
        sent.dry_run_batches.len()
    );
    Ok(())
}

/// The summary line of a submission.
pub fn print_tally(sent: &Submitted) {
    let t = &sent.tally;
    println!(
        "submitted: {} accepted, {} rejected, {} unchanged since accepted, {} held back, {} not sent, {} withdrawn{}{}",
        t.accepted,
        t.rejected,
        t.unchanged,
        t.held,
        t.unsent,
        t.withdrawn,
        if t.not_tried > 0 { format!(", {} not tried (the run stopped; the next run sends them)", t.not_tried) } else { String::new() },
        if t.resumed > 0 { format!(" ({} batch(es) resumed)", t.resumed) } else { String::new() }
    );
}

/// What reading the agency's change feed did, in one line.
fn refreshed_line(r: &incasso_engine::submit::status::Refreshed) -> String {
    format!(
        "refreshed: {} change(s) read, {}{} claim status(es) recorded, {} amount(s) the agency collected booked{}",
        r.changes,
        if r.taken_over == 0 { String::new() } else { format!("{} claim(s) the agency holds taken over from its change feed, ", r.taken_over) },
        r.statuses,
        r.booked.len(),
        if r.held.is_empty() { String::new() } else { format!(", {} held for a person", r.held.len()) }
    )
}

/// Arguments of `incasso submissions`.
#[derive(clap::Args)]
pub struct SubmissionsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Read the agency's status of each claim first, and book what it collected.
    #[arg(long)]
    pub refresh: bool,
    /// The agency configuration (default: DATA_DIR/agency.toml).
    #[arg(long)]
    pub agency: Option<PathBuf>,
    /// A claim taken over from the agency's change feed whose books claim more than the agency
    /// holds: the books are right, send what they claim (repeatable).
    #[arg(long, value_name = "CLAIM")]
    pub release: Vec<String>,
    /// A receipt of the agency the refresh held (column receipts_not_booked), as
    /// CLAIM:RECEIPT: it is right, book it (repeatable).
    #[arg(long, value_name = "CLAIM:RECEIPT")]
    pub book_receipt: Vec<String>,
}

/// Lists what was sent and where each claim stands, after asking the agency with `--refresh`.
pub fn submissions(ctx: &Ctx, a: SubmissionsArgs) -> Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    if !a.release.is_empty() {
        let not = ctx.ws.store()?.release_taken_over(&a.release)?;
        for id in &a.release {
            if not.contains(id) {
                eprintln!("error: claim {id} is no claim taken over from the agency's change feed: nothing released");
                status = ExitStatus::from_ok(false);
            } else {
                eprintln!("released claim {id}: the next submission sends what the books claim");
            }
        }
    }
    let mut refused = false;
    for named in &a.book_receipt {
        let Some((claim, receipt)) = named
            .split_once(':')
            .filter(|(c, r)| !c.trim().is_empty() && !r.trim().is_empty())
        else {
            eprintln!("error: --book-receipt '{named}': write it as CLAIM:RECEIPT, both named (see `incasso submissions`, column receipts_not_booked)");
            refused = true;
            continue;
        };
        match incasso_engine::submit::status::book_held_receipt(&ctx.ws, claim, receipt) {
            Ok(said) => eprintln!("{said}"),
            Err(e) => {
                eprintln!("error: {e:#}");
                refused = true;
            }
        }
    }
    // A refused booking says so alone: no listing after it to scroll past (review 45c, F-4).
    if refused {
        return Ok(ExitStatus::from_ok(false));
    }
    if a.refresh {
        let r = incasso_engine::submit::status::refresh(
            &ctx.ws,
            a.agency.as_deref(),
            None,
            &crate::console::Stderr,
        )?;
        eprintln!("{}", refreshed_line(&r));
        if !r.held.is_empty() {
            status = ExitStatus::from_ok(false);
        }
    }
    let format = a.format;
    let store = ctx.ws.store()?;
    let mut subs = store.submissions()?;
    subs.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
    let header: &[&str] = &[
        "claim",
        "debtor",
        "currency",
        "revision",
        "state",
        "accepted_revision",
        "total",
        "items",
        "updated_at",
        "reasons",
        "agency_state",
        "agency_since",
        "collected",
        "receipts_not_booked",
    ];
    let rows: Vec<Vec<String>> = subs
        .iter()
        .map(|s| {
            vec![
                s.claim_id.clone(),
                s.debtor.clone(),
                s.currency.clone(),
                s.revision.to_string(),
                s.state.code().to_string(),
                s.accepted_revision.to_string(),
                s.total.clone(),
                s.items.join(" "),
                s.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                s.reasons.join("; "),
                s.agency
                    .as_ref()
                    .map(|g| g.state.clone())
                    .unwrap_or_default(),
                s.agency
                    .as_ref()
                    .map(|g| g.since.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default(),
                s.agency
                    .as_ref()
                    .map(|g| {
                        g.collected
                            .iter()
                            .filter_map(|(_, _, a)| a.parse::<rust_decimal::Decimal>().ok())
                            .sum::<rust_decimal::Decimal>()
                            .to_string()
                    })
                    .unwrap_or_default(),
                s.agency
                    .iter()
                    .flat_map(|g| g.unbooked.iter().map(|(id, why)| format!("{id}: {why}")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    let mut out = render::stdout();
    render::rows(&mut out, format, header, &rows)?;
    Ok(status)
}
