//! Secrets (API tokens, client secrets): read from an environment variable or from a file only
//! its owner can read, and never shown: `Debug` and `Display` print `[redacted]`.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Mutex;

use super::ApiError;

/// Every secret value this process has read or been given, so that a server echoing one back
/// in an error body cannot carry it into stderr, a summary or the audit log.
static KNOWN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Shortest value redacted: shorter ones would blank out ordinary words.
const SHORTEST: usize = 6;

/// Remembers a secret value so [`redact`] hides it wherever it turns up.
pub fn remember(value: &str) {
    if value.len() < SHORTEST {
        return;
    }
    let mut known = KNOWN.lock().unwrap_or_else(|p| p.into_inner());
    if !known.iter().any(|k| k == value) {
        known.push(value.to_string());
        // Longest first, so a secret containing another is hidden whole.
        known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    }
}

/// `text` with every remembered secret value replaced by `[redacted]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let known = KNOWN.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Cow::Borrowed(text);
    for k in known.iter() {
        if out.contains(k.as_str()) {
            out = Cow::Owned(out.replace(k.as_str(), "[redacted]"));
        }
    }
    out
}

/// A secret value; the text is reachable only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: String) -> Secret {
        remember(&value);
        Secret(value)
    }

    /// The secret text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// From the environment variable `var`.
    pub fn from_env(var: &str) -> Result<Secret, ApiError> {
        match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim().to_string())),
            _ => Err(ApiError::Config(format!(
                "environment variable {var} is not set or empty"
            ))),
        }
    }

    /// From a file that only its owner may read or write (mode 0600 or stricter).
    pub fn from_file(path: &Path) -> Result<Secret, ApiError> {
        check_private(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| ApiError::Config(format!("{}: {e}", path.display())))?;
        let v = text.trim();
        if v.is_empty() {
            return Err(ApiError::Config(format!(
                "{}: the file is empty",
                path.display()
            )));
        }
        Ok(Secret::new(v.to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Refuses a secrets file that others can read or write.
pub fn check_private(path: &Path) -> Result<(), ApiError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ApiError::Config(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(ApiError::Config(format!(
                "{}: mode {mode:o} lets others read it; a secrets file must be 0600 (chmod 600 {})",
                path.display(),
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}
