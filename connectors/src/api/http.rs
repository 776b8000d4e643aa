//! The HTTP side of every API connector: authentication (a bearer token, or OAuth2 refreshed
//! before expiry and once more on a 401), retries as `incasso_delivery` classifies the answer
//! (connection errors, timeouts, 408, 429 and 5xx, `Retry-After` honoured), and pacing under a
//! calls-per-minute limit and the `X-RateLimit-*` headers a server sends.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use incasso_delivery::{classify, retry_after, Class, RetryPolicy};

use super::oauth::OAuth;
use super::secret::Secret;
use super::ApiError;

/// How the client authenticates.
#[derive(Debug)]
pub enum Auth {
    /// A long-lived token (Moneybird).
    Bearer(Secret),
    /// OAuth2 with refresh (Exact Online, Xero).
    OAuth(OAuth),
}

/// Retry and pacing settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time allowed for one request.
    pub timeout: Duration,
    /// Attempts per request before giving up.
    pub max_attempts: u32,
    /// First backoff delay; doubles per attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest wait for one retry, also the longest `Retry-After` honoured.
    pub max_delay: Duration,
    /// Calls allowed in any 60 seconds (Exact: 60), or none.
    pub calls_per_minute: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(60),
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(120),
            calls_per_minute: None,
        }
    }
}

/// An answer that passed: status 2xx or 304, and its body.
#[derive(Debug)]
pub struct Response {
    /// The request URL.
    pub url: String,
    /// The status code.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// One API's client: one source, one set of credentials.
pub struct Client {
    source_name: String,
    http: reqwest::Client,
    auth: Auth,
    opts: Options,
    retry: RetryPolicy,
    headers: Vec<(String, String)>,
    recent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
    /// The day's calls are used up (`X-RateLimit-Remaining: 0`), until this epoch ms.
    day_used_up: Option<i64>,
    /// Requests sent, retries included (the benchmark and the cheap-second-sync test read it).
    pub calls: u64,
}

/// A SOAP call: its action header, and the envelope for the access token in force.
type Soap<'e> = (&'e str, &'e (dyn Fn(&str) -> String + Sync));

/// Whether a SOAP answer is a fault about the token (Twinfield codes 103 and 354).
fn soap_auth_fault(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    text.contains("Fault")
        && (text.contains("<code>354</code>")
            || text.contains("<code>103</code>")
            || text.contains("Token invalid")
            || text.contains("not valid anymore"))
}

impl Client {
    /// A client; `headers` go on every request (Xero's `xero-tenant-id`, `Accept`).
    pub fn new(
        source_name: &str,
        auth: Auth,
        opts: Options,
        headers: Vec<(String, String)>,
    ) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("incasso/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Config(format!("{source_name}: HTTP client: {e}")))?;
        Ok(Client {
            source_name: source_name.to_string(),
            http,
            auth,
            // The first retry waits twice the base delay, as this client always has.
            retry: RetryPolicy {
                max_attempts: opts.max_attempts,
                base_delay: opts.base_delay.saturating_mul(2),
                max_delay: opts.max_delay,
                max_told: opts.max_delay,
            },
            opts,
            headers,
            recent: VecDeque::new(),
            blocked_until: None,
            day_used_up: None,
            calls: 0,
        })
    }

    /// GET with extra headers (`If-Modified-Since`).
    pub async fn get(&mut self, url: &str, extra: &[(&str, String)]) -> Result<Response, ApiError> {
        self.send(reqwest::Method::GET, url, extra, None).await
    }

    /// POST a JSON body.
    pub async fn post_json(&mut self, url: &str, body: Vec<u8>) -> Result<Response, ApiError> {
        self.send(reqwest::Method::POST, url, &[], Some(body)).await
    }

    /// POST a SOAP 1.1 envelope that carries the access token in its header (Twinfield):
    /// `envelope` builds it for the token in force at each attempt, so a refresh after an
    /// expired token rebuilds it. A SOAP fault saying the token is invalid counts as a 401.
    pub async fn post_soap(
        &mut self,
        url: &str,
        action: &str,
        envelope: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Response, ApiError> {
        self.send_with(
            reqwest::Method::POST,
            url,
            &[],
            None,
            Some((action, envelope)),
        )
        .await
    }

    /// The access token in force (refreshed when it is about to expire), for an API that wants
    /// it somewhere else than the Authorization header (Twinfield's token validation).
    pub async fn access_token(&mut self) -> Result<Secret, ApiError> {
        self.token().await
    }

    async fn send(
        &mut self,
        method: reqwest::Method,
        url: &str,
        extra: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, ApiError> {
        self.send_with(method, url, extra, body, None).await
    }

    async fn send_with(
        &mut self,
        method: reqwest::Method,
        url: &str,
        extra: &[(&str, String)],
        body: Option<Vec<u8>>,
        soap: Option<Soap<'_>>,
    ) -> Result<Response, ApiError> {
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(reset) = self.day_used_up {
                let at = chrono::DateTime::from_timestamp_millis(reset)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "later".into());
                return Err(ApiError::Http {
                    url: url.to_string(),
                    status: 429,
                    detail: format!("the day's calls are used up (X-RateLimit-Remaining 0); they reset at {at}; run again then"),
                });
            }
            self.pace().await;
            let token = self.token().await?;
            let mut req = self.http.request(method.clone(), url);
            match soap {
                Some((action, envelope)) => {
                    req = req
                        .header("content-type", "text/xml; charset=utf-8")
                        .header("soapaction", format!("\"{action}\""))
                        .body(envelope(token.expose()));
                }
                None => req = req.bearer_auth(token.expose()),
            }
            for (k, v) in &self.headers {
                req = req.header(k.as_str(), v.as_str());
            }
            for (k, v) in extra {
                req = req.header(*k, v.as_str());
            }
            if let Some(b) = &body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.clone());
            }
            self.calls += 1;
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(b) => Ok((status, headers, b.to_vec())),
                        Err(e) => Err(transport(&e)),
                    }
                }
                Err(e) => Err(transport(&e)),
            };
            let (status, headers, body_bytes) = match outcome {
                Ok(r) => r,
                Err(reason) => match self.retry.wait(attempt, None) {
                    Some(wait) => {
                        tracing::warn!(source = %self.source_name, %url, attempt, %reason, "request failed; retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    None => {
                        return Err(ApiError::Transport {
                            url: url.to_string(),
                            reason: format!("{reason} (after {attempt} attempts)"),
                        })
                    }
                },
            };
            self.observe_limits(&headers);
            // A SOAP service reports an expired token as a fault (Twinfield: code 354 "Token
            // invalid", 103 "not valid anymore"), often with status 500: refresh as for a 401.
            let status = if soap.is_some() && status == 500 && soap_auth_fault(&body_bytes) {
                401
            } else {
                status
            };
            match classify(status) {
                Class::Done => {
                    return Ok(Response {
                        url: url.to_string(),
                        status,
                        body: body_bytes,
                    })
                }
                _ if status == 401 && !refreshed && matches!(self.auth, Auth::OAuth(_)) => {
                    refreshed = true;
                    attempt -= 1;
                    if let Auth::OAuth(o) = &mut self.auth {
                        o.drop_access();
                    }
                    continue;
                }
                _ if matches!(status, 401 | 403) => {
                    return Err(ApiError::Auth {
                        source_name: self.source_name.clone(),
                        reason: format!(
                            "{url} answered HTTP {status}: {}",
                            error_detail(&body_bytes)
                        ),
                    })
                }
                Class::Retry => {
                    let told = header_retry_after(&headers);
                    match self.retry.wait(attempt, told) {
                        Some(wait) => {
                            tracing::warn!(source = %self.source_name, %url, status, attempt, wait_ms = wait.as_millis() as u64, "not answered yet; retrying");
                            tokio::time::sleep(wait).await;
                        }
                        None => {
                            let detail = match told {
                                Some(t) if t > self.retry.max_told && status == 429 => format!(
                                    "rate limited for {} s, longer than this run waits; run again later",
                                    t.as_secs()
                                ),
                                Some(t) if t > self.retry.max_told => format!(
                                    "unavailable, and asks to wait {} s, longer than this run waits; run again later",
                                    t.as_secs()
                                ),
                                _ => error_detail(&body_bytes),
                            };
                            return Err(ApiError::Http {
                                url: url.to_string(),
                                status,
                                detail,
                            });
                        }
                    }
                }
                Class::Final | Class::NotJudged => {
                    return Err(ApiError::Http {
                        url: url.to_string(),
                        status,
                        detail: error_detail(&body_bytes),
                    })
                }
            }
        }
    }

    /// The token to send, refreshing an OAuth access token that is missing or about to expire.
    async fn token(&mut self) -> Result<Secret, ApiError> {
        match &mut self.auth {
            Auth::Bearer(t) => Ok(t.clone()),
            Auth::OAuth(o) => {
                let now = chrono::Utc::now().timestamp();
                if o.access(now).is_none() {
                    o.refresh(&self.http, now).await?;
                }
                o.access(now).cloned().ok_or_else(|| ApiError::Auth {
                    source_name: self.source_name.clone(),
                    reason: "the token endpoint gave a token that has expired already".into(),
                })
            }
        }
    }

    /// Waits until a call is allowed: past any reset the server named, and under the
    /// calls-per-minute limit over the last 60 seconds.
    async fn pace(&mut self) {
        if let Some(t) = self.blocked_until.take() {
            if t > Instant::now() {
                tracing::info!(source = %self.source_name, wait_ms = (t - Instant::now()).as_millis() as u64, "minute limit used up; waiting for its reset");
                tokio::time::sleep_until(t).await;
            }
        }
        if let Some(n) = self.opts.calls_per_minute.filter(|n| *n > 0) {
            let window = Duration::from_secs(60);
            while self.recent.len() >= n as usize {
                let oldest = *self.recent.front().expect("non-empty");
                if oldest + window <= Instant::now() {
                    self.recent.pop_front();
                } else {
                    tokio::time::sleep_until(oldest + window).await;
                }
            }
            self.recent.push_back(Instant::now());
        }
    }

    /// Reads Exact's `X-RateLimit-Minutely-Remaining`/`-Reset` (epoch ms) and Xero's
    /// `X-MinLimit-Remaining`: with none left, the next call waits for the reset (or for the
    /// answer's `Retry-After`, when it has one). With the day's
    /// `X-RateLimit-Remaining` at 0 the next call is not made: the source stops, saying when.
    fn observe_limits(&mut self, headers: &reqwest::header::HeaderMap) {
        let num =
            |name: &str| -> Option<i64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        if num("x-ratelimit-remaining") == Some(0) {
            self.day_used_up = Some(num("x-ratelimit-reset").unwrap_or(0));
        }
        // A Retry-After the server sends with the answer says exactly when to call again: it
        // wins over a limit header's worst case (Xero sends both on a 429).
        let told = header_retry_after(headers);
        if num("x-ratelimit-minutely-remaining") == Some(0) {
            let now_ms = chrono::Utc::now().timestamp_millis();
            let wait = told.unwrap_or_else(|| {
                let ms = num("x-ratelimit-minutely-reset")
                    .map(|reset| reset.saturating_sub(now_ms).clamp(0, 60_000))
                    .unwrap_or(60_000);
                Duration::from_millis(ms as u64)
            });
            self.blocked_until = Some(Instant::now() + wait);
        } else if num("x-minlimit-remaining") == Some(0) {
            self.blocked_until = Some(Instant::now() + told.unwrap_or(Duration::from_secs(60)));
        }
    }
}

/// A transport error in words, with its causes, without the request URL (named separately).
pub(crate) fn transport(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(&format!(" for url ({url})"), "");
    }
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    if e.is_timeout() {
        format!("timed out ({s})")
    } else {
        s
    }
}

/// The answer's `Retry-After`, if it has one.
fn header_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    retry_after(
        headers.get("retry-after")?.to_str().ok()?,
        chrono::Utc::now(),
    )
}

/// What an error body says, shortened: JSON `message`/`detail`/`error` fields, an XML
/// `<Message>`, else the first 200 characters.
fn error_detail(body: &[u8]) -> String {
    super::secret::redact(&error_text(body)).into_owned()
}

fn error_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(super::json::strip_bom(body));
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        for k in ["detail", "message", "Message", "error", "title", "Title"] {
            if let Some(s) = v.get(k).and_then(|x| x.as_str()) {
                return s.to_string();
            }
        }
        if let Some(s) = v.pointer("/error/message/value").and_then(|x| x.as_str()) {
            return s.to_string();
        }
    }
    if let (Some(a), Some(b)) = (text.find("<faultstring>"), text.find("</faultstring>")) {
        if a < b {
            return text[a + 13..b].to_string();
        }
    }
    if let (Some(a), Some(b)) = (text.find("<Message>"), text.find("</Message>")) {
        if a < b {
            return text[a + 9..b].to_string();
        }
    }
    text.chars().take(200).collect()
}
