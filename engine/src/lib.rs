//! The incasso engine: everything a run does, as a library with typed results.
//!
//! The command line (`incasso-cli`) parses arguments, calls in here and renders what comes back;
//! benchmarks and tests call in here directly. Nothing here prints, parses arguments or chooses
//! an exit code: progress and messages go through a [`Reporter`].

pub mod audit;
pub mod claims;
pub mod decisions;
pub mod demo;
pub mod import;
pub mod inbox;
pub mod kept_claims;
pub mod letters;
pub mod memory;
pub mod payments;
pub mod plans;
pub mod rates;
pub mod reconciled;
pub mod report;
pub mod reporter;
pub mod run;
pub mod submit;
pub mod sync;
pub mod views;
pub mod workspace;

#[cfg(test)]
mod testing;

pub use reporter::Reporter;
pub use workspace::Workspace;
