//! Fuzz targets for every file reader (ledger CSV, workbooks, UBL, camt, MT940, bank CSV): random
//! bytes, and real fixtures mutated (bytes set, inserted, cut, truncated, chunks repeated). A
//! reader may refuse any of it with an error; it may never panic. The cases per target default
//! to what CI runs in seconds; `INCASSO_FUZZ_CASES=100000` runs a long session.

use std::io::Cursor;
use std::path::Path;

use incasso_connectors::csv::{read_ledger_text, CsvOptions};
use incasso_connectors::progress::NoProgress;
use incasso_core::ids::CreditorId;
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    let cases = std::env::var("INCASSO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn fixtures(names: &[&str]) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    names
        .iter()
        .map(|n| std::fs::read(root.join(n)).unwrap_or_else(|e| panic!("{n}: {e}")))
        .collect()
}

/// One edit of a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Cut(usize, usize),
    Truncate(usize),
    Repeat(usize, usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let special = b"<>/;,\"'\n\r:-0123456789.&{}\x00\xff".to_vec();
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
        (any::<usize>(), prop::sample::select(special)).prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Cut(p, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..200, 1u8..20).prop_map(|(p, n, k)| Edit::Repeat(p, n, k)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Set(p, b) if !bytes.is_empty() => bytes[p % len] = b,
            Edit::Insert(p, b) => bytes.insert(p % (bytes.len() + 1), b),
            Edit::Cut(p, n) if !bytes.is_empty() => {
                let start = p % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Edit::Truncate(p) => bytes.truncate(p % (bytes.len() + 1)),
            Edit::Repeat(p, n, k) if !bytes.is_empty() => {
                let start = p % len;
                let end = (start + n).min(bytes.len());
                let chunk = bytes[start..end].to_vec();
                for _ in 0..k {
                    bytes.splice(end..end, chunk.iter().copied());
                }
            }
            _ => {}
        }
    }
    bytes
}

/// Fixture bytes with edits, or plain random bytes.
fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..2048),
        4 => (0..n, prop::collection::vec(edit(), 1..12))
            .prop_map(move |(i, edits)| mutate(seeds[i].clone(), &edits)),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ledger_csv_never_panics(bytes in input(fixtures(&[
        "ledger/nl-semicolon.csv",
        "ledger/en-comma.csv",
        "ledger/cp1252-title-rows.csv",
        "ledger/utf8-bom-tab-compact-dates.csv",
        "bad/ambiguous-dates.csv",
        "bad/duplicate-number.csv",
    ])), skip_bad_rows in any::<bool>()) {
        let options = CsvOptions { skip_bad_rows, ..CsvOptions::default() };
        let _ = read_ledger_text("fuzz.csv", text(&bytes), &options, &NoProgress, |_, _| Ok(()));
    }

    #[test]
    fn workbooks_never_panic(bytes in input(fixtures(&[
        "xlsx/nl-ledger.xlsx",
        "xlsx/nl-ledger-1904.xlsx",
        "xlsx/nl-ledger.xls",
        "bad/xlsx/zip-bomb.xlsx",
    ]))) {
        let size = bytes.len() as u64;
        let _ = incasso_connectors::xlsx::read_sheet_from(
            Path::new("fuzz.xlsx"),
            Cursor::new(bytes),
            size,
            None,
        );
    }

    #[test]
    fn ubl_never_panics(bytes in input(fixtures(&[
        "ubl/nl-si-ubl-2.0-minimal.xml",
        "ubl/nl-si-ubl-2.0-full.xml",
        "ubl/nl-si-ubl-2.0-creditnote-381.xml",
        "ubl/einvoicing-cius-ro-tax-currency.xml",
    ]))) {
        let dir = tempfile::tempdir().unwrap();
        let creditor = CreditorId::new("default").unwrap();
        let _ = incasso_connectors::ubl::read_bytes("fuzz.xml", &bytes, &creditor, dir.path());
    }

    #[test]
    fn camt_never_panics(bytes in input(fixtures(&[
        "bank/rabobank-2026-11.camt053.xml",
        "bank-notification/rabobank-2026-11-02.camt054.xml",
    ]))) {
        let _ = incasso_connectors::bank::camt::read("fuzz.xml", Cursor::new(bytes), &mut |_| {});
    }

    #[test]
    fn mt940_never_panics(bytes in input(fixtures(&[
        "bank/knab-2026-11-15.sta",
        "bank-unbalanced/raiffeisen-hu-2026-04-17.sta",
    ]))) {
        let t = text(&bytes);
        let _ = incasso_connectors::bank::mt940::read("fuzz.sta", &t, &mut |_| {});
        let _ = incasso_connectors::bank::mt940::read_accepting_unbalanced("fuzz.sta", &t, &mut |_| {});
    }

    #[test]
    fn bank_csv_never_panics(bytes in input(fixtures(&[
        "bank/rabobank-2026-11.csv",
        "bank-asn/transactie-historie_NL12ASNB0123456789_20261120.csv",
    ]))) {
        let _ = incasso_connectors::bank::csv::read("fuzz.csv", &text(&bytes), &mut |_| {});
    }
}
