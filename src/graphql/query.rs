use async_graphql::{Context, Object, Result};
use entity::{plan, user};
use uuid::Uuid;

use super::limits::list_cost;
use super::types::{
    Connection, MembershipEventConnection, Plan, PlanFilterInput, PlanOrder, User, UserFilterInput,
    UserOrder, UserPlan,
};
use super::{db, events, prefetch, viewer, visibility};
use crate::domain::DEFAULT_CONNECTION_PAGE_SIZE;
use crate::service::history::{self, Selection};
use crate::service::keyset::{self, Filter, KeysetRow, Ordering, PageArgs};
use crate::service::memberships::{self, Side};
use crate::service::{PlanId, UserId};

pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// The signed-in user; null for the service token and for anonymous requests.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = viewer(ctx)?.user_id() else {
            return Ok(None);
        };
        prefetch::by_ids(ctx, Side::User, vec![id.0], ctx.look_ahead()).await?;
        User::by_id(ctx, id.0).await
    }

    /// The user with this id, or null.
    async fn user(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<User>> {
        prefetch::by_ids(ctx, Side::User, vec![id], ctx.look_ahead()).await?;
        User::by_id(ctx, id).await
    }

    /// The plan with this id, or null.
    async fn plan(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<Plan>> {
        prefetch::by_ids(ctx, Side::Plan, vec![id], ctx.look_ahead()).await?;
        Plan::by_id(ctx, id).await
    }

    /// The membership of this user in this plan, or null.
    async fn user_plan(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        plan_id: Uuid,
    ) -> Result<Option<UserPlan>> {
        let (db, visibility) = (db(ctx)?, visibility(ctx)?);
        let row = memberships::find(db, visibility, UserId(user_id), PlanId(plan_id)).await?;
        if let Some(row) = &row {
            prefetch::memberships(ctx, std::slice::from_ref(row), ctx.look_ahead()).await?;
        }
        Ok(row.map(UserPlan))
    }

    /// Users, a page at a time (Relay cursor connection). `first`/`last` default to 50 and
    /// may not exceed 1000; the default order is oldest first.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "list_cost(first.or(last), DEFAULT_CONNECTION_PAGE_SIZE, child_complexity)"
    )]
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
        let filter = filter
            .unwrap_or_default()
            .parse()?
            .to_sql(db(ctx)?.get_database_backend(), visibility(ctx)?);
        let ordering = order_by.map_or(Ordering::DEFAULT, Ordering::from);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        page(ctx, Side::User, filter, ordering, args).await
    }

    /// Plans, a page at a time (Relay cursor connection). `first`/`last` default to 50 and
    /// may not exceed 1000; the default order is oldest first.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "list_cost(first.or(last), DEFAULT_CONNECTION_PAGE_SIZE, child_complexity)"
    )]
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
        let filter = filter
            .unwrap_or_default()
            .parse()?
            .to_sql(db(ctx)?.get_database_backend(), visibility(ctx)?);
        let ordering = order_by.map_or(Ordering::DEFAULT, Ordering::from);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        page(ctx, Side::Plan, filter, ordering, args).await
    }

    /// Every committed link change still in the history (`--history-retention`), oldest
    /// first, a page at a time: the events `membershipChanged` delivers, with the same
    /// filters. For a signed-in user, the changes of the plans they are a member of now,
    /// and of their own links. `first`/`last` default to 50 and may not exceed 1000.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "list_cost(first.or(last), DEFAULT_CONNECTION_PAGE_SIZE, child_complexity)"
    )]
    async fn membership_history(
        &self,
        ctx: &Context<'_>,
        user_id: Option<Uuid>,
        plan_id: Option<Uuid>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<MembershipEventConnection> {
        let selection = Selection {
            user_id,
            plan_id,
            visibility: visibility(ctx)?,
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let retention = events(ctx)?.retention();
        let page = history::page(db(ctx)?, retention, selection, &args).await?;
        Ok(MembershipEventConnection(page))
    }
}

/// One page of `users` or `plans`, with what the query selects on its nodes prefetched.
async fn page<M: KeysetRow>(
    ctx: &Context<'_>,
    side: Side,
    filter: Filter,
    ordering: Ordering<M::SortKey>,
    args: PageArgs,
) -> Result<Connection<M>> {
    let page = keyset::fetch_page::<M>(db(ctx)?, &filter, ordering, &args).await?;
    let ids = page.rows.iter().map(KeysetRow::id).collect();
    let nodes = prefetch::connection_nodes(ctx);
    match side {
        Side::User => prefetch::users(ctx, ids, nodes).await?,
        Side::Plan => prefetch::plans(ctx, ids, nodes).await?,
    }
    Ok(Connection::new(page, filter))
}
