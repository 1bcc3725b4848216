//! Who may run what: mutations and subscriptions need the API token when one is configured
//! (queries too with `--read-token-required`); with sign-in, a caller without a credential
//! may ask only `__typename`, introspection and `viewer`; nothing changes data over GET.
//! Checked on the parsed document, so persisted queries, batches and WebSocket operations
//! all pass the one rule.

use std::collections::HashSet;

use async_graphql::ServerError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};

use crate::auth::{Caller, Reason};
use crate::error::{ErrorCode, request_error};

/// How a request arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Post,
    /// Reads only: a link or an image tag must not be able to change data.
    Get,
    WebSocket,
}

/// Refuses the operation the request names if its caller may not run it; otherwise returns
/// its name (from the document when the request does not give one) and type.
pub fn check(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    caller: Caller,
    transport: Transport,
) -> Result<(Option<String>, OperationType), ServerError> {
    if caller.refused == Some(Reason::Unavailable) {
        return Err(request_error(
            "the credential cannot be checked right now (the database is unreachable); \
             retry shortly",
            ErrorCode::ServiceUnavailable,
        ));
    }
    if let Some(reason) = caller.refused {
        let mut refused = request_error(
            "the credential in the Authorization header (or connection_init) was refused",
            ErrorCode::Unauthenticated,
        );
        refused
            .extensions
            .get_or_insert_with(Default::default)
            .set("reason", reason.as_str());
        return Err(refused);
    }
    // An unknown or missing operation name is reported by validation, with a better message;
    // the schema refuses such a request before running anything.
    let Some((name, definition)) = operation(document, operation_name) else {
        return Ok((None, OperationType::Query));
    };
    let kind = definition.ty;
    let writes = kind != OperationType::Query;
    if writes && transport == Transport::Get {
        return Err(request_error(
            "mutations must be sent with POST",
            ErrorCode::MethodNotAllowed,
        ));
    }
    if caller.signed_out {
        let mut seen = HashSet::new();
        if writes || !asks_only_public(document, &definition.selection_set.node, &mut seen) {
            return Err(request_error(
                "without a credential only `__typename`, introspection (`__schema`, \
                 `__type`) and `viewer` may be asked; sign in and send \
                 `Authorization: Bearer <token>` for anything else",
                ErrorCode::Unauthenticated,
            ));
        }
        return Ok((name, kind));
    }
    let allowed = if writes {
        caller.may_write
    } else {
        caller.may_read
    };
    if !allowed {
        let what = match kind {
            OperationType::Query => "queries",
            OperationType::Mutation => "mutations",
            OperationType::Subscription => "subscriptions",
        };
        return Err(request_error(
            format!("{what} need a valid `Authorization: Bearer <token>` header"),
            ErrorCode::Unauthenticated,
        ));
    }
    Ok((name, kind))
}

/// Whether every root field a selection set asks, through its fragments too, is one a
/// caller without a credential may ask. `seen` stops a fragment cycle, which validation
/// (later) refuses.
fn asks_only_public<'a>(
    document: &'a ExecutableDocument,
    selections: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
) -> bool {
    selections.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            ["__typename", "__schema", "__type", "viewer"].contains(&field.node.name.node.as_str())
        }
        Selection::InlineFragment(fragment) => {
            asks_only_public(document, &fragment.node.selection_set.node, seen)
        }
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.as_str();
            // An unknown fragment is validation's to report: it asks nothing.
            !seen.insert(name)
                || document.fragments.get(name).is_none_or(|fragment| {
                    asks_only_public(document, &fragment.node.selection_set.node, seen)
                })
        }
    })
}

/// The name and definition of the operation a request will run, if the document names it
/// unambiguously.
fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<String>, &'a OperationDefinition)> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), name) => {
            Some((name.map(str::to_owned), &operation.node))
        }
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(name)
            .map(|operation| (Some(name.to_owned()), &operation.node)),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name.to_string()), &operation.node)),
        (DocumentOperations::Multiple(_), None) => None,
    }
}
