//! The indexes matching looks documents and debtors up in, built once per run: invoice numbers
//! and payment references (on all cores), the payer's accounts and names, each debtor's open
//! items oldest due first, and the shapes of the ledger's numbering.

use std::collections::HashSet;

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
    pub items: FxHashMap<(&'a DebtorId, Currency), Vec<u32>>,
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
}

/// Cores to use, at most eight.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

impl<'a> Indexes<'a> {
    /// Indexes the documents in force and the debtors.
    pub fn build(
        docs: &'a [LedgerDocument],
        debtors: &'a [Debtor],
        open: &[Option<Decimal>],
    ) -> Self {
        let in_force =
            |i: usize| docs[i].document.kind == DocumentKind::Invoice && open[i].is_some();
        // The main thread indexes references and items meanwhile.
        let (
            numbers,
            (references, references_more, items, shapes),
            (other_references, credit_notes),
        ) = std::thread::scope(|scope| {
            let numbers = scope.spawn(move || {
                let mut shapes = missing::Shapes::default();
                let mut numbered: Vec<(&str, u32)> = Vec::with_capacity(docs.len());
                for (i, d) in docs.iter().enumerate() {
                    if d.document.kind == DocumentKind::Invoice {
                        shapes.add(d.document.number.as_str());
                    }
                    if in_force(i) {
                        numbered.push((d.document.number.as_str(), i as u32));
                    }
                }
                (NumberIndex::build(&numbered, threads()), shapes)
            });
            let mut references: FxHashMap<u64, u32> = FxHashMap::default();
            references.reserve(docs.len());
            let mut references_more: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
            let mut items: FxHashMap<(&DebtorId, Currency), Vec<u32>> = FxHashMap::default();
            let mut other_references: HashSet<u64> = HashSet::new();
            let mut credit_notes: HashSet<String> = HashSet::new();
            for (i, doc) in docs.iter().enumerate() {
                let d = &doc.document;
                if d.kind == DocumentKind::CreditNote {
                    credit_notes.insert(d.number.as_str().to_uppercase());
                }
                let key = d
                    .payment_reference
                    .as_deref()
                    .and_then(|r| references::with_canonical(r, reference_key));
                if !in_force(i) {
                    other_references.extend(key);
                    continue;
                }
                if let Some(key) = key {
                    match references.entry(key) {
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(i as u32);
                        }
                        std::collections::hash_map::Entry::Occupied(o) => {
                            references_more.entry(*o.get()).or_default().push(i as u32)
                        }
                    }
                }
                if open[i].is_some_and(|o| o > Decimal::ZERO) {
                    items
                        .entry((&d.debtor, d.currency))
                        .or_default()
                        .push(i as u32);
                }
            }
            for list in items.values_mut() {
                list.sort_by_cached_key(|&x| {
                    let d = &docs[x as usize].document;
                    (d.due_date, d.number.normalised())
                });
            }
            let (numbers, shapes) = numbers.join().expect("an index worker panicked");
            (
                numbers,
                (references, references_more, items, shapes),
                (other_references, credit_notes),
            )
        });
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
        Indexes {
            numbers,
            references,
            references_more,
            other_references,
            accounts,
            items,
            shapes,
            names: by_name,
            name_words,
            credit_notes,
            initialled,
        }
    }
}

/// The index key of a canonical payment reference.
pub(super) fn reference_key(canonical: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = FxHasher::default();
    h.write(canonical.as_bytes());
    h.finish()
}
