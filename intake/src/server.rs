//! The intake server agencies run (axum): authenticates creditors, validates each claim, stores
//! the accepted ones durably before answering, and replays the stored answer for a repeated
//! Idempotency-Key.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, Semaphore};

use crate::auth::{verify, Tokens, SIGNATURE_WINDOW_SECS};
use crate::received::{
    ClaimStore, Received, ReceivedError, StoredAnswer, StoredClaim, Withdrawn, Write,
};
use crate::schema::{Batch, BatchAnswer, ClaimAnswer, ClaimKind, ErrorAnswer, Withdrawal, OPENAPI};
use crate::validate::{batch_problems, claim_problems, withdrawal_problems};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Where the received claims are stored.
    pub data_dir: PathBuf,
    /// Creditor credentials and the admin token.
    pub tokens: Tokens,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Batches processed at once; more are answered 503 with Retry-After.
    pub max_concurrent: usize,
    /// Bounds on connections, so slow or many clients cannot starve the server.
    pub limits: ConnectionLimits,
}

/// Bounds on connections: slow clients are cut off, one address cannot take every socket, and a
/// stop does not wait on a client forever.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's headers, from its first byte.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body once its headers are in.
    pub body_timeout: Duration,
    /// Connections open at once from one IP address; more are closed at once.
    pub per_address: usize,
    /// Connections open at once in all (kept below the usual 1,024 file descriptors).
    pub total: usize,
    /// Time requests in flight get to finish after a stop is asked for.
    pub shutdown_deadline: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            per_address: 64,
            total: 768,
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

struct App {
    store: Box<dyn ClaimStore>,
    tokens: Tokens,
    /// Largest body read (a larger one is answered 413 without being read whole).
    body_limit: usize,
    /// Time a body may take to arrive.
    body_timeout: Duration,
    /// Idempotency check and write happen under this lock, so one key is processed once.
    writing: Mutex<()>,
    permits: Arc<Semaphore>,
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ErrorAnswer {
        error: code.into(),
        message: message.into(),
    };
    (status, axum::Json(body)).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("store: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the store failed; retry later",
    )
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Why a request is not let in.
enum Denied {
    /// 401 with this message.
    Unauthorized(&'static str),
    /// The store failed while checking.
    Store(ReceivedError),
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        match self {
            Denied::Unauthorized(m) => error(StatusCode::UNAUTHORIZED, "unauthorized", m),
            Denied::Store(e) => internal(e),
        }
    }
}

/// What can be checked of the credentials before the body is read: a bearer token entirely; a
/// signature's creditor, timestamp window and presence. A request that fails here is answered
/// without its body being read at all.
fn preauthenticate(app: &App, headers: &HeaderMap, now: DateTime<Utc>) -> Result<(), Denied> {
    let unauthorized = Denied::Unauthorized;
    if let Some(auth) = text(headers, header::AUTHORIZATION.as_str()) {
        let token = auth.strip_prefix("Bearer ").unwrap_or("");
        return app
            .tokens
            .bearer(token)
            .map(|_| ())
            .ok_or_else(|| unauthorized("the bearer token is not valid"));
    }
    if text(headers, "x-incasso-signature").is_none() {
        return Err(unauthorized(
            "no credentials: send a bearer token or a signature",
        ));
    }
    let creditor = text(headers, "x-incasso-creditor").unwrap_or("");
    if app.tokens.secret(creditor).is_none() {
        return Err(unauthorized("unknown creditor for a signature"));
    }
    let fresh = text(headers, "x-incasso-timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|ts| {
            now.timestamp()
                .checked_sub(ts)
                .is_some_and(|d| d.abs() <= SIGNATURE_WINDOW_SECS)
        });
    if !fresh {
        return Err(unauthorized(
            "X-Incasso-Timestamp is missing, not unix seconds, or too far from now",
        ));
    }
    Ok(())
}

/// The creditor the request is from, or why it is refused.
fn authenticate(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<String, Denied> {
    let unauthorized = Denied::Unauthorized;
    if let Some(auth) = text(headers, header::AUTHORIZATION.as_str()) {
        let token = auth.strip_prefix("Bearer ").unwrap_or("");
        return app
            .tokens
            .bearer(token)
            .map(str::to_string)
            .ok_or_else(|| unauthorized("the bearer token is not valid"));
    }
    let Some(signature) = text(headers, "x-incasso-signature") else {
        return Err(unauthorized(
            "no credentials: send a bearer token or a signature",
        ));
    };
    let creditor = text(headers, "x-incasso-creditor").unwrap_or("");
    let Some(secret) = app.tokens.secret(creditor) else {
        return Err(unauthorized("unknown creditor for a signature"));
    };
    let Some(ts) = text(headers, "x-incasso-timestamp").and_then(|t| t.parse::<i64>().ok()) else {
        return Err(unauthorized(
            "X-Incasso-Timestamp is missing or not unix seconds",
        ));
    };
    let nonce = text(headers, "x-incasso-nonce").unwrap_or("");
    if now
        .timestamp()
        .checked_sub(ts)
        .is_none_or(|d| d.abs() > SIGNATURE_WINDOW_SECS)
    {
        return Err(unauthorized(
            "the signature's timestamp is too far from now",
        ));
    }
    if !verify(secret, ts, nonce, body, signature) {
        return Err(unauthorized("the signature does not match the body"));
    }
    match app.store.first_use_of_signature(signature, now.timestamp()) {
        Ok(true) => Ok(creditor.to_string()),
        Ok(false) => Err(unauthorized("this signature was used before (a replay)")),
        Err(e) => Err(Denied::Store(e)),
    }
}

async fn post_batch(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    // A permit and the credentials come before the body: an unauthenticated or surplus request
    // costs no memory (at most `max_concurrent` bodies of at most `body_limit` are ever held).
    let Ok(_permit) = app.permits.clone().try_acquire_owned() else {
        let mut r = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many batches at once; retry",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    };
    let now = Utc::now();
    if let Err(d) = preauthenticate(&app, &headers, now) {
        return d.into_response();
    }
    let json = text(&headers, header::CONTENT_TYPE.as_str())
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "send the batch as Content-Type: application/json",
        );
    }
    let read = tokio::time::timeout(app.body_timeout, axum::body::to_bytes(body, app.body_limit));
    let body: Bytes = match read.await {
        Ok(Ok(b)) => b,
        Err(_) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "too-slow",
                format!(
                    "the body did not arrive within {} seconds",
                    app.body_timeout.as_secs()
                ),
            )
        }
        Ok(Err(_)) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                format!(
                    "the body is larger than {} bytes, or was cut off",
                    app.body_limit
                ),
            )
        }
    };
    let creditor = match authenticate(&app, &headers, &body, now) {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    let Some(key) = text(&headers, "idempotency-key")
        .filter(|k| !k.is_empty() && k.len() <= 200 && !k.chars().any(char::is_control))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "idempotency-key-missing",
            "send an Idempotency-Key header (1 to 200 characters)",
        );
    };
    let body_hash = blake3::hash(&body).to_hex().to_string();
    let _writing = app.writing.lock().await;
    match app.store.answer(&creditor, key) {
        Ok(Some(a)) if a.body_hash == body_hash => {
            let mut r = (
                StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK),
                a.body,
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r.headers_mut()
                .insert("idempotency-replayed", HeaderValue::from_static("true"));
            return r;
        }
        Ok(Some(_)) => {
            return error(
                StatusCode::CONFLICT,
                "idempotency-key-reused",
                format!("Idempotency-Key {key} was used before with another body"),
            )
        }
        Ok(None) => {}
        Err(e) => return internal(e),
    }
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "schema",
                format!("the batch does not follow incasso-intake/1: {e}"),
            )
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad-json",
                format!("the body is not JSON: {e}"),
            )
        }
    };
    if batch.creditor.id != creditor {
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "the batch is for creditor {} but the credentials are {creditor}'s",
                batch.creditor.id
            ),
        );
    }
    let problems = batch_problems(&batch);
    if !problems.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schema",
            problems.join("; "),
        );
    }
    let mut write = Write::default();
    let mut results = Vec::with_capacity(batch.claims.len());
    for claim in batch.claims {
        let mut reasons = claim_problems(&claim, now.date_naive());
        let mut store_it = None;
        if reasons.is_empty() {
            match judge(&*app.store, &creditor, &batch.batch_id, now, claim.clone()) {
                Ok(Ok(s)) => store_it = s,
                Ok(Err(why)) => reasons.push(why),
                Err(e) => return internal(e),
            }
        }
        if let Some(s) = &store_it {
            write.claim(s);
        }
        results.push(ClaimAnswer::judged(claim.claim_id, claim.revision, reasons));
    }
    for w in batch.withdrawals {
        let mut reasons = withdrawal_problems(&w);
        if reasons.is_empty() {
            match judge_withdrawal(&*app.store, &creditor, &batch.batch_id, now, &w) {
                Ok(Ok(Some(s))) => write.claim(&s),
                Ok(Ok(None)) => {}
                Ok(Err(why)) => reasons.push(why),
                Err(e) => return internal(e),
            }
        }
        results.push(ClaimAnswer::judged(w.claim_id, w.revision, reasons));
    }
    let answer = BatchAnswer {
        batch_id: batch.batch_id,
        received_at: now,
        results,
    };
    let body = serde_json::to_string(&answer).expect("answers serialise");
    write.answer(
        &creditor,
        key,
        &StoredAnswer {
            body_hash,
            status: 200,
            body: body.clone(),
        },
    );
    if let Err(e) = app.store.commit(write).await {
        return internal(e);
    }
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Whether a valid claim is accepted: `Ok(Some)` to store, `Ok(None)` when it is stored already
/// exactly so, `Err(reason)` when it is refused.
fn judge(
    store: &dyn ClaimStore,
    creditor: &str,
    batch_id: &str,
    now: DateTime<Utc>,
    claim: crate::schema::Claim,
) -> Result<Result<Option<StoredClaim>, String>, ReceivedError> {
    let previous = store.claim(creditor, &claim.claim_id)?;
    let stored = match previous {
        Some(prev) if prev.claim == claim => return Ok(Ok(None)),
        Some(prev) if claim.revision <= prev.latest_revision() => {
            return Ok(Err(format!(
                "revision {} is not higher than the accepted revision {}; send changes as a higher revision",
                claim.revision,
                prev.latest_revision()
            )))
        }
        Some(_) if claim.kind == ClaimKind::New => {
            return Ok(Err("the claim exists at the agency; send changes with kind \"update\"".into()))
        }
        Some(prev) => {
            let mut history = prev.history;
            history.push((prev.claim.revision, prev.accepted_at, prev.batch_id));
            StoredClaim { creditor: creditor.into(), accepted_at: now, batch_id: batch_id.into(), claim, history, withdrawals: prev.withdrawals }
        }
        None if claim.kind == ClaimKind::Update => {
            return Ok(Err(format!("there is no claim {} to update; send it with kind \"new\"", claim.claim_id)))
        }
        None => StoredClaim { creditor: creditor.into(), accepted_at: now, batch_id: batch_id.into(), claim, history: Vec::new(), withdrawals: Vec::new() },
    };
    Ok(Ok(Some(stored)))
}

/// Whether a valid withdrawal is accepted: `Ok(Some)` to store, `Ok(None)` when it is stored
/// already exactly so, `Err(reason)` when it is refused.
fn judge_withdrawal(
    store: &dyn ClaimStore,
    creditor: &str,
    batch_id: &str,
    now: DateTime<Utc>,
    w: &Withdrawal,
) -> Result<Result<Option<StoredClaim>, String>, ReceivedError> {
    let Some(mut prev) = store.claim(creditor, &w.claim_id)? else {
        return Ok(Err(format!("there is no claim {} to withdraw", w.claim_id)));
    };
    if prev
        .withdrawals
        .last()
        .is_some_and(|last| &last.withdrawal == w)
    {
        return Ok(Ok(None));
    }
    if w.revision <= prev.latest_revision() {
        return Ok(Err(format!(
            "revision {} is not higher than the agency's revision {}",
            w.revision,
            prev.latest_revision()
        )));
    }
    prev.withdrawals.push(Withdrawn {
        withdrawal: w.clone(),
        at: now,
        batch_id: batch_id.into(),
    });
    Ok(Ok(Some(prev)))
}

async fn get_claim(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let creditor = match authenticate(&app, &headers, b"", Utc::now()) {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    match app.store.claim(&creditor, &id) {
        Ok(Some(c)) => axum::Json(c.status()).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no claim {id} of creditor {creditor}"),
        ),
        Err(e) => internal(e),
    }
}

#[derive(serde::Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Response {
    let token = text(&headers, header::AUTHORIZATION.as_str())
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    if !app.tokens.admin(token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the export needs the admin token",
        );
    }
    let claims = match app.store.all() {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    match q.format.as_deref().unwrap_or("json") {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            export_csv(&claims),
        )
            .into_response(),
        "json" => axum::Json(claims).into_response(),
        other => error(
            StatusCode::BAD_REQUEST,
            "bad-format",
            format!("format '{other}' is not json or csv"),
        ),
    }
}

/// The export's CSV: one line per claim (its latest revision).
pub fn export_csv(claims: &[StoredClaim]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "creditor",
        "claim_id",
        "revision",
        "accepted_at",
        "batch_id",
        "debtor_id",
        "debtor_name",
        "currency",
        "principal",
        "costs",
        "interest",
        "total",
        "items",
        "status",
        "withdrawal_reason",
        "withdrawn_at",
        "creditor_name",
        "jurisdiction",
        "first_default_date",
        "letter_sent",
        "letter_channel",
        "letter_received",
        "letter_received_presumed",
        "letter_last_day",
        "costs_from",
    ];
    w.write_record(header).expect("writing to memory");
    for s in claims {
        let c = &s.claim;
        let items: Vec<&str> = c.items.iter().map(|i| i.number.as_str()).collect();
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let letter = c.fourteen_day_letter.as_ref();
        let fields = [
            s.creditor.clone(),
            c.claim_id.clone(),
            c.revision.to_string(),
            s.accepted_at.to_rfc3339(),
            s.batch_id.clone(),
            c.debtor.id.clone(),
            c.debtor.name.clone(),
            c.currency.clone(),
            c.principal.to_string(),
            c.costs.total.to_string(),
            c.interest.total.to_string(),
            c.total.to_string(),
            items.join(" "),
            if s.withdrawn().is_some() {
                "withdrawn"
            } else {
                "open"
            }
            .to_string(),
            s.withdrawn()
                .map(|w| w.withdrawal.reason.code().to_string())
                .unwrap_or_default(),
            s.withdrawn().map(|w| w.at.to_rfc3339()).unwrap_or_default(),
            c.creditor.name.clone().unwrap_or_default(),
            c.jurisdiction.clone(),
            day(c.items.iter().map(|i| i.default_date).min()),
            day(letter.map(|l| l.sent)),
            letter.map(|l| l.channel.clone()).unwrap_or_default(),
            day(letter.and_then(|l| l.received)),
            letter
                .map(|l| {
                    if l.received_presumed {
                        "presumed"
                    } else {
                        "recorded"
                    }
                })
                .unwrap_or_default()
                .to_string(),
            day(letter.and_then(|l| l.last_day)),
            day(letter.and_then(|l| l.costs_from)),
        ];
        // Cells a spreadsheet would take for a formula are neutralised.
        w.write_record(
            fields
                .iter()
                .map(|f| incasso_core::cells::neutralise_formula(f).into_owned()),
        )
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

/// The routes, for a store and credentials.
fn router(app: Arc<App>, body_limit: usize) -> Router {
    Router::new()
        .route("/v1/batches", post(post_batch))
        .route("/claims/{id}", get(get_claim))
        .route("/export", get(export))
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(app)
}

/// Runs the server until `shutdown` completes, then gives requests in flight until the limits' deadline.
/// `on_listening` gets the bound address (useful with port 0).
pub async fn serve(
    cfg: ServerConfig,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let store =
        Received::open(&cfg.data_dir).map_err(|e| format!("{}: {e}", cfg.data_dir.display()))?;
    serve_store(cfg, Box::new(store), on_listening, shutdown).await
}

/// [`serve`] over a store of the caller's choice (another backend than the embedded sled).
pub async fn serve_store(
    cfg: ServerConfig,
    store: Box<dyn ClaimStore>,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let app = Arc::new(App {
        store,
        tokens: cfg.tokens,
        writing: Mutex::new(()),
        permits: Arc::new(Semaphore::new(cfg.max_concurrent.max(1))),
        body_limit: cfg.body_limit,
        body_timeout: cfg.limits.body_timeout,
    });
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("listening on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    on_listening(addr);
    accept_loop(listener, router(app, cfg.body_limit), cfg.limits, shutdown).await;
    Ok(())
}

/// Open connections per address, shared by the accept loop and the connection tasks.
#[derive(Default)]
struct Open {
    per_address: HashMap<IpAddr, usize>,
    total: usize,
}

/// One admitted connection; dropping it gives its place back.
struct Admitted {
    open: Arc<std::sync::Mutex<Open>>,
    ip: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total -= 1;
        if let Some(n) = open.per_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_address.remove(&self.ip);
            }
        }
    }
}

fn admit(
    open: &Arc<std::sync::Mutex<Open>>,
    ip: IpAddr,
    limits: &ConnectionLimits,
) -> Option<Admitted> {
    let mut o = open.lock().unwrap_or_else(|p| p.into_inner());
    let mine = o.per_address.get(&ip).copied().unwrap_or(0);
    if mine >= limits.per_address || o.total >= limits.total {
        return None;
    }
    o.per_address.insert(ip, mine + 1);
    o.total += 1;
    Some(Admitted {
        open: open.clone(),
        ip,
    })
}

/// Accepts connections under `limits` and serves HTTP/1.1 on each with a header read timeout;
/// on `shutdown`, stops accepting and gives requests in flight until the deadline.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let open = Arc::new(std::sync::Mutex::new(Open::default()));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait, don't spin.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.as_mut() => break,
        };
        let Some(place) = admit(&open, peer.ip(), &limits) else {
            tracing::warn!("refused a connection from {peer}: too many open");
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(place);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "stopped with requests still in flight after {} seconds",
            limits.shutdown_deadline.as_secs()
        );
    }
}

/// Runs the server on a runtime of its own until SIGINT or SIGTERM, then gives the requests in
/// flight until the limits' deadline (`incasso intake serve`).
pub fn serve_until_signal(
    cfg: ServerConfig,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the server runtime: {e}"))?;
    runtime.block_on(serve(cfg, on_listening, signalled()))
}

/// Completes on SIGINT or SIGTERM.
async fn signalled() {
    let term = async {
        #[cfg(unix)]
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
            return;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
