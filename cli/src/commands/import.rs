//! `incasso import`: files into the store, each atomically, each reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use incasso_connectors::csv::{
    read_ledger, read_ledger_text, rejected_path, write_rejected, CsvError, CsvOptions, CsvReport,
    Profile,
};
use incasso_connectors::detect::{detect, Format};
use incasso_connectors::source::{inspect, Inspection};
use incasso_core::model::{AttachmentRef, Document, Location, SourceKind};
use incasso_store::{ImportRecord, ImportTx, Store};

use crate::commands::import_bank::{self, Statement};
use crate::progress::Bar;

/// Imports every path; a failing file is reported and the others still run (exit 1 at the end).
pub fn run(
    data_dir: &Path,
    paths: &[PathBuf],
    profile: Option<&Path>,
    skip_bad_rows: bool,
    sheet: Option<&str>,
    accept_unbalanced: bool,
) -> Result<ExitCode> {
    let profile = match profile {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    };
    let store = Store::open(data_dir)?;
    let options = CsvOptions {
        profile,
        skip_bad_rows,
        creditor: Some(store.creditor()?),
        row_word: None,
        accept_unbalanced,
    };
    let files = expand(paths)?;
    let mut tally = Tally::default();
    let creditor = store.creditor()?;
    // A worker reads e-invoices ahead (hash, parse, attachments) while this thread stores them;
    // consecutive e-invoices are committed together, each keeping its own import record.
    std::thread::scope(|scope| -> Result<()> {
        // Two readers take alternate files; results are taken back in file order.
        let (store_ref, files_ref, creditor_ref) = (&store, &files, &creditor);
        let mut receivers = Vec::new();
        for worker in 0..2usize {
            let (send, recv) = std::sync::mpsc::sync_channel::<Result<Prepared>>(16);
            receivers.push(recv);
            scope.spawn(move || {
                for f in files_ref.iter().skip(worker).step_by(2) {
                    if send.send(prepare(store_ref, f, creditor_ref)).is_err() {
                        break;
                    }
                }
            });
        }
        let recv = (0..files.len()).map_while(|i| receivers[i % 2].recv().ok());
        let mut group: Option<UblGroup<'_>> = None;
        for (n, (file, prepared)) in files.iter().zip(recv).enumerate() {
            // Durability is made every few hundred files and at the end.
            if n % 256 == 255 {
                finish_group(&store, &mut group, &mut tally);
                store.flush()?;
            }
            let outcome = match prepared {
                Ok(Prepared::Ubl(inspection, doc)) => {
                    if let Err(e) = add_to_group(&store, &mut group, &inspection, doc, &mut tally) {
                        if let Some(g) = group.take() {
                            fail_group(g, &e, &mut tally);
                        }
                    } else if group.as_ref().is_some_and(|g| g.files.len() >= GROUP_FILES) {
                        finish_group(&store, &mut group, &mut tally);
                    }
                    continue;
                }
                Ok(Prepared::Other(format, size)) => {
                    finish_group(&store, &mut group, &mut tally);
                    import_one(&store, file, format, size, &options, sheet)
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(true) => tally.imported += 1,
                Ok(false) => tally.unchanged += 1,
                Err(e) => {
                    tally.failed += 1;
                    eprintln!("error: {e:#}");
                    eprintln!("  {}: nothing from this file was stored", file.display());
                }
            }
        }
        finish_group(&store, &mut group, &mut tally);
        Ok(())
    })?;
    store.flush()?;
    println!(
        "{} file(s): {} imported, {} already imported, {} failed",
        files.len(),
        tally.imported,
        tally.unchanged,
        tally.failed
    );
    Ok(if tally.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    !(name.starts_with('.')
                        || name.starts_with("~$")
                        || name.ends_with(".rejected.csv")
                        || name.ends_with(".toml")
                        || name.ends_with(".md")
                        || name.ends_with(".json")
                        || [".part", ".tmp", ".crdownload"]
                            .iter()
                            .any(|s| name.ends_with(s)))
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

/// Documents handed from the reader to the store writer at a time.
const HANDOFF: usize = 4096;

/// Parses on this thread while the store checks and encodes on another: two cores, two stages.
/// The transaction comes back for commit; on any error it is dropped and nothing is visible.
fn read_into<'s, R>(
    mut tx: ImportTx<'s>,
    name: &str,
    read: R,
) -> (Result<CsvReport, CsvError>, Result<ImportTx<'s>>)
where
    R: FnOnce(
        &mut dyn FnMut(Document, Location) -> Result<(), String>,
    ) -> Result<CsvReport, CsvError>,
{
    let (send, recv) = std::sync::mpsc::sync_channel::<Vec<(Document, Location)>>(4);
    std::thread::scope(|scope| {
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn_scoped(scope, move || -> Result<ImportTx<'s>> {
                for chunk in recv {
                    for (doc, at) in chunk {
                        tx.add_document(&doc, at)?;
                    }
                }
                Ok(tx)
            });
        let writer = match writer {
            Ok(w) => w,
            Err(e) => {
                return (
                    Err(CsvError::Sink {
                        file: name.to_string(),
                        message: e.to_string(),
                    }),
                    Err(e.into()),
                )
            }
        };
        let mut buf = Vec::with_capacity(HANDOFF);
        let mut sink = |doc: Document, at: Location| -> Result<(), String> {
            buf.push((doc, at));
            if buf.len() == HANDOFF {
                send.send(std::mem::replace(&mut buf, Vec::with_capacity(HANDOFF)))
                    .map_err(|_| "the store writer stopped".to_string())?;
            }
            Ok(())
        };
        let report = read(&mut sink);
        let report = report.and_then(|r| {
            send.send(buf).map_err(|_| CsvError::Sink {
                file: name.to_string(),
                message: "the store writer stopped".into(),
            })?;
            Ok(r)
        });
        drop(send);
        let tx = writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the store writer panicked")));
        (report, tx)
    })
}

/// A file's format from its first bytes, and its size, before anything reads it whole.
fn sniff(file: &Path) -> Result<(Format, u64)> {
    use std::io::Read;
    let size = std::fs::metadata(file)
        .with_context(|| format!("{}", file.display()))?
        .len();
    let mut head = vec![0u8; 8 * 1024];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("{}", file.display()))?;
    head.truncate(n);
    Ok((detect(file, &head), size))
}

/// Refuses a UBL file or workbook over its size limit, before it is read (and hashed) whole.
fn refuse_oversized(file: &Path, format: &Format, size: u64) -> Result<()> {
    let limit = match format {
        Format::Ubl | Format::OtherXml(_) => incasso_connectors::ubl::MAX_FILE_BYTES,
        Format::SpreadsheetZip | Format::Xls => incasso_connectors::xlsx::MAX_FILE_BYTES,
        _ => return Ok(()),
    };
    anyhow::ensure!(
        size <= limit,
        "{}: is {} MB; files of this kind over {} MB are refused (an e-invoice or workbook is never that large)",
        file.display(),
        size / 1_000_000,
        limit / 1_000_000
    );
    Ok(())
}

/// Why a recognised format cannot be imported (yet), and what to do instead.
fn unsupported(format: &Format) -> String {
    match format {
        Format::Camt(v) if v.starts_with("camt.052") => format!("is a {v} intraday account report: balances and lines not yet booked; import the end-of-day camt.053 statement instead"),
        Format::Camt(v) => format!("is an ISO 20022 {v} message, not a bank statement; it is not imported"),
        Format::Zip => "is a zip archive (banks deliver camt.053 statements zipped); unpack it and import the files inside".into(),
        Format::Pdf => "is a PDF; incasso reads the data exports of the books (CSV, UBL), not printed invoices".into(),
        Format::OtherXml(root) if root == "!DOCTYPE" => {
            "is XML with a DOCTYPE; refused (no export incasso reads has one, and entity declarations can blow up memory)".into()
        }
        Format::OtherXml(root) => format!("is XML but not a UBL invoice or credit note (root element {root})"),
        Format::Csv | Format::Ubl | Format::SpreadsheetZip | Format::Xls | Format::Mt940 => {
            String::new()
        }
    }
}

/// Imports one UBL invoice or credit note, with its attachments stored once by hash.
fn import_ubl(store: &Store, inspection: &Inspection, options: &CsvOptions) -> Result<bool> {
    let creditor = options.creditor.clone().unwrap_or(store.creditor()?);
    let incoming = store.attachments_dir().join("incoming");
    // Parsed from the descriptor that was hashed: the bytes stored are the bytes hashed.
    let mut bytes = Vec::with_capacity(inspection.size as usize);
    std::io::Read::read_to_end(&mut inspection.open()?, &mut bytes)
        .with_context(|| inspection.path.display().to_string())?;
    let name = inspection.path.display().to_string();
    let ubl = incasso_connectors::ubl::read_bytes(&name, &bytes, &creditor, &incoming)?;
    commit_ubl(store, inspection, ubl)
}

/// A file read ahead of the store by the import worker.
enum Prepared {
    /// An e-invoice, parsed (attachments already decoded to temporary files).
    Ubl(Inspection, Box<incasso_connectors::ubl::UblDocument>),
    /// Anything else, or a file already imported: handled whole by `import_one`, with the
    /// format and size found.
    Other(Format, u64),
}

/// Reads an e-invoice ahead of the store; other files are left to `import_one`.
fn prepare(
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
fn commit_ubl(
    store: &Store,
    inspection: &Inspection,
    ubl: incasso_connectors::ubl::UblDocument,
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
    print_ubl(&inspection.path, &summary.record, &ubl);
    for c in &summary.changes {
        println!("  changed {c}");
    }
    Ok(true)
}

/// Adds one parsed e-invoice to a transaction: the document, its debtor, its attachments.
fn add_ubl(tx: &mut ImportTx<'_>, ubl: &incasso_connectors::ubl::UblDocument) -> Result<()> {
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
fn store_attachments(store: &Store, ubl: &incasso_connectors::ubl::UblDocument) -> Result<()> {
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

fn discard_attachments(ubl: &incasso_connectors::ubl::UblDocument) {
    for a in &ubl.attachments {
        let _ = std::fs::remove_file(&a.temp_path);
    }
}

/// What the user sees for one imported e-invoice.
fn print_ubl(file: &Path, r: &ImportRecord, ubl: &incasso_connectors::ubl::UblDocument) {
    let d = &ubl.document;
    let kind = if d.kind == incasso_core::model::DocumentKind::CreditNote {
        "credit note"
    } else {
        "invoice"
    };
    println!(
        "{}: imported as import #{} (UBL {kind})",
        file.display(),
        r.id
    );
    println!(
        "  {} {} for debtor {}: {} {} (open {}), due {}",
        d.kind.code(),
        d.number,
        d.debtor,
        d.currency,
        incasso_core::money::format_cents(d.total),
        incasso_core::money::format_cents(d.source_open.unwrap_or(d.total)),
        d.due_date
    );
    println!(
        "  documents: {} new, {} changed, {} unchanged, {} merged, {} in conflict; attachments: {}",
        r.new,
        r.changed,
        r.unchanged,
        r.merged,
        r.conflicts,
        ubl.attachments.len()
    );
    for n in &ubl.notes {
        println!("  note: {n}");
    }
}

/// E-invoices read ahead and added to one transaction, committed together (see `run`).
struct UblGroup<'s> {
    tx: ImportTx<'s>,
    files: Vec<(PathBuf, Box<incasso_connectors::ubl::UblDocument>)>,
    records: Vec<ImportRecord>,
}

/// Largest number of e-invoices committed in one transaction.
const GROUP_FILES: usize = 512;

/// Counts of a run.
#[derive(Default)]
struct Tally {
    imported: u64,
    unchanged: u64,
    failed: u64,
}

/// Adds one e-invoice to the open group (opening one if needed).
fn add_to_group<'s>(
    store: &'s Store,
    group: &mut Option<UblGroup<'s>>,
    inspection: &Inspection,
    ubl: Box<incasso_connectors::ubl::UblDocument>,
    tally: &mut Tally,
) -> Result<()> {
    let source = inspection.source(SourceKind::UblFile);
    // The worker read ahead: a group committed since may hold the same bytes.
    if let Some(prev) = store.import_by_hash(&source.content_hash)? {
        println!(
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
            println!(
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
fn finish_group(store: &Store, group: &mut Option<UblGroup<'_>>, tally: &mut Tally) {
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
                        print_ubl(file, record, ubl);
                        tally.imported += 1;
                    }
                    Err(e) => {
                        eprintln!("error: {e:#}");
                        tally.failed += 1;
                    }
                }
            }
            for c in &summary.changes {
                println!("  changed {c}");
            }
        }
        Err(e) => report_failed(&files, &anyhow::Error::from(e), tally),
    }
}

/// Reports every file of a group that could not be stored; nothing of it was.
fn fail_group(g: UblGroup<'_>, e: &anyhow::Error, tally: &mut Tally) {
    let UblGroup { tx, files, .. } = g;
    drop(tx);
    report_failed(&files, e, tally);
}

fn report_failed(
    files: &[(PathBuf, Box<incasso_connectors::ubl::UblDocument>)],
    e: &anyhow::Error,
    tally: &mut Tally,
) {
    for (file, ubl) in files {
        discard_attachments(ubl);
        eprintln!("error: {}: {e:#}", file.display());
        eprintln!("  {}: nothing from this file was stored", file.display());
        tally.failed += 1;
    }
}

/// Imports one file into an open store, detected by content, as the inbox does: `Ok(true)`
/// imported, `Ok(false)` when its exact bytes were imported before. Made durable before returning.
pub fn import_file(store: &Store, file: &Path) -> Result<bool> {
    let options = CsvOptions {
        profile: Profile::default(),
        skip_bad_rows: false,
        creditor: Some(store.creditor()?),
        row_word: None,
        accept_unbalanced: false,
    };
    let (format, size) = sniff(file)?;
    let imported = import_one(store, file, format, size, &options, None)?;
    store.flush()?;
    Ok(imported)
}

/// Imports one file; `Ok(false)` when its exact bytes were imported before.
fn import_one(
    store: &Store,
    file: &Path,
    format: Format,
    size: u64,
    options: &CsvOptions,
    sheet: Option<&str>,
) -> Result<bool> {
    refuse_oversized(file, &format, size)?;
    let inspection = inspect(file)?;
    if let Some(prev) = store.import_by_hash(&inspection.content_hash)? {
        let same_name = prev.source.name == file.display().to_string();
        println!(
            "{}: already imported as import #{} on {}{}; nothing changed",
            file.display(),
            prev.id,
            prev.imported_at.format("%Y-%m-%d %H:%M UTC"),
            if same_name {
                String::new()
            } else {
                format!(" (as {})", prev.source.name)
            }
        );
        return Ok(false);
    }
    let (sheet_text, kind) = match format {
        Format::Csv => {
            let head =
                incasso_connectors::source::decode_all(&inspection.head, inspection.encoding);
            if incasso_connectors::bank::csv::detect(&head).is_some() {
                return import_bank::import(store, file, &inspection, Statement::Csv, false);
            }
            if incasso_connectors::csv::debtors::looks_like(&head) {
                return import_debtors(store, file, &inspection);
            }
            (None, SourceKind::CsvFile)
        }
        Format::Camt(v) if v.starts_with("camt.053") || v.starts_with("camt.054") => {
            return import_bank::import(store, file, &inspection, Statement::Camt, false)
        }
        Format::Mt940 => {
            return import_bank::import(
                store,
                file,
                &inspection,
                Statement::Mt940,
                options.accept_unbalanced,
            )
        }
        Format::Ubl => return import_ubl(store, &inspection, options),
        Format::SpreadsheetZip | Format::Xls => {
            let sheet = incasso_connectors::xlsx::read_sheet_from(
                file,
                inspection.open()?,
                inspection.size,
                sheet,
            )?;
            (Some(sheet), SourceKind::SpreadsheetFile)
        }
        other => anyhow::bail!("{}: {}", file.display(), unsupported(&other)),
    };
    let started = std::time::Instant::now();
    let tx = store.begin_import(inspection.source(kind), chrono::Utc::now())?;
    let bar = Bar::new(&file.display().to_string());
    let name = file.display().to_string();
    let (report, tx) = match &sheet_text {
        None => read_into(tx, &name, |sink| {
            read_ledger(&inspection, options, &bar, sink)
        }),
        Some(sheet) => {
            let label = format!("{name}, sheet '{}'", sheet.sheet);
            let sheet_name = sheet.sheet.clone();
            let sheet_options = CsvOptions {
                row_word: Some("row"),
                ..options.clone()
            };
            read_into(tx, &name, |sink| {
                read_ledger_text(
                    &label,
                    sheet.text.clone(),
                    &sheet_options,
                    &bar,
                    |doc, at| {
                        let at = match at {
                            Location::Line(row) => Location::SheetRow {
                                sheet: sheet_name.clone(),
                                row,
                            },
                            other => other,
                        };
                        sink(doc, at)
                    },
                )
            })
        }
    };
    bar.finish();
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
    println!(
        "{}: imported as import #{} in {:.2}s",
        file.display(),
        r.id,
        started.elapsed().as_secs_f64()
    );
    println!("{}", report.detection);
    println!(
        "  documents: {} new, {} changed, {} unchanged; debtors: {} new, {} updated",
        r.new, r.changed, r.unchanged, summary.debtors_new, summary.debtors_updated
    );
    if let Some(line) = debtor_fields(&report.debtors) {
        println!("  {line}");
    }
    if r.merged + r.conflicts > 0 {
        println!(
            "  other sources: {} documents merged, {} in conflict (see `incasso conflicts`)",
            r.merged, r.conflicts
        );
    }
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
        println!(
            "  ... and {} more changes (see `incasso audit`)",
            summary.changes.len() - 20
        );
    }
    for w in &report.warnings {
        println!("  warning: {w}");
    }
    if let Some(p) = rejected_file {
        println!("  rejected rows written to {}", p.display());
    }
    Ok(true)
}

/// What a file says about its debtors: the fields it fills for any of them, and how many lack a
/// name or an address an agency could find them by.
fn debtor_fields(debtors: &[incasso_core::model::Debtor]) -> Option<String> {
    if debtors.is_empty() {
        return None;
    }
    let any = |f: &dyn Fn(&incasso_core::model::Debtor) -> bool| debtors.iter().any(f);
    let found: Vec<&str> = [
        ("name", any(&|d| d.name.is_some())),
        ("address", any(&|d| !d.address.is_empty())),
        ("e-mail", any(&|d| d.email.is_some())),
        ("phone", any(&|d| d.phone.is_some())),
        ("KvK", any(&|d| d.kvk.is_some())),
        ("VAT number", any(&|d| d.vat_number.is_some())),
        ("IBAN", any(&|d| !d.ibans.is_empty())),
    ]
    .into_iter()
    .filter(|(_, has)| *has)
    .map(|(f, _)| f)
    .collect();
    let no_name = debtors.iter().filter(|d| d.name.is_none()).count();
    let no_address = debtors.iter().filter(|d| d.address.is_empty()).count();
    Some(format!(
        "debtor fields found: {}; {no_name} of {} debtors without a name, {no_address} without an address",
        if found.is_empty() { "none".to_string() } else { found.join(", ") },
        debtors.len()
    ))
}

/// Imports a debtor master file: names, addresses, KvK, VAT, e-mail and IBAN per debtor, filling
/// what the store lacks (an accounting API's current data still wins over a file).
fn import_debtors(
    store: &incasso_store::Store,
    file: &Path,
    inspection: &incasso_connectors::source::Inspection,
) -> Result<bool> {
    let started = std::time::Instant::now();
    let mut bytes = Vec::with_capacity(inspection.size as usize);
    std::io::Read::read_to_end(&mut inspection.open()?, &mut bytes)
        .with_context(|| format!("reading {}", file.display()))?;
    let text = incasso_connectors::source::decode_all(&bytes, inspection.encoding);
    let name = file.display().to_string();
    let list = incasso_connectors::csv::debtors::read(&name, &text)?;
    let mut tx = store.begin_import(inspection.source(SourceKind::CsvFile), chrono::Utc::now())?;
    for (d, _) in &list.debtors {
        tx.add_debtor(d);
    }
    let summary = tx.commit_unflushed()?;
    println!(
        "{}: debtor list imported as import #{} in {:.2}s",
        file.display(),
        summary.record.id,
        started.elapsed().as_secs_f64()
    );
    println!(
        "  columns: {}",
        list.columns
            .iter()
            .map(|(f, h)| format!("{} <- '{h}'", f.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  debtors: {} in the file, {} new, {} updated",
        list.debtors.len(),
        summary.debtors_new,
        summary.debtors_updated
    );
    let debtors: Vec<incasso_core::model::Debtor> =
        list.debtors.into_iter().map(|(d, _)| d).collect();
    if let Some(line) = debtor_fields(&debtors) {
        println!("  {line}");
    }
    Ok(true)
}
