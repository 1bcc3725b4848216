//! A call as the GraphQL request that makes it, and the response as an [`Outcome`].

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::operations::*;

/// add*/remove*/set* from either side, the payload's fields aliased alike. `role` and
/// `expected` are `Some` for the calls that take the argument (its value may be absent).
fn membership_request(
    vars: &mut Map<String, Value>,
    action: &str,
    side: Side,
    owner: Uuid,
    others: &[Uuid],
    role: Option<Option<&str>>,
    expected: Option<&Option<Vec<Uuid>>>,
) -> String {
    let (owner_name, other_name) = (side.name(), side.other().name());
    let (owner_lower, other_lower) = (owner_name.to_lowercase(), other_name.to_lowercase());
    let field = match action {
        "add" => format!("add{other_name}sTo{owner_name}"),
        "remove" => format!("remove{other_name}sFrom{owner_name}"),
        _ => format!("set{owner_name}{other_name}s"),
    };
    vars.insert("o".into(), json!(owner));
    vars.insert("l".into(), json!(others));
    let (mut params, mut args) = (String::new(), String::new());
    if let Some(role) = role {
        params += ", $r: MembershipRole";
        args += ", role: $r";
        if let Some(role) = role {
            vars.insert("r".into(), json!(role));
        }
    }
    if let Some(expected) = expected {
        params += ", $e: [UUID!]";
        args += &format!(", expected{other_name}Ids: $e");
        if let Some(expected) = expected {
            vars.insert("e".into(), json!(expected));
        }
    }
    format!(
        "mutation($o: UUID!, $l: [UUID!]!{params}) {{ \
         r: {field}({owner_lower}Id: $o, {other_lower}Ids: $l{args}) {{ \
         added: added{other_name}Ids removed: removed{other_name}Ids \
         unchanged: unchanged{other_name}Ids \
         owner: {owner_lower} {{ id count: {other_lower}Count }} }} }}"
    )
}

/// The GraphQL request for a call; the root field is aliased `r`, the payload's fields
/// get the same names from either side.
pub(crate) fn request(call: &Call) -> (String, Value) {
    let mut vars = Map::new();
    let query = match call {
        Call::Add {
            side,
            owner,
            others,
            role,
        } => membership_request(&mut vars, "add", *side, *owner, others, Some(*role), None),
        Call::Remove {
            side,
            owner,
            others,
        } => membership_request(&mut vars, "remove", *side, *owner, others, None, None),
        Call::Set {
            side,
            owner,
            others,
            role,
            expected,
        } => membership_request(
            &mut vars,
            "set",
            *side,
            *owner,
            others,
            Some(*role),
            Some(expected),
        ),
        Call::CreateUserPlan { user, plan, role } => {
            vars.insert("u".into(), json!(user));
            vars.insert("p".into(), json!(plan));
            if let Some(role) = role {
                vars.insert("r".into(), json!(role));
            }
            "mutation($u: UUID!, $p: UUID!, $r: MembershipRole) { \
             r: createUserPlan(input: { userId: $u, planId: $p, role: $r }) { \
             userId planId role } }"
                .to_owned()
        }
        Call::UpdateUserPlan { user, plan, role } => {
            vars.insert("u".into(), json!(user));
            vars.insert("p".into(), json!(plan));
            vars.insert("r".into(), json!(role));
            "mutation($u: UUID!, $p: UUID!, $r: MembershipRole!) { \
             r: updateUserPlan(userId: $u, planId: $p, role: $r) { userId planId role } }"
                .to_owned()
        }
        Call::DeleteUserPlan { user, plan } => {
            vars.insert("u".into(), json!(user));
            vars.insert("p".into(), json!(plan));
            "mutation($u: UUID!, $p: UUID!) { \
             r: deleteUserPlan(userId: $u, planId: $p) { userId planId role } }"
                .to_owned()
        }
        Call::Delete { kind, id } => {
            vars.insert("id".into(), json!(id));
            format!(
                "mutation($id: UUID!) {{ r: delete{}(id: $id) }}",
                kind.name()
            )
        }
        Call::Create {
            kind: Side::User,
            label,
        } => {
            vars.insert(
                "input".into(),
                json!({ "email": format!("{label}@example.com"), "name": label }),
            );
            "mutation($input: CreateUserInput!) { r: createUser(input: $input) { id } }".to_owned()
        }
        Call::Create {
            kind: Side::Plan,
            label,
        } => {
            vars.insert("input".into(), json!({ "name": label }));
            "mutation($input: CreatePlanInput!) { r: createPlan(input: $input) { id } }".to_owned()
        }
    };
    (query, Value::Object(vars))
}

fn id_list_of(value: &Value) -> Option<Vec<Uuid>> {
    value
        .as_array()?
        .iter()
        .map(|id| id.as_str()?.parse().ok())
        .collect()
}

/// What the server answered, as an [`Outcome`].
pub(crate) fn observe(call: &Call, response: &Value) -> Outcome {
    if let Some(error) = response.get("errors").and_then(|errors| errors.get(0)) {
        return match error["extensions"]["code"].as_str() {
            Some("NOT_FOUND") => match id_list_of(&error["extensions"]["ids"]) {
                Some(mut ids) => {
                    ids.sort();
                    Outcome::NotFound(ids)
                }
                None => Outcome::Unexpected(format!("NOT_FOUND without extensions.ids: {error}")),
            },
            Some("CONFLICT") => Outcome::Conflict,
            Some("FORBIDDEN") => Outcome::Forbidden,
            _ => Outcome::Unexpected(error.to_string()),
        };
    }
    let r = &response["data"]["r"];
    let parsed = match call {
        Call::Add { .. } | Call::Remove { .. } | Call::Set { .. } => (|| {
            Some(Outcome::Changes {
                added: id_list_of(&r["added"])?,
                removed: id_list_of(&r["removed"])?,
                unchanged: id_list_of(&r["unchanged"])?,
                owner: r["owner"]["id"].as_str()?.parse().ok()?,
                count: r["owner"]["count"].as_i64()?,
            })
        })(),
        Call::CreateUserPlan { .. } | Call::UpdateUserPlan { .. } | Call::DeleteUserPlan { .. } => {
            (|| {
                Some(Outcome::Membership {
                    user: r["userId"].as_str()?.parse().ok()?,
                    plan: r["planId"].as_str()?.parse().ok()?,
                    role: r["role"].as_str()?.to_owned(),
                })
            })()
        }
        Call::Delete { .. } => r
            .as_str()
            .and_then(|id| id.parse().ok())
            .map(Outcome::Deleted),
        Call::Create { .. } => r["id"]
            .as_str()
            .and_then(|id| id.parse::<Uuid>().ok())
            .map(|_| Outcome::Created),
    };
    parsed.unwrap_or_else(|| Outcome::Unexpected(format!("malformed response: {response}")))
}
