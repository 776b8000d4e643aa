//! Only currencies the agency accepts are sent.

use super::{ItemContext, ItemRule};

/// Blocks items in currencies the policy does not list.
pub struct CurrencyAccepted;

impl ItemRule for CurrencyAccepted {
    fn id(&self) -> &'static str {
        "currency"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        (!cx.policy.policy.currencies.contains(&cx.item.currency)).then(|| {
            format!(
                "currency {} is not in the policy's currencies",
                cx.item.currency
            )
        })
    }
}
