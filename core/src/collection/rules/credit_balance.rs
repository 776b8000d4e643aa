//! A debtor whose unapplied credit is larger than the debt owes nothing on balance: no claim.

use super::{DebtorContext, DebtorRule};

/// Blocks a debtor whose credit exceeds the qualifying debt.
pub struct CreditBalance;

impl DebtorRule for CreditBalance {
    fn id(&self) -> &'static str {
        "credit-balance"
    }

    fn check(&self, cx: &DebtorContext<'_>) -> Option<String> {
        (cx.credit > cx.qualifying_total).then(|| {
            format!(
                "credit balance {} is larger than the debt {}",
                cx.credit, cx.qualifying_total
            )
        })
    }
}
