//! An item whose payment is underway in the books (a direct debit not yet collected) is owed but
//! never claimed: the money may still arrive, and if the debit fails the books reopen the item.

use super::{ItemContext, ItemRule};
use crate::model::DocumentStatus;

/// Blocks items the source reports a payment underway for.
pub struct PaymentPending;

impl ItemRule for PaymentPending {
    fn id(&self) -> &'static str {
        "payment-pending"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        (cx.item.status == DocumentStatus::PaymentPending).then(|| {
            "a payment is underway in the books (a direct debit not yet collected); it may still \
             arrive"
                .to_string()
        })
    }
}
