//! The command line itself: help and usage errors, a store in use, the generator, the demo.

use super::*;

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
    // The bank statements hold November payments of what was claimed as of 30 June: the claim
    // is withdrawn, naming them.
    assert!(
        out.contains("0 not sent, 1 withdrawn")
            && out.contains("possible payment Rec1c4201b52adac of EUR 1210.00 on 2026-11-02"),
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

/// `--policy` reaches every step of the nightly run, as it reaches every other command: a policy
/// that holds every debtor leaves the run with no claim to send.
#[test]
fn the_nightly_run_decides_under_the_policy_given_with_policy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &["import", fixture("ledger").to_str().unwrap()],
    ));
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Demo Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    let config = dir.path().join("incasso.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\nclaims_as_of = \"2026-06-30\"\nreport = \"{}\"\n",
            data.display(),
            dir.path().join("report.html").display()
        ),
    )
    .unwrap();
    let claims = |o: Output| -> serde_json::Value {
        let s: serde_json::Value = serde_json::from_str(&ok(o)).unwrap();
        s["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "reconcile")
            .unwrap()["detail"]["claims"]
            .clone()
    };
    let config = config.to_str().unwrap();
    assert_eq!(
        claims(incasso(&data, &["run", "--config", config])),
        serde_json::json!({ "Ok": 1 })
    );
    let strict = dir.path().join("strict.toml");
    std::fs::write(
        &strict,
        "min_days_overdue = 100000\n[creditor]\nname = \"Demo Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    std::fs::remove_file(data.join("run-state.json")).ok();
    assert_eq!(
        claims(incasso(
            &data,
            &[
                "--policy",
                strict.to_str().unwrap(),
                "run",
                "--config",
                config
            ]
        )),
        serde_json::json!({ "Ok": 0 })
    );
}
