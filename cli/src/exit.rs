//! How `incasso` ends: one exit status per outcome, the same for every command.

use std::process::ExitCode;

/// The outcome of a command, as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything asked was done.
    Success,
    /// 1: not everything was done (a file refused, a claim rejected, a run partial), or an error.
    Failure,
    /// 2: the command line was wrong (clap's own exit code for usage errors).
    Usage,
    /// 3: another run holds the administration; nothing was done.
    Busy,
    /// 4: the nightly run stopped because a step failed outright.
    Broken,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Busy => 3,
            ExitStatus::Broken => 4,
        })
    }
}

impl ExitStatus {
    /// Success when `ok`, else failure.
    pub fn from_ok(ok: bool) -> ExitStatus {
        if ok {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    }
}
