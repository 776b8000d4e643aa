//! Which debts go to the agency as of a date, with the law's amounts, why every other overdue
//! item does not, and (for submission) what was received on each invoice.

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::{open_item, open_items, OpenItem};
use incasso_core::collection::claims::{held_beyond_rules, preview, ClaimsPreview, Ledger};
use incasso_intake::outgoing::ReceivedOnItem;
use std::collections::{HashMap, HashSet};

use incasso_core::collection::rules::possible_payment::{self, Unapplied};
use incasso_core::collection::withdrawal::ItemFacts;
use incasso_core::ids::DocumentNumber;
use incasso_core::matching::{decisions_in_force, ManualDecision};
use incasso_core::model::{
    Allocation, AllocationSource, Document, DocumentKey, DocumentKind, LedgerDocument, Payment,
};
use incasso_core::reconcile::Reconciliation;
use incasso_store::Submission;

use crate::reconciled::{reconciled, LedgerView, Reconciled};
use crate::Workspace;

/// A claims preview with, when asked, what was received on each invoice (for the agency).
pub struct Computed {
    /// The claims and the reasons others stay home.
    pub preview: ClaimsPreview,
    /// Payments and credit notes applied to the claims' invoices, by invoice number as written.
    pub received: HashMap<String, Vec<ReceivedOnItem>>,
    /// What the ledger says of each invoice of a claim at the agency, by normalised number (for
    /// withdrawals).
    pub facts: HashMap<String, ItemFacts>,
}

impl Computed {
    /// A preview alone, without what was received on each invoice.
    pub fn without_received(preview: ClaimsPreview) -> Computed {
        Computed {
            preview,
            received: HashMap::new(),
            facts: HashMap::new(),
        }
    }
}

/// Computes the preview with the payments and credit notes per invoice (which needs every bank
/// line). The preview kept for the store as it is (by the nightly run, a claims read, a report)
/// is taken instead of judging every overdue item again; one worked out here comes with what
/// keeps it for the next read, for the caller to keep while it goes on.
pub fn compute_full(
    ws: &Workspace,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<(Computed, Option<crate::kept_claims::ToKeep>)> {
    let r = reconciled(ws.store()?, as_of, &ws.policy()?.matching)?;
    let (preview, to_keep) = crate::kept_claims::kept_or_work_out(ws, r.view(), as_of, rates_dir)?;
    let computed = with_received_of(&r, preview, &ws.store()?.submissions()?);
    Ok((computed, to_keep))
}

/// The preview of a ledger already loaded and reconciled (the report and the nightly run
/// reconcile once for everything they show).
pub fn preview_of(
    ws: &Workspace,
    r: LedgerView<'_>,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<ClaimsPreview> {
    ClaimsInputs::read(ws, rates_dir)?.preview(r, as_of)
}

/// What the claims read of the store and the policy besides the reconciled ledger, read in one
/// go: the preview is then worked out with the store closed (the workbench does so while the
/// store serves decisions).
pub struct ClaimsInputs {
    policy: incasso_core::collection::policy::Policy,
    tables: incasso_core::law::rates::RateTables,
    reminders: Vec<incasso_core::collection::Reminder>,
    plans: Vec<incasso_core::collection::PaymentPlan>,
    creditor: incasso_core::ids::CreditorId,
    attachments: HashMap<DocumentKey, Vec<incasso_core::model::AttachmentRef>>,
    decisions: Vec<ManualDecision>,
    conflicts: HashMap<(incasso_core::model::DocumentKind, String), String>,
    unconfirmed: Vec<incasso_store::Unconfirmed>,
}

impl ClaimsInputs {
    /// Reads them (`rates_dir`: `--rates`, else the data directory's own).
    pub fn read(ws: &Workspace, rates_dir: Option<&Path>) -> Result<ClaimsInputs> {
        let store = ws.store()?;
        Ok(ClaimsInputs {
            policy: ws.policy()?.clone(),
            tables: ws.rates(rates_dir)?,
            reminders: store.reminders()?,
            plans: store.plans()?,
            creditor: store.creditor()?,
            attachments: store.all_attachments()?,
            decisions: store.decisions()?,
            conflicts: open_conflicts(&store.conflicts()?),
            unconfirmed: store.unconfirmed()?,
        })
    }

    /// The policy read.
    pub(crate) fn policy(&self) -> &incasso_core::collection::policy::Policy {
        &self.policy
    }

    /// The rate tables read.
    pub(crate) fn tables(&self) -> &incasso_core::law::rates::RateTables {
        &self.tables
    }

    /// Every letter sent, as read.
    pub(crate) fn reminders(&self) -> &[incasso_core::collection::Reminder] {
        &self.reminders
    }

    /// Every payment plan, as read.
    pub(crate) fn plans(&self) -> &[incasso_core::collection::PaymentPlan] {
        &self.plans
    }

    /// Every letter sent and every payment plan, as read.
    pub fn into_letters_and_plans(
        self,
    ) -> (
        Vec<incasso_core::collection::Reminder>,
        Vec<incasso_core::collection::PaymentPlan>,
    ) {
        (self.reminders, self.plans)
    }

    /// The claims of a reconciled ledger as of a date, and why the other overdue items stay.
    pub fn preview(&self, r: LedgerView<'_>, as_of: NaiveDate) -> Result<ClaimsPreview> {
        let t = std::time::Instant::now();
        let result = self.with_ledger(r, as_of, |ledger| {
            preview(ledger, &self.policy, &self.tables, as_of)
        });
        tracing::info!(
            preview_s = t.elapsed().as_secs_f64(),
            claims = result.claims.len(),
            "claims computed"
        );
        Ok(result)
    }

    /// What keeps a debtor's overdue invoices (by normalised number) home beyond the policy's
    /// item rules, as the claims judge it ([`held_beyond_rules`]): what a letter may not demand.
    pub fn held_beyond_rules(
        &self,
        r: LedgerView<'_>,
        as_of: NaiveDate,
        debtor: &incasso_core::model::Debtor,
        currency: incasso_core::money::Currency,
        numbers: &HashSet<String>,
    ) -> Vec<incasso_core::collection::claims::Excluded> {
        self.with_ledger(r, as_of, |ledger| {
            held_beyond_rules(ledger, &self.policy, as_of, debtor, currency, numbers)
        })
    }

    /// Builds what the claims weigh of a reconciled ledger as of a date and hands it to `f`.
    fn with_ledger<T>(
        &self,
        r: LedgerView<'_>,
        as_of: NaiveDate,
        f: impl FnOnce(&Ledger<'_>) -> T,
    ) -> T {
        let unallocated = r.waiting.unapplied_by_debtor();
        let items = open_items(r.docs, r.open, as_of);
        let twins = incasso_core::model::marked_twins(r.docs);
        let unapplied = unapplied_money(r, &self.decisions, &twins);
        let twins: HashSet<String> = twins
            .keys()
            .map(|&i| r.docs[i].document.number.normalised().into_owned())
            .collect();
        let later = issued_after(r.docs, as_of);
        let paid = r.paid.by_number();
        let mut conflicts = self.conflicts.clone();
        for (key, why) in respelled(r.docs) {
            add_reason(&mut conflicts, key, &why);
        }
        let ledger = Ledger {
            creditor: &self.creditor,
            items: &items,
            debtors: r.debtors,
            reminders: &self.reminders,
            plans: &self.plans,
            attachments: &self.attachments,
            unallocated: &unallocated,
            unapplied: &unapplied,
            later: &later,
            twins: &twins,
            paid: &paid,
            conflicts: &conflicts,
            unconfirmed: &unconfirmed(&self.unconfirmed, r.docs),
        };
        f(&ledger)
    }
}

/// The documents with a conflict waiting for a person, each with what differs (`total 1000.00
/// stored, 900.00 in ledger.xlsx`).
fn open_conflicts(
    all: &[incasso_store::Conflict],
) -> HashMap<(incasso_core::model::DocumentKind, String), String> {
    let mut out: HashMap<(incasso_core::model::DocumentKind, String), String> = HashMap::new();
    for c in all
        .iter()
        .filter(|c| c.status == incasso_store::ConflictStatus::Open)
    {
        let diffs: Vec<String> = c
            .diffs
            .iter()
            .map(|d| {
                format!(
                    "{} {} stored, {} in {}",
                    d.field, d.stored, d.incoming, c.incoming_source
                )
            })
            .collect();
        add_reason(
            &mut out,
            (c.document.kind, c.document.number.clone()),
            &format!(
                "two sources describe it differently ({}): `incasso conflicts` lets a person \
                 choose which stands",
                diffs.join(", ")
            ),
        );
    }
    out
}

/// The documents read only from the last row of a file that ends without a line end, each
/// with why it is held; and every other document of that row's debtor, since a credit note
/// whose sign was cut off reads as an invoice and its credit would be lost to the claim, and
/// where the debtor's id was the row's last field, of every debtor whose id begins with it
/// (`D109` cut to `D10`: review 43c, F-1).
pub(crate) fn unconfirmed(
    all: &[incasso_store::Unconfirmed],
    docs: &[LedgerDocument],
) -> HashMap<(incasso_core::model::DocumentKind, String), String> {
    let mut out = HashMap::new();
    for u in all {
        let row = format!("{}, {}", u.source, u.location);
        let own = (u.document.kind, u.document.number.clone());
        if u.unlisted {
            add_reason(
                &mut out,
                own,
                &format!(
                    "left out of {}, a list of every open item that ends without a line end: \
                     cut short, it would lose the rows after the cut, so it settles nothing; \
                     held until another import lists it, or a list of every open item that ends \
                     with a line end leaves it out",
                    u.source
                ),
            );
            continue;
        }
        add_reason(
            &mut out,
            own.clone(),
            &format!(
                "read only from {row}, where the file ends without a line end: a download cut \
                 short inside that row would still read; held until another import lists it \
                 (the next export, or the file with a line end added)"
            ),
        );
        if u.debtor.is_empty() || !(u.amount_cut || u.debtor_cut) {
            continue;
        }
        let why = format!(
            "{} of debtor {} is read only from {row}, where the file ends without a line end, \
             in its {}: cut there, {}; held until another import lists it",
            u.number,
            u.debtor,
            if u.debtor_cut {
                "debtor's id"
            } else {
                "amount or kind"
            },
            if u.debtor_cut {
                "a credit note of this debtor would read as another's whose id begins the same"
            } else {
                "a credit note of this debtor would read as an invoice"
            }
        );
        for d in docs {
            let debtor = d.document.debtor.as_str();
            let key = (d.document.kind, d.document.number.normalised().into_owned());
            let held = if u.debtor_cut {
                debtor.starts_with(&u.debtor) && debtor != u.debtor
            } else {
                debtor == u.debtor
            };
            if key != own && held {
                add_reason(&mut out, key, &why);
            }
        }
    }
    out
}

/// Adds why a document is held to the reasons it has (`; ` between them).
fn add_reason(
    held: &mut HashMap<(DocumentKind, String), String>,
    key: (DocumentKind, String),
    why: &str,
) {
    let reasons = held.entry(key).or_default();
    if !reasons.is_empty() {
        reasons.push_str("; ");
    }
    reasons.push_str(why);
}

/// Documents of one kind whose numbers are one number spelled two ways (`00401` and `401`,
/// `2026/0402` and `2026/402`: a workbook's number cell drops leading zeros; `F-401` and `F401`,
/// `26.000.012` and `26000012`, `'401` and `401`), each with the other spellings: the books may
/// hold one invoice twice, one version paid and the other still open in the store, so each is
/// held until the books say it in one spelling.
pub(crate) fn respelled(docs: &[LedgerDocument]) -> Vec<((DocumentKind, String), String)> {
    // Letters and digits only, in lower case: `F-401` and `F401`, `26.000.012` and `26000012`.
    let compact_into = |n: &str, out: &mut String| {
        out.clear();
        out.extend(
            n.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase),
        );
    };
    let compact = |n: &str| {
        let mut out = String::new();
        compact_into(n, &mut out);
        out
    };
    // Both spellings' keys hashed, sorted, and only runs of equal hashes looked at as text: a
    // million numbers are not each kept as two strings.
    let hash = |kind: DocumentKind, key: &str| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (kind == DocumentKind::Invoice).hash(&mut h);
        key.hash(&mut h);
        h.finish()
    };
    let mut hashed: Vec<(u64, u32)> = Vec::with_capacity(docs.len() * 2);
    let mut buf = String::new();
    for (i, d) in docs.iter().enumerate() {
        let n = d.document.number.as_str();
        compact_into(n, &mut buf);
        let c = hash(d.document.kind, &buf);
        hashed.push((c, i as u32));
        if n.bytes().any(|b| b == b'0') {
            let l = hash(d.document.kind, &crate::import::ledger::loose(n));
            if l != c {
                hashed.push((l, i as u32));
            }
        }
    }
    hashed.sort_unstable();
    let mut by_key: HashMap<(DocumentKind, String), Vec<usize>> = HashMap::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        for &(_, i) in run {
            let d = &docs[i as usize].document;
            let n = d.number.as_str();
            let (loose, compact) = (crate::import::ledger::loose(n), compact(n));
            if loose != compact {
                by_key.entry((d.kind, loose)).or_default().push(i as usize);
            }
            by_key
                .entry((d.kind, compact))
                .or_default()
                .push(i as usize);
        }
    }
    for v in by_key.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    let mut others: HashMap<usize, Vec<usize>> = HashMap::new();
    for members in by_key.values().filter(|g| g.len() > 1) {
        for &i in members {
            for &j in members {
                let (a, b) = (&docs[i].document.number, &docs[j].document.number);
                if i != j && a.normalised() != b.normalised() {
                    others.entry(i).or_default().push(j);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, mut js) in others {
        js.sort_unstable();
        js.dedup();
        let named: Vec<String> = js
            .iter()
            .map(|&j| {
                format!(
                    "{} from {}",
                    docs[j].document.number.as_str(),
                    docs[j].provenance.source.name
                )
            })
            .collect();
        let d = &docs[i].document;
        out.push((
            (d.kind, d.number.normalised().into_owned()),
            format!(
                "its number is also written {}: one invoice may be in the store twice, as a \
                 workbook's number cell drops leading zeros and exports write separators their \
                 own way; import the books in one spelling",
                named.join(", ")
            ),
        ));
    }
    out.sort();
    out
}

/// The documents issued after `as_of` (not void), each as an item with its whole amount open.
fn issued_after(docs: &[LedgerDocument], as_of: NaiveDate) -> Vec<OpenItem<'_>> {
    docs.iter()
        .filter(|ld| {
            let d = &ld.document;
            d.issue_date > as_of && !d.status.is_cancelled() && !d.total.is_zero()
        })
        .map(|ld| {
            let d = &ld.document;
            let open = if d.kind == DocumentKind::CreditNote {
                -d.total.abs()
            } else {
                d.total.abs()
            };
            open_item(ld, open, as_of)
        })
        .collect()
}

/// A preview with the payments and credit notes received on each invoice of its claims, and
/// what the ledger says of each invoice of a claim already at the agency (`sent`: the
/// submissions recorded, for withdrawals). Only those invoices: working it out for every
/// invoice of a million-invoice ledger took seconds of a submission.
pub fn with_received_of(r: &Reconciled, preview: ClaimsPreview, sent: &[Submission]) -> Computed {
    let at_agency: HashSet<String> = sent
        .iter()
        .flat_map(|s| &s.items)
        .map(|n| normalised(n))
        .collect();
    let claimed: HashSet<&str> = preview
        .claims
        .iter()
        .flat_map(|c| c.items.iter().map(|i| i.number.as_str()))
        .collect();
    let wanted = |d: &Document| {
        claimed.contains(d.number.as_str())
            || (!at_agency.is_empty() && at_agency.contains(d.number.normalised().as_ref()))
    };
    let received = received_per_item(&r.docs, &r.payments, &r.rec, &wanted);
    let facts = item_facts(r, &received, &preview, &at_agency);
    Computed {
        preview,
        received,
        facts,
    }
}

/// An invoice number as the agency's claims name it, normalised as the ledger's are (as given
/// when it is no document number).
pub(crate) fn normalised(n: &str) -> String {
    DocumentNumber::new(n)
        .map(|d| d.normalised().into_owned())
        .unwrap_or_else(|_| n.to_string())
}

/// Every payment with money received and not applied, or received after the as-of date (whole:
/// nothing was matched to it), as the claims gate sees it, with the decisions a person made
/// ("not this payment" for a document, or for every document).
/// `twins`: an API's marked documents with the number their source wrote, where another
/// document has it ([`incasso_core::model::marked_twins`]).
fn unapplied_money(
    r: LedgerView<'_>,
    decisions: &[ManualDecision],
    twins: &HashMap<usize, &str>,
) -> Vec<Unapplied> {
    let w = r.waiting;
    // A payment in review whose money is all applied is no money waiting; nor is a total whose
    // transactions another file lists, and which paid their invoices there.
    let waiting: Vec<usize> = (0..w.payments.len())
        .filter(|&k| {
            (w.outcomes[k].money_not_applied() || w.outcomes[k].received_later(&w.payments[k]))
                && !w.in_detail.get(k).copied().unwrap_or(false)
        })
        .collect();
    if waiting.is_empty() {
        // No money waits to be applied: the gate holds nothing, and needs no number index.
        return Vec::new();
    }
    let texts: Vec<String> = waiting
        .iter()
        .map(|&k| remittance_text(&w.payments[k]))
        .collect();
    // An API's second record with one number is named as its source wrote it, too, where
    // another document has that number.
    let index = possible_payment::number_index(
        r.docs.iter().map(|d| {
            (
                d.document.number.as_str(),
                d.document.payment_reference.as_deref(),
                &d.document.debtor,
            )
        }),
        twins.iter().map(|(&i, &w)| (w, &r.docs[i].document.debtor)),
        texts.iter().map(String::as_str),
    );
    let decided = decisions_in_force(decisions);
    let never_any = &decided.excluded;
    let mut not_for: HashMap<&str, Vec<String>> = HashMap::new();
    for &(payment, k) in &decided.excluded_pairs {
        not_for.entry(payment).or_default().push(k.number.clone());
    }
    not_for.values_mut().for_each(|v| v.sort_unstable());
    let mut proposed: HashMap<usize, Vec<(String, u8)>> = HashMap::new();
    for p in &w.review {
        proposed
            .entry(p.payment)
            .or_default()
            .push((p.document.number.clone(), p.confidence));
    }
    texts
        .into_iter()
        .zip(waiting)
        .map(|(text, k)| (k, &w.outcomes[k], &w.payments[k], text))
        .filter(|(_, _, p, _)| !never_any.contains(p.id.as_str()))
        .map(|(k, o, p, text)| Unapplied {
            id: p.id.clone(),
            date: p.date,
            amount: if o.received_later(p) {
                p.amount.amount()
            } else {
                o.unapplied
            },
            currency: p.amount.currency(),
            debtor: o.debtor.clone(),
            names_documents_of: possible_payment::debtors_named(&text, &index),
            text,
            name: p.counterparty_name.clone(),
            account: p.counterparty_account.clone(),
            not_for: not_for.get(p.id.as_str()).cloned().unwrap_or_default(),
            names_missing: o.names_missing.clone(),
            later: o.received_later(p),
            booked_to: p.account.clone(),
            proposed: proposed.remove(&k).unwrap_or_default(),
            account_of: o
                .evidence
                .iter()
                .filter_map(|e| match e {
                    incasso_core::matching::Evidence::AccountAndNameDisagree {
                        by_account, ..
                    } => Some(by_account),
                    _ => None,
                })
                .flatten()
                .filter_map(|d| incasso_core::ids::DebtorId::new(d).ok())
                .collect(),
        })
        .collect()
}

/// A payment's remittance text and structured reference, as the gate reads them.
fn remittance_text(p: &incasso_core::model::Payment) -> String {
    [p.remittance.as_deref(), p.structured_reference.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the ledger now says of each invoice numbered in `at_agency` (normalised): status, open,
/// paid and credited with their last dates, and the rule that keeps it from a claim.
fn item_facts(
    r: &Reconciled,
    received: &HashMap<String, Vec<ReceivedOnItem>>,
    preview: &ClaimsPreview,
    at_agency: &HashSet<String>,
) -> HashMap<String, ItemFacts> {
    let mut out = HashMap::new();
    if at_agency.is_empty() {
        return out;
    }
    let excluded: HashMap<&str, &incasso_core::collection::claims::Excluded> = preview
        .excluded
        .iter()
        .map(|e| (e.number.as_str(), e))
        .collect();
    for (d, open) in r.docs.iter().zip(&r.rec.open) {
        let doc = &d.document;
        if doc.kind != DocumentKind::Invoice {
            continue;
        }
        let number = doc.number.normalised();
        if !at_agency.contains(number.as_ref()) {
            continue;
        }
        let mut f = ItemFacts {
            status: doc.status,
            open: open.unwrap_or_default(),
            excluded: excluded
                .get(doc.number.as_str())
                .map(|e| (e.rule.to_string(), e.reason.clone())),
            ..ItemFacts::default()
        };
        for got in received.get(doc.number.as_str()).into_iter().flatten() {
            if got.credit_note {
                f.credited += got.amount;
                f.credited_on = f.credited_on.max(got.date);
            } else {
                f.paid += got.amount;
                f.paid_on = f.paid_on.max(got.date);
                if got.reference.starts_with("agency:") {
                    f.by_agency += got.amount;
                    f.agency_receipts.push(got.reference.clone());
                }
            }
        }
        out.insert(number.into_owned(), f);
    }
    out
}

/// Payments and credit notes applied to each `wanted` invoice, by the number as the invoice
/// writes it.
fn received_per_item(
    docs: &[LedgerDocument],
    payments: &[Payment],
    rec: &Reconciliation,
    wanted: &dyn Fn(&Document) -> bool,
) -> HashMap<String, Vec<ReceivedOnItem>> {
    // The wanted invoices, and every credit note (what it is applied from), by key.
    let numbers: HashMap<DocumentKey, (&str, NaiveDate, bool)> = docs
        .iter()
        .map(|d| &d.document)
        .filter_map(|d| {
            let want = wanted(d);
            (want || d.kind == DocumentKind::CreditNote)
                .then(|| (d.key(), (d.number.as_str(), d.issue_date, want)))
        })
        .collect();
    let taken: Vec<(&str, &Allocation)> = rec
        .allocations
        .iter()
        .filter_map(|a| match numbers.get(&a.document) {
            Some(&(item, _, true)) => Some((item, a)),
            _ => None,
        })
        .collect();
    let paying: HashSet<&str> = taken
        .iter()
        .filter_map(|(_, a)| match &a.from {
            AllocationSource::Payment(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let paid_on: HashMap<&str, NaiveDate> = payments
        .iter()
        .filter(|p| paying.contains(p.id.as_str()))
        .map(|p| (p.id.as_str(), p.date))
        .collect();
    let mut out: HashMap<String, Vec<ReceivedOnItem>> = HashMap::new();
    for (item, a) in taken {
        let (reference, date, credit_note) = match &a.from {
            AllocationSource::Payment(id) => (id.clone(), paid_on.get(id.as_str()).copied(), false),
            AllocationSource::CreditNote(k) => match numbers.get(k) {
                Some(&(n, d, _)) => (n.to_string(), Some(d), true),
                None => continue,
            },
            AllocationSource::SourceLedger => ("source-ledger".to_string(), None, false),
        };
        out.entry(item.to_string())
            .or_default()
            .push(ReceivedOnItem {
                item: item.to_string(),
                reference,
                date,
                amount: a.amount.amount(),
                credit_note,
            });
    }
    out
}
