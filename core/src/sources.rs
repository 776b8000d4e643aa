//! One ledger across sources: when a CSV export, a workbook, a UBL file or an API describe the
//! same document, matching descriptions are merged and disagreeing ones become a conflict.
//!
//! A document's identity is creditor + kind + normalised number. Two descriptions disagree when
//! their total, currency, issue date or due date differ (or net or VAT, when both give them; the
//! due date when neither source assumed it for want of one); everything else one source lacks is
//! filled from the other, a due date given from the source that gives it.

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

/// Every field in which two versions of a document differ, in a fixed order; a missing value
/// reads `-`. The audit log describes a new version with it.
pub fn differences(old: &Document, new: &Document) -> Vec<FieldDiff> {
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
    let amount =
        |v: Option<rust_decimal::Decimal>| v.map(format_cents).unwrap_or_else(|| "-".into());
    let text = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    diff("debtor", old.debtor.to_string(), new.debtor.to_string());
    diff(
        "issue_date",
        old.issue_date.to_string(),
        new.issue_date.to_string(),
    );
    diff(
        "due_date",
        old.due_date.to_string(),
        new.due_date.to_string(),
    );
    let assumed = |d: &Document| if d.due_assumed { "assumed" } else { "given" };
    diff(
        "due_date_source",
        assumed(old).to_string(),
        assumed(new).to_string(),
    );
    diff(
        "currency",
        old.currency.to_string(),
        new.currency.to_string(),
    );
    diff("total", format_cents(old.total), format_cents(new.total));
    diff("net", amount(old.net), amount(new.net));
    diff("vat", amount(old.vat), amount(new.vat));
    diff("open", amount(old.source_open), amount(new.source_open));
    diff(
        "status",
        old.status.code().to_string(),
        new.status.code().to_string(),
    );
    diff(
        "credited_invoice",
        text(old.credited_invoice.as_ref().map(|n| n.to_string())),
        text(new.credited_invoice.as_ref().map(|n| n.to_string())),
    );
    diff(
        "payment_reference",
        text(old.payment_reference.clone()),
        text(new.payment_reference.clone()),
    );
    diff(
        "description",
        text(old.description.clone()),
        text(new.description.clone()),
    );
    diff("number", old.number.to_string(), new.number.to_string());
    out
}

/// Where two descriptions of one document disagree; empty when they match. Only the total,
/// currency, dates and debtor count, and net and VAT when both sources give them: the rest one
/// source may simply lack.
pub fn disagreements(stored: &Document, incoming: &Document) -> Vec<FieldDiff> {
    // A due date one source assumed (it gave none) is no claim about the due date.
    let both_give_due = !stored.due_assumed && !incoming.due_assumed;
    differences(stored, incoming)
        .into_iter()
        .filter(|d| match d.field.as_str() {
            "due_date" => both_give_due,
            "total" | "currency" | "issue_date" | "debtor" => true,
            "net" | "vat" => d.stored != "-" && d.incoming != "-",
            _ => false,
        })
        .collect()
}

/// Where a new version from the same kind of source would make a settled document owed again,
/// or a held one claimable: paid or void becoming anything else, disputed or a payment underway
/// (a plan) becoming plainly open, or the open amount rising. Empty when it does not. An older
/// export imported after a newer one looks exactly so; so does a payment reversed upstream or a
/// dispute settled. Which it is a person decides, and until then the stored version stands
/// (never chase a paid or disputed debt on the word of a stale file).
pub fn reopens(stored: &Document, incoming: &Document) -> Vec<FieldDiff> {
    let closed = |s: DocumentStatus| s == DocumentStatus::Paid || s.is_cancelled();
    let held =
        |s: DocumentStatus| matches!(s, DocumentStatus::Disputed | DocumentStatus::PaymentPending);
    let reopened = closed(stored.status) && !closed(incoming.status)
        || held(stored.status) && incoming.status == DocumentStatus::Open;
    let rises = match (stored.source_open, incoming.source_open) {
        (Some(a), Some(b)) => b > a,
        (Some(a), None) => incoming.total > a,
        _ => false,
    };
    if !reopened && !rises {
        // Most new versions: no need to describe every field.
        return Vec::new();
    }
    differences(stored, incoming)
        .into_iter()
        .filter(|d| match d.field.as_str() {
            "status" => reopened,
            "open" => rises,
            _ => false,
        })
        .collect()
}

/// The stored description with the gaps filled from a matching one. When both give an open
/// amount, the lower stands: a later snapshot of the books shows payments an earlier one did
/// not, and of two figures the lower never claims too much.
pub fn merge(stored: &Document, incoming: &Document) -> Document {
    let mut m = stored.clone();
    if m.due_assumed && !incoming.due_assumed {
        m.due_date = incoming.due_date;
        m.due_assumed = false;
    }
    m.net = m.net.or(incoming.net);
    m.vat = m.vat.or(incoming.vat);
    m.source_open = match (m.source_open, incoming.source_open) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
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

/// The stored description updated by an accounting API's: gaps filled as in [`merge`], and the
/// open amount and status taken from the API, which reports the books' live state where a file
/// is a snapshot of the day it was made. A dispute recorded elsewhere stays unless the API says
/// paid or void: no API reports disputes, so its "open" does not end one.
pub fn merge_live(stored: &Document, incoming: &Document) -> Document {
    let mut m = merge(stored, incoming);
    if incoming.source_open.is_some() {
        m.source_open = incoming.source_open;
    }
    m.status = live_status(stored.status, incoming.status);
    m
}

/// The status after an accounting API reports `live` for a document stored as `stored`: the
/// API's, except that a dispute stays unless the API says paid or void.
pub fn live_status(stored: DocumentStatus, live: DocumentStatus) -> DocumentStatus {
    match (stored, live) {
        (_, DocumentStatus::Paid | DocumentStatus::Void | DocumentStatus::Credited) => live,
        (DocumentStatus::Disputed, _) => DocumentStatus::Disputed,
        (_, s) => s,
    }
}
