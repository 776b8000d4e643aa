//! The exporter's side of the wire: posts one batch body with its Idempotency-Key and retries,
//! with exponential backoff and jitter, on what may pass (connection errors, timeouts, 5xx, 429
//! with its Retry-After), never on a 4xx refusal.

use std::time::Duration;

use crate::schema::{BatchAnswer, ErrorAnswer};

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
    /// First backoff delay; doubles each attempt, capped at 30 s, with full jitter.
    pub base_delay: Duration,
}

/// The final answer to a batch.
#[derive(Debug)]
pub enum Answer {
    /// 200: every claim answered.
    Answered(BatchAnswer),
    /// A 4xx refusal of the whole batch: retrying the same body cannot help.
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's explanation.
        error: ErrorAnswer,
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

/// A small xorshift for jitter, seeded from the clock and process (no cryptographic use).
struct Jitter(u64);

impl Jitter {
    fn new() -> Jitter {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Jitter(t ^ (u64::from(std::process::id()) << 32) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Posts batches to one intake server.
pub struct Client {
    cfg: ClientConfig,
    http: reqwest::Client,
    jitter: std::sync::Mutex<Jitter>,
}

impl Client {
    /// A client for a configuration.
    pub fn new(cfg: ClientConfig) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Client {
            cfg,
            http,
            jitter: std::sync::Mutex::new(Jitter::new()),
        })
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cap = Duration::from_secs(30);
        let exp = self
            .cfg
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(cap);
        let ms = exp.as_millis() as u64;
        let j = self
            .jitter
            .lock()
            .map(|mut j| j.below(ms + 1))
            .unwrap_or(ms);
        Duration::from_millis(j.max(ms / 4))
    }

    /// Sends one batch body under its Idempotency-Key until it is answered or refused.
    pub async fn send(&self, idempotency_key: &str, body: &[u8]) -> Result<Answer, GaveUp> {
        let url = format!("{}/v1/batches", self.cfg.url.trim_end_matches('/'));
        let mut last = String::new();
        for attempt in 0..self.cfg.max_attempts.max(1) {
            let mut req = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("idempotency-key", idempotency_key)
                .body(body.to_vec());
            req = match &self.cfg.auth {
                Auth::Bearer(t) => req.bearer_auth(t),
                Auth::Hmac(secret) => {
                    let ts = chrono::Utc::now().timestamp();
                    let nonce = self
                        .jitter
                        .lock()
                        .map(|mut j| format!("{:016x}{:08x}", j.below(u64::MAX), attempt))
                        .unwrap_or_else(|_| format!("{ts:x}-{attempt}"));
                    req.header("x-incasso-creditor", &self.cfg.creditor)
                        .header("x-incasso-timestamp", ts.to_string())
                        .header("x-incasso-nonce", &nonce)
                        .header(
                            "x-incasso-signature",
                            crate::auth::sign(secret, ts, &nonce, body),
                        )
                }
            };
            let wait = match req.send().await {
                Err(e) => {
                    last = if e.is_timeout() {
                        "no answer within the timeout".to_string()
                    } else {
                        format!("connection failed: {e}")
                    };
                    self.backoff(attempt)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let text = match resp.text().await {
                        Ok(t) => t,
                        Err(e) => {
                            last = format!("the answer was cut off: {e}");
                            tokio::time::sleep(self.backoff(attempt)).await;
                            continue;
                        }
                    };
                    match status {
                        200 => match serde_json::from_str::<BatchAnswer>(&text) {
                            Ok(a) => return Ok(Answer::Answered(a)),
                            Err(e) => {
                                last = format!("an answer that is not a batch answer: {e}");
                                self.backoff(attempt)
                            }
                        },
                        429 | 500..=599 => {
                            last = format!("HTTP {status}");
                            match retry_after {
                                Some(s) => Duration::from_secs(s.min(300)),
                                None => self.backoff(attempt),
                            }
                        }
                        _ => {
                            let error =
                                serde_json::from_str::<ErrorAnswer>(&text).unwrap_or(ErrorAnswer {
                                    error: format!("http-{status}"),
                                    message: text.chars().take(500).collect(),
                                });
                            return Ok(Answer::Refused { status, error });
                        }
                    }
                }
            };
            tracing::warn!(
                attempt = attempt + 1,
                wait_ms = wait.as_millis() as u64,
                "batch not answered: {last}; retrying"
            );
            if attempt + 1 < self.cfg.max_attempts {
                tokio::time::sleep(wait).await;
            }
        }
        Err(GaveUp {
            url,
            attempts: self.cfg.max_attempts.max(1),
            last,
        })
    }
}
