//! The intake schema, version 1: what a creditor sends an agency and what the agency answers.
//! `openapi.json` beside this crate documents the same shapes; a test keeps the two in step.
//!
//! Money is a decimal string with at most two decimals (`"1210.00"`), never a JSON number, so no
//! client or server rounds it through a float; every amount of a claim is in the claim's
//! `currency`. Dates are ISO `YYYY-MM-DD`, timestamps UTC. Unknown fields are refused.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Money as the API carries it: a JSON string of digits with at most two decimals and an
/// optional minus (`"1512.50"`). A JSON number, an exponent or a third decimal is refused, so no
/// client or server rounds money through a float or guesses what was meant.
fn money<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = serde_json::Value::deserialize(d)?;
    let Some(s) = text.as_str() else {
        return Err(serde::de::Error::custom(format!(
            "money is a decimal string such as \"1512.50\", not {text}"
        )));
    };
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.len() > 14 && int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(serde::de::Error::custom(format!(
            "money \"{s}\" is too large: at most 14 digits before the decimal point"
        )));
    }
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && frac.is_empty());
    if !ok {
        return Err(serde::de::Error::custom(format!(
            "money is a decimal string with at most two decimals such as \"1512.50\", not \"{s}\""
        )));
    }
    s.parse::<Decimal>()
        .map_err(|e| serde::de::Error::custom(format!("money \"{s}\": {e}")))
}

/// [`money`], or null.
fn money_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    if v.is_null() {
        return Ok(None);
    }
    money(v).map(Some).map_err(serde::de::Error::custom)
}

/// The schema name and version every batch states.
pub const SCHEMA: &str = "incasso-intake/1";

/// The OpenAPI 3.1 document of the intake API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// One submission: some claims of one creditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The creditor's id for this batch (stable across retries).
    pub batch_id: String,
    /// Who sends.
    pub creditor: Creditor,
    /// The claims.
    pub claims: Vec<Claim>,
    /// Claims the agency holds that must stop: paid, credited, disputed, on a plan...
    #[serde(default)]
    pub withdrawals: Vec<Withdrawal>,
}

pub use incasso_core::collection::withdrawal::WithdrawalReason;

/// A claim the agency must stop collecting, with why, as its next revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// The claim.
    pub claim_id: String,
    /// Higher than every revision the agency holds of the claim (a revision the agency refused
    /// is not used again, so numbers may be skipped).
    pub revision: u32,
    /// Why, for the claim as a whole.
    pub reason: WithdrawalReason,
    /// When it happened (the payment's date), where known.
    pub date: Option<NaiveDate>,
    /// In words, for the agency's file.
    pub detail: String,
    /// What became of each invoice.
    pub items: Vec<WithdrawnItem>,
}

/// What became of one invoice of a withdrawn claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawnItem {
    /// Invoice number.
    pub number: String,
    /// Why it left the claim.
    pub reason: WithdrawalReason,
    /// When, where known.
    pub date: Option<NaiveDate>,
    /// In words.
    pub detail: String,
}

impl From<incasso_core::collection::withdrawal::ItemFate> for WithdrawnItem {
    /// An invoice's fate as the books tell it, as the agency is told it.
    fn from(f: incasso_core::collection::withdrawal::ItemFate) -> WithdrawnItem {
        WithdrawnItem {
            number: f.number,
            reason: f.reason,
            date: f.date,
            detail: f.detail,
        }
    }
}

/// The creditor (the agency's client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Creditor {
    /// The creditor's id at the agency (the one its credentials belong to).
    pub id: String,
    /// Legal name.
    pub name: Option<String>,
    /// Dutch Chamber of Commerce number.
    pub kvk: Option<String>,
    /// VAT identification number.
    pub vat_number: Option<String>,
    /// Account the agency pays collected money to.
    pub iban: Option<String>,
}

/// The creditor as one claim names it: what a letter, the agency's file and a court need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimCreditor {
    /// Legal name.
    pub name: Option<String>,
    /// Postal address on one line.
    pub address: Option<String>,
    /// Dutch Chamber of Commerce number.
    pub kvk: Option<String>,
    /// Belgian enterprise number (KBO).
    pub be_enterprise_number: Option<String>,
    /// VAT identification number.
    pub vat_number: Option<String>,
    /// Account the debtor was asked to pay to.
    pub iban: Option<String>,
    /// E-mail for questions.
    pub email: Option<String>,
}

/// Whether a claim is new or an update of one sent before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    /// First submission.
    New,
    /// New payments or credit notes on a claim already accepted; `revision` is higher.
    Update,
}

/// One claim: a debtor's qualifying invoices in one currency, with costs and interest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The creditor's deterministic claim id (its reference at the agency).
    pub claim_id: String,
    /// New, or an update.
    pub kind: ClaimKind,
    /// 1 for a new claim; an update's is higher than every revision the agency holds (a
    /// revision the agency refused is not used again, so numbers may be skipped).
    pub revision: u32,
    /// The date the amounts are computed for.
    pub as_of: NaiveDate,
    /// `nl` or `be`: the law the amounts follow.
    pub jurisdiction: String,
    /// Whose claim it is.
    pub creditor: ClaimCreditor,
    /// Who owes.
    pub debtor: Debtor,
    /// ISO 4217 currency of every amount in the claim.
    pub currency: String,
    /// The invoices.
    pub items: Vec<Item>,
    /// Payments received on the items.
    pub payments: Vec<Received>,
    /// Credit notes set off against the items.
    pub credit_notes: Vec<Received>,
    /// Principal claimed: the items' `claimed` amounts added up.
    #[serde(deserialize_with = "money")]
    pub principal: Decimal,
    /// Collection costs.
    pub costs: Costs,
    /// Statutory interest.
    pub interest: Interest,
    /// principal + costs.total + interest.total.
    #[serde(deserialize_with = "money")]
    pub total: Decimal,
    /// Reminders sent before.
    pub reminders: Vec<Letter>,
    /// The 14-day letter the costs rest on, when there is one, with its term.
    pub fourteen_day_letter: Option<Letter>,
    /// Why the items' default dates are what they are (article).
    pub default_basis: String,
    /// Documents for the case file (the invoice PDFs), by content hash.
    pub attachments: Vec<Attachment>,
    /// Of an update: the invoices an earlier revision held that this one no longer claims, with
    /// what became of each (paid, credited, disputed...), so the agency stops chasing them
    /// knowing why. A client that predates it sends none.
    #[serde(default)]
    pub withdrawn_items: Vec<WithdrawnItem>,
}

/// Person or company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DebtorKind {
    /// A natural person (consumer).
    Person,
    /// A company or professional.
    Company,
}

/// The debtor's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Debtor {
    /// Person or company.
    pub kind: DebtorKind,
    /// The creditor's debtor number.
    pub id: String,
    /// Name.
    pub name: String,
    /// Dutch Chamber of Commerce number.
    pub kvk: Option<String>,
    /// Belgian enterprise number.
    pub be_enterprise_number: Option<String>,
    /// VAT identification number.
    pub vat_number: Option<String>,
    /// Postal address.
    pub address: Address,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// An account the debtor paid from.
    pub iban: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street.
    pub street: Option<String>,
    /// House number with any addition.
    pub house_number: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
}

/// One invoice of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Invoice number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// First day of default (the day after the due date).
    pub default_date: NaiveDate,
    /// First day interest runs, when it runs by `as_of`.
    pub interest_from: Option<NaiveDate>,
    /// Currency (the claim's).
    pub currency: String,
    /// Invoice total.
    #[serde(deserialize_with = "money")]
    pub original: Decimal,
    /// Open after payments and credit notes.
    #[serde(deserialize_with = "money")]
    pub open: Decimal,
    /// Claimed after setting off the debtor's unapplied credit.
    #[serde(deserialize_with = "money")]
    pub claimed: Decimal,
    /// VAT on the invoice, when known.
    #[serde(deserialize_with = "money_opt")]
    pub vat: Option<Decimal>,
}

/// A payment or credit note received on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Received {
    /// The item it reduced.
    pub item: String,
    /// The payment's id or the credit note's number.
    pub reference: String,
    /// Booking date (payments) or issue date (credit notes).
    pub date: Option<NaiveDate>,
    /// Amount applied to the item.
    #[serde(deserialize_with = "money")]
    pub amount: Decimal,
}

/// Collection costs with their computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Excluding VAT.
    #[serde(deserialize_with = "money")]
    pub amount_excl_vat: Decimal,
    /// VAT on the costs (when the creditor cannot deduct it).
    #[serde(deserialize_with = "money")]
    pub vat: Decimal,
    /// amount_excl_vat + vat.
    #[serde(deserialize_with = "money")]
    pub total: Decimal,
    /// Why there are none, when there are none.
    pub note: Option<String>,
    /// The steps of the computation.
    pub trace: Vec<TraceStep>,
}

/// One step of a computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceStep {
    /// What the step is.
    pub step: String,
    /// The amount it applies to.
    pub base: Option<String>,
    /// The rate or rule.
    pub rate: Option<String>,
    /// The result.
    pub amount: String,
    /// The article (and ruling) the step applies.
    pub legal_basis: Option<String>,
}

/// Statutory interest with its periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interest {
    /// Interest outstanding.
    #[serde(deserialize_with = "money")]
    pub total: Decimal,
    /// The rate table used.
    pub table: String,
    /// The article the interest follows.
    pub legal_basis: String,
    /// Each period at one base and rate.
    pub periods: Vec<InterestPeriod>,
}

/// Interest over a period at one base and rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterestPeriod {
    /// The item.
    pub item: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Days.
    pub days: i64,
    /// Amount the interest ran on.
    #[serde(deserialize_with = "money")]
    pub base: Decimal,
    /// Percent a year.
    pub rate_pct: Decimal,
    /// Interest.
    #[serde(deserialize_with = "money")]
    pub amount: Decimal,
    /// The article the interest follows.
    pub legal_basis: String,
}

/// A letter sent to the debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    /// Kind of letter (reminder, fourteen-day-letter, pre-incasso).
    pub kind: String,
    /// Date sent.
    pub sent: NaiveDate,
    /// `post` or `email`.
    pub channel: String,
    /// Date received: recorded, or presumed when `received_presumed`.
    pub received: Option<NaiveDate>,
    /// Whether `received` is the legal presumption rather than a recorded date.
    pub received_presumed: bool,
    /// First day of the term the letter gave (14-day letters).
    pub term_starts: Option<NaiveDate>,
    /// Last day the debtor could pay without costs (14-day letters).
    pub last_day: Option<NaiveDate>,
    /// First day costs could be charged (14-day letters).
    pub costs_from: Option<NaiveDate>,
    /// The article (and ruling) the term follows (14-day letters).
    pub legal_basis: Option<String>,
}

/// A document for the case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The item it belongs to.
    pub item: String,
    /// BLAKE3 of the bytes, hex.
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type.
    pub mime: Option<String>,
    /// File name.
    pub filename: Option<String>,
    /// The bytes, base64, for files up to the inline limit; larger ones travel by hash only.
    pub content_base64: Option<String>,
}

/// What became of one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Stored; the agency takes the case.
    Accepted,
    /// Refused, with reasons; nothing stored for it.
    Rejected,
}

/// The answer for one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimAnswer {
    /// The claim.
    pub claim_id: String,
    /// The revision answered.
    pub revision: u32,
    /// Accepted or rejected.
    pub outcome: Outcome,
    /// Why it was rejected.
    pub reasons: Vec<String>,
}

impl ClaimAnswer {
    /// Accepted when there is no reason to refuse, else rejected with the reasons.
    pub fn judged(claim_id: String, revision: u32, reasons: Vec<String>) -> ClaimAnswer {
        ClaimAnswer {
            claim_id,
            revision,
            outcome: if reasons.is_empty() {
                Outcome::Accepted
            } else {
                Outcome::Rejected
            },
            reasons,
        }
    }
}

/// The answer to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchAnswer {
    /// The batch.
    pub batch_id: String,
    /// When the agency stored it.
    pub received_at: DateTime<Utc>,
    /// One answer per claim, in the batch's order, then one per withdrawal.
    pub results: Vec<ClaimAnswer>,
}

/// An error answer (any non-200 status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorAnswer {
    /// A stable code (`bad-json`, `schema`, `unauthorized`, `too-large`, `busy`,
    /// `idempotency-key-reused`, `not-found`).
    pub error: String,
    /// What is wrong, in plain words.
    pub message: String,
}

/// Whether the agency is collecting a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimState {
    /// Being collected.
    Open,
    /// Withdrawn by the creditor: collection stops.
    Withdrawn,
}

/// One step in a claim's life at the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimEvent {
    /// The revision.
    pub revision: u32,
    /// `new`, `update` or `withdrawn`.
    pub event: String,
    /// When the agency accepted it.
    pub at: DateTime<Utc>,
    /// The batch that brought it.
    pub batch_id: String,
}

/// The state of a claim at the agency (`GET /claims/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimStatus {
    /// The claim.
    pub claim_id: String,
    /// Open or withdrawn.
    pub status: ClaimState,
    /// The withdrawal, when withdrawn.
    pub withdrawal: Option<Withdrawal>,
    /// Every revision and the withdrawal, oldest first.
    pub history: Vec<ClaimEvent>,
    /// The latest accepted revision of the claim's content.
    pub revision: u32,
    /// When that revision was accepted.
    pub accepted_at: DateTime<Utc>,
    /// The batch that brought it.
    pub batch_id: String,
    /// Total claimed in that revision.
    #[serde(deserialize_with = "money")]
    pub total: Decimal,
    /// Currency.
    pub currency: String,
    /// The agency's record of its collection, once it has recorded any.
    pub agency: Option<AgencyStatus>,
}

/// Where the agency's collection of a claim stands, as the agency records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgencyState {
    /// The agency has the claim and has not started on it.
    Received,
    /// The agency is collecting (letters, calls).
    InProgress,
    /// The debtor pays the agency in instalments.
    PaymentPlan,
    /// Closed: the debtor paid in full.
    ClosedPaid,
    /// Closed: the agency could not collect it.
    ClosedUncollectible,
    /// Closed: the creditor withdrew it.
    ClosedWithdrawn,
}

impl AgencyState {
    /// The state's wire code (`in-progress`).
    pub fn code(&self) -> &'static str {
        match self {
            AgencyState::Received => "received",
            AgencyState::InProgress => "in-progress",
            AgencyState::PaymentPlan => "payment-plan",
            AgencyState::ClosedPaid => "closed-paid",
            AgencyState::ClosedUncollectible => "closed-uncollectible",
            AgencyState::ClosedWithdrawn => "closed-withdrawn",
        }
    }
}

/// An amount the agency collected from the debtor for a claim, in the claim's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collected {
    /// The agency's own id of this receipt, unique within the claim: sending it again changes
    /// nothing, so a retried update never books an amount twice.
    pub id: String,
    /// The day the agency received it.
    pub date: NaiveDate,
    /// The amount: positive, or, with `reverses`, minus the amount it undoes.
    #[serde(deserialize_with = "money")]
    pub amount: Decimal,
    /// The id of an earlier receipt this one undoes whole (a direct debit that bounced).
    #[serde(default)]
    pub reverses: Option<String>,
}

/// What the agency records of a claim's progress (`PATCH /v1/claims/{id}/status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusUpdate {
    /// The creditor whose claim it is (claim ids are the creditor's own).
    pub creditor: String,
    /// The state the claim is now in.
    pub state: AgencyState,
    /// In words, for the creditor.
    #[serde(default)]
    pub note: String,
    /// Amounts collected; ones recorded before (by id) may be repeated, never changed.
    #[serde(default)]
    pub collected: Vec<Collected>,
}

/// The agency's record of a claim's progress, as the creditor reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyStatus {
    /// The state.
    pub state: AgencyState,
    /// When the agency last recorded a change.
    pub since: DateTime<Utc>,
    /// In words.
    pub note: String,
    /// Every amount collected, oldest first.
    pub collected: Vec<Collected>,
    /// Counts the recorded changes (1 for the first).
    pub version: u32,
}

/// One entry of the change feed: something the agency's store took, in commit order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Its place in the feed; a later commit has a higher one.
    pub seq: u64,
    /// The creditor.
    pub creditor: String,
    /// The claim.
    pub claim_id: String,
    /// `new`, `update`, `withdrawn` or `status`.
    pub event: String,
    /// The claim's revision after it.
    pub revision: u32,
    /// When it was stored.
    pub at: DateTime<Utc>,
    /// The batch that brought it (none for a status).
    pub batch_id: Option<String>,
    /// The claim as accepted, for `new` and `update`.
    pub claim: Option<Claim>,
    /// The withdrawal, for `withdrawn`.
    pub withdrawal: Option<Withdrawal>,
    /// The agency's record after it, for `status`.
    pub status: Option<AgencyStatus>,
}

/// A page of the change feed (`GET /v1/changes?after=CURSOR`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePage {
    /// The changes after the cursor, oldest first.
    pub changes: Vec<Change>,
    /// The cursor to ask for the next page with (the same one when the page is empty).
    pub next: String,
    /// Whether more changes wait past this page.
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every field a type serialises is in the OpenAPI schema of the same name, and required.
    fn same_fields(doc: &Value, name: &str, v: &Value) {
        let schema = &doc["components"]["schemas"][name];
        let props = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} in openapi.json"));
        let obj = v.as_object().unwrap();
        let mut ours: Vec<&String> = obj.keys().collect();
        let mut theirs: Vec<&String> = props.keys().collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}: fields");
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        required.sort();
        assert_eq!(
            required,
            theirs.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "{name}: required"
        );
        assert_eq!(
            schema["additionalProperties"],
            Value::Bool(false),
            "{name}: closed"
        );
    }

    #[test]
    fn openapi_document_matches_the_types() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut claim = crate::validate::tests::sample();
        claim.credit_notes = claim.payments.clone();
        claim.costs.trace.push(TraceStep {
            step: "s".into(),
            base: None,
            rate: None,
            amount: "1".into(),
            legal_basis: None,
        });
        claim.interest.periods.push(InterestPeriod {
            item: "F1".into(),
            from: claim.as_of,
            to: claim.as_of,
            days: 1,
            base: Decimal::ONE,
            rate_pct: Decimal::ONE,
            amount: Decimal::ONE,
            legal_basis: "art. 6:119a BW".into(),
        });
        claim.reminders.push(Letter {
            kind: "reminder".into(),
            sent: claim.as_of,
            channel: "post".into(),
            received: None,
            received_presumed: false,
            term_starts: None,
            last_day: None,
            costs_from: None,
            legal_basis: None,
        });
        claim.attachments.push(Attachment {
            item: "F1".into(),
            hash: "0".repeat(64),
            size: 1,
            mime: None,
            filename: None,
            content_base64: None,
        });
        let withdrawal = Withdrawal {
            claim_id: "CLM-2".into(),
            revision: 2,
            reason: WithdrawalReason::Paid,
            date: Some(claim.as_of),
            detail: "F2 was paid".into(),
            items: vec![WithdrawnItem {
                number: "F2".into(),
                reason: WithdrawalReason::Paid,
                date: Some(claim.as_of),
                detail: "F2 was paid".into(),
            }],
        };
        let batch = Batch {
            schema: SCHEMA.into(),
            batch_id: "b".into(),
            creditor: Creditor {
                id: "acme".into(),
                name: None,
                kvk: None,
                vat_number: None,
                iban: None,
            },
            claims: vec![claim],
            withdrawals: vec![withdrawal.clone()],
        };
        let v = serde_json::to_value(&batch).unwrap();
        let c = &v["claims"][0];
        same_fields(&doc, "Batch", &v);
        same_fields(&doc, "Withdrawal", &v["withdrawals"][0]);
        same_fields(&doc, "WithdrawnItem", &v["withdrawals"][0]["items"][0]);
        let status = serde_json::to_value(ClaimStatus {
            claim_id: "CLM-2".into(),
            status: ClaimState::Withdrawn,
            withdrawal: Some(withdrawal),
            history: vec![ClaimEvent {
                revision: 1,
                event: "new".into(),
                at: chrono::Utc::now(),
                batch_id: "b".into(),
            }],
            revision: 1,
            accepted_at: chrono::Utc::now(),
            batch_id: "b".into(),
            total: Decimal::ONE,
            currency: "EUR".into(),
            agency: Some(AgencyStatus {
                state: AgencyState::PaymentPlan,
                since: chrono::Utc::now(),
                note: "n".into(),
                collected: vec![Collected {
                    id: "r1".into(),
                    date: batch.claims[0].as_of,
                    amount: Decimal::ONE,
                    reverses: None,
                }],
                version: 1,
            }),
        })
        .unwrap();
        same_fields(&doc, "ClaimStatus", &status);
        same_fields(&doc, "AgencyStatus", &status["agency"]);
        same_fields(&doc, "Collected", &status["agency"]["collected"][0]);
        let page = serde_json::to_value(ChangePage {
            changes: vec![Change {
                seq: 1,
                creditor: "acme".into(),
                claim_id: "CLM-2".into(),
                event: "status".into(),
                revision: 1,
                at: chrono::Utc::now(),
                batch_id: None,
                claim: None,
                withdrawal: None,
                status: None,
            }],
            next: "1".into(),
            more: false,
        })
        .unwrap();
        same_fields(&doc, "ChangePage", &page);
        same_fields(&doc, "Change", &page["changes"][0]);
        // A status update's note and amounts may be left out.
        let update: Value = serde_json::from_str(
            r#"{"creditor": "acme", "state": "closed-paid", "note": "", "collected": []}"#,
        )
        .unwrap();
        let fields: Vec<&String> = update.as_object().unwrap().keys().collect();
        let props = doc["components"]["schemas"]["StatusUpdate"]["properties"]
            .as_object()
            .unwrap();
        assert!(fields.iter().all(|f| props.contains_key(*f)) && props.len() == fields.len());
        serde_json::from_value::<StatusUpdate>(update).unwrap();
        same_fields(&doc, "ClaimEvent", &status["history"][0]);
        same_fields(&doc, "Creditor", &v["creditor"]);
        same_fields(&doc, "Claim", c);
        same_fields(&doc, "ClaimCreditor", &c["creditor"]);
        same_fields(&doc, "Debtor", &c["debtor"]);
        same_fields(&doc, "Address", &c["debtor"]["address"]);
        same_fields(&doc, "Item", &c["items"][0]);
        same_fields(&doc, "Received", &c["payments"][0]);
        same_fields(&doc, "Costs", &c["costs"]);
        same_fields(&doc, "TraceStep", &c["costs"]["trace"][0]);
        same_fields(&doc, "Interest", &c["interest"]);
        same_fields(&doc, "InterestPeriod", &c["interest"]["periods"][0]);
        same_fields(&doc, "Letter", &c["reminders"][0]);
        same_fields(&doc, "Attachment", &c["attachments"][0]);
        // Money goes as strings.
        assert!(c["total"].is_string() && c["items"][0]["open"].is_string());
        let answer = BatchAnswer {
            batch_id: "b".into(),
            received_at: chrono::Utc::now(),
            results: vec![ClaimAnswer {
                claim_id: "c".into(),
                revision: 1,
                outcome: Outcome::Accepted,
                reasons: vec![],
            }],
        };
        let a = serde_json::to_value(&answer).unwrap();
        same_fields(&doc, "BatchAnswer", &a);
        same_fields(&doc, "ClaimAnswer", &a["results"][0]);
        let e = serde_json::to_value(ErrorAnswer {
            error: "x".into(),
            message: "y".into(),
        })
        .unwrap();
        same_fields(&doc, "ErrorAnswer", &e);
    }
}
