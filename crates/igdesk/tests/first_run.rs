//! From a fresh igdesk to a connected, subscribed account and a working agent
//! without the command line (issue "Settings …", done when): the first
//! administrator from the setup link, Instagram connected from Settings through
//! Meta's dialog (the simulator's), an agent added who then signs in. Real HTTP,
//! as a browser without scripts would do it.

mod common;

use common::{settings, start_simulator, IG_ID};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// A browser without scripts: follows nothing by itself, keeps its session cookie.
struct Browser {
    http: reqwest::Client,
    url: String,
    cookie: std::sync::Mutex<Option<String>>,
}

impl Browser {
    fn new(url: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            url: url.to_owned(),
            cookie: std::sync::Mutex::new(None),
        }
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.cookie.lock().unwrap().clone() {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
    }

    async fn answer(&self, r: reqwest::Response) -> (u16, String, Option<String>) {
        if let Some(set) = r.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            *self.cookie.lock().unwrap() = Some(pair);
        }
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (r.status().as_u16(), r.text().await.unwrap(), location)
    }

    async fn get(&self, path: &str) -> (u16, String, Option<String>) {
        let r = self
            .with_cookie(self.http.get(format!("{}{path}", self.url)))
            .send()
            .await
            .unwrap();
        self.answer(r).await
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = self
            .with_cookie(self.http.post(url).form(form))
            .send()
            .await
            .unwrap();
        self.answer(r).await
    }
}

/// The page's CSRF token, as its forms carry it.
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_fresh_igdesk_is_set_up_in_the_browser_alone() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (sim, igs_url) = start_simulator(format!("http://{addr}/webhooks/instagram")).await;
    let url = igdesk_store::testing::sqlite_url(dir.path());
    let running = igdesk::server::start(settings(url, addr.to_string(), &igs_url), Some(listener))
        .await
        .unwrap();
    let base = running.url();
    let browser = Browser::new(&base);
    let token = running.app.setup_token.to_string();

    // Nobody can sign in: the sign-in page says where to go; only this run's link works.
    let (_, sign_in, _) = browser.get("/").await;
    assert!(sign_in.contains("No one can sign in yet"), "{sign_in}");
    assert_eq!(browser.get("/setup?token=guessed").await.0, 403);
    let (status, page, _) = browser.get(&format!("/setup?token={token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Create administrator"));

    // A refused form names its fields and keeps what was typed.
    let setup = format!("{base}/setup");
    let (status, page, _) = browser
        .post(
            &setup,
            &[
                ("token", &token),
                ("name", "Lia"),
                ("email", "lia"),
                ("password", "short"),
                ("repeat", "other"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    for message in [
        "Enter an email address",
        "at least 8",
        "The two passwords differ",
    ] {
        assert!(
            page.to_lowercase().contains(&message.to_lowercase()),
            "{message}: {page}"
        );
    }
    assert!(page.contains("value=\"Lia\""));
    let (status, _, location) = browser
        .post(
            &setup,
            &[
                ("token", &token),
                ("name", "Lia Owner"),
                ("email", "lia@example.com"),
                ("password", "a good password"),
                ("repeat", "a good password"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/settings/accounts"))
    );
    // The link is spent: it leads to the sign-in form now.
    assert_eq!(
        browser
            .get(&format!("/setup?token={token}"))
            .await
            .2
            .as_deref(),
        Some("/")
    );

    // Settings › Instagram accounts: Add Instagram account, Meta's dialog, pick.
    let (status, page, _) = browser.get("/settings/accounts").await;
    assert_eq!(status, 200, "{page}");
    let form_csrf = csrf(&page);
    let (status, _, dialog) = browser
        .post(
            &format!("{base}/settings/accounts/connect"),
            &[("csrf", &form_csrf), ("login", "facebook")],
        )
        .await;
    assert_eq!(status, 303);
    let dialog = reqwest::Url::parse(&dialog.unwrap()).unwrap();
    let mut answer: Vec<(String, String)> = dialog.query_pairs().into_owned().collect();
    answer.push(("decision".into(), "continue".into()));
    let mut form_url = dialog.clone();
    form_url.set_query(None);
    let back = browser
        .http
        .post(form_url)
        .form(&answer)
        .send()
        .await
        .unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let (status, _, found) = browser.get(&callback.replace(&base, "")).await;
    assert_eq!(status, 303);
    let found = found.unwrap();
    let (status, page, _) = browser.get(&found).await;
    assert_eq!(status, 200);
    assert!(page.contains("@shop"), "{page}");
    let pick = format!("pick-{IG_ID}");
    let (status, _, location) = browser
        .post(
            &format!("{base}{found}"),
            &[("csrf", &form_csrf), (&pick, "on")],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/settings/accounts?connected=1"))
    );
    let (_, page, _) = browser.get("/settings/accounts?connected=1").await;
    assert!(
        page.contains("Subscribed") && page.contains("Lia Owner"),
        "{page}"
    );
    assert!(sim.subscription(IG_ID).subscribed);

    // An agent, added by the administrator, signs in.
    let added = browser
        .with_cookie(browser.http.post(format!("{base}/api/v1/agents")))
        .header("X-CSRF-Token", &form_csrf)
        .json(&json!({ "email": "ana@example.com", "name": "Ana", "password": "another good one", "inboxes": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201, "{:?}", added.text().await);
    let ana = Browser::new(&base);
    let (status, _, location) = ana
        .post(
            &format!("{base}/sign-in"),
            &[
                ("email", "ana@example.com"),
                ("password", "another good one"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/desk")));
    let (_, me, _) = ana.get("/api/v1/me").await;
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["name"], "Ana");
    running.stop().await.unwrap();
}
