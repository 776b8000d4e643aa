//! A local stand-in for the Moneybird, Exact Online and Xero APIs on 127.0.0.1, serving their
//! documented shapes from one in-memory administration, with faults to order: status codes,
//! 429 with Retry-After, malformed or incomplete answers, hangs, expired tokens, refused
//! refreshes. Used by the sync tests and the sync benchmark.

#![allow(dead_code)]

pub mod twinfield;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

/// The tenant the Xero stand-in knows.
pub const TENANT: &str = "5d4a4a33-1111-4c2f-9d0e-000000000001";
/// The Moneybird bearer token it accepts.
pub const MB_TOKEN: &str = "mb-secret-token-0123456789";
/// The first refresh token of the OAuth APIs.
pub const FIRST_REFRESH: &str = "refresh-0-very-secret";
/// Client credentials.
pub const CLIENT_ID: &str = "client-id-1";
/// Client secret.
pub const CLIENT_SECRET: &str = "client-secret-very-secret";

/// One invoice (or credit note, when `credit`) upstream.
#[derive(Debug, Clone)]
pub struct Inv {
    pub id: String,
    pub number: String,
    pub contact: usize,
    pub date: String,
    pub due: String,
    pub total: String,
    /// Amount excluding VAT (Moneybird); empty: the total.
    pub net: String,
    pub open: String,
    pub status: &'static str,
    pub credit: bool,
    pub version: u64,
    pub deleted: bool,
    /// Open amount per instalment (Exact payment terms); empty: one term of `open`.
    pub instalments: Vec<String>,
    /// Moneybird: the upstream id of the invoice a credit invoice credits
    /// (`original_sales_invoice_id`).
    pub original: Option<String>,
    /// Moneybird: the credit invoice whose linking registered the paid part of this invoice (the
    /// payment's `credit_invoice_id`), as Moneybird books a credit against its original.
    pub credited_by: Option<String>,
    /// Exact: the payment terms' `Status` (20 open, 30 selected for collection, 40 processed,
    /// 50 matched).
    pub term_status: u8,
    /// Xero: a customer's money instead of a document: "Prepayment" or "Overpayment" (its
    /// `open` is the credit remaining); empty for an invoice or credit note.
    pub money: &'static str,
    /// Moneybird: an external sales invoice (served by `external_sales_invoices`, its number as
    /// `reference`, its issue date as `date`, an empty `due` as null).
    pub external: bool,
}

impl Inv {
    /// Sets its total, and its open amount to the same.
    pub fn amount(&mut self, total: &str) {
        self.total = total.into();
        self.open = total.into();
    }
}

/// One contact upstream.
#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub code: String,
    pub name: String,
    pub version: u64,
    /// Xero: the contact's `TaxNumber` (VAT number); empty: none.
    pub tax_number: String,
}

/// Something to go wrong with the next request whose path contains `path`.
#[derive(Debug, Clone)]
pub enum Fault {
    Status(u16),
    RetryAfter(u64),
    Malformed,
    MissingField(&'static str),
    Hang(u64),
    ExpireToken,
    EmptyList,
    /// The fetch leaves out this id.
    Omit(String),
    /// A 400 whose error message quotes the bearer token back, as careless APIs do.
    EchoSecrets,
    /// A 429 with `Retry-After` of this many seconds and Xero's `X-MinLimit-Remaining: 0`.
    RateLimitedMinute(u64),
    /// A change made upstream just before this request is answered (while a sync reads the
    /// endpoints one after another).
    Change(fn(&mut Upstream)),
}

/// The upstream administration and the request log.
#[derive(Default)]
pub struct Upstream {
    pub invoices: Vec<Inv>,
    pub contacts: Vec<Contact>,
    /// Deletion log: (entity key, timestamp, Exact entity type: 13 invoice, 10 payment term).
    pub deletions: Vec<(String, u64, u8)>,
    pub clock: u64,
    pub faults: Vec<(String, Fault)>,
    pub log: Vec<String>,
    pub access: Vec<String>,
    pub refresh: String,
    pub refreshes: u32,
    pub refuse_refresh: bool,
    /// Records per page (Exact: 1000, Xero: 100).
    pub exact_page: usize,
    /// Send X-RateLimit-Minutely-Remaining: 0 with a reset this many ms ahead.
    pub minutely_exhausted_ms: Option<u64>,
    /// Exact: send each sales invoice as a header record (LineNumber 0) and two line records
    /// (LineNumber 1 and 2, amounts excluding VAT), each with its own Timestamp
    /// (`version * 100 + line`), paged by record so a page can end inside an invoice.
    pub exact_lines: bool,
    /// Exact: sales amounts negative (invoices) and credit notes positive, as some divisions'
    /// sync tables report them.
    pub exact_negative_sales: bool,
    /// Position of each invoice and contact by id.
    index: HashMap<String, usize>,
    /// When the stand-in started (Twinfield's modification moments count from it).
    pub started: chrono::DateTime<chrono::Utc>,
    /// The clock when the upstream was made: later versions are changes made during a test.
    pub initial_clock: u64,
}

impl Upstream {
    /// `n` contacts and `per` invoices each, all open and due.
    pub fn with(contacts: usize, invoices: usize) -> Upstream {
        let mut u = Upstream {
            refresh: FIRST_REFRESH.into(),
            exact_page: 1000,
            clock: 1000,
            started: chrono::Utc::now(),
            ..Default::default()
        };
        for c in 0..contacts {
            u.clock += 1;
            u.contacts.push(Contact {
                id: format!("{:018}", 300_000_000_000_000_000u64 + c as u64),
                code: format!("D{c:05}"),
                name: format!("Debiteur {c} B.V."),
                version: u.clock,
                tax_number: String::new(),
            });
        }
        for i in 0..invoices {
            u.clock += 1;
            u.invoices.push(Inv {
                id: format!("{:018}", 400_000_000_000_000_000u64 + i as u64),
                number: format!("2026-{:06}", i + 1),
                contact: i % contacts.max(1),
                date: "2026-03-01".into(),
                due: "2026-04-30".into(),
                total: format!("{}.{:02}", 100 + i % 900, i % 100),
                net: String::new(),
                open: format!("{}.{:02}", 100 + i % 900, i % 100),
                status: "open",
                credit: false,
                version: u.clock,
                deleted: false,
                instalments: Vec::new(),
                original: None,
                credited_by: None,
                term_status: 20,
                money: "",
                external: false,
            });
        }
        u.index = u
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .chain(
                u.invoices
                    .iter()
                    .enumerate()
                    .map(|(i, inv)| (inv.id.clone(), i)),
            )
            .collect();
        u.initial_clock = u.clock;
        u
    }

    fn invoice(&self, id: &str) -> Option<&Inv> {
        self.index
            .get(id)
            .and_then(|&i| self.invoices.get(i))
            .filter(|i| i.id == id)
    }

    fn contact(&self, id: &str) -> Option<&Contact> {
        self.index
            .get(id)
            .and_then(|&i| self.contacts.get(i))
            .filter(|c| c.id == id)
    }

    /// Positions of the invoices (or contacts) changed after `cursor`, by version, one page.
    fn changed_after(
        &self,
        contacts: bool,
        keep: impl Fn(usize) -> bool,
        cursor: u64,
        page: usize,
        skip: usize,
    ) -> (Vec<usize>, bool) {
        let versions: Vec<u64> = if contacts {
            self.contacts.iter().map(|c| c.version).collect()
        } else {
            self.invoices.iter().map(|i| i.version).collect()
        };
        let mut hits: Vec<(u64, usize)> = versions
            .iter()
            .enumerate()
            .filter(|(i, v)| **v > cursor && keep(*i))
            .map(|(i, v)| (*v, i))
            .collect();
        let want = skip + page;
        if hits.len() > want {
            hits.select_nth_unstable(want);
            hits.truncate(want + 1);
        }
        hits.sort_unstable();
        let more = hits.len() > want;
        (
            hits.into_iter()
                .skip(skip)
                .take(page)
                .map(|(_, i)| i)
                .collect(),
            more,
        )
    }

    /// Adds a contact (a new version); its position.
    pub fn add_contact(&mut self, id: &str, code: &str, name: &str) -> usize {
        self.clock += 1;
        self.contacts.push(Contact {
            id: id.into(),
            code: code.into(),
            name: name.into(),
            version: self.clock,
            tax_number: String::new(),
        });
        let at = self.contacts.len() - 1;
        self.index.insert(id.into(), at);
        at
    }

    /// Adds an open invoice of contact `contact` (a copy of the first, renumbered); its position.
    pub fn add_invoice(&mut self, contact: usize, number: &str, total: &str) -> usize {
        self.clock += 1;
        let mut i = self.invoices[0].clone();
        i.id = format!(
            "{:018}",
            500_000_000_000_000_000u64 + self.invoices.len() as u64
        );
        i.number = number.into();
        i.contact = contact;
        i.total = total.into();
        i.open = total.into();
        i.version = self.clock;
        self.invoices.push(i);
        let at = self.invoices.len() - 1;
        self.index.insert(self.invoices[at].id.clone(), at);
        at
    }

    /// Changes invoices `all` in one bulk action: one new version (the same second) for all.
    pub fn touch_together(&mut self, all: &[usize]) {
        self.clock += 1;
        for &i in all {
            self.invoices[i].version = self.clock;
        }
    }

    /// Marks a change to invoice `i` (a new version).
    pub fn touch(&mut self, i: usize) {
        self.clock += 1;
        self.invoices[i].version = self.clock;
    }

    /// Deletes invoice `i` upstream (and logs it for Exact's sync/Deleted).
    pub fn delete(&mut self, i: usize) {
        self.clock += 1;
        self.invoices[i].deleted = true;
        self.invoices[i].version = self.clock;
        self.deletions
            .push((self.invoices[i].id.clone(), self.clock, 13));
        for n in 0..self.invoices[i].instalments.len().max(1) {
            self.deletions
                .push((term_id(&self.invoices[i], n), self.clock, 10));
        }
    }

    /// Deletes the last payment term of invoice `i` (Exact only).
    pub fn delete_last_term(&mut self, i: usize) {
        self.clock += 1;
        let n = self.invoices[i].instalments.len() - 1;
        self.invoices[i].instalments.pop();
        let id = term_id(&self.invoices[i], n);
        self.deletions.push((id, self.clock, 10));
    }

    /// Adds a fault for the next request whose path and query contain `path`.
    pub fn fault(&mut self, path: &str, f: Fault) {
        self.faults.push((path.to_string(), f));
    }

    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let i = self
            .faults
            .iter()
            .position(|(p, _)| path.contains(p.as_str()))?;
        Some(self.faults.remove(i).1)
    }

    /// Requests whose path contains `part`.
    pub fn count(&self, part: &str) -> usize {
        self.log.iter().filter(|l| l.contains(part)).count()
    }
}

/// A running stand-in.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<Upstream>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// The base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared upstream, to change or inspect.
    pub fn up(&self) -> std::sync::MutexGuard<'_, Upstream> {
        self.state.lock().unwrap()
    }
}

type Shared = Arc<Mutex<Upstream>>;

/// Starts the stand-in on 127.0.0.1 on a free port.
pub fn start(upstream: Upstream) -> Server {
    let state: Shared = Arc::new(Mutex::new(upstream));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/mb/{adm}/{endpoint}/synchronization.json",
            get(mb_list).post(mb_fetch),
        )
        .route("/exact/api/oauth2/token", post(token))
        .route("/exact/api/v1/{div}/sync/{group}/{entity}", get(exact_sync))
        .route("/exact/api/v1/{div}/sync/Deleted", get(exact_deleted))
        .route("/xero/connect/token", post(token))
        .route("/xero/api.xro/2.0/{endpoint}", get(xero_list))
        .route("/twinfield/auth/authentication/connect/token", post(token))
        .route(
            "/twinfield/auth/authentication/connect/accesstokenvalidation",
            get(twinfield::validation),
        )
        .route(
            "/twinfield/cluster/webservices/processxml.asmx",
            post(twinfield::process_xml),
        )
        .route(
            "/twinfield/cluster/webservices/finder.asmx",
            post(twinfield::finder),
        )
        .route(
            "/twinfield/cluster/webservices/DeletedTransactionsService.svc",
            post(twinfield::deleted),
        )
        .with_state(state.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server {
        addr,
        state,
        _runtime: runtime,
    }
}

pub(crate) fn reply(status: u16, headers: &[(&str, String)], body: impl Into<Vec<u8>>) -> Response {
    let mut r = (StatusCode::from_u16(status).unwrap(), body.into()).into_response();
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

/// Applies a fault; `Some` answer when it replaces the normal one.
pub(crate) async fn faulted(state: &Shared, path: &str) -> Result<Option<Fault>, Response> {
    let f = {
        let mut up = state.lock().unwrap();
        up.log.push(path.to_string());
        up.take_fault(path)
    };
    match f {
        Some(Fault::Status(s)) => Err(reply(s, &[], r#"{"error":"injected"}"#)),
        Some(Fault::RateLimitedMinute(s)) => Err(reply(
            429,
            &[
                ("retry-after", s.to_string()),
                ("x-minlimit-remaining", "0".into()),
                ("x-rate-limit-problem", "minute".into()),
            ],
            r#"{"Title":"Too Many Requests"}"#,
        )),
        Some(Fault::EchoSecrets) => Err(reply(
            400,
            &[],
            format!(r#"{{"error":"token {MB_TOKEN} is not valid for this administration"}}"#),
        )),
        Some(Fault::RetryAfter(s)) => Err(reply(
            429,
            &[("retry-after", s.to_string())],
            r#"{"error":"rate limited"}"#,
        )),
        Some(Fault::Hang(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(None)
        }
        Some(Fault::ExpireToken) => {
            state.lock().unwrap().access.clear();
            Ok(None)
        }
        Some(Fault::Change(change)) => {
            change(&mut state.lock().unwrap());
            Ok(None)
        }
        other => Ok(other),
    }
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string()
}

fn oauth_ok(state: &Shared, headers: &HeaderMap) -> bool {
    let t = bearer(headers);
    state.lock().unwrap().access.contains(&t)
}

async fn token(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = faulted(&state, "token").await {
        return r;
    }
    let form: HashMap<String, String> = url_form(&body);
    let mut up = state.lock().unwrap();
    let basic_ok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    let form_ok = form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if up.refuse_refresh || form.get("refresh_token") != Some(&up.refresh) || !(basic_ok || form_ok)
    {
        return reply(400, &[], r#"{"error":"invalid_grant"}"#);
    }
    up.refreshes += 1;
    let access = format!("access-{}", up.refreshes);
    up.refresh = format!("refresh-{}-very-secret", up.refreshes);
    up.access = vec![access.clone()];
    reply(
        200,
        &[],
        format!(
            r#"{{"access_token":"{access}","token_type":"bearer","expires_in":600,"refresh_token":"{}"}}"#,
            up.refresh
        ),
    )
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((unescape(k), unescape(v)))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    let b = s.replace('+', " ");
    let bytes = b.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&b[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- Moneybird ----

async fn mb_list(
    State(state): State<Shared>,
    Path((_adm, endpoint)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("GET mb/{endpoint}/synchronization");
    let fault = match faulted(&state, &path).await {
        Err(r) => return r,
        Ok(f) => f,
    };
    if bearer(&headers) != MB_TOKEN {
        return reply(401, &[], r#"{"error":"Token is invalid"}"#);
    }
    let up = state.lock().unwrap();
    if matches!(fault, Some(Fault::EmptyList)) {
        return reply(200, &[], "[]");
    }
    let items: Vec<String> = match endpoint.as_str() {
        "contacts" => up
            .contacts
            .iter()
            .map(|c| format!(r#"{{"id":"{}","version":{}}}"#, c.id, c.version))
            .collect(),
        _ => up
            .invoices
            .iter()
            .filter(|i| !i.deleted && i.external == (endpoint == "external_sales_invoices"))
            .map(|i| format!(r#"{{"id":"{}","version":{}}}"#, i.id, i.version))
            .collect(),
    };
    reply(200, &[], format!("[{}]", items.join(",")))
}

async fn mb_fetch(
    State(state): State<Shared>,
    Path((_adm, endpoint)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("POST mb/{endpoint}/synchronization");
    let fault = match faulted(&state, &path).await {
        Err(r) => return r,
        Ok(f) => f,
    };
    if bearer(&headers) != MB_TOKEN {
        return reply(401, &[], r#"{"error":"Token is invalid"}"#);
    }
    #[derive(serde::Deserialize)]
    struct Ids {
        ids: Vec<String>,
    }
    let Ok(ids) = serde_json::from_slice::<Ids>(&body) else {
        return reply(400, &[], r#"{"error":"ids missing"}"#);
    };
    if ids.ids.len() > 100 {
        return reply(400, &[], r#"{"error":"too many ids"}"#);
    }
    if matches!(fault, Some(Fault::Malformed)) {
        return reply(200, &[], r#"[{"id":"1","#);
    }
    let up = state.lock().unwrap();
    let mut parts = Vec::new();
    for id in &ids.ids {
        if matches!(&fault, Some(Fault::Omit(o)) if o == id) {
            continue;
        }
        if endpoint == "contacts" {
            if let Some(c) = up.contact(id) {
                parts.push(mb_contact(c));
            }
        } else if let Some(i) = up
            .invoice(id)
            .filter(|i| !i.deleted && i.external == (endpoint == "external_sales_invoices"))
        {
            let c = &up.contacts[i.contact];
            let mut s = mb_invoice(i, c);
            if let Some(Fault::MissingField(f)) = &fault {
                s = s.replace(&format!("\"{f}\":"), "\"removed\":");
            }
            parts.push(s);
        }
    }
    reply(200, &[], format!("[{}]", parts.join(",")))
}

fn mb_contact(c: &Contact) -> String {
    format!(
        r#"{{"id":"{}","administration_id":"123","company_name":"{}","firstname":"","lastname":"","address1":"Hoofdstraat 1","zipcode":"1234AB","city":"Utrecht","country":"NL","phone":"","customer_id":"{}","tax_number":"","chamber_of_commerce":"12345678","bank_account":"","email":"debiteur@example.nl","version":{}}}"#,
        c.id, c.name, c.code, c.version
    )
}

fn mb_invoice(i: &Inv, c: &Contact) -> String {
    let sign = if i.credit { "-" } else { "" };
    let quoted = |v: &Option<String>| {
        v.as_ref()
            .map_or("null".to_string(), |v| format!("\"{v}\""))
    };
    let payments = if i.open != i.total {
        format!(
            r#"[{{"id":"9{}","invoice_type":"{}","invoice_id":"{}","price":"{}","payment_date":"2026-04-01","credit_invoice_id":{}}}]"#,
            &i.id[1..],
            if i.external {
                "ExternalSalesInvoice"
            } else {
                "SalesInvoice"
            },
            i.id,
            sub(&i.total, &i.open),
            quoted(&i.credited_by)
        )
    } else {
        "[]".into()
    };
    if i.external {
        let due = if i.due.is_empty() {
            "null".to_string()
        } else {
            format!("\"{}\"", i.due)
        };
        return format!(
            r#"{{"id":"{}","administration_id":"123","contact_id":"{}","contact":{},"date":"{}","state":"{}","due_date":{due},"reference":"{}","entry_number":7,"origin":null,"source":"Webwinkel","source_url":null,"currency":"EUR","paid_at":null,"version":{},"payments":{payments},"total_paid":"{}","total_unpaid":"{sign}{}","total_price_excl_tax":"{sign}{}","total_price_incl_tax":"{sign}{}","prices_are_incl_tax":true,"details":[],"notes":[],"attachments":[],"events":[]}}"#,
            i.id,
            c.id,
            mb_contact(c),
            i.date,
            i.status,
            i.number,
            i.version,
            sub(&i.total, &i.open),
            i.open,
            if i.net.is_empty() { &i.total } else { &i.net },
            i.total
        );
    }
    format!(
        r#"{{"id":"{}","administration_id":"123","contact_id":"{}","contact":{},"invoice_id":"{}","state":"{}","invoice_date":"{}","due_date":"{}","payment_reference":"RF18{}","reference":"Project","currency":"EUR","original_sales_invoice_id":{},"version":{},"payments":{payments},"total_paid":"{}","total_unpaid":"{sign}{}","total_price_excl_tax":"{sign}{}","total_price_incl_tax":"{sign}{}"}}"#,
        i.id,
        c.id,
        mb_contact(c),
        i.number,
        i.status,
        i.date,
        i.due,
        &i.id[10..],
        quoted(&i.original),
        i.version,
        sub(&i.total, &i.open),
        i.open,
        if i.net.is_empty() { &i.total } else { &i.net },
        i.total
    )
}

/// About a third of a two-decimal amount as text, rounded down to cents (test data only).
fn third(a: &str) -> String {
    let (w, f) = a.split_once('.').unwrap_or((a, "0"));
    let cents = w.parse::<i64>().unwrap() * 100 + format!("{f:0<2}")[..2].parse::<i64>().unwrap();
    let t = cents / 3;
    format!("{}.{:02}", t / 100, t % 100)
}

/// `a - b` on two-decimal amounts as text (test data only).
fn sub(a: &str, b: &str) -> String {
    let cents = |s: &str| -> i64 {
        let (w, f) = s.split_once('.').unwrap_or((s, "0"));
        w.parse::<i64>().unwrap() * 100 + format!("{f:0<2}")[..2].parse::<i64>().unwrap()
    };
    let d = cents(a) - cents(b);
    format!("{}.{:02}", d / 100, d % 100)
}

// ---- Exact Online ----

fn exact_headers(up: &Upstream) -> Vec<(&'static str, String)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let mut h = vec![
        ("content-type", "application/json".to_string()),
        ("x-ratelimit-limit", "5000".into()),
        ("x-ratelimit-remaining", "4000".into()),
        ("x-ratelimit-minutely-limit", "60".into()),
    ];
    match up.minutely_exhausted_ms {
        Some(ms) => {
            h.push(("x-ratelimit-minutely-remaining", "0".into()));
            h.push(("x-ratelimit-minutely-reset", (now + ms).to_string()));
        }
        None => {
            h.push(("x-ratelimit-minutely-remaining", "59".into()));
            h.push(("x-ratelimit-minutely-reset", (now + 60_000).to_string()));
        }
    }
    h
}

fn cursor_of(query: &str) -> u64 {
    let q = unescape(query);
    q.split("Timestamp gt ")
        .nth(1)
        .and_then(|r| r.split('L').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Exact's `/Date(ms)/` for a Dutch local midnight of `YYYY-MM-DD` (CET, or CEST in summer).
fn exact_date(ymd: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(ymd, "%Y-%m-%d").unwrap();
    let month = chrono::Datelike::month(&d);
    let offset_h = if (4..=9).contains(&month) { 2 } else { 1 };
    let ms = d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis() - offset_h * 3_600_000;
    format!("/Date({ms})/")
}

async fn exact_sync(
    State(state): State<Shared>,
    Path((div, group, entity)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let path = format!("GET exact/{group}/{entity}?{query}");
    let fault = match faulted(&state, &path).await {
        Err(r) => return r,
        Ok(f) => f,
    };
    if !oauth_ok(&state, &headers) {
        return reply(
            401,
            &[],
            r#"{"error":{"message":{"value":"Unauthorized"}}}"#,
        );
    }
    let up = state.lock().unwrap();
    let cursor = cursor_of(&query);
    let mut more = false;
    let rows: Vec<(u64, String)> = match (group.as_str(), entity.as_str()) {
        ("CRM", "Accounts") => page_of(&up, true, |_| true, cursor, &mut more)
            .into_iter()
            .map(|k| &up.contacts[k])
            .map(|c| {
                (
                    c.version,
                    format!(
                        r#"{{"ID":"{}","Code":"{:>18}","Name":"{}","Email":null,"Phone":null,"VATNumber":null,"ChamberOfCommerce":"12345678","AddressLine1":"Voorveste 9","Postcode":"3992 DC","City":"Houten","Country":"NL ","Timestamp":{}}}"#,
                        c.id, c.code, c.name, c.version
                    ),
                )
            })
            .collect(),
        ("SalesInvoice", "SalesInvoices") if up.exact_lines => {
            let mut all: Vec<(u64, String)> = Vec::new();
            for i in up.invoices.iter().filter(|i| !i.deleted) {
                let negative = i.credit != up.exact_negative_sales;
                let sign = if negative { "-" } else { "" };
                let common = format!(
                    r#""InvoiceID":"{}","InvoiceNumber":{},"InvoiceDate":"{}","DueDate":"{}","InvoiceTo":"{}","OrderedBy":"{}","Currency":"EUR","Status":{},"Type":{},"PaymentReference":null"#,
                    i.id,
                    i.number.replace('-', ""),
                    exact_date(&i.date),
                    exact_date(&i.due),
                    up.contacts[i.contact].id,
                    up.contacts[i.contact].id,
                    if i.status == "draft" { 10 } else { 50 },
                    if i.credit { 8021 } else { 8020 },
                );
                let ts = i.version * 100;
                all.push((
                    ts,
                    format!(r#"{{{common},"LineNumber":0,"AmountFC":{sign}{},"VATAmountFC":0,"Description":null,"Timestamp":{ts}}}"#, i.total),
                ));
                // Two lines: about a third and the rest of the total (no VAT in this stand-in).
                let first = third(&i.total);
                for (n, amount) in [(1, first.clone()), (2, sub(&i.total, &first))] {
                    all.push((
                        ts + n,
                        format!(r#"{{{common},"LineNumber":{n},"AmountFC":{sign}{amount},"VATAmountFC":0,"Description":"Regel {n}: levering","Timestamp":{}}}"#, ts + n),
                    ));
                }
            }
            all.retain(|(ts, _)| *ts > cursor);
            all.sort_by_key(|(ts, _)| *ts);
            more = all.len() > up.exact_page;
            all.truncate(up.exact_page);
            all
        }
        ("SalesInvoice", "SalesInvoices") => page_of(&up, false, |k| !up.invoices[k].deleted && up.invoices[k].money.is_empty(), cursor, &mut more)
            .into_iter()
            .map(|k| &up.invoices[k])
            .map(|i| {
                let sign = if i.credit { "-" } else { "" };
                let mut row = format!(
                    r#"{{"InvoiceID":"{}","InvoiceNumber":{},"InvoiceDate":"{}","DueDate":"{}","InvoiceTo":"{}","OrderedBy":"{}","Currency":"EUR","AmountFC":{sign}{},"VATAmountFC":0,"Status":{},"Type":{},"PaymentReference":null,"Description":"Levering","Timestamp":{}}}"#,
                    i.id,
                    i.number.replace('-', ""),
                    exact_date(&i.date),
                    exact_date(&i.due),
                    up.contacts[i.contact].id,
                    up.contacts[i.contact].id,
                    i.total,
                    if i.status == "draft" { 10 } else { 50 },
                    if i.credit { 8021 } else { 8020 },
                    i.version
                );
                if let Some(Fault::MissingField(f)) = &fault {
                    row = row.replace(&format!("\"{f}\":"), "\"Removed\":");
                }
                (i.version, row)
            })
            .collect(),
        ("Cashflow", "PaymentTerms") => page_of(&up, false, |k| !up.invoices[k].deleted && up.invoices[k].status != "draft", cursor, &mut more)
            .into_iter()
            .map(|k| &up.invoices[k])
            .flat_map(|i| {
                let amounts = if i.instalments.is_empty() { vec![i.open.clone()] } else { i.instalments.clone() };
                // A customer's receipt not matched to an invoice: a receivable item of no
                // invoice, negative, on the account.
                let receipt = (i.money == "Receipt").then(|| {
                    let c = &up.contacts[i.contact];
                    format!(
                        r#""InvoiceNumber":null,"Account":"{}","AccountCode":"{:>18}","EntryDate":"{}","Description":"Ontvangst","#,
                        c.id,
                        c.code,
                        exact_date(&i.date)
                    )
                });
                amounts.into_iter().enumerate().map(move |(n, open)| {
                    let (head, sign) = match &receipt {
                        Some(r) => (r.clone(), "-"),
                        None => (format!(r#""InvoiceNumber":{},"#, i.number.replace('-', "")), ""),
                    };
                    (
                        i.version,
                        format!(
                            r#"{{"ID":"{}",{head}"EntryNumber":{},"LineType":20,"AmountFC":{sign}{open},"AmountDC":{sign}{open},"Currency":"EUR","IsFullyPaid":{},"Status":{},"Timestamp":{}}}"#,
                            term_id(i, n),
                            i.number.replace('-', ""),
                            open == "0.00",
                            i.term_status,
                            i.version
                        ),
                    )
                })
            })
            .collect(),
        _ => return reply(404, &[], "{}"),
    };
    let next = if more {
        let last = rows.last().unwrap().0;
        format!(
            r#","__next":"http://{}/exact/api/v1/{div}/sync/{group}/{entity}?$filter=Timestamp%20gt%20{last}L""#,
            headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("")
        )
    } else {
        String::new()
    };
    let body = if matches!(fault, Some(Fault::Malformed)) {
        "\u{feff}{\"d\": {\"results\": [".to_string()
    } else {
        format!(
            "\u{feff}{{\"d\":{{\"results\":[{}]{next}}}}}",
            rows.into_iter()
                .map(|(_, r)| r)
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    reply(200, &exact_headers(&up), body)
}

/// The id of payment term `n` of an invoice.
fn term_id(i: &Inv, n: usize) -> String {
    format!("t{}-{n}", i.id)
}

/// One page of positions changed after `cursor`, in version order; `more` when a page follows.
fn page_of(
    up: &Upstream,
    contacts: bool,
    keep: impl Fn(usize) -> bool,
    cursor: u64,
    more: &mut bool,
) -> Vec<usize> {
    let (idx, m) = up.changed_after(contacts, keep, cursor, up.exact_page, 0);
    *more = m;
    idx
}

async fn exact_deleted(
    State(state): State<Shared>,
    Path(_div): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    if let Err(r) = faulted(&state, &format!("GET exact/Deleted?{query}")).await {
        return r;
    }
    if !oauth_ok(&state, &headers) {
        return reply(401, &[], "{}");
    }
    let up = state.lock().unwrap();
    let cursor = cursor_of(&query);
    let rows: Vec<String> = up
        .deletions
        .iter()
        .filter(|(_, ts, _)| *ts > cursor)
        .map(|(id, ts, ty)| {
            format!(
                r#"{{"ID":"del-{id}","EntityKey":"{id}","EntityType":{ty},"DeletedDate":"/Date(1767225600000)/","Timestamp":{ts}}}"#
            )
        })
        .collect();
    reply(
        200,
        &exact_headers(&up),
        format!("\u{feff}{{\"d\":{{\"results\":[{}]}}}}", rows.join(",")),
    )
}

// ---- Xero ----

fn xero_ts(v: u64) -> String {
    let t = chrono::DateTime::from_timestamp(1_767_225_600 + v as i64 - 1000, 0).unwrap();
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

async fn xero_list(
    State(state): State<Shared>,
    Path(endpoint): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let path = format!("GET xero/{endpoint}?{query}");
    let fault = match faulted(&state, &path).await {
        Err(r) => return r,
        Ok(f) => f,
    };
    if !oauth_ok(&state, &headers) {
        return reply(
            401,
            &[],
            r#"{"Title":"Unauthorized","Status":401,"Detail":"TokenExpired"}"#,
        );
    }
    if headers.get("xero-tenant-id").and_then(|v| v.to_str().ok()) != Some(TENANT) {
        return reply(
            403,
            &[],
            r#"{"title":"Forbidden","status":403,"detail":"AuthenticationUnsuccessful","instance":"c375551e"}"#,
        );
    }
    let since = headers
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let page: usize = unescape(&query)
        .split('&')
        .find_map(|kv| kv.strip_prefix("page=")?.parse().ok())
        .unwrap_or(1);
    let up = state.lock().unwrap();
    // Whole seconds, strictly after the header's time.
    let since_v: Option<i64> = since.as_ref().map(|s| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .map(|t| t.and_utc().timestamp() - 1_767_225_600 + 1000)
            .unwrap_or(i64::MIN)
    });
    let newer = |v: u64| since_v.is_none_or(|s| v as i64 > s);
    let rows: Vec<(u64, String)> = match endpoint.as_str() {
        "Contacts" => up
            .changed_after(true, |k| newer(up.contacts[k].version), 0, 100, (page - 1) * 100)
            .0
            .into_iter()
            .map(|k| &up.contacts[k])
            .map(|c| {
                (
                    c.version,
                    format!(
                        "<Contact><ContactID>{}</ContactID>{}<Name>{}</Name><EmailAddress>ap@example.com</EmailAddress>{}<UpdatedDateUTC>{}</UpdatedDateUTC><IsCustomer>true</IsCustomer></Contact>",
                        c.id,
                        // Xero leaves ContactNumber out until one is set.
                        if c.code.is_empty() { String::new() } else { format!("<ContactNumber>{}</ContactNumber>", c.code) },
                        c.name.replace('&', "&amp;"),
                        if c.tax_number.is_empty() { String::new() } else { format!("<TaxNumber>{}</TaxNumber>", c.tax_number) },
                        xero_ts(c.version)
                    ),
                )
            })
            .collect(),
        "Prepayments" | "Overpayments" => {
            let money = endpoint.trim_end_matches('s');
            up.changed_after(false, |k| up.invoices[k].money == money && newer(up.invoices[k].version), 0, 100, (page - 1) * 100)
                .0
                .into_iter()
                .map(|k| &up.invoices[k])
                .map(|i| {
                    let c = &up.contacts[i.contact];
                    let status = if i.open == "0.00" { "PAID" } else { "AUTHORISED" };
                    let ty = format!("RECEIVE-{}", money.to_uppercase());
                    (
                        i.version,
                        format!(
                            "<{money}><Contact><ContactID>{}</ContactID><Name>{}</Name></Contact><Date>{}T00:00:00</Date><Status>{status}</Status><SubTotal>{}</SubTotal><TotalTax>0.00</TotalTax><Total>{}</Total><UpdatedDateUTC>{}</UpdatedDateUTC><CurrencyCode>EUR</CurrencyCode><Type>{ty}</Type><{money}ID>{}</{money}ID><RemainingCredit>{}</RemainingCredit></{money}>",
                            c.id, c.name, i.date, i.total, i.total, xero_ts(i.version), i.id, i.open
                        ),
                    )
                })
                .collect()
        }
        "Invoices" | "CreditNotes" => {
            let credit = endpoint == "CreditNotes";
            up.changed_after(false, |k| up.invoices[k].money.is_empty() && up.invoices[k].credit == credit && newer(up.invoices[k].version), 0, 100, (page - 1) * 100)
                .0
                .into_iter()
                .map(|k| &up.invoices[k])
                .map(|i| {
                    let c = &up.contacts[i.contact];
                    let status = match (i.deleted, i.status) {
                        (true, _) => "DELETED",
                        (_, "paid") => "PAID",
                        (_, "draft") => "DRAFT",
                        _ => "AUTHORISED",
                    };
                    let (tag, id, num, ty, open) = if credit {
                        ("CreditNote", "CreditNoteID", "CreditNoteNumber", "ACCRECCREDIT", "RemainingCredit")
                    } else {
                        ("Invoice", "InvoiceID", "InvoiceNumber", "ACCREC", "AmountDue")
                    };
                    let mut x = format!(
                        "<{tag}><Contact><ContactID>{}</ContactID><Name>{}</Name></Contact><Date>{}T00:00:00</Date><DueDate>{}T00:00:00</DueDate><Status>{status}</Status><SubTotal>{}</SubTotal><TotalTax>0.00</TotalTax><Total>{}</Total><UpdatedDateUTC>{}</UpdatedDateUTC><CurrencyCode>EUR</CurrencyCode><Type>{ty}</Type><{id}>{}</{id}><{num}>{}</{num}><{open}>{}</{open}></{tag}>",
                        c.id, c.name, i.date, i.due, i.total, i.total, xero_ts(i.version), i.id, i.number, i.open
                    );
                    if let Some(Fault::MissingField(f)) = &fault {
                        let start = x.find(&format!("<{f}>")).unwrap();
                        let end = x.find(&format!("</{f}>")).unwrap() + f.len() + 3;
                        x.replace_range(start..end, "");
                    }
                    (i.version, x)
                })
                .collect()
        }
        _ => return reply(404, &[], "<ApiException><Message>not found</Message></ApiException>"),
    };
    let items: Vec<String> = rows.into_iter().map(|(_, r)| r).collect();
    if matches!(fault, Some(Fault::Malformed)) {
        return reply(200, &[], "<Response><Invoices><Invoice><InvoiceID>");
    }
    let body = format!(
        "<Response xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><Id>x</Id><Status>OK</Status><{endpoint}>{}</{endpoint}></Response>",
        items.join("")
    );
    reply(
        200,
        &[
            ("content-type", "text/xml; charset=utf-8".into()),
            ("x-minlimit-remaining", "59".into()),
            ("x-daylimit-remaining", "4000".into()),
        ],
        body,
    )
}
