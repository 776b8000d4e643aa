//! Matching again only what changed. A run keeps, beside its result, a fingerprint of everything
//! it read of each document and payment, the partitions it ended with (`partition.rs`), what each
//! payment saw of other partitions' documents, and which payments searched the whole ledger for
//! a typo. The next run over changed inputs takes a partition's results from the kept run when:
//!
//! | condition | why |
//! |---|---|
//! | the same documents and payments are in it, each with the same fingerprint | a payment's fingerprint covers the payment, what it starts from (reversals, decisions by hand), what its text names (with those documents' fingerprints), who paid it and the pairs kept apart by hand; a document's covers its content and open amount before payments |
//! | no typo search of its payments could find a document that is new or changed | such a search is the one look at the whole ledger while payments are applied |
//! | what its payments saw of other partitions' documents is still so | checked like the looks of any run (`partition.rs::conflicts`), which joins and applies again what is not |
//!
//! Every other partition is applied again, side by side, and joined with kept ones where they
//! meet, so the result is exactly that of matching everything again (property tests here and in
//! `engine/src/reconciled.rs`; `incasso reconcile --full` checks a kept one).

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::{Deserialize, Serialize};

use super::apply::{Applied, Shared, Took};
use super::numbers::NumberIndex;
use super::partition::{Look, Partitions, Seen, Trace};
use super::signals::typo;
use super::{on_all_cores, MatchPolicy, Matching, PaymentOutcome, Proposal};
use crate::reconcile::Reconciliation;

/// Not in a partition, or not found.
const NONE: u32 = u32::MAX;

/// What a matching run keeps so that the next one applies again only the partitions whose inputs
/// changed. Indexes are into the run's own documents and payments, in its input order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parts {
    /// The date and the matching rules the run was for: another's partitions are not reused.
    run: Option<(NaiveDate, String)>,
    /// Each document's key hash and fingerprint.
    docs: Vec<(u64, u64)>,
    /// Each payment's id hash and fingerprint (0 for the payments no run applied).
    payments: Vec<(u64, u64)>,
    /// Each document's partition.
    part_of_doc: Vec<u32>,
    /// Each payment's partition (`NONE` for the payments no run applied).
    part_of_payment: Vec<u32>,
    /// Where the allocations the runs made start in the reconciliation's allocations.
    allocations_from: u32,
    /// Each of those allocations' payment and document.
    allocations: Vec<(u32, u32)>,
    /// Where the notes the runs made start in the reconciliation's notes.
    notes_from: u32,
    /// Each of those notes' payment.
    notes: Vec<u32>,
    /// Looks at other partitions' documents: payment, document, what it saw.
    looks: Vec<(u32, u32, Seen)>,
    /// Typo searches of the whole ledger: payment, document whose number was written.
    searched: Vec<(u32, u32)>,
}

/// A kept run: its reconciliation and matching, and its parts.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'k> {
    /// The kept reconciliation (open amounts, allocations, notes).
    pub rec: &'k Reconciliation,
    /// What the kept run decided of each payment.
    pub matching: &'k Matching,
    /// What it kept to be reused.
    pub parts: &'k Parts,
}

/// The fingerprints of this run's documents and payments.
pub(super) struct Prints {
    docs: Vec<(u64, u64)>,
    payments: Vec<(u64, u64)>,
}

/// A hasher that takes text written into it.
struct Written(FxHasher);

impl std::fmt::Write for Written {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn hash_of(v: &impl Hash) -> u64 {
    let mut h = FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

/// Adds the encoded form of `v` to `h`.
fn encoded(h: &mut FxHasher, v: &impl Serialize) {
    h.write(&postcard::to_stdvec(v).expect("postcard encodes plain records"));
}

/// The fingerprints of every document (as read, with its open amount before payments) and of
/// every payment to apply (with what it starts from, names and who paid it), on all cores.
pub(super) fn prints(
    s: &Shared<'_, '_>,
    wanted: &[usize],
    open: &[Option<Decimal>],
    start: &[PaymentOutcome],
) -> Prints {
    let all: Vec<usize> = (0..s.docs.len()).collect();
    let docs: Vec<(u64, u64)> = on_all_cores(s.docs.len(), &all, |d| {
        let doc = &s.docs[d];
        let mut h = FxHasher::default();
        encoded(&mut h, doc);
        open[d].map(|o| o.serialize()).hash(&mut h);
        (hash_of(&doc.document.key()), h.finish())
    })
    .into_iter()
    .map(|p| p.expect("every document"))
    .collect();
    let mut excluded: FxHashMap<&str, Vec<u64>> = FxHashMap::default();
    for &(p, d) in s.excluded_pairs {
        excluded.entry(p).or_default().push(docs[d as usize].0);
    }
    for v in excluded.values_mut() {
        v.sort_unstable();
    }
    let found = on_all_cores(s.payments.len(), wanted, |pi| {
        let p = &s.payments[pi];
        let mut h = FxHasher::default();
        encoded(&mut h, p);
        encoded(&mut h, &start[pi]);
        if let Some(n) = &s.named[pi] {
            for (d, r) in &n.by_reference {
                docs[*d as usize].hash(&mut h);
                r.hash(&mut h);
            }
            for (d, k) in &n.by_number {
                docs[*d as usize].hash(&mut h);
                (*k as u8).hash(&mut h);
            }
            n.missing.hash(&mut h);
            n.unknown_reference.hash(&mut h);
        }
        let mut w = Written(h);
        let _ = write!(w, "{:?}", s.payers[pi]);
        let mut h = w.0;
        excluded.get(p.id.as_str()).hash(&mut h);
        h.finish()
    });
    // Payments no run applies have no fingerprint: only their ids are kept.
    let payments = s
        .payments
        .iter()
        .zip(found)
        .map(|(p, print)| (hash_of(&p.id), print.unwrap_or(0)))
        .collect();
    Prints { docs, payments }
}

impl Parts {
    /// Whether these were kept by a run for this date and these rules.
    pub(super) fn for_run(&self, as_of: NaiveDate, policy: &MatchPolicy) -> bool {
        self.run == Some((as_of, format!("{policy:?}")))
    }
}

/// What this run (as of `as_of`, under `policy`) keeps for the next.
pub(super) fn keep(
    prints: Prints,
    trace: Trace,
    allocations_from: usize,
    notes_from: usize,
    as_of: NaiveDate,
    policy: &MatchPolicy,
) -> Parts {
    Parts {
        run: Some((as_of, format!("{policy:?}"))),
        docs: prints.docs,
        payments: prints.payments,
        part_of_doc: trace.map.part_of_doc,
        part_of_payment: trace.map.part_of_payment,
        allocations_from: allocations_from as u32,
        allocations: trace.allocation_sources,
        notes_from: notes_from as u32,
        notes: trace.note_sources,
        looks: trace.looks,
        searched: trace.searched,
    }
}

/// Which of this run's items each of the kept run's is (`NONE`: gone), and back.
struct Mapping {
    doc_now: Vec<u32>,
    doc_then: Vec<u32>,
    pay_now: Vec<u32>,
    pay_then: Vec<u32>,
}

/// Each kept item's index in this run, and each of this run's in the kept one, by key hash;
/// `None` when two of this run's items share a hash (nothing can then be told apart).
fn mapping(then: &[(u64, u64)], now: &[(u64, u64)]) -> Option<(Vec<u32>, Vec<u32>)> {
    let mut at: FxHashMap<u64, u32> =
        FxHashMap::with_capacity_and_hasher(now.len(), Default::default());
    for (i, &(k, _)) in now.iter().enumerate() {
        if at.insert(k, i as u32).is_some() {
            return None;
        }
    }
    let mut back = vec![NONE; now.len()];
    let forth: Vec<u32> = then
        .iter()
        .enumerate()
        .map(|(k, (key, _))| match at.get(key) {
            Some(&i) => {
                back[i as usize] = k as u32;
                i
            }
            None => NONE,
        })
        .collect();
    Some((forth, back))
}

/// Joins this run's partitions as the kept run's ended, finds the partitions whose inputs are
/// exactly the kept run's, and gives their results (as one run's) with the payments left to
/// apply, in order. `None` when the kept run does not fit this one's shape.
pub(super) fn replay(
    prev: &Previous<'_>,
    prints: &Prints,
    s: &Shared<'_, '_>,
    wanted: &[usize],
    parts: &mut Partitions,
) -> Option<(Applied, Vec<usize>)> {
    let k = prev.parts;
    let fits = k.part_of_doc.len() == k.docs.len()
        && k.part_of_payment.len() == k.payments.len()
        && prev.matching.outcomes.len() == k.payments.len()
        && prev.rec.allocations.len() >= k.allocations_from as usize + k.allocations.len()
        && prev.rec.notes.len() >= k.notes_from as usize + k.notes.len();
    if !fits {
        return None;
    }
    let (doc_now, doc_then) = mapping(&k.docs, &prints.docs)?;
    let (pay_now, pay_then) = mapping(&k.payments, &prints.payments)?;
    let m = Mapping {
        doc_now,
        doc_then,
        pay_now,
        pay_then,
    };
    // The kept partitions whose items are all still here unchanged are joined here too
    // (joining never changes a result). The others are left to this run's links, so a link that
    // is gone (a payment reversed) does not keep two debtors together run after run.
    let mut changed: FxHashSet<u32> = FxHashSet::default();
    for (kd, &kp) in k.part_of_doc.iter().enumerate() {
        let d = m.doc_now[kd];
        if d == NONE || prints.docs[d as usize].1 != k.docs[kd].1 {
            changed.insert(kp);
        }
    }
    for (kpi, &kp) in k.part_of_payment.iter().enumerate() {
        let pi = m.pay_now[kpi];
        if kp != NONE
            && (pi == NONE
                || parts.payment_node[pi as usize] == NONE
                || prints.payments[pi as usize].1 != k.payments[kpi].1)
        {
            changed.insert(kp);
        }
    }
    let mut first: FxHashMap<u32, u32> = FxHashMap::default();
    let mut join = |kp: u32, node: u32, parts: &mut Partitions| {
        if changed.contains(&kp) {
            return;
        }
        match first.get(&kp) {
            Some(&f) => parts.union(f, node),
            None => {
                first.insert(kp, node);
            }
        }
    };
    for (kd, &kp) in k.part_of_doc.iter().enumerate() {
        let d = m.doc_now[kd];
        if d != NONE {
            let node = parts.doc_node[d as usize];
            join(kp, node, parts);
        }
    }
    for (kpi, &kp) in k.part_of_payment.iter().enumerate() {
        let pi = m.pay_now[kpi];
        if kp != NONE && pi != NONE && parts.payment_node[pi as usize] != NONE {
            let node = parts.payment_node[pi as usize];
            join(kp, node, parts);
        }
    }
    let map = parts.map();
    let clean = clean_parts(k, prints, s, wanted, &m, &map);
    let mut applied = Applied::default();
    let mut dirty = Vec::new();
    let is_clean = |pi: usize| clean.contains_key(&map.part_of_payment[pi]);
    for &pi in wanted {
        if is_clean(pi) {
            let then = m.pay_then[pi] as usize;
            applied
                .outcomes
                .push((pi, prev.matching.outcomes[then].clone()));
        } else {
            dirty.push(pi);
        }
    }
    let now = |kpi: u32| match m.pay_now[kpi as usize] {
        NONE => None,
        pi if is_clean(pi as usize) => Some(pi as usize),
        _ => None,
    };
    for (j, &(kpi, kd)) in k.allocations.iter().enumerate() {
        let Some(pi) = now(kpi) else { continue };
        let a = &prev.rec.allocations[k.allocations_from as usize + j];
        let (rank, doc) = (s.rank[pi], m.doc_now[kd as usize]);
        applied.written.push(Took {
            rank,
            payment: pi,
            doc,
            amount: a.amount.amount(),
        });
        applied.allocations.push((rank, doc, a.clone()));
    }
    for (j, &kpi) in k.notes.iter().enumerate() {
        if let Some(pi) = now(kpi) {
            let note = &prev.rec.notes[k.notes_from as usize + j];
            applied.notes.push((s.rank[pi], note.clone()));
        }
    }
    for r in &prev.matching.review {
        if let Some(pi) = now(r.payment as u32) {
            applied.review.push((
                s.rank[pi],
                Proposal {
                    payment: pi,
                    ..r.clone()
                },
            ));
        }
    }
    for &(kpi, kd, seen) in &k.looks {
        if let Some(pi) = now(kpi) {
            applied.looks.push(Look {
                rank: s.rank[pi],
                part: map.part_of_payment[pi],
                doc: m.doc_now[kd as usize],
                seen,
            });
        }
    }
    for &(kpi, kd) in &k.searched {
        if let Some(pi) = now(kpi) {
            applied.searched.push((s.rank[pi], m.doc_now[kd as usize]));
        }
    }
    Some((applied, dirty))
}

/// The partitions of this run whose documents and payments are exactly those of one kept
/// partition with the same fingerprints, whose kept looks and allocations name documents still
/// here, and whose typo searches could find no new or changed document; each with that kept
/// partition.
fn clean_parts(
    k: &Parts,
    prints: &Prints,
    s: &Shared<'_, '_>,
    wanted: &[usize],
    m: &Mapping,
    map: &super::partition::PartMap,
) -> FxHashMap<u32, u32> {
    // Per partition of this run: the kept partition all its items were in (`NONE`: none, or
    // not all the same), and how many documents and payments it has.
    let mut state: FxHashMap<u32, (u32, u32, u32)> = FxHashMap::default();
    let mut see = |c: u32, kp: Option<u32>, doc: bool| {
        let e = state.entry(c).or_insert((kp.unwrap_or(NONE), 0, 0));
        if kp != Some(e.0) {
            e.0 = NONE;
        }
        if doc {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    };
    let mut changed = Vec::new();
    for (d, &(_, print)) in prints.docs.iter().enumerate() {
        let kd = m.doc_then[d];
        let same = kd != NONE && k.docs[kd as usize].1 == print;
        if !same {
            changed.push(d);
        }
        see(
            map.part_of_doc[d],
            same.then(|| k.part_of_doc[kd as usize]),
            true,
        );
    }
    for &pi in wanted {
        let kpi = m.pay_then[pi];
        let same = kpi != NONE
            && k.part_of_payment[kpi as usize] != NONE
            && k.payments[kpi as usize].1 == prints.payments[pi].1;
        see(
            map.part_of_payment[pi],
            same.then(|| k.part_of_payment[kpi as usize]),
            false,
        );
    }
    let mut size: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    for &kp in &k.part_of_doc {
        size.entry(kp).or_default().0 += 1;
    }
    for &kp in k.part_of_payment.iter().filter(|&&kp| kp != NONE) {
        size.entry(kp).or_default().1 += 1;
    }
    let mut clean: FxHashMap<u32, u32> = state
        .into_iter()
        .filter(|&(_, (kp, docs, pays))| kp != NONE && size.get(&kp) == Some(&(docs, pays)))
        .map(|(c, (kp, _, _))| (c, kp))
        .collect();
    // Kept looks and allocations must name documents still here (they always do: documents are
    // never removed; a kept file that says otherwise is not trusted for the partition).
    let part_now = |kpi: u32| match m.pay_now[kpi as usize] {
        NONE => None,
        pi => Some(map.part_of_payment[pi as usize]),
    };
    let mut unsure: Vec<u32> = Vec::new();
    let named = k.allocations.iter().copied();
    for (kpi, kd) in named.chain(k.looks.iter().map(|&(p, d, _)| (p, d))) {
        if let Some(c) = part_now(kpi) {
            if m.doc_now[kd as usize] == NONE {
                unsure.push(c);
            }
        }
    }
    // A typo search finds what its variants name: one that would now find a new or changed
    // document would not do what it did.
    if !changed.is_empty() && !k.searched.is_empty() {
        let mut index = NumberIndex::with_capacity(changed.len());
        for &d in &changed {
            index.add(s.docs[d].document.number.as_str(), d as u32);
        }
        let index = [index];
        for &(kpi, kd) in &k.searched {
            let Some(c) = part_now(kpi) else { continue };
            if !clean.contains_key(&c) {
                continue;
            }
            let d = m.doc_now[kd as usize];
            if d == NONE
                || typo::could_find(&index, &s.docs[d as usize].document.number.normalised())
            {
                unsure.push(c);
            }
        }
    }
    for c in unsure {
        clean.remove(&c);
    }
    clean
}
