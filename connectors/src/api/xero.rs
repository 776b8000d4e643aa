//! Xero (Accounting API, OAuth2), one tenant per source, answers in XML: contacts, sales invoices
//! (`ACCREC`) with their payments, and sales credit notes (`ACCRECCREDIT`). Each endpoint is read
//! in pages of 100 ordered by `UpdatedDateUTC`, with `If-Modified-Since` set to the endpoint's
//! cursor, the latest `UpdatedDateUTC` stored. Every request names the configured tenant in
//! `xero-tenant-id`; a refusal for that tenant is an error, never a reason to try another.
//!
//! Status: `AUTHORISED` is open, `PAID` paid, `VOIDED` and `DELETED` void; `DRAFT` and
//! `SUBMITTED` are not receivables yet. The open amount is Xero's `AmountDue` (an invoice both
//! part paid and part credited owes exactly that) and a credit note's `RemainingCredit` (credit
//! not allocated to any invoice, so the note names no invoice here).

use std::sync::Arc;

use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::{
    Address, Debtor, DebtorKind, Document, DocumentKind, DocumentStatus, Location, Payment,
    PaymentKind, Provenance, Source,
};
use incasso_core::money::{Currency, Money};
use rust_decimal::Decimal;

use super::http::Client;
use super::{parse_error as err, response_source, ApiError, Page, Record, SyncLedger};
use crate::xml::{tree, Node};

/// Contacts.
pub const CONTACTS: &str = "Contacts";
/// Sales invoices.
pub const INVOICES: &str = "Invoices";
/// Sales credit notes.
pub const CREDIT_NOTES: &str = "CreditNotes";
/// Customers' prepayments: money received before an invoice, credit on the contact.
pub const PREPAYMENTS: &str = "Prepayments";
/// Customers' overpayments: money received beyond an invoice, credit on the contact.
pub const OVERPAYMENTS: &str = "Overpayments";
/// Records per page.
pub const PAGE_SIZE: usize = 100;

/// One Xero tenant.
#[derive(Debug, Clone)]
pub struct Xero {
    /// `https://api.xero.com` unless a test server stands in.
    pub base_url: String,
    /// The tenant (organisation) id.
    pub tenant: String,
    /// The ledger's creditor.
    pub creditor: CreditorId,
}

/// The records of an answer (`<Response><Invoices><Invoice>…`), or the API's error message.
pub(crate) fn parse_response<'a>(
    url: &str,
    root: &'a Node,
    list: &'a str,
) -> Result<Vec<&'a Node>, ApiError> {
    if root.name == "ApiException" {
        return Err(err(
            url,
            "ApiException".into(),
            root.text_of("Message")
                .unwrap_or("error without message")
                .to_string(),
        ));
    }
    if let Some(e) = root.child("Errors").and_then(|e| e.child("Error")) {
        return Err(err(
            url,
            "Errors".into(),
            e.text_of("Description")
                .or_else(|| e.child("Exception").and_then(|x| x.text_of("Message")))
                .unwrap_or("error without description")
                .to_string(),
        ));
    }
    if root.name != "Response" {
        return Err(err(
            url,
            format!("<{}>", root.name),
            "not a Xero <Response>".into(),
        ));
    }
    let item: &'a str = list.trim_end_matches('s');
    Ok(root
        .child(list)
        .map(|l| l.all(item).collect())
        .unwrap_or_default())
}

/// Reads the XML of an answer.
pub(crate) fn read_xml(url: &str, body: &[u8]) -> Result<Node, ApiError> {
    tree(super::json::strip_bom(body))
        .map_err(|e| err(url, "XML".into(), format!("malformed XML: {e}")))
}

struct Fields<'a> {
    url: &'a str,
    node: &'a Node,
    place: String,
}

impl Fields<'_> {
    fn req(&self, name: &str) -> Result<&str, ApiError> {
        self.node.text_of(name).ok_or_else(|| {
            err(
                self.url,
                self.place.clone(),
                format!("field {name} is missing or empty"),
            )
        })
    }

    fn amount(&self, name: &str) -> Result<Option<Decimal>, ApiError> {
        match self.node.text_of(name) {
            None => Ok(None),
            Some(t) => t
                .parse::<Decimal>()
                .ok()
                .filter(|d| incasso_core::money::within_limit(*d))
                .map(Some)
                .ok_or_else(|| {
                    err(
                        self.url,
                        self.place.clone(),
                        format!("field {name}: not an amount (or beyond the largest incasso accepts): {t:?}"),
                    )
                }),
        }
    }

    fn date(&self, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        match self.node.text_of(name) {
            None => Ok(None),
            Some(t) => super::date_from_ymd(t).map(Some).ok_or_else(|| {
                err(
                    self.url,
                    self.place.clone(),
                    format!("field {name}: not a date: {t:?}"),
                )
            }),
        }
    }
}

/// The `If-Modified-Since` value one second before an `UpdatedDateUTC` (whole seconds, UTC).
fn second_before(updated: &str) -> Option<String> {
    let t = chrono::NaiveDateTime::parse_from_str(updated.get(..19)?, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some(
        (t - chrono::Duration::seconds(1))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
    )
}

fn debtor_id(contact: &Node) -> Option<String> {
    contact
        .text_of("ContactNumber")
        .or_else(|| contact.text_of("ContactID"))
        .map(str::to_string)
}

/// Contacts as debtors: the id is the `ContactNumber`, else the `ContactID`, when the contact is
/// first seen; after that the debtor keeps its id (`debtor_of` says which) and a number set or
/// changed later is recorded as the contact's alias, so its documents stay with one debtor.
pub(crate) fn parse_contacts(
    url: &str,
    root: &Node,
    debtor_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Record>, ApiError> {
    parse_response(url, root, CONTACTS)?
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let f = Fields {
                url,
                node: c,
                place: format!("Contact {}", i + 1),
            };
            let upstream = f.req("ContactID")?.to_string();
            let id =
                debtor_of(&upstream).unwrap_or_else(|| debtor_id(c).expect("ContactID is there"));
            let alias = c
                .text_of("ContactNumber")
                .filter(|n| *n != id)
                .map(str::to_string);
            let mut d = Debtor::new(
                DebtorId::new(&id).map_err(|e| err(url, f.place.clone(), e.to_string()))?,
            );
            d.name = c.text_of("Name").map(str::to_string);
            d.email = c.text_of("EmailAddress").map(str::to_string);
            d.vat_number = c.text_of("TaxNumber").map(str::to_string);
            d.kvk = c.text_of("CompanyNumber").map(str::to_string);
            // A VAT or company registration number is a business's: the consumer rules (the
            // 14-day letter) are not for it.
            if d.vat_number.is_some() || d.kvk.is_some() {
                d.kind = DebtorKind::Business;
            }
            if let Some(a) = c.child("Addresses").and_then(|a| {
                a.all("Address")
                    .find(|a| a.text_of("AddressLine1").is_some() || a.text_of("City").is_some())
            }) {
                d.address = Address {
                    street: a.text_of("AddressLine1").map(str::to_string),
                    house_number: None,
                    postcode: a.text_of("PostalCode").map(str::to_string),
                    city: a.text_of("City").map(str::to_string),
                    country: a.text_of("Country").map(str::to_string),
                };
            }
            d.phone = c.child("Phones").and_then(|p| {
                p.all("Phone").find_map(|p| {
                    let n = p.text_of("PhoneNumber")?;
                    Some(match p.text_of("PhoneAreaCode") {
                        Some(a) => format!("{a} {n}"),
                        None => n.to_string(),
                    })
                })
            });
            Ok(Record::Debtor {
                id: upstream,
                version: c.text_of("UpdatedDateUTC").map(str::to_string),
                debtor: d,
                alias,
            })
        })
        .collect()
}

/// Sales invoices (with their payments) or sales credit notes as documents.
pub(crate) fn parse_documents(
    url: &str,
    root: &Node,
    list: &str,
    creditor: &CreditorId,
    source: &Arc<Source>,
    debtor_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Record>, ApiError> {
    // A customer's prepayment or overpayment is money Xero holds as credit on the contact
    // (`RemainingCredit`): a credit note that names no invoice, set off against the debtor's
    // claim, so an invoice prepaid or overpaid is not claimed whole. It has no number: its kind
    // and id stand in.
    let money = list == PREPAYMENTS || list == OVERPAYMENTS;
    let credit = list == CREDIT_NOTES || money;
    let (id_field, number_field, wanted_type) = match list {
        CREDIT_NOTES => ("CreditNoteID", "CreditNoteNumber", "ACCRECCREDIT"),
        PREPAYMENTS => ("PrepaymentID", "", "RECEIVE-PREPAYMENT"),
        OVERPAYMENTS => ("OverpaymentID", "", "RECEIVE-OVERPAYMENT"),
        _ => ("InvoiceID", "InvoiceNumber", "ACCREC"),
    };
    let mut out = Vec::new();
    for (i, n) in parse_response(url, root, list)?.into_iter().enumerate() {
        let mut f = Fields {
            url,
            node: n,
            place: format!("{} {}", list.trim_end_matches('s'), i + 1),
        };
        let id = f.req(id_field)?.to_string();
        f.place = format!("{} {} ({id_field} {id})", list.trim_end_matches('s'), i + 1);
        let version = n.text_of("UpdatedDateUTC").map(str::to_string);
        let kind_text = f.req("Type")?.to_string();
        let status_text = f.req("Status")?.to_string();
        let status = match status_text.as_str() {
            _ if kind_text != wanted_type => {
                out.push(Record::Skipped {
                    id,
                    version,
                    reason: format!("type {kind_text}"),
                });
                continue;
            }
            "AUTHORISED" => DocumentStatus::Open,
            "PAID" => DocumentStatus::Paid,
            "VOIDED" | "DELETED" => DocumentStatus::Void,
            "DRAFT" | "SUBMITTED" => {
                out.push(Record::Skipped {
                    id,
                    version,
                    reason: format!("status {status_text}"),
                });
                continue;
            }
            other => {
                return Err(err(
                    url,
                    f.place,
                    format!("field Status: unknown status {other:?}"),
                ))
            }
        };
        let number = if money {
            format!("{}-{id}", list.trim_end_matches('s').to_uppercase())
        } else {
            f.req(number_field)?.to_string()
        };
        let contact = n
            .child("Contact")
            .ok_or_else(|| err(url, f.place.clone(), "field Contact is missing".into()))?;
        // An invoice's contact often lacks the ContactNumber the contact itself has: the
        // contact synced before says which debtor it is.
        let debtor = contact
            .text_of("ContactID")
            .and_then(debtor_of)
            .or_else(|| debtor_id(contact))
            .ok_or_else(|| {
                err(
                    url,
                    f.place.clone(),
                    "field Contact/ContactID is missing".into(),
                )
            })?;
        let issue = f.date("Date")?.ok_or_else(|| {
            err(
                url,
                f.place.clone(),
                "field Date is missing or empty".into(),
            )
        })?;
        let due = f.date("DueDate")?.unwrap_or(issue);
        let currency_text = f.req("CurrencyCode")?;
        let currency = Currency::parse(currency_text)
            .map_err(|e| err(url, f.place.clone(), format!("field CurrencyCode: {e}")))?;
        let total = f.amount("Total")?.ok_or_else(|| {
            err(
                url,
                f.place.clone(),
                "field Total is missing or empty".into(),
            )
        })?;
        let open = if credit {
            f.amount("RemainingCredit")?
        } else {
            f.amount("AmountDue")?
        };
        // Not linked to the invoice it was allocated to: that invoice's AmountDue is net of the
        // allocation already, and RemainingCredit is credit left on the debtor's account.
        let credited_invoice: Option<DocumentNumber> = None;
        let vat = f.amount("TotalTax")?;
        out.push(Record::Document {
            id: id.clone(),
            version,
            document: Document {
                creditor: creditor.clone(),
                kind: if credit {
                    DocumentKind::CreditNote
                } else {
                    DocumentKind::Invoice
                },
                number: DocumentNumber::new(&number)
                    .map_err(|e| err(url, f.place.clone(), format!("field {number_field}: {e}")))?,
                debtor: DebtorId::new(&debtor)
                    .map_err(|e| err(url, f.place.clone(), format!("field Contact: {e}")))?,
                issue_date: issue,
                due_date: due,
                due_assumed: false,
                currency,
                net: f.amount("SubTotal")?,
                vat,
                total: total.abs(),
                source_open: open.map(|o| o.abs()),
                status,
                credited_invoice,
                payment_reference: None,
                description: n.text_of("Reference").map(str::to_string),
            },
            location: Location::ApiRecord(format!("{list}/{id} element {}", i + 1)),
        });
        if let Some(payments) = n.child("Payments") {
            for (j, p) in payments.all("Payment").enumerate() {
                let pf = Fields {
                    url,
                    node: p,
                    place: format!("{} payment {}", f.place, j + 1),
                };
                let pid = pf.req("PaymentID")?.to_string();
                let amount = pf
                    .amount("Amount")?
                    .ok_or_else(|| err(url, pf.place.clone(), "field Amount is missing".into()))?;
                let date = pf
                    .date("Date")?
                    .ok_or_else(|| err(url, pf.place.clone(), "field Date is missing".into()))?;
                out.push(Record::Payment {
                    id: pid.clone(),
                    payment: Payment {
                        id: format!("xero:{pid}"),
                        date,
                        amount: Money::new(amount, currency),
                        kind: PaymentKind::AppliedUpstream,
                        account: None,
                        counterparty_name: contact.text_of("Name").map(str::to_string),
                        counterparty_account: None,
                        remittance: Some(format!("booked in Xero against {number}")),
                        structured_reference: p.text_of("Reference").map(str::to_string),
                        end_to_end_id: None,
                        provenance: Provenance {
                            source: source.clone(),
                            location: Location::ApiRecord(format!("{list}/{id} payment {pid}")),
                        },
                    },
                });
            }
        }
    }
    Ok(out)
}

/// The records of one answer of an endpoint (`Contacts`, `Invoices`, `CreditNotes`) and how
/// many elements it listed (a full page means there may be another).
/// `debtor_of` maps a ContactID synced earlier to its debtor id.
pub fn parse_page(
    url: &str,
    body: &[u8],
    endpoint: &str,
    creditor: &CreditorId,
    source: &Arc<Source>,
    debtor_of: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<Record>, usize), ApiError> {
    let root = read_xml(url, body)?;
    let count = parse_response(url, &root, endpoint)?.len();
    let records = match endpoint {
        CONTACTS => parse_contacts(url, &root, debtor_of)?,
        _ => parse_documents(url, &root, endpoint, creditor, source, debtor_of)?,
    };
    Ok((records, count))
}

impl Xero {
    /// Syncs contacts, invoices and credit notes, each from its cursor (everything with `full`,
    /// which then also voids what the tenant no longer lists).
    pub async fn sync(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        full: bool,
    ) -> Result<(), ApiError> {
        for (endpoint, filter) in [
            (CONTACTS, ""),
            (INVOICES, "&where=Type%3D%3D%22ACCREC%22"),
            (CREDIT_NOTES, "&where=Type%3D%3D%22ACCRECCREDIT%22"),
            (PREPAYMENTS, "&where=Type%3D%3D%22RECEIVE-PREPAYMENT%22"),
            (OVERPAYMENTS, "&where=Type%3D%3D%22RECEIVE-OVERPAYMENT%22"),
        ] {
            // Keyset paging: each request asks for what changed since the latest record seen
            // (less a second, as the header has whole seconds), so a record changed during the
            // walk moves to the end and is read there instead of shifting a page boundary.
            // Page numbers are used only within a second that holds a full page or more.
            if full {
                ledger.listing_begins(endpoint);
            }
            let mut cursor = if full { None } else { ledger.cursor(endpoint)? };
            let mut since = cursor.as_deref().and_then(second_before);
            let mut page_no = 1;
            loop {
                let url = format!(
                    "{}/api.xro/2.0/{endpoint}?page={page_no}&order=UpdatedDateUTC%20ASC{filter}",
                    self.base_url.trim_end_matches('/')
                );
                let mut headers = vec![("accept", "application/xml".to_string())];
                if let Some(s) = &since {
                    headers.push(("if-modified-since", s.clone()));
                }
                let resp = client.get(&url, &headers).await?;
                if resp.status == 304 {
                    break;
                }
                let source = response_source(&url, &resp.body);
                let debtor_of = |id: &str| {
                    ledger
                        .known(CONTACTS, id)
                        .ok()
                        .flatten()
                        .and_then(|k| k.debtor)
                };
                let (records, count) = parse_page(
                    &url,
                    &resp.body,
                    endpoint,
                    &self.creditor,
                    &source,
                    &debtor_of,
                )?;
                let page_max = records
                    .iter()
                    .filter_map(|r| match r {
                        Record::Document { version, .. }
                        | Record::Debtor { version, .. }
                        | Record::Skipped { version, .. } => version.clone(),
                        _ => None,
                    })
                    .max();
                if let Some(v) = &page_max {
                    if cursor.as_ref().is_none_or(|c| v > c) {
                        cursor = Some(v.clone());
                    }
                }
                ledger.accept(Page {
                    endpoint,
                    source,
                    records,
                    cursor: cursor.clone(),
                })?;
                if count < PAGE_SIZE {
                    break;
                }
                let next_since = page_max.as_deref().and_then(second_before);
                if next_since.is_some() && next_since > since {
                    since = next_since;
                    page_no = 1;
                } else {
                    page_no += 1;
                }
            }
            if full {
                ledger.listing_complete(endpoint)?;
            }
        }
        Ok(())
    }
}
