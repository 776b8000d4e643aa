//! `incasso intake serve` and `incasso intake export`: the agency's side, receiving claim
//! batches and handing them to its case system.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use incasso_intake::auth::Tokens;
use incasso_intake::received::{ClaimStore, Received};
use incasso_intake::server::{export_csv, serve_until_signal, ConnectionLimits, ServerConfig};

use crate::args::Format;
use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso intake`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: IntakeCommand,
}

#[derive(clap::Subcommand)]
enum IntakeCommand {
    /// Receive claim batches over HTTP, in the data directory, until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Every received claim, for the case system.
    Export {
        /// Output format (csv or json).
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
    },
}

/// Arguments of `incasso intake serve`.
#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks one and prints it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// TOML file with the creditors' tokens and HMAC secrets (mode 600).
    #[arg(long)]
    tokens: PathBuf,
    /// Largest batch accepted, in MB.
    #[arg(long, default_value_t = 16)]
    body_limit_mb: usize,
    /// Batches processed at once; more get 503 with Retry-After. With the body limit this
    /// bounds the memory bodies in flight can take (16 × 16 MB).
    #[arg(long, default_value_t = 16)]
    max_concurrent: usize,
    /// Connections one IP address may hold open; more are closed at once.
    #[arg(long, default_value_t = 64)]
    max_connections_per_address: usize,
    /// Seconds a client has to send a request's headers (slow clients are cut off).
    #[arg(long, default_value_t = 10)]
    header_timeout_secs: u64,
    /// Seconds requests in flight get to finish after SIGINT or SIGTERM.
    #[arg(long, default_value_t = 10)]
    shutdown_deadline_secs: u64,
}

/// Serves, or exports.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let data_dir = ctx.ws.data_dir();
    match a.command {
        IntakeCommand::Serve(s) => serve(data_dir, s),
        IntakeCommand::Export { format } => export(data_dir, format),
    }
}

/// Serves until SIGINT or SIGTERM, then gives the requests in flight until the deadline.
fn serve(data_dir: &Path, a: ServeArgs) -> Result<ExitStatus> {
    let limits = ConnectionLimits {
        per_address: a.max_connections_per_address,
        header_timeout: std::time::Duration::from_secs(a.header_timeout_secs),
        shutdown_deadline: std::time::Duration::from_secs(a.shutdown_deadline_secs),
        ..Default::default()
    };
    let (listen, body_limit_mb, max_concurrent) = (a.listen, a.body_limit_mb, a.max_concurrent);
    let tokens = Tokens::load(&a.tokens).map_err(|e| anyhow::anyhow!(e))?;
    let cfg = ServerConfig {
        listen,
        data_dir: data_dir.to_path_buf(),
        tokens,
        body_limit: body_limit_mb * 1024 * 1024,
        max_concurrent,
        limits,
    };
    serve_until_signal(cfg, |addr| {
        use std::io::Write;
        println!("intake listening on http://{addr}");
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    println!("intake stopped");
    Ok(ExitStatus::Success)
}

/// Prints every received claim for the agency's case system.
fn export(data_dir: &Path, format: Format) -> Result<ExitStatus> {
    let claims = Received::open_existing(data_dir)?
        .all()
        .context("reading received claims")?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&claims)?),
        _ => print!("{}", export_csv(&claims)),
    }
    Ok(ExitStatus::Success)
}
