//! Invoice numbers as payers write them: in prose, lower case, without dashes, with or without
//! leading zeros or the letters in front, with the year in front or only the sequence number.
//!
//! A document number is split into runs of letters and runs of digits; its keys are built from
//! those runs. A payment's text is split the same way and every short window of runs is looked up.
//! Keys are 64-bit FNV-1a hashes of the runs, so a million documents index without a string each.

use rustc_hash::FxHashSet;

/// How strongly a key identifies a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyStrength {
    /// Only the last digit group (the sequence number): trusted only with the payer and amount.
    Sequence,
    /// All digit groups, with letters or separators lost or a two-digit year.
    Digits,
    /// Letters and digits as the document has them (case, separators and leading zeros aside).
    Full,
}

/// A run of letters, or of digits without its leading zeros ("0" when all zeros).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run<'a> {
    text: &'a str,
    digits: bool,
}

fn push_run<'a>(text: &'a str, digits: bool, out: &mut Vec<Run<'a>>) {
    if text.is_empty() {
        return;
    }
    let text = if digits {
        match text.trim_start_matches('0') {
            "" => "0",
            t => t,
        }
    } else {
        text
    };
    out.push(Run { text, digits });
}

/// For each run [`runs`] gives of `text`: whether it is a group of digits inside a word
/// (`E2E`, `B2B`, `P2P`: letters right before and after). Read alone it is part of the word, no
/// number: `E2E-0042817`, an end-to-end id, named invoice sequence 2 (review 44d, F-2).
fn glued(text: &str) -> Vec<bool> {
    let mut kinds: Vec<bool> = Vec::new();
    let mut touching: Vec<(bool, bool)> = Vec::new();
    let mut kind: Option<bool> = None;
    for c in text.chars() {
        let k = kind_of(c);
        if k != kind {
            if kind.is_some() && k.is_some() {
                // Two runs meet without a separator.
                if let Some(t) = touching.last_mut() {
                    t.1 = true;
                }
            }
            if let Some(d) = k {
                kinds.push(d);
                touching.push((kind.is_some(), false));
            }
            kind = k;
        }
    }
    kinds
        .iter()
        .zip(&touching)
        .map(|(&digits, &(before, after))| digits && before && after)
        .collect()
}

/// A character's run: `Some(true)` digits, `Some(false)` letters, `None` a separator.
fn kind_of(c: char) -> Option<bool> {
    if c.is_ascii_digit() {
        Some(true)
    } else if c.is_alphabetic() {
        Some(false)
    } else {
        None
    }
}

/// Splits text into runs of letters and runs of digits; anything else separates.
fn runs<'a>(text: &'a str, out: &mut Vec<Run<'a>>) {
    out.clear();
    let mut start = 0;
    let mut kind: Option<bool> = None; // Some(true) digits, Some(false) letters
    for (i, c) in text.char_indices() {
        let k = kind_of(c);
        if k != kind {
            if let Some(d) = kind {
                push_run(&text[start..i], d, out);
            }
            start = i;
            kind = k;
        }
    }
    if let Some(d) = kind {
        push_run(&text[start..], d, out);
    }
}

/// FNV-1a over runs (letters upper-cased), with a byte that never occurs in UTF-8 between them.
#[derive(Clone, Copy)]
struct KeyHash(u64);

impl KeyHash {
    const START: KeyHash = KeyHash(0xcbf2_9ce4_8422_2325);

    fn byte(self, b: u8) -> KeyHash {
        KeyHash((self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }

    fn run(self, r: Run<'_>) -> KeyHash {
        let mut h = if self.0 == Self::START.0 {
            self
        } else {
            self.byte(0xFF)
        };
        if r.digits || r.text.is_ascii() {
            for b in r.text.bytes() {
                h = h.byte(b.to_ascii_uppercase());
            }
        } else {
            let mut buf = [0u8; 4];
            for c in r.text.chars().flat_map(char::to_uppercase) {
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    h = h.byte(b);
                }
            }
        }
        h
    }

    fn of(runs: &[Run<'_>]) -> u64 {
        runs.iter().fold(Self::START, |h, r| h.run(*r)).0
    }
}

/// The key of one word (a run of letters) alone: how [`NumberIndex`] knows the words numbers
/// have.
fn word_key(r: Run<'_>) -> u64 {
    KeyHash::of(&[r])
}

/// The keys of the words among a number's runs.
fn words_of<'r>(r: &'r [Run<'_>]) -> impl Iterator<Item = u64> + 'r {
    r.iter().filter(|x| !x.digits).map(|x| word_key(*x))
}

/// The lookup keys of a document number split into its runs `r`, strongest first.
fn keys_of(number: &str, r: &[Run<'_>]) -> Vec<(u64, KeyStrength)> {
    let mut keys: Vec<(u64, KeyStrength)> = Vec::with_capacity(8);
    if r.is_empty() {
        return keys;
    }
    let mut add = |k: u64, s: KeyStrength| {
        if !keys.iter().any(|(e, _)| *e == k) {
            keys.push((k, s));
        }
    };
    add(KeyHash::of(r), KeyStrength::Full);
    let digits: Vec<Run<'_>> = r.iter().copied().filter(|x| x.digits).collect();
    if digits.len() > 1 {
        add(KeyHash::of(&digits), KeyStrength::Digits);
        // Year-sequence written as one run (20260000012 for 2026-0000012).
        let raw: String = number.chars().filter(char::is_ascii_digit).collect();
        let joined = Run {
            text: match raw.trim_start_matches('0') {
                "" => "0",
                t => t,
            },
            digits: true,
        };
        // Letters in front with the digits run together (f20260000012).
        let letters = r.iter().take_while(|x| !x.digits).count();
        if letters > 0 && r[letters..].iter().all(|x| x.digits) {
            let mut full: Vec<Run<'_>> = r[..letters].to_vec();
            full.push(joined);
            add(KeyHash::of(&full), KeyStrength::Full);
        }
        add(KeyHash::of(&[joined]), KeyStrength::Digits);
        if digits[0].text.len() == 4 && digits[0].text.starts_with("20") {
            // A two-digit year (26/12), and sequence then year (12-2026).
            let mut short = digits.clone();
            short[0] = Run {
                text: match digits[0].text[2..].trim_start_matches('0') {
                    "" => "0",
                    t => t,
                },
                digits: true,
            };
            add(KeyHash::of(&short), KeyStrength::Digits);
            let mut swapped = digits.clone();
            swapped.rotate_left(1);
            add(KeyHash::of(&swapped), KeyStrength::Digits);
        }
        add(
            KeyHash::of(&digits[digits.len() - 1..]),
            KeyStrength::Sequence,
        );
    } else if r.len() > 1 && !digits.is_empty() {
        add(KeyHash::of(&digits), KeyStrength::Digits);
    }
    keys
}

/// One document under one key.
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    strength: KeyStrength,
}

/// A posting packed in 32 bits: the document's index and, in the top two bits, the strength.
/// Ledgers of a billion documents are far beyond what one store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed(u32);

const DOC_BITS: u32 = 30;

impl Packed {
    fn new(doc: u32, strength: KeyStrength) -> Packed {
        assert!(doc < 1 << DOC_BITS, "document index {doc} out of range");
        let s = match strength {
            KeyStrength::Sequence => 0,
            KeyStrength::Digits => 1,
            KeyStrength::Full => 2,
        };
        Packed(doc | s << DOC_BITS)
    }

    fn posting(self) -> Posting {
        let strength = match self.0 >> DOC_BITS {
            0 => KeyStrength::Sequence,
            1 => KeyStrength::Digits,
            _ => KeyStrength::Full,
        };
        Posting {
            doc: self.0 & ((1 << DOC_BITS) - 1),
            strength,
        }
    }
}

/// While building, keys are first spread over `1 << SPREAD_BITS` parts by their top bits, so
/// each part is sorted on its own, in cache and on all cores.
const SPREAD_BITS: u32 = 8;
const SPREAD: usize = 1 << SPREAD_BITS;

fn part_of(key: u64) -> usize {
    (key >> (64 - SPREAD_BITS)) as usize
}

/// One key of a document, on its way into its part.
type Keyed = (u64, Packed);

/// A part's number and its slots in the index's keys and postings, for one core to fill.
type Slots<'a> = (usize, &'a mut [u64], &'a mut [Packed]);

/// Documents by key, built once per reconciliation: every key of every number in one sorted
/// list, with where each value of the keys' top bits starts in it. A lookup is one step into
/// that table and a short binary search; the postings under a key lie side by side, in the order
/// they were added. About 12 bytes a key, where a hash table per part took about 40 and grew by
/// powers of two (1.1 GB of tables at five million invoices).
#[derive(Debug, Default)]
pub struct NumberIndex {
    /// Every key, sorted; a key under which several documents are indexed comes once for each.
    keys: Vec<u64>,
    /// The posting of each key in `keys`.
    postings: Vec<Packed>,
    /// Where the keys whose top `bits` bits are `t` start in `keys`: `starts[t]..starts[t + 1]`.
    /// Empty when nothing is indexed.
    starts: Vec<u32>,
    bits: u32,
    /// The words (runs of letters, as [`word_key`] keys them) of every number indexed: a window
    /// of a text with any other word in it is under no key, and is not looked up.
    words: FxHashSet<u64>,
}

impl NumberIndex {
    /// Indexes each document under every key of its number, on `threads` cores: each core keys
    /// a share of the numbers into parts, then sorts whole parts. The same index as adding them
    /// one by one, in this order.
    pub fn build(numbers: &[(&str, u32)], threads: usize) -> NumberIndex {
        let threads = threads.max(1);
        let per = numbers.len().div_ceil(threads).max(1);
        let (keyed, words): (Vec<Vec<Vec<Keyed>>>, Vec<FxHashSet<u64>>) =
            std::thread::scope(|scope| {
                let handles: Vec<_> = numbers
                    .chunks(per)
                    .map(|chunk| {
                        scope.spawn(move || {
                            // About seven keys a number, spread evenly.
                            let room = chunk.len() * 8 / SPREAD + 16;
                            let mut out: Vec<Vec<Keyed>> =
                                (0..SPREAD).map(|_| Vec::with_capacity(room)).collect();
                            let mut words = FxHashSet::default();
                            let mut r = Vec::with_capacity(4);
                            for &(number, doc) in chunk {
                                runs(number, &mut r);
                                for (k, s) in keys_of(number, &r) {
                                    out[part_of(k)].push((k, Packed::new(doc, s)));
                                }
                                words.extend(words_of(&r));
                            }
                            (out, words)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("an index worker panicked"))
                    .unzip()
            });
        let words = words.into_iter().flatten().collect();
        let sizes: Vec<usize> = (0..SPREAD)
            .map(|b| keyed.iter().map(|k| k[b].len()).sum())
            .collect();
        let total: usize = sizes.iter().sum();
        let mut keys = vec![0u64; total];
        let mut postings = vec![Packed(0); total];
        // Each part's slots in the lists, handed to the cores in turn.
        let mut slots: Vec<Vec<Slots<'_>>> = (0..threads).map(|_| Vec::new()).collect();
        let (mut k_rest, mut p_rest) = (keys.as_mut_slice(), postings.as_mut_slice());
        for (b, &n) in sizes.iter().enumerate() {
            let (k, kr) = std::mem::take(&mut k_rest).split_at_mut(n);
            let (p, pr) = std::mem::take(&mut p_rest).split_at_mut(n);
            (k_rest, p_rest) = (kr, pr);
            slots[b % threads].push((b, k, p));
        }
        let keyed = &keyed;
        std::thread::scope(|scope| {
            for mine in slots {
                scope.spawn(move || {
                    let mut part: Vec<Keyed> = Vec::new();
                    for (b, k, p) in mine {
                        part.clear();
                        for chunk in keyed {
                            part.extend_from_slice(&chunk[b]);
                        }
                        // Stable: the postings under a key stay in the order they were added.
                        part.sort_by_key(|&(key, _)| key);
                        for (i, &(key, posting)) in part.iter().enumerate() {
                            k[i] = key;
                            p[i] = posting;
                        }
                    }
                });
            }
        });
        let mut index = NumberIndex {
            keys,
            postings,
            starts: Vec::new(),
            bits: 0,
            words,
        };
        index.mark_starts();
        index
    }

    /// Works out `starts` for the keys as they are: about four keys to a value of the top bits.
    fn mark_starts(&mut self) {
        let n = self.keys.len();
        self.bits = (usize::BITS - (n / 4).leading_zeros()).clamp(1, 28);
        let shift = 64 - self.bits;
        let mut starts = vec![0u32; (1usize << self.bits) + 1];
        for &k in &self.keys {
            starts[(k >> shift) as usize + 1] += 1;
        }
        for t in 1..starts.len() {
            starts[t] += starts[t - 1];
        }
        self.starts = starts;
    }

    /// Adds a document (by its index in the caller's slice) under every key of its number.
    /// Each key is put after those equal to it, at the cost of a shift of the lists: the tests'
    /// second way to an index, against which [`NumberIndex::build`] is held.
    #[cfg(test)]
    pub fn add(&mut self, number: &str, doc: u32) {
        let mut r = Vec::new();
        runs(number, &mut r);
        self.words.extend(words_of(&r));
        for (k, strength) in keys_of(number, &r) {
            let at = self.keys.partition_point(|&e| e <= k);
            self.keys.insert(at, k);
            self.postings.insert(at, Packed::new(doc, strength));
        }
        self.mark_starts();
    }

    /// The postings under a key, latest first.
    fn under(&self, key: u64) -> impl Iterator<Item = Posting> + '_ {
        let (from, to) = if self.starts.is_empty() {
            (0, 0)
        } else {
            let t = (key >> (64 - self.bits)) as usize;
            let (lo, hi) = (self.starts[t] as usize, self.starts[t + 1] as usize);
            let keys = &self.keys[lo..hi];
            let first = keys.partition_point(|&e| e < key);
            let run = keys[first..].iter().take_while(|&&e| e == key).count();
            (lo + first, lo + first + run)
        };
        self.postings[from..to].iter().rev().map(|p| p.posting())
    }

    /// Documents named in a free text, with the strength of the best key that found each, in
    /// the order they were added. Longer windows of runs win over the shorter ones inside them.
    pub fn find(&self, text: &str) -> Vec<(u32, KeyStrength)> {
        self.find_in(text, true)
    }

    /// [`NumberIndex::find`]; looking up windows with a word no number has too when not
    /// `skip_foreign` (the tests' way to show that skipping them changes nothing).
    fn find_in(&self, text: &str, skip_foreign: bool) -> Vec<(u32, KeyStrength)> {
        let mut r = Vec::with_capacity(16);
        runs(text, &mut r);
        let glued = if r.iter().any(|x| x.digits && x.text.len() < 4) {
            glued(text)
        } else {
            Vec::new()
        };
        let mut out: Vec<(u32, KeyStrength)> = Vec::new();
        let mut hits: Vec<(u32, KeyStrength)> = Vec::new();
        // Runs a weaker reading covered: a window starting inside them must be a full number or
        // reach past them, so "tranche 1 2025/0094" finds 2025/0094 after reading "1 2025" as
        // sequence and year.
        let mut covered = 0;
        // Documents only the last weaker reading found.
        let mut weak: Vec<u32> = Vec::new();
        // Where each run is a word no number has: no window holding it is under a key.
        let foreign: Vec<bool> = r
            .iter()
            .map(|x| skip_foreign && !x.digits && !self.words.contains(&word_key(*x)))
            .collect();
        let mut i = 0;
        while i < r.len() {
            let mut advance = 1;
            for len in (1..=4.min(r.len() - i)).rev() {
                // A lone word never names an invoice; a lone number may, unless it is part of a
                // word (`E2E`).
                if len == 1
                    && (!r[i].digits
                        || r[i].text.len() < 4 && glued.get(i).copied().unwrap_or(false))
                {
                    continue;
                }
                if foreign[i..i + len].contains(&true) {
                    continue;
                }
                let key = KeyHash::of(&r[i..i + len]);
                // A short lone number ("1", "12", "van 2") is too common to name a document alone.
                let cap = if len == 1 && r[i].text.len() < 4 {
                    KeyStrength::Sequence
                } else {
                    KeyStrength::Full
                };
                hits.clear();
                hits.extend(self.under(key).map(|p| (p.doc, p.strength.min(cap))));
                if hits.is_empty() {
                    continue;
                }
                let full = hits.iter().any(|(_, s)| *s == KeyStrength::Full);
                if i < covered && !full && i + len <= covered {
                    continue;
                }
                // Two weaker readings share a run ("afbetaling 2 2025.0522": "2 2025" as sequence
                // and year, "2025 0522" as year and sequence): the later, in the usual order, wins;
                // a run never counts in both.
                if i < covered {
                    out.retain(|(d, _)| !weak.contains(d));
                }
                weak.clear();
                for &(d, s) in &hits {
                    match out.iter_mut().find(|(e, _)| *e == d) {
                        Some(e) => e.1 = e.1.max(s),
                        None => {
                            out.push((d, s));
                            if !full {
                                weak.push(d);
                            }
                        }
                    }
                }
                if full {
                    advance = len;
                } else {
                    covered = covered.max(i + len);
                }
                break;
            }
            i += advance;
        }
        out.sort_by_key(|(d, _)| *d);
        out
    }
}

/// The runs of three or more ASCII digits in some texts (invoice numbers, references, end-to-end
/// ids), sorted, each once: what two wordings of one bank line, or a return and the collection
/// it undoes, are compared by.
pub fn numbers_in<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<&'t str> {
    let mut out: Vec<&str> = texts
        .into_iter()
        .flat_map(|t| t.split(|c: char| !c.is_ascii_digit()))
        .filter(|run| run.len() >= 3)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Where the runs of ASCII digits in a text start and end (byte offsets).
pub fn digit_runs(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx() -> NumberIndex {
        let mut i = NumberIndex::default();
        i.add("F2026-0000012", 0);
        i.add("F2026-0000013", 1);
        i.add("F2025-0000012", 2);
        i.add("INV-0042", 3);
        i
    }

    #[test]
    fn payer_spellings_find_the_invoice() {
        let i = idx();
        let table: [(&str, &[(u32, KeyStrength)]); 10] = [
            ("F2026-0000012", &[(0, KeyStrength::Full)]),
            (
                "betaling factuur f2026 0000012 dank",
                &[(0, KeyStrength::Full)],
            ),
            ("f20260000012", &[(0, KeyStrength::Full)]),
            ("2026-12", &[(0, KeyStrength::Digits)]),
            ("20260000012", &[(0, KeyStrength::Digits)]),
            ("26/12", &[(0, KeyStrength::Digits)]),
            (
                "fact nr 12",
                &[(0, KeyStrength::Sequence), (2, KeyStrength::Sequence)],
            ),
            ("inv 42", &[(3, KeyStrength::Full)]),
            ("42", &[(3, KeyStrength::Sequence)]),
            (
                "F2026-0000012 en F2026-0000013",
                &[(0, KeyStrength::Full), (1, KeyStrength::Full)],
            ),
        ];
        for (text, want) in table {
            assert_eq!(i.find(text), want, "{text}");
        }
        assert!(i.find("teruggave belasting 2025").is_empty());
        let mut short = NumberIndex::default();
        short.add("1", 7);
        assert_eq!(short.find("termijn 1 van 2"), [(7, KeyStrength::Sequence)]);
        // A digit inside a word is no sequence (review 44d, F-2).
        short.add("2", 8);
        assert_eq!(short.find("E2E-0042817"), []);
        assert_eq!(
            short.find("E2E-0042817 factuur 2"),
            [(8, KeyStrength::Sequence)]
        );
        assert!(i.find("donatie").is_empty());
        assert_eq!(
            i.find("termijn 12 2026-0000013"),
            [(1, KeyStrength::Digits)]
        );
        assert_eq!(i.find("termijn 1 F2026-0000013"), [(1, KeyStrength::Full)]);
    }

    /// The lookup keys of a document number, strongest first.
    fn document_keys(number: &str) -> Vec<(u64, KeyStrength)> {
        let mut r = Vec::new();
        runs(number, &mut r);
        keys_of(number, &r)
    }

    /// Numbers of five shapes from (shape, year, sequence): `F2026-00012`, `2026/12`, `INV-0012`,
    /// `12` and `Straße12`.
    fn shaped(numbers: &[(u8, u32, u32)]) -> Vec<String> {
        numbers
            .iter()
            .map(|&(shape, year, seq)| match shape {
                0 => format!("F{year}-{seq:05}"),
                1 => format!("{year}/{seq}"),
                2 => format!("INV-{seq:04}"),
                3 => format!("{seq}"),
                _ => format!("Straße{seq}"),
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 200, failure_persistence: None, ..Default::default()
        })]

        /// Numbers of a few shapes, often sharing their keys (the same sequence in two years, the
        /// same number twice): on any number of cores, and added one by one, every key holds
        /// exactly the documents a plain map of each key's documents holds, latest first, and
        /// keys no number has hold none.
        #[test]
        fn every_key_holds_the_documents_indexed_under_it_latest_first(
            numbers in proptest::collection::vec((0u8..4, 2024u32..2027, 0u32..40), 0..300),
            threads in 1usize..5,
            strays in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..20),
        ) {
            let numbers = shaped(&numbers);
            let pairs: Vec<(&str, u32)> = numbers
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i as u32 * 2 + 1))
                .collect();
            let mut plain: std::collections::HashMap<u64, Vec<(u32, KeyStrength)>> =
                std::collections::HashMap::new();
            for &(n, d) in &pairs {
                for (k, s) in document_keys(n) {
                    plain.entry(k).or_default().push((d, s));
                }
            }
            let built = NumberIndex::build(&pairs, threads);
            let mut by_hand = NumberIndex::default();
            for &(n, d) in &pairs {
                by_hand.add(n, d);
            }
            for index in [&built, &by_hand] {
                for (&k, docs) in &plain {
                    let under: Vec<(u32, KeyStrength)> =
                        index.under(k).map(|p| (p.doc, p.strength)).collect();
                    let latest_first: Vec<(u32, KeyStrength)> = docs.iter().rev().copied().collect();
                    proptest::prop_assert_eq!(under, latest_first);
                }
                for k in &strays {
                    if !plain.contains_key(k) {
                        proptest::prop_assert_eq!(index.under(*k).count(), 0);
                    }
                }
            }
        }

        /// Texts of words, numbers and separators, some words those of the numbers in any case
        /// (and one the numbers share only upper-cased): skipping the windows with a word no
        /// number has finds what looking every window up finds.
        #[test]
        fn windows_with_a_foreign_word_name_nothing(
            numbers in proptest::collection::vec((0u8..5, 2024u32..2027, 0u32..30), 0..60),
            text in proptest::collection::vec(proptest::sample::select(vec![
                "F", "f", "INV", "inv", "Straße", "STRASSE", "factuur", "termijn", "nr", "van",
                "2026", "2025", "26", "12", "0012", "7", "3", "-", "/", " ", ".", "é", "RF",
            ]), 0..14),
        ) {
            let numbers = shaped(&numbers);
            let pairs: Vec<(&str, u32)> =
                numbers.iter().enumerate().map(|(i, n)| (n.as_str(), i as u32)).collect();
            let index = NumberIndex::build(&pairs, 2);
            let text: String = text.concat();
            proptest::prop_assert_eq!(index.find_in(&text, true), index.find_in(&text, false));
        }
    }

    #[test]
    fn a_packed_posting_keeps_its_document_and_strength() {
        for doc in [0, 1, 12_345, (1 << DOC_BITS) - 1] {
            for strength in [
                KeyStrength::Sequence,
                KeyStrength::Digits,
                KeyStrength::Full,
            ] {
                let p = Packed::new(doc, strength).posting();
                assert_eq!((p.doc, p.strength), (doc, strength));
            }
        }
    }

    #[test]
    fn an_index_built_on_several_cores_finds_what_one_added_by_hand_does() {
        let numbers: Vec<String> = (0..3_000u32)
            .map(|i| match i % 4 {
                0 => format!("F{}-{:07}", 2024 + i % 3, i / 4),
                1 => format!("INV-{:04}", i / 8),
                2 => format!("{}", 100 + i),
                _ => format!("2026/{:05}", i),
            })
            .collect();
        let pairs: Vec<(&str, u32)> = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32 * 3))
            .collect();
        let mut by_hand = NumberIndex::default();
        for &(n, d) in &pairs {
            by_hand.add(n, d);
        }
        let texts: Vec<String> = numbers
            .iter()
            .map(|n| format!("betaling {n}"))
            .chain(["fact nr 12", "26/12", "inv 7", "2026 00012"].map(String::from))
            .collect();
        for threads in [1, 2, 3, 8] {
            let built = NumberIndex::build(&pairs, threads);
            for t in &texts {
                assert_eq!(built.find(t), by_hand.find(t), "{t} on {threads} cores");
            }
        }
        assert!(!by_hand.find("fact nr 12").is_empty());
        assert!(NumberIndex::build(&[], 2).find("F2026-0000012").is_empty());
    }
}
