//! The intake server agencies run (axum): authenticates creditors, validates each claim, stores
//! the accepted ones durably before answering, and replays the stored answer for a repeated
//! Idempotency-Key.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;

use crate::auth::{verify, Tokens, SIGNATURE_WINDOW_SECS};
use crate::received::postgres::Postgres;
use crate::received::{
    ClaimStore, Decided, Event, Incoming, Processed, Received, ReceivedError, StatusRecorded,
    StoredAnswer, StoredClaim, Withdrawn,
};
use crate::schema::{
    Batch, BatchAnswer, ChangePage, ClaimAnswer, ClaimKind, ErrorAnswer, StatusUpdate, Withdrawal,
    OPENAPI,
};
use crate::validate::{batch_problems, claim_problems, id_problem, withdrawal_problems};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Where the received claims are stored.
    pub store: StoreConfig,
    /// Creditor credentials and the admin token.
    pub tokens: Tokens,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Batches processed at once; more are answered 503 with Retry-After.
    pub max_concurrent: usize,
    /// Bounds on connections, so slow or many clients cannot starve the server.
    pub limits: ConnectionLimits,
}

/// Where the server keeps what it receives.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// sled in this data directory: the embedded default, one instance.
    Sled(PathBuf),
    /// PostgreSQL: any number of instances on one database.
    Postgres {
        /// `postgres://USER@HOST:PORT/DB`.
        url: String,
        /// Connections this instance keeps at most.
        max_connections: usize,
    },
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
async fn preauthenticate(app: &App, headers: &HeaderMap, now: DateTime<Utc>) -> Result<(), Denied> {
    let unauthorized = Denied::Unauthorized;
    if let Some(auth) = text(headers, header::AUTHORIZATION.as_str()) {
        let token = auth.strip_prefix("Bearer ").unwrap_or("");
        return bearer(app, token).await.map(|_| ());
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

/// The creditor a bearer token belongs to: from the tokens file, else from the store's table.
async fn bearer(app: &App, token: &str) -> Result<String, Denied> {
    if let Some(c) = app.tokens.bearer(token) {
        return Ok(c.to_string());
    }
    if token.is_empty() {
        return Err(Denied::Unauthorized("the bearer token is not valid"));
    }
    match app.store.creditor_of_token(token).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(Denied::Unauthorized("the bearer token is not valid")),
        Err(e) => Err(Denied::Store(e)),
    }
}

/// The creditor the request is from, or why it is refused.
async fn authenticate(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<String, Denied> {
    let unauthorized = Denied::Unauthorized;
    if let Some(auth) = text(headers, header::AUTHORIZATION.as_str()) {
        let token = auth.strip_prefix("Bearer ").unwrap_or("");
        return bearer(app, token).await;
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
    match app
        .store
        .first_use_of_signature(signature, now.timestamp())
        .await
    {
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
    if let Err(d) = preauthenticate(&app, &headers, now).await {
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
    let creditor = match authenticate(&app, &headers, &body, now).await {
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
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return unusable_body(e),
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
    let incoming = Incoming {
        creditor: creditor.clone(),
        key: key.to_string(),
        body_hash: body_hash.clone(),
        // Only ids that could be stored are looked up (a refused one may hold a NUL, which no
        // database text takes).
        claim_ids: batch
            .claims
            .iter()
            .map(|c| &c.claim_id)
            .chain(batch.withdrawals.iter().map(|w| &w.claim_id))
            .filter(|id| id_problem("claim_id", id).is_none())
            .cloned()
            .collect(),
    };
    let decide = Box::new(move |stored: &HashMap<String, StoredClaim>| {
        decide_batch(stored, &creditor, batch, body_hash, now)
    });
    match app.store.process(incoming, decide).await {
        Ok(Processed::Stored(a)) => {
            ([(header::CONTENT_TYPE, "application/json")], a.body).into_response()
        }
        Ok(Processed::Replayed(a)) => replay(a),
        Ok(Processed::KeyReused) => key_reused(key),
        Err(e) => internal(e),
    }
}

fn replay(a: StoredAnswer) -> Response {
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
    r
}

fn key_reused(key: &str) -> Response {
    error(
        StatusCode::CONFLICT,
        "idempotency-key-reused",
        format!("Idempotency-Key {key} was used before with another body"),
    )
}

/// What is wrong with a body that is not a batch. (A body answered before was a batch, so the
/// same body never lands here: nothing is looked up for its key.)
fn unusable_body(e: serde_json::Error) -> Response {
    if e.classify() == serde_json::error::Category::Data {
        error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schema",
            format!("the batch does not follow incasso-intake/1: {e}"),
        )
    } else {
        error(
            StatusCode::BAD_REQUEST,
            "bad-json",
            format!("the body is not JSON: {e}"),
        )
    }
}

/// Judges every claim and withdrawal of a valid batch against what is stored: what to store,
/// and the answer.
fn decide_batch(
    stored: &HashMap<String, StoredClaim>,
    creditor: &str,
    batch: Batch,
    body_hash: String,
    now: DateTime<Utc>,
) -> Decided {
    let mut accepted = Vec::new();
    let mut results = Vec::with_capacity(batch.claims.len() + batch.withdrawals.len());
    for claim in batch.claims {
        let mut reasons = claim_problems(&claim, now.date_naive());
        if reasons.is_empty() {
            let previous = stored.get(&claim.claim_id).cloned();
            match judge(previous, creditor, &batch.batch_id, now, claim.clone()) {
                Ok(Some(s)) => accepted.push(s),
                Ok(None) => {}
                Err(why) => reasons.push(why),
            }
        }
        results.push(ClaimAnswer::judged(claim.claim_id, claim.revision, reasons));
    }
    for w in batch.withdrawals {
        let mut reasons = withdrawal_problems(&w);
        if reasons.is_empty() {
            let previous = stored.get(&w.claim_id).cloned();
            match judge_withdrawal(previous, &batch.batch_id, now, &w) {
                Ok(Some(s)) => accepted.push((s, Event::Withdrawn)),
                Ok(None) => {}
                Err(why) => reasons.push(why),
            }
        }
        results.push(ClaimAnswer::judged(w.claim_id, w.revision, reasons));
    }
    let answer = BatchAnswer {
        batch_id: batch.batch_id,
        received_at: now,
        results,
    };
    Decided {
        accepted,
        answer: StoredAnswer {
            body_hash,
            status: 200,
            body: serde_json::to_string(&answer).expect("answers serialise"),
        },
    }
}

/// Whether a valid claim is accepted: `Ok(Some)` to store, `Ok(None)` when it is stored already
/// exactly so, `Err(reason)` when it is refused.
fn judge(
    previous: Option<StoredClaim>,
    creditor: &str,
    batch_id: &str,
    now: DateTime<Utc>,
    claim: crate::schema::Claim,
) -> Result<Option<(StoredClaim, Event)>, String> {
    let stored = match previous {
        Some(prev) if prev.claim == claim => return Ok(None),
        Some(prev) if claim.revision <= prev.latest_revision() => {
            return Err(format!(
                "revision {} is not higher than the accepted revision {}; send changes as a higher revision",
                claim.revision,
                prev.latest_revision()
            ))
        }
        Some(_) if claim.kind == ClaimKind::New => {
            return Err("the claim exists at the agency; send changes with kind \"update\"".into())
        }
        Some(prev) => {
            let mut history = prev.history;
            history.push((prev.claim.revision, prev.accepted_at, prev.batch_id));
            (StoredClaim { creditor: creditor.into(), accepted_at: now, batch_id: batch_id.into(), claim, history, withdrawals: prev.withdrawals, agency: prev.agency }, Event::Update)
        }
        None if claim.kind == ClaimKind::Update => {
            return Err(format!("there is no claim {} to update; send it with kind \"new\"", claim.claim_id))
        }
        None => (StoredClaim { creditor: creditor.into(), accepted_at: now, batch_id: batch_id.into(), claim, history: Vec::new(), withdrawals: Vec::new(), agency: None }, Event::New),
    };
    Ok(Some(stored))
}

/// Whether a valid withdrawal is accepted: `Ok(Some)` to store, `Ok(None)` when it is stored
/// already exactly so, `Err(reason)` when it is refused.
fn judge_withdrawal(
    previous: Option<StoredClaim>,
    batch_id: &str,
    now: DateTime<Utc>,
    w: &Withdrawal,
) -> Result<Option<StoredClaim>, String> {
    let Some(mut prev) = previous else {
        return Err(format!("there is no claim {} to withdraw", w.claim_id));
    };
    if prev
        .withdrawals
        .last()
        .is_some_and(|last| &last.withdrawal == w)
    {
        return Ok(None);
    }
    if w.revision <= prev.latest_revision() {
        return Err(format!(
            "revision {} is not higher than the agency's revision {}",
            w.revision,
            prev.latest_revision()
        ));
    }
    prev.withdrawals.push(Withdrawn {
        withdrawal: w.clone(),
        at: now,
        batch_id: batch_id.into(),
    });
    Ok(Some(prev))
}

async fn get_claim(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let creditor = match authenticate(&app, &headers, b"", Utc::now()).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    if id_problem("claim id", &id).is_some() {
        return error(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no claim {:?} of creditor {creditor}", id),
        );
    }
    match app.store.claim(&creditor, &id).await {
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
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Response {
    if !is_admin(&app, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the export needs the admin token",
        );
    }
    let q = match q {
        Ok(Query(q)) => q,
        Err(r) => return bad_query(r, "format=json|csv"),
    };
    let claims = match app.store.all().await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    match q.format.as_deref().unwrap_or("json") {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            export_csv(&claims),
        )
            .into_response(),
        "json" => axum::Json(export_json(&claims)).into_response(),
        other => error(
            StatusCode::BAD_REQUEST,
            "bad-format",
            format!("format '{other}' is not json or csv"),
        ),
    }
}

fn is_admin(app: &App, headers: &HeaderMap) -> bool {
    let token = text(headers, header::AUTHORIZATION.as_str())
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    app.tokens.admin(token)
}

#[derive(serde::Deserialize)]
struct ChangesQuery {
    after: Option<String>,
    limit: Option<usize>,
    /// `false`: the changes without the claims they brought (a creditor reading statuses).
    claims: Option<bool>,
}

/// What a cursor says of the change it was given after: a digest of its number, claim, event and
/// time, so that another change under that number (a database restored from a backup) tells.
fn tag_of(c: &crate::schema::Change) -> String {
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        c.seq,
        c.creditor,
        c.claim_id,
        c.event,
        c.at.to_rfc3339()
    );
    blake3::hash(text.as_bytes()).to_hex()[..12].to_string()
}

/// The tag of change `seq` ([`tag_of`]), when the feed has it.
async fn change_tag(app: &App, seq: u64) -> Result<Option<String>, crate::received::ReceivedError> {
    if seq == 0 {
        return Ok(None);
    }
    let (found, _) = app.store.changes(None, seq - 1, 1, false).await?;
    Ok(found.first().filter(|c| c.seq == seq).map(tag_of))
}

/// Largest page of the change feed.
pub const MAX_CHANGES_PAGE: usize = 1_000;

/// `GET /v1/changes?after=CURSOR&limit=N[&claims=false]`: the admin token pages through every
/// creditor's changes, a creditor's credentials through its own; `claims=false` leaves out the
/// claim each new claim or update brought (the creditor sent them; it reads the statuses).
async fn changes(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    q: Result<Query<ChangesQuery>, QueryRejection>,
) -> Response {
    let creditor = if is_admin(&app, &headers) {
        None
    } else {
        match authenticate(&app, &headers, b"", Utc::now()).await {
            Ok(c) => Some(c),
            Err(d) => return d.into_response(),
        }
    };
    let q = match q {
        Ok(Query(q)) => q,
        Err(r) => return bad_query(r, "after=CURSOR&limit=N&claims=true|false"),
    };
    let (epoch, last) = match app.store.feed_end().await {
        Ok(e) => e,
        Err(e) => return internal(e),
    };
    // A cursor is EPOCH.NUMBER.TAG; "0" (or none) is the start. One from another feed (a moved
    // database), past this feed's end, or whose change is not the one it was given after (a
    // database restored from a backup numbers its changes again from there) is refused, never
    // read as "nothing new". EPOCH.NUMBER, as given before the tag, is taken as it is.
    // The tag of the cursor's change, once checked: an empty page gives the same cursor back.
    let mut checked_tag: Option<String> = None;
    let after = match q.after.as_deref().unwrap_or("0") {
        "" | "0" => 0,
        cursor => {
            let mut parts = cursor.splitn(3, '.');
            let (e, n, tag) = (parts.next(), parts.next(), parts.next());
            match (e, n.map(str::parse::<u64>)) {
                (Some(e), Some(Ok(n))) if e == epoch && n <= last => {
                    if let Some(tag) = tag {
                        match change_tag(&app, n).await {
                            Ok(Some(t)) if t == tag => checked_tag = Some(t),
                            Ok(_) => return feed_reset(),
                            Err(e) => return internal(e),
                        }
                    }
                    n
                }
                (Some(_), Some(_)) => return feed_reset(),
                _ => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad-cursor",
                        "after is a cursor this feed gave out (the `next` of a page), or 0",
                    )
                }
            }
        }
    };
    let limit = q
        .limit
        .unwrap_or(MAX_CHANGES_PAGE)
        .clamp(1, MAX_CHANGES_PAGE);
    let claims = q.claims.unwrap_or(true);
    match app
        .store
        .changes(creditor.as_deref(), after, limit, claims)
        .await
    {
        Ok((changes, more)) => {
            let at = changes.last().map_or(after, |c| c.seq);
            let next = match (changes.last(), checked_tag) {
                (Some(c), _) => format!("{epoch}.{at}.{}", tag_of(c)),
                (None, _) if at == 0 => format!("{epoch}.0"),
                (None, Some(t)) => format!("{epoch}.{at}.{t}"),
                (None, None) => match change_tag(&app, at).await {
                    Ok(Some(t)) => format!("{epoch}.{at}.{t}"),
                    Ok(None) => format!("{epoch}.{at}"),
                    Err(e) => return internal(e),
                },
            };
            axum::Json(ChangePage {
                changes,
                next,
                more,
            })
            .into_response()
        }
        Err(e) => internal(e),
    }
}

/// A query string that does not parse (`limit=ten`, `claims=maybe`): the API's own JSON error,
/// naming what it takes, instead of the framework's plain text.
fn bad_query(r: QueryRejection, takes: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "bad-query",
        format!("{}; this takes {takes}", r.body_text()),
    )
}

fn feed_reset() -> Response {
    error(
        StatusCode::GONE,
        "feed-reset",
        "the cursor is not from this feed as it stands (the database was restored or moved): read it again from 0",
    )
}

/// `PATCH /v1/claims/{id}/status` (admin token): the agency records a claim's progress.
async fn set_status(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if !is_admin(&app, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "recording a claim's status needs the admin token",
        );
    }
    let update: StatusUpdate = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "schema",
                format!("the status update does not follow incasso-intake/1: {e}"),
            )
        }
    };
    if let Some(p) =
        id_problem("claim id", &id).or_else(|| id_problem("creditor", &update.creditor))
    {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "schema", p);
    }
    match app.store.record_status(&id, &update, Utc::now()).await {
        Ok(StatusRecorded::Updated(s)) => axum::Json(s).into_response(),
        Ok(StatusRecorded::Unchanged(s)) => {
            let mut r = axum::Json(s).into_response();
            r.headers_mut()
                .insert("idempotency-replayed", HeaderValue::from_static("true"));
            r
        }
        Ok(StatusRecorded::NoClaim) => error(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no claim {id} of creditor {}", update.creditor),
        ),
        Ok(StatusRecorded::Conflict(why)) => error(StatusCode::CONFLICT, "status-conflict", why),
        Ok(StatusRecorded::Invalid(why)) => error(StatusCode::UNPROCESSABLE_ENTITY, "schema", why),
        Err(e) => internal(e),
    }
}

/// A received claim as the JSON export shows it: as stored, with its status (open or
/// withdrawn), as the CSV export and `GET /claims/{id}` give it.
#[derive(serde::Serialize)]
pub struct Exported<'a> {
    /// Open or withdrawn.
    pub status: crate::schema::ClaimState,
    /// The claim as stored, its revisions and withdrawals.
    #[serde(flatten)]
    pub stored: &'a StoredClaim,
}

/// The JSON export: each claim as stored, with its status.
pub fn export_json(claims: &[StoredClaim]) -> Vec<Exported<'_>> {
    claims
        .iter()
        .map(|c| Exported {
            status: c.state(),
            stored: c,
        })
        .collect()
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
        .route("/v1/claims/{id}", get(get_claim))
        .route("/v1/claims/{id}/status", patch(set_status))
        .route("/v1/changes", get(changes))
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
    let store: Box<dyn ClaimStore> = match &cfg.store {
        StoreConfig::Sled(dir) => {
            Box::new(Received::open(dir).map_err(|e| format!("{}: {e}", dir.display()))?)
        }
        StoreConfig::Postgres {
            url,
            max_connections,
        } => {
            let pg = Postgres::connect(url, *max_connections)
                .await
                .map_err(|e| e.to_string())?;
            pg.migrate().await.map_err(|e| e.to_string())?;
            Box::new(pg)
        }
    };
    serve_store(cfg, store, on_listening, shutdown).await
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

/// Completes on SIGINT or SIGTERM (every long-running command stops on these).
pub async fn signalled() {
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
