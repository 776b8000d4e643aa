//! Twinfield's sync client (SOAP web services, OAuth2): customers and open sales transactions of
//! one office (company), incrementally, with deletions. Facts, with where each comes from, are in
//! `fixtures/README.md` (Twinfield); the answers are read by `twinfield.rs`.
//!
//! - **Login.** OAuth2 only: Twinfield no longer supports its session login for new
//!   integrations. The access token goes in the SOAP header (`Header/AccessToken` with
//!   `CompanyCode`), and the cluster the office lives on comes from the token validation endpoint
//!   (`twf.clusterUrl`). An expired token (a fault with code 354, or 401) is refreshed once and
//!   the call repeated.
//! - **Customers.** The Finder (`Search`, type `DIM`, options `dimtype=DEB`, `office`,
//!   `modifiedsince`) pages the codes changed since the last sync (`firstRow`/`maxRows`); each is
//!   read (`<read><type>dimensions</type>`) for name, address, e-mail, IBAN, KvK and VAT. Its
//!   version is the dimension's `touched` counter.
//! - **Open sales transactions.** Browse data `100` (customer transactions) of the configured
//!   sales daybooks (default `VRK`), status `normal` (provisional and final). Browse has no
//!   paging: a first or full sync asks one period at a time (Twinfield's advice is to keep
//!   requests small: large ones time out); later syncs ask the lines modified since the cursor
//!   (`fin.trs.line.modified`). The customer line of a transaction
//!   (`dim2` set) is the document: its invoice number, customer, dates, value and open value
//!   (`openvaluesigned`); matched means paid. A transaction's id is `office:daybook:number`.
//! - **Deletions** come from `DeletedTransactionsService.svc` (`GetDeletedTransactions` per
//!   daybook since the last sync). A reversal is a counter-posting: once matched, both are closed.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use incasso_core::html::escape;
use incasso_core::ids::{CreditorId, DebtorId, DocumentNumber};
use incasso_core::model::{Address, Debtor, Document, DocumentKind, DocumentStatus, Location};
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use super::http::Client;
use super::{parse_error as err, response_source, ApiError, Page, Record, SyncLedger};
use crate::xml::{tree, Node};

/// Customers (debtors).
pub const CUSTOMERS: &str = "customers";
/// Sales transactions (invoices and credit notes).
pub const TRANSACTIONS: &str = "transactions";
/// The deletion log.
pub const DELETED: &str = "deleted-transactions";

/// Customer codes asked per Finder page.
const FINDER_PAGE: usize = 100;
/// The namespace of Twinfield's SOAP services.
const NS: &str = "http://www.twinfield.com/";

/// One Twinfield office.
#[derive(Debug, Clone)]
pub struct Twinfield {
    /// `https://login.twinfield.com` unless a test server stands in.
    pub login_url: String,
    /// The office (company) code.
    pub office: String,
    /// The sales daybooks (transaction type codes) whose transactions are receivables.
    pub daybooks: Vec<String>,
    /// The first book year a first or full sync reads.
    pub first_year: i32,
    /// The ledger's creditor.
    pub creditor: CreditorId,
}

/// A SOAP 1.1 envelope with Twinfield's header (`Header`, or `Authentication` for the WCF
/// services) and a body.
fn envelope(header: &str, token: &str, office: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header><{header} xmlns=\"{NS}\"><AccessToken>{}</AccessToken><CompanyCode>{}</CompanyCode></{header}></soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>",
        escape(token),
        escape(office)
    )
}

/// The first element of that local name anywhere below `node`.
fn find<'a>(node: &'a Node, name: &str) -> Option<&'a Node> {
    if node.name == name {
        return Some(node);
    }
    node.children.iter().find_map(|c| find(c, name))
}

/// Reads a SOAP answer: its body's element, or the fault it carries as an error.
fn soap_body(url: &str, body: &[u8]) -> Result<Node, ApiError> {
    let root = tree(body).map_err(|e| err(url, "SOAP".into(), format!("malformed XML: {e}")))?;
    if let Some(f) = find(&root, "Fault") {
        let why = f
            .text_of("faultstring")
            .or_else(|| find(f, "message").map(|m| m.text.as_str()))
            .unwrap_or("no message");
        let code = find(f, "code").map(|c| c.text.as_str()).unwrap_or("");
        return Err(err(
            url,
            "soap:Fault".into(),
            format!("Twinfield refused the call: {why} (code {code})"),
        ));
    }
    Ok(root)
}

/// `yyyymmdd` or `yyyyMMddHHmmss` as a date.
fn day(url: &str, place: &str, field: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v.get(..8).unwrap_or(v), "%Y%m%d").map_err(|_| {
        err(
            url,
            place.into(),
            format!("field {field}: not a yyyymmdd date: {v:?}"),
        )
    })
}

impl Twinfield {
    /// The cluster the office lives on, from the token validation endpoint.
    async fn cluster(&self, client: &mut Client) -> Result<String, ApiError> {
        let token = client.access_token().await?;
        let url = format!(
            "{}/auth/authentication/connect/accesstokenvalidation?token={}",
            self.login_url.trim_end_matches('/'),
            token.expose()
        );
        let shown = format!(
            "{}/auth/authentication/connect/accesstokenvalidation",
            self.login_url.trim_end_matches('/')
        );
        let resp = client.get(&url, &[]).await.map_err(|e| match e {
            ApiError::Http { status, detail, .. } => ApiError::Http {
                url: shown.clone(),
                status,
                detail,
            },
            other => other,
        })?;
        let v: serde_json::Value = serde_json::from_slice(&resp.body)
            .map_err(|e| err(&shown, "answer".into(), format!("not JSON: {e}")))?;
        let cluster = v
            .get("twf.clusterUrl")
            .and_then(|c| c.as_str())
            .ok_or_else(|| err(&shown, "twf.clusterUrl".into(), "missing".into()))?;
        if !(cluster.starts_with("https://") || cluster.starts_with("http://127.0.0.1")) {
            return Err(err(
                &shown,
                "twf.clusterUrl".into(),
                format!("{cluster} is not an https address; not followed"),
            ));
        }
        Ok(cluster.trim_end_matches('/').to_string())
    }

    /// Sends one ProcessXml request and reads the answer it wraps.
    async fn process_xml(
        &self,
        client: &mut Client,
        cluster: &str,
        request: &str,
    ) -> Result<(String, Vec<u8>), ApiError> {
        let url = format!("{cluster}/webservices/processxml.asmx");
        let body = format!(
            "<ProcessXmlString xmlns=\"{NS}\"><xmlRequest>{}</xmlRequest></ProcessXmlString>",
            escape(request)
        );
        let office = self.office.clone();
        let make = move |token: &str| envelope("Header", token, &office, &body);
        let resp = client
            .post_soap(&url, &format!("{NS}ProcessXmlString"), &make)
            .await?;
        let root = soap_body(&url, &resp.body)?;
        let result = find(&root, "ProcessXmlStringResult")
            .ok_or_else(|| err(&url, "ProcessXmlStringResult".into(), "missing".into()))?;
        Ok((url, result.text.clone().into_bytes()))
    }

    /// Syncs customers, sales transactions and deletions, each from its cursor (everything with
    /// `full`, which then also voids what the office no longer has). `now` is the sync's start
    /// (UTC), the next cursor of the time-based reads.
    pub async fn sync(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        full: bool,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        let cluster = self.cluster(client).await?;
        // Reads since the cursor overlap the previous sync by ten minutes (clocks differ);
        // records seen before are recognised by their version and not written again.
        let stamp = (now - chrono::Duration::minutes(10))
            .format("%Y%m%d%H%M%S")
            .to_string();
        self.customers(client, ledger, &cluster, full, &stamp)
            .await?;
        self.transactions(client, ledger, &cluster, full, now)
            .await?;
        if !full {
            self.deletions(client, ledger, &cluster, now).await?;
        }
        Ok(())
    }

    async fn customers(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        cluster: &str,
        full: bool,
        stamp: &str,
    ) -> Result<(), ApiError> {
        let since = if full {
            None
        } else {
            ledger.cursor(CUSTOMERS)?
        };
        let url = format!("{cluster}/webservices/finder.asmx");
        let mut first_row = 1;
        loop {
            let mut options = vec![
                ("office", self.office.clone()),
                ("dimtype", "DEB".to_string()),
            ];
            if let Some(s) = &since {
                options.push(("modifiedsince", s.clone()));
            }
            let opts: String = options
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<ArrayOfString><string>{k}</string><string>{}</string></ArrayOfString>",
                        escape(v)
                    )
                })
                .collect();
            let body = format!(
                "<Search xmlns=\"{NS}\"><type>DIM</type><pattern>*</pattern><field>0</field><firstRow>{first_row}</firstRow><maxRows>{FINDER_PAGE}</maxRows><options>{opts}</options></Search>"
            );
            let office = self.office.clone();
            let make = move |token: &str| envelope("Header", token, &office, &body);
            let resp = client
                .post_soap(&url, &format!("{NS}Search"), &make)
                .await?;
            let root = soap_body(&url, &resp.body)?;
            let total: usize = find(&root, "TotalRows")
                .and_then(|t| t.text.parse().ok())
                .unwrap_or(0);
            let codes: Vec<String> = find(&root, "Items")
                .map(|items| {
                    items
                        .all("ArrayOfString")
                        .filter_map(|row| row.children.first().map(|c| c.text.clone()))
                        .filter(|c| !c.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let mut records = Vec::with_capacity(codes.len());
            let mut source = None;
            for code in &codes {
                let request = format!(
                    "<read><type>dimensions</type><office>{}</office><dimtype>DEB</dimtype><code>{}</code></read>",
                    escape(&self.office),
                    escape(code)
                );
                let (purl, answer) = self.process_xml(client, cluster, &request).await?;
                source.get_or_insert_with(|| response_source(&purl, &answer));
                records.push(parse_dimension(&purl, &answer)?);
            }
            first_row += codes.len();
            let last = codes.is_empty() || first_row > total;
            ledger.accept(Page {
                endpoint: CUSTOMERS,
                source: source.unwrap_or_else(|| response_source(&url, &resp.body)),
                records,
                cursor: last.then(|| stamp.to_string()),
            })?;
            if last {
                return Ok(());
            }
        }
    }

    /// The browse request for the customer lines of one daybook: a book year, or the lines
    /// modified since a moment.
    fn browse_request(&self, daybook: &str, window: &Window) -> String {
        let column = |field: &str, filter: Option<(&str, &str, &str)>| {
            match filter {
            None => format!("<column><field>{field}</field><visible>true</visible></column>"),
            Some((op, from, to)) => format!(
                "<column><field>{field}</field><visible>true</visible><operator>{op}</operator><from>{}</from><to>{}</to></column>",
                escape(from),
                escape(to)
            ),
        }
        };
        let (period, modified) = match window {
            Window::Periods(from, to) => (Some(("between", from.clone(), to.clone())), None),
            Window::Since(since, until) => (None, Some(("between", since.clone(), until.clone()))),
        };
        let mut cols = vec![
            column(
                "fin.trs.head.office",
                Some(("equal", self.office.as_str(), "")),
            ),
            column("fin.trs.head.code", Some(("equal", daybook, ""))),
            column("fin.trs.head.status", Some(("equal", "normal", ""))),
            column(
                "fin.trs.head.yearperiod",
                period
                    .as_ref()
                    .map(|(o, f, t)| (*o, f.as_str(), t.as_str())),
            ),
            column("fin.trs.head.number", None),
            column("fin.trs.head.date", None),
            column("fin.trs.head.curcode", None),
            column("fin.trs.line.invnumber", None),
            column("fin.trs.line.dim2", None),
            column("fin.trs.line.datedue", None),
            column("fin.trs.line.valuesigned", None),
            column("fin.trs.line.openvaluesigned", None),
            column("fin.trs.line.matchstatus", None),
            column("fin.trs.line.description", None),
        ];
        cols.push(column(
            "fin.trs.line.modified",
            modified
                .as_ref()
                .map(|(o, f, t)| (*o, f.as_str(), t.as_str())),
        ));
        format!("<columns code=\"100\">{}</columns>", cols.join(""))
    }

    async fn transactions(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        cluster: &str,
        full: bool,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        let cursor = if full {
            None
        } else {
            ledger.cursor(TRANSACTIONS)?
        };
        let windows: Vec<Window> = match &cursor {
            Some(c) => vec![Window::Since(
                c.clone(),
                (now + chrono::Duration::days(1))
                    .format("%Y%m%d%H%M%S")
                    .to_string(),
            )],
            // Browse has no paging: a first or full sync asks one period at a time (the opening
            // period, each month, then the closing periods of the year).
            None => (self.first_year..=now.year() + 1)
                .flat_map(|y| {
                    std::iter::once(Window::Periods(format!("{y}/00"), format!("{y}/00")))
                        .chain((1..=12).map(move |m| {
                            Window::Periods(format!("{y}/{m:02}"), format!("{y}/{m:02}"))
                        }))
                        .chain(std::iter::once(Window::Periods(
                            format!("{y}/13"),
                            format!("{y}/99"),
                        )))
                })
                .collect(),
        };
        if full {
            ledger.listing_begins(TRANSACTIONS);
        }
        let mut newest = cursor.clone();
        let asks = self.daybooks.len() * windows.len();
        let mut asked = 0;
        for daybook in &self.daybooks {
            for window in &windows {
                asked += 1;
                let request = self.browse_request(daybook, window);
                let (url, answer) = self.process_xml(client, cluster, &request).await?;
                let source = response_source(&url, &answer);
                let rows = super::twinfield::parse_browse(&url, &answer)?;
                let (records, latest) = self.documents(&url, &rows)?;
                if let Some(l) = latest {
                    if newest.as_ref().is_none_or(|n| &l > n) {
                        newest = Some(l);
                    }
                }
                ledger.seen(TRANSACTIONS, &mut records.iter().map(|r| r.id()));
                // The cursor moves only when every window is read: a first sync killed half-way
                // starts again from the first year, not from the newest line of a later one.
                let cursor = (asked == asks).then(|| newest.clone()).flatten();
                ledger.accept(Page {
                    endpoint: TRANSACTIONS,
                    source,
                    records,
                    cursor,
                })?;
            }
        }
        if full {
            ledger.listing_complete(TRANSACTIONS)?;
        }
        Ok(())
    }

    /// The documents in browse rows (one per transaction: its customer line), and the newest
    /// modification seen.
    fn documents(
        &self,
        url: &str,
        rows: &[super::twinfield::BrowseRow],
    ) -> Result<(Vec<Record>, Option<String>), ApiError> {
        let mut out = BTreeMap::new();
        let mut newest: Option<String> = None;
        for (i, row) in rows.iter().enumerate() {
            let place = format!("browse/tr[{}]", i + 1);
            let get = |f: &str| {
                row.iter()
                    .find(|(k, _)| k == f)
                    .map(|(_, v)| v.trim())
                    .filter(|v| !v.is_empty())
            };
            let req = |f: &str| {
                get(f).ok_or_else(|| err(url, place.clone(), format!("field {f} is missing")))
            };
            if let Some(m) = get("fin.trs.line.modified") {
                if newest.as_deref().is_none_or(|n| m > n) {
                    newest = Some(m.to_string());
                }
            }
            // Only the customer line describes the receivable; VAT and revenue lines have no
            // customer, and detail lines are not matchable.
            let Some(customer) = get("fin.trs.line.dim2") else {
                continue;
            };
            if get("fin.trs.line.matchstatus") == Some("notmatchable") {
                continue;
            }
            let daybook = req("fin.trs.head.code")?;
            let number = req("fin.trs.head.number")?;
            let id = format!("{}:{daybook}:{number}", self.office);
            let amount = |f: &str| -> Result<Decimal, ApiError> {
                let v = req(f)?;
                v.parse().map_err(|_| {
                    err(
                        url,
                        place.clone(),
                        format!("field {f}: not an amount: {v:?}"),
                    )
                })
            };
            let value = amount("fin.trs.line.valuesigned")?;
            let open = match get("fin.trs.line.openvaluesigned") {
                Some(_) => amount("fin.trs.line.openvaluesigned")?,
                None => value,
            };
            let matched = get("fin.trs.line.matchstatus") == Some("matched");
            let issue = day(url, &place, "fin.trs.head.date", req("fin.trs.head.date")?)?;
            let due = match get("fin.trs.line.datedue") {
                Some(d) => day(url, &place, "fin.trs.line.datedue", d)?,
                None => issue,
            };
            let currency_text = req("fin.trs.head.curcode")?;
            let currency = Currency::parse(currency_text).map_err(|e| {
                err(
                    url,
                    place.clone(),
                    format!("field fin.trs.head.curcode: {e}"),
                )
            })?;
            let invoice = get("fin.trs.line.invnumber").unwrap_or(number);
            let open_now = if matched { Decimal::ZERO } else { open.abs() };
            let document = Document {
                creditor: self.creditor.clone(),
                // A debit on the customer is an invoice, a credit a credit note.
                kind: if value < Decimal::ZERO {
                    DocumentKind::CreditNote
                } else {
                    DocumentKind::Invoice
                },
                number: DocumentNumber::new(invoice).map_err(|e| {
                    err(
                        url,
                        place.clone(),
                        format!("field fin.trs.line.invnumber: {e}"),
                    )
                })?,
                debtor: DebtorId::new(customer).map_err(|e| {
                    err(url, place.clone(), format!("field fin.trs.line.dim2: {e}"))
                })?,
                issue_date: issue,
                due_date: due,
                due_assumed: false,
                currency,
                net: None,
                vat: None,
                total: value.abs(),
                source_open: Some(open_now),
                status: if open_now.is_zero() {
                    DocumentStatus::Paid
                } else {
                    DocumentStatus::Open
                },
                credited_invoice: None,
                payment_reference: None,
                description: get("fin.trs.line.description").map(str::to_string),
            };
            out.insert(
                id.clone(),
                Record::Document {
                    id: id.clone(),
                    version: get("fin.trs.line.modified").map(str::to_string),
                    document,
                    location: Location::ApiRecord(format!("{TRANSACTIONS}/{id} ({place})")),
                },
            );
        }
        Ok((out.into_values().collect(), newest))
    }

    async fn deletions(
        &self,
        client: &mut Client,
        ledger: &mut dyn SyncLedger,
        cluster: &str,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        let url = format!("{cluster}/webservices/DeletedTransactionsService.svc");
        let from = ledger
            .cursor(DELETED)?
            .unwrap_or_else(|| format!("{}-01-01", self.first_year));
        for daybook in &self.daybooks {
            let body = format!(
                "<Query xmlns=\"{NS}\"><query xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" i:type=\"GetDeletedTransactions\"><CompanyCode>{}</CompanyCode><Daybook>{}</Daybook><DateFrom>{}</DateFrom></query></Query>",
                escape(&self.office),
                escape(daybook),
                escape(&from)
            );
            let office = self.office.clone();
            let make = move |token: &str| envelope("Authentication", token, &office, &body);
            let resp = client
                .post_soap(
                    &url,
                    &format!("{NS}DeletedTransactionsService/Query"),
                    &make,
                )
                .await?;
            let root = soap_body(&url, &resp.body)?;
            let mut records = Vec::new();
            if let Some(list) = find(&root, "DeletedTransactions") {
                for (i, t) in list.children.iter().enumerate() {
                    let number = t.text_of("TransactionNumber").ok_or_else(|| {
                        err(
                            &url,
                            format!("DeletedTransactions/[{}]", i + 1),
                            "field TransactionNumber is missing".into(),
                        )
                    })?;
                    let book = t.text_of("Daybook").unwrap_or(daybook);
                    records.push(Record::Deleted {
                        endpoint: TRANSACTIONS,
                        id: format!("{}:{book}:{number}", self.office),
                    });
                }
            }
            ledger.accept(Page {
                endpoint: DELETED,
                source: response_source(&url, &resp.body),
                records,
                cursor: None,
            })?;
        }
        // The day the sync began, less one: deletions are asked by date.
        let next = (now.date() - chrono::Duration::days(1)).to_string();
        ledger.accept(Page {
            endpoint: DELETED,
            source: response_source(&url, b""),
            records: Vec::new(),
            cursor: Some(next),
        })
    }
}

/// What one browse request asks.
enum Window {
    /// The periods from the first to the second (`YYYY/PP`), in first and full syncs.
    Periods(String, String),
    /// Lines modified from the first moment to the second (`yyyyMMddHHmmss`).
    Since(String, String),
}

/// One customer read (`<dimension>`) as a debtor.
pub fn parse_dimension(url: &str, body: &[u8]) -> Result<Record, ApiError> {
    let d = super::twinfield::read(url, body)?;
    if d.name != "dimension" {
        return Err(err(url, d.name.clone(), "not a dimension".into()));
    }
    let code = d
        .text_of("code")
        .ok_or_else(|| err(url, "dimension".into(), "field code is missing".into()))?;
    let mut debtor = Debtor::new(
        DebtorId::new(code).map_err(|e| err(url, "dimension/code".into(), e.to_string()))?,
    );
    debtor.name = d.text_of("name").map(str::to_string);
    let address = d.child("addresses").and_then(|a| {
        a.all("address")
            .find(|x| x.attr("default") == Some("true"))
            .or_else(|| a.child("address"))
    });
    if let Some(a) = address {
        debtor.address = Address {
            street: a.text_of("field2").map(str::to_string),
            house_number: None,
            postcode: a.text_of("postcode").map(str::to_string),
            city: a.text_of("city").map(str::to_string),
            country: a.text_of("country").map(str::to_string),
        };
        debtor.email = a.text_of("email").map(str::to_string);
        debtor.phone = a.text_of("telephone").map(str::to_string);
    }
    debtor.kvk = d
        .text_of("cocnumber")
        .or_else(|| address.and_then(|a| a.text_of("field5")))
        .map(str::to_string);
    debtor.vat_number = d
        .text_of("vatnumber")
        .or_else(|| address.and_then(|a| a.text_of("field4")))
        .map(str::to_string);
    if let Some(banks) = d.child("banks") {
        for b in banks.all("bank") {
            if let Some(iban) = b
                .text_of("iban")
                .and_then(|i| incasso_core::ids::Iban::parse(i).ok())
            {
                if !debtor.ibans.contains(&iban) {
                    debtor.ibans.push(iban);
                }
            }
        }
    }
    Ok(Record::Debtor {
        id: code.to_string(),
        version: d.text_of("touched").map(str::to_string),
        debtor,
        alias: None,
    })
}
