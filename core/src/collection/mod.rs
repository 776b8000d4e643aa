//! Collection: reminders and 14-day letters, payment plans, the policy that decides which debts
//! qualify, and the claims that go to an agency.
//!
//! `policy.rs` holds the configuration, `rules/` one rule per file (each says why an item does
//! not qualify), `claims.rs` puts it together into one claim per debtor with the law's amounts.

pub mod claims;
pub mod letter;
pub mod policy;
pub mod rules;
pub mod withdrawal;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{DebtorId, DocumentNumber};
use crate::law::{calendar, Jurisdiction};

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

    /// The kind as files and JSON write it (`reminder`, `fourteen-day-letter`, `pre-incasso`).
    pub fn code(self) -> &'static str {
        match self {
            ReminderKind::Reminder => "reminder",
            ReminderKind::FourteenDayLetter => "fourteen-day-letter",
            ReminderKind::PreIncasso => "pre-incasso",
        }
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
/// sending, Sundays, Mondays and Dutch public holidays not counting as delivery days or days in
/// between (the presumption courts use, HR 25-11-2016, ECLI:NL:HR:2016:2704).
pub fn presumed_receipt(sent: NaiveDate, channel: Channel) -> NaiveDate {
    match channel {
        Channel::Email => sent,
        Channel::Post => calendar::nl_postal_receipt(sent),
    }
}

/// The term a 14-day letter (NL) or free first reminder (BE) gives the debtor, with every date
/// the law counts, so letters, rules and claims state the same days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterTerm {
    /// Date sent.
    pub sent: NaiveDate,
    /// How it was sent.
    pub channel: Channel,
    /// The day it was received, recorded or presumed (NL); Belgian law counts from sending and
    /// keeps only a recorded date.
    pub received: Option<NaiveDate>,
    /// Whether `received` is the presumption rather than a recorded date.
    pub received_presumed: bool,
    /// First day of the term.
    pub starts: NaiveDate,
    /// The 14th day, before a weekend or holiday moves it.
    pub nominal_last_day: NaiveDate,
    /// Last day the debtor can pay without costs.
    pub last_day: NaiveDate,
    /// First day costs (and, for Belgian consumers, interest) may be charged.
    pub costs_from: NaiveDate,
    /// The rules the dates follow.
    #[serde(deserialize_with = "known_term_basis")]
    pub basis: TermBasis,
}

/// The rules a letter's term follows: text fixed in the code, so one read back
/// (`known_term_basis`) is looked up, not borrowed from what was read (the alias keeps serde
/// from borrowing it).
pub type TermBasis = &'static str;

/// The rules of a Dutch letter's term.
const NL_TERM: TermBasis =
    "art. 6:96 lid 6 BW (HR 25-11-2016, ECLI:NL:HR:2016:2704); art. 1 Algemene termijnenwet";
/// The rules of a Belgian reminder's term.
const BE_TERM: TermBasis = "art. XIX.2 WER; art. 1.7 BW";

/// A term's rules read back: one of the two above, never a new text.
fn known_term_basis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<TermBasis, D::Error> {
    let text = String::deserialize(d)?;
    [NL_TERM, BE_TERM]
        .into_iter()
        .find(|known| *known == text)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown rules of a term: {text}")))
}

/// `n` days after `d`, or the calendar's last day (never a panic on hostile dates).
fn days_after(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

/// The term of a letter under a jurisdiction's law.
///
/// NL (art. 6:96 lid 6 BW): 14 days from the day after receipt; the last day moves past a
/// Saturday, Sunday or public holiday (art. 1 Algemene termijnenwet). BE (art. XIX.2 WER):
/// 14 calendar days from the third working day after a paper reminder is sent, or from the
/// (working) day after an e-mail; a last day that is no working day moves to the next one
/// (art. 1.7 BW).
pub fn letter_term(
    jurisdiction: Jurisdiction,
    sent: NaiveDate,
    channel: Channel,
    received: Option<NaiveDate>,
) -> LetterTerm {
    match jurisdiction {
        Jurisdiction::Nl => {
            let presumed = received.is_none();
            let received = received.unwrap_or_else(|| presumed_receipt(sent, channel));
            let nominal_last_day = days_after(received, 14);
            let last_day = calendar::nl_term_end(nominal_last_day);
            LetterTerm {
                sent,
                channel,
                received: Some(received),
                received_presumed: presumed,
                starts: days_after(received, 1),
                nominal_last_day,
                last_day,
                costs_from: days_after(last_day, 1),
                basis: NL_TERM,
            }
        }
        Jurisdiction::Be => {
            let starts = match channel {
                // The day after an e-mail, unless that is no working day: the later reading of
                // the law, so the term is never too short.
                Channel::Email => calendar::be_working_days_after(sent, 1),
                Channel::Post => calendar::be_working_days_after(sent, 3),
            };
            // 14 calendar days; a last day on a Saturday, Sunday or legal holiday moves to the
            // next working day (art. 1.7 Burgerlijk Wetboek, Book 1): never too short.
            let nominal_last_day = days_after(starts, 13);
            let last_day = if calendar::be_working_day(nominal_last_day) {
                nominal_last_day
            } else {
                calendar::be_working_days_after(nominal_last_day, 1)
            };
            LetterTerm {
                sent,
                channel,
                received,
                received_presumed: false,
                starts,
                nominal_last_day,
                last_day,
                costs_from: days_after(last_day, 1),
                basis: BE_TERM,
            }
        }
    }
}

/// Why a 14-day letter cannot count for an invoice: it was sent before the debtor was in
/// default, that is on or before the invoice's due date (art. 6:96 lid 6 BW: the letter comes
/// after default; art. XIX.2 WER: the reminder follows the due date).
pub fn letter_before_default(
    kind: ReminderKind,
    sent: NaiveDate,
    number: &DocumentNumber,
    due: NaiveDate,
) -> Option<String> {
    (kind == ReminderKind::FourteenDayLetter && sent <= due).then(|| {
        format!(
            "a 14-day letter sent on {sent} cannot count for invoice {number}, due {due}: the debtor is in default only from {}; send it after the due date",
            days_after(due, 1)
        )
    })
}

/// The last day before an invoice's default, for a debtor of `debtor` type under `jurisdiction`.
///
/// Where a payment term was agreed, its due date: a fatal term (art. 6:83 sub a BW). Without one
/// (the due date assumed, `due_assumed`), for a Dutch consumer the last day of the term of the
/// first 14-day letter that covers it, which is the notice of default (art. 6:82 BW), and `None`
/// before any; for a business the statutory 30 days, a last day on a weekend or holiday moved on
/// (art. 6:119a lid 2 BW with art. 1 Algemene termijnenwet; art. 4 Wet 2 augustus 2002 with
/// art. 1.7 BW). A Belgian consumer's interest waits for the reminder's term anyway.
pub fn last_day_before_default(
    number: &DocumentNumber,
    due: NaiveDate,
    due_assumed: bool,
    reminders: &[Reminder],
    jurisdiction: Jurisdiction,
    debtor: Option<crate::law::DebtorType>,
) -> Option<NaiveDate> {
    use crate::law::DebtorType;
    match (due_assumed, jurisdiction, debtor) {
        (true, Jurisdiction::Nl, Some(DebtorType::Consumer)) => reminders
            .iter()
            .filter(|r| r.kind == ReminderKind::FourteenDayLetter && r.covers(number, due))
            .min_by_key(|r| r.sent)
            .map(|r| r.term(jurisdiction).last_day),
        (true, _, Some(DebtorType::Business)) => Some(statutory_term_end(due, jurisdiction)),
        _ => Some(due),
    }
}

/// The last day of a statutory term that would end on `last`, moved past a weekend or holiday:
/// art. 1 Algemene termijnenwet (NL), art. 1.7 BW (BE).
pub fn statutory_term_end(last: NaiveDate, jurisdiction: Jurisdiction) -> NaiveDate {
    match jurisdiction {
        Jurisdiction::Nl => calendar::nl_term_end(last),
        Jurisdiction::Be if !calendar::be_working_day(last) => {
            calendar::be_working_days_after(last, 1)
        }
        Jurisdiction::Be => last,
    }
}

/// A reminder or letter sent to a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    /// The collection costs it stated, VAT included, when recorded with it: a claim on it
    /// charges no more (art. 6:96 lid 6 BW: the letter states what will be charged).
    #[serde(default)]
    pub stated_costs: Option<rust_decimal::Decimal>,
    /// The regime incasso wrote it under, when it wrote it: a business's letter (costs owed
    /// since the due date, commercial interest) is no consumer's 14-day letter should the debtor
    /// turn out to be one (art. 6:96 lid 6 BW; review 46b, F-1). `None` for a letter recorded by
    /// hand or imported.
    #[serde(default)]
    pub written_for: Option<crate::law::DebtorType>,
}

/// Every field in a binary encoding, where fields are read back by their place (the kept
/// claims: a letter that stated no costs left the next field read as its amount, review 47a,
/// F-3); the two later fields only when set in JSON, whose readers take them as absent before.
impl Serialize for Reminder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let whole = !s.is_human_readable();
        let stated = whole || self.stated_costs.is_some();
        let written = whole || self.written_for.is_some();
        let mut out =
            s.serialize_struct("Reminder", 7 + usize::from(stated) + usize::from(written))?;
        out.serialize_field("debtor", &self.debtor)?;
        out.serialize_field("kind", &self.kind)?;
        out.serialize_field("sent", &self.sent)?;
        out.serialize_field("received", &self.received)?;
        out.serialize_field("channel", &self.channel)?;
        out.serialize_field("items", &self.items)?;
        out.serialize_field("states_costs", &self.states_costs)?;
        if stated {
            out.serialize_field("stated_costs", &self.stated_costs)?;
        } else {
            out.skip_field("stated_costs")?;
        }
        if written {
            out.serialize_field("written_for", &self.written_for)?;
        } else {
            out.skip_field("written_for")?;
        }
        out.end()
    }
}

impl Reminder {
    /// The day it counts as received (recorded, else presumed under Dutch rules).
    pub fn received_on(&self) -> NaiveDate {
        self.received
            .unwrap_or_else(|| presumed_receipt(self.sent, self.channel))
    }

    /// Its term under a jurisdiction's law.
    pub fn term(&self, jurisdiction: Jurisdiction) -> LetterTerm {
        letter_term(jurisdiction, self.sent, self.channel, self.received)
    }

    /// Whether it is a 14-day letter for a debtor of this type: one written for a business is
    /// none for a consumer (review 46b, F-1).
    pub fn is_fourteen_day_letter_for(&self, debtor: Option<crate::law::DebtorType>) -> bool {
        use crate::law::DebtorType::{Business, Consumer};
        self.kind == ReminderKind::FourteenDayLetter
            && !(debtor == Some(Consumer) && self.written_for == Some(Business))
    }

    /// Whether it covers an invoice due on `due`: sent after the due date (the debtor in
    /// default), and naming the invoice or naming none.
    pub fn covers(&self, number: &DocumentNumber, due: NaiveDate) -> bool {
        self.sent > due
            && (self.items.is_empty()
                || self
                    .items
                    .iter()
                    .any(|n| n.normalised() == number.normalised()))
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
        /// The first instalment not paid yet, if any is left: its day may have passed, within
        /// the grace period.
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
        let mut agreed = Decimal::ZERO;
        PlanState::Kept {
            next: self
                .instalments
                .iter()
                .find(|i| {
                    agreed += i.amount;
                    agreed > paid
                })
                .map(|i| i.due),
        }
    }
}

impl PlanState {
    /// The state in words as of a date: "kept, next instalment 2026-06-15", or "kept, instalment
    /// of 2026-06-01 unpaid, within the grace period", "broken: …", "completed".
    pub fn describe(&self, as_of: NaiveDate) -> String {
        match self {
            PlanState::Kept { next: Some(d) } if *d < as_of => {
                format!("kept, instalment of {d} unpaid, within the grace period")
            }
            PlanState::Kept { next: Some(d) } => format!("kept, next instalment {d}"),
            PlanState::Kept { next: None } => "kept".into(),
            PlanState::Broken { missed, short } => format!(
                "broken: instalment of {missed} short by {}",
                crate::money::format_cents(*short)
            ),
            PlanState::Completed => "completed".into(),
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

    /// The dates of the legal review (issue: letters that hold up before a judge).
    #[test]
    fn letter_terms_count_holidays_and_belgian_working_days() {
        use Jurisdiction::{Be, Nl};
        // (id, law, sent, channel, received, starts, last day, costs from)
        let table = [
            (
                "T1",
                Nl,
                "2026-05-12",
                Channel::Post,
                "2026-05-15",
                "2026-05-16",
                "2026-05-29",
                "2026-05-30",
            ),
            (
                "T2",
                Nl,
                "2026-12-24",
                Channel::Post,
                "2026-12-30",
                "2026-12-31",
                "2027-01-13",
                "2027-01-14",
            ),
            // Received on a Saturday: the 14th day is a Saturday, the term runs to Monday.
            (
                "T3",
                Nl,
                "2026-11-19",
                Channel::Post,
                "2026-11-21",
                "2026-11-22",
                "2026-12-07",
                "2026-12-08",
            ),
            (
                "T4",
                Nl,
                "2026-11-02",
                Channel::Email,
                "2026-11-02",
                "2026-11-03",
                "2026-11-16",
                "2026-11-17",
            ),
            // Ends Sunday 21 June: the next working day, Monday 22 June (art. 1.7 BW).
            (
                "T5",
                Be,
                "2026-06-03",
                Channel::Post,
                "",
                "2026-06-08",
                "2026-06-22",
                "2026-06-23",
            ),
            (
                "T6",
                Be,
                "2025-05-05",
                Channel::Email,
                "",
                "2025-05-06",
                "2025-05-19",
                "2025-05-20",
            ),
            // Posted the Friday before the national holiday: Mon 20, (21 July), Wed 22, Thu 23.
            (
                "T7",
                Be,
                "2026-07-17",
                Channel::Post,
                "",
                "2026-07-23",
                "2026-08-05",
                "2026-08-06",
            ),
        ];
        for (id, law, sent, channel, received, starts, last, costs) in table {
            let t = letter_term(law, d(sent), channel, None);
            assert_eq!(
                (
                    t.received.map(|r| r.to_string()).unwrap_or_default(),
                    t.starts,
                    t.last_day,
                    t.costs_from
                ),
                (received.to_string(), d(starts), d(last), d(costs)),
                "{id}"
            );
            assert_eq!(t.received_presumed, law == Nl, "{id}");
        }
        let recorded = letter_term(Nl, d("2026-05-12"), Channel::Post, Some(d("2026-05-13")));
        assert_eq!(
            (recorded.last_day, recorded.received_presumed),
            (d("2026-05-27"), false)
        );
    }

    #[test]
    fn a_fourteen_day_letter_before_default_counts_for_nothing() {
        let f = DocumentNumber::new("F2026-010").unwrap();
        let why = letter_before_default(
            ReminderKind::FourteenDayLetter,
            d("2026-04-20"),
            &f,
            d("2026-05-01"),
        )
        .unwrap();
        assert!(
            why.contains("2026-04-20") && why.contains("2026-05-01") && why.contains("2026-05-02"),
            "{why}"
        );
        assert!(
            letter_before_default(
                ReminderKind::FourteenDayLetter,
                d("2026-05-01"),
                &f,
                d("2026-05-01")
            )
            .is_some(),
            "on the due date"
        );
        assert!(letter_before_default(
            ReminderKind::FourteenDayLetter,
            d("2026-05-02"),
            &f,
            d("2026-05-01")
        )
        .is_none());
        assert!(letter_before_default(
            ReminderKind::Reminder,
            d("2026-04-20"),
            &f,
            d("2026-05-01")
        )
        .is_none());
        let r = Reminder {
            debtor: DebtorId::new("D1").unwrap(),
            kind: ReminderKind::FourteenDayLetter,
            sent: d("2026-04-20"),
            received: None,
            channel: Channel::Post,
            items: vec![f.clone()],
            states_costs: true,
            stated_costs: None,
            written_for: None,
        };
        assert!(
            !r.covers(&f, d("2026-05-01")),
            "a stored letter from before default never covers"
        );
        assert!(r.covers(&f, d("2026-04-01")));
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
            // The first instalment is unpaid, within the grace period: it is the next.
            (
                "P1",
                Decimal::from(300),
                "2026-02-10",
                14,
                PlanState::Kept {
                    next: Some(d("2026-02-01")),
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
                    next: Some(d("2026-03-01")),
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
        assert_eq!(
            plan.state(Decimal::from(300), d("2026-02-10"), 14)
                .describe(d("2026-02-10")),
            "kept, instalment of 2026-02-01 unpaid, within the grace period"
        );
        assert_eq!(
            plan.state(Decimal::from(200), d("2026-02-10"), 14)
                .describe(d("2026-02-10")),
            "kept, next instalment 2026-03-01"
        );
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
