//! Payment matching on hand-built ledgers: one test per rule, its boundaries and its refusals.

use rust_decimal::Decimal;

use super::references::{kenmerk_for, rf_for};
use super::*;
use crate::ids::{DebtorId, Iban};
use crate::model::*;
use crate::reconcile::reconcile;
use crate::tests::{date, dec, doc, provenance};

fn inv(number: &str, debtor: &str, total: &str, due: &str) -> LedgerDocument {
    doc(
        DocumentKind::Invoice,
        number,
        debtor,
        total,
        "2026-01-01",
        due,
    )
}

fn pay(id: &str, amount: &str, from: Option<&str>, text: &str) -> Payment {
    Payment {
        id: id.into(),
        date: date("2026-03-01"),
        amount: Money::new(dec(amount), Currency::EUR),
        kind: if dec(amount) < Decimal::ZERO {
            PaymentKind::Outgoing
        } else {
            PaymentKind::Incoming
        },
        account: Some("NL91ABNA0417164300".into()),
        counterparty_name: None,
        counterparty_account: from.map(str::to_string),
        remittance: (!text.is_empty()).then(|| text.to_string()),
        structured_reference: None,
        end_to_end_id: None,
        provenance: provenance(),
    }
}

fn debtor(id: &str, iban: &str) -> Debtor {
    let mut d = Debtor::new(DebtorId::new(id).unwrap());
    d.ibans.push(Iban::parse(iban).unwrap());
    d
}

const IBAN_D1: &str = "NL44RABO0123456789";
const IBAN_D2: &str = "NL20INGB0001234567";

struct Run {
    rec: Reconciliation,
    m: Matching,
}

fn run(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    manual: &[ManualDecision],
) -> Run {
    let as_of = date("2026-04-01");
    let mut rec = reconcile(docs, as_of);
    let m = match_payments(
        docs,
        debtors,
        payments,
        manual,
        &MatchPolicy::default(),
        as_of,
        &BooksSettled::default(),
        &mut rec,
    );
    Run { rec, m }
}

/// [`run`] with the days the books' exports reporting each document's settlement were read.
fn run_read_on(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    manual: &[ManualDecision],
    read_on: Vec<Option<NaiveDate>>,
) -> Run {
    let as_of = date("2026-04-01");
    let mut rec = reconcile(docs, as_of);
    let books = BooksSettled {
        read_on,
        earlier: Default::default(),
    };
    let m = match_payments(
        docs,
        debtors,
        payments,
        manual,
        &MatchPolicy::default(),
        as_of,
        &books,
        &mut rec,
    );
    Run { rec, m }
}

fn open(r: &Run, i: usize) -> Decimal {
    r.rec.open[i].unwrap()
}

#[test]
fn structured_reference_pays_its_document() {
    let mut docs = vec![
        inv("F1", "D1", "100.00", "2026-02-01"),
        inv("F2", "D1", "50.00", "2026-02-01"),
    ];
    let k = kenmerk_for(123_456);
    docs[1].document.payment_reference = Some(k.clone());
    let mut p = pay("p1", "50.00", None, "");
    p.structured_reference = Some(format!("{} {}", &k[..8], &k[8..]));
    let r = run(&docs, &[], &[p], &[]);
    assert_eq!(open(&r, 1), Decimal::ZERO);
    assert_eq!(open(&r, 0), dec("100.00"));
    let a = r.rec.allocations.last().unwrap();
    assert_eq!(
        (a.rule, a.confidence),
        (AllocationRule::StructuredReference, 98)
    );

    // RF reference inside prose.
    docs[0].document.payment_reference = Some(rf_for("F1"));
    let r = run(
        &docs,
        &[],
        &[pay(
            "p2",
            "100.00",
            None,
            &format!("betaling {}", rf_for("F1")),
        )],
        &[],
    );
    assert_eq!(open(&r, 0), Decimal::ZERO);
}

#[test]
fn invoice_numbers_in_text_with_payer_and_amount_checks() {
    let docs = vec![
        inv("F2026-0000012", "D1", "100.00", "2026-02-01"),
        inv("F2026-0000013", "D1", "40.00", "2026-02-10"),
        inv("F2026-0000021", "D2", "100.00", "2026-02-01"),
    ];
    let debtors = [debtor("D1", IBAN_D1), debtor("D2", IBAN_D2)];
    /// Text, payer, amount; open amounts after, and the payment's status.
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        &'a str,
        [&'a str; 3],
        PaymentStatus,
    );
    let table: [Case; 6] = [
        (
            "factuur f2026 0000012",
            None,
            "100.00",
            ["0", "40.00", "100.00"],
            PaymentStatus::Allocated,
        ),
        (
            "2026-12 en 2026-13",
            Some(IBAN_D1),
            "140.00",
            ["0", "0", "100.00"],
            PaymentStatus::Allocated,
        ),
        (
            "termijn 1 F2026-0000012",
            Some(IBAN_D1),
            "30.00",
            ["70.00", "40.00", "100.00"],
            PaymentStatus::Allocated,
        ),
        // Transposed digits name another debtor's invoice open for exactly the amount: a typo
        // for the payer's item of this amount is as likely as a payment made for the other
        // debtor (a holding for its subsidiary), so a person decides (review 43a, F-2).
        (
            "F2026-0000021",
            Some(IBAN_D1),
            "100.00",
            ["100.00", "40.00", "100.00"],
            PaymentStatus::Review,
        ),
        // Another debtor pays a reference of D1 with a different amount: not trusted blindly.
        (
            "F2026-0000013",
            Some(IBAN_D2),
            "35.00",
            ["100.00", "40.00", "100.00"],
            PaymentStatus::Review,
        ),
        // Overpayment: the rest is unapplied cash on the debtor.
        (
            "F2026-0000013",
            None,
            "60.00",
            ["100.00", "0", "100.00"],
            PaymentStatus::PartlyAllocated,
        ),
    ];
    for (text, payer, amount, want, status) in table {
        let r = run(&docs, &debtors, &[pay("p", amount, payer, text)], &[]);
        let got: Vec<Decimal> = (0..3).map(|i| open(&r, i)).collect();
        let want: Vec<Decimal> = want.iter().map(|s| dec(s)).collect();
        assert_eq!(got, want, "{text}");
        assert_eq!(
            r.m.outcomes[0].status, status,
            "{text}: {:?}",
            r.m.outcomes[0]
        );
    }
    let r = run(
        &docs,
        &debtors,
        &[pay("p", "60.00", None, "F2026-0000013")],
        &[],
    );
    assert_eq!(r.m.outcomes[0].unapplied, dec("20.00"));
    assert_eq!(r.m.outcomes[0].debtor, Some(DebtorId::new("D1").unwrap()));
}

#[test]
fn payer_account_then_amount() {
    let docs = vec![
        inv("A1", "D1", "10.00", "2026-01-10"),
        inv("A2", "D1", "25.00", "2026-01-20"),
        inv("A3", "D1", "40.00", "2026-01-30"),
        inv("A4", "D1", "7.50", "2026-02-05"),
    ];
    let debtors = [debtor("D1", IBAN_D1)];
    let table: [(&str, [&str; 4], AllocationRule); 3] = [
        (
            "25.00",
            ["10.00", "0", "40.00", "7.50"],
            AllocationRule::DebtorExactAmount,
        ),
        (
            "47.50",
            ["10.00", "25.00", "0", "0"],
            AllocationRule::DebtorCombination,
        ),
        (
            "20.00",
            ["0", "15.00", "40.00", "7.50"],
            AllocationRule::DebtorOldestFirst,
        ),
    ];
    for (amount, want, rule) in table {
        let r = run(
            &docs,
            &debtors,
            &[pay("p", amount, Some(IBAN_D1), "bedankt")],
            &[],
        );
        let got: Vec<Decimal> = (0..4).map(|i| open(&r, i)).collect();
        assert_eq!(got, want.map(dec).to_vec(), "{amount}");
        assert!(r.rec.allocations.iter().all(|a| a.rule == rule), "{amount}");
    }
    // More than all open: everything paid, the rest unapplied.
    let r = run(
        &docs,
        &debtors,
        &[pay("p", "100.00", Some(IBAN_D1), "")],
        &[],
    );
    assert_eq!(r.m.outcomes[0].unapplied, dec("17.50"));
    // An unknown payer without a reference: unmatched, and nothing changes.
    let r = run(
        &docs,
        &debtors,
        &[pay("p", "25.00", Some(IBAN_D2), "gift")],
        &[],
    );
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Unmatched);
    assert!(r.rec.allocations.is_empty());
}

#[test]
fn duplicates_shortfalls_reversals_and_outgoing() {
    let docs = vec![inv("F1", "D1", "100.00", "2026-02-01")];
    let debtors = [debtor("D1", IBAN_D1)];
    let mut p2 = pay("p2", "100.00", Some(IBAN_D1), "F1");
    p2.date = date("2026-03-02");
    let r = run(
        &docs,
        &debtors,
        &[pay("p1", "100.00", Some(IBAN_D1), "F1"), p2],
        &[],
    );
    assert_eq!(open(&r, 0), Decimal::ZERO);
    assert_eq!(r.m.outcomes[1].status, PaymentStatus::Unapplied);
    assert_eq!(r.m.outcomes[1].unapplied, dec("100.00"));
    assert!(r.m.outcomes[1].notes[0].contains("duplicate"));

    let r = run(&docs, &debtors, &[pay("p1", "98.50", None, "F1")], &[]);
    assert_eq!(open(&r, 0), dec("1.50"));
    assert!(r.rec.notes.iter().any(|n| n.message.contains("shortfall")));

    let mut rev = pay("r1", "-100.00", Some(IBAN_D1), "retour");
    rev.kind = PaymentKind::Reversal;
    rev.date = date("2026-03-05");
    let r = run(
        &docs,
        &debtors,
        &[pay("p1", "100.00", Some(IBAN_D1), "F1"), rev],
        &[],
    );
    assert_eq!(open(&r, 0), dec("100.00"));
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Reversed);

    // Booked the same day, the reversal may sort before its line: it still undoes it.
    let mut same_day = pay("a-rev", "-100.00", Some(IBAN_D1), "retour");
    same_day.kind = PaymentKind::Reversal;
    let r = run(
        &docs,
        &debtors,
        &[pay("p1", "100.00", Some(IBAN_D1), "F1"), same_day],
        &[],
    );
    assert_eq!(open(&r, 0), dec("100.00"));
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Reversed);
    let r = run(
        &docs,
        &debtors,
        &[pay("o1", "-100.00", Some(IBAN_D1), "F1")],
        &[],
    );
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Outgoing);
    assert_eq!(open(&r, 0), dec("100.00"));
}

/// Review 43a, F-6: money out the bank did not mark as a reversal gives a collection back when
/// it repeats the collection's end-to-end id or says it is a return (`STORNO`, `RETOUR AC04`,
/// `TERUGBOEKING`): the invoice is open again. A refund of returned goods (`retour zending`)
/// and a debit with another end-to-end id undo nothing.
#[test]
fn money_out_that_gives_a_collection_back_undoes_it() {
    let docs = vec![inv("F1", "D1", "100.00", "2026-02-01")];
    let debtors = [debtor("D1", IBAN_D1)];
    let mut collected = pay("c1", "100.00", Some(IBAN_D1), "F1");
    collected.end_to_end_id = Some("DD-0702".into());
    let back = |id: &str, text: &str, e2e: Option<&str>| {
        let mut p = pay(id, "-100.00", Some(IBAN_D1), text);
        p.date = date("2026-03-05");
        p.end_to_end_id = e2e.map(str::to_string);
        p
    };
    for (returned, undone) in [
        (back("r1", "", Some("DD-0702")), true),
        (back("r2", "STORNO F1", None), true),
        (back("r3", "RETOUR AC04 F1", None), true),
        (back("r4", "TERUGBOEKING INCASSO", None), true),
        (back("o1", "retour zending F1", None), false),
        (back("o2", "", Some("PAY-991")), false),
    ] {
        let r = run(&docs, &debtors, &[collected.clone(), returned.clone()], &[]);
        let expect = if undone { dec("100.00") } else { Decimal::ZERO };
        assert_eq!(open(&r, 0), expect, "{:?}", returned.remittance);
        assert_eq!(
            r.m.outcomes[0].status == PaymentStatus::Reversed,
            undone,
            "{:?}",
            returned.remittance
        );
    }
}

/// A part payment naming an open invoice, of exactly the amount of the payer's next invoice,
/// one digit away: a part payment of the one named is as likely as a typo for the other
/// (consecutive numbers are one edit apart), so both wait for a person, and neither invoice is
/// paid by a guess. Named in full without the other fitting, the part payment is applied.
#[test]
fn a_part_payment_of_the_invoice_named_is_no_typo_for_the_next() {
    let docs = vec![
        inv("F2026-001", "D1", "1210.00", "2026-02-14"),
        inv("F2026-002", "D1", "605.00", "2026-03-03"),
    ];
    let debtors = [debtor("D1", IBAN_D1)];
    let part = pay(
        "p1",
        "605.00",
        Some(IBAN_D1),
        "deelbetaling factuur F2026-001, rest volgt",
    );
    let r = run(&docs, &debtors, std::slice::from_ref(&part), &[]);
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Review, "{:?}", r.m);
    assert_eq!(open(&r, 0), dec("1210.00"));
    assert_eq!(open(&r, 1), dec("605.00"));
    let proposed: Vec<&str> =
        r.m.review
            .iter()
            .map(|p| p.document.number.as_str())
            .collect();
    assert!(
        proposed.contains(&"F2026-001") && proposed.contains(&"F2026-002"),
        "{proposed:?}"
    );
    // However the number is written (digits only, year and sequence), the same.
    for text in [
        "deelbet. fact 2026001",
        "fact 2026001",
        "2026-001",
        "F2026001",
    ] {
        let mut p = part.clone();
        p.remittance = Some(text.into());
        let r = run(&docs, &debtors, &[p], &[]);
        assert_eq!(
            r.m.outcomes[0].status,
            PaymentStatus::Review,
            "{text}: {:?}",
            r.m
        );
        assert_eq!(open(&r, 0), dec("1210.00"), "{text}");
        assert_eq!(open(&r, 1), dec("605.00"), "{text}");
    }
    // Another amount: nothing fits a typo, and the part payment is applied to what it names.
    let r = run(
        &docs,
        &debtors,
        &[pay(
            "p1",
            "500.00",
            Some(IBAN_D1),
            "deelbetaling factuur F2026-001",
        )],
        &[],
    );
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Allocated);
    assert_eq!(open(&r, 0), dec("710.00"));
    // The number named is paid already: then it is the typo it looks like.
    let mut paid = docs.clone();
    paid[0].document.status = DocumentStatus::Paid;
    let r = run(&paid, &debtors, &[part], &[]);
    assert_eq!(open(&r, 1), Decimal::ZERO, "{:?}", r.m);
}

/// Two direct debits alike from one payer, one of them returned: the return undoes the
/// collection its text names, and the same return read again (from a second statement format,
/// dated by its value date) undoes nothing more, whichever of the two is read first.
#[test]
fn a_return_undoes_the_collection_it_names_and_its_copy_undoes_no_other() {
    let docs = vec![
        inv("F2026-201", "D2", "121.00", "2026-03-04"),
        inv("F2026-202", "D2", "121.00", "2026-03-04"),
    ];
    let debtors = [debtor("D2", IBAN_D2)];
    let mut first = pay("dd1", "121.00", Some(IBAN_D2), "Incasso factuur F2026-202");
    first.date = date("2026-02-12");
    let mut second = pay("dd2", "121.00", Some(IBAN_D2), "Incasso factuur F2026-201");
    second.date = date("2026-03-12");
    let ret = |id: &str, day: &str| {
        let mut r = pay(
            id,
            "-121.00",
            Some(IBAN_D2),
            "Storno incasso factuur F2026-202",
        );
        r.kind = PaymentKind::Reversal;
        r.date = date(day);
        r
    };
    // The latest collection alike is dd2; the return's text names dd1's invoice.
    let r = run(
        &docs,
        &debtors,
        &[first.clone(), second.clone(), ret("camt", "2026-03-16")],
        &[],
    );
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Reversed);
    assert_eq!(open(&r, 0), Decimal::ZERO, "F2026-201 stays paid");
    assert_eq!(open(&r, 1), dec("121.00"), "F2026-202 is open again");
    for copy_day in ["2026-03-12", "2026-03-20"] {
        let r = run(
            &docs,
            &debtors,
            &[
                first.clone(),
                second.clone(),
                ret("camt", "2026-03-16"),
                ret("mt940", copy_day),
            ],
            &[],
        );
        assert_eq!(
            open(&r, 0),
            Decimal::ZERO,
            "F2026-201 stays paid ({copy_day})"
        );
        assert_eq!(open(&r, 1), dec("121.00"));
        assert_eq!(r.m.outcomes[1].status, PaymentStatus::Allocated);
        let copy = if copy_day < "2026-03-16" { 2 } else { 3 };
        let copy = &r.m.outcomes[copy].notes;
        assert!(
            copy.iter()
                .any(|n| n.contains("the same return read twice")),
            "{copy:?}"
        );
    }
    // Two returns of the two collections, their texts naming nothing apart: both are undone.
    let mut plain = ret("r1", "2026-03-16");
    plain.remittance = Some("Storno MD06".into());
    let mut plain2 = plain.clone();
    plain2.id = "r2".into();
    let r = run(&docs, &debtors, &[first, second, plain, plain2], &[]);
    assert_eq!(open(&r, 0), dec("121.00"));
    assert_eq!(open(&r, 1), dec("121.00"));
}

#[test]
fn manual_decisions_win() {
    let docs = vec![
        inv("F1", "D1", "100.00", "2026-02-01"),
        inv("F2", "D1", "100.00", "2026-02-01"),
    ];
    let debtors = [debtor("D1", IBAN_D1)];
    let p = [pay("p1", "100.00", Some(IBAN_D1), "F1")];
    let to_f2 = ManualDecision::Allocate {
        payment: "p1".into(),
        document: docs[1].document.key(),
        amount: None,
    };
    let r = run(&docs, &debtors, &p, std::slice::from_ref(&to_f2));
    assert_eq!((open(&r, 0), open(&r, 1)), (dec("100.00"), Decimal::ZERO));
    assert_eq!(r.rec.allocations[0].rule, AllocationRule::Manual);

    let not_f1 = ManualDecision::Unallocate {
        payment: "p1".into(),
        document: Some(docs[0].document.key()),
    };
    let r = run(&docs, &debtors, &p, &[not_f1]);
    assert_eq!(
        open(&r, 0),
        dec("100.00"),
        "F1 excluded; F2 found by payer and amount"
    );
    assert_eq!(open(&r, 1), Decimal::ZERO);

    let none = ManualDecision::Unallocate {
        payment: "p1".into(),
        document: None,
    };
    let r = run(&docs, &debtors, &p, &[to_f2, none]);
    assert_eq!((open(&r, 0), open(&r, 1)), (dec("100.00"), dec("100.00")));
    assert_eq!(r.m.outcomes[0].unapplied, dec("100.00"));
}

/// Of the decisions about one payment and one document, the last one holds: an allocation made
/// after an "unallocate" of the pair, or of the whole payment, takes effect (it was confirmed and
/// then never applied), and a second allocation of a pair replaces the first.
#[test]
fn the_last_decision_about_a_pair_holds() {
    let docs = vec![
        inv("F1", "D1", "100.00", "2026-02-01"),
        inv("F2", "D1", "100.00", "2026-02-01"),
    ];
    let debtors = [debtor("D1", IBAN_D1)];
    let p = [pay("p1", "100.00", Some(IBAN_D1), "F1")];
    let to = |i: usize, amount: Option<&str>| ManualDecision::Allocate {
        payment: "p1".into(),
        document: docs[i].document.key(),
        amount: amount.map(dec),
    };
    let not = |i: Option<usize>| ManualDecision::Unallocate {
        payment: "p1".into(),
        document: i.map(|i| docs[i].document.key()),
    };
    let allocated = |r: &Run| -> Vec<(String, Decimal)> {
        r.rec
            .allocations
            .iter()
            .map(|a| (a.document.number.clone(), a.amount.amount()))
            .collect()
    };
    let r = run(&docs, &debtors, &p, &[not(Some(1)), to(1, None)]);
    assert_eq!(allocated(&r), [("F2".to_string(), dec("100.00"))]);
    assert_eq!(r.rec.allocations[0].rule, AllocationRule::Manual);

    let r = run(&docs, &debtors, &p, &[not(None), to(1, Some("40.00"))]);
    assert_eq!(allocated(&r), [("F2".to_string(), dec("40.00"))]);
    assert_eq!(
        r.m.outcomes[0].unapplied,
        dec("60.00"),
        "the rest stays out of the rules' reach"
    );

    let r = run(
        &docs,
        &debtors,
        &p,
        &[to(0, Some("30.00")), to(0, Some("50.00"))],
    );
    assert_eq!(allocated(&r), [("F1".to_string(), dec("50.00"))]);

    let r = run(
        &docs,
        &debtors,
        &p,
        &[to(1, None), not(Some(1)), to(1, None)],
    );
    assert_eq!(allocated(&r), [("F2".to_string(), dec("100.00"))]);

    let r = run(&docs, &debtors, &p, &[to(1, None), to(0, None), not(None)]);
    assert!(allocated(&r).is_empty(), "{:?}", allocated(&r));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, failure_persistence: None, ..Default::default() })]

    /// Whatever a person decided in whatever order, a pair whose last decision (its own or the
    /// payment's) is an allocation is paid what it says, and a pair whose last decision is an
    /// "unallocate" is paid nothing by that payment.
    #[test]
    fn a_pair_gets_what_its_last_decision_says(
        steps in proptest::collection::vec((0usize..3, 0usize..4), 0..12)
    ) {
        let docs = vec![
            inv("F1", "D1", "100.00", "2026-02-01"),
            inv("F2", "D1", "100.00", "2026-02-01"),
            inv("F3", "D1", "100.00", "2026-02-01"),
        ];
        let debtors = [debtor("D1", IBAN_D1)];
        let p = [pay("p1", "300.00", Some(IBAN_D1), "F1 F2 F3")];
        // Per document: 0 allocate all, 1 allocate 25.00, 2 unallocate the pair, 3 unallocate
        // the payment (the document drawn is ignored).
        let mut last: [Option<Option<Decimal>>; 3] = [None; 3];
        let decisions: Vec<ManualDecision> = steps
            .iter()
            .map(|&(i, what)| match what {
                0 | 1 => {
                    let amount = (what == 1).then(|| dec("25.00"));
                    last[i] = Some(amount);
                    ManualDecision::Allocate {
                        payment: "p1".into(),
                        document: docs[i].document.key(),
                        amount,
                    }
                }
                _ => {
                    let document = (what == 2).then(|| docs[i].document.key());
                    if what == 2 {
                        last[i] = Some(Some(Decimal::ZERO));
                    } else {
                        last = [Some(Some(Decimal::ZERO)); 3];
                    }
                    ManualDecision::Unallocate { payment: "p1".into(), document }
                }
            })
            .collect();
        let r = run(&docs, &debtors, &p, &decisions);
        for (i, said) in last.iter().enumerate() {
            let Some(said) = said else { continue };
            let got: Decimal = r
                .rec
                .allocations
                .iter()
                .filter(|a| a.document == docs[i].document.key())
                .map(|a| a.amount.amount())
                .sum();
            proptest::prop_assert_eq!(got, said.unwrap_or(dec("100.00")), "{:?}", decisions);
        }
    }
}

/// A person's allocation to an invoice the books call paid says which transfer the books booked:
/// it takes that settlement over, and the rules never put the transfer on another invoice
/// (review 46a, F-2: F2026-004 showed paid by it, and was never claimed). A second transfer
/// allocated to the same invoice finds nothing left and waits, unapplied, on its debtor.
#[test]
fn an_allocation_by_hand_to_an_invoice_the_books_call_paid_takes_their_settlement_over() {
    let mut booked = inv("F2026-003", "D2", "800.00", "2026-02-01");
    booked.document.status = crate::model::DocumentStatus::Paid;
    let docs = vec![booked, inv("F2026-004", "D2", "800.00", "2026-02-01")];
    let debtors = [debtor("D2", IBAN_D2)];
    let p = [
        pay("P", "800.00", Some(IBAN_D2), "betaling"),
        pay("P4", "800.00", Some(IBAN_D2), "factuur F2026-003"),
    ];
    let to = |payment: &str| ManualDecision::Allocate {
        payment: payment.into(),
        document: docs[0].document.key(),
        amount: None,
    };
    let r = run(&docs, &debtors, &p[..1], &[]);
    assert_eq!(open(&r, 1), Decimal::ZERO, "the rules: exact amount");
    let r = run(&docs, &debtors, &p[..1], &[to("P")]);
    assert_eq!(open(&r, 1), dec("800.00"), "{:?}", r.rec.allocations);
    let on_f3: Vec<_> = r
        .rec
        .allocations
        .iter()
        .filter(|a| a.document.number == "F2026-003")
        .map(|a| (a.from.clone(), a.amount.amount(), a.rule))
        .collect();
    assert_eq!(
        on_f3,
        [(
            AllocationSource::Payment("P".into()),
            dec("800.00"),
            AllocationRule::Manual
        )],
        "the books' settlement is P"
    );
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Allocated);

    let r = run(&docs, &debtors, &p, &[to("P"), to("P4")]);
    let second = &r.m.outcomes[1];
    assert_eq!(second.status, PaymentStatus::Unapplied, "{second:?}");
    assert_eq!(second.unapplied, dec("800.00"));
    assert_eq!(second.debtor.as_ref().map(|d| d.as_str()), Some("D2"));
    assert_eq!(open(&r, 1), dec("800.00"), "F2026-004 untouched");

    // A decision that took nothing does not stop the payment's next one.
    let to_f4 = ManualDecision::Allocate {
        payment: "P4".into(),
        document: docs[1].document.key(),
        amount: None,
    };
    let r = run(&docs, &debtors, &p, &[to("P"), to("P4"), to_f4]);
    assert_eq!(open(&r, 1), Decimal::ZERO, "{:?}", r.m.outcomes[1]);
    assert_eq!(r.m.outcomes[1].status, PaymentStatus::Allocated);
}

/// A transfer naming an invoice a person settled, when the payer's other invoice of the amount is
/// taken too: nothing to choose between, so it is money not applied, on the debtor its name says,
/// holding their claims (review 46a, F-4; 46c, F-3: it sat on nobody and held nothing).
#[test]
fn a_duplicate_of_what_a_person_settled_waits_on_its_payer() {
    let docs = vec![
        inv("F2026-003", "D2", "800.00", "2026-02-01"),
        inv("F2026-004", "D2", "800.00", "2026-02-01"),
    ];
    let mut d2 = debtor("D2", IBAN_D2);
    d2.name = Some("Bakkerij Bakker B.V.".into());
    let mut p5 = pay("P5", "800.00", Some("NL02ABNA0123456789"), "F2026-003");
    p5.counterparty_name = Some("Bakkerij Bakker B.V.".into());
    p5.date = date("2026-03-05");
    let p = [
        pay("P", "800.00", Some(IBAN_D2), ""),
        pay("P4", "800.00", Some(IBAN_D2), "factuur F2026-003"),
        p5,
    ];
    let by_hand = ManualDecision::Allocate {
        payment: "P4".into(),
        document: docs[0].document.key(),
        amount: None,
    };
    let r = run(&docs, &[d2], &p, &[by_hand]);
    assert_eq!(
        open(&r, 1),
        Decimal::ZERO,
        "P took F2026-004: {:?}",
        r.m.outcomes[0]
    );
    let o = &r.m.outcomes[2];
    assert_eq!(o.status, PaymentStatus::Unapplied, "{o:?}");
    assert_eq!(o.debtor.as_ref().map(|d| d.as_str()), Some("D2"), "{o:?}");
    assert!(r.m.review.iter().all(|p| p.payment != 2));
}

/// A person confirming the transfer the books booked on an invoice they report paid in part: it
/// is that settlement, not a payment of the open rest as well (review 46c, F-1: the 300.00 still
/// owed vanished). Money that came after the export was read cannot be in it: it pays the rest.
#[test]
fn confirming_the_booked_transfer_of_a_part_paid_invoice_leaves_its_rest_owed() {
    let mut part = inv("F2026-020", "D2", "800.00", "2026-02-01");
    part.document.source_open = Some(dec("300.00"));
    let docs = vec![part];
    let debtors = [debtor("D2", IBAN_D2)];
    let q = [pay("Q", "500.00", Some(IBAN_D2), "F2026-020")];
    for amount in [Some("500.00"), None] {
        let d = ManualDecision::Allocate {
            payment: "Q".into(),
            document: docs[0].document.key(),
            amount: amount.map(dec),
        };
        let read_after = vec![Some(date("2026-03-10"))];
        let r = run_read_on(&docs, &debtors, &q, std::slice::from_ref(&d), read_after);
        assert_eq!(
            open(&r, 0),
            dec("300.00"),
            "{amount:?}: {:?}",
            r.rec.allocations
        );
        assert_eq!(r.m.outcomes[0].status, PaymentStatus::Allocated);
        // The export was read before Q came: Q is money on top, and pays the rest.
        let read_before = vec![Some(date("2026-02-20"))];
        let r = run_read_on(&docs, &debtors, &q, std::slice::from_ref(&d), read_before);
        assert_eq!(open(&r, 0), Decimal::ZERO, "{amount:?}");
        assert_eq!(r.m.outcomes[0].unapplied, dec("200.00"));
    }
}

/// An agency's receipt over a claim's two invoices, which the bookkeeper booked otherwise than
/// oldest first: it is the books' settlement where they booked it, and what they still report
/// open stays owed (review 46d, F-1: 200.00 vanished, and the claim was withdrawn as paid).
#[test]
fn a_receipt_the_books_booked_over_several_invoices_is_their_settlement_where_they_put_it() {
    let mut g1 = inv("G-1", "D9", "400.00", "2026-02-01");
    g1.document.source_open = Some(dec("200.00"));
    let mut g2 = inv("G-2", "D9", "300.00", "2026-02-10");
    g2.document.status = crate::model::DocumentStatus::Paid;
    let docs = vec![g1, g2];
    let debtors = [debtor("D9", IBAN_D2)];
    let r1 = [pay("agency:C:r1", "500.00", None, "")];
    let oldest_first: Vec<ManualDecision> = docs
        .iter()
        .map(|d| ManualDecision::Allocate {
            payment: "agency:C:r1".into(),
            document: d.document.key(),
            amount: None,
        })
        .collect();
    let read_after = vec![Some(date("2026-03-10")); 2];
    let r = run_read_on(&docs, &debtors, &r1, &oldest_first, read_after);
    assert_eq!(open(&r, 0), dec("200.00"), "{:?}", r.rec.allocations);
    assert_eq!(open(&r, 1), Decimal::ZERO);
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Allocated);
    // Before the books booked it, oldest first: G-1 whole, 100.00 of G-2.
    let plain = vec![
        inv("G-1", "D9", "400.00", "2026-02-01"),
        inv("G-2", "D9", "300.00", "2026-02-10"),
    ];
    let r = run(&plain, &debtors, &r1, &oldest_first);
    assert_eq!((open(&r, 0), open(&r, 1)), (Decimal::ZERO, dec("200.00")));
}

/// An agency's receipt the books booked, then given back: the report's notes say the invoice
/// may be unpaid again (review 46d, F-2: nothing said so, and the agency was sent less).
#[test]
fn a_booked_receipt_given_back_is_named() {
    let mut g1 = inv("G-1", "D9", "400.00", "2026-02-01");
    g1.document.source_open = Some(dec("100.00"));
    let docs = vec![g1];
    let debtors = [debtor("D9", IBAN_D2)];
    let r1 = pay("agency:C:r1", "300.00", Some("AGENCY:C:r1"), "");
    let mut back = pay("agency:C:r1x", "-300.00", Some("AGENCY:C:r1"), "");
    back.kind = PaymentKind::Reversal;
    back.date = date("2026-03-05");
    let decision = ManualDecision::Allocate {
        payment: "agency:C:r1".into(),
        document: docs[0].document.key(),
        amount: None,
    };
    let read_after = vec![Some(date("2026-03-03"))];
    let r = run_read_on(&docs, &debtors, &[r1, back], &[decision], read_after);
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Reversed);
    assert!(
        r.rec
            .notes
            .iter()
            .any(|n| n.document.number == "G-1" && n.message.contains("agency:C:r1 of EUR 300.00")),
        "{:?}",
        r.rec.notes
    );
}

/// Part of a payment a person applies to another debtor's invoice: the rest is the payer's money,
/// where the account says who paid, and holds the payer's claims (review 46a, F-1). An amount
/// above what the invoice has open is applied as far as it goes, and the outcome says so (F-3).
#[test]
fn the_rest_of_a_payment_decided_in_part_is_the_payer_s() {
    let docs = vec![
        inv("F2026-011", "D1", "75.00", "2026-02-01"),
        inv("F2026-003", "D2", "800.00", "2026-02-01"),
    ];
    let debtors = [debtor("D1", IBAN_D1), debtor("D2", IBAN_D2)];
    let p = [pay("P", "800.00", Some(IBAN_D2), "betaling factuur")];
    let part = |amount: &str| ManualDecision::Allocate {
        payment: "P".into(),
        document: docs[0].document.key(),
        amount: Some(dec(amount)),
    };
    let r = run(&docs, &debtors, &p, &[part("75.00")]);
    let o = &r.m.outcomes[0];
    assert_eq!(o.unapplied, dec("725.00"));
    assert_eq!(o.debtor.as_ref().map(|d| d.as_str()), Some("D2"), "{o:?}");
    assert_eq!(open(&r, 1), dec("800.00"), "held by D2's money, not paid");

    // Known by name alone (an account the ledger does not know): the rest is the payer's too.
    let mut by_name = debtor("D2", IBAN_D2);
    by_name.ibans.clear();
    by_name.name = Some("Bakkerij Bakker B.V.".into());
    let mut from_unknown = p[0].clone();
    from_unknown.counterparty_account = Some("NL02ABNA0123456789".into());
    from_unknown.counterparty_name = Some("Bakkerij Bakker B.V.".into());
    let r = run(
        &docs,
        &[debtors[0].clone(), by_name],
        &[from_unknown],
        &[part("75.00")],
    );
    let o = &r.m.outcomes[0];
    assert_eq!(o.debtor.as_ref().map(|d| d.as_str()), Some("D2"), "{o:?}");

    let r = run(&docs, &debtors, &p, &[part("200.00")]);
    let o = &r.m.outcomes[0];
    assert_eq!(o.allocated, dec("75.00"));
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("75.00 of the 200.00 decided")),
        "{o:?}"
    );
}

/// Money allocated by hand to an invoice with nothing open (the agency's costs on an invoice it
/// collected whole) is that invoice's debtor's money, waiting: it holds their next claim (review
/// 45b, F-6), where an unknown payer's money held no one's.
#[test]
fn money_allocated_by_hand_to_a_settled_invoice_waits_on_its_debtor() {
    let mut paid = inv("F1", "D2", "500.00", "2026-02-01");
    paid.document.status = crate::model::DocumentStatus::Paid;
    let docs = vec![paid, inv("F2", "D2", "300.00", "2026-03-01")];
    let debtors = [debtor("D2", IBAN_D1)];
    // The agency's principal, which the books booked (F1 paid), then its costs.
    let p = [
        pay("agency:C:b1", "500.00", None, ""),
        pay("agency:C:b2", "93.21", None, ""),
    ];
    let to_f1 = |receipt: &str| ManualDecision::Allocate {
        payment: receipt.into(),
        document: docs[0].document.key(),
        amount: None,
    };
    let r = run(
        &docs,
        &debtors,
        &p,
        &[to_f1("agency:C:b1"), to_f1("agency:C:b2")],
    );
    assert_eq!(
        r.m.outcomes[0].status,
        PaymentStatus::Allocated,
        "the booked principal"
    );
    let o = &r.m.outcomes[1];
    assert_eq!(o.debtor.as_ref().map(|d| d.as_str()), Some("D2"));
    assert!(o.money_not_applied(), "{o:?}");
    assert_eq!(open(&r, 1), dec("300.00"), "F2 untouched");
}

#[test]
fn same_input_same_result_whatever_the_order() {
    let docs = vec![
        inv("A1", "D1", "10.00", "2026-01-10"),
        inv("A2", "D1", "10.00", "2026-01-20"),
    ];
    let debtors = [debtor("D1", IBAN_D1)];
    let a = [
        pay("p1", "10.00", Some(IBAN_D1), ""),
        pay("p2", "10.00", Some(IBAN_D1), ""),
    ];
    let b = [a[1].clone(), a[0].clone()];
    let ra = run(&docs, &debtors, &a, &[]);
    let rb = run(&docs, &debtors, &b, &[]);
    assert_eq!(ra.rec.open, rb.rec.open);
    let key = |r: &Run| {
        let mut v: Vec<String> = r
            .rec
            .allocations
            .iter()
            .map(|a| format!("{:?}", a))
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&ra), key(&rb));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, failure_persistence: None, ..Default::default() })]

    /// The keyed order is the order of sorting stably by date, then each day by id: ids that
    /// share their first eight bytes, end inside them, repeat, or hold zero bytes included.
    #[test]
    fn payments_are_ordered_by_date_then_id_then_input_place(
        lines in proptest::collection::vec(
            (0u8..4, proptest::sample::select(vec![
                "", "a", "a\0", "a\0\0", "ab", "abcdefgh", "abcdefgh0", "abcdefgh1", "abcdefgi",
                "abcdefg", "R1b0917405d90261", "R1b0917405d90262", "Ré", "R\u{ff}", "b",
            ])),
            0..40,
        )
    ) {
        let payments: Vec<Payment> = lines
            .iter()
            .map(|(day, id)| {
                let mut p = pay(id, "1.00", None, "");
                p.date = date("2026-03-01") + chrono::Days::new(u64::from(*day));
                p
            })
            .collect();
        let mut expected: Vec<usize> = (0..payments.len()).collect();
        expected.sort_by_key(|&p| payments[p].date);
        expected.sort_by(|&a, &b| {
            (payments[a].date, &payments[a].id).cmp(&(payments[b].date, &payments[b].id))
        });
        proptest::prop_assert_eq!(date_and_id_order(&payments), expected);
    }
}

/// A collection booked as one total in a CSV and debit by debit in one entry of the camt.053 of
/// the same day: the debits pay their invoices, and the total is marked as the same money (so
/// the claims gate weighs no collection of it), with a note naming the entry. Transfers of other
/// notifications that merely add up to it, the entry in the total's own file, an entry that
/// makes another amount, or a second total of the same amount, are not marked.
#[test]
fn a_total_booked_in_detail_in_another_file_is_marked_as_the_same_money() {
    use std::sync::Arc;
    let from = |name: &str, place: &str| Provenance {
        source: Arc::new(Source {
            kind: SourceKind::BankStatementFile,
            name: name.into(),
            content_hash: name.into(),
        }),
        location: Location::Element(place.into()),
    };
    let docs = vec![
        inv("F-1", "D1", "60.50", "2026-02-01"),
        inv("F-2", "D2", "121.00", "2026-02-01"),
    ];
    let debtors = vec![debtor("D1", IBAN_D1), debtor("D2", IBAN_D2)];
    let total = Payment {
        provenance: from("rabo.csv", "row 2"),
        ..pay("T", "181.50", None, "SEPA Incasso batch 2 posten")
    };
    let detail = |file: &str, entry: [&str; 2]| {
        vec![
            Payment {
                provenance: from(file, entry[0]),
                ..pay("C1", "60.50", Some(IBAN_D1), "F-1")
            },
            Payment {
                provenance: from(file, entry[1]),
                ..pay("C2", "121.00", Some(IBAN_D2), "F-2")
            },
        ]
    };
    let one_entry = [
        "Stmt[1]/Ntry[3]/NtryDtls/TxDtls[1]",
        "Stmt[1]/Ntry[3]/NtryDtls/TxDtls[2]",
    ];
    let with = |lines: Vec<Payment>| [vec![total.clone()], lines].concat();
    let payments = with(detail("camt.xml", one_entry));
    let r = run(&docs, &debtors, &payments, &[]);
    assert_eq!(r.m.outcomes[0].status, PaymentStatus::Unmatched);
    assert_eq!(r.m.in_detail, vec![0]);
    assert!(
        r.m.outcomes[0]
            .notes
            .iter()
            .any(|n| n.contains("booked in detail")
                && n.contains("camt.xml lists its 2 transactions in entry Stmt[1]/Ntry[3]")),
        "{:?}",
        r.m.outcomes[0].notes
    );
    assert_eq!(r.m.waiting(&payments).in_detail, vec![true]);

    // Two notifications' transfers that add up to it: no entry lists them together.
    let notified = vec![
        Payment {
            provenance: from("n1.xml", "Ntfctn[1]/Ntry[1]"),
            ..detail("x", one_entry)[0].clone()
        },
        Payment {
            provenance: from("n2.xml", "Ntfctn[1]/Ntry[1]"),
            ..detail("x", one_entry)[1].clone()
        },
    ];
    assert!(run(&docs, &debtors, &with(notified), &[])
        .m
        .in_detail
        .is_empty());
    // The entry in the total's own file: a bank books a total or its parts, not both.
    assert!(
        run(&docs, &debtors, &with(detail("rabo.csv", one_entry)), &[])
            .m
            .in_detail
            .is_empty()
    );
    // An entry that makes another amount.
    let short = Payment {
        amount: Money::new(dec("181.51"), Currency::EUR),
        ..total.clone()
    };
    let other = [vec![short], detail("camt.xml", one_entry)].concat();
    assert!(run(&docs, &debtors, &other, &[]).m.in_detail.is_empty());
    // Two totals of that amount: the entry details one of them.
    let second = Payment {
        id: "T2".into(),
        provenance: from("rabo.csv", "row 3"),
        ..total.clone()
    };
    let twice = [vec![total.clone(), second], detail("camt.xml", one_entry)].concat();
    assert_eq!(run(&docs, &debtors, &twice, &[]).m.in_detail, vec![0]);
}

/// Review 44a, F-1 and F-2: a payment naming an invoice whose settlement the books report in an
/// export read after the payment is the money they booked: it takes that settlement over (with
/// its date), the open amount stays the books', and it is no unapplied cash. Not when the
/// export was read before the payment (money on top), nor when the payments explain only part
/// of what the books settled (the rest other money: whether they were booked cannot be told).
#[test]
fn a_payment_the_books_booked_is_not_taken_off_twice() {
    let d1 = debtor("D1", IBAN_D1);
    let mut part = inv("F-100", "D1", "2420.00", "2026-02-01");
    part.document.source_open = Some(dec("1420.00"));
    let mut paid = inv("F-101", "D1", "1210.00", "2026-02-01");
    paid.document.status = DocumentStatus::Paid;
    let other = inv("F-102", "D1", "847.00", "2026-02-01");
    let docs = vec![part, paid, other];
    let payments = vec![
        pay("P1", "1000.00", Some(IBAN_D1), "Deelbetaling F-100"),
        pay("P2", "1210.00", Some(IBAN_D1), "Factuur F-101"),
    ];
    let matched = |books: &BooksSettled| {
        let as_of = date("2026-04-01");
        let mut rec = reconcile(&docs, as_of);
        let m = match_payments(
            &docs,
            std::slice::from_ref(&d1),
            &payments,
            &[],
            &MatchPolicy::default(),
            as_of,
            books,
            &mut rec,
        );
        Run { rec, m }
    };
    let read = |day: &str| BooksSettled {
        read_on: vec![Some(date(day)), Some(date(day)), None],
        ..BooksSettled::default()
    };
    // Read after the payments (1 March): they are the booked money.
    let r = matched(&read("2026-03-02"));
    assert_eq!(open(&r, 0), dec("1420.00"));
    assert_eq!(open(&r, 2), dec("847.00"));
    for (pi, n) in [(0, "F-100"), (1, "F-101")] {
        assert_eq!(r.m.outcomes[pi].status, PaymentStatus::Allocated, "{pi}");
        assert!(
            r.m.outcomes[pi].notes[0].contains(n),
            "{:?}",
            r.m.outcomes[pi]
        );
    }
    let booked: Vec<_> = r
        .rec
        .allocations
        .iter()
        .filter(|a| a.rule == AllocationRule::BookedInSource)
        .map(|a| (a.document.number.as_str(), a.amount.amount()))
        .collect();
    assert_eq!(
        booked,
        [("F-100", dec("1000.00")), ("F-101", dec("1210.00"))]
    );
    // The books' own settlement gave way to the dated payments.
    assert!(!r
        .rec
        .allocations
        .iter()
        .any(|a| a.from == AllocationSource::SourceLedger));
    // Read before the payments: money on top of what the books settled.
    let r = matched(&read("2026-02-28"));
    assert_eq!(open(&r, 0), dec("420.00"));
    assert_eq!(r.m.outcomes[1].status, PaymentStatus::Unapplied);
    // No day known: nothing is taken for booked.
    let r = matched(&BooksSettled::default());
    assert_eq!(open(&r, 0), dec("420.00"));
    // Part of what the books settled: matched as any payment.
    let mut docs2 = docs.clone();
    docs2[0].document.source_open = Some(dec("420.00"));
    let as_of = date("2026-04-01");
    let mut rec = reconcile(&docs2, as_of);
    let m = match_payments(
        &docs2,
        std::slice::from_ref(&d1),
        &payments,
        &[],
        &MatchPolicy::default(),
        as_of,
        &read("2026-03-02"),
        &mut rec,
    );
    assert!(
        !rec.allocations
            .iter()
            .any(|a| a.rule == AllocationRule::BookedInSource
                && a.document.number.as_str() == "F-100"),
        "{:?}",
        rec.allocations
    );
    assert_ne!(m.outcomes[0].status, PaymentStatus::Allocated);
    // Review 44d, F-1: the books reported 1,000.00 settled before the transfers and 2,000.00
    // after them: of two transfers of 1,000.00, only one can be in the growth.
    let mut grown = read("2026-03-02");
    grown
        .earlier
        .insert(0, vec![(date("2026-02-15"), dec("1000.00"))]);
    let two = vec![
        pay("P1", "1000.00", Some(IBAN_D1), "Deelbetaling F-100"),
        pay("P3", "1000.00", Some(IBAN_D1), "Restant F-100"),
    ];
    let mut rec = reconcile(&docs2, as_of);
    let m = match_payments(
        &docs2,
        std::slice::from_ref(&d1),
        &two,
        &[],
        &MatchPolicy::default(),
        as_of,
        &grown,
        &mut rec,
    );
    let booked = rec
        .allocations
        .iter()
        .filter(|a| a.rule == AllocationRule::BookedInSource)
        .count();
    assert_eq!(booked, 1, "{:?}", rec.allocations);
    // The other is money on top: it waits (paying 1,000.00 against 420.00 open), and holds
    // the invoice from the claims.
    assert!(
        m.outcomes[1].unapplied > Decimal::ZERO,
        "{:?}",
        m.outcomes[1]
    );
}

/// A payment whose text names an invoice a person settled with another payment contradicts that
/// person: neither the typo reading (the payer's other invoice of exactly the amount) nor the
/// duplicate one is applied unseen (review 45e: F2026-004 was taken at 93).
#[test]
fn a_text_naming_what_a_person_settled_waits_for_a_person() {
    let docs = vec![
        inv("F2026-003", "D2", "800.00", "2026-02-01"),
        inv("F2026-004", "D2", "800.00", "2026-02-01"),
    ];
    let debtors = [debtor("D2", IBAN_D2)];
    let mut named = pay("p3", "800.00", Some(IBAN_D2), "factuur F2026-003");
    named.date = date("2026-02-20");
    let p = [pay("pm", "800.00", None, ""), named];
    let by_hand = ManualDecision::Allocate {
        payment: "pm".into(),
        document: docs[0].document.key(),
        amount: None,
    };
    let r = run(&docs, &debtors, &p, std::slice::from_ref(&by_hand));
    assert_eq!(r.rec.allocations.len(), 1, "{:?}", r.rec.allocations);
    assert_eq!(r.m.outcomes[1].status, PaymentStatus::Review);
    assert_eq!(open(&r, 1), dec("800.00"));
    let proposal = r.m.review.iter().find(|p| p.payment == 1).unwrap();
    assert!(proposal.confidence <= 60, "{proposal:?}");
    assert!(
        proposal
            .reason
            .contains("F2026-003 (60, nothing open: the money would stay unapplied)"),
        "the reading no row offers says what it means (review 46a, F-5): {}",
        proposal.reason
    );
    assert!(
        proposal
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::SettledByHand { numbers } if numbers == &["F2026-003"])),
        "{proposal:?}"
    );
    // Settled by the rules instead (the earlier payment named it), the typo reading stands.
    let mut first = pay("p0", "800.00", Some(IBAN_D2), "F2026-003");
    first.date = date("2026-02-10");
    let r = run(&docs, &debtors, &[first, p[1].clone()], &[]);
    assert_eq!(r.m.outcomes[1].status, PaymentStatus::Allocated);
}
