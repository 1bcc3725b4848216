//! The join row's own actions, each naming one (user, plan) pair: the `userPlan` query and
//! `createUserPlan`, `updateUserPlan`, `deleteUserPlan`.

use std::collections::BTreeSet;

use entity::plan;
use entity::user_plan::{self, Role};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, Value};
use uuid::Uuid;

use super::locks::{Ends, lock_ends};
use super::permissions::{check_join_row, signed};
use super::write::{WriteError, explain_failure, write_txn};
use super::{MEMBERSHIP_COLUMNS, Side, role_value};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, is_foreign_key_violation, is_unique_violation};
use crate::service::events::{EventKind, Events, MembershipEvent};
use crate::service::rows;
use crate::service::sql::statement;
use crate::service::visibility::{self, Visibility};
use crate::service::{PlanId, UserId, now};

/// The membership of this user in this plan, if there is one that `visibility` sees.
pub async fn find(
    db: &DatabaseConnection,
    visibility: Visibility,
    user_id: UserId,
    plan_id: PlanId,
) -> AppResult<Option<user_plan::Model>> {
    let mut values = vec![user_id.into(), plan_id.into()];
    let seen = visibility::and(visibility.plan("user_plans.plan_id"), &mut values);
    let sql = format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM user_plans WHERE user_id = ? AND plan_id = ?{seen}"
    );
    let stmt = statement(db.get_database_backend(), &sql, values);
    Ok(rows::fetch_one(db, stmt).await?)
}

/// Creates one membership; CONFLICT if the pair has one already.
pub async fn create(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    user_id: UserId,
    plan_id: PlanId,
    role: Role,
) -> AppResult<user_plan::Model> {
    let (signed, actor) = (signed(viewer), viewer.user_id().map(|id| id.0));
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::JoinRow { user_id, plan_id }, signed.is_some()).await?;
        if let Some(signed) = signed {
            check_join_row(txn, signed, user_id.0, plan_id.0, Some(role), true).await?;
        }
        let sql = format!(
            "INSERT INTO user_plans ({MEMBERSHIP_COLUMNS}) VALUES (?, ?, ?, ?) \
             RETURNING {MEMBERSHIP_COLUMNS}"
        );
        let values = vec![
            user_id.into(),
            plan_id.into(),
            role_value(role),
            now().into(),
        ];
        let stmt = statement(txn.get_database_backend(), &sql, values);
        let row = rows::fetch_one::<user_plan::Model>(txn, stmt)
            .await
            .map_err(WriteError::Write)?
            .ok_or(DbErr::RecordNotInserted)?;
        let event = row_event(EventKind::Added, &row, actor);
        Ok((row, vec![event]))
    });
    let ids = BTreeSet::from([plan_id.0]);
    match outcome {
        Err(WriteError::Write(err)) if is_unique_violation(&err) => Err(AppError::conflict(
            format!("user {user_id} is already linked to plan {plan_id}"),
        )),
        result => explain_failure(db, Side::User, user_id.0, &ids, result).await,
    }
}

/// Creates a plan with `insert` (an INSERT ... RETURNING of its row, with id `plan_id`) and
/// makes `owner` its OWNER, in one transaction: a signed-in user's `createPlan`.
pub async fn create_owned_plan(
    db: &DatabaseConnection,
    events: &Events,
    owner: UserId,
    plan_id: PlanId,
    insert: Statement,
) -> AppResult<plan::Model> {
    let outcome = write_txn!(db, events, |txn| {
        // The owner's end, shared: a concurrent deletion of that user waits, or goes first.
        let ends = Ends::JoinRow {
            user_id: owner,
            plan_id,
        };
        lock_ends(txn, ends, false).await?;
        let plan = rows::fetch_one::<plan::Model>(txn, insert.clone())
            .await?
            .ok_or(DbErr::RecordNotInserted)?;
        let sql = format!(
            "INSERT INTO user_plans ({MEMBERSHIP_COLUMNS}) VALUES (?, ?, ?, ?) \
             RETURNING {MEMBERSHIP_COLUMNS}"
        );
        let values = vec![
            owner.into(),
            plan_id.into(),
            role_value(Role::Owner),
            plan.inserted_at.into(),
        ];
        let stmt = statement(txn.get_database_backend(), &sql, values);
        let row = rows::fetch_one::<user_plan::Model>(txn, stmt)
            .await
            .map_err(WriteError::Write)?
            .ok_or(DbErr::RecordNotInserted)?;
        let event = row_event(EventKind::Added, &row, Some(owner.0));
        Ok((plan, vec![event]))
    });
    match outcome {
        // The signed-in user was deleted after their token was issued.
        Err(WriteError::Write(err)) if is_foreign_key_violation(&err) => {
            Err(AppError::not_found("user", vec![owner.0]))
        }
        result => result.map_err(WriteError::into_app),
    }
}

/// Changes the role of an existing membership; NOT_FOUND if there is none.
pub async fn update_role(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    user_id: UserId,
    plan_id: PlanId,
    role: Role,
) -> AppResult<user_plan::Model> {
    let sql = format!(
        "UPDATE user_plans SET role = ? WHERE user_id = ? AND plan_id = ? \
         RETURNING {MEMBERSHIP_COLUMNS}"
    );
    let values = vec![role_value(role), user_id.into(), plan_id.into()];
    let change = Change {
        kind: EventKind::Updated,
        user_id,
        plan_id,
        role: Some(role),
    };
    change_one(db, events, viewer, change, &sql, values).await
}

/// Removes one membership and returns the row as it was.
pub async fn delete(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    user_id: UserId,
    plan_id: PlanId,
) -> AppResult<user_plan::Model> {
    let sql = format!(
        "DELETE FROM user_plans WHERE user_id = ? AND plan_id = ? RETURNING {MEMBERSHIP_COLUMNS}"
    );
    let values = vec![user_id.into(), plan_id.into()];
    let change = Change {
        kind: EventKind::Removed,
        user_id,
        plan_id,
        role: None,
    };
    change_one(db, events, viewer, change, &sql, values).await
}

/// What [`change_one`] does to one membership: its event's kind, and the role it leaves
/// (none: removed).
struct Change {
    kind: EventKind,
    user_id: UserId,
    plan_id: PlanId,
    role: Option<Role>,
}

/// An UPDATE or DELETE of one membership with RETURNING, and its event; NOT_FOUND if there
/// is no such membership.
async fn change_one(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    change: Change,
    sql: &str,
    values: Vec<Value>,
) -> AppResult<user_plan::Model> {
    let Change {
        kind,
        user_id,
        plan_id,
        role,
    } = change;
    let (signed, actor) = (signed(viewer), viewer.user_id().map(|id| id.0));
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::JoinRow { user_id, plan_id }, signed.is_some()).await?;
        if let Some(signed) = signed {
            check_join_row(txn, signed, user_id.0, plan_id.0, role, false).await?;
        }
        let stmt = statement(txn.get_database_backend(), sql, values.clone());
        let row = rows::fetch_one::<user_plan::Model>(txn, stmt)
            .await?
            .ok_or_else(|| not_linked(user_id.0, plan_id.0))?;
        let mut event = row_event(kind, &row, actor);
        event.at = now();
        if kind == EventKind::Removed {
            event.role = None;
        }
        Ok((row, vec![event]))
    });
    outcome.map_err(WriteError::into_app)
}

/// The NOT_FOUND of a pair that has no membership.
pub(super) fn not_linked(user_id: Uuid, plan_id: Uuid) -> AppError {
    AppError::NotFound {
        message: format!("user {user_id} is not linked to plan {plan_id}"),
        ids: vec![user_id, plan_id],
    }
}

/// The event of a change to `row`, at the row's own time.
fn row_event(kind: EventKind, row: &user_plan::Model, actor: Option<Uuid>) -> MembershipEvent {
    MembershipEvent {
        kind,
        user_id: row.user_id,
        plan_id: row.plan_id,
        role: Some(row.role),
        at: row.inserted_at,
        actor,
    }
}
