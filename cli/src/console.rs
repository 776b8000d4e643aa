//! The terminal: the engine's lines on stdout and stderr, and a progress bar for long imports,
//! drawn only on a terminal and only after a second.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use incasso_connectors::progress::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Every bar on the terminal: the inbox imports two files at once, and their bars and lines
/// must not draw over each other.
fn bars() -> &'static MultiProgress {
    static BARS: std::sync::OnceLock<MultiProgress> = std::sync::OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// A byte-based progress bar that stays hidden for imports shorter than a second.
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
    tty: bool,
}

impl Bar {
    /// A hidden bar for one file.
    pub fn new(label: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        Bar {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn set_total(&self, bytes: u64) {
        self.bar.set_length(bytes);
    }

    fn set_position(&self, bytes: u64) {
        if self.tty
            && !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > Duration::from_secs(1)
        {
            self.shown.store(true, Ordering::Relaxed);
            bars().add(self.bar.clone());
        }
        self.bar.set_position(bytes);
    }
}

/// The engine's reporter for a person at a terminal (or a cron log).
pub struct Console;

impl incasso_engine::Reporter for Console {
    fn info(&self, line: &str) {
        bars().suspend(|| println!("{line}"));
    }

    fn error(&self, line: &str) {
        bars().suspend(|| eprintln!("{line}"));
    }

    fn progress(&self, label: &str) -> Box<dyn Progress + '_> {
        Box::new(Bar::new(label))
    }
}

/// The engine's reporter when stdout carries data (a table or JSON): every line on stderr.
pub struct Stderr;

impl incasso_engine::Reporter for Stderr {
    fn info(&self, line: &str) {
        bars().suspend(|| eprintln!("{line}"));
    }

    fn error(&self, line: &str) {
        bars().suspend(|| eprintln!("{line}"));
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
