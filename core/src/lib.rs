//! incasso-core: the plain data types and pure functions of incasso.
//!
//! Nothing here reads files, the network or the clock: every computation takes its inputs and an
//! explicit as-of date, so a run is reproducible byte for byte.
//!
//! ```
//! use incasso_core::money::{Currency, Money, round_cents};
//! use rust_decimal::Decimal;
//!
//! let a = Money::new(Decimal::new(1005, 3), Currency::EUR); // 1.005
//! assert_eq!(a.round_cents().amount(), Decimal::new(101, 2)); // half-up: 1.01
//! assert_eq!(round_cents(Decimal::new(-1005, 3)), Decimal::new(-101, 2));
//! ```

pub mod ageing;
pub mod cells;
pub mod collection;
pub mod countries;
pub mod decimal_serde;
pub mod html;
pub mod ids;
pub mod law;
pub mod matching;
pub mod model;
pub mod money;
pub mod reconcile;
pub mod sources;
mod subset_sums;

#[cfg(test)]
mod tests;
