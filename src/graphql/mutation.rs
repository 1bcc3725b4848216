use async_graphql::{Context, MaybeUndefined, Object, Result};
use entity::user_plan::Role;
use uuid::Uuid;

use super::db;
use super::types::{
    CreatePlanInput, CreateUserInput, CreateUserPlanInput, MembershipRole, Plan, PlanLinksPayload,
    UpdatePlanInput, UpdateUserInput, User, UserLinksPayload, UserPlan,
};
use crate::domain::{Description, Email, Name};
use crate::service::links::{self, Side};
use crate::service::plans::{self, DescriptionChange};
use crate::service::users;

pub struct MutationRoot;

fn role_or_member(role: Option<MembershipRole>) -> Role {
    role.map_or(Role::Member, Into::into)
}

#[Object(name = "Mutation")]
impl MutationRoot {
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let email = Email::parse("input.email", &input.email)?;
        let name = Name::parse("input.name", &input.name)?;
        Ok(User(users::create(db(ctx), email, name).await?))
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
        Ok(User(users::update(db(ctx), id, email, name).await?))
    }

    /// Deletes the user and its memberships; returns the deleted id.
    async fn delete_user(&self, ctx: &Context<'_>, id: Uuid) -> Result<Uuid> {
        Ok(users::delete(db(ctx), id).await?)
    }

    async fn create_plan(&self, ctx: &Context<'_>, input: CreatePlanInput) -> Result<Plan> {
        let name = Name::parse("input.name", &input.name)?;
        let description = input
            .description
            .map(|text| Description::parse("input.description", text))
            .transpose()?;
        Ok(Plan(plans::create(db(ctx), name, description).await?))
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
        Ok(Plan(plans::update(db(ctx), id, name, description).await?))
    }

    /// Deletes the plan and its memberships; returns the deleted id.
    async fn delete_plan(&self, ctx: &Context<'_>, id: Uuid) -> Result<Uuid> {
        Ok(plans::delete(db(ctx), id).await?)
    }

    /// Links a user to a plan (role defaults to MEMBER); CONFLICT if they are linked.
    async fn create_user_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateUserPlanInput,
    ) -> Result<UserPlan> {
        let role = role_or_member(input.role);
        let link = links::create_link(db(ctx), input.user_id, input.plan_id, role).await?;
        Ok(UserPlan(link))
    }

    /// Changes the role of an existing membership.
    async fn update_user_plan(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_id: Uuid,
        role: MembershipRole,
    ) -> Result<UserPlan> {
        let link = links::update_link_role(db(ctx), user_id, plan_id, role.into()).await?;
        Ok(UserPlan(link))
    }

    /// Removes a membership; returns the row as it was.
    async fn delete_user_plan(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_id: Uuid,
    ) -> Result<UserPlan> {
        Ok(UserPlan(
            links::delete_link(db(ctx), user_id, plan_id).await?,
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
        let changes =
            links::append(db(ctx), Side::User, user_id, plan_ids, role_or_member(role)).await?;
        Ok(UserLinksPayload { user_id, changes })
    }

    /// Removes plans from the user; plans it is not in are reported unchanged.
    async fn remove_plans_from_user(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_ids: Vec<Uuid>,
    ) -> Result<UserLinksPayload> {
        let changes = links::remove(db(ctx), Side::User, user_id, plan_ids).await?;
        Ok(UserLinksPayload { user_id, changes })
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
        let changes = links::replace(
            db(ctx),
            Side::User,
            user_id,
            plan_ids,
            role,
            expected_plan_ids,
        )
        .await?;
        Ok(UserLinksPayload { user_id, changes })
    }

    /// Appends users to the plan (existing links are kept as they are).
    async fn add_users_to_plan(
        &self,
        ctx: &Context<'_>,
        plan_id: Uuid,
        user_ids: Vec<Uuid>,
        role: Option<MembershipRole>,
    ) -> Result<PlanLinksPayload> {
        let changes =
            links::append(db(ctx), Side::Plan, plan_id, user_ids, role_or_member(role)).await?;
        Ok(PlanLinksPayload { plan_id, changes })
    }

    /// Removes users from the plan; users not in it are reported unchanged.
    async fn remove_users_from_plan(
        &self,
        ctx: &Context<'_>,
        plan_id: Uuid,
        user_ids: Vec<Uuid>,
    ) -> Result<PlanLinksPayload> {
        let changes = links::remove(db(ctx), Side::Plan, plan_id, user_ids).await?;
        Ok(PlanLinksPayload { plan_id, changes })
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
        let changes = links::replace(
            db(ctx),
            Side::Plan,
            plan_id,
            user_ids,
            role,
            expected_user_ids,
        )
        .await?;
        Ok(PlanLinksPayload { plan_id, changes })
    }
}
