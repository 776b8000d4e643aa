//! A letter's preview, printable: the 14-day letter or the pre-incasso letter for a debtor as
//! `incasso letter --format html` writes it (the same facts and wording), in the page's
//! language, dated today, sent by post. Nothing is recorded: sending stays a deliberate act
//! (`incasso letter --record`).

use std::sync::Arc;

use axum::response::{Html, IntoResponse, Response};
use incasso_core::collection::letter;
use incasso_core::collection::Channel;

use crate::i18n::Lang;
use crate::{on_ledger, App, Ctx};

pub async fn render(
    app: &Arc<App>,
    ctx: Ctx,
    debtor: String,
    kind: String,
    currency: String,
) -> Response {
    let date = ctx.as_of;
    let lang = ctx.lang;
    let html = on_ledger(app, lang, move |ws| {
        let currency: incasso_core::money::Currency = currency
            .parse()
            .map_err(|e| anyhow::anyhow!("currency {currency}: {e}"))?;
        // A kind it does not know is refused, not shown as the 14-day letter (review 45d, F-4).
        let kind = match kind.as_str() {
            "pre-incasso" => letter::LetterKind::PreIncasso,
            "fourteen-day-letter" | "" => letter::LetterKind::FourteenDayLetter,
            other => anyhow::bail!(
                "'{other}' is no letter this workbench writes: fourteen-day-letter or pre-incasso"
            ),
        };
        let prepared = incasso_engine::letters::prepare(
            ws,
            &incasso_engine::letters::LetterRequest {
                debtor: &debtor,
                date,
                kind,
                lang: match lang {
                    Lang::Nl => letter::Lang::Nl,
                    Lang::En => letter::Lang::En,
                },
                channel: Channel::Post,
                currency,
                rates: None,
                about: None,
            },
        )?;
        Ok(letter::html(&prepared.input))
    })
    .await;
    match html {
        Ok(h) => Html(h).into_response(),
        Err(r) => r,
    }
}
