//! `schema.graphql` is what the code generates and what the running server introspects,
//! and keeps every name of the contract.

use std::collections::{BTreeSet, HashMap};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::json;

use crate::canonical_schema::{Facts, from_introspection, from_sdl, without_implicit_built_ins};
use crate::helpers::TestApp;
use crate::on_both_databases;

const REGENERATE: &str = "cargo run -- schema > schema.graphql";

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default()
}

#[test]
fn committed_schema_matches_the_code() {
    let committed = committed();
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

/// What `schema.graphql` must match: the query GraphQL tools send, graphql-js's
/// `getIntrospectionQuery` with every option on but the schema's description (which SDL
/// does not carry).
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name description isRepeatable locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType {
  kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

on_both_databases!(committed_schema_is_what_introspection_shows);
async fn committed_schema_is_what_introspection_shows(app: TestApp) {
    let data = app.data(INTROSPECTION, json!({})).await;
    let file = from_sdl(&committed());
    let introspected = without_implicit_built_ins(from_introspection(&data["__schema"]), &file);
    let keys: BTreeSet<_> = introspected.keys().chain(file.keys()).collect();
    let differences: Vec<_> = keys
        .into_iter()
        .filter(|key| introspected.get(*key) != file.get(*key))
        .map(|key| {
            format!(
                "{key}\n  introspection:  {:?}\n  schema.graphql: {:?}",
                introspected.get(key),
                file.get(key)
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "schema.graphql is not what the server introspects; regenerate it with `{REGENERATE}`, \
         and if it still differs, `schema::sdl()` does not print what introspection shows:\n{}",
        differences.join("\n")
    );
}

/// async-graphql's parser reports every directive definition as repeatable.
#[test]
fn directive_definitions_read_as_written() {
    let canonical = from_sdl(
        "\"\"\"\nOnce.\n\"\"\"\ndirective @repeatable(why: String = \"x\") on FIELD | QUERY\n\
         directive @many repeatable on\n  | FRAGMENT_SPREAD\n",
    );
    let once = Facts {
        description: Some("Once.".to_owned()),
        repeatable: Some(false),
        locations: vec!["FIELD".to_owned(), "QUERY".to_owned()],
        ..Facts::default()
    };
    assert_eq!(canonical["directive @repeatable"], once);
    assert_eq!(
        canonical["directive @repeatable(why)"].default.as_deref(),
        Some("\"x\"")
    );
    let many = Facts {
        repeatable: Some(true),
        locations: vec!["FRAGMENT_SPREAD".to_owned()],
        ..Facts::default()
    };
    assert_eq!(canonical["directive @many"], many);
}
