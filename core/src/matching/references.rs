//! Structured payment references: the Dutch 16-digit betalingskenmerk (mod 11), the Belgian
//! OGM/VCS `+++123/4567/89012+++` (mod 97) and the ISO 11649 creditor reference `RF..` (mod 97).
//!
//! Each is reduced to one canonical form (digits only, or `RF` + upper-case characters without
//! spaces) so a reference typed on a bank form finds the document that printed it.

/// Which scheme a reference follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    /// Dutch betalingskenmerk: 16 digits, the first a mod-11 check digit.
    Kenmerk,
    /// Belgian gestructureerde mededeling: 12 digits, the last two mod 97 of the first ten.
    Ogm,
    /// ISO 11649 creditor reference.
    Rf,
}

use crate::ids::mod97;

/// Weights of the betalingskenmerk check, for digits 16, 15, ..., 2 (right to left).
const KENMERK_WEIGHTS: [u32; 15] = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1, 2, 4, 8, 5, 10];

fn kenmerk_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .zip(KENMERK_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        10 => 1,
        11 => 0,
        c => c as u8,
    }
}

/// True for 16 digits whose first is the mod-11 check digit of the other fifteen.
pub fn kenmerk_valid(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 16 && b.iter().all(u8::is_ascii_digit) && b[0] - b'0' == kenmerk_check_digit(&b[1..])
}

/// The betalingskenmerk for a 15-digit number (check digit in front).
pub fn kenmerk_for(body: u64) -> String {
    let body = format!("{:015}", body % 1_000_000_000_000_000);
    format!("{}{body}", kenmerk_check_digit(body.as_bytes()))
}

/// True for 12 digits whose last two are the first ten mod 97 (97 for zero).
pub fn ogm_valid(digits: &str) -> bool {
    let b = digits.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let base: u64 = digits[..10].parse().unwrap_or(0);
    let check: u64 = digits[10..].parse().unwrap_or(0);
    let want = match base % 97 {
        0 => 97,
        r => r,
    };
    check == want
}

/// The OGM/VCS for a 10-digit number, formatted `+++123/4567/89012+++`.
pub fn ogm_for(base: u64) -> String {
    let base = base % 10_000_000_000;
    let check = match base % 97 {
        0 => 97,
        r => r,
    };
    let d = format!("{base:010}{check:02}");
    format!("+++{}/{}/{}+++", &d[..3], &d[3..7], &d[7..])
}

/// True for a well-formed ISO 11649 reference (`RF` + 2 check digits + 1 to 21 characters).
pub fn rf_valid(compact: &str) -> bool {
    let b = compact.as_bytes();
    b.len() >= 5
        && b.len() <= 25
        && b[..2].eq_ignore_ascii_case(b"RF")
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
        && b[4..].iter().all(u8::is_ascii_alphanumeric)
        && mod97(b[4..].iter().chain(&b[..4]).copied()) == 1
}

/// The ISO 11649 reference for a creditor's own reference (letters and digits).
pub fn rf_for(reference: &str) -> String {
    let body: String = reference
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let check = 98 - mod97(body.bytes().chain(*b"RF00"));
    format!("RF{check:02}{body}")
}

/// The canonical form of a reference as a document or bank gives it, with its kind when it
/// passes its check; `None` when it is no structured reference at all.
pub fn canonical(raw: &str) -> Option<(String, Option<ReferenceKind>)> {
    let compact: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.is_empty() {
        return None;
    }
    if compact.starts_with("RF") && rf_valid(&compact) {
        return Some((compact, Some(ReferenceKind::Rf)));
    }
    let kind = if kenmerk_valid(&compact) {
        Some(ReferenceKind::Kenmerk)
    } else if ogm_valid(&compact) {
        Some(ReferenceKind::Ogm)
    } else {
        None
    };
    Some((compact, kind))
}

/// Calls `f` with the canonical form of a reference (as [`canonical`] gives it) built on the
/// stack, for indexing a million documents without a string each; `None` when there is none.
pub fn with_canonical<R>(raw: &str, f: impl FnOnce(&str) -> R) -> Option<R> {
    let mut buf = [0u8; 64];
    let mut n = 0;
    for c in raw.bytes().filter(u8::is_ascii_alphanumeric) {
        if n == buf.len() {
            return canonical(raw).map(|(c, _)| f(&c));
        }
        buf[n] = c.to_ascii_uppercase();
        n += 1;
    }
    let compact = std::str::from_utf8(&buf[..n]).ok()?;
    (!compact.is_empty()).then(|| f(compact))
}

/// Structured references that pass their check, found anywhere in free text, canonical.
pub fn find_in_text(text: &str) -> Vec<(String, ReferenceKind)> {
    let mut found = Vec::new();
    let b = text.as_bytes();
    // OGM/VCS between +++ or *** markers, with or without slashes.
    for marker in ["+++", "***"] {
        let mut from = 0;
        while let Some(p) = text[from..].find(marker) {
            let start = from + p + 3;
            let Some(q) = text[start..].find(marker) else {
                break;
            };
            let inner: String = text[start..start + q]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            if ogm_valid(&inner) {
                found.push((inner, ReferenceKind::Ogm));
            }
            from = start + q + 3;
        }
    }
    // OGM/VCS written without markers, in its printed groups (`250/0086/47031`).
    for i in 0..b.len().saturating_sub(13) {
        let w = &b[i..i + 14];
        let shaped = w.iter().enumerate().all(|(k, c)| match k {
            3 | 8 => *c == b'/',
            _ => c.is_ascii_digit(),
        });
        let bounded = (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'/')
            && b.get(i + 14)
                .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'/');
        if shaped && bounded {
            let digits: String = w
                .iter()
                .filter(|c| c.is_ascii_digit())
                .map(|&c| c as char)
                .collect();
            if ogm_valid(&digits) && !found.iter().any(|f| f.0 == digits) {
                found.push((digits, ReferenceKind::Ogm));
            }
        }
    }
    // Digit runs that may be split by spaces, dots or dashes (1234 5678 9012 3456); a group in
    // front that belongs to the text ("afbetaling 2 1000 0250 0131 6337") is tried without.
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut groups: Vec<(usize, usize)> = Vec::new();
            let (mut j, mut start) = (i, i);
            while j < b.len() {
                if b[j].is_ascii_digit() {
                    j += 1;
                    continue;
                }
                if matches!(b[j], b' ' | b'.' | b'-')
                    && j + 1 < b.len()
                    && b[j + 1].is_ascii_digit()
                {
                    groups.push((start, j));
                    start = j + 1;
                    j += 1;
                    continue;
                }
                break;
            }
            if j == b.len() || !b[j].is_ascii_alphanumeric() {
                groups.push((start, j));
            }
            for first in 0..groups.len().min(3) {
                let mut digits = String::new();
                for &(from, to) in &groups[first..] {
                    digits.push_str(&text[from..to]);
                    if digits.len() >= 16 {
                        break;
                    }
                }
                if digits.len() == 16 && kenmerk_valid(&digits) {
                    found.push((digits, ReferenceKind::Kenmerk));
                    break;
                } else if digits.len() == 12
                    && ogm_valid(&digits)
                    && !found.iter().any(|f| f.0 == digits)
                {
                    found.push((digits, ReferenceKind::Ogm));
                    break;
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    // RF references, possibly written in groups of four.
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(p) = upper[from..].find("RF") {
        let start = from + p;
        from = start + 2;
        if start > 0 && upper.as_bytes()[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let mut compact = String::new();
        for (k, c) in upper[start..].char_indices() {
            if c.is_ascii_alphanumeric() {
                compact.push(c);
            } else if c == ' '
                && upper[start + k + 1..].starts_with(|n: char| n.is_ascii_alphanumeric())
                && compact.len().is_multiple_of(4)
            {
                continue;
            } else {
                break;
            }
            if compact.len() >= 25 {
                break;
            }
        }
        // The longest prefix that validates: groups of four may be followed by other words.
        if let Some(n) = (5..=compact.len()).rev().find(|&n| rf_valid(&compact[..n])) {
            found.push((compact[..n].to_string(), ReferenceKind::Rf));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kenmerk_check_digit_table() {
        for body in [0u64, 1, 42, 123_456_789_012_345, 999_999_999_999_999] {
            let k = kenmerk_for(body);
            assert_eq!(k.len(), 16);
            assert!(kenmerk_valid(&k), "{k}");
            // Any single changed digit breaks the check.
            for pos in 0..16 {
                let mut b = k.clone().into_bytes();
                b[pos] = if b[pos] == b'9' { b'0' } else { b[pos] + 1 };
                assert!(
                    !kenmerk_valid(std::str::from_utf8(&b).unwrap()),
                    "{k} at {pos}"
                );
            }
        }
        assert!(!kenmerk_valid("123456789012345"));
        assert!(!kenmerk_valid("12345678901234a6"));
    }

    #[test]
    fn ogm_and_rf_known_values() {
        // 0100160014 mod 97 = 95: the Twinfield sample +++100/0160/01495+++.
        assert!(ogm_valid("100016001495"));
        assert_eq!(ogm_for(1_000_160_014), "+++100/0160/01495+++");
        assert!(!ogm_valid("100016001494"));
        // Multiples of 97 carry 97, not 00.
        assert_eq!(ogm_for(97), "+++000/0000/09797+++");
        // The ISO 11649 example.
        assert!(rf_valid("RF18539007547034"));
        assert_eq!(rf_for("539007547034"), "RF18539007547034");
        assert!(!rf_valid("RF19539007547034"));
        assert_eq!(rf_for("F2026-0000012"), rf_for("f20260000012"));
        assert!(rf_valid(&rf_for("F2026-0000012")));
    }

    #[test]
    fn references_found_in_prose() {
        let k = kenmerk_for(20_260_000_012);
        let spaced = format!("{} {} {} {}", &k[..4], &k[4..8], &k[8..12], &k[12..]);
        let text = format!("betaling kenmerk {spaced} dank u, ook +++100/0160/01495+++ en rf18 5390 0754 7034 groet");
        let found = find_in_text(&text);
        assert!(
            found.contains(&(k.clone(), ReferenceKind::Kenmerk)),
            "{found:?}"
        );
        assert!(
            found.contains(&("100016001495".into(), ReferenceKind::Ogm)),
            "{found:?}"
        );
        assert!(
            found.contains(&("RF18539007547034".into(), ReferenceKind::Rf)),
            "{found:?}"
        );
        assert!(find_in_text("factuur 2026-0012 bedrag 1234567890123456").is_empty());
        // After a number that belongs to the text.
        assert_eq!(
            find_in_text(&format!("afbetaling 2 {spaced}")),
            [(k.clone(), ReferenceKind::Kenmerk)]
        );
        assert_eq!(
            find_in_text(&format!("afbetaling 1 {k}")),
            [(k.clone(), ReferenceKind::Kenmerk)]
        );
        // Without its markers, in its printed groups; the wrong check digit is no reference.
        assert_eq!(
            find_in_text("DOC 100/0160/01495 + 100/0160/01496"),
            [("100016001495".to_string(), ReferenceKind::Ogm)]
        );
        assert_eq!(
            canonical(" rf18 5390 0754 7034").unwrap().1,
            Some(ReferenceKind::Rf)
        );
        assert_eq!(canonical("+++100/0160/01495+++").unwrap().0, "100016001495");
    }
}
