//! Which claims go to the agency this run, as what (new, update, withdrawal), and which are
//! held back and why.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{NaiveDate, Utc};
use incasso_core::collection::withdrawal::{self, ItemFate};

use incasso_intake::outgoing::{basis, claim as wire_claim, same_basis};
use incasso_intake::schema::{self, ClaimKind};
use incasso_intake::validate::claim_problems;
use incasso_store::{Submission, SubmissionState};

use super::{Payload, Ready, Tally};
use crate::claims::{normalised, Computed};
use crate::{say, Reporter};

/// The claims that go this run, each as new or as the next revision of the claim the agency
/// holds for its invoices; and the agency claims a current claim still stands for.
pub(super) fn claims(
    computed: &Computed,
    known: &HashMap<String, Submission>,
    resumed: &HashSet<String>,
    attachments: &Path,
    today: NaiveDate,
    tally: &mut Tally,
    rep: &dyn Reporter,
) -> (Vec<Ready>, HashSet<String>, HashMap<String, Stuck>) {
    let owner_of: HashMap<&str, &str> = known
        .values()
        .filter(|s| s.accepted_revision > 0 || s.state == SubmissionState::Sent)
        .flat_map(|s| {
            s.items
                .iter()
                .map(move |i| (i.as_str(), s.claim_id.as_str()))
        })
        .collect();
    let mut ready = Vec::new();
    let mut targets: HashSet<String> = HashSet::new();
    // Agency claims a current claim still stands for (even one held back this run).
    let mut referenced: HashSet<String> = HashSet::new();
    let mut stuck: HashMap<String, Stuck> = HashMap::new();
    for c in &computed.preview.claims {
        let received: Vec<_> = c
            .items
            .iter()
            .flat_map(|i| {
                computed
                    .received
                    .get(&i.number)
                    .into_iter()
                    .flatten()
                    .cloned()
            })
            .collect();
        let owners: BTreeSet<&str> = c
            .items
            .iter()
            .filter_map(|i| owner_of.get(i.number.as_str()).copied())
            .collect();
        referenced.extend(owners.iter().map(|o| o.to_string()));
        referenced.insert(c.id.clone());
        let (id, previous) = match owners.len() {
            0 => (c.id.as_str(), known.get(&c.id)),
            1 => {
                let x = owners.into_iter().next().expect("one");
                match known.get(x) {
                    // The books now name another debtor for its invoices (a conflict resolved,
                    // the debtor corrected): the agency's claim is not turned into another
                    // debtor's (review 42b, B6). Withdrawn, a new claim goes; still open, a
                    // person settles it.
                    Some(p) if p.debtor != c.debtor.id.as_str() => {
                        if p.state == SubmissionState::Withdrawn {
                            (c.id.as_str(), known.get(&c.id))
                        } else {
                            say!(rep,
                                "claim {} on debtor {} not sent: its invoices are at the agency in claim {x} of debtor {}; withdraw that one with the agency by hand before the books' debtor is claimed",
                                c.id, c.debtor.id, p.debtor
                            );
                            tally.held += 1;
                            continue;
                        }
                    }
                    p => (x, p),
                }
            }
            _ => {
                say!(rep,
                    "claim {} on debtor {} not sent: its invoices went to the agency in several claims ({}); settle it with the agency by hand",
                    c.id,
                    c.debtor.id,
                    owners.into_iter().collect::<Vec<_>>().join(", ")
                );
                tally.held += 1;
                continue;
            }
        };
        if !targets.insert(id.to_string()) {
            say!(rep,
                "claim {} on debtor {} not sent: its invoices belong to agency claim {id}, which another claim of this run updates; settle it with the agency by hand",
                c.id, c.debtor.id
            );
            tally.held += 1;
            continue;
        }
        let (kind, revision) = match previous {
            Some(p) if p.accepted_revision > 0 => {
                (ClaimKind::Update, p.revision.max(p.accepted_revision) + 1)
            }
            _ => (ClaimKind::New, 1),
        };
        let mut wire = wire_claim(c, id, kind, revision, &received, Some(attachments));
        // The invoices the agency holds that this revision no longer claims, and why.
        if let Some(p) =
            previous.filter(|p| p.accepted_revision > 0 && p.state != SubmissionState::Withdrawn)
        {
            let now: HashSet<String> = c.items.iter().map(|i| normalised(&i.number)).collect();
            wire.withdrawn_items = p
                .items
                .iter()
                .filter(|n| !now.contains(&normalised(n)))
                .map(|n| withdrawal::fate(n, computed.facts.get(&normalised(n))).into())
                .collect();
        }
        let fingerprint = basis(&wire);
        if let Some(p) = previous {
            let same = same_basis(&p.basis, &fingerprint);
            match p.state {
                // Answered in this run, as a batch resumed: counted by its answer already.
                SubmissionState::Accepted | SubmissionState::Rejected
                    if same && resumed.contains(id) =>
                {
                    continue;
                }
                SubmissionState::Accepted if same => {
                    tally.unchanged += 1;
                    continue;
                }
                SubmissionState::Rejected if same => {
                    say!(
                        rep,
                        "claim {id} was rejected before and has not changed: {}",
                        p.reasons.join("; ")
                    );
                    tally.rejected += 1;
                    continue;
                }
                SubmissionState::Sent => {
                    tally.held += 1;
                    continue; // its batch is in flight; the next run resumes it
                }
                _ => {}
            }
        }
        let principal: rust_decimal::Decimal = wire.items.iter().map(|i| i.open).sum();
        // While a receipt of the agency waits for a person, the books may lack money the debtor
        // paid: an update claiming more than the agency holds waits too (review 45e, F-1: the
        // full claim was asked again of an agency that held it paid). One claiming less goes.
        if let Some(p) = previous.filter(|p| p.state != SubmissionState::Withdrawn) {
            let held: Vec<&str> = p
                .agency
                .iter()
                .flat_map(|a| a.unbooked.iter().map(|(id, _)| id.as_str()))
                .collect();
            let before = p.principal.as_deref().and_then(|s| s.parse().ok());
            if !held.is_empty() && before.is_none_or(|b| principal > b) {
                say!(
                    rep,
                    "claim {id} of debtor {} held for a person: the agency's receipt(s) {} wait to be settled (`incasso submissions`), and this revision would claim more than the agency holds",
                    c.debtor.id,
                    held.join(", ")
                );
                tally.held += 1;
                tally.for_a_person += 1;
                continue;
            }
        }
        // A claim taken over from the agency's feed: the books here may lack what led the agency
        // there (a payment, a withdrawal, an invoice). What claims no more than the agency holds,
        // invoice by invoice, goes; what claims more waits for a person, and when the books also
        // claim less of an invoice the agency holds (paid since), the claim is withdrawn (review
        // 41c: a restored store reopened a claim the agency held as paid; review 41d: an invoice
        // the agency knew part paid went back up, and a paid one stayed claimed while held).
        if let Some(p) = previous.filter(|p| p.taken_over) {
            if let Some(review) = taken_over_review(p, &wire, computed) {
                say!(
                    rep,
                    "claim {id} of debtor {} held for a person: it was taken over from the agency's change feed at revision {} (a store restored from a backup, or another copy of it?), and {}: import what the books are missing (the statements since the backup), or if the books are right, `incasso submissions --release {id}`",
                    c.debtor.id,
                    p.accepted_revision,
                    review.reasons.join("; ")
                );
                tally.held += 1;
                tally.for_a_person += 1;
                if review.goes_down && p.state != SubmissionState::Withdrawn {
                    stuck.insert(
                        p.claim_id.clone(),
                        Stuck {
                            why: format!("it is held for a person ({})", review.reasons.join("; ")),
                            claimed: review.owed,
                            part: review.part,
                            per_item: true,
                        },
                    );
                }
                continue;
            }
        }
        let problems = claim_problems(&wire, today);
        if !problems.is_empty() {
            say!(
                rep,
                "claim {id} not sent, it does not pass the schema's rules: {}",
                problems.join("; ")
            );
            tally.unsent += 1;
            if let Some(p) = previous
                .filter(|p| p.accepted_revision > 0 && p.state != SubmissionState::Withdrawn)
            {
                stuck.insert(
                    p.claim_id.clone(),
                    Stuck {
                        why: format!("its update cannot be sent ({})", problems.join("; ")),
                        claimed: c.items.iter().map(|i| normalised(&i.number)).collect(),
                        part: HashMap::new(),
                        per_item: false,
                    },
                );
            }
            continue;
        }
        let record = Submission {
            claim_id: id.to_string(),
            debtor: c.debtor.id.as_str().to_string(),
            currency: c.currency.to_string(),
            revision,
            state: SubmissionState::Sent,
            accepted_revision: previous.map_or(0, |p| p.accepted_revision),
            basis: fingerprint,
            items: wire.items.iter().map(|i| i.number.clone()).collect(),
            total: wire.total.to_string(),
            batch_key: String::new(),
            reasons: Vec::new(),
            updated_at: Utc::now(),
            withdrawal: None,
            agency: previous.and_then(|p| p.agency.clone()),
            principal: Some(principal.to_string()),
            taken_over: false,
            held: Vec::new(),
            held_received: Vec::new(),
            receipts_counted: previous.map(receipts_booked).unwrap_or_default(),
        };
        ready.push(Ready {
            payload: Payload::Claim(Box::new(wire)),
            record,
        });
    }
    (ready, referenced, stuck)
}

/// The agency's receipts of a claim booked in the ledger (all it reported, less those held for
/// a person): the money a revision worked out now accounts for.
fn receipts_booked(s: &Submission) -> Vec<String> {
    s.agency
        .iter()
        .flat_map(|a| {
            a.collected
                .iter()
                .filter(|(id, _, _)| !a.unbooked.iter().any(|(u, _)| u == id))
                .map(|(id, _, _)| id.clone())
        })
        .collect()
}

/// What a withdrawal's invoices come to, in a line: how many for each reason, and why the rest
/// stays owed (`stuck`) when its update cannot be sent.
fn summary(fates: &[ItemFate], stuck: Option<&str>) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in fates {
        *counts.entry(f.reason.code()).or_default() += 1;
    }
    let counted: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let mut out = format!(
        "{} invoices, each with its reason: {}",
        fates.len(),
        counted.join(", ")
    );
    if let Some(why) = stuck {
        out.push_str(&format!(
            "; those still owed are withdrawn because {why}: settle them with the agency by hand"
        ));
    }
    out.chars()
        .take(incasso_intake::validate::MAX_TEXT)
        .collect()
}

/// A claim the agency holds whose update cannot be sent (it would break the schema's rules, such
/// as more than 1,000 items, or it was taken over from the agency's feed and the books claim
/// more): why, and the invoices (normalised) the books still claim of it in full; it stays at
/// the agency as it is unless an invoice of it is claimed less (then it is withdrawn).
pub(super) struct Stuck {
    /// Why no update goes, as a clause ("its update cannot be sent (...)").
    why: String,
    /// The invoices the books still claim in full (or the agency holds and the books lack).
    claimed: HashSet<String>,
    /// The invoices the books claim less of than the agency holds, with what they say.
    part: HashMap<String, String>,
    /// Compared invoice by invoice (a claim taken over): the principal as a whole says nothing.
    per_item: bool,
}

/// Why a claim taken over from the agency's feed cannot go as the books have it, when it cannot.
struct TakenOverReview {
    /// What the books claim more of than the agency holds, or lack.
    reasons: Vec<String>,
    /// The invoices (normalised) the books still claim at least as the agency holds them, or lack.
    owed: HashSet<String>,
    /// The invoices the books claim less of, with what they say.
    part: HashMap<String, String>,
    /// Whether an invoice the agency holds is claimed less now, or no more (paid, credited...).
    goes_down: bool,
}

/// Compares the books' claim with a claim taken over from the agency's feed, invoice by invoice
/// (`None`: it claims no more than the agency holds, so it may go).
fn taken_over_review(
    p: &Submission,
    wire: &schema::Claim,
    computed: &Computed,
) -> Option<TakenOverReview> {
    use rust_decimal::Decimal;
    let mut reasons = Vec::new();
    if p.state == SubmissionState::Withdrawn {
        reasons.push(format!(
            "the agency holds it withdrawn ({}) and the books here claim it again",
            p.withdrawal.as_deref().unwrap_or("withdrawn")
        ));
        return Some(TakenOverReview {
            reasons,
            owed: HashSet::new(),
            part: HashMap::new(),
            goes_down: false,
        });
    }
    // Each invoice as the agency holds it (an amount that does not read leaves the invoice out,
    // and the books then add it: held).
    let agency: HashMap<String, (&str, Decimal)> = p
        .held
        .iter()
        .filter_map(|(n, a)| Some((normalised(n), (n.as_str(), a.parse().ok()?))))
        .collect();
    let books: HashMap<String, &schema::Item> = wire
        .items
        .iter()
        .map(|i| (normalised(&i.number), i))
        .collect();
    let mut owed = HashSet::new();
    let mut part = HashMap::new();
    let mut goes_down = false;
    let money = |d: Decimal| incasso_core::money::format_cents(d);
    // A payment or credit note the agency's revision lists that the books lack: what the books
    // claim less of may still be more than is owed (review 41d: a restored store sent an invoice
    // paid in full at the part the agency had not yet seen paid).
    let received: HashSet<&str> = wire
        .payments
        .iter()
        .chain(&wire.credit_notes)
        .map(|r| r.reference.as_str())
        .collect();
    for r in &p.held_received {
        if !received.contains(r.as_str()) {
            reasons.push(format!(
                "the agency's revision lists {r}, which the books here do not have"
            ));
        }
    }
    // What the agency collected itself since its revision lowers the books' amounts, and says
    // nothing of the books being behind.
    let own = format!("agency:{}:", p.claim_id);
    let mut collected: HashMap<String, Decimal> = HashMap::new();
    for r in wire
        .payments
        .iter()
        .filter(|r| r.reference.starts_with(&own) && !p.held_received.contains(&r.reference))
    {
        *collected.entry(normalised(&r.item)).or_default() += r.amount;
    }
    for (key, i) in &books {
        let open = i.open + collected.get(key).copied().unwrap_or_default();
        match agency.get(key) {
            None => reasons.push(format!("the books here add {}", i.number)),
            Some((_, held)) if open > *held => {
                owed.insert(key.clone());
                reasons.push(format!(
                    "the books here claim {} at {} {} where the agency holds {}",
                    i.number,
                    wire.currency,
                    money(i.open),
                    money(*held)
                ));
            }
            Some((_, held)) if open < *held => {
                goes_down = true;
                part.insert(
                    key.clone(),
                    format!(
                        "{} is paid or credited in part: {} {} open where the agency holds {}",
                        i.number,
                        wire.currency,
                        money(i.open),
                        money(*held)
                    ),
                );
            }
            Some(_) => {
                owed.insert(key.clone());
            }
        }
    }
    for (key, (number, _)) in &agency {
        if books.contains_key(key) {
            continue;
        }
        if let Some(f) = computed.facts.get(key) {
            // Settled by the agency's own receipts alone: the agency knows it (review 41f).
            let by_agency_alone =
                f.paid > Decimal::ZERO && f.by_agency >= f.paid && f.credited.is_zero();
            if !by_agency_alone {
                goes_down = true;
            }
        } else {
            owed.insert(key.clone());
            reasons.push(format!(
                "the agency holds {number}, which the books here do not have"
            ));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    reasons.sort();
    Some(TakenOverReview {
        reasons,
        owed,
        part,
        goes_down,
    })
}

/// What a withdrawal rests on: its reason and each invoice's (a withdrawal refused before is
/// not sent again unchanged).
pub(super) fn withdrawal_basis(w: &schema::Withdrawal) -> String {
    format!(
        "withdraw:{}:{}",
        w.reason.code(),
        w.items
            .iter()
            .map(|i| format!("{}={}", i.number, i.reason.code()))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Withdrawals for every claim the agency holds that no current claim stands for any more: what
/// became of each invoice (paid on DATE, credited, disputed, on a plan, written off, or a
/// person's decision), as the claim's next revision. A claim held only because a rate is
/// unknown or its amounts could not be computed is left as it is, unless its principal fell
/// since it was sent (a part payment): the agency must not chase what the creditor has.
pub(super) fn withdrawals(
    computed: &Computed,
    known: &HashMap<String, Submission>,
    referenced: &HashSet<String>,
    stuck: &HashMap<String, Stuck>,
    ready: &mut Vec<Ready>,
    tally: &mut Tally,
    rep: &dyn Reporter,
) {
    let mut candidates: Vec<&Submission> = known
        .values()
        .filter(|s| {
            s.accepted_revision > 0
                && !matches!(s.state, SubmissionState::Sent | SubmissionState::Withdrawn)
                && (!referenced.contains(&s.claim_id) || stuck.contains_key(&s.claim_id))
        })
        .collect();
    candidates.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
    for s in candidates {
        let stuck = stuck.get(&s.claim_id);
        let per_item = stuck.is_some_and(|st| st.per_item);
        // Of a claim whose update cannot be sent, the invoices the books still claim stay owed;
        // the others are what became of them.
        let fates: Vec<ItemFate> = s
            .items
            .iter()
            .map(|n| match stuck {
                Some(st) if st.claimed.contains(&normalised(n)) => ItemFate {
                    number: n.clone(),
                    reason: withdrawal::WithdrawalReason::Manual,
                    date: None,
                    detail: format!("{n} is still owed, but {}", st.why),
                },
                Some(st) if st.part.contains_key(&normalised(n)) => ItemFate {
                    number: n.clone(),
                    reason: withdrawal::WithdrawalReason::Manual,
                    date: None,
                    detail: st.part[&normalised(n)].clone(),
                },
                _ => withdrawal::fate(n, computed.facts.get(&normalised(n))),
            })
            .collect();
        let undecided = stuck.is_some()
            || s.items.iter().any(|n| {
                computed
                    .facts
                    .get(&normalised(n))
                    .and_then(|f| f.excluded.as_ref())
                    .is_some_and(|(rule, _)| {
                        matches!(rule.as_str(), "rate-unknown" | "calculation")
                    })
            });
        // A claim whose update cannot be sent stays at the agency as it is while the books still
        // claim each of its invoices in full; one no longer claimed (paid, credited, disputed,
        // on a plan) the agency must not chase: then it is withdrawn (review 41a).
        let dropped =
            stuck.is_some_and(|st| s.items.iter().any(|n| !st.claimed.contains(&normalised(n))));
        // Of a claim whose amounts cannot be computed or sent: the principal sent and what is
        // open of it now, when that is lower (paid or credited in part since).
        let lowered = if undecided && !per_item {
            let open_now: rust_decimal::Decimal = s
                .items
                .iter()
                .filter_map(|n| computed.facts.get(&normalised(n)))
                .map(|f| f.open.max(rust_decimal::Decimal::ZERO))
                .sum();
            let sent = s.principal.as_deref().and_then(|p| p.parse().ok());
            sent.filter(|was: &rust_decimal::Decimal| open_now < *was)
                .map(|was| (was, open_now))
        } else {
            None
        };
        let why_stuck = match stuck {
            Some(st) => st.why.clone(),
            None => "its amounts cannot be computed now".to_string(),
        };
        if undecided && lowered.is_none() && !dropped {
            say!(
                rep,
                "claim {} stays at the agency as it is: {why_stuck} (see `incasso claims`)",
                s.claim_id
            );
            tally.held += 1;
            continue;
        }
        let (mut reason, date, mut detail) = withdrawal::overall(&fates);
        // Withdrawn with invoices still owed (held, or its update cannot be sent): the claim's
        // reason is a person's, not that of one invoice (a dispute of one is no dispute of all).
        if stuck.is_some() && fates.iter().any(|f| f.reason != reason) {
            reason = withdrawal::WithdrawalReason::Manual;
        }
        if stuck.is_some() || detail.chars().count() > incasso_intake::validate::MAX_TEXT {
            // Each invoice carries its own detail; the claim's says what they come to, where
            // the list of them is too long for the schema (a withdrawal with it was refused).
            detail = summary(&fates, stuck.map(|_| why_stuck.as_str()));
        }
        if let Some((was, open_now)) = lowered {
            // The agency would chase money the creditor has: withdrawn until the amounts can be
            // computed (or sent) again, when the claim is reopened at what is still owed.
            let said = format!(
                "paid or credited in part since it was sent (principal {} {} now {}), and \
                 {why_stuck}; {detail}",
                s.currency,
                incasso_core::money::format_cents(was),
                incasso_core::money::format_cents(open_now)
            );
            detail = said
                .chars()
                .take(incasso_intake::validate::MAX_TEXT)
                .collect();
        }
        let revision = s.revision.max(s.accepted_revision) + 1;
        // Several invoices: each on a line of its own, as a person reads them; of a claim whose
        // update cannot be sent, those it no longer claims, and how many are still owed.
        let shown = match stuck {
            Some(st) => {
                let owed = s
                    .items
                    .iter()
                    .filter(|n| st.claimed.contains(&normalised(n)))
                    .count();
                let gone: String = fates
                    .iter()
                    .filter(|f| !st.claimed.contains(&normalised(&f.number)))
                    .map(|f| format!("\n  {}", f.detail))
                    .collect();
                format!("{gone}\n  {owed} other invoice(s) still owed: {why_stuck}; settle them with the agency by hand")
            }
            None if lowered.is_none() && fates.len() > 1 => {
                fates.iter().map(|f| format!("\n  {}", f.detail)).collect()
            }
            None => format!(" {detail}"),
        };
        let w = schema::Withdrawal {
            claim_id: s.claim_id.clone(),
            revision,
            reason,
            date,
            detail,
            items: fates.into_iter().map(schema::WithdrawnItem::from).collect(),
        };
        let fingerprint = withdrawal_basis(&w);
        if s.state == SubmissionState::Rejected && s.basis == fingerprint {
            say!(
                rep,
                "withdrawal of claim {} was rejected before and has not changed: {}",
                s.claim_id,
                s.reasons.join("; ")
            );
            tally.rejected += 1;
            continue;
        }
        say!(
            rep,
            "withdrawing claim {} of debtor {} (revision {revision}): {}:{shown}",
            s.claim_id,
            s.debtor,
            reason.code()
        );
        ready.push(Ready {
            payload: Payload::Withdrawal(w),
            record: Submission {
                revision,
                state: SubmissionState::Sent,
                basis: fingerprint,
                total: "0.00".into(),
                batch_key: String::new(),
                reasons: Vec::new(),
                updated_at: Utc::now(),
                withdrawal: Some(reason.code().to_string()),
                // Withdrawn while held for a person, it stays so: the books that would reopen it
                // may still lack what the agency knew.
                taken_over: s.taken_over && per_item,
                held: if s.taken_over && per_item {
                    s.held.clone()
                } else {
                    Vec::new()
                },
                held_received: if s.taken_over && per_item {
                    s.held_received.clone()
                } else {
                    Vec::new()
                },
                receipts_counted: receipts_booked(s),
                ..s.clone()
            },
        });
    }
}
