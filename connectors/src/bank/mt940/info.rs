//! The information to the account owner (`:86:`): structured subfields (`/NAME/`, `/REMI/`, `?20`),
//! labelled free text, and the payer's name, account and payment reference in it.

#[allow(unused_imports)]
use super::*;

/// `:86:` subfield codes that mark text as structured (`/TRTP/.../NAME/...`).
pub(super) const LEAD_CODES: &[&str] = &[
    "TRTP", "IBAN", "NAME", "REMI", "EREF", "CNTP", "MARF", "CSID", "BENM", "ORDP", "RTRN",
];

/// All `:86:` subfield codes a structured text is split on.
pub(super) const CODES: &[&str] = &[
    "TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "CNTP", "MARF", "CSID", "BENM", "ORDP", "ADDR",
    "ISDT", "PURP", "ULTC", "ULTD", "ULTB", "RTRN", "SVCL", "PREF", "BUSP", "TRCD",
];

/// Labels of free-text `:86:` (ABN AMRO SEPA, Knab) whose value runs up to the next label.
pub(super) const LABELS: &[&str] = &[
    "IBAN:",
    "BIC:",
    "NAAM:",
    "REK:",
    "OMSCHRIJVING:",
    "KENMERK:",
    "BETALINGSKENM.:",
    "BETALINGSKENMERK:",
    "MACHTIGING:",
    "INCASSANT:",
    "ID DEBITEUR:",
    "ADRES:",
];

/// Banks wrap `:86:` at 65 characters; a shorter line ended where the bank meant a break.
pub(super) const WRAP: usize = 65;

/// What `:86:` says about the other party and the payment.
#[derive(Debug, Default)]
pub(super) struct Info {
    pub(super) account: Option<String>,
    pub(super) name: Option<String>,
    pub(super) remittance: Option<String>,
    pub(super) reference: Option<String>,
    pub(super) end_to_end: Option<String>,
    /// Money given back: a `/RTRN/` reason, or a transaction type of a return (storno).
    pub(super) returned: bool,
}

pub(super) fn parse_86(fields: &[&Field<'_>], abn: bool) -> Info {
    let Some(first) = fields.first() else {
        return Info::default();
    };
    let direct = join(fields, |_, _| false);
    let mut info = if let Some(start) = find_code(&direct, LEAD_CODES) {
        let mut info = parse_structured(&direct[start..]);
        if info.account.is_none() {
            info.account = leading_account(&direct[..start]).0;
        }
        info
    } else if let Some(sep) = subfield_separator(&direct) {
        parse_subfields(direct.trim_start(), sep)
    } else {
        let soft = join(fields, |prev, next| {
            abn || prev.width < WRAP || !glued(prev.text, next)
        });
        parse_free(&soft, first.value.text)
    };
    if info.reference.is_none() {
        info.reference = info.remittance.as_deref().and_then(labelled_kenmerk);
    }
    info
}

/// The `:86:` fields after one `:61:` as one text; `spaced` says whether a line break after a
/// line stands for a space. Separate `:86:` fields (old Rabobank) are always spaced.
pub(super) fn join(fields: &[&Field<'_>], spaced: impl Fn(Text<'_>, &str) -> bool) -> String {
    let mut s = String::new();
    for (k, field) in fields.iter().enumerate() {
        if k > 0 {
            s.push(' ');
        }
        s.push_str(field.value.text);
        let mut prev = field.value;
        for t in &field.more {
            if spaced(prev, t.text) {
                s.push(' ');
            }
            s.push_str(t.text);
            prev = *t;
        }
    }
    s
}

/// Whether text runs on over a break: letters on both sides, digits on both sides, or
/// punctuation that continues the text before it (`T.P` + `. DEN`).
pub(super) fn glued(before: &str, after: &str) -> bool {
    match (before.chars().next_back(), after.chars().next()) {
        (Some(a), Some(b)) if !a.is_whitespace() => {
            (a.is_alphabetic() && b.is_alphabetic())
                || (a.is_ascii_digit() && b.is_ascii_digit())
                || matches!(b, '.' | ',' | ':' | ';' | ')' | '-' | '/')
        }
        _ => false,
    }
}

/// The first `/CODE/` of `codes` in `s`.
pub(super) fn find_code(s: &str, codes: &[&str]) -> Option<usize> {
    s.match_indices('/').map(|(i, _)| i).find(|&i| {
        let rest = &s[i + 1..];
        codes
            .iter()
            .any(|c| rest.starts_with(c) && rest[c.len()..].starts_with('/'))
    })
}

/// Splits `/TRTP/x/NAME/y` into `(TRTP, x)`, `(NAME, y)`.
pub(super) fn subfields(s: &str) -> Vec<(&str, &str)> {
    let mut marks = Vec::new();
    let mut from = 0;
    while let Some(i) = find_code(&s[from..], CODES).map(|i| i + from) {
        let rest = &s[i + 1..];
        let code = rest.split('/').next().unwrap_or("");
        marks.push((i, code));
        // The next code starts after this one's closing slash (`/NAME/REMI/` names REMI).
        from = i + code.len() + 2;
    }
    marks
        .iter()
        .enumerate()
        .map(|(k, &(i, code))| {
            let end = marks.get(k + 1).map_or(s.len(), |m| m.0);
            (code, s.get(i + code.len() + 2..end).unwrap_or(""))
        })
        .collect()
}

/// ING, ABN AMRO, Rabobank, Knab, Triodos and bunq: `/TRTP/.../IBAN/.../NAME/.../REMI/...`.
pub(super) fn parse_structured(s: &str) -> Info {
    let mut info = Info::default();
    let mut party = "";
    let mut ultimate_name = None;
    let mut ultimate_debtor = None;
    let mut kind = "";
    let mut remi = None;
    for (code, value) in subfields(s) {
        let plain = value.trim().trim_end_matches('/').trim();
        match code {
            "ORDP" | "BENM" | "ULTC" | "ULTB" => party = code,
            // The party a transfer pays for (`/ULTD//NAME/x/` as Rabobank writes it, `/ULTD/x/`
            // as ING does) is the payer matching looks for (review 43b, F-4).
            "ULTD" => {
                party = code;
                ultimate_debtor = plain.split('/').next().and_then(clean_text);
            }
            "NAME" if party == "ULTD" => ultimate_debtor = ultimate_debtor.or(clean_text(plain)),
            "NAME" if party.starts_with("ULT") => {
                ultimate_name = ultimate_name.or(clean_text(plain))
            }
            "NAME" => info.name = info.name.or(clean_text(plain)),
            "IBAN" => info.account = info.account.or(clean_account(plain)),
            "CNTP" => {
                let mut parts = value.split('/');
                let account = parts.next().and_then(clean_account);
                let _bic = parts.next();
                info.account = info.account.or(account);
                info.name = info.name.or(parts.next().and_then(clean_text));
            }
            "REMI" => remi = Some(value),
            "EREF" => {
                info.end_to_end =
                    clean_text(plain).filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED"));
            }
            "TRTP" => kind = plain,
            "RTRN" if !plain.is_empty() => info.returned = true,
            _ => {}
        }
    }
    let kind_lower = kind.to_lowercase();
    info.returned |= ["storno", "terugboeking", "return"]
        .iter()
        .any(|w| kind_lower.contains(w));
    info.name = ultimate_debtor.or(info.name).or(ultimate_name);
    if let Some(remi) = remi {
        (info.remittance, info.reference) = read_remi(remi);
    }
    if info.reference.is_none() && kind.to_ascii_uppercase().contains("ACCEPTGIRO") {
        let last_word = info
            .remittance
            .as_deref()
            .and_then(|r| r.split_whitespace().last());
        info.reference = info
            .end_to_end
            .as_deref()
            .into_iter()
            .chain(last_word)
            .find(|r| is_kenmerk(r))
            .map(str::to_string);
    }
    info
}

/// The `/REMI/` value as free text or as a structured reference (betalingskenmerk or RF).
pub(super) fn read_remi(value: &str) -> (Option<String>, Option<String>) {
    let v = value.trim();
    if let Some(text) = v.strip_prefix("USTD//") {
        return (clean_text(text.trim_end().trim_end_matches('/')), None);
    }
    if let Some(rest) = v.strip_prefix("STRD/") {
        let reference = rest.split('/').filter(|p| !p.is_empty()).nth(1);
        return (None, reference.and_then(clean_account));
    }
    if let Some(i) = v.find("CDTRREF/") {
        let reference = v[i + 8..].split('/').next().and_then(clean_account);
        return (None, reference);
    }
    if v.starts_with("ISSUER:") {
        if let Some(i) = v.find("REF:") {
            let reference = v[i + 4..].split_whitespace().next().map(str::to_string);
            return (None, reference);
        }
    }
    let text = v.trim_end_matches('/');
    match standalone_reference(text) {
        Some(reference) => (None, Some(reference)),
        None => (clean_text(text), None),
    }
}

/// A betalingskenmerk the text names as such (`BETALINGSKENM.: 1234…`, `SCOR/CUR/1234…`,
/// `kenmerk 1234…`); after a bare "kenmerk" only a full 16 digits count.
pub(super) fn labelled_kenmerk(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    [("BETALINGSKENM", 7), ("/CUR/", 7), ("KENMERK", 16)]
        .iter()
        .flat_map(|&(label, min)| {
            upper
                .match_indices(label)
                .map(move |(i, _)| (i + label.len(), min))
        })
        .find_map(|(start, min)| {
            let rest = &upper[start..];
            let rest = rest.strip_prefix("ERK").unwrap_or(rest);
            let rest = rest.trim_start_matches([':', '.', ' ']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (min..=16).contains(&digits.len()).then_some(digits)
        })
}

/// German-style subfields `051?00text?20text` (and Triodos' `000>20text`): the separator.
pub(super) fn subfield_separator(s: &str) -> Option<char> {
    let b = s.trim_start().as_bytes();
    let ok = b.len() >= 6
        && b[..3].iter().all(u8::is_ascii_digit)
        && matches!(b[3], b'?' | b'>')
        && b[4..6].iter().all(u8::is_ascii_digit);
    ok.then(|| b[3] as char)
}

/// Reads `?20`–`?29`/`?60`–`?63` as the description, `?31` as the account and `?32`/`?33` as
/// the name. Subfields hold 27 characters; a full one continues in the next without a space.
pub(super) fn parse_subfields(s: &str, sep: char) -> Info {
    let mut marks: Vec<(usize, u8)> = Vec::new();
    for (i, _) in s.match_indices(sep) {
        let code = s
            .get(i + 1..i + 3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()));
        if let Some(code) = code.and_then(|c| c.parse().ok()) {
            marks.push((i, code));
        }
    }
    let mut purpose = String::new();
    // The purpose subfields as the bank cut them, joined again without anything between.
    let mut purpose_whole = String::new();
    let mut name = String::new();
    let mut account = None;
    let mut iban_in_purpose = None;
    let mut last_purpose_len = 0;
    let mut last_name_len = 0;
    for (k, &(i, code)) in marks.iter().enumerate() {
        let end = marks.get(k + 1).map_or(s.len(), |m| m.0);
        let value = &s[i + 3..end];
        match code {
            20..=29 | 60..=63 => {
                if iban_in_purpose.is_none() {
                    iban_in_purpose = clean_account(value).filter(|v| looks_like_iban(v));
                }
                push_subfield(&mut purpose, value, last_purpose_len);
                purpose_whole.push_str(value);
                last_purpose_len = value.chars().count();
            }
            31 => account = clean_account(value),
            32 | 33 => {
                push_subfield(&mut name, value, last_name_len);
                last_name_len = value.chars().count();
            }
            _ => {}
        }
    }
    let sepa = sepa_keywords(&purpose_whole);
    let keyword = |key: &str| {
        sepa.iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| clean_text(v))
    };
    Info {
        account: iban_in_purpose.or(account),
        name: clean_text(&name),
        // The remittance text after `SVWZ+`; without one, the whole purpose, keywords and all.
        remittance: keyword("SVWZ+").or_else(|| clean_text(&purpose)),
        end_to_end: keyword("EREF+").filter(|e| !e.eq_ignore_ascii_case("NOTPROVIDED")),
        ..Info::default()
    }
}

/// The keywords of a SEPA purpose in German subfields (the DFÜ agreement's `EREF+` end-to-end
/// id, `MREF+` mandate, `CRED+` creditor id, `SVWZ+` remittance text, ...).
const SEPA_KEYWORDS: [&str; 13] = [
    "EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+",
    "COAM+", "OAMT+", "SQTP+",
];

/// A SEPA purpose split at its keywords, each with its text (the subfields joined as the bank
/// cut them, mid-word at 27 characters or wherever); none when it does not start with one.
fn sepa_keywords(purpose: &str) -> Vec<(&'static str, &str)> {
    let purpose = purpose.trim_start();
    if !SEPA_KEYWORDS.iter().any(|k| purpose.starts_with(k)) {
        return Vec::new();
    }
    let mut starts: Vec<(usize, &'static str)> = SEPA_KEYWORDS
        .iter()
        .flat_map(|k| purpose.match_indices(k).map(move |(i, _)| (i, *k)))
        .collect();
    starts.sort_unstable();
    starts
        .iter()
        .enumerate()
        .map(|(n, &(i, k))| {
            let end = starts.get(n + 1).map_or(purpose.len(), |s| s.0);
            (k, &purpose[i + k.len()..end])
        })
        .collect()
}

pub(super) fn push_subfield(to: &mut String, value: &str, previous_len: usize) {
    if !to.is_empty() && (previous_len < 27 || !glued(to, value)) {
        to.push(' ');
    }
    to.push_str(value);
}

/// Unstructured `:86:` (old ABN AMRO, ING, Rabobank; ASN, SNS): all of it as remittance, with
/// the account and name taken from labels (`IBAN:`, `NAAM:`, `REK:`) or the start of the text.
pub(super) fn parse_free(text: &str, first_line: &str) -> Info {
    let mut info = Info {
        remittance: clean_text(text),
        ..Info::default()
    };
    info.account = label_value(text, "IBAN:")
        .or_else(|| label_value(text, "REK:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| clean_account(v.trim_end_matches(['/', ','])));
    info.name = label_value(text, "NAAM:").and_then(|v| clean_text(v.trim().trim_end_matches('/')));
    if info.account.is_none() {
        let (account, name) = leading_account(first_line);
        info.account = account;
        info.name = info.name.or(name);
    }
    info
}

/// The text after `label` up to the next label, when the label starts a word.
pub(super) fn label_value<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let start = label_at(text, label)? + label.len();
    let rest = &text[start..];
    let end = LABELS
        .iter()
        .filter_map(|l| label_at(rest, l))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

pub(super) fn label_at(text: &str, label: &str) -> Option<usize> {
    text.match_indices(label).map(|(i, _)| i).find(|&i| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '/' | ','))
    })
}

/// An account at the start of free text: `GIRO 428428 NAME`, `52.89.39.882 NAME`, an IBAN or a
/// plain bank account number. The name is taken only after a giro or dotted number, up to a
/// double space.
pub(super) fn leading_account(line: &str) -> (Option<String>, Option<String>) {
    let t = line.trim_start();
    if let Some(rest) = t
        .strip_prefix("GIRO")
        .filter(|r| r.starts_with(char::is_whitespace))
    {
        let rest = rest.trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            let name = name_until_gap(&rest[digits.len()..]);
            return (Some(digits), name);
        }
    }
    let Some(first) = t.split_whitespace().next() else {
        return (None, None);
    };
    if looks_like_iban(first) {
        return (Some(first.to_string()), None);
    }
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_dots = first.chars().all(|c| c.is_ascii_digit() || c == '.');
    if only_digits_and_dots && matches!(digits.len(), 9 | 10) {
        let name = first
            .contains('.')
            .then(|| name_until_gap(&t[first.len()..]))
            .flatten();
        return (Some(digits), name);
    }
    (None, None)
}

pub(super) fn name_until_gap(s: &str) -> Option<String> {
    let s = s.trim_start();
    clean_text(s.split("  ").next().unwrap_or(s))
}
