//! Accounting APIs: Moneybird, Exact Online and Xero, read incrementally into the same records as
//! the file connectors; readers of Twinfield's XML answers (`twinfield.rs`) and its sync client
//! (`twinfield_sync.rs`).
//!
//! Each connector (`moneybird.rs`, `exact.rs`, `xero.rs`) walks its endpoints and hands the
//! records of every page to a [`SyncLedger`], which stores them and the cursor that follows them
//! in one atomic step; the connector asks the same ledger what it has seen before, so a second
//! sync fetches only what changed. The parsers are plain functions over response bytes, tested
//! on real responses; `http.rs` has the retrying, pacing client and `oauth.rs` the refresh-token
//! flow whose single-use tokens are saved before they are used.

pub mod exact;
pub mod http;
mod json;
pub mod moneybird;
pub mod oauth;
pub mod secret;
pub mod twinfield;
pub mod twinfield_sync;
pub mod xero;

use std::sync::Arc;

use chrono::NaiveDate;
use incasso_core::model::{Debtor, Document, Location, Payment, Source, SourceKind};

/// One record of a response, as the ledger should take it.
#[derive(Debug, Clone)]
pub enum Record {
    /// An invoice or credit note.
    Document {
        /// The upstream id.
        id: String,
        /// The upstream version, to fetch only what changed next time.
        version: Option<String>,
        /// The document.
        document: Document,
        /// Where in the response it was.
        location: Location,
    },
    /// A contact that is (or may become) a debtor.
    Debtor {
        /// The upstream id.
        id: String,
        /// The upstream version.
        version: Option<String>,
        /// The debtor.
        debtor: Debtor,
        /// The number the package shows for the contact, when it is not the debtor's id (a
        /// number set or changed after the debtor was first synced).
        alias: Option<String>,
    },
    /// A payment the package booked against a document.
    Payment {
        /// The upstream id.
        id: String,
        /// The payment (kind [`incasso_core::model::PaymentKind::AppliedUpstream`]).
        payment: Payment,
    },
    /// A record that is not a receivable (a draft, a purchase invoice): remembered by version so
    /// it is not fetched again, and voided in the ledger if it was a document before.
    Skipped {
        /// The upstream id.
        id: String,
        /// The upstream version.
        version: Option<String>,
        /// Why it is not taken.
        reason: String,
    },
    /// What is still open of a document, by its number (Exact's open items).
    OpenAmount {
        /// The upstream id of the open item.
        id: String,
        /// The upstream version.
        version: Option<String>,
        /// The document's number.
        number: String,
        /// Invoice or credit note.
        kind: incasso_core::model::DocumentKind,
        /// The amount still open, a magnitude.
        open: rust_decimal::Decimal,
        /// The package has its payment underway (Exact: selected for a direct debit, or
        /// collected and not yet matched): still owed, never claimed meanwhile.
        pending: bool,
    },
    /// The record was deleted upstream.
    Deleted {
        /// The endpoint the id belongs to (a deletion feed names its entity).
        endpoint: &'static str,
        /// The upstream id.
        id: String,
    },
}

impl Record {
    /// The upstream id.
    pub fn id(&self) -> &str {
        match self {
            Record::Document { id, .. }
            | Record::Debtor { id, .. }
            | Record::Payment { id, .. }
            | Record::Skipped { id, .. }
            | Record::OpenAmount { id, .. }
            | Record::Deleted { id, .. } => id,
        }
    }
}

/// The records of one response, with the cursor that is valid once they are stored.
#[derive(Debug, Clone)]
pub struct Page {
    /// The endpoint, e.g. `sales_invoices`.
    pub endpoint: &'static str,
    /// The response as a source: its URL and the hash of its bytes.
    pub source: Arc<Source>,
    /// The records in response order.
    pub records: Vec<Record>,
    /// The endpoint's cursor after this page, if the API has cursors.
    pub cursor: Option<String>,
}

/// What the ledger remembers of an upstream record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The version last stored.
    pub version: Option<String>,
    /// The debtor id it became (contacts) or belongs to.
    pub debtor: Option<String>,
    /// The document number it became, if it is a document.
    pub number: Option<String>,
}

/// The store side of a sync, as the connectors see it.
pub trait SyncLedger {
    /// The endpoint's stored cursor.
    fn cursor(&self, endpoint: &str) -> Result<Option<String>, ApiError>;
    /// What is known of one upstream record.
    fn known(&self, endpoint: &str, id: &str) -> Result<Option<Known>, ApiError>;
    /// Every known record of an endpoint with its version (for version-list APIs).
    fn known_versions(&self, endpoint: &str) -> Result<Vec<(String, Option<String>)>, ApiError>;
    /// Stores a page's records and its cursor, all or nothing.
    fn accept(&mut self, page: Page) -> Result<(), ApiError>;
    /// A complete listing of the endpoint starts: from now on the ids of its records are kept,
    /// for [`SyncLedger::listing_complete`].
    fn listing_begins(&mut self, endpoint: &'static str);
    /// Ids the API listed as current but that were not fetched because they did not change.
    fn seen(&mut self, endpoint: &'static str, ids: &mut dyn Iterator<Item = &str>);
    /// Something a person should look at; the sync completes but counts as not clean (a nightly
    /// run then submits nothing).
    fn warn(&mut self, message: String);
    /// The endpoint was listed completely in this sync: known records neither seen nor fetched
    /// were deleted upstream.
    fn listing_complete(&mut self, endpoint: &'static str) -> Result<(), ApiError>;
}

/// What went wrong talking to an API; never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error that retrying did not cure.
    #[error("{url}: HTTP {status}: {detail}")]
    Http {
        /// The request URL.
        url: String,
        /// The status code.
        status: u16,
        /// What the body said (error fields only, shortened).
        detail: String,
    },
    /// No answer (connection refused, timeout) after every attempt.
    #[error("{url}: {reason}")]
    Transport {
        /// The request URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// Authentication failed: token refused, refresh failed.
    #[error("{source_name}: authentication failed: {reason}")]
    Auth {
        /// The configured source.
        source_name: String,
        /// What failed, without the secret.
        reason: String,
    },
    /// A response could not be read: malformed, a field missing or wrong.
    #[error("{url}: {place}: {reason}")]
    Parse {
        /// The request URL.
        url: String,
        /// The record (index and upstream id) or element.
        place: String,
        /// What is wrong, naming the field.
        reason: String,
    },
    /// The ledger refused or failed to store.
    #[error("{0}")]
    Ledger(String),
    /// The source is configured wrongly.
    #[error("{0}")]
    Config(String),
}

/// An answer that cannot be read: the URL, the place in it (record, element) and what is wrong.
pub(crate) fn parse_error(url: &str, place: String, reason: String) -> ApiError {
    ApiError::Parse {
        url: url.to_string(),
        place,
        reason,
    }
}

/// The source of a response: the endpoint URL and the hash of the exact bytes read.
pub fn response_source(url: &str, body: &[u8]) -> Arc<Source> {
    Arc::new(Source {
        kind: SourceKind::Api,
        name: url.to_string(),
        content_hash: blake3::hash(body).to_hex().to_string(),
    })
}

/// The store's repeat key of a payment booked upstream: its upstream id within the source's
/// state namespace (the same payment in the next sync is the same line).
pub fn payment_fingerprint(namespace: &str, id: &str) -> u128 {
    crate::bank::key128(blake3::hash(
        format!("api-payment\0{namespace}\0{id}").as_bytes(),
    ))
}

/// The date of a `YYYY-MM-DD…` text (Moneybird dates, Xero's `2011-04-19T00:00:00`).
pub(crate) fn date_from_ymd(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests;
