//! Meta access tokens at rest: sealed under a key derived from
//! `IGDESK_SECRET_KEY` with HKDF and bound to their account, and a store written by
//! an older igdesk (SHA-256 of the secret as the key, nothing bound) sealed again at
//! start-up, once; the API's webhook signing secrets too. Real SQLite and PostgreSQL;
//! the old format is made here the way the old code made it, not through igdesk.

mod common;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::ChaCha20Poly1305;
use common::{start_postgres, start_sqlite, TestApp, IG_ID, PAGE_TOKEN, SECRET_KEY};
use igdesk::accounts::{connect, Connection};
use igdesk_domain::ConversationSettings;
use igdesk_store::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

const OTHER_IG_ID: &str = "17841400000000002";

/// What igdesk wrote before: `v1:` + hex(nonce ‖ ChaCha20-Poly1305 under SHA-256 of
/// the secret, no associated data).
fn old_format(secret: &str, token: &str) -> String {
    let cipher = ChaCha20Poly1305::new(&Sha256::digest(secret.as_bytes()));
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut blob = nonce.to_vec();
    blob.extend(cipher.encrypt(&nonce, token.as_bytes()).unwrap());
    format!("v1:{}", hex::encode(blob))
}

async fn sealed_of(store: &dyn Store, ig_id: &str) -> (igdesk_domain::AccountId, String) {
    store
        .account_sealed_tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|(_, id, _)| id == ig_id)
        .map(|(id, _, sealed)| (id, sealed))
        .expect("the account")
}

async fn tokens_are_bound_and_old_ones_sealed_again(app: TestApp) {
    let store = app.running.app.store.clone();
    let sealer = app.running.app.sealer.clone();
    connect(
        store.as_ref(),
        &sealer,
        Connection {
            ig_id: OTHER_IG_ID.into(),
            page_id: "100000000000002".into(),
            page_name: "Other".into(),
            username: "other".into(),
            login_path: "facebook".into(),
            token: SecretString::from("EAAB-other-token".to_owned()),
            added_by: "test".into(),
            settings: ConversationSettings::default(),
        },
    )
    .await
    .unwrap();

    // A's sealed token copied into B's row does not open as B's.
    let (a_id, a_sealed) = sealed_of(store.as_ref(), IG_ID).await;
    let (b_id, b_sealed) = sealed_of(store.as_ref(), OTHER_IG_ID).await;
    assert!(a_sealed.starts_with("v2:"), "{a_sealed}");
    assert_eq!(
        store
            .replace_sealed_tokens(&[(b_id, b_sealed.clone(), a_sealed.clone())])
            .await
            .unwrap(),
        1
    );
    let b = store.account_by_ig_id(OTHER_IG_ID).await.unwrap().unwrap();
    assert_eq!(b.token_sealed, a_sealed);
    assert!(
        app.running.app.auth_for(&b).is_err(),
        "A's token opened as B's"
    );
    let a = store.account_by_ig_id(IG_ID).await.unwrap().unwrap();
    assert_eq!(
        app.running.app.auth_for(&a).unwrap().token.expose_secret(),
        PAGE_TOKEN
    );
    store
        .replace_sealed_tokens(&[(b_id, a_sealed.clone(), b_sealed.clone())])
        .await
        .unwrap();

    // A store from before: A's token in the old format.
    let old = old_format(SECRET_KEY, PAGE_TOKEN);
    store
        .replace_sealed_tokens(&[(a_id, a_sealed, old.clone())])
        .await
        .unwrap();
    let mut settings = (*app.running.app.settings).clone();
    let addr = app.running.addr;
    let running = app.running;
    running.stop().await.unwrap();

    // The wrong key: the start stops, naming the setting, and the store is left as
    // it was.
    let right_key = settings.secret_key.clone();
    settings.secret_key = SecretString::from("a-different-secret-key-0123456789ab".to_owned());
    let listener = TcpListener::bind(addr).await.unwrap();
    let err = igdesk::server::start(settings.clone(), Some(listener))
        .await
        .err()
        .expect("a wrong key stops the start");
    assert!(format!("{err:#}").contains("IGDESK_SECRET_KEY"), "{err:#}");
    let reopened = igdesk_store::connect(&settings.database_url).await.unwrap();
    assert_eq!(sealed_of(&reopened, IG_ID).await.1, old);

    // The right key: sealed again in the new format, bound to A, still the token.
    settings.secret_key = right_key;
    let listener = TcpListener::bind(addr).await.unwrap();
    let running = igdesk::server::start(settings.clone(), Some(listener))
        .await
        .unwrap();
    let (_, now_sealed) = sealed_of(running.app.store.as_ref(), IG_ID).await;
    assert!(now_sealed.starts_with("v2:"), "{now_sealed}");
    assert_eq!(
        running
            .app
            .sealer
            .unseal_token(IG_ID, &now_sealed)
            .unwrap()
            .expose_secret(),
        PAGE_TOKEN
    );
    assert!(running
        .app
        .sealer
        .unseal_token(OTHER_IG_ID, &now_sealed)
        .is_err());
    // B's, already new, untouched.
    assert_eq!(
        sealed_of(running.app.store.as_ref(), OTHER_IG_ID).await.1,
        b_sealed
    );
    running.stop().await.unwrap();

    // Once: a later start changes nothing.
    let listener = TcpListener::bind(addr).await.unwrap();
    let running = igdesk::server::start(settings, Some(listener))
        .await
        .unwrap();
    assert_eq!(
        sealed_of(running.app.store.as_ref(), IG_ID).await.1,
        now_sealed
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn tokens_are_bound_and_old_ones_sealed_again_sqlite() {
    tokens_are_bound_and_old_ones_sealed_again(start_sqlite().await).await;
}

#[tokio::test]
async fn tokens_are_bound_and_old_ones_sealed_again_postgres() {
    tokens_are_bound_and_old_ones_sealed_again(start_postgres().await).await;
}

/// The Business Messaging API's webhook signing secret, stored by an older igdesk, is
/// sealed again at start-up (once) and is still the same secret.
async fn old_webhook_secrets_are_sealed_again(app: TestApp) {
    let receiver = common::api::Receiver::start().await;
    let secret = common::api::enable_api(&app, &receiver, "agents").await;
    let store = app.running.app.store.clone();
    let (account, current) = store.api_sealed_secrets().await.unwrap().remove(0);
    assert!(current.starts_with("v2:"), "{current}");
    let old = old_format(SECRET_KEY, &secret);
    assert_eq!(
        store
            .replace_api_sealed_secrets(&[(account, current, old.clone())])
            .await
            .unwrap(),
        1
    );

    let app = app.restart().await;
    let (_, resealed) = app.running.app.store.api_sealed_secrets().await.unwrap()[0].clone();
    assert!(resealed.starts_with("v2:"), "{resealed}");
    assert_eq!(
        app.running
            .app
            .sealer
            .unseal(&resealed)
            .unwrap()
            .expose_secret(),
        secret
    );
    let app = app.restart().await;
    assert_eq!(
        app.running.app.store.api_sealed_secrets().await.unwrap()[0].1,
        resealed,
        "sealed again only once"
    );
}

#[tokio::test]
async fn old_webhook_secrets_are_sealed_again_sqlite() {
    old_webhook_secrets_are_sealed_again(start_sqlite().await).await;
}

#[tokio::test]
async fn old_webhook_secrets_are_sealed_again_postgres() {
    old_webhook_secrets_are_sealed_again(start_postgres().await).await;
}
