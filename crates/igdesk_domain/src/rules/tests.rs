use super::*;
use crate::time::HOUR;

#[test]
fn console_and_api_text_limits() {
    assert!(check_text(&"a".repeat(640), Channel::Console).is_ok());
    assert_eq!(
        check_text(&"a".repeat(641), Channel::Console)
            .unwrap_err()
            .code(),
        "text_too_long"
    );
    assert!(check_text(&"a".repeat(1000), Channel::Api).is_ok());
    assert!(check_text(&"a".repeat(1001), Channel::Api).is_err());
    // 500 characters of two bytes each is 1,000 bytes: fine; 501 is over Meta's bytes.
    assert!(check_text(&"é".repeat(500), Channel::Api).is_ok());
    let err = check_text(&"é".repeat(501), Channel::Api).unwrap_err();
    assert!(err.to_string().contains("UTF-8 bytes"), "{err}");
}

#[test]
fn images_only_within_size_and_count() {
    assert!(check_images(&[("image/png", 10)], Channel::Console).is_ok());
    assert_eq!(
        check_images(&[("video/mp4", 10)], Channel::Console)
            .unwrap_err()
            .code(),
        "attachment_type"
    );
    assert_eq!(
        check_images(&[("image/png", 1); 11], Channel::Console)
            .unwrap_err()
            .code(),
        "too_many_attachments"
    );
    let three_mb = 3 * 1024 * 1024;
    assert_eq!(
        check_images(&[("image/png", three_mb); 2], Channel::Console)
            .unwrap_err()
            .code(),
        "attachment_too_large"
    );
    assert!(check_images(&[("image/png", three_mb); 2], Channel::Api).is_ok());
    assert!(check_images(&[("image/gif", IMAGE_MAX_BYTES + 1)], Channel::Api).is_err());
}

#[test]
fn links_read_label_then_url() {
    assert_eq!(
        format_link("Our sizes", "https://x.example/s"),
        "Our sizes [https://x.example/s]"
    );
}

#[test]
fn the_window_opens_tags_and_closes() {
    let now = 100 * DAY;
    assert_eq!(
        messaging_window(now, None, Author::Human),
        Err(RuleError::NeverWrote)
    );
    assert_eq!(
        messaging_window(now, Some(now - 23 * HOUR), Author::Automatic),
        Ok(SendAs::Response)
    );
    assert_eq!(
        messaging_window(now, Some(now - 25 * HOUR), Author::Human),
        Ok(SendAs::HumanAgent)
    );
    assert_eq!(
        messaging_window(now, Some(now - 25 * HOUR), Author::Automatic)
            .unwrap_err()
            .code(),
        "window_closed"
    );
    assert_eq!(
        messaging_window(now, Some(now - 7 * DAY), Author::Human),
        Ok(SendAs::HumanAgent)
    );
    assert_eq!(
        messaging_window(now, Some(now - 7 * DAY - 1), Author::Human)
            .unwrap_err()
            .code(),
        "window_closed"
    );
}

#[test]
fn the_rate_limit_finds_the_next_slot() {
    let window = 300_000;
    assert_eq!(next_send_slot(1_000_000, &[], 200, window), 1_000_000);
    let sends: Vec<i64> = (0..200).map(|i| 800_000 + i * 1000).collect();
    // 200 sends in the window: the next one waits for the oldest to leave it.
    assert_eq!(
        next_send_slot(1_000_000, &sends, 200, window),
        800_000 + window
    );
    assert_eq!(
        next_send_slot(1_000_000, &sends[1..], 200, window),
        1_000_000
    );
    // Sends older than the window do not count.
    assert_eq!(next_send_slot(2_000_000, &sends, 200, window), 2_000_000);
}

#[test]
fn meta_errors_in_words() {
    assert!(describe_meta_error(10, Some(2534022), "x").starts_with("outside the messaging window"));
    assert!(describe_meta_error(551, None, "x").contains("isn't available"));
    assert!(describe_meta_error(1, None, "odd").contains("odd"));
}
