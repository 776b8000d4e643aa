//! One ledger across sources: when a CSV export, a workbook, a UBL file or an API describe the
//! same document, matching descriptions are merged and disagreeing ones become a conflict.
//!
//! A document's identity is creditor + kind + normalised number. Two descriptions disagree when
//! their total, currency, issue date or due date differ (or net or VAT, when both give them);
//! everything else one source lacks is filled from the other.

use serde::{Deserialize, Serialize};

use crate::model::{Document, DocumentStatus};
use crate::money::format_cents;

/// One field two sources disagree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The field.
    pub field: String,
    /// The value stored (authoritative until resolved).
    pub stored: String,
    /// The value the new source gives.
    pub incoming: String,
}

/// Where two descriptions of one document disagree; empty when they match.
pub fn disagreements(stored: &Document, incoming: &Document) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let mut diff = |field: &str, a: String, b: String| {
        if a != b {
            out.push(FieldDiff {
                field: field.to_string(),
                stored: a,
                incoming: b,
            });
        }
    };
    diff(
        "total",
        format_cents(stored.total),
        format_cents(incoming.total),
    );
    diff(
        "currency",
        stored.currency.to_string(),
        incoming.currency.to_string(),
    );
    diff(
        "issue_date",
        stored.issue_date.to_string(),
        incoming.issue_date.to_string(),
    );
    diff(
        "due_date",
        stored.due_date.to_string(),
        incoming.due_date.to_string(),
    );
    diff(
        "debtor",
        stored.debtor.to_string(),
        incoming.debtor.to_string(),
    );
    if let (Some(a), Some(b)) = (stored.net, incoming.net) {
        diff("net", format_cents(a), format_cents(b));
    }
    if let (Some(a), Some(b)) = (stored.vat, incoming.vat) {
        diff("vat", format_cents(a), format_cents(b));
    }
    out
}

/// The stored description with the gaps filled from a matching one.
pub fn merge(stored: &Document, incoming: &Document) -> Document {
    let mut m = stored.clone();
    m.net = m.net.or(incoming.net);
    m.vat = m.vat.or(incoming.vat);
    m.source_open = m.source_open.or(incoming.source_open);
    m.credited_invoice = m
        .credited_invoice
        .clone()
        .or_else(|| incoming.credited_invoice.clone());
    m.payment_reference = m
        .payment_reference
        .clone()
        .or_else(|| incoming.payment_reference.clone());
    m.description = m
        .description
        .clone()
        .or_else(|| incoming.description.clone());
    if m.status == DocumentStatus::Open {
        m.status = incoming.status;
    }
    m
}
