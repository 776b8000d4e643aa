//! The Dutch banks' CSV exports as built-in profiles, recognised by their header or shape.

use super::{BankError, BankLine, StatementSummary};

/// Whether the text looks like one of the bank CSV exports (`Some(name)`), so the ledger CSV
/// reader is not tried on it.
pub fn detect(text: &str) -> Option<&'static str> {
    let _ = text;
    None
}

/// Reads a bank CSV export, handing each transaction line to `emit`.
pub fn read(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let _ = (text, emit);
    Err(BankError::new(file, "file", "bank CSV is not read yet"))
}
