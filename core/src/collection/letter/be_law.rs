//! Letters under Belgian law: the free first reminder to consumers (art. XIX.2 WER: the
//! creditor's identity and enterprise number, what the debt is for, the amount, the 14-day term
//! and when it starts, and the damages and interest that follow it, art. XIX.4) and the reminder
//! to businesses (Wet 2 augustus 2002: interest from the day after the due date and EUR 40 per
//! late invoice, CJEU C-585/20).
//!
//! Decided here: the Belgian term is 14 calendar days, not moved past weekends; a consumer letter
//! names the interest rate the claim will charge (the B2B rate with a clause, else the legal
//! rate) and promises no interest or costs during the term.

use super::{Lang, LetterInput, LetterKind, Wording};
use crate::collection::Channel;
use crate::law::DebtorType;

/// The words of a letter under Belgian law.
pub fn wording(l: &LetterInput) -> Wording {
    let nl = l.lang == Lang::Nl;
    let title = match (l.kind, l.debtor_type, nl) {
        (LetterKind::PreIncasso, _, true) => {
            "Laatste verwittiging voor uitbesteding aan een incassobureau"
        }
        (LetterKind::PreIncasso, _, false) => "Final notice before collection",
        (_, DebtorType::Consumer, true) if l.reminded_before => "Herinnering (kosteloos)",
        (_, DebtorType::Consumer, false) if l.reminded_before => "Reminder (free of charge)",
        (_, DebtorType::Consumer, true) => "Eerste herinnering (kosteloos)",
        (_, DebtorType::Consumer, false) => "First reminder (free of charge)",
        (_, DebtorType::Business, true) => "Betalingsherinnering",
        (_, DebtorType::Business, false) => "Payment reminder",
    };
    let mut paragraphs = match l.debtor_type {
        DebtorType::Consumer => consumer(l),
        DebtorType::Business => business(l),
    };
    paragraphs.push(if nl {
        "Heeft u intussen betaald, dan mag u deze herinnering als niet verzonden beschouwen. Heeft u vragen over deze facturen of kunt u niet in één keer betalen, neem dan contact met ons op: een afbetalingsplan is bespreekbaar.".into()
    } else {
        "If you have paid in the meantime, please disregard this reminder. If you have questions about these invoices or cannot pay at once, please contact us: a payment plan can be discussed.".into()
    });
    Wording::new(l, title, paragraphs, "Met vriendelijke groeten,")
}

/// The rate as " tegen 4,5% per jaar", when the tables know it.
fn at_rate(l: &LetterInput) -> String {
    match (l.interest_rate, l.lang) {
        (Some(r), Lang::Nl) => format!(" tegen {} per jaar", l.pct(r)),
        (Some(r), Lang::En) => format!(" at {} a year", l.pct(r)),
        (None, _) => String::new(),
    }
}

/// The sentence on a term whose 14th day is no working day (art. 1.7 BW), or nothing.
fn moved_end(l: &LetterInput) -> String {
    let t = &l.term;
    if t.last_day == t.nominal_last_day {
        return String::new();
    }
    match l.lang {
        Lang::Nl => format!(
            " Omdat dat geen werkdag is, loopt de termijn door tot en met {}.",
            l.day(t.last_day)
        ),
        Lang::En => format!(
            " As that is not a working day, the term runs until {}.",
            l.day(t.last_day)
        ),
    }
}

/// The contractual interest: the rate the clause agrees, or the statutory maximum it refers to,
/// which is also what a clause agreeing more comes to (art. XIX.4 WER: a consumer owes at most
/// the rate of the Act of 2 August 2002; the letter must not announce more).
fn clause_interest(l: &LetterInput) -> String {
    let agreed = l
        .agreed_interest_pct
        .filter(|a| l.interest_rate.is_none_or(|cap| *a <= cap));
    match (agreed, l.lang) {
        (Some(r), Lang::Nl) => format!("verwijlinteresten tegen de in uw overeenkomst bepaalde rentevoet van {} per jaar", l.pct(r)),
        (Some(r), Lang::En) => format!("late-payment interest at the rate your contract agrees, {} a year", l.pct(r)),
        (None, Lang::Nl) => format!(
            "verwijlinteresten tegen de rentevoet van artikel 5, tweede lid, van de wet van 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij handelstransacties{}",
            l.interest_rate.map(|r| format!(" (op dit moment {} per jaar)", l.pct(r))).unwrap_or_default()
        ),
        (None, Lang::En) => format!(
            "late-payment interest at the rate of article 5(2) of the Act of 2 August 2002 on combating late payment in commercial transactions{}",
            l.interest_rate.map(|r| format!(" (currently {} a year)", l.pct(r))).unwrap_or_default()
        ),
    }
}

/// Consumers: the free reminder, its term and start, and what follows the term.
fn consumer(l: &LetterInput) -> Vec<String> {
    let t = &l.term;
    let (total, pay_to, rate) = (l.money(l.total), l.pay_to(), at_rate(l));
    let (starts, last, after) = (l.day(t.starts), l.day(t.last_day), l.day(t.costs_from));
    let nominal = l.day(t.nominal_last_day);
    let moved = moved_end(l);
    let sent = l.day(t.sent);
    let day_after = t.starts == t.sent.succ_opt().unwrap_or(t.sent);
    let interest = clause_interest(l);
    let damages = l.money(l.costs_incl());
    match l.lang {
        Lang::Nl => {
            let start_rule = match t.channel {
                Channel::Post => {
                    format!("de derde werkdag na de verzending van deze brief op {sent}")
                }
                Channel::Email if day_after => {
                    format!("de dag na de verzending van deze e-mail op {sent}")
                }
                Channel::Email => {
                    format!("de eerste werkdag na de verzending van deze e-mail op {sent}")
                }
            };
            let what_follows = if l.damages_clause {
                format!("Betaalt u niet uiterlijk op {last}, dan vragen wij vanaf {after}, zoals uw overeenkomst bepaalt en binnen de grenzen van artikel XIX.4 van het Wetboek van economisch recht: een schadevergoeding van {damages} (berekend over het bedrag dat dan nog openstaat; betaalt u een deel, dan is zij lager) en {interest} op het nog openstaande factuurbedrag.")
            } else {
                format!("Uw overeenkomst bevat geen schadebeding: wij rekenen u daarom geen schadevergoeding aan. Betaalt u niet uiterlijk op {last}, dan bent u vanaf {after} wel de wettelijke interest{rate} op het nog openstaande factuurbedrag verschuldigd. Meer dan artikel XIX.4 van het Wetboek van economisch recht toelaat, vragen wij niet.")
            };
            vec![
                format!("Het openstaande bedrag is {total}. Deze herinnering is kosteloos. U heeft 14 kalenderdagen om dit bedrag{pay_to} te betalen. Die termijn begint op {starts}, {start_rule}, en eindigt op {nominal}.{moved} Betaal dus uiterlijk op {last}."),
                "Tijdens deze termijn rekenen wij geen kosten en geen interesten aan (artikel XIX.2 van het Wetboek van economisch recht).".into(),
                what_follows,
            ]
        }
        Lang::En => {
            let start_rule = match t.channel {
                Channel::Post => {
                    format!("the third working day after this letter was sent on {sent}")
                }
                Channel::Email if day_after => {
                    format!("the day after this e-mail was sent on {sent}")
                }
                Channel::Email => {
                    format!("the first working day after this e-mail was sent on {sent}")
                }
            };
            let what_follows = if l.damages_clause {
                format!("If you do not pay by {last}, then from {after}, as your contract provides and within the limits of article XIX.4 of the Belgian Code of Economic Law, we will charge damages of {damages} (computed on the amount then still unpaid; lower if you pay part) and {interest} on the unpaid invoice amount.")
            } else {
                format!("Your contract contains no damages clause, so we will not charge you damages. If you do not pay by {last}, you will owe statutory interest{rate} on the unpaid invoice amount from {after}. We will not claim more than article XIX.4 of the Belgian Code of Economic Law allows.")
            };
            vec![
                format!("The outstanding amount is {total}. This reminder is free of charge. You have 14 calendar days to pay this amount{pay_to}; the term starts on {starts}, {start_rule}, and ends on {nominal}.{moved} Please pay by {last} at the latest."),
                "During this term we charge no costs and no interest (article XIX.2 of the Belgian Code of Economic Law).".into(),
                what_follows,
            ]
        }
    }
}

/// Businesses: interest and EUR 40 per invoice owed since default, waived if paid in the term.
fn business(l: &LetterInput) -> Vec<String> {
    let (total, pay_to, rate, n) = (l.money(l.total), l.pay_to(), at_rate(l), l.invoices());
    let last = l.day(l.term.last_day);
    let costs = l.money(l.costs_incl());
    match l.lang {
        Lang::Nl => vec![
            format!("Het openstaande bedrag is {total}. Wij verzoeken u dit bedrag{pay_to} uiterlijk op {last} te betalen."),
            format!("Op grond van de wet van 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij handelstransacties bent u sinds de dag na de vervaldatum van elke factuur van rechtswege en zonder ingebrekestelling verwijlinterest verschuldigd{rate} (artikel 5), en een forfaitaire schadevergoeding van € 40 per laattijdig betaalde factuur (artikel 6; Hof van Justitie EU 20 oktober 2022, zaak C-585/20). Voor {n} is dat {costs}."),
            format!("Betaalt u uiterlijk op {last}, dan brengen wij deze schadevergoeding en de interesten niet in rekening. Betaalt u niet, dan geven wij de vordering uit handen aan een incassobureau en brengen wij beide in rekening."),
        ],
        Lang::En => vec![
            format!("The outstanding amount is {total}. We ask you to pay it{pay_to} by {last} at the latest."),
            format!("Under the Belgian Act of 2 August 2002 on combating late payment in commercial transactions you have owed late-payment interest{rate} since the day after the due date of each invoice, by law and without notice (article 5), and fixed compensation of €40 for each invoice paid late (article 6; Court of Justice of the EU, 20 October 2022, case C-585/20). For {n} that is {costs}."),
            format!("If you pay by {last}, we will not charge this compensation or the interest. If you do not, we will hand the claim to a collection agency and charge both."),
        ],
    }
}
