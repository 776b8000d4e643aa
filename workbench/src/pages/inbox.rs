//! The inbox (with `incasso serve --inbox DIR`): files waiting, imported (`processed/`) and
//! refused (`quarantine/`, with their notes), and a form to drop a file with the browser. A
//! dropped file lands in the inbox under its own name and goes through the same pass as the
//! nightly run's and `incasso watch`'s: imported and moved to processed, or quarantined with
//! a note.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{frame, PAGE_ROWS};
use crate::{done, lang_of, on_ledger, App, Common, Ctx};

/// A file in the inbox's folders: (where, name, note).
type Listed = (String, String, String);

/// What the inbox holds, newest first within each folder.
fn listing(inbox: &Path) -> Vec<Listed> {
    let mut out = Vec::new();
    let files = |dir: &Path| -> Vec<(std::time::SystemTime, String)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| {
                let t = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (t, e.file_name().to_string_lossy().into_owned())
            })
            .filter(|(_, n)| !n.starts_with('.') && !n.ends_with(".error.txt"))
            .collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    };
    for (_, n) in files(inbox) {
        out.push(("waiting".to_string(), n, String::new()));
    }
    let quarantine = inbox.join("quarantine");
    for (_, n) in files(&quarantine) {
        let note =
            std::fs::read_to_string(quarantine.join(format!("{n}.error.txt"))).unwrap_or_default();
        out.push(("quarantine".to_string(), n, note));
    }
    let mut days: Vec<PathBuf> = std::fs::read_dir(inbox.join("processed"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    days.sort_by(|a, b| b.cmp(a));
    for day in days {
        let d = day
            .file_name()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (_, n) in files(&day) {
            out.push((format!("processed/{d}"), n, String::new()));
        }
    }
    out
}

pub async fn render(app: &Arc<App>, ctx: Ctx, _c: Common) -> Response {
    let l = ctx.lang;
    let Some(inbox) = app.inbox.clone() else {
        return frame(
            &ctx,
            "/inbox",
            l.t("inbox"),
            html! { p { (l.t("no_inbox")) } },
        );
    };
    let listed = tokio::task::spawn_blocking(move || listing(&inbox))
        .await
        .unwrap_or_default();
    let body = html! {
        form method="post" action="/inbox/upload" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(ctx.csrf);
            input type="file" name="file" required;
            button type="submit" { (l.t("drop_file")) }
        }
        table id="inbox" {
            tr { th { (l.t("where")) } th { (l.t("file")) } th { (l.t("note")) } }
            @for (at, name, note) in listed.iter().take(PAGE_ROWS) {
                tr.file data-where=(at) { td { (at) } td { (name) } td { small { (note) } } }
            }
        }
    };
    frame(&ctx, "/inbox", l.t("inbox"), body)
}

/// A name safe to create in the inbox: the last path part, no leading dot, no control
/// characters, at most 200 characters.
fn safe_name(given: &str) -> Option<String> {
    let base = given.rsplit(['/', '\\']).next()?.trim();
    let ok = !base.is_empty()
        && !base.starts_with('.')
        && base.chars().count() <= 200
        && !base.chars().any(char::is_control);
    ok.then(|| base.to_string())
}

/// `POST /inbox/upload`: writes the file into the inbox whole (a hidden name, then a rename) and
/// runs an inbox pass at once.
pub async fn upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let lang = lang_of(&headers, None);
    let Some(inbox) = app.inbox.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (mut csrf, mut file) = (String::new(), None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().map(str::to_string).unwrap_or_default();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b)),
                    Err(e) => {
                        return done("/inbox", Err(anyhow::anyhow!("the upload broke off: {e}")))
                    }
                }
            }
            _ => {}
        }
    }
    if !app.access.may_post(&headers, &csrf) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some((name, bytes)) = file else {
        return done("/inbox", Err(anyhow::anyhow!("no file was sent")));
    };
    let Some(name) = safe_name(&name) else {
        return done(
            "/inbox",
            Err(anyhow::anyhow!(
                "'{name}' is not a file name the inbox takes"
            )),
        );
    };
    let r = on_ledger(&app, lang, move |ws| {
        let part = inbox.join(format!(".{name}.upload"));
        std::fs::write(&part, &bytes)?;
        let mut to = inbox.join(&name);
        let mut n = 2;
        while to.exists() {
            to = inbox.join(format!("{n} {name}"));
            n += 1;
        }
        std::fs::rename(&part, &to)?;
        let pass = incasso_engine::inbox::pass(
            ws,
            &inbox,
            std::time::Duration::ZERO,
            &incasso_engine::reporter::Collect::default(),
        )?;
        let mut said = Vec::new();
        if !pass.imported.is_empty() {
            said.push(format!("imported: {}", pass.imported.join(", ")));
        }
        if !pass.repeated.is_empty() {
            said.push(format!("seen before: {}", pass.repeated.join(", ")));
        }
        for (f, why) in &pass.quarantined {
            said.push(format!("quarantined {f}: {why}"));
        }
        Ok(said.join("; "))
    })
    .await;
    match r {
        Ok(m) => done("/inbox", Ok(m)),
        Err(resp) => resp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_land_in_the_inbox() {
        assert_eq!(
            safe_name("C:\\exports\\ledger.csv").as_deref(),
            Some("ledger.csv")
        );
        assert_eq!(safe_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(safe_name(".hidden"), None);
        assert_eq!(safe_name("a\u{0}b"), None);
        assert_eq!(safe_name(""), None);
    }
}
