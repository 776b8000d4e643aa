//! What a new user sees in the first hour, as snapshots of exit code, stdout and stderr: the
//! demo's closing lines (commands that run as printed), a date in the wrong layout, a read
//! command on a mistyped data directory, and a letter.

use super::*;

#[test]
fn the_demo_ends_with_commands_that_run_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let o = Command::new(env!("CARGO_BIN_EXE_incasso"))
        .args(["demo", "--as-of", "2026-11-23", "--fixtures"])
        .arg(root().join("fixtures"))
        .arg("--store")
        .arg(&store)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let closing = &out[out.find("The store is in").expect("closing lines")..];
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_incasso"));
    let closing = closing
        .replace(
            &exe.canonicalize().unwrap().display().to_string(),
            "<incasso>",
        )
        .replace(&store.display().to_string(), "<store>");
    insta::assert_snapshot!("demo_closing_lines", closing);
    // Every suggested command runs as printed.
    for line in out[out.find("The store is in").unwrap()..]
        .lines()
        .filter(|l| l.starts_with("  "))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        let o = Command::new(words[0]).args(&words[1..]).output().unwrap();
        assert!(o.status.success(), "{line}: {}", stderr(&o));
    }
    let widest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 200, "the widest line has {widest} characters");
}

#[test]
fn a_date_in_another_layout_says_which_layout() {
    let dir = tempfile::tempdir().unwrap();
    let o = incasso(dir.path(), &["ageing", "--as-of", "02-12-2026"]);
    insta::assert_snapshot!("date_in_another_layout", seen(&o, &[]));
    let o = incasso(dir.path(), &["claims", "--as-of", "20/11/2026"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected YYYY-MM-DD, e.g. 2026-11-20, or today"));
    let help = stdout(&incasso(dir.path(), &["claims", "--help"]));
    assert!(help.contains("--as-of <YYYY-MM-DD>"), "{help}");
}

#[test]
fn a_read_on_a_missing_store_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo");
    let o = incasso(&typo, &["claims", "--as-of", "2026-06-30"]);
    insta::assert_snapshot!("read_on_a_missing_store", seen(&o, &[(&typo, "<typo>")]));
    assert!(!typo.exists(), "no store made where a typo pointed");
    for read in [
        &["ageing"][..],
        &["receivables"],
        &["report", "--out", "r.html"],
        &["audit"],
    ] {
        let o = incasso(&typo, read);
        assert_eq!(o.status.code(), Some(1), "{read:?}");
    }
    assert!(!typo.exists());
}

#[test]
fn a_letter_as_the_debtor_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    let o = incasso(
        &data,
        &["letter", "--debtor", "D100", "--date", "2026-11-20"],
    );
    assert_eq!(o.status.code(), Some(1), "no creditor yet");
    assert!(stderr(&o).contains("set name and iban under [creditor]"));
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\naddress = \"Dorpsstraat 1, 1234 AB Zonnedorp\"\nkvk = \"12345678\"\n",
    )
    .unwrap();
    let o = incasso(
        &data,
        &["letter", "--debtor", "D100", "--date", "2026-11-20"],
    );
    insta::assert_snapshot!("letter_nl_business", seen(&o, &[]));
    let o = incasso(
        &data,
        &["letter", "--debtor", "NOPE", "--date", "2026-11-20"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown debtor NOPE"), "{}", stderr(&o));
}
