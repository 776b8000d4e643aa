//! Money not applied: payments the rules could not (fully) apply, searchable by number, name or
//! amount, each with a form to assign it to a document.

use std::sync::Arc;

use axum::response::Response;
use maud::html;

use super::{frame, hidden, more, PAGE_ROWS};
use crate::{snapshot_of, App, Common, Ctx};

pub async fn render(app: &Arc<App>, mut ctx: Ctx, c: Common) -> Response {
    let q = c.q.clone().unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let v = match snapshot_of(app, ctx.lang, ctx.as_of).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    ctx.pending = v.pending.len();
    ctx.read_only = v.read_only;
    let lines: Vec<&crate::snapshot::UnappliedRow> = v
        .snapshot
        .unapplied
        .iter()
        .filter(|l| {
            needle.is_empty()
                || [&l.id, &l.amount, &l.unapplied, &l.debtor, &l.payer, &l.text]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
        })
        .collect();
    let l = ctx.lang;
    let body = html! {
        form method="get" action="/unapplied" {
            input type="search" name="q" value=(q) placeholder=(l.t("search"));
        }
        @if lines.is_empty() { p id="empty" { (l.t("nothing_unapplied")) } }
        @else {
            table id="unapplied" {
                tr {
                    th { (l.t("payment")) } th { (l.t("date")) } th { (l.t("amount")) }
                    th { (l.t("unapplied_amount")) } th { (l.t("status")) } th { (l.t("debtor")) }
                    th { (l.t("payer")) } th { (l.t("text")) } th { (l.t("assign")) }
                }
                @for line in lines.iter().take(PAGE_ROWS) {
                    tr.line data-payment=(line.id) {
                        td { (line.id) } td { (line.date) }
                        td.n { (line.currency) " " (line.amount) } td.n { (line.unapplied) }
                        td { (l.word(&line.status)) } td { (line.debtor) } td { (line.payer) }
                        td { small { (line.text) } }
                        @if let Some(p) = v.pending_on(Some(&line.id), None) {
                            td.pending { (l.t("decided")) ": " (p.what) }
                        } @else if v.read_only {
                            td {}
                        } @else {
                        td {
                            form.assign method="post" action="/allocate" {
                                (hidden(&ctx, "/unapplied", &line.id, None))
                                input type="text" name="document" placeholder=(l.t("document")) required;
                                input type="text" name="amount" placeholder=(l.t("optional_amount"));
                                button type="submit" { (l.t("allocate")) }
                            }
                        }
                        }
                    }
                }
            }
            (more(l, lines.len().min(PAGE_ROWS), lines.len()))
        }
    };
    frame(&ctx, "/unapplied", l.t("unapplied"), body)
}
