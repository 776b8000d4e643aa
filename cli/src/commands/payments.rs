//! `incasso allocations`, `unmatched`, `review`, `allocate` and `unallocate`: what the bank
//! lines paid, what they did not, and the decisions a person makes about them.

use crate::exit::ExitStatus;
use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::money::format_cents;

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

fn print(format: Format, head: &[&str], rows: &[Vec<String>]) -> Result<ExitStatus> {
    let mut out = render::stdout();
    // A table is for people: where each line came from is in the CSV and JSON.
    let keep: Vec<usize> = (0..head.len())
        .filter(|&i| format != Format::Table || head[i] != "source")
        .collect();
    let head: Vec<&str> = keep.iter().map(|&i| head[i]).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| keep.iter().filter_map(|&i| r.get(i).cloned()).collect())
        .collect();
    render::rows(&mut out, format, &head, &rows)?;
    Ok(ExitStatus::Success)
}

/// Every allocation of a payment: payment, document, amount, rule, confidence; as JSON with
/// the evidence each rests on.
pub fn allocations(ctx: &Ctx, a: ListArgs) -> Result<ExitStatus> {
    let as_of = ctx.date(a.as_of.as_of);
    if a.format == Format::Json {
        let all = incasso_engine::payments::allocations(&load(ctx, as_of)?);
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitStatus::Success);
    }
    let allocations = incasso_engine::reconciled::allocations(
        ctx.ws.store()?,
        as_of,
        &ctx.ws.policy()?.matching,
    )?;
    let head = ["payment", "document", "amount", "rule", "confidence"];
    let rows = incasso_engine::payments::allocation_rows(&allocations);
    if a.format == Format::Csv {
        let mut out = render::stdout();
        render::csv(&mut out, &head, rows)?;
        out.flush()?;
        render::exit_without_freeing(allocations);
        return Ok(ExitStatus::Success);
    }
    print(a.format, &head, &rows.map(Vec::from).collect::<Vec<_>>())
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
/// it waits and the evidence for and against it; then the invoices the claims gate holds.
pub fn review(ctx: &Ctx, a: ListArgs) -> Result<ExitStatus> {
    let (format, as_of) = (a.format, ctx.date(a.as_of.as_of));
    let r = load(ctx, as_of)?;
    let rows: Vec<Vec<String>> = incasso_engine::payments::everything(&ctx.ws, &r, as_of)?
        .into_iter()
        .map(|i| {
            vec![
                i.payment,
                i.date.map(|d| d.to_string()).unwrap_or_default(),
                i.amount.map(format_cents).unwrap_or_default(),
                i.document,
                format_cents(i.proposed),
                i.rule,
                i.confidence.map(|c| c.to_string()).unwrap_or_default(),
                i.reason,
                i.text,
                i.evidence,
            ]
        })
        .collect();
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

/// Records that a payment pays a document (all of what is open, or the amount given).
pub fn allocate(ctx: &Ctx, a: AllocateArgs) -> Result<ExitStatus> {
    let amount = a
        .amount
        .as_deref()
        .map(incasso_engine::decisions::typed_amount)
        .transpose()?;
    let number = incasso_engine::decisions::allocate(
        &ctx.ws,
        &a.payment,
        &a.document,
        amount,
        &format!(
            "{} (incasso allocate)",
            incasso_engine::decisions::os_user()
        ),
    )?;
    println!(
        "payment {} is allocated to {number}; this decision wins over the matching rules from now on",
        a.payment
    );
    println!(
        "{}",
        incasso_engine::decisions::effect(&ctx.ws, &a.payment, ctx.date(None))?
    );
    Ok(ExitStatus::Success)
}

/// Records that a payment must not pay a document (or any document).
pub fn unallocate(ctx: &Ctx, a: UnallocateArgs) -> Result<ExitStatus> {
    let payment = &a.payment;
    match incasso_engine::decisions::unallocate(
        &ctx.ws,
        payment,
        a.document.as_deref(),
        &format!(
            "{} (incasso unallocate)",
            incasso_engine::decisions::os_user()
        ),
    )? {
        Some(n) => println!("payment {payment} will not be allocated to {n}"),
        None => println!(
            "payment {payment} will not be allocated to any document; it stays as unapplied cash"
        ),
    }
    Ok(ExitStatus::Success)
}
