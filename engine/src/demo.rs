//! The demo's own arrangements: a fresh store that only a demo may clear, a creditor for its
//! letters and claims, and an agency of its own (an intake server in-process on 127.0.0.1).

use std::path::Path;

use anyhow::{Context, Result};
use incasso_intake::local::LocalServer;

/// Clears (only if an earlier demo made it) and makes the demo's data directory, with a policy
/// naming a creditor.
pub fn fresh_store(data_dir: &Path) -> Result<()> {
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
    Ok(())
}

/// The demo's agency: an intake server with one creditor, `demo`, and the agency file that
/// points the demo's store at it.
pub struct Agency {
    /// The running server.
    pub server: LocalServer,
    /// The demo creditor's bearer token (handed to the submission, never to the environment).
    pub token: String,
}

impl Agency {
    /// Starts the agency in `DATA_DIR/agency` and writes `DATA_DIR/agency.toml`.
    pub fn start(data_dir: &Path) -> Result<Agency> {
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
        let server = LocalServer::start(
            agency_dir.join("store"),
            incasso_intake::auth::Tokens::load(&tokens).map_err(|e| anyhow::anyhow!(e))?,
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        let addr = server.addr;
        std::fs::write(
            data_dir.join("agency.toml"),
            format!("url = \"http://{addr}\"\ncreditor = \"demo\"\ntoken_env = \"INCASSO_DEMO_AGENCY_TOKEN\"\nbatch_size = 100\n"),
        )?;
        Ok(Agency { server, token })
    }
}
