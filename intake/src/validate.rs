//! The business rules a claim must meet besides its shape: sums that add up, one currency, sane
//! dates, amounts in cents. The exporter runs them before sending (`--dry-run` too), the server
//! on receipt; each broken rule is one reason in plain words.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::schema::{Batch, Claim, ClaimKind, DebtorKind, Withdrawal, SCHEMA};

mod texts;
use texts::texts;

/// The earliest date a document of a live claim can carry.
const EARLIEST: (i32, u32, u32) = (1990, 1, 1);

/// Claims and withdrawals one batch may carry (the exporter sends at most this many).
pub const MAX_BATCH_ENTRIES: usize = 1_000;
/// Items one claim may name.
pub const MAX_ITEMS: usize = 1_000;
/// Payments, credit notes, interest periods or reminders one claim may list, each.
pub const MAX_LIST: usize = 10_000;
/// Characters any text field may hold.
pub const MAX_TEXT: usize = 4_000;
/// Characters an identifier (claim, batch, item, debtor, reference) may hold.
pub const MAX_ID: usize = 100;
/// Highest revision taken (what every store keeps as a signed 32-bit number).
pub const MAX_REVISION: u32 = i32::MAX as u32;
/// Characters a name may hold.
pub const MAX_NAME: usize = 300;

/// Why an identifier is unusable: empty, too long, or holding control characters (a NUL in an id
/// could alias another creditor's key).
pub fn id_problem(what: &str, id: &str) -> Option<String> {
    if id.trim().is_empty() || id.chars().count() > MAX_ID {
        Some(format!("{what} must be 1 to {MAX_ID} characters"))
    } else if id.chars().any(char::is_control) {
        Some(format!("{what} holds a control character"))
    } else {
        None
    }
}

/// Why a batch as a whole is unusable (wrong schema, no claims, duplicate ids), if it is.
pub fn batch_problems(batch: &Batch) -> Vec<String> {
    let mut out = Vec::new();
    if batch.schema != SCHEMA {
        out.push(format!("schema is '{}', expected '{SCHEMA}'", batch.schema));
    }
    out.extend(id_problem("batch_id", &batch.batch_id));
    if batch.claims.is_empty() && batch.withdrawals.is_empty() {
        out.push("the batch has no claims and no withdrawals".into());
    }
    let entries = batch.claims.len() + batch.withdrawals.len();
    if entries > MAX_BATCH_ENTRIES {
        out.push(format!(
            "the batch carries {entries} claims and withdrawals; at most {MAX_BATCH_ENTRIES} are taken at once"
        ));
    }
    let mut ids: Vec<&str> = batch
        .claims
        .iter()
        .map(|c| c.claim_id.as_str())
        .chain(batch.withdrawals.iter().map(|w| w.claim_id.as_str()))
        .collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        out.push(format!("claim {} occurs twice in the batch", w[0]));
    }
    out
}

fn cents(what: &str, v: Decimal, out: &mut Vec<String>) {
    if v.is_sign_negative() && !v.is_zero() {
        out.push(format!("{what} is negative ({v})"));
    }
    if v.normalize().scale() > 2 {
        out.push(format!("{what} has more than two decimals ({v})"));
    }
}

/// Why a withdrawal cannot be accepted (empty when it can).
pub fn withdrawal_problems(w: &Withdrawal) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(id_problem("claim_id", &w.claim_id));
    texts(w, &mut out);
    if w.revision < 2 {
        out.push("a withdrawal follows an accepted claim: its revision is 2 or more".into());
    }
    if w.revision > MAX_REVISION {
        out.push(format!("revision {} is above {MAX_REVISION}", w.revision));
    }
    if w.items.len() > MAX_ITEMS {
        out.push(format!("a withdrawal names at most {MAX_ITEMS} items"));
    }
    for it in &w.items {
        out.extend(id_problem("items[].number", &it.number));
    }
    out
}

/// Why a claim cannot be accepted on `today` (empty when it can).
pub fn claim_problems(c: &Claim, today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let earliest = NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).expect("valid");
    out.extend(id_problem("claim_id", &c.claim_id));
    out.extend(id_problem("debtor.id", &c.debtor.id));
    texts(c, &mut out);
    if c.kind == ClaimKind::New && c.revision != 1 {
        out.push(format!(
            "a new claim is revision 1, not {}; changes to a claim the agency holds go as kind \"update\"",
            c.revision
        ));
    }
    if c.items.len() > MAX_ITEMS {
        out.push(format!(
            "the claim has {} items; at most {MAX_ITEMS} are taken",
            c.items.len()
        ));
    }
    for (what, n) in [
        ("payments", c.payments.len()),
        ("credit_notes", c.credit_notes.len()),
        ("interest.periods", c.interest.periods.len()),
        ("reminders", c.reminders.len()),
        ("costs.trace", c.costs.trace.len()),
        ("attachments", c.attachments.len()),
    ] {
        if n > MAX_LIST {
            out.push(format!(
                "{what} has {n} entries; at most {MAX_LIST} are taken"
            ));
        }
    }
    for it in &c.items {
        out.extend(id_problem("an item number", &it.number));
    }
    if c.revision == 0 {
        out.push("revision starts at 1".into());
    }
    if c.revision > MAX_REVISION {
        out.push(format!("revision {} is above {MAX_REVISION}", c.revision));
    }
    if !matches!(c.jurisdiction.as_str(), "nl" | "be") {
        out.push(format!("jurisdiction '{}' is not nl or be", c.jurisdiction));
    }
    let iso = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase());
    let iso4217 = incasso_core::money::Currency::parse(&c.currency)
        .is_ok_and(|cur| cur.is_iso4217() && cur.as_str() == c.currency);
    if !iso(&c.currency, 3) || !iso4217 {
        out.push(format!("currency '{}' is not an ISO 4217 code", c.currency));
    }
    if c.debtor.name.trim().is_empty() {
        out.push("debtor.name is empty".into());
    }
    if let Some(country) = &c.debtor.address.country {
        if !iso(country, 2) {
            out.push(format!(
                "debtor.address.country '{country}' is not an ISO 3166 code"
            ));
        }
    }
    if c.as_of > today + chrono::Days::new(1) || c.as_of < earliest {
        out.push(format!(
            "as_of {} is not a sane date (today is {today})",
            c.as_of
        ));
    }
    if c.items.is_empty() {
        out.push("the claim has no items".into());
    }
    let mut claimed = Decimal::ZERO;
    for it in &c.items {
        let name = format!("item {}", it.number);
        if it.currency != c.currency {
            out.push(format!(
                "{name} is in {} but the claim is in {}",
                it.currency, c.currency
            ));
        }
        if it.issue_date > it.due_date {
            out.push(format!(
                "{name}: issue date {} is after due date {}",
                it.issue_date, it.due_date
            ));
        }
        if it.default_date <= it.due_date {
            out.push(format!(
                "{name}: default date {} is not after due date {}",
                it.default_date, it.due_date
            ));
        }
        if it.issue_date < earliest || it.due_date > c.as_of {
            out.push(format!(
                "{name}: dates {} to {} are not sane for a claim as of {}",
                it.issue_date, it.due_date, c.as_of
            ));
        }
        cents(&format!("{name} original"), it.original, &mut out);
        cents(&format!("{name} open"), it.open, &mut out);
        cents(&format!("{name} claimed"), it.claimed, &mut out);
        if it.open > it.original || it.claimed > it.open {
            out.push(format!(
                "{name}: claimed {} <= open {} <= original {} does not hold",
                it.claimed, it.open, it.original
            ));
        }
        match claimed.checked_add(it.claimed) {
            Some(sum) => claimed = sum,
            None => out.push(format!("{name}: the amounts are too large to add up")),
        }
    }
    if c.withdrawn_items.len() > MAX_ITEMS {
        out.push(format!("a claim names at most {MAX_ITEMS} withdrawn items"));
    }
    for w in &c.withdrawn_items {
        out.extend(id_problem("withdrawn_items[].number", &w.number));
        if c.items.iter().any(|i| i.number == w.number) {
            out.push(format!(
                "withdrawn item {} is also among the claim's items",
                w.number
            ));
        }
    }
    for r in c.payments.iter().chain(&c.credit_notes) {
        cents(&format!("received {}", r.reference), r.amount, &mut out);
        if !c.items.iter().any(|i| i.number == r.item) {
            out.push(format!(
                "received {} names item {}, which is not in the claim",
                r.reference, r.item
            ));
        }
    }
    if let Some(l) = &c.fourteen_day_letter {
        let order = [Some(l.sent), l.term_starts, l.last_day, l.costs_from];
        if order
            .windows(2)
            .any(|w| matches!(w, [Some(a), Some(b)] if a >= b))
        {
            out.push(format!(
                "fourteen_day_letter: sent {}, term {:?} to {:?}, costs from {:?} are not in order",
                l.sent, l.term_starts, l.last_day, l.costs_from
            ));
        }
    }
    // A consumer owes collection costs only after the letter's term (art. 6:96 lid 6 BW,
    // art. XIX.2 WER): costs without a letter whose term has passed are refused.
    if c.debtor.kind == DebtorKind::Person && c.costs.total > Decimal::ZERO {
        match c.fourteen_day_letter.as_ref().and_then(|l| l.costs_from) {
            Some(from) if from <= c.as_of => {}
            Some(from) => out.push(format!(
                "costs are charged to a consumer before the letter's term ends (costs from {from}, as_of {})",
                c.as_of
            )),
            None => out.push(
                "costs are charged to a consumer without a 14-day letter and its term".into(),
            ),
        }
    }
    cents("principal", c.principal, &mut out);
    cents("costs.total", c.costs.total, &mut out);
    cents("costs.amount_excl_vat", c.costs.amount_excl_vat, &mut out);
    cents("costs.vat", c.costs.vat, &mut out);
    cents("interest.total", c.interest.total, &mut out);
    for (n, p) in c.interest.periods.iter().enumerate() {
        let name = format!("interest.periods[{n}]");
        if p.days < 0 {
            out.push(format!("{name}: days is negative ({})", p.days));
        }
        cents(&format!("{name}.amount"), p.amount, &mut out);
        cents(&format!("{name}.base"), p.base, &mut out);
        if p.rate_pct.is_sign_negative() && !p.rate_pct.is_zero() {
            out.push(format!("{name}: rate_pct is negative ({})", p.rate_pct));
        }
    }
    for it in &c.items {
        if let Some(v) = it.vat {
            cents(&format!("item {} vat", it.number), v, &mut out);
        }
    }
    if c.total.is_zero() && c.principal.is_zero() {
        out.push("the claim has nothing to collect (total 0.00)".into());
    }
    if c.principal != claimed {
        out.push(format!(
            "principal {} is not the items' claimed amounts added up ({claimed})",
            c.principal
        ));
    }
    if c.costs.amount_excl_vat.checked_add(c.costs.vat) != Some(c.costs.total) {
        out.push(format!(
            "costs.total {} is not amount_excl_vat {} + vat {}",
            c.costs.total, c.costs.amount_excl_vat, c.costs.vat
        ));
    }
    match c
        .principal
        .checked_add(c.costs.total)
        .and_then(|s| s.checked_add(c.interest.total))
    {
        Some(sum) if c.total != sum => out.push(format!(
            "total {} is not principal + costs + interest ({sum})",
            c.total
        )),
        Some(_) => {}
        None => out.push("principal + costs + interest is too large to add up".into()),
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::schema::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub(crate) fn sample() -> Claim {
        Claim {
            claim_id: "CLM-1".into(),
            kind: ClaimKind::New,
            revision: 1,
            as_of: date("2026-06-30"),
            jurisdiction: "nl".into(),
            creditor: ClaimCreditor {
                name: Some("Acme B.V.".into()),
                address: None,
                kvk: Some("87654321".into()),
                be_enterprise_number: None,
                vat_number: None,
                iban: Some("NL91ABNA0417164300".into()),
                email: None,
            },
            debtor: Debtor {
                kind: DebtorKind::Company,
                id: "D1".into(),
                name: "Bakkerij De Zon B.V.".into(),
                kvk: Some("12345678".into()),
                be_enterprise_number: None,
                vat_number: None,
                address: Address {
                    country: Some("NL".into()),
                    ..Address::default()
                },
                email: None,
                phone: None,
                iban: None,
            },
            currency: "EUR".into(),
            items: vec![Item {
                number: "F1".into(),
                issue_date: date("2026-01-05"),
                due_date: date("2026-02-04"),
                default_date: date("2026-02-05"),
                interest_from: Some(date("2026-02-05")),
                currency: "EUR".into(),
                original: "1210.00".parse().unwrap(),
                open: "1000.00".parse().unwrap(),
                claimed: "1000.00".parse().unwrap(),
                vat: None,
            }],
            payments: vec![Received {
                item: "F1".into(),
                reference: "P1".into(),
                date: Some(date("2026-03-01")),
                amount: "210.00".parse().unwrap(),
            }],
            credit_notes: vec![],
            principal: "1000.00".parse().unwrap(),
            costs: Costs {
                amount_excl_vat: "40.00".parse().unwrap(),
                vat: "0.00".parse().unwrap(),
                total: "40.00".parse().unwrap(),
                note: None,
                trace: vec![],
            },
            interest: Interest {
                total: "25.10".parse().unwrap(),
                table: "nl-commercial".into(),
                legal_basis: "art. 6:119a BW".into(),
                periods: vec![],
            },
            total: "1065.10".parse().unwrap(),
            reminders: vec![],
            fourteen_day_letter: None,
            default_basis: "art. 6:83 sub a BW".into(),
            withdrawn_items: Vec::new(),
            attachments: vec![],
        }
    }

    #[test]
    fn a_new_claim_is_revision_one() {
        let mut c = sample();
        c.revision = 3;
        let problems = claim_problems(&c, date("2026-06-30"));
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("a new claim is revision 1, not 3")),
            "{problems:?}"
        );
        c.kind = ClaimKind::Update;
        assert!(claim_problems(&c, date("2026-06-30"))
            .iter()
            .all(|p| !p.contains("revision 1")));
    }

    #[test]
    fn a_good_claim_passes_and_each_broken_rule_is_named() {
        let today = date("2026-07-01");
        assert!(claim_problems(&sample(), today).is_empty());
        type Break = fn(&mut Claim);
        let table: [(Break, &str); 9] = [
            (
                |c| c.total = "1065.11".parse().unwrap(),
                "total 1065.11 is not principal",
            ),
            (
                |c| c.principal = "999.00".parse().unwrap(),
                "principal 999.00 is not",
            ),
            (
                |c| c.items[0].currency = "USD".into(),
                "item F1 is in USD but the claim is in EUR",
            ),
            (|c| c.currency = "eur".into(), "currency 'eur'"),
            (
                |c| c.items[0].due_date = date("2025-12-01"),
                "issue date 2026-01-05 is after due date",
            ),
            (
                |c| c.as_of = date("2027-01-01"),
                "as_of 2027-01-01 is not a sane date",
            ),
            (
                |c| c.costs.vat = "8.40".parse().unwrap(),
                "costs.total 40.00 is not",
            ),
            (
                |c| c.items[0].claimed = "1000.001".parse().unwrap(),
                "more than two decimals",
            ),
            (
                |c| c.payments[0].item = "F9".into(),
                "names item F9, which is not in the claim",
            ),
        ];
        for (break_it, want) in table {
            let mut c = sample();
            break_it(&mut c);
            let got = claim_problems(&c, today);
            assert!(got.iter().any(|r| r.contains(want)), "{want}: {got:?}");
        }
    }
}
