//! The legal basis of every amount and date a claim or letter states: the article and, where
//! one applies, the ruling, so an agency or a court can check each line against the law.
//!
//! One table of citations; the calculators attach them to their trace lines, the claims carry
//! them to the agency, and the letters name the same rules in words.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DebtorType, Jurisdiction};

/// An article (or several) and the ruling that reads it, if one applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basis {
    /// The provisions, as a lawyer cites them.
    pub article: &'static str,
    /// The judgment that decides how they apply, when one does.
    pub ruling: Option<&'static str>,
}

impl Serialize for Basis {
    /// For people (JSON) without a ruling when none applies; in binary forms both fields, since
    /// those read fields by position.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let all = !s.is_human_readable();
        let ruling = all || self.ruling.is_some();
        let mut st = s.serialize_struct("Basis", 1 + usize::from(ruling))?;
        st.serialize_field("article", self.article)?;
        super::optional_field(&mut st, all, "ruling", &self.ruling)?;
        st.end()
    }
}

/// Every citation this table holds: a basis read back (the claims kept in the store) is one of
/// them, never a new one.
const ALL: &[Basis] = &[
    NL_WIK_STAFFEL,
    NL_WIK_MINIMUM,
    NL_WIK_MAXIMUM,
    NL_B2B_PER_INVOICE,
    NL_B2B_AGREED,
    NL_COSTS_VAT,
    NL_FOURTEEN_DAY_LETTER,
    NL_BEFORE_BESLUIT,
    NL_INTEREST,
    NL_COMMERCIAL_INTEREST,
    NL_DEFAULT,
    NL_DEFAULT_NO_TERM_CONSUMER,
    NL_DEFAULT_NO_TERM_BUSINESS,
    BE_B2B_COMPENSATION,
    BE_B2B_INTEREST,
    BE_CONSUMER_DAMAGES,
    BE_CONSUMER_NO_CLAUSE,
    BE_CONSUMER_INTEREST_CLAUSE,
    BE_CONSUMER_INTEREST_LEGAL,
    BE_FIRST_REMINDER,
];

impl<'de> Deserialize<'de> for Basis {
    /// The citation of the table with this article and ruling; an unknown one is an error.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Basis, D::Error> {
        #[derive(Deserialize)]
        struct Written {
            article: String,
            ruling: Option<String>,
        }
        let w = Written::deserialize(d)?;
        ALL.iter()
            .find(|b| b.article == w.article && b.ruling == w.ruling.as_deref())
            .copied()
            .ok_or_else(|| serde::de::Error::custom(format!("unknown legal basis: {}", w.article)))
    }
}

impl Basis {
    /// The citation on one line: the article, then the ruling in brackets.
    pub fn cite(&self) -> String {
        match self.ruling {
            Some(r) => format!("{} ({r})", self.article),
            None => self.article.to_string(),
        }
    }
}

const C_585_20: &str = "HvJ EU 20-10-2022, C-585/20, BFF Finance Iberia, ECLI:EU:C:2022:806";

/// NL: the staffel of the Besluit over the principal.
pub const NL_WIK_STAFFEL: Basis = Basis {
    article: "art. 6:96 lid 2 sub c en lid 5 BW; art. 2 lid 1 Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141)",
    ruling: None,
};
/// NL: the EUR 40 minimum of the Besluit.
pub const NL_WIK_MINIMUM: Basis = Basis {
    article:
        "art. 2 lid 2 Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141)",
    ruling: None,
};
/// NL: the EUR 6,775 maximum of the Besluit.
pub const NL_WIK_MAXIMUM: Basis = NL_WIK_STAFFEL;
/// NL B2B: at least EUR 40 for each late commercial transaction (invoice).
pub const NL_B2B_PER_INVOICE: Basis = Basis {
    article: "art. 6:96 lid 4 BW; art. 6 Richtlijn 2011/7/EU",
    ruling: Some(C_585_20),
};
/// NL B2B: costs agreed in the contract (lid 5 protects consumers only), never below EUR 40.
pub const NL_B2B_AGREED: Basis = Basis {
    article:
        "art. 6:96 lid 2 sub c BW, agreed in the contract; at least EUR 40 (art. 6:96 lid 4 BW)",
    ruling: None,
};
/// NL: VAT added when the creditor cannot deduct it.
pub const NL_COSTS_VAT: Basis = Basis {
    article:
        "art. 2 lid 3 Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141)",
    ruling: None,
};
/// NL consumers: costs only after the 14-day letter's term.
pub const NL_FOURTEEN_DAY_LETTER: Basis = Basis {
    article: "art. 6:96 lid 6 BW; art. 1 Algemene termijnenwet",
    ruling: Some("HR 25-11-2016, ECLI:NL:HR:2016:2704 (Fa-Med)"),
};
/// NL: no statutory costs for a default that began before the Besluit took effect.
pub const NL_BEFORE_BESLUIT: Basis = Basis {
    article: "art. 3 Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141)",
    ruling: None,
};
/// NL: statutory interest on non-commercial debts, compounded yearly.
pub const NL_INTEREST: Basis = Basis {
    article: "art. 6:119 BW (wettelijke rente), yearly compounding per lid 2",
    ruling: None,
};
/// NL: statutory commercial interest, compounded yearly, from the day after the due date.
pub const NL_COMMERCIAL_INTEREST: Basis = Basis {
    article: "art. 6:119a BW (wettelijke handelsrente), yearly compounding per lid 3; art. 6:120 lid 2 BW",
    ruling: None,
};
/// NL: default on the day after the due date, without notice (a fatal term).
pub const NL_DEFAULT: Basis = Basis {
    article: "art. 6:83 sub a BW (verzuim zonder ingebrekestelling na een fatale termijn)",
    ruling: None,
};
/// NL consumers, an invoice without an agreed payment term among the claim's: no fatal term, so
/// default only after the 14-day letter's term, which is the notice of default.
pub const NL_DEFAULT_NO_TERM_CONSUMER: Basis = Basis {
    article: "art. 6:83 sub a BW where a payment term was agreed; where none was, art. 6:82 BW: in default after the term of a first 14-day letter, the costs due only after a 14-day letter sent after that (art. 6:96 lid 6 BW)",
    ruling: None,
};
/// NL businesses, an invoice without an agreed payment term among the claim's: the statutory
/// term of 30 days, after which interest runs without notice.
pub const NL_DEFAULT_NO_TERM_BUSINESS: Basis = Basis {
    article: "art. 6:83 sub a BW where a payment term was agreed; where none was, art. 6:119a lid 2 BW: 30 days after receipt of the invoice, counted from its date, a last day on a weekend or holiday moved on (art. 1 Algemene termijnenwet)",
    ruling: None,
};
/// BE B2B: the fixed EUR 40 per late invoice.
pub const BE_B2B_COMPENSATION: Basis = Basis {
    article: "art. 6 Wet 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij handelstransacties",
    ruling: Some(C_585_20),
};
/// BE B2B: late-payment interest from the day after the due date, without notice.
pub const BE_B2B_INTEREST: Basis = Basis {
    article: "art. 4 en 5 Wet 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij handelstransacties",
    ruling: None,
};
/// BE consumers: the capped damages a contract clause may provide.
pub const BE_CONSUMER_DAMAGES: Basis = Basis {
    article: "art. XIX.4 §1, 2° WER (bedongen schadebeding)",
    ruling: None,
};
/// BE consumers: no damages without a clause.
pub const BE_CONSUMER_NO_CLAUSE: Basis = Basis {
    article: "art. XIX.4 §1 WER: no damages without a clause in the contract",
    ruling: None,
};
/// BE consumers with a clause: interest at most the B2B rate, after the reminder's term.
pub const BE_CONSUMER_INTEREST_CLAUSE: Basis = Basis {
    article: "art. XIX.4 §1, 1° WER; rate of art. 5 lid 2 Wet 2 augustus 2002",
    ruling: None,
};
/// BE consumers without a clause: the legal interest rate, after the reminder's term.
pub const BE_CONSUMER_INTEREST_LEGAL: Basis = Basis {
    article: "wettelijke interestvoet (art. 2 Wet 5 mei 1865 betreffende de lening tegen interest); art. XIX.2 en XIX.4 WER",
    ruling: None,
};
/// BE consumers: the free first reminder and its 14-day term.
pub const BE_FIRST_REMINDER: Basis = Basis {
    article: "art. XIX.2 WER",
    ruling: None,
};

/// The basis of the interest a claim charges.
pub fn interest(jurisdiction: Jurisdiction, debtor: DebtorType, damages_clause: bool) -> Basis {
    match (jurisdiction, debtor) {
        (Jurisdiction::Nl, DebtorType::Consumer) => NL_INTEREST,
        (Jurisdiction::Nl, DebtorType::Business) => NL_COMMERCIAL_INTEREST,
        (Jurisdiction::Be, DebtorType::Business) => BE_B2B_INTEREST,
        (Jurisdiction::Be, DebtorType::Consumer) if damages_clause => BE_CONSUMER_INTEREST_CLAUSE,
        (Jurisdiction::Be, DebtorType::Consumer) => BE_CONSUMER_INTEREST_LEGAL,
    }
}

/// The basis of the day a debtor is in default and interest may start; `no_term`: an invoice of
/// the claim has no agreed payment term (its due date was assumed).
pub fn default(jurisdiction: Jurisdiction, debtor: DebtorType, no_term: bool) -> Basis {
    match (jurisdiction, debtor) {
        (Jurisdiction::Nl, DebtorType::Consumer) if no_term => NL_DEFAULT_NO_TERM_CONSUMER,
        (Jurisdiction::Nl, DebtorType::Business) if no_term => NL_DEFAULT_NO_TERM_BUSINESS,
        (Jurisdiction::Nl, _) => NL_DEFAULT,
        (Jurisdiction::Be, DebtorType::Business) => BE_B2B_INTEREST,
        (Jurisdiction::Be, DebtorType::Consumer) => BE_FIRST_REMINDER,
    }
}

/// The basis of the term the letter gives.
pub fn letter(jurisdiction: Jurisdiction) -> Basis {
    match jurisdiction {
        Jurisdiction::Nl => NL_FOURTEEN_DAY_LETTER,
        Jurisdiction::Be => BE_FIRST_REMINDER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_name_article_and_ruling() {
        assert_eq!(
            NL_B2B_PER_INVOICE.cite(),
            format!("art. 6:96 lid 4 BW; art. 6 Richtlijn 2011/7/EU ({C_585_20})")
        );
        assert!(NL_WIK_STAFFEL
            .cite()
            .contains("Besluit vergoeding voor buitengerechtelijke incassokosten"));
        assert_eq!(
            interest(Jurisdiction::Be, DebtorType::Consumer, false),
            BE_CONSUMER_INTEREST_LEGAL
        );
    }
}
