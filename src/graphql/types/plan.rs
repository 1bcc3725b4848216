use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::plan;
use uuid::Uuid;

use super::{Fetched, MembershipRole, User, UserPlan, linked_ids};
use crate::domain::DEFAULT_NESTED_LIST_SIZE;
use crate::error::AppError;
use crate::graphql::limits::list_cost;
use crate::graphql::loader;
use crate::graphql::loaders::{
    HeldPlan, ListArgs, MembershipCount, MembershipsOf, PlanById, UsersOfPlan,
};
use crate::service::memberships::Side;

/// A plan that users belong to.
#[derive(Clone)]
pub struct Plan(Fetched<plan::Model>);

impl From<plan::Model> for Plan {
    fn from(row: plan::Model) -> Self {
        Plan(Fetched::Row(row))
    }
}

impl Plan {
    /// An object of a list read from the links alone ([`prefetch::asks_only_ids`]).
    pub(super) fn with_id(id: Uuid) -> Self {
        Plan(Fetched::Id(id))
    }

    /// The plan with this id, if there is one (batched with the other lookups of the level).
    pub async fn by_id(ctx: &Context<'_>, id: Uuid) -> Result<Option<Plan>> {
        Ok(loader(ctx)?.load_one(PlanById(id)).await?.map(Plan::from))
    }

    /// The plan a response holds already (a payload's owner, the plan of a link shown), whether
    /// or not the viewer sees it; NOT_FOUND if it is gone.
    pub async fn existing(ctx: &Context<'_>, id: Uuid) -> Result<Plan> {
        let held = loader(ctx)?.load_one(HeldPlan(id)).await?;
        held.map(Plan::from)
            .ok_or_else(|| AppError::not_found("plan", vec![id]).into())
    }
}

#[Object]
impl Plan {
    #[graphql(complexity = 0)]
    async fn id(&self) -> Uuid {
        self.0.id()
    }

    #[graphql(complexity = 0)]
    async fn name(&self) -> Result<&str> {
        Ok(&self.0.row()?.name)
    }

    #[graphql(complexity = 0)]
    async fn description(&self) -> Result<Option<&str>> {
        Ok(self.0.row()?.description.as_deref())
    }

    #[graphql(complexity = 0)]
    async fn inserted_at(&self) -> Result<DateTime<Utc>> {
        Ok(self.0.row()?.inserted_at)
    }

    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> Result<DateTime<Utc>> {
        Ok(self.0.row()?.updated_at)
    }

    /// The users in this plan, in the users' creation order. `first` defaults to 100 (at
    /// most 1000); `role` keeps only memberships with that role.
    #[graphql(complexity = "list_cost(first, DEFAULT_NESTED_LIST_SIZE, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        role: Option<MembershipRole>,
    ) -> Result<Vec<User>> {
        let args = ListArgs::parse(first, role)?;
        if let Some(ids) = linked_ids(ctx, Side::Plan, self.0.id(), args).await? {
            return Ok(ids.into_iter().map(User::with_id).collect());
        }
        let key = UsersOfPlan(self.0.id(), args);
        let users = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(users.into_iter().map(User::from).collect())
    }

    /// This plan's memberships (the join rows), newest first.
    #[graphql(complexity = "list_cost(first, DEFAULT_NESTED_LIST_SIZE, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        role: Option<MembershipRole>,
    ) -> Result<Vec<UserPlan>> {
        let key = MembershipsOf(Side::Plan, self.0.id(), ListArgs::parse(first, role)?);
        let rows = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(rows.into_iter().map(UserPlan).collect())
    }

    /// How many users this plan has.
    async fn user_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loader(ctx)?
            .load_one(MembershipCount(Side::Plan, self.0.id()))
            .await?;
        Ok(count.unwrap_or_default())
    }
}
