//! Collection: reminders and 14-day letters, payment plans, the policy that decides which debts
//! qualify, and the claims that go to an agency.
//!
//! `policy.rs` holds the configuration, `rules/` one rule per file (each says why an item does
//! not qualify), `claims.rs` puts it together into one claim per debtor with the law's amounts.

pub mod claims;
pub mod policy;
pub mod rules;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{DebtorId, DocumentNumber};

/// What kind of letter was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReminderKind {
    /// An ordinary reminder (aanmaning, herinnering).
    Reminder,
    /// The Dutch 14-day letter (art. 6:96 lid 6 BW) or the Belgian free first reminder.
    FourteenDayLetter,
    /// A last warning before the agency takes over, without costs.
    PreIncasso,
}

impl ReminderKind {
    /// Parses `reminder`, `fourteen-day-letter` (also `14-dagenbrief`), `pre-incasso`.
    pub fn parse(s: &str) -> Option<ReminderKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "reminder" | "aanmaning" | "herinnering" => ReminderKind::Reminder,
            "fourteen-day-letter" | "14-day-letter" | "14-dagenbrief" | "veertiendagenbrief" => {
                ReminderKind::FourteenDayLetter
            }
            "pre-incasso" | "preincasso" => ReminderKind::PreIncasso,
            _ => return None,
        })
    }
}

/// How a letter was delivered, which decides when it counts as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// By post.
    #[default]
    Post,
    /// By e-mail (where agreed).
    Email,
}

/// The day a letter is presumed received: e-mail the same day; post the second day after
/// sending, Sundays and Mondays not counting as delivery days or days in between (the
/// presumption courts use, HR 25-11-2016). Public holidays are not modelled.
pub fn presumed_receipt(sent: NaiveDate, channel: Channel) -> NaiveDate {
    if channel == Channel::Email {
        return sent;
    }
    let mut day = sent;
    let mut counted = 0;
    while counted < 2 {
        day = day + Days::new(1);
        if !matches!(day.weekday(), Weekday::Sun | Weekday::Mon) {
            counted += 1;
        }
    }
    day
}

/// A reminder or letter sent to a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The debtor.
    pub debtor: DebtorId,
    /// What kind of letter.
    pub kind: ReminderKind,
    /// Date sent.
    pub sent: NaiveDate,
    /// Date received, when known; else presumed from the channel.
    pub received: Option<NaiveDate>,
    /// How it was sent.
    pub channel: Channel,
    /// The invoices it named; empty means every item open and due when it was sent.
    pub items: Vec<DocumentNumber>,
    /// Whether it stated the costs that would be charged (the 14-day letter must).
    pub states_costs: bool,
}

impl Reminder {
    /// The day it counts as received.
    pub fn received_on(&self) -> NaiveDate {
        self.received
            .unwrap_or_else(|| presumed_receipt(self.sent, self.channel))
    }

    /// Whether it covers an invoice due on `due` (it must name it, or name none and be sent after
    /// the due date).
    pub fn covers(&self, number: &DocumentNumber, due: NaiveDate) -> bool {
        if self.items.is_empty() {
            self.sent > due
        } else {
            self.items
                .iter()
                .any(|n| n.normalised() == number.normalised())
        }
    }
}

/// One agreed instalment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Due date.
    pub due: NaiveDate,
    /// Amount.
    pub amount: Decimal,
}

/// A payment plan (betalingsregeling), optionally a compromise for a lower amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentPlan {
    /// Identifier.
    pub id: String,
    /// The debtor.
    pub debtor: DebtorId,
    /// The invoices it covers.
    pub items: Vec<DocumentNumber>,
    /// Date agreed.
    pub agreed_on: NaiveDate,
    /// What was open on the covered items when agreed.
    pub open_at_agreement: Decimal,
    /// Instalments in date order.
    pub instalments: Vec<Instalment>,
    /// For a compromise: the lower amount that settles the items; the rest is written off.
    pub settle_for: Option<Decimal>,
}

/// Whether a plan is being kept as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanState {
    /// Every instalment due (past the grace period) is paid.
    Kept {
        /// The next instalment, if any is left.
        next: Option<NaiveDate>,
    },
    /// An instalment is more than the grace period late.
    Broken {
        /// The instalment missed.
        missed: NaiveDate,
        /// How much was short.
        short: Decimal,
    },
    /// Everything agreed is paid.
    Completed,
}

impl PaymentPlan {
    /// The total agreed: the compromise amount, or the sum of the instalments.
    pub fn agreed_total(&self) -> Decimal {
        self.settle_for
            .unwrap_or_else(|| self.instalments.iter().map(|i| i.amount).sum())
    }

    /// The amount written off by a compromise (explicit, never silent).
    pub fn write_off(&self) -> Decimal {
        self.settle_for.map_or(Decimal::ZERO, |s| {
            (self.open_at_agreement - s).max(Decimal::ZERO)
        })
    }

    /// Judges the plan as of a date, given what is still open on its items now.
    pub fn state(&self, open_now: Decimal, as_of: NaiveDate, grace_days: u32) -> PlanState {
        let paid = self.open_at_agreement - open_now;
        if paid >= self.agreed_total() {
            return PlanState::Completed;
        }
        let mut due_so_far = Decimal::ZERO;
        for inst in &self.instalments {
            if inst.due + Days::new(u64::from(grace_days)) >= as_of {
                break;
            }
            due_so_far += inst.amount;
            if paid < due_so_far {
                return PlanState::Broken {
                    missed: inst.due,
                    short: due_so_far - paid,
                };
            }
        }
        PlanState::Kept {
            next: self.instalments.iter().map(|i| i.due).find(|d| *d >= as_of),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn postal_receipt_skips_sundays_and_mondays() {
        let table = [
            ("R1", "2026-11-18", "2026-11-20"), // Wed -> Fri
            ("R2", "2026-11-20", "2026-11-24"), // Fri -> Sat (1), Sun, Mon skipped, Tue (2)
            ("R3", "2026-11-21", "2026-11-25"), // Sat -> Tue (1), Wed (2)
            ("R4", "2026-11-22", "2026-11-25"), // Sun -> Tue, Wed
        ];
        for (id, sent, want) in table {
            assert_eq!(presumed_receipt(d(sent), Channel::Post), d(want), "{id}");
        }
        assert_eq!(
            presumed_receipt(d("2026-11-20"), Channel::Email),
            d("2026-11-20")
        );
    }

    #[test]
    fn plans_are_kept_broken_or_completed() {
        let plan = PaymentPlan {
            id: "P1".into(),
            debtor: DebtorId::new("D1").unwrap(),
            items: vec![DocumentNumber::new("F1").unwrap()],
            agreed_on: d("2026-01-01"),
            open_at_agreement: Decimal::from(300),
            instalments: vec![
                Instalment {
                    due: d("2026-02-01"),
                    amount: Decimal::from(100),
                },
                Instalment {
                    due: d("2026-03-01"),
                    amount: Decimal::from(100),
                },
                Instalment {
                    due: d("2026-04-01"),
                    amount: Decimal::from(100),
                },
            ],
            settle_for: None,
        };
        let table = [
            (
                "P1",
                Decimal::from(300),
                "2026-02-10",
                14,
                PlanState::Kept {
                    next: Some(d("2026-03-01")),
                },
            ),
            (
                "P2",
                Decimal::from(300),
                "2026-02-16",
                14,
                PlanState::Broken {
                    missed: d("2026-02-01"),
                    short: Decimal::from(100),
                },
            ),
            (
                "P3",
                Decimal::from(200),
                "2026-03-10",
                14,
                PlanState::Kept {
                    next: Some(d("2026-04-01")),
                },
            ),
            (
                "P4",
                Decimal::from(150),
                "2026-03-20",
                14,
                PlanState::Broken {
                    missed: d("2026-03-01"),
                    short: Decimal::from(50),
                },
            ),
            ("P5", Decimal::ZERO, "2026-02-20", 14, PlanState::Completed),
        ];
        for (id, open, as_of, grace, want) in table {
            assert_eq!(plan.state(open, d(as_of), grace), want, "{id}");
        }
        let compromise = PaymentPlan {
            settle_for: Some(Decimal::from(250)),
            ..plan
        };
        assert_eq!(compromise.write_off(), Decimal::from(50));
        assert_eq!(
            compromise.state(Decimal::from(50), d("2026-05-01"), 14),
            PlanState::Completed
        );
    }
}
