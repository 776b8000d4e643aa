//! What the books reported settled of a document (paid: its total; else its total less the open
//! amount they give) over its versions, with the import that first reported each amount. A
//! later export that changed only the description must not date the settlement anew, and a
//! settlement that grew must not be dated whole by its latest growth, or a transfer made before
//! it would look like money the books had booked (review 44c, F-1; 44d, F-1). One record per
//! document with more than one version, keyed by it.

use incasso_core::model::{Document, DocumentKind, DocumentStatus, LedgerDocument};
use rust_decimal::Decimal;

use crate::{doc_key, json_decode, json_encode, key, Store, StoreError};

/// Key prefix of the records.
pub(crate) const P_SETTLED: u8 = b's';

/// The record's key for a document (by its [`doc_key`]).
pub(crate) fn settled_key(dk: &[u8]) -> Vec<u8> {
    key(P_SETTLED, dk)
}

/// What a version reports settled: an invoice's total when paid, else its total less the open
/// amount it gives (all of it when that is below zero), else nothing.
pub fn settled_of(d: &Document) -> Decimal {
    if d.kind != DocumentKind::Invoice {
        return Decimal::ZERO;
    }
    match (d.status, d.source_open) {
        (DocumentStatus::Paid, _) => d.total,
        (_, Some(o)) if o < d.total => d.total - o.max(Decimal::ZERO),
        _ => Decimal::ZERO,
    }
}

/// Each amount a document's versions reported settled, with the import that first reported it,
/// oldest first.
pub(crate) type Steps = Vec<(u64, Decimal)>;

/// The steps after a new version: `stored` (the record, if any), else the old version's own
/// step; then the new amount when it differs. `None` when the record stands as it is.
pub(crate) fn next_steps(
    stored: Option<Steps>,
    old_import: u64,
    old: &Document,
    new_import: u64,
    new: &Document,
) -> Option<Steps> {
    let had = stored.is_some();
    let mut steps = stored.unwrap_or_else(|| vec![(old_import, settled_of(old))]);
    let now = settled_of(new);
    if steps.last().map(|s| s.1) != Some(now) {
        steps.push((new_import, now));
    } else if had {
        return None;
    }
    Some(steps)
}

/// Decodes a stored record (a record of another shape reads as none).
pub(crate) fn decode(k: &[u8], v: &[u8]) -> Option<Steps> {
    json_decode(k, v).ok()
}

/// Encodes a record.
pub(crate) fn encode(steps: &Steps) -> Vec<u8> {
    json_encode(steps)
}

/// The records read (see [`Store::settled_since`]), to look documents up in with the store
/// closed.
#[derive(Debug, Default, Clone)]
pub struct SettledSince(std::collections::HashMap<Vec<u8>, Steps>);

impl SettledSince {
    /// The amounts the document's versions reported settled, each with the import that first
    /// reported it, oldest first; `None` for a document of one version (its own import reported
    /// all it says).
    pub fn of(&self, d: &LedgerDocument) -> Option<&[(u64, Decimal)]> {
        if self.0.is_empty() || d.version < 2 {
            return None;
        }
        self.0.get(&doc_key(&d.document.key())).map(Vec::as_slice)
    }
}

impl Store {
    /// Every record of what documents' versions reported settled (one per document of more than
    /// one version since this was kept).
    pub fn settled_since(&self) -> Result<SettledSince, StoreError> {
        let mut out = std::collections::HashMap::new();
        for kv in self.kv.scan_prefix(&[P_SETTLED]) {
            let (k, v) = kv?;
            if let Some(steps) = decode(&k, &v) {
                out.insert(k[1..].to_vec(), steps);
            }
        }
        Ok(SettledSince(out))
    }
}
