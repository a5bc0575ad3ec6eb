//! Search: people by what identifies them, messages (and notes) by their words, for
//! the top bar's search box and `GET /api/v1/search`. Scoped like every read: an
//! agent finds only the people and messages of their inboxes.

use crate::app::App;
use crate::service::error::ServiceError;
use igdesk_store::{Agent, Customer, SearchQuery, SearchWords, TimelineItem};

/// A search box's text is at most this long.
pub const MAX_QUERY_CHARS: usize = 200;
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// People, then messages: the first page of each.
    All,
    People,
    Messages,
}

impl SearchKind {
    pub fn parse(kind: Option<&str>) -> Result<Self, ServiceError> {
        match kind.unwrap_or("all") {
            "all" => Ok(Self::All),
            "people" => Ok(Self::People),
            "messages" => Ok(Self::Messages),
            _ => Err(bad(
                "invalid_kind",
                "kind is all, people or messages",
                "kind",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::People => "people",
            Self::Messages => "messages",
        }
    }
}

/// What a search asks for, checked.
#[derive(Debug, Clone)]
pub struct Search {
    pub text: String,
    pub words: SearchWords,
    pub kind: SearchKind,
    pub limit: usize,
    /// The page of `kind` (people or messages) that starts below this id.
    pub before: Option<i64>,
}

impl Search {
    pub fn parse(
        q: &str,
        kind: Option<&str>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Self, ServiceError> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(bad(
                "query_too_long",
                format!("search for at most {MAX_QUERY_CHARS} characters"),
                "q",
            ));
        }
        let words = SearchWords::parse(q).ok_or_else(|| {
            bad(
                "empty_query",
                "type a word, a name or a number to search for",
                "q",
            )
        })?;
        let kind = SearchKind::parse(kind)?;
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Some(_) => {
                return Err(bad(
                    "invalid_limit",
                    format!("limit is from 1 to {MAX_LIMIT}"),
                    "limit",
                ))
            }
        };
        let before = match cursor {
            None => None,
            Some(_) if kind == SearchKind::All => {
                return Err(bad(
                    "invalid_cursor",
                    "a cursor pages people or messages: give kind=people or kind=messages",
                    "cursor",
                ))
            }
            Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                bad(
                    "invalid_cursor",
                    "cursor is the `next` of an earlier page",
                    "cursor",
                )
            })?),
        };
        Ok(Search {
            text: q.trim().to_owned(),
            words,
            kind,
            limit,
            before,
        })
    }
}

fn bad(code: &'static str, message: impl Into<String>, field: &'static str) -> ServiceError {
    ServiceError::bad_request(code, message).field(field)
}

/// A message found, with its customer's name and the words that matched marked.
pub struct FoundItem {
    pub item: TimelineItem,
    pub customer_name: String,
    pub excerpt: Vec<Piece>,
}

/// A run of an excerpt's text; `hit` when it is one of the words searched for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

pub struct Found {
    pub people: Vec<Customer>,
    pub items: Vec<FoundItem>,
    /// The cursor of the next page of `kind` (never for `All`).
    pub next: Option<i64>,
}

pub async fn search(app: &App, agent: &Agent, s: &Search) -> Result<Found, ServiceError> {
    // One more than asked for says whether there is a next page.
    let q = SearchQuery {
        scope: agent.scope(),
        words: s.words.clone(),
        limit: s.limit + 1,
    };
    let mut found = Found {
        people: Vec::new(),
        items: Vec::new(),
        next: None,
    };
    if s.kind != SearchKind::Messages {
        found.people = app.store.search_people(&q, s.before).await?;
        if found.people.len() > s.limit {
            found.people.truncate(s.limit);
            if s.kind == SearchKind::People {
                found.next = found.people.last().map(|c| c.id.0);
            }
        }
    }
    if s.kind != SearchKind::People {
        let mut items = app.store.search_items(&q, s.before).await?;
        if items.len() > s.limit {
            items.truncate(s.limit);
            if s.kind == SearchKind::Messages {
                found.next = items.last().map(|(i, _)| i.id.0);
            }
        }
        found.items = items
            .into_iter()
            .map(|(item, customer_name)| FoundItem {
                excerpt: excerpt(item.text.as_deref().unwrap_or(""), s.words.words()),
                item,
                customer_name,
            })
            .collect();
    }
    Ok(found)
}

/// Characters of context kept before the first word that matched.
const LEAD: usize = 60;
/// An excerpt is at most this long.
const EXCERPT_CHARS: usize = 240;

/// The part of `text` around the first matching word, cut into runs with the words
/// searched for marked (compared as the indexes do: split at anything not a letter
/// or a digit, lower-cased).
pub fn excerpt(text: &str, words: &[String]) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    // Each word of the text: where it starts and ends, in characters.
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word: String = chars[s..i].iter().collect::<String>().to_lowercase();
                if words.contains(&word) {
                    spans.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    let from = spans.first().map_or(0, |(s, _)| s.saturating_sub(LEAD));
    // Start at a word's beginning when cutting into the text.
    let from = if from == 0 {
        0
    } else {
        (from..chars.len())
            .find(|&i| !chars[i - 1].is_alphanumeric())
            .unwrap_or(from)
    };
    let to = (from + EXCERPT_CHARS).min(chars.len());
    let mut pieces = Vec::new();
    let mut push = |text: String, hit: bool| {
        if !text.is_empty() {
            pieces.push(Piece { text, hit });
        }
    };
    let mut at = from;
    if from > 0 {
        push("…".to_owned(), false);
    }
    for (s, e) in spans.into_iter().filter(|(s, e)| *s >= from && *e <= to) {
        push(chars[at..s].iter().collect(), false);
        push(chars[s..e].iter().collect(), true);
        at = e;
    }
    push(chars[at..to].iter().collect(), false);
    if to < chars.len() {
        push("…".to_owned(), false);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn an_excerpt_marks_every_word_searched_for() {
        let words = vec!["linen".to_owned(), "shirt".to_owned()];
        assert_eq!(
            marked(&excerpt(
                "Is the Linen shirt still available? linen-shirts no",
                &words
            )),
            "Is the [Linen] [shirt] still available? [linen]-shirts no"
        );
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match_at_a_word() {
        let text = format!("{} parcel {}", "word ".repeat(100), "tail ".repeat(100));
        let pieces = excerpt(&text, &["parcel".to_owned()]);
        let out = marked(&pieces);
        assert!(out.starts_with("…word "), "{out}");
        assert!(out.contains("[parcel]"));
        assert!(out.ends_with('…'));
        // The text kept, and an ellipsis at each cut end.
        let kept: usize = pieces.iter().map(|p| p.text.chars().count()).sum();
        assert!(kept <= EXCERPT_CHARS + 2, "{kept}");
    }

    #[test]
    fn bad_searches_name_their_field() {
        let field = |r: Result<Search, ServiceError>| r.unwrap_err().field;
        assert_eq!(field(Search::parse("  ?! ", None, None, None)), Some("q"));
        assert_eq!(
            field(Search::parse(&"a".repeat(201), None, None, None)),
            Some("q")
        );
        assert_eq!(
            field(Search::parse("ana", Some("all-of-it"), None, None)),
            Some("kind")
        );
        assert_eq!(
            field(Search::parse("ana", None, Some(0), None)),
            Some("limit")
        );
        assert_eq!(
            field(Search::parse("ana", None, Some(51), None)),
            Some("limit")
        );
        assert_eq!(
            field(Search::parse("ana", None, None, Some("12"))),
            Some("cursor")
        );
        assert_eq!(
            field(Search::parse("ana", Some("people"), None, Some("x"))),
            Some("cursor")
        );
        let ok = Search::parse(" ana ", Some("messages"), Some(5), Some("12")).unwrap();
        assert_eq!(
            (ok.kind, ok.limit, ok.before),
            (SearchKind::Messages, 5, Some(12))
        );
    }
}
