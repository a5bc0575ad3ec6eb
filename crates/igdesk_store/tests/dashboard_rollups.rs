//! The dashboard's rollups (migration 0009): an answered wait is counted in the hour
//! it began, in its bucket, breached or not; and the migration's backfill of waits
//! answered before it counts them exactly as the live path does. Both backends.

use igdesk_domain::CustomerId;
use igdesk_store::conformance::{account, message, part};
use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};
use igdesk_store::{DashboardQuery, HourWaits, InboxWaits, Lane, NewAgent, NewReply, Scope};

const HOUR: i64 = 3_600_000;
/// On the hour, so the waits below begin in one known hour.
const T0: i64 = 1_730_001_600_000;

async fn answer(
    store: &dyn Store,
    account: igdesk_domain::AccountId,
    customer: CustomerId,
    text: &str,
    at: i64,
) {
    let reply = NewReply {
        account,
        customer,
        lane: Lane::Console,
        author: "human",
        comment_id: None,
        parts: vec![part(text)],
    };
    // A person's reply answers the wait when Meta accepts it: sent at once here.
    let item = store.queue_reply(reply, at).await.unwrap()[0];
    let job = store
        .claim_sends(100, at, at + 1_000)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.payload == item.0.to_string())
        .expect("the reply's send job");
    store
        .record_sent(job.id, item, &format!("mid-{}", item.0), at)
        .await
        .unwrap();
}

fn query(scope: Scope, now: i64) -> DashboardQuery {
    DashboardQuery {
        scope,
        inbox: None,
        from: T0 - 24 * HOUR,
        to: T0 + 24 * HOUR,
        now,
        send_window: 300_000,
        intake: true,
    }
}

/// The migration's statements that fill the rollups from the clocks.
fn backfill(migration: &str) -> Vec<String> {
    let code: String = migration
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| {
            s.starts_with("INSERT INTO wait_hours") || s.starts_with("INSERT INTO wait_totals")
        })
        .map(str::to_owned)
        .collect()
}

async fn rollups_count_each_answer_once(url: &str, migration: &str) {
    let store = igdesk_store::connect(url).await.unwrap();
    let a = account(&store, "1784").await;
    let admin = NewAgent {
        email: "admin@example.com".into(),
        name: "Admin".into(),
        password_hash: "x".into(),
        is_admin: true,
        inboxes: vec![],
    };
    let scope = store.add_agent(admin, T0).await.unwrap().scope();
    for (igsid, mid) in [("1", "m1"), ("2", "m2"), ("3", "m3")] {
        store
            .apply_changes(&[message(a.id, igsid, mid, "hi", T0)], T0)
            .await
            .unwrap();
    }
    let customer = |igsid: &'static str| {
        let store = &store;
        async move { store.customers_by_igsid(scope, igsid).await.unwrap()[0].id }
    };
    // 100 s: in (90, 120]; 70 minutes: in (3600, 5400], past the hour's target.
    answer(
        &store,
        a.id,
        customer("1").await,
        "On its way",
        T0 + 100_000,
    )
    .await;
    answer(
        &store,
        a.id,
        customer("2").await,
        "Sorry for the wait",
        T0 + 70 * 60_000,
    )
    .await;
    // A second reply to an answered customer starts and meets nothing.
    answer(
        &store,
        a.id,
        customer("1").await,
        "Anything else?",
        T0 + 80 * 60_000,
    )
    .await;

    let figures = store
        .dashboard(&query(scope, T0 + 80 * 60_000))
        .await
        .unwrap();
    let bounds = &figures.wait_buckets;
    let inbox = figures.inboxes[0].inbox;
    let (quick, late) = (bucket(bounds, 100), bucket(bounds, 4200));
    let by_hour = vec![
        HourWaits {
            hour: T0,
            bucket: quick,
            answered: 1,
            breached: 0,
        },
        HourWaits {
            hour: T0,
            bucket: late,
            answered: 1,
            breached: 1,
        },
    ];
    let by_inbox = vec![
        InboxWaits {
            inbox,
            bucket: quick,
            answered: 1,
            breached: 0,
        },
        InboxWaits {
            inbox,
            bucket: late,
            answered: 1,
            breached: 1,
        },
    ];
    assert_eq!(
        (&figures.answered_by_hour, &figures.answered_by_inbox),
        (&by_hour, &by_inbox)
    );
    assert_eq!(figures.unanswered.len(), 1, "{:?}", figures.unanswered);
    assert_eq!(
        (figures.unanswered[0].overdue, figures.unanswered[0].within),
        (1, 0)
    );
    let (_, totals) = store.wait_totals().await.unwrap();
    assert_eq!(
        totals
            .iter()
            .map(|t| (t.answered, t.breached))
            .collect::<Vec<_>>(),
        vec![(1, 0), (1, 1)]
    );

    // What the migration makes of the same clocks is what the live path made.
    let raw = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("DELETE FROM wait_hours")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM wait_totals")
        .execute(&raw)
        .await
        .unwrap();
    let statements = backfill(migration);
    assert_eq!(statements.len(), 2);
    for statement in statements {
        sqlx::query(&statement).execute(&raw).await.unwrap();
    }
    let again = store
        .dashboard(&query(scope, T0 + 80 * 60_000))
        .await
        .unwrap();
    assert_eq!(
        (&again.answered_by_hour, &again.answered_by_inbox),
        (&by_hour, &by_inbox)
    );
    assert_eq!(store.wait_totals().await.unwrap().1, totals);
}

fn bucket(bounds: &[i64], seconds: i64) -> usize {
    bounds.iter().position(|b| *b >= seconds).unwrap()
}

#[tokio::test]
async fn rollups_count_each_answer_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    rollups_count_each_answer_once(
        &sqlite_url(dir.path()),
        include_str!("../migrations/sqlite/0009_dashboard.sql"),
    )
    .await;
}

#[tokio::test]
async fn rollups_count_each_answer_once_on_postgres() {
    rollups_count_each_answer_once(
        &fresh_postgres_url().await,
        include_str!("../migrations/postgres/0009_dashboard.sql"),
    )
    .await;
}
