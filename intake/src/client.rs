//! The exporter's side of the wire: posts one batch body with its Idempotency-Key and retries
//! what `incasso_delivery` says may pass (connection errors, timeouts, 408, 429 and 5xx, with
//! their Retry-After); a refusal comes back with its class (judged and final, or not judged).

use std::time::Duration;

use incasso_delivery::{classify, retry_after, Class, RetryPolicy};

use crate::schema::{BatchAnswer, ChangePage, ErrorAnswer};

/// How requests are authenticated.
#[derive(Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// An HMAC-SHA256 signature over timestamp and body with this secret.
    Hmac(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::Bearer(_) => "Bearer(***)",
            Auth::Hmac(_) => "Hmac(***)",
        })
    }
}

/// Where and how batches go.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL of the intake server.
    pub url: String,
    /// The creditor's id at the agency.
    pub creditor: String,
    /// Credentials.
    pub auth: Auth,
    /// Time allowed for one request, answer included.
    pub timeout: Duration,
    /// Attempts per batch before giving up (the batch stays "sent" and is resumed next run).
    pub max_attempts: u32,
    /// First backoff delay; doubles each attempt, with jitter.
    pub base_delay: Duration,
}

/// Longest backoff between attempts.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// Longest Retry-After the exporter waits for before leaving the batch for the next run.
const MAX_TOLD: Duration = Duration::from_secs(300);

/// The final answer to a batch.
#[derive(Debug)]
pub enum Answer {
    /// 200: every claim answered.
    Answered(BatchAnswer),
    /// A refusal of the whole batch.
    Refused {
        /// HTTP status.
        status: u16,
        /// [`Class::Final`]: the batch was judged and refused, the same body can never pass;
        /// [`Class::NotJudged`]: credentials, permissions or a proxy stood in the way.
        class: Class,
        /// The server's explanation.
        error: ErrorAnswer,
        /// Whether the refusal answered the first attempt: no earlier one of this exchange
        /// (timed out, cut off) may have reached the server.
        first_attempt: bool,
    },
}

/// Sending failed for good (after every retry).
#[derive(Debug, thiserror::Error)]
#[error("{url}: gave up after {attempts} attempts: {last}")]
pub struct GaveUp {
    /// The endpoint.
    pub url: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure.
    pub last: String,
}

/// Posts batches to one intake server.
pub struct Client {
    cfg: ClientConfig,
    http: reqwest::Client,
    retry: RetryPolicy,
}

impl Client {
    /// A client for a configuration.
    pub fn new(cfg: ClientConfig) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| e.to_string())?;
        let retry = RetryPolicy {
            max_attempts: cfg.max_attempts.max(1),
            base_delay: cfg.base_delay,
            max_delay: MAX_DELAY,
            max_told: MAX_TOLD,
        };
        Ok(Client { cfg, http, retry })
    }

    /// Sends one batch body under its Idempotency-Key until it is answered or refused.
    pub async fn send(&self, idempotency_key: &str, body: &[u8]) -> Result<Answer, GaveUp> {
        Ok(
            match self
                .exchange::<BatchAnswer>(
                    reqwest::Method::POST,
                    "/v1/batches",
                    Some(idempotency_key),
                    body,
                )
                .await?
            {
                Reply::Done(a) => Answer::Answered(a),
                Reply::Refused {
                    status,
                    class,
                    error,
                    first_attempt,
                } => Answer::Refused {
                    status,
                    class,
                    error,
                    first_attempt,
                },
            },
        )
    }

    /// One page of this creditor's changes at the agency after `cursor` (`GET /v1/changes`):
    /// which claims were accepted, withdrawn, and the agency's status records; the claims
    /// themselves only with `claims` (this creditor sent them, unless its store was restored
    /// from a backup since). Another refusal is an error.
    pub async fn changes(&self, cursor: &str, claims: bool) -> Result<Feed, String> {
        let path = format!("/v1/changes?after={cursor}&claims={claims}");
        match self
            .exchange::<ChangePage>(reqwest::Method::GET, &path, None, b"")
            .await
            .map_err(|e| e.to_string())?
        {
            Reply::Done(page) => Ok(Feed::Page(page)),
            Reply::Refused { status: 410, .. } => Ok(Feed::Reset),
            Reply::Refused { status: 404, .. } => Ok(Feed::NotOffered),
            Reply::Refused { status, error, .. } => Err(format!(
                "{}{path}: HTTP {status} {}: {}",
                self.cfg.url.trim_end_matches('/'),
                error.error,
                error.message
            )),
        }
    }

    /// One request, authenticated, retried on what may pass, until its answer reads as a `T`
    /// or it is refused.
    async fn exchange<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        idempotency_key: Option<&str>,
        body: &[u8],
    ) -> Result<Reply<T>, GaveUp> {
        let url = format!("{}{path}", self.cfg.url.trim_end_matches('/'));
        let mut last = String::new();
        let mut attempts = 0;
        for attempt in 1..=self.retry.max_attempts {
            attempts = attempt;
            let mut req = self.http.request(method.clone(), &url);
            if method == reqwest::Method::POST {
                req = req
                    .header("content-type", "application/json")
                    .body(body.to_vec());
            }
            if let Some(key) = idempotency_key {
                req = req.header("idempotency-key", key);
            }
            req = match &self.cfg.auth {
                Auth::Bearer(t) => req.bearer_auth(t),
                Auth::Hmac(secret) => {
                    let ts = chrono::Utc::now().timestamp();
                    let nonce = format!("{:016x}{attempt:08x}", fastrand::u64(..));
                    req.header("x-incasso-creditor", &self.cfg.creditor)
                        .header("x-incasso-timestamp", ts.to_string())
                        .header("x-incasso-nonce", &nonce)
                        .header(
                            "x-incasso-signature",
                            crate::auth::sign(secret, ts, &nonce, body),
                        )
                }
            };
            let told = match req.send().await {
                Err(e) => {
                    last = if e.is_timeout() {
                        "no answer within the timeout".to_string()
                    } else {
                        format!("connection failed: {e}")
                    };
                    None
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let told = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry_after(v, chrono::Utc::now()));
                    match (classify(status), resp.text().await) {
                        (_, Err(e)) => {
                            last = format!("the answer was cut off: {e}");
                            None
                        }
                        (Class::Done, Ok(text)) => match serde_json::from_str::<T>(&text) {
                            Ok(a) => return Ok(Reply::Done(a)),
                            Err(e) => {
                                last = format!("an answer that is not what was asked for: {e}");
                                None
                            }
                        },
                        (Class::Retry, Ok(_)) => {
                            last = format!("HTTP {status}");
                            told
                        }
                        (class, Ok(text)) => {
                            let error =
                                serde_json::from_str::<ErrorAnswer>(&text).unwrap_or(ErrorAnswer {
                                    error: format!("http-{status}"),
                                    message: text.chars().take(500).collect(),
                                });
                            return Ok(Reply::Refused {
                                status,
                                class,
                                error,
                                first_attempt: attempt == 1,
                            });
                        }
                    }
                }
            };
            let Some(wait) = self.retry.wait(attempt, told) else {
                if told.is_some_and(|t| t > MAX_TOLD) {
                    last = format!(
                        "{last}, and the server asks to wait {} s, longer than this run waits",
                        told.unwrap_or_default().as_secs()
                    );
                }
                break;
            };
            tracing::warn!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "{path} not answered: {last}; retrying"
            );
            tokio::time::sleep(wait).await;
        }
        Err(GaveUp {
            url,
            attempts,
            last,
        })
    }
}

/// What the agency's change feed gave.
#[derive(Debug)]
pub enum Feed {
    /// A page.
    Page(ChangePage),
    /// The cursor is not from the feed as it stands (a restored or moved database): read it
    /// again from the start.
    Reset,
    /// The agency's server has no change feed (404).
    NotOffered,
}

/// What a request came to.
enum Reply<T> {
    /// Answered with a `T`.
    Done(T),
    /// Refused (see [`Answer::Refused`]).
    Refused {
        status: u16,
        class: Class,
        error: ErrorAnswer,
        first_attempt: bool,
    },
}
