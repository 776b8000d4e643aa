//! `incasso intake serve|migrate|creditors|export`: the agency's side, receiving claim batches
//! (in the data directory's sled store, or in PostgreSQL with `--database`) and handing them to
//! its case system.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use incasso_intake::auth::Tokens;
use incasso_intake::received::postgres::Postgres;
use incasso_intake::received::{ClaimStore, Received};
use incasso_intake::server::{
    export_csv, serve_until_signal, ConnectionLimits, ServerConfig, StoreConfig,
};

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
    /// Receive claim batches over HTTP until SIGINT or SIGTERM (migrates the database first).
    Serve(ServeArgs),
    /// Bring the PostgreSQL database's intake schema up to this version.
    Migrate(Database),
    /// Creditors whose bearer tokens the PostgreSQL database keeps (as hashes).
    Creditors {
        #[command(subcommand)]
        command: CreditorsCommand,
    },
    /// Every received claim, for the case system (from PostgreSQL while servers run).
    Export {
        /// Output format (csv or json).
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        #[command(flatten)]
        database: OptionalDatabase,
    },
}

#[derive(clap::Subcommand)]
enum CreditorsCommand {
    /// Add a creditor; prints its new token once (only a hash is kept).
    Add {
        /// The creditor's id (as its batches name it).
        id: String,
        /// Its name, for the agency's people.
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// List the creditors and whether their tokens are in force.
    List(Database),
    /// Revoke a creditor's token: its requests are refused from now on.
    Revoke {
        /// The creditor's id.
        id: String,
        #[command(flatten)]
        database: Database,
    },
}

/// The PostgreSQL database of the intake.
#[derive(clap::Args)]
struct Database {
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    #[arg(long, env = "INCASSO_INTAKE_DATABASE", hide_env_values = true)]
    database: String,
}

/// The PostgreSQL database of the intake, when not the data directory's sled store.
#[derive(clap::Args)]
struct OptionalDatabase {
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB (default: the data directory's sled store).
    #[arg(long, env = "INCASSO_INTAKE_DATABASE", hide_env_values = true)]
    database: Option<String>,
}

/// Arguments of `incasso intake serve`.
#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks one and prints it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// TOML file (mode 600): `admin_token = "..."`, then per creditor `[[creditor]]` with `id`,
    /// `token` (bearer) and/or `hmac_secret` (signatures), each at least 16 characters. With a
    /// database, creditors' bearer tokens may also come from its table.
    #[arg(long)]
    tokens: PathBuf,
    #[command(flatten)]
    database: OptionalDatabase,
    /// Database connections this instance keeps open at most.
    #[arg(long, default_value_t = 16)]
    max_connections: usize,
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
        IntakeCommand::Migrate(d) => migrate(&d.database),
        IntakeCommand::Creditors { command } => creditors(command),
        IntakeCommand::Export { format, database } => export(data_dir, database.database, format),
    }
}

/// Runs one database task on a runtime of its own.
fn on_database<T>(
    url: &str,
    task: impl for<'a> FnOnce(
        &'a Postgres,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<T, incasso_intake::received::ReceivedError>>
                + 'a,
        >,
    >,
) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the database runtime")?;
    runtime
        .block_on(async {
            let pg = Postgres::connect(url, 2).await?;
            task(&pg).await
        })
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Applies the migrations the database lacks.
fn migrate(url: &str) -> Result<ExitStatus> {
    let applied = on_database(url, |pg| Box::pin(pg.migrate()))?;
    if applied.is_empty() {
        println!("the intake schema is up to date");
    } else {
        let list: Vec<String> = applied.iter().map(i32::to_string).collect();
        println!("applied migration(s) {}", list.join(", "));
    }
    Ok(ExitStatus::Success)
}

/// Adds, lists or revokes creditors in the database.
fn creditors(c: CreditorsCommand) -> Result<ExitStatus> {
    match c {
        CreditorsCommand::Add { id, name, database } => {
            let token = on_database(&database.database, |pg| {
                Box::pin(async move {
                    pg.migrate().await?;
                    pg.add_creditor(&id, &name).await
                })
            })?;
            println!("{token}");
            eprintln!("this token is shown once: hand it to the creditor now (the database keeps only its hash)");
        }
        CreditorsCommand::List(database) => {
            let rows = on_database(&database.database, |pg| Box::pin(pg.creditors()))?;
            println!("id\tname\tcreated_at\tstate");
            for r in rows {
                let state = r.revoked_at.map_or("active".to_string(), |t| {
                    format!("revoked {}", t.to_rfc3339())
                });
                println!(
                    "{}\t{}\t{}\t{state}",
                    r.id,
                    r.name,
                    r.created_at.to_rfc3339()
                );
            }
        }
        CreditorsCommand::Revoke { id, database } => {
            let who = id.clone();
            let done = on_database(&database.database, |pg| {
                Box::pin(async move { pg.revoke_creditor(&who).await })
            })?;
            if !done {
                anyhow::bail!("creditor {id} has no token in force in the database");
            }
            println!("revoked the token of creditor {id}");
        }
    }
    Ok(ExitStatus::Success)
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
    let store = match a.database.database {
        Some(url) => StoreConfig::Postgres {
            url,
            max_connections: a.max_connections,
        },
        None => StoreConfig::Sled(data_dir.to_path_buf()),
    };
    let cfg = ServerConfig {
        listen,
        store,
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

/// Runs a future of the embedded store, which never waits on anything, to its end.
fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime starts")
        .block_on(f)
}

/// Prints every received claim for the agency's case system.
fn export(data_dir: &Path, database: Option<String>, format: Format) -> Result<ExitStatus> {
    let claims = match database {
        Some(url) => on_database(&url, |pg| Box::pin(pg.all()))?,
        None => {
            let store = Received::open_existing(data_dir)?;
            block_on(store.all()).context("reading received claims")?
        }
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&incasso_intake::server::export_json(&claims))?
        ),
        _ => print!("{}", export_csv(&claims)),
    }
    Ok(ExitStatus::Success)
}
