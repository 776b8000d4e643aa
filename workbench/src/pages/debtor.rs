//! One debtor: its open items, the payments matching took for it with their evidence, the
//! letters sent, payment plans, claims at the agency, and all of it as one timeline.

use std::sync::Arc;

use axum::response::Response;
use incasso_core::money::format_cents;
use maud::html;

use super::frame;
use crate::{snapshot_of, App, Ctx};

/// What the page shows of the debtor.
struct Debtor {
    name: String,
    items: Vec<(String, String, String, String)>,
    payments: Vec<(String, String, String, String, String)>,
    letters: Vec<(String, String, String)>,
    plans: Vec<(String, String, String)>,
    claims: Vec<(String, u32, String, String)>,
    timeline: Vec<(String, String)>,
}

pub async fn render(app: &Arc<App>, mut ctx: Ctx, id: String) -> Response {
    let as_of = ctx.as_of;
    let who = id.clone();
    let got = snapshot_of(app, ctx.lang, as_of).await;
    if let Ok(v) = &got {
        ctx.pending = v.pending.len();
        ctx.read_only = v.read_only;
    }
    let d = got.map(|v| {
        let snap = &v.snapshot;
        let letters = snap.reminders.iter().filter(|l| l.debtor.as_str() == who);
        let plans = snap.plans.iter().filter(|p| p.debtor.as_str() == who);
        let subs = snap.submissions.iter().filter(|s| s.debtor == who);
        let r = &snap.ledger;
        let name = r
            .debtors
            .iter()
            .find(|d| d.id.as_str() == who)
            .and_then(|d| d.name.clone())
            .unwrap_or_default();
        let mut timeline = Vec::new();
        let items: Vec<_> = snap
            .items
            .iter()
            .filter(|i| i.debtor == who)
            .map(|i| {
                (
                    i.number.clone(),
                    format!("{} {}", i.currency, i.open),
                    i.due.clone(),
                    i.status.clone(),
                )
            })
            .collect();
        for doc in r.docs.iter().filter(|d| d.document.debtor.as_str() == who) {
            timeline.push((
                doc.document.issue_date.to_string(),
                format!("{} {}", doc.document.kind.code(), doc.document.number),
            ));
        }
        // Besides the payments known to be this debtor's, those in review whose candidates
        // include one of its documents: money that may have paid them, and holds them from the
        // claims (review 45d, F-7: the page showed none of it).
        let own: std::collections::HashSet<_> = r
            .docs
            .iter()
            .filter(|d| d.document.debtor.as_str() == who)
            .map(|d| d.document.key())
            .collect();
        let in_review: std::collections::HashSet<usize> = r
            .matching
            .review
            .iter()
            .filter(|p| own.contains(&p.document))
            .map(|p| p.payment)
            .collect();
        let payments: Vec<_> = r
            .payments
            .iter()
            .zip(&r.matching.outcomes)
            .enumerate()
            .filter(|(i, (_, o))| {
                o.debtor.as_ref().is_some_and(|d| d.as_str() == who) || in_review.contains(i)
            })
            .map(|(_, po)| po)
            .map(|(p, o)| {
                timeline.push((
                    p.date.to_string(),
                    format!("{} {}", p.id, format_cents(p.amount.amount())),
                ));
                (
                    p.id.clone(),
                    p.date.to_string(),
                    format!(
                        "{} {}",
                        p.amount.currency(),
                        format_cents(p.amount.amount())
                    ),
                    o.status.code().to_string(),
                    o.notes.join("; "),
                )
            })
            .collect();
        let letters: Vec<_> = letters
            .map(|l| {
                timeline.push((l.sent.to_string(), l.kind.code().to_string()));
                (
                    l.sent.to_string(),
                    l.kind.code().to_string(),
                    l.items
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
            .collect();
        let plans: Vec<_> = plans
            .map(|p| {
                timeline.push((p.agreed_on.to_string(), format!("plan {}", p.id)));
                (
                    p.id.clone(),
                    p.agreed_on.to_string(),
                    format!("{} instalments", p.instalments.len()),
                )
            })
            .collect();
        let claims: Vec<_> = subs
            .map(|s| {
                timeline.push((
                    s.updated_at.date_naive().to_string(),
                    format!("{} {}", s.claim_id, s.state.code()),
                ));
                (
                    s.claim_id.clone(),
                    s.revision,
                    s.state.code().to_string(),
                    s.agency
                        .as_ref()
                        .map(|a| a.state.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        timeline.sort();
        Debtor {
            name,
            items,
            payments,
            letters,
            plans,
            claims,
            timeline,
        }
    });
    let d = match d {
        Ok(d) => d,
        Err(r) => return r,
    };
    let l = ctx.lang;
    // A debtor the ledger does not know says so (review 45d, F-4: an empty page).
    if d.name.is_empty() && d.items.is_empty() && d.payments.is_empty() && d.claims.is_empty() {
        return axum::response::IntoResponse::into_response((
            axum::http::StatusCode::NOT_FOUND,
            super::bare(l, &format!("{id}: no such debtor in the ledger")),
        ));
    }
    let title = format!("{} {}", l.t("debtor"), id);
    let body = html! {
        p { b { (d.name) } }
        h2 { (l.t("items_page")) }
        table id="debtor-items" {
            tr { th { (l.t("invoice")) } th { (l.t("amount")) } th { (l.t("due")) } th { (l.t("status")) } }
            @for (n, a, due, s) in &d.items { tr { td { (n) } td.n { (a) } td { (due) } td { (l.word(s)) } } }
        }
        h2 { (l.t("payments")) }
        table id="debtor-payments" {
            tr { th { (l.t("payment")) } th { (l.t("date")) } th { (l.t("amount")) } th { (l.t("status")) } th { (l.t("evidence")) } }
            @for (p, date, a, s, notes) in &d.payments { tr { td { (p) } td { (date) } td.n { (a) } td { (l.word(s)) } td { small { (notes) } } } }
        }
        h2 { (l.t("letters")) }
        p {
            a id="letter-14" href={ "/letter/" (crate::encode(&id)) "?kind=fourteen-day-letter" } target="_blank" { (l.t("preview_14")) }
            " · "
            a href={ "/letter/" (crate::encode(&id)) "?kind=pre-incasso" } target="_blank" { (l.t("preview_pre")) }
        }
        table { @for (sent, kind, items) in &d.letters { tr { td { (sent) } td { (l.word(kind)) } td { (items) } } } }
        h2 { (l.t("plans")) }
        table { @for (plan, on, what) in &d.plans { tr { td { (plan) } td { (on) } td { (what) } } } }
        h2 { (l.t("claims")) }
        table { @for (c, rev, s, agency) in &d.claims { tr { td { (c) } td.n { (rev) } td { (l.word(s)) } td { (l.word(agency)) } } } }
        h2 { (l.t("timeline")) }
        ul id="timeline" { @for (date, what) in &d.timeline { li { (date) " " (what) } } }
    };
    frame(&ctx, "/items", &title, body)
}
