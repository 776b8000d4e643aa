//! Snapshots of what a person reads: the exit code, stdout and stderr of the commands that
//! print for people, on the bundled fixtures. A change to any of them shows up as a diff to
//! review (`cargo insta review`), not as a silent change.

use super::*;

/// A run as a person sees it, with the store's and the fixtures' paths, timings and the clock
/// replaced by placeholders.
fn shown(o: &Output, data: &Path) -> String {
    let text = seen(o, &[(data, "<data>"), (&root(), "<root>")]);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut l = line.to_string();
        // "imported as import #3 in 0.12s", "imported ... on 2026-12-03 07:25 UTC"
        if let Some(i) = l
            .find(" in ")
            .filter(|_| l.ends_with('s') && l.contains("import #"))
        {
            l.truncate(i);
            l.push_str(" in <time>");
        }
        if let Some(i) = l.find(" on 20").filter(|_| l.contains("already imported")) {
            let rest = l[i + 4..].split_once(" UTC").map(|(_, r)| r.to_string());
            l = format!("{} on <when> UTC{}", &l[..i], rest.unwrap_or_default());
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[test]
fn what_a_person_reads_of_the_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Demo Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    let ledger = fixture("ledger");
    let bank = fixture("bank");
    let run = |args: &[&str]| shown(&incasso(&data, args), &data);
    let ledger = ledger.to_str().unwrap();
    let bank = bank.to_str().unwrap();
    insta::assert_snapshot!("import_ledger", run(&["import", ledger]));
    insta::assert_snapshot!("import_ledger_again", run(&["import", ledger]));
    // What would go to an agency from the ledger alone; the bank statements then show those
    // invoices paid in November, and the claims as of 30 June hold them (`claims` below).
    insta::assert_snapshot!(
        "submit_dry_run_without_agency",
        run(&["submit", "--as-of", "2026-06-30", "--dry-run"])
    );
    insta::assert_snapshot!("import_bank", run(&["import", bank]));
    let as_of = AS_OF;
    for (name, args) in [
        ("receivables", vec!["receivables", "--as-of", as_of]),
        ("ageing", vec!["ageing", "--as-of", as_of]),
        (
            "ageing_by_debtor",
            vec!["ageing", "--as-of", as_of, "--by", "debtor"],
        ),
        ("allocations", vec!["allocations", "--as-of", as_of]),
        ("unmatched", vec!["unmatched", "--as-of", as_of]),
        ("review", vec!["review", "--as-of", as_of]),
        ("claims", vec!["claims", "--as-of", "2026-06-30"]),
        ("conflicts", vec!["conflicts"]),
        ("plans", vec!["plans", "list", "--as-of", as_of]),
        ("reminders", vec!["reminders", "list"]),
        ("submissions", vec!["submissions"]),
        ("rates", vec!["rates", "list"]),
        (
            "calc_costs",
            vec![
                "calc",
                "costs",
                "--principal",
                "2500",
                "--jurisdiction",
                "nl",
                "--debtor",
                "consumer",
            ],
        ),
        (
            "calc_interest",
            vec![
                "calc",
                "interest",
                "--principal",
                "1500",
                "--from",
                "2025-01-01",
                "--to",
                "2025-12-31",
                "--jurisdiction",
                "nl",
                "--debtor",
                "business",
                "--payment",
                "2025-06-30=500",
            ],
        ),
        (
            "allocate_unknown_payment",
            vec!["allocate", "NO-SUCH", "F2026-001"],
        ),
    ] {
        insta::assert_snapshot!(name, run(&args));
    }
}
