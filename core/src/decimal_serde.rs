//! Decimals in serde forms: a string for people (JSON, as `rust_decimal` writes it), the
//! decimal's own 16 bytes for binary forms such as the reconciliation kept in the store (exact,
//! the sign of a zero included; postcard cannot read `rust_decimal`'s serde form, which asks the
//! data what it is). Use with `#[serde(with)]`.

use rust_decimal::Decimal;
use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

type Bytes = [u8; 16];

fn parts(d: &Decimal) -> Bytes {
    d.serialize()
}

fn from_parts<E: Error>(b: Bytes) -> Result<Decimal, E> {
    // The flags' unused bits must be clear and the scale at most 28, as `serialize` writes them.
    let flags = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    if flags & 0x7F00_FFFF != 0 || (flags >> 16) & 0xFF > 28 {
        return Err(E::custom("not a decimal"));
    }
    Ok(Decimal::deserialize(b))
}

/// One decimal.
pub mod one {
    use super::*;

    /// Writes a string for people, the 16 bytes otherwise.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            Serialize::serialize(d, s)
        } else {
            Serialize::serialize(&parts(d), s)
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        if d.is_human_readable() {
            <Decimal as Deserialize>::deserialize(d)
        } else {
            from_parts(Bytes::deserialize(d)?)
        }
    }
}

/// A list of optional decimals (open amounts per document).
pub mod list_of_options {
    use super::*;

    /// Writes strings for people, 16 bytes each otherwise.
    pub fn serialize<S: Serializer>(v: &[Option<Decimal>], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            v.serialize(s)
        } else {
            s.collect_seq(v.iter().map(|d| d.as_ref().map(parts)))
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<Decimal>>, D::Error> {
        if d.is_human_readable() {
            Vec::<Option<Decimal>>::deserialize(d)
        } else {
            Vec::<Option<Bytes>>::deserialize(d)?
                .into_iter()
                .map(|p| p.map(from_parts).transpose())
                .collect()
        }
    }
}
