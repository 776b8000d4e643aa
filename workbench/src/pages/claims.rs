//! Claims: ready for the agency, held (with the rule and why; a hold for a payment that may
//! have paid the invoice can be released by saying it did not), and sent (revision, state at
//! the agency, what it collected).

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
    let (preview, subs) = (&v.snapshot.preview, &v.snapshot.submissions);
    let l = ctx.lang;
    let body = html! {
        h2 { (l.t("ready")) " (" (preview.claims.len()) ")" }
        table id="ready" {
            tr { th { (l.t("claim")) } th { (l.t("debtor")) } th { (l.t("items")) } th { (l.t("total")) } }
            @for c in preview.claims.iter().take(PAGE_ROWS) {
                tr {
                    td {
                        (c.id)
                        @if let Some(p) = c.items.iter().find_map(|i| v.pending_on(None, Some(&i.number))) {
                            br; small.pending { (l.t("decided")) ": " (p.what) }
                        }
                    }
                    td { (c.debtor.name.as_deref().unwrap_or("")) " " small { (c.debtor.id.as_str()) } }
                    td { (c.items.len()) }
                    td.n { (c.currency.as_str()) " " (format_cents(c.amounts.total_outstanding)) }
                }
            }
        }
        (more(l, preview.claims.len().min(PAGE_ROWS), preview.claims.len()))
        h2 { (l.t("held")) " (" (preview.excluded.len()) ")" }
        table id="held" {
            tr { th { (l.t("invoice")) } th { (l.t("debtor")) } th { (l.t("amount")) } th { (l.t("rule")) } th { (l.t("reason")) } th {} }
            @for (i, e) in preview.excluded.iter().take(PAGE_ROWS).enumerate() {
                tr.held data-invoice=(e.number) data-rule=(e.rule) {
                    td { (e.number) } td { (e.debtor) }
                    td.n { (e.currency.as_str()) " " (format_cents(e.open)) }
                    td { (l.word(e.rule)) } td { (e.reason) }
                    td {
                        @if let Some(p) = v.pending_on(None, Some(&e.number)) {
                            span.pending { (l.t("decided")) ": " (p.what) }
                        } @else if v.read_only {
                        } @else if let Some(payment) = &e.payment {
                            form.inline method="post" action="/unallocate" {
                                (hidden(&ctx, "/claims", payment, Some(&e.number)))
                                button.release type="submit" id={ "release-" (i) } { (l.t("release")) }
                            }
                        }
                    }
                }
            }
        }
        (more(l, preview.excluded.len().min(PAGE_ROWS), preview.excluded.len()))
        h2 { (l.t("sent")) " (" (subs.len()) ")" }
        table id="sent" {
            tr { th { (l.t("claim")) } th { (l.t("debtor")) } th { (l.t("revision")) } th { (l.t("status")) } th { (l.t("agency_state")) } th { (l.t("collected")) } }
            @for s in subs.iter().take(PAGE_ROWS) {
                tr {
                    td { (s.claim_id) } td { (s.debtor) } td.n { (s.revision) }
                    td { (l.word(s.state.code())) }
                    td { (l.word(s.agency.as_ref().map(|a| a.state.as_str()).unwrap_or(""))) }
                    td.n {
                        @if let Some(a) = &s.agency {
                            (format_cents(a.collected.iter().filter_map(|(_, _, x)| x.parse::<rust_decimal::Decimal>().ok()).sum()))
                        }
                    }
                }
            }
        }
    };
    frame(&ctx, "/claims", l.t("claims"), body)
}
