//! Serializability: every membership write locks both ends of the memberships it will read
//! or change, on PostgreSQL, before it reads anything. In its own file because the rule
//! (who locks what, in which mode) is one decision that every write in `sets.rs`,
//! `join_row.rs` and `deletion.rs` must follow, and it is read and reviewed as one.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Value};
use uuid::Uuid;

use super::Side;
use crate::service::sql::statement;
use crate::service::{PlanId, UserId};

/// The memberships a write will read or change, named by their ends.
#[derive(Clone, Copy)]
pub(super) enum Ends<'a> {
    /// add / remove: the owner's memberships with these ids.
    Named {
        side: Side,
        owner: Uuid,
        others: &'a BTreeSet<Uuid>,
    },
    /// set: every membership of the owner, whatever its far end is now or will be.
    Set { side: Side, owner: Uuid },
    /// The join row's own create, update and delete.
    JoinRow { user_id: UserId, plan_id: PlanId },
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
/// membership the write will read or change: its owner exclusively, the far ends shared.
/// Returns, for a `Set` write, whether its owner exists (found out in the same statement).
///
/// Why: two writes that touch a common membership (u, p) must run one after the other,
/// whichever side each starts from (a guard `expected…Ids` from one side must see a
/// membership the other side just made). Both lock u and p, and one of them holds its end
/// exclusively, so the second waits for the first to commit; it then reads, under READ
/// COMMITTED, everything the first wrote: two-phase locking, hence serializable. Shared far
/// ends let writes of different owners that share only a far end (two users joining one
/// plan) run side by side. A set* reads all of its owner's memberships, so it locks the
/// whole far side instead, as does a write naming many ids; writes holding the side shared
/// wait for it. The join row's own actions hold both ends shared: two of them on one
/// membership meet on the row itself.
///
/// Advisory locks rather than row locks (`SELECT … FOR UPDATE`): a row lock is written to
/// the row, so every write, even one that changes nothing, has a WAL record to flush at
/// commit, and on one hot membership that made writes slower than these locks do. Nor
/// SERIALIZABLE without locks: it was no faster, and under contention some calls still
/// failed after every retry. (The README's performance section has the figures.) Keys are
/// taken in one statement, in key order, so writes queue instead of deadlocking; two ids
/// whose keys collide only serialize writes that need not be.
///
/// A signed-in caller's write (`guard_owners`) also holds its plans exclusively: it reads
/// who owns them before it changes their links (the last-owner rule), and two writes from
/// either side that each demote one of a plan's two owners must not both see the other
/// one still there. Deleting a user holds the whole plan side so, since which plans it owns
/// is only known after the lock. The service token's writes keep the modes above.
/// SQLite needs none of this: a write transaction holds the database's write lock.
pub(super) async fn lock_ends(
    txn: &DatabaseTransaction,
    ends: Ends<'_>,
    guard_owners: bool,
) -> Result<Option<bool>, DbErr> {
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
            rows.push((USER_ROW, vec![user_id.0], false));
            rows.push((PLAN_ROW, vec![plan_id.0], false));
        }
        Ends::Deleted { side, id } => {
            rows.push((side.row_locks(), vec![id], true));
            if guard_owners && side == Side::User {
                whole_side(Side::Plan);
            }
        }
    }
    if guard_owners {
        for (namespace, _, exclusive) in &mut rows {
            *exclusive |= *namespace == PLAN_ROW;
        }
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
