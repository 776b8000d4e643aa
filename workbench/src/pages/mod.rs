//! The pages, one file each, and what they share: the frame with its navigation, the forms'
//! hidden fields, and the style sheet (served from the binary: no CDN, it works offline).

pub mod claims;
pub mod conflicts;
pub mod debtor;
pub mod inbox;
pub mod items;
pub mod letter;
pub mod overview;
pub mod review;
pub mod unapplied;

use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::i18n::Lang;
use crate::Ctx;

/// Rows a list shows at most; the rest is counted under it.
pub const PAGE_ROWS: usize = 200;

/// The style sheet.
pub const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222}\
header{background:#1f3a5f;color:#fff;padding:.6em 1.5em;display:flex;gap:1.2em;align-items:center}\
header a{color:#fff;text-decoration:none}header a.here{font-weight:bold;border-bottom:2px solid #fff}\
header .lang{margin-left:auto}main{padding:1em 1.5em}h1{font-size:1.35em}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.3em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.msg{background:#e8f5e9;border:1px solid #a5d6a7;padding:.5em 1em}\
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.7em 1em;min-width:12em}\
.card b{display:block;font-size:1.4em}.working{background:#fff8e1;border:1px solid #ffe082;padding:.5em 1em}\
.pending{color:#8a6d00}\
.dropzone{border:2px dashed #90a4ae;border-radius:6px;padding:1.2em;margin:.5em 0;color:#546e7a}.dropzone.over{background:#e3f2fd}form.inline{display:inline}small{color:#666}input[type=text]{width:9em}";

/// The one script, served from the binary: a file dropped on the inbox's drop zone goes into its
/// form, which is sent. Everything else works without it.
pub const JS: &str = r#"document.querySelectorAll("form.drop").forEach(function (form) {
  var zone = form.querySelector(".dropzone"), input = form.querySelector("input[type=file]");
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("over");
    if (!e.dataTransfer || e.dataTransfer.files.length !== 1) { return; }
    input.files = e.dataTransfer.files;
    form.requestSubmit();
  });
});
"#;

/// A page in the frame: navigation, the last action's message, the body.
pub fn frame(ctx: &Ctx, here: &str, title: &str, body: Markup) -> Response {
    let l = ctx.lang;
    let link = |href: &'static str, key: &'static str| {
        let to = if ctx.date_query.is_empty() {
            href.to_string()
        } else {
            format!("{href}?{}", ctx.date_query)
        };
        html! { a href=(to) class=[(href == here).then_some("here")] { (l.t(key)) } }
    };
    let page = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                title { (title) " · incasso" }
                link rel="stylesheet" href="/app.css";
            }
            body {
                header {
                    strong { "incasso " (l.t("title")) }
                    (link("/", "overview"))
                    (link("/items", "items_page"))
                    (link("/review", "review"))
                    (link("/unapplied", "unapplied"))
                    (link("/claims", "claims"))
                    (link("/conflicts", "conflicts_page"))
                    (link("/inbox", "inbox"))
                    a.lang href={ "/lang/" (l.other().code()) } { (l.other().code().to_uppercase()) }
                }
                main {
                    h1 { (title) " " small { (l.t("as_of")) " " (ctx.as_of) } }
                    @if let Some(m) = &ctx.message { p.msg id="message" { (m) } }
                    @if ctx.pending > 0 {
                        p.working id="working" { (l.t("working_in")) " (" (ctx.pending) ")" }
                    } @else if ctx.read_only {
                        p.working id="working" { (l.t("changed_elsewhere")) }
                    }
                    (body)
                }
            }
        }
    };
    axum::response::Html(page.into_string()).into_response()
}

/// A page without the frame (before access, or when the ledger is busy).
pub fn bare(lang: Lang, text: &str) -> axum::response::Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { "incasso" } link rel="stylesheet" href="/app.css"; }
            body { main { p { (text) } p { a href="/" { "← " (lang.t("overview")) } } } }
        }
    };
    axum::response::Html(page.into_string())
}

/// The hidden fields of a decision's form.
pub fn hidden(ctx: &Ctx, back: &str, payment: &str, document: Option<&str>) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(ctx.csrf);
        input type="hidden" name="back" value=(back);
        input type="hidden" name="payment" value=(payment);
        @if let Some(d) = ctx.date_query.strip_prefix("as_of=") { input type="hidden" name="as_of" value=(d); }
        @if let Some(d) = document { input type="hidden" name="document" value=(d); }
    }
}

/// Inline SVG made by the engine (escaped there).
pub fn svg(s: String) -> Markup {
    PreEscaped(s)
}

/// "N shown of M" under a list cut at [`PAGE_ROWS`].
pub fn more(l: Lang, shown: usize, all: usize) -> Markup {
    html! { @if all > shown { p { small { (shown) " " (l.t("shown_of")) " " (all) } } } }
}
