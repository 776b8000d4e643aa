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
/// name nothing, come from known or unknown accounts, by name or not.
#[derive(Debug, Clone)]
struct Case {
    invoices: Vec<(usize, i64, u32)>,
    payments: Vec<(i64, u8, usize, u8, u8)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((0usize..3, 100i64..200_000, 0u32..60), 1..14),
        prop::collection::vec((1i64..300_000, 0u8..6, 0usize..20, 0u8..4, 0u8..3), 0..12),
    )
        .prop_map(|(invoices, payments)| Case { invoices, payments })
}

fn build(c: &Case) -> (Vec<LedgerDocument>, Vec<Debtor>, Vec<Payment>) {
    let docs: Vec<LedgerDocument> = c
        .invoices
        .iter()
        .enumerate()
        .map(|(i, (d, cents, due))| {
            let total = Decimal::new(*cents, 2).to_string();
            let due = date("2026-01-01") + chrono::Days::new(u64::from(*due));
            doc(
                DocumentKind::Invoice,
                &format!("F2026-{:04}", i + 1),
                &format!("D{d}"),
                &total,
                "2026-01-01",
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
                _ => Decimal::new(*cents, 2),
            };
            let remittance = match text {
                0 | 1 => Some(format!("factuur {}", docs[target].document.number)),
                2 => Some(format!("F2026-{:04}", 9000 + target)),
                3 => Some(format!("{:04}", target + 1)),
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

/// Every allocation of a run, as (payment, document number, amount), sorted.
fn run(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
) -> (Vec<(String, String, Decimal)>, Reconciliation) {
    let as_of = date("2026-06-30");
    let mut rec = reconcile(docs, as_of);
    match_payments(
        docs,
        debtors,
        payments,
        &[],
        &MatchPolicy::default(),
        as_of,
        &mut rec,
    );
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
        for v in 1..docs2.len() {
            let j = (next() % (v as u64 + 1)) as usize;
            docs2.swap(v, j);
        }
        for v in 1..payments2.len() {
            let j = (next() % (v as u64 + 1)) as usize;
            payments2.swap(v, j);
        }
        debtors2.reverse();
        let (second, _) = run(&docs2, &debtors2, &payments2);
        prop_assert_eq!(first, second);
    }
}
