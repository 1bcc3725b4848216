//! The request path under arbitrary input: random query texts (bytes, GraphQL-ish token
//! soup, valid queries with random damage), random variables, operation names and media
//! types, over POST and GET. Whatever comes in, the answer is a GraphQL response with a
//! client error code or data: never a 5xx, a panic, an internal error, or a server that
//! stops answering.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::{Value, json};

use crate::helpers::*;

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "...",
    "$v",
    "$v: Int",
    "=",
    "!",
    "@skip(if: true)",
    "@include(if: $v)",
    "query",
    "mutation",
    "subscription",
    "fragment F on User",
    "...F",
    "users",
    "plans",
    "user(id: $v)",
    "nodes",
    "edges",
    "node",
    "id",
    "email",
    "plans(first: 1000)",
    "users(first: -1)",
    "memberships(role: OWNER)",
    "totalCount",
    "__schema",
    "__typename",
    "a:",
    "b:",
    "\"",
    "\"x\"",
    "null",
    "1e999",
    "-0",
    "9999999999999999999",
    r#"createUser(input: { email: "f@z", name: "fuzz" })"#,
    "deleteUser(id: $v)",
    r#"addPlansToUser(userId: "x", planIds: [])"#,
    "#",
    "\n",
    ",",
];

const VALID: &[&str] = &[
    "query($v: Int) { users(first: $v) { totalCount nodes { id email plans { id name } } } }",
    "{ plans(first: 5, orderBy: { field: NAME, direction: DESC }) { \
     edges { cursor node { id users { id } } } } }",
    r#"mutation($v: String!) { createPlan(input: { name: $v }) { id userCount } }"#,
    "query($v: UUID!) { user(id: $v) { id memberships { role plan { id } } } }",
];

fn query_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,300}",
        prop::collection::vec(prop::sample::select(TOKENS), 0..80)
            .prop_map(|tokens| tokens.join(" ")),
        (
            prop::sample::select(VALID),
            prop::collection::vec((any::<prop::sample::Index>(), "\\PC{0,3}"), 1..6)
        )
            .prop_map(|(valid, damage)| {
                let mut text: Vec<char> = valid.chars().collect();
                for (at, insert) in damage {
                    let at = at.index(text.len());
                    text.splice(at..(at + 1).min(text.len()), insert.chars());
                }
                text.into_iter().collect()
            }),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |n| n.is_finite())
            .prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z$]{0,4}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Codes a client can be given for its own mistakes; anything else is a server fault.
const CLIENT_CODES: &[&str] = &[
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "METHOD_NOT_ALLOWED",
    "PERSISTED_QUERY_NOT_FOUND",
];

fn check(what: &str, status: u16, body: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(status, 200 | 400 | 405 | 413 | 415),
        "{what}: status {status}: {body}"
    );
    let body: Value = serde_json::from_str(body)
        .map_err(|err| TestCaseError::fail(format!("{what}: not JSON ({err}): {body}")))?;
    let errors = body
        .get("errors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    prop_assert!(
        !errors.is_empty() || body.get("data").is_some(),
        "{what}: {body}"
    );
    for error in errors {
        let code = error["extensions"]["code"].as_str().unwrap_or("(none)");
        prop_assert!(CLIENT_CODES.contains(&code), "{what}: code {code}: {body}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_requests_get_client_errors_never_server_faults() {
    let app = spawn_app(Backend::Sqlite).await;
    let config = Config {
        cases: 300,
        failure_persistence: None,
        max_shrink_iters: 500,
        ..Config::default()
    };
    let request = (
        query_text(),
        prop::option::of(json_value()),
        prop::option::of("[A-Za-z_]{0,8}"),
        any::<bool>(),
    );
    run_cases(
        config,
        request,
        async |(query, variables, operation, graphql_response)| {
            let accept = if graphql_response {
                "application/graphql-response+json"
            } else {
                "application/json"
            };
            let mut body = json!({ "query": query, "variables": variables });
            if let Some(operation) = &operation {
                body["operationName"] = json!(operation);
            }
            let response = app
                .client()
                .post(app.url("/graphql"))
                .header("accept", accept)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            check("POST", status, &response.text().await.unwrap())?;

            let mut params = vec![("query", query.clone())];
            if let Some(variables) = &variables {
                params.push(("variables", variables.to_string()));
            }
            let response = app
                .client()
                .get(app.url("/graphql"))
                .header("accept", accept)
                .query(&params)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            check("GET", status, &response.text().await.unwrap())
        },
    );
    let data = app.data("{ users { totalCount } }", json!({})).await;
    assert!(
        data["users"]["totalCount"].is_number(),
        "the server still answers"
    );
}
