//! A customer's comment is answered once publicly and once privately (OUT-8). Each
//! once-only flag in the comment's context is taken by one conditional update that
//! decides: of two agents answering at the same moment, the one whose update changed
//! the row goes on, the other is refused. A read-then-write would let both through.
//!
//! The flags live in the item's JSON `context`; each backend edits it with its own
//! JSON functions, so a flag is set without reading and rewriting the rest.

use super::{Backend, SqlStore};
use crate::Result;
use igdesk_domain::{AccountId, ItemId};
use sqlx::{Any, Transaction};

/// A once-only action on a comment, named as its flag in `ItemContext`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Once {
    PublicReply,
    PrivateReply,
}

impl Once {
    fn key(self) -> &'static str {
        match self {
            Once::PublicReply => "replied_publicly",
            Once::PrivateReply => "replied_privately",
        }
    }
}

/// `context` with `once`'s flag set, as an SQL expression.
fn set(backend: Backend, once: Once) -> String {
    let key = once.key();
    match backend {
        Backend::Sqlite => format!("json_set(context, '$.{key}', json('true'))"),
        Backend::Postgres => format!("(context::jsonb || '{{\"{key}\": true}}'::jsonb)::text"),
    }
}

/// Whether `once`'s flag is set in `context`, as an SQL condition.
fn is_set(backend: Backend, once: Once) -> String {
    let key = once.key();
    match backend {
        Backend::Sqlite => format!("COALESCE(json_extract(context, '$.{key}'), 0) = 1"),
        Backend::Postgres => format!("COALESCE((context::jsonb ->> '{key}')::boolean, false)"),
    }
}

/// Takes `once` on the customer's comment `where_` picks: true for the one caller
/// whose update changed the row.
fn claim_sql(backend: Backend, once: Once, where_: &str) -> String {
    format!(
        "UPDATE timeline_items SET context = {} WHERE {where_} AND kind = 'comment' \
         AND direction = 'in' AND NOT ({})",
        set(backend, once),
        is_set(backend, once),
    )
}

/// `new` (a whole context, as JSON) keeping the once-only flags already set in the
/// stored `context`: rewriting an item's context (a like, hiding a comment) must not
/// give back an answer already taken.
pub(super) fn keeping_flags(backend: Backend, new: &str) -> String {
    let flags = [Once::PublicReply, Once::PrivateReply];
    match backend {
        Backend::Sqlite => flags.iter().fold(new.to_owned(), |acc, once| {
            format!(
                "json_patch({acc}, CASE WHEN {} THEN '{{\"{}\":true}}' ELSE '{{}}' END)",
                is_set(backend, *once),
                once.key()
            )
        }),
        Backend::Postgres => {
            let kept = flags
                .iter()
                .map(|once| {
                    format!(
                        "CASE WHEN {} THEN '{{\"{}\": true}}'::jsonb ELSE '{{}}'::jsonb END",
                        is_set(backend, *once),
                        once.key()
                    )
                })
                .collect::<Vec<_>>()
                .join(" || ");
            format!("({new}::jsonb || {kept})::text")
        }
    }
}

impl SqlStore {
    /// Takes `once` on the comment `comment`: false when it was taken already (or the
    /// item is not a customer's comment).
    pub(super) async fn claim_once(&self, comment: ItemId, once: Once) -> Result<bool> {
        let _turn = self.writer_turn().await;
        let changed = sqlx::query(&claim_sql(self.backend, once, "id = $1"))
            .bind(comment.0)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(changed == 1)
    }

    /// Gives `once` back: the action it was taken for did not happen.
    pub(super) async fn release_once(&self, comment: ItemId, once: Once) -> Result<()> {
        let key = once.key();
        let unset = match self.backend {
            Backend::Sqlite => format!("json_remove(context, '$.{key}')"),
            Backend::Postgres => format!("(context::jsonb - '{key}')::text"),
        };
        let _turn = self.writer_turn().await;
        sqlx::query(&format!(
            "UPDATE timeline_items SET context = {unset} WHERE id = $1"
        ))
        .bind(comment.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets `once` on the item `item`, in `tx`, whatever it was (the action is done).
    pub(super) async fn mark_once(
        &self,
        tx: &mut Transaction<'static, Any>,
        item: ItemId,
        once: Once,
    ) -> Result<()> {
        sqlx::query(&format!(
            "UPDATE timeline_items SET context = {} WHERE id = $1",
            set(self.backend, once)
        ))
        .bind(item.0)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// Takes the private reply to the account's comment `comment_mid` in `tx`, the
/// transaction that queues it: false when it was taken already.
pub(super) async fn claim_private_reply(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    account: AccountId,
    comment_mid: &str,
) -> Result<bool> {
    let changed = sqlx::query(&claim_sql(
        backend,
        Once::PrivateReply,
        "account_id = $1 AND mid = $2",
    ))
    .bind(account.0)
    .bind(comment_mid.to_owned())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
