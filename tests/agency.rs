//! The agency at scale: two `incasso intake serve` instances on one PostgreSQL database behind a
//! round-robin balancer on 127.0.0.1, with creditors whose tokens the database keeps, under
//! faults: the same batch sent to both instances at once, an instance killed with -9 under load,
//! and PostgreSQL crashed and restarted mid-run. Afterwards every claim each creditor computed
//! is at the agency exactly once, and every answer a creditor recorded matches the database.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::intake::{http, qualifying, read_request, Server, ADMIN, CLAIMS_AS_OF, CREDITOR_POLICY};
use super::*;

/// A tokens file with the admin token only: creditors' tokens are in the database.
fn admin_tokens(dir: &Path) -> PathBuf {
    let p = dir.join("admin.toml");
    std::fs::write(&p, format!("admin_token = \"{ADMIN}\"\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

/// A balancer: each connection goes to the next instance in turn, and to the one after when an
/// instance does not take the connection (as a balancer's health check would do).
struct Balancer {
    addr: SocketAddr,
}

impl Balancer {
    fn start(targets: Vec<SocketAddr>) -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let next = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut client) = conn else { continue };
                let (targets, next) = (targets.clone(), next.clone());
                std::thread::spawn(move || {
                    let Some(req) = read_request(&mut client) else {
                        return;
                    };
                    let first = next.fetch_add(1, Ordering::Relaxed);
                    let server = (0..targets.len()).find_map(|i| {
                        TcpStream::connect(targets[(first + i) % targets.len()]).ok()
                    });
                    let Some(mut server) = server else { return };
                    let text = String::from_utf8_lossy(&req).replacen(
                        "\r\n",
                        "\r\nConnection: close\r\n",
                        1,
                    );
                    use std::io::{Read, Write};
                    if server.write_all(text.as_bytes()).is_err() {
                        return;
                    }
                    let mut answer = Vec::new();
                    let _ = server.read_to_end(&mut answer);
                    let _ = client.write_all(&answer);
                });
            }
        });
        Balancer { addr }
    }
}

/// A creditor: its ledger, its id at the agency and the token the agency issued it.
struct Creditor {
    data: PathBuf,
    id: String,
    token: String,
}

/// `n` creditors with generated ledgers, each with a token from `incasso intake creditors add`,
/// sending to `url` in small batches with patient retries.
fn creditors(dir: &Path, database: &str, url: &str, n: usize) -> Vec<Creditor> {
    let gen = dir.join("gen");
    ok(incasso(
        dir,
        &[
            "fixtures",
            "generate",
            "--invoices",
            "600",
            "--out",
            gen.to_str().unwrap(),
        ],
    ));
    (1..=n)
        .map(|i| {
            let id = format!("creditor{i}");
            let token = ok(incasso(
                dir,
                &["intake", "creditors", "add", &id, "--database", database],
            ))
            .trim()
            .to_string();
            assert!(token.len() >= 32, "{token}");
            let data = dir.join(&id);
            ok(incasso(&data, &["import", gen.join("ledger-nl.csv").to_str().unwrap()]));
            std::fs::write(data.join("policy.toml"), CREDITOR_POLICY).unwrap();
            std::fs::write(
                data.join("agency.toml"),
                format!("url = \"{url}\"\ncreditor = \"{id}\"\ntoken_env = \"TEST_AGENCY_TOKEN\"\nbatch_size = 2\ntimeout_seconds = 10\nmax_attempts = 12\nbase_delay_ms = 50\n"),
            )
            .unwrap();
            Creditor { data, id, token }
        })
        .collect()
}

fn submit(c: &Creditor) -> Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(&c.data)
        .args(["submit", "--as-of", CLAIMS_AS_OF])
        .env("TEST_AGENCY_TOKEN", &c.token)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the submissions; one that stopped (the agency unreachable past its retries) is run
/// again, as the next nightly run would, and must then finish.
fn finish(creditors: &[Creditor], running: Vec<Child>) {
    for (c, child) in creditors.iter().zip(running) {
        let o = child.wait_with_output().unwrap();
        if !o.status.success() {
            let again = submit(c).wait_with_output().unwrap();
            assert!(
                again.status.success(),
                "{}: {}\n{}",
                c.id,
                stdout(&again),
                stderr(&again)
            );
        }
    }
}

/// Every claim each creditor computed is at the agency once, at revision 1, with one revision
/// row; the creditor recorded each as accepted; and every claim an answer in the database
/// accepted is stored at the revision it answered.
fn assert_exactly_once(database: &str, creditors: &[Creditor]) {
    for c in creditors {
        let mut want = qualifying(&c.data);
        want.sort();
        assert!(want.len() > 10, "{}: {} claims", c.id, want.len());
        let rows = sql(
            database,
            &format!(
                "SELECT claim_id, revision, (SELECT count(*) FROM revisions r WHERE r.creditor = c.creditor AND r.claim_id = c.claim_id)
                 FROM claims c WHERE creditor = '{}' ORDER BY claim_id",
                c.id
            ),
        );
        let got: Vec<String> = rows.iter().map(|r| r[0].clone().unwrap()).collect();
        assert_eq!(got, want, "{}: the claims at the agency", c.id);
        assert!(
            rows.iter()
                .all(|r| r[1].as_deref() == Some("1") && r[2].as_deref() == Some("1")),
            "{}: each once, at revision 1",
            c.id
        );
        let subs = ok(incasso(&c.data, &["submissions", "--format", "csv"]));
        let accepted: Vec<&str> = subs
            .lines()
            .skip(1)
            .filter(|l| l.contains(",accepted,1,"))
            .collect();
        assert_eq!(
            accepted.len(),
            want.len(),
            "{}: recorded as accepted\n{subs}",
            c.id
        );
    }
    let unstored = sql(
        database,
        "SELECT a.creditor, r->>'claim_id' FROM answers a, jsonb_array_elements((a.body::jsonb)->'results') r
         WHERE r->>'outcome' = 'accepted' AND NOT EXISTS (SELECT 1 FROM revisions v
            WHERE v.creditor = a.creditor AND v.claim_id = r->>'claim_id' AND v.revision = (r->>'revision')::int)",
    );
    assert!(
        unstored.is_empty(),
        "answers naming claims the database lacks: {unstored:?}"
    );
}

fn claims_at(database: &str) -> usize {
    sql(database, "SELECT count(*) FROM claims")[0][0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

/// Polls until the database holds at least `n` claims.
fn wait_for_claims(database: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let count = claims_at(database);
        if count >= n {
            return;
        }
        assert!(Instant::now() < deadline, "only {count} claims arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_same_batch_sent_to_two_instances_at_once_is_stored_once() {
    let Some(db) = fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tokens = admin_tokens(dir.path());
    let a = Server::start_on(&dir.path().join("a"), &tokens, 0, &[], Some(db.clone()));
    let b = Server::start_on(&dir.path().join("b"), &tokens, 0, &[], Some(db.clone()));
    let cs = creditors(dir.path(), &db, "http://127.0.0.1:9", 1);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(&cs[0].data)
        .args(["submit", "--as-of", CLAIMS_AS_OF, "--dry-run"])
        .output()
        .unwrap();
    let batches: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&o.stdout)
        .into_iter::<serde_json::Value>()
        .map(Result::unwrap)
        .collect();
    assert!(batches.len() > 5, "{}", batches.len());
    for batch in &batches {
        let body = serde_json::to_vec(batch).unwrap();
        let key = batch["batch_id"].as_str().unwrap().to_string();
        let together = Arc::new(Barrier::new(2));
        let answers: Vec<(u16, String)> = [a.addr, b.addr]
            .into_iter()
            .map(|addr| {
                let (body, key, together, token) = (
                    body.clone(),
                    key.clone(),
                    together.clone(),
                    cs[0].token.clone(),
                );
                std::thread::spawn(move || {
                    together.wait();
                    let (s, _, b) = http(
                        addr,
                        "POST",
                        "/v1/batches",
                        &[
                            ("Authorization", format!("Bearer {token}")),
                            ("Idempotency-Key", key),
                        ],
                        &body,
                    );
                    (s, b)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(answers[0].0, 200, "{}", answers[0].1);
        assert_eq!(
            answers[0], answers[1],
            "both instances give the same answer"
        );
    }
    let claims: usize = batches
        .iter()
        .map(|b| b["claims"].as_array().unwrap().len())
        .sum();
    let counts = sql(
        &db,
        "SELECT (SELECT count(*) FROM claims), (SELECT count(*) FROM revisions), (SELECT count(*) FROM answers)",
    );
    assert_eq!(
        counts[0],
        [claims, claims, batches.len()]
            .map(|n| Some(n.to_string()))
            .to_vec(),
        "every claim once, every batch answered once"
    );
}

#[test]
fn an_instance_killed_under_load_loses_nothing_answered() {
    let Some(db) = fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tokens = admin_tokens(dir.path());
    let mut a = Server::start_on(&dir.path().join("a"), &tokens, 0, &[], Some(db.clone()));
    let b = Server::start_on(&dir.path().join("b"), &tokens, 0, &[], Some(db.clone()));
    let balancer = Balancer::start(vec![a.addr, b.addr]);
    let cs = creditors(dir.path(), &db, &format!("http://{}", balancer.addr), 3);
    let running: Vec<Child> = cs.iter().map(submit).collect();
    wait_for_claims(&db, 10);
    // SIGKILL: no graceful stop, whatever it was doing is cut off.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let at_kill = claims_at(&db);
    finish(&cs, running);
    let all = claims_at(&db);
    eprintln!("killed an instance at {at_kill} of {all} claims");
    assert!(
        at_kill < all / 2,
        "the kill came under load ({at_kill} of {all})"
    );
    assert_exactly_once(&db, &cs);
    drop(b);
}

#[test]
fn postgresql_crashing_mid_run_loses_nothing_answered() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let db = cluster.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let tokens = admin_tokens(dir.path());
    let a = Server::start_on(&dir.path().join("a"), &tokens, 0, &[], Some(db.clone()));
    let b = Server::start_on(&dir.path().join("b"), &tokens, 0, &[], Some(db.clone()));
    let balancer = Balancer::start(vec![a.addr, b.addr]);
    let cs = creditors(dir.path(), &db, &format!("http://{}", balancer.addr), 3);
    let running: Vec<Child> = cs.iter().map(submit).collect();
    wait_for_claims(&db, 10);
    let at_crash = claims_at(&db);
    cluster.crash_and_restart();
    finish(&cs, running);
    let all = claims_at(&db);
    eprintln!("crashed PostgreSQL at {at_crash} of {all} claims");
    assert!(
        at_crash < all / 2,
        "the crash came under load ({at_crash} of {all})"
    );
    assert_exactly_once(&db, &cs);
}

/// `intake migrate` is idempotent and refuses a newer schema; `intake creditors` issues tokens
/// the database keeps only as hashes, and a revoked token is refused at once by a running server.
#[test]
fn creditors_tokens_live_in_the_database_as_hashes() {
    let Some(db) = fresh_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(ok(incasso(d, &["intake", "migrate", "--database", &db]))
        .contains("applied migration(s) 1"));
    assert!(ok(incasso(d, &["intake", "migrate", "--database", &db])).contains("up to date"));
    let token = ok(incasso(
        d,
        &[
            "intake",
            "creditors",
            "add",
            "acme",
            "--name",
            "Acme B.V.",
            "--database",
            &db,
        ],
    ))
    .trim()
    .to_string();
    let again = incasso(
        d,
        &["intake", "creditors", "add", "acme", "--database", &db],
    );
    assert!(
        !again.status.success() && stderr(&again).contains("has a token already"),
        "{}",
        stderr(&again)
    );
    let stored = sql(&db, "SELECT token_sha256 FROM creditors WHERE id = 'acme'");
    assert_eq!(stored[0][0].as_deref(), Some(sha256_hex(&token).as_str()));
    let dump = sql(&db, "SELECT string_agg(c::text, ' ') FROM creditors c");
    assert!(
        !dump[0][0].as_deref().unwrap().contains(&token),
        "the token itself is not kept"
    );

    let server = Server::start_on(&d.join("a"), &admin_tokens(d), 0, &[], Some(db.clone()));
    let changes = |t: &str| {
        http(
            server.addr,
            "GET",
            "/v1/changes",
            &[("Authorization", format!("Bearer {t}"))],
            b"",
        )
        .0
    };
    assert_eq!(changes(&token), 200);
    assert_eq!(
        changes("inc_0000000000000000000000000000000000000000000000"),
        401
    );
    let list = ok(incasso(
        d,
        &["intake", "creditors", "list", "--database", &db],
    ));
    assert!(
        list.contains("acme\tAcme B.V.") && list.contains("active"),
        "{list}"
    );
    ok(incasso(
        d,
        &["intake", "creditors", "revoke", "acme", "--database", &db],
    ));
    assert_eq!(changes(&token), 401, "refused from the next request on");
    assert!(ok(incasso(
        d,
        &["intake", "creditors", "list", "--database", &db]
    ))
    .contains("revoked"));
    let twice = incasso(
        d,
        &["intake", "creditors", "revoke", "acme", "--database", &db],
    );
    assert!(!twice.status.success());

    sql(
        &db,
        "INSERT INTO intake_migrations (version, name, checksum) VALUES (99, 'future', '')",
    );
    let o = incasso(d, &["intake", "migrate", "--database", &db]);
    assert!(
        stderr(&o).contains("newer than this incasso knows"),
        "{}",
        stderr(&o)
    );
}

/// SHA-256 of a token, hex, as the creditors table keeps it.
fn sha256_hex(token: &str) -> String {
    let o = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(token.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(o.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
