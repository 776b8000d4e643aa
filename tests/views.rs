//! The views of the ledger: receivables and ageing to the cent, as tables, CSV safe against
//! formulas, JSON and workbooks.

use super::*;

#[test]
fn nl_ledger_gives_exact_receivables_and_ageing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
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
