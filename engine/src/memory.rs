//! How the process asks for memory while it does bulk work (an import, matching a ledger,
//! serving an agency's intake).
//!
//! The binary's allocator asks Linux for transparent huge pages, which the kernel zeroes (and,
//! when none is free, compacts memory for) 2 MiB at a time on first touch. For a read that
//! takes a kept reconciliation that pays: fewer faults over a few hundred megabytes. For bulk
//! work, which allocates and drops gigabytes of short-lived records, it does not: at 1M invoices
//! the kernel's share of a cold `ageing` was 3.4-5.1 s with huge pages and 0.9-1.1 s without,
//! and the cold and nightly `ageing` took 0.7-2 s less (docs/performance-history.md, session
//! 20). The intake server flushes every batch it stores, and sled allocates a fresh IO buffer
//! after each flush: with huge pages its kernel time while taking 22,149 claims was 2.2-2.6 s,
//! without them 0.65-1.6 s (session 22). A read that will match loads the ledger (800 MB at 1M) before
//! matching starts, so it asks for ordinary pages before it loads: the kernel's share of a cold
//! `ageing` went from 4.6-5.8 s to 1.6 s (session 23; touching 1 GiB took 4.1-8.5 s in huge
//! pages on this machine and 0.4-0.6 s in ordinary ones).

/// From here on this process gets ordinary 4 KiB pages: called where an import, a read that
/// will match, a submission or the intake server starts. Memory already touched keeps its pages;
/// elsewhere than Linux it does nothing.
pub fn bulk_work() {
    #[cfg(target_os = "linux")]
    {
        use std::sync::Once;
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and only sets a flag on
            // this process's memory map; a kernel without it returns an error, which changes
            // nothing.
            unsafe {
                libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
            }
        });
    }
}
