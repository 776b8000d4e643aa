//! Loading an administration's policy and rate tables: from the flags, else from the data
//! directory (`policy.toml`, `rates/`), else the built-in defaults.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use incasso_core::collection::policy::Policy;
use incasso_core::law::rates::{RateKind, RateTable, RateTables};

/// The policy to use.
pub fn policy(data_dir: &Path, flag: Option<&Path>) -> Result<Policy> {
    let path: PathBuf = match flag {
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
