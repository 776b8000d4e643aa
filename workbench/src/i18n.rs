//! The workbench's words in Dutch and English. A page asks for a word by key; the language
//! comes from `?lang=`, then the `lang` cookie, then the browser's Accept-Language.

/// The language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Nederlands.
    Nl,
    /// English.
    En,
}

impl Lang {
    /// The language of a code (`nl`, `en`), if it is one of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.get(..2)?.to_ascii_lowercase().as_str() {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The other language (for the switch in the header).
    pub fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    /// The word for `key` (the key itself when there is none, so a gap shows rather than hides).
    pub fn t(self, key: &'static str) -> &'static str {
        let (nl, en) = match key {
            "title" => ("Werkbank", "Workbench"),
            "working_in" => (
                "Uw laatste beslissingen worden verwerkt; de bedragen en lijsten hier zijn van daarvoor. Wat u besliste staat bij de regel. Laad de pagina over enkele seconden opnieuw",
                "Your last decisions are being worked in; the figures and lists here are from before them. What you decided is shown on its row. Reload in a few seconds",
            ),
            "decided" => ("Beslist, wordt verwerkt", "Decided, being worked in"),
            "drop_here" => ("Sleep een bestand hierheen, of kies er een:", "Drop a file here, or choose one:"),
            "changed_elsewhere" => (
                "De administratie is gewijzigd (een import of een opdracht); wat u hier ziet is van daarvoor en wordt opnieuw berekend. Beslissen kan zodra dat klaar is: laad de pagina over enkele seconden opnieuw",
                "The ledger changed (an import or a command); what you see here is from before that and is being worked out again. Decisions can be made once it is: reload in a few seconds",
            ),
            "overview" => ("Overzicht", "Overview"),
            "review" => ("Te beoordelen", "Review"),
            "unapplied" => ("Niet toegewezen geld", "Money not applied"),
            "claims" => ("Vorderingen", "Claims"),
            "as_of" => ("per", "as of"),
            "open" => ("Openstaand", "Open"),
            "items" => ("posten", "items"),
            "attention" => ("Wat aandacht vraagt", "What needs attention"),
            "review_items" => ("twijfelachtige koppelingen en tegengehouden facturen", "doubtful matches and held invoices"),
            "unapplied_lines" => ("betalingen niet (geheel) toegewezen", "payments not (fully) applied"),
            "held_claims" => ("facturen tegengehouden door een regel", "invoices held by a rule"),
            "ready_claims" => ("vorderingen klaar voor het incassobureau", "claims ready for the agency"),
            "conflicts" => ("conflicten tussen bronnen", "conflicts between sources"),
            "ageing" => ("Ouderdom (dagen na vervaldatum)", "Ageing (days past due)"),
            "payment" => ("Betaling", "Payment"),
            "date" => ("Datum", "Date"),
            "amount" => ("Bedrag", "Amount"),
            "document" => ("Document", "Document"),
            "proposed" => ("Voorstel", "Proposed"),
            "rule" => ("Regel", "Rule"),
            "confidence" => ("Zekerheid", "Confidence"),
            "reason" => ("Waarom", "Why"),
            "text" => ("Omschrijving", "Text"),
            "evidence" => ("Bewijs", "Evidence"),
            "accept" => ("Akkoord", "Accept"),
            "not_this" => ("Niet dit document", "Not this document"),
            "other_document" => ("Ander document", "Another document"),
            "allocate" => ("Toewijzen", "Allocate"),
            "nothing_to_review" => ("Niets te beoordelen.", "Nothing to review."),
            "nothing_unapplied" => ("Al het geld is toegewezen.", "All money is applied."),
            "search" => ("Zoeken (nummer, naam, bedrag)", "Search (number, name, amount)"),
            "unapplied_amount" => ("Niet toegewezen", "Not applied"),
            "status" => ("Status", "Status"),
            "payer" => ("Betaler", "Payer"),
            "debtor" => ("Debiteur", "Debtor"),
            "assign" => ("Toewijzen aan", "Assign to"),
            "optional_amount" => ("bedrag (leeg: wat openstaat)", "amount (empty: what is open)"),
            "ready" => ("Klaar voor het incassobureau", "Ready for the agency"),
            "held" => ("Tegengehouden", "Held"),
            "sent" => ("Verstuurd", "Sent"),
            "claim" => ("Vordering", "Claim"),
            "total" => ("Totaal", "Total"),
            "invoice" => ("Factuur", "Invoice"),
            "release" => ("Vrijgeven: niet deze betaling", "Release: not this payment"),
            "revision" => ("Revisie", "Revision"),
            "agency_state" => ("Bij het bureau", "At the agency"),
            "collected" => ("Geïnd", "Collected"),
            "none" => ("geen", "none"),
            "items_page" => ("Openstaande posten", "Open items"),
            "filter" => ("Filteren", "Filter"),
            "due" => ("Vervaldatum", "Due"),
            "days" => ("Dagen", "Days"),
            "bucket" => ("Termijn", "Bucket"),
            "conflicts_page" => ("Conflicten", "Conflicts"),
            "field" => ("Veld", "Field"),
            "stored" => ("Opgeslagen", "Stored"),
            "incoming" => ("Binnengekomen", "Incoming"),
            "keep_stored" => ("Opgeslagen houden", "Keep stored"),
            "take_incoming" => ("Binnengekomen nemen", "Take incoming"),
            "no_conflicts" => ("Geen open conflicten.", "No open conflicts."),
            "payments" => ("Betalingen", "Payments"),
            "letters" => ("Brieven", "Letters"),
            "plans" => ("Betalingsregelingen", "Payment plans"),
            "timeline" => ("Tijdlijn", "Timeline"),
            "inbox" => ("Inbox", "Inbox"),
            "preview_14" => ("14-dagenbrief (voorbeeld)", "14-day letter (preview)"),
            "preview_pre" => ("Vooraankondiging incasso (voorbeeld)", "Pre-incasso letter (preview)"),
            "no_inbox" => ("Start met `incasso serve --inbox MAP` om de inbox hier te zien.", "Start with `incasso serve --inbox DIR` to see the inbox here."),
            "drop_file" => ("Importeren", "Import"),
            "where" => ("Waar", "Where"),
            "file" => ("Bestand", "File"),
            "note" => ("Toelichting", "Note"),
            "shown_of" => ("getoond van", "shown of"),
            "busy" => (
                "Een andere incasso-opdracht (de nachtelijke run?) werkt nu aan deze administratie. Deze pagina laadt opnieuw zodra die klaar is. Een beslissing die u intussen verstuurde is niet vastgelegd: neem die dan opnieuw.",
                "Another incasso command (the nightly run?) is working on this ledger now. This page reloads when it is done. A decision you sent meanwhile was not recorded: make it again then.",
            ),
            "login" => (
                "Open de link die `incasso serve` bij het starten toonde.",
                "Open the link `incasso serve` printed when it started.",
            ),
            _ => (key, key),
        };
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }
}

impl Lang {
    /// An ageing bucket's label in words: `current` is not yet due, the others are days.
    pub fn bucket(self, label: &str) -> String {
        match (self, label) {
            (Lang::Nl, "current") => "nog niet vervallen".into(),
            (Lang::Nl, days) => format!("{days} dagen"),
            (Lang::En, label) => incasso_engine::report::bucket_words(label),
        }
    }

    /// A status, rule or state code as a person reads it: the code itself in English (it is
    /// written to be read, and the README and CSV output use it), a Dutch word for it in Dutch
    /// (review 45d, F-5: the pages a Dutch bookkeeper decides on spoke English); a code without
    /// one shows as it is.
    pub fn word(self, code: &str) -> &str {
        if self == Lang::En {
            return code;
        }
        match code {
            // What became of a payment.
            "allocated" => "toegewezen",
            "partly-allocated" => "deels toegewezen",
            "unapplied" => "niet toegewezen (debiteur bekend)",
            "unmatched" => "niet herkend",
            "review" => "te beoordelen",
            "outgoing" => "uitgaand",
            "reversed" => "teruggeboekt",
            "later" => "na de peildatum",
            "applied-upstream" => "in de boekhouding verwerkt",
            // A document.
            "invoice" => "factuur",
            "credit-note" => "creditnota",
            "open" => "openstaand",
            "disputed" => "betwist",
            "paid" => "betaald",
            "void" => "vervallen",
            "payment-pending" => "betaling onderweg",
            "credited" => "gecrediteerd",
            // A letter.
            "reminder" => "aanmaning",
            // A claim at the agency, as it reports it.
            "received" => "ontvangen",
            "in-progress" => "in behandeling",
            "closed-paid" => "gesloten, betaald",
            "closed-uncollectible" => "gesloten, oninbaar",
            "closed-withdrawn" => "gesloten, ingetrokken",
            // A revision at the agency.
            "sent" => "verstuurd",
            "accepted" => "aanvaard",
            "rejected" => "geweigerd",
            "withdrawn" => "ingetrokken",
            // The rule that applied money.
            "credit-note-reference" => "creditnota met verwijzing",
            "source-reported-open" => "openstaand volgens de boekhouding",
            "source-reported-paid" => "betaald volgens de boekhouding",
            "manual" => "met de hand",
            "structured-reference" => "betalingskenmerk",
            "invoice-number" => "factuurnummer",
            "several-invoices" => "meerdere facturen",
            "debtor-exact-amount" => "exact bedrag van de debiteur",
            "debtor-combination" => "combinatie van posten",
            "debtor-oldest-first" => "oudste post eerst",
            "booked-in-source" => "in de boekhouding geboekt",
            // The rule that holds an invoice from a claim.
            "possible-payment" => "mogelijke betaling",
            "unallocated-payments" => "niet toegewezen geld",
            "payment-plan" => "betalingsregeling",
            "fourteen-day-letter" => "14-dagenbrief",
            "letter-term" => "termijn van een brief loopt",
            "min-days-overdue" => "nog niet lang genoeg vervallen",
            "min-open-per-debtor" => "te klein bedrag per debiteur",
            "credit-balance" => "tegoed niet verrekend",
            "consumer-abroad" => "consument in het buitenland",
            "currency" => "valuta",
            "debtor-type" => "soort debiteur",
            "on-hold" => "aangehouden",
            "pre-incasso" => "vooraankondiging incasso",
            "written-off" => "afgeboekt",
            "unconfirmed-last-row" => "laatste regel onbevestigd",
            "source-conflict" => "bronnen spreken elkaar tegen",
            "rate-unknown" => "rente onbekend",
            "credited-later" => "later gecrediteerd",
            "credit-note-names-it" => "creditnota noemt de factuur",
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_both_languages_and_codes_round_trip() {
        for key in ["overview", "review", "accept", "busy", "release"] {
            assert_ne!(Lang::Nl.t(key), key);
            assert_ne!(Lang::Nl.t(key), Lang::En.t(key));
        }
        assert_eq!(Lang::from_code("nl-NL,nl;q=0.9"), Some(Lang::Nl));
        assert_eq!(Lang::from_code("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_code("de"), None);
        assert_eq!(Lang::Nl.other().code(), "en");
        assert_eq!(Lang::Nl.word("partly-allocated"), "deels toegewezen");
        assert_eq!(Lang::En.word("partly-allocated"), "partly-allocated");
        assert_eq!(Lang::Nl.word("something-new"), "something-new");
        assert_eq!(Lang::Nl.bucket("current"), "nog niet vervallen");
        assert_eq!(Lang::En.bucket("1-30"), "1-30 days");
    }
}
