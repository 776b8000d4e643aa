//! What the benchmarks share: running the release binary as a child and measuring it.
#![allow(dead_code)] // each benchmark uses part of it

use std::process::Command;
use std::time::Instant;

/// Runs the binary; returns (seconds, peak RSS in MB).
pub fn run(args: &[&str]) -> (f64, f64) {
    let started = Instant::now();
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
    let child = Command::new(env!("CARGO_BIN_EXE_incasso"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn incasso");
    let mut status = 0;
    // SAFETY: rusage is plain data filled by the kernel; the pid is our own child, waited once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "incasso {args:?} failed"
    );
    (
        started.elapsed().as_secs_f64(),
        usage.ru_maxrss as f64 / 1024.0,
    )
}

/// Runs the binary and returns its standard output (for reports the benchmark checks).
pub fn output(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_incasso"))
        .args(args)
        .stderr(std::process::Stdio::null())
        .output()
        .expect("run incasso");
    assert!(o.status.success(), "incasso {args:?} failed");
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Runs of each timed step on this noisy shared machine; the median is reported.
pub const RUNS: usize = 3;

/// The run with the median time, with its memory.
pub fn median(mut runs: Vec<(f64, f64)>) -> (f64, f64) {
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs[runs.len() / 2]
}

/// A number from the environment (benchmark scale), or the default.
pub fn env_n(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Generates `n` invoices (seed 1) into `out` with `incasso fixtures generate` and any further
/// arguments; returns (seconds, peak RSS in MB).
pub fn generate(n: u64, out: &std::path::Path, more: &[&str]) -> (f64, f64) {
    let n = n.to_string();
    let mut args = vec!["fixtures", "generate", "--invoices", &n, "--seed", "1"];
    args.extend_from_slice(more);
    args.extend(["--out", out.to_str().expect("a UTF-8 path")]);
    run(&args)
}

/// Generates the benchmarks' ledger of `n` invoices into `out`: 90% as many bank lines, one
/// debtor per 20 invoices at every scale (the generator's default stops at 50,000 debtors, which
/// would make a 5M ledger five times as dense per debtor, not larger).
pub fn generate_with_bank(n: u64, out: &std::path::Path) -> (f64, f64) {
    generate(
        n,
        out,
        &[
            "--payments",
            "--bank-lines",
            &(n * 9 / 10).to_string(),
            "--debtors",
            &(n / 20).max(5).to_string(),
        ],
    )
}
