//! The report's figures, computed from the reconciled ledger and the store's records without
//! touching a file: what is open per currency, the money not applied, what waits in review, the
//! claims ready, what went to the agency, the conflicts and the quarantined files. The HTML page
//! shows them; the nightly run's summary reports them.

use std::collections::BTreeMap;
use std::path::Path;

use incasso_core::ageing::OpenItem;
use incasso_core::collection::claims::ClaimsPreview;
use incasso_core::money::format_cents;
use incasso_store::{Conflict, ConflictStatus, Submission};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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

/// What the report shows of a claims preview: how many claims qualify and their totals per
/// currency, and the first of the items held back for a person. Kept beside the preview, so that
/// a report with nothing new reads this instead of every claim and held item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsShown {
    /// Claims that qualify.
    pub qualifying: usize,
    /// Their total outstanding (principal, costs, interest) per currency.
    pub totals: BTreeMap<String, Decimal>,
    /// Items held because money received may have paid them, or a rate is unknown.
    pub held: usize,
    /// The first [`ClaimsShown::HELD_SHOWN`] of them: debtor, invoice, currency, open, why.
    pub first_held: Vec<[String; 5]>,
}

impl ClaimsShown {
    /// How many held items the report lists (the rest are in `incasso claims`).
    pub const HELD_SHOWN: usize = 500;

    /// What the report shows of `p`.
    pub fn of(p: &ClaimsPreview) -> ClaimsShown {
        let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
        for c in &p.claims {
            *totals.entry(c.currency.to_string()).or_default() += c.amounts.total_outstanding;
        }
        let held = p
            .excluded
            .iter()
            .filter(|e| matches!(e.rule, "possible-payment" | "rate-unknown"));
        ClaimsShown {
            qualifying: p.claims.len(),
            totals,
            held: held.clone().count(),
            first_held: held
                .take(Self::HELD_SHOWN)
                .map(|e| {
                    [
                        e.debtor.clone(),
                        e.number.clone(),
                        e.currency.to_string(),
                        format_cents(e.open),
                        e.reason.clone(),
                    ]
                })
                .collect(),
        }
    }
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
    /// What the report shows of the claims preview, or why there is none.
    pub claims: Result<&'a ClaimsShown, String>,
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
        Ok(c) => Ok((c.qualifying, c.totals.clone())),
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
