//! ISO 20022 camt.053 bank-to-customer statements (`.001.02` to `.08`), streamed; and camt.054
//! debit/credit notifications, which several banks send for incoming payments (instant payments,
//! the details of a collective credit) before or instead of the statement: their entries are read
//! as the same bank lines, so the camt.053 of the same day finds them already stored.
//!
//! One `Ntry` becomes one [`BankLine`] per `TxDtls` that carries its own amount (a batch booking
//! pays several invoices), else one line with the entry's amount and everything its details say.
//! Elements are matched by local name, so any namespace prefix works; only booked entries count.
//! A statement that gives its booked opening (`OPBD`, else `PRCD`) and closing (`CLBD`) balance
//! must add up: opening plus its booked entries is its closing balance, as for MT940.

use std::io::Read;
use std::str::FromStr;

use chrono::NaiveDate;
use incasso_core::model::Location;
use incasso_core::money::Currency;
use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::Reader;
use rust_decimal::Decimal;

use super::{
    clean_account, clean_text, two_decimals, Balances, BankError, BankLine, StatementSummary,
};
use crate::source::UTF8_BOM;

/// The revision of this reader, kept with each import it reads (`ImportRecord::reader`): a camt
/// file an earlier revision read is read again when it comes back, its lines stored then not
/// stored twice. 1: statements of .001.08 on (`<Sts><Cd>BOOK</Cd></Sts>`) had every entry
/// dropped as not booked.
pub const READER_REVISION: u32 = 1;

/// Whether this reader reads a file of `version` (`camt.053.001.08`) otherwise than its revision
/// `earlier` did, so that a file that revision read is read again. Revision 1 mended .001.08 on.
pub fn reads_otherwise_than(earlier: u32, version: &str) -> bool {
    let minor = version
        .rsplit('.')
        .next()
        .and_then(|v| v.parse::<u32>().ok());
    earlier < READER_REVISION && minor.is_some_and(|v| v >= 8)
}

/// Longest element path read; camt nests about a dozen levels, so this refuses only hostile files
/// (and keeps quick-xml's depth counter far from wrapping).
const MAX_PATH: usize = 2_048;

/// What one `TxDtls` (or an entry without details) says.
#[derive(Default)]
struct Tx {
    amount: Option<(Decimal, Option<String>)>,
    credit: Option<bool>,
    bank_reference: Option<String>,
    end_to_end_id: Option<String>,
    debtor_name: Option<String>,
    debtor_account: Option<String>,
    creditor_name: Option<String>,
    creditor_account: Option<String>,
    ultimate_debtor: Option<String>,
    remittance: Vec<String>,
    structured_reference: Option<String>,
    /// Return information, or a bank transaction code of a return: money given back.
    returned: bool,
    /// The part of an entry's amount its transaction details leave out (a batch listing two
    /// of its three debits), made a line of its own so that no money is lost.
    rest: bool,
}

/// An entry being read.
#[derive(Default)]
struct Entry {
    number: usize,
    amount: Option<(Decimal, Option<String>)>,
    credit: Option<bool>,
    reversal: bool,
    /// A bank transaction code of a return (an unpaid direct debit, a payment returned).
    returned: bool,
    status: Option<String>,
    booking_date: Option<NaiveDate>,
    value_date: Option<NaiveDate>,
    bank_reference: Option<String>,
    entry_reference: Option<String>,
    info: Vec<String>,
    txs: Vec<Tx>,
    /// Its bank transaction code (domain, family, sub-family: `PMNT/IDDT/ESDD`; or the bank's
    /// own, `Prtry`).
    codes: Vec<String>,
    /// The number of transactions of a batch (`Btch/NbOfTxs`).
    batch_of: Option<String>,
}

/// The statement being read.
#[derive(Default)]
struct Statement {
    /// `Stmt` (camt.053) or `Ntfctn` (camt.054), for the places messages name.
    tag: &'static str,
    number: usize,
    id: Option<String>,
    account: Option<String>,
    currency: Option<String>,
    date: Option<NaiveDate>,
    /// The balances read, and the one being read.
    balances: Vec<Stated>,
    balance: Option<Balance>,
    /// What the booked entries add up to (credits less debits), and what was counted.
    booked: Decimal,
    credits: usize,
    debits: usize,
    reversals: usize,
    /// Pending or informational entries: not money yet, not in the balances.
    not_booked: usize,
    /// The currencies of the booked entries' amounts, as written.
    entry_currencies: Vec<String>,
}

/// A `Bal` of a statement being read.
#[derive(Default)]
struct Balance {
    /// `OPBD`, `PRCD`, `CLBD`, ... (`Tp/CdOrPrtry`).
    code: String,
    amount: Option<(Decimal, Option<String>)>,
    credit: Option<bool>,
}

/// A balance read whole: its code, its amount with its sign (a debit balance is below zero) and
/// the currency its `Amt` names.
struct Stated {
    code: String,
    amount: Decimal,
    currency: Option<String>,
}

/// Whether a path ends at an entry of a statement or a notification.
fn is_entry(path: &str) -> bool {
    path.ends_with("/Stmt/Ntry") || path.ends_with("/Ntfctn/Ntry")
}

/// How much of the file is parsed at once: the reader works on a slice of the file in memory
/// (quick-xml's fastest way, without copying each event out), refilled as it is used up.
const WINDOW: usize = 1 << 20;

/// The part of the file in memory, and where it lies in the file.
struct Window<R> {
    input: R,
    buf: Vec<u8>,
    /// Bytes of `buf` already parsed.
    used: usize,
    /// Where `buf` starts in the file.
    base: u64,
    /// The whole rest of the file is in `buf`.
    eof: bool,
    /// How much a refill reads at least.
    size: usize,
}

impl<R: Read> Window<R> {
    fn new(input: R, size: usize) -> Window<R> {
        Window {
            input,
            buf: Vec::with_capacity(size),
            used: 0,
            base: 0,
            eof: false,
            size: size.max(1),
        }
    }

    /// What is not parsed yet.
    fn rest(&self) -> &[u8] {
        &self.buf[self.used..]
    }

    /// Where `rest` starts in the file.
    fn offset(&self) -> u64 {
        self.base + self.used as u64
    }

    /// Drops what was parsed and reads on: a window's worth, or twice what is left when one
    /// event is longer than that (so every refill makes progress).
    fn refill(&mut self) -> std::io::Result<()> {
        self.buf.drain(..self.used);
        self.base += self.used as u64;
        self.used = 0;
        let want = self.size.max(self.buf.len() * 2) - self.buf.len();
        let got = (&mut self.input)
            .take(want as u64)
            .read_to_end(&mut self.buf)?;
        self.eof = got < want;
        Ok(())
    }
}

/// Whether a parse error is only the window ending inside an event, `left` bytes after the
/// event's start: the rest of the file may complete it.
fn cut_by_window(e: &quick_xml::Error, left: usize) -> bool {
    match e {
        // `<!` at the very end: which markup it opens is in the next bytes.
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => left <= "<![CDATA[".len(),
        quick_xml::Error::Syntax(_) => true,
        quick_xml::Error::IllFormed(IllFormedError::UnclosedReference) => true,
        _ => false,
    }
}

/// The error of a file that is not well-formed, at byte `at`.
fn not_well_formed(file: &str, at: u64, e: impl std::fmt::Display) -> BankError {
    BankError::new(
        file,
        format!("byte {at}"),
        format!("not well-formed XML: {e}"),
    )
}

/// A qualified name as quick-xml tells it in its errors.
fn name_text(name: &[u8]) -> String {
    std::str::from_utf8(name).unwrap_or_default().to_string()
}

/// Reads a camt.053 (or camt.054) message from `input`, handing each booked line to `emit`.
pub fn read<R: Read>(
    file: &str,
    input: R,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    read_in_windows(file, input, WINDOW, Balances::Refuse, emit)
}

/// [`read`], reading statements whose balances do not add up too, each mismatch named in the
/// summary's `unbalanced` (for a user who has no better file than this one).
pub fn read_accepting_unbalanced<R: Read>(
    file: &str,
    input: R,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    read_in_windows(file, input, WINDOW, Balances::Record, emit)
}

/// [`read`], parsing `window` bytes at a time (the tests take small windows, so that events,
/// characters and references are cut at every place a window can end).
fn read_in_windows<R: Read>(
    file: &str,
    input: R,
    window: usize,
    balances: Balances,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let io_error =
        |at: u64, e: std::io::Error| not_well_formed(file, at, quick_xml::Error::from(e));
    let mut window = Window::new(input, window);
    window.refill().map_err(|e| io_error(0, e))?;
    let mut reading = Reading::new(file, balances);
    loop {
        let (rest, eof) = (window.rest(), window.eof);
        // A reader skips a byte order mark it starts at without counting it; where the file
        // goes on, and the places in messages, count it. (Past the file's start no window
        // starts at one: see below.)
        let bom = if rest.starts_with(&UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        let offset = window.offset() + bom as u64;
        let left = rest.len() - bom;
        let mut reader = Reader::from_reader(rest);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        // A reader starts afresh on each window, knowing nothing of what is open: `Reading`
        // checks the end tags.
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        // Where in the window to go on from, when it ends inside an event.
        let parsed = loop {
            let at = reader.buffer_position() as usize;
            let event = reader.read_event();
            let after = reader.buffer_position();
            match event {
                Ok(Event::Eof) if eof => return reading.finish(),
                Ok(Event::Eof) => break at,
                // A text may go on past the window (and a character be cut in two).
                Ok(Event::Text(_)) if !eof && after as usize == left => break at,
                Ok(event) => reading.event(event, offset + after, emit)?,
                Err(e) if !eof && cut_by_window(&e, left - at) => break at,
                Err(e) => return Err(not_well_formed(file, offset + after, e)),
            }
        };
        window.used += bom + parsed;
        window.refill().map_err(|e| io_error(window.offset(), e))?;
        // A fresh reader would drop a byte order mark it starts at; inside the file it is text.
        while window.offset() > 0 && window.rest().starts_with(&UTF8_BOM) {
            reading.add_text("\u{feff}")?;
            window.used += UTF8_BOM.len();
            if window.rest().len() < UTF8_BOM.len() && !window.eof {
                window.refill().map_err(|e| io_error(window.offset(), e))?;
            }
        }
    }
}

/// What the reader knows as it goes through the file's events.
struct Reading<'f> {
    file: &'f str,
    /// What a statement that does not add up does.
    balances: Balances,
    /// Local names from the root, joined by '/'.
    path: String,
    /// The open elements' qualified names, one after the other, to check the end tags against.
    names: Vec<u8>,
    /// For each open element, where it starts in `path` and in `names`: what its end tag cuts
    /// them back to.
    marks: Vec<(usize, usize)>,
    /// The text of the element being read.
    text: String,
    attr_ccy: Option<String>,
    summary: StatementSummary,
    stmt: Statement,
    entry: Option<Entry>,
    entries: usize,
    root_checked: bool,
    /// Where the path of a field inside the current statement or entry starts.
    stmt_base: usize,
    entry_base: usize,
    /// Statements that give no date of their own (seen in .08) are dated by their message.
    message_date: Option<NaiveDate>,
}

impl<'f> Reading<'f> {
    fn new(file: &'f str, balances: Balances) -> Reading<'f> {
        Reading {
            file,
            balances,
            path: String::with_capacity(256),
            names: Vec::with_capacity(512),
            marks: Vec::with_capacity(32),
            text: String::new(),
            attr_ccy: None,
            summary: StatementSummary {
                format: "camt.053".into(),
                ..Default::default()
            },
            stmt: Statement::default(),
            entry: None,
            entries: 0,
            root_checked: false,
            stmt_base: 0,
            entry_base: 0,
            message_date: None,
        }
    }

    /// Takes one event; the file stands at byte `at` after it. (Inlined, with `start`, into the
    /// window's loop: a call per event cost 4% of the reader's instructions.)
    #[inline(always)]
    fn event(
        &mut self,
        event: Event<'_>,
        at: u64,
        emit: &mut dyn FnMut(BankLine),
    ) -> Result<(), BankError> {
        let file = self.file;
        match event {
            Event::DocType(_) => Err(BankError::new(
                file,
                "DOCTYPE",
                "bank statements never use a DOCTYPE; entity declarations are refused",
            )),
            Event::Start(e) => self.start(&e),
            Event::Text(t) => push_text(&mut self.text, &t.into_inner(), file, &self.path),
            Event::CData(t) => push_text(&mut self.text, &t.into_inner(), file, &self.path),
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                match crate::xml::entity(&name) {
                    Some(c) => {
                        self.text.push(c);
                        Ok(())
                    }
                    None => Err(BankError::new(
                        file,
                        self.path.clone(),
                        format!(
                            "uses the undeclared entity &{};",
                            String::from_utf8_lossy(&name)
                        ),
                    )),
                }
            }
            Event::End(e) => self.end(e.name().as_ref(), at, emit),
            _ => Ok(()),
        }
    }

    /// Adds text to the element being read.
    fn add_text(&mut self, s: &str) -> Result<(), BankError> {
        push_text(&mut self.text, s.as_bytes(), self.file, &self.path)
    }

    #[inline(always)]
    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>) -> Result<(), BankError> {
        let file = self.file;
        let path = &mut self.path;
        self.marks.push((path.len(), self.names.len()));
        self.names.extend_from_slice(e.name().as_ref());
        let name = e.local_name();
        let local = std::str::from_utf8(name.as_ref()).unwrap_or("?");
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(local);
        if path.len() > MAX_PATH {
            return Err(BankError::new(
                file,
                crate::values::excerpt(path).into_owned(),
                "elements nest deeper than any camt message does; the file is refused",
            ));
        }
        self.text.clear();
        self.attr_ccy = None;
        if !self.root_checked {
            self.root_checked = true;
            let ns = e
                .attributes()
                .flatten()
                .filter(|a| a.key.as_ref().starts_with(b"xmlns"))
                .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                .find(|v| v.contains(":xsd:camt."))
                .unwrap_or_default();
            if local != "Document" || !(ns.contains("camt.053") || ns.contains("camt.054")) {
                return Err(BankError::new(
                    file,
                    format!("root element {local}"),
                    format!(
                        "not a camt.053 statement nor a camt.054 notification (namespace '{ns}')"
                    ),
                ));
            }
            if let Some(v) = ns.rsplit(':').next() {
                self.summary.format = v.to_string();
            }
        }
        match local {
            "Stmt" | "Ntfctn"
                if path.ends_with("/BkToCstmrStmt/Stmt")
                    || path.ends_with("/BkToCstmrDbtCdtNtfctn/Ntfctn") =>
            {
                self.stmt_base = path.len() + 1;
                self.summary.statements += 1;
                self.stmt = Statement {
                    tag: if local == "Stmt" { "Stmt" } else { "Ntfctn" },
                    number: self.summary.statements,
                    date: self.message_date,
                    ..Default::default()
                };
            }
            "Ntry" if is_entry(path) => {
                self.entry_base = path.len() + 1;
                self.entries += 1;
                self.entry = Some(Entry {
                    number: self.entries,
                    ..Default::default()
                });
            }
            "TxDtls" => {
                if let Some(en) = self.entry.as_mut() {
                    en.txs.push(Tx::default());
                }
            }
            "Bal" if path.ends_with("/Stmt/Bal") => {
                self.stmt.balance = Some(Balance::default());
            }
            "Amt" => {
                self.attr_ccy = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"Ccy")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
            }
            _ => {}
        }
        Ok(())
    }

    /// An end tag named `end`; told as quick-xml tells a mismatch when it is not the open
    /// element's.
    fn end(
        &mut self,
        end: &[u8],
        at: u64,
        emit: &mut dyn FnMut(BankLine),
    ) -> Result<(), BankError> {
        let file = self.file;
        let ill_formed = |e| not_well_formed(file, at, quick_xml::Error::IllFormed(e));
        let Some((path_mark, mark)) = self.marks.pop() else {
            return Err(ill_formed(IllFormedError::UnmatchedEndTag(name_text(end))));
        };
        if self.names[mark..] != *end {
            return Err(ill_formed(IllFormedError::MismatchedEndTag {
                expected: name_text(&self.names[mark..]),
                found: name_text(end),
            }));
        }
        self.names.truncate(mark);
        let (path, stmt) = (&self.path, &mut self.stmt);
        if is_entry(path) {
            if let Some(en) = self.entry.take() {
                self.summary.lines += finish_entry(file, en, stmt, emit)?;
            }
        } else if let Some(en) = self.entry.as_mut() {
            let rel = path.get(self.entry_base..).unwrap_or("");
            let number = en.number;
            let place = || format!("statement {}, entry {number} (element {path})", stmt.number);
            read_entry_field(
                en,
                rel,
                &field(file, &self.text, &mut self.attr_ccy, &place),
            )?;
        } else if self.stmt_base > 0 && path.len() > self.stmt_base {
            let number = stmt.number;
            let place = || format!("statement {number} (element {path})");
            let rel = &path[self.stmt_base..];
            read_statement_field(
                stmt,
                rel,
                &field(file, &self.text, &mut self.attr_ccy, &place),
            )?;
        } else if path.ends_with("/BkToCstmrStmt/Stmt") {
            if let Some(mismatch) = check_balances(file, stmt)? {
                self.balances
                    .settle(file, stmt_place(stmt), mismatch, &mut self.summary)?;
            }
        } else if path.ends_with("/GrpHdr/CreDtTm") {
            self.message_date = date_of(&self.text);
        }
        self.text.clear();
        self.path.truncate(path_mark);
        Ok(())
    }

    /// The end of the file: what was read, unless the file was cut off or held no statement.
    fn finish(self) -> Result<StatementSummary, BankError> {
        let file = self.file;
        if !self.path.is_empty() {
            return Err(BankError::new(
                file,
                element_place(&self.stmt, self.entry.as_ref(), &self.path),
                "the file ends inside this element: it is cut off; ask the bank for the complete \
                 statement",
            ));
        }
        if !self.root_checked {
            return Err(BankError::new(file, "file", "no XML content"));
        }
        if self.summary.statements == 0 {
            return Err(BankError::new(
                file,
                "BkToCstmrStmt",
                "a camt.053 message without any Stmt (or camt.054 without any Ntfctn): there is no \
                 statement in it",
            ));
        }
        Ok(self.summary)
    }
}

/// Adds to an element's text, invalid UTF-8 replaced (checked the fast way first: it almost
/// never is); refused when the text grows longer than a field may be.
fn push_text(text: &mut String, raw: &[u8], file: &str, path: &str) -> Result<(), BankError> {
    match std::str::from_utf8(raw) {
        Ok(s) => text.push_str(s),
        Err(_) => text.push_str(&String::from_utf8_lossy(raw)),
    }
    match crate::values::field_too_long(text) {
        Some(why) => Err(BankError::new(file, path.to_string(), why)),
        None => Ok(()),
    }
}

/// "Stmt[1]/Ntry[3]: Document/.../Amt", the place a person looks for.
fn element_place(stmt: &Statement, entry: Option<&Entry>, path: &str) -> String {
    match entry {
        Some(en) => format!(
            "statement {}, entry {} (element {path})",
            stmt.number, en.number
        ),
        None => format!("element {path}"),
    }
}

/// The element that just ended, as its reader needs it (the currency of an `Amt` taken).
fn field<'a>(
    file: &'a str,
    text: &'a str,
    ccy: &mut Option<String>,
    place: &'a dyn Fn() -> String,
) -> Field<'a> {
    Field {
        file,
        text,
        ccy: ccy.take(),
        place,
    }
}

/// One element's text as it ends, with what reading it needs: the file, where the element is,
/// and the currency an `Amt` gives.
struct Field<'a> {
    file: &'a str,
    text: &'a str,
    ccy: Option<String>,
    place: &'a dyn Fn() -> String,
}

impl Field<'_> {
    /// What is wrong with this element, at its place.
    fn error(&self, message: &str) -> BankError {
        BankError::new(self.file, (self.place)(), message)
    }

    /// What is wrong with this element's text, quoting it.
    fn bad(&self, what: &str) -> BankError {
        self.error(&format!("{what} '{}'", self.text.trim()))
    }

    /// An `Amt`: a positive number with no more decimals than its currency has (more would be
    /// rounded into phantom cents), below the largest amount incasso accepts.
    fn amount(&self) -> Result<(Decimal, Option<String>), BankError> {
        let v = Decimal::from_str(self.text.trim()).map_err(|_| self.bad("not an amount:"))?;
        if !incasso_core::money::within_limit(v) {
            return Err(self.bad("beyond the largest amount incasso accepts (10000000000000):"));
        }
        let minor = self
            .ccy
            .as_deref()
            .and_then(|c| incasso_core::money::Currency::parse(c).ok())
            .map_or(2, |c| c.minor_units());
        if v.normalize().scale() > minor {
            return Err(self.bad(&format!("more decimals than the currency has ({minor}):")));
        }
        if v.is_sign_negative() {
            return Err(self.bad("a negative amount (the sign belongs in CdtDbtInd):"));
        }
        Ok((v, self.ccy.clone()))
    }

    /// A `CdtDbtInd`: true for a credit.
    fn credit(&self) -> Result<bool, BankError> {
        match self.text.trim() {
            "CRDT" => Ok(true),
            "DBIT" => Ok(false),
            _ => Err(self.bad("CdtDbtInd must be CRDT or DBIT, not")),
        }
    }

    /// A date or date-time.
    fn date(&self) -> Result<NaiveDate, BankError> {
        date_of(self.text).ok_or_else(|| self.bad("not a date:"))
    }
}

fn read_statement_field(stmt: &mut Statement, rel: &str, f: &Field<'_>) -> Result<(), BankError> {
    let text = f.text;
    if let Some(bal) = stmt.balance.as_mut() {
        match rel {
            "Bal/Tp/CdOrPrtry/Cd" | "Bal/Tp/CdOrPrtry/Prtry" => {
                bal.code = text.trim().to_ascii_uppercase()
            }
            "Bal/Amt" => bal.amount = Some(f.amount()?),
            "Bal/CdtDbtInd" => bal.credit = Some(f.credit()?),
            "Bal" => {
                let Some((amount, currency)) = bal.amount.take() else {
                    return Err(f.error("a balance without Amt"));
                };
                let amount = if bal.credit == Some(false) {
                    -amount
                } else {
                    amount
                };
                let code = std::mem::take(&mut bal.code);
                stmt.balances.push(Stated {
                    code,
                    amount,
                    currency,
                });
                stmt.balance = None;
            }
            _ => {}
        }
    }
    match rel {
        "Id" => stmt.id = non_empty(text),
        "Acct/Id/IBAN" | "Acct/Id/Othr/Id" => stmt.account = clean_account(text),
        "Acct/Ccy" => stmt.currency = Some(text.trim().to_string()),
        "CreDtTm" | "FrToDt/ToDtTm" | "Bal/Dt/Dt" | "Bal/Dt/DtTm" => {
            if let Some(d) = date_of(text) {
                stmt.date = Some(d);
            }
        }
        _ => {}
    }
    Ok(())
}

/// "statement 2 (Id 2026-11-02)", the place a person finds a statement by.
fn stmt_place(stmt: &Statement) -> String {
    match &stmt.id {
        Some(id) => format!("statement {} (Id {id})", stmt.number),
        None => format!("statement {}", stmt.number),
    }
}

/// Whether a statement adds up: its booked opening balance (`OPBD`, else the previous closing
/// `PRCD`) plus its booked entries is its closing balance (`CLBD`); the mismatch in words when
/// it does not. A statement without both balances is not checked.
fn check_balances(file: &str, stmt: &Statement) -> Result<Option<String>, BankError> {
    let find = |code: &str| stmt.balances.iter().find(|b| b.code == code);
    let (Some(opening), Some(closing)) = (find("OPBD").or_else(|| find("PRCD")), find("CLBD"))
    else {
        return Ok(None);
    };
    let currency = |b: &Stated| {
        b.currency
            .clone()
            .or_else(|| stmt.currency.clone())
            .unwrap_or_default()
    };
    let (open_ccy, close_ccy) = (currency(opening), currency(closing));
    if open_ccy != close_ccy {
        return Ok(Some(format!(
            "the closing balance (CLBD) is in {close_ccy} but the opening balance ({}) in \
             {open_ccy}",
            opening.code
        )));
    }
    let (open, close) = (opening.amount, closing.amount);
    let sum = open.checked_add(stmt.booked).ok_or_else(|| {
        BankError::new(
            file,
            stmt_place(stmt),
            "the amounts are too large to add up",
        )
    })?;
    if sum == close {
        return Ok(None);
    }
    let others: Vec<&str> = stmt
        .entry_currencies
        .iter()
        .map(String::as_str)
        .filter(|c| *c != close_ccy)
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!(", amounts in {} besides {close_ccy}", others.join(", "))
    };
    Ok(Some(format!(
        "the entries do not add up: opening balance {} {} + booked entries {} = {} but the \
         closing balance CLBD says {}; every entry was read: {} booked ({} credits, {} debits, \
         {} reversals){others}, {} pending or informational not counted",
        opening.code,
        two_decimals(open),
        two_decimals(stmt.booked),
        two_decimals(sum),
        two_decimals(close),
        stmt.credits + stmt.debits,
        stmt.credits,
        stmt.debits,
        stmt.reversals,
        stmt.not_booked,
    )))
}

fn read_entry_field(en: &mut Entry, rel: &str, f: &Field<'_>) -> Result<(), BankError> {
    let text = f.text;
    if let Some(tx_rel) = rel.strip_prefix("NtryDtls/TxDtls/") {
        // A damaged file can close a detail field whose TxDtls never opened inside this entry.
        let Some(tx) = en.txs.last_mut() else {
            return Err(f.bad("a transaction detail outside any TxDtls of its entry:"));
        };
        return read_tx_field(tx, tx_rel, f);
    }
    match rel {
        "Amt" => en.amount = Some(f.amount()?),
        "CdtDbtInd" => en.credit = Some(f.credit()?),
        "RvslInd" => en.reversal = matches!(text.trim(), "true" | "1"),
        "BkTxCd/Domn/Fmly/SubFmlyCd" => {
            en.returned |= is_return_code(text);
            en.codes.extend(clean_text(text));
        }
        "BkTxCd/Domn/Cd" | "BkTxCd/Domn/Fmly/Cd" | "BkTxCd/Prtry/Cd" => {
            en.codes.extend(clean_text(text))
        }
        "NtryDtls/Btch/NbOfTxs" => en.batch_of = non_empty(text),
        // `<Sts>BOOK</Sts>` up to .001.07, `<Sts><Cd>BOOK</Cd></Sts>` from .001.08 on: there the
        // end of `Sts` comes after its code's, with no text of its own.
        "Sts" if text.trim().is_empty() => {}
        "Sts" | "Sts/Cd" | "Sts/Prtry" => en.status = Some(text.trim().to_string()),
        "BookgDt/Dt" | "BookgDt/DtTm" | "BookgDt/Dt/DtTm" => en.booking_date = Some(f.date()?),
        "ValDt/Dt" | "ValDt/DtTm" | "ValDt/Dt/DtTm" => en.value_date = Some(f.date()?),
        "AcctSvcrRef" => en.bank_reference = non_empty(text),
        "NtryRef" => en.entry_reference = non_empty(text),
        "AddtlNtryInf" => en.info.extend(clean_text(text)),
        _ => {}
    }
    Ok(())
}

/// Whether an ISO 20022 bank transaction sub-family code names money given back: an unpaid
/// direct debit (`UPDD`), a reversal due to a payment reversal (`PRDD`), to a return (`RRTN`)
/// or to a cancellation request (`RPCR`).
fn is_return_code(code: &str) -> bool {
    matches!(code.trim(), "UPDD" | "PRDD" | "RRTN" | "RPCR")
}

fn read_tx_field(tx: &mut Tx, rel: &str, f: &Field<'_>) -> Result<(), BankError> {
    let text = f.text;
    let party = rel.strip_prefix("RltdPties/").unwrap_or("");
    match rel {
        "Amt" | "AmtDtls/TxAmt/Amt" => tx.amount = Some(f.amount()?),
        "CdtDbtInd" => tx.credit = Some(f.credit()?),
        "Refs/AcctSvcrRef" => tx.bank_reference = non_empty(text),
        "Refs/EndToEndId" => {
            tx.end_to_end_id = non_empty(text).filter(|s| !s.eq_ignore_ascii_case("NOTPROVIDED"))
        }
        // The numbers of the invoices a structured remittance names (`RfrdDocInf/Nb`, as
        // packages paying several invoices write them) are part of its text (review 43a, F-3).
        "RmtInf/Ustrd" | "AddtlTxInf" | "RmtInf/Strd/AddtlRmtInf" | "RmtInf/Strd/RfrdDocInf/Nb" => {
            tx.remittance.extend(clean_text(text))
        }
        // The part of the transfer each invoice named gets, after its number as a payer writes
        // it in a text (`F2026-0308 (300.00)`), so matching splits as the payer did (review
        // 43b, F-7).
        "RmtInf/Strd/RfrdDocAmt/RmtdAmt" => {
            if let Ok(a) = Decimal::from_str(text.trim()) {
                tx.remittance.push(format!("({a})"));
            }
        }
        "RmtInf/Strd/CdtrRefInf/Ref" => tx.structured_reference = non_empty(text),
        "BkTxCd/Domn/Fmly/SubFmlyCd" => tx.returned |= is_return_code(text),
        _ if rel.starts_with("RtrInf/") => tx.returned = true,
        _ => match party {
            "Dbtr/Nm" | "Dbtr/Pty/Nm" => tx.debtor_name = clean_text(text),
            "DbtrAcct/Id/IBAN" | "DbtrAcct/Id/Othr/Id" => tx.debtor_account = clean_account(text),
            "Cdtr/Nm" | "Cdtr/Pty/Nm" => tx.creditor_name = clean_text(text),
            "CdtrAcct/Id/IBAN" | "CdtrAcct/Id/Othr/Id" => tx.creditor_account = clean_account(text),
            "UltmtDbtr/Nm" | "UltmtDbtr/Pty/Nm" => tx.ultimate_debtor = clean_text(text),
            _ => {}
        },
    }
    Ok(())
}

/// Emits the lines of a finished entry; returns how many.
fn finish_entry(
    file: &str,
    mut en: Entry,
    stmt: &mut Statement,
    emit: &mut dyn FnMut(BankLine),
) -> Result<usize, BankError> {
    let (number, entry_number) = (stmt.number, en.number);
    let place = || format!("statement {number}, entry {entry_number}");
    if en
        .status
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case("BOOK"))
    {
        stmt.not_booked += 1;
        return Ok(0); // pending or informational: not money yet
    }
    let (entry_amount, entry_ccy) = en
        .amount
        .clone()
        .ok_or_else(|| BankError::new(file, place(), "entry without Amt"))?;
    let entry_credit = en
        .credit
        .ok_or_else(|| BankError::new(file, place(), "entry without CdtDbtInd"))?;
    // What the balances are checked against: the entry's own amount, however it is detailed.
    let moved = if entry_credit {
        entry_amount
    } else {
        -entry_amount
    };
    stmt.booked = stmt
        .booked
        .checked_add(moved)
        .ok_or_else(|| BankError::new(file, place(), "the amounts are too large to add up"))?;
    if entry_credit {
        stmt.credits += 1;
    } else {
        stmt.debits += 1;
    }
    stmt.reversals += usize::from(en.reversal || en.returned || en.txs.iter().any(|t| t.returned));
    if let Some(c) = &entry_ccy {
        if !stmt.entry_currencies.contains(c) {
            stmt.entry_currencies.push(c.clone());
        }
    }
    let stmt = &*stmt;
    let booking_date = en
        .booking_date
        .or(en.value_date)
        .or(stmt.date)
        .ok_or_else(|| BankError::new(file, place(), "entry without BookgDt or ValDt"))?;
    let currency_of = |ccy: &Option<String>| {
        let code = ccy.as_deref().or(stmt.currency.as_deref()).unwrap_or("EUR");
        Currency::parse(code).map_err(|_| {
            BankError::new(
                file,
                place(),
                format!("unknown currency '{code}' in Amt/@Ccy"),
            )
        })
    };
    let all_have_amounts = !en.txs.is_empty() && en.txs.iter().all(|t| t.amount.is_some());
    let txs: Vec<Tx> = if all_have_amounts {
        let mut txs = std::mem::take(&mut en.txs);
        // Details that do not add up to the entry (a batch of three listing two): the rest is
        // money too, of nobody the file names.
        let one_currency = txs.iter().all(|t| {
            t.amount.as_ref().is_some_and(|(_, c)| {
                c.is_none() || entry_ccy.is_none() || c.as_deref() == entry_ccy.as_deref()
            })
        });
        let listed: Decimal = txs
            .iter()
            .filter_map(|t| {
                let (a, _) = t.amount.as_ref()?;
                Some(if t.credit.unwrap_or(entry_credit) {
                    *a
                } else {
                    -*a
                })
            })
            .sum();
        let rest = moved - listed;
        if one_currency && !rest.is_zero() {
            txs.push(Tx {
                amount: Some((rest.abs(), entry_ccy.clone())),
                credit: Some(rest > Decimal::ZERO),
                rest: true,
                ..Tx::default()
            });
        }
        txs
    } else {
        // Details without their own amounts describe the entry as a whole: fold them into one.
        // Where they name different parties, no one of them is the line's: the first would
        // take the others' money (review 43a, F-7); the names go into its text.
        let txs = std::mem::take(&mut en.txs);
        let count = txs.len();
        let parties: std::collections::HashSet<[Option<&String>; 4]> = txs
            .iter()
            .map(|t| {
                [
                    t.debtor_name.as_ref(),
                    t.debtor_account.as_ref(),
                    t.creditor_name.as_ref(),
                    t.creditor_account.as_ref(),
                ]
            })
            .collect();
        let mixed = parties.len() > 1;
        let names: Vec<String> = txs
            .iter()
            .filter_map(|t| t.debtor_name.clone().or_else(|| t.creditor_name.clone()))
            .collect();
        let mut one = Tx::default();
        for t in txs {
            merge_tx(&mut one, t);
        }
        if mixed {
            one.debtor_name = None;
            one.debtor_account = None;
            one.creditor_name = None;
            one.creditor_account = None;
            one.ultimate_debtor = None;
            one.remittance.push(format!(
                "(one entry for {count} transfers without their amounts, from {})",
                names.join(", ")
            ));
        }
        vec![one]
    };
    // Whether the entry lists several transactions (the rest of one it lists is not one of
    // them: its single line keeps the place and reference it always had).
    let several = txs.iter().filter(|t| !t.rest).count() > 1;
    // What kind of entry it is, in the bank's words: its transaction code, or where it has
    // none, that it is a batch (one with a code says what batch: card payments, PMNT/CCRD/POSC,
    // are no collection).
    let kind = match (&en.batch_of, en.codes.is_empty()) {
        (_, false) => Some(en.codes.join("/")),
        (Some(n), true) => Some(format!("batch of {n}")),
        (None, true) => None,
    };
    let mut n = 0;
    for (i, tx) in txs.into_iter().enumerate() {
        let (amount, ccy) = tx
            .amount
            .clone()
            .unwrap_or((entry_amount, entry_ccy.clone()));
        let credit = tx.credit.unwrap_or(entry_credit);
        // A reversal of a debit brings money back in; the indicator names the original side. A
        // return without the indicator (an unpaid direct debit, a payment given back) is one too.
        let signed = if credit { amount } else { -amount };
        // Money out the entry's own words call a return (`TERUGBOEKING INCASSO` in
        // `AddtlNtryInf` beside a transaction's text) gives a payment back too (review 43a, F-6).
        let reversal = en.reversal
            || en.returned
            || tx.returned
            || (!credit
                && en
                    .info
                    .iter()
                    .any(|i| incasso_core::matching::says_returned(Some(i), None)));
        let own = stmt.account.as_deref();
        // The party a transfer pays for (`UltmtDbtr`: a group's payment company paying for one
        // of its firms, an office for its client) is the payer matching looks for; the account
        // stays the one the money came from (review 43a, F-5).
        let payer = (tx.ultimate_debtor.or(tx.debtor_name), tx.debtor_account);
        let payee = (tx.creditor_name, tx.creditor_account);
        // Of a reversal, the party that matters is the one of the original line (the payer of
        // a direct debit given back), which banks write as either side: the one that is not us.
        let usable = |p: &(Option<String>, Option<String>)| {
            (p.0.is_some() || p.1.is_some()) && (p.1.is_none() || p.1.as_deref() != own)
        };
        let (name, account) = match (credit, reversal) {
            (false, true) if usable(&payer) => payer,
            (true, true) if usable(&payee) => payee,
            (true, _) => payer,
            (false, _) => payee,
        };
        let mut texts = tx.remittance;
        if texts.is_empty() {
            texts.extend(en.info.iter().cloned());
        }
        if tx.rest {
            texts.push(format!(
                "rest of the entry, {} of its transactions listed",
                i
            ));
        }
        let bank_reference = match (tx.bank_reference, &en.bank_reference) {
            (Some(r), _) => Some(r),
            (None, Some(r)) if tx.rest => Some(format!("{r}/rest")),
            (None, Some(r)) if several => Some(format!("{r}/{}", i + 1)),
            (None, r) => r.clone().or_else(|| en.entry_reference.clone()),
        }
        .or_else(|| {
            // A notification names one event: its Id (unique per message, and kept by a copy or
            // duplicate of it) and the entry's place tell a second notification of a transfer
            // alike from the same one downloaded or sent again.
            match (&stmt.id, stmt.tag) {
                (Some(id), "Ntfctn") if several => Some(format!("{id}/{}/{}", en.number, i + 1)),
                (Some(id), "Ntfctn") => Some(format!("{id}/{}", en.number)),
                _ => None,
            }
        });
        let location = if tx.rest {
            Location::Element(format!(
                "{}[{}]/Ntry[{}]/NtryDtls",
                stmt.tag, stmt.number, en.number
            ))
        } else if several {
            Location::Element(format!(
                "{}[{}]/Ntry[{}]/NtryDtls/TxDtls[{}]",
                stmt.tag,
                stmt.number,
                en.number,
                i + 1
            ))
        } else {
            Location::Element(format!("{}[{}]/Ntry[{}]", stmt.tag, stmt.number, en.number))
        };
        emit(BankLine {
            account: stmt.account.clone(),
            booking_date,
            value_date: en.value_date,
            amount: signed,
            currency: currency_of(&ccy)?,
            counterparty_name: name,
            counterparty_account: account,
            remittance: (!texts.is_empty()).then(|| texts.join(" ")),
            structured_reference: tx.structured_reference,
            end_to_end_id: tx.end_to_end_id,
            bank_reference,
            reversal,
            kind: kind.clone(),
            location,
            statement: stmt.id.clone().filter(|_| stmt.tag == "Stmt"),
            format: if stmt.tag == "Stmt" {
                "camt.053"
            } else {
                "camt.054"
            },
        });
        n += 1;
    }
    Ok(n)
}

fn merge_tx(into: &mut Tx, t: Tx) {
    fn keep<T>(a: &mut Option<T>, b: Option<T>) {
        if a.is_none() {
            *a = b;
        }
    }
    keep(&mut into.credit, t.credit);
    keep(&mut into.bank_reference, t.bank_reference);
    keep(&mut into.end_to_end_id, t.end_to_end_id);
    keep(&mut into.debtor_name, t.debtor_name);
    keep(&mut into.debtor_account, t.debtor_account);
    keep(&mut into.creditor_name, t.creditor_name);
    keep(&mut into.creditor_account, t.creditor_account);
    keep(&mut into.ultimate_debtor, t.ultimate_debtor);
    keep(&mut into.structured_reference, t.structured_reference);
    into.remittance.extend(t.remittance);
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The calendar date of an ISO date or date-time, as the bank wrote it (its local day).
fn date_of(text: &str) -> Option<NaiveDate> {
    let head = text.trim().get(..10)?;
    // Banks write four, two and two digits: read so without a format string, as a statement
    // holds two dates a line; anything else as chrono reads `%Y-%m-%d`.
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *head.as_bytes() {
        let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            return NaiveDate::from_ymd_opt(
                n(&digits[..4]) as i32,
                n(&digits[4..6]),
                n(&digits[6..]),
            );
        }
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_reads_them() {
        for t in [
            "2026-02-28",
            " 2026-12-31T23:59:59+01:00 ",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "2026-1-01x",
            "+2026-01-01",
            "26-01-2026",
            "2026-01-0",
            "",
        ] {
            let chrono = t
                .trim()
                .get(..10)
                .and_then(|h| NaiveDate::parse_from_str(h, "%Y-%m-%d").ok());
            assert_eq!(date_of(t), chrono, "{t:?}");
        }
    }

    fn read_str(xml: &str) -> Result<Vec<BankLine>, BankError> {
        let mut lines = Vec::new();
        read("t.xml", xml.as_bytes(), &mut |l| lines.push(l))?;
        Ok(lines)
    }

    const HEAD: &str = r#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id><Acct><Id><IBAN>NL91 ABNA 0417 1643 00</IBAN></Id><Ccy>EUR</Ccy></Acct>"#;
    const TAIL: &str = "</Stmt></BkToCstmrStmt></Document>";

    /// A balance of a statement, as banks write it.
    fn bal(code: &str, amount: &str, side: &str) -> String {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{amount}</Amt>\
             <CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>"
        )
    }

    /// One entry of a statement.
    fn entry(amount: &str, side: &str, status: &str, reversal: bool) -> String {
        let rvsl = if reversal {
            "<RvslInd>true</RvslInd>"
        } else {
            ""
        };
        format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>{rvsl}\
             <Sts>{status}</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>"
        )
    }

    /// Reads a statement with the balances checked (`Refuse`) or recorded (`Record`).
    fn read_balanced(xml: &str, mode: Balances) -> (Result<StatementSummary, BankError>, usize) {
        let mut n = 0;
        let r = read_in_windows("t.xml", xml.as_bytes(), WINDOW, mode, &mut |_| n += 1);
        (r, n)
    }

    #[test]
    fn balances_that_add_up_are_read() {
        // Opening debit -10.00, +120.50 in, -30.00 out, a returned debit (+5.25 back in), a
        // pending credit that is not money yet: closing 85.75.
        let entries = [
            entry("120.50", "CRDT", "BOOK", false),
            entry("30.00", "DBIT", "BOOK", false),
            entry("5.25", "CRDT", "BOOK", true),
            entry("99.00", "CRDT", "PDNG", false),
        ]
        .concat();
        for opening in ["OPBD", "PRCD"] {
            let xml = format!(
                "{HEAD}{}{}{entries}{TAIL}",
                bal(opening, "10.00", "DBIT"),
                bal("CLBD", "85.75", "CRDT")
            );
            let (r, n) = read_balanced(&xml, Balances::Refuse);
            let s = r.unwrap_or_else(|e| panic!("{opening}: {e}"));
            assert_eq!((s.lines, n), (3, 3), "{opening}");
            assert!(s.unbalanced.is_empty());
        }
        // Without a booked opening or closing balance there is nothing to check against.
        for balances in [
            bal("CLBD", "1.00", "CRDT"),
            bal("OPBD", "1.00", "CRDT"),
            bal("OPAV", "1.00", "CRDT") + &bal("CLAV", "2.00", "CRDT"),
        ] {
            let xml = format!("{HEAD}{balances}{entries}{TAIL}");
            let (r, n) = read_balanced(&xml, Balances::Refuse);
            assert_eq!(r.unwrap().lines, 3, "{balances}");
            assert_eq!(n, 3);
        }
    }

    #[test]
    fn balances_that_do_not_add_up_are_refused_or_recorded() {
        // An entry missing from the statement: 100.00 + 20.00 is not the 150.00 it closes on.
        let xml = format!(
            "{HEAD}{}{}{}{}{TAIL}",
            bal("OPBD", "100.00", "CRDT"),
            entry("20.00", "CRDT", "BOOK", false),
            entry("7.00", "CRDT", "INFO", false),
            bal("CLBD", "150", "CRDT"),
        );
        let (r, _) = read_balanced(&xml, Balances::Refuse);
        let e = r.unwrap_err();
        assert_eq!(e.file, "t.xml");
        assert_eq!(e.place, "statement 1 (Id S1)");
        assert!(
            e.message.contains(
                "opening balance OPBD 100.00 + booked entries 20.00 = 120.00 but the closing \
                 balance CLBD says 150.00; every entry was read: 1 booked (1 credits, 0 debits, \
                 0 reversals), 1 pending or informational not counted"
            ) && e.message.contains("--accept-unbalanced"),
            "{e}"
        );
        let (r, n) = read_balanced(&xml, Balances::Record);
        let s = r.unwrap();
        assert_eq!((s.lines, n), (1, 1));
        assert_eq!(s.unbalanced.len(), 1);
        assert!(
            s.unbalanced[0].starts_with("statement 1 (Id S1): the entries do not add up"),
            "{:?}",
            s.unbalanced
        );
        // `read` checks them.
        assert!(read_str(&xml).is_err());
    }

    #[test]
    fn bad_balances_name_the_element() {
        let cases = [
            (bal("OPBD", "1.000,00", "CRDT"), "not an amount: '1.000,00'"),
            (bal("OPBD", "-5.00", "CRDT"), "a negative amount"),
            (bal("OPBD", "5.001", "CRDT"), "more decimals than the currency has"),
            (bal("OPBD", "5.00", "CR"), "CdtDbtInd must be CRDT or DBIT, not 'CR'"),
            (
                "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><CdtDbtInd>CRDT</CdtDbtInd></Bal>"
                    .to_string(),
                "a balance without Amt",
            ),
        ];
        for (balance, why) in cases {
            let xml = format!("{HEAD}{balance}{TAIL}");
            let e = read_str(&xml).unwrap_err();
            assert!(e.message.contains(why), "{balance}: {e}");
            assert!(
                e.place
                    .starts_with("statement 1 (element Document/BkToCstmrStmt/Stmt/Bal"),
                "{e}"
            );
        }
        let xml = format!(
            "{HEAD}{}{}{TAIL}",
            bal("OPBD", "5.00", "CRDT"),
            bal("CLBD", "5.00", "CRDT").replace("EUR", "USD")
        );
        let e = read_str(&xml).unwrap_err();
        assert!(
            e.message
                .contains("closing balance (CLBD) is in USD but the opening balance (OPBD) in EUR"),
            "{e}"
        );
    }

    #[test]
    fn batch_entry_gives_one_line_per_transaction() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><NtryDtls>\
             <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">100.00</Amt></TxAmt></AmtDtls>\
             <RltdPties><Dbtr><Nm>Jansen  BV</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02RABO0123456789</IBAN></Id></DbtrAcct></RltdPties>\
             <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>\
             <TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">50.00</Amt></TxAmt></AmtDtls><RmtInf><Ustrd>factuur 2026-0012 &amp; 13</Ustrd></RmtInf></TxDtls>\
             </NtryDtls></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, Decimal::new(10000, 2));
        assert_eq!(lines[0].account.as_deref(), Some("NL91ABNA0417164300"));
        assert_eq!(lines[0].counterparty_name.as_deref(), Some("Jansen BV"));
        assert_eq!(
            lines[0].structured_reference.as_deref(),
            Some("RF18539007547034")
        );
        assert_eq!(lines[0].end_to_end_id, None);
        assert_eq!(lines[0].bank_reference.as_deref(), Some("B1/1"));
        assert_eq!(
            lines[1].remittance.as_deref(),
            Some("factuur 2026-0012 & 13")
        );
        assert_eq!(
            lines[1].location,
            Location::Element("Stmt[1]/Ntry[1]/NtryDtls/TxDtls[2]".into())
        );
    }

    /// Review 43a, F-7: a batch entry whose details carry no amounts and name two payers is one
    /// line of nobody, both payers named in its text: before, it was the first payer's, who
    /// took the second's money.
    #[test]
    fn a_batch_without_amounts_from_two_payers_is_nobodys() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>\
             <TxDtls><RltdPties><Dbtr><Nm>Appel BV</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02RABO0123456789</IBAN></Id></DbtrAcct></RltdPties>\
             <RmtInf><Ustrd>F2026-0501</Ustrd></RmtInf></TxDtls>\
             <TxDtls><RltdPties><Dbtr><Nm>Peer BV</Nm></Dbtr><DbtrAcct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></DbtrAcct></RltdPties>\
             <RmtInf><Ustrd>F2026-0502</Ustrd></RmtInf></TxDtls>\
             </NtryDtls></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].counterparty_name, None);
        assert_eq!(lines[0].counterparty_account, None);
        assert_eq!(
            lines[0].remittance.as_deref(),
            Some(
                "F2026-0501 F2026-0502 (one entry for 2 transfers without their amounts, from \
                 Appel BV, Peer BV)"
            )
        );
    }

    /// Review 43a, F-5: a transfer made for another party (`UltmtDbtr`, a group's payment
    /// company paying for one of its firms) names that party as the payer, with the account the
    /// money came from.
    #[test]
    fn the_party_a_transfer_pays_for_is_its_payer() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">304.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><NtryDtls><TxDtls>\
             <RltdPties><Dbtr><Nm>Groep Services BV</Nm></Dbtr><DbtrAcct><Id><IBAN>NL98TRIO0000770006</IBAN></Id></DbtrAcct>\
             <UltmtDbtr><Nm>Franssen Groen B.V.</Nm></UltmtDbtr></RltdPties></TxDtls>\
             </NtryDtls></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(
            lines[0].counterparty_name.as_deref(),
            Some("Franssen Groen B.V.")
        );
        assert_eq!(
            lines[0].counterparty_account.as_deref(),
            Some("NL98TRIO0000770006")
        );
    }

    /// Review 43a, F-3: the invoices a structured remittance names by `RfrdDocInf/Nb` (a package
    /// paying several at once) are in the line's text, where matching and the claims' gate read
    /// them; before, the line had no text and the invoices it part-paid were claimed whole.
    #[test]
    fn the_invoices_a_structured_remittance_names_are_in_the_text() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">700.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><NtryDtls><TxDtls>\
             <RmtInf><Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>F2026-0308</Nb></RfrdDocInf>\
             <RfrdDocAmt><RmtdAmt Ccy=\"EUR\">300.00</RmtdAmt></RfrdDocAmt></Strd>\
             <Strd><RfrdDocInf><Nb>F2026-0309</Nb></RfrdDocInf></Strd></RmtInf></TxDtls>\
             </NtryDtls></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(
            lines[0].remittance.as_deref(),
            Some("F2026-0308 (300.00) F2026-0309")
        );
    }

    /// A batch whose details list two of its three debits: the rest is a line of its own, of
    /// nobody, at the entry's `NtryDtls`, so no money is lost.
    #[test]
    fn the_rest_of_an_entry_its_details_leave_out_is_a_line() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">302.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-06-05</Dt></BookgDt><AcctSvcrRef>B7</AcctSvcrRef><NtryDtls>\
             <Btch><NbOfTxs>3</NbOfTxs></Btch>\
             <TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">60.50</Amt></TxAmt></AmtDtls>\
             <RltdPties><Dbtr><Nm>Bakker</Nm></Dbtr></RltdPties></TxDtls>\
             <TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">181.50</Amt></TxAmt></AmtDtls>\
             <RltdPties><Dbtr><Nm>De Jong</Nm></Dbtr></RltdPties></TxDtls>\
             </NtryDtls><AddtlNtryInf>SEPA Incasso batch</AddtlNtryInf></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(lines.len(), 3);
        let rest = &lines[2];
        assert_eq!(rest.amount, Decimal::new(6050, 2));
        assert_eq!(rest.counterparty_name, None);
        assert_eq!(rest.bank_reference.as_deref(), Some("B7/rest"));
        assert_eq!(
            rest.remittance.as_deref(),
            Some("SEPA Incasso batch rest of the entry, 2 of its transactions listed")
        );
        assert_eq!(
            rest.location,
            Location::Element("Stmt[1]/Ntry[1]/NtryDtls".into())
        );
    }

    /// One transfer whose detail is gross of the bank's charges: its line keeps the place and
    /// reference it had before rests were read (so a store that has it knows it again), and the
    /// charge is a line of money out.
    #[test]
    fn one_detail_gross_of_charges_keeps_its_place_and_reference() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">99.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-06-05</Dt></BookgDt><AcctSvcrRef>B8</AcctSvcrRef><NtryDtls>\
             <TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">100.00</Amt></TxAmt></AmtDtls>\
             <RltdPties><Dbtr><Nm>Bakker</Nm></Dbtr></RltdPties></TxDtls>\
             </NtryDtls></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, Decimal::new(10000, 2));
        assert_eq!(lines[0].bank_reference.as_deref(), Some("B8"));
        assert_eq!(
            lines[0].location,
            Location::Element("Stmt[1]/Ntry[1]".into())
        );
        assert_eq!(lines[1].amount, Decimal::new(-50, 2));
        assert_eq!(lines[1].bank_reference.as_deref(), Some("B8/rest"));
    }

    /// camt.053.001.08 writes an entry's status as a code inside `Sts`: booked entries are read,
    /// pending ones are not, in any layout of white space.
    #[test]
    fn status_codes_of_later_versions() {
        for (booked, pending) in [
            ("<Sts><Cd>BOOK</Cd></Sts>", "<Sts><Cd>PDNG</Cd></Sts>"),
            (
                "<Sts>\n  <Cd>BOOK</Cd>\n</Sts>",
                "<Sts>\n  <Cd>INFO</Cd>\n</Sts>",
            ),
            (
                "<Sts><Prtry>BOOK</Prtry></Sts>",
                "<Sts><Prtry>PDNG</Prtry></Sts>",
            ),
        ] {
            let xml = format!(
                "{HEAD}<Ntry><Amt Ccy=\"EUR\">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>{booked}\
                 <BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry><Ntry><Amt Ccy=\"EUR\">5.00</Amt>\
                 <CdtDbtInd>CRDT</CdtDbtInd>{pending}<BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>{TAIL}"
            );
            let lines = read_str(&xml).unwrap();
            assert_eq!(lines.len(), 1, "{booked}");
            assert_eq!(lines[0].amount, Decimal::new(2000, 2));
        }
    }

    /// Later versions (.001.08 to .001.11) as a helper wrote them from the ISO 20022 rules alone,
    /// without seeing this reader (`fixtures/othergen5/`): every line its manifest lists, with its
    /// date, signed amount, counterparty, texts and references, and nothing else; and every
    /// statement adds up (`read` checks the balances).
    #[test]
    fn later_versions_from_other_hands() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/othergen5/camt-later-versions");
        let expected = crate::manifest_by_file(&dir.join("MANIFEST.csv"));
        let cell = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let mut wrong: Vec<String> = Vec::new();
        for (file, rows) in &expected {
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let mut lines = Vec::new();
            read(file, &bytes[..], &mut |l| lines.push(l)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(lines.len(), rows.len(), "{file}: {lines:#?}");
            for (line, row) in lines.iter().zip(rows) {
                let at = format!("{file} line {}", &row[2]);
                // Where a transaction has no Ustrd, the entry's AddtlNtryInf is its text (the
                // manifest's rules did not say so; the helper named these two lines).
                let text = match (file.as_str(), &row[2]) {
                    ("v08-ing-style.xml", "2") => Some("SEPA Overboeking".to_string()),
                    ("v08-ing-style.xml", "4") => {
                        Some("Kosten zakelijk betalingsverkeer februari 2026".to_string())
                    }
                    _ => cell(&row[7]),
                };
                // A reversal's counterparty is the party that is not the account holder (Eneco,
                // whose direct debit was reversed); the manifest names the holder itself, the
                // debtor side of a credit.
                let reversed_party = (file.as_str(), &row[2]) == ("v10-reversal.xml", "2");
                let want = |i: usize| match i {
                    5 if reversed_party => format!("{:?}", Some("Eneco Services B.V.")),
                    6 if reversed_party => format!("{:?}", Some("NL96RABO0300474839")),
                    _ => format!("{:?}", cell(&row[i])),
                };
                let got = |o: &Option<String>| format!("{o:?}");
                let checks = [
                    ("date", line.booking_date.to_string(), row[3].to_string()),
                    ("amount", line.amount.to_string(), row[4].to_string()),
                    ("name", got(&line.counterparty_name), want(5)),
                    ("account", got(&line.counterparty_account), want(6)),
                    ("remittance", got(&line.remittance), got(&text)),
                    ("reference", got(&line.structured_reference), want(8)),
                    ("end-to-end", got(&line.end_to_end_id), want(9)),
                ];
                for (what, got, want) in checks {
                    if got != want {
                        wrong.push(format!("{at} {what}: read {got}, expected {want}"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        assert_eq!(expected.len(), 6, "the six files");
    }

    #[test]
    fn debits_reversals_and_pending_entries() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">20.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>\
             <Ntry><Amt Ccy=\"EUR\">20.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts><BookgDt><DtTm>2026-03-03T23:30:00+01:00</DtTm></BookgDt></Ntry>\
             <Ntry><Amt Ccy=\"EUR\">99.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-03-04</Dt></BookgDt></Ntry>{TAIL}"
        );
        let lines = read_str(&xml).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, Decimal::new(-2000, 2));
        assert!(!lines[0].reversal);
        assert!(lines[1].reversal);
        assert_eq!(
            lines[1].booking_date,
            NaiveDate::from_ymd_opt(2026, 3, 3).unwrap()
        );
    }

    #[test]
    fn cut_off_and_bad_values_name_the_place() {
        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry><Ntry><Amt Ccy=\"EUR\">1"
        );
        let e = read_str(&xml).unwrap_err();
        assert!(e.place.contains("statement 1, entry 2"), "{e}");
        assert!(e.message.contains("cut off"), "{e}");

        let xml = format!(
            "{HEAD}<Ntry><Amt Ccy=\"EUR\">1.000,00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>{TAIL}"
        );
        let e = read_str(&xml).unwrap_err();
        assert!(e.to_string().contains("entry 1"), "{e}");
        assert!(e.to_string().contains("'1.000,00'"), "{e}");

        let e = read_str("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\"/>")
            .unwrap_err();
        assert!(e.message.contains("not a camt.053"), "{e}");
        let e = read_str("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\"/>")
            .unwrap_err();
        assert!(e.message.contains("without any Ntfctn"), "{e}");
    }

    /// Lines and the summary as one comparable text, or the error.
    fn windowed(bytes: &[u8], window: usize) -> String {
        let mut lines = Vec::new();
        let r = read_in_windows("t.xml", bytes, window, Balances::Refuse, &mut |l| {
            lines.push(l)
        });
        format!("{r:?} {lines:?}")
    }

    /// Everything a window can end inside: tags, texts with characters of several bytes,
    /// references, CDATA, comments, processing instructions, and byte order marks inside texts.
    fn awkward() -> String {
        format!(
            "\u{feff}{HEAD}<!-- a comment --><?pi some data?>{}{}<Ntry><Amt Ccy=\"EUR\">150.00</Amt>\
             <CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>\
             <AcctSvcrRef>B1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Café \u{feff}Noël &amp; Zoë</Nm>\
             </Dbtr></RltdPties><RmtInf><Ustrd>\u{feff}factuur <![CDATA[2026-0012 <&>]]> &#x41;&#66; €</Ustrd>\
             </RmtInf></TxDtls></NtryDtls></Ntry >{TAIL}",
            bal("OPBD", "10.00", "CRDT"),
            bal("CLBD", "160.00", "CRDT"),
        )
    }

    #[test]
    fn every_window_reads_what_the_whole_file_reads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut files = vec![awkward().into_bytes()];
        for f in [
            "bank/rabobank-2026-11.camt053.xml",
            "bank-notification/rabobank-2026-11-02.camt054.xml",
        ] {
            files.push(std::fs::read(root.join(f)).unwrap());
        }
        for bytes in &files {
            let whole = windowed(bytes, bytes.len() + 1);
            assert!(whole.starts_with("Ok("), "{whole}");
            for window in (1..=40).chain([64, 100, 333, 4096]) {
                assert_eq!(windowed(bytes, window), whole, "window {window}");
            }
        }
        let lines = read_str(&awkward()).unwrap();
        assert_eq!(
            lines[0].counterparty_name.as_deref(),
            Some("Café \u{feff}Noël & Zoë")
        );
        assert_eq!(
            lines[0].remittance.as_deref(),
            Some("\u{feff}factuur 2026-0012 <&> AB €")
        );
    }

    #[test]
    fn end_tags_are_checked_across_windows() {
        for (xml, said) in [
            (
                format!("{HEAD}<Ntry><Amt>1.00</Amt></Stmt>{TAIL}"),
                "expected `</Ntry>`, but `</Stmt>` was found",
            ),
            (
                format!("{HEAD}<Ntry><a:Amt>1.00</b:Amt></Ntry>{TAIL}"),
                "expected `</a:Amt>`, but `</b:Amt>` was found",
            ),
            (format!("{HEAD}{TAIL}</Document>"), "`</Document>`"),
        ] {
            let whole = windowed(xml.as_bytes(), xml.len() + 1);
            assert!(whole.contains("not well-formed XML"), "{whole}");
            assert!(whole.contains(said), "{whole}");
            for window in [1, 2, 5, 17, 64] {
                assert_eq!(windowed(xml.as_bytes(), window), whole, "window {window}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 300,
            failure_persistence: None,
            ..Default::default()
        })]
        /// A damaged file reads the same (the same lines, or the same error at the same byte)
        /// whatever the window.
        #[test]
        fn damaged_files_read_alike_in_any_window(
            edits in proptest::collection::vec(
                (0usize..10_000, proptest::sample::select(b"<>/&;! =\"'?-[]\xc3\xef\xbb\xbfa".to_vec()), 0u8..6),
                1..4,
            ),
            window in 1usize..300,
        ) {
            let mut bytes = awkward().into_bytes();
            for (at, b, how) in edits {
                let at = at % (bytes.len() + 1);
                match how {
                    0..=2 => bytes.insert(at, b),
                    3 | 4 if at < bytes.len() => bytes[at] = b,
                    _ => bytes.truncate(at),
                }
            }
            proptest::prop_assert_eq!(windowed(&bytes, window), windowed(&bytes, bytes.len() + 1));
        }
    }

    /// Every camt.053 in the corpus reads; the others are refused with what they are.
    #[test]
    fn corpus_camt_files() {
        let Some(dir) = crate::corpus_dir("bank/camt053") else {
            return;
        };
        let mut seen = 0;
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".zip") {
                continue; // the importer refuses archives before any reader sees them
            }
            seen += 1;
            let bytes = std::fs::read(&path).unwrap();
            let mut lines = Vec::new();
            let r = read_accepting_unbalanced(&name, &bytes[..], &mut |l| lines.push(l));
            // Hand-edited parser test files whose balances do not add up; the real banks' add up.
            let unbalanced = matches!(
                name.as_str(),
                "genkgo-camt053-v2-all-balance-types.xml"
                    | "genkgo-camt053-v2-party-ids.xml"
                    | "genkgo-camt053-v2-ultimate-parties.xml"
                    | "genkgo-camt053-v4.xml"
                    | "oca-camt053-abnamro-nl.xml"
                    | "oca-camt053-bookgdt-dttm.xml"
            );
            if let Ok(s) = &r {
                assert_eq!(s.unbalanced.len(), usize::from(unbalanced), "{name}: {s:?}");
                if unbalanced {
                    let refused = read(&name, &bytes[..], &mut |_| {}).unwrap_err();
                    assert!(
                        refused.message.contains("--accept-unbalanced"),
                        "{name}: {refused}"
                    );
                }
            }
            match name.as_str() {
                "genkgo-camt052-v2.xml" => {
                    assert!(r.unwrap_err().message.contains("not a camt.053"), "{name}")
                }
                "oca-camt054.xml" => {
                    // A credit notification: its entry is a bank line like a statement's.
                    let s = r.unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!((s.lines, lines.len()), (1, 1), "{name}");
                    assert_eq!(lines[0].amount, Decimal::new(500, 2));
                    assert_eq!(lines[0].account.as_deref(), Some("NL77ABNA0574908765"));
                    assert!(
                        matches!(&lines[0].location, Location::Element(e) if e == "Ntfctn[1]/Ntry[1]"),
                        "{:?}",
                        lines[0].location
                    );
                }
                "genkgo-camt053-v2-wrong.xml" => {
                    assert!(r.unwrap_err().message.contains("without any Stmt"))
                }
                _ => {
                    let s = r.unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(s.lines, lines.len(), "{name}");
                }
            }
            match name.as_str() {
                "subite-be-camt053-month-480kb.xml" => {
                    assert!(lines.len() >= 268, "{name}: {}", lines.len())
                }
                "oca-camt053-txdtls.xml" => {
                    let credits: Vec<_> =
                        lines.iter().filter(|l| l.amount > Decimal::ZERO).collect();
                    assert!(credits.len() >= 2, "batch entry splits: {credits:?}");
                    assert_eq!(
                        credits[0].counterparty_account.as_deref(),
                        Some("CH2222000000123456789")
                    );
                    assert_eq!(
                        credits[0].structured_reference.as_deref(),
                        Some("302388292000011111111111111")
                    );
                    assert_eq!(credits[0].amount, Decimal::new(218700, 2));
                }
                "oca-camt053-abnamro-nl.xml" => {
                    assert!(lines
                        .iter()
                        .all(|l| l.account.as_deref() == Some("NL77ABNA0574908765")));
                }
                "subite-lt-camt053-v08-minified.xml" => {
                    assert!(!lines.is_empty());
                    assert_eq!(lines[0].amount, Decimal::new(-36847, 0));
                }
                _ => {}
            }
        }
        assert!(seen >= 14, "corpus has the camt files: {seen}");
    }
}
