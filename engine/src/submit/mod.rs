//! Submission: qualifying claims to the agency's intake API in batches, exactly once.
//!
//! Order of a run: batches left in flight by an earlier run are sent again first (same body,
//! same Idempotency-Key, so the server replays its answer instead of storing twice); then each
//! qualifying claim is compared with what the agency has: unchanged claims are skipped, changed
//! ones (payments, credit notes, invoices added) go as an update of the claim the agency knows,
//! new ones as new claims. Every batch is recorded, durably, before it is sent.

pub mod agency;
mod outbox;
mod plan;
pub mod status;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use chrono::{NaiveDate, Utc};
use incasso_intake::schema::{self, Batch};
use incasso_store::{InFlight, Submission, SubmissionState};

use crate::claims::Computed;
use crate::{complain, say, Reporter, Workspace};
use agency::Agency;

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
    /// Claims not sent: against the schema's rules, or in a batch the agency did not answer
    /// or take (the next run sends it again, or works its claims out anew).
    pub unsent: usize,
    /// Claims worked out and never tried: the run stopped at a batch the agency did not answer.
    pub not_tried: usize,
    /// Withdrawals the agency accepted.
    pub withdrawn: usize,
    /// Of those held back, the claims that wait for a person (taken over from the agency's feed
    /// while the books claim more).
    pub for_a_person: usize,
}

impl Tally {
    /// Everything sent was accepted, and nothing waits for a person.
    pub fn clean(&self) -> bool {
        self.rejected == 0 && self.unsent == 0 && self.not_tried == 0 && self.for_a_person == 0
    }
}

/// The options of a submission.
pub struct Options<'a> {
    /// The administration.
    pub ws: &'a Workspace,
    /// The date the claims are computed for.
    pub as_of: NaiveDate,
    /// Check and return the batches instead of sending them.
    pub dry_run: bool,
    /// The agency configuration file (default `DATA_DIR/agency.toml`).
    pub agency: Option<&'a Path>,
    /// The rate tables folder.
    pub rates: Option<&'a Path>,
    /// Credentials given by the caller, instead of the environment variable the agency file
    /// names (the demo's own agency).
    pub auth: Option<incasso_intake::client::Auth>,
    /// Send only withdrawals (the nightly run while a file of the inbox could not be read:
    /// what it says may make a debt owed again or not, but a claim the books no longer claim
    /// is taken back all the same).
    pub withdrawals_only: bool,
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

/// What a submission did.
#[derive(Debug, Default)]
pub struct Submitted {
    /// The counts.
    pub tally: Tally,
    /// Whether every batch got an answer (false: the agency could not be reached, or did not
    /// take a batch; the next run resumes).
    pub completed: bool,
    /// In a dry run, the batches that would have been sent.
    pub dry_run_batches: Vec<Batch>,
    /// What reading the agency's change feed first found (none in a dry run, or when the
    /// caller read it: the nightly run).
    pub refreshed: Option<status::Refreshed>,
}

impl Submitted {
    /// A submission that stopped at a batch the agency did not answer.
    fn stopped(tally: Tally) -> Submitted {
        Submitted {
            tally,
            ..Default::default()
        }
    }

    /// Everything that had to go went, and was accepted, and nothing the agency reported waits
    /// for a person.
    pub fn clean(&self) -> bool {
        self.completed
            && self.tally.clean()
            && self.refreshed.as_ref().is_none_or(|r| r.held.is_empty())
    }
}

/// Sends what qualifies: reads the agency's change feed first, as the nightly run does, then
/// computes the claims. What the agency holds that this store did not send (a store restored
/// from a backup) is taken over, and what it collected is booked, before anything is compared:
/// otherwise a claim paid since stayed open at the agency, its withdrawal refused as an old
/// revision run after run (review 45a, F-1). A dry run reads nothing.
pub fn send(o: &Options<'_>, rep: &dyn Reporter) -> Result<Submitted> {
    let refreshed = if o.dry_run {
        // On stderr: a dry run's stdout is the batches as JSON.
        complain!(
            rep,
            "dry run: the agency's change feed is not read; what it holds may differ from what this store last learned (a store put back from a backup)"
        );
        None
    } else {
        synced(o.ws.store()?)?;
        Some(
            status::refresh(o.ws, o.agency, o.auth.clone(), rep).map_err(|e| {
                e.context(
                    "nothing submitted: what the agency did with earlier claims could not be read",
                )
            })?,
        )
    };
    let mut sent = send_computed(o, None, rep)?;
    sent.refreshed = refreshed;
    Ok(sent)
}

/// A sync that did not complete leaves the ledger behind the books: an invoice paid or credited
/// there may look open here. The nightly run submits nothing then; neither does a submission by
/// hand.
fn synced(store: &incasso_store::Store) -> Result<()> {
    let behind = store.syncs_behind()?;
    anyhow::ensure!(
        behind.is_empty(),
        "the last sync of {} did not complete: the ledger may be behind the books (an invoice paid or credited there may look open here); run `incasso sync` again, then submit",
        behind.join(", ")
    );
    Ok(())
}

/// [`send`] with the claims already computed (the nightly run reconciles once for everything).
pub fn send_computed(
    o: &Options<'_>,
    computed: Option<&Computed>,
    rep: &dyn Reporter,
) -> Result<Submitted> {
    // Loading the reconciliation with every bank line, and the claims' wire forms, is bulk
    // work: on huge pages a submission right after an import spent 9 s in the kernel zeroing
    // them (docs/performance-history.md, session 22).
    crate::memory::ordinary_pages();
    let policy = o.ws.policy()?;
    let c = &policy.creditor;
    c.named("a claim")
        .map_err(|e| anyhow::anyhow!("{e} in {}", o.ws.policy_path().display()))?;
    let agency_file = o
        .agency
        .map_or_else(|| o.ws.data_dir().join("agency.toml"), Path::to_path_buf);
    let (agency, client) = if o.dry_run {
        // A dry run sends nothing: it needs no credentials, nor even an agency file.
        let agency = if agency_file.exists() {
            agency::agency_settings(&agency_file)?
        } else {
            Agency::for_dry_run(o.ws.store()?.creditor()?.as_str().to_string())
        };
        (agency, None)
    } else {
        let (agency, auth) = match &o.auth {
            Some(auth) => {
                // Credentials handed over directly are secrets like those read from the
                // environment: no message, summary or log may show them.
                let (incasso_intake::client::Auth::Bearer(v)
                | incasso_intake::client::Auth::Hmac(v)) = auth;
                incasso_connectors::api::secret::remember(v);
                (agency::agency_settings(&agency_file)?, auth.clone())
            }
            None => agency::agency(o.ws.data_dir(), o.agency)?,
        };
        let client = agency.client(auth)?;
        (agency, Some(client))
    };
    let mut tally = Tally::default();
    let store = o.ws.store()?;
    // A date before the latest submitted would tell the agency to take back what it holds for
    // the days between (invoices not yet issued then, not yet due): an invoice still owed would
    // be withdrawn as having nothing open. A clock set back, or a mistyped date.
    if !o.dry_run {
        synced(store)?;
        if let Some(last) = store.submitted_as_of()?.filter(|&l| o.as_of < l) {
            anyhow::bail!(
                "claims were submitted as of {last}; as of {}, an earlier date, the agency would be told to take back what it holds for the days between: submit as of {last} or later",
                o.as_of
            );
        }
        store.record_submitted_as_of(o.as_of)?;
    }
    let mut outbox = match client {
        Some(client) => Some(outbox::Outbox::new(client, store, agency.in_flight)?),
        None => None,
    };

    // The claims of batches resumed now are counted by their answers, not again by the plan.
    let mut resumed: HashSet<String> = HashSet::new();
    if let Some(outbox) = outbox.as_mut() {
        let in_flight = store.in_flight()?;
        if !in_flight.is_empty() {
            let keys: HashSet<&str> = in_flight.iter().map(|b| b.key.as_str()).collect();
            resumed = store
                .submissions()?
                .into_iter()
                .filter(|s| s.state == SubmissionState::Sent && keys.contains(s.batch_key.as_str()))
                .map(|s| s.claim_id)
                .collect();
        }
        for (i, batch) in in_flight.iter().enumerate() {
            if !outbox.room(&mut tally, rep)? {
                tally.not_tried += in_flight[i..]
                    .iter()
                    .map(|b| outbox::claim_ids(&b.body).len())
                    .sum::<usize>();
                break;
            }
            let batch = batch.clone();
            say!(
                rep,
                "resuming batch {} sent at {} (its answer was never recorded)",
                batch.key,
                batch.sent_at
            );
            tally.resumed += 1;
            outbox.send(batch, false);
        }
        // The batches left over are answered before anything new is worked out or recorded.
        if !outbox.drain(&mut tally, rep)? {
            return Ok(Submitted::stopped(tally));
        }
    }

    let owned;
    let mut to_keep = None;
    let computed = match computed {
        Some(c) => c,
        None => {
            let (c, k) = crate::claims::compute_full(o.ws, o.as_of, o.rates)?;
            to_keep = k;
            owned = c;
            &owned
        }
    };
    // Claims worked out here are kept for the next read on another thread while they are
    // planned and sent: sending waits on the agency most of the time.
    std::thread::scope(|scope| {
        if let Some(k) = &to_keep {
            k.keep_beside(scope, o.ws, &computed.preview);
        }
        plan_and_send(
            o,
            policy,
            &agency,
            store,
            outbox.as_mut(),
            computed,
            tally,
            &resumed,
            rep,
        )
    })
}

/// Compares the claims with what the agency has, and sends what is new or changed in batches,
/// each recorded before it goes.
#[allow(clippy::too_many_arguments)]
fn plan_and_send(
    o: &Options<'_>,
    policy: &incasso_core::collection::policy::Policy,
    agency: &Agency,
    store: &incasso_store::Store,
    mut outbox: Option<&mut outbox::Outbox<'_>>,
    computed: &Computed,
    mut tally: Tally,
    resumed: &HashSet<String>,
    rep: &dyn Reporter,
) -> Result<Submitted> {
    let known: HashMap<String, Submission> = store
        .submissions()?
        .into_iter()
        .map(|s| (s.claim_id.clone(), s))
        .collect();
    let today = Utc::now().date_naive();
    let (mut ready, referenced, stuck) = plan::claims(
        computed,
        &known,
        resumed,
        &store.attachments_dir(),
        today,
        &mut tally,
        rep,
    );
    plan::withdrawals(
        computed,
        &known,
        &referenced,
        &stuck,
        &mut ready,
        &mut tally,
        rep,
    );
    if o.withdrawals_only {
        let claims = ready
            .iter()
            .filter(|r| matches!(r.payload, Payload::Claim(_)))
            .count();
        if claims > 0 {
            say!(
                rep,
                "{claims} claim(s) or update(s) not sent until the inbox is read whole; withdrawals go"
            );
        }
        ready.retain(|r| matches!(r.payload, Payload::Withdrawal(_)));
    }

    let creditor = schema::Creditor {
        id: agency.creditor.clone(),
        name: policy.creditor.name.clone(),
        kvk: policy.creditor.kvk.clone(),
        vat_number: policy.creditor.vat_number.clone(),
        iban: policy.creditor.iban.clone(),
    };
    let mut dry_run_batches = Vec::new();
    // Claims in the batches sent so far: what a stop leaves untried is counted.
    let mut done = 0;
    let total = ready.len();
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
            dry_run_batches.push(batch);
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
        let outbox = outbox.as_mut().expect("sending needs the agency");
        if !outbox.room(&mut tally, rep)? {
            tally.not_tried += total - done;
            return Ok(Submitted::stopped(tally));
        }
        done += chunk.len();
        store.record_sent(&in_flight, &records)?;
        outbox.send(in_flight, true);
    }
    if let Some(outbox) = outbox.as_mut() {
        if !outbox.drain(&mut tally, rep)? {
            return Ok(Submitted::stopped(tally));
        }
    }
    Ok(Submitted {
        tally,
        completed: true,
        dry_run_batches,
        refreshed: None,
    })
}
