//! Matching on all cores. Payments are split into partitions of debtors that no payment links
//! (through its payer or the documents it names); each core applies its partitions' payments in
//! date order to its own copy of the open amounts; the results are merged in payment order.
//!
//! A signal may still look at a document of another partition (a typo can point at anyone's
//! invoice). Every run notes such looks. A partition whose payment saw something another run
//! changed is applied again from that payment on, now seeing what the other runs took before it
//! (`History`); one whose payment took from another partition's document is joined with that
//! partition. That repeats until no payment saw anything otherwise than applying every payment in
//! date order shows it, so the result is always exactly that. Looks join partitions only when
//! runs still disagree after a few rounds: at five million invoices, typos a digit away reach so
//! many other debtors' invoices that joining at once made a few partitions hold most payments,
//! applied again and again.

use std::sync::Mutex;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::apply::{apply_run, Applied, Shared, Took};
use super::index::by_chunks;
use super::numbers::KeyStrength;
use super::{PaymentOutcome, Proposal};
use crate::model::Allocation;
use crate::reconcile::ReconcileNote;

/// Below this many payments one core applies them all: splitting costs more than it saves.
pub(super) const PARALLEL_FROM: usize = 20_000;

/// The fewest items a core is given when lists are split over the cores outside the runs
/// (`by_chunks`); in tests one, so that even a small case is split and joined again.
const CHUNK_FROM: usize = if cfg!(test) { 1 } else { PARALLEL_FROM };

/// Applying payments again where runs did not keep apart stops after this many rounds; then
/// every payment is applied in one run.
const ROUNDS: usize = 8;

/// From this round on, a look that differs joins the two partitions as a take does. Partitions
/// whose payments keep seeing each other's changes (a typo for the other's invoice, answered by a
/// typo back) would otherwise settle one payment a round.
const JOIN_LOOKS_FROM: usize = 3;

/// What applying every payment produced, in payment order.
pub(super) struct Merged {
    pub allocations: Vec<Allocation>,
    pub notes: Vec<ReconcileNote>,
    pub review: Vec<Proposal>,
    /// How many runs applied them: 1 on one core.
    pub runs: usize,
}

/// Which partition each document and each payment to apply is in.
pub(crate) struct PartMap {
    part_of_doc: Vec<u32>,
    part_of_payment: Vec<u32>,
}

/// A payment's look at the open amount of a document of another partition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Look {
    rank: u32,
    part: u32,
    doc: u32,
    seen: Seen,
}

/// What a payment saw of a document's open amount.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seen {
    /// The amount (`None`: not in force).
    Open(Option<Decimal>),
    /// Whether it was exactly this amount.
    Is(Decimal, bool),
}

/// Notes one run's looks outside their partitions.
pub(crate) struct Tracker<'m> {
    map: &'m PartMap,
    /// For a run that applies payments again: what the other runs took, by rank.
    history: Option<&'m History<'m>>,
    looks: Mutex<Vec<Look>>,
}

impl<'m> Tracker<'m> {
    /// A tracker for one run; `history` when it applies payments again.
    pub fn new(map: &'m PartMap, history: Option<&'m History<'m>>) -> Self {
        Tracker {
            map,
            history,
            looks: Mutex::new(Vec::new()),
        }
    }

    /// The partition a payment is applied in.
    pub fn part_of_payment(&self, pi: usize) -> u32 {
        self.map.part_of_payment[pi]
    }

    /// What the payment of rank `rank` in partition `part` sees open on document `d`, whose
    /// amount in the run's own copy is `own`: that, unless the document is another partition's
    /// and the run applies payments again; then what the other runs' payments before it left.
    pub fn open_at(&self, part: u32, rank: u32, d: u32, own: Option<Decimal>) -> Option<Decimal> {
        match self.history {
            Some(h) if self.map.part_of_doc[d as usize] != part => h.open_before(d, rank),
            _ => own,
        }
    }

    /// Notes that the payment of rank `rank` in partition `part` saw `seen` open on document `d`.
    pub fn looked_at(&self, part: u32, rank: u32, d: u32, seen: Seen) {
        if self.map.part_of_doc[d as usize] != part {
            self.looks
                .lock()
                .expect("a matching worker panicked")
                .push(Look {
                    rank,
                    part,
                    doc: d,
                    seen,
                });
        }
    }

    /// What was noted: the looks.
    pub fn into_looks(self) -> Vec<Look> {
        self.looks.into_inner().expect("a matching worker panicked")
    }
}

/// What every run took off each document, by rank: the open amount a payment of any rank saw
/// there, had every payment been applied in order (given what the runs did). It checks what
/// payments saw of other partitions, and shows a payment applied again what they left.
pub(crate) struct History<'h> {
    /// The open amounts before any payment.
    open: &'h [Option<Decimal>],
    /// Where each document's takes start in `takes` (one more entry than documents).
    at: Vec<u32>,
    /// (rank, amount) taken, grouped by document.
    takes: Vec<(u32, Decimal)>,
}

impl<'h> History<'h> {
    /// The history of what the runs in `done` took off `open`.
    fn new(open: &'h [Option<Decimal>], done: &[Applied]) -> History<'h> {
        History::of(open, done, |_| true)
    }

    /// The history of what the runs in `done` took off `open`, for the documents `wanted` keeps
    /// (of the others it tells nothing taken).
    fn of(
        open: &'h [Option<Decimal>],
        done: &[Applied],
        wanted: impl Fn(u32) -> bool,
    ) -> History<'h> {
        let written = || {
            done.iter()
                .flat_map(|a| &a.written)
                .filter(|t| wanted(t.doc))
        };
        let mut at = vec![0u32; open.len() + 1];
        for t in written() {
            at[t.doc as usize + 1] += 1;
        }
        for i in 1..at.len() {
            at[i] += at[i - 1];
        }
        let mut next = at.clone();
        let mut takes = vec![(0, Decimal::ZERO); at[open.len()] as usize];
        for t in written() {
            let slot = &mut next[t.doc as usize];
            takes[*slot as usize] = (t.rank, t.amount);
            *slot += 1;
        }
        History { open, at, takes }
    }

    /// What document `d` had open when the payment of rank `rank` came to it.
    fn open_before(&self, d: u32, rank: u32) -> Option<Decimal> {
        let d = d as usize;
        let mut taken: Option<Decimal> = None;
        for &(r, a) in &self.takes[self.at[d] as usize..self.at[d + 1] as usize] {
            if r < rank {
                taken = Some(taken.map_or(a, |t| t + a));
            }
        }
        // Nothing taken: the amount as it is. Taking Decimal's zero off a settled 0.00 gives 0,
        // and what a payment saw is compared as written.
        match taken {
            None => self.open[d],
            Some(t) => self.open[d].map(|o| o - t),
        }
    }
}

/// The partitions: a union-find over debtors, and one node per payment linked to none.
struct Partitions {
    parent: Vec<u32>,
    /// The node of each document's debtor.
    doc_node: Vec<u32>,
    /// The node of each payment to apply (`u32::MAX` for the others).
    payment_node: Vec<u32>,
}

/// The debtors' nodes each payment to apply links, in `wanted`'s order: its payer's, and those
/// of the documents it names by reference or by more than a sequence number. Looked up on all
/// cores (a few cache misses a payment); only joining them is done in order.
struct Linked {
    /// The nodes, payment after payment.
    nodes: Vec<u32>,
    /// Where each payment's nodes end in `nodes`.
    ends: Vec<u32>,
}

impl Linked {
    fn of(
        s: &Shared<'_, '_>,
        wanted: &[usize],
        ids: &FxHashMap<&str, u32>,
        doc_node: &[u32],
    ) -> Linked {
        let one = |chunk: &[usize]| {
            let mut out = Linked {
                nodes: Vec::with_capacity(chunk.len() * 2),
                ends: Vec::with_capacity(chunk.len()),
            };
            for &pi in chunk {
                let payer = s.payers[pi]
                    .as_ref()
                    .map(|p| p.debtors.as_slice())
                    .unwrap_or(&[]);
                out.nodes
                    .extend(payer.iter().filter_map(|d| ids.get(d.as_str()).copied()));
                // A bare sequence number (`1234`) may be anyone's: it links nothing, and a look
                // at such a document is checked like any other.
                if let Some(n) = s.named[pi].as_ref() {
                    let named = n.by_reference.iter().map(|(d, _)| *d);
                    let numbers = n
                        .by_number
                        .iter()
                        .filter(|(_, k)| *k > KeyStrength::Sequence)
                        .map(|(d, _)| *d);
                    out.nodes
                        .extend(named.chain(numbers).map(|d| doc_node[d as usize]));
                }
                out.ends.push(out.nodes.len() as u32);
            }
            out
        };
        let mut parts = by_chunks(wanted, CHUNK_FROM, |_, chunk| one(chunk)).into_iter();
        let mut all = parts.next().expect("one chunk at least");
        for part in parts {
            let base = all.nodes.len() as u32;
            all.nodes.extend(part.nodes);
            all.ends.extend(part.ends.iter().map(|e| e + base));
        }
        all
    }

    /// Each payment's nodes, in `wanted`'s order.
    fn iter(&self) -> impl Iterator<Item = &[u32]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(a, &b)| &self.nodes[a as usize..b as usize])
    }
}

impl Partitions {
    /// Links every payment's debtors: its payer's, and those of the documents it names by
    /// reference or by more than a sequence number.
    fn new(s: &Shared<'_, '_>, wanted: &[usize]) -> Partitions {
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        let mut parent: Vec<u32> = Vec::new();
        let mut doc_node = Vec::with_capacity(s.docs.len());
        for d in s.docs {
            let next = parent.len() as u32;
            let id = *ids.entry(d.document.debtor.as_str()).or_insert_with(|| {
                parent.push(next);
                next
            });
            doc_node.push(id);
        }
        let mut parts = Partitions {
            parent,
            doc_node,
            payment_node: vec![u32::MAX; s.payments.len()],
        };
        let linked = Linked::of(s, wanted, &ids, &parts.doc_node);
        for (&pi, nodes) in wanted.iter().zip(linked.iter()) {
            let first = match nodes.first() {
                Some(&f) => f,
                None => {
                    parts.parent.push(parts.parent.len() as u32);
                    parts.parent.len() as u32 - 1
                }
            };
            for &other in nodes.iter().skip(1) {
                parts.union(first, other);
            }
            parts.payment_node[pi] = first;
        }
        parts
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }

    /// Every document's and payment's partition as the partitions now stand.
    fn map(&mut self) -> PartMap {
        let part_of_doc = (0..self.doc_node.len())
            .map(|d| self.find(self.doc_node[d]))
            .collect();
        let part_of_payment = (0..self.payment_node.len())
            .map(|pi| match self.payment_node[pi] {
                u32::MAX => u32::MAX,
                n => self.find(n),
            })
            .collect();
        PartMap {
            part_of_doc,
            part_of_payment,
        }
    }
}

/// Applies `wanted` (in date and id order) to `open` on up to `threads` cores, writing each
/// payment's outcome into `outcomes`.
pub(super) fn apply_all(
    s: &Shared<'_, '_>,
    wanted: &[usize],
    outcomes: &mut [PaymentOutcome],
    open: &mut [Option<Decimal>],
    threads: usize,
) -> Merged {
    // Every payment in one run, in order: exact whatever the partitions.
    let one_run = |outcomes: &[PaymentOutcome]| {
        vec![apply_run(s, wanted, outcomes, &mut open.to_vec(), None)]
    };
    let done = if threads < 2 {
        one_run(outcomes)
    } else {
        let mut parts = Partitions::new(s, wanted);
        let map = parts.map();
        let runs = balance(&map, wanted, threads);
        if runs.len() < 2 {
            one_run(outcomes)
        } else {
            let done = side_by_side(s, &runs, outcomes, open, &map, None);
            settle(s, wanted, outcomes, open, &mut parts, map, done, threads)
                .unwrap_or_else(|| one_run(outcomes))
        }
    };
    merge(s, done, outcomes, open)
}

/// Applies each run on its own core, each to its own copy of the open amounts; with the
/// history of the runs before, when these apply payments again.
fn side_by_side(
    s: &Shared<'_, '_>,
    runs: &[Vec<usize>],
    outcomes: &[PaymentOutcome],
    open: &[Option<Decimal>],
    map: &PartMap,
    history: Option<&History<'_>>,
) -> Vec<Applied> {
    let apply = |run: &[usize]| {
        let tracker = Tracker::new(map, history);
        apply_run(s, run, outcomes, &mut open.to_vec(), Some(tracker))
    };
    if let [run] = runs {
        return vec![apply(run)];
    }
    let apply = &apply;
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|run| scope.spawn(move || apply(run)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a matching worker panicked"))
            .collect()
    })
}

/// Applies payments again until every run agrees with every other (`conflicts`): a partition
/// whose payment took from another's document is joined with it; one whose payment saw another
/// partition's document otherwise than applying every payment in order shows it is applied again
/// from that payment on, seeing what the other runs took (`History`), without joining, so one
/// look does not make partitions grow into one (from round `JOIN_LOOKS_FROM` on, it joins too).
/// `None` when that does not settle.
#[allow(clippy::too_many_arguments)]
fn settle(
    s: &Shared<'_, '_>,
    wanted: &[usize],
    outcomes: &[PaymentOutcome],
    open: &[Option<Decimal>],
    parts: &mut Partitions,
    mut map: PartMap,
    mut done: Vec<Applied>,
    threads: usize,
) -> Option<Vec<Applied>> {
    for round in 0..=ROUNDS {
        let Conflicts { joins, again_from } = conflicts(&done, &map, open);
        if joins.is_empty() && again_from.is_empty() {
            return Some(done);
        }
        if round == ROUNDS {
            break;
        }
        let joined = joins.iter().map(|&(a, b, _)| (a, b));
        let looked = again_from
            .iter()
            .filter(|_| round >= JOIN_LOOKS_FROM)
            .map(|&(a, b, _)| (a, b));
        let mut any = false;
        for (a, b) in joined.chain(looked) {
            parts.union(a, b);
            any = true;
        }
        if any {
            map = parts.map();
        }
        // Each partition is applied again from its first payment that took or saw something
        // another run changed: what its payments did before that is so in any order of the runs
        // (nothing they saw elsewhere differed, and no other run writes its documents).
        // By partition: the rank it is applied again from (`u32::MAX`: not applied again).
        let mut cut = vec![u32::MAX; parts.parent.len()];
        let cuts = joins
            .iter()
            .chain(&again_from)
            .map(|&(a, _, rank)| (a, rank));
        for (a, rank) in cuts {
            let c = &mut cut[parts.find(a) as usize];
            *c = (*c).min(rank);
        }
        let is_cut = |part: u32| cut[part as usize] != u32::MAX;
        let again: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&pi| s.rank[pi] >= cut[map.part_of_payment[pi] as usize])
            .collect();
        // The payments applied again, by index and by rank.
        let mut by_index = vec![false; s.payments.len()];
        let mut by_rank = vec![false; s.payments.len()];
        for &pi in &again {
            by_index[pi] = true;
            by_rank[s.rank[pi] as usize] = true;
        }
        // The open amounts at the cuts: what those partitions' payments before their cut took.
        let mut start = open.to_vec();
        for d in &mut done {
            d.forget(&by_index, &by_rank);
            for t in &d.written {
                if is_cut(map.part_of_payment[t.payment as usize]) {
                    if let Some(o) = start[t.doc as usize].as_mut() {
                        *o -= t.amount;
                    }
                }
            }
            // Looks kept from before a cut now name the joined partition; those inside it are
            // no looks outside any more.
            d.looks.retain_mut(|l| {
                l.part = parts.find(l.part);
                map.part_of_doc[l.doc as usize] != l.part
            });
        }
        let history = History::new(open, &done);
        // The partitions applied again are apart from each other: side by side again.
        done.extend(side_by_side(
            s,
            &balance(&map, &again, threads),
            outcomes,
            &start,
            &map,
            Some(&history),
        ));
    }
    None
}

/// Where the runs did not keep apart.
struct Conflicts {
    /// Partitions to join, as (partition, the other, rank): a payment took from the other's
    /// document, which that partition's run did not see.
    joins: Vec<(u32, u32, u32)>,
    /// Partitions to apply again from a rank, as (partition, the other, rank): its payment saw
    /// another open amount on the other's document than applying every payment in order would
    /// have shown it.
    again_from: Vec<(u32, u32, u32)>,
}

/// Where the runs in `done` did not keep apart (see [`Conflicts`]).
fn conflicts(done: &[Applied], map: &PartMap, open: &[Option<Decimal>]) -> Conflicts {
    let mut joins = Vec::new();
    for t in done.iter().flat_map(|a| &a.written) {
        let part = map.part_of_payment[t.payment as usize];
        let of_doc = map.part_of_doc[t.doc as usize];
        if part != of_doc {
            joins.push((part, of_doc, t.rank));
        }
    }
    // Only the documents looked at are checked: a history of those alone.
    let mut looked = vec![false; open.len()];
    for l in done.iter().flat_map(|a| &a.looks) {
        looked[l.doc as usize] = true;
    }
    let history = History::of(open, done, |d| looked[d as usize]);
    let mut again_from = Vec::new();
    for l in done.iter().flat_map(|a| &a.looks) {
        let truth = history.open_before(l.doc, l.rank);
        let same = match l.seen {
            // As stored, not as numbers: 70.00 and 70.000 are equal but print differently.
            Seen::Open(seen) => seen.map(|d| d.serialize()) == truth.map(|d| d.serialize()),
            Seen::Is(amount, is) => (truth == Some(amount)) == is,
        };
        if !same {
            again_from.push((l.part, map.part_of_doc[l.doc as usize], l.rank));
        }
    }
    Conflicts { joins, again_from }
}

/// The runs: whole partitions, the largest first to the least loaded core; each run in date
/// and id order, none empty.
fn balance(map: &PartMap, wanted: &[usize], threads: usize) -> Vec<Vec<usize>> {
    let mut size: FxHashMap<u32, usize> = FxHashMap::default();
    for &pi in wanted {
        *size.entry(map.part_of_payment[pi]).or_default() += 1;
    }
    let mut parts: Vec<(u32, usize)> = size.into_iter().collect();
    parts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut load = vec![0usize; threads];
    let mut core_of: FxHashMap<u32, usize> = FxHashMap::default();
    for (part, n) in parts {
        let least = (0..threads).min_by_key(|&t| (load[t], t)).unwrap_or(0);
        load[least] += n;
        core_of.insert(part, least);
    }
    let mut runs: Vec<Vec<usize>> = vec![Vec::new(); threads];
    for &pi in wanted {
        runs[core_of[&map.part_of_payment[pi]]].push(pi);
    }
    runs.retain(|r| !r.is_empty());
    runs
}

impl Applied {
    /// Drops what these payments (by index and by rank) did: they are applied again.
    fn forget(&mut self, by_index: &[bool], by_rank: &[bool]) {
        let again = |rank: u32| by_rank[rank as usize];
        self.notes.retain(|(r, _)| !again(*r));
        self.review.retain(|(r, _)| !again(*r));
        self.written.retain(|t| !again(t.rank));
        self.looks.retain(|l| !again(l.rank));
        self.outcomes.retain(|(pi, _)| !by_index[*pi]);
    }
}

/// The allocations `took` stands for, in its order, made on all cores: each copies its
/// payment's id and its document's key, hundreds of thousands of strings.
fn allocations(s: &Shared<'_, '_>, took: &[Took]) -> Vec<Allocation> {
    let made = by_chunks(took, CHUNK_FROM, |k, chunk| {
        // The first chunk's list has room for all: the others are appended to it, not copied.
        let mut list = Vec::with_capacity(if k == 0 { took.len() } else { chunk.len() });
        list.extend(chunk.iter().map(|t| t.allocation(s.docs, s.payments)));
        list
    });
    let mut made = made.into_iter();
    let mut all = made.next().expect("one chunk at least");
    for more in made {
        all.extend(more);
    }
    all
}

/// Joins the runs' results in payment order, and takes what they applied off `open`.
fn merge(
    s: &Shared<'_, '_>,
    done: Vec<Applied>,
    outcomes: &mut [PaymentOutcome],
    open: &mut [Option<Decimal>],
) -> Merged {
    let runs = done.len();
    // Each list reserved whole: grown step by step, a list would be copied into fresh memory
    // twice its size at the peak of matching.
    let total = |n: fn(&Applied) -> usize| done.iter().map(n).sum::<usize>();
    let mut took = Vec::with_capacity(total(|a| a.written.len()));
    let mut notes = Vec::with_capacity(total(|a| a.notes.len()));
    let mut review = Vec::with_capacity(total(|a| a.review.len()));
    for applied in done {
        for (pi, o) in applied.outcomes {
            outcomes[pi] = o;
        }
        for t in &applied.written {
            if let Some(o) = open[t.doc as usize].as_mut() {
                *o -= t.amount;
            }
        }
        took.extend(applied.written);
        notes.extend(applied.notes);
        review.extend(applied.review);
    }
    // Stable: what one payment produced keeps its own order.
    took.sort_by_key(|t| t.rank);
    notes.sort_by_key(|(rank, _)| *rank);
    review.sort_by_key(|(rank, _)| *rank);
    Merged {
        allocations: allocations(s, &took),
        notes: notes.into_iter().map(|(_, n)| n).collect(),
        review: review.into_iter().map(|(_, r)| r).collect(),
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::super::apply::Took;
    use super::*;

    fn took(rank: u32, doc: u32, cents: i64) -> Took {
        Took {
            rank,
            payment: rank,
            doc,
            amount: Decimal::new(cents, 2),
            rule: crate::model::AllocationRule::InvoiceNumber,
            confidence: 90,
        }
    }

    #[test]
    fn the_history_shows_what_was_taken_before_a_payment_and_a_settled_amount_as_written() {
        let open = vec![
            Some(Decimal::new(0, 2)),
            Some(Decimal::new(10_000, 2)),
            None,
        ];
        let runs = [
            Applied {
                written: vec![took(9, 1, 7_500)],
                ..Applied::default()
            },
            Applied {
                written: vec![took(5, 1, 2_500)],
                ..Applied::default()
            },
        ];
        let h = History::new(&open, &runs);
        let shown = |d, rank| h.open_before(d, rank).map(|a| a.to_string());
        // Settled, nothing taken: 0.00 as a run's own copy shows it, not 0.
        assert_eq!(shown(0, 3).as_deref(), Some("0.00"));
        assert_eq!(
            shown(1, 5).as_deref(),
            Some("100.00"),
            "its own taking is not before it"
        );
        assert_eq!(shown(1, 6).as_deref(), Some("75.00"));
        assert_eq!(shown(1, 10).as_deref(), Some("0.00"));
        assert_eq!(shown(2, 1), None, "not in force");
    }
}
