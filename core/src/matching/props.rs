//! Property tests of matching on random ledgers: no payment gives more than it has, no invoice
//! takes more than it had open, and the result does not depend on the order of the input.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::ids::{DebtorId, Iban};
use crate::model::*;
use crate::reconcile::reconcile;
use crate::tests::{date, doc, provenance};

const IBANS: [&str; 3] = [
    "NL44RABO0123456789",
    "NL20INGB0001234567",
    "NL91ABNA0417164300",
];
const NAMES: [&str; 3] = ["Bakkerij De Zon B.V.", "J. Jansen", "Verf & Co V.O.F."];

/// A random ledger: invoices of three debtors, and payments that name them, name other numbers,
/// name them with two digits swapped, name nothing, come from known or unknown accounts, by name
/// or not.
#[derive(Debug, Clone)]
struct Case {
    invoices: Vec<(usize, i64, u32)>,
    payments: Vec<(i64, u8, usize, u8, u8)>,
    /// Each invoice's issue date, days after 2026-02-20 (the payments are booked from
    /// 2026-03-01 on, a day apart); 2026-01-01 for the invoices past its end.
    issued: Vec<u8>,
}

fn case() -> impl Strategy<Value = Case> {
    cases(1..14, 0..12, 20)
}

/// A [`case`] with longer histories: more invoices, and more payments, many of them from
/// nobody known, each in a partition of its own, naming other debtors' invoices (whole, a typo
/// away, or by sequence number). Their looks at other partitions' invoices are what the runs on
/// two cores must settle.
fn longer_case() -> impl Strategy<Value = Case> {
    cases(8..30, 12..40, 40)
}

/// Cases with `invoices` and `payments` as many as given, each payment naming one of the first
/// `targets` invoices (counted round).
fn cases(
    invoices: std::ops::Range<usize>,
    payments: std::ops::Range<usize>,
    targets: usize,
) -> impl Strategy<Value = Case> {
    let issued = 0..invoices.end;
    (
        prop::collection::vec((0usize..3, 100i64..200_000, 0u32..60), invoices),
        prop::collection::vec(
            (1i64..300_000, 0u8..6, 0usize..targets, 0u8..4, 0u8..3),
            payments,
        ),
        prop::collection::vec(0u8..24, issued),
    )
        .prop_map(|(invoices, payments, issued)| Case {
            invoices,
            payments,
            issued,
        })
}

fn build(c: &Case) -> (Vec<LedgerDocument>, Vec<Debtor>, Vec<Payment>) {
    let docs: Vec<LedgerDocument> = c
        .invoices
        .iter()
        .enumerate()
        .map(|(i, (d, cents, due))| {
            let total = Decimal::new(*cents, 2).to_string();
            let issued = c.issued.get(i).map_or(date("2026-01-01"), |&o| {
                date("2026-02-20") + chrono::Days::new(u64::from(o))
            });
            let due = (date("2026-01-01") + chrono::Days::new(u64::from(*due))).max(issued);
            doc(
                DocumentKind::Invoice,
                &format!("F2026-{:04}", i + 1),
                &format!("D{d}"),
                &total,
                &issued.to_string(),
                &due.to_string(),
            )
        })
        .collect();
    let debtors: Vec<Debtor> = (0..3)
        .map(|d| {
            let mut x = Debtor::new(DebtorId::new(&format!("D{d}")).unwrap());
            x.ibans.push(Iban::parse(IBANS[d]).unwrap());
            x.name = Some(NAMES[d].into());
            x
        })
        .collect();
    let n = docs.len();
    let payments: Vec<Payment> = c
        .payments
        .iter()
        .enumerate()
        .map(|(i, (cents, text, target, from, name))| {
            let target = target % n;
            let amount = match text % 3 {
                // Exactly an invoice's total, or any amount.
                0 => docs[target].document.total,
                _ if *text == 4 => docs[target].document.total,
                _ => Decimal::new(*cents, 2),
            };
            let remittance = match text {
                0 | 1 => Some(format!("factuur {}", docs[target].document.number)),
                2 => Some(format!("F2026-{:04}", 9000 + target)),
                3 => Some(format!("{:04}", target + 1)),
                // The number with its last two digits swapped: a typo for it.
                4 => {
                    let mut n = format!("F2026-{:04}", target + 1).into_bytes();
                    let l = n.len();
                    n.swap(l - 1, l - 2);
                    Some(format!("factuur {}", String::from_utf8(n).unwrap()))
                }
                _ => None,
            };
            let d = docs[target].document.debtor.as_str()[1..]
                .parse::<usize>()
                .unwrap();
            Payment {
                id: format!("p{i:02}"),
                date: date("2026-03-01") + chrono::Days::new(i as u64),
                amount: Money::new(amount, Currency::EUR),
                kind: PaymentKind::Incoming,
                account: Some("NL91ABNA0417164300".into()),
                counterparty_name: (*name == 0).then(|| NAMES[d].to_string()),
                counterparty_account: match from {
                    0 => Some(IBANS[d].to_string()),
                    1 => Some("NL00UNKN0000000000".into()),
                    _ => None,
                },
                remittance,
                structured_reference: None,
                end_to_end_id: None,
                provenance: provenance(),
            }
        })
        .collect();
    (docs, debtors, payments)
}

/// Matching as of 2026-06-30, split over the cores from `parallel_from` payments on.
fn matched(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    parallel_from: usize,
) -> (Reconciliation, Matching) {
    let as_of = date("2026-06-30");
    let mut rec = reconcile(docs, as_of);
    let m = match_from(
        docs,
        debtors,
        payments,
        &[],
        &MatchPolicy::default(),
        as_of,
        &BooksSettled::default(),
        &mut rec,
        parallel_from,
    );
    (rec, m)
}

/// `v` in another order, drawn from `next`.
fn shuffle<T>(v: &mut [T], next: &mut impl FnMut() -> u64) {
    for i in 1..v.len() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Every allocation of a run, as (payment, document number, amount), sorted.
fn run(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
) -> (Vec<(String, String, Decimal)>, Reconciliation) {
    let (rec, _) = matched(docs, debtors, payments, partition::PARALLEL_FROM);
    let mut out: Vec<(String, String, Decimal)> = rec
        .allocations
        .iter()
        .filter_map(|a| match &a.from {
            AllocationSource::Payment(p) => {
                Some((p.clone(), a.document.number.clone(), a.amount.amount()))
            }
            _ => None,
        })
        .collect();
    out.sort();
    (out, rec)
}

/// Fails unless matching `c` on two cores gives exactly what one core gives.
fn same_on_one_and_two_cores(c: &Case) -> Result<(), TestCaseError> {
    let (docs, debtors, payments) = build(c);
    let [(rec1, m1), (rec2, m2)] = one_and_two_cores(&docs, &debtors, &payments);
    prop_assert_eq!(rec1.allocations, rec2.allocations);
    prop_assert_eq!(rec1.open, rec2.open);
    prop_assert_eq!(rec1.notes, rec2.notes);
    prop_assert_eq!(m1.outcomes, m2.outcomes);
    prop_assert_eq!(m1.review, m2.review);
    Ok(())
}

/// Matching on one core and split over two, as (reconciliation, matching).
fn one_and_two_cores(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
) -> [(Reconciliation, Matching); 2] {
    [usize::MAX, 0].map(|from| matched(docs, debtors, payments, from))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_payment_gives_more_than_it_has_and_no_invoice_takes_more_than_it_owed(c in case()) {
        let (docs, debtors, payments) = build(&c);
        let (allocs, rec) = run(&docs, &debtors, &payments);
        let mut given: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (p, _, a) in &allocs {
            prop_assert!(*a > Decimal::ZERO, "an allocation of {a}");
            *given.entry(p.as_str()).or_default() += *a;
        }
        for p in &payments {
            let g = given.get(p.id.as_str()).copied().unwrap_or_default();
            prop_assert!(g <= p.amount.amount(), "{} gives {g} of {}", p.id, p.amount.amount());
        }
        for (i, o) in rec.open.iter().enumerate() {
            let o = o.unwrap_or_default();
            prop_assert!(o >= Decimal::ZERO, "{} open {o}", docs[i].document.number);
            prop_assert!(o <= docs[i].document.total);
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_order_of_the_input(c in case(), seed in any::<u64>()) {
        let (docs, debtors, payments) = build(&c);
        let (first, _) = run(&docs, &debtors, &payments);
        // The same records in another order.
        let mut rng = seed;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut docs2 = docs.clone();
        let mut payments2 = payments.clone();
        let mut debtors2 = debtors.clone();
        shuffle(&mut docs2, &mut next);
        shuffle(&mut payments2, &mut next);
        debtors2.reverse();
        let (second, _) = run(&docs2, &debtors2, &payments2);
        prop_assert_eq!(first, second);
    }

    #[test]
    fn two_cores_give_exactly_what_one_core_gives_on_longer_histories(c in longer_case()) {
        same_on_one_and_two_cores(&c)?;
    }

    #[test]
    fn two_cores_give_exactly_what_one_core_gives(c in case()) {
        same_on_one_and_two_cores(&c)?;
    }
}

/// Twenty-one invoices: F2026-0012 debtor 0's (999.99), F2026-0021 debtor 1's (`cents`), the rest
/// debtor 2's; the payments as `build` makes them, the one at `typo` writing "factuur F2026-0012"
/// (F2026-0021 with two digits swapped).
fn typo_ledger(
    cents: i64,
    payments: Vec<(i64, u8, usize, u8, u8)>,
    typo: usize,
) -> (Vec<LedgerDocument>, Vec<Debtor>, Vec<Payment>) {
    let invoices: Vec<(usize, i64, u32)> = (0..21)
        .map(|i| match i {
            11 => (0, 99_999, 5),
            20 => (1, cents, 5),
            _ => (2, 50_000 + i as i64, 5),
        })
        .collect();
    let (docs, debtors, mut payments) = build(&Case {
        invoices,
        payments,
        issued: vec![],
    });
    payments[typo].remittance = Some("factuur F2026-0012".into());
    (docs, debtors, payments)
}

/// Debtors no payment links are applied side by side, and the result is the one-core result.
#[test]
fn unlinked_debtors_are_matched_side_by_side() {
    let c = Case {
        invoices: vec![
            (0, 10_000, 5),
            (1, 20_000, 6),
            (2, 30_000, 7),
            (0, 40_000, 8),
        ],
        payments: vec![
            (0, 0, 0, 0, 1),
            (0, 0, 1, 0, 1),
            (0, 0, 2, 0, 1),
            (0, 0, 3, 0, 1),
        ],
        issued: vec![],
    };
    let (docs, debtors, payments) = build(&c);
    let [(rec1, m1), (rec2, m2)] = one_and_two_cores(&docs, &debtors, &payments);
    assert_eq!(m1.runs, 1);
    assert_eq!(
        m2.runs, 2,
        "three debtors, each paid from its own account: two runs"
    );
    assert_eq!(rec1.allocations.len(), 4);
    assert_eq!(rec1.allocations, rec2.allocations);
    assert_eq!(rec1.open, rec2.open);
    assert_eq!(m1.outcomes, m2.outcomes);
}

/// A typo points at another partition's invoice that an earlier payment there paid: the typo's
/// partition is applied again, seeing that payment, so the typo finds nothing open, as on one core.
#[test]
fn a_look_at_what_another_partition_changed_is_applied_again() {
    // F2026-0021 is debtor 1's (123.45).
    let (docs, debtors, payments) = typo_ledger(
        12_345,
        vec![
            // Debtor 1 pays F2026-0021 from its own account.
            (0, 0, 20, 0, 1),
            // Nobody known pays 123.45 naming F2026-0021 with its digits swapped: F2026-0012.
            (12_345, 1, 11, 2, 1),
        ],
        1,
    );
    let [(rec1, m1), (rec2, m2)] = one_and_two_cores(&docs, &debtors, &payments);
    assert_eq!(
        m2.runs, 3,
        "two runs side by side, then the typo's partition again"
    );
    assert_eq!(rec1.allocations, rec2.allocations);
    assert_eq!(rec1.open, rec2.open);
    assert_eq!(m1.outcomes, m2.outcomes);
    assert_eq!(m1.review, m2.review);
}
