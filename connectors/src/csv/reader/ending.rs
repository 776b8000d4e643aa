//! Telling a download cut short: a file that stops without a line end, inside its last row,
//! gives that row's last field cut (`1.000,00` read as `1`, `Openstaand` as `Opensta`), which
//! still parses. Such a row is refused when its amounts have fewer decimals than every amount
//! above them in their column, or its status is the beginning of a status above it; a file
//! whose lines all end in CR LF is cut whatever its last row holds. A file that ends in a line
//! end (known before reading, by its last byte) is not looked at row by row.

use super::row::{Fields, RowReader};
use crate::csv::detect::AMOUNT_FIELDS;
use crate::csv::headers::Field;

/// Whether a text ends without a line end (and is not empty).
pub(super) fn unended(text: &str) -> bool {
    !text.is_empty()
        && (!text.ends_with(['\n', '\r']) || cut_after_cr(text.as_bytes()[text.len() - 1], text))
}

/// Whether a file that ends in a bare CR was cut between the CR and the LF of its last line:
/// a CR ends a line only in a file whose lines end in CR alone (review 44c, F-7: a list of every
/// open item cut there settled the rows lost after it). `sample` is the file's beginning.
pub(super) fn cut_after_cr(last: u8, sample: &str) -> bool {
    last == b'\r' && sample.contains("\r\n")
}

/// What the rows read so far looked like, and what was odd about the latest one.
#[derive(Default)]
pub(super) struct Ending {
    /// Per amount column (as in [`AMOUNT_FIELDS`]): the decimals every value had (`None` once
    /// they differ), and how many values.
    decimals: [(Option<usize>, u32); AMOUNT_FIELDS.len()],
    /// The latest row's status as written, and its line.
    status: String,
    status_line: u64,
    /// What is odd about the latest row read, and its line.
    odd: Option<(u64, Field, String, String)>,
}

impl Ending {
    /// Weighs a row read into a document against the rows above it, then counts it in.
    pub(super) fn row(&mut self, rows: &RowReader<'_>, fields: &Fields, line: u64) {
        self.odd = None;
        if let Some(mark) = rows.mark {
            let (dec, _) = mark.chars();
            for (k, f) in AMOUNT_FIELDS.iter().enumerate() {
                let Some(raw) = rows.text(fields, *f) else {
                    continue;
                };
                let raw = raw.trim();
                if !raw.bytes().any(|b| b.is_ascii_digit()) {
                    continue;
                }
                let d = raw.bytes().rposition(|b| b == dec).map_or(0, |p| {
                    raw[p + 1..].bytes().filter(u8::is_ascii_digit).count()
                });
                let (seen, n) = &mut self.decimals[k];
                match (*n, *seen) {
                    (0, _) => *seen = Some(d),
                    (_, Some(e)) if e != d => {
                        if d < e && self.odd.is_none() {
                            self.odd = Some((
                                line,
                                *f,
                                raw.to_string(),
                                format!("has {d} decimals where every amount above it has {e}"),
                            ));
                        }
                        *seen = None;
                    }
                    _ => {}
                }
                *n += 1;
            }
        }
        // The latest status, weighed only at the end against those above it: folding every
        // row's would cost an allocation a row.
        self.status.clear();
        if let Some(st) = rows.text(fields, Field::Status) {
            let st = st.trim();
            self.status.push_str(st);
            self.status_line = line;
        }
    }

    /// The latest row's status, when it is the beginning of another status above it.
    fn status_cut<'s>(
        &self,
        statuses: impl Iterator<Item = &'s String>,
    ) -> Option<(u64, Field, String, String)> {
        let lower = self.status.to_lowercase();
        if lower.is_empty() {
            return None;
        }
        statuses
            .map(|t| t.trim().to_lowercase())
            .find(|t| t.len() > lower.len() && t.starts_with(&lower))
            .map(|longer| {
                (
                    self.status_line,
                    Field::Status,
                    self.status.clone(),
                    format!("is the beginning of '{longer}', a status above it"),
                )
            })
    }

    /// The latest row's oddity, when the file ended without a line end (`unended`), weighed
    /// against the file's `statuses` as written: its line, field, value and why.
    pub(super) fn cut<'s>(
        &self,
        unended: bool,
        statuses: impl Iterator<Item = &'s String>,
    ) -> Option<(u64, Field, String, String)> {
        if !unended {
            return None;
        }
        self.odd.clone().or_else(|| self.status_cut(statuses))
    }
}

#[cfg(test)]
mod tests {
    fn read(text: &str) -> Result<Vec<String>, String> {
        let mut numbers = Vec::new();
        crate::csv::read_ledger_text(
            "export.csv",
            text.to_string(),
            &crate::csv::CsvOptions::default(),
            &crate::progress::NoProgress,
            |d, _| {
                numbers.push(d.number.as_str().to_string());
                Ok(())
            },
        )
        .map(|_| numbers)
        .map_err(|e| e.to_string())
    }

    /// A download cut inside its last row is refused, naming the row and the cut value; the same
    /// rows ending in a line end, or a last row whose values look like those above it, are read.
    /// A file whose every line ends in CR LF and whose last does not reads as one in LF does
    /// (several Windows packages write no final line end; the last row is held by the import).
    #[test]
    fn a_file_cut_inside_its_last_row_is_refused() {
        let head = "Factuurnummer;Debiteur;Factuurdatum;Bedrag;Status;Betaald bedrag\n\
                    F1;D1;05-01-2026;1.000,00;Openstaand;0,00\n";
        let cut = format!("{head}F3;D1;05-01-2026;1.000,00;Openstaand;1");
        let e = read(&cut).unwrap_err();
        assert!(
            e.contains("line 3, column 'Betaald bedrag'")
                && e.contains("the file ends inside this row")
                && e.contains("has 0 decimals where every amount above it has 2"),
            "{e}"
        );
        let by_status = "Factuurnummer;Debiteur;Factuurdatum;Bedrag;Status\n\
                         F1;D1;05-01-2026;1.000,00;Openstaand\n\
                         F2;D1;05-01-2026;1.000,00;Betaald\n\
                         F3;D1;05-01-2026;1.000,00;Opensta";
        let e = read(by_status).unwrap_err();
        assert!(e.contains("is the beginning of 'openstaand'"), "{e}");
        assert_eq!(read(&format!("{cut}\n")).unwrap(), ["F1", "F3"]);
        let whole = format!("{head}F3;D1;05-01-2026;1.000,00;Openstaand;0,00");
        assert_eq!(read(&whole).unwrap(), ["F1", "F3"]);
        // Lines in CR LF, the last without: read, as in LF (review 43c, F-7), and a cut there
        // refused as in LF.
        let crlf = whole.replace('\n', "\r\n");
        assert_eq!(read(&crlf).unwrap(), ["F1", "F3"]);
        assert_eq!(read(&format!("{crlf}\r\n")).unwrap(), ["F1", "F3"]);
        assert!(read(&cut.replace('\n', "\r\n")).is_err());
        // A bare CR at the end of lines in CR LF is a cut between the two (review 44c, F-7);
        // in a file of CR-only lines it ends the last line.
        assert!(super::unended(&format!("{crlf}\r")));
        assert!(!super::unended(&format!("{}\r", whole.replace('\n', "\r"))));
        assert!(!super::unended(&format!("{crlf}\r\n")));
    }
}
