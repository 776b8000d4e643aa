//! `cargo bench`: the import, re-import and ageing numbers of the README, on generated ledgers.
//!
//! Runs the real release binary as separate processes (wall time and peak RSS per step, via
//! wait4), plus the CSV reader alone in-process to show where the time goes. Scale with
//! `INCASSO_BENCH_INVOICES` (default 1,000,000).

mod common;

use std::path::Path;
use std::time::Instant;

use common::{median, run, RUNS};

use incasso_connectors::csv::{read_ledger, CsvOptions};
use incasso_connectors::progress::NoProgress;
use incasso_connectors::source::inspect;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: u64 = std::env::var("INCASSO_BENCH_INVOICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let gen = dir.path().join("gen");
    let data = dir.path().join("data");
    let (g, _) = common::generate(n, &gen, &[]);
    let file = gen.join("ledger-nl.csv");
    let size = std::fs::metadata(&file).unwrap().len() as f64 / 1e6;
    println!("generated {n} invoices ({size:.0} MB, Dutch dialect) in {g:.2}s");

    let d = data.to_str().unwrap();
    let f = file.to_str().unwrap();
    // Three runs of each step on this noisy shared machine; the median is reported.
    let imports: Vec<(f64, f64)> = (0..RUNS)
        .map(|_| {
            let _ = std::fs::remove_dir_all(&data);
            run(&["--data-dir", d, "import", f])
        })
        .collect();
    let (s, m) = median(imports);
    println!("import into an empty store: {s:.2}s, peak RSS {m:.0} MB (median of {RUNS})");
    let (s2, m2) = median(
        (0..RUNS)
            .map(|_| run(&["--data-dir", d, "import", f]))
            .collect(),
    );
    println!(
        "re-import of the same file: {s2:.2}s ({:.1}% of the first), peak RSS {m2:.0} MB",
        100.0 * s2 / s
    );
    let (a, am) = median(
        (0..RUNS)
            .map(|_| run(&["--data-dir", d, "ageing", "--as-of", "2026-11-23"]))
            .collect(),
    );
    println!("ageing: {a:.2}s, peak RSS {am:.0} MB");
    let (r, rm) = median(
        (0..RUNS)
            .map(|_| {
                run(&[
                    "--data-dir",
                    d,
                    "receivables",
                    "--as-of",
                    "2026-11-23",
                    "--format",
                    "csv",
                ])
            })
            .collect(),
    );
    println!("receivables --format csv: {r:.2}s, peak RSS {rm:.0} MB");
    // As of the last day the built-in rate tables cover, so every claim's interest is computed.
    let (c, cm) = median(
        (0..RUNS)
            .map(|_| {
                run(&[
                    "--data-dir",
                    d,
                    "claims",
                    "--as-of",
                    "2026-06-30",
                    "--format",
                    "csv",
                ])
            })
            .collect(),
    );
    println!(
        "claims --format csv (policy defaults, as of 2026-06-30): {c:.2}s, peak RSS {cm:.0} MB"
    );
    // The same ledger again with every open invoice disputed: a re-import that changes a large
    // part of the ledger (each change is a new version, an audit entry and history).
    let changed = gen.join("changed").join("ledger-nl.csv");
    std::fs::create_dir_all(changed.parent().unwrap()).unwrap();
    let mut n_changed = 0u64;
    let mut text = String::new();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        match line.strip_suffix(";Openstaand") {
            Some(rest) => {
                n_changed += 1;
                text.push_str(rest);
                text.push_str(";Betwist\n");
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    std::fs::write(&changed, text).unwrap();
    let (ch, chm) = median(
        (0..RUNS)
            .map(|i| {
                let d = dir.path().join(format!("c{i}"));
                let d = d.to_str().unwrap();
                run(&["--data-dir", d, "import", f]);
                let timed = run(&["--data-dir", d, "import", changed.to_str().unwrap()]);
                let _ = std::fs::remove_dir_all(d);
                timed
            })
            .collect(),
    );
    println!("re-import with {n_changed} status changes: {ch:.2}s, peak RSS {chm:.0} MB");
    // A 100,000-row, 20-column workbook and 10,000 UBL e-invoices (about 50 KB each).
    let books = dir.path().join("books");
    run(&[
        "fixtures",
        "generate",
        "--invoices",
        "97100",
        "--seed",
        "3",
        "--dialect",
        "xlsx,ubl",
        "--out",
        books.to_str().unwrap(),
    ]);
    let xlsx = books.join("ledger-nl.xlsx");
    let (x, xm) = median(
        (0..RUNS)
            .map(|i| {
                run(&[
                    "--data-dir",
                    dir.path().join(format!("x{i}")).to_str().unwrap(),
                    "import",
                    xlsx.to_str().unwrap(),
                ])
            })
            .collect(),
    );
    println!(
        "import 100,000-row xlsx ({:.1} MB): {x:.2}s, peak RSS {xm:.0} MB",
        std::fs::metadata(&xlsx).unwrap().len() as f64 / 1e6
    );
    let ubl_all = books.join("ubl");
    let ubl = dir.path().join("ubl10k");
    std::fs::create_dir_all(&ubl).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&ubl_all)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut bytes = 0u64;
    for p in names.iter().take(10_000) {
        bytes += std::fs::metadata(p).unwrap().len();
        std::fs::rename(p, ubl.join(p.file_name().unwrap())).unwrap();
    }
    let (u, um) = median(
        (0..RUNS)
            .map(|i| {
                run(&[
                    "--data-dir",
                    dir.path().join(format!("u{i}")).to_str().unwrap(),
                    "import",
                    ubl.to_str().unwrap(),
                ])
            })
            .collect(),
    );
    println!(
        "import 10,000 UBL files ({:.0} MB): {u:.2}s, peak RSS {um:.0} MB",
        bytes as f64 / 1e6
    );
    // In-process steps last: a child's peak RSS as wait4 reports it includes what this process
    // held when it forked, so the children above run while this process is still small.
    let t = Instant::now();
    let insp = inspect(&file).unwrap();
    let hash_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut docs = 0u64;
    read_ledger(&insp, &CsvOptions::default(), &NoProgress, |_, _| {
        docs += 1;
        Ok(())
    })
    .unwrap();
    println!(
        "read only (hash + encoding check): {hash_s:.2}s; parse + validate {docs} rows: {:.2}s",
        t.elapsed().as_secs_f64()
    );

    let size_on_disk: u64 = walk(&data);
    println!("store size on disk: {:.0} MB", size_on_disk as f64 / 1e6);
}

fn walk(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let m = e
                        .metadata()
                        .map(|m| (m.is_dir(), m.len()))
                        .unwrap_or((false, 0));
                    if m.0 {
                        walk(&e.path())
                    } else {
                        m.1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
