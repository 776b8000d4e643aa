//! The letters a creditor sends before an agency takes over: the Dutch 14-day letter (art. 6:96
//! lid 6 BW), the Belgian free first reminder (art. XIX.2 WER), and the B2B reminders of both
//! countries, in Dutch and English.
//!
//! Pure: the caller gathers the creditor, debtor, items, costs and the term; this module states
//! them in the words of the law that applies (`nl_law.rs`, `be_law.rs`) and lays them out as
//! text or HTML (`render.rs`). Every amount and date a letter states is the one the claim will
//! use: the costs come from `law::costs`, the term from `collection::letter_term`.

mod be_law;
mod nl_law;
mod render;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::policy::CreditorDetails;
use super::LetterTerm;
use crate::law::basis;
use crate::law::costs::Costs;
use crate::law::{DebtorType, Jurisdiction};
use crate::money::{format_cents, Currency};

pub use render::{html, text};

/// Which letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterKind {
    /// The last reminder without costs: the NL 14-day letter, the BE free first reminder.
    FourteenDayLetter,
    /// A last warning before the agency takes over.
    PreIncasso,
}

/// The language of a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Dutch (also for Flemish debtors).
    Nl,
    /// English.
    En,
}

/// One invoice the letter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterItem {
    /// Invoice number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Whether no payment term was agreed and the due date is the statutory 30 days.
    pub due_assumed: bool,
    /// Without an agreed term, the day a Dutch consumer is in default by an earlier 14-day
    /// letter; `None` there means this letter is the notice of default (art. 6:82 BW).
    pub in_default_from: Option<NaiveDate>,
    /// What was bought, when the books say (Belgian letters must describe the obligation).
    pub description: Option<String>,
    /// Still open.
    pub open: Decimal,
}

impl LetterItem {
    /// Its first day in default: after an earlier letter's term, else the day after it was due.
    pub fn defaulted(&self) -> NaiveDate {
        crate::law::first_day_in_default(self.due_date, self.in_default_from)
    }
}

/// Everything a letter states, gathered by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterInput {
    /// Which letter.
    pub kind: LetterKind,
    /// Its language.
    pub lang: Lang,
    /// The law that applies to the debtor.
    pub jurisdiction: Jurisdiction,
    /// Consumer or business.
    pub debtor_type: DebtorType,
    /// The creditor (`[creditor]` of the policy).
    pub creditor: CreditorDetails,
    /// The debtor's name.
    pub debtor_name: String,
    /// The debtor's address lines.
    pub debtor_lines: Vec<String>,
    /// The letter's date (the day it is sent).
    pub date: NaiveDate,
    /// The term it gives, counted under `jurisdiction`.
    pub term: LetterTerm,
    /// Currency of every amount.
    pub currency: Currency,
    /// The overdue invoices, oldest due first.
    pub items: Vec<LetterItem>,
    /// Sum of the items' open amounts.
    pub total: Decimal,
    /// The part of `total` the costs are over: without the invoices this letter puts in
    /// default, for which costs need a later letter (art. 6:96 lid 6 BW).
    pub costs_base: Decimal,
    /// The costs the claim will carry (excl. VAT, with their trace) and the VAT on them.
    pub costs: Costs,
    /// The statutory interest rate in force on the letter's date, when the tables know it.
    pub interest_rate: Option<Decimal>,
    /// Belgian consumers: the contract has a damages and interest clause.
    pub damages_clause: bool,
    /// Belgian consumers: the interest rate the clause agrees, when below the maximum.
    pub agreed_interest_pct: Option<Decimal>,
    /// Dutch businesses: whether the EUR 40 minimum is per invoice or per claim (the policy's
    /// `b2b_minimum`), as the letter states it (review 44b, F-2).
    pub b2b_minimum: crate::law::claim::B2bMinimum,
    /// Whether an earlier reminder (14-day letter, Belgian free reminder) went to the debtor:
    /// a later Belgian reminder is no first one (review 44b, F-5).
    pub reminded_before: bool,
}

/// A letter's words before layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// The heading.
    pub title: String,
    /// The salutation.
    pub greeting: String,
    /// The sentence before the table of invoices.
    pub intro: String,
    /// The paragraphs after the table.
    pub paragraphs: Vec<String>,
    /// The closing formula.
    pub closing: String,
}

impl Wording {
    /// A letter's words with the salutation, the sentence before the table and, in English, the
    /// closing every letter shares; `closing_nl` is the Dutch closing (Flemish letters differ).
    fn new(l: &LetterInput, title: &str, paragraphs: Vec<String>, closing_nl: &str) -> Wording {
        let nl = l.lang == Lang::Nl;
        Wording {
            title: title.into(),
            greeting: if nl {
                "Geachte heer, mevrouw,"
            } else {
                "Dear Sir or Madam,"
            }
            .into(),
            intro: l.intro(),
            paragraphs,
            closing: if nl { closing_nl } else { "Kind regards," }.into(),
        }
    }
}

/// The words of a letter under the law that applies.
pub fn wording(l: &LetterInput) -> Wording {
    match l.jurisdiction {
        Jurisdiction::Nl => nl_law::wording(l),
        Jurisdiction::Be => be_law::wording(l),
    }
}

impl LetterInput {
    /// The sentence before the table: one invoice or several.
    fn intro(&self) -> String {
        match (self.lang, self.items.len()) {
            (Lang::Nl, 1) => {
                "Volgens onze administratie is de volgende factuur nog niet (volledig) betaald:"
            }
            (Lang::Nl, _) => {
                "Volgens onze administratie zijn de volgende facturen nog niet (volledig) betaald:"
            }
            (Lang::En, 1) => {
                "According to our records the following invoice has not been paid (in full):"
            }
            (Lang::En, _) => {
                "According to our records the following invoices have not been paid (in full):"
            }
        }
        .into()
    }

    /// The invoices this letter puts in default (a Dutch consumer's without an agreed payment
    /// term and without an earlier 14-day letter).
    pub fn notices(&self) -> Vec<&LetterItem> {
        self.items
            .iter()
            .filter(|i| i.due_assumed && i.in_default_from.is_none())
            .collect()
    }

    /// An item's due date as the table shows it. Where no payment term was agreed: none for a
    /// Dutch consumer, for whom the statutory 30 days are no due date; for a business the last
    /// day of those 30 days, moved past a weekend or holiday as the law's terms are.
    pub fn due_shown(&self, i: &LetterItem) -> String {
        if i.due_assumed
            && self.jurisdiction == Jurisdiction::Nl
            && self.debtor_type == DebtorType::Consumer
        {
            return "-".into();
        }
        let due = match (i.due_assumed, self.debtor_type) {
            (true, DebtorType::Business) => {
                super::statutory_term_end(i.due_date, self.jurisdiction)
            }
            _ => i.due_date,
        };
        due.format("%d-%m-%Y").to_string()
    }

    /// Costs including VAT.
    pub fn costs_incl(&self) -> Decimal {
        self.costs.costs.amount + self.costs.vat
    }

    /// Whether the costs rest on the EUR 40 per late invoice (CJEU C-585/20) rather than the
    /// staffel or an agreed percentage.
    pub fn per_invoice_minimum(&self) -> bool {
        let cite = basis::NL_B2B_PER_INVOICE.cite();
        self.costs
            .costs
            .trace
            .iter()
            .any(|t| t.basis.as_deref() == Some(cite.as_str()))
    }

    /// Whether the costs are a percentage agreed in the contract.
    pub fn agreed_costs(&self) -> bool {
        let cite = basis::NL_B2B_AGREED.cite();
        self.costs
            .costs
            .trace
            .iter()
            .any(|t| t.basis.as_deref() == Some(cite.as_str()))
    }

    /// An amount as the reader writes it: `€ 1.234,56` in Dutch, `€1,234.56` in English.
    pub fn money(&self, d: Decimal) -> String {
        money(d, self.currency, self.lang)
    }

    /// A date as the reader writes it: `24 november 2026` or `24 November 2026`.
    pub fn day(&self, d: NaiveDate) -> String {
        day(d, self.lang)
    }

    /// The creditor's name; letters are refused without one before they get here.
    pub fn creditor_name(&self) -> &str {
        self.creditor.name.as_deref().unwrap_or_default()
    }

    /// " to account IBAN in the name of NAME", or nothing without an IBAN.
    fn pay_to(&self) -> String {
        match (&self.creditor.iban, self.lang) {
            (Some(i), Lang::Nl) => {
                format!(" op rekening {i} ten name van {}", self.creditor_name())
            }
            (Some(i), Lang::En) => {
                format!(" to account {i} in the name of {}", self.creditor_name())
            }
            (None, _) => String::new(),
        }
    }

    /// A rate as the reader writes it: `10,15%` or `10.15%`.
    fn pct(&self, rate: Decimal) -> String {
        let s = rate.normalize().to_string();
        match self.lang {
            Lang::Nl => format!("{}%", s.replace('.', ",")),
            Lang::En => format!("{s}%"),
        }
    }

    /// Numbers as a sentence lists them: "A", "A en B", "A, B en C" ("and" in English).
    pub fn listed(&self, numbers: &[&str]) -> String {
        match numbers.split_last() {
            Some((last, first)) if !first.is_empty() => {
                let and = match self.lang {
                    Lang::Nl => "en",
                    Lang::En => "and",
                };
                format!("{} {and} {last}", first.join(", "))
            }
            _ => numbers.join(", "),
        }
    }

    /// The invoices the compensation is for, with the right words: those in default since the
    /// Besluit took effect (review 46d, F-4: "for these 2 invoices" where one was older and bore
    /// none). Counted ("deze factuur", "these 3 invoices") where they are all the letter lists;
    /// named ("factuur G4", "invoices G4 and G5") where it lists older ones too, which bear none
    /// (review 47c, F-2: "for this invoice" in a letter listing three).
    fn invoices(&self) -> String {
        let bearing: Vec<&str> = self
            .items
            .iter()
            .filter(|it| !crate::law::nl::default_before_besluit(self.jurisdiction, it.defaulted()))
            .map(|it| it.number.as_str())
            .collect();
        if bearing.len() < self.items.len() {
            let one = bearing.len() == 1;
            let word = match (self.lang, one) {
                (Lang::Nl, true) => "factuur",
                (Lang::Nl, false) => "de facturen",
                (Lang::En, true) => "invoice",
                (Lang::En, false) => "invoices",
            };
            return format!("{word} {}", self.listed(&bearing));
        }
        match (self.lang, bearing.len()) {
            (Lang::Nl, 1) => "deze factuur".into(),
            (Lang::Nl, n) => format!("deze {n} facturen"),
            (Lang::En, 1) => "this invoice".into(),
            (Lang::En, n) => format!("these {n} invoices"),
        }
    }
}

/// An amount in a language's layout.
pub fn money(d: Decimal, currency: Currency, lang: Lang) -> String {
    let plain = format_cents(d);
    let (sign, digits) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |r| ("-", r));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let (thousands, mark) = match lang {
        Lang::Nl => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(ch);
    }
    let symbol = if currency == Currency::EUR {
        "€".to_string()
    } else {
        currency.to_string()
    };
    let sep = if lang == Lang::Nl { " " } else { "" };
    format!("{sign}{symbol}{sep}{grouped}{mark}{frac}")
}

/// A date written out in a language.
pub fn day(d: NaiveDate, lang: Lang) -> String {
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let m = d.month0() as usize;
    let name = match lang {
        Lang::Nl => NL[m],
        Lang::En => EN[m],
    };
    format!("{} {name} {}", d.day(), d.year())
}

#[cfg(test)]
mod tests;
