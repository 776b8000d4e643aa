//! Where claims go: the agency's intake server, its settings file and its secret.

use std::path::Path;

use anyhow::{Context, Result};

/// Where claims go: the agency's intake server and how to reach it (`agency.toml` in the data
/// directory, or `--agency FILE`). Secrets are never in the file: it names the environment
/// variable that holds them.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Base URL of the intake server.
    pub url: String,
    /// This administration's creditor id at the agency.
    pub creditor: String,
    /// Environment variable with the bearer token.
    pub token_env: Option<String>,
    /// Environment variable with the HMAC secret (instead of a token).
    pub hmac_secret_env: Option<String>,
    /// Claims per batch.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Seconds allowed for one request.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Attempts per batch before the run stops (the batch is resumed on the next run).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubling, with jitter).
    #[serde(default = "default_delay")]
    pub base_delay_ms: u64,
    /// Batches on their way at once (each recorded as sent before it goes): hides the round
    /// trips to an agency far away; 1 sends one at a time.
    #[serde(default = "default_in_flight")]
    pub in_flight: usize,
}

fn default_batch_size() -> usize {
    100
}
fn default_timeout() -> u64 {
    30
}
fn default_attempts() -> u32 {
    8
}
fn default_delay() -> u64 {
    200
}
fn default_in_flight() -> usize {
    4
}

/// The most batches on their way at once that `in_flight` may ask for.
const MAX_IN_FLIGHT: usize = 16;

/// The agency configuration, with its secret read from the environment.
impl Agency {
    /// The settings a dry run uses when there is no agency configuration: nothing is sent.
    pub fn for_dry_run(creditor: String) -> Agency {
        Agency {
            url: String::new(),
            creditor,
            token_env: None,
            hmac_secret_env: None,
            batch_size: default_batch_size(),
            timeout_seconds: default_timeout(),
            max_attempts: default_attempts(),
            base_delay_ms: default_delay(),
            in_flight: default_in_flight(),
        }
    }
}

impl Agency {
    /// A client for the agency's intake server with these credentials.
    pub fn client(
        &self,
        auth: incasso_intake::client::Auth,
    ) -> Result<incasso_intake::client::Client> {
        use std::time::Duration;
        incasso_intake::client::Client::new(incasso_intake::client::ClientConfig {
            url: self.url.clone(),
            creditor: self.creditor.clone(),
            auth,
            timeout: Duration::from_secs(self.timeout_seconds),
            max_attempts: self.max_attempts,
            base_delay: Duration::from_millis(self.base_delay_ms),
        })
        .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// The agency configuration file's settings, without the secrets (a dry run needs none).
pub fn agency_settings(path: &Path) -> Result<Agency> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading the agency configuration {} (url, creditor, token_env or hmac_secret_env)",
            path.display()
        )
    })?;
    let a: Agency = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim()))?;
    anyhow::ensure!(
        (1..=incasso_intake::validate::MAX_BATCH_ENTRIES).contains(&a.batch_size),
        "{}: batch_size must be 1 to {} (what an intake server takes at once)",
        path.display(),
        incasso_intake::validate::MAX_BATCH_ENTRIES
    );
    anyhow::ensure!(
        (1..=MAX_IN_FLIGHT).contains(&a.in_flight),
        "{}: in_flight must be 1 to {MAX_IN_FLIGHT} (batches on their way at once)",
        path.display()
    );
    Ok(a)
}

/// The agency configuration (`flag`, else `DATA_DIR/agency.toml`) with its secret from the environment.
pub fn agency(
    data_dir: &Path,
    flag: Option<&Path>,
) -> Result<(Agency, incasso_intake::client::Auth)> {
    let path = flag
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data_dir.join("agency.toml"));
    let a = agency_settings(&path)?;
    let secret = |var: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .inspect(|v| incasso_connectors::api::secret::remember(v))
            .ok_or_else(|| {
                anyhow::anyhow!("{}: environment variable {var} is not set", path.display())
            })
    };
    let auth = match (&a.token_env, &a.hmac_secret_env) {
        (Some(t), None) => incasso_intake::client::Auth::Bearer(secret(t)?),
        (None, Some(h)) => incasso_intake::client::Auth::Hmac(secret(h)?),
        _ => anyhow::bail!(
            "{}: give exactly one of token_env and hmac_secret_env",
            path.display()
        ),
    };
    Ok((a, auth))
}
