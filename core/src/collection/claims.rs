//! Claims: one per debtor and currency, holding every qualifying item, with the law's amounts;
//! and, for every overdue item that does not qualify, the reason why.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::policy::{CreditorDetails, Policy};
use super::rules::possible_payment::{self, Gate, Unapplied};
use super::rules::{debtor_rules, item_rules, DebtorContext, DebtorRule, ItemContext};
use super::{LetterTerm, PaymentPlan, PlanState, Reminder};
use crate::ageing::OpenItem;
use crate::ids::{CreditorId, DebtorId};
use crate::law::basis::{self, Basis};
use crate::law::claim::{
    calculate_with, ClaimInput, ClaimResult, InterestSegment, InvoiceInput, PaymentInput,
    ReminderInput,
};
use crate::law::rates::{RateKind, RateTables};
use crate::law::LawError;
use crate::law::{DebtorType, Jurisdiction};
use crate::model::{AttachmentRef, Debtor, DocumentKey, DocumentKind};
use crate::money::{format_cents, Currency};

use crate::law::nl::BESLUIT_IN_FORCE;

/// One invoice in a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimItem {
    /// Invoice number as the creditor wrote it.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Invoice total.
    #[serde(with = "crate::law::cents")]
    pub original: Decimal,
    /// Open before unapplied credit.
    #[serde(with = "crate::law::cents")]
    pub open: Decimal,
    /// Open after the debtor's unapplied credit, oldest first: the principal claimed.
    #[serde(with = "crate::law::cents")]
    pub claimed: Decimal,
    /// Days past due.
    pub days_overdue: i64,
    /// Whether the source gave no due date nor term, and the due date is the statutory 30 days
    /// after the invoice (see [`crate::model::Document::due_assumed`]).
    #[serde(default)]
    pub due_assumed: bool,
    /// First day of default: the day after the due date (a fatal term, art. 6:83 sub a BW;
    /// art. 4 Wet 2 augustus 2002). Without an agreed term: for a Dutch consumer the day after
    /// the first 14-day letter's term (art. 6:82 BW), for a business the day after the statutory
    /// 30 days moved past a weekend or holiday (`collection::last_day_before_default`).
    pub default_date: NaiveDate,
    /// First day interest runs, when it runs by the claim's date (a Belgian consumer's only
    /// after the reminder's term).
    pub interest_from: Option<NaiveDate>,
    /// Where the invoice came from.
    pub source: String,
    /// Files that came with the invoice (by content hash), for the agency.
    pub attachments: Vec<AttachmentRef>,
}

/// The creditor as a claim names it: the administration's id and the details of `[creditor]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCreditor {
    /// The administration's id in the store.
    pub id: String,
    /// Legal name, address, KvK / enterprise number, VAT number, IBAN, e-mail.
    #[serde(flatten)]
    pub details: CreditorDetails,
}

/// A 14-day letter on file with the term it gave, as the claim's costs count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterOnFile {
    /// The letter as recorded.
    #[serde(flatten)]
    pub letter: Reminder,
    /// Sent, received (presumed or recorded), first and last day of the term, costs from.
    pub term: LetterTerm,
}

/// The law each part of a claim rests on (cost lines carry theirs in `amounts.costs_trace`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimBasis {
    /// Why the items' default dates are what they are.
    pub default_date: Basis,
    /// The rule of the letter's term, when a letter counts.
    pub fourteen_day_letter: Option<Basis>,
    /// The interest's article.
    pub interest: Basis,
}

/// A claim on one debtor in one currency, ready to preview or send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Deterministic id: the same creditor, debtor, currency and invoices give the same id.
    pub id: String,
    /// The creditor, with what letters and courts need of it.
    pub creditor: ClaimCreditor,
    /// The debtor.
    pub debtor: Debtor,
    /// Law applied.
    pub jurisdiction: Jurisdiction,
    /// Consumer or business, as applied.
    pub debtor_type: DebtorType,
    /// Currency of every amount.
    pub currency: Currency,
    /// The date the amounts are computed for.
    pub as_of: NaiveDate,
    /// Qualifying invoices, oldest due first.
    pub items: Vec<ClaimItem>,
    /// Unapplied credit of the debtor set off against the items.
    #[serde(with = "crate::law::cents")]
    pub credit_applied: Decimal,
    /// Principal, costs, interest and totals, with traces.
    pub amounts: ClaimResult,
    /// The 14-day letter the costs rest on, if any, with its term.
    pub fourteen_day_letter: Option<LetterOnFile>,
    /// Every letter sent to the debtor.
    pub reminders: Vec<Reminder>,
    /// The articles and rulings the claim applies.
    pub legal_basis: ClaimBasis,
}

/// An overdue item that does not go, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// The debtor.
    pub debtor: String,
    /// Invoice number.
    pub number: String,
    /// Currency.
    pub currency: Currency,
    /// Open amount.
    #[serde(with = "crate::law::cents")]
    pub open: Decimal,
    /// Due date.
    pub due_date: NaiveDate,
    /// Days past due.
    pub days_overdue: i64,
    /// Id of the rule that stopped it.
    #[serde(deserialize_with = "known_rule")]
    pub rule: RuleId,
    /// Why, in plain words.
    pub reason: String,
    /// The payment a possible-payment hold names: what a person's "not this payment" releases
    /// it with (not in the output; the reason names it in words).
    #[serde(skip)]
    pub payment: Option<String>,
}

/// The outcome of a claims run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsPreview {
    /// Claims that qualify.
    pub claims: Vec<Claim>,
    /// Overdue items that do not, with reasons.
    pub excluded: Vec<Excluded>,
}

/// Everything a claims run reads, already loaded.
pub struct Ledger<'a> {
    /// The administration.
    pub creditor: &'a CreditorId,
    /// Open items as of the date.
    pub items: &'a [OpenItem<'a>],
    /// Debtors by id.
    pub debtors: &'a [Debtor],
    /// Every letter sent.
    pub reminders: &'a [Reminder],
    /// Every payment plan.
    pub plans: &'a [PaymentPlan],
    /// Attachments (the invoice PDFs of e-invoices), by document.
    pub attachments: &'a HashMap<DocumentKey, Vec<AttachmentRef>>,
    /// Money received per debtor and currency that is not allocated (unapplied or in review).
    pub unallocated: &'a HashMap<(String, Currency), Decimal>,
    /// Every payment with money not applied, for the gate that proves an item unpaid.
    pub unapplied: &'a [Unapplied],
    /// The documents issued after the as-of date (not void): a claim as of the end of March is
    /// not sent for an invoice the books credited in April, and a debtor's credit of April
    /// (beyond what it was invoiced since) is set off against it.
    pub later: &'a [OpenItem<'a>],
    /// Numbers (normalised) of an API's marked documents whose number as their source wrote it
    /// another document has (see [`crate::ids::DocumentNumber::unmarked`]).
    pub twins: &'a HashSet<String>,
    /// The payments applied to each open invoice, by its number as written, with their dates
    /// ([`crate::reconcile::PaidOn`]): interest runs on each until then, and one made after the
    /// costs fell due leaves them.
    pub paid: &'a HashMap<&'a str, Vec<(NaiveDate, Decimal)>>,
    /// Documents two sources describe differently, waiting for a person to choose (by kind and
    /// normalised number, with why in words): the stored version may be the wrong one, so they
    /// are held.
    pub conflicts: &'a HashMap<(DocumentKind, String), String>,
    /// Documents read only from the last row of a file that ends without a line end (by kind and
    /// normalised number, with why in words): a download cut short inside that row still parses,
    /// so they are held until another import lists them.
    pub unconfirmed: &'a HashMap<(DocumentKind, String), String>,
}

/// A stable 64-bit FNV-1a hash, so claim ids never change with the Rust version.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The claim id of a creditor's claim on a debtor for some invoices in a currency.
pub fn claim_id(creditor: &str, debtor: &str, currency: Currency, numbers: &[String]) -> String {
    let mut sorted: Vec<&str> = numbers.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    format!(
        "CLM-{:016x}",
        fnv(&format!(
            "{creditor}\u{1f}{debtor}\u{1f}{currency}\u{1f}{}",
            sorted.join("\u{1f}")
        ))
    )
}

/// Decides, as of a date, which overdue items qualify, and builds one claim per debtor and
/// currency with the law's amounts. Pure: the same ledger and policy give the same preview.
pub fn preview(
    ledger: &Ledger<'_>,
    policy: &Policy,
    tables: &RateTables,
    as_of: NaiveDate,
) -> ClaimsPreview {
    let debtors: HashMap<&str, &Debtor> =
        ledger.debtors.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut reminders: HashMap<&str, Vec<Reminder>> = HashMap::new();
    for r in ledger.reminders {
        reminders
            .entry(r.debtor.as_str())
            .or_default()
            .push(r.clone());
    }
    let mut by_debtor: HashMap<(&str, Currency), Vec<&OpenItem<'_>>> = HashMap::new();
    let mut credit: HashMap<(&str, Currency), Decimal> = HashMap::new();
    let mut open_by_number: HashMap<String, Decimal> = HashMap::new();
    for it in ledger.items {
        match it.kind {
            DocumentKind::CreditNote => {
                *credit.entry((it.debtor.as_str(), it.currency)).or_default() -= it.open;
            }
            DocumentKind::Invoice => {
                if !ledger.plans.is_empty() {
                    open_by_number.insert(it.number.normalised().into_owned(), it.open);
                }
                if it.due_date < as_of && it.open > Decimal::ZERO {
                    by_debtor
                        .entry((it.debtor.as_str(), it.currency))
                        .or_default()
                        .push(it);
                }
            }
        }
    }
    let credited = Credited::of(ledger);
    for (&key, &more) in &credited.later_credit {
        *credit.entry(key).or_default() += more;
    }
    let mut plans: HashMap<&str, Vec<(PaymentPlan, PlanState)>> = HashMap::new();
    for p in ledger.plans {
        let open_now: Decimal = p
            .items
            .iter()
            .filter_map(|n| open_by_number.get(n.normalised().as_ref()))
            .sum();
        let state = p.state(open_now, as_of, policy.plan_grace_days);
        plans
            .entry(p.debtor.as_str())
            .or_default()
            .push((p.clone(), state));
    }

    let gate = Gate::new(ledger.unapplied.to_vec()).with_twins(ledger.twins.clone());
    let in_totals = in_totals(ledger, &gate);
    let mut groups: Vec<((&str, Currency), Vec<&OpenItem<'_>>)> = by_debtor.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // Debtors are independent: judge them on every core, then join the parts in debtor order.
    let judge = |part: &mut [((&str, Currency), Vec<&OpenItem<'_>>)]| -> ClaimsPreview {
        let mut out = ClaimsPreview::default();
        for ((debtor_id, currency), items) in part.iter_mut() {
            let (debtor_id, currency) = (*debtor_id, *currency);
            let mut items = std::mem::take(items);
            items.sort_by(|a, b| {
                a.due_date
                    .cmp(&b.due_date)
                    .then_with(|| a.number.cmp(b.number))
            });
            let debtor = debtors
                .get(debtor_id)
                .copied()
                .cloned()
                .unwrap_or_else(|| Debtor::new(items[0].debtor.clone()));
            let eff = policy.for_debtor(debtor_id, debtor.kind, debtor.address.country.as_deref());
            let no_reminders = Vec::new();
            let debtor_reminders = reminders.get(debtor_id).unwrap_or(&no_reminders);
            let no_plans = Vec::new();
            let debtor_plans = plans.get(debtor_id).unwrap_or(&no_plans);
            let all_open = items.clone();
            let mut qualifying = Vec::new();
            for it in items {
                let cx = ItemContext {
                    as_of,
                    item: it,
                    policy: &eff,
                    reminders: debtor_reminders,
                    plans: debtor_plans,
                };
                match item_rules()
                    .iter()
                    .find_map(|r| r.check(&cx).map(|why| (r.id(), why)))
                    .or_else(|| held_by_ledger(it, &credited, ledger, policy, as_of))
                {
                    Some((rule, reason)) => {
                        out.excluded.push(excluded(debtor_id, it, rule, reason))
                    }
                    None => qualifying.push(it),
                }
            }
            // The gate: no item goes while money received and not applied may have paid it.
            let qualifying = gate_debtor(
                &gate,
                &in_totals,
                &debtor,
                &all_open,
                qualifying,
                &mut out.excluded,
            );
            if qualifying.is_empty() {
                continue;
            }
            let total: Decimal = qualifying.iter().map(|i| i.open).sum();
            let debtor_credit = credit
                .get(&(debtor_id, currency))
                .copied()
                .unwrap_or_default()
                .max(Decimal::ZERO);
            let dcx = DebtorContext {
                policy: &eff,
                qualifying_total: total,
                credit: debtor_credit,
                unallocated: ledger
                    .unallocated
                    .get(&(debtor_id.to_string(), currency))
                    .copied()
                    .unwrap_or_default(),
            };
            if let Some((rule, reason)) = debtor_rules()
                .iter()
                .find_map(|r| r.check(&dcx).map(|why| (r.id(), why)))
            {
                out.excluded.extend(
                    qualifying
                        .iter()
                        .map(|it| excluded(debtor_id, it, rule, reason.clone())),
                );
                continue;
            }
            let debtor_type = eff.debtor_type.expect("the debtor-type rule passed");
            // The last day before each item's default: its due date, unless no payment term was
            // agreed (see `last_day_before_default`; the item rules held a consumer's item before
            // a first 14-day letter made it due).
            let before: Vec<NaiveDate> = qualifying
                .iter()
                .map(|it| {
                    super::last_day_before_default(
                        it.number,
                        it.due_date,
                        it.due_assumed,
                        debtor_reminders,
                        eff.jurisdiction,
                        Some(debtor_type),
                    )
                    .unwrap_or(it.due_date)
                })
                .collect();
            let letter = debtor_reminders
                .iter()
                .filter(|r| {
                    r.is_fourteen_day_letter_for(eff.debtor_type)
                        && qualifying
                            .iter()
                            .zip(&before)
                            .any(|(it, &b)| r.covers(it.number, b))
                })
                .max_by_key(|r| r.sent)
                .cloned();
            let term = letter.as_ref().map(|r| r.term(eff.jurisdiction));
            let mut left = debtor_credit;
            let claim_items: Vec<ClaimItem> = qualifying
                .iter()
                .zip(&before)
                .map(|(it, &before)| {
                    let set_off = left.min(it.open);
                    left -= set_off;
                    ClaimItem {
                        number: it.number.as_str().to_string(),
                        issue_date: it.issue_date,
                        due_date: it.due_date,
                        original: it.total,
                        open: it.open,
                        claimed: it.open - set_off,
                        days_overdue: it.days_overdue,
                        due_assumed: it.due_assumed,
                        default_date: before.succ_opt().unwrap_or(before),
                        interest_from: None,
                        source: it.provenance.to_string(),
                        attachments: ledger
                            .attachments
                            .get(&DocumentKey {
                                creditor: ledger.creditor.clone(),
                                kind: it.kind,
                                number: it.number.normalised().into_owned(),
                            })
                            .cloned()
                            .unwrap_or_default(),
                    }
                })
                .collect();
            let input = ClaimInput {
                jurisdiction: eff.jurisdiction,
                debtor_type,
                creditor_vat_deductible: policy.creditor_vat_deductible,
                calculation_date: as_of,
                invoices: claim_items
                    .iter()
                    .filter(|i| i.claimed > Decimal::ZERO)
                    .map(|i| InvoiceInput {
                        id: i.number.clone(),
                        amount: i.claimed,
                        paid: ledger
                            .paid
                            .get(i.number.as_str())
                            .into_iter()
                            .flatten()
                            .map(|&(date, amount)| PaymentInput { date, amount })
                            .collect(),
                        invoice_date: i.issue_date,
                        due_date: i.due_date,
                        // Only where the default moved for want of an agreed term; otherwise
                        // the law's calculation counts it (a Belgian consumer's after the
                        // reminder's term).
                        interest_start_date: (Some(i.default_date) != i.due_date.succ_opt())
                            .then_some(i.default_date),
                    })
                    .collect(),
                payments: Vec::new(),
                reminder: letter.as_ref().zip(term).map(|(r, t)| ReminderInput {
                    sent_date: r.sent,
                    // Belgian law counts the term from sending; the deadline carries it.
                    received_date: t.received.unwrap_or(r.sent).max(r.sent),
                    states_cost_amount: r.states_costs,
                    kind: None,
                    deadline: Some(t.last_day),
                    stated_costs: r.stated_costs,
                }),
                costs_due_date: None,
                contract_has_damages_and_interest_clause: Some(eff.damages_clause()),
                b2b_minimum: Some(policy.b2b_minimum),
                agreed_costs_pct: policy.b2b_agreed_costs_pct,
            };
            // Art. 3 of the Besluit: no statutory costs when the default began before 1 July 2012;
            // of a claim with later invoices too, the costs are over those (`law::claim`).
            let before_besluit = !input.invoices.is_empty()
                && input.invoices.iter().all(|i| {
                    crate::law::nl::default_before_besluit(eff.jurisdiction, i.default_date())
                });
            // The statutory costs' bands, minimum and maximum are amounts in euros (the Besluit,
            // art. XIX.2 WER): applied to pounds or forints they would charge a consumer more
            // than the law allows, or a business far less. No exchange rate is kept, so a claim
            // in another currency carries no statutory costs, and says why.
            let foreign = currency != Currency::EUR;
            let amounts = match calculate_with(&input, &eff.rate_table(tables, debtor_type), !before_besluit && !foreign)
                .map(|mut a| {
                    if foreign && !before_besluit {
                        a.costs_note = Some(format!(
                            "no statutory collection costs: the law sets them in euros, and no exchange rate from {currency} is kept"
                        ));
                    }
                    if before_besluit {
                        a.costs_note = Some(format!(
                            "no statutory collection costs: the debtor was in default before the Besluit vergoeding voor buitengerechtelijke incassokosten took effect on {BESLUIT_IN_FORCE} ({})",
                            basis::NL_BEFORE_BESLUIT.cite()
                        ));
                    }
                    a
                }) {
                Ok(a) => a,
                Err(e) => {
                    let (rule, why) = match &e {
                        LawError::NoRate { table, date, known_until, .. } => (
                            RATE_UNKNOWN,
                            format!(
                                "held: no {} rate is known for {date} (the table is known until {known_until}); add the published rate with `incasso rates add --table {} --from {} --pct RATE --source TEXT`",
                                table,
                                table
                                    .split_whitespace()
                                    .next()
                                    .and_then(RateKind::parse)
                                    .map_or("TABLE", |k| k.name()),
                                known_until.succ_opt().unwrap_or(*known_until)
                            ),
                        ),
                        _ => (CALCULATION, e.to_string()),
                    };
                    out.excluded.extend(
                        qualifying
                            .iter()
                            .map(|it| excluded(debtor_id, it, rule, why.clone())),
                    );
                    continue;
                }
            };
            let interest_basis = amounts.interest_basis;
            let mut claim_items = claim_items;
            for item in claim_items.iter_mut() {
                item.interest_from = amounts.interest_segments.iter().find_map(|s| match s {
                    InterestSegment::Period { invoice, from, .. } if **invoice == *item.number => {
                        Some(*from)
                    }
                    _ => None,
                });
            }
            let numbers: Vec<String> = claim_items.iter().map(|i| i.number.clone()).collect();
            let no_term = claim_items.iter().any(|i| i.due_assumed);
            out.claims.push(Claim {
                id: claim_id(ledger.creditor.as_str(), debtor_id, currency, &numbers),
                creditor: ClaimCreditor {
                    id: ledger.creditor.as_str().to_string(),
                    details: policy.creditor.clone(),
                },
                debtor,
                jurisdiction: eff.jurisdiction,
                debtor_type,
                currency,
                as_of,
                items: claim_items,
                credit_applied: debtor_credit,
                amounts,
                legal_basis: ClaimBasis {
                    default_date: basis::default(eff.jurisdiction, debtor_type, no_term),
                    fourteen_day_letter: term.map(|_| basis::letter(eff.jurisdiction)),
                    interest: interest_basis,
                },
                fourteen_day_letter: letter
                    .zip(term)
                    .map(|(letter, term)| LetterOnFile { letter, term }),
                reminders: debtor_reminders.clone(),
            });
        }
        out
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let per = groups.len().div_ceil(threads).max(1);
    let parts: Vec<ClaimsPreview> = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .chunks_mut(per)
            .map(|chunk| scope.spawn(|| judge(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a claims worker panicked"))
            .collect()
    });
    let mut out = ClaimsPreview::default();
    for part in parts {
        out.claims.extend(part.claims);
        out.excluded.extend(part.excluded);
    }
    out
}

/// A rule's id: text fixed in the code, so a rule id read back (`known_rule`) is looked up among
/// the rules, not borrowed from what was read (the alias keeps serde from borrowing it).
pub type RuleId = &'static str;

/// The rule that holds an item whose amounts need a statutory rate no table covers.
pub const RATE_UNKNOWN: &str = "rate-unknown";
/// The rule that holds an item whose amounts could not be calculated otherwise.
pub const CALCULATION: &str = "calculation";
/// Rule id of an invoice a credit note names whose credit was not set off against it.
pub const CREDIT_NOTE: &str = "credit-note-names-it";
/// Rule id of an invoice a credit note issued after the as-of date names.
pub const CREDITED_LATER: &str = "credited-later";
/// Rule id of a document two sources describe differently, until a person chooses.
pub const CONFLICT: &str = "source-conflict";
/// Rule id of an invoice payments left open for no more than the fee tolerance.
pub const SHORTFALL: &str = "shortfall";
/// Rule id of a document read only from a last row that may have been cut short.
pub const UNCONFIRMED: &str = "unconfirmed-last-row";

/// A rule id read back (the claims kept in the store): one of the rules', never a new one.
fn known_rule<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let id = String::deserialize(d)?;
    item_rules()
        .iter()
        .map(|r| r.id())
        .chain(debtor_rules().iter().map(|r| r.id()))
        .chain([
            possible_payment::RULE,
            RATE_UNKNOWN,
            CALCULATION,
            CREDIT_NOTE,
            CREDITED_LATER,
            CONFLICT,
            UNCONFIRMED,
            SHORTFALL,
        ])
        .find(|known| *known == id)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown rule: {id}")))
}

/// The items of several debtors that money with no payer at all may have paid together, by
/// debtor and number, with the payment (the gate's totals, worked out once per run).
fn in_totals<'l>(
    ledger: &'l Ledger<'_>,
    gate: &Gate,
) -> HashMap<(&'l str, &'l str), possible_payment::Hold> {
    let mut held = HashMap::new();
    if !gate.has_totals() {
        return held;
    }
    let open: Vec<&OpenItem<'_>> = ledger
        .items
        .iter()
        .filter(|it| it.open != Decimal::ZERO)
        .collect();
    let names: rustc_hash::FxHashSet<String> = ledger
        .debtors
        .iter()
        .filter_map(|d| d.name.as_deref().map(crate::matching::names::name_key))
        .filter(|k| !k.is_empty())
        .collect();
    for (j, h) in gate.totals(&open, &names) {
        held.insert((open[j].debtor.as_str(), open[j].number.as_str()), h);
    }
    held
}

/// The gate over one debtor's items (in one currency) that nothing else keeps home: each is
/// held, with the payment and why, while money received and not applied may have paid it
/// (named, summed with the debtor's other items, from the debtor's own account, or in a total
/// of several debtors). `all_open` is every overdue item of the debtor in that currency, which
/// a payment from the debtor may have been meant for. Returns the items that pass.
fn gate_debtor<'i, 'a>(
    gate: &Gate,
    in_totals: &HashMap<(&str, &str), possible_payment::Hold>,
    debtor: &Debtor,
    all_open: &[&'i OpenItem<'a>],
    items: Vec<&'i OpenItem<'a>>,
    out: &mut Vec<Excluded>,
) -> Vec<&'i OpenItem<'a>> {
    let debtor_id = debtor.id.as_str();
    let payer = possible_payment::Payer::of(debtor);
    let mut cleared = Vec::with_capacity(items.len());
    for it in items {
        match gate.item(it, it.payment_reference, &payer) {
            Some(h) => out.push(held(debtor_id, it, h)),
            None => cleared.push(it),
        }
    }
    if let Some((summed, h)) = gate.debtor_sums(&cleared) {
        for &j in &summed {
            out.push(held(debtor_id, cleared[j], h.clone()));
        }
        let mut j = 0;
        cleared.retain(|_| {
            j += 1;
            !summed.contains(&(j - 1))
        });
    }
    let from_debtor = gate.payer(&payer, all_open, &cleared);
    for (j, h) in &from_debtor {
        out.push(held(debtor_id, cleared[*j], h.clone()));
    }
    let mut j = 0;
    cleared.retain(|_| {
        j += 1;
        !from_debtor.iter().any(|(k, _)| *k == j - 1)
    });
    cleared.retain(|it| {
        let Some(h) = in_totals.get(&(debtor_id, it.number.as_str())) else {
            return true;
        };
        out.push(held(debtor_id, it, h.clone()));
        false
    });
    cleared
}

/// Credit notes naming the invoices they credit, as the claims weigh them.
struct Credited<'l, 'a> {
    /// Credit notes with credit left that name an invoice, by its number: the credit could not
    /// be set off against it (addressed to another debtor, in another currency), so the invoice
    /// waits for a person rather than going out whole.
    now: HashMap<Cow<'a, str>, Vec<&'l OpenItem<'a>>>,
    /// Credit notes issued after the as-of date that credit all of the invoice they name (or
    /// name it for another debtor or currency), by its number: they hold it.
    later: HashMap<Cow<'a, str>, Vec<&'l OpenItem<'a>>>,
    /// The rest of the credit issued after the as-of date, by debtor and currency: credit that
    /// names none, less what the debtor was invoiced after the date (it may be for those), and
    /// credit notes for part of an invoice of the same debtor and currency. It is the debtor's
    /// credit, set off against the claim as any such credit note is: the agency is told what is
    /// owed now.
    later_credit: HashMap<(&'a str, Currency), Decimal>,
}

impl<'l, 'a> Credited<'l, 'a> {
    /// The credit notes of a ledger.
    fn of(ledger: &'l Ledger<'a>) -> Credited<'l, 'a> {
        let mut now: HashMap<Cow<'a, str>, Vec<&'l OpenItem<'a>>> = HashMap::new();
        for it in ledger.items {
            if let (DocumentKind::CreditNote, Some(n), true) =
                (it.kind, it.credits, it.open < Decimal::ZERO)
            {
                now.entry(n.normalised()).or_default().push(it);
            }
        }
        let mut later: HashMap<Cow<'a, str>, Vec<&'l OpenItem<'a>>> = HashMap::new();
        let mut later_net: HashMap<(&'a str, Currency), Decimal> = HashMap::new();
        for d in ledger.later {
            let net = later_net
                .entry((d.debtor.as_str(), d.currency))
                .or_default();
            match (d.kind, d.credits) {
                (DocumentKind::CreditNote, Some(n)) => {
                    later.entry(n.normalised()).or_default().push(d)
                }
                (DocumentKind::CreditNote, None) => *net += d.total.abs(),
                (DocumentKind::Invoice, _) => *net -= d.total.abs(),
            }
        }
        let mut later_credit: HashMap<(&'a str, Currency), Decimal> = later_net
            .into_iter()
            .filter(|(_, net)| *net > Decimal::ZERO)
            .collect();
        // One that credits part of the invoice it names is set off against the debtor's claim
        // like credit that names none: the rest is still owed. Only one that credits all of it
        // (or more) holds the invoice.
        if !later.is_empty() {
            for it in ledger
                .items
                .iter()
                .filter(|it| it.kind == DocumentKind::Invoice)
            {
                let Some(notes) = later.get(&it.number.normalised()) else {
                    continue;
                };
                // Another debtor's or currency's credit note naming it is for a person: held.
                let own = notes
                    .iter()
                    .all(|cn| cn.debtor == it.debtor && cn.currency == it.currency);
                let sum: Decimal = notes.iter().map(|cn| cn.open.abs()).sum();
                if own && sum < it.open {
                    *later_credit
                        .entry((it.debtor.as_str(), it.currency))
                        .or_default() += sum;
                    later.remove(&it.number.normalised());
                }
            }
        }
        Credited {
            now,
            later,
            later_credit,
        }
    }
}

/// Why the claims hold an item for what the ledger says of it, whatever the policy's rules:
/// credit notes naming it, a shortfall a person weighs, a conflict between sources, an
/// unconfirmed last row.
fn held_by_ledger(
    it: &OpenItem<'_>,
    credited: &Credited<'_, '_>,
    ledger: &Ledger<'_>,
    policy: &Policy,
    as_of: NaiveDate,
) -> Option<(&'static str, String)> {
    let key = it.number.normalised();
    if let Some(notes) = credited.now.get(&key) {
        return Some((CREDIT_NOTE, credit_not_set_off(it, notes)));
    }
    if let Some(notes) = credited.later.get(&key) {
        return Some((CREDITED_LATER, credited_after(as_of, notes)));
    }
    if let Some(why) = shortfall(it, ledger, policy.matching.fee_tolerance) {
        return Some((SHORTFALL, why));
    }
    let key = (it.kind, key.into_owned());
    if let Some(why) = ledger.conflicts.get(&key) {
        return Some((CONFLICT, why.clone()));
    }
    let why = ledger.unconfirmed.get(&key)?;
    Some((UNCONFIRMED, why.clone()))
}

/// What keeps a debtor's overdue invoices (by normalised number, in one currency) home beyond
/// the policy's item rules, as the claims judge it: what the ledger says of them
/// ([`held_by_ledger`]), the gate of money received and not applied, and money from the debtor
/// not yet allocated. A letter demands none of these, whether or not the policy's rules (days overdue, a
/// consumer's 14-day letter) would let the claims weigh them yet.
pub fn held_beyond_rules(
    ledger: &Ledger<'_>,
    policy: &Policy,
    as_of: NaiveDate,
    debtor: &Debtor,
    currency: Currency,
    numbers: &HashSet<String>,
) -> Vec<Excluded> {
    let debtor_id = debtor.id.as_str();
    let all_open: Vec<&OpenItem<'_>> = ledger
        .items
        .iter()
        .filter(|it| {
            it.kind == DocumentKind::Invoice
                && it.debtor.as_str() == debtor_id
                && it.currency == currency
                && it.due_date < as_of
                && it.open > Decimal::ZERO
        })
        .collect();
    let credited = Credited::of(ledger);
    let mut out = Vec::new();
    let mut candidates = Vec::new();
    for &it in &all_open {
        if !numbers.contains(it.number.normalised().as_ref()) {
            continue;
        }
        match held_by_ledger(it, &credited, ledger, policy, as_of) {
            Some((rule, reason)) => out.push(excluded(debtor_id, it, rule, reason)),
            None => candidates.push(it),
        }
    }
    if candidates.is_empty() {
        return out;
    }
    let gate = Gate::new(ledger.unapplied.to_vec()).with_twins(ledger.twins.clone());
    let totals = in_totals(ledger, &gate);
    let cleared = gate_debtor(&gate, &totals, debtor, &all_open, candidates, &mut out);
    // Money received from the debtor and not allocated may be the payment of any of them: the
    // claims hold the debtor whole for it (review 44c, F-4: a letter demanded what they held).
    let unallocated = ledger
        .unallocated
        .get(&(debtor_id.to_string(), currency))
        .copied()
        .unwrap_or_default();
    let rule = super::rules::unallocated_payments::UnallocatedPayments;
    let cx = DebtorContext {
        policy: &policy.for_debtor(debtor_id, debtor.kind, debtor.address.country.as_deref()),
        qualifying_total: cleared.iter().map(|it| it.open).sum(),
        credit: Decimal::ZERO,
        unallocated,
    };
    if let Some(why) = rule.check(&cx) {
        out.extend(
            cleared
                .iter()
                .map(|it| excluded(debtor_id, it, rule.id(), why.clone())),
        );
    }
    out
}

/// Why an invoice that payments matched to it left open for no more than the fee tolerance
/// is held (review 43a, F-8): bank charges taken off the transfer or a payment discount the
/// debtor may have a right to, where a claim would add the full collection costs to a few euros.
fn shortfall(it: &OpenItem<'_>, ledger: &Ledger<'_>, tolerance: Decimal) -> Option<String> {
    // More than a quarter of the invoice left is no charge taken off a transfer (review 43b,
    // F-8: 20.00 of a 40.00 invoice).
    if it.kind != DocumentKind::Invoice
        || it.open <= Decimal::ZERO
        || it.open > tolerance
        || it.open * Decimal::from(4) > it.total
    {
        return None;
    }
    let paid = ledger.paid.get(it.number.as_str())?;
    let (last, _) = paid.iter().max_by_key(|(d, _)| *d)?;
    let sum: Decimal = paid.iter().map(|(_, a)| *a).sum();
    Some(format!(
        "payments of {} {} (the last on {last}) left {} open, within the fee tolerance of {}: \
         bank charges or a payment discount? A person decides whether to chase it (book it off \
         in the books, or lower [matching] fee_tolerance in the policy)",
        it.currency,
        crate::money::format_cents(sum),
        crate::money::format_cents(it.open),
        crate::money::format_cents(tolerance)
    ))
}

/// Why an invoice named by credit notes whose credit was not set off against it is held.
fn credit_not_set_off(invoice: &OpenItem<'_>, notes: &[&OpenItem<'_>]) -> String {
    let each: Vec<String> = notes
        .iter()
        .map(|cn| {
            let why = if cn.debtor != invoice.debtor {
                format!("is addressed to debtor {}", cn.debtor)
            } else if cn.currency != invoice.currency {
                format!("is in {}", cn.currency)
            } else {
                "was not set off".to_string()
            };
            format!(
                "credit note {} names this invoice, but {} {} of it {why}",
                cn.number,
                cn.currency,
                format_cents(-cn.open)
            )
        })
        .collect();
    format!(
        "{}; a person decides (correct the credit note or the invoice)",
        each.join("; ")
    )
}

/// Why an invoice is held that credit notes issued after the as-of date name.
fn credited_after(as_of: NaiveDate, notes: &[&OpenItem<'_>]) -> String {
    let each: Vec<String> = notes
        .iter()
        .map(|cn| {
            format!(
                "credit note {} of {} ({} {})",
                cn.number,
                cn.issue_date,
                cn.currency,
                format_cents(cn.open.abs())
            )
        })
        .collect();
    format!(
        "{} credits it, issued after the as-of date {as_of}: the books no longer claim it as it \
         stood then",
        each.join(", ")
    )
}

fn excluded(debtor: &str, it: &OpenItem<'_>, rule: &'static str, reason: String) -> Excluded {
    Excluded {
        debtor: debtor.to_string(),
        number: it.number.as_str().to_string(),
        currency: it.currency,
        open: it.open,
        due_date: it.due_date,
        days_overdue: it.days_overdue,
        rule,
        reason,
        payment: None,
    }
}

/// An item the gate holds for a payment that may have paid it.
fn held(debtor: &str, it: &OpenItem<'_>, h: possible_payment::Hold) -> Excluded {
    Excluded {
        payment: Some(h.payment),
        ..excluded(debtor, it, possible_payment::RULE, h.reason)
    }
}

/// Whether a debtor id is known to the ledger (for commands that record letters and plans).
pub fn debtor_known(debtors: &[Debtor], id: &DebtorId) -> bool {
    debtors.iter().any(|d| &d.id == id)
}
