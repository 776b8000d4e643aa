//! Ledger exports (CSV, and workbooks read as text) into the store.

use std::path::Path;

use anyhow::{Context, Result};
use incasso_connectors::csv::detect::Detection;
use incasso_connectors::csv::{
    read_ledger_seeing, read_ledger_text_seeing, rejected_path, write_rejected, CsvOptions,
};
use incasso_connectors::source::Inspection;
use incasso_core::model::{
    Document, DocumentKey, DocumentKind, DocumentStatus, LedgerDocument, Location, SourceKind,
};
use incasso_store::{ImportTx, Omits, Store};
use std::collections::{HashMap, HashSet};

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
    let mut tx = store.begin_import(inspection.source(kind), chrono::Utc::now())?;
    tx.read_with_profile(profile_digest(&options.profile));
    let bar = rep.progress(&file.display().to_string());
    let name = file.display().to_string();
    // What the file's columns do not say, set by the reader before its first document.
    let omits = std::sync::OnceLock::new();
    let seen = &mut |d: &Detection| {
        let _ = omits.set(Omits {
            status: !d.gives_status(),
            open: !d.gives_open(),
            credited: !d.gives_credited(),
            reference: !d.gives_reference(),
            description: !d.gives_description(),
        });
    };
    // The documents a file listing every open item names, to tell what it leaves out.
    let mut listed = Listed::default();
    let every = listing != Listing::Some;
    let add = |tx: &mut ImportTx<'_>, (doc, at): (Document, Location)| -> Result<()> {
        if let Some(o) = omits.get() {
            tx.omits(*o);
        }
        if every {
            listed.add(&doc);
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
    refuse_setting_aside_a_known_document(store, file, &report)?;
    if let Some(sheet) = &sheet_text {
        refuse_a_sheet_named_not_owed_without_status(file, &sheet.sheet, &report.detection)?;
        // What a list of every open item leaves out is settled: read from one of several
        // ledger sheets, it would settle what the others list open (review 42d, B1).
        if listing != Listing::Some && sheet.ledgers.len() > 1 {
            anyhow::bail!(
                "{}, sheet '{}': read as a list of every open item, it would settle what the \
                 workbook's other ledger sheets ({}) list; keep the open items on one sheet",
                file.display(),
                sheet.sheet,
                sheet
                    .ledgers
                    .iter()
                    .filter(|l| **l != sheet.sheet)
                    .map(|l| format!("'{l}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for d in &report.debtors {
        tx.add_debtor(d);
    }
    let marked = report.unended_last.as_ref().is_some_and(|last| {
        tx.mark_unconfirmed(incasso_store::Unconfirmed {
            document: last.key.clone(),
            number: last.number.clone(),
            import: 0,
            source: String::new(),
            location: Location::Line(last.line),
            debtor: last.debtor.clone(),
            debtor_cut: last.debtor_cut,
            amount_cut: last.amount_cut,
            unlisted: false,
        })
    });
    // A list that may have been cut short is no evidence that what it leaves out was settled:
    // the rows after the cut are lost (review 43c, F-4). What it leaves out is held instead,
    // even where the last row reads as an earlier import stored it: cut inside a field that
    // may be empty (a status), it still reads alike.
    let maybe_cut = report.unended_last.is_some();
    let settled = match listing {
        Listing::EveryOpenItem { settle_most } if report.rejected.is_empty() => Some(
            settle_unlisted(store, &mut tx, file, &listed, settle_most, maybe_cut)?,
        ),
        _ => None,
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
    match &sheet_text {
        // A worksheet has no encoding or delimiter of its own: which sheet was read is the news.
        Some(sheet) => {
            let shown = report.detection.to_string();
            let others: Vec<&str> = sheet
                .sheets
                .iter()
                .map(String::as_str)
                .filter(|n| *n != sheet.sheet)
                .collect();
            say!(
                rep,
                "  sheet '{}', header on row {}{}",
                sheet.sheet,
                report.detection.header_line,
                if others.is_empty() {
                    String::new()
                } else {
                    format!(" (other sheets, not read: {})", others.join(", "))
                }
            );
            for line in shown.lines().skip(1) {
                say!(rep, "{line}");
            }
        }
        None => say!(rep, "{}", report.detection),
    }
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
    match settled {
        _ if listing == Listing::Some => {}
        None => say!(
            rep,
            "  not settling what it leaves out: {} row(s) were rejected, so the list as read is \
             not every open item",
            report.rejected.len()
        ),
        Some(Settled::Before(import)) => say!(
            rep,
            "  the same list as import #{import} read: nothing settled again (what was imported \
             since is no part of it)"
        ),
        Some(Settled::Now(keys)) if !keys.is_empty() => say!(
            rep,
            "  settled in the books (open here, not in this list of every open item): {}: {}",
            keys.len(),
            first_numbers(&keys)
        ),
        Some(Settled::Now(_)) => {}
        Some(Settled::Held(keys)) if !keys.is_empty() => say!(
            rep,
            "  warning: not settling what it leaves out: the file ends without a line end, so \
             rows after a cut would be lost; held from claims instead until another import \
             lists them or a list of every open item that ends with a line end leaves them \
             out: {}: {}",
            keys.len(),
            first_numbers(&keys)
        ),
        Some(Settled::Held(_)) => {}
    }
    for w in &report.warnings {
        say!(rep, "  warning: {w}");
    }
    match &report.unended_last {
        Some(last) if !marked => say!(
            rep,
            "  the file ends without a line end, inside line {} ({}), which an earlier import \
             stored alike: not held",
            last.line,
            last.number
        ),
        Some(last) => say!(
            rep,
            "  warning: the file ends without a line end, inside line {} ({}): a download cut \
             short there would still read, so {} is held from claims until another import lists \
             it (the next export, or this file with a line end added){}",
            last.line,
            last.number,
            last.number,
            if last.debtor_cut {
                format!(
                    ", with the items of the debtors whose ids begin with {} (its debtor's id \
                     ends the row)",
                    last.debtor
                )
            } else if last.amount_cut {
                format!(
                    ", with every item of debtor {} (an amount or the kind ends the row)",
                    last.debtor
                )
            } else {
                String::new()
            }
        ),
        None => {}
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

/// What a list of every open item names.
#[derive(Default)]
struct Listed {
    keys: HashSet<DocumentKey>,
    /// Each number by [`loose`], as the list spells it.
    loose: HashMap<(DocumentKind, String), String>,
    /// Each document as the list gives it, to know the same list read again.
    rows: Vec<String>,
}

impl Listed {
    fn add(&mut self, doc: &Document) {
        self.keys.insert(doc.key());
        self.loose
            .entry((doc.kind, loose(doc.number.as_str())))
            .or_insert_with(|| doc.number.as_str().to_string());
        self.rows.push(format!(
            "{}|{}|{}|{}|{}|{:?}|{}|{}",
            doc.kind.code(),
            doc.number.as_str(),
            doc.debtor,
            doc.issue_date,
            doc.total,
            doc.source_open,
            doc.status.code(),
            doc.currency
        ));
    }

    /// A digest of what it names, whatever the order or the file's bytes.
    fn digest(&self) -> [u8; 32] {
        let mut rows: Vec<&String> = self.rows.iter().collect();
        rows.sort();
        let mut h = blake3::Hasher::new();
        for r in rows {
            h.update(r.as_bytes());
            h.update(b"\n");
        }
        *h.finalize().as_bytes()
    }
}

/// A sheet whose name says its rows are not owed (`Betaald`, `Gecrediteerd`, `Betwist`,
/// `Archief`) but that has no status column would have its rows read as open: refused (review
/// 42c, A2).
fn refuse_a_sheet_named_not_owed_without_status(
    file: &Path,
    sheet: &str,
    detection: &Detection,
) -> Result<()> {
    const NOT_OWED: [&str; 21] = [
        "afgeletterd",
        "geschil",
        "done",
        "geincasseerd",
        "received",
        "betaald",
        "paid",
        "voldaan",
        "afgehandeld",
        "gecrediteerd",
        "credit",
        "betwist",
        "dispute",
        "afgeboekt",
        "oninbaar",
        "archief",
        "archive",
        "gesloten",
        "closed",
        "regeling",
        "settled",
    ];
    let name = incasso_connectors::csv::headers::normalise_header(sheet);
    if detection.gives_status() || !NOT_OWED.iter().any(|w| name.contains(w)) {
        return Ok(());
    }
    anyhow::bail!(
        "{}, sheet '{sheet}': the sheet's name says its rows are not owed, but it has no status \
         column, so they would be read as open; export the sheet with a status column (or \
         keep the ledger on one sheet with one)",
        file.display()
    )
}

/// A digest of a mapping profile (`None` for none): the same bytes read with another profile
/// may give other documents, so they are read again.
pub(crate) fn profile_digest(profile: &incasso_connectors::csv::Profile) -> Option<String> {
    (*profile != incasso_connectors::csv::Profile::default())
        .then(|| blake3::hash(format!("{profile:?}").as_bytes()).to_hex()[..16].to_string())
}

/// A row `--skip-bad-rows` set aside that names a document the store holds would leave what an
/// earlier import said of it standing (open, where this row may say paid): the file is refused
/// instead, naming the row (review 42a, B5). Set aside are only rows of documents the store has
/// never seen.
fn refuse_setting_aside_a_known_document(
    store: &Store,
    file: &Path,
    report: &incasso_connectors::csv::CsvReport,
) -> Result<()> {
    let Some(col) = report
        .detection
        .column(incasso_connectors::csv::headers::Field::Number)
    else {
        return Ok(());
    };
    if report.rejected.is_empty() {
        return Ok(());
    }
    let creditor = store.creditor()?;
    for r in &report.rejected {
        let Some(number) = r
            .fields
            .get(col)
            .and_then(|n| incasso_core::ids::DocumentNumber::new(n.trim()).ok())
        else {
            continue;
        };
        for kind in [DocumentKind::Invoice, DocumentKind::CreditNote] {
            let key = DocumentKey {
                creditor: creditor.clone(),
                kind,
                number: number.normalised().into_owned(),
            };
            if !store.document_history(&key)?.is_empty() {
                anyhow::bail!(
                    "{}: line {}: {} {} is in the store, and this row, set aside with \
                     --skip-bad-rows ({}), may change it (paid, credited, disputed): correct \
                     the row and import the file again",
                    file.display(),
                    r.line,
                    kind.code(),
                    number,
                    r.reason
                );
            }
        }
    }
    Ok(())
}

/// A number as spellings of it compare: letters and digits only, in lower case, each run of
/// digits (runs end at any other character) without its leading zeros (`F2026-0101`,
/// `f2026 101` and `F2026/101` alike; a workbook's number cell drops the zeros of `00401`).
pub(crate) fn loose(number: &str) -> String {
    let mut out = String::with_capacity(number.len());
    let mut in_digits = false;
    for c in number.chars() {
        if c.is_ascii_digit() {
            if c == '0' && !in_digits {
                continue;
            }
            in_digits = true;
            out.push(c);
        } else {
            in_digits = false;
            if c.is_alphanumeric() {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// Whether a ledger file (CSV or workbook) ever described the document: the books have it.
fn from_the_books(store: &Store, d: &LedgerDocument) -> Result<bool> {
    let ledger_file =
        |kind: SourceKind| matches!(kind, SourceKind::CsvFile | SourceKind::SpreadsheetFile);
    if ledger_file(d.provenance.source.kind) {
        return Ok(true);
    }
    if d.provenance.source.kind != SourceKind::UblFile {
        // An accounting API is the live source of what it defines.
        return Ok(false);
    }
    let key = d.document.key();
    Ok(store
        .other_sources_of(&key)?
        .iter()
        .chain(store.document_history(&key)?.iter().map(|v| &v.provenance))
        .any(|p| ledger_file(p.source.kind)))
}

/// Closes, in `tx`, the documents still open in incasso that the books had (a ledger file
/// described them) and this list of every open item leaves out: a new version, status paid,
/// whose place says it was not listed. Documents only an e-invoice or an API brought are left to
/// those sources. A list that names one of them in another spelling is refused whole: its
/// numbers do not line up with the books'. The same list read again (other bytes, the same
/// documents) settles nothing: what was imported since it was first read is no part of it.
fn settle_unlisted(
    store: &Store,
    tx: &mut ImportTx<'_>,
    file: &Path,
    listed: &Listed,
    settle_most: bool,
    maybe_cut: bool,
) -> Result<Settled> {
    let digest = listed.digest();
    if let Some(import) = store.listing_read(&digest)? {
        return Ok(Settled::Before(import));
    }
    if !maybe_cut {
        tx.remember_listing(&digest);
        // A list read for the first time, whole: what a cut one left out and this one lists
        // is open (a list read before in other bytes, an older export, says nothing new).
        tx.lists_every_open_item();
    }
    let creditor = store.creditor()?;
    let mut open = 0usize;
    let mut left_out = Vec::new();
    let mut respelled = Vec::new();
    for d in store.documents()? {
        let still_open = matches!(
            d.document.status,
            DocumentStatus::Open | DocumentStatus::Disputed | DocumentStatus::PaymentPending
        );
        if d.document.creditor != creditor || !still_open || !from_the_books(store, &d)? {
            continue;
        }
        let doc = d.document;
        open += 1;
        if listed.keys.contains(&doc.key()) {
            continue;
        }
        match listed.loose.get(&(doc.kind, loose(doc.number.as_str()))) {
            Some(spelled) => respelled.push(format!("{} as '{spelled}'", doc.number)),
            None => left_out.push(doc),
        }
    }
    if !respelled.is_empty() {
        respelled.sort();
        let more = respelled.len().saturating_sub(5);
        respelled.truncate(5);
        anyhow::bail!(
            "{}: it names {}{} in another spelling than the books' earlier files, so what it \
             leaves out cannot be told; nothing of it was stored. Export the numbers as the books \
             write them (a workbook's number column drops leading zeros: format it as text)",
            file.display(),
            respelled.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    if !settle_most && left_out.len() > SETTLE_MOST_FROM && left_out.len() * 2 > open {
        anyhow::bail!(
            "{}: it lists {} document(s) and leaves out {} of the {} still open from ledger \
             files; settling that many at once looks like the wrong file (another \
             administration, a filtered export), so nothing of it was stored. If the books \
             really settled them, import it with --complete --settle-most",
            file.display(),
            listed.keys.len(),
            left_out.len(),
            open
        );
    }
    let mut keys = Vec::with_capacity(left_out.len());
    if maybe_cut {
        for doc in left_out {
            tx.hold_unlisted(incasso_store::Unconfirmed {
                document: doc.key(),
                number: doc.number.to_string(),
                import: 0,
                source: String::new(),
                location: Location::NotListed,
                debtor: doc.debtor.to_string(),
                debtor_cut: false,
                amount_cut: false,
                unlisted: true,
            });
            keys.push(doc.key());
        }
        keys.sort();
        return Ok(Settled::Held(keys));
    }
    // What the file's columns did not say is no part of this: the status is what it states.
    tx.omits(Omits::default());
    for mut doc in left_out {
        doc.status = DocumentStatus::Paid;
        doc.source_open = Some(rust_decimal::Decimal::ZERO);
        tx.add_document(&doc, Location::NotListed)?;
        keys.push(doc.key());
    }
    keys.sort();
    Ok(Settled::Now(keys))
}

/// The numbers of the first twenty documents, `...` for any more.
fn first_numbers(keys: &[DocumentKey]) -> String {
    let mut named: Vec<&str> = keys.iter().take(20).map(|k| k.number.as_str()).collect();
    if keys.len() > 20 {
        named.push("...");
    }
    named.join(", ")
}

/// What a list of every open item settled.
enum Settled {
    /// These documents, now.
    Now(Vec<DocumentKey>),
    /// None: the list may have been cut short, so these documents it leaves out are held.
    Held(Vec<DocumentKey>),
    /// Nothing: the same list was read by this import before.
    Before(u64),
}

#[cfg(test)]
mod tests {
    use super::loose;

    /// Spellings of one number compare alike; other numbers do not.
    #[test]
    fn spellings_of_a_number() {
        for (a, b) in [
            ("F2026-0101", "F2026-101"),
            ("F2026 201", "f2026-201"),
            ("2026/202", "2026-202"),
            ("00401", "401"),
            ("INV-007", "inv7"),
            ("F2026-0301", "F2026-301"),
        ] {
            assert_eq!(loose(a), loose(b), "{a} {b}");
        }
        for (a, b) in [("F2026-101", "F2026-110"), ("401", "4010"), ("A1", "B1")] {
            assert_ne!(loose(a), loose(b), "{a} {b}");
        }
    }
}
