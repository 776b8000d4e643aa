//! Bank statements end to end: the real binary imports camt.053, MT940 and bank CSV files into
//! real stores, matches them to the ledger, and keeps the decisions people make.

use super::*;

const BANK_AS_OF: &str = "2026-11-23";

/// A store with the Dutch ledger and the bank fixtures imported, and what the import said.
fn bank_store(dir: &Path) -> (PathBuf, String) {
    let data = dir.join("data");
    let out = import_fixtures(&data, &["ledger/nl-semicolon.csv", "bank"]);
    (data, out)
}

/// Rows of a CSV report without the payment-id column (ids are hashes; the rest is the point).
fn csv_rows(text: &str, skip_first: bool) -> Vec<String> {
    text.lines()
        .skip(1)
        .map(|l| {
            if skip_first {
                l.split_once(',').map_or(l, |(_, rest)| rest).to_string()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// A fresh store holding `set`'s `ledger.csv`, then `files` of the set in the order `order`
/// gives: what each import printed, and the store (its folder lives as long as the first).
fn imported_in_order(
    set: &Path,
    files: &[&str],
    order: &[usize],
) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &["import", set.join("ledger.csv").to_str().unwrap()],
    ));
    let said = order
        .iter()
        .map(|&i| {
            ok(incasso(
                &data,
                &["import", set.join(files[i]).to_str().unwrap()],
            ))
        })
        .collect();
    (dir, data, said)
}

#[test]
fn statements_pay_the_ledger_and_a_line_in_two_formats_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = bank_store(dir.path());
    assert!(
        out.contains("MT940 (Knab): 1 statement(s), 1 line(s); 1 new"),
        "{out}"
    );
    assert!(
        out.contains("camt.053.001.02: 1 statement(s), 7 line(s); 7 new"),
        "{out}"
    );
    // Three of the CSV's four lines are the camt's lines again (other ids, same fingerprint).
    assert!(
        out.contains("Rabobank CSV: 1 statement(s), 4 line(s); 1 new, 3 already stored"),
        "{out}"
    );

    let rec = ok(incasso(
        &data,
        &["receivables", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert_eq!(
        rec,
        "invoice,debtor,currency,total,open,due_date,days_overdue,bucket\n\
         F2026-003,D200,EUR,605.00,605.00,2026-07-01,145,90+\n"
    );
    let alloc = ok(incasso(
        &data,
        &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert!(
        alloc.starts_with("payment,document,amount,rule,confidence\n"),
        "{alloc}"
    );
    let mut rows = csv_rows(&alloc, true);
    rows.sort();
    assert_eq!(
        rows,
        [
            "F2026-001,1210.00,structured-reference,98",
            "F2026-002,302.50,debtor-exact-amount,90",
            // A part payment of the number named is less sure than a whole one; a number and the
            // payer's exact amount agreeing, more.
            "F2026-004,1000.00,invoice-number,85",
            "F2026-004,1420.00,invoice-number,98",
            "F2026-006,48.40,invoice-number,98",
        ]
    );
    // As JSON, every allocation carries its evidence: the payment as the bank gave it, whom it
    // was taken for, and where it came from.
    let json: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["allocations", "--as-of", BANK_AS_OF, "--format", "json"],
    )))
    .unwrap();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 5, "{json}");
    for a in all {
        let e = &a["evidence"];
        assert!(e["date"].is_string() && e["source"].is_string(), "{a}");
        assert!(e["payer_taken_for"].is_string(), "{a}");
    }
    let by_amount = all
        .iter()
        .find(|a| a["rule"] == "debtor-exact-amount")
        .unwrap();
    assert!(
        by_amount["evidence"]["payer_account"].is_string(),
        "{by_amount}"
    );
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    let lines: Vec<&str> = unmatched.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{unmatched}");
    assert!(
        lines[0].contains(",312.00,EUR,312.00,unmatched,,Belastingdienst,"),
        "{unmatched}"
    );
    assert!(
        lines[1].contains(",1500.00,EUR,1500.00,review,D100,"),
        "{unmatched}"
    );
    assert!(
        lines[2].contains(",20.00,EUR,20.00,unapplied,D400,"),
        "{unmatched}"
    );
    assert!(lines[2].contains("already settled"), "{unmatched}");
    let review = ok(incasso(
        &data,
        &["review", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    let r = csv_rows(&review, true);
    assert_eq!(r.len(), 1, "{review}");
    assert!(
        r[0].starts_with("2026-11-14,1500.00,F2026-004,1420.00,invoice-number,40,"),
        "{review}"
    );
    assert!(r[0].contains("payer's account belongs to D100"), "{review}");

    // The same files again change nothing, and the views are byte-identical.
    let again = ok(incasso(
        &data,
        &["import", fixture("bank").to_str().unwrap()],
    ));
    assert!(
        again.contains("3 file(s): 0 imported, 3 already imported"),
        "{again}"
    );
    assert_eq!(
        ok(incasso(
            &data,
            &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"]
        )),
        alloc
    );

    // Payments after the as-of date do not count yet.
    let early = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-11-04", "--format", "csv"],
    ));
    assert!(
        early.contains("F2026-002,D100,EUR,302.50,302.50"),
        "{early}"
    );
    assert!(
        early.contains("F2026-004,D300,EUR,3025.00,1420.00"),
        "{early}"
    );
}

/// The payment of the first allocation (as of the bank fixtures' date) whose row has `row_part`.
fn payment_allocated(data: &Path, row_part: &str) -> String {
    let alloc = ok(incasso(
        data,
        &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    let row = alloc.lines().find(|l| l.contains(row_part));
    let row = row.unwrap_or_else(|| panic!("no allocation with {row_part}: {alloc}"));
    row.split(',').next().unwrap().to_string()
}

#[test]
fn manual_decisions_win_are_audited_and_survive_new_statements() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = bank_store(dir.path());
    let review = ok(incasso(
        &data,
        &["review", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    let doubtful = review
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let by_amount = payment_allocated(&data, ",F2026-002,302.50,");

    // The 302.50 was Bakkerij's F2026-002? The bookkeeper says no, and books the 1500 on it.
    ok(incasso(&data, &["unallocate", &by_amount, "F2026-002"]));
    ok(incasso(
        &data,
        &["allocate", &doubtful, "F2026-002", "302.50"],
    ));
    let check = |data: &Path| {
        let alloc = ok(incasso(
            data,
            &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"],
        ));
        assert!(
            alloc.contains(&format!("{doubtful},F2026-002,302.50,manual,100")),
            "{alloc}"
        );
        assert!(
            !alloc.contains(&format!("{by_amount},F2026-002")),
            "{alloc}"
        );
        let unmatched = ok(incasso(
            data,
            &["unmatched", "--as-of", BANK_AS_OF, "--format", "csv"],
        ));
        assert!(
            unmatched.contains(&format!(
                "{doubtful},2026-11-14,1500.00,EUR,1197.50,partly-allocated"
            )),
            "{unmatched}"
        );
        // The 302.50 now finds nothing else of D100 open: unapplied cash, never dropped.
        assert!(
            unmatched.contains(&format!(
                "{by_amount},2026-11-10,302.50,EUR,302.50,unapplied,D100"
            )),
            "{unmatched}"
        );
    };
    check(&data);
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains("allocate") && audit.contains("unallocate"),
        "{audit}"
    );
    // A statement's import says what it stored, and every row has its number.
    assert!(audit.contains(" bank lines new, "), "{audit}");
    assert!(
        audit.lines().skip(1).all(|l| !l.starts_with(',')),
        "no empty seq: {audit}"
    );

    // A new statement arrives: the decisions still hold.
    let extra = dir.path().join("extra.csv");
    let csv = std::fs::read_to_string(fixture("bank/rabobank-2026-11.csv")).unwrap();
    std::fs::write(
        &extra,
        format!("{csv}\"NL93RABO0123456780\",\"EUR\",\"RABONL2U\",\"000000000000007009\",\"2026-11-20\",\"2026-11-20\",\"+605,00\",\"+0,00\",\"NL02ABNA0123456789\",\"J. Jansen\",\"\",\"\",\"\",\"cb\",\"\",\"\",\"\",\"\",\"\",\"F2026-003\",\"\",\"\",\"\",\"\",\"\",\"\"\n"),
    )
    .unwrap();
    let out = ok(incasso(&data, &["import", extra.to_str().unwrap()]));
    assert!(out.contains("1 new, 4 already stored"), "{out}");
    check(&data);
    let rec = ok(incasso(
        &data,
        &["receivables", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert_eq!(
        rec.lines().count(),
        1,
        "the disputed F2026-003 is paid now: {rec}"
    );

    // Unknown ids and documents are refused and change nothing.
    let o = incasso(&data, &["allocate", "Rnothing", "F2026-002"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("payment Rnothing is not in the ledger"),
        "{}",
        stderr(&o)
    );
    let o = incasso(&data, &["allocate", &doubtful, "F2099-999"]);
    assert!(
        stderr(&o).contains("document F2099-999 is not in the ledger"),
        "{}",
        stderr(&o)
    );

    // The same decision again (a form sent twice) is recorded once (review 45d, F-2).
    let decisions = |data: &Path| {
        ok(incasso(data, &["audit", "--format", "csv"]))
            .lines()
            .filter(|l| l.contains("(incasso allocate)"))
            .count()
    };
    let before = decisions(&data);
    let said = ok(incasso(
        &data,
        &["allocate", &doubtful, "F2026-002", "302,50"],
    ));
    assert!(said.contains("recorded before: nothing added"), "{said}");
    assert_eq!(decisions(&data), before);
    // Money received pays invoices, not credit notes; an amount above what is left of the
    // payment is refused whole (review 45e, F-3 and F-4).
    let o = incasso(&data, &["allocate", &doubtful, "C2026-001"]);
    assert!(stderr(&o).contains("is a credit note"), "{}", stderr(&o));
    let o = incasso(&data, &["allocate", &doubtful, "F2026-001", "1200.00"]);
    assert!(
        stderr(&o).contains("1197.50 is left, not 1200.00"),
        "{}",
        stderr(&o)
    );
    check(&data);
    // An amount typed so that it may mean two things, or more than the payment brought, is
    // refused (review 45d, F-3).
    let o = incasso(&data, &["allocate", &doubtful, "F2026-001", "1.000"]);
    assert!(stderr(&o).contains("a thousand"), "{}", stderr(&o));
    let o = incasso(&data, &["allocate", &doubtful, "F2026-001", "5000"]);
    assert!(
        stderr(&o).contains("is more than payment") && stderr(&o).contains("brought (1500.00)"),
        "{}",
        stderr(&o)
    );
    // The rest of the 1,500.00 to F2026-001; then nothing is left for a third document, and a
    // decision that could not take effect is refused, not confirmed (review 45d, F-1).
    ok(incasso(
        &data,
        &["allocate", &doubtful, "F2026-001", "1197.50"],
    ));
    let o = incasso(&data, &["allocate", &doubtful, "F2026-004"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("is allocated by hand to F2026-002, F2026-001 already, which take all of it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(decisions(&data), before + 1);
}

/// A person who takes an allocation back and then makes it after all is heard: the last decision
/// about a payment and a document holds (the allocation was confirmed, and never applied).
#[test]
fn a_decision_made_again_after_it_was_taken_back_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = bank_store(dir.path());
    let allocations = || {
        ok(incasso(
            &data,
            &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"],
        ))
    };
    let by_amount = payment_allocated(&data, ",F2026-002,302.50,");
    ok(incasso(&data, &["unallocate", &by_amount, "F2026-002"]));
    assert!(!allocations().contains(&format!("{by_amount},F2026-002")));
    let said = ok(incasso(&data, &["allocate", &by_amount, "F2026-002"]));
    assert!(
        said.contains("applied to F2026-002 302.50 (manual); 0.00 not applied (allocated)"),
        "the answer says what the decision did: {said}"
    );
    let now = allocations();
    assert!(
        now.contains(&format!("{by_amount},F2026-002,302.50,manual,100")),
        "{now}"
    );
    // Taken back from the whole payment, then given to the invoice again with an amount.
    ok(incasso(&data, &["unallocate", &by_amount]));
    assert!(!allocations().contains(&format!("{by_amount},F2026-002")));
    let said = ok(incasso(
        &data,
        &["allocate", &by_amount, "F2026-002", "100.00"],
    ));
    assert!(
        said.contains("applied to F2026-002 100.00 (manual); 202.50 not applied"),
        "{said}"
    );
    let now = allocations();
    assert!(
        now.contains(&format!("{by_amount},F2026-002,100.00,manual,100")),
        "{now}"
    );
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert!(
        unmatched.contains(&format!("{by_amount},2026-11-10,302.50,EUR,202.50,")),
        "the rest is kept from the rules: {unmatched}"
    );
    // F2026-005, an invoice of 87.20 the books call paid: more than its total is refused; the
    // payment takes what the books settled, 87.20, and a decision for the rest of the payment is
    // not refused as if more were spent (review 46c, F-7).
    let o = incasso(&data, &["allocate", &by_amount, "F2026-005", "300"]);
    assert!(
        stderr(&o).contains("300.00 is more than F2026-005's total (87.20)"),
        "{}",
        stderr(&o)
    );
    let said = ok(incasso(&data, &["allocate", &by_amount, "F2026-005"]));
    assert!(said.contains("F2026-005 87.20 (manual)"), "{said}");
    let said = ok(incasso(
        &data,
        &["allocate", &by_amount, "F2026-002", "200"],
    ));
    assert!(
        said.contains("F2026-002 200.00 (manual)") && said.contains("15.30 not applied"),
        "{said}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_statements_name_the_place_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    let camt = std::fs::read_to_string(fixture("bank/rabobank-2026-11.camt053.xml")).unwrap();
    let cut = &camt[..camt.find("<Amt Ccy=\"EUR\">302.50").unwrap() + 20];
    let rabo = std::fs::read_to_string(fixture("bank/rabobank-2026-11.csv")).unwrap();
    let mt940 = std::fs::read_to_string(fixture("bank/knab-2026-11-15.sta")).unwrap();
    let cases: Vec<(PathBuf, &[&str])> = vec![
        (
            write(dir.path(), "cut.xml", cut),
            &["cut.xml", "statement 1, entry 5", "cut off"],
        ),
        (
            write(
                dir.path(),
                "balance.sta",
                &mt940.replace(":62F:C261115EUR1420,00", ":62F:C261115EUR1420,01"),
            ),
            &["balance.sta", "statement KNAB20261115", "1420,01"],
        ),
        (
            write(
                dir.path(),
                "broken61.sta",
                &mt940.replace(":61:2611151115C", ":61:2613151115C"),
            ),
            &["broken61.sta", "line 6, field :61:"],
        ),
        (
            write(
                dir.path(),
                "missing.csv",
                &rabo.replacen(",\"Bedrag\"", "", 1),
            ),
            &["missing.csv", "Bedrag"],
        ),
        (
            write(
                dir.path(),
                "ambiguous.csv",
                &rabo.replace("\"+1500,00\"", "\"1.000\""),
            ),
            &["ambiguous.csv", "line 5", "1.000", "ambiguous"],
        ),
    ];
    for (file, expect) in &cases {
        let o = incasso(&data, &["import", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", file.display());
        let err = stderr(&o);
        for e in *expect {
            assert!(
                err.contains(e),
                "{}: expected '{e}' in:\n{err}",
                file.display()
            );
        }
        assert!(err.contains("nothing from this file was stored"), "{err}");
    }
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert_eq!(
        unmatched.lines().count(),
        1,
        "no payment stored: {unmatched}"
    );
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        !audit.contains("cut.xml") && !audit.contains("balance.sta"),
        "{audit}"
    );
    // The good files still import afterwards.
    let out = ok(incasso(
        &data,
        &["import", fixture("bank").to_str().unwrap()],
    ));
    assert!(out.contains("3 imported"), "{out}");
}

#[test]
fn corpus_bank_files_import_or_are_refused_with_what_they_are() {
    let Some(corpus) = std::env::var_os("INCASSO_CORPUS").map(PathBuf::from) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "INCASSO_CORPUS must be set under CI"
        );
        return;
    };
    let corpus = if corpus.is_relative() {
        root().join(corpus)
    } else {
        corpus
    };
    let dir = tempfile::tempdir().unwrap();
    let mut imported = 0;
    let mut refused = 0;
    let mut accepted = 0;
    for folder in ["bank/camt053", "bank/mt940", "csv/bank"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let data = dir.path().join(&name);
            let o = incasso(&data, &["import", f.to_str().unwrap()]);
            let err = stderr(&o);
            let expect_refusal: Option<&str> = match name.as_str() {
                "genkgo-camt052-v2.xml" => Some("intraday account report"),
                "oca-camt053.zip" => Some("zip archive"),
                "genkgo-camt053-v2-wrong.xml" => Some("without any Stmt"),
                "ing-nl-balance-history.csv" => Some("balance history"),
                "degiro-account.csv" => Some("DEGIRO"),
                "knab-no-header.csv" => Some("without its column header"),
                "empty.csv" => Some("the file is empty"),
                _ => None,
            };
            if o.status.success() {
                imported += 1;
                assert!(expect_refusal.is_none(), "{name} should be refused");
                let out = stdout(&o);
                assert!(
                    out.contains("line(s)"),
                    "{name} is read as a statement: {out}"
                );
            } else {
                refused += 1;
                assert!(
                    err.contains(&name),
                    "{name}: the error names the file: {err}"
                );
                assert!(err.contains("nothing from this file was stored"), "{err}");
                match expect_refusal {
                    Some(why) => assert!(err.contains(why), "{name}: {err}"),
                    // The rest of the refusals are MT940 and camt.053 files whose balances do not
                    // add up (edited upstream test files) or that are cut off: the message says
                    // so and where.
                    None => assert!(
                        err.contains("closing balance")
                            || err.contains(":62F:")
                            || err.contains("opening"),
                        "{name}: {err}"
                    ),
                }
                if err.contains("--accept-unbalanced") {
                    // The user with no better file imports it anyway, and is told what was off.
                    import_accepting_unbalanced(&data, &f);
                    accepted += 1;
                }
            }
        }
    }
    assert!(
        imported >= 24 && refused >= 14 && accepted >= 6,
        "{imported} imported, {refused} refused, {accepted} accepted although unbalanced"
    );
}

#[test]
fn generated_statement_is_matched_as_intended() {
    let dir = tempfile::tempdir().unwrap();
    let gen = dir.path().join("gen");
    ok(incasso(
        dir.path(),
        &[
            "fixtures",
            "generate",
            "--invoices",
            "3000",
            "--payments",
            "--out",
            gen.to_str().unwrap(),
        ],
    ));
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &[
            "import",
            gen.join("ledger-nl.csv").to_str().unwrap(),
            gen.join("bank.camt053.xml").to_str().unwrap(),
        ],
    ));
    // The same statement as a CSV export adds nothing.
    let out = ok(incasso(
        &data,
        &["import", gen.join("bank-rabobank.csv").to_str().unwrap()],
    ));
    assert!(out.contains(" 0 new, "), "{out}");
    // The generator's folder imports as it is: the expectations sit in a folder of their own.
    let whole = ok(incasso(
        &dir.path().join("whole"),
        &["import", gen.to_str().unwrap()],
    ));
    assert!(!whole.contains("expected"), "{whole}");
    let rec = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-10-31", "--format", "csv"],
    ));
    let open: std::collections::HashMap<&str, &str> = rec
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[4])
        })
        .collect();
    let expected = std::fs::read_to_string(gen.join("expected/expected-open.csv")).unwrap();
    let (mut right, mut all, mut paid_by_bank) = (0, 0, 0);
    for l in expected.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        all += 1;
        paid_by_bank += usize::from(f[2] != "unpaid");
        if open.get(f[0]).copied().unwrap_or("0.00") == f[1] {
            right += 1;
        }
    }
    assert!(paid_by_bank > 1000, "{paid_by_bank}");
    assert!(
        right * 1000 >= all * 995,
        "{right} of {all} invoices have the intended open amount"
    );
    // Unrelated money (tax refunds, gifts, interest) is never allocated.
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", "2026-10-31", "--format", "csv"],
    ));
    let lines = std::fs::read_to_string(gen.join("expected/expected-lines.csv")).unwrap();
    for l in lines.lines().filter(|l| l.contains(",unrelated,")) {
        let marker = l.rsplit(',').next().unwrap();
        let row = unmatched
            .lines()
            .find(|u| u.contains(marker))
            .unwrap_or_else(|| panic!("{marker} not listed"));
        assert!(row.contains(",unmatched,"), "{row}");
    }
}

/// A camt.054 credit notification first, the camt.053 of the same day after: each payment once.
#[test]
fn a_notification_and_the_statement_of_its_day_store_each_payment_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    let out = ok(incasso(
        &data,
        &[
            "import",
            fixture("bank-notification/rabobank-2026-11-02.camt054.xml")
                .to_str()
                .unwrap(),
        ],
    ));
    assert!(
        out.contains("camt.054.001.04") && out.contains("1 new"),
        "{out}"
    );
    let out = ok(incasso(
        &data,
        &[
            "import",
            fixture("bank/rabobank-2026-11.camt053.xml")
                .to_str()
                .unwrap(),
        ],
    ));
    assert!(out.contains("1 already stored"), "{out}");
    let alloc = ok(incasso(
        &data,
        &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert_eq!(
        alloc.lines().filter(|l| l.contains(",F2026-001,")).count(),
        1,
        "paid once: {alloc}"
    );
}

/// ASN Bank's CSV export has no header: recognised by its shape, named in the summary; a file
/// nothing recognises says what it looks like and which formats were tried.
#[test]
fn asn_bank_csv_without_header_imports_and_unknown_files_say_what_was_tried() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    let out = ok(incasso(
        &data,
        &[
            "import",
            fixture("bank-asn/transactie-historie_NL12ASNB0123456789_20261120.csv")
                .to_str()
                .unwrap(),
        ],
    ));
    assert!(
        out.contains("ASN Bank CSV") && out.contains("2 new"),
        "{out}"
    );
    // Renamed, it is still recognised: the file name helps nobody here.
    let renamed = dir.path().join("export.csv");
    std::fs::copy(
        fixture("bank-asn/transactie-historie_NL12ASNB0123456789_20261120.csv"),
        &renamed,
    )
    .unwrap();
    let out = ok(incasso(
        &dir.path().join("other"),
        &["import", renamed.to_str().unwrap()],
    ));
    assert!(out.contains("ASN Bank CSV"), "{out}");
    let odd = dir.path().join("odd.csv");
    std::fs::write(&odd, "a,b,c\n1,2,3\n4,5,6\n").unwrap();
    let o = incasso(&data, &["import", odd.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("it looks like text of 3 rows with 3 fields each, separated by ','")
            && err.contains("ASN Bank by their layout"),
        "{err}"
    );
}

/// Imports a statement that does not add up with `--accept-unbalanced`: it is imported and says
/// what was off. What the import printed.
fn import_accepting_unbalanced(data: &Path, file: &Path) -> String {
    let out = ok(incasso(
        data,
        &["import", "--accept-unbalanced", file.to_str().unwrap()],
    ));
    assert!(
        out.contains("accepted although"),
        "{}: {out}",
        file.display()
    );
    out
}

/// A statement whose lines do not add up is refused, naming what was checked; with
/// --accept-unbalanced it is imported and the mismatch is shown and kept in the audit log.
#[test]
fn an_unbalanced_statement_is_refused_or_accepted_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = fixture("bank-unbalanced/raiffeisen-hu-2026-04-17.sta");
    let o = incasso(&data, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("every line was read: 4 lines (1 credits, 3 debits, 0 reversals RC/RD)")
            && err.contains("--accept-unbalanced"),
        "{err}"
    );
    let out = import_accepting_unbalanced(&data, &file);
    assert!(out.contains("4 line(s); 4 new"), "{out}");
    // The 8-bit text was decoded as the Central European code page it is in, and said so.
    assert!(out.contains("(text in windows-1250)"), "{out}");
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", "2026-04-30", "--format", "csv"],
    ));
    assert!(unmatched.contains("GYŐRI HŰTŐHÁZ"), "{unmatched}");
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains("unbalanced-accepted") && audit.contains("closing balance"),
        "{audit}"
    );
}

/// A camt.053 statement that gives its booked opening and closing balance must add up: one that
/// lacks an entry (and so would leave a paid invoice open) is refused, nothing of it stored, and
/// imported only on request, the mismatch kept in the audit log.
#[test]
fn a_camt_statement_missing_an_entry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read_to_string(fixture("bank/rabobank-2026-11.camt053.xml")).unwrap();
    // The fixture gives only its opening balance; the bank's closing one is 5000.00 + 2742.90.
    let closing = "</Bal><Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>\
                   <Amt Ccy=\"EUR\">7742.90</Amt><CdtDbtInd>CRDT</CdtDbtInd>\
                   <Dt><Dt>2026-11-30</Dt></Dt></Bal>";
    let whole = whole.replacen("</Bal>", closing, 1);
    let at = whole.find("312.00").unwrap();
    let start = whole[..at].rfind("<Ntry>").unwrap();
    let end = at + whole[at..].find("</Ntry>").unwrap() + "</Ntry>".len();
    let lacking = format!("{}{}", &whole[..start], &whole[end..]);
    let (good, bad) = (dir.path().join("whole.xml"), dir.path().join("lacking.xml"));
    std::fs::write(&good, &whole).unwrap();
    std::fs::write(&bad, &lacking).unwrap();

    let out = ok(incasso(
        &dir.path().join("a"),
        &["import", good.to_str().unwrap()],
    ));
    assert!(out.contains("7 line(s); 7 new"), "{out}");

    let data = dir.path().join("b");
    let o = incasso(&data, &["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("lacking.xml")
            && err.contains("opening balance OPBD 5000.00 + booked entries 2430.90 = 7430.90 but the closing balance CLBD says 7742.90")
            && err.contains("5 booked (4 credits, 1 debits, 0 reversals)")
            && err.contains("nothing from this file was stored"),
        "{err}"
    );
    let out = import_accepting_unbalanced(&data, &bad);
    assert!(out.contains("6 line(s); 6 new"), "{out}");
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains("unbalanced-accepted")
            && audit.contains("closing balance CLBD says 7742.90"),
        "{audit}"
    );
}

/// camt.053 statements written by a helper from the ISO 20022 rules alone, without seeing the
/// reader (`fixtures/othergen4/`): those that add up are read with every booked line, those that
/// do not are refused naming the statement and the three figures, and read on request.
#[test]
fn camt_balances_from_other_hands() {
    let dir = tempfile::tempdir().unwrap();
    let set = fixture("othergen4/camt-balances");
    let manifest = std::fs::read_to_string(set.join("MANIFEST.csv")).unwrap();
    let mut checked = 0;
    for row in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = row.split(',').collect();
        let (file, lines, adds_up, off_by) = (f[0], f[2], f[3], f[4]);
        let (code, opening, booked, closing) = (f[5], f[6], f[7], f[8]);
        let path = set.join(file);
        let data = dir.path().join(file);
        let read = format!("{lines} line(s); {lines} new");
        let o = incasso(&data, &["import", path.to_str().unwrap()]);
        if adds_up == "no" {
            assert_eq!(o.status.code(), Some(1), "{file}");
            let err = stderr(&o);
            let sum: rust_decimal::Decimal = opening.parse::<rust_decimal::Decimal>().unwrap()
                + booked.parse::<rust_decimal::Decimal>().unwrap();
            for expect in [
                format!("statement {off_by} "),
                format!("opening balance {code} {opening} + booked entries {booked} = {sum}"),
                format!("closing balance CLBD says {closing}"),
                "nothing from this file was stored".to_string(),
            ] {
                assert!(err.contains(&expect), "{file}: {expect:?} in {err}");
            }
            let out = import_accepting_unbalanced(&data, &path);
            assert!(out.contains(&read), "{file}: {out}");
        } else {
            let out = ok(o);
            assert!(out.contains(&read), "{file} ({adds_up}): {read:?} in {out}");
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

/// The reconciliation kept in the store: reused while nothing changes, worked out again after an
/// import or a decision, never trusted when damaged, and checked by `reconcile --full`.
#[test]
fn the_kept_reconciliation_is_reused_only_for_the_same_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = bank_store(dir.path());
    let reconcile = |extra: &[&str]| {
        let mut args = vec!["reconcile", "--as-of", BANK_AS_OF];
        args.extend_from_slice(extra);
        ok(incasso(&data, &args))
    };
    let allocations = || {
        ok(incasso(
            &data,
            &["allocations", "--as-of", BANK_AS_OF, "--format", "csv"],
        ))
    };
    let ageing = || ok(incasso(&data, &["ageing", "--as-of", BANK_AS_OF]));
    assert!(reconcile(&[]).contains("worked out and kept"));
    let (first, aged) = (allocations(), ageing());
    assert!(first.lines().count() > 3, "{first}");
    let again = reconcile(&[]);
    assert!(again.contains("reused: nothing changed"), "{again}");
    assert_eq!(allocations(), first);
    assert_eq!(ageing(), aged);
    let full = reconcile(&["--full"]);
    assert!(
        full.contains("a full recomputation gives exactly the kept reconciliation"),
        "{full}"
    );
    // Another as-of date is other inputs.
    let other = ok(incasso(&data, &["reconcile", "--as-of", "2026-12-31"]));
    assert!(other.contains("worked out and kept"), "{other}");
    assert!(reconcile(&[]).contains("worked out and kept"));

    // A damaged file is worked out again, and the answer is the same.
    let kept = data.join("reconciled.bin");
    let mut bytes = std::fs::read(&kept).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xFF;
    std::fs::write(&kept, &bytes).unwrap();
    assert_eq!(allocations(), first);
    // Each read checks only the sections it reads: the first full read after the damage works
    // it out again when the damage is in one of those, and the next reuses it.
    reconcile(&[]);
    assert!(reconcile(&[]).contains("reused: nothing changed"));

    // A decision by hand changes the inputs: the next read works it out again and shows it.
    let line = first.lines().nth(1).unwrap().to_string();
    let mut cells = line.split(',');
    let (payment, document) = (cells.next().unwrap(), cells.next().unwrap());
    ok(incasso(&data, &["unallocate", payment, document]));
    assert!(reconcile(&[]).contains("worked out and kept"));
    let after = allocations();
    assert!(!after.contains(&line), "{after}");
    // So does an import.
    ok(incasso(
        &data,
        &["import", fixture("ledger/en-comma.csv").to_str().unwrap()],
    ));
    assert!(reconcile(&[]).contains("worked out and kept"));
    assert!(reconcile(&["--full"]).contains("exactly the kept"));
    // Other matching rules are other inputs.
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[matching]\nreview_below = 90\n").unwrap();
    let stricter = ok(incasso(
        &data,
        &[
            "--policy",
            policy.to_str().unwrap(),
            "reconcile",
            "--as-of",
            BANK_AS_OF,
        ],
    ));
    assert!(stricter.contains("worked out and kept"), "{stricter}");
}

/// Two numbering series that overlap: an invoice and a credit note both numbered X-7. A person
/// who names X-7 means the invoice, and is told so; the decision is recorded on the invoice,
/// never on the credit note.
#[test]
fn a_number_an_invoice_and_a_credit_note_share_means_the_invoice_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = bank_store(dir.path());
    let ledger = dir.path().join("overlap.csv");
    std::fs::write(
        &ledger,
        "Invoice No,Invoice Date,Due Date,Customer ID,Customer Name,Total,Tax,Currency,Payment Reference,Status\n\
         X-7,2026-09-01,2026-10-01,C-77,Overlap Ltd,312.00,0.00,EUR,,Open\n\
         X-7,2026-09-20,2026-09-20,C-77,Overlap Ltd,-12.00,0.00,EUR,,Open\n",
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let receivables = ok(incasso(
        &data,
        &["receivables", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    assert_eq!(
        receivables.lines().filter(|l| l.contains("X-7")).count(),
        2,
        "an invoice and a credit note: {receivables}"
    );
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", BANK_AS_OF, "--format", "csv"],
    ));
    let payment = unmatched
        .lines()
        .find(|l| l.contains(",312.00,EUR,312.00,unmatched,"))
        .and_then(|l| l.split(',').next())
        .unwrap_or_else(|| panic!("{unmatched}"))
        .to_string();
    let said = ok(incasso(&data, &["allocate", &payment, "X-7"]));
    assert!(
        said.contains("invoice X-7 (a credit note has the number X-7 too; the invoice is meant)"),
        "{said}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["allocations", "--as-of", BANK_AS_OF, "--format", "json"],
    )))
    .unwrap();
    let mine: Vec<&serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["payment"] == payment.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{json}");
    assert_eq!(mine[0]["document"], "X-7", "{}", mine[0]);
    assert_eq!(mine[0]["kind"], "invoice", "{}", mine[0]);
    assert_eq!(mine[0]["amount"], "312.00", "{}", mine[0]);
    let said = ok(incasso(&data, &["unallocate", &payment, "X-7"]));
    assert!(said.contains("the invoice is meant"), "{said}");
}

/// A direct debit returned (MD06), as other hands wrote it in camt.053, ING MT940, ING CSV and
/// Rabobank CSV (`fixtures/othergen12/bank-reversals/`): the return undoes the payment, so the
/// invoice is open for its whole amount again, however the bank marks it (a reversal indicator
/// with either party, return information or a return's transaction code, `/RTRN/`, `RC`,
/// `Storno`, `Reden retour`).
#[test]
fn returned_direct_debits_from_other_hands() {
    let set = fixture("othergen12/bank-reversals");
    let cases: [&[&str]; 8] = [
        &[
            "camt-20260312-payment.xml",
            "R2a-camt-20260316-rvsl-original-parties.xml",
        ],
        &[
            "camt-20260312-payment.xml",
            "R2b-camt-20260316-rvsl-dbtr-only.xml",
        ],
        &[
            "camt-20260312-payment.xml",
            "R2c-camt-20260316-rvsl-swapped.xml",
        ],
        &[
            "camt-20260312-payment.xml",
            "R3-camt-20260316-return-no-rvslind.xml",
        ],
        &["R4-ing-mt940-return-D-RTRN.940"],
        &["R5-ing-mt940-return-RC.940"],
        &["R7-ing-csv-storno.csv"],
        &["R1-rabo-same-file.csv"],
    ];
    let mut wrong = Vec::new();
    for files in cases {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        ok(incasso(
            &data,
            &["import", set.join("ledger.csv").to_str().unwrap()],
        ));
        for f in files {
            ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
        }
        let open = ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        let line = open.lines().find(|l| l.starts_with("F2026-401,"));
        if !line.is_some_and(|l| l.contains(",1000.00,1000.00,")) {
            wrong.push(format!("{files:?}: {line:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Two collections alike from one payer and the return of one, in camt.053 and in Rabobank's
/// MT940 that dates it by its value date, as other hands wrote them (`S7-…` in
/// `fixtures/othergen12/bank-reversals/`): in any order, the returned invoice is open again
/// and the other stays paid.
#[test]
fn a_return_in_two_formats_undoes_one_collection() {
    let set = fixture("othergen12/bank-reversals");
    let files = [
        "S7-camt-20260212-collection-201.xml",
        "S7-camt-20260312-collection-202.xml",
        "S7-camt-20260316-return-202.xml",
        "S7-rabo-mt940-20260316-return-202.swi",
    ];
    let orders: [[usize; 4]; 3] = [[0, 1, 2, 3], [3, 0, 1, 2], [2, 0, 3, 1]];
    for order in orders {
        let (_dir, data, _) = imported_in_order(&set, &files, &order);
        let open = ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        let d200: Vec<&str> = open.lines().filter(|l| l.contains(",D200,")).collect();
        assert_eq!(d200.len(), 1, "{order:?}: {d200:?}");
        assert!(d200[0].starts_with("F2026-202,"), "{order:?}: {d200:?}");
    }
}

/// One ABN AMRO day as camt.053 (the account as an IBAN) and as MT940 and TAB (the account
/// number alone), as other hands wrote them (`fixtures/othergen12/abn-formats/`): three lines
/// stored whatever the order, so no copy settles an invoice nobody paid.
#[test]
fn one_abn_amro_day_in_three_formats_counts_once() {
    let set = fixture("othergen12/abn-formats");
    let files = [
        "abn-camt053-20260310.xml",
        "abn-20260310.STA",
        "TXT260311101512.TAB",
    ];
    for order in [[0, 1, 2], [1, 2, 0], [2, 0, 1]] {
        let (_dir, data, said) = imported_in_order(&set, &files, &order);
        assert!(said[0].contains("3 new"), "{order:?}: {}", said[0]);
        for s in &said[1..] {
            assert!(s.contains("0 new, 3 already stored"), "{order:?}: {s}");
        }
        let open = ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        for unpaid in ["F2026-102,", "F2026-202,"] {
            assert!(
                open.lines().any(|l| l.starts_with(unpaid)),
                "{order:?}: {unpaid} is still owed: {open}"
            );
        }
    }
}

/// A day downloaded twice in one format (two camt.054 notifications; an ING CSV export at midday
/// and again later) stores each transfer once, whatever the order, also when two transfers are
/// alike in account, date, amount and payer: a line its own format words otherwise is another
/// transfer, while the day's camt.053 only repeats the notifications.
#[test]
fn a_later_download_of_a_day_adds_what_the_first_did_not_have() {
    let set = fixture("othergen12/partial-downloads");
    let camt = [
        "rabo-20260310-0914.camt054.xml",
        "rabo-20260310-1530.camt054.xml",
        "rabo-camt053-20260310.xml",
    ];
    let ing = [
        "NL69INGB0123456789_01-03-2026_10-03-2026.csv",
        "NL69INGB0123456789_01-03-2026_31-03-2026.csv",
    ];
    let orders: [&[&str]; 4] = [&camt, &[camt[2], camt[1], camt[0]], &ing, &[ing[1], ing[0]]];
    for files in orders {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        ok(incasso(
            &data,
            &["import", set.join("ledger.csv").to_str().unwrap()],
        ));
        let said: Vec<String> = files
            .iter()
            .map(|f| ok(incasso(&data, &["import", set.join(f).to_str().unwrap()])))
            .collect();
        let new: usize = said
            .iter()
            .map(|s| {
                let at = s.find(" new,").expect("a bank import says what is new");
                let digits = s[..at].rsplit(' ').next().unwrap();
                digits.parse::<usize>().unwrap()
            })
            .sum();
        let transfers = if files.len() == 3 { 2 } else { 3 };
        assert_eq!(new, transfers, "{files:?}: {said:?}");
        let allocations = ok(incasso(
            &data,
            &["allocations", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        for paid in ["F2026-201", "F2026-202"] {
            assert!(
                allocations
                    .lines()
                    .any(|l| l.contains(&format!(",{paid},121.00,invoice-number,"))),
                "{files:?}: {paid} is paid by the transfer naming it: {allocations}"
            );
        }
        let open = ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        assert!(
            !open.contains("F2026-201,") && !open.contains("F2026-202,"),
            "{files:?}: {open}"
        );
    }
}

/// A midday CSV export, then the day's camt.053 listing the afternoon's transfer (alike in payer,
/// amount and day) first, in either order: each transfer is stored once and pays the invoice its
/// text names; the copy is the line whose text the stored one shares.
#[test]
fn the_copy_a_later_download_repeats_is_the_line_its_text_names() {
    let set = fixture("othergen13/which-copy");
    let files = [
        "NL69INGB0123456789_01-03-2026_10-03-2026.csv",
        "ing-camt053-20260310.xml",
    ];
    for order in [[0, 1], [1, 0]] {
        let (_dir, data, _) = imported_in_order(&set, &files, &order);
        let allocations = ok(incasso(
            &data,
            &["allocations", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        for paid in ["F2026-201", "F2026-299"] {
            assert!(
                allocations
                    .lines()
                    .any(|l| l.contains(&format!(",{paid},121.00,invoice-number,"))),
                "{order:?}: {allocations}"
            );
        }
        assert_eq!(allocations.lines().count(), 3, "{order:?}: {allocations}");
        let open = ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        let owed: Vec<&str> = open.lines().skip(1).map(|l| &l[..9]).collect();
        assert_eq!(owed, ["F2026-202"], "{order:?}: {open}");
    }
    // Four transfers alike, two of them in the midday export: the day's camt.053 adds the two
    // others, whatever its wording, and only the unpaid F2026-205 (and another debtor's
    // F2026-101) stays open.
    let set = fixture("othergen13/four-alike");
    for day in ["v2.camt053.xml", "v3.camt053.xml"] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        for f in ["ledger.csv", "mid.csv", day] {
            ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
        }
        let open = ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
        ));
        let owed: Vec<&str> = open.lines().skip(1).map(|l| &l[..9]).collect();
        assert_eq!(owed, ["F2026-101", "F2026-205"], "{day}: {open}");
    }
}

/// Two camt.054 notifications without bank references, each of a 121.00 transfer naming the
/// same 242.00 invoice: two transfers, the invoice paid; one downloaded again adds nothing.
#[test]
fn a_second_notification_of_a_transfer_alike_is_another_transfer() {
    let set = fixture("othergen13/two-notifications");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &["import", set.join("ledger.csv").to_str().unwrap()],
    ));
    for f in [
        "rabo-20260310-0914.camt054.xml",
        "rabo-20260310-1530.camt054.xml",
    ] {
        let o = ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
        assert!(o.contains("1 new, 0 already stored"), "{o}");
    }
    let again = dir.path().join("again.xml");
    let text = std::fs::read_to_string(set.join("rabo-20260310-0914.camt054.xml")).unwrap();
    std::fs::write(&again, text.replace('\n', "\r\n")).unwrap();
    let o = ok(incasso(&data, &["import", again.to_str().unwrap()]));
    assert!(o.contains("0 new, 1 already stored"), "{o}");
    let open = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-04-30", "--format", "csv"],
    ));
    assert!(!open.contains("F2026-501"), "{open}");
}

/// The claims as of 30 June 2026, as JSON.
fn claims_end_of_june(data: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&ok(incasso(
        data,
        &["claims", "--as-of", "2026-06-30", "--format", "json"],
    )))
    .unwrap()
}

/// What a bank import says is new, summed over imports.
fn new_lines(said: &[String]) -> usize {
    said.iter()
        .flat_map(|s| s.lines())
        .filter_map(|l| {
            let at = l.find(" new,")?;
            l[..at].rsplit(' ').next()?.parse::<usize>().ok()
        })
        .sum()
}

/// A set of bank files, the orders to import them in, the lines they hold and the invoices left
/// unpaid.
type Orders<'a> = (
    &'a str,
    &'a [&'a str],
    &'a [&'a [usize]],
    usize,
    &'a [&'a str],
);

/// Review 35 (other hands, `fixtures/othergen15/`): a bank reference shared by a day's
/// notifications and its statement, or by a midday CSV export, the camt.053 and the MT940, names
/// one line in each; the afternoon's transfer alike is another payment, never the copy the
/// statement owes, so the invoice it pays is not claimed. A notification sent again with its Id
/// or its bank reference adds nothing. A format that leaves out the payer's account, or cuts a
/// text without one short, still repeats the other's line, which pays no second invoice; but a
/// notification and a midday export of other payers' transfers of one amount, two transfers
/// with one end-to-end id or worded alike, a re-send marked DUPL whose original never came, or
/// two payers sharing a surname or a word of their names, are never taken for one. Every order
/// of the files gives the same lines.
#[test]
fn each_transfer_counts_once_however_its_formats_word_it() {
    let cases: [Orders; 15] = [
        (
            "othergen15/shared-reference-notifications",
            &[
                "A-rabo-20260519-0912.camt054.xml",
                "A-rabo-20260519-1440.camt054.xml",
                "rabo-camt053-20260519.xml",
                "B-rabo-20260519-0912.camt054.xml",
                "B-rabo-20260519-1440.camt054.xml",
            ],
            &[
                &[0, 1, 2],
                &[0, 2],
                &[2, 0, 1],
                &[1, 2, 0],
                &[3, 4, 2],
                &[3, 2, 4],
            ],
            4,
            &["F2026-0305"],
        ),
        (
            "othergen15/resent-notification",
            &[
                "rabo-20260521-1003.camt054.xml",
                "a-resent-same-ntfctn-id.camt054.xml",
                "b-resent-dupl-new-id.camt054.xml",
                "c-rabo-20260521-1003.camt054.xml",
                "c-resent-new-ids-same-ref.camt054.xml",
                "rabo-camt053-20260521.xml",
            ],
            &[&[0, 1, 5], &[3, 4, 5], &[5, 3, 4]],
            1,
            &["F2026-0402"],
        ),
        (
            "othergen15/shared-reference-formats",
            &[
                "CSV_A_NL30RABO0301234567_EUR_20260602_20260602_1204.csv",
                "rabo-camt053-20260602.xml",
                "rabo-mt940-20260602.swi",
            ],
            &[&[0, 1], &[0, 2], &[1, 0], &[2, 1], &[0, 1, 2]],
            3,
            &["F2026-1655"],
        ),
        (
            "othergen15/iban-in-camt-only",
            &[
                "CSV_A_NL30RABO0301234567_EUR_20260512_20260512.csv",
                "rabo-camt053-20260512.xml",
            ],
            &[&[0, 1], &[1, 0]],
            2,
            &["F2026-0102"],
        ),
        (
            "othergen15/iban-in-csv-only",
            &[
                "CSV_A_NL30RABO0301234567_EUR_20260513_20260513.csv",
                "rabo-camt053-20260513.xml",
            ],
            &[&[0, 1], &[1, 0]],
            2,
            &["F2026-0202"],
        ),
        (
            "othergen15/no-iban-text-cut",
            &[
                "ing-camt053-20260527.xml",
                "NL35INGB0004455667_27-05-2026_27-05-2026.csv",
                "ING_MT940_20260527.940",
            ],
            &[&[0, 1], &[1, 0], &[0, 2], &[2, 1, 0]],
            2,
            &["F2026-0703", "F2026-0704"],
        ),
        (
            "othergen15/notification-and-midday-disjoint",
            &[
                "CSV_A_NL30RABO0301234567_EUR_20260604_20260604_1204.csv",
                "a-rabo-20260604-1440.camt054.xml",
                "b-rabo-20260604-1440.camt054.xml",
                "rabo-camt053-20260604.xml",
            ],
            &[&[0, 1], &[1, 0], &[0, 2], &[2, 0], &[0, 1, 3], &[2, 0, 3]],
            2,
            &["F2026-0211", "F2026-0212"],
        ),
        (
            "othergen15/same-end-to-end-id",
            &[
                "a-0912.camt054.xml",
                "a-1440.camt054.xml",
                "c-batch-1600.camt054.xml",
            ],
            &[&[0, 1], &[2]],
            2,
            &["F2026-0303", "F2026-0304", "F2026-0355", "F2026-0366"],
        ),
        (
            "othergen15/same-end-to-end-id",
            &[
                "a-0912.camt054.xml",
                "a-1440.camt054.xml",
                "c-batch-1600.camt054.xml",
                "rabo-camt053-20260605.xml",
            ],
            &[&[0, 1, 3], &[3, 0, 1], &[2, 3]],
            4,
            &["F2026-0355", "F2026-0366"],
        ),
        (
            "othergen15/duplicate-of-a-lost-notification",
            &[
                "N1-0912.camt054.xml",
                "N2-1440.camt054.xml",
                "N2-resent-DUPL.camt054.xml",
            ],
            &[&[0, 1, 2], &[0, 2], &[2, 0]],
            2,
            &["F2026-0403", "F2026-0455"],
        ),
        (
            "othergen15/names-without-numbers",
            &[
                "ING_MT940_20260611.940",
                "NL35INGB0004455667_11-06-2026_11-06-2026.csv",
                "ing-camt053-20260611.xml",
            ],
            &[&[1, 2], &[2, 0], &[2, 1, 0]],
            4,
            &["F2026-0655"],
        ),
        (
            "othergen15/names-without-numbers",
            &[
                "ING_MT940_20260611.940",
                "NL35INGB0004455667_11-06-2026_11-06-2026.csv",
                "ing-camt053-20260611.xml",
            ],
            &[&[1, 0], &[0, 2], &[1, 0, 2]],
            4,
            &[],
        ),
        (
            "othergen15/shared-surname",
            &[
                "a-camt053.xml",
                "a-midday-JB.csv",
                "b-camt053.xml",
                "b-midday-PJ.csv",
                "c-midday-JANSENP.csv",
            ],
            &[
                &[1, 0],
                &[0, 1],
                &[3, 2],
                &[3, 0],
                &[1, 2],
                &[4, 0],
                &[0, 4],
            ],
            2,
            &["F2026-0111", "F2026-0112"],
        ),
        (
            "othergen15/shared-name-word",
            &["camt053.xml", "midday.csv", "midday-first.csv"],
            &[&[1, 0], &[0, 1], &[2, 0], &[0, 2]],
            4,
            &["F2026-0211", "F2026-0212", "F2026-0213", "F2026-0214"],
        ),
        (
            "othergen15/notifications-worded-alike",
            &[
                "N1-0912.xml",
                "N2-1440.xml",
                "N2-resent-DUPL.xml",
                "N1-resent-COPY.xml",
                "N12-batched.xml",
                "camt053.xml",
            ],
            &[
                &[0, 1],
                &[0, 1, 2, 3],
                &[0, 2],
                &[0, 2, 5],
                &[4],
                &[4, 5],
                &[5, 0, 1],
            ],
            2,
            &[],
        ),
    ];
    for (set, files, orders, lines, unpaid) in cases {
        let set = fixture(set);
        for &order in orders {
            let (_dir, data, said) = imported_in_order(&set, files, order);
            assert_eq!(new_lines(&said), lines, "{set:?} {order:?}: {said:?}");
            if unpaid.is_empty() {
                continue;
            }
            let open = ok(incasso(
                &data,
                &["receivables", "--as-of", "2026-06-30", "--format", "csv"],
            ));
            let mut owed: Vec<&str> = open.lines().skip(1).map(|l| &l[..10]).collect();
            owed.sort_unstable();
            assert_eq!(owed, unpaid, "{set:?} {order:?}: {open}");
        }
    }
}

/// A bank reference another line of another day already has (a Rabobank `Volgnr` seen again, an
/// MT940 bank numbering its lines per statement) is no repeat: both lines are stored, each pays
/// its invoice, and importing every file again adds nothing (before session 37 the second line
/// was dropped and the invoice it paid was claimed).
#[test]
fn a_bank_reference_another_line_has_is_no_repeat() {
    let set = fixture("bank-reused-reference");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = [
        "ledger.csv",
        "rabobank-20260601.csv",
        "rabobank-20260603.csv",
        "ing-20260608-09.940",
    ];
    let import = |f: &str| ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
    import(files[0]);
    let said: Vec<String> = files[1..].iter().map(|f| import(f)).collect();
    assert_eq!(new_lines(&said), 4, "{said:?}");
    let claims = || claims_end_of_june(&data);
    let v = claims();
    assert_eq!(
        claimed_numbers(&v),
        ["F2026-2005", "F2026-2006", "F2026-2007"],
        "{v}"
    );
    // The same files again, in another order: nothing new, nothing changed.
    let again: Vec<String> = files[1..].iter().rev().map(|f| import(f)).collect();
    assert_eq!(new_lines(&again), 0, "{again:?}");
    assert_eq!(claims(), v);
    // The second line of each reference has an id of its own, with its day and amount.
    let lines = ok(incasso(
        &data,
        &["allocations", "--as-of", "2026-06-30", "--format", "csv"],
    ));
    assert!(lines.contains("@2026-06-03/121"), "{lines}");
    assert!(lines.contains("@2026-06-09/95.2"), "{lines}");

    // Two statements of one day, one file each, both numbering their line `//00001`, the same
    // amount and no payer's account: the format words the one line alike each time, so lines
    // worded otherwise are two payments (before session 39 the second was taken for the first,
    // and the invoice it paid was claimed).
    {
        let set = set.join("two-statements-one-day");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let import = |f: &str| ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
        import("ledger.csv");
        let statements = ["ing-20260610-1.940", "ing-20260610-2.940"];
        let said: Vec<String> = statements.iter().map(|f| import(f)).collect();
        assert_eq!(new_lines(&said), 2, "{said:?}");
        // One file of two statements of a day, both lines from one payer's account, the same
        // amount, both `//00001`: two payments (before session 39 the second was taken for
        // the first, in one file too).
        let both = import("ing-20260611-day.940");
        assert!(both.contains("2 new, 0 already stored"), "{both}");
        let claims = || claims_end_of_june(&data);
        let v = claims();
        assert_eq!(claimed_numbers(&v), ["F2026-3003"], "{v}");
        // Both in the other order, and the day downloaded again as one file of both
        // statements: nothing new, nothing changed.
        let again: Vec<String> = statements.iter().rev().map(|f| import(f)).collect();
        assert_eq!(new_lines(&again), 0, "{again:?}");
        let day = import("ing-20260610-day.940");
        assert!(day.contains("0 new, 2 already stored"), "{day}");
        assert_eq!(claims(), v);
    }

    // A statement, then two overlapping CSV downloads: the second CSV's lines without a payer's
    // account are the MT940's, worded otherwise, and are not stored again.
    let set = set.join("statement-then-two-csv-downloads");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let said: Vec<String> = ["ledger.csv", "ing.940", "ing-a.csv", "ing-b.csv"]
        .iter()
        .map(|f| ok(incasso(&data, &["import", set.join(f).to_str().unwrap()])))
        .collect();
    assert!(said[3].contains("1 new, 2 already stored"), "{said:?}");
    let unmatched = ok(incasso(
        &data,
        &["unmatched", "--as-of", "2026-06-30", "--format", "csv"],
    ));
    for amount in [",1270.50,", ",4.03,"] {
        let rows = unmatched.lines().filter(|l| l.contains(amount)).count();
        assert_eq!(rows, 1, "{amount}: {unmatched}");
    }
}

/// A camt.054 notification of the afternoon's transfer and a midday export with the morning's,
/// one payer, one amount, one day, texts naming different invoices: two payments in either
/// order, at ING and at Rabobank, and the day's camt.053 after them adds nothing (before session
/// 39 the second file's line was taken for the first's copy, and the invoice it paid claimed).
#[test]
fn a_notification_and_a_midday_export_of_two_transfers_alike_are_two() {
    let set = fixture("bank-notification-and-midday");
    let pairs = [
        ["n-1440-F0702.camt054.xml", "midday-F0701.csv"],
        ["midday-F0701.csv", "n-1440-F0702.camt054.xml"],
        ["rabo-n-1440-F0702.camt054.xml", "rabo-midday-F0701.csv"],
        ["rabo-midday-F0701.csv", "rabo-n-1440-F0702.camt054.xml"],
    ];
    for (n, pair) in pairs.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let import = |f: &str| ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
        import("ledger.csv");
        let said: Vec<String> = pair.iter().map(|f| import(f)).collect();
        assert_eq!(new_lines(&said), 2, "{pair:?}: {said:?}");
        if n < 2 {
            let day = import("day-camt053.xml");
            assert!(day.contains("0 new, 2 already stored"), "{pair:?}: {day}");
        }
        let v = claims_end_of_june(&data);
        assert_eq!(claimed_numbers(&v), ["F2026-0703"], "{pair:?}: {v}");
    }
    // Texts that also share a number no invoice has (a customer number, end-to-end ids of one
    // day, the payer's IBAN and the date): still two, since their invoice numbers differ.
    let set = set.join("shared-numbers");
    for v in ["a", "b"] {
        let files = [
            format!("{v}-n-F0702.camt054.xml"),
            format!("{v}-midday-F0701.csv"),
        ];
        for order in [[0, 1], [1, 0]] {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("data");
            let import = |f: &str| ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
            import("ledger.csv");
            let said: Vec<String> = order.iter().map(|&i| import(&files[i])).collect();
            assert_eq!(new_lines(&said), 2, "{v} {order:?}: {said:?}");
            let claims = claims_end_of_june(&data);
            assert_eq!(
                claimed_numbers(&claims),
                ["F2026-0703", "F2026-0704", "F2026-0709"],
                "{v} {order:?}: {claims}"
            );
        }
    }
}

/// What a review's files of `fixtures/othergen43/SET/FOLDER` give, imported in order: the claims
/// as of 2026-06-15 (JSON), the receivables and the allocations (CSV).
fn review_43(set: &str, folder: &str, files: &[&str]) -> (serde_json::Value, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let at = fixture(&format!("othergen43/{set}/{folder}"));
    let mut args = vec!["import".to_string()];
    args.extend(
        files
            .iter()
            .map(|f| at.join(f).to_str().unwrap().to_string()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(incasso(&data, &args));
    let say = |args: &[&str]| ok(incasso(&data, args));
    let claims = serde_json::from_str(&say(&[
        "claims",
        "--as-of",
        "2026-06-15",
        "--format",
        "json",
    ]))
    .unwrap();
    let open = say(&["receivables", "--as-of", "2026-06-15", "--format", "csv"]);
    let allocations = say(&["allocations", "--as-of", "2026-06-15", "--format", "csv"]);
    (claims, open, allocations)
}

/// Review 43a (`fixtures/othergen43/bank-claims/`): payments written by other hands that paid
/// an invoice in whole or in part keep it from the claims as of 2026-06-15: named by its
/// sequence alone after an invoice word (F-1), by another debtor paying it on its behalf
/// (F-2), by camt.053's `RfrdDocInf` with each invoice's part (F-3), a match waiting in review
/// (F-4), a transfer for
/// an ultimate debtor (F-5). Collections given back by debits the bank did not mark as
/// reversals leave their invoices open (F-6), and a shortfall within the fee tolerance is held
/// for a person rather than claimed with the full costs (F-8).
#[test]
fn payments_from_other_hands_keep_paid_invoices_from_claims() {
    let run = |folder: &str, files: &[&str]| review_43("bank-claims", folder, files);
    // Claimed for `amount`, or (None) not claimed at all.
    let claimed = |v: &serde_json::Value, number: &str| -> Option<String> {
        v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["items"].as_array().unwrap())
            .find(|i| i["number"] == number)
            .map(|i| i["claimed"].as_str().unwrap().to_string())
    };
    let mut wrong = Vec::new();
    for bank in ["camt_director.xml", "camt_unknown_payer.xml"] {
        let (v, _, _) = run("F-1", &["ledger.csv", bank]);
        if let Some(a) = claimed(&v, "F2026-0013") {
            wrong.push(format!("F-1 {bank}: F2026-0013 claimed for {a}"));
        }
    }
    let (v, _, _) = run("F-2", &["ledger.csv", "camt.xml"]);
    for n in ["F2026-0201", "F2026-0203", "F2026-0205"] {
        if let Some(a) = claimed(&v, n) {
            wrong.push(format!("F-2: {n} claimed for {a}"));
        }
    }
    let (v, _, _) = run("F-3", &["ledger.csv", "camt.xml"]);
    if claimed(&v, "F2026-0305").as_deref() != Some("540.00") {
        wrong.push(format!(
            "F-3: F2026-0305 claimed as {:?}",
            claimed(&v, "F2026-0305")
        ));
    }
    // 700.00 split 300/200/200 by `RmtdAmt` (review 43b, F-7): what each has left.
    for (n, left) in [
        ("F2026-0308", None),
        ("F2026-0309", Some("250.00")),
        ("F2026-0310", Some("325.00")),
    ] {
        if claimed(&v, n).as_deref() != left {
            wrong.push(format!("F-3: {n} claimed as {:?}", claimed(&v, n)));
        }
    }
    for folder in ["F-4", "F-5"] {
        let (v, _, _) = run(folder, &["ledger.csv", "camt.xml"]);
        if let Some(a) = claimed(&v, "F2026-0306") {
            wrong.push(format!("{folder}: F2026-0306 claimed for {a}"));
        }
    }
    let (_, open, _) = run("F-6", &["ledger.csv", "st.sta", "st.xml"]);
    for n in ["F2026-0702", "F2026-0704", "F2026-0705", "F2026-0706"] {
        if !open.lines().any(|l| l.starts_with(&format!("{n},"))) {
            wrong.push(format!("F-6: {n} not open again"));
        }
    }
    let (v, _, _) = run("F-8", &["ledger.csv", "camt_apr.xml"]);
    match excluded_rule(&v, "F2026-0113") {
        Some((rule, why)) if rule == "shortfall" && why.contains("left 7.50 open") => {}
        other => wrong.push(format!("F-8: F2026-0113 {other:?}")),
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Review 43b, the re-review of 43a's fixes (`fixtures/othergen43/bank-claims-b/`): short
/// sequences in lists and other words (`facturen 13 en 14`, `Rechnungsnr. 13`, `n° 13`, `#13`)
/// hold what they name (F-1); a holding paying its subsidiary's invoice by its sequence alone
/// waits for a person (F-2); the ultimate debtor in Rabobank's CSV and MT940 `/ULTD/` (F-4); a
/// returned collection that repeats nothing undoes the collection, not a later transfer (F-5);
/// nineteen wordings of a return (F-6); camt's `RmtdAmt` splits as the payer did (F-7); a rest
/// of half an invoice is no bank charge (F-8).
#[test]
fn the_re_review_of_payments_from_other_hands() {
    let run = |folder: &str, files: &[&str]| review_43("bank-claims-b", folder, files);
    let mut wrong = Vec::new();
    let numbers = |v: &serde_json::Value| claimed_numbers(v);
    for (bank, named) in [
        ("c0.xml", &["F2026-0013"][..]),
        ("c1.xml", &["F2026-0013", "F2026-0014"]),
        ("c2.xml", &["F2026-0013", "F2026-0014"]),
        ("c3.xml", &["F2026-0012", "F2026-0013"]),
        ("c4.xml", &["F2026-0013", "F2026-0014"]),
        ("c5.xml", &["F2026-0013"]),
        ("c6.xml", &["F2026-0013"]),
        ("c7.xml", &["F2026-0013"]),
        ("c8.xml", &["F2026-0013"]),
    ] {
        let (v, _, _) = run("F-1", &["ledger.csv", bank]);
        for n in named {
            if numbers(&v).iter().any(|c| c == n) {
                wrong.push(format!("F-1 {bank}: {n} claimed"));
            }
        }
    }
    for bank in ["c0.xml", "c1.xml", "c2.xml"] {
        let (v, _, _) = run("F-2", &["ledger.csv", bank]);
        if numbers(&v).iter().any(|c| c == "F2026-0201") {
            wrong.push(format!("F-2 {bank}: F2026-0201 claimed"));
        }
    }
    for bank in ["a.xml", "b.csv", "c.sta", "c2.sta"] {
        let (v, _, _) = run("F-4", &["ledger.csv", bank]);
        if numbers(&v).iter().any(|c| c == "F2026-0306") {
            wrong.push(format!("F-4 {bank}: F2026-0306 claimed"));
        }
    }
    for bank in [
        "r_e2e.xml",
        "r_addtl.xml",
        "r_noe2e.xml",
        "r_rtr.xml",
        "r_rvsl_dd.xml",
        "r_mt940.sta",
    ] {
        let (v, _, _) = run("F-5", &["ledger.csv", bank]);
        if numbers(&v) != ["F2026-0850"] {
            wrong.push(format!("F-5 {bank}: claimed {:?}", numbers(&v)));
        }
    }
    let (_, open, _) = run("F-6", &["ledger.csv", "st.xml"]);
    let cases = std::fs::read_to_string(fixture("othergen43/bank-claims-b/F-6/cases.txt")).unwrap();
    for n in cases.lines().filter_map(|l| l.split_whitespace().next()) {
        if !open.lines().any(|l| l.starts_with(&format!("{n},"))) {
            wrong.push(format!("F-6: {n} not open again"));
        }
    }
    let (_, _, allocations) = run("F-7", &["ledger.csv", "a_split_own.xml"]);
    for (n, a) in [
        ("F2026-0404", "300.00"),
        ("F2026-0405", "200.00"),
        ("F2026-0406", "200.00"),
    ] {
        if !allocations
            .lines()
            .any(|l| l.contains(&format!(",{n},{a},")))
        {
            wrong.push(format!("F-7: {n} not paid {a}: {allocations}"));
        }
    }
    // F-3: the ultimate debtor a payment is for is another debtor than the account is known
    // for (learned from the group's payment company's first payment, or the ledger's): the
    // money waits, and the invoice of the debtor it names is not claimed.
    for (ledger, bank, held) in [
        ("ledger_learn.csv", "learn.xml", "F2026-0307"),
        ("ledger_learn.csv", "only2.xml", "F2026-0307"),
        ("ledger.csv", "e2.xml", "F2026-0306"),
    ] {
        let (v, _, _) = run("F-3", &[ledger, bank]);
        if numbers(&v).iter().any(|c| c == held) {
            wrong.push(format!("F-3 {bank}: {held} claimed"));
        }
    }
    let (v, _, _) = run("F-8", &["ledger.csv", "st.xml"]);
    if excluded_rule(&v, "F2026-0901").is_some() || !numbers(&v).contains(&"F2026-0901".into()) {
        wrong.push(format!(
            "F-8: F2026-0901 {:?}",
            excluded_rule(&v, "F2026-0901")
        ));
    }
    if excluded_rule(&v, "F2026-0902").map(|(r, _)| r).as_deref() != Some("shortfall") {
        wrong.push("F-8: F2026-0902 not held as a shortfall".into());
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
