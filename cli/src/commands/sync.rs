//! `incasso sync [--source NAME] [--full]`: pulls the configured accounting APIs into the ledger.
//!
//! Each page of an answer is one import: its documents, debtors and payments, what each upstream
//! record became and the endpoint's cursor go into the store in one atomic batch, so a sync that
//! is interrupted resumes after the last stored page. Records whose upstream version the ledger
//! has are not written again. Deleted and voided records void their document (a new version with
//! the deletion as provenance). A complete listing that comes back empty where records were
//! synced before is reported as suspicious and deletes nothing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use incasso_connectors::api::http::{Auth, Client, Options};
use incasso_connectors::api::oauth::{ClientAuth, OAuth, OAuthConfig};
use incasso_connectors::api::secret::{redact, Secret};
use incasso_connectors::api::{
    exact, moneybird, twinfield_sync, xero, ApiError, Known, Page, Record, SyncLedger,
};
use incasso_core::ids::CreditorId;
use incasso_core::model::{DocumentKey, DocumentStatus, Location, Source, SourceKind};
use incasso_store::{ImportTx, Store, SyncedRecord};
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
    /// Things a person should look at (suspicious empty listings).
    pub warnings: Vec<String>,
    /// The error that stopped it, if any.
    pub error: Option<String>,
}

/// Syncs every configured source (or the one named) into the store in `data_dir`.
pub fn sync(
    data_dir: &Path,
    sources: &[SourceConfig],
    only: Option<&str>,
    full: bool,
) -> Result<Vec<SourceSummary>> {
    let chosen: Vec<&SourceConfig> = sources
        .iter()
        .filter(|s| only.is_none_or(|n| n == s.name))
        .collect();
    if let Some(n) = only {
        anyhow::ensure!(!chosen.is_empty(), "no source named {n} is configured");
    }
    let store = Store::open(data_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    let mut out = Vec::new();
    for cfg in chosen {
        let mut summary = SourceSummary {
            source: cfg.name.clone(),
            ..Default::default()
        };
        let result = runtime.block_on(sync_one(&store, data_dir, cfg, full, &mut summary));
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

async fn sync_one(
    store: &Store,
    data_dir: &Path,
    cfg: &SourceConfig,
    full: bool,
    summary: &mut SourceSummary,
) -> Result<(), ApiError> {
    let creditor = store
        .creditor()
        .map_err(|e| ApiError::Ledger(e.to_string()))?;
    let missing = |what: &str| {
        ApiError::Config(format!(
            "source {}: {what} is required for {:?}",
            cfg.name, cfg.kind
        ))
    };
    /// The source's connector, ready to walk its endpoints.
    enum Connector {
        Moneybird(moneybird::Moneybird),
        Exact(exact::Exact),
        Xero(xero::Xero),
        Twinfield(twinfield_sync::Twinfield),
    }
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
    let mut ledger = StoreLedger::new(
        store,
        &namespace,
        &creditor,
        cfg.records_per_commit,
        summary,
    );
    let walked = match &connector {
        Connector::Moneybird(c) => c.sync(&mut client, &mut ledger, full).await,
        Connector::Exact(c) => c.sync(&mut client, &mut ledger, full).await,
        Connector::Xero(c) => c.sync(&mut client, &mut ledger, full).await,
        Connector::Twinfield(c) => {
            c.sync(&mut client, &mut ledger, full, Utc::now().naive_utc())
                .await
        }
    };
    // What was accepted before an error is whole pages: it is kept.
    let result = walked.and(ledger.finish());
    drop(ledger);
    let calls = client.calls;
    tracing::info!(source = %cfg.name, %namespace, requests = calls, "sync finished");
    summary.requests = calls;
    result
}

/// The store as a connector's [`SyncLedger`], for one source's state namespace.
///
/// Pages are gathered into one import transaction (each page keeps its own import record and
/// provenance) and committed, durably, once it holds `records_per_commit` records, when a document would be
/// touched twice in it, before a listing is reconciled, and at the end. Lookups see what the open
/// transaction remembered (`pending`).
struct StoreLedger<'a> {
    store: &'a Store,
    namespace: &'a str,
    creditor: &'a CreditorId,
    at: DateTime<Utc>,
    group: usize,
    seen: HashMap<&'static str, HashSet<String>>,
    tx: Option<ImportTx<'a>>,
    tx_docs: HashSet<DocumentKey>,
    tx_records: usize,
    pending: HashMap<(String, String), Option<SyncedRecord>>,
    /// Cursors set in the open transaction.
    pending_cursors: HashMap<&'static str, String>,
    summary: &'a mut SourceSummary,
}

/// Where the open items of each document are kept (key: kind and normalised number), so a
/// document that arrives after its open items still gets its open amount.
const OPEN_BY_NUMBER: &str = "open-by-number";

fn ledger_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::Ledger(format!("storing failed: {e}"))
}

/// Whether a record's version is the one stored already.
fn same_version(known: &Option<SyncedRecord>, version: &Option<String>) -> bool {
    version.is_some() && known.as_ref().and_then(|k| k.version.as_ref()) == version.as_ref()
}

impl<'a> StoreLedger<'a> {
    fn new(
        store: &'a Store,
        namespace: &'a str,
        creditor: &'a CreditorId,
        group: usize,
        summary: &'a mut SourceSummary,
    ) -> StoreLedger<'a> {
        StoreLedger {
            store,
            namespace,
            creditor,
            at: Utc::now(),
            group: group.max(1),
            seen: HashMap::new(),
            tx: None,
            tx_docs: HashSet::new(),
            tx_records: 0,
            pending: HashMap::new(),
            pending_cursors: HashMap::new(),
            summary,
        }
    }

    fn synced(&self, endpoint: &str, id: &str) -> Result<Option<SyncedRecord>, ApiError> {
        if let Some(p) = self.pending.get(&(endpoint.to_string(), id.to_string())) {
            return Ok(p.clone());
        }
        self.store
            .synced(self.namespace, endpoint, id)
            .map_err(ledger_err)
    }

    fn remember(&mut self, tx: &mut ImportTx<'_>, endpoint: &str, id: &str, r: SyncedRecord) {
        tx.remember(self.namespace, endpoint, id, &r);
        self.pending
            .insert((endpoint.to_string(), id.to_string()), Some(r));
    }

    fn forget(&mut self, tx: &mut ImportTx<'_>, endpoint: &str, id: &str) {
        tx.forget(self.namespace, endpoint, id);
        self.pending
            .insert((endpoint.to_string(), id.to_string()), None);
    }

    fn key(&self, kind: incasso_core::model::DocumentKind, number: &str) -> DocumentKey {
        DocumentKey {
            creditor: self.creditor.clone(),
            kind,
            number: incasso_core::ids::DocumentNumber::new(number)
                .map(|n| n.normalised().into_owned())
                .unwrap_or_else(|_| number.to_string()),
        }
    }

    fn begin(&self, source: &Source) -> Result<ImportTx<'a>, ApiError> {
        self.store
            .begin_import(source.clone(), self.at)
            .map_err(ledger_err)
    }

    /// The transaction, committed first when it already touched `key` (a document is written
    /// once per transaction).
    fn fresh(
        &mut self,
        tx: ImportTx<'a>,
        key: &DocumentKey,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        if !self.tx_docs.contains(key) {
            return Ok(tx);
        }
        self.commit(tx)?;
        self.begin(source)
    }

    /// Voids the document a record became (not an open item's: that only changes the open
    /// amount).
    fn void(
        &mut self,
        mut tx: ImportTx<'a>,
        record: &SyncedRecord,
        term_id: &str,
        location: Location,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        let Some((kind, number)) = &record.document else {
            return Ok(tx);
        };
        if record.open.is_some() {
            return self.apply_term(tx, *kind, number, term_id, None, location, source);
        }
        let key = self.key(*kind, number);
        tx = self.fresh(tx, &key, source)?;
        if tx.mark_void(&key, location).map_err(ledger_err)? {
            self.summary.voided += 1;
            self.tx_docs.insert(key);
        }
        Ok(tx)
    }

    /// Records one open item's amount (`None`: the item is gone) and sets the open amount of
    /// the document with that number (invoice or credit note: numbers are unique across both)
    /// to the sum of its items: paid when that is zero, unknown when no item is left. The
    /// document is written in the same transaction as the item's state, or neither is.
    #[allow(clippy::too_many_arguments)]
    fn apply_term(
        &mut self,
        mut tx: ImportTx<'a>,
        kind: incasso_core::model::DocumentKind,
        number: &str,
        term_id: &str,
        open: Option<rust_decimal::Decimal>,
        location: Location,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        use incasso_core::model::DocumentKind::{CreditNote, Invoice};
        let keys = [self.key(Invoice, number), self.key(CreditNote, number)];
        for k in &keys {
            tx = self.fresh(tx, k, source)?;
        }
        let slot = keys[0].number.clone();
        let mut terms = self
            .synced(OPEN_BY_NUMBER, &slot)?
            .map(|r| r.terms)
            .unwrap_or_default();
        terms.retain(|(id, _)| id != term_id);
        if let Some(o) = open {
            terms.push((term_id.to_string(), o));
        }
        let mut total = rust_decimal::Decimal::ZERO;
        for (id, o) in &terms {
            total = total.checked_add(*o).ok_or_else(|| {
                ApiError::Ledger(format!("open items of {number} overflow at item {id}"))
            })?;
        }
        let open_now = (!terms.is_empty()).then_some(total);
        self.remember(
            &mut tx,
            OPEN_BY_NUMBER,
            &slot,
            SyncedRecord {
                version: None,
                document: Some((kind, number.to_string())),
                debtor: None,
                open: open_now,
                terms,
                alias: None,
            },
        );
        for key in keys {
            let Some(mut doc) = tx.current(&key).map_err(ledger_err)? else {
                continue;
            };
            let before = (doc.source_open, doc.status);
            doc.source_open = open_now;
            match (open_now, doc.status) {
                (
                    Some(t),
                    DocumentStatus::Open
                    | DocumentStatus::Disputed
                    | DocumentStatus::PaymentPending,
                ) if t.is_zero() => doc.status = DocumentStatus::Paid,
                (Some(t), DocumentStatus::Paid) if !t.is_zero() => {
                    doc.status = DocumentStatus::Open
                }
                _ => {}
            }
            if (doc.source_open, doc.status) != before {
                tx.add_document(&doc, location.clone())
                    .map_err(ledger_err)?;
                self.tx_docs.insert(key);
            }
        }
        Ok(tx)
    }

    /// Stores one page into the open transaction (see [`SyncLedger::accept`]).
    fn accept_page(&mut self, page: Page) -> Result<(), ApiError> {
        let endpoint = page.endpoint;
        let source: &Source = &page.source;
        let mut tx = match self.tx.take() {
            Some(mut tx) => {
                tx.next_source(source.clone()).map_err(ledger_err)?;
                tx
            }
            None => self.begin(source)?,
        };
        for rec in page.records {
            self.tx_records += 1;
            if !matches!(rec, Record::Deleted { .. } | Record::Payment { .. }) {
                if let Some(listed) = self.seen.get_mut(endpoint) {
                    listed.insert(rec.id().to_string());
                }
            }
            match rec {
                Record::Document {
                    id,
                    version,
                    mut document,
                    location,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    if document.source_open.is_none() {
                        let slot = document.key().number;
                        if let Some(open) = self.synced(OPEN_BY_NUMBER, &slot)?.and_then(|r| r.open)
                        {
                            document.source_open = Some(open);
                            if open.is_zero() && document.status == DocumentStatus::Open {
                                document.status = DocumentStatus::Paid;
                            }
                        }
                    }
                    let key = document.key();
                    if let Some(old) = known.as_ref().filter(|k| {
                        k.document
                            .as_ref()
                            .is_some_and(|(kind, n)| self.key(*kind, n) != key)
                    }) {
                        // Renumbered upstream: the old number no longer exists there.
                        let old = old.clone();
                        let at = Location::ApiRecord(format!(
                            "{endpoint}/{id} renumbered to {}",
                            document.number
                        ));
                        tx = self.void(tx, &old, &id, at, source)?;
                    }
                    tx = self.fresh(tx, &key, source)?;
                    // The same rule as a merge with a file's version: a dispute recorded
                    // there stays until the API says paid or void.
                    if let Some(stored) = tx.current(&key).map_err(ledger_err)? {
                        document.status =
                            incasso_core::sources::live_status(stored.status, document.status);
                    }
                    tx.add_document(&document, location).map_err(ledger_err)?;
                    self.tx_docs.insert(key);
                    let record = SyncedRecord {
                        version,
                        document: Some((document.kind, document.number.to_string())),
                        debtor: Some(document.debtor.to_string()),
                        open: None,
                        terms: Vec::new(),
                        alias: None,
                    };
                    if known.as_ref() != Some(&record) {
                        self.remember(&mut tx, endpoint, &id, record);
                    }
                }
                Record::Debtor {
                    id,
                    version,
                    debtor,
                    alias,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    if let Some(a) = alias
                        .as_ref()
                        .filter(|a| known.as_ref().and_then(|k| k.alias.as_ref()) != Some(*a))
                    {
                        tracing::info!(contact = %id, debtor = %debtor.id, number = %a, "the contact has a new number; the debtor keeps its id and the number is its alias");
                    }
                    tx.add_debtor(&debtor);
                    let record = SyncedRecord {
                        version,
                        document: None,
                        debtor: Some(debtor.id.to_string()),
                        open: None,
                        terms: Vec::new(),
                        alias,
                    };
                    self.remember(&mut tx, endpoint, &id, record);
                }
                Record::Payment { id, payment } => {
                    let fingerprint =
                        incasso_connectors::api::payment_fingerprint(self.namespace, &id);
                    tx.add_payment(payment, fingerprint).map_err(ledger_err)?;
                }
                Record::Skipped {
                    id,
                    version,
                    reason,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    self.summary.skipped += 1;
                    if let Some(k) = &known {
                        let at = Location::ApiRecord(format!("{endpoint}/{id} is now {reason}"));
                        tx = self.void(tx, k, &id, at, source)?;
                    }
                    let record = SyncedRecord {
                        version,
                        document: None,
                        debtor: None,
                        open: None,
                        terms: Vec::new(),
                        alias: None,
                    };
                    self.remember(&mut tx, endpoint, &id, record);
                }
                Record::OpenAmount {
                    id,
                    version,
                    number,
                    kind,
                    open,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    let at = Location::ApiRecord(format!("{endpoint}/{id}"));
                    if let Some((old_kind, old_number)) =
                        known.as_ref().and_then(|k| k.document.clone())
                    {
                        if self.key(old_kind, &old_number).number != self.key(kind, &number).number
                        {
                            // The item moved to another invoice: it no longer counts for the old.
                            tx = self.apply_term(
                                tx,
                                old_kind,
                                &old_number,
                                &id,
                                None,
                                at.clone(),
                                source,
                            )?;
                        }
                    }
                    tx = self.apply_term(tx, kind, &number, &id, Some(open), at, source)?;
                    let record = SyncedRecord {
                        version,
                        document: Some((kind, number.clone())),
                        debtor: None,
                        open: Some(open),
                        terms: Vec::new(),
                        alias: None,
                    };
                    self.remember(&mut tx, endpoint, &id, record);
                }
                Record::Deleted { endpoint: of, id } => {
                    let Some(known) = self.synced(of, &id)? else {
                        continue;
                    };
                    let at = Location::ApiRecord(format!("{of}/{id} deleted upstream"));
                    tx = self.void(tx, &known, &id, at, source)?;
                    self.forget(&mut tx, of, &id);
                }
            }
        }
        if let Some(c) = &page.cursor {
            if self.cursor(endpoint)?.as_deref() != Some(c.as_str()) {
                tx.set_cursor(self.namespace, endpoint, c);
                self.pending_cursors.insert(endpoint, c.clone());
            }
        }
        if self.tx_records >= self.group {
            self.commit(tx)
        } else {
            self.tx = Some(tx);
            Ok(())
        }
    }

    fn commit(&mut self, tx: ImportTx<'_>) -> Result<(), ApiError> {
        self.tx_docs.clear();
        self.tx_records = 0;
        if tx.is_empty() && self.pending.is_empty() && self.pending_cursors.is_empty() {
            // Everything was stored as it is already (a --full re-read): write no import.
            return Ok(());
        }
        // Gone whether the commit succeeds (then the store has them) or fails (then nobody does).
        self.pending.clear();
        self.pending_cursors.clear();
        let s = tx.commit().map_err(ledger_err)?;
        for r in s.earlier.iter().chain(std::iter::once(&s.record)) {
            self.summary.documents_new += r.new;
            self.summary.documents_changed += r.changed + r.merged;
            self.summary.payments += r.payments_new;
            self.summary.pages += 1;
        }
        self.summary.debtors += s.debtors_new + s.debtors_updated;
        Ok(())
    }

    /// Commits what the open transaction holds.
    fn finish(&mut self) -> Result<(), ApiError> {
        match self.tx.take() {
            Some(tx) => self.commit(tx),
            None => Ok(()),
        }
    }
}

impl SyncLedger for StoreLedger<'_> {
    fn cursor(&self, endpoint: &str) -> Result<Option<String>, ApiError> {
        if let Some(c) = self.pending_cursors.get(endpoint) {
            return Ok(Some(c.clone()));
        }
        self.store
            .sync_cursor(self.namespace, endpoint)
            .map_err(ledger_err)
    }

    fn known(&self, endpoint: &str, id: &str) -> Result<Option<Known>, ApiError> {
        Ok(self.synced(endpoint, id)?.map(|r| Known {
            version: r.version,
            debtor: r.debtor,
            number: r.document.map(|(_, n)| n),
        }))
    }

    fn known_versions(&self, endpoint: &str) -> Result<Vec<(String, Option<String>)>, ApiError> {
        let mut all: HashMap<String, Option<String>> = self
            .store
            .synced_all(self.namespace, endpoint)
            .map_err(ledger_err)?
            .into_iter()
            .map(|(id, r)| (id, r.version))
            .collect();
        for ((e, id), r) in &self.pending {
            if e == endpoint {
                match r {
                    Some(r) => all.insert(id.clone(), r.version.clone()),
                    None => all.remove(id),
                };
            }
        }
        Ok(all.into_iter().collect())
    }

    fn accept(&mut self, page: Page) -> Result<(), ApiError> {
        let r = self.accept_page(page);
        if r.is_err() {
            // The open transaction is gone with the error: so is what it remembered.
            self.tx = None;
            self.pending.clear();
            self.pending_cursors.clear();
            self.tx_docs.clear();
            self.tx_records = 0;
        }
        r
    }

    fn warn(&mut self, message: String) {
        tracing::warn!(source = %self.summary.source, "{message}");
        self.summary.warnings.push(message);
    }

    fn listing_begins(&mut self, endpoint: &'static str) {
        self.seen.insert(endpoint, HashSet::new());
    }

    fn seen(&mut self, endpoint: &'static str, ids: &mut dyn Iterator<Item = &str>) {
        let set = self.seen.entry(endpoint).or_default();
        for id in ids {
            set.insert(id.to_string());
        }
    }

    fn listing_complete(&mut self, endpoint: &'static str) -> Result<(), ApiError> {
        self.finish()?;
        let Some(seen) = self.seen.remove(endpoint) else {
            return Err(ApiError::Ledger(format!(
                "{endpoint}: a listing was completed that never began; nothing deleted"
            )));
        };
        let known = self
            .store
            .synced_all(self.namespace, endpoint)
            .map_err(ledger_err)?;
        if seen.is_empty() && !known.is_empty() {
            let w = format!(
                "{endpoint}: the API listed no records, but {} were synced before; suspicious (a wrong administration, or an empty answer by mistake), so nothing was deleted",
                known.len()
            );
            self.warn(w);
            return Ok(());
        }
        let gone: Vec<(String, SyncedRecord)> = known
            .into_iter()
            .filter(|(id, _)| !seen.contains(id))
            .collect();
        if gone.is_empty() {
            return Ok(());
        }
        let mut h = blake3::Hasher::new();
        h.update(self.namespace.as_bytes());
        h.update(endpoint.as_bytes());
        h.update(self.at.to_rfc3339().as_bytes());
        for (id, _) in &gone {
            h.update(id.as_bytes());
        }
        let source = Source {
            kind: SourceKind::Api,
            name: format!(
                "{} {endpoint}: missing from the complete listing",
                self.summary.source
            ),
            content_hash: h.finalize().to_hex().to_string(),
        };
        let mut tx = self.begin(&source)?;
        for (id, rec) in &gone {
            let at = Location::ApiRecord(format!("{endpoint}/{id} deleted upstream"));
            tx = self.void(tx, rec, id, at, &source)?;
            self.forget(&mut tx, endpoint, id);
        }
        tracing::info!(endpoint, deleted = gone.len(), "records deleted upstream");
        self.commit(tx)
    }
}

/// Prints the summaries: one line per source, or JSON.
pub fn print(summaries: &[SourceSummary], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(summaries)?);
        return Ok(());
    }
    for s in summaries {
        println!(
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
        );
        for w in &s.warnings {
            println!("  warning: {w}");
        }
        if let Some(e) = &s.error {
            println!("  error: {e}");
        }
    }
    Ok(())
}
