//! GraphQL object, input and enum types. Objects wrap the entity models.

mod connection;
mod inputs;
mod payloads;
mod plan;
mod user;
mod user_plan;

pub use connection::{Connection, Edge, PageInfo};
pub use inputs::*;
pub use payloads::{PlanLinksPayload, UserLinksPayload};
pub use plan::Plan;
pub use user::User;
pub use user_plan::UserPlan;

use async_graphql::Enum;

use super::loaders::ListArgs;
use crate::domain::{DEFAULT_NESTED_LIST_SIZE, page_size};
use crate::error::AppResult;

/// A member's role in a plan.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::user_plan::Role")]
pub enum MembershipRole {
    Owner,
    Admin,
    Member,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum UserSortField {
    Email,
    Name,
    InsertedAt,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum PlanSortField {
    Name,
    InsertedAt,
}

impl ListArgs {
    /// A nested list's `first` (default 100, at most 1000) and `role` arguments.
    pub(crate) fn parse(first: Option<i32>, role: Option<MembershipRole>) -> AppResult<Self> {
        Ok(ListArgs {
            first: page_size("first", first, DEFAULT_NESTED_LIST_SIZE)?,
            role: role.map(Into::into),
        })
    }
}
