use async_graphql::{InputObject, MaybeUndefined};
use uuid::Uuid;

use super::{MembershipRole, PlanSortField, SortDirection, UserSortField};
use crate::service::plans::PlanFilter;
use crate::service::tables::{Direction, Ordering, SortKey};
use crate::service::users::UserFilter;

#[derive(InputObject, Default)]
#[graphql(name = "UserFilter")]
pub struct UserFilterInput {
    /// Only these users.
    ids: Option<Vec<Uuid>>,
    /// Exact match, ignoring case.
    email: Option<String>,
    /// Substring of the name, ignoring case.
    name_contains: Option<String>,
    /// Only users linked to this plan.
    plan_id: Option<Uuid>,
}

impl From<UserFilterInput> for UserFilter {
    fn from(input: UserFilterInput) -> Self {
        UserFilter {
            ids: input.ids,
            email: input.email,
            name_contains: input.name_contains,
            plan_id: input.plan_id,
        }
    }
}

#[derive(InputObject, Default)]
#[graphql(name = "PlanFilter")]
pub struct PlanFilterInput {
    /// Only these plans.
    ids: Option<Vec<Uuid>>,
    /// Substring of the name, ignoring case.
    name_contains: Option<String>,
    /// Only plans linked to this user.
    user_id: Option<Uuid>,
}

impl From<PlanFilterInput> for PlanFilter {
    fn from(input: PlanFilterInput) -> Self {
        PlanFilter {
            ids: input.ids,
            name_contains: input.name_contains,
            user_id: input.user_id,
        }
    }
}

impl From<SortDirection> for Direction {
    fn from(direction: SortDirection) -> Self {
        match direction {
            SortDirection::Asc => Direction::Asc,
            SortDirection::Desc => Direction::Desc,
        }
    }
}

#[derive(InputObject)]
pub struct UserOrder {
    field: UserSortField,
    direction: SortDirection,
}

impl From<UserOrder> for Ordering {
    fn from(order: UserOrder) -> Self {
        let key = match order.field {
            UserSortField::Email => SortKey::Email,
            UserSortField::Name => SortKey::Name,
            UserSortField::InsertedAt => SortKey::InsertedAt,
        };
        Ordering {
            key,
            direction: order.direction.into(),
        }
    }
}

#[derive(InputObject)]
pub struct PlanOrder {
    field: PlanSortField,
    direction: SortDirection,
}

impl From<PlanOrder> for Ordering {
    fn from(order: PlanOrder) -> Self {
        let key = match order.field {
            PlanSortField::Name => SortKey::Name,
            PlanSortField::InsertedAt => SortKey::InsertedAt,
        };
        Ordering {
            key,
            direction: order.direction.into(),
        }
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    /// One `@`, no spaces, at most 320 characters; unique ignoring case.
    pub email: String,
    /// 1 to 200 characters after trimming.
    pub name: String,
}

/// Fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(InputObject)]
pub struct CreatePlanInput {
    /// 1 to 200 characters after trimming.
    pub name: String,
    /// At most 2,000 characters.
    pub description: Option<String>,
}

/// Fields left out keep their value; `description: null` clears the description.
#[derive(InputObject)]
pub struct UpdatePlanInput {
    pub name: Option<String>,
    pub description: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateUserPlanInput {
    pub user_id: Uuid,
    pub plan_id: Uuid,
    /// Defaults to MEMBER.
    pub role: Option<MembershipRole>,
}
