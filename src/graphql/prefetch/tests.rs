//! The names the prefetch looks ahead for, checked against the schema: renaming a
//! resolver without its name in prefetch.rs fails here.

use std::collections::HashMap;

use async_graphql::OutputType;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use entity::{plan, user};

use super::*;
use crate::graphql::types::{
    Connection, Edge, Plan, PlanLinksPayload, User, UserLinksPayload, UserPlan,
};

/// A field as the schema declares it: the type it returns (inside any list) and the
/// names of its arguments.
struct Declared {
    returns: String,
    arguments: Vec<String>,
}

/// Every object type's fields, from the schema's SDL.
struct Schema(HashMap<String, HashMap<String, Declared>>);

impl Schema {
    fn read() -> Self {
        let sdl = crate::graphql::schema::sdl();
        let document = async_graphql::parser::parse_schema(&sdl).expect("the schema's SDL");
        let mut objects = HashMap::new();
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(definition) = definition
                && let TypeKind::Object(object) = definition.node.kind
            {
                let fields = object.fields.into_iter().map(|field| {
                    let field = field.node;
                    let declared = Declared {
                        returns: named(&field.ty.node).to_owned(),
                        arguments: (field.arguments.iter())
                            .map(|argument| argument.node.name.node.to_string())
                            .collect(),
                    };
                    (field.name.node.to_string(), declared)
                });
                objects.insert(definition.node.name.node.to_string(), fields.collect());
            }
        }
        Schema(objects)
    }

    /// The field, which must exist: the prefetch would otherwise never find it in a
    /// query, and its resolver would load level by level.
    fn field(&self, object: &str, field: &str) -> &Declared {
        self.0
            .get(object)
            .and_then(|fields| fields.get(field))
            .unwrap_or_else(|| {
                panic!(
                    "the prefetch looks for {object}.{field}, which the schema does not \
                     have: was its resolver renamed? Rename it in prefetch.rs too"
                )
            })
    }

    fn returns(&self, object: &str, field: &str) -> &str {
        &self.field(object, field).returns
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// The GraphQL types of one side, named as async-graphql names them.
struct SideTypes {
    object: String,
    other: String,
    payload: String,
    connection: String,
    edge: String,
}

fn types(side: Side) -> SideTypes {
    match side {
        Side::User => SideTypes {
            object: User::type_name().into_owned(),
            other: Plan::type_name().into_owned(),
            payload: UserLinksPayload::type_name().into_owned(),
            connection: <Connection<user::Model>>::type_name().into_owned(),
            edge: <Edge<User>>::type_name().into_owned(),
        },
        Side::Plan => SideTypes {
            object: Plan::type_name().into_owned(),
            other: User::type_name().into_owned(),
            payload: PlanLinksPayload::type_name().into_owned(),
            connection: <Connection<plan::Model>>::type_name().into_owned(),
            edge: <Edge<Plan>>::type_name().into_owned(),
        },
    }
}

/// Each name the prefetch looks ahead for is a field of the type it walks, returns
/// what the walk expects there, and (for lists) takes the arguments it reads.
#[test]
fn every_name_is_a_field_of_the_schema() {
    let schema = Schema::read();
    let membership = UserPlan::type_name();
    let count = <i64 as OutputType>::type_name();
    for side in [Side::User, Side::Plan] {
        let SideTypes {
            object,
            other,
            payload,
            connection,
            edge,
        } = types(side);
        // Every name: a name added to `Names` does not compile here until it is checked.
        let Names {
            id,
            list,
            count: count_field,
            memberships,
            from_membership,
            from_payload,
        } = names(side);
        assert_eq!(schema.returns(&object, id), "UUID");
        assert_eq!(schema.returns(&object, list), other);
        assert_eq!(schema.returns(&object, count_field), count);
        assert_eq!(schema.returns(&object, memberships), membership);
        assert_eq!(schema.returns(&membership, from_membership), object);
        assert_eq!(schema.returns(&payload, from_payload), object);
        for list_field in [list, memberships] {
            let arguments = &schema.field(&object, list_field).arguments;
            for argument in LIST_ARGUMENTS {
                assert!(
                    arguments.iter().any(|name| name == argument),
                    "the prefetch reads {object}.{list_field}({argument}:), which the \
                     schema does not have: {arguments:?}"
                );
            }
        }
        let ConnectionNames { nodes, edges, node } = CONNECTION;
        assert_eq!(schema.returns(&connection, nodes), object);
        assert_eq!(schema.returns(&connection, edges), edge);
        assert_eq!(schema.returns(&edge, node), object);
    }
}
