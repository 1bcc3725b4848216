//! An identity provider of the test's own: a secret (or a key pair, or a JWKS URL) the
//! server is started with, and tokens signed with it for any user, claims and lifetime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Backend, TestApp, spawn_app_with};

pub const ISSUER: &str = "https://id.example.test/";
pub const AUDIENCE: &str = "userplan-tests";
const SECRET: &str = "a secret only the test and its server know";

pub struct SignIn {
    /// Holds the secret file while the server runs.
    _dir: tempfile::TempDir,
    secret_file: String,
}

impl Default for SignIn {
    fn default() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("jwt-secret");
        // With the trailing newline an editor leaves: not part of the secret.
        std::fs::write(&path, format!("{SECRET}\n")).expect("secret file");
        SignIn {
            secret_file: path.display().to_string(),
            _dir: dir,
        }
    }
}

impl SignIn {
    /// The `userplan serve` options that turn sign-in on with this provider.
    pub fn options(&self) -> Vec<&str> {
        key_options("--jwt-secret-file", &self.secret_file)
    }

    /// A valid token for `user`, for an hour.
    pub fn token(&self, user: Uuid) -> String {
        self.token_with(json!({ "sub": user.to_string() }))
    }

    /// A token with these claims over [`claims_with`]'s usual ones.
    pub fn token_with(&self, claims: Value) -> String {
        sign(&claims_with(claims), SECRET.as_bytes())
    }
}

/// A server with sign-in by `SignIn::default()`'s provider and the API token `service`,
/// and that provider, to mint its users' tokens.
pub async fn spawn_signed_in_app(backend: Backend, service: &str) -> (TestApp, SignIn) {
    let sign_in = SignIn::default();
    let mut options = sign_in.options();
    options.extend(["--api-token", service]);
    let app = spawn_app_with(backend, &options).await;
    (app, sign_in)
}

/// The options that turn sign-in on with these keys (`--jwt-public-key-file FILE`, ...).
pub fn key_options<'a>(flag: &'a str, value: &'a str) -> Vec<&'a str> {
    vec![
        flag,
        value,
        "--jwt-issuer",
        ISSUER,
        "--jwt-audience",
        AUDIENCE,
    ]
}

/// These claims over the usual `iss`, `aud` and an `exp` an hour away (`null` for a claim
/// leaves it out).
pub fn claims_with(claims: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut all = json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": now + 3600, "iat": now });
    for (name, value) in claims.as_object().expect("claims").clone() {
        match value {
            Value::Null => all.as_object_mut().unwrap().remove(&name),
            value => all.as_object_mut().unwrap().insert(name, value),
        };
    }
    all
}

/// `claims` signed with HS256 and `secret`.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("a token")
}

/// A token whose header says `alg` as given, unsigned: `none`, or a name no library
/// would sign with.
pub fn unsigned(alg: &str, claims: &Value) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.",
        part(&json!({ "alg": alg, "typ": "JWT" })),
        part(claims)
    )
}

/// A key pair of `tests/api/keys` (test-only keys, see the README there).
pub struct TestKey {
    pub name: &'static str,
    pub algorithm: Algorithm,
    private: &'static [u8],
    public: &'static [u8],
}

macro_rules! test_key {
    ($name:literal, $algorithm:expr) => {
        TestKey {
            name: $name,
            algorithm: $algorithm,
            private: include_bytes!(concat!("../keys/", $name, ".pem")),
            public: include_bytes!(concat!("../keys/", $name, ".pub.pem")),
        }
    };
}

pub const RSA_A: TestKey = test_key!("rsa-a", Algorithm::RS256);
pub const RSA_B: TestKey = test_key!("rsa-b", Algorithm::RS256);
pub const EC_P256: TestKey = test_key!("ec-p256", Algorithm::ES256);
pub const EC_P384: TestKey = test_key!("ec-p384", Algorithm::ES384);
pub const ED25519: TestKey = test_key!("ed25519", Algorithm::EdDSA);

impl TestKey {
    /// The public key's PEM file, for `--jwt-public-key-file`.
    pub fn public_key_file(&self) -> String {
        format!(
            "{}/tests/api/keys/{}.pub.pem",
            env!("CARGO_MANIFEST_DIR"),
            self.name
        )
    }

    pub fn public_pem(&self) -> &'static [u8] {
        self.public
    }

    fn encoding_key(&self) -> EncodingKey {
        match self.algorithm {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(self.private),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(self.private),
            _ => EncodingKey::from_rsa_pem(self.private),
        }
        .expect("a test key")
    }

    /// `claims` over [`claims_with`]'s, signed with this key and `algorithm`, naming
    /// `kid` in the header.
    pub fn sign(&self, algorithm: Algorithm, kid: Option<&str>, claims: Value) -> String {
        let mut header = Header::new(algorithm);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims_with(claims), &self.encoding_key()).expect("token")
    }

    /// The public key as a JWK named `kid`.
    pub fn jwk(&self, kid: &str) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.encoding_key(), self.algorithm).expect("JWK");
        jwk.common.key_id = Some(kid.to_owned());
        jwk
    }
}

/// What the test's JWKS endpoint answers, and how often it was asked.
#[derive(Default)]
struct Endpoint {
    keys: Mutex<Option<JwkSet>>,
    fetches: AtomicUsize,
    /// While true, a fetch waits before it answers.
    stalled: tokio::sync::watch::Sender<bool>,
}

/// A JWKS URL on 127.0.0.1 that the test controls: which keys it serves (or that it
/// fails), and how many times the server fetched it.
pub struct JwksServer {
    url: String,
    endpoint: Arc<Endpoint>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Jwk>) -> Self {
        let endpoint = Arc::new(Endpoint::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/certs", listener.local_addr().expect("address"));
        let router = axum::Router::new()
            .route("/certs", axum::routing::get(serve_keys))
            .with_state(endpoint.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let server = JwksServer { url, endpoint };
        server.serve(keys);
        server
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// From now on, answers with these keys.
    pub fn serve(&self, keys: Vec<Jwk>) {
        *self.endpoint.keys.lock().unwrap() = Some(JwkSet { keys });
    }

    /// From now on, answers 503.
    pub fn fail(&self) {
        *self.endpoint.keys.lock().unwrap() = None;
    }

    /// From now on, fetches hang until [`JwksServer::release`].
    pub fn stall(&self) {
        self.endpoint.stalled.send_replace(true);
    }

    pub fn release(&self) {
        self.endpoint.stalled.send_replace(false);
    }

    /// How many times the key set was asked for.
    pub fn fetches(&self) -> usize {
        self.endpoint.fetches.load(Ordering::SeqCst)
    }
}

async fn serve_keys(State(endpoint): State<Arc<Endpoint>>) -> axum::response::Response {
    endpoint.fetches.fetch_add(1, Ordering::SeqCst);
    let _ = endpoint
        .stalled
        .subscribe()
        .wait_for(|stalled| !stalled)
        .await;
    match &*endpoint.keys.lock().unwrap() {
        // An hour: no regular refresh happens during a test; only the ones it causes.
        Some(keys) => (
            [(header::CACHE_CONTROL, "public, max-age=3600")],
            axum::Json(keys.clone()),
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The service token the sign-in tests start their servers with, to set data up.
pub const SERVICE: &str = "service-secret";

/// The `extensions.reason` of a refused request.
pub fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason in {response}"))
}

impl crate::helpers::TestApp {
    /// A user created with the service token (the server must run with `--api-token
    /// SERVICE`).
    pub async fn service_creates_user(&self, email: &str) -> Uuid {
        let input = json!({ "input": { "email": email, "name": "Signed In" } });
        let created = self
            .post_as(SERVICE, crate::documents::CREATE_USER, input)
            .await;
        crate::helpers::uuid(&created["data"]["createUser"]["id"])
    }

    /// The viewer's id as this token makes it, or the whole refusal.
    pub async fn viewer_of(&self, token: &str) -> Result<Uuid, Value> {
        let answer = self.post_as(token, "{ viewer { id } }", json!({})).await;
        match answer["data"]["viewer"]["id"].as_str() {
            Some(id) => Ok(id.parse().expect("a UUID")),
            None => Err(answer),
        }
    }
}
