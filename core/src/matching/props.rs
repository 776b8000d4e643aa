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
    matched_as(docs, debtors, payments, parallel_from, None)
}

/// Matching as of 2026-06-30 keeping its parts, reusing `previous`'s where they fit.
fn matched_keeping(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    parallel_from: usize,
    previous: Option<&(Reconciliation, Matching)>,
) -> (Reconciliation, Matching) {
    let previous = previous.map(kept_run);
    matched_as(docs, debtors, payments, parallel_from, Some(previous))
}

/// A run as the store gives it back to be reused.
fn kept_run((rec, m): &(Reconciliation, Matching)) -> Previous {
    Previous {
        rec: rec.clone(),
        matching: m.clone(),
        parts: m.parts.as_deref().cloned().expect("kept"),
    }
}

/// [`matched`], keeping as `match_from` does with `keep`.
fn matched_as(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    parallel_from: usize,
    keep: Option<Option<Previous>>,
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
        &mut rec,
        parallel_from,
        keep,
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

/// A run as printed, whatever is inside: 70.00 and 70.000 must not pass for the same.
fn printed(r: &(Reconciliation, Matching)) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        r.0.allocations, r.0.open, r.0.notes, r.1.outcomes, r.1.review
    )
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Some of the documents and payments matched first and kept; then another part of them,
    /// in another order, reusing what fits of the kept run: exactly a fresh run. Then the same inputs again:
    /// every payment is taken from the kept run, and the result is still the same.
    #[test]
    fn matching_again_over_a_kept_run_gives_exactly_a_fresh_run(
        c in case(),
        seed in any::<u64>(),
        split in any::<bool>(),
    ) {
        let (docs, debtors, payments) = build(&c);
        let mut rng = seed | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let from = if split { 0 } else { usize::MAX };
        let docs_before: Vec<LedgerDocument> =
            docs.iter().filter(|_| next() % 3 != 0).cloned().collect();
        let payments_before: Vec<Payment> =
            payments.iter().filter(|_| next() % 3 != 0).cloned().collect();
        let before = matched_keeping(&docs_before, &debtors, &payments_before, from, None);
        // Now most of the documents and payments: some new, some gone (a payment reversed or
        // decided by hand is no longer matched either).
        let mut docs_now: Vec<LedgerDocument> =
            docs.iter().filter(|_| next() % 5 != 0).cloned().collect();
        let mut payments_now: Vec<Payment> =
            payments.iter().filter(|_| next() % 5 != 0).cloned().collect();
        shuffle(&mut docs_now, &mut next);
        shuffle(&mut payments_now, &mut next);
        let fresh = matched(&docs_now, &debtors, &payments_now, from);
        let again = if before.1.parts.is_some() {
            matched_keeping(&docs_now, &debtors, &payments_now, from, Some(&before))
        } else {
            matched_keeping(&docs_now, &debtors, &payments_now, from, None)
        };
        prop_assert_eq!(printed(&again), printed(&fresh));
        if again.1.parts.is_some() {
            let same = matched_keeping(&docs_now, &debtors, &payments_now, from, Some(&again));
            prop_assert_eq!(printed(&same), printed(&fresh));
            let applied = same.1.outcomes.iter().filter(|o| o.status != PaymentStatus::Later).count();
            prop_assert_eq!(same.1.replayed, applied, "nothing changed: every payment reused");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// The nightly shape: a kept run over the payments up to some day, then those and the later
    /// ones (with, sometimes, a document more). Partitions that only gained later payments take
    /// their kept results and apply the new payments after them: exactly a fresh run.
    #[test]
    fn later_payments_over_a_kept_run_give_exactly_a_fresh_run(
        c in case(),
        cut in 0usize..12,
        new_doc in any::<bool>(),
        split in any::<bool>(),
    ) {
        let (docs, debtors, payments) = build(&c);
        let from = if split { 0 } else { usize::MAX };
        let cut = cut.min(payments.len());
        let docs_before = if new_doc && docs.len() > 1 { &docs[1..] } else { &docs[..] };
        let before = matched_keeping(docs_before, &debtors, &payments[..cut], from, None);
        let fresh = matched(&docs, &debtors, &payments, from);
        let kept = before.1.parts.is_some().then_some(&before);
        let again = matched_keeping(&docs, &debtors, &payments, from, kept);
        prop_assert_eq!(printed(&again), printed(&fresh));
    }
}

/// Debtor 0's first payments are kept; two more arrive later, from its own account, each naming
/// an invoice. Nothing the kept payments read changed, so all their results are taken over and
/// only the two new ones are applied, after them: exactly what a fresh run gives.
#[test]
fn payments_later_than_all_kept_ones_are_applied_after_the_kept_results() {
    let c = Case {
        invoices: vec![
            (0, 10_000, 5),
            (0, 20_000, 6),
            (0, 30_000, 7),
            (0, 40_000, 8),
            (1, 50_000, 9),
        ],
        // Exactly each invoice's total, naming it, from the debtor's own account.
        payments: vec![
            (0, 0, 0, 0, 1),
            (0, 0, 4, 0, 1),
            (0, 0, 1, 0, 1),
            (0, 0, 2, 0, 1),
            (0, 0, 3, 0, 1),
        ],
        issued: vec![],
    };
    let (docs, debtors, payments) = build(&c);
    for from in [usize::MAX, 0] {
        let kept = matched_keeping(&docs, &debtors, &payments[..3], from, None);
        let again = matched_keeping(&docs, &debtors, &payments, from, Some(&kept));
        let fresh = matched(&docs, &debtors, &payments, from);
        assert_eq!(printed(&again), printed(&fresh));
        assert_eq!(fresh.0.allocations.len(), 5, "{:?}", fresh.0.allocations);
        assert_eq!(again.1.replayed, 3, "every kept payment is taken over");
    }
}

/// A new invoice of debtor 0, issued after its first two payments were booked: those two keep
/// their kept results (no signal proposes an invoice to a payment booked before it was
/// invoiced), the three booked on or after that day are applied again, and the result is
/// exactly a fresh run.
#[test]
fn a_new_invoice_applies_again_only_the_payments_booked_after_it_was_issued() {
    let c = Case {
        invoices: vec![
            (0, 10_000, 5),
            (0, 20_000, 6),
            (0, 30_000, 7),
            (0, 40_000, 8),
            (1, 50_000, 9),
            (0, 77_700, 60),
        ],
        // Each invoice's total from the debtor's own account, with its sequence number: the
        // fourth pays the new invoice.
        payments: vec![
            (0, 3, 0, 0, 1),
            (0, 3, 1, 0, 1),
            (0, 3, 2, 0, 1),
            (0, 3, 5, 0, 1),
            (0, 3, 3, 0, 1),
        ],
        // The first five invoices issued on 2026-02-20, the new one on 2026-03-03, after the
        // payments of 2026-03-01 and 03-02.
        issued: vec![0, 0, 0, 0, 0, 11],
    };
    let (docs, debtors, payments) = build(&c);
    for from in [usize::MAX, 0] {
        let kept = matched_keeping(&docs[..5], &debtors, &payments, from, None);
        let again = matched_keeping(&docs, &debtors, &payments, from, Some(&kept));
        let fresh = matched(&docs, &debtors, &payments, from);
        assert_eq!(printed(&again), printed(&fresh));
        assert!(
            fresh
                .0
                .allocations
                .iter()
                .any(|a| a.document.number == "F2026-0006"),
            "the new invoice is paid: {:?}",
            fresh.0.allocations
        );
        assert_eq!(
            again.1.replayed, 2,
            "the payments booked before it was issued"
        );
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

/// A payment writes F2026-0012 (another debtor's invoice, of another amount) for F2026-0021,
/// which arrives only in the second run. Its partition is otherwise unchanged, but its typo
/// search would now find the new invoice: it is applied again, and pays it, as a fresh run does.
#[test]
fn a_typo_search_that_could_find_a_new_invoice_is_applied_again() {
    let (docs, debtors, payments) =
        typo_ledger(12_345, vec![(12_345, 1, 11, 2, 1), (0, 0, 3, 0, 1)], 0);
    let before: Vec<LedgerDocument> = docs[..20].to_vec();
    for from in [usize::MAX, 0] {
        let kept = matched_keeping(&before, &debtors, &payments, from, None);
        assert!(
            !kept
                .0
                .allocations
                .iter()
                .any(|a| a.document.number.as_str() == "F2026-0021"),
            "not there yet"
        );
        let again = matched_keeping(&docs, &debtors, &payments, from, Some(&kept));
        let fresh = matched(&docs, &debtors, &payments, from);
        assert!(
            fresh
                .0
                .allocations
                .iter()
                .any(|a| a.document.number.as_str() == "F2026-0021"),
            "the typo pays the new invoice: {:?}",
            fresh.0.allocations
        );
        assert_eq!(printed(&again), printed(&fresh));
        assert_eq!(again.1.replayed, 1, "the other debtor's payment is reused");
    }
}

/// A kept payment saw another debtor's invoice open for another amount than it paid; a new
/// payment of that debtor, earlier, leaves exactly that amount open. The kept payment's own
/// partition is unchanged, but what it saw is no longer so: it is applied again, with the new
/// one, and now pays that invoice (a typo for it), as a fresh run does.
#[test]
fn a_kept_look_that_is_no_longer_so_is_applied_again() {
    let (docs, debtors, payments) =
        typo_ledger(20_000, vec![(7_655, 1, 20, 0, 1), (12_345, 1, 11, 2, 1)], 1);
    let first: Vec<Payment> = payments[1..].to_vec();
    for from in [usize::MAX, 0] {
        let mut kept = matched_keeping(&docs, &debtors, &first, from, None);
        // As the store keeps it: encoded, the look's amount included.
        let parts = kept.1.parts.take().unwrap();
        let bytes = postcard::to_stdvec(&parts).unwrap();
        let back: Parts = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, *parts);
        kept.1.parts = Some(Box::new(back));
        let again = matched_keeping(&docs, &debtors, &payments, from, Some(&kept));
        let fresh = matched(&docs, &debtors, &payments, from);
        let typo = |r: &(Reconciliation, Matching)| {
            r.0.allocations.iter().any(|a| {
                a.document.number.as_str() == "F2026-0021"
                    && a.from == AllocationSource::Payment("p01".into())
            })
        };
        assert!(!typo(&kept) && typo(&fresh), "{:?}", fresh.0.allocations);
        assert_eq!(printed(&again), printed(&fresh));
    }
}

/// A kept payment saw another debtor's invoice already paid; that payment is gone from the next
/// run (reversed, or decided by hand) and nothing else changed. Nothing is left to apply, but
/// what the kept payment saw is no longer so: it is applied again, and pays the invoice it wrote
/// with two digits swapped, as a fresh run does.
#[test]
fn a_kept_look_is_checked_when_nothing_else_is_applied() {
    let (docs, debtors, payments) =
        typo_ledger(12_345, vec![(0, 0, 20, 0, 1), (12_345, 1, 11, 2, 1)], 1);
    for from in [usize::MAX, 0] {
        let kept = matched_keeping(&docs, &debtors, &payments, from, None);
        let again = matched_keeping(&docs, &debtors, &payments[1..], from, Some(&kept));
        let fresh = matched(&docs, &debtors, &payments[1..], from);
        assert!(
            fresh.0.allocations.iter().any(|a| {
                a.document.number.as_str() == "F2026-0021"
                    && a.from == AllocationSource::Payment("p01".into())
            }),
            "{:?}",
            fresh.0.allocations
        );
        assert_eq!(printed(&again), printed(&fresh));
    }
}

/// Partitions kept by a run for another date or under other rules are never taken over.
#[test]
fn partitions_kept_for_another_date_or_rules_are_not_reused() {
    let (docs, debtors, payments) =
        typo_ledger(12_345, vec![(0, 0, 20, 0, 1), (12_345, 1, 11, 2, 1)], 1);
    let kept = matched_keeping(&docs, &debtors, &payments, usize::MAX, None);
    let stricter = MatchPolicy {
        review_below: 80,
        ..MatchPolicy::default()
    };
    for (as_of, policy, taken) in [
        ("2026-06-30", MatchPolicy::default(), 2),
        ("2026-07-31", MatchPolicy::default(), 0),
        ("2026-06-30", stricter, 0),
    ] {
        let as_of = date(as_of);
        let mut rec = reconcile(&docs, as_of);
        let m = match_keeping(
            &docs,
            &debtors,
            &payments,
            &[],
            &policy,
            as_of,
            &mut rec,
            Some(kept_run(&kept)),
        );
        assert_eq!(m.replayed, taken, "{as_of} {policy:?}");
    }
}

/// A case the kept-run property test found (session 19). The kept run had D1's payment p02
/// paying F2026-0002 (a typo for F2026-0001, which was not in the ledger yet); p03 then found
/// F2026-0002 settled. Now p02 is gone and p05, which named nothing then, names the new
/// F2026-0001 and so moved into D1's partition: the partition counted as many payments the kept
/// run applied as before, and p03's kept result ("already settled") was taken over. It must not
/// be: without p02, p03 pays F2026-0002, as a fresh run does.
#[test]
fn a_payment_gone_from_a_kept_partition_is_not_stood_in_for_by_one_that_moved_in() {
    let c = Case {
        invoices: vec![(1, 100, 0), (1, 100, 0), (0, 100, 0)],
        payments: vec![
            (1, 2, 0, 1, 1),
            (1, 0, 0, 0, 0),
            (1, 0, 3, 0, 0),
            (1, 0, 16, 0, 0),
            (1, 0, 0, 2, 0),
            (1, 0, 0, 2, 1),
            (1, 0, 5, 0, 0),
            (1, 0, 0, 2, 0),
        ],
        issued: vec![13],
    };
    let (docs, debtors, payments) = build(&c);
    let ids = |list: &[&str]| -> Vec<Payment> {
        payments
            .iter()
            .filter(|p| list.contains(&p.id.as_str()))
            .cloned()
            .collect()
    };
    let docs_before: Vec<LedgerDocument> = docs[1..2].to_vec();
    let before = matched_keeping(
        &docs_before,
        &debtors,
        &ids(&["p02", "p03", "p04", "p05", "p06", "p07"]),
        usize::MAX,
        None,
    );
    let docs_now: Vec<LedgerDocument> = docs[..2].to_vec();
    let payments_now = ids(&["p00", "p03", "p04", "p05", "p07"]);
    let fresh = matched(&docs_now, &debtors, &payments_now, usize::MAX);
    let again = matched_keeping(
        &docs_now,
        &debtors,
        &payments_now,
        usize::MAX,
        Some(&before),
    );
    assert!(
        fresh.0.allocations.iter().any(|a| {
            a.from == AllocationSource::Payment("p03".into())
                && a.document.number.as_str() == "F2026-0002"
        }),
        "{:?}",
        fresh.0.allocations
    );
    assert_eq!(printed(&again), printed(&fresh));
}
