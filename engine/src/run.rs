//! The nightly job (`incasso run --config incasso.toml`): sync, inbox, reconcile and age,
//! claims, submission, report, in that order, under one lock so runs never overlap; a typed
//! summary for monitoring, and the run in the store's audit log.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use fs2::FileExt;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::reconciled::Reconciled;
use crate::sync::SourceSummary;
use crate::{claims::Computed, complain, Reporter, Workspace};

/// The nightly job's configuration: one administration's settings, or `[[administration]]`
/// entries (an accounting firm running the books of many companies, one data directory each).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The administration's data directory (else `--data-dir`).
    pub data_dir: Option<PathBuf>,
    /// The inbox bookkeepers drop files into.
    pub inbox: Option<PathBuf>,
    /// Where to write the HTML report.
    pub report: Option<PathBuf>,
    /// Where to write the JSON summary (it also goes to stdout).
    pub summary: Option<PathBuf>,
    /// Send qualifying claims to the agency (needs `agency.toml`).
    #[serde(default)]
    pub submit: bool,
    /// The date claims are computed for (default: the run's date).
    pub claims_as_of: Option<NaiveDate>,
    /// Milliseconds an inbox file must stay unchanged before it counts as written.
    #[serde(default = "default_settle")]
    pub settle_ms: u64,
    /// Accounting APIs to sync first (`[[source]]`, see `incasso sync`).
    #[serde(default)]
    pub source: Vec<crate::sync::SourceConfig>,
    /// Many administrations, each run on its own; one failing does not stop the others.
    #[serde(default)]
    pub administration: Vec<Administration>,
    /// Administrations run at the same time (1 to 4; default 1, one after another).
    pub parallel: Option<usize>,
}

/// One administration of a many-administration run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Administration {
    /// A name for the summary (the client company).
    pub name: String,
    /// Its data directory (one per administration).
    pub data_dir: PathBuf,
    /// Its inbox.
    pub inbox: Option<PathBuf>,
    /// Its HTML report (default: DATA_DIR/report.html).
    pub report: Option<PathBuf>,
    /// Send its qualifying claims to the agency.
    #[serde(default)]
    pub submit: bool,
    /// The date its claims are computed for.
    pub claims_as_of: Option<NaiveDate>,
    /// Milliseconds an inbox file must stay unchanged.
    #[serde(default = "default_settle")]
    pub settle_ms: u64,
    /// Its accounting APIs.
    #[serde(default)]
    pub source: Vec<crate::sync::SourceConfig>,
}

fn default_settle() -> u64 {
    2000
}

/// What the last run saw, so a run with nothing new skips the work (`run-state.json`).
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct LastRun {
    marker: String,
    claims_as_of: NaiveDate,
    report: PathBuf,
}

/// The run's warning of `n` open conflicts.
fn conflicts_wait(n: usize) -> String {
    format!(
        "{n} conflict(s) wait for a person (`incasso conflicts`): until resolved the stored \
         version stands in every listing, and no document of theirs is claimed"
    )
}

/// The files that wait in the inbox's `quarantine/` for a person (their notes not counted), by
/// name.
fn quarantined_files(inbox: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(inbox.join("quarantine"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".error.txt"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn marker(ws: &Workspace) -> Result<(String, bool)> {
    let store = ws.store()?;
    Ok((store.change_marker()?, store.has_in_flight()?))
}

/// One step of the run, for the summary.
#[derive(Debug, Serialize)]
pub struct Step {
    /// sync, inbox, unchanged, reconcile, submit or report.
    pub name: &'static str,
    /// How long it took.
    pub seconds: f64,
    /// Whether it did all its work.
    pub ok: bool,
    /// What it did.
    pub detail: StepDetail,
}

/// What a step did (serialised without a tag: each shape is its own).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum StepDetail {
    /// Why the step had nothing to do.
    Note {
        /// The reason.
        note: String,
    },
    /// Why the step failed.
    Error {
        /// The error, with its causes.
        error: String,
    },
    /// Each source's sync.
    Sync(Vec<SourceSummary>),
    /// The inbox pass.
    Inbox {
        /// Files imported.
        imported: Vec<String>,
        /// Files whose bytes were imported before.
        seen_before: Vec<String>,
        /// Files refused, with the reason.
        quarantined: Vec<Quarantined>,
        /// Files left for the next pass.
        still_being_written: Vec<String>,
    },
    /// The reconciliation and claims.
    Reconcile {
        /// Documents in the ledger.
        documents: usize,
        /// Bank lines that can pay a document.
        payments_in: usize,
        /// Claims that qualify, or why they could not be computed.
        claims: Result<usize, String>,
        /// Distinct reasons claims wait for a rate table.
        held_for_unknown_rates: usize,
    },
    /// What the agency reported back.
    AgencyStatus(crate::submit::status::Refreshed),
    /// The submission.
    Submit(crate::submit::Tally),
    /// The report.
    Report(Box<ReportStep>),
}

/// A file the inbox refused.
#[derive(Debug, Serialize)]
pub struct Quarantined {
    /// Its name.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// What the report step wrote.
#[derive(Debug, Serialize)]
pub struct ReportStep {
    /// The HTML file.
    pub file: String,
    /// Open amount per currency.
    pub open: BTreeMap<String, Decimal>,
    /// Open items.
    pub open_items: usize,
    /// Money received and not applied.
    pub money_not_applied: NotApplied,
    /// Matches waiting in review.
    pub in_review: usize,
    /// Claims that qualify.
    pub claims: ReportClaims,
    /// Submission states and counts.
    pub submitted: BTreeMap<&'static str, usize>,
    /// Open conflicts.
    pub conflicts: usize,
    /// Files in quarantine.
    pub quarantined: Vec<String>,
}

/// Money received and not applied: lines, and amount per currency.
#[derive(Debug, Serialize)]
pub struct NotApplied {
    /// Bank lines.
    pub lines: usize,
    /// Amount per currency.
    pub amounts: BTreeMap<String, Decimal>,
}

/// The report's claims: how many and their totals, or why they could not be computed.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ReportClaims {
    /// Claims ready.
    Ready {
        /// How many.
        qualifying: usize,
        /// Total per currency.
        totals: BTreeMap<String, Decimal>,
    },
    /// Why there are none to show.
    Failed {
        /// The error.
        error: String,
    },
}

/// What one administration's run did (or why it did nothing).
#[derive(Debug, Serialize)]
pub struct RunSummary {
    /// The administration's name, in a many-administration run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administration: Option<String>,
    /// How it ended.
    pub status: RunStatus,
    /// Its data directory.
    pub data_dir: String,
    /// Why it did nothing (busy, or it could not start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The run itself, when it ran.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub ran: Option<Ran>,
}

/// The steps of a run that ran.
#[derive(Debug, Serialize)]
pub struct Ran {
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// The date claims were computed for.
    pub claims_as_of: NaiveDate,
    /// Each step.
    pub steps: Vec<Step>,
    /// What a person should look at.
    pub warnings: Vec<String>,
}

/// The summary of a many-administration run.
#[derive(Debug, Serialize)]
pub struct ManySummary {
    /// The overall status.
    pub status: RunStatus,
    /// When it started.
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// How many administrations.
    pub administrations: usize,
    /// How many succeeded.
    pub succeeded: usize,
    /// How many were partial.
    pub partial: usize,
    /// How many failed or were busy.
    pub failed: usize,
    /// Each administration's run.
    pub runs: Vec<RunSummary>,
}

/// What `incasso run` did: one administration, or many.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum RunOutcome {
    /// One administration.
    One(RunSummary),
    /// Many administrations.
    Many(ManySummary),
}

impl RunOutcome {
    /// How the run ended overall.
    pub fn status(&self) -> RunStatus {
        match self {
            RunOutcome::One(s) => s.status,
            RunOutcome::Many(m) => m.status,
        }
    }

    /// The summary as pretty JSON, with every secret read redacted.
    pub fn to_json(&self) -> Result<String> {
        Ok(
            incasso_connectors::api::secret::redact(&serde_json::to_string_pretty(self)?)
                .into_owned(),
        )
    }
}

/// How a run of one administration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every step did its work.
    Success,
    /// Some steps did not (files quarantined, claims held or not sent).
    Partial,
    /// A step failed.
    Failure,
    /// Another run holds the administration: nothing was done.
    Busy,
}

impl RunStatus {
    /// The status as the summary and the audit log write it.
    pub fn word(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failure => "failure",
            RunStatus::Busy => "busy",
        }
    }
}

/// Writes a summary (it may quote an upstream's words: only its owner reads it).
fn write_summary(p: &Path, text: &str) -> Result<()> {
    incasso_connectors::write::create_private(p)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .with_context(|| format!("writing {}", p.display()))
}

/// Runs the nightly job: one administration, or each of the configured administrations; the
/// summary is also written where the configuration says.
pub fn run(
    config: &Path,
    data_dir_flag: &Path,
    policy_file: Option<&Path>,
    today: NaiveDate,
    rep: &dyn Reporter,
) -> Result<RunOutcome> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let cfg: RunConfig = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", config.display(), e.to_string().trim()))?;
    let outcome = if cfg.administration.is_empty() {
        // The same rule as `sync`'s (`sync::job_data_dir`): the file's data_dir, else the flag.
        let one = Administration {
            name: String::new(),
            data_dir: cfg
                .data_dir
                .clone()
                .unwrap_or_else(|| data_dir_flag.to_path_buf()),
            inbox: cfg.inbox.clone(),
            report: cfg.report.clone(),
            submit: cfg.submit,
            claims_as_of: cfg.claims_as_of,
            settle_ms: cfg.settle_ms,
            source: cfg.source.clone(),
        };
        RunOutcome::One(run_one(&one, policy_file, today, rep)?)
    } else {
        RunOutcome::Many(run_many(config, &cfg, policy_file, today, rep)?)
    };
    if let Some(p) = &cfg.summary {
        write_summary(p, &outcome.to_json()?)?;
    }
    Ok(outcome)
}

/// Runs each administration of the configuration, up to four at a time.
fn run_many(
    config: &Path,
    cfg: &RunConfig,
    policy_file: Option<&Path>,
    today: NaiveDate,
    rep: &dyn Reporter,
) -> Result<ManySummary> {
    anyhow::ensure!(
        cfg.data_dir.is_none() && cfg.inbox.is_none() && cfg.report.is_none() && cfg.source.is_empty(),
        "{}: with [[administration]] entries, data_dir, inbox, report and [[source]] belong inside each administration",
        config.display()
    );
    let mut names = std::collections::HashSet::new();
    let mut dirs = std::collections::HashSet::new();
    for a in &cfg.administration {
        anyhow::ensure!(
            names.insert(a.name.as_str()),
            "{}: two administrations are named {}",
            config.display(),
            a.name
        );
        anyhow::ensure!(
            dirs.insert(a.data_dir.as_path()),
            "{}: administrations {} and another share the data directory {}",
            config.display(),
            a.name,
            a.data_dir.display()
        );
    }
    let parallel = cfg.parallel.unwrap_or(1).clamp(1, 4);
    let started_at = Utc::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, RunSummary)>> = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(cfg.administration.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(a) = cfg.administration.get(i) else {
                    return;
                };
                // One administration's failure (an expired token, a broken store) is its own.
                let mut summary =
                    run_one(a, policy_file, today, rep).unwrap_or_else(|e| RunSummary {
                        administration: None,
                        status: RunStatus::Failure,
                        data_dir: a.data_dir.display().to_string(),
                        error: Some(format!("{e:#}")),
                        ran: None,
                    });
                summary.administration = Some(a.name.clone());
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((i, summary));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let runs: Vec<RunSummary> = results.into_iter().map(|(_, s)| s).collect();
    let count = |f: &dyn Fn(RunStatus) -> bool| runs.iter().filter(|r| f(r.status)).count();
    let failed = count(&|s| matches!(s, RunStatus::Failure | RunStatus::Busy));
    let succeeded = count(&|s| s == RunStatus::Success);
    let status = if succeeded == runs.len() {
        RunStatus::Success
    } else if failed == runs.len() {
        RunStatus::Failure
    } else {
        RunStatus::Partial
    };
    Ok(ManySummary {
        status,
        started_at: started_at.to_rfc3339(),
        finished_at: Utc::now().to_rfc3339(),
        administrations: runs.len(),
        succeeded,
        partial: count(&|s| s == RunStatus::Partial),
        failed,
        runs,
    })
}

/// The steps of one run, as they are taken.
#[derive(Default)]
struct Steps {
    steps: Vec<Step>,
    partial: bool,
    failed: bool,
}

impl Steps {
    /// Takes one step: its time, whether it did all its work, and what it did (or its error).
    fn take(&mut self, name: &'static str, f: impl FnOnce() -> Result<(bool, StepDetail)>) {
        let t = Instant::now();
        let (ok, detail) = f().unwrap_or_else(|e| {
            self.failed = true;
            (
                false,
                StepDetail::Error {
                    error: format!("{e:#}"),
                },
            )
        });
        self.partial |= !ok;
        self.steps.push(Step {
            name,
            seconds: t.elapsed().as_secs_f64(),
            ok,
            detail,
        });
    }
}

/// Runs the nightly job for one administration under the policy file given (`--policy`), else
/// its own `policy.toml`; its summary, recorded in its audit log.
fn run_one(
    cfg: &Administration,
    policy_file: Option<&Path>,
    today: NaiveDate,
    rep: &dyn Reporter,
) -> Result<RunSummary> {
    let data_dir = cfg.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let lock_path = data_dir.join("run.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening {}", lock_path.display()))?;
    if lock.try_lock_exclusive().is_err() {
        complain!(
            rep,
            "error: another incasso run holds {}; this run does nothing",
            lock_path.display()
        );
        return Ok(RunSummary {
            administration: None,
            status: RunStatus::Busy,
            data_dir: data_dir.display().to_string(),
            error: Some(format!("another incasso run holds {}", lock_path.display())),
            ran: None,
        });
    }
    let started_at = Utc::now();
    let claims_as_of = cfg.claims_as_of.unwrap_or(today);
    let mut steps = Steps::default();
    let mut warnings: Vec<String> = Vec::new();
    let mut ws = Workspace::new(&data_dir, policy_file.map(Path::to_path_buf));

    // A sync that failed or stopped half-way leaves the ledger behind the books: an invoice paid
    // or voided there would look open here, so nothing goes to the agency in this run.
    let mut sync_complete = true;
    // Claims held for a person: the run warns, and the next does the work again to say so.
    let mut for_a_person = 0;
    steps.take("sync", || {
        if cfg.source.is_empty() {
            return Ok((
                true,
                StepDetail::Note {
                    note: "no API sources are configured".into(),
                },
            ));
        }
        sync_complete = false;
        let summaries = crate::sync::sync(&ws, &cfg.source, None, &Default::default())?;
        for s in &summaries {
            warnings.extend(s.warnings.iter().map(|w| format!("{}: {w}", s.source)));
            if let Some(e) = &s.error {
                warnings.push(format!("{}: sync failed: {e}", s.source));
            }
        }
        sync_complete = summaries.iter().all(|s| s.ok);
        if !sync_complete {
            warnings.push(
                "claims are not submitted: the books may have changed upstream since the last complete sync".into(),
            );
        }
        Ok((sync_complete, StepDetail::Sync(summaries)))
    });
    // A file of the inbox that could not be read may be the statement that shows an invoice
    // paid, or the credit note that cancels it: as with a failed sync, nothing is submitted.
    let mut inbox_read = true;
    if let Some(inbox) = &cfg.inbox {
        steps.take("inbox", || {
            inbox_read = false;
            let p = crate::inbox::pass(&ws, inbox, Duration::from_millis(cfg.settle_ms), rep)?;
            // Also a file quarantined on an earlier night that nobody has handled yet, and one
            // still being written: what they say is not in the ledger either.
            let in_quarantine = quarantined_files(inbox);
            inbox_read =
                p.quarantined.is_empty() && p.waiting.is_empty() && in_quarantine.is_empty();
            if !in_quarantine.is_empty() {
                // Said every night, so a cron job's reader learns why the run is partial.
                let shown: Vec<&str> = in_quarantine.iter().take(5).map(String::as_str).collect();
                warnings.push(format!(
                    "{} file(s) wait in {} ({}{}): what they say is not in the ledger; correct \
                     each as its .error.txt says and drop it in the inbox again, then move the \
                     quarantined one out (what it says is read only from the corrected file)",
                    in_quarantine.len(),
                    inbox.join("quarantine").display(),
                    shown.join(", "),
                    if in_quarantine.len() > shown.len() { ", ..." } else { "" }
                ));
            }
            if !inbox_read && cfg.submit {
                warnings.push(format!(
                    "claims are not submitted (withdrawals are): {} file(s) of the inbox are quarantined and {} still being written; what they say (a payment, a credit note) is not in the ledger",
                    in_quarantine.len().max(p.quarantined.len()),
                    p.waiting.len()
                ));
            }
            Ok((
                inbox_read,
                StepDetail::Inbox {
                    imported: p.imported,
                    seen_before: p.repeated,
                    quarantined: p
                        .quarantined
                        .into_iter()
                        .map(|(file, reason)| Quarantined { file, reason })
                        .collect(),
                    still_being_written: p.waiting,
                },
            ))
        });
    }
    // What the agency did with earlier claims (statuses, amounts it collected) is booked before
    // anything is worked out, so a debtor who paid the agency is not claimed or chased again.
    // It runs where the submission runs (the same agency, the same credentials).
    // Without it, an update could add items to a claim the agency closed as paid, or leave out
    // what the agency collected: nothing is submitted when it could not be read.
    let mut status_read = true;
    if cfg.submit && sync_complete {
        status_read = false;
        steps.take("agency-status", || {
            let r = crate::submit::status::refresh(&ws, None, None, rep)?;
            status_read = true;
            warnings.extend(r.held.iter().cloned());
            Ok((r.held.is_empty(), StepDetail::AgencyStatus(r)))
        });
        if !status_read {
            warnings.push(
                "claims are not submitted: what the agency did with earlier claims could not be read".into(),
            );
        }
    }
    let submit_now = cfg.submit && sync_complete && inbox_read && status_read;
    // A file of the inbox not read may make a debt owed again or not; what the books no longer
    // claim is taken back from the agency all the same (review 42d, A3: a claim paid since
    // stayed at the agency for as long as another file waited in quarantine).
    let withdraw_only = cfg.submit && sync_complete && !inbox_read && status_read;
    let report = cfg
        .report
        .clone()
        .unwrap_or_else(|| data_dir.join("report.html"));
    let state_file = data_dir.join("run-state.json");
    let last: Option<LastRun> = std::fs::read(&state_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    // When the store cannot tell, do the work: the steps report what is wrong.
    let (now_marker, in_flight) = marker(&ws).unwrap_or_else(|e| {
        warnings.push(format!("the store could not say what changed: {e:#}"));
        (String::new(), true)
    });
    let unchanged = !in_flight
        && report.exists()
        && last.as_ref().is_some_and(|l| {
            l.marker == now_marker && l.claims_as_of == claims_as_of && l.report == report
        });
    if unchanged {
        // Nothing changed, but a conflict still waits for a person: the run says so every night.
        let open_conflicts = ws
            .store()
            .and_then(|st| Ok(st.conflicts()?))
            .map(|c| {
                c.iter()
                    .filter(|c| c.status == incasso_store::ConflictStatus::Open)
                    .count()
            })
            .unwrap_or(0);
        if open_conflicts > 0 {
            warnings.push(conflicts_wait(open_conflicts));
        }
        steps.take("unchanged", || {
            Ok((
                open_conflicts == 0,
                StepDetail::Note {
                    note:
                        "nothing changed since the last run: no claims to send, the report stands"
                            .into(),
                },
            ))
        });
    } else {
        // One reconciliation serves the submission and the report.
        let mut ledger: Option<(Reconciled, Result<Computed, String>)> = None;
        let (mut to_keep, mut keeping) = (None, None);
        steps.take("reconcile", || {
            let (r, k) =
                crate::reconciled::inputs(ws.store()?, claims_as_of, &ws.policy()?.matching)?
                    .work()
                    .keep_later();
            keeping = k;
            let computed = crate::kept_claims::kept_or_work_out(&ws, r.view(), claims_as_of, None)
                .map(|(p, k)| {
                    to_keep = k;
                    p
                })
                .and_then(|preview| {
                    Ok(if cfg.submit {
                        let sent = ws.store()?.submissions()?;
                        crate::claims::with_received_of(&r, preview, &sent)
                    } else {
                        crate::claims::Computed::without_received(preview)
                    })
                })
                .map_err(|e| format!("{e:#}"));
            // Claims that need a rate no table covers are held; the run says which and goes on.
            let mut held_for_rates = std::collections::BTreeSet::new();
            if let Ok(c) = &computed {
                for e in c
                    .preview
                    .excluded
                    .iter()
                    .filter(|e| e.rule == "rate-unknown")
                {
                    held_for_rates.insert(e.reason.clone());
                }
            }
            warnings.extend(held_for_rates.iter().cloned());
            let detail = StepDetail::Reconcile {
                documents: r.docs.len(),
                payments_in: r.payments.len(),
                claims: computed
                    .as_ref()
                    .map(|c| c.preview.claims.len())
                    .map_err(|e| e.clone()),
                held_for_unknown_rates: held_for_rates.len(),
            };
            ledger = Some((r, computed));
            Ok((held_for_rates.is_empty(), detail))
        });
        if let Some((r, computed)) = &ledger {
            // The reconciliation and the claims are kept for the next read on other threads
            // while the claims are sent and reported: sending waits on the agency most of the
            // time (docs/performance-history.md, session 22). The run ends when they are kept.
            std::thread::scope(|scope| {
                if let (Some(k), Ok(store)) = (&keeping, ws.store()) {
                    scope.spawn(move || k.keep(r, store));
                }
                if let (Some(k), Ok(c)) = (&to_keep, computed) {
                    k.keep_beside(scope, &ws, &c.preview);
                }
                if submit_now || withdraw_only {
                    steps.take("submit", || {
                        let computed = computed
                            .as_ref()
                            .map_err(|e| anyhow::anyhow!("claims could not be computed: {e}"))?;
                        let sent = crate::submit::send_computed(
                            &crate::submit::Options {
                                ws: &ws,
                                as_of: claims_as_of,
                                dry_run: false,
                                agency: None,
                                rates: None,
                                auth: None,
                                withdrawals_only: withdraw_only,
                            },
                            Some(computed),
                            rep,
                        )?;
                        if sent.tally.for_a_person > 0 {
                            for_a_person = sent.tally.for_a_person;
                            warnings.push(format!(
                                "{} claim(s) held for a person: taken over from the agency's change feed, the books claim more than the agency holds (see the submit step; `incasso submissions --release CLAIM` once the books are right)",
                                sent.tally.for_a_person
                            ));
                        }
                        Ok((sent.clean(), StepDetail::Submit(sent.tally)))
                    });
                }
                steps.take("report", || {
                    let shown = computed
                        .as_ref()
                        .map(|c| crate::report::ClaimsShown::of(&c.preview))
                        .map_err(|e| e.clone());
                    let f = crate::report::write_from(
                        &ws,
                        claims_as_of,
                        &report,
                        cfg.inbox.as_deref(),
                        r.view(),
                        shown.as_ref().map_err(|e| e.clone()),
                    )?;
                    let claims = match f.claims_ready {
                        Ok((qualifying, totals)) => ReportClaims::Ready { qualifying, totals },
                        Err(error) => {
                            warnings.push(
                                "claims could not be computed for the report (see its detail)"
                                    .into(),
                            );
                            ReportClaims::Failed { error }
                        }
                    };
                    // Until a person chooses, a conflict's stored version stands and its
                    // document is held from the claims. The run says so rather than succeed
                    // quietly.
                    if f.conflicts > 0 {
                        warnings.push(conflicts_wait(f.conflicts));
                    }
                    Ok((
                        f.conflicts == 0,
                        StepDetail::Report(Box::new(ReportStep {
                            file: report.display().to_string(),
                            open: f.open,
                            open_items: f.items,
                            money_not_applied: NotApplied {
                                lines: f.unmatched.0,
                                amounts: f.unmatched.1,
                            },
                            in_review: f.review,
                            claims,
                            submitted: f.submitted,
                            conflicts: f.conflicts,
                            quarantined: f.quarantined,
                        })),
                    ))
                });
            });
        }
    }
    let status = if steps.failed {
        RunStatus::Failure
    } else if steps.partial {
        RunStatus::Partial
    } else {
        RunStatus::Success
    };
    let summary = RunSummary {
        administration: None,
        status,
        data_dir: data_dir.display().to_string(),
        error: None,
        ran: Some(Ran {
            started_at: started_at.to_rfc3339(),
            finished_at: Utc::now().to_rfc3339(),
            claims_as_of,
            steps: steps.steps,
            warnings,
        }),
    };
    let redact = incasso_connectors::api::secret::redact;
    match ws.store() {
        Ok(store) => {
            let line = redact(&serde_json::to_string(&summary)?).into_owned();
            store.record_event("run", status.word(), &line, Utc::now())?;
            let state = LastRun {
                marker: store.change_marker()?,
                claims_as_of,
                report: report.clone(),
            };
            ws.close();
            // A run that held its submission back (a sync, an inbox file or the agency's
            // statuses not read) leaves no mark: the next one does the work and submits, even
            // when nothing in the store changed meanwhile.
            if status != RunStatus::Failure && submit_now == cfg.submit && for_a_person == 0 {
                std::fs::write(&state_file, serde_json::to_vec(&state)?)
                    .with_context(|| format!("writing {}", state_file.display()))?;
            } else if submit_now != cfg.submit || for_a_person > 0 {
                let _ = std::fs::remove_file(&state_file);
            }
        }
        Err(e) => complain!(rep, "error: recording the run in the audit log: {e:#}"),
    }
    Ok(summary)
}
