//! Signing in with a JWT: a valid token makes its user the viewer; a token that fails any
//! check refuses the whole request with UNAUTHENTICATED and the reason; without a
//! credential only `__typename`, introspection and `viewer` run; the API token stays the
//! service credential beside sign-in.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::binary::*;
use crate::helpers::*;
use crate::on_both_databases;

const VIEWER: &str = "{ viewer { id email } }";
const CREATE_PLAN: &str = "mutation { createPlan(input: { name: \"Mine\" }) { id } }";

async fn signed_in_app(backend: Backend, sign_in: &SignIn, more: &[&str]) -> TestApp {
    let mut options = sign_in.options();
    options.extend_from_slice(more);
    spawn_app_with(backend, &options).await
}

on_both_databases!(a_valid_token_makes_its_user_the_viewer);
async fn a_valid_token_makes_its_user_the_viewer(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &["--api-token", SERVICE]).await;
    let ada = app.service_creates_user("ada@example.com").await;
    let answer = app.post_as(&sign_in.token(ada), VIEWER, json!({})).await;
    assert_eq!(
        answer["data"]["viewer"],
        json!({ "id": ada, "email": "ada@example.com" }),
        "{answer}"
    );
    // `aud` may be an array holding the audience.
    let among = sign_in.token_with(json!({ "sub": ada, "aud": ["other", AUDIENCE] }));
    assert_eq!(app.viewer_of(&among).await.ok(), Some(ada));
    // The service token is no user.
    let service = app.post_as(SERVICE, VIEWER, json!({})).await;
    assert_eq!(service["data"], json!({ "viewer": null }), "{service}");
}

/// Requests a refused credential must not run, each with its own kind of answer.
const ATTEMPTS: [&str; 4] = [
    "{ __typename }",
    VIEWER,
    "{ users { totalCount } }",
    CREATE_PLAN,
];

/// Sends every attempt with `token`: each is UNAUTHENTICATED with `expected`, no data.
async fn refused_whole(app: &TestApp, token: &str, expected: &str) {
    for query in ATTEMPTS {
        let answer = app.post_as(token, query, json!({})).await;
        assert_eq!(
            error_code(&answer),
            Some("UNAUTHENTICATED"),
            "{expected}: {answer}"
        );
        assert_eq!(reason(&answer), expected, "{query}: {answer}");
        assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
    }
}

on_both_databases!(every_bad_token_is_refused_whole_with_its_reason);
async fn every_bad_token_is_refused_whole_with_its_reason(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &["--api-token", SERVICE]).await;
    let user = app.service_creates_user("grace@example.com").await;
    assert!(app.viewer_of(&sign_in.token(user)).await.is_ok());
    let now = chrono::Utc::now().timestamp();
    let valid = claims_with(json!({ "sub": user }));
    let cases = [
        (
            "expired",
            sign_in.token_with(json!({ "sub": user, "exp": now - 3600 })),
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
        ("bad_signature", sign(&valid, b"another secret")),
        ("bad_signature", unsigned("none", &valid)),
        ("bad_signature", unsigned("HS1024", &valid)),
        ("malformed", "not-a-jwt".to_owned()),
        ("malformed", "eyJ!!!.eyJ!!!.c2ln".to_owned()),
        ("malformed", "bm90IGpzb24.e30.c2ln".to_owned()),
        (
            "malformed",
            sign_in.token_with(json!({ "sub": user, "exp": null })),
        ),
        (
            "malformed",
            sign_in.token_with(json!({ "sub": "not-a-uuid" })),
        ),
        ("malformed", sign_in.token_with(json!({ "sub": null }))),
        ("unknown_user", sign_in.token(Uuid::now_v7())),
    ];
    let before = app.snapshot().await;
    for (expected, token) in cases {
        refused_whole(&app, &token, expected).await;
    }
    // Not a Bearer value at all.
    let basic = app
        .client()
        .post(app.url("/graphql"))
        .header("authorization", "Basic Z3JhY2U6c2VjcmV0")
        .json(&json!({ "query": CREATE_PLAN }))
        .send()
        .await
        .expect("request");
    let basic: Value = basic.json().await.expect("JSON");
    assert_eq!(reason(&basic), "malformed", "{basic}");
    assert_eq!(app.snapshot().await, before, "nothing was written");
}

on_both_databases!(a_user_deleted_after_sign_in_is_an_unknown_user);
async fn a_user_deleted_after_sign_in_is_an_unknown_user(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &["--api-token", SERVICE]).await;
    let user = app.service_creates_user("leaving@example.com").await;
    let token = sign_in.token(user);
    assert_eq!(app.viewer_of(&token).await.ok(), Some(user));
    let deleted = app
        .post_as(
            SERVICE,
            crate::documents::DELETE_USER,
            json!({ "id": user }),
        )
        .await;
    assert!(deleted.get("errors").is_none(), "{deleted}");
    refused_whole(&app, &token, "unknown_user").await;
}

/// Anonymous requests that the rule lets through, with the data they must answer.
const PUBLIC: [(&str, &str); 6] = [
    ("{ __typename }", r#"{"__typename":"Query"}"#),
    ("{ viewer { id } }", r#"{"viewer":null}"#),
    (
        "{ __schema { queryType { name } } }",
        r#"{"__schema":{"queryType":{"name":"Query"}}}"#,
    ),
    (
        "{ __type(name: \"User\") { name } }",
        r#"{"__type":{"name":"User"}}"#,
    ),
    (
        "query { ...Public } fragment Public on Query { __typename viewer { id } }",
        r#"{"__typename":"Query","viewer":null}"#,
    ),
    (
        "{ ... on Query { __typename } me: viewer { email } }",
        r#"{"__typename":"Query","me":null}"#,
    ),
];

/// Anonymous requests that ask for data, some through fragments.
const PRIVATE: [&str; 7] = [
    "{ users { totalCount } }",
    "{ __typename plans { totalCount } }",
    "query { ...Smuggled } fragment Smuggled on Query { __typename users { totalCount } }",
    "query { ...A } fragment A on Query { ...B } fragment B on Query { plans { totalCount } }",
    "{ ... on Query { viewer { id } users { totalCount } } }",
    CREATE_PLAN,
    "subscription { membershipChanged { kind } }",
];

on_both_databases!(without_a_credential_only_typename_introspection_and_viewer_run);
async fn without_a_credential_only_typename_introspection_and_viewer_run(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &["--api-token", SERVICE]).await;
    app.service_creates_user("someone@example.com").await;
    for (query, data) in PUBLIC {
        let answer = app.post(query, json!({})).await;
        assert!(answer.get("errors").is_none(), "{query}: {answer}");
        let expected: Value = serde_json::from_str(data).unwrap();
        assert_eq!(answer["data"], expected, "{query}");
    }
    let before = app.snapshot().await;
    for query in PRIVATE {
        let answer = app.post(query, json!({})).await;
        assert_eq!(
            error_code(&answer),
            Some("UNAUTHENTICATED"),
            "{query}: {answer}"
        );
        // No credential was presented, so none was refused.
        let error = &answer["errors"][0];
        assert!(error["extensions"].get("reason").is_none(), "{answer}");
        assert!(
            error["message"].as_str().unwrap().contains("sign in"),
            "{answer}"
        );
        assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
    }
    assert_eq!(app.snapshot().await, before, "nothing was written");
}

on_both_databases!(the_users_lookup_is_not_counted_in_the_requests_statements);
async fn the_users_lookup_is_not_counted_in_the_requests_statements(backend: Backend) {
    let sign_in = SignIn::default();
    // Test servers run with --sql-stats.
    let app = signed_in_app(backend, &sign_in, &["--api-token", SERVICE]).await;
    let user = app.service_creates_user("counted@example.com").await;
    let answer = app
        .post_as(&sign_in.token(user), "{ __typename }", json!({}))
        .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(answer["extensions"]["sql"]["statements"], 0, "{answer}");
    // The lookup did run: a token of no user is refused.
    let stranger = app
        .post_as(&sign_in.token(Uuid::now_v7()), "{ __typename }", json!({}))
        .await;
    assert_eq!(reason(&stranger), "unknown_user", "{stranger}");
}

on_both_databases!(a_signed_in_user_is_looked_up_once_then_remembered);
async fn a_signed_in_user_is_looked_up_once_then_remembered(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in_app(backend, &sign_in, &["--api-token", SERVICE]).await;
    let ada = app.service_creates_user("ada@example.com").await;
    let token = sign_in.token(ada);
    // Another token of hers (a later sign-in): the user is remembered, not the token.
    let again = sign_in.token_with(json!({ "sub": ada, "jti": "a later sign-in" }));
    assert_ne!(token, again);
    let requests = [(&*token, VIEWER), (&*token, VIEWER), (&*again, VIEWER)];
    assert_eq!(app.sign_in_lookups(&requests).await, 1);
}

on_both_databases!(an_email_identity_follows_the_users_email_at_once);
async fn an_email_identity_follows_the_users_email_at_once(backend: Backend) {
    let sign_in = SignIn::default();
    let identity = ["--jwt-identity", "email", "--api-token", SERVICE];
    let app = signed_in_app(backend, &sign_in, &identity).await;
    let token = |email: &str| {
        sign_in.token_with(json!({ "sub": "not-a-user-id", "email": email,
            "email_verified": true }))
    };
    // An unknown identity is not remembered: its user can sign in as soon as they exist.
    refused_whole(&app, &token("grace@example.com"), "unknown_user").await;
    let grace = app.service_creates_user("grace@example.com").await;
    assert_eq!(
        app.viewer_of(&token("grace@example.com")).await.ok(),
        Some(grace)
    );
    let renamed = app
        .post_as(
            SERVICE,
            crate::documents::UPDATE_USER,
            json!({ "id": grace, "input": { "email": "hopper@example.com" } }),
        )
        .await;
    assert!(renamed.get("errors").is_none(), "{renamed}");
    refused_whole(&app, &token("grace@example.com"), "unknown_user").await;
    assert_eq!(
        app.viewer_of(&token("hopper@example.com")).await.ok(),
        Some(grace)
    );
}

on_both_databases!(an_email_identity_is_matched_when_verified_ignoring_case);
async fn an_email_identity_is_matched_when_verified_ignoring_case(backend: Backend) {
    let sign_in = SignIn::default();
    let identity = ["--jwt-identity", "email", "--api-token", SERVICE];
    let app = signed_in_app(backend, &sign_in, &identity).await;
    let asa = app.service_creates_user("Åsa.Öberg@Example.com").await;
    let other = app.service_creates_user("asa.oberg@example.com").await;
    assert_ne!(asa, other);
    let token = |email: &str, verified: Value| {
        sign_in.token_with(json!({ "sub": "not-a-user-id", "email": email,
            "email_verified": verified }))
    };
    for (email, verified) in [
        ("åsa.öberg@example.com", json!(true)),
        ("ÅSA.ÖBERG@EXAMPLE.COM", json!(true)),
        ("Åsa.Öberg@Example.com", json!("true")),
    ] {
        let viewer = app.viewer_of(&token(email, verified.clone())).await;
        assert_eq!(viewer.ok(), Some(asa), "{email} {verified}");
    }
    let plain = app
        .viewer_of(&token("ASA.OBERG@example.com", json!(true)))
        .await;
    assert_eq!(plain.ok(), Some(other), "no accent: the other user");
    let before = app.snapshot().await;
    for unverified in [json!(false), json!("false"), json!(null), json!(1)] {
        refused_whole(
            &app,
            &token("åsa.öberg@example.com", unverified),
            "malformed",
        )
        .await;
    }
    let no_email = sign_in.token_with(json!({ "email_verified": true }));
    refused_whole(&app, &no_email, "malformed").await;
    let stranger = token("nobody@example.com", json!(true));
    refused_whole(&app, &stranger, "unknown_user").await;
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

on_both_databases!(the_server_refuses_to_start_with_two_key_sources_or_no_audience);
async fn the_server_refuses_to_start_with_two_key_sources_or_no_audience(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let sign_in = SignIn::default();
    let public_key = RSA_A.public_key_file();
    let url = database.url.as_str();
    let mut two_sources = vec!["--database-url", url, "--listen", "127.0.0.1:0"];
    two_sources.extend(sign_in.options());
    two_sources.extend(["--jwt-public-key-file", &public_key]);
    let refused = run(&two_sources, &[]).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(
        message.contains("--jwt-secret-file and --jwt-public-key-file"),
        "{message}"
    );
    // The same from the environment.
    let env = [
        ("DATABASE_URL", url),
        ("LISTEN", "127.0.0.1:0"),
        ("JWKS_URL", "https://id.example.test/certs"),
        ("JWT_PUBLIC_KEY_FILE", &public_key),
        ("JWT_ISSUER", ISSUER),
        ("JWT_AUDIENCE", AUDIENCE),
    ];
    let refused = run(&[], &env).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("--jwks-url"),
        "{}",
        stderr(&refused)
    );
    let no_audience = [
        "--database-url",
        url,
        "--listen",
        "127.0.0.1:0",
        "--jwt-public-key-file",
        &public_key,
        "--jwt-issuer",
        ISSUER,
    ];
    let refused = run(&no_audience, &[]).await;
    assert!(!refused.status.success(), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("--jwt-audience"),
        "{}",
        stderr(&refused)
    );
}
