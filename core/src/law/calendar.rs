//! Public holidays and working days, for counting the terms of letters.
//!
//! Netherlands: the "algemeen erkende feestdagen" of art. 3 lid 1 Algemene termijnenwet (New
//! Year's Day, Easter Monday, Ascension Day, Whit Monday, Christmas and Boxing Day, the day the
//! King's birthday is celebrated, 5 May every year) and Good Friday, which lid 2 equates with
//! them. They matter twice: the courts' presumption that a posted letter arrives on the second
//! day after sending does not count Sundays, Mondays and public holidays (HR 25-11-2016,
//! ECLI:NL:HR:2016:2704), and a statutory term that ends on a Saturday, Sunday or public holiday
//! runs on to the next day that is none of these (art. 1 lid 1 Atw). The days a Royal Decree
//! equates under lid 3 (bridge days, published in the Staatscourant a few years ahead) extend a
//! term too, but post is delivered on them, so they do not move the presumed receipt.
//!
//! Belgium: the ten legal public holidays (Royal Decree of 18 April 1974). A working day is a
//! Monday to Friday that is not one of them (as art. 53bis Ger.W. counts them); the free first
//! reminder's 14-day term starts on the third working day after a paper reminder is sent
//! (art. XIX.2 WER).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A holiday on a fixed day of the year: (month, day, name).
type Fixed = (u32, u32, &'static str);
/// A holiday a number of days after Easter Sunday: (offset, name).
type FromEaster = (u64, &'static str);

/// Dutch holidays on a fixed date (art. 3 lid 1 Atw); King's Day is computed apart.
const NL_FIXED: [Fixed; 4] = [
    (1, 1, "Nieuwjaarsdag"),
    (5, 5, "Bevrijdingsdag (5 mei)"),
    (12, 25, "Eerste Kerstdag"),
    (12, 26, "Tweede Kerstdag"),
];

/// Dutch holidays that move with Easter (art. 3 lid 1 Atw); Good Friday (lid 2) is computed apart.
const NL_FROM_EASTER: [FromEaster; 3] = [
    (1, "Tweede Paasdag"),
    (39, "Hemelvaartsdag"),
    (50, "Tweede Pinksterdag"),
];

/// Days equated with a holiday by Royal Decree under art. 3 lid 3 Atw ("Besluit gelijkstelling
/// van ... met een algemeen erkende feestdag", Staatscourant). They extend terms only; add the
/// days of each new decree here (the last one known covers 2026 to 2028).
const NL_EQUATED: [(i32, u32, u32); 10] = [
    (2023, 4, 28),
    (2023, 5, 19),
    (2024, 5, 10),
    (2024, 12, 27),
    (2025, 5, 30),
    (2026, 1, 2),
    (2026, 5, 15),
    (2027, 5, 7),
    (2028, 4, 28),
    (2028, 5, 26),
];

/// Belgian legal holidays on a fixed date.
const BE_FIXED: [Fixed; 7] = [
    (1, 1, "Nieuwjaar"),
    (5, 1, "Feest van de Arbeid"),
    (7, 21, "Nationale feestdag"),
    (8, 15, "Onze-Lieve-Vrouw-Hemelvaart"),
    (11, 1, "Allerheiligen"),
    (11, 11, "Wapenstilstand"),
    (12, 25, "Kerstmis"),
];

/// Belgian legal holidays that move with Easter.
const BE_FROM_EASTER: [FromEaster; 3] = [
    (1, "Paasmaandag"),
    (39, "Onze-Lieve-Heer-Hemelvaart"),
    (50, "Pinkstermaandag"),
];

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
pub fn easter(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter falls in March or April")
}

fn from_tables(d: NaiveDate, fixed: &[Fixed], moving: &[FromEaster]) -> Option<&'static str> {
    if let Some((_, _, name)) = fixed
        .iter()
        .find(|(m, day, _)| d.month() == *m && d.day() == *day)
    {
        return Some(name);
    }
    let easter = easter(d.year());
    moving
        .iter()
        .find(|(offset, _)| easter.checked_add_days(Days::new(*offset)) == Some(d))
        .map(|(_, name)| *name)
}

/// The day the King's (before 2014 the Queen's) birthday is celebrated: 27 April, or 26 April
/// when the 27th is a Sunday; 30 April (29 April when a Sunday) from 1980 to 2013.
fn kings_day(year: i32) -> Option<NaiveDate> {
    let (day, sunday_day) = if year >= 2014 { (27, 26) } else { (30, 29) };
    let d = NaiveDate::from_ymd_opt(year, 4, day)?;
    if d.weekday() == Weekday::Sun {
        NaiveDate::from_ymd_opt(year, 4, sunday_day)
    } else {
        Some(d)
    }
}

/// The name of the Dutch public holiday on a date (art. 3 lid 1 and 2 Atw), if it is one.
pub fn nl_holiday(d: NaiveDate) -> Option<&'static str> {
    if kings_day(d.year()) == Some(d) {
        return Some("Koningsdag");
    }
    if d.checked_add_days(Days::new(2)) == Some(easter(d.year())) {
        return Some("Goede Vrijdag");
    }
    from_tables(d, &NL_FIXED, &NL_FROM_EASTER)
}

/// Whether a Royal Decree equates the day with a holiday for counting terms (art. 3 lid 3 Atw).
pub fn nl_equated_day(d: NaiveDate) -> bool {
    NL_EQUATED
        .iter()
        .any(|&(y, m, day)| (d.year(), d.month(), d.day()) == (y, m, day))
}

/// The name of the Belgian legal holiday on a date, if it is one.
pub fn be_holiday(d: NaiveDate) -> Option<&'static str> {
    from_tables(d, &BE_FIXED, &BE_FROM_EASTER)
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The last day of a Dutch statutory term that ends on `last`: moved on past Saturdays, Sundays,
/// public holidays and equated days (art. 1 lid 1 and art. 3 Algemene termijnenwet).
pub fn nl_term_end(last: NaiveDate) -> NaiveDate {
    let mut d = last;
    while weekend(d) || nl_holiday(d).is_some() || nl_equated_day(d) {
        d = d.succ_opt().unwrap_or(d);
        if d == NaiveDate::MAX {
            break;
        }
    }
    d
}

/// Whether a day is a Belgian working day: Monday to Friday and no legal holiday.
pub fn be_working_day(d: NaiveDate) -> bool {
    !weekend(d) && be_holiday(d).is_none()
}

/// The `n`th Belgian working day after `d` (not counting `d` itself).
pub fn be_working_days_after(d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut counted = 0;
    while counted < n {
        day = day.succ_opt().unwrap_or(day);
        if day == NaiveDate::MAX || be_working_day(day) {
            counted += 1;
        }
    }
    day
}

/// The day a Dutch letter sent by post is presumed received: the second day after sending,
/// Sundays, Mondays and public holidays not counting (HR 25-11-2016, ECLI:NL:HR:2016:2704).
pub fn nl_postal_receipt(sent: NaiveDate) -> NaiveDate {
    let mut day = sent;
    let mut counted = 0;
    while counted < 2 {
        day = day.succ_opt().unwrap_or(day);
        let counts =
            !matches!(day.weekday(), Weekday::Sun | Weekday::Mon) && nl_holiday(day).is_none();
        if counts || day == NaiveDate::MAX {
            counted += 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn easter_on_known_dates() {
        for (year, want) in [
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2011, "2011-04-24"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
        ] {
            assert_eq!(easter(year), d(want), "{year}");
        }
    }

    #[test]
    fn dutch_holidays_per_year() {
        let list = |year: i32| -> Vec<String> {
            let mut day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            let mut out = Vec::new();
            while day.year() == year {
                if nl_holiday(day).is_some() {
                    out.push(day.format("%m-%d").to_string());
                }
                day = day.succ_opt().unwrap();
            }
            out
        };
        assert_eq!(
            list(2026),
            ["01-01", "04-03", "04-06", "04-27", "05-05", "05-14", "05-25", "12-25", "12-26"]
        );
        // 27 April 2025 is a Sunday: King's Day on the 26th.
        assert_eq!(
            list(2025),
            ["01-01", "04-18", "04-21", "04-26", "05-05", "05-29", "06-09", "12-25", "12-26"]
        );
        assert_eq!(
            nl_holiday(d("2026-04-03")),
            Some("Goede Vrijdag"),
            "art. 3 lid 2 Atw"
        );
        assert_eq!(nl_holiday(d("2013-04-30")), Some("Koningsdag"));
        assert!(nl_equated_day(d("2026-05-15")) && nl_holiday(d("2026-05-15")).is_none());
    }

    #[test]
    fn belgian_holidays_and_working_days() {
        assert_eq!(be_holiday(d("2026-07-21")), Some("Nationale feestdag"));
        assert_eq!(
            be_holiday(d("2026-05-14")),
            Some("Onze-Lieve-Heer-Hemelvaart")
        );
        assert_eq!(be_holiday(d("2026-05-05")), None);
        assert!(!be_working_day(d("2026-06-06")), "Saturday");
        // Wed 3 June 2026: Thu 4, Fri 5, Mon 8.
        assert_eq!(be_working_days_after(d("2026-06-03"), 3), d("2026-06-08"));
        // Fri 17 July 2026: Mon 20, (21 July), Wed 22, Thu 23.
        assert_eq!(be_working_days_after(d("2026-07-17"), 3), d("2026-07-23"));
    }

    #[test]
    fn postal_receipt_and_term_end() {
        // The cases of the legal review: Ascension Day and Christmas.
        assert_eq!(nl_postal_receipt(d("2026-05-12")), d("2026-05-15"));
        assert_eq!(nl_postal_receipt(d("2026-12-24")), d("2026-12-30"));
        assert_eq!(nl_term_end(d("2026-05-29")), d("2026-05-29"));
        assert_eq!(nl_term_end(d("2026-12-05")), d("2026-12-07"), "Saturday");
        assert_eq!(
            nl_term_end(d("2026-12-25")),
            d("2026-12-28"),
            "Christmas, weekend"
        );
        assert_eq!(
            nl_term_end(d("2026-04-05")),
            d("2026-04-07"),
            "Easter, Easter Monday"
        );
    }
}

/// The dates of `fixtures/law/dates/`, written by another hand from the law's text alone.
#[cfg(test)]
mod independent {
    use super::*;
    use crate::collection::{letter_term, Channel};
    use crate::law::Jurisdiction;

    fn rows(name: &str) -> Vec<Vec<String>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/law/dates")
            .join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        text.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                l.split(',')
                    .map(|f| f.trim_matches('"').to_string())
                    .collect()
            })
            .collect()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Every holiday of 2024-2030 on their list is on ours, and ours has no other.
    #[test]
    fn holiday_lists_agree() {
        for (file, ours) in [
            (
                "nl_holidays.csv",
                nl_holiday as fn(NaiveDate) -> Option<&'static str>,
            ),
            ("be_holidays.csv", be_holiday),
        ] {
            let theirs: Vec<NaiveDate> = rows(file).iter().map(|r| d(&r[0])).collect();
            let mut day = d("2024-01-01");
            while day <= d("2030-12-31") {
                assert_eq!(ours(day).is_some(), theirs.contains(&day), "{file}: {day}");
                day = day.succ_opt().unwrap();
            }
        }
        for r in rows("nl_equated_days.csv") {
            assert!(nl_equated_day(d(&r[0])), "{}", r[0]);
        }
    }

    #[test]
    fn dutch_letters_agree() {
        for (file, channel) in [
            ("nl_letters.csv", Channel::Post),
            ("nl_letters_email.csv", Channel::Email),
        ] {
            let all = rows(file);
            assert!(all.len() >= 5, "{file}");
            for r in all {
                let t = letter_term(Jurisdiction::Nl, d(&r[0]), channel, None);
                assert_eq!(
                    (t.received, t.last_day, t.costs_from),
                    (Some(d(&r[1])), d(&r[2]), d(&r[3])),
                    "{file}: sent {}",
                    r[0]
                );
            }
        }
    }

    /// Belgian e-mail: we start the term on the first working day after sending, the later of
    /// the two readings their notes give ("ALT ... 'working day after'"); and we move a last day
    /// that is no working day to the next (art. 1.7 BW), which their table does not.
    #[test]
    fn belgian_reminders_agree() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/law/dates/be_letters.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut checked = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.splitn(6, ',').collect();
            let channel = if f[1] == "email" {
                Channel::Email
            } else {
                Channel::Post
            };
            let alt = |key: &str| {
                line.split("working day after' for e-mail:")
                    .nth(1)
                    .and_then(|rest| rest.split(&format!("{key}=")).nth(1))
                    .map(|v| d(&v[..10]))
            };
            let want = (
                alt("term_start").unwrap_or_else(|| d(f[2])),
                alt("last_day").unwrap_or_else(|| d(f[3])),
                alt("costs_from").unwrap_or_else(|| d(f[4])),
            );
            // Their last day is the 14th calendar day; we move one that is no working day on
            // to the next (art. 1.7 BW), so the costs start a working day later.
            let last = if be_working_day(want.1) {
                want.1
            } else {
                be_working_days_after(want.1, 1)
            };
            let want = (want.0, want.1, last, last.succ_opt().unwrap());
            let t = letter_term(Jurisdiction::Be, d(f[0]), channel, None);
            assert_eq!(
                (t.starts, t.nominal_last_day, t.last_day, t.costs_from),
                want,
                "sent {}",
                f[0]
            );
            checked += 1;
        }
        assert!(checked >= 20);
    }
}
