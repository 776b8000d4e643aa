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
    // The creditor that letters and claims name (set yours under [creditor] in policy.toml).
    std::fs::write(
        data_dir.join("policy.toml"),
        "[creditor]\nname = \"Demo Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\naddress = \"Voorbeeldstraat 1, 1234 AB Utrecht\"\nkvk = \"12345678\"\nemail = \"debiteuren@demo.example\"\n",
    )?;
    println!(
        "== import {} into a fresh store at {}",
        ledger.display(),
        data_dir.display()
    );
    super::import::run(
        data_dir,
        std::slice::from_ref(&ledger),
        None,
        false,
        None,
        false,
    )?;
    println!("\n== the same files again: recognised, nothing changes");
    super::import::run(data_dir, &[ledger], None, false, None, false)?;
    let bank = fixtures.join("bank");
    println!(
        "\n== bank statements {}: camt.053, MT940 and a CSV export overlapping the camt",
        bank.display()
    );
    super::import::run(data_dir, &[bank], None, false, None, false)?;
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
    submit_to_local_agency(data_dir)?;
    let report = data_dir.join("report.html");
    super::report_html::write(data_dir, as_of, &report, None, None, None)?;
    println!("\n== report written to {}", report.display());
    let me = invocation();
    println!(
        "\nThe store is in {dir}. Look further with, for example (from this folder):",
        dir = data_dir.display()
    );
    for rest in [
        format!("ageing --as-of {as_of} --by debtor"),
        format!("receivables --as-of {as_of} --format json"),
        format!("letter --debtor C-01 --date {as_of}"),
        "audit".to_string(),
    ] {
        println!("  {me} --data-dir {} {rest}", data_dir.display());
    }
    if me != "incasso" {
        println!("(`cargo install --path cli` puts `incasso` on your PATH.)");
    }
    Ok(ExitCode::SUCCESS)
}

/// How to run this very binary from the current folder: `incasso` when that is what the PATH
/// finds, else its path relative to here (`target/release/incasso`), else its full path.
fn invocation() -> String {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "incasso".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            dir.join("incasso")
                .canonicalize()
                .is_ok_and(|found| found == me)
        })
    });
    if on_path {
        return "incasso".into();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| me.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| me.display().to_string())
}

/// The claims as of the last day the built-in interest tables cover, submitted to an intake
/// server started here on 127.0.0.1 (an agency of the demo's own, in its store folder).
fn submit_to_local_agency(data_dir: &Path) -> Result<()> {
    const CLAIMS_AS_OF: (i32, u32, u32) = (2026, 6, 30);
    let claims_as_of =
        NaiveDate::from_ymd_opt(CLAIMS_AS_OF.0, CLAIMS_AS_OF.1, CLAIMS_AS_OF.2).expect("valid");
    let agency_dir = data_dir.join("agency");
    std::fs::create_dir_all(&agency_dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let token = format!("demo-token-{}-{nanos:x}", std::process::id());
    let tokens = agency_dir.join("tokens.toml");
    std::fs::write(
        &tokens,
        format!(
            "admin_token = \"{token}-admin\"\n[[creditor]]\nid = \"demo\"\ntoken = \"{token}\"\n"
        ),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let cfg = incasso_intake::server::ServerConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        data_dir: agency_dir.join("store"),
        tokens: incasso_intake::auth::Tokens::load(&tokens).map_err(|e| anyhow::anyhow!(e))?,
        body_limit: 16 * 1024 * 1024,
        max_concurrent: 8,
        limits: Default::default(),
    };
    let server = runtime.spawn(incasso_intake::server::serve(
        cfg,
        move |a| {
            let _ = addr_tx.send(a);
        },
        async move {
            let _ = stop_rx.await;
        },
    ));
    let addr = addr_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .context("the demo's intake server did not start")?;
    std::fs::write(
        data_dir.join("agency.toml"),
        format!("url = \"http://{addr}\"\ncreditor = \"demo\"\ntoken_env = \"INCASSO_DEMO_AGENCY_TOKEN\"\nbatch_size = 100\n"),
    )?;
    std::env::set_var("INCASSO_DEMO_AGENCY_TOKEN", &token);
    println!(
        "\n== claims as of {claims_as_of} (the last day the built-in interest tables cover), sent to an intake server on http://{addr}"
    );
    let options = super::submit::Options {
        data_dir,
        as_of: claims_as_of,
        dry_run: false,
        agency: None,
        policy: None,
        rates: None,
    };
    super::submit::submit(&options)?;
    println!("\n== the same again: every claim is at the agency already, nothing is sent");
    super::submit::submit(&options)?;
    super::submit::submissions(data_dir, Format::Table)?;
    let _ = stop_tx.send(());
    let _ = runtime.block_on(server);
    Ok(())
}
