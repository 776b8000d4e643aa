//! A debtor whose unapplied credit covers the debt owes nothing on balance: no claim, never a
//! claim of 0.00 (credit notes not linked to an invoice are set off against the items).

use super::{DebtorContext, DebtorRule};
use crate::money::format_cents;

/// Blocks a debtor whose credit covers the qualifying debt.
pub struct CreditBalance;

impl DebtorRule for CreditBalance {
    fn id(&self) -> &'static str {
        "credit-balance"
    }

    fn check(&self, cx: &DebtorContext<'_>) -> Option<String> {
        (cx.credit >= cx.qualifying_total).then(|| {
            format!(
                "nothing to collect: the debtor's credit of {} covers the debt of {}",
                format_cents(cx.credit),
                format_cents(cx.qualifying_total)
            )
        })
    }
}
