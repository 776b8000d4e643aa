//! The gate before the agency: an item is claimed only when no money received and not applied
//! could be its payment. Better matching lowers the number of such payments; this gate makes a
//! wrong claim impossible by construction: when in doubt, the item is held, naming the payment.
//!
//! A payment not applied (unidentified, unapplied cash, or in review) holds an item when
//!
//! | signal | fires when | boundary |
//! |---|---|---|
//! | number | its text names the item's number: all its digits, year and sequence, the sequence alone, or its payment reference | digits compared without leading zeros; a sequence needs 3 digits and must stand alone in the text (`F2026-000232` does not name `F2025-000232`) |
//! | number, one off | a number in the text is one digit changed or two adjacent digits swapped from one of those, and the payer or the amount fits too | only numbers of 4 digits or more; in a dense numbering every number is one off from dozens of others, so the typo alone proves nothing; when the number is of our numbering but no invoice has it (a partial ledger), only the amount counts |
//! | amount | it equals the item's open amount or total | the payer is not identified as another debtor |
//! | sum | it equals the debtor's open total, or a sum of two or more of its open items | as above; every subset up to 10 items, else sums oldest first |
//! | payer | the payer's account is one the debtor paid from, or its name is the debtor's (case, punctuation, legal forms, word order ignored), and the amount is none of the debtor's items nor a sum of them | holds every item issued before the payment: it may be a part payment of any; not when its text names an invoice of the ledger's numbering that the ledger does not have (it designates that one) |
//!
//! and it was booked on or after the item's issue date, in the item's currency. A person's
//! decision releases the hold: allocating the payment, or `incasso unallocate PAYMENT ITEM`
//! ("not this payment"), or `incasso unallocate PAYMENT` (it pays none of our invoices).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ageing::OpenItem;
use crate::ids::DebtorId;
use crate::matching::names::name_key;
use crate::model::Debtor;
use crate::money::{format_cents, Currency};

/// Rule id in the excluded list.
pub const RULE: &str = "possible-payment";

/// Most items whose every subset sum is compared with the payments.
const SUBSET_LIMIT: usize = 10;

/// Money received and not applied, as the gate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unapplied {
    /// The payment's id.
    pub id: String,
    /// Booking date.
    pub date: NaiveDate,
    /// The part not applied.
    pub amount: Decimal,
    /// Currency.
    pub currency: Currency,
    /// The payer, when matching identified one.
    pub debtor: Option<DebtorId>,
    /// Remittance text and structured reference, as the bank gave them.
    pub text: String,
    /// The payer's name.
    pub name: Option<String>,
    /// The payer's account (IBAN, compact).
    pub account: Option<String>,
    /// Normalised numbers of documents a person said it does not pay.
    pub not_for: Vec<String>,
    /// Debtors of the ledger's documents whose full number (or payment reference) its text names:
    /// a payment naming a settled document of the debtor is an overpayment of that one, not a
    /// part payment of the others.
    pub names_documents_of: Vec<DebtorId>,
    /// An invoice number of the ledger's shape its text names that no document has: it
    /// designates that invoice, so it is no part payment of the debtor's others (a number one
    /// edit from an item, or an exact amount, still holds that item).
    pub names_missing: Option<String>,
}

/// Every document's full numbers (all digits, year and sequence, payment reference) and its
/// debtor, to find the debtors a payment's text names ([`debtors_named`]).
pub fn number_index<'a>(
    docs: impl Iterator<Item = (&'a str, Option<&'a str>, &'a DebtorId)>,
) -> HashMap<String, DebtorId> {
    let mut out = HashMap::new();
    for (number, reference, debtor) in docs {
        for k in keys(number, reference) {
            out.insert(k, debtor.clone());
        }
    }
    out
}

/// The debtors whose documents a text names by full number.
pub fn debtors_named(text: &str, index: &HashMap<String, DebtorId>) -> Vec<DebtorId> {
    let mut out: Vec<DebtorId> = tokens(text)
        .iter()
        .filter_map(|t| index.get(t).cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why an item (or a debtor's items) may already be paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The payment that may have paid it.
    pub payment: String,
    /// The reason, naming the payment.
    pub reason: String,
}

/// How a number in a payment's text differs from one of the item's.
#[derive(Clone, Copy)]
enum Fit {
    Changed,
    Swapped,
}

/// The unapplied payments, indexed by every signal.
pub struct Gate {
    payments: Vec<Unapplied>,
    exact: HashMap<String, Vec<u32>>,
    lone: HashMap<String, Vec<u32>>,
    fuzzy: HashMap<String, Vec<(u32, Fit)>>,
    amounts: HashMap<(Currency, Decimal), Vec<u32>>,
    accounts: HashMap<String, Vec<u32>>,
    names: HashMap<String, Vec<u32>>,
}

/// Digit runs of a text that stand alone (not joined to another run by `-`, `/`, `.`, `_`),
/// without leading zeros: a sequence number written without its year.
fn lone_runs(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let sep = |c: u8| matches!(c, b'-' | b'/' | b'.' | b'_');
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let before = start >= 2 && sep(b[start - 1]) && b[start - 2].is_ascii_digit();
        let after = i + 1 < b.len() && sep(b[i]) && b[i + 1].is_ascii_digit();
        let run = text[start..i].trim_start_matches('0');
        if !before && !after && run.len() >= 3 {
            out.push(run.to_string());
        }
    }
    out
}

/// Digit runs of a text without leading zeros, and each pair of runs joined by one separator
/// (`2025-0123` also gives `20250123` and `2025123`).
fn tokens(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let runs = crate::matching::numbers::digit_runs(text);
    let strip = |s: &str| s.trim_start_matches('0').to_string();
    let mut out: Vec<String> = runs.iter().map(|&(a, b)| strip(&text[a..b])).collect();
    let joined = |a: (usize, usize), b: (usize, usize)| {
        b.0 == a.1 + 1 && matches!(bytes[a.1], b'-' | b'/' | b'.' | b' ' | b'_')
    };
    for w in runs.windows(2) {
        let ((a0, a1), (b0, b1)) = (w[0], w[1]);
        if joined(w[0], w[1]) {
            out.push(strip(&format!("{}{}", &text[a0..a1], &text[b0..b1])));
            out.push(strip(&format!("{}{}", &text[a0..a1], strip(&text[b0..b1]))));
        }
    }
    // A reference written in groups ("5000 0000 0000 0011"): the whole chain of runs.
    let mut start = 0;
    for i in 1..=runs.len() {
        if i == runs.len() || !joined(runs[i - 1], runs[i]) {
            if i - start > 2 {
                let digits: String = runs[start..i].iter().map(|&(a, b)| &text[a..b]).collect();
                out.push(strip(&digits));
            }
            start = i;
        }
    }
    out.retain(|t| t.len() >= 3);
    out.sort_unstable();
    out.dedup();
    out
}

/// The sequence an item is known by without its year (`F2025-005312` gives `5312`), when its
/// number has a year or prefix group.
fn sequence(number: &str) -> Option<String> {
    let groups: Vec<&str> = number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let last = groups.last()?.trim_start_matches('0');
    (groups.len() >= 2 && last.len() >= 3).then(|| last.to_string())
}

/// The numbers an item is known by in full: all its digits, year and sequence, and its payment
/// reference, without leading zeros.
fn keys(number: &str, reference: Option<&str>) -> Vec<String> {
    let groups: Vec<&str> = number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let strip = |s: &str| s.trim_start_matches('0').to_string();
    let mut out = vec![strip(&groups.concat())];
    if groups.len() >= 2 {
        out.push(strip(&format!(
            "{}{}",
            groups[0],
            strip(groups[groups.len() - 1])
        )));
    }
    if let Some(r) = reference {
        let digits: String = r.chars().filter(char::is_ascii_digit).collect();
        out.push(strip(&digits));
    }
    out.retain(|k| k.len() >= 3);
    out.sort_unstable();
    out.dedup();
    out
}

/// Every number one digit changed, or two adjacent digits swapped, from `t`.
fn neighbours(t: &str) -> Vec<(String, Fit)> {
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len() * 10);
    for i in 0..b.len() {
        for d in b'0'..=b'9' {
            if d != b[i] && !(i == 0 && d == b'0') {
                let mut v = b.to_vec();
                v[i] = d;
                out.push((String::from_utf8(v).expect("digits"), Fit::Changed));
            }
        }
        if i + 1 < b.len() && b[i] != b[i + 1] && !(i == 0 && b[i + 1] == b'0') {
            let mut v = b.to_vec();
            v.swap(i, i + 1);
            out.push((String::from_utf8(v).expect("digits"), Fit::Swapped));
        }
    }
    out
}

fn compact_account(a: &str) -> String {
    a.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

impl Gate {
    /// Indexes the payments (in booking order, so the first hold found is the oldest payment).
    pub fn new(mut payments: Vec<Unapplied>) -> Gate {
        payments.retain(|p| p.amount > Decimal::ZERO);
        payments.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let mut g = Gate {
            payments: Vec::new(),
            exact: HashMap::new(),
            lone: HashMap::new(),
            fuzzy: HashMap::new(),
            amounts: HashMap::new(),
            accounts: HashMap::new(),
            names: HashMap::new(),
        };
        for (i, p) in payments.iter().enumerate() {
            let i = i as u32;
            for t in tokens(&p.text) {
                if t.len() >= 4 {
                    for (n, fit) in neighbours(&t) {
                        g.fuzzy.entry(n).or_default().push((i, fit));
                    }
                }
                g.exact.entry(t).or_default().push(i);
            }
            for t in lone_runs(&p.text) {
                g.lone.entry(t).or_default().push(i);
            }
            g.amounts
                .entry((p.currency, p.amount.normalize()))
                .or_default()
                .push(i);
            if let Some(a) = &p.account {
                g.accounts.entry(compact_account(a)).or_default().push(i);
            }
            if let Some(k) = p.name.as_deref().map(name_key).filter(|k| !k.is_empty()) {
                g.names.entry(k).or_default().push(i);
            }
        }
        g.payments = payments;
        g
    }

    /// Whether nothing could hold anything.
    pub fn is_empty(&self) -> bool {
        self.payments.is_empty()
    }

    fn eligible(&self, i: u32, item: &OpenItem<'_>, other_debtor_ok: bool) -> bool {
        let p = &self.payments[i as usize];
        p.currency == item.currency
            && p.date >= item.issue_date
            && (other_debtor_ok || p.debtor.as_ref().is_none_or(|d| d == item.debtor))
            && !p
                .not_for
                .iter()
                .any(|n| n.as_str() == item.number.normalised().as_ref())
    }

    fn hold(&self, i: u32, why: String) -> Hold {
        let p = &self.payments[i as usize];
        let text: String = p.text.chars().take(80).collect();
        Hold {
            payment: p.id.clone(),
            reason: format!(
                "possible payment {} of {} {} on {}, text '{}': {why}",
                p.id,
                p.currency,
                format_cents(p.amount),
                p.date,
                text.trim()
            ),
        }
    }

    /// Whether the payer is the debtor (account or name) or the amount is the item's.
    fn payer_or_amount_fits(&self, i: u32, item: &OpenItem<'_>, debtor: &Debtor) -> bool {
        let p = &self.payments[i as usize];
        let amount = p.amount == item.open || p.amount == item.total;
        let account = p.account.as_deref().is_some_and(|a| {
            let a = compact_account(a);
            debtor
                .ibans
                .iter()
                .any(|i| compact_account(i.as_str()) == a)
        });
        let name = match (p.name.as_deref(), debtor.name.as_deref()) {
            (Some(a), Some(b)) => {
                let (a, b) = (name_key(a), name_key(b));
                !a.is_empty() && a == b
            }
            _ => false,
        };
        let identified = p.debtor.as_ref() == Some(item.debtor);
        // A payment naming an invoice of our numbering that we do not have (a partial ledger)
        // is one digit off from many of ours: only its amount can say it meant one of them.
        if p.names_missing.is_some() {
            return amount;
        }
        amount || account || name || identified
    }

    /// The first payment that may have paid the item, if any.
    pub fn item(
        &self,
        item: &OpenItem<'_>,
        reference: Option<&str>,
        debtor: &Debtor,
    ) -> Option<Hold> {
        if self.is_empty() {
            return None;
        }
        let mut best: Option<(u32, String)> = None;
        let mut consider = |i: u32, why: String| {
            if best.as_ref().is_none_or(|(b, _)| i < *b) {
                best = Some((i, why));
            }
        };
        // A payer identified as another debtor who names this item: a typo, unless the amount
        // is this item's too.
        let named_by = |i: u32| {
            let p = &self.payments[i as usize];
            p.debtor.as_ref().is_none_or(|d| d == item.debtor)
                || p.amount == item.open
                || p.amount == item.total
        };
        if let Some(seq) = sequence(item.number.as_str()) {
            for &i in self.lone.get(&seq).into_iter().flatten() {
                if self.eligible(i, item, true) && named_by(i) {
                    consider(
                        i,
                        format!("its text names {seq}, the sequence of {}", item.number),
                    );
                }
            }
        }
        let full = keys(item.number.as_str(), reference);
        for k in &full {
            for &i in self.exact.get(k).into_iter().flatten() {
                if self.eligible(i, item, true) && named_by(i) {
                    consider(i, format!("its text names {}", item.number));
                }
            }
        }
        for k in full.iter().chain(sequence(item.number.as_str()).as_ref()) {
            if k.len() >= 4 {
                for &(i, fit) in self.fuzzy.get(k).into_iter().flatten() {
                    if self.eligible(i, item, true) && self.payer_or_amount_fits(i, item, debtor) {
                        let how = match fit {
                            Fit::Swapped => "two digits swapped",
                            Fit::Changed => "one digit off",
                        };
                        consider(
                            i,
                            format!("its text names a number {how} from {}", item.number),
                        );
                    }
                }
            }
        }
        for amount in [item.open, item.total] {
            for &i in self
                .amounts
                .get(&(item.currency, amount.normalize()))
                .into_iter()
                .flatten()
            {
                if self.eligible(i, item, false) {
                    consider(
                        i,
                        format!(
                            "the amount is the {} of {}",
                            if amount == item.open {
                                "open amount"
                            } else {
                                "total"
                            },
                            item.number
                        ),
                    );
                }
            }
        }
        best.map(|(i, why)| self.hold(i, why))
    }

    /// Payments from the debtor (its account or name) whose amount is none of its open items nor
    /// a sum of them: each may be a part payment of any item issued before it, so those are held.
    /// `open` is every open invoice of the debtor; `items` the ones that would be claimed.
    pub fn payer(
        &self,
        debtor: &Debtor,
        open: &[&OpenItem<'_>],
        items: &[&OpenItem<'_>],
    ) -> Vec<(usize, Hold)> {
        if self.is_empty() || items.is_empty() {
            return Vec::new();
        }
        let mut from_debtor: Vec<(u32, String)> = Vec::new();
        for acc in &debtor.ibans {
            for &i in self
                .accounts
                .get(&compact_account(acc.as_str()))
                .into_iter()
                .flatten()
            {
                from_debtor.push((
                    i,
                    format!("paid from the debtor's account {}", acc.as_str()),
                ));
            }
        }
        if let Some(k) = debtor
            .name
            .as_deref()
            .map(name_key)
            .filter(|k| !k.is_empty())
        {
            for &i in self.names.get(&k).into_iter().flatten() {
                from_debtor.push((i, "the payer's name is the debtor's".to_string()));
            }
        }
        from_debtor.sort_by_key(|(i, _)| *i);
        from_debtor.dedup_by_key(|(i, _)| *i);
        if from_debtor.is_empty() {
            return Vec::new();
        }
        let sums: HashSet<Decimal> = subset_sums(open)
            .into_iter()
            .map(|(_, s)| s.normalize())
            .collect();
        let mut out: Vec<(usize, Hold)> = Vec::new();
        for (i, why) in from_debtor {
            let p = &self.payments[i as usize];
            if p.debtor.as_ref().is_some_and(|d| d != &debtor.id) {
                continue;
            }
            let explained = open
                .iter()
                .any(|it| p.amount == it.open || p.amount == it.total)
                || sums.contains(&p.amount.normalize())
                || p.names_documents_of.contains(&debtor.id)
                || p.names_missing.is_some();
            if explained {
                continue;
            }
            for (j, it) in items.iter().enumerate() {
                if out.iter().any(|(k, _)| *k == j) || !self.eligible(i, it, false) {
                    continue;
                }
                out.push((
                    j,
                    self.hold(
                        i,
                        format!("{why}, and its amount fits no single item: it may be a part payment of {}", it.number),
                    ),
                ));
            }
        }
        out
    }

    /// A payment equal to the debtor's open total or to a sum of two or more of its items: the
    /// items it may have paid (indices into `items`) and why.
    pub fn debtor_sums(&self, items: &[&OpenItem<'_>]) -> Option<(Vec<usize>, Hold)> {
        if self.is_empty() || items.len() < 2 {
            return None;
        }
        let currency = items[0].currency;
        let mut best: Option<(u32, u64)> = None;
        for (mask, sum) in subset_sums(items) {
            for &i in self
                .amounts
                .get(&(currency, sum.normalize()))
                .into_iter()
                .flatten()
            {
                let all_eligible = (0..items.len())
                    .filter(|j| mask & (1 << j) != 0)
                    .all(|j| self.eligible(i, items[j], false));
                if all_eligible && best.is_none_or(|(b, _)| i < b) {
                    best = Some((i, mask));
                }
            }
        }
        let (i, mask) = best?;
        let held: Vec<usize> = (0..items.len()).filter(|j| mask & (1 << j) != 0).collect();
        let names: Vec<&str> = held.iter().map(|&j| items[j].number.as_str()).collect();
        let why = format!("the amount is the sum of {}", names.join(" + "));
        Some((held, self.hold(i, why)))
    }
}

/// The sums of two or more of the items' open amounts, each with its subset as a bit mask: every
/// subset up to [`SUBSET_LIMIT`] items (each sum from a smaller one, so 2^n additions), else the
/// sums oldest first. Sums that overflow are left out.
fn subset_sums(items: &[&OpenItem<'_>]) -> Vec<(u64, Decimal)> {
    let n = items.len();
    if n < 2 {
        return Vec::new();
    }
    if n <= SUBSET_LIMIT {
        let mut sums: Vec<Option<Decimal>> = vec![Some(Decimal::ZERO); 1 << n];
        let mut out = Vec::with_capacity(1 << n);
        for mask in 1usize..(1 << n) {
            let low = mask & mask.wrapping_neg();
            let j = low.trailing_zeros() as usize;
            sums[mask] = sums[mask ^ low].and_then(|s| s.checked_add(items[j].open));
            if mask.count_ones() >= 2 {
                if let Some(sum) = sums[mask] {
                    out.push((mask as u64, sum));
                }
            }
        }
        out
    } else {
        let mut sum = Decimal::ZERO;
        let mut out = Vec::with_capacity(n);
        for (j, it) in items.iter().enumerate().take(63) {
            match sum.checked_add(it.open) {
                Some(s) => sum = s,
                None => break,
            }
            if j >= 1 {
                out.push(((1u64 << (j + 1)) - 1, sum));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DocumentNumber, Iban};
    use crate::model::{DocumentKind, DocumentStatus, Provenance};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn pay(id: &str, date: &str, amount: &str, text: &str) -> Unapplied {
        Unapplied {
            id: id.into(),
            date: d(date),
            amount: Decimal::from_str_exact(amount).unwrap(),
            currency: Currency::EUR,
            debtor: None,
            text: text.into(),
            name: None,
            account: None,
            not_for: vec![],
            names_documents_of: vec![],
            names_missing: None,
        }
    }

    struct Fixture {
        number: DocumentNumber,
        debtor: DebtorId,
        provenance: Provenance,
    }

    fn fixture(number: &str) -> Fixture {
        Fixture {
            number: DocumentNumber::new(number).unwrap(),
            debtor: DebtorId::new("D1").unwrap(),
            provenance: super::super::tests::provenance(),
        }
    }

    fn item<'a>(f: &'a Fixture, open: &str, issued: &str) -> OpenItem<'a> {
        OpenItem {
            kind: DocumentKind::Invoice,
            number: &f.number,
            debtor: &f.debtor,
            currency: Currency::EUR,
            total: Decimal::from_str_exact(open).unwrap(),
            open: Decimal::from_str_exact(open).unwrap(),
            issue_date: d(issued),
            due_date: d(issued) + chrono::Days::new(30),
            days_overdue: 60,
            status: DocumentStatus::Open,
            provenance: &f.provenance,
        }
    }

    fn debtor(name: &str, iban: Option<&str>) -> Debtor {
        let mut deb = Debtor::new(DebtorId::new("D1").unwrap());
        deb.name = Some(name.into());
        deb.ibans = iban.map(|i| Iban::parse(i).unwrap()).into_iter().collect();
        deb
    }

    /// The boundary table: (id, payment, item number, open, debtor name, held?).
    #[test]
    fn boundaries() {
        let other = DebtorId::new("D9").unwrap();
        let mut elsewhere = pay("P", "2026-03-01", "551.21", "F2025-005312");
        elsewhere.debtor = Some(other.clone());
        let mut typo_elsewhere = pay("P", "2026-03-01", "999.99", "F2025-005312");
        typo_elsewhere.debtor = Some(other.clone());
        let mut other_by_amount = pay("P", "2026-03-01", "551.21", "");
        other_by_amount.debtor = Some(other);
        let mut named = pay("P", "2026-03-01", "1.00", "");
        named.name = Some("ZON BAKKERIJ DE BV".into());
        let mut from_account = pay("P", "2026-03-01", "1.00", "");
        from_account.account = Some("NL91 ABNA 0417 1643 00".into());
        let mut said_no = pay("P", "2026-03-01", "551.21", "F2025-005312");
        said_no.not_for = vec!["F2025-005312".into()];
        let table: Vec<(&str, Unapplied, &str, &str, bool)> = vec![
            (
                "exact",
                pay("P", "2026-03-01", "10.00", "F2025-005312"),
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "no prefix",
                pay("P", "2026-03-01", "10.00", "factuur 2025-5312"),
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "sequence only",
                pay("P", "2026-03-01", "10.00", "fact nr 5312"),
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "one digit off",
                pay("P", "2026-03-01", "551.21", "F2025-005313"),
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "one digit off, nothing else fits",
                pay("P", "2026-03-01", "10.00", "F2025-005313"),
                "F2025-005312",
                "551.21",
                false,
            ),
            (
                "swapped",
                pay("P", "2026-03-01", "551.21", "5321"),
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "two digits off",
                pay("P", "2026-03-01", "551.21", "5344"),
                "F2025-005312",
                "551.20",
                false,
            ),
            (
                "short sequence",
                pay("P", "2026-03-01", "10.00", "12"),
                "F2025-000012",
                "551.21",
                false,
            ),
            (
                "amount",
                pay("P", "2026-03-01", "551.21", "betaling"),
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "amount, a cent off",
                pay("P", "2026-03-01", "551.20", "betaling"),
                "F2025-005312",
                "551.21",
                false,
            ),
            (
                "before the invoice",
                pay("P", "2025-01-01", "551.21", "F2025-005312"),
                "F2025-005312",
                "551.21",
                false,
            ),
            (
                "other debtor names it, its amount",
                elsewhere,
                "F2025-005312",
                "551.21",
                true,
            ),
            (
                "other debtor names it, another amount",
                typo_elsewhere,
                "F2025-005312",
                "551.21",
                false,
            ),
            (
                "other debtor, same amount",
                other_by_amount,
                "F2025-005312",
                "551.21",
                false,
            ),
            ("not this payment", said_no, "F2025-005312", "551.21", false),
        ];
        for (id, p, number, open, want) in table {
            let gate = Gate::new(vec![p]);
            let f = fixture(number);
            let it = item(&f, open, "2025-12-01");
            let deb = debtor("Bakkerij De Zon B.V.", Some("NL91ABNA0417164300"));
            let got = gate.item(&it, None, &deb);
            assert_eq!(got.is_some(), want, "{id}: {got:?}");
        }
        // The payer: its name or account is the debtor's.
        let deb = debtor("Bakkerij De Zon B.V.", Some("NL91ABNA0417164300"));
        let (f1, f2) = (fixture("F2025-005312"), fixture("F2025-005313"));
        let items = [
            item(&f1, "551.21", "2025-12-01"),
            item(&f2, "100.00", "2025-12-01"),
        ];
        let refs: Vec<&OpenItem<'_>> = items.iter().collect();
        for (id, p, held) in [
            ("name, a part payment", named.clone(), 2),
            ("account, a part payment", from_account.clone(), 2),
            (
                "name, the amount of one item",
                Unapplied {
                    amount: Decimal::from(100),
                    ..named.clone()
                },
                0,
            ),
            (
                "name, the sum of both",
                Unapplied {
                    amount: Decimal::from_str_exact("651.21").unwrap(),
                    ..named.clone()
                },
                0,
            ),
            (
                "name, a repeat of a settled invoice",
                Unapplied {
                    names_documents_of: vec![deb.id.clone()],
                    ..named.clone()
                },
                0,
            ),
            (
                "name, naming an invoice the ledger does not have",
                Unapplied {
                    names_missing: Some("F2025-0123".into()),
                    ..named
                },
                0,
            ),
        ] {
            assert_eq!(
                Gate::new(vec![p]).payer(&deb, &refs, &refs).len(),
                held,
                "{id}"
            );
        }
        // An amount that is one item's is held by the item itself.
        let by_amount = Gate::new(vec![pay("P", "2026-03-01", "100.00", "")]);
        assert!(by_amount.item(&items[1], None, &deb).is_some());
        assert!(by_amount.item(&items[0], None, &deb).is_none());
        // A sequence joined to another year names that year's invoice only.
        let other_year = Gate::new(vec![pay("P", "2026-03-01", "9.00", "Factuur F2026-005312")]);
        assert!(other_year.item(&items[0], None, &deb).is_none());
    }

    #[test]
    fn the_reason_names_the_payment_and_the_oldest_wins() {
        let gate = Gate::new(vec![
            pay("R2", "2025-12-05", "551.21", ""),
            pay("R3780f8", "2025-12-03", "551.21", "F2025-005312"),
        ]);
        let f = fixture("F2025-005312");
        let it = item(&f, "551.21", "2025-11-01");
        let h = gate.item(&it, None, &debtor("X", None)).unwrap();
        assert_eq!(h.payment, "R3780f8");
        assert_eq!(
            h.reason,
            "possible payment R3780f8 of EUR 551.21 on 2025-12-03, text 'F2025-005312': its text names F2025-005312"
        );
        // The payment reference (betalingskenmerk) is a number of the item too.
        let by_ref = Gate::new(vec![pay("R9", "2025-12-03", "1.00", "5000 0000 0000 0011")]);
        assert!(by_ref
            .item(&it, Some("5000000000000011"), &debtor("X", None))
            .is_some());
    }

    #[test]
    fn sums_of_a_debtors_items() {
        let fs = [fixture("F1001"), fixture("F1002"), fixture("F1003")];
        let items = [
            item(&fs[0], "100.00", "2026-01-01"),
            item(&fs[1], "250.00", "2026-01-01"),
            item(&fs[2], "75.50", "2026-01-01"),
        ];
        let refs: Vec<&OpenItem<'_>> = items.iter().collect();
        let gate = Gate::new(vec![pay("P1", "2026-03-01", "175.50", "")]);
        let (held, h) = gate.debtor_sums(&refs).unwrap();
        assert_eq!(held, vec![0, 2]);
        assert!(
            h.reason.ends_with("the amount is the sum of F1001 + F1003"),
            "{}",
            h.reason
        );
        let total = Gate::new(vec![pay("P1", "2026-03-01", "425.50", "")]);
        assert_eq!(total.debtor_sums(&refs).unwrap().0, vec![0, 1, 2]);
        let none = Gate::new(vec![pay("P1", "2026-03-01", "425.49", "")]);
        assert!(none.debtor_sums(&refs).is_none());
    }
}
