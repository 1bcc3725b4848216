//! Building the schema once at start-up, and its SDL.

use async_graphql::{EmptySubscription, Schema};
use sea_orm::DatabaseConnection;

use super::mutation::MutationRoot;
use super::query::QueryRoot;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with the database handle every resolver reads. Per-request data (the
/// DataLoader) is attached to each request, not here.
pub fn build(db: DatabaseConnection) -> AppSchema {
    Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .data(db)
        .finish()
}

/// The SDL that `userplan schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .finish()
        .sdl()
}
