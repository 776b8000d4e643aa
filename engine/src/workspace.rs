//! One administration as every command sees it: its data directory, its store (opened once, on
//! first use), its policy (`--policy`, else `policy.toml`, else the built-in defaults) and its
//! rate tables (`--rates`, else `rates/`, else the built-in ones).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use incasso_core::collection::policy::Policy;
use incasso_core::law::rates::{RateKind, RateTable, RateTables};
use incasso_store::Store;

/// An administration: data directory, store, policy and rate tables, each read once.
pub struct Workspace {
    data_dir: PathBuf,
    policy_file: Option<PathBuf>,
    store: OnceLock<Store>,
    policy: OnceLock<Policy>,
}

impl Workspace {
    /// An administration in `data_dir`; `policy_file` replaces `DATA_DIR/policy.toml`.
    pub fn new(data_dir: impl Into<PathBuf>, policy_file: Option<PathBuf>) -> Workspace {
        Workspace {
            data_dir: data_dir.into(),
            policy_file,
            store: OnceLock::new(),
            policy: OnceLock::new(),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The policy file given (`--policy`), if any.
    pub fn policy_file(&self) -> Option<&Path> {
        self.policy_file.as_deref()
    }

    /// The policy file in use: `--policy`, else `DATA_DIR/policy.toml` (which may not exist).
    pub fn policy_path(&self) -> PathBuf {
        self.policy_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("policy.toml"))
    }

    /// Whether the data directory holds a store already (reading commands never create one).
    pub fn exists(&self) -> bool {
        Store::exists(&self.data_dir)
    }

    /// The store, opened (and locked) on first use.
    pub fn store(&self) -> Result<&Store> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let opened = Store::open(&self.data_dir)?;
        Ok(self.store.get_or_init(|| opened))
    }

    /// Closes the store if it is open, so that another process (or a later step) may open it.
    pub fn close(&mut self) {
        self.store = OnceLock::new();
    }

    /// The policy, read on first use.
    pub fn policy(&self) -> Result<&Policy> {
        if let Some(p) = self.policy.get() {
            return Ok(p);
        }
        let read = policy(&self.data_dir, self.policy_file.as_deref())?;
        Ok(self.policy.get_or_init(|| read))
    }

    /// The rate tables: `flag` (a folder) replaces `DATA_DIR/rates`.
    pub fn rates(&self, flag: Option<&Path>) -> Result<RateTables> {
        rates(&self.data_dir, flag)
    }
}

/// The policy in `flag`, else `DATA_DIR/policy.toml`, else the built-in defaults.
fn policy(data_dir: &Path, flag: Option<&Path>) -> Result<Policy> {
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
    let mut read: Policy = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("policy {}: {}", path.display(), e.to_string().trim()))?;
    read.creditor.normalise();
    Ok(read)
}

/// The rate tables to use: built-in, with any table of the same file name in the folder
/// replacing its built-in twin.
fn rates(data_dir: &Path, flag: Option<&Path>) -> Result<RateTables> {
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
