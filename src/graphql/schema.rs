//! Building the schema once at start-up, and its SDL.

use std::sync::Arc;

use async_graphql::{SDLExportOptions, Schema};
use sea_orm::DatabaseConnection;

use super::mutation::{LinkIdCap, MutationRoot};
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::auth::KnownUsers;
use crate::config::Limits;
use crate::service::events::Events;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with what every resolver reads (the database, the membership events, the
/// users signed in a moment ago) and
/// the limits async-graphql itself enforces. Per-request data (the DataLoader) is attached
/// to each request, and the per-request checks are the [`super::gate::Gate`]'s.
pub fn build(
    db: DatabaseConnection,
    events: Events,
    known_users: Arc<KnownUsers>,
    limits: &Limits,
) -> AppSchema {
    let mut builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .data(db)
        .data(events)
        .data(known_users)
        .data(LinkIdCap(limits.max_link_ids))
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursion);
    if limits.no_introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL that `userplan schema` prints and `schema.graphql` holds: what introspection
/// shows. async-graphql's export leaves out `@specifiedBy` unless asked, and prints the
/// built-in directives without their arguments' descriptions; those directives are part of
/// every GraphQL schema, so the SDL leaves them out, as graphql-js's `printSchema` does
/// (async-graphql already leaves out `@deprecated` and `@oneOf` when nothing uses them).
pub fn sdl() -> String {
    let sdl = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .finish()
        .sdl_with_options(SDLExportOptions::new().include_specified_by());
    without_built_in_directives(&sdl)
}

const BUILT_IN_DIRECTIVES: &[&str] = &["deprecated", "include", "oneOf", "skip", "specifiedBy"];

/// Drops the definitions of the built-in directives from async-graphql's SDL, where each is
/// one line after its description block.
fn without_built_in_directives(sdl: &str) -> String {
    let mut kept = String::with_capacity(sdl.len());
    // A top-level description, held until the definition it describes is seen.
    let mut description = String::new();
    let mut in_description = false;
    for line in sdl.split_inclusive('\n') {
        let delimiter = line.trim_end() == "\"\"\"";
        if delimiter || in_description {
            description.push_str(line);
            in_description ^= delimiter;
            continue;
        }
        let built_in = line.strip_prefix("directive @").is_some_and(|rest| {
            BUILT_IN_DIRECTIVES.iter().any(|name| {
                rest.strip_prefix(name)
                    .is_some_and(|after| after.starts_with(['(', ' ']))
            })
        });
        if !built_in {
            kept.push_str(&description);
            kept.push_str(line);
        }
        description.clear();
    }
    kept
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_built_in_directive_definitions_are_dropped() {
        let sdl = r#""""
A scalar
"""
scalar A
"""
Text that looks like a definition:
directive @skip(if: Boolean!) on FIELD
"""
directive @skip(if: Boolean!) on FIELD
directive @skipper on FIELD
directive @include(if: Boolean!) on FIELD
schema {
  query: Q
}
"#;
        let kept = r#""""
A scalar
"""
scalar A
directive @skipper on FIELD
schema {
  query: Q
}
"#;
        assert_eq!(super::without_built_in_directives(sdl), kept);
    }
}
