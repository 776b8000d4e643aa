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
