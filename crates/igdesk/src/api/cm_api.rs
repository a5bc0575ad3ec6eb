//! `POST /v1.0/message`: CM.com's Business Messaging API, so that CM.com's client
//! libraries work by changing their base URL (SPEC API-1, API-2, API-6). Answers are
//! in CM.com's response format, refusals included.

use crate::app::App;
use crate::crypto::{hash_token, looks_like_product_token};
use crate::now_ms;
use crate::service::answering::provisional_mid;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use igdesk_domain::cm::codes;
use igdesk_domain::cm::envelope::{parse_envelope, Msg};
use igdesk_domain::cm::response::{CmMessageResult, CmResponse};
use igdesk_domain::cm::rich::{instagram_messages, InstagramMessage};
use igdesk_domain::cm::validity::valid_until;
use igdesk_domain::cm::MsgRefusal;
use igdesk_domain::timeline::Attachment;
use igdesk_domain::Millis;
use igdesk_store::{ApiQueued, ApiToken, NewApiMessage, OutgoingPart};

const TOKEN_HEADER: &str = "x-cm-producttoken";

/// The most Instagram messages one request may ask for, counted as each `msg` times
/// its recipients (an unreadable `msg` counts once per recipient, at least once).
/// CM.com publishes no per-request figure for this API (docs/API.md). Each message is
/// queued in its own short transaction at the store's single writer (SQLite), so
/// intake's group commits still interleave; the cap bounds how long one request keeps
/// that writer busy and how large its answer grows. Larger batches are split by the
/// client.
pub const MAX_MESSAGES_PER_REQUEST: usize = 1_000;

pub async fn send(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let started = std::time::Instant::now();
    let answer = match answer(&app, &headers, &body).await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::error!(error = %e, "the message API failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                CmResponse::request_error(codes::INTERNAL, "An internal error has occurred"),
            )
        }
    };
    metrics::histogram!("igdesk_api_request_seconds").record(started.elapsed().as_secs_f64());
    let (status, body) = answer;
    (status, Json(body)).into_response()
}

type Answer = (StatusCode, CmResponse);

async fn answer(app: &App, headers: &HeaderMap, body: &[u8]) -> igdesk_store::Result<Answer> {
    let envelope = match parse_envelope(body) {
        Ok(envelope) => envelope,
        Err(e) => return Ok(refused(StatusCode::BAD_REQUEST, e.code(), e.to_string())),
    };
    let given = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(envelope.product_token)
        .filter(|t| !t.trim().is_empty());
    let Some(given) = given else {
        return Ok(refused(
            StatusCode::UNAUTHORIZED,
            codes::AUTHENTICATION_FAILED,
            "No product token: give it in messages.authentication.producttoken or the X-CM-PRODUCTTOKEN header",
        ));
    };
    let given = given.trim();
    if !looks_like_product_token(given) {
        return Ok(refused(
            StatusCode::UNAUTHORIZED,
            codes::PRODUCT_TOKEN_INCORRECT,
            "The product token is incorrect: it is not a product token",
        ));
    }
    let token = match app.store.api_token_by_hash(&hash_token(given)).await? {
        Some(t) if t.revoked_at.is_none() => t,
        Some(_) => {
            return Ok(refused(
                StatusCode::UNAUTHORIZED,
                codes::AUTHENTICATION_FAILED,
                "Authentication failed: the product token was revoked",
            ))
        }
        None => {
            return Ok(refused(
                StatusCode::UNAUTHORIZED,
                codes::AUTHENTICATION_FAILED,
                "Authentication failed: unknown product token",
            ))
        }
    };
    let asked: usize = envelope
        .msgs
        .iter()
        .map(|msg| match msg {
            Ok(msg) => msg.to.len(),
            Err(rejection) => rejection.to.len().max(1),
        })
        .sum();
    if asked > MAX_MESSAGES_PER_REQUEST {
        // Refused whole, before anything is queued, as CM.com refuses a `msg` array
        // it will not take: the client splits the batch and sends again.
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            codes::NO_MESSAGES,
            format!(
                "messages.msg: {asked} messages (each msg times its to[] recipients) in one request; at most {MAX_MESSAGES_PER_REQUEST} are taken: send them in several requests"
            ),
        ));
    }
    let now = now_ms();
    // Every message the request makes is queued in one transaction; the answer
    // lists them in the request's order.
    let mut slots = Vec::new();
    let mut batch = Vec::new();
    for msg in envelope.msgs {
        match msg {
            Err(rejection) => slots.extend(
                CmMessageResult::unreadable(&rejection)
                    .into_iter()
                    .map(Slot::Answered),
            ),
            Ok(msg) => prepare_all(&token, &msg, now, &mut slots, &mut batch),
        }
    }
    let mut queued = app.store.queue_api_messages(batch, now).await?.into_iter();
    let mut results = Vec::with_capacity(slots.len());
    let mut took_back = false;
    for slot in slots {
        results.push(match slot {
            Slot::Answered(result) => result,
            Slot::Queued {
                igsid,
                reference,
                parts,
            } => match queued.next() {
                Some(ApiQueued::Queued { took_back: back, .. }) => {
                    took_back |= back.is_some();
                    CmMessageResult::accepted(&igsid, reference.as_deref(), parts)
                }
                Some(ApiQueued::UnknownRecipient) | None => CmMessageResult::rejected(
                    &igsid,
                    reference.as_deref(),
                    codes::INVALID_RECIPIENT,
                    &format!(
                        "to.number: no customer with IGSID {igsid:?} has written to this account (Instagram allows answers only)"
                    ),
                ),
            },
        });
    }
    app.wake.sends.notify_waiters();
    if took_back {
        // The agents who had these conversations are told at once.
        app.wake.live.everyone();
    }
    let (status, response) = CmResponse::from_results(results);
    let accepted = response.messages.iter().filter(|m| m.is_accepted()).count();
    metrics::counter!("igdesk_api_messages_total", "status" => "accepted")
        .increment(accepted as u64);
    metrics::counter!("igdesk_api_messages_total", "status" => "rejected")
        .increment((response.messages.len() - accepted) as u64);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    Ok((status, response))
}

/// One recipient's place in the answer: known already (refused), or waiting for
/// what the store says of its queued message.
enum Slot {
    Answered(CmMessageResult),
    Queued {
        igsid: String,
        reference: Option<String>,
        /// Instagram messages it became.
        parts: u32,
    },
}

/// One `msg` for each of its recipients: a message to queue for each (in `batch`),
/// or the refusal of all of them.
fn prepare_all(
    token: &ApiToken,
    msg: &Msg,
    now: Millis,
    slots: &mut Vec<Slot>,
    batch: &mut Vec<NewApiMessage>,
) {
    let reference = msg.reference.as_deref();
    let (messages, valid_until) = match prepare(token, msg, now) {
        Ok(prepared) => prepared,
        Err(refusal) => {
            let refused = CmMessageResult::refused(&msg.to, reference, &refusal);
            slots.extend(refused.into_iter().map(Slot::Answered));
            return;
        }
    };
    for igsid in &msg.to {
        let parts = messages
            .iter()
            .map(|m| OutgoingPart {
                provisional_mid: provisional_mid(),
                text: m.text.clone(),
                attachments: m
                    .image_url
                    .iter()
                    .map(|url| Attachment {
                        kind: "image".into(),
                        url: Some(url.clone()),
                        ..Default::default()
                    })
                    .collect(),
                message: m.message.clone(),
            })
            .collect::<Vec<_>>();
        slots.push(Slot::Queued {
            igsid: igsid.clone(),
            reference: msg.reference.clone(),
            parts: parts.len() as u32,
        });
        batch.push(NewApiMessage {
            account: token.account_id,
            token: token.id,
            igsid: igsid.clone(),
            reference: msg.reference.clone(),
            valid_until,
            parts,
        });
    }
}

/// The Instagram messages `msg` becomes and until when they may be sent, or why it
/// is refused for all its recipients.
fn prepare(
    token: &ApiToken,
    msg: &Msg,
    now: Millis,
) -> Result<(Vec<InstagramMessage>, Option<Millis>), MsgRefusal> {
    if msg.from != token.account_ig_id {
        return Err(MsgRefusal {
            code: codes::MISSING_FROM,
            text: format!(
                "from: this product token may only send from Instagram account {}, not {:?}",
                token.account_ig_id, msg.from
            ),
        });
    }
    let messages = instagram_messages(msg)?;
    let valid_until = msg
        .validity
        .as_deref()
        .map(|v| valid_until(v, now))
        .transpose()?;
    Ok((messages, valid_until))
}

fn refused(status: StatusCode, code: u16, text: impl Into<String>) -> Answer {
    (status, CmResponse::request_error(code, text))
}
