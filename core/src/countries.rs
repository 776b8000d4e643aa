//! Countries as the books write them (an ISO 3166 code, or a name in Dutch, English, French or
//! German) to their ISO 3166 alpha-2 code: the agency's schema takes codes, the law asks whether
//! an address is in the Netherlands or Belgium, and packages such as Xero keep the country as
//! free text ("Netherlands").

/// Each code with the names it goes by, folded ([`fold`]): the Netherlands' and Belgium's
/// neighbours and trading partners, and the Dutch Caribbean.
const NAMES: &[(&str, &[&str])] = &[
    (
        "NL",
        &[
            "nld",
            "nederland",
            "netherlands",
            "thenetherlands",
            "holland",
            "paysbas",
            "niederlande",
        ],
    ),
    ("BE", &["bel", "belgie", "belgium", "belgique", "belgien"]),
    ("LU", &["lux", "luxemburg", "luxembourg"]),
    (
        "DE",
        &["deu", "duitsland", "germany", "allemagne", "deutschland"],
    ),
    ("FR", &["fra", "frankrijk", "france", "frankreich"]),
    (
        "GB",
        &[
            "gbr",
            "unitedkingdom",
            "greatbritain",
            "verenigdkoninkrijk",
            "engeland",
            "england",
            "royaumeuni",
            "grossbritannien",
            "vereinigteskonigreich",
        ],
    ),
    ("IE", &["irl", "ierland", "ireland", "irlande", "irland"]),
    (
        "ES",
        &["esp", "spanje", "spain", "espagne", "spanien", "espana"],
    ),
    ("PT", &["prt", "portugal"]),
    ("IT", &["ita", "italie", "italy", "italien", "italia"]),
    (
        "AT",
        &["aut", "oostenrijk", "austria", "autriche", "osterreich"],
    ),
    (
        "CH",
        &["che", "zwitserland", "switzerland", "suisse", "schweiz"],
    ),
    ("DK", &["dnk", "denemarken", "denmark", "danemark"]),
    ("SE", &["swe", "zweden", "sweden", "suede", "schweden"]),
    ("NO", &["nor", "noorwegen", "norway", "norvege", "norwegen"]),
    ("FI", &["fin", "finland", "finlande", "finnland"]),
    ("PL", &["pol", "polen", "poland", "pologne"]),
    (
        "CZ",
        &[
            "cze",
            "tsjechie",
            "czechia",
            "czechrepublic",
            "tchequie",
            "tschechien",
        ],
    ),
    (
        "GR",
        &["grc", "griekenland", "greece", "grece", "griechenland"],
    ),
    (
        "US",
        &[
            "usa",
            "unitedstates",
            "unitedstatesofamerica",
            "verenigdestaten",
            "amerika",
            "etatsunis",
            "vereinigtestaaten",
        ],
    ),
    ("CA", &["can", "canada", "kanada"]),
    ("AU", &["aus", "australia", "australie", "australien"]),
    ("SR", &["sur", "suriname"]),
    ("CW", &["cuw", "curacao"]),
    ("AW", &["abw", "aruba"]),
];

/// Lower case, accents off, letters and digits only: "Belgïe", "BELGIE" and "Belgie " alike.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The ISO 3166 alpha-2 code of a country as written: two letters as they are (upper case), a
/// name or alpha-3 code this module knows; `None` for anything else.
pub fn iso_code(country: &str) -> Option<String> {
    let key = fold(country);
    // Two letters are a code as they are, but for the two the EU writes its own way: the United
    // Kingdom's `UK` (ISO: GB) and Greece's `EL` (ISO: GR).
    match key.as_str() {
        "uk" => return Some("GB".into()),
        "el" => return Some("GR".into()),
        _ => {}
    }
    if key.len() == 2 && key.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(key.to_ascii_uppercase());
    }
    NAMES
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(code, _)| (*code).to_string())
}

#[cfg(test)]
mod tests {
    use super::iso_code;

    #[test]
    fn names_and_codes_as_books_write_them() {
        for (written, code) in [
            ("Netherlands", Some("NL")),
            ("the Netherlands", Some("NL")),
            ("nl", Some("NL")),
            ("NL ", Some("NL")),
            ("België", Some("BE")),
            ("Belgique", Some("BE")),
            ("Deutschland", Some("DE")),
            ("United Kingdom", Some("GB")),
            ("UK", Some("GB")),
            ("EL", Some("GR")),
            ("Österreich", Some("AT")),
            ("Curaçao", Some("CW")),
            ("NLD", Some("NL")),
            ("Atlantis", None),
            ("", None),
        ] {
            assert_eq!(iso_code(written).as_deref(), code, "{written}");
        }
    }
}
