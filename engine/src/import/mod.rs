//! Files into the store, each atomically, each reported; a re-import of the same bytes changes
//! nothing. The format is found from the content; each kind has its file here (ledger exports,
//! e-invoices, bank statements, debtor lists), all through one reader/writer [`pipeline`].

mod bank;
mod debtors;
pub(crate) mod ledger;
pub mod pipeline;
mod ubl;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use incasso_connectors::csv::{CsvOptions, Profile};
use incasso_connectors::detect::{detect, Format};
use incasso_connectors::source::inspect;
use incasso_core::model::SourceKind;
use incasso_store::Store;

use crate::{complain, say, Reporter, Workspace};
use bank::Statement;

/// How files are read.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Mapping profile (TOML) for columns, delimiter, decimal mark, date format, encoding, sign.
    pub profile: Option<PathBuf>,
    /// Import the good rows and write the bad ones beside the input as NAME.rejected.csv.
    pub skip_bad_rows: bool,
    /// For workbooks: the sheet to read.
    pub sheet: Option<String>,
    /// MT940 and camt.053: import a statement whose lines do not add up to its closing balance.
    pub accept_unbalanced: bool,
    /// What a ledger export lists: some documents, or every open item of the books.
    pub listing: Listing,
}

/// What a ledger export lists, which says what the documents it leaves out are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Listing {
    /// Some documents (new invoices, a period): what it leaves out stays as it is.
    #[default]
    Some,
    /// Every open item of the books (`incasso import --complete`): a document of an earlier
    /// ledger file that is still open in incasso and not listed was settled in the books (paid,
    /// credited or written off) and is closed, never claimed. Settling more than half of the
    /// open items at once is refused as a likely wrong file unless `settle_most`.
    EveryOpenItem {
        /// Also when that settles more than half of the open items.
        settle_most: bool,
    },
}

/// What an import of several files did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportTally {
    /// Files looked at.
    pub files: usize,
    /// Files imported.
    pub imported: u64,
    /// Files whose exact bytes were imported before.
    pub unchanged: u64,
    /// Files refused (nothing of them stored).
    pub failed: u64,
}

/// Imports every path; a failing file is reported and the others still run.
pub fn import_paths(
    ws: &Workspace,
    paths: &[PathBuf],
    o: &ImportOptions,
    rep: &dyn Reporter,
) -> Result<ImportTally> {
    crate::memory::ordinary_pages();
    let profile = match &o.profile {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    };
    let store = ws.store()?;
    let options = CsvOptions {
        profile,
        skip_bad_rows: o.skip_bad_rows,
        creditor: Some(store.creditor()?),
        accept_unbalanced: o.accept_unbalanced,
        ..CsvOptions::default()
    };
    let sheet = o.sheet.as_deref();
    let files = expand(paths)?;
    let mut tally = ImportTally {
        files: files.len(),
        ..Default::default()
    };
    let creditor = store.creditor()?;
    // A worker reads e-invoices ahead (hash, parse, attachments) while this thread stores them;
    // consecutive e-invoices are committed together, each keeping its own import record.
    std::thread::scope(|scope| -> Result<()> {
        // Two readers take alternate files; results are taken back in file order.
        let (store_ref, files_ref, creditor_ref) = (store, &files, &creditor);
        let mut receivers = Vec::new();
        for worker in 0..2usize {
            let (send, recv) = std::sync::mpsc::sync_channel::<Result<ubl::Prepared>>(16);
            receivers.push(recv);
            scope.spawn(move || {
                for f in files_ref.iter().skip(worker).step_by(2) {
                    if send.send(ubl::prepare(store_ref, f, creditor_ref)).is_err() {
                        break;
                    }
                }
            });
        }
        let recv = (0..files.len()).map_while(|i| receivers[i % 2].recv().ok());
        let mut group: Option<ubl::UblGroup<'_>> = None;
        for (n, (file, prepared)) in files.iter().zip(recv).enumerate() {
            // Durability is made every few hundred files and at the end.
            if n % 256 == 255 {
                ubl::finish_group(store, &mut group, &mut tally, rep);
                store.flush()?;
            }
            let outcome = match prepared {
                Ok(ubl::Prepared::Ubl(inspection, doc)) => {
                    if let Err(e) =
                        ubl::add_to_group(store, &mut group, &inspection, doc, &mut tally, rep)
                    {
                        if let Some(g) = group.take() {
                            ubl::fail_group(g, &e, &mut tally, rep);
                        }
                    } else if group
                        .as_ref()
                        .is_some_and(|g| g.files.len() >= ubl::GROUP_FILES)
                    {
                        ubl::finish_group(store, &mut group, &mut tally, rep);
                    }
                    continue;
                }
                Ok(ubl::Prepared::Other(format, size)) => {
                    ubl::finish_group(store, &mut group, &mut tally, rep);
                    import_one(store, file, format, size, &options, sheet, o.listing, rep)
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(true) => tally.imported += 1,
                Ok(false) => tally.unchanged += 1,
                Err(e) => {
                    tally.failed += 1;
                    complain!(rep, "error: {e:#}");
                    complain!(
                        rep,
                        "  {}: nothing from this file was stored",
                        file.display()
                    );
                }
            }
        }
        ubl::finish_group(store, &mut group, &mut tally, rep);
        Ok(())
    })?;
    store.flush()?;
    Ok(tally)
}

/// The first line said of an imported file.
pub(super) fn imported(file: &Path, id: u64, started: std::time::Instant) -> String {
    format!(
        "{}: imported as import #{id} in {:.2}s",
        file.display(),
        started.elapsed().as_secs_f64()
    )
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

/// A file's format from its first bytes, and its size, before anything reads it whole.
pub(crate) fn sniff(file: &Path) -> Result<(Format, u64)> {
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

/// Whether an earlier import of a camt file was read by a revision of the camt reader that reads
/// it otherwise now: its file is read again.
fn read_by_older_camt_reader(prev: &incasso_store::ImportRecord, format: &Format) -> bool {
    matches!(format, Format::Camt(version)
        if incasso_connectors::bank::camt::reads_otherwise_than(prev.reader, version))
}

/// The statement reader a file of this format needs (a CSV file's by its decoded head), or
/// `None` when it is not a bank statement.
fn statement_of(format: &Format, csv_head: Option<&str>) -> Option<Statement> {
    match format {
        Format::Camt(v) if v.starts_with("camt.053") || v.starts_with("camt.054") => {
            Some(Statement::Camt)
        }
        Format::Mt940 => Some(Statement::Mt940),
        Format::Csv => csv_head
            .filter(|h| incasso_connectors::bank::csv::detect(h).is_some())
            .map(|_| Statement::Csv),
        _ => None,
    }
}

/// Whether a file looks like a bank statement, by its first bytes read as UTF-8 ([`import_one`]
/// decides by the file's own encoding): the inbox imports one beside a file of
/// documents. A wrong guess costs only time; the store never lets two imports of one kind run
/// at once.
pub(crate) fn is_statement(file: &Path) -> bool {
    let Ok((format, _)) = sniff(file) else {
        return false;
    };
    let head = (format == Format::Csv).then(|| {
        use std::io::Read;
        let mut head = Vec::with_capacity(64 * 1024);
        let read = std::fs::File::open(file).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
        read.map_or_else(
            |_| String::new(),
            |_| String::from_utf8_lossy(&head).into_owned(),
        )
    });
    statement_of(&format, head.as_deref()).is_some()
}

/// Refuses a UBL file or workbook over its size limit, before it is read (and hashed) whole.
pub(crate) fn refuse_oversized(file: &Path, format: &Format, size: u64) -> Result<()> {
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

/// Why one file could not be imported: the file, or the store (the inbox leaves a file in
/// place when the store failed, and quarantines it when the file is at fault).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The store could not be read or written.
    #[error("{0:#}")]
    Store(anyhow::Error),
    /// The file is unreadable, not a format incasso reads, or wrong inside.
    #[error("{0:#}")]
    File(anyhow::Error),
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        // The store's own error type marks its failures wherever in the chain they occurred;
        // an input the store refused is the file's fault.
        let storage = e.chain().any(|c| {
            c.downcast_ref::<incasso_store::StoreError>()
                .is_some_and(incasso_store::StoreError::is_storage_failure)
        });
        if storage {
            ImportError::Store(e)
        } else {
            ImportError::File(e)
        }
    }
}

/// Imports one file into an open store, detected by content, as the inbox does (`listing`: what
/// a ledger export lists): `Ok(true)` imported, `Ok(false)` when its exact bytes were imported
/// before. Made durable before returning.
pub fn import_file(
    store: &Store,
    file: &Path,
    listing: Listing,
    profile: Option<&Path>,
    rep: &dyn Reporter,
) -> Result<bool, ImportError> {
    crate::memory::ordinary_pages();
    let run = || -> Result<bool> {
        let profile = match profile {
            Some(p) => Profile::load(p)?,
            None => Profile::default(),
        };
        let options = CsvOptions {
            profile,
            skip_bad_rows: false,
            creditor: Some(store.creditor()?),
            ..CsvOptions::default()
        };
        let (format, size) = sniff(file)?;
        let imported = import_one(store, file, format, size, &options, None, listing, rep)?;
        store.flush()?;
        Ok(imported)
    };
    Ok(run()?)
}

/// Imports one file; `Ok(false)` when its exact bytes were imported before.
#[allow(clippy::too_many_arguments)]
fn import_one(
    store: &Store,
    file: &Path,
    format: Format,
    size: u64,
    options: &CsvOptions,
    sheet: Option<&str>,
    listing: Listing,
    rep: &dyn Reporter,
) -> Result<bool> {
    refuse_oversized(file, &format, size)?;
    // The sheet named (`--sheet`, else the profile's) is part of how the bytes are read: two
    // sheets of one workbook are two reads of it.
    let named_sheet;
    let options = match sheet {
        Some(s) if matches!(format, Format::SpreadsheetZip | Format::Xls) => {
            let mut o = options.clone();
            o.profile.sheet = Some(s.to_string());
            named_sheet = o;
            &named_sheet
        }
        _ => options,
    };
    let sheet = options.profile.sheet.as_deref();
    let inspection = inspect(file)?;
    let earlier = store.import_by_hash(&inspection.content_hash)?;
    let ledger = matches!(format, Format::Csv | Format::SpreadsheetZip | Format::Xls);
    let profile = ledger
        .then(|| ledger::profile_digest(&options.profile))
        .flatten();
    if let Some(prev) = earlier
        .as_ref()
        .filter(|prev| ledger && prev.profile != profile && profile.is_some())
    {
        say!(
            rep,
            "{}: import #{} read these bytes with another mapping profile or sheet; reading \
             them again with this one",
            file.display(),
            prev.id
        );
    } else if let Some(prev) = earlier
        .as_ref()
        .filter(|prev| read_by_older_camt_reader(prev, &format))
    {
        say!(
            rep,
            "{}: import #{} read it with an earlier camt reader that could miss entries; reading \
             it again (lines stored then are not stored twice)",
            file.display(),
            prev.id
        );
    } else if let Some(prev) = earlier {
        let same_name = prev.source.name == file.display().to_string();
        say!(
            rep,
            "{}: already imported as import #{} on {}{}; nothing changed{}",
            file.display(),
            prev.id,
            prev.imported_at.format("%Y-%m-%d %H:%M UTC"),
            if same_name {
                String::new()
            } else {
                format!(" (as {})", prev.source.name)
            },
            if listing == Listing::Some {
                ""
            } else {
                " (--complete settles nothing for a file whose exact bytes were imported before: \
                 export the list of open items again and import that with --complete)"
            }
        );
        return Ok(false);
    }
    let head = (format == Format::Csv)
        .then(|| incasso_connectors::source::decode_all(&inspection.head, inspection.encoding));
    // Only a ledger export (CSV or workbook) can list every open item.
    let not_a_list = || -> Result<()> {
        if listing != Listing::Some {
            anyhow::bail!(
                "{}: --complete says a ledger export (CSV or workbook) lists every open item; \
                 this is not one",
                file.display()
            );
        }
        Ok(())
    };
    if let Some(kind) = statement_of(&format, head.as_deref()) {
        not_a_list()?;
        return bank::import(
            store,
            file,
            &inspection,
            kind,
            options.accept_unbalanced,
            rep,
        );
    }
    let (sheet_text, kind) = match format {
        Format::Csv => {
            if incasso_connectors::csv::debtors::looks_like(head.as_deref().unwrap_or_default()) {
                not_a_list()?;
                return debtors::import_debtors(store, file, &inspection, rep);
            }
            (None, SourceKind::CsvFile)
        }
        Format::Ubl => {
            not_a_list()?;
            return ubl::import_ubl(store, &inspection, options, rep);
        }
        Format::SpreadsheetZip | Format::Xls => {
            let sheet = incasso_connectors::xlsx::read_sheet_from(
                file,
                inspection.open()?,
                inspection.size,
                sheet,
            )?;
            (Some(sheet), SourceKind::SpreadsheetFile)
        }
        other => {
            not_a_list()?;
            anyhow::bail!("{}: {}", file.display(), unsupported(&other))
        }
    };
    ledger::import_ledger(
        store,
        file,
        &inspection,
        kind,
        sheet_text,
        options,
        listing,
        rep,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reporter::Collect;

    /// A camt.053.001.08 statement imported before the reader read its status codes (every entry
    /// dropped, as that reader did) is read again when it comes back, once; a .001.02 one is not.
    #[test]
    fn a_camt_file_an_older_reader_missed_entries_of_is_read_again() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let v08 = fixtures.join("othergen4/camt-balances/balanced-v08-prcd.xml");
        let v02 = fixtures.join("othergen4/camt-balances/balanced-v02.xml");
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        let store = ws.store().unwrap();
        for file in [&v08, &v02] {
            let source = inspect(file).unwrap().source(SourceKind::BankStatementFile);
            let record = store
                .begin_import(source, chrono::Utc::now())
                .unwrap()
                .commit()
                .unwrap()
                .record;
            assert_eq!((record.reader, record.payments_new), (0, 0));
        }
        let said = Collect::default();
        assert!(import_file(store, &v08, Listing::Some, None, &said).unwrap());
        assert_eq!(store.payments().unwrap().len(), 5);
        let info = said.info.lock().unwrap().join("\n");
        assert!(
            info.contains("read it with an earlier camt reader that could miss entries"),
            "{info}"
        );
        assert!(
            !import_file(store, &v08, Listing::Some, None, &said).unwrap(),
            "read again only once"
        );
        assert!(!import_file(store, &v02, Listing::Some, None, &said).unwrap());
        assert_eq!(store.payments().unwrap().len(), 5);
    }

    /// The engine as a library: the fixtures' ledger folder imported, then again, with what it
    /// says collected instead of printed.
    #[test]
    fn a_folder_imports_once_and_says_so_through_the_reporter() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/ledger");
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        let said = Collect::default();
        let first = import_paths(
            &ws,
            std::slice::from_ref(&fixtures),
            &ImportOptions::default(),
            &said,
        )
        .unwrap();
        assert_eq!(
            (first.files, first.imported, first.unchanged, first.failed),
            (5, 5, 0, 0)
        );
        let again = import_paths(&ws, &[fixtures], &ImportOptions::default(), &said).unwrap();
        assert_eq!((again.imported, again.unchanged, again.failed), (0, 5, 0));
        let info = said.info.lock().unwrap();
        assert_eq!(
            info.iter()
                .filter(|l| l.contains(": imported as import #"))
                .count(),
            5,
            "{info:#?}"
        );
        assert_eq!(
            info.iter()
                .filter(|l| l.contains("already imported as import #"))
                .count(),
            5
        );
        assert!(said.errors.lock().unwrap().is_empty());
        assert_eq!(
            ws.store().unwrap().documents().unwrap().len(),
            16,
            "2 + 4 + 7 + 1 + 2 new"
        );
    }
}
