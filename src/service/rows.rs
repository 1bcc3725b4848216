//! Reading rows by column position.
//!
//! sea-orm's derived `FromQueryResult` looks every column up by name: a SipHash of the name
//! per column per row, then a type check, then the decode. On a nested page that was the
//! largest single cost of a request (counted with callgrind; the README's performance
//! section has the figures). Every statement here selects an explicit column list and reads
//! it back by position instead, and on PostgreSQL, where every row of a result has the same
//! column types, checks those types on the first row only (the checks per value were the
//! next largest cost).

use chrono::{DateTime, Utc};
use entity::user_plan::Role;
use entity::{plan, user, user_plan};
use sea_orm::sqlx::postgres::{PgRow, PgValueFormat};
use sea_orm::sqlx::{self, Postgres, Row as _, Sqlite, ValueRef as _};
use sea_orm::{ActiveEnum, DbErr, QueryResult, Statement};

use super::UserId;
use crate::db::Reads;

/// A model read from a known list of columns.
pub trait Row: Sized {
    /// The select list [`Row::read`] expects, in its order.
    const COLUMNS: &'static str;

    /// The model from the next columns of `columns`, in the order of [`Row::COLUMNS`].
    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr>;
}

pub async fn fetch_all<M: Row>(conn: &impl Reads, statement: Statement) -> Result<Vec<M>, DbErr> {
    let rows = conn.read_all(statement).await?;
    columns_of(&rows)
        .map(|mut columns| M::read(&mut columns))
        .collect()
}

pub async fn fetch_one<M: Row>(
    conn: &impl Reads,
    statement: Statement,
) -> Result<Option<M>, DbErr> {
    let row = conn.read_one(statement).await?;
    row.map(|row| M::read(&mut columns_of_one(&row)))
        .transpose()
}

/// The columns of a statement's only row, to be read left to right.
pub fn columns_of_one(row: &QueryResult) -> Columns<'_> {
    Columns::new(row, true)
}

/// The rows of one statement's result, each to be read left to right.
pub fn columns_of(rows: &[QueryResult]) -> impl Iterator<Item = Columns<'_>> {
    rows.iter()
        .enumerate()
        .map(|(n, row)| Columns::new(row, n == 0))
}

/// The columns of one row, read left to right.
pub struct Columns<'a> {
    row: &'a QueryResult,
    next: usize,
    /// Whether the PostgreSQL column types still need checking: on the first row of a
    /// result. SQLite checks every value, since each of its values has its own type.
    check_types: bool,
}

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl<'a> Columns<'a> {
    /// `first_of_result`: the row is the first of its statement's result (or alone).
    fn new(row: &'a QueryResult, first_of_result: bool) -> Self {
        Columns {
            row,
            next: 0,
            check_types: first_of_result,
        }
    }

    /// Decodes the next column.
    pub fn get<T>(&mut self) -> Result<T, DbErr>
    where
        T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
        T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
    {
        let at = self.advance();
        let read = if let Some(row) = self.row.try_as_pg_row() {
            if self.check_types {
                row.try_get(at)
            } else {
                row.try_get_unchecked(at)
            }
        } else if let Some(row) = self.row.try_as_sqlite_row() {
            row.try_get(at)
        } else {
            return Err(DbErr::Type("a row of an unsupported database".into()));
        };
        read.map_err(|err| DbErr::Type(format!("column {at}: {err}")))
    }

    /// Decodes the next column, a `timestamptz`. PostgreSQL sends one as a big-endian
    /// count of microseconds since 2000-01-01; sqlx's chrono decode gets there through
    /// calendar arithmetic and a fixed offset, many times the work of this one addition.
    pub fn time(&mut self) -> Result<DateTime<Utc>, DbErr> {
        match self.row.try_as_pg_row() {
            Some(row) if !self.check_types => {
                let at = self.advance();
                postgres_time(row, at)
                    .ok_or_else(|| DbErr::Type(format!("column {at}: not a timestamptz")))
            }
            _ => self.get(),
        }
    }

    fn advance(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }
}

/// A binary `timestamptz` value; None for anything else (NULL, the text format).
fn postgres_time(row: &PgRow, at: usize) -> Option<DateTime<Utc>> {
    let value = row.try_get_raw(at).ok()?;
    if value.is_null() || value.format() != PgValueFormat::Binary {
        return None;
    }
    let micros = i64::from_be_bytes(value.as_bytes().ok()?.try_into().ok()?);
    DateTime::from_timestamp_micros(micros.checked_add(POSTGRES_EPOCH_MICROS)?)
}

/// A user's id alone: what a signed-in caller's lookup needs.
impl Row for UserId {
    const COLUMNS: &'static str = "id";

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(UserId(columns.get()?))
    }
}

impl Row for user::Model {
    const COLUMNS: &'static str =
        "id, email, email_key, name, name_folded, inserted_at, updated_at";

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(user::Model {
            id: columns.get()?,
            email: columns.get()?,
            email_key: columns.get()?,
            name: columns.get()?,
            name_folded: columns.get()?,
            inserted_at: columns.time()?,
            updated_at: columns.time()?,
        })
    }
}

impl Row for plan::Model {
    const COLUMNS: &'static str = "id, name, name_folded, description, inserted_at, updated_at";

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(plan::Model {
            id: columns.get()?,
            name: columns.get()?,
            name_folded: columns.get()?,
            description: columns.get()?,
            inserted_at: columns.time()?,
            updated_at: columns.time()?,
        })
    }
}

impl Row for user_plan::Model {
    const COLUMNS: &'static str = "user_id, plan_id, role, inserted_at";

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(user_plan::Model {
            user_id: columns.get()?,
            plan_id: columns.get()?,
            role: Role::try_from_value(&columns.get()?)?,
            inserted_at: columns.time()?,
        })
    }
}
