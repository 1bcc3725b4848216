//! The `users` and `plans` connections: keyset pages both ways in every order, filters,
//! totalCount and the cursor rules.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::documents::{CREATE_USER, PLANS};
use crate::helpers::*;
use crate::on_both_databases;

const USERS: &str = "query($first: Int, $after: String, $last: Int, $before: String, \
                     $filter: UserFilter, $order: UserOrder) {
  users(first: $first, after: $after, last: $last, before: $before, filter: $filter, \
        orderBy: $order) {
    totalCount
    nodes { id email name }
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

/// (email, name) of the test users, created in this order. Two share a name so the id
/// tie-breaker is exercised; case and non-ASCII text show that keys compare by code point.
const PEOPLE: [(&str, &str); 10] = [
    ("dora@example.com", "Dora"),
    ("Alice@example.com", "alice"),
    ("carol@example.com", "Carol"),
    ("bob@example.com", "Bob"),
    ("Eve@example.com", "Bob"),
    ("frank@example.com", "Frank_1"),
    ("gina@example.com", "Gina%"),
    ("Émile@example.com", "Émile"),
    ("zoe@example.com", "Zoë"),
    ("crab@example.com", "🦀 Crab"),
];

/// A test user as the test knows it.
struct Person {
    id: Uuid,
    email: String,
    name: String,
    inserted_at: DateTime<Utc>,
}

async fn people(app: &TestApp) -> Vec<Person> {
    let mut people = Vec::new();
    for (email, name) in PEOPLE {
        let created = app
            .data(
                CREATE_USER,
                json!({ "input": { "email": email, "name": name } }),
            )
            .await;
        people.push(Person {
            id: uuid(&created["createUser"]["id"]),
            email: email.to_owned(),
            name: name.to_owned(),
            inserted_at: time(&created["createUser"]["insertedAt"]),
        });
    }
    people
}

/// Gives `person` another creation time, written straight to the table: the API
/// cannot make two rows share a timestamp, and INSERTED_AT ties must go by id too.
async fn set_creation_time(app: &TestApp, person: &mut Person, inserted_at: DateTime<Utc>) {
    entity::user::Entity::update_many()
        .col_expr(entity::user::Column::InsertedAt, Expr::value(inserted_at))
        .filter(entity::user::Column::Id.eq(person.id))
        .exec(&app.db)
        .await
        .expect("update inserted_at");
    person.inserted_at = inserted_at;
}

/// The order the server must return: by the key, ties by id, both in the direction asked
/// for. Text compares by code point (Rust's `str` order), as SQLite's BINARY collation and
/// PostgreSQL's C collations do.
fn expected_order(people: &[Person], field: &str, direction: &str) -> Vec<Uuid> {
    let mut sorted: Vec<&Person> = people.iter().collect();
    sorted.sort_by(|a, b| {
        let by_key = match field {
            "EMAIL" => a.email.cmp(&b.email),
            "NAME" => a.name.cmp(&b.name),
            "INSERTED_AT" => a.inserted_at.cmp(&b.inserted_at),
            _ => unreachable!("no sort field {field}"),
        };
        by_key.then(a.id.cmp(&b.id))
    });
    if direction == "DESC" {
        sorted.reverse();
    }
    sorted.iter().map(|person| person.id).collect()
}

/// The collation text keys sort by, for failure messages: on PostgreSQL the database's
/// own, which orders by code point only when it is a C collation.
async fn text_collation(app: &TestApp) -> String {
    if app.db.get_database_backend() != DbBackend::Postgres {
        return "BINARY (SQLite)".to_owned();
    }
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT datcollate FROM pg_database WHERE datname = current_database()",
        ))
        .await
        .expect("datcollate")
        .expect("a row");
    row.try_get("", "datcollate").expect("datcollate")
}

/// Every id of a traversal, following cursors page by page (forward with first/after,
/// backward with last/before), checking pageInfo on the way.
async fn traverse(app: &TestApp, order: Value, page: i64, forward: bool) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let variables = if forward {
            json!({ "first": page, "after": cursor, "order": order })
        } else {
            json!({ "last": page, "before": cursor, "order": order })
        };
        let data = app.data(USERS, variables).await;
        let users = &data["users"];
        let page_ids = uuids(
            &users["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].clone())
                .collect(),
        );
        let edge_ids: Vec<Uuid> = users["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| uuid(&e["node"]["id"]))
            .collect();
        assert_eq!(page_ids, edge_ids, "edges and nodes agree");
        let info = &users["pageInfo"];
        let more = if forward {
            info["hasNextPage"].as_bool().unwrap()
        } else {
            info["hasPreviousPage"].as_bool().unwrap()
        };
        if forward {
            ids.extend(page_ids);
            cursor = info["endCursor"].as_str().map(str::to_owned);
        } else {
            ids.splice(0..0, page_ids);
            cursor = info["startCursor"].as_str().map(str::to_owned);
        }
        if !more {
            return ids;
        }
        assert!(ids.len() <= PEOPLE.len(), "pages never repeat rows");
    }
}

on_both_databases!(pages_cover_every_ordering_both_ways);
async fn pages_cover_every_ordering_both_ways(app: TestApp) {
    let mut people = people(&app).await;
    let created: Vec<Uuid> = people.iter().map(|person| person.id).collect();
    assert_eq!(
        traverse(&app, json!(null), 3, true).await,
        created,
        "oldest first by default"
    );
    assert_eq!(traverse(&app, json!(null), 3, false).await, created);

    let tied = people[1].inserted_at;
    set_creation_time(&app, &mut people[8], tied).await;
    let collation = text_collation(&app).await;
    for field in ["EMAIL", "NAME", "INSERTED_AT"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let expected = expected_order(&people, field, direction);
            // Pages of one put a page boundary between every two rows, tied ones too.
            for (page, forward) in [(1, true), (3, true), (1, false), (4, false)] {
                assert_eq!(
                    traverse(&app, order.clone(), page, forward).await,
                    expected,
                    "{field} {direction}, pages of {page}, {}; text collation {collation}",
                    if forward { "forward" } else { "backward" },
                );
            }
        }
    }
    assert_eq!(
        traverse(&app, json!(null), 2, true).await,
        expected_order(&people, "INSERTED_AT", "ASC"),
        "the default order is INSERTED_AT ASC"
    );
}

on_both_databases!(page_info_and_total_count);
async fn page_info_and_total_count(app: TestApp) {
    people(&app).await;
    let first = app.data(USERS, json!({ "first": 3 })).await;
    let info = &first["users"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    assert_eq!(info["hasPreviousPage"], false);
    assert_eq!(
        first["users"]["totalCount"],
        PEOPLE.len(),
        "totalCount counts every page"
    );
    assert_eq!(info["endCursor"], first["users"]["edges"][2]["cursor"]);
    let last = app
        .data(USERS, json!({ "first": 10, "after": info["endCursor"] }))
        .await;
    assert_eq!(
        last["users"]["nodes"].as_array().unwrap().len(),
        PEOPLE.len() - 3
    );
    assert_eq!(last["users"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(last["users"]["pageInfo"]["hasPreviousPage"], true);
    let none = app.data(USERS, json!({ "first": 0 })).await;
    assert_eq!(none["users"]["nodes"], json!([]));
    assert_eq!(none["users"]["pageInfo"]["startCursor"], json!(null));
    assert_eq!(none["users"]["totalCount"], PEOPLE.len());
}

on_both_databases!(filters_select_and_count_the_same_rows);
async fn filters_select_and_count_the_same_rows(app: TestApp) {
    let rows = people(&app).await;
    let plan = app.create_plan("Only").await;
    app.add_users_to_plan(plan, &[rows[1].id, rows[4].id])
        .await
        .unwrap();
    let ids_of = |data: &Value| node_ids(&data["users"]["nodes"]);
    for (filter, expected) in [
        (json!({ "email": "ALICE@EXAMPLE.COM" }), vec![rows[1].id]),
        (
            json!({ "nameContains": "bo" }),
            vec![rows[3].id, rows[4].id],
        ),
        (json!({ "nameContains": "_" }), vec![rows[5].id]),
        (json!({ "nameContains": "%" }), vec![rows[6].id]),
        (
            json!({ "ids": [rows[2].id, rows[0].id, Uuid::now_v7()] }),
            vec![rows[0].id, rows[2].id],
        ),
        (json!({ "ids": [] }), vec![]),
        (json!({ "planId": plan }), vec![rows[1].id, rows[4].id]),
        (
            json!({ "planId": plan, "nameContains": "BOB" }),
            vec![rows[4].id],
        ),
    ] {
        let data = app.data(USERS, json!({ "filter": filter })).await;
        assert_eq!(ids_of(&data), expected, "{filter}");
        assert_eq!(data["users"]["totalCount"], expected.len(), "{filter}");
    }

    let other = app.create_plan("Other plan").await;
    for (filter, expected) in [
        (json!({ "userId": rows[1].id }), vec![plan]),
        (json!({ "nameContains": "OTHER" }), vec![other]),
        (json!({ "ids": [other] }), vec![other]),
        (json!(null), vec![plan, other]),
    ] {
        let data = app.data(PLANS, json!({ "filter": filter })).await;
        assert_eq!(node_ids(&data["plans"]["nodes"]), expected, "{filter}");
        assert_eq!(data["plans"]["totalCount"], expected.len());
    }
}

on_both_databases!(plans_page_both_ways);
async fn plans_page_both_ways(app: TestApp) {
    let mut ids = Vec::new();
    for name in ["b", "a", "d", "c"] {
        ids.push(app.create_plan(name).await);
    }
    let query = "query($first: Int, $after: String, $last: Int, $before: String) { \
                 plans(first: $first, after: $after, last: $last, before: $before, \
                 orderBy: { field: NAME, direction: DESC }) { \
                 nodes { name } pageInfo { endCursor startCursor hasNextPage } } }";
    let page = app.data(query, json!({ "first": 2 })).await;
    assert_eq!(
        page["plans"]["nodes"],
        json!([{ "name": "d" }, { "name": "c" }])
    );
    let next = app
        .data(
            query,
            json!({ "first": 2, "after": page["plans"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        next["plans"]["nodes"],
        json!([{ "name": "b" }, { "name": "a" }])
    );
    assert_eq!(next["plans"]["pageInfo"]["hasNextPage"], false);
    let back = app
        .data(
            query,
            json!({ "last": 1, "before": next["plans"]["pageInfo"]["startCursor"] }),
        )
        .await;
    assert_eq!(back["plans"]["nodes"], json!([{ "name": "c" }]));
}

on_both_databases!(cursor_and_size_rules);
async fn cursor_and_size_rules(app: TestApp) {
    people(&app).await;
    let by_name = app
        .data(
            USERS,
            json!({ "first": 1, "order": { "field": "NAME", "direction": "ASC" } }),
        )
        .await["users"]["pageInfo"]["endCursor"]
        .clone();
    for (variables, field) in [
        (json!({ "after": "not a cursor" }), "after"),
        (json!({ "before": "eyJ4IjoxfQ" }), "before"),
        (
            json!({ "after": by_name, "order": { "field": "EMAIL", "direction": "ASC" } }),
            "after",
        ),
        (
            json!({ "after": by_name, "order": { "field": "NAME", "direction": "DESC" } }),
            "after",
        ),
        (json!({ "first": 1001 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 1001 }), "last"),
        (json!({ "first": 1, "last": 1 }), "last"),
    ] {
        let error = app.error(USERS, variables.clone()).await;
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{variables}: {error}"
        );
        assert_eq!(error["extensions"]["field"], field, "{variables}");
    }
    // The same cursor is fine with the ordering it was made for.
    let order = json!({ "field": "NAME", "direction": "ASC" });
    let next = app
        .data(
            USERS,
            json!({ "first": 1, "after": by_name, "order": order }),
        )
        .await;
    assert_eq!(next["users"]["nodes"].as_array().unwrap().len(), 1);
    let max = app.data(USERS, json!({ "first": 1000 })).await;
    assert_eq!(
        max["users"]["nodes"].as_array().unwrap().len(),
        PEOPLE.len()
    );
}
