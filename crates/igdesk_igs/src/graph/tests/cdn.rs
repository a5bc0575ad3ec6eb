//! The simulator's own CDN: embedded media served, `cdn:NAME` resolved, sent
//! images re-hosted for their echoes, profile pictures on it.

use serde_json::json;

use super::{deliver, get, serve_files, wait_for_item, Graph, ANA, FB};
use crate::testutil::{spawn_sim, BIZ, PAGE_TOKEN};
use crate::{Event, Fault, Scenario, STORY_LIFETIME_MS};

async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn embedded_media_are_served_and_named_by_cdn_references() {
    let (sim, base, received) = spawn_sim().await;
    let (status, content_type, bytes) = fetch(&format!("{base}/_igs/cdn/linen-shirt.jpg")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert_eq!(bytes, crate::media::find("linen-shirt.jpg").unwrap().bytes);
    assert_eq!(
        fetch(&format!("{base}/_igs/cdn/clip.mp4")).await.1,
        "video/mp4"
    );
    assert_eq!(fetch(&format!("{base}/_igs/cdn/nothing.png")).await.0, 404);

    // Without its URL the simulator names placeholders on Meta's CDN.
    assert!(sim
        .media_url("cdn:wave.gif")
        .starts_with("https://lookaside.fbsbx.com/"));
    assert!(sim
        .cdn_url("image")
        .starts_with("https://lookaside.fbsbx.com/"));
    sim.set_public_url(format!("{base}/"));
    assert_eq!(
        sim.media_url("cdn:wave.gif"),
        format!("{base}/_igs/cdn/wave.gif")
    );
    assert_eq!(sim.media_url("https://x/y.png"), "https://x/y.png");
    assert!(sim
        .cdn_url("story_mention")
        .starts_with(&format!("{base}/_igs/cdn/story/")));
    assert_eq!(sim.cdn_url("video"), format!("{base}/_igs/cdn/clip.mp4"));

    let scenario = Scenario::from_toml(&format!(
        "business = \"{BIZ}\"\n\
         [[customer]]\nigsid = \"{ANA}\"\nusername = \"ana\"\nprofile_pic = \"cdn:avatar-ana.png\"\n\
         [[step]]\nfrom = \"{ANA}\"\nkind = \"image\"\nurl = \"cdn:parcel.png\"\n\
         [[step]]\nfrom = \"{ANA}\"\nkind = \"story_mention\"\n"
    ))
    .unwrap();
    crate::run_scenario(&sim, &scenario).await.unwrap();
    let image = wait_for_item(&received, |item| {
        item["message"]["attachments"][0]["type"] == "image"
    })
    .await;
    assert_eq!(
        image["message"]["attachments"][0]["payload"]["url"],
        format!("{base}/_igs/cdn/parcel.png")
    );
    let story = wait_for_item(&received, |item| {
        item["message"]["attachments"][0]["type"] == "story_mention"
    })
    .await;
    let story_url = story["message"]["attachments"][0]["payload"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&story_url).await.1, "image/jpeg", "{story_url}");

    let (status, profile) = get(&format!(
        "{base}/{FB}/v21.0/{ANA}?fields=profile_pic&access_token={PAGE_TOKEN}"
    ))
    .await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(
        profile["profile_pic"],
        format!("{base}/_igs/cdn/avatar-ana.png")
    );

    let error = Scenario::from_toml(&format!(
        "business = \"{BIZ}\"\n[[step]]\nfrom = \"{ANA}\"\nkind = \"image\"\nurl = \"cdn:nope.png\"\n"
    ))
    .unwrap_err();
    assert!(
        format!("{error:#}").contains("names no embedded medium"),
        "{error:#}"
    );
    assert!(Scenario::from_toml(&format!(
        "business = \"{BIZ}\"\n[[customer]]\nigsid = \"1\"\nusername = \"u\"\nprofile_pic = \"cdn:nope.png\"\n"
    ))
    .is_err());
}

#[tokio::test]
async fn a_sent_image_is_rehosted_for_its_echo() {
    let png = crate::media::find("parcel.png").unwrap().bytes.to_vec();
    let files = serve_files(vec![("/sent.png", "image/png", png.clone())]).await;
    let (sim, base, received) = spawn_sim().await;
    sim.set_public_url(&base);
    deliver(&sim, Event::text(ANA, "a photo please")).await;
    let answer = Graph::new(&base)
        .send(json!({"recipient": {"id": ANA}, "message": {"attachment": {"type": "image", "payload": {"url": format!("{files}/sent.png")}}}}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mid = answer.body["message_id"].as_str().unwrap().to_owned();
    let echo = wait_for_item(&received, |item| item["message"]["mid"] == mid.as_str()).await;
    let url = echo["message"]["attachments"][0]["payload"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(&format!("{base}/_igs/cdn/m/")), "{url}");
    let (status, content_type, bytes) = fetch(&url).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert_eq!(bytes, png);
}

/// A Story mention's medium lives at a URL of its own until the customer deletes
/// the Story or it is a day old; then the CDN answers 404, as Meta's does.
#[tokio::test]
async fn a_story_is_served_until_deleted_or_a_day_old() {
    let (sim, base, received) = spawn_sim().await;
    sim.set_public_url(&base);
    let scenario = Scenario::from_toml(&format!(
        "business = \"{BIZ}\"\n\
         [[step]]\nfrom = \"{ANA}\"\nkind = \"story_mention\"\nurl = \"cdn:story-sunset.jpg\"\n\
         [[step]]\nfrom = \"{ANA}\"\nkind = \"story_mention\"\n\
         [[step]]\nfrom = \"{ANA}\"\nkind = \"story_mention\"\nago_seconds = 86400\n"
    ))
    .unwrap();
    let outcomes = crate::run_scenario(&sim, &scenario).await.unwrap();
    let mut urls = Vec::new();
    for outcome in &outcomes {
        let mid = outcome.mid.clone().unwrap();
        let item = wait_for_item(&received, |item| item["message"]["mid"] == mid.as_str()).await;
        let url = item["message"]["attachments"][0]["payload"]["url"].as_str();
        urls.push(url.unwrap().to_owned());
    }
    let (named, picked, old) = (&urls[0], &urls[1], &urls[2]);
    assert!(
        named.starts_with(&format!("{base}/_igs/cdn/story/")),
        "{named}"
    );
    assert_ne!(named, picked, "each Story has its own URL");
    let (status, content_type, bytes) = fetch(named).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert_eq!(bytes, crate::media::find("story-sunset.jpg").unwrap().bytes);
    assert_eq!(fetch(picked).await.0, 200);
    assert_eq!(fetch(old).await.0, 404, "posted {STORY_LIFETIME_MS} ms ago");
    assert_eq!(sim.story_fetches(named), 1);

    // Meta's CDN failing for a moment is no answer about the Story.
    sim.set_fault(Some(Fault::StoryCdnError { status: 503 }));
    assert_eq!(fetch(named).await.0, 503);
    sim.set_fault(None);
    assert_eq!(
        sim.story_fetches(named),
        2,
        "asked for, whatever the answer"
    );

    // Deleted by the customer, here or through the control endpoint.
    assert!(sim.delete_story(named));
    assert_eq!(fetch(named).await.0, 404);
    let id = picked.rsplit('/').next().unwrap();
    let deleted = reqwest::Client::new()
        .delete(format!("{base}/_igs/stories/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(fetch(picked).await.0, 404);
    assert!(!sim.delete_story("17900000000000000"), "no such Story");
    assert_eq!(fetch(&format!("{base}/_igs/cdn/story/1")).await.0, 404);
}
