use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::user;
use uuid::Uuid;

use super::{Fetched, MembershipRole, Plan, UserPlan, linked_ids};
use crate::domain::DEFAULT_NESTED_LIST_SIZE;
use crate::error::AppError;
use crate::graphql::limits::list_cost;
use crate::graphql::loader;
use crate::graphql::loaders::{
    HeldUser, ListArgs, MembershipCount, MembershipsOf, PlansOfUser, UserById,
};
use crate::service::memberships::Side;

/// An account.
#[derive(Clone)]
pub struct User(Fetched<user::Model>);

impl From<user::Model> for User {
    fn from(row: user::Model) -> Self {
        User(Fetched::Row(row))
    }
}

impl User {
    /// An object of a list read from the links alone ([`prefetch::asks_only_ids`]).
    pub(super) fn with_id(id: Uuid) -> Self {
        User(Fetched::Id(id))
    }

    /// The user with this id, if there is one (batched with the other lookups of the level).
    pub async fn by_id(ctx: &Context<'_>, id: Uuid) -> Result<Option<User>> {
        Ok(loader(ctx)?.load_one(UserById(id)).await?.map(User::from))
    }

    /// The user a response holds already (a payload's owner, the user of a link shown), whether
    /// or not the viewer sees it; NOT_FOUND if it is gone.
    pub async fn existing(ctx: &Context<'_>, id: Uuid) -> Result<User> {
        let held = loader(ctx)?.load_one(HeldUser(id)).await?;
        held.map(User::from)
            .ok_or_else(|| AppError::not_found("user", vec![id]).into())
    }
}

#[Object]
impl User {
    #[graphql(complexity = 0)]
    async fn id(&self) -> Uuid {
        self.0.id()
    }

    /// Unique, ignoring case.
    #[graphql(complexity = 0)]
    async fn email(&self) -> Result<&str> {
        Ok(&self.0.row()?.email)
    }

    #[graphql(complexity = 0)]
    async fn name(&self) -> Result<&str> {
        Ok(&self.0.row()?.name)
    }

    #[graphql(complexity = 0)]
    async fn inserted_at(&self) -> Result<DateTime<Utc>> {
        Ok(self.0.row()?.inserted_at)
    }

    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> Result<DateTime<Utc>> {
        Ok(self.0.row()?.updated_at)
    }

    /// The plans this user belongs to, in the plans' creation order. `first` defaults to
    /// 100 (at most 1000); `role` keeps only memberships with that role.
    #[graphql(complexity = "list_cost(first, DEFAULT_NESTED_LIST_SIZE, child_complexity)")]
    async fn plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        role: Option<MembershipRole>,
    ) -> Result<Vec<Plan>> {
        let args = ListArgs::parse(first, role)?;
        if let Some(ids) = linked_ids(ctx, Side::User, self.0.id(), args).await? {
            return Ok(ids.into_iter().map(Plan::with_id).collect());
        }
        let key = PlansOfUser(self.0.id(), args);
        let plans = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(plans.into_iter().map(Plan::from).collect())
    }

    /// This user's memberships (the join rows), newest first.
    #[graphql(complexity = "list_cost(first, DEFAULT_NESTED_LIST_SIZE, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        role: Option<MembershipRole>,
    ) -> Result<Vec<UserPlan>> {
        let key = MembershipsOf(Side::User, self.0.id(), ListArgs::parse(first, role)?);
        let rows = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(rows.into_iter().map(UserPlan).collect())
    }

    /// How many plans this user belongs to.
    async fn plan_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loader(ctx)?
            .load_one(MembershipCount(Side::User, self.0.id()))
            .await?;
        Ok(count.unwrap_or_default())
    }
}
