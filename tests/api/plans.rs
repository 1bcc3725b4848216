//! createPlan, updatePlan, deletePlan and plan(id).

use serde_json::json;

use crate::documents::{CREATE_PLAN, DELETE_PLAN, UPDATE_PLAN};
use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(create_and_read_back);
async fn create_and_read_back(app: TestApp) {
    let data = app
        .data(
            CREATE_PLAN,
            json!({ "input": { "name": " Pro ", "description": "For teams" } }),
        )
        .await;
    let created = &data["createPlan"];
    assert_eq!(created["name"], "Pro");
    assert_eq!(created["description"], "For teams");
    let id = uuid(&created["id"]);
    let read = app
        .data(
            "query($id: UUID!) { plan(id: $id) { \
             name description insertedAt userCount users { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["plan"]["name"], "Pro");
    assert_eq!(read["plan"]["insertedAt"], created["insertedAt"]);
    assert_eq!(read["plan"]["userCount"], 0);

    let data = app
        .data(CREATE_PLAN, json!({ "input": { "name": "Free" } }))
        .await;
    assert_eq!(data["createPlan"]["description"], json!(null));
}

on_both_databases!(description_is_kept_set_or_cleared);
async fn description_is_kept_set_or_cleared(app: TestApp) {
    let data = app
        .data(
            CREATE_PLAN,
            json!({ "input": { "name": "Team", "description": "first" } }),
        )
        .await;
    let id = uuid(&data["createPlan"]["id"]);
    let kept = app
        .data(
            UPDATE_PLAN,
            json!({ "id": id, "input": { "name": "Team 2" } }),
        )
        .await;
    assert_eq!(
        kept["updatePlan"],
        json!({ "id": id, "name": "Team 2", "description": "first" })
    );
    let set = app
        .data(
            UPDATE_PLAN,
            json!({ "id": id, "input": { "description": "second" } }),
        )
        .await;
    assert_eq!(set["updatePlan"]["description"], "second");
    assert_eq!(set["updatePlan"]["name"], "Team 2");
    let cleared = app
        .data(
            UPDATE_PLAN,
            json!({ "id": id, "input": { "description": null } }),
        )
        .await;
    assert_eq!(cleared["updatePlan"]["description"], json!(null));
}

on_both_databases!(invalid_input_is_bad_user_input);
async fn invalid_input_is_bad_user_input(app: TestApp) {
    let long = "d".repeat(2001);
    for (input, field) in [
        (json!({ "name": "" }), "input.name"),
        (json!({ "name": "n".repeat(201) }), "input.name"),
        (
            json!({ "name": "ok", "description": long }),
            "input.description",
        ),
    ] {
        let error = app.error(CREATE_PLAN, json!({ "input": input })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field);
    }
    let ok = app
        .data(
            CREATE_PLAN,
            json!({ "input": { "name": "ok", "description": "d".repeat(2000) } }),
        )
        .await;
    let id = uuid(&ok["createPlan"]["id"]);
    let before = app.snapshot().await;
    let code = app
        .error_code(UPDATE_PLAN, json!({ "id": id, "input": { "name": "   " } }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.snapshot().await, before);
}

on_both_databases!(missing_plan_is_null_or_not_found);
async fn missing_plan_is_null_or_not_found(app: TestApp) {
    let missing = uuid::Uuid::now_v7();
    let data = app
        .data(
            "query($id: UUID!) { plan(id: $id) { id } }",
            json!({ "id": missing }),
        )
        .await;
    assert_eq!(data["plan"], json!(null));
    for (query, variables) in [
        (DELETE_PLAN, json!({ "id": missing })),
        (
            UPDATE_PLAN,
            json!({ "id": missing, "input": { "name": "x" } }),
        ),
    ] {
        let error = app.error(query, variables).await;
        assert_eq!(error["extensions"]["code"], "NOT_FOUND");
        assert_eq!(error["extensions"]["ids"], json!([missing]));
    }
}

on_both_databases!(delete_returns_the_id);
async fn delete_returns_the_id(app: TestApp) {
    let id = app.create_plan("Doomed").await;
    let data = app.data(DELETE_PLAN, json!({ "id": id })).await;
    assert_eq!(uuid(&data["deletePlan"]), id);
    let data = app
        .data(
            "query($id: UUID!) { plan(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["plan"], json!(null));
}
