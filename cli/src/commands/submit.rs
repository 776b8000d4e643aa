//! `incasso submit` and `incasso submissions`: qualifying claims to the agency's intake API in
//! batches, exactly once, and the record of what was sent.
//!
//! Order of a run: batches left in flight by an earlier run are sent again first (same body,
//! same Idempotency-Key, so the server replays its answer instead of storing twice); then each
//! qualifying claim is compared with what the agency has: unchanged claims are skipped, changed
//! ones (payments, credit notes, invoices added) go as an update of the claim the agency knows,
//! new ones as new claims. Every batch is recorded, durably, before it is sent.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use incasso_core::collection::withdrawal::{self, ItemFate};
use incasso_core::ids::DocumentNumber;
use incasso_intake::client::{Answer, Client, ClientConfig};
use incasso_intake::outgoing::{basis, claim as wire_claim};
use incasso_intake::schema::{self, Batch, ClaimKind, Outcome};
use incasso_intake::validate::claim_problems;
use incasso_store::{Answered, InFlight, Store, Submission, SubmissionState};

use crate::{config, output, Format};

/// What a run did, for the summary line and the exit code.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Tally {
    /// Claims the agency accepted.
    pub accepted: usize,
    /// Claims the agency refused (or refused before, unchanged since).
    pub rejected: usize,
    /// Claims accepted before and unchanged.
    pub unchanged: usize,
    /// Claims held back (in flight, or split over several agency claims).
    pub held: usize,
    /// Batches resumed from an earlier run.
    pub resumed: usize,
    /// Claims or batches not sent (schema rules, or the agency unreachable).
    pub unsent: usize,
    /// Withdrawals the agency accepted.
    pub withdrawn: usize,
}

impl Tally {
    /// Everything sent was accepted.
    pub fn clean(&self) -> bool {
        self.rejected == 0 && self.unsent == 0
    }
}

/// The options of `incasso submit`.
pub struct Options<'a> {
    /// The data directory.
    pub data_dir: &'a Path,
    /// The date the claims are computed for.
    pub as_of: NaiveDate,
    /// Print the batches instead of sending them.
    pub dry_run: bool,
    /// The agency configuration file (default `DATA_DIR/agency.toml`).
    pub agency: Option<&'a Path>,
    /// The policy file.
    pub policy: Option<&'a Path>,
    /// The rate tables folder.
    pub rates: Option<&'a Path>,
}

/// What goes to the agency for one claim id.
enum Payload {
    /// A new claim or an update.
    Claim(Box<schema::Claim>),
    /// The claim must stop.
    Withdrawal(schema::Withdrawal),
}

/// A claim or withdrawal ready to go, with its submission record.
struct Ready {
    payload: Payload,
    record: Submission,
}

/// Sends what qualifies; exit 0 when every claim sent was accepted, 1 otherwise.
pub fn submit(o: &Options<'_>) -> Result<ExitCode> {
    let (tally, completed) = send(o)?;
    if o.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    finish(&tally, completed)
}

/// Sends what qualifies; the tally, and whether the run got through every batch.
pub fn send(o: &Options<'_>) -> Result<(Tally, bool)> {
    send_computed(o, None)
}

/// [`send`] with the claims already computed (the nightly run reconciles once for everything).
pub fn send_computed(
    o: &Options<'_>,
    computed: Option<&super::claims::Computed>,
) -> Result<(Tally, bool)> {
    let policy = config::policy(o.data_dir, o.policy)?;
    let c = &policy.creditor;
    anyhow::ensure!(
        c.name.as_deref().is_some_and(|n| !n.trim().is_empty())
            && c.iban.as_deref().is_some_and(|i| !i.trim().is_empty()),
        "a claim names the creditor and the account the debtor was asked to pay to: set name and iban under [creditor] in {}",
        o.policy.map_or_else(|| o.data_dir.join("policy.toml"), Path::to_path_buf).display()
    );
    let agency_file = o
        .agency
        .map_or_else(|| o.data_dir.join("agency.toml"), Path::to_path_buf);
    let (agency, client) = if o.dry_run {
        // A dry run sends nothing: it needs no credentials, nor even an agency file.
        let agency = if agency_file.exists() {
            config::agency_settings(&agency_file)?
        } else {
            config::Agency::for_dry_run(Store::open(o.data_dir)?.creditor()?.as_str().to_string())
        };
        (agency, None)
    } else {
        let (agency, auth) = config::agency(o.data_dir, o.agency)?;
        let client = Client::new(ClientConfig {
            url: agency.url.clone(),
            creditor: agency.creditor.clone(),
            auth,
            timeout: Duration::from_secs(agency.timeout_seconds),
            max_attempts: agency.max_attempts,
            base_delay: Duration::from_millis(agency.base_delay_ms),
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        (agency, Some(client))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the network runtime")?;
    let mut tally = Tally::default();

    if !o.dry_run {
        let store = Store::open(o.data_dir)?;
        for batch in store.in_flight()? {
            println!(
                "resuming batch {} sent at {} (its answer was never recorded)",
                batch.key, batch.sent_at
            );
            tally.resumed += 1;
            if !deliver(
                &runtime,
                client.as_ref().expect("sending needs the agency"),
                &store,
                &batch,
                &mut tally,
            )? {
                return Ok((tally, false));
            }
        }
    }

    let owned;
    let computed = match computed {
        Some(c) => c,
        None => {
            owned = super::claims::compute_full(o.data_dir, o.as_of, o.policy, o.rates, true)?;
            &owned
        }
    };
    let store = Store::open(o.data_dir)?;
    let known: HashMap<String, Submission> = store
        .submissions()?
        .into_iter()
        .map(|s| (s.claim_id.clone(), s))
        .collect();
    let owner_of: HashMap<&str, &str> = known
        .values()
        .filter(|s| s.accepted_revision > 0 || s.state == SubmissionState::Sent)
        .flat_map(|s| {
            s.items
                .iter()
                .map(move |i| (i.as_str(), s.claim_id.as_str()))
        })
        .collect();
    let attachments = store.attachments_dir();
    let today = Utc::now().date_naive();
    let mut ready = Vec::new();
    let mut targets: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Agency claims a current claim still stands for (even one held back this run).
    let mut referenced: std::collections::HashSet<String> = std::collections::HashSet::new();
    for c in &computed.preview.claims {
        let received: Vec<_> = c
            .items
            .iter()
            .flat_map(|i| {
                computed
                    .received
                    .get(&i.number)
                    .into_iter()
                    .flatten()
                    .cloned()
            })
            .collect();
        let owners: BTreeSet<&str> = c
            .items
            .iter()
            .filter_map(|i| owner_of.get(i.number.as_str()).copied())
            .collect();
        referenced.extend(owners.iter().map(|o| o.to_string()));
        referenced.insert(c.id.clone());
        let (id, previous) = match owners.len() {
            0 => (c.id.as_str(), known.get(&c.id)),
            1 => {
                let x = owners.into_iter().next().expect("one");
                (x, known.get(x))
            }
            _ => {
                println!(
                    "claim {} on debtor {} not sent: its invoices went to the agency in several claims ({}); settle it with the agency by hand",
                    c.id,
                    c.debtor.id,
                    owners.into_iter().collect::<Vec<_>>().join(", ")
                );
                tally.held += 1;
                continue;
            }
        };
        if !targets.insert(id.to_string()) {
            println!(
                "claim {} on debtor {} not sent: its invoices belong to agency claim {id}, which another claim of this run updates; settle it with the agency by hand",
                c.id, c.debtor.id
            );
            tally.held += 1;
            continue;
        }
        let (kind, revision) = match previous {
            Some(p) if p.accepted_revision > 0 => {
                (ClaimKind::Update, p.revision.max(p.accepted_revision) + 1)
            }
            _ => (ClaimKind::New, 1),
        };
        let wire = wire_claim(c, id, kind, revision, &received, Some(&attachments));
        let fingerprint = basis(&wire);
        if let Some(p) = previous {
            let same = p.basis == fingerprint;
            match p.state {
                SubmissionState::Accepted if same => {
                    tally.unchanged += 1;
                    continue;
                }
                SubmissionState::Rejected if same => {
                    println!(
                        "claim {id} was rejected before and has not changed: {}",
                        p.reasons.join("; ")
                    );
                    tally.rejected += 1;
                    continue;
                }
                SubmissionState::Sent => {
                    tally.held += 1;
                    continue; // its batch is in flight; the next run resumes it
                }
                _ => {}
            }
        }
        let problems = claim_problems(&wire, today);
        if !problems.is_empty() {
            println!(
                "claim {id} not sent, it does not pass the schema's rules: {}",
                problems.join("; ")
            );
            tally.unsent += 1;
            continue;
        }
        let record = Submission {
            claim_id: id.to_string(),
            debtor: c.debtor.id.as_str().to_string(),
            currency: c.currency.to_string(),
            revision,
            state: SubmissionState::Sent,
            accepted_revision: previous.map_or(0, |p| p.accepted_revision),
            basis: fingerprint,
            items: wire.items.iter().map(|i| i.number.clone()).collect(),
            total: wire.total.to_string(),
            batch_key: String::new(),
            reasons: Vec::new(),
            updated_at: Utc::now(),
            withdrawal: None,
        };
        ready.push(Ready {
            payload: Payload::Claim(Box::new(wire)),
            record,
        });
    }
    withdrawals(computed, &known, &referenced, &mut ready, &mut tally);

    let creditor = schema::Creditor {
        id: agency.creditor.clone(),
        name: policy.creditor.name.clone(),
        kvk: policy.creditor.kvk.clone(),
        vat_number: policy.creditor.vat_number.clone(),
        iban: policy.creditor.iban.clone(),
    };
    let stdout = std::io::stdout();
    for chunk in ready.chunks_mut(agency.batch_size) {
        let mut h = blake3::Hasher::new();
        h.update(agency.creditor.as_bytes());
        h.update(o.as_of.to_string().as_bytes());
        for r in chunk.iter() {
            h.update(r.record.claim_id.as_bytes());
            h.update(&r.record.revision.to_le_bytes());
            h.update(r.record.basis.as_bytes());
        }
        let key = format!("incasso-{}", &h.finalize().to_hex()[..32]);
        let batch = Batch {
            schema: schema::SCHEMA.into(),
            batch_id: key.clone(),
            creditor: creditor.clone(),
            claims: chunk
                .iter()
                .filter_map(|r| match &r.payload {
                    Payload::Claim(c) => Some((**c).clone()),
                    Payload::Withdrawal(_) => None,
                })
                .collect(),
            withdrawals: chunk
                .iter()
                .filter_map(|r| match &r.payload {
                    Payload::Withdrawal(w) => Some(w.clone()),
                    Payload::Claim(_) => None,
                })
                .collect(),
        };
        if o.dry_run {
            let mut out = BufWriter::new(stdout.lock());
            serde_json::to_writer_pretty(&mut out, &batch)?;
            writeln!(out)?;
            continue;
        }
        let body = serde_json::to_string(&batch)?;
        let records: Vec<Submission> = chunk
            .iter()
            .map(|r| Submission {
                batch_key: key.clone(),
                ..r.record.clone()
            })
            .collect();
        let in_flight = InFlight {
            key,
            body,
            sent_at: Utc::now(),
        };
        store.record_sent(&in_flight, &records)?;
        if !deliver(
            &runtime,
            client.as_ref().expect("sending needs the agency"),
            &store,
            &in_flight,
            &mut tally,
        )? {
            return Ok((tally, false));
        }
    }
    if o.dry_run {
        eprintln!(
            "dry run: {} claim(s) in {} batch(es) pass the schema's rules; nothing was sent or recorded",
            ready.len(),
            ready.len().div_ceil(agency.batch_size)
        );
    }
    Ok((tally, true))
}

/// Withdrawals for every claim the agency holds that no current claim stands for any more: what
/// became of each invoice (paid on DATE, credited, disputed, on a plan, written off, or a
/// person's decision), as the claim's next revision. A claim held only because a rate is
/// unknown or its amounts could not be computed is left as it is.
fn withdrawals(
    computed: &super::claims::Computed,
    known: &HashMap<String, Submission>,
    referenced: &std::collections::HashSet<String>,
    ready: &mut Vec<Ready>,
    tally: &mut Tally,
) {
    let mut candidates: Vec<&Submission> = known
        .values()
        .filter(|s| {
            s.accepted_revision > 0
                && !matches!(s.state, SubmissionState::Sent | SubmissionState::Withdrawn)
                && !referenced.contains(&s.claim_id)
        })
        .collect();
    candidates.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
    for s in candidates {
        let fates: Vec<ItemFate> = s
            .items
            .iter()
            .map(|n| {
                let key = DocumentNumber::new(n)
                    .map(|d| d.normalised().into_owned())
                    .unwrap_or_else(|_| n.clone());
                withdrawal::fate(n, computed.facts.get(&key))
            })
            .collect();
        let undecided = s.items.iter().any(|n| {
            let key = DocumentNumber::new(n)
                .map(|d| d.normalised().into_owned())
                .unwrap_or_else(|_| n.clone());
            computed
                .facts
                .get(&key)
                .and_then(|f| f.excluded.as_ref())
                .is_some_and(|(rule, _)| matches!(rule.as_str(), "rate-unknown" | "calculation"))
        });
        if undecided {
            println!(
                "claim {} stays at the agency as it is: its amounts cannot be computed now (see `incasso claims`)",
                s.claim_id
            );
            tally.held += 1;
            continue;
        }
        let (reason, date, detail) = withdrawal::overall(&fates);
        let fingerprint = format!(
            "withdraw:{}:{}",
            reason.code(),
            fates
                .iter()
                .map(|f| format!("{}={}", f.number, f.reason.code()))
                .collect::<Vec<_>>()
                .join(",")
        );
        if s.state == SubmissionState::Rejected && s.basis == fingerprint {
            println!(
                "withdrawal of claim {} was rejected before and has not changed: {}",
                s.claim_id,
                s.reasons.join("; ")
            );
            tally.rejected += 1;
            continue;
        }
        let revision = s.revision.max(s.accepted_revision) + 1;
        println!(
            "withdrawing claim {} of debtor {} (revision {revision}): {}: {detail}",
            s.claim_id,
            s.debtor,
            reason.code()
        );
        let w = schema::Withdrawal {
            claim_id: s.claim_id.clone(),
            revision,
            reason,
            date,
            detail,
            items: fates
                .into_iter()
                .map(|f| schema::WithdrawnItem {
                    number: f.number,
                    reason: f.reason,
                    date: f.date,
                    detail: f.detail,
                })
                .collect(),
        };
        ready.push(Ready {
            payload: Payload::Withdrawal(w),
            record: Submission {
                revision,
                state: SubmissionState::Sent,
                basis: fingerprint,
                total: "0.00".into(),
                batch_key: String::new(),
                reasons: Vec::new(),
                updated_at: Utc::now(),
                withdrawal: Some(reason.code().to_string()),
                ..s.clone()
            },
        });
    }
}

/// Sends one recorded batch and records the answer; false when the agency could not be reached
/// (the batch stays in flight for the next run).
fn deliver(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    store: &Store,
    batch: &InFlight,
    tally: &mut Tally,
) -> Result<bool> {
    match runtime.block_on(client.send(&batch.key, batch.body.as_bytes())) {
        Ok(Answer::Answered(a)) => {
            let answers: Vec<Answered> = a
                .results
                .iter()
                .map(|r| Answered {
                    claim_id: r.claim_id.clone(),
                    accepted: r.outcome == Outcome::Accepted,
                    reasons: r.reasons.clone(),
                })
                .collect();
            store.record_answer(&batch.key, &answers, Utc::now())?;
            let withdrawing: std::collections::HashSet<String> =
                serde_json::from_str::<Batch>(&batch.body)
                    .map(|b| b.withdrawals.into_iter().map(|w| w.claim_id).collect())
                    .unwrap_or_default();
            for r in &a.results {
                match r.outcome {
                    Outcome::Accepted if withdrawing.contains(&r.claim_id) => tally.withdrawn += 1,
                    Outcome::Accepted => tally.accepted += 1,
                    Outcome::Rejected => {
                        tally.rejected += 1;
                        println!("claim {} rejected: {}", r.claim_id, r.reasons.join("; "));
                    }
                }
            }
            Ok(true)
        }
        Ok(Answer::Refused { status, error }) if !matches!(status, 400 | 409 | 413 | 422) => {
            // Credentials, permissions or a proxy in the way: the claims were not judged.
            eprintln!(
                "error: the agency did not take batch {} (HTTP {status}, {}): {}",
                batch.key, error.error, error.message
            );
            eprintln!("  the batch stays recorded as sent; fix the cause and run again");
            tally.unsent += 1;
            Ok(false)
        }
        Ok(Answer::Refused { status, error }) => {
            let ids: Vec<String> = serde_json::from_str::<Batch>(&batch.body)
                .map(|b| {
                    b.claims
                        .into_iter()
                        .map(|c| c.claim_id)
                        .chain(b.withdrawals.into_iter().map(|w| w.claim_id))
                        .collect()
                })
                .unwrap_or_default();
            let reason = format!(
                "the agency refused the batch (HTTP {status}, {}): {}",
                error.error, error.message
            );
            println!("batch {}: {reason}", batch.key);
            tally.rejected += ids.len();
            store.record_refusal(&batch.key, &ids, &reason, Utc::now())?;
            Ok(true)
        }
        Err(gave_up) => {
            eprintln!("error: {gave_up}");
            eprintln!(
                "  batch {} stays recorded as sent; the next run sends it again",
                batch.key
            );
            tally.unsent += 1;
            Ok(false)
        }
    }
}

fn finish(t: &Tally, completed: bool) -> Result<ExitCode> {
    println!(
        "submitted: {} accepted, {} rejected, {} unchanged since accepted, {} held back, {} not sent, {} withdrawn{}",
        t.accepted,
        t.rejected,
        t.unchanged,
        t.held,
        t.unsent,
        t.withdrawn,
        if t.resumed > 0 { format!(" ({} batch(es) resumed)", t.resumed) } else { String::new() }
    );
    Ok(if completed && t.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Lists what was sent and where each claim stands.
pub fn submissions(data_dir: &Path, format: Format) -> Result<ExitCode> {
    let store = Store::open(data_dir)?;
    let mut subs = store.submissions()?;
    subs.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
    let header: Vec<String> = [
        "claim",
        "debtor",
        "currency",
        "revision",
        "state",
        "accepted_revision",
        "total",
        "items",
        "updated_at",
        "reasons",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = subs
        .iter()
        .map(|s| {
            vec![
                s.claim_id.clone(),
                s.debtor.clone(),
                s.currency.clone(),
                s.revision.to_string(),
                s.state.code().to_string(),
                s.accepted_revision.to_string(),
                s.total.clone(),
                s.items.join(" "),
                s.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                s.reasons.join("; "),
            ]
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    output::rows(&mut out, format, &header, &rows)?;
    Ok(ExitCode::SUCCESS)
}
