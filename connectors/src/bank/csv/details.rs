//! The description column: the payer's name, account, payment reference and text, from the way
//! each bank writes them (labels, `/TRTP/` slash fields, ING's and ABN AMRO's own forms).

#[allow(unused_imports)]
use super::*;

/// What the free text says besides the columns.
#[derive(Default)]
pub(super) struct Details {
    pub(super) name: Option<String>,
    pub(super) account: Option<String>,
    pub(super) remittance: Option<String>,
    pub(super) structured: Option<String>,
    pub(super) end_to_end: Option<String>,
    pub(super) value_date: Option<NaiveDate>,
    pub(super) reversal: bool,
    /// What kind of line the text says it is, where it says nothing else (ABN AMRO's `SEPA
    /// Incasso batch … Aantal posten: 3`).
    pub(super) kind: Option<String>,
}

pub(super) const NAAM: &str = "Naam";

pub(super) const OMSCHRIJVING: &str = "Omschrijving";

pub(super) const IBAN: &str = "IBAN";

pub(super) const KENMERK: &str = "Kenmerk";

pub(super) const BETALINGSKENMERK: &str = "Betalingskenmerk";

pub(super) const BETALINGSKENM: &str = "Betalingskenm.";

pub(super) const VALUTADATUM: &str = "Valutadatum";

/// `Label:` markers in ING and ABN AMRO texts; longer ones first where one starts another.
pub(super) const LABELS: &[&str] = &[
    BETALINGSKENMERK,
    BETALINGSKENM,
    OMSCHRIJVING,
    "Machtiging ID",
    "Machtiging",
    "Incassant ID",
    "Incassant",
    "ID debiteur",
    VALUTADATUM,
    "Datum/Tijd",
    "Referentie",
    "Pasvolgnr",
    "Transactie",
    KENMERK,
    NAAM,
    IBAN,
    "BIC",
    "Voor",
    "Term",
    // Why a direct debit came back (`Reden: MD06`): not part of the name before it.
    "Reden",
];

/// A text split at its `Label:` markers.
pub(super) struct Labelled<'t> {
    pub(super) text: &'t str,
    /// Text before the first label.
    pub(super) prefix: &'t str,
    /// Label, where it starts, and its value up to the next label.
    pub(super) fields: Vec<(&'static str, usize, &'t str)>,
}

impl<'t> Labelled<'t> {
    pub(super) fn parse(text: &'t str) -> Labelled<'t> {
        let b = text.as_bytes();
        let mut marks: Vec<(&'static str, usize, usize)> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] >= 0x80);
            let hit = LABELS.iter().find(|l| {
                boundary
                    && b.len() > i + l.len()
                    && b[i..i + l.len()].eq_ignore_ascii_case(l.as_bytes())
                    && b[i + l.len()] == b':'
            });
            match hit {
                Some(l) => {
                    marks.push((l, i, i + l.len() + 1));
                    i += l.len() + 1;
                }
                None => i += 1,
            }
        }
        let fields = marks
            .iter()
            .enumerate()
            .map(|(k, &(label, start, value))| {
                let end = marks.get(k + 1).map_or(text.len(), |m| m.1);
                (label, start, &text[value..end])
            })
            .collect();
        Labelled {
            text,
            prefix: &text[..marks.first().map_or(text.len(), |m| m.1)],
            fields,
        }
    }

    pub(super) fn get(&self, label: &str) -> Option<&'t str> {
        self.fields.iter().find(|f| f.0 == label).map(|f| f.2)
    }

    pub(super) fn value(&self, label: &str) -> Option<String> {
        self.get(label).and_then(clean_text)
    }

    pub(super) fn has(&self, label: &str) -> bool {
        self.get(label).is_some()
    }

    pub(super) fn structured(&self) -> Option<String> {
        self.get(BETALINGSKENM)
            .or_else(|| self.get(BETALINGSKENMERK))
            .and_then(kenmerk)
    }

    /// The text without one label and its value.
    pub(super) fn without(&self, label: &str) -> String {
        let mut out = String::new();
        let mut from = 0;
        for (k, f) in self.fields.iter().enumerate() {
            if f.0 == label {
                out.push_str(&self.text[from..f.1]);
                out.push(' ');
                from = self.fields.get(k + 1).map_or(self.text.len(), |n| n.1);
            }
        }
        out.push_str(&self.text[from..]);
        out
    }
}

/// A payment reference: digits with their spaces removed, other text cleaned.
pub(super) fn kenmerk(raw: &str) -> Option<String> {
    let t = clean_text(raw)?;
    if t.chars().all(|c| c.is_ascii_digit() || c == ' ') {
        Some(t.replace(' ', ""))
    } else {
        Some(t)
    }
}

/// The 16-digit acceptgiro reference, written whole or in four groups of four.
pub(super) fn sixteen_digits(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let digits = |w: &str, n: usize| w.len() == n && w.bytes().all(|b| b.is_ascii_digit());
    if let Some(w) = words.iter().find(|w| digits(w, 16)) {
        return Some(w.to_string());
    }
    words
        .windows(4)
        .find(|ws| ws.iter().all(|w| digits(w, 4)))
        .map(|ws| ws.concat())
}

pub(super) fn contains_ci(text: &str, needle: &str) -> bool {
    text.to_ascii_uppercase().contains(needle)
}

/// A text without the single quotes around it (`'Factuur 2024-031'`).
pub(super) fn unquote(text: &str) -> &str {
    let t = text.trim();
    t.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(t)
}

/// A text as written, and the structured reference its `Betalingskenm.:` label names.
pub(super) fn plain_details(text: &str) -> Details {
    Details {
        remittance: clean_text(text),
        structured: Labelled::parse(text).structured(),
        ..Details::default()
    }
}

pub(super) fn ing_details(text: &str) -> Details {
    let l = Labelled::parse(text);
    let transfer = [NAAM, OMSCHRIJVING, IBAN, KENMERK].iter().any(|k| l.has(k));
    let remittance = if transfer {
        l.value(OMSCHRIJVING)
    } else {
        clean_text(&l.without(VALUTADATUM))
    };
    let value_date = l
        .get(VALUTADATUM)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| parse_date(v, DateFormat::DmyDash).ok());
    Details {
        name: l.value(NAAM),
        account: l.get(IBAN).and_then(clean_account),
        remittance,
        structured: l.structured(),
        end_to_end: l.value(KENMERK),
        value_date,
        // A direct debit given back: `Storno incasso … Reden: MD06`.
        reversal: contains_ci(text, "STORNO") || contains_ci(text, "TERUGBOEKING"),
        kind: None,
    }
}

/// Keys of the ABN AMRO `/KEY/value` description (as in MT940 `:86:`).
pub(super) const SLASH_KEYS: &[&str] = &[
    "TRTP", "CSID", "NAME", "MARF", "REMI", "IBAN", "BIC", "EREF", "ORDP", "BENM", "ID", "ISDT",
    "RTRN", "SVCL", "PREF", "ULTC", "ULTD", "ADDR", "PURP",
];

pub(super) fn slash_fields(text: &str) -> Vec<(&'static str, &str)> {
    let b = text.as_bytes();
    let mut marks: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hit = (b[i] == b'/')
            .then(|| {
                SLASH_KEYS.iter().find(|k| {
                    text[i + 1..].starts_with(*k) && b.get(i + 1 + k.len()) == Some(&b'/')
                })
            })
            .flatten();
        match hit {
            Some(k) => {
                marks.push((k, i, i + k.len() + 2));
                i += k.len() + 2;
            }
            None => i += 1,
        }
    }
    marks
        .iter()
        .enumerate()
        .map(|(n, &(key, _, value))| {
            let end = marks.get(n + 1).map_or(text.len(), |m| m.1);
            (key, &text[value.min(end)..end])
        })
        .collect()
}

pub(super) fn abn_details(text: &str) -> Details {
    let t = text.trim();
    let mut d = if t.starts_with('/') {
        abn_slash_details(t)
    } else if t.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("SEPA")) {
        let l = Labelled::parse(t);
        let mut d = Details {
            name: l.value(NAAM),
            account: l.get(IBAN).and_then(clean_account),
            remittance: l.value(OMSCHRIJVING),
            structured: l.structured(),
            end_to_end: l.value(KENMERK),
            ..Details::default()
        };
        if d.structured.is_none() && contains_ci(l.prefix, "ACCEPTGIRO") {
            d.structured = sixteen_digits(t);
        }
        if d.remittance.is_none() && d.name.is_none() && d.account.is_none() {
            d.kind = clean_text(t);
        }
        d
    } else {
        Details {
            name: card_payee(t),
            remittance: clean_text(t),
            ..Details::default()
        }
    };
    d.reversal |= contains_ci(t, "TERUGBOEKING");
    d
}

pub(super) fn abn_slash_details(t: &str) -> Details {
    let fields = slash_fields(t);
    let get = |k: &str| fields.iter().find(|f| f.0 == k).map(|f| f.1);
    let kind = get("TRTP").unwrap_or("");
    let mut d = Details {
        name: get("NAME").and_then(clean_text),
        account: get("IBAN").and_then(clean_account),
        end_to_end: get("EREF").and_then(clean_text),
        reversal: get("RTRN").is_some()
            || contains_ci(kind, "RETOUR")
            || contains_ci(kind, "STORNO"),
        ..Details::default()
    };
    let remi = get("REMI").unwrap_or("").trim();
    if let Some(reference) = remi.strip_prefix("STRD/CUR/").or_else(|| {
        remi.strip_prefix("ISSUER: CUR")
            .and_then(|r| r.split("REF:").nth(1))
    }) {
        d.structured = kenmerk(reference.trim_end_matches('/'));
    } else {
        let free = remi
            .strip_prefix("USTD//")
            .or_else(|| remi.strip_prefix("USTD/"))
            .unwrap_or(remi);
        d.remittance = clean_text(free);
        d.structured = Labelled::parse(free).structured();
    }
    if d.structured.is_none() && contains_ci(kind, "ACCEPTGIRO") {
        d.structured = sixteen_digits(remi);
    }
    d
}

/// The shop of a card payment (`BEA`/`GEA`): the 32-column block before `,PAS`.
pub(super) fn card_payee(t: &str) -> Option<String> {
    let kind = t.get(..3)?;
    if !kind.eq_ignore_ascii_case("BEA") && !kind.eq_ignore_ascii_case("GEA") {
        return None;
    }
    let pas = t.find(",PAS")?;
    let start = t.char_indices().nth(32).map(|(i, _)| i)?;
    (start < pas).then(|| clean_text(&t[start..pas])).flatten()
}
