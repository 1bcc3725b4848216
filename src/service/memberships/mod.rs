//! Memberships (the `user_plans` join table) seen from either side. Every function is
//! written once and told which [`Side`] it starts from.
//!
//! One file per concern, so that each GraphQL operation's SQL is in one place:
//! - `reads.rs`: the batched reads behind the nested fields (`User.plans`, `Plan.users`,
//!   `memberships`, `planCount`, `userCount`);
//! - `join_row.rs`: the join row's own actions (`userPlan`, `createUserPlan`,
//!   `updateUserPlan`, `deleteUserPlan`);
//! - `sets.rs`: add, remove and set from either side (`addPlansToUser`, `setPlanUsers`...);
//! - `deletion.rs`: deleting a user or a plan with its memberships (`deleteUser`,
//!   `deletePlan`, through `users::delete` and `plans::delete`);
//! - `permissions.rs`: what a signed-in caller may change, checked inside each write;
//! - `write.rs`: how every write above runs (its transaction, retries, events and errors),
//!   and `locks.rs`: what makes concurrent writes serializable on PostgreSQL.

mod deletion;
mod join_row;
mod locks;
mod permissions;
mod reads;
mod sets;
mod write;

pub(super) use deletion::delete_with_memberships;
pub use join_row::{create, create_owned_plan, delete, find, update_role};
pub(super) use permissions::{plan_role_at_least, refuse_other_user, signed};
pub use reads::{Walk, counts, far_end_ids, far_ends, join_rows};
pub use sets::{add, remove, set};

use std::collections::BTreeSet;

use entity::user_plan::{self, Role};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, Value};
use uuid::Uuid;

use super::rows::Row;
use super::sql::statement;

/// The side a membership is seen from: the owner of `user.plans` is a user, of `plan.users`
/// a plan.
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

/// What a membership mutation did, as reported by the database's RETURNING clauses. Ids
/// sorted.
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

const MEMBERSHIP_COLUMNS: &str = user_plan::Model::COLUMNS;

/// The ids a statement returns in `column` (a RETURNING clause's, a SELECT's).
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
