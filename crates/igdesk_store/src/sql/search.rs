//! Search through each backend's full-text engine (migration 0017). Both read newest
//! first and stop at the page's end: a word in a million messages costs a page, not
//! a million rows. SQLite's FTS5 reads its index that way; PostgreSQL reads the
//! scope's newest items first and asks its GIN index only for older ones.

use super::reads::ITEM_SELECT;
use super::rows::{self, CUSTOMER_COLUMNS};
use super::{Backend, Binds, SqlStore};
use crate::model::{Customer, Scope, TimelineItem};
use crate::search::{Before, SearchQuery, SearchStore, SearchWords};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::CustomerId;
use sqlx::Row as _;
use std::collections::HashMap;

/// PostgreSQL reads this many of the newest items for the words before it asks the
/// GIN index: a common word has its page there.
const RECENT_ROWS: i64 = 5_000;

/// The engine's query for words that are letters and digits only (so quoting them
/// is safe): every word, the last one as a prefix when `prefix`.
fn engine_query(backend: Backend, words: &SearchWords, prefix: bool) -> String {
    let last = words.words().len() - 1;
    let terms = words.words().iter().enumerate().map(|(i, w)| {
        let prefix = prefix && i == last;
        match backend {
            Backend::Sqlite => format!("\"{w}\"{}", if prefix { "*" } else { "" }),
            Backend::Postgres => format!("'{w}'{}", if prefix { ":*" } else { "" }),
        }
    });
    match backend {
        Backend::Sqlite => terms.collect::<Vec<_>>().join(" "),
        Backend::Postgres => terms.collect::<Vec<_>>().join(" & "),
    }
}

/// What an agent may search, by the rule of `reads::customer_visible`: the
/// customers of the accounts routed to their inboxes, and customers whose open
/// conversation is in one of their inboxes (transferred there).
struct Searchable {
    accounts: Vec<i64>,
    customers: Vec<i64>,
}

impl Searchable {
    fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.customers.is_empty()
    }

    /// ` AND (account IN (…) OR customer IN (…))`, bound after the values before it.
    fn filter(&self, binds: &mut Binds, account: &str, customer: &str) -> String {
        let mut any = Vec::new();
        if !self.accounts.is_empty() {
            any.push(format!(
                "{account} IN ({})",
                binds.list(self.accounts.len())
            ));
        }
        if !self.customers.is_empty() {
            any.push(format!(
                "{customer} IN ({})",
                binds.list(self.customers.len())
            ));
        }
        format!(" AND ({})", any.join(" OR "))
    }

    /// The index's own terms for the scope, any of them: `"a3" OR "c1042"` (SQLite's
    /// `scope` column), `'~a3' | '~c1042'` (PostgreSQL's lexemes).
    fn index_terms(&self, backend: Backend) -> String {
        let terms = self
            .accounts
            .iter()
            .map(|a| ('a', a))
            .chain(self.customers.iter().map(|c| ('c', c)))
            .map(|(kind, id)| match backend {
                Backend::Sqlite => format!("\"{kind}{id}\""),
                Backend::Postgres => format!("'~{kind}{id}'"),
            })
            .collect::<Vec<_>>();
        match backend {
            Backend::Sqlite => terms.join(" OR "),
            Backend::Postgres => terms.join(" | "),
        }
    }

    /// PostgreSQL's filter on the rows, and the newest `RECENT_ROWS` ids of the
    /// scope: each account's newest through `timeline_items_by_account` (migration
    /// 0018), the transferred customers' through their own index, merged. Bound
    /// after the values before it, accounts then customers, as `values` gives them.
    /// `+ 0` keeps the planner off the account index where it is not wanted: its
    /// bitmap of a whole account ANDed with the GIN index's.
    fn newest(&self, binds: &mut Binds, before: &str) -> (String, String) {
        let accounts: Vec<String> = self.accounts.iter().map(|_| binds.one()).collect();
        let customers: Vec<String> = self.customers.iter().map(|_| binds.one()).collect();
        let (mut any, mut newest) = (Vec::new(), Vec::new());
        for account in &accounts {
            newest.push(format!(
                "(SELECT id FROM timeline_items WHERE account_id = {account} AND id < {before} \
                 ORDER BY id DESC LIMIT {RECENT_ROWS})"
            ));
        }
        if !accounts.is_empty() {
            any.push(format!("t.account_id + 0 IN ({})", accounts.join(", ")));
        }
        if !customers.is_empty() {
            let customers = customers.join(", ");
            any.push(format!("t.customer_id IN ({customers})"));
            // `id + 0`: their items found by customer, then sorted, never the key
            // walked newest first looking for them.
            newest.push(format!(
                "(SELECT id FROM timeline_items WHERE customer_id IN ({customers}) \
                 AND id < {before} ORDER BY id + 0 DESC LIMIT {RECENT_ROWS})"
            ));
        }
        (
            format!(" AND ({})", any.join(" OR ")),
            format!(
                "SELECT id FROM ({}) n ORDER BY id DESC LIMIT {RECENT_ROWS}",
                newest.join(" UNION ALL ")
            ),
        )
    }

    fn values(&self) -> impl Iterator<Item = i64> + '_ {
        self.accounts.iter().chain(&self.customers).copied()
    }
}

impl SqlStore {
    /// `None` for administrators: everything.
    async fn searchable(&self, scope: Scope) -> Result<Option<Searchable>> {
        if scope.admin {
            return Ok(None);
        }
        let reach = self.reach(scope.agent).await?;
        if reach.is_empty() {
            return Ok(Some(Searchable {
                accounts: Vec::new(),
                customers: Vec::new(),
            }));
        }
        // Open conversations are few (a partial index holds them); those of the
        // agent's accounts are found through their account already.
        let mut binds = Binds::new(self.backend);
        let inboxes = binds.list(reach.inboxes.len());
        let elsewhere = match reach.accounts.len() {
            0 => String::new(),
            n => format!(" AND v.account_id NOT IN ({})", binds.list(n)),
        };
        let sql = format!(
            "SELECT DISTINCT v.customer_id AS id FROM conversations v \
             WHERE v.state = 'open' AND v.inbox_id IN ({inboxes}){elsewhere} ORDER BY v.customer_id"
        );
        let mut query = sqlx::query(&sql);
        for id in reach.inboxes.iter().chain(&reach.accounts) {
            query = query.bind(*id);
        }
        let customers = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get::<i64, _>("id")?))
            .collect::<Result<Vec<_>>>()?;
        let accounts = reach.accounts;
        Ok(Some(Searchable {
            accounts,
            customers,
        }))
    }
}

#[async_trait]
impl SearchStore for SqlStore {
    async fn search_people(&self, q: &SearchQuery, before: Before) -> Result<Vec<Customer>> {
        let searchable = self.searchable(q.scope).await?;
        if searchable.as_ref().is_some_and(Searchable::is_empty) {
            return Ok(Vec::new());
        }
        let mut binds = Binds::new(self.backend);
        // Placeholders in the order they appear (SQLite's are positional).
        let (matched, before_sql) = (binds.one(), binds.one());
        let filter = searchable.as_ref().map_or_else(String::new, |s| {
            s.filter(&mut binds, "c.account_id", "c.id")
        });
        let limit = binds.one();
        let sql = match self.backend {
            Backend::Sqlite => format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customer_words w CROSS JOIN customers c ON c.id = w.rowid \
                 WHERE customer_words MATCH {matched} AND w.rowid < {before_sql} \
                 AND c.merged_into IS NULL{filter} ORDER BY w.rowid DESC LIMIT {limit}"
            ),
            // People are found through the GIN index, then the newest taken (`c.id + 0`
            // is an order no index gives): a word no name has, taken by the planner
            // for one in two hundred, had it walk all customers newest first (730 ms
            // at a million); the people a name matches are few enough to sort.
            Backend::Postgres => format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers c \
                 WHERE c.words @@ to_tsquery('simple', {matched}) AND c.id < {before_sql} \
                 AND c.merged_into IS NULL{filter} ORDER BY c.id + 0 DESC LIMIT {limit}"
            ),
        };
        let mut query = sqlx::query(&sql)
            .persistent(false)
            .bind(engine_query(self.backend, &q.words, true))
            .bind(before.unwrap_or(i64::MAX));
        for id in searchable.iter().flat_map(Searchable::values) {
            query = query.bind(id);
        }
        query = query.bind(q.limit as i64);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::customer)
            .collect()
    }

    async fn search_items(
        &self,
        q: &SearchQuery,
        before: Before,
    ) -> Result<Vec<(TimelineItem, String)>> {
        let searchable = self.searchable(q.scope).await?;
        if searchable.as_ref().is_some_and(Searchable::is_empty) {
            return Ok(Vec::new());
        }
        // On PostgreSQL the scope is a second tsquery, read as written (its lexemes
        // are `~a3`, `~c1042`); on SQLite it is part of the match, on its own column.
        let scope_terms = searchable.as_ref().map(|s| s.index_terms(self.backend));
        let matched_text = match (self.backend, &scope_terms) {
            (Backend::Sqlite, Some(scope)) => format!(
                "words : ({}) AND scope : ({scope})",
                engine_query(self.backend, &q.words, false)
            ),
            _ => engine_query(self.backend, &q.words, false),
        };
        let mut binds = Binds::new(self.backend);
        // Placeholders in the order they appear (SQLite's are positional).
        let matched = binds.one();
        let in_scope = match (self.backend, &scope_terms) {
            (Backend::Postgres, Some(_)) => format!(" && CAST({} AS tsquery)", binds.one()),
            _ => String::new(),
        };
        let before_sql = binds.one();
        let (filter, newest) = match (self.backend, &searchable) {
            (Backend::Sqlite, _) => (
                searchable.as_ref().map_or_else(String::new, |s| {
                    s.filter(&mut binds, "t.account_id", "t.customer_id")
                }),
                String::new(),
            ),
            (Backend::Postgres, None) => (
                String::new(),
                format!(
                    "SELECT id FROM timeline_items WHERE id < {before_sql} \
                     ORDER BY id DESC LIMIT {RECENT_ROWS}"
                ),
            ),
            (Backend::Postgres, Some(s)) => s.newest(&mut binds, &before_sql),
        };
        let limit = binds.one();
        // The index is read newest first and joined to its items as it goes (SQLite's
        // CROSS JOIN keeps that order); igdesk's own notices are not search results.
        // The scope is checked on the rows too: the index narrows, the rows decide.
        let found = match self.backend {
            Backend::Sqlite => format!(
                "SELECT w.rowid AS id FROM item_words w CROSS JOIN timeline_items t ON t.id = w.rowid \
                 WHERE item_words MATCH {matched} AND w.rowid < {before_sql} AND t.kind <> 'notice'{filter} \
                 ORDER BY w.rowid DESC LIMIT {limit}"
            ),
            // PostgreSQL's planner cannot tell a word in one message of eight from one
            // in none (tsvector statistics), nor that an account's rows are not spread
            // evenly over the key: left to choose, it walked the key newest first
            // through millions of rows for a rare word, or an agent's quiet account.
            // So the plan is fixed by the query's shape, in two appended parts:
            // - the newest `RECENT_ROWS` items of the scope (`newest`: an index-only
            //   read) as an array the key is read through, newest first, until the
            //   page is full (`= ANY` of an array keeps the key's order);
            //   `ts_match_vq` there is the `@@` no index can take over;
            // - only when they hold too few matches, the GIN index for the older ones
            //   (`t.id + 0`: sorted, as an index range there would have the planner
            //   AND the GIN bitmap with one of millions of keys).
            // Never sorted together: the second part's ids are all older.
            Backend::Postgres => {
                let words = format!("(to_tsquery('simple', {matched}){in_scope})");
                format!(
                    "WITH recent AS MATERIALIZED (SELECT ARRAY({newest}) AS ids) \
                     SELECT id FROM ( \
                       (SELECT t.id FROM timeline_items t \
                        WHERE t.id = ANY(CAST((SELECT ids FROM recent) AS bigint[])) \
                        AND ts_match_vq(t.words, to_tsquery('simple', {matched})) \
                        AND t.kind <> 'notice'{filter} ORDER BY t.id DESC LIMIT {limit}) \
                       UNION ALL \
                       (SELECT t.id FROM timeline_items t WHERE t.words @@ {words} \
                        AND t.id + 0 < (SELECT CASE WHEN cardinality(ids) < {RECENT_ROWS} \
                          THEN 0 ELSE ids[{RECENT_ROWS}] END FROM recent) \
                        AND t.kind <> 'notice'{filter} ORDER BY t.id + 0 DESC LIMIT {limit}) \
                     ) found LIMIT {limit}"
                )
            }
        };
        let sql = format!("{ITEM_SELECT} WHERE t.id IN ({found}) ORDER BY t.id DESC");
        // Planned for these words every time (an unnamed statement): how common a word
        // is decides between reading the GIN index and walking the newest rows, and a
        // plan made once for any words chose the index for "linen" too (330 ms).
        let mut query = sqlx::query(&sql).persistent(false).bind(matched_text);
        if self.backend == Backend::Postgres {
            if let Some(scope) = scope_terms {
                query = query.bind(scope);
            }
        }
        query = query.bind(before.unwrap_or(i64::MAX));
        for id in searchable.iter().flat_map(Searchable::values) {
            query = query.bind(id);
        }
        query = query.bind(q.limit as i64);
        let items = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::item)
            .collect::<Result<Vec<_>>>()?;
        let names = self.customer_names(&items).await?;
        Ok(items
            .into_iter()
            .map(|item| {
                let name = names.get(&item.customer_id).cloned().unwrap_or_default();
                (item, name)
            })
            .collect())
    }
}

impl SqlStore {
    async fn customer_names(&self, items: &[TimelineItem]) -> Result<HashMap<CustomerId, String>> {
        let mut ids: Vec<i64> = items.iter().map(|i| i.customer_id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, name, username, igsid FROM customers WHERE id IN ({})",
            Binds::new(self.backend).list(ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    CustomerId(r.try_get("id")?),
                    super::routing::customer_name(r)?,
                ))
            })
            .collect()
    }
}
