//! Payment plans (betalingsregelingen) and compromises: recorded over a debtor's open invoices,
//! with instalments that must add up to what is open (or to the compromise).

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::open_items;
use incasso_core::collection::{Instalment, PaymentPlan, PlanState};
use incasso_core::ids::{DebtorId, DocumentNumber};
use rust_decimal::Decimal;

use crate::reconciled::reconciled_ledger;
use crate::Workspace;

/// A plan as a person states it.
pub struct NewPlan<'a> {
    /// An id for the plan.
    pub id: &'a str,
    /// The debtor's id.
    pub debtor: &'a str,
    /// The invoices it covers.
    pub items: Vec<DocumentNumber>,
    /// The day it was agreed.
    pub agreed: NaiveDate,
    /// Each instalment's due date and amount.
    pub instalments: &'a [(NaiveDate, Decimal)],
    /// A compromise: the lower amount that settles the invoices.
    pub settle_for: Option<Decimal>,
}

/// Checks a plan against the ledger and records it; the plan, and whether it is new.
pub fn add(ws: &Workspace, p: NewPlan<'_>) -> Result<(PaymentPlan, bool)> {
    let NewPlan {
        id,
        debtor,
        items,
        agreed,
        instalments,
        settle_for,
    } = p;
    anyhow::ensure!(
        !instalments.is_empty(),
        "give at least one --instalment DATE=AMOUNT"
    );
    anyhow::ensure!(
        !items.is_empty(),
        "give the invoices the plan covers with --items"
    );
    let debtor = DebtorId::new(debtor)?;
    let store = ws.store()?;
    let (docs, amounts) = reconciled_ledger(store, agreed, &ws.policy()?.matching)?;
    let open = open_items(&docs, &amounts.open, agreed);
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
    let added = store.add_plan(&plan, chrono::Utc::now())?;
    Ok((plan, added))
}

/// Every plan with what is open on its invoices now and whether it is kept (a missed
/// instalment counts after the policy's grace days).
pub fn kept(ws: &Workspace, as_of: NaiveDate) -> Result<Vec<(PaymentPlan, Decimal, PlanState)>> {
    let store = ws.store()?;
    let policy = ws.policy()?;
    let (docs, amounts) = reconciled_ledger(store, as_of, &policy.matching)?;
    let open = open_items(&docs, &amounts.open, as_of);
    Ok(store
        .plans()?
        .into_iter()
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
            let state = p.state(open_now, as_of, policy.plan_grace_days);
            (p, open_now, state)
        })
        .collect())
}
