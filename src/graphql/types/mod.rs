//! GraphQL object, input and enum types. Objects wrap the entity models.

mod connection;
mod inputs;
mod payloads;
mod plan;
mod user;
mod user_plan;

pub use connection::{Connection, Edge, MembershipEventConnection, PageInfo};
pub use inputs::*;
pub use payloads::{PlanLinksPayload, UserLinksPayload};
pub use plan::Plan;
pub use user::User;
pub use user_plan::UserPlan;

use async_graphql::{Context, Enum};
use uuid::Uuid;

use super::loaders::{LinkedIdsOf, ListArgs};
use super::{loader, prefetch};
use crate::domain::{DEFAULT_NESTED_LIST_SIZE, page_size};
use crate::error::{AppError, AppResult};
use crate::service::keyset::KeysetRow;
use crate::service::memberships::Side;
use sea_orm::DbErr;

/// What a [`User`] or [`Plan`] holds: its row, or only its id where the query asks
/// nothing else of it (a nested list read from the links alone, as `plans { id }`).
#[derive(Clone)]
enum Fetched<M> {
    Row(M),
    Id(Uuid),
}

impl<M: KeysetRow> Fetched<M> {
    fn id(&self) -> Uuid {
        match self {
            Fetched::Row(row) => row.id(),
            Fetched::Id(id) => *id,
        }
    }

    /// The row, for a field of it. A list reads ids alone only when its selection asks for
    /// no such field (`prefetch::asks_only_ids`), so this never fails but by a bug here.
    fn row(&self) -> AppResult<&M> {
        match self {
            Fetched::Row(row) => Ok(row),
            Fetched::Id(id) => Err(AppError::Internal(DbErr::Custom(format!(
                "{id}: a field of a row read as its id alone"
            )))),
        }
    }
}

/// The ids at the far end of `parent`'s links on `side` when the list field being
/// resolved asks nothing else of those objects (read from the links alone, as the
/// prefetch does); `None` when it asks for their rows.
async fn linked_ids(
    ctx: &Context<'_>,
    side: Side,
    parent: Uuid,
    args: ListArgs,
) -> async_graphql::Result<Option<Vec<Uuid>>> {
    if !prefetch::asks_only_ids(ctx.look_ahead(), side.other()) {
        return Ok(None);
    }
    let ids = loader(ctx)?
        .load_one(LinkedIdsOf(side, parent, args))
        .await?;
    Ok(Some(ids.unwrap_or_default()))
}

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
