//! Who may run what: mutations and subscriptions need the API token when one is
//! configured (queries too with `--read-token-required`), and nothing changes data over GET.
//! Checked on the parsed document, so persisted queries, batches and WebSocket
//! subscriptions are all covered by the one rule.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Request, ServerResult, Variables};

use crate::auth::Caller;
use crate::error::request_error;

/// Marks a request that came over GET: it may only read.
#[derive(Clone, Copy, Debug)]
pub struct ReadOnlyTransport;

/// The code of a write refused over GET; the HTTP layer answers it with 405.
pub const WRITE_OVER_GET: &str = "METHOD_NOT_ALLOWED";

pub struct AccessControl;

impl ExtensionFactory for AccessControl {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AccessCheck::default())
    }
}

/// One request's check; it remembers the operation name until the document is parsed.
#[derive(Default)]
struct AccessCheck {
    operation_name: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for AccessCheck {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        *self.operation_name.lock().expect("not poisoned") = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let name = self.operation_name.lock().expect("not poisoned").clone();
        // An unknown operation name is reported by validation, with a better message.
        let Some(kind) = operation_type(&document, name.as_deref()) else {
            return Ok(document);
        };
        let caller = ctx.data_opt::<Caller>().copied().unwrap_or(Caller::NOBODY);
        let writes = kind != OperationType::Query;
        if writes && ctx.data_opt::<ReadOnlyTransport>().is_some() {
            return Err(request_error(
                "mutations must be sent with POST",
                WRITE_OVER_GET,
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
                "UNAUTHENTICATED",
            ));
        }
        Ok(document)
    }
}

/// The type of the operation a request will run, if the document names it unambiguously.
fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .values()
            .next()
            .map(|operation| operation.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    }
}
