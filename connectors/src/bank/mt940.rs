//! SWIFT MT940 statements in the Dutch banks' dialects.

use super::{BankError, BankLine, StatementSummary};

/// Reads every statement in an MT940 file, handing each `:61:` line (with its `:86:`) to `emit`.
pub fn read(
    file: &str,
    text: &str,
    emit: &mut dyn FnMut(BankLine),
) -> Result<StatementSummary, BankError> {
    let _ = (text, emit);
    Err(BankError::new(file, "file", "MT940 is not read yet"))
}
