//! Exact Online (REST API, OAuth2), one division per source: accounts, sales invoices and credit
//! notes, their open amounts, and deletions, through the `sync/` endpoints. Each endpoint keeps a
//! Timestamp cursor (`$filter=Timestamp gt NL`, 1000 records a page, `__next` links); a page's
//! cursor is its highest Timestamp, stored with its records.
//!
//! Facts that matter: answers start with a UTF-8 byte-order mark; dates are `/Date(ms)/`
//! instants of a Dutch local midnight (2016-12-31T23:00Z is 1 January); sales invoice `Status`
//! 10 is a draft, 20 entered, 50 processed (only then booked, so only then a receivable); `Type` 8021 and 8024 are credit notes; an account's
//! `Code` is the customer number, right-aligned in spaces; `sync/Deleted` names entity type 2
//! (accounts), 10 (payment terms) and 13 (sales invoices). Open amounts come from
//! `sync/Cashflow/PaymentTerms` (line type 20 is a receivable; status 20 open, 30 selected for
//! payment or collection, 40 processed, 50 matched: 30 and 40 are a payment underway).

use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::{
    Address, Debtor, DebtorKind, Document, DocumentKind, DocumentStatus, Location,
};
use incasso_core::money::Currency;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::http::Client;
use super::json::{self, filled, Amount, Text};
use super::{response_source, ApiError, Page, Record, SyncLedger};

/// Accounts (debtors).
pub const ACCOUNTS: &str = "CRM/Accounts";
/// Sales invoices and credit notes.
pub const SALES_INVOICES: &str = "SalesInvoice/SalesInvoices";
/// Open items per invoice.
pub const PAYMENT_TERMS: &str = "Cashflow/PaymentTerms";
/// The deletion log.
pub const DELETED: &str = "Deleted";

/// One Exact Online division.
#[derive(Debug, Clone)]
pub struct Exact {
    /// `https://start.exactonline.nl` unless a test server stands in.
    pub base_url: String,
    /// The division number.
    pub division: u64,
    /// The ledger's creditor.
    pub creditor: CreditorId,
}

const SELECT: &[(&str, &str)] = &[
    (ACCOUNTS, "ID,Code,Name,Email,Phone,VATNumber,ChamberOfCommerce,AddressLine1,Postcode,City,Country,Timestamp"),
    (SALES_INVOICES, "InvoiceID,LineNumber,InvoiceNumber,InvoiceDate,DueDate,InvoiceTo,OrderedBy,Currency,AmountFC,VATAmountFC,Status,Type,PaymentReference,Description,Timestamp"),
    (PAYMENT_TERMS, "ID,Account,AccountCode,InvoiceNumber,EntryNumber,EntryDate,LineType,AmountFC,AmountDC,Currency,IsFullyPaid,Status,Description,Timestamp"),
    (DELETED, "ID,EntityKey,EntityType,DeletedDate,Timestamp"),
];

/// A page of an OData answer: its records and the link to the next page.
pub struct ODataPage {
    /// The records, raw.
    pub results: Vec<Box<RawValue>>,
    /// `__next`, if there are more.
    pub next: Option<String>,
}

/// Reads the shapes Exact answers in: `{"d": {"results": [...], "__next": ...}}`, `{"d": [...]}`,
/// `{"results": [...]}` and a single `{"d": {...}}` record.
pub fn parse_odata(url: &str, body: &[u8]) -> Result<ODataPage, ApiError> {
    #[derive(Deserialize)]
    struct Outer {
        d: Option<Box<RawValue>>,
        results: Option<Vec<Box<RawValue>>>,
    }
    #[derive(Deserialize)]
    struct Inner {
        results: Option<Vec<Box<RawValue>>>,
        __next: Option<String>,
    }
    let body = json::strip_bom(body);
    let outer: Outer = serde_json::from_slice(body).map_err(|e| json::malformed(url, &e))?;
    if let Some(results) = outer.results {
        return Ok(ODataPage {
            results,
            next: None,
        });
    }
    let Some(d) = outer.d else {
        return Err(ApiError::Parse {
            url: url.to_string(),
            place: "answer".into(),
            reason: "neither d nor results in the answer".into(),
        });
    };
    let text = d.get().trim_start();
    if text.starts_with('[') {
        let results = serde_json::from_str(text).map_err(|e| json::malformed(url, &e))?;
        return Ok(ODataPage {
            results,
            next: None,
        });
    }
    let inner: Inner = serde_json::from_str(text).map_err(|e| json::malformed(url, &e))?;
    match inner.results {
        Some(results) => Ok(ODataPage {
            results,
            next: inner.__next,
        }),
        None => Ok(ODataPage {
            results: vec![d],
            next: None,
        }),
    }
}

fn date(
    url: &str,
    id: &str,
    field: &str,
    v: &Option<String>,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    match v.as_deref() {
        None => Ok(None),
        Some(t) => json::ms_date(t)
            .and_then(json::amsterdam_date)
            .map(Some)
            .ok_or_else(|| json::invalid(url, id, field, t, "not a /Date(ms)/ date")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Account {
    #[serde(rename = "ID")]
    id: String,
    code: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[serde(rename = "VATNumber")]
    vat_number: Option<String>,
    chamber_of_commerce: Option<String>,
    address_line1: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    country: Option<String>,
    timestamp: Option<Text>,
}

/// Accounts as debtors: the id is the account's `Code` (trimmed), the customer number.
pub fn parse_accounts(url: &str, raws: &[Box<RawValue>]) -> Result<Vec<Record>, ApiError> {
    json::records::<Account>(url, raws, "ID")?
        .into_iter()
        .map(|a| {
            let code = filled(&a.code).unwrap_or_else(|| a.id.clone());
            let mut d = Debtor::new(
                DebtorId::new(&code)
                    .map_err(|e| json::invalid(url, &a.id, "Code", &code, &e.to_string()))?,
            );
            d.name = filled(&a.name);
            d.email = filled(&a.email);
            d.phone = filled(&a.phone);
            d.vat_number = filled(&a.vat_number);
            d.kvk = filled(&a.chamber_of_commerce);
            if d.kvk.is_some() || d.vat_number.is_some() {
                d.kind = DebtorKind::Business;
            }
            d.address = Address {
                street: filled(&a.address_line1),
                house_number: None,
                postcode: filled(&a.postcode),
                city: filled(&a.city),
                country: filled(&a.country),
            };
            Ok(Record::Debtor {
                id: a.id,
                version: a.timestamp.map(|t| t.0),
                debtor: d,
                alias: None,
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SalesInvoice {
    #[serde(rename = "InvoiceID")]
    invoice_id: String,
    /// 0 (or absent) for the invoice's header record, 1..n for its lines.
    line_number: Option<i64>,
    invoice_number: Option<Text>,
    invoice_date: Option<String>,
    due_date: Option<String>,
    invoice_to: Option<String>,
    ordered_by: Option<String>,
    currency: Option<String>,
    #[serde(rename = "AmountFC")]
    amount_fc: Option<Amount>,
    #[serde(rename = "VATAmountFC")]
    vat_amount_fc: Option<Amount>,
    status: Option<i64>,
    #[serde(rename = "Type")]
    kind: Option<i64>,
    payment_reference: Option<String>,
    description: Option<String>,
    timestamp: Option<Text>,
}

/// Sales invoices and credit notes as documents. The sync endpoint sends an invoice as a header
/// record (`LineNumber` 0: the invoice's amounts) and one record per line (1..n: a line's amount
/// excluding VAT, and its description). Amounts come from the header only; the lines' descriptions
/// describe the invoice when the header has none. Lines whose header is on another page make no
/// document (their Timestamps still move the cursor). The kind comes from the documented type
/// codes (8020 and 8023 invoices, 8021 and 8024 credit notes), not from the sign, which differs
/// between divisions; the sign only decides when the type is missing. `debtor_of` maps an account
/// id to its code.
pub fn parse_sales_invoices(
    url: &str,
    raws: &[Box<RawValue>],
    creditor: &CreditorId,
    debtor_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Record>, ApiError> {
    let mut out = Vec::new();
    let records = json::records::<SalesInvoice>(url, raws, "InvoiceID")?;
    let mut lines: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for r in &records {
        if r.line_number.unwrap_or(0) > 0 {
            if let Some(d) = r
                .description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
            {
                lines.entry(r.invoice_id.as_str()).or_default().push(d);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, inv) in records.iter().enumerate() {
        if inv.line_number.unwrap_or(0) > 0 {
            continue;
        }
        let id = inv.invoice_id.clone();
        if !seen.insert(id.clone()) {
            continue;
        }
        let version = inv.timestamp.as_ref().map(|t| t.0.clone());
        if inv.status != Some(50) {
            // 10 draft, 20 open (entered, not processed): not booked as a receivable yet.
            out.push(Record::Skipped {
                id,
                version,
                reason: format!("status {} (not processed)", inv.status.unwrap_or(0)),
            });
            continue;
        }
        let number = inv
            .invoice_number
            .as_ref()
            .map(|t| t.0.trim().to_string())
            .filter(|s| !s.is_empty() && s != "null")
            .ok_or_else(|| json::missing(url, &id, "InvoiceNumber"))?;
        let amount_fc = inv.amount_fc.as_ref().map(|a| a.0);
        let kind = match (inv.kind, amount_fc) {
            (Some(8020) | Some(8023), _) => DocumentKind::Invoice,
            (Some(8021) | Some(8024), _) => DocumentKind::CreditNote,
            (_, Some(a)) if a < Decimal::ZERO => DocumentKind::CreditNote,
            _ => DocumentKind::Invoice,
        };
        let issue = date(url, &id, "InvoiceDate", &inv.invoice_date)?
            .ok_or_else(|| json::missing(url, &id, "InvoiceDate"))?;
        let due = date(url, &id, "DueDate", &inv.due_date)?.unwrap_or(issue);
        let currency_text =
            filled(&inv.currency).ok_or_else(|| json::missing(url, &id, "Currency"))?;
        let currency = Currency::parse(&currency_text)
            .map_err(|e| json::invalid(url, &id, "Currency", &currency_text, &e.to_string()))?;
        let total = amount_fc.ok_or_else(|| json::missing(url, &id, "AmountFC"))?;
        let account = filled(&inv.invoice_to)
            .or_else(|| filled(&inv.ordered_by))
            .ok_or_else(|| json::missing(url, &id, "InvoiceTo"))?;
        let debtor = debtor_of(&account).unwrap_or_else(|| {
            tracing::warn!(invoice = %number, %account, "account not synced yet; its id stands in for the debtor number");
            account.clone()
        });
        let vat = inv.vat_amount_fc.as_ref().map(|a| a.0.abs());
        let document = Document {
            creditor: creditor.clone(),
            kind,
            number: DocumentNumber::new(&number)
                .map_err(|e| json::invalid(url, &id, "InvoiceNumber", &number, &e.to_string()))?,
            debtor: DebtorId::new(&debtor)
                .map_err(|e| json::invalid(url, &id, "InvoiceTo", &debtor, &e.to_string()))?,
            issue_date: issue,
            due_date: due,
            due_assumed: false,
            currency,
            net: vat.map(|v| total.abs() - v),
            vat,
            total: total.abs(),
            source_open: None,
            status: DocumentStatus::Open,
            credited_invoice: None,
            payment_reference: filled(&inv.payment_reference),
            description: filled(&inv.description).or_else(|| {
                lines
                    .get(id.as_str())
                    .map(|l| l.join("; ").chars().take(500).collect())
            }),
        };
        out.push(Record::Document {
            id: id.clone(),
            version,
            document,
            location: Location::ApiRecord(format!("{SALES_INVOICES}/{id} record {}", i + 1)),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PaymentTerm {
    #[serde(rename = "ID")]
    id: String,
    account: Option<String>,
    account_code: Option<String>,
    entry_number: Option<Text>,
    entry_date: Option<String>,
    currency: Option<String>,
    description: Option<String>,
    invoice_number: Option<Text>,
    line_type: Option<i64>,
    #[serde(rename = "AmountFC")]
    amount_fc: Option<Amount>,
    is_fully_paid: Option<bool>,
    status: Option<i64>,
    timestamp: Option<Text>,
}

/// Open items of receivables (line type 20) as the open amount of their invoice. A receivable
/// item of no invoice with a negative amount is money the customer paid that Exact has not
/// matched yet: credit on the account (`receipt_on`), a credit note naming no invoice, set off
/// against the debtor's claim. Payables and other terms without an invoice number are skipped.
pub fn parse_payment_terms(
    url: &str,
    raws: &[Box<RawValue>],
    creditor: &CreditorId,
    debtor_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Record>, ApiError> {
    json::records::<PaymentTerm>(url, raws, "ID")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let version = t.timestamp.as_ref().map(|v| v.0.clone());
            let number = t
                .invoice_number
                .as_ref()
                .map(|n| n.0.trim().to_string())
                .filter(|s| !s.is_empty() && s != "null");
            if t.line_type == Some(20) && number.is_none() {
                if let Some(r) = receipt_on(url, i, &t, creditor, debtor_of)? {
                    return Ok(r);
                }
            }
            let (Some(20), Some(number)) = (t.line_type, number) else {
                return Ok(Record::Skipped {
                    id: t.id,
                    version,
                    reason: "not a receivable of an invoice".into(),
                });
            };
            let amount = t
                .amount_fc
                .ok_or_else(|| json::missing(url, &t.id, "AmountFC"))?
                .0;
            // Status 20 open, 30 selected for payment or collection, 40 processed (collected,
            // not yet matched), 50 matched.
            let paid = t.is_fully_paid == Some(true) || t.status == Some(50);
            let pending = !paid && matches!(t.status, Some(30) | Some(40));
            Ok(Record::OpenAmount {
                id: t.id,
                version,
                number,
                kind: if amount < Decimal::ZERO {
                    DocumentKind::CreditNote
                } else {
                    DocumentKind::Invoice
                },
                open: if paid { Decimal::ZERO } else { amount.abs() },
                pending,
            })
        })
        .collect()
}

/// A customer's receipt Exact has not matched to an invoice (a receivable item of no invoice,
/// negative) as a credit note of its account's debtor, open while the item is (`None` for any
/// other item). Matched or fully paid, it is settled, and its credit gone.
fn receipt_on(
    url: &str,
    i: usize,
    t: &PaymentTerm,
    creditor: &CreditorId,
    debtor_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Record>, ApiError> {
    let Some(amount) = t.amount_fc.as_ref().map(|a| a.0) else {
        return Ok(None);
    };
    if amount >= Decimal::ZERO {
        return Ok(None);
    }
    let id = &t.id;
    // The account's debtor as its invoices have it; else its code; else its id, which the
    // account gives its debtor id when it is synced.
    let account = filled(&t.account);
    let debtor = account
        .as_deref()
        .and_then(debtor_of)
        .or_else(|| {
            filled(&t.account_code)
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
        })
        .or(account)
        .ok_or_else(|| json::missing(url, id, "Account"))?;
    let currency_text = filled(&t.currency).ok_or_else(|| json::missing(url, id, "Currency"))?;
    let currency = Currency::parse(&currency_text)
        .map_err(|e| json::invalid(url, id, "Currency", &currency_text, &e.to_string()))?;
    let date = date(url, id, "EntryDate", &t.entry_date)?
        .ok_or_else(|| json::missing(url, id, "EntryDate"))?;
    let entry = t
        .entry_number
        .as_ref()
        .map(|e| e.0.trim().to_string())
        .filter(|e| !e.is_empty() && e != "null")
        .unwrap_or_else(|| id.clone());
    let number = format!("RECEIPT-{entry}");
    let settled = t.is_fully_paid == Some(true) || t.status == Some(50);
    let document = Document {
        creditor: creditor.clone(),
        kind: DocumentKind::CreditNote,
        number: DocumentNumber::new(&number)
            .map_err(|e| json::invalid(url, id, "EntryNumber", &number, &e.to_string()))?,
        debtor: DebtorId::new(&debtor)
            .map_err(|e| json::invalid(url, id, "AccountCode", &debtor, &e.to_string()))?,
        issue_date: date,
        due_date: date,
        due_assumed: false,
        currency,
        net: None,
        vat: None,
        total: amount.abs(),
        source_open: Some(if settled { Decimal::ZERO } else { amount.abs() }),
        status: if settled {
            DocumentStatus::Paid
        } else {
            DocumentStatus::Open
        },
        credited_invoice: None,
        payment_reference: None,
        description: filled(&t.description)
            .or_else(|| Some("received, not matched to an invoice in Exact".into())),
    };
    Ok(Some(Record::Document {
        id: id.clone(),
        version: t.timestamp.as_ref().map(|v| v.0.clone()),
        document,
        location: Location::ApiRecord(format!("{PAYMENT_TERMS}/{id} record {}", i + 1)),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Deletion {
    entity_key: String,
    entity_type: i64,
}

/// Deletions of the entities incasso keeps (accounts, payment terms, sales invoices).
pub fn parse_deleted(url: &str, raws: &[Box<RawValue>]) -> Result<Vec<Record>, ApiError> {
    Ok(json::records::<Deletion>(url, raws, "EntityKey")?
        .into_iter()
        .filter_map(|d| {
            let endpoint = match d.entity_type {
                2 => ACCOUNTS,
                10 => PAYMENT_TERMS,
                13 => SALES_INVOICES,
                _ => return None,
            };
            Some(Record::Deleted {
                endpoint,
                id: d.entity_key,
            })
        })
        .collect())
}

/// Whether `next` is on the same scheme, host and port as `base` (the token goes only there).
fn same_origin(base: &str, next: &str) -> bool {
    match (reqwest::Url::parse(base), reqwest::Url::parse(next)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

/// The lowest and highest `Timestamp` among raw records.
fn timestamp_range(raws: &[Box<RawValue>]) -> Option<(u64, u64)> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Ts {
        timestamp: Option<Text>,
    }
    let all: Vec<u64> = raws
        .iter()
        .filter_map(|r| {
            serde_json::from_str::<Ts>(r.get())
                .ok()?
                .timestamp?
                .0
                .parse()
                .ok()
        })
        .collect();
    Some((*all.iter().min()?, *all.iter().max()?))
}

impl Exact {
    fn first_url(&self, endpoint: &str, cursor: u64) -> String {
        let select = SELECT
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map(|(_, s)| *s)
            .unwrap_or("*");
        format!(
            "{}/api/v1/{}/sync/{endpoint}?$filter=Timestamp%20gt%20{cursor}L&$select={select}",
            self.base_url.trim_end_matches('/'),
            self.division
        )
    }

    /// Syncs accounts, sales invoices, open items and deletions, each from its cursor (from the
    /// start with `full`, which then also voids what the division no longer has).
    pub async fn sync(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        full: bool,
    ) -> Result<(), ApiError> {
        let origin = self.base_url.trim_end_matches('/').to_string();
        // Open items before invoices: an invoice then arrives with its open amount and is written
        // once, not once bare and again when its items follow.
        for endpoint in [ACCOUNTS, PAYMENT_TERMS, SALES_INVOICES, DELETED] {
            if full && endpoint == DELETED {
                continue;
            }
            let mut cursor: u64 = match (full, ledger.cursor(endpoint)?) {
                (false, Some(c)) => c.parse().map_err(|_| {
                    ApiError::Ledger(format!("stored cursor of {endpoint} is not a number: {c}"))
                })?,
                _ => 1,
            };
            if full {
                ledger.listing_begins(endpoint);
            }
            let mut url = self.first_url(endpoint, cursor);
            let mut page_no = 1;
            loop {
                let resp = client
                    .get(&url, &[("accept", "application/json".into())])
                    .await?;
                let page = parse_odata(&url, &resp.body)?;
                let source = response_source(&url, &resp.body);
                let debtor_of = |acct: &str| {
                    ledger
                        .known(ACCOUNTS, acct)
                        .ok()
                        .flatten()
                        .and_then(|k| k.debtor)
                };
                let records = match endpoint {
                    ACCOUNTS => parse_accounts(&url, &page.results)?,
                    SALES_INVOICES => {
                        parse_sales_invoices(&url, &page.results, &self.creditor, &debtor_of)?
                    }
                    PAYMENT_TERMS => {
                        parse_payment_terms(&url, &page.results, &self.creditor, &debtor_of)?
                    }
                    _ => parse_deleted(&url, &page.results)?,
                };
                // Every record's Timestamp moves the cursor, also of records that make no
                // document (an invoice's line records, skipped ones).
                let range = timestamp_range(&page.results);
                if let Some((low, high)) = range {
                    if low <= cursor && page_no > 1 {
                        // The walk relies on pages in Timestamp order; a resume from this
                        // cursor could skip records if they are not. Move the cursor back to
                        // before them (what was stored is kept), then stop.
                        ledger.accept(Page {
                            endpoint,
                            source,
                            records: Vec::new(),
                            cursor: Some(low.saturating_sub(1).to_string()),
                        })?;
                        return Err(ApiError::Parse {
                            url,
                            place: "Timestamp".into(),
                            reason: format!("page {page_no} has Timestamp {low}, not after the previous pages' {cursor}; the cursor would skip records"),
                        });
                    }
                    cursor = cursor.max(high);
                }
                page_no += 1;
                ledger.accept(Page {
                    endpoint,
                    source,
                    records,
                    cursor: Some(cursor.to_string()),
                })?;
                match page.next {
                    Some(next) if same_origin(&origin, &next) => url = next,
                    Some(next) => {
                        return Err(ApiError::Parse {
                            url,
                            place: "__next".into(),
                            reason: format!("next page link leaves {origin}: {next}; not followed"),
                        })
                    }
                    None => break,
                }
            }
            if full && endpoint != DELETED {
                ledger.listing_complete(endpoint)?;
            }
        }
        Ok(())
    }
}
