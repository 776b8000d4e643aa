//! Letters for NL and BE consumers and businesses in both languages: the dates and rules of the
//! legal review as assertions, and the whole text as reviewed snapshots (`snapshots/`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{html, text, Lang, LetterInput, LetterItem, LetterKind};
use crate::collection::policy::{CreditorDetails, Policy};
use crate::collection::{letter_term, Channel};
use crate::law::claim::{rate_kind, B2bMinimum};
use crate::law::costs::{collection_costs, CostsTerms};
use crate::law::{DebtorType, Jurisdiction};
use crate::money::Currency;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn creditor(j: Jurisdiction) -> CreditorDetails {
    match j {
        Jurisdiction::Nl => CreditorDetails {
            name: Some("Bakkerij De Zon B.V.".into()),
            iban: Some("NL91ABNA0417164300".into()),
            address: Some("Dorpsstraat 1, 1234 AB Zonnedorp".into()),
            kvk: Some("12345678".into()),
            enterprise_number: None,
            vat_number: Some("NL123456708B01".into()),
            email: Some("debiteuren@dezon.nl".into()),
        },
        Jurisdiction::Be => CreditorDetails {
            name: Some("Brouwerij Het Anker BV".into()),
            iban: Some("BE68539007547034".into()),
            address: Some("Guido Gezellelaan 49, 2800 Mechelen".into()),
            kvk: None,
            enterprise_number: Some("0404.123.477".into()),
            vat_number: Some("BE0404123477".into()),
            email: Some("boekhouding@hetanker.be".into()),
        },
    }
}

/// A letter on `date` to a debtor of `debtor` type under `j`, for the given invoices.
fn letter(
    j: Jurisdiction,
    debtor: DebtorType,
    lang: Lang,
    date: &str,
    channel: Channel,
    clause: bool,
    items: &[(&str, &str, &str, &str, Option<&str>)],
) -> LetterInput {
    let items: Vec<LetterItem> = items
        .iter()
        .map(|(n, issue, due, open, what)| LetterItem {
            number: n.to_string(),
            issue_date: d(issue),
            due_date: d(due),
            due_assumed: false,
            in_default_from: None,
            description: what.map(str::to_string),
            open: dec(open),
        })
        .collect();
    let total: Decimal = items.iter().map(|i| i.open).sum();
    let policy = Policy::default();
    let terms = CostsTerms {
        jurisdiction: j,
        debtor_type: debtor,
        late_invoices: items.len() as u32,
        creditor_vat_deductible: true,
        b2b_minimum: B2bMinimum::PerInvoice,
        agreed_costs_pct: policy.b2b_agreed_costs_pct,
        damages_clause: clause,
    };
    LetterInput {
        kind: LetterKind::FourteenDayLetter,
        lang,
        jurisdiction: j,
        debtor_type: debtor,
        creditor: creditor(j),
        debtor_name: match debtor {
            DebtorType::Consumer => "J. Jansen".into(),
            DebtorType::Business => "Installatiebedrijf Warm V.O.F.".into(),
        },
        debtor_lines: match j {
            Jurisdiction::Nl => vec!["Kerkstraat 12".into(), "1000 AB Ergens".into()],
            Jurisdiction::Be => vec!["Kerkstraat 12".into(), "2000 Antwerpen".into()],
        },
        date: d(date),
        term: letter_term(j, d(date), channel, None),
        currency: Currency::EUR,
        items,
        total,
        costs_base: total,
        costs: collection_costs(total, &terms).unwrap(),
        interest_rate: rate_kind(j, debtor, clause).table().known_rate_on(d(date)),
        b2b_minimum: B2bMinimum::PerInvoice,
        damages_clause: clause,
        agreed_interest_pct: None,
        reminded_before: false,
    }
}

const ONE: &[(&str, &str, &str, &str, Option<&str>)] =
    &[("F2026-010", "2026-03-01", "2026-03-31", "1210.00", None)];
const THREE_SMALL: &[(&str, &str, &str, &str, Option<&str>)] = &[
    ("F2026-011", "2026-02-01", "2026-03-03", "60.50", None),
    ("F2026-012", "2026-03-01", "2026-03-31", "72.60", None),
    ("F2026-013", "2026-04-01", "2026-05-01", "48.40", None),
];
const DESCRIBED: &[(&str, &str, &str, &str, Option<&str>)] = &[(
    "2026/0412",
    "2026-04-01",
    "2026-05-01",
    "1000.00",
    Some("Onderhoud verwarmingsketel april"),
)];

#[test]
fn nl_consumer_letter_counts_ascension_day_and_christmas() {
    // Tue 12 May 2026: 14 May is Ascension Day, received Fri 15 May, pay by Fri 29 May.
    let l = letter(
        Jurisdiction::Nl,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-05-12",
        Channel::Post,
        false,
        ONE,
    );
    let t = text(&l);
    assert!(
        t.contains("binnen 14 dagen vanaf de dag nadat deze brief bij u is bezorgd. Wordt deze brief op 15 mei 2026 bij u bezorgd, dan is uw laatste betaaldag 29 mei 2026"),
        "{t}"
    );
    assert!(
        t.contains("Besluit vergoeding voor buitengerechtelijke incassokosten"),
        "{t}"
    );
    assert!(
        t.contains("Betaalt u niet binnen deze termijn") && t.contains("€ 181,50"),
        "{t}"
    );
    assert!(!t.contains("btw"), "the creditor deducts VAT: {t}");
    assert!(
        t.contains("is de volgende factuur nog niet"),
        "one invoice: {t}"
    );
    assert!(
        t.contains("vanaf de dag na de vervaldatum de wettelijke rente"),
        "{t}"
    );
    assert!(
        t.contains("artikel 6:119 van het Burgerlijk Wetboek, op dit moment 4% per jaar"),
        "{t}"
    );
    insta::assert_snapshot!("nl_consumer_nl", t);
    let en = letter(
        Jurisdiction::Nl,
        DebtorType::Consumer,
        Lang::En,
        "2026-05-12",
        Channel::Post,
        false,
        ONE,
    );
    insta::assert_snapshot!("nl_consumer_en", text(&en));

    // Thu 24 December 2026: received Wed 30 December, pay by Wed 13 January 2027.
    let xmas = letter(
        Jurisdiction::Nl,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-12-24",
        Channel::Post,
        false,
        ONE,
    );
    assert!(
        text(&xmas).contains(
            "op 30 december 2026 bij u bezorgd, dan is uw laatste betaaldag 13 januari 2027"
        ),
        "{}",
        text(&xmas)
    );
    // No rate is known for that date: the letter names the article, not a guessed rate.
    assert!(!text(&xmas).contains("op dit moment"), "{}", text(&xmas));
}

#[test]
fn nl_letter_says_when_the_term_runs_past_a_weekend() {
    // Thu 19 November 2026: received Sat 21 November; the 14th day is Sat 5 December.
    let l = letter(
        Jurisdiction::Nl,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-11-19",
        Channel::Post,
        false,
        ONE,
    );
    let t = text(&l);
    assert!(t.contains("uw laatste betaaldag 7 december 2026"), "{t}");
    assert!(t.contains("Algemene termijnenwet"), "{t}");
}

#[test]
fn nl_business_letter_names_the_b2b_rule_and_commercial_interest() {
    let l = letter(
        Jurisdiction::Nl,
        DebtorType::Business,
        Lang::Nl,
        "2026-06-03",
        Channel::Post,
        false,
        THREE_SMALL,
    );
    let t = text(&l);
    assert!(t.contains("€ 120,00"), "3 x EUR 40: {t}");
    assert!(t.contains("6:96 lid 4") && t.contains("C-585/20"), "{t}");
    assert!(
        !t.contains("Besluit"),
        "the staffel is not what the claim applies: {t}"
    );
    assert!(t.contains("wettelijke handelsrente (artikel 6:119a van het Burgerlijk Wetboek, op dit moment 10,15% per jaar)"), "{t}");
    assert!(!t.contains("wettelijke rente "), "{t}");
    assert!(!t.contains("veertiendagenbrief"), "{t}");
    insta::assert_snapshot!("nl_business_nl", t);
    let en = letter(
        Jurisdiction::Nl,
        DebtorType::Business,
        Lang::En,
        "2026-06-03",
        Channel::Post,
        false,
        THREE_SMALL,
    );
    let t = text(&en);
    assert!(
        t.contains("€120.00") && t.contains("6:119a") && !t.contains("Decree"),
        "{t}"
    );
    insta::assert_snapshot!("nl_business_en", t);
    // Above the floor the staffel wins, and the letter says so.
    let big = letter(
        Jurisdiction::Nl,
        DebtorType::Business,
        Lang::Nl,
        "2026-06-03",
        Channel::Post,
        false,
        ONE,
    );
    let t = text(&big);
    assert!(
        t.contains("staffel van het Besluit") && t.contains("€ 181,50"),
        "{t}"
    );
}

#[test]
fn be_consumer_letter_counts_from_the_third_working_day() {
    // Wed 3 June 2026 by post: the term starts Mon 8 June and its 14th day is Sun 21 June, so
    // the debtor may pay on Mon 22 June (art. 1.7 BW); damages and interest from 23 June.
    let l = letter(
        Jurisdiction::Be,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-06-03",
        Channel::Post,
        true,
        DESCRIBED,
    );
    let t = text(&l);
    assert!(
        t.contains("begint op 8 juni 2026") && t.contains("eindigt op 21 juni 2026"),
        "{t}"
    );
    assert!(
        t.contains("loopt de termijn door tot en met 22 juni 2026")
            && t.contains("vanaf 23 juni 2026"),
        "{t}"
    );
    assert!(!t.contains("19 juni"), "{t}");
    for dutch in [
        "Besluit",
        "KvK",
        "Burgerlijk Wetboek",
        "vervaldatum van elke factuur",
    ] {
        assert!(!t.contains(dutch), "{dutch} in a Belgian letter: {t}");
    }
    assert!(t.contains("Ondernemingsnummer 0404.123.477"), "{t}");
    assert!(
        t.contains("Onderhoud verwarmingsketel april"),
        "what was bought: {t}"
    );
    // 1,000.00 with a clause: 65 + 5% of 500 = 90.00; interest at the B2B rate.
    assert!(
        t.contains("schadevergoeding van € 90,00") && t.contains("op dit moment 10,5% per jaar"),
        "{t}"
    );
    let mut agreed = l.clone();
    agreed.agreed_interest_pct = Some(Decimal::from(8));
    assert!(text(&agreed).contains("de in uw overeenkomst bepaalde rentevoet van 8% per jaar"));
    // A clause agreeing more than the Act of 2 August 2002 allows comes to that Act's rate: the
    // letter announces no more (found by a review in session 34: "rentevoet van 12%").
    agreed.agreed_interest_pct = Some(Decimal::from(12));
    let capped = text(&agreed);
    assert!(
        capped.contains("van de wet van 2 augustus 2002")
            && capped.contains("op dit moment 10,5% per jaar")
            && !capped.contains("12%"),
        "{capped}"
    );
    insta::assert_snapshot!("be_consumer_clause_nl", t);
    let en = letter(
        Jurisdiction::Be,
        DebtorType::Consumer,
        Lang::En,
        "2026-06-03",
        Channel::Post,
        true,
        DESCRIBED,
    );
    let t = text(&en);
    assert!(
        !t.contains("Dutch") && t.contains("Enterprise number 0404.123.477"),
        "{t}"
    );
    insta::assert_snapshot!("be_consumer_clause_en", t);
}

#[test]
fn be_consumer_letter_without_clause_names_legal_interest() {
    let l = letter(
        Jurisdiction::Be,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-06-03",
        Channel::Email,
        false,
        DESCRIBED,
    );
    let t = text(&l);
    assert!(
        t.contains("geen schadebeding") && t.contains("wettelijke interest tegen 4,5% per jaar"),
        "{t}"
    );
    assert!(
        t.contains("begint op 4 juni 2026, de dag na de verzending van deze e-mail")
            && t.contains("eindigt op 17 juni 2026"),
        "{t}"
    );
    assert!(
        !t.contains("loopt de termijn door"),
        "Wednesday 17 June is a working day: {t}"
    );
    insta::assert_snapshot!("be_consumer_no_clause_nl", t);
    let en = letter(
        Jurisdiction::Be,
        DebtorType::Consumer,
        Lang::En,
        "2026-06-03",
        Channel::Email,
        false,
        DESCRIBED,
    );
    insta::assert_snapshot!("be_consumer_no_clause_en", text(&en));
}

#[test]
fn be_business_letter_names_the_2002_act() {
    let l = letter(
        Jurisdiction::Be,
        DebtorType::Business,
        Lang::Nl,
        "2026-06-03",
        Channel::Post,
        false,
        THREE_SMALL,
    );
    let t = text(&l);
    assert!(
        t.contains("wet van 2 augustus 2002") && t.contains("€ 120,00"),
        "{t}"
    );
    assert!(!t.contains("Besluit") && !t.contains("KvK"), "{t}");
    insta::assert_snapshot!("be_business_nl", t);
    let en = letter(
        Jurisdiction::Be,
        DebtorType::Business,
        Lang::En,
        "2026-06-03",
        Channel::Post,
        false,
        THREE_SMALL,
    );
    insta::assert_snapshot!("be_business_en", text(&en));
}

#[test]
fn html_is_one_escaped_page() {
    let mut l = letter(
        Jurisdiction::Be,
        DebtorType::Consumer,
        Lang::En,
        "2026-06-03",
        Channel::Post,
        true,
        DESCRIBED,
    );
    l.debtor_name = "<script>x</script> & Co".into();
    let h = html(&l);
    assert!(
        h.starts_with("<!DOCTYPE html>") && h.contains("&lt;script&gt;x&lt;/script&gt; &amp; Co")
    );
    assert!(!h.contains("<script>") && !h.contains("http"), "{h}");
    assert!(h.contains("<th>Description</th>"), "{h}");
}

#[test]
fn notices_of_default_are_listed_as_a_sentence_lists_them() {
    // Review 47c, F-1: "Voor de facturen N8, M8, L8".
    let mut l = letter(
        Jurisdiction::Nl,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-05-12",
        Channel::Post,
        false,
        THREE_SMALL,
    );
    for it in &mut l.items {
        it.due_assumed = true;
    }
    l.costs_base = Decimal::ZERO;
    let n: Vec<String> = l.items.iter().map(|i| i.number.clone()).collect();
    let t = text(&l);
    assert!(
        t.contains(&format!(
            "Voor de facturen {}, {} en {} is geen betalingstermijn afgesproken",
            n[0], n[1], n[2]
        )),
        "{t}"
    );
    l.lang = Lang::En;
    assert_eq!(l.listed(&["A", "B"]), "A and B");
    assert_eq!(l.listed(&["A"]), "A");
}

#[test]
fn nl_consumer_letter_without_an_agreed_term_is_the_notice_of_default() {
    // Tue 12 May 2026: received Fri 15 May, pay by Fri 29 May.
    let mut l = letter(
        Jurisdiction::Nl,
        DebtorType::Consumer,
        Lang::Nl,
        "2026-05-12",
        Channel::Post,
        false,
        ONE,
    );
    let number = l.items[0].number.clone();
    l.items[0].due_assumed = true;
    l.costs_base = Decimal::ZERO;
    let t = text(&l);
    assert!(
        t.contains(&format!("Voor factuur {number} is geen betalingstermijn afgesproken: met deze brief stellen wij u daarvoor in gebreke (artikel 6:82")),
        "{t}"
    );
    assert!(
        !t.contains("incassokosten verschuldigd van"),
        "no costs on a notice: {t}"
    );
    assert!(
        t.contains(&format!(
            "per jaar): voor {number} vanaf de dag na het einde van deze termijn."
        )),
        "{t}"
    );
    l.lang = Lang::En;
    let t = text(&l);
    assert!(
        t.contains(&format!("No payment term was agreed for invoice {number}: with this letter we give you notice of default")),
        "{t}"
    );

    // A later letter, the debtor in default since an earlier one's term: the costs, and interest
    // from that day.
    l.lang = Lang::Nl;
    l.items[0].in_default_from = Some(d("2026-04-18"));
    l.costs_base = l.total;
    let t = text(&l);
    assert!(t.contains("incassokosten verschuldigd van"), "{t}");
    assert!(!t.contains("in gebreke"), "{t}");
    assert!(
        t.contains(&format!(
            "voor {number} vanaf 18 april 2026, de dag dat u in verzuim kwam."
        )),
        "{t}"
    );
}

/// A business's statutory 30 days end on a working day: the letter shows that day, as the
/// claim counts from it (art. 6:119a lid 2 BW with the Algemene termijnenwet; art. 4 Wet 2
/// augustus 2002 with art. 1.7 BW).
#[test]
fn a_business_without_an_agreed_term_is_shown_the_statutory_term_moved_past_the_weekend() {
    let mut l = letter(
        Jurisdiction::Nl,
        DebtorType::Business,
        Lang::Nl,
        "2026-06-03",
        Channel::Post,
        false,
        &[("F2026-030", "2026-01-15", "2026-02-14", "605.00", None)],
    );
    l.items[0].due_assumed = true;
    assert!(
        text(&l).contains("F2026-030        15-01-2026 16-02-2026"),
        "{}",
        text(&l)
    );
    // Sunday 21 June 2026 in Belgium: Monday 22 June.
    assert_eq!(
        crate::collection::statutory_term_end(d("2026-06-21"), Jurisdiction::Be),
        d("2026-06-22")
    );
    assert_eq!(
        crate::collection::statutory_term_end(d("2026-06-19"), Jurisdiction::Be),
        d("2026-06-19")
    );
}
