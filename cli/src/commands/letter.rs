//! `incasso letter`: the 14-day letter (or pre-incasso letter) for a debtor, in Dutch or English,
//! as plain text or self-contained HTML, with the exact amounts, the costs that will be charged if
//! the debtor does not pay, and the pay-by date the law requires.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::ValueEnum;
use incasso_core::ageing::{open_items, OpenItem};
use incasso_core::collection::{presumed_receipt, Channel, Reminder, ReminderKind};
use incasso_core::ids::DebtorId;
use incasso_core::law::costs::{collection_costs, CostsTerms};
use incasso_core::law::{nl, DebtorType};
use incasso_core::model::DocumentKind;
use incasso_core::money::{format_cents, Currency};
use incasso_store::Store;
use rust_decimal::Decimal;

use crate::config;

/// Which letter.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LetterKind {
    /// The 14-day letter (veertiendagenbrief, art. 6:96 lid 6 BW).
    FourteenDayLetter,
    /// A last warning before the agency takes over.
    PreIncasso,
}

/// Language of the letter.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// Dutch.
    Nl,
    /// English.
    En,
}

/// Output of the letter.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LetterFormat {
    /// Plain text.
    Text,
    /// One self-contained HTML page.
    Html,
}

/// What a letter says, before it is laid out.
struct Content {
    creditor: String,
    creditor_lines: Vec<String>,
    debtor: String,
    debtor_lines: Vec<String>,
    date: NaiveDate,
    received: NaiveDate,
    pay_by: NaiveDate,
    currency: Currency,
    items: Vec<(String, NaiveDate, NaiveDate, Decimal)>,
    total: Decimal,
    costs: Decimal,
    costs_vat: Decimal,
    iban: Option<String>,
    kind: LetterKind,
}

/// Writes the letter; with `record`, also records it as sent on `date`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    data_dir: &Path,
    debtor: &str,
    date: NaiveDate,
    kind: LetterKind,
    lang: Lang,
    format: LetterFormat,
    channel: Channel,
    currency: Currency,
    out: Option<&Path>,
    record: bool,
) -> Result<ExitCode> {
    let policy = config::policy(data_dir, None)?;
    let store = Store::open(data_dir)?;
    let debtor_id = DebtorId::new(debtor)?;
    let crate::ledger::Reconciled { docs, rec, .. } =
        crate::ledger::reconciled(&store, date, &policy.matching)?;
    let all = open_items(&docs, &rec, date);
    let mut items: Vec<&OpenItem<'_>> = all
        .iter()
        .filter(|it| {
            it.debtor == &debtor_id
                && it.kind == DocumentKind::Invoice
                && it.currency == currency
                && it.due_date < date
                && it.open > Decimal::ZERO
        })
        .collect();
    anyhow::ensure!(
        !items.is_empty(),
        "debtor {debtor} has no overdue open invoices in {currency} on {date}"
    );
    items.sort_by_key(|it| it.due_date);
    let d = store.debtors()?.into_iter().find(|d| d.id == debtor_id);
    let eff = policy.for_debtor(debtor, d.as_ref().map(|d| d.kind).unwrap_or_default());
    let total: Decimal = items.iter().map(|it| it.open).sum();
    // The same costs the claim will carry, under the same terms; unclassified debtors as consumers.
    let terms = CostsTerms {
        jurisdiction: eff.jurisdiction,
        debtor_type: eff.debtor_type.unwrap_or(DebtorType::Consumer),
        late_invoices: items.len() as u32,
        creditor_vat_deductible: policy.creditor_vat_deductible,
        b2b_minimum: policy.b2b_minimum,
        agreed_costs_pct: policy.b2b_agreed_costs_pct,
        damages_clause: eff.damages_clause(),
    };
    let computed = collection_costs(total, &terms)?;
    let (costs, costs_vat) = (computed.costs.amount, computed.vat);
    let received = presumed_receipt(date, channel);
    let c = &policy.creditor;
    let content = Content {
        creditor: c
            .name
            .clone()
            .unwrap_or_else(|| store.creditor().map(|c| c.to_string()).unwrap_or_default()),
        creditor_lines: [
            c.address.clone(),
            c.kvk.as_ref().map(|k| format!("KvK {k}")),
            c.email.clone(),
        ]
        .into_iter()
        .flatten()
        .collect(),
        debtor: d
            .as_ref()
            .and_then(|d| d.name.clone())
            .unwrap_or_else(|| debtor.to_string()),
        debtor_lines: d
            .as_ref()
            .map(|d| {
                let a = &d.address;
                let street = [a.street.clone(), a.house_number.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let city = [a.postcode.clone(), a.city.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                [street, city]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        date,
        received,
        pay_by: nl::letter_pay_by(received),
        currency,
        items: items
            .iter()
            .map(|it| (it.number.to_string(), it.issue_date, it.due_date, it.open))
            .collect(),
        total,
        costs,
        costs_vat,
        iban: c.iban.clone(),
        kind,
    };
    let text = match format {
        LetterFormat::Text => text(&content, lang),
        LetterFormat::Html => html(&content, lang),
    };
    match out {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => print!("{text}"),
    }
    if record {
        let r = Reminder {
            debtor: debtor_id,
            kind: match kind {
                LetterKind::FourteenDayLetter => ReminderKind::FourteenDayLetter,
                LetterKind::PreIncasso => ReminderKind::PreIncasso,
            },
            sent: date,
            received: None,
            channel,
            items: items.iter().map(|it| it.number.clone()).collect(),
            states_costs: true,
        };
        store.add_reminders(&[r], chrono::Utc::now(), "incasso letter --record")?;
        eprintln!(
            "recorded as sent on {date}; counts as received {received}, pay-by {}",
            content.pay_by
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// An amount as the letter's readers write it: `€ 1.234,56` in Dutch, `€1,234.56` in English.
fn money_in(c: &Content, d: Decimal, lang: Lang) -> String {
    let plain = format_cents(d);
    let (sign, digits) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |r| ("-", r));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let (thousands, mark) = if lang == Lang::Nl {
        ('.', ',')
    } else {
        (',', '.')
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(ch);
    }
    let symbol = if c.currency == Currency::EUR {
        "€".to_string()
    } else {
        c.currency.to_string()
    };
    let sep = if lang == Lang::Nl { " " } else { "" };
    format!("{sign}{symbol}{sep}{grouped}{mark}{frac}")
}

/// A date as the letter's readers write it: `24 november 2026` or `24 November 2026`.
fn day(d: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let m = (d.month() - 1) as usize;
    format!(
        "{} {} {}",
        d.day(),
        if lang == Lang::Nl { NL[m] } else { EN[m] },
        d.year()
    )
}

/// The sentences of the letter, in order, as (heading, paragraphs).
fn words(c: &Content, lang: Lang) -> (String, String, Vec<String>, String) {
    let money = |_c: &Content, d: Decimal| money_in(c, d, lang);
    let costs_incl = c.costs + c.costs_vat;
    let vat_nl = if c.costs_vat.is_zero() {
        String::new()
    } else {
        format!(
            " (inclusief {} btw, omdat wij de btw niet kunnen verrekenen)",
            money(c, c.costs_vat)
        )
    };
    let vat_en = if c.costs_vat.is_zero() {
        String::new()
    } else {
        format!(
            " (including {} VAT, which we cannot deduct)",
            money(c, c.costs_vat)
        )
    };
    let pay_to_nl = c
        .iban
        .as_ref()
        .map(|i| format!(" op rekening {i} ten name van {}", c.creditor))
        .unwrap_or_default();
    let pay_to_en = c
        .iban
        .as_ref()
        .map(|i| format!(" to account {i} in the name of {}", c.creditor))
        .unwrap_or_default();
    match lang {
        Lang::Nl => (
            match c.kind {
                LetterKind::FourteenDayLetter => "Laatste herinnering (veertiendagenbrief)".into(),
                LetterKind::PreIncasso => "Laatste waarschuwing voor uit handen geven".into(),
            },
            "Geachte heer, mevrouw,".into(),
            vec![
                "Volgens onze administratie zijn de volgende facturen nog niet (volledig) betaald:".into(),
                format!(
                    "Wij verzoeken u het openstaande bedrag van {} te betalen binnen 14 dagen na de dag waarop u deze brief ontvangt{pay_to_nl}. Wij gaan ervan uit dat u deze brief op {} ontvangt; betaal dan uiterlijk op {}.",
                    money(c, c.total),
                    day(c.received, lang),
                    day(c.pay_by, lang)
                ),
                if costs_incl.is_zero() {
                    "Betaalt u niet binnen deze termijn, dan dragen wij de vordering over aan een incassobureau.".into()
                } else {
                    format!(
                        "Betaalt u niet binnen deze termijn, dan dragen wij de vordering over aan een incassobureau. U bent dan buitengerechtelijke incassokosten verschuldigd van {}{vat_nl}, berekend volgens het Besluit vergoeding voor buitengerechtelijke incassokosten, en daarnaast de wettelijke rente vanaf de vervaldatum van elke factuur.",
                        money(c, costs_incl)
                    )
                },
                "Heeft u inmiddels betaald, dan kunt u deze brief als niet verzonden beschouwen. Heeft u vragen of kunt u niet in één keer betalen, neem dan contact met ons op: een betalingsregeling is bespreekbaar.".into(),
            ],
            "Met vriendelijke groet,".into(),
        ),
        Lang::En => (
            match c.kind {
                LetterKind::FourteenDayLetter => "Final reminder (14-day letter)".into(),
                LetterKind::PreIncasso => "Final notice before collection".into(),
            },
            "Dear Sir or Madam,".into(),
            vec![
                "According to our records the following invoices have not been paid (in full):".into(),
                format!(
                    "We ask you to pay the outstanding amount of {} within 14 days, counted from the day after you receive this letter{pay_to_en}. We expect you to receive this letter on {}; please pay by {} at the latest.",
                    money(c, c.total),
                    day(c.received, lang),
                    day(c.pay_by, lang)
                ),
                if costs_incl.is_zero() {
                    "If you do not pay within this term, we will hand the claim to a collection agency.".into()
                } else {
                    format!(
                        "If you do not pay within this term, we will hand the claim to a collection agency. You will then owe extrajudicial collection costs of {}{vat_en}, calculated under the Dutch decree on extrajudicial collection costs, plus statutory interest from the due date of each invoice.",
                        money(c, costs_incl)
                    )
                },
                "If you have paid in the meantime, please disregard this letter. If you have questions or cannot pay at once, please contact us: a payment plan can be discussed.".into(),
            ],
            "Kind regards,".into(),
        ),
    }
}

fn labels(lang: Lang) -> [&'static str; 6] {
    match lang {
        Lang::Nl => [
            "Factuur",
            "Datum",
            "Vervaldatum",
            "Open",
            "Totaal",
            "Datum brief",
        ],
        Lang::En => ["Invoice", "Date", "Due date", "Open", "Total", "Date"],
    }
}

fn text(c: &Content, lang: Lang) -> String {
    let (title, greeting, paras, closing) = words(c, lang);
    let l = labels(lang);
    let mut s = String::new();
    s.push_str(&format!("{}\n", c.creditor));
    for line in &c.creditor_lines {
        s.push_str(&format!("{line}\n"));
    }
    s.push_str(&format!("\n{}\n", c.debtor));
    for line in &c.debtor_lines {
        s.push_str(&format!("{line}\n"));
    }
    let money = |d: Decimal| money_in(c, d, lang);
    s.push_str(&format!(
        "\n{}: {}\n\n{title}\n\n{greeting}\n\n{}\n\n",
        l[5],
        day(c.date, lang),
        paras[0]
    ));
    s.push_str(&format!(
        "  {:<16} {:<10} {:<12} {:>14}\n",
        l[0], l[1], l[2], l[3]
    ));
    for (n, issue, due, open) in &c.items {
        s.push_str(&format!(
            "  {:<16} {:<10} {:<12} {:>14}\n",
            n,
            issue.format("%d-%m-%Y").to_string(),
            due.format("%d-%m-%Y").to_string(),
            money(*open)
        ));
    }
    s.push_str(&format!("  {:<40} {:>14}\n\n", l[4], money(c.total)));
    for p in &paras[1..] {
        s.push_str(p);
        s.push_str("\n\n");
    }
    s.push_str(&format!("{closing}\n\n{}\n", c.creditor));
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(c: &Content, lang: Lang) -> String {
    let (title, greeting, paras, closing) = words(c, lang);
    let l = labels(lang);
    let lang_code = if lang == Lang::Nl { "nl" } else { "en" };
    let money = |_c: &Content, d: Decimal| money_in(c, d, lang);
    let rows: String = c
        .items
        .iter()
        .map(|(n, issue, due, open)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(n),
                issue.format("%d-%m-%Y"),
                due.format("%d-%m-%Y"),
                esc(&money(c, *open))
            )
        })
        .collect();
    let lines = |v: &[String]| {
        v.iter()
            .map(|s| format!("<br>{}", esc(s)))
            .collect::<String>()
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>body{{font-family:sans-serif;max-width:42em;margin:2em auto;line-height:1.4}}table{{border-collapse:collapse;margin:1em 0}}td,th{{padding:.2em .8em;border-bottom:1px solid #ccc;text-align:left}}.n{{text-align:right}}</style></head>\n<body>\n<p><strong>{cr}</strong>{crl}</p>\n<p>{de}{del}</p>\n<p>{dl}: {date}</p>\n<h1>{t}</h1>\n<p>{g}</p>\n<p>{p0}</p>\n<table><tr><th>{l0}</th><th>{l1}</th><th>{l2}</th><th class=\"n\">{l3}</th></tr>{rows}<tr><th colspan=\"3\">{l4}</th><th class=\"n\">{tot}</th></tr></table>\n{rest}\n<p>{cl}<br>{cr}</p>\n</body></html>\n",
        t = esc(&title),
        cr = esc(&c.creditor),
        crl = lines(&c.creditor_lines),
        de = esc(&c.debtor),
        del = lines(&c.debtor_lines),
        dl = l[5],
        date = day(c.date, lang),
        g = esc(&greeting),
        p0 = esc(&paras[0]),
        l0 = l[0],
        l1 = l[1],
        l2 = l[2],
        l3 = l[3],
        l4 = l[4],
        tot = esc(&money(c, c.total)),
        rest = paras[1..].iter().map(|p| format!("<p>{}</p>", esc(p))).collect::<Vec<_>>().join("\n"),
        cl = esc(&closing),
    )
}
