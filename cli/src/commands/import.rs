//! `incasso import`: files into the store, each atomically, each reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use incasso_connectors::csv::{read_ledger, rejected_path, write_rejected, CsvOptions, Profile};
use incasso_connectors::source::inspect;
use incasso_core::model::SourceKind;
use incasso_store::Store;

use crate::progress::Bar;

/// Imports every path; a failing file is reported and the others still run (exit 1 at the end).
pub fn run(data_dir: &Path, paths: &[PathBuf], profile: Option<&Path>, skip_bad_rows: bool) -> Result<ExitCode> {
    let profile = match profile {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    };
    let store = Store::open(data_dir)?;
    let options = CsvOptions { profile, skip_bad_rows, creditor: Some(store.creditor()?) };
    let files = expand(paths)?;
    let (mut imported, mut unchanged, mut failed) = (0, 0, 0);
    for file in &files {
        match import_one(&store, file, &options) {
            Ok(true) => imported += 1,
            Ok(false) => unchanged += 1,
            Err(e) => {
                failed += 1;
                eprintln!("error: {e:#}");
                eprintln!("  {}: nothing from this file was stored", file.display());
            }
        }
    }
    println!(
        "{} file(s): {imported} imported, {unchanged} already imported, {failed} failed",
        files.len()
    );
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Files named directly, and the files directly inside named folders (sorted; dotfiles,
/// temporary names and our own `.rejected.csv` files left out).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("{}", p.display()))?;
        if meta.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| {
                    let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    !(name.starts_with('.')
                        || name.starts_with("~$")
                        || name.ends_with(".rejected.csv")
                        || name.ends_with(".toml")
                        || name.ends_with(".md")
                        || [".part", ".tmp", ".crdownload"].iter().any(|s| name.ends_with(s)))
                })
                .collect();
            inside.sort();
            out.extend(inside);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Imports one file; `Ok(false)` when its exact bytes were imported before.
fn import_one(store: &Store, file: &Path, options: &CsvOptions) -> Result<bool> {
    let inspection = inspect(file)?;
    if let Some(prev) = store.import_by_hash(&inspection.content_hash)? {
        println!(
            "{}: already imported as import #{} on {} ({}); nothing changed",
            file.display(),
            prev.id,
            prev.imported_at.format("%Y-%m-%d %H:%M UTC"),
            prev.source.name
        );
        return Ok(false);
    }
    let started = std::time::Instant::now();
    let mut tx = store.begin_import(inspection.source(SourceKind::CsvFile), chrono::Utc::now())?;
    let bar = Bar::new(&file.display().to_string());
    let report = read_ledger(&inspection, options, &bar, |doc, at| tx.add_document(doc, at).map_err(|e| e.to_string()));
    bar.finish();
    let report = report?;
    for d in &report.debtors {
        tx.add_debtor(d);
    }
    let rejected_file = if report.rejected.is_empty() {
        None
    } else {
        let path = rejected_path(file);
        write_rejected(&path, &report.detection, &report.rejected)
            .with_context(|| format!("writing rejected rows to {}", path.display()))?;
        Some(path)
    };
    let summary = tx.commit()?;
    let r = &summary.record;
    println!("{}: imported as import #{} in {:.2}s", file.display(), r.id, started.elapsed().as_secs_f64());
    println!("{}", report.detection);
    println!(
        "  documents: {} new, {} changed, {} unchanged; debtors: {} new, {} updated",
        r.new, r.changed, r.unchanged, summary.debtors_new, summary.debtors_updated
    );
    println!(
        "  skipped: {} blank, {} totals, {} repeated rows; rejected: {}",
        report.blank_rows,
        report.totals_rows,
        report.repeated_rows,
        report.rejected.len()
    );
    for c in summary.changes.iter().take(20) {
        println!("  changed {c}");
    }
    if summary.changes.len() > 20 {
        println!("  ... and {} more changes (see `incasso audit`)", summary.changes.len() - 20);
    }
    for w in &report.warnings {
        println!("  warning: {w}");
    }
    if let Some(p) = rejected_file {
        println!("  rejected rows written to {}", p.display());
    }
    Ok(true)
}
