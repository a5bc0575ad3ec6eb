//! igdesk's domain: the vocabulary every other crate speaks, and the rules that need no
//! I/O (Instagram's timestamps, what a timeline item shows, retry schedules). Everything
//! here is pure and tested with explicit clocks.

pub mod automatic;
pub mod changes;
pub mod cm;
pub mod ids;
pub mod pacing;
pub mod reply_form;
pub mod retry;
pub mod rules;
pub mod settings;
pub mod time;
pub mod timeline;

pub use ids::*;
pub use settings::ConversationSettings;
pub use time::Millis;
