//! What the pages show, worked out once per state of the ledger and kept in memory between
//! requests: the reconciled ledger, the claims preview, the review queue, the open items in the
//! order the list shows them, and the store's records the pages list beside them (letters,
//! plans, submissions, open conflicts). It is keyed by the store's change marker (every import,
//! decision, letter, plan, submission and resolved conflict moves it), the date and the policy,
//! so a decision made here or on the command line, or a nightly import, is seen by the next
//! request.
//!
//! It is worked out in three steps: [`read`] with the store open, [`Read::work`] with it closed
//! (the long one: matching and the claims), [`Working::finish`] with it open again to keep the
//! reconciliation. So the workbench can work one out in the background while the store takes
//! the person's next decisions (`lib.rs`).

use std::sync::Arc;

use chrono::NaiveDate;
use incasso_core::ageing::{ageing, open_items, AgeingBasis, Buckets};
use incasso_core::collection::claims::ClaimsPreview;
use incasso_core::collection::{PaymentPlan, Reminder};
use incasso_core::money::format_cents;
use incasso_engine::claims::ClaimsInputs;
use incasso_engine::payments::ReviewItem;
use incasso_engine::reconciled::{Beside, Inputs, Reconciled, Worked};
use incasso_engine::Workspace;
use incasso_store::Submission;

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
    /// The ageing per currency: its amounts per bucket of [`Snapshot::labels`], for the chart.
    pub charts: Vec<(String, Vec<rust_decimal::Decimal>)>,
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
    /// Every letter sent.
    pub reminders: Vec<Reminder>,
    /// Every payment plan.
    pub plans: Vec<PaymentPlan>,
    /// Every claim sent to the agency, by claim id.
    pub submissions: Vec<Submission>,
    /// How many conflicts between sources wait for a person.
    pub conflicts_open: usize,
}

/// The key of what a snapshot was worked out from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The store's change marker.
    pub marker: String,
    /// The date it is as of.
    pub as_of: NaiveDate,
    /// The policy and the rate tables.
    pub rules: String,
}

/// The key of the ledger as it stands, as of a date.
pub fn key(ws: &Workspace, as_of: NaiveDate) -> anyhow::Result<Key> {
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
    Ok(Key {
        marker: ws.store()?.change_marker()?,
        as_of,
        rules: format!("{:?}|{}", ws.policy()?, rates.join(",")),
    })
}

/// What a snapshot is worked out from, read with the store open.
pub struct Read {
    key: Key,
    ledger: Ledger,
    claims: ClaimsInputs,
    submissions: Vec<Submission>,
    conflicts_open: usize,
}

/// Where the ledger's inputs come from.
enum Ledger {
    /// All read from the store.
    Read(Box<Inputs>),
    /// The documents, debtors and bank lines of the last snapshot, the rest read.
    Beside(Box<Beside>, Arc<Snapshot>),
}

/// Reads what the snapshot of the ledger as it stands (at `key`) is worked out from. `last`:
/// the last snapshot, when only decisions made here changed the store since it; its documents,
/// debtors and bank lines are the store's, and are taken from it later instead of read now.
pub fn read(ws: &Workspace, key: Key, last: Option<Arc<Snapshot>>) -> anyhow::Result<Read> {
    let store = ws.store()?;
    let policy = &ws.policy()?.matching;
    let ledger = match last {
        Some(last) => Ledger::Beside(
            Box::new(incasso_engine::reconciled::beside(
                store, key.as_of, policy,
            )?),
            last,
        ),
        None => Ledger::Read(Box::new(incasso_engine::reconciled::inputs(
            store, key.as_of, policy,
        )?)),
    };
    let claims = ClaimsInputs::read(ws, None)?;
    let mut submissions = store.submissions()?;
    submissions.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
    let conflicts_open = store
        .conflicts()?
        .iter()
        .filter(|c| c.status == incasso_store::ConflictStatus::Open)
        .count();
    Ok(Read {
        key,
        ledger,
        claims,
        submissions,
        conflicts_open,
    })
}

/// A snapshot worked out, its reconciliation not yet kept in the store.
pub struct Working {
    key: Key,
    worked: Worked,
    lists: Lists,
}

/// A snapshot but its ledger.
struct Lists {
    totals: std::collections::BTreeMap<String, (rust_decimal::Decimal, usize)>,
    charts: Vec<(String, Vec<rust_decimal::Decimal>)>,
    unapplied: Vec<UnappliedRow>,
    preview: ClaimsPreview,
    review: Vec<ReviewItem>,
    items: Vec<ItemRow>,
    labels: Vec<String>,
    reminders: Vec<Reminder>,
    plans: Vec<PaymentPlan>,
    submissions: Vec<Submission>,
    conflicts_open: usize,
}

impl Read {
    /// Works the snapshot out; needs no store.
    pub fn work(self) -> anyhow::Result<Working> {
        let Read {
            key,
            ledger,
            claims,
            submissions,
            conflicts_open,
        } = self;
        let as_of = key.as_of;
        let ledger = match ledger {
            Ledger::Read(inputs) => *inputs,
            Ledger::Beside(beside, last) => {
                let r = &last.ledger;
                beside.with(r.docs.clone(), r.debtors.clone(), r.payments.clone())
            }
        };
        let worked = ledger.work();
        let r = worked.reconciled();
        let preview = claims.preview(r.view(), as_of)?;
        let review = incasso_engine::payments::with_preview(r, &preview);
        let (reminders, plans) = claims.into_letters_and_plans();
        let lists = lists(
            r,
            as_of,
            preview,
            review,
            reminders,
            plans,
            submissions,
            conflicts_open,
        );
        Ok(Working { key, worked, lists })
    }
}

impl Working {
    /// Keeps the reconciliation in the store for the next read, and gives the snapshot with
    /// the key it was worked out for.
    pub fn finish(mut self, ws: &Workspace) -> anyhow::Result<(Key, Snapshot)> {
        self.worked.keep(ws.store()?);
        Ok(self.done())
    }

    /// The snapshot with the key it was worked out for.
    fn done(self) -> (Key, Snapshot) {
        let Working { key, worked, lists } = self;
        let snapshot = lists.with_ledger(worked.into_reconciled());
        (key, snapshot)
    }
}

impl Lists {
    /// The snapshot of these lists and their ledger.
    fn with_ledger(self, ledger: Reconciled) -> Snapshot {
        let Lists {
            totals,
            charts,
            unapplied,
            preview,
            review,
            items,
            labels,
            reminders,
            plans,
            submissions,
            conflicts_open,
        } = self;
        Snapshot {
            totals,
            charts,
            unapplied,
            ledger,
            preview,
            review,
            items,
            labels,
            reminders,
            plans,
            submissions,
            conflicts_open,
        }
    }
}

/// Works a snapshot out with the store open throughout.
pub fn work_out(ws: &Workspace, as_of: NaiveDate) -> anyhow::Result<(Key, Snapshot)> {
    read(ws, key(ws, as_of)?, None)?.work()?.finish(ws)
}

/// The lists the pages show, of a reconciled ledger.
#[allow(clippy::too_many_arguments)]
fn lists(
    ledger: &Reconciled,
    as_of: NaiveDate,
    preview: ClaimsPreview,
    review: Vec<ReviewItem>,
    reminders: Vec<Reminder>,
    plans: Vec<PaymentPlan>,
    submissions: Vec<Submission>,
    conflicts_open: usize,
) -> Lists {
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
        .map(|row| (row.currency.to_string(), row.amounts.clone()))
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
    Lists {
        totals,
        charts,
        unapplied,
        preview,
        review,
        items,
        labels,
        reminders,
        plans,
        submissions,
        conflicts_open,
    }
}

#[cfg(test)]
impl Snapshot {
    /// A snapshot of an empty ledger, for the cache's tests.
    pub fn empty() -> Snapshot {
        lists(
            &empty_ledger(),
            NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date"),
            ClaimsPreview::default(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            0,
        )
        .with_ledger(empty_ledger())
    }
}

#[cfg(test)]
fn empty_ledger() -> Reconciled {
    Reconciled {
        docs: Vec::new(),
        debtors: Vec::new(),
        payments: Vec::new(),
        rec: Default::default(),
        matching: Default::default(),
        waiting: Default::default(),
        timings: Default::default(),
    }
}
