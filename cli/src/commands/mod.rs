//! One module per command group.

pub mod calc;
pub mod demo;
pub mod generate;
pub mod import;
pub mod report;
