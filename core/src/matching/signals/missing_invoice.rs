//! Signal: the text names an invoice number of the ledger's own numbering that no invoice has (an
//! open-items export, a ledger split over files; `missing.rs` learns the numbering's shapes).
//! Such a payment designates that invoice, so it is never spread over the debtor's other items:
//! art. 6:43 BW is for a payment that designates nothing.
//!
//! | text names | candidate | boundary |
//! |---|---|---|
//! | `F2025-0123`, the ledger's shape, no such invoice, the payer known | leave unapplied, "names F2025-0123, which is not in the ledger" | the payer has an item of exactly the amount: at most 60, so a person decides |
//! | a word of a shape fewer than one in a hundred invoices have | none | customer numbers, postcodes, dates |
//! | a number an invoice or a credit note of the ledger has | none: `invoice_number.rs` | |
//! | a structured reference (in the bank's field, or an OGM or RF in the text) that passes its check and no document prints | leave unapplied, "carries reference …, which no document in the ledger prints" | a 16-digit kenmerk in free text is not enough (one in eleven random numbers passes the check) |

use super::Context;
use crate::ids::DebtorId;
use crate::matching::candidate::Candidate;
use crate::matching::evidence::Evidence;
use crate::matching::numbers::KeyStrength;
use crate::model::{AllocationRule, Payment};

/// The first number of the ledger's numbering in the text that no invoice has.
pub(crate) fn named(ctx: &Context<'_, '_>, p: &Payment) -> Option<String> {
    let text = p.remittance.as_deref()?;
    ctx.idx
        .shapes
        .numbers_in(text)
        .into_iter()
        .find(|t| {
            !ctx.idx.credit_notes.contains(&t.to_uppercase())
                && !ctx
                    .idx
                    .numbers
                    .find(t)
                    .iter()
                    .any(|(_, s)| *s == KeyStrength::Full)
        })
        .map(str::to_string)
}

/// The candidate "leave it unapplied", against the payer's items of exactly the amount paid.
pub(crate) fn candidate(
    ctx: &Context<'_, '_>,
    debtor: Option<&DebtorId>,
    number: &str,
    reference: bool,
    exact: &[u32],
) -> Candidate {
    let mut evidence = vec![if reference {
        Evidence::UnknownReference {
            reference: number.to_string(),
        }
    } else {
        Evidence::NamesMissingInvoice {
            number: number.to_string(),
        }
    }];
    if let Some(&d) = exact.first() {
        evidence.push(Evidence::PayerHasItemOfThisAmount {
            number: ctx.number(d).to_string(),
        });
    }
    let mut c = Candidate::new(
        Vec::new(),
        AllocationRule::DebtorExactAmount,
        debtor.cloned(),
        evidence,
    );
    c.names_missing = Some(number.to_string());
    c
}
