//! Candidate allocations of one payment and the choice between them: the signals propose, the
//! evidence scores (`confidence.rs`), and the best is applied only with a clear lead.

use rust_decimal::Decimal;

use super::confidence::{self, Effect, MARGIN};
use super::evidence::Evidence;
use crate::ids::DebtorId;
use crate::model::{AllocationRule, LedgerDocument};

/// One way to apply a payment, with the evidence for and against it.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// The documents it concerns, sorted: what tells candidates apart. Empty for "leave it
    /// unapplied".
    pub key: Vec<u32>,
    /// What each document takes, oldest due first.
    pub parts: Vec<(u32, Decimal)>,
    /// The rule of its strongest ground.
    pub rule: AllocationRule,
    /// Everything found for and against it.
    pub evidence: Vec<Evidence>,
    /// The debtor it takes the payment for.
    pub debtor: Option<DebtorId>,
    /// The invoice number the text names that the ledger lacks, for "leave it unapplied".
    pub names_missing: Option<String>,
}

impl Candidate {
    /// A candidate paying `parts`.
    pub fn new(
        parts: Vec<(u32, Decimal)>,
        rule: AllocationRule,
        debtor: Option<DebtorId>,
        evidence: Vec<Evidence>,
    ) -> Candidate {
        let mut key: Vec<u32> = parts.iter().map(|p| p.0).collect();
        key.sort_unstable();
        Candidate {
            key,
            parts,
            rule,
            evidence,
            debtor,
            names_missing: None,
        }
    }

    /// The same candidate, concerning all of `ids` (documents named, even those it leaves
    /// untouched because they are settled or the money runs out).
    pub fn concerning(mut self, ids: &[u32]) -> Candidate {
        self.key = ids.to_vec();
        self.key.sort_unstable();
        self
    }

    /// The numbers of the documents it concerns, in number order (not the order the documents
    /// are stored in).
    pub fn numbers(&self, docs: &[LedgerDocument]) -> Vec<String> {
        let mut n: Vec<&crate::ids::DocumentNumber> = self
            .key
            .iter()
            .map(|&d| &docs[d as usize].document.number)
            .collect();
        n.sort_by(|a, b| a.normalised().cmp(&b.normalised()));
        n.into_iter().map(|x| x.as_str().to_string()).collect()
    }

    /// Its confidence, from the table.
    pub fn score(&self) -> u8 {
        confidence::score(&self.evidence)
    }

    /// The strongest ground's worth, to rank candidates of equal score.
    fn ground(&self) -> u8 {
        self.evidence
            .iter()
            .filter_map(|e| match confidence::effect(e) {
                Effect::Ground(g) => Some(g),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Whether a signal naming documents (reference, number, typo) stands behind it, not the
    /// amount alone.
    pub fn designated(&self) -> bool {
        self.evidence.iter().any(confidence::designates)
    }
}

/// Joins candidates for the same documents found by different signals: their evidence adds up;
/// the parts and rule are the stronger ground's.
pub(super) fn merge(list: Vec<Candidate>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::with_capacity(list.len());
    for c in list {
        match out
            .iter_mut()
            .find(|o| !o.key.is_empty() && o.key == c.key && o.names_missing == c.names_missing)
        {
            Some(o) => {
                if c.ground() > o.ground() {
                    o.parts = c.parts;
                    o.rule = c.rule;
                }
                for e in c.evidence {
                    if !o.evidence.contains(&e) {
                        o.evidence.push(e);
                    }
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// What to do with a payment.
pub(super) enum Decision {
    /// Apply this candidate.
    Apply(Candidate, u8),
    /// A person chooses among these (best first), for this reason.
    Review(Vec<(Candidate, u8)>, String),
}

/// Most candidates shown to a person for one payment.
const SHOWN: usize = 4;

/// The best candidate when it reaches `review_below` and leads the next by [`MARGIN`]; else the
/// candidates for review. Ties rank by ground, then rule, then the oldest due first (a payment
/// that designates no debt pays the oldest due one: art. 6:43 lid 2 BW; a standing order after
/// a missed month pays the arrears), then the documents' numbers, so the same ledger always
/// gives the same decision, whatever order its documents were stored in. Of the candidates shown
/// for review, one is the one issued nearest the payment's date `paid_on` (a standing order may
/// mean its own month, not the arrears).
pub(super) fn decide(
    docs: &[LedgerDocument],
    list: Vec<Candidate>,
    review_below: u8,
    paid_on: chrono::NaiveDate,
) -> Option<Decision> {
    // The latest of a date of the candidate's documents (none: last).
    let latest = |c: &Candidate, date: fn(&crate::model::Document) -> chrono::NaiveDate| {
        c.key
            .iter()
            .map(|&d| date(&docs[d as usize].document))
            .max()
            .unwrap_or(chrono::NaiveDate::MAX)
    };
    let issued = |c: &Candidate| latest(c, |d| d.issue_date);
    let due = |c: &Candidate| latest(c, |d| d.due_date);
    let numbers = |c: &Candidate| -> Vec<String> {
        let mut n: Vec<String> = c
            .key
            .iter()
            .map(|&d| docs[d as usize].document.number.normalised().into_owned())
            .collect();
        n.sort_unstable();
        n
    };
    let mut scored: Vec<(Candidate, u8, chrono::NaiveDate, Vec<String>)> = list
        .into_iter()
        .map(|c| {
            let s = c.score();
            let n = numbers(&c);
            let due = due(&c);
            (c, s, due, n)
        })
        .collect();
    scored.sort_by(|(a, sa, fa, na), (b, sb, fb, nb)| {
        sb.cmp(sa)
            .then_with(|| b.ground().cmp(&a.ground()))
            .then_with(|| a.rule.code().cmp(b.rule.code()))
            .then_with(|| fa.cmp(fb))
            .then_with(|| na.cmp(nb))
    });
    let mut scored: Vec<(Candidate, u8)> = scored.into_iter().map(|(c, s, _, _)| (c, s)).collect();
    let best = scored.first()?.1;
    let rival = scored.get(1).map(|r| r.1);
    if best >= review_below && rival.is_none_or(|r| best >= r.saturating_add(MARGIN)) {
        let (c, s) = scored.swap_remove(0);
        return Some(Decision::Apply(c, s));
    }
    let reason = match rival {
        Some(r) if best.saturating_sub(r) < MARGIN => {
            let close: Vec<String> = scored
                .iter()
                .filter(|(_, s)| best.saturating_sub(*s) < MARGIN)
                .map(|(c, s)| {
                    // A reading with nothing open to take (the named invoice settled already)
                    // has no row to accept: it says what choosing it means (review 46a, F-5).
                    if c.parts.is_empty() {
                        format!(
                            "{} ({s}, nothing open: the money would stay unapplied)",
                            label(c, docs)
                        )
                    } else {
                        format!("{} ({s})", label(c, docs))
                    }
                })
                .collect();
            format!(
                "{} fit about as well and nothing else tells them apart: {}; choose one",
                close.len(),
                close.join(", ")
            )
        }
        _ => {
            let against: Vec<String> = scored[0]
                .0
                .evidence
                .iter()
                .filter(|e| matches!(confidence::effect(e), Effect::Cap(_) | Effect::Less(_)))
                .map(Evidence::describe)
                .collect();
            if against.is_empty() {
                format!("{} is only {best} sure", label(&scored[0].0, docs))
            } else {
                against.join("; ")
            }
        }
    };
    // The tie issued nearest the payment's date, when it would not be shown, takes the last
    // place.
    let nearest = scored
        .iter()
        .enumerate()
        .take_while(|(_, (_, s))| *s == best)
        .min_by_key(|(k, (c, _))| ((paid_on - issued(c)).num_days().abs(), *k))
        .map(|(k, _)| k);
    if let Some(k) = nearest.filter(|&k| k >= SHOWN) {
        let c = scored.remove(k);
        scored.insert(SHOWN - 1, c);
    }
    scored.truncate(SHOWN);
    Some(Decision::Review(scored, reason))
}

/// A candidate in a few words: its documents, or "unapplied".
fn label(c: &Candidate, docs: &[LedgerDocument]) -> String {
    match (&c.names_missing, c.key.is_empty()) {
        (_, false) => c.numbers(docs).join(" + "),
        (Some(n), true) => format!("unapplied (names {n})"),
        (None, true) => "unapplied".into(),
    }
}
