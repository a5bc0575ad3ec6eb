//! Reading CM.com's request envelope (SPEC API-1). CM.com's own SDKs disagree on the
//! casing of keys and enum values (`producttoken`/`productToken`, `Reply`/`reply`), so
//! every key is lowercased before reading and values are compared without case. Keys
//! igdesk does not use are ignored: the SDKs send many (`customGrouping3`,
//! `minimumNumberOfMessageParts`, …). `null` and `""` count as absent, because the SDKs
//! fill unused fields with either.

use super::codes;
use super::content::read_rich;
use super::json::{array, get, lowercase_keys, object, string, Obj};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("no messages: messages.msg must be a non-empty array")]
    NoMessages,
}

impl RequestError {
    /// CM.com's request-level error code.
    pub fn code(&self) -> u16 {
        match self {
            RequestError::Malformed(_) => codes::MALFORMED,
            RequestError::NoMessages => codes::NO_MESSAGES,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `messages.authentication.producttoken`; the handler also accepts the
    /// `X-CM-PRODUCTTOKEN` header, so absence is not an error here.
    pub product_token: Option<String>,
    /// One entry per element of `messages.msg`, in order: one unreadable message does
    /// not sink the others.
    pub msgs: Vec<Result<Msg, MsgRejection>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The Instagram account id.
    pub from: String,
    /// `to[].number`: IGSIDs.
    pub to: Vec<String>,
    pub reference: Option<String>,
    /// As given; compared without case.
    pub allowed_channels: Vec<String>,
    pub validity: Option<String>,
    /// `body.content`: the message itself, or only the fallback when rich content is given.
    pub body_text: Option<String>,
    pub rich: Option<RichContent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichContent {
    pub conversation: Vec<RichItem>,
    /// `richContent.suggestions`, as the SDKs send them. They belong to the last
    /// conversation item; the mapping folds them in there so refusals can still name
    /// where they were written.
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichItem {
    pub text: Option<String>,
    pub header: Option<String>,
    pub media: Option<Media>,
    pub suggestions: Vec<Suggestion>,
    /// `carousel.cards`.
    pub carousel: Option<Vec<RichItem>>,
    /// The name of a key that is present but that Instagram cannot show.
    pub unsupported: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub uri: String,
    pub name: Option<String>,
    pub mime_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Lowercased: `reply`, `openurl`, …
    pub action: String,
    pub label: Option<String>,
    pub postback_data: Option<String>,
    pub url: Option<String>,
}

/// A message that could not even be read. `to` and `reference` are kept when they were
/// readable so the response can list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgRejection {
    pub to: Vec<String>,
    pub reference: Option<String>,
    pub code: u16,
    pub text: String,
}

pub fn parse_envelope(body: &[u8]) -> Result<Envelope, RequestError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| RequestError::Malformed(format!("the body is not JSON ({e})")))?;
    let root = lowercase_keys(value);
    let messages = root
        .as_object()
        .and_then(|o| get(o, "messages"))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            RequestError::Malformed("expected a JSON object {\"messages\":{…}}".into())
        })?;
    let product_token = match get(messages, "authentication") {
        None => None,
        Some(Value::Object(auth)) => {
            string(auth, "messages.authentication", "productToken").map_err(malformed)?
        }
        Some(_) => {
            return Err(malformed(
                "messages.authentication: must be an object".into(),
            ))
        }
    };
    let msgs = match get(messages, "msg") {
        Some(Value::Array(msgs)) if !msgs.is_empty() => msgs,
        _ => return Err(RequestError::NoMessages),
    };
    Ok(Envelope {
        product_token,
        msgs: msgs
            .iter()
            .enumerate()
            .map(|(i, m)| read_msg(i, m))
            .collect(),
    })
}

fn malformed(text: String) -> RequestError {
    RequestError::Malformed(text)
}

/// The recipients, and the first problem with them (code, text) if any.
fn read_to(o: &Obj) -> (Vec<String>, Option<(u16, String)>) {
    let missing = "to: at least one recipient (to[].number, the IGSID) is required";
    let items = match get(o, "to") {
        None => return (vec![], Some((codes::MISSING_TO, missing.into()))),
        Some(Value::Array(items)) if items.is_empty() => {
            return (vec![], Some((codes::MISSING_TO, missing.into())))
        }
        Some(Value::Array(items)) => items,
        Some(_) => return (vec![], Some((codes::FIELD, "to: must be an array".into()))),
    };
    let mut numbers = Vec::new();
    let mut problem = None;
    for (i, item) in items.iter().enumerate() {
        let path = format!("to[{i}]");
        let number = object(item, &path).and_then(|r| string(r, &path, "number"));
        match number {
            Ok(Some(n)) => numbers.push(n),
            Ok(None) => {
                let text = format!("{path}.number: the recipient's IGSID is required");
                problem.get_or_insert((codes::MISSING_TO, text));
            }
            Err(text) => {
                problem.get_or_insert((codes::FIELD, text));
            }
        }
    }
    (numbers, problem)
}

fn read_msg(i: usize, value: &Value) -> Result<Msg, MsgRejection> {
    let Some(o) = value.as_object() else {
        return Err(MsgRejection {
            to: vec![],
            reference: None,
            code: codes::FIELD,
            text: format!("msg[{i}]: must be an object"),
        });
    };
    let (to, to_problem) = read_to(o);
    let reference = string(o, "", "reference");
    let kept_reference = reference.clone().ok().flatten();
    let reject = |code: u16, text: String| MsgRejection {
        to: to.clone(),
        reference: kept_reference.clone(),
        code,
        text,
    };
    let from = match string(o, "", "from") {
        Ok(Some(from)) => from,
        Ok(None) => {
            let text = "from: the Instagram account id is required".to_owned();
            return Err(reject(codes::MISSING_FROM, text));
        }
        Err(text) => return Err(reject(codes::FIELD, text)),
    };
    if let Some((code, text)) = to_problem {
        return Err(reject(code, text));
    }
    let rest = read_rest(o).map_err(|text| reject(codes::FIELD, text));
    let reference = reference.map_err(|text| reject(codes::FIELD, text))?;
    let (allowed_channels, validity, body_text, rich) = rest?;
    Ok(Msg {
        from,
        to: to.clone(),
        reference,
        allowed_channels,
        validity,
        body_text,
        rich,
    })
}

type Rest = (
    Vec<String>,
    Option<String>,
    Option<String>,
    Option<RichContent>,
);

fn read_rest(o: &Obj) -> Result<Rest, String> {
    let allowed_channels = array(o, "", "allowedChannels")?
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Value::String(s) => Ok(s.clone()),
            _ => Err(format!("allowedChannels[{i}]: must be a string")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let validity = string(o, "", "validity")?;
    let body_text = match get(o, "body") {
        None => None,
        Some(body) => string(object(body, "body")?, "body", "content")?,
    };
    let rich = match get(o, "richContent") {
        None => None,
        Some(rich) => Some(read_rich(object(rich, "richContent")?)?),
    };
    Ok((allowed_channels, validity, body_text, rich))
}
