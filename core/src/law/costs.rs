//! The collection costs of a claim, whatever asks: the claim calculator, `incasso calc costs`
//! and the 14-day letter all state the same amount for the same terms.

use rust_decimal::Decimal;

use super::claim::B2bMinimum;
use super::{basis, be, nl, DebtorType, Jurisdiction, LawError, TraceLine, Traced};
use crate::money::format_cents;

/// Everything besides the principal that decides the costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostsTerms {
    /// Law that applies.
    pub jurisdiction: Jurisdiction,
    /// Consumer or business.
    pub debtor_type: DebtorType,
    /// Invoices in the claim (B2B: EUR 40 each at least).
    pub late_invoices: u32,
    /// Whether the creditor deducts VAT (NL: else 21% is added).
    pub creditor_vat_deductible: bool,
    /// Dutch B2B EUR 40 minimum: per invoice or per claim.
    pub b2b_minimum: B2bMinimum,
    /// Dutch B2B costs agreed as a percentage of the principal, instead of the staffel.
    pub agreed_costs_pct: Option<Decimal>,
    /// Belgian consumer contract has a damages clause (without one, no damages).
    pub damages_clause: bool,
}

/// Costs excluding VAT (with how they were computed) and the VAT on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Costs {
    /// Costs excluding VAT.
    pub costs: Traced,
    /// VAT added because the creditor cannot deduct it (NL), else zero.
    pub vat: Decimal,
}

/// The collection costs over a principal under the given terms.
pub fn collection_costs(principal: Decimal, terms: &CostsTerms) -> Result<Costs, LawError> {
    let costs = match (terms.jurisdiction, terms.debtor_type) {
        (Jurisdiction::Nl, debtor) => {
            let mut t = match (debtor, terms.agreed_costs_pct) {
                (DebtorType::Business, Some(pct)) => nl::agreed_costs(principal, pct)?,
                _ => nl::wik_costs(principal)?,
            };
            let floor = Decimal::from(40 * terms.late_invoices);
            if debtor == DebtorType::Business
                && terms.b2b_minimum == B2bMinimum::PerInvoice
                && floor > t.amount
            {
                t.trace.push(TraceLine {
                    step: "EUR 40 per late invoice (CJEU C-585/20)".into(),
                    base: Some(terms.late_invoices.to_string()),
                    rate: Some("40.00".into()),
                    amount: format_cents(floor),
                    basis: Some(basis::NL_B2B_PER_INVOICE.cite()),
                });
                t.amount = floor;
            }
            t
        }
        (Jurisdiction::Be, DebtorType::Business) => be::b2b_compensation(terms.late_invoices),
        (Jurisdiction::Be, DebtorType::Consumer) if terms.damages_clause => {
            be::consumer_damages(principal)?
        }
        (Jurisdiction::Be, DebtorType::Consumer) => Traced {
            amount: Decimal::ZERO,
            trace: vec![TraceLine {
                step: "no damages clause in the contract (art. XIX.4 WER)".into(),
                base: None,
                rate: None,
                amount: "0.00".into(),
                basis: Some(basis::BE_CONSUMER_NO_CLAUSE.cite()),
            }],
        },
    };
    let vat = if terms.jurisdiction == Jurisdiction::Nl {
        nl::costs_vat(costs.amount, terms.creditor_vat_deductible)
    } else {
        Decimal::ZERO
    };
    Ok(Costs { costs, vat })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(j: Jurisdiction, d: DebtorType, invoices: u32) -> CostsTerms {
        CostsTerms {
            jurisdiction: j,
            debtor_type: d,
            late_invoices: invoices,
            creditor_vat_deductible: true,
            b2b_minimum: B2bMinimum::PerInvoice,
            agreed_costs_pct: None,
            damages_clause: true,
        }
    }

    #[test]
    fn one_answer_for_every_caller() {
        use DebtorType::*;
        use Jurisdiction::*;
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        let per_claim = CostsTerms {
            b2b_minimum: B2bMinimum::PerClaim,
            ..terms(Nl, Business, 3)
        };
        let agreed = CostsTerms {
            agreed_costs_pct: Some(d("10")),
            ..terms(Nl, Business, 1)
        };
        let no_vat_deduction = CostsTerms {
            creditor_vat_deductible: false,
            ..terms(Nl, Consumer, 1)
        };
        let no_clause = CostsTerms {
            damages_clause: false,
            ..terms(Be, Consumer, 1)
        };
        let table = [
            ("C1", "100", terms(Nl, Business, 3), "120.00", "0.00"),
            ("C2", "100", per_claim, "40.00", "0.00"),
            ("C3", "10000", agreed, "1000.00", "0.00"),
            ("C4", "1234.56", no_vat_deduction, "185.18", "38.89"),
            ("C5", "1000", terms(Be, Business, 2), "80.00", "0.00"),
            ("C6", "1000", terms(Be, Consumer, 1), "90.00", "0.00"),
            ("C7", "1000", no_clause, "0.00", "0.00"),
        ];
        for (id, principal, t, costs, vat) in table {
            let c = collection_costs(d(principal), &t).unwrap();
            assert_eq!(
                (format_cents(c.costs.amount), format_cents(c.vat)),
                (costs.to_string(), vat.to_string()),
                "{id}"
            );
        }
    }
}
