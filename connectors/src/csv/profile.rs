//! Mapping profiles: a TOML file that tells the CSV reader what detection cannot guess.
//!
//! ```toml
//! # afas-openstaande-posten.toml
//! delimiter = ","
//! decimal_mark = "."
//! date_format = "yyyy-mm-dd"
//! encoding = "utf-8"
//! currency = "EUR"
//! sign = "as-is"            # or "inverted" when receivables are exported as negatives
//! payment_term_days = 30    # due date = issue date + this, when the file has no due date
//! debtor_kind = "business"  # when the file does not say per row
//!
//! [columns]
//! number = "Factuurnr."
//! issue_date = "Boekstuk"
//! total = "Factuur"
//! open = "Saldo"
//!
//! [status]                  # status words the reader does not know, as the file writes them
//! "Wacht op klant" = "open" # or paid, disputed, void, payment-pending
//! ```
//!
//! A top-level `ignore = ["Opmerking"]` (before any table) names columns that say nothing of
//! whether a debt is owed although their header or values suggest it.
//! Unknown keys are errors, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use incasso_core::model::{DebtorKind, DocumentStatus};
use serde::Deserialize;

use crate::csv::headers::{field_by_name, field_names, Field};
use crate::source::TextEncoding;
use crate::values::{DateFormat, DecimalMark};

/// How amounts are signed in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignConvention {
    /// Receivables positive, credit notes negative.
    #[default]
    AsIs,
    /// Receivables negative, credit notes positive (some ledger exports).
    Inverted,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    delimiter: Option<String>,
    decimal_mark: Option<DecimalMark>,
    date_format: Option<String>,
    encoding: Option<String>,
    currency: Option<String>,
    sign: Option<SignConvention>,
    payment_term_days: Option<u32>,
    debtor_kind: Option<DebtorKind>,
    header_row: Option<u64>,
    sheet: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    status: BTreeMap<String, String>,
    #[serde(default)]
    ignore: Vec<String>,
}

/// A validated mapping profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Field delimiter.
    pub delimiter: Option<u8>,
    /// Decimal mark of amounts.
    pub decimal_mark: Option<DecimalMark>,
    /// Date layout.
    pub date_format: Option<DateFormat>,
    /// Text encoding.
    pub encoding: Option<TextEncoding>,
    /// Currency when the file has no currency column.
    pub currency: Option<incasso_core::money::Currency>,
    /// Sign convention.
    pub sign: SignConvention,
    /// Days from issue to due date when the file has no due date.
    pub payment_term_days: Option<u32>,
    /// Debtor kind when the file does not say per row.
    pub debtor_kind: Option<DebtorKind>,
    /// 1-based line of the header row, when detection should not search for it.
    pub header_row: Option<u64>,
    /// For a workbook: the sheet to read (as `--sheet`), where several hold a ledger.
    pub sheet: Option<String>,
    /// Field → column header as written in the file.
    pub columns: BTreeMap<Field, String>,
    /// Status words (lower case) → what they mean, for words the reader does not know.
    pub status: BTreeMap<String, DocumentStatus>,
    /// Columns that say nothing of whether a debt is owed, though their header or values
    /// suggest it (a free-text note, a discount): read past without a refusal.
    pub ignore: Vec<String>,
}

/// Why a profile was refused.
#[derive(Debug, thiserror::Error)]
#[error("profile {path}: {message}")]
pub struct ProfileError {
    /// The profile file.
    pub path: PathBuf,
    /// What is wrong, naming the key.
    pub message: String,
}

impl Profile {
    /// Reads and validates a profile file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let err = |message: String| ProfileError {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Profile::parse(&text).map_err(err)
    }

    /// Parses profile text; the error names the offending key.
    pub fn parse(text: &str) -> Result<Profile, String> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        let delimiter = match raw.delimiter.as_deref() {
            None => None,
            Some("\\t") | Some("\t") | Some("tab") => Some(b'\t'),
            Some(d) if d.len() == 1 && matches!(d.as_bytes()[0], b',' | b';' | b'|') => {
                Some(d.as_bytes()[0])
            }
            Some(d) => return Err(format!("key 'delimiter': '{d}' is not one of , ; | tab")),
        };
        let date_format = match raw.date_format.as_deref() {
            None => None,
            Some(f) => Some(
                f.parse::<DateFormat>()
                    .map_err(|e| format!("key 'date_format': {e}"))?,
            ),
        };
        let encoding = match raw.encoding.as_deref() {
            None => None,
            Some(e) => Some(TextEncoding::from_name(e).ok_or_else(|| {
                format!(
                    "key 'encoding': '{e}' is not one of utf-8, utf-16le, utf-16be, windows-1252"
                )
            })?),
        };
        let currency = match raw.currency.as_deref() {
            None => None,
            Some(c) => Some(
                incasso_core::money::Currency::parse(c)
                    .map_err(|e| format!("key 'currency': {e}"))?,
            ),
        };
        let mut columns = BTreeMap::new();
        for (k, v) in raw.columns {
            let f = field_by_name(&k).ok_or_else(|| {
                format!(
                    "key 'columns.{k}' is not a ledger field; known fields: {}",
                    field_names().join(", ")
                )
            })?;
            columns.insert(f, v);
        }
        let mut status = BTreeMap::new();
        for (word, meaning) in raw.status {
            let st = match meaning.as_str() {
                "open" => DocumentStatus::Open,
                "paid" => DocumentStatus::Paid,
                "disputed" => DocumentStatus::Disputed,
                "void" => DocumentStatus::Void,
                "credited" => DocumentStatus::Credited,
                "payment-pending" => DocumentStatus::PaymentPending,
                other => {
                    return Err(format!(
                        "key 'status.{word}': '{other}' is not one of open, paid, disputed, void, \
                         credited, payment-pending"
                    ))
                }
            };
            status.insert(word.trim().to_lowercase(), st);
        }
        Ok(Profile {
            delimiter,
            decimal_mark: raw.decimal_mark,
            date_format,
            encoding,
            currency,
            sign: raw.sign.unwrap_or_default(),
            payment_term_days: raw.payment_term_days,
            debtor_kind: raw.debtor_kind,
            header_row: raw.header_row,
            sheet: raw.sheet,
            columns,
            status,
            ignore: raw.ignore,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_profile() {
        let p = Profile::parse(
            "delimiter = \";\"\ndecimal_mark = \",\"\ndate_format = \"dd-mm-yyyy\"\nencoding = \"windows-1252\"\n\
             sign = \"inverted\"\npayment_term_days = 14\ndebtor_kind = \"consumer\"\n[columns]\nnumber = \"Nr\"\n\
             [status]\n\"Wacht op Klant \" = \"payment-pending\"\n",
        )
        .unwrap();
        assert_eq!(p.delimiter, Some(b';'));
        assert_eq!(p.decimal_mark, Some(DecimalMark::Comma));
        assert_eq!(p.date_format, Some(DateFormat::DmyDash));
        assert_eq!(p.encoding, Some(TextEncoding::Windows1252));
        assert_eq!(p.sign, SignConvention::Inverted);
        assert_eq!(p.debtor_kind, Some(DebtorKind::Consumer));
        assert_eq!(
            p.columns.get(&Field::Number).map(String::as_str),
            Some("Nr")
        );
        assert_eq!(
            p.status.get("wacht op klant"),
            Some(&DocumentStatus::PaymentPending)
        );
    }

    #[test]
    fn typos_are_errors_naming_the_key() {
        let e = Profile::parse("delimeter = \";\"").unwrap_err();
        assert!(e.contains("delimeter"), "{e}");
        let e = Profile::parse("[columns]\nnumbr = \"Nr\"").unwrap_err();
        assert!(e.contains("columns.numbr"), "{e}");
        let e = Profile::parse("date_format = \"dd-mm-yy\"").unwrap_err();
        assert!(e.contains("date_format"), "{e}");
        let e = Profile::parse("[status]\n\"Wacht\" = \"betaald\"").unwrap_err();
        assert!(e.contains("status.Wacht"), "{e}");
    }
}
