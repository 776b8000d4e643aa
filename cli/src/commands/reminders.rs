//! `incasso reminders add|list|import`: the letters sent to debtors (reminders, 14-day letters,
//! pre-incasso letters), which the 14-day-letter rule and the claims rest on.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use incasso_core::collection::{Reminder, ReminderKind};
use incasso_core::ids::{DebtorId, DocumentNumber};
use serde_json::json;

use crate::args::{parse_date, ChannelArg, Format};
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Arguments of `incasso reminders`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RemindersCommand,
}

impl Args {
    /// Whether the command only reads.
    pub fn reads_only(&self) -> bool {
        matches!(self.command, RemindersCommand::List { .. })
    }
}

#[derive(clap::Subcommand)]
enum RemindersCommand {
    /// Record one letter.
    Add {
        /// The debtor's id.
        #[arg(long)]
        debtor: String,
        /// reminder, fourteen-day-letter or pre-incasso.
        #[arg(long)]
        kind: String,
        /// Date sent.
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        sent: NaiveDate,
        /// Date received, when known (else presumed from the channel).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        received: Option<NaiveDate>,
        /// How it was sent.
        #[arg(long, value_enum, default_value = "post")]
        channel: ChannelArg,
        /// The invoices it named, comma-separated (default: all open and due when sent).
        #[arg(long)]
        items: Option<String>,
        /// The letter did not state the costs that would be charged.
        #[arg(long)]
        costs_not_stated: bool,
    },
    /// Import letters from CSV: debtor,kind,sent,received,channel,items,states_costs.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List the letters.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// Runs `reminders add`, `import` or `list`.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    match a.command {
        RemindersCommand::Add {
            debtor,
            kind,
            sent,
            received,
            channel,
            items,
            costs_not_stated,
        } => {
            let kind = ReminderKind::parse(&kind).with_context(|| {
                format!("unknown kind '{kind}': use reminder, fourteen-day-letter or pre-incasso")
            })?;
            if let Some(r) = received {
                anyhow::ensure!(r >= sent, "--received {r} is before --sent {sent}");
            }
            let letter = Reminder {
                debtor: DebtorId::new(&debtor)?,
                kind,
                sent,
                received,
                channel: channel.into(),
                items: items
                    .as_deref()
                    .map(numbers)
                    .transpose()?
                    .unwrap_or_default(),
                states_costs: !costs_not_stated,
                stated_costs: None,
                written_for: None,
            };
            add(ctx, letter)
        }
        RemindersCommand::Import { file } => import(ctx, &file),
        RemindersCommand::List { format } => list(ctx, format),
    }
}

use incasso_connectors::csv::letters::{self, COLUMNS};

/// Parses a comma-separated list of invoice numbers.
pub fn numbers(list: &str) -> Result<Vec<DocumentNumber>> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| Ok(DocumentNumber::new(s)?))
        .collect()
}

/// Records one letter, after checking it came after default.
fn add(ctx: &Ctx, reminder: Reminder) -> Result<ExitStatus> {
    let (kind, debtor, sent) = (reminder.kind, reminder.debtor.clone(), reminder.sent);
    let store = ctx.ws.store()?;
    let docs = store.documents()?;
    incasso_engine::letters::check_known(
        &docs,
        &store.debtors()?,
        std::slice::from_ref(&reminder),
    )?;
    incasso_engine::letters::check_after_default(&docs, std::slice::from_ref(&reminder))?;
    let added = store.add_reminders(
        std::slice::from_ref(&reminder),
        chrono::Utc::now(),
        "incasso reminders add",
    )?;
    if added == 0 {
        println!("already recorded; nothing changed");
    } else {
        println!(
            "recorded {} to debtor {debtor}, sent {sent}, counts as received {}",
            kind.code(),
            reminder.received_on()
        );
    }
    Ok(ExitStatus::Success)
}

/// Imports letters from a CSV with the header `debtor,kind,sent,received,channel,items,states_costs`
/// (received, channel, items and states_costs may be empty; items separated by `;`).
fn import(ctx: &Ctx, file: &Path) -> Result<ExitStatus> {
    let read = incasso_connectors::csv::letters::read(file)?;
    let store = ctx.ws.store()?;
    let docs = store.documents()?;
    let debtors = store.debtors()?;
    for (letter, line) in &read {
        incasso_engine::letters::check_known(&docs, &debtors, std::slice::from_ref(letter))
            .with_context(|| format!("{}: line {line}: nothing recorded", file.display()))?;
        incasso_engine::letters::check_after_default(&docs, std::slice::from_ref(letter))
            .with_context(|| {
                format!(
                    "{}: line {line}, column 'sent': nothing recorded",
                    file.display()
                )
            })?;
    }
    let letters: Vec<Reminder> = read.into_iter().map(|(l, _)| l).collect();
    let added = store.add_reminders(&letters, chrono::Utc::now(), &file.display().to_string())?;
    println!(
        "{}: {} letters read, {added} new, {} already recorded",
        file.display(),
        letters.len(),
        letters.len() as u64 - added
    );
    Ok(ExitStatus::Success)
}

/// Lists the letters.
fn list(ctx: &Ctx, format: Format) -> Result<ExitStatus> {
    let store = ctx.ws.store()?;
    let all = store.reminders()?;
    let mut out = render::stdout();
    if format == Format::Json {
        let rows: Vec<_> = all
            .iter()
            .map(|r| json!({ "letter": r, "received_on": r.received_on().to_string() }))
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let header: &[&str] = &COLUMNS;
        let rows: Vec<Vec<String>> = all.iter().map(letters::row).collect();
        render::rows(&mut out, format, header, &rows)?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
