//! Open items, filtered by debtor, bucket, currency and status, a page of rows at a time, with
//! the same filters as CSV (`/items.csv`) and every item as a workbook (`/items.xlsx`).

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use incasso_core::ageing::{open_items, Buckets};
use incasso_core::money::format_cents;
use maud::html;

use super::{frame, PAGE_ROWS};
use crate::{on_ledger, App, Common, Ctx};

/// One open item as the page lists it.
pub struct Row {
    number: String,
    debtor: String,
    currency: String,
    open: String,
    due: String,
    days: i64,
    bucket: String,
    status: String,
}

/// The items that pass the filters, and the bucket labels.
async fn rows(app: &Arc<App>, ctx: &Ctx, c: &Common) -> Result<(Vec<Row>, Vec<String>), Response> {
    let as_of = ctx.as_of;
    let (debtor, bucket, currency, status) = (
        c.debtor.clone().unwrap_or_default().to_lowercase(),
        c.bucket.clone().unwrap_or_default(),
        c.currency.clone().unwrap_or_default().to_uppercase(),
        c.status.clone().unwrap_or_default(),
    );
    on_ledger(app, ctx.lang, move |ws| {
        let (docs, rec) = incasso_engine::reconciled::reconciled_ledger(
            ws.store()?,
            as_of,
            &ws.policy()?.matching,
        )?;
        let buckets = Buckets::default();
        let labels = buckets.labels();
        let mut out: Vec<Row> = open_items(&docs, &rec, as_of)
            .iter()
            .map(|i| Row {
                number: i.number.to_string(),
                debtor: i.debtor.as_str().to_string(),
                currency: i.currency.to_string(),
                open: format_cents(i.open),
                due: i.due_date.to_string(),
                days: i.days_overdue,
                bucket: labels[buckets.index(i.days_overdue)].clone(),
                status: i.status.code().to_string(),
            })
            .filter(|r| {
                (debtor.is_empty() || r.debtor.to_lowercase().contains(&debtor))
                    && (bucket.is_empty() || r.bucket == bucket)
                    && (currency.is_empty() || r.currency == currency)
                    && (status.is_empty() || r.status == status)
            })
            .collect();
        out.sort_by(|a, b| (b.days, &a.number).cmp(&(a.days, &b.number)));
        Ok((out, labels))
    })
    .await
}

pub async fn render(app: &Arc<App>, ctx: Ctx, c: Common) -> Response {
    let (rows, labels) = match rows(app, &ctx, &c).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let page = c.page.unwrap_or(0);
    let pages = rows.len().div_ceil(PAGE_ROWS).max(1);
    let query = c.filters();
    let body = html! {
        form method="get" action="/items" {
            input type="text" name="debtor" value=(c.debtor.clone().unwrap_or_default()) placeholder=(l.t("debtor"));
            select name="bucket" {
                option value="" { "—" }
                @for b in &labels { option value=(b) selected[c.bucket.as_deref() == Some(b.as_str())] { (b) } }
            }
            input type="text" name="currency" value=(c.currency.clone().unwrap_or_default()) placeholder="EUR";
            select name="status" {
                option value="" { "—" }
                @for s in ["open", "disputed", "payment-pending"] { option value=(s) selected[c.status.as_deref() == Some(s)] { (s) } }
            }
            button type="submit" { (l.t("filter")) }
            " " a href={ "/items.csv?" (query) } { "CSV" } " " a href="/items.xlsx" { "XLSX" }
        }
        table id="items" {
            tr { th { (l.t("invoice")) } th { (l.t("debtor")) } th { (l.t("amount")) } th { (l.t("due")) } th { (l.t("days")) } th { (l.t("bucket")) } th { (l.t("status")) } }
            @for r in rows.iter().skip(page * PAGE_ROWS).take(PAGE_ROWS) {
                tr {
                    td { (r.number) } td { a href={ "/debtor/" (r.debtor) } { (r.debtor) } }
                    td.n { (r.currency) " " (r.open) } td { (r.due) } td.n { (r.days) } td { (r.bucket) } td { (r.status) }
                }
            }
        }
        p {
            (rows.len()) " " (l.t("items")) " · " (page + 1) "/" (pages) " "
            @if page > 0 { a href={ "/items?page=" (page - 1) "&" (query) } { "←" } " " }
            @if page + 1 < pages { a href={ "/items?page=" (page + 1) "&" (query) } { "→" } }
        }
    };
    frame(&ctx, "/items", l.t("items_page"), body)
}

/// The filtered items as CSV.
pub async fn csv(app: &Arc<App>, ctx: Ctx, c: Common) -> Response {
    let (rows, _) = match rows(app, &ctx, &c).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut out =
        String::from("invoice,debtor,currency,open,due_date,days_overdue,bucket,status\n");
    for r in &rows {
        let cells = [
            &r.number,
            &r.debtor,
            &r.currency,
            &r.open,
            &r.due,
            &r.days.to_string(),
            &r.bucket,
            &r.status,
        ]
        .map(|c| csv_cell(&incasso_core::cells::neutralise_formula(c)));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"open-items.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every open item as the CLI's workbook (`incasso receivables --format xlsx`).
pub async fn xlsx(app: &Arc<App>, ctx: Ctx, _c: Common) -> Response {
    let as_of = ctx.as_of;
    let bytes = on_ledger(app, ctx.lang, move |ws| {
        let dir = tempfile_dir()?;
        let path = dir.join("open-items.xlsx");
        incasso_engine::report::workbook::receivables(ws, as_of, &path)?;
        let bytes = std::fs::read(&path)?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(bytes)
    })
    .await;
    match bytes {
        Ok(b) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"open-items.xlsx\"",
                ),
            ],
            b,
        )
            .into_response(),
        Err(r) => r,
    }
}

/// A fresh private folder under the system's temporary one.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "incasso-workbench-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir(&d)?;
    Ok(d)
}
