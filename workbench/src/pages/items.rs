//! Open items, filtered by debtor, bucket, currency and status, a page of rows at a time, with
//! the same filters as CSV (`/items.csv`) and every item as a workbook (`/items.xlsx`).

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{frame, PAGE_ROWS};
use crate::snapshot::{ItemRow, Snapshot};
use crate::{on_ledger, settled_snapshot, snapshot_of, App, Common, Ctx};

/// The items that pass the filters.
fn filtered<'a>(s: &'a Snapshot, c: &Common) -> Vec<&'a ItemRow> {
    let (debtor, bucket, currency, status) = (
        c.debtor.clone().unwrap_or_default().to_lowercase(),
        c.bucket.clone().unwrap_or_default(),
        c.currency.clone().unwrap_or_default().to_uppercase(),
        c.status.clone().unwrap_or_default(),
    );
    s.items
        .iter()
        .filter(|r| {
            (debtor.is_empty() || r.debtor.to_lowercase().contains(&debtor))
                && (bucket.is_empty() || r.bucket == bucket)
                && (currency.is_empty() || r.currency == currency)
                && (status.is_empty() || r.status == status)
        })
        .collect()
}

pub async fn render(app: &Arc<App>, mut ctx: Ctx, c: Common) -> Response {
    let v = match snapshot_of(app, ctx.lang, ctx.as_of).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    ctx.pending = v.pending.len();
    ctx.read_only = v.read_only;
    let s = &v.snapshot;
    let rows = filtered(s, &c);
    let labels = &s.labels;
    let l = ctx.lang;
    let page = c.page.unwrap_or(0);
    let pages = rows.len().div_ceil(PAGE_ROWS).max(1);
    let query = c.filters();
    let body = html! {
        form method="get" action="/items" {
            input type="text" name="debtor" value=(c.debtor.clone().unwrap_or_default()) placeholder=(l.t("debtor"));
            select name="bucket" {
                option value="" { "—" }
                @for b in labels { option value=(b) selected[c.bucket.as_deref() == Some(b.as_str())] { (l.bucket(b)) } }
            }
            input type="text" name="currency" value=(c.currency.clone().unwrap_or_default()) placeholder="EUR";
            select name="status" {
                option value="" { "—" }
                @for s in ["open", "disputed", "payment-pending"] { option value=(s) selected[c.status.as_deref() == Some(s)] { (l.word(s)) } }
            }
            button type="submit" { (l.t("filter")) }
            " " a href={ "/items.csv?" (query) } { "CSV" } " " a href="/items.xlsx" { "XLSX" }
        }
        table id="items" {
            tr { th { (l.t("invoice")) } th { (l.t("debtor")) } th { (l.t("amount")) } th { (l.t("due")) } th { (l.t("days")) } th { (l.t("bucket")) } th { (l.t("status")) } }
            @for r in rows.iter().skip(page * PAGE_ROWS).take(PAGE_ROWS) {
                tr {
                    td { (r.number) } td { a href={ "/debtor/" (crate::encode(&r.debtor)) } { (r.debtor) } }
                    td.n { (r.currency) " " (r.open) } td { (r.due) } td.n { (r.days) } td { (l.bucket(&r.bucket)) } td { (l.word(&r.status)) }
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
    // A file carries no banner: it waits for the decisions made here to be worked in.
    let s = match settled_snapshot(app, ctx.lang, ctx.as_of).await {
        Ok(v) => v.snapshot,
        Err(r) => return r,
    };
    let rows = filtered(&s, &c);
    let mut out =
        String::from("invoice,debtor,currency,open,due_date,days_overdue,bucket,status\n");
    for r in rows {
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
        // A private folder (mode 700), removed however the export ends.
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("open-items.xlsx");
        incasso_engine::report::workbook::receivables(ws, as_of, &path)?;
        Ok(std::fs::read(&path)?)
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
