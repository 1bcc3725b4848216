use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::{Plan, User};
use crate::service::memberships::MembershipChanges;

/// What a link mutation on a user did. Ids are sorted; an id given twice counts once.
pub struct UserLinksPayload {
    pub user_id: Uuid,
    pub changes: MembershipChanges,
}

#[Object]
impl UserLinksPayload {
    /// The user, as it is after the change.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        User::existing(ctx, self.user_id).await
    }

    /// Plans linked by this call.
    async fn added_plan_ids(&self) -> &[Uuid] {
        &self.changes.added
    }

    /// Plans unlinked by this call.
    async fn removed_plan_ids(&self) -> &[Uuid] {
        &self.changes.removed
    }

    /// Plans given that were already in the requested state.
    async fn unchanged_plan_ids(&self) -> &[Uuid] {
        &self.changes.unchanged
    }
}

/// What a link mutation on a plan did. Ids are sorted; an id given twice counts once.
pub struct PlanLinksPayload {
    pub plan_id: Uuid,
    pub changes: MembershipChanges,
}

#[Object]
impl PlanLinksPayload {
    /// The plan, as it is after the change.
    async fn plan(&self, ctx: &Context<'_>) -> Result<Plan> {
        Plan::existing(ctx, self.plan_id).await
    }

    /// Users linked by this call.
    async fn added_user_ids(&self) -> &[Uuid] {
        &self.changes.added
    }

    /// Users unlinked by this call.
    async fn removed_user_ids(&self) -> &[Uuid] {
        &self.changes.removed
    }

    /// Users given that were already in the requested state.
    async fn unchanged_user_ids(&self) -> &[Uuid] {
        &self.changes.unchanged
    }
}
