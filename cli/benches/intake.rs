//! `cargo bench --bench intake`: the intake server's durable throughput (batches of 100 claims,
//! p50/p99 latency per batch) on sled, and on PostgreSQL with one and with two instances; the
//! exporter submitting a large book of claims to it; and the nightly `incasso run` on a million
//! invoices and a million bank lines.
//!
//! The PostgreSQL part needs a server: run it as `.ci/with-services cargo bench --bench intake`
//! (a throwaway cluster, synchronous commit on) or set `INCASSO_TEST_DATABASE`. Scale with
//! `INCASSO_BENCH_INTAKE_BATCHES` (default 300), `INCASSO_BENCH_PG_BATCHES` (default 1,000), `INCASSO_BENCH_PG_SENDERS` (creditors sending at
//! once, default 8)
//! and `INCASSO_BENCH_SUBMIT_INVOICES` (default 1,000,000 invoices over 200,000 debtors);
//! `INCASSO_BENCH_ONLY=postgres` runs that part alone.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{env_n, output, run};
use incasso_intake::client::{Answer, Auth, Client, ClientConfig};
use incasso_intake::schema::*;

const TOKEN: &str = "bench-token-0123456789";

fn server(dir: &Path) -> (Child, String) {
    server_on(dir, None)
}

/// An intake server keeping its claims in `dir`, or in the PostgreSQL `database`.
fn server_on(dir: &Path, database: Option<&str>) -> (Child, String) {
    let tokens = dir.join("tokens.toml");
    std::fs::write(
        &tokens,
        format!(
            "admin_token = \"bench-admin-0123456789\"\n[[creditor]]\nid = \"acme\"\ntoken = \"{TOKEN}\"\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(dir.join("agency"))
        .args(["intake", "serve", "--listen", "127.0.0.1:0", "--tokens"])
        .arg(&tokens)
        .args(database.iter().flat_map(|d| ["--database", d]))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    (child, url)
}

/// Starts an intake server in `dir` and points the creditor store `data` at it.
fn agency_for(data: &Path, dir: &Path) -> Child {
    std::fs::create_dir_all(dir).unwrap();
    let (child, url) = server(dir);
    // Claims name their creditor as letters and courts do.
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    std::fs::write(
        data.join("agency.toml"),
        format!("url = \"{url}\"\ncreditor = \"acme\"\ntoken_env = \"BENCH_AGENCY_TOKEN\"\nbatch_size = 100\ntimeout_seconds = 60\n"),
    )
    .unwrap();
    std::env::set_var("BENCH_AGENCY_TOKEN", TOKEN);
    child
}

fn claim(n: usize) -> Claim {
    let d = |s: &str| s.parse().unwrap();
    let m = |s: &str| s.parse().unwrap();
    Claim {
        claim_id: format!("CLM-BENCH-{n:08}"),
        kind: ClaimKind::New,
        revision: 1,
        as_of: d("2026-06-30"),
        jurisdiction: "nl".into(),
        creditor: ClaimCreditor {
            name: Some("Acme B.V.".into()),
            address: Some("Kerkstraat 1, 1234 AB Utrecht".into()),
            kvk: Some("87654321".into()),
            be_enterprise_number: None,
            vat_number: None,
            iban: Some("NL91ABNA0417164300".into()),
            email: None,
        },
        debtor: Debtor {
            kind: DebtorKind::Company,
            id: format!("D{n}"),
            name: format!("Bouwbedrijf {n} B.V."),
            kvk: Some("12345678".into()),
            be_enterprise_number: None,
            vat_number: None,
            address: Address {
                street: Some("Dorpsstraat".into()),
                house_number: Some("1".into()),
                postcode: Some("1234 AB".into()),
                city: Some("Utrecht".into()),
                country: Some("NL".into()),
            },
            email: None,
            phone: None,
            iban: None,
        },
        currency: "EUR".into(),
        items: (0..3)
            .map(|i| Item {
                number: format!("F{n}-{i}"),
                issue_date: d("2026-01-05"),
                due_date: d("2026-02-04"),
                default_date: d("2026-02-05"),
                interest_from: Some(d("2026-02-05")),
                currency: "EUR".into(),
                original: m("1210.00"),
                open: m("1210.00"),
                claimed: m("1210.00"),
                vat: Some(m("210.00")),
            })
            .collect(),
        payments: vec![],
        credit_notes: vec![],
        principal: m("3630.00"),
        costs: Costs {
            amount_excl_vat: m("120.00"),
            vat: m("0.00"),
            total: m("120.00"),
            note: None,
            trace: vec![],
        },
        interest: Interest {
            total: m("75.21"),
            table: "nl-commercial".into(),
            legal_basis: "art. 6:119a BW".into(),
            periods: vec![],
        },
        total: m("3825.21"),
        reminders: vec![],
        fourteen_day_letter: None,
        default_basis: "art. 6:83 sub a BW: a fixed term".into(),
        withdrawn_items: Vec::new(),
        attachments: vec![],
    }
}

/// One creditor's client and its batches (Idempotency-Key, body), to be sent in order.
type Work = Vec<(Arc<Client>, Vec<(String, Vec<u8>)>)>;

/// Batches of 100 claims for `creditor`, numbered from `first`.
fn bodies(creditor: &str, first: usize, batches: usize) -> Vec<(String, Vec<u8>)> {
    (first..first + batches)
        .map(|b| {
            let batch = Batch {
                schema: SCHEMA.into(),
                batch_id: format!("bench-{creditor}-{b}"),
                creditor: Creditor {
                    id: creditor.into(),
                    name: None,
                    kvk: None,
                    vat_number: None,
                    iban: None,
                },
                claims: (0..100).map(|i| claim(b * 100 + i)).collect(),
                withdrawals: vec![],
            };
            (batch.batch_id.clone(), serde_json::to_vec(&batch).unwrap())
        })
        .collect()
}

/// Sends every sender's batches, each sender on its own task, and returns the wall time and
/// each batch's latency in milliseconds.
fn send_all(runtime: &tokio::runtime::Runtime, senders: Work) -> (f64, Vec<f64>) {
    let started = Instant::now();
    let mut lat: Vec<f64> = runtime.block_on(async {
        let tasks: Vec<_> = senders
            .into_iter()
            .map(|(client, bodies)| {
                tokio::spawn(async move {
                    let mut lat = Vec::new();
                    for (key, body) in bodies {
                        let t = Instant::now();
                        match client.send(&key, &body).await {
                            Ok(Answer::Answered(a)) => {
                                assert!(a.results.iter().all(|r| r.outcome == Outcome::Accepted))
                            }
                            other => panic!("batch {key}: {other:?}"),
                        }
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    (secs, lat)
}

fn pct(lat: &[f64], p: f64) -> f64 {
    lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)]
}

/// Sends every batch at a fixed rate, whatever the answers' pace (an open load: a slow answer
/// does not hold the next batch back), and returns the wall time and each batch's latency in
/// milliseconds, counted from when it was due to go.
fn send_at_rate(
    runtime: &tokio::runtime::Runtime,
    work: Work,
    batches_per_second: f64,
) -> (f64, Vec<f64>) {
    // Interleave the creditors' batches, keeping each creditor's own order.
    let mut queue = Vec::new();
    let longest = work.iter().map(|(_, b)| b.len()).max().unwrap_or(0);
    let mut work: Vec<_> = work.into_iter().map(|(c, b)| (c, b.into_iter())).collect();
    for _ in 0..longest {
        for (c, b) in work.iter_mut() {
            if let Some(x) = b.next() {
                queue.push((c.clone(), x));
            }
        }
    }
    let started = Instant::now();
    let mut lat: Vec<f64> = runtime.block_on(async {
        let t0 = tokio::time::Instant::now();
        let tasks: Vec<_> = queue
            .into_iter()
            .enumerate()
            .map(|(i, (client, (key, body)))| {
                let due = t0 + Duration::from_secs_f64(i as f64 / batches_per_second);
                tokio::spawn(async move {
                    tokio::time::sleep_until(due).await;
                    match client.send(&key, &body).await {
                        Ok(Answer::Answered(a)) => {
                            assert!(a.results.iter().all(|r| r.outcome == Outcome::Accepted))
                        }
                        other => panic!("batch {key}: {other:?}"),
                    }
                    due.elapsed().as_secs_f64() * 1000.0
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap());
        }
        all
    });
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    (secs, lat)
}

/// PostgreSQL: creditors with tokens from the database, on one and then two instances on one
/// (fresh) database: first as fast as the creditors can send (each sends its batches in turn),
/// then at a fixed 5,000 claims/s (`INCASSO_BENCH_PG_RATE`), the issue's load.
fn postgres_throughput(dir: &Path) {
    let Some(base) = std::env::var("INCASSO_TEST_DATABASE")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!("intake on PostgreSQL: skipped (run through .ci/with-services, or set INCASSO_TEST_DATABASE)");
        return;
    };
    let batches = env_n("INCASSO_BENCH_PG_BATCHES", 1_000) as usize;
    let senders = env_n("INCASSO_BENCH_PG_SENDERS", 8) as usize;
    let rate = env_n("INCASSO_BENCH_PG_RATE", 5_000) as f64;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for instances in [1, 2] {
        for open_load in [false, true] {
            let name = format!(
                "bench_intake_{}_{instances}_{}",
                std::process::id(),
                u8::from(open_load)
            );
            assert!(
                sql(&base, &format!("CREATE DATABASE {name}")),
                "creating the bench database"
            );
            let (server_url, _) = base.rsplit_once('/').unwrap();
            let db = format!("{server_url}/{name}");
            let creditors: Vec<(String, String)> = (0..senders)
                .map(|i| {
                    let id = format!("bench{i}");
                    let token = output(&["intake", "creditors", "add", &id, "--database", &db]);
                    (id, token.trim().to_string())
                })
                .collect();
            let servers: Vec<(Child, String)> = (0..instances)
                .map(|i| {
                    let d = dir.join(format!("{name}-{i}"));
                    std::fs::create_dir_all(&d).unwrap();
                    server_on(&d, Some(&db))
                })
                .collect();
            let per = batches / senders;
            let work = creditors
                .iter()
                .enumerate()
                .map(|(i, (id, token))| {
                    let client = Client::new(ClientConfig {
                        url: servers[i % instances].1.clone(),
                        creditor: id.clone(),
                        auth: Auth::Bearer(token.clone()),
                        timeout: Duration::from_secs(60),
                        max_attempts: 3,
                        base_delay: Duration::from_millis(50),
                    })
                    .unwrap();
                    (Arc::new(client), bodies(id, i * per, per))
                })
                .collect();
            let (secs, lat) = if open_load {
                send_at_rate(&runtime, work, rate / 100.0)
            } else {
                send_all(&runtime, work)
            };
            let claims = per * senders * 100;
            println!(
                "intake on PostgreSQL, {instances} instance(s), {}: {claims} claims in {} batches of 100 from {senders} creditors: {secs:.2}s = {:.0} claims/s, synchronous commit; batch latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                if open_load { format!("offered {rate:.0} claims/s") } else { "as fast as answered".to_string() },
                per * senders,
                claims as f64 / secs,
                pct(&lat, 0.50),
                pct(&lat, 0.99),
                lat[lat.len() - 1]
            );
            for (mut child, _) in servers {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Runs one statement on a short-lived connection; false when it fails.
fn sql(url: &str, statement: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let Ok((client, conn)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await else {
            return false;
        };
        tokio::spawn(conn);
        client.batch_execute(statement).await.is_ok()
    })
}

fn throughput(dir: &Path) {
    let batches = env_n("INCASSO_BENCH_INTAKE_BATCHES", 300) as usize;
    let (mut child, url) = server(dir);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = Arc::new(
        Client::new(ClientConfig {
            url,
            creditor: "acme".into(),
            auth: Auth::Bearer(TOKEN.into()),
            timeout: Duration::from_secs(60),
            max_attempts: 3,
            base_delay: Duration::from_millis(50),
        })
        .unwrap(),
    );
    // Four clients of one creditor, each sending its quarter of the batches in turn.
    let per = batches / 4;
    let work = (0..4)
        .map(|i| (client.clone(), bodies("acme", i * per, per)))
        .collect();
    let (secs, lat) = send_all(&runtime, work);
    println!(
        "intake server: {} claims in {} batches of 100, 4 clients: {secs:.2}s = {:.0} claims/s durable; batch latency p50 {:.1} ms, p99 {:.1} ms",
        per * 4 * 100,
        per * 4,
        (per * 4 * 100) as f64 / secs,
        pct(&lat, 0.50),
        pct(&lat, 0.99)
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn exporter(dir: &Path) {
    let n = env_n("INCASSO_BENCH_SUBMIT_INVOICES", 1_000_000);
    let gen = dir.join("gen");
    run(&[
        "fixtures",
        "generate",
        "--invoices",
        &n.to_string(),
        "--debtors",
        &(n / 5).to_string(),
        "--out",
        gen.to_str().unwrap(),
    ]);
    let data = dir.join("creditor");
    let d = data.to_str().unwrap();
    run(&[
        "--data-dir",
        d,
        "import",
        gen.join("ledger-nl.csv").to_str().unwrap(),
    ]);
    let mut child = agency_for(&data, &dir.join("agency-run"));
    let (secs, rss) = run(&["--data-dir", d, "submit", "--as-of", "2026-06-30"]);
    let subs = output(&["--data-dir", d, "submissions", "--format", "csv"]);
    let accepted = subs.lines().filter(|l| l.contains(",accepted,")).count();
    println!(
        "exporter: {accepted} claims from {n} invoices submitted and accepted in {secs:.1}s ({:.0} claims/s, claims computed and sent), peak RSS {rss:.0} MB",
        accepted as f64 / secs
    );
    let (again, _) = run(&["--data-dir", d, "submit", "--as-of", "2026-06-30"]);
    println!("second run with nothing changed: {again:.2}s");
    let _ = child.kill();
    let _ = child.wait();
}

/// The nightly run on an inbox with the 1M-invoice ledger and a camt.053 of its payments,
/// submitting to a local intake server; then again with nothing new.
fn nightly(dir: &Path) {
    let n = env_n("INCASSO_BENCH_INVOICES", 1_000_000);
    let gen = dir.join("run-gen");
    run(&[
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
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::rename(gen.join("ledger-nl.csv"), inbox.join("ledger-nl.csv")).unwrap();
    std::fs::rename(gen.join("bank.camt053.xml"), inbox.join("bank.camt053.xml")).unwrap();
    let data = dir.join("run-data");
    std::fs::create_dir_all(&data).unwrap();
    let mut child = agency_for(&data, &dir.join("run-agency"));
    let config = dir.join("incasso.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ninbox = {:?}\nreport = {:?}\nsubmit = true\nclaims_as_of = \"2026-06-30\"\nsettle_ms = 200\n",
            data.to_str().unwrap(),
            inbox.to_str().unwrap(),
            dir.join("report.html").to_str().unwrap()
        ),
    )
    .unwrap();
    let (first, rss) = run(&["run", "--config", config.to_str().unwrap()]);
    let subs = output(&[
        "--data-dir",
        data.to_str().unwrap(),
        "submissions",
        "--format",
        "csv",
    ]);
    let accepted = subs.lines().filter(|l| l.contains(",accepted,")).count();
    let (second, _) = run(&["run", "--config", config.to_str().unwrap()]);
    println!(
        "incasso run: inbox of {n} invoices (CSV) and a camt.053 of {n} lines, {accepted} claims submitted, report: {first:.1}s, peak RSS {rss:.0} MB; again with nothing new: {second:.2}s ({:.1}%)",
        100.0 * second / first
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    postgres_throughput(dir.path());
    if std::env::var("INCASSO_BENCH_ONLY").as_deref() == Ok("postgres") {
        return;
    }
    throughput(dir.path());
    exporter(dir.path());
    nightly(dir.path());
}
