//! Uploaded images (a reply's, a saved answer's): recognised from their bytes as a
//! JPEG, PNG or GIF that is what it claims to be; served from `/media` so a browser
//! neither guesses their type nor runs them; removed after the retention period
//! unless something still needs them.

mod common;

use common::*;
use igdesk_igs::Event;
use igdesk_store::{Lane, NewReply, NewSavedAnswer, OutgoingPart};
use reqwest::multipart::Form;
use serde_json::{json, Value};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR a tiny png";
const GIF: &[u8] = b"GIF89a a tiny gif";
const HTML: &[u8] = b"<html><script>alert(document.cookie)</script></html>";
const DAY: i64 = 86_400_000;

async fn customer_wrote(app: &TestApp, igsid: &str) {
    app.send(Event::text(igsid, "Hello?")).await;
    app.settle().await;
}

fn refusal(answer: &(u16, Value)) -> (u16, Option<&str>, Option<&str>) {
    (
        answer.0,
        answer.1["code"].as_str(),
        answer.1["field"].as_str(),
    )
}

#[tokio::test]
async fn a_reply_image_must_be_what_it_claims() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555").await;
    let one = |bytes: &[u8], name: &str, mime: &str| {
        Form::new().part("image", image(bytes.to_vec(), name, mime))
    };

    let png_as_jpeg = app.reply_form("555", one(PNG, "a.jpg", "image/jpeg")).await;
    assert_eq!(
        refusal(&png_as_jpeg),
        (400, Some("attachment_mismatch"), Some("image")),
        "{}",
        png_as_jpeg.1
    );
    assert_eq!(
        png_as_jpeg.1["message"],
        "the file a.jpg is a PNG image but was sent as a JPEG: save it with its own type and attach it again"
    );
    let html_as_png = app.reply_form("555", one(HTML, "a.png", "image/png")).await;
    assert_eq!(
        refusal(&html_as_png),
        (415, Some("attachment_type"), Some("image")),
        "{}",
        html_as_png.1
    );
    // Nothing of a refused reply is queued, whatever else it carried.
    let mixed = Form::new()
        .text("text", "both")
        .part("image", image(GIF.to_vec(), "b.gif", "image/gif"))
        .part("image", image(HTML.to_vec(), "c.gif", "image/gif"));
    assert_eq!(app.reply_form("555", mixed).await.0, 415);

    let (status, queued) = app.reply_form("555", one(GIF, "b.gif", "image/gif")).await;
    assert_eq!(status, 202, "{queued}");
    let id = queued["data"][0]["id"].as_i64().unwrap();
    app.item_when("555", id, "the GIF sent", |i| i["status"] == "sent")
        .await;
    let sent = app.sim.sent();
    assert_eq!(sent.len(), 1, "only the GIF reached Meta: {sent:?}");
    let url = sent[0].attachment_url.clone().unwrap();
    let fetched = app.http.get(&url).send().await.unwrap();
    assert_eq!(fetched.headers()["content-type"], "image/gif");
    assert_eq!(&fetched.bytes().await.unwrap()[..], GIF);
}

#[tokio::test]
async fn a_saved_answers_image_must_be_what_it_claims() {
    let app = start_sqlite().await;
    let (status, answer) = app
        .post(
            "/api/v1/answers",
            json!({"title": "Colours", "text": "All of them"}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let path = format!("{}/api/v1/answers/{}/image", app.url, answer["id"]);
    let put = |content_type: &'static str, bytes: &'static [u8]| {
        let request = app
            .http
            .put(&path)
            .bearer_auth(&app.token)
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
    assert_eq!(
        refusal(&put("image/jpeg", PNG).await),
        (400, Some("attachment_mismatch"), Some("image"))
    );
    assert_eq!(
        refusal(&put("image/png", HTML).await),
        (415, Some("attachment_type"), Some("image"))
    );
    let (status, with) = put("image/gif", GIF).await;
    assert_eq!(status, 200, "{with}");
    let url = with["image_url"].as_str().unwrap();
    let fetched = app
        .http
        .get(format!("{}{url}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.headers()["content-type"], "image/gif");
}

#[tokio::test]
async fn media_is_neither_sniffed_nor_run() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555").await;
    let form = Form::new().part("image", image(PNG.to_vec(), "a.png", "image/png"));
    let (status, queued) = app.reply_form("555", form).await;
    assert_eq!(status, 202, "{queued}");
    let url = queued["data"][0]["attachments"][0]["url"]
        .as_str()
        .expect("the image's URL")
        .to_owned();
    let fetched = app.http.get(&url).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    let headers = fetched.headers();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "sandbox");
}

/// Uploads older than `upload_retention_days` (30 unless set) go at upkeep, unless a
/// message not yet sent or a saved answer still refers to them.
async fn upkeep_removes_uploads_past_their_retention(app: TestApp) {
    customer_wrote(&app, "555").await;
    let store = app.running.app.store.clone();
    let now = igdesk::now_ms();
    // Made in time order, as uploads are. Made new, and aged below once the message
    // and the answer refer to them: this instance's upkeep looks at uploads as it
    // starts, and a look between an old upload's making and its first use would
    // rightly remove it.
    let uploads = [
        ("0a1d", now - 40 * DAY),
        ("9ueued", now - 39 * DAY),
        ("a5aved", now - 38 * DAY),
        ("1ecent", now - DAY),
    ];
    for (id, _) in uploads {
        store
            .save_upload(id, "image/gif", GIF.to_vec(), now)
            .await
            .unwrap();
    }
    store
        .add_saved_answer(
            NewSavedAnswer {
                inbox_id: None,
                title: "With a picture".into(),
                text: "Here it is".into(),
                image_id: Some("a5aved".into()),
            },
            now - 40 * DAY,
        )
        .await
        .unwrap();
    // A reply waiting to be sent (its account's sends held) still needs its image.
    let account = store.accounts().await.unwrap()[0].id;
    let customer = igdesk_domain::CustomerId(app.customer("555").await["id"].as_i64().unwrap());
    store
        .pause_sends(account, now + DAY, "held by the test")
        .await
        .unwrap();
    let url = format!("{}/media/9ueued", app.url);
    store
        .queue_reply(
            NewReply {
                account,
                customer,
                lane: Lane::Console,
                author: "human",
                comment_id: None,
                parts: vec![OutgoingPart {
                    provisional_mid: "igdesk:out:held".into(),
                    message: json!({ "attachment": { "type": "image", "payload": { "url": url } } }),
                    text: None,
                    attachments: vec![],
                }],
            },
            now,
        )
        .await
        .unwrap();

    let raw = sqlx::AnyPool::connect(&app.running.app.settings.database_url)
        .await
        .unwrap();
    for (id, at) in uploads {
        sqlx::query("UPDATE uploads SET created_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&raw)
            .await
            .unwrap();
    }
    raw.close().await;

    // Upkeep looks at uploads as it starts, then hourly.
    let app = app.restart().await;
    let status = |id: &'static str| {
        let request = app.http.get(format!("{}/media/{id}", app.url));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    app.eventually("the old upload removed", || async {
        status("0a1d").await == 404
    })
    .await;
    for kept in ["1ecent", "9ueued", "a5aved"] {
        assert_eq!(status(kept).await, 200, "{kept} is kept");
    }
    assert!(
        app.metrics().await.contains("igdesk_uploads_removed_total"),
        "counted"
    );
}

#[tokio::test]
async fn upkeep_removes_uploads_past_their_retention_sqlite() {
    upkeep_removes_uploads_past_their_retention(start_sqlite().await).await;
}

#[tokio::test]
async fn upkeep_removes_uploads_past_their_retention_postgres() {
    upkeep_removes_uploads_past_their_retention(start_postgres().await).await;
}
