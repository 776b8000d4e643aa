//! The ledger as every view needs it: documents, debtors and payments loaded from the store,
//! reconciled and matched as of a date under the policy's matching rules.

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::matching::{match_payments, MatchPolicy, Matching};
use incasso_core::model::{Debtor, LedgerDocument, Payment, PaymentKind};
use incasso_core::reconcile::{reconcile, Reconciliation};
use incasso_store::Store;

/// A reconciled ledger.
pub struct Reconciled {
    /// Every document, current versions.
    pub docs: Vec<LedgerDocument>,
    /// Every debtor.
    pub debtors: Vec<Debtor>,
    /// Every bank line that can pay a document: money in, and reversals.
    pub payments: Vec<Payment>,
    /// Open amounts and allocations (credit notes, source ledger, payments).
    pub rec: Reconciliation,
    /// What became of each payment, and the matches waiting for review.
    pub matching: Matching,
    /// How long each stage took.
    pub timings: Timings,
}

/// How long loading, reconciling and matching took (benchmarks and `-v` read them).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Reading documents, debtors, payments and decisions from the store.
    pub load: std::time::Duration,
    /// Reconciling the documents (credit notes, source ledger).
    pub reconcile: std::time::Duration,
    /// Matching the payments.
    pub matching: std::time::Duration,
}

/// Loads and reconciles the ledger as of a date.
pub fn reconciled(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<Reconciled> {
    let started = std::time::Instant::now();
    let docs = store.documents()?;
    let debtors = store.debtors()?;
    // Money out is kept in the store but never matched: leave it there.
    let payments = store.payments_of(&[PaymentKind::Incoming, PaymentKind::Reversal])?;
    let decisions = store.decisions()?;
    let loaded = started.elapsed();
    let mut rec = reconcile(&docs, as_of);
    let reconciled = started.elapsed();
    let matching = match_payments(
        &docs, &debtors, &payments, &decisions, policy, as_of, &mut rec,
    );
    let timings = Timings {
        load: loaded,
        reconcile: reconciled - loaded,
        matching: started.elapsed() - reconciled,
    };
    tracing::info!(
        documents = docs.len(),
        payments = payments.len(),
        load_s = timings.load.as_secs_f64(),
        reconcile_s = timings.reconcile.as_secs_f64(),
        match_s = timings.matching.as_secs_f64(),
        match_runs = matching.runs,
        "ledger loaded and reconciled"
    );
    // Notes about the ledger (shortfalls, unlinked credit notes) belong to the output (the
    // report's notes), not to every read's log: -v shows a few, -vv all.
    for n in rec.notes.iter().take(5) {
        tracing::info!(
            "{} {}: {}",
            n.document.kind.code(),
            n.document.number,
            n.message
        );
    }
    if rec.notes.len() > 5 {
        tracing::info!(
            "and {} more notes like these (run with -vv to see all)",
            rec.notes.len() - 5
        );
        for n in &rec.notes[5..] {
            tracing::debug!(
                "{} {}: {}",
                n.document.kind.code(),
                n.document.number,
                n.message
            );
        }
    }
    Ok(Reconciled {
        docs,
        debtors,
        payments,
        rec,
        matching,
        timings,
    })
}
