//! `incasso receivables`, `incasso ageing` and `incasso audit`: read-only views of the store.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::{ageing as age, open_items, sort_items, AgeingBasis, Buckets, OpenItem};
use incasso_core::cells::neutralise_formula;
use incasso_core::money::format_cents;
use incasso_engine::report::plural;
use incasso_store::OpenDocuments;
use serde_json::json;

use crate::args::{parse_buckets, parse_date, Format};
use crate::exit::ExitStatus;
use crate::{render, Ctx};

/// Output format of `incasso receivables`: the report formats, or a workbook.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReceivablesFormat {
    /// Aligned columns for people.
    Table,
    /// Comma-separated, `.` decimals, ISO dates; formula-like cells neutralised.
    Csv,
    /// JSON with amounts as decimal strings.
    Json,
    /// An Excel workbook with date and number cells (with --out).
    Xlsx,
}

/// What ageing counts from.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Basis {
    /// Days past the due date.
    Due,
    /// Days since the issue date.
    Issue,
}

/// Grouping of the ageing report.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// One row per debtor and currency.
    Debtor,
}

/// Arguments of `incasso receivables`.
#[derive(clap::Args)]
pub struct ReceivablesArgs {
    /// The date to look from (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Output format (xlsx needs --out).
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReceivablesFormat,
    /// File to write (for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `incasso ageing`.
#[derive(clap::Args)]
pub struct AgeingArgs {
    /// The date to look from (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// One row per debtor.
    #[arg(long, value_enum)]
    pub by: Option<GroupBy>,
    /// Bucket boundaries in days, increasing, e.g. 30,60,90.
    #[arg(long, default_value = "30,60,90", value_parser = parse_buckets)]
    pub buckets: String,
    /// Count age from the due date or the issue date.
    #[arg(long, value_enum, default_value = "due")]
    pub basis: Basis,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The ledger's open documents and their open amounts (payments applied) as of a date.
fn open_ledger(ctx: &Ctx, as_of: NaiveDate) -> Result<OpenDocuments> {
    incasso_engine::reconciled::open_ledger(ctx.ws.store()?, as_of, &ctx.ws.policy()?.matching)
}

/// Lists open items as a table, CSV, JSON or a workbook.
pub fn receivables(ctx: &Ctx, a: ReceivablesArgs) -> Result<ExitStatus> {
    let as_of = ctx.date(a.as_of);
    let format = match a.format {
        ReceivablesFormat::Xlsx => {
            let Some(out) = a.out else {
                anyhow::bail!("--format xlsx writes a file: give --out FILE.xlsx");
            };
            let n = incasso_engine::report::workbook::receivables(&ctx.ws, as_of, &out)?;
            println!("{n} open items written to {}", out.display());
            return Ok(ExitStatus::Success);
        }
        ReceivablesFormat::Csv => Format::Csv,
        ReceivablesFormat::Json => Format::Json,
        ReceivablesFormat::Table => Format::Table,
    };
    receivables_listed(ctx, as_of, format)
}

/// Lists open items; the CSV columns are fixed: invoice,debtor,currency,total,open,due_date,days_overdue,bucket.
fn receivables_listed(ctx: &Ctx, as_of: NaiveDate, format: Format) -> Result<ExitStatus> {
    let open = open_ledger(ctx, as_of)?;
    let mut items = open_items(&open.docs, &open.open, as_of);
    sort_items(&mut items);
    let buckets = Buckets::default();
    let labels = buckets.labels();
    let bucket = |it: &OpenItem| labels[buckets.index((as_of - it.due_date).num_days())].clone();
    let mut out = render::stdout();
    match format {
        Format::Csv => {
            writeln!(
                out,
                "invoice,debtor,currency,total,open,due_date,days_overdue,bucket"
            )?;
            let mut w = csv::Writer::from_writer(&mut out);
            for it in &items {
                w.write_record([
                    &*neutralise_formula(it.number.as_str()),
                    &*neutralise_formula(it.debtor.as_str()),
                    it.currency.as_str(),
                    &format_cents(it.total),
                    &format_cents(it.open),
                    &it.due_date.to_string(),
                    &it.days_overdue.to_string(),
                    &bucket(it),
                ])?;
            }
            w.flush()?;
        }
        Format::Json => {
            let view = incasso_engine::views::receivables(&items, as_of);
            serde_json::to_writer_pretty(&mut out, &view)?;
            writeln!(out)?;
        }
        Format::Table => {
            let header: &[&str] = &[
                "invoice",
                "debtor",
                "currency",
                "total",
                "open",
                "due_date",
                "days_overdue",
                "bucket",
                "status",
            ];
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|it| {
                    vec![
                        it.number.to_string(),
                        it.debtor.to_string(),
                        it.currency.to_string(),
                        format_cents(it.total),
                        format_cents(it.open),
                        it.due_date.to_string(),
                        it.days_overdue.to_string(),
                        bucket(it),
                        format!("{:?}", it.status).to_lowercase(),
                    ]
                })
                .collect();
            writeln!(out, "Open items as of {as_of}: {}", items.len())?;
            render::table(&mut out, header, &rows)?;
        }
    }
    out.flush()?;
    drop(items);
    render::exit_without_freeing(open);
    Ok(ExitStatus::Success)
}

/// Totals per currency (and debtor) and bucket; currencies are never added together.
pub fn ageing(ctx: &Ctx, a: AgeingArgs) -> Result<ExitStatus> {
    let (as_of, by_debtor, format) = (ctx.date(a.as_of), a.by.is_some(), a.format);
    let buckets = Buckets::parse(&a.buckets)?;
    let basis = match a.basis {
        Basis::Due => AgeingBasis::Due,
        Basis::Issue => AgeingBasis::Issue,
    };
    let open = open_ledger(ctx, as_of)?;
    let items = open_items(&open.docs, &open.open, as_of);
    let rows = age(&items, &buckets, basis, as_of, by_debtor);
    let labels = buckets.labels();
    let mut header: Vec<String> = Vec::new();
    if by_debtor {
        header.push("debtor".into());
    }
    header.push("currency".into());
    header.extend(labels.iter().cloned());
    header.push("total".into());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = Vec::new();
            if let Some(d) = &r.debtor {
                cells.push(d.to_string());
            }
            cells.push(r.currency.to_string());
            cells.extend(r.amounts.iter().map(|a| format_cents(*a)));
            cells.push(format_cents(r.total()));
            cells
        })
        .collect();
    let mut out = render::stdout();
    match format {
        Format::Csv => render::csv(&mut out, &header_refs, &table_rows)?,
        Format::Json => {
            let view = incasso_engine::views::ageing(&rows, &buckets, basis, as_of);
            serde_json::to_writer_pretty(&mut out, &view)?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(
                out,
                "Ageing as of {as_of} (days since {} date), {} open",
                basis,
                plural(items.len(), "item")
            )?;
            render::table(&mut out, &header_refs, &table_rows)?;
        }
    }
    out.flush()?;
    drop(rows);
    drop(items);
    render::exit_without_freeing(open);
    Ok(ExitStatus::Success)
}

/// Shows the imports and the audit log.
pub fn audit(ctx: &Ctx, format: Format) -> Result<ExitStatus> {
    let store = ctx.ws.store()?;
    let imports = store.imports()?;
    let log = store.audit_log()?;
    let mut out = render::stdout();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &json!({ "imports": imports, "audit": log }))?;
            writeln!(out)?;
        }
        Format::Csv | Format::Table => {
            let header: &[&str] = &["seq", "at", "import", "action", "subject", "detail"];
            let rows: Vec<Vec<String>> = incasso_engine::audit::lines(&imports, &log)
                .into_iter()
                .map(|l| {
                    vec![
                        l.seq,
                        l.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        l.import.map(|i| i.to_string()).unwrap_or_default(),
                        l.action,
                        l.subject,
                        l.detail,
                    ]
                })
                .collect();
            render::rows(&mut out, format, header, &rows)?;
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
