//! Invoice numbers as payers write them: in prose, lower case, without dashes, with or without
//! leading zeros or the letters in front, with the year in front or only the sequence number.
//!
//! A document number is split into runs of letters and runs of digits; its keys are built from
//! those runs. A payment's text is split the same way and every short window of runs is looked up.

use std::collections::HashMap;

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

/// Runs of letters and of digits, upper-cased, with leading zeros removed from digit runs
/// (kept as "0" when all zeros).
fn runs(text: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    let flush = |cur: &mut String, digit: bool, out: &mut Vec<(String, bool)>| {
        if cur.is_empty() {
            return;
        }
        let s = if digit {
            let t = cur.trim_start_matches('0');
            if t.is_empty() {
                "0".to_string()
            } else {
                t.to_string()
            }
        } else {
            cur.clone()
        };
        out.push((s, digit));
        cur.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !cur_digit {
                flush(&mut cur, false, &mut out);
            }
            cur_digit = true;
            cur.push(c);
        } else if c.is_alphabetic() {
            if cur_digit {
                flush(&mut cur, true, &mut out);
            }
            cur_digit = false;
            cur.extend(c.to_uppercase());
        } else {
            flush(&mut cur, cur_digit, &mut out);
        }
    }
    flush(&mut cur, cur_digit, &mut out);
    out
}

fn join(parts: &[&str]) -> String {
    parts.join("|")
}

/// The lookup keys of a document number, strongest first.
pub fn document_keys(number: &str) -> Vec<(String, KeyStrength)> {
    let r = runs(number);
    let mut keys = Vec::new();
    let all: Vec<&str> = r.iter().map(|(s, _)| s.as_str()).collect();
    if all.is_empty() {
        return keys;
    }
    keys.push((join(&all), KeyStrength::Full));
    let digits: Vec<&str> = r
        .iter()
        .filter(|(_, d)| *d)
        .map(|(s, _)| s.as_str())
        .collect();
    if digits.is_empty() {
        return keys;
    }
    let mut add = |k: String, s: KeyStrength| {
        if !keys.iter().any(|(e, _)| *e == k) {
            keys.push((k, s));
        }
    };
    if digits.len() > 1 {
        add(join(&digits), KeyStrength::Digits);
        // Year-sequence written as one run (202612 for 2026-0012) or with a two-digit year.
        let raw_digits: String = number.chars().filter(char::is_ascii_digit).collect();
        let joined = raw_digits.trim_start_matches('0').to_string();
        // Letters in front with the digits run together (f20260000012).
        let letters: Vec<&str> = r
            .iter()
            .take_while(|(_, d)| !*d)
            .map(|(s, _)| s.as_str())
            .collect();
        if !letters.is_empty() && r.iter().skip(letters.len()).all(|(_, d)| *d) {
            let mut full = letters.clone();
            full.push(&joined);
            add(join(&full), KeyStrength::Full);
        }
        add(joined, KeyStrength::Digits);
        if digits[0].len() == 4 && digits[0].starts_with("20") {
            let mut short = digits.clone();
            short[0] = &digits[0][2..];
            add(join(&short), KeyStrength::Digits);
            // Sequence then year, as some payers write it (12-2026).
            let mut swapped = digits.clone();
            swapped.rotate_left(1);
            add(join(&swapped), KeyStrength::Digits);
        }
        add(digits[digits.len() - 1].to_string(), KeyStrength::Sequence);
    } else if all.len() > 1 {
        add(digits[0].to_string(), KeyStrength::Digits);
    }
    keys
}

/// Documents by key, built once per reconciliation.
#[derive(Debug, Default)]
pub struct NumberIndex {
    keys: HashMap<String, Vec<(u32, KeyStrength)>>,
}

impl NumberIndex {
    /// Adds a document (by its index in the caller's slice) under every key of its number.
    pub fn add(&mut self, number: &str, doc: u32) {
        for (k, s) in document_keys(number) {
            let e = self.keys.entry(k).or_default();
            if !e.iter().any(|(d, _)| *d == doc) {
                e.push((doc, s));
            }
        }
    }

    /// Documents named in a free text, with the strength of the best key that found each,
    /// in order of appearance. Longer windows of runs win over the shorter ones inside them.
    pub fn find(&self, text: &str) -> Vec<(u32, KeyStrength)> {
        let r = runs(text);
        let mut out: Vec<(u32, KeyStrength)> = Vec::new();
        let mut i = 0;
        while i < r.len() {
            let mut matched = 0;
            for len in (1..=4.min(r.len() - i)).rev() {
                let window: Vec<&str> = r[i..i + len].iter().map(|(s, _)| s.as_str()).collect();
                // A lone word never names an invoice; a lone number may.
                if len == 1 && !r[i].1 {
                    continue;
                }
                if let Some(docs) = self.keys.get(&join(&window)) {
                    // A short lone number ("1", "12", "van 2") is too common to name a document alone.
                    let cap = if len == 1 && window[0].len() < 4 {
                        KeyStrength::Sequence
                    } else {
                        KeyStrength::Full
                    };
                    for &(d, s) in docs {
                        let s = s.min(cap);
                        match out.iter_mut().find(|(e, _)| *e == d) {
                            Some(e) => e.1 = e.1.max(s),
                            None => out.push((d, s)),
                        }
                    }
                    matched = len;
                    break;
                }
            }
            i += matched.max(1);
        }
        out
    }
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
        assert!(i.find("donatie").is_empty());
    }
}
