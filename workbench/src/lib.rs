//! incasso-workbench: the bookkeeper's local web app over one data directory (`incasso serve`).
//! It shows the work only a person can do (the review queue, money not applied, held claims)
//! and records each decision through the engine's own operations, so the CLI and the workbench
//! can never disagree.
//!
//! `auth.rs` is who may use it, `i18n.rs` its words in Dutch and English, `pages/` one file per
//! page, `snapshot.rs` what the pages read and `current.rs` how that is kept current after a
//! decision. The store is opened per request and closed after it, one request at a time: the
//! nightly run can take the ledger between two requests, and a page asked for while it works
//! says so and reloads.

pub mod auth;
mod current;
pub mod i18n;
mod pages;
mod snapshot;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use incasso_engine::Workspace;

use auth::Access;
use i18n::Lang;

/// How the workbench runs.
pub struct Config {
    /// Address to listen on (127.0.0.1 by default: it is for the person at this machine).
    pub listen: SocketAddr,
    /// The administration's data directory.
    pub data_dir: PathBuf,
    /// `--policy`, when given.
    pub policy_file: Option<PathBuf>,
    /// The access token.
    pub token: String,
    /// The inbox folder bookkeepers drop exports into, when the workbench shows it.
    pub inbox: Option<PathBuf>,
    /// Who uses it, for the audit log (the workbench serves the person at this machine).
    pub user: String,
}

/// What every request shares.
struct App {
    data_dir: PathBuf,
    policy_file: Option<PathBuf>,
    access: Access,
    inbox: Option<PathBuf>,
    /// Who decides, as the audit log names them.
    by: String,
    /// One request at a time opens the store.
    gate: Arc<tokio::sync::Mutex<()>>,
    /// The last snapshot, and the decisions made here since.
    cache: std::sync::Mutex<current::Cache>,
}

/// What a page needs of the request: its language, its CSRF token, a message from the last
/// action, and the date it is as of.
pub(crate) struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    pub message: Option<String>,
    pub as_of: chrono::NaiveDate,
    /// `as_of=DATE` when the person chose a date (links and forms carry it on), else empty.
    pub date_query: String,
    /// How many decisions made here the page's figures do not show yet (being worked in).
    pub pending: usize,
    /// The page shows the ledger as it was before a change made elsewhere, without buttons,
    /// while the new one is worked out.
    pub read_only: bool,
}

/// Query parameters every page takes.
#[derive(serde::Deserialize, Default)]
pub(crate) struct Common {
    token: Option<String>,
    lang: Option<String>,
    msg: Option<String>,
    as_of: Option<chrono::NaiveDate>,
    /// A page's search text.
    pub q: Option<String>,
    /// Open items' filters and page.
    pub debtor: Option<String>,
    pub bucket: Option<String>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub page: Option<usize>,
}

impl Common {
    /// The open items' filters as a query string (for the CSV link and paging).
    pub fn filters(&self) -> String {
        [
            ("debtor", &self.debtor),
            ("bucket", &self.bucket),
            ("currency", &self.currency),
            ("status", &self.status),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

fn lang_of(headers: &HeaderMap, asked: Option<&str>) -> Lang {
    asked
        .and_then(Lang::from_code)
        .or_else(|| {
            auth::cookies(headers)
                .find(|(k, _)| *k == "lang")
                .and_then(|(_, v)| Lang::from_code(v))
        })
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_code)
        })
        .unwrap_or(Lang::En)
}

/// Checks access for a page: the cookie, or the token in the link (exchanged for the cookie by
/// a redirect that drops it from the address bar). `Err` is the answer to give instead.
fn admit(app: &App, headers: &HeaderMap, uri: &Uri, c: &Common) -> Result<Ctx, Box<Response>> {
    let lang = lang_of(headers, c.lang.as_deref());
    if let Some(t) = &c.token {
        if app.access.is_token(t) {
            let mut r = Redirect::to(uri.path()).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&app.access.cookie()).expect("hex cookie"),
            );
            return Err(Box::new(r));
        }
    }
    if !app.access.has_cookie(headers) {
        return Err(Box::new(
            (StatusCode::UNAUTHORIZED, pages::bare(lang, lang.t("login"))).into_response(),
        ));
    }
    Ok(Ctx {
        lang,
        csrf: app.access.csrf().to_string(),
        message: c.msg.clone(),
        as_of: c.as_of.unwrap_or_else(today),
        date_query: c.as_of.map(|d| format!("as_of={d}")).unwrap_or_default(),
        pending: 0,
        read_only: false,
    })
}

/// Runs `f` on the administration, opened for this request only, on a blocking thread. A store
/// another process holds gives a page that says so and reloads.
async fn on_ledger<T: Send + 'static>(
    app: &Arc<App>,
    lang: Lang,
    f: impl FnOnce(&Workspace) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let one = hold_store(app).await;
    with_store_held(app, one, lang, f).await
}

/// [`on_ledger`] with the gate to the store already held by `one`.
async fn with_store_held<T: Send + 'static>(
    app: &Arc<App>,
    one: tokio::sync::OwnedMutexGuard<()>,
    lang: Lang,
    f: impl FnOnce(&Workspace) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    // The guard goes with the work: a request given up by its client does not free the store
    // while its blocking task still holds it.
    let (a, dir, policy) = (app.clone(), app.data_dir.clone(), app.policy_file.clone());
    let done = tokio::task::spawn_blocking(move || {
        let ws = Workspace::new(dir, policy);
        check_store(&a, &ws);
        let r = f(&ws);
        drop(ws);
        drop(one);
        r
    })
    .await
    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response())?;
    done.map_err(|e| {
        if is_busy(&e) {
            return busy(lang);
        }
        tracing::error!("{e:#}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::bare(lang, &format!("{e:#}")),
        )
            .into_response()
    })
}

/// Takes the gate to the store (one request of this process at a time opens it).
async fn hold_store(app: &Arc<App>) -> tokio::sync::OwnedMutexGuard<()> {
    let one = app.gate.clone().lock_owned().await;
    app.cache().took_store();
    one
}

/// Compares the store's change marker with the one after the last decision made here, while a
/// background run works: another process may have changed the store while this one had it
/// closed (`current.rs`).
fn check_store(app: &App, ws: &Workspace) {
    if !app.cache().working() {
        // Nothing is shown from a snapshot meanwhile: each page compares keys itself.
        app.cache().looked();
        return;
    }
    // A store that does not open (busy) is left unchecked: until someone looks, no buttons.
    if let Ok(m) = ws.store().and_then(|s| Ok(s.change_marker()?)) {
        app.cache().check(&m);
    }
}

/// Whether the store is held by another process.
fn is_busy(e: &anyhow::Error) -> bool {
    e.downcast_ref::<incasso_store::StoreError>()
        .is_some_and(|s| matches!(s, incasso_store::StoreError::InUse { .. }))
}

impl App {
    /// The cache, whatever a panicking request left in it.
    fn cache(&self) -> std::sync::MutexGuard<'_, current::Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How long a page waits for a background run before it says so and reloads.
const WAIT_AT_MOST: std::time::Duration = std::time::Duration::from_secs(60);

/// The snapshot of the ledger as it stands (kept, or worked out now and kept); while one is
/// worked out in the background after decisions made here, the last one with those decisions
/// (`current.rs`).
async fn snapshot_of(
    app: &Arc<App>,
    lang: Lang,
    as_of: chrono::NaiveDate,
) -> Result<current::View, Response> {
    let waited = std::time::Instant::now();
    loop {
        if let Some(v) = while_working(app, lang, as_of).await? {
            return Ok(v);
        }
        if !app.cache().working() {
            break;
        }
        // Being worked out after a change the last snapshot can't show (or for another date):
        // what the background run keeps is what this page needs.
        if waited.elapsed() > WAIT_AT_MOST {
            return Err(still_working(lang));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (a, runtime) = (app.clone(), tokio::runtime::Handle::current());
    on_ledger(app, lang, move |ws| {
        let key = snapshot::key(ws, as_of)?;
        {
            let mut c = a.cache();
            if let Some(v) = c.current(&key).or_else(|| c.while_working(as_of)) {
                return Ok(v);
            }
            // Changed since the snapshot for this date (an import, a command): shown without
            // buttons while the new one is worked out behind it.
            if c.start_after_change(as_of) {
                let _entered = runtime.enter();
                work_in_background(a.clone(), as_of);
                return Ok(c.while_working(as_of).expect("started for this date"));
            }
        }
        a.cache().make_room();
        let (key, s) = snapshot::work_out(ws, as_of)?;
        Ok(a.cache().keep_current(key, s))
    })
    .await
}

/// While a background run works: the last snapshot, with the decisions made here marked when
/// nothing else changed the store, else without buttons. Another process can change the store
/// only while this one has it closed, so each request that opens it compares its change marker
/// with the one after the last decision made here (`check_store`); with the store free, this
/// page does so itself (a moment); while a request holds it, this page trusts that request's
/// look, or shows no buttons when it has not looked yet.
async fn while_working(
    app: &Arc<App>,
    lang: Lang,
    as_of: chrono::NaiveDate,
) -> Result<Option<current::View>, Response> {
    let Some(v) = app.cache().while_working(as_of) else {
        return Ok(None);
    };
    if v.read_only {
        return Ok(Some(v));
    }
    // A request of this process holding the store means no other process can change it now; a
    // change made before that request opened it is known once the request has looked, which it
    // does first thing: wait a moment for that (or for the store to be free).
    let looked_for = std::time::Instant::now();
    let one = loop {
        if let Ok(one) = app.gate.clone().try_lock_owned() {
            break one;
        }
        if app.cache().store_checked() {
            return Ok(app.cache().while_working(as_of));
        }
        if looked_for.elapsed() > std::time::Duration::from_millis(150) {
            return Ok(Some(v.without_buttons()));
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    app.cache().took_store();
    // The look is the store's own check on opening (`check_store`); a busy store says so.
    with_store_held(app, one, lang, |ws| ws.store().map(|_| ())).await?;
    // Built again after the look: a decision recorded meanwhile is marked.
    Ok(app.cache().while_working(as_of))
}

/// The page that says the ledger is held by another process, and reloads.
fn busy(lang: Lang) -> Response {
    reloading(lang, "busy")
}

/// The page that says the ledger is still being worked out, and reloads.
fn still_working(lang: Lang) -> Response {
    reloading(lang, "working_in")
}

/// A page that says `word` and reloads after five seconds.
fn reloading(lang: Lang, word: &'static str) -> Response {
    let mut r = (
        StatusCode::SERVICE_UNAVAILABLE,
        pages::bare(lang, lang.t(word)),
    )
        .into_response();
    r.headers_mut()
        .insert("refresh", HeaderValue::from_static("5"));
    r
}

/// The snapshot with every decision made here worked in (a file carries no banner): waits for
/// background runs to end.
async fn settled_snapshot(
    app: &Arc<App>,
    lang: Lang,
    as_of: chrono::NaiveDate,
) -> Result<current::View, Response> {
    let waited = std::time::Instant::now();
    loop {
        if !app.cache().working() {
            let v = snapshot_of(app, lang, as_of).await?;
            if v.pending.is_empty() && !v.read_only {
                return Ok(v);
            }
        }
        if waited.elapsed() > WAIT_AT_MOST {
            return Err(still_working(lang));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Works the snapshot out again in the background after decisions made here, the store open
/// only to read it and to keep the reconciliation, and runs again while decisions keep coming.
fn work_in_background(app: Arc<App>, as_of: chrono::NaiveDate) {
    tokio::spawn(async move {
        loop {
            match work_once(&app, as_of).await {
                Ok(current::Next::Again) => continue,
                Ok(current::Next::Stop) => break,
                Err(e) => {
                    tracing::warn!("working the pages out again after a decision: {e:#}");
                    app.cache().failed();
                    break;
                }
            }
        }
    });
}

/// One background run: read with the store open, work out with it closed, keep with it open.
async fn work_once(app: &Arc<App>, as_of: chrono::NaiveDate) -> anyhow::Result<current::Next> {
    let with_store = |app: &Arc<App>| {
        let (dir, policy) = (app.data_dir.clone(), app.policy_file.clone());
        move || Workspace::new(dir, policy)
    };
    let t = std::time::Instant::now();
    let one = hold_store(app).await;
    let (a, open) = (app.clone(), with_store(app));
    let (read, started) = tokio::task::spawn_blocking(move || {
        let ws = open();
        let read = snapshot::key(&ws, as_of).and_then(|key| {
            // A change made elsewhere drops the pages' buttons and makes this run read it all.
            a.cache().check(&key.marker);
            let last = a.cache().only_decided_since(&key.marker);
            snapshot::read(&ws, key, last)
        });
        let started = a.cache().started();
        drop(ws);
        drop(one);
        read.map(|r| (r, started))
    })
    .await??;
    let read_s = t.elapsed().as_secs_f64();
    let working = tokio::task::spawn_blocking(move || read.work()).await??;
    let work_s = t.elapsed().as_secs_f64() - read_s;
    let one = hold_store(app).await;
    let (a, open) = (app.clone(), with_store(app));
    tokio::task::spawn_blocking(move || {
        let ws = open();
        check_store(&a, &ws);
        let kept = working.finish(&ws);
        let now = kept.as_ref().ok().map(|_| snapshot::key(&ws, as_of));
        drop(ws);
        let (key, s) = kept?;
        let now = now.expect("read when kept")?;
        tracing::info!(
            read_s,
            work_s,
            keep_s = t.elapsed().as_secs_f64() - read_s - work_s,
            "the pages were worked out again after decisions made here"
        );
        // Still holding the gate: a decision recorded after `now` was read would otherwise find
        // this run still working and start none.
        let next = a.cache().worked_out(started, key, s, &now);
        drop(one);
        Ok(next)
    })
    .await?
}

/// Percent-encodes a message for a redirect's query.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The answer to a form: back to `page` with what was done (or why not).
fn done(page: &str, result: anyhow::Result<String>) -> Response {
    done_on(page, None, result)
}

/// [`done`], keeping the date the page was looked at on.
fn done_on(
    page: &str,
    as_of: Option<chrono::NaiveDate>,
    result: anyhow::Result<String>,
) -> Response {
    let msg = match result {
        Ok(m) => m,
        Err(e) => format!("{e:#}"),
    };
    let date = as_of.map(|d| format!("&as_of={d}")).unwrap_or_default();
    Redirect::to(&format!("{page}?msg={}{date}", encode(&msg))).into_response()
}

/// A decision's form: which payment, which document, how much.
#[derive(serde::Deserialize)]
struct Decision {
    csrf: String,
    payment: String,
    document: String,
    #[serde(default)]
    amount: String,
    /// The page to return to.
    back: String,
    /// The date that page was looked at on, if one was chosen.
    #[serde(default)]
    as_of: Option<chrono::NaiveDate>,
}

fn back_to(page: &str) -> &'static str {
    match page {
        "/unapplied" => "/unapplied",
        "/claims" => "/claims",
        _ => "/review",
    }
}

/// Records a decision from a form through `f` (the engine's operation) and goes back to the
/// page it came from with what was done; the pages are then worked out again in the background
/// (`current.rs`).
async fn decide(
    app: Arc<App>,
    headers: &HeaderMap,
    d: &Decision,
    f: impl FnOnce(&Workspace) -> anyhow::Result<String> + Send + 'static,
) -> Response {
    if !app.access.may_post(headers, &d.csrf) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let page = back_to(&d.back);
    let (a, payment, document) = (
        app.clone(),
        d.payment.clone(),
        d.document.trim().to_string(),
    );
    let (runtime, as_of) = (
        tokio::runtime::Handle::current(),
        d.as_of.unwrap_or_else(today),
    );
    // A refusal by the engine (an unknown document, a payment used up) is the person's to read;
    // only a busy store is told apart, so the page can say "try again".
    let f = move |ws: &Workspace| {
        let before = ws.store()?.change_marker()?;
        match f(ws) {
            Err(e) if is_busy(&e) => Err(e),
            Err(e) => Ok(format!("not recorded: {e:#}")),
            Ok(what) => {
                // Recorded: the answer says so whatever follows. The background run starts
                // here, not after the answer: a person who clicks away drops the request.
                match ws.store().and_then(|s| Ok(s.change_marker()?)) {
                    Ok(after) => {
                        let start = a
                            .cache()
                            .decided(&before, &after, &payment, &document, &what);
                        if start {
                            let _entered = runtime.enter();
                            work_in_background(a.clone(), as_of);
                        }
                    }
                    Err(_) => a.cache().changed_elsewhere(),
                }
                Ok(what)
            }
        }
    };
    match on_ledger(&app, lang_of(headers, None), f).await {
        Ok(m) => done_on(page, d.as_of, Ok(m)),
        Err(resp) if resp.status() == StatusCode::SERVICE_UNAVAILABLE => done_on(
            page,
            d.as_of,
            Err(anyhow::anyhow!(
                "not recorded: another incasso command (the nightly run?) holds the ledger; try again in a moment"
            )),
        ),
        Err(_) => done_on(
            page,
            d.as_of,
            Err(anyhow::anyhow!("not recorded: see the server's log")),
        ),
    }
}

/// The date the pages are as of when the person chose none.
fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `POST /allocate`: the payment pays the document (all that is open, or the amount).
async fn allocate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(d): Form<Decision>,
) -> Response {
    let amount = match d.amount.trim() {
        "" => None,
        a => match incasso_engine::decisions::typed_amount(a) {
            Ok(a) => Some(a),
            Err(e) => return done_on(back_to(&d.back), d.as_of, Err(e)),
        },
    };
    let (payment, document) = (d.payment.clone(), d.document.trim().to_string());
    let by = app.by.clone();
    decide(app, &headers, &d, move |ws| {
        let n = incasso_engine::decisions::allocate(ws, &payment, &document, amount, &by)?;
        Ok(format!("{payment} → {n}"))
    })
    .await
}

/// `POST /unallocate`: the payment does not pay the document.
async fn unallocate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(d): Form<Decision>,
) -> Response {
    let (payment, document) = (d.payment.clone(), d.document.clone());
    let by = app.by.clone();
    decide(app, &headers, &d, move |ws| {
        let n = incasso_engine::decisions::unallocate(ws, &payment, Some(&document), &by)?;
        Ok(format!("{payment} ↛ {}", n.unwrap_or_default()))
    })
    .await
}

macro_rules! page {
    ($name:ident, $render:path) => {
        async fn $name(
            State(app): State<Arc<App>>,
            headers: HeaderMap,
            uri: Uri,
            Query(c): Query<Common>,
        ) -> Response {
            let ctx = match admit(&app, &headers, &uri, &c) {
                Ok(ctx) => ctx,
                Err(r) => return *r,
            };
            let mut r = $render(&app, ctx, c).await;
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
    };
}

page!(overview, pages::overview::render);
page!(review, pages::review::render);
page!(unapplied, pages::unapplied::render);
page!(claims, pages::claims::render);
page!(items, pages::items::render);
page!(items_csv, pages::items::csv);
page!(items_xlsx, pages::items::xlsx);
page!(conflicts, pages::conflicts::render);
page!(inbox, pages::inbox::render);

/// `GET /debtor/{id}`.
async fn debtor(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(c): Query<Common>,
) -> Response {
    let ctx = match admit(&app, &headers, &uri, &c) {
        Ok(ctx) => ctx,
        Err(r) => return *r,
    };
    pages::debtor::render(&app, ctx, id).await
}

/// A letter's query: which letter, in which currency.
#[derive(serde::Deserialize)]
struct LetterQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    currency: Option<String>,
    #[serde(flatten)]
    common: Common,
}

/// `GET /letter/{debtor}`: a letter's printable preview.
async fn letter(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let ctx = match admit(&app, &headers, &uri, &q.common) {
        Ok(ctx) => ctx,
        Err(r) => return *r,
    };
    let currency = q.currency.unwrap_or_else(|| "EUR".into());
    pages::letter::render(&app, ctx, id, q.kind, currency).await
}

/// A conflict's form: which one, which version wins.
#[derive(serde::Deserialize)]
struct Resolve {
    csrf: String,
    id: u64,
    keep: String,
}

/// `POST /conflicts/resolve`: the store's own resolution (`incasso conflicts resolve`).
async fn resolve(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(f): Form<Resolve>,
) -> Response {
    if !app.access.may_post(&headers, &f.csrf) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let lang = lang_of(&headers, None);
    let incoming = f.keep == "incoming";
    let (id, by) = (f.id, app.by.clone());
    let a = app.clone();
    // A refusal (resolved already, in another tab) is the person's to read on the page, as a
    // decision's is (review 45d, F-4: a bare HTTP 500).
    let r = on_ledger(&app, lang, move |ws| {
        let c = match ws
            .store()?
            .resolve_conflict(id, incoming, chrono::Utc::now(), &by)
        {
            Ok(c) => c,
            Err(e @ incasso_store::StoreError::Conflict(_)) => {
                return Ok(format!("not recorded: {e}"))
            }
            Err(e) => return Err(e.into()),
        };
        a.cache().changed_elsewhere();
        Ok(format!(
            "{} {}: {}",
            c.document.kind.code(),
            c.number,
            if incoming { "incoming" } else { "stored" }
        ))
    })
    .await;
    match r {
        Ok(m) => done("/conflicts", Ok(m)),
        Err(resp) => resp,
    }
}

/// `GET /lang/{code}`: remembers the language and goes back to the overview.
async fn set_lang(axum::extract::Path(code): axum::extract::Path<String>) -> Response {
    let lang = Lang::from_code(&code).unwrap_or(Lang::En);
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!("lang={}; SameSite=Strict; Path=/", lang.code()))
            .expect("plain cookie"),
    );
    r
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/review", get(review))
        .route("/unapplied", get(unapplied))
        .route("/claims", get(claims))
        .route("/items", get(items))
        .route("/items.csv", get(items_csv))
        .route("/items.xlsx", get(items_xlsx))
        .route("/debtor/{id}", get(debtor))
        .route("/letter/{id}", get(letter))
        .route("/conflicts", get(conflicts))
        .route("/conflicts/resolve", post(resolve))
        .route("/inbox", get(inbox))
        .route(
            "/inbox/upload",
            post(pages::inbox::upload).layer(axum::extract::DefaultBodyLimit::max(
                pages::inbox::UPLOAD_LIMIT + pages::inbox::FORM_ROOM,
            )),
        )
        .route("/allocate", post(allocate))
        .route("/unallocate", post(unallocate))
        .route("/lang/{code}", get(set_lang))
        .route(
            "/app.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], pages::CSS) }),
        )
        .route(
            "/app.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], pages::JS) }),
        )
        .layer(axum::middleware::map_response(no_framing))
        .with_state(app)
}

/// No page may be framed by another (clickjacking), nor kept by a shared cache; no script runs
/// but the workbench's own file.
async fn no_framing(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("frame-ancestors 'none'; script-src 'self'"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    r
}

/// Serves until `shutdown` completes; `on_listening` gets the bound address.
pub async fn serve(
    cfg: Config,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = Arc::new(App {
        data_dir: cfg.data_dir,
        policy_file: cfg.policy_file,
        access: Access::new(cfg.token),
        inbox: cfg.inbox,
        by: format!("{} (workbench)", cfg.user),
        gate: Arc::new(tokio::sync::Mutex::new(())),
        cache: std::sync::Mutex::new(current::Cache::default()),
    });
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    on_listening(listener.local_addr()?);
    // The person needs a moment to open the link: the ledger is worked out meanwhile, so the
    // first page does not wait for all of it.
    let warm = app.clone();
    tokio::spawn(async move {
        if let Err(r) = snapshot_of(&warm, Lang::En, today()).await {
            tracing::warn!("working the ledger out at start: {}", r.status());
        }
    });
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
