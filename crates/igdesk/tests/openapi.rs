//! `GET /api/v1/openapi.json`: the API describes itself, every endpoint it serves is in
//! the description, and every documented endpoint is served.

mod common;

use common::*;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

/// The methods an operation can be documented under, as the document names them.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

/// Every (METHOD, path) the document describes.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// A concrete URL for a templated path: any id will do to find the route.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('1');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The router's own "no such route" (the fallback), as opposed to an endpoint's 404 for
/// an unknown id.
fn is_no_route(status: u16, body: &str) -> bool {
    status == 404
        && serde_json::from_str::<Value>(body)
            .is_ok_and(|b| b["code"] == "not_found" && b["message"] == "no such route")
}

#[tokio::test]
async fn the_description_is_served_as_openapi_3() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "igdesk");
    assert!(doc["info"]["version"].is_string());
    let error = &doc["components"]["schemas"]["ApiError"];
    assert!(error["properties"]["code"].is_object(), "{error}");
    assert!(error["properties"]["message"].is_object(), "{error}");
    assert!(error["properties"]["field"].is_object(), "{error}");
    for scheme in ["bearer", "session", "csrf"] {
        assert!(
            doc["components"]["securitySchemes"][scheme].is_object(),
            "no security scheme {scheme}"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_served_and_no_other_method_is() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    assert!(ops.len() > 30, "only {} operations", ops.len());
    for (method, path, _) in &ops {
        assert!(path.starts_with("/api/v1/"), "{path}");
        // Without credentials: endpoints refuse (401) or read a body they are not given
        // before doing anything, so probing changes nothing.
        let response = app
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{}", app.url, concrete(path)),
            )
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!(
            status != 405 && !is_no_route(status, &body),
            "{method} {path} is documented but not served: {status} {body}"
        );
    }
    // The other way round, for the paths the router knows: a method the document does
    // not name for a path is not served there.
    let documented: BTreeSet<(String, String)> =
        ops.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let paths: BTreeSet<&String> = ops.iter().map(|(_, p, _)| p).collect();
    for path in paths {
        for method in METHODS.map(str::to_uppercase) {
            if documented.contains(&(method.clone(), path.clone())) {
                continue;
            }
            let response = app
                .http
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{}", app.url, concrete(path)),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                405,
                "{method} {path} is served but not documented"
            );
        }
    }
}

#[tokio::test]
async fn the_endpoints_clients_rely_on_are_described() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let expected = [
        ("POST", "/api/v1/session"),
        ("GET", "/api/v1/session"),
        ("DELETE", "/api/v1/session"),
        ("GET", "/api/v1/customers"),
        ("GET", "/api/v1/customers/{id}"),
        ("PATCH", "/api/v1/customers/{id}"),
        ("GET", "/api/v1/customers/{id}/timeline"),
        ("POST", "/api/v1/customers/{id}/messages"),
        ("GET", "/api/v1/conversations"),
        ("POST", "/api/v1/conversations/{id}/close"),
        ("GET", "/api/v1/inboxes"),
        ("POST", "/api/v1/inboxes"),
        ("GET", "/api/v1/inboxes/{id}/sla"),
        ("GET", "/api/v1/dashboard"),
        ("GET", "/api/v1/accounts"),
        ("POST", "/api/v1/accounts/connect"),
        ("GET", "/api/v1/accounts/connect/{state}"),
        ("POST", "/api/v1/accounts/connect/{state}"),
        ("POST", "/api/v1/accounts/{id}/reconnect"),
        ("POST", "/api/v1/accounts/{id}/subscription"),
        ("DELETE", "/api/v1/accounts/{id}"),
        ("PUT", "/api/v1/accounts/{id}/inbox"),
        ("PUT", "/api/v1/accounts/{id}/settings"),
        ("POST", "/api/v1/timeline/{item}/like"),
        ("DELETE", "/api/v1/timeline/{item}/like"),
        ("POST", "/api/v1/timeline/{item}/reply"),
        ("POST", "/api/v1/timeline/{item}/private-reply"),
        ("POST", "/api/v1/timeline/{item}/hide"),
        ("DELETE", "/api/v1/timeline/{item}"),
        ("POST", "/api/v1/timeline/{item}/no-reply-needed"),
        ("GET", "/api/v1/me"),
        ("PUT", "/api/v1/me/availability"),
        ("POST", "/api/v1/me/next"),
        ("GET", "/api/v1/offers"),
        ("POST", "/api/v1/offers/{id}/accept"),
        ("POST", "/api/v1/offers/{id}/decline"),
        ("GET", "/api/v1/events"),
        ("GET", "/api/v1/intake/stats"),
        ("GET", "/api/v1/intake/notes"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/{id}"),
        ("GET", "/api/v1/agents"),
        ("POST", "/api/v1/agents"),
        ("GET", "/api/v1/agents/{id}"),
        ("PATCH", "/api/v1/agents/{id}"),
        ("POST", "/api/v1/agents/{id}/deactivate"),
        ("POST", "/api/v1/agents/{id}/reactivate"),
        ("PUT", "/api/v1/agents/{id}/password"),
        ("PUT", "/api/v1/me/password"),
        ("GET", "/api/v1/accounts/{id}/product-tokens"),
        ("POST", "/api/v1/accounts/{id}/product-tokens"),
        ("DELETE", "/api/v1/accounts/{id}/product-tokens/{token_id}"),
        ("PATCH", "/api/v1/inboxes/{id}"),
        ("GET", "/api/v1/topics"),
        ("POST", "/api/v1/topics"),
        ("PUT", "/api/v1/conversations/{id}/topics"),
        ("GET", "/api/v1/search"),
        ("POST", "/api/v1/customers/{id}/notes"),
        ("PATCH", "/api/v1/notes/{id}"),
        ("DELETE", "/api/v1/notes/{id}"),
        ("POST", "/api/v1/conversations/{id}/transfer"),
        ("GET", "/api/v1/conversations/{id}/transfer-targets"),
        ("GET", "/api/v1/customers/{id}/transfers"),
        ("GET", "/api/v1/answers"),
        ("POST", "/api/v1/answers"),
        ("PATCH", "/api/v1/answers/{id}"),
        ("DELETE", "/api/v1/answers/{id}"),
        ("POST", "/api/v1/answers/{id}/uses"),
        ("GET", "/api/v1/labels"),
        ("PUT", "/api/v1/customers/{id}/labels"),
        ("POST", "/api/v1/customers/{id}/labels/{label}"),
        ("DELETE", "/api/v1/customers/{id}/labels/{label}"),
        ("POST", "/api/v1/conversations/{id}/assign"),
        ("POST", "/api/v1/customers/{id}/merge"),
    ];
    for (method, path) in expected {
        assert!(
            documented.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} is not described"
        );
    }
}

#[tokio::test]
async fn every_operation_says_who_may_call_it_and_how_it_refuses() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    // Nothing to refuse: the description itself, and signing out (which answers alike
    // with or without a session).
    let never_refused = [
        ("GET", "/api/v1/openapi.json"),
        ("DELETE", "/api/v1/session"),
    ];
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let name = format!("{method} {path}");
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            ids.insert(id.to_owned()),
            "{name}: operationId {id:?} again"
        );
        assert!(op["security"].is_array(), "{name}: no security");
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{name}: no tag"
        );
        for param in path.split('{').skip(1) {
            let param = param.split('}').next().unwrap();
            let declared = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == param && p["in"] == "path"));
            assert!(declared, "{name}: path parameter {param} not described");
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{name}: no success response"
        );
        let refusals: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(s, _)| s.starts_with('4'))
            .collect();
        if never_refused.contains(&(method.as_str(), path.as_str())) {
            continue;
        }
        assert!(!refusals.is_empty(), "{name}: no 4xx response");
        for (status, response) in refusals {
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ApiError",
                "{name}: {status} does not answer an ApiError"
            );
        }
    }
}

#[tokio::test]
async fn every_schema_the_description_names_is_in_it() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{reference} is named but not described"
        );
    }
}

fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.insert(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// A request a handler cannot read, and how it is refused.
struct Unreadable {
    method: Method,
    url: &'static str,
    /// The path as the document names it.
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

/// What a handler cannot read is refused in the API's own shape (JSON, `code`), with
/// a status the description gives for that operation.
#[tokio::test]
async fn requests_that_cannot_be_read_are_refused_as_described() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    let json = Some("application/json");
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let inboxes = |content_type, body: &[u8], status, code| Unreadable {
        method: Method::POST,
        url: "/api/v1/inboxes",
        path: "/api/v1/inboxes",
        content_type,
        body: body.to_vec(),
        status,
        code,
    };
    let cases = [
        inboxes(json, b"{", 400, "invalid_body"),
        inboxes(None, br#"{"name": "Sales"}"#, 400, "invalid_body"),
        // serde would read a struct from the array of its fields.
        inboxes(json, br#"["Sales"]"#, 400, "invalid_body"),
        inboxes(json, big.as_bytes(), 413, "body_too_large"),
        Unreadable {
            method: Method::GET,
            url: "/api/v1/dashboard?inbox=x",
            path: "/api/v1/dashboard",
            content_type: None,
            body: Vec::new(),
            status: 400,
            code: "invalid_parameter",
        },
        Unreadable {
            method: Method::GET,
            url: "/api/v1/inboxes/1/sla?until=5",
            path: "/api/v1/inboxes/{id}/sla",
            content_type: None,
            body: Vec::new(),
            status: 400,
            code: "invalid_parameter",
        },
        Unreadable {
            method: Method::POST,
            url: "/api/v1/conversations/1/close",
            path: "/api/v1/conversations/{id}/close",
            content_type: Some("text/plain"),
            body: b"next".to_vec(),
            status: 400,
            code: "invalid_body",
        },
    ];
    for case in cases {
        let name = format!("{} {}", case.method, case.url);
        let mut request = app
            .http
            .request(case.method.clone(), format!("{}{}", app.url, case.url))
            .bearer_auth(&app.token)
            .body(case.body);
        if let Some(content_type) = case.content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), case.status, "{name}");
        let is_json = response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json");
        assert!(is_json, "{name}: not JSON");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["code"], case.code, "{name}: {answer}");
        let described = &doc["paths"][case.path][case.method.as_str().to_lowercase()]["responses"]
            [case.status.to_string()];
        assert!(
            described.is_object(),
            "{name}: {} is not described",
            case.status
        );
        assert!(
            described["description"]
                .as_str()
                .unwrap()
                .contains(case.code),
            "{name}: {described}"
        );
    }
}

/// JSON has one kind of number: `120.0` is the integer 120 wherever an integer is
/// expected, as the description's `integer` says.
#[tokio::test]
async fn a_whole_number_with_a_fraction_is_an_integer() {
    let app = start_sqlite().await;
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let inbox = inboxes["data"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/inboxes/{inbox}");
    let (status, changed) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(serde_json::json!({"sla_target_seconds": 120.0})),
        )
        .await;
    assert_eq!(
        (status, &changed["sla_target_seconds"]),
        (200, &serde_json::json!(120))
    );
    let (status, refused) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(serde_json::json!({"sla_target_seconds": 120.5})),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("invalid_body"))
    );
}

/// Links lead from an answer to operations that exist, filling parameters those
/// operations have.
#[tokio::test]
async fn every_link_leads_to_a_described_operation() {
    let app = start_sqlite().await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    let by_id = |id: &str| {
        ops.iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .map(|(_, _, op)| *op)
    };
    let mut links = 0;
    for (method, path, op) in &ops {
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(found) = response["links"].as_object() else {
                continue;
            };
            for (name, link) in found {
                links += 1;
                let target = link["operationId"].as_str().unwrap();
                let target = by_id(target)
                    .unwrap_or_else(|| panic!("{method} {path} {status}: {name} leads nowhere"));
                for (parameter, expression) in link["parameters"].as_object().unwrap() {
                    let declared = target["parameters"]
                        .as_array()
                        .is_some_and(|ps| ps.iter().any(|p| p["name"] == *parameter));
                    assert!(
                        declared,
                        "{method} {path} {status}: {name} fills no {parameter}"
                    );
                    let expression = expression.as_str().unwrap();
                    assert!(
                        expression.starts_with("$response.body#/")
                            || expression.starts_with("$request.path."),
                        "{name}: {expression}"
                    );
                }
            }
        }
    }
    assert!(links > 50, "only {links} links");
}
