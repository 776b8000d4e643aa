//! `cargo bench --bench payments`: matching accuracy per noise class on the generator's noisy
//! ledger (against a naive "find the invoice number in the text" baseline), and the speed and
//! memory of importing, reconciling and ageing a million invoices with a million bank lines.
//!
//! Scale with `INCASSO_BENCH_ACCURACY_INVOICES` (default 100,000) and `INCASSO_BENCH_INVOICES`
//! (default 1,000,000; the bank statement gets as many lines).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::{env_n, median, output, run, RUNS};
use rust_decimal::Decimal;

const AS_OF: &str = "2026-10-31";

/// Invoice number -> open amount, from `receivables --format csv`.
fn open_amounts(csv: &str) -> HashMap<String, Decimal> {
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.first()?.to_string(), f.get(4)?.parse().ok()?))
        })
        .collect()
}

/// The baseline the issue names: take the first thing shaped like an invoice number (F, four
/// digits, dash, seven digits) from the text and apply the payment to it, up to what is open.
fn naive(before: &HashMap<String, Decimal>, bank_csv: &Path) -> HashMap<String, Decimal> {
    let mut open = before.clone();
    let mut r = csv::Reader::from_path(bank_csv).expect("bank csv");
    for rec in r.records() {
        let rec = rec.expect("row");
        let amount: Decimal = rec[6]
            .replace(',', ".")
            .trim_start_matches('+')
            .parse()
            .expect("amount");
        if amount <= Decimal::ZERO {
            continue;
        }
        let text = &rec[19];
        let b = text.as_bytes();
        let found = (0..b.len().saturating_sub(12)).find_map(|i| {
            let w = &b[i..i + 13];
            (w[0] == b'F'
                && w[1..5].iter().all(u8::is_ascii_digit)
                && w[5] == b'-'
                && w[6..].iter().all(u8::is_ascii_digit))
            .then(|| String::from_utf8_lossy(w).into_owned())
        });
        if let Some(o) = found.and_then(|n| open.get_mut(&n)) {
            *o -= amount.min(*o);
        }
    }
    open
}

fn accuracy(dir: &Path) {
    let n = env_n("INCASSO_BENCH_ACCURACY_INVOICES", 100_000);
    let gen = dir.join("acc");
    run(&[
        "fixtures",
        "generate",
        "--invoices",
        &n.to_string(),
        "--payments",
        "--out",
        gen.to_str().unwrap(),
    ]);
    let ledger = gen.join("ledger-nl.csv");
    let camt = gen.join("bank.camt053.xml");
    let before_store = dir.join("acc-ledger-only");
    let store = dir.join("acc-store");
    run(&[
        "--data-dir",
        before_store.to_str().unwrap(),
        "import",
        ledger.to_str().unwrap(),
    ]);
    run(&[
        "--data-dir",
        store.to_str().unwrap(),
        "import",
        ledger.to_str().unwrap(),
        camt.to_str().unwrap(),
    ]);
    let rec = |s: &Path| {
        output(&[
            "--data-dir",
            s.to_str().unwrap(),
            "receivables",
            "--as-of",
            AS_OF,
            "--format",
            "csv",
        ])
    };
    let ours = open_amounts(&rec(&store));
    let before = open_amounts(&rec(&before_store));
    let theirs = naive(&before, &gen.join("bank-rabobank.csv"));

    let expected =
        std::fs::read_to_string(gen.join("expected/expected-open.csv")).expect("expected");
    // class -> (invoices, ours right, naive right)
    let mut by_class: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for l in expected.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        let want: Decimal = f[1].parse().expect("amount");
        let e = by_class.entry(f[2].to_string()).or_default();
        e.0 += 1;
        e.1 += u64::from(ours.get(f[0]).copied().unwrap_or_default() == want);
        e.2 += u64::from(theirs.get(f[0]).copied().unwrap_or_default() == want);
    }
    println!("matching accuracy, {n} invoices (invoices with exactly the intended open amount):");
    println!(
        "{:<22} {:>8} {:>9} {:>9}",
        "noise class", "invoices", "incasso", "naive"
    );
    let (mut t, mut o, mut v) = (0, 0, 0);
    for (class, (count, ok, nv)) in &by_class {
        println!(
            "{class:<22} {count:>8} {:>8.2}% {:>8.2}%",
            100.0 * *ok as f64 / *count as f64,
            100.0 * *nv as f64 / *count as f64
        );
        t += count;
        o += ok;
        v += nv;
    }
    println!(
        "{:<22} {t:>8} {:>8.2}% {:>8.2}%",
        "all",
        100.0 * o as f64 / t as f64,
        100.0 * v as f64 / t as f64
    );
    let paid: Vec<_> = by_class
        .iter()
        .filter(|(c, _)| c.as_str() != "unpaid")
        .collect();
    let (pt, po, pv) = paid
        .iter()
        .fold((0, 0, 0), |a, (_, x)| (a.0 + x.0, a.1 + x.1, a.2 + x.2));
    println!(
        "{:<22} {pt:>8} {:>8.2}% {:>8.2}%",
        "paid through the bank",
        100.0 * po as f64 / pt as f64,
        100.0 * pv as f64 / pt as f64
    );

    let unmatched = output(&[
        "--data-dir",
        store.to_str().unwrap(),
        "unmatched",
        "--as-of",
        AS_OF,
        "--format",
        "csv",
    ]);
    let lines = std::fs::read_to_string(gen.join("expected/expected-lines.csv")).expect("lines");
    let unrelated: Vec<&str> = lines
        .lines()
        .filter(|l| l.contains(",unrelated,"))
        .collect();
    let untouched = unrelated
        .iter()
        .filter(|l| {
            let marker = l.rsplit(',').next().unwrap_or("");
            unmatched
                .lines()
                .any(|u| u.contains(marker) && u.contains(",unmatched,"))
        })
        .count();
    println!(
        "unrelated bank lines left unallocated: {untouched} of {}",
        unrelated.len()
    );
}

fn speed(dir: &Path) {
    let n = env_n("INCASSO_BENCH_INVOICES", 1_000_000);
    let gen = dir.join("big");
    let (g, _) = run(&[
        "fixtures",
        "generate",
        "--invoices",
        &n.to_string(),
        "--payments",
        "--bank-lines",
        &n.to_string(),
        "--out",
        gen.to_str().unwrap(),
    ]);
    let ledger = gen.join("ledger-nl.csv");
    let bank = gen.join("bank-rabobank.csv");
    let camt = gen.join("bank.camt053.xml");
    let mb = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0)
    };
    println!(
        "\ngenerated {n} invoices ({:.0} MB) and their statement as CSV ({:.0} MB) and camt.053 ({:.0} MB) in {g:.1}s",
        mb(&ledger),
        mb(&bank),
        mb(&camt)
    );
    let mut rows = Vec::new();
    let mut matching = Vec::new();
    for i in 0..RUNS {
        let data = dir.join(format!("big-{i}"));
        let d = data.to_str().unwrap();
        let (imp, imp_m) = run(&[
            "--data-dir",
            d,
            "import",
            ledger.to_str().unwrap(),
            bank.to_str().unwrap(),
        ]);
        let (age, age_m) = run(&["--data-dir", d, "ageing", "--as-of", AS_OF]);
        rows.push((imp + age, imp_m.max(age_m), imp, age));
        matching.push(match_seconds(d));
        let _ = std::fs::remove_dir_all(&data);
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, mem, imp, age) = rows[rows.len() / 2];
    println!(
        "import ledger + bank CSV, then reconcile + ageing: {total:.2}s end to end (import {imp:.2}s, ageing with matching {age:.2}s), peak RSS {mem:.0} MB (median of {RUNS})"
    );
    matching.sort_by(f64::total_cmp);
    println!(
        "matching alone ({n} bank lines against {n} invoices, inside ageing): {:.2}s (median of {RUNS})",
        matching[matching.len() / 2]
    );
    let (c, cm) = median(
        (0..RUNS)
            .map(|i| {
                let data = dir.join(format!("camt-{i}"));
                let r = run(&[
                    "--data-dir",
                    data.to_str().unwrap(),
                    "import",
                    camt.to_str().unwrap(),
                ]);
                let _ = std::fs::remove_dir_all(&data);
                r
            })
            .collect(),
    );
    println!(
        "import camt.053 ({:.0} MB): {c:.2}s, peak RSS {cm:.0} MB (median of {RUNS})",
        mb(&camt)
    );
}

/// The seconds matching took, measured in-process through the engine (the store loaded and
/// matched from scratch, as `incasso reconcile --full` does, not read back from the kept one).
fn match_seconds(data_dir: &str) -> f64 {
    let ws = incasso_engine::Workspace::new(data_dir, None);
    let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").expect("a date");
    let (r, _) = incasso_engine::reconciled::recompute(
        ws.store().expect("the store"),
        as_of,
        &ws.policy().expect("the policy").matching,
    )
    .expect("reconciled");
    r.timings.matching.as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    accuracy(dir.path());
    speed(dir.path());
}
