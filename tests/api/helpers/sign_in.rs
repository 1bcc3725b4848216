//! An identity provider of the test's own: a secret the server is started with, and tokens
//! signed with it for any user, claims and lifetime.

use serde_json::{Value, json};
use uuid::Uuid;

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
        vec![
            "--jwt-secret-file",
            &self.secret_file,
            "--jwt-issuer",
            ISSUER,
            "--jwt-audience",
            AUDIENCE,
        ]
    }

    /// A valid token for `user`, for an hour.
    pub fn token(&self, user: Uuid) -> String {
        self.token_with(json!({ "sub": user.to_string() }))
    }

    /// A token with these claims, over the usual `iss`, `aud` and an `exp` an hour away
    /// (`null` for a claim leaves it out).
    pub fn token_with(&self, claims: Value) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut all = json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": now + 3600, "iat": now });
        for (name, value) in claims.as_object().expect("claims").clone() {
            match value {
                Value::Null => all.as_object_mut().unwrap().remove(&name),
                value => all.as_object_mut().unwrap().insert(name, value),
            };
        }
        sign(&all, SECRET.as_bytes())
    }
}

/// `claims` signed with HS256 and `secret`.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("a token")
}
