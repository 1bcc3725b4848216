//! Requests that are wrong as a whole: documents that do not parse or validate, hostile
//! shapes (too deep, too wide, too costly, too many ids), and bodies that are not GraphQL
//! requests.

use serde_json::json;
use uuid::Uuid;

use super::{Case, Send, case};
use crate::documents::ADD_PLANS_TO_USER;

pub fn cases(user: Uuid) -> Vec<Case> {
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
