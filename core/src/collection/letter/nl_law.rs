//! Letters under Dutch law: the 14-day letter to consumers (art. 6:96 lid 6 BW, with the WIK
//! costs of the Besluit and statutory interest, art. 6:119 BW) and the reminder to businesses
//! (costs due from default under art. 6:96 lid 4 BW and CJEU C-585/20, commercial interest,
//! art. 6:119a BW).
//!
//! Decided here: a B2B letter says the costs and interest are owed since the day after the due
//! date (as the claim computes them) and that they are not charged if the debtor pays within the
//! term; interest is said to run "from the day after the due date", never "from the due date".

use super::{Lang, LetterInput, LetterKind, Wording};
use crate::law::DebtorType;

/// The words of a letter under Dutch law.
pub fn wording(l: &LetterInput) -> Wording {
    let nl = l.lang == Lang::Nl;
    // A letter to a consumer that only gives notice of default (no term agreed, no letter yet).
    let notice_only = l.debtor_type == DebtorType::Consumer && l.notices().len() == l.items.len();
    let title = match (l.kind, l.debtor_type, nl) {
        _ if notice_only && nl => "Ingebrekestelling",
        _ if notice_only => "Notice of default",
        (LetterKind::PreIncasso, _, true) => "Laatste waarschuwing voor uit handen geven",
        (LetterKind::PreIncasso, _, false) => "Final notice before collection",
        (_, DebtorType::Consumer, true) => "Laatste herinnering (veertiendagenbrief)",
        (_, DebtorType::Consumer, false) => "Final reminder (14-day letter)",
        (_, DebtorType::Business, true) => "Laatste herinnering",
        (_, DebtorType::Business, false) => "Final reminder",
    };
    let mut paragraphs = vec![term(l)];
    paragraphs.extend(match l.debtor_type {
        DebtorType::Consumer => consumer(l),
        DebtorType::Business => business(l),
    });
    paragraphs.extend(older_than_besluit(l));
    paragraphs.push(if nl {
        "Heeft u inmiddels betaald, dan kunt u deze brief als niet verzonden beschouwen. Heeft u vragen of kunt u niet in één keer betalen, neem dan contact met ons op: een betalingsregeling is bespreekbaar.".into()
    } else {
        "If you have paid in the meantime, please disregard this letter. If you have questions or cannot pay at once, please contact us: a payment plan can be discussed.".into()
    });
    Wording::new(l, title, paragraphs, "Met vriendelijke groet,")
}

/// Which invoices the costs stated leave out, and why: those in default before the Besluit took
/// effect bear none (art. 3), and the debtor can check the amount only knowing it (review 47a,
/// F-4: "over € 1.500,00" of a listed 2.500,00).
fn older_than_besluit(l: &LetterInput) -> Option<String> {
    // An invoice this letter gives notice of default for is in default only after its term
    // (review 47b, F-1: it was named as in default since 2012).
    let notices = match l.debtor_type {
        DebtorType::Consumer => l.notices(),
        DebtorType::Business => Vec::new(),
    };
    let older: Vec<&str> = l
        .items
        .iter()
        .filter(|it| !notices.iter().any(|n| std::ptr::eq(*n, *it)))
        .filter(|it| crate::law::nl::default_before_besluit(l.jurisdiction, it.defaulted()))
        .map(|it| it.number.as_str())
        .collect();
    if older.is_empty() || l.costs_incl().is_zero() {
        return None;
    }
    let (one, numbers) = (older.len() == 1, l.listed(&older));
    Some(match l.lang {
        Lang::Nl => format!(
            "Over {} {numbers}, in verzuim sinds vóór 1 juli 2012, zijn geen incassokosten verschuldigd (artikel 3 van het Besluit vergoeding voor buitengerechtelijke incassokosten): {} daarom niet mee in het bedrag hierboven.",
            if one { "factuur" } else { "de facturen" },
            if one { "die telt" } else { "die tellen" },
        ),
        Lang::En => format!(
            "No collection costs are owed on {} {numbers}, in default since before 1 July 2012 (article 3 of the Dutch Decree on compensation for extrajudicial collection costs): {} therefore not counted in the amount above.",
            if one { "invoice" } else { "invoices" },
            if one { "it is" } else { "they are" },
        ),
    })
}

/// The term: 14 days from the day after delivery, tied to delivery (not to a fixed date, which a
/// later delivery would make too short: HR 25-11-2016, Fa-Med), with the last day for the
/// presumed delivery.
fn term(l: &LetterInput) -> String {
    let t = &l.term;
    let received = t.received.unwrap_or(t.sent);
    let extended = t.last_day > t.nominal_last_day;
    let total = l.money(l.total);
    let pay_to = l.pay_to();
    match l.lang {
        Lang::Nl => {
            let mut s = format!(
                "Wij verzoeken u het openstaande bedrag van {total}{pay_to} te betalen binnen 14 dagen vanaf de dag nadat deze brief bij u is bezorgd. Wordt deze brief op {} bij u bezorgd, dan is uw laatste betaaldag {}; wordt hij later bezorgd, dan heeft u tot en met de veertiende dag na de dag van bezorging.",
                l.day(received),
                l.day(t.last_day)
            );
            if extended {
                s.push_str(" Valt de veertiende dag op een zaterdag, zondag of feestdag, dan loopt de termijn door tot en met de eerstvolgende werkdag (Algemene termijnenwet).");
            }
            s
        }
        Lang::En => {
            let mut s = format!(
                "We ask you to pay the outstanding amount of {total}{pay_to} within 14 days from the day after this letter is delivered to you. If it is delivered on {}, your last day to pay is {}; if it is delivered later, you have until the fourteenth day after the day of delivery.",
                l.day(received),
                l.day(t.last_day)
            );
            if extended {
                s.push_str(" If the fourteenth day falls on a Saturday, Sunday or public holiday, the term runs on to the next working day (Dutch General Time Limits Act).");
            }
            s
        }
    }
}

/// VAT note the Besluit requires when VAT is added (art. 2 lid 3).
fn vat(l: &LetterInput) -> String {
    if l.costs.vat.is_zero() {
        return String::new();
    }
    match l.lang {
        Lang::Nl => format!(
            " (inclusief {} btw, omdat wij de btw niet kunnen verrekenen)",
            l.money(l.costs.vat)
        ),
        Lang::En => format!(
            " (including {} VAT, which we cannot deduct)",
            l.money(l.costs.vat)
        ),
    }
}

/// The rate on the letter's date, as ", op dit moment 6% per jaar", when known.
fn rate_now(l: &LetterInput) -> String {
    match (l.interest_rate, l.lang) {
        (Some(r), Lang::Nl) => format!(", op dit moment {} per jaar", l.pct(r)),
        (Some(r), Lang::En) => format!(", currently {} a year", l.pct(r)),
        (None, _) => String::new(),
    }
}

/// Consumers: the WIK costs after the term, and statutory interest (art. 6:119 BW) from the day
/// after the due date where a payment term was agreed. An invoice without one puts the debtor in
/// default only once a 14-day letter's term has passed (art. 6:82 BW): this letter, when no
/// earlier one did, and then its costs wait for a later letter (art. 6:96 lid 6 BW).
fn consumer(l: &LetterInput) -> Vec<String> {
    let (vat, rate) = (vat(l), rate_now(l));
    let notices = l.notices();
    let numbers = l.listed(
        &notices
            .iter()
            .map(|i| i.number.as_str())
            .collect::<Vec<_>>(),
    );
    let nl = l.lang == Lang::Nl;
    let mut out = Vec::new();
    if l.costs_base > rust_decimal::Decimal::ZERO {
        let costs = l.money(l.costs_incl());
        let base = l.money(l.costs_base);
        out.push(if nl {
            format!("Betaalt u niet binnen deze termijn, dan bent u buitengerechtelijke incassokosten verschuldigd van {costs}{vat}. Dat bedrag volgt uit het Besluit vergoeding voor buitengerechtelijke incassokosten (artikel 6:96 van het Burgerlijk Wetboek), berekend over het openstaande bedrag van {base}; betaalt u binnen de termijn een deel, dan berekenen wij de incassokosten alleen over wat dan nog openstaat. Wij kunnen de vordering dan uit handen geven aan een incassobureau.")
        } else {
            format!("If you do not pay within this term, you will owe extrajudicial collection costs of {costs}{vat}. This amount follows from the Dutch Decree on compensation for extrajudicial collection costs (article 6:96 of the Dutch Civil Code), computed over the outstanding amount of {base}; if you pay part of it within the term, we compute the costs only over what is then still open. We may then hand the claim to a collection agency.")
        });
    }
    if !notices.is_empty() {
        let one = notices.len() == 1;
        out.push(if nl {
            format!(
                "Voor {} {numbers} is geen betalingstermijn afgesproken: met deze brief stellen wij u daarvoor in gebreke (artikel 6:82 van het Burgerlijk Wetboek). Betaalt u die niet binnen deze termijn, dan bent u vanaf de dag daarna in verzuim. Incassokosten daarover kunnen pas verschuldigd worden na een volgende brief die u opnieuw 14 dagen geeft.",
                if one { "factuur" } else { "de facturen" },
            )
        } else {
            format!(
                "No payment term was agreed for {} {numbers}: with this letter we give you notice of default for {} (article 6:82 of the Dutch Civil Code). If you do not pay {} within this term, you are in default from the day after it. Collection costs on {} can only become due after a further letter that again gives you 14 days.",
                if one { "invoice" } else { "invoices" },
                if one { "it" } else { "them" },
                if one { "it" } else { "them" },
                if one { "it" } else { "them" },
            )
        });
    }
    // From when interest runs: the day after the due date (agreed), the day an earlier letter's
    // term ended (no term), or the day after this letter's term (no term, no earlier letter).
    if l.items.iter().all(|i| !i.due_assumed) {
        out.push(if nl {
            format!("Over het openstaande bedrag van elke factuur bent u vanaf de dag na de vervaldatum de wettelijke rente verschuldigd (artikel 6:119 van het Burgerlijk Wetboek{rate}).")
        } else {
            format!("On the amount still open of each invoice you owe statutory interest from the day after its due date (article 6:119 of the Dutch Civil Code{rate}).")
        });
        return out;
    }
    let mut parts: Vec<String> = Vec::new();
    if l.items.iter().any(|i| !i.due_assumed) {
        parts.push(if nl {
            "voor een factuur met een betalingstermijn vanaf de dag na de vervaldatum".into()
        } else {
            "for an invoice with a payment term from the day after its due date".into()
        });
    }
    for i in &l.items {
        if let Some(d) = i.in_default_from {
            parts.push(if nl {
                format!(
                    "voor {} vanaf {}, de dag dat u in verzuim kwam",
                    i.number,
                    l.day(d)
                )
            } else {
                format!(
                    "for {} from {}, the day you were in default",
                    i.number,
                    l.day(d)
                )
            });
        }
    }
    if !notices.is_empty() {
        parts.push(if nl {
            format!("voor {numbers} vanaf de dag na het einde van deze termijn")
        } else {
            format!("for {numbers} from the day after this term ends")
        });
    }
    let from = parts.join("; ");
    out.push(if nl {
        format!("Over het openstaande bedrag bent u de wettelijke rente verschuldigd (artikel 6:119 van het Burgerlijk Wetboek{rate}): {from}.")
    } else {
        format!("On the amount still open you owe statutory interest (article 6:119 of the Dutch Civil Code{rate}): {from}.")
    });
    out
}

/// Businesses: compensation owed since default (art. 6:96 lid 4 BW), commercial interest.
fn business(l: &LetterInput) -> Vec<String> {
    // No compensation is owed (a default before the Besluit took effect): the letter names none
    // and threatens none (review 46c, F-4: "at least € 40 … that is € 0,00").
    if l.costs_incl().is_zero() {
        let rate = rate_now(l);
        return match l.lang {
            Lang::Nl => vec![
                format!("Over het openstaande bedrag van elke factuur loopt vanaf de dag na de vervaldatum de wettelijke handelsrente (artikel 6:119a van het Burgerlijk Wetboek{rate}); na elk jaar wordt de rente bij de hoofdsom opgeteld."),
                "Betaalt u binnen deze termijn, dan brengen wij de rente niet in rekening. Betaalt u niet, dan geven wij de vordering uit handen aan een incassobureau en brengen wij de rente in rekening.".to_string(),
            ],
            Lang::En => vec![
                format!("Statutory commercial interest runs on the amount still open of each invoice from the day after its due date (article 6:119a of the Dutch Civil Code{rate}); after each year the interest is added to the principal."),
                "If you pay within this term, we will not charge the interest. If you do not, we will hand the claim to a collection agency and charge it.".to_string(),
            ],
        };
    }
    let costs = l.money(l.costs_incl());
    let (vat, rate, n) = (vat(l), rate_now(l), l.invoices());
    let agreed_pct = l
        .costs
        .costs
        .trace
        .first()
        .and_then(|t| t.rate.clone())
        .unwrap_or_default();
    let per_invoice = l.b2b_minimum == crate::law::claim::B2bMinimum::PerInvoice;
    let (minimum_nl, minimum_en) = if per_invoice {
        (
            "ten minste € 40 per te laat betaalde factuur",
            "at least €40 for each invoice paid late",
        )
    } else {
        ("ten minste € 40", "at least €40")
    };
    match l.lang {
        Lang::Nl => {
            let rule = if l.per_invoice_minimum() {
                format!("ten minste € 40 per te laat betaalde factuur (artikel 6:96 lid 4 van het Burgerlijk Wetboek; Hof van Justitie EU 20 oktober 2022, zaak C-585/20). Voor {n} is dat {costs}{vat}")
            } else if l.agreed_costs() {
                format!("zoals in onze voorwaarden overeengekomen {} van de hoofdsom, {minimum_nl} (artikel 6:96 lid 4 van het Burgerlijk Wetboek). Voor {n} is dat {costs}{vat}", agreed_pct.replace('.', ","))
            } else {
                format!("berekend volgens de staffel van het Besluit vergoeding voor buitengerechtelijke incassokosten, {minimum_nl} (artikel 6:96 lid 4 van het Burgerlijk Wetboek). Voor {n} is dat {costs}{vat}")
            };
            vec![
                format!("Als zakelijke afnemer bent u sinds de dag na de vervaldatum van elke factuur, zonder dat daarvoor een aanmaning nodig is, een vergoeding voor incassokosten verschuldigd: {rule}."),
                format!("Daarnaast loopt over het openstaande bedrag van elke factuur vanaf de dag na de vervaldatum de wettelijke handelsrente (artikel 6:119a van het Burgerlijk Wetboek{rate}); na elk jaar wordt de rente bij de hoofdsom opgeteld."),
                // Within the term as the letter counts it, from delivery: not by the day a
                // presumed delivery gives (review 46b, F-4).
                "Betaalt u binnen deze termijn, dan brengen wij deze vergoeding en de rente niet in rekening. Betaalt u niet, dan geven wij de vordering uit handen aan een incassobureau en brengen wij beide in rekening.".to_string(),
            ]
        }
        Lang::En => {
            let rule = if l.per_invoice_minimum() {
                format!("at least €40 for each invoice paid late (article 6:96(4) of the Dutch Civil Code; Court of Justice of the EU, 20 October 2022, case C-585/20). For {n} that is {costs}{vat}")
            } else if l.agreed_costs() {
                format!("as agreed in our terms, {agreed_pct} of the principal, {minimum_en} (article 6:96(4) of the Dutch Civil Code). For {n} that is {costs}{vat}")
            } else {
                format!("computed on the scale of the Dutch Decree on compensation for extrajudicial collection costs, {minimum_en} (article 6:96(4) of the Dutch Civil Code). For {n} that is {costs}{vat}")
            };
            vec![
                format!("As a business customer you have owed compensation for collection costs since the day after the due date of each invoice, without any reminder being needed: {rule}."),
                format!("In addition, statutory commercial interest runs on the amount still open of each invoice from the day after its due date (article 6:119a of the Dutch Civil Code{rate}); after each year the interest is added to the principal."),
                "If you pay within this term, we will not charge this compensation or the interest. If you do not, we will hand the claim to a collection agency and charge both.".to_string(),
            ]
        }
    }
}
