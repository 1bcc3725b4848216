//! Signing in with a JWT: a valid token makes its user the viewer; a token that fails any
//! check refuses the whole request with UNAUTHENTICATED and the reason; the API token stays
//! the service credential beside sign-in.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;

const VIEWER: &str = "{ viewer { id email } }";
const CREATE_PLAN: &str = "mutation { createPlan(input: { name: \"Mine\" }) { id } }";

async fn signed_in_app(backend: Backend, sign_in: &SignIn, more: &[&str]) -> TestApp {
    let mut options = sign_in.options();
    options.extend_from_slice(more);
    spawn_app_with(backend, &options).await
}

fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason in {response}"))
}

on_both_databases!(a_valid_token_makes_its_user_the_viewer);
async fn a_valid_token_makes_its_user_the_viewer(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &["--api-token", "service-secret"]).await;
    let created = app
        .post_as(
            "service-secret",
            "mutation { createUser(input: { email: \"ada@example.com\", name: \"Ada\" }) \
             { id } }",
            json!({}),
        )
        .await;
    let ada = uuid(&created["data"]["createUser"]["id"]);
    let answer = app.post_as(&sign_in.token(ada), VIEWER, json!({})).await;
    assert_eq!(
        answer["data"]["viewer"],
        json!({ "id": ada, "email": "ada@example.com" }),
        "{answer}"
    );
    // The service token is no user.
    let service = app.post_as("service-secret", VIEWER, json!({})).await;
    assert_eq!(service["data"], json!({ "viewer": null }), "{service}");
}

on_both_databases!(every_bad_token_is_refused_whole_with_its_reason);
async fn every_bad_token_is_refused_whole_with_its_reason(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &[]).await;
    let user = Uuid::now_v7();
    let now = chrono::Utc::now().timestamp();
    let past = now - 3600;
    let cases = [
        (
            "expired",
            sign_in.token_with(json!({ "sub": user, "exp": past })),
        ),
        (
            "not_yet_valid",
            sign_in.token_with(json!({ "sub": user, "nbf": now + 600 })),
        ),
        (
            "wrong_issuer",
            sign_in.token_with(json!({ "sub": user, "iss": "https://elsewhere.test/" })),
        ),
        (
            "wrong_audience",
            sign_in.token_with(json!({ "sub": user, "aud": "another-service" })),
        ),
        (
            "bad_signature",
            sign(
                &json!({ "sub": user, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60 }),
                b"another secret",
            ),
        ),
        ("malformed", "not-a-jwt".to_owned()),
        (
            "malformed",
            sign_in.token_with(json!({ "sub": user, "exp": null })),
        ),
        (
            "malformed",
            sign_in.token_with(json!({ "sub": "not-a-uuid" })),
        ),
    ];
    let before = app.snapshot().await;
    for (expected, token) in cases {
        for query in ["{ __typename }", VIEWER, CREATE_PLAN] {
            let answer = app.post_as(&token, query, json!({})).await;
            assert_eq!(
                error_code(&answer),
                Some("UNAUTHENTICATED"),
                "{expected}: {answer}"
            );
            assert_eq!(reason(&answer), expected, "{query}: {answer}");
            assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
        }
    }
    assert_eq!(app.snapshot().await, before, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_needs_an_issuer_and_an_audience() {
    let sign_in = SignIn::default();
    let options = sign_in.options();
    let without_audience =
        userplan::config::ServeArgs::from_args(&options[..4]).expect("arguments parse");
    let refused = userplan::auth::Credentials::from_args(&without_audience.access)
        .err()
        .expect("refused without an audience")
        .to_string();
    assert!(refused.contains("--jwt-audience"), "{refused}");
}
