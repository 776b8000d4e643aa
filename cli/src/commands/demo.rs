//! `incasso demo`: the whole current flow on the bundled fixtures, in a fresh data directory.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::{Basis, Format};

/// Imports `fixtures/ledger`, imports it again (nothing changes), imports the bank statements of
/// `fixtures/bank`, then shows what they paid, ageing and open items.
pub fn run(fixtures: &Path, data_dir: &Path, as_of: NaiveDate) -> Result<ExitCode> {
    let ledger = fixtures.join("ledger");
    anyhow::ensure!(
        ledger.is_dir(),
        "{} not found: run the demo from the repository root or pass --fixtures",
        ledger.display()
    );
    let marker = data_dir.join(".incasso-demo");
    if data_dir.exists() {
        anyhow::ensure!(
            marker.exists(),
            "{} exists and was not made by the demo; pass another --store",
            data_dir.display()
        );
        std::fs::remove_dir_all(data_dir)
            .with_context(|| format!("clearing {}", data_dir.display()))?;
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    std::fs::write(
        &marker,
        "made by `incasso demo`; the next demo clears this folder\n",
    )?;
    println!(
        "== import {} into a fresh store at {}",
        ledger.display(),
        data_dir.display()
    );
    super::import::run(data_dir, std::slice::from_ref(&ledger), None, false, None)?;
    println!("\n== the same files again: recognised, nothing changes");
    super::import::run(data_dir, &[ledger], None, false, None)?;
    let bank = fixtures.join("bank");
    println!(
        "\n== bank statements {}: camt.053, MT940 and a CSV export overlapping the camt",
        bank.display()
    );
    super::import::run(data_dir, &[bank], None, false, None)?;
    println!("\n== what the payments paid, as of {as_of}");
    super::payments::allocations(data_dir, as_of, Format::Table)?;
    println!("\n== money received but not applied");
    super::payments::unmatched(data_dir, as_of, Format::Table)?;
    println!("\n== doubtful matches waiting for a person (confirm with `incasso allocate`)");
    super::payments::review(data_dir, as_of, Format::Table)?;
    println!("\n== ageing as of {as_of}");
    super::report::ageing(
        data_dir,
        as_of,
        false,
        "30,60,90",
        Basis::Due,
        Format::Table,
    )?;
    println!("\n== open items as of {as_of}");
    super::report::receivables(data_dir, as_of, Format::Table)?;
    println!(
        "\nThe store is in {dir}. Look further with, for example:",
        dir = data_dir.display()
    );
    println!(
        "  incasso --data-dir {} ageing --as-of {as_of} --by debtor",
        data_dir.display()
    );
    println!(
        "  incasso --data-dir {} receivables --as-of {as_of} --format json",
        data_dir.display()
    );
    println!("  incasso --data-dir {} audit", data_dir.display());
    Ok(ExitCode::SUCCESS)
}
