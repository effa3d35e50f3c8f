//! Dates with honest precision: a year, a month or a day, kept as given.

use std::fmt;

use serde::Serialize;

/// How precisely a date was given by its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Year,
    Month,
    Day,
}

/// A calendar date known to a year, a month or a day.
///
/// Ordering puts a coarser date before finer ones in the same period
/// (`2023` < `2023-12` < `2023-12-01`), which is what a timeline wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

pub const ACCEPTED_FORMS: &str =
    "use YYYY, YYYY-MM or YYYY-MM-DD, e.g. 1951, 2023-12 or 2024-12-15";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date \"{input}\": {reason} ({ACCEPTED_FORMS})")]
pub struct DateError {
    pub input: String,
    pub reason: &'static str,
}

impl PartialDate {
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let err = |reason| DateError {
            input: input.to_string(),
            reason,
        };
        let text = input.trim();
        // A full TOML/RFC 3339 timestamp is accepted, but only its date part counts.
        let text = text.split(['T', ' ']).next().unwrap_or(text);
        let parts: Vec<&str> = text.split('-').collect();
        if parts.is_empty() || parts.len() > 3 {
            return Err(err("wrong number of parts"));
        }
        let number = |s: &str, len: usize, what| {
            if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
                Err(err(what))
            } else {
                Ok(s.parse::<u32>().unwrap_or(0))
            }
        };
        let year = number(parts[0], 4, "the year must have four digits")? as i32;
        let month = match parts.get(1) {
            Some(m) => {
                let m = number(m, 2, "the month must have two digits")?;
                if !(1..=12).contains(&m) {
                    return Err(err("the month must be between 01 and 12"));
                }
                Some(m as u8)
            }
            None => None,
        };
        let day = match (parts.get(2), month) {
            (Some(d), Some(m)) => {
                let d = number(d, 2, "the day must have two digits")?;
                if d == 0 || d > days_in_month(year, m) as u32 {
                    return Err(err("that day does not exist in that month"));
                }
                Some(d as u8)
            }
            _ => None,
        };
        Ok(PartialDate { year, month, day })
    }

    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        }
    }

    /// Machine form with the precision it has (`1951`, `2023-12`, `2024-12-15`),
    /// as used in `<time datetime>`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (None, _) => format!("{:04}", self.year),
            (Some(m), None) => format!("{:04}-{:02}", self.year, m),
            (Some(m), Some(d)) => format!("{:04}-{:02}-{:02}", self.year, m, d),
        }
    }

    /// Reader's form: `1951`, `December 2023`, `15 December 2024`.
    pub fn human(&self) -> String {
        match (self.month, self.day) {
            (None, _) => format!("{}", self.year),
            (Some(m), None) => format!("{} {}", MONTHS[m as usize - 1], self.year),
            (Some(m), Some(d)) => format!("{} {} {}", d, MONTHS[m as usize - 1], self.year),
        }
    }

    /// The first day this date covers.
    pub fn first_day(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The day after the last day this date covers (exclusive end, as iCalendar wants).
    pub fn day_after_end(&self) -> (i32, u8, u8) {
        match (self.month, self.day) {
            (None, _) => (self.year + 1, 1, 1),
            (Some(12), None) => (self.year + 1, 1, 1),
            (Some(m), None) => (self.year, m + 1, 1),
            (Some(m), Some(d)) => {
                if d < days_in_month(self.year, m) {
                    (self.year, m, d + 1)
                } else if m < 12 {
                    (self.year, m + 1, 1)
                } else {
                    (self.year + 1, 1, 1)
                }
            }
        }
    }

    /// True when this date lies wholly after `today`: a planned event.
    pub fn is_after(&self, today: PartialDate) -> bool {
        let (y, m, d) = self.first_day();
        (y, m, d) > today.first_day()
            && match self.precision() {
                Precision::Year => self.year > today.year,
                Precision::Month => (self.year, self.month) > (today.year, today.month),
                Precision::Day => true,
            }
    }

    /// The key timelines sort by: coarser first within the same period.
    pub fn sort_key(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(0), self.day.unwrap_or(0))
    }

    pub fn today() -> PartialDate {
        let now = time::OffsetDateTime::now_utc();
        PartialDate {
            year: now.year(),
            month: Some(now.month() as u8),
            day: Some(now.day()),
        }
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn parses_each_precision_and_keeps_it() {
        assert_eq!(d("1951").human(), "1951");
        assert_eq!(d("2023-12").human(), "December 2023");
        assert_eq!(d("2024-12-15").human(), "15 December 2024");
        assert_eq!(d("2024-12-15").precision(), Precision::Day);
        assert_eq!(d("2023-12").iso(), "2023-12");
        assert_eq!(d("2024-02-29T10:00:00Z").iso(), "2024-02-29");
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        for bad in [
            "",
            "51",
            "2023-13",
            "2023-00",
            "2023-02-30",
            "2023-2",
            "2023-12-1",
            "1951/12",
            "2023-12-01-01",
            "abcd",
            "2023-02-29",
        ] {
            let e = PartialDate::parse(bad).unwrap_err();
            assert!(e.to_string().contains("YYYY-MM-DD"), "{bad}: {e}");
        }
    }

    #[test]
    fn coarser_dates_sort_before_finer_ones_in_the_same_period() {
        let mut v = [
            d("2023-12-05"),
            d("2024"),
            d("2023-12"),
            d("2023"),
            d("2023-01-31"),
        ];
        v.sort();
        let iso: Vec<_> = v.iter().map(|x| x.iso()).collect();
        assert_eq!(iso, ["2023", "2023-01-31", "2023-12", "2023-12-05", "2024"]);
    }

    #[test]
    fn upcoming_means_wholly_after_today() {
        let today = d("2025-03-10");
        assert!(d("2027").is_after(today));
        assert!(!d("2025").is_after(today));
        assert!(!d("2025-03").is_after(today));
        assert!(d("2025-04").is_after(today));
        assert!(d("2025-03-11").is_after(today));
        assert!(!d("2025-03-10").is_after(today));
    }

    #[test]
    fn exclusive_end_covers_the_whole_period() {
        assert_eq!(d("2023").day_after_end(), (2024, 1, 1));
        assert_eq!(d("2023-12").day_after_end(), (2024, 1, 1));
        assert_eq!(d("2024-02-29").day_after_end(), (2024, 3, 1));
        assert_eq!(d("2024-12-31").day_after_end(), (2025, 1, 1));
    }
}
