//! docs/OPERATIONS.md says how each table would be distributed by account ("Past
//! one PostgreSQL"). This keeps that table true: every table of the schema is in it,
//! once, and those said to be distributed by `account_id` have that column while
//! the others do not, on SQLite and on PostgreSQL.

use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet};

/// The documented tables: name -> distributed by `account_id`.
fn documented() -> BTreeMap<String, bool> {
    let doc = include_str!("../../../docs/OPERATIONS.md");
    let section = doc
        .split("#### Past one PostgreSQL: tables by account")
        .nth(1)
        .expect("the section is in docs/OPERATIONS.md")
        .split("\n#")
        .next()
        .unwrap();
    let mut tables = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        let by_account_id = cells[2].starts_with("by `account_id`");
        assert!(
            tables.insert(name.clone(), by_account_id).is_none(),
            "{name} is documented twice"
        );
    }
    tables
}

fn check(schema: BTreeMap<String, bool>) {
    let documented = documented();
    let missing: BTreeSet<&String> = schema
        .keys()
        .filter(|t| !documented.contains_key(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "tables not in docs/OPERATIONS.md: {missing:?}"
    );
    for (table, by_account_id) in &documented {
        let has = schema
            .get(table)
            .unwrap_or_else(|| panic!("{table} is documented but not in the schema"));
        assert_eq!(
            has, by_account_id,
            "{table}: has account_id = {has}, documented as distributed by it = {by_account_id}"
        );
    }
}

#[tokio::test]
async fn every_table_is_documented_with_its_distribution_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    drop(igdesk_store::connect(&url).await.unwrap());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // The search's full-text indexes (virtual tables) and their shadow tables are
    // SQLite's machinery; on PostgreSQL the same search is an index on the table.
    let names: Vec<String> = sqlx::query(
        "SELECT t.name FROM sqlite_master t WHERE t.type = 'table' \
         AND t.name NOT LIKE 'sqlite_%' AND t.sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
         AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' \
           AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND t.name LIKE v.name || '\\_%' ESCAPE '\\')",
    )
    .fetch_all(&mut db)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let mut schema = BTreeMap::new();
    for name in names {
        let columns = sqlx::query(&format!("SELECT name FROM pragma_table_info('{name}')"))
            .fetch_all(&mut db)
            .await
            .unwrap();
        let has = columns
            .iter()
            .any(|c| c.get::<String, _>("name") == "account_id");
        schema.insert(name, has);
    }
    check(schema);
}

#[tokio::test]
async fn every_table_is_documented_with_its_distribution_on_postgres() {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    drop(igdesk_store::connect(&url).await.unwrap());
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let rows = sqlx::query(
        "SELECT t.table_name::text AS name, EXISTS (SELECT 1 FROM information_schema.columns c \
         WHERE c.table_schema = 'public' AND c.table_name = t.table_name \
         AND c.column_name = 'account_id') AS has \
         FROM information_schema.tables t \
         WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    check(rows.iter().map(|r| (r.get("name"), r.get("has"))).collect());
}
