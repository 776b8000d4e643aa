//! An item whose payment is underway or agreed in the books (a direct debit not yet collected, a
//! payment arrangement the package records as the item's status) is owed but never claimed: the
//! money may still arrive, and if it does not the books reopen the item.

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
            "a payment is underway or agreed in the books (a direct debit not yet collected, a \
             payment arrangement); it may still arrive"
                .to_string()
        })
    }
}
