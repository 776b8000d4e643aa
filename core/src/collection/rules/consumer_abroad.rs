//! A consumer living in a country whose law incasso does not know is held: art. 6 Rome I may
//! give them their own country's consumer law (costs, letters), and a claim under Dutch or
//! Belgian law could ask what that law forbids. A person chooses the law under
//! `[debtors.ID] jurisdiction`.

use super::{ItemContext, ItemRule};

/// Holds items of consumers living where incasso knows no law.
pub struct ConsumerAbroad;

impl ItemRule for ConsumerAbroad {
    fn id(&self) -> &'static str {
        "consumer-abroad"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        cx.policy.abroad_reason(cx.item.debtor.as_str())
    }
}
