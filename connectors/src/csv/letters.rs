//! Letters CSV (`debtor,kind,sent,received,channel,items,states_costs`): the reminders, 14-day
//! letters and pre-incasso letters a bookkeeper sent outside incasso, as `incasso reminders
//! list --format csv` writes them and `incasso reminders import` reads them back.

use std::path::Path;

use chrono::NaiveDate;
use incasso_core::collection::{Channel, Reminder, ReminderKind};
use incasso_core::ids::{DebtorId, DocumentNumber};

/// The columns, in order; the first three are required.
pub const COLUMNS: [&str; 7] = [
    "debtor",
    "kind",
    "sent",
    "received",
    "channel",
    "items",
    "states_costs",
];

/// A letters file that cannot be read, with the file, line and column.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LettersError(String);

/// Reads every letter with the line it is on.
pub fn read(file: &Path) -> Result<Vec<(Reminder, u64)>, LettersError> {
    let err = |m: String| LettersError(m);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| err(format!("reading {}: {e}", file.display())))?;
    let header = rdr
        .headers()
        .map_err(|e| err(format!("{}: {e}", file.display())))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    for required in &COLUMNS[..3] {
        if col(required).is_none() {
            return Err(err(format!(
                "{}: missing column '{required}'; the header must be {}",
                file.display(),
                COLUMNS.join(",")
            )));
        }
    }
    let mut letters = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| err(format!("{}: record {}: {e}", file.display(), i + 1)))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |name: &str| col(name).and_then(|c| rec.get(c)).unwrap_or("").to_string();
        let place = |field: &str| format!("{}: line {line}, column '{field}'", file.display());
        let date = |field: &str| -> Result<Option<NaiveDate>, LettersError> {
            let v = get(field);
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<NaiveDate>().map(Some).map_err(|_| {
                err(format!(
                    "{}: '{v}' is not a date (yyyy-mm-dd)",
                    place(field)
                ))
            })
        };
        let kind = ReminderKind::parse(&get("kind")).ok_or_else(|| {
            err(format!(
                "{}: '{}' is not a letter kind",
                place("kind"),
                get("kind")
            ))
        })?;
        let channel = match get("channel").to_ascii_lowercase().as_str() {
            "" | "post" => Channel::Post,
            "email" | "e-mail" => Channel::Email,
            other => {
                return Err(err(format!(
                    "{}: '{other}' is not post or email",
                    place("channel")
                )))
            }
        };
        let states_costs = match get("states_costs").to_ascii_lowercase().as_str() {
            "" | "true" | "yes" | "ja" => true,
            "false" | "no" | "nee" => false,
            other => {
                return Err(err(format!(
                    "{}: '{other}' is not true or false",
                    place("states_costs")
                )))
            }
        };
        let letter = Reminder {
            debtor: DebtorId::new(&get("debtor"))
                .map_err(|e| err(format!("{}: {e}", place("debtor"))))?,
            kind,
            sent: date("sent")?
                .ok_or_else(|| err(format!("{}: the sent date is empty", place("sent"))))?,
            received: date("received")?,
            channel,
            // `;` between numbers, or `,` in a quoted field, as `reminders add --items` takes them.
            items: get("items")
                .split([';', ','])
                .filter(|s| !s.trim().is_empty())
                .map(DocumentNumber::new)
                .collect::<Result<_, _>>()
                .map_err(|e| err(format!("{}: {e}", place("items"))))?,
            states_costs,
            stated_costs: None,
            written_for: None,
        };
        if let Some(received) = letter.received.filter(|r| *r < letter.sent) {
            return Err(err(format!(
                "{}: received {received} is before it was sent on {}",
                place("received"),
                letter.sent
            )));
        }
        letters.push((letter, line));
    }
    Ok(letters)
}

/// A letter as a row under [`COLUMNS`], as [`read`] reads it back.
pub fn row(r: &Reminder) -> Vec<String> {
    vec![
        r.debtor.to_string(),
        r.kind.code().to_string(),
        r.sent.to_string(),
        r.received_on().to_string(),
        match r.channel {
            Channel::Email => "email".into(),
            Channel::Post => "post".into(),
        },
        r.items
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        r.states_costs.to_string(),
    ]
}
