use super::*;

#[test]
fn payment_term_notes() {
    assert_eq!(term_from_note("Payment within 30 days"), Some(30));
    assert_eq!(
        term_from_note("Betaling binnen 14 dagen na factuurdatum"),
        Some(14)
    );
    assert_eq!(term_from_note("2 % discount if paid within 2 days"), None);
    assert_eq!(term_from_note("50% prepaid, 50% within one month"), None);
}

fn minimal() -> String {
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/ubl/nl-si-ubl-2.0-minimal.xml"
    );
    std::fs::read_to_string(f).unwrap()
}

fn read_text(xml: &str) -> Result<UblDocument, UblError> {
    let tmp = tempfile::tempdir().unwrap();
    let creditor = CreditorId::new("default").unwrap();
    read_bytes("test.xml", xml.as_bytes(), &creditor, tmp.path())
}

#[test]
fn nesting_past_the_depth_limit_is_refused_not_wrapped() {
    assert!(read_text(&minimal()).is_ok());
    // 70,000 levels inside an extension: past quick-xml's 16-bit depth counter.
    let deep = format!(
        "<x:a xmlns:x=\"urn:example\">{}{}</x:a>",
        "<x:a>".repeat(70_000),
        "</x:a>".repeat(70_000)
    );
    let xml = minimal().replacen("<cbc:ID>", &format!("{deep}<cbc:ID>"), 1);
    let e = read_text(&xml).unwrap_err().to_string();
    assert!(e.contains("nests elements more than 256 deep"), "{e}");
}

#[test]
fn vat_stated_only_in_another_currency_is_refused() {
    let xml = minimal().replace(
        "<cbc:TaxAmount currencyID=\"EUR\">42.00</cbc:TaxAmount>",
        "<cbc:TaxAmount currencyID=\"USD\">45.50</cbc:TaxAmount>",
    );
    let e = read_text(&xml).unwrap_err().to_string();
    assert!(
        e.contains("TaxTotal/TaxAmount") && e.contains("stated in USD only"),
        "{e}"
    );
}

/// Twelve UBL documents (Peppol BIS 3, SI-UBL 2.0, self-billing), written by a helper session
/// from the specifications alone and checked by it against the official rule sets, without
/// seeing this reader (`fixtures/othergen9/`): each is an invoice or a credit for the buyer as
/// its manifest says, with its number, buyer, dates, currency, what the buyer owes (the payable
/// amount after prepayment and rounding) and its payment reference.
#[test]
fn e_invoices_from_other_hands() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/othergen9/ubl");
    let creditor = CreditorId::new("default").unwrap();
    let mut wrong: Vec<String> = Vec::new();
    let mut n = 0;
    for row in csv::Reader::from_path(dir.join("MANIFEST.csv"))
        .unwrap()
        .records()
    {
        let row = row.unwrap();
        let file = &row[0];
        let tmp = tempfile::tempdir().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let ubl = match read_bytes(file, &bytes, &creditor, tmp.path()) {
            Ok(u) => u,
            Err(e) => {
                wrong.push(format!("{file}: refused: {e}"));
                continue;
            }
        };
        n += 1;
        let d = &ubl.document;
        let kind = match d.kind {
            incasso_core::model::DocumentKind::Invoice => "invoice",
            incasso_core::model::DocumentKind::CreditNote => "credit-note",
        };
        // What the buyer owes, or the credit it receives: the payable amount's magnitude.
        let payable = row[13].parse::<rust_decimal::Decimal>().unwrap().abs();
        let open = d.source_open.unwrap_or(d.total);
        let checks = [
            ("kind", kind.to_string(), row[4].to_string()),
            ("number", d.number.as_str().to_string(), row[3].to_string()),
            (
                "buyer",
                ubl.debtor.name.clone().unwrap_or_default(),
                row[5].to_string(),
            ),
            ("issued", d.issue_date.to_string(), row[8].to_string()),
            ("currency", d.currency.to_string(), row[10].to_string()),
            ("owed", open.to_string(), payable.to_string()),
            (
                "reference",
                d.payment_reference.clone().unwrap_or_default(),
                row[15].to_string(),
            ),
        ];
        for (what, got, want) in checks {
            if got != want {
                wrong.push(format!("{file} {what}: read {got}, expected {want}"));
            }
        }
        if !row[9].is_empty() && d.due_date.to_string() != row[9] {
            wrong.push(format!(
                "{file} due: read {}, expected {}",
                d.due_date, &row[9]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(n, 12, "the twelve files");
}

/// A due date the invoice gives, or a term its payment terms state, is agreed; without either
/// the statutory 30 days are assumed, and the document says so.
#[test]
fn a_due_date_is_assumed_only_without_a_date_or_a_term() {
    let given = read_text(&minimal()).unwrap().document;
    assert!(!given.due_assumed);
    let without = minimal()
        .lines()
        .filter(|l| !l.contains("DueDate>"))
        .collect::<Vec<_>>()
        .join("\n");
    let d = read_text(&without).unwrap().document;
    assert!(d.due_assumed);
    assert_eq!(d.due_date, d.issue_date + chrono::Days::new(30));
    let with_term = without.replacen(
        "<cac:AccountingSupplierParty>",
        "<cac:PaymentTerms><cbc:Note>Betaling binnen 14 dagen na factuurdatum</cbc:Note></cac:PaymentTerms><cac:AccountingSupplierParty>",
        1,
    );
    let d = read_text(&with_term).unwrap().document;
    assert!(!d.due_assumed, "a term stated is agreed");
    assert_eq!(d.due_date, d.issue_date + chrono::Days::new(14));
}
