//! Argument types and parsers that several commands share.

use chrono::NaiveDate;
use clap::ValueEnum;

/// Output format of a report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// Comma-separated, `.` decimals, ISO dates.
    Csv,
    /// JSON with amounts as decimal strings.
    Json,
}

/// Which country's law.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JurisdictionArg {
    /// The Netherlands.
    Nl,
    /// Belgium.
    Be,
}

impl From<JurisdictionArg> for incasso_core::law::Jurisdiction {
    fn from(j: JurisdictionArg) -> Self {
        match j {
            JurisdictionArg::Nl => incasso_core::law::Jurisdiction::Nl,
            JurisdictionArg::Be => incasso_core::law::Jurisdiction::Be,
        }
    }
}

/// Consumer or business.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DebtorArg {
    /// A natural person not acting in a profession or business.
    Consumer,
    /// A company or professional.
    Business,
}

impl From<DebtorArg> for incasso_core::law::DebtorType {
    fn from(d: DebtorArg) -> Self {
        match d {
            DebtorArg::Consumer => incasso_core::law::DebtorType::Consumer,
            DebtorArg::Business => incasso_core::law::DebtorType::Business,
        }
    }
}

/// How a letter is sent.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    /// By post: received the second day after sending, not counting Sundays and Mondays.
    Post,
    /// By e-mail: received the same day.
    Email,
}

impl From<ChannelArg> for incasso_core::collection::Channel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Post => incasso_core::collection::Channel::Post,
            ChannelArg::Email => incasso_core::collection::Channel::Email,
        }
    }
}

/// A date as `YYYY-MM-DD`, or `today` (UTC), with an error that shows the layout.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("today") {
        return Ok(chrono::Utc::now().date_naive());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: expected YYYY-MM-DD, e.g. 2026-11-20, or today"))
}

/// An amount typed by a person: exact, and within the largest amount incasso accepts anywhere.
pub fn parse_money(s: &str) -> Result<rust_decimal::Decimal, String> {
    let d = rust_decimal::Decimal::from_str_exact(s.trim())
        .map_err(|_| format!("'{s}' is not an amount: write it like 1234.56"))?;
    if incasso_core::money::within_limit(d) {
        Ok(d)
    } else {
        Err(incasso_core::money::beyond_limit(d))
    }
}

/// Ageing bucket boundaries, checked when the arguments are read (a mistake is a usage error).
pub fn parse_buckets(s: &str) -> Result<String, String> {
    incasso_core::ageing::Buckets::parse(s)
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

/// `--as-of`: the date to look from (default: today, UTC).
#[derive(clap::Args, Clone, Copy)]
pub struct AsOf {
    /// The date to look from (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
}

/// `--format`: table, csv or json.
#[derive(clap::Args, Clone, Copy)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}
