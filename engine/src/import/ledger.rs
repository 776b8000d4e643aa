//! Ledger exports (CSV, and workbooks read as text) into the store.

use std::path::Path;

use anyhow::{Context, Result};
use incasso_connectors::csv::detect::Detection;
use incasso_connectors::csv::{
    read_ledger_seeing, read_ledger_text_seeing, rejected_path, write_rejected, CsvOptions,
};
use incasso_connectors::source::Inspection;
use incasso_core::model::{Document, Location, SourceKind};
use incasso_store::{ImportTx, Omits, Store};

use super::debtors::debtor_fields;
use super::pipeline::{read_into, Handoff};
use crate::{say, Reporter};

/// Hands one document over; an error once the store writer has stopped.
fn push(h: &mut Handoff<(Document, Location)>, doc: Document, at: Location) -> Result<(), String> {
    if h.push((doc, at)) {
        Ok(())
    } else {
        Err("the store writer stopped".into())
    }
}

/// Reads a ledger export (CSV, or a workbook's sheet as text) into the store.
pub(super) fn import_ledger(
    store: &Store,
    file: &Path,
    inspection: &Inspection,
    kind: SourceKind,
    sheet_text: Option<incasso_connectors::xlsx::SheetText>,
    options: &CsvOptions,
    rep: &dyn Reporter,
) -> Result<bool> {
    let started = std::time::Instant::now();
    let tx = store.begin_import(inspection.source(kind), chrono::Utc::now())?;
    let bar = rep.progress(&file.display().to_string());
    let name = file.display().to_string();
    // What the file's columns do not say, set by the reader before its first document.
    let omits = std::sync::OnceLock::new();
    let seen = &mut |d: &Detection| {
        let _ = omits.set(Omits {
            status: !d.gives_status(),
            open: !d.gives_open(),
        });
    };
    let add = |tx: &mut ImportTx<'_>, (doc, at): (Document, Location)| -> Result<()> {
        if let Some(o) = omits.get() {
            tx.omits(*o);
        }
        Ok(tx.add_document(&doc, at)?)
    };
    let (report, tx) = match &sheet_text {
        None => read_into(tx, add, |h| {
            read_ledger_seeing(inspection, options, &*bar, seen, &mut |doc, at| {
                push(h, doc, at)
            })
        }),
        Some(sheet) => {
            let label = format!("{name}, sheet '{}'", sheet.sheet);
            let sheet_name = sheet.sheet.clone();
            let sheet_options = CsvOptions {
                row_word: Some("row"),
                formulas_without_value: sheet.without_value.clone(),
                ..options.clone()
            };
            read_into(tx, add, |h| {
                read_ledger_text_seeing(
                    &label,
                    sheet.text.clone(),
                    &sheet_options,
                    &*bar,
                    seen,
                    |doc, at| {
                        let at = match at {
                            Location::Line(row) => Location::SheetRow {
                                sheet: sheet_name.clone(),
                                row,
                            },
                            other => other,
                        };
                        push(h, doc, at)
                    },
                )
            })
        }
    };
    drop(bar);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "file read and checked against the store"
    );
    // A store failure stops the reader too; then the store's error is the one to tell.
    let (report, mut tx) = match (report, tx) {
        (_, Err(e)) => return Err(e),
        (Err(e), Ok(_)) => return Err(e.into()),
        (Ok(r), Ok(t)) => (r, t),
    };
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
    let summary = tx.commit_unflushed()?;
    let r = &summary.record;
    rep.info(&super::imported(file, r.id, started));
    say!(rep, "{}", report.detection);
    say!(
        rep,
        "  documents: {} new, {} changed, {} unchanged; debtors: {} new, {} updated",
        r.new,
        r.changed,
        r.unchanged,
        summary.debtors_new,
        summary.debtors_updated
    );
    if let Some(line) = debtor_fields(&report.debtors) {
        say!(rep, "  {line}");
    }
    if r.merged + r.conflicts > 0 {
        say!(
            rep,
            "  other sources: {} documents merged, {} in conflict (see `incasso conflicts`)",
            r.merged,
            r.conflicts
        );
    }
    say!(
        rep,
        "  skipped: {} blank, {} totals, {} repeated rows; rejected: {}",
        report.blank_rows,
        report.totals_rows,
        report.repeated_rows,
        report.rejected.len()
    );
    for c in summary.changes.iter().take(20) {
        say!(rep, "  changed {c}");
    }
    if summary.changes.len() > 20 {
        say!(
            rep,
            "  ... and {} more changes (see `incasso audit`)",
            summary.changes.len() - 20
        );
    }
    for w in &report.warnings {
        say!(rep, "  warning: {w}");
    }
    if let Some(p) = rejected_file {
        say!(rep, "  rejected rows written to {}", p.display());
    }
    Ok(true)
}
