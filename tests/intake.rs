//! Claims to the agency end to end: the real `incasso submit` against the real `incasso intake
//! serve` on 127.0.0.1, with a fault-injecting proxy in between, and hostile requests.
//! After every fault: each qualifying claim is at the agency exactly once. The scenarios about
//! the agency's store run twice: on sled (the embedded default) and on PostgreSQL (`_on_postgres`,
//! each server on a fresh database of the test cluster).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

pub(crate) const ADMIN: &str = "admin-token-0123456789";
pub(crate) const ACME: &str = "acme-token-0123456789";
const BETA_SECRET: &str = "beta-hmac-secret";
pub(crate) const CLAIMS_AS_OF: &str = "2026-06-30";
/// Who the claims are from: a claim for the agency names the creditor and its account.
pub(crate) const CREDITOR_POLICY: &str =
    "[creditor]\nname = \"Acme Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\n";

thread_local! {
    /// Whether servers this test thread starts keep their claims in PostgreSQL.
    static ON_POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a scenario with its servers on PostgreSQL (each on a fresh database); skipped where there
/// is no test cluster, except under CI.
fn on_postgres(scenario: fn()) {
    if postgres_url().is_some() {
        ON_POSTGRES.with(|p| p.set(true));
        scenario();
    }
}

pub(crate) fn tokens_file(dir: &Path) -> PathBuf {
    let p = dir.join("tokens.toml");
    std::fs::write(
        &p,
        format!(
            "admin_token = \"{ADMIN}\"\n[[creditor]]\nid = \"acme\"\ntoken = \"{ACME}\"\n[[creditor]]\nid = \"beta\"\nhmac_secret = \"{BETA_SECRET}\"\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

/// A running intake server process.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    data: PathBuf,
    tokens: PathBuf,
    /// The PostgreSQL database, when the store is there.
    database: Option<String>,
}

impl Server {
    pub(crate) fn start(data: &Path, tokens: &Path, port: u16) -> Server {
        Server::start_with(data, tokens, port, &[])
    }

    fn start_with(data: &Path, tokens: &Path, port: u16, extra: &[&str]) -> Server {
        let database = if ON_POSTGRES.with(|p| p.get()) {
            Some(fresh_database().expect("a test cluster"))
        } else {
            None
        };
        Server::start_on(data, tokens, port, extra, database)
    }

    pub(crate) fn start_on(
        data: &Path,
        tokens: &Path,
        port: u16,
        extra: &[&str],
        database: Option<String>,
    ) -> Server {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
            .arg("--data-dir")
            .arg(data)
            .args([
                "intake",
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--tokens",
            ])
            .arg(tokens)
            .args(extra)
            .args(database.iter().flat_map(|d| ["--database", d.as_str()]))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start intake server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr: SocketAddr = line
            .trim()
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server {
            child,
            addr,
            data: data.to_path_buf(),
            tokens: tokens.to_path_buf(),
            database,
        }
    }

    /// Kills the process abruptly and starts it again on the same port and store.
    fn restart(&mut self) {
        self.restart_after(|| {});
    }

    /// Kills the process abruptly, does `between` (a restore of its store), and starts it again
    /// on the same port and store.
    fn restart_after(&mut self, between: impl FnOnce()) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        between();
        let port = self.addr.port();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The port may linger a moment after the kill.
            let s = std::panic::catch_unwind(|| {
                Server::start_on(&self.data, &self.tokens, port, &[], self.database.clone())
            });
            if let Ok(s) = s {
                let old = std::mem::replace(self, s);
                std::mem::forget(old);
                return;
            }
            assert!(Instant::now() < deadline, "server did not come back");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 exchange: (status, headers, body).
pub(crate) fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST"
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    // Write and read at once: a server that refuses a huge body answers before it is all sent.
    let mut writer = s.try_clone().unwrap();
    let body = body.to_vec();
    let sending = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let _ = s.shutdown(std::net::Shutdown::Both);
    let _ = sending.join();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

/// The agency's export of every claim it holds, as JSON.
pub(crate) fn export(addr: SocketAddr) -> Vec<serde_json::Value> {
    let (status, _, body) = http(
        addr,
        "GET",
        "/export?format=json",
        &[("Authorization", format!("Bearer {ADMIN}"))],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// The claim the agency holds for a debtor, as its JSON export gives it.
fn exported_for(addr: SocketAddr, debtor: &str) -> serde_json::Value {
    export(addr)
        .into_iter()
        .find(|c| c["claim"]["debtor"]["id"] == debtor)
        .unwrap_or_else(|| panic!("no claim of {debtor} at the agency"))
}

/// Each debtor's claim id at the agency.
fn claim_ids(addr: SocketAddr) -> HashMap<String, String> {
    export(addr)
        .iter()
        .map(|c| {
            (
                c["claim"]["debtor"]["id"].as_str().unwrap().to_string(),
                c["claim"]["claim_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `incasso submissions` with the agency's token (`--refresh`, `--release CLAIM`, a format).
fn submissions_cmd(data: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(data)
        .arg("submissions")
        .args(args)
        .env("TEST_AGENCY_TOKEN", ACME)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

/// Every claim the agency holds: claim id -> (creditor, revision).
pub(crate) fn at_agency(addr: SocketAddr) -> HashMap<String, (String, u64)> {
    let all = export(addr);
    let mut out = HashMap::new();
    for c in all {
        let id = c["claim"]["claim_id"].as_str().unwrap().to_string();
        let prev = out.insert(
            id.clone(),
            (
                c["creditor"].as_str().unwrap().to_string(),
                c["claim"]["revision"].as_u64().unwrap(),
            ),
        );
        assert!(prev.is_none(), "claim {id} stored twice");
    }
    out
}

/// What a proxied request meets.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Answer 500 without asking the server.
    Error500,
    /// Say nothing for this long, then hang up.
    Hang(Duration),
    /// Let the server store and answer, then hang up before the client reads the answer.
    DropAnswer,
    /// Forward after a pause.
    Delay(Duration),
    /// Forward as if no fault were queued (a request that must get through before the faults).
    Pass,
    /// Answer 401 without asking the server (the batch was not judged).
    Unauthorized,
    /// Answer 404 without asking the server (a server without a change feed).
    NotFound,
}

/// A proxy on 127.0.0.1 that forwards one request per connection, meeting the queued faults first.
struct Proxy {
    addr: SocketAddr,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    seen: Arc<Mutex<usize>>,
    /// Requests being handled now, and the most ever at once.
    busy: Arc<Mutex<(usize, usize)>>,
}

pub(crate) fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf);
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

impl Proxy {
    fn start(target: Arc<Mutex<SocketAddr>>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let faults: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
        let seen: Arc<Mutex<usize>> = Arc::default();
        let busy: Arc<Mutex<(usize, usize)>> = Arc::default();
        let (f, n, b) = (faults.clone(), seen.clone(), busy.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut client) = conn else { continue };
                let (f, n, b, target) = (f.clone(), n.clone(), b.clone(), target.clone());
                std::thread::spawn(move || {
                    let Some(req) = read_request(&mut client) else {
                        return;
                    };
                    *n.lock().unwrap() += 1;
                    let _busy = Busy::enter(&b);
                    let fault = f.lock().unwrap().pop_front();
                    match fault {
                        Some(Fault::Error500) => {
                            let _ = client.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                            return;
                        }
                        Some(Fault::Hang(d)) => {
                            std::thread::sleep(d);
                            return;
                        }
                        Some(Fault::Delay(d)) => std::thread::sleep(d),
                        Some(Fault::NotFound) => {
                            let body = br#"{"error":"not-found","message":"no such route"}"#;
                            let _ = write!(client, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                            let _ = client.write_all(body);
                            return;
                        }
                        Some(Fault::Unauthorized) => {
                            let body = br#"{"error":"unauthorized","message":"the bearer token is not valid"}"#;
                            let _ = write!(client, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                            let _ = client.write_all(body);
                            return;
                        }
                        _ => {}
                    }
                    let to = *target.lock().unwrap();
                    let Ok(mut server) = TcpStream::connect(to) else {
                        return;
                    };
                    let text = String::from_utf8_lossy(&req).replacen(
                        "\r\n",
                        "\r\nConnection: close\r\n",
                        1,
                    );
                    let req = if text.len() == req.len() + 19 {
                        text.into_bytes()
                    } else {
                        req
                    };
                    if server.write_all(&req).is_err() {
                        return;
                    }
                    let mut answer = Vec::new();
                    let _ = server.read_to_end(&mut answer);
                    if matches!(fault, Some(Fault::DropAnswer)) {
                        return;
                    }
                    let _ = client.write_all(&answer);
                });
            }
        });
        Proxy {
            addr,
            faults,
            seen,
            busy,
        }
    }

    fn queue(&self, faults: &[Fault]) {
        self.faults.lock().unwrap().extend(faults.iter().copied());
    }

    fn seen(&self) -> usize {
        *self.seen.lock().unwrap()
    }

    /// The most requests the proxy handled at once.
    fn most_at_once(&self) -> usize {
        self.busy.lock().unwrap().1
    }
}

/// One request counted as being handled, until dropped.
struct Busy<'a>(&'a Mutex<(usize, usize)>);

impl<'a> Busy<'a> {
    fn enter(b: &'a Mutex<(usize, usize)>) -> Busy<'a> {
        let mut g = b.lock().unwrap();
        g.0 += 1;
        g.1 = g.1.max(g.0);
        Busy(b)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.lock().unwrap().0 -= 1;
    }
}

/// A creditor store with a generated ledger, pointed at `url`.
pub(crate) fn creditor(dir: &Path, url: &str, batch_size: usize, timeout_s: u64) -> PathBuf {
    let gen = dir.join("gen");
    if !gen.exists() {
        ok(incasso(
            dir,
            &[
                "fixtures",
                "generate",
                "--invoices",
                "1500",
                "--out",
                gen.to_str().unwrap(),
            ],
        ));
    }
    let data = dir.join("creditor");
    ok(incasso(
        &data,
        &["import", gen.join("ledger-nl.csv").to_str().unwrap()],
    ));
    std::fs::write(data.join("policy.toml"), CREDITOR_POLICY).unwrap();
    std::fs::write(
        data.join("agency.toml"),
        format!("url = \"{url}\"\ncreditor = \"acme\"\ntoken_env = \"TEST_AGENCY_TOKEN\"\nbatch_size = {batch_size}\ntimeout_seconds = {timeout_s}\nmax_attempts = 10\nbase_delay_ms = 50\n"),
    )
    .unwrap();
    data
}

fn submit_cmd(data: &Path) -> std::process::Command {
    submit_as_of(data, CLAIMS_AS_OF)
}

/// `incasso run --config CONFIG`, the nightly job, with the agency's token.
fn nightly_run(config: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .args(["run", "--config", config.to_str().unwrap()])
        .env("TEST_AGENCY_TOKEN", ACME)
        .output()
        .unwrap()
}

/// `incasso submit` as of `as_of`, with the agency's token.
fn submit_as_of(data: &Path, as_of: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_incasso"));
    c.arg("--data-dir")
        .arg(data)
        .args(["submit", "--as-of", as_of])
        .env("TEST_AGENCY_TOKEN", ACME)
        .env_remove("RUST_LOG");
    c
}

fn submit(data: &Path) -> Output {
    submit_cmd(data).output().unwrap()
}

/// `incasso submit`, whose output must say `what`; the output.
fn submit_saying(data: &Path, what: &str) -> String {
    let o = submit(data);
    let out = stdout(&o);
    assert!(out.contains(what), "{out}\n{}", stderr(&o));
    out
}

/// The claim ids that qualify, from the preview.
pub(crate) fn qualifying(data: &Path) -> Vec<String> {
    let out = ok(incasso(
        data,
        &["claims", "--as-of", CLAIMS_AS_OF, "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_exactly_once(data: &Path, agency: SocketAddr) {
    let want = qualifying(data);
    assert!(
        want.len() > 20,
        "enough claims to need several batches: {}",
        want.len()
    );
    let got = at_agency(agency);
    for id in &want {
        assert_eq!(
            got.get(id),
            Some(&("acme".to_string(), 1)),
            "claim {id} at the agency once, revision 1"
        );
    }
    assert_eq!(got.len(), want.len(), "nothing else arrived");
    let subs = ok(incasso(data, &["submissions", "--format", "csv"]));
    assert_eq!(
        subs.lines()
            .skip(1)
            .filter(|l| l.contains(",accepted,"))
            .count(),
        want.len(),
        "{subs}"
    );
}

#[test]
fn claims_arrive_exactly_once_through_every_fault_on_postgres() {
    on_postgres(claims_arrive_exactly_once_through_every_fault);
}

#[test]
fn claims_arrive_exactly_once_through_every_fault() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let scenarios: [(&str, Vec<Fault>); 5] = [
        ("happy path", vec![]),
        (
            "500 twice, then the server recovers",
            vec![Fault::Error500, Fault::Error500],
        ),
        (
            "the server hangs past the client's timeout",
            vec![Fault::Hang(Duration::from_secs(3))],
        ),
        (
            "stored, but the connection drops before the answer",
            vec![Fault::DropAnswer, Fault::Error500, Fault::DropAnswer],
        ),
        (
            "slow answers",
            vec![Fault::Delay(Duration::from_millis(300))],
        ),
    ];
    for (i, (name, faults)) in scenarios.into_iter().enumerate() {
        let case = dir.path().join(format!("case{i}"));
        std::fs::create_dir_all(&case).unwrap();
        let server = Server::start(&case.join("agency"), &tokens, 0);
        let target = Arc::new(Mutex::new(server.addr));
        let proxy = Proxy::start(target);
        proxy.queue(&faults);
        let data = creditor(&case, &format!("http://{}", proxy.addr), 10, 1);
        let o = submit(&data);
        assert!(o.status.success(), "{name}: {}\n{}", stdout(&o), stderr(&o));
        assert_exactly_once(&data, server.addr);
        // A second run sends nothing: everything is accepted and unchanged.
        let again = submit(&data);
        assert!(
            stdout(&again).contains("0 accepted, 0 rejected,"),
            "{name}: {}",
            stdout(&again)
        );
        assert!(proxy.seen() >= faults.len(), "{name}: the faults were met");
    }
}

#[test]
fn a_killed_client_and_a_restarted_server_lose_and_double_nothing_on_postgres() {
    on_postgres(a_killed_client_and_a_restarted_server_lose_and_double_nothing);
}

#[test]
fn a_killed_client_and_a_restarted_server_lose_and_double_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());

    // The client is killed while its second batch waits for an answer; the re-run resumes it.
    let case = dir.path().join("killed");
    std::fs::create_dir_all(&case).unwrap();
    let server = Server::start(&case.join("agency"), &tokens, 0);
    let proxy = Proxy::start(Arc::new(Mutex::new(server.addr)));
    proxy.queue(&[
        Fault::Delay(Duration::ZERO),
        Fault::Delay(Duration::from_secs(5)),
    ]);
    let data = creditor(&case, &format!("http://{}", proxy.addr), 10, 30);
    let mut child = submit_cmd(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while proxy.seen() < 2 {
        assert!(
            Instant::now() < deadline,
            "the client never sent its second batch"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The second batch is on its way (held by the proxy): kill the client while it waits.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let inflight = ok(incasso(&data, &["submissions", "--format", "csv"]));
    assert!(
        inflight.contains(",sent,"),
        "a batch was in flight when killed: {inflight}"
    );
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("resuming batch"), "{}", stdout(&o));
    // Each claim counted once: a resumed batch's claims by its answer, not again as unchanged
    // (review 41a: 5,000 claims were summed up as 3,100 accepted and 2,000 unchanged).
    let summary = stdout(&o);
    let count = |what: &str| -> usize {
        let line = summary
            .lines()
            .find(|l| l.starts_with("submitted: "))
            .unwrap();
        let at = line.find(&format!(" {what}")).unwrap();
        line[..at]
            .rsplit([' ', ','])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        count("accepted") + count("unchanged"),
        qualifying(&data).len(),
        "{summary}"
    );
    assert_exactly_once(&data, server.addr);
    drop(server);

    // The server is killed and restarted between batches; the client backs off and carries on.
    let case = dir.path().join("restart");
    std::fs::create_dir_all(&case).unwrap();
    let mut server = Server::start(&case.join("agency"), &tokens, 0);
    let proxy = Proxy::start(Arc::new(Mutex::new(server.addr)));
    proxy.queue(&[Fault::Delay(Duration::from_millis(400)); 20]);
    let data = creditor(&case, &format!("http://{}", proxy.addr), 5, 5);
    let child = submit_cmd(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while at_agency(server.addr).is_empty() {
        assert!(Instant::now() < deadline, "the first batch never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.restart();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert_exactly_once(&data, server.addr);
}

/// Sets `key = value` in a creditor's agency.toml (replacing the line that sets it).
fn agency_setting(data: &Path, key: &str, value: &str) {
    let file = data.join("agency.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} =")))
        .map(str::to_string)
        .collect();
    lines.push(format!("{key} = {value}"));
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
}

#[test]
fn batches_go_several_at_once_and_still_arrive_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    for in_flight in [1, 4] {
        let case = dir.path().join(format!("in-flight-{in_flight}"));
        std::fs::create_dir_all(&case).unwrap();
        let server = Server::start(&case.join("agency"), &tokens, 0);
        let proxy = Proxy::start(Arc::new(Mutex::new(server.addr)));
        // Every request waits a moment at the proxy, so batches sent at once meet there.
        proxy.queue(&[Fault::Delay(Duration::from_millis(150)); 40]);
        let data = creditor(&case, &format!("http://{}", proxy.addr), 5, 10);
        agency_setting(&data, "in_flight", &in_flight.to_string());
        let o = submit(&data);
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
        assert_exactly_once(&data, server.addr);
        let most = proxy.most_at_once();
        if in_flight == 1 {
            assert_eq!(most, 1, "one batch at a time");
        } else {
            assert!(
                (2..=in_flight).contains(&most),
                "several batches at once, never more than {in_flight}: {most}"
            );
        }
    }
}

#[test]
fn an_unreachable_agency_stops_the_run_and_the_next_one_sends_the_rest_once() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    // Nothing listens at the proxy's target until the agency is back.
    let nowhere = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let target = Arc::new(Mutex::new(nowhere));
    let proxy = Proxy::start(target.clone());
    let data = creditor(dir.path(), &format!("http://{}", proxy.addr), 5, 2);
    agency_setting(&data, "max_attempts", "2");
    agency_setting(&data, "in_flight", "3");
    // The agency's change feed is read first; then it goes away.
    *target.lock().unwrap() = server.addr;
    proxy.faults.lock().unwrap().push_back(Fault::Pass);
    proxy
        .faults
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n(Fault::Hang(Duration::ZERO), 100));
    let o = submit(&data);
    assert!(!o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("stays recorded as sent"),
        "{}",
        stderr(&o)
    );
    let subs = ok(incasso(&data, &["submissions", "--format", "csv"]));
    let sent = subs.lines().filter(|l| l.contains(",sent,")).count();
    assert!(
        (5..=15).contains(&sent),
        "one to three batches of five recorded as sent, nothing more: {subs}"
    );
    assert!(at_agency(server.addr).is_empty());
    assert!(
        stdout(&o).contains("not tried (the run stopped; the next run sends them)"),
        "the claims never tried are counted: {}",
        stdout(&o)
    );

    proxy.faults.lock().unwrap().clear();
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("resuming batch"), "{}", stdout(&o));
    assert_exactly_once(&data, server.addr);
}

/// The first batch the exporter would send, as JSON.
pub(crate) fn sample_batch(dir: &Path) -> serde_json::Value {
    let data = creditor(dir, "http://127.0.0.1:9", 3, 1);
    let o = submit_cmd(&data).arg("--dry-run").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut stream =
        serde_json::Deserializer::from_slice(&o.stdout).into_iter::<serde_json::Value>();
    stream.next().unwrap().unwrap()
}

#[test]
fn hostile_requests_are_refused_with_a_clear_status_on_postgres() {
    on_postgres(hostile_requests_are_refused_with_a_clear_status);
}

#[test]
fn hostile_requests_are_refused_with_a_clear_status() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    let a = server.addr;
    let batch = sample_batch(dir.path());
    let body = serde_json::to_vec(&batch).unwrap();
    let bearer = |t: &str| ("Authorization", format!("Bearer {t}"));
    let key = |k: &str| ("Idempotency-Key", k.to_string());
    let post =
        |headers: &[(&str, String)], body: &[u8]| http(a, "POST", "/v1/batches", headers, body);

    let (s, _, b) = post(&[bearer("wrong"), key("k0")], &body);
    assert_eq!(s, 401, "wrong token: {b}");
    let (s, _, b) = post(&[key("k0")], &body);
    assert_eq!(s, 401, "no credentials: {b}");
    let (s, _, b) = post(&[bearer(ACME), key("k1")], b"{\"schema\": ");
    assert_eq!((s, b.contains("bad-json")), (400, true), "bad JSON: {b}");
    let (s, _, b) = post(&[bearer(ACME)], &body);
    assert_eq!(
        (s, b.contains("idempotency-key-missing")),
        (400, true),
        "{b}"
    );
    let mut wrong = batch.clone();
    wrong["claims"][0]["principal"] = serde_json::json!(12.5);
    wrong["claims"][0]["surprise"] = serde_json::json!(true);
    let (s, _, b) = post(
        &[bearer(ACME), key("k2")],
        &serde_json::to_vec(&wrong).unwrap(),
    );
    assert_eq!(
        (s, b.contains("schema")),
        (422, true),
        "schema violation: {b}"
    );
    let mut other = batch.clone();
    other["creditor"]["id"] = serde_json::json!("beta");
    let (s, _, b) = post(
        &[bearer(ACME), key("k3")],
        &serde_json::to_vec(&other).unwrap(),
    );
    assert_eq!(s, 403, "a batch for another creditor: {b}");

    // A business rule broken in one claim rejects that claim only.
    let mut sums = batch.clone();
    sums["claims"][0]["total"] = serde_json::json!("1.00");
    let (s, _, b) = post(
        &[bearer(ACME), key("k4")],
        &serde_json::to_vec(&sums).unwrap(),
    );
    assert_eq!(s, 200, "{b}");
    let answer: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(answer["results"][0]["outcome"], "rejected", "{b}");
    assert!(
        answer["results"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("is not principal + costs + interest"),
        "{b}"
    );
    assert_eq!(answer["results"][1]["outcome"], "accepted", "{b}");

    // The real batch, then the same key again: the stored answer, byte for byte; another body: 409.
    let (s, _, first) = post(&[bearer(ACME), key("k5")], &body);
    assert_eq!(s, 200, "{first}");
    let (s, head, again) = post(&[bearer(ACME), key("k5")], &body);
    assert_eq!((s, again.as_str()), (200, first.as_str()));
    assert!(head.contains("idempotency-replayed: true"), "{head}");
    let (s, _, b) = post(
        &[bearer(ACME), key("k5")],
        &serde_json::to_vec(&sums).unwrap(),
    );
    assert_eq!(
        (s, b.contains("idempotency-key-reused")),
        (409, true),
        "{b}"
    );

    // HMAC: a good signature once; the same request again is a replay.
    let mut beta = batch.clone();
    beta["creditor"]["id"] = serde_json::json!("beta");
    let acme_claim = batch["claims"][0]["claim_id"].as_str().unwrap().to_string();
    let beta_body = serde_json::to_vec(&beta).unwrap();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let sig = incasso_intake::auth::sign(BETA_SECRET, ts, "nonce-1", &beta_body);
    let signed = [
        ("X-Incasso-Creditor", "beta".to_string()),
        ("X-Incasso-Timestamp", ts.to_string()),
        ("X-Incasso-Signature", sig),
        key("b1"),
        ("X-Incasso-Nonce", "nonce-1".to_string()),
    ];
    let (s, _, b) = post(&signed, &beta_body);
    assert_eq!(s, 200, "{b}");
    // Claim ids are the creditor's own reference: beta may use ids acme uses.
    let answer: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(answer["results"][0]["outcome"], "accepted", "{b}");
    let (s, _, b) = post(&signed, &beta_body);
    assert_eq!(
        (s, b.contains("replay")),
        (401, true),
        "replayed signature: {b}"
    );
    let (s, _, b) = post(
        &[
            signed[0].clone(),
            ("X-Incasso-Timestamp", (ts - 3600).to_string()),
            signed[2].clone(),
            key("b2"),
        ],
        &beta_body,
    );
    assert_eq!(s, 401, "stale timestamp: {b}");

    // Status of one's own claims only.
    let (s, _, b) = http(
        a,
        "GET",
        &format!("/claims/{acme_claim}"),
        &[bearer(ACME)],
        b"",
    );
    assert_eq!(s, 200, "{b}");
    assert!(b.contains("\"revision\":1"), "{b}");
    let (s, _, _) = http(a, "GET", "/claims/CLM-nothing", &[bearer(ACME)], b"");
    assert_eq!(s, 404);

    // A 100 MB body is cut off with 413, not read into memory.
    let big = vec![b' '; 100 * 1024 * 1024];
    let (s, _, _) = post(&[bearer(ACME), key("big")], &big);
    assert_eq!(s, 413);

    // Health, the schema, and the export for the agency's case system.
    let (s, _, b) = http(a, "GET", "/health", &[], b"");
    assert_eq!((s, b.contains("ok")), (200, true));
    let (s, _, b) = http(a, "GET", "/openapi.json", &[], b"");
    let doc: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!((s, doc["openapi"].as_str()), (200, Some("3.1.0")));
    let (s, _, _) = http(a, "GET", "/export?format=csv", &[bearer(ACME)], b"");
    assert_eq!(s, 401, "the export is for the agency only");
    let (s, _, csv) = http(a, "GET", "/export?format=csv", &[bearer(ADMIN)], b"");
    assert_eq!(s, 200);
    assert!(csv.starts_with("creditor,claim_id,revision,"), "{csv}");
    assert!(
        csv.lines().next().unwrap().ends_with(
            "creditor_name,jurisdiction,first_default_date,letter_sent,letter_channel,letter_received,letter_received_presumed,letter_last_day,costs_from"
        ),
        "the letter's dates, whether receipt is presumed, and the channel: {csv}"
    );
    assert_eq!(
        csv.lines().count(),
        1 + 3 + 3,
        "the three claims of the real batch, from acme and from beta: {csv}"
    );
}

/// Imports a Rabobank CSV in which the debtor pays half of a claimed item on `date`, naming it.
fn pay_half(dir: &Path, data: &Path, item: &serde_json::Value, date: &str) {
    let open: f64 = item["open"].as_str().unwrap().parse().unwrap();
    let half = format!("{:.2}", (open / 2.0 * 100.0).round() / 100.0).replace('.', ",");
    let statement = dir.join(format!("bank-{date}.csv"));
    std::fs::write(
        &statement,
        format!(
            "\"IBAN/BBAN\",\"Munt\",\"BIC\",\"Volgnr\",\"Datum\",\"Rentedatum\",\"Bedrag\",\"Saldo na trn\",\"Tegenrekening IBAN/BBAN\",\"Naam tegenpartij\",\"Naam uiteindelijke partij\",\"Naam initiërende partij\",\"BIC tegenpartij\",\"Code\",\"Batch ID\",\"Transactiereferentie\",\"Machtigingskenmerk\",\"Incassant ID\",\"Betalingskenmerk\",\"Omschrijving-1\",\"Omschrijving-2\",\"Omschrijving-3\",\"Reden retour\",\"Oorspr bedrag\",\"Oorspr munt\",\"Koers\"\n\
             \"NL93RABO0123456780\",\"EUR\",\"RABONL2U\",\"000000000000000001\",\"{date}\",\"{date}\",\"+{half}\",\"+{half}\",\"\",\"Debiteur\",\"\",\"\",\"\",\"cb\",\"\",\"\",\"\",\"\",\"\",\"Factuur {}\",\"\",\"\",\"\",\"\",\"\",\"\"\n",
            item["number"].as_str().unwrap()
        ),
    )
    .unwrap();
    ok(incasso(data, &["import", statement.to_str().unwrap()]));
}

#[test]
fn a_payment_on_a_submitted_claim_goes_as_an_update_not_a_new_claim() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    let data = creditor(dir.path(), &format!("http://{}", server.addr), 50, 5);
    let o = submit(&data);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = at_agency(server.addr);

    // Half of one claimed invoice is paid, by a transfer naming it.
    let preview = ok(incasso(
        &data,
        &["claims", "--as-of", CLAIMS_AS_OF, "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&preview).unwrap();
    let claim = &v["claims"][0];
    let (id, item) = (claim["id"].as_str().unwrap(), &claim["items"][0]);
    pay_half(dir.path(), &data, item, "2026-06-15");
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("submitted: 1 accepted,"),
        "{}",
        stdout(&o)
    );
    let after = at_agency(server.addr);
    assert_eq!(after.len(), before.len(), "no new claim");
    assert_eq!(
        after.get(id),
        Some(&("acme".to_string(), 2)),
        "revision 2 of {id}"
    );
    let all = export(server.addr);
    let stored = all.iter().find(|c| c["claim"]["claim_id"] == id).unwrap();
    assert_eq!(stored["claim"]["kind"], "update");
    assert_eq!(
        stored["claim"]["payments"].as_array().unwrap().len(),
        1,
        "{stored}"
    );
    assert_eq!(stored["history"].as_array().unwrap().len(), 1);
}

/// A part payment on a submitted claim while its amounts cannot be computed (the as-of date past
/// the rate tables): the claim is not left at the agency at its old principal, it is withdrawn
/// saying so; the claims nothing changed for stay as they are.
#[test]
fn a_part_payment_while_no_rate_is_known_is_not_left_at_the_agency() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    let data = creditor(dir.path(), &format!("http://{}", server.addr), 50, 5);
    let o = submit(&data);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["claims", "--as-of", CLAIMS_AS_OF, "--format", "json"],
    )))
    .unwrap();
    let claim = &v["claims"][0];
    let (id, item) = (claim["id"].as_str().unwrap(), &claim["items"][0]);
    pay_half(dir.path(), &data, item, "2026-07-05");
    let o = submit_as_of(&data, "2026-07-15").output().unwrap();
    let out = stdout(&o);
    assert!(
        out.contains(&format!("withdrawing claim {id}"))
            && out.contains("paid or credited in part since it was sent"),
        "{out}\n{}",
        stderr(&o)
    );
    assert!(out.contains("stays at the agency as it is"), "{out}");
    let all = export(server.addr);
    let stored = all.iter().find(|c| c["claim"]["claim_id"] == id).unwrap();
    let withdrawals = stored["withdrawals"].as_array().unwrap();
    assert_eq!(withdrawals.len(), 1, "{stored}");
    assert!(
        withdrawals[0]["withdrawal"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("paid or credited in part since it was sent"),
        "{stored}"
    );
}

#[test]
fn the_nightly_run_does_the_whole_flow_then_nothing_and_never_overlaps() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    let data = creditor(dir.path(), &format!("http://{}", server.addr), 50, 5);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(
        fixture("bank/rabobank-2026-11.camt053.xml"),
        inbox.join("afschrift.xml"),
    )
    .unwrap();
    std::fs::copy(fixture("bad/bad-amount.csv"), inbox.join("kapot.csv")).unwrap();
    let report = dir.path().join("report.html");
    let summary = dir.path().join("summary.json");
    let config = dir.path().join("incasso.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ninbox = {:?}\nreport = {:?}\nsummary = {:?}\nsubmit = true\nclaims_as_of = \"{CLAIMS_AS_OF}\"\nsettle_ms = 100\n",
            data.to_str().unwrap(),
            inbox.to_str().unwrap(),
            report.to_str().unwrap(),
            summary.to_str().unwrap()
        ),
    )
    .unwrap();
    let run = || nightly_run(&config);
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(1),
        "a quarantined file makes the run partial:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["status"], "partial");
    let step = |name: &str| {
        s["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(step("inbox")["detail"]["imported"][0], "afschrift.xml");
    assert_eq!(
        step("inbox")["detail"]["quarantined"][0]["file"],
        "kapot.csv"
    );
    // What the quarantined file says (a payment, a credit note) is not in the ledger: no claim
    // is submitted (only withdrawals would be), and the run says why.
    assert_eq!(step("submit")["detail"]["accepted"], 0, "{s}");
    assert!(s.to_string().contains("claims are not submitted"), "{s}");
    assert!(at_agency(server.addr).is_empty());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("<svg") && html.contains("Top debtors") && html.contains("kapot.csv"),
        "report lists everything"
    );

    // While the file waits in quarantine/ for a person, the next night submits nothing either,
    // and says which file holds it back (review 42a, B3).
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    assert!(at_agency(server.addr).is_empty());
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert!(
        s["warnings"].to_string().contains("1 file(s) wait in")
            && s["warnings"].to_string().contains("(kapot.csv)"),
        "{s}"
    );
    // A person corrected it and dropped it again: imported, but a file of that name is no
    // proof that it says what the quarantined one said (review 42c, A1): the runs stay partial
    // until a person moves the quarantined one out; then the next run submits.
    std::fs::write(
        inbox.join("kapot.csv"),
        "Factuurnummer;Factuurdatum;Debiteur;Bedrag\nF1;28-02-2026;D1;10,50\nF2;01-03-2026;D1;12,34\n",
    )
    .unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    assert!(inbox.join("quarantine/kapot.csv").exists());
    std::fs::remove_file(inbox.join("quarantine/kapot.csv")).unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let step = |name: &str| {
        s["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap_or_else(|| panic!("no step {name}: {s}"))
            .clone()
    };
    let sent = step("submit")["detail"]["accepted"].as_u64().unwrap();
    assert!(sent > 20, "{s}");

    assert_eq!(at_agency(server.addr).len() as u64, sent);
    assert!(
        !html.contains("http://") || !html.contains("<script src"),
        "no external assets"
    );
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains(",run,partial,") && audit.contains(",run,success,"),
        "{audit}"
    );

    // Nothing new: success, and nothing is sent again.
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<&str> = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["sync", "inbox", "agency-status", "unchanged"],
        "nothing new: no claims computed, no report rewritten"
    );
    assert_eq!(at_agency(server.addr).len() as u64, sent);
    // The first run kept its reconciliation while the claims went out: a read reuses it.
    let read = ok(incasso(&data, &["reconcile", "--as-of", CLAIMS_AS_OF]));
    assert!(read.contains("reused: nothing changed"), "{read}");
    // Something new (a ledger with one more qualifying debtor) makes the next run do the work
    // again: the new claim goes, nothing is sent twice.
    std::fs::write(
        inbox.join("extra.csv"),
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Type debiteur;\
         Bedrag incl. BTW;Valuta;Status\n\
         X2026-001;05-01-2026;04-02-2026;DX1;Extra Bouw B.V.;Zakelijk;2420,00;EUR;Openstaand\n",
    )
    .unwrap();
    run();
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let submit = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "submit")
        .unwrap()
        .clone();
    assert_eq!(submit["detail"]["accepted"].as_u64(), Some(1), "{s}");
    assert_eq!(submit["detail"]["unchanged"].as_u64(), Some(sent), "{s}");
    assert_eq!(at_agency(server.addr).len() as u64, sent + 1);

    // A run while another holds the lock does nothing.
    use fs2::FileExt;
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(data.join("run.lock"))
        .unwrap();
    lock.lock_exclusive().unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("another incasso run"), "{}", stderr(&o));
}

#[test]
fn a_nightly_run_that_cannot_read_the_agencys_statuses_submits_nothing() {
    // An agency whose every answer is a server error: its change feed cannot be read.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            use std::io::{Read, Write};
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let data = creditor(dir.path(), &format!("http://{addr}"), 50, 5);
    let summary = dir.path().join("summary.json");
    let config = dir.path().join("incasso.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nsummary = {:?}\nsubmit = true\nclaims_as_of = \"{CLAIMS_AS_OF}\"\n",
            data.to_str().unwrap(),
            summary.to_str().unwrap()
        ),
    )
    .unwrap();
    let o = nightly_run(&config);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let names: Vec<&str> = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"agency-status"), "{s}");
    assert!(
        !names.contains(&"submit"),
        "an update could add items to a claim the agency closed as paid: {s}"
    );
    assert!(
        s.to_string().contains(
            "claims are not submitted: what the agency did with earlier claims could not be read"
        ),
        "{s}"
    );
    assert!(
        !data.join("run-state.json").exists(),
        "the next run does the work again"
    );
}

/// Three debtors, one invoice each, all business (no letter needed), due early 2026.
const TRUTH_LEDGER: &str = "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Type debiteur;Bedrag excl. BTW;BTW;Bedrag incl. BTW;Valuta;Betalingskenmerk;Gecrediteerde factuur;Status\n\
F2026-101;01-01-2026;31-01-2026;D1;Alfa B.V.;Zakelijk;1000,00;0,00;1000,00;EUR;;;Openstaand\n\
F2026-201;15-01-2026;14-02-2026;D2;Beta B.V.;Zakelijk;800,00;0,00;800,00;EUR;;;Openstaand\n\
F2026-301;01-02-2026;03-03-2026;D3;Gamma B.V.;Zakelijk;600,00;0,00;600,00;EUR;;;Openstaand\n";

/// An agency on 127.0.0.1 holding the three claims of [`TRUTH_LEDGER`], submitted by a creditor
/// whose data directory is returned with the server.
fn truth_ledger_at_the_agency(dir: &Path) -> (Server, std::path::PathBuf) {
    let (server, data) = truth_ledger_creditor(dir);
    let o = submit(&data);
    assert!(
        stdout(&o).contains("submitted: 3 accepted,"),
        "{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    (server, data)
}

/// An agency on 127.0.0.1 and a creditor of [`TRUTH_LEDGER`] who has submitted nothing yet.
fn truth_ledger_creditor(dir: &Path) -> (Server, std::path::PathBuf) {
    let tokens = tokens_file(dir);
    let server = Server::start(&dir.join("agency"), &tokens, 0);
    let data = dir.join("creditor");
    let ledger = dir.join("ledger.csv");
    std::fs::write(&ledger, TRUTH_LEDGER).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    std::fs::write(data.join("policy.toml"), CREDITOR_POLICY).unwrap();
    std::fs::write(
        data.join("agency.toml"),
        format!("url = \"http://{}\"\ncreditor = \"acme\"\ntoken_env = \"TEST_AGENCY_TOKEN\"\nbatch_size = 10\ntimeout_seconds = 30\nmax_attempts = 3\nbase_delay_ms = 50\n", server.addr),
    )
    .unwrap();
    (server, data)
}

/// An open-items report of the books (`import --complete`) that no longer lists an invoice
/// already at the agency: the books settled it, so the next submission withdraws the claim as
/// paid, and the claims the report still lists stay as they are.
#[test]
fn an_invoice_the_open_items_report_no_longer_lists_is_withdrawn_from_the_agency() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let report = dir.path().join("openstaande-posten.csv");
    let without_f101: String = TRUTH_LEDGER
        .lines()
        .filter(|l| !l.starts_with("F2026-101"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&report, without_f101).unwrap();
    let said = ok(incasso(
        &data,
        &["import", "--complete", report.to_str().unwrap()],
    ));
    assert!(
        said.contains(
            "settled in the books (open here, not in this list of every open item): 1: F2026-101"
        ),
        "{said}"
    );
    let o = submit(&data);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(out.contains(", 1 withdrawn"), "{out}");
    let truth = agency_truth(server.addr);
    assert_eq!(truth["D1"], ("withdrawn".into(), 1, "paid".into()));
    assert_eq!(truth["D2"], ("open".into(), 1, String::new()));
    assert_eq!(truth["D3"], ("open".into(), 1, String::new()));
}

/// An invoice leaves a claim of several (disputed, then paid): the update names it among its
/// withdrawn items with what became of it, so the agency stops chasing it knowing why; before,
/// it simply was not in the update any more (review 41a, B5).
#[test]
fn an_invoice_that_leaves_a_claim_is_named_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    let header = TRUTH_LEDGER.lines().next().unwrap();
    let ledger = dir.path().join("two.csv");
    let two = |status: &str| {
        format!(
            "{header}\nF2026-501;01-01-2026;31-01-2026;D5;Epsilon B.V.;Zakelijk;500,00;0,00;500,00;EUR;;;Openstaand\n\
             F2026-502;02-01-2026;01-02-2026;D5;Epsilon B.V.;Zakelijk;400,00;0,00;400,00;EUR;;;{status}\n"
        )
    };
    std::fs::write(&ledger, two("Openstaand")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "submitted: 4 accepted,");
    std::fs::write(&ledger, two("Betwist")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "submitted: 1 accepted,");
    let d5 = exported_for(server.addr, "D5");
    // The JSON export says where each claim stands, as the CSV export does.
    assert_eq!(d5["status"], "open", "{d5}");
    let claim = &d5["claim"];
    assert_eq!(claim["revision"], 2, "{claim}");
    assert_eq!(claim["items"].as_array().unwrap().len(), 1, "{claim}");
    let gone = &claim["withdrawn_items"];
    assert_eq!(gone.as_array().unwrap().len(), 1, "{claim}");
    assert_eq!(gone[0]["number"], "F2026-502");
    assert_eq!(gone[0]["reason"], "disputed");
    assert_eq!(gone[0]["detail"], "the debtor disputes F2026-502");
}

/// A data directory put back from its backup: what it holds now is gone.
fn put_back(backup: &Path, data: &Path) {
    std::fs::remove_dir_all(data).unwrap();
    copy_tree(backup, data);
}

/// A copy of a directory tree (a backup of a data directory while no command runs).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A creditor's data directory restored from a backup older than its last submissions (a lost
/// disk): the agency holds claims and revisions the store no longer knows. Reading the agency's
/// change feed (`submissions --refresh`, and every nightly run) takes them over, so the next
/// submission withdraws the claim paid since, sends the claim whose books differ from the
/// agency's revision as a higher one, and leaves the unchanged one. Before, the paid claim
/// stayed open at the agency (the store did not know it was there) and the other was refused
/// for good (the agency has it already).
#[test]
fn a_store_restored_from_a_backup_learns_what_the_agency_holds_on_postgres() {
    on_postgres(a_store_restored_from_a_backup_learns_what_the_agency_holds);
}

#[test]
fn a_store_restored_from_a_backup_learns_what_the_agency_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    let backup = dir.path().join("backup");
    copy_tree(&data, &backup);
    let credit_d2 = "C2026-201;20-06-2026;20-06-2026;D2;Beta B.V.;Zakelijk;-400,00;0,00;-400,00;EUR;;F2026-201;Openstaand\n";
    let credit_d3 = "C2026-301;22-06-2026;22-06-2026;D3;Gamma B.V.;Zakelijk;-100,00;0,00;-100,00;EUR;;F2026-301;Openstaand\n";
    let ledger = dir.path().join("ledger.csv");

    // After the backup the three claims go, then D2's credit note goes as revision 2.
    submit_saying(&data, "submitted: 3 accepted,");
    std::fs::write(&ledger, format!("{TRUTH_LEDGER}{credit_d2}")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "submitted: 1 accepted,");

    // The disk is lost and the backup comes back. The bookkeeper imports the books as they are
    // now (D3 got a credit note too), and D1 has paid.
    put_back(&backup, &data);
    std::fs::write(&ledger, format!("{TRUTH_LEDGER}{credit_d2}{credit_d3}")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let bank = dir.path().join("bank.csv");
    std::fs::write(
        &bank,
        rabo_payment("2026-06-20", "1000,00", "Alfa B.V.", "Factuur F2026-101"),
    )
    .unwrap();
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    // The submission reads the agency's feed first and takes over what it holds (before, the
    // agency refused its old revisions, run after run: review 45a, F-1).
    let o = submit(&data);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(
        stderr(&o).contains("3 claim(s) the agency holds taken over from its change feed"),
        "{}",
        stderr(&o)
    );
    assert!(
        out.contains("submitted: 1 accepted, 0 rejected, 1 unchanged since accepted")
            && out.contains(", 1 withdrawn"),
        "D3 as revision 2, D2 as the agency has it, D1 withdrawn: {out}"
    );
    let truth = agency_truth(server.addr);
    assert_eq!(truth["D1"], ("withdrawn".into(), 1, "paid".into()));
    assert_eq!(truth["D2"], ("open".into(), 2, String::new()));
    assert_eq!(truth["D3"], ("open".into(), 2, String::new()));

    // Nothing changed since: nothing is sent.
    submit_saying(
        &data,
        "submitted: 0 accepted, 0 rejected, 2 unchanged since accepted",
    );
}

/// A debtor's claim at the agency grows past the 1,000 items a claim may hold, so its update
/// cannot be sent (review 41a). While the books still claim each invoice the agency holds, the
/// claim stays there as it is; once one of them is paid, the agency must not chase it: the
/// claim is withdrawn, naming the paid invoice and the invoices still owed, for a person to
/// settle. Before, the paid invoice stayed claimed for good. A withdrawal of 999 invoices paid
/// goes too (its detail was refused as too long).
#[test]
fn a_claim_whose_update_cannot_be_sent_is_withdrawn_once_an_invoice_of_it_is_paid() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    // D9 with 999 invoices, and D8 with 999 more.
    let rows = |n: usize, d8: &str| -> String {
        let mut out = String::from(TRUTH_LEDGER.lines().next().unwrap());
        out.push('\n');
        for i in 1..=n {
            out.push_str(&format!(
                "M{i:04};01-01-2026;31-01-2026;D9;Many B.V.;Zakelijk;10,00;0,00;10,00;EUR;;;Openstaand\n"
            ));
        }
        for i in 1..=999 {
            out.push_str(&format!(
                "N{i:04};01-01-2026;31-01-2026;D8;More B.V.;Zakelijk;10,00;0,00;10,00;EUR;;;{d8}\n"
            ));
        }
        out
    };
    let ledger = dir.path().join("many.csv");
    std::fs::write(&ledger, rows(999, "Openstaand")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "submitted: 5 accepted,");

    // Three more invoices: the update would hold 1,002 items. Nothing the agency holds changed.
    std::fs::write(&ledger, rows(1002, "Openstaand")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let o = submit(&data);
    let out = stdout(&o);
    assert!(out.contains("1 not sent"), "{out}");
    assert!(
        out.contains("stays at the agency as it is: its update cannot be sent"),
        "{out}"
    );
    assert_eq!(
        agency_truth(server.addr)["D9"],
        ("open".into(), 1, String::new())
    );

    // The debtor pays one invoice the agency holds.
    let bank = dir.path().join("bank.csv");
    std::fs::write(
        &bank,
        rabo_payment("2026-06-20", "10,00", "Many B.V.", "Factuur M0001"),
    )
    .unwrap();
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    let o = submit(&data);
    let out = stdout(&o);
    assert!(out.contains(", 1 withdrawn"), "{out}");
    assert!(
        out.contains("M0001 was paid to the creditor on 2026-06-20")
            && out.contains("998 other invoice(s) still owed: its update cannot be sent"),
        "{out}"
    );
    assert_eq!(
        agency_truth(server.addr)["D9"],
        ("withdrawn".into(), 1, "manual".into())
    );
    // It stays withdrawn: nothing more goes until a person settles it.
    let o = submit(&data);
    let out = stdout(&o);
    assert!(out.contains(", 0 withdrawn"), "{out}");
    assert!(!out.contains("withdrawing"), "{out}");

    // D8 pays all 999: the withdrawal names each invoice, and says what they come to in a line
    // the schema takes (the list of them was refused as longer than 4,000 characters).
    std::fs::write(&ledger, rows(1002, "Betaald")).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let o = submit(&data);
    let out = stdout(&o);
    assert!(
        out.contains("0 rejected") && out.contains(", 1 withdrawn"),
        "{out}"
    );
    assert_eq!(
        agency_truth(server.addr)["D8"],
        ("withdrawn".into(), 1, "paid".into())
    );
    let d8 = exported_for(server.addr, "D8");
    assert_eq!(d8["status"], "withdrawn");
}

/// A country the books write out (Xero keeps it as free text, a ledger export as the country's
/// name) reaches the agency as its ISO 3166 code, which the schema takes; before, every claim of
/// such a debtor was refused by the schema's rules and never sent (review 41b).
#[test]
fn a_country_the_books_write_out_reaches_the_agency_as_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    let ledger = dir.path().join("with-countries.csv");
    std::fs::write(
        &ledger,
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Type debiteur;Bedrag incl. BTW;Valuta;Status;Land\n\
         F2026-701;01-01-2026;31-01-2026;D7;Delta B.V.;Zakelijk;700,00;EUR;Openstaand;Netherlands\n\
         F2026-801;01-01-2026;31-01-2026;D8;Epsilon GmbH;Zakelijk;800,00;EUR;Openstaand;Duitsland\n",
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "submitted: 5 accepted,");
    let country = |debtor: &str| {
        exported_for(server.addr, debtor)["claim"]["debtor"]["address"]["country"].clone()
    };
    assert_eq!(country("D7"), "NL");
    assert_eq!(country("D8"), "DE");
}

/// A store restored from a backup that lost the statements since (the nightly run moved them out
/// of its inbox): the agency holds D1's claim withdrawn as paid and D3's at its part payment. The
/// books here claim both in full again, so both are held for a person instead of reopened and
/// raised (review 41c: the restored store reopened the paid claim). Importing the statements
/// again settles it; a person who knows the books are right releases a claim.
#[test]
fn a_restored_store_missing_payments_holds_what_the_agency_settled() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    let backup = dir.path().join("backup");
    copy_tree(&data, &backup);
    submit_saying(&data, "submitted: 3 accepted,");
    let bank = dir.path().join("bank.csv");
    let second = rabo_payment("2026-06-21", "500,00", "Gamma B.V.", "Factuur F2026-301")
        .lines()
        .nth(1)
        .unwrap()
        .replace("000000000000000001", "000000000000000002")
        .replace("NL02ABNA0123456789", "NL20INGB0001234567");
    std::fs::write(
        &bank,
        format!(
            "{}{second}\n",
            rabo_payment("2026-06-20", "1000,00", "Alfa B.V.", "Factuur F2026-101")
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    let o = submit(&data);
    assert!(
        stdout(&o).contains("submitted: 1 accepted,") && stdout(&o).contains(", 1 withdrawn"),
        "{}",
        stdout(&o)
    );
    let settled = agency_truth(server.addr);
    assert_eq!(settled["D1"], ("withdrawn".into(), 1, "paid".into()));
    assert_eq!(settled["D3"], ("open".into(), 2, String::new()));

    // The backup comes back without the statement.
    put_back(&backup, &data);
    let refresh = |extra: &[&str]| submissions_cmd(&data, extra);
    let o = refresh(&["--refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = submit(&data);
    let out = stdout(&o);
    assert!(!o.status.success(), "a person is needed: {out}");
    assert!(
        out.contains("submitted: 0 accepted, 0 rejected, 1 unchanged since accepted, 2 held back"),
        "{out}"
    );
    assert!(
        out.contains("the agency holds it withdrawn (paid) and the books here claim it again"),
        "{out}"
    );
    assert!(
        out.contains("the books here claim F2026-301 at EUR 600.00 where the agency holds 100.00"),
        "{out}"
    );
    assert_eq!(
        agency_truth(server.addr),
        settled,
        "nothing reopened or raised"
    );
    // The nightly run warns of it every night, not only the first (review 41d).
    let config = dir.path().join("incasso.toml");
    let summary = dir.path().join("summary.json");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nsummary = {:?}\nsubmit = true\nclaims_as_of = \"{CLAIMS_AS_OF}\"\n",
            data.to_str().unwrap(),
            summary.to_str().unwrap()
        ),
    )
    .unwrap();
    for night in 1..=2 {
        let o = nightly_run(&config);
        assert_eq!(o.status.code(), Some(1), "night {night}: {}", stderr(&o));
        let s = std::fs::read_to_string(&summary).unwrap();
        assert!(
            s.contains("2 claim(s) held for a person"),
            "night {night}: {s}"
        );
    }
    assert_eq!(agency_truth(server.addr), settled);

    // The statement imported again: the books agree with the agency, nothing goes.
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    let o = submit(&data);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o)
            .contains("submitted: 0 accepted, 0 rejected, 2 unchanged since accepted, 0 held back"),
        "{}",
        stdout(&o)
    );
    assert_eq!(agency_truth(server.addr), settled);

    // Had the payment been reversed, a person releases the claim and the books' truth goes.
    let claim_of_d1 = claim_ids(server.addr)["D1"].clone();
    let o = refresh(&["--release", &claim_of_d1]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("released claim {claim_of_d1}")),
        "{}",
        stderr(&o)
    );
    assert!(!refresh(&["--release", "CLM-nothing"]).status.success());
}

/// A claim taken over from the agency's feed is compared with the books invoice by invoice
/// (review 41d). The agency holds D5's F501 part paid, F502, and F503 that the restored books
/// lack: the books claim F501 in full again and do not know F503, so the claim is held for a
/// person as it is. Then F502 is paid: the agency must not chase it, so the claim is withdrawn,
/// F502 as paid and the others as held for a person, and it is not reopened on the next run.
/// Before, the claim went as the books had it: F501 raised back to its whole amount (the agency's
/// record of the payment dropped) and F503 withdrawn as "no longer in the ledger".
#[test]
fn a_taken_over_claim_is_weighed_invoice_by_invoice() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    let header = TRUTH_LEDGER.lines().next().unwrap();
    let d5 = |n: &str, amount: &str| {
        format!("{n};02-01-2026;01-02-2026;D5;Epsilon B.V.;Zakelijk;{amount};0,00;{amount};EUR;;;Openstaand\n")
    };
    let ledger = dir.path().join("d5.csv");
    std::fs::write(
        &ledger,
        format!(
            "{header}\n{}{}",
            d5("F2026-501", "500,00"),
            d5("F2026-502", "400,00")
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let backup = dir.path().join("backup");
    copy_tree(&data, &backup);
    submit_saying(&data, "submitted: 4 accepted,");
    std::fs::write(
        &ledger,
        format!(
            "{header}\n{}{}{}",
            d5("F2026-501", "500,00"),
            d5("F2026-502", "400,00"),
            d5("F2026-503", "300,00")
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "submitted: 1 accepted,");
    let bank = |name: &str, date: &str, amount: &str, text: &str| {
        let f = dir.path().join(name);
        let line = rabo_payment(date, amount, "Epsilon B.V.", text)
            .replace("NL02ABNA0123456789", "NL20INGB0001234567");
        std::fs::write(&f, line).unwrap();
        ok(incasso(&data, &["import", f.to_str().unwrap()]));
    };
    bank("part.csv", "2026-06-20", "200,00", "Factuur F2026-501");
    submit_saying(&data, "submitted: 1 accepted,");
    assert_eq!(
        agency_truth(server.addr)["D5"],
        ("open".into(), 3, String::new())
    );

    // The backup comes back: no F503, no payment on F501.
    put_back(&backup, &data);
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = submit(&data);
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("the books here claim F2026-501 at EUR 500.00 where the agency holds 300.00")
            && out.contains("the agency holds F2026-503, which the books here do not have"),
        "{out}"
    );
    assert_eq!(
        agency_truth(server.addr)["D5"],
        ("open".into(), 3, String::new())
    );

    // F502 is paid: the claim is withdrawn, and not reopened afterwards.
    bank("paid.csv", "2026-06-22", "400,00", "Factuur F2026-502");
    let out = submit_saying(&data, ", 1 withdrawn");
    assert!(
        out.contains("F2026-502 was paid to the creditor on 2026-06-22"),
        "{out}"
    );
    let truth = agency_truth(server.addr);
    assert_eq!(truth["D5"], ("withdrawn".into(), 3, "manual".into()));
    let out = submit_saying(&data, ", 0 withdrawn");
    assert!(
        out.contains("the agency holds it withdrawn (manual) and the books here claim it again"),
        "{out}"
    );
    assert_eq!(agency_truth(server.addr), truth);
}

/// The agency's store is put back from a backup: its change feed numbers its changes again from
/// there, under the same identity. A creditor's cursor names the change it was given after, so
/// the feed tells it the cursor is from another history (410) and the creditor reads it again
/// from the start; before, the cursor skipped the changes under reused numbers, and what the
/// agency collected since was never booked (review 41c, N3).
#[test]
fn a_creditor_reads_again_what_an_agency_restored_from_a_backup_numbers_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, data) = truth_ledger_at_the_agency(dir.path());
    let claim_of = claim_ids(server.addr);
    let refresh = || {
        let o = submissions_cmd(&data, &["--refresh", "--format", "csv"]);
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let collected = |addr: SocketAddr, debtor: &str, receipt: &str, amount: &str| {
        let (s, _, b) = http(
            addr,
            "PATCH",
            &format!("/v1/claims/{}/status", claim_of[debtor]),
            &[
                ("Authorization", format!("Bearer {ADMIN}")),
                ("Content-Type", "application/json".into()),
            ],
            &serde_json::to_vec(
                &serde_json::json!({"creditor": "acme", "state": "in-progress",
                "collected": [{"id": receipt, "date": "2026-06-25", "amount": amount}]}),
            )
            .unwrap(),
        );
        assert_eq!(s, 200, "{b}");
    };
    refresh();
    let agency = dir.path().join("agency");
    let backup = dir.path().join("agency-backup");
    server.restart_after(|| copy_tree(&agency, &backup));
    collected(server.addr, "D1", "r1", "250.00");
    assert!(refresh().contains("1 amount(s) the agency collected booked"));
    // Then D3 pays the creditor: its claim is withdrawn (revision 2), D1's lowered (revision 2).
    let bank = dir.path().join("bank.csv");
    std::fs::write(
        &bank,
        rabo_payment("2026-06-20", "600,00", "Gamma B.V.", "Factuur F2026-301")
            .replace("NL02ABNA0123456789", "NL20INGB0001234567"),
    )
    .unwrap();
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    submit_saying(&data, "submitted: 1 accepted, 0 rejected, 1 unchanged since accepted, 0 held back, 0 not sent, 1 withdrawn");

    // The agency's store comes back from the backup, and the agency records other receipts
    // under the change numbers the lost ones had.
    server.restart_after(|| put_back(&backup, &agency));
    collected(server.addr, "D2", "r2", "800.00");
    let said = refresh();
    assert!(
        said.contains("the agency's change feed was reset"),
        "{said}"
    );
    assert!(
        said.contains("1 amount(s) the agency collected booked"),
        "{said}"
    );
    let csv = ok(incasso(
        &data,
        &["allocations", "--as-of", CLAIMS_AS_OF, "--format", "csv"],
    ));
    assert!(
        csv.contains(&format!("agency:{}:r2,F2026-201,800.00", claim_of["D2"])),
        "{csv}"
    );
    // The agency lost D3's withdrawal and D1's update: they go again (review 41d); before, the
    // creditor's records said the agency had them, and D3 stayed open there, paid.
    assert!(
        said.contains("the agency no longer holds revision 2 of claim"),
        "{said}"
    );
    let lost = agency_truth(server.addr);
    assert_eq!(lost["D3"], ("open".into(), 1, String::new()));
    // D2, which the agency collected in full since, is withdrawn too.
    submit_saying(&data, "submitted: 1 accepted, 0 rejected, 0 unchanged since accepted, 0 held back, 0 not sent, 2 withdrawn");
    let truth = agency_truth(server.addr);
    assert_eq!(truth["D3"], ("withdrawn".into(), 1, "paid".into()));
    assert_eq!(truth["D1"].0, "open");
    assert_eq!(truth["D1"].1, 2, "D1's lowered claim again: {truth:?}");
    submit_saying(
        &data,
        "submitted: 0 accepted, 0 rejected, 1 unchanged since accepted",
    );
}

/// The agency's store is put back exactly to where the creditor last read its feed: the cursor
/// is still good, yet the claim the creditor withdrew since is gone. The feed must show what the
/// agency accepted since it was last read; it does not, so the creditor reads it again from the
/// start and sends the withdrawal again (review 41e: a nightly backup of the agency, taken between
/// two runs, ends exactly there, and the paid claim stayed open with no warning).
#[test]
fn an_agency_put_back_to_the_creditors_cursor_gets_what_it_lost_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, data) = truth_ledger_at_the_agency(dir.path());
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let agency = dir.path().join("agency");
    let backup = dir.path().join("agency-backup");
    server.restart_after(|| copy_tree(&agency, &backup));
    let bank = dir.path().join("bank.csv");
    std::fs::write(
        &bank,
        rabo_payment("2026-06-20", "600,00", "Gamma B.V.", "Factuur F2026-301")
            .replace("NL02ABNA0123456789", "NL20INGB0001234567"),
    )
    .unwrap();
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    submit_saying(&data, ", 1 withdrawn");
    server.restart_after(|| put_back(&backup, &agency));
    assert_eq!(
        agency_truth(server.addr)["D3"],
        ("open".into(), 1, String::new())
    );
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("the agency's change feed does not show revision 2 of claim"),
        "{said}"
    );
    assert!(
        said.contains("the agency no longer holds revision 2 of claim"),
        "{said}"
    );
    submit_saying(&data, ", 1 withdrawn");
    assert_eq!(
        agency_truth(server.addr)["D3"],
        ("withdrawn".into(), 1, "paid".into())
    );
    // Read through once more: nothing is missing, nothing is read again.
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(!stderr(&o).contains("does not show"), "{}", stderr(&o));
    submit_saying(
        &data,
        "submitted: 0 accepted, 0 rejected, 2 unchanged since accepted",
    );
}

/// A restored store lacks a payment the agency's revision lists: what the books claim less of an
/// invoice may still be more than is owed, so the claim is not sent as a lower update but held,
/// and withdrawn once the books claim less (review 41e: an invoice paid in full was sent at the
/// part the agency had not yet seen paid).
#[test]
fn a_taken_over_claim_listing_a_payment_the_books_lack_is_not_lowered_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    let backup = dir.path().join("backup");
    copy_tree(&data, &backup);
    submit_saying(&data, "submitted: 3 accepted,");
    let pay = |name: &str, date: &str, amount: &str, volgnr: &str| {
        let f = dir.path().join(name);
        std::fs::write(
            &f,
            rabo_payment(date, amount, "Alfa B.V.", "Factuur F2026-101")
                .replace("000000000000000001", volgnr),
        )
        .unwrap();
        ok(incasso(&data, &["import", f.to_str().unwrap()]));
    };
    pay("first.csv", "2026-06-10", "200,00", "000000000000000011");
    submit_saying(&data, "submitted: 1 accepted,");
    put_back(&backup, &data);
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The debtor pays the 800.00 the agency still claims: nothing is owed any more.
    pay("rest.csv", "2026-06-20", "800,00", "000000000000000012");
    let out = submit_saying(&data, ", 1 withdrawn");
    assert!(out.contains("which the books here do not have"), "{out}");
    assert_eq!(agency_truth(server.addr)["D1"].0, "withdrawn", "{out}");
}

/// A claim taken over and held for a person (the books add an invoice) is collected by the agency
/// meanwhile: its own receipt lowers the invoice in the books, which says nothing of the books
/// being behind, so the claim stays held, not withdrawn (review 41e: the agency's collection on
/// the rest was stopped).
#[test]
fn the_agencys_own_collection_does_not_withdraw_a_held_claim() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    // D1 owes two invoices, both at the agency in one claim.
    let two = dir.path().join("two.csv");
    std::fs::write(
        &two,
        format!(
            "{TRUTH_LEDGER}F2026-103;05-01-2026;04-02-2026;D1;Alfa B.V.;Zakelijk;500,00;0,00;500,00;EUR;;;Openstaand\n"
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", two.to_str().unwrap()]));
    let backup = dir.path().join("backup");
    copy_tree(&data, &backup);
    submit_saying(&data, "submitted: 3 accepted,");
    put_back(&backup, &data);
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ledger = dir.path().join("more.csv");
    std::fs::write(
        &ledger,
        format!(
            "{TRUTH_LEDGER}F2026-102;01-02-2026;03-03-2026;D1;Alfa B.V.;Zakelijk;300,00;0,00;300,00;EUR;;;Openstaand\nF2026-103;05-01-2026;04-02-2026;D1;Alfa B.V.;Zakelijk;500,00;0,00;500,00;EUR;;;Openstaand\n"
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    submit_saying(&data, "the books here add F2026-102");
    let claim = claim_ids(server.addr)["D1"].clone();
    let collect = |collected: serde_json::Value| {
        let (s, _, b) = http(
            server.addr,
            "PATCH",
            &format!("/v1/claims/{claim}/status"),
            &[
                ("Authorization", format!("Bearer {ADMIN}")),
                ("Content-Type", "application/json".into()),
            ],
            &serde_json::to_vec(
                &serde_json::json!({"creditor": "acme", "state": "in-progress",
                "collected": collected}),
            )
            .unwrap(),
        );
        assert_eq!(s, 200, "{b}");
        let o = submissions_cmd(&data, &["--refresh"]);
        assert!(
            stderr(&o).contains("1 amount(s) the agency collected booked"),
            "{}",
            stderr(&o)
        );
        let out = submit_saying(&data, ", 0 withdrawn");
        assert!(out.contains("the books here add F2026-102"), "{out}");
        assert_eq!(
            agency_truth(server.addr)["D1"],
            ("open".into(), 1, String::new())
        );
    };
    collect(serde_json::json!([{"id": "r1", "date": "2026-06-25", "amount": "100.00"}]));
    // The rest of F2026-101 too: F2026-103 is still owed, so the claim stays (review 41f: it
    // was withdrawn, and the agency told the creditor had been paid).
    collect(
        serde_json::json!([{"id": "r1", "date": "2026-06-25", "amount": "100.00"},
        {"id": "r2", "date": "2026-06-26", "amount": "900.00"}]),
    );
}

/// What the agency acts on besides the invoices changes (a review of session 38): the creditor
/// can no longer deduct VAT on the costs, a later ledger gives a debtor's address, the creditor
/// has a new account. Each goes as an update; a run with nothing new sends nothing.
#[test]
fn costs_a_debtors_address_and_the_creditors_account_reach_the_agency() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let costs_of = |debtor: &str| {
        export(server.addr)
            .into_iter()
            .find(|c| c["claim"]["debtor"]["id"] == debtor)
            .map(|c| c["claim"]["costs"]["total"].to_string())
            .unwrap()
    };
    let before = costs_of("D1");
    std::fs::write(
        data.join("policy.toml"),
        format!("creditor_vat_deductible = false\n{CREDITOR_POLICY}"),
    )
    .unwrap();
    let out = stdout(&submit(&data));
    assert!(out.contains("3 accepted"), "{out}");
    assert_ne!(
        costs_of("D1"),
        before,
        "the costs with VAT reached the agency"
    );
    assert_eq!(agency_truth(server.addr)["D1"].1, 2);

    let ledger = dir.path().join("adres.csv");
    std::fs::write(
        &ledger,
        "Debiteurnummer;Naam;Adres;Postcode;Plaats\nD2;Beta B.V.;Kerkstraat 1;1234 AB;Utrecht\n",
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    std::fs::write(
        data.join("policy.toml"),
        format!(
            "creditor_vat_deductible = false\n{}",
            CREDITOR_POLICY.replace("NL91ABNA0417164300", "NL20INGB0001234567")
        ),
    )
    .unwrap();
    let out = stdout(&submit(&data));
    assert!(out.contains("3 accepted"), "{out}");
    let truth = agency_truth(server.addr);
    assert_eq!((truth["D1"].1, truth["D2"].1, truth["D3"].1), (3, 3, 3));
    let d2 = exported_for(server.addr, "D2");
    assert_eq!(
        d2["claim"]["creditor"]["iban"], "NL20INGB0001234567",
        "{d2}"
    );
    assert!(
        d2["claim"]["debtor"].to_string().contains("Kerkstraat"),
        "{d2}"
    );
    let out = stdout(&submit(&data));
    assert!(out.contains("3 unchanged"), "{out}");
}

/// A batch the agency did not take (HTTP 401, a wrong token) is dropped, not sent as it was on
/// the next run: an invoice paid meanwhile never reaches the agency (a review of session 38).
#[test]
fn a_batch_the_agency_did_not_take_is_worked_out_again_from_the_books() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_creditor(dir.path());
    // With a wrong token even the agency's change feed is refused: nothing is sent.
    let o = submit_cmd(&data)
        .env("TEST_AGENCY_TOKEN", "not-the-token-0123456789")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(
            "nothing submitted: what the agency did with earlier claims could not be read"
        ) && stderr(&o).contains("401"),
        "{}",
        stderr(&o)
    );
    assert!(!ok(incasso(&data, &["submissions", "--format", "csv"])).contains(",sent,"));
    // The feed is read, and the batch is refused unjudged (a proxy, a token revoked meanwhile).
    let target = Arc::new(Mutex::new(server.addr));
    let proxy = Proxy::start(target);
    proxy
        .faults
        .lock()
        .unwrap()
        .extend([Fault::Pass, Fault::Unauthorized]);
    agency_setting(&data, "url", &format!("\"http://{}\"", proxy.addr));
    let o = submit(&data);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("did not take batch"), "{}", stderr(&o));
    assert!(export(server.addr).is_empty());
    let bank = dir.path().join("betaling.csv");
    std::fs::write(
        &bank,
        rabo_payment("2026-04-10", "1000,00", "Alfa B.V.", "Factuur F2026-101"),
    )
    .unwrap();
    ok(incasso(&data, &["import", bank.to_str().unwrap()]));
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let truth = agency_truth(server.addr);
    assert!(
        !truth.contains_key("D1"),
        "the paid invoice never reached the agency: {truth:?}"
    );
    assert_eq!(truth["D2"], ("open".into(), 1, String::new()));
    assert_eq!(truth["D3"], ("open".into(), 1, String::new()));
}

/// A date before the latest submitted is refused (a review of session 38): the agency would be
/// told to withdraw invoices not yet issued or due then, as having nothing open.
#[test]
fn a_submission_as_of_an_earlier_date_than_the_last_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let o = submit_as_of(&data, "2026-03-15").output().unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!("claims were submitted as of {CLAIMS_AS_OF}")),
        "{}",
        stderr(&o)
    );
    let truth = agency_truth(server.addr);
    assert_eq!(
        truth["D1"],
        ("open".into(), 1, String::new()),
        "nothing taken back"
    );
}

/// A Rabobank CSV of one incoming payment.
pub(crate) fn rabo_payment(date: &str, amount: &str, name: &str, text: &str) -> String {
    format!(
        "\"IBAN/BBAN\",\"Munt\",\"BIC\",\"Volgnr\",\"Datum\",\"Rentedatum\",\"Bedrag\",\"Saldo na trn\",\"Tegenrekening IBAN/BBAN\",\"Naam tegenpartij\",\"Naam uiteindelijke partij\",\"Naam initiërende partij\",\"BIC tegenpartij\",\"Code\",\"Batch ID\",\"Transactiereferentie\",\"Machtigingskenmerk\",\"Incassant ID\",\"Betalingskenmerk\",\"Omschrijving-1\",\"Omschrijving-2\",\"Omschrijving-3\",\"Reden retour\",\"Oorspr bedrag\",\"Oorspr munt\",\"Koers\"\n\
         \"NL93RABO0123456780\",\"EUR\",\"RABONL2U\",\"000000000000000001\",\"{date}\",\"{date}\",\"+{amount}\",\"+{amount}\",\"NL02ABNA0123456789\",\"{name}\",\"\",\"\",\"\",\"cb\",\"\",\"\",\"\",\"\",\"\",\"{text}\",\"\",\"\",\"\",\"\",\"\",\"\"\n"
    )
}

/// What the agency holds of each claim: (status, revision of the content, withdrawal reason).
fn agency_truth(addr: SocketAddr) -> HashMap<String, (String, u64, String)> {
    let all = export(addr);
    let mut out = HashMap::new();
    for c in all {
        let id = c["claim"]["claim_id"].as_str().unwrap().to_string();
        let (_, _, b) = http(
            addr,
            "GET",
            &format!("/claims/{id}"),
            &[("Authorization", format!("Bearer {ACME}"))],
            b"",
        );
        let st: serde_json::Value = serde_json::from_str(&b).unwrap();
        out.insert(
            c["claim"]["debtor"]["id"].as_str().unwrap().to_string(),
            (
                st["status"].as_str().unwrap().to_string(),
                st["revision"].as_u64().unwrap(),
                st["withdrawal"]["reason"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ),
        );
    }
    out
}

/// A payment clears one claim, a credit note halves another, a third is disputed: the next run
/// sends one withdrawal (paid), one update (revision 2) and one withdrawal (disputed), and the
/// run after that sends nothing; also when the answer is lost after the agency stored it, and
/// when the creditor is killed mid-run.
#[test]
fn the_agency_is_told_of_payments_credits_and_disputes_on_postgres() {
    on_postgres(the_agency_is_told_of_payments_credits_and_disputes);
}

#[test]
fn the_agency_is_told_of_payments_credits_and_disputes() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    for scenario in ["plain", "answer lost", "creditor killed"] {
        let case = dir.path().join(scenario.replace(' ', "-"));
        std::fs::create_dir_all(&case).unwrap();
        let server = Server::start(&case.join("agency"), &tokens, 0);
        let proxy = Proxy::start(Arc::new(Mutex::new(server.addr)));
        let data = case.join("creditor");
        let ledger = case.join("ledger.csv");
        std::fs::write(&ledger, TRUTH_LEDGER).unwrap();
        ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
        std::fs::write(data.join("policy.toml"), CREDITOR_POLICY).unwrap();
        std::fs::write(
            data.join("agency.toml"),
            format!("url = \"http://{}\"\ncreditor = \"acme\"\ntoken_env = \"TEST_AGENCY_TOKEN\"\nbatch_size = 10\ntimeout_seconds = 30\nmax_attempts = 10\nbase_delay_ms = 50\n", proxy.addr),
        )
        .unwrap();
        let o = submit(&data);
        assert!(
            stdout(&o).contains("submitted: 3 accepted,"),
            "{scenario}: {}\n{}",
            stdout(&o),
            stderr(&o)
        );

        // The books change: D1 pays in full, D2 gets a credit note for half, D3 disputes.
        let bank = case.join("bank.csv");
        std::fs::write(
            &bank,
            rabo_payment("2026-06-20", "1000,00", "Alfa B.V.", "Factuur F2026-101"),
        )
        .unwrap();
        ok(incasso(&data, &["import", bank.to_str().unwrap()]));
        std::fs::write(
            &ledger,
            format!(
                "{}C2026-201;20-06-2026;20-06-2026;D2;Beta B.V.;Zakelijk;-400,00;0,00;-400,00;EUR;;F2026-201;Openstaand\n",
                TRUTH_LEDGER.replace("600,00;EUR;;;Openstaand", "600,00;EUR;;;Betwist")
            ),
        )
        .unwrap();
        ok(incasso(&data, &["import", ledger.to_str().unwrap()]));

        // The submission reads the agency's change feed first (`Fault::Pass`), then sends.
        match scenario {
            "answer lost" => proxy.queue(&[Fault::Pass, Fault::DropAnswer]),
            "creditor killed" => {
                proxy.queue(&[Fault::Pass, Fault::Delay(Duration::from_secs(5))]);
                let seen = proxy.seen() + 1;
                let mut child = submit_cmd(&data)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let deadline = Instant::now() + Duration::from_secs(20);
                while proxy.seen() <= seen {
                    assert!(Instant::now() < deadline, "the batch was never sent");
                    std::thread::sleep(Duration::from_millis(20));
                }
                std::thread::sleep(Duration::from_millis(300));
                child.kill().unwrap();
                child.wait().unwrap();
                let subs = ok(incasso(&data, &["submissions", "--format", "csv"]));
                assert!(subs.contains(",sent,"), "killed mid-run: {subs}");
            }
            _ => {}
        }
        let o = submit(&data);
        let out = stdout(&o);
        assert!(o.status.success(), "{scenario}: {out}\n{}", stderr(&o));
        if scenario == "creditor killed" {
            assert!(out.contains("resuming batch"), "{out}");
        } else {
            assert!(
                out.contains("submitted: 1 accepted,") && out.contains(", 2 withdrawn"),
                "{scenario}: {out}"
            );
            assert!(
                out.contains(": paid: F2026-101 was paid to the creditor on 2026-06-20"),
                "{out}"
            );
            assert!(
                out.contains(": disputed: the debtor disputes F2026-301"),
                "{out}"
            );
        }
        let truth = agency_truth(server.addr);
        assert_eq!(
            truth["D1"],
            ("withdrawn".into(), 1, "paid".into()),
            "{scenario}"
        );
        assert_eq!(truth["D2"], ("open".into(), 2, String::new()), "{scenario}");
        assert_eq!(
            truth["D3"],
            ("withdrawn".into(), 1, "disputed".into()),
            "{scenario}"
        );
        let subs = ok(incasso(&data, &["submissions", "--format", "csv"]));
        assert_eq!(subs.matches(",withdrawn,").count(), 2, "{scenario}: {subs}");
        let (_, _, csv) = http(
            server.addr,
            "GET",
            "/export?format=csv",
            &[("Authorization", format!("Bearer {ADMIN}"))],
            b"",
        );
        assert_eq!(csv.matches(",withdrawn,paid,").count(), 1, "{csv}");

        // Nothing changed since: nothing is sent.
        let seen = proxy.seen();
        let o = submit(&data);
        assert!(
            stdout(&o).contains("submitted: 0 accepted, 0 rejected, 1 unchanged since accepted, 0 held back, 0 not sent, 0 withdrawn"),
            "{scenario}: {}",
            stdout(&o)
        );
        assert_eq!(
            proxy.seen(),
            seen + 1,
            "{scenario}: only the agency's change feed is read"
        );
    }
}

/// Money the API forbids is refused: a JSON number, an exponent, a third decimal (the schema);
/// negative costs or VAT, negative interest days, a currency that is no ISO 4217 code, a claim
/// with nothing to collect (the rules). Hardening: "the intake server accepts money the API
/// forbids".
#[test]
fn money_the_api_forbids_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    let batch = sample_batch(dir.path());
    let post = |b: &serde_json::Value, k: &str| {
        http(
            server.addr,
            "POST",
            "/v1/batches",
            &[
                ("Authorization", format!("Bearer {ACME}")),
                ("Idempotency-Key", k.to_string()),
            ],
            &serde_json::to_vec(b).unwrap(),
        )
    };
    for (n, value) in [
        serde_json::json!(1512.50),
        serde_json::json!("1.5125e3"),
        serde_json::json!("1512.505"),
        serde_json::json!("1512."),
    ]
    .into_iter()
    .enumerate()
    {
        let mut b = batch.clone();
        b["claims"][0]["principal"] = value.clone();
        let (s, _, body) = post(&b, &format!("schema-{n}"));
        assert_eq!(s, 422, "{value}: {body}");
        assert!(body.contains("decimal string"), "{body}");
    }
    type Edit = fn(&mut serde_json::Value);
    let rules: [(&str, Edit, &str); 4] = [
        (
            "negative VAT",
            |c| c["costs"]["vat"] = serde_json::json!("-1.00"),
            "costs.vat is negative",
        ),
        (
            "not ISO 4217",
            |c| {
                c["currency"] = serde_json::json!("XXX");
                for i in c["items"].as_array_mut().unwrap() {
                    i["currency"] = serde_json::json!("XXX");
                }
            },
            "not an ISO 4217 code",
        ),
        (
            "negative days",
            |c| {
                c["interest"]["periods"] = serde_json::json!([{
                    "item": c["items"][0]["number"], "from": "2026-01-01", "to": "2026-01-02",
                    "days": -2, "base": "10.00", "rate_pct": "8", "amount": "0.00",
                    "legal_basis": "art. 6:119a BW"
                }]);
            },
            "days is negative",
        ),
        (
            "nothing to collect",
            |c| {
                for i in c["items"].as_array_mut().unwrap() {
                    i["claimed"] = serde_json::json!("0.00");
                }
                c["principal"] = serde_json::json!("0.00");
                c["costs"]["amount_excl_vat"] = serde_json::json!("0.00");
                c["costs"]["vat"] = serde_json::json!("0.00");
                c["costs"]["total"] = serde_json::json!("0.00");
                c["interest"]["total"] = serde_json::json!("0.00");
                c["total"] = serde_json::json!("0.00");
            },
            "nothing to collect",
        ),
    ];
    for (n, (name, edit, why)) in rules.into_iter().enumerate() {
        let mut b = batch.clone();
        b["claims"] = serde_json::json!([b["claims"][0].clone()]);
        edit(&mut b["claims"][0]);
        let (s, _, body) = post(&b, &format!("rule-{n}"));
        assert_eq!(s, 200, "{name}: {body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            answer["results"][0]["outcome"], "rejected",
            "{name}: {body}"
        );
        assert!(body.contains(why), "{name}: {body}");
    }
}

/// The resident memory of a process, in kB (Linux).
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Credentials are checked before a body is read: thirty unauthenticated 15 MB bodies are
/// answered 401 and cost the server no memory (hardening: "reads a body before authentication").
#[test]
fn unauthenticated_bodies_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let server = Server::start(&dir.path().join("agency"), &tokens, 0);
    let pid = server.child.id();
    let before = rss_kb(pid);
    let body = vec![b' '; 15 * 1024 * 1024];
    for i in 0..30 {
        let (s, _, b) = http(
            server.addr,
            "POST",
            "/v1/batches",
            &[
                ("Authorization", "Bearer not-a-token-of-anyone".to_string()),
                ("Idempotency-Key", format!("k{i}")),
            ],
            &body,
        );
        assert_eq!(s, 401, "{b}");
    }
    let after = rss_kb(pid);
    assert!(
        after < before + 100 * 1024,
        "the server grew from {before} kB to {after} kB"
    );
}

/// A connection to `to` from another loopback address, so it is not counted against 127.0.0.1.
fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        let stream = socket.connect(to).await.unwrap();
        let std = stream.into_std().unwrap();
        std.set_nonblocking(false).unwrap();
        std
    })
}

/// Whether the server closed the connection within `wait` (EOF, reset, or an answer then EOF).
fn closed_within(s: &TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    let mut reader = s;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_and_many_connections_do_not_starve_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let mut server = Server::start_with(
        &dir.path().join("agency"),
        &tokens,
        0,
        &[
            "--max-connections-per-address",
            "8",
            "--header-timeout-secs",
            "1",
            "--shutdown-deadline-secs",
            "1",
        ],
    );
    let addr = server.addr;
    // Twenty slow clients from one address, each sending a header line now and then.
    let slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let dribble = {
        let mut writers: Vec<TcpStream> = slow.iter().map(|s| s.try_clone().unwrap()).collect();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for w in &mut writers {
                    let _ = w.write_all(format!("X-Slow-{n}: 1\r\n").as_bytes());
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    // Another client is answered at once while they hold their connections.
    let started = Instant::now();
    let mut health = connect_from("127.0.0.2", addr);
    health
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    health
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = String::new();
    let _ = health.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "health: {answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "health took {:?}",
        started.elapsed()
    );
    // Past the per-address cap the surplus is closed at once; the rest when their headers are
    // late, however often they dribble a line.
    let closed_now = slow
        .iter()
        .filter(|s| closed_within(s, Duration::from_millis(300)))
        .count();
    assert!(closed_now >= 12, "only {closed_now} of 20 closed at once");
    let all_closed = slow
        .iter()
        .all(|s| closed_within(s, Duration::from_secs(4)));
    assert!(
        all_closed,
        "a slow client kept its connection past the header timeout"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    dribble.join().unwrap();

    // A stop does not wait on a client that never finishes its body.
    let mut stuck = connect_from("127.0.0.3", addr);
    stuck
        .write_all(
            format!(
                "POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ACME}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"sche"
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let stopping = Instant::now();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "SIGTERM waited on a slow client for 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        stopping.elapsed() < Duration::from_secs(4),
        "the stop took {:?} with a 1 s deadline",
        stopping.elapsed()
    );
    drop(stuck);
}

#[test]
fn the_intake_keeps_creditors_apart_and_refuses_what_it_cannot_keep_on_postgres() {
    on_postgres(the_intake_keeps_creditors_apart_and_refuses_what_it_cannot_keep);
}

#[test]
fn the_intake_keeps_creditors_apart_and_refuses_what_it_cannot_keep() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens3.toml");
    const GAMMA: &str = "gamma-token-0123456789";
    std::fs::write(
        &tokens,
        format!("admin_token = \"{ADMIN}\"\n[[creditor]]\nid = \"acme\"\ntoken = \"{ACME}\"\n[[creditor]]\nid = \"gamma\"\ntoken = \"{GAMMA}\"\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let agency = dir.path().join("agency");
    let server = Server::start(&agency, &tokens, 0);
    let batch = sample_batch(dir.path());
    let post = |b: &[u8], token: &str, key: &str, extra: &[(&str, String)]| {
        let mut h = vec![
            ("Authorization", format!("Bearer {token}")),
            ("Idempotency-Key", key.to_string()),
        ];
        h.extend(extra.iter().cloned());
        http(server.addr, "POST", "/v1/batches", &h, b)
    };
    let body = serde_json::to_vec(&batch).unwrap();

    let (s, _, b) = post(
        &body,
        ACME,
        "plain",
        &[("Content-Type", "text/plain".into())],
    );
    assert_eq!((s, b.contains("application/json")), (415, true), "{b}");

    // Each rule breaks one claim; the answer names the field.
    type Edit = fn(&mut serde_json::Value);
    let rules: [(&str, Edit, &str); 4] = [
        (
            "a NUL in the claim id",
            |c| c["claim_id"] = serde_json::json!("C-1\u{0}acme"),
            "claim_id holds a control character",
        ),
        (
            "a 5 MB debtor name",
            |c| c["debtor"]["name"] = serde_json::json!("x".repeat(5 * 1024 * 1024)),
            "debtor.name is longer than 300 characters",
        ),
        (
            "50,000 items",
            |c| {
                let item = c["items"][0].clone();
                c["items"] = serde_json::Value::Array(vec![item; 50_000]);
            },
            "at most 1000 are taken",
        ),
        (
            "a long note",
            |c| c["costs"]["note"] = serde_json::json!("n".repeat(5000)),
            "costs.note is longer than 4000 characters",
        ),
    ];
    for (n, (what, edit, want)) in rules.into_iter().enumerate() {
        let mut b = batch.clone();
        b["claims"] = serde_json::json!([batch["claims"][0].clone()]);
        edit(&mut b["claims"][0]);
        let (s, _, answer) = post(
            &serde_json::to_vec(&b).unwrap(),
            ACME,
            &format!("r{n}"),
            &[],
        );
        assert_eq!(s, 200, "{what}: {}", &answer[..answer.len().min(300)]);
        let a: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(a["results"][0]["outcome"], "rejected", "{what}");
        let reasons = a["results"][0]["reasons"].to_string();
        assert!(reasons.contains(want), "{what}: {reasons}");
        assert!(
            reasons.len() < 2000,
            "{what}: the reasons quote the field ({} bytes)",
            reasons.len()
        );
    }

    // Claim ids are a creditor's own: another creditor may use the same id.
    let (s, _, b) = post(&body, ACME, "acme-1", &[]);
    assert_eq!(s, 200, "{b}");
    assert!(!b.contains("rejected"), "{b}");
    let mut theirs = batch.clone();
    theirs["creditor"]["id"] = serde_json::json!("gamma");
    let (s, _, b) = post(&serde_json::to_vec(&theirs).unwrap(), GAMMA, "gamma-1", &[]);
    assert_eq!(s, 200, "{b}");
    assert!(
        !b.contains("rejected"),
        "gamma's claims with acme's ids: {b}"
    );
    let id = batch["claims"][0]["claim_id"].as_str().unwrap();
    for token in [ACME, GAMMA] {
        let (s, _, b) = http(
            server.addr,
            "GET",
            &format!("/claims/{id}"),
            &[("Authorization", format!("Bearer {token}"))],
            b"",
        );
        assert_eq!(s, 200, "{b}");
    }
    let both = export(server.addr);
    let creditors: std::collections::BTreeSet<&str> = both
        .iter()
        .filter(|c| c["claim"]["claim_id"] == id)
        .filter_map(|c| c["creditor"].as_str())
        .collect();
    assert_eq!(creditors, ["acme", "gamma"].into_iter().collect());

    if let Some(db) = &server.database {
        // On PostgreSQL the case system exports while servers run.
        let o = incasso(
            &agency,
            &["intake", "export", "--format", "json", "--database", db],
        );
        let rows: Vec<serde_json::Value> = serde_json::from_str(&ok(o)).unwrap();
        assert_eq!(rows, both);
        return;
    }
    // `intake export` says why it cannot read, and creates nothing where it should not.
    let o = incasso(&agency, &["intake", "export"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("in use by a running `incasso intake serve`"),
        "{}",
        stderr(&o)
    );
    drop(server);
    let o = incasso(&agency, &["intake", "export", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ledger = dir.path().join("creditor");
    let o = incasso(&ledger, &["intake", "export"]);
    assert!(
        stderr(&o).contains("is a creditor's ledger"),
        "{}",
        stderr(&o)
    );
    assert!(!ledger.join("intake.sled").exists());
    let empty = dir.path().join("nothing-here");
    std::fs::create_dir(&empty).unwrap();
    let o = incasso(&empty, &["intake", "export"]);
    assert!(
        stderr(&o).contains("holds no intake store"),
        "{}",
        stderr(&o)
    );
    assert!(!empty.join("intake.sled").exists());
}

/// Every change of the feed, paged `limit` at a time with `auth`.
fn feed(addr: SocketAddr, auth: &str, limit: usize) -> Vec<serde_json::Value> {
    feed_asking(addr, auth, limit, "")
}

/// [`feed`], with `asking` added to each page's query.
fn feed_asking(addr: SocketAddr, auth: &str, limit: usize, asking: &str) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let mut after = "0".to_string();
    loop {
        let (s, _, b) = http(
            addr,
            "GET",
            &format!("/v1/changes?after={after}&limit={limit}{asking}"),
            &[("Authorization", format!("Bearer {auth}"))],
            b"",
        );
        assert_eq!(s, 200, "{b}");
        let page: serde_json::Value = serde_json::from_str(&b).unwrap();
        all.extend(page["changes"].as_array().unwrap().iter().cloned());
        after = page["next"].as_str().unwrap().to_string();
        if !page["more"].as_bool().unwrap() {
            return all;
        }
    }
}

/// A change feed that answers 404 to a store that read it before is an error, not an agency
/// without a feed (review 45b, F-4: a server put back to an older version left a paid claim
/// open at the agency): nothing is submitted.
#[test]
fn a_change_feed_gone_after_it_was_read_stops_the_submission() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    assert!(submissions_cmd(&data, &["--refresh"]).status.success());
    let proxy = Proxy::start(Arc::new(Mutex::new(server.addr)));
    proxy.queue(&[Fault::NotFound]);
    agency_setting(&data, "url", &format!("\"http://{}\"", proxy.addr));
    let o = submit(&data);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("answers 404 for its change feed")
            && stderr(&o).contains("though this store read it before"),
        "{}",
        stderr(&o)
    );
    assert_eq!(proxy.seen(), 1, "nothing sent after the feed");
}

/// An invoice the books mark `Gecrediteerd` after it went to the agency is withdrawn as
/// credited, not as written off (review 45a, F-3): for the agency the two are different cases.
#[test]
fn an_invoice_the_books_mark_credited_is_withdrawn_as_credited() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let ledger = dir.path().join("ledger-credited.csv");
    std::fs::write(
        &ledger,
        TRUTH_LEDGER.replace("600,00;EUR;;;Openstaand", "600,00;EUR;;;Gecrediteerd"),
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let out = submit_saying(&data, "1 withdrawn");
    assert!(
        out.contains(": credited: F2026-301 was credited in the books"),
        "{out}"
    );
    assert_eq!(
        agency_truth(server.addr)["D3"],
        ("withdrawn".into(), 1, "credited".into())
    );
}

/// What no collection can have is not booked (review 45a, F-2): the intake refuses a receipt
/// dated before the claim's oldest invoice or after today, and an amount too large for the API
/// with that reason; a receipt taking what the agency collected past twice the claim is held
/// for a person on the creditor's side, not booked, so a typo at the agency does not withdraw
/// the claim as paid. Its reversal books nothing; the corrected receipt is booked.
#[test]
fn a_receipt_no_collection_can_have_is_refused_or_held() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let claim_of = claim_ids(server.addr);
    let patch = |collected: serde_json::Value| {
        http(
            server.addr,
            "PATCH",
            &format!("/v1/claims/{}/status", claim_of["D1"]),
            &[
                ("Authorization", format!("Bearer {ADMIN}")),
                ("Content-Type", "application/json".into()),
            ],
            &serde_json::to_vec(&serde_json::json!({"creditor": "acme",
                "state": "in-progress", "collected": collected}))
            .unwrap(),
        )
    };
    let (s, _, b) =
        patch(serde_json::json!([{"id": "old", "date": "1900-01-01", "amount": "10.00"}]));
    assert_eq!(s, 422, "{b}");
    assert!(b.contains("before the claim's oldest invoice"), "{b}");
    let (s, _, b) =
        patch(serde_json::json!([{"id": "late", "date": "2999-01-01", "amount": "10.00"}]));
    assert_eq!(s, 422, "{b}");
    assert!(b.contains("after today"), "{b}");
    let (s, _, b) = patch(
        serde_json::json!([{"id": "big", "date": "2026-06-25", "amount": "99999999999999999.00"}]),
    );
    assert_eq!(s, 422, "{b}");
    assert!(b.contains("too large: at most 14 digits"), "{b}");

    let typo =
        serde_json::json!({"id": "r-typo", "date": "2026-06-25", "amount": "99999999999.00"});
    let (s, _, b) = patch(serde_json::json!([typo.clone()]));
    assert_eq!(s, 200, "{b}");
    let o = submissions_cmd(&data, &["--refresh", "--format", "json"]);
    assert!(!o.status.success(), "held for a person: {}", stderr(&o));
    assert!(
        stderr(&o).contains("receipt r-typo of claim")
            && stderr(&o).contains("more than twice the 1191.71 still owed on the claim")
            && stderr(&o).contains("0 amount(s) the agency collected booked, 1 held for a person"),
        "{}",
        stderr(&o)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let row = rows.iter().find(|r| r["claim"] == claim_of["D1"]).unwrap();
    assert!(
        row["receipts_not_booked"]
            .as_str()
            .unwrap()
            .starts_with("r-typo: receipt r-typo"),
        "{row}"
    );
    let agency_lines = || {
        ok(incasso(
            &data,
            &["allocations", "--as-of", CLAIMS_AS_OF, "--format", "csv"],
        ))
        .lines()
        .filter(|l| l.starts_with("agency:"))
        .map(str::to_string)
        .collect::<Vec<_>>()
    };
    assert!(agency_lines().is_empty(), "{:?}", agency_lines());
    let report = dir.path().join("report.html");
    ok(incasso(
        &data,
        &[
            "report",
            "--as-of",
            CLAIMS_AS_OF,
            "--out",
            report.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("Receipts the agency reported that are not booked")
            && html.contains("<td>r-typo</td>"),
        "the report names the held receipt (review 45c, F-3)"
    );
    // Named again on every later refresh until it is settled (review 45b, F-2).
    let o = submit(&data);
    assert!(!o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("still held from an earlier refresh: receipt r-typo"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        agency_truth(server.addr)["D1"].0,
        "open",
        "not withdrawn as paid"
    );

    // The agency corrects it: the reversal books nothing, what it did collect is booked.
    let (s, _, b) = patch(serde_json::json!([typo,
        {"id": "r-undo", "date": "2026-06-26", "amount": "-99999999999.00", "reverses": "r-typo"},
        {"id": "r-ok", "date": "2026-06-25", "amount": "700.00"}]));
    assert_eq!(s, 200, "{b}");
    let o = submissions_cmd(&data, &["--refresh", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("which was held and never booked: nothing to undo")
            && !stderr(&o).contains("held for a person"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        agency_lines(),
        vec![format!(
            "agency:{}:r-ok,F2026-101,700.00,manual,100",
            claim_of["D1"]
        )]
    );

    // The update lowers the claim; the debtor pays the agency the rest, more than twice the
    // lowered claim and no more than the claim was: booked, and the claim withdrawn as paid
    // (review 45b, F-1: it was held, and the paid invoice claimed again).
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let subs: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&submissions_cmd(&data, &["--format", "json"]))).unwrap();
    let rest = subs.iter().find(|r| r["claim"] == claim_of["D1"]).unwrap()["total"]
        .as_str()
        .unwrap()
        .to_string();
    // Below 700.00, so that 700.00 and the rest together are more than twice the rest.
    assert!(
        rest.parse::<rust_decimal::Decimal>().unwrap() < rust_decimal::Decimal::from(700),
        "{rest}"
    );
    let (s, _, b) = patch(serde_json::json!([
        {"id": "r-rest", "date": "2026-06-27", "amount": rest}]));
    assert_eq!(s, 200, "{b}");
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        agency_truth(server.addr)["D1"],
        ("withdrawn".into(), 2, "paid".into())
    );

    // A receipt held that is right after all is booked by a person.
    let big = serde_json::json!({"creditor": "acme", "state": "in-progress",
        "collected": [{"id": "r-big", "date": "2026-06-25", "amount": "5000.00"}]});
    let (s, _, b) = http(
        server.addr,
        "PATCH",
        &format!("/v1/claims/{}/status", claim_of["D2"]),
        &[
            ("Authorization", format!("Bearer {ADMIN}")),
            ("Content-Type", "application/json".into()),
        ],
        &serde_json::to_vec(&big).unwrap(),
    );
    assert_eq!(s, 200, "{b}");
    let o = submissions_cmd(&data, &["--refresh", "--format", "csv"]);
    assert!(!o.status.success(), "{}", stderr(&o));
    let named = format!("{}:r-big", claim_of["D2"]);
    let o = submissions_cmd(
        &data,
        &["--book-receipt", &named, "--refresh", "--format", "csv"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("booked 5000.00 EUR the agency collected on 2026-06-25"),
        "{}",
        stderr(&o)
    );
    assert!(agency_lines().contains(&format!(
        "agency:{}:r-big,F2026-201,800.00,manual,100",
        claim_of["D2"]
    )));
    let o = submissions_cmd(&data, &["--book-receipt", &named, "--format", "csv"]);
    assert!(
        !o.status.success() && stderr(&o).contains("is not held") && stdout(&o).is_empty(),
        "{}",
        stderr(&o)
    );
    let o = submissions_cmd(&data, &["--book-receipt", ":r-big"]);
    assert!(
        !o.status.success() && stderr(&o).contains("both named"),
        "{}",
        stderr(&o)
    );
}

/// A receipt is weighed against what is still owed: the last revision's total less what the
/// agency collected since (review 45c). A receipt counted by an update that then bounces owes
/// its money again, so the debtor paying it all is booked, also when the agency lists the payment
/// before the bounce (F-2, and review 45e F-1: it was held, and the paid invoice claimed again);
/// money past what is owed with no update between is held (F-1: it was booked).
#[test]
fn a_receipt_is_weighed_against_what_is_still_owed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let claim_of = claim_ids(server.addr);
    let patch = |debtor: &str, collected: serde_json::Value| {
        let (s, _, b) = http(
            server.addr,
            "PATCH",
            &format!("/v1/claims/{}/status", claim_of[debtor]),
            &[
                ("Authorization", format!("Bearer {ADMIN}")),
                ("Content-Type", "application/json".into()),
            ],
            &serde_json::to_vec(&serde_json::json!({"creditor": "acme",
                "state": "in-progress", "collected": collected}))
            .unwrap(),
        );
        assert_eq!(s, 200, "{b}");
    };
    let total_of = |debtor: &str| -> String {
        let subs: Vec<serde_json::Value> =
            serde_json::from_str(&stdout(&submissions_cmd(&data, &["--format", "json"]))).unwrap();
        subs.iter()
            .find(|r| r["claim"] == claim_of[debtor])
            .unwrap()["total"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = total_of("D1");
    let r1 = serde_json::json!({"id": "r1", "date": "2026-06-20", "amount": "800.00"});
    patch("D1", serde_json::json!([r1.clone()]));
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    patch(
        "D1",
        serde_json::json!([r1,
            {"id": "r1x", "date": "2026-06-22", "amount": "-800.00", "reverses": "r1"},
            {"id": "r2", "date": "2026-06-21", "amount": first}]),
    );
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("held"), "{}", stderr(&o));
    assert_eq!(agency_truth(server.addr)["D1"].0, "withdrawn");

    // D2: more than its claim with no update between, then more again.
    let d2 = total_of("D2");
    patch(
        "D2",
        serde_json::json!([{"id": "s1", "date": "2026-06-20", "amount": d2}]),
    );
    assert!(submissions_cmd(&data, &["--refresh"]).status.success());
    patch(
        "D2",
        serde_json::json!([{"id": "s1", "date": "2026-06-20", "amount": d2},
            {"id": "s2", "date": "2026-06-21", "amount": "10.00"}]),
    );
    let o = submissions_cmd(&data, &["--refresh"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("receipt s2 of claim")
            && stderr(&o).contains("nothing is owed on the claim any more"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_agency_reports_back_and_what_it_collected_is_booked_on_postgres() {
    on_postgres(the_agency_reports_back_and_what_it_collected_is_booked);
}

/// The agency records progress and money it collected; the creditor's refresh books that money
/// against the claimed invoices once (however often it runs), shows the states, and its next
/// submission tells the agency the new truth: the claim paid through the agency is withdrawn
/// as paid, the part-paid one updated.
#[test]
fn the_agency_reports_back_and_what_it_collected_is_booked() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let claim_of = claim_ids(server.addr);
    let patch = |debtor: &str, token: &str, body: serde_json::Value| {
        http(
            server.addr,
            "PATCH",
            &format!("/v1/claims/{}/status", claim_of[debtor]),
            &[
                ("Authorization", format!("Bearer {token}")),
                ("Content-Type", "application/json".into()),
            ],
            &serde_json::to_vec(&body).unwrap(),
        )
    };
    let plan = serde_json::json!({"creditor": "acme", "state": "payment-plan", "note": "4 terms",
        "collected": [{"id": "r1", "date": "2026-06-25", "amount": "250.00"}]});
    let (s, _, b) = patch("D1", ADMIN, plan.clone());
    assert_eq!(s, 200, "{b}");
    // A retry changes nothing; a recorded amount cannot change; only the agency records.
    let (s, h, _) = patch("D1", ADMIN, plan.clone());
    assert_eq!(s, 200);
    assert!(
        h.to_lowercase().contains("idempotency-replayed: true"),
        "{h}"
    );
    let mut changed = plan.clone();
    changed["collected"][0]["amount"] = "300.00".into();
    assert_eq!(patch("D1", ADMIN, changed).0, 409);
    assert_eq!(patch("D1", ACME, plan.clone()).0, 401);
    let mut other = plan.clone();
    other["creditor"] = "beta".into();
    assert_eq!(
        patch("D1", ADMIN, other).0,
        404,
        "claim ids are per creditor"
    );
    let (s, _, b) = patch(
        "D2",
        ADMIN,
        serde_json::json!({"creditor": "acme", "state": "closed-paid", "collected": [
            {"id": "r2", "date": "2026-06-26", "amount": "800.00"},
            {"id": "r3", "date": "2026-06-26", "amount": "95.00"}]}),
    );
    assert_eq!(s, 200, "{b}");
    let (s, _, b) = patch(
        "D3",
        ADMIN,
        serde_json::json!({"creditor": "acme", "state": "in-progress"}),
    );
    assert_eq!(s, 200, "{b}");

    // The creditor reads it back and books what was collected, once.
    let refresh = || submissions_cmd(&data, &["--refresh", "--format", "json"]);
    let o = refresh();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("3 claim status(es) recorded, 3 amount(s)"),
        "{}",
        stderr(&o)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let state = |claim: &str| {
        let r = rows.iter().find(|r| r["claim"] == claim).unwrap();
        (
            r["agency_state"].as_str().unwrap().to_string(),
            r["collected"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        state(&claim_of["D1"]),
        ("payment-plan".into(), "250.00".into())
    );
    assert_eq!(
        state(&claim_of["D2"]),
        ("closed-paid".into(), "895.00".into())
    );
    assert_eq!(state(&claim_of["D3"]), ("in-progress".into(), "0".into()));
    let allocations = || {
        let csv = ok(incasso(
            &data,
            &["allocations", "--as-of", CLAIMS_AS_OF, "--format", "csv"],
        ));
        let mut agency: Vec<String> = csv
            .lines()
            .filter(|l| l.starts_with("agency:"))
            .map(str::to_string)
            .collect();
        agency.sort();
        agency
    };
    let booked = allocations();
    assert_eq!(booked.len(), 2, "{booked:?}");
    assert!(
        booked.contains(&format!(
            "agency:{}:r1,F2026-101,250.00,manual,100",
            claim_of["D1"]
        )),
        "{booked:?}"
    );
    assert!(
        booked.contains(&format!(
            "agency:{}:r2,F2026-201,800.00,manual,100",
            claim_of["D2"]
        )),
        "the 95.00 above the invoice (costs) stays unapplied: {booked:?}"
    );
    let report = dir.path().join("report.html");
    ok(incasso(
        &data,
        &[
            "report",
            "--as-of",
            CLAIMS_AS_OF,
            "--out",
            report.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("as the agency reports it")
            && html.contains("<td>closed-paid</td><td class=\"n\">1</td>"),
        "the report shows the agency's states"
    );
    let o = refresh();
    assert!(stderr(&o).contains("0 change(s) read"), "{}", stderr(&o));
    assert_eq!(
        allocations(),
        booked,
        "a second refresh books nothing again"
    );

    // The next submission tells the agency: D2 was paid (through it), D1 is 750.00 now. D2's
    // withdrawal says the agency collected it, not that the creditor was paid (review 41f).
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "F2026-201 was collected by the agency (agency:{}:r2)",
            claim_of["D2"]
        )),
        "{}",
        stdout(&o)
    );
    let truth = agency_truth(server.addr);
    assert_eq!(truth["D1"].0, "open");
    assert_eq!(truth["D1"].1, 2, "an update");
    assert_eq!(
        (truth["D2"].0.as_str(), truth["D2"].2.as_str()),
        ("withdrawn", "paid")
    );
    assert_eq!(truth["D3"], ("open".to_string(), 1, String::new()));

    // The feed: in commit order, whole however it is paged; a creditor sees its own.
    let all = feed(server.addr, ADMIN, 2);
    let seqs: Vec<u64> = all.iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let events: Vec<&str> = all.iter().map(|c| c["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "new",
            "new",
            "new",
            "status",
            "status",
            "status",
            "update",
            "withdrawn"
        ],
        "{all:?}"
    );
    // Each change that brought a revision carries that revision's claim, also once a later one
    // replaced it (the sled store keeps a body once: in the claim while it is the latest).
    for c in &all {
        match c["event"].as_str().unwrap() {
            "new" | "update" => {
                assert_eq!(c["claim"]["claim_id"], c["claim_id"], "{c}");
                assert_eq!(c["claim"]["revision"], c["revision"], "{c}");
            }
            _ => assert!(c["claim"].is_null(), "{c}"),
        }
    }
    let brought = |event: &str| {
        all.iter()
            .find(|c| c["event"] == event && c["claim_id"] == claim_of["D1"].as_str())
            .unwrap_or_else(|| panic!("D1's {event} is in the feed: {all:?}"))
    };
    assert_ne!(
        brought("new")["claim"]["total"],
        brought("update")["claim"]["total"],
        "revision 1 as it was sent, not the latest"
    );
    assert_eq!(feed(server.addr, ACME, 1000), all);
    // Without the claims (what a creditor's refresh asks): the same changes, no claim in any.
    let without: Vec<serde_json::Value> = all
        .iter()
        .cloned()
        .map(|mut c| {
            c["claim"] = serde_json::Value::Null;
            c
        })
        .collect();
    assert_eq!(feed_asking(server.addr, ACME, 3, "&claims=false"), without);
    let get = |path: &str| {
        http(
            server.addr,
            "GET",
            path,
            &[("Authorization", format!("Bearer {ADMIN}"))],
            b"",
        )
    };
    assert_eq!(get("/v1/changes?after=x").0, 400);
    // A query that does not parse gets the API's JSON error, as every other refusal does.
    for bad in ["/v1/changes?claims=maybe", "/v1/changes?limit=ten"] {
        let (status, _, body) = get(bad);
        assert_eq!(status, 400, "{bad}: {body}");
        let answer: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{bad}: not JSON ({e}): {body}"));
        assert_eq!(answer["error"], "bad-query", "{bad}: {body}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("claims=true|false"),
            "{bad}: {body}"
        );
    }
    // A cursor names its feed: one from another (a restored or moved database), or past the
    // end, is refused rather than read as "nothing new".
    // It also names the change it was given after: another change under that number (a
    // database restored from a backup numbers its changes again) is refused too.
    let first: serde_json::Value = serde_json::from_str(&get("/v1/changes?limit=1").2).unwrap();
    let next = first["next"].as_str().unwrap();
    let parts: Vec<&str> = next.split('.').collect();
    let (epoch, n, tag) = (parts[0], parts[1], parts[2]);
    assert_eq!(n, "1");
    assert_eq!(tag.len(), 12, "{next}");
    assert_eq!(get(&format!("/v1/changes?after={next}")).0, 200);
    assert_eq!(
        get(&format!("/v1/changes?after={epoch}.1")).0,
        200,
        "a cursor given out before the tag"
    );
    assert_eq!(
        get(&format!("/v1/changes?after={epoch}.1.000000000000")).0,
        410
    );
    assert_eq!(get("/v1/changes?after=0123456789abcdef.1").0, 410);
    assert_eq!(get(&format!("/v1/changes?after={epoch}.999")).0, 410);

    // D1's direct debit to the agency bounced: the agency reverses r1 whole; the creditor takes
    // the 250.00 back off F2026-101 and tells the agency (revision 3). A reversal must name a
    // receipt and undo it whole.
    let mut bounced = plan.clone();
    bounced["state"] = "in-progress".into();
    bounced["collected"] = serde_json::json!([
        {"id": "r1", "date": "2026-06-25", "amount": "250.00"},
        {"id": "r1-back", "date": "2026-06-27", "amount": "-250.00", "reverses": "r1"}]);
    let mut half = bounced.clone();
    half["collected"][1]["amount"] = "-100.00".into();
    assert_eq!(patch("D1", ADMIN, half).0, 422);
    let mut loose = bounced.clone();
    loose["collected"][1]["reverses"] = serde_json::Value::Null;
    assert_eq!(patch("D1", ADMIN, loose).0, 422);
    let (s, _, b) = patch("D1", ADMIN, bounced);
    assert_eq!(s, 200, "{b}");
    let o = refresh();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !allocations().iter().any(|a| a.contains(":r1,")),
        "the bounced receipt pays nothing: {:?}",
        allocations()
    );
    let o = submit(&data);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        agency_truth(server.addr)["D1"],
        ("open".to_string(), 3, String::new())
    );
}

/// Review 42b, B6: the books move an invoice at the agency to another debtor (a workbook of the
/// books disagrees with the CSV, and a person takes its version). While the conflict waits the
/// claim is withdrawn; once resolved, the new debtor's claim goes as a new claim, and the agency
/// holds the old debtor's withdrawn: before, the old claim came back as a revision with its
/// debtor changed.
#[test]
fn an_invoice_moved_to_another_debtor_goes_in_a_new_claim() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let old = claim_ids(server.addr)["D3"].clone();
    let book = dir.path().join("books.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Factuurnummer",
        "Factuurdatum",
        "Vervaldatum",
        "Debiteurnummer",
        "Naam",
        "Type debiteur",
        "Bedrag incl. BTW",
        "Status",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "F2026-301",
        "01-02-2026",
        "03-03-2026",
        "D7",
        "Eta B.V.",
        "Zakelijk",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_number(1, 6, 600.0).unwrap();
    ws.write_string(1, 7, "Openstaand").unwrap();
    wb.save(&book).unwrap();
    let said = ok(incasso(&data, &["import", book.to_str().unwrap()]));
    assert!(said.contains("1 in conflict"), "{said}");
    // Held while the conflict waits: withdrawn from the agency.
    submit_saying(&data, "1 withdrawn");
    let ids = ok(incasso(&data, &["conflicts", "--format", "csv"]));
    let id = ids
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    ok(incasso(
        &data,
        &["conflicts", "resolve", &id, "--keep", "incoming"],
    ));
    submit_saying(&data, "submitted: 1 accepted,");
    let d7 = exported_for(server.addr, "D7");
    assert_eq!(d7["status"], "open", "{d7}");
    assert_ne!(d7["claim"]["claim_id"], old, "a new claim: {d7}");
    assert_eq!(d7["claim"]["revision"], 1, "{d7}");
    let d3 = exported_for(server.addr, "D3");
    assert_eq!(d3["status"], "withdrawn", "{d3}");
}

/// Review 42d, A3: while a file waits in the inbox's quarantine, the nightly run sends no claim
/// (what the file says may make a debt owed) but still takes back what the books no longer
/// claim: a claim paid since was left at the agency for as long as the file waited.
#[test]
fn a_quarantined_file_holds_new_claims_but_not_withdrawals() {
    let dir = tempfile::tempdir().unwrap();
    let (server, data) = truth_ledger_at_the_agency(dir.path());
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(inbox.join("quarantine")).unwrap();
    std::fs::write(inbox.join("quarantine/kapot.csv"), "broken").unwrap();
    let paid = dir.path().join("paid.csv");
    std::fs::write(
        &paid,
        TRUTH_LEDGER.replace(
            "F2026-301;01-02-2026;03-03-2026;D3;Gamma B.V.;Zakelijk;600,00;0,00;600,00;EUR;;;Openstaand",
            "F2026-301;01-02-2026;03-03-2026;D3;Gamma B.V.;Zakelijk;600,00;0,00;600,00;EUR;;;Betaald",
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", paid.to_str().unwrap()]));
    let config = dir.path().join("incasso.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ninbox = {:?}\nreport = {:?}\nsubmit = true\nclaims_as_of = \"{CLAIMS_AS_OF}\"\nsettle_ms = 50\n",
            data.to_str().unwrap(),
            inbox.to_str().unwrap(),
            dir.path().join("report.html").to_str().unwrap()
        ),
    )
    .unwrap();
    let o = nightly_run(&config);
    assert_eq!(
        o.status.code(),
        Some(1),
        "partial: {}\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("claims are not submitted (withdrawals are)"),
        "{}",
        stdout(&o)
    );
    assert_eq!(exported_for(server.addr, "D3")["status"], "withdrawn");
    assert_eq!(exported_for(server.addr, "D1")["status"], "open");
}
