//! Search (top bar and `GET /api/v1/search`): people by name, username, IGSID, phone
//! and email; messages by their words, newest first, paged; deleted messages leave
//! the index; an agent finds only their inboxes' people and messages. On SQLite
//! (FTS5) and PostgreSQL (tsvector, GIN).

mod common;

use common::{agent_token, start_postgres, start_sqlite, TestApp};
use igdesk_igs::{CustomerProfile, Event};
use reqwest::Method;
use serde_json::{json, Value};

async fn search(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_i64().unwrap())
        .collect()
}

async fn finds_people_and_messages(app: TestApp) {
    let mut ana = CustomerProfile::new("7001", "ana.souza");
    ana.name = Some("Ana Souza".into());
    app.add_customer(ana);
    app.add_customer(CustomerProfile::new("7002", "chloe_m"));
    // One at a time: "newest" is the order igdesk stored them in, and two
    // customers' messages sent together may be processed in either order.
    for (igsid, text) in [
        ("7001", "Is the linen shirt still available in M?"),
        ("7002", "Where is my parcel? Ordered a linen dress"),
        ("7001", "And the LINEN trousers, any news on the shirt?"),
        ("7002", "This one goes away"),
    ] {
        app.send(Event::text(igsid, text)).await;
        app.settle().await;
    }
    let ana = app.customer("7001").await["id"].as_i64().unwrap();
    let chloe = app.customer("7002").await["id"].as_i64().unwrap();
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/customers/{chloe}"),
            Some(json!({"phone": "+351 912 345 678", "email": "chloe@example.com"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // People, by every fact that identifies them; the last word is a prefix.
    app.eventually("profiles fetched", || async {
        search(&app, "q=souza&kind=people").await["people"]
            .as_array()
            .is_some_and(|p| p.len() == 1)
    })
    .await;
    for (q, who) in [
        ("ana%20sou", ana),
        ("ana.souza", ana),
        ("7001", ana),
        ("%2B351912345678", chloe),
        ("912%20345", chloe),
        ("chloe%40example.com", chloe),
        ("CHLOE_M", chloe),
    ] {
        let found = search(&app, &format!("q={q}&kind=people")).await;
        assert_eq!(ids(&found["people"], "id"), vec![who], "{q}: {found}");
        assert_eq!(found["messages"], json!([]));
    }

    // Messages: every word must be there; newest first; the words marked.
    let linen = search(&app, "q=linen&kind=messages").await;
    let texts: Vec<&str> = linen["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "And the LINEN trousers, any news on the shirt?",
            "Where is my parcel? Ordered a linen dress",
            "Is the linen shirt still available in M?",
        ]
    );
    let first = &linen["messages"][0];
    assert_eq!(first["customer_id"], ana);
    assert_eq!(first["customer_name"], "Ana Souza");
    assert_eq!(
        first["excerpt"],
        json!([
            {"text": "And the ", "hit": false},
            {"text": "LINEN", "hit": true},
            {"text": " trousers, any news on the shirt?", "hit": false},
        ])
    );
    let both = search(&app, "q=shirt%20linen&kind=messages").await;
    assert_eq!(both["messages"].as_array().unwrap().len(), 2, "{both}");
    let none = search(&app, "q=linen%20parcel%20shirt").await;
    assert_eq!(none["messages"], json!([]));
    // The engines' syntax is only words here.
    let quoted = search(&app, "q=%22linen%22%20OR%20*dress*").await;
    assert_eq!(
        quoted["messages"],
        json!([]),
        "OR is a word to find: {quoted}"
    );

    // Pages: the cursor continues below the last one shown.
    let page = search(&app, "q=linen&kind=messages&limit=2").await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().expect("a next page").to_owned();
    let rest = search(
        &app,
        &format!("q=linen&kind=messages&limit=2&cursor={next}"),
    )
    .await;
    assert_eq!(
        rest["messages"][0]["text"],
        "Is the linen shirt still available in M?"
    );
    assert_eq!(rest["next"], Value::Null);
    // kind=all gives the first page of each.
    let all = search(&app, "q=linen").await;
    assert_eq!(all["messages"].as_array().unwrap().len(), 3);
    assert_eq!(all["next"], Value::Null);

    // A deleted message leaves the index with its words.
    let gone = search(&app, "q=away").await;
    let mid = {
        let items = app.timeline("7002").await;
        let item = items
            .iter()
            .find(|i| i["text"] == "This one goes away")
            .unwrap();
        assert_eq!(
            ids(&gone["messages"], "item_id"),
            vec![item["id"].as_i64().unwrap()]
        );
        item["mid"].as_str().unwrap().to_owned()
    };
    app.send(Event::deleted("7002", mid)).await;
    app.settle().await;
    assert_eq!(search(&app, "q=away").await["messages"], json!([]));

    // Scope: an agent of another inbox finds neither the people nor the messages;
    // an agent of this inbox finds both.
    let outsider = agent_token(&app.running, "olly@example.com", false, &["Wholesale"]).await;
    let (status, body) = app.get_as(&outsider, "/api/v1/search?q=linen").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messages"], json!([]));
    let (_, body) = app.get_as(&outsider, "/api/v1/search?q=ana").await;
    assert_eq!(body["people"], json!([]));
    let insider = agent_token(&app.running, "ina@example.com", false, &["Instagram"]).await;
    let (_, body) = app.get_as(&insider, "/api/v1/search?q=linen").await;
    assert_eq!(body["messages"].as_array().unwrap().len(), 3, "{body}");

    // A conversation transferred to the other inbox makes its customer theirs to
    // find, as to open; the customers of the account stay out of reach.
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let wholesale = inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Wholesale")
        .unwrap()["id"]
        .clone();
    let (_, conversations) = app.get("/api/v1/conversations").await;
    let anas = conversations["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == ana && c["state"] == "open")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/conversations/{anas}/transfer"),
            json!({"inbox_id": wholesale}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.get_as(&outsider, "/api/v1/search?q=linen").await;
    assert_eq!(
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["customer_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![ana, ana],
        "{body}"
    );
}

#[tokio::test]
async fn search_finds_people_and_messages_in_scope() {
    finds_people_and_messages(start_sqlite().await).await;
}

#[tokio::test]
async fn search_finds_people_and_messages_in_scope_on_postgres() {
    finds_people_and_messages(start_postgres().await).await;
}

#[tokio::test]
async fn bad_searches_are_refused_naming_the_field() {
    let app = start_sqlite().await;
    for (query, field) in [
        ("q=%20%3F%21", "q"),
        ("kind=people", "q"),
        ("q=ana&kind=everything", "kind"),
        ("q=ana&limit=0", "limit"),
        ("q=ana&limit=51", "limit"),
        ("q=ana&cursor=5", "cursor"),
        ("q=ana&kind=people&cursor=abc", "cursor"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/search?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        if query != "kind=people" {
            assert_eq!(body["field"], field, "{query}: {body}");
        }
    }
    let long = "a".repeat(201);
    let (status, body) = app.get(&format!("/api/v1/search?q={long}")).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("q")), "{body}");
}
