//! How long-running readers report progress without knowing about terminals.

/// Receives progress from a reader; the CLI draws it, libraries only call it.
pub trait Progress: Sync {
    /// The total amount of work in bytes, once known.
    fn set_total(&self, _bytes: u64) {}
    /// Work done so far, in bytes.
    fn set_position(&self, _bytes: u64) {}
}

/// Progress that goes nowhere (tests, libraries, non-interactive runs).
pub struct NoProgress;

impl Progress for NoProgress {}
