//! UBL 2.x e-invoices (Peppol BIS Billing 3.0, SI-UBL 2.0 / NLCIUS, and SI-UBL 1.2): one
//! Invoice or CreditNote per file, read as a stream with quick-xml, matched on namespace URI and
//! local name (any prefix, or a default namespace).
//!
//! The reader yields a [`Document`], the debtor (AccountingCustomerParty) and the attachments
//! (AdditionalDocumentReference/Attachment/EmbeddedDocumentBinaryObject), which are base64-decoded
//! piecewise straight into a file and a hash, never held decoded in memory. A DOCTYPE is refused,
//! so entity-expansion attacks ("billion laughs") never get a start; so are files over
//! [`MAX_FILE_BYTES`].

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{Days, NaiveDate};
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber, Iban};
use incasso_core::model::{Address, Debtor, DebtorKind, Document, DocumentKind, DocumentStatus};
use incasso_core::money::Currency;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use rust_decimal::Decimal;

mod attachments;
use attachments::*;

/// Largest UBL file read; real invoices with a PDF inside stay far below.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Days from issue to due date when the invoice states neither a due date nor a term.
pub const DEFAULT_TERM_DAYS: u64 = 30;

/// Elements nested deeper than this are refused (quick-xml's own depth counter wraps at 65,535).
const MAX_DEPTH: usize = 256;
const UBL_PREFIX: &[u8] = b"urn:oasis:names:specification:ubl:schema:xsd:";
/// Children of the root that are read past: lines, allowances, delivery, order detail.
const SKIPPED: [&str; 8] = [
    "InvoiceLine",
    "CreditNoteLine",
    "AllowanceCharge",
    "Delivery",
    "OrderReference",
    "ContractDocumentReference",
    "ProjectReference",
    "DespatchDocumentReference",
];
const INVOICE_NS: &[u8] = b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE_NS: &[u8] = b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

/// Why a UBL file was refused; `element` is the path of the element concerned.
#[derive(Debug, thiserror::Error)]
pub enum UblError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Broken XML.
    #[error("{file}: not well-formed XML at byte {position}: {message}")]
    Xml {
        /// The file.
        file: String,
        /// Byte offset.
        position: u64,
        /// The parser's message.
        message: String,
    },
    /// Something about the file as a whole.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A field is missing or wrong.
    #[error("{file}: element {element}: {message}")]
    Field {
        /// The file.
        file: String,
        /// Path of the element, e.g. `Invoice/LegalMonetaryTotal/PayableAmount`.
        element: String,
        /// What is wrong, with the value.
        message: String,
    },
}

/// An embedded attachment, already written to a file named by nothing yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// BLAKE3 hash (hex) of the decoded bytes.
    pub hash: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// MIME type as declared.
    pub mime: Option<String>,
    /// File name as declared.
    pub filename: Option<String>,
    /// Where the decoded bytes were written (the caller moves or deletes it).
    pub temp_path: PathBuf,
}

/// What one UBL file holds.
#[derive(Debug, Clone)]
pub struct UblDocument {
    /// The invoice or credit note.
    pub document: Document,
    /// The debtor (the buyer).
    pub debtor: Debtor,
    /// The supplier's name, for checking it is the administration's own invoice.
    pub supplier_name: Option<String>,
    /// The supplier's IBAN(s) from PaymentMeans.
    pub payee_ibans: Vec<String>,
    /// Embedded attachments.
    pub attachments: Vec<Attachment>,
    /// Element path of the root, for provenance.
    pub root: String,
    /// Things worth telling the user.
    pub notes: Vec<String>,
}

#[derive(Default)]
struct Fields {
    texts: Vec<(String, String, Option<String>)>, // path, text, the currencyID or schemeID attribute
}

impl Fields {
    fn first(&self, path: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(p, t, _)| p == path && !t.is_empty())
            .map(|(_, t, _)| t.as_str())
    }

    fn first_with_attr(&self, path: &str) -> Option<(&str, Option<&str>)> {
        self.texts
            .iter()
            .find(|(p, t, _)| p == path && !t.is_empty())
            .map(|(_, t, a)| (t.as_str(), a.as_deref()))
    }

    fn all<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        self.texts
            .iter()
            .filter(move |(p, t, _)| p == path && !t.is_empty())
            .map(|(_, t, a)| (t.as_str(), a.as_deref()))
    }
}

/// Reads one UBL invoice or credit note. Attachments are decoded into `attachment_dir`.
pub fn read(
    path: &Path,
    creditor: &CreditorId,
    attachment_dir: &Path,
) -> Result<UblDocument, UblError> {
    let file = path.display().to_string();
    let io = |source| UblError::Io {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(UblError::File {
            file,
            message: format!(
                "is {} MB; UBL files over {} MB are refused",
                size / 1_000_000,
                MAX_FILE_BYTES / 1_000_000
            ),
        });
    }
    let source = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
    read_from(file, source, creditor, attachment_dir)
}

/// Reads one UBL document already in memory (the caller read, sized and hashed the file once).
pub fn read_bytes(
    name: &str,
    bytes: &[u8],
    creditor: &CreditorId,
    attachment_dir: &Path,
) -> Result<UblDocument, UblError> {
    read_from(name.to_string(), bytes, creditor, attachment_dir)
}

fn read_from<R: std::io::BufRead>(
    file: String,
    source: R,
    creditor: &CreditorId,
    attachment_dir: &Path,
) -> Result<UblDocument, UblError> {
    let io = |source| UblError::Io {
        file: file.clone(),
        source,
    };
    let mut reader = NsReader::from_reader(source);
    // Text is trimmed when its element ends, not per piece: `Pérez &amp; De Vries` comes as
    // three pieces, and trimming each would lose the spaces around the `&`.
    reader.config_mut().trim_text(false);
    reader.config_mut().expand_empty_elements = true;

    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut path = String::new();
    let mut foreign_depth = 0usize; // inside an element of a non-UBL namespace (extensions)
    let mut kind: Option<DocumentKind> = None;
    let mut fields = Fields::default();
    let mut text = String::new();
    let mut attr: Option<String> = None;
    let mut attachments: Vec<Attachment> = Vec::new();
    let mut pending_attachment: Option<(Option<String>, Option<String>)> = None;
    let mut attachment_writer: Option<AttachmentWriter> = None;
    let too_long = |text: &str, path: &str| match crate::values::field_too_long(text) {
        Some(why) => Err(UblError::Field {
            file: file.clone(),
            element: path.to_string(),
            message: why,
        }),
        None => Ok(()),
    };
    let result = (|| -> Result<(), UblError> {
        loop {
            let position = reader.buffer_position();
            let (ns, event) =
                reader
                    .read_resolved_event_into(&mut buf)
                    .map_err(|e| UblError::Xml {
                        file: file.clone(),
                        position,
                        message: e.to_string(),
                    })?;
            let ns_bytes: Option<Vec<u8>> = match ns {
                ResolveResult::Bound(n) => Some(n.as_ref().to_vec()),
                _ => None,
            };
            match event {
                Event::DocType(_) => {
                    return Err(UblError::File {
                        file: file.clone(),
                        message:
                            "has a DOCTYPE; UBL never uses one, and entity declarations are refused"
                                .into(),
                    })
                }
                Event::Start(e) => {
                    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    if stack.len() + foreign_depth >= MAX_DEPTH {
                        return Err(UblError::Field {
                            file: file.clone(),
                            element: path.clone(),
                            message: format!(
                                "nests elements more than {MAX_DEPTH} deep (at <{local}>); UBL \
                                 needs a few dozen at most"
                            ),
                        });
                    }
                    if stack.is_empty() {
                        kind = match ns_bytes.as_deref() {
                            Some(INVOICE_NS) if local == "Invoice" => Some(DocumentKind::Invoice),
                            Some(CREDIT_NOTE_NS) if local == "CreditNote" => Some(DocumentKind::CreditNote),
                            other => {
                                return Err(UblError::File {
                                    file: file.clone(),
                                    message: format!(
                                        "is XML but not a UBL invoice or credit note: the root element is {{{}}}{local}",
                                        other.map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default()
                                    ),
                                })
                            }
                        };
                    } else if foreign_depth > 0
                        || !ns_bytes
                            .as_deref()
                            .is_some_and(|n| n.starts_with(UBL_PREFIX))
                        || (stack.len() == 1 && SKIPPED.contains(&local.as_str()))
                    {
                        // Extensions and line detail say nothing the ledger needs: skip them whole.
                        foreign_depth += 1;
                        continue;
                    }
                    if !stack.is_empty() {
                        path.push('/');
                    }
                    path.push_str(&local);
                    stack.push(local);
                    text.clear();
                    attr = None;
                    for a in e.attributes().flatten() {
                        let key = a.key.local_name();
                        let value = a
                            .decode_and_unescape_value(reader.decoder())
                            .map(Cow::into_owned)
                            .unwrap_or_default();
                        match key.as_ref() {
                            b"currencyID" | b"schemeID" => attr = Some(value),
                            b"mimeCode"
                                if stack
                                    .last()
                                    .is_some_and(|s| s == "EmbeddedDocumentBinaryObject") =>
                            {
                                pending_attachment.get_or_insert((None, None)).0 = Some(value)
                            }
                            b"filename"
                                if stack
                                    .last()
                                    .is_some_and(|s| s == "EmbeddedDocumentBinaryObject") =>
                            {
                                pending_attachment.get_or_insert((None, None)).1 = Some(value)
                            }
                            _ => {}
                        }
                    }
                    if stack
                        .last()
                        .is_some_and(|s| s == "EmbeddedDocumentBinaryObject")
                    {
                        attachment_writer =
                            Some(AttachmentWriter::create(attachment_dir).map_err(io)?);
                    }
                }
                Event::End(_) => {
                    if foreign_depth > 0 {
                        foreign_depth -= 1;
                        continue;
                    }
                    if let Some(w) = attachment_writer.take() {
                        let (mime, filename) = pending_attachment.take().unwrap_or_default();
                        let (hash, size, temp_path) = w.finish().map_err(|m| UblError::Field {
                            file: file.clone(),
                            element: path.clone(),
                            message: m,
                        })?;
                        attachments.push(Attachment {
                            hash,
                            size,
                            mime,
                            filename,
                            temp_path,
                        });
                    } else if !text.trim().is_empty() || attr.is_some() {
                        fields
                            .texts
                            .push((path.clone(), text.trim().to_string(), attr.take()));
                    }
                    text.clear();
                    if let Some(last) = stack.pop() {
                        path.truncate(
                            path.len()
                                .saturating_sub(last.len() + usize::from(!stack.is_empty())),
                        );
                    }
                }
                Event::Text(t) if foreign_depth == 0 => {
                    let raw = t.into_inner();
                    match attachment_writer.as_mut() {
                        Some(w) => w.feed(&raw).map_err(|m| UblError::Field {
                            file: file.clone(),
                            element: stack.join("/"),
                            message: m,
                        })?,
                        None => {
                            text.push_str(&String::from_utf8_lossy(&raw));
                            too_long(&text, &path)?;
                        }
                    }
                }
                Event::CData(t) if foreign_depth == 0 => {
                    text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                    too_long(&text, &path)?;
                }
                Event::GeneralRef(r) if foreign_depth == 0 => {
                    let name = r.into_inner();
                    let c = crate::xml::entity(&name);
                    match c {
                        Some(c) => text.push(c),
                        None => {
                            return Err(UblError::File {
                                file: file.clone(),
                                message: format!(
                                    "uses the undeclared entity &{};",
                                    String::from_utf8_lossy(&name)
                                ),
                            })
                        }
                    }
                }
                Event::Eof if !stack.is_empty() => {
                    return Err(UblError::Xml {
                        file: file.clone(),
                        position,
                        message: format!("the file ends inside {}; it is cut off", stack.join("/")),
                    })
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(())
    })();
    if let Err(e) = result {
        for a in &attachments {
            let _ = std::fs::remove_file(&a.temp_path);
        }
        if let Some(w) = attachment_writer {
            w.abandon();
        }
        return Err(e);
    }
    let kind = kind.ok_or_else(|| UblError::File {
        file: file.clone(),
        message: "has no root element".into(),
    })?;
    let built = build(&file, kind, &fields, creditor);
    match built {
        Ok(mut doc) => {
            doc.attachments = attachments;
            Ok(doc)
        }
        Err(e) => {
            for a in &attachments {
                let _ = std::fs::remove_file(&a.temp_path);
            }
            Err(e)
        }
    }
}

fn build(
    file: &str,
    root_kind: DocumentKind,
    f: &Fields,
    creditor: &CreditorId,
) -> Result<UblDocument, UblError> {
    let root = if root_kind == DocumentKind::Invoice {
        "Invoice"
    } else {
        "CreditNote"
    };
    let p = |rest: &str| format!("{root}/{rest}");
    let field_err = |rest: &str, message: String| UblError::Field {
        file: file.to_string(),
        element: p(rest),
        message,
    };
    let require = |rest: &str| {
        f.first(&p(rest))
            .ok_or_else(|| field_err(rest, "is missing".into()))
    };
    let date = |rest: &str| -> Result<Option<NaiveDate>, UblError> {
        match f.first(&p(rest)) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| field_err(rest, format!("'{v}' is not a date (yyyy-mm-dd)"))),
        }
    };
    let mut notes = Vec::new();
    let number = DocumentNumber::new(require("ID")?).map_err(|e| field_err("ID", e.to_string()))?;
    let issue_date =
        date("IssueDate")?.ok_or_else(|| field_err("IssueDate", "is missing".into()))?;
    let currency_text = require("DocumentCurrencyCode")?;
    let currency = Currency::parse(currency_text)
        .map_err(|e| field_err("DocumentCurrencyCode", e.to_string()))?;
    let amount = |rest: &str| -> Result<Option<Decimal>, UblError> {
        let Some((v, cur)) = f.first_with_attr(&p(rest)) else {
            return Ok(None);
        };
        if let Some(c) = cur {
            if !c.trim().eq_ignore_ascii_case(currency.as_str()) {
                return Err(field_err(
                    rest,
                    format!("amount {v} is in {c}, but the document currency is {currency}"),
                ));
            }
        }
        let d = Decimal::from_str_exact(v.trim())
            .map_err(|_| field_err(rest, format!("'{v}' is not an amount")))?;
        if !incasso_core::money::within_limit(d) {
            return Err(field_err(rest, incasso_core::money::beyond_limit(d)));
        }
        Ok(Some(d))
    };
    let payable = amount("LegalMonetaryTotal/PayableAmount")?
        .ok_or_else(|| field_err("LegalMonetaryTotal/PayableAmount", "is missing".into()))?;
    let inclusive = amount("LegalMonetaryTotal/TaxInclusiveAmount")?;
    let exclusive = amount("LegalMonetaryTotal/TaxExclusiveAmount")?;
    let prepaid = amount("LegalMonetaryTotal/PrepaidAmount")?.unwrap_or_default();
    let rounding = amount("LegalMonetaryTotal/PayableRoundingAmount")?.unwrap_or_default();
    // The VAT in the document currency: with a TaxCurrencyCode there is a second TaxTotal. VAT
    // stated only in another currency is refused rather than silently dropped.
    let in_document_currency =
        |c: Option<&str>| c.is_none_or(|c| c.trim().eq_ignore_ascii_case(currency.as_str()));
    if let Some((_, Some(other))) = f.all(&p("TaxTotal/TaxAmount")).next() {
        if !f
            .all(&p("TaxTotal/TaxAmount"))
            .any(|(_, c)| in_document_currency(c))
        {
            return Err(field_err(
                "TaxTotal/TaxAmount",
                format!(
                    "the VAT is stated in {} only, not in the document currency {}; a TaxTotal \
                     in the document currency is required",
                    other.trim(),
                    currency.as_str()
                ),
            ));
        }
    }
    let vat = f
        .all(&p("TaxTotal/TaxAmount"))
        .find(|(_, c)| in_document_currency(*c))
        .map(|(v, _)| {
            Decimal::from_str_exact(v.trim())
                .map_err(|_| field_err("TaxTotal/TaxAmount", format!("'{v}' is not an amount")))
                .and_then(|d| {
                    if incasso_core::money::within_limit(d) {
                        Ok(d)
                    } else {
                        Err(field_err(
                            "TaxTotal/TaxAmount",
                            incasso_core::money::beyond_limit(d),
                        ))
                    }
                })
        })
        .transpose()?;
    let total = inclusive.map_or(payable + prepaid - rounding, |i| i + rounding);
    let type_code = f
        .first(&p("InvoiceTypeCode"))
        .or_else(|| f.first(&p("CreditNoteTypeCode")))
        .map(str::trim);
    let mut kind = match (root_kind, type_code) {
        (DocumentKind::Invoice, Some("381")) => DocumentKind::CreditNote,
        (k, _) => k,
    };
    let (mut total, mut open, mut net, mut vat) = (total, payable, exclusive, vat);
    if kind == DocumentKind::Invoice && payable < Decimal::ZERO {
        notes.push(format!(
            "negative payable amount {payable}: read as a credit note"
        ));
        kind = DocumentKind::CreditNote;
    }
    if payable < Decimal::ZERO || (kind == DocumentKind::CreditNote && total < Decimal::ZERO) {
        total = -total;
        open = -open;
        net = net.map(|n| -n);
        vat = vat.map(|v| -v);
    }
    if type_code == Some("389") {
        notes.push(
            "self-billing invoice (389): issued by the buyer on the supplier's behalf".into(),
        );
    }
    let term_days = f.first(&p("PaymentTerms/Note")).and_then(term_from_note);
    let mut due_assumed = false;
    let due_date = match (date("DueDate")?, date("PaymentMeans/PaymentDueDate")?) {
        (Some(d), _) | (None, Some(d)) => d,
        (None, None) => {
            due_assumed = term_days.is_none();
            let days = term_days.unwrap_or(DEFAULT_TERM_DAYS);
            notes.push(format!(
                "no due date: issue date + {days} days{}",
                if term_days.is_some() {
                    " (payment terms)"
                } else {
                    ""
                }
            ));
            issue_date + Days::new(days)
        }
    };
    if due_date < issue_date {
        return Err(field_err(
            "DueDate",
            format!("{due_date} is before the issue date {issue_date}"),
        ));
    }
    let party = "AccountingCustomerParty/Party";
    let pf = |rest: &str| {
        f.first(&p(&format!("{party}/{rest}")))
            .map(|s| s.trim().to_string())
    };
    let pf_scheme = |rest: &str, scheme: &str| {
        f.all(&p(&format!("{party}/{rest}")))
            .find(|(_, s)| s.is_some_and(|s| s.trim() == scheme))
            .map(|(v, _)| v.trim().to_string())
    };
    let kvk = pf_scheme("PartyLegalEntity/CompanyID", "0106")
        .or_else(|| pf_scheme("PartyIdentification/ID", "0106"));
    let be_enterprise = pf_scheme("PartyLegalEntity/CompanyID", "0208")
        .or_else(|| pf_scheme("PartyIdentification/ID", "0208"));
    let vat_number = pf("PartyTaxScheme/CompanyID");
    let name = pf("PartyLegalEntity/RegistrationName").or_else(|| pf("PartyName/Name"));
    let debtor_key = pf("PartyIdentification/ID")
        .or_else(|| vat_number.clone())
        .or_else(|| kvk.clone())
        .or_else(|| be_enterprise.clone())
        .or_else(|| pf("EndpointID"))
        .or_else(|| name.clone())
        .ok_or_else(|| {
            field_err(
                party,
                "identifies no buyer (no identifier, VAT number, registration or name)".into(),
            )
        })?;
    let mut debtor =
        Debtor::new(DebtorId::new(&debtor_key).map_err(|e| field_err(party, e.to_string()))?);
    debtor.name = name;
    debtor.kvk = kvk.or(be_enterprise);
    debtor.vat_number = vat_number;
    debtor.email = pf("Contact/ElectronicMail");
    debtor.phone = pf("Contact/Telephone");
    debtor.kind = if debtor.kvk.is_some() || debtor.vat_number.is_some() {
        DebtorKind::Business
    } else {
        DebtorKind::Unknown
    };
    debtor.address = Address {
        street: pf("PostalAddress/StreetName"),
        house_number: pf("PostalAddress/BuildingNumber"),
        postcode: pf("PostalAddress/PostalZone"),
        city: pf("PostalAddress/CityName"),
        country: pf("PostalAddress/Country/IdentificationCode"),
    };
    let payee_ibans: Vec<String> = f
        .all(&p("PaymentMeans/PayeeFinancialAccount/ID"))
        .map(|(v, _)| v.to_string())
        .map(|v| Iban::parse(&v).map(|i| i.to_string()).unwrap_or(v))
        .collect();
    let document = Document {
        creditor: creditor.clone(),
        kind,
        number,
        debtor: debtor.id.clone(),
        issue_date,
        due_date,
        due_assumed,
        currency,
        net,
        vat,
        total,
        source_open: (open != total).then_some(open),
        status: DocumentStatus::Open,
        credited_invoice: f
            .first(&p("BillingReference/InvoiceDocumentReference/ID"))
            .map(|n| {
                DocumentNumber::new(n).map_err(|e| {
                    field_err(
                        "BillingReference/InvoiceDocumentReference/ID",
                        e.to_string(),
                    )
                })
            })
            .transpose()?,
        payment_reference: f
            .first(&p("PaymentMeans/PaymentID"))
            .map(|s| s.trim().to_string()),
        description: f.first(&p("Note")).map(|s| s.trim().to_string()),
    };
    Ok(UblDocument {
        document,
        debtor,
        supplier_name: f
            .first(&p(
                "AccountingSupplierParty/Party/PartyLegalEntity/RegistrationName",
            ))
            .or_else(|| f.first(&p("AccountingSupplierParty/Party/PartyName/Name")))
            .map(String::from),
        payee_ibans,
        attachments: Vec::new(),
        root: root.to_string(),
        notes,
    })
}

/// "within 30 days", "binnen 14 dagen", "net 30": the term in days, when the note states one
/// plainly (a note with a percentage is about discounts and is not read).
fn term_from_note(note: &str) -> Option<u64> {
    if note.contains('%') {
        return None;
    }
    let words: Vec<String> = note
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    for w in words.windows(3) {
        if matches!(w[0].as_str(), "within" | "binnen" | "net" | "netto") {
            if let Ok(n) = w[1].parse::<u64>() {
                if matches!(w[2].as_str(), "days" | "dagen" | "day" | "dag") && n <= 365 {
                    return Some(n);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod corpus;
