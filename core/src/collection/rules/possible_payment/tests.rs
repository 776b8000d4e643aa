use super::*;
use crate::ids::{DocumentNumber, Iban};
use crate::model::{DocumentKind, DocumentStatus, Provenance};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn pay(id: &str, date: &str, amount: &str, text: &str) -> Unapplied {
    Unapplied {
        id: id.into(),
        date: d(date),
        amount: Decimal::from_str_exact(amount).unwrap(),
        currency: Currency::EUR,
        debtor: None,
        text: text.into(),
        name: None,
        account: None,
        not_for: vec![],
        names_documents_of: vec![],
        names_missing: None,
        later: false,
        booked_to: None,
        proposed: vec![],
        account_of: vec![],
    }
}

struct Fixture {
    number: DocumentNumber,
    debtor: DebtorId,
    provenance: Provenance,
}

fn fixture(number: &str) -> Fixture {
    fixture_of(number, "D1")
}

fn fixture_of(number: &str, debtor: &str) -> Fixture {
    Fixture {
        number: DocumentNumber::new(number).unwrap(),
        debtor: DebtorId::new(debtor).unwrap(),
        provenance: super::super::tests::provenance(),
    }
}

fn item<'a>(f: &'a Fixture, open: &str, issued: &str) -> OpenItem<'a> {
    OpenItem {
        kind: DocumentKind::Invoice,
        number: &f.number,
        debtor: &f.debtor,
        currency: Currency::EUR,
        total: Decimal::from_str_exact(open).unwrap(),
        open: Decimal::from_str_exact(open).unwrap(),
        issue_date: d(issued),
        due_date: d(issued) + chrono::Days::new(30),
        due_assumed: false,
        days_overdue: 60,
        status: DocumentStatus::Open,
        provenance: &f.provenance,
        payment_reference: None,
        credits: None,
    }
}

fn debtor(name: &str, iban: Option<&str>) -> Debtor {
    let mut deb = Debtor::new(DebtorId::new("D1").unwrap());
    deb.name = Some(name.into());
    deb.ibans = iban.map(|i| Iban::parse(i).unwrap()).into_iter().collect();
    deb
}

/// The boundary table: (id, payment, item number, open, debtor name, held?).
#[test]
fn boundaries() {
    let other = DebtorId::new("D9").unwrap();
    let mut elsewhere = pay("P", "2026-03-01", "551.21", "F2025-005312");
    elsewhere.debtor = Some(other.clone());
    let mut typo_elsewhere = pay("P", "2026-03-01", "999.99", "F2025-005312");
    typo_elsewhere.debtor = Some(other.clone());
    // One transfer for invoices of two debtors, its payer taken for the other one (D9).
    let mut batch = pay("P", "2026-03-01", "1351.21", "F2025-005312 F2025-007001");
    batch.debtor = Some(other.clone());
    batch.names_documents_of = vec![DebtorId::new("D1").unwrap(), other.clone()];
    // A payer known as D9 naming D9's own invoice in full, one digit off from the item, of
    // the item's amount (money after the as-of date, seen whole by the gate).
    let mut own_elsewhere = pay("P", "2026-03-01", "551.21", "F2025-005313");
    own_elsewhere.debtor = Some(other.clone());
    own_elsewhere.names_documents_of = vec![other.clone()];
    let mut other_by_amount = pay("P", "2026-03-01", "551.21", "");
    other_by_amount.debtor = Some(other);
    let mut named = pay("P", "2026-03-01", "1.00", "");
    named.name = Some("ZON BAKKERIJ DE BV".into());
    let mut from_account = pay("P", "2026-03-01", "1.00", "");
    from_account.account = Some("NL91 ABNA 0417 1643 00".into());
    let mut said_no = pay("P", "2026-03-01", "551.21", "F2025-005312");
    said_no.not_for = vec!["F2025-005312".into()];
    let table: Vec<(&str, Unapplied, &str, &str, bool)> = vec![
        (
            "exact",
            pay("P", "2026-03-01", "10.00", "F2025-005312"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "no prefix",
            pay("P", "2026-03-01", "10.00", "factuur 2025-5312"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "sequence only",
            pay("P", "2026-03-01", "10.00", "fact nr 5312"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "one digit off",
            pay("P", "2026-03-01", "551.21", "F2025-005313"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "one digit off, nothing else fits",
            pay("P", "2026-03-01", "10.00", "F2025-005313"),
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "swapped",
            pay("P", "2026-03-01", "551.21", "5321"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "two digits off",
            pay("P", "2026-03-01", "551.21", "5344"),
            "F2025-005312",
            "551.20",
            false,
        ),
        (
            "short sequence",
            pay("P", "2026-03-01", "10.00", "12"),
            "F2025-000012",
            "551.21",
            false,
        ),
        (
            "amount",
            pay("P", "2026-03-01", "551.21", "betaling"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "amount, a cent off",
            pay("P", "2026-03-01", "551.20", "betaling"),
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "before the invoice",
            pay("P", "2025-01-01", "551.21", "F2025-005312"),
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "paid ahead, ten days before the invoice, its amount",
            pay("P", "2025-11-21", "551.21", "aanbetaling opdracht"),
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "paid ahead, forty days before the invoice, its amount",
            pay("P", "2025-10-22", "551.21", "aanbetaling opdracht"),
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "names it, in another currency",
            Unapplied {
                currency: Currency::parse("USD").unwrap(),
                ..pay("P", "2025-12-05", "600.00", "Invoice F2025-005312")
            },
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "another currency, its amount, not named",
            Unapplied {
                currency: Currency::parse("USD").unwrap(),
                ..pay("P", "2025-12-05", "551.21", "betaling")
            },
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "other debtor names it, its amount",
            elsewhere,
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "other debtor names it, another amount",
            typo_elsewhere,
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "other debtor names it among several debtors' invoices",
            batch,
            "F2025-005312",
            "551.21",
            true,
        ),
        (
            "other debtor names its own invoice, one digit off",
            own_elsewhere,
            "F2025-005312",
            "551.21",
            false,
        ),
        (
            "other debtor, same amount",
            other_by_amount,
            "F2025-005312",
            "551.21",
            false,
        ),
        ("not this payment", said_no, "F2025-005312", "551.21", false),
    ];
    for (id, p, number, open, want) in table {
        let gate = Gate::new(vec![p]);
        let f = fixture(number);
        let it = item(&f, open, "2025-12-01");
        let deb = debtor("Bakkerij De Zon B.V.", Some("NL91ABNA0417164300"));
        let got = gate.item(&it, None, &Payer::of(&deb));
        assert_eq!(got.is_some(), want, "{id}: {got:?}");
    }
    // The payer: its name or account is the debtor's.
    let deb = debtor("Bakkerij De Zon B.V.", Some("NL91ABNA0417164300"));
    let (f1, f2) = (fixture("F2025-005312"), fixture("F2025-005313"));
    let items = [
        item(&f1, "551.21", "2025-12-01"),
        item(&f2, "100.00", "2025-12-01"),
    ];
    let refs: Vec<&OpenItem<'_>> = items.iter().collect();
    for (id, p, held) in [
        ("name, a part payment", named.clone(), 2),
        ("account, a part payment", from_account.clone(), 2),
        (
            "name, the amount of one item",
            Unapplied {
                amount: Decimal::from(100),
                ..named.clone()
            },
            0,
        ),
        (
            "name, the sum of both",
            Unapplied {
                amount: Decimal::from_str_exact("651.21").unwrap(),
                ..named.clone()
            },
            0,
        ),
        (
            "name, a repeat of a settled invoice",
            Unapplied {
                names_documents_of: vec![deb.id.clone()],
                ..named.clone()
            },
            0,
        ),
        (
            "name, naming an invoice the ledger does not have",
            Unapplied {
                names_missing: Some("F2025-0123".into()),
                ..named
            },
            0,
        ),
    ] {
        assert_eq!(
            Gate::new(vec![p])
                .payer(&Payer::of(&deb), &refs, &refs)
                .len(),
            held,
            "{id}"
        );
    }
    // An amount that is one item's is held by the item itself.
    let by_amount = Gate::new(vec![pay("P", "2026-03-01", "100.00", "")]);
    assert!(by_amount.item(&items[1], None, &Payer::of(&deb)).is_some());
    assert!(by_amount.item(&items[0], None, &Payer::of(&deb)).is_none());
    // A sequence joined to another year names that year's invoice only.
    let other_year = Gate::new(vec![pay("P", "2026-03-01", "9.00", "Factuur F2026-005312")]);
    assert!(other_year.item(&items[0], None, &Payer::of(&deb)).is_none());
}

#[test]
fn the_reason_names_the_payment_and_the_oldest_wins() {
    let gate = Gate::new(vec![
        pay("R2", "2025-12-05", "551.21", ""),
        pay("R3780f8", "2025-12-03", "551.21", "F2025-005312"),
    ]);
    let f = fixture("F2025-005312");
    let it = item(&f, "551.21", "2025-11-01");
    let h = gate
        .item(&it, None, &Payer::of(&debtor("X", None)))
        .unwrap();
    assert_eq!(h.payment, "R3780f8");
    assert_eq!(
        h.reason,
        "possible payment R3780f8 of EUR 551.21 on 2025-12-03, text 'F2025-005312': its text names F2025-005312"
    );
    // The payment reference (betalingskenmerk) is a number of the item too.
    let by_ref = Gate::new(vec![pay("R9", "2025-12-03", "1.00", "5000 0000 0000 0011")]);
    assert!(by_ref
        .item(
            &it,
            Some("5000000000000011"),
            &Payer::of(&debtor("X", None))
        )
        .is_some());
}

#[test]
fn sums_of_a_debtors_items() {
    let fs = [fixture("F1001"), fixture("F1002"), fixture("F1003")];
    let items = [
        item(&fs[0], "100.00", "2026-01-01"),
        item(&fs[1], "250.00", "2026-01-01"),
        item(&fs[2], "75.50", "2026-01-01"),
    ];
    let refs: Vec<&OpenItem<'_>> = items.iter().collect();
    let gate = Gate::new(vec![pay("P1", "2026-03-01", "175.50", "")]);
    let (held, h) = gate.debtor_sums(&refs).unwrap();
    assert_eq!(held, vec![0, 2]);
    assert!(
        h.reason.ends_with("the amount is the sum of F1001 + F1003"),
        "{}",
        h.reason
    );
    let total = Gate::new(vec![pay("P1", "2026-03-01", "425.50", "")]);
    assert_eq!(total.debtor_sums(&refs).unwrap().0, vec![0, 1, 2]);
    let none = Gate::new(vec![pay("P1", "2026-03-01", "425.49", "")]);
    assert!(none.debtor_sums(&refs).is_none());
}

proptest::proptest! {
    /// The near numbers worked out as integers are exactly the near numbers worked out as text,
    /// in the same order, with the same kind of slip.
    #[test]
    fn near_numbers_as_integers_are_the_near_numbers_as_text(t in "[1-9][0-9]{3,37}") {
        let mut as_text: Vec<(Num, bool)> = Vec::new();
        neighbours(&t, |v, fit| as_text.push((Num::of(v), matches!(fit, Fit::Swapped))));
        let mut as_numbers: Vec<(Num, bool)> = Vec::new();
        let Num::Small(n) = Num::of(&t) else { panic!("{t} fits") };
        neighbour_numbers(&t, n, |v, fit| as_numbers.push((Num::Small(v), matches!(fit, Fit::Swapped))));
        proptest::prop_assert_eq!(as_text, as_numbers);
    }
}

#[test]
fn a_number_of_more_than_38_digits_is_kept_as_text_and_still_found_one_off() {
    let long = "1".repeat(40);
    assert_eq!(Num::of(&long), Num::Long(long.clone()));
    let typo = format!("2{}", &long[1..]);
    let gate = Gate::new(vec![pay("P", "2026-03-01", "10.00", &typo)]);
    assert_eq!(gate.near(&long).len(), 1);
    assert!(gate.near(&"3".repeat(40)).is_empty());
}

proptest::proptest! {
    /// The integer keys of the number index are exactly the gate's text keys: leading zeros,
    /// groups of zeros, separators, letters, and numbers too long for an integer.
    #[test]
    fn number_keys_as_integers_are_the_text_keys(
        number in "[0-9A-Z/ -]{0,12}|[0-9]{30,45}(-[0-9]{1,6})?",
        reference in proptest::option::of("[0-9 +]{0,24}|[0-9]{36,42}"),
    ) {
        let mut ints: Vec<Num> = key_nums(&number, reference.as_deref()).collect();
        ints.sort();
        ints.dedup();
        let mut text: Vec<Num> = keys(&number, reference.as_deref())
            .iter()
            .map(|k| Num::of(k))
            .collect();
        text.sort();
        proptest::prop_assert_eq!(ints, text);
    }
}

/// Hand-picked numbers, each with the keys it must give.
#[test]
fn number_keys_of_year_and_sequence_and_reference() {
    let keys_of = |n: &str, r: Option<&str>| {
        let mut k: Vec<Num> = key_nums(n, r).collect();
        k.sort();
        k.dedup();
        k
    };
    let small = |v: i128| Num::Small(v);
    assert_eq!(
        keys_of("F2025-000232", None),
        vec![small(2025232), small(2025000232)]
    );
    assert_eq!(keys_of("000-0123", None), vec![small(123)]);
    assert_eq!(
        keys_of("12", Some("+++090/0000/12345+++")),
        vec![small(90000012345)]
    );
    assert_eq!(keys_of("A-B", None), vec![]);
}

proptest::proptest! {
    /// The filter only saves looks: the payments near a key are exactly those whose number is
    /// one digit off or two swapped, found by trying every near number.
    #[test]
    fn the_filter_never_hides_a_near_number(
        numbers in proptest::collection::vec("[1-9][0-9]{3,7}", 1..40),
        key in "[1-9][0-9]{3,7}",
        typo in 0usize..40,
    ) {
        // Some payments name a slip of the key, most something else.
        let mut texts = numbers.clone();
        let mut slips = Vec::new();
        neighbours(&key, |v, _| slips.push(v.to_string()));
        texts.push(slips[typo % slips.len()].clone());
        let payments: Vec<Unapplied> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| pay(&format!("P{i:03}"), "2026-03-01", "10.00", &format!("ref {t}")))
            .collect();
        let gate = Gate::new(payments);
        let mut expected: Vec<(u32, bool)> = Vec::new();
        neighbours(&key, |v, fit| {
            for (i, t) in texts.iter().enumerate() {
                if t == v {
                    expected.push((i as u32, matches!(fit, Fit::Swapped)));
                }
            }
        });
        expected.sort();
        let mut found: Vec<(u32, bool)> = gate
            .near(&key)
            .into_iter()
            .map(|(i, fit)| (i, matches!(fit, Fit::Swapped)))
            .collect();
        found.sort();
        proptest::prop_assert!(!found.is_empty());
        proptest::prop_assert_eq!(found, expected);
    }
}

/// Money from the debtor (its name) in another currency than its item, of an amount that is
/// none of its items (a USD invoice paid in euros, converted by the bank): it may be the item's
/// payment, so the item is held, saying so; the same money in the item's currency and of its
/// exact amount is the item's own hold, not the payer's.
#[test]
fn money_from_the_debtor_in_another_currency_holds_its_items() {
    let deb = debtor("Globex Corp.", None);
    let f = fixture("F2026-621");
    let mut usd = item(&f, "500.00", "2026-02-02");
    usd.currency = Currency::parse("USD").unwrap();
    let items = [usd];
    let refs: Vec<&OpenItem<'_>> = items.iter().collect();
    let mut euros = pay("P", "2026-05-07", "460.00", "payment");
    euros.name = Some("Globex Corp.".into());
    let held = Gate::new(vec![euros.clone()]).payer(&Payer::of(&deb), &refs, &refs);
    assert_eq!(held.len(), 1);
    assert!(
        held[0]
            .1
            .reason
            .contains("it is in EUR: it may be the payment of F2026-621, converted"),
        "{}",
        held[0].1.reason
    );
    // In dollars, of exactly the item's amount: explained by the item, not held as a part.
    let dollars = Unapplied {
        currency: Currency::parse("USD").unwrap(),
        amount: Decimal::from(500),
        ..euros.clone()
    };
    assert!(Gate::new(vec![dollars])
        .payer(&Payer::of(&deb), &refs, &refs)
        .is_empty());
    // From someone else's name: nothing says it is the debtor's.
    euros.name = Some("Initech Ltd".into());
    assert!(Gate::new(vec![euros])
        .payer(&Payer::of(&deb), &refs, &refs)
        .is_empty());
}

/// Money booked after the as-of date was matched to nothing, so its amount or payer alone says
/// as much of an invoice issued since as of one open then: only what its text names is held.
#[test]
fn money_after_the_as_of_date_holds_only_what_its_text_names() {
    let deb = debtor("Bakkerij De Zon B.V.", Some("NL91ABNA0417164300"));
    let f = fixture("F2025-005312");
    let it = item(&f, "551.21", "2025-12-01");
    let later = |amount: &str, text: &str| {
        let mut p = pay("P", "2026-03-01", amount, text);
        p.account = Some("NL91 ABNA 0417 1643 00".into());
        p.later = true;
        p
    };
    let payer = Payer::of(&deb);
    // By its amount, or as a part payment from the debtor's account: not held.
    assert!(Gate::new(vec![later("551.21", "")])
        .item(&it, None, &payer)
        .is_none());
    assert!(Gate::new(vec![later("100.00", "")])
        .payer(&payer, &[&it], &[&it])
        .is_empty());
    // Of its amount, from the account matching took for the debtor's: held.
    let mut known = later("551.21", "");
    known.debtor = Some(DebtorId::new("D1").unwrap());
    assert!(Gate::new(vec![known]).item(&it, None, &payer).is_some());
    // Naming it: held, as money not applied is.
    assert!(Gate::new(vec![later("551.21", "F2025-005312")])
        .item(&it, None, &payer)
        .is_some());
}

/// A direct-debit batch booked as one total, with no payer: the items of every debtor in a sum
/// of it are held, the others go, and a payer or a named invoice keeps a payment out of it.
#[test]
fn a_total_without_a_payer_holds_the_items_of_its_sums_across_debtors() {
    let f = fixture_of;
    let fs = [
        f("F2026-1501", "D40"),
        f("F2026-1502", "D50"),
        f("F2026-1503", "D60"),
        f("F2026-1505", "D70"),
        f("F2026-1506", "D80"),
        f("F2026-1507", "D90"),
    ];
    let open = [
        item(&fs[0], "60.50", "2026-05-02"),
        item(&fs[1], "60.50", "2026-05-02"),
        item(&fs[2], "121.00", "2026-05-02"),
        item(&fs[3], "99.95", "2026-05-02"),
        // Issued more than 30 days after the collection: not in it.
        item(&fs[4], "121.00", "2026-07-20"),
        // The rest of a part-paid invoice: only a collection may have taken it.
        OpenItem {
            total: Decimal::from_str_exact("121.00").unwrap(),
            ..item(&fs[5], "60.50", "2026-05-02")
        },
    ];
    let refs: Vec<&OpenItem<'_>> = open.iter().collect();
    let names: rustc_hash::FxHashSet<String> = ["Bakker Catering V.O.F.", "Meijer Hoveniers"]
        .iter()
        .map(|n| name_key(n))
        .collect();
    let batch = pay("B", "2026-06-05", "242.00", "SEPA Incasso batch 3 posten");
    let gate = Gate::new(vec![batch.clone()]);
    assert!(gate.has_totals());
    let held = gate.totals(&refs, &names);
    // A collection may have taken the rest of a part-paid invoice; a deposit is weighed against
    // invoices open in full only.
    assert_eq!(
        held.iter().map(|(j, _)| *j).collect::<Vec<_>>(),
        vec![0, 1, 2, 5]
    );
    let deposit = pay("S", "2026-06-05", "242.00", "Storting");
    assert_eq!(
        Gate::new(vec![deposit])
            .totals(&refs, &names)
            .iter()
            .map(|(j, _)| *j)
            .collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert!(
        held[0].1.reason.contains("no payer") && held[0].1.reason.contains("F2026-1501"),
        "{}",
        held[0].1.reason
    );
    // Named as no debtor is ("SEPA INCASSO", the creditor itself), booked with the creditor's
    // own account as counterparty, or after the as-of date: still no payer.
    let mut sepa = batch.clone();
    sepa.name = Some("SEPA INCASSO".into());
    let mut own = batch.clone();
    own.account = Some("NL30RABO0301234567".into());
    own.name = Some("Abonnementen B.V.".into());
    own.booked_to = Some("NL30 RABO 0301 2345 67".into());
    let mut later = batch.clone();
    later.later = true;
    for p in [sepa.clone(), own, later] {
        let held = Gate::new(vec![p.clone()]).totals(&refs, &names);
        assert_eq!(held.len(), 4, "{p:?}");
    }
    // A name that says collection lets rests count, as the text does.
    let mut named_so = sepa;
    named_so.text = "abonnement mei".into();
    assert_eq!(
        Gate::new(vec![named_so.clone()])
            .totals(&refs, &names)
            .len(),
        4,
        "the rest of F2026-1507 as well"
    );
    // The creditor's own name on a line from its own account says nothing of the line.
    let mut own_named = named_so;
    own_named.name = Some("Incasso Demo B.V.".into());
    own_named.account = Some("NL30RABO0301234567".into());
    own_named.booked_to = Some("NL30RABO0301234567".into());
    assert_eq!(Gate::new(vec![own_named]).totals(&refs, &names).len(), 3);
    // A debtor's name, a payer's account, or a payer matching identified: a payer.
    let mut named = batch.clone();
    named.name = Some("Bakker Catering VOF".into());
    let mut from = batch.clone();
    from.account = Some("NL44ASNB0708123456".into());
    let mut known = batch.clone();
    known.debtor = Some(DebtorId::new("D60").unwrap());
    for p in [named, from, known] {
        assert!(
            Gate::new(vec![p.clone()]).totals(&refs, &names).is_empty(),
            "{p:?}"
        );
    }
    // A deposit is weighed against invoices issued within a quarter before it; a collection,
    // against a year's (a re-collection after a failed direct debit).
    let late = pay("S", "2026-09-05", "242.00", "Storting");
    assert!(Gate::new(vec![late]).totals(&refs, &names).is_empty());
    let late = pay("B", "2026-09-05", "242.00", "SEPA Incasso batch 3 posten");
    assert_eq!(Gate::new(vec![late]).totals(&refs, &names).len(), 5);
}

/// A collection of an invoice less its debtor's credit note: the invoice is held, named with the
/// credit note; a deposit of that amount is weighed against whole invoices only.
#[test]
fn a_collection_may_net_a_credit_note() {
    let f = fixture_of;
    let fs = [
        f("F2026-2001", "D01"),
        f("F2026-2003", "D03"),
        f("C2026-0011", "D03"),
        f("F2026-2004", "D04"),
    ];
    let open = [
        item(&fs[0], "60.50", "2026-05-02"),
        item(&fs[1], "242.00", "2026-05-02"),
        OpenItem {
            kind: DocumentKind::CreditNote,
            total: Decimal::from_str_exact("-42.00").unwrap(),
            open: Decimal::from_str_exact("-42.00").unwrap(),
            ..item(&fs[2], "0", "2026-05-10")
        },
        item(&fs[3], "95.20", "2026-05-02"),
    ];
    let refs: Vec<&OpenItem<'_>> = open.iter().collect();
    let names = rustc_hash::FxHashSet::default();
    let collection = pay("B", "2026-06-05", "260.50", "SEPA Incasso batch 2 posten");
    let held = Gate::new(vec![collection]).totals(&refs, &names);
    assert_eq!(held.iter().map(|(j, _)| *j).collect::<Vec<_>>(), vec![0, 1]);
    assert!(
        held[1]
            .1
            .reason
            .contains("F2026-2003 (200.00 less credit note C2026-0011)"),
        "{}",
        held[1].1.reason
    );
    let deposit = pay("S", "2026-06-05", "260.50", "Storting");
    assert!(Gate::new(vec![deposit]).totals(&refs, &names).is_empty());
}

/// A collection that no sum of open items makes (it also took an invoice paid by transfer, or
/// came net of the bank's costs) holds every open item it could have taken; a deposit of that
/// amount holds nothing.
#[test]
fn a_collection_no_sum_makes_holds_every_item_it_could_have_taken() {
    let f = fixture_of;
    let fs = [
        f("F2026-2001", "D01"),
        f("F2026-2002", "D02"),
        f("F2026-2004", "D04"),
        f("F2026-2007", "D07"),
    ];
    let open = [
        item(&fs[0], "60.50", "2026-05-02"),
        item(&fs[1], "121.00", "2026-05-02"),
        item(&fs[2], "95.20", "2026-05-02"),
        // More than the whole collection: not in it.
        item(&fs[3], "847.00", "2026-04-04"),
    ];
    let refs: Vec<&OpenItem<'_>> = open.iter().collect();
    let names = rustc_hash::FxHashSet::default();
    // 60.50 + 121.00 + 242.00 of an invoice paid by transfer before.
    let collection = pay("B", "2026-06-05", "423.50", "SEPA Incasso batch 3 posten");
    let held = Gate::new(vec![collection]).totals(&refs, &names);
    assert_eq!(
        held.iter().map(|(j, _)| *j).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert!(
        held[1]
            .1
            .reason
            .contains("no sum of open items makes its amount")
            && held[1].1.reason.contains("F2026-2002 (121.00)"),
        "{}",
        held[1].1.reason
    );
    let deposit = pay("S", "2026-06-05", "423.50", "Storting");
    assert!(Gate::new(vec![deposit]).totals(&refs, &names).is_empty());
    // One debit net of 0.35 of the bank's costs: the invoice above it may be the one taken.
    let net = pay("B", "2026-06-05", "120.65", "SEPA Incasso batch 1 post");
    let held = Gate::new(vec![net]).totals(&refs, &names);
    assert_eq!(
        held.iter().map(|(j, _)| *j).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
}

/// Review 43a, F-4: a payment in review proposing an item holds it, whatever its text, payer or
/// amount say (a part payment from a name like the debtor's, with no text); a person kept
/// from that item by `unallocate` does not.
#[test]
fn a_match_in_review_holds_the_item_it_proposes() {
    let f = fixture("F2026-0306");
    let other = fixture("F2026-0311");
    let deb = debtor("Franssen Groen B.V.", None);
    let part = Unapplied {
        name: Some("Franssen Beheer".into()),
        proposed: vec![("F2026-0306".into(), 55)],
        ..pay("P1", "2026-04-10", "304.00", "")
    };
    let gate = Gate::new(vec![part.clone()]);
    let held = gate
        .item(&item(&f, "760.00", "2026-03-02"), None, &Payer::of(&deb))
        .expect("held");
    assert!(
        held.reason
            .contains("a match in review proposes it (confidence 55)"),
        "{}",
        held.reason
    );
    assert!(gate
        .item(
            &item(&other, "1760.00", "2026-03-02"),
            None,
            &Payer::of(&deb)
        )
        .is_none());
    let kept_from = Unapplied {
        not_for: vec!["F2026-0306".into()],
        ..part
    };
    assert!(Gate::new(vec![kept_from])
        .item(&item(&f, "760.00", "2026-03-02"), None, &Payer::of(&deb))
        .is_none());
}

/// Review 43a, F-1: `factuur 13` (or `nr. 0013`, `F13`) from a payer the ledger does not know
/// holds F2026-0013 of any debtor; a one- or two-digit number without an invoice word before
/// it (a house number, a date, an amount) holds nothing.
#[test]
fn a_short_sequence_after_an_invoice_word_holds_its_invoice() {
    assert_eq!(marked_short_runs("factuur 13"), [13]);
    assert_eq!(marked_short_runs("Factuur nr. 0013 J. Jansen"), [13]);
    assert_eq!(marked_short_runs("F13 en fact:7"), [7, 13]);
    assert_eq!(
        marked_short_runs("huisnummer 13, 13-05-2026, nr 13,50, 2 facturen"),
        Vec::<u8>::new()
    );
    // Review 43b, F-1: lists after a word, and more words.
    assert_eq!(marked_short_runs("facturen 13 en 14"), [13, 14]);
    assert_eq!(marked_short_runs("factuur 12, 13"), [12, 13]);
    assert_eq!(marked_short_runs("fact 13+14"), [13, 14]);
    assert_eq!(marked_short_runs("Rechnungsnr. 13"), [13]);
    assert_eq!(marked_short_runs("facture n° 13"), [13]);
    assert_eq!(marked_short_runs("nota 13 en #7"), [7, 13]);
    assert_eq!(marked_short_runs("factuur 13 en 2 dozen"), [2, 13]);
    assert_eq!(marked_short_runs("13 en 14"), Vec::<u8>::new());
    assert_eq!(short_sequence("F2026-0013"), Some(13));
    assert_eq!(short_sequence("F2026-0113"), None);
    assert_eq!(short_sequence("13"), None);
    let f = fixture_of("F2026-0013", "D401");
    let other = fixture_of("F2026-0014", "D401");
    let deb = debtor("Jansen Bouw B.V.", None);
    for text in ["factuur 13", "fact. nr. 0013", "F13"] {
        let p = Unapplied {
            name: Some("J. Jansen".into()),
            ..pay("P1", "2026-04-10", "134.88", text)
        };
        let gate = Gate::new(vec![p]);
        let held = gate
            .item(&item(&f, "337.21", "2026-03-02"), None, &Payer::of(&deb))
            .unwrap_or_else(|| panic!("{text}: held"));
        assert!(
            held.reason
                .contains("names invoice 13 after an invoice word"),
            "{}",
            held.reason
        );
        assert!(gate
            .item(
                &item(&other, "337.21", "2026-03-02"),
                None,
                &Payer::of(&deb)
            )
            .is_none());
    }
    let house = Gate::new(vec![pay("P2", "2026-04-10", "134.88", "Dorpsstraat 13")]);
    assert!(house
        .item(&item(&f, "337.21", "2026-03-02"), None, &Payer::of(&deb))
        .is_none());
}
