//! Text users really send: NUL (PostgreSQL text cannot hold it), control characters,
//! emails that are a taken address in another case or composition, lengths counted in
//! characters of non-ASCII text, and domains that cannot receive mail.

use serde_json::json;
use uuid::Uuid;

use super::{Case, case, new_plan, new_user};
use crate::documents::*;

/// The address of a user the runner creates; the cases below spell it otherwise.
pub const ZOE: &str = "zoë@example.com";

/// `user` is not Zoë; `plan` exists.
pub fn cases(user: Uuid, plan: Uuid) -> Vec<Case> {
    let bad = "BAD_USER_INPUT";
    vec![
        // NUL, in every text argument.
        case(
            "NUL in an email",
            CREATE_USER,
            new_user("a\u{0}@example.com", "A"),
            bad,
        )
        .field("input.email"),
        case(
            "NUL in a name",
            CREATE_USER,
            new_user("nul@example.com", "A\u{0}B"),
            bad,
        )
        .field("input.name"),
        case(
            "NUL in a description",
            CREATE_PLAN,
            json!({ "input": { "name": "P", "description": "line\u{0}" } }),
            bad,
        )
        .field("input.description"),
        case(
            "NUL in a new email",
            UPDATE_USER,
            json!({ "id": user, "input": { "email": "\u{0}b@example.com" } }),
            bad,
        )
        .field("input.email"),
        case(
            "NUL in a new plan name",
            UPDATE_PLAN,
            json!({ "id": plan, "input": { "name": "\u{0}" } }),
            bad,
        )
        .field("input.name"),
        case(
            "NUL in a new description",
            UPDATE_PLAN,
            json!({ "id": plan, "input": { "description": "\u{0}" } }),
            bad,
        )
        .field("input.description"),
        case(
            "NUL in the email filter",
            USERS,
            json!({ "filter": { "email": "ada@example.com\u{0}" } }),
            bad,
        )
        .field("filter.email"),
        case(
            "NUL in a user name filter",
            USERS,
            json!({ "filter": { "nameContains": "A\u{0}x" } }),
            bad,
        )
        .field("filter.nameContains"),
        case(
            "NUL in a plan name filter",
            PLANS,
            json!({ "filter": { "nameContains": "\u{0}" } }),
            bad,
        )
        .field("filter.nameContains"),
        // Other control characters.
        case(
            "bell in a name",
            CREATE_USER,
            new_user("bell@example.com", "Ding\u{7}"),
            bad,
        )
        .field("input.name"),
        case(
            "terminal escape in a name",
            CREATE_PLAN,
            new_plan("\u{1b}[31mRed"),
            bad,
        )
        .field("input.name"),
        case(
            "line break in a name",
            UPDATE_USER,
            json!({ "id": user, "input": { "name": "two\nlines" } }),
            bad,
        )
        .field("input.name"),
        case(
            "C1 control in a name",
            CREATE_USER,
            new_user("c1@example.com", "a\u{9b}b"),
            bad,
        )
        .field("input.name"),
        case(
            "backspace in an email",
            CREATE_USER,
            new_user("a\u{8}@example.com", "A"),
            bad,
        )
        .field("input.email"),
        case(
            "vertical tab in a description",
            CREATE_PLAN,
            json!({ "input": { "name": "P", "description": "a\u{b}b" } }),
            bad,
        )
        .field("input.description"),
        // Non-ASCII: one address however it is cased or composed; lengths in characters.
        case(
            "taken email in capitals",
            CREATE_USER,
            new_user("ZOË@EXAMPLE.COM", "Z"),
            "CONFLICT",
        ),
        case(
            "taken email decomposed",
            CREATE_USER,
            new_user("zoe\u{308}@Example.com", "Z"),
            "CONFLICT",
        ),
        case(
            "update to a taken email in another case",
            UPDATE_USER,
            json!({ "id": user, "input": { "email": "Zoë@example.COM" } }),
            "CONFLICT",
        ),
        case(
            "name of 201 accented letters",
            CREATE_USER,
            new_user("e@example.com", &"é".repeat(201)),
            bad,
        )
        .field("input.name"),
        case(
            "plan name of 201 emoji",
            CREATE_PLAN,
            new_plan(&"😀".repeat(201)),
            bad,
        )
        .field("input.name"),
        case(
            "email of 321 characters",
            CREATE_USER,
            new_user(&format!("{}@exämple.com", "ü".repeat(309)), "U"),
            bad,
        )
        .field("input.email"),
        // Domains that cannot receive mail.
        case("email of dots", CREATE_USER, new_user(".@.", "D"), bad).field("input.email"),
        case("email domain a dot", CREATE_USER, new_user("a@.", "D"), bad).field("input.email"),
        case(
            "email domain with an empty label",
            CREATE_USER,
            new_user("zoë@exämple..com", "D"),
            bad,
        )
        .field("input.email"),
        case(
            "email domain ending in a dot",
            UPDATE_USER,
            json!({ "id": user, "input": { "email": "a@example.com." } }),
            bad,
        )
        .field("input.email"),
        case(
            "email domain with a comma",
            CREATE_USER,
            new_user("a@example,com", "D"),
            bad,
        )
        .field("input.email"),
    ]
}
