//! Conflicts between sources: a document two sources tell differently waits for a person, who
//! keeps the stored version or takes the incoming one (the store's own resolution, audited).

use std::sync::Arc;

use axum::response::Response;
use incasso_store::ConflictStatus;
use maud::html;

use super::frame;
use crate::{on_ledger, App, Common, Ctx};

pub async fn render(app: &Arc<App>, ctx: Ctx, _c: Common) -> Response {
    let open = on_ledger(app, ctx.lang, move |ws| {
        Ok(ws
            .store()?
            .conflicts()?
            .into_iter()
            .filter(|c| c.status == ConflictStatus::Open)
            .collect::<Vec<_>>())
    })
    .await;
    let open = match open {
        Ok(o) => o,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let body = html! {
        @if open.is_empty() { p id="empty" { (l.t("no_conflicts")) } }
        @for c in &open {
            h2 { (c.document.kind.code()) " " (c.number) " " small { (c.incoming_source) } }
            table {
                tr { th { (l.t("field")) } th { (l.t("stored")) } th { (l.t("incoming")) } }
                @for d in &c.diffs { tr { td { (d.field) } td { (d.stored) } td { (d.incoming) } } }
            }
            @for (keep, key) in [("stored", "keep_stored"), ("incoming", "take_incoming")] {
                form.inline method="post" action="/conflicts/resolve" {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    input type="hidden" name="id" value=(c.id);
                    input type="hidden" name="keep" value=(keep);
                    button type="submit" { (l.t(key)) }
                }
                " "
            }
        }
    };
    frame(&ctx, "/conflicts", l.t("conflicts_page"), body)
}
