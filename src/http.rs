//! HTTP wiring: `/graphql` (POST, GET, GraphiQL), `/health`, `/ready`.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerError};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLSubscription};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::future::join_all;
use sea_orm::DatabaseConnection;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::db::{SQL_STATS, SqlStats};
use crate::graphql::loaders;
use crate::graphql::schema::{self, AppSchema};
use crate::service::events::Events;

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    events: Events,
    sql_stats: bool,
}

impl AppState {
    /// The schema is built here once, not per request.
    pub fn new(db: DatabaseConnection, sql_stats: bool) -> Self {
        let events = Events::for_database(&db);
        Self {
            schema: schema::build(db.clone(), events.clone()),
            db,
            events,
            sql_stats,
        }
    }

    /// The membership events of this instance; closing them ends every subscription.
    pub fn events(&self) -> &Events {
        &self.events
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        // WebSocket subscriptions, in the graphql-transport-ws protocol and the legacy
        // graphql-ws one (the client's Sec-WebSocket-Protocol chooses).
        .route_service(
            "/graphql/ws",
            GraphQLSubscription::new(state.schema.clone()),
        )
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    batch: GraphQLBatchRequest,
) -> axum::response::Response {
    let response = match batch.into_inner() {
        BatchRequest::Single(request) => BatchResponse::Single(execute(&state, request).await),
        BatchRequest::Batch(requests) => BatchResponse::Batch(
            join_all(requests.into_iter().map(|request| execute(&state, request))).await,
        ),
    };
    graphql_response(&headers, StatusCode::OK, &response)
}

/// GET serves GraphiQL to a browser, and runs queries given in the URL for everyone else.
/// Mutations are refused over GET: a link or an image tag must not be able to change data.
async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    batch: GraphQLBatchRequest,
) -> axum::response::Response {
    let BatchRequest::Single(request) = batch.into_inner() else {
        unreachable!("a GET request is never a batch");
    };
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if request.query.is_empty() && wants_html {
        let page = GraphiQLSource::build()
            .endpoint("/graphql")
            .title("userplan")
            .finish();
        return Html(page).into_response();
    }
    if is_mutation(&request) {
        let mut error = ServerError::new("mutations must be sent with POST", None);
        with_default_code(&mut error);
        let mut response = graphql_response(
            &headers,
            StatusCode::METHOD_NOT_ALLOWED,
            &BatchResponse::Single(Response::from_errors(vec![error])),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    let response = execute(&state, request).await;
    graphql_response(&headers, StatusCode::OK, &BatchResponse::Single(response))
}

fn is_mutation(request: &Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let is_mutation = |ty: OperationType| ty == OperationType::Mutation;
    match &document.operations {
        DocumentOperations::Single(operation) => is_mutation(operation.node.ty),
        DocumentOperations::Multiple(operations) => match &request.operation_name {
            Some(name) => operations
                .get(name.as_str())
                .is_some_and(|operation| is_mutation(operation.node.ty)),
            None => false,
        },
    }
}

/// Runs one GraphQL request with its own DataLoader and statement counter.
async fn execute(state: &AppState, request: Request) -> Response {
    let stats = Arc::new(SqlStats::default());
    let request = request.data(loaders::for_request(state.db.clone(), stats.clone()));
    let mut response = SQL_STATS
        .scope(stats.clone(), state.schema.execute(request))
        .await;
    response.errors.iter_mut().for_each(with_default_code);
    if state.sql_stats {
        response.extensions.insert(
            "sql".to_owned(),
            async_graphql::value!({
                "statements": stats.statements(),
                "millis": stats.millis(),
            }),
        );
    }
    response
}

/// Errors raised by async-graphql itself (a query that does not parse or validate, a
/// variable of the wrong type) carry no code; each is a problem with the request.
fn with_default_code(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", "BAD_USER_INPUT");
    }
}

/// `application/graphql-response+json` for clients that ask for it, `application/json`
/// (what older clients expect) otherwise.
fn graphql_response(
    headers: &HeaderMap,
    status: StatusCode,
    response: &BatchResponse,
) -> axum::response::Response {
    let accepts_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/graphql-response+json"));
    let content_type = if accepts_graphql_response {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    let mut http = (status, Json(response)).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    http
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
