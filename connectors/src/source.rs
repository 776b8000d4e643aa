//! Reading a source file once: its content hash, its text encoding, and a first look at it.
//!
//! The hash identifies the exact bytes, so a re-import of the same file is recognised before it
//! is parsed. Encoding detection happens in the same streaming pass.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use incasso_core::model::{Source, SourceKind};

/// The text encodings incasso detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark.
    Utf16Le,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16Be,
    /// Windows-1252 (a superset of ISO-8859-1), for files that are not valid UTF-8.
    Windows1252,
    /// Windows-1250 (Central European), for 8-bit files whose bytes say so (ő, ű, ł, ą, ť, ź).
    Windows1250,
}

impl TextEncoding {
    /// Name as users write it in profiles and see it in reports.
    pub fn name(&self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8 (with BOM)",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
            TextEncoding::Windows1250 => "windows-1250",
        }
    }

    /// Parses a profile's `encoding` value.
    pub fn from_name(s: &str) -> Option<TextEncoding> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => TextEncoding::Utf8,
            "utf-16le" | "utf-16" => TextEncoding::Utf16Le,
            "utf-16be" => TextEncoding::Utf16Be,
            "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" | "latin-1" => {
                TextEncoding::Windows1252
            }
            "windows-1250" | "cp1250" => TextEncoding::Windows1250,
            _ => return None,
        })
    }
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file has no bytes at all.
    #[error("{0}: the file is empty")]
    Empty(PathBuf),
    /// NUL bytes or other control characters: not a text file.
    #[error("{path}: this is a binary file, not a text export (byte {offset} is 0x{byte:02x})")]
    Binary {
        /// The file.
        path: PathBuf,
        /// Offset of the first offending byte.
        offset: u64,
        /// The byte.
        byte: u8,
    },
    /// Valid UTF-8 in places and invalid in others.
    #[error("{path}: mixed encodings: the file has UTF-8 text but line {line} is not valid UTF-8; save it again in one encoding (UTF-8)")]
    MixedEncoding {
        /// The file.
        path: PathBuf,
        /// First line that is not valid UTF-8.
        line: u64,
    },
}

/// What a first pass over a file learned.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The file as given.
    pub path: PathBuf,
    /// BLAKE3 of the bytes, hex.
    pub content_hash: String,
    /// The detected encoding.
    pub encoding: TextEncoding,
    /// Size in bytes.
    pub size: u64,
    /// The first bytes, for format detection.
    pub head: Vec<u8>,
    /// Why the file cannot be read as text, when it cannot (binary bytes, mixed encodings).
    pub not_text: Option<NotText>,
    /// The open file the hash was taken from: readers parse from it, so the bytes parsed are
    /// the bytes hashed even when another file is renamed over the path meanwhile.
    pub handle: Option<std::sync::Arc<File>>,
}

/// Why a file is not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotText {
    /// A control byte no text export has.
    Binary {
        /// Offset of the byte.
        offset: u64,
        /// The byte.
        byte: u8,
    },
    /// Valid UTF-8 in places and invalid in others.
    Mixed {
        /// First line that is not valid UTF-8.
        line: u64,
    },
}

impl Inspection {
    /// The inspected file from its start, through the descriptor that was hashed (or, for an
    /// inspection of bytes already in memory, opened by path).
    pub fn open(&self) -> std::io::Result<File> {
        use std::io::{Seek, SeekFrom};
        match &self.handle {
            Some(h) => {
                let mut f = h.try_clone()?;
                f.seek(SeekFrom::Start(0))?;
                Ok(f)
            }
            None => File::open(&self.path),
        }
    }

    /// The file from its start past a UTF-8 byte-order mark, buffered: what a reader streams
    /// when the text is UTF-8 (text in another encoding is decoded whole, see [`decode_all`]).
    pub fn open_past_bom(&self) -> std::io::Result<BufReader<File>> {
        let mut f = BufReader::with_capacity(1 << 20, self.open()?);
        if self.head.starts_with(&UTF8_BOM) {
            f.read_exact(&mut [0u8; 3])?;
        }
        Ok(f)
    }

    /// The head's whole lines as UTF-8 text, byte-order mark removed: all of it when the head is
    /// the whole file, else up to its last line end.
    pub fn head_lines(&self) -> String {
        let head = strip_bom(&self.head);
        let whole = self.head.len() as u64 >= self.size;
        let cut = match head.iter().rposition(|&b| b == b'\n') {
            Some(p) if !whole => p + 1,
            _ => head.len(),
        };
        String::from_utf8_lossy(&head[..cut]).into_owned()
    }

    /// The text encoding, or why the file is not text.
    pub fn text_encoding(&self) -> Result<TextEncoding, SourceError> {
        match &self.not_text {
            None => Ok(self.encoding),
            Some(NotText::Binary { offset, byte }) => Err(SourceError::Binary {
                path: self.path.clone(),
                offset: *offset,
                byte: *byte,
            }),
            Some(NotText::Mixed { line }) => Err(SourceError::MixedEncoding {
                path: self.path.clone(),
                line: *line,
            }),
        }
    }

    /// The provenance source for records read from this file.
    pub fn source(&self, kind: SourceKind) -> Source {
        Source {
            kind,
            name: self.path.display().to_string(),
            content_hash: self.content_hash.clone(),
        }
    }
}

const HEAD_LEN: usize = 256 * 1024;

/// Hashes a file and detects its text encoding in one streaming pass; a binary file is not an
/// error here (it may be a workbook), see [`Inspection::text_encoding`].
pub fn inspect(path: &Path) -> Result<Inspection, SourceError> {
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let handle = File::open(path).map_err(io)?;
    let mut r = BufReader::with_capacity(1 << 20, &handle);
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut head = Vec::new();
    let mut size = 0u64;
    let mut utf8 = Utf8Scan::default();
    let mut bom: Option<TextEncoding> = None;
    let mut not_text: Option<NotText> = None;
    loop {
        let n = r.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        if head.len() < HEAD_LEN {
            head.extend_from_slice(&chunk[..(HEAD_LEN - head.len()).min(n)]);
            if bom.is_none() && head.len() >= 3 {
                bom = detect_bom(&head);
            }
        }
        if not_text.is_none() && !matches!(bom, Some(TextEncoding::Utf16Le | TextEncoding::Utf16Be))
        {
            if let Err(offset) = utf8.feed(chunk, size) {
                not_text = Some(NotText::Binary {
                    offset,
                    byte: chunk[(offset - size) as usize],
                });
            }
        }
        size += n as u64;
    }
    if size == 0 {
        return Err(SourceError::Empty(path.to_path_buf()));
    }
    let bom = bom.or_else(|| detect_bom(&head));
    let encoding = match bom {
        Some(e) => e,
        None if utf8.invalid_at_line.is_none() => TextEncoding::Utf8,
        None if utf8.multibyte_seen => {
            not_text = not_text.or(Some(NotText::Mixed {
                line: utf8.invalid_at_line.unwrap_or(1),
            }));
            TextEncoding::Utf8
        }
        None => eight_bit(&head),
    };
    Ok(Inspection {
        path: path.to_path_buf(),
        content_hash: hasher.finalize().to_hex().to_string(),
        encoding,
        size,
        head,
        not_text,
        handle: Some(std::sync::Arc::new(handle)),
    })
}

/// The UTF-8 byte-order mark.
pub(crate) const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// The bytes without a UTF-8 byte-order mark (Excel's CSV, Exact's answers start with one).
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&UTF8_BOM[..]).unwrap_or(bytes)
}

/// The text without a byte-order mark.
pub fn strip_bom_str(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn detect_bom(head: &[u8]) -> Option<TextEncoding> {
    if head.starts_with(&UTF8_BOM) {
        Some(TextEncoding::Utf8Bom)
    } else if head.starts_with(&[0xFF, 0xFE]) {
        Some(TextEncoding::Utf16Le)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// Streaming UTF-8 validation that remembers whether real multi-byte text was seen and where
/// the first invalid byte sits (by line), and refuses binary control bytes.
#[derive(Default)]
struct Utf8Scan {
    carry: Vec<u8>,
    line: u64,
    multibyte_seen: bool,
    invalid_at_line: Option<u64>,
}

impl Utf8Scan {
    /// Feeds one chunk at a file offset; `Err(offset)` on a binary control byte.
    fn feed(&mut self, chunk: &[u8], offset: u64) -> Result<(), u64> {
        if let Some(p) = first_binary(chunk) {
            return Err(offset + p as u64);
        }
        let data: Vec<u8>;
        let mut rest: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            data = [std::mem::take(&mut self.carry).as_slice(), chunk].concat();
            &data
        };
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.note_valid(s.as_bytes());
                    return Ok(());
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    self.note_valid(valid);
                    match e.error_len() {
                        None => {
                            self.carry = after.to_vec();
                            return Ok(());
                        }
                        Some(len) => {
                            if self.invalid_at_line.is_none() {
                                self.invalid_at_line = Some(self.line + 1);
                            }
                            rest = &after[len..];
                        }
                    }
                }
            }
        }
    }

    fn note_valid(&mut self, valid: &[u8]) {
        if !self.multibyte_seen
            && valid
                .chunks(64)
                .any(|c| c.iter().fold(0, |a, &b| a | b) >= 0x80)
        {
            self.multibyte_seen = true;
        }
        self.line += line_ends(valid);
    }
}

/// Whether a byte is a control character no text file holds: NUL, or below space other than
/// tab, line feed, form feed, carriage return and the DOS end-of-file mark. Written without
/// branches so a block of bytes is checked in vector registers.
fn is_binary(b: u8) -> bool {
    (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0c) & (b != b'\r') & (b != 0x1a)
}

/// The offset of the first binary byte ([`is_binary`]): blocks of 64 bytes are checked whole,
/// and only a block that holds one is searched byte by byte (the whole file passes through
/// here before it is read, so this runs at memory speed rather than a byte per step).
fn first_binary(bytes: &[u8]) -> Option<usize> {
    bytes.chunks(64).enumerate().find_map(|(k, block)| {
        block
            .iter()
            .fold(false, |any, &b| any | is_binary(b))
            .then(|| block.iter().position(|&b| is_binary(b)).map(|p| k * 64 + p))
            .flatten()
    })
}

/// How many line feeds the bytes hold, counted in byte-wide sums of 255 bytes at a time.
fn line_ends(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

/// BLAKE3 of some bytes, hex: the content hash incasso names sources and attachments by.
pub fn hash_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Decodes a whole file under an encoding into UTF-8 text (BOM removed).
pub fn decode_all(bytes: &[u8], encoding: TextEncoding) -> String {
    match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            String::from_utf8_lossy(strip_bom(bytes)).into_owned()
        }
        TextEncoding::Utf16Le => encoding_rs::UTF_16LE
            .decode_with_bom_removal(bytes)
            .0
            .into_owned(),
        TextEncoding::Utf16Be => encoding_rs::UTF_16BE
            .decode_with_bom_removal(bytes)
            .0
            .into_owned(),
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
        TextEncoding::Windows1250 => encoding_rs::WINDOWS_1250
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// [`decode_all`] of bytes read whole, taking them over when they are UTF-8 already: a bank
/// statement of 200 MB is then not copied into as much fresh memory.
pub fn decode_owned(mut bytes: Vec<u8>, encoding: TextEncoding) -> String {
    match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            if bytes.starts_with(&UTF8_BOM) {
                bytes.drain(..UTF8_BOM.len());
            }
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        other => decode_all(&bytes, other),
    }
}

/// Which 8-bit code page a text that is not UTF-8 is in, by its bytes: Windows-1250 when
/// letters only Central European languages write occur (ő Ő of Hungarian, ą ł of Polish, ť ź Ť
/// Ź, which Windows-1252 leaves undefined), else Windows-1252. Not ű Ű: their bytes are û Û in
/// Windows-1252, which French writes (`août`, `dû`).
fn eight_bit(head: &[u8]) -> TextEncoding {
    const CENTRAL: [u8; 8] = [0xF5, 0xD5, 0xB9, 0xB3, 0x8D, 0x8F, 0x9D, 0x9F];
    let central = head.iter().filter(|b| CENTRAL.contains(b)).count();
    if central >= 2 {
        TextEncoding::Windows1250
    } else {
        TextEncoding::Windows1252
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The block-wise scans find what a byte-by-byte look finds.
        #[test]
        fn block_scans_are_byte_scans(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            text in "[ -~\n\t\r]{0,700}",
        ) {
            for b in [&bytes[..], text.as_bytes()] {
                let naive = b.iter().position(|&c| {
                    c == 0 || (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0c | 0x1a))
                });
                proptest::prop_assert_eq!(super::first_binary(b), naive);
                proptest::prop_assert_eq!(
                    super::line_ends(b),
                    b.iter().filter(|&&c| c == b'\n').count() as u64
                );
            }
        }
    }

    /// The bytes parsed are the bytes hashed: a file renamed over the path after the inspection
    /// is not what the readers get (hardening: "hashed on one open and parsed on another").
    #[test]
    fn a_file_renamed_over_the_path_is_not_read() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "first file\n").unwrap();
        std::fs::write(&b, "second file\n").unwrap();
        let inspection = inspect(&a).unwrap();
        std::fs::rename(&b, &a).unwrap();
        let mut text = String::new();
        inspection
            .open()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "first file\n");
        assert_eq!(inspection.content_hash, hash_hex(text.as_bytes()));
    }

    #[test]
    fn bytes_taken_over_decode_as_bytes_copied_do() {
        let bom_text = [&UTF8_BOM[..], "Café;12,50\n".as_bytes()].concat();
        let broken = b"Caf\xe9;12,50\n".to_vec();
        let latin = encoding_rs::WINDOWS_1252
            .encode("Café;12,50\n")
            .0
            .into_owned();
        for (bytes, encoding) in [
            ("Café;12,50\n".as_bytes().to_vec(), TextEncoding::Utf8),
            (bom_text, TextEncoding::Utf8Bom),
            (broken, TextEncoding::Utf8),
            (latin, TextEncoding::Windows1252),
        ] {
            let copied = decode_all(&bytes, encoding);
            assert_eq!(decode_owned(bytes, encoding), copied);
        }
        assert_eq!(
            decode_owned(b"Caf\xe9".to_vec(), TextEncoding::Utf8),
            "Caf\u{fffd}"
        );
    }

    #[test]
    fn central_european_eight_bit_text_is_windows_1250() {
        let hungarian = "Győri Hűtőház Kft., Díj, jutalék".to_string();
        let bytes = encoding_rs::WINDOWS_1250.encode(&hungarian).0.into_owned();
        assert_eq!(super::eight_bit(&bytes), TextEncoding::Windows1250);
        assert_eq!(decode_all(&bytes, TextEncoding::Windows1250), hungarian);
        let lefevre = "Lefèvre, échéance août, dû: 12 août, Nîmes, sûr";
        let lefevre = encoding_rs::WINDOWS_1252.encode(lefevre).0.into_owned();
        assert_eq!(super::eight_bit(&lefevre), TextEncoding::Windows1252);
        let french = encoding_rs::WINDOWS_1252
            .encode("Crème brûlée, café")
            .0
            .into_owned();
        assert_eq!(super::eight_bit(&french), TextEncoding::Windows1252);
    }
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn detects_each_encoding() {
        let cases: [(&[u8], TextEncoding); 5] = [
            (b"a;b\n1;2\n", TextEncoding::Utf8),
            (b"\xEF\xBB\xBFa;b\n", TextEncoding::Utf8Bom),
            (b"\xFF\xFEa\x00;\x00", TextEncoding::Utf16Le),
            (b"\xFE\xFF\x00a\x00;", TextEncoding::Utf16Be),
            (b"naam\nCaf\xe9\n", TextEncoding::Windows1252),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                inspect(file(bytes).path()).unwrap().encoding,
                want,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn refuses_binary_empty_and_mixed() {
        assert!(matches!(
            inspect(file(b"PK\x03\x04\x00\x00").path())
                .unwrap()
                .text_encoding(),
            Err(SourceError::Binary { offset: 2, .. })
        ));
        assert!(matches!(
            inspect(file(b"").path()),
            Err(SourceError::Empty(_))
        ));
        match inspect(file(b"naam\nCaf\xc3\xa9\nCaf\xe9\n").path())
            .unwrap()
            .text_encoding()
        {
            Err(SourceError::MixedEncoding { line: 3, .. }) => {}
            other => panic!("expected mixed encoding at line 3, got {other:?}"),
        }
    }

    #[test]
    fn same_bytes_same_hash_across_chunks() {
        let big: Vec<u8> = "é;1\n".repeat(400_000).into_bytes();
        let a = inspect(file(&big).path()).unwrap();
        assert_eq!(
            a.encoding,
            TextEncoding::Utf8,
            "a multi-byte char split across chunks stays valid"
        );
        assert_eq!(a.content_hash, blake3::hash(&big).to_hex().to_string());
        assert_eq!(a.size, big.len() as u64);
    }
}
