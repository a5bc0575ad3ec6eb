//! The Conversations API pages like Graph: `limit`, cursors, `paging.next`; a
//! message node lists attachments, shares, Stories and reactions; a fault cuts an
//! import off part-way through.

use std::collections::HashSet;

use serde_json::Value;

use super::{Graph, IG};
use crate::ids::now_ms;
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN};
use crate::{Fault, HistoryAttachment, HistoryMessage, HistoryStory};

fn page_path(limit: &str, after: Option<&str>) -> String {
    let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
    format!(
        "{IG}/v21.0/me/conversations?platform=instagram&fields=participants,updated_time\
         {limit}{after}&access_token={IG_TOKEN}"
    )
}

fn after_cursor(body: &Value) -> Option<&str> {
    body["paging"]["next"].as_str()?;
    body["paging"]["cursors"]["after"].as_str()
}

#[tokio::test]
async fn threads_come_in_pages_with_cursors_newest_first() {
    let (sim, base, _) = spawn_sim().await;
    sim.set_conversations_rate_limit(1000);
    let start = now_ms() - 3_600_000;
    for i in 0..60 {
        let igsid = format!("{}", 2_000_000 + i);
        sim.add_history(
            BIZ,
            &igsid,
            vec![HistoryMessage::from_customer("hi", start + i * 1000)],
        );
    }
    let graph = Graph::new(&base);

    let first = graph.call("GET", &page_path("", None), None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body["data"].as_array().unwrap().len(),
        25,
        "Graph's 25"
    );
    let next = first.body["paging"]["next"].as_str().unwrap();
    assert!(
        next.starts_with("https://graph.instagram.com/v21.0/me/conversations?")
            && next.contains("after="),
        "{next}"
    );

    // The newest thread moves to the top meanwhile: it is not listed again.
    sim.add_history(
        BIZ,
        "2000000",
        vec![HistoryMessage::from_customer("again", now_ms())],
    );
    let mut seen: Vec<String> = Vec::new();
    let mut updated: Vec<String> = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let answer = graph
            .call("GET", &page_path("&limit=20", after.as_deref()), None)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        pages += 1;
        for thread in answer.body["data"].as_array().unwrap() {
            seen.push(
                thread["participants"]["data"][0]["id"]
                    .as_str()
                    .unwrap()
                    .into(),
            );
            updated.push(thread["updated_time"].as_str().unwrap().into());
        }
        let more = after_cursor(&answer.body).is_some();
        after = answer.body["paging"]["cursors"]["after"]
            .as_str()
            .map(str::to_owned);
        if !more {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 60);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 60, "none twice");
    assert_eq!(seen[0], "2000000", "the thread just updated comes first");
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let path = page_path("&limit=20", after.as_deref());
    let last = graph.call("GET", &path, None).await;
    assert_eq!(
        last.body["data"].as_array().unwrap().len(),
        0,
        "past the end"
    );
    assert!(last.body.get("paging").is_none());
    graph
        .call("GET", &page_path("", Some("not-a-cursor")), None)
        .await
        .assert_error(400, 100, None);
    graph
        .call("GET", &page_path("&limit=0", None), None)
        .await
        .assert_error(400, 100, None);
}

#[tokio::test]
async fn messages_list_attachments_shares_stories_and_reactions() {
    let (sim, base, _) = spawn_sim().await;
    let at = now_ms() - 60_000;
    let story = HistoryStory {
        id: "18000000000000001".into(),
        link: "https://cdn.example/story.jpg".into(),
    };
    let photo = HistoryMessage {
        attachments: vec![HistoryAttachment {
            kind: "image".into(),
            url: "https://cdn.example/photo.jpg".into(),
        }],
        ..HistoryMessage::from_customer("", at)
    };
    let shared = HistoryMessage {
        share: Some("https://www.instagram.com/p/abc/".into()),
        ..HistoryMessage::from_customer("", at + 1)
    };
    let reply = HistoryMessage {
        story_reply: Some(story.clone()),
        ..HistoryMessage::from_customer("love it", at + 2)
    };
    let liked = HistoryMessage {
        reactions: vec!["❤".into()],
        ..HistoryMessage::from_business("thanks!", at + 3)
    };
    sim.add_history(BIZ, "2000001", vec![photo, shared, reply, liked]);
    let graph = Graph::new(&base);
    let path = format!(
        "{IG}/v21.0/me/conversations?platform=instagram&fields=messages{{id,message,\
         attachments,shares,story,reactions}}&access_token={IG_TOKEN}"
    );
    let answer = graph.call("GET", &path, None).await;
    let messages = answer.body["data"][0]["messages"]["data"]
        .as_array()
        .unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[0]["reactions"]["data"][0]["reaction"], "❤");
    assert_eq!(
        messages[0]["reactions"]["data"][0]["users"][0]["id"],
        "2000001"
    );
    assert_eq!(
        messages[1]["story"]["reply_to"]["link"],
        story.link.as_str()
    );
    assert_eq!(messages[1]["message"], "love it");
    assert_eq!(
        messages[2]["shares"]["data"][0]["link"],
        "https://www.instagram.com/p/abc/"
    );
    assert_eq!(
        messages[3]["attachments"]["data"][0]["image_data"]["url"],
        "https://cdn.example/photo.jpg"
    );
    assert!(messages[3].get("shares").is_none() && messages[3].get("story").is_none());
}

#[tokio::test]
async fn a_fault_cuts_the_listing_off_after_some_calls() {
    let (sim, base, _) = spawn_sim().await;
    sim.set_conversations_rate_limit(1000);
    sim.add_history(
        BIZ,
        "2000001",
        vec![HistoryMessage::from_customer("hi", now_ms())],
    );
    sim.set_fault(Some(Fault::ConversationsUnavailable { after: 1 }));
    let graph = Graph::new(&base);
    assert_eq!(
        graph.call("GET", &page_path("", None), None).await.status,
        200
    );
    let failed = graph.call("GET", &page_path("", None), None).await;
    failed.assert_error(500, 2, None);
    sim.set_fault(None);
    assert_eq!(
        graph.call("GET", &page_path("", None), None).await.status,
        200
    );
}
