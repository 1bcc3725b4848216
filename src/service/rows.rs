//! Reading rows by column position.
//!
//! sea-orm's derived `FromQueryResult` looks every column up by name: a SipHash of the name
//! per column per row, then a type check, then the decode. On a nested page that was the
//! largest single cost of a request (callgrind, Q1 of the benchmark: a fifth of the
//! server's instructions went to `try_get` by name). Every statement here selects an
//! explicit column list and reads it back by position instead.

use entity::user_plan::Role;
use entity::{plan, user, user_plan};
use sea_orm::sqlx::{self, Postgres, Row as _, Sqlite};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, QueryResult, Statement};

/// A model read from a known list of columns.
pub trait Row: Sized {
    /// The select list [`Row::read`] expects, in its order.
    const COLUMNS: &'static str;

    /// The model from the row's columns starting at position `at`.
    fn read(row: &QueryResult, at: usize) -> Result<Self, DbErr>;
}

pub async fn fetch_all<M: Row>(
    conn: &impl ConnectionTrait,
    statement: Statement,
) -> Result<Vec<M>, DbErr> {
    let rows = conn.query_all_raw(statement).await?;
    rows.iter().map(|row| M::read(row, 0)).collect()
}

pub async fn fetch_one<M: Row>(
    conn: &impl ConnectionTrait,
    statement: Statement,
) -> Result<Option<M>, DbErr> {
    let row = conn.query_one_raw(statement).await?;
    row.map(|row| M::read(&row, 0)).transpose()
}

/// Column `at` of the row, decoded by sqlx itself: sea-orm's by-index read checks the
/// column's type twice and copies the value through its own error types.
fn get<T>(row: &QueryResult, at: usize) -> Result<T, DbErr>
where
    T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
    T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    let read = if let Some(row) = row.try_as_pg_row() {
        row.try_get(at)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get(at)
    } else {
        return Err(DbErr::Type("a row of an unsupported database".into()));
    };
    read.map_err(|err| DbErr::Type(format!("column {at}: {err}")))
}

impl Row for user::Model {
    const COLUMNS: &'static str = "id, email, name, inserted_at, updated_at";

    fn read(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        Ok(user::Model {
            id: get(row, at)?,
            email: get(row, at + 1)?,
            name: get(row, at + 2)?,
            inserted_at: get(row, at + 3)?,
            updated_at: get(row, at + 4)?,
        })
    }
}

impl Row for plan::Model {
    const COLUMNS: &'static str = "id, name, description, inserted_at, updated_at";

    fn read(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        Ok(plan::Model {
            id: get(row, at)?,
            name: get(row, at + 1)?,
            description: get(row, at + 2)?,
            inserted_at: get(row, at + 3)?,
            updated_at: get(row, at + 4)?,
        })
    }
}

impl Row for user_plan::Model {
    const COLUMNS: &'static str = "user_id, plan_id, role, inserted_at";

    fn read(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        Ok(user_plan::Model {
            user_id: get(row, at)?,
            plan_id: get(row, at + 1)?,
            role: Role::try_from_value(&get(row, at + 2)?)?,
            inserted_at: get(row, at + 3)?,
        })
    }
}
