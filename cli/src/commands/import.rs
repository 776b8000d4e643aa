//! `incasso import`: files into the store, each atomically, each reported.

use std::path::PathBuf;

use anyhow::Result;
use incasso_engine::import::{import_paths, ImportOptions, Listing};

use crate::console::Console;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso import`.
#[derive(clap::Args)]
pub struct Args {
    /// Files or folders (every file directly inside a folder is imported).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Mapping profile (TOML) for columns, delimiter, decimal mark, date format, encoding, sign.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Import the good rows and write the bad ones beside the input as NAME.rejected.csv.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// For workbooks: the sheet to read (default: the first with a ledger header).
    #[arg(long)]
    pub sheet: Option<String>,
    /// MT940 and camt.053: import a statement whose lines do not add up to its closing balance
    /// (when the bank has no better file); the mismatch is shown and kept in the audit log.
    #[arg(long)]
    pub accept_unbalanced: bool,
    /// Ledger exports: the file lists every open item of the books (an open-items report), so a
    /// document an earlier ledger file brought that is still open here and not in it was settled
    /// in the books: it is closed (status paid, its place "not listed") and never claimed.
    #[arg(long)]
    pub complete: bool,
    /// With --complete: settle also when that closes more than half of the open items (refused
    /// otherwise, as the sign of a wrong file).
    #[arg(long, requires = "complete")]
    pub settle_most: bool,
}

/// Imports every path; a failing file is reported and the others still run (exit 1 at the end).
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let options = ImportOptions {
        profile: a.profile,
        skip_bad_rows: a.skip_bad_rows,
        sheet: a.sheet,
        accept_unbalanced: a.accept_unbalanced,
        listing: if a.complete {
            Listing::EveryOpenItem {
                settle_most: a.settle_most,
            }
        } else {
            Listing::Some
        },
    };
    let t = import_paths(&ctx.ws, &a.paths, &options, &Console)?;
    println!(
        "{} file(s): {} imported, {} already imported, {} failed",
        t.files, t.imported, t.unchanged, t.failed
    );
    Ok(ExitStatus::from_ok(t.failed == 0))
}
