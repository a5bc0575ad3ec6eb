//! The input matrix of CM.com's Instagram page: with a header, each combination of
//! text, media and suggestions makes the generic template it names.

use super::*;

#[test]
fn every_row_of_the_input_matrix_makes_its_template() {
    let text = "Our opening hours";
    let reply = json!({"action": "Reply", "label": "Call me", "postbackdata": "CALL"});
    let url = json!({"action": "OpenUrl", "label": "Site", "url": "https://cm.com"});
    let buttons = json!([
        {"type": "postback", "title": "Call me", "payload": "CALL"},
        {"type": "web_url", "url": "https://cm.com", "title": "Site"},
    ]);
    // (row, text?, media?, suggestions?, the element it makes)
    let rows = [
        ("just a title", false, false, false, json!({"title": "H"})),
        (
            "title and subtitle",
            true,
            false,
            false,
            json!({"title": "H", "subtitle": text}),
        ),
        (
            "title, subtitle and image",
            true,
            true,
            false,
            json!({"title": "H", "subtitle": text, "image_url": IMAGE}),
        ),
        (
            "title, subtitle and buttons",
            true,
            false,
            true,
            json!({"title": "H", "subtitle": text, "buttons": buttons}),
        ),
        (
            "title and image",
            false,
            true,
            false,
            json!({"title": "H", "image_url": IMAGE}),
        ),
        (
            "title, image and buttons",
            false,
            true,
            true,
            json!({"title": "H", "image_url": IMAGE, "buttons": buttons}),
        ),
        (
            "title and buttons",
            false,
            false,
            true,
            json!({"title": "H", "buttons": buttons}),
        ),
        (
            "title, subtitle, image and buttons",
            true,
            true,
            true,
            json!({"title": "H", "subtitle": text, "image_url": IMAGE, "buttons": buttons}),
        ),
    ];
    for (row, with_text, with_media, with_suggestions, element) in rows {
        let mut item = json!({ "header": "H" });
        if with_text {
            item["text"] = json!(text);
        }
        if with_media {
            item["media"] = json!({ "mediaUri": IMAGE });
        }
        if with_suggestions {
            item["suggestions"] = json!([reply, url]);
        }
        let made = map_item(item).unwrap_or_else(|r| panic!("{row}: refused: {}", r.text));
        assert_eq!(made, vec![template(json!([element]))], "{row}");
    }
}
