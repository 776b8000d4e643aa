//! Payments that name an invoice the ledger does not have (an open-items export, a ledger split
//! over files): the number has the shape of the ledger's own invoice numbers but no invoice
//! carries it. Such a payment designates something, so it is never spread over the debtor's
//! other items (art. 6:43 BW is for a payment that designates nothing): it stays unapplied, with
//! the reason, unless the payer's own item of exactly that amount has a number one edit away (a
//! typo).

/// The shape of a document number: letter runs as `A`, digit runs as their length, other
/// characters as they are (`F2025-0123` → `A4-4`). `None` for fewer than three digits.
pub fn shape(number: &str) -> Option<String> {
    let mut out = String::with_capacity(number.len());
    shape_parts(number, |part| match part {
        Part::Letters => out.push('A'),
        Part::Digits(n) => out.push_str(&n.to_string()),
        Part::Other(c) => out.push(c),
    })
    .then_some(out)
}

/// The hash of a number's [`shape`], worked out without building it.
fn shape_key(number: &str) -> Option<u64> {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    shape_parts(number, |part| match part {
        Part::Letters => h.write_u8(b'A'),
        Part::Digits(n) => {
            h.write_u8(0);
            h.write_usize(n);
        }
        Part::Other(c) => h.write_u32(c as u32),
    })
    .then(|| h.finish())
}

/// One part of a shape.
enum Part {
    Letters,
    Digits(usize),
    Other(char),
}

/// Walks a number's shape part by part; true when it has three digits or more.
fn shape_parts(number: &str, mut part: impl FnMut(Part)) -> bool {
    let (mut run, mut digits, mut letters) = (0usize, 0usize, false);
    for c in number.chars() {
        if c.is_ascii_digit() {
            run += 1;
            digits += 1;
            letters = false;
            continue;
        }
        if run > 0 {
            part(Part::Digits(run));
            run = 0;
        }
        if c.is_alphabetic() {
            if !letters {
                part(Part::Letters);
            }
            letters = true;
        } else {
            part(Part::Other(c));
            letters = false;
        }
    }
    if run > 0 {
        part(Part::Digits(run));
    }
    digits >= 3
}

/// The shapes the ledger's invoice numbers have, with how many invoices have each.
#[derive(Debug, Default)]
pub struct Shapes {
    counts: rustc_hash::FxHashMap<u64, usize>,
    total: usize,
}

impl Shapes {
    /// Counts one invoice number.
    pub fn add(&mut self, number: &str) {
        self.total += 1;
        if let Some(s) = shape_key(number) {
            *self.counts.entry(s).or_default() += 1;
        }
    }

    /// Whether numbers of this shape are the ledger's own: at least three invoices and one in a
    /// hundred have it.
    fn usual(&self, s: u64) -> bool {
        self.counts
            .get(&s)
            .is_some_and(|&n| n >= 3 && n * 100 >= self.total)
    }

    /// The words of a payment's text shaped like the ledger's invoice numbers.
    pub fn numbers_in<'t>(&self, text: &'t str) -> Vec<&'t str> {
        text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '#'))
            .map(|t| t.trim_matches(|c: char| c == '.' || c == '\'' || c == '"'))
            .filter(|t| shape_key(t).is_some_and(|s| self.usual(s)))
            .collect()
    }
}

/// Whether two numbers differ by one changed character or two swapped neighbours.
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_edits() {
        assert_eq!(shape("F2025-0123").as_deref(), Some("A4-4"));
        assert_eq!(shape("INV-000042").as_deref(), Some("A-6"));
        assert_eq!(shape("12").as_deref(), None);
        let mut s = Shapes::default();
        for n in ["F2025-0001", "F2025-0002", "F2026-0003", "C2026-0001"] {
            s.add(n);
        }
        assert_eq!(
            s.numbers_in("betaling F2025-0123, klant 77"),
            vec!["F2025-0123"]
        );
        assert!(one_edit_apart("F2025-0123", "F2025-0128"));
        assert!(one_edit_apart("F2025-0123", "F2025-0213"));
        assert!(!one_edit_apart("F2025-0123", "F2025-0321"));
    }
}
