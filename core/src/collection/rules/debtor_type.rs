//! Only debtor types the policy sends, and unclassified debtors only when the policy says how to
//! treat them.

use super::{ItemContext, ItemRule};

/// Blocks items of debtor types the policy excludes.
pub struct DebtorTypeAccepted;

impl ItemRule for DebtorTypeAccepted {
    fn id(&self) -> &'static str {
        "debtor-type"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        match cx.policy.debtor_type {
            None => Some(
                "the debtor is not classified as consumer or business (policy: block)".to_string(),
            ),
            Some(t) if !cx.policy.policy.debtor_types.contains(&t) => Some(format!(
                "{} debtors are not sent under this policy",
                format!("{t:?}").to_lowercase()
            )),
            Some(_) => None,
        }
    }
}
