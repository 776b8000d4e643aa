//! The whole-claim calculator: principal, collection costs, statutory interest and the
//! allocation of payments, for one debtor's invoices as of a calculation date.
//!
//! Conventions (those of `shared/reference/collection-law.md` section 6):
//! - interest accrues for every day from the interest start date (default: the day after the due
//!   date) through the calculation date inclusive, at the rate in force that day, ACT/365;
//! - each invoice's interest period is split at every rate-table date, at every payment date and,
//!   in the Netherlands, at every anniversary of its start (29 February counts as 28 February),
//!   when the year's unpaid interest is added to the base (art. 6:119 lid 2, 6:119a lid 3);
//!   Belgium does not compound;
//! - each sub-period's interest is rounded half-up to cents, then summed;
//! - a payment counts from the start of its date and goes to the collection costs (once due),
//!   then per invoice, oldest due date first, to its interest (running before capitalised) and
//!   then its principal (art. 6:43 and 6:44 BW);
//! - costs are computed once, over the principal still open after the payments made before the
//!   costs became due.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::costs::{collection_costs, Costs, CostsTerms};
use super::rates::{RateKind, RateTable};
use super::{basis, nl, positive, DebtorType, Jurisdiction, LawError, TraceLine};
use crate::money::{format_cents, round_cents};

/// How the Dutch B2B EUR 40 minimum applies when several invoices are claimed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum B2bMinimum {
    /// EUR 40 per late invoice (CJEU C-585/20): max(staffel over the total, 40 × invoices).
    #[default]
    PerInvoice,
    /// Dutch practice: one staffel over the total with one EUR 40 minimum.
    PerClaim,
}

/// One invoice of the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    /// The creditor's number for it.
    pub id: String,
    /// Amount due (principal), positive.
    pub amount: Decimal,
    /// Issue date.
    pub invoice_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// First day of interest, when not the day after the due date.
    #[serde(default)]
    pub interest_start_date: Option<NaiveDate>,
    /// Payments the books applied to this invoice, already taken off `amount`: interest runs on
    /// each until its date, and one dated on or after the day the costs fell due leaves the
    /// costs as they were fixed. They pay principal, as the books applied them (not costs and
    /// interest first, which art. 6:44 BW would allow: the claim asks less).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paid: Vec<PaymentInput>,
}

impl InvoiceInput {
    /// Its first day in default, unless the law's calculation moves it for the debtor (a Belgian
    /// consumer's after the reminder's term): the start given, else the day after the due date.
    pub fn default_date(&self) -> NaiveDate {
        super::first_day_in_default(self.due_date, self.interest_start_date)
    }

    /// The principal before the payments the books applied to it ([`InvoiceInput::paid`]).
    fn before_paid(&self) -> Decimal {
        self.amount + self.paid.iter().map(|p| p.amount).sum::<Decimal>()
    }
}

/// A payment received on the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Date it was received.
    pub date: NaiveDate,
    /// Amount, positive.
    pub amount: Decimal,
}

/// The 14-day letter (NL) or the free first reminder (BE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderInput {
    /// Date sent.
    pub sent_date: NaiveDate,
    /// Date received (or presumed received).
    pub received_date: NaiveDate,
    /// Whether the letter stated the costs that would be charged (NL requires it).
    #[serde(default = "yes")]
    pub states_cost_amount: bool,
    /// A label for people; not used in the calculation.
    #[serde(default)]
    pub kind: Option<String>,
    /// The pay-by date as printed: one shorter than the law's term voids the costs, a later one
    /// (a term extended past a weekend or holiday, a Belgian term counted from sending) moves
    /// the day costs and Belgian consumer interest start.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    /// The costs the letter stated, VAT included, when known: a consumer is charged no more.
    #[serde(default)]
    pub stated_costs: Option<Decimal>,
}

impl ReminderInput {
    /// The last day of the term: 14 days after receipt, or the later day the letter gave.
    pub fn term_end(&self) -> NaiveDate {
        let min = nl::letter_pay_by(self.received_date);
        self.deadline.map_or(min, |d| d.max(min))
    }
}

fn yes() -> bool {
    true
}

/// Input of `incasso calc claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// NL or BE.
    pub jurisdiction: Jurisdiction,
    /// Consumer or business.
    pub debtor_type: DebtorType,
    /// Whether the creditor deducts VAT (then no VAT is added to the costs).
    #[serde(default = "yes")]
    pub creditor_vat_deductible: bool,
    /// The date to calculate as of (inclusive).
    pub calculation_date: NaiveDate,
    /// The invoices.
    pub invoices: Vec<InvoiceInput>,
    /// Payments received.
    #[serde(default)]
    pub payments: Vec<PaymentInput>,
    /// The 14-day letter or first reminder.
    #[serde(default)]
    pub reminder: Option<ReminderInput>,
    /// Override: the first day the costs are due.
    #[serde(default)]
    pub costs_due_date: Option<NaiveDate>,
    /// Belgian consumers: whether the contract has a damages and interest clause.
    #[serde(default)]
    pub contract_has_damages_and_interest_clause: Option<bool>,
    /// Dutch B2B: how the EUR 40 minimum applies.
    #[serde(default)]
    pub b2b_minimum: Option<B2bMinimum>,
    /// Dutch B2B: costs agreed in the contract as a percentage of the principal, instead of the
    /// staffel (the EUR 40 minimum per invoice still applies; reasonableness is the creditor's).
    #[serde(default)]
    pub agreed_costs_pct: Option<Decimal>,
}

impl ClaimInput {
    /// Statutory interest alone over one principal from `from` through `to` (both inclusive),
    /// with payments (`incasso calc interest`); `None` when `from` is the first day there is.
    pub fn interest_only(
        principal: Decimal,
        (from, to): (NaiveDate, NaiveDate),
        jurisdiction: Jurisdiction,
        debtor_type: DebtorType,
        payments: &[(NaiveDate, Decimal)],
    ) -> Option<ClaimInput> {
        let due = from.pred_opt()?;
        Some(ClaimInput {
            jurisdiction,
            debtor_type,
            creditor_vat_deductible: true,
            calculation_date: to,
            invoices: vec![InvoiceInput {
                id: "principal".into(),
                amount: principal,
                invoice_date: due,
                due_date: due,
                interest_start_date: Some(from),
                paid: Vec::new(),
            }],
            payments: payments
                .iter()
                .map(|&(date, amount)| PaymentInput { date, amount })
                .collect(),
            reminder: None,
            costs_due_date: None,
            contract_has_damages_and_interest_clause: Some(true),
            b2b_minimum: None,
            agreed_costs_pct: None,
        })
    }
}

/// One sub-period of interest, or a capitalisation, in the trace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum InterestSegment {
    /// Interest over a period at one base and rate.
    Period {
        /// The invoice.
        invoice: Arc<str>,
        /// First day.
        from: NaiveDate,
        /// Last day, inclusive.
        to_incl: NaiveDate,
        /// Number of days.
        days: i64,
        /// Amount interest runs on.
        #[serde(with = "super::cents")]
        base: Decimal,
        /// Percent per year.
        #[serde(with = "super::cents")]
        rate_pct: Decimal,
        /// Days in the year used.
        day_basis: u32,
        /// Interest, rounded half-up.
        #[serde(with = "super::cents")]
        interest: Decimal,
    },
    /// Unpaid interest added to the base on an anniversary.
    Capitalisation {
        /// The invoice.
        invoice: Arc<str>,
        /// The anniversary.
        capitalised_on: NaiveDate,
        /// The base from that day.
        #[serde(with = "super::cents")]
        new_base: Decimal,
    },
}

impl Serialize for InterestSegment {
    /// For people (the claims' JSON) a segment's fields alone, as the agency reads them; in
    /// binary forms tagged by variant, since those cannot tell the variants apart by their
    /// fields (read back by the derived `Deserialize`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeStruct, SerializeStructVariant};

        /// An amount as the claims write amounts.
        struct Cents<'a>(&'a Decimal);
        impl Serialize for Cents<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                super::cents::serialize(self.0, s)
            }
        }
        /// The fields, into a struct for people or a struct variant otherwise.
        macro_rules! segment {
            ($index:literal, $variant:literal, $($name:literal: $value:expr),+) => {{
                let n = [$($name),+].len();
                if s.is_human_readable() {
                    let mut st = s.serialize_struct($variant, n)?;
                    $(st.serialize_field($name, $value)?;)+
                    st.end()
                } else {
                    let mut st = s.serialize_struct_variant("InterestSegment", $index, $variant, n)?;
                    $(st.serialize_field($name, $value)?;)+
                    st.end()
                }
            }};
        }
        match self {
            InterestSegment::Period {
                invoice,
                from,
                to_incl,
                days,
                base,
                rate_pct,
                day_basis,
                interest,
            } => segment!(0, "Period",
                "invoice": invoice,
                "from": from,
                "to_incl": to_incl,
                "days": days,
                "base": &Cents(base),
                "rate_pct": &Cents(rate_pct),
                "day_basis": day_basis,
                "interest": &Cents(interest)
            ),
            InterestSegment::Capitalisation {
                invoice,
                capitalised_on,
                new_base,
            } => segment!(1, "Capitalisation",
                "invoice": invoice,
                "capitalised_on": capitalised_on,
                "new_base": &Cents(new_base)
            ),
        }
    }
}

/// An amount for one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceAmount {
    /// The invoice.
    pub invoice: Arc<str>,
    /// The amount.
    #[serde(with = "super::cents")]
    pub amount: Decimal,
}

/// Where one payment went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAllocation {
    /// Payment date.
    pub date: NaiveDate,
    /// Payment amount.
    #[serde(with = "super::cents")]
    pub amount: Decimal,
    /// Part that paid collection costs.
    #[serde(with = "super::cents")]
    pub to_costs: Decimal,
    /// Parts that paid interest.
    pub to_interest: Vec<InvoiceAmount>,
    /// Parts that paid principal.
    pub to_principal: Vec<InvoiceAmount>,
    /// Left over (an overpayment).
    #[serde(with = "super::cents")]
    pub unallocated: Decimal,
}

/// The result per invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceResult {
    /// The invoice.
    pub invoice: Arc<str>,
    /// Days from the due date to the calculation date.
    pub days_past_due: i64,
    /// Days interest ran.
    pub interest_days: i64,
    /// Principal still open.
    #[serde(with = "super::cents")]
    pub principal_outstanding: Decimal,
    /// All interest accrued, paid or not.
    #[serde(with = "super::cents")]
    pub interest_accrued_total: Decimal,
    /// Interest still open (capitalised or not).
    #[serde(with = "super::cents")]
    pub interest_outstanding: Decimal,
}

/// Output of `incasso calc claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// Sum of the invoices.
    #[serde(with = "super::cents")]
    pub principal_original: Decimal,
    /// Principal still open.
    #[serde(with = "super::cents")]
    pub principal_outstanding: Decimal,
    /// What the costs were computed over.
    #[serde(with = "super::cents")]
    pub collection_costs_base: Decimal,
    /// Costs excluding VAT.
    #[serde(with = "super::cents")]
    pub collection_costs_excl_vat: Decimal,
    /// VAT on the costs.
    #[serde(with = "super::cents")]
    pub collection_costs_vat: Decimal,
    /// Costs including VAT.
    #[serde(with = "super::cents")]
    pub collection_costs_incl_vat: Decimal,
    /// Costs paid.
    #[serde(with = "super::cents")]
    pub collection_costs_paid: Decimal,
    /// Costs still open.
    #[serde(with = "super::cents")]
    pub collection_costs_outstanding: Decimal,
    /// The first day costs were due, when they are.
    pub costs_due_date: Option<NaiveDate>,
    /// Why no costs are charged, when none are.
    pub costs_note: Option<String>,
    /// How the costs were computed.
    pub costs_trace: Vec<TraceLine>,
    /// All interest accrued.
    #[serde(with = "super::cents")]
    pub interest_accrued_total: Decimal,
    /// Interest still open.
    #[serde(with = "super::cents")]
    pub interest_outstanding: Decimal,
    /// Principal + interest + costs still open.
    #[serde(with = "super::cents")]
    pub total_outstanding: Decimal,
    /// The statutory rate table used.
    pub interest_table: String,
    /// The law the interest follows.
    pub interest_basis: super::basis::Basis,
    /// Per invoice.
    pub per_invoice: Vec<InvoiceResult>,
    /// Where each payment went.
    pub payment_allocation: Vec<PaymentAllocation>,
    /// The interest trace.
    pub interest_segments: Vec<InterestSegment>,
}

struct Inv {
    id: Arc<str>,
    due: NaiveDate,
    start: NaiveDate,
    principal: Decimal,
    capitalised: Decimal,
    running: Decimal,
    accrued: Decimal,
    seg_start: NaiveDate,
    years: u32,
    next_anniversary: NaiveDate,
}

/// The same day `years` later; 29 February becomes 28 February in other years.
pub fn anniversary_of(start: NaiveDate, years: u32) -> NaiveDate {
    let y = start.year() + years as i32;
    start
        .with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, start.month(), 28))
        .expect("28th exists in every month")
}

/// Interest for `days` at `rate_pct` a year (ACT/365), rounded half away from zero to cents.
///
/// Done in exact integer arithmetic (mantissas and scales), which is both exact and several times
/// faster than Decimal division; falls back to Decimal when the numbers are too large.
pub fn interest(base: Decimal, rate_pct: Decimal, days: i64) -> Decimal {
    let fast = || -> Option<Decimal> {
        let scale = base.scale() + rate_pct.scale();
        let num = base
            .mantissa()
            .checked_mul(rate_pct.mantissa())?
            .checked_mul(i128::from(days))?
            .checked_mul(100)?;
        let den = 36_500i128.checked_mul(10i128.checked_pow(scale)?)?;
        let (q, r) = (num / den, num % den);
        let q = if 2 * r.abs() >= den {
            q + num.signum()
        } else {
            q
        };
        Decimal::try_from_i128_with_scale(q, 2).ok()
    };
    fast().unwrap_or_else(|| {
        round_cents(base * rate_pct * Decimal::from(days) / Decimal::from(36_500))
    })
}

/// The rate table that applies.
pub fn interest_table(input: &ClaimInput) -> RateKind {
    rate_kind(
        input.jurisdiction,
        input.debtor_type,
        input
            .contract_has_damages_and_interest_clause
            .unwrap_or(false),
    )
}

/// The statutory rate table for a law, debtor type and (Belgian consumers) contract clause.
pub fn rate_kind(jurisdiction: Jurisdiction, debtor: DebtorType, damages_clause: bool) -> RateKind {
    match (jurisdiction, debtor) {
        (Jurisdiction::Nl, DebtorType::Consumer) => RateKind::Nl6119,
        (Jurisdiction::Nl, DebtorType::Business) => RateKind::Nl6119a,
        (Jurisdiction::Be, DebtorType::Business) => RateKind::Be2002,
        (Jurisdiction::Be, DebtorType::Consumer) if damages_clause => RateKind::Be2002,
        (Jurisdiction::Be, DebtorType::Consumer) => RateKind::BeLegal,
    }
}

/// Calculates a claim; the same input always gives the same result.
pub fn calculate(input: &ClaimInput) -> Result<ClaimResult, LawError> {
    calculate_with(input, &interest_table(input).table(), true)
}

/// Interest (and payments) only, without collection costs: `incasso calc interest`.
pub fn calculate_interest(input: &ClaimInput) -> Result<ClaimResult, LawError> {
    calculate_with(input, &interest_table(input).table(), false)
}

/// Calculates a claim with a given rate table (for tables newer than the built-in ones);
/// `with_costs` false leaves collection costs out entirely.
pub fn calculate_with(
    input: &ClaimInput,
    table: &RateTable,
    with_costs: bool,
) -> Result<ClaimResult, LawError> {
    let calc = input.calculation_date;
    validate(input)?;
    let compounding = input.jurisdiction == Jurisdiction::Nl;
    // Belgian consumers owe interest only after the free reminder's 14-day term (art. XIX.2 WER).
    let be_consumer_start = match (input.jurisdiction, input.debtor_type, &input.reminder) {
        (Jurisdiction::Be, DebtorType::Consumer, Some(r)) => Some(r.term_end() + Days::new(1)),
        (Jurisdiction::Be, DebtorType::Consumer, None) => Some(calc + Days::new(1)),
        _ => None,
    };
    let mut invs: Vec<Inv> = input
        .invoices
        .iter()
        .map(|i| {
            let after_due = i.due_date + Days::new(1);
            let default_start = be_consumer_start.map_or(after_due, |s| s.max(after_due));
            let start = i.interest_start_date.unwrap_or(default_start);
            Inv {
                id: Arc::from(i.id.as_str()),
                due: i.due_date,
                start,
                // The principal before the payments the books applied; each comes off at its date.
                principal: i.before_paid(),
                capitalised: Decimal::ZERO,
                running: Decimal::ZERO,
                accrued: Decimal::ZERO,
                seg_start: start,
                years: 1,
                next_anniversary: anniversary_of(start, 1),
            }
        })
        .collect();
    // Oldest due date first (art. 6:43): the order payments are applied in.
    invs.sort_by_key(|i| i.due);
    if let Some(first) = invs.iter().map(|i| i.start).min() {
        if first <= calc {
            table.covers(first, calc)?;
        }
    }

    let (costs_due, costs_note) = if with_costs {
        costs_due_date(input)
    } else {
        (None, Some("not calculated".into()))
    };
    let mut costs: Option<(Decimal, Decimal, Decimal, Vec<TraceLine>)> = None; // base, excl, vat, trace
    let mut costs_paid = Decimal::ZERO;

    let mut payments = input.payments.clone();
    payments.sort_by_key(|p| p.date);
    // The books' payments on each invoice, by date: (date, invoice id, amount).
    let mut applied: Vec<(NaiveDate, Arc<str>, Decimal)> = input
        .invoices
        .iter()
        .flat_map(|i| {
            let id: Arc<str> = Arc::from(i.id.as_str());
            i.paid.iter().map(move |p| (p.date, id.clone(), p.amount))
        })
        .collect();
    applied.sort_by_key(|a| a.0);
    let end = calc + Days::new(1);
    let mut boundaries: BTreeSet<NaiveDate> = BTreeSet::new();
    let first_start = invs.iter().map(|i| i.start).min().unwrap_or(end);
    boundaries.extend(table.starts_between(first_start, calc));
    boundaries.extend(payments.iter().map(|p| p.date).filter(|d| *d <= calc));
    boundaries.extend(applied.iter().map(|p| p.0).filter(|d| *d <= calc));
    if compounding {
        for inv in &invs {
            let mut n = 1;
            loop {
                let a = anniversary_of(inv.start, n);
                if a > calc {
                    break;
                }
                boundaries.insert(a);
                n += 1;
            }
        }
    }
    boundaries.insert(end);

    let mut segments = Vec::new();
    let mut allocations = Vec::new();
    let mut pay_iter = payments.iter().peekable();
    let mut applied_iter = applied.into_iter().peekable();
    for &d in &boundaries {
        // Close every running period at the day before `d`.
        for inv in invs.iter_mut() {
            if inv.seg_start < d && inv.start < d {
                let from = inv.seg_start;
                let to = d - Days::new(1);
                let days = (to - from).num_days() + 1;
                let base = inv.principal + inv.capitalised;
                let rate = table.rate_on(from);
                let amount = interest(base, rate, days);
                inv.running += amount;
                inv.accrued += amount;
                segments.push(InterestSegment::Period {
                    invoice: inv.id.clone(),
                    from,
                    to_incl: to,
                    days,
                    base,
                    rate_pct: rate,
                    day_basis: 365,
                    interest: amount,
                });
                inv.seg_start = d;
            }
        }
        if d == end {
            break;
        }
        if compounding {
            for inv in invs.iter_mut() {
                if inv.next_anniversary == d {
                    inv.capitalised += inv.running;
                    inv.running = Decimal::ZERO;
                    inv.years += 1;
                    inv.next_anniversary = anniversary_of(inv.start, inv.years);
                    segments.push(InterestSegment::Capitalisation {
                        invoice: inv.id.clone(),
                        capitalised_on: d,
                        new_base: inv.principal + inv.capitalised,
                    });
                }
            }
        }
        // The books' payments of the day: the costs are fixed first when they fell due by then
        // (the base is what was open before that day's payments), then each comes off its
        // invoice's principal.
        if applied_iter.peek().is_some_and(|p| p.0 == d) {
            if costs.is_none() && costs_due.is_some_and(|cd| cd <= d) {
                costs = Some(fix_costs(input, &invs)?);
            }
            let mut alloc = PaymentAllocation {
                date: d,
                amount: Decimal::ZERO,
                to_costs: Decimal::ZERO,
                to_interest: Vec::new(),
                to_principal: Vec::new(),
                unallocated: Decimal::ZERO,
            };
            while let Some((_, id, amount)) = applied_iter.next_if(|p| p.0 == d) {
                if let Some(inv) = invs.iter_mut().find(|i| i.id == id) {
                    let off = inv.principal.min(amount);
                    inv.principal -= off;
                    alloc.amount += amount;
                    alloc.unallocated += amount - off;
                    alloc.to_principal.push(InvoiceAmount {
                        invoice: id,
                        amount: off,
                    });
                }
            }
            allocations.push(alloc);
        }
        while let Some(p) = pay_iter.next_if(|p| p.date == d) {
            if costs.is_none() && costs_due.is_some_and(|cd| cd <= p.date) {
                costs = Some(fix_costs(input, &invs)?);
            }
            let mut left = p.amount;
            let mut alloc = PaymentAllocation {
                date: p.date,
                amount: p.amount,
                to_costs: Decimal::ZERO,
                to_interest: Vec::new(),
                to_principal: Vec::new(),
                unallocated: Decimal::ZERO,
            };
            if let Some((_, excl, vat, _)) = &costs {
                let open = excl + vat - costs_paid;
                let pay = open.min(left);
                costs_paid += pay;
                left -= pay;
                alloc.to_costs = pay;
            }
            for inv in invs.iter_mut() {
                if left.is_zero() {
                    break;
                }
                let to_running = inv.running.min(left);
                inv.running -= to_running;
                left -= to_running;
                let to_cap = inv.capitalised.min(left);
                inv.capitalised -= to_cap;
                left -= to_cap;
                if !(to_running + to_cap).is_zero() {
                    alloc.to_interest.push(InvoiceAmount {
                        invoice: inv.id.clone(),
                        amount: to_running + to_cap,
                    });
                }
                let to_principal = inv.principal.min(left);
                inv.principal -= to_principal;
                left -= to_principal;
                if !to_principal.is_zero() {
                    alloc.to_principal.push(InvoiceAmount {
                        invoice: inv.id.clone(),
                        amount: to_principal,
                    });
                }
            }
            alloc.unallocated = left;
            allocations.push(alloc);
        }
    }
    if costs.is_none() && costs_due.is_some_and(|cd| cd <= calc) {
        costs = Some(fix_costs(input, &invs)?);
    }
    // Payments the books applied after the calculation date are off the principal too.
    for (_, id, amount) in applied_iter {
        if let Some(inv) = invs.iter_mut().find(|i| i.id == id) {
            inv.principal -= inv.principal.min(amount);
        }
    }

    let (costs_base, excl, vat, costs_trace) =
        costs.unwrap_or((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Vec::new()));
    let costs_note = match (&costs_note, costs_due) {
        (Some(n), _) => Some(n.clone()),
        (None, Some(cd)) if cd > calc => Some(format!(
            "costs become due on {cd}, after the calculation date"
        )),
        _ => None,
    };
    let principal_outstanding: Decimal = invs.iter().map(|i| i.principal).sum();
    let interest_outstanding: Decimal = invs.iter().map(|i| i.running + i.capitalised).sum();
    let costs_outstanding = excl + vat - costs_paid;
    let mut per_invoice: Vec<InvoiceResult> = input
        .invoices
        .iter()
        .filter_map(|i| invs.iter().find(|s| *s.id == *i.id))
        .map(|s| InvoiceResult {
            invoice: s.id.clone(),
            days_past_due: (calc - s.due).num_days().max(0),
            interest_days: ((calc - s.start).num_days() + 1).max(0),
            principal_outstanding: s.principal,
            interest_accrued_total: s.accrued,
            interest_outstanding: s.running + s.capitalised,
        })
        .collect();
    per_invoice.dedup_by(|a, b| a.invoice == b.invoice);
    Ok(ClaimResult {
        principal_original: input.invoices.iter().map(InvoiceInput::before_paid).sum(),
        principal_outstanding,
        collection_costs_base: costs_base,
        collection_costs_excl_vat: excl,
        collection_costs_vat: vat,
        collection_costs_incl_vat: excl + vat,
        collection_costs_paid: costs_paid,
        collection_costs_outstanding: costs_outstanding,
        costs_due_date: if excl.is_zero() { None } else { costs_due },
        costs_note,
        costs_trace,
        interest_accrued_total: invs.iter().map(|i| i.accrued).sum(),
        interest_outstanding,
        total_outstanding: principal_outstanding + interest_outstanding + costs_outstanding,
        interest_table: table.name.clone(),
        interest_basis: basis::interest(
            input.jurisdiction,
            input.debtor_type,
            input
                .contract_has_damages_and_interest_clause
                .unwrap_or(false),
        ),
        per_invoice,
        payment_allocation: allocations,
        interest_segments: segments,
    })
}

fn validate(input: &ClaimInput) -> Result<(), LawError> {
    for i in &input.invoices {
        positive(&format!("invoice {} amount", i.id), i.amount)?;
        if i.due_date < i.invoice_date {
            return Err(LawError::DateOrder {
                what: format!("invoice {} due date", i.id),
                earlier: i.invoice_date,
                later: i.due_date,
            });
        }
    }
    for p in input
        .payments
        .iter()
        .chain(input.invoices.iter().flat_map(|i| &i.paid))
    {
        positive(&format!("payment of {}", p.date), p.amount)?;
    }
    if let Some(r) = &input.reminder {
        if r.received_date < r.sent_date {
            return Err(LawError::DateOrder {
                what: "reminder received".into(),
                earlier: r.sent_date,
                later: r.received_date,
            });
        }
    }
    Ok(())
}

/// When costs become due, or why none are due. A date given in the input stands for a business;
/// for a consumer it cannot make them due before the law does (after the 14-day letter's term,
/// art. 6:96 lid 6 BW; the free reminder's, art. XIX.2 WER), nor at all without that letter.
fn costs_due_date(input: &ClaimInput) -> (Option<NaiveDate>, Option<String>) {
    match (input.costs_due_date, input.debtor_type) {
        (None, _) => lawful_costs_due_date(input),
        (Some(d), DebtorType::Business) => (Some(d), None),
        (Some(d), DebtorType::Consumer) => match lawful_costs_due_date(input) {
            (Some(lawful), note) => (Some(d.max(lawful)), note),
            (None, note) => (
                None,
                note.map(|n| format!("{n}; the costs due date given ({d}) is not taken")),
            ),
        },
    }
}

/// When the law makes costs due, from the letter and the invoices.
fn lawful_costs_due_date(input: &ClaimInput) -> (Option<NaiveDate>, Option<String>) {
    // A business owes the costs from its first default over the invoices that carry them: one
    // in default before the Besluit does not set the day (review 47a, F-1: a part payment on the
    // later invoice before it fell due no longer lowered the costs), and an invoice with no
    // agreed term is in default when the law says, not the day after its assumed due date.
    let defaults = || input.invoices.iter().map(InvoiceInput::default_date);
    let earliest_default = defaults()
        .filter(|&d| !nl::default_before_besluit(input.jurisdiction, d))
        .min()
        .or_else(|| defaults().min());
    match (input.jurisdiction, input.debtor_type) {
        (_, DebtorType::Consumer) => match &input.reminder {
            None => (None, Some("no 14-day letter or first reminder was sent: no costs may be charged to a consumer".into())),
            Some(r) if input.jurisdiction == Jurisdiction::Nl && !r.states_cost_amount => {
                (None, Some("the 14-day letter did not state the costs: none may be charged (art. 6:96 lid 6 BW)".into()))
            }
            Some(r) if r.deadline.is_some_and(|d| d < nl::letter_pay_by(r.received_date)) => (
                None,
                Some(format!(
                    "the letter's pay-by date {} is shorter than 14 days from the day after receipt ({}): no costs",
                    r.deadline.unwrap_or(r.received_date),
                    nl::letter_pay_by(r.received_date)
                )),
            ),
            Some(_) if input.jurisdiction == Jurisdiction::Be && !input.contract_has_damages_and_interest_clause.unwrap_or(false) => {
                (None, Some("the contract has no damages clause: no damages may be charged to a Belgian consumer (art. XIX.4 WER)".into()))
            }
            Some(r) => (Some(r.term_end() + Days::new(1)), None),
        },
        (_, DebtorType::Business) => (earliest_default, None),
    }
}

/// Fixes the costs over the principal open now (payments before the due date already applied).
fn fix_costs(
    input: &ClaimInput,
    invs: &[Inv],
) -> Result<(Decimal, Decimal, Decimal, Vec<TraceLine>), LawError> {
    // A consumer's letter counts only for the invoices in default when it was sent (art. 6:96
    // lid 6 BW, art. XIX.2 WER), as `letter_before_default` says for the claims: an invoice due
    // on or after the day it was sent carries no costs.
    let before_default = |i: &Inv| {
        input.debtor_type == DebtorType::Consumer
            && input
                .reminder
                .as_ref()
                .is_some_and(|r| r.sent_date <= i.due)
    };
    // Art. 3 of the Besluit: no statutory costs over an invoice whose default began before it
    // took effect; the others of the claim carry them (review 46c, F-5: one older invoice took
    // the costs the letter stated over a later one).
    let before_besluit = |i: &Inv| nl::default_before_besluit(input.jurisdiction, i.start);
    let counted: Vec<&Inv> = invs
        .iter()
        .filter(|i| !before_default(i) && !before_besluit(i))
        .collect();
    let older = invs
        .iter()
        .filter(|i| before_besluit(i) && i.principal > Decimal::ZERO)
        .map(|i| TraceLine {
            step: format!(
                "invoice {} left out: in default from {}, before the Besluit took effect on {}",
                i.id,
                i.start,
                nl::BESLUIT_IN_FORCE
            ),
            base: Some(format_cents(i.principal)),
            rate: None,
            amount: format_cents(Decimal::ZERO),
            basis: Some(basis::NL_BEFORE_BESLUIT.cite()),
        });
    let left_out: Vec<TraceLine> = invs
        .iter()
        .filter(|i| before_default(i) && !before_besluit(i) && i.principal > Decimal::ZERO)
        .map(|i| TraceLine {
            step: format!(
                "invoice {} left out: due {}, the letter came before its default",
                i.id, i.due
            ),
            base: Some(format_cents(i.principal)),
            rate: None,
            amount: format_cents(Decimal::ZERO),
            basis: Some(
                match input.jurisdiction {
                    Jurisdiction::Nl => basis::NL_FOURTEEN_DAY_LETTER,
                    Jurisdiction::Be => basis::BE_FIRST_REMINDER,
                }
                .cite(),
            ),
        })
        .chain(older)
        .collect();
    let base: Decimal = counted.iter().map(|i| i.principal).sum();
    if base <= Decimal::ZERO {
        return Ok((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, left_out));
    }
    let late = counted
        .iter()
        .filter(|i| i.principal > Decimal::ZERO)
        .count() as u32;
    let terms = CostsTerms {
        jurisdiction: input.jurisdiction,
        debtor_type: input.debtor_type,
        late_invoices: late,
        creditor_vat_deductible: input.creditor_vat_deductible,
        b2b_minimum: input.b2b_minimum.unwrap_or_default(),
        agreed_costs_pct: input.agreed_costs_pct,
        damages_clause: input
            .contract_has_damages_and_interest_clause
            .unwrap_or(false),
    };
    let Costs { costs, mut vat } = collection_costs(base, &terms)?;
    let (mut excl, mut trace) = (costs.amount, left_out);
    trace.extend(costs.trace);
    if !vat.is_zero() {
        trace.push(TraceLine {
            step: "VAT, creditor cannot deduct it".into(),
            base: Some(format_cents(excl)),
            rate: Some("21%".into()),
            amount: format_cents(vat),
            basis: Some(basis::NL_COSTS_VAT.cite()),
        });
    }
    // A consumer owes no more than the letter stated (the policy's VAT changed since, or the
    // debt grew): the costs first, then the VAT, up to that amount.
    let stated = input
        .reminder
        .as_ref()
        .and_then(|r| r.stated_costs)
        .filter(|_| input.debtor_type == DebtorType::Consumer);
    if let Some(stated) = stated.filter(|&s| excl + vat > s) {
        let before = excl + vat;
        excl = excl.min(stated);
        vat = vat.min(stated - excl);
        trace.push(TraceLine {
            step: "no more than the 14-day letter stated".into(),
            base: Some(format_cents(before)),
            rate: None,
            amount: format_cents(excl + vat),
            basis: Some(basis::NL_FOURTEEN_DAY_LETTER.cite()),
        });
    }
    Ok((base, excl, vat, trace))
}
