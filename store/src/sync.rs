//! What an API sync has seen: a cursor per source and endpoint, and per upstream record the
//! version last stored and the document or debtor it became. Both are written in the same sled
//! batch as the records they cover ([`ImportTx::set_cursor`], [`ImportTx::remember`]), so a
//! cursor never runs ahead of the data, and an interrupted sync resumes where it stopped.

use incasso_core::model::{DocumentKey, DocumentKind, Location};
use serde::{Deserialize, Serialize};

use crate::codec::corrupt;
use crate::{json_decode, json_encode, ImportTx, Store, StoreError};

/// Cursors: `S` source 0 endpoint.
pub(crate) const P_SYNC_CURSOR: u8 = b'S';
/// Upstream records: `U` source 0 endpoint 0 upstream id.
pub(crate) const P_SYNC_RECORD: u8 = b'U';

/// What the ledger holds for one upstream record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedRecord {
    /// The upstream version (Moneybird `version`, Exact `Timestamp`, Xero `UpdatedDateUTC`).
    pub version: Option<String>,
    /// The document the record became, if it is one.
    pub document: Option<(DocumentKind, String)>,
    /// The debtor id the record became (contacts), or the document's debtor.
    pub debtor: Option<String>,
    /// For an open item: the amount still open of its document.
    #[serde(default)]
    pub open: Option<rust_decimal::Decimal>,
    /// For a document's open items: each item's id and open amount.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<(String, rust_decimal::Decimal)>,
    /// For a contact: the number the package shows for it now, when that is not the debtor id
    /// (a debtor keeps the id it was first given; a number set or changed later is an alias).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// For a document's open items: the items whose payment the package has underway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
    /// For a contact not synced yet: the documents stored under its upstream id, to be given
    /// its debtor id when it arrives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<(DocumentKind, String)>,
    /// For a document number: the upstream record whose document it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// For a document's open items: the items that run the credit way (a credit note's, or a
    /// receipt on an invoice), whose amounts count against the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<String>,
    /// For a document's open items: `open` is signed (owed positive, credit negative) and
    /// `credits` lists the credit items. Kept before session 41: every item ran the way of the
    /// kind in `document`, and `open` was a magnitude.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed: bool,
}

impl SyncedRecord {
    /// What a document of `kind` has open by these open items (none when no item was seen):
    /// an invoice what they leave owed, a credit note the credit they leave, never below zero.
    pub fn open_of(&self, kind: DocumentKind) -> Option<rust_decimal::Decimal> {
        let total = self.open?;
        let credit_way = |k: &(DocumentKind, String)| k.0 == DocumentKind::CreditNote;
        let signed = if self.signed || !self.document.as_ref().is_some_and(credit_way) {
            total
        } else {
            -total
        };
        let owed = match kind {
            DocumentKind::Invoice => signed,
            DocumentKind::CreditNote => -signed,
        };
        Some(owed.max(rust_decimal::Decimal::ZERO))
    }
}

fn cursor_key(source: &str, endpoint: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(source.len() + endpoint.len() + 2);
    k.push(P_SYNC_CURSOR);
    k.extend_from_slice(source.as_bytes());
    k.push(0);
    k.extend_from_slice(endpoint.as_bytes());
    k
}

fn record_prefix(source: &str, endpoint: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(source.len() + endpoint.len() + 40);
    k.push(P_SYNC_RECORD);
    k.extend_from_slice(source.as_bytes());
    k.push(0);
    k.extend_from_slice(endpoint.as_bytes());
    k.push(0);
    k
}

fn record_key(source: &str, endpoint: &str, id: &str) -> Vec<u8> {
    let mut k = record_prefix(source, endpoint);
    k.extend_from_slice(id.as_bytes());
    k
}

/// Sources whose last sync did not complete: `Gsync-behind` 0 source name.
const SYNC_BEHIND: &[u8] = b"Gsync-behind\0";

impl Store {
    /// Records whether the last sync of `source` completed; one that did not leaves the ledger
    /// behind the books until one does.
    pub fn record_sync_outcome(&self, source: &str, complete: bool) -> Result<(), StoreError> {
        let mut k = SYNC_BEHIND.to_vec();
        k.extend_from_slice(source.as_bytes());
        let mut b = crate::kv::Batch::default();
        if complete {
            b.remove(k);
        } else {
            b.insert(k, Vec::new());
        }
        self.kv.apply(b)?;
        self.kv.flush()?;
        Ok(())
    }

    /// The sources whose last sync did not complete.
    pub fn syncs_behind(&self) -> Result<Vec<String>, StoreError> {
        self.kv
            .scan_prefix(SYNC_BEHIND)
            .map(|kv| {
                let (k, _) = kv?;
                Ok(String::from_utf8_lossy(&k[SYNC_BEHIND.len()..]).into_owned())
            })
            .collect()
    }

    /// The cursor stored for a source's endpoint, if any.
    pub fn sync_cursor(&self, source: &str, endpoint: &str) -> Result<Option<String>, StoreError> {
        let k = cursor_key(source, endpoint);
        match self.kv.get(&k)? {
            None => Ok(None),
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|_| corrupt(&k, "cursor is not UTF-8")),
        }
    }

    /// What the ledger holds for one upstream record.
    pub fn synced(
        &self,
        source: &str,
        endpoint: &str,
        id: &str,
    ) -> Result<Option<SyncedRecord>, StoreError> {
        let k = record_key(source, endpoint, id);
        match self.kv.get(&k)? {
            None => Ok(None),
            Some(v) => json_decode(&k, &v).map(Some),
        }
    }

    /// Every upstream record of a source's endpoint with what it became, by upstream id.
    pub fn synced_all(
        &self,
        source: &str,
        endpoint: &str,
    ) -> Result<Vec<(String, SyncedRecord)>, StoreError> {
        let prefix = record_prefix(source, endpoint);
        self.kv
            .scan_prefix(&prefix)
            .map(|kv| {
                let (k, v) = kv?;
                let id = String::from_utf8(k[prefix.len()..].to_vec())
                    .map_err(|_| corrupt(&k, "upstream id is not UTF-8"))?;
                Ok((id, json_decode(&k, &v)?))
            })
            .collect()
    }
}

impl ImportTx<'_> {
    /// Moves a source's endpoint cursor, visible together with the records of this import.
    pub fn set_cursor(&mut self, source: &str, endpoint: &str, cursor: &str) {
        self.put(cursor_key(source, endpoint), cursor.as_bytes().to_vec());
    }

    /// Records what an upstream record became, together with the records of this import.
    pub fn remember(&mut self, source: &str, endpoint: &str, id: &str, record: &SyncedRecord) {
        self.put(record_key(source, endpoint, id), json_encode(record));
    }

    /// Forgets an upstream record (deleted upstream), together with this import.
    pub fn forget(&mut self, source: &str, endpoint: &str, id: &str) {
        self.remove(record_key(source, endpoint, id));
    }

    /// Makes the current version of a document void (deleted or voided upstream), as a new
    /// version whose provenance is this import at `location`. False when it is unknown or void
    /// already.
    pub fn mark_void(&mut self, key: &DocumentKey, location: Location) -> Result<bool, StoreError> {
        let Some(mut doc) = self.current(key)? else {
            return Ok(false);
        };
        if doc.status.is_cancelled() {
            return Ok(false);
        }
        doc.status = incasso_core::model::DocumentStatus::Void;
        self.add_document(&doc, location)?;
        Ok(true)
    }
}
