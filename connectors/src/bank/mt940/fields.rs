//! The file cut into fields: a tag line with its continuation lines, as the bank wrapped them,
//! and which bank's dialect the statement is in.

#[allow(unused_imports)]
use super::*;

/// Tags read as the start of a field; any other `:xx:` at the start of a line is text.
pub(super) const TAGS: &[&str] = &[
    "20", "21", "25", "25P", "28", "28C", "60F", "60M", "61", "62F", "62M", "64", "65", "86", "13",
    "13D", "34F", "90C", "90D", "NS", "940",
];

/// Bank codes as they appear in BICs (`INGBNL2A`) and Dutch IBANs, with the name shown to people.
pub(super) const BANKS: &[(&str, &str)] = &[
    ("INGB", "ING"),
    ("RABO", "Rabobank"),
    ("ABNA", "ABN AMRO"),
    ("TRIO", "Triodos"),
    ("ASNB", "ASN Bank"),
    ("SNSB", "SNS"),
    ("RBRB", "RegioBank"),
    ("KNAB", "Knab"),
    ("BUNQ", "bunq"),
];

/// One line of a field: its text and the width of the whole file line it came from.
#[derive(Debug, Clone, Copy)]
pub(super) struct Text<'a> {
    pub(super) text: &'a str,
    pub(super) width: usize,
}

/// A tag with the rest of its line and its continuation lines.
#[derive(Debug)]
pub(super) struct Field<'a> {
    pub(super) tag: &'a str,
    pub(super) line: u64,
    pub(super) value: Text<'a>,
    pub(super) more: Vec<Text<'a>>,
}

/// The fields of a file and the lines outside them (SWIFT envelope, bank header lines).
pub(super) struct Scan<'a> {
    pub(super) fields: Vec<Field<'a>>,
    pub(super) headers: Vec<&'a str>,
    pub(super) rabobank_header: bool,
    /// The line of a SWIFT message's text block (`{4:`) that the file ends inside, without its
    /// closing `-}`: cut short there (review 43c, F-3).
    pub(super) unclosed: Option<u64>,
}

pub(super) fn scan(text: &str) -> Scan<'_> {
    let lines: Vec<&str> = text.split('\n').map(tidy).collect();
    let mut out = Scan {
        fields: Vec::new(),
        headers: Vec::new(),
        rabobank_header: false,
        unclosed: None,
    };
    let mut open = false;
    for (i, &raw) in lines.iter().enumerate() {
        let mut line = raw;
        if line.trim().is_empty() {
            continue;
        }
        if line.trim_start().starts_with('{') {
            match line.rfind("{4:") {
                Some(p) => {
                    out.unclosed = Some(i as u64 + 1);
                    out.headers.push(&line[..p]);
                    line = &line[p + 3..];
                }
                None => {
                    out.headers.push(line);
                    open = false;
                    continue;
                }
            }
            if line.trim().is_empty() {
                open = false;
                continue;
            }
        }
        let trimmed = line.trim();
        if trimmed.starts_with("-}") || (trimmed == "-" && !continues(&lines[i + 1..])) {
            // `-}{1:…}{2:…}{4:` closes one message and opens the next on one line.
            out.unclosed = trimmed.contains("{4:").then_some(i as u64 + 1);
            open = false;
            continue;
        }
        if let Some((tag, rest)) = split_tag(line) {
            if tag == "940" {
                out.rabobank_header = true;
                open = false;
                continue;
            }
            out.fields.push(Field {
                tag,
                line: i as u64 + 1,
                value: Text {
                    text: rest,
                    width: trimmed.chars().count(),
                },
                more: Vec::new(),
            });
            open = true;
        } else if let Some(field) = out.fields.last_mut().filter(|_| open) {
            field.more.push(Text {
                text: line,
                width: line.chars().count(),
            });
        } else {
            out.headers.push(line);
        }
    }
    out
}

/// Drops the line end, a byte-order mark and control characters such as DOS end-of-file (^Z).
pub(super) fn tidy(raw: &str) -> &str {
    raw.trim_matches(|c: char| c == '\u{feff}' || (c.is_control() && c != '\t'))
}

/// A lone `-` ends a message unless the statement goes on after it (then it is text of `:86:`).
pub(super) fn continues(rest: &[&str]) -> bool {
    rest.iter()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| split_tag(l))
        .is_some_and(|(tag, _)| tag != "20" && tag != "940")
}

pub(super) fn split_tag(line: &str) -> Option<(&str, &str)> {
    let s = line.trim_start().strip_prefix(':')?;
    let end = s.bytes().take(5).position(|b| b == b':')?;
    let tag = &s[..end];
    TAGS.contains(&tag).then(|| (tag, &s[end + 1..]))
}

pub(super) fn place(field: &Field<'_>) -> String {
    format!("line {}, field :{}:", field.line, field.tag)
}

pub(super) fn detect_bank(scan: &Scan<'_>) -> Option<&'static str> {
    let by_bic = |s: &str| {
        BANKS.iter().find(|(code, _)| {
            s.match_indices(code)
                .any(|(i, _)| s[i + code.len()..].starts_with("NL"))
        })
    };
    if let Some((_, name)) = scan.headers.iter().find_map(|h| by_bic(h)) {
        return Some(name);
    }
    for field in scan.fields.iter().filter(|f| f.tag == "25") {
        let raw = field.value.text.trim().to_ascii_uppercase();
        if raw.starts_with("TRIODOS") {
            return Some("Triodos");
        }
        if let Some((_, name)) = by_bic(&raw) {
            return Some(name);
        }
        if let Some(account) = statement_account(&raw).filter(|a| looks_like_iban(a)) {
            if let Some((_, name)) = BANKS
                .iter()
                .find(|(code, _)| account[4..].starts_with(code))
            {
                return Some(name);
            }
        }
    }
    scan.rabobank_header.then_some("Rabobank")
}
