//! Compact binary forms of ledger records, so a million documents decode in well under a second.

use std::sync::Arc;

use chrono::NaiveDate;
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::{Document, DocumentKind, DocumentStatus, LedgerDocument, Location, Provenance, Source};
use incasso_core::money::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// A document as stored: dates as day numbers, amounts as Decimal's 16-byte form.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredDoc {
    pub version: u32,
    pub import_id: u64,
    pub location: Location,
    pub creditor: String,
    pub kind: DocumentKind,
    pub number: String,
    pub debtor: String,
    pub issue_date: i32,
    pub due_date: i32,
    pub currency: String,
    pub net: Option<[u8; 16]>,
    pub vat: Option<[u8; 16]>,
    pub total: [u8; 16],
    pub source_open: Option<[u8; 16]>,
    pub status: DocumentStatus,
    pub credited_invoice: Option<String>,
    pub payment_reference: Option<String>,
    pub description: Option<String>,
}

fn day(d: NaiveDate) -> i32 {
    d.to_epoch_days()
}

fn from_day(n: i32, key: &[u8]) -> Result<NaiveDate, StoreError> {
    NaiveDate::from_epoch_days(n).ok_or_else(|| corrupt(key, "date out of range"))
}

pub(crate) fn corrupt(key: &[u8], reason: &str) -> StoreError {
    StoreError::Corrupt { key: String::from_utf8_lossy(key).into_owned(), reason: reason.to_string() }
}

impl StoredDoc {
    pub fn from_document(d: &Document, version: u32, import_id: u64, location: Location) -> StoredDoc {
        StoredDoc {
            version,
            import_id,
            location,
            creditor: d.creditor.as_str().to_string(),
            kind: d.kind,
            number: d.number.as_str().to_string(),
            debtor: d.debtor.as_str().to_string(),
            issue_date: day(d.issue_date),
            due_date: day(d.due_date),
            currency: d.currency.as_str().to_string(),
            net: d.net.map(|v| v.serialize()),
            vat: d.vat.map(|v| v.serialize()),
            total: d.total.serialize(),
            source_open: d.source_open.map(|v| v.serialize()),
            status: d.status,
            credited_invoice: d.credited_invoice.as_ref().map(|n| n.as_str().to_string()),
            payment_reference: d.payment_reference.clone(),
            description: d.description.clone(),
        }
    }

    pub fn to_document(&self, key: &[u8]) -> Result<Document, StoreError> {
        let id_err = |e: incasso_core::ids::InvalidId| corrupt(key, &e.to_string());
        Ok(Document {
            creditor: CreditorId::new(&self.creditor).map_err(id_err)?,
            kind: self.kind,
            number: DocumentNumber::new(&self.number).map_err(id_err)?,
            debtor: DebtorId::new(&self.debtor).map_err(id_err)?,
            issue_date: from_day(self.issue_date, key)?,
            due_date: from_day(self.due_date, key)?,
            currency: Currency::parse(&self.currency).map_err(|e| corrupt(key, &e.to_string()))?,
            net: self.net.map(Decimal::deserialize),
            vat: self.vat.map(Decimal::deserialize),
            total: Decimal::deserialize(self.total),
            source_open: self.source_open.map(Decimal::deserialize),
            status: self.status,
            credited_invoice: match &self.credited_invoice {
                Some(n) => Some(DocumentNumber::new(n).map_err(id_err)?),
                None => None,
            },
            payment_reference: self.payment_reference.clone(),
            description: self.description.clone(),
        })
    }

    pub fn to_ledger(&self, key: &[u8], source: Arc<Source>) -> Result<LedgerDocument, StoreError> {
        Ok(LedgerDocument {
            document: self.to_document(key)?,
            provenance: Provenance { source, location: self.location.clone() },
            version: self.version,
        })
    }
}

pub(crate) fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // bincode cannot fail on these plain structs (no maps with non-string keys, no unsized data).
    bincode::serialize(v).expect("bincode encodes plain structs")
}

pub(crate) fn decode<'a, T: Deserialize<'a>>(key: &[u8], bytes: &'a [u8]) -> Result<T, StoreError> {
    bincode::deserialize(bytes).map_err(|e| corrupt(key, &e.to_string()))
}
