use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::user_plan;
use uuid::Uuid;

use super::{MembershipRole, Plan, User};

/// A membership: one row of the join table, identified by (userId, planId).
#[derive(Clone)]
pub struct UserPlan(pub user_plan::Model);

#[Object]
impl UserPlan {
    #[graphql(complexity = 0)]
    async fn user_id(&self) -> Uuid {
        self.0.user_id
    }

    #[graphql(complexity = 0)]
    async fn plan_id(&self) -> Uuid {
        self.0.plan_id
    }

    #[graphql(complexity = 0)]
    async fn role(&self) -> MembershipRole {
        self.0.role.into()
    }

    /// When the link was made.
    #[graphql(complexity = 0)]
    async fn inserted_at(&self) -> DateTime<Utc> {
        self.0.inserted_at
    }

    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        User::existing(ctx, self.0.user_id).await
    }

    async fn plan(&self, ctx: &Context<'_>) -> Result<Plan> {
        Plan::existing(ctx, self.0.plan_id).await
    }
}
