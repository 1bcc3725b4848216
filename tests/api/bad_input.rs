//! Every kind of bad request, table-driven: each case gets its exact `extensions.code` (and
//! HTTP status, and `extensions.field` where an argument is to blame), and afterwards all
//! three tables are exactly as they were. Text cases (NUL, control characters, non-ASCII
//! case and length) are in `text.rs`.

mod arguments;
mod requests;
mod text;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_databases;

/// How a case reaches the server.
enum Send {
    /// POST application/json with this query and these variables.
    Query(String, Value),
    /// POST this raw body with this content type.
    Raw(&'static str, Vec<u8>),
    /// GET with this query.
    Get(String),
}

struct Case {
    name: &'static str,
    send: Send,
    status: u16,
    code: &'static str,
    /// The argument `extensions.field` names.
    field: Option<&'static str>,
}

impl Case {
    fn field(self, field: &'static str) -> Self {
        Case {
            field: Some(field),
            ..self
        }
    }
}

fn case(
    name: &'static str,
    query: impl Into<String>,
    variables: Value,
    code: &'static str,
) -> Case {
    Case {
        name,
        send: Send::Query(query.into(), variables),
        status: 200,
        code,
        field: None,
    }
}

/// createUser's variables.
fn new_user(email: &str, name: &str) -> Value {
    json!({ "input": { "email": email, "name": name } })
}

/// createPlan's variables.
fn new_plan(name: &str) -> Value {
    json!({ "input": { "name": name } })
}

on_both_databases!(each_bad_request_gets_its_code_and_changes_nothing);
async fn each_bad_request_gets_its_code_and_changes_nothing(app: TestApp) {
    let fixture = app
        .fixture()
        .user("ada@example.com", "Ada")
        .user("bob@example.com", "Bob")
        .plan("Pro")
        .user(text::ZOE, "Zoë")
        .create_user_plan(0, 0, "OWNER")
        .build()
        .await;
    let (user, other_user, plan) = (fixture.users[0], fixture.users[1], fixture.plans[0]);
    let cursor = |data: &Value, root: &str| {
        data[root]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let by_email = app
        .data(
            "{ users(first: 1, orderBy: { field: EMAIL, direction: ASC }) { \
             pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let by_time = app
        .data("{ users(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let mut cases = arguments::cases(
        user,
        other_user,
        plan,
        &cursor(&by_time, "users"),
        &cursor(&by_email, "users"),
    );
    cases.extend(requests::cases(user));
    cases.extend(text::cases(other_user, plan));
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let before = app.snapshot().await;
    for case in cases {
        let request = match &case.send {
            Send::Query(query, variables) => app
                .client()
                .post(app.url("/graphql"))
                .json(&json!({ "query": query, "variables": variables })),
            Send::Raw(content_type, body) => app
                .client()
                .post(app.url("/graphql"))
                .header("content-type", *content_type)
                .body(body.clone()),
            Send::Get(query) => app
                .client()
                .get(app.url("/graphql"))
                .query(&[("query", query)]),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), case.status, "{}", case.name);
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|err| panic!("{}: not JSON: {err}", case.name));
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], case.code,
            "{}: {body:#}",
            case.name
        );
        if let Some(field) = case.field {
            assert_eq!(
                error["extensions"]["field"], field,
                "{}: {body:#}",
                case.name
            );
        }
        assert!(
            error["extensions"]["requestId"].is_string(),
            "{}: {body:#}",
            case.name
        );
        let message = error["message"].as_str().unwrap_or_default().to_lowercase();
        for leak in [
            "select ", "insert ", "sqlx", "sqlite", "postgres", "panicked", ".rs:",
        ] {
            assert!(
                !message.contains(leak),
                "{}: leaks {leak:?}: {message}",
                case.name
            );
        }
        assert_eq!(
            app.snapshot().await,
            before,
            "{}: the tables changed",
            case.name
        );
    }
    // And the server still serves.
    let data = app
        .data(
            "query($u: UUID!) { user(id: $u) { email planCount } }",
            json!({ "u": user }),
        )
        .await;
    assert_eq!(data["user"]["planCount"], 1);
}
