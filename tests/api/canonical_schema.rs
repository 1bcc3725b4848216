//! A schema in one canonical form, whether read from an introspection result or from SDL:
//! each thing it defines (type, field, argument, input field, enum value, directive) with
//! everything introspection can tell about it. Two schemas that introspect alike have
//! equal forms.

use std::collections::BTreeMap;

use async_graphql::parser::types::{
    ConstDirective, InputValueDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::parser::{Pos, Positioned, parse_schema};
use async_graphql::{Name, Value as ConstValue};
use serde_json::Value;

/// Keyed like `type User`, `field User.plans`, `field User.plans(role)`,
/// `input CreateUserInput(email)`, `value MembershipRole.OWNER`, `directive @skip(if)`.
pub type Canonical = BTreeMap<String, Facts>;

/// What introspection tells about one thing; `None` where it says nothing (or null).
#[derive(Debug, Default, PartialEq)]
pub struct Facts {
    pub kind: Option<String>,
    /// Among its siblings: field order is part of what clients see.
    pub position: Option<usize>,
    pub ty: Option<String>,
    /// As a GraphQL literal, printed one way.
    pub default: Option<String>,
    pub description: Option<String>,
    /// The reason, when deprecated.
    pub deprecated: Option<Option<String>>,
    pub specified_by: Option<String>,
    pub one_of: Option<bool>,
    pub implements: Vec<String>,
    pub members: Vec<String>,
    /// Of the schema: its root operation types.
    pub roots: Vec<String>,
    pub repeatable: Option<bool>,
    pub locations: Vec<String>,
}

/// Scalars and directives every GraphQL schema has: SDL may leave them out.
const BUILT_IN_SCALARS: &[&str] = &["Boolean", "Float", "ID", "Int", "String"];
const BUILT_IN_DIRECTIVES: &[&str] = &["deprecated", "include", "oneOf", "skip", "specifiedBy"];

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// `__schema` of an introspection result.
pub fn from_introspection(schema: &Value) -> Canonical {
    fn type_ref(ty: &Value) -> String {
        match ty["kind"].as_str() {
            Some("NON_NULL") => format!("{}!", type_ref(&ty["ofType"])),
            Some("LIST") => format!("[{}]", type_ref(&ty["ofType"])),
            _ => ty["name"].as_str().unwrap().to_owned(),
        }
    }
    fn text(value: &Value) -> Option<String> {
        value.as_str().map(str::to_owned)
    }
    fn deprecated(value: &Value) -> Option<Option<String>> {
        (value["isDeprecated"] == true).then(|| text(&value["deprecationReason"]))
    }
    fn list(value: &Value) -> impl Iterator<Item = (usize, &Value)> {
        value.as_array().into_iter().flatten().enumerate()
    }
    fn input_values(canonical: &mut Canonical, owner: &str, values: &Value) {
        for (position, value) in list(values) {
            let facts = Facts {
                position: Some(position),
                ty: Some(type_ref(&value["type"])),
                default: value["defaultValue"].as_str().map(literal),
                description: text(&value["description"]),
                deprecated: deprecated(value),
                ..Facts::default()
            };
            canonical.insert(
                format!("{owner}({})", value["name"].as_str().unwrap()),
                facts,
            );
        }
    }
    let mut canonical = Canonical::new();
    canonical.insert(
        "schema".to_owned(),
        roots(
            text(&schema["queryType"]["name"]),
            text(&schema["mutationType"]["name"]),
            text(&schema["subscriptionType"]["name"]),
        ),
    );
    for ty in schema["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") {
            continue;
        }
        let kind = ty["kind"].as_str().unwrap();
        let names = |value: &Value| sorted(list(value).map(|(_, ty)| type_ref(ty)).collect());
        let facts = Facts {
            kind: Some(kind.to_owned()),
            description: text(&ty["description"]),
            specified_by: text(&ty["specifiedByURL"]),
            one_of: ty["isOneOf"].as_bool(),
            implements: names(&ty["interfaces"]),
            // An interface's possible types are the objects that say they implement it.
            members: if kind == "UNION" {
                names(&ty["possibleTypes"])
            } else {
                Vec::new()
            },
            ..Facts::default()
        };
        canonical.insert(format!("type {name}"), facts);
        for (position, field) in list(&ty["fields"]) {
            let path = format!("field {name}.{}", field["name"].as_str().unwrap());
            input_values(&mut canonical, &path, &field["args"]);
            let facts = Facts {
                position: Some(position),
                ty: Some(type_ref(&field["type"])),
                description: text(&field["description"]),
                deprecated: deprecated(field),
                ..Facts::default()
            };
            canonical.insert(path, facts);
        }
        input_values(&mut canonical, &format!("input {name}"), &ty["inputFields"]);
        for (position, value) in list(&ty["enumValues"]) {
            let facts = Facts {
                position: Some(position),
                description: text(&value["description"]),
                deprecated: deprecated(value),
                ..Facts::default()
            };
            canonical.insert(
                format!("value {name}.{}", value["name"].as_str().unwrap()),
                facts,
            );
        }
    }
    for directive in schema["directives"].as_array().unwrap() {
        let path = format!("directive @{}", directive["name"].as_str().unwrap());
        input_values(&mut canonical, &path, &directive["args"]);
        let facts = Facts {
            description: text(&directive["description"]),
            repeatable: directive["isRepeatable"].as_bool(),
            locations: sorted(
                list(&directive["locations"])
                    .filter_map(|(_, l)| text(l))
                    .collect(),
            ),
            ..Facts::default()
        };
        canonical.insert(path, facts);
    }
    canonical
}

/// A schema written in SDL.
pub fn from_sdl(sdl: &str) -> Canonical {
    fn text(text: &Option<Positioned<String>>) -> Option<String> {
        text.as_ref().map(|text| text.node.clone())
    }
    fn name(name: &Option<Positioned<Name>>) -> Option<String> {
        name.as_ref().map(|name| name.node.to_string())
    }
    fn names(names: &[Positioned<Name>]) -> Vec<String> {
        sorted(names.iter().map(|name| name.node.to_string()).collect())
    }
    fn directive<'a>(
        directives: &'a [Positioned<ConstDirective>],
        name: &str,
    ) -> Option<&'a ConstDirective> {
        let mut directives = directives.iter().map(|directive| &directive.node);
        directives.find(|directive| directive.name.node == name)
    }
    fn string_argument(directive: &ConstDirective, name: &str) -> Option<String> {
        match &directive.get_argument(name)?.node {
            ConstValue::String(text) => Some(text.clone()),
            other => panic!("@{}({name}:) is {other}, not a string", directive.name.node),
        }
    }
    fn deprecated(directives: &[Positioned<ConstDirective>]) -> Option<Option<String>> {
        directive(directives, "deprecated").map(|deprecated| string_argument(deprecated, "reason"))
    }
    fn input_values(
        canonical: &mut Canonical,
        owner: &str,
        values: &[Positioned<InputValueDefinition>],
    ) {
        for (position, value) in values.iter().enumerate() {
            let value = &value.node;
            let facts = Facts {
                position: Some(position),
                ty: Some(value.ty.node.to_string()),
                default: value
                    .default_value
                    .as_ref()
                    .map(|value| value.node.to_string()),
                description: text(&value.description),
                deprecated: deprecated(&value.directives),
                ..Facts::default()
            };
            canonical.insert(format!("{owner}({})", value.name.node), facts);
        }
    }
    let document = parse_schema(sdl).expect("the SDL parses");
    let mut canonical = Canonical::new();
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                let schema = schema.node;
                let facts = roots(
                    name(&schema.query),
                    name(&schema.mutation),
                    name(&schema.subscription),
                );
                canonical.insert("schema".to_owned(), facts);
            }
            TypeSystemDefinition::Type(ty) => {
                let ty = ty.node;
                let name = ty.name.node.to_string();
                let mut facts = Facts {
                    description: text(&ty.description),
                    ..Facts::default()
                };
                let mut fields = &[][..];
                let kind = match &ty.kind {
                    TypeKind::Scalar => {
                        let specified = directive(&ty.directives, "specifiedBy");
                        facts.specified_by = specified.and_then(|by| string_argument(by, "url"));
                        "SCALAR"
                    }
                    TypeKind::Object(object) => {
                        facts.implements = names(&object.implements);
                        fields = &object.fields;
                        "OBJECT"
                    }
                    TypeKind::Interface(interface) => {
                        facts.implements = names(&interface.implements);
                        fields = &interface.fields;
                        "INTERFACE"
                    }
                    TypeKind::Union(union) => {
                        facts.members = names(&union.members);
                        "UNION"
                    }
                    TypeKind::Enum(enumeration) => {
                        for (position, value) in enumeration.values.iter().enumerate() {
                            let value = &value.node;
                            let facts = Facts {
                                position: Some(position),
                                description: text(&value.description),
                                deprecated: deprecated(&value.directives),
                                ..Facts::default()
                            };
                            canonical.insert(format!("value {name}.{}", value.value.node), facts);
                        }
                        "ENUM"
                    }
                    TypeKind::InputObject(input) => {
                        facts.one_of = Some(directive(&ty.directives, "oneOf").is_some());
                        input_values(&mut canonical, &format!("input {name}"), &input.fields);
                        "INPUT_OBJECT"
                    }
                };
                facts.kind = Some(kind.to_owned());
                canonical.insert(format!("type {name}"), facts);
                for (position, field) in fields.iter().enumerate() {
                    let field = &field.node;
                    let path = format!("field {name}.{}", field.name.node);
                    input_values(&mut canonical, &path, &field.arguments);
                    let facts = Facts {
                        position: Some(position),
                        ty: Some(field.ty.node.to_string()),
                        description: text(&field.description),
                        deprecated: deprecated(&field.directives),
                        ..Facts::default()
                    };
                    canonical.insert(path, facts);
                }
            }
            TypeSystemDefinition::Directive(definition) => {
                let definition = definition.node;
                let path = format!("directive @{}", definition.name.node);
                input_values(&mut canonical, &path, &definition.arguments);
                let locations = definition.locations.iter();
                let facts = Facts {
                    description: text(&definition.description),
                    repeatable: Some(is_repeatable(sdl, definition.locations[0].pos)),
                    locations: sorted(
                        locations
                            .map(|l| screaming_snake(&format!("{:?}", l.node)))
                            .collect(),
                    ),
                    ..Facts::default()
                };
                canonical.insert(path, facts);
            }
        }
    }
    canonical
}

/// Leaves out the built-in scalars and directives that `file` does not define: those it
/// does define must be as introspection describes them.
pub fn without_implicit_built_ins(mut introspected: Canonical, file: &Canonical) -> Canonical {
    introspected.retain(|key, _| {
        let scalar = BUILT_IN_SCALARS
            .iter()
            .any(|scalar| *key == format!("type {scalar}"));
        let directive = BUILT_IN_DIRECTIVES.iter().find_map(|name| {
            let directive = format!("directive @{name}");
            (*key == directive || key.starts_with(&format!("{directive}("))).then_some(directive)
        });
        match directive {
            Some(directive) => file.contains_key(&directive),
            None => !scalar || file.contains_key(key),
        }
    });
    introspected
}

fn roots(query: Option<String>, mutation: Option<String>, subscription: Option<String>) -> Facts {
    let roots = [
        ("query", query),
        ("mutation", mutation),
        ("subscription", subscription),
    ];
    Facts {
        roots: roots
            .into_iter()
            .filter_map(|(root, name)| Some(format!("{root}: {}", name?)))
            .collect(),
        ..Facts::default()
    }
}

/// A default value as introspection gives it (GraphQL literal text), printed as the SDL
/// parser prints its own.
fn literal(text: &str) -> String {
    let document = parse_schema(format!("input Default {{ value: Default = {text} }}"))
        .unwrap_or_else(|err| panic!("default value {text:?}: {err}"));
    let Some(TypeSystemDefinition::Type(definition)) = document.definitions.first() else {
        unreachable!("one input type was parsed");
    };
    let TypeKind::InputObject(input) = &definition.node.kind else {
        unreachable!("one input type was parsed");
    };
    input.fields[0]
        .node
        .default_value
        .as_ref()
        .unwrap()
        .node
        .to_string()
}

/// Whether a directive definition says `repeatable`. async-graphql's parser reports every
/// definition as repeatable (its grammar's `repeatable` rule also matches the empty text),
/// so this reads the words before the definition's first location.
fn is_repeatable(sdl: &str, first_location: Pos) -> bool {
    let line_start: usize = sdl
        .split_inclusive('\n')
        .take(first_location.line - 1)
        .map(str::len)
        .sum();
    let column = sdl[line_start..]
        .char_indices()
        .nth(first_location.column - 1)
        .map_or(0, |(offset, _)| offset);
    let before = sdl[..line_start + column].trim_end();
    let before = before.strip_suffix('|').unwrap_or(before).trim_end();
    let before = before
        .strip_suffix("on")
        .expect("`on` before a directive's locations")
        .trim_end();
    before
        .strip_suffix("repeatable")
        .is_some_and(|rest| rest.ends_with([' ', '\t', '\n', ')']))
}

/// `FragmentSpread` as introspection writes it: `FRAGMENT_SPREAD`.
fn screaming_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
