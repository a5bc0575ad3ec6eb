//! The Conversations API (meta-instagram-api.md §8), used to import history:
//! `GET /{node}/conversations?platform=instagram[&user_id=…]&fields=…`, and
//! `GET /{conversation}` and `GET /{message}` with `fields`.
//!
//! Threads hold test-given history ([`crate::Simulator::add_history`]), DMs and
//! echoes delivered through the simulator, and the messages the Send API
//! accepted. As on Meta, messages come newest first and only the 20 newest of a
//! thread are returned or readable; each account may make 2 calls per second
//! (code 4 beyond). Without `platform=instagram`, graph.facebook.com lists the
//! Page's Messenger conversations: none here.
//!
//! The list is paged as Graph pages edges: `limit` threads a page (25 unless
//! asked), most recently updated first, with `paging.cursors.before/after` and a
//! `paging.next` URL while more threads follow; `after=<cursor>` continues. A
//! cursor names the last thread seen by its update time and id, so a thread that
//! moves to the top meanwhile is not listed twice and none is skipped.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::fields::Fields;
use super::{usage, GraphError, GraphRequest};
use crate::ids;
use crate::sim::limits::Lane;
use crate::sim::world::Thread;
use crate::sim::{BusinessAccount, HistoryAttachment, HistoryMessage, Simulator, State};

/// Meta returns details for the 20 most recent messages of a conversation.
const MESSAGES_MAX: usize = 20;
/// Graph's page size when no `limit` is given.
const PAGE_DEFAULT: usize = 25;
/// The largest page this simulator gives; Meta does not publish its own.
const PAGE_MAX: usize = 100;

pub(crate) fn list(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    let usage = admit(sim, request, &business)?;
    let params = request.params()?;
    let platform = params.str("platform");
    let instagram = match platform.as_deref() {
        Some(platform) => platform == "instagram",
        None => request.host_api() == super::Api::Instagram,
    };
    let fields = Fields::parse(params.str("fields").as_deref().unwrap_or("id,updated_time"));
    let user = params.str("user_id");
    let limit = match params.str("limit") {
        None => PAGE_DEFAULT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => n.min(PAGE_MAX),
            _ => return Err(GraphError::param("Param limit must be a positive integer")),
        },
    };
    let after = match params.str("after") {
        None => None,
        Some(cursor) => Some(
            Cursor::parse(&cursor)
                .ok_or_else(|| GraphError::param("Param after is not a valid cursor"))?,
        ),
    };
    let mut state = sim.state();
    if crate::sim::conversations_fail(&mut state.fault) {
        return Err(GraphError::unexpected());
    }
    let mut threads: Vec<(&String, &Thread)> = state
        .world
        .threads
        .iter()
        .filter(|((owner, igsid), _)| {
            instagram && *owner == business.ig_id && user.as_ref().is_none_or(|u| u == igsid)
        })
        .map(|((_, igsid), thread)| (igsid, thread))
        .filter(|(_, thread)| after.as_ref().is_none_or(|c| c.precedes(thread)))
        .collect();
    threads.sort_by(|(_, a), (_, b)| Cursor::of(b).cmp(&Cursor::of(a)));
    let more = threads.len() > limit;
    threads.truncate(limit);
    let view = View {
        state: &state,
        business: &business,
    };
    let data: Vec<Value> = threads
        .iter()
        .map(|(igsid, thread)| view.conversation(igsid, thread, &fields))
        .collect();
    let mut body = json!({ "data": data });
    if let (Some((_, first)), Some((_, last))) = (threads.first(), threads.last()) {
        let after = Cursor::of(last).text();
        let mut paging = json!({
            "cursors": { "before": Cursor::of(first).text(), "after": after },
        });
        if more {
            paging["next"] = json!(next_url(request, &after));
        }
        body["paging"] = paging;
    }
    Ok(usage::attach(Json(body).into_response(), &usage))
}

/// Where a thread stands in the list: its last update, then its id (both
/// descending). As text, hex of `{updated_ms}:{id}`: opaque, as Meta's are.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Cursor {
    updated_ms: i64,
    id: String,
}

impl Cursor {
    fn of(thread: &Thread) -> Cursor {
        Cursor {
            updated_ms: thread.updated_ms(),
            id: thread.id.clone(),
        }
    }

    fn text(&self) -> String {
        hex::encode(format!("{}:{}", self.updated_ms, self.id))
    }

    fn parse(text: &str) -> Option<Cursor> {
        let plain = String::from_utf8(hex::decode(text).ok()?).ok()?;
        let (updated, id) = plain.split_once(':')?;
        Some(Cursor {
            updated_ms: updated.parse().ok()?,
            id: id.to_owned(),
        })
    }

    /// Whether `thread` comes after this cursor in the list.
    fn precedes(&self, thread: &Thread) -> bool {
        Cursor::of(thread) < *self
    }
}

/// The next page's URL, as Meta gives it: the same call on Meta's host, with
/// `after` set.
fn next_url(request: &GraphRequest, after: &str) -> String {
    let mut query = request.query.clone();
    query.remove("before");
    query.insert("after".into(), after.into());
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let version = if request.version.is_empty() {
        String::new()
    } else {
        format!("/{}", request.version)
    };
    format!(
        "https://{}{version}/{}?{}",
        request.host,
        request.segments.join("/"),
        query.join("&")
    )
}

/// Percent-encodes a query component (unreserved characters stay).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `GET /{id}` when `id` is a conversation or a message of this business;
/// `None` lets the caller treat it as an IGSID (the profile API).
pub(crate) fn lookup(
    sim: &Simulator,
    request: &GraphRequest,
    id: &str,
) -> Option<Result<Response, GraphError>> {
    let business = request.business(sim).ok()?;
    let igsid = sim
        .state()
        .world
        .thread_customer(&business.ig_id, id)?
        .to_owned();
    Some(read_one(sim, request, &business, &igsid, id))
}

fn read_one(
    sim: &Simulator,
    request: &GraphRequest,
    business: &BusinessAccount,
    igsid: &str,
    id: &str,
) -> Result<Response, GraphError> {
    let usage = admit(sim, request, business)?;
    let fields = request.params()?.str("fields");
    let state = sim.state();
    let key = (business.ig_id.clone(), igsid.to_owned());
    let thread = state
        .world
        .threads
        .get(&key)
        .ok_or_else(|| GraphError::no_such_object("GET", id))?;
    let view = View {
        state: &state,
        business,
    };
    let body = if thread.id == id {
        let fields = Fields::parse(fields.as_deref().unwrap_or("id,updated_time"));
        view.conversation(igsid, thread, &fields)
    } else {
        let newest = thread.newest(MESSAGES_MAX);
        let message = newest
            .into_iter()
            .find(|m| m.mid.as_deref() == Some(id))
            .ok_or_else(|| {
                GraphError::message_unavailable(
                    "only the 20 most recent messages of a conversation can be read",
                )
            })?;
        let fields = Fields::parse(fields.as_deref().unwrap_or("id,created_time"));
        let names: Vec<String> = fields.0.into_iter().map(|f| f.name).collect();
        view.message(igsid, message, &names)
    };
    Ok(usage::attach(Json(body).into_response(), &usage))
}

/// Count a Conversations API call (2 per second per account); the usage header.
fn admit(
    sim: &Simulator,
    request: &GraphRequest,
    business: &BusinessAccount,
) -> Result<String, GraphError> {
    let object_id = request.host_api().own_id(business);
    let admitted = sim
        .state()
        .limits
        .admit(&business.ig_id, Lane::Conversations);
    match admitted {
        Ok(usage) => Ok(usage::of(object_id, usage)),
        Err(usage) => Err(GraphError::throttled(4).with_usage(usage::of(object_id, usage))),
    }
}

/// Renders threads and messages as Graph does.
struct View<'a> {
    state: &'a State,
    business: &'a BusinessAccount,
}

impl View<'_> {
    fn customer(&self, igsid: &str) -> Value {
        let key = (self.business.ig_id.clone(), igsid.to_owned());
        let username = self.state.customers.get(&key).map_or_else(
            || format!("user{igsid}"),
            |profile| profile.username.clone(),
        );
        json!({"id": igsid, "username": username})
    }

    fn own(&self) -> Value {
        json!({"id": self.business.ig_id, "username": self.business.username})
    }

    fn conversation(&self, igsid: &str, thread: &Thread, fields: &Fields) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(thread.id));
        if fields.get("updated_time").is_some() {
            out.insert(
                "updated_time".into(),
                json!(ids::graph_time(thread.updated_ms())),
            );
        }
        if let Some(field) = fields.get("participants") {
            let people = [self.customer(igsid), self.own()];
            let data: Vec<Value> = people.iter().map(|p| only(p, &field.sub)).collect();
            out.insert("participants".into(), json!({ "data": data }));
        }
        if let Some(field) = fields.get("messages") {
            let limit = field.limit.unwrap_or(MESSAGES_MAX).min(MESSAGES_MAX);
            let names = if field.sub.is_empty() {
                vec!["id".to_owned(), "created_time".to_owned()]
            } else {
                field.sub.clone()
            };
            let data: Vec<Value> = thread
                .newest(limit)
                .into_iter()
                .map(|m| self.message(igsid, m, &names))
                .collect();
            out.insert("messages".into(), json!({ "data": data }));
        }
        Value::Object(out)
    }

    fn message(&self, igsid: &str, message: &HistoryMessage, names: &[String]) -> Value {
        let (from, to) = if message.from_customer {
            (self.customer(igsid), self.own())
        } else {
            (self.own(), self.customer(igsid))
        };
        let mut out = Map::new();
        out.insert("id".into(), json!(message.mid));
        for name in names {
            let value = match name.as_str() {
                "created_time" => json!(ids::graph_time(message.at_ms)),
                "from" => from.clone(),
                "to" => json!({ "data": [to.clone()] }),
                "message" => json!(message.text),
                "attachments" if !message.attachments.is_empty() => {
                    let data: Vec<Value> = message.attachments.iter().map(attachment).collect();
                    json!({ "data": data })
                }
                "shares" => match &message.share {
                    Some(link) => json!({ "data": [{ "link": link }] }),
                    None => continue,
                },
                "story" => match (&message.story_reply, &message.story_mention) {
                    (Some(s), _) => json!({ "reply_to": { "id": s.id, "link": s.link } }),
                    (None, Some(s)) => json!({ "mention": { "id": s.id, "link": s.link } }),
                    (None, None) => continue,
                },
                "reactions" if !message.reactions.is_empty() => {
                    // The other party reacted: the customer, on the business's messages.
                    let by = &to;
                    let data: Vec<Value> = message
                        .reactions
                        .iter()
                        .map(|emoji| json!({ "reaction": emoji, "users": [by] }))
                        .collect();
                    json!({ "data": data })
                }
                _ => continue,
            };
            out.insert(name.clone(), value);
        }
        Value::Object(out)
    }
}

/// An attachment as Meta's message node lists it: `image_data`, `video_data`
/// (audio comes as a video with an audio MIME type) or `file_url`.
fn attachment(a: &HistoryAttachment) -> Value {
    let id = ids::new_numeric_id("");
    match a.kind.as_str() {
        "image" => json!({
            "id": id, "mime_type": "image/jpeg",
            "image_data": { "url": a.url, "preview_url": a.url, "width": 1080, "height": 1080 },
        }),
        "video" => json!({
            "id": id, "mime_type": "video/mp4",
            "video_data": { "url": a.url, "preview_url": a.url, "width": 720, "height": 1280 },
        }),
        "audio" => json!({
            "id": id, "mime_type": "audio/mpeg",
            "video_data": { "url": a.url, "preview_url": a.url },
        }),
        _ => json!({ "id": id, "mime_type": "application/octet-stream", "file_url": a.url }),
    }
}

/// `person` with only the named subfields (and its id); all of it when none are named.
fn only(person: &Value, names: &[String]) -> Value {
    if names.is_empty() {
        return person.clone();
    }
    let mut out = Map::new();
    for (key, value) in person.as_object().into_iter().flatten() {
        if key == "id" || names.contains(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}
