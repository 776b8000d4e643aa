//! Open receivables and ageing buckets, computed as of an explicit date.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ids::{DebtorId, DocumentNumber};
use crate::model::{DocumentKind, DocumentStatus, LedgerDocument, Provenance};
use crate::money::Currency;
use crate::reconcile::Reconciliation;

/// Bucket boundaries in days, e.g. `[30, 60, 90]` for current, 1-30, 31-60, 61-90, 90+.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets(Vec<u32>);

/// Why bucket boundaries were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bucket boundaries must be positive whole days in increasing order, e.g. 30,60,90 (got {0})"
)]
pub struct InvalidBuckets(pub String);

impl Buckets {
    /// Boundaries from a list; must be non-empty, positive and strictly increasing.
    pub fn new(bounds: Vec<u32>) -> Result<Buckets, InvalidBuckets> {
        let ok = !bounds.is_empty() && bounds[0] > 0 && bounds.windows(2).all(|w| w[0] < w[1]);
        if ok {
            Ok(Buckets(bounds))
        } else {
            Err(InvalidBuckets(format!("{bounds:?}")))
        }
    }

    /// Parses `30,60,90`.
    pub fn parse(s: &str) -> Result<Buckets, InvalidBuckets> {
        let bounds = s
            .split(',')
            .map(|p| p.trim().parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| InvalidBuckets(s.to_string()))?;
        Buckets::new(bounds)
    }

    /// The labels, in order: `current`, `1-30`, ..., `90+`.
    pub fn labels(&self) -> Vec<String> {
        let mut labels = vec!["current".to_string()];
        let mut lo = 1;
        for &b in &self.0 {
            labels.push(format!("{lo}-{b}"));
            lo = b + 1;
        }
        labels.push(format!("{}+", self.0[self.0.len() - 1]));
        labels
    }

    /// Index of the bucket for an age in days (0 or less is `current`).
    pub fn index(&self, days: i64) -> usize {
        if days <= 0 {
            return 0;
        }
        match self.0.iter().position(|&b| days <= i64::from(b)) {
            Some(p) => p + 1,
            None => self.0.len() + 1,
        }
    }
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets(vec![30, 60, 90])
    }
}

/// The date an item's age counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgeingBasis {
    /// Days past the due date (the usual view for collection).
    #[default]
    Due,
    /// Days since the issue date.
    Issue,
}

impl fmt::Display for AgeingBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AgeingBasis::Due => "due",
            AgeingBasis::Issue => "issue",
        })
    }
}

/// One open document as of a date, borrowing from the ledger it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem<'a> {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Number as written by the source.
    pub number: &'a DocumentNumber,
    /// Who owes it.
    pub debtor: &'a DebtorId,
    /// Currency.
    pub currency: Currency,
    /// Document total, negative for a credit note.
    pub total: Decimal,
    /// Still open, negative for unapplied credit.
    pub open: Decimal,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Days past due as of the date (0 when not yet due).
    pub days_overdue: i64,
    /// Source status (disputed items stay visible here; policy excludes them from claims).
    pub status: DocumentStatus,
    /// Where the document was last defined.
    pub provenance: &'a Provenance,
}

/// The open items of a reconciled ledger as of a date, in ledger order (see [`sort_items`]).
pub fn open_items<'a>(
    docs: &'a [LedgerDocument],
    rec: &Reconciliation,
    as_of: NaiveDate,
) -> Vec<OpenItem<'a>> {
    let mut items = Vec::with_capacity(docs.len());
    for (ld, open) in docs.iter().zip(&rec.open) {
        let Some(open) = *open else { continue };
        if open.is_zero() {
            continue;
        }
        let d = &ld.document;
        let sign = if d.kind == DocumentKind::CreditNote {
            -Decimal::ONE
        } else {
            Decimal::ONE
        };
        items.push(OpenItem {
            kind: d.kind,
            number: &d.number,
            debtor: &d.debtor,
            currency: d.currency,
            total: d.total * sign,
            open,
            issue_date: d.issue_date,
            due_date: d.due_date,
            days_overdue: (as_of - d.due_date).num_days().max(0),
            status: d.status,
            provenance: &ld.provenance,
        });
    }
    items
}

/// Sorts items by number then kind, so listings never depend on the order of imports.
pub fn sort_items(items: &mut [OpenItem<'_>]) {
    items.sort_by_cached_key(|it| (it.number.normalised().into_owned(), it.kind));
}

/// One line of an ageing report: a currency (and debtor, when grouped so) with bucket totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeingRow {
    /// The debtor, when the report is per debtor.
    pub debtor: Option<DebtorId>,
    /// The currency; amounts of different currencies are never added.
    pub currency: Currency,
    /// Open amount per bucket, in the order of [`Buckets::labels`].
    pub amounts: Vec<Decimal>,
    /// Number of items per bucket.
    pub counts: Vec<u64>,
}

impl AgeingRow {
    /// Sum over all buckets.
    pub fn total(&self) -> Decimal {
        self.amounts.iter().copied().sum()
    }
}

/// Ageing totals per currency (and per debtor when `by_debtor`), sorted by debtor then currency.
pub fn ageing(
    items: &[OpenItem<'_>],
    buckets: &Buckets,
    basis: AgeingBasis,
    as_of: NaiveDate,
    by_debtor: bool,
) -> Vec<AgeingRow> {
    let n = buckets.labels().len();
    type Totals = (Vec<Decimal>, Vec<u64>);
    let mut rows: BTreeMap<(Option<&DebtorId>, Currency), Totals> = BTreeMap::new();
    for it in items.iter() {
        let from = match basis {
            AgeingBasis::Due => it.due_date,
            AgeingBasis::Issue => it.issue_date,
        };
        let b = buckets.index((as_of - from).num_days());
        let key = (by_debtor.then_some(it.debtor), it.currency);
        let row = rows
            .entry(key)
            .or_insert_with(|| (vec![Decimal::ZERO; n], vec![0; n]));
        row.0[b] += it.open;
        row.1[b] += 1;
    }
    rows.into_iter()
        .map(|((debtor, currency), (amounts, counts))| AgeingRow {
            debtor: debtor.cloned(),
            currency,
            amounts,
            counts,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_boundaries_are_inclusive() {
        let b = Buckets::default();
        assert_eq!(b.labels(), ["current", "1-30", "31-60", "61-90", "90+"]);
        let cases = [
            (-5, 0),
            (0, 0),
            (1, 1),
            (30, 1),
            (31, 2),
            (60, 2),
            (61, 3),
            (90, 3),
            (91, 4),
        ];
        for (days, want) in cases {
            assert_eq!(b.index(days), want, "{days} days");
        }
    }

    #[test]
    fn bucket_lists_are_validated() {
        assert!(Buckets::parse("30,60,90").is_ok());
        assert!(Buckets::parse("60,30").is_err());
        assert!(Buckets::parse("0,30").is_err());
        assert!(Buckets::parse("").is_err());
        assert_eq!(
            Buckets::parse("14,28").unwrap().labels(),
            ["current", "1-14", "15-28", "28+"]
        );
    }
}
