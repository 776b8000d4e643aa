//! Sync: pulls the configured accounting APIs into the ledger (`incasso sync`, and the nightly
//! run's first step).
//!
//! Each page of an answer is one import: its documents, debtors and payments, what each upstream
//! record became and the endpoint's cursor go into the store in one atomic batch, so a sync that
//! is interrupted resumes after the last stored page. Records whose upstream version the ledger
//! has are not written again. Deleted and voided records void their document (a new version with
//! the deletion as provenance). A complete listing that comes back empty where records were
//! synced before is reported as suspicious and deletes nothing.

mod config;
mod ledger;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use incasso_connectors::api::http::{Auth, Client, Options};
use incasso_connectors::api::oauth::{ClientAuth, OAuth, OAuthConfig};
use incasso_connectors::api::secret::{redact, Secret};
use incasso_connectors::api::{exact, moneybird, twinfield_sync, xero, ApiError};
use incasso_store::Store;

use crate::Workspace;
use serde::Serialize;

pub use config::{job_data_dir, load_sources, Package, SourceConfig};
use ledger::StoreLedger;

/// What one source's sync did.
#[derive(Debug, Default, Serialize)]
pub struct SourceSummary {
    /// The source's name.
    pub source: String,
    /// Whether it completed.
    pub ok: bool,
    /// HTTP requests made.
    pub requests: u64,
    /// Pages stored.
    pub pages: u64,
    /// Documents new to the ledger.
    pub documents_new: u64,
    /// Documents that got a new version.
    pub documents_changed: u64,
    /// Records skipped because their upstream version was stored already.
    pub unchanged: u64,
    /// Debtors added or updated.
    pub debtors: u64,
    /// Payments booked upstream, new to the ledger.
    pub payments: u64,
    /// Documents voided because they were deleted or voided upstream.
    pub voided: u64,
    /// Records not taken (drafts, purchase invoices).
    pub skipped: u64,
    /// Documents the books now describe otherwise than a settled or held stored version (a
    /// payment removed upstream): conflicts recorded for a person (`incasso conflicts`).
    pub conflicts: u64,
    /// Things a person should look at (suspicious empty listings).
    pub warnings: Vec<String>,
    /// The error that stopped it, if any.
    pub error: Option<String>,
}

/// Passes over what changed while a sync read the books, after its first, before it gives up
/// with a warning (see `sync_one`).
const SETTLE_PASSES: usize = 3;

impl SourceSummary {
    /// How many records this sync has stored so far (new, changed, voided, debtors, payments).
    fn changes(&self) -> u64 {
        self.documents_new + self.documents_changed + self.voided + self.debtors + self.payments
    }

    /// The summary for a person: one line with the counts, then each warning and the error.
    pub fn lines(&self) -> Vec<String> {
        let s = self;
        let mut out = vec![format!(
            "{}: {} — {} requests, {} pages, {} new, {} changed, {} unchanged, {} debtors, {} payments, {} voided, {} skipped",
            s.source,
            match (&s.error, s.warnings.is_empty()) {
                (Some(_), _) => "FAILED",
                (None, false) => "done, with warnings",
                (None, true) => "done",
            },
            s.requests,
            s.pages,
            s.documents_new,
            s.documents_changed,
            s.unchanged,
            s.debtors,
            s.payments,
            s.voided,
            s.skipped
        )];
        if s.conflicts > 0 {
            out.push(format!(
                "  {} conflict(s) recorded: the stored version stands until a person chooses (`incasso conflicts`)",
                s.conflicts
            ));
        }
        out.extend(s.warnings.iter().map(|w| format!("  warning: {w}")));
        out.extend(s.error.iter().map(|e| format!("  error: {e}")));
        out
    }
}

/// How a sync reads its sources.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Re-read everything, whatever the versions and cursors say.
    pub full: bool,
    /// Endpoints whose listing may come back empty where records were synced before: a person
    /// says every record of them is gone upstream (the last external invoice deleted), so
    /// they are voided instead of the listing being taken for a mistake.
    pub accept_empty: Vec<String>,
}

/// Syncs every configured source (or the one named) into the store in `data_dir`.
pub fn sync(
    ws: &Workspace,
    sources: &[SourceConfig],
    only: Option<&str>,
    options: &SyncOptions,
) -> Result<Vec<SourceSummary>> {
    let data_dir = ws.data_dir();
    let chosen: Vec<&SourceConfig> = sources
        .iter()
        .filter(|s| only.is_none_or(|n| n == s.name))
        .collect();
    if let Some(n) = only {
        anyhow::ensure!(!chosen.is_empty(), "no source named {n} is configured");
    }
    let store = ws.store()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    // A source no longer configured can never sync again: it no longer keeps submissions back.
    if only.is_none() {
        for name in store.syncs_behind()? {
            if !sources.iter().any(|s| s.name == name) {
                store.record_sync_outcome(&name, true)?;
            }
        }
    }
    let mut out = Vec::new();
    for cfg in chosen {
        let mut summary = SourceSummary {
            source: cfg.name.clone(),
            ..Default::default()
        };
        let result = runtime.block_on(sync_one(store, data_dir, cfg, options, &mut summary));
        store.flush()?;
        match result {
            Ok(()) => summary.ok = summary.warnings.is_empty(),
            Err(e) => {
                let e = redact(&e.to_string()).into_owned();
                tracing::error!(source = %cfg.name, "{e}");
                summary.error = Some(e);
            }
        }
        // An upstream may echo a secret in a message; none reaches the summary or the audit log.
        for w in &mut summary.warnings {
            *w = redact(w).into_owned();
        }
        store.record_sync_outcome(&cfg.name, summary.ok && summary.error.is_none())?;
        store.record_event(
            "sync",
            &cfg.name,
            &format!(
                "{} pages, {} new, {} changed, {} unchanged, {} voided{}",
                summary.pages,
                summary.documents_new,
                summary.documents_changed,
                summary.unchanged,
                summary.voided,
                summary
                    .error
                    .as_ref()
                    .map(|e| format!("; failed: {e}"))
                    .unwrap_or_default()
            ),
            Utc::now(),
        )?;
        out.push(summary);
    }
    Ok(out)
}

fn secret(
    cfg: &SourceConfig,
    what: &str,
    env: &Option<String>,
    file: &Option<PathBuf>,
) -> Result<Option<Secret>, ApiError> {
    match (env, file) {
        (Some(_), Some(_)) => Err(ApiError::Config(format!(
            "source {}: give {what}_env or {what}_file, not both",
            cfg.name
        ))),
        (Some(v), None) => Secret::from_env(v)
            .map(Some)
            .map_err(|e| ApiError::Config(format!("source {}: {what}: {e}", cfg.name))),
        (None, Some(p)) => Secret::from_file(p)
            .map(Some)
            .map_err(|e| ApiError::Config(format!("source {}: {what}: {e}", cfg.name))),
        (None, None) => Ok(None),
    }
}

fn required(cfg: &SourceConfig, what: &str, v: Option<Secret>) -> Result<Secret, ApiError> {
    v.ok_or_else(|| {
        ApiError::Config(format!(
            "source {}: {what}_env or {what}_file is required",
            cfg.name
        ))
    })
}

fn oauth(
    cfg: &SourceConfig,
    data_dir: &Path,
    default_token_url: &str,
    client_auth: ClientAuth,
) -> Result<Auth, ApiError> {
    Ok(Auth::OAuth(OAuth::load(OAuthConfig {
        source_name: cfg.name.clone(),
        token_url: cfg
            .token_url
            .clone()
            .unwrap_or_else(|| default_token_url.to_string()),
        client_id: required(
            cfg,
            "client_id",
            secret(cfg, "client_id", &cfg.client_id_env, &cfg.client_id_file)?,
        )?,
        client_secret: required(
            cfg,
            "client_secret",
            secret(
                cfg,
                "client_secret",
                &cfg.client_secret_env,
                &cfg.client_secret_file,
            )?,
        )?,
        client_auth,
        refresh_token: secret(
            cfg,
            "refresh_token",
            &cfg.refresh_token_env,
            &cfg.refresh_token_file,
        )?,
        path: data_dir.join("tokens").join(format!("{}.json", cfg.name)),
    })?))
}

fn options(cfg: &SourceConfig, default_per_minute: u32) -> Options {
    Options {
        timeout: Duration::from_secs(cfg.timeout_seconds.max(1)),
        max_attempts: cfg.max_attempts.max(1),
        base_delay: Duration::from_millis(cfg.base_delay_ms),
        max_delay: Duration::from_secs(120),
        calls_per_minute: Some(cfg.calls_per_minute.unwrap_or(default_per_minute)),
    }
}

/// One configured source's connector.
enum Connector {
    Moneybird(moneybird::Moneybird),
    Exact(exact::Exact),
    Xero(xero::Xero),
    Twinfield(twinfield_sync::Twinfield),
}

impl Connector {
    /// One pass into a ledger of its own over the source's namespace (`walk`); what was
    /// accepted before an error is whole pages, and kept.
    #[allow(clippy::too_many_arguments)]
    async fn pass(
        &self,
        client: &mut Client,
        store: &Store,
        namespace: &str,
        creditor: &incasso_core::ids::CreditorId,
        per_commit: usize,
        summary: &mut SourceSummary,
        full: bool,
        accept_empty: &[String],
    ) -> Result<(), ApiError> {
        let mut ledger = StoreLedger::new(store, namespace, creditor, per_commit, summary);
        ledger.accept_empty(accept_empty);
        self.walk(client, &mut ledger, full)
            .await
            .and(ledger.finish())
    }

    /// One pass over the source's endpoints into `ledger` (from the start with `full`).
    async fn walk(
        &self,
        client: &mut Client,
        ledger: &mut StoreLedger<'_>,
        full: bool,
    ) -> Result<(), ApiError> {
        match self {
            Connector::Moneybird(c) => c.sync(client, ledger, full).await,
            Connector::Exact(c) => c.sync(client, ledger, full).await,
            Connector::Xero(c) => c.sync(client, ledger, full).await,
            Connector::Twinfield(c) => c.sync(client, ledger, full, Utc::now().naive_utc()).await,
        }
    }
}

async fn sync_one(
    store: &Store,
    data_dir: &Path,
    cfg: &SourceConfig,
    how: &SyncOptions,
    summary: &mut SourceSummary,
) -> Result<(), ApiError> {
    let full = how.full;
    let creditor = store
        .creditor()
        .map_err(|e| ApiError::Ledger(e.to_string()))?;
    let missing = |what: &str| {
        ApiError::Config(format!(
            "source {}: {what} is required for {:?}",
            cfg.name, cfg.kind
        ))
    };
    // The source's connector, ready to walk its endpoints.
    let (connector, mut client, namespace) = match cfg.kind {
        Package::Moneybird => {
            let administration = cfg
                .administration
                .clone()
                .ok_or_else(|| missing("administration"))?;
            let token = required(
                cfg,
                "token",
                secret(cfg, "token", &cfg.token_env, &cfg.token_file)?,
            )?;
            let client = Client::new(&cfg.name, Auth::Bearer(token), options(cfg, 30), Vec::new())?;
            let namespace = format!("moneybird:{}:{administration}", cfg.name);
            let mb = moneybird::Moneybird {
                base_url: cfg
                    .base_url
                    .clone()
                    .unwrap_or_else(|| "https://moneybird.com/api/v2".into()),
                administration,
                creditor: creditor.clone(),
            };
            (Connector::Moneybird(mb), client, namespace)
        }
        Package::Exact => {
            let division = cfg.division.ok_or_else(|| missing("division"))?;
            let base = cfg
                .base_url
                .clone()
                .unwrap_or_else(|| "https://start.exactonline.nl".into());
            let auth = oauth(
                cfg,
                data_dir,
                &format!("{}/api/oauth2/token", base.trim_end_matches('/')),
                ClientAuth::Form,
            )?;
            let client = Client::new(&cfg.name, auth, options(cfg, 55), Vec::new())?;
            let namespace = format!("exact:{}:{division}", cfg.name);
            let ex = exact::Exact {
                base_url: base,
                division,
                creditor: creditor.clone(),
            };
            (Connector::Exact(ex), client, namespace)
        }
        Package::Xero => {
            let tenant = cfg.tenant.clone().ok_or_else(|| missing("tenant"))?;
            let auth = oauth(
                cfg,
                data_dir,
                "https://identity.xero.com/connect/token",
                ClientAuth::Basic,
            )?;
            let client = Client::new(
                &cfg.name,
                auth,
                options(cfg, 60),
                vec![("xero-tenant-id".into(), tenant.clone())],
            )?;
            let namespace = format!("xero:{}:{tenant}", cfg.name);
            let xe = xero::Xero {
                base_url: cfg
                    .base_url
                    .clone()
                    .unwrap_or_else(|| "https://api.xero.com".into()),
                tenant,
                creditor: creditor.clone(),
            };
            (Connector::Xero(xe), client, namespace)
        }
        Package::Twinfield => {
            let office = cfg.office.clone().ok_or_else(|| missing("office"))?;
            let login = cfg
                .login_url
                .clone()
                .unwrap_or_else(|| "https://login.twinfield.com".into());
            let auth = oauth(
                cfg,
                data_dir,
                &format!(
                    "{}/auth/authentication/connect/token",
                    login.trim_end_matches('/')
                ),
                ClientAuth::Basic,
            )?;
            // Twinfield's fair use: 1,000 credits a minute; a read costs one.
            let client = Client::new(&cfg.name, auth, options(cfg, 600), Vec::new())?;
            let namespace = format!("twinfield:{}:{office}", cfg.name);
            let now = Utc::now();
            let tw = twinfield_sync::Twinfield {
                login_url: login,
                office,
                daybooks: cfg
                    .daybooks
                    .clone()
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| vec!["VRK".into()]),
                first_year: cfg
                    .first_year
                    .unwrap_or_else(|| chrono::Datelike::year(&now) - 10),
                creditor: creditor.clone(),
            };
            (Connector::Twinfield(tw), client, namespace)
        }
    };
    // The endpoints are read one after another, so a change made upstream meanwhile (a credit
    // note allocated after its invoice was read) can leave the ledger in a state the books were
    // never in: the invoice still owed in full, the credit used up. Reading again from the
    // cursors until a pass finds nothing changed leaves it as the books stood at one moment.
    let mut passes = 0;
    let result = loop {
        let before = summary.changes();
        let result = connector
            .pass(
                &mut client,
                store,
                &namespace,
                &creditor,
                cfg.records_per_commit,
                summary,
                full && passes == 0,
                &how.accept_empty,
            )
            .await;
        passes += 1;
        if result.is_err() || summary.changes() == before {
            break result;
        }
        if passes > SETTLE_PASSES {
            summary.warnings.push(format!(
                "the books kept changing while they were read ({passes} passes); the next sync \
                 reads what changed since"
            ));
            break result;
        }
    };
    let calls = client.calls;
    tracing::info!(source = %cfg.name, %namespace, requests = calls, "sync finished");
    summary.requests = calls;
    result
}
