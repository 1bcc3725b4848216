//! createUser, updateUser, deleteUser and user(id): validation, uniqueness, not found.

use chrono::{SubsecRound, Utc};
use serde_json::json;

use crate::documents::{CREATE_USER, DELETE_USER, UPDATE_USER};
use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(create_and_read_back);
async fn create_and_read_back(app: TestApp) {
    let before = chrono::Utc::now() - chrono::Duration::milliseconds(1);
    let data = app
        .data(
            CREATE_USER,
            json!({ "input": { "email": " Ada@Example.com ", "name": "  Ada Lovelace " } }),
        )
        .await;
    let after = chrono::Utc::now();
    let created = &data["createUser"];
    assert_eq!(created["email"], "Ada@Example.com", "trimmed, case kept");
    assert_eq!(created["name"], "Ada Lovelace", "trimmed");
    assert_eq!(created["insertedAt"], created["updatedAt"]);
    let id = uuid(&created["id"]);
    assert_eq!(id.get_version_num(), 7, "ids are UUIDv7");

    let read = app
        .data(
            "query($id: UUID!) { user(id: $id) { \
             id email name insertedAt planCount plans { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["user"]["email"], "Ada@Example.com");
    assert_eq!(
        read["user"]["insertedAt"], created["insertedAt"],
        "what a mutation returns is what is stored"
    );
    // Timestamps are decoded by hand on PostgreSQL: the value read must be the clock's.
    let inserted = time(&read["user"]["insertedAt"]);
    assert!(
        before <= inserted && inserted <= after,
        "{before} <= {inserted} <= {after}"
    );
    assert_eq!(read["user"]["planCount"], 0);
    assert_eq!(read["user"]["plans"], json!([]));
}

on_both_databases!(unknown_user_is_null);
async fn unknown_user_is_null(app: TestApp) {
    let data = app
        .data(
            "query($id: UUID!) { user(id: $id) { id } }",
            json!({ "id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(data["user"], json!(null));
}

on_both_databases!(email_is_unique_ignoring_case);
async fn email_is_unique_ignoring_case(app: TestApp) {
    app.create_user("grace@example.com", "Grace").await;
    let before = app.snapshot().await;
    let error = app
        .error(
            CREATE_USER,
            json!({ "input": { "email": "GRACE@example.COM", "name": "Other" } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    assert!(
        error["message"].as_str().unwrap().contains("already taken"),
        "{error}"
    );
    assert_eq!(app.snapshot().await, before);
}

on_both_databases!(invalid_input_is_bad_user_input_naming_the_field);
async fn invalid_input_is_bad_user_input_naming_the_field(app: TestApp) {
    let long_name = "n".repeat(201);
    let long_email = format!("{}@example.com", "a".repeat(310));
    for (email, name, field) in [
        ("not-an-email", "Name", "input.email"),
        ("two@at@example.com", "Name", "input.email"),
        ("spa ce@example.com", "Name", "input.email"),
        ("@example.com", "Name", "input.email"),
        (long_email.as_str(), "Name", "input.email"),
        ("ok@example.com", "   ", "input.name"),
        ("ok@example.com", "", "input.name"),
        ("ok@example.com", long_name.as_str(), "input.name"),
    ] {
        let error = app
            .error(
                CREATE_USER,
                json!({ "input": { "email": email, "name": name } }),
            )
            .await;
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{email:?} {name:?}: {error}"
        );
        assert_eq!(error["extensions"]["field"], field, "{email:?} {name:?}");
    }
    assert!(app.snapshot().await.is_empty(), "nothing was written");
}

on_both_databases!(update_changes_only_given_fields);
async fn update_changes_only_given_fields(app: TestApp) {
    const READ: &str = "query($id: UUID!) { user(id: $id) { id email name insertedAt updatedAt } }";
    let bystander = app.create_user("other@example.com", "Other").await;
    let bystander_before = app.data(READ, json!({ "id": bystander })).await;
    let created = app
        .data(
            CREATE_USER,
            json!({ "input": { "email": "old@example.com", "name": "Old Name" } }),
        )
        .await["createUser"]
        .clone();
    let id = uuid(&created["id"]);
    let inserted_at = time(&created["insertedAt"]);

    let mut last_update = time(&created["updatedAt"]);
    for (input, email, name) in [
        (json!({ "name": "New Name" }), "old@example.com", "New Name"),
        (
            json!({ "email": "new@example.com" }),
            "new@example.com",
            "New Name",
        ),
    ] {
        // The server writes microseconds; the clock read before the call is cut the same way.
        let before = Utc::now().trunc_subsecs(6);
        let updated = app
            .data(UPDATE_USER, json!({ "id": id, "input": input }))
            .await["updateUser"]
            .clone();
        let after = Utc::now();
        assert_eq!(
            (updated["email"].as_str(), updated["name"].as_str()),
            (Some(email), Some(name)),
            "{input}"
        );
        assert_eq!(
            time(&updated["insertedAt"]),
            inserted_at,
            "{input}: insertedAt never changes"
        );
        let updated_at = time(&updated["updatedAt"]);
        assert!(
            before <= updated_at && updated_at <= after,
            "{input}: {before} <= updatedAt {updated_at} <= {after}"
        );
        assert!(
            updated_at > last_update,
            "{input}: updatedAt {updated_at} moves forward from {last_update}"
        );
        last_update = updated_at;
        let read = app.data(READ, json!({ "id": id })).await;
        assert_eq!(
            read["user"], updated,
            "{input}: what the mutation returns is what is stored"
        );
    }
    assert_eq!(
        app.data(READ, json!({ "id": bystander })).await,
        bystander_before,
        "another user is untouched"
    );
}

on_both_databases!(update_to_a_taken_email_conflicts);
async fn update_to_a_taken_email_conflicts(app: TestApp) {
    app.create_user("taken@example.com", "A").await;
    let id = app.create_user("free@example.com", "B").await;
    let before = app.snapshot().await;
    let code = app
        .error_code(
            UPDATE_USER,
            json!({ "id": id, "input": { "email": "Taken@Example.com" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(app.snapshot().await, before);
    // The user's own email in another case is not a conflict.
    let data = app
        .data(
            UPDATE_USER,
            json!({ "id": id, "input": { "email": "FREE@example.com" } }),
        )
        .await;
    assert_eq!(data["updateUser"]["email"], "FREE@example.com");
}

on_both_databases!(update_validates_and_finds);
async fn update_validates_and_finds(app: TestApp) {
    let id = app.create_user("v@example.com", "V").await;
    let error = app
        .error(UPDATE_USER, json!({ "id": id, "input": { "name": " " } }))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "input.name");
    let missing = uuid::Uuid::now_v7();
    let error = app
        .error(
            UPDATE_USER,
            json!({ "id": missing, "input": { "name": "X" } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([missing]));
}

on_both_databases!(delete_returns_the_id_then_not_found);
async fn delete_returns_the_id_then_not_found(app: TestApp) {
    let id = app.create_user("gone@example.com", "Gone").await;
    let data = app.data(DELETE_USER, json!({ "id": id })).await;
    assert_eq!(uuid(&data["deleteUser"]), id);
    let error = app.error(DELETE_USER, json!({ "id": id })).await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["ids"], json!([id]));
    // The email is free again.
    app.create_user("GONE@example.com", "Back").await;
}

on_both_databases!(the_viewer_is_null_without_sign_in);
/// Without sign-in there is no signed-in user: the service (or anyone, on a server without
/// credentials) has no `viewer`.
async fn the_viewer_is_null_without_sign_in(app: TestApp) {
    app.create_user("someone@example.com", "Someone").await;
    let data = app.data("{ viewer { id email } }", json!({})).await;
    assert_eq!(data, json!({ "viewer": null }));
}
