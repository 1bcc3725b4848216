//! Where the keys come from: a PEM public key (its type fixes the algorithms), a JWKS file,
//! and a JWKS URL served by the test, which rotates its keys, fails, and counts how often
//! the server fetched them.

use jsonwebtoken::Algorithm;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;

async fn app_with_keys(backend: Backend, flag: &str, value: &str) -> TestApp {
    let mut options = key_options(flag, value);
    options.extend(["--api-token", SERVICE]);
    spawn_app_with(backend, &options).await
}

/// The reason a token is refused with; panics if it is accepted.
async fn refusal(app: &TestApp, token: &str) -> String {
    let answer = app
        .viewer_of(token)
        .await
        .expect_err("the token is refused");
    assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"), "{answer}");
    reason(&answer).to_owned()
}

on_both_databases!(a_pem_public_key_verifies_the_algorithms_of_its_type_only);
async fn a_pem_public_key_verifies_the_algorithms_of_its_type_only(backend: Backend) {
    // Each key, the algorithms it signs with, and one its type does not allow.
    let cases = [
        (
            &RSA_A,
            vec![Algorithm::RS256, Algorithm::RS512, Algorithm::PS256],
            Algorithm::ES256,
        ),
        (&EC_P256, vec![Algorithm::ES256], Algorithm::ES384),
        (&EC_P384, vec![Algorithm::ES384], Algorithm::ES256),
        (&ED25519, vec![Algorithm::EdDSA], Algorithm::RS256),
    ];
    for (key, algorithms, unfit) in cases {
        let file = key.public_key_file();
        let app = app_with_keys(backend, "--jwt-public-key-file", &file).await;
        let user = app.service_creates_user("pem@example.com").await;
        let before = app.snapshot().await;
        for algorithm in algorithms {
            // With or without a kid: a single configured key is the key.
            for kid in [None, Some("any")] {
                let token = key.sign(algorithm, kid, json!({ "sub": user }));
                let viewer = app.viewer_of(&token).await;
                assert_eq!(viewer.ok(), Some(user), "{} {algorithm:?}", key.name);
            }
        }
        let claims = claims_with(json!({ "sub": user }));
        // The header claims an algorithm the key's type does not allow.
        let mut unfit_header = key.sign(key.algorithm, None, json!({ "sub": user }));
        let header = json!({ "alg": format!("{unfit:?}"), "typ": "JWT" }).to_string();
        let signed_part = unfit_header.split_once('.').unwrap().1.to_owned();
        unfit_header = format!("{}.{signed_part}", base64_url(&header));
        let confusion = sign(&claims, key.public_pem());
        let cases = [
            ("bad_signature", unfit_header),
            // HS256 with the public key as the HMAC secret.
            ("bad_signature", confusion),
            ("bad_signature", unsigned("none", &claims)),
            (
                "bad_signature",
                RSA_B.sign(Algorithm::RS256, None, json!({ "sub": user })),
            ),
            (
                "unknown_user",
                key.sign(key.algorithm, None, json!({ "sub": Uuid::now_v7() })),
            ),
        ];
        for (expected, token) in cases {
            let answer = app
                .post_as(&token, crate::documents::DELETE_USER, json!({ "id": user }))
                .await;
            assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"), "{answer}");
            assert_eq!(reason(&answer), expected, "{}: {answer}", key.name);
        }
        assert_eq!(
            app.snapshot().await,
            before,
            "{}: nothing was written",
            key.name
        );
    }
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

on_both_databases!(a_jwks_file_picks_the_key_by_kid);
async fn a_jwks_file_picks_the_key_by_kid(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    let mut unnamed = EC_P384.jwk("unnamed");
    unnamed.common.key_id = None;
    // Without `alg`, an RSA key takes every RS* and PS* algorithm.
    let mut any_rsa = RSA_A.jwk("a");
    any_rsa.common.key_algorithm = None;
    let jwks = json!({ "keys": [any_rsa, RSA_B.jwk("b"), EC_P256.jwk("e"), unnamed] });
    std::fs::write(&file, jwks.to_string()).unwrap();
    let app = app_with_keys(backend, "--jwks-file", file.to_str().unwrap()).await;
    let user = app.service_creates_user("jwks@example.com").await;
    let claims = || json!({ "sub": user });
    for token in [
        RSA_A.sign(Algorithm::RS256, Some("a"), claims()),
        RSA_A.sign(Algorithm::PS384, Some("a"), claims()),
        EC_P256.sign(Algorithm::ES256, Some("e"), claims()),
        // A key without a kid is for tokens without one.
        EC_P384.sign(Algorithm::ES384, None, claims()),
    ] {
        let viewer = app.viewer_of(&token).await;
        assert_eq!(viewer.as_ref().ok(), Some(&user), "{viewer:?}");
    }
    let cases = [
        (
            "unknown_key",
            RSA_A.sign(Algorithm::RS256, Some("zz"), claims()),
        ),
        // The one key without a kid is the P-384 key.
        (
            "bad_signature",
            RSA_A.sign(Algorithm::RS256, None, claims()),
        ),
        (
            "bad_signature",
            RSA_B.sign(Algorithm::RS256, Some("a"), claims()),
        ),
        // Key b names its `alg`, RS256: no other.
        (
            "bad_signature",
            RSA_B.sign(Algorithm::PS256, Some("b"), claims()),
        ),
        // Key e is an ES256 key: RS256 does not fit it.
        (
            "bad_signature",
            RSA_A.sign(Algorithm::RS256, Some("e"), claims()),
        ),
        (
            "bad_signature",
            EC_P384.sign(Algorithm::ES384, Some("e"), claims()),
        ),
    ];
    for (expected, token) in cases {
        assert_eq!(refusal(&app, &token).await, expected);
    }
}

async fn app_with_jwks(backend: Backend, jwks: &JwksServer) -> TestApp {
    app_with_keys(backend, "--jwks-url", jwks.url()).await
}

on_both_databases!(a_rotated_jwks_key_is_picked_up_without_a_restart);
async fn a_rotated_jwks_key_is_picked_up_without_a_restart(backend: Backend) {
    let jwks = JwksServer::start(vec![RSA_A.jwk("a")]).await;
    let app = app_with_jwks(backend, &jwks).await;
    assert_eq!(jwks.fetches(), 1, "fetched at start");
    let user = app.service_creates_user("rotated@example.com").await;
    let old = RSA_A.sign(Algorithm::RS256, Some("a"), json!({ "sub": user }));
    assert_eq!(app.viewer_of(&old).await.ok(), Some(user));
    assert_eq!(jwks.fetches(), 1, "a known kid fetches nothing");
    jwks.serve(vec![RSA_B.jwk("b")]);
    let new = RSA_B.sign(Algorithm::RS256, Some("b"), json!({ "sub": user }));
    assert_eq!(app.viewer_of(&new).await.ok(), Some(user));
    assert_eq!(jwks.fetches(), 2, "the unknown kid fetched the set once");
    // The provider dropped key a: its tokens no longer verify.
    assert_eq!(refusal(&app, &old).await, "unknown_key");
    assert_eq!(jwks.fetches(), 2, "within 30 s of the last refetch: none");
}

on_both_databases!(a_flood_of_unknown_kids_fetches_the_set_once);
async fn a_flood_of_unknown_kids_fetches_the_set_once(backend: Backend) {
    let jwks = JwksServer::start(vec![RSA_A.jwk("a")]).await;
    let app = app_with_jwks(backend, &jwks).await;
    let user = app.service_creates_user("flood@example.com").await;
    let before = jwks.fetches();
    let tokens: Vec<String> = (0..50)
        .map(|n| RSA_A.sign(Algorithm::RS256, Some(&format!("made-up-{n}")), json!({})))
        .collect();
    let refusals =
        futures_util::future::join_all(tokens.iter().map(|token| refusal(&app, token))).await;
    assert!(
        refusals.iter().all(|reason| reason == "unknown_key"),
        "{refusals:?}"
    );
    assert_eq!(jwks.fetches() - before, 1, "50 unknown kids, one fetch");
    // Tokens of the known key still verify meanwhile, with no fetch.
    let known = RSA_A.sign(Algorithm::RS256, Some("a"), json!({ "sub": user }));
    assert_eq!(app.viewer_of(&known).await.ok(), Some(user));
    assert_eq!(jwks.fetches() - before, 1);
}

on_both_databases!(a_failing_jwks_endpoint_keeps_the_last_good_keys);
async fn a_failing_jwks_endpoint_keeps_the_last_good_keys(backend: Backend) {
    let jwks = JwksServer::start(vec![RSA_A.jwk("a")]).await;
    let app = app_with_jwks(backend, &jwks).await;
    let user = app.service_creates_user("kept@example.com").await;
    jwks.fail();
    let unknown = RSA_A.sign(Algorithm::RS256, Some("new"), json!({ "sub": user }));
    assert_eq!(refusal(&app, &unknown).await, "unknown_key");
    assert_eq!(jwks.fetches(), 2, "the unknown kid tried to refetch");
    let known = RSA_A.sign(Algorithm::RS256, Some("a"), json!({ "sub": user }));
    assert_eq!(
        app.viewer_of(&known).await.ok(),
        Some(user),
        "the old set is kept"
    );
}

on_both_databases!(a_server_whose_first_jwks_fetch_failed_starts_and_retries);
async fn a_server_whose_first_jwks_fetch_failed_starts_and_retries(backend: Backend) {
    let jwks = JwksServer::start(Vec::new()).await;
    jwks.fail();
    let app = app_with_jwks(backend, &jwks).await;
    let user = app.service_creates_user("patient@example.com").await;
    let token = RSA_A.sign(Algorithm::RS256, Some("a"), json!({ "sub": user }));
    assert_eq!(refusal(&app, &token).await, "unknown_key");
    jwks.serve(vec![RSA_A.jwk("a")]);
    // The retries back off from 1 s; the refetch throttle does not hold them back.
    eventually(
        "the keys are fetched",
        std::time::Duration::from_secs(20),
        async || app.viewer_of(&token).await.ok() == Some(user),
    )
    .await;
}

on_both_databases!(a_known_kid_does_not_wait_for_a_fetch_in_flight);
async fn a_known_kid_does_not_wait_for_a_fetch_in_flight(backend: Backend) {
    let jwks = JwksServer::start(vec![RSA_A.jwk("a")]).await;
    let app = app_with_jwks(backend, &jwks).await;
    let user = app.service_creates_user("unhurried@example.com").await;
    jwks.stall();
    let unknown = RSA_A.sign(Algorithm::RS256, Some("new"), json!({ "sub": user }));
    let within = std::time::Duration::from_secs(5);
    let known = RSA_A.sign(Algorithm::RS256, Some("a"), json!({ "sub": user }));
    let meanwhile = async {
        eventually("the refetch is in flight", within, async || {
            jwks.fetches() == 2
        })
        .await;
        let viewer = tokio::time::timeout(within, app.viewer_of(&known)).await;
        jwks.release();
        viewer.expect("a known kid is answered while the fetch hangs")
    };
    let (unknown, known) = tokio::join!(refusal(&app, &unknown), meanwhile);
    assert_eq!(known.ok(), Some(user));
    assert_eq!(unknown, "unknown_key");
}
