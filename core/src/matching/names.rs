//! Payer and debtor names as a comparable key: case, accents, punctuation, legal forms and word
//! order do not matter ("J. Jansen" and "JANSEN J", "Bakkerij De Zon B.V." and "bakkerij de zon
//! bv" give one key). Initials and legal forms are dropped; the remaining words are sorted.

/// Forms of address and words that say nothing about who pays, after punctuation is removed;
/// legal forms ([`LEGAL_FORMS`]) say nothing either.
const FILLER: &[&str] = &[
    "en",
    "de",
    "het",
    "the",
    "mw",
    "mevr",
    "mevrouw",
    "dhr",
    "heer",
    "mr",
    "mrs",
    "ms",
    "miss",
    "fam",
    "familie",
    "eenmanszaak",
];

/// Whether a word says nothing about who pays: a legal form or a filler.
fn noise(w: &str) -> bool {
    LEGAL_FORMS.contains(&w) || FILLER.contains(&w)
}

/// Legal forms: a name with one is a company's, not a person's.
const LEGAL_FORMS: &[&str] = &[
    "bv",
    "nv",
    "vof",
    "cv",
    "bvba",
    "sprl",
    "sprlu",
    "srl",
    "sa",
    "ltd",
    "limited",
    "gmbh",
    "plc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "vzw",
    "ivzw",
    "asbl",
    "sarl",
    "commv",
    "cvba",
    "scrl",
    "ebvba",
    "ag",
    "kg",
    "gcv",
    "cva",
    "stichting",
    "vereniging",
    "cooperatie",
    "holding",
    "sc",
    "scri",
    "sca",
    "snc",
    "scs",
];

/// Whether a name has a legal form, so it is a company's (or a foundation's), not a person's.
pub fn is_company(name: &str) -> bool {
    let folded = name.to_lowercase().replace(['.', '\''], "");
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (0..words.len()).any(|i| {
        (1..=4).any(|len| {
            words
                .get(i..i + len)
                .is_some_and(|w| LEGAL_FORMS.contains(&w.concat().as_str()))
        })
    })
}

/// Words before a name that say the debtor is a household: any initials fit it.
const FAMILY: &[&str] = &["fam", "familie"];

/// A name without the trade name or branch some ledgers add (`Gebr. Verhoeven "Noord"; N.V.`,
/// `Jansen h.o.d.n. Bouw`): what a bank shows as the account holder. `None` when there is no such
/// part.
pub fn main_part(name: &str) -> Option<&str> {
    // ASCII case only, so byte offsets into `lower` are offsets into `name`.
    let lower = name.to_ascii_lowercase();
    let cut = ['"', '“', '(', ';']
        .iter()
        .filter_map(|c| name.find(*c))
        .chain(
            [
                " h.o.d.n",
                " t.h.o.d.n",
                " handelend onder",
                " trading as",
                " t/a ",
            ]
            .iter()
            .filter_map(|w| lower.find(w)),
        )
        .min()?;
    let main = name[..cut].trim_end_matches([' ', ',']);
    (!main.trim().is_empty()).then_some(main)
}

/// The comparable key of a name; empty when nothing identifying is left.
pub fn name_key(name: &str) -> String {
    key(name, false)
}

/// The key of a name that keeps initials: strict enough to say who a payer is (`Y. van der Meer`
/// is not `T. van der Meer`, nor `Yusuf van der Meer`), where [`name_key`] only says who it may
/// be.
pub fn identity_key(name: &str) -> String {
    key(name, true)
}

/// A name's words after folding (legal forms and filler words dropped): the full words, and the
/// initials (single letters) apart.
pub fn words(name: &str) -> (Vec<String>, Vec<char>) {
    let k = key(name, true);
    let mut full = Vec::new();
    let mut initials = Vec::new();
    for w in k.split_whitespace() {
        let mut chars = w.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => initials.push(c),
            _ => full.push(w.to_string()),
        }
    }
    (full, initials)
}

/// Whether a payer's name can be this debtor's when written with initials for first names
/// (`Bakker, Z.` for `Zoë Bakker`, `van der Meer Y.` for `Yusuf van der Meer`): every full word of
/// the payer's is the debtor's, every initial is the first letter of one of the debtor's other
/// words (or one of its initials), and no word of the debtor's is left unexplained.
pub fn initials_fit(payer: &str, debtor: &str) -> bool {
    fits_with_initials(payer, debtor, false)
}

/// Whether a payer writing initials (`A. Postma`) can be a household the ledger names without
/// them (`Fam. Postma`): the payer's full words are the household's, any initials fit. Weaker
/// than [`initials_fit`], so asked only when no debtor fits that.
pub fn household_fit(payer: &str, debtor: &str) -> bool {
    let family = debtor
        .split_whitespace()
        .next()
        .is_some_and(|w| FAMILY.contains(&w.trim_end_matches('.').to_lowercase().as_str()));
    family && fits_with_initials(payer, debtor, true)
}

fn fits_with_initials(payer: &str, debtor: &str, family: bool) -> bool {
    let (pw, pi) = words(payer);
    let (dw, di) = words(debtor);
    if pw.is_empty() || pi.is_empty() {
        return false;
    }
    let mut rest: Vec<&String> = dw.iter().collect();
    for w in &pw {
        match rest.iter().position(|d| *d == w) {
            Some(i) => {
                rest.remove(i);
            }
            None => return false,
        }
    }
    // Each initial explains one remaining word of the debtor's, or one of its own initials.
    let mut initials: Vec<char> = di.clone();
    for c in pi {
        if let Some(i) = rest.iter().position(|d| d.starts_with(c)) {
            rest.remove(i);
        } else if let Some(i) = initials.iter().position(|d| *d == c) {
            initials.remove(i);
        } else if !family {
            return false;
        }
    }
    rest.is_empty()
}

fn key(name: &str, initials: bool) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        // Most names are ASCII: folded without the case tables.
        if c.is_ascii() {
            match c {
                '.' | '\'' => {}
                c if c.is_ascii_alphanumeric() => folded.push(c.to_ascii_lowercase()),
                _ => folded.push(' '),
            }
            continue;
        }
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            // "B.V." and "b.v" become "bv": points join, other punctuation separates.
            '.' | '\'' | '’' => continue,
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        folded.extend(c.to_lowercase());
    }
    // A legal form spelt in parts ("B V", "V O F", "BV BA", "S à r l", "Comm V") is the legal
    // form.
    let raw: Vec<&str> = folded.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(raw.len());
    let mut i = 0;
    'words: while i < raw.len() {
        for len in (2..=4).rev() {
            let Some(window) = raw.get(i..i + len) else {
                continue;
            };
            if window.iter().all(|w| w.chars().count() <= 4) && noise(&window.concat()) {
                i += len;
                continue 'words;
            }
        }
        kept.push(raw[i]);
        i += 1;
    }
    let mut words: Vec<&str> = kept
        .into_iter()
        .map(|w| match w {
            // The common abbreviation and its word are one name.
            "gebroeders" => "gebr",
            other => other,
        })
        .filter(|w| (initials || w.chars().count() > 1) && !noise(w))
        .collect();
    words.sort_unstable();
    words.dedup();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::{household_fit, identity_key, initials_fit, is_company, main_part, name_key};

    #[test]
    fn one_key_for_the_ways_people_write_a_name() {
        let same = [
            ("J. Jansen", "JANSEN J"),
            ("Bakkerij De Zon B.V.", "bakkerij de zon bv"),
            ("Bakkerij De Zon B.V.", "Zon, Bakkerij de"),
            (
                "Installatiebedrijf \"Warm\"; Zn.",
                "INSTALLATIEBEDRIJF WARM ZN",
            ),
            ("Café Noël V.O.F.", "cafe noel vof"),
            ("Smith & Sons Ltd", "SMITH SONS LIMITED"),
            ("Globex Corp.", "GLOBEX CORPORATION"),
        ];
        for (a, b) in same {
            assert_eq!(name_key(a), name_key(b), "{a} / {b}");
            assert!(!name_key(a).is_empty());
        }
        assert_ne!(
            name_key("Bakkerij De Zon B.V."),
            name_key("Bakkerij De Maan B.V.")
        );
        assert_eq!(name_key("B.V."), "");
        assert_eq!(identity_key("J. Jansen"), identity_key("JANSEN J"));
        assert_ne!(
            identity_key("Y. van der Meer"),
            identity_key("T. van der Meer")
        );
        assert_ne!(
            identity_key("Y. van der Meer"),
            identity_key("Yusuf van der Meer")
        );
        assert_eq!(identity_key("Mw. H. Jacobs"), identity_key("H. Jacobs"));
        assert!(household_fit("A. Postma", "Fam. Postma"));
        assert!(!initials_fit("A. Postma", "Fam. Postma"));
        assert!(!household_fit("A. Postma", "Postma"));
        assert!(initials_fit("HAAN I DE", "Ingrid de Haan"));
        assert_eq!(
            main_part("Gebr. Verhoeven \"Noord\"; N.V."),
            Some("Gebr. Verhoeven")
        );
        assert_eq!(main_part("Jansen h.o.d.n. Bouw"), Some("Jansen"));
        assert!(is_company("Groothandel Installatie Noord B.V."));
        assert!(is_company("Stichting Mollie Payments"));
        assert!(is_company("Elektro Dupont BV BA"));
        assert!(!is_company("PIETER DUPONT"));
        for (a, b) in [
            ("Lux Logistics S.à r.l.", "LUX LOGISTICS"),
            ("Nettoyage Lefèvre SARL", "NETTOYAGE LEFEVRE"),
            ("Elektro Dupont BV BA", "ELEKTRO DUPONT BVBA"),
            (
                "Makelaardij Verhoeven CommV",
                "Makelaardij Verhoeven Comm. V.",
            ),
        ] {
            assert_eq!(identity_key(a), identity_key(b), "{a} / {b}");
        }
        assert_eq!(main_part("Jansen Bouw B.V."), None);
    }
}
