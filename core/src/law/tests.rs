//! The worked cases of `shared/reference/cases-examples.json`, to the cent, and the invariants
//! the law implies, as property tests.

use std::path::PathBuf;

use serde_json::Value;

use super::claim::{calculate, ClaimInput};

fn reference() -> Option<PathBuf> {
    let dir = match std::env::var_os("INCASSO_REFERENCE") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference"),
    };
    let file = dir.join("cases-examples.json");
    if file.exists() {
        return Some(file);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing under CI",
        file.display()
    );
    None
}

/// Builds the calculator's input from a case, taking only the input keys.
fn input_of(case: &Value) -> ClaimInput {
    let keys = [
        "jurisdiction",
        "debtor_type",
        "creditor_vat_deductible",
        "calculation_date",
        "invoices",
        "payments",
        "reminder",
        "costs_due_date",
        "contract_has_damages_and_interest_clause",
        "b2b_minimum",
    ];
    let mut obj = serde_json::Map::new();
    for k in keys {
        if let Some(v) = case.get(k) {
            obj.insert(k.to_string(), v.clone());
        }
    }
    serde_json::from_value(Value::Object(obj)).unwrap_or_else(|e| panic!("{}: {e}", case["id"]))
}

#[test]
fn reference_cases_match_to_the_cent() {
    let Some(file) = reference() else { return };
    let all: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let cases = all["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let got = serde_json::to_value(
            calculate(&input_of(case)).unwrap_or_else(|e| panic!("{id}: {e}")),
        )
        .unwrap();
        for (key, want) in case["expected"].as_object().unwrap() {
            if got.get(key) != Some(want) {
                failures.push(format!(
                    "{id} {key}:\n  want {want}\n  got  {}",
                    got.get(key).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

mod properties {
    use chrono::{Days, NaiveDate};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use crate::law::claim::{calculate, ClaimInput, InterestSegment, InvoiceInput};
    use crate::law::{be, nl, DebtorType, Jurisdiction};

    fn cents() -> impl Strategy<Value = Decimal> {
        (1i64..200_000_000).prop_map(|c| Decimal::new(c, 2))
    }

    fn claim(
        jurisdiction: Jurisdiction,
        debtor: DebtorType,
        amount: Decimal,
        due: NaiveDate,
        calc: NaiveDate,
    ) -> ClaimInput {
        ClaimInput {
            jurisdiction,
            debtor_type: debtor,
            creditor_vat_deductible: true,
            calculation_date: calc,
            invoices: vec![InvoiceInput {
                id: "F".into(),
                amount,
                invoice_date: due - Days::new(14),
                due_date: due,
                interest_start_date: None,
                paid: Vec::new(),
            }],
            payments: vec![],
            reminder: None,
            costs_due_date: None,
            contract_has_damages_and_interest_clause: None,
            b2b_minimum: None,
            agreed_costs_pct: None,
        }
    }

    fn date(offset: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2003, 1, 1).unwrap() + Days::new(offset)
    }

    /// The books' payment on an invoice after default: interest on the whole until its day,
    /// costs over the principal when they fell due, the rest as principal.
    #[test]
    fn a_payment_the_books_applied_after_default() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut input = claim(
            Jurisdiction::Nl,
            DebtorType::Business,
            Decimal::new(150_000, 2),
            d("2026-02-04"),
            d("2026-06-10"),
        );
        input.invoices[0].paid = vec![crate::law::claim::PaymentInput {
            date: d("2026-06-05"),
            amount: Decimal::new(50_000, 2),
        }];
        let r = calculate(&input).unwrap();
        assert_eq!(r.principal_outstanding, Decimal::new(150_000, 2));
        assert_eq!(r.principal_original, Decimal::new(200_000, 2));
        assert_eq!(r.collection_costs_base, Decimal::new(200_000, 2));
        assert_eq!(r.collection_costs_excl_vat, Decimal::new(30_000, 2));
        assert_eq!(r.interest_outstanding, Decimal::new(6_924, 2));
        // Paid before the costs fell due, it lowers their base.
        input.invoices[0].paid[0].date = d("2026-02-01");
        let r = calculate(&input).unwrap();
        assert_eq!(r.collection_costs_base, Decimal::new(150_000, 2));
        assert_eq!(r.principal_outstanding, Decimal::new(150_000, 2));
    }

    /// A business's costs fall due after the first default of the invoices that bear them: one
    /// in default before the Besluit bears none and does not set the day, so a part payment on
    /// the later invoice before it fell due still lowers their base (review 47a, F-1).
    #[test]
    fn an_invoice_in_default_before_the_besluit_sets_no_day_for_the_costs() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut input = claim(
            Jurisdiction::Nl,
            DebtorType::Business,
            Decimal::new(60_000, 2),
            d("2026-01-15"),
            d("2026-06-30"),
        );
        input.invoices[0].paid = vec![crate::law::claim::PaymentInput {
            date: d("2026-01-05"),
            amount: Decimal::new(40_000, 2),
        }];
        input.invoices.push(InvoiceInput {
            id: "H1".into(),
            amount: Decimal::new(500_000, 2),
            invoice_date: d("2011-12-15"),
            due_date: d("2012-01-15"),
            interest_start_date: None,
            paid: Vec::new(),
        });
        let r = calculate(&input).unwrap();
        assert_eq!(r.costs_due_date, Some(d("2026-01-16")));
        assert_eq!(r.collection_costs_base, Decimal::new(60_000, 2));
        assert_eq!(r.collection_costs_excl_vat, Decimal::new(9_000, 2));
        assert!(
            r.costs_trace[0]
                .step
                .starts_with("invoice H1 left out: in default from 2012-01-16"),
            "{:?}",
            r.costs_trace
        );
        // With no agreed term, the day its default began, not the day after the assumed due date.
        input.invoices.truncate(1);
        input.invoices[0].interest_start_date = Some(d("2026-01-20"));
        let r = calculate(&input).unwrap();
        assert_eq!(r.costs_due_date, Some(d("2026-01-20")));
    }

    proptest! {
        /// Payments the books applied leave the principal claimed as it is, and never lower the
        /// interest or the costs below those of the same claim without them.
        #[test]
        fn payments_the_books_applied_only_add_interest_and_keep_costs(
            amount in cents(), paid in cents(), due in 0u64..3000, after in 0u64..900, to in 0u64..900
        ) {
            let due_date = date(due);
            let calc = due_date + Days::new(to);
            let plain = claim(Jurisdiction::Nl, DebtorType::Business, amount, due_date, calc);
            let mut with = plain.clone();
            with.invoices[0].paid = vec![crate::law::claim::PaymentInput {
                date: due_date + Days::new(after),
                amount: paid,
            }];
            let (a, b) = (calculate(&plain).unwrap(), calculate(&with).unwrap());
            prop_assert_eq!(b.principal_outstanding, amount);
            prop_assert!(b.interest_outstanding >= a.interest_outstanding);
            prop_assert!(b.collection_costs_excl_vat >= a.collection_costs_excl_vat);
        }

        #[test]
        fn wik_costs_stay_between_minimum_and_cap_and_grow_with_principal(a in cents(), b in cents()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let c_lo = nl::wik_costs(lo).unwrap().amount;
            let c_hi = nl::wik_costs(hi).unwrap().amount;
            prop_assert!(c_lo >= Decimal::from(40) && c_hi <= Decimal::from(6775));
            prop_assert!(c_lo <= c_hi, "costs({lo}) = {c_lo} > costs({hi}) = {c_hi}");
        }

        #[test]
        fn integer_interest_equals_decimal_arithmetic(base in cents(), rate in 0i64..2000, days in 1i64..400) {
            let rate = Decimal::new(rate, 2);
            let want = crate::money::round_cents(base * rate * Decimal::from(days) / Decimal::from(36_500));
            prop_assert_eq!(crate::law::claim::interest(base, rate, days), want);
        }

        #[test]
        fn belgian_consumer_damages_stay_capped_and_grow(a in cents(), b in cents()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let d_lo = be::consumer_damages(lo).unwrap().amount;
            let d_hi = be::consumer_damages(hi).unwrap().amount;
            prop_assert!(d_lo >= Decimal::from(20) && d_hi <= Decimal::from(2000));
            prop_assert!(d_lo <= d_hi);
        }

        #[test]
        fn interest_is_zero_until_due_and_grows_with_time(
            amount in cents(),
            due in 0u64..6500,
            t1 in 0u64..1400,
            extra in 0u64..600,
            nl_business in any::<bool>(),
        ) {
            let (j, d) = if nl_business { (Jurisdiction::Nl, DebtorType::Business) } else { (Jurisdiction::Be, DebtorType::Business) };
            let due = date(due);
            let before = calculate(&claim(j, d, amount, due, due)).unwrap();
            prop_assert_eq!(before.interest_accrued_total, Decimal::ZERO);
            let calc1 = due + Days::new(t1);
            let calc2 = calc1 + Days::new(extra);
            let r1 = calculate(&claim(j, d, amount, due, calc1)).unwrap();
            let r2 = calculate(&claim(j, d, amount, due, calc2)).unwrap();
            prop_assert!(r1.interest_accrued_total >= Decimal::ZERO);
            prop_assert!(r1.interest_accrued_total <= r2.interest_accrued_total,
                "{} by {calc1} but {} by {calc2}", r1.interest_accrued_total, r2.interest_accrued_total);
        }

        #[test]
        fn each_anniversary_compounds_exactly_once(amount in cents(), due in 0u64..5500, years in 0u64..4, tail in 0u64..365) {
            let due = date(due);
            let calc = due + Days::new(365 * years + tail);
            let r = calculate(&claim(Jurisdiction::Nl, DebtorType::Business, amount, due, calc)).unwrap();
            let caps: Vec<NaiveDate> = r.interest_segments.iter().filter_map(|s| match s {
                InterestSegment::Capitalisation { capitalised_on, .. } => Some(*capitalised_on),
                _ => None,
            }).collect();
            let mut dedup = caps.clone();
            dedup.dedup();
            prop_assert_eq!(&caps, &dedup, "an anniversary capitalised twice");
            let start = due + Days::new(1);
            let expected = (1..=5).filter(|n| crate::law::claim::anniversary_of(start, *n) <= calc).count();
            prop_assert_eq!(caps.len(), expected);
        }
    }
}

/// A consumer's 14-day letter counts only for the invoices in default when it was sent: one
/// falling due after the letter carries no costs (art. 6:96 lid 6 BW), in `calc claim` as in the
/// claims (a helper's case of session 34: costs 442.04 over 3,170.35 instead of 400.00 over
/// 2,750.00).
#[test]
fn a_letter_before_an_invoice_is_due_gives_it_no_costs() {
    let input: ClaimInput = serde_json::from_value(serde_json::json!({
        "jurisdiction": "nl",
        "debtor_type": "consumer",
        "creditor_vat_deductible": true,
        "calculation_date": "2025-05-31",
        "invoices": [
            {"id": "F1", "amount": "800.00", "invoice_date": "2025-01-27", "due_date": "2025-02-10"},
            {"id": "F2", "amount": "1950.00", "invoice_date": "2025-02-19", "due_date": "2025-03-05"},
            {"id": "F3", "amount": "420.35", "invoice_date": "2025-03-06", "due_date": "2025-03-20"}
        ],
        "payments": [],
        "reminder": {"sent_date": "2025-03-12", "received_date": "2025-03-14", "deadline": "2025-03-28"}
    }))
    .unwrap();
    let r = calculate(&input).unwrap();
    assert_eq!(r.collection_costs_base.to_string(), "2750.00");
    assert_eq!(r.collection_costs_excl_vat.to_string(), "400.00");
    assert!(
        r.costs_trace
            .iter()
            .any(|t| t.step.contains("invoice F3 left out")),
        "{:?}",
        r.costs_trace
    );
    // Sent after every due date: all three count.
    let mut later = input;
    later.reminder.as_mut().unwrap().sent_date = "2025-03-21".parse().unwrap();
    later.reminder.as_mut().unwrap().received_date = "2025-03-24".parse().unwrap();
    later.reminder.as_mut().unwrap().deadline = None;
    let r = calculate(&later).unwrap();
    assert_eq!(r.collection_costs_base.to_string(), "3170.35");
}

/// A costs due date given for a consumer cannot charge costs the law does not allow (a review of
/// session 38): none without a 14-day letter, none before its term ends.
#[test]
fn a_costs_due_date_given_for_a_consumer_does_not_come_before_the_law() {
    let mut input: ClaimInput = serde_json::from_value(serde_json::json!({
        "jurisdiction": "nl",
        "debtor_type": "consumer",
        "creditor_vat_deductible": true,
        "calculation_date": "2025-03-31",
        "invoices": [
            {"id": "F1", "amount": "1000.00", "invoice_date": "2025-01-01", "due_date": "2025-01-15"}
        ],
        "payments": [{"date": "2025-02-20", "amount": "500.00"}],
        "costs_due_date": "2025-02-01"
    }))
    .unwrap();
    let r = calculate(&input).unwrap();
    assert!(r.collection_costs_excl_vat.is_zero());
    assert!(
        r.costs_note.as_deref().unwrap_or("").contains("not taken"),
        "{:?}",
        r.costs_note
    );
    // With a letter received on 12 February, the costs are due from 27 February: the payment of
    // the 20th comes within the term and lowers them (it pays the interest first, art. 6:44 BW).
    input.reminder = Some(
        serde_json::from_value(serde_json::json!({
            "sent_date": "2025-02-10", "received_date": "2025-02-12"
        }))
        .unwrap(),
    );
    let r = calculate(&input).unwrap();
    assert_eq!(
        r.costs_due_date.map(|d| d.to_string()).as_deref(),
        Some("2025-02-27")
    );
    assert_eq!(r.collection_costs_base.to_string(), "505.75");
}
