//! Labels and views: labels on customers set, replaced and removed, their
//! limits refused naming the field, counted per label; the list of conversations
//! filtered by state, label, inbox and channel; an agent of another inbox never sees
//! this inbox's customers or their labels; administrators assign directly (agents
//! are refused). On SQLite and PostgreSQL.

mod common;

use common::{agent_token, start_postgres, start_sqlite, TestApp};
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::{json, Value};

async fn customer_id(app: &TestApp, igsid: &str) -> i64 {
    app.customer(igsid).await["id"].as_i64().unwrap()
}

async fn put_labels(app: &TestApp, token: &str, customer: i64, labels: Value) -> (u16, Value) {
    app.send_as(
        token,
        Method::PUT,
        &format!("/api/v1/customers/{customer}/labels"),
        Some(json!({ "labels": labels })),
    )
    .await
}

async fn label_call(
    app: &TestApp,
    token: &str,
    method: Method,
    customer: i64,
    label: &str,
) -> (u16, Value) {
    app.send_as(
        token,
        method,
        &format!("/api/v1/customers/{customer}/labels/{label}"),
        None,
    )
    .await
}

fn refusal(answer: &(u16, Value)) -> (u16, Option<&str>, Option<&str>) {
    (
        answer.0,
        answer.1["code"].as_str(),
        answer.1["field"].as_str(),
    )
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// (name, customers) of `GET /labels` as `token` sees it.
async fn counts(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let (status, body) = app.get_as(token, "/api/v1/labels").await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_owned(),
                l["customers"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The customers (by IGSID) of the conversations `GET /conversations?{query}` lists.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let (status, body) = app
        .get_as(token, &format!("/api/v1/conversations?{query}"))
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    let mut found: Vec<String> = Vec::new();
    for c in body["data"].as_array().unwrap() {
        let id = c["customer_id"].as_i64().unwrap();
        let (_, customer) = app.get(&format!("/api/v1/customers/{id}")).await;
        found.push(customer["igsid"].as_str().unwrap().to_owned());
    }
    found.sort();
    found
}

async fn labels_are_set_replaced_removed_and_counted(app: TestApp) {
    let admin = app.token.clone();
    app.send(Event::text("555", "hello")).await;
    app.send(Event::text("556", "hi there")).await;
    app.settle().await;
    let ana = customer_id(&app, "555").await;
    let ben = customer_id(&app, "556").await;

    // Replaced as a set: trimmed, made on first use, the same word in another case
    // counted once (its first spelling kept).
    let (status, body) = put_labels(&app, &admin, ana, json!([" VIP ", "returns", "vip"])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body["labels"]), ["returns", "VIP"]);
    let (_, customer) = app.get(&format!("/api/v1/customers/{ana}")).await;
    assert_eq!(names(&customer["labels"]), ["returns", "VIP"], "{customer}");
    let (_, found) = app.get("/api/v1/customers?igsid=555").await;
    assert_eq!(names(&found["data"][0]["labels"]), ["returns", "VIP"]);

    // Added one at a time: an existing label keeps its spelling.
    let (status, body) = label_call(&app, &admin, Method::POST, ben, "vip").await;
    assert_eq!((status, names(&body["labels"])), (200, vec!["VIP".into()]));
    let again = label_call(&app, &admin, Method::POST, ben, "Vip").await;
    assert_eq!(
        names(&again.1["labels"]),
        ["VIP"],
        "adding it twice changes nothing"
    );
    assert_eq!(
        counts(&app, &admin).await,
        [("returns".into(), 1), ("VIP".into(), 2)]
    );

    let (_, body) = put_labels(&app, &admin, ana, json!(["Wholesale"])).await;
    assert_eq!(names(&body["labels"]), ["Wholesale"]);
    let (status, body) = label_call(&app, &admin, Method::DELETE, ben, "VIP").await;
    assert_eq!((status, body["labels"].clone()), (200, json!([])));
    assert_eq!(
        counts(&app, &admin).await,
        [
            ("returns".into(), 0),
            ("VIP".into(), 0),
            ("Wholesale".into(), 1)
        ],
        "an administrator sees labels nobody carries any more"
    );
    let (_, body) = put_labels(&app, &admin, ana, json!([])).await;
    assert_eq!(body["labels"], json!([]), "an empty list clears them");

    // Limits, each naming the field at fault.
    let long = "x".repeat(41);
    let answer = put_labels(&app, &admin, ana, json!([long])).await;
    assert_eq!(
        refusal(&answer),
        (400, Some("invalid_label"), Some("labels"))
    );
    let answer = put_labels(&app, &admin, ana, json!(["   "])).await;
    assert_eq!(
        refusal(&answer),
        (400, Some("invalid_label"), Some("labels"))
    );
    let many: Vec<String> = (0..21).map(|i| format!("tag{i}")).collect();
    let answer = put_labels(&app, &admin, ana, json!(many)).await;
    assert_eq!(
        refusal(&answer),
        (400, Some("too_many_labels"), Some("labels"))
    );
    let answer = put_labels(&app, &admin, ana, json!("vip")).await;
    assert_eq!(
        refusal(&answer),
        (400, Some("invalid_value"), Some("labels"))
    );
    let answer = label_call(&app, &admin, Method::POST, ana, &"y".repeat(41)).await;
    assert_eq!(
        refusal(&answer),
        (400, Some("invalid_label"), Some("label"))
    );
    let answer = label_call(&app, &admin, Method::POST, ana, "%20").await;
    assert_eq!(
        refusal(&answer),
        (400, Some("invalid_label"), Some("label"))
    );
    let (status, _) = put_labels(&app, &admin, ana, json!(many[..20])).await;
    assert_eq!(status, 200, "twenty is the most");
    let answer = label_call(&app, &admin, Method::POST, ana, "one-more").await;
    assert_eq!(
        refusal(&answer),
        (400, Some("too_many_labels"), Some("label"))
    );
    let (_, customer) = app.get(&format!("/api/v1/customers/{ana}")).await;
    assert_eq!(customer["labels"].as_array().unwrap().len(), 20);

    // A label with a space and an accent travels percent-encoded.
    let (status, body) = label_call(&app, &admin, Method::POST, ben, "Caf%C3%A9%20club").await;
    assert_eq!(
        (status, names(&body["labels"])),
        (200, vec!["Café club".into()])
    );

    let answer = put_labels(&app, &admin, 999_999, json!(["vip"])).await;
    assert_eq!(refusal(&answer), (404, Some("not_found"), None));
}

#[tokio::test]
async fn labels_are_set_replaced_removed_and_counted_sqlite() {
    labels_are_set_replaced_removed_and_counted(start_sqlite().await).await;
}

#[tokio::test]
async fn labels_are_set_replaced_removed_and_counted_postgres() {
    labels_are_set_replaced_removed_and_counted(start_postgres().await).await;
}

async fn conversations_filter_by_state_label_inbox_and_kind(app: TestApp) {
    let admin = app.token.clone();
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let account = accounts["data"][0]["id"].as_i64().unwrap();
    let default_inbox = accounts["data"][0]["inbox_id"].as_i64().unwrap();
    let (status, settings) = app
        .send_as(
            &admin,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/settings"),
            Some(json!({"story_mentions_create_conversations": true})),
        )
        .await;
    assert_eq!(status, 200, "{settings}");

    // In the default inbox: a DM answered by us (waiting on the customer), a DM
    // closed, a Story mention.
    app.send(Event::text("555", "my order?")).await;
    app.send(Event::text("557", "thanks, bye")).await;
    app.send(Event::attachment(
        "558",
        "story_mention",
        "https://cdn/story-1",
    ))
    .await;
    app.settle().await;
    let (status, body) = app.reply("555", json!({"text": "On its way!"})).await;
    assert!(status < 300, "{body}");
    let (_, all) = app.get("/api/v1/conversations").await;
    let leaving = customer_id(&app, "557").await;
    let closing = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"].as_i64() == Some(leaving))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .post(&format!("/api/v1/conversations/{closing}/close"), json!({}))
        .await;
    assert!(status < 300, "{body}");

    // In another inbox: a comment.
    let (_, inbox) = app
        .post("/api/v1/inboxes", json!({"name": "Wholesale"}))
        .await;
    let wholesale = inbox["id"].as_i64().unwrap();
    let (status, _) = app
        .send_as(
            &admin,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/inbox"),
            Some(json!({"inbox_id": wholesale})),
        )
        .await;
    assert_eq!(status, 200);
    app.send(Event::comment("556", "ben", "love it", "18100", "FEED"))
        .await;
    app.settle().await;
    let ana = customer_id(&app, "555").await;
    let (status, _) = put_labels(&app, &admin, ana, json!(["vip"])).await;
    assert_eq!(status, 200);

    for (query, expected) in [
        ("", vec!["555", "556", "557", "558"]),
        ("state=open", vec!["555", "556", "558"]),
        ("state=waiting", vec!["555"]),
        ("state=closed", vec!["557"]),
        ("label=VIP", vec!["555"]),
        ("label=nobody", vec![]),
        (&format!("inbox={wholesale}"), vec!["556"]),
        (&format!("inbox={default_inbox}"), vec!["555", "557", "558"]),
        ("kind=comment", vec!["556"]),
        ("kind=story_mention", vec!["558"]),
        ("kind=dm", vec!["555", "557"]),
        ("state=open&kind=dm&label=vip", vec!["555"]),
    ] {
        assert_eq!(listed(&app, &admin, query).await, expected, "{query}");
    }
    for (query, field) in [
        ("state=pending", "state"),
        ("kind=email", "kind"),
        ("inbox=first", "inbox"),
    ] {
        let answer = app
            .get_as(&admin, &format!("/api/v1/conversations?{query}"))
            .await;
        assert_eq!(
            refusal(&answer),
            (400, Some("invalid_parameter"), Some(field)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn conversations_filter_by_state_label_inbox_and_kind_sqlite() {
    conversations_filter_by_state_label_inbox_and_kind(start_sqlite().await).await;
}

#[tokio::test]
async fn conversations_filter_by_state_label_inbox_and_kind_postgres() {
    conversations_filter_by_state_label_inbox_and_kind(start_postgres().await).await;
}

async fn an_agent_of_another_inbox_never_sees_these_labels(app: TestApp) {
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let olly = agent_token(&app.running, "olly@example.com", false, &["Wholesale"]).await;
    app.send(Event::text("555", "hello")).await;
    app.settle().await;
    let customer = customer_id(&app, "555").await;

    // An agent who sees the customer labels them.
    let (status, body) = put_labels(&app, &ana, customer, json!(["secret-vip"])).await;
    assert_eq!(
        (status, names(&body["labels"])),
        (200, vec!["secret-vip".into()])
    );
    assert_eq!(counts(&app, &ana).await, [("secret-vip".into(), 1)]);

    // The other inbox's agent learns nothing: not the label, not the customer.
    assert!(counts(&app, &olly).await.is_empty(), "no label is revealed");
    assert_eq!(
        listed(&app, &olly, "label=secret-vip").await,
        Vec::<String>::new()
    );
    assert_eq!(listed(&app, &olly, "").await, Vec::<String>::new());
    for answer in [
        put_labels(&app, &olly, customer, json!(["mine"])).await,
        label_call(&app, &olly, Method::POST, customer, "mine").await,
        label_call(&app, &olly, Method::DELETE, customer, "secret-vip").await,
        app.get_as(&olly, &format!("/api/v1/customers/{customer}"))
            .await,
    ] {
        assert_eq!(
            refusal(&answer),
            (404, Some("not_found"), None),
            "{}",
            answer.1
        );
    }
    let (_, customer_now) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(
        names(&customer_now["labels"]),
        ["secret-vip"],
        "nothing changed"
    );
    assert_eq!(listed(&app, &ana, "label=secret-vip").await, ["555"]);
}

#[tokio::test]
async fn an_agent_of_another_inbox_never_sees_these_labels_sqlite() {
    an_agent_of_another_inbox_never_sees_these_labels(start_sqlite().await).await;
}

#[tokio::test]
async fn an_agent_of_another_inbox_never_sees_these_labels_postgres() {
    an_agent_of_another_inbox_never_sees_these_labels(start_postgres().await).await;
}

async fn agent_id(app: &TestApp, token: &str) -> i64 {
    let (status, me) = app.get_as(token, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    me["id"].as_i64().unwrap()
}

async fn administrators_assign_open_work_directly(app: TestApp) {
    let admin = app.token.clone();
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let ben = agent_token(&app.running, "ben@example.com", false, &["Instagram"]).await;
    let olly = agent_token(&app.running, "olly@example.com", false, &["Wholesale"]).await;
    let (ana_id, ben_id, olly_id) = (
        agent_id(&app, &ana).await,
        agent_id(&app, &ben).await,
        agent_id(&app, &olly).await,
    );
    app.send(Event::text("555", "anyone there?")).await;
    app.settle().await;
    let (_, all) = app.get("/api/v1/conversations?state=open").await;
    let conversation = all["data"][0]["id"].as_i64().unwrap();
    assert!(all["data"][0]["agent_id"].is_null(), "nobody is available");
    let assign = |token: String, body: Value| {
        let app = &app;
        async move {
            app.send_as(
                &token,
                Method::POST,
                &format!("/api/v1/conversations/{conversation}/assign"),
                Some(body),
            )
            .await
        }
    };

    // Agents may not; an administrator may, at once, whatever the agent's state.
    let answer = assign(ana.clone(), json!({"agent_id": ana_id})).await;
    assert_eq!(refusal(&answer), (403, Some("forbidden"), None));
    let (status, body) = assign(admin.clone(), json!({"agent_id": ana_id})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agent_id"], ana_id);
    let (_, mine) = app.get_as(&ana, "/api/v1/conversations?state=open").await;
    assert_eq!(mine["data"][0]["agent_id"], ana_id);
    let (_, me) = app.get_as(&ana, "/api/v1/me").await;
    assert_eq!(me["routing"]["conversations"], 1, "{me}");

    // Handed on to Ben: Ana no longer holds it.
    let (status, _) = assign(admin.clone(), json!({"agent_id": ben_id})).await;
    assert_eq!(status, 200);
    let (_, me) = app.get_as(&ana, "/api/v1/me").await;
    assert_eq!(me["routing"]["conversations"], 0, "{me}");
    let (_, me) = app.get_as(&ben, "/api/v1/me").await;
    assert_eq!(me["routing"]["conversations"], 1, "{me}");

    for (body, code, status) in [
        (json!({"agent_id": ben_id}), "already_assigned", 409),
        (json!({"agent_id": olly_id}), "not_in_inbox", 400),
        (json!({"agent_id": "ben"}), "invalid_value", 400),
        (json!({}), "invalid_value", 400),
    ] {
        let answer = assign(admin.clone(), body.clone()).await;
        let field = if status == 400 || code == "already_assigned" {
            Some("agent_id")
        } else {
            None
        };
        assert_eq!(refusal(&answer), (status, Some(code), field), "{body}");
    }
    let (status, _) = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/conversations/999999/assign",
            Some(json!({"agent_id": ana_id})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post(
            &format!("/api/v1/conversations/{conversation}/close"),
            json!({}),
        )
        .await;
    assert!(status < 300);
    let answer = assign(admin.clone(), json!({"agent_id": ana_id})).await;
    assert_eq!(refusal(&answer), (409, Some("already_closed"), None));
}

#[tokio::test]
async fn administrators_assign_open_work_directly_sqlite() {
    administrators_assign_open_work_directly(start_sqlite().await).await;
}

#[tokio::test]
async fn administrators_assign_open_work_directly_postgres() {
    administrators_assign_open_work_directly(start_postgres().await).await;
}
