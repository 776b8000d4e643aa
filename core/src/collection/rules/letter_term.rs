//! A letter recorded as sent gives the debtor a term to pay (the 14-day letter of a business,
//! the pre-incasso letter, the Belgian business reminder, as much as the consumer's 14-day
//! letter): it says the costs and interest are not charged when paid within it, and that the
//! claim goes to an agency only when not. No claim goes before that term ends, or it would
//! contradict the creditor's own letter (review 44b, F-1: a business claim was ready, with
//! costs and interest, on day 7 of a term that waived them).

use super::{ItemContext, ItemRule};

/// Blocks items a recorded letter's running term covers.
pub struct LetterTermRuns;

impl ItemRule for LetterTermRuns {
    fn id(&self) -> &'static str {
        "letter-term"
    }

    fn check(&self, cx: &ItemContext<'_>) -> Option<String> {
        let item = cx.item;
        let (r, last) = cx
            .reminders
            .iter()
            .filter(|r| r.sent <= cx.as_of && r.covers(item.number, item.due_date))
            .map(|r| (r, r.term(cx.policy.jurisdiction).last_day))
            .filter(|(_, last)| cx.as_of <= *last)
            .max_by_key(|(_, last)| *last)?;
        let kind = match r.kind {
            crate::collection::ReminderKind::FourteenDayLetter => "14-day letter",
            crate::collection::ReminderKind::PreIncasso => "pre-incasso letter",
            crate::collection::ReminderKind::Reminder => "reminder",
        };
        Some(format!(
            "the {kind} of {} gives the debtor until {last} to pay; no claim before its term ends",
            r.sent
        ))
    }
}
