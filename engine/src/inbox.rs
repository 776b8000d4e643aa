//! The inbox: the folder bookkeepers drop exports into. Each file is imported once it
//! is completely written, then moved to `processed/YYYY-MM-DD/`, or to `quarantine/` with
//! `NAME.error.txt` beside it saying in Dutch and English what is wrong and what to do. Files are
//! never deleted; the same content dropped again is recognised and not imported twice.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use chrono::Utc;

use crate::import::ImportError;
use crate::{complain, Reporter, Workspace};

/// What one pass over the inbox did.
#[derive(Debug, Default)]
pub struct Pass {
    /// Imported and moved to processed/.
    pub imported: Vec<String>,
    /// Seen before (same bytes), moved to processed/.
    pub repeated: Vec<String>,
    /// Refused, moved to quarantine/, with the reason.
    pub quarantined: Vec<(String, String)>,
    /// Still being written: left for the next pass.
    pub waiting: Vec<String>,
}

/// Names that are not exports: editors' lock files, partial downloads, our own notes.
fn ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || [".part", ".tmp", ".crdownload", ".partial", ".error.txt"]
            .iter()
            .any(|s| lower.ends_with(s))
}

fn stamp(p: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(p).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// A free name for `name` in `dir` ("x.csv", then "x (2).csv", ...).
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() && std::fs::symlink_metadata(&first).is_err() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .expect("some number is free")
}

fn move_into(file: &Path, dir: &Path, name: &str) -> Result<PathBuf> {
    // The inbox's own folders are never links: a planted one would carry files elsewhere.
    anyhow::ensure!(
        !std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()),
        "{} is a link; refusing to move files through it",
        dir.display()
    );
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let to = free_name(dir, name);
    std::fs::rename(file, &to)
        .with_context(|| format!("moving {} to {}", file.display(), to.display()))?;
    Ok(to)
}

fn error_note(name: &str, what: &str) -> String {
    format!(
        "incasso could not import this file / incasso kon dit bestand niet inlezen\n\n\
         File / Bestand: {name}\n\
         When / Wanneer: {}\n\n\
         What is wrong / Wat is er mis:\n{what}\n\n\
         What to do:\n  Correct the file at the place named above, or export it again from the bookkeeping\n  \
         package, and drop it in the inbox again. Nothing from this file was stored.\n\
         Wat te doen:\n  Verbeter het bestand op de genoemde plek, of exporteer het opnieuw uit het\n  \
         boekhoudpakket, en zet het opnieuw in de inbox. Er is niets uit dit bestand opgeslagen.\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    )
}

/// One pass: imports the files that are completely written, those unchanged (size and time
/// written) `settle` after the pass first saw them. When every file was last written longer ago
/// than that by this machine's clock, they are read at once, and what one holds is stored only if
/// it is still as it was once that moment has passed (the store asks just before the import
/// becomes visible), so the wait overlaps the reading. Otherwise the pass waits first, as a file
/// is likely still being written: it is then neither read nor the store held meanwhile. Either
/// way a file that changed is left for the next pass; a clock that disagrees with the share's
/// changes only which way is taken.
pub fn pass(ws: &Workspace, inbox: &Path, settle: Duration, rep: &dyn Reporter) -> Result<Pass> {
    let inbox_real = inbox
        .canonicalize()
        .with_context(|| format!("inbox {}", inbox.display()))?;
    let today = Utc::now().date_naive();
    for back in written_after_moved(inbox, today)? {
        rep.info(&back);
    }
    let mut names: Vec<String> = std::fs::read_dir(inbox)
        .with_context(|| format!("reading inbox {}", inbox.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !ignored(n))
        .collect();
    names.sort();
    let mut out = Pass::default();
    if names.is_empty() {
        return Ok(out);
    }
    let seen = std::time::Instant::now();
    let before: Vec<_> = names.iter().map(|n| stamp(&inbox.join(n))).collect();
    let now = SystemTime::now();
    let fresh = before.iter().any(|was| match was {
        Some((_, written)) => now
            .duration_since(*written)
            .map_or(true, |ago| ago < settle),
        None => true,
    });
    if fresh {
        std::thread::sleep(settle);
    }
    let store = ws.store()?;
    let import = &ws.policy()?.import;
    let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let dirs = Dirs {
        processed: inbox.join("processed").join(&today),
        quarantine: inbox.join("quarantine"),
    };
    let mut ready: Vec<Ready> = Vec::new();
    for (name, was) in names.into_iter().zip(before) {
        let file = inbox.join(&name);
        let link = std::fs::symlink_metadata(&file)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if link {
            let target = file.canonicalize().ok();
            if !target.as_ref().is_some_and(|t| t.starts_with(&inbox_real)) {
                let why = format!(
                    "{name} is a link to {}, outside the inbox; links out of the inbox are refused, copy the file in instead",
                    target.map_or("a file that does not exist".into(), |t| t.display().to_string())
                );
                quarantine_file(&file, &dirs.quarantine, &name, &why)?;
                out.quarantined.push((name, why));
                continue;
            }
        }
        let Some(was) = was else {
            out.waiting.push(name);
            continue;
        };
        ready.push(Ready {
            listing: if import.lists_every_open_item(&name) {
                crate::import::Listing::EveryOpenItem { settle_most: false }
            } else {
                crate::import::Listing::Some
            },
            statement: crate::import::is_statement(&file),
            profile: import.profile_for(&name).map(|p| ws.data_dir().join(p)),
            settled: Settled {
                file,
                was,
                at: seen + settle,
            },
            name,
        });
    }
    // A bank statement is imported beside a file of documents (a ledger export, e-invoices):
    // they write different records, each on its own two threads, and the store lets two
    // imports of one kind take turns (`incasso_store::Writes`). Outcomes are told in name order.
    let mut taken = vec![false; ready.len()];
    for i in 0..ready.len() {
        if taken[i] {
            continue;
        }
        taken[i] = true;
        let beside =
            (i + 1..ready.len()).find(|&j| !taken[j] && ready[j].statement != ready[i].statement);
        match beside {
            None => {
                let imported = import_ready(store, &ready[i], rep);
                tell(&ready[i], imported, &dirs, &mut out, rep)?;
            }
            Some(j) => {
                taken[j] = true;
                // What each says is held and told after both, one file after the other.
                let (said_i, said_j) = (Held::new(rep), Held::new(rep));
                let (first, second) = std::thread::scope(|scope| {
                    let second = std::thread::Builder::new()
                        .name("inbox-beside".into())
                        .spawn_scoped(scope, || import_ready(store, &ready[j], &said_j))
                        .expect("a thread can be started");
                    let first = import_ready(store, &ready[i], &said_i);
                    let second = second
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p));
                    (first, second)
                });
                said_i.tell();
                tell(&ready[i], first, &dirs, &mut out, rep)?;
                said_j.tell();
                tell(&ready[j], second, &dirs, &mut out, rep)?;
            }
        }
    }
    Ok(out)
}

/// A reporter for one of two imports at once: its lines are held and told together once both
/// are done, so the two files' lines do not interleave; its progress is shown as it goes.
struct Held<'r> {
    rep: &'r dyn Reporter,
    lines: std::sync::Mutex<Vec<(bool, String)>>,
}

impl<'r> Held<'r> {
    fn new(rep: &'r dyn Reporter) -> Held<'r> {
        Held {
            rep,
            lines: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Tells the lines held, in the order they were said.
    fn tell(self) {
        let lines = self.lines.into_inner().unwrap_or_else(|p| p.into_inner());
        for (error, line) in lines {
            if error {
                self.rep.error(&line);
            } else {
                self.rep.info(&line);
            }
        }
    }

    fn hold(&self, error: bool, line: &str) {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((error, line.to_string()));
    }
}

impl Reporter for Held<'_> {
    fn info(&self, line: &str) {
        self.hold(false, line);
    }

    fn error(&self, line: &str) {
        self.hold(true, line);
    }

    fn progress(&self, label: &str) -> Box<dyn incasso_connectors::progress::Progress + '_> {
        self.rep.progress(label)
    }
}

/// Where a pass moves the files it is done with.
struct Dirs {
    processed: PathBuf,
    quarantine: PathBuf,
}

/// A file of a pass that is ready to import.
struct Ready {
    name: String,
    settled: Settled,
    /// A bank statement (bank lines), not documents: imported beside a file of documents.
    statement: bool,
    /// What it lists: every open item when the policy's `[import] complete` names it.
    listing: crate::import::Listing,
    /// The mapping profile the policy's `[import.profiles]` gives its name.
    profile: Option<PathBuf>,
}

/// Imports a file of a pass, stored only if it is still as first seen once `settle` has passed.
/// With two imports at once, each is asked about both files: one that changed while read
/// leaves both for the next pass.
fn import_ready(
    store: &incasso_store::Store,
    r: &Ready,
    rep: &dyn Reporter,
) -> Result<bool, ImportError> {
    let settled = r.settled.clone();
    let _gate = store.gate_imports(Arc::new(move || {
        if settled.check() {
            Ok(())
        } else {
            Err("the file changed while it was read".into())
        }
    }));
    crate::import::import_file(store, &r.settled.file, r.listing, r.profile.as_deref(), rep)
}

/// Moves a file the pass is done with and says what became of it.
fn tell(
    r: &Ready,
    imported: Result<bool, ImportError>,
    dirs: &Dirs,
    out: &mut Pass,
    rep: &dyn Reporter,
) -> Result<()> {
    let (name, file) = (r.name.clone(), &r.settled.file);
    match imported {
        // Stored: the gate found it as it was first seen, once `settle` had passed.
        Ok(true) => {
            let to = move_into(file, &dirs.processed, &name)?;
            remember_moved(&dirs.processed, &to, r.settled.was)?;
            out.imported.push(name);
        }
        // Nothing stored: one seen before, or wrong, may be only half written.
        Ok(false) | Err(ImportError::File(_)) if !r.settled.check() => out.waiting.push(name),
        Err(ImportError::Store(e)) if changed_while_read(&e) => out.waiting.push(name),
        Ok(false) => {
            move_into(file, &dirs.processed, &name)?;
            out.repeated.push(name);
        }
        Err(ImportError::Store(e)) => {
            // The store, not the file, is the problem: leave the file for the next pass.
            complain!(
                rep,
                "error: {e:#}; {name} stays in the inbox for the next pass"
            );
            out.waiting.push(name);
        }
        Err(ImportError::File(e)) => {
            let why = format!("{e:#}");
            complain!(rep, "error: {why}");
            quarantine_file(file, &dirs.quarantine, &name, &why)?;
            out.quarantined.push((name, why));
        }
    }
    Ok(())
}

/// The list, in a day's `processed/` folder, of the files moved there with their size and time
/// as imported: one written to after it was moved (a writer that stalled past the settle time
/// and kept its handle) is found changed by a later pass.
const MOVED: &str = ".incasso-moved";

/// Notes a file moved into `processed` with its size and time as imported.
fn remember_moved(processed: &Path, to: &Path, was: (u64, SystemTime)) -> Result<()> {
    let nanos = was
        .1
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let list = processed.join(MOVED);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&list)
        .with_context(|| format!("writing {}", list.display()))?;
    std::io::Write::write_all(&mut f, format!("{}\t{nanos}\t{name}\n", was.0).as_bytes())
        .with_context(|| format!("writing {}", list.display()))
}

/// Files of today's and yesterday's `processed/` that were written to after they were imported
/// and moved: each goes back into the inbox to be read whole (its first part is in the store;
/// what it adds is read then), and is named in what it returns.
fn written_after_moved(inbox: &Path, today: chrono::NaiveDate) -> Result<Vec<String>> {
    let mut said = Vec::new();
    for day in [today.pred_opt().unwrap_or(today), today] {
        let dir = inbox
            .join("processed")
            .join(day.format("%Y-%m-%d").to_string());
        let list = dir.join(MOVED);
        let Ok(text) = std::fs::read_to_string(&list) else {
            continue;
        };
        let mut kept = String::new();
        let mut changed = false;
        for line in text.lines() {
            let mut parts = line.splitn(3, '\t');
            let (Some(len), Some(nanos), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let file = dir.join(name);
            let now = stamp(&file).map(|(l, t)| {
                (
                    l,
                    t.duration_since(SystemTime::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos()),
                )
            });
            match now {
                // Gone (moved by a person) or as imported: nothing to do.
                None => {
                    changed = true;
                }
                Some((l, t)) if l.to_string() == len && t.to_string() == nanos => {
                    kept.push_str(line);
                    kept.push('\n');
                }
                Some(_) => {
                    changed = true;
                    let to = move_into(&file, inbox, name)?;
                    said.push(format!(
                        "{} was written to after it was imported and moved (a writer that still \
                         had it open): back in the inbox as {}, to be read whole",
                        file.display(),
                        to.display()
                    ));
                }
            }
        }
        if changed {
            std::fs::write(&list, kept).with_context(|| format!("writing {}", list.display()))?;
        }
    }
    Ok(said)
}

/// Whether the store refused an import because its file changed while it was read (the gate
/// the pass sets).
fn changed_while_read(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<incasso_store::StoreError>(),
            Some(incasso_store::StoreError::SourceChanged(_))
        )
    })
}

/// Whether a file is completely written: unchanged at `at` (waited for) since it was first seen.
#[derive(Clone)]
struct Settled {
    file: PathBuf,
    was: (u64, SystemTime),
    at: std::time::Instant,
}

impl Settled {
    fn check(&self) -> bool {
        std::thread::sleep(self.at.saturating_duration_since(std::time::Instant::now()));
        stamp(&self.file) == Some(self.was)
    }
}

fn quarantine_file(file: &Path, quarantine: &Path, name: &str, why: &str) -> Result<()> {
    let to = move_into(file, quarantine, name)?;
    let note = PathBuf::from(format!("{}.error.txt", to.display()));
    std::io::Write::write_all(
        &mut incasso_connectors::write::create_no_follow(&note)
            .with_context(|| format!("writing {}", note.display()))?,
        error_note(name, why).as_bytes(),
    )
    .with_context(|| format!("writing {}", note.display()))?;
    Ok(())
}

/// Watches the inbox: a pass whenever the file system reports a change in it, and at the
/// latest every `poll` (network shares often report nothing); `after` gets each pass. Each pass
/// opens the administration's store and lets go of it after, so a nightly run can have it
/// between passes; a pass that fails (the store busy) is tried again. When `stop` is set (a
/// signal) the watch ends after the pass in progress: every file is imported whole or not at all.
pub fn watch(
    data_dir: &Path,
    inbox: &Path,
    (poll, settle): (Duration, Duration),
    stop: &AtomicBool,
    rep: &dyn Reporter,
    mut after: impl FnMut(&Pass),
) -> Result<()> {
    // Waits up to `d`, returning early on a change notification or a stop.
    let wait = |d: Duration, news: Option<&std::sync::mpsc::Receiver<()>>| {
        let until = std::time::Instant::now() + d;
        while !stop.load(Ordering::Relaxed) {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            let slice = left.min(Duration::from_millis(100));
            match news {
                Some(rx) => {
                    if rx.recv_timeout(slice).is_ok() {
                        while rx.try_recv().is_ok() {}
                        return;
                    }
                }
                None => std::thread::sleep(slice),
            }
        }
    };
    use notify::Watcher;
    let (tx, rx) = std::sync::mpsc::channel();
    let watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if e.is_ok() {
            let _ = tx.send(());
        }
    })
    .and_then(|mut w| {
        w.watch(inbox, notify::RecursiveMode::NonRecursive)
            .map(|()| w)
    });
    if let Err(e) = &watcher {
        complain!(
            rep,
            "warning: no change notifications for {} ({e}); polling every {}s",
            inbox.display(),
            poll.as_secs()
        );
    }
    while !stop.load(Ordering::Relaxed) {
        let p = match pass(&Workspace::new(data_dir, None), inbox, settle, rep) {
            Ok(p) => p,
            Err(e) => {
                complain!(rep, "error: {e:#}; trying again in {}s", poll.as_secs());
                wait(poll, None);
                continue;
            }
        };
        after(&p);
        // A file still being written is looked at again soon; otherwise wait for news.
        let next = if p.waiting.is_empty() {
            poll
        } else {
            settle.max(Duration::from_millis(500))
        };
        wait(next, watcher.is_ok().then_some(&rx));
    }
    Ok(())
}
