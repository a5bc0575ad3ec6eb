//! Customers are IGSIDs; their Instagram facts come from the User Profile API in a
//! job of their own, so a slow or failing Graph call never holds up a message (IN-5).

mod common;

use common::*;
use igdesk_igs::{CustomerProfile, Event, Fault};
use std::time::Duration;

#[tokio::test]
async fn a_new_customer_is_named_by_number_then_by_their_profile() {
    let app = start_sqlite().await;
    app.add_customer(CustomerProfile {
        name: Some("Ben Okafor".into()),
        follower_count: 88_000,
        is_verified_user: true,
        is_user_follow_business: true,
        is_business_follow_user: false,
        ..CustomerProfile::new("555", "benokafor")
    });
    app.send(Event::text("555", "hello")).await;
    app.eventually("profile facts", || async {
        app.customer("555").await["instagram"]["fetched_at"].is_i64()
    })
    .await;
    let c = app.customer("555").await;
    assert_eq!(c["name"], "Ben Okafor");
    assert_eq!(c["igsid"], "555");
    let facts = &c["instagram"];
    assert_eq!(
        (facts["username"].as_str(), facts["follower_count"].as_i64()),
        (Some("benokafor"), Some(88_000))
    );
    assert_eq!(
        (
            facts["is_verified"].as_bool(),
            facts["follows_business"].as_bool(),
            facts["business_follows"].as_bool()
        ),
        (Some(true), Some(true), Some(false))
    );
    let call = app
        .sim
        .calls()
        .into_iter()
        .find(|c| c.path == "555")
        .expect("a profile call");
    assert_eq!(
        (call.method.as_str(), call.api.as_str()),
        ("GET", "facebook")
    );
    assert!(call.query["fields"].contains("is_user_follow_business"));
}

#[tokio::test]
async fn two_people_with_the_same_name_are_two_profiles() {
    let app = start_sqlite().await;
    for igsid in ["555", "556"] {
        app.add_customer(CustomerProfile {
            name: Some("Ana".into()),
            ..CustomerProfile::new(igsid, format!("ana{igsid}"))
        });
        app.send(Event::text(igsid, "hi")).await;
    }
    app.settle().await;
    let a = app.customer("555").await;
    let b = app.customer("556").await;
    assert_ne!(a["id"], b["id"]);
}

#[tokio::test]
async fn a_failing_profile_call_never_drops_or_delays_messages() {
    let app = start_sqlite().await;
    app.sim.set_fault(Some(Fault::Unavailable));
    app.send(Event::text("555", "are you there?")).await;
    app.settle().await;
    let items = app.timeline("555").await;
    assert_eq!(items[0]["text"], "are you there?");
    assert_eq!(
        app.customer("555").await["name"],
        "555",
        "shown by number while the profile is unknown"
    );
    app.eventually("a failed profile call", || async {
        app.sim.calls().iter().any(|c| c.path == "555")
    })
    .await;

    app.sim
        .set_fault(Some(Fault::ProfileSlow { millis: 3_000 }));
    let started = std::time::Instant::now();
    app.send(Event::text("556", "slow profile")).await;
    app.settle().await;
    assert_eq!(app.timeline("556").await[0]["text"], "slow profile");
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "the message did not wait for the profile"
    );

    // Once Meta answers again, the retry fills the profile in.
    app.sim.set_fault(None);
    app.add_customer(CustomerProfile {
        name: Some("Late Name".into()),
        ..CustomerProfile::new("555", "late")
    });
    app.send(Event::text("555", "again")).await;
    app.eventually("the profile after recovery", || async {
        app.customer("555").await["name"] == "Late Name"
    })
    .await;
}
