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

pub mod api;
pub mod bank;
mod cfb;
pub mod csv;
pub mod detect;
pub mod progress;
pub mod source;
pub mod ubl;
pub mod values;
pub mod write;
pub mod xlsx;
mod xml;

/// The rows of a manifest a helper session wrote beside its files (`fixtures/othergen*/`),
/// grouped by the file each names in its first column, in file-name order.
#[cfg(test)]
pub(crate) fn manifest_by_file(
    path: &std::path::Path,
) -> std::collections::BTreeMap<String, Vec<::csv::StringRecord>> {
    let mut by_file: std::collections::BTreeMap<String, Vec<::csv::StringRecord>> =
        Default::default();
    for row in ::csv::Reader::from_path(path).unwrap().records() {
        let row = row.unwrap();
        by_file.entry(row[0].to_string()).or_default().push(row);
    }
    by_file
}

/// A test file's text as an import reads it: its encoding detected, decoded, without a BOM
/// (an empty file, which an import refuses before reading, as no text).
#[cfg(test)]
pub(crate) fn text_of(path: &std::path::Path) -> String {
    let found = match source::inspect(path) {
        Err(source::SourceError::Empty(_)) => return String::new(),
        found => found.unwrap(),
    };
    let encoding = found.text_encoding().unwrap();
    source::decode_all(&std::fs::read(path).unwrap(), encoding)
}

/// Whether a file gave as many lines as its manifest lists; when not, says so in `wrong`.
#[cfg(test)]
pub(crate) fn same_count(file: &str, read: usize, listed: usize, wrong: &mut Vec<String>) -> bool {
    if read != listed {
        wrong.push(format!("{file}: {read} lines, manifest {listed}"));
    }
    read == listed
}

/// The shared corpus folder `sub` named by `INCASSO_CORPUS` (relative to the workspace root when
/// relative), or `None` when it is unset locally; under `CI=true` an unset corpus is a failure.
#[cfg(test)]
pub(crate) fn corpus_dir(sub: &str) -> Option<std::path::PathBuf> {
    match std::env::var_os("INCASSO_CORPUS") {
        Some(d) => {
            let d = std::path::PathBuf::from(d);
            let d = if d.is_relative() {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join(d)
            } else {
                d
            };
            Some(d.join(sub))
        }
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "INCASSO_CORPUS must be set under CI"
            );
            None
        }
    }
}
