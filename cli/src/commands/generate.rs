//! `incasso fixtures generate`: a deterministic, realistic, noisy ledger export at any scale.
//!
//! The same seed and arguments give the same bytes on every machine: the random source is a
//! SplitMix64 written out here, because general-purpose RNG crates do not promise stable streams
//! across versions.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{Days, NaiveDate};
use clap::ValueEnum;
use incasso_core::money::round_cents;
use rust_decimal::Decimal;

/// The export dialects the generator writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// Dutch package export: `;`, decimal comma with thousands dots, dd-mm-yyyy, UTF-8.
    Nl,
    /// The same as saved by Excel on Windows: Windows-1252 and CRLF line ends.
    NlCp1252,
    /// English export: `,`, decimal point with quoted thousands commas, yyyy-mm-dd.
    En,
}

impl Dialect {
    fn file_name(&self) -> &'static str {
        match self {
            Dialect::Nl => "ledger-nl.csv",
            Dialect::NlCp1252 => "ledger-nl-cp1252.csv",
            Dialect::En => "ledger-en.csv",
        }
    }
}

/// SplitMix64: small, fast, and stable forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, per_thousand: u64) -> bool {
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

struct Debtor {
    id: String,
    name: String,
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

struct Row {
    number: String,
    issue: NaiveDate,
    due: NaiveDate,
    debtor: usize,
    description: &'static str,
    net: Decimal,
    vat: Decimal,
    currency: &'static str,
    credited: String,
    status: &'static str,
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

fn write(dialect: Dialect, path: &Path, rows: &[Row], debtors: &[Debtor]) -> Result<()> {
    let (delim, header): (u8, [&str; 15]) = match dialect {
        Dialect::Nl | Dialect::NlCp1252 => (
            b';',
            [
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
            ],
        ),
        Dialect::En => (
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
        w.write_record(header)?;
        for (i, r) in rows.iter().enumerate() {
            let d = &debtors[r.debtor];
            type Formats = (fn(NaiveDate) -> String, fn(Decimal) -> String);
            let (date, amount): Formats = match dialect {
                Dialect::En => (|d| d.format("%Y-%m-%d").to_string(), en_amount),
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
            w.write_record([
                format!("{pad}{}", r.number).as_str(),
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
            ])?;
            if i % 5000 == 4999 {
                w.write_record(std::iter::repeat_n("", header.len()))?;
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

/// Writes one ledger file per dialect into `out`.
pub fn run(
    invoices: u64,
    seed: u64,
    out: &Path,
    dialects: &[Dialect],
    until: NaiveDate,
) -> Result<ExitCode> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut rng = Rng(seed);
    let debtors = debtors(&mut rng, (invoices / 20).clamp(5, 50_000));
    let rows = rows(&mut rng, invoices, &debtors, until);
    for d in dialects {
        let path = out.join(d.file_name());
        write(*d, &path, &rows, &debtors)?;
        println!("wrote {} ({} rows)", path.display(), rows.len());
    }
    Ok(ExitCode::SUCCESS)
}
