//! Debtor master files (`debiteuren.csv`, a package's customer list): one row per debtor with its
//! name, address, KvK, VAT number, e-mail, phone and IBAN. Told from a ledger by content: a
//! debtor column and at least two debtor details, and no invoice number, date or amount.

use incasso_core::ids::{DebtorId, Iban};
use incasso_core::model::{Address, Debtor};

use super::headers::{field_for_header, Field};
use super::{CsvError, RowError};

/// Fields that describe a debtor rather than a document.
const DETAILS: [Field; 10] = [
    Field::Street,
    Field::HouseNumber,
    Field::Postcode,
    Field::City,
    Field::Country,
    Field::Kvk,
    Field::VatNumber,
    Field::Email,
    Field::Phone,
    Field::Iban,
];

/// Fields only a ledger has.
const DOCUMENT: [Field; 5] = [
    Field::Number,
    Field::IssueDate,
    Field::DueDate,
    Field::Total,
    Field::Open,
];

/// A debtor list read from a file: each debtor with its line, and the columns taken.
#[derive(Debug)]
pub struct DebtorList {
    /// The debtors, with the line each came from.
    pub debtors: Vec<(Debtor, u64)>,
    /// Each field taken and the header it came from.
    pub columns: Vec<(Field, String)>,
}

fn split(line: &str, delimiter: u8) -> Vec<String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .unwrap_or_default()
}

/// The delimiter and header fields of the first line that names the most fields.
fn header(text: &str) -> Option<(u8, Vec<String>, usize)> {
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty())?;
    [b';', b',', b'\t', b'|']
        .into_iter()
        .map(|d| (d, split(line.trim_start_matches('\u{feff}'), d)))
        .max_by_key(|(_, f)| f.iter().filter(|h| field_for_header(h).is_some()).count())
        .map(|(d, f)| (d, f, index))
}

/// Whether a text is a debtor list rather than a ledger.
pub fn looks_like(text: &str) -> bool {
    let Some((_, fields, _)) = header(text) else {
        return false;
    };
    let found: Vec<Field> = fields.iter().filter_map(|h| field_for_header(h)).collect();
    found
        .iter()
        .any(|f| matches!(f, Field::DebtorId | Field::DebtorName))
        && found.iter().filter(|f| DETAILS.contains(f)).count() >= 2
        && !found.iter().any(|f| DOCUMENT.contains(f))
}

/// Reads a debtor list; a row without an id, or with an IBAN that fails its check, is refused
/// with its line and column.
pub fn read(file: &str, text: &str) -> Result<DebtorList, CsvError> {
    let (delimiter, names, header_index) = header(text).ok_or_else(|| CsvError::HeaderOnly {
        file: file.to_string(),
    })?;
    let mut columns: Vec<(Field, usize)> = Vec::new();
    for (i, h) in names.iter().enumerate() {
        if let Some(f) = field_for_header(h) {
            if !columns.iter().any(|(g, _)| *g == f) {
                columns.push((f, i));
            } else if f == Field::DebtorId && !columns.iter().any(|(g, _)| *g == Field::DebtorName)
            {
                // `Debiteur` beside `Debiteurnummer`: decided by content below.
                columns.push((Field::DebtorName, i));
            }
        }
    }
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (n, r) in rows.records().enumerate() {
        let r = r.map_err(|e| CsvError::Structure {
            file: file.to_string(),
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        })?;
        if n <= header_index {
            continue;
        }
        let line = r.position().map(|p| p.line()).unwrap_or(n as u64 + 1);
        records.push((line, r));
    }
    // Two debtor columns: the one whose values read as names is the name.
    if let (Some(id), Some(name)) = (
        col(&columns, Field::DebtorId),
        col(&columns, Field::DebtorName),
    ) {
        let names_in = |i: usize| {
            records
                .iter()
                .filter_map(|(_, r)| r.get(i))
                .filter(|v| super::detect::looks_like_name(v))
                .count()
        };
        if names_in(id) > names_in(name) {
            for c in &mut columns {
                c.0 = match c.0 {
                    Field::DebtorId => Field::DebtorName,
                    Field::DebtorName => Field::DebtorId,
                    other => other,
                };
            }
        }
    }
    let id_col = col(&columns, Field::DebtorId).ok_or_else(|| CsvError::MissingColumn {
        file: file.to_string(),
        field: "debtor_id",
        header: names.join(", "),
    })?;
    let mut debtors = Vec::with_capacity(records.len());
    for (line, r) in &records {
        let get = |f: Field| {
            col(&columns, f)
                .and_then(|i| r.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if r.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let bad = |f: Field, value: &str, message: String| {
            CsvError::Row(RowError {
                file: file.to_string(),
                unit: "line",
                line: *line,
                column: col(&columns, f)
                    .map(|i| names[i].clone())
                    .unwrap_or_default(),
                value: crate::values::excerpt(value).into_owned(),
                message,
            })
        };
        for (f, i) in &columns {
            if let Some(why) = r.get(*i).and_then(crate::values::field_too_long) {
                return Err(bad(*f, r.get(*i).unwrap_or(""), why));
            }
        }
        let raw_id = r.get(id_col).unwrap_or("").trim();
        let id = DebtorId::new(raw_id)
            .map_err(|e| bad(Field::DebtorId, raw_id, format!("not a debtor id: {e}")))?;
        let mut d = Debtor::new(id);
        d.name = get(Field::DebtorName);
        d.kvk = get(Field::Kvk);
        d.vat_number = get(Field::VatNumber);
        d.email = get(Field::Email);
        d.phone = get(Field::Phone);
        d.address = Address {
            street: get(Field::Street),
            house_number: get(Field::HouseNumber),
            postcode: get(Field::Postcode),
            city: get(Field::City),
            country: get(Field::Country),
        };
        if let Some(raw) = get(Field::Iban) {
            let iban = Iban::parse(&raw)
                .map_err(|e| bad(Field::Iban, &raw, format!("not an IBAN: {e}")))?;
            d.ibans.push(iban);
        }
        debtors.push((d, *line));
    }
    Ok(DebtorList {
        debtors,
        columns: columns
            .iter()
            .map(|(f, i)| (*f, names[*i].clone()))
            .collect(),
    })
}

fn col(columns: &[(Field, usize)], f: Field) -> Option<usize> {
    columns.iter().find(|(g, _)| *g == f).map(|(_, i)| *i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debtor_list_is_told_from_a_ledger_and_read() {
        let list = "Debiteurnummer;Naam;Adres;Postcode;Plaats;KvK;E-mail;IBAN\nD100;Bakkerij De Zon B.V.;Dorpsstraat 1;1234 AB;Utrecht;12345678;ap@zon.nl;NL91ABNA0417164300\n";
        assert!(looks_like(list));
        let ledger = "Factuurnummer;Factuurdatum;Debiteurnummer;Naam;Plaats;KvK;Bedrag\n";
        assert!(!looks_like(ledger));
        let read = read("debiteuren.csv", list).unwrap();
        let (d, line) = &read.debtors[0];
        assert_eq!(*line, 2);
        assert_eq!(d.name.as_deref(), Some("Bakkerij De Zon B.V."));
        assert_eq!(d.address.city.as_deref(), Some("Utrecht"));
        assert_eq!(d.ibans.len(), 1);
        let bad = list.replace("NL91ABNA0417164300", "NL00BANK0000000000");
        let e = read_err("debiteuren.csv", &bad);
        assert!(e.contains("line 2") && e.contains("IBAN"), "{e}");
    }

    fn read_err(f: &str, t: &str) -> String {
        read(f, t).unwrap_err().to_string()
    }
}
