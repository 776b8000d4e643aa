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
//! | payer | the payer's account is one the debtor paid from, or its name is the debtor's (case, punctuation, legal forms, word order ignored), and the amount is none of the debtor's items nor a sum of them | holds every item issued before the payment: it may be a part payment of any, or, in another currency, any paid converted; not when its text names an invoice of the ledger's numbering that the ledger does not have (it designates that one) |
//! | no payer | nobody identified, from no account or the one it was booked to, no debtor's name, and it equals a sum of invoices open in full of any debtors | invoices issued from 92 days before it to 30 days after; rests, and invoices less a credit note, only when its text says it is a collection; subset sums exact up to 2^27 bits, else every invoice it could cover (`batch.rs`) |
//! | booked after the as-of date | nothing was matched to it, so it is weighed whole | only the number signals, and the amount for the debtor its account names: by amount or payer alone it is as likely the payment of an invoice issued since |
//!
//! and it was booked at most 30 days before the item's issue date (paid ahead), in the item's
//! currency; a payment whose text names the item (its number or sequence) holds it whatever its
//! currency. A person's
//! decision releases the hold: allocating the payment, or `incasso unallocate PAYMENT ITEM`
//! ("not this payment"), or `incasso unallocate PAYMENT` (it pays none of our invoices).

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ageing::OpenItem;
use crate::ids::{compact_account, no_payer_account, DebtorId};
use crate::matching::names::name_key;
use crate::model::Debtor;
use crate::money::{format_cents, Currency};

/// Rule id in the excluded list.
pub const RULE: &str = "possible-payment";

/// How many days before an item's issue date a payment may still be its payment (paid ahead,
/// on a quotation or a pro forma).
const PREPAID_DAYS: u64 = 30;

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
    /// Booked after the as-of date, so nothing was matched to it: it holds the items its text
    /// names (a number, or one a digit off), and by its amount only an item of the debtor its
    /// account says paid it, since by amount or payer alone it is as likely the payment of an
    /// invoice issued since as of one open then.
    pub later: bool,
    /// The creditor's own account the money was booked to: a payer's account equal to it is the
    /// bank's own collective entry (a collection batch booked with it as counterparty).
    pub booked_to: Option<String>,
    /// Normalised numbers of the documents a match in review proposes it pays, with the
    /// proposal's confidence: until a person decides, each may be paid.
    pub proposed: Vec<(String, u8)>,
    /// Debtors the account it came from is known for (learned from the history, not only the
    /// ledger's) where its name is another debtor's: it may be theirs (review 44c, F-5).
    pub account_of: Vec<DebtorId>,
}

/// The debtor of every document whose full number (all digits, year and sequence, payment
/// reference) a payment's text names, to find the debtors a text names ([`debtors_named`]); and
/// where an API's second record with one number has it as its source wrote it, that debtor too.
#[derive(Debug, Default)]
pub struct NumberIndex(FxHashMap<Num, Vec<DebtorId>>);

/// Builds the [`NumberIndex`] for `texts`: only numbers the texts hold are kept, so a million
/// documents are checked against a few thousand payments' numbers, not indexed whole; each
/// number's debtor is the last document's with it. `also`: numbers as an API's source wrote
/// those it marked ([`crate::ids::DocumentNumber::unmarked`]), whose debtors are added to those.
pub fn number_index<'a>(
    docs: impl Iterator<Item = (&'a str, Option<&'a str>, &'a DebtorId)>,
    also: impl Iterator<Item = (&'a str, &'a DebtorId)>,
    texts: impl Iterator<Item = &'a str>,
) -> NumberIndex {
    let named: rustc_hash::FxHashSet<Num> = texts.flat_map(tokens).map(|t| Num::of(&t)).collect();
    let mut out: FxHashMap<Num, Vec<DebtorId>> = FxHashMap::default();
    if named.is_empty() {
        return NumberIndex(out);
    }
    for (number, reference, debtor) in docs {
        for k in key_nums(number, reference) {
            if named.contains(&k) {
                out.insert(k, vec![debtor.clone()]);
            }
        }
    }
    for (number, debtor) in also {
        for k in key_nums(number, None) {
            if named.contains(&k) {
                let debtors = out.entry(k).or_default();
                if !debtors.contains(debtor) {
                    debtors.push(debtor.clone());
                }
            }
        }
    }
    NumberIndex(out)
}

/// The debtors whose documents a text names by full number.
pub fn debtors_named(text: &str, index: &NumberIndex) -> Vec<DebtorId> {
    let mut out: Vec<DebtorId> = tokens(text)
        .iter()
        .filter_map(|t| index.0.get(&Num::of(t)))
        .flatten()
        .cloned()
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

/// A number as the gate indexes it: digits without leading zeros, as an integer when there are
/// at most 38 of them (so looking up a thousand near numbers per item hashes integers, not
/// text), else as the digits themselves. Equal digits give equal keys, and for digits of one
/// length the order is the text's order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Num {
    Small(i128),
    Long(String),
}

impl Num {
    /// The key of a run of digits without leading zeros.
    fn of(digits: &str) -> Num {
        if digits.len() <= 38 {
            // At most 38 digits fit in an i128 (its largest value has 39).
            Num::Small(
                digits
                    .bytes()
                    .fold(0i128, |n, b| n * 10 + i128::from(b - b'0')),
            )
        } else {
            Num::Long(digits.to_string())
        }
    }
}

impl std::hash::Hash for Num {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            // One word: the derived hash feeds the enum's tag and sixteen bytes one by one.
            Num::Small(n) => state.write_u64(fold(*n)),
            Num::Long(s) => s.hash(state),
        }
    }
}

/// The unapplied payments, indexed by every signal.
pub struct Gate {
    payments: Vec<Unapplied>,
    exact: FxHashMap<Num, Vec<u32>>,
    lone: FxHashMap<Num, Vec<u32>>,
    amounts: FxHashMap<(Currency, Decimal), Vec<u32>>,
    accounts: FxHashMap<String, Vec<u32>>,
    names: FxHashMap<String, Vec<u32>>,
    /// Each payment's account, compact, and its payer's name key (empty when none).
    payer_keys: Vec<(Option<String>, String)>,
    /// Whether each payment names no payer by account ([`no_payer_account`]).
    no_payer_account: Vec<bool>,
    /// Each payment's debtor as [`debtor_word`] gives it: a debtor's payments are picked out of
    /// a name's or an account's list by a word, not by comparing ids.
    debtor_words: Vec<u64>,
    /// Two bits in one word per [`filter_bits`] of every number in `exact`: most near numbers
    /// of a key are in no text, and this bitmap says so without a look into the table, from
    /// one word (one cache line) per number.
    filter: Vec<u64>,
    /// Words in `filter`, as a power of two: a quarter word per number (at least 16,384 words,
    /// 128 KB), so about 1.4% of near numbers pass it wrongly however many payments wait.
    filter_log2: u32,
    /// Numbers (normalised) of an API's marked documents whose number as their source wrote it
    /// another document has: a payment naming that number may be theirs too.
    twins: HashSet<String>,
    /// The payments a match in review proposes for a document, by its normalised number.
    proposals: FxHashMap<String, Vec<u32>>,
    /// The payments whose text names a sequence of one or two digits after an invoice word
    /// ([`marked_short_runs`]), by that sequence.
    short: FxHashMap<u8, Vec<u32>>,
    /// The payments whose account is known as a debtor's while their name is another's, by
    /// that debtor ([`Unapplied::account_of`]).
    account_of: FxHashMap<DebtorId, Vec<u32>>,
}

/// Fewest words in [`Gate::filter`], as a power of two.
const FILTER_MIN_LOG2: u32 = 14;

/// A word for a payment's debtor: 0 for none, odd for one (equal for one debtor; for two,
/// equal only by chance, so the ids are compared then).
fn debtor_word(debtor: Option<&DebtorId>) -> u64 {
    debtor.map_or(0, |d| {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(d.as_str()) | 1
    })
}

/// A number's 128 bits folded into one word.
fn fold(n: i128) -> u64 {
    (n as u64) ^ ((n >> 64) as u64).rotate_left(29)
}

/// The word of [`Gate::filter`] a number sets bits in (`log2`: the filter's words, a power of
/// two), and those two bits.
fn filter_bits(n: i128, log2: u32) -> (usize, u64) {
    let h = fold(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let word = (h >> (64 - log2)) as usize;
    // The bits from the middle of the hash: its low bits only mix the number's low bits, and
    // its top bits choose the word.
    (
        word,
        (1u64 << ((h >> 20) & 63)) | (1u64 << ((h >> 26) & 63)),
    )
}

/// The debtor as a payment's payer is compared with it: accounts compact, the name's key (worked
/// out once per debtor, not per item).
pub struct Payer<'a> {
    debtor: &'a Debtor,
    accounts: Vec<String>,
    name: String,
}

impl<'a> Payer<'a> {
    /// The debtor's keys.
    pub fn of(debtor: &'a Debtor) -> Payer<'a> {
        Payer {
            debtor,
            accounts: debtor
                .ibans
                .iter()
                .map(|i| compact_account(i.as_str()))
                .collect(),
            name: debtor.name.as_deref().map(name_key).unwrap_or_default(),
        }
    }
}

/// Words that say the number after them is an invoice's (`factuur 13`, `nr. 0013`, `F13`).
const INVOICE_WORDS: &[&str] = &[
    "f",
    "fa",
    "fac",
    "fact",
    "factuur",
    "factuurnr",
    "factuurnummer",
    "fnr",
    "nr",
    "no",
    "nummer",
    "rekening",
    "inv",
    "invoice",
    "rechnung",
    "rechnungsnr",
    "rechnungsnummer",
    "facture",
    "facturen",
    "factuurnrs",
    "nota",
    "invoices",
    "n",
];

/// What may stand between the numbers of a list after an invoice word (`facturen 13 en 14`,
/// `13+14`, `12, 13`).
fn joins_a_list(between: &str) -> bool {
    let words: Vec<&str> = between
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '+' | '&' | '/' | ';'))
        .filter(|w| !w.is_empty())
        .collect();
    words.len() <= 1
        && words
            .iter()
            .all(|w| matches!(w.to_ascii_lowercase().as_str(), "en" | "and" | "und" | "et"))
        && !between.trim().is_empty()
}

/// Sequence numbers of one or two digits a text gives right after an invoice word
/// ([`INVOICE_WORDS`]), without leading zeros: `factuur 13`, `fact. nr. 0013` and `F13` give
/// 13. Shorter than the runs [`lone_runs`] takes, they count only so marked, and never as part
/// of a date or an amount (`13-05`, `13,50`).
fn marked_short_runs(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // The end of the latest run an invoice word marked, to read a list after it.
    let mut list_end: Option<usize> = None;
    for (start, i) in crate::matching::numbers::digit_runs(text) {
        let run = text[start..i].trim_start_matches('0');
        let joined_after = i + 1 < b.len()
            && matches!(b[i], b'-' | b'/' | b'.' | b',' | b'_' | b':')
            && b[i + 1].is_ascii_digit();
        let short = !run.is_empty() && run.len() <= 2 && i - start <= 4;
        if joined_after || !short {
            list_end = None;
            continue;
        }
        let listed = list_end.is_some_and(|e| joins_a_list(&text[e..start]));
        // Back over at most three separators (a `#` marks by itself; `°` of `n°` is two
        // bytes), then the word before them.
        let mut j = start;
        let mut seps = 0;
        let mut hash = false;
        while j > 0
            && seps < 4
            && matches!(
                b[j - 1],
                b' ' | b'.' | b':' | b'#' | b'-' | 0xB0 | 0xBA | 0xC2
            )
        {
            hash |= b[j - 1] == b'#';
            j -= 1;
            seps += 1;
        }
        let end = j;
        while j > 0 && b[j - 1].is_ascii_alphabetic() {
            j -= 1;
        }
        let word = text.get(j..end).unwrap_or("").to_ascii_lowercase();
        if listed || hash || INVOICE_WORDS.contains(&word.as_str()) {
            out.push(run.parse::<u8>().unwrap_or(0));
            list_end = Some(i);
        } else {
            list_end = None;
        }
    }
    out.retain(|&n| n > 0);
    out.sort_unstable();
    out.dedup();
    out
}

/// The sequence of an invoice number of one or two digits after its leading zeros, where its
/// number has a year or series before it (`F2026-0013` gives 13).
fn short_sequence(number: &str) -> Option<u8> {
    let last = last_of_several_groups(number)?;
    (!last.is_empty() && last.len() <= 2)
        .then(|| last.parse().ok())
        .flatten()
}

/// The last digit group of a number without its leading zeros, when the number has more than
/// one group (a year or series before its sequence).
fn last_of_several_groups(number: &str) -> Option<&str> {
    let mut groups = number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty());
    groups.next()?;
    Some(groups.next_back()?.trim_start_matches('0'))
}

/// Digit runs of a text that stand alone (not joined to another run by `-`, `/`, `.`, `_`),
/// without leading zeros: a sequence number written without its year.
fn lone_runs(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let sep = |c: u8| matches!(c, b'-' | b'/' | b'.' | b'_');
    let mut out = Vec::new();
    for (start, i) in crate::matching::numbers::digit_runs(text) {
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
    let last = last_of_several_groups(number)?;
    (last.len() >= 3).then(|| last.to_string())
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

/// [`keys`] as [`Num`]s, in no particular order: the same numbers, worked out digit by digit
/// without building text (text only for a number of more than 38 digits).
fn key_nums(number: &str, reference: Option<&str>) -> impl Iterator<Item = Num> {
    /// Digits after the leading zeros, as a value while they fit.
    #[derive(Clone, Copy, Default)]
    struct Acc {
        n: i128,
        len: usize,
    }
    impl Acc {
        fn push(&mut self, b: u8) {
            if self.len == 0 && b == b'0' {
                return;
            }
            if self.len < 38 {
                self.n = self.n * 10 + i128::from(b - b'0');
            }
            self.len += 1;
        }
    }
    let bytes = number.as_bytes();
    let mut all = Acc::default();
    let mut first = Acc::default();
    let mut last = Acc::default();
    let (mut groups, mut in_group) = (0usize, false);
    for &b in bytes {
        if b.is_ascii_digit() {
            if !in_group {
                groups += 1;
                last = Acc::default();
            }
            in_group = true;
            all.push(b);
            if groups == 1 {
                first.push(b);
            }
            last.push(b);
        } else {
            in_group = false;
        }
    }
    // The year and sequence: the first group's digits, then the last's without leading zeros.
    let year_seq = (groups >= 2).then(|| {
        if first.len == 0 {
            // The first group is all zeros: the number starts with the last group.
            return last;
        }
        let mut ys = first;
        for _ in 0..last.len {
            ys.len += 1;
            if ys.len <= 38 {
                ys.n *= 10;
            }
        }
        if ys.len <= 38 {
            ys.n += last.n;
        }
        ys
    });
    let mut reference_digits = Acc::default();
    for b in reference.into_iter().flat_map(str::bytes) {
        if b.is_ascii_digit() {
            reference_digits.push(b);
        }
    }
    let wanted = [Some(all), year_seq, reference.map(|_| reference_digits)];
    let mut out: [Option<Num>; 3] = [None, None, None];
    if wanted.iter().flatten().any(|a| a.len > 38) {
        // Too long for an integer: as text, like the gate's own keys (at most three).
        for (slot, k) in out.iter_mut().zip(keys(number, reference)) {
            *slot = Some(Num::of(&k));
        }
    } else {
        for (slot, acc) in out.iter_mut().zip(wanted) {
            *slot = acc.filter(|a| a.len >= 3).map(|a| Num::Small(a.n));
        }
    }
    out.into_iter().flatten()
}

/// Calls `f` with every number one digit changed, or two adjacent digits swapped, from the
/// digits `t` (none with a leading zero), in one reused buffer.
fn neighbours(t: &str, mut f: impl FnMut(&str, Fit)) {
    let b = t.as_bytes();
    let mut v = b.to_vec();
    for i in 0..b.len() {
        for d in b'0'..=b'9' {
            if d != b[i] && !(i == 0 && d == b'0') {
                v[i] = d;
                if let Ok(s) = std::str::from_utf8(&v) {
                    f(s, Fit::Changed);
                }
            }
        }
        v[i] = b[i];
        if i + 1 < b.len() && b[i] != b[i + 1] && !(i == 0 && b[i + 1] == b'0') {
            v.swap(i, i + 1);
            if let Ok(s) = std::str::from_utf8(&v) {
                f(s, Fit::Swapped);
            }
            v.swap(i, i + 1);
        }
    }
}

/// [`neighbours`] of the digits `t` whose value is `n`, as values: the same numbers, computed
/// without building text (in 64 bits up to 18 digits, where every neighbour fits and the
/// arithmetic is a fraction of 128 bits': the claims gate tries some 150 per open item).
fn neighbour_numbers(t: &str, n: i128, mut f: impl FnMut(i128, Fit)) {
    let b = t.as_bytes();
    match i64::try_from(n) {
        // 10^18 fits 64 bits.
        Ok(small) if b.len() <= 18 => {
            each_neighbour(b, small, |k| POWERS[k] as i64, &mut |v: i64, fit| {
                f(i128::from(v), fit)
            })
        }
        _ => each_neighbour(b, n, |k| POWERS[k], &mut f),
    }
}

/// 10 to the power of each index: the value of a digit's place.
const POWERS: [i128; 39] = {
    let mut p = [1i128; 39];
    let mut i = 1;
    while i < p.len() {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// [`neighbour_numbers`] in the integer type `T`, `power` giving 10 to a power in it.
fn each_neighbour<T>(b: &[u8], n: T, power: impl Fn(usize) -> T, f: &mut impl FnMut(T, Fit))
where
    T: Copy
        + From<u8>
        + std::ops::Add<Output = T>
        + std::ops::Sub<Output = T>
        + std::ops::Mul<Output = T>,
{
    let len = b.len();
    let place = |i: usize| power(len - 1 - i);
    for i in 0..len {
        let (di, pi) = (b[i] - b'0', place(i));
        for d in 0..=9u8 {
            if d != di && !(i == 0 && d == 0) {
                f(n + (T::from(d) - T::from(di)) * pi, Fit::Changed);
            }
        }
        if i + 1 < len && b[i] != b[i + 1] && !(i == 0 && b[i + 1] == b'0') {
            let (di, dj) = (T::from(di), T::from(b[i + 1] - b'0'));
            f(n + (dj - di) * pi + (di - dj) * place(i + 1), Fit::Swapped);
        }
    }
}

impl Gate {
    /// Indexes the payments (in booking order, so the first hold found is the oldest payment).
    pub fn new(mut payments: Vec<Unapplied>) -> Gate {
        payments.retain(|p| p.amount > Decimal::ZERO);
        payments.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let mut g = Gate {
            payments: Vec::new(),
            exact: FxHashMap::default(),
            lone: FxHashMap::default(),
            amounts: FxHashMap::default(),
            accounts: FxHashMap::default(),
            names: FxHashMap::default(),
            payer_keys: Vec::with_capacity(payments.len()),
            no_payer_account: Vec::with_capacity(payments.len()),
            debtor_words: payments
                .iter()
                .map(|p| debtor_word(p.debtor.as_ref()))
                .collect(),
            filter: Vec::new(),
            filter_log2: FILTER_MIN_LOG2,
            twins: HashSet::new(),
            proposals: FxHashMap::default(),
            short: FxHashMap::default(),
            account_of: FxHashMap::default(),
        };
        for (i, p) in payments.iter().enumerate() {
            let i = i as u32;
            for d in &p.account_of {
                g.account_of.entry(d.clone()).or_default().push(i);
            }
            for (n, _) in &p.proposed {
                g.proposals.entry(n.clone()).or_default().push(i);
            }
            for t in tokens(&p.text) {
                g.exact.entry(Num::of(&t)).or_default().push(i);
            }
            for t in lone_runs(&p.text) {
                g.lone.entry(Num::of(&t)).or_default().push(i);
            }
            for n in marked_short_runs(&p.text) {
                g.short.entry(n).or_default().push(i);
            }
            g.amounts
                .entry((p.currency, p.amount.normalize()))
                .or_default()
                .push(i);
            let account = p.account.as_deref().map(compact_account);
            if let Some(a) = &account {
                g.accounts.entry(a.clone()).or_default().push(i);
            }
            let name = p.name.as_deref().map(name_key).unwrap_or_default();
            if !name.is_empty() {
                g.names.entry(name.clone()).or_default().push(i);
            }
            g.no_payer_account.push(no_payer_account(
                p.account.as_deref(),
                p.booked_to.as_deref(),
            ));
            g.payer_keys.push((account, name));
        }
        g.filter_log2 = (g.exact.len() / 4)
            .next_power_of_two()
            .trailing_zeros()
            .max(FILTER_MIN_LOG2);
        g.filter = vec![0u64; 1usize << g.filter_log2];
        for k in g.exact.keys() {
            if let Num::Small(n) = k {
                let (w, bits) = filter_bits(*n, g.filter_log2);
                g.filter[w] |= bits;
            }
        }
        g.payments = payments;
        g
    }

    /// The payments whose text has a number one digit off or with two digits swapped from `k`
    /// (of four digits or more), in booking order, then by that number.
    fn near(&self, k: &str) -> Vec<(u32, Fit)> {
        // Texts' numbers are kept without leading zeros: none is near a key that has one.
        if k.starts_with('0') {
            return Vec::new();
        }
        let mut hits: Vec<(u32, Num, Fit)> = Vec::new();
        let mut found = |v: Num, fit: Fit| {
            if let Some(list) = self.exact.get(&v) {
                hits.extend(list.iter().map(|&i| (i, v.clone(), fit)));
            }
        };
        match Num::of(k) {
            Num::Small(n) => neighbour_numbers(k, n, |v, fit| {
                let (w, bits) = filter_bits(v, self.filter_log2);
                if self.filter[w] & bits == bits {
                    found(Num::Small(v), fit)
                }
            }),
            Num::Long(_) => neighbours(k, |v, fit| found(Num::Long(v.to_string()), fit)),
        }
        hits.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        hits.into_iter().map(|(i, _, fit)| (i, fit)).collect()
    }

    /// The gate, weighing the documents numbered `twins` (normalised: an API's marked documents
    /// whose number as their source wrote it another document has) under that number too.
    pub fn with_twins(mut self, twins: HashSet<String>) -> Gate {
        self.twins = twins;
        self
    }

    /// Whether nothing could hold anything.
    pub fn is_empty(&self) -> bool {
        self.payments.is_empty()
    }

    fn eligible(&self, i: u32, item: &OpenItem<'_>, other_debtor_ok: bool) -> bool {
        let p = &self.payments[i as usize];
        p.currency == item.currency && self.may_pay(i, item, other_debtor_ok)
    }

    /// [`Gate::eligible`] for a payment whose text names the item: whatever its currency (a
    /// debtor paying in their own).
    fn eligible_named(&self, i: u32, item: &OpenItem<'_>) -> bool {
        self.may_pay(i, item, true)
    }

    /// Whether a payment, currency aside, may be the item's: booked no more than
    /// [`PREPAID_DAYS`] before its issue, from its debtor (or anyone when `other_debtor_ok`),
    /// and not kept from it by a person.
    fn may_pay(&self, i: u32, item: &OpenItem<'_>, other_debtor_ok: bool) -> bool {
        let p = &self.payments[i as usize];
        p.date + chrono::Days::new(PREPAID_DAYS) >= item.issue_date
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
    fn payer_or_amount_fits(&self, i: u32, item: &OpenItem<'_>, debtor: &Payer<'_>) -> bool {
        let p = &self.payments[i as usize];
        let amount = p.amount == item.open || p.amount == item.total;
        let (account, name) = &self.payer_keys[i as usize];
        let account = account
            .as_ref()
            .is_some_and(|a| debtor.accounts.iter().any(|d| d == a));
        let name = !name.is_empty() && *name == debtor.name;
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
        payer: &Payer<'_>,
    ) -> Option<Hold> {
        if self.is_empty() {
            return None;
        }
        // The oldest payment found wins; a reason is written only for a payment older than the
        // best so far.
        let mut best: Option<(u32, String)> = None;
        let wants =
            |best: &Option<(u32, String)>, i: u32| best.as_ref().is_none_or(|(b, _)| i < *b);
        // A payer identified as another debtor who names this item: a typo, unless the amount
        // is this item's too, or the text names invoices of several debtors by their whole
        // numbers, this one's among them (one transfer paying for several: a collective or
        // batch payment, whose payer matching took for the first debtor named).
        let named_by = |i: u32| {
            let p = &self.payments[i as usize];
            p.debtor.as_ref().is_none_or(|d| d == item.debtor)
                || p.amount == item.open
                || p.amount == item.total
                || (p.names_documents_of.len() > 1 && p.names_documents_of.contains(item.debtor))
        };
        // An API's second record with one number is named by payers as its source wrote it.
        let written =
            if self.twins.is_empty() || !self.twins.contains(item.number.normalised().as_ref()) {
                None
            } else {
                crate::ids::DocumentNumber::unmarked(item.number.as_str())
            };
        let seq = sequence(written.unwrap_or(item.number.as_str()));
        if let Some(seq) = &seq {
            for &i in self.lone.get(&Num::of(seq)).into_iter().flatten() {
                if wants(&best, i) && self.eligible_named(i, item) && named_by(i) {
                    best = Some((
                        i,
                        format!("its text names {seq}, the sequence of {}", item.number),
                    ));
                }
            }
        }
        let mut full = keys(item.number.as_str(), reference);
        if let Some(written) = written {
            full.extend(keys(written, None));
            full.sort_unstable();
            full.dedup();
        }
        for k in &full {
            for &i in self.exact.get(&Num::of(k)).into_iter().flatten() {
                if wants(&best, i) && self.eligible_named(i, item) && named_by(i) {
                    best = Some((i, format!("its text names {}", item.number)));
                }
            }
        }
        // A payer identified as another debtor whose text names that debtor's own invoice in
        // full means that one (money after the as-of date is not matched, so the gate sees it
        // whole): a number of it one digit off from this item is no typo for this item.
        let names_its_own = |i: u32| {
            let p = &self.payments[i as usize];
            p.debtor
                .as_ref()
                .is_some_and(|d| d != item.debtor && p.names_documents_of.contains(d))
        };
        for k in full.iter().chain(seq.as_ref()) {
            if k.len() >= 4 {
                for (i, fit) in self.near(k) {
                    if !wants(&best, i) || !self.eligible(i, item, true) || names_its_own(i) {
                        continue;
                    }
                    if self.payer_or_amount_fits(i, item, payer) {
                        let how = match fit {
                            Fit::Swapped => "two digits swapped",
                            Fit::Changed => "one digit off",
                        };
                        best = Some((
                            i,
                            format!("its text names a number {how} from {}", item.number),
                        ));
                    }
                }
            }
        }
        // `factuur 13` for F2026-0013 (review 43a, F-1): a short sequence, marked as an
        // invoice's by the word before it.
        if !self.short.is_empty() {
            let number = written.unwrap_or(item.number.as_str());
            if let Some(n) = short_sequence(number) {
                for &i in self.short.get(&n).into_iter().flatten() {
                    if wants(&best, i) && self.eligible_named(i, item) && named_by(i) {
                        best = Some((
                            i,
                            format!(
                                "its text names invoice {n} after an invoice word, the sequence \
                                 of {}",
                                item.number
                            ),
                        ));
                    }
                }
            }
        }
        // A match in review proposing the item: a person has yet to say whether it paid it.
        if !self.proposals.is_empty() {
            let n = item.number.normalised();
            for &i in self.proposals.get(n.as_ref()).into_iter().flatten() {
                if wants(&best, i) && self.may_pay(i, item, true) {
                    let confidence = self.payments[i as usize]
                        .proposed
                        .iter()
                        .find(|(m, _)| *m == n)
                        .map_or(0, |(_, c)| *c);
                    best = Some((
                        i,
                        format!(
                            "a match in review proposes it (confidence {confidence}): `incasso \
                             review` lets a person decide"
                        ),
                    ));
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
                // Money after the as-of date holds by its amount only when its account says it
                // is this debtor's.
                let p = &self.payments[i as usize];
                let later_ok = !p.later || p.debtor.as_ref() == Some(item.debtor);
                if wants(&best, i) && self.eligible(i, item, false) && later_ok {
                    let which = if amount == item.open {
                        "open amount"
                    } else {
                        "total"
                    };
                    best = Some((i, format!("the amount is the {which} of {}", item.number)));
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
        payer: &Payer<'_>,
        open: &[&OpenItem<'_>],
        items: &[&OpenItem<'_>],
    ) -> Vec<(usize, Hold)> {
        if self.is_empty() || items.is_empty() {
            return Vec::new();
        }
        let debtor = payer.debtor;
        // A payment matching identified as another debtor's is not this one's, however alike
        // the names: many debtors share a name ("Eva Jansen"), so those are left out first.
        let word = debtor_word(Some(&debtor.id));
        let ours = |i: &&u32| match self.debtor_words[**i as usize] {
            0 => true,
            w => w == word && self.payments[**i as usize].debtor.as_ref() == Some(&debtor.id),
        };
        // Why each payment is the debtor's: the account it came from (its index), or the name.
        let mut from_debtor: Vec<(u32, Option<usize>)> = Vec::new();
        for (a, compact) in payer.accounts.iter().enumerate() {
            for &i in self
                .accounts
                .get(compact)
                .into_iter()
                .flatten()
                .filter(&ours)
            {
                from_debtor.push((i, Some(a)));
            }
        }
        if !payer.name.is_empty() {
            for &i in self
                .names
                .get(&payer.name)
                .into_iter()
                .flatten()
                .filter(&ours)
            {
                from_debtor.push((i, None));
            }
        }
        for &i in self.account_of.get(&debtor.id).into_iter().flatten() {
            from_debtor.push((i, None));
        }
        from_debtor.sort_by_key(|(i, _)| *i);
        from_debtor.dedup_by_key(|(i, _)| *i);
        if from_debtor.is_empty() {
            return Vec::new();
        }
        // Worked out only when a payment is not explained more cheaply (up to 1,024 sums).
        let mut sums: Option<HashSet<Decimal>> = None;
        let mut out: Vec<(usize, Hold)> = Vec::new();
        for (i, account) in from_debtor {
            let p = &self.payments[i as usize];
            let explained = open.iter().any(|it| {
                it.currency == p.currency && (p.amount == it.open || p.amount == it.total)
            }) || p.names_documents_of.contains(&debtor.id)
                || p.names_missing.is_some()
                || sums
                    .get_or_insert_with(|| {
                        subset_sums(open)
                            .into_iter()
                            .map(|(_, s)| s.normalize())
                            .collect()
                    })
                    .contains(&p.amount.normalize());
            if explained {
                continue;
            }
            let why = match account {
                Some(a) => format!(
                    "paid from the debtor's account {}",
                    debtor.ibans[a].as_str()
                ),
                None if p.account_of.contains(&debtor.id) => "paid from an account known as the \
                     debtor's, for a party of another debtor's name"
                    .to_string(),
                None => "the payer's name is the debtor's".to_string(),
            };
            for (j, it) in items.iter().enumerate() {
                // Money from the debtor in another currency than the item's may be its payment,
                // converted by a bank (a USD invoice paid in euros): its amount says nothing.
                let converted = it.currency != p.currency;
                if out.iter().any(|(k, _)| *k == j)
                    || p.later
                    || !(self.eligible(i, it, false) || converted && self.may_pay(i, it, false))
                {
                    continue;
                }
                let how = if converted {
                    format!(
                        "and it is in {}: it may be the payment of {}, converted",
                        p.currency, it.number
                    )
                } else {
                    format!(
                        "and its amount fits no single item: it may be a part payment of {}",
                        it.number
                    )
                };
                out.push((j, self.hold(i, format!("{why}, {how}"))));
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
                    .all(|j| self.eligible(i, items[j], false))
                    && !self.payments[i as usize].later;
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

mod batch;

#[cfg(test)]
mod tests;
