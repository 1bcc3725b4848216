//! Every kind of bad request, table-driven: each case gets its exact `extensions.code` (and
//! HTTP status, and `extensions.field` where an argument is to blame), and afterwards all
//! three tables are exactly as they were. Text cases (NUL, control characters, non-ASCII
//! case and length) are in `text.rs`.

mod text;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::documents::*;
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

fn cases(
    user: Uuid,
    other_user: Uuid,
    plan: Uuid,
    users_cursor: &str,
    emails_cursor: &str,
) -> Vec<Case> {
    let unknown = Uuid::now_v7();
    let long = |n: usize| "x".repeat(n);
    let deep = format!(
        "query($u: UUID!) {{ user(id: $u) {{ {}id{} }} }}",
        "plans(first: 1) { users(first: 1) { ".repeat(6),
        " } }".repeat(6)
    );
    let wide = format!(
        "{{ {} }}",
        (0..1001)
            .map(|i| format!("a{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let alias_bomb = format!(
        "{{ {} }}",
        (0..20)
            .map(|i| format!(
                "a{i}: users(first: 1000) {{ nodes {{ plans(first: 1000) {{ id }} }} }}"
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let too_many_ids: Vec<Uuid> = (0..10_001).map(|_| Uuid::now_v7()).collect();
    let big_body = format!(
        r#"{{"query": "{{ users {{ totalCount }} }}", "variables": {{ "pad": "{}" }} }}"#,
        long(1024 * 1024)
    );
    let batch = |n: usize| {
        serde_json::to_vec(&vec![json!({ "query": "{ users { totalCount } }" }); n]).unwrap()
    };
    let u = json!({ "u": user });
    vec![
        // Malformed UUIDs.
        case(
            "user id not a uuid",
            r#"{ user(id: "nope") { id } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "plan id not a uuid",
            r#"{ plan(id: "123") { id } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "userPlan id not a uuid",
            "query($p: UUID!) { userPlan(userId: \"x\", planId: $p) { role } }",
            json!({ "p": plan }),
            "BAD_USER_INPUT",
        ),
        case(
            "deleteUser id not a uuid",
            r#"mutation { deleteUser(id: "zz") }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "uuid variable malformed",
            "query($id: UUID!) { user(id: $id) { id } }",
            json!({ "id": "not-a-uuid" }),
            "BAD_USER_INPUT",
        ),
        case(
            "uuid in a list malformed",
            ADD_PLANS_TO_USER,
            json!({ "userId": user, "planIds": ["bad"] }),
            "BAD_USER_INPUT",
        ),
        case(
            "expected ids malformed",
            "mutation($u: UUID!) { \
             setUserPlans(userId: $u, planIds: [], expectedPlanIds: [\"x\"]) { addedPlanIds } }",
            u.clone(),
            "BAD_USER_INPUT",
        ),
        // Cursors.
        case(
            "cursor garbage",
            r#"{ users(after: "garbage") { totalCount } }"#,
            json!({}),
            "BAD_USER_INPUT",
        )
        .field("after"),
        case(
            "cursor not base64",
            r#"{ users(before: "%%%", last: 1) { totalCount } }"#,
            json!({}),
            "BAD_USER_INPUT",
        )
        .field("before"),
        case(
            "cursor of another ordering",
            "query($c: String!) { users(after: $c, orderBy: { \
             field: INSERTED_AT, direction: ASC }) { totalCount } }",
            json!({ "c": emails_cursor }),
            "BAD_USER_INPUT",
        )
        .field("after"),
        case(
            "user cursor on plans",
            "query($c: String!) { plans(after: $c) { totalCount } }",
            json!({ "c": users_cursor }),
            "BAD_USER_INPUT",
        )
        .field("after"),
        // Wrong types.
        case(
            "first is a string",
            r#"{ users(first: "ten") { totalCount } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "email is a number",
            r#"mutation { createUser(input: { email: 5, name: "x" }) { id } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "id is a number",
            "{ user(id: 5) { id } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "variable of the wrong type",
            "query($n: Int) { users(first: $n) { totalCount } }",
            json!({ "n": "x" }),
            "BAD_USER_INPUT",
        ),
        case(
            "input is not an object",
            r#"mutation { createUser(input: "ada") { id } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "null for a required input",
            CREATE_USER,
            json!({ "input": { "email": null, "name": "x" } }),
            "BAD_USER_INPUT",
        ),
        // Unknown enum values.
        case(
            "unknown sort field",
            "{ users(orderBy: { field: AGE, direction: ASC }) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "unknown direction",
            "{ plans(orderBy: { field: NAME, direction: UP }) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "unknown role",
            "mutation($u: UUID!, $p: UUID!) { createUserPlan(input: { \
             userId: $u, planId: $p, role: KING }) { role } }",
            json!({ "u": other_user, "p": plan }),
            "BAD_USER_INPUT",
        ),
        case(
            "first is a boolean",
            "{ plans(first: true) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "role variable unknown",
            "query($u: UUID!, $r: MembershipRole) { user(id: $u) { plans(role: $r) { id } } }",
            json!({ "u": user, "r": "KING" }),
            "BAD_USER_INPUT",
        ),
        // Empty and oversized strings.
        case(
            "empty user name",
            CREATE_USER,
            new_user("new@example.com", ""),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "blank user name",
            CREATE_USER,
            new_user("new@example.com", "   "),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "user name too long",
            CREATE_USER,
            new_user("new@example.com", &long(201)),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "empty plan name",
            CREATE_PLAN,
            new_plan(""),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "plan name too long",
            CREATE_PLAN,
            new_plan(&long(201)),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "description too long",
            CREATE_PLAN,
            json!({ "input": { "name": "ok", "description": long(2001) } }),
            "BAD_USER_INPUT",
        )
        .field("input.description"),
        case(
            "update to an empty name",
            "mutation($u: UUID!) { updateUser(id: $u, input: { name: \"\" }) { id } }",
            u.clone(),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "update plan name too long",
            UPDATE_PLAN,
            json!({ "id": plan, "input": { "name": long(201) } }),
            "BAD_USER_INPUT",
        )
        .field("input.name"),
        case(
            "email too long",
            CREATE_USER,
            new_user(&format!("{}@example.com", long(320)), "x"),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        // Invalid emails.
        case(
            "email without @",
            CREATE_USER,
            new_user("plain", "x"),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        case(
            "email with two @",
            CREATE_USER,
            new_user("a@b@c", "x"),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        case(
            "email with a space",
            CREATE_USER,
            new_user("a b@c", "x"),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        case(
            "email without local part",
            CREATE_USER,
            new_user("@x", "x"),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        case(
            "email without domain",
            CREATE_USER,
            new_user("x@", "x"),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        case(
            "update to a bad email",
            "mutation($u: UUID!) { updateUser(id: $u, input: { email: \"bad\" }) { id } }",
            u.clone(),
            "BAD_USER_INPUT",
        )
        .field("input.email"),
        // Duplicates.
        case(
            "email taken",
            CREATE_USER,
            new_user("ada@example.com", "Other"),
            "CONFLICT",
        ),
        case(
            "email taken in another case",
            CREATE_USER,
            new_user("ADA@Example.COM", "Other"),
            "CONFLICT",
        ),
        case(
            "membership exists",
            CREATE_USER_PLAN,
            json!({ "userId": user, "planId": plan }),
            "CONFLICT",
        ),
        case(
            "update to a taken email",
            "mutation($u: UUID!) { \
             updateUser(id: $u, input: { email: \"ada@example.com\" }) { id } }",
            json!({ "u": other_user }),
            "CONFLICT",
        ),
        case(
            "expected set differs",
            "mutation($u: UUID!) { \
             setUserPlans(userId: $u, planIds: [], expectedPlanIds: []) { removedPlanIds } }",
            u.clone(),
            "CONFLICT",
        ),
        // Unknown ids, alone and in batches.
        case(
            "unknown plan among known",
            ADD_PLANS_TO_USER,
            json!({ "userId": user, "planIds": [plan, unknown] }),
            "NOT_FOUND",
        ),
        case(
            "unknown owner of an append",
            ADD_PLANS_TO_USER,
            json!({ "userId": unknown, "planIds": [plan] }),
            "NOT_FOUND",
        ),
        case(
            "unknown user added to a plan",
            ADD_USERS_TO_PLAN,
            json!({ "planId": plan, "userIds": [other_user, unknown] }),
            "NOT_FOUND",
        ),
        case(
            "unknown user set on a plan",
            SET_PLAN_USERS,
            json!({ "planId": plan, "userIds": [unknown] }),
            "NOT_FOUND",
        ),
        case(
            "unknown plan set on a user",
            SET_USER_PLANS,
            json!({ "userId": user, "planIds": [unknown] }),
            "NOT_FOUND",
        ),
        case(
            "unknown owner of a removal",
            REMOVE_PLANS_FROM_USER,
            json!({ "userId": unknown, "planIds": [plan] }),
            "NOT_FOUND",
        ),
        case(
            "delete an unknown user",
            DELETE_USER,
            json!({ "id": unknown }),
            "NOT_FOUND",
        ),
        case(
            "delete an unknown plan",
            DELETE_PLAN,
            json!({ "id": unknown }),
            "NOT_FOUND",
        ),
        case(
            "update an unknown user",
            UPDATE_USER,
            json!({ "id": unknown, "input": { "name": "x" } }),
            "NOT_FOUND",
        ),
        case(
            "update an unknown membership",
            UPDATE_USER_PLAN,
            json!({ "userId": user, "planId": unknown, "role": "ADMIN" }),
            "NOT_FOUND",
        ),
        case(
            "delete an unknown membership",
            DELETE_USER_PLAN,
            json!({ "userId": unknown, "planId": plan }),
            "NOT_FOUND",
        ),
        case(
            "membership of an unknown plan",
            CREATE_USER_PLAN,
            json!({ "userId": user, "planId": unknown }),
            "NOT_FOUND",
        ),
        // Page sizes: refused, never clamped.
        case(
            "first above the cap",
            "{ users(first: 1001) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        )
        .field("first"),
        case(
            "negative first",
            "{ users(first: -1) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        )
        .field("first"),
        case(
            "nested first above the cap",
            "query($u: UUID!) { user(id: $u) { plans(first: 5000) { id } } }",
            u.clone(),
            "BAD_USER_INPUT",
        )
        .field("first"),
        case(
            "last above the cap",
            "{ plans(last: 2000) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        )
        .field("last"),
        // Broken documents.
        case("syntax error", "{ users { ", json!({}), "BAD_USER_INPUT"),
        case(
            "unknown field",
            "{ users { nodes { age } } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "missing required argument",
            "{ user { id } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "fragment cycle",
            "query($u: UUID!) { user(id: $u) { ...A } } \
             fragment A on User { plans { users { ...B } } } fragment B on User { ...A }",
            u.clone(),
            "BAD_USER_INPUT",
        ),
        case(
            "two operations, no name",
            "query A { users { totalCount } } query B { plans { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        // Hostile shapes.
        case("too deep", deep, u.clone(), "BAD_USER_INPUT"),
        case("too wide", wide, json!({}), "BAD_USER_INPUT"),
        case("alias bomb", alias_bomb, json!({}), "BAD_USER_INPUT"),
        case(
            "too many ids",
            ADD_PLANS_TO_USER,
            json!({ "userId": user, "planIds": too_many_ids }),
            "BAD_USER_INPUT",
        )
        .field("planIds"),
        // Bodies that are not GraphQL requests.
        Case {
            name: "invalid JSON",
            send: Send::Raw("application/json", b"{\"query\": ".to_vec()),
            status: 400,
            code: "BAD_USER_INPUT",
            field: None,
        },
        Case {
            name: "JSON that is not a request",
            send: Send::Raw("application/json", b"42".to_vec()),
            status: 400,
            code: "BAD_USER_INPUT",
            field: None,
        },
        Case {
            name: "wrong content type",
            send: Send::Raw("text/plain", b"{ users { totalCount } }".to_vec()),
            status: 415,
            code: "BAD_USER_INPUT",
            field: None,
        },
        Case {
            name: "body too large",
            send: Send::Raw("application/json", big_body.into_bytes()),
            status: 413,
            code: "BAD_USER_INPUT",
            field: None,
        },
        Case {
            name: "empty batch",
            send: Send::Raw("application/json", b"[]".to_vec()),
            status: 400,
            code: "BAD_USER_INPUT",
            field: None,
        },
        Case {
            name: "batch too large",
            send: Send::Raw("application/json", batch(11)),
            status: 400,
            code: "BAD_USER_INPUT",
            field: None,
        },
        Case {
            name: "mutation over GET",
            send: Send::Get(format!("mutation {{ deleteUser(id: \"{user}\") }}")),
            status: 405,
            code: "METHOD_NOT_ALLOWED",
            field: None,
        },
    ]
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
    let mut cases = cases(
        user,
        other_user,
        plan,
        &cursor(&by_time, "users"),
        &cursor(&by_email, "users"),
    );
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
