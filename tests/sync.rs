//! End-to-end tests of `incasso sync`: the real binary against local stand-ins of Moneybird,
//! Exact Online and Xero on 127.0.0.1 (`api_server`), with real sled stores in temp dirs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::api_server::{self, Fault, Server, Upstream};
use incasso_core::model::{DocumentStatus, LedgerDocument, Location};

fn incasso(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_incasso"));
    c.arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .env("MB_TOKEN", api_server::MB_TOKEN)
        .env("API_CLIENT_ID", api_server::CLIENT_ID)
        .env("API_CLIENT_SECRET", api_server::CLIENT_SECRET)
        .env("API_REFRESH", api_server::FIRST_REFRESH)
        .env_remove("RUST_LOG");
    c
}

fn sync(dir: &Path, extra: &[&str]) -> Output {
    let cfg = dir.join("incasso.toml");
    let cfg = cfg.to_str().unwrap();
    let mut args = vec!["sync", "--config", cfg];
    args.extend_from_slice(extra);
    incasso(dir, &args).output().unwrap()
}

/// A Moneybird sync whose sales invoices lack `field`: it fails (exit 1); its directory and
/// output.
fn moneybird_without(field: &'static str) -> (tempfile::TempDir, String) {
    let server = api_server::start(Upstream::with(1, 3));
    server
        .up()
        .fault("POST mb/sales_invoices", Fault::MissingField(field));
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    let o = sync(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    (dir, out)
}

/// A stand-in of `kind` serving `up`, and a data directory configured for it and synced once
/// (asserted to succeed), with what the sync said.
fn synced(up: Upstream, kind: &str) -> (Server, tempfile::TempDir, Output) {
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, kind, "");
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    (server, dir, o)
}

/// Runs incasso in `dir` and asserts that it succeeded (its output in the message if not).
fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let o = incasso(dir, args).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    o
}

/// The claims as of 2026-06-30, as JSON.
fn claims_json(dir: &Path) -> serde_json::Value {
    let o = run_ok(
        dir,
        &["claims", "--as-of", "2026-06-30", "--format", "json"],
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes the job configuration with one source of `kind` against the stand-in.
fn configure(dir: &Path, server: &Server, kind: &str, extra: &str) {
    let url = server.url();
    let body = match kind {
        "moneybird" => format!(
            "[[source]]\nname = \"mb\"\nkind = \"moneybird\"\nadministration = \"123456789012345678\"\nbase_url = \"{url}/mb\"\ntoken_env = \"MB_TOKEN\"\nbase_delay_ms = 10\n{extra}"
        ),
        "exact" => format!(
            "[[source]]\nname = \"ex\"\nkind = \"exact\"\ndivision = 499156\nbase_url = \"{url}/exact\"\nclient_id_env = \"API_CLIENT_ID\"\nclient_secret_env = \"API_CLIENT_SECRET\"\nrefresh_token_env = \"API_REFRESH\"\nbase_delay_ms = 10\ncalls_per_minute = 6000\n{extra}"
        ),
        "twinfield" => format!(
            "[[source]]\nname = \"tw\"\nkind = \"twinfield\"\noffice = \"{}\"\nlogin_url = \"{url}/twinfield\"\nfirst_year = 2024\nclient_id_env = \"API_CLIENT_ID\"\nclient_secret_env = \"API_CLIENT_SECRET\"\nrefresh_token_env = \"API_REFRESH\"\nbase_delay_ms = 10\ncalls_per_minute = 60000\n{extra}",
            api_server::twinfield::OFFICE
        ),
        _ => format!(
            "[[source]]\nname = \"xe\"\nkind = \"xero\"\ntenant = \"{}\"\nbase_url = \"{url}/xero\"\ntoken_url = \"{url}/xero/connect/token\"\nclient_id_env = \"API_CLIENT_ID\"\nclient_secret_env = \"API_CLIENT_SECRET\"\nrefresh_token_env = \"API_REFRESH\"\nbase_delay_ms = 10\ncalls_per_minute = 6000\n{extra}",
            api_server::TENANT
        ),
    };
    std::fs::write(dir.join("incasso.toml"), body).unwrap();
}

fn documents(dir: &Path) -> Vec<LedgerDocument> {
    let store = incasso_store::Store::open(&dir.join("data")).unwrap();
    store.documents().unwrap()
}

fn doc<'a>(docs: &'a [LedgerDocument], number: &str) -> &'a LedgerDocument {
    docs.iter()
        .find(|d| d.document.number.as_str() == number)
        .unwrap_or_else(|| panic!("{number} not in the ledger"))
}

fn assert_no_secret(out: &str) {
    for s in [
        api_server::MB_TOKEN,
        api_server::CLIENT_SECRET,
        api_server::FIRST_REFRESH,
        "very-secret",
    ] {
        assert!(!out.contains(s), "a secret was printed: {out}");
    }
}

#[test]
fn moneybird_batches_of_100_and_a_second_sync_is_one_request_per_endpoint() {
    let server = api_server::start(Upstream::with(5, 250));
    server.up().invoices[7].open = "20.00".into();
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    let o = sync(dir.path(), &["-v"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_no_secret(&text(&o));
    assert_eq!(
        server.up().count("POST mb/sales_invoices"),
        3,
        "250 ids in batches of 100"
    );
    let docs = documents(dir.path());
    assert_eq!(docs.len(), 250);
    let d = doc(&docs, "2026-000008");
    assert_eq!(
        d.document.debtor.as_str(),
        "D00002",
        "the customer number, not the contact id"
    );
    assert_eq!(d.document.source_open, Some("20.00".parse().unwrap()));
    assert!(
        matches!(&d.provenance.location, Location::ApiRecord(r) if r.contains("sales_invoices/400000000000000007"))
    );
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let booked = store
        .payments_of(&[incasso_core::model::PaymentKind::AppliedUpstream])
        .unwrap();
    assert_eq!(
        booked.len(),
        1,
        "the payment booked on the part-paid invoice"
    );
    assert_eq!(
        booked[0].amount.amount(),
        d.document.total - "20.00".parse::<rust_decimal::Decimal>().unwrap()
    );
    let imports = store.imports().unwrap().len();
    drop(store);

    let before = server.up().log.len();
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let log = server.up().log[before..].to_vec();
    assert_eq!(
        log.len(),
        3,
        "one listing per endpoint, nothing fetched: {log:?}"
    );
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    assert_eq!(store.imports().unwrap().len(), imports, "nothing written");
}

#[test]
fn moneybird_changes_and_deletions_reach_the_ledger_and_an_empty_listing_is_suspicious() {
    let server = api_server::start(Upstream::with(3, 30));
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    assert!(sync(dir.path(), &[]).status.success());
    {
        let mut up = server.up();
        up.delete(3);
        up.invoices[5].status = "paid";
        up.invoices[5].open = "0.00".into();
        up.touch(5);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        server.up().count("POST mb/sales_invoices"),
        2,
        "only the changed invoice fetched"
    );
    let docs = documents(dir.path());
    let deleted = doc(&docs, "2026-000004");
    assert_eq!(deleted.document.status, DocumentStatus::Void);
    assert!(
        matches!(&deleted.provenance.location, Location::ApiRecord(r) if r.contains("deleted upstream")),
        "{:?}",
        deleted.provenance
    );
    assert_eq!(deleted.version, 2, "the open version is kept as history");
    assert_eq!(
        doc(&docs, "2026-000006").document.status,
        DocumentStatus::Paid
    );

    // A listed id that the fetch leaves out: kept as it was, and said.
    let omitted = {
        let mut up = server.up();
        up.touch(9);
        let id = up.invoices[9].id.clone();
        up.fault("POST mb/sales_invoices", Fault::Omit(id.clone()));
        id
    };
    let o = sync(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&omitted) && text(&o).contains("did not come back"),
        "{}",
        text(&o)
    );
    assert_eq!(
        doc(&documents(dir.path()), "2026-000010").document.status,
        DocumentStatus::Open
    );

    server.up().fault("GET mb/sales_invoices", Fault::EmptyList);
    let o = sync(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("suspicious"), "{}", text(&o));
    let docs = documents(dir.path());
    let void = docs
        .iter()
        .filter(|d| d.document.status == DocumentStatus::Void)
        .count();
    assert_eq!(void, 1, "nothing more was deleted");
}

#[test]
fn moneybird_5xx_and_429_are_retried_and_bad_answers_stop_with_their_place() {
    let server = api_server::start(Upstream::with(2, 120));
    {
        let mut up = server.up();
        up.fault("POST mb/sales_invoices", Fault::Status(502));
        up.fault("POST mb/sales_invoices", Fault::Status(500));
        up.fault("GET mb/contacts", Fault::RetryAfter(1));
    }
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    let started = Instant::now();
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was honoured"
    );
    // The second pass after the first finds nothing changed.
    assert_eq!(server.up().count("GET mb/contacts"), 3);
    assert_eq!(
        server.up().count("POST mb/sales_invoices"),
        4,
        "two failures, then both batches"
    );
    assert_eq!(documents(dir.path()).len(), 120);

    // Malformed JSON: the sync stops, names the endpoint, keeps what was stored.
    let server = api_server::start(Upstream::with(2, 150));
    server.up().fault("POST mb/sales_invoices", Fault::Hang(0));
    server
        .up()
        .fault("POST mb/sales_invoices", Fault::Malformed);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    let o = sync(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains("/sales_invoices/synchronization.json") && out.contains("malformed JSON"),
        "{out}"
    );
    assert_eq!(
        documents(dir.path()).len(),
        100,
        "the first batch stays, the bad one is absent"
    );
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(documents(dir.path()).len(), 150, "the next run completes");

    // A missing field names the record and the field.
    let (dir, out) = moneybird_without("total_price_incl_tax");
    assert!(
        out.contains("total_price_incl_tax") && out.contains("400000000000000000"),
        "{out}"
    );
    assert!(documents(dir.path()).is_empty());
}

#[test]
fn a_sync_killed_mid_way_resumes_after_the_last_stored_page() {
    let server = api_server::start(Upstream::with(2, 350));
    server.up().fault("POST mb/sales_invoices", Fault::Hang(0));
    server.up().fault("POST mb/sales_invoices", Fault::Hang(0));
    server
        .up()
        .fault("POST mb/sales_invoices", Fault::Hang(60_000));
    let dir = tempfile::tempdir().unwrap();
    // Every page its own commit (the default gathers 5000 records).
    configure(
        dir.path(),
        &server,
        "moneybird",
        "records_per_commit = 100\n",
    );
    let cfg = dir.path().join("incasso.toml");
    let mut child = incasso(dir.path(), &["sync", "--config", cfg.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.up().count("POST mb/sales_invoices") < 3 {
        assert!(
            Instant::now() < deadline,
            "the third batch was never asked for"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        documents(dir.path()).len(),
        200,
        "two batches were stored before the kill"
    );
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        server.up().count("POST mb/sales_invoices"),
        5,
        "the resume fetched only the last 150"
    );
    assert_eq!(documents(dir.path()).len(), 350);
}

#[test]
fn exact_pages_by_timestamp_refreshes_tokens_and_applies_deletions() {
    let mut up = Upstream::with(3, 250);
    up.exact_page = 100;
    up.invoices[1].open = "0.00".into();
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "exact", "");
    server
        .up()
        .fault("GET exact/SalesInvoice/SalesInvoices", Fault::Hang(0));
    server
        .up()
        .fault("GET exact/SalesInvoice/SalesInvoices", Fault::ExpireToken);
    let o = sync(dir.path(), &[]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert_no_secret(&out);
    assert_eq!(
        server.up().count("GET exact/SalesInvoice/SalesInvoices"),
        5,
        "3 pages, one retried after the refresh, and a pass that finds nothing changed"
    );
    assert_eq!(server.up().refreshes, 2, "first token, then after the 401");
    let token_file = dir.path().join("data/tokens/ex.json");
    let saved = std::fs::read_to_string(&token_file).unwrap();
    assert!(
        saved.contains(&server.up().refresh),
        "the rotated refresh token is saved"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let docs = documents(dir.path());
    assert_eq!(docs.len(), 250);
    let d = doc(&docs, "2026000001");
    assert_eq!(
        d.document.issue_date.to_string(),
        "2026-03-01",
        "CET midnight is that day"
    );
    assert_eq!(
        d.document.due_date.to_string(),
        "2026-04-30",
        "CEST midnight is that day"
    );
    assert_eq!(
        d.document.debtor.as_str(),
        "D00000",
        "the account code, trimmed"
    );
    assert_eq!(
        doc(&docs, "2026000002").document.status,
        DocumentStatus::Paid,
        "from the open items"
    );

    // A second run: one request per endpoint, the refresh token from the file (single use).
    let before = server.up().log.len();
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let log: Vec<String> = server.up().log[before..]
        .iter()
        .filter(|l| !l.contains("token"))
        .cloned()
        .collect();
    assert_eq!(log.len(), 4, "{log:?}");

    server.up().delete(10);
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let docs = documents(dir.path());
    assert_eq!(
        doc(&docs, "2026000011").document.status,
        DocumentStatus::Void
    );
}

#[test]
fn exact_instalments_add_up_and_a_deleted_term_does_not_void_its_invoice() {
    let mut up = Upstream::with(2, 10);
    up.invoices[0].instalments = vec!["0.00".into(), "60.00".into(), "40.00".into()];
    let (server, dir, _) = synced(up, "exact");
    let d = doc(&documents(dir.path()), "2026000001").document.clone();
    assert_eq!(
        d.source_open,
        Some("100.00".parse().unwrap()),
        "the open terms add up; a paid one does not make it paid"
    );
    assert_eq!(d.status, DocumentStatus::Open);

    {
        let mut up = server.up();
        up.delete_last_term(0);
        up.delete(5); // the invoice and its term, on one page of sync/Deleted
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let docs = documents(dir.path());
    let d = &doc(&docs, "2026000001").document;
    assert_eq!(
        d.status,
        DocumentStatus::Open,
        "a term deleted is not the invoice deleted"
    );
    assert_eq!(d.source_open, Some("60.00".parse().unwrap()));
    assert_eq!(
        doc(&docs, "2026000006").document.status,
        DocumentStatus::Void
    );
}

#[test]
fn an_invoice_in_a_ubl_file_and_in_moneybird_is_one_document() {
    let mut up = Upstream::with(1, 2);
    up.contacts[0].code = "aasdf".into();
    let inv = &mut up.invoices[0];
    inv.number = "12115118".into();
    inv.date = "2015-01-09".into();
    inv.due = "2015-01-09".into();
    inv.total = "242.00".into();
    inv.net = "200.00".into();
    inv.open = "42.00".into();
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    let ubl =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/ubl/nl-si-ubl-2.0-minimal.xml");
    run_ok(dir.path(), &["import", ubl.to_str().unwrap()]);
    configure(dir.path(), &server, "moneybird", "");
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let docs = store.documents().unwrap();
    assert_eq!(docs.len(), 2, "the shared invoice once, and the other");
    let d = doc(&docs, "12115118");
    assert_eq!(
        d.document.source_open,
        Some("42.00".parse().unwrap()),
        "Moneybird's open amount joins the UBL's document"
    );
    assert!(store.conflicts().unwrap().is_empty());
    let others = store.other_sources_of(&d.document.key()).unwrap();
    assert!(
        !others.is_empty(),
        "both sources are kept in the provenance"
    );
}

#[test]
fn a_dispute_recorded_from_a_file_survives_the_apis_open() {
    let server = api_server::start(Upstream::with(1, 2));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("openstaand.csv");
    std::fs::write(
        &csv,
        "Factuurnummer;Debiteurnummer;Factuurdatum;Vervaldatum;Bedrag incl. BTW;Status\n2026-000001;D00000;01-03-2026;30-04-2026;100,00;Betwist\n",
    )
    .unwrap();
    run_ok(dir.path(), &["import", csv.to_str().unwrap()]);
    configure(dir.path(), &server, "moneybird", "");
    assert!(sync(dir.path(), &[]).status.success());
    let d = doc(&documents(dir.path()), "2026-000001").document.clone();
    assert_eq!(d.status, DocumentStatus::Disputed);
    assert_eq!(d.source_open, Some("100.00".parse().unwrap()));
    {
        let mut up = server.up();
        up.invoices[0].open = "50.00".into();
        up.touch(0);
    }
    assert!(sync(dir.path(), &[]).status.success());
    let d = doc(&documents(dir.path()), "2026-000001").document.clone();
    assert_eq!(
        d.status,
        DocumentStatus::Disputed,
        "never claimed while disputed"
    );
    assert_eq!(
        d.source_open,
        Some("50.00".parse().unwrap()),
        "the API's open amount is live"
    );
}

#[test]
fn a_nightly_run_whose_sync_fails_submits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::write(
        dir.path().join("run.toml"),
        format!(
            "data_dir = \"{}\"\nsubmit = true\nclaims_as_of = \"2026-06-30\"\n\n[[source]]\nname = \"mb\"\nkind = \"moneybird\"\nadministration = \"1\"\nbase_url = \"http://127.0.0.1:9/mb\"\ntoken_env = \"MB_TOKEN\"\nmax_attempts = 1\n",
            data.display()
        ),
    )
    .unwrap();
    let cfg = dir.path().join("run.toml");
    let o = incasso(dir.path(), &["run", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "partial: {out}");
    assert!(out.contains("claims are not submitted"), "{out}");
    assert!(
        !out.contains("\"name\": \"submit\""),
        "no submit step: {out}"
    );
    assert_no_secret(&out);
}

#[test]
fn a_submission_by_hand_after_a_sync_that_did_not_complete_is_refused() {
    let server = api_server::start(Upstream::with(1, 3));
    server
        .up()
        .fault("POST mb/sales_invoices", Fault::Malformed);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    assert_eq!(sync(dir.path(), &[]).status.code(), Some(1));
    let data = dir.path().join("data");
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    std::fs::write(
        data.join("agency.toml"),
        "url = \"http://127.0.0.1:9\"\ncreditor = \"acme\"\ntoken_env = \"MB_TOKEN\"\nmax_attempts = 1\n",
    )
    .unwrap();
    let submit = || {
        incasso(dir.path(), &["submit", "--as-of", "2026-06-30"])
            .output()
            .unwrap()
    };
    let o = submit();
    assert!(!o.status.success());
    assert!(
        text(&o).contains("the last sync of mb did not complete"),
        "{}",
        text(&o)
    );
    // The preview says so too (review 41b): what it shows may be paid in the books.
    let claims = || {
        incasso(dir.path(), &["claims", "--as-of", "2026-06-30"])
            .output()
            .unwrap()
    };
    let o = claims();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("note: the last sync of mb did not complete"),
        "{}",
        text(&o)
    );
    // The next sync completes: the submission goes on (here to an agency that is not there).
    assert!(sync(dir.path(), &[]).status.success());
    let o = submit();
    assert!(!text(&o).contains("did not complete"), "{}", text(&o));
    assert!(!text(&claims()).contains("did not complete"));
}

#[test]
fn full_reconciles_deletions_the_log_no_longer_has_and_a_second_full_writes_nothing() {
    let server = api_server::start(Upstream::with(2, 40));
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "exact", "");
    assert!(sync(dir.path(), &[]).status.success());
    // Deleted upstream, but the deletion log (kept two months) no longer says so.
    server.up().invoices[7].deleted = true;
    assert!(sync(dir.path(), &[]).status.success());
    assert_eq!(
        doc(&documents(dir.path()), "2026000008").document.status,
        DocumentStatus::Open,
        "incremental cannot know"
    );
    let o = sync(dir.path(), &["--full", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary[0]["voided"], 1, "{summary}");
    let d = doc(&documents(dir.path()), "2026000008").clone();
    assert_eq!(d.document.status, DocumentStatus::Void);
    assert!(
        matches!(&d.provenance.location, Location::ApiRecord(r) if r.contains("deleted upstream"))
    );

    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let (imports, audit) = (
        store.imports().unwrap().len(),
        store.audit_log().unwrap().len(),
    );
    drop(store);
    let o = sync(dir.path(), &["--full"]);
    assert!(o.status.success(), "{}", text(&o));
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    assert_eq!(
        store.imports().unwrap().len(),
        imports,
        "a second --full with nothing changed imports nothing"
    );
    assert_eq!(
        store.audit_log().unwrap().len(),
        audit + 1,
        "only the sync's own audit entry"
    );
}

#[test]
fn exact_refusing_the_refresh_token_fails_without_printing_it_and_paces_by_the_headers() {
    let mut up = Upstream::with(1, 2);
    up.refuse_refresh = true;
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "exact", "");
    let o = sync(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("refused the refresh token") && out.contains("invalid_grant"),
        "{out}"
    );
    assert_no_secret(&out);

    server.up().refuse_refresh = false;
    server.up().minutely_exhausted_ms = Some(1200);
    let started = Instant::now();
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed() >= Duration::from_millis(3 * 1000),
        "each of the 4 calls after the first waited for the minute's reset"
    );
}

#[test]
fn xero_pages_since_the_cursor_and_never_uses_another_tenant() {
    let server = api_server::start(Upstream::with(4, 230));
    {
        let mut up = server.up();
        up.invoices[0].open = "10.00".into();
        up.invoices[2].status = "draft";
        up.fault("GET xero/Invoices", Fault::Status(503));
        up.fault("GET xero/Invoices", Fault::RetryAfter(1));
    }
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "xero", "");
    let o = sync(dir.path(), &[]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert_no_secret(&out);
    assert_eq!(
        server.up().count("GET xero/Invoices"),
        6,
        "3 pages and 2 retries, and a pass that finds nothing changed"
    );
    let docs = documents(dir.path());
    assert_eq!(docs.len(), 229, "the draft is not a receivable");
    assert_eq!(
        doc(&docs, "2026-000001").document.source_open,
        Some("10.00".parse().unwrap())
    );
    assert_eq!(
        doc(&docs, "2026-000001").document.debtor.as_str(),
        "D00000",
        "the contact's number, though the invoice names only its ContactID"
    );

    let before = server.up().log.len();
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let log: Vec<String> = server.up().log[before..]
        .iter()
        .filter(|l| !l.contains("token"))
        .cloned()
        .collect();
    assert_eq!(log.len(), 5, "one request per endpoint: {log:?}");

    server.up().delete(4);
    assert!(sync(dir.path(), &[]).status.success());
    assert_eq!(
        doc(&documents(dir.path()), "2026-000005").document.status,
        DocumentStatus::Void
    );

    // The wrong tenant: refused, and said so.
    let dir2 = tempfile::tempdir().unwrap();
    configure(dir2.path(), &server, "xero", "");
    let cfg = std::fs::read_to_string(dir2.path().join("incasso.toml"))
        .unwrap()
        .replace(api_server::TENANT, "00000000-0000-0000-0000-000000000000");
    std::fs::write(dir2.path().join("incasso.toml"), cfg).unwrap();
    server.up().refresh = api_server::FIRST_REFRESH.into();
    let o = sync(dir2.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("AuthenticationUnsuccessful"), "{out}");
    assert!(documents(dir2.path()).is_empty());
}

#[test]
fn a_secrets_file_others_can_read_is_refused() {
    let server = api_server::start(Upstream::with(1, 1));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("mb.token");
    std::fs::write(&token, api_server::MB_TOKEN).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let url = server.url();
    std::fs::write(
        dir.path().join("incasso.toml"),
        format!("[[source]]\nname = \"mb\"\nkind = \"moneybird\"\nadministration = \"1\"\nbase_url = \"{url}/mb\"\ntoken_file = \"{}\"\n", token.display()),
    )
    .unwrap();
    let o = sync(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("0600"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_no_secret(&text(&o));
}

/// `sync --config` writes where the configuration's `data_dir` says, as the nightly run does,
/// so the single-use refresh tokens it rotates are the ones the run presents next.
#[test]
fn sync_uses_the_data_dir_of_its_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("acme");
    let config = dir.path().join("incasso.toml");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", named.to_str().unwrap()),
    )
    .unwrap();
    let flag = dir.path().join("flag");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(&flag)
        .args(["sync", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(named.join("ledger.sled").is_dir(), "the configured store");
    assert!(!flag.exists(), "nothing where the flag pointed");
}

#[test]
fn a_secret_an_api_echoes_back_reaches_no_output_summary_or_audit_log() {
    let server = api_server::start(Upstream::with(5, 20));
    server.up().fault("mb/", Fault::EchoSecrets);
    server.up().fault("mb/", Fault::EchoSecrets);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    let summary = dir.path().join("summary.json");
    // An existing summary of wider mode is narrowed when rewritten.
    std::fs::write(&summary, "{}").unwrap();
    let mut cfg = std::fs::read_to_string(dir.path().join("incasso.toml")).unwrap();
    cfg = format!("summary = \"{}\"\n{cfg}", summary.display());
    std::fs::write(dir.path().join("incasso.toml"), cfg).unwrap();
    let o = sync(dir.path(), &[]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("[redacted]"),
        "the message is still shown: {out}"
    );
    assert_no_secret(&out);
    let cfg = dir.path().join("incasso.toml");
    let o = incasso(dir.path(), &["run", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_secret(&text(&o));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.contains("[redacted]"), "{written}");
    assert_no_secret(&written);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&summary).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the summary is readable by others");
    }
    let audit = incasso(dir.path(), &["audit", "--format", "json"])
        .output()
        .unwrap();
    let audit = text(&audit);
    assert!(audit.contains("sync"), "{audit}");
    assert_no_secret(&audit);
}

/// `receivables` as CSV: invoice number -> open amount.
fn open_amounts(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let o = run_ok(
        dir,
        &["receivables", "--as-of", "2026-06-30", "--format", "csv"],
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[4].to_string())
        })
        .collect()
}

#[test]
fn moneybird_credit_invoices_count_once_whatever_the_order_they_arrive_in() {
    let mut up = Upstream::with(3, 250);
    // Credit invoice 5 (first batch of 100) credits invoice 200 (third batch): Moneybird has
    // booked it, as a payment on the original, so the original's total_unpaid counts it already.
    let (a, ca) = (200, 5);
    up.invoices[a].total = "500.00".into();
    up.invoices[a].open = "460.00".into();
    up.invoices[ca].credit = true;
    up.invoices[ca].total = "40.00".into();
    up.invoices[ca].open = "0.00".into();
    up.invoices[ca].status = "paid";
    up.invoices[ca].contact = up.invoices[a].contact;
    up.invoices[ca].original = Some(up.invoices[a].id.clone());
    up.invoices[a].credited_by = Some(up.invoices[ca].id.clone());
    // Credit invoice 240 (third batch) credits invoice 10 (first batch) and is not booked
    // against it yet: the original owes its full total_unpaid, the credit is the debtor's.
    let (b, cb) = (10, 240);
    up.invoices[b].total = "300.00".into();
    up.invoices[b].open = "300.00".into();
    up.invoices[cb].credit = true;
    up.invoices[cb].total = "25.00".into();
    up.invoices[cb].open = "25.00".into();
    up.invoices[cb].contact = up.invoices[b].contact;
    up.invoices[cb].original = Some(up.invoices[b].id.clone());
    let numbers = [a, ca, b, cb].map(|i| up.invoices[i].number.clone());
    let (server, dir, o) = synced(up, "moneybird");
    assert!(!text(&o).contains("not synced"), "{}", text(&o));
    let open = open_amounts(dir.path());
    assert_eq!(
        open[&numbers[0]], "460.00",
        "Moneybird's total_unpaid, not less again"
    );
    assert!(
        !open.contains_key(&numbers[1]),
        "the booked credit is settled"
    );
    assert_eq!(
        open[&numbers[2]], "300.00",
        "the original owes its total_unpaid"
    );
    assert_eq!(
        open[&numbers[3]], "-25.00",
        "the unbooked credit is the debtor's"
    );
    let credit = doc(&documents(dir.path()), &numbers[1]).clone();
    assert!(
        matches!(&credit.provenance.location, Location::ApiRecord(r) if r.contains(&format!("credits sales_invoices/{}", server.up().invoices[a].id))),
        "{:?}",
        credit.provenance.location
    );

    // A full re-read with nothing changed upstream changes nothing.
    let o = sync(dir.path(), &["--full", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            summary[0]["documents_new"].as_u64(),
            summary[0]["documents_changed"].as_u64()
        ),
        (Some(0), Some(0)),
        "{summary}"
    );
    assert_eq!(open_amounts(dir.path()), open);
}

#[test]
fn moneybird_pending_payment_is_owed_but_held_from_claims() {
    let mut up = Upstream::with(2, 6);
    up.invoices[3].status = "pending_payment";
    let number = up.invoices[3].number.clone();
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    assert!(sync(dir.path(), &[]).status.success());
    let d = doc(&documents(dir.path()), &number).clone();
    assert_eq!(d.document.status, DocumentStatus::PaymentPending);
    assert!(open_amounts(dir.path()).contains_key(&number), "still owed");
    let v = claims_json(dir.path());
    let held = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["number"] == number.as_str())
        .unwrap_or_else(|| panic!("{number} is not held: {v}"));
    assert_eq!(held["rule"], "payment-pending", "{held}");
    assert!(held["reason"]
        .as_str()
        .unwrap()
        .contains("payment is underway"));
    let claimed = v["claims"].to_string();
    assert!(!claimed.contains(&format!("\"{number}\"")), "{claimed}");
}

#[test]
fn the_payment_count_is_each_payment_once() {
    let mut up = Upstream::with(3, 450);
    // Every third invoice has a payment on it, over five batches of 100.
    for i in (0..450).step_by(3) {
        up.invoices[i].open = "1.00".into();
    }
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(
        dir.path(),
        &server,
        "moneybird",
        "records_per_commit = 1000\n",
    );
    let o = sync(dir.path(), &["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary[0]["payments"], 150, "{summary}");
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let booked = store
        .payments_of(&[incasso_core::model::PaymentKind::AppliedUpstream])
        .unwrap();
    assert_eq!(booked.len(), 150, "stored once each");
    // A second sync with nothing new counts none.
    drop(store);
    let o = sync(dir.path(), &["--json", "--full"]);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary[0]["payments"], 0, "{summary}");
}

#[test]
fn a_contact_number_set_later_keeps_one_debtor() {
    // Xero's ContactNumber and Moneybird's customer_id, empty at first and set later.
    for kind in ["xero", "moneybird"] {
        let mut up = Upstream::with(2, 8);
        up.contacts[0].code = String::new();
        let contact_id = up.contacts[0].id.clone();
        let server = api_server::start(up);
        let dir = tempfile::tempdir().unwrap();
        configure(dir.path(), &server, kind, "");
        assert!(sync(dir.path(), &[]).status.success());
        let before: Vec<String> = documents(dir.path())
            .iter()
            .filter(|d| d.document.debtor.as_str() == contact_id)
            .map(|d| d.document.number.to_string())
            .collect();
        assert_eq!(
            before.len(),
            4,
            "{kind}: invoices of the contact without a number"
        );
        {
            let mut up = server.up();
            up.clock += 1;
            up.contacts[0].code = "K-0042".into();
            up.contacts[0].version = up.clock;
            // One of its invoices changes too, after the number was set.
            up.touch(0);
        }
        let o = sync(dir.path(), &[]);
        assert!(o.status.success(), "{kind}: {}", text(&o));
        let docs = documents(dir.path());
        let debtors: std::collections::BTreeSet<&str> = docs
            .iter()
            .filter(|d| before.contains(&d.document.number.to_string()))
            .map(|d| d.document.debtor.as_str())
            .collect();
        assert_eq!(
            debtors.into_iter().collect::<Vec<_>>(),
            vec![contact_id.as_str()],
            "{kind}"
        );
        let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
        assert!(
            !store
                .debtors()
                .unwrap()
                .iter()
                .any(|d| d.id.as_str() == "K-0042"),
            "{kind}: no second debtor for the number"
        );
    }
}

#[test]
fn xero_retry_after_wins_over_the_minute_limit_header() {
    let server = api_server::start(Upstream::with(2, 10));
    server
        .up()
        .fault("xero/Invoices", Fault::RateLimitedMinute(1));
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "xero", "");
    let started = Instant::now();
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "waited {:?} for a Retry-After of 1 s",
        started.elapsed()
    );
}

#[test]
fn xero_a_quiet_sync_after_a_bulk_change_reads_only_that_second_again() {
    let server = api_server::start(Upstream::with(3, 300));
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "xero", "");
    assert!(sync(dir.path(), &[]).status.success());
    // A bulk action changes 150 invoices within one second.
    server.up().touch_together(&(0..150).collect::<Vec<_>>());
    assert!(sync(dir.path(), &[]).status.success());
    let asked = |up: &Upstream| up.count("GET xero/Invoices");
    let before = asked(&server.up());
    let o = sync(dir.path(), &["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary[0]["documents_changed"], 0, "{summary}");
    // If-Modified-Since has whole seconds: the newest second's 150 invoices are read again, two
    // pages of 100. Nothing is written (README: the documented exception).
    assert_eq!(asked(&server.up()) - before, 2);
    // After a quiet period the newest second holds one invoice: one request.
    server.up().touch(7);
    assert!(sync(dir.path(), &[]).status.success());
    let before = asked(&server.up());
    assert!(sync(dir.path(), &[]).status.success());
    assert_eq!(asked(&server.up()) - before, 1);
}

/// Receivables of an Exact stand-in after a sync: number -> (total, open).
fn totals(dir: &Path) -> std::collections::BTreeMap<String, (String, String)> {
    let o = run_ok(
        dir,
        &["receivables", "--as-of", "2026-06-30", "--format", "csv"],
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), (f[3].to_string(), f[4].to_string()))
        })
        .collect()
}

#[test]
fn exact_invoice_lines_across_pages_never_become_totals_in_either_sign_convention() {
    let mut expected = None;
    for negative in [false, true] {
        let mut up = Upstream::with(4, 250);
        up.exact_lines = true;
        up.exact_negative_sales = negative;
        // 250 invoices are 750 records: pages of 100 end inside invoices (100 = 33 x 3 + 1).
        up.exact_page = 100;
        for i in (0..250).step_by(10) {
            up.invoices[i].credit = true;
        }
        for i in (5..250).step_by(7) {
            up.invoices[i].open = "10.00".into();
        }
        let server = api_server::start(up);
        let dir = tempfile::tempdir().unwrap();
        configure(dir.path(), &server, "exact", "");
        let o = sync(dir.path(), &[]);
        assert!(o.status.success(), "{}", text(&o));
        let got = totals(dir.path());
        let up = server.up();
        let (mut credits, mut described) = (0, 0);
        let docs = documents(dir.path());
        for inv in up.invoices.iter() {
            let number = inv.number.replace('-', "");
            let d = doc(&docs, &number).clone();
            assert_eq!(
                d.document.total.to_string(),
                inv.total,
                "{number} (negative convention: {negative}): the header's amount, not a line's"
            );
            let want_kind = if inv.credit {
                credits += 1;
                incasso_core::model::DocumentKind::CreditNote
            } else {
                incasso_core::model::DocumentKind::Invoice
            };
            assert_eq!(
                d.document.kind, want_kind,
                "{number}: the type code decides"
            );
            if d.document
                .description
                .as_deref()
                .is_some_and(|s| s.contains("Regel 1"))
            {
                described += 1;
            }
        }
        assert_eq!(credits, 25);
        // The lines describe their invoice, except where they were on the next page.
        assert!(
            described >= 240,
            "{described} of 250 described by their lines"
        );
        drop(up);
        // A second sync reads one page per endpoint and changes nothing: the cursor passed the
        // trailing lines of the last invoice.
        let o = sync(dir.path(), &["--json"]);
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(summary[0]["documents_changed"], 0, "{summary}");
        assert_eq!(
            totals(dir.path()),
            got,
            "a sync with nothing new changed an invoice"
        );
        // Both conventions give the same ledger.
        match &expected {
            None => expected = Some(got),
            Some(e) => assert_eq!(e, &got, "the negative convention reads differently"),
        }
    }
}

#[test]
fn a_debtor_renamed_or_moved_upstream_is_renamed_in_incasso() {
    for kind in ["exact", "moneybird", "xero"] {
        let server = api_server::start(Upstream::with(2, 6));
        let dir = tempfile::tempdir().unwrap();
        configure(dir.path(), &server, kind, "");
        assert!(sync(dir.path(), &[]).status.success());
        {
            let mut up = server.up();
            up.clock += 1;
            up.contacts[1].name = "Nieuwe Naam Holding B.V.".into();
            up.contacts[1].version = up.clock;
        }
        let o = sync(dir.path(), &[]);
        assert!(o.status.success(), "{kind}: {}", text(&o));
        let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
        let renamed = store
            .debtors()
            .unwrap()
            .into_iter()
            .filter(|d| d.name.as_deref() == Some("Nieuwe Naam Holding B.V."))
            .count();
        assert_eq!(renamed, 1, "{kind}: the live name wins");
        let audit = store.audit_log().unwrap();
        assert!(
            audit.iter().any(|e| e.action == "debtor-updated"
                && e.detail
                    .contains("name 'Debiteur 1 B.V.' -> 'Nieuwe Naam Holding B.V.'")),
            "{kind}: {audit:?}"
        );
    }
}

#[test]
fn a_nightly_run_over_twenty_administrations_isolates_the_one_that_fails() {
    let server = api_server::start(Upstream::with(3, 30));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let mut cfg = format!(
        "parallel = 2\nsummary = \"{}\"\n",
        dir.path().join("firm.json").display()
    );
    for n in 0..20 {
        // Client 7's token has expired: its sync fails, the other nineteen go on.
        let token = if n == 7 {
            "MB_TOKEN_EXPIRED"
        } else {
            "MB_TOKEN"
        };
        cfg.push_str(&format!(
            "\n[[administration]]\nname = \"client-{n:02}\"\ndata_dir = \"{}\"\nclaims_as_of = \"2026-06-30\"\n\n[[administration.source]]\nname = \"mb\"\nkind = \"moneybird\"\nadministration = \"123456789012345678\"\nbase_url = \"{url}/mb\"\ntoken_env = \"{token}\"\nbase_delay_ms = 10\nmax_attempts = 2\n",
            dir.path().join(format!("client-{n:02}")).display()
        ));
    }
    let path = dir.path().join("firm.toml");
    std::fs::write(&path, cfg).unwrap();
    let o = incasso(dir.path(), &["run", "--config", path.to_str().unwrap()])
        .env("MB_TOKEN_EXPIRED", "an-expired-token-0000")
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "partial overall: {out}");
    assert_no_secret(&out);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("firm.json")).unwrap())
            .unwrap();
    assert_eq!(summary["administrations"], 20, "{summary}");
    assert_eq!(summary["succeeded"], 19, "{summary}");
    let runs = summary["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 20);
    for (n, r) in runs.iter().enumerate() {
        assert_eq!(r["administration"], format!("client-{n:02}"));
        let want = if n == 7 { "partial" } else { "success" };
        assert_eq!(r["status"], want, "client-{n:02}: {r}");
    }
    assert!(
        runs[7]["warnings"].to_string().contains("sync failed"),
        "{}",
        runs[7]
    );
    // Every other client has its own complete ledger.
    for n in [0, 8, 19] {
        let store = incasso_store::Store::open(&dir.path().join(format!("client-{n:02}"))).unwrap();
        assert_eq!(store.documents().unwrap().len(), 30, "client-{n:02}");
    }
}

#[test]
fn twinfield_syncs_customers_and_open_items_with_pages_a_deletion_and_an_expired_token() {
    let mut up = Upstream::with(150, 300);
    for i in 0..300 {
        if i % 3 == 0 {
            up.invoices[i].date = "2025-11-10".into();
            up.invoices[i].due = "2025-12-10".into();
        }
    }
    up.invoices[4].open = "0.00".into();
    up.invoices[4].status = "paid";
    up.invoices[9].credit = true;
    up.invoices[12].status = "draft";
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "twinfield", "");
    let o = sync(dir.path(), &["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_no_secret(&text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        summary[0]["documents_new"], 299,
        "all but the draft: {summary}"
    );
    assert_eq!(
        server.up().count("twinfield/finder"),
        3,
        "150 customers in Finder pages of 100, then a pass that finds nothing changed"
    );
    let docs = documents(dir.path());
    let number = |i: usize| server.up().invoices[i].number.clone();
    let d = doc(&docs, &number(0)).clone();
    assert_eq!(
        d.document.issue_date.to_string(),
        "2025-11-10",
        "a 2025 book year"
    );
    assert_eq!(
        d.document.total.to_string(),
        server.up().invoices[0].total,
        "the customer line's value, not the revenue line's"
    );
    assert_eq!(doc(&docs, &number(4)).document.status, DocumentStatus::Paid);
    assert_eq!(
        doc(&docs, &number(9)).document.kind,
        incasso_core::model::DocumentKind::CreditNote
    );
    assert!(!docs
        .iter()
        .any(|d| d.document.number.as_str() == number(12)));
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let debtors = store.debtors().unwrap();
    assert_eq!(debtors.len(), 150);
    let one = debtors.iter().find(|d| d.id.as_str() == "D00001").unwrap();
    assert_eq!(one.name.as_deref(), Some("Debiteur 1 B.V."));
    assert_eq!(one.kvk.as_deref(), Some("12345678"));
    assert_eq!(one.address.city.as_deref(), Some("Utrecht"));
    drop(store);

    // Upstream: invoice 5 deleted, invoice 6 part paid, and the access token expires.
    {
        let mut up = server.up();
        up.delete(5);
        up.invoices[6].open = "1.00".into();
        up.touch(6);
        up.fault("twinfield/processxml", Fault::ExpireToken);
    }
    let refreshes = server.up().refreshes;
    let o = sync(dir.path(), &["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        server.up().refreshes > refreshes,
        "the expired token was refreshed"
    );
    let docs = documents(dir.path());
    assert_eq!(doc(&docs, &number(5)).document.status, DocumentStatus::Void);
    assert_eq!(
        doc(&docs, &number(6))
            .document
            .source_open
            .map(|o| o.to_string()),
        Some("1.00".to_string())
    );
    // Nothing new: nothing written.
    let o = sync(dir.path(), &["--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            summary[0]["documents_new"].as_u64(),
            summary[0]["documents_changed"].as_u64()
        ),
        (Some(0), Some(0)),
        "{summary}"
    );
}

#[test]
fn exact_a_collection_underway_is_held_and_a_last_term_deleted_leaves_nothing_open() {
    let mut up = Upstream::with(1, 4);
    up.invoices[0].term_status = 30; // selected for a direct debit
    up.invoices[1].term_status = 40; // collected, not yet matched
    up.invoices[2].instalments = vec![up.invoices[2].open.clone()];
    let numbers: Vec<String> = up
        .invoices
        .iter()
        .map(|i| i.number.replace('-', ""))
        .collect();
    let (server, dir, _) = synced(up, "exact");
    let docs = documents(dir.path());
    for n in &numbers[..2] {
        assert_eq!(
            doc(&docs, n).document.status,
            DocumentStatus::PaymentPending,
            "{n}: its collection is underway"
        );
    }
    assert_eq!(
        doc(&docs, &numbers[3]).document.status,
        DocumentStatus::Open
    );
    let v = claims_json(dir.path());
    let claimed = v["claims"].to_string();
    for n in &numbers[..2] {
        assert!(
            !claimed.contains(&format!("\"{n}\"")),
            "{n} claimed: {claimed}"
        );
    }

    {
        // The direct debit failed: the term is open again. The single term of the third is
        // deleted upstream and nothing replaces it.
        let mut up = server.up();
        up.invoices[0].term_status = 20;
        up.touch(0);
        up.delete_last_term(2);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("conflict(s) recorded"),
        "the sync says so: {}",
        text(&o)
    );
    let docs = documents(dir.path());
    // A payment underway becoming plainly open is for a person to confirm, as any held
    // document the books make claimable again: until then it stays held.
    assert_eq!(
        doc(&docs, &numbers[0]).document.status,
        DocumentStatus::PaymentPending
    );
    let c = incasso(dir.path(), &["conflicts"]).output().unwrap();
    assert!(
        text(&c).contains(&numbers[0]) && text(&c).contains("payment-pending"),
        "{}",
        text(&c)
    );
    let third = &doc(&docs, &numbers[2]).document;
    assert_eq!(
        third.source_open,
        Some(rust_decimal::Decimal::ZERO),
        "no term left is nothing receivable, not the whole total"
    );
    assert!(!open_amounts(dir.path()).contains_key(&numbers[2]));
}

#[test]
fn a_credit_allocated_while_a_sync_reads_is_read_again_before_anything_is_claimed() {
    let mut up = Upstream::with(1, 2);
    up.invoices[0].amount("1000.00");
    up.invoices[1].credit = true;
    up.invoices[1].number = "CN-0001".into();
    up.invoices[1].amount("1000.00");
    // After the invoices were read and before the credit notes are: the credit note is
    // allocated to the invoice, which Xero then shows paid.
    up.fault(
        "GET xero/CreditNotes",
        Fault::Change(|up| {
            up.invoices[0].open = "0.00".into();
            up.invoices[0].status = "paid";
            up.touch(0);
            up.invoices[1].open = "0.00".into();
            up.touch(1);
        }),
    );
    let number = up.invoices[0].number.clone();
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "xero", "");
    let o = sync(dir.path(), &["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        server.up().count("GET xero/Invoices"),
        3,
        "the invoices are read again after the change, then once more to see nothing changed"
    );
    let docs = documents(dir.path());
    assert_eq!(doc(&docs, &number).document.status, DocumentStatus::Paid);
    assert!(open_amounts(dir.path()).is_empty(), "nothing is owed");
}

#[test]
fn a_contact_with_a_vat_number_is_a_business_and_an_owed_invoice_without_its_unpaid_is_refused() {
    let mut up = Upstream::with(2, 2);
    up.contacts[0].tax_number = "NL001234567B01".into();
    let (_server, dir, _) = synced(up, "xero");
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let kinds: Vec<_> = store
        .debtors()
        .unwrap()
        .into_iter()
        .map(|d| (d.vat_number.clone(), d.kind))
        .collect();
    drop(store);
    assert!(
        kinds.contains(&(
            Some("NL001234567B01".into()),
            incasso_core::model::DebtorKind::Business
        )),
        "{kinds:?}"
    );

    // Moneybird's own figure of what is still owed is missing: refused, never taken as the
    // whole total.
    let (dir, out) = moneybird_without("total_unpaid");
    assert!(out.contains("total_unpaid"), "{out}");
    assert!(documents(dir.path()).is_empty());
}

#[test]
fn an_invoice_synced_before_its_customer_is_the_customers_once_it_arrives() {
    let mut up = Upstream::with(1, 1);
    // A customer and its invoice made upstream after the accounts were read and before the
    // invoices are: the invoice names an account incasso does not know yet.
    up.fault(
        "GET exact/SalesInvoice",
        Fault::Change(|up| {
            let c = up.add_contact("0f3c2a9e-5b7d-4c1e-9a2b-3c4d5e6f7a8b", "999", "Nieuw B.V.");
            up.add_invoice(c, "2026-000777", "321.00");
        }),
    );
    let (_server, dir, _) = synced(up, "exact");
    let docs = documents(dir.path());
    let d = &doc(&docs, "2026000777").document;
    assert_eq!(
        d.debtor.as_str(),
        "999",
        "the customer number, once the customer is synced, not its account id"
    );
}

#[test]
fn two_upstream_invoices_with_one_number_are_two_documents_not_one_replacing_the_other() {
    let mut up = Upstream::with(2, 2);
    // Xero allows two invoices one number; here of two customers and amounts.
    up.invoices[1].number = up.invoices[0].number.clone();
    up.invoices[1].amount("2500.00");
    let number = up.invoices[0].number.clone();
    let second = up.invoices[1].id.clone();
    let (server, dir, _) = synced(up, "xero");
    let marked = format!("{number}/{}", &second[second.len() - 8..]);
    let docs = documents(dir.path());
    assert_eq!(doc(&docs, &number).document.debtor.as_str(), "D00000");
    let other = &doc(&docs, &marked).document;
    assert_eq!(other.debtor.as_str(), "D00001");
    assert_eq!(other.source_open, Some("2500.00".parse().unwrap()));
    // Each follows its own record: the second part paid, the first voided upstream.
    {
        let mut up = server.up();
        up.invoices[1].open = "2000.00".into();
        up.touch(1);
        up.delete(0);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let docs = documents(dir.path());
    assert_eq!(doc(&docs, &number).document.status, DocumentStatus::Void);
    let other = &doc(&docs, &marked).document;
    assert_eq!(other.status, DocumentStatus::Open);
    assert_eq!(other.source_open, Some("2000.00".parse().unwrap()));
    let c = text(&incasso(dir.path(), &["conflicts"]).output().unwrap());
    assert!(!c.contains(&number), "no conflict: {c}");
}

#[test]
fn xero_prepayments_and_overpayments_are_the_customers_credit() {
    let mut up = Upstream::with(2, 4);
    up.invoices[0].amount("1210.00");
    // The first customer paid ahead (a prepayment not yet allocated); the second paid another
    // invoice twice (an overpayment), its credit left on its account.
    up.invoices[2].money = "Prepayment";
    up.invoices[2].contact = 0;
    up.invoices[2].amount("1210.00");
    up.invoices[3].money = "Overpayment";
    up.invoices[3].amount("250.00");
    let (_server, dir, _) = synced(up, "xero");
    let docs = documents(dir.path());
    let credits: Vec<(String, String, Option<String>)> = docs
        .iter()
        .filter(|d| d.document.kind == incasso_core::model::DocumentKind::CreditNote)
        .map(|d| {
            (
                d.document.number.to_string(),
                d.document.debtor.to_string(),
                d.document.source_open.map(|o| o.to_string()),
            )
        })
        .collect();
    assert_eq!(credits.len(), 2, "{credits:?}");
    assert!(
        credits.iter().any(|(n, d, o)| n.starts_with("PREPAYMENT-")
            && d == "D00000"
            && o.as_deref() == Some("1210.00")),
        "{credits:?}"
    );
    assert!(
        credits.iter().any(|(n, d, o)| n.starts_with("OVERPAYMENT-")
            && d == "D00001"
            && o.as_deref() == Some("250.00")),
        "{credits:?}"
    );
    // The prepaid invoice is not claimed: the credit covers it.
    let v = claims_json(dir.path());
    let claimed = v["claims"].to_string();
    assert!(!claimed.contains("\"D00000\""), "{claimed}");
}

/// A receipt Exact keeps as a negative open item on the invoice's own number (review 41b) lowers
/// what is open of that invoice; before, the items were added as magnitudes and a part payment
/// of 200.00 raised the invoice's open amount by 200.00.
#[test]
fn exact_a_receipt_on_an_invoices_number_lowers_what_is_open() {
    let mut up = Upstream::with(2, 3);
    up.invoices[0].amount("500.00");
    up.invoices[0].instalments = vec!["500.00".into(), "-200.00".into()];
    let (server, dir, _) = synced(up, "exact");
    let d = doc(&documents(dir.path()), "2026000001").document.clone();
    assert_eq!(d.source_open, Some("300.00".parse().unwrap()));
    assert_eq!(d.status, DocumentStatus::Open);

    // A second part payment on a later sync, then one paying more than is left.
    {
        let mut up = server.up();
        up.invoices[0].instalments.push("-100.00".into());
        up.touch(0);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let d = doc(&documents(dir.path()), "2026000001").document.clone();
    assert_eq!(d.source_open, Some("200.00".parse().unwrap()));
    {
        let mut up = server.up();
        up.invoices[0].instalments.push("-250.00".into());
        up.touch(0);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let d = doc(&documents(dir.path()), "2026000001").document.clone();
    assert_eq!(d.source_open, Some(rust_decimal::Decimal::ZERO));
    assert_eq!(d.status, DocumentStatus::Paid);
}

#[test]
fn exact_a_receipt_not_matched_to_an_invoice_is_the_customers_credit() {
    let mut up = Upstream::with(2, 3);
    up.invoices[0].amount("500.00");
    // The first customer paid 500.00, booked in Exact on the account but not matched yet.
    up.invoices[2].money = "Receipt";
    up.invoices[2].contact = 0;
    up.invoices[2].number = "2026-900001".into();
    up.invoices[2].open = "500.00".into();
    let (server, dir, _) = synced(up, "exact");
    let docs = documents(dir.path());
    let receipt = &doc(&docs, "RECEIPT-2026900001").document;
    assert_eq!(receipt.kind, incasso_core::model::DocumentKind::CreditNote);
    assert_eq!(receipt.debtor.as_str(), "D00000");
    assert_eq!(receipt.source_open, Some("500.00".parse().unwrap()));
    let v = claims_json(dir.path());
    assert!(!v["claims"].to_string().contains("\"D00000\""), "{v}");

    // Matched in Exact: the credit is gone, and the receipt holds nothing.
    {
        let mut up = server.up();
        up.invoices[2].term_status = 50;
        up.touch(2);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let docs = documents(dir.path());
    assert_eq!(
        doc(&docs, "RECEIPT-2026900001").document.source_open,
        Some(rust_decimal::Decimal::ZERO)
    );
}

#[test]
fn moneybird_external_sales_invoices_are_receivables_with_their_own_numbers() {
    let mut up = Upstream::with(2, 5);
    // A webshop's invoice, part paid, without a due date.
    let web = {
        let i = &mut up.invoices[2];
        i.external = true;
        i.number = "WEB-10023".into();
        i.date = "2026-03-02".into();
        i.due = String::new();
        i.total = "121.00".into();
        i.open = "21.00".into();
        i.id.clone()
    };
    // Another shop's invoice numbered like a Moneybird sales invoice: a second debt.
    up.invoices[3].external = true;
    up.invoices[3].number = up.invoices[0].number.clone();
    let twin = up.invoices[3].id.clone();
    // Registered upstream and not booked yet.
    up.invoices[4].external = true;
    up.invoices[4].status = "new";
    let unbooked = up.invoices[4].number.clone();
    let (server, dir, _) = synced(up, "moneybird");
    assert_eq!(server.up().count("POST mb/external_sales_invoices"), 1);
    let docs = documents(dir.path());
    let d = doc(&docs, "WEB-10023");
    assert_eq!(d.document.debtor.as_str(), "D00000");
    assert_eq!(d.document.source_open, Some("21.00".parse().unwrap()));
    assert_eq!(
        d.document.due_date.to_string(),
        "2026-04-01",
        "no due date: the statutory 30 days"
    );
    assert!(
        matches!(&d.provenance.location, Location::ApiRecord(r)
            if r.contains(&format!("external_sales_invoices/{web}")) && r.contains("no due date")),
        "{:?}",
        d.provenance
    );
    let first = doc(&docs, "2026-000001");
    assert!(
        matches!(&first.provenance.location, Location::ApiRecord(r) if r.starts_with("sales_invoices/")),
        "the sales invoice keeps its number: {:?}",
        first.provenance
    );
    let marked = format!("2026-000001/{}", &twin[twin.len() - 8..]);
    assert_eq!(doc(&docs, &marked).document.status, DocumentStatus::Open);
    assert!(
        docs.iter().all(|d| d.document.number.as_str() != unbooked),
        "a `new` external invoice is not a receivable yet"
    );
    assert_eq!(docs.len(), 4, "two sales invoices and two external ones");
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let booked = store
        .payments_of(&[incasso_core::model::PaymentKind::AppliedUpstream])
        .unwrap();
    assert!(
        booked
            .iter()
            .any(|p| p.amount.amount() == "100.00".parse().unwrap()),
        "the payment booked on the webshop's invoice: {booked:?}"
    );
    drop(store);

    // Nothing new: nothing fetched, nothing changed.
    let before = documents(dir.path());
    assert!(sync(dir.path(), &[]).status.success());
    assert_eq!(server.up().count("POST mb/external_sales_invoices"), 1);
    assert_eq!(documents(dir.path()), before);

    // Paid, then deleted upstream: the ledger follows.
    {
        let mut up = server.up();
        up.invoices[2].status = "paid";
        up.invoices[2].open = "0.00".into();
        up.touch(2);
        up.delete(3);
    }
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let docs = documents(dir.path());
    assert_eq!(
        doc(&docs, "WEB-10023").document.status,
        DocumentStatus::Paid
    );
    assert_eq!(doc(&docs, &marked).document.status, DocumentStatus::Void);
    assert_eq!(
        doc(&docs, "2026-000001").document.status,
        DocumentStatus::Open,
        "deleting the external twin leaves the sales invoice"
    );
}

#[test]
fn an_empty_listing_where_only_unbooked_records_were_is_no_alarm() {
    let mut up = Upstream::with(1, 2);
    up.invoices[1].external = true;
    up.invoices[1].status = "new";
    let (server, dir, _) = synced(up, "moneybird");
    server.up().delete(1);
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("suspicious"), "{}", text(&o));
    // One that was a document is another matter.
    let (server, dir, _) = {
        let mut up = Upstream::with(1, 2);
        up.invoices[1].external = true;
        synced(up, "moneybird")
    };
    server.up().delete(1);
    let o = sync(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("suspicious")
            && text(&o).contains("incasso sync --accept-empty external_sales_invoices"),
        "{}",
        text(&o)
    );
    let number = server.up().invoices[1].number.clone();
    assert_eq!(
        doc(&documents(dir.path()), &number).document.status,
        DocumentStatus::Open
    );
    // A person says it is gone indeed: voided, and the next sync is quiet again.
    let o = sync(dir.path(), &["--accept-empty", "external_sales_invoices"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        doc(&documents(dir.path()), &number).document.status,
        DocumentStatus::Void
    );
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Imports into `dir` a Rabobank CSV of one line: EUR 50.00 on `date` from an account the ledger
/// does not know, in the name `name`, with the text `text`.
fn import_fifty(dir: &Path, date: &str, name: &str, text: &str) {
    let bank = dir.join("bank.csv");
    std::fs::write(
        &bank,
        format!(
            "\"IBAN/BBAN\",\"Munt\",\"BIC\",\"Volgnr\",\"Datum\",\"Rentedatum\",\"Bedrag\",\"Saldo na trn\",\"Tegenrekening IBAN/BBAN\",\"Naam tegenpartij\",\"Naam uiteindelijke partij\",\"Naam initiërende partij\",\"BIC tegenpartij\",\"Code\",\"Batch ID\",\"Transactiereferentie\",\"Machtigingskenmerk\",\"Incassant ID\",\"Betalingskenmerk\",\"Omschrijving-1\",\"Omschrijving-2\",\"Omschrijving-3\",\"Reden retour\",\"Oorspr bedrag\",\"Oorspr munt\",\"Koers\"\n\"NL93RABO0123456780\",\"EUR\",\"RABONL2U\",\"000000000000007001\",\"{date}\",\"{date}\",\"+50,00\",\"+5050,00\",\"NL20INGB0001234567\",\"{name}\",\"\",\"\",\"INGBNL2A\",\"cb\",\"\",\"\",\"\",\"\",\"\",\"{text}\",\"\",\"\",\"\",\"\",\"\",\"\"\n"
        ),
    )
    .unwrap();
    run_ok(dir, &["import", bank.to_str().unwrap()]);
}

/// A Moneybird ledger synced once: invoice 2026-000001 of D00000 and an external invoice of
/// D00001 with the same number; the data directory and the external's marked number. (Upstream
/// ids end in their place: the twin's must not end in the number's own digits.)
fn twins_synced() -> (Server, tempfile::TempDir, String) {
    let mut up = Upstream::with(2, 1);
    up.add_invoice(0, "2026-000077", "10.00");
    let k = up.add_invoice(1, "2026-000001", "101.01");
    up.invoices[k].external = true;
    let twin = up.invoices[k].id.clone();
    let (server, dir, _) = synced(up, "moneybird");
    (
        server,
        dir,
        format!("2026-000001/{}", &twin[twin.len() - 8..]),
    )
}

/// The numbers of the items the claims gate holds for a possible payment.
fn held_for_payment(v: &serde_json::Value) -> Vec<String> {
    v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == "possible-payment")
        .filter_map(|e| e["number"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_payment_naming_a_number_two_debts_share_pays_neither_by_itself() {
    // Part of one of them, from an account the ledger does not know, naming the number: before
    // the claims' date (matched: review), and after it (weighed by the claims gate alone).
    for date in ["2026-05-15", "2026-07-05"] {
        let (_server, dir, marked) = twins_synced();
        import_fifty(
            dir.path(),
            date,
            "J. de Vries",
            "Betaling factuur 2026-000001",
        );
        let v = claims_json(dir.path());
        let claimed = v["claims"].to_string();
        for number in ["2026-000001", marked.as_str()] {
            assert!(
                !claimed.contains(&format!("\"{number}\"")),
                "{date}: {number} is claimed although the payment may be its: {v}"
            );
        }
        let held = held_for_payment(&v);
        assert!(
            held.contains(&"2026-000001".to_string()) && held.contains(&marked),
            "{date}: both held for the payment: {held:?} in {v}"
        );
    }
}

#[test]
fn a_payer_known_as_one_of_two_debtors_sharing_a_number_pays_their_own() {
    let (_server, dir, marked) = twins_synced();
    // Debtor 1 by its whole name, part of its external invoice, naming the number both share.
    import_fifty(
        dir.path(),
        "2026-05-15",
        "Debiteur 1 B.V.",
        "Betaling factuur 2026-000001",
    );
    let o = run_ok(
        dir.path(),
        &["allocations", "--as-of", "2026-06-30", "--format", "csv"],
    );
    let allocations = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        allocations.contains(&marked) && !allocations.contains("2026-000001,"),
        "the payer's own debt, not the other's: {allocations}"
    );
    let v = claims_json(dir.path());
    assert!(
        v["claims"].to_string().contains("\"2026-000001\""),
        "the other debtor's invoice is claimed: {v}"
    );
}

#[test]
fn numbers_shaped_like_a_mark_are_no_twins_without_a_document_of_their_first_part() {
    // A source's own numbering with a slash and eight digits, two debtors, no invoice "2026".
    let mut up = Upstream::with(2, 2);
    up.invoices[0].number = "2026/12345678".into();
    up.invoices[1].number = "2026/87654321".into();
    let (_server, dir, _) = synced(up, "moneybird");
    import_fifty(
        dir.path(),
        "2026-07-05",
        "J. de Vries",
        "Factuur 2026/12345678",
    );
    let v = claims_json(dir.path());
    assert_eq!(held_for_payment(&v), ["2026/12345678"], "{v}");
    assert!(v["claims"].to_string().contains("\"2026/87654321\""), "{v}");
}

#[test]
fn a_moneybird_invoice_whose_contact_comes_later_gets_its_debtor_when_it_does() {
    let up = Upstream::with(2, 2);
    let contact = up.contacts[1].id.clone();
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &server, "moneybird", "");
    {
        // The contact fetch leaves contact 1 out (also in the sync's second pass over the
        // contacts its documents wait for), and its invoice comes without it embedded.
        let mut up = server.up();
        up.fault("POST mb/contacts", Fault::Omit(contact.clone()));
        up.fault("POST mb/contacts", Fault::Omit(contact.clone()));
        up.fault("POST mb/sales_invoices", Fault::MissingField("contact"));
    }
    let o = sync(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let d = doc(&documents(dir.path()), "2026-000002").document.clone();
    assert_eq!(
        d.debtor.as_str(),
        contact,
        "the contact's id stands in for now"
    );
    // The contact arrives: its invoice is its debtor's, one debtor with its name.
    let o = sync(dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let d = doc(&documents(dir.path()), "2026-000002").document.clone();
    assert_eq!(d.debtor.as_str(), "D00001");
    let store = incasso_store::Store::open(&dir.path().join("data")).unwrap();
    let debtor = store
        .debtors()
        .unwrap()
        .into_iter()
        .find(|x| x.id.as_str() == "D00001")
        .unwrap();
    assert_eq!(debtor.name.as_deref(), Some("Debiteur 1 B.V."));
}
