//! One data row of a ledger export: its cells read by the column map into a document (amounts,
//! dates, kind, status), every refusal naming the row and the column.

use rustc_hash::FxHashMap as HashMap;

#[allow(unused_imports)]
use super::*;

/// One record's cells. A field that is not valid UTF-8 reads as empty.
pub(super) struct Fields<'a> {
    rec: &'a csv::ByteRecord,
    /// The whole record as text when it is valid UTF-8: checked once, not once per field read.
    text: Option<&'a str>,
}

impl<'a> Fields<'a> {
    pub(super) fn new(rec: &'a csv::ByteRecord) -> Self {
        Fields {
            rec,
            text: std::str::from_utf8(rec.as_slice()).ok(),
        }
    }

    pub(super) fn get(&self, i: usize) -> &str {
        let field = match self.text {
            // A field cut inside a character (its neighbour's bytes complete it) is not text.
            Some(text) => self.rec.range(i).and_then(|r| text.get(r)),
            None => self.rec.get(i).and_then(|b| std::str::from_utf8(b).ok()),
        };
        field.unwrap_or("").trim()
    }

    pub(super) fn is_blank(&self) -> bool {
        self.rec
            .iter()
            .all(|f| f.iter().all(u8::is_ascii_whitespace))
    }

    pub(super) fn len(&self) -> usize {
        self.rec.len()
    }

    pub(super) fn strings(&self) -> Vec<String> {
        self.rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }
}

#[allow(clippy::large_enum_variant)] // one per row, moved once; a Box would cost an allocation per row
pub(super) enum Parsed {
    Doc(Document),
    Totals,
}

pub(super) struct RowReader<'a> {
    pub(super) file: &'a str,
    pub(super) det: &'a Detection,
    pub(super) cols: [Option<usize>; Field::COUNT],
    pub(super) mark: Option<DecimalMark>,
    pub(super) date: Option<DateFormat>,
    pub(super) late_mark: Option<DecimalMark>,
    pub(super) late_date: Option<DateFormat>,
    pub(super) creditor: CreditorId,
    pub(super) currency: Currency,
    pub(super) term: u64,
    /// Whether `term` is the statutory default (no profile gave the creditor's own).
    pub(super) term_assumed: bool,
    pub(super) sign: SignConvention,
    pub(super) debtor_kind: Option<DebtorKind>,
    pub(super) status_words: HashMap<String, StatusWord>,
    pub(super) kind_words: HashMap<String, KindWord>,
    pub(super) unit: &'static str,
    pub(super) without_value: &'a [crate::xlsx::FormulaCell],
    /// The profile's own status words, lower case.
    pub(super) profile_status: &'a std::collections::BTreeMap<String, DocumentStatus>,
    /// The currency each field's column header names (`Bedrag (EUR)`), worked out once.
    pub(super) named_currency: [Option<&'static str>; Field::COUNT],
}

impl<'a> RowReader<'a> {
    pub(super) fn new(file: &'a str, det: &'a Detection, options: &'a CsvOptions) -> RowReader<'a> {
        let mut cols = [None; Field::COUNT];
        let mut named_currency = [None; Field::COUNT];
        for (f, i) in &det.columns {
            cols[*f as usize] = Some(*i);
            named_currency[*f as usize] = crate::csv::headers::currency_named(&det.header[*i]);
        }
        RowReader {
            file,
            det,
            cols,
            mark: det.decimal_mark,
            date: det.date_format,
            late_mark: None,
            late_date: None,
            creditor: options
                .creditor
                .clone()
                .unwrap_or_else(|| CreditorId::new("default").expect("non-empty")),
            currency: options.profile.currency.unwrap_or(Currency::EUR),
            term: u64::from(
                options
                    .profile
                    .payment_term_days
                    .unwrap_or(DEFAULT_TERM_DAYS),
            ),
            term_assumed: options.profile.payment_term_days.is_none(),
            sign: options.profile.sign,
            debtor_kind: options.profile.debtor_kind,
            status_words: HashMap::default(),
            kind_words: HashMap::default(),
            unit: options.row_word.unwrap_or("line"),
            without_value: &options.formulas_without_value,
            profile_status: &options.profile.status,
            named_currency,
        }
    }

    /// The header of the column a field is read from (the field's name when none).
    pub(super) fn column_name(&self, f: Field) -> String {
        match self.cols[f as usize] {
            Some(i) => self.det.header[i].clone(),
            None => f.name().to_string(),
        }
    }

    pub(super) fn error(&self, line: u64, f: Field, fields: &Fields, message: String) -> RowError {
        RowError {
            file: self.file.to_string(),
            unit: self.unit,
            line,
            column: self.column_name(f),
            value: self.cols[f as usize]
                .map(|i| crate::values::excerpt(fields.get(i)).into_owned())
                .unwrap_or_default(),
            message,
        }
    }

    /// The refusal of a worksheet row one of whose read cells holds a formula without a value:
    /// read as empty, a formula for the open amount would make a paid invoice look open.
    fn formula_without_value(&self, line: u64) -> Option<RowError> {
        let at = self.without_value.partition_point(|c| c.row < line);
        let cell = self.without_value[at..]
            .iter()
            .take_while(|c| c.row == line)
            .find(|c| self.det.columns.iter().any(|&(_, i)| i == c.column))?;
        Some(RowError {
            file: self.file.to_string(),
            unit: self.unit,
            line,
            column: self.det.header[cell.column].clone(),
            value: String::new(),
            message: format!(
                "cell {} holds the formula ={} but no value: the workbook was saved by a program \
                 that does not compute formulas, and an empty value could make a paid invoice \
                 look open; open it in Excel or LibreOffice and save it again, or export the \
                 ledger as CSV",
                cell.name(),
                cell.formula
            ),
        })
    }

    pub(super) fn text<'r>(&self, fields: &'r Fields, f: Field) -> Option<&'r str> {
        self.cols[f as usize]
            .map(|i| fields.get(i))
            .filter(|s| !s.is_empty())
    }

    pub(super) fn amount(
        &mut self,
        fields: &Fields,
        f: Field,
        line: u64,
    ) -> Result<Option<Decimal>, RowError> {
        let Some(raw) = self.text(fields, f) else {
            return Ok(None);
        };
        if self.mark.is_none() {
            if let MarkEvidence::Only(m) = mark_evidence(raw) {
                // Every earlier amount was a whole number, so deciding now changes none of them.
                self.mark = Some(m);
                self.late_mark = Some(m);
            }
        }
        parse_amount(raw, self.mark)
            .map(Some)
            .map_err(|e| self.error(line, f, fields, e.to_string()))
    }

    pub(super) fn date(
        &mut self,
        fields: &Fields,
        f: Field,
        line: u64,
    ) -> Result<Option<NaiveDate>, RowError> {
        let Some(raw) = self.text(fields, f) else {
            return Ok(None);
        };
        let format = match self.date {
            Some(d) => d,
            None => {
                let fits: Vec<DateFormat> = DateFormat::ALL
                    .into_iter()
                    .filter(|d| parse_date(raw, *d).is_ok())
                    .collect();
                match fits.as_slice() {
                    [one] => {
                        self.date = Some(*one);
                        self.late_date = Some(*one);
                        *one
                    }
                    [] => {
                        return Err(self.error(
                            line,
                            f,
                            fields,
                            "not a date in any known layout".into(),
                        ))
                    }
                    _ => {
                        return Err(self.error(
                            line,
                            f,
                            fields,
                            "ambiguous date layout; set date_format in a profile".into(),
                        ))
                    }
                }
            }
        };
        parse_date(raw, format).map(Some).map_err(|e| {
            self.error(
                line,
                f,
                fields,
                format!(
                    "not a valid date ({e}); the file's layout is {}",
                    format.pattern()
                ),
            )
        })
    }

    pub(super) fn parse(&mut self, fields: &Fields, line: u64) -> Result<Parsed, RowError> {
        let says_total = || (0..fields.len()).any(|i| totals_word(&fields.get(i).to_lowercase()));
        if let Some((i, why)) = (0..fields.len())
            .find_map(|i| crate::values::field_too_long(fields.get(i)).map(|w| (i, w)))
        {
            return Err(RowError {
                file: self.file.to_string(),
                unit: self.unit,
                line,
                column: self
                    .det
                    .header
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("field {}", i + 1)),
                value: crate::values::excerpt(fields.get(i)).into_owned(),
                message: why,
            });
        }
        if self.text(fields, Field::IssueDate).is_none() && says_total() {
            return Ok(Parsed::Totals);
        }
        // A sum a spreadsheet puts under the amounts without a word: no number, date or debtor,
        // so no document.
        if [
            Field::Number,
            Field::IssueDate,
            Field::DebtorId,
            Field::DebtorName,
        ]
        .into_iter()
        .all(|f| self.text(fields, f).is_none())
            && [Field::Total, Field::Debit, Field::Credit, Field::Open]
                .into_iter()
                .any(|f| self.text(fields, f).is_some())
        {
            return Ok(Parsed::Totals);
        }
        if let Some(e) = self.formula_without_value(line) {
            return Err(e);
        }
        if let Some(&(f, i)) = self.det.columns.iter().find(|(_, i)| *i >= fields.len()) {
            return Err(RowError {
                file: self.file.to_string(),
                unit: self.unit,
                line,
                column: self.det.header[i].clone(),
                value: String::new(),
                message: format!(
                    "the row has {} fields but the header has {}; {} is missing",
                    fields.len(),
                    self.det.header.len(),
                    f.name()
                ),
            });
        }
        if let Some(i) =
            (self.det.header.len()..fields.len()).find(|&i| !fields.get(i).trim().is_empty())
        {
            // A comma-separated file whose amounts have a decimal comma and no quotes splits
            // each amount in two: read by the header's columns, `250,00` would be 250 and the
            // next column "00".
            return Err(RowError {
                file: self.file.to_string(),
                unit: self.unit,
                line,
                column: format!("field {}", i + 1),
                value: crate::values::excerpt(fields.get(i)).into_owned(),
                message: format!(
                    "the row has {} fields but the header has {}, so its values cannot be told \
                     to their columns (an amount written with a decimal comma in a \
                     comma-separated file splits in two); quote such amounts, or export with ';' \
                     as the delimiter",
                    fields.len(),
                    self.det.header.len()
                ),
            });
        }
        let Some(raw_number) = self.text(fields, Field::Number) else {
            return Err(self.error(
                line,
                Field::Number,
                fields,
                "the document number is empty".into(),
            ));
        };
        let number_lower = raw_number.trim_start().to_lowercase();
        if totals_word(number_lower.strip_prefix("sub").unwrap_or(&number_lower)) {
            // A subtotal a package prints per debtor, dated like its invoices: taken as an
            // invoice it would be claimed, and in a list of every open item stand for one.
            return Err(self.error(
                line,
                Field::Number,
                fields,
                "reads as a totals line, not a document number".into(),
            ));
        }
        let number = DocumentNumber::new(strip_float_suffix(raw_number))
            .map_err(|e| self.error(line, Field::Number, fields, e.to_string()))?;
        let issue_date = self.date(fields, Field::IssueDate, line)?.ok_or_else(|| {
            self.error(
                line,
                Field::IssueDate,
                fields,
                "the issue date is empty".into(),
            )
        })?;
        let given = self.date(fields, Field::DueDate, line)?;
        let agreed = match self.text(fields, Field::PaymentTerm) {
            Some(t) => Some(payment_term_days(t).ok_or_else(|| {
                self.error(
                    line,
                    Field::PaymentTerm,
                    fields,
                    "not a payment term incasso reads: a number of days (`30`, `30 dagen`, \
                     `netto 14`, `Net 30`) or `contant`; a term such as end of month needs the \
                     due date exported"
                        .into(),
                )
            })?),
            None => None,
        };
        let due_date = match given {
            Some(d) => d,
            None => issue_date
                .checked_add_days(Days::new(agreed.unwrap_or(self.term)))
                .unwrap_or(issue_date),
        };
        if due_date < issue_date {
            return Err(self.error(
                line,
                Field::DueDate,
                fields,
                format!("due date is before the issue date {issue_date}"),
            ));
        }
        let currency = match self.text(fields, Field::Currency) {
            Some(c) => {
                let cur = Currency::parse(c)
                    .map_err(|e| self.error(line, Field::Currency, fields, e.to_string()))?;
                if !cur.is_iso4217() {
                    return Err(self.error(
                        line,
                        Field::Currency,
                        fields,
                        format!("{cur} is not an ISO 4217 currency (EUR, USD, GBP, ...)"),
                    ));
                }
                cur
            }
            None => self.currency,
        };
        for f in crate::csv::detect::AMOUNT_FIELDS {
            let Some(raw) = self.text(fields, f) else {
                continue;
            };
            // A header that names a currency holds amounts in it (`Bedrag (EUR)` beside
            // `Bedrag (GBP)`): read for a row of another currency, they would be taken for its.
            let named = self.named_currency[f as usize];
            if let Some(w) = named.filter(|w| !crate::values::written_currency_is(w, currency)) {
                return Err(self.error(
                    line,
                    f,
                    fields,
                    format!(
                        "the column's header says its amounts are in {w}, but the row's currency \
                         is {currency}; map the column that holds the amounts in the row's own \
                         currency in a profile"
                    ),
                ));
            }
            if let Some(w) = crate::values::currency_written(raw) {
                if !crate::values::written_currency_is(w, currency) {
                    let whence = if self.text(fields, Field::Currency).is_some() {
                        "the row's currency column says"
                    } else {
                        "the file has no currency column, so its currency is"
                    };
                    return Err(self.error(
                        line,
                        f,
                        fields,
                        format!(
                            "the amount is written in {w}, but {whence} {currency}; name the \
                             currency in a currency column (or a profile's currency)"
                        ),
                    ));
                }
            }
        }
        let total = match self.cols[Field::Total as usize] {
            Some(_) => self.amount(fields, Field::Total, line)?,
            // Debit and credit columns: the debit less the credit, negative for a credit note.
            None => match (
                self.amount(fields, Field::Debit, line)?,
                self.amount(fields, Field::Credit, line)?,
            ) {
                (None, None) => None,
                (debit, credit) => Some(debit.unwrap_or_default() - credit.unwrap_or_default()),
            },
        };
        let mut total = total
            .ok_or_else(|| self.error(line, Field::Total, fields, "the total is empty".into()))?;
        let mut net = self.amount(fields, Field::Net, line)?;
        let mut vat = self.amount(fields, Field::Vat, line)?;
        if self.cols[Field::Open as usize].is_some() && self.text(fields, Field::Open).is_none() {
            // Nothing open, or all of it? Exports write either as a blank; read as the whole
            // total open, a paid invoice would be claimed.
            return Err(self.error(
                line,
                Field::Open,
                fields,
                "the open amount is empty, which may mean nothing is open or all of it; \
                 write 0,00 when nothing is open and the amount when all of it is"
                    .into(),
            ));
        }
        let mut open = match self.amount(fields, Field::Open, line)? {
            None => self
                .amount(fields, Field::Paid, line)?
                .map(|paid| total - paid),
            open => open,
        };
        // A second column of a field (a total beside the total read, another debtor code)
        // that says otherwise than the column read: which is right?
        for &(f, i) in &self.det.twins {
            let twin = fields.get(i).trim();
            if twin.is_empty() {
                continue;
            }
            // The column read left blank where its twin speaks: the twin would go unread.
            let read = self.text(fields, f).unwrap_or("");
            let differ = if read.trim().is_empty() {
                true
            } else if f == Field::DebtorId {
                !twin.eq_ignore_ascii_case(read.trim())
            } else {
                match (parse_amount(twin, self.mark), parse_amount(read, self.mark)) {
                    (Ok(a), Ok(b)) => a != b,
                    _ => false,
                }
            };
            if differ {
                return Err(self.error(
                    line,
                    f,
                    fields,
                    format!(
                        "column '{}' also speaks of the {} and says '{twin}': which is right is \
                         for a profile to say ([columns] {} = the one to read, and ignore = the \
                         other)",
                        self.det.header[i],
                        f.name(),
                        f.name()
                    ),
                ));
            }
        }
        // An open amount and a paid one that disagree with the total: which is right?
        if self.cols[Field::Open as usize].is_some() {
            if let (Some(o), Some(p)) = (open, self.amount(fields, Field::Paid, line)?) {
                if total - p != o {
                    return Err(self.error(
                        line,
                        Field::Open,
                        fields,
                        format!(
                            "the open amount {o} is not the total {total} less the {p} paid that \
                             '{}' gives; which is right is for the books to say",
                            self.column_name(Field::Paid)
                        ),
                    ));
                }
            }
        }
        // An amount with more decimals than its currency has is not rounded in silence: which
        // way the books round is theirs to say (`12,505` is 12.50 or 12.51).
        let minor = currency.minor_units();
        let paid_or_open = if self.cols[Field::Open as usize].is_some() {
            Field::Open
        } else {
            Field::Paid
        };
        let total_from = if self.cols[Field::Total as usize].is_some() {
            Field::Total
        } else {
            Field::Debit
        };
        for (f, v) in [
            (total_from, Some(total)),
            (Field::Net, net),
            (Field::Vat, vat),
            (paid_or_open, open),
        ] {
            if let Some(v) = v {
                if v.normalize().scale() > minor {
                    return Err(self.error(
                        line,
                        f,
                        fields,
                        format!(
                            "the amount has more decimals than {currency} has ({minor}); export \
                             the amounts as the books round them"
                        ),
                    ));
                }
            }
        }
        if self.sign == SignConvention::Inverted {
            for v in [Some(&mut total), net.as_mut(), vat.as_mut(), open.as_mut()]
                .into_iter()
                .flatten()
            {
                *v = -*v;
            }
        }
        let says = match self.text(fields, Field::Kind) {
            Some(k) => Some(match self.kind_words.get(k) {
                Some(c) => (k, *c),
                None => (
                    k,
                    *self
                        .kind_words
                        .entry(k.to_string())
                        .or_insert_with(|| kind_word(k)),
                ),
            }),
            None => None,
        };
        let credited_invoice = match self.text(fields, Field::CreditedInvoice) {
            Some(n) => Some(
                DocumentNumber::new(strip_float_suffix(n))
                    .map_err(|e| self.error(line, Field::CreditedInvoice, fields, e.to_string()))?,
            ),
            None => None,
        };
        let kind = match says {
            Some((_, KindWord::CreditNote)) => DocumentKind::CreditNote,
            Some(_) if total < Decimal::ZERO => DocumentKind::CreditNote,
            Some((_, KindWord::Invoice)) => DocumentKind::Invoice,
            // Read as an invoice, a credit note the package names otherwise would be claimed.
            Some((k, KindWord::Unknown)) => {
                return Err(self.error(
                    line,
                    Field::Kind,
                    fields,
                    format!(
                        "'{k}' is not a word incasso knows for an invoice or a credit note, so it cannot tell whether this amount is owed by the debtor or to them; name the kind in the file as 'factuur' or 'creditnota' (or 'invoice' / 'credit note')"
                    ),
                ))
            }
            None if total < Decimal::ZERO || credited_invoice.is_some() => DocumentKind::CreditNote,
            None => DocumentKind::Invoice,
        };
        if kind == DocumentKind::CreditNote {
            let flip = total < Decimal::ZERO;
            if flip {
                for v in [Some(&mut total), net.as_mut(), vat.as_mut(), open.as_mut()]
                    .into_iter()
                    .flatten()
                {
                    *v = -*v;
                }
            }
        } else if total < Decimal::ZERO {
            return Err(self.error(
                line,
                Field::Total,
                fields,
                "an invoice with a negative total".into(),
            ));
        }
        if let (Some(n), Some(v)) = (net, vat) {
            if (n + v - total).abs() > Decimal::new(1, 2) {
                return Err(self.error(
                    line,
                    Field::Total,
                    fields,
                    format!("total {total} is not net {n} + VAT {v}"),
                ));
            }
        }
        let said = match self.text(fields, Field::Status) {
            Some(s) => match self.status_words.get(s) {
                Some(st) => Some((s, *st)),
                None => {
                    let word = match self.profile_status.get(&s.to_lowercase()) {
                        Some(st) => StatusWord::Is(*st),
                        None => status_word(s),
                    };
                    self.status_words.insert(s.to_string(), word);
                    Some((s, word))
                }
            },
            None => None,
        };
        let status = match said {
            None => DocumentStatus::Open,
            Some((_, StatusWord::Is(st))) => st,
            Some((_, StatusWord::Credited)) if kind == DocumentKind::CreditNote => {
                DocumentStatus::Open
            }
            Some((_, StatusWord::Credited)) => DocumentStatus::Credited,
            Some((_, StatusWord::PartlyPaid)) if open.is_some() => DocumentStatus::Open,
            Some((s, StatusWord::PartlyPaid)) => {
                return Err(self.error(
                    line,
                    Field::Status,
                    fields,
                    format!(
                        "'{s}' says the document is partly paid, but the file gives no open \
                         amount, so incasso cannot tell what is still owed; export the open \
                         amount (Openstaand) too"
                    ),
                ))
            }
            Some((s, StatusWord::Unknown)) => {
                return Err(self.error(
                    line,
                    Field::Status,
                    fields,
                    format!(
                        "'{s}' is not a status incasso knows (or one it cannot decide on, such \
                         as handed over for collection already), and reading it as open could \
                         claim a paid, credited or planned debt; use words such as 'openstaand', \
                         'betaald', 'betwist', 'regeling' or 'geannuleerd', say what it means in \
                         a profile's [status] table (\"{s}\" = \"open\", paid, disputed, void or \
                         payment-pending), or set the row aside with --skip-bad-rows"
                    ),
                ))
            }
        };
        let debtor_id_text = self
            .text(fields, Field::DebtorId)
            .or_else(|| self.text(fields, Field::DebtorName));
        let debtor_id = match debtor_id_text {
            Some(d) => DebtorId::new(strip_float_suffix(d))
                .map_err(|e| self.error(line, Field::DebtorId, fields, e.to_string()))?,
            None => {
                return Err(self.error(
                    line,
                    Field::DebtorId,
                    fields,
                    "no debtor id or name".into(),
                ))
            }
        };
        let doc = Document {
            creditor: self.creditor.clone(),
            kind,
            number,
            debtor: debtor_id.clone(),
            issue_date,
            due_date,
            // The profile's payment term is the creditor's agreed one; the default is the law's.
            due_assumed: given.is_none() && agreed.is_none() && self.term_assumed,
            currency,
            net,
            vat,
            total,
            source_open: open,
            status,
            credited_invoice,
            payment_reference: self.text(fields, Field::PaymentReference).map(String::from),
            description: self.text(fields, Field::Description).map(String::from),
        };
        Ok(Parsed::Doc(doc))
    }

    /// True when this row holds a debtor detail the known record lacks.
    pub(super) fn fills_gap(&self, fields: &Fields, known: &Debtor) -> bool {
        let has = |f| self.text(fields, f).is_some();
        (known.name.is_none() && has(Field::DebtorName))
            || (known.kind == DebtorKind::Unknown && has(Field::DebtorKind))
            || (known.kvk.is_none() && has(Field::Kvk))
            || (known.vat_number.is_none() && has(Field::VatNumber))
            || (known.email.is_none() && has(Field::Email))
            || (known.phone.is_none() && has(Field::Phone))
            || (known.ibans.is_empty() && has(Field::Iban))
            || (known.address.street.is_none() && has(Field::Street))
            || (known.address.house_number.is_none() && has(Field::HouseNumber))
            || (known.address.postcode.is_none() && has(Field::Postcode))
            || (known.address.city.is_none() && has(Field::City))
            || (known.address.country.is_none() && has(Field::Country))
    }

    pub(super) fn debtor(
        &self,
        fields: &Fields,
        id: DebtorId,
        line: u64,
    ) -> Result<Debtor, RowError> {
        let t = |f| self.text(fields, f).map(String::from);
        // A "name" that only repeats the debtor's code is no name: another source may have one.
        let name = t(Field::DebtorName).filter(|n| !n.eq_ignore_ascii_case(id.as_str()));
        let mut d = Debtor::new(id);
        d.name = name;
        d.kind = match self.text(fields, Field::DebtorKind) {
            Some(k) => match debtor_kind_word(k) {
                Some(kind) => kind,
                None => {
                    return Err(self.error(
                        line,
                        Field::DebtorKind,
                        fields,
                        "not a debtor kind (particulier/consumer, zakelijk/business or \
                         onbekend/unknown)"
                            .into(),
                    ))
                }
            },
            None => self.debtor_kind.unwrap_or_default(),
        };
        d.kvk = t(Field::Kvk);
        d.vat_number = t(Field::VatNumber);
        d.email = t(Field::Email);
        d.phone = t(Field::Phone);
        if let Some(iban) = self.text(fields, Field::Iban) {
            d.ibans.push(
                Iban::parse(iban)
                    .map_err(|e| self.error(line, Field::Iban, fields, e.to_string()))?,
            );
        }
        d.address.street = t(Field::Street);
        d.address.house_number = t(Field::HouseNumber);
        d.address.postcode = t(Field::Postcode);
        d.address.city = t(Field::City);
        d.address.country = t(Field::Country);
        if d.kind == DebtorKind::Unknown && d.kvk.is_some() {
            d.kind = DebtorKind::Business;
        }
        Ok(d)
    }
}

/// SAP and pandas write numbers as floats (`1200401780.0`); the `.0` is not part of the number.
pub(super) fn strip_float_suffix(s: &str) -> &str {
    match s.strip_suffix(".0") {
        Some(head) if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => s,
    }
}

/// What a kind column's word says a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KindWord {
    Invoice,
    CreditNote,
    /// Neither: a positive amount under it may be owed by the debtor or to them.
    Unknown,
}

/// Reads a kind column's word, in Dutch, English, French or German, as an accounting package
/// writes it (`Klant creditfactuur`, `Note de crédit`, `ACCRECCREDIT`, `out_refund`,
/// `Verkoopfactuur`, `Sales invoice`) or as a UNCL1001 document code (EN 16931's BT-3: 380 an
/// invoice, 381 a credit note).
pub(crate) fn kind_word(k: &str) -> KindWord {
    const CREDIT: [&str; 9] = [
        "credit",
        "krediet",
        "kredit",
        "gutschrift",
        "avoir",
        "refund",
        "minfactuur",
        "retour",
        "negatie",
    ];
    // Words that can name either kind: a correction may add or take off, a debtor booking may be
    // anything. Not guessed.
    const EITHER: [&str; 4] = ["correctie", "correction", "debiteurenboeking", "herziening"];
    const CREDIT_CODES: [&str; 19] = [
        "vkc", "vcr", "crd", "gs", "c", "cn", "nc", "cr", "kn", "81", "83", "261", "262", "296",
        "308", "381", "396", "420", "532",
    ];
    const INVOICE: [&str; 11] = [
        "factuur", "invoice", "facture", "rechnung", "faktura", "debet", "debit", "nota",
        "verkoop", "sales", "accrec",
    ];
    const INVOICE_CODES: [&str; 18] = [
        "re", "rg", "d", "f", "i", "inv", "fa", "fac", "fact", "vf", "vk", "380", "383", "384",
        "386", "389", "751", "875",
    ];
    let k = crate::csv::headers::normalise_header(k);
    if CREDIT.iter().any(|w| k.contains(w)) || CREDIT_CODES.contains(&k.as_str()) {
        KindWord::CreditNote
    } else if EITHER.iter().any(|w| k.contains(w)) {
        KindWord::Unknown
    } else if INVOICE.iter().any(|w| k.contains(w)) || INVOICE_CODES.contains(&k.as_str()) {
        KindWord::Invoice
    } else {
        KindWord::Unknown
    }
}

/// What a ledger's status column says of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusWord {
    /// A status incasso keeps as such.
    Is(DocumentStatus),
    /// Credited (`gecrediteerd`): an invoice is then void; a credit note stays in force.
    Credited,
    /// Partly paid: open for what the open-amount column says; a row without one is refused.
    PartlyPaid,
    /// No word incasso knows (or one it cannot decide on, such as "in incasso"): the row is
    /// refused, as reading it as open could claim a paid, credited or planned debt.
    Unknown,
}

/// Reads a status word as accounting packages write them, in Dutch, English, French and German.
/// Words are looked for in this order, so that a longer phrase wins over a word inside it
/// (`gedeeltelijk betaald` over `betaald`, `onbetaald` over `betaald`, `vervallen verklaard`
/// over `vervallen`).
pub(crate) fn status_word(s: &str) -> StatusWord {
    let folded: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(crate::csv::headers::fold_accent)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let w = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let has = |words: &[&str]| words.iter().any(|x| w.contains(x));
    use DocumentStatus as S;
    if has(&[
        "betwist",
        "dispute",
        "dispuut",
        "geschil",
        "bezwaar",
        "contested",
        "reclamatie",
        "litige",
        "conteste",
        "bestritten",
    ]) {
        StatusWord::Is(S::Disputed)
    } else if has(&[
        "gedeeltelijk",
        "deels",
        "deelbetaling",
        "partial",
        "partly",
        "part paid",
        "teilweise",
        "teilbezahlt",
    ]) {
        StatusWord::PartlyPaid
    } else if has(&[
        "onbetaald",
        "niet betaald",
        "unpaid",
        "not paid",
        "impaye",
        "non paye",
        "unbezahlt",
        "nicht bezahlt",
    ]) {
        StatusWord::Is(S::Open)
    } else if has(&[
        "automatische incasso",
        "doorlopende machtiging",
        "direct debit",
        "sepa incasso",
        "incasso verzonden",
        "domiciliering",
        "domiciliation",
        "lastschrift",
        "payment pending",
        "regeling",
        "payment plan",
        "payment arrangement",
        "afbetaling",
        "termijnbetaling",
        "plan de paiement",
        "ratenzahlung",
    ]) {
        // A payment underway upstream, or a plan agreed there: never claimed while so.
        StatusWord::Is(S::PaymentPending)
    } else if has(&[
        "incasso",
        "uit handen",
        "deurwaarder",
        "collection",
        "inkasso",
    ]) {
        // Already handed over for collection, perhaps to another agency: a person decides.
        StatusWord::Unknown
    } else if has(&[
        "gecrediteerd",
        "credited",
        "credit",
        "crediteerd",
        "gutgeschrieben",
    ]) {
        StatusWord::Credited
    } else if has(&[
        "geannuleerd",
        "cancelled",
        "canceled",
        "void",
        "vervallen verklaard",
        "ingetrokken",
        "afgeboekt",
        "afgeschreven",
        "written off",
        "write off",
        "oninbaar",
        "uncollectible",
        "bad debt",
        "verwijderd",
        "deleted",
        "concept",
        "draft",
        "annule",
        "storniert",
        "abgeschrieben",
    ]) {
        StatusWord::Is(S::Void)
    } else if has(&[
        "betaald",
        "paid",
        "voldaan",
        "settled",
        "vereffend",
        "verrekend",
        "afgeletterd",
        "gesloten",
        "closed",
        "paye",
        "acquitte",
        "bezahlt",
        "beglichen",
        "ausgeglichen",
    ]) {
        StatusWord::Is(S::Paid)
    } else if has(&[
        "open",
        "ouvert",
        "offen",
        "outstanding",
        "vervallen",
        "verlopen",
        "te laat",
        "achterstallig",
        "overdue",
        "due",
        "echu",
        "fallig",
        "herinner",
        "aanmaning",
        "wacht op betaling",
        "wachten op betaling",
        "awaiting",
        "te betalen",
        "te ontvangen",
        "uitstaand",
        "gefactureerd",
        "invoiced",
        "billed",
        "sommatie",
        "reminder",
        "rappel",
        "mahnung",
        "reminded",
        "late",
        "verzonden",
        "verstuurd",
        "sent",
        "envoye",
        "versendet",
        "awaiting payment",
        "authorised",
        "authorized",
        "approved",
        "goedgekeurd",
        "geboekt",
        "posted",
        "definitief",
        "final",
        "nieuw",
        "new",
        "pending payment",
    ]) {
        StatusWord::Is(S::Open)
    } else {
        StatusWord::Unknown
    }
}

/// The days of a payment term as exports write it (`30`, `30 dagen`, `netto 14`, `Net 30`,
/// `30 jours`, `14 Tage`, `30 dagen na factuurdatum`; `contant`, `direct` for none); `None`
/// for anything else (`30 dagen einde maand` is another rule).
pub(super) fn payment_term_days(raw: &str) -> Option<u64> {
    const WORDS: [&str; 17] = [
        "dagen",
        "dag",
        "days",
        "day",
        "d",
        "netto",
        "net",
        "jours",
        "jour",
        "j",
        "tage",
        "tag",
        "binnen",
        "within",
        "na",
        "factuurdatum",
        "invoice",
    ];
    const NOW: [&str; 6] = [
        "contant",
        "direct",
        "immediate",
        "onmiddellijk",
        "comptant",
        "sofort",
    ];
    let lower = raw.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let numbers: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let rest_known = |allowed: &[&str]| {
        words
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_digit()) || allowed.contains(w))
    };
    match numbers.as_slice() {
        [] if !words.is_empty() && words.iter().all(|w| NOW.contains(w)) => Some(0),
        [n] if rest_known(&WORDS) => n.parse::<u64>().ok().filter(|&d| d <= 3650),
        _ => None,
    }
}

/// Whether a cell (in lower case) begins with the word of a totals line.
fn totals_word(lower: &str) -> bool {
    ["totaal", "total", "eindtotaal", "grand total"]
        .iter()
        .any(|w| lower.starts_with(w))
}

/// A debtor kind as the books write it; an explicit "unknown" leaves the choice to the policy's
/// `unknown_debtor_type`, as an empty cell does. `None` for a word that is none of these.
fn debtor_kind_word(word: &str) -> Option<DebtorKind> {
    let w = word.trim().to_lowercase();
    const CONSUMER: &[&str] = &[
        "particulier",
        "consument",
        "consumer",
        "private",
        "b2c",
        "prive",
        "privé",
    ];
    const BUSINESS: &[&str] = &[
        "zakelijk",
        "bedrijf",
        "business",
        "company",
        "b2b",
        "onderneming",
    ];
    const UNKNOWN: &[&str] = &[
        "onbekend",
        "unknown",
        "inconnu",
        "unbekannt",
        "n/a",
        "-",
        "?",
    ];
    if CONSUMER.contains(&w.as_str()) {
        Some(DebtorKind::Consumer)
    } else if BUSINESS.contains(&w.as_str()) {
        Some(DebtorKind::Business)
    } else if UNKNOWN.contains(&w.as_str()) {
        Some(DebtorKind::Unknown)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{debtor_kind_word, kind_word, status_word, Fields, KindWord, StatusWord};
    use incasso_core::model::{DebtorKind, DocumentStatus as S};

    /// Consumer, business, and an explicit "unknown" (the policy decides); anything else is
    /// refused with the row and field.
    #[test]
    fn payment_terms_as_exports_write_them() {
        use super::payment_term_days;
        for (raw, days) in [
            ("30", Some(30)),
            ("90 dagen", Some(90)),
            ("Netto 14", Some(14)),
            ("Net 30", Some(30)),
            ("30 jours", Some(30)),
            ("14 Tage", Some(14)),
            ("30 dagen na factuurdatum", Some(30)),
            ("Contant", Some(0)),
            ("30 dagen einde maand", None),
            ("2/10 net 30", None),
            ("", None),
            ("99999", None),
        ] {
            assert_eq!(payment_term_days(raw), days, "{raw}");
        }
    }

    #[test]
    fn debtor_kind_words() {
        for (word, kind) in [
            ("Particulier", Some(DebtorKind::Consumer)),
            (" B2C ", Some(DebtorKind::Consumer)),
            ("Zakelijk", Some(DebtorKind::Business)),
            ("Onbekend", Some(DebtorKind::Unknown)),
            ("unknown", Some(DebtorKind::Unknown)),
            ("Groothandel", None),
        ] {
            assert_eq!(debtor_kind_word(word), kind, "{word}");
        }
    }

    /// Status words as packages and bookkeepers write them: a paid, credited, written-off or
    /// planned debt is never read as open; a word that is neither known nor decidable (handed
    /// over for collection already) is not guessed.
    #[test]
    fn status_words_of_many_packages() {
        let cases: [(&[&str], StatusWord); 8] = [
            (
                &["Betwist", "In dispute", "Bezwaar gemaakt", "Litige"],
                StatusWord::Is(S::Disputed),
            ),
            (
                &["Gedeeltelijk betaald", "Deels voldaan", "Partially paid"],
                StatusWord::PartlyPaid,
            ),
            (
                &[
                    "Regeling",
                    "Betalingsregeling",
                    "In regeling",
                    "Payment plan",
                    "Automatische incasso",
                    "Payment pending",
                ],
                StatusWord::Is(S::PaymentPending),
            ),
            (
                &["In incasso", "Uit handen gegeven", "Deurwaarder"],
                StatusWord::Unknown,
            ),
            (
                &[
                    "Gecrediteerd",
                    "Credited",
                    "Creditnota",
                    "Gecrediteerd / vervallen",
                ],
                StatusWord::Credited,
            ),
            (
                &[
                    "Geannuleerd",
                    "VOIDED",
                    "Vervallen verklaard",
                    "Afgeboekt",
                    "Afgeschreven",
                    "Written off",
                    "Oninbaar",
                    "Concept",
                ],
                StatusWord::Is(S::Void),
            ),
            (
                &[
                    "Betaald",
                    "BETAALD ",
                    "Volledig betaald",
                    "Betaald per bank",
                    "Betaald (bank)",
                    "Paid in full",
                    "Fully paid",
                    "Voldaan",
                    "Vereffend",
                    "Verrekend",
                    "Afgeletterd",
                    "Afgesloten",
                    "Payé",
                ],
                StatusWord::Is(S::Paid),
            ),
            (
                &[
                    "Openstaand",
                    "Onbetaald",
                    "Niet betaald",
                    "Unpaid",
                    "Vervallen",
                    "Overdue",
                    "2e herinnering",
                    "Aanmaning verstuurd",
                    "AUTHORISED",
                    "Herinnerd",
                    "Wacht op betaling debiteur",
                    "late",
                    "pending_payment",
                ],
                StatusWord::Is(S::Open),
            ),
        ];
        for (words, want) in cases {
            for w in words {
                assert_eq!(status_word(w), want, "{w}");
            }
        }
        for w in ["Xyz", "In behandeling", "Gearchiveerd"] {
            assert_eq!(status_word(w), StatusWord::Unknown, "{w}");
        }
    }

    /// Kind words as packages write them (Odoo's Dutch and technical names, Xero's types, the
    /// French and Flemish words, document codes); a word that is neither is not guessed.
    #[test]
    fn kind_words_of_many_packages() {
        for w in [
            "Klant creditfactuur",
            "Note de crédit",
            "Kredietnota",
            "ACCRECCREDIT",
            "out_refund",
            "Gutschrift",
            "Creditnota",
            "credit note",
            "CN",
            "381",
            "Minfactuur",
            "Retournota",
            "Retourfactuur",
            "Negatieve factuur",
            "C",
        ] {
            assert_eq!(kind_word(w), KindWord::CreditNote, "{w}");
        }
        for w in [
            "Verkoopfactuur",
            "Factuur",
            "Sales invoice",
            "out_invoice",
            "ACCREC",
            "Facture",
            "Rechnung",
            "Debetnota",
            "380",
            "F",
            "D",
        ] {
            assert_eq!(kind_word(w), KindWord::Invoice, "{w}");
        }
        for w in [
            "Betaling",
            "Memoriaal",
            "X",
            "Herinnering",
            "Correctiefactuur",
            "Debiteurenboeking",
        ] {
            assert_eq!(kind_word(w), KindWord::Unknown, "{w}");
        }
    }

    /// A worksheet row one of whose read cells holds a formula without a value is refused naming
    /// the cell, wherever the column stands (a middle column is not short, it reads as empty,
    /// which would leave the invoice open); a formula in a column incasso does not read is no
    /// reason to refuse.
    #[test]
    fn a_formula_without_value_is_refused_where_it_is_read() {
        use crate::xlsx::FormulaCell;
        let text = "Factuurnummer;Openstaand;Factuurdatum;Debiteurnummer;Bedrag;Kleur\n\
                    F1;;01-02-2026;D1;100,00;\n\
                    F2;0,00;01-02-2026;D1;50,00;\n";
        let read = |cell: FormulaCell, text: &str| {
            let options = crate::csv::CsvOptions {
                row_word: Some("row"),
                formulas_without_value: vec![cell],
                ..Default::default()
            };
            let mut numbers = Vec::new();
            crate::csv::read_ledger_text(
                "book.xlsx",
                text.to_string(),
                &options,
                &crate::progress::NoProgress,
                |d, _| {
                    numbers.push(d.number.as_str().to_string());
                    Ok(())
                },
            )
            .map(|_| numbers)
            .map_err(|e| e.to_string())
        };
        let open = FormulaCell {
            row: 2,
            column: 1,
            formula: "E2-F2".into(),
        };
        let e = read(open, text).unwrap_err();
        assert!(
            e.contains("row 2, column 'Openstaand': cell B2 holds the formula =E2-F2 but no value"),
            "{e}"
        );
        let memo = FormulaCell {
            row: 2,
            column: 5,
            formula: "IF(B2=0,\"betaald\",\"\")".into(),
        };
        let filled = text.replace("F1;;", "F1;100,00;");
        assert_eq!(read(memo, &filled).unwrap(), ["F1", "F2"]);
    }

    #[test]
    fn a_field_reads_as_text_only_when_it_is_text_on_its_own() {
        let mut rec = csv::ByteRecord::new();
        // "é" is C3 A9: cut between two fields, the record's bytes are valid UTF-8 but neither
        // field is.
        for f in [&b" F-1 "[..], b"caf\xc3", b"\xa9", b"\xe2\x82\xac 5"] {
            rec.push_field(f);
        }
        let fields = Fields::new(&rec);
        assert!(fields.text.is_some());
        let read: Vec<&str> = (0..5).map(|i| fields.get(i)).collect();
        assert_eq!(read, ["F-1", "", "", "€ 5", ""]);
        // A record with bytes that are no text anywhere reads its other fields all the same.
        rec.push_field(b"\xff");
        let fields = Fields::new(&rec);
        assert!(fields.text.is_none());
        assert_eq!(fields.get(0), "F-1");
        assert_eq!(fields.get(3), "€ 5");
        assert_eq!(fields.get(4), "");
    }
}
