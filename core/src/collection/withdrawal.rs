//! Why a claim the agency holds must be withdrawn: what became of each of its invoices in the
//! ledger since, and one reason for the claim as a whole. Pure: the caller gathers the facts.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::DocumentStatus;
use crate::money::format_cents;

/// Why a claim (or one of its invoices) no longer goes to the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WithdrawalReason {
    /// The debtor disputes it.
    Disputed,
    /// A payment plan was agreed.
    PaymentPlan,
    /// Written off or cancelled in the books.
    WrittenOff,
    /// Paid to the creditor.
    Paid,
    /// Settled by a credit note.
    Credited,
    /// Anything else a person decided (on hold, held for a possible payment, below the minimum).
    Manual,
}

impl WithdrawalReason {
    /// The stable code on the wire and in listings.
    pub fn code(&self) -> &'static str {
        match self {
            WithdrawalReason::Disputed => "disputed",
            WithdrawalReason::PaymentPlan => "payment-plan",
            WithdrawalReason::WrittenOff => "written-off",
            WithdrawalReason::Paid => "paid",
            WithdrawalReason::Credited => "credited",
            WithdrawalReason::Manual => "manual",
        }
    }
}

/// What the ledger now says of one invoice of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemFacts {
    /// Its status in the books.
    pub status: DocumentStatus,
    /// Still open (zero when settled).
    pub open: Decimal,
    /// Paid to the creditor, and the last payment's date.
    pub paid: Decimal,
    /// Date of the last payment.
    pub paid_on: Option<NaiveDate>,
    /// Settled by credit notes.
    pub credited: Decimal,
    /// Date of the last credit note.
    pub credited_on: Option<NaiveDate>,
    /// The rule that keeps it from a claim now, and why, when one does.
    pub excluded: Option<(String, String)>,
    /// Of `paid`, what the agency collected itself (its receipts booked back), and the
    /// receipts' references.
    pub by_agency: Decimal,
    /// The references of the agency's own receipts on it (`agency:CLAIM:RECEIPT`).
    pub agency_receipts: Vec<String>,
}

/// What became of one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFate {
    /// The invoice number.
    pub number: String,
    /// Why it left the claim.
    pub reason: WithdrawalReason,
    /// When (the payment's or credit note's date), where known.
    pub date: Option<NaiveDate>,
    /// In words.
    pub detail: String,
}

/// What became of an invoice, from the ledger's facts (`None`: the invoice left the books).
pub fn fate(number: &str, facts: Option<&ItemFacts>) -> ItemFate {
    let make = |reason, date, detail: String| ItemFate {
        number: number.to_string(),
        reason,
        date,
        detail,
    };
    let Some(f) = facts else {
        return make(
            WithdrawalReason::Manual,
            None,
            format!("{number} is no longer in the ledger"),
        );
    };
    match f.status {
        DocumentStatus::Void => {
            return make(
                WithdrawalReason::WrittenOff,
                None,
                format!("{number} was written off or cancelled in the books"),
            )
        }
        DocumentStatus::Credited => {
            return make(
                WithdrawalReason::Credited,
                f.credited_on,
                format!("{number} was credited in the books"),
            )
        }
        DocumentStatus::Disputed => {
            return make(
                WithdrawalReason::Disputed,
                None,
                format!("the debtor disputes {number}"),
            )
        }
        _ => {}
    }
    if f.open <= Decimal::ZERO {
        return if f.paid > Decimal::ZERO && f.by_agency >= f.paid {
            // The agency's own collection: it is told so, not that the creditor was paid.
            make(
                WithdrawalReason::Paid,
                f.paid_on,
                format!(
                    "{number} was collected by the agency ({})",
                    f.agency_receipts.join(", ")
                ),
            )
        } else if f.paid > Decimal::ZERO || f.status == DocumentStatus::Paid {
            make(
                WithdrawalReason::Paid,
                f.paid_on,
                match f.paid_on {
                    Some(d) => format!("{number} was paid to the creditor on {d}"),
                    None => format!("{number} was paid to the creditor"),
                },
            )
        } else if f.credited > Decimal::ZERO {
            make(
                WithdrawalReason::Credited,
                f.credited_on,
                format!("{number} was credited ({})", format_cents(f.credited)),
            )
        } else {
            make(
                WithdrawalReason::Manual,
                None,
                format!("{number} has nothing open"),
            )
        };
    }
    match &f.excluded {
        Some((rule, why)) if rule == "payment-plan" => make(
            WithdrawalReason::PaymentPlan,
            None,
            format!("{number}: {why}"),
        ),
        Some((rule, why)) if rule == crate::collection::claims::CREDITED_LATER => {
            make(WithdrawalReason::Credited, None, format!("{number}: {why}"))
        }
        Some((_, why)) => make(WithdrawalReason::Manual, None, format!("{number}: {why}")),
        None => make(
            WithdrawalReason::Manual,
            None,
            format!("{number} no longer qualifies"),
        ),
    }
}

/// The reason for the claim as a whole: the one every invoice shares; paid and credited
/// together count as paid; otherwise the weightiest (disputed, plan, written off, manual).
/// With the latest date and every invoice's detail.
pub fn overall(fates: &[ItemFate]) -> (WithdrawalReason, Option<NaiveDate>, String) {
    use WithdrawalReason::*;
    let settled = |r: WithdrawalReason| matches!(r, Paid | Credited);
    let reason = if fates.iter().all(|f| settled(f.reason)) {
        if fates.iter().any(|f| f.reason == Paid) {
            Paid
        } else {
            Credited
        }
    } else {
        [Disputed, PaymentPlan, WrittenOff, Manual]
            .into_iter()
            .find(|r| fates.iter().any(|f| f.reason == *r))
            .unwrap_or(Manual)
    };
    let date = fates
        .iter()
        .filter(|f| f.reason == reason || (reason == Paid && settled(f.reason)))
        .filter_map(|f| f.date)
        .max();
    let detail = fates
        .iter()
        .map(|f| f.detail.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    (reason, date, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn each_fate_and_the_claims_reason() {
        let paid = ItemFacts {
            paid: Decimal::from(100),
            paid_on: Some(d("2026-07-03")),
            ..ItemFacts::default()
        };
        let credited = ItemFacts {
            credited: Decimal::from(50),
            credited_on: Some(d("2026-07-01")),
            ..ItemFacts::default()
        };
        let disputed = ItemFacts {
            status: DocumentStatus::Disputed,
            open: Decimal::from(10),
            ..ItemFacts::default()
        };
        let plan = ItemFacts {
            open: Decimal::from(10),
            excluded: Some(("payment-plan".into(), "on payment plan P1 (kept)".into())),
            ..ItemFacts::default()
        };
        let void = ItemFacts {
            status: DocumentStatus::Void,
            ..ItemFacts::default()
        };
        let credited_in_the_books = ItemFacts {
            status: DocumentStatus::Credited,
            ..ItemFacts::default()
        };
        let credited_later = ItemFacts {
            open: Decimal::from(10),
            excluded: Some((
                crate::collection::claims::CREDITED_LATER.into(),
                "credit note C1 of 2026-07-10 (EUR 10.00) credits it".into(),
            )),
            ..ItemFacts::default()
        };
        let table = [
            (
                "F1",
                Some(&paid),
                WithdrawalReason::Paid,
                Some("2026-07-03"),
            ),
            (
                "F2",
                Some(&credited),
                WithdrawalReason::Credited,
                Some("2026-07-01"),
            ),
            ("F3", Some(&disputed), WithdrawalReason::Disputed, None),
            ("F4", Some(&plan), WithdrawalReason::PaymentPlan, None),
            ("F5", Some(&void), WithdrawalReason::WrittenOff, None),
            ("F6", None, WithdrawalReason::Manual, None),
            (
                "F7",
                Some(&credited_in_the_books),
                WithdrawalReason::Credited,
                None,
            ),
            (
                "F7",
                Some(&credited_later),
                WithdrawalReason::Credited,
                None,
            ),
        ];
        for (n, f, want, date) in table {
            let got = fate(n, f);
            assert_eq!((got.reason, got.date), (want, date.map(d)), "{n}");
        }
        let (r, date, detail) = overall(&[fate("F1", Some(&paid)), fate("F2", Some(&credited))]);
        assert_eq!((r, date), (WithdrawalReason::Paid, Some(d("2026-07-03"))));
        assert!(
            detail.contains("F1 was paid to the creditor on 2026-07-03"),
            "{detail}"
        );
        let (r, _, _) = overall(&[fate("F1", Some(&paid)), fate("F3", Some(&disputed))]);
        assert_eq!(r, WithdrawalReason::Disputed);
    }
}
