//! RT-8's safety net: an event that no wake-up announced (on PostgreSQL, another
//! instance's NOTIFY lost; here, written straight through the store) still reaches
//! the agent's open stream within a second, found by the instance's one look every
//! half second rather than by each stream asking on its own.

mod common;

use common::live::LiveStream;
use common::{start_postgres, start_sqlite, TestApp};
use igdesk::people::{add_agent_with_token, NewPerson};
use igdesk_domain::timeline::NoteMention;
use igdesk_domain::CustomerId;
use igdesk_igs::Event;
use igdesk_store::{Agent, MentionNews, NewNote, Scope};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

async fn agent(app: &TestApp, name: &str, email: &str) -> (Agent, SecretString) {
    let person = NewPerson {
        email: email.into(),
        name: name.into(),
        password: SecretString::from("a test password".to_owned()),
        is_admin: false,
        inboxes: vec!["Instagram".into()],
    };
    add_agent_with_token(app.running.app.store.as_ref(), person, "test")
        .await
        .unwrap()
}

async fn unannounced_news_reaches_the_stream(app: TestApp) {
    let store = app.running.app.store.clone();
    let (ana, _) = agent(&app, "Ana Lima", "ana@example.com").await;
    let (ben, token) = agent(&app, "Ben Silva", "ben@example.com").await;
    app.send(Event::text("555", "Where is my parcel?")).await;
    app.eventually("the customer", || async {
        app.customer("555").await["id"].is_i64()
    })
    .await;
    let customer = CustomerId(app.customer("555").await["id"].as_i64().unwrap());
    let mut live = LiveStream::open(&app.url, token.expose_secret(), None).await;

    // Written as the note service writes it, but nothing wakes Ben's stream.
    for round in 0..3 {
        let written = store
            .add_note(
                Scope {
                    agent: ana.id,
                    admin: false,
                },
                NewNote {
                    customer,
                    author: ana.id,
                    mid: format!("igdesk-note:unannounced-{round}"),
                    text: format!("@Ben Silva look at this ({round})"),
                    mentions: vec![NoteMention {
                        agent_id: ben.id.0,
                        name: "Ben Silva".into(),
                    }],
                },
                MentionNews {
                    agents: &[ben.id],
                    customer_name: "555",
                    author_name: "Ana Lima",
                },
                igdesk::now_ms(),
            )
            .await
            .unwrap()
            .expect("the customer is in scope");
        assert_eq!(written.told, vec![ben.id]);
        let written_at = Instant::now();
        let heard = live
            .next_within(Duration::from_secs(5))
            .await
            .expect("the mention reaches the stream");
        let took = written_at.elapsed();
        assert_eq!(heard.kind, "mention", "{:?}", heard.data);
        assert!(
            heard.data["payload"]["note_id"] == written.item.0,
            "{:?}",
            heard.data
        );
        // RT-8's second, with room for a busy machine's scheduling.
        assert!(
            took < Duration::from_millis(1_500),
            "round {round}: {took:?}"
        );
    }
}

#[tokio::test]
async fn news_no_wake_up_announced_reaches_the_stream_on_sqlite() {
    unannounced_news_reaches_the_stream(start_sqlite().await).await;
}

#[tokio::test]
async fn news_no_wake_up_announced_reaches_the_stream_on_postgres() {
    unannounced_news_reaches_the_stream(start_postgres().await).await;
}
