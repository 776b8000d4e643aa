//! `incasso claims`: which debts go to the agency as of a date, with the law's amounts, and why
//! every other overdue item does not (see `incasso_engine::claims`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::money::format_cents;

use crate::args::{parse_date, Format};
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Arguments of `incasso claims`.
#[derive(clap::Args)]
pub struct Args {
    /// The date to decide on (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Folder with newer rate tables (default: rates/ in the data directory).
    #[arg(long)]
    pub rates: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Prints the preview.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let (as_of, format) = (ctx.date(a.as_of), a.format);
    let rates = a.rates.as_deref();
    // The preview kept for the store as it is, else the ledger's, worked out now and kept.
    let mut ledger = None;
    let p = match incasso_engine::kept_claims::kept(&ctx.ws, as_of, rates)? {
        Some(p) => p,
        None => {
            let l = ledger.insert(incasso_engine::reconciled::receivables(
                ctx.ws.store()?,
                as_of,
                &ctx.ws.policy()?.matching,
            )?);
            incasso_engine::kept_claims::work_out_and_keep(&ctx.ws, l.view(), as_of, rates)?
        }
    };
    // A sync that stopped half-way leaves the ledger behind the books: `submit` refuses, and the
    // preview says why it may show debts already paid there.
    let behind = ctx.ws.store()?.syncs_behind()?;
    if !behind.is_empty() {
        eprintln!(
            "note: the last sync of {} did not complete: the ledger may be behind the books (an invoice paid or credited there may look open here), and `incasso submit` refuses until `incasso sync` completes",
            behind.join(", ")
        );
    }
    let creditor = &ctx.ws.policy()?.creditor;
    if creditor.name.is_none() || creditor.iban.is_none() {
        eprintln!(
            "note: these claims name no creditor or account to pay to; `incasso submit` and `incasso letter` refuse until name and iban are set under [creditor] in the policy"
        );
    } else if let Err(why) = creditor.named("a claim") {
        // A preview that said nothing of an account `submit` refuses (review 46c, F-6).
        eprintln!("note: {why}; `incasso submit` and `incasso letter` refuse until it is");
    }
    let mut out = render::stdout();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "as_of": as_of.to_string(), "claims": p.claims, "excluded": p.excluded }),
            )?;
            writeln!(out)?;
        }
        Format::Csv => {
            let header: &[&str] = &[
                "claim",
                "debtor",
                "debtor_type",
                "jurisdiction",
                "currency",
                "items",
                "principal",
                "costs_incl_vat",
                "interest",
                "total",
                "fourteen_day_letter",
            ];
            let rows: Vec<Vec<String>> = p
                .claims
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.debtor.id.to_string(),
                        format!("{:?}", c.debtor_type).to_lowercase(),
                        c.jurisdiction.to_string(),
                        c.currency.to_string(),
                        c.items.len().to_string(),
                        format_cents(c.amounts.principal_outstanding),
                        format_cents(c.amounts.collection_costs_incl_vat),
                        format_cents(c.amounts.interest_outstanding),
                        format_cents(c.amounts.total_outstanding),
                        c.fourteen_day_letter
                            .as_ref()
                            .map(|l| l.letter.sent.to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            render::csv(&mut out, header, &rows)?;
        }
        Format::Table => {
            writeln!(
                out,
                "Claims as of {as_of}: {} ready, {} overdue items held back",
                p.claims.len(),
                p.excluded.len()
            )?;
            let header: &[&str] = &[
                "claim",
                "debtor",
                "type",
                "law",
                "items",
                "principal",
                "costs",
                "interest",
                "total",
            ];
            let rows: Vec<Vec<String>> = p
                .claims
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.debtor
                            .name
                            .clone()
                            .map(|n| format!("{} ({})", c.debtor.id, n))
                            .unwrap_or_else(|| c.debtor.id.to_string()),
                        format!("{:?}", c.debtor_type).to_lowercase(),
                        c.jurisdiction.to_string(),
                        c.items.len().to_string(),
                        format!(
                            "{} {}",
                            c.currency,
                            format_cents(c.amounts.principal_outstanding)
                        ),
                        format_cents(c.amounts.collection_costs_incl_vat),
                        format_cents(c.amounts.interest_outstanding),
                        format_cents(c.amounts.total_outstanding),
                    ]
                })
                .collect();
            render::table(&mut out, header, &rows)?;
            if !p.excluded.is_empty() {
                writeln!(out, "\nHeld back:")?;
                let header: &[&str] = &[
                    "debtor",
                    "invoice",
                    "open",
                    "due_date",
                    "days_overdue",
                    "reason",
                ];
                let rows: Vec<Vec<String>> = p
                    .excluded
                    .iter()
                    .map(|e| {
                        vec![
                            e.debtor.clone(),
                            e.number.clone(),
                            format!("{} {}", e.currency, format_cents(e.open)),
                            e.due_date.to_string(),
                            e.days_overdue.to_string(),
                            e.reason.clone(),
                        ]
                    })
                    .collect();
                render::table(&mut out, header, &rows)?;
            }
        }
    }
    out.flush()?;
    render::exit_without_freeing((ledger, p));
    Ok(ExitStatus::Success)
}
