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
        form.drop method="post" action="/inbox/upload" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(ctx.csrf);
            div.dropzone { (l.t("drop_here")) }
            input type="file" name="file" required;
            button type="submit" { (l.t("drop_file")) }
        }
        script src="/app.js" defer {}
        table id="inbox" {
            tr { th { (l.t("where")) } th { (l.t("file")) } th { (l.t("note")) } }
            @for (at, name, note) in listed.iter().take(PAGE_ROWS) {
                tr.file data-where=(at) { td { (at) } td { (name) } td { small { (note) } } }
            }
        }
    };
    frame(&ctx, "/inbox", l.t("inbox"), body)
}

/// A name safe to create in the inbox: the last path part, no leading dot, at most 200
/// characters of letters, digits, spaces and `-_.()+,&'` (no `:`, no control characters).
fn safe_name(given: &str) -> Option<String> {
    let base = given.rsplit(['/', '\\']).next()?.trim();
    let ok = !base.is_empty()
        && !base.starts_with('.')
        && base.chars().count() <= 200
        && base
            .chars()
            .all(|c| c.is_alphanumeric() || " -_.()+,&'".contains(c));
    ok.then(|| base.to_string())
}

/// Uploads at once; more wait (each may be up to the body limit, written to disk as it comes).
static UPLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The largest file an upload takes, in bytes; a larger one is copied into the inbox folder.
pub const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

/// What a form around the file may add (boundaries, headers, the CSRF field): a request is
/// refused on its length only beyond the file's limit and this (review 46a, F-6: a file a few
/// hundred bytes under the limit was refused).
pub const FORM_ROOM: usize = 64 * 1024;

/// What a bookkeeper is told of a file over [`UPLOAD_LIMIT`] (review 45d, F-9: "the upload
/// broke off: Error parsing `multipart/form-data` request", with no limit named).
fn too_large(inbox: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "the file is larger than the {} MB an upload takes: nothing was saved; copy it into the inbox folder ({}) instead",
        UPLOAD_LIMIT / (1024 * 1024),
        inbox.display()
    )
}

/// `POST /inbox/upload`: checks who sends before reading anything, streams the file into the
/// inbox under a fresh hidden name (never following a planted link), gives it its own name
/// without replacing a file already there, and runs an inbox pass with the usual settle time.
pub async fn upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let lang = lang_of(&headers, None);
    let Some(inbox) = app.inbox.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Cookie and Origin first: nothing of a body from elsewhere is read. The form's CSRF token
    // comes in the body and is checked before the file is given its name.
    if !app.access.may_post(&headers, app.access.csrf()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Ok(_one) = UPLOADS.acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    // Refused on its headers, before a byte of the body is waited for.
    let announced = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > (UPLOAD_LIMIT + FORM_ROOM) as u64) {
        return done("/inbox", Err(too_large(&inbox)));
    }
    let mut csrf = String::new();
    let mut received: Option<(String, PathBuf)> = None;
    while let Ok(Some(mut field)) = form.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") if received.is_none() => {
                let name = field.file_name().map(str::to_string).unwrap_or_default();
                let part = inbox.join(format!(
                    ".upload-{}-{}.part",
                    std::process::id(),
                    fastrand_hex()
                ));
                let mut out = match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&part)
                {
                    Ok(f) => f,
                    Err(e) => {
                        return done(
                            "/inbox",
                            Err(anyhow::anyhow!("writing into the inbox: {e}")),
                        )
                    }
                };
                let mut size = 0usize;
                loop {
                    match field.chunk().await {
                        Ok(Some(bytes)) => {
                            size += bytes.len();
                            if size > UPLOAD_LIMIT {
                                let _ = std::fs::remove_file(&part);
                                return done("/inbox", Err(too_large(&inbox)));
                            }
                            if let Err(e) = std::io::Write::write_all(&mut out, &bytes) {
                                let _ = std::fs::remove_file(&part);
                                return done(
                                    "/inbox",
                                    Err(anyhow::anyhow!("writing into the inbox: {e}")),
                                );
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = std::fs::remove_file(&part);
                            let why = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                                too_large(&inbox)
                            } else {
                                anyhow::anyhow!("the upload broke off: {e}")
                            };
                            return done("/inbox", Err(why));
                        }
                    }
                }
                received = Some((name, part));
            }
            _ => {}
        }
    }
    let Some((name, part)) = received else {
        return done("/inbox", Err(anyhow::anyhow!("no file was sent")));
    };
    let refuse = |why: String| {
        let _ = std::fs::remove_file(&part);
        done("/inbox", Err(anyhow::anyhow!(why)))
    };
    if !app.access.may_post(&headers, &csrf) {
        let _ = std::fs::remove_file(&part);
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some(name) = safe_name(&name) else {
        return refuse(format!("'{name}' is not a file name the inbox takes"));
    };
    // Its own name, never replacing another: a hard link fails when the name is taken.
    let mut n = 1;
    let to = loop {
        let candidate = if n == 1 {
            name.clone()
        } else {
            format!("{n} {name}")
        };
        match std::fs::hard_link(&part, inbox.join(&candidate)) {
            Ok(()) => break candidate,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return refuse(format!("naming the file in the inbox: {e}")),
        }
    };
    let _ = std::fs::remove_file(&part);
    let a = app.clone();
    let (saved, asked) = (to.clone(), name.clone());
    let r = on_ledger(&app, lang, move |ws| {
        a.cache().changed_elsewhere();
        let pass = incasso_engine::inbox::pass(
            ws,
            &inbox,
            std::time::Duration::from_secs(1),
            &incasso_engine::reporter::Collect::default(),
        )?;
        let mut said = Vec::new();
        // Review 45d, F-9: a second file of one name said "imported: open.csv", and a file the
        // pass leaves alone said nothing.
        if saved != asked {
            said.push(format!(
                "saved as {saved}, since a file named {asked} is in the inbox already"
            ));
        }
        let read = |l: &[String]| l.iter().any(|f| f.contains(saved.as_str()));
        if !read(&pass.imported)
            && !read(&pass.repeated)
            && !read(&pass.waiting)
            && !pass.quarantined.iter().any(|(f, _)| f.contains(saved.as_str()))
        {
            said.push(format!(
                "{saved} is in the inbox but was not read: its name is one the inbox leaves alone (a file still being written, or hidden); rename it"
            ));
        }
        if !pass.imported.is_empty() {
            said.push(format!("imported: {}", pass.imported.join(", ")));
        }
        if !pass.repeated.is_empty() {
            said.push(format!("seen before: {}", pass.repeated.join(", ")));
        }
        for (f, why) in &pass.quarantined {
            said.push(format!("quarantined {f}: {why}"));
        }
        if !pass.waiting.is_empty() {
            said.push(format!(
                "still being written, left for the next pass: {}",
                pass.waiting.join(", ")
            ));
        }
        Ok(said.join("; "))
    })
    .await;
    match r {
        Ok(m) => done("/inbox", Ok(m)),
        Err(_) => done(
            "/inbox",
            Ok(format!(
                "{to} is in the inbox; the ledger is busy, so the next pass imports it"
            )),
        ),
    }
}

/// 16 hex digits, different for every call (for temporary names).
fn fastrand_hex() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let h = blake3::hash(
        format!(
            "{:?}{}",
            std::time::SystemTime::now(),
            N.fetch_add(1, Ordering::Relaxed)
        )
        .as_bytes(),
    );
    h.to_hex()[..16].to_string()
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
        assert_eq!(safe_name("a.csv:stream"), None);
        assert_eq!(
            safe_name("Müller export (2).csv").as_deref(),
            Some("Müller export (2).csv")
        );
        assert_eq!(safe_name(""), None);
    }
}
