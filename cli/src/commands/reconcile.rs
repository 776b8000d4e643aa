//! `incasso reconcile`: works out what the payments paid and keeps it in the store, so later
//! reads with nothing new reuse it; `--full` works it out from scratch and checks the kept one.

use anyhow::Result;
use incasso_engine::reconciled::{recompute, reconciled, Check, Reconciled};

use crate::args::AsOf;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso reconcile`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    as_of: AsOf,
    /// Match everything again from scratch and check the kept reconciliation against it (exit 1
    /// when they differ; the fresh one is kept either way).
    #[arg(long)]
    full: bool,
}

/// Reconciles, or with `--full` checks the kept reconciliation.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let as_of = ctx.date(a.as_of.as_of);
    let store = ctx.ws.store()?;
    let policy = &ctx.ws.policy()?.matching;
    if !a.full {
        let r = reconciled(store, as_of, policy)?;
        let how = if r.timings.kept {
            "reused: nothing changed since it was worked out".to_string()
        } else {
            "worked out and kept".to_string()
        };
        println!("{}; {how}", summary(&r, as_of));
        return Ok(ExitStatus::Success);
    }
    let (r, check) = recompute(store, as_of, policy)?;
    let line = summary(&r, as_of);
    Ok(match check {
        Check::Same => {
            println!("{line}; a full recomputation gives exactly the kept reconciliation");
            ExitStatus::Success
        }
        Check::NoneKept => {
            println!("{line}; none was kept for these inputs: worked out and kept");
            ExitStatus::Success
        }
        Check::Differed => {
            eprintln!(
                "error: the kept reconciliation differed from a full recomputation; the fresh one is kept now"
            );
            println!("{line}");
            ExitStatus::Failure
        }
    })
}

fn summary(r: &Reconciled, as_of: chrono::NaiveDate) -> String {
    let payments = r
        .rec
        .allocations
        .iter()
        .filter(|a| matches!(a.from, incasso_core::model::AllocationSource::Payment(_)))
        .count();
    format!(
        "reconciled as of {as_of}: {} documents, {} bank lines, {payments} allocations of payments, {} doubtful matches in review",
        r.docs.len(),
        r.payments.len(),
        r.matching.review.len()
    )
}
