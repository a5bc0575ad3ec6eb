//! The client's requests, against a one-shot HTTP stub: igdesk_meta cannot use
//! the simulator (igdesk_igs) without a dependency between the two, which would
//! let a shared misreading of Meta's API hide on both sides.

use super::*;
use crate::errors::ErrorAction;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the stub received it.
pub(super) struct Seen {
    /// `POST /v22.0/100/pass_thread_control HTTP/1.1`
    pub(super) request_line: String,
    pub(super) authorization: Option<String>,
    pub(super) body: Value,
}

/// Answers one request with `status` and `answer`; the base URL and the request.
pub(super) async fn stub(status: u16, answer: Value) -> (String, tokio::task::JoinHandle<Seen>) {
    stub_with_headers(status, answer, "").await
}

/// [`stub`], its answer carrying `headers` (each line ending in `\r\n`).
async fn stub_with_headers(
    status: u16,
    answer: Value,
    headers: &'static str,
) -> (String, tokio::task::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        // Read up to the end of the headers, then the announced body.
        let head_end = loop {
            let n = socket.read(&mut buf).await.unwrap();
            raw.extend_from_slice(&buf[..n]);
            if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
        };
        let length: usize = header("content-length").map_or(0, |v| v.parse().unwrap());
        while raw.len() < head_end + length {
            let n = socket.read(&mut buf).await.unwrap();
            raw.extend_from_slice(&buf[..n]);
        }
        let text = answer.to_string();
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{text}",
            text.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        Seen {
            request_line: head.lines().next().unwrap_or_default().to_owned(),
            authorization: header("authorization"),
            body: serde_json::from_slice(&raw[head_end..]).unwrap_or(Value::Null),
        }
    });
    (base, handle)
}

pub(super) fn auth(login: LoginPath, node: &str) -> AccountAuth {
    AccountAuth {
        login,
        token: SecretString::from("T0KEN"),
        node: node.to_owned(),
    }
}

#[tokio::test]
async fn pass_thread_control_names_the_target_app_on_the_page() {
    let (base, seen) = stub(200, json!({"success": true})).await;
    let graph = HttpGraph::new(&base, "http://unused.invalid", "v22.0");
    let page = auth(LoginPath::Facebook, "100000000000001");
    graph
        .pass_thread_control(&page, "1000001", INSTAGRAM_INBOX_APP_ID, "vip")
        .await
        .unwrap();
    let seen = seen.await.unwrap();
    assert_eq!(
        seen.request_line,
        "POST /v22.0/100000000000001/pass_thread_control HTTP/1.1"
    );
    assert_eq!(seen.authorization.as_deref(), Some("Bearer T0KEN"));
    assert_eq!(
        seen.body,
        json!({"recipient": {"id": "1000001"}, "target_app_id": "1217981644879628", "metadata": "vip"})
    );
}

/// "hi" to 1000001 through a stub Graph at `base`.
async fn send_hi(base: &str) -> crate::graph::Sent {
    let graph = HttpGraph::new(base, "http://unused.invalid", "v22.0");
    graph
        .send_message(
            &auth(LoginPath::Facebook, "100"),
            &Recipient::Igsid("1000001".into()),
            &json!({"text": "hi"}),
            None,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sent_message_carries_the_usage_meta_reported() {
    let headers = "x-app-usage: {\"call_count\":12,\"total_cputime\":3,\"total_time\":4}\r\n\
                   x-business-use-case-usage: {\"100\":[{\"type\":\"instagram\",\"call_count\":83,\
                   \"total_cputime\":1,\"total_time\":1,\"estimated_time_to_regain_access\":0}]}\r\n\
                   x-ad-account-usage: not json\r\n";
    let answer = json!({"recipient_id": "1000001", "message_id": "m_1"});
    let (base, _seen) = stub_with_headers(200, answer, headers).await;
    let sent = send_hi(&base).await;
    assert_eq!(sent.mid, "m_1");
    assert_eq!(sent.usage.map(|u| u.percent), Some(83));

    // No headers: no reading (absence is not zero usage).
    let answer = json!({"recipient_id": "1000001", "message_id": "m_2"});
    let (base, _seen) = stub(200, answer).await;
    assert_eq!(send_hi(&base).await.usage, None);
}

#[tokio::test]
async fn take_thread_control_goes_to_the_instagram_host_there_and_decodes_errors() {
    let refusal = json!({"error": {"message": "No matching user found", "type": "OAuthException",
        "code": 100, "error_subcode": 2018001, "fbtrace_id": "A"}});
    let (base, seen) = stub(400, refusal).await;
    let graph = HttpGraph::new("http://unused.invalid", &base, "v22.0");
    let account = auth(LoginPath::Instagram, "17841400000000001");
    let error = graph
        .take_thread_control(&account, "9999999", "")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GraphError::Meta {
                http_status: 400,
                code: 100,
                subcode: Some(2018001),
                ..
            }
        ),
        "{error:?}"
    );
    let seen = seen.await.unwrap();
    assert_eq!(
        seen.request_line,
        "POST /v22.0/17841400000000001/take_thread_control HTTP/1.1"
    );
    assert_eq!(
        seen.body,
        json!({"recipient": {"id": "9999999"}}),
        "no empty metadata"
    );
}

/// A base URL nothing listens on: every call fails before Meta answers.
async fn closed_base() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}

/// The text a failed call would leave in logs and in the jobs table.
fn assert_no_secret(error: &GraphError, secrets: &[&str]) {
    let text = format!("{error} {error:?}");
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} in: {text}");
    }
    for url_part in ["http://", "127.0.0.1", "access_token", "?"] {
        assert!(!text.contains(url_part), "{url_part} in: {text}");
    }
}

#[tokio::test]
async fn transport_errors_name_neither_the_url_nor_the_token() {
    let base = closed_base().await;
    let graph = HttpGraph::new(&base, &base, "v22.0");
    let secret = SecretString::from("IGQV-secret-token");
    let account = AccountAuth {
        login: LoginPath::Instagram,
        token: secret.clone(),
        node: "17841400000000001".into(),
    };
    let errors = [
        graph.user_profile(&account, "1000001").await.unwrap_err(),
        graph
            .send_message(
                &account,
                &Recipient::Igsid("1000001".into()),
                &json!({"text": "hi"}),
                None,
            )
            .await
            .unwrap_err(),
        graph.thread_with(&account, "1000001").await.unwrap_err(),
        // The one call with its token in the query.
        graph.refresh_instagram_token(&secret).await.unwrap_err(),
    ];
    for error in &errors {
        assert!(matches!(error, GraphError::Transport(_)), "{error:?}");
        assert_eq!(error.action(), ErrorAction::RetryLater);
        assert_no_secret(error, &["IGQV-secret-token"]);
        // What went wrong is still said.
        assert!(
            error.to_string().contains("error sending request"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn tokens_go_as_a_bearer_and_never_come_back_in_an_error() {
    // A proxy's error page that quotes the request, token included.
    let echo = Value::String("bad gateway: GET /v22.0/1000001?access_token=T0KEN".into());
    let (base, seen) = stub(502, echo).await;
    let graph = HttpGraph::new(&base, "http://unused.invalid", "v22.0");
    let error = graph
        .user_profile(&auth(LoginPath::Facebook, "100000000000001"), "1000001")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GraphError::Meta {
                http_status: 502,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains("T0KEN"), "{error}");
    let seen = seen.await.unwrap();
    assert!(seen.request_line.starts_with("GET /v22.0/1000001?fields="));
    assert!(
        !seen.request_line.contains("T0KEN"),
        "{}",
        seen.request_line
    );
    assert_eq!(seen.authorization.as_deref(), Some("Bearer T0KEN"));
}

#[tokio::test]
async fn login_errors_keep_the_app_secret_and_the_code_out() {
    let base = closed_base().await;
    let login = crate::login::HttpLogin::new(crate::login::LoginHosts {
        facebook_www: base.clone(),
        facebook_graph: base.clone(),
        instagram_www: base.clone(),
        instagram_api: base.clone(),
        instagram_graph: base,
        version: "v22.0".into(),
    });
    let secret = SecretString::from("app-secret-123");
    let app = crate::login::App {
        id: "42",
        secret: &secret,
        redirect_uri: "https://desk.example/connect",
    };
    let error = login.facebook_pages(&app, "code-456").await.unwrap_err();
    assert_no_secret(&error, &["app-secret-123", "code-456"]);
    let error = login.instagram_account(&app, "code-456").await.unwrap_err();
    assert_no_secret(&error, &["app-secret-123", "code-456"]);
}
