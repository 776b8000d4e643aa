//! Payment matching: which bank lines pay which documents, tried rule by rule, each allocation
//! with its rule and a confidence; doubtful ones are proposed for review instead of applied.
//!
//! Rules, in order: decisions made by hand (always win); structured references
//! (`references.rs`); invoice numbers in the text (`numbers.rs`), alone or several; the payer's
//! account known for one debtor, then the amount against that debtor's open items (one exact
//! item, an exact combination of up to four, else oldest due first). Money that pays nothing
//! stays as unapplied cash on the debtor, never dropped. Pure and deterministic: payments are
//! taken in date and id order, so the same ledger gives the same result.

mod fxhash;
pub mod missing;
pub mod names;
pub mod numbers;
pub mod references;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::DebtorId;
use crate::model::{
    Allocation, AllocationRule, AllocationSource, Debtor, DocumentKey, DocumentKind,
    LedgerDocument, Payment, PaymentKind,
};
use crate::money::{Currency, Money};
use crate::reconcile::{ReconcileNote, Reconciliation};
use fxhash::FxHashMap;
use numbers::{KeyStrength, NumberIndex};

/// The knobs of matching, from the policy file's `[matching]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchPolicy {
    /// Allocations less sure than this (0 to 100) are queued for review, not applied.
    pub review_below: u8,
    /// A shortfall up to this amount (bank fees) is flagged as such.
    pub fee_tolerance: Decimal,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        MatchPolicy {
            review_below: 70,
            fee_tolerance: Decimal::new(2500, 2),
        }
    }
}

/// A decision a person made; it always wins over the rules and survives re-runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "decision")]
pub enum ManualDecision {
    /// Apply (part of) a payment to a document.
    Allocate {
        /// The payment's id.
        payment: String,
        /// The document.
        document: DocumentKey,
        /// How much; the rest of the payment or the document's open amount when absent.
        amount: Option<Decimal>,
    },
    /// Keep the rules from applying a payment (to one document, or at all).
    Unallocate {
        /// The payment's id.
        payment: String,
        /// The document it must not pay; every document when absent.
        document: Option<DocumentKey>,
    },
}

/// What became of one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentStatus {
    /// Fully applied to documents.
    Allocated,
    /// Partly applied; the rest is unapplied cash.
    PartlyAllocated,
    /// The debtor is known but nothing was open to apply it to (overpayment, duplicate).
    Unapplied,
    /// Nobody and nothing found.
    Unmatched,
    /// A doubtful match waits for a person (see [`Proposal`]).
    Review,
    /// Money out: not a payment by a debtor.
    Outgoing,
    /// Undone by a reversal line (or the reversal itself).
    Reversed,
    /// Booked after the as-of date.
    Later,
    /// Already booked against a document in the accounting package; nothing left to match.
    AppliedUpstream,
}

impl PaymentStatus {
    /// Short stable code for output.
    pub fn code(&self) -> &'static str {
        match self {
            PaymentStatus::Allocated => "allocated",
            PaymentStatus::PartlyAllocated => "partly-allocated",
            PaymentStatus::Unapplied => "unapplied",
            PaymentStatus::Unmatched => "unmatched",
            PaymentStatus::Review => "review",
            PaymentStatus::Outgoing => "outgoing",
            PaymentStatus::Reversed => "reversed",
            PaymentStatus::Later => "later",
            PaymentStatus::AppliedUpstream => "applied-upstream",
        }
    }
}

/// The outcome for one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    /// What became of it.
    pub status: PaymentStatus,
    /// The debtor it is from, when known.
    pub debtor: Option<DebtorId>,
    /// Applied to documents.
    pub allocated: Decimal,
    /// Received but applied to nothing: cash on the debtor's account (or unidentified).
    pub unapplied: Decimal,
    /// Why, in plain words (shortfalls, duplicates, ambiguities).
    pub notes: Vec<String>,
    /// The invoice number its text names that the ledger does not have, when that is why it is
    /// unapplied: it designates that invoice, so it is no part payment of the debtor's others.
    pub names_missing: Option<String>,
}

impl PaymentOutcome {
    /// Money received that no document took (unidentified, unapplied cash, or in review): what
    /// `incasso unmatched` lists and what holds a debtor's claim back.
    pub fn money_not_applied(&self) -> bool {
        self.unapplied > Decimal::ZERO
            && matches!(
                self.status,
                PaymentStatus::Unmatched
                    | PaymentStatus::Unapplied
                    | PaymentStatus::PartlyAllocated
                    | PaymentStatus::Review
            )
    }
}

/// A match not applied because it is doubtful: a person confirms it with `incasso allocate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Index of the payment in the input.
    pub payment: usize,
    /// The document it would pay.
    pub document: DocumentKey,
    /// How much.
    pub amount: Money,
    /// The rule that proposed it.
    pub rule: AllocationRule,
    /// How sure.
    pub confidence: u8,
    /// Why it is doubtful.
    pub reason: String,
}

/// Everything matching decided, besides the allocations added to the reconciliation.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// One outcome per input payment, in input order.
    pub outcomes: Vec<PaymentOutcome>,
    /// Doubtful matches, in payment order.
    pub review: Vec<Proposal>,
}

impl Matching {
    /// Money received and not allocated (unapplied cash, or waiting in review) per debtor and
    /// currency, for payers that are identified.
    pub fn unapplied_by_debtor(
        &self,
        payments: &[Payment],
    ) -> HashMap<(String, Currency), Decimal> {
        let mut out: HashMap<(String, Currency), Decimal> = HashMap::new();
        for (o, p) in self.outcomes.iter().zip(payments) {
            // Money that names an invoice the ledger does not have pays that invoice, not ours.
            if o.names_missing.is_some() {
                continue;
            }
            if let (Some(d), true) = (&o.debtor, o.money_not_applied()) {
                *out.entry((d.as_str().to_string(), p.amount.currency()))
                    .or_default() += o.unapplied;
            }
        }
        out
    }
}

/// A plan for one payment before it is applied.
struct Plan {
    parts: Vec<(u32, Decimal)>,
    rule: AllocationRule,
    confidence: u8,
    debtor: Option<DebtorId>,
    reasons: Vec<String>,
    notes: Vec<String>,
    /// The number the text names that no invoice has, when that is why nothing is applied.
    names_missing: Option<String>,
}

/// The indexes matching looks documents up in.
struct Indexes<'a> {
    /// Invoice numbers, indexed in parts (over disjoint documents) on all cores.
    numbers: Vec<NumberIndex>,
    /// Invoices by the hash of their canonical payment reference (checked on every hit).
    references: FxHashMap<u64, u32>,
    /// Further invoices printing a reference an earlier one printed, by that earlier one.
    references_more: FxHashMap<u32, Vec<u32>>,
    accounts: FxHashMap<String, Vec<&'a DebtorId>>,
    /// Open invoices per debtor and currency, oldest due first.
    items: FxHashMap<(&'a DebtorId, Currency), Vec<u32>>,
    /// The shapes of the ledger's invoice numbers.
    shapes: missing::Shapes,
    /// Debtors by the identity key of their name (`names.rs`, initials kept), for payers whose
    /// account the ledger does not know.
    names: FxHashMap<String, Vec<&'a DebtorId>>,
    /// Debtors (id and name) by each full word of their name, for payers who write initials.
    name_words: FxHashMap<String, Vec<(&'a DebtorId, &'a str)>>,
    /// Credit notes' numbers, upper case.
    credit_notes: HashSet<String>,
    /// Debtors whose name has initials, by each full word of it.
    initialled: FxHashMap<String, Vec<(&'a DebtorId, &'a str)>>,
}

/// Cores to use, at most eight.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

impl<'a> Indexes<'a> {
    fn build(docs: &'a [LedgerDocument], debtors: &'a [Debtor], open: &[Option<Decimal>]) -> Self {
        let in_force =
            |i: usize| docs[i].document.kind == DocumentKind::Invoice && open[i].is_some();
        let per = docs.len().div_ceil(threads()).max(1);
        let (numbers, (references, references_more, items, shapes)) = std::thread::scope(|scope| {
            let parts: Vec<_> = (0..docs.len())
                .step_by(per)
                .map(|start| {
                    scope.spawn(move || {
                        let end = (start + per).min(docs.len());
                        let mut index = NumberIndex::with_capacity(end - start);
                        let mut shapes = missing::Shapes::default();
                        for i in start..end {
                            if docs[i].document.kind == DocumentKind::Invoice {
                                shapes.add(docs[i].document.number.as_str());
                            }
                            if in_force(i) {
                                index.add(docs[i].document.number.as_str(), i as u32);
                            }
                        }
                        (index, shapes)
                    })
                })
                .collect();
            let mut references: FxHashMap<u64, u32> = FxHashMap::default();
            references.reserve(docs.len());
            let mut references_more: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
            let mut items: FxHashMap<(&DebtorId, Currency), Vec<u32>> = FxHashMap::default();
            for i in (0..docs.len()).filter(|&i| in_force(i)) {
                let d = &docs[i].document;
                if let Some((r, _)) = d
                    .payment_reference
                    .as_deref()
                    .and_then(references::canonical)
                {
                    match references.entry(reference_key(&r)) {
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
            let mut shapes = missing::Shapes::default();
            let numbers: Vec<NumberIndex> = parts
                .into_iter()
                .map(|h| {
                    let (index, s) = h.join().expect("an index worker panicked");
                    shapes.merge(s);
                    index
                })
                .collect();
            (numbers, (references, references_more, items, shapes))
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
                let key = names::identity_key(name);
                if !key.is_empty() {
                    let e = by_name.entry(key).or_default();
                    if !e.contains(&&d.id) {
                        e.push(&d.id);
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
        let credit_notes: HashSet<String> = docs
            .iter()
            .filter(|d| d.document.kind == DocumentKind::CreditNote)
            .map(|d| d.document.number.as_str().to_uppercase())
            .collect();
        Indexes {
            numbers,
            references,
            references_more,
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
fn reference_key(canonical: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = fxhash::FxHasher::default();
    h.write(canonical.as_bytes());
    h.finish()
}

/// The documents a payment names: by structured reference, and by number in its texts.
/// Depends only on the payment and the ledger, so it is worked out for all payments at once.
#[derive(Default)]
struct Named {
    by_reference: Vec<u32>,
    by_number: Vec<(u32, KeyStrength)>,
}

fn named_in(
    docs: &[LedgerDocument],
    p: &Payment,
    idx: &Indexes<'_>,
    open: &[Option<Decimal>],
    excluded_pairs: &HashSet<(&str, u32)>,
) -> Named {
    let currency = p.amount.currency();
    let usable = |d: u32| {
        docs[d as usize].document.currency == currency
            && open[d as usize].is_some()
            && (excluded_pairs.is_empty() || !excluded_pairs.contains(&(p.id.as_str(), d)))
    };
    let texts = [p.remittance.as_deref(), p.end_to_end_id.as_deref()];
    let mut refs: Vec<String> = Vec::new();
    if let Some((r, _)) = p
        .structured_reference
        .as_deref()
        .and_then(references::canonical)
    {
        refs.push(r);
    }
    for text in texts.into_iter().flatten() {
        for (r, _) in references::find_in_text(text) {
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
    }
    let mut named = Named::default();
    for r in &refs {
        let Some(&first) = idx.references.get(&reference_key(r)) else {
            continue;
        };
        let more = idx.references_more.get(&first).into_iter().flatten();
        for &d in std::iter::once(&first).chain(more) {
            let same = docs[d as usize]
                .document
                .payment_reference
                .as_deref()
                .and_then(references::canonical)
                .is_some_and(|(c, _)| c == *r);
            if same && usable(d) && !named.by_reference.contains(&d) {
                named.by_reference.push(d);
            }
        }
    }
    if !named.by_reference.is_empty() {
        return named;
    }
    for text in texts.into_iter().flatten() {
        // A credit note the text names ("F2025-000028 min creditnota C2025-000002") is not an
        // invoice with the same digits: its number is taken out before invoice numbers are read.
        let text = without_credit_notes(text, idx);
        for (d, s) in numbers::find_in(&idx.numbers, &text) {
            if usable(d) && !named.by_number.iter().any(|(e, _)| *e == d) {
                named.by_number.push((d, s));
            }
        }
    }
    named
}

/// The text with every word that is a credit note's number (as the ledger writes it, case and
/// spaces aside) blanked.
fn without_credit_notes<'t>(text: &'t str, idx: &Indexes<'_>) -> std::borrow::Cow<'t, str> {
    if idx.credit_notes.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        if bare.len() >= 3 && idx.credit_notes.contains(&bare.to_uppercase()) {
            changed = true;
            continue;
        }
        out.push_str(word);
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Matches payments to the reconciliation's open documents as of a date, adding allocations to
/// `rec` and lowering its open amounts.
pub fn match_payments(
    docs: &[LedgerDocument],
    debtors: &[Debtor],
    payments: &[Payment],
    manual: &[ManualDecision],
    policy: &MatchPolicy,
    as_of: NaiveDate,
    rec: &mut Reconciliation,
) -> Matching {
    let mut idx = Indexes::build(docs, debtors, &rec.open);
    let mut outcomes: Vec<PaymentOutcome> = payments
        .iter()
        .map(|p| PaymentOutcome {
            status: match p.kind {
                _ if p.date > as_of => PaymentStatus::Later,
                PaymentKind::Outgoing => PaymentStatus::Outgoing,
                PaymentKind::Reversal => PaymentStatus::Reversed,
                PaymentKind::Incoming => PaymentStatus::Unmatched,
                PaymentKind::AppliedUpstream => PaymentStatus::AppliedUpstream,
            },
            debtor: None,
            allocated: Decimal::ZERO,
            unapplied: Decimal::ZERO,
            names_missing: None,
            notes: Vec::new(),
        })
        .collect();
    let mut order: Vec<usize> = (0..payments.len()).collect();
    order.sort_by(|&a, &b| {
        (payments[a].date, &payments[a].id).cmp(&(payments[b].date, &payments[b].id))
    });
    cancel_reversals(payments, &order, as_of, &mut outcomes);

    let mut review = Vec::new();
    let mut excluded_pairs: HashSet<(&str, u32)> = HashSet::new();
    let mut excluded: HashSet<&str> = HashSet::new();
    let mut by_hand: HashSet<usize> = HashSet::new();
    if !manual.is_empty() {
        apply_manual(
            docs,
            payments,
            manual,
            &mut outcomes,
            rec,
            &mut excluded,
            &mut excluded_pairs,
            &mut by_hand,
        );
    }

    // What each payment's references and texts name, on all cores.
    let wanted: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&pi| outcomes[pi].status == PaymentStatus::Unmatched && !by_hand.contains(&pi))
        .collect();
    let mut named: Vec<Option<Named>> = (0..payments.len()).map(|_| None).collect();
    {
        let per = wanted.len().div_ceil(threads()).max(1);
        let (idx, open, excluded_pairs) = (&idx, &rec.open, &excluded_pairs);
        let found: Vec<Vec<(usize, Named)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = wanted
                .chunks(per)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|&pi| {
                                (pi, named_in(docs, &payments[pi], idx, open, excluded_pairs))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a matching worker panicked"))
                .collect()
        });
        for (pi, n) in found.into_iter().flatten() {
            named[pi] = Some(n);
        }
    }

    // A second pass takes the payments whose payer became known from a later confident match.
    let mut pass = order.clone();
    let mut retry = Vec::new();
    for round in 0..2 {
        for &pi in &pass {
            let p = &payments[pi];
            if outcomes[pi].status != PaymentStatus::Unmatched || by_hand.contains(&pi) {
                continue;
            }
            if round == 1
                && !p
                    .counterparty_account
                    .as_deref()
                    .is_some_and(|a| idx.accounts.contains_key(a))
            {
                continue;
            }
            let amount = p.amount.amount();
            if excluded.contains(p.id.as_str()) {
                outcomes[pi].unapplied = amount;
                outcomes[pi].notes.push("kept unallocated by hand".into());
                continue;
            }
            let mut payer: Vec<&DebtorId> = p
                .counterparty_account
                .as_deref()
                .and_then(|a| idx.accounts.get(a))
                .cloned()
                .unwrap_or_default();
            // An account the ledger does not know: the payer's name, when it is exactly one
            // debtor's (case, punctuation, legal forms and word order aside). Weaker evidence
            // than an account, so what it alone decides is less sure.
            let mut by_name = false;
            if payer.is_empty() {
                if let Some([one]) = p
                    .counterparty_name
                    .as_deref()
                    .map(names::identity_key)
                    .filter(|k| !k.is_empty())
                    .and_then(|k| idx.names.get(&k))
                    .map(Vec::as_slice)
                {
                    payer.push(one);
                    by_name = true;
                } else if let Some(name) = p.counterparty_name.as_deref() {
                    // Initials for first names: the one debtor whose name they fit.
                    let fits = initials_candidates(name, &idx);
                    if let [one] = fits.as_slice() {
                        payer.push(one);
                        by_name = true;
                    }
                }
            }
            let plan = plan_payment(
                docs,
                p,
                named[pi]
                    .as_ref()
                    .expect("worked out for every unmatched payment"),
                &payer,
                &idx,
                &rec.open,
                policy,
                &excluded_pairs,
            );
            let plan = plan.map(|mut plan| {
                if by_name
                    && matches!(
                        plan.rule,
                        AllocationRule::DebtorExactAmount
                            | AllocationRule::DebtorCombination
                            | AllocationRule::DebtorOldestFirst
                    )
                {
                    plan.confidence = plan.confidence.saturating_sub(10);
                    let why =
                        "the payer's account is not known; its name is the debtor's".to_string();
                    if plan.confidence < policy.review_below {
                        plan.reasons.push(why);
                    } else {
                        plan.notes.push(why);
                    }
                }
                plan
            });
            let out = &mut outcomes[pi];
            let Some(plan) = plan else {
                if round == 0 && payer.is_empty() {
                    retry.push(pi);
                }
                out.unapplied = amount;
                if payer.len() == 1 && !by_name {
                    out.debtor = Some(payer[0].clone());
                    out.status = PaymentStatus::Unapplied;
                    out.notes
                        .push("the payer is known but no open item fits".into());
                } else if payer.len() > 1 {
                    out.notes.push(format!(
                        "the payer's account belongs to {} debtors; not applied",
                        payer.len()
                    ));
                }
                continue;
            };
            if plan.confidence < policy.review_below {
                for &(d, a) in &plan.parts {
                    let doc = &docs[d as usize].document;
                    review.push(Proposal {
                        payment: pi,
                        document: doc.key(),
                        amount: Money::new(a, doc.currency),
                        rule: plan.rule,
                        confidence: plan.confidence,
                        reason: plan.reasons.join("; "),
                    });
                }
                out.status = PaymentStatus::Review;
                // Who paid, when the account says so; else whom the text names. A payer known only
                // by name stays unidentified while in review, so the gate weighs the money against
                // every debtor's items.
                out.debtor = match payer.as_slice() {
                    [one] if !by_name => Some((*one).clone()),
                    _ if by_name => None,
                    _ => plan.debtor.clone(),
                };
                out.unapplied = amount;
                out.notes.extend(plan.reasons);
                continue;
            }
            let mut applied = Decimal::ZERO;
            for &(d, a) in &plan.parts {
                let doc = &docs[d as usize].document;
                if let Some(o) = rec.open[d as usize].as_mut() {
                    *o -= a;
                }
                applied += a;
                rec.allocations.push(Allocation {
                    from: AllocationSource::Payment(p.id.clone()),
                    document: doc.key(),
                    amount: Money::new(a, doc.currency),
                    rule: plan.rule,
                    confidence: plan.confidence,
                });
            }
            out.allocated = applied;
            out.unapplied = amount - applied;
            out.debtor = plan.debtor.clone();
            out.status = if out.unapplied.is_zero() {
                PaymentStatus::Allocated
            } else if applied.is_zero() {
                PaymentStatus::Unapplied
            } else {
                PaymentStatus::PartlyAllocated
            };
            let plain = plan.notes.is_empty();
            out.names_missing = plan.names_missing;
            out.notes.extend(plan.notes);
            // A confident match teaches the payer's account, for later payments without a reference.
            let exact = plain
                && out.unapplied.is_zero()
                && plan
                    .parts
                    .iter()
                    .all(|&(d, _)| rec.open[d as usize] == Some(Decimal::ZERO));
            if plan.confidence >= 90 && exact {
                if let (Some(acc), Some(d)) =
                    (p.counterparty_account.as_deref(), plan.debtor.as_ref())
                {
                    if !idx.accounts.contains_key(acc) {
                        let id = &docs[plan.parts.first().map_or(0, |x| x.0) as usize]
                            .document
                            .debtor;
                        if id == d {
                            idx.accounts.insert(acc.to_string(), vec![id]);
                        }
                    }
                }
            }
            for &(d, _) in &plan.parts {
                if rec.open[d as usize].is_some_and(|o| o <= Decimal::ZERO) {
                    let doc = &docs[d as usize].document;
                    if let Some(list) = idx.items.get_mut(&(&doc.debtor, doc.currency)) {
                        list.retain(|&x| x != d);
                    }
                }
            }
            for &(d, _) in &plan.parts {
                let doc = &docs[d as usize].document;
                let left = rec.open[d as usize].unwrap_or_default();
                if left > Decimal::ZERO && left <= policy.fee_tolerance {
                    rec.notes.push(ReconcileNote {
                    document: doc.key(),
                    message: format!(
                        "payment {} leaves {left} {} open: a shortfall such as bank fees; it stays open",
                        p.id, doc.currency
                    ),
                });
                }
            }
        }
        pass = std::mem::take(&mut retry);
    }
    Matching { outcomes, review }
}

/// Cancels each reversal (booked by the as-of date) against the latest incoming line it undoes
/// (same account, amount and counterparty) booked on or before it. Lines on one day sort by
/// id, so a reversal may come before its line in `order`: every incoming line is known first.
fn cancel_reversals(
    payments: &[Payment],
    order: &[usize],
    as_of: NaiveDate,
    outcomes: &mut [PaymentOutcome],
) {
    if !payments.iter().any(|p| p.kind == PaymentKind::Reversal) {
        return;
    }
    type Key<'a> = (Option<&'a str>, Decimal, Option<&'a str>);
    fn key(p: &Payment) -> Key<'_> {
        (
            p.account.as_deref(),
            p.amount.amount().abs(),
            p.counterparty_account.as_deref(),
        )
    }
    let mut incoming: HashMap<Key<'_>, Vec<usize>> = HashMap::new();
    for &i in order {
        if payments[i].kind == PaymentKind::Incoming
            && outcomes[i].status == PaymentStatus::Unmatched
        {
            incoming.entry(key(&payments[i])).or_default().push(i);
        }
    }
    for &i in order {
        let p = &payments[i];
        if p.kind != PaymentKind::Reversal || p.amount.amount() >= Decimal::ZERO || p.date > as_of {
            continue;
        }
        let candidates = incoming.entry(key(p)).or_default();
        match candidates.iter().rposition(|&j| payments[j].date <= p.date) {
            Some(at) => {
                let j = candidates.remove(at);
                outcomes[j].status = PaymentStatus::Reversed;
                outcomes[j].notes.push(format!("reversed by {}", p.id));
                outcomes[i]
                    .notes
                    .push(format!("reverses {}", payments[j].id));
            }
            None => outcomes[i]
                .notes
                .push("reverses a line not in the ledger".into()),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_manual<'m>(
    docs: &[LedgerDocument],
    payments: &[Payment],
    manual: &'m [ManualDecision],
    outcomes: &mut [PaymentOutcome],
    rec: &mut Reconciliation,
    excluded: &mut HashSet<&'m str>,
    excluded_pairs: &mut HashSet<(&'m str, u32)>,
    by_hand: &mut HashSet<usize>,
) {
    let by_id: HashMap<&str, usize> = payments
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let by_key: HashMap<DocumentKey, u32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.document.key(), i as u32))
        .collect();
    for m in manual {
        match m {
            ManualDecision::Unallocate {
                payment,
                document: None,
            } => {
                excluded.insert(payment);
            }
            ManualDecision::Unallocate {
                payment,
                document: Some(k),
            } => {
                if let Some(&d) = by_key.get(k) {
                    excluded_pairs.insert((payment, d));
                }
            }
            ManualDecision::Allocate { .. } => {}
        }
    }
    for m in manual {
        let ManualDecision::Allocate {
            payment,
            document,
            amount,
        } = m
        else {
            continue;
        };
        let (Some(&pi), Some(&d)) = (by_id.get(payment.as_str()), by_key.get(document)) else {
            continue;
        };
        if excluded_pairs.contains(&(payment.as_str(), d)) || excluded.contains(payment.as_str()) {
            continue; // a later "unallocate" took it back
        }
        let p = &payments[pi];
        let doc = &docs[d as usize].document;
        let out = &mut outcomes[pi];
        if !matches!(
            out.status,
            PaymentStatus::Unmatched | PaymentStatus::Allocated | PaymentStatus::PartlyAllocated
        ) || p.amount.currency() != doc.currency
        {
            out.notes.push(format!(
                "manual allocation to {} not possible: payment is {}",
                doc.number,
                out.status.code()
            ));
            continue;
        }
        let left = p.amount.amount() - out.allocated;
        let open = rec.open[d as usize].unwrap_or_default().max(Decimal::ZERO);
        // What a person allocates is capped by what the document has open: never below zero.
        let a = amount
            .unwrap_or(open)
            .min(left)
            .min(open)
            .max(Decimal::ZERO);
        if a.is_zero() {
            continue;
        }
        by_hand.insert(pi);
        if let Some(o) = rec.open[d as usize].as_mut() {
            *o -= a;
        }
        out.allocated += a;
        out.unapplied = p.amount.amount() - out.allocated;
        out.debtor = Some(doc.debtor.clone());
        out.status = if out.unapplied.is_zero() {
            PaymentStatus::Allocated
        } else {
            PaymentStatus::PartlyAllocated
        };
        rec.allocations.push(Allocation {
            from: AllocationSource::Payment(p.id.clone()),
            document: doc.key(),
            amount: Money::new(a, doc.currency),
            rule: AllocationRule::Manual,
            confidence: 100,
        });
    }
}

/// Finds the best plan for one payment, or none.
#[allow(clippy::too_many_arguments)]
fn plan_payment(
    docs: &[LedgerDocument],
    p: &Payment,
    named_by: &Named,
    payer: &[&DebtorId],
    idx: &Indexes<'_>,
    open: &[Option<Decimal>],
    policy: &MatchPolicy,
    excluded_pairs: &HashSet<(&str, u32)>,
) -> Option<Plan> {
    let amount = p.amount.amount();
    let currency = p.amount.currency();
    let usable = |d: u32| {
        let doc = &docs[d as usize].document;
        doc.currency == currency
            && open[d as usize].is_some()
            && (excluded_pairs.is_empty() || !excluded_pairs.contains(&(p.id.as_str(), d)))
    };

    // 1. Structured references.
    if !named_by.by_reference.is_empty() {
        let named: Vec<(u32, KeyStrength)> = named_by
            .by_reference
            .iter()
            .map(|&d| (d, KeyStrength::Full))
            .collect();
        return Some(plan_named(
            docs,
            p,
            payer,
            &named,
            open,
            policy,
            AllocationRule::StructuredReference,
            98,
        ));
    }

    // 2. Invoice numbers in the text.
    let mut named = named_by.by_number.clone();
    let strongest = named.iter().map(|(_, s)| *s).max();
    if strongest.is_some_and(|s| s > KeyStrength::Sequence) {
        named.retain(|(_, s)| *s > KeyStrength::Sequence);
    } else {
        // A bare sequence number only counts for the payer's own open items of this amount.
        named.retain(|&(d, _)| {
            let doc = &docs[d as usize].document;
            let o = open[d as usize].unwrap_or_default();
            payer.contains(&&doc.debtor)
                && o > Decimal::ZERO
                && (o - amount).abs() <= policy.fee_tolerance
        });
    }
    let mut by_number = None;
    if !named.is_empty() {
        let base = match named.iter().map(|(_, s)| *s).min() {
            Some(KeyStrength::Full) => 95,
            Some(KeyStrength::Digits) => 90,
            _ => 85,
        };
        let rule = if named.len() > 1 {
            AllocationRule::SeveralInvoices
        } else {
            AllocationRule::InvoiceNumber
        };
        let plan = plan_named(docs, p, payer, &named, open, policy, rule, base);
        let fits =
            |d: u32| (open[d as usize].unwrap_or_default() - amount).abs() <= policy.fee_tolerance;
        // A number that fits neither payer nor amount may be a typo: the payer's own item of
        // exactly this amount, with a number one swap away, is the better match.
        let doubtful =
            plan.confidence < policy.review_below || (named.len() == 1 && !fits(named[0].0));
        if !doubtful {
            return Some(plan);
        }
        if named.len() == 1 {
            if let Some(d) = swapped_twin(docs, named[0].0, amount, idx, open, &usable) {
                let doc = &docs[d as usize].document;
                return Some(Plan {
                    names_missing: None,
                    parts: vec![(d, amount)],
                    rule: AllocationRule::InvoiceNumber,
                    confidence: 80,
                    debtor: Some(doc.debtor.clone()),
                    reasons: Vec::new(),
                    notes: vec![format!(
                        "the text names {}; taken as a typo for {}, open for exactly this amount",
                        docs[named[0].0 as usize].document.number, doc.number
                    )],
                });
            }
        }
        by_number = Some(plan);
    }

    // 3. The payer's account names one debtor: match the amount against its open items.
    if payer.len() != 1 {
        return by_number;
    }
    let debtor = payer[0];
    let mut items: Vec<u32> = idx
        .items
        .get(&(debtor, currency))
        .map(|l| {
            l.iter()
                .copied()
                .filter(|&d| usable(d) && open[d as usize].is_some_and(|o| o > Decimal::ZERO))
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() {
        return by_number;
    }
    // Items whose sequence number the text mentions come first (stable: oldest due first
    // otherwise), so of two items of the same amount the one the payer named is taken.
    let mentioned = p
        .remittance
        .as_deref()
        .map(mentioned_numbers)
        .unwrap_or_default();
    let is_mentioned = |d: u32| {
        sequence_of(docs[d as usize].document.number.as_str())
            .is_some_and(|s| mentioned.contains(&s))
    };
    if !mentioned.is_empty() {
        items.sort_by_cached_key(|&d| !is_mentioned(d));
    }
    let open_of = |d: u32| open[d as usize].unwrap_or_default();
    let exact: Vec<u32> = items
        .iter()
        .copied()
        .filter(|&d| open_of(d) == amount)
        .collect();
    if by_number.is_none() {
        if let Some(plan) = names_a_missing_invoice(docs, p, debtor, &exact, amount, idx) {
            return Some(plan);
        }
    }
    if let Some(plan) = by_number {
        let named_number = docs[plan.parts.first().map_or(named[0].0, |x| x.0) as usize]
            .document
            .number
            .normalised();
        // One digit changed or two neighbours swapped: the payer's own item of exactly the amount
        // paid, next to the number written, is what was meant.
        let typo = exact.iter().copied().find(|&d| {
            missing::one_edit_apart(
                &named_number,
                &docs[d as usize].document.number.normalised(),
            )
        });
        return Some(match typo {
            Some(d) => Plan {
                names_missing: None,
                parts: vec![(d, amount)],
                rule: AllocationRule::DebtorExactAmount,
                confidence: 85,
                debtor: Some(debtor.clone()),
                reasons: Vec::new(),
                notes: vec![format!(
                    "the text names {named_number}; taken as a typo for {}, the payer's item of exactly this amount",
                    docs[d as usize].document.number
                )],
            },
            None => plan,
        });
    }
    if let Some(&d) = exact.first() {
        if exact.len() > 1 && !is_mentioned(d) {
            // Two or more of the payer's items of exactly this amount and nothing else to
            // choose by: a person chooses, from the candidates.
            let numbers: Vec<&str> = exact
                .iter()
                .map(|&e| docs[e as usize].document.number.as_str())
                .collect();
            return Some(Plan {
                names_missing: None,
                parts: exact.iter().map(|&e| (e, amount)).collect(),
                rule: AllocationRule::DebtorExactAmount,
                confidence: 60,
                debtor: Some(debtor.clone()),
                reasons: vec![format!(
                    "{} of the payer's open items are exactly this amount ({}) and nothing else tells them apart; choose one",
                    exact.len(),
                    numbers.join(", ")
                )],
                notes: Vec::new(),
            });
        }
        let confidence = if exact.len() == 1 { 90 } else { 85 };
        let mut notes = Vec::new();
        if exact.len() > 1 {
            notes.push(format!(
                "{} open items of this amount; the one the text mentions is taken",
                exact.len()
            ));
        }
        return Some(Plan {
            names_missing: None,
            parts: vec![(d, amount)],
            rule: AllocationRule::DebtorExactAmount,
            confidence,
            debtor: Some(debtor.clone()),
            reasons: notes.clone(),
            notes,
        });
    }
    if let Some(combo) = exact_combination(&items, amount, open_of) {
        return Some(Plan {
            names_missing: None,
            parts: combo.iter().map(|&d| (d, open_of(d))).collect(),
            rule: AllocationRule::DebtorCombination,
            confidence: 85,
            debtor: Some(debtor.clone()),
            reasons: Vec::new(),
            notes: Vec::new(),
        });
    }
    Some(Plan {
        names_missing: None,
        parts: oldest_first(&items, amount, open_of),
        rule: AllocationRule::DebtorOldestFirst,
        confidence: 70,
        debtor: Some(debtor.clone()),
        reasons: vec!["no reference and no exact amount: applied to the oldest items".into()],
        notes: Vec::new(),
    })
}

/// Most debtors one name word may point to before it is too common to look through.
const NAME_WORD_LIMIT: usize = 200;

/// The debtors whose name a payer's name fits with initials for first names: the payer's
/// initials against the debtor's words (candidates under the payer's rarest word), or the
/// debtor's initials against the payer's words (among debtors written with initials).
fn initials_candidates<'a>(name: &str, idx: &Indexes<'a>) -> Vec<&'a DebtorId> {
    let (full, initials) = names::words(name);
    let mut fits: Vec<&DebtorId> = Vec::new();
    if initials.is_empty() {
        for w in &full {
            for (d, n) in idx.initialled.get(w).into_iter().flatten() {
                if names::initials_fit(n, name) {
                    fits.push(d);
                }
            }
        }
    } else if let Some(list) = full
        .iter()
        .filter_map(|w| idx.name_words.get(w))
        .min_by_key(|l| l.len())
        .filter(|l| l.len() <= NAME_WORD_LIMIT)
    {
        for (d, n) in list {
            if names::initials_fit(name, n) {
                fits.push(d);
            }
        }
    }
    fits.sort();
    fits.dedup();
    fits
}

/// The runs of digits in a text, without leading zeros (`0207` → `207`).
fn mentioned_numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .map(|r| r.trim_start_matches('0'))
        .filter(|r| r.len() >= 2)
        .map(str::to_string)
        .collect()
}

/// A document number's last run of digits, without leading zeros (`INV-2026-0207` → `207`).
fn sequence_of(number: &str) -> Option<String> {
    number
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|r| !r.is_empty())
        .map(|r| r.trim_start_matches('0').to_string())
        .filter(|r| r.len() >= 2)
}

/// The plan for a payment of a known payer whose text names an invoice number of the ledger's
/// shape that no invoice has (see `missing.rs`), or `None` when it names none.
fn names_a_missing_invoice(
    docs: &[LedgerDocument],
    p: &Payment,
    debtor: &DebtorId,
    exact: &[u32],
    amount: Decimal,
    idx: &Indexes<'_>,
) -> Option<Plan> {
    let text = p.remittance.as_deref()?;
    let missing: Vec<&str> = idx
        .shapes
        .numbers_in(text)
        .into_iter()
        .filter(|t| {
            !numbers::find_in(&idx.numbers, t)
                .iter()
                .any(|(_, s)| *s == KeyStrength::Full)
        })
        .collect();
    let named = *missing.first()?;
    let named_norm = crate::ids::DocumentNumber::new(named)
        .map(|n| n.normalised().into_owned())
        .unwrap_or_else(|_| named.to_uppercase());
    let typo = exact.iter().copied().find(|&d| {
        missing::one_edit_apart(&named_norm, &docs[d as usize].document.number.normalised())
    });
    Some(match (typo, exact.first()) {
        (Some(d), _) => Plan {
            names_missing: None,
            parts: vec![(d, amount)],
            rule: AllocationRule::DebtorExactAmount,
            confidence: 85,
            debtor: Some(debtor.clone()),
            reasons: Vec::new(),
            notes: vec![format!(
                "names {named}, which is not in the ledger; taken as a typo for {}, the payer's item of exactly this amount",
                docs[d as usize].document.number
            )],
        },
        (None, Some(&d)) => Plan {
            names_missing: None,
            parts: vec![(d, amount)],
            rule: AllocationRule::DebtorExactAmount,
            confidence: 60,
            debtor: Some(debtor.clone()),
            reasons: vec![format!(
                "names {named}, which is not in the ledger; the payer's {} is open for exactly this amount",
                docs[d as usize].document.number
            )],
            notes: Vec::new(),
        },
        (None, None) => Plan {
            names_missing: Some(named.to_string()),
            parts: Vec::new(),
            rule: AllocationRule::DebtorExactAmount,
            confidence: 100,
            debtor: Some(debtor.clone()),
            reasons: Vec::new(),
            notes: vec![format!(
                "names {named}, which is not in the ledger; left unapplied, not spread over the debtor's other items"
            )],
        },
    })
}

/// The plan for documents the payment names (by reference or number).
#[allow(clippy::too_many_arguments)]
fn plan_named(
    docs: &[LedgerDocument],
    p: &Payment,
    payer: &[&DebtorId],
    named: &[(u32, KeyStrength)],
    open: &[Option<Decimal>],
    policy: &MatchPolicy,
    rule: AllocationRule,
    base: u8,
) -> Plan {
    let amount = p.amount.amount();
    let mut confidence = base;
    let mut reasons = Vec::new();
    let mut notes = Vec::new();
    let first_debtor = &docs[named[0].0 as usize].document.debtor;
    if named
        .iter()
        .any(|(d, _)| &docs[*d as usize].document.debtor != first_debtor)
    {
        confidence = confidence.min(50);
        reasons.push("the documents named belong to different debtors".into());
    }
    if !payer.is_empty() && !payer.contains(&first_debtor) {
        confidence = confidence.min(40);
        reasons.push(format!(
            "names {} of debtor {first_debtor}, but the payer's account belongs to {}",
            docs[named[0].0 as usize].document.number,
            payer
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut items: Vec<u32> = named.iter().map(|(d, _)| *d).collect();
    items.sort_by(|&a, &b| {
        let (da, db) = (&docs[a as usize].document, &docs[b as usize].document);
        (da.due_date, da.number.normalised()).cmp(&(db.due_date, db.number.normalised()))
    });
    let open_of = |d: u32| open[d as usize].unwrap_or_default().max(Decimal::ZERO);
    let total_open: Decimal = items.iter().map(|&d| open_of(d)).sum();
    if total_open.is_zero() {
        notes.push(format!(
            "{} already settled: a duplicate payment or an overpayment, kept as unapplied cash",
            items
                .iter()
                .map(|&d| docs[d as usize].document.number.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if amount > total_open * Decimal::TWO + policy.fee_tolerance
        || amount * Decimal::from(20) < total_open
    {
        confidence = confidence.min(50);
        reasons.push(format!(
            "pays {amount} against {total_open} open: far from it"
        ));
    }
    Plan {
        names_missing: None,
        parts: oldest_first(&items, amount, open_of),
        rule,
        confidence,
        debtor: Some(first_debtor.clone()),
        reasons,
        notes,
    }
}

/// The document whose number is the named one with two adjacent digits swapped back, open for
/// exactly the amount paid: the payer's typo, found whoever paid.
fn swapped_twin(
    docs: &[LedgerDocument],
    named: u32,
    amount: Decimal,
    idx: &Indexes<'_>,
    open: &[Option<Decimal>],
    usable: &impl Fn(u32) -> bool,
) -> Option<u32> {
    let number = docs[named as usize].document.number.normalised();
    let b = number.as_bytes();
    let mut found = None;
    for i in 0..b.len().saturating_sub(1) {
        if b[i] == b[i + 1] || !b[i].is_ascii_digit() || !b[i + 1].is_ascii_digit() {
            continue;
        }
        let mut v = b.to_vec();
        v.swap(i, i + 1);
        let twin = String::from_utf8(v).unwrap_or_default();
        for (d, s) in numbers::find_in(&idx.numbers, &twin) {
            if s == KeyStrength::Full && d != named && usable(d) && open[d as usize] == Some(amount)
            {
                if found.is_some_and(|f| f != d) {
                    return None; // two candidates: not a typo anyone can resolve
                }
                found = Some(d);
            }
        }
    }
    found
}

/// Spreads an amount over items (in the order given, oldest due first) up to what each has
/// open; what is left over is the caller's unapplied cash.
fn oldest_first(
    items: &[u32],
    amount: Decimal,
    open_of: impl Fn(u32) -> Decimal,
) -> Vec<(u32, Decimal)> {
    let mut parts = Vec::new();
    let mut left = amount;
    for &d in items {
        if left <= Decimal::ZERO {
            break;
        }
        let a = open_of(d).min(left);
        if a > Decimal::ZERO {
            parts.push((d, a));
            left -= a;
        }
    }
    parts
}

/// The first combination of two to four items (oldest first, fewest items first) whose open
/// amounts add up to exactly `amount`.
fn exact_combination(
    items: &[u32],
    amount: Decimal,
    open_of: impl Fn(u32) -> Decimal,
) -> Option<Vec<u32>> {
    let list: Vec<(u32, Decimal)> = items.iter().take(40).map(|&d| (d, open_of(d))).collect();
    let mut budget = 200_000u32;
    for size in 2..=4 {
        let mut chosen = Vec::with_capacity(size);
        if search(&list, 0, size, amount, &mut chosen, &mut budget) {
            return Some(chosen.into_iter().map(|i| list[i].0).collect());
        }
    }
    None
}

fn search(
    list: &[(u32, Decimal)],
    from: usize,
    size: usize,
    left: Decimal,
    chosen: &mut Vec<usize>,
    budget: &mut u32,
) -> bool {
    if chosen.len() == size {
        return left.is_zero();
    }
    for i in from..list.len() {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let v = list[i].1;
        if v > left {
            continue;
        }
        chosen.push(i);
        if search(list, i + 1, size, left - v, chosen, budget) {
            return true;
        }
        chosen.pop();
    }
    false
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
