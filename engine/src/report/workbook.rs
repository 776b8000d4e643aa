//! The open items as an Excel workbook: real date cells and number cells, one row per item,
//! text that a spreadsheet would take for a formula neutralised.

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use incasso_core::ageing::{open_items, sort_items, Buckets};
use incasso_core::cells::neutralise_formula;
use incasso_core::money::format_cents;

use crate::reconciled::open_ledger;
use crate::Workspace;

/// Writes the open items as a workbook: real date cells and number cells, one row per item.
pub fn receivables(ws: &Workspace, as_of: NaiveDate, out: &Path) -> Result<usize> {
    use chrono::Datelike;
    use rust_xlsxwriter::{ExcelDateTime, Format as Cell, Workbook};
    let open = open_ledger(ws.store()?, as_of, &ws.policy()?.matching)?;
    let mut items = open_items(&open.docs, &open.open, as_of);
    sort_items(&mut items);
    let buckets = Buckets::default();
    let labels = buckets.labels();
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("Openstaand")?;
    let date_cell = Cell::new().set_num_format("yyyy-mm-dd");
    let money = Cell::new().set_num_format("#,##0.00");
    let head = Cell::new().set_bold();
    let header = [
        "invoice",
        "debtor",
        "currency",
        "total",
        "open",
        "issue_date",
        "due_date",
        "days_overdue",
        "bucket",
        "status",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let date =
        |d: NaiveDate| ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
    // Amounts are exact decimals in cents; as cells they are numbers, which f64 holds exactly
    // to the cent for any amount below 2^53 cents.
    let number = |d: rust_decimal::Decimal| -> f64 { format_cents(d).parse().unwrap_or(0.0) };
    for (i, it) in items.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &*neutralise_formula(it.number.as_str()))?;
        sheet.write_string(r, 1, &*neutralise_formula(it.debtor.as_str()))?;
        sheet.write_string(r, 2, it.currency.as_str())?;
        sheet.write_number_with_format(r, 3, number(it.total), &money)?;
        sheet.write_number_with_format(r, 4, number(it.open), &money)?;
        sheet.write_datetime_with_format(r, 5, &date(it.issue_date)?, &date_cell)?;
        sheet.write_datetime_with_format(r, 6, &date(it.due_date)?, &date_cell)?;
        sheet.write_number(r, 7, it.days_overdue as f64)?;
        sheet.write_string(
            r,
            8,
            &labels[buckets.index((as_of - it.due_date).num_days())],
        )?;
        sheet.write_string(r, 9, format!("{:?}", it.status).to_lowercase())?;
    }
    sheet.autofilter(0, 0, items.len() as u32, (header.len() - 1) as u16)?;
    sheet.set_freeze_panes(1, 0)?;
    wb.save(out)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
    Ok(items.len())
}
