//! The console's people settings over HTTP: personal tokens, agents with their
//! inboxes and capacity, inbox settings. Administrators configure, agents work.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn default_inbox(app: &TestApp) -> Value {
    let (status, body) = app.get("/api/v1/inboxes").await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["is_default"] == true)
        .expect("the Instagram inbox")
        .clone()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    app.http
        .post(format!("{}/api/v1/session", app.url))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_personal_token_is_shown_once_listed_without_its_secret_and_refused_once_revoked() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let (status, made) = app
        .send_as(
            &ana,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"label": " laptop "})),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let secret = made["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("igd_") && secret.len() == 68, "{made}");
    assert_eq!(
        (made["label"].as_str(), made["revoked_at"].is_null()),
        (Some("laptop"), true)
    );
    assert!(made["id"].is_i64() && made["created_at"].is_i64(), "{made}");
    let (status, me) = app.get_as(&secret, "/api/v1/session").await;
    assert_eq!(
        (status, me["email"].as_str()),
        (200, Some("ana@example.com")),
        "{me}"
    );

    let (status, listed) = app.get_as(&ana, "/api/v1/tokens").await;
    assert_eq!(status, 200);
    let tokens = listed["data"].as_array().unwrap();
    assert_eq!(
        tokens.len(),
        2,
        "the harness's token and the new one: {listed}"
    );
    assert_eq!(tokens[0]["id"], made["id"], "newest first");
    for token in tokens {
        assert!(
            token.get("token").is_none() && token.get("token_hash").is_none(),
            "{token}"
        );
    }
    assert!(
        !listed.to_string().contains(&secret[4..]),
        "the secret is never listed"
    );

    let path = format!("/api/v1/tokens/{}", made["id"]);
    let (status, _) = app.send_as(&ana, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, refused) = app.get_as(&secret, "/api/v1/tokens").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (_, listed) = app.get_as(&ana, "/api/v1/tokens").await;
    assert!(listed["data"][0]["revoked_at"].is_i64(), "{listed}");
    assert!(
        listed["data"][1]["revoked_at"].is_null(),
        "the other token still works"
    );

    let (status, body) = app
        .send_as(
            &ana,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"label": ""})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (400, Some("invalid_label"), Some("label"))
    );
    let (status, body) = app
        .send_as(&ana, Method::POST, "/api/v1/tokens", Some(json!({})))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_body")),
        "{body}"
    );
}

#[tokio::test]
async fn only_the_owner_or_an_admin_revokes_a_token_and_others_are_told_it_does_not_exist() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let ben = agent_token(&app.running, "ben@example.com", false, &["Other"]).await;
    let (_, made) = app
        .send_as(
            &ana,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"label": "script"})),
        )
        .await;
    let secret = made["token"].as_str().unwrap();
    let path = format!("/api/v1/tokens/{}", made["id"]);

    let (status, not_hers) = app.send_as(&ben, Method::DELETE, &path, None).await;
    let (_, unknown) = app
        .send_as(&ben, Method::DELETE, "/api/v1/tokens/999999", None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        not_hers, unknown,
        "another agent's token is answered like an unknown one"
    );
    assert_eq!(
        app.get_as(secret, "/api/v1/tokens").await.0,
        200,
        "still valid"
    );
    let (_, bens) = app.get_as(&ben, "/api/v1/tokens").await;
    assert!(bens["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["id"] != made["id"]));

    let (status, _) = app.send_as(&app.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "an administrator may revoke anyone's");
    assert_eq!(app.get_as(secret, "/api/v1/tokens").await.0, 401);
}

#[tokio::test]
async fn admins_list_create_and_change_agents() {
    let app = start_sqlite().await;
    let instagram = default_inbox(&app).await["id"].as_i64().unwrap();
    let (_, sales) = app.post("/api/v1/inboxes", json!({"name": "Sales"})).await;
    let sales = sales["id"].as_i64().unwrap();

    let (status, made) = app
        .post(
            "/api/v1/agents",
            json!({"email": "cara@example.com", "name": "Cara", "password": "long enough",
                   "admin": false, "inboxes": [instagram]}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made["inboxes"],
        json!([{"id": instagram, "name": "Instagram"}])
    );
    assert_eq!(
        (
            made["is_admin"].as_bool(),
            made["standard_capacity"].as_i64(),
            made["max_capacity"].as_i64()
        ),
        (Some(false), Some(3), Some(5))
    );
    assert_eq!(
        sign_in(&app, "cara@example.com", "long enough").await,
        200,
        "the password was kept (hashed)"
    );

    let (status, listed) = app.get("/api/v1/agents").await;
    assert_eq!(status, 200);
    let emails: Vec<_> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["admin@example.com", "cara@example.com"]);
    assert_eq!(listed["data"][0]["is_admin"], true);
    let text = listed.to_string();
    assert!(
        !text.contains("password") && !text.contains("argon2"),
        "{text}"
    );

    let id = made["id"].as_i64().unwrap();
    let path = format!("/api/v1/agents/{id}");
    let (status, changed) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({"name": "Cara Lima", "admin": true,
            "inboxes": [sales], "standard_capacity": 4, "max_capacity": 10})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["name"].as_str(), changed["is_admin"].as_bool()),
        (Some("Cara Lima"), Some(true))
    );
    assert_eq!(changed["inboxes"], json!([{"id": sales, "name": "Sales"}]));
    assert_eq!(
        (
            changed["standard_capacity"].as_i64(),
            changed["max_capacity"].as_i64()
        ),
        (Some(4), Some(10))
    );
    let (_, fetched) = app.get(&path).await;
    assert_eq!(fetched, changed);
}

#[tokio::test]
async fn agent_changes_are_validated_and_name_the_field() {
    let app = start_sqlite().await;
    let patch = |path: String, body: Value| {
        let app = &app;
        async move {
            app.send_as(&app.token, Method::PATCH, &path, Some(body))
                .await
        }
    };
    let refusals = [
        (
            json!({"email": "Admin@Example.com", "name": "X", "password": "long enough"}),
            409,
            "already_exists",
            "email",
        ),
        (
            json!({"email": "x@example.com", "name": "X", "password": "long enough", "inboxes": [424242]}),
            400,
            "unknown_inbox",
            "inboxes",
        ),
        (
            json!({"email": "x@example.com", "name": "X", "password": "short"}),
            400,
            "weak_password",
            "password",
        ),
        (
            json!({"email": "nobody", "name": "X", "password": "long enough"}),
            400,
            "invalid_email",
            "email",
        ),
        (
            json!({"email": "x@example.com", "name": " ", "password": "long enough"}),
            400,
            "invalid_name",
            "name",
        ),
    ];
    for (body, status, code, field) in refusals {
        let (got, answer) = app.post("/api/v1/agents", body.clone()).await;
        assert_eq!(
            (got, answer["code"].as_str(), answer["field"].as_str()),
            (status, Some(code), Some(field)),
            "{body}: {answer}"
        );
    }
    let (_, unknown_inbox) = app
        .post("/api/v1/agents", json!({"email": "x@example.com", "name": "X", "password": "long enough", "inboxes": [424242]}))
        .await;
    assert!(
        unknown_inbox["message"]
            .as_str()
            .unwrap()
            .contains("424242"),
        "{unknown_inbox}"
    );

    let (_, made) = app
        .post(
            "/api/v1/agents",
            json!({"email": "cara@example.com", "name": "Cara", "password": "long enough"}),
        )
        .await;
    let path = format!("/api/v1/agents/{}", made["id"]);
    let capacity = [
        (json!({"standard_capacity": 6}), "standard_capacity"),
        (json!({"max_capacity": 2}), "max_capacity"),
        (json!({"max_capacity": 51}), "max_capacity"),
        (json!({"standard_capacity": -1}), "standard_capacity"),
        (
            json!({"standard_capacity": 9, "max_capacity": 8}),
            "standard_capacity",
        ),
    ];
    for (body, field) in capacity {
        let (status, answer) = patch(path.clone(), body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (400, Some("invalid_capacity"), Some(field)),
            "{body}: {answer}"
        );
    }
    let (_, unchanged) = app.get(&path).await;
    assert_eq!(
        (
            unchanged["standard_capacity"].as_i64(),
            unchanged["max_capacity"].as_i64()
        ),
        (Some(3), Some(5))
    );
    let (status, _) = patch(
        path.clone(),
        json!({"standard_capacity": 0, "max_capacity": 50}),
    )
    .await;
    assert_eq!(status, 200, "the bounds themselves are allowed");

    let (status, answer) = patch(path.clone(), json!({"password": "new one please"})).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("invalid_body")),
        "{answer}"
    );
    let (status, answer) = patch("/api/v1/agents/999999".into(), json!({"name": "X"})).await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")));

    let (_, me) = app.get("/api/v1/session").await;
    let (status, answer) = patch(
        format!("/api/v1/agents/{}", me["id"]),
        json!({"admin": false}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("own_admin_flag")),
        "{answer}"
    );
}

#[tokio::test]
async fn agents_and_inbox_settings_are_for_administrators_only() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let inbox = default_inbox(&app).await["id"].as_i64().unwrap();
    let (_, listed) = app.get("/api/v1/agents").await;
    let ana_id = listed["data"][1]["id"].as_i64().unwrap();
    let attempts = [
        (Method::GET, "/api/v1/agents".to_owned(), None),
        (
            Method::POST,
            "/api/v1/agents".to_owned(),
            Some(json!({"email": "x@example.com", "name": "X", "password": "long enough"})),
        ),
        (Method::GET, format!("/api/v1/agents/{ana_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/agents/{ana_id}"),
            Some(json!({"max_capacity": 50})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/inboxes/{inbox}"),
            Some(json!({"requires_topic": true})),
        ),
    ];
    for (method, path, body) in attempts {
        let (status, answer) = app.send_as(&ana, method.clone(), &path, body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}"
        );
    }
    let (_, after) = app.get(&format!("/api/v1/agents/{ana_id}")).await;
    assert_eq!(after["max_capacity"], 5, "nothing changed");
    assert_eq!(default_inbox(&app).await["requires_topic"], false);
}

#[tokio::test]
async fn inbox_settings_are_changed_by_admins_and_shown_in_the_list() {
    let app = start_sqlite().await;
    let inbox = default_inbox(&app).await;
    assert_eq!(
        (
            inbox["sla_target_seconds"].as_i64(),
            inbox["auto_end_seconds"].as_i64(),
            inbox["requires_topic"].as_bool()
        ),
        (Some(3_600), Some(86_400), Some(false))
    );
    let path = format!("/api/v1/inboxes/{}", inbox["id"]);
    let (status, changed) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({"sla_target_seconds": 300, "requires_topic": true})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let listed = default_inbox(&app).await;
    assert_eq!(listed, changed);
    assert_eq!(
        (
            listed["sla_target_seconds"].as_i64(),
            listed["auto_end_seconds"].as_i64(),
            listed["requires_topic"].as_bool()
        ),
        (Some(300), Some(86_400), Some(true))
    );

    let refusals = [
        (
            json!({"sla_target_seconds": 0}),
            "invalid_value",
            Some("sla_target_seconds"),
        ),
        (
            json!({"auto_end_seconds": 59}),
            "invalid_value",
            Some("auto_end_seconds"),
        ),
        (
            json!({"sla_target_seconds": 400 * 86_400}),
            "invalid_value",
            Some("sla_target_seconds"),
        ),
        (json!({"requires_topic": "yes"}), "invalid_body", None),
        (json!({"name": "Renamed"}), "invalid_body", None),
    ];
    for (body, code, field) in refusals {
        let (status, answer) = app
            .send_as(&app.token, Method::PATCH, &path, Some(body.clone()))
            .await;
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (400, Some(code), field),
            "{body}: {answer}"
        );
    }
    let (status, _) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({"auto_end_seconds": 60})),
        )
        .await;
    assert_eq!(status, 200, "a minute is the shortest auto-end");
    let (status, answer) = app
        .send_as(
            &app.token,
            Method::PATCH,
            "/api/v1/inboxes/999999",
            Some(json!({"requires_topic": false})),
        )
        .await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")));
}
