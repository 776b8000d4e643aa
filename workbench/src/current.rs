//! Keeping the pages current without making the person wait. A decision made here moves the
//! store's change marker, and the snapshot the pages read (`snapshot.rs`) must be worked out
//! again: seconds at a million invoices. So after a decision made here the snapshot is worked out
//! in the background, with the store closed while it matches, and until it is ready the pages are
//! served from the last one, each with a banner that says so and with the decisions made since
//! marked on their rows (by payment and by document) instead of buttons. The store stays free
//! for the next decision meanwhile: a person clears a queue at the pace they click.
//!
//! | what changed since the snapshot | the next page |
//! |---|---|
//! | nothing | the snapshot |
//! | only decisions made here | the snapshot, the decisions marked, the new one worked out in the background |
//! | anything else (an import, a command, a resolved conflict) | the snapshot without buttons, a new one worked out in the background |
//! | another date | waits for a new one |

use std::sync::Arc;

use chrono::NaiveDate;

use crate::snapshot::{Key, Snapshot};

/// A decision recorded here that the snapshot the pages read does not show yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Its place among the decisions recorded here.
    seq: u64,
    /// The payment decided on.
    pub payment: String,
    /// The document it names.
    pub document: String,
    /// What was recorded, as the page's message said it.
    pub what: String,
}

/// What a page reads: a snapshot, and the decisions made here that it does not show yet.
pub struct View {
    /// The snapshot.
    pub snapshot: Arc<Snapshot>,
    /// Being worked in (empty when the snapshot is current).
    pub pending: Vec<Pending>,
    /// Shown without buttons while a new one is worked out: the store changed by more than
    /// decisions made here since the snapshot, or nobody has looked yet whether it did.
    pub read_only: bool,
}

impl View {
    /// The same, without buttons: the store may have changed elsewhere and nobody looked yet.
    /// The decisions made here are still marked on their rows.
    pub fn without_buttons(self) -> View {
        View {
            read_only: true,
            ..self
        }
    }

    /// A decision the snapshot does not show yet on this payment, or on this document (a
    /// decision on a document changes what every row of it shows).
    pub fn pending_on(&self, payment: Option<&str>, document: Option<&str>) -> Option<&Pending> {
        // As the ledger knows numbers: a number typed in another form names the same document.
        let norm = |x: &str| {
            incasso_core::ids::DocumentNumber::new(x)
                .map(|n| n.normalised().into_owned())
                .unwrap_or_else(|_| x.trim().to_uppercase())
        };
        let same = |a: &str, b: &str| norm(a) == norm(b);
        self.pending.iter().rev().find(|p| {
            payment.is_some_and(|x| p.payment == x)
                || document.is_some_and(|d| !p.document.is_empty() && same(&p.document, d))
        })
    }
}

/// The last snapshot, and what happened since.
pub struct Cache {
    /// The last snapshot and its key.
    kept: Option<(Key, Arc<Snapshot>)>,
    /// The store's change marker after the last change the cache knows all of: the snapshot's,
    /// then each decision made here. `None` once something else changed the store.
    known: Option<String>,
    /// Decisions made here that the kept snapshot does not show.
    pending: Vec<Pending>,
    /// How many decisions were recorded here.
    decided: u64,
    /// How many snapshots were kept: one worked out in the background is kept only when none
    /// was kept since it began.
    generation: u64,
    /// Whether one is being worked out in the background.
    working: bool,
    /// Whether the request holding the store has compared its change marker with `known`
    /// (another process may have changed the store before that request opened it).
    gate_checked: bool,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            kept: None,
            known: None,
            pending: Vec::new(),
            decided: 0,
            generation: 0,
            working: false,
            gate_checked: true,
        }
    }
}

/// Where a background run stands when it has read the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    generation: u64,
    decided: u64,
}

/// What a background run does after keeping what it worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Work one out again: decisions were made here meanwhile.
    Again,
    /// Stop.
    Stop,
}

impl Cache {
    /// While a snapshot is worked out in the background: the last one, when it is for `as_of`,
    /// with the decisions made here since (or without buttons after a change made elsewhere).
    pub fn while_working(&self, as_of: NaiveDate) -> Option<View> {
        if !self.working {
            return None;
        }
        let (key, s) = self.kept.as_ref()?;
        let read_only = self.known.is_none();
        (key.as_of == as_of).then(|| View {
            snapshot: s.clone(),
            pending: if read_only {
                Vec::new()
            } else {
                self.pending.clone()
            },
            read_only,
        })
    }

    /// The store changed by more than decisions made here since the snapshot for `as_of`: true
    /// when a background run is to be started, the pages showing the snapshot without buttons
    /// meanwhile.
    pub fn start_after_change(&mut self, as_of: NaiveDate) -> bool {
        if self.working || self.kept.as_ref().is_none_or(|(k, _)| k.as_of != as_of) {
            return false;
        }
        self.changed_elsewhere();
        self.working = true;
        true
    }

    /// Whether a snapshot is being worked out in the background.
    pub fn working(&self) -> bool {
        self.working
    }

    /// The kept snapshot when it was worked out for `key`.
    pub fn current(&self, key: &Key) -> Option<View> {
        let (k, s) = self.kept.as_ref()?;
        (k == key).then(|| View {
            snapshot: s.clone(),
            pending: Vec::new(),
            read_only: false,
        })
    }

    /// Makes room for a new snapshot for `as_of`: the old one goes first (two ledgers of a
    /// million invoices need not coexist), unless one is being worked out in the background.
    pub fn make_room(&mut self) {
        if !self.working {
            self.kept = None;
        }
    }

    /// Keeps a snapshot worked out while the store was held throughout (everything recorded so
    /// far is in it), unless one is being worked out in the background: then it serves this
    /// request only.
    pub fn keep_current(&mut self, key: Key, s: Snapshot) -> View {
        let s = Arc::new(s);
        if !self.working {
            self.known = Some(key.marker.clone());
            self.kept = Some((key, s.clone()));
            self.pending.clear();
            self.generation += 1;
        }
        View {
            snapshot: s,
            pending: Vec::new(),
            read_only: false,
        }
    }

    /// A decision made here has been recorded: the store's marker was `before` it and is
    /// `after`. True when a background run is to be started for it.
    pub fn decided(
        &mut self,
        before: &str,
        after: &str,
        payment: &str,
        document: &str,
        what: &str,
    ) -> bool {
        self.decided += 1;
        let follows = self.kept.is_some() && self.still_known(before);
        if !follows {
            self.changed_elsewhere();
            return false;
        }
        self.known = Some(after.to_string());
        self.pending.push(Pending {
            seq: self.decided,
            payment: payment.to_string(),
            document: document.to_string(),
            what: what.to_string(),
        });
        let start = !self.working;
        self.working = true;
        start
    }

    /// Something other than a decision made here changed the store (a resolved conflict, an
    /// import): the pages no longer show the last snapshot in the meantime.
    pub fn changed_elsewhere(&mut self) {
        self.known = None;
        self.pending.clear();
    }

    /// The last snapshot, when the store stands at `marker` and changed since it only by
    /// decisions made here: its documents, debtors and bank lines are the store's.
    pub fn only_decided_since(&self, marker: &str) -> Option<Arc<Snapshot>> {
        if !self.still_known(marker) {
            return None;
        }
        self.kept.as_ref().map(|(_, s)| s.clone())
    }

    /// Whether the store standing at `marker` changed since the snapshot only by decisions
    /// made here.
    fn still_known(&self, marker: &str) -> bool {
        self.known.as_deref() == Some(marker)
    }

    /// A request took the store: until it has compared the store's marker ([`Cache::check`]),
    /// the pages show no buttons while a run works.
    pub fn took_store(&mut self) {
        self.gate_checked = false;
    }

    /// The request holding the store found it at `marker`: anything but the marker after the
    /// last decision made here was changed elsewhere.
    pub fn check(&mut self, marker: &str) {
        if self.known.is_some() && !self.still_known(marker) {
            self.changed_elsewhere();
        }
        self.gate_checked = true;
    }

    /// The request holding the store needs no look (no run works).
    pub fn looked(&mut self) {
        self.gate_checked = true;
    }

    /// Whether the request holding the store has checked its marker.
    pub fn store_checked(&self) -> bool {
        self.gate_checked
    }

    /// A background run has read the store.
    pub fn started(&self) -> Started {
        Started {
            generation: self.generation,
            decided: self.decided,
        }
    }

    /// A background run worked out `s` from the store as it stood at `started`; the store's key
    /// is `now`. Keeps it when no other was kept since, and says whether to run again.
    pub fn worked_out(&mut self, started: Started, key: Key, s: Snapshot, now: &Key) -> Next {
        let kept = self.generation == started.generation;
        if kept {
            self.kept = Some((key.clone(), Arc::new(s)));
            self.generation += 1;
            self.pending.retain(|p| p.seq > started.decided);
        }
        if *now == key {
            // Everything recorded is in it: the next decision may be worked in behind the pages.
            if kept {
                self.known = Some(key.marker);
            }
            self.working = false;
            return Next::Stop;
        }
        if self.known.is_some() && !self.pending.is_empty() {
            return Next::Again;
        }
        self.working = false;
        self.changed_elsewhere();
        Next::Stop
    }

    /// A background run failed: the pages work the snapshot out themselves again.
    pub fn failed(&mut self) {
        self.working = false;
        self.changed_elsewhere();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(marker: &str) -> Key {
        Key {
            marker: marker.into(),
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            rules: "default".into(),
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot::empty()
    }

    #[test]
    fn a_decision_here_is_shown_on_the_last_snapshot_until_the_new_one_is_kept() {
        let mut c = Cache::default();
        c.keep_current(key("m1"), snapshot());
        assert!(c.while_working(key("m1").as_of).is_none());
        assert!(c.decided("m1", "m2", "P1", "F-1", "P1 → F-1"));
        let v = c
            .while_working(key("m1").as_of)
            .expect("served while working");
        assert_eq!(
            v.pending_on(Some("P1"), None).map(|p| p.what.as_str()),
            Some("P1 → F-1")
        );
        assert!(v.pending_on(Some("P2"), None).is_none());
        // Another payment's row for the same document is marked too.
        assert!(v.pending_on(Some("P9"), Some("f-1")).is_some());
        // Another date is not served from this snapshot.
        assert!(c
            .while_working(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
            .is_none());
        let started = c.started();
        // A second decision while the first is worked in: no second run, both shown.
        assert!(!c.decided("m2", "m3", "P2", "F-2", "P2 → F-2"));
        assert_eq!(c.while_working(key("m1").as_of).unwrap().pending.len(), 2);
        // The run kept what it read (up to the first decision), and runs again for the second.
        assert_eq!(
            c.worked_out(started, key("m2"), snapshot(), &key("m3")),
            Next::Again
        );
        let v = c.while_working(key("m1").as_of).unwrap();
        assert_eq!(v.pending.len(), 1);
        assert!(v.pending_on(Some("P2"), None).is_some());
        let started = c.started();
        assert_eq!(
            c.worked_out(started, key("m3"), snapshot(), &key("m3")),
            Next::Stop
        );
        assert!(c.while_working(key("m1").as_of).is_none());
        assert!(c.current(&key("m3")).is_some());
    }

    #[test]
    fn a_change_made_elsewhere_shows_no_decision_on_the_old_snapshot() {
        let mut c = Cache::default();
        c.keep_current(key("m1"), snapshot());
        // A command changed the store (m1 → m5) before this decision: not shown on the old one.
        assert!(!c.decided("m5", "m6", "P1", "F-1", "P1 → F-1"));
        assert!(c.while_working(key("m1").as_of).is_none());
        // And while working: a conflict resolved here stops the old one being shown.
        c.keep_current(key("m6"), snapshot());
        assert!(c.decided("m6", "m7", "P1", "F-1", "P1 → F-1"));
        let started = c.started();
        c.changed_elsewhere();
        let v = c
            .while_working(key("m1").as_of)
            .expect("shown without buttons");
        assert!(v.read_only && v.pending.is_empty());
        assert_eq!(
            c.worked_out(started, key("m7"), snapshot(), &key("m8")),
            Next::Stop
        );
        assert!(c.current(&key("m8")).is_none());
    }

    #[test]
    fn after_a_run_that_read_everything_again_the_next_decision_is_worked_in_behind_the_pages() {
        let mut c = Cache::default();
        c.keep_current(key("m1"), snapshot());
        assert!(c.decided("m1", "m2", "P1", "F-1", "x"));
        // An import by another process before the run read the store (m2 → m3).
        c.changed_elsewhere();
        let started = c.started();
        assert_eq!(
            c.worked_out(started, key("m3"), snapshot(), &key("m3")),
            Next::Stop
        );
        assert!(c.current(&key("m3")).is_some());
        assert!(c.decided("m3", "m4", "P2", "F-2", "y"));
        assert!(c.while_working(key("m1").as_of).is_some());
    }

    #[test]
    fn an_import_shows_the_last_snapshot_without_buttons_until_the_new_one_is_kept() {
        let mut c = Cache::default();
        let as_of = key("m1").as_of;
        assert!(!c.start_after_change(as_of), "no snapshot to show");
        c.keep_current(key("m1"), snapshot());
        assert!(!c.start_after_change(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()));
        assert!(c.start_after_change(as_of));
        assert!(!c.start_after_change(as_of), "one run at a time");
        assert!(c.while_working(as_of).unwrap().read_only);
        // A decision made meanwhile (on a page opened before) is recorded, not shown.
        assert!(!c.decided("m2", "m3", "P1", "F-1", "x"));
        let started = c.started();
        assert_eq!(
            c.worked_out(started, key("m3"), snapshot(), &key("m3")),
            Next::Stop
        );
        assert!(c.current(&key("m3")).is_some());
        assert!(c.while_working(as_of).is_none());
    }

    #[test]
    fn a_change_elsewhere_found_by_the_request_holding_the_store_drops_the_buttons() {
        let mut c = Cache::default();
        c.keep_current(key("m1"), snapshot());
        assert!(c.decided("m1", "m2", "P1", "F-1", "x"));
        c.took_store();
        assert!(!c.store_checked());
        c.check("m2");
        assert!(c.store_checked());
        assert!(!c.while_working(key("m1").as_of).unwrap().read_only);
        c.took_store();
        c.check("m3");
        assert!(c.while_working(key("m1").as_of).unwrap().read_only);
    }

    #[test]
    fn a_snapshot_kept_meanwhile_is_not_replaced_by_an_older_one() {
        let mut c = Cache::default();
        c.keep_current(key("m1"), snapshot());
        assert!(c.decided("m1", "m2", "P1", "F-1", "x"));
        let started = c.started();
        c.working = false; // as if the run had failed and a page worked one out itself
        c.keep_current(key("m3"), snapshot());
        c.working = true;
        c.worked_out(started, key("m2"), snapshot(), &key("m3"));
        assert!(c.current(&key("m3")).is_some());
    }
}
