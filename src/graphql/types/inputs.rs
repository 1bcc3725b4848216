use async_graphql::{InputObject, MaybeUndefined};
use uuid::Uuid;

use super::{MembershipRole, PlanSortField, SortDirection, UserSortField};
use crate::domain::{EmailKey, NameNeedle};
use crate::error::AppResult;
use crate::service::keyset::{Direction, Ordering};
use crate::service::plans::{PlanFilter, PlanSortKey};
use crate::service::users::{UserFilter, UserSortKey};
use crate::service::{PlanId, UserId};

#[derive(InputObject, Default)]
#[graphql(name = "UserFilter")]
pub struct UserFilterInput {
    /// Only these users.
    ids: Option<Vec<Uuid>>,
    /// Exact match, ignoring case (in every script) and surrounding spaces.
    email: Option<String>,
    /// Substring of the name, ignoring case (in every script).
    name_contains: Option<String>,
    /// Only users linked to this plan.
    plan_id: Option<Uuid>,
}

impl UserFilterInput {
    pub fn parse(self) -> AppResult<UserFilter> {
        Ok(UserFilter {
            ids: self.ids,
            email: self
                .email
                .map(|email| EmailKey::parse("filter.email", &email))
                .transpose()?,
            name_contains: name_needle(self.name_contains)?,
            plan_id: self.plan_id.map(PlanId),
        })
    }
}

fn name_needle(raw: Option<String>) -> AppResult<Option<NameNeedle>> {
    raw.map(|needle| NameNeedle::parse("filter.nameContains", &needle))
        .transpose()
}

#[derive(InputObject, Default)]
#[graphql(name = "PlanFilter")]
pub struct PlanFilterInput {
    /// Only these plans.
    ids: Option<Vec<Uuid>>,
    /// Substring of the name, ignoring case (in every script).
    name_contains: Option<String>,
    /// Only plans linked to this user.
    user_id: Option<Uuid>,
}

impl PlanFilterInput {
    pub fn parse(self) -> AppResult<PlanFilter> {
        Ok(PlanFilter {
            ids: self.ids,
            name_contains: name_needle(self.name_contains)?,
            user_id: self.user_id.map(UserId),
        })
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

impl From<UserOrder> for Ordering<UserSortKey> {
    fn from(order: UserOrder) -> Self {
        let key = match order.field {
            UserSortField::Email => UserSortKey::Email,
            UserSortField::Name => UserSortKey::Name,
            UserSortField::InsertedAt => UserSortKey::InsertedAt,
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

impl From<PlanOrder> for Ordering<PlanSortKey> {
    fn from(order: PlanOrder) -> Self {
        let key = match order.field {
            PlanSortField::Name => PlanSortKey::Name,
            PlanSortField::InsertedAt => PlanSortKey::InsertedAt,
        };
        Ordering {
            key,
            direction: order.direction.into(),
        }
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    /// One `@` after text and before a domain like example.com, no spaces or control
    /// characters, at most 320 characters; unique ignoring case (in every script).
    pub email: String,
    /// 1 to 200 characters after trimming, no control characters.
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
    /// 1 to 200 characters after trimming, no control characters.
    pub name: String,
    /// At most 2,000 characters; tabs and line breaks are its only control characters.
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
