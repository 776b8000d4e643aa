//! Twinfield's XML answers (the `ProcessXml` web service): sales invoices, the customer list and
//! browse data (the open-items and transaction lists), and a customer's dimension record. The
//! sync client that asks for them is `twinfield_sync.rs`.
//!
//! Facts that matter: answers may be UTF-16 with a byte-order mark; every element can carry
//! `result="0"` with the reason in a `msg` attribute or a `<msg>` child, and a batch answer
//! mixes failed and successful elements (one failure refuses the answer, naming the element);
//! dates are `yyyymmdd`; a sales invoice in `concept` status is a draft, `final` is booked.

use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::{Debtor, Document, DocumentKind, DocumentStatus, Location};
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use super::{parse_error as err, ApiError, Record};
use crate::xml::{tree, Node};

/// Reads an answer (UTF-8, or UTF-16 with a byte-order mark) and refuses it when any element
/// says `result="0"`, naming the first such element and its message.
pub(crate) fn read(url: &str, body: &[u8]) -> Result<Node, ApiError> {
    let (text, _, bad) = match encoding_rs::Encoding::for_bom(body) {
        Some((enc, _)) => enc.decode(body),
        None => encoding_rs::UTF_8.decode(body),
    };
    if bad {
        return Err(err(
            url,
            "answer".into(),
            "not valid text in its encoding".into(),
        ));
    }
    let text = crate::source::strip_bom_str(&text);
    // The declaration may still say UTF-16 after decoding; the tree reads the text as UTF-8.
    let body = match text.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, r)| r).unwrap_or(rest),
        None => text,
    };
    let root =
        tree(body.as_bytes()).map_err(|e| err(url, "XML".into(), format!("malformed XML: {e}")))?;
    if let Some((path, why)) = failure(&root, &root.name) {
        return Err(err(url, path, format!("Twinfield refused it: {why}")));
    }
    Ok(root)
}

/// The first element with `result="0"`, as a path with its position, and its message.
fn failure(node: &Node, path: &str) -> Option<(String, String)> {
    if node.attr("result") == Some("0") {
        let msg = node
            .attr("msg")
            .map(str::to_string)
            .or_else(|| node.text_of("msg").map(str::to_string))
            .or_else(|| {
                node.children
                    .iter()
                    .find_map(|c| c.attr("msg").map(str::to_string))
            })
            .unwrap_or_else(|| "no message".into());
        if node.children.iter().all(|c| c.attr("result") != Some("0")) {
            return Some((path.to_string(), msg));
        }
    }
    // Positions counted as the children go by: a browse answer has tens of thousands of rows.
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    node.children.iter().find_map(|c| {
        let n = seen.entry(c.name.as_str()).or_insert(0);
        *n += 1;
        let n = *n;
        failure(c, &format!("{path}/{}[{n}]", c.name))
    })
}

fn date(
    url: &str,
    place: &str,
    field: &str,
    v: Option<&str>,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    match v {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y%m%d")
            .map(Some)
            .map_err(|_| {
                err(
                    url,
                    place.to_string(),
                    format!("field {field}: not a yyyymmdd date: {t:?}"),
                )
            }),
    }
}

/// A sales invoice (`<salesinvoice>`): `final` is a document, `concept` is skipped.
pub fn parse_sales_invoice(
    url: &str,
    body: &[u8],
    creditor: &CreditorId,
) -> Result<Vec<Record>, ApiError> {
    let root = read(url, body)?;
    let place = "salesinvoice/header".to_string();
    let h = root
        .child("header")
        .ok_or_else(|| err(url, "salesinvoice".into(), "no header".into()))?;
    let req = |f: &str| {
        h.text_of(f)
            .ok_or_else(|| err(url, place.clone(), format!("field {f} is missing or empty")))
    };
    let number = req("invoicenumber")?;
    let id = format!(
        "{}:{}:{number}",
        h.text_of("office").unwrap_or(""),
        h.text_of("invoicetype").unwrap_or("")
    );
    let status = req("status")?;
    if status != "final" {
        return Ok(vec![Record::Skipped {
            id,
            version: None,
            reason: format!("status {status}"),
        }]);
    }
    let issue = date(url, &place, "invoicedate", h.text_of("invoicedate"))?
        .ok_or_else(|| err(url, place.clone(), "field invoicedate is missing".into()))?;
    let due = date(url, &place, "duedate", h.text_of("duedate"))?.unwrap_or(issue);
    let currency = Currency::parse(req("currency")?)
        .map_err(|e| err(url, place.clone(), format!("field currency: {e}")))?;
    let amount = |f: &str| -> Result<Option<Decimal>, ApiError> {
        match root.child("totals").and_then(|t| t.text_of(f)) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                err(
                    url,
                    "salesinvoice/totals".into(),
                    format!("field {f}: not an amount: {v:?}"),
                )
            }),
        }
    };
    let total = amount("valueinc")?.ok_or_else(|| {
        err(
            url,
            "salesinvoice/totals".into(),
            "field valueinc is missing".into(),
        )
    })?;
    let net = amount("valueexcl")?;
    let customer = req("customer")?;
    Ok(vec![Record::Document {
        id,
        version: None,
        document: Document {
            creditor: creditor.clone(),
            kind: if total < Decimal::ZERO {
                DocumentKind::CreditNote
            } else {
                DocumentKind::Invoice
            },
            number: DocumentNumber::new(number)
                .map_err(|e| err(url, place.clone(), format!("field invoicenumber: {e}")))?,
            debtor: DebtorId::new(customer)
                .map_err(|e| err(url, place.clone(), format!("field customer: {e}")))?,
            issue_date: issue,
            due_date: due,
            due_assumed: false,
            currency,
            net: net.map(|n| n.abs()),
            vat: net.map(|n| total.abs() - n.abs()),
            total: total.abs(),
            source_open: None,
            status: DocumentStatus::Open,
            credited_invoice: None,
            payment_reference: None,
            description: h.text_of("headertext").map(str::to_string),
        },
        location: Location::Element("salesinvoice".into()),
    }])
}

/// The customer list (`<dimensions type="DEB">`) as debtors, by their code.
pub fn parse_customers(url: &str, body: &[u8]) -> Result<Vec<Record>, ApiError> {
    let root = read(url, body)?;
    if root.name != "dimensions" || root.attr("type") != Some("DEB") {
        return Err(err(
            url,
            root.name.clone(),
            "not a customer (DEB) dimension list".into(),
        ));
    }
    root.all("dimension")
        .enumerate()
        .filter(|(_, d)| !d.text.is_empty())
        .map(|(i, d)| {
            let mut debtor = Debtor::new(DebtorId::new(&d.text).map_err(|e| {
                err(
                    url,
                    format!("dimensions/dimension[{}]", i + 1),
                    e.to_string(),
                )
            })?);
            debtor.name = d.attr("name").filter(|n| !n.is_empty()).map(str::to_string);
            Ok(Record::Debtor {
                id: d.text.clone(),
                version: None,
                debtor,
                alias: None,
            })
        })
        .collect()
}

/// One row of browse data: each column's field name and value.
pub type BrowseRow = Vec<(String, String)>;

/// Browse data (`<browse>`): the rows, each as field and value, and the total the header states
/// (checked against the rows when the answer holds them all).
pub fn parse_browse(url: &str, body: &[u8]) -> Result<Vec<BrowseRow>, ApiError> {
    let root = read(url, body)?;
    if root.name != "browse" {
        return Err(err(url, root.name.clone(), "not browse data".into()));
    }
    let rows: Vec<BrowseRow> = root
        .all("tr")
        .map(|tr| {
            tr.all("td")
                .filter_map(|td| Some((td.attr("field")?.to_string(), td.text.clone())))
                .collect()
        })
        .collect();
    let first = root.attr("first").and_then(|v| v.parse::<usize>().ok());
    let last = root.attr("last").and_then(|v| v.parse::<usize>().ok());
    if let (Some(f), Some(l)) = (first, last) {
        if l.saturating_add(1).saturating_sub(f) != rows.len() {
            return Err(err(
                url,
                "browse".into(),
                format!("says rows {f} to {l} but holds {} rows", rows.len()),
            ));
        }
    }
    Ok(rows)
}
