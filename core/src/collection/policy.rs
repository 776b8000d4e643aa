//! The collection policy of one administration: which overdue items qualify for collection.
//!
//! The CLI reads it from TOML; unknown keys are errors, so a typo never silently does nothing.
//!
//! ```toml
//! jurisdiction = "nl"                 # or "be"; consumers living in NL or BE get their
//!                                     # country's law; per debtor below
//! min_days_overdue = 30
//! min_open_per_debtor = "50.00"       # below this a debtor's claim is not worth sending
//! currencies = ["EUR"]
//! debtor_types = ["consumer", "business"]
//! unknown_debtor_type = "consumer"    # how to treat debtors the books do not classify
//! creditor_vat_deductible = true
//! b2b_minimum = "per_invoice"         # or "per_claim"
//! b2b_agreed_costs_pct = "10"         # costs agreed in B2B contracts, instead of the staffel
//! plan_grace_days = 14
//! contract_has_damages_and_interest_clause = false   # Belgian consumers
//! contract_interest_pct = "8"         # Belgian consumers: a clause's rate below the legal maximum
//!
//! [creditor]                        # named in every letter and claim
//! name = "Bakkerij De Zon B.V."
//! iban = "NL91ABNA0417164300"
//! address = "Dorpsstraat 1, 1234 AB Zon"
//! kvk = "12345678"                    # Dutch creditors
//! enterprise_number = "0123.456.789"  # Belgian creditors (KBO)
//! vat_number = "NL001234567B01"
//! email = "debiteuren@dezon.nl"
//!
//! [debtors.D100]
//! hold_until = "2026-12-31"
//! hold_reason = "in talks about a delivery complaint"
//! jurisdiction = "be"
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::law::claim::{rate_kind, B2bMinimum};
use crate::law::rates::{RateTable, RateTables};
use crate::law::{DebtorType, Jurisdiction};
use crate::model::DebtorKind;
use crate::money::Currency;

/// How to treat a debtor whose books do not say consumer or business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownDebtorType {
    /// As a consumer: the protective choice (needs a 14-day letter before costs).
    #[default]
    Consumer,
    /// As a business.
    Business,
    /// Not at all: such items do not qualify until classified.
    Block,
}

/// Who the creditor is, as letters and claims name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditorDetails {
    /// Legal name.
    pub name: Option<String>,
    /// Account debtors pay to ([`CreditorDetails::named`] checks it before a letter or claim
    /// names it).
    pub iban: Option<String>,
    /// Postal address on one line.
    pub address: Option<String>,
    /// Dutch Chamber of Commerce (KvK) number.
    pub kvk: Option<String>,
    /// Belgian enterprise number (KBO/BCE, `0123.456.789`), which Belgian letters must state
    /// (a creditor registered only in the Netherlands states its KvK number instead).
    pub enterprise_number: Option<String>,
    /// VAT identification number.
    pub vat_number: Option<String>,
    /// E-mail for questions.
    pub email: Option<String>,
}

impl CreditorDetails {
    /// The IBAN in its electronic form (upper case, no spaces, as ISO 13616 transmits it) when
    /// it is one: letters and the agency's claims carry one spelling of the account, and typing
    /// it again otherwise is no new account that sends every claim again (review 47a, F-5).
    pub fn normalise(&mut self) {
        if let Some(i) = self
            .iban
            .as_deref()
            .and_then(|t| crate::ids::Iban::parse(t).ok())
        {
            self.iban = Some(i.into());
        }
    }

    /// Why a letter or claim cannot name this creditor (`what`: "a letter", "a claim"), if it
    /// cannot: it needs a name and an account to pay to that is an IBAN (country, length,
    /// mod-97): one mistyped digit would send every debtor to an account nobody can pay into,
    /// and the term to pay would run for nothing (review 46b, F-3).
    pub fn named(&self, what: &str) -> Result<(), String> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
        if !given(&self.name) || !given(&self.iban) {
            return Err(format!(
                "{what} names the creditor and the account to pay to: set name and iban under [creditor]"
            ));
        }
        let iban = self.iban.as_deref().unwrap_or_default().trim();
        match crate::ids::Iban::parse(iban) {
            Ok(i) if i.is_registered() && i.has_national_form() => Ok(()),
            Ok(i) if !i.is_registered() => Err(format!("{what} tells the debtor to pay to iban '{iban}' under [creditor], whose country code {} is no country's for IBANs of its length: correct it", i.country())),
            Ok(_) => Err(format!("{what} tells the debtor to pay to iban '{iban}' under [creditor], which is no account of its country's form: correct it")),
            Err(e) => Err(format!("{what} tells the debtor to pay to iban '{iban}' under [creditor], which is no IBAN ({e}): correct it")),
        }
    }
}

/// Per-debtor settings that override the administration's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebtorOverride {
    /// Law that applies to this debtor.
    pub jurisdiction: Option<Jurisdiction>,
    /// Consumer or business, when the books are wrong or silent.
    pub debtor_type: Option<DebtorType>,
    /// Minimum days overdue for this debtor.
    pub min_days_overdue: Option<u32>,
    /// Nothing of this debtor qualifies before this date (inclusive).
    pub hold_until: Option<NaiveDate>,
    /// Why the debtor is on hold.
    pub hold_reason: Option<String>,
    /// Belgian consumer contract has a damages and interest clause.
    pub contract_has_damages_and_interest_clause: Option<bool>,
    /// Belgian consumers: the interest rate the clause agrees, when below the maximum.
    pub contract_interest_pct: Option<Decimal>,
}

/// The policy of one administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Law that applies unless a debtor says otherwise.
    pub jurisdiction: Jurisdiction,
    /// Days past the due date before an item qualifies.
    pub min_days_overdue: u32,
    /// Smallest total per debtor worth a claim.
    pub min_open_per_debtor: Decimal,
    /// Currencies the agency accepts.
    pub currencies: Vec<Currency>,
    /// Debtor types that may be sent.
    pub debtor_types: Vec<DebtorType>,
    /// Treatment of unclassified debtors.
    pub unknown_debtor_type: UnknownDebtorType,
    /// Whether the creditor deducts VAT (else 21% is added to Dutch costs).
    pub creditor_vat_deductible: bool,
    /// Dutch B2B EUR 40 minimum: per invoice or per claim.
    pub b2b_minimum: B2bMinimum,
    /// Dutch B2B costs agreed in contracts, as a percentage of the principal (else the staffel).
    pub b2b_agreed_costs_pct: Option<Decimal>,
    /// Days an instalment may be late before the plan counts as broken.
    pub plan_grace_days: u32,
    /// Belgian consumer contracts have a damages and interest clause.
    pub contract_has_damages_and_interest_clause: bool,
    /// Belgian consumers: the interest rate the clause agrees, when below the maximum of the
    /// Wet 2 augustus 2002 (which caps it, art. XIX.4 §1, 1° WER).
    pub contract_interest_pct: Option<Decimal>,
    /// The creditor's details for letters and claims.
    pub creditor: CreditorDetails,
    /// Per-debtor overrides, by debtor id.
    pub debtors: BTreeMap<String, DebtorOverride>,
    /// How bank payments are matched to documents (`[matching]`).
    #[serde(default)]
    pub matching: crate::matching::MatchPolicy,
    /// How the files dropped into the inbox are read (`[import]`).
    #[serde(default)]
    pub import: ImportPolicy,
}

/// How the files dropped into the inbox are read, from the policy file's `[import]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportPolicy {
    /// Names of ledger exports that list every open item of the books (patterns: `*` any
    /// characters, `?` one, any case), read as `incasso import --complete` reads them: what an
    /// earlier ledger file brought and they leave out was settled in the books.
    pub complete: Vec<String>,
    /// Mapping profiles for files of the inbox, by name pattern (as `complete`): `"exact-*.csv"
    /// = "profiles/exact.toml"` reads such files as `incasso import --profile` would (a path
    /// relative to the data directory). The first pattern that fits wins.
    pub profiles: BTreeMap<String, String>,
}

impl ImportPolicy {
    /// The profile for a file of this name, if a pattern of `profiles` fits it.
    pub fn profile_for(&self, file_name: &str) -> Option<&str> {
        let name: Vec<char> = file_name.to_lowercase().chars().collect();
        self.profiles.iter().find_map(|(p, profile)| {
            let pattern: Vec<char> = p.to_lowercase().chars().collect();
            wildcard(&pattern, &name).then_some(profile.as_str())
        })
    }

    /// Whether a file of this name lists every open item.
    pub fn lists_every_open_item(&self, file_name: &str) -> bool {
        let name: Vec<char> = file_name.to_lowercase().chars().collect();
        self.complete.iter().any(|p| {
            let pattern: Vec<char> = p.to_lowercase().chars().collect();
            wildcard(&pattern, &name)
        })
    }
}

/// Whether `name` fits `pattern` (`*` any run of characters, `?` one).
fn wildcard(pattern: &[char], name: &[char]) -> bool {
    // Where the last `*` was, and the name's place it now covers up to.
    let (mut p, mut n, mut star) = (0, 0, None);
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            jurisdiction: Jurisdiction::Nl,
            min_days_overdue: 30,
            min_open_per_debtor: Decimal::ZERO,
            currencies: vec![Currency::EUR],
            debtor_types: vec![DebtorType::Consumer, DebtorType::Business],
            unknown_debtor_type: UnknownDebtorType::Consumer,
            creditor_vat_deductible: true,
            b2b_minimum: B2bMinimum::PerInvoice,
            b2b_agreed_costs_pct: None,
            plan_grace_days: 14,
            contract_has_damages_and_interest_clause: false,
            contract_interest_pct: None,
            creditor: CreditorDetails::default(),
            debtors: BTreeMap::new(),
            matching: crate::matching::MatchPolicy::default(),
            import: ImportPolicy::default(),
        }
    }
}

/// The policy as it applies to one debtor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective<'a> {
    /// The administration's policy.
    pub policy: &'a Policy,
    /// The debtor's override, if any.
    pub over: Option<&'a DebtorOverride>,
    /// The law that applies.
    pub jurisdiction: Jurisdiction,
    /// Consumer or business, or `None` when unclassified and blocked.
    pub debtor_type: Option<DebtorType>,
    /// Days overdue needed.
    pub min_days_overdue: u32,
    /// The country a consumer lives in whose law incasso does not know, when no override says
    /// which law to claim under (art. 6 Rome I may give them their own).
    pub abroad: Option<String>,
}

impl Policy {
    /// The policy for a debtor of a kind the books record, living in `country` (as the books
    /// write it, when they give an address). A consumer (or an unclassified debtor) living in
    /// the Netherlands or Belgium is judged by that country's law, which protects them whatever
    /// the contract chose (art. 6 Rome I: a Belgian consumer's free first reminder and capped
    /// damages, a Dutch consumer's 14-day letter); a business by the policy's jurisdiction; a
    /// consumer elsewhere (or in a country not recognised) is marked [`Effective::abroad`], to
    /// be held; a debtor's own `jurisdiction` in the policy overrides all.
    pub fn for_debtor(&self, id: &str, kind: DebtorKind, country: Option<&str>) -> Effective<'_> {
        let over = self.debtors.get(id);
        let from_books = match kind {
            DebtorKind::Consumer => Some(DebtorType::Consumer),
            DebtorKind::Business => Some(DebtorType::Business),
            DebtorKind::Unknown => match self.unknown_debtor_type {
                UnknownDebtorType::Consumer => Some(DebtorType::Consumer),
                UnknownDebtorType::Business => Some(DebtorType::Business),
                UnknownDebtorType::Block => None,
            },
        };
        let debtor_type = over.and_then(|o| o.debtor_type).or(from_books);
        // Unclassified debtors are protected as consumers are (letters write to them as such).
        let consumer = debtor_type != Some(DebtorType::Business);
        let chosen = over.and_then(|o| o.jurisdiction);
        let country = country.map(str::trim).filter(|c| !c.is_empty());
        let known = country.and_then(Jurisdiction::of_country);
        let residence = known.filter(|_| consumer);
        let abroad = country
            .filter(|_| consumer && chosen.is_none() && known.is_none())
            .map(str::to_string);
        Effective {
            policy: self,
            over,
            jurisdiction: chosen.or(residence).unwrap_or(self.jurisdiction),
            debtor_type,
            abroad,
            min_days_overdue: over
                .and_then(|o| o.min_days_overdue)
                .unwrap_or(self.min_days_overdue),
        }
    }
}

impl Effective<'_> {
    /// Whether the Belgian consumer contract has a damages and interest clause.
    pub fn damages_clause(&self) -> bool {
        self.over
            .and_then(|o| o.contract_has_damages_and_interest_clause)
            .unwrap_or(self.policy.contract_has_damages_and_interest_clause)
    }

    /// Why nothing may go to a consumer living where incasso knows no law ([`Effective::abroad`]),
    /// for claims and letters alike.
    pub fn abroad_reason(&self, debtor: &str) -> Option<String> {
        let country = self.abroad.as_deref()?;
        Some(format!(
            "the consumer lives in '{country}', where incasso knows no law: their own country's \
             consumer law may apply (art. 6 Rome I); set jurisdiction under [debtors.{debtor}] in \
             the policy to choose Dutch or Belgian law"
        ))
    }

    /// Whether the last letter before a claim states costs under this law: the Dutch 14-day
    /// letter the WIK's costs (art. 6:96 lid 6 BW), a Belgian free first reminder damages only
    /// under a contract clause. A letter that must and did not allows no claim.
    pub fn letter_states_costs(&self) -> bool {
        self.jurisdiction == Jurisdiction::Nl || self.damages_clause()
    }

    /// The rate a Belgian consumer's clause agrees, when the debtor has a clause and it names one.
    pub fn agreed_interest_pct(&self) -> Option<Decimal> {
        if self.jurisdiction != Jurisdiction::Be || !self.damages_clause() {
            return None;
        }
        self.over
            .and_then(|o| o.contract_interest_pct)
            .or(self.policy.contract_interest_pct)
    }

    /// The statutory rate table for this debtor, capped at an agreed lower rate.
    pub fn rate_table(&self, tables: &RateTables, debtor_type: DebtorType) -> RateTable {
        let table = tables.get(rate_kind(
            self.jurisdiction,
            debtor_type,
            self.damages_clause(),
        ));
        match self.agreed_interest_pct() {
            Some(pct) => table.capped(pct),
            None => table.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// The names of lists of every open item: `*` and `?`, any case, the whole name.
    #[test]
    fn file_names_that_list_every_open_item() {
        let import = ImportPolicy {
            complete: vec![
                "Openstaande posten*.csv".into(),
                "open-items-????.xlsx".into(),
            ],
            ..Default::default()
        };
        for yes in [
            "openstaande posten.csv",
            "Openstaande Posten 2026-12-05.CSV",
            "open-items-1205.xlsx",
        ] {
            assert!(import.lists_every_open_item(yes), "{yes}");
        }
        for no in [
            "openstaande posten.csv.bak",
            "nieuwe facturen.csv",
            "open-items-12.xlsx",
            "x-openstaande posten.csv",
        ] {
            assert!(!import.lists_every_open_item(no), "{no}");
        }
        assert!(!ImportPolicy::default().lists_every_open_item("anything.csv"));
        let all = ImportPolicy {
            complete: vec!["*a*b*".into()],
            ..Default::default()
        };
        assert!(all.lists_every_open_item("xxaxxbxx") && !all.lists_every_open_item("xxbxxaxx"));
    }

    /// A Belgian consumer clause may agree less than the statutory maximum, never more.
    #[test]
    fn an_agreed_belgian_rate_caps_the_table() {
        let policy: Policy = toml_like(Jurisdiction::Be, true, Some("8"));
        let eff = policy.for_debtor("D1", DebtorKind::Consumer, None);
        let table = eff.rate_table(&RateTables::default(), DebtorType::Consumer);
        let june = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(table.known_rate_on(june), Some(Decimal::from(8)));
        let above = toml_like(Jurisdiction::Be, true, Some("25"));
        let eff = above.for_debtor("D1", DebtorKind::Consumer, None);
        let capped = eff.rate_table(&RateTables::default(), DebtorType::Consumer);
        assert_eq!(
            capped.known_rate_on(june),
            Some(Decimal::new(105, 1)),
            "the law's 10.5%"
        );
        // Without a clause the legal rate applies and the agreed rate is ignored.
        let no_clause = toml_like(Jurisdiction::Be, false, Some("8"));
        let eff = no_clause.for_debtor("D1", DebtorKind::Consumer, None);
        let legal = eff.rate_table(&RateTables::default(), DebtorType::Consumer);
        assert_eq!(legal.known_rate_on(june), Some(Decimal::new(45, 1)));
        // Dutch debtors never.
        let nl = toml_like(Jurisdiction::Nl, true, Some("1"));
        assert_eq!(
            nl.for_debtor("D1", DebtorKind::Consumer, None)
                .agreed_interest_pct(),
            None
        );
    }

    /// A consumer is judged by the law of the country they live in, when incasso knows it; a
    /// business by the policy's; the debtor's own override wins.
    #[test]
    fn a_consumer_living_in_belgium_is_judged_by_belgian_law() {
        let nl = toml_like(Jurisdiction::Nl, false, None);
        for country in ["BE", "be", "België", "Belgium", "Belgique"] {
            assert_eq!(
                nl.for_debtor("D1", DebtorKind::Consumer, Some(country))
                    .jurisdiction,
                Jurisdiction::Be,
                "{country}"
            );
        }
        assert_eq!(
            nl.for_debtor("D1", DebtorKind::Business, Some("BE"))
                .jurisdiction,
            Jurisdiction::Nl
        );
        let de = nl.for_debtor("D1", DebtorKind::Consumer, Some("DE"));
        assert_eq!(de.abroad.as_deref(), Some("DE"));
        assert_eq!(
            nl.for_debtor("D1", DebtorKind::Business, Some("DE")).abroad,
            None
        );
        assert_eq!(
            nl.for_debtor("D1", DebtorKind::Consumer, Some("BE")).abroad,
            None
        );
        assert_eq!(
            nl.for_debtor("D1", DebtorKind::Consumer, Some(" ")).abroad,
            None
        );
        let be = toml_like(Jurisdiction::Be, false, None);
        assert_eq!(
            be.for_debtor("D1", DebtorKind::Consumer, Some("Nederland"))
                .jurisdiction,
            Jurisdiction::Nl
        );
        // Unclassified debtors taken as consumers by the policy are consumers here too.
        assert_eq!(
            nl.for_debtor("D1", DebtorKind::Unknown, Some("BE"))
                .jurisdiction,
            Jurisdiction::Be
        );
        // Unclassified and blocked by the policy: no claim, but a letter protects them as a
        // consumer, under their country's law.
        let block = Policy {
            unknown_debtor_type: UnknownDebtorType::Block,
            ..toml_like(Jurisdiction::Nl, false, None)
        };
        let unclassified = block.for_debtor("D1", DebtorKind::Unknown, Some("BE"));
        assert_eq!(unclassified.debtor_type, None);
        assert_eq!(unclassified.jurisdiction, Jurisdiction::Be);
        let mut overridden = toml_like(Jurisdiction::Nl, false, None);
        overridden.debtors.insert(
            "D1".into(),
            DebtorOverride {
                jurisdiction: Some(Jurisdiction::Nl),
                ..DebtorOverride::default()
            },
        );
        assert_eq!(
            overridden
                .for_debtor("D1", DebtorKind::Consumer, Some("BE"))
                .jurisdiction,
            Jurisdiction::Nl
        );
        assert_eq!(
            overridden
                .for_debtor("D1", DebtorKind::Consumer, Some("DE"))
                .abroad,
            None
        );
    }

    fn toml_like(j: Jurisdiction, clause: bool, pct: Option<&str>) -> Policy {
        Policy {
            jurisdiction: j,
            contract_has_damages_and_interest_clause: clause,
            contract_interest_pct: pct.map(|p| Decimal::from_str_exact(p).unwrap()),
            ..Policy::default()
        }
    }
}
