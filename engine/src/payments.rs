//! What the bank lines did, as the views show it: each allocation with the evidence it rests on
//! (`incasso allocations`), and what waits for a person (`incasso review`): the doubtful
//! matches, each candidate with its rule, confidence, reason and evidence, and the invoices the
//! claims gate holds because a payment may have paid them. The HTML report shows the candidates.

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::collection::rules::possible_payment;
use incasso_core::matching::Proposal;
use incasso_core::model::{self, AllocationSource, Payment};
use incasso_core::money::format_cents;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::reconciled::Reconciled;
use crate::Workspace;

/// One item waiting for a person's decision.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    /// The payment's id.
    pub payment: String,
    /// Its booking date, when the ledger has the payment.
    pub date: Option<NaiveDate>,
    /// Its amount.
    pub amount: Option<Decimal>,
    /// The document it may pay.
    pub document: String,
    /// What it would take from the document (or what is open on it, for a held invoice).
    pub proposed: Decimal,
    /// The matching rule, or the claims gate's rule.
    pub rule: String,
    /// The candidate's confidence (none for a held invoice).
    pub confidence: Option<u8>,
    /// Why it waits.
    pub reason: String,
    /// The payment's remittance text.
    pub text: String,
    /// The evidence for and against the candidate.
    pub evidence: String,
}

/// The matching's doubtful candidates, in the matching's order.
pub fn candidates(r: &Reconciled) -> Vec<ReviewItem> {
    candidates_of(&r.matching.review, &r.payments)
}

/// The candidates of `review`, whose proposals name their payments by index in `payments`
/// (every bank line, or only those waiting: [`incasso_core::matching::Waiting`]).
pub fn candidates_of(review: &[Proposal], payments: &[Payment]) -> Vec<ReviewItem> {
    review
        .iter()
        .map(|pr| {
            let p = &payments[pr.payment];
            ReviewItem {
                payment: p.id.clone(),
                date: Some(p.date),
                amount: Some(p.amount.amount()),
                document: pr.document.number.clone(),
                proposed: pr.amount.amount(),
                rule: pr.rule.code().to_string(),
                confidence: Some(pr.confidence),
                reason: pr.reason.clone(),
                text: p.remittance.clone().unwrap_or_default(),
                evidence: pr.evidence_text(),
            }
        })
        .collect()
}

/// The candidates, then the invoices the claims gate holds for a possible payment: the same
/// decisions (allocate, or unallocate PAYMENT DOCUMENT for "not this payment") release both.
pub fn everything(ws: &Workspace, r: &Reconciled, as_of: NaiveDate) -> Result<Vec<ReviewItem>> {
    let preview = crate::claims::preview_of(ws, r.view(), as_of, None)?;
    Ok(with_preview(r, &preview))
}

/// [`everything`] with the claims preview already worked out.
pub fn with_preview(
    r: &Reconciled,
    preview: &incasso_core::collection::claims::ClaimsPreview,
) -> Vec<ReviewItem> {
    let mut items = candidates(r);
    let by_id: HashMap<&str, &Payment> = r.payments.iter().map(|p| (p.id.as_str(), p)).collect();
    for e in preview
        .excluded
        .iter()
        .filter(|e| e.rule == possible_payment::RULE)
    {
        let payment = e.payment.as_deref().unwrap_or("");
        let p = by_id.get(payment);
        items.push(ReviewItem {
            payment: payment.to_string(),
            date: p.map(|p| p.date),
            amount: p.map(|p| p.amount.amount()),
            document: e.number.clone(),
            proposed: e.open,
            rule: e.rule.to_string(),
            confidence: None,
            reason: e.reason.clone(),
            text: p.and_then(|p| p.remittance.clone()).unwrap_or_default(),
            evidence: String::new(),
        });
    }
    items
}

/// An allocation of a payment to a document, with the evidence it rests on.
#[derive(Debug, Serialize)]
pub struct Allocation {
    /// The payment's id.
    pub payment: String,
    /// The document it pays.
    pub document: String,
    /// Whether that is an invoice or a credit note (numbering series may overlap).
    pub kind: &'static str,
    /// How much of it.
    pub amount: String,
    /// The rule that applied it.
    pub rule: &'static str,
    /// How sure the rule was.
    pub confidence: u8,
    /// The payment as the bank gave it and what matching made of it.
    pub evidence: Evidence,
}

/// The payment as the bank gave it (date, amount, payer's name and account, text, structured
/// reference), whom matching took the payer for, and the notes and signals matching noted.
#[derive(Debug, Serialize)]
pub struct Evidence {
    /// Booking date.
    pub date: String,
    /// The amount paid.
    pub paid: String,
    /// Its currency.
    pub currency: String,
    /// The payer's name.
    pub payer_name: Option<String>,
    /// The payer's account.
    pub payer_account: Option<String>,
    /// The remittance text.
    pub text: Option<String>,
    /// The structured reference.
    pub structured_reference: Option<String>,
    /// The debtor matching took the payer for.
    pub payer_taken_for: Option<String>,
    /// Notes (a typo taken, a shortfall, a name standing in for an account).
    pub notes: Vec<String>,
    /// The signals the allocation rests on, each kind named in a `signal` field.
    #[serde(serialize_with = "signals_tagged")]
    pub signals: Vec<incasso_core::matching::evidence::Evidence>,
    /// Where the bank line came from.
    pub source: String,
}

/// Every allocation of a payment, by payment and document: the payment's id, the allocation,
/// and the payment's index in the ledger.
fn sorted(r: &Reconciled) -> Vec<(&str, &model::Allocation, usize)> {
    let by_id: HashMap<&str, usize> = r
        .payments
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    by_payment(&r.rec.allocations)
        .into_iter()
        .filter_map(|(id, a)| Some((id, a, *by_id.get(id)?)))
        .collect()
}

/// Every allocation of a payment with the payment's id, by payment and document.
fn by_payment(allocations: &[model::Allocation]) -> Vec<(&str, &model::Allocation)> {
    // Sorted as small references: the allocations themselves are large to move.
    let mut found: Vec<(&str, &model::Allocation)> = allocations
        .iter()
        .filter_map(|a| match &a.from {
            AllocationSource::Payment(id) => Some((id.as_str(), a)),
            _ => None,
        })
        .collect();
    found.sort_by(|a, b| (a.0, &a.1.document.number).cmp(&(b.0, &b.1.document.number)));
    found
}

/// Every allocation of a payment, by payment and document, as a row of five columns (payment,
/// document, amount, rule, confidence): the listing without the evidence, which only JSON shows
/// (so it needs the reconciliation alone, not the bank lines). Made one at a time as they are
/// written: at a million invoices the rows as strings would take more memory than the
/// reconciliation itself.
pub fn allocation_rows(
    allocations: &[model::Allocation],
) -> impl Iterator<Item = [String; 5]> + '_ {
    by_payment(allocations).into_iter().map(|(id, a)| {
        [
            id.to_string(),
            a.document.number.clone(),
            format_cents(a.amount.amount()),
            a.rule.code().to_string(),
            a.confidence.to_string(),
        ]
    })
}

/// Every allocation of a payment, by payment and document, with its evidence.
pub fn allocations(r: &Reconciled) -> Vec<Allocation> {
    sorted(r)
        .into_iter()
        .map(|(id, a, i)| {
            let (p, o) = (&r.payments[i], &r.matching.outcomes[i]);
            Allocation {
                payment: id.to_string(),
                document: a.document.number.clone(),
                kind: a.document.kind.code(),
                amount: format_cents(a.amount.amount()),
                rule: a.rule.code(),
                confidence: a.confidence,
                evidence: Evidence {
                    date: p.date.to_string(),
                    paid: format_cents(p.amount.amount()),
                    currency: p.amount.currency().to_string(),
                    payer_name: p.counterparty_name.clone(),
                    payer_account: p.counterparty_account.clone(),
                    text: p.remittance.clone(),
                    structured_reference: p.structured_reference.clone(),
                    payer_taken_for: o.debtor.as_ref().map(|d| d.as_str().to_string()),
                    notes: o.notes.clone(),
                    signals: o.evidence.clone(),
                    source: p.provenance.to_string(),
                },
            }
        })
        .collect()
}

/// Evidence as JSON output shows it: `{"signal": "invoice-number", "number": ..}` rather than
/// serde's `{"invoice-number": {"number": ..}}`.
fn signals_tagged<S: serde::Serializer>(
    signals: &[incasso_core::matching::evidence::Evidence],
    out: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::{Error, SerializeSeq};
    let mut seq = out.serialize_seq(Some(signals.len()))?;
    for e in signals {
        let tagged = match serde_json::to_value(e).map_err(S::Error::custom)? {
            serde_json::Value::String(kind) => serde_json::json!({ "signal": kind }),
            serde_json::Value::Object(one) => {
                let (kind, fields) = one
                    .into_iter()
                    .next()
                    .ok_or_else(|| S::Error::custom("evidence without a kind"))?;
                let mut map = serde_json::Map::new();
                map.insert("signal".into(), serde_json::Value::String(kind));
                if let serde_json::Value::Object(fields) = fields {
                    map.extend(fields);
                }
                serde_json::Value::Object(map)
            }
            other => other,
        };
        seq.serialize_element(&tagged)?;
    }
    seq.end()
}
