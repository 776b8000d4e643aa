//! The Twinfield stand-in: OAuth token and token validation (the cluster), ProcessXml (dimension
//! reads and browse data 100), the Finder (customer codes, paged, `modifiedsince`) and the deleted
//! transactions service, in the shapes `fixtures/README.md` cites. One office; every invoice of
//! the upstream is a sales transaction in daybook VRK with a customer line and a revenue line.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{reply, Shared, Upstream};

/// The office the stand-in holds.
pub const OFFICE: &str = "NLA001234";

/// The moment a version stands for: versions given when the upstream was made lie in the two
/// days before the server started, one second apart; versions given later (changes during a
/// test) lie after it, so they are newer than anything a sync asked before.
fn moment(up: &Upstream, version: u64) -> String {
    let at = if version <= up.initial_clock {
        up.started - chrono::Duration::days(2) + chrono::Duration::seconds(version as i64)
    } else {
        up.started + chrono::Duration::seconds((version - up.initial_clock) as i64)
    };
    at.format("%Y%m%d%H%M%S").to_string()
}

fn ymd(date: &str) -> String {
    date.replace('-', "")
}

/// Text between the first `<tag>` and its end, if any.
fn between<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let a = text.find(&open)? + open.len();
    let b = text[a..].find(&close)? + a;
    Some(&text[a..b])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn soap(body: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>{body}</soap:Body></soap:Envelope>")
}

fn fault(code: u32, message: &str) -> Response {
    reply(
        500,
        &[("content-type", "text/xml; charset=utf-8".into())],
        soap(&format!("<soap:Fault><faultcode>soap:Client</faultcode><faultstring>{message}</faultstring><detail><message>{message}</message><code>{code}</code></detail></soap:Fault>")),
    )
}

/// Checks the SOAP header: the access token and the office.
fn denied(state: &Shared, text: &str) -> Option<Response> {
    let token = between(text, "AccessToken").unwrap_or("");
    if !state.lock().unwrap().access.iter().any(|a| a == token) {
        return Some(fault(354, "Access denied. Token invalid."));
    }
    if between(text, "CompanyCode") != Some(OFFICE) {
        return Some(fault(
            101,
            "Toegang geweigerd. Company ontbreekt in request header.",
        ));
    }
    None
}

/// `GET …/accesstokenvalidation?token=`: the cluster of a valid token.
pub async fn validation(
    State(state): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let token = query
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("token=").map(str::to_string))
        .unwrap_or_default();
    let up = state.lock().unwrap();
    if !up.access.contains(&token) {
        return reply(400, &[], r#"{"error":"invalid_token"}"#);
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    reply(
        200,
        &[],
        format!(
            r#"{{"aud":"twf.organisation","exp":"4102444800","twf.organisationCode":"ORG","twf.clusterUrl":"http://{host}/twinfield/cluster"}}"#
        ),
    )
}

/// `POST …/processxml.asmx`: dimension reads and browse data.
pub async fn process_xml(State(state): State<Shared>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = super::faulted(&state, "twinfield/processxml").await {
        return r;
    }
    if let Some(r) = denied(&state, &text) {
        return r;
    }
    let request = unescape(between(&text, "xmlRequest").unwrap_or(""));
    let up = state.lock().unwrap();
    let result = if request.starts_with("<read>") {
        let code = between(&request, "code").unwrap_or("");
        match up.contacts.iter().find(|c| c.code == code) {
            Some(c) => format!(
                "<dimension status=\"active\" result=\"1\"><office>{OFFICE}</office><type>DEB</type><code>{}</code><name>{}</name><cocnumber>12345678</cocnumber><vatnumber>NL001234567B01</vatnumber><touched>{}</touched><addresses><address id=\"1\" type=\"invoice\" default=\"true\"><name>{}</name><country>NL</country><city>Utrecht</city><postcode>3500 AA</postcode><email>ap@example.nl</email><field2>Straat 1</field2></address></addresses><banks><bank id=\"1\" default=\"true\"><iban>NL91ABNA0417164300</iban></bank></banks></dimension>",
                c.code,
                escape(&c.name),
                c.version,
                escape(&c.name)
            ),
            None => format!("<dimension result=\"0\"><code msgtype=\"error\" msg=\"Dimension {code} does not exist.\" result=\"0\">{code}</code></dimension>"),
        }
    } else if request.starts_with("<columns code=\"100\">") {
        browse(&up, &request)
    } else {
        "<unknown result=\"0\" msgtype=\"error\" msg=\"Unknown request\"/>".to_string()
    };
    reply(
        200,
        &[("content-type", "text/xml; charset=utf-8".into())],
        soap(&format!(
            "<ProcessXmlStringResponse xmlns=\"http://www.twinfield.com/\"><ProcessXmlStringResult>{}</ProcessXmlStringResult></ProcessXmlStringResponse>",
            escape(&result)
        )),
    )
}

/// The `from`/`to` of a browse column's filter.
fn filter(request: &str, field: &str) -> Option<(String, String)> {
    let at = request.find(&format!("<field>{field}</field>"))?;
    let column = &request[at..request[at..].find("</column>")? + at];
    let from = between(column, "from")?.to_string();
    let to = between(column, "to").unwrap_or("").to_string();
    Some((from, to))
}

/// Browse 100: the customer line and a revenue line of every transaction that passes the filter.
fn browse(up: &Upstream, request: &str) -> String {
    let daybook = filter(request, "fin.trs.head.code").map(|(f, _)| f);
    let period = filter(request, "fin.trs.head.yearperiod");
    let modified = filter(request, "fin.trs.line.modified");
    let mut rows = Vec::new();
    for (n, i) in up.invoices.iter().enumerate() {
        if i.deleted || i.status == "draft" || daybook.as_deref() != Some("VRK") {
            continue;
        }
        let yp = format!("{}/{}", &i.date[..4], &i.date[5..7]);
        if let Some((from, to)) = &period {
            if yp < *from || yp > *to {
                continue;
            }
        }
        let when = moment(up, i.version);
        if let Some((from, to)) = &modified {
            if when < *from || when > *to {
                continue;
            }
        }
        let sign = if i.credit { "-" } else { "" };
        let matched = if i.open == "0.00" {
            "matched"
        } else {
            "available"
        };
        let number = 202_600_000 + n;
        let cell = |f: &str, v: &str| {
            format!(
                "<td field=\"{f}\" hideforuser=\"false\" type=\"String\">{}</td>",
                escape(v)
            )
        };
        let key = |line: u32| {
            format!("<key><office>{OFFICE}</office><code>VRK</code><number>{number}</number><line>{line}</line></key>")
        };
        let common = [
            cell("fin.trs.head.office", OFFICE),
            cell("fin.trs.head.code", "VRK"),
            cell("fin.trs.head.status", "final"),
            cell("fin.trs.head.yearperiod", &yp),
            cell("fin.trs.head.number", &number.to_string()),
            cell("fin.trs.head.date", &ymd(&i.date)),
            cell("fin.trs.head.curcode", "EUR"),
        ]
        .join("");
        rows.push(format!(
            "<tr>{common}{}{}{}{}{}{}{}{}{}</tr>",
            cell("fin.trs.line.invnumber", &i.number),
            cell("fin.trs.line.dim2", &up.contacts[i.contact].code),
            cell("fin.trs.line.datedue", &ymd(&i.due)),
            cell("fin.trs.line.valuesigned", &format!("{sign}{}", i.total)),
            cell("fin.trs.line.openvaluesigned", &format!("{sign}{}", i.open)),
            cell("fin.trs.line.matchstatus", matched),
            cell("fin.trs.line.description", "Levering"),
            cell("fin.trs.line.modified", &when),
            key(1)
        ));
        // The revenue line: no customer, not matchable.
        rows.push(format!(
            "<tr>{common}{}{}{}{}{}{}{}{}{}</tr>",
            cell("fin.trs.line.invnumber", &i.number),
            cell("fin.trs.line.dim2", ""),
            cell("fin.trs.line.datedue", ""),
            cell(
                "fin.trs.line.valuesigned",
                &format!("{}{}", if i.credit { "" } else { "-" }, i.total)
            ),
            cell("fin.trs.line.openvaluesigned", ""),
            cell("fin.trs.line.matchstatus", "notmatchable"),
            cell("fin.trs.line.description", "Omzet"),
            cell("fin.trs.line.modified", &when),
            key(2)
        ));
    }
    format!(
        "<browse result=\"1\" first=\"1\" last=\"{}\" total=\"{}\">{}</browse>",
        rows.len(),
        rows.len(),
        rows.join("")
    )
}

/// `POST …/finder.asmx` (`Search` DIM/DEB): customer codes, `maxRows` from `firstRow`.
pub async fn finder(State(state): State<Shared>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = super::faulted(&state, "twinfield/finder").await {
        return r;
    }
    if let Some(r) = denied(&state, &text) {
        return r;
    }
    let first: usize = between(&text, "firstRow")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let max: usize = between(&text, "maxRows")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let since = text
        .find("<string>modifiedsince</string><string>")
        .map(|at| {
            let rest = &text[at + "<string>modifiedsince</string><string>".len()..];
            rest[..rest.find('<').unwrap_or(0)].to_string()
        });
    let up = state.lock().unwrap();
    let mut hits: Vec<(String, String)> = up
        .contacts
        .iter()
        .filter(|c| since.as_ref().is_none_or(|s| moment(&up, c.version) >= *s))
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect();
    hits.sort();
    let total = hits.len();
    let items: String = hits
        .into_iter()
        .skip(first.saturating_sub(1))
        .take(max)
        .map(|(code, name)| {
            format!(
                "<ArrayOfString><string>{code}</string><string>{}</string></ArrayOfString>",
                escape(&name)
            )
        })
        .collect();
    reply(
        200,
        &[("content-type", "text/xml; charset=utf-8".into())],
        soap(&format!(
            "<SearchResponse xmlns=\"http://www.twinfield.com/\"><SearchResult /><data><TotalRows>{total}</TotalRows><Columns><string>Code</string><string>Naam</string></Columns><Items>{items}</Items></data></SearchResponse>"
        )),
    )
}

/// `POST …/DeletedTransactionsService.svc`: the deleted sales transactions.
pub async fn deleted(State(state): State<Shared>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = super::faulted(&state, "twinfield/deleted").await {
        return r;
    }
    if let Some(r) = denied(&state, &text) {
        return r;
    }
    let up = state.lock().unwrap();
    let items: String = up
        .invoices
        .iter()
        .enumerate()
        .filter(|(_, i)| i.deleted)
        .map(|(n, i)| {
            format!(
                "<DeletedTransaction><Daybook>VRK</Daybook><TransactionNumber>{}</TransactionNumber><TransactionDate>{}T00:00:00</TransactionDate><DeletionDate>{}</DeletionDate><User>USR</User><ReasonForDeletion>Fout geboekt</ReasonForDeletion></DeletedTransaction>",
                202_600_000 + n,
                i.date,
                moment(&up, i.version)
            )
        })
        .collect();
    reply(
        200,
        &[("content-type", "text/xml; charset=utf-8".into())],
        soap(&format!(
            "<QueryResponse xmlns=\"http://www.twinfield.com/\"><QueryResult><DeletedTransactions>{items}</DeletedTransactions></QueryResult></QueryResponse>"
        )),
    )
}
