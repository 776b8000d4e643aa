//! Reconciliation: which payments and credit notes settle which documents, and what stays open.
//!
//! Version 1 knows credit notes that name the invoice they correct, and what the source ledger
//! itself reports as settled. Payments join in through the same [`Allocation`] model.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{
    Allocation, AllocationRule, AllocationSource, DocumentKey, DocumentKind, DocumentStatus,
    LedgerDocument, Payment,
};
use crate::money::Money;

/// Something reconciliation could not do and a person should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileNote {
    /// The document concerned.
    pub document: DocumentKey,
    /// What is wrong, in plain words.
    pub message: String,
}

/// The result of reconciling a ledger as of one date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// Every allocation made, in a deterministic order.
    pub allocations: Vec<Allocation>,
    /// Open amount per document index (into the input slice); credit notes carry their unapplied
    /// credit as a negative amount; documents not in force as of the date are `None`.
    #[serde(with = "crate::decimal_serde::list_of_options")]
    pub open: Vec<Option<Decimal>>,
    /// Things left undone, with reasons.
    pub notes: Vec<ReconcileNote>,
    /// The payments applied to each invoice left open, with their dates ([`PaidOn::of`]).
    #[serde(default)]
    pub paid: PaidOn,
}

/// The payments the matching applied to each invoice left open (open above zero), by its number
/// as written, with their dates and amounts, in number and date order: a claim's interest runs
/// on each until it was paid, and one made after the costs fell due leaves them as they were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidOn(pub Vec<Paid>);

/// One payment applied to an invoice left open ([`PaidOn`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Paid {
    /// The invoice's number as written.
    pub number: String,
    /// The payment's date.
    pub date: NaiveDate,
    /// What was applied to the invoice.
    #[serde(with = "crate::decimal_serde::one")]
    pub amount: Decimal,
}

impl PaidOn {
    /// Of a reconciled ledger (`rec` with the payments' allocations) and its payments.
    pub fn of(docs: &[LedgerDocument], rec: &Reconciliation, payments: &[Payment]) -> PaidOn {
        let open: HashMap<Cow<'_, str>, &str> = docs
            .iter()
            .zip(&rec.open)
            .filter(|(d, o)| {
                d.document.kind == DocumentKind::Invoice && o.is_some_and(|o| o > Decimal::ZERO)
            })
            .map(|(d, _)| (d.document.number.normalised(), d.document.number.as_str()))
            .collect();
        let applied: Vec<(&str, &str, Decimal)> = rec
            .allocations
            .iter()
            .filter(|a| {
                a.document.kind == DocumentKind::Invoice && a.amount.amount() > Decimal::ZERO
            })
            .filter_map(|a| match &a.from {
                AllocationSource::Payment(id) => open
                    .get(a.document.number.as_str())
                    .map(|n| (*n, id.as_str(), a.amount.amount())),
                _ => None,
            })
            .collect();
        if applied.is_empty() {
            return PaidOn::default();
        }
        let ids: HashSet<&str> = applied.iter().map(|a| a.1).collect();
        let dates: HashMap<&str, NaiveDate> = payments
            .iter()
            .filter(|p| ids.contains(p.id.as_str()))
            .map(|p| (p.id.as_str(), p.date))
            .collect();
        let mut out: Vec<Paid> = applied
            .into_iter()
            .filter_map(|(n, id, amount)| {
                dates.get(id).map(|&date| Paid {
                    number: n.to_string(),
                    date,
                    amount,
                })
            })
            .collect();
        out.sort();
        PaidOn(out)
    }

    /// Each invoice's payments, by its number as written.
    pub fn by_number(&self) -> HashMap<&str, Vec<(NaiveDate, Decimal)>> {
        let mut out: HashMap<&str, Vec<(NaiveDate, Decimal)>> = HashMap::new();
        for p in &self.0 {
            out.entry(p.number.as_str())
                .or_default()
                .push((p.date, p.amount));
        }
        out
    }
}

/// A reconciliation without its allocations: the open amounts and notes, all that ageing, the
/// receivables, the claims and the report read of it. The allocations are most of a kept
/// reconciliation's size, so reads that do not list them do not load them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAmounts {
    /// As [`Reconciliation::open`].
    #[serde(with = "crate::decimal_serde::list_of_options")]
    pub open: Vec<Option<Decimal>>,
    /// As [`Reconciliation::notes`].
    pub notes: Vec<ReconcileNote>,
    /// As [`Reconciliation::paid`].
    #[serde(default)]
    pub paid: PaidOn,
}

impl Reconciliation {
    /// Its open amounts and notes, copied (to keep them apart from the allocations).
    pub fn open_amounts(&self) -> OpenAmounts {
        OpenAmounts {
            open: self.open.clone(),
            notes: self.notes.clone(),
            paid: self.paid.clone(),
        }
    }

    /// Its allocations, and its open amounts and notes.
    pub fn split(self) -> (Vec<Allocation>, OpenAmounts) {
        let amounts = OpenAmounts {
            open: self.open,
            notes: self.notes,
            paid: self.paid,
        };
        (self.allocations, amounts)
    }

    /// A reconciliation from its allocations and its open amounts and notes.
    pub fn from_parts(allocations: Vec<Allocation>, amounts: OpenAmounts) -> Reconciliation {
        Reconciliation {
            allocations,
            open: amounts.open,
            notes: amounts.notes,
            paid: amounts.paid,
        }
    }
}

/// Reconciles documents as of a date: documents issued later do not exist yet.
///
/// Pure and deterministic: the same documents in the same order give the same result.
pub fn reconcile(docs: &[LedgerDocument], as_of: NaiveDate) -> Reconciliation {
    let mut open: Vec<Option<Decimal>> = Vec::with_capacity(docs.len());
    let mut allocations = Vec::new();
    let mut notes = Vec::new();
    // Only invoices a credit note names need to be found by number.
    let wanted: HashSet<(&str, Cow<'_, str>)> = docs
        .iter()
        .filter(|ld| ld.document.kind == DocumentKind::CreditNote)
        .filter_map(|ld| {
            ld.document
                .credited_invoice
                .as_ref()
                .map(|n| (ld.document.creditor.as_str(), n.normalised()))
        })
        .collect();
    let mut invoice_index: HashMap<(&str, Cow<'_, str>), usize> =
        HashMap::with_capacity(wanted.len());

    for (i, ld) in docs.iter().enumerate() {
        let d = &ld.document;
        if d.issue_date > as_of || d.status.is_cancelled() {
            open.push(None);
            continue;
        }
        let mut remaining = d.total;
        let settled_by_source = match (d.status, d.source_open) {
            (DocumentStatus::Paid, _) => Some((d.total, AllocationRule::SourceReportedPaid)),
            (_, Some(o)) if o < d.total && o >= Decimal::ZERO => {
                Some((d.total - o, AllocationRule::SourceReportedOpen))
            }
            (_, Some(o)) if o < Decimal::ZERO && d.kind == DocumentKind::Invoice => {
                // An invoice more than paid (or credited) at the source: nothing is owed; the
                // credit balance is the source's to refund, never a debt. (A credit note keeps
                // its whole amount to set off, the side that never claims too much.)
                notes.push(ReconcileNote {
                    document: d.key(),
                    message: format!(
                        "source reports {o} open of a total of {}: more than paid, nothing is owed",
                        d.total
                    ),
                });
                Some((d.total, AllocationRule::SourceReportedOpen))
            }
            (_, Some(o)) if o != d.total => {
                notes.push(ReconcileNote {
                    document: d.key(),
                    message: format!(
                        "source reports {o} open of a total of {}; ignored, the total is used",
                        d.total
                    ),
                });
                None
            }
            _ => None,
        };
        if let Some((amount, rule)) = settled_by_source {
            if !amount.is_zero() {
                remaining -= amount;
                allocations.push(Allocation {
                    from: AllocationSource::SourceLedger,
                    document: d.key(),
                    amount: Money::new(amount, d.currency),
                    rule,
                    confidence: 100,
                });
            }
        }
        if d.kind == DocumentKind::Invoice && !wanted.is_empty() {
            let key = (d.creditor.as_str(), d.number.normalised());
            if wanted.contains(&key) {
                invoice_index.insert(key, i);
            }
        }
        open.push(Some(remaining));
    }

    for (i, ld) in docs.iter().enumerate() {
        let cn = &ld.document;
        if cn.kind != DocumentKind::CreditNote {
            continue;
        }
        let Some(credit) = open[i] else { continue };
        let Some(target) = &cn.credited_invoice else {
            continue;
        };
        if credit <= Decimal::ZERO {
            continue;
        }
        let note = |message: String| ReconcileNote {
            document: cn.key(),
            message,
        };
        let Some(&j) = invoice_index.get(&(cn.creditor.as_str(), target.normalised())) else {
            notes.push(note(format!(
                "credits invoice {target}, which is not in the ledger as of {as_of}; the credit stays unapplied"
            )));
            continue;
        };
        let inv = &docs[j].document;
        if inv.debtor != cn.debtor {
            notes.push(note(format!(
                "credits invoice {target} of debtor {}, but is addressed to debtor {}; not applied",
                inv.debtor, cn.debtor
            )));
            continue;
        }
        if inv.currency != cn.currency {
            notes.push(note(format!(
                "is in {} but invoice {target} is in {}; not applied",
                cn.currency, inv.currency
            )));
            continue;
        }
        let Some(inv_open) = open[j] else { continue };
        let applied = credit.min(inv_open);
        if applied <= Decimal::ZERO {
            continue;
        }
        open[j] = Some(inv_open - applied);
        open[i] = Some(credit - applied);
        allocations.push(Allocation {
            from: AllocationSource::CreditNote(cn.key()),
            document: inv.key(),
            amount: Money::new(applied, inv.currency),
            rule: AllocationRule::CreditNoteReference,
            confidence: 100,
        });
    }

    for (i, ld) in docs.iter().enumerate() {
        if ld.document.kind == DocumentKind::CreditNote {
            if let Some(o) = open[i] {
                open[i] = Some(-o);
            }
        }
    }
    Reconciliation {
        allocations,
        open,
        notes,
        paid: PaidOn::default(),
    }
}
