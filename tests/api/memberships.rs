//! The join resource and manage_relationship from both sides: createUserPlan,
//! updateUserPlan, deleteUserPlan, userPlan, add*/remove*/set* and the cascades.

use serde_json::json;
use uuid::Uuid;

use crate::documents::{DELETE_PLAN, DELETE_USER};
use crate::helpers::*;
use crate::on_both_databases;

/// The memberships in the database as (user, plan) pairs.
async fn pairs(app: &TestApp) -> Vec<(Uuid, Uuid)> {
    app.memberships()
        .await
        .into_iter()
        .map(|membership| (membership.user, membership.plan))
        .collect()
}

on_both_databases!(the_seed_story);
async fn the_seed_story(app: TestApp) {
    // Create a user and a plan, make the user a member, load the user with plans, add
    // another.
    let ada = app.create_user("ada@example.com", "Ada").await;
    let pro = app.create_plan("Pro").await;
    let created = app
        .data(
            "mutation($u: UUID!, $p: UUID!) { createUserPlan(input: { userId: $u, planId: $p }) { \
             userId planId role insertedAt user { name } plan { name } } }",
            json!({ "u": ada, "p": pro }),
        )
        .await;
    let membership = &created["createUserPlan"];
    assert_eq!(
        (uuid(&membership["userId"]), uuid(&membership["planId"])),
        (ada, pro)
    );
    assert_eq!(membership["role"], "MEMBER", "role defaults to MEMBER");
    assert_eq!(membership["user"]["name"], "Ada");
    assert_eq!(membership["plan"]["name"], "Pro");

    let team = app.create_plan("Team").await;
    let appended = app.add_plans_to_user(ada, &[team, pro]).await.unwrap();
    let expected = Changes {
        added: vec![team],
        removed: vec![],
        unchanged: vec![pro],
    };
    assert_eq!(appended, expected);

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
    let created = app
        .create_user_plan(user, plan)
        .role("OWNER")
        .await
        .unwrap();
    assert_eq!(created.role, "OWNER");
    let before = app.snapshot().await;
    let error = app.create_user_plan(user, plan).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    assert_eq!(app.snapshot().await, before);

    let missing = Uuid::now_v7();
    let error = app.create_user_plan(user, missing).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([missing]));
    let error = app.create_user_plan(missing, plan).await.unwrap_err();
    assert_eq!(error["extensions"]["ids"], json!([missing]));

    let read = "query($u: UUID!, $p: UUID!) { userPlan(userId: $u, planId: $p) { \
                role user { email } plan { name } } }";
    let found = app.data(read, json!({ "u": user, "p": plan })).await;
    assert_eq!(
        found["userPlan"],
        json!({ "role": "OWNER", "user": { "email": "j@example.com" }, "plan": { "name": "P" } })
    );
    assert_eq!(
        app.data(read, json!({ "u": user, "p": missing })).await["userPlan"],
        json!(null)
    );

    let updated = app.update_user_plan(user, plan, "ADMIN").await.unwrap();
    assert_eq!(updated.role, "ADMIN");
    assert_eq!(
        app.memberships().await,
        vec![Membership::new(user, plan, "ADMIN")]
    );

    let deleted = app.delete_user_plan(user, plan).await.unwrap();
    assert_eq!(deleted.role, "ADMIN", "returns the row as it was");
    assert!(app.memberships().await.is_empty());
    let error = app.delete_user_plan(user, plan).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!(sorted([user, plan])));
    let error = app.update_user_plan(user, plan, "ADMIN").await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
}

on_both_databases!(append_is_idempotent_and_keeps_existing_roles);
async fn append_is_idempotent_and_keeps_existing_roles(app: TestApp) {
    let fixture = app
        .fixture()
        .user("a@example.com", "A")
        .plans(3)
        .create_user_plan(0, 0, "OWNER")
        .build()
        .await;
    let (user, ids) = (fixture.users[0], fixture.plans);
    let first = app
        .add_plans_to_user(user, &[ids[2], ids[0], ids[1], ids[2]])
        .role("ADMIN")
        .await
        .unwrap();
    assert_eq!(
        first.added,
        sorted([ids[1], ids[2]]),
        "duplicates in the input count once"
    );
    assert!(first.removed.is_empty());
    assert_eq!(first.unchanged, vec![ids[0]]);
    let again = app.add_plans_to_user(user, &ids).await.unwrap();
    assert!(again.added.is_empty());
    assert_eq!(again.unchanged, sorted(ids.clone()));
    let mut roles: Vec<(Uuid, String)> = app
        .memberships()
        .await
        .into_iter()
        .map(|membership| (membership.plan, membership.role))
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
    let fixture = app
        .fixture()
        .user("u@example.com", "U")
        .plans(2)
        .build()
        .await;
    let (user, ids) = (fixture.users[0], fixture.plans);
    let before = app.snapshot().await;
    let unknown = Uuid::now_v7();
    let error = app
        .add_plans_to_user(user, &[ids[0], unknown, ids[1]])
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
    assert_eq!(
        app.snapshot().await,
        before,
        "the user joined none of the known plans"
    );
    let error = app.add_plans_to_user(unknown, &[ids[0]]).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
    let error = app.add_plans_to_user(unknown, &[]).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
}

on_both_databases!(remove_reports_what_was_not_a_membership);
async fn remove_reports_what_was_not_a_membership(app: TestApp) {
    let fixture = app
        .fixture()
        .user("r@example.com", "R")
        .plans(3)
        .add_plans_to_user(0, &[0, 1])
        .build()
        .await;
    let (user, ids) = (fixture.users[0], fixture.plans);
    let unknown = Uuid::now_v7();
    let removed = app
        .remove_plans_from_user(user, &[ids[1], ids[2], unknown])
        .await
        .unwrap();
    assert!(removed.added.is_empty());
    assert_eq!(removed.removed, vec![ids[1]]);
    assert_eq!(removed.unchanged, sorted([ids[2], unknown]));
    assert_eq!(pairs(&app).await, vec![(user, ids[0])]);
    let error = app
        .remove_plans_from_user(unknown, &[ids[0]])
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
}

on_both_databases!(set_leaves_exactly_the_given_plans);
async fn set_leaves_exactly_the_given_plans(app: TestApp) {
    let fixture = app
        .fixture()
        .user("s@example.com", "S")
        .plans(4)
        .add_plans_to_user(0, &[0, 1])
        .build()
        .await;
    let (user, ids) = (fixture.users[0], fixture.plans);
    let set = app
        .set_user_plans(user, &[ids[1], ids[2], ids[3]])
        .await
        .unwrap();
    assert_eq!(set.added, sorted([ids[2], ids[3]]));
    assert_eq!(set.removed, vec![ids[0]]);
    assert_eq!(set.unchanged, vec![ids[1]]);
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
        .set_user_plans(user, &[ids[0]])
        .expecting(&[ids[1]])
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    assert_eq!(app.snapshot().await, before);
    let set = app
        .set_user_plans(user, &[ids[0]])
        .expecting(&[ids[3], ids[2], ids[1]])
        .await
        .unwrap();
    assert_eq!(set.removed, sorted([ids[1], ids[2], ids[3]]));
    assert_eq!(pairs(&app).await, vec![(user, ids[0])]);

    // An unknown id fails the whole call; the empty set removes everything.
    let before = app.snapshot().await;
    let unknown = Uuid::now_v7();
    let error = app
        .set_user_plans(user, &[ids[1], unknown])
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([unknown]));
    assert_eq!(app.snapshot().await, before);
    let cleared = app.set_user_plans(user, &[]).await.unwrap();
    assert_eq!(cleared.removed, vec![ids[0]]);
    assert!(app.memberships().await.is_empty());
    let error = app.set_user_plans(unknown, &[]).await.unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
}

on_both_databases!(the_plan_side_manages_its_users);
async fn the_plan_side_manages_its_users(app: TestApp) {
    let fixture = app.fixture().plan("Team").users(3).build().await;
    let (plan, ids) = (fixture.plans[0], fixture.users);
    // The payload's plan, read after the write.
    let add = "mutation($p: UUID!, $u: [UUID!]!, $r: MembershipRole) { \
               addUsersToPlan(planId: $p, userIds: $u, role: $r) { \
               addedUserIds removedUserIds unchangedUserIds plan { id userCount } } }";
    let added = app
        .data(
            add,
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
        .remove_users_from_plan(plan, &[ids[0], ids[2]])
        .await
        .unwrap();
    assert_eq!(
        (removed.removed, removed.unchanged),
        (vec![ids[0]], vec![ids[2]])
    );
    let set = app
        .set_plan_users(plan, &[ids[2]])
        .expecting(&[ids[1]])
        .await
        .unwrap();
    let expected = Changes {
        added: vec![ids[2]],
        removed: vec![ids[1]],
        unchanged: vec![],
    };
    assert_eq!(set, expected);
    assert_eq!(
        app.memberships().await,
        vec![Membership::new(ids[2], plan, "MEMBER")]
    );
    let before = app.snapshot().await;
    let error = app
        .set_plan_users(plan, &[])
        .expecting(&[ids[0]])
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    let error = app
        .add_users_to_plan(plan, &[Uuid::now_v7()])
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
}

on_both_databases!(deletes_cascade_to_memberships);
async fn deletes_cascade_to_memberships(app: TestApp) {
    let fixture = app
        .fixture()
        .users(2)
        .plans(2)
        .add_plans_to_user(0, &[0, 1])
        .add_plans_to_user(1, &[0, 1])
        .build()
        .await;
    let (ids, team) = (fixture.users, fixture.plans);
    app.data(DELETE_USER, json!({ "id": ids[0] })).await;
    let count = app
        .data(
            "query($p: UUID!) { plan(id: $p) { userCount users { id } } }",
            json!({ "p": team[0] }),
        )
        .await;
    assert_eq!(count["plan"]["userCount"], 1);
    assert_eq!(node_ids(&count["plan"]["users"]), vec![ids[1]]);
    app.data(DELETE_PLAN, json!({ "id": team[0] })).await;
    assert_eq!(pairs(&app).await, vec![(ids[1], team[1])]);
}

on_both_databases!(nested_lists_honour_their_arguments);
async fn nested_lists_honour_their_arguments(app: TestApp) {
    let fixture = app
        .fixture()
        .users(2)
        .plans(3)
        .add_plans_to_user(0, &[0, 1, 2])
        .add_plans_to_user(1, &[1, 2])
        .build()
        .await;
    let (ids, team) = (fixture.users, fixture.plans);
    app.update_user_plan(ids[0], team[2], "ADMIN")
        .await
        .unwrap();
    let data = app
        .data(
            "{ users { nodes { id planCount all: plans { id } one: plans(first: 1) { id } \
             admin: plans(role: ADMIN) { id } memberships { planId role } \
             last: memberships(first: 1) { planId } } } }",
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
    // All three memberships were made by one statement, so "newest first" ties on time and
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
    let error = app.add_plans_to_user(user, &unknown).await.unwrap_err();
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
        .add_plans_to_user(user, &unknown[..2])
        .await
        .unwrap_err();
    let message = error["message"].as_str().unwrap();
    for id in &unknown[..2] {
        assert!(message.contains(&id.to_string()), "{message}");
    }
}
