//! Columns the reader maps to no field but that may say whether a debt is owed: a status or
//! document kind under a header it does not know, an open or paid amount, a second total, the
//! debtor's code, an agreed payment term. Ignored, such a column could have a paid, credited,
//! disputed or not yet due invoice claimed, so a file with one is refused until a profile maps
//! it or says to ignore it.

use crate::csv::detect::{column_values, mostly_codes, SampleRecord, SAMPLE_ROWS};
use crate::csv::headers::{field_for_header, normalise_header, Field};
use crate::csv::reader::{kind_word, status_word, KindWord, StatusWord};
use crate::values::{parse_amount, DecimalMark};

/// An unmapped column that may decide whether a debt is owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suspect {
    /// The header as written.
    pub column: String,
    /// What its header or values suggest, in words.
    pub why: String,
    /// The profile line that maps it, as the user would write it.
    pub hint: String,
}

/// The name a column goes by in messages: its header, or its place when it has none.
pub(crate) fn column_label(header: &[String], i: usize) -> String {
    match header.get(i).map(|h| h.trim()) {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => format!("column {} (no header)", i + 1),
    }
}

/// Whether the profile's `ignore` names a header.
pub(crate) fn ignored_by(ignore: &[String], h: &str) -> bool {
    !h.trim().is_empty()
        && ignore
            .iter()
            .any(|x| x.trim() == h.trim() || normalise_header(x) == normalise_header(h))
}

/// Header words of a flag or status that says a document is not simply owed: paid, disputed,
/// on a plan, blocked, written off, credited, handed over.
const NOT_OWED_WORDS: [&str; 39] = [
    "afgeletterd",
    "geincasseerd",
    "received",
    "ontvangst",
    "open",
    "afgehandeld",
    "done",
    "erledigt",
    "traite",
    "betaald",
    "paid",
    "paye",
    "bezahlt",
    "voldaan",
    "settled",
    "vereffend",
    "cleared",
    "gesloten",
    "closed",
    "ontvangen",
    "betwist",
    "dispute",
    "litige",
    "bestritten",
    "regeling",
    "plan",
    "hold",
    "blok",
    "block",
    "afgeboekt",
    "afgeschreven",
    "writtenoff",
    "oninbaar",
    "gecrediteerd",
    "credited",
    "incasso",
    "collection",
    "inkasso",
    "geschil",
];

/// Header words of a way of paying or of a workflow, whose values may read as status words
/// (`Direct debit`, `Verzonden`) without saying whether a debt is owed.
const NOT_STATUS_WORDS: [&str; 9] = [
    "wijze",
    "method",
    "methode",
    "mode",
    "herinnering",
    "reminder",
    "verzend",
    "workflow",
    "zahlungsart",
];

/// The first unmapped column (not in `columns`, not in the profile's `ignore`) that may decide
/// whether a debt is owed, judged by its header's words and the sample's values.
pub(crate) fn suspect(
    header: &[String],
    data: &[SampleRecord],
    columns: &[(Field, usize)],
    ignore: &[String],
    mark: Option<DecimalMark>,
) -> Option<Suspect> {
    let mapped = |f: Field| columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i);
    let width = data
        .iter()
        .map(|r| r.fields.len())
        .max()
        .unwrap_or(0)
        .max(header.len());
    for i in 0..width {
        let h = header.get(i).map(String::as_str).unwrap_or("");
        if columns.iter().any(|(_, j)| *j == i) || ignored_by(ignore, h) {
            continue;
        }
        let label = column_label(header, i);
        let values = column_values(data, i);
        if values.is_empty() {
            continue;
        }
        let words = header_words(h);
        // Dutch writes compounds as one word (`Betaalstatus`, `Betalingstermijn`): a part
        // anywhere in a word counts.
        let has = |parts: &[&str]| words.iter().any(|w| parts.iter().any(|p| w.contains(p)));
        let is = |whole: &[&str]| words.iter().any(|w| whole.contains(&w.as_str()));
        let make = |why: String, field: &str| Suspect {
            column: label.clone(),
            why,
            hint: format!("[columns] {field} = \"{label}\""),
        };
        let workflow = has(&NOT_STATUS_WORDS);
        if mapped(Field::Kind).is_none() {
            if let Some(word) = credit_words(&values) {
                return Some(make(
                    format!("it holds words for a credit note ('{word}'): read as invoices, credit notes would be claimed"),
                    "kind",
                ));
            }
        }
        if !workflow {
            if let Some(word) = status_words(&values) {
                return Some(make(
                    format!(
                        "it holds status words ('{word}') that say a document is not simply open"
                    ),
                    "status",
                ));
            }
        }
        // `N/A`, `-`, `?` say neither: the flag is read from the others.
        let neutral = values.iter().filter(|v| neutral(v)).count();
        let yes_no = values.iter().filter(|v| yes_or_no(v)).count();
        if has(&NOT_OWED_WORDS)
            && !workflow
            && values.iter().any(|v| is_yes(v))
            && yes_no * 5 >= (values.len() - neutral) * 4
        {
            let (yes, no) = (
                values.iter().find(|v| is_yes(v)),
                values.iter().find(|v| yes_or_no(v) && !is_yes(v)),
            );
            return Some(Suspect {
                column: label.clone(),
                why: "it reads as a yes/no flag that a document is paid, disputed, on a plan, blocked or written off".into(),
                hint: format!(
                    "[columns] status = \"{label}\" with [status] \"{}\" = \"paid\" (or disputed, payment-pending, void) and \"{}\" = \"open\"",
                    yes.unwrap_or(&"Ja"),
                    no.unwrap_or(&"Nee")
                ),
            });
        }
        if has(&[
            "betaal", "betaling", "paid", "paye", "paiement", "bezahlt", "zahlung", "payment",
            "ontvang", "voldaan", "encaiss",
        ]) && values.iter().filter(|v| is_date(v)).count() * 5 >= values.len() * 4
        {
            return Some(Suspect {
                column: label.clone(),
                why: "it holds dates under a header that speaks of paying: it may say when the document was paid".into(),
                hint: format!("[columns] status = \"{label}\" is no fit: export the status or the open amount too, and list it under ignore"),
            });
        }
        if mapped(Field::DueDate).is_none()
            && mapped(Field::PaymentTerm).is_none()
            && (has(&[
                "termijn",
                "betalingsvoorwaard",
                "betaalvoorwaard",
                "conditie",
                "condition",
                "delai",
                "zahlungsziel",
                "zahlungsbeding",
                "falligkeit",
                "paymentterm",
                "creditday",
                "echeance",
            ]) || is(&["term", "terms", "dagen", "days", "tage", "jours"]))
        {
            return Some(Suspect {
                column: label.clone(),
                why: "it may hold the agreed payment term, and the file has no due date: the due date would be taken as the issue date plus the default term".into(),
                hint: format!("[columns] payment_term = \"{label}\" when it holds days, else payment_term_days = N or export the due date"),
            });
        }
        // A column of signs beside amounts written without one: which are credit notes.
        if mapped(Field::Kind).is_none()
            && values.iter().all(|v| matches!(*v, "+" | "-" | "\u{2212}"))
            && values.iter().any(|v| *v != "+")
        {
            return Some(make(
                "it holds each amount's sign: read without it, credit notes would be claimed"
                    .into(),
                "kind",
            ));
        }
        let amounts = values
            .iter()
            .filter(|v| parse_amount(v, mark).is_ok())
            .count()
            * 5
            >= values.len() * 4;
        // Counts of days and rates are numbers too, and a discount or a debtor's whole balance
        // is no amount of the invoice.
        let no_amount = has(&[
            "koers", "rate", "kurs", "dagen", "days", "tage", "jours", "aantal", "count",
            "percent", "procent", "korting", "discount", "skonto", "escompte",
        ]) || (has(&["saldo", "balanc", "solde"])
            && has(&[
                "debiteur", "debtor", "klant", "customer", "relatie", "client",
            ]));
        if amounts && !no_amount {
            if let Some(f) = field_for_header(h).filter(|f| mapped(*f).is_some()) {
                let other = mapped(f).expect("mapped");
                if differs(data, i, other, mark) {
                    return Some(make(
                        format!(
                            "its header also names the {} and its amounts differ from those of '{}', which is read as it",
                            f.name(),
                            header[other]
                        ),
                        f.name(),
                    ));
                }
                continue;
            }
            if is(&["vv", "fc", "fcy", "fw"])
                || has(&["valuta", "foreign", "currency", "devise", "fremdwahrung"])
            {
                return Some(make(
                    "its header says it holds amounts in the invoice's own currency".into(),
                    "total",
                ));
            }
            // Beside an open amount, what was paid says nothing more; another open amount that
            // differs from it is a doubt.
            let open = mapped(Field::Open);
            let told_open = open.is_some() || mapped(Field::Paid).is_some();
            let open_words = has(&[
                "open",
                "saldo",
                "restant",
                "resterend",
                "restbedrag",
                "solde",
                "outstand",
                "remain",
                "balanc",
                "offen",
                "ouvert",
                "reste",
                "verbleib",
                "ausstehend",
                "vervallen",
                "achterstallig",
            ]) || is(&["due"]);
            if open_words
                && open.is_none_or(|o| differs(data, i, o, mark))
                && (open.is_some() || !told_open)
            {
                return Some(make(
                    "its header speaks of what is still open".into(),
                    "open",
                ));
            }
            if !told_open
                && has(&[
                    "betaal",
                    "betaling",
                    "ontvang",
                    "voldaan",
                    "paid",
                    "payment",
                    "receiv",
                    "paye",
                    "bezahlt",
                    "gezahlt",
                    "regle",
                    "verrekend",
                    "settled",
                    "allocated",
                    "zahlung",
                    "encaiss",
                    "afletter",
                ])
            {
                return Some(make(
                    "its header speaks of what was paid".into(),
                    "paid_amount",
                ));
            }
            let of_tax = has(&[
                "btw", "vat", "tax", "excl", "tva", "mwst", "ust", "netto", "net",
            ]);
            if !of_tax && has(&["totaal", "total", "incl", "tebetalen", "gesamt", "brutto"]) {
                return Some(make("its header speaks of a total".into(), "total"));
            }
        }
        if mapped(Field::DebtorId).is_none()
            && (has(&[
                "klant",
                "client",
                "debiteur",
                "debtor",
                "customer",
                "relatie",
                "kunde",
                "debitor",
                "lidnummer",
            ]) || is(&["code", "id", "account", "nr", "nummer"]))
            && !has(&[
                "saldo", "balanc", "solde", "bedrag", "amount", "totaal", "total",
            ])
            && mostly_codes(&values)
        {
            return Some(make(
                "it may hold the debtors' codes: without them debtors are told apart by name alone, and two customers of one name become one".into(),
                "debtor_id",
            ));
        }
    }
    None
}

/// Columns no field is read from whose header names the same amount field as a column read
/// (`Totaal` beside `Bedrag`), or speaks of a debtor where the debtor's id is read
/// (`Factuurdebiteur` beside `Debiteur`): [`suspect`] let them pass on the sample; the reader
/// holds them to that column on every row.
pub(crate) fn twins(
    header: &[String],
    data: &[SampleRecord],
    columns: &[(Field, usize)],
    ignore: &[String],
) -> Vec<(Field, usize)> {
    // A debtor's code, not a contact person's name or a group.
    let codes = |i: usize| mostly_codes(&column_values(data, i));
    let mapped = |f: Field| columns.iter().any(|(g, _)| *g == f);
    let mut out = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if columns.iter().any(|(_, j)| *j == i) || ignored_by(ignore, h) || h.trim().is_empty() {
            continue;
        }
        match field_for_header(h) {
            Some(f) if mapped(f) && crate::csv::detect::AMOUNT_FIELDS.contains(&f) => {
                out.push((f, i))
            }
            Some(Field::DebtorId) if mapped(Field::DebtorId) && codes(i) => {
                out.push((Field::DebtorId, i))
            }
            None if mapped(Field::DebtorId) => {
                let words = header_words(h);
                let debtor = words.iter().any(|w| {
                    [
                        "debiteur", "debtor", "customer", "klant", "kunde", "debitor",
                    ]
                    .iter()
                    .any(|p| w.contains(p))
                });
                let other = words.iter().any(|w| {
                    [
                        "naam", "name", "nom", "contact", "persoon", "adres", "mail", "tel",
                        "iban", "plaats", "land", "type", "groep", "group", "categor", "kvk",
                        "btw", "vat", "soort",
                    ]
                    .iter()
                    .any(|p| w.contains(p))
                });
                if debtor && !other && codes(i) {
                    out.push((Field::DebtorId, i));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a value reads as a date in one of the layouts exports use.
fn is_date(v: &str) -> bool {
    crate::values::DateFormat::ALL
        .into_iter()
        .any(|f| crate::values::parse_date(v, f).is_ok())
}

/// Watches every row's cells in the columns no field is read from, past the sample that
/// [`suspect`] saw: a status word or a credit note's word in one (`Betaald` on row 501 of
/// `Opmerking`) refuses the file naming line and column, and so does a description that calls a
/// document of positive amount a credit note where no column says its kind.
pub(crate) struct Watch {
    /// The columns watched, with their labels.
    columns: Vec<(usize, String)>,
    /// Verdicts on values seen (at most [`Watch::CACHE`]).
    seen: rustc_hash::FxHashMap<Box<str>, Option<&'static str>>,
}

impl Watch {
    /// Most verdicts kept (free text would otherwise grow the table without end).
    const CACHE: usize = 4096;

    /// The columns of a file to watch: neither mapped nor ignored by the profile.
    pub(crate) fn new(header: &[String], columns: &[(Field, usize)], ignore: &[String]) -> Watch {
        Watch {
            columns: (0..header.len())
                .filter(|i| !columns.iter().any(|(_, j)| j == i))
                .filter(|&i| !ignored_by(ignore, header.get(i).map(String::as_str).unwrap_or("")))
                .map(|i| (i, column_label(header, i)))
                .collect(),
            seen: rustc_hash::FxHashMap::default(),
        }
    }

    /// What a cell of an unmapped column says that may make the document not owed: a status
    /// other than open, or a credit note's word.
    fn verdict(&mut self, v: &str) -> Option<&'static str> {
        if v.len() > 60 || !v.bytes().any(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        if let Some(known) = self.seen.get(v) {
            return *known;
        }
        let said = match status_word(v) {
            StatusWord::Unknown | StatusWord::Is(incasso_core::model::DocumentStatus::Open) => {
                credit_note_named(v).then_some(CREDIT)
            }
            // `credit` alone is also a check, a limit or a card: a crediting is named so.
            StatusWord::Credited => {
                let lower = v.to_lowercase();
                (["crediteerd", "credited", "gutgeschrieben"]
                    .iter()
                    .any(|w| lower.contains(w))
                    || credit_note_named(v))
                .then_some(CREDIT)
            }
            _ => Some("a status other than open"),
        };
        if self.seen.len() < Self::CACHE {
            self.seen.insert(v.into(), said);
        }
        said
    }

    /// The first watched cell of a row that may say its document is not owed: its column, its
    /// value and what it says.
    pub(crate) fn row<'v>(
        &mut self,
        credit_note: bool,
        cell: impl Fn(usize) -> &'v str,
    ) -> Option<(String, String, &'static str)> {
        for k in 0..self.columns.len() {
            let (i, _) = self.columns[k];
            let v = cell(i).trim();
            if v.is_empty() {
                continue;
            }
            // Of a credit note, words of crediting are what it is.
            if let Some(what) = self.verdict(v).filter(|w| !(credit_note && *w == CREDIT)) {
                return Some((self.columns[k].1.clone(), v.to_string(), what));
            }
        }
        None
    }
}

/// What [`Watch`] says of a cell that names a credit note or a crediting.
const CREDIT: &str = "a credit note or a crediting";

/// Whether a text names a credit note in so many words (`Creditnota`, `credit note bij F1`,
/// `Kredietnota`, `Avoir`, `Gutschrift`, `Stornorechnung`): a card or a credit limit does not.
pub(crate) fn credit_note_named(text: &str) -> bool {
    const NAMES: [&str; 12] = [
        "creditnota",
        "creditfactuur",
        "credit note",
        "creditnote",
        "kredietnota",
        "creditering",
        "avoir",
        "note de credit",
        "gutschrift",
        "stornorechnung",
        "minfactuur",
        "credit memo",
    ];
    let b = text.as_bytes();
    // Most texts name none: one pass over the bytes looks where a name could begin, so a
    // million descriptions are not folded.
    let hint = (0..b.len()).any(|i| {
        let stem: &[u8] = match b[i] | 0x20 {
            b'c' => b"credit",
            b'k' => b"krediet",
            b'a' => b"avoir",
            b'g' => b"gutschrift",
            b's' => b"storno",
            b'm' => b"minfactuur",
            _ => return false,
        };
        b.len() - i >= stem.len() && b[i..i + stem.len()].eq_ignore_ascii_case(stem)
    });
    if !hint {
        return false;
    }
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(crate::csv::headers::fold_accent)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let folded = format!(
        " {} ",
        folded.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    NAMES
        .iter()
        .any(|n| folded.contains(&format!(" {n} ")) || folded.contains(&format!(" {n}")))
}

/// Whether a value is a yes or a no (`Ja`, `Nee`, `Y`, `N`, `X`, `1`, `0`, `true`, ...).
fn yes_or_no(v: &str) -> bool {
    is_yes(v)
        || matches!(
            v.to_lowercase().as_str(),
            "nee" | "no" | "n" | "0" | "false" | "onwaar" | "non" | "nein" | "☐"
        )
}

/// Whether a flag's value says neither yes nor no (`N/A`, `-`, `?`, `nvt`).
fn neutral(v: &str) -> bool {
    matches!(
        v.to_lowercase().as_str(),
        "n/a" | "na" | "-" | "?" | "nvt" | "n.v.t." | "onbekend" | "unknown"
    )
}

/// Whether a value is a yes.
fn is_yes(v: &str) -> bool {
    matches!(
        v.to_lowercase().as_str(),
        "ja" | "yes"
            | "j"
            | "y"
            | "x"
            | "1"
            | "true"
            | "waar"
            | "oui"
            | "o"
            | "✓"
            | "✔"
            | "☑"
            | "☒"
    )
}

/// A header's words ([`crate::csv::headers::words`]), and the header whole.
fn header_words(h: &str) -> Vec<String> {
    let mut out = crate::csv::headers::words(h);
    // The header whole, too: `Betaalstatus` is one word.
    let whole = normalise_header(h);
    if out.len() > 1 && !whole.is_empty() {
        out.push(whole);
    }
    out
}

/// A status word other than open, when at least half the values are short status phrases.
fn status_words<'a>(values: &[&'a str]) -> Option<&'a str> {
    let short = |v: &str| v.split_whitespace().count() <= 4;
    let read: Vec<(&str, StatusWord)> = values
        .iter()
        .filter(|v| short(v) && !v.chars().any(|c| c.is_ascii_digit()))
        .map(|v| (*v, status_word(v)))
        .filter(|(_, w)| *w != StatusWord::Unknown)
        .collect();
    if read.is_empty() || read.len() * 2 < values.len() {
        return None;
    }
    read.iter()
        .find(|(_, w)| *w != StatusWord::Is(incasso_core::model::DocumentStatus::Open))
        .map(|(v, _)| *v)
}

/// A word for a credit note, when at least half the values are words for a document's kind.
fn credit_words<'a>(values: &[&'a str]) -> Option<&'a str> {
    let read: Vec<(&str, KindWord)> = values
        .iter()
        .filter(|v| v.split_whitespace().count() <= 4)
        .map(|v| (*v, kind_word(v)))
        .filter(|(_, k)| *k != KindWord::Unknown)
        .collect();
    if read.is_empty() || read.len() * 2 < values.len() {
        return None;
    }
    read.iter()
        .find(|(_, k)| *k == KindWord::CreditNote)
        .map(|(v, _)| *v)
}

/// Whether two amount columns differ in a row of the sample where both are amounts.
fn differs(data: &[SampleRecord], a: usize, b: usize, mark: Option<DecimalMark>) -> bool {
    data.iter().take(SAMPLE_ROWS).any(|r| {
        let amount = |i: usize| {
            r.fields
                .get(i)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .and_then(|v| parse_amount(v, mark).ok())
        };
        matches!((amount(a), amount(b)), (Some(x), Some(y)) if x != y)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: &[&[&str]]) -> Vec<SampleRecord> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| SampleRecord {
                line: i as u64 + 2,
                fields: r.iter().map(|s| s.to_string()).collect(),
            })
            .collect()
    }

    fn judge(header: &[&str], columns: &[(Field, usize)], rows: &[&[&str]]) -> Option<String> {
        let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        suspect(
            &header,
            &sample(rows),
            columns,
            &[],
            Some(DecimalMark::Comma),
        )
        .map(|s| format!("{} -> {}", s.column, s.hint))
    }

    const BASE: [(Field, usize); 4] = [
        (Field::Number, 0),
        (Field::IssueDate, 1),
        (Field::Total, 2),
        (Field::DebtorName, 3),
    ];

    #[test]
    fn a_status_column_under_a_header_the_reader_does_not_know_is_a_suspect() {
        let rows: &[&[&str]] = &[
            &["F1", "01-01-2026", "100,00", "Jansen", "Betaald"],
            &["F2", "01-01-2026", "200,00", "Jansen", "Openstaand"],
        ];
        assert_eq!(
            judge(
                &["Nr", "Datum", "Bedrag", "Naam", "Betaalstatus"],
                &BASE,
                rows
            )
            .as_deref(),
            Some("Betaalstatus -> [columns] status = \"Betaalstatus\"")
        );
        // Free text that only now and then holds a status word is no status column.
        let rows: &[&[&str]] = &[
            &["F1", "01-01-2026", "100,00", "Jansen", "Levering week 3"],
            &["F2", "01-01-2026", "200,00", "Jansen", "Project Noord"],
            &["F3", "01-01-2026", "200,00", "Jansen", "Betaald"],
        ];
        assert_eq!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Project"], &BASE, rows),
            None
        );
    }

    #[test]
    fn credit_note_words_amounts_codes_and_terms_are_suspects() {
        let kind: &[&[&str]] = &[
            &["F1", "01-01-2026", "100,00", "Jansen", "Factuur"],
            &["C1", "01-01-2026", "100,00", "Jansen", "Creditnota"],
        ];
        assert!(judge(
            &["Nr", "Datum", "Bedrag", "Naam", "Type factuur"],
            &BASE,
            kind
        )
        .unwrap()
        .ends_with("kind = \"Type factuur\""));
        let open: &[&[&str]] = &[&["F1", "01-01-2026", "100,00", "Jansen", "0,00"]];
        assert!(judge(
            &["Nr", "Datum", "Bedrag", "Naam", "Bedrag open"],
            &BASE,
            open
        )
        .unwrap()
        .ends_with("open = \"Bedrag open\""));
        assert!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Ontvangen"], &BASE, open)
                .unwrap()
                .ends_with("paid_amount = \"Ontvangen\"")
        );
        assert!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Bedrag VV"], &BASE, open)
                .unwrap()
                .ends_with("total = \"Bedrag VV\"")
        );
        // A second total that says the same is no doubt; one that differs is.
        let same: &[&[&str]] = &[&["F1", "01-01-2026", "100,00", "Jansen", "100,00"]];
        assert_eq!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Totaal"], &BASE, same),
            None
        );
        let other: &[&[&str]] = &[&["F1", "01-01-2026", "100,00", "Jansen", "121,00"]];
        assert!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Totaal"], &BASE, other)
                .unwrap()
                .ends_with("total = \"Totaal\"")
        );
        let code: &[&[&str]] = &[&["F1", "01-01-2026", "100,00", "Jansen", "K100"]];
        assert!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Klantcode"], &BASE, code)
                .unwrap()
                .ends_with("debtor_id = \"Klantcode\"")
        );
        let term: &[&[&str]] = &[&["F1", "01-01-2026", "100,00", "Jansen", "90 dagen"]];
        assert!(judge(
            &["Nr", "Datum", "Bedrag", "Naam", "Betalingstermijn"],
            &BASE,
            term
        )
        .unwrap()
        .contains("payment_term_days"));
        let flag: &[&[&str]] = &[
            &["F1", "01-01-2026", "100,00", "Jansen", "Ja"],
            &["F2", "01-01-2026", "100,00", "Jansen", "Nee"],
        ];
        assert!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Betaald"], &BASE, flag)
                .unwrap()
                .contains("[status] \"Ja\" = \"paid\" (or disputed, payment-pending, void) and \"Nee\" = \"open\"")
        );
        // A column of other amounts (a discount) or of notes says nothing of what is owed.
        assert_eq!(
            judge(&["Nr", "Datum", "Bedrag", "Naam", "Korting"], &BASE, open),
            None
        );
    }

    /// Review 42c's false alarms: a discount, a debtor's whole balance, a credit check.
    #[test]
    fn discounts_balances_and_credit_checks_are_no_suspects() {
        let rows: &[&[&str]] = &[&["F1", "01-01-2026", "100,00", "Jansen", "2,00"]];
        assert_eq!(
            judge(
                &["Nr", "Datum", "Bedrag", "Naam", "Betalingskorting"],
                &BASE,
                rows
            ),
            None
        );
        assert_eq!(
            judge(
                &["Nr", "Datum", "Bedrag", "Naam", "Saldo debiteur"],
                &BASE,
                rows
            ),
            None
        );
        let header: Vec<String> = ["Nr", "Referentie"].iter().map(|s| s.to_string()).collect();
        let mut watch = Watch::new(&header, &[(Field::Number, 0)], &[]);
        let cells = ["F1", "Credit check ok"];
        assert_eq!(watch.row(false, |i| cells[i]), None);
        let cells = ["F1", "Gecrediteerd"];
        assert!(watch.row(false, |i| cells[i]).is_some());
        assert_eq!(
            watch.row(true, |i| cells[i]),
            None,
            "of a credit note, what it is"
        );
    }

    #[test]
    fn a_column_the_profile_says_to_ignore_is_no_suspect() {
        let header: Vec<String> = ["Nr", "Datum", "Bedrag", "Naam", "Betaalstatus"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows = sample(&[&["F1", "01-01-2026", "100,00", "Jansen", "Betaald"]]);
        let ignore = vec!["Betaalstatus".to_string()];
        assert_eq!(suspect(&header, &rows, &BASE, &ignore, None), None);
    }
}
