//! `incasso plans add|list`: payment plans (betalingsregelingen) and compromises.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::open_items;
use incasso_core::collection::{Instalment, PaymentPlan, PlanState};
use incasso_core::ids::DebtorId;
use incasso_core::money::format_cents;
use incasso_store::Store;
use rust_decimal::Decimal;

use super::reminders::numbers;
use crate::{output, Format};

/// Records a plan over some of a debtor's open invoices.
#[allow(clippy::too_many_arguments)]
pub fn add(
    data_dir: &Path,
    id: &str,
    debtor: &str,
    items: &str,
    agreed: NaiveDate,
    instalments: &[(NaiveDate, Decimal)],
    settle_for: Option<Decimal>,
) -> Result<ExitCode> {
    anyhow::ensure!(
        !instalments.is_empty(),
        "give at least one --instalment DATE=AMOUNT"
    );
    let items = numbers(items)?;
    anyhow::ensure!(
        !items.is_empty(),
        "give the invoices the plan covers with --items"
    );
    let debtor = DebtorId::new(debtor)?;
    let store = Store::open(data_dir)?;
    let matching = crate::config::policy(data_dir, None)?.matching;
    let crate::ledger::Reconciled { docs, rec, .. } =
        crate::ledger::reconciled(&store, agreed, &matching)?;
    let open = open_items(&docs, &rec, agreed);
    let mut open_at_agreement = Decimal::ZERO;
    for n in &items {
        let it = open
            .iter()
            .find(|it| it.number.normalised() == n.normalised() && it.debtor == &debtor)
            .ok_or_else(|| {
                anyhow::anyhow!("invoice {n} is not open for debtor {debtor} on {agreed}")
            })?;
        open_at_agreement += it.open;
    }
    let mut inst: Vec<Instalment> = instalments
        .iter()
        .map(|(due, amount)| Instalment {
            due: *due,
            amount: *amount,
        })
        .collect();
    inst.sort_by_key(|i| i.due);
    for i in &inst {
        anyhow::ensure!(
            i.amount > Decimal::ZERO,
            "instalment of {} must be positive",
            i.due
        );
    }
    let total: Decimal = inst.iter().map(|i| i.amount).sum();
    match settle_for {
        Some(s) => {
            anyhow::ensure!(s > Decimal::ZERO && s <= open_at_agreement, "--settle-for {s} must be positive and at most the open {open_at_agreement}");
            anyhow::ensure!(total == s, "instalments add up to {total}, but the compromise is {s}");
        }
        None => anyhow::ensure!(
            total == open_at_agreement,
            "instalments add up to {total}, but {open_at_agreement} is open; use --settle-for for a compromise"
        ),
    }
    let plan = PaymentPlan {
        id: id.to_string(),
        debtor,
        items,
        agreed_on: agreed,
        open_at_agreement,
        instalments: inst,
        settle_for,
    };
    if store.add_plan(&plan, chrono::Utc::now())? {
        println!(
            "recorded plan {id}: {} in {} instalments",
            format_cents(plan.agreed_total()),
            plan.instalments.len()
        );
        if !plan.write_off().is_zero() {
            println!(
                "compromise: {} is written off (recorded in the audit log)",
                format_cents(plan.write_off())
            );
        }
    } else {
        println!("plan {id} was already recorded; nothing changed");
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists plans with their state as of a date.
pub fn list(
    data_dir: &Path,
    as_of: NaiveDate,
    grace_days: u32,
    format: Format,
) -> Result<ExitCode> {
    let store = Store::open(data_dir)?;
    let plans = store.plans()?;
    let matching = crate::config::policy(data_dir, None)?.matching;
    let crate::ledger::Reconciled { docs, rec, .. } =
        crate::ledger::reconciled(&store, as_of, &matching)?;
    let open = open_items(&docs, &rec, as_of);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let header: Vec<String> = [
        "plan",
        "debtor",
        "items",
        "agreed",
        "open_at_agreement",
        "settle_for",
        "open_now",
        "state",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            let open_now: Decimal = p
                .items
                .iter()
                .filter_map(|n| {
                    open.iter()
                        .find(|it| it.number.normalised() == n.normalised())
                        .map(|it| it.open)
                })
                .sum();
            let state = match p.state(open_now, as_of, grace_days) {
                PlanState::Kept { next: Some(d) } => format!("kept, next instalment {d}"),
                PlanState::Kept { next: None } => "kept".into(),
                PlanState::Broken { missed, short } => format!(
                    "broken: instalment of {missed} short by {}",
                    format_cents(short)
                ),
                PlanState::Completed => "completed".into(),
            };
            vec![
                p.id.clone(),
                p.debtor.to_string(),
                p.items
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                p.agreed_on.to_string(),
                format_cents(p.open_at_agreement),
                p.settle_for.map(format_cents).unwrap_or_default(),
                format_cents(open_now),
                state,
            ]
        })
        .collect();
    match format {
        Format::Json => {
            let v: Vec<_> = plans
                .iter()
                .zip(&rows)
                .map(|(p, r)| serde_json::json!({ "plan": p, "open_now": r[6], "state": r[7] }))
                .collect();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => output::csv(&mut out, &header, &rows)?,
        Format::Table => output::table(&mut out, &header, &rows)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
