//! What the pages show, worked out once per state of the ledger and kept in memory between
//! requests: the reconciled ledger, the claims preview, the review queue and the open items in
//! the order the list shows them. It is keyed by the store's change marker (every import,
//! decision, letter, plan and submission moves it), the date and the policy, so a decision made
//! here or on the command line, or a nightly import, is seen by the next request.

use std::sync::Arc;

use chrono::NaiveDate;
use incasso_core::ageing::{ageing, open_items, AgeingBasis, Buckets};
use incasso_core::collection::claims::ClaimsPreview;
use incasso_core::money::format_cents;
use incasso_engine::payments::ReviewItem;
use incasso_engine::reconciled::Reconciled;
use incasso_engine::Workspace;

/// One open item as the lists show it.
pub struct ItemRow {
    /// Invoice or credit note number.
    pub number: String,
    /// Debtor id.
    pub debtor: String,
    /// Currency code.
    pub currency: String,
    /// Open amount, in cents notation.
    pub open: String,
    /// Due date.
    pub due: String,
    /// Days past due.
    pub days: i64,
    /// Ageing bucket label.
    pub bucket: String,
    /// Document status code.
    pub status: String,
}

/// A payment with money not applied, as its list shows it.
pub struct UnappliedRow {
    /// Payment id.
    pub id: String,
    /// Booking date.
    pub date: String,
    /// Amount paid.
    pub amount: String,
    /// Currency code.
    pub currency: String,
    /// What is not applied.
    pub unapplied: String,
    /// The matching's status code.
    pub status: String,
    /// The debtor matching took the payer for.
    pub debtor: String,
    /// The payer's name.
    pub payer: String,
    /// The remittance text.
    pub text: String,
}

/// The ledger worked out for one state and date.
pub struct Snapshot {
    /// Open amount and items per currency.
    pub totals: std::collections::BTreeMap<String, (rust_decimal::Decimal, usize)>,
    /// The ageing chart per currency (inline SVG made by the engine).
    pub charts: Vec<String>,
    /// Payments with money not applied, by date.
    pub unapplied: Vec<UnappliedRow>,
    /// The reconciled ledger.
    pub ledger: Reconciled,
    /// Claims that qualify and those held.
    pub preview: ClaimsPreview,
    /// The review queue.
    pub review: Vec<ReviewItem>,
    /// Open items, most overdue first.
    pub items: Vec<ItemRow>,
    /// The ageing buckets' labels.
    pub labels: Vec<String>,
}

/// The key of what a snapshot was worked out from.
pub fn key(ws: &Workspace, as_of: NaiveDate) -> anyhow::Result<String> {
    // Rate tables edited by hand in DATA_DIR/rates change the claims too.
    let mut rates: Vec<String> = std::fs::read_dir(ws.data_dir().join("rates"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| {
            let m = e.metadata().ok();
            format!(
                "{}:{}:{:?}",
                e.file_name().to_string_lossy(),
                m.as_ref().map_or(0, |m| m.len()),
                m.and_then(|m| m.modified().ok())
            )
        })
        .collect();
    rates.sort();
    Ok(format!(
        "{}|{as_of}|{:?}|{}",
        ws.store()?.change_marker()?,
        ws.policy()?,
        rates.join(",")
    ))
}

/// Works a snapshot out.
pub fn work_out(ws: &Workspace, as_of: NaiveDate) -> anyhow::Result<Snapshot> {
    let ledger =
        incasso_engine::reconciled::reconciled(ws.store()?, as_of, &ws.policy()?.matching)?;
    let preview = incasso_engine::claims::preview_of(ws, ledger.view(), as_of, None)?;
    let review = incasso_engine::payments::with_preview(&ledger, &preview);
    let buckets = Buckets::default();
    let labels = buckets.labels();
    let open = open_items(&ledger.docs, &ledger.rec.open, as_of);
    let mut totals: std::collections::BTreeMap<String, (rust_decimal::Decimal, usize)> =
        std::collections::BTreeMap::new();
    for i in &open {
        let e = totals.entry(i.currency.to_string()).or_default();
        e.0 += i.open;
        e.1 += 1;
    }
    let charts = ageing(&open, &buckets, AgeingBasis::Due, as_of, false)
        .iter()
        .map(|row| {
            incasso_engine::report::stacked_bar(&labels, &row.amounts, row.currency.as_str())
        })
        .collect();
    let mut unapplied: Vec<UnappliedRow> = ledger
        .payments
        .iter()
        .zip(&ledger.matching.outcomes)
        .filter(|(_, o)| o.money_not_applied())
        .map(|(p, o)| UnappliedRow {
            id: p.id.clone(),
            date: p.date.to_string(),
            amount: format_cents(p.amount.amount()),
            currency: p.amount.currency().to_string(),
            unapplied: format_cents(o.unapplied),
            status: o.status.code().to_string(),
            debtor: o
                .debtor
                .as_ref()
                .map(|d| d.as_str().to_string())
                .unwrap_or_default(),
            payer: p.counterparty_name.clone().unwrap_or_default(),
            text: p.remittance.clone().unwrap_or_default(),
        })
        .collect();
    unapplied.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
    let mut items: Vec<ItemRow> = open
        .iter()
        .map(|i| ItemRow {
            number: i.number.to_string(),
            debtor: i.debtor.as_str().to_string(),
            currency: i.currency.to_string(),
            open: format_cents(i.open),
            due: i.due_date.to_string(),
            days: i.days_overdue,
            bucket: labels[buckets.index(i.days_overdue)].clone(),
            status: i.status.code().to_string(),
        })
        .collect();
    items.sort_by(|a, b| (b.days, &a.number).cmp(&(a.days, &b.number)));
    drop(open);
    Ok(Snapshot {
        totals,
        charts,
        unapplied,
        ledger,
        preview,
        review,
        items,
        labels,
    })
}

/// The kept snapshot when its key is `key`.
pub fn kept(
    cache: &std::sync::Mutex<Option<(String, Arc<Snapshot>)>>,
    key: &str,
) -> Option<Arc<Snapshot>> {
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .filter(|(k, _)| k == key)
        .map(|(_, s)| s.clone())
}
