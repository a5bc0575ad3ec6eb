//! One scenario step: the raw TOML table, its validation per `kind`, and the
//! event it becomes when played.

use anyhow::{anyhow, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::ids;
use crate::media;
use crate::sim::{Simulator, Starter};
use crate::webhook::Event;

/// A `[[step]]` table as written. Every field any kind uses; which ones a kind
/// accepts is checked in [`Step::validate`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub id: Option<String>,
    pub kind: String,
    pub from: Option<String>,
    pub business: Option<String>,
    pub mid: Option<String>,
    pub standby: Option<bool>,
    pub text: Option<String>,
    pub url: Option<String>,
    pub media_id: Option<String>,
    pub caption: Option<String>,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub payload: Option<String>,
    pub target: Option<String>,
    pub emoji: Option<String>,
    pub reaction: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub source: Option<String>,
    pub ad_id: Option<String>,
    pub story_id: Option<String>,
    pub story_url: Option<String>,
    pub username: Option<String>,
    pub media_product_type: Option<String>,
    pub parent: Option<String>,
    pub key: Option<String>,
    pub value: Option<Value>,
    pub millis: Option<u64>,
    /// A message written this many seconds ago (Meta's timestamp), as when igdesk
    /// catches up on a backlog.
    pub ago_seconds: Option<u64>,
}

impl RawStep {
    /// The kind-specific fields present in the table.
    fn present(&self) -> Vec<&'static str> {
        let fields: [(&'static str, bool); 23] = [
            ("text", self.text.is_some()),
            ("url", self.url.is_some()),
            ("media_id", self.media_id.is_some()),
            ("caption", self.caption.is_some()),
            ("title", self.title.is_some()),
            ("subtitle", self.subtitle.is_some()),
            ("payload", self.payload.is_some()),
            ("target", self.target.is_some()),
            ("emoji", self.emoji.is_some()),
            ("reaction", self.reaction.is_some()),
            ("ref", self.reference.is_some()),
            ("source", self.source.is_some()),
            ("ad_id", self.ad_id.is_some()),
            ("story_id", self.story_id.is_some()),
            ("story_url", self.story_url.is_some()),
            ("username", self.username.is_some()),
            ("media_product_type", self.media_product_type.is_some()),
            ("parent", self.parent.is_some()),
            ("key", self.key.is_some()),
            ("value", self.value.is_some()),
            ("millis", self.millis.is_some()),
            ("mid", self.mid.is_some()),
            ("ago_seconds", self.ago_seconds.is_some()),
        ];
        fields
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| name)
            .collect()
    }
}

/// Every kind a step may have, with the kind-specific fields it accepts.
pub(crate) const KINDS: &[(&str, &[&str])] = &[
    ("text", &["text", "mid", "ago_seconds"]),
    ("image", &["url", "mid"]),
    ("video", &["url", "mid"]),
    ("audio", &["url", "mid"]),
    ("file", &["url", "mid"]),
    ("reel", &["url", "mid"]),
    ("ig_reel", &["url", "mid"]),
    ("story_mention", &["url", "mid", "ago_seconds"]),
    ("share", &["url", "media_id", "caption", "mid"]),
    ("ig_post", &["url", "media_id", "caption", "mid"]),
    ("story_reply", &["text", "story_id", "story_url", "mid"]),
    ("reply_to", &["text", "target", "mid"]),
    ("quick_reply", &["title", "payload", "mid"]),
    ("postback", &["title", "payload", "mid"]),
    // A tap on one of the business's ice breakers (by its question) or persistent
    // menu items (by its title), as set through the Messenger Profile API: the
    // postback carries the payload the business gave it.
    ("ice_breaker", &["title", "mid"]),
    ("menu", &["title", "mid"]),
    ("referral", &["ref", "source"]),
    ("ad_referral", &["text", "ad_id", "ref", "mid"]),
    ("react", &["target", "emoji", "reaction"]),
    ("unreact", &["target"]),
    ("read", &["target"]),
    ("echo", &["text", "mid"]),
    ("delete", &["target"]),
    ("unsupported", &["mid"]),
    (
        "comment",
        &["text", "username", "media_id", "media_product_type", "mid"],
    ),
    (
        "comment_reply",
        &["text", "username", "media_id", "parent", "mid"],
    ),
    ("fallback", &["url", "title", "mid"]),
    ("template", &["title", "subtitle", "mid"]),
    ("unknown", &["key", "value"]),
    ("pause", &["millis"]),
];

/// The media the scenario's comments are on unless a step names one.
const DEFAULT_MEDIA_ID: &str = "18100000000000001";

/// A validated step.
#[derive(Debug, Clone)]
pub struct Step {
    /// The step's `id`: its event's mid (or comment id) is remembered under it.
    pub label: Option<String>,
    pub kind: String,
    /// The business account, when not the scenario's default.
    pub business: Option<String>,
    pub(crate) from: String,
    pub(crate) raw: RawStep,
}

impl Step {
    /// Check `raw` against its kind: known kind, required fields present, no
    /// field the kind does not use.
    pub(crate) fn validate(raw: RawStep) -> anyhow::Result<Step> {
        let Some((kind, allowed)) = KINDS.iter().find(|(k, _)| *k == raw.kind) else {
            let known: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
            bail!(
                "unknown kind \"{}\" (known kinds: {})",
                raw.kind,
                known.join(", ")
            );
        };
        if let Some(field) = raw.present().into_iter().find(|f| !allowed.contains(f)) {
            bail!("field `{field}` is not used by kind \"{kind}\"");
        }
        let required: &[&str] = match *kind {
            "text" | "reply_to" | "echo" | "story_reply" | "comment" | "comment_reply" => &["text"],
            "quick_reply" | "postback" => &["title", "payload"],
            "ice_breaker" | "menu" => &["title"],
            "pause" => &["millis"],
            "unknown" => &["key"],
            _ => &[],
        };
        let present = raw.present();
        let targeted: &[&str] = match *kind {
            "reply_to" | "react" | "unreact" | "read" | "delete" => &["target"],
            "comment_reply" => &["parent"],
            _ => &[],
        };
        if let Some(missing) = required
            .iter()
            .chain(targeted)
            .find(|f| !present.contains(f))
        {
            bail!("missing field `{missing}` (kind \"{kind}\" needs it)");
        }
        for url in [&raw.url, &raw.story_url].into_iter().flatten() {
            check_medium(url)?;
        }
        let from = match (raw.from.clone(), *kind) {
            (_, "pause") => String::new(),
            (Some(from), _) if !from.is_empty() => from,
            _ => bail!("missing field `from` (the customer's IGSID)"),
        };
        Ok(Step {
            label: raw.id.clone(),
            kind: (*kind).to_owned(),
            business: raw.business.clone(),
            from,
            raw,
        })
    }

    /// The ids of earlier steps this one refers to (`target`, `parent`).
    pub(crate) fn references(&self) -> impl Iterator<Item = &str> {
        self.raw
            .target
            .iter()
            .chain(self.raw.parent.iter())
            .map(String::as_str)
    }

    /// The pause length, for `pause` steps.
    pub(crate) fn pause_millis(&self) -> Option<u64> {
        (self.kind == "pause").then_some(self.raw.millis.unwrap_or(0))
    }

    /// The event this step delivers for `business`; `resolve` maps a label of an
    /// earlier step to its id and leaves anything else (a literal mid) as it is.
    /// Media URLs not given, and `cdn:NAME` ones, are `sim`'s
    /// ([`Simulator::media_url`]).
    pub(crate) fn event(
        &self,
        business: &str,
        resolve: &dyn Fn(&str) -> String,
        sim: &Simulator,
    ) -> anyhow::Result<Event> {
        let f = &self.raw;
        let from = self.from.as_str();
        let text = || f.text.clone().unwrap_or_default();
        let url = || match &f.url {
            // A mention's `cdn:NAME` is a new Story showing that medium, which the
            // customer may delete (and which expires) on its own.
            Some(url) if self.kind == "story_mention" => match media::reference(url) {
                Some(name) => sim.story_url(name),
                None => url.clone(),
            },
            Some(url) => sim.media_url(url),
            None => sim.cdn_url(if self.kind == "share" || self.kind == "ig_post" {
                "image"
            } else {
                &self.kind
            }),
        };
        let target = || resolve(f.target.as_deref().unwrap_or_default());
        let media_id = || f.media_id.clone().unwrap_or_else(ids::new_media_id);
        let caption = || {
            f.caption
                .clone()
                .unwrap_or_else(|| "A post from the shop".to_owned())
        };
        let username = || f.username.clone().unwrap_or_else(|| format!("user{from}"));
        let title = |default: &str| f.title.clone().unwrap_or_else(|| default.to_owned());
        let payload = || f.payload.clone().unwrap_or_default();
        let event =
            match self.kind.as_str() {
                "text" => Event::text(from, text()),
                kind @ ("image" | "video" | "audio" | "file" | "reel" | "ig_reel"
                | "story_mention") => Event::attachment(from, kind, url()),
                "share" => Event::share(from, url(), media_id(), caption()),
                "ig_post" => Event::ig_post(from, media_id(), url(), caption()),
                "story_reply" => {
                    let story_id = f
                        .story_id
                        .clone()
                        .unwrap_or_else(|| ids::new_numeric_id("179"));
                    Event::story_reply(
                        from,
                        text(),
                        story_id,
                        match &f.story_url {
                            Some(url) => sim.media_url(url),
                            None => sim.cdn_url("story_mention"),
                        },
                    )
                }
                "reply_to" => Event::reply_to(from, text(), target()),
                "quick_reply" => Event::quick_reply(from, title(""), payload()),
                "postback" => Event::postback(from, title(""), payload()),
                "ice_breaker" => sim.tap(business, from, Starter::IceBreaker, &title(""))?,
                "menu" => sim.tap(business, from, Starter::MenuItem, &title(""))?,
                "referral" => Event::referral(
                    from,
                    f.reference.clone().unwrap_or_else(|| "igs".to_owned()),
                    f.source.clone().unwrap_or_else(|| "SHORTLINKS".to_owned()),
                ),
                "ad_referral" => Event::ad_referral(
                    from,
                    f.text
                        .clone()
                        .unwrap_or_else(|| "Hi! I saw your ad".to_owned()),
                    f.ad_id
                        .clone()
                        .unwrap_or_else(|| ids::new_numeric_id("238")),
                    f.reference.clone().unwrap_or_else(|| "ad".to_owned()),
                ),
                "react" => {
                    let emoji = f
                        .emoji
                        .clone()
                        .unwrap_or_else(|| "\u{2764}\u{fe0f}".to_owned());
                    let reaction = f
                        .reaction
                        .clone()
                        .unwrap_or_else(|| reaction_name(&emoji).to_owned());
                    Event::reaction(from, target(), emoji, reaction)
                }
                "unreact" => Event::unreact(from, target()),
                "read" => Event::read(from, target()),
                "echo" => Event::echo(from, text()),
                "delete" => Event::deleted(from, target()),
                "unsupported" => Event::unsupported(from),
                "comment" => Event::comment(
                    from,
                    username(),
                    text(),
                    f.media_id
                        .clone()
                        .unwrap_or_else(|| DEFAULT_MEDIA_ID.to_owned()),
                    f.media_product_type
                        .clone()
                        .unwrap_or_else(|| "FEED".to_owned()),
                ),
                "comment_reply" => Event::comment_reply(
                    from,
                    username(),
                    text(),
                    f.media_id
                        .clone()
                        .unwrap_or_else(|| DEFAULT_MEDIA_ID.to_owned()),
                    resolve(f.parent.as_deref().unwrap_or_default()),
                ),
                "fallback" => Event::fallback(
                    from,
                    f.url.as_deref().map(|u| sim.media_url(u)).as_deref(),
                    title("Shared link"),
                ),
                "template" => Event::template(from, title("Our offer"), f.subtitle.as_deref()),
                "unknown" => Event::unknown(
                    from,
                    f.key.clone().unwrap_or_default(),
                    f.value
                        .clone()
                        .unwrap_or_else(|| Value::Object(Default::default())),
                ),
                other => return Err(anyhow!("kind \"{other}\" delivers no event")),
            };
        let event = match &f.mid {
            Some(mid) => event.with_mid(mid.clone()),
            None => event,
        };
        let event = match f.ago_seconds {
            Some(ago) => {
                let at = event.timestamp_ms()
                    - i64::try_from(ago.saturating_mul(1000)).unwrap_or(i64::MAX);
                event.with_timestamp_ms(at)
            }
            None => event,
        };
        Ok(if f.standby == Some(true) {
            event.standby()
        } else {
            event
        })
    }
}

/// A `cdn:NAME` URL must name an embedded medium ([`crate::media`]).
pub(crate) fn check_medium(url: &str) -> anyhow::Result<()> {
    match media::reference(url) {
        Some(name) if media::find(name).is_none() => {
            let known: Vec<&str> = media::MEDIA.iter().map(|m| m.name).collect();
            bail!(
                "{url:?} names no embedded medium (known: {})",
                known.join(", ")
            )
        }
        _ => Ok(()),
    }
}

/// Meta's reaction name for an emoji (v12+ values), `other` for the rest.
fn reaction_name(emoji: &str) -> &'static str {
    match emoji.trim_end_matches('\u{fe0f}') {
        "\u{2764}" => "love",
        "\u{1f44d}" => "like",
        "\u{1f602}" => "laugh",
        "\u{1f62e}" => "wow",
        "\u{1f622}" => "sad",
        "\u{1f621}" => "angry",
        _ => "other",
    }
}
