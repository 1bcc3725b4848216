//! The join row's own actions, each naming one (user, plan) pair: the `userPlan` query and
//! `createUserPlan`, `updateUserPlan`, `deleteUserPlan`.

use std::collections::BTreeSet;

use entity::user_plan::{self, Role};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Value};

use super::locks::{Ends, lock_ends};
use super::write::{WriteError, explain_failure, write_txn};
use super::{MEMBERSHIP_COLUMNS, Side, role_value};
use crate::error::{AppError, AppResult, is_unique_violation};
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
    user_id: UserId,
    plan_id: PlanId,
    role: Role,
) -> AppResult<user_plan::Model> {
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::JoinRow { user_id, plan_id }).await?;
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
        let event = row_event(EventKind::Added, &row);
        Ok((row, vec![event]))
    });
    let ids = BTreeSet::from([plan_id.0]);
    match outcome {
        Err(WriteError::Write(err)) if is_unique_violation(&err) => Err(AppError::Conflict(
            format!("user {user_id} is already linked to plan {plan_id}"),
        )),
        result => explain_failure(db, Side::User, user_id.0, &ids, result).await,
    }
}

/// Changes the role of an existing membership; NOT_FOUND if there is none.
pub async fn update_role(
    db: &DatabaseConnection,
    events: &Events,
    user_id: UserId,
    plan_id: PlanId,
    role: Role,
) -> AppResult<user_plan::Model> {
    let sql = format!(
        "UPDATE user_plans SET role = ? WHERE user_id = ? AND plan_id = ? \
         RETURNING {MEMBERSHIP_COLUMNS}"
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
    user_id: UserId,
    plan_id: PlanId,
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
    user_id: UserId,
    plan_id: PlanId,
) -> AppResult<user_plan::Model> {
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::JoinRow { user_id, plan_id }).await?;
        let stmt = statement(txn.get_database_backend(), sql, values.clone());
        let row = rows::fetch_one::<user_plan::Model>(txn, stmt)
            .await?
            .ok_or_else(|| AppError::NotFound {
                message: format!("user {user_id} is not linked to plan {plan_id}"),
                ids: vec![user_id.0, plan_id.0],
            })?;
        let mut event = row_event(kind, &row);
        event.at = now();
        if kind == EventKind::Removed {
            event.role = None;
        }
        Ok((row, vec![event]))
    });
    outcome.map_err(WriteError::into_app)
}

/// The event of a change to `row`, at the row's own time.
fn row_event(kind: EventKind, row: &user_plan::Model) -> MembershipEvent {
    MembershipEvent {
        kind,
        user_id: row.user_id,
        plan_id: row.plan_id,
        role: Some(row.role),
        at: row.inserted_at,
    }
}
