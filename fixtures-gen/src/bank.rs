//! The payment side of `incasso fixtures generate --payments`: a bank statement for the
//! generated ledger (camt.053 and Rabobank CSV, the same lines in both), with the noise payers
//! make, and the intended outcome so matching accuracy can be measured.
//!
//! Files: `bank.camt053.xml`, `bank-rabobank.csv`, and in `expected/`: `expected-open.csv`
//! (invoice, open amount the ledger should show, noise class), `expected-lines.csv` (bank
//! reference, kind, class, marker).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Days, NaiveDate};
use incasso_core::ids::Iban;
use incasso_core::matching::references::{kenmerk_for, rf_for};
use incasso_core::money::format_cents;
use rust_decimal::Decimal;

use super::{Debtor, Rng, Row};
use incasso_core::html::escape;

/// The creditor's own account the statement is of.
pub const OWN_IBAN: &str = "NL91ABNA0417164300";
const BANKS: [&str; 6] = ["RABO", "INGB", "ABNA", "TRIO", "SNSB", "KNAB"];

/// A debtor's account: every debtor pays from one; most ledgers know it.
pub fn debtor_iban(index: usize) -> String {
    let bank = BANKS[index % BANKS.len()];
    Iban::with_check(
        "NL",
        &format!(
            "{bank}{:010}",
            1_000_000 + index as u64 * 7919 % 9_000_000_000
        ),
    )
    .expect("generated IBANs are valid")
    .as_str()
    .to_string()
}

/// Whether the ledger export names the debtor's account (nine in ten do).
pub fn ledger_knows_iban(index: usize) -> bool {
    index % 10 != 3
}

/// The payment reference printed on an invoice: a betalingskenmerk, or for some an RF reference.
pub fn payment_reference(row_index: usize, number: &str) -> String {
    if row_index % 4 == 1 {
        rf_for(number)
    } else {
        kenmerk_for(row_index as u64 + 1_000_000)
    }
}

/// One bank line.
struct Line {
    date: NaiveDate,
    amount: Decimal,
    currency: &'static str,
    payer_iban: String,
    payer_name: String,
    text: String,
    structured: Option<String>,
    kind: &'static str,
    class: &'static str,
}

const CLASSES: [(&str, u64); 14] = [
    ("exact", 150),
    ("prose", 150),
    ("lowercase-no-dashes", 80),
    ("sequence-only", 60),
    ("year-sequence", 60),
    ("kenmerk", 120),
    ("rf", 50),
    ("no-reference", 80),
    ("typo", 40),
    ("several", 60),
    ("instalments", 50),
    ("bank-fee", 40),
    ("duplicate", 30),
    ("partly-credited", 30),
];

fn pick_class(rng: &mut Rng) -> &'static str {
    let total: u64 = CLASSES.iter().map(|c| c.1).sum();
    let mut n = rng.below(total);
    for (c, w) in CLASSES {
        if n < w {
            return c;
        }
        n -= w;
    }
    "exact"
}

/// The sequence part of an invoice number without leading zeros (F2026-0000123 -> 123).
fn sequence(number: &str) -> &str {
    number
        .rsplit('-')
        .next()
        .unwrap_or(number)
        .trim_start_matches('0')
}

fn year(number: &str) -> &str {
    number.get(1..5).unwrap_or("")
}

/// Swaps two adjacent different digits of the sequence part.
fn transposed(number: &str) -> String {
    let b = number.as_bytes();
    let dash = number.rfind('-').unwrap_or(0);
    for i in (dash + 1..b.len() - 1).rev() {
        if b[i] != b[i + 1] && b[i].is_ascii_digit() && b[i + 1].is_ascii_digit() {
            let mut v = b.to_vec();
            v.swap(i, i + 1);
            return String::from_utf8(v).expect("ascii");
        }
    }
    number.to_string()
}

/// Writes the bank files and the expected outcome for a generated ledger.
pub(crate) fn write(
    out: &Path,
    rng: &mut Rng,
    rows: &[Row],
    debtors: &[Debtor],
    until: NaiveDate,
    pad_to: u64,
) -> Result<String> {
    let mut credited: HashMap<&str, Decimal> = HashMap::new();
    for r in rows.iter().filter(|r| !r.credited.is_empty()) {
        *credited.entry(r.credited.as_str()).or_default() += -(r.net + r.vat);
    }
    // Invoices a debtor owes, in ledger order.
    let mut by_debtor: Vec<Vec<usize>> = vec![Vec::new(); debtors.len()];
    let mut expected: Vec<(usize, Decimal, &'static str)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if !r.credited.is_empty() {
            continue;
        }
        let total = r.net + r.vat;
        let open = match r.status {
            "Betaald" => Decimal::ZERO,
            _ => (total - credited.get(r.number.as_str()).copied().unwrap_or_default())
                .max(Decimal::ZERO),
        };
        expected.push((i, open, "unpaid"));
        if r.status == "Openstaand" && open > Decimal::ZERO {
            by_debtor[r.debtor].push(expected.len() - 1);
        }
    }
    let mut lines: Vec<Line> = Vec::new();
    for (d, list) in by_debtor.iter().enumerate() {
        let payer_iban = debtor_iban(d);
        let payer_name = debtors[d].name.clone();
        let mut k = 0;
        while k < list.len() {
            let e = list[k];
            k += 1;
            if !rng.chance(700) {
                continue;
            }
            let (ri, open, _) = expected[e];
            let r = &rows[ri];
            let mut class = pick_class(rng);
            if r.currency != "EUR" {
                class = "foreign-currency";
            } else if class == "partly-credited" && open == r.net + r.vat {
                class = "exact";
            } else if class != "partly-credited" && open != r.net + r.vat {
                class = "partly-credited";
            }
            let date = (r.issue + Days::new(5 + rng.below(60))).min(until);
            let line = |amount: Decimal,
                        text: String,
                        structured: Option<String>,
                        class: &'static str| Line {
                date,
                amount,
                currency: r.currency,
                payer_iban: payer_iban.clone(),
                payer_name: payer_name.clone(),
                text,
                structured,
                kind: "payment",
                class,
            };
            let n = r.number.as_str();
            match class {
                "several" => {
                    let mut group = vec![e];
                    while group.len() < 3
                        && k < list.len()
                        && rows[expected[list[k]].0].currency == "EUR"
                    {
                        group.push(list[k]);
                        k += 1;
                    }
                    let sum: Decimal = group.iter().map(|&g| expected[g].1).sum();
                    let names: Vec<&str> = group
                        .iter()
                        .map(|&g| rows[expected[g].0].number.as_str())
                        .collect();
                    lines.push(line(
                        sum,
                        format!("Facturen {}", names.join(", ")),
                        None,
                        class,
                    ));
                    for g in group {
                        expected[g].1 = Decimal::ZERO;
                        expected[g].2 = class;
                    }
                    continue;
                }
                "instalments" => {
                    let parts = 2 + rng.below(2);
                    let each = incasso_core::money::round_cents(open / Decimal::from(parts));
                    let paid = 1 + rng.below(parts);
                    for p in 0..paid {
                        let amount = if p + 1 == parts {
                            open - each * Decimal::from(parts - 1)
                        } else {
                            each
                        };
                        let mut l = line(
                            amount,
                            format!("Termijn {} van {parts} factuur {n}", p + 1),
                            None,
                            class,
                        );
                        l.date = (date + Days::new(30 * p)).min(until);
                        lines.push(l);
                    }
                    let paid_amount = if paid == parts {
                        open
                    } else {
                        each * Decimal::from(paid)
                    };
                    expected[e].1 = open - paid_amount;
                    expected[e].2 = class;
                    continue;
                }
                _ => {}
            }
            let reference = payment_reference(ri, n);
            let (amount, text, structured) = match class {
                "exact" | "partly-credited" | "foreign-currency" => (open, n.to_string(), None),
                "prose" => (
                    open,
                    format!("Betaling van factuur {n}, met vriendelijke groet"),
                    None,
                ),
                "lowercase-no-dashes" => (open, n.replace('-', "").to_lowercase(), None),
                "sequence-only" => (open, format!("fact {}", sequence(n)), None),
                "year-sequence" => (open, format!("{}/{}", year(n), sequence(n)), None),
                "kenmerk" | "rf" => {
                    if reference.starts_with("RF") == (class == "rf") {
                        (open, String::new(), Some(reference))
                    } else {
                        (open, format!("betaling {reference}"), None)
                    }
                }
                "no-reference" => (open, "Bedankt".to_string(), None),
                "typo" => (open, format!("factuur {}", transposed(n)), None),
                "bank-fee" => (
                    open - Decimal::new(50 + rng.below(700) as i64, 2),
                    n.to_string(),
                    None,
                ),
                "duplicate" => (open, n.to_string(), None),
                _ => (open, n.to_string(), None),
            };
            if amount <= Decimal::ZERO {
                continue;
            }
            lines.push(line(amount, text.clone(), structured.clone(), class));
            if class == "duplicate" {
                let mut again = line(amount, text, structured, class);
                again.date = (date + Days::new(3)).min(until);
                again.kind = "duplicate";
                lines.push(again);
            }
            expected[e].1 = open - amount;
            expected[e].2 = class;
        }
    }
    // Money that pays nothing: tax refunds, donations, interest, and supplier payments out.
    let unrelated = (lines.len() as u64 / 50).max(5);
    let start = until - Days::new(400);
    for u in 0..unrelated {
        let (name, text, iban) = match u % 3 {
            0 => (
                "Belastingdienst",
                format!("Teruggaaf omzetbelasting 2025 U{u:07}"),
                "NL86INGB0002445588".to_string(),
            ),
            1 => (
                "Stichting Vrienden",
                format!("Gift voor het jubileum U{u:07}"),
                debtor_iban(1_000_000 + u as usize),
            ),
            _ => (
                "ABN AMRO Bank",
                format!("Creditrente U{u:07}"),
                OWN_IBAN.to_string(),
            ),
        };
        lines.push(Line {
            date: start + Days::new(rng.below(400)),
            amount: Decimal::new(100 + rng.below(200_000) as i64, 2),
            currency: "EUR",
            payer_iban: iban,
            payer_name: name.to_string(),
            text,
            structured: None,
            kind: "unrelated",
            class: "unrelated",
        });
    }
    while (lines.len() as u64) < pad_to {
        let n = lines.len();
        lines.push(Line {
            date: start + Days::new(rng.below(400)),
            amount: -Decimal::new(100 + rng.below(500_000) as i64, 2),
            currency: "EUR",
            payer_iban: debtor_iban(2_000_000 + n % 5000),
            payer_name: "Leverancier".into(),
            text: format!("Inkoopfactuur L{n:08}"),
            structured: None,
            kind: "outgoing",
            class: "outgoing",
        });
    }
    lines.sort_by_key(|l| l.date);
    write_camt(&out.join("bank.camt053.xml"), &lines, until)?;
    write_rabobank(&out.join("bank-rabobank.csv"), &lines)?;

    // The intended outcome beside the data, in a folder of its own: `import DIR` reads only the
    // files directly inside DIR, so the generator's output imports as it is.
    let expected_dir = out.join("expected");
    std::fs::create_dir_all(&expected_dir)?;
    let mut f = BufWriter::new(File::create(expected_dir.join("expected-open.csv"))?);
    writeln!(f, "invoice,expected_open,class")?;
    for (ri, open, class) in &expected {
        writeln!(f, "{},{},{class}", rows[*ri].number, format_cents(*open))?;
    }
    f.flush()?;
    let mut f = BufWriter::new(File::create(expected_dir.join("expected-lines.csv"))?);
    writeln!(f, "reference,kind,class,amount,marker")?;
    for (i, l) in lines.iter().enumerate() {
        let marker = if l.kind == "unrelated" {
            l.text.rsplit(' ').next().unwrap_or("")
        } else {
            ""
        };
        writeln!(
            f,
            "GEN{:09},{},{},{},{marker}",
            i + 1,
            l.kind,
            l.class,
            format_cents(l.amount)
        )?;
    }
    f.flush()?;
    Ok(format!(
        "wrote bank.camt053.xml and bank-rabobank.csv ({} lines) and the expected outcome",
        lines.len()
    ))
}

fn write_camt(path: &Path, lines: &[Line], until: NaiveDate) -> Result<()> {
    let mut f = BufWriter::with_capacity(
        1 << 20,
        File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    writeln!(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(f, "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n <BkToCstmrStmt>\n  <GrpHdr><MsgId>GEN-{until}</MsgId><CreDtTm>{until}T23:00:00Z</CreDtTm></GrpHdr>")?;
    writeln!(f, "  <Stmt>\n   <Id>GEN-1</Id>\n   <CreDtTm>{until}T23:00:00Z</CreDtTm>\n   <Acct><Id><IBAN>{OWN_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>")?;
    for (i, l) in lines.iter().enumerate() {
        let credit = l.amount > Decimal::ZERO;
        let (party, ind) = if credit {
            ("Dbtr", "CRDT")
        } else {
            ("Cdtr", "DBIT")
        };
        let amount = format_cents(l.amount.abs());
        let remittance = match &l.structured {
            Some(r) => format!(
                "<Strd><CdtrRefInf><Ref>{}</Ref></CdtrRefInf></Strd>",
                escape(r)
            ),
            None if l.text.is_empty() => String::new(),
            None => format!("<Ustrd>{}</Ustrd>", escape(&l.text)),
        };
        writeln!(
            f,
            "   <Ntry>\n    <Amt Ccy=\"{c}\">{amount}</Amt>\n    <CdtDbtInd>{ind}</CdtDbtInd>\n    <Sts>BOOK</Sts>\n    <BookgDt><Dt>{d}</Dt></BookgDt>\n    <ValDt><Dt>{d}</Dt></ValDt>\n    <AcctSvcrRef>GEN{n:09}</AcctSvcrRef>\n    <NtryDtls><TxDtls>\n     <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\n     <AmtDtls><TxAmt><Amt Ccy=\"{c}\">{amount}</Amt></TxAmt></AmtDtls>\n     <RltdPties><{party}><Nm>{name}</Nm></{party}><{party}Acct><Id><IBAN>{iban}</IBAN></Id></{party}Acct></RltdPties>\n     <RmtInf>{remittance}</RmtInf>\n    </TxDtls></NtryDtls>\n   </Ntry>",
            c = l.currency,
            d = l.date,
            n = i + 1,
            name = escape(&l.payer_name),
            iban = l.payer_iban,
        )?;
    }
    writeln!(f, "  </Stmt>\n </BkToCstmrStmt>\n</Document>")?;
    f.flush()?;
    Ok(())
}

/// Rabobank's CSV export (since 2018): comma-separated, quoted, ISO dates, signed decimal-comma amounts.
fn write_rabobank(path: &Path, lines: &[Line]) -> Result<()> {
    let f = BufWriter::with_capacity(
        1 << 20,
        File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(f);
    w.write_record([
        "IBAN/BBAN",
        "Munt",
        "BIC",
        "Volgnr",
        "Datum",
        "Rentedatum",
        "Bedrag",
        "Saldo na trn",
        "Tegenrekening IBAN/BBAN",
        "Naam tegenpartij",
        "Naam uiteindelijke partij",
        "Naam initiërende partij",
        "BIC tegenpartij",
        "Code",
        "Batch ID",
        "Transactiereferentie",
        "Machtigingskenmerk",
        "Incassant ID",
        "Betalingskenmerk",
        "Omschrijving-1",
        "Omschrijving-2",
        "Omschrijving-3",
        "Reden retour",
        "Oorspr bedrag",
        "Oorspr munt",
        "Koers",
    ])?;
    let mut balance = Decimal::ZERO;
    for (i, l) in lines.iter().enumerate() {
        balance += l.amount;
        let signed = |d: Decimal| {
            let s = format_cents(d).replace('.', ",");
            if d >= Decimal::ZERO {
                format!("+{s}")
            } else {
                s
            }
        };
        let date = l.date.to_string();
        w.write_record([
            OWN_IBAN,
            l.currency,
            "ABNANL2A",
            &format!("{:018}", i + 1),
            &date,
            &date,
            &signed(l.amount),
            &signed(balance),
            &l.payer_iban,
            &l.payer_name,
            "",
            "",
            "",
            if l.amount > Decimal::ZERO { "cb" } else { "bg" },
            "",
            "",
            "",
            "",
            l.structured.as_deref().unwrap_or(""),
            &l.text,
            "",
            "",
            "",
            "",
            "",
            "",
        ])?;
    }
    w.flush()?;
    Ok(())
}
