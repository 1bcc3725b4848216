//! Field errors as the GraphQL specification handles them: the field that failed is null
//! in `data`, and a null where the schema promises a value (a non-null field or list item)
//! makes its parent null instead, up to the nearest nullable place, `data` itself at the
//! end ("Handling Field Errors", October 2021 §6.4.4).
//!
//! async-graphql 7.1 and later leave the failed field out of its object instead, so a
//! client's normalized cache (Apollo, urql) reads an object missing a field the schema
//! says is always there. The response is mended here, after execution, from the error's
//! path, the document's selections (a path names response keys, which may be aliases) and
//! the schema's types. Only responses with field errors pay for it.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationType, Selection,
    SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Response, Value};

/// The declared type of every field of every object type, read from the schema's SDL.
pub struct FieldTypes(HashMap<String, HashMap<String, Type>>);

impl FieldTypes {
    pub fn of_sdl(sdl: &str) -> Self {
        let document = async_graphql::parser::parse_schema(sdl).expect("the schema's own SDL");
        let mut types = HashMap::new();
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(definition) = definition
                && let TypeKind::Object(object) = definition.node.kind
            {
                let fields = object
                    .fields
                    .into_iter()
                    .map(|field| (field.node.name.node.to_string(), field.node.ty.node))
                    .collect();
                types.insert(definition.node.name.node.to_string(), fields);
            }
        }
        FieldTypes(types)
    }

    fn field(&self, object: &str, field: &str) -> Option<&Type> {
        self.0.get(object)?.get(field)
    }
}

/// One place along an error's path: the JSON path to it, and whether the schema lets it be
/// null.
struct Place {
    path: Vec<PathSegment>,
    nullable: bool,
}

/// Nulls each failed field of `response` and propagates those nulls as the specification
/// says. `document` is the document the response answers.
pub fn propagate(
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    kind: OperationType,
    response: &mut Response,
) {
    if response.errors.iter().all(|error| error.path.is_empty()) {
        return;
    }
    let Some(root) = operation_set(document, operation_name) else {
        return;
    };
    let root_type = match kind {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    };
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .map(|error| error.path.clone())
        .collect();
    for path in paths {
        let Some(places) = places(types, document, root, root_type, &path) else {
            continue;
        };
        // The failed field, then each parent while the place just nulled may not be null.
        for place in places.iter().rev() {
            if !set_null(&mut response.data, &place.path) {
                break;
            }
            if place.nullable {
                break;
            }
            if place.path.len() == 1 {
                response.data = Value::Null;
            }
        }
    }
}

/// The selection set of the operation the request ran.
fn operation_set<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a SelectionSet> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) => operations.values().next()?,
    };
    Some(&operation.node.selection_set.node)
}

/// The places from the root to the end of `path`, each with its nullability; `None` when
/// the path does not follow the document and the schema (then nothing is changed).
fn places(
    types: &FieldTypes,
    document: &ExecutableDocument,
    root: &SelectionSet,
    root_type: &str,
    path: &[PathSegment],
) -> Option<Vec<Place>> {
    let mut places = Vec::new();
    let mut sets = vec![root];
    let mut object = root_type.to_owned();
    let mut at = 0;
    while at < path.len() {
        let PathSegment::Field(key) = &path[at] else {
            return None;
        };
        let mut fields = Vec::new();
        for set in &sets {
            occurrences(document, set, key, &mut fields);
        }
        let field_type = types.field(&object, fields.first()?.name.node.as_str())?;
        at += 1;
        places.push(Place {
            path: path[..at].to_vec(),
            nullable: field_type.nullable,
        });
        let mut ty = field_type;
        while let BaseType::List(item) = &ty.base {
            match path.get(at) {
                Some(PathSegment::Index(_)) => {
                    at += 1;
                    places.push(Place {
                        path: path[..at].to_vec(),
                        nullable: item.nullable,
                    });
                    ty = item;
                }
                _ => break,
            }
        }
        let BaseType::Named(name) = &ty.base else {
            // The path ends at a list (the list field itself failed).
            break;
        };
        object = name.to_string();
        sets = fields
            .iter()
            .map(|field| &field.selection_set.node)
            .collect();
    }
    (at == path.len()).then_some(places)
}

/// The fields of `set` (through fragments) answered under the response key `key`.
fn occurrences<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    key: &str,
    found: &mut Vec<&'a Field>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) if field.node.response_key().node.as_str() == key => {
                found.push(&field.node)
            }
            Selection::Field(_) => {}
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    occurrences(document, &fragment.node.selection_set.node, key, found);
                }
            }
            Selection::InlineFragment(fragment) => {
                occurrences(document, &fragment.node.selection_set.node, key, found)
            }
        }
    }
}

/// Makes the value at `path` null; false when a place above it is null (or missing)
/// already, so there is nothing left to change.
fn set_null(data: &mut Value, path: &[PathSegment]) -> bool {
    let Some((last, above)) = path.split_last() else {
        return false;
    };
    let mut value = data;
    for segment in above {
        value = match (value, segment) {
            (Value::Object(fields), PathSegment::Field(key)) => {
                match fields.get_mut(key.as_str()) {
                    Some(next) => next,
                    None => return false,
                }
            }
            (Value::List(items), PathSegment::Index(index)) => match items.get_mut(*index) {
                Some(next) => next,
                None => return false,
            },
            _ => return false,
        };
    }
    match (value, last) {
        (Value::Object(fields), PathSegment::Field(key)) => {
            fields.insert(Name::new(key), Value::Null);
            true
        }
        (Value::List(items), PathSegment::Index(index)) if *index < items.len() => {
            items[*index] = Value::Null;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::ServerError;

    const SDL: &str = "type Query { user(id: ID!): User me: User! users: [User!]! }
        type User { name: String! plans: [Plan!]! nick: String friends: [User] }
        type Plan { name: String! }";

    fn mended(query: &str, data: Value, path: Vec<PathSegment>) -> Value {
        let mut error = ServerError::new("failed", None);
        error.path = path;
        let mut response = Response::new(data);
        response.errors.push(error);
        propagate(
            &FieldTypes::of_sdl(SDL),
            &async_graphql::parser::parse_query(query).unwrap(),
            None,
            OperationType::Query,
            &mut response,
        );
        response.data
    }

    fn field(name: &str) -> PathSegment {
        PathSegment::Field(name.to_owned())
    }

    #[test]
    fn a_failed_non_null_field_nulls_its_nullable_parent() {
        let query = "{ ok: user(id: 1) { name } bad: user(id: 2) { name plans { name } } }";
        let data = async_graphql::value!({ "ok": { "name": "A" }, "bad": { "name": "B" } });
        let expected = async_graphql::value!({ "ok": { "name": "A" }, "bad": null });
        assert_eq!(
            mended(query, data, vec![field("bad"), field("plans")]),
            expected
        );
    }

    #[test]
    fn a_failed_nullable_field_is_null_and_nothing_else_changes() {
        let query = "{ user(id: 1) { name nick } }";
        let data = async_graphql::value!({ "user": { "name": "A" } });
        let expected = async_graphql::value!({ "user": { "name": "A", "nick": null } });
        assert_eq!(
            mended(query, data, vec![field("user"), field("nick")]),
            expected
        );
    }

    #[test]
    fn non_null_all_the_way_up_nulls_data() {
        let query = "{ me { plans { name } } }";
        let data = async_graphql::value!({ "me": {} });
        assert_eq!(
            mended(query, data, vec![field("me"), field("plans")]),
            Value::Null
        );
    }

    #[test]
    fn list_items_follow_their_own_nullability_through_fragments() {
        // `users: [User!]!` inside the non-null `me`: a failed item nulls the whole list,
        // which nulls `me`, which nulls data. `friends: [User]` keeps its other items.
        let query = "{ user(id: 1) { ...F } } fragment F on User { friends { name } }";
        let data = async_graphql::value!({ "user": { "friends": [{ "name": "A" }, {}] } });
        let path = vec![
            field("user"),
            field("friends"),
            PathSegment::Index(1),
            field("name"),
        ];
        let expected = async_graphql::value!({ "user": { "friends": [{ "name": "A" }, null] } });
        assert_eq!(mended(query, data, path), expected);
        let data = async_graphql::value!({ "users": [{ "name": "A" }, {}] });
        let path = vec![field("users"), PathSegment::Index(1), field("name")];
        assert_eq!(mended("{ users { name } }", data, path), Value::Null);
    }
}
