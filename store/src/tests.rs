//! Store behaviour on real sled stores in temporary directories.

use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::*;
use incasso_core::money::{Currency, Money};
use rust_decimal::Decimal;

use super::*;
use crate::segments::BLOCK_DOCS;

fn invoice(number: &str, total: &str) -> Document {
    Document {
        creditor: CreditorId::new("default").unwrap(),
        kind: DocumentKind::Invoice,
        number: DocumentNumber::new(number).unwrap(),
        debtor: DebtorId::new("D1").unwrap(),
        issue_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        due_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
        due_assumed: false,
        currency: Currency::EUR,
        net: None,
        vat: None,
        total: Decimal::from_str(total).unwrap(),
        source_open: None,
        status: DocumentStatus::Open,
        credited_invoice: None,
        payment_reference: Some("1234567890123456".into()),
        description: None,
    }
}

fn batch(hash: &str, docs: &[Document]) -> ImportBatch {
    ImportBatch {
        source: Source {
            kind: SourceKind::CsvFile,
            name: format!("{hash}.csv"),
            content_hash: hash.into(),
        },
        documents: docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), Location::Line(i as u64 + 2)))
            .collect(),
        debtors: vec![Debtor::new(DebtorId::new("D1").unwrap())],
        imported_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
    }
}

fn applied(o: ImportOutcome) -> ImportSummary {
    match o {
        ImportOutcome::Applied(s) => s,
        other => panic!("expected an applied import, got {other:?}"),
    }
}

#[test]
fn import_is_idempotent_and_versions_changes_with_audit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let s = applied(
        store
            .import(batch(
                "h1",
                &[invoice("F1", "100.00"), invoice("F2", "50.00")],
            ))
            .unwrap(),
    );
    assert_eq!(
        (s.record.new, s.record.changed, s.record.unchanged),
        (2, 0, 0)
    );
    assert_eq!(s.debtors_new, 1);

    match store
        .import(batch("h1", &[invoice("F1", "999.00")]))
        .unwrap()
    {
        ImportOutcome::AlreadyImported(rec) => assert_eq!(rec.id, 1),
        other => panic!("same hash must be recognised, got {other:?}"),
    }

    let s = applied(
        store
            .import(batch(
                "h2",
                &[invoice("f1", "120.00"), invoice("F2", "50.00")],
            ))
            .unwrap(),
    );
    assert_eq!(
        (s.record.new, s.record.changed, s.record.unchanged),
        (0, 1, 1)
    );
    assert_eq!(
        s.changes,
        vec!["invoice f1: total 100.00 -> 120.00; number F1 -> f1".to_string()]
    );

    let mut docs = store.documents().unwrap();
    assert_eq!(docs.len(), 2);
    docs.sort_by_key(|d| d.document.key());
    assert_eq!(docs[0].document.total, Decimal::from_str("120.00").unwrap());
    assert_eq!(docs[0].version, 2);
    assert_eq!(docs[0].provenance.source.name, "h2.csv");
    assert_eq!(docs[0].provenance.location, Location::Line(2));

    let history = store.document_history(&docs[0].document.key()).unwrap();
    let totals: Vec<_> = history
        .iter()
        .map(|d| (d.version, d.document.total.to_string()))
        .collect();
    assert_eq!(
        totals,
        vec![(1, "100.00".to_string()), (2, "120.00".to_string())]
    );
    assert_eq!(history[0].provenance.source.name, "h1.csv");

    let audit = store.audit_log().unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "document-changed");
    assert_eq!(audit[0].import_id, Some(2));
}

/// A due date assumed for want of one (a UBL invoice without `DueDate`) reads back as assumed,
/// with its version as it was; another kind of source that gives the due date is no conflict
/// over it: its date stands and is no longer assumed.
#[test]
fn an_assumed_due_date_is_kept_and_yields_to_one_a_source_gives() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut assumed = invoice("F1", "100.00");
    assumed.due_date = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    assumed.due_assumed = true;
    let mut ubl = batch("u1", &[assumed.clone(), invoice("F2", "50.00")]);
    ubl.source.kind = SourceKind::UblFile;
    applied(store.import(ubl.clone()).unwrap());
    let f1_of = |store: &Store| {
        store
            .documents()
            .unwrap()
            .into_iter()
            .find(|d| d.document.number.as_str() == "F1")
            .unwrap()
    };
    let docs = store.documents().unwrap();
    let f1 = f1_of(&store);
    assert!(f1.document.due_assumed);
    assert_eq!(f1.version, 1, "the flag is no part of the version");
    assert_eq!(f1.document, assumed);
    let f2 = docs
        .iter()
        .find(|d| d.document.number.as_str() == "F2")
        .unwrap();
    assert!(!f2.document.due_assumed);
    // The same file again changes nothing.
    assert!(matches!(
        store.import(ubl).unwrap(),
        ImportOutcome::AlreadyImported { .. }
    ));

    // A CSV export that gives F1 due on 14 February: merged, not a conflict.
    let mut given = invoice("F1", "100.00");
    given.due_date = NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
    let s = applied(store.import(batch("c1", &[given])).unwrap());
    assert_eq!((s.record.merged, s.record.conflicts), (1, 0));
    assert!(store.conflicts().unwrap().is_empty());
    let f1 = f1_of(&store);
    assert_eq!(f1.document.due_date.to_string(), "2026-02-14");
    assert!(!f1.document.due_assumed);
    assert_eq!(f1.version, 2);

    // A later export of the same kind without a due date says nothing of it: the date stands.
    let mut later = assumed.clone();
    later.source_open = Some(Decimal::from_str("40.00").unwrap());
    applied(store.import(batch("c2", &[later])).unwrap());
    let f1 = f1_of(&store);
    assert_eq!(f1.document.due_date.to_string(), "2026-02-14");
    assert!(!f1.document.due_assumed);
    assert_eq!(
        f1.document.source_open,
        Some(Decimal::from_str("40.00").unwrap())
    );
}

#[test]
fn second_open_of_the_same_data_dir_is_refused_with_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path())
        .err()
        .expect("second open must fail");
    let msg = err.to_string();
    assert!(msg.contains("in use"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
}

#[test]
fn newer_schema_is_refused_and_reopen_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        applied(store.import(batch("h1", &[invoice("F1", "1.00")])).unwrap());
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.documents().unwrap().len(), 1);
        store
            .kv
            .insert(META_SCHEMA, &(SCHEMA_VERSION + 1).to_be_bytes())
            .unwrap();
        store.kv.flush().unwrap();
    }
    let err = Store::open(dir.path())
        .err()
        .expect("newer schema must be refused");
    assert!(err.to_string().contains("upgrade incasso"), "{err}");
}

#[test]
fn debtor_details_fill_gaps_and_disagreements_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut b = batch("h1", &[invoice("F1", "1.00")]);
    b.debtors[0].name = Some("Jansen BV".into());
    applied(store.import(b).unwrap());
    let mut b = batch("h2", &[invoice("F1", "1.00")]);
    b.debtors[0].name = Some("Jansen B.V.".into());
    b.debtors[0].email = Some("ap@jansen.example".into());
    let s = applied(store.import(b).unwrap());
    assert_eq!(s.debtors_updated, 1);
    let d = &store.debtors().unwrap()[0];
    assert_eq!(d.name.as_deref(), Some("Jansen BV"));
    assert_eq!(d.email.as_deref(), Some("ap@jansen.example"));
    let audit = store.audit_log().unwrap();
    assert_eq!(audit[0].action, "debtor-differs");
    assert!(audit[0].detail.contains("name"));
}

#[test]
fn a_dropped_import_leaves_nothing_and_orphans_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        applied(store.import(batch("h1", &[invoice("F1", "1.00")])).unwrap());
        let mut tx = store
            .begin_import(batch("h2", &[]).source, batch("h2", &[]).imported_at)
            .unwrap();
        for i in 0..(BLOCK_DOCS + 10) {
            tx.add_document(&invoice(&format!("G{i}"), "2.00"), Location::Line(i as u64))
                .unwrap();
        }
        let seg = dir.path().join("segments").join(format!("{:020}.seg", 2));
        assert!(
            seg.exists(),
            "a full block was streamed to the segment file"
        );
        drop(tx);
        assert!(
            !seg.exists(),
            "dropping the transaction removes its segment"
        );
        assert_eq!(store.documents().unwrap().len(), 1);
        assert_eq!(store.imports().unwrap().len(), 1);
    }
    let orphan = dir.path().join("segments").join(format!("{:020}.seg", 7));
    std::fs::write(&orphan, b"left by a crash").unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(
        !orphan.exists(),
        "open removes segments of imports that never committed"
    );
    assert_eq!(store.documents().unwrap().len(), 1);
}

#[test]
fn a_damaged_segment_is_reported_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        // Enough documents for a segment file (small imports live inside sled).
        let docs: Vec<Document> = (0..(BLOCK_DOCS + 5))
            .map(|i| invoice(&format!("F{i}"), "10.00"))
            .collect();
        applied(store.import(batch("h1", &docs)).unwrap());
    }
    let seg = dir.path().join("segments").join(format!("{:020}.seg", 1));
    let whole = std::fs::read(&seg).unwrap();
    let mut bytes = whole.clone();
    let last = bytes.len() - 3;
    bytes[last] ^= 0xff;
    std::fs::write(&seg, bytes).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let err = store.documents().unwrap_err().to_string();
    assert!(
        err.contains("checksum") && err.contains("00000000000000000001.seg"),
        "{err}"
    );
    // Cut short: the block that no longer fits is named, not read as fewer documents.
    std::fs::write(&seg, &whole[..whole.len() - 10]).unwrap();
    let err = store.documents().unwrap_err().to_string();
    assert!(
        err.contains("beyond the end") && err.contains("00000000000000000001.seg"),
        "{err}"
    );
    std::fs::write(&seg, &whole).unwrap();
    assert_eq!(store.documents().unwrap().len(), BLOCK_DOCS + 5);
}

#[test]
fn many_documents_span_blocks_and_a_later_change_marks_the_old_slot_dead() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let docs: Vec<Document> = (0..(2 * BLOCK_DOCS + 5))
        .map(|i| invoice(&format!("F{i}"), "10.00"))
        .collect();
    let s = applied(store.import(batch("h1", &docs)).unwrap());
    assert_eq!(s.record.new as usize, docs.len());
    let s = applied(
        store
            .import(batch("h2", &[invoice("F4100", "11.00")]))
            .unwrap(),
    );
    assert_eq!((s.record.new, s.record.changed), (0, 1));
    let all = store.documents().unwrap();
    assert_eq!(
        all.len(),
        docs.len(),
        "the old version is not listed next to the new one"
    );
    // In import order, then source order, whichever core decoded which block (the blocks of
    // each core are closed up in place behind the previous core's).
    let expected: Vec<String> = (0..docs.len())
        .filter(|&i| i != 4100)
        .map(|i| format!("F{i}"))
        .chain(["F4100".to_string()])
        .collect();
    let numbers: Vec<String> = all
        .iter()
        .map(|d| d.document.number.as_str().to_string())
        .collect();
    assert_eq!(numbers, expected);
    let changed: Vec<_> = all
        .iter()
        .filter(|d| d.document.number.as_str() == "F4100")
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].document.total.to_string(), "11.00");
    assert_eq!(
        store
            .document_history(&changed[0].document.key())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn one_transaction_can_carry_several_small_sources_each_with_its_own_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let src = |h: &str| Source {
        kind: SourceKind::UblFile,
        name: format!("{h}.xml"),
        content_hash: h.into(),
    };
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let mut tx = store.begin_import(src("u1"), at).unwrap();
    tx.add_document(&invoice("F1", "1.00"), Location::Element("/Invoice".into()))
        .unwrap();
    let first = tx.next_source(src("u2")).unwrap();
    assert_eq!((first.id, first.new), (1, 1));
    assert!(tx.has_source("u1") && tx.has_source("u2") && !tx.has_source("u3"));
    tx.add_document(&invoice("F2", "2.00"), Location::Element("/Invoice".into()))
        .unwrap();
    assert!(
        tx.next_source(Source {
            kind: SourceKind::CsvFile,
            ..src("c")
        })
        .is_err(),
        "one kind per transaction"
    );
    let s = tx.commit().unwrap();
    assert_eq!((s.record.id, s.earlier.len()), (2, 1));
    let mut docs = store.documents().unwrap();
    docs.sort_by_key(|d| d.document.key());
    let names: Vec<_> = docs
        .iter()
        .map(|d| d.provenance.source.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["u1.xml", "u2.xml"],
        "each document keeps its own file"
    );
    assert_eq!(store.import_by_hash("u1").unwrap().unwrap().id, 1);
    assert_eq!(store.import_by_hash("u2").unwrap().unwrap().id, 2);
    assert_eq!(store.imports().unwrap().len(), 2);
}

#[test]
fn key_prefixes_never_collide() {
    let mut seen = std::collections::HashSet::new();
    for p in crate::ALL_PREFIXES {
        assert!(seen.insert(*p), "prefix '{}' is used twice", *p as char);
    }
}

/// A bank line for the migration test.
fn payment(i: usize) -> (Payment, u128) {
    let p = Payment {
        id: format!("BANK-{i}"),
        date: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        amount: Money::new(Decimal::new(1000 + i as i64, 2), Currency::EUR),
        kind: PaymentKind::Incoming,
        account: Some("NL91ABNA0417164300".into()),
        counterparty_name: Some(format!("Payer {i}")),
        counterparty_account: None,
        remittance: Some(format!("F{i}")),
        structured_reference: None,
        end_to_end_id: None,
        provenance: Provenance {
            source: std::sync::Arc::new(Source {
                kind: SourceKind::BankStatementFile,
                name: "bank.xml".into(),
                content_hash: "bank".into(),
            }),
            location: Location::Line(i as u64 + 1),
        },
    };
    (p, 7_000_000 + i as u128)
}

/// Everything a store holds that the migration must carry over, as comparable text.
fn contents(store: &Store) -> (Vec<String>, Vec<String>, Vec<String>, usize) {
    let mut docs: Vec<String> = store
        .documents()
        .unwrap()
        .iter()
        .map(|d| format!("{:?} v{} {}", d.document, d.version, d.provenance))
        .collect();
    docs.sort();
    let mut pays: Vec<String> = store
        .payments()
        .unwrap()
        .iter()
        .map(|p| format!("{p:?}"))
        .collect();
    pays.sort();
    let debtors = store
        .debtors()
        .unwrap()
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    let key = invoice("F1", "0").key();
    (
        docs,
        pays,
        debtors,
        store.document_history(&key).unwrap().len(),
    )
}

#[test]
fn a_schema_1_store_is_migrated_whole_and_a_reimport_then_changes_nothing() {
    use crate::migrate::{migrate, transcode, Migrated, Schema1, Schema2};
    let dir = tempfile::tempdir().unwrap();
    // A big import (its blocks in a segment file), a small one (inline), a change (history),
    // and bank lines.
    let many: Vec<Document> = (0..BLOCK_DOCS + 10)
        .map(|i| invoice(&format!("F{i}"), "10.00"))
        .collect();
    let before = {
        let store = Store::open(dir.path()).unwrap();
        applied(store.import(batch("big", &many)).unwrap());
        applied(
            store
                .import(batch("small", &[invoice("F1", "12.50")]))
                .unwrap(),
        );
        let mut tx = store
            .begin_import(
                Source {
                    kind: SourceKind::BankStatementFile,
                    name: "bank.xml".into(),
                    content_hash: "bank".into(),
                },
                Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap(),
            )
            .unwrap();
        for i in 0..50 {
            let (p, f) = payment(i);
            assert!(tx.add_payment(p, f).unwrap());
        }
        tx.commit().unwrap();
        contents(&store)
    };
    assert_eq!(before.0.len(), BLOCK_DOCS + 10);
    assert_eq!(before.3, 2, "F1 has two versions");

    // Write it back as schema 1 wrote it: bincode records, fingerprints hashed from bincode.
    {
        let kv = SledKv::open(&dir.path().join("ledger.sled")).unwrap();
        let mut m = Migrated {
            from: 2,
            to: 1,
            documents: 0,
            payments: 0,
            records: 0,
            backup: None,
        };
        transcode::<Schema2, Schema1>(&kv, &dir.path().join("segments"), 1, &mut m).unwrap();
        assert_eq!(m.documents as usize, BLOCK_DOCS + 11);
        assert_eq!(m.payments, 50);
    }
    let err = Store::open(dir.path()).err().expect("schema 1 is refused");
    assert!(
        err.to_string().contains("incasso store migrate"),
        "the refusal says what to do: {err}"
    );

    let m = migrate(dir.path()).unwrap();
    assert_eq!((m.from, m.to), (1, 2));
    assert_eq!(m.documents as usize, BLOCK_DOCS + 11);
    assert_eq!(m.payments, 50);
    let backup = m.backup.expect("a copy is kept");
    assert!(backup.join("ledger.sled").is_dir() && backup.join("segments").is_dir());
    assert!(!dir.path().join(crate::migrate::MARKER).exists());

    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        contents(&store),
        before,
        "every record comes through unchanged"
    );
    // The fingerprints were computed anew: the same documents again change nothing.
    let mut same = many.clone();
    same[1] = invoice("F1", "12.50");
    let s = applied(store.import(batch("again", &same)).unwrap());
    assert_eq!(
        (s.record.new, s.record.changed, s.record.unchanged),
        (0, 0, BLOCK_DOCS as u64 + 10)
    );
    drop(store);
    let again = migrate(dir.path()).unwrap();
    assert_eq!((again.from, again.to, again.documents), (2, 2, 0));
}

#[test]
fn an_interrupted_migration_is_refused_and_starts_over_from_its_copy() {
    use crate::migrate::{migrate, transcode, Migrated, Schema1, Schema2};
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let store = Store::open(dir.path()).unwrap();
        applied(
            store
                .import(batch("h1", &[invoice("F1", "100.00")]))
                .unwrap(),
        );
        contents(&store)
    };
    {
        let kv = SledKv::open(&dir.path().join("ledger.sled")).unwrap();
        let mut m = Migrated {
            from: 2,
            to: 1,
            documents: 0,
            payments: 0,
            records: 0,
            backup: None,
        };
        transcode::<Schema2, Schema1>(&kv, &dir.path().join("segments"), 1, &mut m).unwrap();
    }
    // A migration that stopped after its copy and marker, with the records half rewritten.
    migrate(dir.path()).unwrap();
    std::fs::write(dir.path().join(crate::migrate::MARKER), "").unwrap();
    {
        let kv = SledKv::open(&dir.path().join("ledger.sled")).unwrap();
        kv.insert(b"x\x00\x00", b"half-written").unwrap();
        kv.flush().unwrap();
    }
    let err = Store::open(dir.path()).err().expect("refused while marked");
    assert!(err.to_string().contains("was being migrated"), "{err}");
    let m = migrate(dir.path()).unwrap();
    assert_eq!(
        (m.from, m.to),
        (1, 2),
        "started over from the schema-1 copy"
    );
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(contents(&store), before);
}

/// A kept reconciliation reads back exactly, for its own key only; a damaged section is absent
/// for the reads that need it.
#[test]
fn a_kept_reconciliation_reads_back_for_its_inputs_only() {
    use crate::Kept;
    use incasso_core::matching::{Evidence, Matching, PaymentOutcome, PaymentStatus, Proposal};
    use incasso_core::reconcile::{ReconcileNote, Reconciliation};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let doc = invoice("F-1", "100.00");
    // Four documents: one open, one not in force, one settled to a negative zero, and a credit
    // note of another creditor from another file with credit left.
    let ledger_doc = |document: Document, file: &str, line: u64| LedgerDocument {
        document,
        provenance: Provenance {
            source: std::sync::Arc::new(Source {
                kind: SourceKind::CsvFile,
                name: file.into(),
                content_hash: file.into(),
            }),
            location: Location::Line(line),
        },
        version: 1,
    };
    let mut credit = invoice("C-9", "12.50");
    credit.kind = DocumentKind::CreditNote;
    credit.creditor = CreditorId::new("other").unwrap();
    credit.description = Some("returned goods".into());
    let docs = vec![
        ledger_doc(doc.clone(), "a.csv", 2),
        ledger_doc(invoice("F-2", "10.00"), "a.csv", 3),
        ledger_doc(invoice("F-3", "20.00"), "a.csv", 4),
        ledger_doc(credit, "b.csv", 2),
    ];
    let rec = Reconciliation {
        allocations: vec![Allocation {
            from: AllocationSource::Payment("p1".into()),
            document: doc.key(),
            amount: Money::new(Decimal::from_str("60.00").unwrap(), Currency::EUR),
            rule: AllocationRule::InvoiceNumber,
            confidence: 95,
        }],
        open: vec![
            Some(Decimal::from_str("40.00").unwrap()),
            None,
            Some(Decimal::from_str("-0.00").unwrap()),
            Some(Decimal::from_str("-12.50").unwrap()),
        ],
        notes: vec![ReconcileNote {
            document: doc.key(),
            message: "a note".into(),
        }],
        paid: incasso_core::reconcile::PaidOn(vec![incasso_core::reconcile::Paid {
            number: "F-1".into(),
            date: NaiveDate::from_ymd_opt(2026, 6, 5).unwrap(),
            amount: Decimal::from_str("60.000").unwrap(),
        }]),
    };
    let evidence = vec![
        Evidence::ExactAmount {
            number: "F-1".into(),
        },
        Evidence::OldestFirst,
    ];
    let matching = Matching {
        outcomes: vec![PaymentOutcome {
            status: PaymentStatus::PartlyAllocated,
            debtor: Some(DebtorId::new("D1").unwrap()),
            allocated: Decimal::from_str("60.00").unwrap(),
            unapplied: Decimal::from_str("5.00").unwrap(),
            notes: vec!["n".into()],
            names_missing: None,
            evidence: evidence.clone(),
        }],
        review: vec![Proposal {
            payment: 0,
            document: doc.key(),
            amount: Money::new(Decimal::from_str("5.00").unwrap(), Currency::EUR),
            rule: AllocationRule::InvoiceNumber,
            confidence: 60,
            reason: "close".into(),
            evidence,
        }],
        runs: 1,
        in_detail: vec![],
    };
    let waiting = matching.waiting(&[payment(1).0]);
    assert_eq!(waiting.payments.len(), 1);
    let key = "2026-06-30|rules|build";
    let inputs = store.reconciliation_inputs().unwrap();
    let kept = || crate::ToKeep {
        docs: &docs,
        rec: &rec,
        waiting: &waiting,
        matching: &matching,
    };
    assert_eq!(store.kept_reconciliation(key, &inputs).unwrap(), None);
    store.keep_reconciliation(key, &inputs, kept()).unwrap();
    let back = store.kept_reconciliation(key, &inputs).unwrap();
    assert_eq!(
        back,
        Some(Kept {
            rec: rec.clone(),
            waiting: waiting.clone(),
            matching: matching.clone()
        })
    );
    // Exactly: a negative zero stays negative (it prints as -0.00).
    let Some(Kept { rec: back, .. }) = back else {
        unreachable!()
    };
    assert_eq!(format!("{:?}", back.open), format!("{:?}", rec.open));
    assert_eq!(
        store.kept_open_items(key, &inputs).unwrap(),
        Some(rec.open_amounts())
    );
    assert_eq!(
        store.kept_allocations(key, &inputs).unwrap(),
        Some(rec.allocations.clone())
    );
    // The listings of open items read the documents left open alone, exactly as they were.
    let open = store
        .kept_open_documents(key, &inputs)
        .unwrap()
        .expect("kept");
    assert_eq!(open.docs, [docs[0].clone(), docs[3].clone()]);
    assert_eq!(format!("{:?}", open.open), "[Some(40.00), Some(-12.50)]");
    // The report's read: the notes, the money waiting and the documents left open.
    let (notes, back_waiting, open) = store
        .kept_open_receivables(key, &inputs)
        .unwrap()
        .expect("kept");
    assert_eq!(notes, rec.open_amounts());
    assert_eq!(back_waiting, waiting);
    assert_eq!(open.docs, [docs[0].clone(), docs[3].clone()]);
    // The claims' read passes over the allocations to the money waiting.
    assert_eq!(
        store.kept_receivables(key, &inputs).unwrap(),
        Some((rec.open_amounts(), waiting.clone()))
    );
    // Other inputs: nothing of it is read.
    assert_eq!(
        store.kept_reconciliation(key, "other inputs").unwrap(),
        None
    );
    assert_eq!(store.kept_open_items(key, "other inputs").unwrap(), None);
    assert_eq!(store.kept_receivables(key, "other inputs").unwrap(), None);
    assert_eq!(store.kept_allocations(key, "other inputs").unwrap(), None);
    assert!(store
        .kept_open_documents(key, "other inputs")
        .unwrap()
        .is_none());
    assert!(store
        .kept_open_receivables(key, "other inputs")
        .unwrap()
        .is_none());
    // Another date, rules or build: nothing.
    assert_eq!(store.kept_reconciliation("other", &inputs).unwrap(), None);
    assert_eq!(store.kept_open_items("other", &inputs).unwrap(), None);
    assert_eq!(store.kept_receivables("other", &inputs).unwrap(), None);
    assert!(store
        .kept_open_documents("other", &inputs)
        .unwrap()
        .is_none());
    // A file cut short has no outcomes of the payments (its last section is cut), so no whole
    // reconciliation; the sections before it read whole.
    let path = dir.path().join("reconciled.bin");
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    assert!(store.kept_reconciliation(key, &inputs).unwrap().is_none());
    assert!(store.kept_open_documents(key, &inputs).unwrap().is_some());
    assert!(store.kept_open_receivables(key, &inputs).unwrap().is_some());
    assert!(store.kept_allocations(key, &inputs).unwrap().is_some());
    // A damaged length asks for no memory the file cannot hold: absent, not a crash.
    store.keep_reconciliation(key, &inputs, kept()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let at = 12 + key.len() + 4 + inputs.len();
    bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(store.kept_open_items(key, &inputs).unwrap(), None);
    assert_eq!(store.kept_receivables(key, &inputs).unwrap(), None);
    assert_eq!(store.kept_reconciliation(key, &inputs).unwrap(), None);
    assert!(store.kept_open_documents(key, &inputs).unwrap().is_none());
    // A damaged section of the open documents (the fourth) reads as absent, not as fewer
    // documents.
    store.keep_reconciliation(key, &inputs, kept()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mut end = at;
    for _ in 0..4 {
        let len = u64::from_le_bytes(bytes[end..end + 8].try_into().unwrap());
        end += 40 + len as usize;
    }
    bytes[end - 1] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    assert!(store.kept_open_documents(key, &inputs).unwrap().is_none());
    assert!(store.kept_open_receivables(key, &inputs).unwrap().is_none());
    assert!(store.kept_receivables(key, &inputs).unwrap().is_some());
}

#[test]
fn line_records_kept_per_import_are_the_ids_of_its_stored_lines_and_catch_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let import = |store: &Store, name: &str, lines: std::ops::Range<usize>| {
        let mut tx = store
            .begin_import(
                Source {
                    kind: SourceKind::BankStatementFile,
                    name: name.into(),
                    content_hash: name.into(),
                },
                Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap(),
            )
            .unwrap();
        let mut new = 0;
        for i in lines {
            let (p, f) = payment(i);
            new += usize::from(tx.add_payment(p, f).unwrap());
        }
        tx.commit().unwrap();
        new
    };
    {
        let store = Store::open(dir.path()).unwrap();
        // A small statement (its lines and records inline in sled), then a large one in a `.pay`
        // file, with the small one's lines among its own.
        assert_eq!(import(&store, "a.xml", 0..50), 50);
        assert_eq!(import(&store, "b.xml", 40..70_000), 69_950);
    }
    let store = Store::open(dir.path()).unwrap();
    let kept = store.load_known_lines().unwrap();
    let mut decoded = rustc_hash::FxHashSet::default();
    store
        .each_payment_block(&mut |_, block| {
            decoded.extend(block.iter().map(|p| p.keys()[0]));
            Ok(())
        })
        .unwrap();
    assert_eq!(decoded.len(), 70_000);
    assert_eq!(kept.ids(), &decoded);
    for owner in [1u64, 2] {
        assert!(store
            .kv
            .get(&key(payments::P_LINE_RECORDS, &owner.to_be_bytes()))
            .unwrap()
            .is_some());
    }
    // On a store opened afresh, repeats are caught by the kept records.
    assert_eq!(import(&store, "c.xml", 69_990..70_010), 10);
}

/// A bank line of `format` in the group of lines alike `group`, with its own `id`.
fn line_of(format: &str, group: u128, id: &str) -> (Payment, LineKeys) {
    let (mut p, _) = payment(0);
    p.id = id.into();
    let in_format = group ^ format.bytes().map(u128::from).sum::<u128>() << 64;
    let keys = LineKeys {
        group: Some(LineGroup {
            alike: group,
            in_format,
            loose: 0,
        }),
        legacy: [Some(group + u128::from(id.len() as u32)), None],
    };
    (p, keys)
}

/// The lines of one file, imported; how many were new.
fn import_lines(store: &Store, name: &str, lines: &[(&str, u128, &str)]) -> usize {
    import_keyed(
        store,
        name,
        lines
            .iter()
            .map(|(format, group, id)| line_of(format, *group, id)),
    )
}

/// Bank lines with their keys, imported as one file; how many were new.
fn import_keyed(
    store: &Store,
    name: &str,
    lines: impl IntoIterator<Item = (Payment, LineKeys)>,
) -> usize {
    let mut tx = begin(store, name, SourceKind::BankStatementFile);
    for (p, keys) in lines {
        tx.add_bank_line(p, keys).unwrap();
    }
    tx.commit().unwrap().record.payments_new as usize
}

/// The same real transfer read again, in the same format or another, counts once; a line its
/// own format words otherwise is another transfer, also when it is alike in account, date,
/// amount and payer. What each format has recognised as another's copy is kept, so it holds on a
/// store opened afresh.
#[test]
fn a_line_alike_is_a_copy_only_from_another_format() {
    let dir = tempfile::tempdir().unwrap();
    const G: u128 = 0x51;
    {
        let store = Store::open(dir.path()).unwrap();
        // Two camt.054 notifications of one day, each with one transfer of the group.
        assert_eq!(import_lines(&store, "n1", &[("camt.054", G, "R1")]), 1);
        assert_eq!(import_lines(&store, "n2", &[("camt.054", G, "R2")]), 1);
        // The day's camt.053, with the bank's own references of another kind: copies.
        assert_eq!(
            import_lines(&store, "s", &[("camt.053", G, "S1"), ("camt.053", G, "S2")]),
            0
        );
        // A midday CSV export with one of them.
        assert_eq!(import_lines(&store, "m", &[("ING CSV", G, "Fmorning")]), 0);
    }
    let store = Store::open(dir.path()).unwrap();
    // The whole day's export: the morning's line again, the other copy, and a third transfer
    // the camt files did not have yet.
    assert_eq!(
        import_lines(
            &store,
            "d",
            &[
                ("ING CSV", G, "Fafternoon"),
                ("ING CSV", G, "Fmorning"),
                ("ING CSV", G, "Fevening"),
            ]
        ),
        1
    );
    assert_eq!(store.payments().unwrap().len(), 3);
    // The camt.054 notification of the third arrives late: a copy now.
    assert_eq!(import_lines(&store, "n3", &[("camt.054", G, "R3")]), 0);
    // A fourth: new.
    assert_eq!(import_lines(&store, "n4", &[("camt.054", G, "R4")]), 1);
    // One import of lines of two formats (the inbox's folder, a test): the same counts.
    const H: u128 = 0x52;
    assert_eq!(
        import_lines(
            &store,
            "two formats",
            &[
                ("camt.053", H, "S1"),
                ("ING CSV", H, "Fone"),
                ("camt.053", H, "S2"),
                ("ING CSV", H, "Ftwo"),
                ("ING CSV", H, "Fthree"),
            ]
        ),
        3
    );
}

/// A bank reference is one id in every format: the day's camt.053 repeating a notification's
/// line by its reference has seen that line of the group, so the afternoon's transfer alike is
/// new, not taken for the copy the statement owes; reading the statement again changes nothing.
#[test]
fn a_line_repeated_by_its_reference_in_another_format_is_the_one_it_has_seen() {
    let dir = tempfile::tempdir().unwrap();
    const G: u128 = 0x71;
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(import_lines(&store, "n1", &[("camt.054", G, "R1")]), 1);
        let day = [("camt.053", G, "R1"), ("camt.053", G, "R2")];
        assert_eq!(import_lines(&store, "s", &day), 1);
        assert_eq!(import_lines(&store, "s again", &day), 0);
    }
    let store = Store::open(dir.path()).unwrap();
    let day = [("camt.053", G, "R2"), ("camt.053", G, "R1")];
    assert_eq!(import_lines(&store, "s reordered", &day), 0);
    // A midday CSV export with the morning's line under its own id: a copy.
    assert_eq!(import_lines(&store, "m", &[("ING CSV", G, "Fmorning")]), 0);
    // Both notifications first, then a statement with a third transfer alike.
    const H: u128 = 0x72;
    assert_eq!(import_lines(&store, "n1", &[("camt.054", H, "Q1")]), 1);
    assert_eq!(import_lines(&store, "n2", &[("camt.054", H, "Q2")]), 1);
    let day = [
        ("camt.053", H, "Q1"),
        ("camt.053", H, "Q3"),
        ("camt.053", H, "Q2"),
    ];
    assert_eq!(import_lines(&store, "s", &day), 1);
    assert_eq!(store.payments().unwrap().len(), 5);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Any imports of lines of a few formats and groups, with the store opened afresh between
    /// some of them, store exactly what counting every line shows: a line is new unless its id is
    /// known or its group holds more lines than its format has seen there.
    #[test]
    fn lines_alike_are_counted_as_the_plain_rule_says(
        imports in proptest::collection::vec(
            (
                proptest::collection::vec((0usize..2, 0u128..2, 0usize..5), 1..9),
                proptest::bool::ANY,
            ),
            1..7,
        )
    ) {
        const FORMATS: [&str; 2] = ["camt.053", "ING CSV"];
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut keys = std::collections::HashSet::new();
        let mut lines: HashMap<u128, u32> = HashMap::new();
        let mut seen: HashMap<(u128, usize), u32> = HashMap::new();
        for (n, (file, reopen)) in imports.iter().enumerate() {
            if *reopen {
                drop(store);
                store = Store::open(dir.path()).unwrap();
            }
            let mut expected = 0;
            let named: Vec<(&str, u128, String)> = file
                .iter()
                .map(|&(f, g, id)| (FORMATS[f], 0x100 + g, format!("L{f}-{g}-{id}")))
                .collect();
            for (f, g, id) in &named {
                let f = FORMATS.iter().position(|x| x == f).unwrap();
                if !keys.insert(id.clone()) {
                    continue;
                }
                let s = lines.entry(*g).or_insert(0);
                let mine = seen.entry((*g, f)).or_insert(0);
                if *s <= *mine {
                    *s += 1;
                    expected += 1;
                }
                *mine += 1;
            }
            let refs: Vec<(&str, u128, &str)> =
                named.iter().map(|(f, g, id)| (*f, *g, id.as_str())).collect();
            proptest::prop_assert_eq!(
                import_lines(&store, &format!("file {n}"), &refs),
                expected,
                "import {}", n
            );
        }
        proptest::prop_assert_eq!(
            store.payments().unwrap().len() as u32,
            lines.values().sum::<u32>()
        );
    }
}

/// Which lines of a later download in another format are the copies is told by their texts, not
/// their order: the afternoon's transfer listed first is new, the morning's listed second is the
/// copy of the line the midday export stored.
#[test]
fn the_copy_of_a_stored_line_is_the_one_its_text_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let line = |format: &str, id: &str, text: &str| {
        let (mut p, keys) = line_of(format, 0x61, id);
        p.remittance = Some(text.into());
        (p, keys)
    };
    let mut midday = begin(&store, "midday", SourceKind::BankStatementFile);
    // A line no group holds first (as an accounting API's payment is): the stored line of the
    // group is found at its own place all the same.
    let (api, fingerprint) = payment(7);
    midday.add_payment(api, fingerprint).unwrap();
    let (p, k) = line(
        "ING CSV",
        "Fmorning",
        "Naam: J. Jansen Omschrijving: Factuur F2026-201",
    );
    midday.add_bank_line(p, k).unwrap();
    assert_eq!(midday.commit().unwrap().record.payments_new, 2);
    let mut day = begin(&store, "day", SourceKind::BankStatementFile);
    for (id, text) in [("R2", "Factuur F2026-299"), ("R1", "Factuur F2026-201")] {
        let (p, k) = line("camt.053", id, text);
        day.add_bank_line(p, k).unwrap();
    }
    let record = day.commit().unwrap().record;
    assert_eq!((record.payments_new, record.payments_repeated), (1, 1));
    let mut texts: Vec<String> = store
        .payments()
        .unwrap()
        .into_iter()
        .filter_map(|p| p.remittance)
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            "F7",
            "Factuur F2026-299",
            "Naam: J. Jansen Omschrijving: Factuur F2026-201"
        ]
    );
}

/// A store written before lines were grouped kept no records: its lines are recognised by the
/// fingerprint they were stored with, whatever the id a line is given now.
#[test]
fn a_line_stored_before_groups_were_kept_is_recognised_by_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(import_lines(&store, "old", &[("MT940", 0x77, "Fold")]), 1);
        // As a store written then: no records, the lines decoded instead.
        let mut batch = crate::kv::Batch::default();
        batch.remove(key(payments::P_LINE_RECORDS, &1u64.to_be_bytes()));
        batch.remove(key(payments::P_LINE_RECORDS_INLINE, &1u64.to_be_bytes()));
        store.kv.apply(batch).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    // The same fingerprint (`line_of` derives it from the group and the id's length), another id.
    assert_eq!(import_lines(&store, "new", &[("MT940", 0x77, "Fnew")]), 0);
    assert_eq!(
        import_lines(&store, "other", &[("MT940", 0x77, "Fother1")]),
        1
    );
}

/// A line of `format` in group `alike`, with or without the payer's account, and the loose
/// group its fields give.
fn loose_line(format: &str, alike: u128, id: &str, cp: Option<&str>) -> (Payment, LineKeys) {
    let (mut p, mut keys) = line_of(format, alike, id);
    p.counterparty_account = cp.map(str::to_string);
    // The invoice the id names, in the text.
    p.remittance = Some(format!("Factuur F2026-{}", &id[id.len() - 3..]));
    let g = keys.group.as_mut().expect("a group");
    g.loose = LineGroup::loose_key(
        p.account.as_deref().unwrap_or(""),
        p.date,
        p.amount.amount(),
        p.amount.currency().as_str(),
        cp.is_none(),
    );
    (p, keys)
}

/// The lines of one file with their loose groups, imported; how many were new.
fn import_loose(store: &Store, name: &str, lines: &[(&str, u128, &str, Option<&str>)]) -> usize {
    import_keyed(
        store,
        name,
        lines
            .iter()
            .map(|&(format, alike, id, cp)| loose_line(format, alike, id, cp)),
    )
}

/// A format that leaves out the payer's account puts its copy of a line in another group, in
/// the same loose one: it is a copy, as often as the other format's lines there go unseen, and
/// never of a line whose payer's account differs from its own. A store written before loose
/// groups were kept has them worked out from its lines once, and kept.
#[test]
fn a_copy_without_the_payers_account_is_found_in_its_loose_group() {
    let dir = tempfile::tempdir().unwrap();
    let iban = Some("NL44RABO0123456789");
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            import_loose(&store, "camt", &[("camt.053", 0x81, "R101", iban)]),
            1
        );
        // As a store written then: no loose keys.
        let mut batch = crate::kv::Batch::default();
        batch.remove(key(payments::P_LINE_LOOSE, &1u64.to_be_bytes()));
        let mut inline = key(payments::P_LINE_LOOSE_INLINE, &1u64.to_be_bytes());
        inline.extend_from_slice(&0u32.to_be_bytes());
        batch.remove(inline);
        store.kv.apply(batch).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    // The CSV export without the payer's account: a copy; its second transfer alike, naming
    // another invoice, is new.
    let csv = [
        ("ING CSV", 0x83, "F102", None),
        ("ING CSV", 0x82, "F101", None),
    ];
    assert_eq!(import_loose(&store, "csv", &csv), 1);
    assert!(store
        .kv
        .get(&key(payments::P_LINE_LOOSE, &1u64.to_be_bytes()))
        .unwrap()
        .is_some());
    // The MT940 gives another payer's account for a line alike: another transfer.
    let other = Some("NL20INGB0001234567");
    assert_eq!(
        import_loose(&store, "mt940", &[("MT940", 0x84, "M103", other)]),
        1
    );
    // Read afresh, the same files add nothing.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(import_loose(&store, "csv again", &csv), 0);
    assert_eq!(store.payments().unwrap().len(), 3);
}

/// An import of a source of this kind, begun and left open.
fn begin<'s>(store: &'s Store, hash: &str, kind: SourceKind) -> ImportTx<'s> {
    let source = Source {
        kind,
        name: format!("{hash}.file"),
        content_hash: hash.into(),
    };
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap();
    store.begin_import(source, at).unwrap()
}

/// The inbox imports a ledger and a bank statement at once: both transactions are open together,
/// the later one commits first, and another writer of the audit log writes in between. Each gets
/// its own import id, every audit entry keeps its own sequence number, and both are visible.
#[test]
fn a_document_import_and_a_bank_import_open_at_once_each_keep_their_ids_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    applied(
        store
            .import(batch("h1", &[invoice("F1", "100.00")]))
            .unwrap(),
    );
    let mut ledger = begin(&store, "h2", SourceKind::CsvFile);
    let mut bank = begin(&store, "h3", SourceKind::BankStatementFile);
    // A changed invoice is audited inside the open ledger import.
    ledger
        .add_document(&invoice("F1", "120.00"), Location::Line(2))
        .unwrap();
    ledger
        .add_document(&invoice("F2", "30.00"), Location::Line(3))
        .unwrap();
    for i in 0..3 {
        let (p, f) = payment(i);
        assert!(bank.add_payment(p, f).unwrap());
    }
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap();
    store
        .record_event("nightly-run", "run", "written while both are open", at)
        .unwrap();
    let bank = bank.commit().unwrap().record;
    let ledger = ledger.commit().unwrap().record;
    assert_eq!((ledger.id, bank.id), (2, 3), "ids in the order begun");
    assert_eq!((ledger.new, ledger.changed), (1, 1));
    assert_eq!(bank.payments_new, 3);
    let ids: Vec<u64> = store.imports().unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    let docs = store.documents().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(store.payments().unwrap().len(), 3);
    let log = store.audit_log().unwrap();
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    let mut unique = seqs.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seqs.len(),
        "no sequence number twice: {seqs:?}"
    );
    for action in ["nightly-run", "document-changed"] {
        assert!(
            log.iter().any(|e| e.action == action),
            "{action} is in the log: {log:#?}"
        );
    }
    // The next import, after both, takes the next id.
    let next = applied(
        store
            .import(batch("h4", &[invoice("F3", "10.00")]))
            .unwrap(),
    );
    assert_eq!(next.record.id, 4);
}

/// Two imports of documents never run at once: the second waits at its first document until
/// the first has committed, and then checks against what that one stored. One that already
/// writes bank lines is refused documents while another writes them, instead of waiting.
#[test]
fn a_second_document_import_waits_for_the_first_and_never_both_wait() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut first = begin(&store, "a", SourceKind::CsvFile);
    first
        .add_document(&invoice("F1", "100.00"), Location::Line(2))
        .unwrap();
    let (second, refused) = std::thread::scope(|scope| {
        let waiting = scope.spawn(|| {
            let mut second = begin(&store, "b", SourceKind::CsvFile);
            second
                .add_document(&invoice("F1", "150.00"), Location::Line(2))
                .unwrap();
            second.commit().unwrap().record
        });
        // A bank import that would also write documents is refused, not left waiting.
        let mut mixed = begin(&store, "c", SourceKind::Api);
        let (p, f) = payment(1);
        mixed.add_payment(p, f).unwrap();
        let refused = mixed
            .add_document(&invoice("F9", "1.00"), Location::Line(1))
            .unwrap_err();
        drop(mixed);
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            !waiting.is_finished(),
            "the second waits while the first is open"
        );
        first.commit().unwrap();
        (waiting.join().unwrap(), refused)
    });
    assert_eq!(
        (second.new, second.changed),
        (0, 1),
        "it saw the first's F1"
    );
    assert!(
        refused
            .to_string()
            .contains("another import writes documents"),
        "{refused}"
    );
    let docs = store.documents().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].document.total.to_string(), "150.00");
}

/// A document's open amount from its open items: signed items as kept since session 41, and
/// items kept before as magnitudes running the way of the kind kept with them (a store synced by
/// an earlier build reads as it did).
#[test]
fn open_items_give_each_kind_its_open_amount_in_both_forms() {
    let d = |s: &str| Decimal::from_str(s).unwrap();
    let signed = crate::SyncedRecord {
        document: Some((DocumentKind::CreditNote, "2026001".into())),
        open: Some(d("300.00")),
        signed: true,
        ..Default::default()
    };
    assert_eq!(signed.open_of(DocumentKind::Invoice), Some(d("300.00")));
    assert_eq!(
        signed.open_of(DocumentKind::CreditNote),
        Some(Decimal::ZERO)
    );
    let credit = crate::SyncedRecord {
        open: Some(d("-80.00")),
        ..signed.clone()
    };
    assert_eq!(credit.open_of(DocumentKind::CreditNote), Some(d("80.00")));
    assert_eq!(credit.open_of(DocumentKind::Invoice), Some(Decimal::ZERO));
    let earlier_credit = crate::SyncedRecord {
        open: Some(d("80.00")),
        signed: false,
        ..signed.clone()
    };
    assert_eq!(
        earlier_credit.open_of(DocumentKind::CreditNote),
        Some(d("80.00"))
    );
    let earlier_invoice = crate::SyncedRecord {
        document: Some((DocumentKind::Invoice, "2026001".into())),
        ..earlier_credit
    };
    assert_eq!(
        earlier_invoice.open_of(DocumentKind::Invoice),
        Some(d("80.00"))
    );
    assert_eq!(
        crate::SyncedRecord::default().open_of(DocumentKind::Invoice),
        None
    );
}

/// Review 44c, F-1 and 44d, F-1: what the books reported settled is kept with the import that
/// first reported each amount: a later version that changed another field adds nothing, a
/// settlement that grew adds a step.
#[test]
fn a_settlement_dates_from_the_import_that_first_reported_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut part = invoice("F1", "2420.00");
    part.source_open = Some(Decimal::from_str("1420.00").unwrap());
    let first = applied(store.import(batch("s1", &[part.clone()])).unwrap())
        .record
        .id;
    let steps = |store: &Store| {
        let docs = store.documents().unwrap();
        store
            .settled_since()
            .unwrap()
            .of(&docs[0])
            .map(<[(u64, Decimal)]>::to_vec)
    };
    let d = |s: &str| Decimal::from_str(s).unwrap();
    assert_eq!(steps(&store), None, "one version: its import reported it");
    let mut described = part.clone();
    described.description = Some("Levering juli".into());
    applied(store.import(batch("s2", &[described.clone()])).unwrap());
    assert_eq!(steps(&store), Some(vec![(first, d("1000.00"))]));
    described.due_date = NaiveDate::from_ymd_opt(2026, 2, 15).unwrap();
    applied(store.import(batch("s3", &[described.clone()])).unwrap());
    assert_eq!(
        steps(&store),
        Some(vec![(first, d("1000.00"))]),
        "still the first"
    );
    described.source_open = Some(d("420.00"));
    let grew = applied(store.import(batch("s4", &[described])).unwrap())
        .record
        .id;
    assert_eq!(
        steps(&store),
        Some(vec![(first, d("1000.00")), (grew, d("2000.00"))])
    );
}
