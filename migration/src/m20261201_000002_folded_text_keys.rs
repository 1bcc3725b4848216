//! Folded copies of the text the server compares ignoring case (`entity::text`):
//! `users.email_key`, unique, replaces the index on `lower(email)` (SQLite's `lower()`
//! folds ASCII only, and neither database's folds `ë` written as `e` plus a combining
//! diaeresis), and `name_folded` on `users` and `plans` is what `nameContains` searches.
//! Existing rows get theirs computed in Rust by the function the server writes them with.

use std::fmt::Write as _;

use entity::text::fold_case;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    EmailKey,
    Name,
    NameFolded,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Name,
    NameFolded,
}

const LOWER_EMAIL_INDEX: &str = "users_email_lower_key";
const EMAIL_KEY_INDEX: &str = "users_email_key_key";
/// Rows read and written per statement while filling the new columns.
const ROWS_PER_BATCH: u64 = 500;
/// Groups of colliding emails named in the error; the rest are counted.
const COLLISIONS_NAMED: usize = 20;

/// A table whose `id`-keyed rows get folded copies of some of their columns.
struct Folded {
    table: DynIden,
    id: DynIden,
    /// (column, its folded copy)
    columns: Vec<(DynIden, DynIden)>,
}

fn folded_columns() -> [Folded; 2] {
    [
        Folded {
            table: Users::Table.into_iden(),
            id: Users::Id.into_iden(),
            columns: vec![
                (Users::Email.into_iden(), Users::EmailKey.into_iden()),
                (Users::Name.into_iden(), Users::NameFolded.into_iden()),
            ],
        },
        Folded {
            table: Plans::Table.into_iden(),
            id: Plans::Id.into_iden(),
            columns: vec![(Plans::Name.into_iden(), Plans::NameFolded.into_iden())],
        },
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// On SQLite too (sea-orm-migration wraps only PostgreSQL's by default): a migration
    /// refused for colliding emails leaves the schema and the rows as they were.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for folded in folded_columns() {
            for (_, copy) in &folded.columns {
                // SQLite adds a NOT NULL column only with a default; the fill below
                // replaces it in every existing row.
                let column = ColumnDef::new(copy.clone())
                    .string()
                    .not_null()
                    .default("")
                    .to_owned();
                let alter = Table::alter()
                    .table(folded.table.clone())
                    .add_column(column)
                    .to_owned();
                manager.alter_table(alter).await?;
            }
            fill(manager, &folded).await?;
        }
        refuse_colliding_emails(manager).await?;
        manager
            .drop_index(Index::drop().name(LOWER_EMAIL_INDEX).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(EMAIL_KEY_INDEX)
                    .table(Users::Table)
                    .col(Users::EmailKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            // A write that forgets a folded copy must fail, not store ''. SQLite cannot
            // drop a column default short of rebuilding the table, so there the server's
            // writes are what keeps every copy filled.
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE users ALTER COLUMN email_key DROP DEFAULT, \
                     ALTER COLUMN name_folded DROP DEFAULT; \
                     ALTER TABLE plans ALTER COLUMN name_folded DROP DEFAULT",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(EMAIL_KEY_INDEX).to_owned())
            .await?;
        for folded in folded_columns() {
            for (_, copy) in folded.columns {
                let alter = Table::alter()
                    .table(folded.table.clone())
                    .drop_column(copy)
                    .to_owned();
                manager.alter_table(alter).await?;
            }
        }
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {LOWER_EMAIL_INDEX} ON users (lower(email))"
            ))
            .await?;
        Ok(())
    }
}

/// Writes the folded copies of every row, a batch of rows per statement, walking the
/// table by id.
async fn fill(manager: &SchemaManager<'_>, folded: &Folded) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = Query::select();
        select
            .column(folded.id.clone())
            .columns(folded.columns.iter().map(|(column, _)| column.clone()))
            .from(folded.table.clone())
            .order_by(folded.id.clone(), Order::Asc)
            .limit(ROWS_PER_BATCH);
        if let Some(after) = after {
            select.and_where(Expr::col(folded.id.clone()).gt(after));
        }
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.try_get_by_index(0)?);
        // One joined UPDATE per batch: `UPDATE … FROM (VALUES …)` on both databases
        // (SQLite since 3.33), whose VALUES columns are named column1, column2, …
        let backend = manager.get_database_backend();
        let width = folded.columns.len() + 1;
        let mut values = Vec::with_capacity(rows.len() * width);
        let mut tuples = Vec::with_capacity(rows.len());
        for row in &rows {
            values.push(Value::from(row.try_get_by_index::<Uuid>(0)?));
            for n in 1..width {
                values.push(fold_case(&row.try_get_by_index::<String>(n)?).into());
            }
            let first = values.len() - width;
            let placeholders: Vec<String> = (first..values.len())
                .map(|n| match backend {
                    DbBackend::Postgres => format!("${}", n + 1),
                    _ => "?".to_owned(),
                })
                .collect();
            tuples.push(format!("({})", placeholders.join(", ")));
        }
        let sets: Vec<String> = folded
            .columns
            .iter()
            .enumerate()
            .map(|(n, (_, copy))| format!("{} = v.column{}", copy, n + 2))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {sets} FROM (VALUES {tuples}) AS v WHERE {table}.{id} = v.column1",
            table = folded.table,
            id = folded.id,
            sets = sets.join(", "),
            tuples = tuples.join(", "),
        );
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
}

/// Fails, naming them, when existing users' emails are one address once folded: the
/// unique key cannot hold both, and which to keep is for a person to decide.
async fn refuse_colliding_emails(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let colliding = Query::select()
        .column(Users::EmailKey)
        .from(Users::Table)
        .group_by_col(Users::EmailKey)
        .and_having(Expr::col(Users::Id).count().gt(1))
        .order_by(Users::EmailKey, Order::Asc)
        .to_owned();
    let keys: Vec<String> = db
        .query_all(&colliding)
        .await?
        .iter()
        .map(|row| row.try_get_by_index(0))
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Ok(());
    }
    let named = &keys[..keys.len().min(COLLISIONS_NAMED)];
    let users = Query::select()
        .columns([Users::EmailKey, Users::Email, Users::Id])
        .from(Users::Table)
        .and_where(Expr::col(Users::EmailKey).is_in(named.iter().cloned()))
        .order_by(Users::EmailKey, Order::Asc)
        .order_by(Users::Id, Order::Asc)
        .to_owned();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for row in db.query_all(&users).await? {
        let (key, user) = colliding_user(&row)?;
        match groups.last_mut() {
            Some((last, members)) if *last == key => members.push(user),
            _ => groups.push((key, vec![user])),
        }
    }
    let mut message = format!(
        "cannot make emails unique ignoring case: {} shared by more than one user once case \
         is ignored (Unicode case folding). On each line below, change the email of all but \
         one user (or delete those users), then migrate again:",
        match keys.len() {
            1 => "one address is".to_owned(),
            n => format!("{n} addresses are"),
        }
    );
    for (_, members) in &groups {
        let _ = write!(message, "\n  {}", members.join(", "));
    }
    if keys.len() > named.len() {
        let _ = write!(
            message,
            "\n  and {} more addresses",
            keys.len() - named.len()
        );
    }
    Err(DbErr::Migration(message))
}

/// (email key, "email (id …)") of a row of the collision query.
fn colliding_user(row: &QueryResult) -> Result<(String, String), DbErr> {
    let key: String = row.try_get_by_index(0)?;
    let email: String = row.try_get_by_index(1)?;
    let id: Uuid = row.try_get_by_index(2)?;
    Ok((key, format!("{email:?} (id {id})")))
}
