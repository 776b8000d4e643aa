//! Never chase a paid debt: no claim with nothing to collect, rates that are never guessed (a
//! claim that needs an unknown rate is held and says which command adds it), no statutory costs
//! for a default from before the Besluit, the gate that holds items a received payment may have
//! paid, and withdrawals that tell the agency the current truth.

use super::*;

const HEADER: &str = "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Type debiteur;Bedrag excl. BTW;BTW;Bedrag incl. BTW;Valuta;Betalingskenmerk;Gecrediteerde factuur;Status\n";

fn ledger(dir: &Path, rows: &str) -> PathBuf {
    let p = dir.join("ledger.csv");
    std::fs::write(&p, format!("{HEADER}{rows}")).unwrap();
    p
}

fn claims_json(data: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["claims", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(incasso(data, &all))).unwrap()
}

#[test]
fn nothing_to_collect_old_defaults_and_unknown_rates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = ledger(
        dir.path(),
        "F2026-001;01-03-2026;31-03-2026;D1;Bakkerij Noord B.V.;Zakelijk;100,00;0,00;100,00;EUR;;;Openstaand\n\
         C2026-001;15-03-2026;15-03-2026;D1;Bakkerij Noord B.V.;Zakelijk;-100,00;0,00;-100,00;EUR;;;Openstaand\n\
         F2011-077;01-11-2011;01-12-2011;D2;Oud Bouw B.V.;Zakelijk;1000,00;0,00;1000,00;EUR;;;Openstaand\n\
         F2026-002;01-09-2026;01-10-2026;D3;Later B.V.;Zakelijk;500,00;0,00;500,00;EUR;;;Openstaand\n",
    );
    ok(incasso(&data, &["import", file.to_str().unwrap()]));

    // A credit note that covers the invoice: no claim of 0.00, and the excluded list says why.
    let v = claims_json(&data, &["--as-of", "2026-06-30"]);
    let (rule, why) = excluded_rule(&v, "F2026-001").expect("F2026-001 stays home");
    assert_eq!(rule, "credit-balance");
    assert!(why.starts_with("nothing to collect"), "{why}");
    assert!(
        v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["debtor"]["id"] != "D1"),
        "{v}"
    );
    // A default from before 1 July 2012: interest, but no statutory costs, and the claim says why.
    let d2 = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["debtor"]["id"] == "D2")
        .expect("D2 is claimed");
    assert_eq!(d2["amounts"]["collection_costs_excl_vat"], "0.00");
    assert!(
        d2["amounts"]["costs_note"]
            .as_str()
            .unwrap()
            .contains("before the Besluit vergoeding voor buitengerechtelijke incassokosten took effect on 2012-07-01"),
        "{d2}"
    );
    assert_ne!(d2["amounts"]["interest_outstanding"], "0.00");

    // Past the tables: the claim is held with the table, the date and the command.
    let listed = ok(incasso(&data, &["rates", "list", "--format", "csv"]));
    assert!(
        listed.contains("nl-commercial,NL_6_119a,2026-01-01,10.15,2026-06-30,built-in"),
        "{listed}"
    );
    let v = claims_json(&data, &["--as-of", "2026-11-23"]);
    let (rule, why) = excluded_rule(&v, "F2026-002").expect("held");
    assert_eq!(rule, "rate-unknown");
    assert!(
        why.contains("no NL_6_119a rate is known for 2026-11-23")
            && why.contains("incasso rates add --table nl-commercial --from 2026-07-01"),
        "{why}"
    );
    // The nightly run holds them, says so, and does everything else.
    let job = dir.path().join("incasso.toml");
    std::fs::write(
        &job,
        format!(
            "data_dir = \"{}\"\nclaims_as_of = \"2026-11-23\"\n",
            data.display()
        ),
    )
    .unwrap();
    let o = incasso(&data, &["run", "--config", job.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "partial: {}", stdout(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        summary["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("incasso rates add --table nl-commercial")),
        "{summary}"
    );
    assert!(
        data.join("report.html").exists(),
        "the report is still written"
    );

    // Adding the published rate, with its source: the claim goes, the audit log says where from.
    let added = ok(incasso(
        &data,
        &[
            "rates",
            "add",
            "--table",
            "nl-commercial",
            "--from",
            "2026-07-01",
            "--pct",
            "10.15",
            "--source",
            "Staatscourant 2026, 30001",
        ],
    ));
    assert!(added.contains("known until 2026-12-31"), "{added}");
    let v = claims_json(&data, &["--as-of", "2026-11-23"]);
    assert!(excluded_rule(&v, "F2026-002").is_none(), "{v}");
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    assert!(
        audit.contains("rates-add") && audit.contains("Staatscourant 2026, 30001"),
        "{audit}"
    );
    let o = incasso(
        &data,
        &[
            "rates",
            "add",
            "--table",
            "nl-commercial",
            "--from",
            "2027-03-01",
            "--pct",
            "9",
            "--source",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("without a rate"), "{}", stderr(&o));
}

/// Amounts beyond any real one are refused at import with their place, in every format, so no
/// later sum can overflow and no command panics (hardening: "amounts that overflow").
#[test]
fn absurd_amounts_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let huge = "99999999999999999999999999,99";
    let mut mt940 = String::from(":20:S1\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C240101EUR0,00\n");
    for _ in 0..1000 {
        mt940.push_str(&format!(":61:240102C{huge}NTRFNONREF\n"));
    }
    mt940.push_str(":62F:C240102EUR0,00\n");
    let sta = dir.path().join("huge.sta");
    std::fs::write(&sta, mt940).unwrap();
    let csv = ledger(
        dir.path(),
        "F1;01-01-2026;31-01-2026;D1;X B.V.;Zakelijk;1,00;0,00;100000000000000000000000000,00;EUR;;;Openstaand\n",
    );
    let camt = dir.path().join("huge.camt053.xml");
    std::fs::write(
        &camt,
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>\
         <Ntry><Amt Ccy=\"EUR\">40000000000000000000000000000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt></Ntry>\
         </Stmt></BkToCstmrStmt></Document>",
    )
    .unwrap();
    for (file, place) in [(&sta, "line 5"), (&csv, "line 2"), (&camt, "entry 1")] {
        let o = incasso(&data, &["import", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(place) && !err.contains("panicked"), "{err}");
    }
    // Nothing was stored, and every read works.
    for read in [
        &["ageing"][..],
        &["claims", "--as-of", "2026-06-30"],
        &["report", "--out"],
    ] {
        let mut args = read.to_vec();
        let out = dir.path().join("r.html");
        if args.last() == Some(&"--out") {
            args.push(out.to_str().unwrap());
        }
        let o = incasso(&data, &args);
        assert_ne!(o.status.code(), Some(101), "{read:?}: {}", stderr(&o));
    }
}

/// Writes never follow a planted link: not the inbox's error note, not the rejected rows file
/// (hardening: "writes follow planted symlinks").
#[cfg(unix)]
#[test]
fn planted_links_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let outside = dir.path().join("precious.txt");
    std::fs::write(&outside, "keep me").unwrap();

    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(inbox.join("quarantine")).unwrap();
    std::fs::write(inbox.join("bad.csv"), "not,a,ledger\n1,2,3\n").unwrap();
    std::os::unix::fs::symlink(&outside, inbox.join("quarantine/bad.csv.error.txt")).unwrap();
    let o = incasso(&data, &["watch", inbox.to_str().unwrap(), "--once"]);
    assert_ne!(o.status.code(), Some(101), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");

    let ledger_file = dir.path().join("x.csv");
    std::fs::copy(fixture("bad/bad-amount.csv"), &ledger_file).unwrap();
    std::os::unix::fs::symlink(&outside, dir.path().join("x.rejected.csv")).unwrap();
    let o = incasso(
        &data,
        &["import", "--skip-bad-rows", ledger_file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("is a link"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
}

/// Amounts a person types or a claim file holds meet the same limit: refused with a message,
/// never a panic.
#[test]
fn absurd_typed_amounts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = incasso(
        dir.path(),
        &[
            "calc",
            "costs",
            "--principal",
            "79228162514264337593543950335",
            "--jurisdiction",
            "nl",
            "--debtor",
            "consumer",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("beyond the largest amount"),
        "{}",
        stderr(&o)
    );
    let input = dir.path().join("claim.json");
    std::fs::write(
        &input,
        r#"{"jurisdiction": "nl", "debtor_type": "consumer", "calculation_date": "2026-06-30",
            "invoices": [{"id": "F1", "amount": "79228162514264337593543950.33",
            "invoice_date": "2025-01-01", "due_date": "2025-01-31"}]}"#,
    )
    .unwrap();
    let o = incasso(
        dir.path(),
        &["calc", "claim", "--input", input.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("beyond the largest amount"),
        "{}",
        stderr(&o)
    );
}

/// Dates outside 1990-2100 and camt amounts with more decimals than their currency are refused
/// with their place (hardening: "a CSV invoice dated 0000", "a phantom 0.01").
#[test]
fn impossible_dates_and_phantom_cents_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let csv = ledger(
        dir.path(),
        "F1;01-01-0000;31-01-0000;D1;X B.V.;Zakelijk;1,00;0,00;100,00;EUR;;;Openstaand\n",
    );
    let o = incasso(&data, &["import", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("line 2") && stderr(&o).contains("outside the years 1990 to 2100"),
        "{}",
        stderr(&o)
    );
    let camt = dir.path().join("three.camt053.xml");
    std::fs::write(
        &camt,
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>\
         <Ntry><Amt Ccy=\"EUR\">10.005</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt></Ntry>\
         </Stmt></BkToCstmrStmt></Document>",
    )
    .unwrap();
    let o = incasso(&data, &["import", camt.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("entry 1")
            && stderr(&o).contains("more decimals than the currency has (2)"),
        "{}",
        stderr(&o)
    );
}
