//! Ledger exports (CSV, and workbooks read as text) into the store.

use std::path::Path;

use anyhow::{Context, Result};
use incasso_connectors::csv::detect::Detection;
use incasso_connectors::csv::{
    read_ledger_seeing, read_ledger_text_seeing, rejected_path, write_rejected, CsvOptions,
};
use incasso_connectors::source::Inspection;
use incasso_core::model::{Document, DocumentKey, DocumentStatus, Location, SourceKind};
use incasso_store::{ImportTx, Omits, Store};
use std::collections::HashSet;

use super::debtors::debtor_fields;
use super::pipeline::{read_into, Handoff};
use super::Listing;
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
#[allow(clippy::too_many_arguments)]
pub(super) fn import_ledger(
    store: &Store,
    file: &Path,
    inspection: &Inspection,
    kind: SourceKind,
    sheet_text: Option<incasso_connectors::xlsx::SheetText>,
    options: &CsvOptions,
    listing: Listing,
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
    // The documents a file listing every open item names, to tell what it leaves out.
    let mut listed: HashSet<DocumentKey> = HashSet::new();
    let every = listing != Listing::Some;
    let add = |tx: &mut ImportTx<'_>, (doc, at): (Document, Location)| -> Result<()> {
        if let Some(o) = omits.get() {
            tx.omits(*o);
        }
        if every {
            listed.insert(doc.key());
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
    let settled = match listing {
        Listing::Some => Vec::new(),
        Listing::EveryOpenItem { .. } if !report.rejected.is_empty() => {
            say!(
                rep,
                "  not settling what it leaves out: {} row(s) were rejected, so the list as read \
                 is not every open item",
                report.rejected.len()
            );
            Vec::new()
        }
        Listing::EveryOpenItem { settle_most } => {
            settle_unlisted(store, &mut tx, file, &listed, settle_most)?
        }
    };
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
    if !settled.is_empty() {
        let mut named: Vec<&str> = settled.iter().take(20).map(|k| k.number.as_str()).collect();
        if settled.len() > 20 {
            named.push("...");
        }
        say!(
            rep,
            "  settled in the books (open here, not in this list of every open item): {}: {}",
            settled.len(),
            named.join(", ")
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

/// Refused without `settle_most` when a list of every open item would settle more than half of
/// the open items and more than this many: a wrong file (another administration, a filtered
/// export) is likelier than books that settled them all at once.
const SETTLE_MOST_FROM: usize = 10;

/// Closes, in `tx`, the documents still open in incasso that an earlier ledger file brought and
/// this list of every open item leaves out: a new version, status paid, whose place says it was
/// not listed. Documents an API or an e-invoice defines are left to those sources. Returns their
/// keys.
fn settle_unlisted(
    store: &Store,
    tx: &mut ImportTx<'_>,
    file: &Path,
    listed: &HashSet<DocumentKey>,
    settle_most: bool,
) -> Result<Vec<DocumentKey>> {
    let creditor = store.creditor()?;
    let mut open = 0usize;
    let mut left_out = Vec::new();
    for d in store.documents()? {
        let doc = d.document;
        let from_ledger_file = matches!(
            d.provenance.source.kind,
            SourceKind::CsvFile | SourceKind::SpreadsheetFile
        );
        let still_open = matches!(
            doc.status,
            DocumentStatus::Open | DocumentStatus::Disputed | DocumentStatus::PaymentPending
        );
        if doc.creditor != creditor || !from_ledger_file || !still_open {
            continue;
        }
        open += 1;
        if !listed.contains(&doc.key()) {
            left_out.push(doc);
        }
    }
    if !settle_most && left_out.len() > SETTLE_MOST_FROM && left_out.len() * 2 > open {
        anyhow::bail!(
            "{}: it lists {} document(s) and leaves out {} of the {} still open from ledger \
             files; settling that many at once looks like the wrong file (another \
             administration, a filtered export), so nothing of it was stored. If the books \
             really settled them, import it with --complete --settle-most",
            file.display(),
            listed.len(),
            left_out.len(),
            open
        );
    }
    // What the file's columns did not say is no part of this: the status is what it states.
    tx.omits(Omits::default());
    let mut keys = Vec::with_capacity(left_out.len());
    for mut doc in left_out {
        doc.status = DocumentStatus::Paid;
        doc.source_open = Some(rust_decimal::Decimal::ZERO);
        tx.add_document(&doc, Location::NotListed)?;
        keys.push(doc.key());
    }
    keys.sort();
    Ok(keys)
}
