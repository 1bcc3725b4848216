//! The join resource and manage_relationship from both sides: createUserPlan,
//! updateUserPlan, deleteUserPlan, userPlan, add*/remove*/set* and the cascades.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;

const ADD_PLANS: &str = "mutation($u: UUID!, $p: [UUID!]!, $r: MembershipRole) { addPlansToUser(userId: $u, planIds: $p, role: $r) { addedPlanIds removedPlanIds unchangedPlanIds user { id } } }";
const REMOVE_PLANS: &str = "mutation($u: UUID!, $p: [UUID!]!) { removePlansFromUser(userId: $u, planIds: $p) { addedPlanIds removedPlanIds unchangedPlanIds } }";
const SET_PLANS: &str = "mutation($u: UUID!, $p: [UUID!]!, $e: [UUID!]) { setUserPlans(userId: $u, planIds: $p, expectedPlanIds: $e) { addedPlanIds removedPlanIds unchangedPlanIds } }";
const ADD_USERS: &str = "mutation($p: UUID!, $u: [UUID!]!, $r: MembershipRole) { addUsersToPlan(planId: $p, userIds: $u, role: $r) { addedUserIds removedUserIds unchangedUserIds plan { id userCount } } }";
const REMOVE_USERS: &str = "mutation($p: UUID!, $u: [UUID!]!) { removeUsersFromPlan(planId: $p, userIds: $u) { addedUserIds removedUserIds unchangedUserIds } }";
const SET_USERS: &str = "mutation($p: UUID!, $u: [UUID!]!, $e: [UUID!]) { setPlanUsers(planId: $p, userIds: $u, expectedUserIds: $e) { addedUserIds removedUserIds unchangedUserIds } }";

async fn plans(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.create_plan(&format!("Plan {i}")).await);
    }
    ids
}

async fn users(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.create_user(&format!("user{i}@example.com"), &format!("User {i}"))
                .await,
        );
    }
    ids
}

/// The links in the database as (user, plan) pairs.
async fn pairs(app: &TestApp) -> Vec<(Uuid, Uuid)> {
    app.links()
        .await
        .into_iter()
        .map(|(user, plan, _)| (user, plan))
        .collect()
}

fn changes(payload: &Value, noun: &str) -> (Vec<Uuid>, Vec<Uuid>, Vec<Uuid>) {
    (
        uuids(&payload[format!("added{noun}Ids")]),
        uuids(&payload[format!("removed{noun}Ids")]),
        uuids(&payload[format!("unchanged{noun}Ids")]),
    )
}

on_both_databases!(the_seed_story);
async fn the_seed_story(app: TestApp) {
    // Create a user and a plan, link them, load the user with plans, append another.
    let ada = app.create_user("ada@example.com", "Ada").await;
    let pro = app.create_plan("Pro").await;
    let created = app
        .data(
            "mutation($u: UUID!, $p: UUID!) { createUserPlan(input: { userId: $u, planId: $p }) { userId planId role insertedAt user { name } plan { name } } }",
            json!({ "u": ada, "p": pro }),
        )
        .await;
    let link = &created["createUserPlan"];
    assert_eq!((uuid(&link["userId"]), uuid(&link["planId"])), (ada, pro));
    assert_eq!(link["role"], "MEMBER", "role defaults to MEMBER");
    assert_eq!(link["user"]["name"], "Ada");
    assert_eq!(link["plan"]["name"], "Pro");

    let team = app.create_plan("Team").await;
    let appended = app
        .data(ADD_PLANS, json!({ "u": ada, "p": [team, pro] }))
        .await;
    let (added, removed, unchanged) = changes(&appended["addPlansToUser"], "Plan");
    assert_eq!((added, removed, unchanged), (vec![team], vec![], vec![pro]));

    let loaded = app
        .data(
            "query($u: UUID!) { user(id: $u) { planCount plans { id name users { id } } } }",
            json!({ "u": ada }),
        )
        .await;
    assert_eq!(loaded["user"]["planCount"], 2);
    let names: Vec<&str> = loaded["user"]["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Pro", "Team"], "plans in creation order");
    for plan in loaded["user"]["plans"].as_array().unwrap() {
        assert_eq!(
            node_ids(&plan["users"]),
            vec![ada],
            "and back from each plan"
        );
    }
}

on_both_databases!(the_join_resource_actions);
async fn the_join_resource_actions(app: TestApp) {
    let (user, plan) = (
        app.create_user("j@example.com", "J").await,
        app.create_plan("P").await,
    );
    let create = "mutation($u: UUID!, $p: UUID!, $r: MembershipRole) { createUserPlan(input: { userId: $u, planId: $p, role: $r }) { role } }";
    let created = app
        .data(create, json!({ "u": user, "p": plan, "r": "OWNER" }))
        .await;
    assert_eq!(created["createUserPlan"]["role"], "OWNER");
    let before = app.snapshot().await;
    assert_eq!(
        app.error_code(create, json!({ "u": user, "p": plan }))
            .await,
        "CONFLICT"
    );
    assert_eq!(app.snapshot().await, before);

    let missing = Uuid::now_v7();
    let error = app.error(create, json!({ "u": user, "p": missing })).await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([missing]));
    let error = app.error(create, json!({ "u": missing, "p": plan })).await;
    assert_eq!(error["extensions"]["ids"], json!([missing]));

    let read = "query($u: UUID!, $p: UUID!) { userPlan(userId: $u, planId: $p) { role user { email } plan { name } } }";
    let found = app.data(read, json!({ "u": user, "p": plan })).await;
    assert_eq!(
        found["userPlan"],
        json!({ "role": "OWNER", "user": { "email": "j@example.com" }, "plan": { "name": "P" } })
    );
    assert_eq!(
        app.data(read, json!({ "u": user, "p": missing })).await["userPlan"],
        json!(null)
    );

    let update = "mutation($u: UUID!, $p: UUID!) { updateUserPlan(userId: $u, planId: $p, role: ADMIN) { role } }";
    assert_eq!(
        app.data(update, json!({ "u": user, "p": plan })).await["updateUserPlan"]["role"],
        "ADMIN"
    );
    assert_eq!(app.links().await, vec![(user, plan, "ADMIN".to_owned())]);

    let delete = "mutation($u: UUID!, $p: UUID!) { deleteUserPlan(userId: $u, planId: $p) { userId planId role } }";
    let deleted = app.data(delete, json!({ "u": user, "p": plan })).await;
    assert_eq!(
        deleted["deleteUserPlan"]["role"], "ADMIN",
        "returns the row as it was"
    );
    assert!(app.links().await.is_empty());
    let error = app.error(delete, json!({ "u": user, "p": plan })).await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!(sorted([user, plan])));
    assert_eq!(
        app.error_code(update, json!({ "u": user, "p": plan }))
            .await,
        "NOT_FOUND"
    );
}

on_both_databases!(append_is_idempotent_and_keeps_existing_roles);
async fn append_is_idempotent_and_keeps_existing_roles(app: TestApp) {
    let user = app.create_user("a@example.com", "A").await;
    let ids = plans(&app, 3).await;
    app.link(user, ids[0], "OWNER").await;
    let first = app
        .data(
            ADD_PLANS,
            json!({ "u": user, "p": [ids[2], ids[0], ids[1], ids[2]], "r": "ADMIN" }),
        )
        .await;
    let (added, removed, unchanged) = changes(&first["addPlansToUser"], "Plan");
    assert_eq!(
        added,
        sorted([ids[1], ids[2]]),
        "duplicates in the input count once"
    );
    assert!(removed.is_empty());
    assert_eq!(unchanged, vec![ids[0]]);
    let again = app.data(ADD_PLANS, json!({ "u": user, "p": ids })).await;
    let (added, _, unchanged) = changes(&again["addPlansToUser"], "Plan");
    assert!(added.is_empty());
    assert_eq!(unchanged, sorted(ids.clone()));
    let mut roles: Vec<(Uuid, String)> = app
        .links()
        .await
        .into_iter()
        .map(|(_, plan, role)| (plan, role))
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        vec![
            (ids[0], "OWNER".into()),
            (ids[1], "ADMIN".into()),
            (ids[2], "ADMIN".into())
        ]
    );
}

on_both_databases!(append_with_an_unknown_id_changes_nothing);
async fn append_with_an_unknown_id_changes_nothing(app: TestApp) {
    let user = app.create_user("u@example.com", "U").await;
    let ids = plans(&app, 2).await;
    let before = app.snapshot().await;
    let unknown = Uuid::now_v7();
    let error = app
        .error(
            ADD_PLANS,
            json!({ "u": user, "p": [ids[0], unknown, ids[1]] }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
    assert_eq!(
        app.snapshot().await,
        before,
        "none of the known plans was linked"
    );
    let error = app
        .error(ADD_PLANS, json!({ "u": unknown, "p": [ids[0]] }))
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
    assert_eq!(
        app.error_code(ADD_PLANS, json!({ "u": unknown, "p": [] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(app.snapshot().await, before);
}

on_both_databases!(remove_reports_what_was_not_linked);
async fn remove_reports_what_was_not_linked(app: TestApp) {
    let user = app.create_user("r@example.com", "R").await;
    let ids = plans(&app, 3).await;
    app.data(ADD_PLANS, json!({ "u": user, "p": [ids[0], ids[1]] }))
        .await;
    let unknown = Uuid::now_v7();
    let removed = app
        .data(
            REMOVE_PLANS,
            json!({ "u": user, "p": [ids[1], ids[2], unknown] }),
        )
        .await;
    let (added, removed, unchanged) = changes(&removed["removePlansFromUser"], "Plan");
    assert!(added.is_empty());
    assert_eq!(removed, vec![ids[1]]);
    assert_eq!(unchanged, sorted([ids[2], unknown]));
    assert_eq!(pairs(&app).await, vec![(user, ids[0])]);
    let error = app
        .error(REMOVE_PLANS, json!({ "u": unknown, "p": [ids[0]] }))
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
}

on_both_databases!(set_leaves_exactly_the_given_plans);
async fn set_leaves_exactly_the_given_plans(app: TestApp) {
    let user = app.create_user("s@example.com", "S").await;
    let ids = plans(&app, 4).await;
    app.data(ADD_PLANS, json!({ "u": user, "p": [ids[0], ids[1]] }))
        .await;
    let set = app
        .data(
            SET_PLANS,
            json!({ "u": user, "p": [ids[1], ids[2], ids[3]] }),
        )
        .await;
    let (added, removed, unchanged) = changes(&set["setUserPlans"], "Plan");
    assert_eq!(added, sorted([ids[2], ids[3]]));
    assert_eq!(removed, vec![ids[0]]);
    assert_eq!(unchanged, vec![ids[1]]);
    assert_eq!(
        pairs(&app).await,
        sorted([ids[1], ids[2], ids[3]])
            .into_iter()
            .map(|p| (user, p))
            .collect::<Vec<_>>()
    );

    // With the expected set: refused when it differs, applied when it matches.
    let before = app.snapshot().await;
    let error = app
        .error(
            SET_PLANS,
            json!({ "u": user, "p": [ids[0]], "e": [ids[1]] }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    assert_eq!(app.snapshot().await, before);
    let set = app
        .data(
            SET_PLANS,
            json!({ "u": user, "p": [ids[0]], "e": [ids[3], ids[2], ids[1]] }),
        )
        .await;
    assert_eq!(
        uuids(&set["setUserPlans"]["removedPlanIds"]),
        sorted([ids[1], ids[2], ids[3]])
    );
    assert_eq!(pairs(&app).await, vec![(user, ids[0])]);

    // An unknown id fails the whole call; the empty set removes everything.
    let before = app.snapshot().await;
    let unknown = Uuid::now_v7();
    let error = app
        .error(SET_PLANS, json!({ "u": user, "p": [ids[1], unknown] }))
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
    assert_eq!(app.snapshot().await, before);
    let cleared = app.data(SET_PLANS, json!({ "u": user, "p": [] })).await;
    assert_eq!(
        uuids(&cleared["setUserPlans"]["removedPlanIds"]),
        vec![ids[0]]
    );
    assert!(app.links().await.is_empty());
    assert_eq!(
        app.error_code(SET_PLANS, json!({ "u": unknown, "p": [] }))
            .await,
        "NOT_FOUND"
    );
}

on_both_databases!(the_plan_side_manages_its_users);
async fn the_plan_side_manages_its_users(app: TestApp) {
    let plan = app.create_plan("Team").await;
    let ids = users(&app, 3).await;
    let added = app
        .data(
            ADD_USERS,
            json!({ "p": plan, "u": [ids[0], ids[1]], "r": "ADMIN" }),
        )
        .await;
    assert_eq!(
        uuids(&added["addUsersToPlan"]["addedUserIds"]),
        sorted([ids[0], ids[1]])
    );
    assert_eq!(
        added["addUsersToPlan"]["plan"]["userCount"], 2,
        "the payload reads after the write"
    );
    let removed = app
        .data(REMOVE_USERS, json!({ "p": plan, "u": [ids[0], ids[2]] }))
        .await;
    let (_, removed, unchanged) = changes(&removed["removeUsersFromPlan"], "User");
    assert_eq!((removed, unchanged), (vec![ids[0]], vec![ids[2]]));
    let set = app
        .data(
            SET_USERS,
            json!({ "p": plan, "u": [ids[2]], "e": [ids[1]] }),
        )
        .await;
    let (added, removed, unchanged) = changes(&set["setPlanUsers"], "User");
    assert_eq!(
        (added, removed, unchanged),
        (vec![ids[2]], vec![ids[1]], vec![])
    );
    assert_eq!(app.links().await, vec![(ids[2], plan, "MEMBER".to_owned())]);
    let before = app.snapshot().await;
    assert_eq!(
        app.error_code(SET_USERS, json!({ "p": plan, "u": [], "e": [ids[0]] }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.error_code(ADD_USERS, json!({ "p": plan, "u": [Uuid::now_v7()] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(app.snapshot().await, before);
}

on_both_databases!(deletes_cascade_to_links);
async fn deletes_cascade_to_links(app: TestApp) {
    let ids = users(&app, 2).await;
    let team = plans(&app, 2).await;
    for user in &ids {
        app.data(ADD_PLANS, json!({ "u": user, "p": team })).await;
    }
    app.data(
        "mutation($id: UUID!) { deleteUser(id: $id) }",
        json!({ "id": ids[0] }),
    )
    .await;
    let count = app
        .data(
            "query($p: UUID!) { plan(id: $p) { userCount users { id } } }",
            json!({ "p": team[0] }),
        )
        .await;
    assert_eq!(count["plan"]["userCount"], 1);
    assert_eq!(node_ids(&count["plan"]["users"]), vec![ids[1]]);
    app.data(
        "mutation($id: UUID!) { deletePlan(id: $id) }",
        json!({ "id": team[0] }),
    )
    .await;
    assert_eq!(pairs(&app).await, vec![(ids[1], team[1])]);
}

on_both_databases!(nested_lists_honour_their_arguments);
async fn nested_lists_honour_their_arguments(app: TestApp) {
    let ids = users(&app, 2).await;
    let team = plans(&app, 3).await;
    app.data(ADD_PLANS, json!({ "u": ids[0], "p": team })).await;
    app.data(ADD_PLANS, json!({ "u": ids[1], "p": [team[1], team[2]] }))
        .await;
    app.data("mutation($u: UUID!, $p: UUID!) { updateUserPlan(userId: $u, planId: $p, role: ADMIN) { role } }", json!({ "u": ids[0], "p": team[2] })).await;
    let data = app
        .data(
            "{ users { nodes { id planCount all: plans { id } one: plans(first: 1) { id } admin: plans(role: ADMIN) { id } memberships { planId role } last: memberships(first: 1) { planId } } } }",
            json!({}),
        )
        .await;
    let nodes = data["users"]["nodes"].as_array().unwrap();
    let (first, second) = (&nodes[0], &nodes[1]);
    assert_eq!(uuid(&first["id"]), ids[0]);
    assert_eq!(first["planCount"], 3);
    assert_eq!(node_ids(&first["all"]), team);
    assert_eq!(
        node_ids(&first["one"]),
        vec![team[0]],
        "first applies per parent"
    );
    assert_eq!(node_ids(&second["one"]), vec![team[1]]);
    assert_eq!(node_ids(&first["admin"]), vec![team[2]]);
    assert_eq!(second["admin"], json!([]));
    assert_eq!(first["memberships"].as_array().unwrap().len(), 3);
    // All three links were made by one statement, so "newest first" ties on time and
    // falls back to the newest plan id: the last plan.
    assert_eq!(uuids(&json!([first["last"][0]["planId"]])), vec![team[2]]);
    for (first, code) in [(1001, "BAD_USER_INPUT"), (-1, "BAD_USER_INPUT")] {
        let query = format!("{{ users {{ nodes {{ plans(first: {first}) {{ id }} }} }} }}");
        assert_eq!(app.error_code(&query, json!({})).await, code);
    }
}

on_both_databases!(ten_thousand_unknown_ids_are_listed_in_extensions_not_the_message);
async fn ten_thousand_unknown_ids_are_listed_in_extensions_not_the_message(app: TestApp) {
    let user = app.create_user("many@example.com", "Many").await;
    let unknown: Vec<Uuid> = (0..10_000).map(|_| Uuid::new_v4()).collect();
    let add = "mutation($u: UUID!, $p: [UUID!]!) { addPlansToUser(userId: $u, planIds: $p) { addedPlanIds } }";
    let error = app.error(add, json!({ "u": user, "p": unknown })).await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{error}");
    assert_eq!(
        uuids(&error["extensions"]["ids"]),
        sorted(unknown.iter().copied())
    );
    let message = error["message"].as_str().unwrap();
    assert!(message.len() < 300, "{} bytes: {message}", message.len());
    assert!(message.contains("9997 more"), "{message}");
    // A few are all named.
    let error = app
        .error(add, json!({ "u": user, "p": &unknown[..2] }))
        .await;
    let message = error["message"].as_str().unwrap();
    for id in &unknown[..2] {
        assert!(message.contains(&id.to_string()), "{message}");
    }
}
