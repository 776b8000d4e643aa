//! The signals: each finds candidate allocations of a payment with the evidence for them, in its
//! own file with its boundary table. `candidates` asks every signal at once and joins what they
//! found for the same documents; `candidate.rs` chooses.
//!
//! | file | signal |
//! |---|---|
//! | `structured_reference.rs` | a betalingskenmerk, OGM/VCS or RF reference the creditor printed |
//! | `invoice_number.rs` | invoice numbers in the text, whole, digits only, or the sequence number |
//! | `typo.rs` | a number written with two digits swapped or one character changed |
//! | `payer.rs` | who paid: the account, one learned from the history, or the name |
//! | `amount.rs` | the payer's items: one of exactly the amount, a combination, oldest first |
//! | `missing_invoice.rs` | a number of the ledger's numbering that no invoice has |

pub(super) mod amount;
pub(super) mod invoice_number;
pub(super) mod missing_invoice;
pub(super) mod payer;
pub(super) mod structured_reference;
pub(super) mod typo;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::candidate::{self, Candidate};
use super::evidence::{self, Evidence, OtherDebtor};
use super::index::Indexes;
use super::manual::Decided;
use super::numbers::{self, KeyStrength};
use super::partition::{Seen, Tracker};
use super::MatchPolicy;
use crate::model::{AllocationRule, LedgerDocument, Payment};
use payer::Payer;

/// What one matching run looks things up in, and the open amounts as they stand.
pub(super) struct Context<'c, 'a> {
    pub docs: &'a [LedgerDocument],
    pub idx: &'c Indexes<'a>,
    open: &'c [Option<Decimal>],
    pub policy: &'c MatchPolicy,
    /// What a person decided: pairs kept apart, documents settled by hand.
    decided: &'c Decided<'c>,
    /// When payments are applied side by side (`partition.rs`): the tracker of documents looked
    /// at outside the payment's partition, and that partition.
    reads: Option<(&'c Tracker<'c>, u32, u32)>,
}

impl<'c, 'a> Context<'c, 'a> {
    /// The context of one matching run, at the open amounts as they stand.
    pub fn new(
        docs: &'a [LedgerDocument],
        idx: &'c Indexes<'a>,
        open: &'c [Option<Decimal>],
        policy: &'c MatchPolicy,
        decided: &'c Decided<'c>,
    ) -> Self {
        Context {
            docs,
            idx,
            open,
            policy,
            decided,
            reads: None,
        }
    }

    /// The same context for the payment of rank `rank` in partition `part`, noting in
    /// `tracker` every document of another partition it looks at.
    pub fn tracked(mut self, tracker: &'c Tracker<'c>, part: u32, rank: u32) -> Self {
        self.reads = Some((tracker, part, rank));
        self
    }

    /// Whether a document can take (part of) this payment: same currency, in force, not kept
    /// apart by hand. (Whether a document is in force never changes while payments are applied:
    /// no look at its open amount.)
    pub fn usable(&self, p: &Payment, d: u32) -> bool {
        self.idx.facts[d as usize].currency == p.amount.currency()
            && self.open[d as usize].is_some()
            && (self.decided.excluded_pairs.is_empty()
                || !self.decided.excluded_pairs.contains(&(p.id.as_str(), d)))
    }

    /// Whether a person applied a payment to the document and nothing of it is open.
    pub fn settled_by_hand(&self, d: u32) -> bool {
        self.decided.documents.contains(&d) && self.open_of(d).is_zero()
    }

    /// What a document has open, never below zero.
    pub fn open_of(&self, d: u32) -> Decimal {
        let open = self.open_now(d);
        self.note(d, Seen::Open(open));
        open.unwrap_or_default().max(Decimal::ZERO)
    }

    /// Whether a document has exactly `amount` open.
    pub fn open_is(&self, d: u32, amount: Decimal) -> bool {
        let is = self.open_now(d) == Some(amount);
        self.note(d, Seen::Is(amount, is));
        is
    }

    /// A document's open amount as this payment sees it: the run's own, or for a payment applied
    /// again, another partition's document as the other runs left it by this payment's turn.
    fn open_now(&self, d: u32) -> Option<Decimal> {
        let own = self.open[d as usize];
        match self.reads {
            Some((tracker, part, rank)) => tracker.open_at(part, rank, d, own),
            None => own,
        }
    }

    /// Tells the tracker, when there is one, what was seen of a document's open amount.
    fn note(&self, d: u32, seen: Seen) {
        if let Some((tracker, part, rank)) = self.reads {
            tracker.looked_at(part, rank, d, seen);
        }
    }

    /// The day a document was issued.
    pub fn issued(&self, d: u32) -> NaiveDate {
        self.idx.facts[d as usize].issued
    }

    /// A document's number as printed.
    pub fn number(&self, d: u32) -> &'a str {
        self.docs[d as usize].document.number.as_str()
    }
}

/// What a payment's reference and texts name. Depends only on the payment and the ledger, so it
/// is worked out for all payments at once, on all cores, and held for all of them while they are
/// applied: lists of their own length, 64 bytes inline.
#[derive(Debug, Default)]
pub(super) struct Named {
    /// Documents whose payment reference the payment carries, with that reference.
    pub by_reference: Box<[(u32, String)]>,
    /// Documents whose number the text has, and how much of it.
    pub by_number: Box<[(u32, KeyStrength)]>,
    /// A number of the ledger's own numbering that no invoice has.
    pub missing: Option<Box<str>>,
    /// A structured reference that passes its check but no document prints.
    pub unknown_reference: Option<Box<str>>,
}

/// What a payment names (see [`Named`]).
pub(super) fn named_in(ctx: &Context<'_, '_>, p: &Payment) -> Named {
    let (by_reference, unknown_reference) = structured_reference::named(ctx, p);
    let mut named = Named {
        by_reference: by_reference.into_boxed_slice(),
        ..Named::default()
    };
    if named.by_reference.is_empty() {
        named.by_number = invoice_number::named(ctx, p).into_boxed_slice();
        named.missing = missing_invoice::named(ctx, p).map(String::into_boxed_str);
        named.unknown_reference = unknown_reference.map(String::into_boxed_str);
    }
    // In the documents' number order, not the order they happen to be stored in: the evidence
    // and notes built from these read the same whatever order the ledger was imported in.
    let number = |d: u32| ctx.docs[d as usize].document.number.normalised();
    named
        .by_reference
        .sort_by(|a, b| number(a.0).cmp(&number(b.0)).then(a.0.cmp(&b.0)));
    named
        .by_number
        .sort_by(|a, b| number(a.0).cmp(&number(b.0)).then(a.0.cmp(&b.0)));
    named
}

/// Every candidate allocation of a payment, from every signal, joined per set of documents,
/// with the evidence against each.
pub(super) fn candidates(
    ctx: &Context<'_, '_>,
    p: &Payment,
    named: &Named,
    payer: &Payer<'_>,
) -> Vec<Candidate> {
    let mut designating: Vec<Candidate> = if named.by_reference.is_empty() {
        invoice_number::candidates(ctx, p, payer, &named.by_number)
    } else {
        vec![structured_reference::candidate(
            ctx,
            p,
            payer,
            &named.by_reference,
        )]
    };
    if designating.len() == 1 && fits(&designating[0]) && !loose(ctx, p, &designating[0]) {
        let c = designating.remove(0);
        return vec![with_exact_amount(ctx, p, payer, c)];
    }
    let mut list: Vec<Candidate> = Vec::new();
    // What the text designates: amount-based candidates for other documents go against it.
    let mut designated: Vec<String> = Vec::new();
    // Numbers as written, that a typo may be of.
    let mut written: Vec<String> = Vec::new();
    for c in &designating {
        designated.extend(c.numbers(ctx.docs));
    }
    let by_hand: Vec<String> = designating
        .iter()
        .flat_map(|c| c.key.iter().copied())
        .filter(|&d| ctx.settled_by_hand(d))
        .map(|d| ctx.number(d).to_string())
        .collect();
    // A typo explains a number that does not fit.
    if named.by_reference.is_empty() {
        written.clone_from(&designated);
        if let [c] = &mut designating[..] {
            if let [d] = c.key[..] {
                let before = list.len();
                // The payer's own invoice: a typo for another of the payer's items is found
                // among them (`typo::one_edit`); else the whole ledger is searched.
                let own = payer.strong()
                    && c.debtor
                        .as_ref()
                        .is_some_and(|o| payer.debtors.contains(&o));
                if !own {
                    list.extend(typo::swapped(ctx, p, payer, d));
                }
                if !payer.strong() {
                    list.extend(typo::changed_digit(ctx, p, payer, d));
                }
                // Another invoice a typo away fits exactly: the number as written is doubtful.
                if let Some(t) = list[before..].first() {
                    c.evidence.push(Evidence::AnotherFitsExactly {
                        number: t.numbers(ctx.docs).join(", "),
                    });
                }
            }
        }
    }
    list.extend(designating);
    let debtors = payer.by_amount();
    // A structured reference no document prints, or a number of the ledger's numbering no
    // invoice has: the payment designates an invoice the ledger lacks.
    if designated.is_empty() {
        let lacking = match (&named.unknown_reference, &named.missing) {
            (Some(r), _) => Some((r, true)),
            (None, Some(m)) if debtors.len() == 1 => Some((m, false)),
            _ => None,
        };
        if let Some((m, reference)) = lacking {
            let debtor = payer.one();
            let exact = debtor
                .map(|d| amount::exact(ctx, p, &amount::open_items(ctx, p, d)))
                .unwrap_or_default();
            list.push(missing_invoice::candidate(
                ctx, debtor, m, reference, &exact,
            ));
            designated.push(m.to_string());
            if !reference {
                written.push(m.to_string());
            }
        }
    }
    for &debtor in debtors {
        let items = amount::open_items(ctx, p, debtor);
        let exact = amount::exact(ctx, p, &items);
        list.extend(typo::one_edit(
            ctx,
            payer,
            &written,
            &exact,
            &designated,
            p.amount.amount(),
        ));
        list.extend(amount::candidates(
            ctx,
            p,
            payer,
            debtor,
            &items,
            &exact,
            designated.is_empty(),
        ));
    }
    // The number written is an invoice open for more than was paid: a part payment of it is as
    // likely as a typo for another invoice of exactly the amount (consecutive numbers are one
    // edit apart), so a typo reading does not win alone.
    let part_of: Vec<String> = designating_part(&list, ctx);
    let typos: Vec<String> = list
        .iter()
        .filter(|c| c.evidence.iter().any(is_typo))
        .flat_map(|c| c.numbers(ctx.docs))
        .collect();
    if !part_of.is_empty() && !typos.is_empty() {
        // Neither reading may win alone: both wait for a person.
        for c in list.iter_mut() {
            if c.evidence.iter().any(is_typo) {
                c.evidence.push(Evidence::WrittenIsOpen {
                    number: part_of.join(", "),
                });
            } else if c.numbers(ctx.docs).iter().any(|n| part_of.contains(n)) {
                c.evidence.push(Evidence::TypoFitsExactly {
                    number: typos.join(", "),
                });
            }
        }
    }
    // The number as written is another debtor's invoice open for exactly the amount: the payer
    // may have paid it for that debtor as likely as mistyped its own (review 43a, F-2), so a
    // typo reading does not win alone either.
    let amount = p.amount.amount();
    let fits_another: Vec<String> = list
        .iter()
        .filter(|c| {
            let has = |f: fn(&Evidence) -> bool| c.evidence.iter().any(f);
            !has(is_typo)
                && has(|e| matches!(e, Evidence::InvoiceNumber { .. }))
                && has(|e| matches!(e, Evidence::PayerIsAnother(_)))
                && c.key.iter().map(|&d| ctx.open_of(d)).sum::<Decimal>() == amount
        })
        .flat_map(|c| c.numbers(ctx.docs))
        .collect();
    if !fits_another.is_empty() && !typos.is_empty() {
        for c in list.iter_mut().filter(|c| c.evidence.iter().any(is_typo)) {
            c.evidence.push(Evidence::WrittenFitsAnother {
                number: fits_another.join(", "),
            });
        }
    }
    // Another debtor's invoice the text names by its sequence alone, open for exactly the
    // amount, against the payer's own of that amount (a holding paying `fact 0201` of its
    // subsidiary's): neither reading wins alone (review 43b, F-2).
    if payer.strong() && named.by_reference.is_empty() {
        let others: Vec<String> = named
            .by_number
            .iter()
            .filter(|&&(d, _)| {
                let doc = &ctx.docs[d as usize].document;
                !payer.debtors.contains(&&doc.debtor) && ctx.open_of(d) == amount
            })
            .map(|&(d, _)| ctx.number(d).to_string())
            .filter(|n| !designated.contains(n))
            .collect();
        if !others.is_empty() {
            for c in list.iter_mut().filter(|c| !c.designated()) {
                c.evidence.push(Evidence::TextNamesOther {
                    numbers: others.clone(),
                });
            }
        }
    }
    let mut list = candidate::merge(list);
    if !designated.is_empty() {
        for c in list.iter_mut().filter(|c| !c.designated()) {
            c.evidence.push(Evidence::TextNamesOther {
                numbers: designated.clone(),
            });
        }
    }
    // The text names what a person settled with another payment: no reading of it, a duplicate
    // or a typo for another, wins over the person unseen (review 45e).
    if !by_hand.is_empty() {
        for c in &mut list {
            c.evidence.push(Evidence::SettledByHand {
                numbers: by_hand.clone(),
            });
        }
    }
    list
}

/// Whether a piece of evidence reads a number as a typo for another.
fn is_typo(e: &Evidence) -> bool {
    matches!(e, Evidence::SwappedDigits { .. } | Evidence::OneEdit { .. })
}

/// The numbers of the documents the text names by number that are open for more than was paid
/// (their candidates say `PaysPart`), where the payer may be their debtor: another debtor's
/// invoice, or several debtors', is no part payment the payer is likely to make.
fn designating_part(list: &[Candidate], ctx: &Context<'_, '_>) -> Vec<String> {
    list.iter()
        .filter(|c| {
            let has = |f: fn(&Evidence) -> bool| c.evidence.iter().any(f);
            !has(is_typo)
                && has(|e| matches!(e, Evidence::InvoiceNumber { .. }))
                && has(|e| matches!(e, Evidence::PaysPart { .. }))
                && !has(|e| matches!(e, Evidence::PayerIsAnother(_) | Evidence::DifferentDebtors))
        })
        .flat_map(|c| c.numbers(ctx.docs))
        .collect()
}

/// What the text designates fits, so an allocation by amount to anything else is capped below
/// review and cannot win: only the agreeing fact is added, when the amount is exactly what the
/// designated documents, the payer's, have open.
fn with_exact_amount(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    mut c: Candidate,
) -> Candidate {
    let open: Decimal = c.key.iter().map(|&d| ctx.open_of(d)).sum();
    if open == p.amount.amount()
        && c.debtor
            .as_ref()
            .is_some_and(|d| payer.by_amount().contains(&d))
    {
        let mut numbers = c.numbers(ctx.docs);
        c.evidence.push(if numbers.len() == 1 {
            Evidence::ExactAmount {
                number: numbers.remove(0),
            }
        } else {
            Evidence::Combination { numbers }
        });
    }
    c
}

/// Whether a candidate rests on a bare sequence number with an amount only near what is open
/// (within the fee tolerance): the payer's item of exactly the amount must still be weighed.
fn loose(ctx: &Context<'_, '_>, p: &Payment, c: &Candidate) -> bool {
    let sequence = c.evidence.iter().any(|e| {
        matches!(
            e,
            Evidence::InvoiceNumber {
                written: evidence::Written::Sequence,
                ..
            }
        )
    });
    let open: Decimal = c.key.iter().map(|&d| ctx.open_of(d)).sum();
    sequence && open != p.amount.amount()
}

/// Whether a designated candidate fits: nothing found against it.
fn fits(c: &Candidate) -> bool {
    !c.evidence.iter().any(|e| {
        matches!(
            e,
            Evidence::DifferentDebtors
                | Evidence::PayerIsAnother(_)
                | Evidence::AmountFar { .. }
                | Evidence::PaysPart { .. }
                | Evidence::PaysLittle { .. }
                | Evidence::AlreadySettled { .. }
                | Evidence::Overpays { .. }
        )
    })
}

/// The candidate for documents a payment designates (by reference or number), with the evidence
/// against it: documents of several debtors or of another than the payer, settled already, an
/// amount far from or short of what is open.
pub(super) fn designated_candidate(
    ctx: &Context<'_, '_>,
    p: &Payment,
    payer: &Payer<'_>,
    named: &[u32],
    rule: AllocationRule,
    mut evidence: Vec<Evidence>,
) -> Candidate {
    let amount = p.amount.amount();
    let docs = ctx.docs;
    let mut items = named.to_vec();
    if items.len() > 1 {
        items.sort_by_cached_key(|&d| {
            let doc = &docs[d as usize].document;
            (doc.due_date, doc.number.normalised())
        });
    }
    let first = &docs[items[0] as usize].document.debtor;
    if items
        .iter()
        .any(|&d| &docs[d as usize].document.debtor != first)
    {
        evidence.push(Evidence::DifferentDebtors);
    }
    if payer.strong() && !payer.debtors.contains(&first) {
        evidence.push(Evidence::PayerIsAnother(Box::new(OtherDebtor {
            number: ctx.number(items[0]).to_string(),
            debtor: first.as_str().to_string(),
            payers: payer
                .debtors
                .iter()
                .map(|d| d.as_str().to_string())
                .collect(),
            by_name: payer.by_name(),
        })));
    } else if let (true, Some(e)) = (payer.debtors.contains(&first), &payer.evidence) {
        evidence.push(e.clone());
    }
    let total: Decimal = items.iter().map(|&d| ctx.open_of(d)).sum();
    let fee = ctx.policy.fee_tolerance;
    if total.is_zero() {
        evidence.push(Evidence::AlreadySettled {
            numbers: items.iter().map(|&d| ctx.number(d).to_string()).collect(),
        });
    } else if amount > total * Decimal::TWO + fee {
        evidence.push(Evidence::AmountFar {
            paid: amount,
            open: total,
        });
    } else if amount * Decimal::from(20) < total {
        evidence.push(Evidence::PaysLittle {
            paid: amount,
            open: total,
        });
    } else if amount < total - fee {
        evidence.push(Evidence::PaysPart {
            paid: amount,
            open: total,
        });
    } else if amount > total + fee {
        evidence.push(Evidence::Overpays {
            paid: amount,
            open: total,
        });
    }
    let stated = (items.len() > 1)
        .then_some(p.remittance.as_deref())
        .flatten()
        .and_then(|text| stated_amounts(text, &items, ctx, amount));
    let parts = match stated {
        Some(stated) => {
            evidence.retain(|e| !matches!(e, Evidence::PaysPart { .. }));
            evidence.push(Evidence::StatedAmounts);
            items
                .iter()
                .zip(stated)
                .map(|(&d, a)| (d, a.min(ctx.open_of(d))))
                .filter(|(_, a)| *a > Decimal::ZERO)
                .collect()
        }
        None => {
            // Several invoices paid in part, and the text does not say how: which one is
            // short is a guess.
            if items.len() > 1
                && evidence
                    .iter()
                    .any(|e| matches!(e, Evidence::PaysPart { .. }))
            {
                evidence.push(Evidence::SplitUnknown);
            }
            amount::oldest_first(&items, amount, |d| ctx.open_of(d))
        }
    };
    Candidate::new(parts, rule, Some(first.clone()), evidence).concerning(&items)
}

/// The amount the text gives each document, in `items`' order, when it gives one after every
/// document's number (`2025/0014 (1.075,98), 2025/0030: EUR 535.43 en 2025/0095 3208,92`) and
/// they add up to the amount paid.
fn stated_amounts(
    text: &str,
    items: &[u32],
    ctx: &Context<'_, '_>,
    paid: Decimal,
) -> Option<Vec<Decimal>> {
    let runs = digit_runs(text);
    let mut at: Vec<(usize, usize)> = Vec::with_capacity(items.len()); // (end in text, item)
    for (k, &d) in items.iter().enumerate() {
        let own: Vec<&str> = digit_runs(ctx.number(d))
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let n = own.len();
        if n == 0 {
            return None;
        }
        // Its digit runs as the document has them, or run together (`V20250323`).
        let joined: String = ctx.number(d).chars().filter(char::is_ascii_digit).collect();
        let joined = joined.trim_start_matches('0');
        let end = (0..runs.len().saturating_sub(n - 1))
            .find(|&i| (0..n).all(|j| runs[i + j].1 == own[j]))
            .map(|i| runs[i + n - 1].0)
            .or_else(|| runs.iter().find(|r| r.1 == joined).map(|r| r.0))?;
        at.push((end, k));
    }
    at.sort_unstable();
    let mut stated = vec![Decimal::ZERO; items.len()];
    for (w, &(end, k)) in at.iter().enumerate() {
        let next = at.get(w + 1).map_or(text.len(), |x| x.0);
        stated[k] = amount_between(text, end, next)?;
    }
    (stated.iter().copied().sum::<Decimal>() == paid).then_some(stated)
}

/// The runs of digits in a text with where each ends, leading zeros dropped (`0` stays `0`).
fn digit_runs(text: &str) -> Vec<(usize, &str)> {
    numbers::digit_runs(text)
        .into_iter()
        .map(|(a, b)| match text[a..b].trim_start_matches('0') {
            "" => (b, "0"),
            run => (b, run),
        })
        .collect()
}

/// The first amount with two decimals in `text[from..to]` (`1.075,98`, `535.43`, `3208,92`):
/// after a document's number, a point and two digits are an amount too.
fn amount_between(text: &str, from: usize, to: usize) -> Option<Decimal> {
    text.get(from..to)?
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_end_matches(['.', ',']))
        .find_map(|t| invoice_number::amount_value(t).map(|(value, _)| value))
}
