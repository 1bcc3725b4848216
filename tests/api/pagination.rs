//! The `users` and `plans` connections: keyset pages both ways in every order, filters,
//! totalCount and the cursor rules.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;

const USERS: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $order: UserOrder) {
  users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
    totalCount
    nodes { id email name }
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

/// (email, name) of the test users, created in this order. Two share a name so the id
/// tie-breaker is exercised.
const PEOPLE: [(&str, &str); 7] = [
    ("dora@example.com", "Dora"),
    ("Alice@example.com", "alice"),
    ("carol@example.com", "Carol"),
    ("bob@example.com", "Bob"),
    ("Eve@example.com", "Bob"),
    ("frank@example.com", "Frank_1"),
    ("gina@example.com", "Gina%"),
];

async fn people(app: &TestApp) -> Vec<(Uuid, String, String)> {
    let mut rows = Vec::new();
    for (email, name) in PEOPLE {
        rows.push((
            app.create_user(email, name).await,
            email.to_owned(),
            name.to_owned(),
        ));
    }
    rows
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

on_both_databases! {
    async fn pages_cover_every_ordering_both_ways(app: TestApp) {
        let rows = people(&app).await;
        let created: Vec<Uuid> = rows.iter().map(|row| row.0).collect();
        assert_eq!(traverse(&app, json!(null), 3, true).await, created, "oldest first by default");
        assert_eq!(traverse(&app, json!(null), 3, false).await, created);

        // Expected orders computed here: the database's own collation decides text order,
        // so the expectation sorts with it by asking for one page of everything.
        for field in ["EMAIL", "NAME", "INSERTED_AT"] {
            for direction in ["ASC", "DESC"] {
                let order = json!({ "field": field, "direction": direction });
                let all = app.data(USERS, json!({ "first": 100, "order": order })).await;
                let expected = node_ids(&all["users"]["nodes"]);
                assert_eq!(expected.len(), PEOPLE.len());
                assert_eq!(traverse(&app, order.clone(), 2, true).await, expected, "{field} {direction} forward");
                assert_eq!(traverse(&app, order.clone(), 3, false).await, expected, "{field} {direction} backward");
                // The order is the one asked for: keys never go the wrong way, and ties go by id.
                let nodes = all["users"]["nodes"].as_array().unwrap();
                for pair in nodes.windows(2) {
                    let key = |n: &Value| match field {
                        "EMAIL" => n["email"].as_str().unwrap().to_owned(),
                        "NAME" => n["name"].as_str().unwrap().to_owned(),
                        _ => rows.iter().position(|r| r.0 == uuid(&n["id"])).unwrap().to_string(),
                    };
                    if key(&pair[0]) == key(&pair[1]) {
                        let (a, b) = (uuid(&pair[0]["id"]), uuid(&pair[1]["id"]));
                        assert_eq!(a < b, direction == "ASC", "ties broken by id in the same direction");
                    }
                }
            }
        }
        let by_insertion_desc = traverse(&app, json!({ "field": "INSERTED_AT", "direction": "DESC" }), 4, true).await;
        assert_eq!(by_insertion_desc, created.iter().rev().copied().collect::<Vec<_>>());
    }

    async fn page_info_and_total_count(app: TestApp) {
        people(&app).await;
        let first = app.data(USERS, json!({ "first": 3 })).await;
        let info = &first["users"]["pageInfo"];
        assert_eq!(info["hasNextPage"], true);
        assert_eq!(info["hasPreviousPage"], false);
        assert_eq!(first["users"]["totalCount"], PEOPLE.len(), "totalCount counts every page");
        assert_eq!(info["endCursor"], first["users"]["edges"][2]["cursor"]);
        let last = app.data(USERS, json!({ "first": 10, "after": info["endCursor"] })).await;
        assert_eq!(last["users"]["nodes"].as_array().unwrap().len(), PEOPLE.len() - 3);
        assert_eq!(last["users"]["pageInfo"]["hasNextPage"], false);
        assert_eq!(last["users"]["pageInfo"]["hasPreviousPage"], true);
        let none = app.data(USERS, json!({ "first": 0 })).await;
        assert_eq!(none["users"]["nodes"], json!([]));
        assert_eq!(none["users"]["pageInfo"]["startCursor"], json!(null));
        assert_eq!(none["users"]["totalCount"], PEOPLE.len());
    }

    async fn filters_select_and_count_the_same_rows(app: TestApp) {
        let rows = people(&app).await;
        let plan = app.create_plan("Only").await;
        app.data(
            "mutation($p: UUID!, $u: [UUID!]!) { addUsersToPlan(planId: $p, userIds: $u) { addedUserIds } }",
            json!({ "p": plan, "u": [rows[1].0, rows[4].0] }),
        )
        .await;
        let ids_of = |data: &Value| node_ids(&data["users"]["nodes"]);
        for (filter, expected) in [
            (json!({ "email": "ALICE@EXAMPLE.COM" }), vec![rows[1].0]),
            (json!({ "nameContains": "bo" }), vec![rows[3].0, rows[4].0]),
            (json!({ "nameContains": "_" }), vec![rows[5].0]),
            (json!({ "nameContains": "%" }), vec![rows[6].0]),
            (json!({ "ids": [rows[2].0, rows[0].0, Uuid::now_v7()] }), vec![rows[0].0, rows[2].0]),
            (json!({ "ids": [] }), vec![]),
            (json!({ "planId": plan }), vec![rows[1].0, rows[4].0]),
            (json!({ "planId": plan, "nameContains": "BOB" }), vec![rows[4].0]),
        ] {
            let data = app.data(USERS, json!({ "filter": filter })).await;
            assert_eq!(ids_of(&data), expected, "{filter}");
            assert_eq!(data["users"]["totalCount"], expected.len(), "{filter}");
        }

        let plans = "query($f: PlanFilter) { plans(filter: $f) { totalCount nodes { id } } }";
        let other = app.create_plan("Other plan").await;
        for (filter, expected) in [
            (json!({ "userId": rows[1].0 }), vec![plan]),
            (json!({ "nameContains": "OTHER" }), vec![other]),
            (json!({ "ids": [other] }), vec![other]),
            (json!(null), vec![plan, other]),
        ] {
            let data = app.data(plans, json!({ "f": filter })).await;
            assert_eq!(node_ids(&data["plans"]["nodes"]), expected, "{filter}");
            assert_eq!(data["plans"]["totalCount"], expected.len());
        }
    }

    async fn plans_page_both_ways(app: TestApp) {
        let mut ids = Vec::new();
        for name in ["b", "a", "d", "c"] {
            ids.push(app.create_plan(name).await);
        }
        let query = "query($first: Int, $after: String, $last: Int, $before: String) { plans(first: $first, after: $after, last: $last, before: $before, orderBy: { field: NAME, direction: DESC }) { nodes { name } pageInfo { endCursor startCursor hasNextPage } } }";
        let page = app.data(query, json!({ "first": 2 })).await;
        assert_eq!(page["plans"]["nodes"], json!([{ "name": "d" }, { "name": "c" }]));
        let next = app.data(query, json!({ "first": 2, "after": page["plans"]["pageInfo"]["endCursor"] })).await;
        assert_eq!(next["plans"]["nodes"], json!([{ "name": "b" }, { "name": "a" }]));
        assert_eq!(next["plans"]["pageInfo"]["hasNextPage"], false);
        let back = app.data(query, json!({ "last": 1, "before": next["plans"]["pageInfo"]["startCursor"] })).await;
        assert_eq!(back["plans"]["nodes"], json!([{ "name": "c" }]));
    }

    async fn cursor_and_size_rules(app: TestApp) {
        people(&app).await;
        let by_name = app
            .data(USERS, json!({ "first": 1, "order": { "field": "NAME", "direction": "ASC" } }))
            .await["users"]["pageInfo"]["endCursor"]
            .clone();
        for (variables, field) in [
            (json!({ "after": "not a cursor" }), "after"),
            (json!({ "before": "eyJ4IjoxfQ" }), "before"),
            (json!({ "after": by_name, "order": { "field": "EMAIL", "direction": "ASC" } }), "after"),
            (json!({ "after": by_name, "order": { "field": "NAME", "direction": "DESC" } }), "after"),
            (json!({ "first": 1001 }), "first"),
            (json!({ "first": -1 }), "first"),
            (json!({ "last": 1001 }), "last"),
            (json!({ "first": 1, "last": 1 }), "last"),
        ] {
            let error = app.error(USERS, variables.clone()).await;
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}: {error}");
            assert_eq!(error["extensions"]["field"], field, "{variables}");
        }
        // The same cursor is fine with the ordering it was made for.
        let next = app.data(USERS, json!({ "first": 1, "after": by_name, "order": { "field": "NAME", "direction": "ASC" } })).await;
        assert_eq!(next["users"]["nodes"].as_array().unwrap().len(), 1);
        let max = app.data(USERS, json!({ "first": 1000 })).await;
        assert_eq!(max["users"]["nodes"].as_array().unwrap().len(), PEOPLE.len());
    }
}
