//! A claim as incasso computed it (`incasso_core::collection::claims::Claim`) in the intake
//! schema, with what was received on its items and its attachments, and the fingerprint that
//! says whether a claim sent before has changed in substance.

use std::path::Path;

use base64::Engine;
use chrono::NaiveDate;
use incasso_core::collection::claims::{Claim as CoreClaim, LetterOnFile};
use incasso_core::collection::{Channel, Reminder};
use incasso_core::law::claim::InterestSegment;
use incasso_core::law::{DebtorType, Jurisdiction};
use incasso_core::money::round_cents;
use rust_decimal::Decimal;

use crate::schema::{
    Address, Attachment, Claim, ClaimCreditor, ClaimKind, Costs, Debtor, DebtorKind, Interest,
    InterestPeriod, Item, Letter, Received, TraceStep,
};

/// Files up to this size travel inside the claim, base64; larger ones by hash only.
pub const INLINE_ATTACHMENT_LIMIT: u64 = 1024 * 1024;

/// A payment or credit note applied to one item of the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedOnItem {
    /// The invoice number.
    pub item: String,
    /// The payment id or credit note number.
    pub reference: String,
    /// Booking or issue date.
    pub date: Option<NaiveDate>,
    /// Amount applied.
    pub amount: Decimal,
    /// A credit note rather than a payment.
    pub credit_note: bool,
}

fn channel(c: Channel) -> String {
    match c {
        Channel::Post => "post",
        Channel::Email => "email",
    }
    .into()
}

/// A letter on file: what was recorded, received only when recorded (no presumption is made
/// for letters whose term counts for nothing).
fn letter(r: &Reminder) -> Letter {
    Letter {
        kind: serde_json::to_value(r.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        sent: r.sent,
        channel: channel(r.channel),
        received: r.received,
        received_presumed: false,
        term_starts: None,
        last_day: None,
        costs_from: None,
        legal_basis: None,
    }
}

/// The letter the costs rest on, with the term the law gives it.
fn fourteen_day_letter(l: &LetterOnFile, basis: Option<&str>) -> Letter {
    Letter {
        received: l.term.received,
        received_presumed: l.term.received_presumed,
        term_starts: Some(l.term.starts),
        last_day: Some(l.term.last_day),
        costs_from: Some(l.term.costs_from),
        legal_basis: basis.map(str::to_string),
        ..letter(&l.letter)
    }
}

/// The wire form of a computed claim, under the agency's claim id and revision.
pub fn claim(
    c: &CoreClaim,
    claim_id: &str,
    kind: ClaimKind,
    revision: u32,
    received: &[ReceivedOnItem],
    attachments_dir: Option<&Path>,
) -> Claim {
    let d = &c.debtor;
    let items: Vec<Item> = c
        .items
        .iter()
        .map(|i| Item {
            number: i.number.clone(),
            issue_date: i.issue_date,
            due_date: i.due_date,
            default_date: i.default_date,
            interest_from: i.interest_from,
            currency: c.currency.to_string(),
            original: round_cents(i.original),
            open: round_cents(i.open),
            claimed: round_cents(i.claimed),
            vat: None,
        })
        .collect();
    let principal: Decimal = items.iter().map(|i| i.claimed).sum();
    let a = &c.amounts;
    let costs_excl = round_cents(a.collection_costs_excl_vat);
    let costs_vat = round_cents(a.collection_costs_vat);
    let interest_total = round_cents(a.interest_outstanding);
    let on_item = |credit_note: bool| -> Vec<Received> {
        received
            .iter()
            .filter(|r| r.credit_note == credit_note && c.items.iter().any(|i| i.number == r.item))
            .map(|r| Received {
                item: r.item.clone(),
                reference: r.reference.clone(),
                date: r.date,
                amount: round_cents(r.amount),
            })
            .collect()
    };
    let attachments = c
        .items
        .iter()
        .flat_map(|i| i.attachments.iter().map(move |a| (i, a)))
        .map(|(i, a)| Attachment {
            item: i.number.clone(),
            hash: a.hash.clone(),
            size: a.size,
            mime: a.mime.clone(),
            filename: a.filename.clone(),
            content_base64: attachments_dir
                .filter(|_| a.size <= INLINE_ATTACHMENT_LIMIT)
                .and_then(|dir| std::fs::read(dir.join(&a.hash)).ok())
                .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)),
        })
        .collect();
    let costs = Costs {
        amount_excl_vat: costs_excl,
        vat: costs_vat,
        total: costs_excl + costs_vat,
        note: a.costs_note.clone(),
        trace: a
            .costs_trace
            .iter()
            .map(|t| TraceStep {
                step: t.step.clone(),
                base: t.base.clone(),
                rate: t.rate.clone(),
                amount: t.amount.clone(),
                legal_basis: t.basis.clone(),
            })
            .collect(),
    };
    let total = principal + costs.total + interest_total;
    let address = d.address.with_house_number();
    let interest_basis = c.legal_basis.interest.cite();
    let letter_basis = c.legal_basis.fourteen_day_letter.map(|b| b.cite());
    Claim {
        claim_id: claim_id.to_string(),
        kind,
        revision,
        as_of: c.as_of,
        jurisdiction: match c.jurisdiction {
            Jurisdiction::Nl => "nl",
            Jurisdiction::Be => "be",
        }
        .into(),
        creditor: ClaimCreditor {
            name: c.creditor.details.name.clone(),
            address: c.creditor.details.address.clone(),
            kvk: c.creditor.details.kvk.clone(),
            be_enterprise_number: c.creditor.details.enterprise_number.clone(),
            vat_number: c.creditor.details.vat_number.clone(),
            iban: c.creditor.details.iban.clone(),
            email: c.creditor.details.email.clone(),
        },
        debtor: Debtor {
            kind: match c.debtor_type {
                DebtorType::Consumer => DebtorKind::Person,
                DebtorType::Business => DebtorKind::Company,
            },
            id: d.id.as_str().to_string(),
            name: d.name.clone().unwrap_or_else(|| d.id.as_str().to_string()),
            kvk: d.kvk.clone(),
            be_enterprise_number: None,
            vat_number: d.vat_number.clone(),
            address: Address {
                street: address.street,
                house_number: address.house_number,
                postcode: address.postcode,
                city: address.city,
                // A country the books write out ("Netherlands") goes as its code, which the
                // schema takes; one no code is known for goes as written (and is refused).
                country: address
                    .country
                    .as_deref()
                    .map(|c| incasso_core::countries::iso_code(c).unwrap_or_else(|| c.to_string())),
            },
            email: d.email.clone(),
            phone: d.phone.clone(),
            iban: d.ibans.first().map(|i| i.as_str().to_string()),
        },
        currency: c.currency.to_string(),
        items,
        payments: on_item(false),
        credit_notes: on_item(true),
        principal,
        costs,
        interest: Interest {
            total: interest_total,
            table: a.interest_table.clone(),
            legal_basis: interest_basis.clone(),
            periods: a
                .interest_segments
                .iter()
                .filter_map(|s| match s {
                    InterestSegment::Period {
                        invoice,
                        from,
                        to_incl,
                        days,
                        base,
                        rate_pct,
                        interest,
                        ..
                    } => Some(InterestPeriod {
                        item: invoice.to_string(),
                        from: *from,
                        to: *to_incl,
                        days: *days,
                        base: round_cents(*base),
                        rate_pct: *rate_pct,
                        amount: round_cents(*interest),
                        legal_basis: interest_basis.clone(),
                    }),
                    InterestSegment::Capitalisation { .. } => None,
                })
                .collect(),
        },
        total,
        reminders: c.reminders.iter().map(letter).collect(),
        fourteen_day_letter: c
            .fourteen_day_letter
            .as_ref()
            .map(|l| fourteen_day_letter(l, letter_basis.as_deref())),
        default_basis: c.legal_basis.default_date.cite(),
        withdrawn_items: Vec::new(),
        attachments,
    }
}

/// What a claim rests on: debtor, currency, items with their amounts, payments and credit notes;
/// then the law, the costs, the debtor's and the creditor's details. Interest running on with
/// time is left out, so waiting a day makes no update.
pub fn basis(c: &Claim) -> String {
    let mut h = blake3::Hasher::new();
    let mut put = |s: &str| {
        h.update(s.as_bytes());
        h.update(&[0]);
    };
    put(&c.debtor.id);
    put(&c.currency);
    for i in &c.items {
        put(&i.number);
        put(&i.original.to_string());
        put(&i.open.to_string());
        put(&i.claimed.to_string());
    }
    for r in c.payments.iter().chain(&c.credit_notes) {
        put(&r.item);
        put(&r.reference);
        put(&r.amount.to_string());
    }
    let items = h.finalize().to_hex()[..32].to_string();
    // What the agency acts on besides the items: the law and the costs it follows, who owes
    // and who is paid. A policy made VAT not deductible, a debtor's address filled in, a new
    // account of the creditor: each is an update. Interest is not (it runs on every day).
    let mut h = blake3::Hasher::new();
    for part in [
        serde_json::to_vec(&c.jurisdiction),
        serde_json::to_vec(&c.creditor),
        serde_json::to_vec(&c.debtor),
        serde_json::to_vec(&(c.costs.amount_excl_vat, c.costs.vat, c.costs.total)),
    ] {
        h.update(&part.unwrap_or_default());
        h.update(&[0]);
    }
    format!("{items}:{}", &h.finalize().to_hex()[..16])
}

/// Whether a stored basis is the same as `now`'s ([`basis`]). One stored by a build before
/// the second part is compared on its items, the part it has.
pub fn same_basis(stored: &str, now: &str) -> bool {
    stored == now || (!stored.contains(':') && now.split(':').next() == Some(stored))
}
