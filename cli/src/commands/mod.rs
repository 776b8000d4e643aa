//! One file per command (or family of commands): its arguments, a call into the engine, and
//! the rendering of what comes back.

pub mod calc;
pub mod claims;
pub mod conflicts;
pub mod demo;
pub mod import;
pub mod intake;
pub mod letter;
pub mod payments;
pub mod plans;
pub mod rates;
pub mod reconcile;
pub mod reminders;
pub mod report;
pub mod report_html;
pub mod run;
pub mod serve;
pub mod store;
pub mod submit;
pub mod sync;
pub mod watch;
