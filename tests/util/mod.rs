//! What every test module shares: the workspace's folders, running the `incasso` binary, and
//! reading what it said.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn fixture(p: &str) -> PathBuf {
    root().join("fixtures").join(p)
}

pub fn incasso(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run incasso")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Imports fixture files (paths under `fixtures/`) into `data`; what the import said.
pub fn import_fixtures(data: &Path, files: &[&str]) -> String {
    let paths: Vec<PathBuf> = files.iter().map(|f| fixture(f)).collect();
    let mut args = vec!["import"];
    args.extend(paths.iter().map(|p| p.to_str().expect("a UTF-8 path")));
    ok(incasso(data, &args))
}

pub const AS_OF: &str = "2026-11-23";

pub fn assert_rejected(file: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    let before = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    let path = fixture(file);
    let o = incasso(&data, &["import", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{file} must fail: {}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(path.to_str().unwrap()),
        "{file}: error must name the file: {err}"
    );
    for e in expect {
        assert!(err.contains(e), "{file}: expected '{e}' in: {err}");
    }
    assert!(err.contains("nothing from this file was stored"), "{err}");
    assert_eq!(
        before,
        ok(incasso(
            &data,
            &["receivables", "--as-of", AS_OF, "--format", "csv"]
        )),
        "{file} changed the store"
    );
    let imports = ok(incasso(&data, &["audit", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&imports).unwrap();
    assert_eq!(
        v["imports"].as_array().unwrap().len(),
        1,
        "{file} left an import record"
    );
}

/// Rate tables that reach past the built-in ones, for tests dated after them. The rates are the
/// built-in tables' last rates carried forward: test data, not a statement of the law.
/// `incasso claims --format json` as of [`AS_OF`] under the given rate tables.
pub fn claims_json(data: &Path, rates: &Path) -> serde_json::Value {
    claims_json_with(data, rates, &[])
}

/// [`claims_json`] with more arguments (`--policy FILE`, ...).
pub fn claims_json_with(data: &Path, rates: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "claims",
        "--as-of",
        AS_OF,
        "--rates",
        rates.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(incasso(data, &args))).unwrap()
}

pub fn extended_rates(dir: &Path) -> PathBuf {
    let rates = dir.join("rates");
    std::fs::create_dir_all(&rates).unwrap();
    let src = root().join("core/src/law/rates");
    for name in ["nl-6-119.csv", "nl-6-119a.csv", "be-2002-b2b.csv"] {
        let text = std::fs::read_to_string(src.join(name))
            .unwrap()
            .replace("# known_until: 2026-06-30", "# known_until: 2027-12-31");
        std::fs::write(rates.join(name), text).unwrap();
    }
    rates
}

pub fn blake3_hex(bytes: &[u8]) -> String {
    // The store names attachments by BLAKE3; recompute it with the same crate the connector uses.
    incasso_connectors::source::hash_hex(bytes)
}

/// What a person sees of a run: the exit code, stdout and stderr, with the paths named replaced
/// by placeholders (for snapshots).
pub fn seen(o: &Output, paths: &[(&Path, &str)]) -> String {
    let mut text = format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
    for (p, name) in paths {
        text = text.replace(&p.display().to_string(), name);
    }
    text
}

/// The test cluster's URL (`.ci/with-services` exports it), or None where there is none: then
/// the PostgreSQL tests are skipped, except under `CI=true`, where that is a failure.
pub fn postgres_url() -> Option<String> {
    match std::env::var("INCASSO_TEST_DATABASE") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "INCASSO_TEST_DATABASE is not set under CI=true: run the tests through .ci/with-services"
            );
            eprintln!("no INCASSO_TEST_DATABASE: skipping a PostgreSQL test (run through .ci/with-services)");
            None
        }
    }
}

/// Runs SQL on a database of the test cluster, returning every row's columns as text.
pub fn sql(url: &str, query: &str) -> Vec<Vec<Option<String>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connecting to the test database: {e}"));
        tokio::spawn(conn);
        let msgs = client
            .simple_query(query)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        msgs.into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    })
}

/// A new, empty database on the test cluster, for one test's agency; None where there is no
/// cluster (see [`postgres_url`]).
pub fn fresh_database() -> Option<String> {
    let base = postgres_url()?;
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "t{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    sql(&base, &format!("CREATE DATABASE {name}"));
    let (server, _) = base.rsplit_once('/').expect("a URL ending in /DATABASE");
    Some(format!("{server}/{name}"))
}

/// A PostgreSQL cluster of one test's own, for tests that stop or restart the database under
/// load; started with the binaries `.ci/with-services` found (`INCASSO_TEST_PG_BIN`).
pub struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    owner: Option<String>,
    /// `postgres://incasso@127.0.0.1:PORT/postgres`.
    pub url: String,
    port: u16,
}

impl PrivateCluster {
    /// Starts one; None where there is no test cluster (see [`postgres_url`]).
    pub fn start() -> Option<PrivateCluster> {
        postgres_url()?;
        let bin = PathBuf::from(
            std::env::var("INCASSO_TEST_PG_BIN")
                .expect("INCASSO_TEST_PG_BIN from .ci/with-services"),
        );
        let owner = std::env::var("INCASSO_TEST_PG_OWNER")
            .ok()
            .filter(|o| !o.is_empty());
        let dir = tempfile::tempdir().unwrap();
        if let Some(o) = &owner {
            ok_status(Command::new("chown").arg(o).arg(dir.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = PrivateCluster {
            url: format!("postgres://incasso@127.0.0.1:{port}/postgres"),
            dir,
            bin,
            owner,
            port,
        };
        let data = c.dir.path().join("data");
        ok_status(c.as_owner("initdb").arg("-D").arg(&data).args([
            "-U",
            "incasso",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]));
        c.pg_ctl(&["start"]);
        Some(c)
    }

    fn as_owner(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        match &self.owner {
            Some(o) => {
                let runuser =
                    std::env::var("INCASSO_TEST_RUNUSER").unwrap_or_else(|_| "runuser".into());
                let mut c = Command::new(runuser);
                c.args(["-u", o, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    fn pg_ctl(&self, what: &[&str]) {
        let d = self.dir.path();
        ok_status(
            self.as_owner("pg_ctl")
                .arg("-D")
                .arg(d.join("data"))
                .arg("-l")
                .arg(d.join("server.log"))
                .args(["-w", "-o"])
                .arg(format!(
                    "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
                    self.port,
                    d.display()
                ))
                .args(what),
        );
    }

    /// Stops the server as a crash would (no shutdown checkpoint) and starts it again.
    pub fn crash_and_restart(&self) {
        self.pg_ctl(&["-m", "immediate", "stop"]);
        self.pg_ctl(&["start"]);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn ok_status(c: &mut Command) {
    let o = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert!(o.status.success(), "{c:?}: {}\n{}", stdout(&o), stderr(&o));
}

/// The rule and reason that keep invoice `number` from a claim in claims JSON, if any.
pub fn excluded_rule(v: &serde_json::Value, number: &str) -> Option<(String, String)> {
    v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["number"] == number)
        .map(|e| {
            (
                e["rule"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
}

/// The debtors claims JSON claims, in its order.
pub fn claimed_debtors(v: &serde_json::Value) -> Vec<&str> {
    v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["debtor"]["id"].as_str().unwrap())
        .collect()
}

/// The invoice numbers claims JSON claims, sorted.
pub fn claimed_numbers(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["items"].as_array().unwrap())
        .map(|i| i["number"].as_str().unwrap().to_string())
        .collect();
    out.sort_unstable();
    out
}

/// The folders of a fixture set, in name order.
pub fn folders_of(set: &str) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(fixture(set))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders
}

/// A fresh store with a fixture folder's files imported: `ledger.csv` first, then the others in
/// name order (not its `README.md` or `expected.txt`).
pub fn store_of_folder(folder: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != "README.md" && n != "expected.txt")
        })
        .collect();
    files.sort_by_key(|p| {
        (
            p.file_name().is_none_or(|n| n != "ledger.csv"),
            p.file_name().map(|n| n.to_os_string()),
        )
    });
    for f in &files {
        ok(incasso(&data, &["import", f.to_str().unwrap()]));
    }
    (dir, data)
}

/// A store in a temporary directory (returned, to keep it) with `csv` imported as its ledger;
/// the data directory.
pub fn store_with_ledger(csv: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, csv).unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    (dir, data)
}
