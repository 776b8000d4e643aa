//! Letters to debtors: the 14-day letter (Belgium: the free first reminder) or pre-incasso letter
//! for a debtor: gathers the debtor's overdue items, the costs the claim will carry and the term,
//! for `incasso_core::collection::letter` to state under the law that applies; and the check
//! that a recorded 14-day letter came after the debtor was in default.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::{open_items, OpenItem};
use incasso_core::collection::letter::{self, LetterInput, LetterItem};
use incasso_core::collection::{
    letter_before_default, letter_term, Channel, LetterTerm, Reminder, ReminderKind,
};
use incasso_core::ids::{DebtorId, DocumentNumber};
use incasso_core::law::costs::{collection_costs, CostsTerms};
use incasso_core::law::{DebtorType, Jurisdiction};
use incasso_core::model::{Debtor, DocumentKind, DocumentStatus, LedgerDocument};
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use crate::claims::ClaimsInputs;
use crate::reconciled::receivables;
use crate::Workspace;

/// What letter to write, for whom, on what date.
pub struct LetterRequest<'a> {
    /// The debtor's id.
    pub debtor: &'a str,
    /// The letter's date.
    pub date: NaiveDate,
    /// Which letter.
    pub kind: letter::LetterKind,
    /// Its language.
    pub lang: letter::Lang,
    /// How it is sent (decides the presumed day of receipt).
    pub channel: Channel,
    /// The currency of the invoices it names.
    pub currency: Currency,
    /// A folder of rate tables replacing the built-in ones.
    pub rates: Option<&'a Path>,
    /// What the debt is for, for the invoices the books give no description.
    pub about: Option<&'a str>,
}

/// A letter ready to be written, and the record of it as sent.
pub struct Letter {
    /// What the letter states.
    pub input: LetterInput,
    /// The letter as the store records it when sent.
    pub reminder: Reminder,
    /// The term it gives.
    pub term: LetterTerm,
}

/// Gathers what the letter states: the debtor's overdue invoices, costs, term and rate.
pub fn prepare(ws: &Workspace, q: &LetterRequest<'_>) -> Result<Letter> {
    let (debtor, date, channel, currency) = (q.debtor, q.date, q.channel, q.currency);
    let policy = ws.policy()?;
    // What the claims read besides the ledger (the rate tables, letters, plans, conflicts), read
    // once: the letter leaves out what the claims would hold.
    let inputs = ClaimsInputs::read(ws, q.rates)?;
    let tables = inputs.tables();
    let c = &policy.creditor;
    c.named("a letter")
        .map_err(|e| anyhow::anyhow!("{e} in {}", ws.policy_path().display()))?;
    let store = ws.store()?;
    let debtor_id = DebtorId::new(debtor)?;
    // Loaded once: the documents, their open amounts and the money received and not applied,
    // which the claims' gate weighs below.
    let r = receivables(store, date, &policy.matching)?;
    let (docs, amounts) = (&r.docs, &r.amounts);
    anyhow::ensure!(
        docs.iter().any(|d| d.document.debtor == debtor_id)
            || r.debtors.iter().any(|d| d.id == debtor_id),
        "unknown debtor {debtor}: no document or debtor has that id (see `incasso receivables`)"
    );
    let all = open_items(docs, &amounts.open, date);
    // A letter never demands what may not be demanded: a disputed invoice, one whose payment is
    // underway, or one on a payment plan that is being kept (or was completed).
    let open_of = |n: &str| -> Decimal {
        all.iter()
            .filter(|it| it.debtor == &debtor_id && it.number.normalised() == n)
            .map(|it| it.open)
            .sum()
    };
    let on_plan: Vec<String> = inputs
        .plans()
        .iter()
        .filter(|p| p.debtor == debtor_id)
        .filter(|p| {
            let keys: Vec<String> = p
                .items
                .iter()
                .map(|n| n.normalised().into_owned())
                .collect();
            let open_now: Decimal = keys.iter().map(|k| open_of(k)).sum();
            !matches!(
                p.state(open_now, date, policy.plan_grace_days),
                incasso_core::collection::PlanState::Broken { .. }
            )
        })
        .flat_map(|p| p.items.iter().map(|n| n.normalised().into_owned()))
        .collect();
    let items: Vec<&OpenItem<'_>> = all
        .iter()
        .filter(|it| {
            it.debtor == &debtor_id
                && it.kind == DocumentKind::Invoice
                && it.currency == currency
                && it.due_date < date
                && it.open > Decimal::ZERO
                && it.status == DocumentStatus::Open
                && !on_plan.iter().any(|n| *n == it.number.normalised())
        })
        .collect();
    // Nor one the claims would hold whatever the policy's rules: credit that names it, a
    // shortfall a person weighs, sources that disagree, a last row that may have been cut
    // short, or money received and not applied that may have paid it. Weighed on the letter's
    // own items: a consumer's invoice waits for its 14-day letter before the claims weigh it,
    // so the claims' verdicts alone would miss it (review 43d, F-3).
    let d = r.debtors.iter().find(|d| d.id == debtor_id).cloned();
    let numbers: HashSet<String> = items
        .iter()
        .map(|it| it.number.normalised().into_owned())
        .collect();
    let held = inputs.held_beyond_rules(
        r.view(),
        date,
        &d.clone().unwrap_or_else(|| Debtor::new(debtor_id.clone())),
        currency,
        &numbers,
    );
    let held_numbers: HashSet<&str> = held.iter().map(|e| e.number.as_str()).collect();
    let mut items: Vec<&OpenItem<'_>> = items
        .into_iter()
        .filter(|it| !held_numbers.contains(it.number.as_str()))
        .collect();
    let held_why = held
        .iter()
        .map(|e| format!("{} ({}: {})", e.number, e.rule, e.reason))
        .collect::<Vec<_>>()
        .join("; ");
    anyhow::ensure!(
        !items.is_empty() || held.is_empty(),
        "debtor {debtor}: no letter on {date}: every overdue invoice it could demand is held, as the claims hold it: {held_why}"
    );
    if !held.is_empty() {
        tracing::warn!("left out of the letter, as the claims hold them: {held_why}");
    }
    anyhow::ensure!(
        !items.is_empty(),
        "debtor {debtor} has no overdue open invoices in {currency} on {date} that a letter may demand (disputed ones, ones whose payment is underway, ones on a payment plan and ones held for what their sources say, as `incasso claims` shows, are left out)"
    );
    // Credit not yet set off against an invoice would make the letter demand too much: hold it
    // until a person links the credit note (or the payment) to the invoice it settles.
    let credit: Vec<&OpenItem<'_>> = all
        .iter()
        .filter(|it| it.debtor == &debtor_id && it.currency == currency && it.open < Decimal::ZERO)
        .collect();
    if !credit.is_empty() {
        let total: Decimal = credit.iter().map(|it| -it.open).sum();
        anyhow::bail!(
            "debtor {debtor} has {currency} {} of credit not set off against an invoice ({}): link it to the invoice it settles first, so the letter does not demand too much",
            incasso_core::money::format_cents(total),
            credit
                .iter()
                .map(|it| it.number.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
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
    let eff = policy.for_debtor(
        debtor,
        d.as_ref().map(|d| d.kind).unwrap_or_default(),
        d.as_ref().and_then(|d| d.address.country.as_deref()),
    );
    // The same costs the claim will carry, under the same terms; unclassified debtors as consumers.
    let debtor_type = eff.debtor_type.unwrap_or(DebtorType::Consumer);
    // Without an agreed payment term a Dutch consumer is in default only after a 14-day letter's
    // term (`last_day_before_default`): an earlier letter's, or this one's, which then gives
    // notice of default and states no costs for that invoice. Per invoice: `None` with an agreed
    // term; `Some(None)` when this letter gives the notice; `Some(Some(last))` the last day
    // before default an earlier letter set.
    let earlier: Vec<Reminder> = inputs
        .reminders()
        .iter()
        .filter(|r| r.debtor == debtor_id && r.sent < date)
        .cloned()
        .collect();
    let standing = |it: &OpenItem<'_>| {
        (it.due_assumed
            && eff.jurisdiction == Jurisdiction::Nl
            && debtor_type == DebtorType::Consumer)
            .then(|| {
                incasso_core::collection::last_day_before_default(
                    it.number,
                    it.due_date,
                    true,
                    &earlier,
                    eff.jurisdiction,
                    Some(debtor_type),
                )
            })
    };
    // An invoice whose earlier notice still runs is left out: notice was given, and no letter
    // may state costs for it yet.
    let (waiting, items): (Vec<_>, Vec<_>) = items
        .into_iter()
        .map(|it| (it, standing(it)))
        .partition(|(_, s)| matches!(s, Some(Some(last)) if date <= *last));
    let waiting: Vec<String> = waiting
        .iter()
        .map(|(it, _)| it.number.to_string())
        .collect();
    anyhow::ensure!(
        !items.is_empty(),
        "debtor {debtor}: no letter on {date}: notice of default was given for {} by an earlier letter whose term has not ended; a 14-day letter with the costs can follow once it has",
        waiting.join(", ")
    );
    if !waiting.is_empty() {
        tracing::warn!(
            "left out of the letter: {} (an earlier notice of default still runs)",
            waiting.join(", ")
        );
    }
    let total: Decimal = items.iter().map(|(it, _)| it.open).sum();
    // No statutory costs on a debt whose default began before the Besluit took effect (art. 3;
    // review 46b, F-2: the letter stated 150.00 the claim rightly did not charge). Its default
    // began the day after it was due, or, with no agreed term, when an earlier notice's term
    // ran out (review 47a, F-2: an invoice of 2012 in default in 2026 bears costs).
    let in_default_from =
        |s: Option<Option<NaiveDate>>| s.flatten().map(|last| last.succ_opt().unwrap_or(last));
    let since_besluit = |(it, s): &&(&OpenItem<'_>, Option<Option<NaiveDate>>)| {
        let default = incasso_core::law::first_day_in_default(it.due_date, in_default_from(*s));
        !incasso_core::law::nl::default_before_besluit(eff.jurisdiction, default)
    };
    let costs_base: Decimal = items
        .iter()
        .filter(|(_, s)| !matches!(s, Some(None)))
        .filter(since_besluit)
        .map(|(it, _)| it.open)
        .sum();
    // A letter that only gives notice of default states no costs.
    let states_costs = eff.letter_states_costs() && costs_base > Decimal::ZERO;
    let terms = CostsTerms {
        jurisdiction: eff.jurisdiction,
        debtor_type,
        // The €40 a late invoice: not for one in default before the Besluit (review 46d, F-4).
        late_invoices: items.iter().filter(since_besluit).count() as u32,
        creditor_vat_deductible: policy.creditor_vat_deductible,
        b2b_minimum: policy.b2b_minimum,
        agreed_costs_pct: policy.b2b_agreed_costs_pct,
        damages_clause: eff.damages_clause(),
    };
    if let Some(why) = eff.abroad_reason(debtor) {
        anyhow::bail!("no letter to {debtor}: {why}");
    }
    // The costs a letter must state are set in euros by law; in another currency they would be
    // wrong either way (no exchange rate is kept), and the claim carries none.
    anyhow::ensure!(
        currency == incasso_core::money::Currency::EUR,
        "no letter to {debtor} for its items in {currency}: the collection costs a letter must state are set in euros by law, and no exchange rate from {currency} is kept"
    );
    if eff.jurisdiction == Jurisdiction::Be {
        // A creditor registered outside Belgium states the number of its own register.
        anyhow::ensure!(
            c.enterprise_number.is_some() || c.kvk.is_some(),
            "a Belgian reminder must state the creditor's enterprise number (art. XIX.2 WER): set enterprise_number under [creditor] in the policy (or kvk, for a creditor registered in the Netherlands)"
        );
    }
    // A Belgian consumer's reminder states what each debt is for (art. XIX.2 WER); an invoice
    // number alone may not be enough before a judge (review 44b, F-3).
    let about = q
        .about
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    if eff.jurisdiction == Jurisdiction::Be && debtor_type == DebtorType::Consumer {
        let undescribed: Vec<String> = items
            .iter()
            .filter(|(it, _)| {
                about.is_none()
                    && descriptions
                        .get(it.number.as_str())
                        .is_none_or(|d| d.trim().is_empty())
            })
            .map(|(it, _)| it.number.to_string())
            .collect();
        anyhow::ensure!(
            undescribed.is_empty(),
            "no letter to {debtor}: a Belgian consumer's reminder must say what the debt is for (art. XIX.2 WER), and the books give no description for {}: import the ledger with a description column, or say it with --about \"TEXT\"",
            undescribed.join(", ")
        );
    }
    let term = letter_term(eff.jurisdiction, date, channel, None);
    let input = LetterInput {
        kind: q.kind,
        lang: q.lang,
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
            .map(|&(it, s)| LetterItem {
                number: it.number.to_string(),
                issue_date: it.issue_date,
                due_date: it.due_date,
                due_assumed: it.due_assumed,
                // The day after an earlier letter's term.
                in_default_from: in_default_from(s),
                description: descriptions
                    .get(it.number.as_str())
                    .map(|s| s.to_string())
                    .or_else(|| about.clone()),
                open: it.open,
            })
            .collect(),
        total,
        costs_base,
        // A letter that only gives notice of default states no costs, and has none.
        costs: if costs_base > Decimal::ZERO {
            collection_costs(costs_base, &terms)?
        } else {
            incasso_core::law::costs::Costs {
                costs: incasso_core::law::Traced {
                    amount: Decimal::ZERO,
                    trace: Vec::new(),
                },
                vat: Decimal::ZERO,
            }
        },
        interest_rate: eff.rate_table(tables, debtor_type).known_rate_on(date),
        damages_clause: eff.damages_clause(),
        agreed_interest_pct: eff.agreed_interest_pct(),
        b2b_minimum: policy.b2b_minimum,
        reminded_before: earlier
            .iter()
            .any(|r| r.kind == ReminderKind::FourteenDayLetter),
    };
    let reminder = Reminder {
        debtor: debtor_id,
        kind: match q.kind {
            letter::LetterKind::FourteenDayLetter => ReminderKind::FourteenDayLetter,
            letter::LetterKind::PreIncasso => ReminderKind::PreIncasso,
        },
        sent: date,
        received: None,
        channel,
        items: items.iter().map(|(it, _)| it.number.clone()).collect(),
        // A Belgian free reminder without a clause states none, so it counts as no Dutch
        // letter should the debtor's law change.
        states_costs,
        // What it states is what the claim may charge at most.
        stated_costs: states_costs.then(|| input.costs_incl()),
        written_for: Some(debtor_type),
    };
    // Checked against the ledger loaded here, so recording it needs no second read.
    check_after_default(docs, std::slice::from_ref(&reminder))?;
    Ok(Letter {
        input,
        reminder,
        term,
    })
}

/// Records a prepared letter as sent ([`prepare`] checked that it came after default for
/// every invoice it names).
pub fn record(ws: &Workspace, letter: &Letter, by: &str) -> Result<()> {
    ws.store()?.add_reminders(
        std::slice::from_ref(&letter.reminder),
        chrono::Utc::now(),
        by,
    )?;
    Ok(())
}

/// Refuses letters recorded by hand (`reminders add`, `reminders import`) for a debtor or an
/// invoice the store does not have as written: such a letter would count for nothing, its term
/// would hold no claim, and the claim would go with costs while the debtor still had time to
/// pay (review 44c, F-3: `d300` for `D300`, `F2026 0205` for `F2026-0205`). Names the close
/// spelling the store has, when there is one.
pub fn check_known(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    letters: &[Reminder],
) -> Result<()> {
    let loose = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut problems = Vec::new();
    for r in letters {
        let known = docs.iter().any(|d| d.document.debtor == r.debtor)
            || debtors.iter().any(|d| d.id == r.debtor);
        if !known {
            let close: Vec<&str> = debtors
                .iter()
                .map(|d| d.id.as_str())
                .chain(docs.iter().map(|d| d.document.debtor.as_str()))
                .filter(|id| loose(id) == loose(r.debtor.as_str()))
                .collect();
            problems.push(format!(
                "debtor {} is not in the store{}: record a letter once the ledger that names the \
                 debtor is imported (its term must hold the debtor's claims)",
                r.debtor,
                close
                    .first()
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default()
            ));
            continue;
        }
        for n in &r.items {
            let own = docs.iter().any(|d| {
                d.document.debtor == r.debtor && d.document.number.normalised() == n.normalised()
            });
            if own {
                continue;
            }
            let close = docs
                .iter()
                .filter(|d| d.document.kind == DocumentKind::Invoice)
                .find(|d| loose(d.document.number.as_str()) == loose(n.as_str()));
            problems.push(format!(
                "invoice {n} of debtor {} is not in the store{}: the letter's term would hold no \
                 claim for it (import the ledger that has it first)",
                r.debtor,
                close
                    .map(|d| format!(
                        " (did you mean {} of debtor {}?)",
                        d.document.number, d.document.debtor
                    ))
                    .unwrap_or_default()
            ));
        }
    }
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// Refuses 14-day letters dated on or before the due date of an invoice they name: the debtor
/// was not yet in default, so the letter counts for nothing (art. 6:96 lid 6 BW, art. XIX.2 WER).
/// Invoices the ledger does not have yet are named in a warning; the claims check them again.
pub fn check_after_default(docs: &[LedgerDocument], letters: &[Reminder]) -> Result<()> {
    let mut problems = Vec::new();
    for r in letters {
        // A letter naming no invoice counts for each of the debtor's invoices in default when it
        // was sent: refused when that is none of them.
        if r.items.is_empty() && r.kind == ReminderKind::FourteenDayLetter {
            let dues: Vec<(&DocumentNumber, NaiveDate)> = docs
                .iter()
                .filter(|d| {
                    d.document.kind == DocumentKind::Invoice
                        && d.document.debtor == r.debtor
                        && !matches!(
                            d.document.status,
                            DocumentStatus::Paid | DocumentStatus::Void | DocumentStatus::Credited
                        )
                })
                .map(|d| (&d.document.number, d.document.due_date))
                .collect();
            if !dues.is_empty() && dues.iter().all(|(_, due)| r.sent <= *due) {
                problems.extend(
                    dues.iter()
                        .filter_map(|(n, due)| letter_before_default(r.kind, r.sent, n, *due)),
                );
            }
        }
        for number in &r.items {
            let due = docs
                .iter()
                .filter(|d| {
                    d.document.kind == DocumentKind::Invoice
                        && d.document.debtor == r.debtor
                        && d.document.number.normalised() == number.normalised()
                })
                .map(|d| d.document.due_date)
                .max();
            match due {
                Some(due) => problems.extend(letter_before_default(r.kind, r.sent, number, due)),
                None if r.kind == ReminderKind::FourteenDayLetter => tracing::warn!(
                    "invoice {number} of debtor {} is not in the ledger: the letter of {} counts for it only if it was sent after its due date",
                    r.debtor,
                    r.sent
                ),
                None => {}
            }
        }
    }
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
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
