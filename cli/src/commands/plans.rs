//! `incasso plans add|list`: payment plans (betalingsregelingen) and compromises.

use std::io::{BufWriter, Write};

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::open_items;
use incasso_core::collection::{Instalment, PaymentPlan, PlanState};
use incasso_core::ids::DebtorId;
use incasso_core::money::format_cents;
use incasso_engine::reconciled::{reconciled, Reconciled};
use rust_decimal::Decimal;

use super::calc::parse_payment;
use super::reminders::numbers;
use crate::args::{parse_date, parse_money, AsOf, Format};
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Arguments of `incasso plans`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: PlansCommand,
}

impl Args {
    /// Whether the command only reads.
    pub fn reads_only(&self) -> bool {
        matches!(self.command, PlansCommand::List { .. })
    }
}

#[derive(clap::Subcommand)]
enum PlansCommand {
    /// Record a payment plan or compromise.
    Add {
        /// An id for the plan.
        #[arg(long)]
        id: String,
        /// The debtor's id.
        #[arg(long)]
        debtor: String,
        /// The invoices it covers, comma-separated.
        #[arg(long)]
        items: String,
        /// Date agreed (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        agreed: Option<NaiveDate>,
        /// An instalment as DATE=AMOUNT; repeat for each.
        #[arg(long = "instalment", value_parser = parse_payment)]
        instalments: Vec<(NaiveDate, Decimal)>,
        /// A compromise: the lower amount that settles the invoices (the rest is written off).
        #[arg(long, value_parser = parse_money)]
        settle_for: Option<Decimal>,
    },
    /// List plans and whether they are kept.
    List {
        #[command(flatten)]
        as_of: AsOf,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// Runs `plans add` or `plans list`.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    match a.command {
        PlansCommand::Add {
            id,
            debtor,
            items,
            agreed,
            instalments,
            settle_for,
        } => add(
            ctx,
            Plan {
                id: &id,
                debtor: &debtor,
                items: &items,
                agreed: ctx.date(agreed),
                instalments: &instalments,
                settle_for,
            },
        ),
        PlansCommand::List { as_of, format } => {
            let grace = ctx.ws.policy()?.plan_grace_days;
            list(ctx, ctx.date(as_of.as_of), grace, format)
        }
    }
}

/// A plan as typed.
struct Plan<'a> {
    id: &'a str,
    debtor: &'a str,
    items: &'a str,
    agreed: NaiveDate,
    instalments: &'a [(NaiveDate, Decimal)],
    settle_for: Option<Decimal>,
}

/// Records a plan over some of a debtor's open invoices.
fn add(ctx: &Ctx, p: Plan<'_>) -> Result<ExitStatus> {
    let Plan {
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
    let items = numbers(items)?;
    anyhow::ensure!(
        !items.is_empty(),
        "give the invoices the plan covers with --items"
    );
    let debtor = DebtorId::new(debtor)?;
    let store = ctx.ws.store()?;
    let Reconciled { docs, rec, .. } = reconciled(store, agreed, &ctx.ws.policy()?.matching)?;
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
    Ok(ExitStatus::Success)
}

/// Lists plans with their state as of a date.
fn list(ctx: &Ctx, as_of: NaiveDate, grace_days: u32, format: Format) -> Result<ExitStatus> {
    let store = ctx.ws.store()?;
    let plans = store.plans()?;
    let Reconciled { docs, rec, .. } = reconciled(store, as_of, &ctx.ws.policy()?.matching)?;
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
        Format::Csv => render::csv(&mut out, &header, &rows)?,
        Format::Table => render::table(&mut out, &header, &rows)?,
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
