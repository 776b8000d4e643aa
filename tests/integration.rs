//! End-to-end tests: the real `incasso` binary on real files and real sled stores in temp dirs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn fixture(p: &str) -> PathBuf {
    root().join("fixtures").join(p)
}

fn incasso(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run incasso")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

const AS_OF: &str = "2026-11-23";

#[test]
fn nl_ledger_gives_exact_receivables_and_ageing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ok(incasso(
        &data,
        &[
            "import",
            fixture("ledger/nl-semicolon.csv").to_str().unwrap(),
        ],
    ));
    assert!(out.contains("7 new, 0 changed, 0 unchanged"), "{out}");
    assert!(out.contains("decimal comma, dates: dd-mm-yyyy"), "{out}");
    assert!(out.contains("1 blank"), "{out}");

    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert_eq!(
        csv,
        "invoice,debtor,currency,total,open,due_date,days_overdue,bucket\n\
         F2026-001,D100,EUR,1210.00,1210.00,2026-01-19,308,90+\n\
         F2026-002,D100,EUR,302.50,302.50,2026-04-14,223,90+\n\
         F2026-003,D200,EUR,605.00,605.00,2026-07-01,145,90+\n\
         F2026-004,D300,EUR,3025.00,2420.00,2026-09-19,65,61-90\n\
         F2026-006,D200,EUR,48.40,48.40,2026-12-15,0,current\n"
    );
    let ageing = ok(incasso(
        &data,
        &["ageing", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert_eq!(ageing, "currency,current,1-30,31-60,61-90,90+,total\nEUR,48.40,0.00,0.00,2420.00,2117.50,4585.90\n");

    let by_debtor = ok(incasso(
        &data,
        &[
            "ageing",
            "--as-of",
            AS_OF,
            "--by",
            "debtor",
            "--buckets",
            "60,180",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(
        by_debtor,
        "debtor,currency,current,1-60,61-180,180+,total\n\
         D100,EUR,0.00,0.00,0.00,1512.50,1512.50\n\
         D200,EUR,48.40,0.00,605.00,0.00,653.40\n\
         D300,EUR,0.00,0.00,2420.00,0.00,2420.00\n"
    );
    let by_issue = ok(incasso(
        &data,
        &[
            "ageing", "--as-of", AS_OF, "--basis", "issue", "--format", "csv",
        ],
    ));
    assert_eq!(
        by_issue,
        "currency,current,1-30,31-60,61-90,90+,total\nEUR,0.00,48.40,0.00,0.00,4537.50,4585.90\n",
        "F2026-004 was issued 95 days before"
    );

    let json: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "json"],
    )))
    .unwrap();
    let first = &json["items"][0];
    assert_eq!(first["open"], "1210.00");
    assert!(
        first["source"]
            .as_str()
            .unwrap()
            .ends_with("nl-semicolon.csv, line 2"),
        "{first}"
    );
    assert_eq!(json["items"][2]["status"], "disputed");

    // Same inputs and as-of date: byte-identical output.
    let again = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert_eq!(csv, again);
}

#[test]
fn every_dialect_fixture_imports_and_currencies_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ok(incasso(
        &data,
        &["import", fixture("ledger").to_str().unwrap()],
    ));
    assert!(
        out.contains("5 file(s): 5 imported, 0 already imported, 0 failed"),
        "{out}"
    );
    assert!(out.contains("encoding windows-1252"), "{out}");
    assert!(out.contains("header on line 3"), "{out}");
    assert!(out.contains("1 totals"), "{out}");
    assert!(out.contains("encoding utf-16le, delimiter '|'"), "{out}");
    assert!(
        out.contains("encoding utf-8 (with BOM), delimiter tab"),
        "{out}"
    );
    assert!(out.contains("dates: yyyymmdd"), "{out}");

    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert!(
        csv.contains("2026-0101,Müller & Söhne,EUR,1250.00,1000.00,2026-10-03,51,31-60\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2026/8,K2,EUR,-1200.75,-1200.75,"),
        "trailing minus is a credit note: {csv}"
    );
    assert!(csv.contains("INV-1002,C-02,USD,750.50,750.50,"), "{csv}");
    let ageing = ok(incasso(
        &data,
        &["ageing", "--as-of", AS_OF, "--format", "csv"],
    ));
    let usd = ageing
        .lines()
        .find(|l| l.starts_with("USD"))
        .expect("a USD row");
    assert_eq!(usd, "USD,0.00,0.00,0.00,0.00,750.50,750.50");
}

#[test]
fn reimport_changes_nothing_and_a_changed_file_is_versioned_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = fixture("ledger/nl-semicolon.csv");
    ok(incasso(&data, &["import", file.to_str().unwrap()]));
    let before = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    let again = ok(incasso(&data, &["import", file.to_str().unwrap()]));
    assert!(again.contains("already imported as import #1"), "{again}");
    assert!(again.contains("nothing changed"), "{again}");

    // The same content under another name: parsed, and every document found unchanged.
    let copy = dir.path().join("copy.csv");
    std::fs::copy(&file, &copy).unwrap();
    std::fs::write(&copy, std::fs::read_to_string(&file).unwrap() + "\n").unwrap();
    let out = ok(incasso(&data, &["import", copy.to_str().unwrap()]));
    assert!(out.contains("0 new, 0 changed, 7 unchanged"), "{out}");
    assert_eq!(
        before,
        ok(incasso(
            &data,
            &["receivables", "--as-of", AS_OF, "--format", "csv"]
        ))
    );

    let changed = ok(incasso(
        &data,
        &[
            "import",
            fixture("changed/nl-semicolon.v2.csv").to_str().unwrap(),
        ],
    ));
    assert!(
        changed.contains("0 new, 1 changed, 1 unchanged"),
        "{changed}"
    );
    assert!(changed.contains("changed invoice F2026-002: total 302.50 -> 242.00; net 250.00 -> 200.00; vat 52.50 -> 42.00"), "{changed}");
    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert!(csv.contains("F2026-002,D100,EUR,242.00,242.00,"), "{csv}");
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains("document-changed,invoice F2026-002,total 302.50 -> 242.00"),
        "{audit}"
    );
}

fn assert_rejected(file: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &[
            "import",
            fixture("ledger/nl-semicolon.csv").to_str().unwrap(),
        ],
    ));
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

#[test]
fn bad_input_names_the_place_and_leaves_the_store_unchanged() {
    assert_rejected("bad/empty.csv", &["the file is empty"]);
    assert_rejected("bad/header-only.csv", &["has a header but no data rows"]);
    assert_rejected("bad/binary-garbage.csv", &["binary file"]);
    assert_rejected("bad/not-csv.txt", &["no header row recognised"]);
    assert_rejected("bad/mixed-encoding.csv", &["mixed encodings", "line 3"]);
    assert_rejected(
        "bad/impossible-date.csv",
        &[
            "line 3",
            "column 'Factuurdatum'",
            "'31-02-2026'",
            "not a calendar date",
        ],
    );
    assert_rejected(
        "bad/bad-amount.csv",
        &["line 3", "column 'Bedrag'", "'12,3,4'", "not an amount"],
    );
    assert_rejected(
        "bad/missing-column.csv",
        &[
            "missing required column for issue_date",
            "Factuurnummer, Debiteur, Bedrag",
        ],
    );
    assert_rejected(
        "bad/duplicate-number.csv",
        &[
            "line 4",
            "invoice F1 appears again with different content (first on line 2)",
        ],
    );
    assert_rejected(
        "bad/ambiguous-dates.csv",
        &["day-month or month-day", "date_format"],
    );
}

#[test]
fn a_bad_file_in_a_batch_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = incasso(
        &data,
        &[
            "import",
            fixture("bad/impossible-date.csv").to_str().unwrap(),
            fixture("ledger/en-comma.csv").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("2 file(s): 1 imported, 0 already imported, 1 failed"),
        "{}",
        stdout(&o)
    );
    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert!(csv.contains("INV-1001"), "{csv}");
}

#[test]
fn skip_bad_rows_imports_the_rest_and_writes_rejected_rows_beside_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("ledger.csv");
    std::fs::copy(fixture("bad/impossible-date.csv"), &input).unwrap();
    let out = ok(incasso(
        &data,
        &["import", "--skip-bad-rows", input.to_str().unwrap()],
    ));
    assert!(
        out.contains("1 new") && out.contains("rejected: 1"),
        "{out}"
    );
    let rejected = std::fs::read_to_string(dir.path().join("ledger.rejected.csv")).unwrap();
    let mut lines = rejected.lines();
    assert_eq!(
        lines.next(),
        Some("Factuurnummer;Factuurdatum;Debiteur;Bedrag;line;reason")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("F2;31-02-2026;D1;20,00;3;"), "{row}");
    assert!(row.contains("not a calendar date"), "{row}");
}

#[test]
fn a_profile_maps_columns_and_a_typo_in_it_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("export.csv");
    std::fs::write(
        &input,
        "Nr,Dag,Klant,Som\nA-1,12/31/2026,K,10.00\nA-2,01/15/2026,K,5.00\n",
    )
    .unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(&profile, "date_format = \"mm/dd/yyyy\"\n[columns]\nnumber = \"Nr\"\nissue_date = \"Dag\"\ndebtor_id = \"Klant\"\ntotal = \"Som\"\n").unwrap();
    let out = ok(incasso(
        &data,
        &[
            "import",
            "--profile",
            profile.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("2 new"), "{out}");
    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-03-01", "--format", "csv"],
    ));
    assert!(
        csv.contains("A-2,K,EUR,5.00,5.00,2026-02-14,15,1-30"),
        "30-day default term: {csv}"
    );

    std::fs::write(&profile, "date_fromat = \"mm/dd/yyyy\"\n").unwrap();
    let o = incasso(
        &data,
        &[
            "import",
            "--profile",
            profile.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("date_fromat"), "{}", stderr(&o));
}

#[test]
fn a_second_process_on_the_same_data_dir_gets_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let _held = incasso_store::Store::open(&data).unwrap();
    let o = incasso(&data, &["ageing", "--as-of", AS_OF]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is in use by another incasso process"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cli_help_and_usage_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        &["--help"][..],
        &["import", "--help"],
        &["receivables", "--help"],
        &["ageing", "--help"],
        &["fixtures", "generate", "--help"],
        &["audit", "--help"],
    ] {
        let o = incasso(dir.path(), cmd);
        assert!(o.status.success(), "{cmd:?}");
        assert!(stdout(&o).contains("Usage"), "{cmd:?}");
    }
    assert_eq!(
        incasso(dir.path(), &["ageing", "--bogus"]).status.code(),
        Some(2)
    );
    assert_eq!(
        incasso(dir.path(), &["ageing", "--as-of", "31-12-2026"])
            .status
            .code(),
        Some(2)
    );
    // A bad bucket list is a usage error too (exit 2), found before anything is read.
    let o = incasso(dir.path(), &["ageing", "--buckets", "60,30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("increasing order"), "{}", stderr(&o));
}

#[test]
fn generator_is_deterministic_and_its_dialects_agree() {
    let dir = tempfile::tempdir().unwrap();
    let gen = |out: &Path| {
        ok(incasso(
            dir.path(),
            &[
                "fixtures",
                "generate",
                "--invoices",
                "3000",
                "--seed",
                "42",
                "--dialect",
                "nl,en,nl-cp1252",
                "--out",
                out.to_str().unwrap(),
            ],
        ))
    };
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    gen(&a);
    gen(&b);
    for f in ["ledger-nl.csv", "ledger-en.csv", "ledger-nl-cp1252.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let mut outputs = Vec::new();
    for f in ["ledger-nl.csv", "ledger-en.csv", "ledger-nl-cp1252.csv"] {
        let data = dir.path().join(format!("data-{f}"));
        let out = ok(incasso(&data, &["import", a.join(f).to_str().unwrap()]));
        assert!(out.contains("rejected: 0"), "{out}");
        outputs.push(ok(incasso(
            &data,
            &["receivables", "--as-of", AS_OF, "--format", "csv"],
        )));
    }
    assert!(
        outputs[0].lines().count() > 2000,
        "most of the generated ledger is open"
    );
    assert_eq!(
        outputs[0], outputs[1],
        "nl and en dialects must give the same receivables"
    );
    assert_eq!(
        outputs[0], outputs[2],
        "utf-8 and windows-1252 must give the same receivables"
    );
}

/// Third-party receivables exports from the shared corpus: each imports or is refused with a
/// reason that names the file.
#[test]
fn corpus_receivables_exports_import_or_are_refused_clearly() {
    let Some(corpus) = std::env::var_os("INCASSO_CORPUS").map(PathBuf::from) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "INCASSO_CORPUS must be set under CI"
        );
        eprintln!("INCASSO_CORPUS not set: corpus test skipped");
        return;
    };
    let corpus = if corpus.is_relative() {
        root().join(corpus)
    } else {
        corpus
    };
    let dir = tempfile::tempdir().unwrap();
    let afas = corpus.join("csv/receivables/bdo-debiteuren-openstaande-posten.csv");
    let data = dir.path().join("afas");
    let profile = fixture("profiles/afas-openstaande-posten.toml");
    let out = ok(incasso(
        &data,
        &[
            "import",
            "--profile",
            profile.to_str().unwrap(),
            afas.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("4 new"), "{out}");
    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", "2024-03-01", "--format", "csv"],
    ));
    assert!(
        csv.contains("12300139,3332,EUR,25717.69,25717.69,2024-02-06,24,1-30"),
        "{csv}"
    );
    // Without a profile the AFAS export lacks an issue-date column: refused, saying so.
    let o = incasso(
        &dir.path().join("afas-bare"),
        &["import", afas.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("missing required column for issue_date"),
        "{}",
        stderr(&o)
    );

    // SAP's open items name no debtor: refused with that reason, not guessed.
    let sap = corpus.join("csv/receivables/bdo-sap-offene-posten.csv");
    let o = incasso(&dir.path().join("sap"), &["import", sap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(sap.to_str().unwrap()) && err.contains("debtor_id"),
        "{err}"
    );
}

#[test]
fn demo_runs_the_flow_on_the_fixtures_and_can_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let fixtures = fixture("");
    let args = [
        "demo",
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ];
    let out = ok(incasso(dir.path(), &args));
    assert!(out.contains("5 file(s): 5 imported"), "{out}");
    assert!(
        out.contains("5 file(s): 0 imported, 5 already imported"),
        "{out}"
    );
    assert!(
        out.contains("1 new, 3 already stored from another statement"),
        "{out}"
    );
    assert!(out.contains("F2026-006    48.40  invoice-number"), "{out}");
    assert!(out.contains("submitted: 1 accepted, 0 rejected"), "{out}");
    assert!(
        out.contains("submitted: 0 accepted, 0 rejected, 1 unchanged since accepted"),
        "{out}"
    );
    assert!(store.join("report.html").exists(), "{out}");
    assert!(
        out.contains("EUR          0.00  0.00  1112.49  -99.99  1329.75  2342.25"),
        "{out}"
    );
    assert!(
        out.contains(&format!("The store is in {}", store.display())),
        "{out}"
    );
    ok(incasso(dir.path(), &args));
    let foreign = dir.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    let o = incasso(
        dir.path(),
        &[
            "demo",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--store",
            foreign.to_str().unwrap(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "the demo never clears a folder it did not make"
    );
}

#[test]
fn calc_costs_interest_and_claim_give_exact_amounts_with_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        d,
        &[
            "calc",
            "costs",
            "--principal",
            "1234.56",
            "--jurisdiction",
            "nl",
            "--debtor",
            "consumer",
            "--vat-deductible",
            "false",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(
        (
            v["amount"].as_str(),
            v["vat"].as_str(),
            v["amount_incl_vat"].as_str()
        ),
        (Some("185.18"), Some("38.89"), Some("224.07"))
    );
    assert_eq!(v["trace"][0]["step"], "band 0.00-2500.00");

    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        d,
        &[
            "calc",
            "costs",
            "--principal",
            "100",
            "--jurisdiction",
            "nl",
            "--debtor",
            "business",
            "--invoices",
            "3",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(v["amount"], "120.00", "EUR 40 per late invoice");
    let be: serde_json::Value = serde_json::from_str(&ok(incasso(
        d,
        &[
            "calc",
            "costs",
            "--principal",
            "1000",
            "--jurisdiction",
            "be",
            "--debtor",
            "consumer",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(be["amount"], "90.00");

    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        d,
        &[
            "calc",
            "interest",
            "--principal",
            "25000",
            "--from",
            "2023-04-01",
            "--to",
            "2025-12-31",
            "--jurisdiction",
            "nl",
            "--debtor",
            "business",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(v["amount"], "8783.37", "reference case NL-B-06");
    assert_eq!(v["trace"][3]["capitalised_on"], "2024-04-01");
    assert_eq!(v["trace"][3]["new_base"], "27945.89");

    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        d,
        &[
            "calc",
            "interest",
            "--principal",
            "3000",
            "--from",
            "2025-01-30",
            "--to",
            "2025-06-30",
            "--jurisdiction",
            "nl",
            "--debtor",
            "consumer",
            "--payment",
            "2025-04-15=575.00",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(
        v["payment_allocation"][0]["to_interest"][0]["amount"],
        "36.99"
    );
    assert_eq!(
        v["payment_allocation"][0]["to_principal"][0]["amount"],
        "538.01"
    );
    assert_eq!(v["principal_outstanding"], "2461.99");

    let claim = fixture("claims/nl-consumer.json");
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        d,
        &[
            "calc",
            "claim",
            "--input",
            claim.to_str().unwrap(),
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(v["collection_costs_excl_vat"], "225.00");
    assert_eq!(
        v["collection_costs_paid"], "200.00",
        "a payment after the costs fell due pays costs first"
    );
    assert_eq!(v["total_outstanding"], "1562.48");

    for (args, expect) in [
        (
            vec![
                "calc",
                "costs",
                "--principal",
                "-5",
                "--jurisdiction",
                "nl",
                "--debtor",
                "consumer",
            ],
            "must be positive",
        ),
        (
            vec![
                "calc",
                "interest",
                "--principal",
                "10",
                "--from",
                "1999-01-01",
                "--to",
                "2000-02-01",
                "--jurisdiction",
                "nl",
                "--debtor",
                "consumer",
            ],
            "no NL_6_119 rate is known for 1999-01-01",
        ),
        (
            vec![
                "calc",
                "interest",
                "--principal",
                "10",
                "--from",
                "2025-02-01",
                "--to",
                "2025-01-01",
                "--jurisdiction",
                "nl",
                "--debtor",
                "consumer",
            ],
            "before --from",
        ),
    ] {
        let o = incasso(d, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
    }
    let o = incasso(
        d,
        &[
            "calc",
            "costs",
            "--principal",
            "5",
            "--jurisdiction",
            "de",
            "--debtor",
            "consumer",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "unknown jurisdiction is a usage error"
    );
    let bad = d.join("bad.json");
    std::fs::write(&bad, r#"{"jurisdiction": "nl", "debtor_type": "consumer", "calculation_date": "2025-06-30", "invoices": [], "reminders": null}"#).unwrap();
    let o = incasso(d, &["calc", "claim", "--input", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown field `reminders`"),
        "{}",
        stderr(&o)
    );
}

/// Rate tables that reach past the built-in ones, for tests dated after them. The rates are the
/// built-in tables' last rates carried forward: test data, not a statement of the law.
fn extended_rates(dir: &Path) -> PathBuf {
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

#[test]
fn claims_qualify_by_policy_and_say_why_others_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &[
            "import",
            fixture("ledger/nl-semicolon.csv").to_str().unwrap(),
            fixture("ledger/en-comma.csv").to_str().unwrap(),
        ],
    ));

    // Past the built-in rate tables the calculation refuses, naming the table.
    let o = ok(incasso(
        &data,
        &["claims", "--as-of", AS_OF, "--format", "json"],
    ));
    assert!(
        o.contains("no NL_6_119a rate is known for 2026-11-23"),
        "{o}"
    );

    let rates = extended_rates(dir.path());
    let claims = |extra: &[&str]| -> serde_json::Value {
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
        serde_json::from_str(&ok(incasso(&data, &args))).unwrap()
    };
    let v = claims(&[]);
    let ids: Vec<&str> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["debtor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["D100", "D300"]);
    let d100 = &v["claims"][0];
    assert_eq!(d100["amounts"]["principal_outstanding"], "1512.50");
    assert_eq!(d100["amounts"]["collection_costs_excl_vat"], "226.88");
    assert_eq!(d100["debtor_type"], "business");
    assert_eq!(d100["items"].as_array().unwrap().len(), 2);
    assert!(d100["id"].as_str().unwrap().starts_with("CLM-"));
    let reasons: Vec<(String, String)> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["number"].as_str().unwrap().to_string(),
                e["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("F2026-003", "disputed"),
        ("INV-1001", "fourteen-day-letter"),
        ("INV-1002", "currency"),
        ("INV-1003", "disputed"),
    ] {
        assert!(
            reasons.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {reasons:?}"
        );
    }
    // Same inputs, same claims and ids.
    assert_eq!(v, claims(&[]));

    // A 14-day letter whose term has passed lets the consumer's invoice qualify, with costs.
    ok(incasso(
        &data,
        &[
            "reminders",
            "add",
            "--debtor",
            "C-01",
            "--kind",
            "fourteen-day-letter",
            "--sent",
            "2026-11-02",
            "--channel",
            "email",
        ],
    ));
    let v = claims(&[]);
    let c01 = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["debtor"]["id"] == "C-01")
        .expect("C-01 qualifies now");
    assert_eq!(
        c01["credit_applied"], "99.99",
        "the unapplied credit note is set off"
    );
    assert_eq!(c01["amounts"]["principal_outstanding"], "1715.01");
    assert_eq!(c01["amounts"]["collection_costs_excl_vat"], "257.25");
    assert_eq!(c01["fourteen_day_letter"]["sent"], "2026-11-02");

    // A hold in the policy and a kept payment plan take debtors out again, with reasons.
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[debtors.D300]\nhold_until = \"2026-12-31\"\nhold_reason = \"delivery complaint\"\n",
    )
    .unwrap();
    ok(incasso(
        &data,
        &[
            "plans",
            "add",
            "--id",
            "P1",
            "--debtor",
            "D100",
            "--items",
            "F2026-001,F2026-002",
            "--agreed",
            "2026-11-01",
            "--instalment",
            "2026-12-01=756.25",
            "--instalment",
            "2027-01-01=756.25",
        ],
    ));
    let v = claims(&["--policy", policy.to_str().unwrap()]);
    let ids: Vec<&str> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["debtor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["C-01"]);
    let why = |n: &str| {
        v["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["number"] == n)
            .map(|e| e["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(
        why("F2026-004").as_deref(),
        Some("debtor on hold until 2026-12-31: delivery complaint")
    );
    assert_eq!(
        why("F2026-001").as_deref(),
        Some("on payment plan P1 (kept; next instalment 2026-12-01)")
    );
    // After a missed instalment and the grace period, the plan is broken and the items qualify.
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &[
            "claims",
            "--as-of",
            "2026-12-20",
            "--rates",
            rates.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert!(
        v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["debtor"]["id"] == "D100"),
        "broken plan: D100 qualifies again"
    );
    let plans = ok(incasso(
        &data,
        &["plans", "list", "--as-of", "2026-12-20", "--format", "csv"],
    ));
    assert!(
        plans.contains("broken: instalment of 2026-12-01 short by 756.25"),
        "{plans}"
    );

    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "min_days_overdu = 10\n").unwrap();
    let o = incasso(
        &data,
        &[
            "claims",
            "--as-of",
            AS_OF,
            "--policy",
            typo.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("min_days_overdu"), "{}", stderr(&o));
}

#[test]
fn letters_have_exact_amounts_and_the_legal_pay_by_date_and_can_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &[
            "import",
            fixture("ledger/nl-semicolon.csv").to_str().unwrap(),
        ],
    ));
    std::fs::write(data.join("policy.toml"), "creditor_vat_deductible = false\n[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\n").unwrap();
    // Friday by post: received Tuesday (Sunday and Monday do not count), pay by 14 days later.
    let nl = ok(incasso(
        &data,
        &[
            "letter",
            "--debtor",
            "D100",
            "--date",
            "2026-11-20",
            "--record",
        ],
    ));
    assert!(nl.contains("Acme B.V."), "{nl}");
    assert!(nl.contains("€ 1.512,50"), "{nl}");
    assert!(
        nl.contains("Wordt deze brief op 24 november 2026 bij u bezorgd, dan is uw laatste betaaldag 8 december 2026"),
        "{nl}"
    );
    assert!(
        nl.contains("€ 274,52") && nl.contains("inclusief € 47,64 btw"),
        "WIK 226.88 + 21% VAT: {nl}"
    );
    assert!(nl.contains("op rekening NL91ABNA0417164300"), "{nl}");
    let en = dir.path().join("letter.html");
    ok(incasso(
        &data,
        &[
            "letter",
            "--debtor",
            "D100",
            "--date",
            "2026-11-20",
            "--lang",
            "en",
            "--format",
            "html",
            "--out",
            en.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&en).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("your last day to pay is 8 December 2026"),
        "{html}"
    );
    assert!(!html.contains("http"), "self-contained");
    let listed = ok(incasso(&data, &["reminders", "list", "--format", "csv"]));
    assert!(
        listed.contains(
            "D100,fourteen-day-letter,2026-11-20,2026-11-24,post,F2026-001;F2026-002,true"
        ),
        "{listed}"
    );

    let csv = dir.path().join("letters.csv");
    std::fs::write(&csv, "debtor,kind,sent,received,channel,items,states_costs\nD300,14-dagenbrief,2026-10-01,,email,F2026-004,true\nD300,aanmaning,2026-09-25,,,,\n").unwrap();
    let out = ok(incasso(
        &data,
        &["reminders", "import", csv.to_str().unwrap()],
    ));
    assert!(out.contains("2 letters read, 2 new"), "{out}");
    let again = ok(incasso(
        &data,
        &["reminders", "import", csv.to_str().unwrap()],
    ));
    assert!(again.contains("0 new, 2 already recorded"), "{again}");
    std::fs::write(&csv, "debtor,kind,sent\nD300,telegram,2026-10-01\n").unwrap();
    let o = incasso(&data, &["reminders", "import", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("line 2, column 'kind'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn ubl_invoices_import_with_attachments_once_and_join_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ok(incasso(
        &data,
        &["import", fixture("ubl").to_str().unwrap()],
    ));
    assert!(out.contains("5 file(s): 5 imported"), "{out}");
    assert!(out.contains("credit-note 12115118"), "{out}");
    assert!(out.contains("invoice TOSL108 for debtor"), "{out}");
    assert!(
        out.contains("(open 729.00)"),
        "prepaid and rounding leave 729 payable: {out}"
    );
    let attachments: Vec<_> = std::fs::read_dir(data.join("attachments"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .collect();
    assert_eq!(
        attachments.len(),
        2,
        "each embedded PDF stored once by hash"
    );
    for a in &attachments {
        let bytes = std::fs::read(a.path()).unwrap();
        assert_eq!(
            a.file_name().to_string_lossy(),
            blake3_hex(&bytes),
            "stored under its own hash"
        );
    }
    let again = ok(incasso(
        &data,
        &["import", fixture("ubl").to_str().unwrap()],
    ));
    assert!(again.contains("0 imported, 5 already imported"), "{again}");
    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-11-23", "--format", "csv"],
    ));
    assert!(csv.contains("TOSL108,"), "{csv}");
    assert!(
        csv.contains("10000005,"),
        "the doc:-prefixed invoice without XML declaration: {csv}"
    );
}

fn blake3_hex(bytes: &[u8]) -> String {
    // The store names attachments by BLAKE3; recompute it with the same crate the connector uses.
    incasso_connectors::source::hash_hex(bytes)
}

#[test]
fn bad_ubl_is_refused_with_the_element_and_nothing_is_stored() {
    for (file, expect) in [
        (
            "bad/ubl/not-ubl.xml",
            "not a UBL invoice or credit note (root element order)",
        ),
        ("bad/ubl/missing-id.xml", "element Invoice/ID: is missing"),
        (
            "bad/ubl/missing-payable.xml",
            "element Invoice/LegalMonetaryTotal/PayableAmount: is missing",
        ),
        (
            "bad/ubl/currency-mismatch.xml",
            "amount 242.00 is in USD, but the document currency is EUR",
        ),
        ("bad/ubl/truncated.xml", "not well-formed XML"),
        ("bad/ubl/billion-laughs.xml", "DOCTYPE"),
    ] {
        assert_rejected(file, &[expect]);
    }
}

#[test]
fn one_ledger_across_sources_merges_agreement_and_records_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &[
            "import",
            fixture("ubl/nl-si-ubl-2.0-minimal.xml").to_str().unwrap(),
            fixture("ubl/nl-si-ubl-2.0-full.xml").to_str().unwrap(),
        ],
    ));
    let before = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    let out = ok(incasso(
        &data,
        &[
            "import",
            fixture("sources/ledger-matching-ubl.csv").to_str().unwrap(),
        ],
    ));
    assert!(out.contains("0 new, 0 changed, 0 unchanged"), "{out}");
    assert!(out.contains("1 documents merged, 1 in conflict"), "{out}");
    // The first-seen version stays authoritative while the conflict is open.
    assert_eq!(
        before,
        ok(incasso(
            &data,
            &["receivables", "--as-of", AS_OF, "--format", "csv"]
        ))
    );
    let conflicts = ok(incasso(&data, &["conflicts", "--format", "csv"]));
    assert!(
        conflicts.contains("1,invoice TOSL108,total,1729.00,1728.00,"),
        "{conflicts}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(incasso(&data, &["conflicts", "--format", "json"]))).unwrap();
    assert_eq!(json[0]["status"], "open");

    ok(incasso(
        &data,
        &["conflicts", "resolve", "1", "--keep", "incoming"],
    ));
    let after = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert!(
        after.contains("TOSL108,88884444,EUR,1728.00,1728.00,"),
        "{after}"
    );
    assert!(ok(incasso(&data, &["conflicts"])).contains("0 conflict(s) open"));
    let o = incasso(&data, &["conflicts", "resolve", "1", "--keep", "stored"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already resolved"), "{}", stderr(&o));
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains("conflict-recorded") && audit.contains("conflict-resolved"),
        "{audit}"
    );
}

#[test]
fn workbooks_read_like_csv_and_the_same_ledger_from_two_sources_is_one_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let csv_only = dir.path().join("csv");
    ok(incasso(
        &csv_only,
        &[
            "import",
            fixture("ledger/nl-semicolon.csv").to_str().unwrap(),
        ],
    ));
    let want = ok(incasso(
        &csv_only,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    for book in [
        "xlsx/nl-ledger.xlsx",
        "xlsx/nl-ledger-1904.xlsx",
        "xlsx/nl-ledger.xls",
    ] {
        let data = dir.path().join(book.replace('/', "-"));
        let out = ok(incasso(&data, &["import", fixture(book).to_str().unwrap()]));
        assert!(out.contains("7 new"), "{book}: {out}");
        assert!(
            book.ends_with(".xls") || out.contains("1 totals"),
            "the xlsx exports end in a totals row: {out}"
        );
        assert_eq!(
            ok(incasso(
                &data,
                &["receivables", "--as-of", AS_OF, "--format", "csv"]
            )),
            want,
            "{book}"
        );
        let json: serde_json::Value = serde_json::from_str(&ok(incasso(
            &data,
            &["receivables", "--as-of", AS_OF, "--format", "json"],
        )))
        .unwrap();
        assert!(
            json["items"][0]["source"]
                .as_str()
                .unwrap()
                .contains("sheet 'Debiteuren' row"),
            "{}",
            json["items"][0]
        );
    }
    // CSV and workbook of the same ledger together: merged, the receivables unchanged.
    let both = dir.path().join("both");
    ok(incasso(
        &both,
        &[
            "import",
            fixture("ledger/nl-semicolon.csv").to_str().unwrap(),
        ],
    ));
    let out = ok(incasso(
        &both,
        &["import", fixture("xlsx/nl-ledger.xlsx").to_str().unwrap()],
    ));
    assert!(out.contains("7 documents merged, 0 in conflict"), "{out}");
    assert_eq!(
        ok(incasso(
            &both,
            &["receivables", "--as-of", AS_OF, "--format", "csv"]
        )),
        want
    );

    // A row error names the sheet's own row.
    let wb = dir.path().join("wrong.xlsx");
    std::fs::copy(fixture("xlsx/nl-ledger.xlsx"), &wb).unwrap();
    let o = incasso(
        &dir.path().join("x"),
        &["import", "--sheet", "Info", wb.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no header row recognised"),
        "{}",
        stderr(&o)
    );
    let o = incasso(
        &dir.path().join("x"),
        &["import", "--sheet", "Nope", wb.to_str().unwrap()],
    );
    assert!(
        stderr(&o).contains("has no sheet 'Nope'; its sheets are: Info, Debiteuren"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_workbooks_and_huge_files_are_refused_without_reading_them_whole() {
    assert_rejected(
        "bad/xlsx/renamed-zip.xlsx",
        &["not a readable Excel workbook"],
    );
    assert_rejected("bad/xlsx/zip-bomb.xlsx", &["likely zip bomb"]);
    assert_rejected("bad/xlsx/password-protected.xlsx", &["password-protected"]);
    // A 2 GB e-invoice (sparse, so the test stays cheap) is refused by its size.
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.xml");
    let f = std::fs::File::create(&huge).unwrap();
    use std::io::Write;
    (&f).write_all(b"<?xml version=\"1.0\"?>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">").unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap();
    let o = incasso(
        &dir.path().join("data"),
        &["import", huge.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is 2147 MB; files of this kind over 268 MB are refused"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_folder_of_e_invoices_commits_together_but_each_file_stands_alone() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    for f in std::fs::read_dir(fixture("ubl")).unwrap() {
        let p = f.unwrap().path();
        std::fs::copy(&p, inbox.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        fixture("ubl/nl-si-ubl-2.0-full.xml"),
        inbox.join("zz-same-bytes-again.xml"),
    )
    .unwrap();
    std::fs::copy(
        fixture("bad/ubl/currency-mismatch.xml"),
        inbox.join("m-bad.xml"),
    )
    .unwrap();
    let data = dir.path().join("data");
    let o = incasso(&data, &["import", inbox.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "one bad file fails the run's exit code"
    );
    let out = stdout(&o);
    assert!(
        out.contains("7 file(s): 5 imported, 1 already imported, 1 failed"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("m-bad.xml") && stderr(&o).contains("is in USD"),
        "{}",
        stderr(&o)
    );
    let audit: serde_json::Value =
        serde_json::from_str(&ok(incasso(&data, &["audit", "--format", "json"]))).unwrap();
    let names: Vec<&str> = audit["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "one import record per file: {names:?}");
    let json: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "json"],
    )))
    .unwrap();
    let sources: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"].as_str().unwrap())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("nl-si-ubl-2.0-full.xml, element /Invoice")),
        "{sources:?}"
    );
}

#[test]
fn receivables_as_a_workbook_and_csv_safe_against_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ledger = dir.path().join("hostile.csv");
    std::fs::write(
        &ledger,
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Bedrag incl. BTW\n\
         =HYPERLINK(\"http://x\");01-03-2026;31-03-2026;@D1;Jan;-100,00\n\
         F2;01-03-2026;31-03-2026;+31612345678;Piet;250,50\n",
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let csv = ok(incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains(",'@D1,"), "{csv}");
    assert!(
        csv.contains(",-100.00,") && csv.contains("F2,+31612345678,"),
        "numbers stay numbers: {csv}"
    );

    let book = dir.path().join("open.xlsx");
    let o = incasso(
        &data,
        &["receivables", "--as-of", AS_OF, "--format", "xlsx"],
    );
    assert_eq!(o.status.code(), Some(1), "xlsx needs --out");
    ok(incasso(
        &data,
        &[
            "receivables",
            "--as-of",
            AS_OF,
            "--format",
            "xlsx",
            "--out",
            book.to_str().unwrap(),
        ],
    ));
    // The workbook reads back as a ledger with the same open items: its dates and amounts are
    // real cells.
    let again = dir.path().join("again");
    let out = ok(incasso(&again, &["import", book.to_str().unwrap()]));
    assert!(out.contains("2 new"), "{out}");
    let csv2 = ok(incasso(
        &again,
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
    ));
    assert!(
        csv2.contains("F2,+31612345678,EUR,250.50,250.50,2026-03-31,"),
        "{csv2}"
    );
}

#[path = "payments.rs"]
mod payments;

#[path = "intake.rs"]
mod intake;

#[path = "inbox.rs"]
mod inbox;

#[path = "letters.rs"]
mod letters;

#[path = "truth.rs"]
mod truth;

#[path = "hostile.rs"]
mod hostile;

#[path = "othergen.rs"]
mod othergen;

#[path = "first_hour.rs"]
mod first_hour;

#[test]
fn a_huge_field_is_refused_with_its_place_and_a_short_quote() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "Bakkerij ".repeat(120_000); // about 1 MB
    let read = |f: &str| std::fs::read_to_string(fixture(f)).unwrap();
    let cases = [
        (
            "ledger.csv",
            read("ledger/nl-semicolon.csv").replacen("Bakkerij De Zon B.V.", &huge, 1),
            "line 2, column 'Naam'",
        ),
        (
            "bank.csv",
            read("bank/rabobank-2026-11.csv").replacen("Bakkerij De Zon B.V.", &huge, 1),
            "line 2, column 'Naam tegenpartij'",
        ),
        (
            "bank.camt053.xml",
            read("bank/rabobank-2026-11.camt053.xml").replacen("Bakkerij De Zon B.V.", &huge, 1),
            "Dbtr/Nm",
        ),
        (
            "bank.sta",
            read("bank/knab-2026-11-15.sta").replacen("/NAME", &format!("/NAME/{huge}"), 1),
            "field :86:",
        ),
        (
            "invoice.xml",
            read("ubl/nl-si-ubl-2.0-minimal.xml").replacen("Ontvanger", &huge, 1),
            "RegistrationName",
        ),
    ];
    for (name, text, place) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let data = dir.path().join(format!("data-{name}"));
        let o = incasso(&data, &["import", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.len() < 2_000,
            "{name}: the error quotes {} bytes",
            err.len()
        );
        assert!(err.contains(path.to_str().unwrap()), "{name}: {err}");
        assert!(err.contains(place), "{name}: expected {place} in {err}");
        assert!(err.contains("at most 4000"), "{name}: {err}");
        let stored = ok(incasso(
            &data,
            &["receivables", "--as-of", AS_OF, "--format", "csv"],
        ));
        assert_eq!(
            stored.lines().count(),
            1,
            "{name}: something was stored: {stored}"
        );
    }
}

/// Matching on other people's data, debtor identity (#13, partly): debtor columns told apart by
/// content, a credit note linked by a header in other words or by its description, and a debtor
/// master file whose names and addresses every claim then carries.
#[test]
fn debtors_an_agency_can_find_and_credit_notes_linked_in_other_words() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteur;Debiteurnummer;Type debiteur;Bedrag incl. BTW;Omschrijving;Oorspronkelijk factuurnr.\n\
         F-101;01-02-2026;15-02-2026;Bakkerij De Zon B.V.;D100;Zakelijk;1.210,00;Brood;\n\
         F-102;05-02-2026;19-02-2026;Jansen Installaties;D200;Zakelijk;500,00;Onderhoud;\n\
         F-103;06-02-2026;20-02-2026;D300;D300;Zakelijk;800,00;Verf;\n\
         C-1;10-02-2026;10-02-2026;Bakkerij De Zon B.V.;D100;Zakelijk;-210,00;Creditering factuur F-101 (te veel geleverd);\n\
         C-2;11-02-2026;11-02-2026;Jansen Installaties;D200;Zakelijk;-50,00;Korting;F-102\n",
    )
    .unwrap();
    let out = ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    assert!(
        out.contains("debtor_id <- 'Debiteurnummer', debtor_name <- 'Debiteur'"),
        "{out}"
    );
    assert!(
        out.contains("'Debiteur' holds names, 'Debiteurnummer' holds codes"),
        "{out}"
    );
    assert!(
        out.contains("credited_invoice <- 'Oorspronkelijk factuurnr.'"),
        "{out}"
    );
    assert!(
        out.contains("credit note C-1 names invoice F-101 of the same debtor in its description; linked to it"),
        "{out}"
    );
    assert!(
        out.contains(
            "debtor fields found: name; 1 of 3 debtors without a name, 3 without an address"
        ),
        "{out}"
    );
    let open = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-06-30", "--format", "csv"],
    ));
    assert!(open.contains("F-101,D100,EUR,1210.00,1000.00,"), "{open}");
    assert!(open.contains("F-102,D200,EUR,500.00,450.00,"), "{open}");

    // A debtor master file, told from a ledger by its content, fills names and addresses.
    let list = dir.path().join("klanten.csv");
    std::fs::write(
        &list,
        "Klantnummer;Naam;Adres;Postcode;Plaats;KvK;E-mail;IBAN\n\
         D300;Schildersbedrijf Verf & Co V.O.F.;Kerkstraat 7;3511 AB;Utrecht;87654321;admin@verf.nl;NL91ABNA0417164300\n\
         D100;Bakkerij De Zon B.V.;Dorpsstraat 1;1234 AB;Zeist;12345678;;\n",
    )
    .unwrap();
    let out = ok(incasso(&data, &["import", list.to_str().unwrap()]));
    assert!(out.contains("debtor list imported"), "{out}");
    assert!(
        out.contains("debtors: 2 in the file, 0 new, 2 updated"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["claims", "--as-of", "2026-06-30", "--format", "json"],
    )))
    .unwrap();
    let claims = v["claims"].as_array().unwrap();
    let d300 = claims
        .iter()
        .find(|c| c["debtor"]["id"] == "D300")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(d300["debtor"]["name"], "Schildersbedrijf Verf & Co V.O.F.");
    assert_eq!(d300["debtor"]["address"]["city"], "Utrecht");
    for c in claims {
        assert!(
            c["debtor"]["name"].as_str().is_some_and(|n| !n.is_empty()),
            "every claim names its debtor: {c}"
        );
    }
    // The list again changes nothing.
    let out = ok(incasso(&data, &["import", list.to_str().unwrap()]));
    assert!(out.contains("already imported"), "{out}");
}
