//! Which format a file is, decided by its content, not its name.

use std::path::Path;

/// The formats incasso recognises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// A CSV (or TSV) export.
    Csv,
    /// A UBL invoice or credit note.
    Ubl,
    /// An ISO 20022 bank-to-customer message: camt.052, .053 or .054 with its version.
    Camt(String),
    /// A SWIFT MT940 statement.
    Mt940,
    /// An OOXML workbook (.xlsx, .xlsm) or OpenDocument spreadsheet (.ods).
    SpreadsheetZip,
    /// A legacy Excel workbook (.xls).
    Xls,
    /// Another zip archive (zipped statements, for example).
    Zip,
    /// XML of another kind, with its root element.
    OtherXml(String),
    /// A PDF.
    Pdf,
}

impl Format {
    /// A name for messages.
    pub fn describe(&self) -> String {
        match self {
            Format::Csv => "CSV export".into(),
            Format::Ubl => "UBL e-invoice".into(),
            Format::Camt(v) => format!("ISO 20022 bank statement ({v})"),
            Format::Mt940 => "MT940 bank statement".into(),
            Format::SpreadsheetZip => "spreadsheet (xlsx/xlsm/ods)".into(),
            Format::Xls => "Excel 97-2003 workbook (xls)".into(),
            Format::Zip => "zip archive".into(),
            Format::OtherXml(root) => format!("XML document with root element {root}"),
            Format::Pdf => "PDF document".into(),
        }
    }
}

/// Decides a file's format from its first bytes (`head`) and, for zips, its entry names.
pub fn detect(path: &Path, head: &[u8]) -> Format {
    if head.starts_with(b"PK\x03\x04") {
        let text = String::from_utf8_lossy(&head[..head.len().min(4096)]).into_owned();
        let named = |p: &str| path.extension().is_some_and(|e| e.eq_ignore_ascii_case(p));
        if text.contains("[Content_Types].xml")
            || text.contains("mimetypeapplication/vnd.oasis.opendocument")
            || named("xlsx")
            || named("xlsm")
            || named("ods")
        {
            return Format::SpreadsheetZip;
        }
        return Format::Zip;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Format::Xls;
    }
    if head.starts_with(b"%PDF") {
        return Format::Pdf;
    }
    let body = crate::source::strip_bom(head);
    let text = String::from_utf8_lossy(&body[..body.len().min(8192)]);
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return xml_kind(trimmed);
    }
    if trimmed.starts_with("{1:") || trimmed.lines().take(5).any(|l| swift_tag(l.trim_start())) {
        return Format::Mt940;
    }
    Format::Csv
}

/// A SWIFT field tag at the start of a line: `:20:`, `:28C:`, `:62F:`.
fn swift_tag(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() >= 4
        && b[0] == b':'
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && (b[3] == b':' || (b[3].is_ascii_uppercase() && b.get(4) == Some(&b':')))
}

/// The root element of an XML head, skipping the declaration, comments and processing
/// instructions.
fn xml_kind(text: &str) -> Format {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.split_once("?>").map_or("", |(_, r)| r);
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->").map_or("", |(_, r)| r);
        } else if rest.starts_with("<!") {
            return Format::OtherXml("!DOCTYPE".into());
        } else {
            break;
        }
    }
    let tag: String = rest
        .trim_start_matches('<')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    let local = tag.rsplit(':').next().unwrap_or("").to_string();
    let start = rest.split('>').next().unwrap_or("");
    if let Some(p) = start.find("urn:iso:std:iso:20022:tech:xsd:camt.") {
        let v: String = start[p + "urn:iso:std:iso:20022:tech:xsd:".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        return Format::Camt(v);
    }
    if (local == "Invoice" || local == "CreditNote")
        && start.contains("urn:oasis:names:specification:ubl:schema:xsd:")
    {
        return Format::Ubl;
    }
    Format::OtherXml(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_content() {
        let p = Path::new("x");
        let table: [(&str, &[u8], Format); 10] = [
            ("F1", b"Factuurnummer;Datum\n1;2", Format::Csv),
            ("F2", b"<?xml version=\"1.0\"?>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">", Format::Ubl),
            ("F3", b"<!-- licence -->\n<doc:CreditNote xmlns:doc=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\">", Format::Ubl),
            ("F4", b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">", Format::Camt("camt.053.001.02".into())),
            ("F5", b":20:STARTUMS\n:25:NL", Format::Mt940),
            ("F5b", b":62F:C100323EUR42570,04", Format::Mt940),
            ("F6", b"PK\x03\x04....[Content_Types].xml", Format::SpreadsheetZip),
            ("F7", b"PK\x03\x04....statement.xml", Format::Zip),
            ("F8", b"<html><body>", Format::OtherXml("html".into())),
            ("F9", b"<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><lolz>", Format::OtherXml("!DOCTYPE".into())),
        ];
        for (id, head, want) in table {
            assert_eq!(detect(p, head), want, "{id}");
        }
    }
}
