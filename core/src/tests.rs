//! Behaviour tests of reconciliation and ageing together, on hand-built ledgers.

use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ageing::{ageing, open_items, AgeingBasis, Buckets};
use crate::ids::{CreditorId, DebtorId, DocumentNumber};
use crate::model::*;
use crate::money::Currency;
use crate::reconcile::reconcile;

/// A date from ISO text (test helper shared with the matching tests).
pub(crate) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// An exact amount from text.
pub(crate) fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Where test records come from.
pub(crate) fn provenance() -> Provenance {
    Provenance {
        source: Arc::new(Source {
            kind: SourceKind::Manual,
            name: "test".into(),
            content_hash: String::new(),
        }),
        location: Location::Line(1),
    }
}

/// A document of creditor `acme` in EUR, as a test ledger holds it.
pub(crate) fn doc(
    kind: DocumentKind,
    number: &str,
    debtor: &str,
    total: &str,
    issue: &str,
    due: &str,
) -> LedgerDocument {
    LedgerDocument {
        document: Document {
            creditor: CreditorId::new("acme").unwrap(),
            kind,
            number: DocumentNumber::new(number).unwrap(),
            debtor: DebtorId::new(debtor).unwrap(),
            issue_date: date(issue),
            due_date: date(due),
            due_assumed: false,
            currency: Currency::EUR,
            net: None,
            vat: None,
            total: dec(total),
            source_open: None,
            status: DocumentStatus::Open,
            credited_invoice: None,
            payment_reference: None,
            description: None,
        },
        provenance: provenance(),
        version: 1,
    }
}

fn credit(number: &str, debtor: &str, total: &str, credits: &str, issue: &str) -> LedgerDocument {
    let mut d = doc(
        DocumentKind::CreditNote,
        number,
        debtor,
        total,
        issue,
        issue,
    );
    d.document.credited_invoice = Some(DocumentNumber::new(credits).unwrap());
    d
}

#[test]
fn credit_note_settles_the_invoice_it_names_and_keeps_the_rest_as_credit() {
    let docs = vec![
        doc(
            DocumentKind::Invoice,
            "F1",
            "D1",
            "100.00",
            "2026-01-01",
            "2026-01-31",
        ),
        credit("C1", "D1", "130.00", "f1", "2026-02-01"),
    ];
    let rec = reconcile(&docs, date("2026-03-01"));
    assert_eq!(rec.open, vec![Some(dec("0.00")), Some(dec("-30.00"))]);
    assert_eq!(rec.allocations.len(), 1);
    assert_eq!(rec.allocations[0].amount.amount(), dec("100.00"));
    assert_eq!(rec.allocations[0].rule, AllocationRule::CreditNoteReference);
}

#[test]
fn credit_note_for_another_debtor_or_missing_invoice_is_not_applied() {
    let docs = vec![
        doc(
            DocumentKind::Invoice,
            "F1",
            "D1",
            "100.00",
            "2026-01-01",
            "2026-01-31",
        ),
        credit("C1", "D2", "40.00", "F1", "2026-02-01"),
        credit("C2", "D1", "10.00", "F9", "2026-02-01"),
    ];
    let rec = reconcile(&docs, date("2026-03-01"));
    assert_eq!(
        rec.open,
        vec![
            Some(dec("100.00")),
            Some(dec("-40.00")),
            Some(dec("-10.00"))
        ]
    );
    assert!(rec.allocations.is_empty());
    assert_eq!(rec.notes.len(), 2);
    assert!(
        rec.notes[0].message.contains("debtor D1"),
        "{}",
        rec.notes[0].message
    );
    assert!(
        rec.notes[1].message.contains("not in the ledger"),
        "{}",
        rec.notes[1].message
    );
}

#[test]
fn documents_after_the_as_of_date_do_not_exist_yet() {
    let docs = vec![
        doc(
            DocumentKind::Invoice,
            "F1",
            "D1",
            "100.00",
            "2026-01-01",
            "2026-01-31",
        ),
        credit("C1", "D1", "100.00", "F1", "2026-04-01"),
    ];
    let rec = reconcile(&docs, date("2026-03-01"));
    assert_eq!(rec.open, vec![Some(dec("100.00")), None]);
    let mut items = open_items(&docs, &rec.open, date("2026-03-01"));
    crate::ageing::sort_items(&mut items);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].days_overdue, 29);
}

#[test]
fn source_reported_open_and_paid_become_allocations() {
    let mut partly = doc(
        DocumentKind::Invoice,
        "F1",
        "D1",
        "100.00",
        "2026-01-01",
        "2026-01-31",
    );
    partly.document.source_open = Some(dec("60.00"));
    let mut paid = doc(
        DocumentKind::Invoice,
        "F2",
        "D1",
        "50.00",
        "2026-01-01",
        "2026-01-31",
    );
    paid.document.status = DocumentStatus::Paid;
    let mut void = doc(
        DocumentKind::Invoice,
        "F3",
        "D1",
        "70.00",
        "2026-01-01",
        "2026-01-31",
    );
    void.document.status = DocumentStatus::Void;
    let docs = vec![partly, paid, void];
    let rec = reconcile(&docs, date("2026-03-01"));
    assert_eq!(rec.open, vec![Some(dec("60.00")), Some(dec("0.00")), None]);
    let rules: Vec<_> = rec
        .allocations
        .iter()
        .map(|a| (a.rule, a.amount.amount()))
        .collect();
    assert_eq!(
        rules,
        vec![
            (AllocationRule::SourceReportedOpen, dec("40.00")),
            (AllocationRule::SourceReportedPaid, dec("50.00"))
        ]
    );
}

/// An invoice the source reports as more than paid (a negative open amount) owes nothing, with
/// a note; a credit note reported so keeps its whole credit to set off (the side that never
/// claims too much).
#[test]
fn an_invoice_more_than_paid_owes_nothing() {
    let mut over = doc(
        DocumentKind::Invoice,
        "F1",
        "D1",
        "1210.00",
        "2026-01-01",
        "2026-01-31",
    );
    over.document.source_open = Some(dec("-10.00"));
    let mut cn = credit("C1", "D2", "100.00", "F9", "2026-01-05");
    cn.document.source_open = Some(dec("-20.00"));
    let rec = reconcile(&[over, cn], date("2026-03-01"));
    assert_eq!(rec.open, vec![Some(dec("0.00")), Some(dec("-100.00"))]);
    assert!(
        rec.notes[0]
            .message
            .contains("more than paid, nothing is owed"),
        "{:?}",
        rec.notes
    );
}

/// Two sources of one document that both give an open amount: the lower stands, whichever came
/// first (a later snapshot shows payments an earlier one did not).
#[test]
fn of_two_sources_open_amounts_the_lower_stands() {
    let mut csv = doc(
        DocumentKind::Invoice,
        "F1",
        "D1",
        "1210.00",
        "2026-01-01",
        "2026-01-31",
    )
    .document;
    let mut workbook = csv.clone();
    csv.source_open = Some(dec("1210.00"));
    workbook.source_open = Some(dec("0.00"));
    let lower = Some(dec("0.00"));
    assert_eq!(crate::sources::merge(&csv, &workbook).source_open, lower);
    assert_eq!(crate::sources::merge(&workbook, &csv).source_open, lower);
    workbook.source_open = None;
    assert_eq!(
        crate::sources::merge(&workbook, &csv).source_open,
        Some(dec("1210.00"))
    );
}

#[test]
fn ageing_keeps_currencies_apart_and_buckets_by_due_or_issue_date() {
    let mut usd = doc(
        DocumentKind::Invoice,
        "F3",
        "D1",
        "10.00",
        "2026-01-01",
        "2026-02-15",
    );
    usd.document.currency = Currency::parse("USD").unwrap();
    let docs = vec![
        doc(
            DocumentKind::Invoice,
            "F1",
            "D1",
            "100.00",
            "2026-01-01",
            "2026-03-10",
        ),
        doc(
            DocumentKind::Invoice,
            "F2",
            "D2",
            "200.00",
            "2025-10-01",
            "2025-10-31",
        ),
        usd,
    ];
    let as_of = date("2026-03-01");
    let rec = reconcile(&docs, as_of);
    let items = open_items(&docs, &rec.open, as_of);
    let rows = ageing(&items, &Buckets::default(), AgeingBasis::Due, as_of, false);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].currency.as_str(), "EUR");
    assert_eq!(
        rows[0].amounts,
        vec![dec("100.00"), dec("0"), dec("0"), dec("0"), dec("200.00")]
    );
    assert_eq!(rows[1].currency.as_str(), "USD");
    assert_eq!(rows[1].amounts[1], dec("10.00"));
    let by_issue = ageing(&items, &Buckets::default(), AgeingBasis::Issue, as_of, true);
    assert_eq!(by_issue.len(), 3);
    assert_eq!(by_issue[0].debtor.as_ref().unwrap().as_str(), "D1");
    assert_eq!(by_issue[0].amounts[2], dec("100.00"), "59 days since issue");
}

/// A contact corrected upstream to a private person (company name, KvK and VAT removed; a review
/// of session 38): its numbers are gone and it is no longer a business.
#[test]
fn a_live_source_that_no_longer_shows_a_business_makes_it_unknown() {
    let mut stored = Debtor::new(DebtorId::new("D1").unwrap());
    stored.name = Some("Smit Bouw B.V.".into());
    stored.kind = DebtorKind::Business;
    stored.kvk = Some("12345678".into());
    stored.vat_number = Some("NL001234567B01".into());
    let mut now = Debtor::new(DebtorId::new("D1").unwrap());
    now.name = Some("Piet Smit".into());
    let changes = stored.update_from(&now);
    assert_eq!(stored.kind, DebtorKind::Unknown, "{changes:?}");
    assert_eq!(
        (stored.kvk.as_deref(), stored.vat_number.as_deref()),
        (None, None)
    );
    assert_eq!(stored.name.as_deref(), Some("Piet Smit"));
    // Still a business in the source: nothing changes but what it gives.
    let mut again = Debtor::new(DebtorId::new("D2").unwrap());
    again.kind = DebtorKind::Business;
    again.kvk = Some("87654321".into());
    let mut same = again.clone();
    same.name = Some("Jansen B.V.".into());
    again.update_from(&same);
    assert_eq!(again.kind, DebtorKind::Business);
    assert_eq!(again.kvk.as_deref(), Some("87654321"));
}

/// Review 44a, F-5: a street with its house number in one field goes to the agency in two.
#[test]
fn a_house_number_written_in_the_street_is_taken_out() {
    use crate::model::Address;
    let split = |street: &str| {
        let a = Address {
            street: Some(street.to_string()),
            ..Address::default()
        }
        .with_house_number();
        (a.street.unwrap_or_default(), a.house_number)
    };
    assert_eq!(
        split("Dorpsstraat 12"),
        ("Dorpsstraat".into(), Some("12".into()))
    );
    assert_eq!(
        split("Kerkstraat 12a"),
        ("Kerkstraat".into(), Some("12a".into()))
    );
    assert_eq!(
        split("Meir 20 bus 3"),
        ("Meir".into(), Some("20 bus 3".into()))
    );
    assert_eq!(
        split("1e Helmersstraat 7-II"),
        ("1e Helmersstraat".into(), Some("7-II".into()))
    );
    assert_eq!(split("Postbus"), ("Postbus".into(), None));
    assert_eq!(split("12 Main Street"), ("12 Main Street".into(), None));
    let given = Address {
        street: Some("Dorpsstraat 12".into()),
        house_number: Some("12".into()),
        ..Address::default()
    };
    assert_eq!(given.with_house_number(), given);
}
