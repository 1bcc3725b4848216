use async_graphql::{Context, Object, Result};
use entity::{plan, user};
use uuid::Uuid;

use super::db;
use super::types::{
    Connection, Plan, PlanFilterInput, PlanOrder, User, UserFilterInput, UserOrder, UserPlan,
};
use crate::service::links;
use crate::service::plans::PlanFilter;
use crate::service::tables::{self, Ordering, PageArgs};
use crate::service::users::UserFilter;

pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// The user with this id, or null.
    async fn user(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<User>> {
        User::by_id(ctx, id).await
    }

    /// The plan with this id, or null.
    async fn plan(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<Plan>> {
        Plan::by_id(ctx, id).await
    }

    /// The membership of this user in this plan, or null.
    async fn user_plan(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_id: Uuid,
    ) -> Result<Option<UserPlan>> {
        Ok(links::find_link(db(ctx), user_id, plan_id)
            .await?
            .map(UserPlan))
    }

    /// Users, a page at a time (Relay cursor connection). `first`/`last` default to 50 and
    /// may not exceed 1000; the default order is oldest first.
    #[allow(clippy::too_many_arguments)]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<UserFilterInput>,
        order_by: Option<UserOrder>,
    ) -> Result<Connection<user::Model>> {
        let filter = UserFilter::from(filter.unwrap_or_default()).to_sql();
        let ordering = order_by.map_or(Ordering::DEFAULT, Ordering::from);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = tables::fetch_page(db(ctx), &filter, ordering, &args).await?;
        Ok(Connection::new(page, filter))
    }

    /// Plans, a page at a time (Relay cursor connection). `first`/`last` default to 50 and
    /// may not exceed 1000; the default order is oldest first.
    #[allow(clippy::too_many_arguments)]
    async fn plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<PlanFilterInput>,
        order_by: Option<PlanOrder>,
    ) -> Result<Connection<plan::Model>> {
        let filter = PlanFilter::from(filter.unwrap_or_default()).to_sql();
        let ordering = order_by.map_or(Ordering::DEFAULT, Ordering::from);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = tables::fetch_page(db(ctx), &filter, ordering, &args).await?;
        Ok(Connection::new(page, filter))
    }
}
