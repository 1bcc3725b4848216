//! How much one query may ask for: its depth, its cost (lists weighted by their `first`)
//! and its number of fields. async-graphql computes depth and cost during validation; the
//! checks live here so each rejection says what was measured and what the limit is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use crate::config::Limits;
use crate::domain::MAX_PAGE_SIZE;
use crate::error::request_error;

/// The cost of a list field: each of its rows (its `first`, or the field's default) costs
/// one plus what is selected on it. Scalar fields cost nothing, so the cost estimates the
/// rows a query can return at most.
pub fn list_cost(first: Option<i32>, default: i32, child_complexity: usize) -> usize {
    let rows = first.unwrap_or(default).clamp(0, MAX_PAGE_SIZE) as usize;
    rows.saturating_mul(1 + child_complexity)
}

#[derive(Clone, Copy)]
pub struct QueryLimits {
    max_depth: usize,
    max_complexity: usize,
    max_fields: usize,
}

impl QueryLimits {
    pub fn new(limits: &Limits) -> Self {
        QueryLimits {
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
            max_fields: limits.max_fields,
        }
    }
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitCheck {
            limits: *self,
            introspection_only: AtomicBool::new(false),
        })
    }
}

/// One request's check.
struct LimitCheck {
    limits: QueryLimits,
    /// The document asks only for the schema: tools' introspection queries nest deeper
    /// than any data query needs (GraphiQL's is 15 levels) and read no rows.
    introspection_only: AtomicBool,
}

fn too_much(message: String) -> ServerError {
    request_error(message, "BAD_USER_INPUT")
}

#[async_trait::async_trait]
impl Extension for LimitCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        // Counted on the document as written (fragments once each): aliases of one field
        // count separately, which is what stops alias bombs before validation runs.
        let fields = document
            .operations
            .iter()
            .map(|(_, operation)| count_fields(&operation.node.selection_set.node))
            .chain(
                document
                    .fragments
                    .values()
                    .map(|fragment| count_fields(&fragment.node.selection_set.node)),
            )
            .fold(0usize, usize::saturating_add);
        if fields > self.limits.max_fields {
            return Err(too_much(format!(
                "the query selects {fields} fields; at most {} are allowed",
                self.limits.max_fields
            )));
        }
        let introspection_only = document.operations.iter().all(|(_, operation)| {
            operation.node.selection_set.node.items.iter().all(|item| {
                matches!(&item.node, Selection::Field(field) if field.node.name.node.starts_with("__"))
            })
        });
        self.introspection_only
            .store(introspection_only, Ordering::Relaxed);
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let max_depth = self.limits.max_depth;
        if result.depth > max_depth && !self.introspection_only.load(Ordering::Relaxed) {
            return Err(vec![too_much(format!(
                "the query is nested {} levels deep; at most {} are allowed",
                result.depth, max_depth
            ))]);
        }
        if result.complexity > self.limits.max_complexity {
            return Err(vec![too_much(format!(
                "the query could return about {} rows (each list counts its `first` times \
                 what it selects); at most {} are allowed: ask for smaller pages",
                result.complexity, self.limits.max_complexity
            ))]);
        }
        Ok(result)
    }
}

fn count_fields(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => 1 + count_fields(&field.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
            Selection::InlineFragment(fragment) => count_fields(&fragment.node.selection_set.node),
        })
        .fold(0, usize::saturating_add)
}
