//! A person's decisions about payments: "this payment pays that document" and "not this one".
//! They win over the matching rules on every later run, and the audit log says who made them.

/// Who runs this process, for the audit log: the operating system's user name.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown user".into())
}

use anyhow::Result;
use incasso_core::ids::DocumentNumber;
use incasso_core::matching::ManualDecision;
use incasso_core::model::{DocumentKey, DocumentKind};
use incasso_store::Store;
use rust_decimal::Decimal;

use crate::Workspace;

/// The document a user names: an invoice by default, a credit note when only that exists.
fn document_key(store: &Store, number: &str) -> Result<DocumentKey> {
    let n = DocumentNumber::new(number)?;
    let creditor = store.creditor()?;
    let key = |kind| DocumentKey {
        creditor: creditor.clone(),
        kind,
        number: n.normalised().into_owned(),
    };
    for kind in [DocumentKind::Invoice, DocumentKind::CreditNote] {
        if !store.document_history(&key(kind))?.is_empty() {
            return Ok(key(kind));
        }
    }
    anyhow::bail!("document {number} is not in the ledger")
}

fn known_payment(store: &Store, id: &str) -> Result<()> {
    anyhow::ensure!(
        store.payments()?.iter().any(|p| p.id == id),
        "payment {id} is not in the ledger (see `incasso unmatched` or `incasso allocations`)"
    );
    Ok(())
}

/// Records that a payment pays a document (all of what is open, or `amount`), made by `by`
/// (who, through what: the audit log says); the document's number as the ledger writes it.
pub fn allocate(
    ws: &Workspace,
    payment: &str,
    document: &str,
    amount: Option<Decimal>,
    by: &str,
) -> Result<String> {
    let store = ws.store()?;
    known_payment(store, payment)?;
    let document = document_key(store, document)?;
    anyhow::ensure!(
        amount.is_none_or(|a| a > Decimal::ZERO),
        "the amount must be positive"
    );
    let number = document.number.clone();
    store.add_decision(
        &ManualDecision::Allocate {
            payment: payment.to_string(),
            document,
            amount,
        },
        chrono::Utc::now(),
        by,
    )?;
    Ok(number)
}

/// Records that a payment must not pay a document, or any document when none is named; the
/// document's number as the ledger writes it.
pub fn unallocate(
    ws: &Workspace,
    payment: &str,
    document: Option<&str>,
    by: &str,
) -> Result<Option<String>> {
    let store = ws.store()?;
    known_payment(store, payment)?;
    let document = document.map(|d| document_key(store, d)).transpose()?;
    let what = document.as_ref().map(|d| d.number.clone());
    store.add_decision(
        &ManualDecision::Unallocate {
            payment: payment.to_string(),
            document,
        },
        chrono::Utc::now(),
        by,
    )?;
    Ok(what)
}
