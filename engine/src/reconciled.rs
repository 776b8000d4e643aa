//! The ledger as every view needs it: documents, debtors and payments loaded from the store,
//! reconciled and matched as of a date under the policy's matching rules.

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::matching::{
    match_payments, BooksSettled, ManualDecision, MatchPolicy, Matching, Waiting,
};
use incasso_core::model::{Allocation, Debtor, LedgerDocument, Payment, PaymentKind};
use incasso_core::reconcile::{reconcile, OpenAmounts, PaidOn, ReconcileNote, Reconciliation};
use incasso_store::{Kept, KeptFile, OpenDocuments, Store, ToKeep};
use rust_decimal::Decimal;

/// A reconciled ledger.
pub struct Reconciled {
    /// Every document, current versions.
    pub docs: Vec<LedgerDocument>,
    /// Every debtor.
    pub debtors: Vec<Debtor>,
    /// Every bank line that can pay a document: money in, and reversals.
    pub payments: Vec<Payment>,
    /// Open amounts and allocations (credit notes, source ledger, payments).
    pub rec: Reconciliation,
    /// What became of each payment, and the matches waiting for review.
    pub matching: Matching,
    /// The payments with money not applied or a match in review, with their outcomes and the
    /// review (a copy out of `payments` and `matching`, as the claims and the report read them).
    pub waiting: Waiting,
    /// How long each stage took.
    pub timings: Timings,
}

impl Reconciled {
    /// Its documents, debtors, open amounts and money waiting. Its bank lines, what became of
    /// each and its allocations are freed on another thread: hundreds of thousands of them take
    /// a while to free, which is not on the way to the answer (a command that exits does not
    /// wait for it).
    fn into_receivables(self) -> Receivables {
        let Reconciled {
            docs,
            debtors,
            payments,
            rec,
            matching,
            waiting,
            timings,
        } = self;
        let (allocations, amounts) = rec.split();
        std::thread::spawn(move || drop((payments, matching, allocations)));
        Receivables {
            docs,
            debtors,
            amounts,
            waiting,
            timings,
        }
    }

    /// What the claims read of it.
    pub fn view(&self) -> LedgerView<'_> {
        LedgerView {
            docs: &self.docs,
            debtors: &self.debtors,
            open: &self.rec.open,
            notes: &self.rec.notes,
            waiting: &self.waiting,
            paid: &self.rec.paid,
        }
    }
}

/// The ledger as the claims weigh it: documents, debtors, open amounts, and the money received
/// and not applied; of the bank lines, only those.
pub struct Receivables {
    /// Every document, current versions (from [`open_receivables`]: only those left open).
    pub docs: Vec<LedgerDocument>,
    /// Every debtor.
    pub debtors: Vec<Debtor>,
    /// Open amounts and notes (not the allocations).
    pub amounts: OpenAmounts,
    /// The payments with money not applied or a match in review, their outcomes, the review.
    pub waiting: Waiting,
    /// How long each stage took.
    pub timings: Timings,
}

impl Receivables {
    /// What the claims read of it.
    pub fn view(&self) -> LedgerView<'_> {
        LedgerView {
            docs: &self.docs,
            debtors: &self.debtors,
            open: &self.amounts.open,
            notes: &self.amounts.notes,
            waiting: &self.waiting,
            paid: &self.amounts.paid,
        }
    }
}

/// The parts of a reconciled ledger the claims read, borrowed from a [`Reconciled`] or a
/// [`Receivables`].
#[derive(Clone, Copy)]
pub struct LedgerView<'a> {
    /// Every document (in the report's view with claims kept: only those left open).
    pub docs: &'a [LedgerDocument],
    /// Every debtor.
    pub debtors: &'a [Debtor],
    /// Open amount per document (as [`Reconciliation::open`]).
    pub open: &'a [Option<Decimal>],
    /// What reconciliation could not do.
    pub notes: &'a [ReconcileNote],
    /// The money received and not applied.
    pub waiting: &'a Waiting,
    /// The payments applied to each invoice left open, with their dates.
    pub paid: &'a PaidOn,
}

/// How long loading, reconciling and matching took (benchmarks and `-v` read them).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Reading documents, debtors, payments and the kept reconciliation from the store.
    pub load: std::time::Duration,
    /// Reconciling the documents (credit notes, source ledger).
    pub reconcile: std::time::Duration,
    /// Matching the payments.
    pub matching: std::time::Duration,
    /// Writing the reconciliation to the store for the next read.
    pub keep: std::time::Duration,
    /// Whether the reconciliation kept in the store was used (nothing reconciled or matched).
    pub kept: bool,
}

/// Loads and reconciles the ledger as of a date: the reconciliation kept in the store when it
/// was worked out from exactly these inputs, else worked out now and kept.
pub fn reconciled(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<Reconciled> {
    let key = key_of(store, as_of, policy)?;
    load(store, as_of, policy, key, true, None)
}

/// The documents and their open amounts as of a date, for views that need nothing of the bank
/// lines themselves (ageing, receivables, letters, plans): with a reconciliation kept for these
/// inputs, neither the bank lines nor what became of each is read.
pub fn reconciled_ledger(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
) -> Result<(Vec<LedgerDocument>, OpenAmounts)> {
    ledger_timed(store, as_of, policy).map(|(docs, amounts, _)| (docs, amounts))
}

/// The documents left open as of a date, with their open amounts, for listings of open items
/// (ageing, receivables): with a reconciliation kept for these inputs, only those documents are
/// read, a third of a ledger; else the ledger is reconciled (and kept) and the documents that
/// are not open are left out.
pub fn open_ledger(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<OpenDocuments> {
    let started = std::time::Instant::now();
    let key = key_of(store, as_of, policy)?;
    if let Some(k) = &key {
        if let Some(open) = store.kept_open_documents(&k.run, &k.inputs)? {
            tracing::info!(
                documents = open.docs.len(),
                load_s = started.elapsed().as_secs_f64(),
                kept = true,
                "open documents loaded with the kept reconciliation"
            );
            return Ok(open);
        }
    }
    let (docs, amounts) = reconciled_ledger(store, as_of, policy)?;
    Ok(OpenDocuments::of(docs, amounts.open))
}

/// The receivables as the report reads them when its claims are kept: the debtors, the notes,
/// the money waiting, and only the documents left open (`None` when no reconciliation is kept
/// for these inputs). Not for working claims out, which weigh every document.
pub fn open_receivables(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
) -> Result<Option<Receivables>> {
    let started = std::time::Instant::now();
    let Some(k) = key_of(store, as_of, policy)? else {
        return Ok(None);
    };
    let Some((notes, waiting, open)) = store.kept_open_receivables(&k.run, &k.inputs)? else {
        return Ok(None);
    };
    let debtors = store.debtors()?;
    tracing::info!(
        documents = open.docs.len(),
        load_s = started.elapsed().as_secs_f64(),
        kept = true,
        "open documents loaded with the kept reconciliation and the money waiting"
    );
    Ok(Some(Receivables {
        docs: open.docs,
        debtors,
        amounts: OpenAmounts {
            open: open.open,
            notes: notes.notes,
            paid: notes.paid,
        },
        waiting,
        timings: kept_since(started),
    }))
}

/// The documents, debtors, open amounts and money not applied as of a date, for the claims:
/// with a reconciliation kept for these inputs, the other bank lines and what became of each
/// are not read.
pub fn receivables(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<Receivables> {
    let started = std::time::Instant::now();
    let key = key_of(store, as_of, policy)?;
    if !kept_for_these(store, key.as_ref())? {
        return Ok(load(store, as_of, policy, key, true, None)?.into_receivables());
    }
    let (kept, docs) = kept_beside_documents(store, key.as_ref(), |k| {
        store.kept_receivables(&k.run, &k.inputs)
    })?;
    let debtors = store.debtors()?;
    if let Some((amounts, waiting)) = kept {
        tracing::info!(
            documents = docs.len(),
            waiting = waiting.payments.len(),
            load_s = started.elapsed().as_secs_f64(),
            kept = true,
            "documents loaded with the kept reconciliation and the money waiting"
        );
        return Ok(Receivables {
            docs,
            debtors,
            amounts,
            waiting,
            timings: kept_since(started),
        });
    }
    Ok(load(store, as_of, policy, key, true, Some(docs))?.into_receivables())
}

/// The allocations alone as of a date (`incasso allocations`): with a reconciliation kept for
/// these inputs, nothing else is read.
pub fn allocations(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
) -> Result<Vec<Allocation>> {
    let key = key_of(store, as_of, policy)?;
    if let Some(k) = &key {
        if let Some(allocations) = store.kept_allocations(&k.run, &k.inputs)? {
            return Ok(allocations);
        }
    }
    let mut r = load(store, as_of, policy, key, true, None)?;
    let allocations = std::mem::take(&mut r.rec.allocations);
    std::thread::spawn(move || drop(r));
    Ok(allocations)
}

/// [`reconciled_ledger`], with how it was worked out.
fn ledger_timed(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
) -> Result<(Vec<LedgerDocument>, OpenAmounts, Timings)> {
    let started = std::time::Instant::now();
    let key = key_of(store, as_of, policy)?;
    if !kept_for_these(store, key.as_ref())? {
        let r = load(store, as_of, policy, key, true, None)?.into_receivables();
        return Ok((r.docs, r.amounts, r.timings));
    }
    // The documents are read while the kept file is; when its section cannot be read they go
    // on to the full load, which then reads only the rest.
    let (amounts, docs) = kept_beside_documents(store, key.as_ref(), |k| {
        store.kept_open_items(&k.run, &k.inputs)
    })?;
    if let Some(amounts) = amounts {
        tracing::info!(
            documents = docs.len(),
            load_s = started.elapsed().as_secs_f64(),
            kept = true,
            "documents loaded with the kept reconciliation"
        );
        return Ok((docs, amounts, kept_since(started)));
    }
    // None kept for these inputs (or its first section unreadable): worked out again.
    let r = load(store, as_of, policy, key, true, Some(docs))?.into_receivables();
    Ok((r.docs, r.amounts, r.timings))
}

/// Whether a reconciliation is kept for exactly these inputs. When not, a read works it out
/// again and reads the documents and the bank lines side by side from the start, instead of
/// the documents first.
fn kept_for_these(store: &Store, key: Option<&Key>) -> Result<bool> {
    Ok(match key {
        Some(k) => store.kept_is_for(&k.run, &k.inputs)?,
        None => false,
    })
}

/// Reads the documents while `read` reads sections of the kept file for `key` on another thread
/// (`None` from it: nothing kept for these inputs, or unreadable).
fn kept_beside_documents<T: Send>(
    store: &Store,
    key: Option<&Key>,
    read: impl FnOnce(&Key) -> Result<Option<T>, incasso_store::StoreError> + Send,
) -> Result<(Option<T>, Vec<LedgerDocument>)> {
    std::thread::scope(|scope| {
        let kept = scope.spawn(|| key.map(read).transpose().map(Option::flatten));
        let docs = store.documents();
        let kept = kept.join().map_err(|_| {
            anyhow::anyhow!("reading the kept reconciliation failed: its thread panicked")
        })??;
        Ok((kept, docs?))
    })
}

/// The timings of a read the kept file served since `started`.
fn kept_since(started: std::time::Instant) -> Timings {
    Timings {
        load: started.elapsed(),
        kept: true,
        ..Timings::default()
    }
}

/// What a full recomputation found of the reconciliation kept in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// None was kept for these inputs.
    NoneKept,
    /// The kept one is exactly what matching everything again gives.
    Same,
    /// The kept one differs: it has been replaced.
    Differed,
}

/// Works the reconciliation out again from scratch, compares it with the one kept for the same
/// inputs, and keeps the fresh one (`incasso reconcile --full`). The claims kept are forgotten:
/// they were worked out from the kept reconciliation this check distrusts.
pub fn recompute(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
) -> Result<(Reconciled, Check)> {
    store.forget_claims()?;
    let key = key_of(store, as_of, policy)?;
    let kept = match &key {
        Some(k) => store.kept_reconciliation(&k.run, &k.inputs)?,
        None => None,
    };
    let fresh = load(store, as_of, policy, key, false, None)?;
    // Compared as printed (`Debug`), not by `==`: 70.00 and 70.000 are equal numbers but print
    // differently, and what prints is what must be the same.
    let same =
        |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| format!("{a:?}") == format!("{b:?}");
    let check = match kept {
        None => Check::NoneKept,
        Some(Kept {
            rec,
            waiting,
            matching,
        }) if same(&rec, &fresh.rec)
            && same(&waiting, &fresh.waiting)
            && same(&matching.outcomes, &fresh.matching.outcomes)
            && same(&matching.review, &fresh.matching.review) =>
        {
            Check::Same
        }
        Some(_) => Check::Differed,
    };
    Ok((fresh, check))
}

/// What a reconciliation is kept under.
struct Key {
    /// The date, the matching rules, and this build of incasso (another build may match
    /// differently), known by a hash of the running executable.
    run: String,
    /// The store's inputs (`Store::reconciliation_inputs`).
    inputs: String,
}

/// This build of incasso, known by a hash of the running executable (another build may work
/// things out differently, so nothing kept by one is read by another); `None`, with a warning,
/// when the executable cannot be read.
pub(crate) fn build() -> Option<&'static str> {
    static BUILD: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let build = BUILD.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(std::fs::File::open(exe).ok()?).ok()?;
        Some(format!(
            "{}-{}",
            env!("CARGO_PKG_VERSION"),
            &hasher.finalize().to_hex()[..32]
        ))
    });
    if build.is_none() {
        tracing::warn!("this build of incasso cannot identify itself: nothing is kept or reused");
    }
    build.as_deref()
}

/// The key a reconciliation is kept under; `None` when the executable cannot be read: then
/// nothing is kept or reused.
fn key_of(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<Option<Key>> {
    let Some(build) = build() else {
        return Ok(None);
    };
    // Every field of the rules, so a rule added later changes the key too.
    Ok(Some(Key {
        run: format!("{as_of}|{policy:?}|{build}"),
        inputs: store.reconciliation_inputs()?,
    }))
}

/// The ledger with the reconciliation kept under `key` (when `reuse` and there is one for these
/// inputs), or reconciled and matched now and kept under `key`.
fn load(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
    key: Option<Key>,
    reuse: bool,
    docs: Option<Vec<LedgerDocument>>,
) -> Result<Reconciled> {
    let mut worked = read(store, as_of, policy, key, reuse, docs)?.work();
    worked.keep(store);
    Ok(worked.into_reconciled())
}

/// What working a reconciliation out reads of the store, read in one go, so that the work itself
/// needs no store: the workbench works it out while the store takes the person's decisions.
pub struct Inputs {
    key: Option<Key>,
    as_of: NaiveDate,
    policy: MatchPolicy,
    docs: Vec<LedgerDocument>,
    debtors: Vec<Debtor>,
    payments: Vec<Payment>,
    kept: Option<Kept>,
    /// Decisions by hand (not read when the kept reconciliation is for these inputs).
    decisions: Vec<ManualDecision>,
    /// The day each import was read, and what documents' versions reported settled (see
    /// [`books_settled`]).
    imported_on: ImportDays,
    started: std::time::Instant,
    timings: Timings,
}

/// A reconciliation worked out from [`Inputs`], and what keeping it for the next read needs.
pub struct Worked {
    reconciled: Reconciled,
    keep: Option<Keeping>,
}

/// What keeping a reconciliation worked out now needs besides the reconciliation itself: the
/// key it is kept under. Apart from it, it can be kept on another thread while the reconciled
/// ledger is used (the nightly run keeps it while it sends the claims).
pub struct Keeping {
    key: Key,
}

impl Keeping {
    /// Keeps `r`, the reconciliation this came with, in the store for the next read; gives how
    /// long that took. Keeping is a saving, not a duty: a read-only or full disk still gets its
    /// answer, with a warning.
    pub fn keep(&self, r: &Reconciled, store: &Store) -> std::time::Duration {
        let keeping = std::time::Instant::now();
        let kept = store.keep_reconciliation(
            &self.key.run,
            &self.key.inputs,
            ToKeep {
                docs: &r.docs,
                rec: &r.rec,
                waiting: &r.waiting,
                matching: &r.matching,
            },
        );
        if let Err(e) = kept {
            tracing::warn!("the reconciliation could not be kept for the next read: {e}");
        }
        keeping.elapsed()
    }
}

/// Reads what [`reconciled`] works out from, for [`Inputs::work`] (with the store closed) and
/// [`Worked::keep`] (with it open again).
pub fn inputs(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<Inputs> {
    let key = key_of(store, as_of, policy)?;
    read(store, as_of, policy, key, true, None)
}

/// What [`inputs`] reads of the store but the documents, debtors and bank lines, for when those
/// are at hand already: the workbench has them from its last snapshot when only its own
/// decisions changed the store since. Read in a moment; the kept file is opened, and read later
/// with the store closed ([`Beside::with`]).
pub struct Beside {
    key: Option<Key>,
    as_of: NaiveDate,
    policy: MatchPolicy,
    kept: Option<KeptFile>,
    decisions: Vec<ManualDecision>,
    imported_on: ImportDays,
}

/// Reads what [`Beside`] holds.
pub fn beside(store: &Store, as_of: NaiveDate, policy: &MatchPolicy) -> Result<Beside> {
    let key = key_of(store, as_of, policy)?;
    let kept = match &key {
        Some(k) => store.open_kept(&k.run)?,
        None => None,
    };
    Ok(Beside {
        key,
        as_of,
        policy: policy.clone(),
        kept,
        decisions: store.decisions()?,
        imported_on: imported_on(store)?,
    })
}

/// The day each import was read (by its source's content hash and by its id), and what the
/// versions of documents of more than one version reported settled, with their imports.
#[derive(Default)]
struct ImportDays {
    by_source: HashMap<String, NaiveDate>,
    by_id: HashMap<u64, NaiveDate>,
    settled_since: incasso_store::SettledSince,
}

/// Reads [`ImportDays`].
fn imported_on(store: &Store) -> Result<ImportDays> {
    let mut days = ImportDays {
        settled_since: store.settled_since()?,
        ..ImportDays::default()
    };
    for r in store.imports()? {
        let day = r.imported_at.date_naive();
        days.by_id.insert(r.id, day);
        days.by_source.insert(r.source.content_hash, day);
    }
    Ok(days)
}

/// What the books reported settled of each document and when: per document, the day the export
/// that first reported its settlement as it stands was read (`None` where it reports none), and
/// where it grew over several exports, each earlier amount with its day. A transfer naming the
/// document may be the money they booked (`incasso_core::matching` `booked.rs`).
fn books_settled(docs: &[LedgerDocument], days: &ImportDays) -> BooksSettled {
    let mut books = BooksSettled::default();
    books.read_on = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let now = incasso_store::settled_of(&d.document);
            if now <= Decimal::ZERO {
                return None;
            }
            match days.settled_since.of(d) {
                Some(steps) => {
                    let (last, earlier) = steps.split_last()?;
                    if last.1 != now {
                        // A record that does not end in what the document says: its day is
                        // not known.
                        return None;
                    }
                    let earlier: Vec<(NaiveDate, Decimal)> = earlier
                        .iter()
                        .filter_map(|&(import, amount)| Some((*days.by_id.get(&import)?, amount)))
                        .collect();
                    if !earlier.is_empty() {
                        books.earlier.insert(i as u32, earlier);
                    }
                    days.by_id.get(&last.0).copied()
                }
                None => days
                    .by_source
                    .get(d.provenance.source.content_hash.as_str())
                    .copied(),
            }
        })
        .collect();
    books
}

impl Beside {
    /// The inputs, with these documents, debtors and bank lines (the store's as they stand),
    /// the kept file read now.
    pub fn with(
        mut self,
        docs: Vec<LedgerDocument>,
        debtors: Vec<Debtor>,
        payments: Vec<Payment>,
    ) -> Inputs {
        let started = std::time::Instant::now();
        let kept = match (&self.key, self.kept.take()) {
            (Some(k), Some(f)) => f.read(&k.inputs),
            _ => None,
        };
        self.into_inputs(docs, debtors, payments, kept, started)
    }

    /// The inputs, with these documents, debtors, bank lines and kept reconciliation, read since
    /// `started`.
    fn into_inputs(
        self,
        docs: Vec<LedgerDocument>,
        debtors: Vec<Debtor>,
        payments: Vec<Payment>,
        kept: Option<Kept>,
        started: std::time::Instant,
    ) -> Inputs {
        Inputs {
            key: self.key,
            as_of: self.as_of,
            policy: self.policy,
            docs,
            debtors,
            payments,
            kept,
            decisions: self.decisions,
            imported_on: self.imported_on,
            started,
            timings: Timings {
                load: started.elapsed(),
                ..Timings::default()
            },
        }
    }
}

/// Documents (unless read already: `docs`), bank lines and the kept file (with `reuse`) read
/// side by side, each decoded on its own thread.
fn read(
    store: &Store,
    as_of: NaiveDate,
    policy: &MatchPolicy,
    key: Option<Key>,
    reuse: bool,
    docs: Option<Vec<LedgerDocument>>,
) -> Result<Inputs> {
    let started = std::time::Instant::now();
    // A read that will match loads about 800 MB at 1M before matching starts: on ordinary pages
    // from the first document (docs/performance-history.md, session 23; the binary asks for
    // them at its start, other programs using the engine here).
    let same = reuse && kept_for_these(store, key.as_ref())?;
    if !same {
        crate::memory::ordinary_pages();
    }
    let (docs, payments, kept) = std::thread::scope(|scope| {
        // Money out is kept in the store but never matched: leave it there.
        let payments =
            scope.spawn(|| store.payments_of(&[PaymentKind::Incoming, PaymentKind::Reversal]));
        // Only a reconciliation kept for these very inputs is read. One kept for earlier
        // inputs is not taken over in part: at a million invoices, loading it and taking over
        // its unchanged partitions cost more than matching every payment again
        // (docs/performance-history.md, session 26).
        let kept = scope.spawn(|| match (&key, same) {
            (Some(k), true) => store.kept_reconciliation(&k.run, &k.inputs),
            _ => Ok(None),
        });
        let docs = docs.map_or_else(|| store.documents(), Ok);
        // Both joined before any error is returned: a thread left unjoined that panicked would
        // turn the error into a panic when the scope ends.
        let join = |what: &str| anyhow::anyhow!("reading {what} failed: its thread panicked");
        let payments = payments.join().map_err(|_| join("bank lines"));
        let kept = kept.join().map_err(|_| join("the kept reconciliation"));
        anyhow::Ok((docs?, payments??, kept??))
    })?;
    let debtors = store.debtors()?;
    let decisions = match kept {
        Some(_) => Vec::new(),
        None => store.decisions()?,
    };
    let imported_on = match kept {
        Some(_) => ImportDays::default(),
        None => imported_on(store)?,
    };
    let beside = Beside {
        key,
        as_of,
        policy: policy.clone(),
        kept: None,
        decisions,
        imported_on,
    };
    Ok(beside.into_inputs(docs, debtors, payments, kept, started))
}

impl Inputs {
    /// The kept reconciliation when it is for these inputs, else reconciled and matched now.
    pub fn work(self) -> Worked {
        let Inputs {
            key,
            as_of,
            policy,
            docs,
            debtors,
            payments,
            kept,
            decisions,
            imported_on,
            started,
            mut timings,
        } = self;
        let loaded = timings.load;
        let (rec, matching, waiting, keep) = match kept {
            Some(Kept {
                rec,
                waiting,
                matching,
            }) => {
                timings.kept = true;
                (rec, matching, waiting, None)
            }
            None => {
                crate::memory::ordinary_pages();
                let mut rec = reconcile(&docs, as_of);
                timings.reconcile = started.elapsed() - loaded;
                let books = books_settled(&docs, &imported_on);
                let matching = match_payments(
                    &docs, &debtors, &payments, &decisions, &policy, as_of, &books, &mut rec,
                );
                rec.paid = PaidOn::of(&docs, &rec, &payments);
                timings.matching = started.elapsed() - loaded - timings.reconcile;
                let waiting = matching.waiting(&payments);
                (rec, matching, waiting, key.map(|key| Keeping { key }))
            }
        };
        Worked {
            reconciled: Reconciled {
                docs,
                debtors,
                payments,
                rec,
                matching,
                waiting,
                timings,
            },
            keep,
        }
    }
}

impl Worked {
    /// The reconciled ledger.
    pub fn reconciled(&self) -> &Reconciled {
        &self.reconciled
    }

    /// Keeps it in the store for the next read, when it was worked out now (once).
    pub fn keep(&mut self, store: &Store) {
        if let Some(k) = self.keep.take() {
            self.reconciled.timings.keep = k.keep(&self.reconciled, store);
        }
        log_loaded(&self.reconciled);
    }

    /// The reconciled ledger and, when it was worked out now, what keeping it needs, for a
    /// caller that keeps it while it goes on.
    pub fn keep_later(self) -> (Reconciled, Option<Keeping>) {
        log_loaded(&self.reconciled);
        (self.reconciled, self.keep)
    }

    /// The reconciled ledger, kept or not.
    pub fn into_reconciled(self) -> Reconciled {
        self.reconciled
    }
}

/// Logs how a reconciliation was worked out and the first of its notes.
fn log_loaded(r: &Reconciled) {
    let (timings, rec) = (&r.timings, &r.rec);
    tracing::info!(
        documents = r.docs.len(),
        payments = r.payments.len(),
        load_s = timings.load.as_secs_f64(),
        reconcile_s = timings.reconcile.as_secs_f64(),
        kept = timings.kept,
        match_s = timings.matching.as_secs_f64(),
        keep_s = timings.keep.as_secs_f64(),
        match_runs = r.matching.runs,
        "ledger loaded and reconciled"
    );
    // Notes about the ledger (shortfalls, unlinked credit notes) belong to the output (the
    // report's notes), not to every read's log: -v shows a few, -vv all.
    for n in rec.notes.iter().take(5) {
        tracing::info!(
            "{} {}: {}",
            n.document.kind.code(),
            n.document.number,
            n.message
        );
    }
    if rec.notes.len() > 5 {
        tracing::info!(
            "and {} more notes like these (run with -vv to see all)",
            rec.notes.len() - 5
        );
        for n in &rec.notes[5..] {
            tracing::debug!(
                "{} {}: {}",
                n.document.kind.code(),
                n.document.number,
                n.message
            );
        }
    }
}

#[cfg(test)]
mod tests {
    //! The kept reconciliation against a full one: the same files imported whole, or split and
    //! in any order with reads in between, give exactly the same allocations.

    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::*;
    use crate::testing::import;
    use crate::Workspace;

    const AS_OF: &str = "2026-12-31";

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/othergen2/nl-ing")
    }

    /// What matching decided, in a form that does not depend on the order things are stored in.
    #[derive(Debug, PartialEq)]
    struct Decided {
        allocations: Vec<String>,
        outcomes: BTreeMap<String, String>,
        open: BTreeMap<String, String>,
        review: Vec<String>,
    }

    fn decided(r: &Reconciled) -> Decided {
        let mut allocations: Vec<String> =
            r.rec.allocations.iter().map(|a| format!("{a:?}")).collect();
        allocations.sort();
        let outcomes = r
            .payments
            .iter()
            .zip(&r.matching.outcomes)
            .map(|(p, o)| (p.id.clone(), format!("{o:?}")))
            .collect();
        let open = r
            .docs
            .iter()
            .zip(&r.rec.open)
            .map(|(d, o)| (format!("{:?}", d.document.key()), format!("{o:?}")))
            .collect();
        let mut review: Vec<String> = r
            .matching
            .review
            .iter()
            .map(|p| {
                format!(
                    "{} {:?} {} {}",
                    r.payments[p.payment].id, p.document, p.amount, p.confidence
                )
            })
            .collect();
        review.sort();
        Decided {
            allocations,
            outcomes,
            open,
            review,
        }
    }

    /// The first differences between two results, short enough to read.
    fn differences(a: &Decided, b: &Decided) -> Vec<String> {
        let mut out = Vec::new();
        let only = |x: &[String], y: &[String]| -> Vec<String> {
            x.iter()
                .filter(|v| !y.contains(v))
                .take(3)
                .cloned()
                .collect()
        };
        out.extend(
            only(&a.allocations, &b.allocations)
                .into_iter()
                .map(|v| format!("allocation only in the first: {v}")),
        );
        out.extend(
            only(&b.allocations, &a.allocations)
                .into_iter()
                .map(|v| format!("allocation only in the second: {v}")),
        );
        for (k, v) in &a.outcomes {
            if b.outcomes.get(k) != Some(v) {
                out.push(format!("payment {k}: {v} / {:?}", b.outcomes.get(k)));
            }
        }
        for (k, v) in &a.open {
            if b.open.get(k) != Some(v) {
                out.push(format!("document {k}: {v} / {:?}", b.open.get(k)));
            }
        }
        out.extend(
            only(&a.review, &b.review)
                .into_iter()
                .map(|v| format!("review only in the first: {v}")),
        );
        out.extend(
            only(&b.review, &a.review)
                .into_iter()
                .map(|v| format!("review only in the second: {v}")),
        );
        if a.outcomes.len() != b.outcomes.len() || a.open.len() != b.open.len() {
            out.push(format!(
                "{} / {} payments, {} / {} documents",
                a.outcomes.len(),
                b.outcomes.len(),
                a.open.len(),
                b.open.len()
            ));
        }
        out.truncate(8);
        out
    }

    fn read(ws: &Workspace) -> Reconciled {
        let as_of = AS_OF.parse().unwrap();
        reconciled(ws.store().unwrap(), as_of, &MatchPolicy::default()).unwrap()
    }

    /// The ledger and the bank export whole, imported into a fresh store and read once.
    fn whole() -> Decided {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        import(&ws, &fixtures().join("ledger.csv"));
        import(&ws, &fixtures().join("bank/ing-2025-2026.csv"));
        let r = read(&ws);
        assert!(!r.timings.kept);
        assert!(
            r.rec.allocations.len() > 500,
            "{} allocations",
            r.rec.allocations.len()
        );
        decided(&r)
    }

    /// A CSV file's lines after its header in `parts` pieces, each with the header; pieces of the
    /// bank export end at a change of date, as daily statements do.
    fn split(text: &str, parts: usize, by_date: bool) -> Vec<String> {
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let rows: Vec<&str> = lines.collect();
        let mut cuts = vec![0];
        for k in 1..parts {
            let mut at = rows.len() * k / parts;
            while by_date && at > 0 && at < rows.len() && rows[at][..10] == rows[at - 1][..10] {
                at += 1;
            }
            cuts.push(at.min(rows.len()));
        }
        cuts.push(rows.len());
        cuts.windows(2)
            .filter(|w| w[0] < w[1])
            .map(|w| format!("{header}\n{}\n", rows[w[0]..w[1]].join("\n")))
            .collect()
    }

    /// After a decision, the inputs read beside the documents, debtors and bank lines of the
    /// read before it (as the workbench does) give exactly what reading everything again gives.
    #[test]
    fn inputs_beside_the_ledger_at_hand_give_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        import(&ws, &fixtures().join("ledger.csv"));
        import(&ws, &fixtures().join("bank/ing-2025-2026.csv"));
        let before = read(&ws);
        let paid = before
            .rec
            .allocations
            .iter()
            .find_map(|a| match &a.from {
                incasso_core::model::AllocationSource::Payment(p) => {
                    Some((p.clone(), a.document.number.to_string()))
                }
                _ => None,
            })
            .unwrap();
        crate::decisions::unallocate(&ws, &paid.0, Some(&paid.1), "test").unwrap();
        let (as_of, policy) = (AS_OF.parse().unwrap(), MatchPolicy::default());
        let store = ws.store().unwrap();
        let at_hand = beside(store, as_of, &policy)
            .unwrap()
            .with(before.docs, before.debtors, before.payments)
            .work()
            .into_reconciled();
        assert!(!at_hand.timings.kept, "worked out again after the decision");
        assert!(!at_hand.rec.allocations.iter().any(|a| a.from
            == incasso_core::model::AllocationSource::Payment(paid.0.clone())
            && a.document.number == paid.1.as_str()));
        let (fresh, _) = recompute(store, as_of, &policy).unwrap();
        assert_eq!(
            differences(&decided(&at_hand), &decided(&fresh)),
            Vec::<String>::new()
        );
    }

    /// The ledger and the first half of the bank export, read; then the second half: the read
    /// after it does not take the reconciliation kept for the first half, and the result is
    /// exactly that of the whole files read once, as `reconcile --full` confirms.
    #[test]
    fn a_read_after_an_import_gives_what_the_whole_files_give() {
        let expected = whole();
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        import(&ws, &fixtures().join("ledger.csv"));
        let bank = std::fs::read_to_string(fixtures().join("bank/ing-2025-2026.csv")).unwrap();
        let parts = split(&bank, 2, true);
        for (k, part) in parts.iter().enumerate() {
            let f = dir.path().join(format!("ing-{k}.csv"));
            std::fs::write(&f, part).unwrap();
            import(&ws, &f);
            let r = read(&ws);
            assert!(!r.timings.kept);
            if k == 1 {
                assert_eq!(differences(&decided(&r), &expected), Vec::<String>::new());
            }
        }
        let (fresh, check) = recompute(
            ws.store().unwrap(),
            AS_OF.parse().unwrap(),
            &MatchPolicy::default(),
        )
        .unwrap();
        assert_eq!(check, Check::Same);
        assert_eq!(
            differences(&decided(&fresh), &expected),
            Vec::<String>::new()
        );
    }

    /// The listings of open items read the documents left open alone once a reconciliation is
    /// kept; they get exactly the open part of the whole ledger, worked out or kept, and after
    /// an import they work it out again.
    #[test]
    fn the_open_documents_kept_are_the_open_part_of_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        import(&ws, &fixtures().join("ledger.csv"));
        let bank = std::fs::read_to_string(fixtures().join("bank/ing-2025-2026.csv")).unwrap();
        let (as_of, policy) = (AS_OF.parse().unwrap(), MatchPolicy::default());
        let printed = |o: &OpenDocuments| format!("{:?} {:?}", o.docs, o.open);
        for (k, part) in split(&bank, 2, true).iter().enumerate() {
            let f = dir.path().join(format!("ing-{k}.csv"));
            std::fs::write(&f, part).unwrap();
            import(&ws, &f);
            let store = ws.store().unwrap();
            let worked = open_ledger(store, as_of, &policy).unwrap();
            let kept = store
                .kept_open_documents(
                    &key_of(store, as_of, &policy).unwrap().unwrap().run,
                    &store.reconciliation_inputs().unwrap(),
                )
                .unwrap()
                .expect("kept by the read before");
            let r = read(&ws);
            assert!(r.timings.kept);
            let whole = OpenDocuments::of(r.docs, r.rec.open);
            assert!(whole.docs.len() > 20, "{} open", whole.docs.len());
            assert!(whole.open.iter().all(|o| o.is_some_and(|o| !o.is_zero())));
            assert_eq!(printed(&worked), printed(&whole));
            assert_eq!(printed(&kept), printed(&whole));
            assert_eq!(
                printed(&open_ledger(store, as_of, &policy).unwrap()),
                printed(&whole)
            );
        }
    }

    /// Ageing, receivables, letters and plans, which read only the open amounts, work the
    /// ledger out again after an import as well; the result is what a full run keeps.
    #[test]
    fn an_open_items_read_after_an_import_works_it_out_again() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        import(&ws, &fixtures().join("ledger.csv"));
        let bank = std::fs::read_to_string(fixtures().join("bank/ing-2025-2026.csv")).unwrap();
        let as_of = AS_OF.parse().unwrap();
        for (k, part) in split(&bank, 2, true).iter().enumerate() {
            let f = dir.path().join(format!("ing-{k}.csv"));
            std::fs::write(&f, part).unwrap();
            import(&ws, &f);
            let (_, _, t) =
                ledger_timed(ws.store().unwrap(), as_of, &MatchPolicy::default()).unwrap();
            assert!(!t.kept, "{t:?}");
            let again = ledger_timed(ws.store().unwrap(), as_of, &MatchPolicy::default())
                .unwrap()
                .2;
            assert!(again.kept, "{k}: kept for the next read: {again:?}");
        }
        let (_, check) = recompute(ws.store().unwrap(), as_of, &MatchPolicy::default()).unwrap();
        assert_eq!(check, Check::Same);
    }

    /// Sets written by other hands, statement by statement as a nightly job gets them: the read
    /// after the last statement is exactly the files read at once, as `reconcile --full`
    /// confirms.
    #[test]
    fn statement_by_statement_other_hands_sets_end_as_read_at_once() {
        for set in ["othergen3/be-camt", "othergen3/nl-rabo"] {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures")
                .join(set);
            let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("bank"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let ledger: Vec<PathBuf> = std::fs::read_dir(root.join("ledger"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            let at_once = {
                let dir = tempfile::tempdir().unwrap();
                let ws = Workspace::new(dir.path().join("data"), None);
                for f in ledger.iter().chain(&files) {
                    import(&ws, f);
                }
                decided(&read(&ws))
            };
            let dir = tempfile::tempdir().unwrap();
            let ws = Workspace::new(dir.path().join("data"), None);
            for f in &ledger {
                import(&ws, f);
            }
            let mut last = None;
            for f in &files {
                import(&ws, f);
                let r = read(&ws);
                assert!(
                    !r.timings.kept,
                    "{set}: {} read after it was imported",
                    f.display()
                );
                last = Some(decided(&r));
            }
            assert_eq!(
                differences(&last.unwrap(), &at_once),
                Vec::<String>::new(),
                "{set}"
            );
            let (_, check) = recompute(
                ws.store().unwrap(),
                AS_OF.parse().unwrap(),
                &MatchPolicy::default(),
            )
            .unwrap();
            assert_eq!(check, Check::Same, "{set}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_split_and_order_of_the_same_files_gives_the_same_allocations(
            ledger_parts in 1usize..4,
            bank_parts in 1usize..5,
            seed in any::<u64>(),
        ) {
            let expected = whole();
            let dir = tempfile::tempdir().unwrap();
            let mut files = Vec::new();
            let ledger = std::fs::read_to_string(fixtures().join("ledger.csv")).unwrap();
            let bank = std::fs::read_to_string(fixtures().join("bank/ing-2025-2026.csv")).unwrap();
            for (k, part) in split(&ledger, ledger_parts, false).into_iter().enumerate() {
                let f = dir.path().join(format!("ledger-{k}.csv"));
                std::fs::write(&f, part).unwrap();
                files.push(f);
            }
            for (k, part) in split(&bank, bank_parts, true).into_iter().enumerate() {
                let f = dir.path().join(format!("ing-{k}.csv"));
                std::fs::write(&f, part).unwrap();
                files.push(f);
            }
            let mut rng = seed | 1;
            for v in (1..files.len()).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                files.swap(v, (rng % (v as u64 + 1)) as usize);
            }
            let ws = Workspace::new(dir.path().join("data"), None);
            for f in &files {
                import(&ws, f);
                // A read after every import keeps a reconciliation the next import must replace.
                let r = read(&ws);
                prop_assert!(!r.timings.kept, "an import changed the inputs: not the kept one");
            }
            let again = read(&ws);
            prop_assert!(again.timings.kept, "nothing new: the kept one is read");
            prop_assert_eq!(differences(&decided(&again), &expected), Vec::<String>::new());
            let (fresh, check) = recompute(ws.store().unwrap(), AS_OF.parse().unwrap(), &MatchPolicy::default()).unwrap();
            prop_assert_eq!(check, Check::Same);
            prop_assert_eq!(differences(&decided(&fresh), &expected), Vec::<String>::new());
        }
    }
}
