//! Saved answers over HTTP, on SQLite and PostgreSQL: administrators keep
//! the library, agents see their inboxes' answers and everyone's (never another
//! inbox's), placeholders are filled in for a customer, and uses are counted.

mod common;

use common::*;
use igdesk_igs::{CustomerProfile, Event};
use reqwest::Method;
use serde_json::{json, Value};

fn code(answer: &(u16, Value)) -> (u16, Option<&str>, Option<&str>) {
    (
        answer.0,
        answer.1["code"].as_str(),
        answer.1["field"].as_str(),
    )
}

fn titles(list: &Value) -> Vec<&str> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect()
}

async fn inbox(app: &TestApp, name: &str) -> i64 {
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("inbox {name}: {inboxes}"))["id"]
        .as_i64()
        .unwrap()
}

async fn add(app: &TestApp, body: Value) -> i64 {
    let (status, made) = app.post("/api/v1/answers", body).await;
    assert_eq!(status, 201, "{made}");
    made["id"].as_i64().unwrap()
}

async fn the_library(app: TestApp) {
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let olly = agent_token(&app.running, "olly@example.com", false, &["Wholesale"]).await;
    let instagram = inbox(&app, "Instagram").await;
    let wholesale = inbox(&app, "Wholesale").await;

    // Administrators write the library.
    let (status, hours) = app
        .post(
            "/api/v1/answers",
            json!({"title": " Opening hours ", "text": "We are open 9–18, Monday to Saturday."}),
        )
        .await;
    assert_eq!(status, 201, "{hours}");
    assert_eq!(
        (&hours["title"], &hours["inbox_id"], &hours["uses"]),
        (&json!("Opening hours"), &Value::Null, &json!(0))
    );
    let hours = hours["id"].as_i64().unwrap();
    let shipping = add(
        &app,
        json!({
            "title": "Shipping times",
            "text": "Hi {first_name}! {agent_name} from {business_name} here: orders ship in 2 days.",
            "inbox_id": instagram,
        }),
    )
    .await;
    let bulk = add(
        &app,
        json!({"title": "Bulk prices", "text": "Ask for our wholesale list.", "inbox_id": wholesale}),
    )
    .await;

    // Bad input names its field; a title is unique in its scope only.
    let refusals = [
        (json!({"title": "", "text": "x"}), "invalid_title", "title"),
        (
            json!({"title": "t".repeat(81), "text": "x"}),
            "invalid_title",
            "title",
        ),
        (
            json!({"title": "Empty", "text": "  "}),
            "invalid_text",
            "text",
        ),
        (
            json!({"title": "Long", "text": "é".repeat(641)}),
            "text_too_long",
            "text",
        ),
        (
            json!({"title": "Order", "text": "Your order {order_id} is on its way"}),
            "unknown_placeholder",
            "text",
        ),
        (
            json!({"title": "Nowhere", "text": "x", "inbox_id": 999_999}),
            "unknown_inbox",
            "inbox_id",
        ),
    ];
    for (body, expected, field) in refusals {
        let refused = app.post("/api/v1/answers", body.clone()).await;
        assert_eq!(
            code(&refused),
            (400, Some(expected), Some(field)),
            "{body}: {}",
            refused.1
        );
    }
    let exactly = "a".repeat(640);
    add(&app, json!({"title": "Exactly 640", "text": exactly})).await;
    let duplicate = app
        .post(
            "/api/v1/answers",
            json!({"title": "opening HOURS", "text": "x"}),
        )
        .await;
    assert_eq!(
        code(&duplicate),
        (409, Some("already_exists"), Some("title"))
    );
    add(
        &app,
        json!({"title": "Opening hours", "text": "Wholesale: 8–16.", "inbox_id": wholesale}),
    )
    .await;

    // Agents may not write.
    let writes = [
        (
            Method::POST,
            "/api/v1/answers".to_owned(),
            Some(json!({"title": "Mine", "text": "x"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/answers/{hours}"),
            Some(json!({"text": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/answers/{hours}"), None),
    ];
    for (method, path, body) in &writes {
        let refused = app.send_as(&ana, method.clone(), path, body.clone()).await;
        assert_eq!(refused.0, 403, "{method} {path}: {}", refused.1);
    }

    // Each agent sees their inboxes' answers and everyone's, without the counts.
    let (status, mine) = app.get_as(&ana, "/api/v1/answers").await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(
        titles(&mine),
        ["Exactly 640", "Opening hours", "Shipping times"]
    );
    assert!(mine["data"][0].get("uses").is_none(), "{mine}");
    let (_, theirs) = app.get_as(&olly, "/api/v1/answers").await;
    assert_eq!(
        titles(&theirs),
        [
            "Bulk prices",
            "Exactly 640",
            "Opening hours",
            "Opening hours"
        ]
    );
    assert!(!theirs.to_string().contains("Shipping"), "{theirs}");
    let (_, all) = app.get("/api/v1/answers").await;
    assert_eq!(all["data"].as_array().unwrap().len(), 5, "{all}");
    for path in [
        format!("/api/v1/answers/{bulk}"),
        "/api/v1/answers/999999".to_owned(),
    ] {
        let (status, body) = app.get_as(&ana, &path).await;
        assert_eq!(
            (status, &body["code"]),
            (404, &json!("not_found")),
            "{path}"
        );
    }
    let counted = app
        .send_as(
            &ana,
            Method::POST,
            &format!("/api/v1/answers/{bulk}/uses"),
            None,
        )
        .await;
    assert_eq!(counted.0, 404, "another inbox's answer is not counted");

    // Filled in for a customer of the agent's inbox, by the agent who asks.
    app.add_customer(CustomerProfile {
        name: Some("Ana Souza".into()),
        ..CustomerProfile::new("555", "ana.souza")
    });
    app.send(Event::text("555", "when do you ship?")).await;
    app.settle().await;
    app.eventually("the profile name", || async {
        app.customer("555").await["name"] == "Ana Souza"
    })
    .await;
    let customer = app.customer("555").await["id"].as_i64().unwrap();
    let (status, filled) = app
        .get_as(&ana, &format!("/api/v1/answers?customer_id={customer}"))
        .await;
    assert_eq!(status, 200, "{filled}");
    let found = filled["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Shipping times")
        .unwrap_or_else(|| panic!("{filled}"));
    assert_eq!(
        found["filled"],
        "Hi Ana! ana@example.com from Shop here: orders ship in 2 days."
    );
    assert_eq!(
        found["text"],
        "Hi {first_name}! {agent_name} from {business_name} here: orders ship in 2 days."
    );
    // An administrator asking for this customer gets the answers of its inbox only.
    let (_, for_admin) = app
        .get(&format!("/api/v1/answers?customer_id={customer}"))
        .await;
    assert_eq!(
        titles(&for_admin),
        ["Exactly 640", "Opening hours", "Shipping times"]
    );
    let (status, _) = app
        .get_as(&olly, &format!("/api/v1/answers?customer_id={customer}"))
        .await;
    assert_eq!(status, 404, "another inbox's customer");
    let (status, _) = app.get_as(&ana, "/api/v1/answers?customer_id=abc").await;
    assert_eq!(status, 400);

    // Uses are counted, and shown to administrators.
    for _ in 0..2 {
        let (status, body) = app
            .send_as(
                &ana,
                Method::POST,
                &format!("/api/v1/answers/{shipping}/uses"),
                None,
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }
    let (_, one) = app.get(&format!("/api/v1/answers/{shipping}")).await;
    assert_eq!(one["uses"], 2, "{one}");

    // Edits: a field left out stays; `inbox_id: null` is for everyone.
    let (status, edited) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/answers/{shipping}"),
            Some(json!({"title": "Shipping", "inbox_id": null})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        (&edited["title"], &edited["inbox_id"], &edited["uses"]),
        (&json!("Shipping"), &Value::Null, &json!(2))
    );
    assert!(edited["text"]
        .as_str()
        .unwrap()
        .starts_with("Hi {first_name}"));
    let (_, theirs) = app.get_as(&olly, "/api/v1/answers").await;
    assert!(titles(&theirs).contains(&"Shipping"), "{theirs}");
    let bad_edit = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/answers/{shipping}"),
            Some(json!({"text": "Dear {name}"})),
        )
        .await;
    assert_eq!(
        code(&bad_edit),
        (400, Some("unknown_placeholder"), Some("text"))
    );
    let clash = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/answers/{shipping}"),
            Some(json!({"title": "Opening Hours"})),
        )
        .await;
    assert_eq!(code(&clash), (409, Some("already_exists"), Some("title")));

    // Deleting.
    let path = format!("/api/v1/answers/{bulk}");
    let (status, _) = app.send_as(&app.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    for (method, body) in [
        (Method::DELETE, None),
        (Method::PATCH, Some(json!({"text": "x"}))),
        (Method::GET, None),
    ] {
        let (status, _) = app.send_as(&app.token, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} after deleting");
    }
}

#[tokio::test]
async fn the_library_on_sqlite() {
    the_library(start_sqlite().await).await;
}

#[tokio::test]
async fn the_library_on_postgres() {
    the_library(start_postgres().await).await;
}

/// A tiny PNG: what the image endpoint keeps is what Meta would fetch.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn an_answer_carries_an_image_a_reply_could_carry() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let id = add(&app, json!({"title": "Size chart", "text": "Our sizes:"})).await;
    let put = |token: String, content_type: &'static str, bytes: Vec<u8>| {
        let request = app
            .http
            .put(format!("{}/api/v1/answers/{id}/image", app.url))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let refused = put(app.token.clone(), "text/plain", b"not an image".to_vec()).await;
    assert_eq!(
        code(&refused),
        (415, Some("attachment_type"), Some("image"))
    );
    let too_big = put(
        app.token.clone(),
        "image/png",
        [PNG, &vec![0; 5 * 1024 * 1024]].concat(),
    )
    .await;
    assert_eq!(too_big.0, 400, "{}", too_big.1);
    assert_eq!(put(ana.clone(), "image/png", PNG.to_vec()).await.0, 403);

    let (status, with) = put(app.token.clone(), "image/png", PNG.to_vec()).await;
    assert_eq!(status, 200, "{with}");
    let url = with["image_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/media/"), "{url}");
    let fetched = app
        .http
        .get(format!("{}{url}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert_eq!(&fetched.bytes().await.unwrap()[..], PNG);
    let (_, listed) = app.get_as(&ana, "/api/v1/answers").await;
    assert_eq!(listed["data"][0]["image_url"], url.as_str());

    let (status, without) = app
        .send_as(
            &app.token,
            Method::DELETE,
            &format!("/api/v1/answers/{id}/image"),
            None,
        )
        .await;
    assert_eq!((status, &without["image_url"]), (200, &Value::Null));
}
