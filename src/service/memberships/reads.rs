//! Batched reads: one statement for all the parents of a GraphQL level, behind the nested
//! fields `User.plans`, `Plan.users`, `memberships`, `planCount` and `userCount` (the
//! DataLoaders and the prefetch call these). Reads take no locks and share nothing with
//! the writes but the table.
//!
//! Each reads only the links its viewer sees (a link is seen with its plan): `User.plans`
//! of someone else are the plans the viewer shares with them, `Plan.users` of a plan the
//! viewer is not in are none. The condition is tested on each link inside the per-parent
//! subquery, before its `LIMIT`.

use std::collections::HashMap;

use entity::user_plan::{self, Role};
use sea_orm::{DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;

use super::{MEMBERSHIP_COLUMNS, Side, role_filter};
use crate::db::Reads;
use crate::error::AppResult;
use crate::service::rows::{self, Row};
use crate::service::sql::{one_of, statement, value_rows};
use crate::service::visibility::{self, Visibility};

/// The rows at the far end of each parent's memberships (`M` is that side's model), at most
/// `first` per parent, in the other side's id order (their creation order).
///
/// The per-parent limit is applied inside the one statement: for each parent, the
/// `(owner, other)` index is walked in order and the walk stops after `first` rows (a
/// LATERAL subquery on PostgreSQL, a correlated subquery on SQLite).
pub async fn far_ends<M: Row>(
    db: &DatabaseConnection,
    walk: Walk<'_>,
) -> AppResult<HashMap<Uuid, Vec<M>>> {
    far(db, walk, Some(M::COLUMNS), M::read).await
}

/// The ids of [`far_ends`], read from the links alone, without the other table: for a
/// list that a query asks nothing of but ids and the lists below them (`plans { id }`).
pub async fn far_end_ids(
    db: &DatabaseConnection,
    walk: Walk<'_>,
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    far(db, walk, None, |columns| columns.get()).await
}

/// What a nested list reads ([`far_ends`], [`far_end_ids`], [`join_rows`]): the links of
/// each parent on `side` that `visibility` sees, of `role` if given, at most `first` each.
#[derive(Clone, Copy)]
pub struct Walk<'a> {
    pub visibility: Visibility,
    pub side: Side,
    pub parents: &'a [Uuid],
    pub first: u64,
    pub role: Option<Role>,
}

/// [`far_ends`] reading `columns` of the other table, or only the links' ids without them.
async fn far<T>(
    db: &DatabaseConnection,
    walk: Walk<'_>,
    columns: Option<&str>,
    read: impl Fn(&mut rows::Columns<'_>) -> Result<T, sea_orm::DbErr>,
) -> AppResult<HashMap<Uuid, Vec<T>>> {
    let mut by_parent: HashMap<Uuid, Vec<T>> = HashMap::new();
    if walk.parents.is_empty() || walk.first == 0 {
        return Ok(by_parent);
    }
    crate::metrics::batch_loaded(walk.side.list_field(), walk.parents.len());
    let statement = far_ends_statement(db.get_database_backend(), walk, columns);
    let rows = db.read_all(statement).await?;
    for mut row in rows::columns_of(&rows) {
        let parent: Uuid = row.get()?;
        by_parent.entry(parent).or_default().push(read(&mut row)?);
    }
    Ok(by_parent)
}

/// The statement of [`far`]: each row is the parent's id, then `columns` of the other
/// table, or without them the other side's id from the link.
fn far_ends_statement(backend: DbBackend, walk: Walk<'_>, columns: Option<&str>) -> Statement {
    let Walk {
        visibility,
        side,
        parents,
        first,
        role,
    } = walk;
    let (owner, other, table) = (side.column(), side.other().column(), side.other().table());
    // A link is seen with its plan. From a user, each link is tested, in the per-parent
    // walk before its LIMIT; from a plan, the plan is, once per parent before its walk:
    // testing each link would read every link of a plan the viewer is not in to drop them
    // all (on the large dataset 28 ms for 10 such plans, against 0.3 ms; 6 ms for one,
    // against 0.14).
    // Unqualified: no column of the other table shares a name with the join table's columns.
    let from_user = side == Side::User;
    let link_seen = |values: &mut Vec<Value>| {
        let seen = visibility.plan_in_batch(backend, "l.plan_id", parents.len());
        let condition = seen.filter(|_| from_user);
        visibility::and(condition, values)
    };
    let parent_seen = |parent: &str, values: &mut Vec<Value>| {
        let condition = visibility.plan_probed(parent).filter(|_| !from_user);
        visibility::filter(condition, values)
    };
    let mut values = Vec::new();
    let sql = match backend {
        DbBackend::Postgres if parents.len() == 1 => {
            values.push(parents[0].into());
            let role_sql = role_filter(role, &mut values);
            let seen = match side {
                Side::User => link_seen(&mut values),
                Side::Plan => visibility::and(visibility.plan_with_id(parents[0]), &mut values),
            };
            values.push((first as i64).into());
            // One object (`user(id) { plans }`): each row is fetched by primary key, which
            // OFFSET 0 keeps the planner from turning into a join. The batch form below
            // hashes the whole other table, and its generic plan does so even for one
            // parent: on the large dataset that made `user(id)` cost with the number of
            // plans (the README's performance section has the figures).
            let links = format!(
                "SELECT l.{owner}, l.{other} FROM user_plans l \
                 WHERE l.{owner} = ?{role_sql}{seen} ORDER BY l.{other} LIMIT ?"
            );
            match columns {
                Some(columns) => format!(
                    "SELECT l.{owner}, t.* FROM ({links}) l CROSS JOIN LATERAL ( \
                       SELECT {columns} FROM {table} WHERE id = l.{other} OFFSET 0 \
                     ) t ORDER BY t.id"
                ),
                None => links,
            }
        }
        DbBackend::Postgres => {
            values.push(parents.to_vec().into());
            let role_sql = role_filter(role, &mut values);
            let seen = link_seen(&mut values);
            let parent_seen = parent_seen("k.parent_id", &mut values);
            // The LATERAL part only reads the (owner, other) index; the rows it names are
            // then read once for the whole batch. Users are looked up by primary key (`=
            // ANY` of their ids): joined to the table itself, the planner hashed all of a
            // users table of up to some tens of thousands of rows, which it costs as
            // cheaper than that many lookups and which is not (the small dataset's 10,000
            // users: 3.9 ms for Q2's 200, by key 0.65 ms), so fewer users made a slower
            // request. Plans keep the join, which hashes a plans table of a few hundred rows
            // (the usual size) where the lookups' `= ANY` would compare each of its rows
            // with every id instead (Q1 on the small dataset 8% slower). `first` is written
            // into the text for the reason `keyset::page_query` gives.
            let links = format!(
                "SELECT k.parent_id, l.{other} FROM unnest(?::uuid[]) AS k(parent_id) \
                 CROSS JOIN LATERAL ( \
                   SELECT l.{other} FROM user_plans l \
                   WHERE l.{owner} = k.parent_id{role_sql}{seen} ORDER BY l.{other} \
                   LIMIT {first} \
                 ) l{parent_seen}"
            );
            match columns {
                Some(columns) => {
                    let rows = match side {
                        Side::Plan => format!(
                            "(SELECT {columns} FROM {table} \
                             WHERE id = ANY(ARRAY(SELECT l.{other} FROM l)))"
                        ),
                        Side::User => table.to_owned(),
                    };
                    format!(
                        "WITH l AS MATERIALIZED ({links}) \
                         SELECT l.parent_id, {columns} FROM l JOIN {rows} t ON t.id = l.{other} \
                         ORDER BY l.parent_id, t.id"
                    )
                }
                None => format!("{links} ORDER BY k.parent_id, l.{other}"),
            }
        }
        _ => {
            values.extend(parents.iter().copied().map(Value::from));
            let role_sql = role_filter(role, &mut values);
            let seen = link_seen(&mut values);
            values.push((first as i64).into());
            let parent_seen = parent_seen("p.column1", &mut values);
            // SQLite has no LATERAL; a correlated `IN (... LIMIT ?)` per parent row does the
            // same walk of the index, and stops where numbering every membership with a
            // window function would read them all (much slower when parents have more
            // memberships than `first`: see the README's performance section). For ids
            // alone, the walk's links are the rows.
            let (rows_of, id) = match columns {
                Some(_) => (format!("{table} t ON t.id"), "t.id".to_owned()),
                None => (
                    format!("user_plans t ON t.{owner} = p.column1 AND t.{other}"),
                    format!("t.{other}"),
                ),
            };
            let columns = columns.unwrap_or(&id);
            format!(
                "SELECT p.column1 AS parent_id, {columns} FROM (VALUES {rows}) AS p \
                 JOIN {rows_of} IN ( \
                   SELECT l.{other} FROM user_plans l \
                   WHERE l.{owner} = p.column1{role_sql}{seen} ORDER BY l.{other} LIMIT ? \
                 ){parent_seen} ORDER BY p.column1, {id}",
                rows = value_rows(parents.len()),
            )
        }
    };
    statement(backend, &sql, values)
}

/// The join rows of each parent, newest first, at most `first` per parent; shaped like
/// [`far_ends`] on each database.
pub async fn join_rows(
    db: &DatabaseConnection,
    Walk {
        visibility,
        side,
        parents,
        first,
        role,
    }: Walk<'_>,
) -> AppResult<HashMap<Uuid, Vec<user_plan::Model>>> {
    let mut by_parent: HashMap<Uuid, Vec<user_plan::Model>> = HashMap::new();
    if parents.is_empty() || first == 0 {
        return Ok(by_parent);
    }
    crate::metrics::batch_loaded("memberships", parents.len());
    let (owner, other) = (side.column(), side.other().column());
    let backend = db.get_database_backend();
    let mut values = Vec::new();
    let sql = match backend {
        DbBackend::Postgres => {
            values.push(parents.to_vec().into());
            let role_sql = role_filter(role, &mut values);
            let seen = visibility::and(link_seen(visibility, side, backend, parents), &mut values);
            // `first` in the text as in `far_ends_statement`.
            format!(
                "SELECT m.* FROM unnest(?::uuid[]) AS k(parent_id) \
                 CROSS JOIN LATERAL ( \
                   SELECT {MEMBERSHIP_COLUMNS} FROM user_plans \
                   WHERE {owner} = k.parent_id{role_sql}{seen} \
                   ORDER BY inserted_at DESC, {other} DESC LIMIT {first} \
                 ) m ORDER BY m.{owner}, m.inserted_at DESC, m.{other} DESC"
            )
        }
        _ => {
            let parents_sql = one_of(backend, owner, parents, &mut values);
            let role_sql = role_filter(role, &mut values);
            let seen = visibility::and(link_seen(visibility, side, backend, parents), &mut values);
            values.push((first as i64).into());
            format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM ( \
                   SELECT {MEMBERSHIP_COLUMNS}, \
                     ROW_NUMBER() OVER (PARTITION BY {owner} ORDER BY inserted_at DESC, {other} DESC) AS rn \
                   FROM user_plans WHERE {parents_sql}{role_sql}{seen} \
                 ) m WHERE m.rn <= ? ORDER BY m.{owner}, m.inserted_at DESC, m.{other} DESC"
            )
        }
    };
    let rows: Vec<user_plan::Model> = rows::fetch_all(db, statement(backend, &sql, values)).await?;
    for row in rows {
        let parent = match side {
            Side::User => row.user_id,
            Side::Plan => row.plan_id,
        };
        by_parent.entry(parent).or_default().push(row);
    }
    Ok(by_parent)
}

/// How many memberships each parent has that `visibility` sees; parents without any are
/// absent from the map.
pub async fn counts(
    db: &DatabaseConnection,
    visibility: Visibility,
    side: Side,
    parents: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    crate::metrics::batch_loaded("counts", parents.len());
    let owner = side.column();
    let backend = db.get_database_backend();
    let mut values = Vec::new();
    let parents_sql = one_of(backend, owner, parents, &mut values);
    let seen = visibility::and(link_seen(visibility, side, backend, parents), &mut values);
    let sql = format!(
        "SELECT {owner} AS parent_id, COUNT(*) AS n FROM user_plans \
         WHERE {parents_sql}{seen} GROUP BY {owner}"
    );
    let rows = db.read_all(statement(backend, &sql, values)).await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

/// That a link of one of `parents` on `side` is seen (with its plan). One user's links are
/// few, so each is probed, and a batch's are looked up in the viewer's plans; a plan's may
/// be many, and PostgreSQL may rather join them with the viewer's as a set.
fn link_seen(
    visibility: Visibility,
    side: Side,
    backend: DbBackend,
    parents: &[Uuid],
) -> Option<visibility::Condition> {
    match side {
        Side::User => visibility.plan_in_batch(backend, "user_plans.plan_id", parents.len()),
        Side::Plan => visibility.plan("user_plans.plan_id"),
    }
}
