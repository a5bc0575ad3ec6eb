//! The company's accounts a customer follows and is followed by (IN-5, seed 000
//! [D] and [E]): one person writes to two of the company's accounts, with a
//! different IGSID at each; the profile lists, from the User Profile API asked per
//! account, which accounts they follow and which follow them, matched by username;
//! writing again refreshes the facts at the other account too.

mod common;

use common::accounts::{connect_business, console_page};
use common::{start_postgres, start_sqlite, TestApp, IG_ID};
use igdesk_igs::{CustomerProfile, Delivery, Event};

const SECOND: &str = "17841400000000002";
/// Maria at the first account (@shop) and at the second (@shop.two).
const AT_SHOP: &str = "4000001";
const AT_TWO: &str = "5000001";

fn maria(igsid: &str, follows: bool, followed: bool) -> CustomerProfile {
    CustomerProfile {
        name: Some("Maria Lima".into()),
        is_user_follow_business: follows,
        is_business_follow_user: followed,
        ..CustomerProfile::new(igsid, "Maria.Lima")
    }
}

/// The two lists of the profile as shown: what "Follows" and "Followed by" hold.
fn lists(page: &str) -> (String, String) {
    let dd = |title: &str| {
        let start = page
            .find(&format!("<dt>{title}</dt>"))
            .unwrap_or_else(|| panic!("no {title} in {page}"));
        let rest = &page[start..];
        let dd = &rest[rest.find("<dd>").unwrap() + 4..rest.find("</dd>").unwrap()];
        // The accounts listed, or the sentence shown instead.
        let names: Vec<&str> = dd
            .split("<li>")
            .skip(1)
            .map(|li| &li[..li.find("</li>").unwrap()])
            .collect();
        if names.is_empty() {
            dd.trim().to_owned()
        } else {
            names.join(", ")
        }
    };
    (dd("Follows"), dd("Followed by"))
}

async fn profile_of(app: &TestApp, igsid: &str) -> String {
    let id = app.customer(igsid).await["id"].as_i64().unwrap();
    console_page(app, &format!("/customers/{id}")).await
}

async fn fetched(app: &TestApp, igsid: &str, follows_business: bool) {
    app.eventually("the profile facts", || async {
        let facts = &app.customer(igsid).await["instagram"];
        facts["follows_business"].as_bool() == Some(follows_business)
    })
    .await;
}

async fn the_profile_lists_the_company_accounts(app: TestApp) {
    connect_business(&app, SECOND, "shop.two").await;
    app.sim.add_customer(IG_ID, maria(AT_SHOP, true, false));
    app.sim.add_customer(SECOND, maria(AT_TWO, false, true));

    // She writes to @shop: only @shop knows her so far.
    app.send(Event::text(AT_SHOP, "hi")).await;
    fetched(&app, AT_SHOP, true).await;
    let page = profile_of(&app, AT_SHOP).await;
    assert_eq!(lists(&page), ("@shop".into(), "None of yours".into()));
    assert!(
        page.contains("Unknown at 1 of your accounts (no message from them there yet)."),
        "{page}"
    );
    assert!(page.contains(
        r#"<details class="account-list" id="follows-accounts"><summary>1 of yours</summary>"#
    ));

    // @shop follows her back meanwhile; she writes to @shop.two (another IGSID, the
    // same username in another case): both accounts are asked.
    app.sim.add_customer(IG_ID, maria(AT_SHOP, true, true));
    let hello = Event::text(AT_TWO, "hello from me again");
    let status = app
        .sim
        .deliver(&Delivery::new(SECOND).push(hello))
        .await
        .unwrap();
    assert_eq!(status, 200);
    fetched(&app, AT_TWO, false).await;
    app.eventually("@shop's facts refreshed", || async {
        app.customer(AT_SHOP).await["instagram"]["business_follows"].as_bool() == Some(true)
    })
    .await;
    // The account the profile belongs to comes first.
    for (igsid, followed_by) in [(AT_SHOP, "@shop, @shop.two"), (AT_TWO, "@shop.two, @shop")] {
        let page = profile_of(&app, igsid).await;
        assert_eq!(
            lists(&page),
            ("@shop".into(), followed_by.into()),
            "{igsid}"
        );
        assert!(!page.contains("Unknown at"), "{page}");
    }

    // Every profile call asked for both facts.
    let calls = app.sim.calls();
    let asked: Vec<_> = calls
        .iter()
        .filter(|c| c.path == AT_SHOP || c.path == AT_TWO)
        .collect();
    assert!(asked
        .iter()
        .all(|c| c.query["fields"].contains("is_business_follow_user")));
}

#[tokio::test]
async fn the_profile_lists_the_company_accounts_on_sqlite() {
    the_profile_lists_the_company_accounts(start_sqlite().await).await;
}

#[tokio::test]
async fn the_profile_lists_the_company_accounts_on_postgres() {
    if std::env::var("IGDESK_TEST_POSTGRES_URL").is_err() {
        return;
    }
    the_profile_lists_the_company_accounts(start_postgres().await).await;
}

#[tokio::test]
async fn with_one_account_the_profile_says_follows_you() {
    let app = start_sqlite().await;
    app.sim.add_customer(IG_ID, maria(AT_SHOP, true, false));
    app.send(Event::text(AT_SHOP, "hi")).await;
    fetched(&app, AT_SHOP, true).await;
    let page = profile_of(&app, AT_SHOP).await;
    assert!(page.contains("<dt>Follows you</dt><dd>Yes</dd>"), "{page}");
    assert!(
        page.contains("<dt>You follow them</dt><dd>No</dd>"),
        "{page}"
    );
    assert!(!page.contains("account-list"));
}
