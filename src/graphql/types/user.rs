use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::user;
use uuid::Uuid;

use super::{MembershipRole, Plan, UserPlan};
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
pub struct User(pub user::Model);

impl User {
    /// The user with this id, if there is one (batched with the other lookups of the level).
    pub async fn by_id(ctx: &Context<'_>, id: Uuid) -> Result<Option<User>> {
        Ok(loader(ctx)?.load_one(UserById(id)).await?.map(User))
    }

    /// The user a response holds already (a payload's owner, the user of a link shown), whether
    /// or not the viewer sees it; NOT_FOUND if it is gone.
    pub async fn existing(ctx: &Context<'_>, id: Uuid) -> Result<User> {
        let held = loader(ctx)?.load_one(HeldUser(id)).await?;
        held.map(User)
            .ok_or_else(|| AppError::not_found("user", vec![id]).into())
    }
}

#[Object]
impl User {
    #[graphql(complexity = 0)]
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Unique, ignoring case.
    #[graphql(complexity = 0)]
    async fn email(&self) -> &str {
        &self.0.email
    }

    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.0.name
    }

    #[graphql(complexity = 0)]
    async fn inserted_at(&self) -> DateTime<Utc> {
        self.0.inserted_at
    }

    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
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
        let key = PlansOfUser(self.0.id, ListArgs::parse(first, role)?);
        let plans = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(plans.into_iter().map(Plan).collect())
    }

    /// This user's memberships (the join rows), newest first.
    #[graphql(complexity = "list_cost(first, DEFAULT_NESTED_LIST_SIZE, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        role: Option<MembershipRole>,
    ) -> Result<Vec<UserPlan>> {
        let key = MembershipsOf(Side::User, self.0.id, ListArgs::parse(first, role)?);
        let rows = loader(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(rows.into_iter().map(UserPlan).collect())
    }

    /// How many plans this user belongs to.
    async fn plan_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loader(ctx)?
            .load_one(MembershipCount(Side::User, self.0.id))
            .await?;
        Ok(count.unwrap_or_default())
    }
}
