//! SWIFT MT940 statements in the Dutch banks' dialects.
//!
//! The file is first cut into fields (a tag line with its continuation lines), then read statement
//! by statement: `:20:` starts one, `:60F:` opens it, every `:61:` with the `:86:` after it becomes
//! a [`BankLine`], and `:62F:` closes it. A statement's lines are handed to the caller only once
//! its opening balance plus its lines equals its closing balance.

use chrono::{Datelike, NaiveDate};
use incasso_core::ids::Iban;
use incasso_core::model::Location;
use incasso_core::money::Currency;
use rust_decimal::Decimal;

use super::{
    clean_account, clean_text, is_kenmerk, standalone_reference, Balances, BankError, BankLine,
    StatementSummary,
};

mod fields;
mod info;
mod line;
use fields::*;
use info::*;
use line::*;

/// Reads every statement in an MT940 file, handing each `:61:` line (with its `:86:`) to `emit`.
pub fn read(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    read_statements(file, text, Balances::Refuse, emit)
}

/// [`read`], reading statements whose balances do not add up too, each mismatch named in the
/// summary's `unbalanced` (for a user who has no better file than this one).
pub fn read_accepting_unbalanced(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    read_statements(file, text, Balances::Record, emit)
}

/// [`read`] with a choice of what balances that do not add up do.
fn read_statements(
    file: &str,
    text: &str,
    check_balances: Balances,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let scan = scan(text);
    if !scan
        .fields
        .iter()
        .any(|f| matches!(f.tag, "20" | "60F" | "61" | "62F" | "62M"))
    {
        return Err(BankError::new(
            file,
            "file",
            "this is not an MT940 statement: it has no :20:, :61: or :62F: fields. \
             Export the statement from the bank again as MT940, or import it as CSV or camt.053",
        ));
    }
    if let Some(line) = scan.unclosed {
        return Err(BankError::new(
            file,
            format!("line {line}"),
            "the SWIFT message that begins here ({4:) is not closed (-}) before the file ends: \
             the download was cut short, and the statements after the cut are missing; download \
             the statement again",
        ));
    }
    let bank = detect_bank(&scan);
    let mut out = Output {
        file,
        abn: bank == Some("ABN AMRO"),
        check_balances,
        emit,
        summary: StatementSummary {
            format: bank.map_or_else(|| "MT940".to_string(), |b| format!("MT940 ({b})")),
            ..StatementSummary::default()
        },
    };
    let mut current: Option<Statement> = None;
    for field in &scan.fields {
        let width = field.value.width + field.more.iter().map(|m| m.width).sum::<usize>();
        if width > crate::values::MAX_FIELD_CHARS {
            return Err(BankError::new(
                file,
                place(field),
                format!(
                    "the field is {width} characters long; a field holds at most {}",
                    crate::values::MAX_FIELD_CHARS
                ),
            ));
        }
        if field.tag == "20" {
            if let Some(done) = current.take() {
                out.close(done)?;
            }
            current = Some(Statement::start(field));
            continue;
        }
        let Some(statement) = current.as_mut() else {
            return Err(BankError::new(
                file,
                place(field),
                format!(
                    "field :{}: comes before the first statement reference :20:; \
                     the file is incomplete or not MT940",
                    field.tag
                ),
            ));
        };
        statement.take(field, &out)?;
    }
    if let Some(done) = current.take() {
        out.close(done)?;
    }
    Ok(out.summary)
}

/// Where the lines go, and what is counted on the way.
struct Output<'a, 'e> {
    file: &'a str,
    abn: bool,
    check_balances: Balances,
    emit: &'e mut dyn FnMut(BankLine),
    summary: StatementSummary,
}

impl Output<'_, '_> {
    fn error(&self, place: impl Into<String>, message: impl Into<String>) -> BankError {
        BankError::new(self.file, place, message)
    }

    /// Checks a finished statement's balances and hands out its lines.
    fn close(&mut self, mut st: Statement<'_>) -> Result<(), BankError> {
        st.flush(self.abn);
        let here = st.place();
        let Some(opening) = st.opening else {
            return Err(self.error(
                here,
                "the statement has no opening balance (:60F:); the file is incomplete",
            ));
        };
        let Some((closing, closing_field)) = st.closing else {
            return Err(self.error(
                here,
                "the statement has no closing balance (:62F:); the file looks cut off. \
                 Download the statement from the bank again",
            ));
        };
        if closing.currency != opening.currency {
            return Err(self.error(
                here,
                format!(
                    "the closing balance is in {} but the opening balance in {}",
                    closing.currency, opening.currency
                ),
            ));
        }
        let sum = opening
            .amount
            .checked_add(st.total)
            .ok_or_else(|| self.error(here.clone(), "the amounts are too large to add up"))?;
        if sum != closing.amount {
            let credits = st.lines.iter().filter(|l| l.amount > Decimal::ZERO).count();
            let reversals = st.lines.iter().filter(|l| l.reversal).count();
            let mismatch = format!(
                "the lines do not add up: opening {} + lines {} = {} but closing balance \
                 :{}: says {} (line {}); every line was read: {} lines ({credits} credits, {} \
                 debits, {reversals} reversals RC/RD), funds codes skipped, amounts with their \
                 decimal mark",
                dutch(opening.amount),
                dutch(st.total),
                dutch(sum),
                closing_field.tag,
                dutch(closing.amount),
                closing_field.line,
                st.lines.len(),
                st.lines.len() - credits,
            );
            self.check_balances
                .settle(self.file, here, mismatch, &mut self.summary)?;
        }
        // A line without an entry date whose value date is before the opening balance's day
        // was booked in this statement all the same (a returned direct debit keeps the value
        // date of its collection): it is dated by the statement's closing balance, the day
        // camt.053 and the CSV exports book it, so a copy read from those is known as one.
        for &i in &st.by_value_date {
            if st.lines[i].booking_date < opening.date {
                st.lines[i].booking_date = closing.date;
            }
        }
        self.summary.statements += 1;
        self.summary.lines += st.lines.len();
        for line in st.lines {
            (self.emit)(line);
        }
        Ok(())
    }
}

/// A statement being read: from its `:20:` up to the next one.
struct Statement<'f> {
    reference: &'f str,
    /// Its `:28C:` statement number (without a page number), where it gives one (not `0`).
    number: Option<&'f str>,
    line: u64,
    account: Option<String>,
    opening: Option<Balance>,
    closing: Option<(Balance, &'f Field<'f>)>,
    pending: Option<Pending<'f>>,
    lines: Vec<BankLine>,
    /// The lines whose `:61:` gave no entry date, dated by their value date until the
    /// statement's balances tell whether it can be their booking date.
    by_value_date: Vec<usize>,
    total: Decimal,
}

/// A `:61:` waiting for its `:86:` fields.
struct Pending<'f> {
    entry: Entry<'f>,
    line: u64,
    currency: Currency,
    info: Vec<&'f Field<'f>>,
}

impl<'f> Statement<'f> {
    fn start(field: &'f Field<'f>) -> Self {
        Statement {
            reference: field.value.text.trim(),
            number: None,
            line: field.line,
            account: None,
            opening: None,
            closing: None,
            pending: None,
            lines: Vec::new(),
            by_value_date: Vec::new(),
            total: Decimal::ZERO,
        }
    }

    fn place(&self) -> String {
        if self.reference.is_empty() {
            format!("statement at line {}", self.line)
        } else {
            format!("statement {} at line {}", self.reference, self.line)
        }
    }

    fn take(&mut self, field: &'f Field<'f>, out: &Output<'_, '_>) -> Result<(), BankError> {
        match field.tag {
            "25" => {
                self.account = statement_account(field.value.text).map(|a| {
                    if out.abn {
                        super::abn_account(a)
                    } else {
                        a
                    }
                })
            }
            // The statement number, without the page of a statement split over messages.
            "28C" => {
                self.number = field
                    .value
                    .text
                    .split('/')
                    .next()
                    .map(str::trim)
                    .filter(|n| !n.trim_start_matches('0').is_empty());
            }
            "60F" | "60M" if self.opening.is_none() => {
                self.opening =
                    Some(parse_balance(field.value.text).map_err(|m| out.error(place(field), m))?);
            }
            "61" => {
                self.flush(out.abn);
                let Some(opening) = self.opening else {
                    return Err(out.error(
                        place(field),
                        format!(
                            "statement line before the opening balance (:60F:) of {}",
                            self.place()
                        ),
                    ));
                };
                if let Some((_, closing)) = self.closing {
                    return Err(out.error(
                        place(field),
                        format!(
                            "statement line after the closing balance (line {}) of {} \
                             without a new :20:",
                            closing.line,
                            self.place()
                        ),
                    ));
                }
                let entry = parse_61(field).map_err(|m| out.error(place(field), m))?;
                self.pending = Some(Pending {
                    entry,
                    line: field.line,
                    currency: opening.currency,
                    info: Vec::new(),
                });
            }
            "86" if self.closing.is_none() => {
                if let Some(pending) = self.pending.as_mut() {
                    pending.info.push(field);
                }
            }
            "62F" | "62M" => {
                self.flush(out.abn);
                if self.closing.is_none() {
                    let closing =
                        parse_balance(field.value.text).map_err(|m| out.error(place(field), m))?;
                    self.closing = Some((closing, field));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Turns the waiting `:61:` (with its `:86:`) into a line.
    fn flush(&mut self, abn: bool) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let info = parse_86(&p.info, abn);
        // A debit giving back money that came in (a direct debit returned) undoes that line.
        let returned = info.returned && p.entry.amount < Decimal::ZERO;
        let (hint_account, hint_name) = hints_61(&p.entry);
        let remittance = info
            .remittance
            .and_then(|r| without_party(r, hint_account.as_deref(), hint_name.as_deref()));
        let e = p.entry;
        self.total += e.amount;
        if e.entry_date.is_none() {
            self.by_value_date.push(self.lines.len());
        }
        self.lines.push(BankLine {
            account: self.account.clone(),
            booking_date: e.entry_date.unwrap_or(e.value_date),
            value_date: Some(e.value_date),
            amount: e.amount,
            currency: p.currency,
            counterparty_name: info.name.or(hint_name),
            counterparty_account: info.account.or(hint_account),
            remittance,
            structured_reference: info.reference,
            end_to_end_id: info.end_to_end,
            bank_reference: Some(e.bank_ref.trim())
                .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("NONREF"))
                .map(str::to_string),
            reversal: e.reversal || returned,
            // SWIFT's type for a direct debit: money in under it is a collection.
            kind: (e.type_code == "NDDT").then(|| "direct debit (NDDT)".to_string()),
            location: Location::Line(p.line),
            statement: Some(self.number.unwrap_or(self.reference))
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            format: "MT940",
        });
    }
}

/// A `:86:` text without the account and name the `:61:` line gave, when it starts with them
/// (ASN, SNS and RegioBank repeat them as the text's first line): they are the counterparty,
/// not what the payer wrote. `None` when nothing else is left.
fn without_party(text: String, account: Option<&str>, name: Option<&str>) -> Option<String> {
    let (Some(account), Some(name)) = (account, name) else {
        return Some(text);
    };
    let rest = text
        .get(..account.len())
        .filter(|a| a.eq_ignore_ascii_case(account))
        .map(|_| text[account.len()..].trim_start())
        .and_then(|r| {
            r.get(..name.len())
                .filter(|n| n.eq_ignore_ascii_case(name))
                .map(|_| &r[name.len()..])
        })
        .filter(|r| r.is_empty() || r.starts_with(' '));
    match rest {
        Some(r) => Some(r.trim_start().to_string()).filter(|r| !r.is_empty()),
        None => Some(text),
    }
}

#[cfg(test)]
mod tests;
