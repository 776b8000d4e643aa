//! Belgian rules: the fixed EUR 40 compensation between businesses (Wet 2 augustus 2002) and the
//! capped damages for consumers (Boek XIX WER, art. XIX.4).

use rust_decimal::Decimal;

use super::{basis, positive, LawError, TraceLine, Traced};
use crate::money::{format_cents, round_cents};

/// EUR 40 per late invoice (art. 6 of Directive 2011/7, CJEU C-585/20).
pub fn b2b_compensation(late_invoices: u32) -> Traced {
    let amount = Decimal::from(40 * late_invoices);
    Traced {
        amount,
        trace: vec![TraceLine {
            step: "fixed compensation per late invoice".into(),
            base: Some(late_invoices.to_string()),
            rate: Some("40.00".into()),
            amount: format_cents(amount),
            basis: Some(basis::BE_B2B_COMPENSATION.cite()),
        }],
    }
}

/// Consumer damages capped by bracket over the amount still due: EUR 20 up to 150; EUR 30 + 10%
/// of the part above 150 up to 500; EUR 65 + 5% of the part above 500, at most EUR 2,000.
pub fn consumer_damages(outstanding: Decimal) -> Result<Traced, LawError> {
    positive("amount still due", outstanding)?;
    let d150 = Decimal::from(150);
    let d500 = Decimal::from(500);
    let (step, raw) = if outstanding <= d150 {
        ("up to 150.00: fixed".to_string(), Decimal::from(20))
    } else if outstanding <= d500 {
        (
            "150.01-500.00: 30 + 10% above 150".to_string(),
            Decimal::from(30) + (outstanding - d150) / Decimal::TEN,
        )
    } else {
        (
            "above 500.00: 65 + 5% above 500".to_string(),
            Decimal::from(65) + (outstanding - d500) * Decimal::new(5, 2),
        )
    };
    let capped = raw.min(Decimal::from(2_000));
    let amount = round_cents(capped);
    let mut trace = vec![TraceLine {
        step,
        base: Some(format_cents(outstanding)),
        rate: None,
        amount: raw.normalize().to_string(),
        basis: Some(basis::BE_CONSUMER_DAMAGES.cite()),
    }];
    if capped < raw {
        trace.push(TraceLine {
            step: "maximum".into(),
            base: None,
            rate: None,
            amount: "2000.00".into(),
            basis: Some(basis::BE_CONSUMER_DAMAGES.cite()),
        });
    }
    trace.push(TraceLine {
        step: "rounded half-up to cents".into(),
        base: None,
        rate: None,
        amount: format_cents(amount),
        basis: Some(basis::BE_CONSUMER_DAMAGES.cite()),
    });
    Ok(Traced { amount, trace })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn consumer_brackets() {
        let table = [
            ("B1", "0.01", "20.00"),
            ("B2", "150.00", "20.00"),
            ("B3", "150.01", "30.00"),
            ("B4", "500.00", "65.00"),
            ("B5", "1000.00", "90.00"),
            ("B6", "39200.00", "2000.00"),
            ("B7", "100000.00", "2000.00"),
        ];
        for (id, amount, want) in table {
            let got = consumer_damages(Decimal::from_str(amount).unwrap())
                .unwrap()
                .amount;
            assert_eq!(format_cents(got), want, "{id}: {amount}");
        }
        assert_eq!(b2b_compensation(3).amount, Decimal::from(120));
    }
}
