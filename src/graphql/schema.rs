//! Building the schema once at start-up, and its SDL.

use async_graphql::Schema;
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use sea_orm::DatabaseConnection;

use super::access::AccessControl;
use super::limits::QueryLimits;
use super::mutation::{LinkIdCap, MutationRoot};
use super::observe::RecordOperation;
use super::persisted::{APQ_CACHE_SIZE, TrustedDocuments};
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::config::Limits;
use crate::service::events::Events;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with what every resolver reads (the database, the membership events) and
/// the checks every request passes. Per-request data (the DataLoader, the caller) is
/// attached to each request, not here.
pub fn build(
    db: DatabaseConnection,
    events: Events,
    limits: &Limits,
    trusted: Option<TrustedDocuments>,
) -> AppSchema {
    let mut builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .data(db)
        .data(events)
        .data(LinkIdCap(limits.max_link_ids))
        .limit_recursive_depth(limits.max_recursion);
    if limits.no_introspection {
        builder = builder.disable_introspection();
    }
    // Extensions run in this order: the trusted-documents check sees the request before the
    // persisted-query protocol turns a hash into a document.
    builder = match trusted {
        Some(trusted) => builder
            .extension(trusted.clone())
            .extension(ApolloPersistedQueries::new(trusted)),
        None => builder.extension(ApolloPersistedQueries::new(LruCacheStorage::new(
            APQ_CACHE_SIZE,
        ))),
    };
    builder
        .extension(AccessControl)
        .extension(QueryLimits::new(limits))
        .extension(RecordOperation)
        .finish()
}

/// The SDL that `userplan schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .finish()
        .sdl()
}
