//! The built-in profiles: each bank's columns and fixed conventions (layout, decimal mark, where
//! the sign is, how its description is written), and the bank-like files refused with a reason.

#[allow(unused_imports)]
use super::*;

/// How a profile is recognised and where its columns are.
#[derive(Clone, Copy)]
pub(super) enum Layout {
    /// A header line holding every name in `signature`; the delimiter is sniffed from it.
    Header { signature: &'static [&'static str] },
    /// No header: the columns by position, recognised from the shape of the first data line.
    Headerless {
        delimiter: u8,
        quoting: bool,
        /// `#` lines are comments (added by people who share samples; banks never start a line so).
        comments: bool,
        columns: &'static [&'static str],
        shape: fn(&StringRecord) -> bool,
    },
}

/// The decimal mark of the amounts.
#[derive(Clone, Copy)]
pub(super) enum Mark {
    Fixed(DecimalMark),
    /// Depends on the user's locale: decided once per file from all amounts.
    PerFile,
}

/// Where the direction of an amount is.
#[derive(Clone, Copy)]
pub(super) enum Sign {
    /// The amount carries it (`-12,50`, `+1.234,56`).
    InAmount,
    /// A separate column; the amount itself is unsigned.
    Column {
        name: &'static str,
        debit: &'static [&'static str],
        credit: &'static [&'static str],
    },
}

/// How the free-text column is taken apart.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Text {
    /// As written; only an explicit `Betalingskenm.:` marker is picked out.
    Plain,
    /// ING `Mededelingen`: `Naam: … Omschrijving: … IBAN: … Kenmerk: … Valutadatum: …`.
    IngNotes,
    /// ABN AMRO description: `/TRTP/…/IBAN/…`, `SEPA … IBAN: … Naam: …` or a card payment.
    AbnDescription,
    /// As written, inside single quotes that are not part of it (ASN Bank).
    SingleQuoted,
}

/// One bank's export: where each value is and how it is written.
pub(super) struct Profile {
    pub(super) name: &'static str,
    pub(super) layout: Layout,
    pub(super) date_format: DateFormat,
    pub(super) mark: Mark,
    pub(super) sign: Sign,
    pub(super) booking_date: &'static str,
    pub(super) amount: &'static str,
    pub(super) value_date: Option<&'static str>,
    pub(super) account: Option<&'static str>,
    pub(super) currency: Option<&'static str>,
    pub(super) counterparty_name: Option<&'static str>,
    /// The party money in was paid for (Rabobank's `Naam uiteindelijke partij`): the payer
    /// matching looks for where it is filled (review 43b, F-4).
    pub(super) ultimate_name: Option<&'static str>,
    pub(super) counterparty_account: Option<&'static str>,
    /// Joined with spaces.
    pub(super) remittance: &'static [&'static str],
    pub(super) structured_reference: Option<&'static str>,
    pub(super) end_to_end_id: Option<&'static str>,
    pub(super) bank_reference: Option<&'static str>,
    /// Non-empty means the line returns an earlier one.
    pub(super) reversal_reason: Option<&'static str>,
    /// Columns (each optional) that say what kind of line it is: see
    /// [`crate::bank::BankLine::kind`].
    pub(super) kind: &'static [KindColumn],
    /// Named columns a header may lack.
    pub(super) optional: &'static [&'static str],
    pub(super) text: Text,
    /// The format names the delimiter, telling apart dialects of one bank (ING old and new).
    pub(super) name_delimiter: bool,
}

/// A column that says what kind of line it is.
pub(super) struct KindColumn {
    /// Its name.
    pub(super) column: &'static str,
    /// The codes it is read for, each with the words it stands for (Rabobank's `ei`,
    /// euro-incasso); empty: its words as written.
    pub(super) codes: &'static [(&'static str, &'static str)],
}

/// A column whose words say what kind of line it is, as written.
const fn kind_words(column: &'static str) -> KindColumn {
    KindColumn { column, codes: &[] }
}

pub(super) const BASE: Profile = Profile {
    name: "",
    layout: Layout::Header { signature: &[] },
    date_format: DateFormat::Iso,
    mark: Mark::Fixed(DecimalMark::Comma),
    sign: Sign::InAmount,
    booking_date: "",
    amount: "",
    value_date: None,
    account: None,
    currency: None,
    counterparty_name: None,
    ultimate_name: None,
    counterparty_account: None,
    remittance: &[],
    structured_reference: None,
    end_to_end_id: None,
    bank_reference: None,
    reversal_reason: None,
    kind: &[],
    optional: &[],
    text: Text::Plain,
    name_delimiter: false,
};

pub(super) const ING: Profile = Profile {
    name: "ING CSV",
    layout: Layout::Header {
        signature: &["Datum", "Naam / Omschrijving", "Af Bij", "Mededelingen"],
    },
    date_format: DateFormat::Compact,
    sign: Sign::Column {
        name: "Af Bij",
        debit: &["Af"],
        credit: &["Bij"],
    },
    booking_date: "Datum",
    amount: "Bedrag (EUR)",
    account: Some("Rekening"),
    counterparty_name: Some("Naam / Omschrijving"),
    counterparty_account: Some("Tegenrekening"),
    remittance: &["Mededelingen"],
    kind: &[kind_words("Mutatiesoort")],
    text: Text::IngNotes,
    name_delimiter: true,
    ..BASE
};

pub(super) const RABOBANK: Profile = Profile {
    name: "Rabobank CSV",
    layout: Layout::Header {
        signature: &["IBAN/BBAN", "Munt", "Volgnr", "Saldo na trn"],
    },
    booking_date: "Datum",
    value_date: Some("Rentedatum"),
    amount: "Bedrag",
    account: Some("IBAN/BBAN"),
    currency: Some("Munt"),
    counterparty_name: Some("Naam tegenpartij"),
    ultimate_name: Some("Naam uiteindelijke partij"),
    counterparty_account: Some("Tegenrekening IBAN/BBAN"),
    remittance: &["Omschrijving-1", "Omschrijving-2", "Omschrijving-3"],
    structured_reference: Some("Betalingskenmerk"),
    end_to_end_id: Some("Transactiereferentie"),
    bank_reference: Some("Volgnr"),
    reversal_reason: Some("Reden retour"),
    kind: &[KindColumn {
        column: "Code",
        codes: &[("ei", "euro-incasso"), ("eb", "euro-incasso")],
    }],
    optional: &[
        "Reden retour",
        "Omschrijving-2",
        "Omschrijving-3",
        "Naam uiteindelijke partij",
    ],
    ..BASE
};

pub(super) const BUNQ: Profile = Profile {
    name: "bunq CSV",
    layout: Layout::Header {
        signature: &[
            "Date",
            "Interest Date",
            "Amount",
            "Counterparty",
            "Description",
        ],
    },
    mark: Mark::PerFile,
    booking_date: "Date",
    value_date: Some("Interest Date"),
    amount: "Amount",
    account: Some("Account"),
    counterparty_name: Some("Name"),
    counterparty_account: Some("Counterparty"),
    remittance: &["Description"],
    ..BASE
};

/// bunq's CSV as the app writes it in Dutch (review 43a, F-9): the columns of [`BUNQ`] under
/// Dutch names.
pub(super) const BUNQ_NL: Profile = Profile {
    name: "bunq CSV (Dutch)",
    layout: Layout::Header {
        signature: &[
            "Datum",
            "Rentedatum",
            "Bedrag",
            "Tegenrekening",
            "Omschrijving",
        ],
    },
    mark: Mark::PerFile,
    booking_date: "Datum",
    value_date: Some("Rentedatum"),
    amount: "Bedrag",
    account: Some("Rekening"),
    counterparty_name: Some("Naam"),
    counterparty_account: Some("Tegenrekening"),
    remittance: &["Omschrijving"],
    ..BASE
};

pub(super) const KNAB: Profile = Profile {
    name: "Knab CSV",
    layout: Layout::Header {
        signature: &[
            "Rekeningnummer",
            "Transactiedatum",
            "CreditDebet",
            "Tegenrekeninghouder",
        ],
    },
    date_format: DateFormat::DmyDash,
    sign: Sign::Column {
        name: "CreditDebet",
        debit: &["D"],
        credit: &["C"],
    },
    booking_date: "Boekdatum",
    value_date: Some("Valutadatum"),
    amount: "Bedrag",
    account: Some("Rekeningnummer"),
    currency: Some("Valutacode"),
    counterparty_name: Some("Tegenrekeninghouder"),
    counterparty_account: Some("Tegenrekeningnummer"),
    remittance: &["Omschrijving"],
    bank_reference: Some("Referentie"),
    ..BASE
};

pub(super) const GLS: Profile = Profile {
    name: "GLS Bank CSV",
    layout: Layout::Header {
        signature: &[
            "Kontonummer",
            "Buchungstag",
            "Wertstellung",
            "VWZ1",
            "Betrag",
        ],
    },
    date_format: DateFormat::DmyDot,
    booking_date: "Buchungstag",
    value_date: Some("Wertstellung"),
    amount: "Betrag",
    account: Some("Kontonummer"),
    currency: Some("Währung"),
    counterparty_name: Some("Auftraggeber/Empfänger"),
    remittance: &[
        "VWZ1", "VWZ2", "VWZ3", "VWZ4", "VWZ5", "VWZ6", "VWZ7", "VWZ8", "VWZ9", "VWZ10", "VWZ11",
        "VWZ12", "VWZ13", "VWZ14",
    ],
    optional: &[
        "VWZ2", "VWZ3", "VWZ4", "VWZ5", "VWZ6", "VWZ7", "VWZ8", "VWZ9", "VWZ10", "VWZ11", "VWZ12",
        "VWZ13", "VWZ14",
    ],
    ..BASE
};

pub(super) const ABN_TAB: Profile = Profile {
    name: "ABN AMRO TAB",
    layout: Layout::Headerless {
        delimiter: b'\t',
        quoting: false,
        comments: true,
        columns: &[
            "Rekeningnummer",
            "Muntsoort",
            "Transactiedatum",
            "Beginsaldo",
            "Eindsaldo",
            "Rentedatum",
            "Transactiebedrag",
            "Omschrijving",
        ],
        shape: abn_shape,
    },
    date_format: DateFormat::Compact,
    booking_date: "Transactiedatum",
    value_date: Some("Rentedatum"),
    amount: "Transactiebedrag",
    account: Some("Rekeningnummer"),
    currency: Some("Muntsoort"),
    remittance: &["Omschrijving"],
    text: Text::AbnDescription,
    ..BASE
};

pub(super) const TRIODOS: Profile = Profile {
    name: "Triodos CSV",
    layout: Layout::Headerless {
        delimiter: b',',
        quoting: true,
        comments: false,
        columns: &[
            "Datum",
            "Rekeningnummer",
            "Bedrag",
            "Debet/Credit",
            "Naam tegenpartij",
            "Tegenrekening",
            "Transactiecode",
            "Omschrijving",
        ],
        shape: triodos_shape,
    },
    date_format: DateFormat::DmyDash,
    sign: Sign::Column {
        name: "Debet/Credit",
        debit: &["Debet"],
        credit: &["Credit"],
    },
    booking_date: "Datum",
    amount: "Bedrag",
    account: Some("Rekeningnummer"),
    counterparty_name: Some("Naam tegenpartij"),
    counterparty_account: Some("Tegenrekening"),
    remittance: &["Omschrijving"],
    ..BASE
};

/// ASN Bank's CSV export (`transactie-historie_IBAN_DATE.csv`): no header, 19 columns, the
/// account's IBAN second, `dd-mm-yyyy`, signed amounts with a decimal point, the description
/// in single quotes inside its field.
pub(super) const ASN: Profile = Profile {
    name: "ASN Bank CSV",
    layout: Layout::Headerless {
        delimiter: b',',
        quoting: true,
        comments: false,
        columns: &[
            "Boekingsdatum",
            "Opdrachtgeversrekening",
            "Tegenrekeningnummer",
            "Naam tegenrekening",
            "Adres",
            "Postcode",
            "Plaats",
            "Valutasoort rekening",
            "Saldo voor mutatie",
            "Valutasoort mutatie",
            "Bedrag",
            "Journaaldatum",
            "Valutadatum",
            "Interne transactiecode",
            "Globale transactiecode",
            "Volgnummer transactie",
            "Betalingskenmerk",
            "Omschrijving",
            "Afschriftnummer",
        ],
        shape: asn_shape,
    },
    date_format: DateFormat::DmyDash,
    mark: Mark::Fixed(DecimalMark::Point),
    booking_date: "Boekingsdatum",
    value_date: Some("Valutadatum"),
    amount: "Bedrag",
    account: Some("Opdrachtgeversrekening"),
    currency: Some("Valutasoort mutatie"),
    counterparty_name: Some("Naam tegenrekening"),
    counterparty_account: Some("Tegenrekeningnummer"),
    remittance: &["Omschrijving"],
    structured_reference: Some("Betalingskenmerk"),
    bank_reference: Some("Volgnummer transactie"),
    text: Text::SingleQuoted,
    ..BASE
};

/// KBC (Belgium): signed amounts with a decimal comma (and credit and debet columns beside
/// them), the OGM in its own column, empty fields written as runs of spaces.
pub(super) const KBC: Profile = Profile {
    name: "KBC CSV",
    layout: Layout::Header {
        signature: &[
            "Rekeningnummer",
            "Rubrieknaam",
            "Afschriftnummer",
            "Vrije mededeling",
        ],
    },
    date_format: DateFormat::DmySlash,
    booking_date: "Datum",
    value_date: Some("Valuta"),
    amount: "Bedrag",
    account: Some("Rekeningnummer"),
    currency: Some("Munt"),
    counterparty_name: Some("Naam tegenpartij"),
    counterparty_account: Some("rekeningnummer tegenpartij"),
    remittance: &["Vrije mededeling"],
    structured_reference: Some("gestructureerde mededeling"),
    kind: &[kind_words("Omschrijving")],
    ..BASE
};

/// BNP Paribas Fortis (Belgium): execution and value dates, signed amounts, the payer's text in
/// `Mededeling` (an OGM alone there is the structured reference), a sequence number per line.
pub(super) const BNP_PARIBAS_FORTIS: Profile = Profile {
    name: "BNP Paribas Fortis CSV",
    layout: Layout::Header {
        signature: &[
            "Volgnummer",
            "Uitvoeringsdatum",
            "Valutadatum",
            "Naam van de tegenpartij",
        ],
    },
    date_format: DateFormat::DmySlash,
    booking_date: "Uitvoeringsdatum",
    value_date: Some("Valutadatum"),
    amount: "Bedrag",
    account: Some("Rekeningnummer"),
    currency: Some("Valuta rekening"),
    counterparty_name: Some("Naam van de tegenpartij"),
    counterparty_account: Some("Tegenpartij"),
    remittance: &["Mededeling"],
    bank_reference: Some("Volgnummer"),
    kind: &[kind_words("Type verrichting")],
    optional: &["Details", "Status", "Reden van weigering"],
    ..BASE
};

/// Belfius (Belgium): the search's parameters above the header, signed amounts, the payer's
/// text in `Mededelingen`.
pub(super) const BELFIUS: Profile = Profile {
    name: "Belfius CSV",
    layout: Layout::Header {
        signature: &[
            "Rekening",
            "Boekingsdatum",
            "Rekeninguittrekselnummer",
            "Transactienummer",
        ],
    },
    date_format: DateFormat::DmySlash,
    booking_date: "Boekingsdatum",
    value_date: Some("Valutadatum"),
    amount: "Bedrag",
    account: Some("Rekening"),
    currency: Some("Devies"),
    counterparty_name: Some("Naam tegenpartij bevat"),
    counterparty_account: Some("Rekening tegenpartij"),
    remittance: &["Mededelingen"],
    kind: &[kind_words("Transactie")],
    ..BASE
};

pub(super) const PROFILES: [&Profile; 12] = [
    &ING,
    &RABOBANK,
    &BUNQ,
    &BUNQ_NL,
    &KNAB,
    &GLS,
    &ABN_TAB,
    &TRIODOS,
    &ASN,
    &KBC,
    &BNP_PARIBAS_FORTIS,
    &BELFIUS,
];

/// A bank-like export that holds no transactions, recognised by its header to be refused.
pub(super) struct Refusal {
    pub(super) name: &'static str,
    pub(super) signature: &'static [&'static str],
    pub(super) message: &'static str,
}

pub(super) const REFUSALS: [Refusal; 2] = [
    Refusal {
        name: "ING balance history",
        signature: &["Datum", "Boeksaldo", "Valutair saldo"],
        message: "this is an ING balance history, not transactions; \
                  export 'Af- en bijschrijvingen' instead",
    },
    Refusal {
        name: "DEGIRO account statement",
        signature: &["Datum", "Tijd", "Valutadatum", "Product", "ISIN"],
        message: "a DEGIRO brokerage account statement, not a bank account's transactions",
    },
];

pub(super) const KNAB_NO_HEADER: &str = "Knab export without its column header line \
    (Rekeningnummer;Transactiedatum;…); download the export again";
