//! The HTTP surface: GET and POST, batching, health and readiness, error codes
//! for requests async-graphql rejects itself.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(get_runs_queries_and_refuses_mutations);
async fn get_runs_queries_and_refuses_mutations(app: TestApp) {
    let id = app.create_user("get@example.com", "Get").await;
    let query = format!("{{ user(id: \"{id}\") {{ email }} }}");
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", query.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["user"]["email"], "get@example.com");

    let before = app.snapshot().await;
    let mutation = format!("mutation {{ deleteUser(id: \"{id}\") }}");
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", mutation.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    assert_eq!(app.snapshot().await, before, "the mutation did not run");
}

on_both_databases!(health_and_readiness);
async fn health_and_readiness(app: TestApp) {
    let health = app.client().get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client().get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

on_both_databases!(batched_requests_answer_in_order);
async fn batched_requests_answer_in_order(app: TestApp) {
    app.create_user("batch@example.com", "Batch").await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!([
            { "query": "{ users { totalCount } }" },
            { "query": "{ plans { totalCount } }" },
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["data"]["users"]["totalCount"], 1);
    assert_eq!(body[1]["data"]["plans"]["totalCount"], 0);
}

on_both_databases!(content_type_follows_accept);
async fn content_type_follows_accept(app: TestApp) {
    let post = |accept: &'static str| {
        app.client()
            .post(app.url("/graphql"))
            .header("accept", accept)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };
    let plain = post("application/json").await.unwrap();
    assert_eq!(plain.headers()["content-type"], "application/json");
    let modern = post("application/graphql-response+json, application/json;q=0.9")
        .await
        .unwrap();
    assert_eq!(
        modern.headers()["content-type"],
        "application/graphql-response+json"
    );
    // Caches must keep the two apart, and the page apart from a GET's JSON.
    let page = app.browse("/graphql").await;
    let get = app
        .client()
        .get(app.url("/graphql?query={__typename}"))
        .send()
        .await
        .unwrap();
    for response in [&plain, &modern, &page, &get] {
        let vary: Vec<&str> = response
            .headers()
            .get_all("vary")
            .iter()
            .map(|value| value.to_str().unwrap())
            .collect();
        assert!(
            vary.iter().any(|value| value
                .split(',')
                .any(|name| name.trim().eq_ignore_ascii_case("accept"))),
            "{} {vary:?}",
            response.url()
        );
    }
}

on_both_databases!(a_get_without_a_query_says_what_it_needs);
async fn a_get_without_a_query_says_what_it_needs(app: TestApp) {
    let response = app.client().get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("`query` parameter") && !message.contains("-->"),
        "{message}"
    );
}

on_both_databases!(requests_graphql_rejects_carry_a_code);
async fn requests_graphql_rejects_carry_a_code(app: TestApp) {
    for (query, variables) in [
        ("{ nope }", json!({})),
        ("{ users { ", json!({})),
        (
            "query($id: UUID!) { user(id: $id) { id } }",
            json!({ "id": "not-a-uuid" }),
        ),
        ("query($id: UUID!) { user(id: $id) { id } }", json!({})),
        (
            "query($r: MembershipRole) { users { nodes { plans(role: $r) { id } } } }",
            json!({ "r": "KING" }),
        ),
        (
            "query($f: Int) { users(first: $f) { totalCount } }",
            json!({ "f": "ten" }),
        ),
    ] {
        let error = app.error(query, variables.clone()).await;
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{query} {variables}: {error}"
        );
    }
}

on_both_databases!(errors_never_leak_sql);
async fn errors_never_leak_sql(app: TestApp) {
    let fixture = app
        .fixture()
        .user("leak@example.com", "Leak")
        .plan("Leak")
        .create_user_plan(0, 0, "MEMBER")
        .build()
        .await;
    let (user, plan) = (fixture.users[0], fixture.plans[0]);
    let error = app.create_user_plan(user, plan).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    let text = error.to_string().to_lowercase();
    for leak in [
        "insert",
        "select",
        "constraint",
        "sqlite",
        "postgres",
        "duplicate key",
    ] {
        assert!(!text.contains(leak), "error leaks {leak:?}: {error}");
    }
}

on_both_databases!(database_failures_are_internal_errors_without_detail);
async fn database_failures_are_internal_errors_without_detail(app: TestApp) {
    let user = app.create_user("broken@example.com", "Broken").await;
    // Break the schema under the running server: the next statement on it fails.
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE user_plans")
        .await
        .unwrap();
    let error = app
        .error(
            "query($id: UUID!) { user(id: $id) { planCount } }",
            json!({ "id": user }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(error["message"], "internal server error");
    // The server keeps serving what still works.
    let data = app
        .data(
            "query($id: UUID!) { user(id: $id) { email } }",
            json!({ "id": user }),
        )
        .await;
    assert_eq!(data["user"]["email"], "broken@example.com");
}

/// A database that cannot be reached gives a retryable error, quickly, and `/ready` says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_database_is_service_unavailable() {
    // Nothing listens on port 1; the pool connects lazily, so the server starts anyway.
    let mut options = sea_orm::ConnectOptions::new("postgres://postgres@127.0.0.1:1/none");
    options
        .connect_lazy(true)
        .connect_timeout(std::time::Duration::from_secs(2))
        .acquire_timeout(std::time::Duration::from_secs(2));
    let db = sea_orm::Database::connect(options).await.unwrap();
    let address = serve_on_pool(db).await;
    let client = reqwest::Client::new();

    let started = std::time::Instant::now();
    let response: Value = client
        .post(format!("http://{address}/graphql"))
        .json(&json!({ "query": "{ users { totalCount } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{response}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "fails fast, does not hang"
    );
    let ready = client
        .get(format!("http://{address}/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}
