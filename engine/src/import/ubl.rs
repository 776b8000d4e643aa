//! E-invoices (UBL) into the store: read ahead by workers, committed in groups, attachments
//! stored once by hash.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use incasso_connectors::csv::CsvOptions;
use incasso_connectors::detect::Format;
use incasso_connectors::source::Inspection;
use incasso_core::model::{AttachmentRef, Location, SourceKind};
use incasso_store::{ImportRecord, ImportTx, Store};

use super::{refuse_oversized, sniff, ImportTally as Tally};
use crate::{complain, say, Reporter};

/// Imports one UBL invoice or credit note, with its attachments stored once by hash.
pub(super) fn import_ubl(
    store: &Store,
    inspection: &Inspection,
    options: &CsvOptions,
    rep: &dyn Reporter,
) -> Result<bool> {
    let creditor = options.creditor.clone().unwrap_or(store.creditor()?);
    let incoming = store.attachments_dir().join("incoming");
    // Parsed from the descriptor that was hashed: the bytes stored are the bytes hashed.
    let mut bytes = Vec::with_capacity(inspection.size as usize);
    std::io::Read::read_to_end(&mut inspection.open()?, &mut bytes)
        .with_context(|| inspection.path.display().to_string())?;
    let name = inspection.path.display().to_string();
    let ubl = incasso_connectors::ubl::read_bytes(&name, &bytes, &creditor, &incoming)?;
    commit_ubl(store, inspection, ubl, rep)
}

/// A file read ahead of the store by the import worker.
pub(super) enum Prepared {
    /// An e-invoice, parsed (attachments already decoded to temporary files).
    Ubl(Inspection, Box<incasso_connectors::ubl::UblDocument>),
    /// Anything else, or a file already imported: handled whole by `import_one`, with the
    /// format and size found.
    Other(Format, u64),
}

/// Reads an e-invoice ahead of the store; other files are left to `import_one`.
pub(super) fn prepare(
    store: &Store,
    file: &Path,
    creditor: &incasso_core::ids::CreditorId,
) -> Result<Prepared> {
    let (format, size) = sniff(file)?;
    if format != Format::Ubl {
        return Ok(Prepared::Other(format, size));
    }
    refuse_oversized(file, &format, size)?;
    // E-invoices are small: read each once, hash it, and parse from memory.
    let bytes = std::fs::read(file).with_context(|| format!("{}", file.display()))?;
    let content_hash = incasso_connectors::source::hash_hex(&bytes);
    if store.import_by_hash(&content_hash)?.is_some() {
        return Ok(Prepared::Other(format, size));
    }
    let inspection = Inspection {
        path: file.to_path_buf(),
        content_hash,
        encoding: incasso_connectors::source::TextEncoding::Utf8,
        size: bytes.len() as u64,
        head: Vec::new(),
        not_text: None,
        handle: None,
    };
    let incoming = store.attachments_dir().join("incoming");
    let doc = incasso_connectors::ubl::read_bytes(
        &file.display().to_string(),
        &bytes,
        creditor,
        &incoming,
    )?;
    Ok(Prepared::Ubl(inspection, Box::new(doc)))
}

/// Stores one parsed e-invoice with its attachments.
pub(super) fn commit_ubl(
    store: &Store,
    inspection: &Inspection,
    ubl: incasso_connectors::ubl::UblDocument,
    rep: &dyn Reporter,
) -> Result<bool> {
    let mut tx = store.begin_import(inspection.source(SourceKind::UblFile), chrono::Utc::now())?;
    let committed = add_ubl(&mut tx, &ubl).and_then(|()| Ok(tx.commit_unflushed()?));
    let summary = match committed {
        Ok(s) => s,
        Err(e) => {
            discard_attachments(&ubl);
            return Err(e);
        }
    };
    store_attachments(store, &ubl)?;
    print_ubl(&inspection.path, &summary.record, &ubl, rep);
    for c in &summary.changes {
        say!(rep, "  changed {c}");
    }
    Ok(true)
}

/// Adds one parsed e-invoice to a transaction: the document, its debtor, its attachments.
pub(super) fn add_ubl(
    tx: &mut ImportTx<'_>,
    ubl: &incasso_connectors::ubl::UblDocument,
) -> Result<()> {
    let key = ubl.document.key();
    tx.add_document(&ubl.document, Location::Element(format!("/{}", ubl.root)))?;
    tx.add_debtor(&ubl.debtor);
    for a in &ubl.attachments {
        tx.add_attachment(
            &key,
            AttachmentRef {
                hash: a.hash.clone(),
                size: a.size,
                mime: a.mime.clone(),
                filename: a.filename.clone(),
            },
        );
    }
    Ok(())
}

/// Moves decoded attachments to their place by hash (a file already there is the same bytes).
pub(super) fn store_attachments(
    store: &Store,
    ubl: &incasso_connectors::ubl::UblDocument,
) -> Result<()> {
    let dir = store.attachments_dir();
    for a in &ubl.attachments {
        let target = dir.join(&a.hash);
        if target.exists() {
            let _ = std::fs::remove_file(&a.temp_path);
        } else {
            std::fs::rename(&a.temp_path, &target)
                .with_context(|| format!("storing attachment {}", target.display()))?;
        }
    }
    Ok(())
}

pub(super) fn discard_attachments(ubl: &incasso_connectors::ubl::UblDocument) {
    for a in &ubl.attachments {
        let _ = std::fs::remove_file(&a.temp_path);
    }
}

/// What the user sees for one imported e-invoice.
pub(super) fn print_ubl(
    file: &Path,
    r: &ImportRecord,
    ubl: &incasso_connectors::ubl::UblDocument,
    rep: &dyn Reporter,
) {
    let d = &ubl.document;
    let kind = if d.kind == incasso_core::model::DocumentKind::CreditNote {
        "credit note"
    } else {
        "invoice"
    };
    say!(
        rep,
        "{}: imported as import #{} (UBL {kind})",
        file.display(),
        r.id
    );
    say!(
        rep,
        "  {} {} for debtor {}: {} {} (open {}), due {}",
        d.kind.code(),
        d.number,
        d.debtor,
        d.currency,
        incasso_core::money::format_cents(d.total),
        incasso_core::money::format_cents(d.source_open.unwrap_or(d.total)),
        d.due_date
    );
    say!(
        rep,
        "  documents: {} new, {} changed, {} unchanged, {} merged, {} in conflict; attachments: {}",
        r.new,
        r.changed,
        r.unchanged,
        r.merged,
        r.conflicts,
        ubl.attachments.len()
    );
    for n in &ubl.notes {
        say!(rep, "  note: {n}");
    }
}

/// E-invoices read ahead and added to one transaction, committed together (see `run`).
pub(super) struct UblGroup<'s> {
    tx: ImportTx<'s>,
    pub(super) files: Vec<(PathBuf, Box<incasso_connectors::ubl::UblDocument>)>,
    records: Vec<ImportRecord>,
}

/// Largest number of e-invoices committed in one transaction.
pub(super) const GROUP_FILES: usize = 512;

/// Adds one e-invoice to the open group (opening one if needed).
pub(super) fn add_to_group<'s>(
    store: &'s Store,
    group: &mut Option<UblGroup<'s>>,
    inspection: &Inspection,
    ubl: Box<incasso_connectors::ubl::UblDocument>,
    tally: &mut Tally,
    rep: &dyn Reporter,
) -> Result<()> {
    let source = inspection.source(SourceKind::UblFile);
    // The worker read ahead: a group committed since may hold the same bytes.
    if let Some(prev) = store.import_by_hash(&source.content_hash)? {
        say!(
            rep,
            "{}: already imported as import #{} ({}); nothing changed",
            inspection.path.display(),
            prev.id,
            prev.source.name
        );
        discard_attachments(&ubl);
        tally.unchanged += 1;
        return Ok(());
    }
    if let Some(g) = group.as_mut() {
        if g.tx.has_source(&source.content_hash) {
            say!(
                rep,
                "{}: the same bytes are already part of this import; nothing changed",
                inspection.path.display()
            );
            discard_attachments(&ubl);
            tally.unchanged += 1;
            return Ok(());
        }
        let done = g.tx.next_source(source)?;
        g.records.push(done);
    } else {
        let tx = store.begin_import(source, chrono::Utc::now())?;
        *group = Some(UblGroup {
            tx,
            files: Vec::new(),
            records: Vec::new(),
        });
    }
    let g = group.as_mut().expect("opened above");
    let added = add_ubl(&mut g.tx, &ubl);
    g.files.push((inspection.path.clone(), ubl));
    added
}

/// Commits the open group, if any: all its e-invoices become visible together.
pub(super) fn finish_group(
    store: &Store,
    group: &mut Option<UblGroup<'_>>,
    tally: &mut Tally,
    rep: &dyn Reporter,
) {
    let Some(g) = group.take() else { return };
    let UblGroup {
        tx,
        files,
        mut records,
    } = g;
    match tx.commit_unflushed() {
        Ok(summary) => {
            records.push(summary.record.clone());
            for ((file, ubl), record) in files.iter().zip(&records) {
                match store_attachments(store, ubl) {
                    Ok(()) => {
                        print_ubl(file, record, ubl, rep);
                        tally.imported += 1;
                    }
                    Err(e) => {
                        complain!(rep, "error: {e:#}");
                        tally.failed += 1;
                    }
                }
            }
            for c in &summary.changes {
                say!(rep, "  changed {c}");
            }
        }
        Err(e) => report_failed(&files, &anyhow::Error::from(e), tally, rep),
    }
}

/// Reports every file of a group that could not be stored; nothing of it was.
pub(super) fn fail_group(
    g: UblGroup<'_>,
    e: &anyhow::Error,
    tally: &mut Tally,
    rep: &dyn Reporter,
) {
    let UblGroup { tx, files, .. } = g;
    drop(tx);
    report_failed(&files, e, tally, rep);
}

pub(super) fn report_failed(
    files: &[(PathBuf, Box<incasso_connectors::ubl::UblDocument>)],
    e: &anyhow::Error,
    tally: &mut Tally,
    rep: &dyn Reporter,
) {
    for (file, ubl) in files {
        discard_attachments(ubl);
        complain!(rep, "error: {}: {e:#}", file.display());
        complain!(
            rep,
            "  {}: nothing from this file was stored",
            file.display()
        );
        tally.failed += 1;
    }
}
