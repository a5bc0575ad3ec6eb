//! Meta's side as igdesk reads it: webhook signatures and payloads, and the Graph API
//! client. Written from Meta's documentation only; the simulator (`igdesk_igs`) is
//! written separately from the same documentation, so a misreading shows up in tests.

pub mod errors;
#[cfg(feature = "graph")]
pub mod graph;
#[cfg(feature = "graph")]
pub mod login;
pub mod signature;
pub mod usage;
pub mod webhook;

pub use errors::{ErrorAction, GraphError};
#[cfg(feature = "graph")]
pub use graph::{
    AccountAuth, Graph, HistoryThread, HttpGraph, IceBreaker, LoginPath, MenuItem,
    MessengerProfile, MessengerProfiles, ProfileField, Recipient, RefreshedToken, Sent,
    SubscribedApp, UserProfile, FACEBOOK_SUBSCRIBED_FIELDS, INSTAGRAM_INBOX_APP_ID,
    INSTAGRAM_SUBSCRIBED_FIELDS,
};
pub use signature::{verify_signature, SignatureError};
pub use usage::Usage;
pub use webhook::{decode_item, parse_envelope, Envelope, EnvelopeError, WebhookEvent};
