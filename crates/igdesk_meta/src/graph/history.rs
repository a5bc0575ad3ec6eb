//! The Conversations API as history import reads it (meta-instagram-api.md §8):
//! the account's threads a page at a time, each with its newest messages (Meta
//! gives details for the 20 most recent only), and the message node's fields that
//! make a message more than text: attachments, shares, the Story it replies to or
//! mentions, and reactions.

use super::{call, AccountAuth, HttpGraph};
use crate::errors::GraphError;
use reqwest::Method;
use serde::Deserialize;

/// Threads asked for per page. Each page costs one call of the account's two a
/// second, whatever its size; 25 is Graph's usual page.
pub const THREADS_PER_PAGE: usize = 25;

/// What is asked of each message. Attachments' own fields name what Meta holds
/// per kind of file.
const MESSAGE_FIELDS: &str = "id,created_time,from,to,message,\
    attachments{id,mime_type,name,image_data,video_data,file_url},\
    shares{link,name},story,reactions,is_unsupported";

/// One thread of the Conversations API, newest message first.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryThread {
    pub id: String,
    #[serde(default)]
    pub messages: Option<Page<HistoryMessage>>,
}

/// A Graph edge: its items, and where the next page starts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    /// Present only while another page follows.
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Cursors {
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One page of an account's threads, and the cursor of the next page (none: this
/// was the last).
#[derive(Debug, Clone, Default)]
pub struct ThreadsPage {
    pub threads: Vec<HistoryThread>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryMessage {
    pub id: String,
    pub created_time: Option<String>,
    pub from: Option<Party>,
    pub to: Option<Page<Party>>,
    pub message: Option<String>,
    #[serde(default)]
    pub attachments: Option<Page<MessageAttachment>>,
    #[serde(default)]
    pub shares: Option<Page<Share>>,
    #[serde(default)]
    pub story: Option<StoryLink>,
    #[serde(default)]
    pub reactions: Option<Page<Reaction>>,
    #[serde(default)]
    pub is_unsupported: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Party {
    pub id: String,
    pub username: Option<String>,
}

/// A file on a message: which of `image_data`, `video_data` and `file_url` is set
/// tells its kind; `mime_type` tells audio from video.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageAttachment {
    pub mime_type: Option<String>,
    pub name: Option<String>,
    pub image_data: Option<MediaData>,
    pub video_data: Option<MediaData>,
    pub file_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MediaData {
    pub url: Option<String>,
    pub preview_url: Option<String>,
}

/// A shared post or reel: Meta gives its link only.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Share {
    pub link: Option<String>,
    pub name: Option<String>,
}

/// The Story a message answers (`reply_to`) or mentions the business in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StoryLink {
    pub reply_to: Option<StoryRef>,
    pub mention: Option<StoryRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StoryRef {
    pub id: Option<String>,
    pub link: Option<String>,
}

/// One reaction on a message: the emoji and who reacted with it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reaction {
    pub reaction: Option<String>,
    #[serde(default)]
    pub users: Vec<Party>,
}

/// `GET /{node}/conversations?platform=instagram`, from the start (`after` none)
/// or from a cursor a previous page gave.
pub(super) async fn threads_page(
    graph: &HttpGraph,
    auth: &AccountAuth,
    after: Option<&str>,
) -> Result<ThreadsPage, GraphError> {
    let fields = format!("participants,messages{{{MESSAGE_FIELDS}}}");
    let limit = THREADS_PER_PAGE.to_string();
    let mut query = vec![
        ("platform", "instagram"),
        ("fields", fields.as_str()),
        ("limit", limit.as_str()),
    ];
    if let Some(after) = after {
        query.push(("after", after));
    }
    let request = graph
        .request(Method::GET, auth, &format!("{}/conversations", auth.node))
        .query(&query);
    let page: Page<HistoryThread> = call(request, &auth.token).await?;
    // Graph gives `next` only while more follow; the cursor is what to ask with.
    let after = page
        .paging
        .filter(|p| p.next.is_some())
        .and_then(|p| p.cursors)
        .and_then(|c| c.after);
    Ok(ThreadsPage {
        threads: page.data,
        after,
    })
}
