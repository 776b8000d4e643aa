//! Identifier newtypes, so a debtor id can never be passed where an invoice number is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Gives a text identifier its `as_str`, `Display` (the text) and `Debug` (`Type(text)`).
macro_rules! text_id {
    ($ty:ident) => {
        impl $ty {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), &*self.0)
            }
        }
    };
}

text_id!(DocumentNumber);
text_id!(DebtorId);
text_id!(CreditorId);
text_id!(Iban);

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidId {
    /// The identifier was empty after trimming.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// An IBAN failed its structure or mod-97 check.
    #[error("'{value}' is not a valid IBAN: {reason}")]
    Iban {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Takes ownership without copying when the value is already trimmed.
fn trimmed_owned(value: String, what: &'static str) -> Result<String, InvalidId> {
    if value.is_empty() || value.trim().len() != value.len() {
        trimmed(&value, what)
    } else {
        Ok(value)
    }
}

fn trimmed(value: &str, what: &'static str) -> Result<String, InvalidId> {
    let t = value.trim();
    if t.is_empty() {
        Err(InvalidId::Empty(what))
    } else {
        Ok(t.to_string())
    }
}

/// An invoice or credit-note number as the source wrote it, with its normalised form for identity.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    /// Takes a number as written (trimmed); refuses an empty one.
    pub fn new(value: &str) -> Result<DocumentNumber, InvalidId> {
        trimmed(value, "document number").map(DocumentNumber)
    }

    /// The number an accounting API's second record with the number `number` is given, so that
    /// it is a document of its own (two Exact sales journals, Xero's duplicate numbers, a
    /// Moneybird external invoice numbered like a sales invoice): `number/` and the last eight
    /// letters and digits of its upstream id.
    pub fn marked(number: &str, upstream_id: &str) -> String {
        let chars: Vec<char> = upstream_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let tail: String = chars[chars.len().saturating_sub(8)..].iter().collect();
        format!("{number}/{tail}")
    }

    /// For a number [`DocumentNumber::marked`] made, the number its source wrote, which a debtor
    /// quotes; `None` for a number not of that shape. Only an API's documents are so marked.
    pub fn unmarked(number: &str) -> Option<&str> {
        let (base, tail) = number.rsplit_once('/')?;
        (!base.is_empty() && tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some(base)
    }

    /// Like [`DocumentNumber::new`], reusing the string's allocation when it needs no trimming.
    pub fn from_string(value: String) -> Result<DocumentNumber, InvalidId> {
        trimmed_owned(value, "document number").map(DocumentNumber)
    }

    /// The form used for identity: upper case, inner white space removed.
    ///
    /// Deliberately conservative: `F-001` and `F001` stay different documents, since creditors
    /// do use both in one ledger; fuzzy matching belongs to reconciliation, not identity.
    pub fn normalised(&self) -> std::borrow::Cow<'_, str> {
        let b = self.0.as_bytes();
        if b.iter()
            .all(|c| c.is_ascii_graphic() && !c.is_ascii_lowercase())
        {
            return std::borrow::Cow::Borrowed(&self.0);
        }
        std::borrow::Cow::Owned(
            self.0
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect(),
        )
    }
}

/// The creditor's own identifier of a debtor (debiteurnummer, customer id).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DebtorId(String);

impl DebtorId {
    /// Takes an id as written (trimmed); refuses an empty one.
    pub fn new(value: &str) -> Result<DebtorId, InvalidId> {
        trimmed(value, "debtor id").map(DebtorId)
    }

    /// Like [`DebtorId::new`], reusing the string's allocation when it needs no trimming.
    pub fn from_string(value: String) -> Result<DebtorId, InvalidId> {
        trimmed_owned(value, "debtor id").map(DebtorId)
    }
}

/// The administration (creditor) a ledger belongs to; shared, since every document names it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CreditorId(std::sync::Arc<str>);

impl CreditorId {
    /// Takes an id as written (trimmed); refuses an empty one.
    pub fn new(value: &str) -> Result<CreditorId, InvalidId> {
        trimmed(value, "creditor id").map(|s| CreditorId(s.into()))
    }
}

/// An IBAN in electronic form (no spaces, upper case), valid by structure and mod-97.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

impl Iban {
    /// Parses an IBAN written with or without spaces; checks country, length and mod-97.
    pub fn parse(value: &str) -> Result<Iban, InvalidId> {
        let bad = |reason| InvalidId::Iban {
            value: value.to_string(),
            reason,
        };
        let compact: String = value
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.len() < 15 || compact.len() > 34 {
            return Err(bad("length must be 15 to 34 characters"));
        }
        let b = compact.as_bytes();
        if !b[..2].iter().all(u8::is_ascii_uppercase) || !b[2..4].iter().all(u8::is_ascii_digit) {
            return Err(bad("must start with a country code and two check digits"));
        }
        if !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(bad("only letters and digits are allowed"));
        }
        if let Some(len) = national_length(&compact[..2]) {
            if compact.len() != len {
                return Err(bad("wrong length for its country"));
            }
        }
        let rem = mod97(b[4..].iter().chain(&b[..4]).copied());
        if rem != 1 {
            return Err(bad("check digits do not match (mod-97)"));
        }
        Ok(Iban(compact))
    }

    /// The IBAN of a country and national account number (BBAN), check digits computed.
    pub fn with_check(country: &str, bban: &str) -> Result<Iban, InvalidId> {
        let check = 98 - mod97(bban.bytes().chain(country.bytes()).chain(*b"00"));
        Iban::parse(&format!("{country}{check:02}{bban}"))
    }

    /// Whether a Dutch or Belgian account number has its national form (a bank code of four
    /// letters and ten digits; twelve digits whose last two check the first ten): what a
    /// creditor's own account is checked against beyond mod-97, which a digit in a Dutch bank
    /// code or a wrong Belgian check passes (reviews 46c F-6, 46d F-3). Other countries' forms
    /// are not known here.
    pub fn has_national_form(&self) -> bool {
        let b = self.0.as_bytes();
        match self.country() {
            "NL" => {
                b[4..8].iter().all(u8::is_ascii_uppercase) && b[8..].iter().all(u8::is_ascii_digit)
            }
            // Ten digits of bank and account, then their remainder by 97 (97 for none).
            "BE" => {
                b[4..].iter().all(u8::is_ascii_digit) && {
                    let n: u64 = self.0[4..14].parse().unwrap_or(0);
                    let check: u64 = self.0[14..16].parse().unwrap_or(0);
                    check == if n.is_multiple_of(97) { 97 } else { n % 97 }
                }
            }
            _ => true,
        }
    }

    /// The two-letter country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// Whether its country uses IBANs of its length (the IBAN registry, ISO 13616): a code no
    /// country has passes mod-97 all the same (`XX62ABNA0417164300`), and a creditor's account
    /// in it is one nobody can pay into (review 46c, F-6).
    pub fn is_registered(&self) -> bool {
        registered_length(self.country()) == Some(self.0.len())
    }
}

/// The length of a country's IBANs in the IBAN registry (SWIFT's, ISO 13616, release of 2025),
/// with the territories that write their own code (French overseas, the Crown dependencies,
/// Åland).
fn registered_length(country: &str) -> Option<usize> {
    Some(match country {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FO" | "GL" | "NL" | "SD" | "FK" | "AX" => 18,
        "MK" | "SI" => 19,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "XK" | "MN" => 20,
        "CH" | "HR" | "LI" | "LV" => 21,
        "BG" | "BH" | "CR" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" | "VA" | "IM" | "JE"
        | "GG" => 22,
        "AE" | "GI" | "IL" | "IQ" | "OM" | "SO" | "TL" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "LY" | "PT" | "ST" => 25,
        "IS" | "TR" => 26,
        "BI" | "DJ" | "FR" | "GR" | "IT" | "MC" | "MR" | "SM" | "GF" | "GP" | "MQ" | "RE"
        | "PF" | "TF" | "YT" | "NC" | "PM" | "WF" | "BL" | "MF" => 27,
        "AL" | "AZ" | "BY" | "CY" | "DO" | "GT" | "HN" | "HU" | "LB" | "NI" | "PL" | "SV" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" | "YE" => 30,
        "MT" | "SC" => 31,
        "LC" => 32,
        "RU" => 33,
        _ => return None,
    })
}

/// ISO 7064 mod 97 over digits and upper-case letters (A = 10 ... Z = 35), as IBANs and
/// ISO 11649 references use it.
pub(crate) fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    let mut r = 0u32;
    for c in chars {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c.to_ascii_uppercase() - b'A') + 10
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    r
}

/// IBAN lengths of the countries incasso's users meet most; others are checked by mod-97 only.
fn national_length(country: &str) -> Option<usize> {
    Some(match country {
        "NL" => 18,
        "BE" => 16,
        "DE" => 22,
        "FR" | "IT" | "MC" => 27,
        "LU" => 20,
        "GB" | "IE" => 22,
        "ES" | "SE" => 24,
        "AT" | "LT" | "EE" => 20,
        "DK" | "FI" => 18,
        "NO" => 15,
        "CH" => 21,
        _ => return None,
    })
}

impl TryFrom<String> for Iban {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Iban::parse(&s)
    }
}

impl From<Iban> for String {
    fn from(i: Iban) -> String {
        i.0
    }
}

/// An account as bank lines of different formats compare it: no spaces, upper case (a CSV
/// writes `NL30 RABO 0301 2345 67` where camt.053 writes `NL30RABO0301234567`).
pub fn compact_account(a: &str) -> String {
    compacted(a).collect()
}

/// The characters of [`compact_account`]'s result, one by one (compared without building it).
fn compacted(a: &str) -> impl Iterator<Item = char> + '_ {
    a.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
}

/// Whether a bank line names no payer by account: it gives none, or the account it was booked
/// to (a bank's collective entry, a collection total booked with the creditor as counterparty).
pub fn no_payer_account(payer: Option<&str>, booked_to: Option<&str>) -> bool {
    match (payer, booked_to) {
        (None, _) => true,
        (Some(from), Some(own)) => compacted(from).eq(compacted(own)),
        (Some(_), None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_number_gives_back_the_number_its_source_wrote() {
        let m = DocumentNumber::marked("2026-0412", "488363409641252251");
        assert_eq!(m, "2026-0412/41252251");
        assert_eq!(DocumentNumber::unmarked(&m), Some("2026-0412"));
        let guid = DocumentNumber::marked("INV-7", "3e5a6b1c-0d2f-4c4e-9f1a-1b2c3d4e5f60");
        assert_eq!(guid, "INV-7/3d4e5f60");
        assert_eq!(DocumentNumber::unmarked(&guid), Some("INV-7"));
        for plain in ["2026/0412", "F/2026", "/12345678", "INV-0001", "A/1234567"] {
            assert_eq!(DocumentNumber::unmarked(plain), None, "{plain}");
        }
    }

    #[test]
    fn iban_checks_mod97_and_country_length() {
        assert_eq!(
            Iban::parse("NL91 ABNA 0417 1643 00").unwrap().as_str(),
            "NL91ABNA0417164300"
        );
        assert!(Iban::parse("BE68539007547034").is_ok());
        assert!(
            Iban::parse("NL92ABNA0417164300").is_err(),
            "wrong check digits"
        );
        assert!(
            Iban::parse("NL91ABNA041716430").is_err(),
            "too short for NL"
        );
        assert!(Iban::parse("not an iban at all").is_err());
        // Mod-97 right, national form wrong (reviews 46c F-6, 46d F-3).
        let form = |i: &str| Iban::parse(i).unwrap().has_national_form();
        assert!(form("NL91ABNA0417164300") && form("BE68539007547034"));
        assert!(!form("NL251BNA0417164300"), "a digit in the bank code");
        assert!(!form("BE41539007547035"), "the Belgian check digits");
        // Mod-97 right, no country's (review 46c, F-6).
        let registered = |i: &str| Iban::parse(i).unwrap().is_registered();
        assert!(registered("NL91ABNA0417164300") && registered("BE68539007547034"));
        assert!(registered("DE89370400440532013000") && registered("FR1420041010050500013M02606"));
        assert!(registered("GB29NWBK60161331926819") && registered("CH9300762011623852957"));
        assert!(!registered("XX62ABNA0417164300"), "no country XX");
    }

    #[test]
    fn document_numbers_normalise_case_and_spaces_only() {
        let a = DocumentNumber::new(" f 2026-001 ").unwrap();
        assert_eq!(a.as_str(), "f 2026-001");
        assert_eq!(a.normalised(), "F2026-001");
        assert_ne!(DocumentNumber::new("F-1").unwrap().normalised(), "F1");
        assert!(DocumentNumber::new("  ").is_err());
    }
}
