//! Who is calling: a bearer token per creditor, or an HMAC-SHA256 signature over timestamp and
//! body with the creditor's secret. Secrets are compared in constant time; a signature is
//! accepted once and only within five minutes of its timestamp.

use std::path::Path;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far a signature's timestamp may be from the server's clock.
pub const SIGNATURE_WINDOW_SECS: i64 = 300;

/// One creditor's credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditorCredentials {
    /// The creditor's id.
    pub id: String,
    /// Bearer token.
    pub token: Option<String>,
    /// Secret for request signatures.
    pub hmac_secret: Option<String>,
}

/// The tokens file: creditors and the agency's own admin token (for the export).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    /// Token for `/export`.
    pub admin_token: Option<String>,
    /// The creditors.
    #[serde(default, rename = "creditor")]
    pub creditors: Vec<CreditorCredentials>,
}

/// Shortest secret a tokens file may hold.
pub const MIN_SECRET: usize = 16;

impl Tokens {
    /// Reads a tokens file (TOML); refuses one readable by others than its owner.
    pub fn load(path: &Path) -> Result<Tokens, String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(format!(
                    "{}: holds secrets but is readable by others (mode {:o}); chmod 600 it",
                    path.display(),
                    mode & 0o777
                ));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let tokens: Tokens = toml::from_str(&text)
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim()))?;
        for c in &tokens.creditors {
            if c.token.is_none() && c.hmac_secret.is_none() {
                return Err(format!(
                    "{}: creditor {} has neither token nor hmac_secret",
                    path.display(),
                    c.id
                ));
            }
        }
        tokens
            .check(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(tokens)
    }

    /// The rules a tokens file must meet, each broken one named with its line: secrets long
    /// enough to resist guessing, one entry per creditor, and no secret shared by two roles (a
    /// creditor who shares another's token authenticates as that one).
    fn check(&self, text: &str) -> Result<(), String> {
        let line_of = |value: &str| {
            text.lines()
                .position(|l| l.contains(&format!("\"{value}\"")))
                .map_or(0, |i| i + 1)
        };
        let mut secrets: Vec<(String, &str)> = Vec::new();
        if let Some(a) = &self.admin_token {
            secrets.push(("the admin_token".into(), a));
        }
        let mut ids = std::collections::HashSet::new();
        for c in &self.creditors {
            if !ids.insert(c.id.as_str()) {
                return Err(format!(
                    "line {}: creditor {} appears twice",
                    line_of(&c.id),
                    c.id
                ));
            }
            if let Some(t) = &c.token {
                secrets.push((format!("the token of creditor {}", c.id), t));
            }
            if let Some(h) = &c.hmac_secret {
                secrets.push((format!("the hmac_secret of creditor {}", c.id), h));
            }
        }
        for (i, (what, value)) in secrets.iter().enumerate() {
            if value.chars().count() < MIN_SECRET {
                return Err(format!(
                    "line {}: {what} is {} characters; use at least {MIN_SECRET} random ones (e.g. `openssl rand -hex 24`)",
                    line_of(value),
                    value.chars().count()
                ));
            }
            if let Some((other, _)) = secrets[..i].iter().find(|(_, v)| v == value) {
                return Err(format!(
                    "line {}: {what} is the same as {other}; every secret must be its own",
                    line_of(value)
                ));
            }
        }
        Ok(())
    }

    /// The creditor a bearer token belongs to. Every token is compared, in constant time.
    pub fn bearer(&self, token: &str) -> Option<&str> {
        if token.is_empty() {
            return None;
        }
        let mut found = None;
        for c in &self.creditors {
            if let Some(t) = &c.token {
                if constant_time_eq(t.as_bytes(), token.as_bytes()) {
                    found = Some(c.id.as_str());
                }
            }
        }
        found
    }

    /// Whether `token` is the admin token.
    pub fn admin(&self, token: &str) -> bool {
        !token.is_empty()
            && self
                .admin_token
                .as_deref()
                .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
    }

    /// The secret of a creditor, for checking a signature.
    pub fn secret(&self, creditor: &str) -> Option<&str> {
        self.creditors
            .iter()
            .find(|c| c.id == creditor)
            .and_then(|c| c.hmac_secret.as_deref())
    }
}

/// Equal bytes, in time that depends only on the lengths (`subtle`).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// The signature header value for a body sent at `timestamp` (unix seconds) with a nonce unique
/// to the attempt (so a retry within the same second never looks like a replay).
pub fn sign(secret: &str, timestamp: i64, nonce: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature in constant time.
pub fn verify(secret: &str, timestamp: i64, nonce: &str, body: &[u8], signature: &str) -> bool {
    constant_time_eq(
        sign(secret, timestamp, nonce, body).as_bytes(),
        signature.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files an attacker or a careless admin writes are refused at start-up, naming the line.
    #[test]
    fn weak_or_shared_secrets_are_refused_with_their_line() {
        let load = |text: &str| -> Result<Tokens, String> {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("tokens.toml");
            std::fs::write(&p, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            Tokens::load(&p)
        };
        let good = "admin_token = \"admin-0123456789abcdef\"\n[[creditor]]\nid = \"acme\"\ntoken = \"acme-0123456789abcdef\"\n";
        assert!(load(good).is_ok());
        for (text, want) in [
            ("[[creditor]]\nid = \"acme\"\ntoken = \"x\"\n", "line 3: the token of creditor acme is 1 characters"),
            ("admin_token = \"abc\"\n[[creditor]]\nid = \"acme\"\ntoken = \"acme-0123456789abcdef\"\n", "line 1: the admin_token is 3 characters"),
            ("[[creditor]]\nid = \"acme\"\ntoken = \"same-0123456789abcdef\"\n[[creditor]]\nid = \"beta\"\ntoken = \"same-0123456789abcdef\"\n", "the token of creditor beta is the same as the token of creditor acme"),
            ("[[creditor]]\nid = \"acme\"\ntoken = \"acme-0123456789abcdef\"\n[[creditor]]\nid = \"acme\"\ntoken = \"acme-fedcba9876543210\"\n", "creditor acme appears twice"),
        ] {
            let e = load(text).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn signatures_and_tokens() {
        let s = sign("geheim", 1_700_000_000, "n1", b"{}");
        assert!(s.starts_with("sha256=") && s.len() == 71);
        assert!(verify("geheim", 1_700_000_000, "n1", b"{}", &s));
        assert!(!verify("geheim", 1_700_000_000, "n2", b"{}", &s));
        assert!(!verify("geheim", 1_700_000_001, "n1", b"{}", &s));
        assert!(!verify("anders", 1_700_000_000, "n1", b"{}", &s));
        assert!(!verify("geheim", 1_700_000_000, "n1", b"{ }", &s));
        let t: Tokens = toml::from_str(
            "admin_token = \"adm\"\n[[creditor]]\nid = \"acme\"\ntoken = \"t1\"\n[[creditor]]\nid = \"beta\"\nhmac_secret = \"s2\"\n",
        )
        .unwrap();
        assert_eq!(t.bearer("t1"), Some("acme"));
        assert_eq!(t.bearer("t2"), None);
        assert_eq!(t.secret("beta"), Some("s2"));
        assert!(t.admin("adm") && !t.admin("t1"));
    }
}
