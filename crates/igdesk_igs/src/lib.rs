//! igdesk-igs: the Instagram simulator.
//!
//! A stand-in for Meta's side of the Instagram Messaging API, written from Meta's
//! documented behaviour and sharing no code with igdesk, so that a misreading of
//! the API cannot hide on both sides. Its faces:
//!
//! - [`Simulator::router`]: the Graph API calls igdesk makes (user profiles, the
//!   Send API with sender actions and private replies, comment moderation, the
//!   Conversations API, Conversation Routing's thread control, the Messenger
//!   Profile API's ice breakers and persistent menu), with Meta's
//!   rules, rate limits and error shapes, every call recorded and every
//!   accepted message echoed to the webhook;
//! - Meta's login, both paths, over the same base URL: Facebook Login's dialog
//!   and token exchanges, the Pages a person manages, Instagram Login's dialog
//!   and exchanges, and the `subscribed_apps` edges that decide whether a
//!   business's webhooks are sent at all ([`LoginConfig`], [`Subscription`]);
//! - [`Simulator::deliver`], [`Delivery`], [`Event`], [`run_scenario`]: simulated
//!   customers sending signed webhooks of every kind;
//! - [`media`]: its own CDN (`GET /_igs/cdn/{name}`), small embedded images and a
//!   clip, so that attachments and Stories display with no internet; each Story a
//!   customer mentions the business in has its own URL there, which answers 404
//!   once the Story is deleted ([`Simulator::delete_story`]) or a day old;
//! - [`run_load`]: signed deliveries at a set rate, with a latency report
//!   ([`sink`] is a bare signature-checking receiver to measure it against).

pub mod config;
mod graph;
pub mod ids;
pub mod load;
pub mod media;
pub mod scenario;
mod sim;
pub mod sink;
#[cfg(test)]
mod testutil;
pub mod webhook;

pub use load::{run_load, LoadConfig, LoadReport};
pub use scenario::{run_scenario, Scenario, ScenarioOutcome};
pub use sim::{
    BusinessAccount, CommentActionRecord, CustomerProfile, Fault, HistoryAttachment,
    HistoryMessage, HistoryStory, LoginConfig, RecordedCall, SenderActionRecord, SentMessage,
    SimConfig, Simulator, Starter, Subscription, ThreadOwner, TokenPlace, TrackedComment,
    WithheldDelivery, DEFAULT_FACEBOOK_USER_NAME, IGDESK_APP_ID, IGDESK_INSTAGRAM_APP_ID,
    NOT_DELIVERED, STORY_LIFETIME_MS,
};
pub use webhook::{sign_body, Delivery, Event};
