//! The claims preview kept in the store, so that a claims read or a report with nothing new
//! prints what the last one worked out instead of judging every overdue item again (at a million
//! invoices, most of such a read). It is kept under everything the preview reads: the date, the
//! policy, the rate tables, this build and the store's inputs marker (`Store::claims_inputs`:
//! documents, debtors, payments, decisions, letters, plans). Any change to one of them makes the
//! next read work it out again; what it then worked out is kept in place of the old one.

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::collection::claims::ClaimsPreview;
use incasso_core::collection::policy::Policy;
use incasso_core::law::rates::{RateKind, RateTables};
use serde::{Deserialize, Serialize};

use crate::claims::ClaimsInputs;
use crate::reconciled::LedgerView;
use crate::report::ClaimsShown;
use crate::Workspace;

/// A preview as kept: the payment a possible-payment hold names is not part of the preview's
/// own form (the agency and `--format json` do not see it), so it is kept beside it.
#[derive(Serialize)]
struct Writing<'a> {
    preview: &'a ClaimsPreview,
    payments: Vec<(u32, &'a str)>,
}

/// [`Writing`] read back.
#[derive(Deserialize)]
struct Reading {
    preview: ClaimsPreview,
    payments: Vec<(u32, String)>,
}

/// The key a preview as of `as_of` under `policy` and `tables` is kept under now; `None` when
/// this build cannot identify itself (nothing is kept then).
fn key(
    ws: &Workspace,
    as_of: NaiveDate,
    policy: &Policy,
    tables: &RateTables,
) -> Result<Option<String>> {
    let Some(build) = crate::reconciled::build() else {
        return Ok(None);
    };
    let mut rules = blake3::Hasher::new();
    // Every field of the policy and every rate, so a setting added later changes the key too.
    rules.update(format!("{policy:?}").as_bytes());
    for kind in RateKind::ALL {
        rules.update(format!("{:?}", tables.get(kind)).as_bytes());
    }
    Ok(Some(format!(
        "{as_of}|{build}|{}|{}",
        ws.store()?.claims_inputs()?,
        rules.finalize().to_hex()
    )))
}

/// The bytes `read` reads of the claims kept for the store as it is now, as of `as_of` with the
/// rates of `rates_dir`, under this policy and build; `None` when there are none, or they cannot
/// be read.
fn kept_bytes(
    ws: &Workspace,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
    read: impl FnOnce(&incasso_store::Store, &str) -> Result<Option<Vec<u8>>, incasso_store::StoreError>,
) -> Result<Option<Vec<u8>>> {
    let tables = ws.rates(rates_dir)?;
    let Some(key) = key(ws, as_of, ws.policy()?, &tables)? else {
        return Ok(None);
    };
    match read(ws.store()?, &key) {
        Ok(body) => Ok(body),
        Err(e) => {
            tracing::warn!("the kept claims cannot be read, worked out again: {e}");
            Ok(None)
        }
    }
}

/// The preview kept for the store as it is now, as of `as_of` with the rates of `rates_dir`,
/// under this policy and build; `None` when there is none, or it cannot be read (then it is
/// worked out again, never taken for an answer).
pub fn kept(
    ws: &Workspace,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<Option<ClaimsPreview>> {
    let t = std::time::Instant::now();
    let Some(body) = kept_bytes(ws, as_of, rates_dir, |store, key| store.kept_claims(key))? else {
        return Ok(None);
    };
    match rmp_serde::from_slice::<Reading>(&body) {
        Ok(Reading {
            mut preview,
            payments,
        }) => {
            for (at, payment) in payments {
                match preview.excluded.get_mut(at as usize) {
                    Some(e) => e.payment = Some(payment),
                    None => return Ok(None),
                }
            }
            tracing::info!(
                read_s = t.elapsed().as_secs_f64(),
                claims = preview.claims.len(),
                "claims read as kept"
            );
            Ok(Some(preview))
        }
        Err(e) => {
            tracing::warn!("the kept claims are unreadable, worked out again: {e}");
            Ok(None)
        }
    }
}

/// What a report shows of the preview kept for the store as it is now ([`kept`]), read without
/// the preview itself; `None` when there is none, or it cannot be read.
pub fn kept_shown(
    ws: &Workspace,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<Option<ClaimsShown>> {
    let Some(body) = kept_bytes(ws, as_of, rates_dir, |store, key| {
        store.kept_claims_shown(key)
    })?
    else {
        return Ok(None);
    };
    Ok(rmp_serde::from_slice(&body)
        .map_err(|e| tracing::warn!("the kept claims are unreadable, worked out again: {e}"))
        .ok())
}

/// The preview of `ledger`, which the caller loaded from the store just now and holds it
/// open: kept for the next read under the store's inputs, the policy and the rate tables it was
/// worked out with.
pub fn work_out_and_keep(
    ws: &Workspace,
    ledger: LedgerView<'_>,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<ClaimsPreview> {
    let (preview, to_keep) = work_out(ws, ledger, as_of, rates_dir)?;
    if let Some(k) = to_keep {
        k.keep(ws, &preview);
    }
    Ok(preview)
}

/// The preview kept for the store as it is ([`kept`]), else the one of `ledger` worked out
/// ([`work_out`]) with what keeps it for the next read.
pub fn kept_or_work_out(
    ws: &Workspace,
    ledger: LedgerView<'_>,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<(ClaimsPreview, Option<ToKeep>)> {
    match kept(ws, as_of, rates_dir)? {
        Some(p) => Ok((p, None)),
        None => work_out(ws, ledger, as_of, rates_dir),
    }
}

/// [`work_out_and_keep`] with the keeping left to the caller, who may do it while it goes on
/// with the preview (the nightly run keeps it while it sends the claims); `None` when this
/// build cannot identify itself (nothing is kept then).
pub fn work_out(
    ws: &Workspace,
    ledger: LedgerView<'_>,
    as_of: NaiveDate,
    rates_dir: Option<&Path>,
) -> Result<(ClaimsPreview, Option<ToKeep>)> {
    let inputs = ClaimsInputs::read(ws, rates_dir)?;
    let key = key(ws, as_of, inputs.policy(), inputs.tables())?;
    let preview = inputs.preview(ledger, as_of)?;
    Ok((preview, key.map(ToKeep)))
}

/// The key a preview just worked out is to be kept under: that of the store as it was when it
/// was worked out, so a preview kept after the store changed is never taken for the new state.
pub struct ToKeep(String);

impl ToKeep {
    /// Keeps `preview`, the one worked out with this key.
    pub fn keep(&self, ws: &Workspace, preview: &ClaimsPreview) {
        keep(ws, &self.0, preview);
    }

    /// Keeps `preview` on a thread of `scope`'s while the caller goes on with it (sending the
    /// claims mostly waits on the agency); the scope ends when they are kept.
    pub fn keep_beside<'scope, 'env>(
        &'env self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        ws: &'env Workspace,
        preview: &'env ClaimsPreview,
    ) {
        std::thread::Builder::new()
            .name("keep-claims".into())
            .spawn_scoped(scope, move || self.keep(ws, preview))
            .expect("a thread can be started");
    }
}

/// Keeps `preview` under `key`. A preview that cannot be kept is still the answer: the next
/// read works it out again.
fn keep(ws: &Workspace, key: &str, preview: &ClaimsPreview) {
    let t = std::time::Instant::now();
    let payments = preview
        .excluded
        .iter()
        .enumerate()
        .filter_map(|(at, e)| Some((at as u32, e.payment.as_deref()?)))
        .collect();
    let writing = Writing { preview, payments };
    let shown = ClaimsShown::of(preview);
    let kept = ws.store().and_then(|store| {
        let written = store.keep_claims(
            key,
            |out| rmp_serde::encode::write(out, &writing).map_err(std::io::Error::other),
            |out| rmp_serde::encode::write(out, &shown).map_err(std::io::Error::other),
        )?;
        Ok(written)
    });
    match kept {
        Ok(bytes) => tracing::info!(
            keep_s = t.elapsed().as_secs_f64(),
            bytes,
            "claims kept for the next read"
        ),
        Err(e) => tracing::warn!("the claims could not be kept for the next read: {e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::reconciled::receivables;
    use crate::testing::import;

    /// A preview kept and read back is exactly the one worked out: every amount to its last
    /// digit, every trace, letter and citation, and the payment each possible-payment hold names.
    /// It answers only for the date it was worked out for and the store as it was: a decision
    /// made since, or a letter recorded, makes the next read work it out again.
    #[test]
    fn a_kept_preview_reads_back_exactly_and_only_for_the_store_as_it_was() {
        // A ledger and a camt.053 statement written by another hand: claims with interest and
        // costs, and invoices held for payments that may have paid them.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/othergen/nl-camt");
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"), None);
        import(&ws, &src.join("ledger.csv"));
        import(&ws, &src.join("bank"));
        let as_of: NaiveDate = "2026-06-30".parse().unwrap();
        let policy = ws.policy().unwrap().matching.clone();
        assert_eq!(kept(&ws, as_of, None).unwrap(), None, "nothing kept yet");
        let r = receivables(ws.store().unwrap(), as_of, &policy).unwrap();
        let worked = work_out_and_keep(&ws, r.view(), as_of, None).unwrap();
        assert!(
            worked
                .claims
                .iter()
                .any(|c| !c.amounts.interest_segments.is_empty()
                    && !c.amounts.costs_trace.is_empty()),
            "claims with interest and costs"
        );
        let held: Vec<_> = worked
            .excluded
            .iter()
            .filter(|e| e.payment.is_some())
            .collect();
        assert!(held.len() > 5, "holds naming their payment: {}", held.len());
        assert!(
            kept(&ws, as_of, None).unwrap().as_ref() == Some(&worked),
            "read back exactly"
        );
        // What the report shows of it is kept beside it, and read without it.
        let shown = kept_shown(&ws, as_of, None).unwrap().expect("kept");
        assert_eq!(shown, ClaimsShown::of(&worked));
        assert_eq!(shown.qualifying, worked.claims.len());
        assert!(shown.held >= held.len() && shown.first_held.len() == shown.held.min(500));
        // Another date is another preview.
        let later: NaiveDate = "2026-06-29".parse().unwrap();
        assert_eq!(kept(&ws, later, None).unwrap(), None);
        assert_eq!(kept_shown(&ws, later, None).unwrap(), None);

        // A person decides a held invoice was not paid by that payment: the store changed.
        let e = held[0];
        crate::decisions::unallocate(&ws, e.payment.as_deref().unwrap(), Some(&e.number), "test")
            .unwrap();
        assert_eq!(kept(&ws, as_of, None).unwrap(), None, "after a decision");
        assert_eq!(
            kept_shown(&ws, as_of, None).unwrap(),
            None,
            "after a decision"
        );
        let r = receivables(ws.store().unwrap(), as_of, &policy).unwrap();
        let again = work_out_and_keep(&ws, r.view(), as_of, None).unwrap();
        assert_ne!(again, worked, "the decision released that invoice");
        assert_eq!(kept(&ws, as_of, None).unwrap().as_ref(), Some(&again));

        // A letter recorded: the next read works it out again.
        let debtor = again.excluded[0].debtor.clone();
        let letter = incasso_core::collection::Reminder {
            debtor: incasso_core::ids::DebtorId::new(&debtor).unwrap(),
            kind: incasso_core::collection::ReminderKind::FourteenDayLetter,
            sent: "2026-06-01".parse().unwrap(),
            received: None,
            channel: Default::default(),
            items: Vec::new(),
            states_costs: true,
            stated_costs: None,
            written_for: None,
        };
        ws.store()
            .unwrap()
            .add_reminders(&[letter], chrono::Utc::now(), "test")
            .unwrap();
        assert_eq!(kept(&ws, as_of, None).unwrap(), None, "after a letter");
        let r = receivables(ws.store().unwrap(), as_of, &policy).unwrap();
        let with_letter = work_out_and_keep(&ws, r.view(), as_of, None).unwrap();
        assert!(kept(&ws, as_of, None).unwrap().as_ref() == Some(&with_letter));
        // An event in the audit log (the nightly run records itself) changes no input.
        ws.store()
            .unwrap()
            .record_event("run", "ok", "test", chrono::Utc::now())
            .unwrap();
        assert!(
            kept(&ws, as_of, None).unwrap().as_ref() == Some(&with_letter),
            "still kept after an event"
        );

        // A full recomputation distrusts everything kept: the claims are worked out again.
        crate::reconciled::recompute(ws.store().unwrap(), as_of, &policy).unwrap();
        assert_eq!(
            kept(&ws, as_of, None).unwrap(),
            None,
            "after reconcile --full"
        );
        let r = receivables(ws.store().unwrap(), as_of, &policy).unwrap();
        let fresh = work_out_and_keep(&ws, r.view(), as_of, None).unwrap();
        assert!(fresh == with_letter, "the same claims, worked out again");

        // Another rate table: the amounts may differ, so the kept preview is not this one.
        let rates = dir.path().join("rates");
        std::fs::create_dir_all(&rates).unwrap();
        let table = incasso_core::law::rates::RateKind::Nl6119a;
        std::fs::write(
            rates.join(table.file_name()),
            "# known_until: 2026-12-31\nfrom,rate_pct\n2000-01-01,8.00\n",
        )
        .unwrap();
        assert_eq!(kept(&ws, as_of, Some(&rates)).unwrap(), None, "other rates");
        assert!(kept(&ws, as_of, None).unwrap().is_some(), "the same rates");

        // A damaged file is absent, not misread: the part the report reads, then the preview.
        let file = dir.path().join("data").join("claims.bin");
        let whole = std::fs::read(&file).unwrap();
        let mut bytes = whole.clone();
        let last = bytes.len() - 10;
        bytes[last] ^= 0x55;
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(kept_shown(&ws, as_of, None).unwrap(), None, "damaged");
        let mut bytes = whole;
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(kept(&ws, as_of, None).unwrap(), None, "damaged");
    }
}
