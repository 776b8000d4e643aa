//! `incasso reminders add|list|import`: the letters sent to debtors (reminders, 14-day letters,
//! pre-incasso letters), which the 14-day-letter rule and the claims rest on.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use incasso_core::collection::{Channel, Reminder, ReminderKind};
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
            };
            add(ctx, letter)
        }
        RemindersCommand::Import { file } => import(ctx, &file),
        RemindersCommand::List { format } => list(ctx, format),
    }
}

/// The columns of a letters CSV: what `list --format csv` writes, `import` reads back.
const COLUMNS: [&str; 7] = [
    "debtor",
    "kind",
    "sent",
    "received",
    "channel",
    "items",
    "states_costs",
];

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
    incasso_engine::letters::check_after_default(
        &store.documents()?,
        std::slice::from_ref(&reminder),
    )?;
    let added = store.add_reminders(
        std::slice::from_ref(&reminder),
        chrono::Utc::now(),
        "incasso reminders add",
    )?;
    if added == 0 {
        println!("already recorded; nothing changed");
    } else {
        println!(
            "recorded {kind:?} to debtor {debtor}, sent {sent}, counts as received {}",
            reminder.received_on()
        );
    }
    Ok(ExitStatus::Success)
}

/// Imports letters from a CSV with the header `debtor,kind,sent,received,channel,items,states_costs`
/// (received, channel, items and states_costs may be empty; items separated by `;`).
fn import(ctx: &Ctx, file: &Path) -> Result<ExitStatus> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let header = rdr.headers()?.clone();
    let want = COLUMNS;
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    for required in &want[..3] {
        anyhow::ensure!(
            col(required).is_some(),
            "{}: missing column '{required}'; the header must be {}",
            file.display(),
            want.join(",")
        );
    }
    let mut letters = Vec::new();
    let mut lines = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: record {}", file.display(), i + 1))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |name: &str| col(name).and_then(|c| rec.get(c)).unwrap_or("").to_string();
        let place = |field: &str| format!("{}: line {line}, column '{field}'", file.display());
        let date = |field: &str| -> Result<Option<NaiveDate>> {
            let v = get(field);
            if v.is_empty() {
                return Ok(None);
            }
            Ok(Some(v.parse::<NaiveDate>().with_context(|| {
                format!("{}: '{v}' is not a date (yyyy-mm-dd)", place(field))
            })?))
        };
        let kind = ReminderKind::parse(&get("kind")).with_context(|| {
            format!("{}: '{}' is not a letter kind", place("kind"), get("kind"))
        })?;
        let channel = match get("channel").to_ascii_lowercase().as_str() {
            "" | "post" => Channel::Post,
            "email" | "e-mail" => Channel::Email,
            other => anyhow::bail!("{}: '{other}' is not post or email", place("channel")),
        };
        let states_costs = match get("states_costs").to_ascii_lowercase().as_str() {
            "" | "true" | "yes" | "ja" => true,
            "false" | "no" | "nee" => false,
            other => anyhow::bail!("{}: '{other}' is not true or false", place("states_costs")),
        };
        lines.push(line);
        letters.push(Reminder {
            debtor: DebtorId::new(&get("debtor")).with_context(|| place("debtor"))?,
            kind,
            sent: date("sent")?
                .with_context(|| format!("{}: the sent date is empty", place("sent")))?,
            received: date("received")?,
            channel,
            items: get("items")
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(DocumentNumber::new)
                .collect::<Result<_, _>>()
                .with_context(|| place("items"))?,
            states_costs,
        });
    }
    let store = ctx.ws.store()?;
    let docs = store.documents()?;
    for (letter, line) in letters.iter().zip(&lines) {
        incasso_engine::letters::check_after_default(&docs, std::slice::from_ref(letter))
            .with_context(|| {
                format!(
                    "{}: line {line}, column 'sent': nothing recorded",
                    file.display()
                )
            })?;
    }
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
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if format == Format::Json {
        let rows: Vec<_> = all
            .iter()
            .map(|r| json!({ "letter": r, "received_on": r.received_on().to_string() }))
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let header: Vec<String> = COLUMNS.map(String::from).to_vec();
        let rows: Vec<Vec<String>> = all
            .iter()
            .map(|r| {
                vec![
                    r.debtor.to_string(),
                    serde_json::to_value(r.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    r.sent.to_string(),
                    r.received_on().to_string(),
                    if r.channel == Channel::Email {
                        "email".into()
                    } else {
                        "post".into()
                    },
                    r.items
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(";"),
                    r.states_costs.to_string(),
                ]
            })
            .collect();
        if format == Format::Csv {
            render::csv(&mut out, &header, &rows)?;
        } else {
            render::table(&mut out, &header, &rows)?;
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
