//! Boundary tables for every rule; each row has a stable id.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::*;
use crate::ageing::OpenItem;
use crate::collection::policy::{DebtorOverride, Policy, UnknownDebtorType};
use crate::collection::{Channel, Instalment, PaymentPlan, PlanState, Reminder, ReminderKind};
use crate::ids::{DebtorId, DocumentNumber};
use crate::model::{
    DebtorKind, DocumentKind, DocumentStatus, Location, Provenance, Source, SourceKind,
};
use crate::money::Currency;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Fixture {
    number: DocumentNumber,
    debtor: DebtorId,
    provenance: Provenance,
}

/// Where a test's document came from: a manual entry, line 2.
pub(super) fn provenance() -> Provenance {
    Provenance {
        source: Arc::new(Source {
            kind: SourceKind::Manual,
            name: "t".into(),
            content_hash: String::new(),
        }),
        location: Location::Line(2),
    }
}

fn fixture() -> Fixture {
    Fixture {
        number: DocumentNumber::new("F1").unwrap(),
        debtor: DebtorId::new("D1").unwrap(),
        provenance: provenance(),
    }
}

fn item<'a>(
    f: &'a Fixture,
    due: &str,
    as_of: &str,
    status: DocumentStatus,
    currency: Currency,
) -> OpenItem<'a> {
    let due = d(due);
    OpenItem {
        kind: DocumentKind::Invoice,
        number: &f.number,
        debtor: &f.debtor,
        currency,
        total: Decimal::from(100),
        open: Decimal::from(100),
        issue_date: due - Days::new(14),
        due_date: due,
        due_assumed: false,
        days_overdue: (d(as_of) - due).num_days().max(0),
        status,
        provenance: &f.provenance,
        payment_reference: None,
        credits: None,
    }
}

fn letter(sent: &str, states_costs: bool) -> Reminder {
    Reminder {
        debtor: DebtorId::new("D1").unwrap(),
        kind: ReminderKind::FourteenDayLetter,
        sent: d(sent),
        received: None,
        channel: Channel::Email,
        items: vec![],
        states_costs,
        stated_costs: None,
        written_for: None,
    }
}

/// Runs every item rule; returns the id of the first that objects.
fn first_objection(
    policy: &Policy,
    kind: DebtorKind,
    it: &OpenItem<'_>,
    as_of: &str,
    reminders: &[Reminder],
    plans: &[(PaymentPlan, PlanState)],
) -> Option<&'static str> {
    let eff = policy.for_debtor("D1", kind, None);
    let cx = ItemContext {
        as_of: d(as_of),
        item: it,
        policy: &eff,
        reminders,
        plans,
    };
    item_rules()
        .iter()
        .find(|r| r.check(&cx).is_some())
        .map(|r| r.id())
}

#[test]
fn item_rules_boundaries() {
    let f = fixture();
    let base = Policy::default();
    let mut hold = Policy::default();
    hold.debtors.insert(
        "D1".into(),
        DebtorOverride {
            hold_until: Some(d("2026-06-30")),
            hold_reason: Some("complaint".into()),
            ..Default::default()
        },
    );
    let block_unknown = Policy {
        unknown_debtor_type: UnknownDebtorType::Block,
        ..Policy::default()
    };
    let usd = Currency::parse("USD").unwrap();
    let plan = PaymentPlan {
        id: "P1".into(),
        debtor: DebtorId::new("D1").unwrap(),
        items: vec![DocumentNumber::new("f1").unwrap()],
        agreed_on: d("2026-01-01"),
        open_at_agreement: Decimal::from(100),
        instalments: vec![Instalment {
            due: d("2026-07-01"),
            amount: Decimal::from(100),
        }],
        settle_for: None,
    };
    let kept = vec![(
        plan.clone(),
        PlanState::Kept {
            next: Some(d("2026-07-01")),
        },
    )];
    let broken = vec![(
        plan,
        PlanState::Broken {
            missed: d("2026-07-01"),
            short: Decimal::from(100),
        },
    )];
    let ok_letter = vec![letter("2026-05-01", true)];
    let early_letter = vec![letter("2026-03-31", true)];
    let silent_letter = vec![letter("2026-05-01", false)];
    // Written when the debtor was taken for a business (review 46b, F-1).
    let business_letter = vec![Reminder {
        written_for: Some(crate::law::DebtorType::Business),
        ..letter("2026-05-01", true)
    }];
    use DebtorKind::*;
    use DocumentStatus::*;
    #[allow(clippy::type_complexity)]
    let table: Vec<(
        &str,
        &Policy,
        DebtorKind,
        &str,
        &str,
        DocumentStatus,
        Currency,
        &[Reminder],
        &[(PaymentPlan, PlanState)],
        Option<&str>,
    )> = vec![
        (
            "I1",
            &base,
            Business,
            "2026-05-01",
            "2026-05-30",
            Open,
            Currency::EUR,
            &[],
            &[],
            Some("min-days-overdue"),
        ),
        (
            "I2",
            &base,
            Business,
            "2026-05-01",
            "2026-05-31",
            Open,
            Currency::EUR,
            &[],
            &[],
            None,
        ),
        (
            "I3",
            &base,
            Business,
            "2026-05-01",
            "2026-06-01",
            Disputed,
            Currency::EUR,
            &[],
            &[],
            Some("disputed"),
        ),
        (
            "I4",
            &hold,
            Business,
            "2026-05-01",
            "2026-06-30",
            Open,
            Currency::EUR,
            &[],
            &[],
            Some("on-hold"),
        ),
        (
            "I5",
            &hold,
            Business,
            "2026-05-01",
            "2026-07-01",
            Open,
            Currency::EUR,
            &[],
            &[],
            None,
        ),
        (
            "I6",
            &base,
            Business,
            "2026-05-01",
            "2026-06-01",
            Open,
            usd,
            &[],
            &[],
            Some("currency"),
        ),
        (
            "I7",
            &block_unknown,
            Unknown,
            "2026-05-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &[],
            &[],
            Some("debtor-type"),
        ),
        (
            "I8",
            &base,
            Unknown,
            "2026-04-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &[],
            &[],
            Some("fourteen-day-letter"),
        ),
        // E-mailed Fri 1 May 2026: the 14th day, Fri 15 May, is a day equated with a holiday
        // (art. 3 lid 3 Atw), so the term runs to Mon 18 May.
        (
            "I9",
            &base,
            Consumer,
            "2026-04-01",
            "2026-05-18",
            Open,
            Currency::EUR,
            &ok_letter,
            &[],
            Some("fourteen-day-letter"),
        ),
        (
            "I10",
            &base,
            Consumer,
            "2026-04-01",
            "2026-05-19",
            Open,
            Currency::EUR,
            &ok_letter,
            &[],
            None,
        ),
        (
            "I11",
            &base,
            Consumer,
            "2026-04-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &early_letter,
            &[],
            Some("fourteen-day-letter"),
        ),
        (
            "I12",
            &base,
            Consumer,
            "2026-04-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &silent_letter,
            &[],
            Some("fourteen-day-letter"),
        ),
        (
            "I12b",
            &base,
            Consumer,
            "2026-04-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &business_letter,
            &[],
            Some("fourteen-day-letter"),
        ),
        (
            "I12c",
            &base,
            Business,
            "2026-04-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &business_letter,
            &[],
            None,
        ),
        (
            "I13",
            &base,
            Business,
            "2026-04-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &[],
            &kept,
            Some("payment-plan"),
        ),
        (
            "I14",
            &base,
            Business,
            "2026-04-01",
            "2026-08-01",
            Open,
            Currency::EUR,
            &[],
            &broken,
            None,
        ),
        (
            "I15",
            &base,
            Business,
            "2026-06-01",
            "2026-06-01",
            Open,
            Currency::EUR,
            &[],
            &[],
            Some("min-days-overdue"),
        ),
    ];
    for (id, policy, kind, due, as_of, status, currency, reminders, plans, want) in table {
        let it = item(&f, due, as_of, status, currency);
        assert_eq!(
            first_objection(policy, kind, &it, as_of, reminders, plans),
            want,
            "{id}"
        );
    }
}

#[test]
fn debtor_rules_boundaries() {
    let policy = Policy {
        min_open_per_debtor: Decimal::from(50),
        ..Policy::default()
    };
    let eff = policy.for_debtor("D1", DebtorKind::Business, None);
    let table = [
        ("D1", "100", "0", "0", None),
        ("D2", "100", "100", "0", Some("credit-balance")),
        ("D3", "100", "100.01", "0", Some("credit-balance")),
        ("D2b", "100", "99.99", "0", Some("min-open-per-debtor")),
        ("D4", "49.99", "0", "0", Some("min-open-per-debtor")),
        ("D5", "50", "0", "0", None),
        ("D6", "500", "0", "0.01", Some("unallocated-payments")),
    ];
    // With no minimum, credit equal to the debt still leaves nothing to collect.
    let no_minimum = Policy::default();
    let eff0 = no_minimum.for_debtor("D1", DebtorKind::Business, None);
    let cx = DebtorContext {
        policy: &eff0,
        qualifying_total: "100".parse().unwrap(),
        credit: "100".parse().unwrap(),
        unallocated: Decimal::ZERO,
    };
    let why = debtor_rules().iter().find_map(|r| r.check(&cx)).unwrap();
    assert!(why.starts_with("nothing to collect"), "{why}");
    for (id, total, credit, unallocated, want) in table {
        let cx = DebtorContext {
            policy: &eff,
            qualifying_total: total.parse().unwrap(),
            credit: credit.parse().unwrap(),
            unallocated: unallocated.parse().unwrap(),
        };
        assert_eq!(
            debtor_rules()
                .iter()
                .find(|r| r.check(&cx).is_some())
                .map(|r| r.id()),
            want,
            "{id}"
        );
    }
}
