//! Debtor master files into the store: names, addresses and numbers filling what it lacks.

use std::path::Path;

use anyhow::{Context, Result};
use incasso_core::model::SourceKind;

use crate::{say, Reporter};

/// Imports a debtor master file: names, addresses, KvK, VAT, e-mail and IBAN per debtor, filling
/// what the store lacks (an accounting API's current data still wins over a file).
pub(super) fn import_debtors(
    store: &incasso_store::Store,
    file: &Path,
    inspection: &incasso_connectors::source::Inspection,
    rep: &dyn Reporter,
) -> Result<bool> {
    let started = std::time::Instant::now();
    let mut bytes = Vec::with_capacity(inspection.size as usize);
    std::io::Read::read_to_end(&mut inspection.open()?, &mut bytes)
        .with_context(|| format!("reading {}", file.display()))?;
    let text = incasso_connectors::source::decode_owned(bytes, inspection.encoding);
    let name = file.display().to_string();
    let list = incasso_connectors::csv::debtors::read(&name, &text)?;
    let mut tx = store.begin_import(inspection.source(SourceKind::CsvFile), chrono::Utc::now())?;
    for (d, _) in &list.debtors {
        tx.add_debtor(d);
    }
    let summary = tx.commit_unflushed()?;
    say!(
        rep,
        "{}: debtor list imported as import #{} in {:.2}s",
        file.display(),
        summary.record.id,
        started.elapsed().as_secs_f64()
    );
    say!(
        rep,
        "  columns: {}",
        list.columns
            .iter()
            .map(|(f, h)| format!("{} <- '{h}'", f.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    say!(
        rep,
        "  debtors: {} in the file, {} new, {} updated",
        list.debtors.len(),
        summary.debtors_new,
        summary.debtors_updated
    );
    let debtors: Vec<incasso_core::model::Debtor> =
        list.debtors.into_iter().map(|(d, _)| d).collect();
    if let Some(line) = debtor_fields(&debtors) {
        say!(rep, "  {line}");
    }
    Ok(true)
}

/// What a file says about its debtors: the fields it fills for any of them, and how many lack a
/// name or an address an agency could find them by.
pub(super) fn debtor_fields(debtors: &[incasso_core::model::Debtor]) -> Option<String> {
    if debtors.is_empty() {
        return None;
    }
    let any = |f: &dyn Fn(&incasso_core::model::Debtor) -> bool| debtors.iter().any(f);
    let found: Vec<&str> = [
        ("name", any(&|d| d.name.is_some())),
        ("address", any(&|d| !d.address.is_empty())),
        ("e-mail", any(&|d| d.email.is_some())),
        ("phone", any(&|d| d.phone.is_some())),
        ("KvK", any(&|d| d.kvk.is_some())),
        ("VAT number", any(&|d| d.vat_number.is_some())),
        ("IBAN", any(&|d| !d.ibans.is_empty())),
    ]
    .into_iter()
    .filter(|(_, has)| *has)
    .map(|(f, _)| f)
    .collect();
    let no_name = debtors.iter().filter(|d| d.name.is_none()).count();
    let no_address = debtors.iter().filter(|d| d.address.is_empty()).count();
    Some(format!(
        "debtor fields found: {}; {no_name} of {} debtors without a name, {no_address} without an address",
        if found.is_empty() { "none".to_string() } else { found.join(", ") },
        debtors.len()
    ))
}
