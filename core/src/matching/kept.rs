//! Matching again only what changed. **Not used by the engine since session 26:** at a million
//! invoices, loading a kept run and taking over its unchanged partitions cost more than matching
//! every payment again (a night's import: 6.7-8.9 s against 5.2-5.3 s; one new invoice: 6.3 s
//! against 5.2 s; README, performance). It stays, with its property tests, as the exact
//! definition of what a later run may take over, until matching state kept per partition in the
//! store replaces it; then it goes.
//!
//! A run keeps, beside its result, a fingerprint of everything
//! it read of each document and payment, the partitions it ended with (`partition.rs`), what each
//! payment saw of other partitions' documents, and which payments searched the whole ledger for
//! a typo. The next run over changed inputs takes a partition's results from the kept run when:
//!
//! | condition | why |
//! |---|---|
//! | the same documents and payments are in it, each with the same fingerprint | a payment's fingerprint covers the payment, what it starts from (reversals, decisions by hand), what its text names (with those documents' fingerprints), who paid it and the pairs kept apart by hand; a document's covers its content and open amount before payments |
//! | or else: the same, and new documents, payments the kept run did not apply or payments changed since: the kept results of the payments before the first that is new, changed or booked on or after a new document's issue date are taken over, and the payments from there on are applied again after them | payments are applied in date and id order, from the open amounts the earlier ones left; no signal proposes a document to a payment booked before it was invoiced, but by the number the payment names, which its fingerprint covers. A night's bank statement adds later payments to many partitions; a night's invoices are issued after most payments |
//! | no typo search of its payments could find a document that is new or changed | such a search is the one look at the whole ledger while payments are applied |
//! | what its payments saw of other partitions' documents is still so | checked like the looks of any run (`partition.rs::conflicts`); what is not is applied again |
//!
//! Every other partition is applied again whole, side by side, and joined with kept ones where they
//! meet, so the result is exactly that of matching everything again (property tests here and in
//! `engine/src/reconciled.rs`; `incasso reconcile --full` checks a kept one).

use std::hash::{Hash, Hasher};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::{Deserialize, Serialize};

use super::apply::{Applied, Shared, Took};
use super::numbers::NumberIndex;
use super::partition::{Look, Partitions, Seen, Trace};
use super::signals::typo;
use super::{on_all_cores, MatchPolicy, Matching, PaymentOutcome, Proposal};
use crate::model::{Document, LedgerDocument, Payment, Provenance};
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

/// A kept run: its reconciliation and matching, and its parts. Owned, so that the results
/// taken over move into this run instead of being copied.
#[derive(Debug, Clone)]
pub struct Previous {
    /// The kept reconciliation (open amounts, allocations, notes).
    pub rec: Reconciliation,
    /// What the kept run decided of each payment.
    pub matching: Matching,
    /// What it kept to be reused.
    pub parts: Parts,
}

/// The fingerprints of this run's documents and payments.
pub(super) struct Prints {
    docs: Vec<(u64, u64)>,
    payments: Vec<(u64, u64)>,
}

fn hash_of(v: &impl Hash) -> u64 {
    let mut h = FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

/// Postcard's output into a buffer that is used again, so a million fingerprints do not
/// allocate a million buffers.
struct Reused<'b>(&'b mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Reused<'_> {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

thread_local! {
    static ENCODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds the encoded form of `v` to `h`.
fn encoded(h: &mut FxHasher, v: &impl Serialize) {
    ENCODED.with_borrow_mut(|buf| {
        buf.clear();
        postcard::serialize_with_flavor(v, Reused(buf)).expect("postcard encodes plain records");
        h.write(buf);
    });
}

/// The hash of a document's key, as `hash_of(&doc.key())` gives it, without building the key.
fn key_hash(doc: &Document) -> u64 {
    let mut h = FxHasher::default();
    doc.creditor.hash(&mut h);
    doc.kind.hash(&mut h);
    doc.number.normalised().hash(&mut h);
    h.finish()
}

/// Adds every field of a document as read to `h`: amounts exactly as written (70.00 is not
/// 70.000), dates as day numbers. Destructured whole, so a field added to the model must be
/// added here before this compiles.
fn document_print(h: &mut FxHasher, doc: &LedgerDocument) {
    let LedgerDocument {
        document:
            Document {
                creditor,
                kind,
                number,
                debtor,
                issue_date,
                due_date,
                currency,
                net,
                vat,
                total,
                source_open,
                status,
                credited_invoice,
                payment_reference,
                description,
            },
        provenance: Provenance { source, location },
        version,
    } = doc;
    let amount = |a: &Option<Decimal>| a.map(|a| a.serialize());
    creditor.hash(h);
    kind.hash(h);
    number.hash(h);
    debtor.hash(h);
    issue_date.num_days_from_ce().hash(h);
    due_date.num_days_from_ce().hash(h);
    currency.hash(h);
    amount(net).hash(h);
    amount(vat).hash(h);
    total.serialize().hash(h);
    amount(source_open).hash(h);
    status.hash(h);
    credited_invoice.hash(h);
    payment_reference.hash(h);
    description.hash(h);
    source.hash(h);
    location.hash(h);
    version.hash(h);
}

/// Adds every field of a bank line as read to `h`, as [`document_print`] does a document's.
fn payment_print(h: &mut FxHasher, p: &Payment) {
    let Payment {
        id,
        date,
        amount,
        kind,
        account,
        counterparty_name,
        counterparty_account,
        remittance,
        structured_reference,
        end_to_end_id,
        provenance: Provenance { source, location },
    } = p;
    id.hash(h);
    date.num_days_from_ce().hash(h);
    amount.amount().serialize().hash(h);
    amount.currency().hash(h);
    kind.hash(h);
    account.hash(h);
    counterparty_name.hash(h);
    counterparty_account.hash(h);
    remittance.hash(h);
    structured_reference.hash(h);
    end_to_end_id.hash(h);
    source.hash(h);
    location.hash(h);
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
        let mut h = FxHasher::default();
        document_print(&mut h, &s.docs[d]);
        open[d].map(|o| o.serialize()).hash(&mut h);
        (key_hash(&s.docs[d].document), h.finish())
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
        payment_print(&mut h, p);
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
        let payer = s.payers[pi].as_ref().map(|p| (&p.debtors, &p.evidence));
        encoded(&mut h, &payer);
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

/// What a kept run gives this one: the results taken from it, the payments left to apply, and
/// the open amounts they start from.
pub(super) struct Replayed {
    /// The kept results taken over, as one run's.
    pub applied: Applied,
    /// The payments to apply, in order: every payment of a changed partition, and the new
    /// payments of a partition that only gained payments later than all it had.
    pub todo: Vec<usize>,
    /// The open amounts before any payment, less what the payments taken over took: where the
    /// new payments of a partition that only gained later ones start. A payment applied again
    /// reads only its own partition's documents from it (untouched) or looks at another's,
    /// which is checked against applying every payment in order (`partition.rs::conflicts`);
    /// a late payment's look then sees what that would show.
    pub open: Vec<Option<Decimal>>,
}

/// Joins this run's partitions as the kept run's ended, finds the partitions whose inputs are
/// exactly the kept run's, or the kept run's and payments later than all of those, and gives
/// their kept results with the payments left to apply. `None` when the kept run does not fit
/// this one's shape.
pub(super) fn replay(
    prev: &mut Previous,
    prints: &Prints,
    s: &Shared<'_, '_>,
    wanted: &[usize],
    open: &[Option<Decimal>],
    parts: &mut Partitions,
) -> Option<Replayed> {
    let k = &prev.parts;
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
    let reused = reused_parts(k, prints, s, wanted, &m, &map);
    let mut applied = Applied::default();
    let mut todo = Vec::new();
    // In a partition that can be reused, the payments the kept run applied before its cut are
    // unchanged and saw nothing that changed; the others are applied after them.
    let taken_over = |pi: usize| {
        reused
            .get(&map.part_of_payment[pi])
            .is_some_and(|&cut| s.rank[pi] < cut)
            && applied_then(k, m.pay_then[pi])
    };
    let mut kept_outcomes: Vec<Option<PaymentOutcome>> =
        std::mem::take(&mut prev.matching.outcomes)
            .into_iter()
            .map(Some)
            .collect();
    for &pi in wanted {
        if taken_over(pi) {
            let then = m.pay_then[pi] as usize;
            let outcome = kept_outcomes[then].take().expect("each kept payment once");
            applied.outcomes.push((pi, outcome));
        } else {
            todo.push(pi);
        }
    }
    let now = |kpi: u32| match m.pay_now[kpi as usize] {
        NONE => None,
        pi if taken_over(pi as usize) => Some(pi as usize),
        _ => None,
    };
    let mut start = open.to_vec();
    let mut allocations = std::mem::take(&mut prev.rec.allocations)
        .into_iter()
        .skip(k.allocations_from as usize);
    for &(kpi, kd) in &k.allocations {
        let a = allocations
            .next()
            .expect("counted when the kept run was fitted");
        let Some(pi) = now(kpi) else { continue };
        let (rank, doc) = (s.rank[pi], m.doc_now[kd as usize]);
        if let Some(o) = start[doc as usize].as_mut() {
            *o -= a.amount.amount();
        }
        let took = Took {
            rank,
            payment: pi as u32,
            doc,
            amount: a.amount.amount(),
            rule: a.rule,
            confidence: a.confidence,
        };
        // The payment and document are the kept ones (mapped by id and key), so the allocation
        // merged from it is the one kept.
        debug_assert_eq!(took.allocation(s.docs, s.payments), a);
        applied.written.push(took);
    }
    let notes = std::mem::take(&mut prev.rec.notes);
    for (&kpi, note) in k
        .notes
        .iter()
        .zip(notes.into_iter().skip(k.notes_from as usize))
    {
        if let Some(pi) = now(kpi) {
            applied.notes.push((s.rank[pi], note));
        }
    }
    for r in std::mem::take(&mut prev.matching.review) {
        if let Some(pi) = now(r.payment as u32) {
            applied
                .review
                .push((s.rank[pi], Proposal { payment: pi, ..r }));
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
    Some(Replayed {
        applied,
        todo,
        open: start,
    })
}

/// What this run has of a kept partition, counted while its items are seen.
#[derive(Clone, Copy)]
struct Seeing {
    /// The kept partition its unchanged items were in (`NONE`: none yet).
    kept: u32,
    /// A document is changed, or two kept partitions meet here.
    changed: bool,
    /// Documents of the kept run, unchanged.
    docs: u32,
    /// Payments the kept run applied, changed or not.
    payments: u32,
    /// The earliest issue date of its new documents.
    first_issued: Option<NaiveDate>,
    /// The rank from which its payments are applied again: the earliest of a payment the kept
    /// run did not apply, a changed one, and one that can see a new document.
    cut: u32,
}

/// Partition `c`'s count, having seen one more of its items (`kept`: the kept partition it
/// was in unchanged).
fn seeing(state: &mut FxHashMap<u32, Seeing>, c: u32, kept: Option<u32>) -> &mut Seeing {
    let e = state.entry(c).or_insert(Seeing {
        kept: NONE,
        changed: false,
        docs: 0,
        payments: 0,
        first_issued: None,
        cut: u32::MAX,
    });
    if let Some(kp) = kept {
        if e.kept == NONE {
            e.kept = kp;
        } else if e.kept != kp {
            e.changed = true;
        }
    }
    e
}

/// Whether the kept run applied its payment `kpi` (`NONE`: a payment it did not have).
fn applied_then(k: &Parts, kpi: u32) -> bool {
    kpi != NONE && k.part_of_payment[kpi as usize] != NONE
}

/// The partitions of this run whose results can be taken from one kept partition, each with
/// the rank from which its payments are applied again (the kept results of the payments before
/// it are taken over; the payments from it on, kept or new, are applied after them, from the
/// open amounts those left, as applying every payment in order would).
///
/// Its documents must be the kept partition's with the same fingerprints, or new; and its
/// payments the ones the kept run applied, or new. Payments are applied again from the first
/// that the kept run did not apply, that changed, or that can see a new document (booked on or
/// after its issue date: no signal proposes a document to a payment booked before it was
/// invoiced, but by the number the payment names, which its fingerprint covers). Its kept looks
/// and allocations must name documents still here, and its typo searches must find no new or
/// changed document.
fn reused_parts(
    k: &Parts,
    prints: &Prints,
    s: &Shared<'_, '_>,
    wanted: &[usize],
    m: &Mapping,
    map: &super::partition::PartMap,
) -> FxHashMap<u32, u32> {
    let mut state: FxHashMap<u32, Seeing> = FxHashMap::default();
    let mut changed = Vec::new();
    for (d, &(_, print)) in prints.docs.iter().enumerate() {
        let kd = m.doc_then[d];
        let same = kd != NONE && k.docs[kd as usize].1 == print;
        if !same {
            changed.push(d);
        }
        let e = seeing(
            &mut state,
            map.part_of_doc[d],
            same.then(|| k.part_of_doc[kd as usize]),
        );
        if same {
            e.docs += 1;
        } else if kd == NONE {
            let issued = s.docs[d].document.issue_date;
            e.first_issued = Some(e.first_issued.map_or(issued, |f| f.min(issued)));
        } else {
            e.changed = true;
        }
    }
    for &pi in wanted {
        let kpi = m.pay_then[pi];
        let was_applied = applied_then(k, kpi);
        let same = was_applied && k.payments[kpi as usize].1 == prints.payments[pi].1;
        let rank = s.rank[pi];
        let e = seeing(
            &mut state,
            map.part_of_payment[pi],
            same.then(|| k.part_of_payment[kpi as usize]),
        );
        if was_applied {
            e.payments += 1;
        }
        let sees_new = e.first_issued.is_some_and(|f| s.payments[pi].date >= f);
        if !same || sees_new {
            e.cut = e.cut.min(rank);
        }
    }
    let mut size: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    for &kp in &k.part_of_doc {
        size.entry(kp).or_default().0 += 1;
    }
    for &kp in k.part_of_payment.iter().filter(|&&kp| kp != NONE) {
        size.entry(kp).or_default().1 += 1;
    }
    // Each partition's payments that its kept partition applied, changed or not. With the sizes
    // compared below, the partition holds every payment its kept partition applied and none that
    // another kept partition applied. Counting every payment the kept run applied is not enough:
    // one that moved in from another kept partition (its print changed) could stand in for one
    // that is gone (reversed, or decided by hand), whose takings the kept results after it rest on.
    let mut kept_here: FxHashMap<u32, u32> = FxHashMap::default();
    for &pi in wanted {
        let kpi = m.pay_then[pi];
        if applied_then(k, kpi) {
            let c = map.part_of_payment[pi];
            if state
                .get(&c)
                .is_some_and(|e| e.kept == k.part_of_payment[kpi as usize])
            {
                *kept_here.entry(c).or_default() += 1;
            }
        }
    }
    let mut reusable: FxHashMap<u32, u32> = state
        .into_iter()
        .filter(|(c, e)| {
            e.kept != NONE
                && !e.changed
                && size.get(&e.kept) == Some(&(e.docs, e.payments))
                && kept_here.get(c).copied().unwrap_or(0) == e.payments
        })
        .map(|(c, e)| (c, e.cut))
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
        let numbers: Vec<(&str, u32)> = changed
            .iter()
            .map(|&d| (s.docs[d].document.number.as_str(), d as u32))
            .collect();
        let index = NumberIndex::build(&numbers, 1);
        for &(kpi, kd) in &k.searched {
            let Some(c) = part_now(kpi) else { continue };
            if !reusable.contains_key(&c) {
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
        reusable.remove(&c);
    }
    reusable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DebtorId, DocumentNumber};
    use crate::model::{DocumentKind, DocumentStatus, Location, PaymentKind};
    use crate::money::{Currency, Money};
    use crate::tests::{date, dec, doc, provenance};

    /// A field changed, by name.
    type Change<T> = (&'static str, fn(&mut T));

    fn print_of<T>(v: &T, print: fn(&mut FxHasher, &T)) -> u64 {
        let mut h = FxHasher::default();
        print(&mut h, v);
        h.finish()
    }

    #[test]
    fn a_print_changes_with_every_field_and_with_an_amount_written_otherwise() {
        let base = doc(
            DocumentKind::Invoice,
            "F-1",
            "D1",
            "70.00",
            "2026-01-01",
            "2026-02-01",
        );
        let changes: Vec<Change<LedgerDocument>> = vec![
            ("kind", |d| d.document.kind = DocumentKind::CreditNote),
            ("number", |d| {
                d.document.number = DocumentNumber::new("F-2").unwrap()
            }),
            ("debtor", |d| {
                d.document.debtor = DebtorId::new("D2").unwrap()
            }),
            ("issue date", |d| d.document.issue_date = date("2026-01-02")),
            ("due date", |d| d.document.due_date = date("2026-02-02")),
            ("currency", |d| {
                d.document.currency = Currency::parse("USD").unwrap()
            }),
            ("net", |d| d.document.net = Some(dec("57.85"))),
            ("vat", |d| d.document.vat = Some(dec("12.15"))),
            ("total written otherwise", |d| {
                d.document.total = dec("70.000")
            }),
            ("source open", |d| {
                d.document.source_open = Some(dec("70.00"))
            }),
            ("status", |d| d.document.status = DocumentStatus::Disputed),
            ("credited invoice", |d| {
                d.document.credited_invoice = Some(DocumentNumber::new("F-0").unwrap())
            }),
            ("reference", |d| {
                d.document.payment_reference = Some("RF18".into())
            }),
            ("description", |d| d.document.description = Some("x".into())),
            ("location", |d| d.provenance.location = Location::Line(2)),
            ("version", |d| d.version = 2),
        ];
        assert_eq!(key_hash(&base.document), hash_of(&base.document.key()));
        let before = print_of(&base, document_print);
        assert_eq!(before, print_of(&base.clone(), document_print));
        for (what, change) in changes {
            let mut d = base.clone();
            change(&mut d);
            assert_ne!(print_of(&d, document_print), before, "{what}");
        }

        let pay = Payment {
            id: "P1".into(),
            date: date("2026-03-01"),
            amount: Money::new(dec("70.00"), Currency::EUR),
            kind: PaymentKind::Incoming,
            account: None,
            counterparty_name: None,
            counterparty_account: None,
            remittance: Some("F-1".into()),
            structured_reference: None,
            end_to_end_id: None,
            provenance: provenance(),
        };
        let changes: Vec<Change<Payment>> = vec![
            ("id", |p| p.id = "P2".into()),
            ("date", |p| p.date = date("2026-03-02")),
            ("amount written otherwise", |p| {
                p.amount = Money::new(dec("70.0"), Currency::EUR)
            }),
            ("kind", |p| p.kind = PaymentKind::Reversal),
            ("account", |p| p.account = Some("NL91ABNA0417164300".into())),
            ("name", |p| p.counterparty_name = Some("A".into())),
            ("payer's account", |p| {
                p.counterparty_account = Some("B".into())
            }),
            ("text", |p| p.remittance = Some("F-2".into())),
            ("structured reference", |p| {
                p.structured_reference = Some("RF18".into())
            }),
            ("end-to-end id", |p| p.end_to_end_id = Some("E".into())),
            ("location", |p| p.provenance.location = Location::Line(2)),
        ];
        let before = print_of(&pay, payment_print);
        for (what, change) in changes {
            let mut p = pay.clone();
            change(&mut p);
            assert_ne!(print_of(&p, payment_print), before, "{what}");
        }
    }
}
