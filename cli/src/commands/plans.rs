//! `incasso plans add|list`: payment plans (betalingsregelingen) and compromises.

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::money::format_cents;
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
            &id,
            &debtor,
            &items,
            ctx.date(agreed),
            &instalments,
            settle_for,
        ),
        PlansCommand::List { as_of, format } => list(ctx, ctx.date(as_of.as_of), format),
    }
}

/// Records a plan over some of a debtor's open invoices.
fn add(
    ctx: &Ctx,
    id: &str,
    debtor: &str,
    items: &str,
    agreed: NaiveDate,
    instalments: &[(NaiveDate, Decimal)],
    settle_for: Option<Decimal>,
) -> Result<ExitStatus> {
    let (plan, added) = incasso_engine::plans::add(
        &ctx.ws,
        incasso_engine::plans::NewPlan {
            id,
            debtor,
            items: numbers(items)?,
            agreed,
            instalments,
            settle_for,
        },
    )?;
    if added {
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
fn list(ctx: &Ctx, as_of: NaiveDate, format: Format) -> Result<ExitStatus> {
    let plans = incasso_engine::plans::kept(&ctx.ws, as_of)?;
    let mut out = render::stdout();
    let header: &[&str] = &[
        "plan",
        "debtor",
        "items",
        "agreed",
        "open_at_agreement",
        "settle_for",
        "open_now",
        "state",
    ];
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|(p, open_now, state)| {
            let state = state.describe(as_of);
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
                format_cents(*open_now),
                state,
            ]
        })
        .collect();
    match format {
        Format::Json => {
            let v: Vec<_> = plans
                .iter()
                .zip(&rows)
                .map(|((p, _, _), r)| serde_json::json!({ "plan": p, "open_now": r[6], "state": r[7] }))
                .collect();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => render::csv(&mut out, header, &rows)?,
        Format::Table => render::table(&mut out, header, &rows)?,
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
