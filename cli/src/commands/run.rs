//! `incasso run --config incasso.toml`: the nightly job. Inbox, reconcile and age, claims,
//! submission, report, in that order, under one lock so runs never overlap; a JSON summary for
//! monitoring, and the run in the store's audit log.
//!
//! Exit codes: 0 success, 1 partial (files quarantined, claims rejected or not sent), 3 failure
//! (a step failed, or another run holds the lock).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

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
    pub source: Vec<super::sync::SourceConfig>,
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
    pub source: Vec<super::sync::SourceConfig>,
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

fn marker(data_dir: &Path) -> Result<(String, bool)> {
    let store = incasso_store::Store::open(data_dir)?;
    Ok((store.change_marker()?, store.has_in_flight()?))
}

/// One step of the run, for the summary.
#[derive(Serialize)]
struct Step {
    name: &'static str,
    seconds: f64,
    ok: bool,
    detail: serde_json::Value,
}

/// How a run of one administration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    fn word(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failure => "failure",
            RunStatus::Busy => "busy",
        }
    }

    fn exit(self) -> ExitCode {
        ExitCode::from(match self {
            RunStatus::Success => 0,
            RunStatus::Partial => 1,
            RunStatus::Failure | RunStatus::Busy => 3,
        })
    }
}

/// Writes a summary (it may quote an upstream's words: only its owner reads it).
fn write_summary(p: &Path, text: &str) -> Result<()> {
    incasso_connectors::write::create_private(p)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .with_context(|| format!("writing {}", p.display()))
}

/// Runs the nightly job: one administration, or each of the configured administrations.
pub fn run(config: &Path, data_dir_flag: &Path, today: NaiveDate) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let cfg: RunConfig = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", config.display(), e.to_string().trim()))?;
    let redact = incasso_connectors::api::secret::redact;
    if cfg.administration.is_empty() {
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
        let (status, summary) = run_one(&one, today)?;
        let text = redact(&serde_json::to_string_pretty(&summary)?).into_owned();
        println!("{text}");
        if let Some(p) = &cfg.summary {
            write_summary(p, &text)?;
        }
        return Ok(status.exit());
    }
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
    let results: std::sync::Mutex<Vec<(usize, RunStatus, serde_json::Value)>> =
        std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(cfg.administration.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(a) = cfg.administration.get(i) else {
                    return;
                };
                // One administration's failure (an expired token, a broken store) is its own.
                let (status, summary) = match run_one(a, today) {
                    Ok(r) => r,
                    Err(e) => (
                        RunStatus::Failure,
                        json!({ "status": "failure", "data_dir": a.data_dir.display().to_string(), "error": format!("{e:#}") }),
                    ),
                };
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((i, status, summary));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _, _)| *i);
    let statuses: Vec<RunStatus> = results.iter().map(|(_, s, _)| *s).collect();
    let overall = if statuses.iter().all(|s| *s == RunStatus::Success) {
        RunStatus::Success
    } else if statuses
        .iter()
        .all(|s| matches!(s, RunStatus::Failure | RunStatus::Busy))
    {
        RunStatus::Failure
    } else {
        RunStatus::Partial
    };
    let lines: Vec<serde_json::Value> = results
        .into_iter()
        .map(|(i, status, mut summary)| {
            if let Some(o) = summary.as_object_mut() {
                o.insert("administration".into(), json!(cfg.administration[i].name));
                o.insert("status".into(), json!(status.word()));
            }
            summary
        })
        .collect();
    let count = |s: RunStatus| statuses.iter().filter(|x| **x == s).count();
    let summary = json!({
        "status": overall.word(),
        "started_at": started_at.to_rfc3339(),
        "finished_at": Utc::now().to_rfc3339(),
        "administrations": cfg.administration.len(),
        "succeeded": count(RunStatus::Success),
        "partial": count(RunStatus::Partial),
        "failed": count(RunStatus::Failure) + count(RunStatus::Busy),
        "runs": lines,
    });
    let text = redact(&serde_json::to_string_pretty(&summary)?).into_owned();
    println!("{text}");
    if let Some(p) = &cfg.summary {
        write_summary(p, &text)?;
    }
    Ok(overall.exit())
}

/// Runs the nightly job for one administration; its summary, recorded in its audit log.
fn run_one(cfg: &Administration, today: NaiveDate) -> Result<(RunStatus, serde_json::Value)> {
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
        eprintln!(
            "error: another incasso run holds {}; this run does nothing",
            lock_path.display()
        );
        return Ok((
            RunStatus::Busy,
            json!({ "status": "busy", "data_dir": data_dir.display().to_string(), "error": format!("another incasso run holds {}", lock_path.display()) }),
        ));
    }
    let started_at = Utc::now();
    let claims_as_of = cfg.claims_as_of.unwrap_or(today);
    let mut steps: Vec<Step> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut partial = false;
    let mut failed = false;
    let mut step = |name: &'static str,
                    f: &mut dyn FnMut() -> Result<(bool, serde_json::Value)>| {
        let t = Instant::now();
        let (ok, detail) = match f() {
            Ok(r) => r,
            Err(e) => {
                failed = true;
                (false, json!({ "error": format!("{e:#}") }))
            }
        };
        partial |= !ok;
        steps.push(Step {
            name,
            seconds: t.elapsed().as_secs_f64(),
            ok,
            detail,
        });
    };

    // A sync that failed or stopped half-way leaves the ledger behind the books: an invoice paid
    // or voided there would look open here, so nothing goes to the agency in this run.
    let mut sync_complete = true;
    step("sync", &mut || {
        if cfg.source.is_empty() {
            return Ok((true, json!({ "note": "no API sources are configured" })));
        }
        sync_complete = false;
        let summaries = super::sync::sync(&data_dir, &cfg.source, None, false)?;
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
        Ok((sync_complete, serde_json::to_value(&summaries)?))
    });
    if let Some(inbox) = &cfg.inbox {
        step("inbox", &mut || {
            let p = super::watch::pass(&data_dir, inbox, Duration::from_millis(cfg.settle_ms))?;
            Ok((
                p.quarantined.is_empty(),
                json!({
                    "imported": p.imported, "seen_before": p.repeated,
                    "quarantined": p.quarantined.iter().map(|(n, why)| json!({"file": n, "reason": why})).collect::<Vec<_>>(),
                    "still_being_written": p.waiting,
                }),
            ))
        });
    }
    let report = cfg
        .report
        .clone()
        .unwrap_or_else(|| data_dir.join("report.html"));
    let state_file = data_dir.join("run-state.json");
    let last: Option<LastRun> = std::fs::read(&state_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    // When the store cannot tell, do the work: the steps report what is wrong.
    let (now_marker, in_flight) = marker(&data_dir).unwrap_or_else(|e| {
        warnings.push(format!("the store could not say what changed: {e:#}"));
        (String::new(), true)
    });
    let unchanged = !in_flight
        && report.exists()
        && last.as_ref().is_some_and(|l| {
            l.marker == now_marker && l.claims_as_of == claims_as_of && l.report == report
        });
    if unchanged {
        step("unchanged", &mut || {
            Ok((
                true,
                json!({ "note": "nothing changed since the last run: no claims to send, the report stands" }),
            ))
        });
    }
    if !unchanged {
        // One reconciliation serves the submission and the report.
        let mut ledger: Option<(
            crate::ledger::Reconciled,
            Result<super::claims::Computed, String>,
        )> = None;
        step("reconcile", &mut || {
            let policy = crate::config::policy(&data_dir, None)?;
            let store = incasso_store::Store::open(&data_dir)?;
            let r = crate::ledger::reconciled(&store, claims_as_of, &policy.matching)?;
            let computed = super::claims::preview_of(
                &store,
                &r,
                &data_dir,
                claims_as_of,
                None,
                None,
                cfg.submit,
            )
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
            let detail = json!({
                "documents": r.docs.len(), "payments_in": r.payments.len(),
                "claims": computed.as_ref().map(|c| c.preview.claims.len()).map_err(|e| e.clone()),
                "held_for_unknown_rates": held_for_rates.len(),
            });
            ledger = Some((r, computed));
            Ok((held_for_rates.is_empty(), detail))
        });
        if let Some((r, computed)) = &ledger {
            if cfg.submit && sync_complete {
                step("submit", &mut || {
                    let computed = computed
                        .as_ref()
                        .map_err(|e| anyhow::anyhow!("claims could not be computed: {e}"))?;
                    let (tally, completed) = super::submit::send_computed(
                        &super::submit::Options {
                            data_dir: &data_dir,
                            as_of: claims_as_of,
                            dry_run: false,
                            agency: None,
                            policy: None,
                            rates: None,
                        },
                        Some(computed),
                    )?;
                    Ok((completed && tally.clean(), serde_json::to_value(&tally)?))
                });
            }
            step("report", &mut || {
                let f = super::report_html::write_from(
                    &data_dir,
                    claims_as_of,
                    &report,
                    cfg.inbox.as_deref(),
                    r,
                    computed.as_ref().map(|c| &c.preview).map_err(|e| e.clone()),
                )?;
                let claims = match &f.claims_ready {
                    Ok((n, totals)) => json!({ "qualifying": n, "totals": totals }),
                    Err(e) => json!({ "error": e }),
                };
                Ok((
                    true,
                    json!({
                        "file": report.display().to_string(),
                        "open": f.open, "open_items": f.items,
                        "money_not_applied": { "lines": f.unmatched.0, "amounts": f.unmatched.1 },
                        "in_review": f.review, "claims": claims, "submitted": f.submitted,
                        "conflicts": f.conflicts, "quarantined": f.quarantined,
                    }),
                ))
            });
        }
    }
    if steps.iter().any(|s| {
        s.name == "report"
            && s.detail
                .get("claims")
                .and_then(|c| c.get("error"))
                .is_some()
    }) {
        warnings.push("claims could not be computed for the report (see its detail)".into());
    }
    let status = if failed {
        RunStatus::Failure
    } else if partial {
        RunStatus::Partial
    } else {
        RunStatus::Success
    };
    let summary = json!({
        "status": status.word(),
        "started_at": started_at.to_rfc3339(),
        "finished_at": Utc::now().to_rfc3339(),
        "data_dir": data_dir.display().to_string(),
        "claims_as_of": claims_as_of.to_string(),
        "steps": steps,
        "warnings": warnings,
    });
    let redact = incasso_connectors::api::secret::redact;
    match incasso_store::Store::open(&data_dir) {
        Ok(store) => {
            let line = redact(&serde_json::to_string(&summary)?).into_owned();
            store.record_event("run", status.word(), &line, Utc::now())?;
            let state = LastRun {
                marker: store.change_marker()?,
                claims_as_of,
                report: report.clone(),
            };
            drop(store);
            if status != RunStatus::Failure {
                std::fs::write(&state_file, serde_json::to_vec(&state)?)
                    .with_context(|| format!("writing {}", state_file.display()))?;
            }
        }
        Err(e) => eprintln!("error: recording the run in the audit log: {e}"),
    }
    Ok((status, summary))
}
