//! Add, remove and set from either side: `addPlansToUser`, `removePlansFromUser`,
//! `setUserPlans` and their three mirrors on a plan, with the statements they share.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entity::user_plan::Role;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Value};
use uuid::Uuid;

use super::locks::{Ends, lock_ends};
use super::permissions::{LinkCall, LinkOp, check_links, check_links_in_write, signed};
use super::write::{WriteError, explain_failure, unknown_ids, write_txn};
use super::{MembershipChanges, Side, returned_ids, role_value};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, is_foreign_key_violation};
use crate::service::events::{EventKind, Events, MembershipEvent};
use crate::service::now;
use crate::service::sql::{one_of, statement};
use crate::service::visibility::{self, Condition, Visibility};

/// Makes `owner` a member of (or, from a plan, gives it as members) every id in `ids` it
/// has no membership with yet (with `role`); existing memberships are left as they are.
/// One INSERT, whatever the number of ids; an unknown id fails it as a whole through the
/// foreign key.
pub async fn add(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    side: Side,
    owner: Uuid,
    ids: Vec<Uuid>,
    role: Role,
) -> AppResult<MembershipChanges> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    let (signed, actor) = (signed(viewer), viewer.user_id().map(|id| id.0));
    let backend = db.get_database_backend();
    // An unknown id fails the INSERT before the rules that read beside it are applied, so
    // then the call runs again checked first, which names every id the caller cannot see
    // (not only those of no row).
    let mut check_in_write = signed.is_some() && backend == DbBackend::Postgres && !ids.is_empty();
    let call = LinkCall {
        side,
        owner,
        ids: &ids,
        op: LinkOp::Add(role),
    };
    loop {
        let outcome = write_txn!(db, events, |txn| {
            let named = Ends::Named {
                side,
                owner,
                others: &ids,
            };
            lock_ends(txn, named, signed.is_some()).await?;
            let at = now();
            let added = match signed {
                Some(signed) if check_in_write => {
                    let insert = insert_missing_sql(backend, side, owner, &ids, role, at);
                    check_links_in_write(txn, signed, call, insert).await?.1
                }
                _ => {
                    match signed {
                        Some(signed) => {
                            check_links(txn, signed, call).await?;
                        }
                        None if ids.is_empty() => ensure_exists(txn, side, owner).await?,
                        None => {}
                    }
                    match ids.is_empty() {
                        true => BTreeSet::new(),
                        false => insert_missing(txn, side, owner, &ids, role, at)
                            .await
                            .map_err(WriteError::Write)?,
                    }
                }
            };
            let announced =
                side_events(EventKind::Added, side, owner, &added, Some(role), at, actor);
            let changes = MembershipChanges {
                unchanged: ids.difference(&added).copied().collect(),
                added: added.into_iter().collect(),
                removed: Vec::new(),
            };
            Ok((changes, announced))
        });
        match outcome {
            Err(WriteError::Write(err)) if check_in_write && is_foreign_key_violation(&err) => {
                check_in_write = false;
            }
            outcome => return explain_failure(db, side, owner, &ids, outcome).await,
        }
    }
}

/// Ends `owner`'s memberships with the given ids; ids it has none with (or, for a signed-in
/// caller, that it cannot see) are reported unchanged.
pub async fn remove(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    side: Side,
    owner: Uuid,
    ids: Vec<Uuid>,
) -> AppResult<MembershipChanges> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    let (signed, actor) = (signed(viewer), viewer.user_id().map(|id| id.0));
    let call = LinkCall {
        side,
        owner,
        ids: &ids,
        op: LinkOp::Remove,
    };
    let outcome = write_txn!(db, events, |txn| {
        let named = Ends::Named {
            side,
            owner,
            others: &ids,
        };
        lock_ends(txn, named, signed.is_some()).await?;
        // On PostgreSQL the rules are read in the DELETE's own statement (see `add`), and it
        // deletes only what the caller sees: the links of a plan they see (from a plan,
        // the plan's own visibility is a check that refuses the call instead).
        let in_write = signed
            .filter(|_| txn.get_database_backend() == DbBackend::Postgres)
            .and_then(|_| {
                let seen = match side {
                    Side::User => Visibility::from(viewer).plan_probed("user_plans.plan_id"),
                    Side::Plan => None,
                };
                delete_memberships_sql(DbBackend::Postgres, side, owner, Which::Listed(&ids), seen)
            });
        let removed = match (signed, in_write) {
            (Some(signed), Some(delete)) => {
                let (allowed, removed) = check_links_in_write(txn, signed, call, delete).await?;
                if removed != allowed.remove {
                    return Err(AppError::Internal(DbErr::Custom(format!(
                        "removed {removed:?} where the rules allowed {:?}",
                        allowed.remove
                    )))
                    .into());
                }
                removed
            }
            (Some(signed), None) => {
                let allowed = check_links(txn, signed, call).await?;
                delete_memberships(txn, side, owner, Which::Listed(&allowed.remove)).await?
            }
            (None, _) => {
                let removed = delete_memberships(txn, side, owner, Which::Listed(&ids)).await?;
                if removed.is_empty() {
                    // Nothing matched: tell "no such owner" apart from "no such memberships".
                    ensure_exists(txn, side, owner).await?;
                }
                removed
            }
        };
        let at = now();
        let announced = side_events(EventKind::Removed, side, owner, &removed, None, at, actor);
        let changes = MembershipChanges {
            unchanged: ids.difference(&removed).copied().collect(),
            removed: removed.into_iter().collect(),
            added: Vec::new(),
        };
        Ok((changes, announced))
    });
    outcome.map_err(WriteError::into_app)
}

/// Leaves `owner` with memberships with exactly `ids`, in one transaction. With `expected`,
/// refuses (CONFLICT, changing nothing) unless the current far ends are exactly `expected`.
#[allow(clippy::too_many_arguments)]
pub async fn set(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    side: Side,
    owner: Uuid,
    ids: Vec<Uuid>,
    role: Role,
    expected: Option<Vec<Uuid>>,
) -> AppResult<MembershipChanges> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    let (signed, actor) = (signed(viewer), viewer.user_id().map(|id| id.0));
    let outcome = write_txn!(db, events, |txn| {
        let locked = lock_ends(txn, Ends::Set { side, owner }, signed.is_some()).await?;
        // A signed-in caller's set acts within what it sees: it ends exactly the links it
        // sees that are not kept (the others are never read, touched or reported).
        let (current, to_remove) = match signed {
            Some(signed) => {
                let call = LinkCall {
                    side,
                    owner,
                    ids: &ids,
                    op: LinkOp::Set(role),
                };
                let allowed = check_links(txn, signed, call).await?;
                (Some(allowed.current), Some(allowed.remove))
            }
            None => {
                let owner_exists = match locked {
                    Some(found) => found,
                    None => ensure_exists(txn, side, owner).await.is_ok(),
                };
                if !owner_exists {
                    // Named with every unknown id of the list, as add and the contract do.
                    return Err(unknown_ids(txn, side, owner, &ids).await.into());
                }
                // Read after the locks: nobody can add a membership to the owner or end one
                // now.
                let current = match &expected {
                    Some(_) => Some(far_ids(txn, side, owner).await?),
                    None => None,
                };
                (current, None)
            }
        };
        if let (Some(expected), Some(current)) = (&expected, &current) {
            let expected: BTreeSet<Uuid> = expected.iter().copied().collect();
            if *current != expected {
                return Err(AppError::conflict(format!(
                    "the {}s of {} {owner} are not the expected ones; reload and retry",
                    side.other().noun(),
                    side.noun(),
                ))
                .into());
            }
        }
        let at = now();
        let which = match &to_remove {
            Some(listed) => Which::Listed(listed),
            None => Which::AllBut(&ids),
        };
        let removed = delete_memberships(txn, side, owner, which).await?;
        let added = if ids.is_empty() {
            BTreeSet::new()
        } else {
            insert_missing(txn, side, owner, &ids, role, at)
                .await
                .map_err(WriteError::Write)?
        };
        let mut announced = side_events(EventKind::Removed, side, owner, &removed, None, at, actor);
        announced.extend(side_events(
            EventKind::Added,
            side,
            owner,
            &added,
            Some(role),
            at,
            actor,
        ));
        let changes = MembershipChanges {
            unchanged: ids.difference(&added).copied().collect(),
            added: added.into_iter().collect(),
            removed: removed.into_iter().collect(),
        };
        Ok((changes, announced))
    });
    explain_failure(db, side, owner, &ids, outcome).await
}

/// The events of `owner`'s memberships with `others` (seen from `side`, so an (owner,
/// other) pair is a (user, plan) or a (plan, user) pair), in the order of `others`.
pub(super) fn side_events(
    kind: EventKind,
    side: Side,
    owner: Uuid,
    others: &BTreeSet<Uuid>,
    role: Option<Role>,
    at: DateTime<Utc>,
    actor: Option<Uuid>,
) -> Vec<MembershipEvent> {
    let event = |&other: &Uuid| {
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
            actor,
        }
    };
    others.iter().map(event).collect()
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
    let (sql, values) = insert_missing_sql(conn.get_database_backend(), side, owner, ids, role, at);
    returned_ids(conn, &sql, values, side.other().column()).await
}

/// [`insert_missing`]'s statement, and the values of its placeholders.
fn insert_missing_sql(
    backend: DbBackend,
    side: Side,
    owner: Uuid,
    ids: &BTreeSet<Uuid>,
    role: Role,
    at: DateTime<Utc>,
) -> (String, Vec<Value>) {
    let (owner_col, other_col) = (side.column(), side.other().column());
    let mut values = vec![owner.into(), role_value(role), at.into()];
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let source = match backend {
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
    (sql, values)
}

/// Which of an owner's memberships [`delete_memberships`] ends, named by their far ends.
#[derive(Clone, Copy)]
pub(super) enum Which<'a> {
    /// Every one (its owner is being deleted).
    All,
    /// Those with these ids (remove); none when the list is empty.
    Listed(&'a BTreeSet<Uuid>),
    /// Every one but those with these ids (set); all of them when the list is empty.
    AllBut(&'a BTreeSet<Uuid>),
}

/// Deletes the `which` memberships of `owner`; returns the far ends of those it deleted.
pub(super) async fn delete_memberships(
    conn: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
    which: Which<'_>,
) -> Result<BTreeSet<Uuid>, DbErr> {
    match delete_memberships_sql(conn.get_database_backend(), side, owner, which, None) {
        Some((sql, values)) => returned_ids(conn, &sql, values, side.other().column()).await,
        None => Ok(BTreeSet::new()),
    }
}

/// [`delete_memberships`]'s statement, and the values of its placeholders, keeping only
/// the memberships that also meet `seen`; none when there is nothing to delete.
fn delete_memberships_sql(
    backend: DbBackend,
    side: Side,
    owner: Uuid,
    which: Which<'_>,
    seen: Option<Condition>,
) -> Option<(String, Vec<Value>)> {
    let (listed, not) = match which {
        Which::Listed(ids) if ids.is_empty() => return None,
        Which::Listed(ids) => (Some(ids), ""),
        Which::AllBut(ids) if !ids.is_empty() => (Some(ids), "NOT "),
        Which::All | Which::AllBut(_) => (None, ""),
    };
    let (owner_col, other_col) = (side.column(), side.other().column());
    let mut sql = format!("DELETE FROM user_plans WHERE {owner_col} = ?");
    let mut values = vec![owner.into()];
    if let Some(ids) = listed {
        let ids: Vec<Uuid> = ids.iter().copied().collect();
        let listed = one_of(backend, other_col, &ids, &mut values);
        sql += &format!(" AND {not}({listed})");
    }
    sql += &visibility::and(seen, &mut values);
    sql += &format!(" RETURNING {other_col}");
    Some((sql, values))
}

/// The far ends of every membership of `owner`.
async fn far_ids(
    conn: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let (owner_col, other_col) = (side.column(), side.other().column());
    let sql = format!("SELECT {other_col} FROM user_plans WHERE {owner_col} = ?");
    returned_ids(conn, &sql, vec![owner.into()], other_col).await
}

/// NOT_FOUND unless `id` names a row of `side`.
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
