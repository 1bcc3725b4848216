//! Argument values a server must refuse, or that name no row: malformed ids and cursors,
//! wrong types, unknown enum values, empty and oversized strings, invalid emails,
//! duplicates, unknown ids and page sizes.

use serde_json::json;
use uuid::Uuid;

use super::{Case, case, new_plan, new_user};
use crate::documents::*;

/// `user` owns `plan`; `other_user` is no member of it. The cursors are of the users
/// connection ordered by insertion time and by email.
pub fn cases(
    user: Uuid,
    other_user: Uuid,
    plan: Uuid,
    users_cursor: &str,
    emails_cursor: &str,
) -> Vec<Case> {
    let unknown = Uuid::now_v7();
    let long = |n: usize| "x".repeat(n);
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
    ]
}
