//! Status back from the agency (`incasso submissions --refresh`, and a step of the nightly run):
//! this creditor's page of the agency's change feed is read from where the last refresh
//! stopped; each claim's status is recorded on its submission, and every amount the agency
//! collected is booked in the ledger as a payment allocated to the claim's invoices, oldest
//! first, so a debtor who paid the agency is not chased for it again.
//!
//! Booking is idempotent and survives a crash at any point: a receipt's payment id is
//! `agency:CLAIM:RECEIPT`, the ledger keeps a payment once, an allocation is added only when
//! missing, and the feed's cursor moves only after the page is booked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;
use incasso_core::matching::ManualDecision;
use incasso_core::model::{
    DocumentKey, DocumentKind, Location, Payment, PaymentKind, Provenance, Source, SourceKind,
};
use incasso_core::money::{Currency, Money};
use incasso_intake::client::{Auth, Feed};
use incasso_intake::schema::Change;
use incasso_store::{AgencyRecord, Store, Submission, SubmissionState};
use rust_decimal::Decimal;

use crate::{complain, say, Reporter, Workspace};

/// What a refresh read and booked.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Refreshed {
    /// Entries of the feed read.
    pub changes: usize,
    /// Claims whose status changed.
    pub statuses: usize,
    /// Amounts booked now: (claim, receipt id, date, amount, currency).
    pub booked: Vec<(String, String, chrono::NaiveDate, String, String)>,
    /// What could not be booked and needs a person (a reversed receipt, an unknown claim).
    pub held: Vec<String>,
    /// Claims the agency holds at a revision this store did not know (a store restored from a
    /// backup), taken over from the feed.
    pub taken_over: usize,
    /// Claims whose revision the agency no longer holds (its store restored from a backup),
    /// to be sent again.
    pub lost_at_agency: usize,
    /// The receipts held in this refresh (claim, receipt): the ones held before are named again.
    #[serde(skip)]
    held_now: HashSet<(String, String)>,
}

/// Reads the agency's changes since the last refresh and books them (see the module).
pub fn refresh(
    ws: &Workspace,
    agency_file: Option<&Path>,
    auth: Option<Auth>,
    rep: &dyn Reporter,
) -> Result<Refreshed> {
    let (agency, auth) = match auth {
        Some(auth) => {
            let file =
                agency_file.map_or_else(|| ws.data_dir().join("agency.toml"), Path::to_path_buf);
            (super::agency::agency_settings(&file)?, auth)
        }
        None => super::agency::agency(ws.data_dir(), agency_file)?,
    };
    let client = agency.client(auth)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the network runtime")?;
    let store = ws.store()?;
    let mut cursor = store.agency_cursor()?.unwrap_or_else(|| "0".into());
    let mut out = Refreshed::default();
    let mut reset = false;
    let started = Utc::now();
    // The revisions the agency accepted since the feed was last read through: the feed must
    // show them. When it does not, the agency's store was put back to a point at or before the
    // cursor (no 410 tells it then), and the feed is read again from the start (review 41e).
    let mut expected: HashMap<String, u32> = match store.agency_read_at()? {
        Some(read_at) => store
            .submissions()?
            .into_iter()
            .filter(|s| {
                s.accepted_revision > 0
                    && s.state != SubmissionState::Sent
                    && !s.taken_over
                    && s.updated_at > read_at
            })
            .map(|s| (s.claim_id, s.accepted_revision))
            .collect(),
        None => HashMap::new(),
    };
    // Read again from the start after a reset: each claim's latest revision at the agency, and
    // whether it is withdrawn there.
    let mut at_agency: HashMap<String, (u32, bool)> = HashMap::new();
    loop {
        let read = |claims: bool| {
            runtime
                .block_on(client.changes(&cursor, claims))
                .map_err(|e| anyhow::anyhow!("reading the agency's changes: {e}"))
        };
        // The store's records, read once for each page that has changes.
        let mut known = HashMap::new();
        let page = match read(false)? {
            Feed::Page(p) => {
                if !p.changes.is_empty() {
                    known = submissions_by_id(store)?;
                }
                // Revisions this store did not send are read again with the claims, to take
                // them over.
                if sent_elsewhere(&known, &p.changes) {
                    match read(true)? {
                        Feed::Page(with_claims) => with_claims,
                        _ => p,
                    }
                } else {
                    p
                }
            }
            Feed::Reset if !reset && cursor != "0" => {
                // Booking is idempotent: reading everything again books nothing twice.
                complain!(
                    rep,
                    "the agency's change feed was reset (a restored or moved database): reading it again from the start"
                );
                reset = true;
                cursor = "0".into();
                continue;
            }
            Feed::Reset => anyhow::bail!("the agency's change feed refuses even its start"),
            Feed::NotOffered if store.agency_cursor()?.is_some() => anyhow::bail!(
                "the agency's intake server answers 404 for its change feed (GET /v1/changes), though this store read it before: a wrong URL, or a server put back to an older version? Nothing booked"
            ),
            Feed::NotOffered => {
                say!(
                    rep,
                    "the agency's intake server has no change feed (GET /v1/changes answered 404): no status read"
                );
                return Ok(out);
            }
        };
        let theirs = page
            .changes
            .iter()
            .filter(|c| c.creditor != agency.creditor)
            .count();
        anyhow::ensure!(
            theirs == 0,
            "the agency's feed gave {theirs} change(s) of another creditor than {}: nothing booked",
            agency.creditor
        );
        out.changes += page.changes.len();
        let source = Source {
            kind: SourceKind::Api,
            name: format!("{}/v1/changes", agency.url.trim_end_matches('/')),
            content_hash: blake3::hash(serde_json::to_string(&page.changes)?.as_bytes())
                .to_hex()
                .to_string(),
        };
        for c in page.changes.iter().filter(|c| c.event != "status") {
            if expected.get(&c.claim_id).is_some_and(|&r| c.revision >= r) {
                expected.remove(&c.claim_id);
            }
            if reset {
                let e = at_agency.entry(c.claim_id.clone()).or_insert((0, false));
                if c.revision >= e.0 {
                    *e = (c.revision, c.event == "withdrawn");
                }
            }
        }
        let before = out.taken_over;
        book_page(
            store,
            &mut known,
            &page.changes,
            &page.next,
            source,
            &mut out,
            rep,
        )?;
        if out.taken_over > before {
            complain!(
                rep,
                "{} claim(s) the agency holds at a revision this store did not send (a store restored from a backup?) taken over from its change feed: the next submission compares the books with what the agency holds",
                out.taken_over - before
            );
        }
        if !page.more || page.next == cursor {
            if !reset && !expected.is_empty() {
                let (claim, revision) = expected.iter().next().expect("one");
                complain!(
                    rep,
                    "the agency's change feed does not show revision {revision} of claim {claim} (and {} more) that it accepted since the feed was last read (its store put back from a backup?): reading it again from the start",
                    expected.len() - 1
                );
                reset = true;
                cursor = "0".into();
                continue;
            }
            break;
        }
        cursor = page.next;
    }
    if reset {
        out.lost_at_agency = lost_at_agency(store, &at_agency, rep)?;
    }
    store.record_agency_read_at(started)?;
    // A receipt held on an earlier refresh waits for a person until the agency corrects it or
    // a person books it: each refresh names it again (review 45b, F-2: it was told one night).
    for s in store.submissions()? {
        for (receipt, why) in s.agency.iter().flat_map(|a| &a.unbooked) {
            if !out
                .held_now
                .contains(&(s.claim_id.clone(), receipt.clone()))
            {
                let why = format!("still held from an earlier refresh: {why}");
                complain!(rep, "{why}");
                out.held.push(why);
            }
        }
    }
    Ok(out)
}

/// After the agency's feed was reset and read again from the start: the claims whose revision
/// the agency accepted and no longer holds (its store put back from a backup) are recorded at
/// the revision it holds, with nothing known of what they rest on, or forgotten when it holds
/// none of them, so the next submission sends the books' truth again (review 41d: a claim
/// withdrawn as paid stayed open at the agency, and a part payment was claimed again). How
/// many.
fn lost_at_agency(
    store: &Store,
    at_agency: &HashMap<String, (u32, bool)>,
    rep: &dyn Reporter,
) -> Result<usize> {
    let mut rewrite = Vec::new();
    let mut forget = Vec::new();
    for s in store.submissions()? {
        // A batch on its way is settled by sending it again under its key.
        if s.state == SubmissionState::Sent || s.accepted_revision == 0 {
            continue;
        }
        let holds = at_agency.get(&s.claim_id).copied();
        if holds.is_some_and(|(revision, _)| revision >= s.accepted_revision) {
            continue;
        }
        complain!(
            rep,
            "the agency no longer holds revision {} of claim {} ({}; its store put back from a backup?): the next submission sends what the books say again",
            s.accepted_revision,
            s.claim_id,
            holds.map_or("it holds no revision of it".to_string(), |(r, w)| format!(
                "it holds revision {r}{}",
                if w { ", withdrawn" } else { "" }
            ))
        );
        match holds {
            Some((revision, withdrawn)) => rewrite.push(Submission {
                revision,
                accepted_revision: revision,
                state: if withdrawn {
                    SubmissionState::Withdrawn
                } else {
                    SubmissionState::Accepted
                },
                basis: String::new(),
                withdrawal: if withdrawn {
                    s.withdrawal.clone()
                } else {
                    None
                },
                reasons: vec![format!(
                    "the agency lost revision {} (its store put back from a backup?)",
                    s.accepted_revision
                )],
                ..s
            }),
            None => forget.push(s.claim_id),
        }
    }
    store.agency_lost(&rewrite, &forget)?;
    Ok(rewrite.len() + forget.len())
}

/// The highest revision of a claim this store knows the agency has, or may have: the one it
/// accepted, or one on its way (its answer not yet recorded). A revision the agency refused is
/// not the agency's: one it holds under that number came from elsewhere.
fn sent_revision(s: &Submission) -> u32 {
    if s.state == SubmissionState::Sent {
        s.revision.max(s.accepted_revision)
    } else {
        s.accepted_revision
    }
}

/// Whether the agency accepted a claim's revision above any this store sent ([`take_over`]).
fn sent_elsewhere(known: &HashMap<String, Submission>, changes: &[Change]) -> bool {
    changes
        .iter()
        .filter(|c| c.event == "new" || c.event == "update")
        .any(|c| {
            known
                .get(&c.claim_id)
                .is_none_or(|s| c.revision > sent_revision(s))
        })
}

/// Every claim's submission record, by claim id.
fn submissions_by_id(store: &Store) -> Result<HashMap<String, Submission>> {
    Ok(store
        .submissions()?
        .into_iter()
        .map(|s| (s.claim_id.clone(), s))
        .collect())
}

/// Takes over what the agency accepted at a revision above any this store sent: a store restored
/// from a backup (or rebuilt from the books) does not know the claims and revisions it sent since,
/// so it would never withdraw a claim paid since, and every update or new claim would be refused
/// for a revision the agency has. Each is recorded as the agency holds it (its items and basis),
/// so the next submission compares the books with that and sends the next revision. `known`
/// (the store's records) learns them too. How many.
fn take_over(
    store: &Store,
    known: &mut HashMap<String, Submission>,
    changes: &[Change],
) -> Result<usize> {
    let mut learned: BTreeMap<&str, Submission> = BTreeMap::new();
    for c in changes {
        let current = learned
            .get(c.claim_id.as_str())
            .or_else(|| known.get(&c.claim_id));
        if c.revision <= current.map_or(0, sent_revision) {
            continue;
        }
        let record = match (&c.claim, &c.withdrawal, current) {
            (Some(claim), _, _) => Submission {
                claim_id: claim.claim_id.clone(),
                debtor: claim.debtor.id.clone(),
                currency: claim.currency.clone(),
                revision: c.revision,
                state: SubmissionState::Accepted,
                accepted_revision: c.revision,
                basis: incasso_intake::outgoing::basis(claim),
                items: claim.items.iter().map(|i| i.number.clone()).collect(),
                total: claim.total.to_string(),
                batch_key: c.batch_id.clone().unwrap_or_default(),
                reasons: Vec::new(),
                updated_at: c.at,
                withdrawal: None,
                agency: current.and_then(|s| s.agency.clone()),
                principal: Some(
                    claim
                        .items
                        .iter()
                        .map(|i| i.open)
                        .sum::<Decimal>()
                        .to_string(),
                ),
                taken_over: true,
                held: claim
                    .items
                    .iter()
                    .map(|i| (i.number.clone(), i.open.to_string()))
                    .collect(),
                held_received: claim
                    .payments
                    .iter()
                    .chain(&claim.credit_notes)
                    .map(|r| r.reference.clone())
                    .collect(),
                // The agency's own receipts the revision lists as payments.
                receipts_counted: claim
                    .payments
                    .iter()
                    .filter_map(|r| {
                        r.reference
                            .strip_prefix(&format!("agency:{}:", claim.claim_id))
                            .map(str::to_string)
                    })
                    .collect(),
            },
            (None, Some(w), Some(s)) => Submission {
                revision: c.revision,
                state: SubmissionState::Withdrawn,
                accepted_revision: c.revision,
                basis: super::plan::withdrawal_basis(w),
                total: "0.00".into(),
                batch_key: c.batch_id.clone().unwrap_or_default(),
                reasons: Vec::new(),
                updated_at: c.at,
                withdrawal: Some(w.reason.code().to_string()),
                taken_over: true,
                held: Vec::new(),
                held_received: Vec::new(),
                receipts_counted: s
                    .agency
                    .iter()
                    .flat_map(|a| a.collected.iter().map(|(id, _, _)| id.clone()))
                    .collect(),
                ..s.clone()
            },
            // A status, or the withdrawal of a claim never heard of: the agency collects nothing.
            _ => continue,
        };
        learned.insert(&c.claim_id, record);
    }
    let learned: Vec<Submission> = learned.into_values().collect();
    store.take_over_submissions(&learned)?;
    let n = learned.len();
    known.extend(learned.into_iter().map(|s| (s.claim_id.clone(), s)));
    Ok(n)
}

/// Books one page of the feed, then records its statuses and moves the cursor past it.
fn book_page(
    store: &Store,
    known: &mut HashMap<String, Submission>,
    changes: &[Change],
    next: &str,
    source: Source,
    out: &mut Refreshed,
    rep: &dyn Reporter,
) -> Result<()> {
    out.taken_over += take_over(store, known, changes)?;
    // The latest status of each claim on the page.
    let mut latest: BTreeMap<&str, &Change> = BTreeMap::new();
    for c in changes.iter().filter(|c| c.status.is_some()) {
        latest.insert(&c.claim_id, c);
    }
    if latest.is_empty() {
        store.record_agency_status(&[], next)?;
        return Ok(());
    }
    let creditor = store.creditor()?;
    let today = Utc::now().date_naive();
    let source = Arc::new(source);
    let mut payments = Vec::new();
    let mut decisions = Vec::new();
    let mut statuses = Vec::new();
    let booked_before = out.booked.len();
    for (claim_id, change) in &latest {
        let status = change.status.as_ref().expect("filtered on a status");
        let Some(sub) = known.get(*claim_id) else {
            let why = format!(
                "the agency reports on claim {claim_id}, which this ledger never sent: nothing booked"
            );
            complain!(rep, "{why}");
            out.held.push(why);
            continue;
        };
        let before: HashSet<&str> = sub
            .agency
            .iter()
            .flat_map(|a| a.collected.iter().map(|(id, _, _)| id.as_str()))
            .collect();
        let mut unbooked: Vec<(String, String)> = sub
            .agency
            .as_ref()
            .map(|a| a.unbooked.clone())
            .unwrap_or_default();
        // What the agency collected and was booked since the claim's last revision was worked
        // out: it lowers what is still owed, against which a new receipt is weighed.
        let counted: HashSet<&str> = sub.receipts_counted.iter().map(String::as_str).collect();
        let mut since: Decimal = status
            .collected
            .iter()
            .filter(|r| before.contains(r.id.as_str()) && !counted.contains(r.id.as_str()))
            .filter(|r| !unbooked.iter().any(|(id, _)| id == &r.id))
            .map(|r| r.amount)
            .sum();
        // A withdrawn claim claims nothing: money collected after is for a person to place.
        let claimed = match sub.state {
            SubmissionState::Withdrawn => Some(Decimal::ZERO),
            _ => sub.total.parse::<Decimal>().ok(),
        };
        let (currency, items) = currency_and_items(sub, &creditor)?;
        // Reversals first: money a bounce takes back is owed again before a new receipt is
        // weighed, whatever their dates (review 45e, F-1: the debtor's payment of it all, listed
        // before the bounce, was held).
        let mut new: Vec<&incasso_intake::schema::Collected> = status
            .collected
            .iter()
            .filter(|r| !before.contains(r.id.as_str()))
            .collect();
        new.sort_by_key(|r| r.amount >= Decimal::ZERO);
        for r in new {
            // Each receipt carries its own marker as the payer's account, and a reversal the
            // marker of the receipt it undoes: the ledger's reversal rule cancels exactly that
            // pair, and the invoices it paid are open again.
            let undone = r.reverses.as_deref().filter(|_| r.amount < Decimal::ZERO);
            if undone.is_none() && r.amount <= Decimal::ZERO {
                let why = format!(
                    "the agency reversed {} on {} for claim {claim_id} (receipt {}): not booked; check the claim's invoices by hand",
                    r.amount, r.date, r.id
                );
                complain!(rep, "{why}");
                out.held.push(why);
                continue;
            }
            // A reversal of a receipt held and never booked undoes nothing: the two leave the
            // held list together (what they come to is nothing either way).
            if let Some(u) = undone.filter(|u| unbooked.iter().any(|(id, _)| id == u)) {
                say!(
                    rep,
                    "the agency reversed receipt {u} of claim {claim_id} (receipt {}), which was held and never booked: nothing to undo",
                    r.id
                );
                unbooked.retain(|(id, _)| id != u);
                continue;
            }
            // A receipt the claim's last revision counts (taken over from the agency's feed) is
            // in its total already: weighed by its dates alone, and no lower what is owed
            // (review 45e, F-2).
            let in_total = counted.contains(r.id.as_str());
            if undone.is_none() {
                let weighed = if in_total { None } else { claimed };
                if let Some(why) = implausible(r, since, weighed, today) {
                    let why = format!(
                        "receipt {} of claim {claim_id} ({} {} on {}) not booked: {why}; ask the agency to correct it (a reversal and, for what it did collect, a new receipt), or if it is right, `incasso submissions --book-receipt {claim_id}:{}`",
                        r.id, r.amount, sub.currency, r.date, r.id
                    );
                    complain!(rep, "{why}");
                    out.held.push(why.clone());
                    out.held_now.insert((claim_id.to_string(), r.id.clone()));
                    unbooked.push((r.id.clone(), why));
                    continue;
                }
            }
            if !in_total {
                since += r.amount;
            }
            let location = format!(
                "change {}: claim {claim_id}, receipt {}{}",
                change.seq,
                r.id,
                undone
                    .map(|u| format!(" reversing {u}"))
                    .unwrap_or_default()
            );
            let (payment, allocations) = booking(claim_id, r, &items, currency, &source, location);
            decisions.extend(allocations);
            payments.push(payment);
            out.booked.push((
                claim_id.to_string(),
                r.id.clone(),
                r.date,
                r.amount.to_string(),
                sub.currency.clone(),
            ));
        }
        statuses.push((
            claim_id.to_string(),
            AgencyRecord {
                state: status.state.code().to_string(),
                since: status.since,
                note: status.note.clone(),
                collected: status
                    .collected
                    .iter()
                    .map(|r| (r.id.clone(), r.date, r.amount.to_string()))
                    .collect(),
                version: status.version,
                seq: change.seq,
                unbooked,
            },
        ));
    }
    // Allocations and payments first, then the statuses and cursor: a crash anywhere repeats
    // this page harmlessly.
    let new = commit_bookings(
        store,
        &source,
        payments,
        decisions,
        "the agency's status (refresh)",
    )?;
    // A receipt booked before a crash is in the ledger already: it is not reported again.
    let mut i = booked_before;
    while i < out.booked.len() {
        let (claim, receipt, ..) = &out.booked[i];
        if new.contains(&format!("agency:{claim}:{receipt}")) {
            i += 1;
        } else {
            out.booked.remove(i);
        }
    }
    for (claim, receipt, date, amount, currency) in &out.booked[booked_before..] {
        say!(
            rep,
            "booked {amount} {currency} the agency collected on {date} for claim {claim} (receipt {receipt})"
        );
    }
    out.statuses += statuses.len();
    store.record_agency_status(&statuses, next)?;
    Ok(())
}

/// Why the agency's receipt cannot be what it says (review 45a, F-2: 99,999,999,999.00 on a
/// claim of 1,436.92, a receipt dated 1900, were booked and withdrew the claim as paid): dated
/// outside the years the ledger takes or after today (a day's grace), or more than twice what is
/// still owed on the claim: its last revision's total (`claimed`, costs and interest included;
/// interest running on does not double it) less what the agency collected since (`since`).
fn implausible(
    r: &incasso_intake::schema::Collected,
    since: Decimal,
    claimed: Option<Decimal>,
    today: chrono::NaiveDate,
) -> Option<String> {
    use chrono::Datelike;
    use incasso_connectors::values::{EARLIEST_YEAR, LATEST_YEAR};
    if !(EARLIEST_YEAR..=LATEST_YEAR).contains(&r.date.year()) {
        return Some(format!(
            "its date {} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR} the ledger takes",
            r.date
        ));
    }
    if r.date > today + chrono::Days::new(1) {
        return Some(format!("its date {} is after today ({today})", r.date));
    }
    // Weighed against what the last revision claims less what came in since, not against what
    // the claim was at first (review 45c, F-1: receipts past twice the claim were booked) nor
    // against the last revision alone (review 45b, F-1: the last part of a claim paid in two,
    // the revision lowered by the first, was held).
    let owed = (claimed? - since).max(Decimal::ZERO);
    (r.amount > owed * Decimal::TWO).then(|| {
        if claimed.is_some_and(|c| c.is_zero()) {
            "the claim is withdrawn: nothing is owed on it".to_string()
        } else if owed.is_zero() {
            format!("nothing is owed on the claim any more (its last revision claims {}, and the agency collected {since} since)", claimed.unwrap_or_default())
        } else {
            format!(
                "it is more than twice the {owed} still owed on the claim (its last revision claims {}, less {since} the agency collected since)",
                claimed.unwrap_or_default()
            )
        }
    })
}

/// A claim's currency, and its invoices in the claim's order (oldest first), each as the ledger
/// keys it: what a receipt for it is booked in and allocated to.
fn currency_and_items(
    sub: &Submission,
    creditor: &incasso_core::ids::CreditorId,
) -> Result<(Currency, Vec<DocumentKey>)> {
    let currency = Currency::parse(&sub.currency)
        .map_err(|e| anyhow::anyhow!("claim {}: currency {}: {e}", sub.claim_id, sub.currency))?;
    let items = sub
        .items
        .iter()
        .map(|n| DocumentKey {
            creditor: creditor.clone(),
            kind: DocumentKind::Invoice,
            number: crate::claims::normalised(n),
        })
        .collect();
    Ok((currency, items))
}

/// A receipt as a payment in the ledger, with the decisions that allocate it to the claim's
/// invoices oldest first. Each receipt carries its own marker as the payer's account, and a
/// reversal the marker of the receipt it undoes: the ledger's reversal rule cancels exactly that
/// pair, and the invoices it paid are open again.
fn booking(
    claim_id: &str,
    r: &incasso_intake::schema::Collected,
    items: &[DocumentKey],
    currency: Currency,
    source: &Arc<Source>,
    location: String,
) -> (Payment, Vec<ManualDecision>) {
    let undone = r.reverses.as_deref().filter(|_| r.amount < Decimal::ZERO);
    let id = format!("agency:{claim_id}:{}", r.id);
    let decisions = match undone {
        Some(_) => Vec::new(),
        None => items
            .iter()
            .map(|doc| ManualDecision::Allocate {
                payment: id.clone(),
                document: doc.clone(),
                amount: None,
            })
            .collect(),
    };
    let marked = undone.unwrap_or(&r.id);
    let payment = Payment {
        id,
        date: r.date,
        amount: Money::new(r.amount, currency),
        kind: if undone.is_some() {
            PaymentKind::Reversal
        } else {
            PaymentKind::Incoming
        },
        account: None,
        counterparty_name: None,
        counterparty_account: Some(format!("AGENCY:{claim_id}:{marked}")),
        remittance: None,
        structured_reference: None,
        end_to_end_id: None,
        provenance: Provenance {
            source: source.clone(),
            location: Location::ApiRecord(location),
        },
    };
    (payment, decisions)
}

/// Writes receipts' allocations (an allocation to a payment not yet in the ledger waits for it),
/// then the payments; the ids of the payments new to the ledger. A crash anywhere repeats this
/// harmlessly.
fn commit_bookings(
    store: &Store,
    source: &Source,
    payments: Vec<Payment>,
    decisions: Vec<ManualDecision>,
    why: &str,
) -> Result<HashSet<String>> {
    if !decisions.is_empty() {
        let had: HashSet<(String, DocumentKey)> = store
            .decisions()?
            .into_iter()
            .filter_map(|d| match d {
                ManualDecision::Allocate {
                    payment, document, ..
                } => Some((payment, document)),
                ManualDecision::Unallocate { .. } => None,
            })
            .collect();
        for d in decisions {
            if let ManualDecision::Allocate {
                payment, document, ..
            } = &d
            {
                if !had.contains(&(payment.clone(), document.clone())) {
                    store.add_decision(&d, Utc::now(), why)?;
                }
            }
        }
    }
    let mut new = HashSet::new();
    if !payments.is_empty() {
        let mut tx = store.begin_import(source.clone(), Utc::now())?;
        for p in payments {
            let fingerprint = u128::from_le_bytes(
                blake3::hash(format!("agency-receipt\0{}", p.id).as_bytes()).as_bytes()[..16]
                    .try_into()
                    .expect("16 bytes"),
            );
            let id = p.id.clone();
            if tx.add_payment(p, fingerprint)? {
                new.insert(id);
            }
        }
        if !tx.is_empty() {
            tx.commit()?;
        }
    }
    Ok(new)
}

/// Books a receipt the refresh held (`incasso submissions --book-receipt CLAIM:RECEIPT`): a
/// person says it is right. Allocated to the claim's invoices as any receipt; what exceeds them
/// stays unapplied cash on the debtor.
pub fn book_held_receipt(ws: &Workspace, claim_id: &str, receipt: &str) -> Result<String> {
    let store = ws.store()?;
    let sub = store
        .submissions()?
        .into_iter()
        .find(|s| s.claim_id == claim_id)
        .ok_or_else(|| anyhow::anyhow!("there is no claim {claim_id} in the submissions"))?;
    let Some(mut agency) = sub.agency.clone() else {
        anyhow::bail!("the agency reported nothing on claim {claim_id}");
    };
    anyhow::ensure!(
        agency.unbooked.iter().any(|(id, _)| id == receipt),
        "receipt {receipt} of claim {claim_id} is not held: only a receipt the refresh held (`incasso submissions`, column receipts_not_booked) is booked so"
    );
    let (_, date, amount) = agency
        .collected
        .iter()
        .find(|(id, _, _)| id == receipt)
        .ok_or_else(|| {
            anyhow::anyhow!("the agency's record of claim {claim_id} lists no receipt {receipt}")
        })?
        .clone();
    let r = incasso_intake::schema::Collected {
        id: receipt.to_string(),
        date,
        amount: amount.parse().map_err(|e| {
            anyhow::anyhow!("receipt {receipt} of claim {claim_id}: amount {amount}: {e}")
        })?,
        reverses: None,
    };
    let (currency, items) = currency_and_items(&sub, &store.creditor()?)?;
    let source = Arc::new(Source {
        kind: SourceKind::Manual,
        name: "incasso submissions --book-receipt".into(),
        content_hash: blake3::hash(format!("{claim_id}\0{receipt}").as_bytes())
            .to_hex()
            .to_string(),
    });
    let (payment, decisions) = booking(
        claim_id,
        &r,
        &items,
        currency,
        &source,
        format!("claim {claim_id}, receipt {receipt}, held and booked by a person"),
    );
    commit_bookings(
        store,
        &source,
        vec![payment],
        decisions,
        "a receipt the agency reported, held and booked by a person",
    )?;
    agency.unbooked.retain(|(id, _)| id != receipt);
    store.record_unbooked(claim_id, &agency.unbooked)?;
    Ok(format!(
        "booked {} {} the agency collected on {date} for claim {claim_id} (receipt {receipt})",
        r.amount, sub.currency
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use incasso_intake::schema::Collected;

    fn receipt(date: &str, amount: &str) -> Collected {
        Collected {
            id: "r".into(),
            date: date.parse().unwrap(),
            amount: amount.parse().unwrap(),
            reverses: None,
        }
    }

    #[test]
    fn a_receipt_is_weighed_against_the_ledger_s_years_today_and_what_is_still_owed() {
        let today = "2026-07-01".parse().unwrap();
        let dec = |s: &str| s.parse::<Decimal>().unwrap();
        let weigh = |date, amount, since: &str, claimed: &str| {
            implausible(
                &receipt(date, amount),
                dec(since),
                Some(dec(claimed)),
                today,
            )
        };
        assert!(weigh("1900-01-01", "10.00", "0", "1436.92")
            .unwrap()
            .contains("1990 to 2100"));
        assert!(weigh("2026-07-03", "10.00", "0", "1436.92")
            .unwrap()
            .contains("after today"));
        assert_eq!(
            weigh("2026-07-02", "10.00", "0", "1436.92"),
            None,
            "a day's grace"
        );
        assert!(weigh("2026-06-25", "99999999999.00", "0", "1436.92")
            .unwrap()
            .contains("more than twice the 1436.92 still owed"));
        assert_eq!(
            weigh("2026-06-25", "2873.84", "0", "1436.92"),
            None,
            "twice"
        );
        assert!(weigh("2026-06-25", "2873.85", "0", "1436.92").is_some());
        // 800.00 collected, counted by the update that lowered the claim to 634.47: the rest,
        // 636.92, is the claim paid (review 45b, F-1).
        assert_eq!(weigh("2026-06-29", "636.92", "0", "634.47"), None);
        // No update between: 1,500.00 collected on 1,436.92, then 1,800.00 more (review 45c,
        // F-1).
        assert!(weigh("2026-06-29", "1800.00", "1500.00", "1436.92")
            .unwrap()
            .contains("nothing is owed on the claim any more"));
        // The counted 800.00 bounced (its reversal since), and the debtor pays it all (review
        // 45c, F-2).
        assert_eq!(weigh("2026-06-29", "1436.92", "-800.00", "634.47"), None);
        assert!(weigh("2026-06-29", "0.01", "0", "0").is_some(), "withdrawn");
        assert_eq!(
            implausible(
                &receipt("2026-06-25", "5000.00"),
                Decimal::ZERO,
                None,
                today
            ),
            None,
            "no total known: only the dates"
        );
    }
}
