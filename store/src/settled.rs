//! Since which import the books report a document's settlement (paid, or the open amount) as it
//! stands, where that is older than the document's current version: a later export that changed
//! only its description must not date the settlement anew, or a transfer made between the two
//! exports would look like the money the books had booked (review 44c, F-1). One record per such
//! document, keyed by it; none where the settlement dates from the current version.

use incasso_core::model::{Document, DocumentStatus, LedgerDocument};

use crate::{doc_key, key, Store, StoreError};

/// Key prefix of the records.
pub(crate) const P_SETTLED: u8 = b's';

/// The record's key for a document (by its [`doc_key`]).
pub(crate) fn settled_key(dk: &[u8]) -> Vec<u8> {
    key(P_SETTLED, dk)
}

/// Whether two versions report the same settlement: paid or not, and the same open amount.
pub(crate) fn same_settlement(a: &Document, b: &Document) -> bool {
    (a.status == DocumentStatus::Paid) == (b.status == DocumentStatus::Paid)
        && a.source_open == b.source_open
}

/// The records read (see [`Store::settled_since`]), to look documents up in with the store
/// closed.
#[derive(Debug, Default, Clone)]
pub struct SettledSince(std::collections::HashMap<Vec<u8>, u64>);

impl SettledSince {
    /// The import since which the books report the document's settlement as it stands, when
    /// older than its current version (else `None`: the current version's import).
    pub fn of(&self, d: &LedgerDocument) -> Option<u64> {
        if self.0.is_empty() || d.version < 2 {
            return None;
        }
        self.0.get(&doc_key(&d.document.key())).copied()
    }
}

impl Store {
    /// Every record of since when a settlement stands (few: one per document a later export
    /// changed in another field than its settlement).
    pub fn settled_since(&self) -> Result<SettledSince, StoreError> {
        let mut out = std::collections::HashMap::new();
        for kv in self.kv.scan_prefix(&[P_SETTLED]) {
            let (k, v) = kv?;
            if let Ok(b) = <[u8; 8]>::try_from(v.as_ref()) {
                out.insert(k[1..].to_vec(), u64::from_be_bytes(b));
            }
        }
        Ok(SettledSince(out))
    }
}
