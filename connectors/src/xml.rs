//! Small pieces shared by the streaming XML readers (UBL, camt).

/// The character an XML entity reference stands for: the five predefined entities and numeric
/// character references. Anything else is undeclared (documents with a DTD are refused).
pub(crate) fn entity(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        n if n.first() == Some(&b'#') => {
            let s = std::str::from_utf8(&n[1..]).ok()?;
            let code = match s.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            };
            code.and_then(char::from_u32)
        }
        _ => None,
    }
}
