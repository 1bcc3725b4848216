//! Who may run what: mutations and subscriptions need the API token when one is configured
//! (queries too with `--read-token-required`), and nothing changes data over GET. Checked
//! on the parsed document, so persisted queries, batches and WebSocket operations all pass
//! the one rule.

use async_graphql::ServerError;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};

use crate::auth::Caller;
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
    let Some((name, kind)) = operation(document, operation_name) else {
        return Ok((None, OperationType::Query));
    };
    let writes = kind != OperationType::Query;
    if writes && transport == Transport::Get {
        return Err(request_error(
            "mutations must be sent with POST",
            ErrorCode::MethodNotAllowed,
        ));
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

/// The name and type of the operation a request will run, if the document names it
/// unambiguously.
fn operation(
    document: &ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<String>, OperationType)> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), name) => {
            Some((name.map(str::to_owned), operation.node.ty))
        }
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(name)
            .map(|operation| (Some(name.to_owned()), operation.node.ty)),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name.to_string()), operation.node.ty)),
        (DocumentOperations::Multiple(_), None) => None,
    }
}
