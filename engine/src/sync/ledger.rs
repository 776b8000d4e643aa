//! The store as a connector's sync ledger: pages into import transactions, what each upstream
//! record became, cursors, voids and the suspicious-empty-listing check.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use incasso_connectors::api::{ApiError, Known, Page, Record, SyncLedger};
use incasso_core::ids::CreditorId;
use incasso_core::model::{DocumentKey, DocumentStatus, Location, Source, SourceKind};
use incasso_store::{ImportTx, Store, SyncedRecord};

use super::SourceSummary;

/// The store as a connector's [`SyncLedger`], for one source's state namespace.
///
/// Pages are gathered into one import transaction (each page keeps its own import record and
/// provenance) and committed, durably, once it holds `records_per_commit` records, when a document would be
/// touched twice in it, before a listing is reconciled, and at the end. Lookups see what the open
/// transaction remembered (`pending`).
pub(super) struct StoreLedger<'a> {
    store: &'a Store,
    namespace: &'a str,
    creditor: &'a CreditorId,
    at: DateTime<Utc>,
    group: usize,
    seen: HashMap<&'static str, HashSet<String>>,
    tx: Option<ImportTx<'a>>,
    tx_docs: HashSet<DocumentKey>,
    tx_records: usize,
    pending: HashMap<(String, String), Option<SyncedRecord>>,
    /// Cursors set in the open transaction.
    pending_cursors: HashMap<&'static str, String>,
    /// Endpoints whose empty listing a person accepted ([`super::SyncOptions::accept_empty`]).
    accept_empty: HashSet<String>,
    summary: &'a mut SourceSummary,
}

/// Where the open items of each document are kept (key: kind and normalised number), so a
/// document that arrives after its open items still gets its open amount.
const OPEN_BY_NUMBER: &str = "open-by-number";

/// Where documents wait for a contact not synced yet (key: the contact's upstream id, which
/// stands in for the debtor): one created upstream between the contacts' request and the
/// invoices' gets its debtor id when it arrives, so its invoices and credit notes are one
/// debtor's.
const AWAITING_CONTACT: &str = "awaiting-contact";

/// Which upstream record each document number belongs to (key: kind and normalised number): a
/// second record with the same number (Exact's sales journals, Xero's duplicate numbers) is
/// another document (its number marked), never a new version of the first.
const NUMBER_OWNER: &str = "number-owner";

/// Whether a debtor id is an upstream contact's id (Exact's account ID and Xero's ContactID,
/// GUIDs; Moneybird's contact id, 18 digits): what a connector puts in a document's debtor when
/// the contact is not synced yet.
fn is_contact_id(s: &str) -> bool {
    let guid = s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    guid || (s.len() == 18 && s.bytes().all(|b| b.is_ascii_digit()))
}

fn ledger_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::Ledger(format!("storing failed: {e}"))
}

/// Whether a record's version is the one stored already.
fn same_version(known: &Option<SyncedRecord>, version: &Option<String>) -> bool {
    version.is_some() && known.as_ref().and_then(|k| k.version.as_ref()) == version.as_ref()
}

impl<'a> StoreLedger<'a> {
    pub(super) fn new(
        store: &'a Store,
        namespace: &'a str,
        creditor: &'a CreditorId,
        group: usize,
        summary: &'a mut SourceSummary,
    ) -> StoreLedger<'a> {
        StoreLedger {
            store,
            namespace,
            creditor,
            at: Utc::now(),
            group: group.max(1),
            seen: HashMap::new(),
            tx: None,
            tx_docs: HashSet::new(),
            tx_records: 0,
            pending: HashMap::new(),
            pending_cursors: HashMap::new(),
            accept_empty: HashSet::new(),
            summary,
        }
    }

    /// Takes empty listings of `endpoints` as every record of them gone upstream.
    pub(super) fn accept_empty(&mut self, endpoints: &[String]) {
        self.accept_empty = endpoints.iter().cloned().collect();
    }

    fn synced(&self, endpoint: &str, id: &str) -> Result<Option<SyncedRecord>, ApiError> {
        if let Some(p) = self.pending.get(&(endpoint.to_string(), id.to_string())) {
            return Ok(p.clone());
        }
        self.store
            .synced(self.namespace, endpoint, id)
            .map_err(ledger_err)
    }

    fn remember(&mut self, tx: &mut ImportTx<'_>, endpoint: &str, id: &str, r: SyncedRecord) {
        tx.remember(self.namespace, endpoint, id, &r);
        self.pending
            .insert((endpoint.to_string(), id.to_string()), Some(r));
    }

    fn forget(&mut self, tx: &mut ImportTx<'_>, endpoint: &str, id: &str) {
        tx.forget(self.namespace, endpoint, id);
        self.pending
            .insert((endpoint.to_string(), id.to_string()), None);
    }

    /// Whether a contact of this source with upstream id `id` is synced (under the contacts
    /// endpoint of whichever package this source is).
    fn contact_known(&self, id: &str) -> Result<bool, ApiError> {
        use incasso_connectors::api::{exact, moneybird, xero};
        for endpoint in [exact::ACCOUNTS, xero::CONTACTS, moneybird::CONTACTS] {
            if self.synced(endpoint, id)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The other upstream record whose document has `key`'s number, when there is one and it
    /// still has it (not deleted, not renumbered since): of `endpoint`, or of another endpoint
    /// of the same package that makes documents (a Moneybird sales invoice and an external one
    /// with the same number are two debts). Upstream ids are unique across a package's
    /// endpoints.
    fn rival_of(
        &self,
        endpoint: &str,
        id: &str,
        key: &DocumentKey,
    ) -> Result<Option<String>, ApiError> {
        use incasso_connectors::api::moneybird;
        let slot = format!("{}:{}", key.kind.code(), key.number);
        let Some(owner) = self.synced(NUMBER_OWNER, &slot)?.and_then(|r| r.owner) else {
            return Ok(None);
        };
        if owner == id {
            return Ok(None);
        }
        let siblings = [
            moneybird::SALES_INVOICES,
            moneybird::EXTERNAL_SALES_INVOICES,
        ];
        let endpoints = std::iter::once(endpoint).chain(
            siblings
                .into_iter()
                .filter(|e| siblings.contains(&endpoint) && *e != endpoint),
        );
        for e in endpoints {
            let still = self
                .synced(e, &owner)?
                .and_then(|r| r.document)
                .is_some_and(|(kind, n)| &self.key(kind, &n) == key);
            if still {
                return Ok(Some(owner));
            }
        }
        Ok(None)
    }

    /// Gives the documents waiting for contact `id` (see [`AWAITING_CONTACT`]) its debtor id.
    fn contact_arrived(
        &mut self,
        mut tx: ImportTx<'a>,
        id: &str,
        debtor: &incasso_core::ids::DebtorId,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        let Some(waiting) = self.synced(AWAITING_CONTACT, id)? else {
            return Ok(tx);
        };
        for (kind, number) in &waiting.documents {
            let key = self.key(*kind, number);
            tx = self.fresh(tx, &key, source)?;
            let Some(mut doc) = tx.current(&key).map_err(ledger_err)? else {
                continue;
            };
            if doc.debtor.as_str() != id || &doc.debtor == debtor {
                continue;
            }
            doc.debtor = debtor.clone();
            let at = Location::ApiRecord(format!("contact {id} synced as debtor {debtor}"));
            tx.add_document(&doc, at).map_err(ledger_err)?;
            self.tx_docs.insert(key);
        }
        self.forget(&mut tx, AWAITING_CONTACT, id);
        Ok(tx)
    }

    fn key(&self, kind: incasso_core::model::DocumentKind, number: &str) -> DocumentKey {
        DocumentKey {
            creditor: self.creditor.clone(),
            kind,
            number: incasso_core::ids::DocumentNumber::new(number)
                .map(|n| n.normalised().into_owned())
                .unwrap_or_else(|_| number.to_string()),
        }
    }

    fn begin(&self, source: &Source) -> Result<ImportTx<'a>, ApiError> {
        self.store
            .begin_import(source.clone(), self.at)
            .map_err(ledger_err)
    }

    /// The transaction, committed first when it already touched `key` (a document is written
    /// once per transaction).
    fn fresh(
        &mut self,
        tx: ImportTx<'a>,
        key: &DocumentKey,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        if !self.tx_docs.contains(key) {
            return Ok(tx);
        }
        self.commit(tx)?;
        self.begin(source)
    }

    /// Voids the document a record became (not an open item's: that only changes the open
    /// amount).
    fn void(
        &mut self,
        mut tx: ImportTx<'a>,
        record: &SyncedRecord,
        term_id: &str,
        location: Location,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        let Some((kind, number)) = &record.document else {
            return Ok(tx);
        };
        if record.open.is_some() {
            return self.apply_term(tx, *kind, number, term_id, None, location, source);
        }
        let key = self.key(*kind, number);
        tx = self.fresh(tx, &key, source)?;
        if tx.mark_void(&key, location).map_err(ledger_err)? {
            self.summary.voided += 1;
            self.tx_docs.insert(key);
        }
        Ok(tx)
    }

    /// Records one open item's amount (`None`: the item is gone) and sets the open amount of
    /// the document with that number (invoice or credit note: numbers are unique across both)
    /// to the sum of its items: paid when that is zero; nothing open when its last item is gone
    /// (the package has nothing receivable left of it; the whole total would be a debt it does
    /// not show); unknown when it never had one. An item whose payment the package has
    /// underway (`pending`) makes the document a payment pending, never claimed meanwhile. The
    /// document is written in the same transaction as the item's state, or neither is.
    #[allow(clippy::too_many_arguments)]
    fn apply_term(
        &mut self,
        mut tx: ImportTx<'a>,
        kind: incasso_core::model::DocumentKind,
        number: &str,
        term_id: &str,
        open: Option<(rust_decimal::Decimal, bool)>,
        location: Location,
        source: &Source,
    ) -> Result<ImportTx<'a>, ApiError> {
        use incasso_core::model::DocumentKind::{CreditNote, Invoice};
        let keys = [self.key(Invoice, number), self.key(CreditNote, number)];
        for k in &keys {
            tx = self.fresh(tx, k, source)?;
        }
        let slot = keys[0].number.clone();
        let before = self.synced(OPEN_BY_NUMBER, &slot)?.unwrap_or_default();
        let had_terms = !before.terms.is_empty();
        let was_pending = !before.pending.is_empty();
        // Items kept before they were signed all ran the way of the kind kept with them.
        let mut credits = if before.signed {
            before.credits
        } else if before
            .document
            .as_ref()
            .is_some_and(|(k, _)| *k == CreditNote)
        {
            before.terms.iter().map(|(id, _)| id.clone()).collect()
        } else {
            Vec::new()
        };
        let (mut terms, mut pending) = (before.terms, before.pending);
        terms.retain(|(id, _)| id != term_id);
        pending.retain(|id| id != term_id);
        credits.retain(|id| id != term_id);
        if let Some((o, underway)) = open {
            terms.push((term_id.to_string(), o));
            if underway && !o.is_zero() {
                pending.push(term_id.to_string());
            }
            if kind == CreditNote {
                credits.push(term_id.to_string());
            }
        }
        // A receipt Exact keeps on an invoice's number (a negative item) lowers what is open of
        // it: the items are added with their signs, never as magnitudes (review 41b: a part
        // payment raised the claim by its amount).
        let mut total = rust_decimal::Decimal::ZERO;
        for (id, o) in &terms {
            let signed = if credits.contains(id) { -*o } else { *o };
            total = total.checked_add(signed).ok_or_else(|| {
                ApiError::Ledger(format!("open items of {number} overflow at item {id}"))
            })?;
        }
        let terms_left = !terms.is_empty();
        let items = SyncedRecord {
            document: Some((kind, number.to_string())),
            open: if !terms_left {
                had_terms.then_some(rust_decimal::Decimal::ZERO)
            } else {
                Some(total)
            },
            terms,
            pending: pending.clone(),
            credits,
            signed: true,
            ..SyncedRecord::default()
        };
        for key in keys {
            let Some(mut doc) = tx.current(&key).map_err(ledger_err)? else {
                continue;
            };
            let before = (doc.source_open, doc.status);
            doc.source_open = items.open_of(key.kind);
            // No item left is no payment: the status stays as it was (what the package says of
            // the document itself), only nothing is open.
            if let (true, Some(open)) = (terms_left, doc.source_open) {
                doc.status = status_of_items(doc.status, open, !pending.is_empty(), was_pending);
            }
            if (doc.source_open, doc.status) != before {
                tx.add_document(&doc, location.clone())
                    .map_err(ledger_err)?;
                self.tx_docs.insert(key);
            }
        }
        self.remember(&mut tx, OPEN_BY_NUMBER, &slot, items);
        Ok(tx)
    }

    /// Stores one page into the open transaction (see [`SyncLedger::accept`]).
    fn accept_page(&mut self, page: Page) -> Result<(), ApiError> {
        let endpoint = page.endpoint;
        let source: &Source = &page.source;
        let mut tx = match self.tx.take() {
            Some(mut tx) => {
                tx.next_source(source.clone()).map_err(ledger_err)?;
                tx
            }
            None => self.begin(source)?,
        };
        for rec in page.records {
            self.tx_records += 1;
            if !matches!(rec, Record::Deleted { .. } | Record::Payment { .. }) {
                if let Some(listed) = self.seen.get_mut(endpoint) {
                    listed.insert(rec.id().to_string());
                }
            }
            match rec {
                Record::Document {
                    id,
                    version,
                    mut document,
                    location,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    if document.source_open.is_none() {
                        let slot = document.key().number;
                        if let Some(items) = self.synced(OPEN_BY_NUMBER, &slot)? {
                            if let Some(open) = items.open_of(document.kind) {
                                document.source_open = Some(open);
                                document.status = status_of_items(
                                    document.status,
                                    open,
                                    !items.pending.is_empty(),
                                    false,
                                );
                            }
                        }
                    }
                    // Two upstream records, one number (two Exact sales journals, Xero's duplicate
                    // numbers): the second is another debt, a document of its own whose number is
                    // marked with the end of its upstream id; once so, it stays so.
                    let marked =
                        incasso_core::ids::DocumentNumber::marked(document.number.as_str(), &id);
                    let was_marked = known
                        .as_ref()
                        .and_then(|k| k.document.as_ref())
                        .is_some_and(|(kind, n)| {
                            self.key(*kind, n) == self.key(document.kind, &marked)
                        });
                    if was_marked || self.rival_of(endpoint, &id, &document.key())?.is_some() {
                        document.number = incasso_core::ids::DocumentNumber::new(&marked)
                            .map_err(|e| ledger_err(format!("{endpoint}/{id}: {e}")))?;
                    }
                    let key = document.key();
                    if let Some(old) = known.as_ref().filter(|k| {
                        k.document
                            .as_ref()
                            .is_some_and(|(kind, n)| self.key(*kind, n) != key)
                    }) {
                        // Renumbered upstream: the old number no longer exists there.
                        let old = old.clone();
                        let at = Location::ApiRecord(format!(
                            "{endpoint}/{id} renumbered to {}",
                            document.number
                        ));
                        tx = self.void(tx, &old, &id, at, source)?;
                    }
                    tx = self.fresh(tx, &key, source)?;
                    let slot = format!("{}:{}", document.kind.code(), key.number);
                    let owner = self.synced(NUMBER_OWNER, &slot)?.and_then(|r| r.owner);
                    if owner.as_deref() != Some(id.as_str()) {
                        self.remember(
                            &mut tx,
                            NUMBER_OWNER,
                            &slot,
                            SyncedRecord {
                                owner: Some(id.clone()),
                                ..SyncedRecord::default()
                            },
                        );
                    }
                    // The same rule as a merge with a file's version: a dispute recorded
                    // there stays until the API says paid or void.
                    if let Some(stored) = tx.current(&key).map_err(ledger_err)? {
                        document.status =
                            incasso_core::sources::live_status(stored.status, document.status);
                    }
                    tx.add_document(&document, location).map_err(ledger_err)?;
                    self.tx_docs.insert(key);
                    let guid = document.debtor.as_str();
                    if is_contact_id(guid) && !self.contact_known(guid)? {
                        let mut waiting = self.synced(AWAITING_CONTACT, guid)?.unwrap_or_default();
                        let doc = (document.kind, document.number.to_string());
                        if !waiting.documents.contains(&doc) {
                            waiting.documents.push(doc);
                            self.remember(&mut tx, AWAITING_CONTACT, guid, waiting);
                        }
                    }
                    let record = SyncedRecord {
                        version,
                        document: Some((document.kind, document.number.to_string())),
                        debtor: Some(document.debtor.to_string()),
                        ..SyncedRecord::default()
                    };
                    if known.as_ref() != Some(&record) {
                        self.remember(&mut tx, endpoint, &id, record);
                    }
                }
                Record::Debtor {
                    id,
                    version,
                    debtor,
                    alias,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    if let Some(a) = alias
                        .as_ref()
                        .filter(|a| known.as_ref().and_then(|k| k.alias.as_ref()) != Some(*a))
                    {
                        tracing::info!(contact = %id, debtor = %debtor.id, number = %a, "the contact has a new number; the debtor keeps its id and the number is its alias");
                    }
                    tx.add_debtor(&debtor);
                    tx = self.contact_arrived(tx, &id, &debtor.id, source)?;
                    let record = SyncedRecord {
                        version,
                        debtor: Some(debtor.id.to_string()),
                        alias,
                        ..SyncedRecord::default()
                    };
                    self.remember(&mut tx, endpoint, &id, record);
                }
                Record::Payment { id, payment } => {
                    let fingerprint =
                        incasso_connectors::api::payment_fingerprint(self.namespace, &id);
                    tx.add_payment(payment, fingerprint).map_err(ledger_err)?;
                }
                Record::Skipped {
                    id,
                    version,
                    reason,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    self.summary.skipped += 1;
                    if let Some(k) = &known {
                        let at = Location::ApiRecord(format!("{endpoint}/{id} is now {reason}"));
                        tx = self.void(tx, k, &id, at, source)?;
                    }
                    let record = SyncedRecord {
                        version,
                        ..SyncedRecord::default()
                    };
                    self.remember(&mut tx, endpoint, &id, record);
                }
                Record::OpenAmount {
                    id,
                    version,
                    number,
                    kind,
                    open,
                    pending,
                } => {
                    let known = self.synced(endpoint, &id)?;
                    if same_version(&known, &version) {
                        self.summary.unchanged += 1;
                        continue;
                    }
                    let at = Location::ApiRecord(format!("{endpoint}/{id}"));
                    if let Some((old_kind, old_number)) =
                        known.as_ref().and_then(|k| k.document.clone())
                    {
                        if self.key(old_kind, &old_number).number != self.key(kind, &number).number
                        {
                            // The item moved to another invoice: it no longer counts for the old.
                            tx = self.apply_term(
                                tx,
                                old_kind,
                                &old_number,
                                &id,
                                None,
                                at.clone(),
                                source,
                            )?;
                        }
                    }
                    tx =
                        self.apply_term(tx, kind, &number, &id, Some((open, pending)), at, source)?;
                    let record = SyncedRecord {
                        version,
                        document: Some((kind, number.clone())),
                        open: Some(open),
                        ..SyncedRecord::default()
                    };
                    self.remember(&mut tx, endpoint, &id, record);
                }
                Record::Deleted { endpoint: of, id } => {
                    let Some(known) = self.synced(of, &id)? else {
                        continue;
                    };
                    let at = Location::ApiRecord(format!("{of}/{id} deleted upstream"));
                    tx = self.void(tx, &known, &id, at, source)?;
                    self.forget(&mut tx, of, &id);
                }
            }
        }
        if let Some(c) = &page.cursor {
            if self.cursor(endpoint)?.as_deref() != Some(c.as_str()) {
                tx.set_cursor(self.namespace, endpoint, c);
                self.pending_cursors.insert(endpoint, c.clone());
            }
        }
        if self.tx_records >= self.group {
            self.commit(tx)
        } else {
            self.tx = Some(tx);
            Ok(())
        }
    }

    fn commit(&mut self, tx: ImportTx<'_>) -> Result<(), ApiError> {
        self.tx_docs.clear();
        self.tx_records = 0;
        if tx.is_empty() && self.pending.is_empty() && self.pending_cursors.is_empty() {
            // Everything was stored as it is already (a --full re-read): write no import.
            return Ok(());
        }
        // Gone whether the commit succeeds (then the store has them) or fails (then nobody does).
        self.pending.clear();
        self.pending_cursors.clear();
        let s = tx.commit().map_err(ledger_err)?;
        for r in s.earlier.iter().chain(std::iter::once(&s.record)) {
            self.summary.documents_new += r.new;
            self.summary.documents_changed += r.changed + r.merged;
            self.summary.payments += r.payments_new;
            self.summary.conflicts += r.conflicts;
            self.summary.pages += 1;
        }
        self.summary.debtors += s.debtors_new + s.debtors_updated;
        Ok(())
    }

    /// Commits what the open transaction holds.
    pub(super) fn finish(&mut self) -> Result<(), ApiError> {
        match self.tx.take() {
            Some(tx) => self.commit(tx),
            None => Ok(()),
        }
    }
}

/// A document's status once its open items are known: paid when they leave nothing open, a
/// payment pending while one of them has its payment underway, open again when that ends
/// (`was_pending`) or the package reopens a paid one.
fn status_of_items(
    status: DocumentStatus,
    open: rust_decimal::Decimal,
    underway: bool,
    was_pending: bool,
) -> DocumentStatus {
    use DocumentStatus::{Disputed, Open, Paid, PaymentPending};
    match status {
        Open | Disputed | PaymentPending if open.is_zero() => Paid,
        Paid | Open if underway => PaymentPending,
        Paid => Open,
        PaymentPending if !underway && was_pending => Open,
        _ => status,
    }
}

impl SyncLedger for StoreLedger<'_> {
    fn cursor(&self, endpoint: &str) -> Result<Option<String>, ApiError> {
        if let Some(c) = self.pending_cursors.get(endpoint) {
            return Ok(Some(c.clone()));
        }
        self.store
            .sync_cursor(self.namespace, endpoint)
            .map_err(ledger_err)
    }

    fn known(&self, endpoint: &str, id: &str) -> Result<Option<Known>, ApiError> {
        Ok(self.synced(endpoint, id)?.map(|r| Known {
            version: r.version,
            debtor: r.debtor,
            number: r.document.map(|(_, n)| n),
        }))
    }

    fn known_versions(&self, endpoint: &str) -> Result<Vec<(String, Option<String>)>, ApiError> {
        let mut all: HashMap<String, Option<String>> = self
            .store
            .synced_all(self.namespace, endpoint)
            .map_err(ledger_err)?
            .into_iter()
            .map(|(id, r)| (id, r.version))
            .collect();
        for ((e, id), r) in &self.pending {
            if e == endpoint {
                match r {
                    Some(r) => all.insert(id.clone(), r.version.clone()),
                    None => all.remove(id),
                };
            }
        }
        Ok(all.into_iter().collect())
    }

    fn accept(&mut self, page: Page) -> Result<(), ApiError> {
        let r = self.accept_page(page);
        if r.is_err() {
            // The open transaction is gone with the error: so is what it remembered.
            self.tx = None;
            self.pending.clear();
            self.pending_cursors.clear();
            self.tx_docs.clear();
            self.tx_records = 0;
        }
        r
    }

    fn warn(&mut self, message: String) {
        tracing::warn!(source = %self.summary.source, "{message}");
        self.summary.warnings.push(message);
    }

    fn listing_begins(&mut self, endpoint: &'static str) {
        self.seen.insert(endpoint, HashSet::new());
    }

    fn seen(&mut self, endpoint: &'static str, ids: &mut dyn Iterator<Item = &str>) {
        let set = self.seen.entry(endpoint).or_default();
        for id in ids {
            set.insert(id.to_string());
        }
    }

    fn listing_complete(&mut self, endpoint: &'static str) -> Result<(), ApiError> {
        self.finish()?;
        let Some(seen) = self.seen.remove(endpoint) else {
            return Err(ApiError::Ledger(format!(
                "{endpoint}: a listing was completed that never began; nothing deleted"
            )));
        };
        let known = self
            .store
            .synced_all(self.namespace, endpoint)
            .map_err(ledger_err)?;
        // Records remembered only so they are not fetched again (a draft, a Moneybird external
        // invoice not booked yet) hold nothing of the ledger: their going is no alarm.
        let held = known
            .iter()
            .any(|(_, r)| r.document.is_some() || r.debtor.is_some());
        if seen.is_empty() && held && !self.accept_empty.contains(endpoint) {
            let w = format!(
                "{endpoint}: the API listed no records, but {} were synced before; suspicious (a wrong administration, or an empty answer by mistake), so nothing was deleted (when every one of them is indeed gone upstream: `incasso sync --accept-empty {endpoint}`)",
                known.len()
            );
            self.warn(w);
            return Ok(());
        }
        let gone: Vec<(String, SyncedRecord)> = known
            .into_iter()
            .filter(|(id, _)| !seen.contains(id))
            .collect();
        if gone.is_empty() {
            return Ok(());
        }
        let mut h = blake3::Hasher::new();
        h.update(self.namespace.as_bytes());
        h.update(endpoint.as_bytes());
        h.update(self.at.to_rfc3339().as_bytes());
        for (id, _) in &gone {
            h.update(id.as_bytes());
        }
        let source = Source {
            kind: SourceKind::Api,
            name: format!(
                "{} {endpoint}: missing from the complete listing",
                self.summary.source
            ),
            content_hash: h.finalize().to_hex().to_string(),
        };
        let mut tx = self.begin(&source)?;
        for (id, rec) in &gone {
            let at = Location::ApiRecord(format!("{endpoint}/{id} deleted upstream"));
            tx = self.void(tx, rec, id, at, &source)?;
            self.forget(&mut tx, endpoint, id);
        }
        tracing::info!(endpoint, deleted = gone.len(), "records deleted upstream");
        self.commit(tx)
    }
}
