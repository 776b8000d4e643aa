//! Money with no payer: nobody identified, from no account or the one it was booked to, under
//! no name or one that is no debtor's ("SEPA Incasso batch", "Storting", the creditor's): a
//! direct-debit collection booked as one total, a cash deposit, a bank's collective credit. It
//! names nobody, so no debtor's rule sees it, yet it may have paid invoices of several debtors
//! at once.
//!
//! Every item that is part of a sum of unpaid invoices equal to it is held: which items a total
//! covers is found exactly (bitset subset sums, `crate::subset_sums`), or, where that would take
//! more than its limit of bits, every item it could cover is held. Only invoices issued within
//! [`COLLECTED_WITHIN_DAYS`] before it count ([`COLLECTION_WITHIN_DAYS`] when its text says it
//! is a collection), and, unless its text says so, only invoices open in full: the small rests
//! of part-paid invoices, or a year's invoices, sum to almost anything (on ledgers written by
//! others a quarter's interest of 37.58 "paid" five rests of a few euros, and the owner's cash
//! deposits of 1,050.00 held 15 invoices of the year before). A collection may have taken a
//! rest, or an invoice less its debtor's credit note; one that no sum of open items makes (it
//! also took an invoice paid by transfer, a plan's instalment, or came net of the bank's costs)
//! holds every item it could have taken (up to 1 %, at least 1.00, above it: the costs), since
//! which it paid cannot be told.

use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Gate, Hold, PREPAID_DAYS};
use crate::ageing::OpenItem;
use crate::ids::DebtorId;
use crate::model::DocumentKind;
use crate::money::{format_cents, Currency};
use crate::subset_sums::{covered_within, MAX_BITS};

/// Most days from an invoice's issue to a total without a payer that may include it.
const COLLECTED_WITHIN_DAYS: u64 = 92;

/// The same for a total whose text says it is a collection: a re-collection after a failed
/// direct debit, or a quarter's invoices collected late, is older than a quarter.
const COLLECTION_WITHIN_DAYS: u64 = 366;

/// Most items of a sum a hold's reason lists.
const SHOWN_TERMS: usize = 8;

/// The bits of subset sums all totals without a payer of one read share (about a second of
/// work); each gets at least [`MIN_BITS`] and at most [`MAX_BITS`].
const TOTALS_BITS: u64 = 1 << 33;

/// The fewest bits of subset sums a total without a payer gets (a total of a few thousand euros
/// over a few dozen items).
const MIN_BITS: u64 = 1 << 21;

/// Most credit notes of a debtor netted from each of its invoices in a collection.
const MAX_CREDIT_NOTES: usize = 4;

/// Word beginnings by which a bank or the creditor's software says a total is a collection of
/// direct debits (Dutch, English, French, German).
const COLLECTION_STEMS: &[&str] = &[
    "incasso",
    "invorder",
    "inning",
    "collect",
    "domicili",
    "encaiss",
    "prelevement",
    "prélèvement",
    "lastschrift",
    "einzug",
    "sammel",
    "verzamel",
    "batch",
    "posten",
];
/// Whole words of the banks' codes and wordings for a collection (`SDD`, MT940's `/NRTX/`,
/// camt.053's `ESDD`, `BBDD`, `IDDT`, "direct debit").
const COLLECTION_CODES: &[&str] = &["sdd", "nrtx", "esdd", "bbdd", "iddt", "debit"];

/// Word beginnings by which a text says money came back (a refund of a direct debit, a
/// return): no collection, whatever else it says ("Terugbetaling domiciliëring").
const REFUND_STEMS: &[&str] = &[
    "terugbetal",
    "terugboek",
    "terugstort",
    "storno",
    "retour",
    "refund",
    "rembours",
    "ruckbuch",
    "rückbuch",
    "rucklast",
    "rücklast",
    "erstatt",
];

/// Whether a text says it is the bank's interest on the balance ("Creditrente", "Habenzinsen",
/// "intérêts créditeurs", "credit interest"): on a line from no payer, the bank's own entry,
/// which pays no invoice. On ledgers written by others and the 1M benchmark, a quarter's
/// interest lines each held every invoice their amount was a sum of.
fn says_interest(text: &str) -> bool {
    lower_words(text).iter().any(|w| {
        w.starts_with("rente")
            || w.ends_with("rente")
            || w == "interest"
            || w.starts_with("intérêt")
            || w.starts_with("interet")
            || w.ends_with("zinsen")
            || w.ends_with("zins")
    })
}

/// A text's words, in lower case.
fn lower_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a text says it is a collection of direct debits (and not money given back).
fn says_collection(text: &str) -> bool {
    let words = lower_words(text);
    let any = |stems: &[&str]| words.iter().any(|w| stems.iter().any(|s| w.starts_with(s)));
    !any(REFUND_STEMS)
        && (any(COLLECTION_STEMS) || words.iter().any(|w| COLLECTION_CODES.contains(&w.as_str())))
}

impl Gate {
    /// Whether a payment may be a total without a payer (see the module): nobody identified,
    /// from no account or from the creditor's own, and under no name or one that is no debtor's
    /// (`names`: the debtors' name keys; `None` to ask whether any payment might be one).
    fn is_payerless(&self, i: usize, names: Option<&FxHashSet<String>>) -> bool {
        let p = &self.payments[i];
        let (_, name) = &self.payer_keys[i];
        (p.debtor.is_none() || p.names_documents_of.len() > 1)
            && self.no_payer_account[i]
            && (name.is_empty() || names.is_none_or(|n| !n.contains(name)))
    }

    /// Whether any payment may be a total without a payer, so [`Gate::totals`] has work.
    pub fn has_totals(&self) -> bool {
        (0..self.payments.len()).any(|i| self.is_payerless(i, None))
    }

    /// The items (indices into `open`, every open invoice and credit note of every debtor) that
    /// a payment without a payer may have paid with others, each with the oldest such payment.
    /// `names` are the name keys of every debtor ([`crate::matching::names::name_key`]).
    pub fn totals(&self, open: &[&OpenItem<'_>], names: &FxHashSet<String>) -> Vec<(usize, Hold)> {
        let mut held: Vec<Option<Hold>> = vec![None; open.len()];
        let payerless: Vec<usize> = (0..self.payments.len())
            .filter(|&i| self.is_payerless(i, Some(names)))
            .collect();
        if payerless.is_empty() {
            return Vec::new();
        }
        // The open invoices by issue date, so each payment reads only its window; the debtors'
        // credit notes with credit left, which a collection may have netted.
        let mut by_issue: Vec<usize> = (0..open.len())
            .filter(|&j| open[j].kind == DocumentKind::Invoice && open[j].open > Decimal::ZERO)
            .collect();
        by_issue.sort_by_key(|&j| open[j].issue_date);
        let mut credits: FxHashMap<(&DebtorId, Currency), Vec<usize>> = FxHashMap::default();
        for (j, it) in open.iter().enumerate() {
            if it.kind == DocumentKind::CreditNote && it.open < Decimal::ZERO {
                credits.entry((it.debtor, it.currency)).or_default().push(j);
            }
        }
        // The subset sums' work goes with their bits: a few totals get the most each, thousands
        // (a bank file that gives no payer's account) share a budget, so one read stays within
        // seconds; over its share a total holds every item it could cover.
        let max_bits = (TOTALS_BITS / payerless.len() as u64).clamp(MIN_BITS, MAX_BITS);
        for i in payerless {
            let p = &self.payments[i];
            // A text that says it is a collection: it may have taken the rest of a part-paid
            // invoice, or an invoice less a credit note. Otherwise (a deposit) only invoices
            // open in full count: rests sum to almost anything.
            // The text, or the name a bank writes for a line from no account ("SEPA INCASSO"; a
            // line from the creditor's own account bears the creditor's name, which may say
            // anything: "Incasso Demo B.V.").
            let collection = says_collection(&p.text)
                || (p.account.is_none() && p.name.as_deref().is_some_and(says_collection));
            if !collection && says_interest(&p.text) {
                continue;
            }
            // A collection may come net of the bank's costs per debit: an item up to that much
            // above it may be in it (it is held only when no sum of open items makes it).
            let limit = if collection {
                p.amount + (p.amount / Decimal::ONE_HUNDRED).max(Decimal::ONE)
            } else {
                p.amount
            };
            let within = if collection {
                COLLECTION_WITHIN_DAYS
            } else {
                COLLECTED_WITHIN_DAYS
            };
            let from = by_issue
                .partition_point(|&j| open[j].issue_date + chrono::Days::new(within) < p.date);
            let to = by_issue.partition_point(|&j| {
                open[j].issue_date <= p.date + chrono::Days::new(PREPAID_DAYS)
            });
            // Each part: the item it is of, the amount, and the credit note netted from it.
            let mut parts: Vec<(usize, Decimal, Option<usize>)> = Vec::new();
            for &j in &by_issue[from..to.max(from)] {
                let it = open[j];
                if (it.open != it.total && !collection) || !self.eligible(i as u32, it, true) {
                    continue;
                }
                if it.open <= limit {
                    parts.push((j, it.open, None));
                }
                if !collection {
                    continue;
                }
                for &c in credits
                    .get(&(it.debtor, it.currency))
                    .into_iter()
                    .flatten()
                    .take(MAX_CREDIT_NOTES)
                {
                    let net = it.open + open[c].open;
                    if net > Decimal::ZERO && net <= limit {
                        parts.push((j, net, Some(c)));
                    }
                }
            }
            let amounts: Vec<Decimal> = parts.iter().map(|&(_, a, _)| a).collect();
            // A collection that no sum of open items makes took something the ledger shows
            // otherwise: an invoice also paid by transfer, a plan's instalment, the bank's
            // costs. It still paid some of these items, which ones cannot be told.
            let (covered, how) = match covered_within(p.amount, &amounts, max_bits) {
                Some((c, true)) => (c, Cover::Exact),
                Some((c, false)) => (c, Cover::TooMany),
                None if collection && !parts.is_empty() => (
                    (0..parts.len()).map(|k| (k, Vec::new())).collect(),
                    Cover::Unexplained,
                ),
                None => continue,
            };
            let part = |k: usize| {
                let (j, amount, credit) = parts[k];
                let less = credit
                    .map(|c| format!(" less credit note {}", open[c].number))
                    .unwrap_or_default();
                format!("{} ({}{less})", open[j].number, format_cents(amount))
            };
            for (k, subset) in covered {
                let j = parts[k].0;
                if held[j].is_some() {
                    continue;
                }
                let why = match how {
                    Cover::Exact => {
                        let mut terms: Vec<String> =
                            subset.iter().take(SHOWN_TERMS).map(|&m| part(m)).collect();
                        if subset.len() > SHOWN_TERMS {
                            terms.push(format!("{} more", subset.len() - SHOWN_TERMS));
                        }
                        if !subset.iter().take(SHOWN_TERMS).any(|&m| m == k) {
                            terms.push(format!("among them {}", part(k)));
                        }
                        format!(
                            "it has no payer (a collection batch, a deposit) and its amount is a \
                             sum of open items: {}",
                            terms.join(" + ")
                        )
                    }
                    Cover::TooMany => format!(
                        "it has no payer (a collection batch, a deposit) and it is more than the \
                         open items it could cover can be told apart by their sums, {} among them",
                        part(k)
                    ),
                    Cover::Unexplained => format!(
                        "it has no payer, its text says it is a collection, and no sum of open \
                         items makes its amount (it may also have taken an invoice paid \
                         otherwise, a plan's instalment, or be net of the bank's costs): every \
                         open item it could have taken is held, {} among them",
                        part(k)
                    ),
                };
                held[j] = Some(self.hold(i as u32, why));
            }
        }
        held.into_iter()
            .enumerate()
            .filter_map(|(j, h)| Some((j, h?)))
            .collect()
    }
}

/// How the items a total without a payer may have paid were found.
#[derive(Clone, Copy)]
enum Cover {
    /// Each is in a sum of open items equal to it.
    Exact,
    /// Too many to tell apart by their sums: every item it could cover.
    TooMany,
    /// A collection no sum of open items makes: every item it could have taken.
    Unexplained,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_says_so_in_any_of_the_banks_words() {
        for t in [
            "SEPA Incasso batch 3 posten",
            "/PREF/SEPA-2026/NRTX/3/",
            "Domiciliëring abonnementen",
            "Prélèvement SEPA lot 12",
            "SEPA-Lastschrift Sammler",
            "BACS collection 0605",
            "Verzamelbetaling",
            "SDD 20260605",
            "Collectieve invordering",
            "Encaissement SEPA",
            "SEPA DIRECT DEBIT 3 TRX",
            "SEPA-Einzug Sammler",
            "Inning Europese domiciliëring",
            "Aantal posten: 3 Valutadatum: 05-06-2026",
        ] {
            assert!(says_collection(t), "{t}");
        }
        for t in [
            "Storting contant geld",
            "Rente 1e kwartaal",
            "Terugbetaling domiciliëring",
            "TERUGBETALING EUROPESE DOMICILIERING",
            "Remboursement domiciliation",
            "SEPA-Rücklastschrift",
            "Versement espèces",
            "",
        ] {
            assert!(!says_collection(t), "{t}");
        }
    }

    #[test]
    fn the_banks_interest_says_so_in_any_of_its_words() {
        for t in [
            "Creditrente U0007601",
            "Rente 1e kwartaal",
            "RENTEBIJSCHRIJVING",
            "Habenzinsen 2026",
            "Intérêts créditeurs",
            "Credit interest Q2",
        ] {
            assert!(says_interest(t), "{t}");
        }
        for t in [
            "Storting contant geld",
            "SEPA Incasso batch 3 posten",
            "Factuur 2026-0012 Parenteel",
            "",
        ] {
            assert!(!says_interest(t), "{t}");
        }
    }
}
