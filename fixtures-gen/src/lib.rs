//! The fixture generator behind `incasso fixtures generate`: a deterministic, realistic, noisy
//! ledger export at any scale, and with it a bank statement whose intended outcome is known.
//!
//! The same seed and arguments give the same bytes on every machine: the random source is a
//! SplitMix64 written out here, because general-purpose RNG crates do not promise stable streams
//! across versions.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Datelike, Days, NaiveDate};
use clap::ValueEnum;
use incasso_core::html::escape;
use incasso_core::money::round_cents;
use rust_decimal::Decimal;

mod bank;
pub mod cli;

pub use bank::{debtor_iban, ledger_knows_iban, payment_reference, OWN_IBAN};

/// The export dialects the generator writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// Dutch package export: `;`, decimal comma with thousands dots, dd-mm-yyyy, UTF-8.
    Nl,
    /// The same as saved by Excel on Windows: Windows-1252 and CRLF line ends.
    NlCp1252,
    /// English export: `,`, decimal point with quoted thousands commas, yyyy-mm-dd.
    En,
    /// Dutch Excel export: 20 columns, a title row, real date and number cells.
    Xlsx,
    /// One UBL 2.1 (Peppol BIS 3) invoice or credit note per document, in `ubl/`, with lines.
    Ubl,
}

impl Dialect {
    fn file_name(&self) -> &'static str {
        match self {
            Dialect::Nl => "ledger-nl.csv",
            Dialect::NlCp1252 => "ledger-nl-cp1252.csv",
            Dialect::En => "ledger-en.csv",
            Dialect::Xlsx => "ledger-nl.xlsx",
            Dialect::Ubl => "ubl",
        }
    }
}

/// SplitMix64: small, fast, and stable forever.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub(crate) fn chance(&mut self, per_thousand: u64) -> bool {
        self.below(1000) < per_thousand
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "Maes",
    "Claes",
    "Goossens",
    "Wouters",
    "Desmet",
    "Lefèvre",
    "Müller",
    "Ö'Connor",
    "Çelik",
    "Noël",
];
const TRADES: &[&str] = &[
    "Bakkerij",
    "Installatiebedrijf",
    "Transport",
    "Bouwbedrijf",
    "Adviesbureau",
    "Kapsalon",
    "Garage",
    "Schildersbedrijf",
    "Café",
    "Drukkerij",
    "Hoveniers",
];
const SUFFIXES: &[&str] = &[
    "B.V.",
    "V.O.F.",
    "BV",
    "& Zn.",
    "Holding B.V.",
    "NV",
    "BVBA",
];
const FIRST: &[&str] = &[
    "Jan", "Anna", "Pieter", "Sanne", "Mohamed", "Eva", "Daan", "Émilie", "Lotte", "Sem",
];
const WORK: &[&str] = &[
    "Levering materialen",
    "Onderhoud installatie",
    "Advieswerkzaamheden",
    "Huur apparatuur",
    "Transportkosten",
    "Reparatie; spoed",
    "Abonnement \"Plus\"",
    "Consultancy Q3",
    "Schilderwerk",
];

/// A generated debtor.
pub(crate) struct Debtor {
    id: String,
    pub(crate) name: String,
    consumer: bool,
    kvk: String,
    email: String,
}

fn debtors(rng: &mut Rng, n: u64) -> Vec<Debtor> {
    (0..n)
        .map(|i| {
            let consumer = rng.chance(300);
            let surname = rng.pick(SURNAMES);
            let name = if consumer {
                format!("{} {}", rng.pick(FIRST), surname)
            } else if rng.chance(150) {
                format!(
                    "{} \"{}\" {}",
                    rng.pick(TRADES),
                    surname,
                    rng.pick(SUFFIXES)
                )
            } else {
                format!("{} {} {}", rng.pick(TRADES), surname, rng.pick(SUFFIXES))
            };
            let slug: String = surname
                .chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_lowercase();
            Debtor {
                id: format!("D{:06}", i + 1),
                kvk: if consumer {
                    String::new()
                } else {
                    format!("{:08}", 10_000_000 + rng.below(89_999_999))
                },
                email: if rng.chance(700) {
                    format!("administratie{}@{slug}.example", i + 1)
                } else {
                    String::new()
                },
                name,
                consumer,
            }
        })
        .collect()
}

/// A generated invoice or credit note.
pub(crate) struct Row {
    pub(crate) number: String,
    pub(crate) issue: NaiveDate,
    due: NaiveDate,
    pub(crate) debtor: usize,
    description: &'static str,
    pub(crate) net: Decimal,
    pub(crate) vat: Decimal,
    pub(crate) currency: &'static str,
    pub(crate) credited: String,
    pub(crate) status: &'static str,
}

fn rows(rng: &mut Rng, invoices: u64, debtors: &[Debtor], until: NaiveDate) -> Vec<Row> {
    let mut out = Vec::with_capacity((invoices + invoices / 25) as usize);
    let start = until - Days::new(540);
    let mut credit_seq = 0u64;
    for i in 0..invoices {
        let issue = start + Days::new(rng.below(541));
        let term = if rng.chance(600) {
            30
        } else if rng.chance(500) {
            14
        } else {
            60
        };
        let cents = if rng.chance(850) {
            1_000 + rng.below(250_000)
        } else {
            250_000 + rng.below(5_000_000)
        };
        let net = Decimal::new(cents as i64, 2);
        let rate = if rng.chance(800) {
            Decimal::new(21, 2)
        } else if rng.chance(600) {
            Decimal::new(9, 2)
        } else {
            Decimal::ZERO
        };
        let vat = round_cents(net * rate);
        let status = if rng.chance(20) {
            "Betwist"
        } else if rng.chance(60) {
            "Betaald"
        } else {
            "Openstaand"
        };
        let number = format!("F{}-{:07}", issue.format("%Y"), i + 1);
        let debtor = rng.below(debtors.len() as u64) as usize;
        let currency = if rng.chance(15) { "USD" } else { "EUR" };
        let description = WORK[rng.below(WORK.len() as u64) as usize];
        if rng.chance(30) {
            credit_seq += 1;
            let full = rng.chance(500);
            let (cnet, cvat) = if full {
                (net, vat)
            } else {
                let part = round_cents(net * Decimal::new(rng.below(90) as i64 + 5, 2));
                (part, round_cents(part * rate))
            };
            let cdate = (issue + Days::new(rng.below(40))).min(until);
            out.push(Row {
                number: format!("C{}-{:06}", cdate.format("%Y"), credit_seq),
                issue: cdate,
                due: cdate,
                debtor,
                description: "Creditering",
                net: -cnet,
                vat: -cvat,
                currency,
                credited: number.clone(),
                status: "Openstaand",
            });
        }
        out.push(Row {
            number,
            issue,
            due: issue + Days::new(term),
            debtor,
            description,
            net,
            vat,
            currency,
            credited: String::new(),
            status,
        });
    }
    out
}

fn nl_amount(d: Decimal) -> String {
    let s = incasso_core::money::format_cents(d);
    let (sign, s) = s
        .strip_prefix('-')
        .map(|r| ("-", r))
        .unwrap_or(("", s.as_str()));
    let (int, frac) = s.split_once('.').unwrap_or((s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{frac}")
}

fn en_amount(d: Decimal) -> String {
    nl_amount(d)
        .replace('.', "_")
        .replace(',', ".")
        .replace('_', ",")
}

/// The Dutch export's columns, shared by the CSV and workbook dialects.
const NL_HEADER: [&str; 15] = [
    "Factuurnummer",
    "Factuurdatum",
    "Vervaldatum",
    "Debiteurnummer",
    "Naam",
    "Type debiteur",
    "KvK",
    "E-mail",
    "Omschrijving",
    "Bedrag excl. BTW",
    "BTW",
    "Bedrag incl. BTW",
    "Valuta",
    "Gecrediteerde factuur",
    "Status",
];

/// The Dutch ledger as a workbook: a title row, then 20 columns with date and number cells.
fn write_xlsx(path: &Path, rows: &[Row], debtors: &[Debtor]) -> Result<()> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let header: Vec<&str> = NL_HEADER
        .iter()
        .chain(&["Adres", "Postcode", "Plaats", "Land", "Telefoon"])
        .copied()
        .collect();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Debiteuren")?;
    let date_format = Format::new().set_num_format("dd-mm-yyyy");
    let money = Format::new().set_num_format("#,##0.00");
    ws.write_string(0, 0, "Openstaande posten (gegenereerd)")?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h)?;
    }
    let date =
        |d: NaiveDate| ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 3;
        let d = &debtors[r.debtor];
        let f64_of = |v: Decimal| -> f64 { v.to_string().parse().unwrap_or(0.0) };
        ws.write_string(row, 0, &r.number)?;
        ws.write_date_with_format(row, 1, &date(r.issue)?, &date_format)?;
        ws.write_date_with_format(row, 2, &date(r.due)?, &date_format)?;
        ws.write_string(row, 3, &d.id)?;
        ws.write_string(row, 4, &d.name)?;
        ws.write_string(
            row,
            5,
            if d.consumer {
                "Particulier"
            } else {
                "Zakelijk"
            },
        )?;
        if !d.kvk.is_empty() {
            ws.write_string(row, 6, &d.kvk)?;
        }
        if !d.email.is_empty() {
            ws.write_string(row, 7, &d.email)?;
        }
        ws.write_string(row, 8, r.description)?;
        ws.write_number_with_format(row, 9, f64_of(r.net), &money)?;
        ws.write_number_with_format(row, 10, f64_of(r.vat), &money)?;
        ws.write_number_with_format(row, 11, f64_of(r.net + r.vat), &money)?;
        ws.write_string(row, 12, r.currency)?;
        if !r.credited.is_empty() {
            ws.write_string(row, 13, &r.credited)?;
        }
        ws.write_string(row, 14, r.status)?;
        ws.write_string(row, 15, format!("Dorpsstraat {}", r.debtor % 200 + 1))?;
        ws.write_string(row, 16, format!("{} AB", 1000 + r.debtor % 8999))?;
        ws.write_string(row, 17, "Utrecht")?;
        ws.write_string(row, 18, "NL")?;
        ws.write_string(row, 19, format!("06-{:08}", r.debtor))?;
    }
    wb.save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Escapes text for XML content.
/// One UBL file per document, padded with invoice lines to the size real e-invoices have.
fn write_ubl(dir: &Path, rows: &[Row], debtors: &[Debtor]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for r in rows {
        let d = &debtors[r.debtor];
        let credit = r.net < Decimal::ZERO;
        let (root, type_tag, qty_tag) = if credit {
            ("CreditNote", "CreditNoteTypeCode", "CreditedQuantity")
        } else {
            ("Invoice", "InvoiceTypeCode", "InvoicedQuantity")
        };
        let (net, vat) = (r.net.abs(), r.vat.abs());
        let total = net + vat;
        let c = r.currency;
        let amt = |v: Decimal| incasso_core::money::format_cents(v);
        let mut lines = String::new();
        let n_lines = 64;
        let mut left = net;
        for i in 0..n_lines {
            let line = if i + 1 == n_lines {
                left
            } else {
                incasso_core::money::round_cents(net / Decimal::from(n_lines))
            };
            left -= line;
            lines.push_str(&format!(
                "  <cac:{root}Line>\n    <cbc:ID>{n}</cbc:ID>\n    <cbc:{qty_tag} unitCode=\"C62\">1</cbc:{qty_tag}>\n    <cbc:LineExtensionAmount currencyID=\"{c}\">{a}</cbc:LineExtensionAmount>\n    <cac:Item>\n      <cbc:Description>{desc}, onderdeel {n} van {n_lines}: werkzaamheden volgens opdracht en bijbehorende materialen</cbc:Description>\n      <cbc:Name>{desc} {n}</cbc:Name>\n      <cac:SellersItemIdentification><cbc:ID>ART-{n:05}</cbc:ID></cac:SellersItemIdentification>\n      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>\n    </cac:Item>\n    <cac:Price><cbc:PriceAmount currencyID=\"{c}\">{a}</cbc:PriceAmount></cac:Price>\n  </cac:{root}Line>\n",
                n = i + 1,
                a = amt(line),
                desc = escape(r.description),
            ));
        }
        let billing = if credit && !r.credited.is_empty() {
            format!("  <cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>\n", escape(&r.credited))
        } else {
            String::new()
        };
        let due = if credit {
            String::new()
        } else {
            format!("  <cbc:DueDate>{}</cbc:DueDate>\n", r.due)
        };
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:{root}-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\n  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>\n  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>\n  <cbc:ID>{number}</cbc:ID>\n  <cbc:IssueDate>{issue}</cbc:IssueDate>\n{due}  <cbc:{type_tag}>{code}</cbc:{type_tag}>\n  <cbc:DocumentCurrencyCode>{c}</cbc:DocumentCurrencyCode>\n{billing}  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Acme B.V.</cbc:Name></cac:PartyName><cac:PartyLegalEntity><cbc:RegistrationName>Acme B.V.</cbc:RegistrationName><cbc:CompanyID schemeID=\"0106\">12345678</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>\n  <cac:AccountingCustomerParty><cac:Party>\n    <cac:PartyIdentification><cbc:ID>{debtor}</cbc:ID></cac:PartyIdentification>\n    <cac:PartyName><cbc:Name>{name}</cbc:Name></cac:PartyName>\n    <cac:PostalAddress><cbc:StreetName>Dorpsstraat {street}</cbc:StreetName><cbc:CityName>Utrecht</cbc:CityName><cbc:PostalZone>3511 AB</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country></cac:PostalAddress>\n    <cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName>{kvk}</cac:PartyLegalEntity>\n  </cac:Party></cac:AccountingCustomerParty>\n  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>{number}</cbc:PaymentID><cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>\n  <cac:TaxTotal><cbc:TaxAmount currencyID=\"{c}\">{vat}</cbc:TaxAmount></cac:TaxTotal>\n  <cac:LegalMonetaryTotal>\n    <cbc:LineExtensionAmount currencyID=\"{c}\">{net}</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount currencyID=\"{c}\">{net}</cbc:TaxExclusiveAmount>\n    <cbc:TaxInclusiveAmount currencyID=\"{c}\">{total}</cbc:TaxInclusiveAmount>\n    <cbc:PayableAmount currencyID=\"{c}\">{total}</cbc:PayableAmount>\n  </cac:LegalMonetaryTotal>\n{lines}</{root}>\n",
            number = escape(&r.number),
            issue = r.issue,
            code = if credit { "381" } else { "380" },
            debtor = escape(&d.id),
            name = escape(&d.name),
            street = r.debtor % 200 + 1,
            kvk = if d.kvk.is_empty() { String::new() } else { format!("<cbc:CompanyID schemeID=\"0106\">{}</cbc:CompanyID>", d.kvk) },
            vat = amt(vat),
            net = amt(net),
            total = amt(total),
        );
        let name: String = r
            .number
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || ch == '-' {
                    ch
                } else {
                    '_'
                }
            })
            .collect();
        std::fs::write(dir.join(format!("{name}.xml")), doc)?;
    }
    Ok(())
}

fn write(
    dialect: Dialect,
    path: &Path,
    rows: &[Row],
    debtors: &[Debtor],
    payments: bool,
) -> Result<()> {
    if dialect == Dialect::Xlsx {
        return write_xlsx(path, rows, debtors);
    }
    if dialect == Dialect::Ubl {
        return write_ubl(path, rows, debtors);
    }
    let (delim, header): (u8, [&str; 15]) = match dialect {
        Dialect::Nl | Dialect::NlCp1252 => (b';', NL_HEADER),
        Dialect::En | Dialect::Xlsx | Dialect::Ubl => (
            b',',
            [
                "Invoice No",
                "Invoice Date",
                "Due Date",
                "Customer ID",
                "Customer Name",
                "Customer Type",
                "CoC Number",
                "Email",
                "Description",
                "Net Amount",
                "Tax",
                "Total",
                "Currency",
                "Credited Invoice",
                "Status",
            ],
        ),
    };
    let mut buf: Vec<u8> = Vec::with_capacity(rows.len() * 180);
    {
        let term = if dialect == Dialect::NlCp1252 {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let mut w = csv::WriterBuilder::new()
            .delimiter(delim)
            .terminator(term)
            .from_writer(&mut buf);
        // With a bank statement beside it, the ledger also names accounts and payment references.
        let extra: &[&str] = if payments {
            &["IBAN", "Betalingskenmerk"]
        } else {
            &[]
        };
        w.write_record(header.iter().chain(extra))?;
        for (i, r) in rows.iter().enumerate() {
            let d = &debtors[r.debtor];
            type Formats = (fn(NaiveDate) -> String, fn(Decimal) -> String);
            let (date, amount): Formats = match dialect {
                Dialect::En | Dialect::Xlsx | Dialect::Ubl => {
                    (|d| d.format("%Y-%m-%d").to_string(), en_amount)
                }
                _ => (|d| d.format("%d-%m-%Y").to_string(), nl_amount),
            };
            let kind = match (dialect, d.consumer) {
                (Dialect::En, true) => "Consumer",
                (Dialect::En, false) => "Business",
                (_, true) => "Particulier",
                (_, false) => "Zakelijk",
            };
            let status = match (dialect, r.status) {
                (Dialect::En, "Betwist") => "Disputed",
                (Dialect::En, "Betaald") => "Paid",
                (Dialect::En, _) => "Open",
                (_, s) => s,
            };
            // Noise real exports have: padded cells and the odd blank line.
            let pad = if i % 97 == 0 { " " } else { "" };
            let (iban, reference) = if payments && r.credited.is_empty() {
                let known = bank::ledger_knows_iban(r.debtor);
                (
                    if known {
                        bank::debtor_iban(r.debtor)
                    } else {
                        String::new()
                    },
                    bank::payment_reference(i, &r.number),
                )
            } else {
                (String::new(), String::new())
            };
            let tail: &[&str] = if payments { &[&iban, &reference] } else { &[] };
            let number = format!("{pad}{}", r.number);
            let record = [
                number.as_str(),
                &date(r.issue),
                &date(r.due),
                &d.id,
                &d.name,
                kind,
                &d.kvk,
                &d.email,
                r.description,
                &amount(r.net),
                &amount(r.vat),
                &amount(r.net + r.vat),
                r.currency,
                &r.credited,
                status,
            ];
            w.write_record(record.iter().chain(tail))?;
            if i % 5000 == 4999 {
                w.write_record(std::iter::repeat_n("", header.len() + extra.len()))?;
            }
        }
        w.flush()?;
    }
    let bytes = if dialect == Dialect::NlCp1252 {
        let text = String::from_utf8(buf)?;
        let (enc, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        anyhow::ensure!(
            !unmappable,
            "generated text has characters Windows-1252 cannot hold"
        );
        enc.into_owned()
    } else {
        buf
    };
    let mut f =
        BufWriter::new(File::create(path).with_context(|| format!("creating {}", path.display()))?);
    f.write_all(&bytes)?;
    f.flush()?;
    Ok(())
}

/// What to generate.
pub struct Generate<'a> {
    /// Number of invoices (credit notes come on top).
    pub invoices: u64,
    /// Seed: the same seed and arguments give the same bytes.
    pub seed: u64,
    /// The folder to write into.
    pub out: &'a Path,
    /// Export dialects to write (one file each).
    pub dialects: &'a [Dialect],
    /// Date the ledger runs up to.
    pub until: NaiveDate,
    /// Also a bank statement, padded with outgoing lines to this many lines.
    pub payments: Option<u64>,
    /// Number of debtors (default: one per 20 invoices, 5 to 50,000).
    pub debtors: Option<u64>,
}

/// Writes one ledger file per dialect into `out`; a line per file written.
pub fn generate(g: &Generate<'_>) -> Result<Vec<String>> {
    let Generate {
        invoices,
        seed,
        out,
        dialects,
        until,
        payments,
        debtors: debtor_count,
    } = *g;
    let mut written = Vec::new();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut rng = Rng(seed);
    let debtors = debtors(
        &mut rng,
        debtor_count.unwrap_or((invoices / 20).clamp(5, 50_000)),
    );
    let rows = rows(&mut rng, invoices, &debtors, until);
    for d in dialects {
        let path = out.join(d.file_name());
        write(*d, &path, &rows, &debtors, payments.is_some())?;
        written.push(format!("wrote {} ({} rows)", path.display(), rows.len()));
    }
    if let Some(pad_to) = payments {
        written.push(bank::write(out, &mut rng, &rows, &debtors, until, pad_to)?);
    }
    Ok(written)
}
