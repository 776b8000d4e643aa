//! Documents read from the last row of a file that ends without a line end: a download cut
//! short inside that row still parses (`D109` read as `D10`, a paid `500` as `5`), so each is
//! marked unconfirmed when imported and held from claims until another import lists it again
//! (any row but such a last one, or another source). One record per document, keyed by it.

use serde::{Deserialize, Serialize};

use incasso_core::model::{DocumentKey, Location};

use crate::{doc_key, json_encode, key, Store, StoreError};

/// Key prefix of the unconfirmed documents' records.
pub(crate) const P_UNCONFIRMED: u8 = b'f';

/// A document whose only reading so far may have been cut short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unconfirmed {
    /// The document.
    pub document: DocumentKey,
    /// Its number as written.
    pub number: String,
    /// The import that read it.
    pub import: u64,
    /// The file's name.
    pub source: String,
    /// Its row there: the file's last.
    pub location: Location,
    /// Its debtor's id as read.
    #[serde(default)]
    pub debtor: String,
    /// Whether an amount or the kind was the row's last field: a credit note whose sign was cut
    /// off reads as an invoice, so every item of the debtor is held; and an amount may have been
    /// cut to what an earlier export gave (`500` to `50`), so the row is held even so.
    #[serde(default)]
    pub amount_cut: bool,
    /// Whether the row is a credit note whose debtor's id was its last field: a cut there gives
    /// another debtor's id (`D109` read as `D10`), so the debtors whose ids begin with it are
    /// held, their credit maybe lost to it.
    #[serde(default)]
    pub debtor_cut: bool,
    /// Whether the file did not list the document at all: a list of every open item, cut short,
    /// would leave out the rows after the cut, which would then be settled as paid (review
    /// 43c, F-4); it is held instead.
    #[serde(default)]
    pub unlisted: bool,
}

impl Store {
    /// Every document held unconfirmed: read only from a file's last row without a line end, or
    /// left out of a list of every open item that may have been cut short.
    pub fn unconfirmed(&self) -> Result<Vec<Unconfirmed>, StoreError> {
        self.scan_json(P_UNCONFIRMED)
    }
}

/// The record to write for a mark, under its key.
pub(crate) fn mark(u: &Unconfirmed) -> (Vec<u8>, Vec<u8>) {
    (key(P_UNCONFIRMED, &doc_key(&u.document)), json_encode(u))
}

/// The key of a stored mark of a document (by its [`doc_key`]).
pub(crate) fn mark_key(dk: &[u8]) -> Vec<u8> {
    key(P_UNCONFIRMED, dk)
}
