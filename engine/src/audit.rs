//! The audit trail as one list of lines: every import (what it did, with its content hash) and
//! every change to a stored record, for `incasso audit`.

use chrono::{DateTime, Utc};
use incasso_store::{AuditEntry, ImportRecord};

/// One line of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditLine {
    /// `import N`, or the audit entry's sequence number.
    pub seq: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The import it belongs to, if any.
    pub import: Option<u64>,
    /// What happened.
    pub action: String,
    /// To what (a file, a document, a debtor).
    pub subject: String,
    /// The details.
    pub detail: String,
}

/// The imports, then the audit entries, as lines.
pub fn lines(imports: &[ImportRecord], log: &[AuditEntry]) -> Vec<AuditLine> {
    let mut out: Vec<AuditLine> = imports
        .iter()
        .map(|i| {
            // A statement stores bank lines, a ledger documents: say what this one did.
            let what = if i.payments_new + i.payments_repeated > 0 {
                format!(
                    "{} bank lines new, {} already stored",
                    i.payments_new, i.payments_repeated
                )
            } else {
                let mut w = format!(
                    "{} new, {} changed, {} unchanged",
                    i.new, i.changed, i.unchanged
                );
                if i.merged + i.conflicts > 0 {
                    w.push_str(&format!(", {} merged, {} conflicts", i.merged, i.conflicts));
                }
                w
            };
            AuditLine {
                seq: format!("import {}", i.id),
                at: i.imported_at,
                import: Some(i.id),
                action: "import".into(),
                subject: i.source.name.clone(),
                detail: format!(
                    "{what}; blake3 {}",
                    &i.source.content_hash[..16.min(i.source.content_hash.len())]
                ),
            }
        })
        .collect();
    out.extend(log.iter().map(|e| AuditLine {
        seq: e.seq.to_string(),
        at: e.at,
        import: e.import_id,
        action: e.action.clone(),
        subject: e.subject.clone(),
        detail: e.detail.clone(),
    }));
    out
}
