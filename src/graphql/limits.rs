//! How much one query may ask for: its number of fields, its depth, and its cost (lists
//! weighted by their `first`). Fields and depth are measured here on the parsed document,
//! so each refusal says what was measured; the cost is async-graphql's complexity, from
//! the `complexity` of each list field ([`list_cost`]).

use std::collections::HashMap;

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Request, Schema, ServerError, ValidationResult, Variables};

use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;

use crate::config::Limits;
use crate::domain::MAX_PAGE_SIZE;
use crate::error::{ErrorCode, request_error};

/// The cost of a list field: each of its rows (its `first`, or the field's default) costs
/// one plus what is selected on it. Scalar fields cost nothing, so the cost estimates the
/// rows a query can return at most.
pub fn list_cost(first: Option<i32>, default: i32, child_complexity: usize) -> usize {
    let rows = first.unwrap_or(default).clamp(0, MAX_PAGE_SIZE) as usize;
    rows.saturating_mul(1 + child_complexity)
}

/// Measures what a query would cost, for the message of a refusal: async-graphql refuses a
/// query over the cost limit without saying its cost (nor giving the error a code). This
/// second schema has no limit and an extension that keeps the cost its validation computed
/// and stops there, so nothing runs; it is used only on the refusal path, since any
/// extension on the serving schema would slow the resolution of every field.
pub struct CostMeter(Schema<QueryRoot, MutationRoot, SubscriptionRoot>);

impl Default for CostMeter {
    fn default() -> Self {
        CostMeter(
            Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
                .extension(MeasureCost)
                .finish(),
        )
    }
}

impl CostMeter {
    /// The cost of the document's operation with these variables; `None` if it does not
    /// validate.
    pub async fn cost(
        &self,
        document: ExecutableDocument,
        variables: Variables,
        operation_name: Option<String>,
    ) -> Option<usize> {
        let measured = Arc::new(Mutex::new(None));
        let mut request = Request::new(String::new()).variables(variables);
        request.operation_name = operation_name;
        request.set_parsed_query(document);
        self.0
            .execute(request.data(Measured(measured.clone())))
            .await;
        *measured.lock().unwrap()
    }
}

/// Where [`MeasureCost`] leaves the cost of the request it measured.
struct Measured(Arc<Mutex<Option<usize>>>);

struct MeasureCost;

impl ExtensionFactory for MeasureCost {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MeasureCost)
    }
}

#[async_trait::async_trait]
impl Extension for MeasureCost {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(Measured(slot)) = ctx.data_opt::<Measured>() {
            *slot.lock().unwrap() = Some(result.complexity);
        }
        Err(vec![ServerError::new("measured, not run", None)])
    }
}

/// The refusal of a query over the cost limit, with its measured cost.
pub fn too_costly(cost: usize, max_complexity: usize) -> ServerError {
    request_error(
        format!(
            "the query could return up to {cost} rows, more than the {max_complexity} allowed \
             (each list counts its `first` times what it selects): ask for smaller pages"
        ),
        ErrorCode::BadUserInput,
    )
}

/// Refuses a document with too many fields (aliases count: this is what stops alias bombs)
/// or nested too deep. A document that only asks for the schema may nest deeper: tools'
/// introspection queries do (GraphiQL's is 15 levels) and read no rows.
pub fn check(document: &ExecutableDocument, limits: &Limits) -> Result<(), ServerError> {
    let too_much = |message: String| request_error(message, ErrorCode::BadUserInput);
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
    if fields > limits.max_fields {
        return Err(too_much(format!(
            "the query selects {fields} fields; at most {} are allowed",
            limits.max_fields
        )));
    }
    let introspection_only = document.operations.iter().all(|(_, operation)| {
        operation.node.selection_set.node.items.iter().all(|item| {
            matches!(&item.node, Selection::Field(field) if field.node.name.node.starts_with("__"))
        })
    });
    if introspection_only {
        return Ok(());
    }
    let mut fragment_depths = HashMap::new();
    let depth = document
        .operations
        .iter()
        .map(|(_, operation)| {
            depth(
                &operation.node.selection_set.node,
                &document.fragments,
                &mut fragment_depths,
            )
        })
        .max()
        .unwrap_or(0);
    if depth > limits.max_depth {
        return Err(too_much(format!(
            "the query is nested {depth} levels deep; at most {} are allowed",
            limits.max_depth
        )));
    }
    Ok(())
}

/// Fields as written (fragments once each).
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

/// The deepest chain of nested fields, through fragments. Each fragment's depth is worked
/// out once (a fragment spread many times costs no more), and a cycle of fragments, which
/// validation refuses later, counts as nothing here.
fn depth<'a>(
    selection_set: &'a SelectionSet,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    known: &mut HashMap<&'a Name, Option<usize>>,
) -> usize {
    selection_set
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => 1 + depth(&field.node.selection_set.node, fragments, known),
            Selection::InlineFragment(fragment) => {
                depth(&fragment.node.selection_set.node, fragments, known)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                match known.get(name) {
                    Some(Some(depth)) => *depth,
                    // Being measured: a cycle.
                    Some(None) => 0,
                    None => {
                        let Some(fragment) = fragments.get(name) else {
                            return 0;
                        };
                        known.insert(name, None);
                        let depth = depth(&fragment.node.selection_set.node, fragments, known);
                        known.insert(name, Some(depth));
                        depth
                    }
                }
            }
        })
        .max()
        .unwrap_or(0)
}
