//! Dutch rules: buitengerechtelijke incassokosten (WIK staffel, art. 6:96 BW and the Besluit of
//! 27 March 2012) and the 14-day letter (art. 6:96 lid 6 BW).

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::{basis, positive, LawError, TraceLine, Traced};
use crate::money::{format_cents, round_cents};

/// The staffel of art. 2 of the Besluit: (upper bound of the band, percent); the last band is open.
const BANDS: [(Option<i64>, i64, u32); 5] = [
    (Some(2_500), 15, 0),
    (Some(5_000), 10, 0),
    (Some(10_000), 5, 0),
    (Some(200_000), 1, 0),
    (None, 5, 1), // 0.5%
];
const MINIMUM: i64 = 40;
const MAXIMUM: i64 = 6_775;

/// The day the Besluit vergoeding voor buitengerechtelijke incassokosten took effect (art. 3:
/// it does not apply to a default that began before).
pub const BESLUIT_IN_FORCE: NaiveDate = match NaiveDate::from_ymd_opt(2012, 7, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Whether a debt whose default began on `default` (its first day in default) under Dutch law
/// was in default before the Besluit took effect (art. 3): then no statutory costs are owed on
/// it, and no letter may state them (review 46b, F-2). An invoice of 2012 with no agreed term is
/// in default only once a notice's term ran out, years later perhaps (art. 6:82 BW; review 47a,
/// F-2): its due date does not tell.
pub fn default_before_besluit(jurisdiction: super::Jurisdiction, default: NaiveDate) -> bool {
    jurisdiction == super::Jurisdiction::Nl && default < BESLUIT_IN_FORCE
}

/// VAT raised on the costs when the creditor cannot deduct it (art. 2 lid 3 of the Besluit).
pub const VAT_RATE_PCT: i64 = 21;

/// The WIK costs over a principal: the staffel, at least EUR 40, at most EUR 6,775, rounded once.
pub fn wik_costs(principal: Decimal) -> Result<Traced, LawError> {
    positive("principal", principal)?;
    let mut trace = Vec::new();
    let mut lower = Decimal::ZERO;
    let mut sum = Decimal::ZERO;
    for (upper, pct, scale) in BANDS {
        if principal <= lower {
            break;
        }
        let top = upper
            .map(Decimal::from)
            .map_or(principal, |u| u.min(principal));
        let part = top - lower;
        let rate = Decimal::new(pct, scale);
        let amount = part * rate / Decimal::ONE_HUNDRED;
        sum += amount;
        trace.push(TraceLine {
            step: match upper {
                Some(u) => format!(
                    "band {}-{}",
                    format_cents(lower),
                    format_cents(Decimal::from(u))
                ),
                None => format!("band above {}", format_cents(lower)),
            },
            base: Some(format_cents(part)),
            rate: Some(format!("{rate}%")),
            amount: amount.normalize().to_string(),
            basis: Some(basis::NL_WIK_STAFFEL.cite()),
        });
        lower = top;
    }
    let mut amount = round_cents(sum);
    if amount < Decimal::from(MINIMUM) {
        trace.push(TraceLine {
            step: "minimum (art. 2 lid 2)".into(),
            base: None,
            rate: None,
            amount: format_cents(Decimal::from(MINIMUM)),
            basis: Some(basis::NL_WIK_MINIMUM.cite()),
        });
        amount = Decimal::from(MINIMUM);
    } else if amount > Decimal::from(MAXIMUM) {
        trace.push(TraceLine {
            step: "maximum (art. 2 lid 1)".into(),
            base: None,
            rate: None,
            amount: format_cents(Decimal::from(MAXIMUM)),
            basis: Some(basis::NL_WIK_MAXIMUM.cite()),
        });
        amount = Decimal::from(MAXIMUM);
    } else {
        trace.push(TraceLine {
            step: "rounded half-up to cents".into(),
            base: None,
            rate: None,
            amount: format_cents(amount),
            basis: Some(basis::NL_WIK_STAFFEL.cite()),
        });
    }
    Ok(Traced { amount, trace })
}

/// Costs agreed between businesses as a percentage of the principal (art. 6:96 lid 5 protects
/// consumers only), never below the EUR 40 of lid 4; rounded once.
pub fn agreed_costs(principal: Decimal, pct: Decimal) -> Result<Traced, LawError> {
    positive("principal", principal)?;
    if pct < Decimal::ZERO {
        return Err(LawError::NotPositive {
            what: "agreed costs percentage".into(),
            amount: pct,
        });
    }
    let raw = principal * pct / Decimal::ONE_HUNDRED;
    let amount = round_cents(raw).max(Decimal::from(MINIMUM));
    Ok(Traced {
        amount,
        trace: vec![
            TraceLine {
                step: "agreed in the contract".into(),
                base: Some(format_cents(principal)),
                rate: Some(format!("{pct}%")),
                amount: raw.normalize().to_string(),
                basis: Some(basis::NL_B2B_AGREED.cite()),
            },
            TraceLine {
                step: "rounded half-up, at least EUR 40 (art. 6:96 lid 4)".into(),
                base: None,
                rate: None,
                amount: format_cents(amount),
                basis: Some(basis::NL_B2B_AGREED.cite()),
            },
        ],
    })
}

/// VAT on collection costs: 21% rounded half-up, or nothing when the creditor deducts VAT.
pub fn costs_vat(costs: Decimal, creditor_vat_deductible: bool) -> Decimal {
    if creditor_vat_deductible {
        Decimal::ZERO
    } else {
        round_cents(costs * Decimal::from(VAT_RATE_PCT) / Decimal::ONE_HUNDRED)
    }
}

/// The first day costs may be charged to a consumer: the day after the 14-day term, which starts
/// the day after the 14-day letter was received (HR 25-11-2016, ECLI:NL:HR:2016:2704).
pub fn costs_due_date_consumer(letter_received: NaiveDate) -> NaiveDate {
    letter_received + Days::new(15)
}

/// The pay-by date to print in a 14-day letter received on a date.
pub fn letter_pay_by(letter_received: NaiveDate) -> NaiveDate {
    letter_received + Days::new(14)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn staffel_boundaries() {
        let table = [
            ("W1", "0.01", "40.00"),
            ("W2", "266.66", "40.00"),
            ("W3", "266.67", "40.00"),
            ("W4", "300.00", "45.00"),
            ("W5", "2500.00", "375.00"),
            ("W6", "2500.01", "375.00"),
            ("W7", "5000.00", "625.00"),
            ("W8", "10000.00", "875.00"),
            ("W9", "200000.00", "2775.00"),
            ("W10", "1000000.00", "6775.00"),
            ("W11", "5000000.00", "6775.00"),
            ("W12", "1234.56", "185.18"),
        ];
        for (id, principal, want) in table {
            assert_eq!(
                format_cents(wik_costs(dec(principal)).unwrap().amount),
                want,
                "{id}: {principal}"
            );
        }
    }

    #[test]
    fn agreed_b2b_costs_keep_the_40_minimum() {
        assert_eq!(
            format_cents(agreed_costs(dec("10000"), dec("10")).unwrap().amount),
            "1000.00"
        );
        assert_eq!(
            format_cents(agreed_costs(dec("100"), dec("10")).unwrap().amount),
            "40.00"
        );
        assert!(agreed_costs(dec("100"), dec("-1")).is_err());
    }

    #[test]
    fn vat_and_letter_dates() {
        assert_eq!(costs_vat(dec("40.00"), false), dec("8.40"));
        assert_eq!(costs_vat(dec("6775.00"), false), dec("1422.75"));
        assert_eq!(costs_vat(dec("185.18"), true), Decimal::ZERO);
        let received = NaiveDate::from_ymd_opt(2025, 2, 12).unwrap();
        assert_eq!(letter_pay_by(received).to_string(), "2025-02-26");
        assert_eq!(costs_due_date_consumer(received).to_string(), "2025-02-27");
        assert!(wik_costs(dec("-1")).is_err());
        assert!(wik_costs(Decimal::ZERO).is_err());
    }
}
