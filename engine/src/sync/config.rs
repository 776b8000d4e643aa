//! A job's `[[source]]` entries: which accounting package, where, and where its secrets are.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Which accounting package a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Package {
    /// Moneybird (bearer token).
    Moneybird,
    /// Exact Online (OAuth2).
    Exact,
    /// Xero (OAuth2).
    Xero,
    /// Twinfield (OAuth2, SOAP web services).
    Twinfield,
}

/// One configured API source (`[[source]]` in the job's TOML). Secrets are never in the file: it
/// names an environment variable (`*_env`) or a 0600 file (`*_file`) for each.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// A name of your choice, used by `--source` and in messages.
    pub name: String,
    /// moneybird, exact or xero.
    pub kind: Package,
    /// Moneybird: the administration id.
    pub administration: Option<String>,
    /// Exact Online: the division number.
    pub division: Option<u64>,
    /// Xero: the tenant id.
    pub tenant: Option<String>,
    /// Twinfield: the office (company) code.
    pub office: Option<String>,
    /// Twinfield: the sales daybooks whose transactions are receivables (default: VRK).
    pub daybooks: Option<Vec<String>>,
    /// Twinfield: the first book year a first or full sync reads (default: ten years back).
    pub first_year: Option<i32>,
    /// Twinfield: the login server (default: https://login.twinfield.com).
    pub login_url: Option<String>,
    /// The API root (default: the package's public one).
    pub base_url: Option<String>,
    /// The OAuth2 token endpoint (default: the package's).
    pub token_url: Option<String>,
    /// Moneybird: the API token.
    pub token_env: Option<String>,
    /// Moneybird: the API token, from a file.
    pub token_file: Option<PathBuf>,
    /// OAuth2 client id.
    pub client_id_env: Option<String>,
    /// OAuth2 client id, from a file.
    pub client_id_file: Option<PathBuf>,
    /// OAuth2 client secret.
    pub client_secret_env: Option<String>,
    /// OAuth2 client secret, from a file.
    pub client_secret_file: Option<PathBuf>,
    /// The refresh token from the authorisation; later ones live in `DATA_DIR/tokens/NAME.json`.
    pub refresh_token_env: Option<String>,
    /// The refresh token, from a file.
    pub refresh_token_file: Option<PathBuf>,
    /// Calls allowed per minute (Exact: 55, under its 60; Xero: 60; Moneybird: 30, its 150 per 5 minutes).
    pub calls_per_minute: Option<u32>,
    /// Seconds allowed for one request.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Attempts per request.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubling, with jitter).
    #[serde(default = "default_delay")]
    pub base_delay_ms: u64,
    /// Records gathered per durable commit: fewer commits are faster, and a sync killed
    /// half-way fetches at most this many again.
    #[serde(default = "default_group")]
    pub records_per_commit: usize,
}

fn default_group() -> usize {
    5000
}

fn default_timeout() -> u64 {
    60
}
fn default_attempts() -> u32 {
    6
}
fn default_delay() -> u64 {
    500
}

/// The sources part of a job's configuration file.
#[derive(Debug, Deserialize)]
struct SourcesOnly {
    #[serde(default)]
    source: Vec<SourceConfig>,
    /// The administration's data directory, as the nightly run reads it.
    #[serde(default)]
    data_dir: Option<std::path::PathBuf>,
}

/// The data directory a job's configuration names, else the one given: `sync` and `run`
/// resolve it alike, so the rotated single-use tokens land where the nightly run looks.
pub fn job_data_dir(config: &Path, flag: &Path) -> Result<std::path::PathBuf> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let parsed: SourcesOnly = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", config.display(), e.to_string().trim()))?;
    Ok(parsed.data_dir.unwrap_or_else(|| flag.to_path_buf()))
}

/// The `[[source]]` entries of a configuration file (other keys are the nightly run's).
pub fn load_sources(config: &Path) -> Result<Vec<SourceConfig>> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let parsed: SourcesOnly = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", config.display(), e.to_string().trim()))?;
    let mut names = HashSet::new();
    for s in &parsed.source {
        anyhow::ensure!(
            names.insert(s.name.as_str()),
            "{}: two sources are named {}",
            config.display(),
            s.name
        );
    }
    Ok(parsed.source)
}
