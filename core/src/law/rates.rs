//! Statutory interest rate tables: data with effective dates and sources, not constants in code.
//!
//! Each table is a small CSV (`from,rate_pct`) under `rates/`, headed by its source and the last
//! date its rates are known for. A date past that, or before the first rate, is an error: the
//! calculator never extrapolates a rate.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::LawError;

/// The tables incasso knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateKind {
    /// Art. 6:119 BW, wettelijke rente (consumers and other non-commercial debts).
    Nl6119,
    /// Art. 6:119a BW, wettelijke handelsrente (commercial transactions).
    Nl6119a,
    /// Belgian late-payment interest of the Wet van 2 augustus 2002 (B2B; cap for consumers).
    Be2002,
    /// Belgian legal interest rate (wettelijke interestvoet).
    BeLegal,
}

impl RateKind {
    /// Name as the reference cases and the trace write it.
    pub fn code(&self) -> &'static str {
        match self {
            RateKind::Nl6119 => "NL_6_119",
            RateKind::Nl6119a => "NL_6_119a",
            RateKind::Be2002 => "BE_2002",
            RateKind::BeLegal => "BE_LEGAL",
        }
    }

    /// File name of the table, also the name a user's replacement table must have.
    pub fn file_name(&self) -> &'static str {
        match self {
            RateKind::Nl6119 => "nl-6-119.csv",
            RateKind::Nl6119a => "nl-6-119a.csv",
            RateKind::Be2002 => "be-2002-b2b.csv",
            RateKind::BeLegal => "be-legal.csv",
        }
    }

    /// The name people use on the command line (`incasso rates add --table NAME`).
    pub fn name(&self) -> &'static str {
        match self {
            RateKind::Nl6119 => "nl-statutory",
            RateKind::Nl6119a => "nl-commercial",
            RateKind::Be2002 => "be-commercial",
            RateKind::BeLegal => "be-legal",
        }
    }

    /// The kind named by its name, code or file name.
    pub fn parse(s: &str) -> Option<RateKind> {
        let s = s.trim();
        RateKind::ALL.into_iter().find(|k| {
            s.eq_ignore_ascii_case(k.name())
                || s.eq_ignore_ascii_case(k.code())
                || s.eq_ignore_ascii_case(k.file_name())
                || s.eq_ignore_ascii_case(k.file_name().trim_end_matches(".csv"))
        })
    }

    /// Every kind.
    pub const ALL: [RateKind; 4] = [
        RateKind::Nl6119,
        RateKind::Nl6119a,
        RateKind::Be2002,
        RateKind::BeLegal,
    ];

    fn data(&self) -> &'static str {
        match self {
            RateKind::Nl6119 => include_str!("rates/nl-6-119.csv"),
            RateKind::Nl6119a => include_str!("rates/nl-6-119a.csv"),
            RateKind::Be2002 => include_str!("rates/be-2002-b2b.csv"),
            RateKind::BeLegal => include_str!("rates/be-legal.csv"),
        }
    }

    /// The built-in table.
    pub fn table(&self) -> RateTable {
        RateTable::parse(self.code(), self.data())
            .expect("built-in rate tables are checked by tests")
    }
}

/// The tables a calculation uses: the built-in ones, or newer ones the user supplies; parsed
/// once, looked up many times.
#[derive(Debug, Clone)]
pub struct RateTables {
    tables: std::collections::HashMap<RateKind, RateTable>,
}

impl Default for RateTables {
    fn default() -> Self {
        RateTables {
            tables: RateKind::ALL.into_iter().map(|k| (k, k.table())).collect(),
        }
    }
}

impl RateTables {
    /// Uses `table` instead of the built-in table of its kind.
    pub fn set(&mut self, kind: RateKind, table: RateTable) {
        self.tables.insert(kind, table);
    }

    /// The table in force for a kind.
    pub fn get(&self, kind: RateKind) -> &RateTable {
        &self.tables[&kind]
    }
}

/// One rate period's start and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatePoint {
    /// First day the rate applies.
    pub from: NaiveDate,
    /// Percent per year.
    pub rate_pct: Decimal,
}

/// A table of rates, each in force from its date until the next, known up to `known_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    /// Name of the table, for messages.
    pub name: String,
    /// Source line(s) from the data file.
    pub source: String,
    /// Rates in date order.
    pub points: Vec<RatePoint>,
    /// Last day the table's rates are known for.
    pub known_until: NaiveDate,
}

impl RateTable {
    /// Parses a table file: `#` comment lines (source, `known_until: DATE`), a header, then rows.
    pub fn parse(name: &str, text: &str) -> Result<RateTable, String> {
        let mut source = Vec::new();
        let mut known_until = None;
        let mut points: Vec<RatePoint> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line == "from,rate_pct" {
                continue;
            }
            if let Some(c) = line.strip_prefix('#') {
                let c = c.trim();
                match c.strip_prefix("known_until:") {
                    Some(d) => {
                        known_until = Some(
                            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                                .map_err(|e| format!("{name} line {}: known_until: {e}", i + 1))?,
                        )
                    }
                    None => source.push(c.to_string()),
                }
                continue;
            }
            let (from, rate) = line
                .split_once(',')
                .ok_or_else(|| format!("{name} line {}: expected from,rate_pct", i + 1))?;
            let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
                .map_err(|e| format!("{name} line {}: {e}", i + 1))?;
            let rate_pct = Decimal::from_str_exact(rate.trim())
                .map_err(|e| format!("{name} line {}: {e}", i + 1))?;
            if let Some(last) = points.last() {
                if from <= last.from {
                    return Err(format!("{name} line {}: dates must increase", i + 1));
                }
            }
            if rate_pct < Decimal::ZERO {
                return Err(format!("{name} line {}: negative rate", i + 1));
            }
            points.push(RatePoint { from, rate_pct });
        }
        let known_until =
            known_until.ok_or_else(|| format!("{name}: no '# known_until: DATE' line"))?;
        if points.is_empty() {
            return Err(format!("{name}: no rates"));
        }
        Ok(RateTable {
            name: name.to_string(),
            source: source.join(" | "),
            points,
            known_until,
        })
    }

    /// Checks that every day from `from` through `to` has a known rate.
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> Result<(), LawError> {
        if from < self.points[0].from {
            return Err(LawError::NoRate {
                table: self.name.clone(),
                date: from,
                first: self.points[0].from,
                known_until: self.known_until,
            });
        }
        if to > self.known_until {
            return Err(LawError::NoRate {
                table: self.name.clone(),
                date: to,
                first: self.points[0].from,
                known_until: self.known_until,
            });
        }
        Ok(())
    }

    /// The table with a new period appended: `pct` from `from`, known through `until`. The
    /// period must start after the last one and leave no day without a rate.
    pub fn with_period(
        &self,
        from: NaiveDate,
        pct: Decimal,
        until: NaiveDate,
        source: &str,
    ) -> Result<RateTable, String> {
        let last = self.points.last().map(|p| p.from).unwrap_or(NaiveDate::MIN);
        if from <= last {
            return Err(format!(
                "{}: the new period must start after the last one, which starts {last}",
                self.name
            ));
        }
        if from > self.known_until.succ_opt().unwrap_or(self.known_until) {
            return Err(format!(
                "{}: the table is known until {}; a period from {from} would leave the days between without a rate (start it on {} at the latest)",
                self.name,
                self.known_until,
                self.known_until.succ_opt().unwrap_or(self.known_until)
            ));
        }
        if until < from {
            return Err(format!(
                "{}: known until {until} is before {from}",
                self.name
            ));
        }
        if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
            return Err(format!("{}: {pct}% is not a rate", self.name));
        }
        if source.trim().is_empty() {
            return Err(format!(
                "{}: name the source of the rate (--source)",
                self.name
            ));
        }
        let mut t = self.clone();
        t.points.push(RatePoint {
            from,
            rate_pct: pct,
        });
        t.known_until = until;
        t.source = format!("{} | from {from}: {}", self.source, source.trim());
        Ok(t)
    }

    /// The table as its CSV file: sources and `known_until` as comments, then the rows.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for s in self.source.split(" | ") {
            out.push_str(&format!("# {}\n", s.replace('\n', " ")));
        }
        out.push_str(&format!(
            "# known_until: {}\nfrom,rate_pct\n",
            self.known_until
        ));
        for p in &self.points {
            out.push_str(&format!("{},{}\n", p.from, p.rate_pct));
        }
        out
    }

    /// The table with every rate capped at an agreed rate: a contract may agree less than the
    /// statutory maximum (a Belgian consumer clause, art. XIX.4 §1, 1° WER), never more.
    pub fn capped(&self, max_pct: Decimal) -> RateTable {
        RateTable {
            name: format!("{} capped at {}% (agreed)", self.name, max_pct.normalize()),
            points: self
                .points
                .iter()
                .map(|p| RatePoint {
                    from: p.from,
                    rate_pct: p.rate_pct.min(max_pct),
                })
                .collect(),
            ..self.clone()
        }
    }

    /// The rate on a date the table covers, or `None` outside it (never a guess).
    pub fn known_rate_on(&self, date: NaiveDate) -> Option<Decimal> {
        self.covers(date, date).ok().map(|()| self.rate_on(date))
    }

    /// The rate in force on a date (the caller checked [`RateTable::covers`]).
    pub fn rate_on(&self, date: NaiveDate) -> Decimal {
        let i = self.points.partition_point(|p| p.from <= date);
        self.points[i.saturating_sub(1)].rate_pct
    }

    /// Start dates of rate periods strictly after `after` and not after `until`.
    pub fn starts_between(
        &self,
        after: NaiveDate,
        until: NaiveDate,
    ) -> impl Iterator<Item = NaiveDate> + '_ {
        self.points
            .iter()
            .map(|p| p.from)
            .filter(move |d| *d > after && *d <= until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn built_in_tables_parse_and_answer_by_date() {
        for k in [
            RateKind::Nl6119,
            RateKind::Nl6119a,
            RateKind::Be2002,
            RateKind::BeLegal,
        ] {
            let t = k.table();
            assert!(!t.source.is_empty(), "{} has a source", t.name);
        }
        let t = RateKind::Nl6119a.table();
        assert_eq!(t.rate_on(d("2013-03-15")).to_string(), "7.75");
        assert_eq!(t.rate_on(d("2013-03-16")).to_string(), "8.75");
        assert_eq!(t.rate_on(d("2025-12-31")).to_string(), "10.15");
        assert!(
            t.covers(d("2026-07-01"), d("2026-07-01")).is_err(),
            "past the last known rate"
        );
        assert!(
            t.covers(d("1999-12-31"), d("2000-01-02")).is_err(),
            "before the first rate"
        );
    }

    #[test]
    fn malformed_tables_are_refused() {
        assert!(
            RateTable::parse("t", "from,rate_pct\n2020-01-01,1.0\n").is_err(),
            "no known_until"
        );
        assert!(RateTable::parse(
            "t",
            "# known_until: 2021-01-01\n2020-01-01,1.0\n2019-01-01,2\n"
        )
        .is_err());
        assert!(RateTable::parse("t", "# known_until: 2021-01-01\n2020-01-01,-1\n").is_err());
    }

    #[test]
    fn a_period_is_appended_with_its_source_and_round_trips() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = RateKind::parse("nl-commercial").unwrap().table();
        assert_eq!(t.known_until, d("2026-06-30"));
        let next = t
            .with_period(
                d("2026-07-01"),
                Decimal::new(1015, 2),
                d("2026-12-31"),
                "Staatscourant 2026, 12345",
            )
            .unwrap();
        assert_eq!(
            next.known_rate_on(d("2026-11-23")),
            Some(Decimal::new(1015, 2))
        );
        let again = RateTable::parse("NL_6_119a", &next.to_csv()).unwrap();
        assert_eq!(again, next);
        assert!(again
            .source
            .contains("from 2026-07-01: Staatscourant 2026, 12345"));
        for (id, from, until, pct, src) in [
            ("gap", "2026-07-02", "2026-12-31", "10", "x"),
            ("not after the last", "2025-07-01", "2026-12-31", "10", "x"),
            ("until before from", "2026-07-01", "2026-06-30", "10", "x"),
            ("negative", "2026-07-01", "2026-12-31", "-1", "x"),
            ("no source", "2026-07-01", "2026-12-31", "10", " "),
        ] {
            assert!(
                t.with_period(
                    d(from),
                    Decimal::from_str_exact(pct).unwrap(),
                    d(until),
                    src
                )
                .is_err(),
                "{id}"
            );
        }
        assert_eq!(RateKind::parse("NL_6_119"), Some(RateKind::Nl6119));
        assert_eq!(RateKind::parse("be-2002-b2b.csv"), Some(RateKind::Be2002));
        assert_eq!(RateKind::parse("fr-legal"), None);
    }
}
