//! Building the schema once at start-up, and its SDL.

use async_graphql::Schema;
use sea_orm::DatabaseConnection;

use super::mutation::{LinkIdCap, MutationRoot};
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::config::Limits;
use crate::service::events::Events;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with what every resolver reads (the database, the membership events) and
/// the limits async-graphql itself enforces. Per-request data (the DataLoader) is attached
/// to each request, and the per-request checks are the [`super::gate::Gate`]'s.
pub fn build(db: DatabaseConnection, events: Events, limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .data(db)
        .data(events)
        .data(LinkIdCap(limits.max_link_ids))
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursion);
    if limits.no_introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL that `userplan schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .finish()
        .sdl()
}
