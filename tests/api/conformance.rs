//! GraphQL over HTTP as clients meet it: media types and status codes, Apollo's automatic
//! persisted queries, trusted documents from the TypeScript example's manifest, CORS,
//! introspection switched off, request ids and `/metrics`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::on_both_databases;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post(app: &TestApp, accept: &str, body: Value) -> (u16, String, Value) {
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

on_both_databases!(media_types_and_status_codes);
async fn media_types_and_status_codes(app: TestApp) {
    let (status, content_type, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": "{ users { totalCount } }" }),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, GRAPHQL_RESPONSE));
    assert_eq!(body["data"]["users"]["totalCount"], 0);
    // A document that does not validate: 400 in the new media type, with no `data`.
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": "{ nope }" })).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // The same for a client that only knows application/json: 200, as it expects.
    let (status, content_type, _) =
        post(&app, "application/json", json!({ "query": "{ nope }" })).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    // Every response names its request, and errors carry the same id.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("x-request-id", "trace-42")
        .json(&json!({ "query": "{ nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "trace-42");
}

on_both_databases!(a_field_error_nulls_its_field_and_keeps_the_others);
async fn a_field_error_nulls_its_field_and_keeps_the_others(app: TestApp) {
    // A field error is not a request error: 200, with `data`. The failing field is null
    // (here its parent: `plans` is non-null, and `bad` is the nearest nullable field);
    // every other field keeps its value, and the error says where and why.
    let user = app.create_user("ada@example.com", "Ada").await;
    let query = "query($u: UUID!) { ok: user(id: $u) { name } bad: user(id: $u) { \
                 name plans(first: 5000) { id } } users { totalCount } }";
    let (status, _, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": query, "variables": { "u": user } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!({ "ok": { "name": "Ada" }, "bad": null, "users": { "totalCount": 1 } }),
        "{body}"
    );
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["path"], json!(["bad", "plans"]), "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(errors[0]["extensions"]["field"], "first", "{body}");
}

on_both_databases!(automatic_persisted_queries);
async fn automatic_persisted_queries(app: TestApp) {
    let query = "query Count { users { totalCount } }";
    let hash = sha256(query);
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let (_, _, miss) = post(&app, "application/json", json!({ "extensions": persisted })).await;
    assert_eq!(
        miss["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{miss}"
    );
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");
    let (_, _, registered) = post(
        &app,
        "application/json",
        json!({ "query": query, "extensions": persisted }),
    )
    .await;
    assert_eq!(registered["data"]["users"]["totalCount"], 0, "{registered}");
    let (_, _, hit) = post(&app, "application/json", json!({ "extensions": persisted })).await;
    assert_eq!(hit["data"]["users"]["totalCount"], 0, "{hit}");
    // GET, as CDNs cache it.
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("extensions", persisted.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["users"]["totalCount"], 0, "{body}");
}

/// The gate keeps parsed documents by their text: a document seen before must still run
/// with each request's own variables and operation name, and pass the same checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_seen_before_runs_with_each_requests_own_variables_and_operation() {
    let app = spawn_app(Backend::Sqlite).await;
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let document =
        "query One($id: UUID!) { user(id: $id) { email } } query Count { users { totalCount } }";
    let run = |operation: Option<&str>, variables: Value| {
        post(
            &app,
            "application/json",
            json!({ "query": document, "operationName": operation, "variables": variables }),
        )
    };
    for _ in 0..2 {
        let (_, _, one) = run(Some("One"), json!({ "id": ada })).await;
        assert_eq!(one["data"]["user"]["email"], "ada@example.com", "{one}");
        let (_, _, other) = run(Some("One"), json!({ "id": bob })).await;
        assert_eq!(other["data"]["user"]["email"], "bob@example.com", "{other}");
        let (_, _, count) = run(Some("Count"), json!({})).await;
        assert_eq!(count["data"]["users"]["totalCount"], 2, "{count}");
        let (_, _, unnamed) = run(None, json!({})).await;
        assert_eq!(
            unnamed["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{unnamed}"
        );
    }
    // A document that does not parse is reported each time, never remembered as something.
    for _ in 0..2 {
        assert_eq!(
            app.error_code("{ users { ", json!({})).await,
            "BAD_USER_INPUT"
        );
    }
    // A mutation already run over POST is still refused over GET.
    let mutation = r#"mutation { createPlan(input: { name: "Pro" }) { id } }"#;
    assert!(app.post(mutation, json!({})).await.get("errors").is_none());
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", mutation)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

/// The manifest GraphQL Code Generator wrote for the TypeScript example.
fn manifest_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/typescript/src/gql/persisted-documents.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_documents_run_and_nothing_else() {
    let path = manifest_path();
    let app = spawn_app_with(
        Backend::Sqlite,
        &["--trusted-documents", path.to_str().unwrap()],
    )
    .await;
    let manifest: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (create_user, _) = manifest
        .iter()
        .find(|(_, text)| text.contains("mutation CreateUser("))
        .expect("CreateUser");
    let by_hash = |hash: &str, variables: Value| {
        let persisted = json!({ "version": 1, "sha256Hash": hash });
        json!({ "variables": variables, "extensions": { "persistedQuery": persisted } })
    };
    let (_, _, created) = post(
        &app,
        "application/json",
        by_hash(
            create_user,
            json!({ "input": { "email": "t@example.com", "name": "T" } }),
        ),
    )
    .await;
    let id = uuid(&created["data"]["createUser"]["id"]);
    let (get_user, text) = manifest
        .iter()
        .find(|(_, text)| text.contains("query GetUser("))
        .expect("GetUser");
    let (_, _, found) = post(
        &app,
        "application/json",
        by_hash(get_user, json!({ "id": id })),
    )
    .await;
    assert_eq!(found["data"]["user"]["email"], "t@example.com", "{found}");
    // The identical text runs too; any other text, or an unknown hash, does not.
    let (_, _, same_text) = post(
        &app,
        "application/json",
        json!({ "query": text, "variables": { "id": id } }),
    )
    .await;
    assert_eq!(
        same_text["data"]["user"]["email"], "t@example.com",
        "{same_text}"
    );
    // Every document of the manifest is accepted (what fails, fails on its variables).
    for hash in manifest.keys() {
        let (_, _, body) = post(&app, "application/json", by_hash(hash, json!({}))).await;
        assert_ne!(
            body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_IN_LIST",
            "{hash}: {body}"
        );
    }
    for refused in [
        json!({ "query": "{ users { totalCount } }" }),
        by_hash(&sha256("{ users { totalCount } }"), json!({})),
    ] {
        let (_, _, body) = post(&app, "application/json", refused).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_IN_LIST",
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_only_for_configured_origins() {
    let app = spawn_app_with(Backend::Sqlite, &["--cors-origin", "https://app.example"]).await;
    let preflight = |origin: &'static str| {
        app.client()
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            )
            .send()
    };
    let allowed = preflight("https://app.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let closed = spawn_app(Backend::Sqlite).await;
    let response = closed
        .client()
        .post(closed.url("/graphql"))
        .header("origin", "https://app.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "CORS is off by default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_can_be_switched_off_and_the_playground_with_it() {
    let app = spawn_app_with(Backend::Sqlite, &["--no-introspection"]).await;
    app.create_user("ada@example.com", "Ada").await;
    let answer = async |query: &str| {
        let (status, _, body) = post(&app, "application/json", json!({ "query": query })).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert!(body.get("errors").is_none(), "{query}: {body}");
        body["data"].clone()
    };
    // Only the schema is hidden: the request runs, and ordinary fields answer beside it.
    assert_eq!(
        answer("{ __schema { types { name } } }").await,
        json!({ "__schema": null })
    );
    assert_eq!(
        answer("{ __type(name: \"User\") { name } }").await,
        json!({ "__type": null })
    );
    assert_eq!(
        answer("{ users { totalCount } __schema { queryType { name } } }").await,
        json!({ "users": { "totalCount": 1 }, "__schema": null })
    );
    let page = app.browse("/graphql").await;
    assert_eq!(page.status(), 404);
    // With introspection on, the same query tells the schema; and introspection nests
    // deeper than the depth limit, and is not refused for it.
    let open = spawn_app(Backend::Sqlite).await;
    let (_, _, body) = post(
        &open,
        "application/json",
        json!({ "query": "{ __schema { queryType { name } } }" }),
    )
    .await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body}"
    );
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { \
                ofType { ofType { ofType { name } } } } } } } } } } } } }";
    let (_, _, body) = post(&open, "application/json", json!({ "query": deep })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["__schema"]["types"]
            .as_array()
            .is_some_and(|types| !types.is_empty()),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_in_prometheus_format() {
    let app = spawn_app(Backend::Sqlite).await;
    app.data(
        "query Counting { users { totalCount nodes { plans { id } } } }",
        json!({}),
    )
    .await;
    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for metric in [
        "userplan_requests_total{operation=\"Counting\",outcome=\"ok\"}",
        "userplan_request_duration_seconds_bucket{operation=\"Counting\"",
        "userplan_sql_statements_per_request_bucket",
        "userplan_db_connections{state=\"idle\"}",
        "userplan_db_connections{state=\"in_use\"}",
    ] {
        assert!(text.contains(metric), "{metric} missing from:\n{text}");
    }
}
