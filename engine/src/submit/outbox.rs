//! The outbox: batches recorded durably before they are sent, sent, and their answers recorded.

use anyhow::Result;
use chrono::Utc;
use incasso_delivery::Class;
use incasso_intake::client::{Answer, Client};
use incasso_intake::schema::{Batch, Outcome};
use incasso_store::{Answered, InFlight, Store};

use super::Tally;
use crate::{complain, say, Reporter};

/// Sends one recorded batch and records the answer; false when the agency could not be reached
/// (the batch stays in flight for the next run).
pub(super) fn deliver(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    store: &Store,
    batch: &InFlight,
    tally: &mut Tally,
    rep: &dyn Reporter,
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
                        say!(
                            rep,
                            "claim {} rejected: {}",
                            r.claim_id,
                            r.reasons.join("; ")
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
        }) => {
            // Credentials, permissions or a proxy in the way: the claims were not judged.
            complain!(
                rep,
                "error: the agency did not take batch {} (HTTP {status}, {}): {}",
                batch.key,
                error.error,
                error.message
            );
            complain!(
                rep,
                "  the batch stays recorded as sent; fix the cause and run again"
            );
            tally.unsent += 1;
            Ok(false)
        }
        Ok(Answer::Refused { status, error, .. }) => {
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
            tally.unsent += 1;
            Ok(false)
        }
    }
}
