//! The report's figures, computed from the reconciled ledger and the store's records without
//! touching a file: what is open per currency, the money not applied, what waits in review, the
//! claims ready, what went to the agency, the conflicts and the quarantined files. The HTML page
//! shows them; the nightly run's summary reports them.

use std::collections::BTreeMap;
use std::path::Path;

use incasso_core::ageing::OpenItem;
use incasso_core::collection::claims::ClaimsPreview;
use incasso_store::{Conflict, ConflictStatus, Submission};
use rust_decimal::Decimal;

use crate::reconciled::LedgerView;

/// The figures of a report, computed once (the nightly run reuses them for its summary).
#[derive(Debug, Clone)]
pub struct Figures {
    /// Open amount per currency.
    pub open: BTreeMap<String, Decimal>,
    /// Open items.
    pub items: usize,
    /// Money received and not applied: lines, and amount per currency.
    pub unmatched: (usize, BTreeMap<String, Decimal>),
    /// Matches waiting in review.
    pub review: usize,
    /// Claims that qualify, or why they could not be computed.
    pub claims_ready: Result<(usize, BTreeMap<String, Decimal>), String>,
    /// Submission states and counts.
    pub submitted: BTreeMap<&'static str, usize>,
    /// Open conflicts.
    pub conflicts: usize,
    /// Files in quarantine.
    pub quarantined: Vec<String>,
}

/// What the figures are computed from.
pub struct FiguresOf<'a> {
    /// The open items as of the report's date.
    pub items: &'a [OpenItem<'a>],
    /// The reconciled ledger.
    pub ledger: LedgerView<'a>,
    /// What was sent to the agency.
    pub submissions: &'a [Submission],
    /// Conflicts between sources.
    pub conflicts: &'a [Conflict],
    /// Files in the inbox's quarantine.
    pub quarantined: Vec<String>,
    /// The claims preview, or why there is none.
    pub claims: Result<&'a ClaimsPreview, String>,
}

/// The figures, from the ledger and records given.
pub fn figures(of: &FiguresOf<'_>) -> Figures {
    let r = of.ledger;
    let mut open: BTreeMap<String, Decimal> = BTreeMap::new();
    for it in of.items {
        *open.entry(it.currency.to_string()).or_default() += it.open;
    }
    let mut unmatched: (usize, BTreeMap<String, Decimal>) = (0, BTreeMap::new());
    for (p, o) in r.waiting.payments.iter().zip(&r.waiting.outcomes) {
        if o.money_not_applied() {
            unmatched.0 += 1;
            *unmatched
                .1
                .entry(p.amount.currency().to_string())
                .or_default() += o.unapplied;
        }
    }
    let mut submitted: BTreeMap<&'static str, usize> = BTreeMap::new();
    for s in of.submissions {
        *submitted.entry(s.state.code()).or_default() += 1;
    }
    let claims_ready = match &of.claims {
        Ok(p) => {
            let mut t: BTreeMap<String, Decimal> = BTreeMap::new();
            for c in &p.claims {
                *t.entry(c.currency.to_string()).or_default() += c.amounts.total_outstanding;
            }
            Ok((p.claims.len(), t))
        }
        Err(e) => Err(e.clone()),
    };
    Figures {
        open,
        items: of.items.len(),
        unmatched,
        review: r.waiting.review.len(),
        claims_ready,
        submitted,
        conflicts: of
            .conflicts
            .iter()
            .filter(|c| c.status == ConflictStatus::Open)
            .count(),
        quarantined: of.quarantined.clone(),
    }
}

/// The files in an inbox's quarantine, sorted (their notes left out); none without an inbox.
pub fn quarantined_in(inbox: Option<&Path>) -> Vec<String> {
    let Some(rd) = inbox.and_then(|i| std::fs::read_dir(i.join("quarantine")).ok()) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".error.txt"))
        .collect();
    v.sort();
    v
}
