//! `incasso calc`: the law calculators for bookkeepers and tests (costs, interest, whole claim).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use incasso_core::law::claim::{self, B2bMinimum, ClaimInput, ClaimResult, InterestSegment};
use incasso_core::law::costs::{collection_costs, Costs, CostsTerms};
use incasso_core::law::{DebtorType, Jurisdiction, Traced};
use incasso_core::money::format_cents;
use rust_decimal::Decimal;
use serde_json::json;

use crate::args::{parse_date, parse_money, DebtorArg, JurisdictionArg};
use crate::exit::ExitStatus;

/// Arguments of `incasso calc`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: CalcCommand,
}

#[derive(clap::Subcommand)]
enum CalcCommand {
    /// Extrajudicial collection costs over a principal (NL: WIK staffel; BE: EUR 40 or Boek XIX).
    Costs(CostsArgs),
    /// Statutory interest from one date through another (both inclusive), with payments.
    Interest(InterestArgs),
    /// A whole claim from a JSON file: costs, interest, payment allocation, totals.
    Claim {
        /// The claim input (see README: jurisdiction, debtor_type, invoices, payments, reminder, ...).
        #[arg(long)]
        input: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: CalcFormat,
    },
}

/// Arguments of `incasso calc costs`.
#[derive(clap::Args)]
struct CostsArgs {
    /// The principal (hoofdsom), e.g. 1234.56.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_money)]
    principal: Decimal,
    /// nl or be.
    #[arg(long, value_enum)]
    jurisdiction: JurisdictionArg,
    /// consumer or business.
    #[arg(long, value_enum)]
    debtor: DebtorArg,
    /// Whether the creditor deducts VAT (NL: if not, 21% VAT is added to the costs).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    vat_deductible: bool,
    /// Number of late invoices (B2B: EUR 40 each at least).
    #[arg(long, default_value_t = 1)]
    invoices: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: CalcFormat,
}

/// Arguments of `incasso calc interest`.
#[derive(clap::Args)]
struct InterestArgs {
    /// The principal, e.g. 1500.00.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_money)]
    principal: Decimal,
    /// First day of interest.
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    from: NaiveDate,
    /// Last day of interest.
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    to: NaiveDate,
    /// nl or be.
    #[arg(long, value_enum)]
    jurisdiction: JurisdictionArg,
    /// consumer or business.
    #[arg(long, value_enum)]
    debtor: DebtorArg,
    /// A payment as DATE=AMOUNT; repeat for several.
    #[arg(long = "payment", value_parser = parse_payment)]
    payments: Vec<(NaiveDate, Decimal)>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: CalcFormat,
}

/// Runs one calculator.
pub fn run(a: Args) -> Result<ExitStatus> {
    match a.command {
        CalcCommand::Costs(a) => costs(a),
        CalcCommand::Interest(a) => interest(a),
        CalcCommand::Claim { input, format } => claim(&input, format),
    }
}

/// Output of the calculators.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CalcFormat {
    /// Lines for people.
    Text,
    /// JSON with decimal strings and the trace.
    Json,
}

fn print_json(v: &serde_json::Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn print_trace(t: &Traced) {
    for l in &t.trace {
        let base = l
            .base
            .as_deref()
            .map(|b| format!(" over {b}"))
            .unwrap_or_default();
        let rate = l
            .rate
            .as_deref()
            .map(|r| format!(" at {r}"))
            .unwrap_or_default();
        println!("  {}{base}{rate}: {}", l.step, l.amount);
    }
}

/// Collection costs over a principal.
fn costs(a: CostsArgs) -> Result<ExitStatus> {
    let CostsArgs {
        principal,
        vat_deductible,
        invoices,
        format,
        ..
    } = a;
    let (jurisdiction, debtor): (Jurisdiction, DebtorType) =
        (a.jurisdiction.into(), a.debtor.into());
    let terms = CostsTerms {
        jurisdiction,
        debtor_type: debtor,
        late_invoices: invoices,
        creditor_vat_deductible: vat_deductible,
        b2b_minimum: B2bMinimum::PerInvoice,
        agreed_costs_pct: None,
        damages_clause: true,
    };
    let Costs { costs, vat } = collection_costs(principal, &terms)?;
    match format {
        CalcFormat::Json => print_json(&json!({
            "amount": format_cents(costs.amount),
            "vat": format_cents(vat),
            "amount_incl_vat": format_cents(costs.amount + vat),
            "trace": costs.trace,
        }))?,
        CalcFormat::Text => {
            println!(
                "collection costs: {} (VAT {}, total {})",
                format_cents(costs.amount),
                format_cents(vat),
                format_cents(costs.amount + vat)
            );
            print_trace(&costs);
        }
    }
    Ok(ExitStatus::Success)
}

/// Parses `DATE=AMOUNT` for `--payment`.
pub fn parse_payment(s: &str) -> Result<(NaiveDate, Decimal), String> {
    let (d, a) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}': expected DATE=AMOUNT, e.g. 2025-03-10=200.00"))?;
    let date = d
        .trim()
        .parse::<NaiveDate>()
        .map_err(|e| format!("'{d}': {e}"))?;
    let amount = Decimal::from_str_exact(a.trim()).map_err(|e| format!("'{a}': {e}"))?;
    if !incasso_core::money::within_limit(amount) {
        return Err(incasso_core::money::beyond_limit(amount));
    }
    Ok((date, amount))
}

/// Statutory interest over a principal from one date through another, with payments.
fn interest(a: InterestArgs) -> Result<ExitStatus> {
    let InterestArgs {
        principal,
        from,
        to,
        format,
        ..
    } = a;
    let (jurisdiction, debtor): (Jurisdiction, DebtorType) =
        (a.jurisdiction.into(), a.debtor.into());
    let payments = &a.payments;
    anyhow::ensure!(to >= from, "--to {to} is before --from {from}");
    let input = ClaimInput::interest_only(principal, (from, to), jurisdiction, debtor, payments)
        .context("--from is too early")?;
    let r = claim::calculate_interest(&input)?;
    match format {
        CalcFormat::Json => print_json(&json!({
            "amount": format_cents(r.interest_accrued_total),
            "interest_outstanding": format_cents(r.interest_outstanding),
            "principal_outstanding": format_cents(r.principal_outstanding),
            "table": r.interest_table,
            "payment_allocation": r.payment_allocation,
            "trace": r.interest_segments,
        }))?,
        CalcFormat::Text => {
            println!(
                "interest {from} through {to} ({}): {}",
                r.interest_table,
                format_cents(r.interest_accrued_total)
            );
            print_segments(&r);
        }
    }
    Ok(ExitStatus::Success)
}

fn print_segments(r: &ClaimResult) {
    for s in &r.interest_segments {
        match s {
            InterestSegment::Period {
                invoice,
                from,
                to_incl,
                days,
                base,
                rate_pct,
                interest,
                ..
            } => println!(
                "  {invoice} {from} .. {to_incl}: {days} days x {} at {}% / 365 = {}",
                format_cents(*base),
                format_cents(*rate_pct),
                format_cents(*interest)
            ),
            InterestSegment::Capitalisation {
                invoice,
                capitalised_on,
                new_base,
            } => {
                println!(
                    "  {invoice} {capitalised_on}: unpaid interest added, base now {}",
                    format_cents(*new_base)
                )
            }
        }
    }
}

/// The whole claim from a JSON input file.
fn claim(input: &Path, format: CalcFormat) -> Result<ExitStatus> {
    let text =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    let parsed: ClaimInput = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a valid claim input", input.display()))?;
    let r = claim::calculate(&parsed).with_context(|| format!("{}", input.display()))?;
    match format {
        CalcFormat::Json => print_json(&serde_json::to_value(&r)?)?,
        CalcFormat::Text => {
            for (label, amount) in [
                ("principal outstanding", r.principal_outstanding),
                ("collection costs excl. VAT", r.collection_costs_excl_vat),
                ("VAT on costs", r.collection_costs_vat),
                ("costs paid", r.collection_costs_paid),
                ("interest accrued", r.interest_accrued_total),
                ("interest outstanding", r.interest_outstanding),
                ("total outstanding", r.total_outstanding),
            ] {
                println!("{label:<26} {:>12}", format_cents(amount));
            }
            if let Some(n) = &r.costs_note {
                println!("note: {n}");
            }
            for p in &r.payment_allocation {
                let interest: Decimal = p.to_interest.iter().map(|i| i.amount).sum();
                let principal: Decimal = p.to_principal.iter().map(|i| i.amount).sum();
                println!(
                    "payment {} of {}: costs {}, interest {}, principal {}, unallocated {}",
                    p.date,
                    format_cents(p.amount),
                    format_cents(p.to_costs),
                    format_cents(interest),
                    format_cents(principal),
                    format_cents(p.unallocated)
                );
            }
            println!("interest ({}):", r.interest_table);
            print_segments(&r);
        }
    }
    Ok(ExitStatus::Success)
}
