//! OAuth2 refresh-token flow (Exact Online, Xero). Refresh tokens are single use: the token pair
//! an answer brings is written to the token file (0600, temp file + fsync + rename) before it is
//! used, so a crash right after a refresh never loses the only valid token.
//!
//! The file remembers a hash of the refresh token it started from. When the configured refresh
//! token changes (the administration was authorised again), the configured one is taken.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::secret::Secret;
use super::ApiError;

/// How the client identifies itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields (Exact Online).
    Form,
    /// HTTP Basic with id and secret (Xero).
    Basic,
}

/// The token file's content.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// BLAKE3 of the configured refresh token this chain started from.
    seed: String,
    access_token: String,
    refresh_token: String,
    /// Unix seconds when the access token expires.
    expires_at: i64,
}

/// An OAuth2 session whose tokens live in a private file in the data directory.
pub struct OAuth {
    source_name: String,
    token_url: String,
    client_id: Secret,
    client_secret: Secret,
    client_auth: ClientAuth,
    path: PathBuf,
    seed: String,
    access: Option<(Secret, i64)>,
    refresh: Secret,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("source", &self.source_name)
            .field("token_url", &self.token_url)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What the client needs to refresh.
pub struct OAuthConfig {
    /// The configured source, for messages.
    pub source_name: String,
    /// The token endpoint.
    pub token_url: String,
    /// Client id.
    pub client_id: Secret,
    /// Client secret.
    pub client_secret: Secret,
    /// Form fields or Basic.
    pub client_auth: ClientAuth,
    /// The refresh token given by configuration (from the authorisation), if any.
    pub refresh_token: Option<Secret>,
    /// The token file.
    pub path: PathBuf,
}

impl OAuth {
    /// The session: the token file's pair when it continues the configured token, else the
    /// configured refresh token.
    pub fn load(cfg: OAuthConfig) -> Result<OAuth, ApiError> {
        let stored: Option<Stored> = if cfg.path.exists() {
            super::secret::check_private(&cfg.path)?;
            let bytes = std::fs::read(&cfg.path)
                .map_err(|e| ApiError::Config(format!("{}: {e}", cfg.path.display())))?;
            Some(serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::Config(format!(
                    "{}: not a token file ({e}); remove it and configure a refresh token",
                    cfg.path.display()
                ))
            })?)
        } else {
            None
        };
        let seed_of = |s: &Secret| blake3::hash(s.expose().as_bytes()).to_hex().to_string();
        let (seed, access, refresh) = match (stored, &cfg.refresh_token) {
            (Some(s), Some(conf)) if s.seed != seed_of(conf) => (seed_of(conf), None, conf.clone()),
            (Some(s), _) => (
                s.seed,
                Some((Secret::new(s.access_token), s.expires_at)),
                Secret::new(s.refresh_token),
            ),
            (None, Some(conf)) => (seed_of(conf), None, conf.clone()),
            (None, None) => {
                return Err(ApiError::Config(format!(
                    "{}: no refresh token: set the configured refresh token variable or file once after authorising",
                    cfg.source_name
                )))
            }
        };
        Ok(OAuth {
            source_name: cfg.source_name,
            token_url: cfg.token_url,
            client_id: cfg.client_id,
            client_secret: cfg.client_secret,
            client_auth: cfg.client_auth,
            path: cfg.path,
            seed,
            access,
            refresh,
        })
    }

    /// The access token, unless it expires within 30 seconds of `now` (unix seconds).
    pub fn access(&self, now: i64) -> Option<&Secret> {
        self.access
            .as_ref()
            .filter(|(_, exp)| *exp > now + 30)
            .map(|(t, _)| t)
    }

    /// Trades the refresh token for a new pair and saves it before anything else.
    pub async fn refresh(&mut self, http: &reqwest::Client, now: i64) -> Result<(), ApiError> {
        let auth_err = |reason: String| ApiError::Auth {
            source_name: self.source_name.clone(),
            reason,
        };
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", self.refresh.expose().to_string()),
        ];
        let mut req = http.post(&self.token_url);
        match self.client_auth {
            ClientAuth::Form => {
                form.push(("client_id", self.client_id.expose().to_string()));
                form.push(("client_secret", self.client_secret.expose().to_string()));
            }
            ClientAuth::Basic => {
                req = req.basic_auth(self.client_id.expose(), Some(self.client_secret.expose()));
            }
        }
        let resp = req.form(&form).send().await.map_err(|e| {
            auth_err(format!(
                "token endpoint {}: {}",
                self.token_url,
                super::http::transport(&e)
            ))
        })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| {
            auth_err(format!(
                "token endpoint {}: {}",
                self.token_url,
                super::http::transport(&e)
            ))
        })?;
        #[derive(Deserialize)]
        struct Answer {
            access_token: Option<String>,
            refresh_token: Option<String>,
            expires_in: Option<super::json::Text>,
            error: Option<String>,
        }
        let answer: Option<Answer> = serde_json::from_slice(super::json::strip_bom(&body)).ok();
        if !status.is_success() {
            let code = answer
                .and_then(|a| a.error)
                .unwrap_or_else(|| "no error code".into());
            return Err(auth_err(format!(
                "token endpoint {} refused the refresh token (HTTP {}, {code}); authorise the administration again and configure the new refresh token",
                self.token_url,
                status.as_u16()
            )));
        }
        let Some(Answer {
            access_token: Some(access),
            refresh_token,
            expires_in,
            ..
        }) = answer
        else {
            return Err(auth_err(format!(
                "token endpoint {} answered without an access token",
                self.token_url
            )));
        };
        // At least two minutes, so a token is never refused as expiring the moment it arrives.
        let expires_in: i64 = expires_in
            .and_then(|t| t.0.parse().ok())
            .unwrap_or(600)
            .clamp(120, 366 * 24 * 3600);
        let refresh = refresh_token
            .map(Secret::new)
            .unwrap_or_else(|| self.refresh.clone());
        let stored = Stored {
            seed: self.seed.clone(),
            access_token: access.clone(),
            refresh_token: refresh.expose().to_string(),
            expires_at: now + expires_in,
        };
        write_private(&self.path, &serde_json::to_vec(&stored).expect("plain record"))
            .map_err(|e| {
                auth_err(format!(
                    "the new token could not be saved to {} ({e}); the old one is spent, so authorise again",
                    self.path.display()
                ))
            })?;
        tracing::info!(source = %self.source_name, "access token refreshed and saved");
        self.access = Some((Secret::new(access), now + expires_in));
        self.refresh = refresh;
        Ok(())
    }

    /// Forgets the access token (the server refused it), so the next call refreshes.
    pub fn drop_access(&mut self) {
        self.access = None;
    }
}

/// Writes a file readable only by its owner, atomically: temp file, fsync, rename, fsync dir.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
