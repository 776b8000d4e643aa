//! Workbooks: `.xlsx`, `.xlsm`, `.xls` and `.ods`, read with calamine.
//!
//! A worksheet becomes rows of text (dates as `yyyy-mm-dd`, numbers with a decimal point) and
//! goes through the same detection, header synonyms, profiles and row checks as a CSV export, so
//! a ledger reads the same from either. Row numbers in errors are the sheet's own. Before opening,
//! the zip directory is checked, so a zip bomb is refused without inflating it.

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{open_workbook_from_rs, Data, Ods, Reader, Xls, Xlsx};

use crate::csv::headers::field_for_header;

/// Largest total the entries of a workbook may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 1024 * 1024 * 1024;
/// Largest compression ratio of one entry; real worksheets stay well below.
pub const MAX_RATIO: u64 = 200;
/// Largest workbook file read.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
const HEADER_SEARCH_ROWS: usize = 30;

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct WorkbookError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// One worksheet as text, ready for the ledger reader.
#[derive(Debug, Clone)]
pub struct SheetText {
    /// The sheet's name.
    pub sheet: String,
    /// One line per sheet row (line N is row N), fields separated by `;`.
    pub text: String,
    /// Every sheet in the workbook, for messages.
    pub sheets: Vec<String>,
    /// The sheets with a ledger header (the one read among them): a list of every open item
    /// read from one of several is no list of the books'.
    pub ledgers: Vec<String>,
    /// The cells that hold a formula but no value, in sheet order: the ledger reader refuses a
    /// row that would read one, as its empty text is no value the formula computed.
    pub without_value: Vec<FormulaCell>,
}

/// A cell holding a formula whose value the workbook does not give (written by a program that
/// does not compute formulas; or one computing empty text, which cannot be told apart).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FormulaCell {
    /// The sheet's row, from 1 (the line of [`SheetText::text`]).
    pub row: u64,
    /// The column, from 0 (the field of the line).
    pub column: usize,
    /// The formula, without its `=`.
    pub formula: String,
}

impl FormulaCell {
    /// The cell's name as a spreadsheet writes it (`I2`).
    pub fn name(&self) -> String {
        format!("{}{}", column_letters(self.column as u32), self.row)
    }
}

/// Reads the named sheet, or the first with a recognisable ledger header.
pub fn read_sheet(path: &Path, wanted: Option<&str>) -> Result<SheetText, WorkbookError> {
    let err = |message: String| WorkbookError {
        file: path.display().to_string(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| err(e.to_string()))?
        .len();
    let f = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    read_sheet_from(path, f, size, wanted)
}

/// [`read_sheet`] from an open file (the one whose bytes were hashed), named `path` in messages.
pub fn read_sheet_from(
    path: &Path,
    mut source: impl Read,
    size: u64,
    wanted: Option<&str>,
) -> Result<SheetText, WorkbookError> {
    let file = path.display().to_string();
    let err = |message: String| WorkbookError {
        file: file.clone(),
        message,
    };
    if size > MAX_FILE_BYTES {
        return Err(err(format!(
            "is {} MB; workbooks over {} MB are refused",
            size / 1_000_000,
            MAX_FILE_BYTES / 1_000_000
        )));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    (&mut source)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(e.to_string()))?;

    // calamine panics on some damaged workbooks (index and arithmetic errors the fuzz targets
    // found); such a file is refused like any other unreadable one instead of ending the process.
    let read =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_chosen(bytes, wanted)));
    let chosen =
        match read {
            Ok(r) => r.map_err(err)?,
            Err(_) => return Err(err(
                "is a damaged workbook the spreadsheet reader cannot take apart; open and save it \
                 again in Excel or LibreOffice, or export the ledger as CSV"
                    .into(),
            )),
        };
    Ok(SheetText {
        text: to_text(&chosen.values),
        without_value: chosen
            .formulas
            .as_ref()
            .map(|f| without_value(&chosen.values, f))
            .unwrap_or_default(),
        sheet: chosen.name,
        sheets: chosen.names,
        ledgers: chosen.ledgers,
    })
}

/// The sheet a ledger is read from: its name, values and, where the container keeps them and
/// the workbook has any, its formulas; and every sheet's name, for messages.
struct Chosen {
    name: String,
    values: calamine::Range<Data>,
    formulas: Option<calamine::Range<String>>,
    names: Vec<String>,
    ledgers: Vec<String>,
}

/// The named sheet of a workbook's bytes, or the first with a ledger header, by its container
/// (zip: xlsx or ods; compound file: xls).
fn read_chosen(bytes: Vec<u8>, wanted: Option<&str>) -> Result<Chosen, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        let formulas = check_zip(&bytes, MAX_INFLATED_BYTES)?;
        let is_ods = bytes
            .windows(46)
            .take(200)
            .any(|w| w == b"application/vnd.oasis.opendocument.spreadsheet");
        if is_ods {
            let mut wb: Ods<_> = open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|e| format!("not a readable OpenDocument spreadsheet: {e}"))?;
            choose_sheet(&mut wb, wanted, formulas)
        } else {
            let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
                format!("is a zip archive but not a readable Excel workbook ({e}); was it renamed?")
            })?;
            choose_sheet(&mut wb, wanted, formulas)
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        if contains_utf16(&bytes, "EncryptedPackage") {
            return Err("is a password-protected workbook; save it without a password (or as CSV) and import that".into());
        }
        crate::cfb::check(&bytes)
            .map_err(|m| format!("is a damaged Excel 97-2003 workbook: it {m}"))?;
        let mut wb: Xls<_> = open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e| format!("not a readable Excel 97-2003 workbook: {e}"))?;
        choose_sheet(&mut wb, wanted, true)
    } else {
        Err("is not a workbook (no xlsx, xls or ods signature)".into())
    }
}

/// Every sheet's values, the sheet chosen (`wanted`, or the first with a ledger header), and its
/// formulas when the workbook may have any (`formulas`): reading them parses the sheet a
/// second time, so only the chosen one's are read.
fn choose_sheet<R: Reader<Cursor<Vec<u8>>>>(
    wb: &mut R,
    wanted: Option<&str>,
    formulas: bool,
) -> Result<Chosen, String>
where
    R::Error: std::fmt::Display,
{
    let names = wb.sheet_names();
    let mut ranges = Vec::with_capacity(names.len());
    for name in &names {
        let range = wb
            .worksheet_range(name)
            .map_err(|e| format!("sheet '{name}': {e}"))?;
        ranges.push(range);
    }
    let at = match wanted {
        Some(w) => names
            .iter()
            .position(|n| n == w)
            // A sheet's name as a person types it: `betaald` for `Betaald`.
            .or_else(|| {
                names
                    .iter()
                    .position(|n| n.to_lowercase() == w.to_lowercase())
            })
            .ok_or_else(|| format!("has no sheet '{w}'; its sheets are: {}", names.join(", ")))?,
        None => {
            let ledgers: Vec<usize> = (0..ranges.len())
                .filter(|&i| has_header(&ranges[i]))
                .collect();
            match ledgers.as_slice() {
                [] => {
                    return Err(format!(
                        "no sheet has a recognisable ledger header (Factuurnummer, Factuurdatum, Bedrag / Invoice No, Invoice Date, Total); sheets: {}; name one with --sheet or use --profile",
                        names.join(", ")
                    ))
                }
                [one] => *one,
                // What one sheet says (an invoice moved to a sheet of paid ones) the other does
                // not: reading the first alone could claim what the second shows paid.
                more => {
                    let named: Vec<String> = more.iter().map(|&i| format!("'{}'", names[i])).collect();
                    return Err(format!(
                        "sheets {} each have a ledger header, and one alone may not say all (a paid invoice moved to a sheet of its own); keep the ledger on one sheet, or import each with --sheet NAME (in the inbox: a profile's sheet = \"NAME\"), each saying in a status column what its rows are",
                        named.join(", ")
                    ));
                }
            }
        }
    };
    let name = names[at].clone();
    // Formulas only to find cells saved without their value; a reader that cannot give them
    // (some legacy files) leaves the values as they are.
    let formulas = formulas.then(|| wb.worksheet_formula(&name).ok()).flatten();
    let ledgers = (0..ranges.len())
        .filter(|&i| has_header(&ranges[i]))
        .map(|i| names[i].clone())
        .collect();
    Ok(Chosen {
        values: ranges.swap_remove(at),
        name,
        formulas,
        names,
        ledgers,
    })
}

/// Refuses zips whose entries inflate past `limit` or compress suspiciously well: first by the
/// central directory, then by inflating every entry into nothing while counting the bytes that
/// really come out, stopping at the limit (a directory can lie about the sizes). Says whether
/// any entry may hold a formula, which is looked for in the same pass.
fn check_zip(bytes: &[u8], limit: u64) -> Result<bool, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("is a damaged zip archive: {e}"))?;
    declared_sizes(&mut archive, limit)?;
    let mut total = 0u64;
    let mut scan = FormulaScan::default();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("is a damaged zip archive: {e}"))?;
        let declared = entry.size();
        let name = entry.name().to_string();
        let budget = limit.saturating_sub(total);
        scan.tail.clear();
        let n = std::io::copy(&mut (&mut entry).take(budget + 1), &mut scan)
            .map_err(|e| format!("is a damaged zip archive (entry {name}): {e}"))?;
        total = total.saturating_add(n);
        if n > budget {
            return Err(format!(
                "inflates to more than {} MB (entry {name}, whose directory says {declared} bytes); refused as a likely zip bomb",
                limit / 1_000_000
            ));
        }
    }
    Ok(scan.found)
}

/// Looks through inflated bytes for the start of a formula: an xlsx cell's `<f>` (or `<f ` with
/// attributes, as shared formulas are written) or an OpenDocument `table:formula` attribute.
#[derive(Default)]
struct FormulaScan {
    found: bool,
    /// The last bytes of the previous piece, for a mark cut between two.
    tail: Vec<u8>,
}

impl FormulaScan {
    const MARKS: [&'static [u8]; 3] = [b"<f>", b"<f ", b"table:formula"];

    fn has_mark(bytes: &[u8]) -> bool {
        Self::MARKS
            .iter()
            .any(|m| memchr::memmem::find(bytes, m).is_some())
    }
}

impl std::io::Write for FormulaScan {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.found {
            let keep = b"table:formula".len() - 1;
            self.tail.extend_from_slice(&buf[..buf.len().min(keep)]);
            self.found = Self::has_mark(&self.tail) || Self::has_mark(buf);
            self.tail.clear();
            self.tail
                .extend_from_slice(&buf[buf.len().saturating_sub(keep)..]);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The directory's check: what the entries say they inflate to.
fn declared_sizes(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, limit: u64) -> Result<(), String> {
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| format!("is a damaged zip archive: {e}"))?;
        total = total.saturating_add(entry.size());
        let ratio = entry.size() / entry.compressed_size().max(1);
        if total > limit || (entry.size() > 10 * 1024 * 1024 && ratio > MAX_RATIO) {
            return Err(format!(
                "inflates to more than {} MB (entry {} compresses {ratio}:1); refused as a likely zip bomb",
                total.max(entry.size()) / 1_000_000,
                entry.name()
            ));
        }
    }
    Ok(())
}

fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes
        .windows(pattern.len())
        .any(|w| w == pattern.as_slice())
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.replace(['\n', '\r'], " ").trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                // Ten decimals: enough for any amount, and hides binary noise like 0.30000000000000004.
                let s = format!("{f:.10}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|d| d.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The cells that hold a formula and nothing (or empty text) as its value, in sheet order.
fn without_value(
    values: &calamine::Range<Data>,
    formulas: &calamine::Range<String>,
) -> Vec<FormulaCell> {
    let Some((r0, c0)) = formulas.start() else {
        return Vec::new();
    };
    let empty = |v: Option<&Data>| match v {
        None | Some(Data::Empty) => true,
        Some(Data::String(s)) => s.is_empty(),
        Some(_) => false,
    };
    formulas
        .used_cells()
        .map(|(r, c, f)| (r0 + r as u32, c0 + c as u32, f))
        .filter(|&(r, c, _)| empty(values.get_value((r, c))))
        .map(|(r, c, f)| FormulaCell {
            row: u64::from(r) + 1,
            column: c as usize,
            formula: f.clone(),
        })
        .collect()
}

/// A column's letters as a spreadsheet names it (0 is `A`, 26 is `AA`).
fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

fn has_header(r: &calamine::Range<Data>) -> bool {
    r.rows().take(HEADER_SEARCH_ROWS).any(|row| {
        let mut fields: Vec<_> = row
            .iter()
            .filter_map(|c| field_for_header(&cell_text(c)))
            .collect();
        fields.sort();
        fields.dedup();
        fields.len() >= 2
    })
}

/// The sheet as `;`-separated lines, line N holding sheet row N.
fn to_text(r: &calamine::Range<Data>) -> String {
    let (first_row, first_col) = r.start().unwrap_or((0, 0));
    let mut out = vec![b'\n'; first_row as usize];
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::Any(b'\n'))
            .flexible(true)
            .from_writer(&mut out);
        for row in r.rows() {
            let mut cells: Vec<String> =
                std::iter::repeat_n(String::new(), first_col as usize).collect();
            cells.extend(row.iter().map(cell_text));
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            if cells.is_empty() {
                drop(w.flush());
                w.write_record([""]).ok();
                continue;
            }
            w.write_record(&cells).ok();
        }
        w.flush().ok();
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{check_zip, column_letters, FormulaScan};

    /// A formula's mark is found wherever the inflated pieces cut it; plain cells have none.
    #[test]
    fn a_formula_is_found_across_pieces() {
        use std::io::Write;
        let sheet = br#"<c r="A1"><v>1</v></c><c r="I2" s="5"><f>G2-H2</f><v /></c>"#;
        for cut in 0..sheet.len() {
            let mut scan = FormulaScan::default();
            scan.write_all(&sheet[..cut]).unwrap();
            scan.write_all(&sheet[cut..]).unwrap();
            assert!(scan.found, "cut at {cut}");
        }
        let mut plain = FormulaScan::default();
        plain
            .write_all(br#"<c r="A1" t="s"><v>0</v></c><c r="B1"><v>12.5</v></c>"#)
            .unwrap();
        assert!(!plain.found);
    }

    /// Cells are named as a spreadsheet names them, past `Z` too.
    #[test]
    fn column_letters_as_spreadsheets_write_them() {
        let named: Vec<String> = [0, 5, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(named, ["A", "F", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    /// A zip whose directory says its entry is small while it inflates far past the limit is
    /// refused by the bytes that really come out, not by what the directory claims.
    #[test]
    fn a_lying_zip_directory_is_caught_by_counting() {
        use std::io::Write;
        let mut buf = Vec::new();
        {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            w.write_all(&vec![b'0'; 3 * 1024 * 1024]).unwrap();
            w.finish().unwrap();
        }
        assert!(
            check_zip(&buf, 4 * 1024 * 1024).is_ok(),
            "honest and small enough"
        );
        // Make both the local header and the central directory claim 5,000 bytes.
        let lie = 5000u32.to_le_bytes();
        buf[22..26].copy_from_slice(&lie);
        let cd = buf
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("central directory");
        buf[cd + 24..cd + 28].copy_from_slice(&lie);
        let e = check_zip(&buf, 1024 * 1024).unwrap_err();
        assert!(
            e.contains("likely zip bomb") && e.contains("directory says 5000 bytes"),
            "{e}"
        );
    }
}
