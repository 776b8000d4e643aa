//! The indexes matching looks documents and debtors up in, built once per run: invoice numbers
//! and payment references (on all cores), the payer's accounts and names, each debtor's open
//! items oldest due first, and the shapes of the ledger's numbering.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::numbers::NumberIndex;
use super::{missing, names, references};
use crate::ids::DebtorId;
use crate::model::{Debtor, DocumentKind, LedgerDocument};
use crate::money::Currency;
use rustc_hash::{FxHashMap, FxHasher};

/// The indexes matching looks documents up in.
pub(super) struct Indexes<'a> {
    /// Invoice numbers (indexed on all cores).
    pub numbers: NumberIndex,
    /// Invoices by the hash of their canonical payment reference (checked on every hit).
    pub references: FxHashMap<u64, u32>,
    /// References documents print that are not in force or not invoices (a voided invoice, a
    /// credit note): known, so a payment carrying one names nothing missing.
    pub other_references: HashSet<u64>,
    /// Further invoices printing a reference an earlier one printed, by that earlier one.
    pub references_more: FxHashMap<u32, Vec<u32>>,
    /// Debtors by the accounts the ledger gives them.
    pub accounts: FxHashMap<String, Vec<&'a DebtorId>>,
    /// Open invoices per debtor and currency, oldest due first.
    pub items: FxHashMap<(&'a DebtorId, Currency), Vec<Item>>,
    /// What the signals ask of every document, by its index, in a dense list: read for each
    /// item weighed, it spares a cache miss on the document itself.
    pub facts: Vec<Facts>,
    /// The shapes of the ledger's invoice numbers.
    pub shapes: missing::Shapes,
    /// Debtors by the identity key of their name (`names.rs`, initials kept), for payers whose
    /// account the ledger does not know.
    pub names: FxHashMap<String, Vec<&'a DebtorId>>,
    /// Debtors (id and name) by each full word of their name, for payers who write initials.
    pub name_words: FxHashMap<String, Vec<(&'a DebtorId, &'a str)>>,
    /// Credit notes' numbers, upper case.
    pub credit_notes: HashSet<String>,
    /// Debtors whose name has initials, by each full word of it.
    pub initialled: FxHashMap<String, Vec<(&'a DebtorId, &'a str)>>,
    /// An API's marked documents with the number their source wrote, where another document
    /// has it ([`crate::model::marked_twins`]): they stand under that number too.
    pub twins: std::collections::HashMap<usize, &'a str>,
}

/// What the signals ask of a document besides its open amount, held apart from it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts {
    /// No payment before this day pays it.
    pub issued: NaiveDate,
    /// A debtor's open items are weighed oldest due first.
    pub due: NaiveDate,
    /// Only a payment in its currency pays it.
    pub currency: Currency,
}

/// A debtor's open invoice, with the day it was issued: a payment weighs only items issued by
/// its own day, and reading that here spares a look at the open amounts of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Item {
    /// The document's index.
    pub doc: u32,
    /// Its issue date (as in [`Facts::issued`]).
    pub issued: NaiveDate,
}

/// Cores to use, at most eight.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// `f` of each chunk of `items` (one a core, none shorter than `min` unless it is all), in
/// chunk order: the first on this thread, the others beside it. `f` is told which chunk it has.
pub(super) fn by_chunks<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    f: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    let per = items.len().div_ceil(threads()).max(min).max(1);
    let mut chunks = items.chunks(per);
    let first = chunks.next().unwrap_or_default();
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .enumerate()
            .map(|(k, c)| scope.spawn(move || f(k + 1, c)))
            .collect();
        let mut out = vec![f(0, first)];
        out.extend(
            handles
                .into_iter()
                .map(|h| h.join().expect("a matching worker panicked")),
        );
        out
    })
}

impl<'a> Indexes<'a> {
    /// Indexes the documents in force and the debtors.
    pub fn build(
        docs: &'a [LedgerDocument],
        debtors: &'a [Debtor],
        open: &[Option<Decimal>],
    ) -> Self {
        // Numbers, the debtors and the later half of the documents on threads of their own;
        // the main thread indexes the first half meanwhile.
        let (numbers, shapes, twins, stretch, payers) = std::thread::scope(|scope| {
            let numbers = scope.spawn(move || {
                let mut shapes = missing::Shapes::default();
                let mut numbered: Vec<(&str, u32)> = Vec::with_capacity(docs.len());
                // The numbers an API's marked documents were written with, where another
                // document has that number: the mark's shape alone (`2026/12345678`) may be
                // the source's own numbering.
                let twins = crate::model::marked_twins(docs);
                for (i, d) in docs.iter().enumerate() {
                    if d.document.kind == DocumentKind::Invoice {
                        shapes.add(d.document.number.as_str());
                    }
                    if in_force(d, open[i]) {
                        let number = d.document.number.as_str();
                        numbered.push((number, i as u32));
                        // A second record with one number is a debt of its own, yet a payment
                        // names it as its source wrote it: it stands under that number too, so
                        // such a payment sees both debts.
                        if let Some(&base) = twins.get(&i) {
                            numbered.push((base, i as u32));
                        }
                    }
                }
                (NumberIndex::build(&numbered, threads()), shapes, twins)
            });
            let payers = scope.spawn(move || Payers::of(debtors));
            let half = docs.len() / 2;
            let later = scope.spawn(move || Stretch::of(docs, open, half..docs.len(), 0));
            let first = Stretch::of(docs, open, 0..half, docs.len() - half);
            let later = later.join().expect("an index worker panicked");
            let mut stretch = first.then(later);
            sort_items(&mut stretch.items, &stretch.facts, docs);
            let (numbers, shapes, twins) = numbers.join().expect("an index worker panicked");
            let payers = payers.join().expect("an index worker panicked");
            (numbers, shapes, twins, stretch, payers)
        });
        Indexes {
            numbers,
            references: stretch.references,
            references_more: stretch.references_more,
            other_references: stretch.other_references,
            accounts: payers.accounts,
            items: stretch.items,
            facts: stretch.facts,
            shapes,
            names: payers.names,
            name_words: payers.name_words,
            credit_notes: stretch.credit_notes,
            initialled: payers.initialled,
            twins,
        }
    }
}

/// The debtors by what a payer gives of them: accounts and names.
struct Payers<'a> {
    accounts: FxHashMap<String, Vec<&'a DebtorId>>,
    names: FxHashMap<String, Vec<&'a DebtorId>>,
    name_words: FxHashMap<String, Vec<(&'a DebtorId, &'a str)>>,
    initialled: FxHashMap<String, Vec<(&'a DebtorId, &'a str)>>,
}

impl<'a> Payers<'a> {
    fn of(debtors: &'a [Debtor]) -> Payers<'a> {
        let mut accounts: FxHashMap<String, Vec<&DebtorId>> = FxHashMap::default();
        for d in debtors {
            for iban in &d.ibans {
                let e = accounts.entry(iban.as_str().to_string()).or_default();
                if !e.contains(&&d.id) {
                    e.push(&d.id);
                }
            }
        }
        let mut by_name: FxHashMap<String, Vec<&DebtorId>> = FxHashMap::default();
        let mut name_words: FxHashMap<String, Vec<(&DebtorId, &str)>> = FxHashMap::default();
        let mut initialled: FxHashMap<String, Vec<(&DebtorId, &str)>> = FxHashMap::default();
        for d in debtors {
            if let Some(name) = d.name.as_deref() {
                // The name as the ledger has it, and without a trade name or branch.
                for n in std::iter::once(name).chain(names::main_part(name)) {
                    let key = names::identity_key(n);
                    if !key.is_empty() {
                        let e = by_name.entry(key).or_default();
                        if !e.contains(&&d.id) {
                            e.push(&d.id);
                        }
                    }
                }
                let (full, initials) = names::words(name);
                for w in full {
                    if !initials.is_empty() {
                        initialled.entry(w.clone()).or_default().push((&d.id, name));
                    }
                    name_words.entry(w).or_default().push((&d.id, name));
                }
            }
        }
        Payers {
            accounts,
            names: by_name,
            name_words,
            initialled,
        }
    }
}

/// Whether a document is an invoice in force (its open amount is known: not voided): what the
/// number, reference and item indexes hold.
fn in_force(doc: &LedgerDocument, open: Option<Decimal>) -> bool {
    doc.document.kind == DocumentKind::Invoice && open.is_some()
}

/// What the documents of one stretch give the indexes besides their numbers: payment
/// references, open items, and what is known but not in force.
#[derive(Default)]
struct Stretch<'a> {
    references: FxHashMap<u64, u32>,
    references_more: FxHashMap<u32, Vec<u32>>,
    items: FxHashMap<(&'a DebtorId, Currency), Vec<Item>>,
    /// The facts of each document of the stretch, in order (joined from the first document on,
    /// indexed as the documents are): sorting the items reads this list, not the documents.
    facts: Vec<Facts>,
    other_references: HashSet<u64>,
    credit_notes: HashSet<String>,
}

impl<'a> Stretch<'a> {
    /// The stretch `range` of the documents, each by its index in `docs`; with room for the
    /// references of `more` documents joined to it later.
    fn of(
        docs: &'a [LedgerDocument],
        open: &[Option<Decimal>],
        range: std::ops::Range<usize>,
        more: usize,
    ) -> Stretch<'a> {
        let mut out = Stretch::default();
        out.references.reserve(range.len() + more);
        out.facts.reserve(range.len() + more);
        for i in range {
            let d = &docs[i].document;
            out.facts.push(Facts {
                issued: d.issue_date,
                due: d.due_date,
                currency: d.currency,
            });
            if d.kind == DocumentKind::CreditNote {
                out.credit_notes.insert(d.number.as_str().to_uppercase());
            }
            let key = d
                .payment_reference
                .as_deref()
                .and_then(|r| references::with_canonical(r, reference_key));
            if !in_force(&docs[i], open[i]) {
                out.other_references.extend(key);
                continue;
            }
            if let Some(key) = key {
                match out.references.entry(key) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(i as u32);
                    }
                    std::collections::hash_map::Entry::Occupied(o) => out
                        .references_more
                        .entry(*o.get())
                        .or_default()
                        .push(i as u32),
                }
            }
            if open[i].is_some_and(|o| o > Decimal::ZERO) {
                out.items
                    .entry((&d.debtor, d.currency))
                    .or_default()
                    .push(Item {
                        doc: i as u32,
                        issued: d.issue_date,
                    });
            }
        }
        out
    }

    /// This stretch followed by the `later` one: every list stays in document order, and a
    /// reference both print belongs to this stretch's first document.
    fn then(mut self, later: Stretch<'a>) -> Stretch<'a> {
        let mut later_more = later.references_more;
        for (key, first) in later.references {
            let more = later_more.remove(&first).unwrap_or_default();
            match self.references.entry(key) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(first);
                    if !more.is_empty() {
                        self.references_more.insert(first, more);
                    }
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let list = self.references_more.entry(*o.get()).or_default();
                    list.push(first);
                    list.extend(more);
                }
            }
        }
        for (k, list) in later.items {
            self.items.entry(k).or_default().extend(list);
        }
        self.facts.extend(later.facts);
        self.other_references.extend(later.other_references);
        self.credit_notes.extend(later.credit_notes);
        self
    }
}

/// Sorts each debtor's open items oldest due first, then by number, the debtors split over
/// the cores.
fn sort_items(
    items: &mut FxHashMap<(&DebtorId, Currency), Vec<Item>>,
    facts: &[Facts],
    docs: &[LedgerDocument],
) {
    let mut lists: Vec<&mut Vec<Item>> = items.values_mut().collect();
    let per = lists.len().div_ceil(threads()).max(1);
    std::thread::scope(|scope| {
        for part in lists.chunks_mut(per) {
            scope.spawn(move || {
                for list in part {
                    list.sort_by(|a, b| {
                        facts[a.doc as usize]
                            .due
                            .cmp(&facts[b.doc as usize].due)
                            .then_with(|| number(docs, a.doc).cmp(&number(docs, b.doc)))
                    });
                }
            });
        }
    });
}

/// A document's number, normalised: the order of a debtor's items due on one day.
fn number(docs: &[LedgerDocument], x: u32) -> std::borrow::Cow<'_, str> {
    docs[x as usize].document.number.normalised()
}

/// The index key of a canonical payment reference.
pub(super) fn reference_key(canonical: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = FxHasher::default();
    h.write(canonical.as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::doc;

    #[test]
    fn chunks_come_back_in_order_each_told_its_place() {
        let items: Vec<u32> = (0..1000).collect();
        for min in [1, 7, 500, 1000, 5000] {
            let got = by_chunks(&items, min, |k, chunk| (k, chunk.to_vec()));
            let places: Vec<usize> = got.iter().map(|(k, _)| *k).collect();
            assert_eq!(places, (0..got.len()).collect::<Vec<_>>(), "min {min}");
            let joined: Vec<u32> = got.into_iter().flat_map(|(_, c)| c).collect();
            assert_eq!(joined, items, "min {min}");
        }
        let none: Vec<Vec<u32>> = by_chunks(&[] as &[u32], 1, |_, c| c.to_vec());
        assert_eq!(none, vec![Vec::<u32>::new()]);
    }

    /// Sorted copies of a stretch's tables, to compare two stretches.
    type Tables = (
        Vec<(u64, u32)>,
        Vec<(u32, Vec<u32>)>,
        Vec<((String, Currency), Vec<Item>)>,
        Vec<u64>,
        Vec<String>,
    );

    fn tables(s: Stretch<'_>) -> Tables {
        let mut references: Vec<_> = s.references.into_iter().collect();
        references.sort_unstable();
        let mut more: Vec<_> = s.references_more.into_iter().collect();
        more.sort_unstable();
        let mut items: Vec<_> = s
            .items
            .into_iter()
            .map(|((d, c), l)| ((d.as_str().to_string(), c), l))
            .collect();
        items.sort_unstable_by(|a, b| a.0 .0.cmp(&b.0 .0));
        let mut other: Vec<_> = s.other_references.into_iter().collect();
        other.sort_unstable();
        let mut credit: Vec<_> = s.credit_notes.into_iter().collect();
        credit.sort_unstable();
        (references, more, items, other, credit)
    }

    #[test]
    fn stretches_joined_in_order_index_what_one_pass_does() {
        // References printed by one to three invoices each, some across the two stretches;
        // credit notes and a voided invoice among them. Numbers and due dates are out of
        // document order, and many items of a debtor fall due on one day.
        let docs: Vec<LedgerDocument> = (0..40)
            .map(|i| {
                let kind = if i % 9 == 4 {
                    DocumentKind::CreditNote
                } else {
                    DocumentKind::Invoice
                };
                let mut d = doc(
                    kind,
                    &format!("F2026-{:04}", (i * 13) % 40),
                    &format!("D{}", i % 5),
                    "100.00",
                    "2026-01-01",
                    &format!("2026-02-{:02}", 1 + (i * 7) % 3),
                );
                d.document.payment_reference = Some(format!("RF18 0000 {:04}", (i * 7) % 13));
                d
            })
            .collect();
        let open: Vec<Option<Decimal>> = (0..docs.len())
            .map(|i| (i % 11 != 3).then(|| Decimal::new(10_000 - (i as i64 % 4) * 10_000, 2)))
            .collect();
        let mut whole = Stretch::of(&docs, &open, 0..docs.len(), 0);
        sort_items(&mut whole.items, &whole.facts, &docs);
        let whole = tables(whole);
        assert!(!whole.1.is_empty(), "some references printed twice");
        for (_, list) in &whole.2 {
            let keys: Vec<(String, String)> = list
                .iter()
                .map(|x| {
                    let d = &docs[x.doc as usize].document;
                    assert_eq!(x.issued, d.issue_date, "an item carries its issue date");
                    (d.due_date.to_string(), d.number.as_str().to_string())
                })
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(
                keys, sorted,
                "a debtor's items, oldest due first, then by number"
            );
        }
        for cut in [0, 1, 17, 20, 39, 40] {
            let mut joined = Stretch::of(&docs, &open, 0..cut, docs.len() - cut).then(Stretch::of(
                &docs,
                &open,
                cut..docs.len(),
                0,
            ));
            sort_items(&mut joined.items, &joined.facts, &docs);
            assert_eq!(tables(joined), whole, "cut at {cut}");
        }
    }
}
