//! Which bank a CSV export is from: by its header, or for headerless exports by the shape of its
//! lines; the physical lines and the delimiter as the file has them.

#[allow(unused_imports)]
use super::*;

/// What the start of a file says it is.
pub(super) enum Found {
    Read {
        profile: &'static Profile,
        delimiter: u8,
        /// Physical line of the header, for header layouts.
        header_line: Option<u64>,
    },
    Refuse {
        name: &'static str,
        line: u64,
        message: &'static str,
    },
}

pub(super) fn strip_bom(text: &str) -> &str {
    crate::source::strip_bom_str(text)
}

pub(super) fn recognise(text: &str) -> Option<Found> {
    let mut lines = physical_lines(text).filter(|(l, _)| !l.trim().is_empty());
    let (first, first_no) = lines.next()?;
    let knab_preamble = {
        let cells = split_line(first, sniff(first), true);
        cells.get(0).map(normalise).as_deref() == Some("knabexport")
    };
    let (header, header_no) = if knab_preamble {
        match lines.next() {
            Some(next) => next,
            None => return Some(knab_refusal(first_no)),
        }
    } else {
        // Belfius writes the search's parameters above its header: a header below such lines
        // names every column of a profile's signature.
        lines
            .take(PREAMBLE_LINES)
            .find(|(l, _)| profile_of_header(&header_names(l)).is_some())
            .unwrap_or((first, first_no))
    };

    let delimiter = sniff(header);
    let names = header_names(header);
    if let Some(r) = REFUSALS.iter().find(|r| names_all(&names, r.signature)) {
        return Some(Found::Refuse {
            name: r.name,
            line: header_no,
            message: r.message,
        });
    }
    if let Some(profile) = profile_of_header(&names) {
        return Some(Found::Read {
            profile,
            delimiter,
            header_line: Some(header_no),
        });
    }
    if knab_preamble {
        return Some(knab_refusal(first_no));
    }

    let (data, _) =
        physical_lines(text).find(|(l, _)| !l.trim().is_empty() && !l.starts_with('#'))?;
    PROFILES
        .into_iter()
        .find_map(|profile| match profile.layout {
            Layout::Headerless {
                delimiter,
                quoting,
                shape,
                ..
            } if shape(&split_line(data, delimiter, quoting)) => Some(Found::Read {
                profile,
                delimiter,
                header_line: None,
            }),
            _ => None,
        })
}

/// How many lines a bank writes above its header at most (Belfius: the search's parameters).
const PREAMBLE_LINES: usize = 20;

/// A line's cells as header names, normalised.
fn header_names(line: &str) -> Vec<String> {
    split_line(line, sniff(line), true)
        .iter()
        .map(normalise)
        .collect()
}

/// Whether header `names` hold every name of a `signature`.
fn names_all(names: &[String], signature: &[&str]) -> bool {
    signature.iter().all(|s| names.contains(&normalise(s)))
}

/// The profile whose header signature `names` hold in full.
fn profile_of_header(names: &[String]) -> Option<&'static Profile> {
    PROFILES.into_iter().find(|p| match p.layout {
        Layout::Header { signature } => names_all(names, signature),
        Layout::Headerless { .. } => false,
    })
}

/// The lines as the csv reader counts them (`\n`, `\r\n` or a lone `\r` ends one), numbered from 1.
pub(super) fn physical_lines(text: &str) -> impl Iterator<Item = (&str, u64)> {
    let mut rest = text;
    let mut no = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = rest.get(end + skip..).unwrap_or("");
        no += 1;
        Some((line, no))
    })
}

/// The bytes the csv reader has read and the [`LineCounter`] not yet passed: enough to number
/// the lines between two records without holding the file.
#[derive(Default)]
pub(super) struct Seen {
    bytes: Vec<u8>,
    /// The file offset of `bytes[0]`.
    base: usize,
}

impl Seen {
    /// The bytes read from file offset `byte` on (none when they were let go of).
    pub(super) fn from(&self, byte: usize) -> &[u8] {
        byte.checked_sub(self.base)
            .and_then(|i| self.bytes.get(i..))
            .unwrap_or(&[])
    }
}

/// A reader that keeps what passes through it in [`Seen`].
pub(super) struct Tap<R> {
    pub(super) inner: R,
    pub(super) seen: std::rc::Rc<std::cell::RefCell<Seen>>,
}

impl<R: std::io::Read> std::io::Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.borrow_mut().bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// Physical line numbers of records, from the byte offsets the csv reader reports (its own line
/// count goes wrong after skipped blank or comment lines and `\r\n`).
pub(super) struct LineCounter {
    pub(super) seen: std::rc::Rc<std::cell::RefCell<Seen>>,
    pub(super) pos: usize,
    pub(super) line: u64,
    pub(super) comments: bool,
}

/// Bytes passed before the counter lets go of them (so it moves what is left seldom).
const PASSED: usize = 1 << 16;

impl LineCounter {
    /// The line of the record the csv reader found at file offset `byte`: its first byte that
    /// is no line end and starts no comment line.
    pub(super) fn line_at(&mut self, byte: usize) -> u64 {
        let mut seen = self.seen.borrow_mut();
        let base = seen.base;
        let t = &seen.bytes;
        let end = base + t.len();
        let at = |i: usize| t.get(i - base).copied();
        let mut start = byte.clamp(self.pos, end);
        loop {
            match at(start) {
                Some(b'\r' | b'\n') => start += 1,
                Some(b'#') if self.comments => {
                    start += t[start - base..]
                        .iter()
                        .position(|&b| b == b'\r' || b == b'\n')
                        .unwrap_or(end - start);
                }
                _ => break,
            }
        }
        for i in self.pos..start {
            let b = t[i - base];
            if b == b'\n' || (b == b'\r' && at(i + 1) != Some(b'\n')) {
                self.line += 1;
            }
        }
        self.pos = start;
        if start - base >= PASSED {
            seen.bytes.drain(..start - base);
            seen.base = start;
        }
        self.line
    }
}

pub(super) fn knab_refusal(line: u64) -> Found {
    Found::Refuse {
        name: KNAB.name,
        line,
        message: KNAB_NO_HEADER,
    }
}

/// The delimiter used most in a line outside quotes (`;`, `,` or tab).
pub(super) fn sniff(line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], i == 1)).unwrap_or(1);
    [b';', b',', b'\t'][best]
}

pub(super) fn split_line(line: &str, delimiter: u8, quoting: bool) -> StringRecord {
    let mut record = StringRecord::new();
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoting)
        .from_reader(line.as_bytes());
    match rdr.read_record(&mut record) {
        Ok(true) => record,
        _ => StringRecord::new(),
    }
}

/// A column name reduced to lower-case ASCII letters and digits, so `MutatieSoort`,
/// `Mutatiesoort` and a mis-decoded `Naam initiÃ«rende partij` all match their profile's name.
pub(super) fn normalise(name: impl AsRef<str>) -> String {
    name.as_ref()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(super) fn abn_shape(r: &StringRecord) -> bool {
    let compact = |s: &str| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit());
    r.len() >= 8
        && r[1].len() == 3
        && r[1].bytes().all(|b| b.is_ascii_alphabetic())
        && compact(&r[2])
        && compact(&r[5])
}

pub(super) fn asn_shape(r: &StringRecord) -> bool {
    let iban = |s: &str| {
        let s = s.trim().as_bytes();
        s.len() >= 15
            && s[..2].iter().all(u8::is_ascii_uppercase)
            && s[2..4].iter().all(u8::is_ascii_digit)
    };
    let point_amount = |s: &str| {
        let s = s.trim().trim_start_matches(['-', '+']);
        s.split_once('.').is_some_and(|(int, frac)| {
            !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.len() == 2
        })
    };
    r.len() == 19
        && parse_date(&r[0], DateFormat::DmyDash).is_ok()
        && iban(&r[1])
        && point_amount(&r[10])
        && r[9].trim().len() == 3
}

pub(super) fn triodos_shape(r: &StringRecord) -> bool {
    r.len() >= 8
        && parse_date(&r[0], DateFormat::DmyDash).is_ok()
        && ["debet", "credit"].contains(&r[3].trim().to_ascii_lowercase().as_str())
}
