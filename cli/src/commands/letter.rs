//! `incasso letter`: the 14-day letter (Belgium: the free first reminder) or pre-incasso letter
//! for a debtor, in Dutch or English, as plain text or self-contained HTML: gathers the debtor's
//! overdue items, the costs the claim will carry and the term, and lets
//! `incasso_core::collection::letter` state them under the law that applies.

use std::path::Path;
use std::process::ExitCode;

use std::collections::HashMap;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::ValueEnum;
use incasso_core::ageing::{open_items, OpenItem};
use incasso_core::collection::letter::{self, LetterInput, LetterItem};
use incasso_core::collection::{letter_term, Channel, Reminder, ReminderKind};
use incasso_core::ids::DebtorId;
use incasso_core::law::costs::{collection_costs, CostsTerms};
use incasso_core::law::{DebtorType, Jurisdiction};
use incasso_core::model::{Debtor, DocumentKind};
use incasso_core::money::Currency;
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
    policy_file: Option<&Path>,
    rates_dir: Option<&Path>,
) -> Result<ExitCode> {
    let policy = config::policy(data_dir, policy_file)?;
    let tables = config::rates(data_dir, rates_dir)?;
    let c = &policy.creditor;
    anyhow::ensure!(
        c.name.as_deref().is_some_and(|n| !n.trim().is_empty())
            && c.iban.as_deref().is_some_and(|i| !i.trim().is_empty()),
        "a letter names the creditor and the account to pay to: set name and iban under [creditor] in {}",
        policy_file.map_or_else(|| data_dir.join("policy.toml"), Path::to_path_buf).display()
    );
    let store = Store::open(data_dir)?;
    let debtor_id = DebtorId::new(debtor)?;
    let crate::ledger::Reconciled { docs, rec, .. } =
        crate::ledger::reconciled(&store, date, &policy.matching)?;
    anyhow::ensure!(
        docs.iter().any(|d| d.document.debtor == debtor_id)
            || store.debtors()?.iter().any(|d| d.id == debtor_id),
        "unknown debtor {debtor}: no document or debtor has that id (see `incasso receivables`)"
    );
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
    let descriptions: HashMap<&str, &str> = docs
        .iter()
        .filter(|d| d.document.debtor == debtor_id)
        .filter_map(|d| {
            d.document
                .description
                .as_deref()
                .map(|what| (d.document.number.as_str(), what))
        })
        .collect();
    let d = store.debtors()?.into_iter().find(|d| d.id == debtor_id);
    let eff = policy.for_debtor(debtor, d.as_ref().map(|d| d.kind).unwrap_or_default());
    let total: Decimal = items.iter().map(|it| it.open).sum();
    // The same costs the claim will carry, under the same terms; unclassified debtors as consumers.
    let debtor_type = eff.debtor_type.unwrap_or(DebtorType::Consumer);
    let terms = CostsTerms {
        jurisdiction: eff.jurisdiction,
        debtor_type,
        late_invoices: items.len() as u32,
        creditor_vat_deductible: policy.creditor_vat_deductible,
        b2b_minimum: policy.b2b_minimum,
        agreed_costs_pct: policy.b2b_agreed_costs_pct,
        damages_clause: eff.damages_clause(),
    };
    if eff.jurisdiction == Jurisdiction::Be {
        anyhow::ensure!(
            c.enterprise_number.is_some(),
            "a Belgian reminder must state the creditor's enterprise number (art. XIX.2 WER): set enterprise_number under [creditor] in the policy"
        );
    }
    let term = letter_term(eff.jurisdiction, date, channel, None);
    let input = LetterInput {
        kind: match kind {
            LetterKind::FourteenDayLetter => letter::LetterKind::FourteenDayLetter,
            LetterKind::PreIncasso => letter::LetterKind::PreIncasso,
        },
        lang: match lang {
            Lang::Nl => letter::Lang::Nl,
            Lang::En => letter::Lang::En,
        },
        jurisdiction: eff.jurisdiction,
        debtor_type,
        creditor: c.clone(),
        debtor_name: d
            .as_ref()
            .and_then(|d| d.name.clone())
            .unwrap_or_else(|| debtor.to_string()),
        debtor_lines: d.as_ref().map(address_lines).unwrap_or_default(),
        date,
        term,
        currency,
        items: items
            .iter()
            .map(|it| LetterItem {
                number: it.number.to_string(),
                issue_date: it.issue_date,
                due_date: it.due_date,
                description: descriptions.get(it.number.as_str()).map(|s| s.to_string()),
                open: it.open,
            })
            .collect(),
        total,
        costs: collection_costs(total, &terms)?,
        interest_rate: eff.rate_table(&tables, debtor_type).known_rate_on(date),
        damages_clause: eff.damages_clause(),
        agreed_interest_pct: eff.agreed_interest_pct(),
    };
    let text = match format {
        LetterFormat::Text => letter::text(&input),
        LetterFormat::Html => letter::html(&input),
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
        crate::commands::reminders::check_after_default(&docs, std::slice::from_ref(&r))?;
        store.add_reminders(&[r], chrono::Utc::now(), "incasso letter --record")?;
        eprintln!(
            "recorded as sent on {date}; term from {} through {}, costs from {}",
            term.starts, term.last_day, term.costs_from
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A debtor's street and city lines.
fn address_lines(d: &Debtor) -> Vec<String> {
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
}
