//! Text that goes into spreadsheets: a cell starting with `=`, `+`, `-` or `@` is a formula to
//! Excel and LibreOffice, so a debtor named `=HYPERLINK(...)` in an export could run something on
//! the bookkeeper's machine. Such cells get a leading apostrophe; numbers stay numbers.

use std::borrow::Cow;

/// The cell as it is safe to write into a CSV (or any sheet) that a spreadsheet may open.
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.parse::<f64>().is_ok() && !cell.contains(['e', 'E', 'n', 'N', 'i', 'I']);
    if risky && !number {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        let table = [
            ("=1+1", "'=1+1"),
            ("+31 6 12345678", "'+31 6 12345678"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("-12.50", "-12.50"),
            ("+10", "+10"),
            ("-1e9", "'-1e9"),
            ("-inf", "'-inf"),
            ("Bakkerij", "Bakkerij"),
            ("", ""),
        ];
        for (raw, want) in table {
            assert_eq!(neutralise_formula(raw), want, "{raw}");
        }
    }
}
