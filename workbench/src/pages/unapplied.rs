//! Money not applied: payments the rules could not (fully) apply, searchable by number, name or
//! amount, each with a form to assign it to a document.

use std::sync::Arc;

use axum::response::Response;
use incasso_core::money::format_cents;
use maud::html;

use super::{frame, hidden, more, PAGE_ROWS};
use crate::{on_ledger, App, Common, Ctx};

/// One payment with money not applied.
struct Line {
    id: String,
    date: String,
    amount: String,
    currency: String,
    unapplied: String,
    status: String,
    debtor: String,
    payer: String,
    text: String,
}

pub async fn render(app: &Arc<App>, ctx: Ctx, c: Common) -> Response {
    let as_of = ctx.as_of;
    let q = c.q.clone().unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let lines = on_ledger(app, ctx.lang, move |ws| {
        let r = incasso_engine::reconciled::reconciled(ws.store()?, as_of, &ws.policy()?.matching)?;
        let mut out: Vec<Line> = r
            .payments
            .iter()
            .zip(&r.matching.outcomes)
            .filter(|(_, o)| o.money_not_applied())
            .map(|(p, o)| Line {
                id: p.id.clone(),
                date: p.date.to_string(),
                amount: format_cents(p.amount.amount()),
                currency: p.amount.currency().to_string(),
                unapplied: format_cents(o.unapplied),
                status: o.status.code().to_string(),
                debtor: o
                    .debtor
                    .as_ref()
                    .map(|d| d.as_str().to_string())
                    .unwrap_or_default(),
                payer: p.counterparty_name.clone().unwrap_or_default(),
                text: p.remittance.clone().unwrap_or_default(),
            })
            .filter(|l| {
                needle.is_empty()
                    || [&l.id, &l.amount, &l.unapplied, &l.debtor, &l.payer, &l.text]
                        .iter()
                        .any(|f| f.to_lowercase().contains(&needle))
            })
            .collect();
        out.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
        Ok(out)
    })
    .await;
    let lines = match lines {
        Ok(l) => l,
        Err(r) => return r,
    };
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
                        td { (line.status) } td { (line.debtor) } td { (line.payer) }
                        td { small { (line.text) } }
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
            (more(l, lines.len().min(PAGE_ROWS), lines.len()))
        }
    };
    frame(&ctx, "/unapplied", l.t("unapplied"), body)
}
