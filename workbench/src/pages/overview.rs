//! The overview: open amounts per currency, the ageing chart, and what needs attention.

use std::sync::Arc;

use axum::response::Response;
use incasso_core::money::format_cents;
use maud::html;

use super::{frame, svg};
use crate::{snapshot_of, App, Common, Ctx};

pub async fn render(app: &Arc<App>, mut ctx: Ctx, _c: Common) -> Response {
    let v = match snapshot_of(app, ctx.lang, ctx.as_of).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    ctx.pending = v.pending.len();
    ctx.read_only = v.read_only;
    let s = &v.snapshot;
    let conflicts = s.conflicts_open;
    let l = ctx.lang;
    let attention = [
        ("/review", s.review.len(), "review_items"),
        ("/unapplied", s.unapplied.len(), "unapplied_lines"),
        ("/claims", s.preview.excluded.len(), "held_claims"),
        ("/claims", s.preview.claims.len(), "ready_claims"),
    ];
    let buckets: Vec<String> = s.labels.iter().map(|b| l.bucket(b)).collect();
    let body = html! {
        div.cards {
            @for (currency, (amount, n)) in &s.totals {
                div.card { (l.t("open")) " " (currency) b { (format_cents(*amount)) } (n) " " (l.t("items")) }
            }
        }
        h2 { (l.t("attention")) }
        ul id="attention" {
            @for (href, n, key) in attention {
                li { a href=(href) { b { (n) } " " (l.t(key)) } }
            }
            li { a href="/conflicts" { b { (conflicts) } " " (l.t("conflicts")) } }
        }
        h2 { (l.t("ageing")) }
        @for (currency, amounts) in &s.charts {
            (svg(incasso_engine::report::stacked_bar_worded(&buckets, amounts, currency)))
        }
    };
    frame(&ctx, "/", l.t("overview"), body)
}
