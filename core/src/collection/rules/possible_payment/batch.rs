//! Money with no payer: nobody identified, from no account or the one it was booked to, under
//! no name or one that is no debtor's ("SEPA Incasso batch", "Storting", the creditor's): a
//! direct-debit collection booked as one total, a cash deposit, a bank's collective credit. It
//! names nobody, so no debtor's rule sees it, yet it may have paid invoices of several debtors
//! at once.
//!
//! Every item that is part of a sum of unpaid invoices equal to it is held: which items a total
//! covers is found exactly (bitset subset sums), or, where that would take more than
//! [`MAX_BITS`] bits, every item it could cover is held. Only invoices issued within
//! [`COLLECTED_WITHIN_DAYS`] before it count ([`COLLECTION_WITHIN_DAYS`] when its text says it
//! is a collection), and, unless its text says so, only invoices open in full: the small rests
//! of part-paid invoices, or a year's invoices, sum to almost anything (on ledgers written by
//! others a quarter's interest of 37.58 "paid" five rests of a few euros, and the owner's cash
//! deposits of 1,050.00 held 15 invoices of the year before). A collection may have taken a
//! rest, or an invoice less its debtor's credit note.

use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Gate, Hold, PREPAID_DAYS};
use crate::ageing::OpenItem;
use crate::ids::DebtorId;
use crate::model::DocumentKind;
use crate::money::{format_cents, Currency};

/// Most bits each of the two tables of subset sums of one payment may keep (16 MB): items times
/// the amount in the items' common unit.
const MAX_BITS: u64 = 1 << 27;

/// Most days from an invoice's issue to a total without a payer that may include it.
const COLLECTED_WITHIN_DAYS: u64 = 92;

/// The same for a total whose text says it is a collection: a re-collection after a failed
/// direct debit, or a quarter's invoices collected late, is older than a quarter.
const COLLECTION_WITHIN_DAYS: u64 = 366;

/// Most items of a sum a hold's reason lists.
const SHOWN_TERMS: usize = 8;

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

/// Whether a text says it is a collection of direct debits.
fn says_collection(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .any(|w| {
            COLLECTION_STEMS.iter().any(|s| w.starts_with(s))
                || COLLECTION_CODES.contains(&w.as_str())
        })
}

impl Gate {
    /// Whether a payment may be a total without a payer (see the module): nobody identified,
    /// from no account or from the creditor's own, and under no name or one that is no debtor's
    /// (`names`: the debtors' name keys; `None` to ask whether any payment might be one).
    fn is_payerless(&self, i: usize, names: Option<&FxHashSet<String>>) -> bool {
        let p = &self.payments[i];
        let (account, name) = &self.payer_keys[i];
        (p.debtor.is_none() || p.names_documents_of.len() > 1)
            && (account.is_none() || self.from_own[i])
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
        for i in payerless {
            let p = &self.payments[i];
            // A text that says it is a collection: it may have taken the rest of a part-paid
            // invoice, or an invoice less a credit note. Otherwise (a deposit) only invoices
            // open in full count: rests sum to almost anything.
            let collection = says_collection(&p.text);
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
                if it.open <= p.amount {
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
                    if net > Decimal::ZERO && net <= p.amount {
                        parts.push((j, net, Some(c)));
                    }
                }
            }
            let amounts: Vec<Decimal> = parts.iter().map(|&(_, a, _)| a).collect();
            let Some((covered, exact)) = covered(p.amount, &amounts) else {
                continue;
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
                let why = if exact {
                    let mut terms: Vec<String> =
                        subset.iter().take(SHOWN_TERMS).map(|&m| part(m)).collect();
                    if subset.len() > SHOWN_TERMS {
                        terms.push(format!("{} more", subset.len() - SHOWN_TERMS));
                    }
                    if !subset.iter().take(SHOWN_TERMS).any(|&m| m == k) {
                        terms.push(format!("among them {}", part(k)));
                    }
                    format!(
                        "it has no payer (a collection batch, a deposit) and its amount is a sum \
                         of open items: {}",
                        terms.join(" + ")
                    )
                } else {
                    format!(
                        "it has no payer (a collection batch, a deposit) and it is more than the \
                         open items it could cover can be told apart by their sums, {} among them",
                        part(k)
                    )
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

/// Each amount in a sum of the total (its index), with one such sum (indices, ascending).
type InSums = Vec<(usize, Vec<usize>)>;

/// Which of `amounts` (each positive) are in some subset summing to `total`, each with one such
/// subset (indices, ascending), and whether that was worked out exactly: `None` when none is.
/// Over [`MAX_BITS`] every amount counts, with no subset shown, unless together they fall short
/// of the total.
fn covered(total: Decimal, amounts: &[Decimal]) -> Option<(InSums, bool)> {
    if amounts.is_empty() || amounts.iter().sum::<Decimal>() < total {
        return None;
    }
    let all = || Some(((0..amounts.len()).map(|j| (j, Vec::new())).collect(), false));
    // The amounts as whole numbers of their common unit: cents, or the unit of the finest.
    let scale = amounts
        .iter()
        .chain([&total])
        .map(|a| a.normalize().scale())
        .max()
        .unwrap_or(0);
    let units = |a: &Decimal| -> Option<u64> {
        let mut a = a.normalize();
        a.rescale(scale);
        u64::try_from(a.mantissa()).ok()
    };
    let (Some(total_units), Some(parts)) = (
        units(&total),
        amounts.iter().map(units).collect::<Option<Vec<u64>>>(),
    ) else {
        return all();
    };
    let g = parts.iter().fold(total_units, |g, &a| gcd(g, a));
    if total_units % g != 0 {
        return None;
    }
    let target = total_units / g;
    let parts: Vec<usize> = parts.iter().map(|a| (a / g) as usize).collect();
    if (parts.len() as u64).saturating_mul(target + 1) > MAX_BITS {
        return all();
    }
    let (n, target) = (parts.len(), target as usize);
    let width = target + 1;
    // after[j]: the sums of parts j.. read from the target down (bit t set when target - t is
    // such a sum), so "part j completes a sum of those before it" is one shifted AND;
    // before[j]: the sums of the parts before j.
    let mut after = Vec::with_capacity(n + 1);
    let mut last = Bits::new(width);
    last.set(target);
    after.push(last);
    for &a in parts.iter().rev() {
        let next = after.last().expect("the empty sum's set is pushed first");
        let mut sums = next.clone();
        sums.or_shifted_down(next, a);
        after.push(sums);
    }
    after.reverse();
    let mut before = Vec::with_capacity(n + 1);
    let mut first = Bits::new(width);
    first.set(0);
    before.push(first);
    for &a in &parts {
        let prev = before.last().expect("the empty sum's set is pushed first");
        let mut sums = prev.clone();
        sums.or_shifted_up(prev, a);
        before.push(sums);
    }
    let mut out = Vec::new();
    for (j, &a) in parts.iter().enumerate() {
        let Some(t) = before[j].first_meeting_shifted_up(&after[j + 1], a) else {
            continue;
        };
        // A sum of the parts before j of t - a, and of those after it of the rest.
        let mut subset = vec![j];
        let mut s = t - a;
        for k in (0..j).rev() {
            if s > 0 && !before[k].get(s) {
                subset.push(k);
                s -= parts[k];
            }
        }
        let mut rest = target - t;
        for k in j + 1..n {
            if rest > 0 && !after[k + 1].get(target - rest) {
                subset.push(k);
                rest -= parts[k];
            }
        }
        subset.sort_unstable();
        out.push((j, subset));
    }
    (!out.is_empty()).then_some((out, true))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A fixed-width set of small numbers, one bit each.
#[derive(Clone)]
struct Bits {
    words: Vec<u64>,
    width: usize,
}

impl Bits {
    fn new(width: usize) -> Bits {
        Bits {
            words: vec![0; width.div_ceil(64)],
            width,
        }
    }

    fn set(&mut self, n: usize) {
        self.words[n / 64] |= 1 << (n % 64);
    }

    fn get(&self, n: usize) -> bool {
        self.words[n / 64] & (1 << (n % 64)) != 0
    }

    /// Word `w` of `src` with every bit moved up by `k` (bits from below zero are zero).
    fn word_up(src: &[u64], w: usize, k: usize) -> u64 {
        let (q, r) = (k / 64, k % 64);
        if w < q {
            return 0;
        }
        let hi = src[w - q] << r;
        let lo = if r > 0 && w > q {
            src[w - q - 1] >> (64 - r)
        } else {
            0
        };
        hi | lo
    }

    /// Word `w` of `src` with every bit moved down by `k`.
    fn word_down(src: &[u64], w: usize, k: usize) -> u64 {
        let (q, r) = (k / 64, k % 64);
        let get = |i: usize| src.get(i).copied().unwrap_or(0);
        let lo = get(w + q) >> r;
        let hi = if r > 0 { get(w + q + 1) << (64 - r) } else { 0 };
        lo | hi
    }

    /// Clears the bits at and above the width.
    fn trim(&mut self) {
        let extra = self.words.len() * 64 - self.width;
        if extra > 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= u64::MAX >> extra;
            }
        }
    }

    /// Adds `src`'s numbers plus `k` (those within the width).
    fn or_shifted_up(&mut self, src: &Bits, k: usize) {
        for w in 0..self.words.len() {
            self.words[w] |= Bits::word_up(&src.words, w, k);
        }
        self.trim();
    }

    /// Adds `src`'s numbers less `k` (those not below zero).
    fn or_shifted_down(&mut self, src: &Bits, k: usize) {
        for w in 0..self.words.len() {
            self.words[w] |= Bits::word_down(&src.words, w, k);
        }
    }

    /// The smallest number of `other` that is a number of this set plus `k`.
    fn first_meeting_shifted_up(&self, other: &Bits, k: usize) -> Option<usize> {
        (0..other.words.len()).find_map(|w| {
            let both = Bits::word_up(&self.words, w, k) & other.words[w];
            (both != 0).then(|| w * 64 + both.trailing_zeros() as usize)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(list: &[&str]) -> Vec<Decimal> {
        list.iter()
            .map(|a| Decimal::from_str_exact(a).unwrap())
            .collect()
    }

    fn total(a: &str) -> Decimal {
        Decimal::from_str_exact(a).unwrap()
    }

    /// Every subset, by brute force: the items in some subset summing to the total.
    fn brute(total: Decimal, amounts: &[Decimal]) -> Vec<usize> {
        let n = amounts.len();
        let mut out = vec![false; n];
        for mask in 1u32..(1 << n) {
            let sum: Decimal = (0..n)
                .filter(|j| mask & (1 << j) != 0)
                .map(|j| amounts[j])
                .sum();
            if sum == total {
                (0..n)
                    .filter(|j| mask & (1 << j) != 0)
                    .for_each(|j| out[j] = true);
            }
        }
        (0..n).filter(|&j| out[j]).collect()
    }

    #[test]
    fn the_items_of_a_collection_total_are_the_ones_in_a_sum_of_it() {
        // 60.50 + 60.50 + 121.00 = 242.00; 99.95 is in no sum of 242.00.
        let a = amounts(&["60.50", "99.95", "60.50", "121.00"]);
        let sum = vec![0, 2, 3];
        assert_eq!(
            covered(total("242.00"), &a),
            Some((vec![(0, sum.clone()), (2, sum.clone()), (3, sum)], true))
        );
        assert_eq!(covered(total("242.01"), &a), None);
        assert_eq!(covered(total("500.00"), &a), None, "more than all of them");
        assert_eq!(
            covered(total("60.5"), &a),
            Some((vec![(0, vec![0]), (2, vec![2])], true))
        );
    }

    #[test]
    fn subset_sums_agree_with_brute_force() {
        // A fixed pseudo-random walk over amounts of a few cents to a few hundred euros.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..300 {
            let n = 1 + next(11) as usize;
            let coarse = next(2) == 0;
            let a: Vec<Decimal> = (0..n)
                .map(|_| {
                    let cents = if coarse {
                        50 * (1 + next(40))
                    } else {
                        1 + next(90_000)
                    };
                    Decimal::new(cents as i64, 2)
                })
                .collect();
            // A total that is a sum of some of them half the time.
            let t = if next(2) == 0 {
                (0..n)
                    .filter(|_| next(2) == 0)
                    .map(|j| a[j])
                    .sum::<Decimal>()
            } else {
                Decimal::new(1 + next(200_000) as i64, 2)
            };
            if t <= Decimal::ZERO {
                continue;
            }
            let within: Vec<Decimal> = a.iter().copied().filter(|&v| v <= t).collect();
            let want = brute(t, &within);
            let got = covered(t, &within);
            match got {
                Some((got, exact)) => {
                    assert!(exact, "small cases are worked out exactly");
                    let items: Vec<usize> = got.iter().map(|(j, _)| *j).collect();
                    assert_eq!(items, want, "total {t}, amounts {within:?}");
                    // Each item's sum holds it and adds up to the total.
                    for (j, subset) in &got {
                        assert!(subset.contains(j));
                        let sum: Decimal = subset.iter().map(|&k| within[k]).sum();
                        assert_eq!(sum, t, "{j}: {subset:?}");
                    }
                }
                None => assert!(want.is_empty(), "total {t}, amounts {within:?}"),
            }
        }
    }

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
            "Versement espèces",
            "",
        ] {
            assert!(!says_collection(t), "{t}");
        }
    }

    #[test]
    fn a_total_too_large_to_work_out_covers_every_item_it_could() {
        // 2,000 items of odd cents under a 9,999.99 total: 2e9 bits, over the limit.
        let a: Vec<Decimal> = (0..2_000).map(|j| Decimal::new(101 + 2 * j, 2)).collect();
        let (items, exact) = covered(total("9999.99"), &a).unwrap();
        assert!(!exact);
        assert_eq!(items.len(), 2_000);
    }
}
