//! `incasso claims`: which debts go to the agency as of a date, with the law's amounts, and why
//! every other overdue item does not.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::open_items;
use incasso_core::collection::claims::{preview, ClaimsPreview, Ledger};
use incasso_core::money::format_cents;
use incasso_store::Store;

use crate::{config, output, Format};

/// Computes the claims preview as of a date from the store, policy and rate tables.
pub fn compute(
    data_dir: &Path,
    as_of: NaiveDate,
    policy_file: Option<&Path>,
    rates_dir: Option<&Path>,
) -> Result<ClaimsPreview> {
    let t = std::time::Instant::now();
    let policy = config::policy(data_dir, policy_file)?;
    let tables = config::rates(data_dir, rates_dir)?;
    let store = Store::open(data_dir)?;
    let crate::ledger::Reconciled {
        docs,
        debtors,
        rec,
        payments,
        matching,
    } = crate::ledger::reconciled(&store, as_of, &policy.matching)?;
    let unallocated = matching.unapplied_by_debtor(&payments);
    let reminders = store.reminders()?;
    let plans = store.plans()?;
    let creditor = store.creditor()?;
    let attachments = store.all_attachments()?;
    drop(store);
    let loaded = t.elapsed().as_secs_f64();
    let items = open_items(&docs, &rec, as_of);
    let reconciled = t.elapsed().as_secs_f64();
    let ledger = Ledger {
        creditor: &creditor,
        items: &items,
        debtors: &debtors,
        reminders: &reminders,
        plans: &plans,
        attachments: &attachments,
        unallocated: &unallocated,
    };
    let result = preview(&ledger, &policy, &tables, as_of);
    tracing::info!(
        load_s = loaded,
        reconcile_s = reconciled - loaded,
        preview_s = t.elapsed().as_secs_f64() - reconciled,
        claims = result.claims.len(),
        "claims computed"
    );
    drop(items);
    // The process ends soon after; freeing every record one by one only costs time.
    std::mem::forget(docs);
    Ok(result)
}

/// Prints the preview.
pub fn run(
    data_dir: &Path,
    as_of: NaiveDate,
    policy_file: Option<&Path>,
    rates_dir: Option<&Path>,
    format: Format,
) -> Result<ExitCode> {
    let p = compute(data_dir, as_of, policy_file, rates_dir)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "as_of": as_of.to_string(), "claims": p.claims, "excluded": p.excluded }),
            )?;
            writeln!(out)?;
        }
        Format::Csv => {
            let header: Vec<String> = [
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
            ]
            .map(String::from)
            .to_vec();
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
                            .map(|l| l.sent.to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            output::csv(&mut out, &header, &rows)?;
        }
        Format::Table => {
            writeln!(
                out,
                "Claims as of {as_of}: {} ready, {} overdue items held back",
                p.claims.len(),
                p.excluded.len()
            )?;
            let header: Vec<String> = [
                "claim",
                "debtor",
                "type",
                "law",
                "items",
                "principal",
                "costs",
                "interest",
                "total",
            ]
            .map(String::from)
            .to_vec();
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
            output::table(&mut out, &header, &rows)?;
            if !p.excluded.is_empty() {
                writeln!(out, "\nHeld back:")?;
                let header: Vec<String> = [
                    "debtor",
                    "invoice",
                    "open",
                    "due_date",
                    "days_overdue",
                    "reason",
                ]
                .map(String::from)
                .to_vec();
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
                output::table(&mut out, &header, &rows)?;
            }
        }
    }
    out.flush()?;
    std::mem::forget(p);
    Ok(ExitCode::SUCCESS)
}
