//! A claim below the policy's minimum per debtor is not worth sending.

use super::{DebtorContext, DebtorRule};
use crate::money::format_cents;

/// Blocks debtors whose qualifying total is below the minimum.
pub struct MinAmount;

impl DebtorRule for MinAmount {
    fn id(&self) -> &'static str {
        "min-open-per-debtor"
    }

    fn check(&self, cx: &DebtorContext<'_>) -> Option<String> {
        let min = cx.policy.policy.min_open_per_debtor;
        (cx.qualifying_total - cx.credit < min).then(|| {
            format!(
                "{} open is below the policy's minimum of {} per debtor",
                format_cents(cx.qualifying_total - cx.credit),
                format_cents(min)
            )
        })
    }
}
