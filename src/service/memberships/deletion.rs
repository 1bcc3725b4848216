//! Deleting a user or a plan, with its memberships. `users::delete` and `plans::delete` are
//! the entry points; the work is here, written once for both sides, because it is a
//! membership write like the others (the same locks, transaction and events).

use entity::user_plan::Role;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::Side;
use super::locks::{Ends, lock_ends};
use super::permissions::{check_user_deletion, plan_role_at_least, signed};
use super::sets::{Which, delete_memberships, side_events};
use super::write::{WriteError, write_txn};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::events::{EventKind, Events};
use crate::service::now;
use crate::service::sql::statement;

/// Deletes a user or a plan and, with it, its memberships; announces each removed one. A
/// signed-in caller deletes a plan it is OWNER of, or itself unless it is the last OWNER of
/// a plan (someone else's account is refused before: `users::delete`). The
/// memberships are deleted first, in the same transaction, because the foreign keys' cascade
/// would remove them without saying which.
pub(in crate::service) async fn delete_with_memberships(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    side: Side,
    id: Uuid,
) -> AppResult<Uuid> {
    let (signed, actor) = (signed(viewer), viewer.user_id().map(|id| id.0));
    let outcome = write_txn!(db, events, |txn| {
        lock_ends(txn, Ends::Deleted { side, id }, signed.is_some()).await?;
        match (signed, side) {
            (Some(signed), Side::Plan) => {
                plan_role_at_least(txn, signed, id, &[Role::Owner]).await?
            }
            (Some(signed), Side::User) => check_user_deletion(txn, signed, id).await?,
            (None, _) => {}
        }
        let at = now();
        let removed = delete_memberships(txn, side, id, Which::All).await?;
        let sql = format!("DELETE FROM {} WHERE id = ?", side.table());
        let deleted = txn
            .execute_raw(statement(txn.get_database_backend(), &sql, vec![id.into()]))
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(AppError::not_found(side.noun(), vec![id]).into());
        }
        let announced = side_events(EventKind::Removed, side, id, &removed, None, at, actor);
        Ok((id, announced))
    });
    outcome.map_err(WriteError::into_app)
}
