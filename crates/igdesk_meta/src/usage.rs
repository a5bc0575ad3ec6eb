//! Meta's usage headers (meta-instagram-api.md §6), read on every Graph answer so
//! that igdesk slows down before Meta throttles, as Meta asks:
//!
//! - `X-App-Usage: {"call_count":28,"total_cputime":25,"total_time":25}`
//! - `X-Business-Use-Case-Usage: {"<id>":[{"type":"instagram","call_count":97,…,
//!   "estimated_time_to_regain_access":19}]}` (minutes)
//! - `X-Ad-Account-Usage: {"acc_id_util_pct":9.67}`
//!
//! All are percentages of a budget, throttled at 100. A header that cannot be read
//! is ignored, never an error: it is advice, and the answer it came with stands.

use serde_json::Value;
use std::time::Duration;

pub const APP_USAGE: &str = "x-app-usage";
pub const BUSINESS_USE_CASE_USAGE: &str = "x-business-use-case-usage";
pub const AD_ACCOUNT_USAGE: &str = "x-ad-account-usage";

/// The highest share of any budget Meta reported on one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Percent used of the fullest budget (may exceed 100 once throttled).
    pub percent: u32,
    /// Meta's `estimated_time_to_regain_access`, when it named one above zero.
    pub regain: Option<Duration>,
}

impl Usage {
    /// The usage told by the three headers' values; `None` when none of them
    /// could be read (absence is not zero usage: Meta sends them only once
    /// enough calls were made).
    pub fn read(
        app: Option<&str>,
        business: Option<&str>,
        ad_account: Option<&str>,
    ) -> Option<Self> {
        let readings = [
            app.and_then(app_usage),
            business.and_then(business_usage),
            ad_account.and_then(ad_account_usage),
        ];
        readings.into_iter().flatten().reduce(Usage::max)
    }

    /// The fuller of two readings, with the longer wait.
    fn max(self, other: Usage) -> Usage {
        Usage {
            percent: self.percent.max(other.percent),
            regain: self.regain.max(other.regain),
        }
    }
}

/// `{"call_count":N,"total_cputime":N,"total_time":N}`.
fn app_usage(header: &str) -> Option<Usage> {
    let value: Value = serde_json::from_str(header).ok()?;
    Some(Usage {
        percent: highest_share(&value)?,
        regain: None,
    })
}

/// `{"<business-id>":[{…, "estimated_time_to_regain_access":minutes}]}`: every
/// entry of every business object counts (igdesk calls for one account at a time).
fn business_usage(header: &str) -> Option<Usage> {
    let value: Value = serde_json::from_str(header).ok()?;
    value
        .as_object()?
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|entry| {
            let minutes = entry
                .get("estimated_time_to_regain_access")
                .and_then(Value::as_f64)
                .filter(|m| m.is_finite() && *m > 0.0);
            let regain = minutes.map(|m| Duration::from_secs_f64(m.min(24.0 * 60.0) * 60.0));
            let percent = highest_share(entry);
            (percent.is_some() || regain.is_some()).then(|| Usage {
                percent: percent.unwrap_or(0),
                regain,
            })
        })
        .reduce(Usage::max)
}

/// `{"acc_id_util_pct":N}` (a number, whole or not).
fn ad_account_usage(header: &str) -> Option<Usage> {
    let value: Value = serde_json::from_str(header).ok()?;
    Some(Usage {
        percent: percent(value.get("acc_id_util_pct")?)?,
        regain: None,
    })
}

/// The highest of `call_count`, `total_cputime` and `total_time`.
fn highest_share(object: &Value) -> Option<u32> {
    ["call_count", "total_cputime", "total_time"]
        .iter()
        .filter_map(|key| percent(object.get(key)?))
        .max()
}

/// A percentage as Meta writes it: a non-negative number, sometimes a string.
fn percent(value: &Value) -> Option<u32> {
    let number = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    // Rounded up: 80.4 % is past 80 %. Capped far above 100 so nothing overflows.
    (number.is_finite() && number >= 0.0).then(|| number.min(10_000.0).ceil() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_usage_is_its_highest_share() {
        let app = r#"{"call_count":28,"total_cputime":25,"total_time":81}"#;
        let usage = Usage::read(Some(app), None, None).unwrap();
        assert_eq!(
            usage,
            Usage {
                percent: 81,
                regain: None
            }
        );
    }

    #[test]
    fn business_usage_takes_the_fullest_entry_and_the_longest_wait() {
        let buc = r#"{"17841":[{"type":"instagram","call_count":97,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":0}],
                      "2000":[{"type":"pages","call_count":12,"estimated_time_to_regain_access":19}]}"#;
        let usage = Usage::read(None, Some(buc), None).unwrap();
        assert_eq!(usage.percent, 97);
        assert_eq!(usage.regain, Some(Duration::from_secs(19 * 60)));
    }

    #[test]
    fn ad_account_usage_is_rounded_up() {
        let usage = Usage::read(None, None, Some(r#"{"acc_id_util_pct":9.67}"#)).unwrap();
        assert_eq!(usage.percent, 10);
        let usage = Usage::read(None, None, Some(r#"{"acc_id_util_pct":"95"}"#)).unwrap();
        assert_eq!(usage.percent, 95);
    }

    #[test]
    fn the_highest_of_the_three_headers_counts() {
        let usage = Usage::read(
            Some(r#"{"call_count":50}"#),
            Some(r#"{"1":[{"call_count":85,"estimated_time_to_regain_access":0}]}"#),
            Some(r#"{"acc_id_util_pct":60}"#),
        );
        assert_eq!(usage.unwrap().percent, 85);
    }

    #[test]
    fn malformed_headers_are_ignored() {
        let junk = [
            "",
            "junk",
            "{",
            "[]",
            "null",
            "42",
            r#"{"call_count":"lots"}"#,
            r#"{"call_count":-5}"#,
            r#"{"call_count":null}"#,
            r#"{"1":"not an array"}"#,
            r#"{"1":[1,2,"x",null]}"#,
            r#"{"1":[{"estimated_time_to_regain_access":-3}]}"#,
            r#"{"acc_id_util_pct":{"a":1}}"#,
        ];
        for header in junk {
            assert_eq!(
                Usage::read(Some(header), Some(header), Some(header)),
                None,
                "{header}"
            );
        }
        // A readable header stands beside a broken one.
        let usage = Usage::read(Some("{"), Some(r#"{"1":[{"call_count":40}]}"#), Some("x"));
        assert_eq!(usage.unwrap().percent, 40);
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        let usage = Usage::read(
            Some(r#"{"call_count":1e308}"#),
            Some(r#"{"1":[{"call_count":5,"estimated_time_to_regain_access":1e300}]}"#),
            None,
        )
        .unwrap();
        assert_eq!(usage.percent, 10_000);
        assert_eq!(usage.regain, Some(Duration::from_secs(24 * 3600)));
    }
}
