//! `incasso allocations`, `unmatched`, `review`, `allocate` and `unallocate`: what the bank
//! lines paid, what they did not, and the decisions a person makes about them.

use crate::exit::ExitStatus;
use std::collections::HashMap;
use std::io::BufWriter;
use std::str::FromStr;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use incasso_core::collection::rules::possible_payment;
use incasso_core::ids::DocumentNumber;
use incasso_core::matching::ManualDecision;
use incasso_core::model::{AllocationSource, DocumentKey, DocumentKind};
use incasso_core::money::format_cents;
use incasso_store::Store;
use rust_decimal::Decimal;

use crate::args::{AsOf, Format};
use crate::{render, Ctx};
use incasso_engine::reconciled::{reconciled, Reconciled};

/// Arguments of `incasso allocations`, `unmatched` and `review`.
#[derive(clap::Args, Clone, Copy)]
pub struct ListArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Arguments of `incasso allocate`.
#[derive(clap::Args)]
pub struct AllocateArgs {
    /// The payment's id (see `incasso unmatched` or `incasso review`).
    pub payment: String,
    /// The invoice (or credit note) number.
    pub document: String,
    /// How much of the payment (default: what is open, up to the payment).
    pub amount: Option<String>,
}

/// Arguments of `incasso unallocate`.
#[derive(clap::Args)]
pub struct UnallocateArgs {
    /// The payment's id.
    pub payment: String,
    /// The document it must not pay.
    pub document: Option<String>,
}

fn load(ctx: &Ctx, as_of: NaiveDate) -> Result<Reconciled> {
    reconciled(ctx.ws.store()?, as_of, &ctx.ws.policy()?.matching)
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

fn print(format: Format, head: &[&str], rows: &[Vec<String>]) -> Result<ExitStatus> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    // A table is for people: where each line came from is in the CSV and JSON.
    let keep: Vec<usize> = (0..head.len())
        .filter(|&i| format != Format::Table || head[i] != "source")
        .collect();
    let head: Vec<&str> = keep.iter().map(|&i| head[i]).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| keep.iter().filter_map(|&i| r.get(i).cloned()).collect())
        .collect();
    render::rows(&mut out, format, &header(&head), &rows)?;
    Ok(ExitStatus::Success)
}

/// Every allocation of a payment: payment, document, amount, rule, confidence.
pub fn allocations(ctx: &Ctx, a: ListArgs) -> Result<ExitStatus> {
    let format = a.format;
    let r = load(ctx, ctx.date(a.as_of.as_of))?;
    if format == Format::Json {
        return allocations_with_evidence(&r);
    }
    let mut rows: Vec<Vec<String>> = r
        .rec
        .allocations
        .iter()
        .filter_map(|a| match &a.from {
            AllocationSource::Payment(id) => Some(vec![
                id.clone(),
                a.document.number.clone(),
                format_cents(a.amount.amount()),
                a.rule.code().to_string(),
                a.confidence.to_string(),
            ]),
            _ => None,
        })
        .collect();
    rows.sort();
    print(
        format,
        &["payment", "document", "amount", "rule", "confidence"],
        &rows,
    )
}

/// The allocations as JSON, each with the evidence it rests on: the payment as the bank gave it
/// (date, amount, payer's name and account, text, structured reference), whom matching took the
/// payer for, and the notes matching made (a typo taken, a shortfall, a name standing in for an
/// account).
fn allocations_with_evidence(r: &Reconciled) -> Result<ExitStatus> {
    let by_id: HashMap<&str, usize> = r
        .payments
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut out: Vec<serde_json::Value> = r
        .rec
        .allocations
        .iter()
        .filter_map(|a| {
            let AllocationSource::Payment(id) = &a.from else {
                return None;
            };
            let i = *by_id.get(id.as_str())?;
            let (p, o) = (&r.payments[i], &r.matching.outcomes[i]);
            Some(serde_json::json!({
                "payment": id,
                "document": a.document.number,
                "amount": format_cents(a.amount.amount()),
                "rule": a.rule.code(),
                "confidence": a.confidence,
                "evidence": {
                    "date": p.date.to_string(),
                    "paid": format_cents(p.amount.amount()),
                    "currency": p.amount.currency().to_string(),
                    "payer_name": p.counterparty_name,
                    "payer_account": p.counterparty_account,
                    "text": p.remittance,
                    "structured_reference": p.structured_reference,
                    "payer_taken_for": o.debtor.as_ref().map(|d| d.as_str()),
                    "notes": o.notes,
                    "signals": o.evidence,
                    "source": p.provenance.to_string(),
                },
            }))
        })
        .collect();
    out.sort_by(|a, b| {
        (a["payment"].as_str(), a["document"].as_str())
            .cmp(&(b["payment"].as_str(), b["document"].as_str()))
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitStatus::Success)
}

/// Payments received but not (fully) applied: unidentified money and unapplied cash.
pub fn unmatched(ctx: &Ctx, a: ListArgs) -> Result<ExitStatus> {
    let format = a.format;
    let r = load(ctx, ctx.date(a.as_of.as_of))?;
    let mut rows = Vec::new();
    for (p, o) in r.payments.iter().zip(&r.matching.outcomes) {
        if !o.money_not_applied() {
            continue;
        }
        rows.push(vec![
            p.id.clone(),
            p.date.to_string(),
            format_cents(p.amount.amount()),
            p.amount.currency().to_string(),
            format_cents(o.unapplied),
            o.status.code().to_string(),
            o.debtor
                .as_ref()
                .map(|d| d.as_str().to_string())
                .unwrap_or_default(),
            p.counterparty_name.clone().unwrap_or_default(),
            p.counterparty_account.clone().unwrap_or_default(),
            p.remittance.clone().unwrap_or_default(),
            o.notes.join("; "),
            p.provenance.to_string(),
        ]);
    }
    rows.sort_by(|a, b| (&a[1], &a[0]).cmp(&(&b[1], &b[0])));
    print(
        format,
        &[
            "payment",
            "date",
            "amount",
            "currency",
            "unapplied",
            "status",
            "debtor",
            "payer",
            "payer_account",
            "text",
            "notes",
            "source",
        ],
        &rows,
    )
}

/// Doubtful matches waiting for a person: each candidate with its rule, confidence, the reason
/// it waits and the evidence for and against it.
pub fn review(ctx: &Ctx, a: ListArgs) -> Result<ExitStatus> {
    let (format, as_of) = (a.format, ctx.date(a.as_of.as_of));
    let r = load(ctx, as_of)?;
    let mut rows: Vec<Vec<String>> = r
        .matching
        .review
        .iter()
        .map(|pr| {
            let p = &r.payments[pr.payment];
            vec![
                p.id.clone(),
                p.date.to_string(),
                format_cents(p.amount.amount()),
                pr.document.number.clone(),
                format_cents(pr.amount.amount()),
                pr.rule.code().to_string(),
                pr.confidence.to_string(),
                pr.reason.clone(),
                p.remittance.clone().unwrap_or_default(),
                pr.evidence_text(),
            ]
        })
        .collect();
    // Items the claims gate holds because one of these payments may have paid them: the same
    // decisions (allocate, or unallocate PAYMENT DOCUMENT for "not this payment") release them.
    let computed = incasso_engine::claims::preview_of(&ctx.ws, &r, as_of, None, false)?;
    let by_id: HashMap<&str, &incasso_core::model::Payment> =
        r.payments.iter().map(|p| (p.id.as_str(), p)).collect();
    for e in computed
        .preview
        .excluded
        .iter()
        .filter(|e| e.rule == possible_payment::RULE)
    {
        let payment = e
            .reason
            .strip_prefix("possible payment ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("");
        let p = by_id.get(payment);
        rows.push(vec![
            payment.to_string(),
            p.map(|p| p.date.to_string()).unwrap_or_default(),
            p.map(|p| format_cents(p.amount.amount()))
                .unwrap_or_default(),
            e.number.clone(),
            format_cents(e.open),
            e.rule.to_string(),
            String::new(),
            e.reason.clone(),
            p.and_then(|p| p.remittance.clone()).unwrap_or_default(),
            String::new(),
        ]);
    }
    print(
        format,
        &[
            "payment",
            "date",
            "amount",
            "document",
            "proposed",
            "rule",
            "confidence",
            "reason",
            "text",
            "evidence",
        ],
        &rows,
    )
}

/// The document a user names: an invoice by default, a credit note when only that exists.
fn document_key(store: &Store, number: &str) -> Result<DocumentKey> {
    let n = DocumentNumber::new(number)?;
    let creditor = store.creditor()?;
    let key = |kind| DocumentKey {
        creditor: creditor.clone(),
        kind,
        number: n.normalised().into_owned(),
    };
    for kind in [DocumentKind::Invoice, DocumentKind::CreditNote] {
        if !store.document_history(&key(kind))?.is_empty() {
            return Ok(key(kind));
        }
    }
    anyhow::bail!("document {number} is not in the ledger")
}

fn known_payment(store: &Store, id: &str) -> Result<()> {
    anyhow::ensure!(
        store.payments()?.iter().any(|p| p.id == id),
        "payment {id} is not in the ledger (see `incasso unmatched` or `incasso allocations`)"
    );
    Ok(())
}

/// Records that a payment pays a document (all of what is open, or the amount given).
pub fn allocate(ctx: &Ctx, a: AllocateArgs) -> Result<ExitStatus> {
    let (payment, document, amount) =
        (a.payment.as_str(), a.document.as_str(), a.amount.as_deref());
    let store = ctx.ws.store()?;
    known_payment(store, payment)?;
    let document = document_key(store, document)?;
    let amount = amount
        .map(|a| {
            Decimal::from_str(a.trim())
                .with_context(|| format!("amount '{a}' is not a number like 12.50"))
        })
        .transpose()?;
    anyhow::ensure!(
        amount.is_none_or(|a| a > Decimal::ZERO),
        "the amount must be positive"
    );
    let number = document.number.clone();
    store.add_decision(
        &ManualDecision::Allocate {
            payment: payment.to_string(),
            document,
            amount,
        },
        chrono::Utc::now(),
    )?;
    println!("payment {payment} is allocated to {number}; this decision wins over the matching rules from now on");
    Ok(ExitStatus::Success)
}

/// Records that a payment must not pay a document (or any document).
pub fn unallocate(ctx: &Ctx, a: UnallocateArgs) -> Result<ExitStatus> {
    let (payment, document) = (a.payment.as_str(), a.document.as_deref());
    let store = ctx.ws.store()?;
    known_payment(store, payment)?;
    let document = document.map(|d| document_key(store, d)).transpose()?;
    let what = document.as_ref().map(|d| d.number.clone());
    store.add_decision(
        &ManualDecision::Unallocate {
            payment: payment.to_string(),
            document,
        },
        chrono::Utc::now(),
    )?;
    match what {
        Some(n) => println!("payment {payment} will not be allocated to {n}"),
        None => println!(
            "payment {payment} will not be allocated to any document; it stays as unapplied cash"
        ),
    }
    Ok(ExitStatus::Success)
}
