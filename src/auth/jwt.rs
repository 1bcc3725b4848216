//! Verifying a signed-in user's JWT: the signature with the configured key (the algorithms
//! fixed by the key's type, never taken from the token), then `iss`, `aud`, `exp` (required)
//! and `nbf`, with 30 s of leeway for clocks that disagree, then the claim naming the user.

use std::path::Path;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use uuid::Uuid;

use crate::BoxError;
use crate::config::SignInArgs;

/// Why a presented token was refused: `extensions.reason` of its UNAUTHENTICATED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not a JWT, no `exp`, or a user claim that is not a UUID.
    Malformed,
    Expired,
    NotYetValid,
    /// The signature does not verify, or the token's algorithm does not fit the key
    /// (`none` included).
    BadSignature,
    WrongIssuer,
    WrongAudience,
    /// Well signed, but it names no user of this server.
    UnknownUser,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::BadSignature => "bad_signature",
            Reason::WrongIssuer => "wrong_issuer",
            Reason::WrongAudience => "wrong_audience",
            Reason::UnknownUser => "unknown_user",
        }
    }
}

/// Who a verified token says the caller is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims {
    pub user: Uuid,
    pub admin: bool,
    /// `exp`, seconds since the epoch.
    pub expires_at: u64,
}

pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
    user_claim: String,
    admin_role: String,
}

/// Clocks of the identity provider and of this server may disagree by this much.
const LEEWAY_SECONDS: u64 = 30;

impl JwtVerifier {
    /// The verifier the options describe, `None` when sign-in is off (no key given).
    pub fn from_args(args: &SignInArgs) -> Result<Option<Self>, BoxError> {
        let Some(path) = &args.jwt_secret_file else {
            return Ok(None);
        };
        let (Some(issuer), Some(audience)) = (&args.jwt_issuer, &args.jwt_audience) else {
            return Err(
                "sign-in needs --jwt-issuer and --jwt-audience: a token meant for \
                        another service must not be accepted here"
                    .into(),
            );
        };
        let key = DecodingKey::from_secret(&read_secret(path)?);
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(Some(JwtVerifier {
            key,
            validation,
            user_claim: args.jwt_user_claim.clone(),
            admin_role: args.jwt_admin_role.clone(),
        }))
    }

    /// Who the token says the caller is, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Claims, Reason> {
        let data = jsonwebtoken::decode::<Value>(token, &self.key, &self.validation)
            .map_err(|err| reason(err.kind()))?;
        let claims = data.claims;
        let user = claims
            .get(&self.user_claim)
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok())
            .ok_or(Reason::Malformed)?;
        let admin = claims["roles"]
            .as_array()
            .is_some_and(|roles| roles.iter().any(|role| role == self.admin_role.as_str()));
        // A NumericDate may have a fraction; jsonwebtoken has already checked it is a number.
        let expires_at = claims["exp"].as_f64().ok_or(Reason::Malformed)? as u64;
        Ok(Claims {
            user,
            admin,
            expires_at,
        })
    }
}

fn reason(kind: &ErrorKind) -> Reason {
    match kind {
        ErrorKind::ExpiredSignature => Reason::Expired,
        ErrorKind::ImmatureSignature => Reason::NotYetValid,
        ErrorKind::InvalidIssuer => Reason::WrongIssuer,
        ErrorKind::InvalidAudience => Reason::WrongAudience,
        ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => Reason::BadSignature,
        _ => Reason::Malformed,
    }
}

/// The secret, without the newline an editor or `echo` leaves at the end of the file.
fn read_secret(path: &Path) -> Result<Vec<u8>, BoxError> {
    let mut secret = std::fs::read(path)
        .map_err(|err| format!("cannot read --jwt-secret-file {}: {err}", path.display()))?;
    while secret
        .last()
        .is_some_and(|byte| *byte == b'\n' || *byte == b'\r')
    {
        secret.pop();
    }
    if secret.is_empty() {
        return Err(format!("--jwt-secret-file {} is empty", path.display()).into());
    }
    Ok(secret)
}
