use super::hours::*;
use super::rule::*;
use super::*;
use crate::timeline::{ItemContext, ItemKind, PostContext, Postback};
use crate::{InboxId, RuleId};

fn range(open: &str, close: &str) -> OpenRange {
    OpenRange {
        open: open.into(),
        close: close.into(),
    }
}

fn amsterdam_weekdays() -> BusinessHours {
    let mut weekly = Weekly::default();
    for day in 0..5 {
        *weekly.day_mut(day) = vec![range("09:00", "17:30")];
    }
    BusinessHours {
        time_zone: "Europe/Amsterdam".into(),
        weekly,
        holidays: vec!["2026-12-25".into()],
        away_message: Some("We're closed".into()),
        greeting: None,
    }
}

/// Unix milliseconds of a UTC wall time.
fn utc(s: &str) -> Millis {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

#[test]
fn open_within_a_ranges_local_time_closed_outside_and_on_holidays() {
    let hours = amsterdam_weekdays();
    // Tuesday 1 December 2026: Amsterdam is UTC+1.
    assert!(hours.is_open(utc("2026-12-01T08:00:00Z")), "09:00 local");
    assert!(!hours.is_open(utc("2026-12-01T07:59:00Z")), "08:59 local");
    assert!(hours.is_open(utc("2026-12-01T16:29:00Z")), "17:29 local");
    assert!(
        !hours.is_open(utc("2026-12-01T16:30:00Z")),
        "closes at 17:30"
    );
    assert!(!hours.is_open(utc("2026-12-05T12:00:00Z")), "Saturday");
    assert!(!hours.is_open(utc("2026-12-25T12:00:00Z")), "a holiday");
    // Summer time: 09:00 in Amsterdam is 07:00 UTC.
    assert!(hours.is_open(utc("2026-07-01T07:00:00Z")));
}

#[test]
fn a_day_may_end_at_midnight_and_have_several_ranges() {
    let mut hours = amsterdam_weekdays();
    hours.weekly.sat = vec![range("10:00", "12:00"), range("20:00", "24:00")];
    assert!(hours.validate().is_ok());
    assert!(hours.is_open(utc("2026-12-05T22:59:00Z")), "23:59 local");
    assert!(!hours.is_open(utc("2026-12-05T12:00:00Z")), "13:00 local");
}

#[test]
fn bad_hours_name_their_field() {
    let mut hours = amsterdam_weekdays();
    hours.time_zone = "Mars/Olympus".into();
    assert_eq!(hours.validate().unwrap_err().field, "time_zone");
    let mut hours = amsterdam_weekdays();
    hours.weekly.wed = vec![range("17:00", "09:00")];
    let e = hours.validate().unwrap_err();
    assert_eq!((e.field, e.code), ("weekly.wed", "close_before_open"));
    let mut hours = amsterdam_weekdays();
    hours.weekly.fri = vec![range("9", "17:00")];
    assert_eq!(hours.validate().unwrap_err().code, "invalid_hours");
    let mut hours = amsterdam_weekdays();
    hours.weekly.mon = vec![range("09:00", "13:00"), range("12:00", "17:00")];
    assert_eq!(hours.validate().unwrap_err().code, "overlapping_hours");
    let mut hours = amsterdam_weekdays();
    hours.holidays = vec!["2026-02-30".into()];
    let e = hours.validate().unwrap_err();
    assert_eq!((e.field, e.code), ("holidays", "invalid_date"));
}

#[test]
fn clocks_and_dates_are_read_strictly() {
    assert_eq!(parse_clock("00:00"), Some(0));
    assert_eq!(parse_clock("9:05"), Some(545));
    assert_eq!(parse_clock("24:00"), Some(1440));
    assert_eq!(parse_clock("24:01"), None);
    assert_eq!(parse_clock("12:60"), None);
    assert!(parse_date("2028-02-29").is_some());
    assert!(parse_date("2026-2-1").is_none());
    assert!(time_zone("../../etc/passwd").is_none());
}

fn rule(id: i64, trigger: Trigger) -> Compiled {
    Compiled::new(Rule {
        id: RuleId(id),
        name: format!("rule {id}"),
        inbox_id: None,
        position: id,
        enabled: true,
        trigger,
        actions: Actions {
            reply_text: Some("hi".into()),
            ..Default::default()
        },
    })
}

fn message(text: &str) -> (ItemKind, Option<&str>, ItemContext) {
    (ItemKind::Message, Some(text), ItemContext::default())
}

fn matched(rules: &[Compiled], item: &(ItemKind, Option<&str>, ItemContext)) -> Option<i64> {
    let incoming = Incoming {
        kind: item.0,
        text: item.1,
        context: &item.2,
    };
    first_match(rules, InboxId(1), &incoming).map(|r| r.id.0)
}

#[test]
fn keywords_match_whole_words_in_any_case() {
    let rules = [rule(
        1,
        Trigger::Keywords {
            keywords: vec!["price".into(), "opening hours".into()],
        },
    )];
    assert_eq!(matched(&rules, &message("What's the PRICE?")), Some(1));
    assert_eq!(matched(&rules, &message("your opening hours pls")), Some(1));
    assert_eq!(matched(&rules, &message("priceless")), None);
}

#[test]
fn the_first_matching_rule_wins_and_rules_keep_to_their_inbox() {
    let mut other_inbox = rule(
        1,
        Trigger::Keywords {
            keywords: vec!["hi".into()],
        },
    );
    other_inbox.rule.inbox_id = Some(InboxId(2));
    let rules = [
        other_inbox,
        rule(
            2,
            Trigger::Regex {
                pattern: "(?i)^h(i|ello)".into(),
            },
        ),
        rule(
            3,
            Trigger::Keywords {
                keywords: vec!["hi".into()],
            },
        ),
    ];
    assert_eq!(matched(&rules, &message("Hi there")), Some(2));
}

#[test]
fn payloads_story_mentions_and_comments_on_a_post() {
    let rules = [
        rule(
            1,
            Trigger::Payload {
                payload: "SIZES".into(),
            },
        ),
        rule(2, Trigger::StoryMention),
        rule(
            3,
            Trigger::CommentOnPost {
                post_id: "18100".into(),
            },
        ),
    ];
    let tapped = ItemContext {
        quick_reply_payload: Some("SIZES".into()),
        ..Default::default()
    };
    assert_eq!(
        matched(&rules, &(ItemKind::Message, Some("Sizes"), tapped)),
        Some(1)
    );
    let button = ItemContext {
        postback: Some(Postback {
            title: Some("Sizes".into()),
            payload: Some("SIZES".into()),
        }),
        ..Default::default()
    };
    assert_eq!(matched(&rules, &(ItemKind::Message, None, button)), Some(1));
    let mention = (ItemKind::StoryMention, None, ItemContext::default());
    assert_eq!(matched(&rules, &mention), Some(2));
    let on = |post: &str| ItemContext {
        post: Some(PostContext {
            media_id: Some(post.into()),
            media_product_type: None,
        }),
        ..Default::default()
    };
    assert_eq!(
        matched(&rules, &(ItemKind::Comment, Some("nice"), on("18100"))),
        Some(3)
    );
    assert_eq!(
        matched(&rules, &(ItemKind::Comment, Some("nice"), on("18200"))),
        None
    );
}

#[test]
fn patterns_are_bounded_and_checked_at_the_edge() {
    assert!(compile_pattern("(?i)refund|return").is_ok());
    let e = compile_pattern("(unclosed").unwrap_err();
    assert_eq!((e.field, e.code), ("when.pattern", "invalid_pattern"));
    assert!(
        compile_pattern(r"\w{1000}\w{1000}").is_err(),
        "too large once compiled"
    );
    assert!(compile_pattern(&"a".repeat(PATTERN_CHARS + 1)).is_err());
}

#[test]
fn a_rule_must_do_something_within_instagrams_limits() {
    let keywords = Trigger::Keywords {
        keywords: vec!["x".into()],
    };
    let nothing = Actions::default();
    assert_eq!(
        validate("R", &keywords, &nothing).unwrap_err().code,
        "nothing_to_do"
    );
    let quick_only = Actions {
        quick_replies: vec![QuickReply {
            title: "Yes".into(),
            payload: "YES".into(),
        }],
        topic_id: Some(crate::TopicId(1)),
        ..Default::default()
    };
    assert_eq!(
        validate("R", &keywords, &quick_only).unwrap_err().code,
        "quick_replies_without_text"
    );
    let long_title = Actions {
        reply_text: Some("Pick one".into()),
        quick_replies: vec![QuickReply {
            title: "x".repeat(21),
            payload: "X".into(),
        }],
        ..Default::default()
    };
    assert_eq!(
        validate("R", &keywords, &long_title).unwrap_err().field,
        "quick_replies"
    );
    assert_eq!(
        validate("", &keywords, &long_title).unwrap_err().field,
        "name"
    );
    let post = Trigger::CommentOnPost {
        post_id: "abc".into(),
    };
    assert_eq!(
        validate("R", &post, &nothing).unwrap_err().field,
        "when.post_id"
    );
}

#[test]
fn a_reply_with_quick_replies_is_one_message() {
    let message = reply_message(
        "Which size?",
        &[QuickReply {
            title: "M".into(),
            payload: "SIZE_M".into(),
        }],
    );
    assert_eq!(message["quick_replies"][0]["payload"], "SIZE_M");
    assert_eq!(message["quick_replies"][0]["content_type"], "text");
    assert_eq!(reply_message("Hi", &[]), serde_json::json!({"text": "Hi"}));
}
