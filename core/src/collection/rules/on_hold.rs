//! A debtor on hold (talks, a complaint, a relationship to keep) is left alone until the date.

use super::{ItemContext, ItemRule};

/// Blocks every item of a debtor on hold.
pub struct OnHold;

impl ItemRule for OnHold {
    fn id(&self) -> &'static str {
        "on-hold"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        let over = cx.policy.over?;
        let until = over.hold_until?;
        (cx.as_of <= until).then(|| match &over.hold_reason {
            Some(r) => format!("debtor on hold until {until}: {r}"),
            None => format!("debtor on hold until {until}"),
        })
    }
}
