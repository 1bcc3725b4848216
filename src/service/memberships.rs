//! Memberships (`user_plans`) seen from either side: the batched reads behind the nested
//! GraphQL fields, and the membership mutations (add / remove / set) that both directions
//! share. Every function is written once and told which side it starts from.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::user_plan::{self, Role};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value,
};
use uuid::Uuid;

use super::events::{EventKind, Events, MembershipEvent};
use super::rows::{self, Row};
use super::sql::{one_of, statement, value_rows};
use crate::error::{
    AppError, AppResult, id_list, is_foreign_key_violation, is_unique_violation, sql_state,
};

/// How many times a write is tried when the database aborts it for a deadlock or a
/// serialization failure.
const WRITE_ATTEMPTS: u32 = 5;

/// Runs `body` (an expression that uses the transaction `txn` and yields a value and its
/// events) in a write transaction, and commits it with those events, or rolls it back on
/// failure. When PostgreSQL aborts it to break a deadlock or a serialization conflict with
/// a concurrent write, the whole transaction runs again (a bounded number of times): the
/// loser of a race waits its turn instead of failing. A macro rather than a function
/// taking a closure, because the future of an async closure cannot be required to be
/// `Send`, which the resolvers need.
macro_rules! write_txn {
    ($db:expr, $events:expr, |$txn:ident| $body:block) => {{
        let mut attempt = 1;
        loop {
            let owned = begin_write($db).await?;
            let outcome = async {
                let $txn = &owned;
                $body
            }
            .await;
            match finish(owned, $events, outcome).await {
                Err(err) if attempt < WRITE_ATTEMPTS && err.is_retryable() => {
                    tracing::debug!(attempt, "a write lost a race; running it again");
                    attempt += 1;
                }
                result => break result,
            }
        }
    }};
}

/// The side a membership is seen from: the owner of `user.plans` is a user, of `plan.users` a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    User,
    Plan,
}

impl Side {
    pub fn other(self) -> Self {
        match self {
            Side::User => Side::Plan,
            Side::Plan => Side::User,
        }
    }

    /// This side's column in `user_plans`.
    fn column(self) -> &'static str {
        match self {
            Side::User => "user_id",
            Side::Plan => "plan_id",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Side::User => "users",
            Side::Plan => "plans",
        }
    }

    /// The GraphQL field that lists the far ends of this side's memberships.
    fn list_field(self) -> &'static str {
        match self {
            Side::User => "User.plans",
            Side::Plan => "Plan.users",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Side::User => "user",
            Side::Plan => "plan",
        }
    }
}

/// What a membership mutation did, as reported by the database's RETURNING clauses. Ids sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MembershipChanges {
    pub added: Vec<Uuid>,
    pub removed: Vec<Uuid>,
    pub unchanged: Vec<Uuid>,
}

fn role_value(role: Role) -> Value {
    role.to_value().into()
}

/// ` AND role = ?` when a role filter is given, with its value pushed onto `values`.
fn role_filter(role: Option<Role>, values: &mut Vec<Value>) -> &'static str {
    match role {
        Some(role) => {
            values.push(role_value(role));
            " AND role = ?"
        }
        None => "",
    }
}

// ---------------------------------------------------------------------------------------
// Batched reads: one statement for all the parents of a GraphQL level.
// ---------------------------------------------------------------------------------------

/// The rows at the far end of each parent's memberships (`M` is that side's model), at most
/// `first` per parent, in the other side's id order (their creation order).
///
/// The per-parent limit is applied inside the one statement: for each parent, the
/// `(owner, other)` index is walked in order and the walk stops after `first` rows (a
/// LATERAL subquery on PostgreSQL, a correlated subquery on SQLite).
pub async fn far_ends<M: Row>(
    db: &DatabaseConnection,
    side: Side,
    parents: &[Uuid],
    first: u64,
    role: Option<Role>,
) -> AppResult<HashMap<Uuid, Vec<M>>> {
    let mut by_parent: HashMap<Uuid, Vec<M>> = HashMap::new();
    if parents.is_empty() || first == 0 {
        return Ok(by_parent);
    }
    crate::metrics::batch_loaded(side.list_field(), parents.len());
    let statement = far_ends_statement::<M>(db.get_database_backend(), side, parents, first, role);
    let rows = db.query_all_raw(statement).await?;
    for mut columns in rows::columns_of(&rows) {
        let parent: Uuid = columns.get()?;
        by_parent
            .entry(parent)
            .or_default()
            .push(M::read(&mut columns)?);
    }
    Ok(by_parent)
}

/// The statement of [`far_ends`]: each row is the parent's id, then `M`'s columns.
pub fn far_ends_statement<M: Row>(
    backend: DbBackend,
    side: Side,
    parents: &[Uuid],
    first: u64,
    role: Option<Role>,
) -> Statement {
    let (owner, other, table) = (side.column(), side.other().column(), side.other().table());
    // Unqualified: no column of the other table shares a name with the join table's columns.
    let columns = M::COLUMNS;
    let mut values = Vec::new();
    let sql = match backend {
        DbBackend::Postgres if parents.len() == 1 => {
            values.push(parents[0].into());
            let role_sql = role_filter(role, &mut values);
            values.push((first as i64).into());
            // One object (`user(id) { plans }`): each row is fetched by primary key, which
            // OFFSET 0 keeps the planner from turning into a join. The batch form below
            // hashes the whole other table, and its generic plan does so even for one
            // parent: on the large dataset that made `user(id)` cost with the number of
            // plans (pgbench: 4,500 tx/s against 7,500 by key).
            format!(
                "SELECT l.{owner}, t.* FROM ( \
                   SELECT l.{owner}, l.{other} FROM user_plans l \
                   WHERE l.{owner} = ?{role_sql} ORDER BY l.{other} LIMIT ? \
                 ) l CROSS JOIN LATERAL ( \
                   SELECT {columns} FROM {table} WHERE id = l.{other} OFFSET 0 \
                 ) t ORDER BY t.id"
            )
        }
        DbBackend::Postgres => {
            values.push(parents.to_vec().into());
            let role_sql = role_filter(role, &mut values);
            values.push((first as i64).into());
            // The LATERAL part only reads the (owner, other) index; joining the rows after
            // it is materialized lets the planner do one join for the whole batch instead
            // of one scan of the other table per parent. That join hashes the other table
            // while it is small and looks rows up by primary key once it is not (both the
            // generic and the custom plan did so with 200,000 plans).
            format!(
                "WITH l AS MATERIALIZED ( \
                   SELECT k.parent_id, l.{other} FROM unnest(?::uuid[]) AS k(parent_id) \
                   CROSS JOIN LATERAL ( \
                     SELECT l.{other} FROM user_plans l \
                     WHERE l.{owner} = k.parent_id{role_sql} ORDER BY l.{other} LIMIT ? \
                   ) l \
                 ) SELECT l.parent_id, {columns} FROM l JOIN {table} t ON t.id = l.{other} \
                 ORDER BY l.parent_id, t.id"
            )
        }
        _ => {
            values.extend(parents.iter().copied().map(Value::from));
            let role_sql = role_filter(role, &mut values);
            values.push((first as i64).into());
            // SQLite has no LATERAL; a correlated `IN (... LIMIT ?)` per parent row does the
            // same walk of the index (measured: 9x faster than numbering every membership
            // with a window function when parents have more memberships than `first`).
            format!(
                "SELECT p.column1 AS parent_id, {columns} FROM (VALUES {rows}) AS p \
                 JOIN {table} t ON t.id IN ( \
                   SELECT l.{other} FROM user_plans l \
                   WHERE l.{owner} = p.column1{role_sql} ORDER BY l.{other} LIMIT ? \
                 ) ORDER BY p.column1, t.id",
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
    side: Side,
    parents: &[Uuid],
    first: u64,
    role: Option<Role>,
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
            values.push((first as i64).into());
            format!(
                "SELECT m.* FROM unnest(?::uuid[]) AS k(parent_id) \
                 CROSS JOIN LATERAL ( \
                   SELECT {MEMBERSHIP_COLUMNS} FROM user_plans \
                   WHERE {owner} = k.parent_id{role_sql} \
                   ORDER BY inserted_at DESC, {other} DESC LIMIT ? \
                 ) m ORDER BY m.{owner}, m.inserted_at DESC, m.{other} DESC"
            )
        }
        _ => {
            let parents_sql = one_of(backend, owner, parents, &mut values);
            let role_sql = role_filter(role, &mut values);
            values.push((first as i64).into());
            format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM ( \
                   SELECT {MEMBERSHIP_COLUMNS}, \
                     ROW_NUMBER() OVER (PARTITION BY {owner} ORDER BY inserted_at DESC, {other} DESC) AS rn \
                   FROM user_plans WHERE {parents_sql}{role_sql} \
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

/// How many memberships each parent has; parents without any are absent from the map.
pub async fn counts(
    db: &DatabaseConnection,
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
    let sql = format!(
        "SELECT {owner} AS parent_id, COUNT(*) AS n FROM user_plans \
         WHERE {} GROUP BY {owner}",
        one_of(backend, owner, parents, &mut values),
    );
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The join resource's own actions.
// ---------------------------------------------------------------------------------------

const MEMBERSHIP_COLUMNS: &str = user_plan::Model::COLUMNS;

pub async fn find(
    db: &DatabaseConnection,
    user_id: Uuid,
    plan_id: Uuid,
) -> AppResult<Option<user_plan::Model>> {
    let sql =
        format!("SELECT {MEMBERSHIP_COLUMNS} FROM user_plans WHERE user_id = ? AND plan_id = ?");
    let stmt = statement(
        db.get_database_backend(),
        &sql,
        vec![user_id.into(), plan_id.into()],
    );
    Ok(rows::fetch_one(db, stmt).await?)
}

/// Creates one membership; CONFLICT if the pair has one already.
pub async fn create(
    db: &DatabaseConnection,
    events: &Events,
    user_id: Uuid,
    plan_id: Uuid,
    role: Role,
) -> AppResult<user_plan::Model> {
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::JoinRow { user_id, plan_id }).await?;
        let sql = format!(
            "INSERT INTO user_plans ({MEMBERSHIP_COLUMNS}) VALUES (?, ?, ?, ?) RETURNING {MEMBERSHIP_COLUMNS}"
        );
        let values = vec![
            user_id.into(),
            plan_id.into(),
            role_value(role),
            super::now().into(),
        ];
        let stmt = statement(txn.get_database_backend(), &sql, values);
        let row = rows::fetch_one::<user_plan::Model>(txn, stmt)
            .await
            .map_err(WriteError::Write)?
            .ok_or(DbErr::RecordNotInserted)?;
        let event = row_event(EventKind::Added, &row);
        Ok((row, vec![event]))
    });
    let ids = BTreeSet::from([plan_id]);
    match outcome {
        Err(WriteError::Write(err)) if is_unique_violation(&err) => Err(AppError::Conflict(
            format!("user {user_id} is already linked to plan {plan_id}"),
        )),
        result => explain_failure(db, Side::User, user_id, &ids, result).await,
    }
}

pub async fn update_role(
    db: &DatabaseConnection,
    events: &Events,
    user_id: Uuid,
    plan_id: Uuid,
    role: Role,
) -> AppResult<user_plan::Model> {
    let sql = format!(
        "UPDATE user_plans SET role = ? WHERE user_id = ? AND plan_id = ? RETURNING {MEMBERSHIP_COLUMNS}"
    );
    let values = vec![role_value(role), user_id.into(), plan_id.into()];
    change_one(
        db,
        events,
        EventKind::Updated,
        &sql,
        values,
        user_id,
        plan_id,
    )
    .await
}

/// Removes one membership and returns the row as it was.
pub async fn delete(
    db: &DatabaseConnection,
    events: &Events,
    user_id: Uuid,
    plan_id: Uuid,
) -> AppResult<user_plan::Model> {
    let sql = format!(
        "DELETE FROM user_plans WHERE user_id = ? AND plan_id = ? RETURNING {MEMBERSHIP_COLUMNS}"
    );
    let values = vec![user_id.into(), plan_id.into()];
    change_one(
        db,
        events,
        EventKind::Removed,
        &sql,
        values,
        user_id,
        plan_id,
    )
    .await
}

/// An UPDATE or DELETE of one membership with RETURNING, and its event; NOT_FOUND if there
/// is no such membership.
async fn change_one(
    db: &DatabaseConnection,
    events: &Events,
    kind: EventKind,
    sql: &str,
    values: Vec<Value>,
    user_id: Uuid,
    plan_id: Uuid,
) -> AppResult<user_plan::Model> {
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::JoinRow { user_id, plan_id }).await?;
        let stmt = statement(txn.get_database_backend(), sql, values.clone());
        let row = rows::fetch_one::<user_plan::Model>(txn, stmt)
            .await?
            .ok_or_else(|| AppError::NotFound {
                message: format!("user {user_id} is not linked to plan {plan_id}"),
                ids: vec![user_id, plan_id],
            })?;
        let mut event = row_event(kind, &row);
        event.at = super::now();
        if kind == EventKind::Removed {
            event.role = None;
        }
        Ok((row, vec![event]))
    });
    outcome.map_err(WriteError::into_app)
}

/// Deletes a user or a plan and, with it, its memberships; announces each removed one. The
/// memberships are deleted first, in the same transaction, because the foreign keys' cascade
/// would remove them without saying which.
pub async fn delete_with_memberships(
    db: &DatabaseConnection,
    events: &Events,
    side: Side,
    id: Uuid,
) -> AppResult<Uuid> {
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::Deleted { side, id }).await?;
        let at = super::now();
        let removed = delete_memberships(txn, side, id, Which::All).await?;
        let sql = format!("DELETE FROM {} WHERE id = ?", side.table());
        let deleted = txn
            .execute_raw(statement(txn.get_database_backend(), &sql, vec![id.into()]))
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(AppError::not_found(side.noun(), vec![id]).into());
        }
        let announced = removed
            .into_iter()
            .map(|other| side_event(EventKind::Removed, side, id, other, None, at))
            .collect();
        Ok((id, announced))
    });
    outcome.map_err(WriteError::into_app)
}

// ---------------------------------------------------------------------------------------
// The membership mutations from either side: add, remove, set.
// ---------------------------------------------------------------------------------------

/// Makes `owner` a member of (or, from a plan, gives it as members) every id in `ids` it
/// has no membership with yet (with `role`); existing memberships are left as they are. One INSERT, whatever the number of ids; an unknown id fails
/// it as a whole through the foreign key.
pub async fn add(
    db: &DatabaseConnection,
    events: &Events,
    side: Side,
    owner: Uuid,
    ids: Vec<Uuid>,
    role: Role,
) -> AppResult<MembershipChanges> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    let outcome = write_txn!(db, events, |txn| {
        let named = Ends::Named {
            side,
            owner,
            others: &ids,
        };
        lock_ends(txn, named).await?;
        if ids.is_empty() {
            ensure_exists(txn, side, owner).await?;
            return Ok((MembershipChanges::default(), Vec::new()));
        }
        let at = super::now();
        let added = insert_missing(txn, side, owner, &ids, role, at)
            .await
            .map_err(WriteError::Write)?;
        let announced = added
            .iter()
            .map(|&other| side_event(EventKind::Added, side, owner, other, Some(role), at))
            .collect();
        let changes = MembershipChanges {
            unchanged: ids.difference(&added).copied().collect(),
            added: added.into_iter().collect(),
            removed: Vec::new(),
        };
        Ok((changes, announced))
    });
    explain_failure(db, side, owner, &ids, outcome).await
}

/// Ends `owner`'s memberships with the given ids; ids it has none with are reported
/// unchanged.
pub async fn remove(
    db: &DatabaseConnection,
    events: &Events,
    side: Side,
    owner: Uuid,
    ids: Vec<Uuid>,
) -> AppResult<MembershipChanges> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(
            txn,
            Ends::Named {
                side,
                owner,
                others: &ids,
            },
        )
        .await?;
        let removed = delete_memberships(txn, side, owner, Which::Listed(&ids)).await?;
        if removed.is_empty() {
            // Nothing matched: tell "no such owner" apart from "no such memberships".
            ensure_exists(txn, side, owner).await?;
        }
        let at = super::now();
        let announced = removed
            .iter()
            .map(|&other| side_event(EventKind::Removed, side, owner, other, None, at))
            .collect();
        let changes = MembershipChanges {
            unchanged: ids.difference(&removed).copied().collect(),
            removed: removed.into_iter().collect(),
            added: Vec::new(),
        };
        Ok((changes, announced))
    });
    outcome.map_err(WriteError::into_app)
}

/// Leaves `owner` with memberships with exactly `ids`, in one transaction. With `expected`, refuses
/// (CONFLICT, changing nothing) unless the current set is exactly `expected`.
pub async fn set(
    db: &DatabaseConnection,
    events: &Events,
    side: Side,
    owner: Uuid,
    ids: Vec<Uuid>,
    role: Role,
    expected: Option<Vec<Uuid>>,
) -> AppResult<MembershipChanges> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    let outcome = write_txn!(db, events, |txn| {
        let locked = lock_ends(txn, Ends::Set { side, owner }).await?;
        let owner_exists = match locked {
            Some(found) => found,
            None => ensure_exists(txn, side, owner).await.is_ok(),
        };
        if !owner_exists {
            // Named with every unknown id of the list, as add and the contract do.
            return Err(unknown_ids(txn, side, owner, &ids).await.into());
        }
        // Read after the locks: nobody can add a membership to the owner or end one now.
        let current = match &expected {
            Some(_) => Some(far_ids(txn, side, owner).await?),
            None => None,
        };
        if let (Some(expected), Some(current)) = (&expected, &current) {
            let expected: BTreeSet<Uuid> = expected.iter().copied().collect();
            if *current != expected {
                return Err(AppError::Conflict(format!(
                    "the {}s of {} {owner} are not the expected ones; reload and retry",
                    side.other().noun(),
                    side.noun(),
                ))
                .into());
            }
        }
        let at = super::now();
        let removed = delete_memberships(txn, side, owner, Which::AllBut(&ids)).await?;
        let added = if ids.is_empty() {
            BTreeSet::new()
        } else {
            insert_missing(txn, side, owner, &ids, role, at)
                .await
                .map_err(WriteError::Write)?
        };
        let announced = removed
            .iter()
            .map(|&other| side_event(EventKind::Removed, side, owner, other, None, at))
            .chain(
                added
                    .iter()
                    .map(|&other| side_event(EventKind::Added, side, owner, other, Some(role), at)),
            )
            .collect();
        let changes = MembershipChanges {
            unchanged: ids.difference(&added).copied().collect(),
            added: added.into_iter().collect(),
            removed: removed.into_iter().collect(),
        };
        Ok((changes, announced))
    });
    explain_failure(db, side, owner, &ids, outcome).await
}

// ---------------------------------------------------------------------------------------
// Serializability: every write locks the rows at both ends of the memberships it touches.
// ---------------------------------------------------------------------------------------

/// The memberships a write will read or change, named by their ends.
#[derive(Clone, Copy)]
enum Ends<'a> {
    /// add / remove: the owner's memberships with these ids.
    Named {
        side: Side,
        owner: Uuid,
        others: &'a BTreeSet<Uuid>,
    },
    /// set: every membership of the owner, whatever its far end is now or will be.
    Set { side: Side, owner: Uuid },
    /// The join row's own create, update and delete.
    JoinRow { user_id: Uuid, plan_id: Uuid },
    /// Deleting a user or a plan, with every membership it has.
    Deleted { side: Side, id: Uuid },
}

/// The advisory-lock namespace of this server (the first key of the two-key form), so its
/// locks cannot meet another application's on a shared database: `upln`, then the kind of
/// thing locked.
const LOCKS: i32 = 0x7570_6c00;
const USER_ROW: i32 = LOCKS;
const PLAN_ROW: i32 = LOCKS + 1;
/// One key per side standing for all of its rows: a write that would lock more rows than
/// [`MOST_ROW_LOCKS`] of a side, or every far end its owner has (set*), locks this
/// instead, exclusively; every other write holds it shared.
const SIDE: i32 = LOCKS + 2;
/// Above this many far ends, a write locks their whole side ([`SIDE`]): PostgreSQL's lock
/// table is shared by all sessions and sized for about 64 locks a transaction.
const MOST_ROW_LOCKS: usize = 32;

impl Side {
    fn row_locks(self) -> i32 {
        match self {
            Side::User => USER_ROW,
            Side::Plan => PLAN_ROW,
        }
    }

    /// This side's key in the [`SIDE`] namespace.
    fn side_key(self) -> i32 {
        match self {
            Side::User => 0,
            Side::Plan => 1,
        }
    }
}

/// Takes, until the transaction ends, PostgreSQL advisory locks on both ends of every
/// membership the write will read or change: its owner exclusively, the far ends shared. Returns, for
/// a `Set` write, whether its owner exists (found out in the same statement).
///
/// Why: two writes that touch a common membership (u, p) must run one after the other,
/// whichever side each starts from (a guard `expected…Ids` from one side must see a
/// membership the other side just made). Both lock u and p, and one of them holds its end exclusively, so the
/// second waits for the first to commit; it then reads, under READ COMMITTED, everything
/// the first wrote: two-phase locking, hence serializable. Shared far ends let writes of
/// different owners that share only a far end (two users joining one plan) run side by
/// side. A set* reads all of its owner's memberships, so it locks the whole far side instead, as
/// does a write naming many ids; writes holding the side shared wait for it. The join
/// row's own actions hold both ends shared: two of them on one membership meet on the row
/// itself.
///
/// Advisory locks rather than row locks (`SELECT … FOR UPDATE`): a row lock is written to
/// the row, so every write, even one that changes nothing, has a WAL record to flush at
/// commit. Measured in one sitting on one hot link (M1, 32 connections): advisory locks
/// 1,840-1,910 requests/s, row locks 1,250-1,500; SERIALIZABLE without locks 1,670-2,130,
/// but 5-6% of the calls (and 8% of a mix on one owner) still failed after five attempts.
/// (Without any of these, 4,200: what a write cost when it could lose an update.) Keys are
/// taken in one statement, in key order, so writes queue instead of deadlocking; two ids
/// whose keys collide only serialize writes that need not be.
/// SQLite needs none of this: a write transaction holds the database's write lock.
async fn lock_ends(txn: &DatabaseTransaction, ends: Ends<'_>) -> Result<Option<bool>, DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    // (namespace, ids, exclusive); the side keys have no id.
    let mut rows: Vec<(i32, Vec<Uuid>, bool)> = Vec::new();
    let mut sides = [(Side::User, false), (Side::Plan, false)];
    let mut whole_side = |side: Side| sides[side.side_key() as usize].1 = true;
    let mut owner_exists = None;
    match ends {
        Ends::Named {
            side,
            owner,
            others,
        } => {
            rows.push((side.row_locks(), vec![owner], true));
            if others.len() > MOST_ROW_LOCKS {
                whole_side(side.other());
            } else {
                let others = others.iter().copied().collect();
                rows.push((side.other().row_locks(), others, false));
            }
        }
        Ends::Set { side, owner, .. } => {
            rows.push((side.row_locks(), vec![owner], true));
            whole_side(side.other());
            owner_exists = Some((side, owner));
        }
        Ends::JoinRow { user_id, plan_id } => {
            rows.push((USER_ROW, vec![user_id], false));
            rows.push((PLAN_ROW, vec![plan_id], false));
        }
        Ends::Deleted { side, id } => rows.push((side.row_locks(), vec![id], true)),
    }
    let mut namespaces = Vec::new();
    let mut ids = Vec::new();
    let mut exclusive = Vec::new();
    for (namespace, listed, mode) in rows {
        for id in listed {
            namespaces.push(namespace);
            ids.push(id);
            exclusive.push(mode);
        }
    }
    let side_exclusive: Vec<bool> = sides.iter().map(|(_, whole)| *whole).collect();
    // The last 8 hex digits of a UUID (random in a UUIDv7) as its key.
    let mut sql = String::from(
        "WITH wanted(ns, k, x) AS MATERIALIZED ( \
           SELECT ns, k, bool_or(x) FROM ( \
             SELECT ns, ('x' || right(id::text, 8))::bit(32)::int4 AS k, x \
             FROM unnest(?::int4[], ?::uuid[], ?::bool[]) AS r(ns, id, x) \
             UNION ALL SELECT ?::int4, (k - 1)::int4, x \
             FROM unnest(?::bool[]) WITH ORDINALITY AS s(x, k) \
           ) AS keys(ns, k, x) GROUP BY ns, k ORDER BY ns, k \
         ) SELECT count(CASE WHEN x THEN pg_advisory_xact_lock(ns, k)::text \
                        ELSE pg_advisory_xact_lock_shared(ns, k)::text END) AS locks",
    );
    let mut values: Vec<Value> = vec![
        namespaces.into(),
        ids.into(),
        exclusive.into(),
        SIDE.into(),
        side_exclusive.into(),
    ];
    if let Some((side, owner)) = owner_exists {
        sql += &format!(
            ", EXISTS (SELECT 1 FROM {} WHERE id = ?) AS found",
            side.table()
        );
        values.push(owner.into());
    }
    sql += " FROM wanted";
    let row = txn
        .query_one_raw(statement(DbBackend::Postgres, &sql, values))
        .await?
        .ok_or(DbErr::RecordNotFound("locks".into()))?;
    match owner_exists {
        Some(_) => Ok(Some(row.try_get("", "found")?)),
        None => Ok(None),
    }
}

/// A write's failure: a statement's own error is kept raw until the transaction is rolled
/// back, because on PostgreSQL the unknown ids can only be looked up after that.
enum WriteError {
    Write(DbErr),
    App(AppError),
}

impl<E: Into<AppError>> From<E> for WriteError {
    fn from(err: E) -> Self {
        WriteError::App(err.into())
    }
}

impl WriteError {
    /// A deadlock or serialization failure: the transaction can run again as it is.
    fn is_retryable(&self) -> bool {
        let (WriteError::Write(err) | WriteError::App(AppError::Internal(err))) = self else {
            return false;
        };
        matches!(sql_state(err).as_deref(), Some("40001" | "40P01"))
    }

    fn into_app(self) -> AppError {
        match self {
            WriteError::Write(err) => err.into(),
            WriteError::App(err) => err,
        }
    }
}

/// Starts a transaction that will write. IMMEDIATE takes SQLite's write lock up front: a
/// deferred transaction that reads first could fail to upgrade to a writer when another
/// connection wrote in between.
async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Commits a write that succeeded, with its events (staged in the transaction, handed on
/// after the commit), or rolls back one that failed.
async fn finish<T>(
    txn: DatabaseTransaction,
    events: &Events,
    outcome: Result<(T, Vec<MembershipEvent>), WriteError>,
) -> Result<T, WriteError> {
    match outcome {
        Ok((value, announced)) => {
            events.publisher().stage(&txn, &announced).await?;
            txn.commit().await?;
            events.publisher().committed(announced);
            Ok(value)
        }
        Err(err) => {
            txn.rollback().await?;
            Err(err)
        }
    }
}

/// Turns a foreign-key failure into NOT_FOUND listing the ids that name no row.
async fn explain_failure<T>(
    db: &DatabaseConnection,
    side: Side,
    owner: Uuid,
    ids: &BTreeSet<Uuid>,
    result: Result<T, WriteError>,
) -> AppResult<T> {
    match result {
        Err(WriteError::Write(err)) if is_foreign_key_violation(&err) => {
            Err(unknown_ids(db, side, owner, ids).await)
        }
        result => result.map_err(WriteError::into_app),
    }
}

fn side_event(
    kind: EventKind,
    side: Side,
    owner: Uuid,
    other: Uuid,
    role: Option<Role>,
    at: DateTime<Utc>,
) -> MembershipEvent {
    let (user_id, plan_id) = match side {
        Side::User => (owner, other),
        Side::Plan => (other, owner),
    };
    MembershipEvent {
        kind,
        user_id,
        plan_id,
        role,
        at,
    }
}

fn row_event(kind: EventKind, row: &user_plan::Model) -> MembershipEvent {
    MembershipEvent {
        kind,
        user_id: row.user_id,
        plan_id: row.plan_id,
        role: Some(row.role),
        at: row.inserted_at,
    }
}

/// `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`: one statement whatever the
/// number of ids, and RETURNING names exactly the memberships this call created.
async fn insert_missing(
    conn: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
    ids: &BTreeSet<Uuid>,
    role: Role,
    at: DateTime<Utc>,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let (owner_col, other_col) = (side.column(), side.other().column());
    let mut values = vec![owner.into(), role_value(role), at.into()];
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let source = match conn.get_database_backend() {
        DbBackend::Postgres => {
            values.push(ids.into());
            "unnest(?::uuid[]) AS ids(column1)".to_owned()
        }
        _ => {
            values.extend(ids.iter().copied().map(Value::from));
            format!(
                "(VALUES {}) AS ids",
                "(?), ".repeat(ids.len()).trim_end_matches(", ")
            )
        }
    };
    // SQLite needs the WHERE to tell the upsert clause from a join constraint.
    let sql = format!(
        "INSERT INTO user_plans ({owner_col}, {other_col}, role, inserted_at) \
         SELECT ?, column1, ?, ? FROM {source} WHERE true \
         ON CONFLICT DO NOTHING RETURNING {other_col}"
    );
    returned_ids(conn, &sql, values, other_col).await
}

/// Which of an owner's memberships [`delete_memberships`] ends, named by their far ends.
#[derive(Clone, Copy)]
enum Which<'a> {
    /// Every one (its owner is being deleted).
    All,
    /// Those with these ids (remove); none when the list is empty.
    Listed(&'a BTreeSet<Uuid>),
    /// Every one but those with these ids (set); all of them when the list is empty.
    AllBut(&'a BTreeSet<Uuid>),
}

/// Deletes the `which` memberships of `owner`; returns the far ends of those it deleted.
async fn delete_memberships(
    conn: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
    which: Which<'_>,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let (listed, not) = match which {
        Which::Listed(ids) if ids.is_empty() => return Ok(BTreeSet::new()),
        Which::Listed(ids) => (Some(ids), ""),
        Which::AllBut(ids) if !ids.is_empty() => (Some(ids), "NOT "),
        Which::All | Which::AllBut(_) => (None, ""),
    };
    let (owner_col, other_col) = (side.column(), side.other().column());
    let mut sql = format!("DELETE FROM user_plans WHERE {owner_col} = ?");
    let mut values = vec![owner.into()];
    if let Some(ids) = listed {
        let ids: Vec<Uuid> = ids.iter().copied().collect();
        let listed = one_of(conn.get_database_backend(), other_col, &ids, &mut values);
        sql += &format!(" AND {not}({listed})");
    }
    sql += &format!(" RETURNING {other_col}");
    returned_ids(conn, &sql, values, other_col).await
}

async fn far_ids(
    conn: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let (owner_col, other_col) = (side.column(), side.other().column());
    let sql = format!("SELECT {other_col} FROM user_plans WHERE {owner_col} = ?");
    returned_ids(conn, &sql, vec![owner.into()], other_col).await
}

async fn returned_ids(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
    column: &str,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let rows = conn
        .query_all_raw(statement(conn.get_database_backend(), sql, values))
        .await?;
    rows.iter().map(|row| row.try_get("", column)).collect()
}

async fn ensure_exists(conn: &impl ConnectionTrait, side: Side, id: Uuid) -> AppResult<()> {
    let sql = format!("SELECT id FROM {} WHERE id = ?", side.table());
    match conn
        .query_one_raw(statement(
            conn.get_database_backend(),
            &sql,
            vec![id.into()],
        ))
        .await?
    {
        Some(_) => Ok(()),
        None => Err(AppError::not_found(side.noun(), vec![id])),
    }
}

/// After a foreign-key failure: which of the owner and the ids name no row. Run outside the
/// failed statement's transaction, and only on this error path.
async fn unknown_ids(
    db: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
    ids: &BTreeSet<Uuid>,
) -> AppError {
    let mut values = vec![owner.into()];
    let ids_vec: Vec<Uuid> = ids.iter().copied().collect();
    let sql = format!(
        "SELECT id FROM {owner_table} WHERE id = ? \
         UNION ALL SELECT id FROM {other_table} WHERE {listed}",
        owner_table = side.table(),
        other_table = side.other().table(),
        listed = one_of(db.get_database_backend(), "id", &ids_vec, &mut values),
    );
    let found = match returned_ids(db, &sql, values, "id").await {
        Ok(found) => found,
        Err(err) => return err.into(),
    };
    let mut message = Vec::new();
    let mut missing = Vec::new();
    if !found.contains(&owner) {
        message.push(format!("no {} with id {owner}", side.noun()));
        missing.push(owner);
    }
    let missing_others: Vec<Uuid> = ids
        .iter()
        .filter(|id| !found.contains(id) && !missing.contains(*id))
        .copied()
        .collect();
    if !missing_others.is_empty() {
        message.push(format!(
            "no {} with id {}",
            side.other().noun(),
            id_list(&missing_others)
        ));
        missing.extend(missing_others);
    }
    AppError::NotFound {
        message: message.join("; "),
        ids: missing,
    }
}
