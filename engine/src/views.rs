//! The open-items views as data a renderer writes out as it is (`incasso receivables --format
//! json`, `incasso ageing --format json`): amounts as decimal strings, dates as ISO text. Fields
//! are in alphabetical order, as the JSON has always had them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use incasso_core::ageing::{AgeingBasis, AgeingRow, Buckets, OpenItem};
use incasso_core::money::format_cents;
use serde::Serialize;

/// One open item.
#[derive(Debug, Serialize)]
pub struct ItemView {
    /// Its ageing bucket's label.
    pub bucket: String,
    /// Currency.
    pub currency: String,
    /// Days past the due date.
    pub days_overdue: i64,
    /// The debtor's id.
    pub debtor: String,
    /// Due date.
    pub due_date: String,
    /// The invoice (or credit note) number.
    pub invoice: String,
    /// Issue date.
    pub issue_date: String,
    /// Invoice or credit note.
    pub kind: &'static str,
    /// What is open.
    pub open: String,
    /// Where it came from.
    pub source: String,
    /// Its status in the books.
    pub status: String,
    /// Its total.
    pub total: String,
}

/// The open items as of a date.
#[derive(Debug, Serialize)]
pub struct Receivables {
    /// The date looked from.
    pub as_of: String,
    /// Each item.
    pub items: Vec<ItemView>,
}

/// The open items as of a date, with their buckets (the default 30/60/90).
pub fn receivables(items: &[OpenItem<'_>], as_of: NaiveDate) -> Receivables {
    let buckets = Buckets::default();
    let labels = buckets.labels();
    Receivables {
        as_of: as_of.to_string(),
        items: items
            .iter()
            .map(|it| ItemView {
                bucket: labels[buckets.index((as_of - it.due_date).num_days())].clone(),
                currency: it.currency.to_string(),
                days_overdue: it.days_overdue,
                debtor: it.debtor.to_string(),
                due_date: it.due_date.to_string(),
                invoice: it.number.to_string(),
                issue_date: it.issue_date.to_string(),
                kind: it.kind.code(),
                open: format_cents(it.open),
                source: it.provenance.to_string(),
                status: format!("{:?}", it.status).to_lowercase(),
                total: format_cents(it.total),
            })
            .collect(),
    }
}

/// One bucket of an ageing row.
#[derive(Debug, Serialize)]
pub struct BucketView {
    /// The open amount.
    pub amount: String,
    /// How many items.
    pub count: u64,
}

/// One ageing row: a currency (and debtor).
#[derive(Debug, Serialize)]
pub struct AgeingRowView {
    /// Amount and count per bucket label.
    pub buckets: BTreeMap<String, BucketView>,
    /// Currency.
    pub currency: String,
    /// The debtor, when per debtor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debtor: Option<String>,
    /// Sum over the buckets.
    pub total: String,
}

/// The ageing report.
#[derive(Debug, Serialize)]
pub struct Ageing {
    /// The date looked from.
    pub as_of: String,
    /// Due or issue.
    pub basis: String,
    /// The bucket labels, in order.
    pub buckets: Vec<String>,
    /// Each row.
    pub rows: Vec<AgeingRowView>,
}

/// The ageing rows as data.
pub fn ageing(
    rows: &[AgeingRow],
    buckets: &Buckets,
    basis: AgeingBasis,
    as_of: NaiveDate,
) -> Ageing {
    let labels = buckets.labels();
    Ageing {
        as_of: as_of.to_string(),
        basis: basis.to_string(),
        rows: rows
            .iter()
            .map(|r| AgeingRowView {
                buckets: labels
                    .iter()
                    .zip(r.amounts.iter().zip(&r.counts))
                    .map(|(l, (a, c))| {
                        (
                            l.clone(),
                            BucketView {
                                amount: format_cents(*a),
                                count: *c,
                            },
                        )
                    })
                    .collect(),
                currency: r.currency.to_string(),
                debtor: r.debtor.as_ref().map(|d| d.to_string()),
                total: format_cents(r.total()),
            })
            .collect(),
        buckets: labels,
    }
}
