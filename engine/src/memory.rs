//! How the process asks for memory.
//!
//! mimalloc asks Linux for transparent huge pages, which the kernel zeroes (and, when none is
//! free, compacts memory for) 2 MiB at a time on first touch. For bulk work, which allocates and
//! drops gigabytes of short-lived records, that does not pay: at 1M invoices the kernel's share
//! of a cold `ageing` was 3.4-5.1 s with huge pages and 0.9-1.1 s without (docs/
//! performance-history.md, session 20), and the intake server's kernel time while taking 22,149
//! claims 2.2-2.6 s against 0.65-1.6 s (session 22: each batch is a flushed write, and sled takes
//! a fresh IO buffer after each). Sessions 20 to 46 kept huge pages for the
//! reads a kept reconciliation serves; on a machine whose memory is full of page cache, as a
//! server's is after a night's imports, the kernel must compact memory for each huge page first,
//! and those reads then swung from 0.20 s to 3.24 s (`ageing` at 1M, nothing new; six runs
//! 0.34-0.45 s in ordinary pages), the first `claims` took 7-9 s against 3.3 s, the first
//! `report` 6.9-8.3 s against 4.3-4.6 s (session 47). So the binary asks for ordinary pages from
//! its first allocation on; the engine asks too where bulk work starts, for other programs that
//! use it.

/// From here on this process gets ordinary 4 KiB pages: called first thing by the binary (the
/// intake server too), and where an import, a read that will match or a submission starts, for
/// other programs using the engine. Memory already touched keeps its pages; elsewhere than Linux
/// it does nothing.
pub fn ordinary_pages() {
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
