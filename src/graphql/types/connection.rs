use async_graphql::{Context, Object, OutputType, Result, SimpleObject};
use entity::{plan, user};

use super::{Plan, User};
use crate::graphql::db;
use crate::graphql::subscription::MembershipEvent;
use crate::service::history;
use crate::service::keyset::{self, Filter, KeysetRow, Page};

/// A model that is a node of a connection, and the GraphQL object it becomes.
pub trait ConnectionNode: KeysetRow + Clone + Send + Sync + 'static {
    type Object: OutputType;
    fn object(self) -> Self::Object;
}

impl ConnectionNode for user::Model {
    type Object = User;
    fn object(self) -> User {
        User::from(self)
    }
}

impl ConnectionNode for plan::Model {
    type Object = Plan;
    fn object(self) -> Plan {
        Plan::from(self)
    }
}

#[derive(SimpleObject)]
#[graphql(concrete(name = "UserEdge", params(User)))]
#[graphql(concrete(name = "PlanEdge", params(Plan)))]
#[graphql(concrete(name = "MembershipEventEdge", params(MembershipEvent)))]
pub struct Edge<N: OutputType> {
    /// Pass as `after` (or `before`) to continue from this node.
    cursor: String,
    node: N,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

/// One page of a keyset-paginated list, with the filter that made it so `totalCount` can
/// count the same rows, a statement run only when the field is selected.
pub struct Connection<M: KeysetRow> {
    page: Page<M>,
    filter: Filter,
}

impl<M: KeysetRow> Connection<M> {
    pub fn new(page: Page<M>, filter: Filter) -> Self {
        Self { page, filter }
    }
}

#[Object(
    concrete(name = "UserConnection", params(user::Model)),
    concrete(name = "PlanConnection", params(plan::Model))
)]
impl<M: ConnectionNode> Connection<M>
where
    Edge<M::Object>: OutputType,
{
    async fn edges(&self) -> Vec<Edge<M::Object>> {
        self.page
            .rows
            .iter()
            .map(|row| Edge {
                cursor: self.page.cursor(row),
                node: row.clone().object(),
            })
            .collect()
    }

    /// The nodes of `edges`, for clients that need no cursors.
    async fn nodes(&self) -> Vec<M::Object> {
        self.page
            .rows
            .iter()
            .map(|row| row.clone().object())
            .collect()
    }

    async fn page_info(&self) -> PageInfo {
        let rows = &self.page.rows;
        PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: rows.first().map(|row| self.page.cursor(row)),
            end_cursor: rows.last().map(|row| self.page.cursor(row)),
        }
    }

    /// How many rows match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(keyset::count::<M>(db(ctx)?, &self.filter).await?)
    }
}

/// One page of `membershipHistory`, oldest first.
pub struct MembershipEventConnection(pub history::Page);

#[Object]
impl MembershipEventConnection {
    async fn edges(&self) -> Vec<Edge<MembershipEvent>> {
        self.0
            .events
            .iter()
            .map(|event| Edge {
                cursor: history::cursor(event.key),
                node: MembershipEvent(event.clone()),
            })
            .collect()
    }

    /// The nodes of `edges`, for clients that need no cursors.
    async fn nodes(&self) -> Vec<MembershipEvent> {
        self.0.events.iter().cloned().map(MembershipEvent).collect()
    }

    async fn page_info(&self) -> PageInfo {
        let events = &self.0.events;
        PageInfo {
            has_next_page: self.0.has_next_page,
            has_previous_page: self.0.has_previous_page,
            start_cursor: events.first().map(|event| history::cursor(event.key)),
            end_cursor: events.last().map(|event| history::cursor(event.key)),
        }
    }
}
