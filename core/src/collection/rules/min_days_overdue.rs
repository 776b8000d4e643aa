//! An item qualifies only after the policy's minimum number of days past its due date.

use super::{ItemContext, ItemRule};

/// Blocks items not overdue long enough.
pub struct MinDaysOverdue;

impl ItemRule for MinDaysOverdue {
    fn id(&self) -> &'static str {
        "min-days-overdue"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        let need = i64::from(cx.policy.min_days_overdue);
        let days = cx.item.days_overdue;
        match days {
            0 if cx.item.due_date >= cx.as_of => {
                Some(format!("not yet due (due {})", cx.item.due_date))
            }
            d if d < need => Some(format!("{d} days overdue; the policy waits {need}")),
            _ => None,
        }
    }
}
