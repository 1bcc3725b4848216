//! The README's map of where each field lives ("Where each field lives") names every field
//! of the schema, and the files it names exist: a newcomer's map that cannot go stale.

use std::collections::BTreeSet;
use std::path::Path;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// Every `Type.field` of the schema's object types.
fn schema_fields() -> BTreeSet<String> {
    let document = async_graphql::parser::parse_schema(userplan::graphql::schema::sdl())
        .expect("the schema's SDL parses");
    let mut fields = BTreeSet::new();
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(definition) = definition
            && let TypeKind::Object(object) = &definition.node.kind
        {
            for field in &object.fields {
                fields.insert(format!(
                    "{}.{}",
                    definition.node.name.node, field.node.name.node
                ));
            }
        }
    }
    fields
}

/// The map's rows: the README's table under the heading, as its cells.
fn map_rows(readme: &str) -> Vec<Vec<String>> {
    let section = readme
        .split("### Where each field lives")
        .nth(1)
        .expect("the README has the map");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect()
}

/// `Type.field` and `Type.{a, b}` in a cell, each as `Type.field`.
fn fields_named(cell: &str) -> Vec<String> {
    let mut named = Vec::new();
    for code in cell.split('`').skip(1).step_by(2) {
        let (owner, rest) = code.split_once('.').expect("Type.field");
        match rest
            .strip_prefix('{')
            .and_then(|list| list.strip_suffix('}'))
        {
            Some(list) => named.extend(list.split(", ").map(|field| format!("{owner}.{field}"))),
            None => named.push(code.to_owned()),
        }
    }
    named
}

#[test]
fn the_readme_maps_every_field_to_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let rows = map_rows(&readme);
    assert!(rows.len() > 10, "{rows:?}");
    let mut mapped = BTreeSet::new();
    for row in &rows {
        assert_eq!(
            row.len(),
            5,
            "field | resolver | loaded by | SQL | tests: {row:?}"
        );
        mapped.extend(fields_named(&row[0]));
        for code in row[1..4]
            .iter()
            .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        {
            let path = code.replace("M/", "service/memberships/");
            if path.ends_with(".rs") && path.contains('/') {
                assert!(
                    root.join("src").join(&path).exists(),
                    "src/{path} is gone: {row:?}"
                );
            }
        }
        for test in row[4].split(", ").filter(|test| test.ends_with(".rs")) {
            assert!(
                root.join("tests/api").join(test).exists(),
                "tests/api/{test}: {row:?}"
            );
        }
    }
    let fields = schema_fields();
    let missing: Vec<_> = fields.difference(&mapped).collect();
    let unknown: Vec<_> = mapped.difference(&fields).collect();
    assert!(
        missing.is_empty(),
        "fields the README's map does not name: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "the map names fields the schema lacks: {unknown:?}"
    );
}
