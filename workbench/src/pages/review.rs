//! The review queue: each doubtful match with its evidence, and each invoice the claims gate
//! holds for a payment that may have paid it. One click accepts the proposal; "not this
//! document" keeps the payment off it; another document can be named.

use std::sync::Arc;

use axum::response::Response;
use incasso_core::money::format_cents;
use maud::html;

use super::{frame, hidden, more, PAGE_ROWS};
use crate::{snapshot_of, App, Common, Ctx};

pub async fn render(app: &Arc<App>, mut ctx: Ctx, _c: Common) -> Response {
    let v = match snapshot_of(app, ctx.lang, ctx.as_of).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    ctx.pending = v.pending.len();
    ctx.read_only = v.read_only;
    let items = &v.snapshot.review;
    let l = ctx.lang;
    let body = html! {
        @if items.is_empty() { p id="empty" { (l.t("nothing_to_review")) } }
        @else {
            table id="queue" {
                tr {
                    th { (l.t("payment")) } th { (l.t("date")) } th { (l.t("amount")) }
                    th { (l.t("document")) } th { (l.t("proposed")) } th { (l.t("rule")) }
                    th { (l.t("reason")) } th { (l.t("text")) } th {}
                }
                @for (i, item) in items.iter().take(PAGE_ROWS).enumerate() {
                    tr.item data-payment=(item.payment) data-document=(item.document) {
                        td { (item.payment) }
                        td { (item.date.map(|d| d.to_string()).unwrap_or_default()) }
                        td.n { (item.amount.map(format_cents).unwrap_or_default()) }
                        td { b { (item.document) } }
                        td.n { (format_cents(item.proposed)) }
                        td { (l.word(&item.rule)) @if let Some(c) = item.confidence { " " small { (c) "%" } } }
                        td { (item.reason) @if !item.evidence.is_empty() { br; small { (item.evidence) } } }
                        td { small { (item.text) } }
                        @if let Some(p) = v.pending_on(Some(&item.payment), Some(&item.document)) {
                            td.pending { (l.t("decided")) ": " (p.what) }
                        } @else if v.read_only {
                            td {}
                        } @else {
                        td {
                            form.inline method="post" action="/allocate" {
                                (hidden(&ctx, "/review", &item.payment, Some(&item.document)))
                                input type="hidden" name="amount" value=(item.proposed);
                                button.accept type="submit" id={ "accept-" (i) } { (l.t("accept")) }
                            }
                            " "
                            form.inline method="post" action="/unallocate" {
                                (hidden(&ctx, "/review", &item.payment, Some(&item.document)))
                                button.reject type="submit" { (l.t("not_this")) }
                            }
                            form method="post" action="/allocate" {
                                (hidden(&ctx, "/review", &item.payment, None))
                                input type="text" name="document" placeholder=(l.t("other_document")) required;
                                button type="submit" { (l.t("allocate")) }
                            }
                        }
                        }
                    }
                }
            }
            (more(l, items.len().min(PAGE_ROWS), items.len()))
        }
    };
    frame(&ctx, "/review", l.t("review"), body)
}
