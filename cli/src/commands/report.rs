//! `incasso receivables`, `incasso ageing` and `incasso audit`: read-only views of the store.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::{ageing as age, open_items, sort_items, AgeingBasis, Buckets, OpenItem};
use incasso_core::cells::neutralise_formula;
use incasso_core::model::LedgerDocument;
use incasso_core::money::format_cents;
use incasso_core::reconcile::Reconciliation;
use incasso_engine::report::plural;
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

/// The ledger's documents and their reconciliation (payments included) as of a date.
fn reconciled(ctx: &Ctx, as_of: NaiveDate) -> Result<(Vec<LedgerDocument>, Reconciliation)> {
    let r =
        incasso_engine::reconciled::reconciled(ctx.ws.store()?, as_of, &ctx.ws.policy()?.matching)?;
    Ok((r.docs, r.rec))
}

/// Lists open items as a table, CSV, JSON or a workbook.
pub fn receivables(ctx: &Ctx, a: ReceivablesArgs) -> Result<ExitStatus> {
    let as_of = ctx.date(a.as_of);
    let format = match a.format {
        ReceivablesFormat::Xlsx => {
            let Some(out) = a.out else {
                anyhow::bail!("--format xlsx writes a file: give --out FILE.xlsx");
            };
            return receivables_xlsx(ctx, as_of, &out);
        }
        ReceivablesFormat::Csv => Format::Csv,
        ReceivablesFormat::Json => Format::Json,
        ReceivablesFormat::Table => Format::Table,
    };
    receivables_listed(ctx, as_of, format)
}

/// Writes the open items as a workbook: real date cells and number cells, one row per item.
fn receivables_xlsx(ctx: &Ctx, as_of: NaiveDate, out: &Path) -> Result<ExitStatus> {
    use chrono::Datelike;
    use rust_xlsxwriter::{ExcelDateTime, Format as Cell, Workbook};
    let (docs, rec) = reconciled(ctx, as_of)?;
    let mut items = open_items(&docs, &rec, as_of);
    sort_items(&mut items);
    let buckets = Buckets::default();
    let labels = buckets.labels();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Openstaand")?;
    let date_cell = Cell::new().set_num_format("yyyy-mm-dd");
    let money = Cell::new().set_num_format("#,##0.00");
    let head = Cell::new().set_bold();
    let header = [
        "invoice",
        "debtor",
        "currency",
        "total",
        "open",
        "issue_date",
        "due_date",
        "days_overdue",
        "bucket",
        "status",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let date =
        |d: NaiveDate| ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
    // Amounts are exact decimals in cents; as cells they are numbers, which f64 holds exactly
    // to the cent for any amount below 2^53 cents.
    let number = |d: rust_decimal::Decimal| -> f64 { format_cents(d).parse().unwrap_or(0.0) };
    for (i, it) in items.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &*neutralise_formula(it.number.as_str()))?;
        ws.write_string(r, 1, &*neutralise_formula(it.debtor.as_str()))?;
        ws.write_string(r, 2, it.currency.as_str())?;
        ws.write_number_with_format(r, 3, number(it.total), &money)?;
        ws.write_number_with_format(r, 4, number(it.open), &money)?;
        ws.write_datetime_with_format(r, 5, &date(it.issue_date)?, &date_cell)?;
        ws.write_datetime_with_format(r, 6, &date(it.due_date)?, &date_cell)?;
        ws.write_number(r, 7, it.days_overdue as f64)?;
        ws.write_string(
            r,
            8,
            &labels[buckets.index((as_of - it.due_date).num_days())],
        )?;
        ws.write_string(r, 9, format!("{:?}", it.status).to_lowercase())?;
    }
    ws.autofilter(0, 0, items.len() as u32, (header.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    wb.save(out)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
    println!("{} open items written to {}", items.len(), out.display());
    Ok(ExitStatus::Success)
}

/// Lists open items; the CSV columns are fixed: invoice,debtor,currency,total,open,due_date,days_overdue,bucket.
fn receivables_listed(ctx: &Ctx, as_of: NaiveDate, format: Format) -> Result<ExitStatus> {
    let (docs, rec) = reconciled(ctx, as_of)?;
    let mut items = open_items(&docs, &rec, as_of);
    sort_items(&mut items);
    let buckets = Buckets::default();
    let labels = buckets.labels();
    let bucket = |it: &OpenItem| labels[buckets.index((as_of - it.due_date).num_days())].clone();
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
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
            let rows: Vec<_> = items
                .iter()
                .map(|it| {
                    json!({
                        "invoice": it.number.as_str(),
                        "kind": it.kind.code(),
                        "debtor": it.debtor.as_str(),
                        "currency": it.currency.as_str(),
                        "total": format_cents(it.total),
                        "open": format_cents(it.open),
                        "issue_date": it.issue_date.to_string(),
                        "due_date": it.due_date.to_string(),
                        "days_overdue": it.days_overdue,
                        "bucket": bucket(it),
                        "status": format!("{:?}", it.status).to_lowercase(),
                        "source": it.provenance.to_string(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &json!({ "as_of": as_of.to_string(), "items": rows }),
            )?;
            writeln!(out)?;
        }
        Format::Table => {
            let header: Vec<String> = [
                "invoice",
                "debtor",
                "currency",
                "total",
                "open",
                "due_date",
                "days_overdue",
                "bucket",
                "status",
            ]
            .map(String::from)
            .to_vec();
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
            render::table(&mut out, &header, &rows)?;
        }
    }
    out.flush()?;
    drop(items);
    exit_without_freeing(docs);
    Ok(ExitStatus::Success)
}

/// The process ends right after a report: handing a million records back to the allocator one
/// by one would only add a tenth of a second to every run.
fn exit_without_freeing(docs: Vec<LedgerDocument>) {
    std::mem::forget(docs);
}

/// Totals per currency (and debtor) and bucket; currencies are never added together.
pub fn ageing(ctx: &Ctx, a: AgeingArgs) -> Result<ExitStatus> {
    let (as_of, by_debtor, format) = (ctx.date(a.as_of), a.by.is_some(), a.format);
    let buckets = Buckets::parse(&a.buckets)?;
    let basis = match a.basis {
        Basis::Due => AgeingBasis::Due,
        Basis::Issue => AgeingBasis::Issue,
    };
    let (docs, rec) = reconciled(ctx, as_of)?;
    let items = open_items(&docs, &rec, as_of);
    let rows = age(&items, &buckets, basis, as_of, by_debtor);
    let labels = buckets.labels();
    let mut header: Vec<String> = Vec::new();
    if by_debtor {
        header.push("debtor".into());
    }
    header.push("currency".into());
    header.extend(labels.iter().cloned());
    header.push("total".into());
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
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match format {
        Format::Csv => render::csv(&mut out, &header, &table_rows)?,
        Format::Json => {
            let rows: Vec<_> = rows
                .iter()
                .map(|r| {
                    let buckets: serde_json::Map<String, serde_json::Value> = labels
                        .iter()
                        .zip(r.amounts.iter().zip(&r.counts))
                        .map(|(l, (a, c))| (l.clone(), json!({ "amount": format_cents(*a), "count": c })))
                        .collect();
                    let mut v = json!({ "currency": r.currency.as_str(), "buckets": buckets, "total": format_cents(r.total()) });
                    if let Some(d) = &r.debtor {
                        v["debtor"] = json!(d.as_str());
                    }
                    v
                })
                .collect();
            let doc = json!({ "as_of": as_of.to_string(), "basis": basis.to_string(), "buckets": labels, "rows": rows });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(
                out,
                "Ageing as of {as_of} (days since {} date), {} open",
                basis,
                plural(items.len(), "item")
            )?;
            render::table(&mut out, &header, &table_rows)?;
        }
    }
    out.flush()?;
    drop(rows);
    drop(items);
    exit_without_freeing(docs);
    Ok(ExitStatus::Success)
}

/// Shows the imports and the audit log.
pub fn audit(ctx: &Ctx, format: Format) -> Result<ExitStatus> {
    let store = ctx.ws.store()?;
    let imports = store.imports()?;
    let log = store.audit_log()?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &json!({ "imports": imports, "audit": log }))?;
            writeln!(out)?;
        }
        Format::Csv | Format::Table => {
            let header: Vec<String> = ["seq", "at", "import", "action", "subject", "detail"]
                .map(String::from)
                .to_vec();
            let mut rows: Vec<Vec<String>> = imports
                .iter()
                .map(|i| {
                    // A statement stores bank lines, a ledger documents: say what this one did.
                    let what = if i.payments_new + i.payments_repeated > 0 {
                        format!(
                            "{} bank lines new, {} already stored",
                            i.payments_new, i.payments_repeated
                        )
                    } else {
                        let mut w = format!(
                            "{} new, {} changed, {} unchanged",
                            i.new, i.changed, i.unchanged
                        );
                        if i.merged + i.conflicts > 0 {
                            w.push_str(&format!(
                                ", {} merged, {} conflicts",
                                i.merged, i.conflicts
                            ));
                        }
                        w
                    };
                    vec![
                        format!("import {}", i.id),
                        i.imported_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        i.id.to_string(),
                        "import".into(),
                        i.source.name.clone(),
                        format!(
                            "{what}; blake3 {}",
                            &i.source.content_hash[..16.min(i.source.content_hash.len())]
                        ),
                    ]
                })
                .collect();
            rows.extend(log.iter().map(|e| {
                vec![
                    e.seq.to_string(),
                    e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    e.import_id.map(|i| i.to_string()).unwrap_or_default(),
                    e.action.clone(),
                    e.subject.clone(),
                    e.detail.clone(),
                ]
            }));
            if format == Format::Csv {
                render::csv(&mut out, &header, &rows)?;
            } else {
                render::table(&mut out, &header, &rows)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
