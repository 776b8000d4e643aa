//! Consumers must have had the 14-day letter (NL, art. 6:96 lid 6 BW) or the free first reminder
//! (BE, art. XIX.2 WER), sent after the debtor's default began, and its term
//! (`collection::letter_term`) must have passed. Without an agreed payment term a Dutch consumer
//! is in default only after a first 14-day letter's term (`collection::last_day_before_default`),
//! so the costs need a second one.

use super::{ItemContext, ItemRule};
use crate::collection::{last_day_before_default, ReminderKind};
use crate::law::DebtorType;

/// Blocks consumer items without an expired 14-day letter.
pub struct FourteenDayLetter;

impl ItemRule for FourteenDayLetter {
    fn id(&self) -> &'static str {
        "fourteen-day-letter"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        if cx.policy.debtor_type != Some(DebtorType::Consumer) {
            return None;
        }
        let item = cx.item;
        let Some(before) = last_day_before_default(
            item.number,
            item.due_date,
            item.due_assumed,
            cx.reminders,
            cx.policy.jurisdiction,
            cx.policy.debtor_type,
        ) else {
            return Some(
                "consumer without a 14-day letter for this invoice; no payment term was agreed, so the first letter puts the debtor in default (art. 6:82 BW) and the costs need a second one after its term (art. 6:96 lid 6 BW)"
                    .to_string(),
            );
        };
        let letter = cx
            .reminders
            .iter()
            .filter(|r| {
                r.is_fourteen_day_letter_for(cx.policy.debtor_type) && r.covers(item.number, before)
            })
            .max_by_key(|r| r.sent);
        match letter {
            None if before != item.due_date => Some(format!(
                "no payment term was agreed: the debtor is in default from {} after a first 14-day letter (art. 6:82 BW); the costs need a 14-day letter sent after that (art. 6:96 lid 6 BW)",
                before.succ_opt().unwrap_or(before)
            )),
            None if cx.reminders.iter().any(|r| {
                r.kind == ReminderKind::FourteenDayLetter
                    && !r.is_fourteen_day_letter_for(cx.policy.debtor_type)
                    && r.covers(item.number, before)
            }) =>
            {
                Some("consumer without a 14-day letter for this invoice: the last reminder on record was written for a business (costs owed since the due date, commercial interest), which is no consumer's 14-day letter (art. 6:96 lid 6 BW)".to_string())
            }
            None => Some("consumer without a 14-day letter for this invoice".to_string()),
            // No costs are owed on a default before the Besluit, so the letter states none.
            Some(r)
                if !r.states_costs
                    && cx.policy.letter_states_costs()
                    && !crate::law::nl::default_before_besluit(
                        cx.policy.jurisdiction,
                        before.succ_opt().unwrap_or(before),
                    ) =>
            {
                Some(format!(
                    "the 14-day letter of {} did not state the costs",
                    r.sent
                ))
            }
            Some(r) => {
                let pay_by = r.term(cx.policy.jurisdiction).last_day;
                (cx.as_of <= pay_by)
                    .then(|| format!("the 14-day letter of {} runs until {pay_by}", r.sent))
            }
        }
    }
}
