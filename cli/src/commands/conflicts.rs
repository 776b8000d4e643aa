//! `incasso conflicts`: documents that two kinds of source describe differently, and their
//! resolution. The first-seen version stays authoritative until a person chooses.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use incasso_store::{ConflictStatus, Store};

use crate::{output, Format};

/// Lists open conflicts (all with `all`).
pub fn list(data_dir: &Path, all: bool, format: Format) -> Result<ExitCode> {
    let store = Store::open(data_dir)?;
    let conflicts: Vec<_> = store
        .conflicts()?
        .into_iter()
        .filter(|c| all || c.status == ConflictStatus::Open)
        .collect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &conflicts)?;
        writeln!(out)?;
    } else {
        let header: Vec<String> = [
            "id",
            "document",
            "field",
            "stored",
            "incoming",
            "incoming_source",
            "status",
        ]
        .map(String::from)
        .to_vec();
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
            output::csv(&mut out, &header, &rows)?;
        } else {
            writeln!(
                out,
                "{} conflict(s){}",
                conflicts.len(),
                if all { "" } else { " open" }
            )?;
            output::table(&mut out, &header, &rows)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves one conflict.
pub fn resolve(data_dir: &Path, id: u64, take_incoming: bool) -> Result<ExitCode> {
    let store = Store::open(data_dir)?;
    let c = store.resolve_conflict(id, take_incoming, chrono::Utc::now())?;
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
    Ok(ExitCode::SUCCESS)
}
