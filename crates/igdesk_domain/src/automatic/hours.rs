//! Business hours of an inbox: a time zone (IANA name), open–close ranges per weekday
//! and holidays (whole days closed). Whether the inbox is open is decided for the
//! moment the customer wrote, in the inbox's own time zone, so a business in Lisbon
//! and one in Tokyo can share an igdesk.

use super::Invalid;
use crate::time::Millis;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The weekdays as the API names them, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// At most this many ranges a day and holidays in all: more is a typing accident.
pub const MAX_RANGES_PER_DAY: usize = 8;
pub const MAX_HOLIDAYS: usize = 366;

/// One stretch of a day the inbox is open: `HH:MM` to `HH:MM` (`24:00` is the end of
/// the day), in the inbox's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRange {
    #[schema(example = "09:00")]
    pub open: String,
    #[schema(example = "17:30")]
    pub close: String,
}

/// The ranges of each weekday; a day left out or empty is closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weekly {
    #[serde(default)]
    pub mon: Vec<OpenRange>,
    #[serde(default)]
    pub tue: Vec<OpenRange>,
    #[serde(default)]
    pub wed: Vec<OpenRange>,
    #[serde(default)]
    pub thu: Vec<OpenRange>,
    #[serde(default)]
    pub fri: Vec<OpenRange>,
    #[serde(default)]
    pub sat: Vec<OpenRange>,
    #[serde(default)]
    pub sun: Vec<OpenRange>,
}

impl Weekly {
    /// The ranges of the day `DAYS[index]`.
    pub fn day(&self, index: usize) -> &[OpenRange] {
        match index {
            0 => &self.mon,
            1 => &self.tue,
            2 => &self.wed,
            3 => &self.thu,
            4 => &self.fri,
            5 => &self.sat,
            _ => &self.sun,
        }
    }

    pub fn day_mut(&mut self, index: usize) -> &mut Vec<OpenRange> {
        match index {
            0 => &mut self.mon,
            1 => &mut self.tue,
            2 => &mut self.wed,
            3 => &mut self.thu,
            4 => &mut self.fri,
            5 => &mut self.sat,
            _ => &mut self.sun,
        }
    }
}

/// An inbox's business hours and the two automatic messages that follow from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// An IANA time zone name, e.g. `Europe/Amsterdam`.
    #[schema(example = "Europe/Amsterdam")]
    pub time_zone: String,
    #[serde(default)]
    pub weekly: Weekly,
    /// Dates (`YYYY-MM-DD`, in the inbox's time zone) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Sent once per conversation to a customer who writes outside the hours.
    #[serde(default)]
    pub away_message: Option<String>,
    /// Sent within the hours to a customer's first message ever.
    #[serde(default)]
    pub greeting: Option<String>,
}

/// The weekday's full name, for messages people read.
pub fn day_name(index: usize) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][index.min(6)]
}

/// `weekly.mon` … as the field an error names.
fn day_field(index: usize) -> &'static str {
    [
        "weekly.mon",
        "weekly.tue",
        "weekly.wed",
        "weekly.thu",
        "weekly.fri",
        "weekly.sat",
        "weekly.sun",
    ][index.min(6)]
}

/// Minutes since midnight of `HH:MM` (`24:00` included, as a close).
pub fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// A `YYYY-MM-DD` date that exists.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// The time zone of this IANA name, from the system's tz database.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    // Only names: a path or a POSIX rule is not what the field asks for.
    if name.is_empty() || name.len() > 64 || name.contains("..") || name.starts_with('/') {
        return None;
    }
    TimeZone::get(name).ok()
}

impl BusinessHours {
    /// Checks every field, naming the first one at fault. Texts are checked by the
    /// caller against Instagram's limits (they are messages).
    pub fn validate(&self) -> Result<(), Invalid> {
        if time_zone(&self.time_zone).is_none() {
            return Err(Invalid::new(
                "time_zone",
                "unknown_time_zone",
                format!(
                    "{:?} is not a time zone igdesk knows: give an IANA name such as Europe/Amsterdam",
                    self.time_zone
                ),
            ));
        }
        for index in 0..7 {
            let ranges = self.weekly.day(index);
            let field = day_field(index);
            let name = day_name(index);
            if ranges.len() > MAX_RANGES_PER_DAY {
                return Err(Invalid::new(
                    field,
                    "invalid_hours",
                    format!(
                        "{name} has {} ranges; at most {MAX_RANGES_PER_DAY}",
                        ranges.len()
                    ),
                ));
            }
            let mut minutes = Vec::with_capacity(ranges.len());
            for range in ranges {
                let (Some(open), Some(close)) =
                    (parse_clock(&range.open), parse_clock(&range.close))
                else {
                    return Err(Invalid::new(
                        field,
                        "invalid_hours",
                        format!(
                            "{name}: write times as HH:MM, 00:00 to 24:00 (got {:?}–{:?})",
                            range.open, range.close
                        ),
                    ));
                };
                if close <= open {
                    return Err(Invalid::new(
                        field,
                        "close_before_open",
                        format!(
                            "{name}: closes at {} before it opens at {}",
                            range.close.trim(),
                            range.open.trim()
                        ),
                    ));
                }
                minutes.push((open, close));
            }
            minutes.sort_unstable();
            if minutes.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(Invalid::new(
                    field,
                    "overlapping_hours",
                    format!("{name}'s ranges overlap"),
                ));
            }
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(Invalid::new(
                "holidays",
                "invalid_date",
                format!("at most {MAX_HOLIDAYS} holidays"),
            ));
        }
        if let Some(bad) = self.holidays.iter().find(|d| parse_date(d).is_none()) {
            return Err(Invalid::new(
                "holidays",
                "invalid_date",
                format!("{bad:?} is not a date: write YYYY-MM-DD, e.g. 2026-12-25"),
            ));
        }
        Ok(())
    }

    /// The same hours written the one way they are stored: trimmed, ranges in order,
    /// holidays sorted once each, empty messages as none.
    pub fn normalized(mut self) -> Self {
        self.time_zone = self.time_zone.trim().to_owned();
        for index in 0..7 {
            let day = self.weekly.day_mut(index);
            for range in day.iter_mut() {
                range.open = range.open.trim().to_owned();
                range.close = range.close.trim().to_owned();
            }
            day.sort_by_key(|r| parse_clock(&r.open));
        }
        let mut dates: Vec<String> = self
            .holidays
            .iter()
            .filter_map(|d| parse_date(d).map(|d| d.to_string()))
            .collect();
        dates.sort();
        dates.dedup();
        self.holidays = dates;
        let text = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        self.away_message = text(self.away_message);
        self.greeting = text(self.greeting);
        self
    }

    /// Whether the inbox is open at `at`. Hours whose time zone cannot be read (the
    /// system's tz database changed under a stored name) count as open: an away
    /// message sent by mistake is worse than one not sent.
    pub fn is_open(&self, at: Millis) -> bool {
        let (Some(zone), Ok(stamp)) = (
            time_zone(&self.time_zone),
            jiff::Timestamp::from_millisecond(at),
        ) else {
            return true;
        };
        let local = stamp.to_zoned(zone);
        let date = local.date().to_string();
        if self.holidays.contains(&date) {
            return false;
        }
        let index = local.weekday().to_monday_zero_offset() as usize;
        let minute = minutes_of(local.time());
        self.weekly
            .day(index)
            .iter()
            .any(|r| match (parse_clock(&r.open), parse_clock(&r.close)) {
                (Some(open), Some(close)) => open <= minute && minute < close,
                _ => false,
            })
    }
}

fn minutes_of(t: Time) -> u32 {
    t.hour() as u32 * 60 + t.minute() as u32
}
