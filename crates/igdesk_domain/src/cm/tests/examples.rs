//! CM.com's Instagram examples (copied verbatim into `seed/`) map to exactly the
//! Instagram messages the page describes.

use super::*;

#[test]
fn plain_text_example_is_one_text_message() {
    let body = include_str!("seed/1_text.json");
    let msg = parse_one(body);
    assert_eq!(msg.from, "Your Instagram account ID");
    assert_eq!(msg.to, vec!["Recipients IGSID".to_owned()]);
    assert_eq!(
        parse_envelope(body.as_bytes())
            .unwrap()
            .product_token
            .as_deref(),
        Some("Your product token")
    );
    assert_eq!(
        messages_of(body),
        vec![json!({"text": "CM.com - Be part of it."})]
    );
}

#[test]
fn text_and_image_example_is_text_then_image() {
    let body = include_str!("seed/2_text_and_image.json");
    assert_eq!(
        messages_of(body),
        vec![
            json!({"text": "CM.com - Be part of it."}),
            json!({"attachment": {"type": "image", "payload": {"url": IMAGE}}}),
        ]
    );
    let sent = instagram_messages(&parse_one(body)).unwrap();
    assert_eq!(sent[0].text.as_deref(), Some("CM.com - Be part of it."));
    assert_eq!(sent[1].image_url.as_deref(), Some(IMAGE));
}

#[test]
fn quick_replies_example_is_text_with_three_quick_replies() {
    let body = include_str!("seed/3_quick_replies.json");
    assert_eq!(
        messages_of(body),
        vec![
            json!({"text": "Hi, what can I do for you?", "quick_replies": [
                {"content_type": "text", "title": "Call me", "payload": "CALL"},
                {"content_type": "text", "title": "Email me", "payload": "EMAIL"},
                {"content_type": "text", "title": "Send me an sms", "payload": "SMS"},
            ]})
        ]
    );
}

#[test]
fn handover_example_carries_the_human_agent_quick_reply() {
    let body = include_str!("seed/4_handover_quick_reply.json");
    assert_eq!(
        messages_of(body),
        vec![
            json!({"text": "Hi, what can I do for you?", "quick_replies": [
                {"content_type": "text", "title": "Ask a question", "payload": "QUESTION"},
                {"content_type": "text", "title": "Talk to live agent", "payload": "HUMAN_AGENT"},
            ]})
        ]
    );
}

#[test]
fn rich_card_example_is_a_generic_template_with_url_and_postback_buttons() {
    let body = include_str!("seed/5_rich_card.json");
    assert_eq!(
        messages_of(body),
        vec![template(json!([{
            "title": "We are CM.com!",
            "subtitle": "Visit our website or start a chat with one of our employee's!",
            "image_url": IMAGE,
            "buttons": [
                {"type": "web_url", "url": "https://cm.com", "title": "Visit our website!"},
                {"type": "postback", "title": "I want to chat!", "payload": "HUMAN_AGENT"},
            ],
        }]))]
    );
}

#[test]
fn carousel_example_is_one_generic_template_of_three_elements() {
    let body = include_str!("seed/6_carousel.json");
    assert_eq!(
        messages_of(body),
        vec![template(json!([
            {
                "title": "We are CM.com!",
                "subtitle": "Visit our website or start a chat with one of our employee's!",
                "image_url": IMAGE,
                "buttons": [
                    {"type": "web_url", "url": "https://cm.com", "title": "Visit our website!"},
                    {"type": "postback", "title": "I want to chat!", "payload": "HUMAN_AGENT"},
                ],
            },
            {"title": "Our logo!", "image_url": IMAGE},
            {
                "title": "Conversational Channels",
                "subtitle": "Here's a selection of some of the channels we support!",
                "buttons": [
                    {"type": "web_url", "url": "https://www.cm.com/whatsapp/", "title": "WhatsApp!"},
                    {"type": "web_url", "url": "https://www.cm.com/instagram-messaging",
                     "title": "Instagram Messaging!"},
                    {"type": "web_url", "url": "https://www.cm.com/rcs/", "title": "RCS!"},
                ],
            },
        ]))]
    );
    let sent = instagram_messages(&parse_one(body)).unwrap();
    assert_eq!(sent[0].image_url.as_deref(), Some(IMAGE));
    assert!(sent[0]
        .text
        .as_deref()
        .unwrap()
        .starts_with("We are CM.com!\n"));
}
