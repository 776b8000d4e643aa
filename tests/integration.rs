//! The integration tests, in one test binary: the real `incasso` binary on real files, real HTTP
//! servers on 127.0.0.1 (an agency's intake server, stand-ins for the accounting APIs) and real
//! stores in temporary directories. `util` holds what the modules share.

mod util;

// What the modules share, for their `use super::*`.
#[allow(unused_imports)]
use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use std::process::{Command, Output};
#[allow(unused_imports)]
use util::*;

mod agency;
mod api_server;
mod claims;
mod cli;
mod first_hour;
mod hostile;
mod import;
mod inbox;
mod intake;
mod letters;
mod othergen;
mod payments;
mod snapshots;
mod sync;
mod truth;
mod views;
mod workbench;
