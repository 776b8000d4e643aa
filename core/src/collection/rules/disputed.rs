//! A disputed item never goes to an agency while the dispute stands.

use super::{ItemContext, ItemRule};
use crate::model::DocumentStatus;

/// Blocks items the debtor disputes.
pub struct Disputed;

impl ItemRule for Disputed {
    fn id(&self) -> &'static str {
        "disputed"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        (cx.item.status == DocumentStatus::Disputed).then(|| "disputed by the debtor".to_string())
    }
}
