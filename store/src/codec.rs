//! Compact binary forms of ledger records, so a million documents decode in well under a second,
//! and the content fingerprint of a document.

use std::sync::Arc;

use chrono::NaiveDate;
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::{
    Document, DocumentKind, DocumentStatus, LedgerDocument, Location, Provenance, Source,
};
use incasso_core::money::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// An exact amount as mantissa and scale: a few bytes with varint encoding, and fast to read.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Amount(i128, u8);

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Amount {
        Amount(d.mantissa(), d.scale() as u8)
    }
}

impl Amount {
    pub(crate) fn to_decimal(self, key: &[u8]) -> Result<Decimal, StoreError> {
        Decimal::try_from_i128_with_scale(self.0, u32::from(self.1))
            .map_err(|e| corrupt(key, &e.to_string()))
    }
}

/// A block of documents of one creditor, as written to a segment file.
#[derive(Serialize, Deserialize)]
pub(crate) struct Block {
    pub creditor: String,
    pub docs: Vec<StoredDoc>,
}

impl Block {
    /// The block's creditor as an id.
    pub fn creditor_id(&self, key: &[u8]) -> Result<CreditorId, StoreError> {
        CreditorId::new(&self.creditor).map_err(|e| corrupt(key, &e.to_string()))
    }
}

/// A document as stored (its creditor is the block's): dates as day numbers, amounts as mantissa and scale.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredDoc {
    /// The version, with [`DUE_ASSUMED`] set when the due date was assumed.
    pub version: u32,
    pub import_id: u64,
    pub location: Location,
    pub kind: DocumentKind,
    pub number: String,
    pub debtor: String,
    pub issue_date: i32,
    pub due_date: i32,
    pub currency: [u8; 3],
    pub net: Option<Amount>,
    pub vat: Option<Amount>,
    pub total: Amount,
    pub source_open: Option<Amount>,
    pub status: DocumentStatus,
    pub credited_invoice: Option<String>,
    pub payment_reference: Option<String>,
    pub description: Option<String>,
}

/// The bit of [`StoredDoc::version`] that says the document's due date was assumed
/// ([`Document::due_assumed`]): kept there, where no version reaches, so that documents stored
/// before it was kept read as they were, with nothing to migrate.
const DUE_ASSUMED: u32 = 1 << 31;

fn day(d: NaiveDate) -> i32 {
    d.to_epoch_days()
}

fn from_day(n: i32, key: &[u8]) -> Result<NaiveDate, StoreError> {
    NaiveDate::from_epoch_days(n).ok_or_else(|| corrupt(key, "date out of range"))
}

pub(crate) fn corrupt(key: &[u8], reason: &str) -> StoreError {
    StoreError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: reason.to_string(),
    }
}

impl StoredDoc {
    pub fn from_document(
        d: &Document,
        version: u32,
        import_id: u64,
        location: Location,
    ) -> StoredDoc {
        StoredDoc {
            version: version | if d.due_assumed { DUE_ASSUMED } else { 0 },
            import_id,
            location,
            kind: d.kind,
            number: d.number.as_str().to_string(),
            debtor: d.debtor.as_str().to_string(),
            issue_date: day(d.issue_date),
            due_date: day(d.due_date),
            currency: d
                .currency
                .as_str()
                .as_bytes()
                .try_into()
                .expect("ISO codes are 3 bytes"),
            net: d.net.map(Amount::from),
            vat: d.vat.map(Amount::from),
            total: Amount::from(d.total),
            source_open: d.source_open.map(Amount::from),
            status: d.status,
            credited_invoice: d.credited_invoice.as_ref().map(|n| n.as_str().to_string()),
            payment_reference: d.payment_reference.clone(),
            description: d.description.clone(),
        }
    }

    pub fn to_document(&self, key: &[u8], creditor: &CreditorId) -> Result<Document, StoreError> {
        self.clone().into_document(key, creditor)
    }

    /// Converts to a ledger document of the block's creditor.
    pub fn into_ledger(
        self,
        key: &[u8],
        source: Arc<Source>,
        creditor: &CreditorId,
    ) -> Result<LedgerDocument, StoreError> {
        let (version, location) = (self.version & !DUE_ASSUMED, self.location.clone());
        let document = self.into_document(key, creditor)?;
        Ok(LedgerDocument {
            document,
            provenance: Provenance { source, location },
            version,
        })
    }

    fn into_document(self, key: &[u8], creditor: &CreditorId) -> Result<Document, StoreError> {
        let id_err = |e: incasso_core::ids::InvalidId| corrupt(key, &e.to_string());
        let document = Document {
            creditor: creditor.clone(),
            kind: self.kind,
            number: DocumentNumber::from_string(self.number).map_err(id_err)?,
            debtor: DebtorId::from_string(self.debtor).map_err(id_err)?,
            issue_date: from_day(self.issue_date, key)?,
            due_date: from_day(self.due_date, key)?,
            due_assumed: self.version & DUE_ASSUMED != 0,
            currency: Currency::parse(std::str::from_utf8(&self.currency).unwrap_or(""))
                .map_err(|e| corrupt(key, &e.to_string()))?,
            net: self.net.map(|a| a.to_decimal(key)).transpose()?,
            vat: self.vat.map(|a| a.to_decimal(key)).transpose()?,
            total: self.total.to_decimal(key)?,
            source_open: self.source_open.map(|a| a.to_decimal(key)).transpose()?,
            status: self.status,
            credited_invoice: match self.credited_invoice {
                Some(n) => Some(DocumentNumber::from_string(n).map_err(id_err)?),
                None => None,
            },
            payment_reference: self.payment_reference,
            description: self.description,
        };
        Ok(document)
    }

    /// A stable 64-bit fingerprint of a document's content (not its provenance), so unchanged
    /// documents are recognised without reading their stored version. It is defined over the
    /// fields themselves, each named and length-prefixed, so a change of storage encoding
    /// changes no fingerprint.
    pub fn fingerprint(d: &Document) -> u64 {
        // Each field is its number, whether it is there, its length and its bytes, laid out in
        // one buffer (kept per thread) and hashed once.
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(256));
        }
        BUF.with_borrow_mut(|buf| {
            buf.clear();
            let mut field = |n: u8, value: Option<&[u8]>| {
                buf.push(n);
                match value {
                    Some(v) => {
                        buf.push(1);
                        buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
                        buf.extend_from_slice(v);
                    }
                    None => buf.push(0),
                }
            };
            // An amount exactly as written: mantissa and scale (10.0 and 10.00 differ as text).
            let amount = |a: Decimal| {
                let mut b = [0u8; 17];
                b[..16].copy_from_slice(&a.mantissa().to_le_bytes());
                b[16] = a.scale() as u8;
                b
            };
            let opt = |a: Option<Decimal>| a.map(amount);
            field(1, Some(d.kind.code().as_bytes()));
            field(2, Some(d.number.as_str().as_bytes()));
            field(3, Some(d.debtor.as_str().as_bytes()));
            field(4, Some(&day(d.issue_date).to_le_bytes()));
            field(5, Some(&day(d.due_date).to_le_bytes()));
            field(6, Some(d.currency.as_str().as_bytes()));
            field(7, opt(d.net).as_ref().map(|a| &a[..]));
            field(8, opt(d.vat).as_ref().map(|a| &a[..]));
            field(9, Some(&amount(d.total)));
            field(10, opt(d.source_open).as_ref().map(|a| &a[..]));
            field(11, Some(d.status.code().as_bytes()));
            field(
                12,
                d.credited_invoice.as_ref().map(|n| n.as_str().as_bytes()),
            );
            field(13, d.payment_reference.as_deref().map(str::as_bytes));
            field(14, d.description.as_deref().map(str::as_bytes));
            // Only when set, so that every other document keeps the fingerprint it had.
            if d.due_assumed {
                field(15, Some(b"due date assumed"));
            }
            let hash = blake3::hash(buf);
            u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("32-byte hash"))
        })
    }
}

/// Records as stored: postcard (serde, varint integers), compact and fast to read back.
pub(crate) fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // The records are plain structs and enums of fixed shape: postcard encodes every one. The
    // size is measured first so a block is written into one allocation: growing a buffer of
    // hundreds of kilobytes step by step holds the allocator's lock the import's reader needs.
    let size = postcard::experimental::serialized_size(v).expect("postcard sizes plain records");
    postcard::to_extend(v, Vec::with_capacity(size)).expect("postcard encodes plain records")
}

/// Reads a record back; a record that does not decode is named by its key.
pub(crate) fn decode<'a, T: Deserialize<'a>>(key: &[u8], bytes: &'a [u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| corrupt(key, &e.to_string()))
}
