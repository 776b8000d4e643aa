//! Bank statements into the store: camt.053, MT940 and bank CSV files into the
//! store as payments, each file atomically, lines already stored from another statement skipped.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use incasso_connectors::bank::{self, BankError, BankLine, Identify};
use incasso_connectors::source::{decode_owned, Inspection, TextEncoding};
use incasso_core::model::{LineKeys, Payment, SourceKind};
use incasso_store::Store;

use super::pipeline::read_into;
use crate::{say, Reporter};

/// Which reader a statement file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    /// ISO 20022 camt.053.
    Camt,
    /// SWIFT MT940.
    Mt940,
    /// A bank's CSV export.
    Csv,
}

/// A bank line on its way to the store's writer, identified by the reader or not yet.
enum Handed {
    Read(BankLine),
    Identified(Payment, LineKeys),
}

/// Imports one statement file; `Ok(false)` is never returned (a repeat is caught by hash before).
pub fn import(
    store: &Store,
    file: &Path,
    inspection: &Inspection,
    kind: Statement,
    accept_unbalanced: bool,
    rep: &dyn Reporter,
) -> Result<bool> {
    let started = std::time::Instant::now();
    let name = file.display().to_string();
    let source = inspection.source(SourceKind::BankStatementFile);
    let mut tx = store.begin_import(source.clone(), chrono::Utc::now())?;
    if kind == Statement::Camt {
        tx.read_by(bank::camt::READER_REVISION);
    }
    let source = Arc::new(source);
    // Lines are identified by whichever side has time for it: parsing a CSV leaves the reader
    // less to do than the writer's checks against the store and its file writes, while parsing
    // camt.053's XML keeps the reader the busier (at a million lines: 1.5 s less on a CSV).
    let mut on_reader = (kind != Statement::Camt).then(Identify::default);
    let mut on_writer = Identify::default();
    let write = |tx: &mut incasso_store::ImportTx<'_>, handed| {
        let (payment, keys) = match handed {
            Handed::Identified(payment, keys) => (payment, keys),
            Handed::Read(line) => on_writer.payment(line, &source),
        };
        tx.add_bank_line(payment, keys)?;
        Ok(())
    };
    let (summary, tx) = read_into(tx, write, |handoff| {
        let emit = &mut |line: BankLine| {
            handoff.push(match &mut on_reader {
                Some(identify) => {
                    let (payment, keys) = identify.payment(line, &source);
                    Handed::Identified(payment, keys)
                }
                None => Handed::Read(line),
            });
        };
        match kind {
            Statement::Camt => {
                let f = inspection
                    .open()
                    .map_err(|e| BankError::new(&name, "file", e.to_string()))?;
                if accept_unbalanced {
                    bank::camt::read_accepting_unbalanced(&name, f, emit)
                } else {
                    bank::camt::read(&name, f, emit)
                }
            }
            Statement::Csv
                if matches!(
                    inspection.encoding,
                    TextEncoding::Utf8 | TextEncoding::Utf8Bom
                ) =>
            {
                let open = &mut || {
                    let f = inspection.open_past_bom()?;
                    Ok(Box::new(f) as Box<dyn std::io::Read>)
                };
                bank::csv::read_from(&name, &inspection.head_lines(), open, emit)
            }
            Statement::Mt940 | Statement::Csv => {
                let mut bytes = Vec::with_capacity(inspection.size as usize);
                std::io::Read::read_to_end(
                    &mut inspection
                        .open()
                        .map_err(|e| BankError::new(&name, "file", e.to_string()))?,
                    &mut bytes,
                )
                .map_err(|e| BankError::new(&name, "file", e.to_string()))?;
                let text = decode_owned(bytes, inspection.encoding);
                if kind == Statement::Mt940 && accept_unbalanced {
                    bank::mt940::read_accepting_unbalanced(&name, &text, emit)
                } else if kind == Statement::Mt940 {
                    bank::mt940::read(&name, &text, emit)
                } else {
                    bank::csv::read(&name, &text, emit)
                }
            }
        }
    });
    let (summary, tx) = match (summary, tx) {
        (_, Err(e)) => return Err(e),
        (Err(e), Ok(_)) => return Err(e.into()),
        (Ok(s), Ok(t)) => (s, t),
    };
    let r = tx.commit_unflushed()?.record;
    rep.info(&super::imported(file, r.id, started));
    let encoding = inspection.encoding.name();
    say!(
        rep,
        "  {}{}: {} statement(s), {} line(s); {} new, {} already stored from another statement",
        summary.format,
        if encoding.starts_with("utf-8") || kind == Statement::Camt {
            String::new()
        } else {
            format!(" (text in {encoding})")
        },
        summary.statements,
        summary.lines,
        r.payments_new,
        r.payments_repeated
    );
    // Imported although its balances do not add up, because the user asked: said here and kept
    // in the audit log beside the import.
    for mismatch in &summary.unbalanced {
        say!(rep, "  accepted although {mismatch}");
        store.record_event(
            "unbalanced-accepted",
            &name,
            &format!("import #{}: {mismatch}", r.id),
            chrono::Utc::now(),
        )?;
    }
    Ok(true)
}
