//! Reading values out of GraphQL responses.

use serde_json::Value;
use uuid::Uuid;

/// The `extensions.code` of a response's first error; `None` when it succeeded.
pub fn error_code(response: &Value) -> Option<&str> {
    response.get("errors").map(|errors| {
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("(no code)")
    })
}

pub fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a UUID: {value}"))
}

/// A `DateTime` in a response.
pub fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a DateTime: {value}"))
}

/// A list of ids in a response, as UUIDs.
pub fn uuids(value: &Value) -> Vec<Uuid> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(uuid)
        .collect()
}

/// The `id`s of a list of objects (`[{ "id": ... }]`).
pub fn node_ids(value: &Value) -> Vec<Uuid> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|node| uuid(&node["id"]))
        .collect()
}

/// Ids sorted, as the membership mutations' payloads report them.
pub fn sorted(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    ids
}
