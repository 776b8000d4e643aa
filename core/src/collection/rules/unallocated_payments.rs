//! Money received from a debtor that is not allocated yet (unapplied cash, or a match waiting in
//! review) may be the payment of the very invoices claimed: nothing goes until a person decides.

use super::{DebtorContext, DebtorRule};

/// Holds back a debtor with unallocated money received.
pub struct UnallocatedPayments;

impl DebtorRule for UnallocatedPayments {
    fn id(&self) -> &'static str {
        "unallocated-payments"
    }

    fn check(&self, cx: &DebtorContext<'_>) -> Option<String> {
        (cx.unallocated > rust_decimal::Decimal::ZERO).then(|| {
            format!(
                "{} received from this debtor is not allocated (see `incasso unmatched` and `incasso review`); allocate it first",
                cx.unallocated
            )
        })
    }
}
