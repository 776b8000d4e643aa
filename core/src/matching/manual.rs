//! Decisions made by hand (`incasso allocate`, `unallocate`): applied before any signal is asked,
//! and they always win.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use super::{ManualDecision, PaymentOutcome, PaymentStatus};
use crate::model::{
    Allocation, AllocationRule, AllocationSource, DocumentKey, LedgerDocument, Payment,
};
use crate::money::Money;
use crate::reconcile::Reconciliation;

/// Applies the decisions: allocations to `rec`, and the payments and pairs kept apart.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_manual<'m>(
    docs: &[LedgerDocument],
    payments: &[Payment],
    manual: &'m [ManualDecision],
    outcomes: &mut [PaymentOutcome],
    rec: &mut Reconciliation,
    excluded: &mut HashSet<&'m str>,
    excluded_pairs: &mut HashSet<(&'m str, u32)>,
    by_hand: &mut HashSet<usize>,
) {
    let by_id: HashMap<&str, usize> = payments
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let by_key: HashMap<DocumentKey, u32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.document.key(), i as u32))
        .collect();
    for m in manual {
        match m {
            ManualDecision::Unallocate {
                payment,
                document: None,
            } => {
                excluded.insert(payment);
            }
            ManualDecision::Unallocate {
                payment,
                document: Some(k),
            } => {
                if let Some(&d) = by_key.get(k) {
                    excluded_pairs.insert((payment, d));
                }
            }
            ManualDecision::Allocate { .. } => {}
        }
    }
    for m in manual {
        let ManualDecision::Allocate {
            payment,
            document,
            amount,
        } = m
        else {
            continue;
        };
        let (Some(&pi), Some(&d)) = (by_id.get(payment.as_str()), by_key.get(document)) else {
            continue;
        };
        if excluded_pairs.contains(&(payment.as_str(), d)) || excluded.contains(payment.as_str()) {
            continue; // a later "unallocate" took it back
        }
        let p = &payments[pi];
        let doc = &docs[d as usize].document;
        let out = &mut outcomes[pi];
        if !matches!(
            out.status,
            PaymentStatus::Unmatched | PaymentStatus::Allocated | PaymentStatus::PartlyAllocated
        ) || p.amount.currency() != doc.currency
        {
            out.notes.push(format!(
                "manual allocation to {} not possible: payment is {}",
                doc.number,
                out.status.code()
            ));
            continue;
        }
        let left = p.amount.amount() - out.allocated;
        let open = rec.open[d as usize].unwrap_or_default().max(Decimal::ZERO);
        // What a person allocates is capped by what the document has open: never below zero.
        let a = amount
            .unwrap_or(open)
            .min(left)
            .min(open)
            .max(Decimal::ZERO);
        if a.is_zero() {
            // Allocated to a document with nothing open (paid meanwhile; the agency's costs on
            // an invoice it collected whole): the payer is that document's debtor all the same,
            // so the money waits on them and holds their next claim (review 45b, F-6: it was
            // unidentified, and the debtor's next claim went).
            if out.debtor.is_none() && out.allocated.is_zero() {
                out.debtor = Some(doc.debtor.clone());
                out.notes.push(format!(
                    "allocated by hand to {}, which has nothing open",
                    doc.number
                ));
            }
            continue;
        }
        by_hand.insert(pi);
        if let Some(o) = rec.open[d as usize].as_mut() {
            *o -= a;
        }
        out.allocated += a;
        out.unapplied = p.amount.amount() - out.allocated;
        out.debtor = Some(doc.debtor.clone());
        out.status = if out.unapplied.is_zero() {
            PaymentStatus::Allocated
        } else {
            PaymentStatus::PartlyAllocated
        };
        rec.allocations.push(Allocation {
            from: AllocationSource::Payment(p.id.clone()),
            document: doc.key(),
            amount: Money::new(a, doc.currency),
            rule: AllocationRule::Manual,
            confidence: 100,
        });
    }
}
