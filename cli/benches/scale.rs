//! The performance issue's scenario at several scales: a generated ledger of N invoices and a
//! bank CSV of 0.9 N lines; the cold path (import both, then `ageing`), reads with nothing new,
//! a nightly run (1% new ledger lines and one new statement day), the csv crate's raw parse of
//! the same files, and the analyst's pandas script (`pandas_baseline.py`) in the same run.
//!
//! `INCASSO_SCALES=100000,1000000,5000000 cargo bench -p incasso-cli --bench scale`
//! (default 100000,1000000); each step runs as a child process, median of three (one at 5M).

mod common;

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::{median, run, RUNS};

const AS_OF: &str = "2026-10-31";

/// Runs any program; returns (seconds, peak RSS in MB), or `None` when it could not run.
fn run_program(program: &str, args: &[&str]) -> Option<(f64, f64)> {
    let started = Instant::now();
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
    let child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut status = 0;
    // SAFETY: rusage is plain data filled by the kernel; the pid is our own child, waited once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    (r == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0).then(|| {
        (
            started.elapsed().as_secs_f64(),
            usage.ru_maxrss as f64 / 1024.0,
        )
    })
}

/// The csv crate reading every record of both files, nothing else (seconds).
fn raw_parse(ledger: &Path, bank: &Path) -> f64 {
    let started = Instant::now();
    let mut n = 0usize;
    for (path, delimiter) in [(ledger, b';'), (bank, b',')] {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_path(path)
            .expect("open");
        let mut rec = csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).expect("parse") {
            n += rec.len();
        }
    }
    assert!(n > 0);
    started.elapsed().as_secs_f64()
}

/// Splits a CSV file after its header: the last `share` of the rows (or the rows of the last
/// value of column `by`) go to `tail`, the rest to `head`.
fn split(file: &Path, head: &Path, tail: &Path, cut: impl Fn(&[String]) -> usize) {
    let lines: Vec<String> = std::io::BufReader::new(std::fs::File::open(file).unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    let at = 1 + cut(&lines[1..]);
    for (path, part) in [(head, &lines[1..at]), (tail, &lines[at..])] {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        writeln!(w, "{}", lines[0]).unwrap();
        for l in part {
            writeln!(w, "{l}").unwrap();
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let scales: Vec<u64> = std::env::var("INCASSO_SCALES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let pandas = std::env::var("INCASSO_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/pandas_baseline.py");
    println!("| invoices | step | wall | peak RSS |");
    println!("|---|---|---|---|");
    for n in scales {
        let runs = if n >= 5_000_000 { 1 } else { RUNS };
        let dir = tempfile::tempdir().expect("temp dir");
        let gen = dir.path().join("gen");
        let data = dir.path().join("data");
        let d = data.to_str().unwrap();
        common::generate_with_bank(n, &gen);
        let ledger = gen.join("ledger-nl.csv");
        let bank = gen.join("bank-rabobank.csv");
        let (l, b) = (ledger.to_str().unwrap(), bank.to_str().unwrap());
        let row = |step: &str, (s, m): (f64, f64)| {
            println!("| {n} | {step} | {s:.2} s | {m:.0} MB |");
        };
        let raw = {
            let mut t: Vec<f64> = (0..runs).map(|_| raw_parse(&ledger, &bank)).collect();
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        };
        println!("| {n} | csv crate: raw parse of both files | {raw:.2} s | |");

        // Cold: import the ledger, import the bank CSV, age.
        let mut cold = Vec::new();
        for _ in 0..runs {
            let _ = std::fs::remove_dir_all(&data);
            let steps = [
                run(&["--data-dir", d, "import", l]),
                run(&["--data-dir", d, "import", b]),
                run(&["--data-dir", d, "ageing", "--as-of", AS_OF]),
            ];
            cold.push(steps);
        }
        cold.sort_by(|a, b| {
            let t = |s: &[(f64, f64); 3]| s.iter().map(|x| x.0).sum::<f64>();
            t(a).total_cmp(&t(b))
        });
        let c = cold[cold.len() / 2];
        row("import ledger", c[0]);
        row("import bank CSV", c[1]);
        row("`ageing` (matches, keeps the reconciliation)", c[2]);
        let total = (
            c.iter().map(|x| x.0).sum::<f64>(),
            c.iter().map(|x| x.1).fold(0.0, f64::max),
        );
        row("cold: both imports + `ageing`", total);
        println!("| {n} | cold ÷ raw parse | {:.1}× | |", total.0 / raw);

        // Reads with nothing new.
        let report = dir.path().join("report.html");
        let reads: [(&str, Vec<&str>); 5] = [
            ("`ageing`", vec!["ageing"]),
            (
                "`receivables --format csv`",
                vec!["receivables", "--format", "csv"],
            ),
            ("`claims --format csv`", vec!["claims", "--format", "csv"]),
            (
                "`allocations --format csv`",
                vec!["allocations", "--format", "csv"],
            ),
            (
                "`report`",
                vec!["report", "--out", report.to_str().unwrap()],
            ),
        ];
        for (name, args) in reads {
            let mut a = vec!["--data-dir", d];
            a.extend(args.iter().copied());
            a.extend(["--as-of", AS_OF]);
            if name.starts_with("`claims") || name.starts_with("`report") {
                // The first read works the claims out and keeps them; the next ones read them.
                let _ = std::fs::remove_file(data.join("claims.bin"));
                row(
                    &format!("read, nothing new: {name}, first (works the claims out)"),
                    run(&a),
                );
            }
            let m = median((0..runs).map(|_| run(&a)).collect());
            row(&format!("read, nothing new: {name}"), m);
            if name == "`ageing`" {
                println!("| {n} | read ÷ raw parse | {:.2}× | |", m.0 / raw);
            }
        }

        // Nightly: a store with 99% of the ledger and every day but the last, reconciled; then
        // the new 1% and the last day arrive.
        let nightly_data = dir.path().join("nightly");
        let nd = nightly_data.to_str().unwrap();
        let (lb, ln) = (gen.join("ledger-base.csv"), gen.join("ledger-new.csv"));
        let (bb, bn) = (gen.join("bank-base.csv"), gen.join("bank-day.csv"));
        split(&ledger, &lb, &ln, |rows| rows.len() - rows.len() / 100);
        split(&bank, &bb, &bn, |rows| {
            let date = |r: &str| r.split(',').nth(4).map(str::to_string);
            let last = date(rows.last().unwrap());
            rows.iter().position(|r| date(r) == last).unwrap()
        });
        let mut nightly = Vec::new();
        for _ in 0..runs {
            let _ = std::fs::remove_dir_all(&nightly_data);
            run(&[
                "--data-dir",
                nd,
                "import",
                lb.to_str().unwrap(),
                bb.to_str().unwrap(),
            ]);
            run(&["--data-dir", nd, "ageing", "--as-of", AS_OF]);
            let steps = [
                run(&[
                    "--data-dir",
                    nd,
                    "import",
                    ln.to_str().unwrap(),
                    bn.to_str().unwrap(),
                ]),
                run(&["--data-dir", nd, "ageing", "--as-of", AS_OF]),
            ];
            nightly.push(steps);
        }
        nightly.sort_by(|a, b| (a[0].0 + a[1].0).total_cmp(&(b[0].0 + b[1].0)));
        let m = nightly[nightly.len() / 2];
        row("nightly: import 1% new lines + one statement day", m[0]);
        row("nightly: `ageing` after it", m[1]);
        row("nightly total", (m[0].0 + m[1].0, m[0].1.max(m[1].1)));

        // The pandas script on the same files, in the same run.
        let s = script.to_str().unwrap();
        let p: Vec<(f64, f64)> = (0..runs)
            .filter_map(|_| run_program(&pandas, &[s, l, b, AS_OF]))
            .collect();
        if p.is_empty() {
            println!("| {n} | pandas script | not run ({pandas} with pandas not available) | |");
        } else {
            let p = median(p);
            row("pandas script (read both, regex, apply, age)", p);
            println!("| {n} | pandas ÷ incasso cold | {:.1}× | |", p.0 / total.0);
        }
    }
}
