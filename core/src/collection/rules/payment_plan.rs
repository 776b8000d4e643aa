//! Items on a payment plan that is being kept stay with the creditor; a broken plan (an
//! instalment late beyond the grace period) lets them qualify again.

use super::{ItemContext, ItemRule};
use crate::collection::PlanState;

/// Blocks items covered by a plan that is kept.
pub struct OnPaymentPlan;

impl ItemRule for OnPaymentPlan {
    fn id(&self) -> &'static str {
        "payment-plan"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        if cx.plans.is_empty() {
            return None;
        }
        let number = cx.item.number.normalised();
        cx.plans.iter().find_map(|(plan, state)| {
            if !plan.items.iter().any(|n| n.normalised() == number) {
                return None;
            }
            match state {
                PlanState::Kept { .. } => Some(format!(
                    "on payment plan {} ({})",
                    plan.id,
                    state.describe(cx.as_of)
                )),
                PlanState::Completed => Some(format!("settled by payment plan {}", plan.id)),
                PlanState::Broken { .. } => None,
            }
        })
    }
}
