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

/// The document a user names: the invoice of that number, else the credit note; with how to
/// name it back, saying which was chosen when both have the number (two numbering series that
/// overlap), so a person never decides about the other one unknowingly.
fn document_key(store: &Store, number: &str) -> Result<(DocumentKey, String)> {
    let n = DocumentNumber::new(number)?;
    let creditor = store.creditor()?;
    let key = |kind| DocumentKey {
        creditor: creditor.clone(),
        kind,
        number: n.normalised().into_owned(),
    };
    let exists = |kind| -> Result<bool> { Ok(!store.document_history(&key(kind))?.is_empty()) };
    match (
        exists(DocumentKind::Invoice)?,
        exists(DocumentKind::CreditNote)?,
    ) {
        (true, false) => Ok((key(DocumentKind::Invoice), n.normalised().into_owned())),
        (false, true) => Ok((
            key(DocumentKind::CreditNote),
            format!("credit note {}", n.normalised()),
        )),
        (true, true) => Ok((
            key(DocumentKind::Invoice),
            format!(
                "invoice {0} (a credit note has the number {0} too; the invoice is meant)",
                n.normalised()
            ),
        )),
        (false, false) => anyhow::bail!("document {number} is not in the ledger"),
    }
}

fn known_payment(store: &Store, id: &str) -> Result<()> {
    anyhow::ensure!(
        store.has_payment(id)?,
        "payment {id} is not in the ledger (see `incasso unmatched` or `incasso allocations`)"
    );
    Ok(())
}

/// Records that a payment pays a document (all of what is open, or `amount`), made by `by`
/// (who, through what: the audit log says); the document as it was understood, for the answer.
pub fn allocate(
    ws: &Workspace,
    payment: &str,
    document: &str,
    amount: Option<Decimal>,
    by: &str,
) -> Result<String> {
    let store = ws.store()?;
    known_payment(store, payment)?;
    let (document, number) = document_key(store, document)?;
    anyhow::ensure!(
        amount.is_none_or(|a| a > Decimal::ZERO),
        "the amount must be positive"
    );
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
/// document as it was understood, for the answer.
pub fn unallocate(
    ws: &Workspace,
    payment: &str,
    document: Option<&str>,
    by: &str,
) -> Result<Option<String>> {
    let store = ws.store()?;
    known_payment(store, payment)?;
    let (document, what) = match document.map(|d| document_key(store, d)).transpose()? {
        Some((key, name)) => (Some(key), Some(name)),
        None => (None, None),
    };
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
