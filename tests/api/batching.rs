//! Nested fields are batched by DataLoaders: the statements a request runs depend on the
//! depth of the query, not on how many rows it returns.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::documents::{ADD_PLANS_TO_USER, SET_PLAN_USERS};
use crate::helpers::*;
use crate::on_both_databases;

/// `users` -> plans -> users -> plans: one statement per level.
const DEEP: &str = "query($first: Int) { users(first: $first) { \
                    nodes { id plans { id users { id plans { id } } } } } }";

/// 30 users in 6 plans, each user in 3 of them.
async fn seed(app: &TestApp) -> Fixture {
    let mut fixture = app.fixture().plans(6).users(30);
    for user in 0..30 {
        let chosen: Vec<usize> = (0..3).map(|k| (user + k * 2) % 6).collect();
        fixture = fixture.add_plans_to_user(user, &chosen);
    }
    fixture.build().await
}

/// Lifts the query cost limit for the deep queries these tests count statements of.
const UNLIMITED: &[&str] = &["--max-complexity", "1000000000"];

on_both_databases!(statement_count_depends_on_depth_not_rows);
async fn statement_count_depends_on_depth_not_rows(app: TestApp) {
    // DEEP could return 50 x 100 x 100 x 100 rows at worst: past the default cost limit.
    let app = app.restarted_with(UNLIMITED).await;
    seed(&app).await;
    let one = app.statements(DEEP, json!({ "first": 1 })).await;
    let fifty = app.statements(DEEP, json!({ "first": 50 })).await;
    assert_eq!(one, 4, "one statement per level");
    assert_eq!(fifty, one, "30 users cost what 1 user costs");
    // And the answer is complete: every user has their 3 plans, each plan its users.
    let data = app.data(DEEP, json!({ "first": 50 })).await;
    let nodes = data["users"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 30);
    for node in nodes {
        let plans = node["plans"].as_array().unwrap();
        assert_eq!(plans.len(), 3);
        for plan in plans {
            assert_eq!(plan["users"].as_array().unwrap().len(), 15);
        }
    }
}

on_both_databases!(counts_and_memberships_are_one_statement_per_level);
async fn counts_and_memberships_are_one_statement_per_level(app: TestApp) {
    seed(&app).await;
    let query =
        "{ users(first: 50) { nodes { planCount memberships { role plan { userCount } } } } }";
    // users page, planCount, memberships, plan by id, userCount.
    assert_eq!(app.statements(query, json!({})).await, 5);
    let data = app.data(query, json!({})).await;
    for node in data["users"]["nodes"].as_array().unwrap() {
        assert_eq!(node["planCount"], 3);
        for membership in node["memberships"].as_array().unwrap() {
            assert_eq!(membership["plan"]["userCount"], 15);
        }
    }
}

on_both_databases!(field_arguments_are_part_of_the_batch_key);
async fn field_arguments_are_part_of_the_batch_key(app: TestApp) {
    let Fixture { users, plans } = seed(&app).await;
    // Make user 0 an ADMIN of its first plan only.
    let first_plan = app
        .data(
            "query($id: UUID!) { user(id: $id) { plans(first: 1) { id } } }",
            json!({ "id": users[0] }),
        )
        .await["user"]["plans"][0]["id"]
        .clone();
    app.update_user_plan(users[0], uuid(&first_plan), "ADMIN")
        .await
        .unwrap();
    let query = "query($ids: [UUID!]) { users(filter: { ids: $ids }) { nodes { id \
                 all: plans { id } admin: plans(role: ADMIN) { id } \
                 one: plans(first: 1) { id } } } }";
    let data = app
        .data(query, json!({ "ids": [users[0], users[1]] }))
        .await;
    let nodes = data["users"]["nodes"].as_array().unwrap();
    let user0 = nodes.iter().find(|n| uuid(&n["id"]) == users[0]).unwrap();
    let user1 = nodes.iter().find(|n| uuid(&n["id"]) == users[1]).unwrap();
    assert_eq!(user0["all"].as_array().unwrap().len(), 3);
    assert_eq!(user0["admin"], json!([{ "id": first_plan }]));
    assert_eq!(user0["one"], json!([{ "id": first_plan }]));
    assert_eq!(user1["all"].as_array().unwrap().len(), 3);
    assert_eq!(user1["admin"], json!([]));
    assert_eq!(user1["one"].as_array().unwrap().len(), 1);
    assert!(plans.contains(&uuid(&user1["one"][0]["id"])));
    // users page + one statement per distinct argument set.
    assert_eq!(
        app.statements(query, json!({ "ids": [users[0], users[1]] }))
            .await,
        4
    );
}

on_both_databases!(statement_count_is_exact_under_concurrent_load);
async fn statement_count_is_exact_under_concurrent_load(app: TestApp) {
    let app = app.restarted_with(UNLIMITED).await;
    seed(&app).await;
    let app = std::sync::Arc::new(app);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 32 clients keep the server and both cores busy while the count is checked, with
    // lighter queries so the test stays quick in a debug build.
    let light = "{ users(first: 5) { nodes { plans { id users(first: 3) { id } } } } }";
    let load: Vec<_> = (0..32)
        .map(|_| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                let mut sent = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && sent < 2_000 {
                    app.data(light, json!({})).await;
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    for run in 0..50 {
        assert_eq!(
            app.statements(DEEP, json!({ "first": 50 })).await,
            4,
            "run {run}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut background = 0;
    for task in load {
        background += task.await.unwrap();
    }
    assert!(background > 0, "the load ran beside the checks");
}

on_both_databases!(membership_mutations_run_one_statement_and_load_only_what_is_selected);
async fn membership_mutations_run_one_statement_and_load_only_what_is_selected(app: TestApp) {
    let user = app.create_user("m@example.com", "M").await;
    let plan = app.create_plan("P").await;
    let extra = app.lock_statements() + app.history_statements();
    let add = json!({ "userId": user, "planIds": [plan] });
    assert_eq!(app.statements(ADD_PLANS_TO_USER, add).await, 1 + extra);
    let with_user = "mutation($u: UUID!, $p: [UUID!]!) { \
                     removePlansFromUser(userId: $u, planIds: $p) { \
                     removedPlanIds user { planCount } } }";
    // delete, the user, its count.
    assert_eq!(
        app.statements(with_user, json!({ "u": user, "p": [plan] }))
            .await,
        3 + extra
    );
}

on_both_databases!(bulk_membership_mutations_run_a_constant_number_of_statements);
async fn bulk_membership_mutations_run_a_constant_number_of_statements(app: TestApp) {
    app.seed(Seed {
        users: 10_000,
        plans: 1_000,
        memberships_per_user: 0,
        random_seed: 7,
    })
    .await;
    let (users, plans) = (app.ids("users").await, app.ids("plans").await);

    let add = json!({ "userId": users[0], "planIds": plans });
    let response = app.post(ADD_PLANS_TO_USER, add).await;
    let (lock, history) = (app.lock_statements(), app.history_statements());
    assert_eq!(
        response["extensions"]["sql"]["statements"],
        1 + lock + history,
        "one INSERT for 1,000 ids"
    );
    assert_eq!(
        uuids(&response["data"]["addPlansToUser"]["addedPlanIds"]),
        plans
    );

    let set = json!({ "planId": plans[0], "userIds": users[1..] });
    let response = app.post(SET_PLAN_USERS, set).await;
    // the plan is there, delete the memberships not kept, insert the missing ones; on
    // PostgreSQL the statement that takes the locks checks the plan too; and the 10,000
    // events go to the history in one statement.
    assert_eq!(
        response["extensions"]["sql"]["statements"],
        3 + history,
        "{}",
        response["errors"]
    );
    assert_eq!(
        uuids(&response["data"]["setPlanUsers"]["addedUserIds"]),
        users[1..].to_vec()
    );
    assert_eq!(
        uuids(&response["data"]["setPlanUsers"]["removedUserIds"]),
        vec![users[0]]
    );
    assert_eq!(
        app.memberships().await.len(),
        plans.len() - 1 + users.len() - 1
    );
}

on_both_databases!(a_signed_in_member_runs_the_statements_the_service_runs);
async fn a_signed_in_member_runs_the_statements_the_service_runs(app: TestApp) {
    let Fixture { users, plans } = seed(&app).await;
    let sign_in = SignIn::default();
    let service = "the service's token";
    let mut options = sign_in.options();
    options.extend_from_slice(&["--api-token", service]);
    options.extend_from_slice(UNLIMITED);
    let app = app.restarted_with(&options).await;
    // User 0 is in plans 0, 2 and 4, with the 15 users of even number: user 1 and plan 1
    // are hidden from them.
    let (member, nobody) = (sign_in.token(users[0]), uuid::Uuid::now_v7());
    let admin = sign_in.token_with(json!({ "sub": users[1], "roles": ["userplan-admin"] }));
    let counts =
        "{ users(first: 50) { nodes { planCount memberships { role plan { userCount } } } } }";
    let arguments = "query($ids: [UUID!]) { users(filter: { ids: $ids }) { nodes { id \
                     all: plans { id } admin: plans(role: ADMIN) { id } \
                     one: plans(first: 1) { id } } } }";
    let light = "{ users(first: 5) { nodes { plans { id users(first: 3) { id } } } } }";
    let one_user = "query($id: UUID!) { user(id: $id) { planCount plans { users { id } } \
                    memberships { plan { userCount } } } }";
    let one_plan = "query($id: UUID!) { plan(id: $id) { userCount users { plans { id } } \
                    memberships { user { planCount } } } }";
    let filtered = "query($p: UUID, $u: UUID) { users(filter: { planId: $p }) { totalCount \
                    nodes { id } } plans(filter: { userId: $u }) { totalCount nodes { id } } }";
    let link = "query($u: UUID!, $p: UUID!) { userPlan(userId: $u, planId: $p) { role \
                user { planCount } plan { userCount } } }";
    // Each query, as the member asks it, and as the service asks one alike: the same
    // variables, but a nonexistent id for one hidden from the member (which reads like a
    // missing one, statements included).
    let same = |variables: Value| (variables.clone(), variables);
    let cases = [
        (DEEP, same(json!({ "first": 1 }))),
        (DEEP, same(json!({ "first": 50 }))),
        (counts, same(json!({}))),
        (arguments, same(json!({ "ids": [users[0], users[1]] }))),
        (light, same(json!({}))),
        (one_user, same(json!({ "id": users[2] }))),
        (
            one_user,
            (json!({ "id": users[1] }), json!({ "id": nobody })),
        ),
        (one_plan, same(json!({ "id": plans[0] }))),
        (
            one_plan,
            (json!({ "id": plans[1] }), json!({ "id": nobody })),
        ),
        (filtered, same(json!({ "p": plans[0], "u": users[2] }))),
        (
            filtered,
            (
                json!({ "p": plans[1], "u": users[1] }),
                json!({ "p": nobody, "u": nobody }),
            ),
        ),
        (link, same(json!({ "u": users[2], "p": plans[2] }))),
        (
            link,
            (
                json!({ "u": users[1], "p": plans[1] }),
                json!({ "u": users[1], "p": nobody }),
            ),
        ),
    ];
    for (query, (asked, alike)) in cases {
        let expected = app.statements_as(service, query, alike).await;
        let counted = app.statements_as(&member, query, asked.clone()).await;
        assert_eq!(counted, expected, "member: {query} {asked}");
        let counted = app.statements_as(&admin, query, asked.clone()).await;
        let everything = app.statements_as(service, query, asked.clone()).await;
        assert_eq!(counted, everything, "administrator: {query} {asked}");
    }
    // What the member was counted for is what they see: half of everything.
    let seen = app.post_as(&member, DEEP, json!({ "first": 50 })).await;
    assert_eq!(seen["data"]["users"]["nodes"].as_array().unwrap().len(), 15);
    let all = app.post_as(service, DEEP, json!({ "first": 50 })).await;
    assert_eq!(all["data"]["users"]["nodes"].as_array().unwrap().len(), 30);
}

on_both_databases!(a_list_asked_for_ids_alone_reads_the_links_alone);
async fn a_list_asked_for_ids_alone_reads_the_links_alone(app: TestApp) {
    let Fixture { users, plans } = seed(&app).await;
    // The seed's model: user u is in plans (u + 2k) % 6, k = 0..3; each plan has 15 users.
    let plans_of = |user: Uuid| -> Vec<Uuid> {
        let u = users.iter().position(|&id| id == user).unwrap();
        let mut ids: Vec<Uuid> = (0..3).map(|k| plans[(u + k * 2) % 6]).collect();
        ids.sort();
        ids
    };
    let names: Value = app.data("{ plans { nodes { id name } } }", json!({})).await;
    let name_of = |plan: Uuid| {
        let nodes = names["plans"]["nodes"].as_array().unwrap();
        let node = nodes.iter().find(|node| uuid(&node["id"]) == plan).unwrap();
        node["name"].clone()
    };
    let reads_plans = |sql: &[sea_orm::Statement]| {
        sql.iter().any(|statement| {
            let text = statement.sql.as_str();
            text.contains("JOIN plans") || text.contains("FROM plans")
        })
    };
    let page = |list: &str| format!("{{ users(first: 50) {{ nodes {{ id {list} }} }} }}");
    let by_fragment = format!(
        "{} fragment P on Plan {{ id name }}",
        page("plans { ...P }")
    );
    let lists = [
        ("plans { id }", false),
        ("plans { __typename id }", false),
        (
            "plans(first: 3) { id userCount memberships(first: 15) { role } \
             users(first: 1) { id } }",
            false,
        ),
        ("plans { id name }", true),
        ("a: plans { id } b: plans { id name }", true),
        ("plans { ... on Plan { name } id }", true),
    ];
    let cases = (lists.iter())
        .map(|&(list, rows)| (page(list), rows))
        .chain([(by_fragment, true)]);
    for (query, asks_rows) in cases {
        let list = query.as_str();
        let sql = app.sql_of_as(None, &query, json!({})).await;
        // The page and one statement per list below it: aliases with the same arguments
        // share one, whatever each selects.
        let lists = 1 + list.matches("userCount").count() * 3;
        assert_eq!(sql.len(), 1 + lists, "{query}");
        assert_eq!(reads_plans(&sql), asks_rows, "{query}");
        let data = app.data(&query, json!({})).await;
        let nodes = data["users"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), users.len());
        for node in nodes {
            let expected = plans_of(uuid(&node["id"]));
            for key in ["plans", "a", "b"] {
                let Some(got) = node[key].as_array() else {
                    continue;
                };
                let ids: Vec<Uuid> = got.iter().map(|plan| uuid(&plan["id"])).collect();
                assert_eq!(ids, expected, "{query}");
                for plan in got {
                    if list.contains("__typename") {
                        assert_eq!(plan["__typename"], "Plan");
                    }
                    if list.contains("userCount") {
                        assert_eq!(plan["userCount"], 15);
                        assert_eq!(plan["memberships"].as_array().unwrap().len(), 15);
                        assert_eq!(plan["users"].as_array().unwrap().len(), 1);
                    }
                    if key == "b" || (asks_rows && key == "plans") {
                        // Every list that asks for rows here asks for the name.
                        assert_eq!(plan["name"], name_of(uuid(&plan["id"])), "{query}");
                    }
                }
            }
        }
    }
    // From the other side: a plan's users by id alone.
    let query = "{ plans { nodes { id users { id } } } }";
    let sql = app.sql_of_as(None, query, json!({})).await;
    assert_eq!(sql.len(), 2);
    let text = &sql[1].sql;
    assert!(
        !text.contains("JOIN users") && !text.contains("FROM users"),
        "{text}"
    );
    let data = app.data(query, json!({})).await;
    for node in data["plans"]["nodes"].as_array().unwrap() {
        let plan = uuid(&node["id"]);
        let mut expected: Vec<Uuid> = (users.iter().copied())
            .filter(|&user| plans_of(user).contains(&plan))
            .collect();
        expected.sort();
        let got: Vec<Uuid> = (node["users"].as_array().unwrap().iter())
            .map(|user| uuid(&user["id"]))
            .collect();
        assert_eq!(got, expected);
    }
}
