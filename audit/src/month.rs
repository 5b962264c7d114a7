//! Calendar months in UTC, in milliseconds since the Unix epoch as block timestamps are.

use chrono::{DateTime, Datelike, NaiveDate};

use crate::error::{Error, Result};

/// A calendar month, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || Error::BadMonth(text.to_string());
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let month = Month {
            year: year.parse().map_err(|_| bad())?,
            month: month.parse().map_err(|_| bad())?,
        };
        month.first_day().ok_or_else(bad)?;
        if month.year < 1970 {
            return Err(bad());
        }
        Ok(month)
    }

    fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    /// The month holding `ms`.
    pub fn of(ms: u64) -> Self {
        let time = i64::try_from(ms)
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or(DateTime::<chrono::Utc>::MAX_UTC);
        Month {
            year: time.year(),
            month: time.month(),
        }
    }

    /// The month after this one.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month's first millisecond.
    pub fn start_ms(self) -> u64 {
        self.first_day()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .and_then(|ms| u64::try_from(ms).ok())
            .unwrap_or(0)
    }

    /// The first millisecond after the month.
    pub fn end_ms(self) -> u64 {
        self.next().start_ms()
    }

    /// Whether `ms` falls in the month.
    pub fn contains(self, ms: u64) -> bool {
        (self.start_ms()..self.end_ms()).contains(&ms)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// `ms` as an ISO-like UTC time with milliseconds, for people.
pub fn format_ms(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        let november = Month::parse("2026-11").unwrap();
        // 2026-11-01T00:00:00Z and 2026-12-01T00:00:00Z.
        assert_eq!(november.start_ms(), 1_793_491_200_000);
        assert_eq!(november.end_ms(), 1_796_083_200_000);
        assert!(november.contains(1_796_083_200_000 - 1));
        assert!(!november.contains(1_796_083_200_000));
        assert_eq!(Month::of(1_796_083_200_000).to_string(), "2026-12");
        assert_eq!(
            Month::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            format_ms(1_796_083_200_000 - 1),
            "2026-11-30 23:59:59.999 UTC"
        );
    }

    #[test]
    fn a_month_must_be_yyyy_mm() {
        for bad in [
            "2026-13", "2026-00", "2026-1", "26-11", "2026/11", "november", "1969-12",
        ] {
            assert!(
                matches!(Month::parse(bad), Err(Error::BadMonth(_))),
                "{bad}"
            );
        }
    }
}
