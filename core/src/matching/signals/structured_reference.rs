//! Signal: a structured payment reference the creditor printed on the document, in the bank's
//! structured field or anywhere in the text (`references.rs` reads and checks them).
//!
//! | payment carries | candidate | evidence against |
//! |---|---|---|
//! | a valid reference one or more documents print | those documents, oldest due first | another debtor's than the payer's; several debtors'; amount far off, or part |
//! | a reference with a wrong check digit | none: read as plain text by the other signals | |
//! | a valid reference no document prints | none here: `missing_invoice.rs` leaves it unapplied, when it is in the bank's field, an RF, or an OGM written as one | twelve digits in groups (a Belgian account number passes the OGM check) and a kenmerk in free text designate nothing missing; a reference a voided invoice or a credit note prints is not unknown |
//! | a reference of a credit note, a document not in force, or another currency | none | |

use super::payer::Payer;
use super::{designated_candidate, Context};
use crate::matching::candidate::Candidate;
use crate::matching::evidence::Evidence;
use crate::matching::index::reference_key;
use crate::matching::references::{self, ReferenceKind};
use crate::model::{AllocationRule, Payment};

/// The documents whose payment reference the payment carries, each with that reference; and a
/// reference it carries that passes its check but no document prints (in force or not): the
/// bank's structured field, or an OGM or RF in the text (a 16-digit kenmerk in free text is not
/// enough: one in eleven random numbers passes its check).
pub(crate) fn named(ctx: &Context<'_, '_>, p: &Payment) -> (Vec<(u32, String)>, Option<String>) {
    let texts = [p.remittance.as_deref(), p.end_to_end_id.as_deref()];
    // Each reference, with whether it may stand for an invoice the ledger lacks.
    let mut refs: Vec<(String, bool)> = Vec::new();
    if let Some((r, kind)) = p
        .structured_reference
        .as_deref()
        .and_then(references::canonical)
    {
        refs.push((r, kind.is_some()));
    }
    for text in texts.into_iter().flatten() {
        for (r, kind) in references::find_in_text(text) {
            if !refs.iter().any(|(e, _)| *e == r) {
                let strong = match kind {
                    ReferenceKind::Rf => true,
                    ReferenceKind::Ogm => written_as_ogm(text, &r),
                    ReferenceKind::Kenmerk => false,
                };
                refs.push((r, strong));
            }
        }
    }
    let mut found: Vec<(u32, String)> = Vec::new();
    let mut unknown = None;
    for (r, strong) in refs {
        let key = reference_key(&r);
        let Some(&first) = ctx.idx.references.get(&key) else {
            if strong && unknown.is_none() && !ctx.idx.other_references.contains(&key) {
                unknown = Some(r);
            }
            continue;
        };
        let more = ctx.idx.references_more.get(&first).into_iter().flatten();
        for &d in std::iter::once(&first).chain(more) {
            let same = ctx.docs[d as usize]
                .document
                .payment_reference
                .as_deref()
                .and_then(references::canonical)
                .is_some_and(|(c, _)| c == r);
            if same && ctx.usable(p, d) && !found.iter().any(|(e, _)| *e == d) {
                found.push((d, r.clone()));
            }
        }
    }
    (found, unknown)
}

/// Whether the text writes these twelve digits the way an OGM is printed (`+++250/0226/47060+++`,
/// `250/0226/47060`, `+++250022647060+++`), not as any twelve digits (a Belgian account number
/// in groups passes the OGM check by design).
fn written_as_ogm(text: &str, r: &str) -> bool {
    let slashed = format!("{}/{}/{}", &r[..3], &r[3..7], &r[7..]);
    text.contains(&slashed)
        || text.contains(&format!("+++{r}+++"))
        || text.contains(&format!("***{r}***"))
}

/// The candidate: the documents the references name.
pub(crate) fn candidate(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    named: &[(u32, String)],
) -> Candidate {
    let mut evidence: Vec<Evidence> = Vec::new();
    for (_, r) in named {
        let e = Evidence::StructuredReference {
            reference: r.clone(),
        };
        if !evidence.contains(&e) {
            evidence.push(e);
        }
    }
    let docs: Vec<u32> = named.iter().map(|(d, _)| *d).collect();
    designated_candidate(
        ctx,
        p,
        payer,
        &docs,
        AllocationRule::StructuredReference,
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::written_as_ogm;

    #[test]
    fn an_ogm_is_written_as_one_an_account_number_is_not() {
        let r = "100016001495";
        assert!(written_as_ogm("DOC 100/0160/01495", r));
        assert!(written_as_ogm("+++100016001495+++", r));
        // A Belgian account in groups passes the OGM check by design: not a designation.
        assert!(!written_as_ogm("OVERSCHRIJVING VAN BE68 1000 1600 1495", r));
    }
}
