//! `incasso serve`: the workbench (`incasso_workbench`) over this data directory, until SIGINT
//! or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::exit::ExitStatus;
use crate::Ctx;

/// Arguments of `incasso serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; the default keeps it to this machine.
    #[arg(long, default_value = "127.0.0.1:8765")]
    listen: SocketAddr,
    /// A file holding the access token (at least 16 characters); default: a new random one.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// The inbox folder bookkeepers drop exports into: shown, and a file can be dropped there.
    #[arg(long)]
    inbox: Option<PathBuf>,
    /// Who decides through the workbench, as the audit log names them (default: this user).
    #[arg(long)]
    user: Option<String>,
}

/// Serves until SIGINT or SIGTERM.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let token = match &a.token_file {
        Some(f) => {
            let t = std::fs::read_to_string(f)
                .with_context(|| format!("reading the token file {}", f.display()))?
                .trim()
                .to_string();
            anyhow::ensure!(
                t.len() >= 16
                    && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{}: the token must be at least 16 letters, digits, '-' or '_' (it travels in a cookie)",
                f.display()
            );
            t
        }
        None => {
            incasso_workbench::auth::Access::random_token().context("making an access token")?
        }
    };
    let shown = token.clone();
    let cfg = incasso_workbench::Config {
        listen: a.listen,
        data_dir: ctx.ws.data_dir().to_path_buf(),
        policy_file: ctx.ws.policy_file().map(PathBuf::from),
        token,
        inbox: a.inbox.clone(),
        user: a
            .user
            .clone()
            .unwrap_or_else(incasso_engine::decisions::os_user),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the workbench runtime")?;
    runtime.block_on(incasso_workbench::serve(
        cfg,
        move |addr| {
            use std::io::Write;
            println!("workbench on http://{addr}/?token={shown}");
            eprintln!("the link holds the access token: open it in this machine's browser, share it with nobody");
            let _ = std::io::stdout().flush();
        },
        incasso_intake::server::signalled(),
    ))?;
    Ok(ExitStatus::Success)
}
