//! incasso-connectors: one module per outside format, each turning it into incasso-core records.
//!
//! Every reader keeps provenance (file and line, sheet and row, or element path) and reports bad
//! input with the place and the offending value. Detection of encoding, delimiter, decimal mark
//! and date layout is a separate step that says what it decided.
//!
//! ```no_run
//! use incasso_connectors::{csv::{CsvOptions, read_ledger}, progress::NoProgress, source::inspect};
//! let file = inspect(std::path::Path::new("fixtures/ledger/nl-semicolon.csv")).unwrap();
//! let report = read_ledger(&file, &CsvOptions::default(), &NoProgress, |_doc, _at| Ok(())).unwrap();
//! println!("{}", report.detection);
//! ```

pub mod bank;
pub mod csv;
pub mod detect;
pub mod progress;
pub mod source;
pub mod ubl;
pub mod values;
pub mod xlsx;
mod xml;
