//! The overview: open amounts per currency, the ageing chart, and what needs attention.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use incasso_core::ageing::{ageing, open_items, AgeingBasis, Buckets};
use incasso_core::money::format_cents;
use maud::html;
use rust_decimal::Decimal;

use super::{frame, svg};
use crate::{on_ledger, App, Common, Ctx};

/// What the overview shows.
struct Figures {
    open: BTreeMap<String, (Decimal, usize)>,
    charts: Vec<String>,
    review: usize,
    unapplied: usize,
    ready: usize,
    held: usize,
    conflicts: usize,
}

pub async fn render(app: &Arc<App>, ctx: Ctx, _c: Common) -> Response {
    let as_of = ctx.as_of;
    let figures = on_ledger(app, ctx.lang, move |ws| {
        let store = ws.store()?;
        let r = incasso_engine::reconciled::reconciled(store, as_of, &ws.policy()?.matching)?;
        let items = open_items(&r.docs, &r.rec, as_of);
        let mut open: BTreeMap<String, (Decimal, usize)> = BTreeMap::new();
        for i in &items {
            let e = open.entry(i.currency.to_string()).or_default();
            e.0 += i.open;
            e.1 += 1;
        }
        let buckets = Buckets::default();
        let labels = buckets.labels();
        let charts = ageing(&items, &buckets, AgeingBasis::Due, as_of, false)
            .iter()
            .map(|row| {
                incasso_engine::report::stacked_bar(&labels, &row.amounts, row.currency.as_str())
            })
            .collect();
        let review = incasso_engine::payments::everything(ws, &r, as_of)?.len();
        let unapplied = r
            .matching
            .outcomes
            .iter()
            .filter(|o| o.money_not_applied())
            .count();
        let computed = incasso_engine::claims::preview_of(ws, &r, as_of, None, false)?;
        let conflicts = store
            .conflicts()?
            .iter()
            .filter(|c| c.status == incasso_store::ConflictStatus::Open)
            .count();
        Ok(Figures {
            open,
            charts,
            review,
            unapplied,
            ready: computed.preview.claims.len(),
            held: computed.preview.excluded.len(),
            conflicts,
        })
    })
    .await;
    let f = match figures {
        Ok(f) => f,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let attention = [
        ("/review", f.review, "review_items"),
        ("/unapplied", f.unapplied, "unapplied_lines"),
        ("/claims", f.held, "held_claims"),
        ("/claims", f.ready, "ready_claims"),
    ];
    let body = html! {
        div.cards {
            @for (currency, (amount, n)) in &f.open {
                div.card { (l.t("open")) " " (currency) b { (format_cents(*amount)) } (n) " " (l.t("items")) }
            }
        }
        h2 { (l.t("attention")) }
        ul id="attention" {
            @for (href, n, key) in attention {
                li { a href=(href) { b { (n) } " " (l.t(key)) } }
            }
            li { b { (f.conflicts) } " " (l.t("conflicts")) }
        }
        h2 { (l.t("ageing")) }
        @for chart in f.charts { (svg(chart)) }
    };
    frame(&ctx, "/", l.t("overview"), body)
}
