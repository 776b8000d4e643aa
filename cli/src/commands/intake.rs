//! `incasso intake serve` and `incasso intake export`: the agency's side, receiving claim
//! batches and handing them to its case system.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use incasso_intake::auth::Tokens;
use incasso_intake::received::Received;
use incasso_intake::server::{export_csv, serve as run_server, ConnectionLimits, ServerConfig};

use crate::Format;

/// Serves until SIGINT or SIGTERM, then gives the requests in flight until the deadline.
pub fn serve(
    data_dir: &Path,
    listen: SocketAddr,
    tokens: &Path,
    body_limit_mb: usize,
    max_concurrent: usize,
    limits: ConnectionLimits,
) -> Result<ExitCode> {
    let tokens = Tokens::load(tokens).map_err(|e| anyhow::anyhow!(e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    let cfg = ServerConfig {
        listen,
        data_dir: data_dir.to_path_buf(),
        tokens,
        body_limit: body_limit_mb * 1024 * 1024,
        max_concurrent,
        limits,
    };
    runtime
        .block_on(run_server(
            cfg,
            |addr| {
                use std::io::Write;
                println!("intake listening on http://{addr}");
                let _ = std::io::stdout().flush();
            },
            shutdown(),
        ))
        .map_err(|e| anyhow::anyhow!(e))?;
    println!("intake stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown() {
    let term = async {
        #[cfg(unix)]
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
            return;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// Prints every received claim for the agency's case system.
pub fn export(data_dir: &Path, format: Format) -> Result<ExitCode> {
    let shown = data_dir.display();
    if !data_dir.join("intake.sled").is_dir() {
        anyhow::ensure!(
            !data_dir.join("ledger.sled").is_dir(),
            "{shown} is a creditor's ledger, not an agency's intake store: name the directory \
             `incasso intake serve` was started with (--data-dir)"
        );
        anyhow::bail!(
            "{shown} holds no intake store: name the directory `incasso intake serve` was \
             started with (--data-dir)"
        );
    }
    let store = Received::open(data_dir).map_err(|e| match e {
        e if incasso_intake::received::in_use(&e) => {
            anyhow::anyhow!(
                "the intake store in {shown} is in use by a running `incasso intake serve`: \
                 export through GET /export with the admin token, or stop the server first"
            )
        }
        e => anyhow::anyhow!("opening the intake store in {shown}: {e}"),
    })?;
    let claims = store.all().context("reading received claims")?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&claims)?),
        _ => print!("{}", export_csv(&claims)),
    }
    Ok(ExitCode::SUCCESS)
}
