//! GraphQL over HTTP: POST with a JSON body (one request or a batch), GET with the request
//! in the query string (queries only), and the media types and status codes of the
//! GraphQL-over-HTTP specification.

use async_graphql::{BatchRequest, BatchResponse, Request, Response};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use futures_util::future::join_all;
use serde::Deserialize;
use tracing::Instrument;

use super::AppState;
use super::operation::{execute, first_code, request_span, with_request_id};
use crate::error::{ErrorCode, request_error};
use crate::graphql::access::Transport;

/// The header that carries a request's id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> axum::response::Response {
    let id = request_id(&headers);
    let reply = Reply::new(&headers, &id);
    if !is_json(&headers) {
        return reply.refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send GraphQL requests as `Content-Type: application/json`",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, state.max_body_bytes).await else {
        return reply.refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the request body is larger than {} bytes",
                state.max_body_bytes
            ),
        );
    };
    // Decided by the body's first character: async-graphql's own reading of a batch turns
    // an empty array into a single request.
    let is_batch = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let parsed = if is_batch {
        serde_json::from_slice(&bytes).map(BatchRequest::Batch)
    } else {
        serde_json::from_slice(&bytes).map(BatchRequest::Single)
    };
    let batch = match parsed {
        Ok(batch) => batch,
        Err(err) => {
            return reply.refusal(
                StatusCode::BAD_REQUEST,
                &format!("the body is not a GraphQL request: {err}"),
            );
        }
    };
    let caller = state
        .credentials
        .caller(&state.db, authorization(&headers))
        .await;
    let span = request_span(&id);
    async {
        match batch {
            BatchRequest::Single(request) => {
                let response = execute(&state, request, caller, &id, Transport::Post).await;
                reply.single(response)
            }
            BatchRequest::Batch(requests)
                if requests.is_empty() || requests.len() > state.max_batch =>
            {
                reply.refusal(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "a batch holds 1 to {} requests; this one has {}",
                        state.max_batch,
                        requests.len()
                    ),
                )
            }
            BatchRequest::Batch(requests) => {
                let responses = join_all(
                    requests
                        .into_iter()
                        .map(|request| execute(&state, request, caller, &id, Transport::Post)),
                )
                .await;
                reply.batch(BatchResponse::Batch(responses))
            }
        }
    }
    .instrument(span)
    .await
}

/// The GraphQL request of a GET, in the query string.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    #[serde(default)]
    query: String,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// GET serves the playground to a browser that asks for a page, and runs queries given in
/// the URL for everyone else. Nothing is written over GET: a link or an image tag must not
/// be able to change data.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> axum::response::Response {
    let id = request_id(&headers);
    let reply = Reply::new(&headers, &id);
    let Ok(Query(params)) = params else {
        return reply.refusal(
            StatusCode::BAD_REQUEST,
            "the query string is not a GraphQL request",
        );
    };
    if params.query.is_empty() && params.extensions.is_none() {
        if !accepts(&headers, "text/html") {
            return reply.refusal(
                StatusCode::BAD_REQUEST,
                "a GET of /graphql runs the GraphQL query in its `query` parameter \
                 (/graphql?query={__typename}); open it in a browser for the playground",
            );
        }
        let mut page = match &state.playground {
            Some(page) => page.response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
        varies_by_accept(&mut page);
        return page;
    }
    let (variables, extensions) = match (
        from_json("variables", params.variables),
        from_json("extensions", params.extensions),
    ) {
        (Ok(variables), Ok(extensions)) => (variables, extensions),
        (Err(message), _) | (_, Err(message)) => {
            return reply.refusal(StatusCode::BAD_REQUEST, &message);
        }
    };
    let mut request = Request::new(params.query).variables(variables);
    request.operation_name = params.operation_name;
    request.extensions = extensions;
    let caller = state
        .credentials
        .caller(&state.db, authorization(&headers))
        .await;
    let response = execute(&state, request, caller, &id, Transport::Get)
        .instrument(request_span(&id))
        .await;
    reply.single(response)
}

/// A JSON-encoded query-string parameter; its type's default when it is absent.
fn from_json<T: serde::de::DeserializeOwned + Default>(
    field: &str,
    text: Option<String>,
) -> Result<T, String> {
    match text {
        None => Ok(T::default()),
        Some(text) => {
            serde_json::from_str(&text).map_err(|err| format!("`{field}` is not JSON: {err}"))
        }
    }
}

/// How a response goes back: its media type (`application/graphql-response+json` for
/// clients that accept it, `application/json` for the others) and its request id.
struct Reply {
    graphql_response: bool,
    request_id: HeaderValue,
}

impl Reply {
    fn new(headers: &HeaderMap, id: &str) -> Self {
        Reply {
            graphql_response: accepts(headers, GRAPHQL_RESPONSE),
            request_id: HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("-")),
        }
    }

    /// A request refused before it ran: a GraphQL-shaped error with this status.
    fn refusal(&self, status: StatusCode, message: &str) -> axum::response::Response {
        let mut error = request_error(message, ErrorCode::BadUserInput);
        with_request_id(&mut error, self.request_id.to_str().unwrap_or_default());
        self.json(status, &serde_json::json!({ "errors": [error] }))
    }

    fn single(&self, response: Response) -> axum::response::Response {
        // A response without data is a request error: the document did not run.
        let request_error = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|error| error.path.is_empty());
        let status = match first_code(&response) {
            // Whatever the media type: a write over GET is the wrong method.
            Some(code @ ErrorCode::MethodNotAllowed) => code.http_status(),
            _ if !request_error || !self.graphql_response => StatusCode::OK,
            Some(code) => code.http_status(),
            None => StatusCode::BAD_REQUEST,
        };
        let mut http = if request_error {
            let mut body = serde_json::json!({ "errors": response.errors });
            if !response.extensions.is_empty() {
                body["extensions"] = serde_json::json!(response.extensions);
            }
            self.json(status, &body)
        } else {
            self.json(status, &response)
        };
        if status == StatusCode::METHOD_NOT_ALLOWED {
            http.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        }
        http
    }

    fn batch(&self, response: BatchResponse) -> axum::response::Response {
        self.json(StatusCode::OK, &response)
    }

    fn json(&self, status: StatusCode, body: &impl serde::Serialize) -> axum::response::Response {
        let content_type = if self.graphql_response {
            GRAPHQL_RESPONSE
        } else {
            "application/json"
        };
        let mut http = (status, axum::Json(body)).into_response();
        let headers = http.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(REQUEST_ID, self.request_id.clone());
        varies_by_accept(&mut http);
        http
    }
}

/// The media type, and on GET whether the answer is the playground, follow the request's
/// `Accept`: caches must keep one answer per `Accept`.
fn varies_by_accept(response: &mut axum::response::Response) {
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept"));
}

/// The caller's request id when it sent a sane one (so its logs and ours line up), or a
/// new one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
}

fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains(media_type))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}
