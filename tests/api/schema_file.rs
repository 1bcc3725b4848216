//! `schema.graphql` is what the code generates, and keeps every name of the contract.

use std::collections::HashMap;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

const REGENERATE: &str = "cargo run -- schema > schema.graphql";

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default();
    let generated = userplan::graphql::schema::sdl();
    assert!(
        committed == generated,
        "schema.graphql differs from the schema the code builds; regenerate it with `{REGENERATE}`"
    );
}

/// Every type, field, argument, input field and enum value of the contract, with its type
/// written out (so nullability and list shape count), keyed by a path like `User.plans(role)`.
fn signatures(sdl: &str) -> HashMap<String, String> {
    let document = parse_schema(sdl).expect("SDL parses");
    let mut names = HashMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = definition.node;
        let type_name = definition.name.node.to_string();
        match definition.kind {
            TypeKind::Scalar => {
                names.insert(type_name, "scalar".to_owned());
            }
            TypeKind::Object(object) => {
                names.insert(type_name.clone(), "type".to_owned());
                for field in object.fields {
                    let field = field.node;
                    let path = format!("{type_name}.{}", field.name.node);
                    for argument in field.arguments {
                        let argument = argument.node;
                        names.insert(
                            format!("{path}({})", argument.name.node),
                            argument.ty.node.to_string(),
                        );
                    }
                    names.insert(path, field.ty.node.to_string());
                }
            }
            TypeKind::InputObject(input) => {
                names.insert(type_name.clone(), "input".to_owned());
                for field in input.fields {
                    let field = field.node;
                    names.insert(
                        format!("{type_name}.{}", field.name.node),
                        field.ty.node.to_string(),
                    );
                }
            }
            TypeKind::Enum(enumeration) => {
                names.insert(type_name.clone(), "enum".to_owned());
                for value in enumeration.values {
                    names.insert(
                        format!("{type_name}.{}", value.node.value.node),
                        "value".to_owned(),
                    );
                }
            }
            TypeKind::Interface(_) | TypeKind::Union(_) => {
                names.insert(type_name, "abstract".to_owned());
            }
        }
    }
    names
}

#[test]
fn schema_keeps_every_contract_name_and_nullability() {
    let contract = signatures(include_str!("../contract.graphql"));
    let ours = signatures(&userplan::graphql::schema::sdl());
    let mut missing = Vec::new();
    for (path, signature) in &contract {
        match ours.get(path) {
            Some(ours) if ours == signature => {}
            Some(ours) => missing.push(format!(
                "{path}: contract says {signature}, schema has {ours}"
            )),
            None => missing.push(format!("{path}: missing")),
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "the schema breaks the contract:\n{}",
        missing.join("\n")
    );
}
