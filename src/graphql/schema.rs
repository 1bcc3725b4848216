//! Building the schema once at start-up, and its SDL.

use async_graphql::Schema;
use sea_orm::DatabaseConnection;

use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::service::events::Events;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with what every resolver reads: the database and the membership events.
/// Per-request data (the DataLoader) is attached to each request, not here.
pub fn build(db: DatabaseConnection, events: Events) -> AppSchema {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .data(db)
        .data(events)
        .finish()
}

/// The SDL that `userplan schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .finish()
        .sdl()
}
