//! The HTTP status of each kind of request error, as the README's Errors table gives it:
//! with `application/graphql-response+json` a request that did not run answers 400 unless
//! its code says otherwise (401, 405, 504); with `application/json` it answers 200, except
//! a write over GET, which is 405 either way.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::timeouts::sqlite_write_lock;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
const CREATE_PLAN: &str = r#"mutation { createPlan(input: { name: "Pro" }) { id } }"#;

/// The status of `request` sent accepting `accept`, and its first error's code.
async fn answer(request: reqwest::RequestBuilder, accept: &str) -> (u16, String) {
    let response = request
        .header("accept", accept)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON body");
    (status, error_code(&body).unwrap_or("(none)").to_owned())
}

async fn post(app: &TestApp, accept: &str, body: Value) -> (u16, String) {
    answer(app.client().post(app.url("/graphql")).json(&body), accept).await
}

async fn get(app: &TestApp, accept: &str, query: &str) -> (u16, String) {
    answer(
        app.client()
            .get(app.url("/graphql"))
            .query(&[("query", query)]),
        accept,
    )
    .await
}

fn pair(status: u16, code: &str) -> (u16, String) {
    (status, code.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_error_answers_its_status() {
    let app = spawn_app_with(Backend::Sqlite, &["--api-token", "secret-token"]).await;
    let mutation = json!({ "query": CREATE_PLAN });
    assert_eq!(
        post(&app, GRAPHQL_RESPONSE, mutation.clone()).await,
        pair(401, "UNAUTHENTICATED")
    );
    assert_eq!(
        post(&app, JSON, mutation).await,
        pair(200, "UNAUTHENTICATED")
    );

    let unknown_hash = json!({ "extensions": { "persistedQuery": {
        "version": 1,
        "sha256Hash": "0000000000000000000000000000000000000000000000000000000000000000",
    } } });
    assert_eq!(
        post(&app, GRAPHQL_RESPONSE, unknown_hash.clone()).await,
        pair(400, "PERSISTED_QUERY_NOT_FOUND")
    );
    assert_eq!(
        post(&app, JSON, unknown_hash).await,
        pair(200, "PERSISTED_QUERY_NOT_FOUND")
    );

    let invalid = json!({ "query": "{ users { nope } }" });
    assert_eq!(
        post(&app, GRAPHQL_RESPONSE, invalid.clone()).await,
        pair(400, "BAD_USER_INPUT")
    );
    assert_eq!(post(&app, JSON, invalid).await, pair(200, "BAD_USER_INPUT"));

    for accept in [GRAPHQL_RESPONSE, JSON] {
        assert_eq!(
            get(&app, accept, CREATE_PLAN).await,
            pair(405, "METHOD_NOT_ALLOWED"),
            "{accept}"
        );
    }
}

/// The server stopping a request at its time limit is a request error (504); on SQLite the
/// write waits on our lock (5 s busy timeout) past the 1 s limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_stopped_at_its_time_limit_is_a_gateway_timeout() {
    let app = spawn_app_with(Backend::Sqlite, &["--request-timeout-secs", "1"]).await;
    let mutation = json!({ "query": CREATE_PLAN });
    let lock = sqlite_write_lock(&app).await;
    assert_eq!(
        post(&app, GRAPHQL_RESPONSE, mutation.clone()).await,
        pair(504, "TIMEOUT")
    );
    assert_eq!(post(&app, JSON, mutation).await, pair(200, "TIMEOUT"));
    lock.rollback().await.expect("rollback");
}
