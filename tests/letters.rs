//! Letters and claims that hold up before a judge: the dates of the legal review, letters for
//! Belgian debtors, and the claim's creditor, default dates, letter term and legal basis, in the
//! claims JSON and in the batch the agency receives.

use super::*;

const CREDITOR: &str = "[creditor]\nname = \"Bakkerij De Zon B.V.\"\niban = \"NL91ABNA0417164300\"\naddress = \"Dorpsstraat 1, 1234 AB Zonnedorp\"\nkvk = \"12345678\"\nvat_number = \"NL001234567B01\"\n";

#[test]
fn a_fourteen_day_letter_before_default_is_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    // `reminders add` of a 14-day letter to D300, sent on `sent`, naming `items` if any.
    let letter = |sent: &'static str, items: Option<&'static str>| {
        let mut args = vec![
            "reminders",
            "add",
            "--debtor",
            "D300",
            "--kind",
            "fourteen-day-letter",
            "--sent",
            sent,
        ];
        args.extend(items.iter().flat_map(|i| ["--items", *i]));
        args
    };
    // F2026-004 of D300 is due 2026-09-19: a letter on or before that day counts for nothing;
    // naming no invoice, it counts for those in default when sent, and D300 has none then.
    for (sent, items) in [
        ("2026-09-10", Some("F2026-004")),
        ("2026-09-19", Some("F2026-004")),
        ("2026-09-19", None),
    ] {
        let o = incasso(&data, &letter(sent, items));
        assert_eq!(o.status.code(), Some(1), "{sent}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains(sent)
                && err.contains("due 2026-09-19")
                && err.contains("in default only from 2026-09-20"),
            "{err}"
        );
    }
    let csv = dir.path().join("letters.csv");
    std::fs::write(
        &csv,
        "debtor,kind,sent,received,channel,items,states_costs\nD300,aanmaning,2026-09-01,,,F2026-004,\nD300,14-dagenbrief,2026-09-15,,post,F2026-004,true\n",
    )
    .unwrap();
    let o = incasso(&data, &["reminders", "import", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("line 3, column 'sent': nothing recorded")
            && stderr(&o).contains("2026-09-15"),
        "{}",
        stderr(&o)
    );
    let listed = ok(incasso(&data, &["reminders", "list", "--format", "csv"]));
    assert_eq!(listed.lines().count(), 1, "nothing recorded: {listed}");
    // After default the same letter is recorded, an ordinary reminder before it too.
    ok(incasso(&data, &letter("2026-09-20", Some("F2026-004"))));
}

#[test]
fn claims_name_creditor_default_dates_letter_term_and_legal_basis() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &["import", fixture("ledger/en-comma.csv").to_str().unwrap()],
    ));
    std::fs::write(data.join("policy.toml"), CREDITOR).unwrap();
    // Mon 2 November 2026 by post: presumed received Wed 4 November, pay by Wed 18 November.
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
        ],
    ));
    let rates = super::extended_rates(dir.path());
    let v = claims_json(&data, &rates);
    let c = &v["claims"][0];
    assert_eq!(c["debtor"]["id"], "C-01");
    assert_eq!(c["creditor"]["id"], "default");
    assert_eq!(c["creditor"]["name"], "Bakkerij De Zon B.V.");
    assert_eq!(c["creditor"]["kvk"], "12345678");
    assert_eq!(c["creditor"]["iban"], "NL91ABNA0417164300");
    assert_eq!(c["items"][0]["number"], "INV-1001");
    assert_eq!(c["items"][0]["default_date"], "2026-03-04");
    assert_eq!(c["items"][0]["interest_from"], "2026-03-04");
    let term = &c["fourteen_day_letter"]["term"];
    assert_eq!(term["received"], "2026-11-04");
    assert_eq!(term["received_presumed"], true);
    assert_eq!(term["last_day"], "2026-11-18");
    assert_eq!(term["costs_from"], "2026-11-19");
    assert_eq!(term["channel"], "post");
    assert_eq!(c["amounts"]["costs_due_date"], "2026-11-19");
    assert!(c["legal_basis"]["interest"]["article"]
        .as_str()
        .unwrap()
        .contains("art. 6:119 BW"));
    assert!(c["legal_basis"]["fourteen_day_letter"]["ruling"]
        .as_str()
        .unwrap()
        .contains("ECLI:NL:HR:2016:2704"));
    let trace = c["amounts"]["costs_trace"].as_array().unwrap();
    assert!(
        trace
            .iter()
            .all(|t| t["basis"].as_str().is_some_and(|b| b.contains("Besluit"))),
        "{trace:?}"
    );

    // The batch the agency receives carries the same.
    std::fs::write(
        data.join("agency.toml"),
        "url = \"http://127.0.0.1:9\"\ncreditor = \"acme\"\ntoken_env = \"NO_SUCH_TOKEN\"\n",
    )
    .unwrap();
    let dry_run = std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(&data)
        .args([
            "submit",
            "--as-of",
            AS_OF,
            "--rates",
            rates.to_str().unwrap(),
            "--dry-run",
        ])
        .env("NO_SUCH_TOKEN", "a-token-that-is-never-sent")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let batch: serde_json::Value = serde_json::from_str(&ok(dry_run)).unwrap();
    let w = &batch["claims"][0];
    assert_eq!(w["creditor"]["name"], "Bakkerij De Zon B.V.");
    assert_eq!(w["creditor"]["vat_number"], "NL001234567B01");
    assert_eq!(w["items"][0]["default_date"], "2026-03-04");
    let l = &w["fourteen_day_letter"];
    assert_eq!(l["channel"], "post");
    assert_eq!(l["received"], "2026-11-04");
    assert_eq!(l["received_presumed"], true);
    assert_eq!(l["last_day"], "2026-11-18");
    assert_eq!(l["costs_from"], "2026-11-19");
    assert!(w["interest"]["legal_basis"]
        .as_str()
        .unwrap()
        .contains("6:119 BW"));
    assert!(w["interest"]["periods"][0]["legal_basis"]
        .as_str()
        .unwrap()
        .contains("6:119 BW"));
    assert!(w["costs"]["trace"][0]["legal_basis"]
        .as_str()
        .unwrap()
        .contains("Besluit"));
    assert!(w["default_basis"].as_str().unwrap().contains("6:83"));
}

#[test]
fn belgian_letters_name_the_enterprise_and_count_working_days() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(incasso(
        &data,
        &["import", fixture("ledger/en-comma.csv").to_str().unwrap()],
    ));
    let policy = dir.path().join("be.toml");
    std::fs::write(
        &policy,
        "jurisdiction = \"be\"\ncontract_has_damages_and_interest_clause = true\n[creditor]\nname = \"Brouwerij Het Anker BV\"\niban = \"BE68539007547034\"\n",
    )
    .unwrap();
    let args = |p: &Path| {
        vec![
            "letter".to_string(),
            "--debtor".into(),
            "C-01".into(),
            "--date".into(),
            "2026-06-03".into(),
            "--policy".into(),
            p.to_str().unwrap().to_string(),
            // The books give no description; a Belgian consumer's reminder must say it.
            "--about".into(),
            "Bierleveringen".into(),
        ]
    };
    let run = |a: &[String]| incasso(&data, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run(&args(&policy));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("enterprise number"), "{}", stderr(&o));
    std::fs::write(
        &policy,
        "jurisdiction = \"be\"\ncontract_has_damages_and_interest_clause = true\n[creditor]\nname = \"Brouwerij Het Anker BV\"\niban = \"BE68539007547034\"\nenterprise_number = \"0404.123.477\"\n",
    )
    .unwrap();
    let t = ok(run(&args(&policy)));
    assert!(t.contains("Eerste herinnering (kosteloos)"), "{t}");
    assert!(
        t.contains("begint op 8 juni 2026") && t.contains("eindigt op 21 juni 2026"),
        "{t}"
    );
    assert!(
        t.contains("Betaal dus uiterlijk op 22 juni 2026"),
        "Sunday moves to Monday: {t}"
    );
    assert!(
        t.contains("Ondernemingsnummer 0404.123.477") && !t.contains("KvK"),
        "{t}"
    );
    assert!(!t.contains("Besluit"), "{t}");
    // Recorded, the claim's damages and interest start the day after the term, 23 June.
    let mut record = args(&policy);
    record.push("--record".into());
    ok(run(&record));
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &[
            "claims",
            "--as-of",
            "2026-06-30",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let c = &v["claims"][0];
    assert_eq!(c["jurisdiction"], "be");
    assert_eq!(c["fourteen_day_letter"]["term"]["starts"], "2026-06-08");
    assert_eq!(
        c["fourteen_day_letter"]["term"]["nominal_last_day"],
        "2026-06-21"
    );
    assert_eq!(c["fourteen_day_letter"]["term"]["last_day"], "2026-06-22");
    assert_eq!(c["amounts"]["costs_due_date"], "2026-06-23");
    assert_eq!(c["items"][0]["interest_from"], "2026-06-23");
    assert_eq!(
        c["amounts"]["collection_costs_excl_vat"], "130.75",
        "1,815.00: 65 + 5% of 1,315.00"
    );
    assert!(c["legal_basis"]["interest"]["article"]
        .as_str()
        .unwrap()
        .contains("XIX.4"));
    // A later reminder is no first one (review 44b, F-5).
    let mut later = args(&policy);
    later[4] = "2026-07-06".into();
    let t = ok(run(&later));
    assert!(
        t.contains("Herinnering (kosteloos)") && !t.contains("Eerste herinnering"),
        "{t}"
    );
    // Without a creditor the letter is not written at all.
    let bare = dir.path().join("bare.toml");
    std::fs::write(&bare, "jurisdiction = \"nl\"\n").unwrap();
    let o = run(&args(&bare));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("set name and iban under [creditor]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn letters_have_exact_amounts_and_the_legal_pay_by_date_and_can_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
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

/// A letter never demands a disputed invoice, nor one on a payment plan that is kept, and is
/// held while the debtor has credit not yet set off (it would demand too much).
#[test]
fn letters_leave_out_what_may_not_be_demanded_and_hold_for_unapplied_credit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv", "ledger/en-comma.csv"]);
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    let letter = |debtor: &str| {
        incasso(
            &data,
            &["letter", "--debtor", debtor, "--date", "2026-11-20"],
        )
    };
    // D200's one invoice is disputed: there is nothing a letter may demand.
    let o = letter("D200");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("that a letter may demand"),
        "{}",
        stderr(&o)
    );
    // C-01 has a credit note of 99.99 not linked to an invoice: held, naming it.
    let o = letter("C-01");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("99.99 of credit not set off") && stderr(&o).contains("CN-1001"),
        "{}",
        stderr(&o)
    );
    // D100 on a kept plan for F2026-001: the letter names F2026-002 only.
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
            "F2026-001",
            "--agreed",
            "2026-11-01",
            "--instalment",
            "2026-12-31=1210.00",
        ],
    ));
    let text = ok(letter("D100"));
    assert!(
        text.contains("F2026-002") && !text.contains("F2026-001"),
        "{text}"
    );
}

/// A claim charges a consumer no more costs than the 14-day letter stated (a review of session
/// 38): the letter said EUR 425.00, then the policy made VAT on the costs not deductible.
#[test]
fn a_claim_charges_no_more_costs_than_the_letter_stated() {
    let (_dir, data) = store_with_ledger(
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Type debiteur;Land;\
         Bedrag incl. BTW;BTW;Valuta;Status\n\
         F100;01-12-2025;15-12-2025;C1;Piet Klant;Particulier;NL;1.000,00;173,55;EUR;Openstaand\n\
         F101;01-01-2026;15-01-2026;C1;Piet Klant;Particulier;NL;2.000,00;347,11;EUR;Openstaand\n",
    );
    let creditor = "[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\n";
    std::fs::write(data.join("policy.toml"), creditor).unwrap();
    let t = ok(incasso(
        &data,
        &[
            "letter",
            "--debtor",
            "C1",
            "--date",
            "2026-02-05",
            "--record",
        ],
    ));
    assert!(t.contains("425,00"), "{t}");
    std::fs::write(
        data.join("policy.toml"),
        format!("creditor_vat_deductible = false\n{creditor}"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &["claims", "--as-of", "2026-03-31", "--format", "json"],
    )))
    .unwrap();
    let amounts = &v["claims"][0]["amounts"];
    assert_eq!(amounts["collection_costs_incl_vat"], "425.00", "{amounts}");
    assert!(
        amounts["costs_trace"]
            .to_string()
            .contains("no more than the 14-day letter stated"),
        "{amounts}"
    );
}

/// A data directory in `dir` with `rows` of a CSV ledger without a due-date column imported (no
/// profile: the due dates are the statutory 30 days, assumed) and the creditor's policy; with
/// the CSV's path.
fn without_due_dates(dir: &Path, rows: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = dir.join("data");
    let csv = dir.join("zonder-vervaldatum.csv");
    std::fs::write(
        &csv,
        format!(
            "Factuurnummer;Factuurdatum;Debiteurnummer;Naam;Type debiteur;Bedrag incl. BTW\n{rows}"
        ),
    )
    .unwrap();
    ok(incasso(&data, &["import", csv.to_str().unwrap()]));
    std::fs::write(data.join("policy.toml"), CREDITOR).unwrap();
    (data, csv)
}

#[test]
fn without_an_agreed_term_a_consumer_is_in_default_after_a_first_letter_and_a_business_after_30_days(
) {
    let dir = tempfile::tempdir().unwrap();
    let (data, csv) = without_due_dates(
        dir.path(),
        "F2026-101;15-01-2026;D100;Bakkerij De Zon B.V.;Zakelijk;1.210,00\nF2026-102;15-01-2026;D200;Jan Jansen;Particulier;605,00\n",
    );
    let letter = |data: &Path, sent: &str| {
        ok(incasso(
            data,
            &[
                "reminders",
                "add",
                "--debtor",
                "D200",
                "--kind",
                "fourteen-day-letter",
                "--sent",
                sent,
            ],
        ))
    };
    let claim = |v: &serde_json::Value, debtor: &str| {
        v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["debtor"]["id"] == debtor)
            .unwrap_or_else(|| panic!("no claim on {debtor}: {v}"))
            .clone()
    };
    let interest = |c: &serde_json::Value| -> rust_decimal::Decimal {
        c["amounts"]["interest_accrued_total"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Mon 1 June 2026 by post: presumed received Wed 3 June, pay by Wed 17 June. Without an
    // agreed term this letter is the notice of default, and no letter for the costs.
    letter(&data, "2026-06-01");
    let rates = super::extended_rates(dir.path());
    let v = claims_json(&data, &rates);
    let held = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["number"] == "F2026-102")
        .unwrap_or_else(|| panic!("F2026-102 is not held: {v}"));
    assert_eq!(held["rule"], "fourteen-day-letter", "{held}");
    assert!(
        held["reason"]
            .as_str()
            .unwrap()
            .contains("in default from 2026-06-18"),
        "{held}"
    );

    // The business: the statutory 30 days end on Saturday 14 February, so on Monday 16
    // February (art. 1 Algemene termijnenwet); interest from the 17th.
    let business = claim(&v, "D100");
    let item = &business["items"][0];
    assert_eq!(item["due_date"], "2026-02-14");
    assert_eq!(item["due_assumed"], true);
    assert_eq!(item["default_date"], "2026-02-17");
    assert_eq!(item["interest_from"], "2026-02-17");
    let basis = business["legal_basis"]["default_date"]["article"]
        .as_str()
        .unwrap();
    assert!(
        basis.contains("6:119a lid 2") && basis.contains("Algemene termijnenwet"),
        "{basis}"
    );

    // Mon 5 October 2026: received Wed 7 October, pay by Wed 21 October; costs from the 22nd.
    letter(&data, "2026-10-05");
    let v = claims_json(&data, &rates);
    let consumer = claim(&v, "D200");
    let item = &consumer["items"][0];
    assert_eq!(item["due_date"], "2026-02-14");
    assert_eq!(item["due_assumed"], true);
    assert_eq!(
        item["default_date"], "2026-06-18",
        "no fatal term: in default once the first letter's term has passed"
    );
    assert_eq!(item["interest_from"], "2026-06-18");
    assert_eq!(consumer["amounts"]["costs_due_date"], "2026-10-22");
    assert_eq!(consumer["fourteen_day_letter"]["sent"], "2026-10-05");
    let basis = consumer["legal_basis"]["default_date"]["article"]
        .as_str()
        .unwrap();
    assert!(
        basis.contains("6:82") && basis.contains("after a 14-day letter sent after that"),
        "{basis}"
    );

    // The creditor's own payment term in a profile is agreed: a fatal term, default the day
    // after, interest from then, and the one letter counts for the costs.
    let profile = dir.path().join("termijn.toml");
    std::fs::write(&profile, "payment_term_days = 30\n").unwrap();
    let agreed = dir.path().join("agreed");
    ok(incasso(
        &agreed,
        &[
            "import",
            csv.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ],
    ));
    std::fs::write(agreed.join("policy.toml"), CREDITOR).unwrap();
    letter(&agreed, "2026-10-05");
    let c = claim(&claims_json(&agreed, &rates), "D200");
    assert_eq!(c["items"][0]["due_assumed"], false);
    assert_eq!(c["items"][0]["default_date"], "2026-02-15");
    assert_eq!(c["amounts"]["costs_due_date"], "2026-10-22");
    assert!(c["legal_basis"]["default_date"]["article"]
        .as_str()
        .unwrap()
        .starts_with("art. 6:83 sub a BW (verzuim"));
    assert!(
        interest(&c) > interest(&consumer),
        "interest over four months more: {} against {}",
        interest(&c),
        interest(&consumer)
    );
}

#[test]
fn a_consumer_without_an_agreed_term_gets_a_notice_of_default_then_the_14_day_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = without_due_dates(
        dir.path(),
        "F2026-102;15-01-2026;D200;Jan Jansen;Particulier;605,00\n",
    );
    let letter = |date: &str| {
        incasso(
            &data,
            &["letter", "--debtor", "D200", "--date", date, "--record"],
        )
    };
    let first = letter("2026-06-01");
    let text = ok(first.clone());
    assert!(text.contains("Ingebrekestelling"), "{text}");
    assert!(
        text.contains("met deze brief stellen wij u daarvoor in gebreke (artikel 6:82"),
        "{text}"
    );
    assert!(!text.contains("incassokosten verschuldigd van"), "{text}");
    assert!(
        text.contains("F2026-102        15-01-2026 -   "),
        "no agreed due date shown: {text}"
    );
    assert!(
        stderr(&first).contains("it states no costs"),
        "{}",
        stderr(&first)
    );
    // While the notice runs (its term ends on 17 June) no letter may state costs for it.
    let early = letter("2026-06-17");
    assert_eq!(early.status.code(), Some(1), "{}", stdout(&early));
    assert!(
        stderr(&early).contains("notice of default was given for F2026-102"),
        "{}",
        stderr(&early)
    );
    let second = ok(letter("2026-10-05"));
    assert!(
        second.contains("Laatste herinnering (veertiendagenbrief)"),
        "{second}"
    );
    assert!(
        second.contains("incassokosten verschuldigd van € 90,75"),
        "{second}"
    );
    assert!(
        second.contains("voor F2026-102 vanaf 18 juni 2026, de dag dat u in verzuim kwam."),
        "{second}"
    );
    let listed = ok(incasso(&data, &["reminders", "list", "--format", "csv"]));
    assert_eq!(listed.lines().count(), 3, "both recorded: {listed}");
}

/// Review 43d, F-3: a letter leaves out an invoice the claims hold because money received and
/// not applied may have paid it (`factuur nr. 0013` from an account the ledger does not know,
/// `fixtures/othergen43/bank-claims/F-1/`): it demanded the invoice before.
#[test]
fn a_letter_does_not_demand_what_a_waiting_payment_may_have_paid() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let set = fixture("othergen43/bank-claims/F-1");
    for f in ["ledger.csv", "camt_unknown_payer.xml"] {
        ok(incasso(&data, &["import", set.join(f).to_str().unwrap()]));
    }
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    let o = incasso(
        &data,
        &["letter", "--debtor", "D401", "--date", "2026-06-15"],
    );
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("every overdue invoice it could demand is held")
            && stderr(&o).contains("F2026-0013 (possible-payment:"),
        "{}",
        stderr(&o)
    );
}

/// A consumer's 14-day letter leaves out an invoice that money received and not applied may
/// have paid, though the claims do not weigh that invoice yet (14 days overdue, no letter sent):
/// the gate runs on the letter's own items, not on the claims' verdicts alone.
#[test]
fn a_consumer_letter_leaves_out_what_a_waiting_payment_may_have_paid_before_the_claims_weigh_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let src = fixture("othergen43/bank-claims/F-1");
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Debiteur;IBAN;Type debiteur;Bedrag incl. BTW;Valuta\n\
         F2026-0051;02-05-2026;01-06-2026;D501;J. de Vries;NL89INGB0002000401;particulier;250,00;EUR\n\
         F2026-0052;02-05-2026;01-06-2026;D501;J. de Vries;NL89INGB0002000401;particulier;180,00;EUR\n",
    )
    .unwrap();
    // An account the ledger does not know pays part of it, naming its sequence only.
    let camt = std::fs::read_to_string(src.join("camt_unknown_payer.xml"))
        .unwrap()
        .replace("factuur nr. 0013", "factuur nr. 0051")
        .replace("2026-04-03", "2026-06-08")
        .replace("2026-04-01", "2026-06-01")
        .replace("2026-04-30", "2026-06-30");
    let bank = dir.path().join("bank.camt053.xml");
    std::fs::write(&bank, camt).unwrap();
    for f in [&ledger, &bank] {
        ok(incasso(&data, &["import", f.to_str().unwrap()]));
    }
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    // The claims do not weigh either invoice yet: a consumer's waits for its 14-day letter.
    let claims = ok(incasso(
        &data,
        &["claims", "--as-of", "2026-06-15", "--format", "csv"],
    ));
    assert!(!claims.contains("possible-payment"), "{claims}");
    let o = incasso(
        &data,
        &["letter", "--debtor", "D501", "--date", "2026-06-15"],
    );
    let text = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        text.contains("F2026-0052") && !text.contains("F2026-0051"),
        "{text}"
    );
    assert!(
        stderr(&o).contains("F2026-0051 (possible-payment:"),
        "{}",
        stderr(&o)
    );
}

/// Review 44b, F-1 (`fixtures/othergen44/letters-law/F-1/`): a recorded letter's term holds
/// the items it covers from the claims, whatever the letter and the debtor: a Dutch business's
/// 14-day letter and a Belgian business's reminder say the costs and interest are waived when
/// paid within it, a consumer's pre-incasso letter that the costs fall due only after it. The
/// claims were ready, with costs and interest, on day 7 of those terms.
#[test]
fn no_claim_goes_while_a_recorded_letter_s_term_runs() {
    let set = fixture("othergen44/letters-law/F-1");
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, ledger: &str, policy: &str| {
        let data = dir.path().join(name);
        let policy = set.join(policy);
        let p = policy.to_str().unwrap().to_string();
        ok(incasso(
            &data,
            &["import", set.join(ledger).to_str().unwrap()],
        ));
        move |args: &[&str]| {
            let mut all = vec!["--policy", p.as_str()];
            all.extend_from_slice(args);
            ok(incasso(&data, &all))
        }
    };
    let claims_on = |say: &dyn Fn(&[&str]) -> String, date: &str| -> serde_json::Value {
        serde_json::from_str(&say(&["claims", "--as-of", date, "--format", "json"])).unwrap()
    };
    let held_for_term = |v: &serde_json::Value, n: &str| {
        excluded_rule(v, n)
            .is_some_and(|(rule, why)| rule == "letter-term" && why.contains("until"))
    };
    // (a) A Dutch business: letter of 31 March, term to 16 April.
    let b2b = run("b2b", "ledger-b2b.csv", "policy-b2b.toml");
    b2b(&[
        "letter",
        "--debtor",
        "B100",
        "--date",
        "2026-03-31",
        "--record",
    ]);
    let v = claims_on(&b2b, "2026-04-10");
    assert!(claimed_numbers(&v).is_empty(), "{v}");
    assert!(held_for_term(&v, "F2026-071"), "{v}");
    let v = claims_on(&b2b, "2026-04-17");
    assert_eq!(claimed_numbers(&v).len(), 3, "after the term: {v}");
    // (b) A Dutch consumer: two 14-day letters, then a pre-incasso letter of 1 April (term to
    // 20 April).
    let nl = run("consumer", "ledger-consumer.csv", "policy-nl.toml");
    nl(&[
        "letter",
        "--debtor",
        "D100",
        "--date",
        "2026-02-03",
        "--record",
    ]);
    nl(&[
        "letter",
        "--debtor",
        "D100",
        "--date",
        "2026-03-03",
        "--record",
    ]);
    nl(&[
        "letter",
        "--debtor",
        "D100",
        "--date",
        "2026-04-01",
        "--kind",
        "pre-incasso",
        "--record",
    ]);
    let v = claims_on(&nl, "2026-04-10");
    assert!(claimed_numbers(&v).is_empty(), "{v}");
    assert!(held_for_term(&v, "F2026-001"), "{v}");
    assert!(!claimed_numbers(&claims_on(&nl, "2026-04-21")).is_empty());
    // (c) A Belgian business: letter of 1 June, term to 17 June.
    let be = run("be", "ledger-be.csv", "policy-be-b2b.toml");
    be(&[
        "letter",
        "--debtor",
        "K400",
        "--date",
        "2026-06-01",
        "--record",
    ]);
    let v = claims_on(&be, "2026-06-10");
    assert!(claimed_numbers(&v).is_empty(), "{v}");
    assert!(!claimed_numbers(&claims_on(&be, "2026-06-18")).is_empty());
}

/// Review 44b, F-2 and F-3 (`fixtures/othergen44/letters-law/`): under `b2b_minimum =
/// "per_claim"` a business letter states one EUR 40 minimum, not one per late invoice (it said
/// "per invoice" and then EUR 45.00 for three); a Belgian consumer's reminder must say what the
/// debt is for (art. XIX.2 WER): without a description in the books it is refused, naming the
/// invoices, until `--about` says it.
#[test]
fn business_letters_state_the_policy_s_minimum_and_belgian_reminders_say_what_the_debt_is_for() {
    let set = fixture("othergen44/letters-law");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("per-claim");
    ok(incasso(
        &data,
        &["import", set.join("F-2/ledger.csv").to_str().unwrap()],
    ));
    for policy in ["policy-per-claim.toml", "policy-per-claim-agreed2.toml"] {
        let p = set.join("F-2").join(policy);
        for (lang, per_invoice, minimum) in [
            (
                "nl",
                "per te laat betaalde factuur",
                "ten minste € 40 (artikel 6:96 lid 4",
            ),
            (
                "en",
                "for each invoice paid late",
                "at least €40 (article 6:96(4)",
            ),
        ] {
            let text = ok(incasso(
                &data,
                &[
                    "--policy",
                    p.to_str().unwrap(),
                    "letter",
                    "--debtor",
                    "B100",
                    "--date",
                    "2026-03-31",
                    "--lang",
                    lang,
                ],
            ));
            assert!(
                text.contains(minimum) && !text.contains(per_invoice),
                "{policy} {lang}: {text}"
            );
        }
    }
    let data = dir.path().join("be");
    let p = set.join("F-3/policy-be.toml");
    let p = p.to_str().unwrap();
    ok(incasso(
        &data,
        &[
            "import",
            set.join("F-3/ledger-no-description.csv").to_str().unwrap(),
        ],
    ));
    let letter = |extra: &[&str]| {
        let mut args = vec![
            "--policy",
            p,
            "letter",
            "--debtor",
            "K100",
            "--date",
            "2026-04-02",
        ];
        args.extend_from_slice(extra);
        incasso(&data, &args)
    };
    let o = letter(&["--record"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("must say what the debt is for (art. XIX.2 WER)")
            && stderr(&o).contains("F2026-081"),
        "{}",
        stderr(&o)
    );
    let listed = ok(incasso(&data, &["reminders", "list", "--format", "csv"]));
    assert_eq!(listed.lines().count(), 1, "nothing recorded: {listed}");
    let o = letter(&["--about", "Keukenrenovatie, levering 3 januari 2026"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Keukenrenovatie, levering 3 januari 2026"),
        "{}",
        stdout(&o)
    );
}

/// Review 44b, F-4: `reminders import` refuses a letter received before it was sent, as
/// `reminders add` does, naming the file, line and column; nothing is recorded.
#[test]
fn an_imported_letter_received_before_it_was_sent_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv"]);
    let file = dir.path().join("letters.csv");
    std::fs::write(
        &file,
        "debtor,kind,sent,received,channel,items,states_costs\n\
         D100,fourteen-day-letter,2026-11-20,2026-11-21,post,,true\n\
         D100,fourteen-day-letter,2026-11-24,2026-11-10,post,,true\n",
    )
    .unwrap();
    let o = incasso(&data, &["reminders", "import", file.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("letters.csv: line 3, column 'received': received 2026-11-10 is before it was sent on 2026-11-24"),
        "{}",
        stderr(&o)
    );
    let listed = ok(incasso(&data, &["reminders", "list", "--format", "csv"]));
    assert_eq!(listed.lines().count(), 1, "nothing recorded: {listed}");
}

/// Three ways a letter could fail before a judge, found by review 46b (its data, written from
/// the README and the legal reference alone): a business's letter counted as a consumer's
/// 14-day letter once the debtor turned out to be one (F-1), a letter stating statutory costs on
/// a default before the Besluit took effect (F-2), and a creditor's IBAN that is none (F-3).
#[test]
fn an_invoice_of_2012_with_no_term_in_default_since_2026_bears_costs() {
    // Review 47a, F-2: art. 3 of the Besluit spares a debtor in default before 1 July 2012; with
    // no agreed term the default began when the notice's term ran out, in 2026 here.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!("jurisdiction = \"nl\"\n{CREDITOR}[debtors.C9]\ndebtor_type = \"consumer\"\n"),
    )
    .unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "Factuurnummer;Factuurdatum;Debiteur;Naam;Adres;Postcode;Plaats;Land;Bedrag incl. BTW;Valuta\n\
         N1;01-01-2012;C9;M. Smit;Kerkstraat 9;1234 AB;Zonnedorp;NL;1000,00;EUR\n",
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    let p = policy.to_str().unwrap();
    let letter = |date: &str| {
        ok(incasso(
            &data,
            &[
                "--policy", p, "letter", "--debtor", "C9", "--date", date, "--record",
            ],
        ))
    };
    let notice = letter("2026-03-02");
    assert!(notice.contains("Ingebrekestelling"), "{notice}");
    let fourteen = letter("2026-04-01");
    assert!(
        fourteen.contains("incassokosten verschuldigd van € 150,00")
            && !fourteen.contains("vóór 1 juli 2012"),
        "{fourteen}"
    );
    let claims: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &[
            "--policy",
            p,
            "claims",
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let claim = &claims["claims"][0];
    assert_eq!(claim["items"][0]["default_date"], "2026-03-19", "{claim:#}");
    assert_eq!(
        claim["amounts"]["collection_costs_excl_vat"], "150.00",
        "{claim:#}"
    );

    // A letter that gives notice for it and states costs over a later invoice does not call it
    // in default since 2012 (review 47b, F-1); the next letter states costs over both.
    let data = dir.path().join("data-mixed");
    let term = dir.path().join("term.csv");
    std::fs::write(
        &term,
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteur;Naam;Adres;Postcode;Plaats;Land;Bedrag incl. BTW;Valuta\n\
         A3;01-01-2025;31-01-2025;C9;M. Smit;Kerkstraat 9;1234 AB;Zonnedorp;NL;1500,00;EUR\n",
    )
    .unwrap();
    ok(incasso(
        &data,
        &["import", ledger.to_str().unwrap(), term.to_str().unwrap()],
    ));
    let letter = |date: &str, lang: &str| {
        ok(incasso(
            &data,
            &[
                "--policy", p, "letter", "--debtor", "C9", "--date", date, "--lang", lang,
                "--record",
            ],
        ))
    };
    let both = letter("2026-03-02", "nl");
    assert!(
        both.contains("met deze brief stellen wij u daarvoor in gebreke")
            && both.contains("verschuldigd van € 225,00")
            && !both.contains("1 juli 2012"),
        "{both}"
    );
    let next = letter("2026-04-01", "en");
    assert!(
        next.contains("€375.00") && !next.contains("July 2012"),
        "{next}"
    );
}

#[test]
fn a_business_letter_is_no_consumer_s_and_old_defaults_and_bad_ibans_state_nothing_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let policy = |debtor_type: &str| {
        let p = dir.path().join(format!("policy-{debtor_type}.toml"));
        std::fs::write(
            &p,
            format!("jurisdiction = \"nl\"\n{CREDITOR}[debtors.B2]\ndebtor_type = \"{debtor_type}\"\n[debtors.D2]\ndebtor_type = \"consumer\"\n[debtors.B3]\ndebtor_type = \"business\"\n[debtors.B4]\ndebtor_type = \"business\"\n[debtors.D5]\ndebtor_type = \"consumer\"\n"),
        )
        .unwrap();
        p.to_str().unwrap().to_string()
    };
    let (business, consumer) = (policy("business"), policy("consumer"));
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteur;Naam;Adres;Postcode;Plaats;Land;Bedrag incl. BTW;Valuta\n\
         G1;01-03-2025;31-03-2025;B2;G. de Vries;Industrieweg 2;1234 AB;Zonnedorp;NL;100,00;EUR\n\
         G2;05-03-2025;04-04-2025;B2;G. de Vries;Industrieweg 2;1234 AB;Zonnedorp;NL;100,00;EUR\n\
         O1;01-04-2012;01-05-2012;D2;P. Jansen;Kerkstraat 3;1234 AB;Zonnedorp;NL;1000,00;EUR\n\
         O2;01-04-2012;01-05-2012;B3;Oud B.V.;Kerkstraat 5;1234 AB;Zonnedorp;NL;1000,00;EUR\n\
         O3;01-04-2012;01-05-2012;B4;Half Oud B.V.;Kerkstraat 7;1234 AB;Zonnedorp;NL;1000,00;EUR\n\
         N1;01-07-2012;01-08-2012;B4;Half Oud B.V.;Kerkstraat 7;1234 AB;Zonnedorp;NL;2000,00;EUR\n\
         A1;01-04-2012;01-05-2012;D5;M. Smit;Kerkstraat 9;1234 AB;Zonnedorp;NL;1000,00;EUR\n\
         A2;15-06-2012;15-07-2012;D5;M. Smit;Kerkstraat 9;1234 AB;Zonnedorp;NL;2000,00;EUR\n",
    )
    .unwrap();
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));

    // F-1: written for a business, recorded; the debtor is a consumer after all.
    let letter = ok(incasso(
        &data,
        &[
            "--policy",
            &business,
            "letter",
            "--debtor",
            "B2",
            "--date",
            "2025-05-01",
            "--record",
        ],
    ));
    assert!(letter.contains("zakelijke afnemer"), "{letter}");
    let claims = |policy: &str, as_of: &str| -> serde_json::Value {
        serde_json::from_str(&ok(incasso(
            &data,
            &[
                "--policy", policy, "claims", "--as-of", as_of, "--format", "json",
            ],
        )))
        .unwrap()
    };
    let as_consumer = claims(&consumer, "2025-09-30");
    let of = |v: &serde_json::Value, debtor: &str| -> Vec<serde_json::Value> {
        v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["debtor"]["id"] == debtor)
            .cloned()
            .collect()
    };
    assert!(of(&as_consumer, "B2").is_empty(), "{as_consumer:#}");
    let held = serde_json::to_string(&as_consumer["excluded"]).unwrap();
    assert!(
        held.contains("fourteen-day-letter") && held.contains("written for a business"),
        "{held}"
    );
    // Still a business: the letter's term ran, and the claim goes.
    assert_eq!(of(&claims(&business, "2025-09-30"), "B2").len(), 1);

    // F-2: in default since 2 May 2012, before the Besluit: the letter states no costs, is
    // recorded as stating none, and the claim after its term goes without costs.
    let letter = ok(incasso(
        &data,
        &[
            "--policy",
            &consumer,
            "letter",
            "--debtor",
            "D2",
            "--date",
            "2012-08-01",
            "--record",
        ],
    ));
    assert!(!letter.contains("150,00"), "{letter}");
    let listed = ok(incasso(&data, &["reminders", "list", "--format", "csv"]));
    let row = listed.lines().find(|l| l.contains("D2")).unwrap();
    assert!(row.contains("false"), "states no costs: {listed}");
    // A business in default before the Besluit: no compensation named, none threatened (review
    // 46c, F-4: "at least € 40 … that is € 0,00").
    let letter = ok(incasso(
        &data,
        &[
            "--policy",
            &consumer,
            "letter",
            "--debtor",
            "B3",
            "--date",
            "2012-08-01",
        ],
    ));
    assert!(
        !letter.contains("€ 40") && !letter.contains("€ 0,00") && letter.contains("handelsrente"),
        "{letter}"
    );
    // One invoice in default before the Besluit, one after: the compensation is the later one's,
    // and the letter says it is for that one invoice (review 46d, F-4: "for these 2 invoices").
    let letter = ok(incasso(
        &data,
        &[
            "--policy",
            &consumer,
            "letter",
            "--debtor",
            "B4",
            "--date",
            "2012-09-03",
        ],
    ));
    assert!(
        letter.contains("Voor factuur N1 is dat € 300,00") && !letter.contains("2 facturen"),
        "{letter}"
    );
    let old = of(&claims(&consumer, "2013-01-01"), "D2");
    assert_eq!(old.len(), 1, "{old:?}");
    assert_eq!(old[0]["amounts"]["collection_costs_excl_vat"], "0.00");
    // A consumer with one invoice in default before the Besluit and one after: the letter states
    // the costs over the later one, and the claim charges them (review 46c, F-5: it charged
    // none, "in default before the Besluit").
    let letter = ok(incasso(
        &data,
        &[
            "--policy",
            &consumer,
            "letter",
            "--debtor",
            "D5",
            "--date",
            "2012-08-01",
            "--record",
        ],
    ));
    assert!(letter.contains("€ 300,00"), "{letter}");
    // It says which invoice the costs leave out, and why (review 47a, F-4).
    assert!(
        letter.contains("Over factuur A1, in verzuim sinds vóór 1 juli 2012, zijn geen incassokosten verschuldigd"),
        "{letter}"
    );
    // Kept, the claims of a letter that stated no costs read back (review 47a, F-3: "the kept
    // claims are unreadable" on every read after the first).
    let read = || {
        incasso(
            &data,
            &[
                "--policy",
                &consumer,
                "claims",
                "--as-of",
                "2013-01-01",
                "--format",
                "json",
            ],
        )
    };
    let (first, again) = (read(), read());
    assert_eq!(first.stdout, again.stdout);
    assert!(!stderr(&again).contains("unreadable"), "{}", stderr(&again));
    let mixed = of(&claims(&consumer, "2013-01-01"), "D5");
    assert_eq!(mixed.len(), 1, "{mixed:?}");
    let amounts = &mixed[0]["amounts"];
    assert_eq!(
        amounts["collection_costs_excl_vat"], "300.00",
        "{amounts:#}"
    );
    let trace = serde_json::to_string(&amounts["costs_trace"]).unwrap();
    assert!(
        trace.contains("invoice A1 left out: in default from 2012-05-02, before the Besluit"),
        "{trace}"
    );

    // F-3: an IBAN with wrong check digits is refused before a letter names it; what needs no
    // creditor (the ledger's receivables) still reads.
    let bad = dir.path().join("policy-bad-iban.toml");
    let with_iban = |iban: &str, args: &[&str]| {
        std::fs::write(&bad, CREDITOR.replace("NL91ABNA0417164300", iban)).unwrap();
        let mut all = vec!["--policy", bad.to_str().unwrap()];
        all.extend_from_slice(args);
        incasso(&data, &all)
    };
    let letter_b2 = ["letter", "--debtor", "B2", "--date", "2025-05-01"];
    let o = with_iban("NL91ABNA0417164301", &letter_b2);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("policy-bad-iban.toml")
            && err.contains("iban 'NL91ABNA0417164301' under [creditor], which is no IBAN"),
        "{err}"
    );
    ok(with_iban(
        "NL91ABNA0417164301",
        &["receivables", "--as-of", "2025-09-30"],
    ));
    // Mod-97 right, but a digit in the Dutch bank code (review 46c, F-6).
    let o = with_iban("NL251BNA0417164300", &letter_b2);
    assert!(
        stderr(&o).contains("which is no account of its country's form"),
        "{}",
        stderr(&o)
    );
    // Mod-97 right, no country's; and the claims preview says what `submit` will refuse
    // (review 46c, F-6).
    let o = with_iban("XX62ABNA0417164300", &letter_b2);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("whose country code XX is no country's for IBANs"),
        "{}",
        stderr(&o)
    );
    let o = with_iban("XX62ABNA0417164300", &["claims", "--as-of", "2025-09-30"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: a claim tells the debtor to pay to iban 'XX62ABNA0417164300'")
            && stderr(&o).contains("`incasso submit` and `incasso letter` refuse until it is"),
        "{}",
        stderr(&o)
    );
    // Typed in groups and lower case, the account is carried in its electronic form: one
    // spelling, whatever was typed (review 47a, F-5).
    let o = with_iban(
        "nl91 abna 0417 1643 00",
        &["claims", "--as-of", "2025-09-30", "--format", "json"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("\"iban\": \"NL91ABNA0417164300\"") && !out.contains("abna"),
        "{out}"
    );
}
