//! Moneybird (REST API v2, bearer token): contacts, sales invoices and external sales invoices
//! (invoices made elsewhere, a webshop's, booked in Moneybird) with the payments booked on them,
//! through the synchronization endpoints. `GET …/synchronization.json` lists every id
//! with its version; only ids whose version the ledger does not have are fetched, 100 at a time,
//! with `POST …/synchronization.json {"ids": [...]}`. The list is complete, so an id the ledger
//! knows and the list lacks was deleted upstream.
//!
//! States: `open`, `late`, `reminded` are open; `pending_payment` (a direct debit or payment
//! provider underway) is still owed but never claimed; `paid` is paid; `uncollectible` (written
//! off) is void; `draft` and `scheduled`, and an external invoice's `new` (registered, not booked
//! yet), are not receivables yet. The payments on an invoice are kept as payments applied
//! upstream, for the trace.
//!
//! An external sales invoice's number is its `reference` (the other system's invoice number) and
//! its issue date its `date`; one without a due date is due the statutory 30 days after it
//! (art. 6:119a lid 2 BW), which its provenance says.
//!
//! Credit invoices (negative total, or `original_sales_invoice_id`) are credit notes, and every
//! document's open amount is Moneybird's own `total_unpaid`. Moneybird books a credit invoice
//! against its original as a payment on the original (the payment's `credit_invoice_id`), so the
//! original's `total_unpaid` already counts it: incasso never subtracts a Moneybird credit
//! invoice itself, and the result cannot depend on the order in which the two arrive. A credit
//! invoice Moneybird has not booked against anything keeps its own `total_unpaid`: money the
//! debtor is owed, netted against the debtor's claim like any unapplied credit. The original's id
//! is kept in the credit invoice's provenance.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber, Iban};
use incasso_core::model::{
    Address, Debtor, DebtorKind, Document, DocumentKind, DocumentStatus, Location, Payment,
    PaymentKind, Provenance, Source,
};
use incasso_core::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::http::Client;
use super::json::{self, filled, Amount, Text};
use super::{response_source, ApiError, Page, Record, SyncLedger};

/// Ids per fetch: the synchronization endpoint's maximum.
pub const BATCH: usize = 100;
/// The contacts endpoint.
pub const CONTACTS: &str = "contacts";
/// The sales invoices endpoint.
pub const SALES_INVOICES: &str = "sales_invoices";
/// The external sales invoices endpoint (invoices made in another system, booked in Moneybird).
pub const EXTERNAL_SALES_INVOICES: &str = "external_sales_invoices";

/// One Moneybird administration.
#[derive(Debug, Clone)]
pub struct Moneybird {
    /// API root, `https://moneybird.com/api/v2` unless a test server stands in.
    pub base_url: String,
    /// The administration id (18 digits).
    pub administration: String,
    /// The ledger's creditor.
    pub creditor: CreditorId,
}

impl Moneybird {
    fn url(&self, endpoint: &str, query: &str) -> String {
        format!(
            "{}/{}/{endpoint}/synchronization.json{query}",
            self.base_url.trim_end_matches('/'),
            self.administration
        )
    }

    /// Syncs contacts, then sales invoices, then external sales invoices; `full` fetches every id
    /// whatever its version.
    pub async fn sync(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        full: bool,
    ) -> Result<(), ApiError> {
        for endpoint in [CONTACTS, SALES_INVOICES, EXTERNAL_SALES_INVOICES] {
            let query = if endpoint == CONTACTS {
                ""
            } else {
                "?filter=state%3Aall"
            };
            ledger.listing_begins(endpoint);
            let list_url = self.url(endpoint, query);
            let resp = client.get(&list_url, &[]).await?;
            let listed = parse_versions(&list_url, &resp.body)?;
            let known: HashMap<String, Option<String>> =
                ledger.known_versions(endpoint)?.into_iter().collect();
            let changed: Vec<&(String, String)> = listed
                .iter()
                .filter(|(id, v)| {
                    full || known.get(id).map(|k| k.as_deref()) != Some(Some(v.as_str()))
                })
                .collect();
            tracing::info!(
                endpoint,
                listed = listed.len(),
                changed = changed.len(),
                "moneybird listing"
            );
            // Listed means it exists, fetched or not: only unlisted ids count as deleted.
            ledger.seen(endpoint, &mut listed.iter().map(|(id, _)| id.as_str()));
            let fetch_url = self.url(endpoint, "");
            for chunk in changed.chunks(BATCH) {
                let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
                let body =
                    serde_json::to_vec(&serde_json::json!({ "ids": ids })).expect("plain JSON");
                let resp = client.post_json(&fetch_url, body).await?;
                let source = response_source(&fetch_url, &resp.body);
                let lookup = |e: &str, id: &str| ledger.known(e, id).ok().flatten();
                let records = match endpoint {
                    CONTACTS => parse_contacts(&fetch_url, &resp.body, &lookup)?,
                    SALES_INVOICES => parse_sales_invoices(
                        &fetch_url,
                        &resp.body,
                        &self.creditor,
                        &source,
                        &lookup,
                    )?,
                    _ => parse_external_sales_invoices(
                        &fetch_url,
                        &resp.body,
                        &self.creditor,
                        &source,
                        &lookup,
                    )?,
                };
                // Every record of these endpoints is the fetched contact or invoice itself (or a
                // payment on one, named by its own id).
                let returned: std::collections::HashSet<&str> = records
                    .iter()
                    .filter(|r| !matches!(r, Record::Payment { .. }))
                    .map(Record::id)
                    .collect();
                let missing: Vec<&str> = ids
                    .iter()
                    .filter(|id| !returned.contains(**id))
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    ledger.warn(format!(
                        "{endpoint}: {} listed ids did not come back when fetched ({}); their stored state is kept",
                        missing.len(),
                        missing.join(", ")
                    ));
                }
                ledger.accept(Page {
                    endpoint,
                    source,
                    records,
                    cursor: None,
                })?;
            }
            ledger.listing_complete(endpoint)?;
        }
        Ok(())
    }
}

/// The id and version list of a synchronization endpoint.
pub fn parse_versions(url: &str, body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    #[derive(Deserialize)]
    struct Entry {
        id: Text,
        version: Text,
    }
    let raws = array(url, body)?;
    Ok(json::records::<Entry>(url, &raws, "id")?
        .into_iter()
        .map(|e| (e.id.0, e.version.0))
        .collect())
}

/// An array of records, or one record alone.
fn array(url: &str, body: &[u8]) -> Result<Vec<Box<RawValue>>, ApiError> {
    let body = json::strip_bom(body);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        let one: Box<RawValue> =
            serde_json::from_slice(body).map_err(|e| json::malformed(url, &e))?;
        return Ok(vec![one]);
    }
    serde_json::from_slice(body).map_err(|e| json::malformed(url, &e))
}

#[derive(Deserialize)]
struct Contact {
    id: Text,
    version: Option<Text>,
    #[serde(default)]
    company_name: Option<String>,
    #[serde(default)]
    firstname: Option<String>,
    #[serde(default)]
    lastname: Option<String>,
    #[serde(default)]
    address1: Option<String>,
    #[serde(default)]
    zipcode: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    customer_id: Option<Text>,
    #[serde(default)]
    tax_number: Option<String>,
    #[serde(default)]
    chamber_of_commerce: Option<String>,
    #[serde(default)]
    bank_account: Option<String>,
    #[serde(default)]
    sepa_iban: Option<String>,
}

impl Contact {
    /// The debtor id: the customer number bookkeepers know (`customer_id`), else the contact id.
    fn debtor_id(&self) -> String {
        self.customer_id
            .as_ref()
            .map(|t| t.0.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.0.clone())
    }

    fn to_debtor(&self, url: &str) -> Result<Debtor, ApiError> {
        let id = self.debtor_id();
        let mut d = Debtor::new(
            DebtorId::new(&id)
                .map_err(|e| json::invalid(url, &self.id.0, "customer_id", &id, &e.to_string()))?,
        );
        let person = [filled(&self.firstname), filled(&self.lastname)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        d.name = filled(&self.company_name).or((!person.is_empty()).then_some(person));
        d.kvk = filled(&self.chamber_of_commerce);
        d.vat_number = filled(&self.tax_number);
        if filled(&self.company_name).is_some() || d.kvk.is_some() || d.vat_number.is_some() {
            d.kind = DebtorKind::Business;
        }
        d.email = filled(&self.email);
        d.phone = filled(&self.phone);
        d.address = Address {
            street: filled(&self.address1),
            house_number: None,
            postcode: filled(&self.zipcode),
            city: filled(&self.city),
            country: filled(&self.country),
        };
        for acct in [&self.bank_account, &self.sepa_iban]
            .into_iter()
            .filter_map(filled)
        {
            if let Ok(iban) = Iban::parse(&acct) {
                if !d.ibans.contains(&iban) {
                    d.ibans.push(iban);
                }
            }
        }
        Ok(d)
    }
}

/// Contacts as debtors. A contact seen before keeps the debtor id it was first given (`lookup`);
/// a `customer_id` set or changed later is recorded as its alias, so its invoices never split
/// over two debtors.
pub fn parse_contacts(
    url: &str,
    body: &[u8],
    lookup: &Lookup<'_>,
) -> Result<Vec<Record>, ApiError> {
    let raws = array(url, body)?;
    json::records::<Contact>(url, &raws, "id")?
        .into_iter()
        .map(|c| {
            let mut debtor = c.to_debtor(url)?;
            let now = c.debtor_id();
            if let Some(first) = lookup(CONTACTS, &c.id.0).and_then(|k| k.debtor) {
                debtor.id = DebtorId::new(&first).map_err(|e| {
                    json::invalid(url, &c.id.0, "customer_id", &first, &e.to_string())
                })?;
            }
            let alias = (now != debtor.id.as_str()).then_some(now);
            Ok(Record::Debtor {
                id: c.id.0.clone(),
                version: c.version.as_ref().map(|v| v.0.clone()),
                debtor,
                alias,
            })
        })
        .collect()
}

/// A sales invoice or an external sales invoice: the two share their fields but for the number
/// and the issue date.
#[derive(Deserialize)]
struct SalesInvoice {
    id: Text,
    version: Option<Text>,
    contact_id: Option<Text>,
    contact: Option<Contact>,
    invoice_id: Option<Text>,
    state: String,
    invoice_date: Option<String>,
    /// An external invoice's issue date.
    #[serde(default)]
    date: Option<String>,
    due_date: Option<String>,
    currency: Option<String>,
    total_price_incl_tax: Option<Amount>,
    total_price_excl_tax: Option<Amount>,
    total_unpaid: Option<Amount>,
    #[serde(default)]
    payment_reference: Option<String>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    original_sales_invoice_id: Option<Text>,
    #[serde(default)]
    payments: Vec<InvoicePayment>,
}

#[derive(Deserialize)]
struct InvoicePayment {
    id: Text,
    price: Amount,
    payment_date: String,
    #[serde(default)]
    credit_invoice_id: Option<Text>,
}

/// Looks up what the ledger knows: `(endpoint, upstream id)`.
pub type Lookup<'a> = dyn Fn(&str, &str) -> Option<super::Known> + 'a;

/// Sales invoices as documents, with their payments. `lookup` finds the debtor id a contact was
/// first synced with.
pub fn parse_sales_invoices(
    url: &str,
    body: &[u8],
    creditor: &CreditorId,
    source: &Arc<Source>,
    lookup: &Lookup<'_>,
) -> Result<Vec<Record>, ApiError> {
    parse_invoices(url, body, creditor, source, lookup, SALES_INVOICES)
}

/// External sales invoices as documents, with their payments: numbered by their `reference`,
/// issued on their `date`, due 30 days later when they have no due date.
pub fn parse_external_sales_invoices(
    url: &str,
    body: &[u8],
    creditor: &CreditorId,
    source: &Arc<Source>,
    lookup: &Lookup<'_>,
) -> Result<Vec<Record>, ApiError> {
    parse_invoices(url, body, creditor, source, lookup, EXTERNAL_SALES_INVOICES)
}

/// The invoices of `endpoint` ([`SALES_INVOICES`] or [`EXTERNAL_SALES_INVOICES`]).
fn parse_invoices(
    url: &str,
    body: &[u8],
    creditor: &CreditorId,
    source: &Arc<Source>,
    lookup: &Lookup<'_>,
    endpoint: &str,
) -> Result<Vec<Record>, ApiError> {
    let external = endpoint == EXTERNAL_SALES_INVOICES;
    let (number_field, issue_field) = if external {
        ("reference", "date")
    } else {
        ("invoice_id", "invoice_date")
    };
    let raws = array(url, body)?;
    let invoices = json::records::<SalesInvoice>(url, &raws, "id")?;
    let mut out = Vec::new();
    for (i, inv) in invoices.iter().enumerate() {
        let id = inv.id.0.clone();
        let version = inv.version.as_ref().map(|v| v.0.clone());
        let number = if external {
            inv.reference.clone()
        } else {
            inv.invoice_id.as_ref().map(|t| t.0.clone())
        }
        .map(|t| t.trim().to_string())
        .filter(|s| !s.is_empty());
        let status = match inv.state.as_str() {
            "open" | "late" | "reminded" => DocumentStatus::Open,
            // A payment is underway (a direct debit sent to the bank, a payment provider): still
            // owed, never claimed meanwhile; if it fails, Moneybird reopens the invoice.
            "pending_payment" => DocumentStatus::PaymentPending,
            "paid" => DocumentStatus::Paid,
            "uncollectible" => DocumentStatus::Void,
            // An external invoice is `new` until it is booked.
            "draft" | "scheduled" | "new" => {
                out.push(Record::Skipped {
                    id,
                    version,
                    reason: format!("state {}", inv.state),
                });
                continue;
            }
            other => {
                return Err(json::invalid(
                    url,
                    &id,
                    "state",
                    other,
                    "unknown invoice state",
                ))
            }
        };
        let Some(number) = number else {
            return Err(json::missing(url, &id, number_field));
        };
        let date = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, ApiError> {
            match v.as_deref() {
                None | Some("") => Ok(None),
                Some(t) => super::date_from_ymd(t)
                    .map(Some)
                    .ok_or_else(|| json::invalid(url, &id, field, t, "not a date (YYYY-MM-DD)")),
            }
        };
        let issue = date(
            issue_field,
            if external {
                &inv.date
            } else {
                &inv.invoice_date
            },
        )?
        .ok_or_else(|| json::missing(url, &id, issue_field))?;
        let mut assumed_due = None;
        let due = match date("due_date", &inv.due_date)? {
            Some(d) => d,
            None if external => {
                let days = crate::csv::DEFAULT_TERM_DAYS;
                assumed_due = Some(days);
                issue + chrono::Days::new(u64::from(days))
            }
            None => issue,
        };

        let currency_text = inv
            .currency
            .clone()
            .ok_or_else(|| json::missing(url, &id, "currency"))?;
        let currency = Currency::parse(&currency_text)
            .map_err(|e| json::invalid(url, &id, "currency", &currency_text, &e.to_string()))?;
        let total = inv
            .total_price_incl_tax
            .ok_or_else(|| json::missing(url, &id, "total_price_incl_tax"))?
            .0;
        let credited = inv.original_sales_invoice_id.as_ref().map(|t| t.0.clone());
        let kind = if total < Decimal::ZERO || credited.is_some() {
            DocumentKind::CreditNote
        } else {
            DocumentKind::Invoice
        };
        let debtor_id = match (&inv.contact, &inv.contact_id) {
            (Some(c), _) => lookup(CONTACTS, &c.id.0)
                .and_then(|k| k.debtor)
                .unwrap_or_else(|| c.debtor_id()),
            (None, Some(cid)) => lookup(CONTACTS, &cid.0)
                .and_then(|k| k.debtor)
                .unwrap_or_else(|| cid.0.clone()),
            (None, None) => return Err(json::missing(url, &id, "contact_id")),
        };
        // What is still owed is Moneybird's own figure; an owed invoice without it is refused,
        // never taken as owed in full (a part paid or credited would be claimed whole).
        let owed = matches!(
            status,
            DocumentStatus::Open | DocumentStatus::PaymentPending
        );
        if owed && inv.total_unpaid.is_none() {
            return Err(json::missing(url, &id, "total_unpaid"));
        }
        let net = inv.total_price_excl_tax.map(|a| a.0.abs());
        let document = Document {
            creditor: creditor.clone(),
            kind,
            number: DocumentNumber::new(&number)
                .map_err(|e| json::invalid(url, &id, number_field, &number, &e.to_string()))?,
            debtor: DebtorId::new(&debtor_id)
                .map_err(|e| json::invalid(url, &id, "contact", &debtor_id, &e.to_string()))?,
            issue_date: issue,
            due_date: due,
            due_assumed: assumed_due.is_some(),
            currency,
            net,
            vat: net.map(|n| total.abs() - n),
            total: total.abs(),
            source_open: inv.total_unpaid.map(|a| a.0.abs()),
            status,
            // Moneybird applies the credit itself (see the module documentation).
            credited_invoice: None,
            payment_reference: filled(&inv.payment_reference),
            description: if external {
                None
            } else {
                filled(&inv.reference)
            },
        };
        let mut place = format!("{endpoint}/{id} record {}", i + 1);
        if let Some(orig) = &credited {
            place.push_str(&format!(", credits {SALES_INVOICES}/{orig}"));
        }
        if let Some(days) = assumed_due {
            place.push_str(&format!(
                ", no due date: issue date + {days} days (art. 6:119a BW)"
            ));
        }
        let location = Location::ApiRecord(place);
        for p in inv
            .payments
            .iter()
            .filter(|p| p.credit_invoice_id.is_none())
        {
            let date = super::date_from_ymd(&p.payment_date).ok_or_else(|| {
                json::invalid(
                    url,
                    &id,
                    "payments.payment_date",
                    &p.payment_date,
                    "not a date",
                )
            })?;
            out.push(Record::Payment {
                id: p.id.0.clone(),
                payment: Payment {
                    id: format!("moneybird:{}", p.id.0),
                    date,
                    amount: Money::new(p.price.0, currency),
                    kind: PaymentKind::AppliedUpstream,
                    account: None,
                    counterparty_name: None,
                    counterparty_account: None,
                    remittance: Some(format!("booked in Moneybird against {number}")),
                    structured_reference: None,
                    end_to_end_id: None,
                    provenance: Provenance {
                        source: source.clone(),
                        location: Location::ApiRecord(format!(
                            "{endpoint}/{id} payment {}",
                            p.id.0
                        )),
                    },
                },
            });
        }
        out.push(Record::Document {
            id,
            version,
            document,
            location,
        });
    }
    Ok(out)
}
