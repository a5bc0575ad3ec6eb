//! `GET /api/v1/openapi.json`: the API's description (OpenAPI 3.1), generated from the
//! handlers' `#[utoipa::path]` annotations and the types they take and answer, and from
//! the same list of routes that serves them (`http::api`).

use super::constraints::{self, operations};
use super::error::ApiError;
use super::session::COOKIE;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// Where the API is served.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "igdesk",
        description = "igdesk's HTTP API: customers and their timelines, replies, comment \
            moderation, routing and the live stream, topics, configuration, agents and tokens.\n\n\
            Call it with `Authorization: Bearer <agent token>`, or with the console's session \
            cookie; a write made with the cookie also sends the session's `X-CSRF-Token`. \
            Every refusal is a JSON `ApiError`. A body that is not the documented JSON is \
            400 `invalid_body` (413 `body_too_large` over what the endpoint takes), a query \
            string that is not the documented parameters 400 `invalid_parameter`. Numbers \
            are JSON's: `2.0` is the integer 2. Lengths count characters, of text trimmed of \
            surrounding whitespace where the field says so."
    ),
    tags(
        (name = "session", description = "Signing in to the console"),
        (name = "customers", description = "Profiles, timelines and replies"),
        (name = "timeline", description = "Acting on timeline items: likes, comment moderation, No Reply Needed"),
        (name = "conversations", description = "Messaging sessions"),
        (name = "routing", description = "The agent's availability, Next and offers"),
        (name = "live", description = "The agent's live stream"),
        (name = "configuration", description = "Inboxes and connected accounts (administrators)"),
        (name = "agents", description = "Agents, their inboxes and capacity (administrators)"),
        (name = "topics", description = "Topics and the conversations they classify"),
        (name = "labels", description = "Labels on customers, to sort people and filter work by"),
        (name = "answers", description = "Saved answers agents insert in their replies"),
        (name = "automatic replies", description = "Business hours per inbox and the rules igdesk answers by itself (administrators)"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "dashboard", description = "The operations dashboard's figures"),
        (name = "intake", description = "What came in from Meta (administrators)"),
        (name = "api", description = "This description"),
    ),
    components(schemas(ApiError)),
    modifiers(&Schemes)
)]
struct ApiDoc;

/// The ways to prove who is calling (`http::auth`).
struct Schemes;

impl Modify for Schemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An agent token, printed once by `igdesk agent add`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE,
                "The console's session, set by `POST /api/v1/session`",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's `csrf_token`: writes made with the session cookie send it",
            ))),
        );
    }
}

/// The whole description, with full paths, as served.
pub fn document() -> Value {
    let (_, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(PREFIX, super::api())
        .split_for_parts();
    secure(&mut doc);
    let mut json = serde_json::to_value(&doc).expect("an OpenAPI document is JSON");
    name_millis(&mut json);
    constraints::apply(&mut json);
    reading_refusals(&mut json);
    super::links::apply(&mut json);
    json
}

/// This description.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "api",
    security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn openapi_json() -> impl IntoResponse {
    // Built once: it only changes with the code.
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| document().to_string());
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}

/// Who may call each operation, from the rule the `Caller` extractor applies to every
/// handler that takes it: a bearer token, or the session cookie — which, for a method
/// that writes, must come with the session's CSRF token. Said once here rather than on
/// every handler; an operation that says its own `security` (a public one says
/// `security(())`) keeps it. The refusals the rule brings are added when a handler does
/// not describe them itself (administrators' endpoints add why else 403).
fn secure(doc: &mut Document) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.options, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            let Some(operation) = operation else { continue };
            if operation.security.is_none() {
                require_caller(operation, writes);
            }
        }
    }
}

fn require_caller(operation: &mut Operation, writes: bool) {
    let none = Vec::<String>::new;
    let cookie = if writes {
        SecurityRequirement::new("session", none()).add("csrf", none())
    } else {
        SecurityRequirement::new("session", none())
    };
    operation.security = Some(vec![SecurityRequirement::new("bearer", none()), cookie]);
    let responses = &mut operation.responses.responses;
    responses
        .entry("401".into())
        .or_insert_with(|| refusal("No valid bearer token or session cookie (`unauthorized`)"));
    if writes {
        responses.entry("403".into()).or_insert_with(|| {
            refusal("A write made with the session cookie without its X-CSRF-Token (`csrf`)")
        });
    }
}

fn refusal(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ApiError"))),
        )
        .build()
        .into()
}

/// The refusals of the extractors (`api::extract`), for every operation that reads
/// what they read: a JSON body (400 `invalid_body`, 413 `body_too_large`), a query
/// string (400 `invalid_parameter`). Said once here; where a handler describes its own
/// 400, the reading refusal is added to its words.
fn reading_refusals(doc: &mut Value) {
    for op in operations(doc) {
        let takes_body = op.get("requestBody").is_some();
        let takes_json = op
            .pointer("/requestBody/content/application~1json")
            .is_some();
        let takes_query = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        let responses = &mut op["responses"];
        if takes_json {
            add_refusal(
                responses,
                "400",
                "invalid_body",
                "a body that is not the documented JSON (`invalid_body`)",
            );
        }
        if takes_body {
            add_refusal(
                responses,
                "413",
                "body_too_large",
                "a body over what this endpoint takes (`body_too_large`)",
            );
        }
        if takes_query {
            add_refusal(
                responses,
                "400",
                "invalid_parameter",
                "a query string that is not the documented parameters (`invalid_parameter`)",
            );
        }
    }
}

/// `status` refuses, for the reason in `words` too; `mark`, when the description
/// says it already, means it is said.
fn add_refusal(responses: &mut Value, status: &str, mark: &str, words: &str) {
    match responses.get_mut(status) {
        Some(response) => {
            let description = response["description"].as_str().unwrap_or_default();
            if !description.contains(mark) {
                response["description"] = format!("{description}; or {words}").into();
            }
        }
        None => {
            let mut chars = words.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            let described = format!("{}{}", first.unwrap_or_default(), chars.as_str());
            responses[status] =
                serde_json::to_value(refusal(&described)).expect("a response is JSON");
        }
    }
}

/// Timestamps are `Millis`, an alias of `i64`, which utoipa describes as a component
/// named `i64` (the only one: other integers are described in place). It gets the name
/// and meaning it has in the code.
fn name_millis(doc: &mut Value) {
    const FROM: &str = "#/components/schemas/i64";
    const TO: &str = "#/components/schemas/Millis";
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(mut millis) = schemas.remove("i64") else {
        return;
    };
    millis["description"] = "Unix time in milliseconds".into();
    schemas.insert("Millis".into(), millis);
    rename_refs(doc, FROM, TO);
}

fn rename_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref" && value == from {
                    *value = to.into();
                } else {
                    rename_refs(value, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, from, to)),
        _ => {}
    }
}
