//! The User Profile API, recording and faults.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{assert_meta_error, get};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Delivery, Event, Fault, TokenPlace};

const FIELDS: &str =
    "name,username,profile_pic,follower_count,is_verified_user,is_user_follow_business,is_business_follow_user";

fn profile_url(base: &str, host: &str, igsid: &str, token: &str, fields: &str) -> String {
    format!("{base}/{host}/v21.0/{igsid}?fields={fields}&access_token={token}")
}

#[tokio::test]
async fn profile_rules_in_meta_order() {
    let (sim, base, _) = spawn_sim().await;
    let fb = "graph.facebook.com";
    let ig = "graph.instagram.com";

    // The token must be this host's token of the business.
    for (host, token) in [(fb, IG_TOKEN), (ig, PAGE_TOKEN), (fb, "nonsense")] {
        let (status, body) = get(&profile_url(&base, host, "1000001", token, "name")).await;
        assert_eq!(status, 400);
        assert_meta_error(&body, 190, None);
        assert_eq!(body["error"]["type"], "OAuthException");
        assert_eq!(
            body["error"]["message"],
            "Invalid OAuth access token - Cannot parse access token"
        );
    }
    let (status, body) = get(&format!("{base}/{fb}/v21.0/1000001?fields=name")).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!(190)),
        "no token at all"
    );

    // Unknown IGSID for this business.
    let (status, body) = get(&profile_url(&base, fb, "9999999", PAGE_TOKEN, "name")).await;
    assert_eq!(status, 400);
    assert_meta_error(&body, 100, Some(33));

    // Known but never wrote: no consent.
    let (status, body) = get(&profile_url(&base, ig, "1000001", IG_TOKEN, "name")).await;
    assert_eq!(status, 400);
    assert_meta_error(&body, 230, None);
    assert_eq!(
        body["error"]["message"],
        "User consent is required to access user profile"
    );

    // A DM gives consent; then both hosts answer with only the fields asked for.
    assert!(!sim.has_consented(BIZ, "1000001"));
    assert_eq!(
        sim.deliver(&Delivery::new(BIZ).push(Event::text("1000001", "hi")))
            .await
            .unwrap(),
        200
    );
    assert!(sim.has_consented(BIZ, "1000001"));
    for (host, token) in [(fb, PAGE_TOKEN), (ig, IG_TOKEN)] {
        let (status, body) = get(&profile_url(&base, host, "1000001", token, FIELDS)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"id": "1000001", "name": "Ana Souza", "username": "ana.souza", "profile_pic": null,
                "follower_count": 1204, "is_verified_user": false, "is_user_follow_business": true,
                "is_business_follow_user": false})
        );
        let (_, body) = get(&profile_url(
            &base,
            host,
            "1000001",
            token,
            "username,follower_count",
        ))
        .await;
        assert_eq!(
            body,
            json!({"id": "1000001", "username": "ana.souza", "follower_count": 1204})
        );
    }

    // The token may come as a bearer header too; the record says where it was.
    assert_eq!(
        sim.calls().last().unwrap().token_in,
        Some(TokenPlace::Query)
    );
    let response = reqwest::Client::new()
        .get(format!("{base}/{ig}/v22.0/1000001?fields=name"))
        .bearer_auth(IG_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let call = sim.calls().last().unwrap().clone();
    assert_eq!(call.token_in, Some(TokenPlace::Header));
    assert!(!call.query.contains_key("access_token"), "{call:?}");
    // Meta's `OAuth` scheme is the same token.
    let response = reqwest::Client::new()
        .get(format!("{base}/{fb}/v22.0/1000001?fields=name"))
        .header("authorization", format!("OAuth {PAGE_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = get(&format!("{base}/{fb}/v22.0/1000001?fields=name")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(sim.calls().last().unwrap().token_in, None);

    // A field the node does not have is Meta's error 100.
    let (status, body) = get(&profile_url(&base, fb, "1000001", PAGE_TOKEN, "name,email")).await;
    assert_eq!(status, 400);
    assert_meta_error(&body, 100, None);
}

#[tokio::test]
async fn consent_comes_from_postbacks_not_comments() {
    let (sim, base, _) = spawn_sim().await;
    let comment = Event::comment(
        "1000002",
        "quiet.fox",
        "price?",
        "18100000000000001",
        "FEED",
    );
    sim.deliver(&Delivery::new(BIZ).push(comment))
        .await
        .unwrap();
    let url = profile_url(
        &base,
        "graph.facebook.com",
        "1000002",
        PAGE_TOKEN,
        "name,username",
    );
    assert_eq!(get(&url).await.1["error"]["code"], 230);
    sim.deliver(&Delivery::new(BIZ).push(Event::postback("1000002", "Start", "START")))
        .await
        .unwrap();
    assert_eq!(
        get(&url).await,
        (
            200,
            json!({"id": "1000002", "name": null, "username": "quiet.fox"})
        )
    );
    // Someone unregistered who wrote exists on Instagram: a bare profile.
    sim.deliver(&Delivery::new(BIZ).push(Event::text("1000077", "hello")))
        .await
        .unwrap();
    let url = profile_url(&base, "graph.facebook.com", "1000077", PAGE_TOKEN, "name");
    assert_eq!(
        get(&url).await,
        (200, json!({"id": "1000077", "name": null}))
    );
}

#[tokio::test]
async fn calls_are_recorded_and_controllable_over_http() {
    let (sim, base, _) = spawn_sim().await;
    let client = reqwest::Client::new();
    get(&profile_url(
        &base,
        "graph.instagram.com",
        "1000001",
        IG_TOKEN,
        "name",
    ))
    .await;
    let response = client
        .post(format!(
            "{base}/graph.facebook.com/v21.0/100000000000001/messages?access_token={PAGE_TOKEN}"
        ))
        .body(r#"{"recipient":{"id":"1000001"},"message":{"text":"Hi"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "Ana never wrote: no window");
    let body: Value = response.json().await.unwrap();
    assert_meta_error(&body, 10, Some(2534022));

    let calls: Vec<crate::RecordedCall> = client
        .get(format!("{base}/_igs/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls, sim.calls());
    assert_eq!(calls.len(), 2, "control calls are not recorded");
    assert_eq!(
        (calls[0].method.as_str(), calls[0].api.as_str()),
        ("GET", "instagram")
    );
    assert_eq!(
        (calls[0].version.as_str(), calls[0].path.as_str()),
        ("v21.0", "1000001")
    );
    assert_eq!(
        calls[0].query.get("fields").map(String::as_str),
        Some("name")
    );
    assert_eq!(
        (calls[1].method.as_str(), calls[1].api.as_str()),
        ("POST", "facebook")
    );
    assert_eq!(calls[1].path, "100000000000001/messages");
    assert!(calls[1].body.contains("\"text\":\"Hi\""));
    assert!(calls[1].at_ms >= calls[0].at_ms);

    client
        .delete(format!("{base}/_igs/calls"))
        .send()
        .await
        .unwrap();
    assert!(sim.calls().is_empty());
}

#[tokio::test]
async fn faults_apply_until_cleared() {
    let (sim, base, _) = spawn_sim().await;
    sim.deliver(&Delivery::new(BIZ).push(Event::text("1000001", "hi")))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let set = |fault: Value| {
        let client = client.clone();
        let url = format!("{base}/_igs/fault");
        async move {
            client
                .post(url)
                .body(fault.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let url = profile_url(&base, "graph.facebook.com", "1000001", PAGE_TOKEN, "name");

    let fault = json!({"kind": "profile_error", "code": 4, "subcode": 1349210, "message": "Application request limit reached"});
    assert_eq!(set(fault).await, 204);
    let (status, body) = get(&url).await;
    assert_eq!(status, 400);
    assert_meta_error(&body, 4, Some(1349210));

    assert_eq!(
        set(json!({"kind": "Unavailable"})).await,
        204,
        "variant names are accepted too"
    );
    assert_eq!(sim.fault(), Some(Fault::Unavailable));
    for url in [
        url.clone(),
        format!("{base}/graph.instagram.com/v21.0/me/messages"),
    ] {
        let (status, body) = get(&url).await;
        assert_eq!(status, 500);
        assert_meta_error(&body, 2, None);
        assert_eq!(
            body["error"]["message"],
            "An unexpected error has occurred. Please retry your request later."
        );
    }

    sim.set_fault(Some(Fault::ProfileSlow { millis: 150 }));
    let started = Instant::now();
    assert_eq!(get(&url).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));

    assert_eq!(set(Value::Null).await, 204);
    assert_eq!(sim.fault(), None);
    assert_eq!(set(json!({"kind": "nonsense"})).await, 400);
}

#[tokio::test]
async fn an_instagram_token_refresh_replaces_the_token() {
    let (_sim, base, _) = spawn_sim().await;
    let client = reqwest::Client::new();
    let old = IG_TOKEN;
    let url = format!("{base}/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token={old}");
    let answer: serde_json::Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    let fresh = answer["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, old);
    assert_eq!(answer["expires_in"], 60 * 24 * 3600);
    let again = client.get(&url).send().await.unwrap();
    assert_eq!(again.status(), 400, "the old token no longer works");
    let wrong = format!(
        "{base}/graph.instagram.com/refresh_access_token?grant_type=other&access_token={fresh}"
    );
    assert_eq!(client.get(&wrong).send().await.unwrap().status(), 400);
}
