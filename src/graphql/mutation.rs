use std::sync::Arc;

use async_graphql::{Context, MaybeUndefined, Object, Result};
use entity::user_plan::{self, Role};
use entity::{plan, user};
use uuid::Uuid;

use super::types::{
    CreatePlanInput, CreateUserInput, CreateUserPlanInput, MembershipRole, Plan, PlanLinksPayload,
    UpdatePlanInput, UpdateUserInput, User, UserLinksPayload, UserPlan,
};
use super::{db_for_write, events, prefetch, viewer};
use crate::auth::KnownUsers;
use crate::domain::{Description, Email, Name};
use crate::error::AppError;
use crate::service::memberships::{self, MembershipChanges, Side};
use crate::service::plans::{self, DescriptionChange};
use crate::service::{PlanId, UserId, users};

pub struct MutationRoot;

// Each mutation hands back what it wrote after prefetching the nested fields its caller
// selected on it, as the query roots do.

async fn user_result(ctx: &Context<'_>, user: user::Model) -> Result<User> {
    prefetch::users(ctx, vec![user.id], ctx.look_ahead()).await?;
    Ok(User::from(user))
}

async fn plan_result(ctx: &Context<'_>, plan: plan::Model) -> Result<Plan> {
    prefetch::plans(ctx, vec![plan.id], ctx.look_ahead()).await?;
    Ok(Plan::from(plan))
}

/// After a user's row goes or its email changes: sign-ins must be looked up afresh.
fn forget_signed_in_users(ctx: &Context<'_>) -> Result<()> {
    ctx.data::<Arc<KnownUsers>>()?.forget();
    Ok(())
}

async fn membership_result(ctx: &Context<'_>, row: user_plan::Model) -> Result<UserPlan> {
    prefetch::memberships(ctx, std::slice::from_ref(&row), ctx.look_ahead()).await?;
    Ok(UserPlan(row))
}

async fn user_payload(
    ctx: &Context<'_>,
    user_id: Uuid,
    changes: MembershipChanges,
) -> Result<UserLinksPayload> {
    prefetch::payload(ctx, Side::User, user_id).await?;
    Ok(UserLinksPayload { user_id, changes })
}

async fn plan_payload(
    ctx: &Context<'_>,
    plan_id: Uuid,
    changes: MembershipChanges,
) -> Result<PlanLinksPayload> {
    prefetch::payload(ctx, Side::Plan, plan_id).await?;
    Ok(PlanLinksPayload { plan_id, changes })
}

/// The most ids one link mutation may name (`--max-link-ids`).
#[derive(Clone, Copy, Debug)]
pub struct LinkIdCap(pub usize);

/// `ids` if there are no more of them than the cap allows.
fn capped(ctx: &Context<'_>, field: &str, ids: Vec<Uuid>) -> Result<Vec<Uuid>> {
    let LinkIdCap(max) = *ctx.data::<LinkIdCap>()?;
    if ids.len() > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} may name at most {max} ids, got {}", ids.len()),
        )
        .into());
    }
    Ok(ids)
}

fn role_or_member(role: Option<MembershipRole>) -> Role {
    role.map_or(Role::Member, Into::into)
}

#[Object(name = "Mutation")]
impl MutationRoot {
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let email = Email::parse("input.email", &input.email)?;
        let name = Name::parse("input.name", &input.name)?;
        user_result(
            ctx,
            users::create(db_for_write(ctx)?, viewer(ctx)?, email, name).await?,
        )
        .await
    }

    /// Changes the fields given; CONFLICT if the new email is taken.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: UpdateUserInput,
    ) -> Result<User> {
        let email = input
            .email
            .map(|email| Email::parse("input.email", &email))
            .transpose()?;
        let name = input
            .name
            .map(|name| Name::parse("input.name", &name))
            .transpose()?;
        let email_changes = email.is_some();
        let updated =
            users::update(db_for_write(ctx)?, viewer(ctx)?, UserId(id), email, name).await?;
        if email_changes {
            // A token that names its user by email may name someone else now.
            forget_signed_in_users(ctx)?;
        }
        user_result(ctx, updated).await
    }

    /// Deletes the user and its memberships; returns the deleted id.
    async fn delete_user(&self, ctx: &Context<'_>, id: Uuid) -> Result<Uuid> {
        let deleted =
            users::delete(db_for_write(ctx)?, events(ctx)?, viewer(ctx)?, UserId(id)).await?;
        forget_signed_in_users(ctx)?;
        Ok(deleted.0)
    }

    async fn create_plan(&self, ctx: &Context<'_>, input: CreatePlanInput) -> Result<Plan> {
        let name = Name::parse("input.name", &input.name)?;
        let description = input
            .description
            .map(|text| Description::parse("input.description", text))
            .transpose()?;
        plan_result(
            ctx,
            plans::create(
                db_for_write(ctx)?,
                events(ctx)?,
                viewer(ctx)?,
                name,
                description,
            )
            .await?,
        )
        .await
    }

    /// Changes the fields given; `description: null` clears the description.
    async fn update_plan(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: UpdatePlanInput,
    ) -> Result<Plan> {
        let name = input
            .name
            .map(|name| Name::parse("input.name", &name))
            .transpose()?;
        let description = match input.description {
            MaybeUndefined::Undefined => DescriptionChange::Keep,
            MaybeUndefined::Null => DescriptionChange::Clear,
            MaybeUndefined::Value(text) => {
                DescriptionChange::Set(Description::parse("input.description", text)?)
            }
        };
        plan_result(
            ctx,
            plans::update(
                db_for_write(ctx)?,
                viewer(ctx)?,
                PlanId(id),
                name,
                description,
            )
            .await?,
        )
        .await
    }

    /// Deletes the plan and its memberships; returns the deleted id.
    async fn delete_plan(&self, ctx: &Context<'_>, id: Uuid) -> Result<Uuid> {
        let deleted =
            plans::delete(db_for_write(ctx)?, events(ctx)?, viewer(ctx)?, PlanId(id)).await?;
        Ok(deleted.0)
    }

    /// Links a user to a plan (role defaults to MEMBER); CONFLICT if they are linked.
    async fn create_user_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateUserPlanInput,
    ) -> Result<UserPlan> {
        let role = role_or_member(input.role);
        let row = memberships::create(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            UserId(input.user_id),
            PlanId(input.plan_id),
            role,
        )
        .await?;
        membership_result(ctx, row).await
    }

    /// Changes the role of an existing membership.
    async fn update_user_plan(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_id: Uuid,
        role: MembershipRole,
    ) -> Result<UserPlan> {
        let row = memberships::update_role(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            UserId(user_id),
            PlanId(plan_id),
            role.into(),
        )
        .await?;
        membership_result(ctx, row).await
    }

    /// Removes a membership; returns the row as it was.
    async fn delete_user_plan(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_id: Uuid,
    ) -> Result<UserPlan> {
        Ok(UserPlan(
            memberships::delete(
                db_for_write(ctx)?,
                events(ctx)?,
                viewer(ctx)?,
                UserId(user_id),
                PlanId(plan_id),
            )
            .await?,
        ))
    }

    /// Appends plans to the user (existing links are kept as they are).
    async fn add_plans_to_user(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_ids: Vec<Uuid>,
        role: Option<MembershipRole>,
    ) -> Result<UserLinksPayload> {
        let changes = memberships::add(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            Side::User,
            user_id,
            capped(ctx, "planIds", plan_ids)?,
            role_or_member(role),
        )
        .await?;
        user_payload(ctx, user_id, changes).await
    }

    /// Removes plans from the user; plans it is not in are reported unchanged.
    async fn remove_plans_from_user(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_ids: Vec<Uuid>,
    ) -> Result<UserLinksPayload> {
        let changes = memberships::remove(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            Side::User,
            user_id,
            capped(ctx, "planIds", plan_ids)?,
        )
        .await?;
        user_payload(ctx, user_id, changes).await
    }

    /// Makes the user's plans exactly `planIds`. With `expectedPlanIds`, CONFLICT unless
    /// the user's plans are exactly those now (no lost updates).
    async fn set_user_plans(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_ids: Vec<Uuid>,
        role: Option<MembershipRole>,
        expected_plan_ids: Option<Vec<Uuid>>,
    ) -> Result<UserLinksPayload> {
        let role = role_or_member(role);
        let changes = memberships::set(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            Side::User,
            user_id,
            capped(ctx, "planIds", plan_ids)?,
            role,
            expected_plan_ids
                .map(|ids| capped(ctx, "expectedPlanIds", ids))
                .transpose()?,
        )
        .await?;
        user_payload(ctx, user_id, changes).await
    }

    /// Appends users to the plan (existing links are kept as they are).
    async fn add_users_to_plan(
        &self,
        ctx: &Context<'_>,
        plan_id: Uuid,
        user_ids: Vec<Uuid>,
        role: Option<MembershipRole>,
    ) -> Result<PlanLinksPayload> {
        let changes = memberships::add(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            Side::Plan,
            plan_id,
            capped(ctx, "userIds", user_ids)?,
            role_or_member(role),
        )
        .await?;
        plan_payload(ctx, plan_id, changes).await
    }

    /// Removes users from the plan; users not in it are reported unchanged.
    async fn remove_users_from_plan(
        &self,
        ctx: &Context<'_>,
        plan_id: Uuid,
        user_ids: Vec<Uuid>,
    ) -> Result<PlanLinksPayload> {
        let changes = memberships::remove(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            Side::Plan,
            plan_id,
            capped(ctx, "userIds", user_ids)?,
        )
        .await?;
        plan_payload(ctx, plan_id, changes).await
    }

    /// Makes the plan's users exactly `userIds`. With `expectedUserIds`, CONFLICT unless
    /// the plan's users are exactly those now (no lost updates).
    async fn set_plan_users(
        &self,
        ctx: &Context<'_>,
        plan_id: Uuid,
        user_ids: Vec<Uuid>,
        role: Option<MembershipRole>,
        expected_user_ids: Option<Vec<Uuid>>,
    ) -> Result<PlanLinksPayload> {
        let role = role_or_member(role);
        let changes = memberships::set(
            db_for_write(ctx)?,
            events(ctx)?,
            viewer(ctx)?,
            Side::Plan,
            plan_id,
            capped(ctx, "userIds", user_ids)?,
            role,
            expected_user_ids
                .map(|ids| capped(ctx, "expectedUserIds", ids))
                .transpose()?,
        )
        .await?;
        plan_payload(ctx, plan_id, changes).await
    }
}
