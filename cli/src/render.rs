//! Renderers the commands share: aligned tables for people, CSV, and JSON rows.

use std::io::Write;

use anyhow::Result;
use incasso_core::cells::neutralise_formula;

/// Widest cell a table shows; longer text is cut with `…` (CSV and JSON give it whole).
const CELL_WIDTH: usize = 32;

/// A cell as a table shows it: at most [`CELL_WIDTH`] characters.
fn fit(c: &str) -> std::borrow::Cow<'_, str> {
    if c.chars().count() <= CELL_WIDTH {
        std::borrow::Cow::Borrowed(c)
    } else {
        let cut: String = c.chars().take(CELL_WIDTH - 1).collect();
        std::borrow::Cow::Owned(format!("{cut}…"))
    }
}

/// Prints rows as aligned columns; columns of numbers are right-aligned; long text is cut to
/// fit a terminal.
pub fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| fit(c).into_owned()).collect())
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let numeric = |s: &str| {
        s.is_empty()
            || s.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    };
    // A column is right-aligned when every cell in it is a number.
    let right: Vec<bool> = (0..header.len())
        .map(|i| !rows.is_empty() && rows.iter().all(|r| r.get(i).is_none_or(|c| numeric(c))))
        .collect();
    let line = |out: &mut dyn Write, cells: &[&str]| -> std::io::Result<()> {
        let mut parts = Vec::with_capacity(cells.len());
        for (i, c) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            parts.push(if right.get(i).copied().unwrap_or(false) {
                format!("{c:>w$}")
            } else {
                format!("{c:<w$}")
            });
        }
        writeln!(out, "{}", parts.join("  ").trim_end())
    };
    line(out, header)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule.iter().map(String::as_str).collect::<Vec<_>>())?;
    for r in rows {
        line(out, &r.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    Ok(())
}

/// Writes rows as CSV with a header; cells a spreadsheet would take for a formula are neutralised.
/// The rows may come one at a time: a listing of a million rows need not be held whole.
pub fn csv<R: AsRef<[S]>, S: AsRef<str>>(
    out: impl Write,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for r in rows {
        for c in r.as_ref() {
            w.write_field(neutralise_formula(c.as_ref()).as_bytes())?;
        }
        // No more fields: ends the record the fields above began.
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes rows in the chosen format: a table, CSV with a header, or JSON objects keyed by the
/// header (all values strings, amounts as decimal strings).
pub fn rows(
    out: &mut impl Write,
    format: crate::args::Format,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<()> {
    match format {
        crate::args::Format::Table => table(out, header, rows),
        crate::args::Format::Csv => csv(out, header, rows),
        crate::args::Format::Json => {
            let list: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|r| {
                    header
                        .iter()
                        .zip(r)
                        .map(|(h, v)| (h.to_string(), serde_json::Value::String(v.clone())))
                        .collect()
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
            Ok(())
        }
    }
}

/// Standard output, locked and buffered, for a command's whole output.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock())
}

/// Leaves a command's ledger to the end of the process: the command prints and exits, and
/// handing a million records back to the allocator one by one only adds a tenth of a second or
/// more to every run. (The engine itself always frees: its callers may live long.)
pub fn exit_without_freeing<T>(ledger: T) {
    std::mem::forget(ledger);
}
