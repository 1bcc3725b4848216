//! One GraphQL operation as the server runs it, whichever way it arrived (POST, GET or a
//! WebSocket): admitted by the gate, then run with the state of its own (DataLoader,
//! statement counter, time limit, panic guard, request id), and its answer finished the
//! same way (error codes, request id, metrics, the log line). HTTP and WebSocket both come
//! through here, so an operation cannot behave differently on one of them.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Request, Response, ServerError};
use futures_util::{FutureExt, StreamExt, stream};
use tracing::Instrument;

use super::AppState;
use crate::auth::Caller;
use crate::db::{SQL_STATS, SqlStats};
use crate::error::{ErrorCode, request_error};
use crate::graphql::access::Transport;
use crate::graphql::gate::Admitted;
use crate::graphql::limits::too_costly;
use crate::graphql::{loaders, nulls};

/// Runs a query or mutation and returns its answer. A subscription is refused: it needs a
/// connection that stays open.
pub(super) async fn execute(
    state: &AppState,
    request: Request,
    caller: Caller,
    id: &str,
    transport: Transport,
) -> Response {
    let started = Instant::now();
    let (admitted, operation) = admit(state, request, caller, transport).await;
    let response = match admitted {
        Ok(admitted) if admitted.kind == OperationType::Subscription => {
            Response::from_errors(vec![request_error(
                "subscriptions need a connection that stays open: send them over the \
                 WebSocket at /graphql/ws (graphql-transport-ws)",
                ErrorCode::BadUserInput,
            )])
        }
        Ok(admitted) => return run(state, admitted, caller, &operation, id, started).await,
        Err(refused) => Response::from_errors(vec![refused]),
    };
    finish(
        state,
        response,
        &operation,
        id,
        started,
        &SqlStats::default(),
    )
}

/// An operation sent over a WebSocket: a subscription streams its events; a query or a
/// mutation runs exactly as over HTTP and answers once. Each gets a request id of its own.
pub(super) fn over_socket(
    state: AppState,
    request: Request,
    caller: Caller,
    session: Arc<Data>,
) -> BoxStream<'static, Response> {
    let id = uuid::Uuid::now_v7().to_string();
    let span = request_span(&id);
    let answers = async move {
        let started = Instant::now();
        let (admitted, operation) = admit(&state, request, caller, Transport::WebSocket).await;
        match admitted {
            Ok(admitted) if admitted.kind == OperationType::Subscription => {
                tracing::debug!(operation, "subscription started");
                events(&state, admitted.request, session, id)
            }
            Ok(admitted) => {
                let response = run(&state, admitted, caller, &operation, &id, started).await;
                stream::once(async { response }).boxed()
            }
            Err(refused) => {
                let response = Response::from_errors(vec![refused]);
                let stats = SqlStats::default();
                let response = finish(&state, response, &operation, &id, started, &stats);
                stream::once(async { response }).boxed()
            }
        }
    };
    stream::once(answers.instrument(span)).flatten().boxed()
}

/// The gate's verdict, and the operation's label for metrics and logs. An admitted request
/// carries its viewer, for the resolvers' rules of what it may see and change.
async fn admit(
    state: &AppState,
    request: Request,
    caller: Caller,
    transport: Transport,
) -> (Result<Admitted, ServerError>, String) {
    let (admitted, name) = match state.gate.admit(request, caller, transport).await {
        Ok(mut admitted) => {
            admitted.request = admitted.request.data(caller.viewer);
            let name = admitted.name.clone();
            (Ok(admitted), name)
        }
        Err((refused, name)) => (Err(refused), name),
    };
    let operation = state.operation_labels.label(name.as_deref());
    tracing::Span::current().record("operation", operation.as_str());
    (admitted, operation)
}

/// Runs an admitted query or mutation with its own DataLoader (reading what the caller's
/// viewer sees) and statement counter, within the request timeout, turning a panic into an
/// error of this request only.
async fn run(
    state: &AppState,
    admitted: Admitted,
    caller: Caller,
    operation: &str,
    id: &str,
    started: Instant,
) -> Response {
    let Admitted {
        name,
        kind,
        mut request,
    } = admitted;
    // Kept for mending field errors afterwards, and for measuring a refused query's cost:
    // a clone of a parsed document is a small fraction of a request's cost, and the request
    // consumes its own.
    let document = request.parsed_query().ok().cloned();
    let variables = request.variables.clone();
    let stats = Arc::new(SqlStats::default());
    let loader = loaders::for_request(state.db.clone(), caller.viewer.into(), stats.clone());
    let request = request.data(loader);
    // On the heap: the execution's future is kilobytes, and each future that awaited it
    // inline (the timeout, the panic guard, this one, the handler and every tower layer
    // above it) would hold, and move with a memcpy, a copy of it.
    let run = Box::pin(SQL_STATS.scope(stats.clone(), state.schema.execute(request)));
    let mut response = guarded(run, state.request_timeout).await;
    if let Some(document) = document {
        nulls::propagate(
            &state.field_types,
            &document,
            name.as_deref(),
            kind,
            &mut response,
        );
        if refused_by_the_schema(&response)
            && let Some(cost) = state.cost_meter.cost(document, variables, name).await
            && cost > state.max_complexity
        {
            response.errors = vec![too_costly(cost, state.max_complexity)];
        }
    }
    finish(state, response, operation, id, started, &stats)
}

/// Whether the schema refused the request before running it with one error of its own
/// (async-graphql's errors carry no code): what an operation over the cost limit gets.
fn refused_by_the_schema(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && matches!(&response.errors[..], [error] if error.path.is_empty() && error.extensions.is_none())
}

/// A subscription's events. Its resolvers read no per-request state: an event is one row
/// that the stream already holds. A panic ends the stream after its error (catch_unwind
/// makes the panic the stream's last item).
fn events(
    state: &AppState,
    request: Request,
    session: Arc<Data>,
    id: String,
) -> BoxStream<'static, Response> {
    AssertUnwindSafe(
        state
            .schema
            .execute_stream_with_session_data(request, session),
    )
    .catch_unwind()
    .map(move |event| {
        let mut response = event.unwrap_or_else(|panic| panicked(panic.as_ref()));
        for error in &mut response.errors {
            with_default_code(error);
            with_request_id(error, &id);
        }
        response
    })
    .boxed()
}

/// The response of `run`, or an error response of this request alone when it panics or
/// outlasts `timeout`.
async fn guarded(run: impl Future<Output = Response>, timeout: Duration) -> Response {
    match tokio::time::timeout(timeout, AssertUnwindSafe(run).catch_unwind()).await {
        Ok(Ok(response)) => response,
        Ok(Err(panic)) => panicked(panic.as_ref()),
        // Dropping the request's future drops its statements; PostgreSQL also stops them
        // itself (its statement_timeout is the request timeout).
        Err(_) => Response::from_errors(vec![request_error(
            format!(
                "the request ran longer than {} s and was stopped",
                timeout.as_secs_f64()
            ),
            ErrorCode::Timeout,
        )]),
    }
}

/// What the client hears of a panic: nothing of its message, which goes to the log.
fn panicked(panic: &(dyn std::any::Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "a resolver panicked");
    Response::from_errors(vec![request_error(
        "internal server error",
        ErrorCode::InternalServerError,
    )])
}

/// Gives every error its code and the request id, adds the statement counts when asked
/// for, and records the operation in the metrics and the log.
fn finish(
    state: &AppState,
    mut response: Response,
    operation: &str,
    id: &str,
    started: Instant,
    stats: &SqlStats,
) -> Response {
    for error in &mut response.errors {
        with_default_code(error);
        with_request_id(error, id);
    }
    if state.sql_stats {
        response.extensions.insert(
            "sql".to_owned(),
            async_graphql::value!({
                "statements": stats.statements(),
                "millis": stats.millis(),
            }),
        );
    }
    let outcome = first_code(&response).map_or("ok", ErrorCode::as_str);
    let seconds = started.elapsed().as_secs_f64();
    crate::metrics::request_finished(operation, outcome, seconds, stats.statements());
    // Failed requests always make a line; successful ones at debug level, which is an
    // access log (a line per request at info cost a noticeable part of the throughput:
    // see the README's performance section).
    let millis = seconds * 1000.0;
    let statements = stats.statements();
    if response.errors.is_empty() {
        tracing::debug!(operation, outcome, millis, statements, "request");
    } else {
        tracing::info!(operation, outcome, millis, statements, "request");
    }
    response
}

pub(super) fn request_span(id: &str) -> tracing::Span {
    tracing::info_span!("graphql", request_id = %id, operation = tracing::field::Empty)
}

/// Errors raised by async-graphql itself (a query that does not parse or validate, a
/// variable of the wrong type) carry no code; each is a problem with the request.
fn with_default_code(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", ErrorCode::BadUserInput);
    }
}

/// So an operator can find the request's log lines from what the client saw.
pub(super) fn with_request_id(error: &mut ServerError, id: &str) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("requestId", id);
}

/// The `extensions.code` of a response's first error.
pub(super) fn first_code(response: &Response) -> Option<ErrorCode> {
    match response.errors.first()?.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => ErrorCode::parse(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_an_internal_error_of_its_request_only() {
        let response = guarded(async { panic!("secret detail") }, Duration::from_secs(5)).await;
        assert_eq!(first_code(&response), Some(ErrorCode::InternalServerError));
        assert_eq!(response.errors[0].message, "internal server error");
        // The runtime, and so the server, goes on.
        let fine = guarded(
            async { Response::new(async_graphql::Value::Null) },
            Duration::from_secs(5),
        )
        .await;
        assert!(fine.errors.is_empty());
    }

    #[tokio::test]
    async fn a_request_past_its_time_is_stopped() {
        let response = guarded(std::future::pending(), Duration::from_millis(20)).await;
        assert_eq!(first_code(&response), Some(ErrorCode::Timeout));
    }
}
