//! The rules that keep an item (or a whole debtor) away from the agency, one rule per file.
//!
//! Each rule answers "why not?" in plain words, or nothing when it has no objection. Item rules
//! run first; then the gate (`possible_payment.rs`) holds items that money received and not
//! applied may have paid; debtor rules then judge what is left for the debtor as a whole.

mod consumer_abroad;
mod credit_balance;
mod currency;
mod debtor_type;
mod disputed;
mod fourteen_day_letter;
mod letter_term;
mod min_amount;
mod min_days_overdue;
mod on_hold;
mod payment_pending;
mod payment_plan;
pub mod possible_payment;
pub(crate) mod unallocated_payments;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::policy::Effective;
use super::{PaymentPlan, PlanState, Reminder};
use crate::ageing::OpenItem;

/// What an item rule sees.
pub struct ItemContext<'a> {
    /// The date of the decision.
    pub as_of: NaiveDate,
    /// The open item.
    pub item: &'a OpenItem<'a>,
    /// The policy as it applies to the debtor.
    pub policy: &'a Effective<'a>,
    /// The debtor's letters.
    pub reminders: &'a [Reminder],
    /// The debtor's payment plans with their state.
    pub plans: &'a [(PaymentPlan, PlanState)],
}

/// A rule about one item.
pub trait ItemRule: Sync {
    /// Stable id, for reports and tests.
    fn id(&self) -> &'static str;
    /// Why the item does not qualify, or `None`.
    fn check(&self, cx: &ItemContext<'_>) -> Option<String>;
}

/// What a debtor rule sees: the items that passed every item rule, and the debtor's credit.
pub struct DebtorContext<'a> {
    /// The policy as it applies to the debtor.
    pub policy: &'a Effective<'a>,
    /// Sum of the qualifying items' open amounts.
    pub qualifying_total: Decimal,
    /// Unapplied credit of the debtor (positive), in the claim's currency.
    pub credit: Decimal,
    /// Money received from the debtor in the claim's currency and not allocated to anything.
    pub unallocated: Decimal,
}

/// A rule about a debtor's claim as a whole.
pub trait DebtorRule: Sync {
    /// Stable id, for reports and tests.
    fn id(&self) -> &'static str;
    /// Why the claim does not go, or `None`.
    fn check(&self, cx: &DebtorContext<'_>) -> Option<String>;
}

/// Item rules in the order their reasons are reported.
pub fn item_rules() -> &'static [&'static dyn ItemRule] {
    &[
        &disputed::Disputed,
        &payment_pending::PaymentPending,
        &on_hold::OnHold,
        &payment_plan::OnPaymentPlan,
        &currency::CurrencyAccepted,
        &debtor_type::DebtorTypeAccepted,
        &consumer_abroad::ConsumerAbroad,
        &min_days_overdue::MinDaysOverdue,
        &fourteen_day_letter::FourteenDayLetter,
        &letter_term::LetterTermRuns,
    ]
}

/// Debtor rules.
pub fn debtor_rules() -> &'static [&'static dyn DebtorRule] {
    &[
        &unallocated_payments::UnallocatedPayments,
        &credit_balance::CreditBalance,
        &min_amount::MinAmount,
    ]
}

#[cfg(test)]
mod tests;
