//! Sending limits counted in the database, shared by every instance (issue 16).

use super::{account, T0};
use crate::limits::{SendAsk, SendGrant};
use crate::prelude::*;
use igdesk_domain::time::HOUR;

fn ask(limit: i64, per_second: i64) -> SendAsk {
    SendAsk {
        private_reply: false,
        interactive: false,
        limit,
        window: 10_000,
        per_second,
        private_per_hour: 2,
    }
}

pub async fn the_message_limit_grants_up_to_its_count_then_names_when_room_comes(
    store: &dyn Store,
) {
    let a = account(store, "limit-a").await;
    let other = account(store, "limit-b").await;
    for at in [T0, T0 + 2_000, T0 + 4_000] {
        let grant = store.reserve_send(a.id, ask(3, 100), at).await.unwrap();
        assert_eq!(grant, SendGrant::Granted);
    }
    // Full until the oldest grant leaves the window, with 2 s more for its transit to
    // Meta.
    let full = store
        .reserve_send(a.id, ask(3, 100), T0 + 5_000)
        .await
        .unwrap();
    assert_eq!(full, SendGrant::AccountFull(T0 + 12_000));
    // Each account counts alone.
    let elsewhere = store.reserve_send(other.id, ask(3, 100), T0 + 5_000);
    assert_eq!(elsewhere.await.unwrap(), SendGrant::Granted);
    let in_transit = store.reserve_send(a.id, ask(3, 100), T0 + 11_000).await;
    assert_eq!(in_transit.unwrap(), SendGrant::AccountFull(T0 + 12_000));
    let later = store.reserve_send(a.id, ask(3, 100), T0 + 12_001).await;
    assert_eq!(later.unwrap(), SendGrant::Granted);
}

pub async fn the_backlog_leaves_a_tenth_of_a_second_to_peoples_replies(store: &dyn Store) {
    let a = account(store, "second-a").await;
    for n in 0..9 {
        let grant = store.reserve_send(a.id, ask(1_000, 10), T0 + n).await;
        assert_eq!(grant.unwrap(), SendGrant::Granted);
    }
    let backlog = store.reserve_send(a.id, ask(1_000, 10), T0 + 20).await;
    assert_eq!(backlog.unwrap(), SendGrant::SecondFull(T0 + 1_000));
    let person = SendAsk {
        interactive: true,
        ..ask(1_000, 10)
    };
    let reply = store.reserve_send(a.id, person, T0 + 20).await;
    assert_eq!(reply.unwrap(), SendGrant::Granted);
    let after = store.reserve_send(a.id, person, T0 + 30).await;
    assert_eq!(after.unwrap(), SendGrant::SecondFull(T0 + 1_000));
}

pub async fn private_replies_are_counted_by_the_hour_and_a_pause_holds_every_send(
    store: &dyn Store,
) {
    let a = account(store, "private-a").await;
    let private = SendAsk {
        private_reply: true,
        window: HOUR,
        ..ask(1_000, 100)
    };
    for at in [T0, T0 + 1_000] {
        assert_eq!(
            store.reserve_send(a.id, private, at).await.unwrap(),
            SendGrant::Granted
        );
    }
    let third = store.reserve_send(a.id, private, T0 + 2_000).await.unwrap();
    assert_eq!(third, SendGrant::PrivateRepliesFull(T0 + HOUR + 2_000));
    // Other messages go on.
    let message = store.reserve_send(a.id, ask(1_000, 100), T0 + 2_000).await;
    assert_eq!(message.unwrap(), SendGrant::Granted);
    // Meta throttled the account (seen by any instance): nothing is granted.
    store
        .pause_sends(a.id, T0 + 60_000, "throttled by Meta")
        .await
        .unwrap();
    let paused = store.reserve_send(a.id, ask(1_000, 100), T0 + 3_000).await;
    assert_eq!(paused.unwrap(), SendGrant::Paused(T0 + 60_000));
    // Grants older than every window are forgotten.
    assert_eq!(store.prune_send_grants(T0 + 1_500).await.unwrap(), 2);
}
