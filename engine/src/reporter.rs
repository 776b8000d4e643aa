//! How the engine tells a person what it does: lines and progress, through a trait the caller
//! implements (the terminal for the CLI, nothing for benchmarks, a buffer for tests).

use incasso_connectors::progress::{NoProgress, Progress};

/// Receives what a long operation has to say while it runs.
pub trait Reporter: Sync {
    /// A line saying what happened (stdout for the CLI).
    fn info(&self, line: &str);
    /// A problem the operation went on past (stderr for the CLI).
    fn error(&self, line: &str);
    /// Progress of reading one file or source, labelled.
    fn progress(&self, _label: &str) -> Box<dyn Progress + '_> {
        Box::new(NoProgress)
    }
}

/// A reporter that keeps every line, for tests and for summaries written elsewhere.
#[derive(Default)]
pub struct Collect {
    /// Info lines, in order.
    pub info: std::sync::Mutex<Vec<String>>,
    /// Error lines, in order.
    pub errors: std::sync::Mutex<Vec<String>>,
}

impl Reporter for Collect {
    fn info(&self, line: &str) {
        self.info
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string());
    }
    fn error(&self, line: &str) {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string());
    }
}

/// `say!(reporter, "format", args)`: an info line.
#[macro_export]
macro_rules! say {
    ($r:expr, $($arg:tt)*) => { $r.info(&format!($($arg)*)) };
}

/// `complain!(reporter, "format", args)`: an error line.
#[macro_export]
macro_rules! complain {
    ($r:expr, $($arg:tt)*) => { $r.error(&format!($($arg)*)) };
}
