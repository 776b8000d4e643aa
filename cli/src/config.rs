//! Loading an administration's policy and rate tables: from the flags, else from the data
//! directory (`policy.toml`, `rates/`), else the built-in defaults.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use incasso_core::collection::policy::Policy;
use incasso_core::law::rates::{RateKind, RateTable, RateTables};

/// The global `--policy` flag, set once at start-up, for commands that do not pass one.
static POLICY_FLAG: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// Records the global `--policy` flag.
pub fn set_policy_flag(p: Option<PathBuf>) {
    let _ = POLICY_FLAG.set(p);
}

/// The policy to use.
pub fn policy(data_dir: &Path, flag: Option<&Path>) -> Result<Policy> {
    let global = POLICY_FLAG.get().and_then(|p| p.as_deref());
    let path: PathBuf = match flag.or(global) {
        Some(p) => p.to_path_buf(),
        None => {
            let p = data_dir.join("policy.toml");
            if !p.exists() {
                return Ok(Policy::default());
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading policy {}", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("policy {}: {}", path.display(), e.to_string().trim()))
}

/// The rate tables to use: built-in, with any table of the same file name in the folder
/// replacing its built-in twin.
pub fn rates(data_dir: &Path, flag: Option<&Path>) -> Result<RateTables> {
    let dir = flag
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data_dir.join("rates"));
    let mut tables = RateTables::default();
    if !dir.is_dir() {
        anyhow::ensure!(
            flag.is_none(),
            "rates folder {} does not exist",
            dir.display()
        );
        return Ok(tables);
    }
    for kind in RateKind::ALL {
        let path = dir.join(kind.file_name());
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let table = RateTable::parse(kind.code(), &text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            tracing::info!(table = kind.code(), file = %path.display(), known_until = %table.known_until, "using rate table");
            tables.set(kind, table);
        }
    }
    Ok(tables)
}

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
        }
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
    Ok(a)
}

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
