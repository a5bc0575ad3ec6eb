//! CM.com's `validity`: how long a message may wait to be sent before it is given up.
//! CM.com takes a relative period (`"1h30m"`, `"48h"`, `"90s"`, `"1d"`) or an absolute
//! time (`"2026-11-21 11:50:05 GMT"`, RFC 3339). A message that could never be sent in
//! time is refused now rather than failing later.

use super::MsgRefusal;
use crate::time::{Millis, DAY, HOUR, MINUTE, SECOND};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const FIELD: &str = "validity";
const EXAMPLES: &str =
    "give a period such as \"1h30m\" or a time such as \"2026-11-21 11:50:05 GMT\"";

/// The instant until which the message may be sent.
pub fn valid_until(validity: &str, now: Millis) -> Result<Millis, MsgRefusal> {
    let v = validity.trim();
    let starts_like_a_date = v.len() >= 10 && v.as_bytes()[4] == b'-' && v.is_char_boundary(10);
    let until = if starts_like_a_date {
        absolute(v)?
    } else {
        let period = relative(v)?;
        if period <= 0 {
            return Err(MsgRefusal::field(
                FIELD,
                "the period must be longer than zero",
            ));
        }
        now.saturating_add(period)
    };
    if until <= now {
        let why = format!("{v:?} is already past");
        return Err(MsgRefusal::field(FIELD, why));
    }
    Ok(until)
}

fn garbage(v: &str) -> MsgRefusal {
    MsgRefusal::field(
        FIELD,
        format!("{v:?} is not a period or a time: {EXAMPLES}"),
    )
}

/// `"1h30m"`: numbers each followed by a unit (d, h, m, s, any case), at least one.
fn relative(v: &str) -> Result<Millis, MsgRefusal> {
    let mut total: Millis = 0;
    let mut number: Option<Millis> = None;
    for c in v.chars() {
        if let Some(digit) = c.to_digit(10) {
            let n = number.unwrap_or(0);
            let n = n.checked_mul(10).and_then(|n| n.checked_add(digit.into()));
            number = Some(n.ok_or_else(|| garbage(v))?);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'd' => DAY,
            'h' => HOUR,
            'm' => MINUTE,
            's' => SECOND,
            _ => return Err(garbage(v)),
        };
        let n = number.take().ok_or_else(|| garbage(v))?;
        let part = n.checked_mul(unit).ok_or_else(|| garbage(v))?;
        total = total.checked_add(part).ok_or_else(|| garbage(v))?;
    }
    // Trailing digits without a unit, or nothing at all.
    if number.is_some() || v.is_empty() {
        return Err(garbage(v));
    }
    Ok(total)
}

/// `"2026-11-21 11:50:05 GMT"` (CM.com's documented form), or RFC 3339.
fn absolute(v: &str) -> Result<Millis, MsgRefusal> {
    let (date, rest) = v.split_at(10);
    let rest = rest.trim_start_matches([' ', 'T', 't']);
    // The time is up to the zone: digits, colons and a fraction.
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(end);
    let zone = match zone.trim().to_ascii_uppercase().as_str() {
        "GMT" | "UTC" | "Z" => "Z".to_owned(),
        "" => {
            let why = format!("{v:?} has no time zone: add GMT or an offset such as +01:00");
            return Err(MsgRefusal::field(FIELD, why));
        }
        offset => offset.to_owned(),
    };
    let rfc3339 = format!("{date}T{clock}{zone}");
    let at = OffsetDateTime::parse(&rfc3339, &Rfc3339).map_err(|_| garbage(v))?;
    Ok((at.unix_timestamp_nanos() / 1_000_000) as Millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01T00:00:00Z.
    const NOW: Millis = 1_767_225_600_000;

    #[test]
    fn relative_periods_combine_units_in_any_case() {
        assert_eq!(valid_until("1h30m", NOW), Ok(NOW + 90 * MINUTE));
        assert_eq!(valid_until("48h", NOW), Ok(NOW + 2 * DAY));
        assert_eq!(valid_until("10m", NOW), Ok(NOW + 10 * MINUTE));
        assert_eq!(valid_until("90s", NOW), Ok(NOW + 90 * SECOND));
        assert_eq!(valid_until("1D2H", NOW), Ok(NOW + DAY + 2 * HOUR));
    }

    #[test]
    fn absolute_times_in_cm_and_rfc3339_forms() {
        let expected = NOW + 3 * HOUR;
        assert_eq!(valid_until("2026-01-01 03:00:00 GMT", NOW), Ok(expected));
        assert_eq!(valid_until("2026-01-01T03:00:00Z", NOW), Ok(expected));
        assert_eq!(valid_until("2026-01-01T04:00:00+01:00", NOW), Ok(expected));
        assert_eq!(valid_until("2026-01-01 03:00:00 utc", NOW), Ok(expected));
    }

    #[test]
    fn past_times_and_zero_periods_are_refused() {
        for v in ["2025-12-31 23:59:59 GMT", "0s", "0h0m"] {
            let err = valid_until(v, NOW).unwrap_err();
            assert_eq!(err.code, 305, "{v}");
            assert!(err.text.starts_with("validity: "), "{v}: {}", err.text);
        }
    }

    #[test]
    fn garbage_is_refused_naming_validity() {
        let cases = [
            "",
            "soon",
            "10",
            "h",
            "1x",
            "-1h",
            "2026-13-01 00:00:00 GMT",
            "2026-01-02 10:00",
            "99999999999999999999d",
        ];
        for v in cases {
            let err = valid_until(v, NOW).unwrap_err();
            assert_eq!(err.code, 305, "{v}");
            assert!(err.text.starts_with("validity: "), "{v}: {}", err.text);
        }
    }
}
