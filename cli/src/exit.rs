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
    /// 130 (128 + SIGINT, as shells report it): stopped by SIGINT or SIGTERM, cleanly.
    Interrupted,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Busy => 3,
            ExitStatus::Broken => 4,
            ExitStatus::Interrupted => 130,
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

/// Set by SIGINT or SIGTERM once [`on_interrupt`] has been called.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on SIGINT and SIGTERM only set a flag, which long-running commands check between
/// units of work; the returned flag is that one.
pub fn on_interrupt() -> &'static std::sync::atomic::AtomicBool {
    #[cfg(unix)]
    {
        extern "C" fn note(_: libc::c_int) {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let handler: extern "C" fn(libc::c_int) = note;
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
    }
    &INTERRUPTED
}
