//! Keyset pagination, and what else the `users` and `plans` tables share (counts, lookups
//! by id).
//!
//! Every page is an index range scan from the cursor's position (sort key, then id as
//! tie-breaker), so a late page costs what the first one costs. No OFFSET anywhere.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbBackend, Statement, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rows::{self, Row};
use super::sql::{one_of, statement};
use super::visibility::{self, Condition, Visibility};
use crate::db::Reads;
use crate::domain::{DEFAULT_CONNECTION_PAGE_SIZE, NameNeedle, page_size};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// A sortable column of one table. Each table has its own enum of them (`UserSortKey`,
/// `PlanSortKey`), so a page of plans cannot be asked for in an order only users have.
pub trait SortKey: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// The order rows were created in, which every table has.
    const INSERTED_AT: Self;

    /// The column, which an index on `(column, id)` serves.
    fn column(self) -> &'static str;

    /// Whether the column's values are timestamps (RFC 3339 in a cursor) rather than text:
    /// `inserted_at` is the only timestamp a table is sorted by.
    fn holds_time(self) -> bool {
        self == Self::INSERTED_AT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ordering<K> {
    pub key: K,
    pub direction: Direction,
}

impl<K: SortKey> Ordering<K> {
    /// Oldest first: the order rows were created in.
    pub const DEFAULT: Self = Ordering {
        key: K::INSERTED_AT,
        direction: Direction::Asc,
    };

    /// Written into each cursor, so a cursor made for one table and ordering is refused by
    /// any other.
    fn tag(self, table: &str) -> String {
        format!("{table}.{}:{:?}", self.key.column(), self.direction)
    }
}

/// A row of the `users` or `plans` table: its table, and what its cursor is made of.
pub trait KeysetRow: Row {
    const TABLE: &'static str;
    type SortKey: SortKey;
    fn id(&self) -> Uuid;
    fn sort_value(&self, key: Self::SortKey) -> SortValue;
    /// That a row of `TABLE` is seen by `visibility` (none: every row is), tested row by
    /// row: for rows read by key, and for a page walked in its order.
    fn visible(visibility: Visibility) -> Option<Condition>;

    /// [`KeysetRow::visible`] for counting every row that matches (`totalCount`).
    fn visible_counted(visibility: Visibility) -> Option<Condition> {
        Self::visible(visibility)
    }

    /// Where PostgreSQL answers [`KeysetRow::visible`] for a page from the viewer's side
    /// (reading all of their rows, then sorting them), the same test as a probe of one
    /// row, which [`page_query`] tries first on the page's first rows. None: a page has
    /// only the one way.
    fn visible_walked(_visibility: Visibility) -> Option<Condition> {
        None
    }
}

pub enum SortValue {
    Text(String),
    Time(DateTime<Utc>),
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    /// The ordering the cursor was made for.
    o: String,
    /// The row's sort key value, as text.
    k: String,
    id: Uuid,
}

fn encode_cursor<M: KeysetRow>(ordering: Ordering<M::SortKey>, row: &M) -> String {
    let k = match row.sort_value(ordering.key) {
        SortValue::Text(text) => text,
        SortValue::Time(time) => time.to_rfc3339(),
    };
    let data = CursorData {
        o: ordering.tag(M::TABLE),
        k,
        id: row.id(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).expect("cursor serializes"))
}

/// The cursor's position as values to bind: (sort key, id).
fn decode_cursor<K: SortKey>(
    field: &str,
    table: &str,
    ordering: Ordering<K>,
    cursor: &str,
) -> AppResult<(Value, Value)> {
    let invalid = || {
        AppError::bad_input(
            field,
            format!("{field} is not a cursor of this connection with this orderBy"),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if data.o != ordering.tag(table) {
        return Err(invalid());
    }
    let key = if ordering.key.holds_time() {
        DateTime::parse_from_rfc3339(&data.k)
            .map_err(|_| invalid())?
            .with_timezone(&Utc)
            .into()
    } else {
        data.k.into()
    };
    Ok((key, data.id.into()))
}

/// The Relay arguments of a connection field.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// Whether the page walks backwards (`last`), and how many rows it holds.
    pub fn walk(&self) -> AppResult<(bool, u64)> {
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(AppError::bad_input(
                "last",
                "pass either first or last, not both",
            )),
            (None, Some(_)) => Ok((
                true,
                page_size("last", self.last, DEFAULT_CONNECTION_PAGE_SIZE)?,
            )),
            _ => Ok((
                false,
                page_size("first", self.first, DEFAULT_CONNECTION_PAGE_SIZE)?,
            )),
        }
    }

    /// Makes the `limit + 1` rows read for a page with these arguments (in the direction
    /// of the walk) the page itself, in the requested order, and returns its
    /// (hasNextPage, hasPreviousPage): the extra row says whether more follow.
    pub fn settle_page<T>(&self, rows: &mut Vec<T>, backward: bool, limit: u64) -> (bool, bool) {
        let has_more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        if backward {
            rows.reverse();
            (self.before.is_some(), has_more)
        } else {
            (has_more, self.after.is_some())
        }
    }
}

/// SQL conditions (joined with AND) and their values: a connection's filter, kept so that
/// `totalCount` can count the same rows when, and only when, it is asked for.
#[derive(Debug, Clone)]
pub struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
    /// Whose rows: added by the page and by the count, each in its own form.
    visibility: Visibility,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            conditions: Vec::new(),
            values: Vec::new(),
            visibility: Visibility::Everything,
        }
    }
}

impl Filter {
    pub fn condition(&mut self, sql: impl Into<String>, values: impl IntoIterator<Item = Value>) {
        self.conditions.push(sql.into());
        self.values.extend(values);
    }

    /// Only the rows `visibility` sees.
    pub fn seen_by(&mut self, visibility: Visibility) {
        self.visibility = visibility;
    }

    fn and(&mut self, condition: Option<Condition>) {
        if let Some(Condition { sql, values }) = condition {
            self.condition(sql, values);
        }
    }

    pub fn ids(&mut self, backend: DbBackend, column: &str, ids: &[Uuid]) {
        if ids.is_empty() {
            self.condition("1 = 0", []);
        } else {
            let condition = one_of(backend, column, ids, &mut self.values);
            self.conditions.push(condition);
        }
    }

    /// Substring match ignoring case: `folded_column` holds the folded text, as the needle
    /// does, so both databases compare the same strings (neither's own case rules). `%`,
    /// `_` and `!` in the needle match themselves. No index can serve a substring: the
    /// page's ordering index is walked until the page is full.
    pub fn contains(&mut self, folded_column: &str, needle: &NameNeedle) {
        let escaped = needle
            .as_str()
            .replace('!', "!!")
            .replace('%', "!%")
            .replace('_', "!_");
        self.condition(
            format!("{folded_column} LIKE ? ESCAPE '!'"),
            [format!("%{escaped}%").into()],
        );
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

pub struct Page<M: KeysetRow> {
    /// Rows in the requested order.
    pub rows: Vec<M>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    ordering: Ordering<M::SortKey>,
}

impl<M: KeysetRow> Page<M> {
    /// The cursor of one of the page's rows. Made on demand: most clients page through
    /// `nodes` and never ask for cursors, and encoding one per row was a measurable part
    /// of a page's cost.
    pub fn cursor(&self, row: &M) -> String {
        encode_cursor(self.ordering, row)
    }
}

/// The statement that reads one page of `table`, and how to read its answer.
pub struct PageQuery {
    pub statement: Statement,
    limit: u64,
    backward: bool,
}

/// One page of `table`: `first` rows after `after` (or the `last` rows before `before`),
/// in `ordering`, as one statement that an index on `(sort key, id)` serves.
pub fn page_query<M: KeysetRow>(
    backend: DbBackend,
    filter: &Filter,
    ordering: Ordering<M::SortKey>,
    args: &PageArgs,
) -> AppResult<PageQuery> {
    let (backward, limit) = args.walk()?;
    let mut filter = filter.clone();
    let key = ordering.key.column();
    let (ascending, descending) = ("ASC", "DESC");
    let forward_is_asc = ordering.direction == Direction::Asc;
    for (field, cursor, later) in [
        ("after", &args.after, true),
        ("before", &args.before, false),
    ] {
        if let Some(cursor) = cursor {
            let (key_value, id) = decode_cursor(field, M::TABLE, ordering, cursor)?;
            // "later in the requested order" is > for ASC, < for DESC.
            let op = if later == forward_is_asc { ">" } else { "<" };
            filter.condition(format!("({key}, id) {op} (?, ?)"), [key_value, id]);
        }
    }
    // Walking backwards reads the index the other way, then restores the requested order.
    let scan_asc = forward_is_asc != backward;
    let dir = if scan_asc { ascending } else { descending };
    let order = format!("ORDER BY {key} {dir}, id {dir}");
    // One extra row tells whether another page follows. The limit is written into the
    // text, not bound: PostgreSQL's generic plan of `LIMIT $n` assumes a tenth of the table
    // is wanted, so it planned every page afresh (70-200 µs a call, more than the page
    // often took to read); with the number in the text the plan is made once per page size
    // and connection (page sizes are few: `first` and `last` are at most `MAX_PAGE_SIZE`).
    let rows = limit + 1;
    let walked = match backend {
        DbBackend::Postgres => M::visible_walked(filter.visibility),
        _ => None,
    };
    let sql = match walked {
        Some(probe) => {
            let later = if scan_asc { ">" } else { "<" };
            walked_then_joined::<M>(&mut filter, probe, (key, later), &order, rows)
        }
        None => {
            filter.and(M::visible(filter.visibility));
            format!(
                "SELECT {} FROM {}{} {order} LIMIT {rows}",
                M::COLUMNS,
                M::TABLE,
                filter.where_clause(),
            )
        }
    };
    Ok(PageQuery {
        statement: statement(backend, &sql, filter.values),
        limit,
        backward,
    })
}

/// A page for a viewer whose rows PostgreSQL would otherwise read all of and sort
/// ([`KeysetRow::visible_walked`]), in one statement: the first `rows` rows in the page's
/// order, each probed, and only when fewer than `rows` of those are seen, the rest of the
/// page read the viewer's way from after them. A viewer in most plans gets the page from
/// the walk, however many plans they are in; one in few pays the walk's probes on top of
/// what the page cost before. The guard on the count is evaluated once, so the second way
/// is not run when the walk filled the page. `IS TRUE` keeps the planner from reading the
/// rows after the walk by their index range (which it estimates at a third of the table,
/// whoever the viewer): the rest is the viewer's rows, filtered to those after the walk.
/// `later` is the comparison of `key` that means later in the walk. The README's "Figures
/// behind the code's choices" has the figures.
fn walked_then_joined<M: KeysetRow>(
    filter: &mut Filter,
    probe: Condition,
    (key, later): (&str, &str),
    order: &str,
    rows: u64,
) -> String {
    let (columns, table) = (M::COLUMNS, M::TABLE);
    // In the order of the placeholders: the probe, the walk's filter, the rest's.
    let mut values = probe.values;
    values.extend(filter.values.iter().cloned());
    let walk_where = filter.where_clause();
    filter.and(M::visible(filter.visibility));
    let rest_where = filter.where_clause();
    values.append(&mut filter.values);
    filter.values = values;
    let after_walk = format!(
        "({key}, id) {later} (SELECT {key}, id FROM walked {order} OFFSET {} LIMIT 1)",
        rows - 1
    );
    format!(
        "WITH walked AS MATERIALIZED (SELECT {columns}, {} AS walk_seen \
         FROM {table}{walk_where} {order} LIMIT {rows}) \
         SELECT {columns} FROM (SELECT {columns} FROM walked WHERE walk_seen \
         UNION ALL SELECT {columns} FROM {table}{rest_where} \
         AND (SELECT COUNT(*) FROM walked WHERE walk_seen) < {rows} AND ({after_walk}) IS TRUE) \
         page {order} LIMIT {rows}",
        probe.sql,
    )
}

pub async fn fetch_page<M: KeysetRow>(
    db: &DatabaseConnection,
    filter: &Filter,
    ordering: Ordering<M::SortKey>,
    args: &PageArgs,
) -> AppResult<Page<M>> {
    let PageQuery {
        statement,
        limit,
        backward,
    } = page_query::<M>(db.get_database_backend(), filter, ordering, args)?;
    let mut rows = rows::fetch_all::<M>(db, statement).await?;
    let (has_next_page, has_previous_page) = args.settle_page(&mut rows, backward, limit);
    Ok(Page {
        rows,
        has_next_page,
        has_previous_page,
        ordering,
    })
}

pub async fn count<M: KeysetRow>(db: &DatabaseConnection, filter: &Filter) -> AppResult<i64> {
    let mut filter = filter.clone();
    filter.and(M::visible_counted(filter.visibility));
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {}{}",
        M::TABLE,
        filter.where_clause()
    );
    let row = db
        .read_one(statement(
            db.get_database_backend(),
            &sql,
            filter.values.clone(),
        ))
        .await?
        .ok_or(sea_orm::DbErr::RecordNotFound("count".into()))?;
    Ok(row.try_get("", "n")?)
}

/// The rows of `table` with these primary keys that `visibility` sees, in one statement.
pub async fn find_by_ids<M: KeysetRow>(
    db: &DatabaseConnection,
    visibility: Visibility,
    ids: &[Uuid],
) -> AppResult<Vec<M>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut values = Vec::new();
    let ids_sql = one_of(backend, "id", ids, &mut values);
    let sql = format!(
        "SELECT {} FROM {} WHERE {ids_sql}{}",
        M::COLUMNS,
        M::TABLE,
        visibility::and(M::visible(visibility), &mut values)
    );
    Ok(rows::fetch_all(db, statement(backend, &sql, values)).await?)
}
