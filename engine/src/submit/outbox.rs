//! The outbox: batches recorded durably before they are sent, sent several at once, and their
//! answers recorded in the order the batches went out.
//!
//! Like a sink with acknowledgements: up to `in_flight` batches are on their way at once (each
//! already recorded as sent, so a crash leaves it for the next run to send again under the same
//! Idempotency-Key); their answers are taken in sending order, so the messages and the counts read
//! the same however the network interleaves them. A batch that cannot be delivered stops the run:
//! no new batch is recorded, and the ones already on their way are still answered and recorded.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;
use incasso_delivery::Class;
use incasso_intake::client::{Answer, Client, GaveUp};
use incasso_intake::schema::Outcome;
use incasso_store::{Answered, InFlight, Store};
use tokio::task::JoinHandle;

use super::Tally;
use crate::{complain, say, Reporter};

/// A batch on its way, whether it goes for the first time (not resumed from an earlier run),
/// and the task that brings its answer.
type Sending = (Arc<InFlight>, bool, JoinHandle<Result<Answer, GaveUp>>);

/// Batches on their way to the agency, oldest first.
pub(super) struct Outbox<'a> {
    runtime: tokio::runtime::Runtime,
    client: Arc<Client>,
    store: &'a Store,
    in_flight: usize,
    sending: VecDeque<Sending>,
    stopped: bool,
}

impl<'a> Outbox<'a> {
    /// An outbox sending through `client`, at most `in_flight` batches at once (at least one).
    pub fn new(client: Client, store: &'a Store, in_flight: usize) -> Result<Outbox<'a>> {
        // One worker carries the requests while this thread records and prepares batches.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("starting the network runtime")?;
        Ok(Outbox {
            runtime,
            client: Arc::new(client),
            store,
            in_flight: in_flight.max(1),
            sending: VecDeque::new(),
            stopped: false,
        })
    }

    /// Waits until another batch may go; false when the run must stop (a batch could not be
    /// delivered): the batches on their way are then answered and recorded first, and the
    /// caller records nothing more.
    pub fn room(&mut self, tally: &mut Tally, rep: &dyn Reporter) -> Result<bool> {
        while !self.stopped && self.sending.len() >= self.in_flight {
            self.settle_oldest(tally, rep)?;
        }
        if self.stopped {
            return self.drain(tally, rep);
        }
        Ok(true)
    }

    /// Sends a batch already recorded as sent, without waiting for its answer; `first` when it
    /// goes for the first time (a batch resumed from an earlier run may be at the agency).
    pub fn send(&mut self, batch: InFlight, first: bool) {
        let batch = Arc::new(batch);
        let (client, going) = (self.client.clone(), batch.clone());
        let handle = self
            .runtime
            .spawn(async move { client.send(&going.key, going.body.as_bytes()).await });
        self.sending.push_back((batch, first, handle));
    }

    /// Waits for every batch on its way and records its answer; false when the run must stop.
    pub fn drain(&mut self, tally: &mut Tally, rep: &dyn Reporter) -> Result<bool> {
        while !self.sending.is_empty() {
            self.settle_oldest(tally, rep)?;
        }
        Ok(!self.stopped)
    }

    /// Waits for the oldest batch's answer and records it.
    fn settle_oldest(&mut self, tally: &mut Tally, rep: &dyn Reporter) -> Result<()> {
        let Some((batch, first, handle)) = self.sending.pop_front() else {
            return Ok(());
        };
        let answer = self
            .runtime
            .block_on(handle)
            .context("a batch's sending task failed")?;
        if !record(self.store, &batch, first, answer, tally, rep)? {
            self.stopped = true;
        }
        Ok(())
    }
}

/// The claim ids of a batch body, read without its claims' contents (the batch is ours, from
/// the store; only which ids it carries matters here).
#[derive(serde::Deserialize)]
struct Ids {
    #[serde(default)]
    claims: Vec<Id>,
    #[serde(default)]
    withdrawals: Vec<Id>,
}

/// One claim or withdrawal, by its id alone.
#[derive(serde::Deserialize)]
struct Id {
    claim_id: String,
}

/// The ids of a batch body, or none when it cannot be read.
fn ids(body: &str) -> Ids {
    serde_json::from_str(body).unwrap_or(Ids {
        claims: Vec::new(),
        withdrawals: Vec::new(),
    })
}

/// Every claim id of a batch body, its claims' and its withdrawals'.
pub(super) fn claim_ids(body: &str) -> Vec<String> {
    let Ids {
        claims,
        withdrawals,
    } = ids(body);
    claims
        .into_iter()
        .chain(withdrawals)
        .map(|c| c.claim_id)
        .collect()
}

/// Records the answer to one batch; false when the agency could not be reached or did not
/// judge it (the batch stays in flight for the next run).
fn record(
    store: &Store,
    batch: &InFlight,
    first: bool,
    answer: Result<Answer, GaveUp>,
    tally: &mut Tally,
    rep: &dyn Reporter,
) -> Result<bool> {
    match answer {
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
            let withdrawing: HashSet<String> = ids(&batch.body)
                .withdrawals
                .into_iter()
                .map(|w| w.claim_id)
                .collect();
            for r in &a.results {
                match r.outcome {
                    Outcome::Accepted if withdrawing.contains(&r.claim_id) => tally.withdrawn += 1,
                    Outcome::Accepted => tally.accepted += 1,
                    Outcome::Rejected => {
                        tally.rejected += 1;
                        // The agency has revisions this store did not send (a store restored
                        // from a backup, another copy of it): its change feed tells them.
                        let elsewhere = r.reasons.iter().any(|why| {
                            why.contains("is not higher than the")
                                || why.contains("the claim exists at the agency")
                        });
                        say!(
                            rep,
                            "claim {} rejected: {}{}",
                            r.claim_id,
                            r.reasons.join("; "),
                            if elsewhere {
                                " (the agency holds a revision this store did not send: a store restored from a backup, or another copy of it? The next submission takes it over from the agency's change feed; an agency without one must be asked what it holds)"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
            Ok(true)
        }
        Ok(Answer::Refused {
            status,
            class: Class::NotJudged,
            error,
            first_attempt,
        }) => {
            // Credentials, permissions or a proxy in the way: the claims were not judged.
            complain!(
                rep,
                "error: the agency did not take batch {} (HTTP {status}, {}): {}",
                batch.key,
                error.error,
                error.message
            );
            tally.unsent += claim_ids(&batch.body).len();
            if !(first && first_attempt) {
                // An earlier attempt (this run's, or a run's before) may have reached the
                // agency: the batch stays as sent, to go again under its key.
                complain!(
                    rep,
                    "  the batch stays recorded as sent (an earlier attempt may have reached the agency); fix the cause and run again"
                );
                return Ok(false);
            }
            // It never reached the agency: dropped, not kept to be sent as it was; the next
            // run works its claims out again from the books as they are then.
            complain!(
                rep,
                "  its claims are worked out again from the books on the next run; fix the cause and run again"
            );
            store.record_not_taken(&batch.key, &claim_ids(&batch.body), Utc::now())?;
            Ok(false)
        }
        Ok(Answer::Refused { status, error, .. }) => {
            let ids = claim_ids(&batch.body);
            let reason = format!(
                "the agency refused the batch (HTTP {status}, {}): {}",
                error.error, error.message
            );
            say!(rep, "batch {}: {reason}", batch.key);
            tally.rejected += ids.len();
            store.record_refusal(&batch.key, &ids, &reason, Utc::now())?;
            Ok(true)
        }
        Err(gave_up) => {
            complain!(rep, "error: {gave_up}");
            complain!(
                rep,
                "  batch {} stays recorded as sent; the next run sends it again",
                batch.key
            );
            tally.unsent += claim_ids(&batch.body).len();
            Ok(false)
        }
    }
}
