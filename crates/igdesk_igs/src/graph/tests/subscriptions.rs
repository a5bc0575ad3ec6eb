//! Webhook subscriptions: events of a business no app is subscribed to are
//! withheld (and recorded), whichever way the subscription went away.

use std::time::Duration;

use serde_json::{json, Value};

use super::{get, text_to, Graph, ANA, FB, IG, PAGE_ID};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Delivery, Event, Subscription, IGDESK_APP_ID, IGDESK_INSTAGRAM_APP_ID, NOT_DELIVERED};

const OTHER: &str = "17841400000000002";

fn text(igsid: &str, text: &str) -> Event {
    Event::text(igsid, text)
}

async fn delete(url: &str) -> u16 {
    let response = reqwest::Client::new().delete(url).send().await.unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn meta_dropping_the_subscription_withholds_events_until_igdesk_subscribes_again() {
    let (sim, base, received) = spawn_sim().await;
    let (status, listed) = get(&format!("{base}/_igs/subscriptions")).await;
    assert_eq!(status, 200);
    let listed: Vec<Subscription> = serde_json::from_value(listed).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].subscribed, "{listed:?}");
    assert_eq!(listed[0].app_id.as_deref(), Some(IGDESK_APP_ID));

    assert_eq!(
        delete(&format!("{base}/_igs/subscriptions/{BIZ}")).await,
        204
    );
    assert_eq!(
        delete(&format!("{base}/_igs/subscriptions/nobody")).await,
        404
    );
    let (_, listed) = get(&format!("{base}/_igs/subscriptions")).await;
    assert_eq!(listed[0]["subscribed"], false);
    assert_eq!(listed[0]["fields"], json!([]));

    let delivery = Delivery::new(BIZ).push(text(ANA, "anyone there?"));
    assert_eq!(sim.deliver(&delivery).await.unwrap(), NOT_DELIVERED);
    let (_, withheld) = get(&format!("{base}/_igs/withheld")).await;
    assert_eq!(withheld[0]["business_ig_ids"], json!([BIZ]));
    let withheld_text = &withheld[0]["body"]["entry"][0]["messaging"][0]["message"]["text"];
    assert_eq!(withheld_text, "anyone there?");
    // The customer did write: the window is open although igdesk never heard.
    let graph = Graph::new(&base);
    assert_eq!(
        graph.send(text_to(ANA, "sorry for the wait")).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(received.bodies().is_empty(), "{:?}", received.bodies());
    assert_eq!(sim.withheld().len(), 2, "the echo is withheld too");

    let edge = format!("{IG}/v21.0/me/subscribed_apps");
    let answer = graph
        .call(
            "POST",
            &format!("{edge}?subscribed_fields=messages&access_token={IG_TOKEN}"),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(sim.deliver(&delivery).await.unwrap(), 200);
    assert_eq!(received.bodies().len(), 1);
    let status = sim.subscription(BIZ);
    assert_eq!(status.app_id.as_deref(), Some(IGDESK_INSTAGRAM_APP_ID));
    assert_eq!(status.fields, ["messages"]);
}

#[tokio::test]
async fn a_delete_on_either_host_ends_the_subscription() {
    let (sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    let fb_edge = format!("{FB}/v21.0/{PAGE_ID}/subscribed_apps?access_token={PAGE_TOKEN}");
    let ig_edge = format!("{IG}/v21.0/me/subscribed_apps?access_token={IG_TOKEN}");
    let listed = graph.call("GET", &fb_edge, None).await;
    assert_eq!(
        listed.body["data"][0]["id"], IGDESK_APP_ID,
        "{}",
        listed.body
    );
    assert!(listed.body["data"][0]["subscribed_fields"].is_array());

    assert_eq!(
        graph.call("DELETE", &ig_edge, None).await.body,
        json!({"success": true})
    );
    assert_eq!(
        graph.call("GET", &fb_edge, None).await.body,
        json!({"data": []})
    );
    let delivery = Delivery::new(BIZ).push(text(ANA, "one"));
    assert_eq!(sim.deliver(&delivery).await.unwrap(), NOT_DELIVERED);
    let subscribe = format!("{fb_edge}&subscribed_fields=messages,standby");
    assert_eq!(graph.call("POST", &subscribe, None).await.status, 200);
    assert_eq!(sim.deliver(&delivery).await.unwrap(), 200);
    assert_eq!(received.bodies().len(), 1);
}

#[tokio::test]
async fn a_batch_sends_only_the_subscribed_business_entries() {
    let (sim, base, received) = spawn_sim().await;
    let other = json!({
        "ig_id": OTHER, "page_id": "100000000000002", "username": "other.shop",
        "page_token": "EAAG-other", "instagram_token": "IGAA-other", "subscribed": false,
    });
    let answer = reqwest::Client::new()
        .post(format!("{base}/_igs/businesses"))
        .body(other.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    assert!(!sim.subscription(OTHER).subscribed);

    let batch = Delivery::new(BIZ)
        .push(text(ANA, "for the shop"))
        .push_for(OTHER, text("2000001", "for the other"));
    assert_eq!(sim.deliver(&batch).await.unwrap(), 200);
    let bodies = received.bodies();
    let entries: Vec<&Value> = bodies[0]["entry"].as_array().unwrap().iter().collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["id"], BIZ);
    assert_eq!(sim.withheld()[0].business_ig_ids, [OTHER]);
}

#[tokio::test]
async fn subscribing_takes_known_fields_and_the_account_s_own_token() {
    let (_sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    let fb = |query: &str| format!("{FB}/v21.0/{PAGE_ID}/subscribed_apps?{query}");
    let answer = graph
        .call(
            "POST",
            &fb(&format!(
                "subscribed_fields=comments&access_token={PAGE_TOKEN}"
            )),
            None,
        )
        .await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("got \"comments\""),
        "{}",
        answer.message()
    );
    let answer = graph
        .call("POST", &fb(&format!("access_token={PAGE_TOKEN}")), None)
        .await;
    answer.assert_error(400, 100, None);
    let answer = graph
        .call(
            "POST",
            &fb("subscribed_fields=messages&access_token=EAAG-wrong"),
            None,
        )
        .await;
    answer.assert_error(400, 190, None);
    let answer = graph
        .call(
            "GET",
            &format!("{IG}/v21.0/me/subscribed_apps?access_token={PAGE_TOKEN}"),
            None,
        )
        .await;
    answer.assert_error(400, 190, None);
}
