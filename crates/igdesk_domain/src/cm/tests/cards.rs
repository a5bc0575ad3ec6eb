//! Refusals of cards (with a header) and carousels: the code, and the field named.

use super::*;

const ITEM: &str = "richContent.conversation[0]";

fn card(extra: Value) -> Value {
    let mut item = json!({"header": "H"});
    for (k, v) in extra.as_object().unwrap() {
        item[k] = v.clone();
    }
    item
}

#[test]
fn header_and_subtitle_are_at_most_80_characters() {
    let r = refused(
        json!({"header": "h".repeat(81)}),
        305,
        &format!("{ITEM}.header"),
    );
    assert!(
        r.text.ends_with("at most 80 characters (got 81)"),
        "{}",
        r.text
    );
    refused(
        card(json!({"text": "t".repeat(81)})),
        305,
        &format!("{ITEM}.text"),
    );
    assert!(map_item(card(json!({"text": "t".repeat(80)}))).is_ok());
}

#[test]
fn a_cards_media_must_be_an_image() {
    for uri in ["https://x.test/a.mp4", "https://www.instagram.com/p/Cx1/"] {
        let r = refused(
            card(json!({"media": {"mediaUri": uri}})),
            305,
            &format!("{ITEM}.media"),
        );
        assert!(r.text.contains("must be an image"), "{}", r.text);
    }
}

#[test]
fn a_card_has_at_most_3_buttons() {
    let s = json!({"action": "Reply", "label": "L", "postbackdata": "P"});
    let r = refused(
        card(json!({"suggestions": [s, s, s, s]})),
        305,
        &format!("{ITEM}.suggestions"),
    );
    assert!(r.text.contains("at most 3 buttons (got 4)"), "{}", r.text);
}

#[test]
fn buttons_need_label_postback_or_url() {
    let unlabelled = json!({"action": "Reply", "postbackdata": "P"});
    refused(
        card(json!({"suggestions": [unlabelled]})),
        305,
        "suggestions[0].label",
    );
    let long = json!({"action": "OpenUrl", "label": "l".repeat(21), "url": "https://cm.com"});
    refused(
        card(json!({"suggestions": [long]})),
        305,
        "suggestions[0].label",
    );
    let no_data = json!({"action": "Reply", "label": "L"});
    refused(
        card(json!({"suggestions": [no_data]})),
        305,
        "suggestions[0].postbackdata",
    );
    let no_url = json!({"action": "OpenUrl", "label": "L"});
    refused(
        card(json!({"suggestions": [no_url]})),
        305,
        "suggestions[0].url",
    );
    let not_http = json!({"action": "OpenUrl", "label": "L", "url": "javascript:alert(1)"});
    let r = refused(
        card(json!({"suggestions": [not_http]})),
        305,
        "suggestions[0].url",
    );
    assert!(r.text.contains("http(s)"), "{}", r.text);
}

#[test]
fn other_actions_cannot_be_buttons() {
    let dial = json!({"action": "Dial", "label": "Call", "phoneNumber": "+31"});
    let r = refused(
        card(json!({"suggestions": [dial]})),
        305,
        "suggestions[0].action",
    );
    assert!(r.text.contains("use Reply or OpenUrl"), "{}", r.text);
}

fn carousel(cards: Vec<Value>) -> Value {
    json!({"carousel": {"cards": cards}})
}

fn good_card(i: usize) -> Value {
    json!({"header": format!("Card {i}"), "text": "t"})
}

#[test]
fn a_carousel_has_2_to_10_cards() {
    let cards = format!("{ITEM}.carousel.cards");
    let r = refused(carousel(vec![good_card(0)]), 305, &cards);
    assert!(r.text.contains("2 to 10 cards (got 1)"), "{}", r.text);
    let eleven = (0..11).map(good_card).collect();
    let r = refused(carousel(eleven), 305, &cards);
    assert!(r.text.contains("(got 11)"), "{}", r.text);
    let ten = (0..10).map(good_card).collect();
    let made = map_item(carousel(ten)).unwrap();
    assert_eq!(
        made[0]["attachment"]["payload"]["elements"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn every_card_needs_a_header_and_something_more() {
    let no_header = vec![good_card(0), json!({"text": "t"})];
    refused(
        carousel(no_header),
        305,
        &format!("{ITEM}.carousel.cards[1].header"),
    );
    let header_only = vec![good_card(0), json!({"header": "Alone"})];
    let r = refused(
        carousel(header_only),
        305,
        &format!("{ITEM}.carousel.cards[1]"),
    );
    assert!(r.text.contains("besides its header"), "{}", r.text);
}

#[test]
fn card_limits_apply_inside_a_carousel() {
    let long = json!({"header": "H", "text": "t".repeat(81)});
    refused(
        carousel(vec![good_card(0), long]),
        305,
        "carousel.cards[1].text",
    );
    let location = json!({"header": "H", "text": "t", "location": {}});
    refused(
        carousel(vec![good_card(0), location]),
        305,
        "carousel.cards[1].location",
    );
}

#[test]
fn a_carousel_with_other_fields_is_refused() {
    let cards = vec![good_card(0), good_card(1)];
    for extra in [
        json!({"text": "t"}),
        json!({"header": "h"}),
        json!({"media": {"mediaUri": IMAGE}}),
    ] {
        let mut item = carousel(cards.clone());
        for (k, v) in extra.as_object().unwrap() {
            item[k] = v.clone();
        }
        refused(item, 305, &format!("{ITEM}.carousel"));
    }
    let mut item = carousel(cards);
    item["suggestions"] = json!([{"action": "Reply", "label": "a", "postbackdata": "b"}]);
    refused(item, 305, &format!("{ITEM}.suggestions"));
}
