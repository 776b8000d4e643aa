//! Consumers must have had the 14-day letter (NL, art. 6:96 lid 6 BW) or the free first reminder
//! (BE, art. XIX.2 WER), sent after the due date, and its term (`collection::letter_term`) must
//! have passed.

use super::{ItemContext, ItemRule};
use crate::collection::ReminderKind;
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
        let letter = cx
            .reminders
            .iter()
            .filter(|r| {
                r.kind == ReminderKind::FourteenDayLetter
                    && r.covers(cx.item.number, cx.item.due_date)
            })
            .max_by_key(|r| r.sent);
        match letter {
            None => Some("consumer without a 14-day letter for this invoice".to_string()),
            Some(r) if !r.states_costs && cx.policy.letter_states_costs() => Some(format!(
                "the 14-day letter of {} did not state the costs",
                r.sent
            )),
            Some(r) => {
                let pay_by = r.term(cx.policy.jurisdiction).last_day;
                (cx.as_of <= pay_by)
                    .then(|| format!("the 14-day letter of {} runs until {pay_by}", r.sent))
            }
        }
    }
}
