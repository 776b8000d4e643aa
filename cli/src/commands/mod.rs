//! One module per command group.

pub mod calc;
pub mod claims;
pub mod conflicts;
pub mod demo;
pub mod generate;
pub mod generate_bank;
pub mod import;
pub mod import_bank;
pub mod intake;
pub mod letter;
pub mod payments;
pub mod plans;
pub mod rates;
pub mod reminders;
pub mod report;
pub mod report_html;
pub mod run;
pub mod submit;
pub mod sync;
pub mod watch;
