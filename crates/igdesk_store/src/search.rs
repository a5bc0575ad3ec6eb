//! Search (issue: search box in the top bar): people by what identifies them, and
//! messages by their words, through the backends' full-text engines (SQLite FTS5,
//! PostgreSQL tsvector with GIN), newest first, scoped like every read.

use crate::model::{Customer, Scope, TimelineItem};
use crate::Result;
use async_trait::async_trait;

/// The words a search asks for: letters and digits only, so nothing a person types
/// is read as the engine's own syntax. Every word must be present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWords(Vec<String>);

/// At most this many words are searched for.
pub const MAX_SEARCH_WORDS: usize = 8;
/// A word longer than this is cut: no real word is, and the engines index them whole.
pub const MAX_WORD_CHARS: usize = 64;

impl SearchWords {
    /// Splits text into words as the indexes do (at anything not a letter or a digit),
    /// lower-cased. `None` when no word is left.
    pub fn parse(text: &str) -> Option<SearchWords> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                w.chars()
                    .take(MAX_WORD_CHARS)
                    .collect::<String>()
                    .to_lowercase()
            })
            .take(MAX_SEARCH_WORDS)
            .collect();
        (!words.is_empty()).then_some(SearchWords(words))
    }

    pub fn words(&self) -> &[String] {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub scope: Scope,
    pub words: SearchWords,
    /// At most this many of each kind.
    pub limit: usize,
}

/// Where a page of people or messages starts: below this id (results come newest
/// first).
pub type Before = Option<i64>;

#[async_trait]
pub trait SearchStore: Send + Sync {
    /// People whose name, username, IGSID, phone or email has every word (the last
    /// one as a prefix, so "ana sou" finds Ana Souza while it is typed), newest
    /// first; profiles merged into another are left out.
    async fn search_people(&self, q: &SearchQuery, before: Before) -> Result<Vec<Customer>>;

    /// Messages, comments and notes with every word, newest first, with their
    /// customer's name. Deleted messages are not in the index.
    async fn search_items(
        &self,
        q: &SearchQuery,
        before: Before,
    ) -> Result<Vec<(TimelineItem, String)>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_like_the_indexes_and_never_carry_syntax() {
        let w = SearchWords::parse("  Ana.Souza \"OR\" linen* -shirt (NEAR) ").unwrap();
        assert_eq!(w.words(), ["ana", "souza", "or", "linen", "shirt", "near"]);
        assert_eq!(SearchWords::parse(" *-\"() "), None);
        let many = SearchWords::parse(&"a ".repeat(50)).unwrap();
        assert_eq!(many.words().len(), MAX_SEARCH_WORDS);
        let long = SearchWords::parse(&"x".repeat(500)).unwrap();
        assert_eq!(long.words()[0].len(), MAX_WORD_CHARS);
        assert_eq!(SearchWords::parse("Chloé").unwrap().words(), ["chloé"]);
    }
}
