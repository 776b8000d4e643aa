//! `incasso conflicts`: documents that two kinds of source describe differently, and their
//! resolution. The first-seen version stays authoritative until a person chooses.

use std::io::Write;

use anyhow::Result;
use incasso_store::ConflictStatus;

use crate::args::Format;
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Arguments of `incasso conflicts`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Option<ConflictsCommand>,
    /// Also list resolved conflicts.
    #[arg(long)]
    all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

impl Args {
    /// Whether the command only reads.
    pub fn reads_only(&self) -> bool {
        self.command.is_none()
    }
}

#[derive(clap::Subcommand)]
enum ConflictsCommand {
    /// Keep the stored version, or make the incoming one current.
    Resolve {
        /// The conflict's id (see `incasso conflicts`).
        id: u64,
        /// Which version wins.
        #[arg(long, value_enum)]
        keep: KeepArg,
    },
}

/// Which version of a conflicting document wins.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum KeepArg {
    /// The version stored first.
    Stored,
    /// The version the later source brought.
    Incoming,
}

/// Lists conflicts, or resolves one.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    match a.command {
        None => list(ctx, a.all, a.format),
        Some(ConflictsCommand::Resolve { id, keep }) => resolve(ctx, id, keep == KeepArg::Incoming),
    }
}

/// Lists open conflicts (all with `all`).
fn list(ctx: &Ctx, all: bool, format: Format) -> Result<ExitStatus> {
    let store = ctx.ws.store()?;
    let conflicts: Vec<_> = store
        .conflicts()?
        .into_iter()
        .filter(|c| all || c.status == ConflictStatus::Open)
        .collect();
    let mut out = render::stdout();
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &conflicts)?;
        writeln!(out)?;
    } else {
        let header: &[&str] = &[
            "id",
            "document",
            "field",
            "stored",
            "incoming",
            "incoming_source",
            "status",
        ];
        let rows: Vec<Vec<String>> = conflicts
            .iter()
            .flat_map(|c| {
                c.diffs.iter().map(move |d| {
                    vec![
                        c.id.to_string(),
                        format!("{} {}", c.document.kind.code(), c.number),
                        d.field.clone(),
                        d.stored.clone(),
                        d.incoming.clone(),
                        c.incoming_source.clone(),
                        serde_json::to_value(&c.status)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default(),
                    ]
                })
            })
            .collect();
        if format == Format::Csv {
            render::csv(&mut out, header, &rows)?;
        } else {
            writeln!(
                out,
                "{} conflict(s){}",
                conflicts.len(),
                if all { "" } else { " open" }
            )?;
            render::table(&mut out, header, &rows)?;
            let open = conflicts
                .iter()
                .any(|c| matches!(c.status, ConflictStatus::Open));
            if open {
                writeln!(
                    out,
                    "\nThe stored version stands until a person decides: `incasso conflicts \
                     resolve ID --keep incoming` takes the incoming one (a dispute or \
                     arrangement ended, a payment reversed), `--keep stored` keeps it (an \
                     older file read again)."
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// Resolves one conflict.
fn resolve(ctx: &Ctx, id: u64, take_incoming: bool) -> Result<ExitStatus> {
    let store = ctx.ws.store()?;
    let by = format!(
        "{} (incasso conflicts resolve)",
        incasso_engine::decisions::os_user()
    );
    let c = store.resolve_conflict(id, take_incoming, chrono::Utc::now(), &by)?;
    match c.status {
        ConflictStatus::TookIncoming => println!(
            "conflict {id}: {} {} now follows {}",
            c.document.kind.code(),
            c.number,
            c.incoming_source
        ),
        _ => println!(
            "conflict {id}: {} {} keeps its stored version",
            c.document.kind.code(),
            c.number
        ),
    }
    Ok(ExitStatus::Success)
}
