use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::plan;
use uuid::Uuid;

use super::{MembershipRole, User, UserPlan};
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
pub struct Plan(pub plan::Model);

impl Plan {
    /// The plan with this id, if there is one (batched with the other lookups of the level).
    pub async fn by_id(ctx: &Context<'_>, id: Uuid) -> Result<Option<Plan>> {
        Ok(loader(ctx)?.load_one(PlanById(id)).await?.map(Plan))
    }

    /// The plan a response holds already (a payload's owner, the plan of a link shown), whether
    /// or not the viewer sees it; NOT_FOUND if it is gone.
    pub async fn existing(ctx: &Context<'_>, id: Uuid) -> Result<Plan> {
        let held = loader(ctx)?.load_one(HeldPlan(id)).await?;
        held.map(Plan)
            .ok_or_else(|| AppError::not_found("plan", vec![id]).into())
    }
}

#[Object]
impl Plan {
    #[graphql(complexity = 0)]
    async fn id(&self) -> Uuid {
        self.0.id
    }

    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.0.name
    }

    #[graphql(complexity = 0)]
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    #[graphql(complexity = 0)]
    async fn inserted_at(&self) -> DateTime<Utc> {
        self.0.inserted_at
    }

    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
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
        let key = UsersOfPlan(self.0.id, ListArgs::parse(first, role)?);
        let users = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(users.into_iter().map(User).collect())
    }

    /// This plan's memberships (the join rows), newest first.
    #[graphql(complexity = "list_cost(first, DEFAULT_NESTED_LIST_SIZE, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        role: Option<MembershipRole>,
    ) -> Result<Vec<UserPlan>> {
        let key = MembershipsOf(Side::Plan, self.0.id, ListArgs::parse(first, role)?);
        let rows = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(rows.into_iter().map(UserPlan).collect())
    }

    /// How many users this plan has.
    async fn user_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loader(ctx)?
            .load_one(MembershipCount(Side::Plan, self.0.id))
            .await?;
        Ok(count.unwrap_or_default())
    }
}
