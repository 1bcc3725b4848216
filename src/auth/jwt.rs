//! Verifying a signed-in user's JWT: the signature with the configured key (the algorithms
//! fixed by the key's type, never taken from the token), then `iss`, `aud`, `exp` (required)
//! and `nbf`, with 30 s of leeway for clocks that disagree, then the claim naming the user.
//! A token verified a moment ago is recognised by its text ([`Verified`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, AlgorithmFamily, Validation, get_current_timestamp};
use moka::sync::Cache;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::keys::{KeySet, RemoteKeys};
use crate::BoxError;
use crate::config::{JwtIdentity, SignInArgs};
use crate::domain::EmailKey;

/// Why a presented token was refused: `extensions.reason` of its UNAUTHENTICATED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not a JWT, no `exp`, a user claim that is not a UUID, or (with `--jwt-identity
    /// email`) no `email` or one not verified.
    Malformed,
    Expired,
    NotYetValid,
    /// The signature does not verify, or the token's algorithm does not fit the key
    /// (`none` included).
    BadSignature,
    WrongIssuer,
    WrongAudience,
    /// The token's `kid` names no key of the set (after the refetch an unknown one allows).
    UnknownKey,
    /// Well signed, but it names no user of this server.
    UnknownUser,
    /// Not the token's fault: the database could not say whether its user exists. The
    /// request is refused as SERVICE_UNAVAILABLE (retryable), not UNAUTHENTICATED.
    Unavailable,
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
            Reason::UnknownKey => "unknown_key",
            Reason::UnknownUser => "unknown_user",
            Reason::Unavailable => "unavailable",
        }
    }
}

/// The user a verified token names, still to be found in `users`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Identity {
    Id(Uuid),
    Email(EmailKey),
}

/// Who a verified token says the caller is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    pub identity: Identity,
    pub admin: bool,
    /// `exp`, seconds since the epoch.
    pub expires_at: u64,
}

/// Where the keys come from: fixed at start, or a JWKS URL refreshed while running.
enum Keys {
    Fixed(KeySet),
    Remote(Arc<RemoteKeys>),
}

pub struct JwtVerifier {
    keys: Keys,
    /// The checks of a token, one set per family of algorithms.
    validations: [(AlgorithmFamily, Validation); 4],
    user_claim: String,
    identity: JwtIdentity,
    admin_role: String,
    /// Tokens verified a moment ago, by their text.
    verified: Cache<String, Verified>,
}

/// A token's claims once its signature and claims checked out, and the JWKS it was checked
/// against. A client sends the same token with every request until it renews it, and
/// verifying it again was most of what a signed-in request cost more than an anonymous
/// one (54k instructions, mostly SHA-256 and JSON; the README's "Figures behind the
/// code's choices"). Nothing a verification checks can change for the same text but the
/// clock and the keys: `exp` is compared again on each use, and a token remembered under
/// another JWKS than the current one (a key rotated out) is verified anew.
#[derive(Clone)]
struct Verified {
    claims: Claims,
    keys: Option<Arc<KeySet>>,
}

/// How long a verified token is recognised without verifying it again: it bounds the
/// memory of tokens no longer sent, not what a token may do.
const VERIFIED_FOR: Duration = Duration::from_secs(60);

/// A token is a few hundred bytes: a few MiB at most, however many users sign in.
const MOST_VERIFIED: u64 = 10_000;

/// Clocks of the identity provider and of this server may disagree by this much.
const LEEWAY_SECONDS: u64 = 30;

impl JwtVerifier {
    /// The verifier the options describe, `None` when sign-in is off (no key given).
    pub fn from_args(args: &SignInArgs) -> Result<Option<Self>, BoxError> {
        if let Some(refusal) = args.conflicting_key_sources() {
            return Err(refusal.into());
        }
        // At most one of them is given.
        let keys = if let Some(path) = &args.jwt_secret_file {
            Keys::Fixed(KeySet::secret(&read_secret(path)?))
        } else if let Some(path) = &args.jwt_public_key_file {
            Keys::Fixed(KeySet::public_key_pem(&read(
                "--jwt-public-key-file",
                path,
            )?)?)
        } else if let Some(path) = &args.jwks_file {
            let set = KeySet::jwks(&read("--jwks-file", path)?)
                .map_err(|err| format!("--jwks-file {}: {err}", path.display()))?;
            if set.is_empty() {
                return Err(format!(
                    "--jwks-file {} holds no key this server can verify with",
                    path.display()
                )
                .into());
            }
            Keys::Fixed(set)
        } else if let Some(url) = &args.jwks_url {
            Keys::Remote(Arc::new(RemoteKeys::new(url)?))
        } else {
            return Ok(None);
        };
        let (Some(issuer), Some(audience)) = (&args.jwt_issuer, &args.jwt_audience) else {
            return Err(
                "sign-in needs --jwt-issuer and --jwt-audience: a token meant for \
                        another service must not be accepted here"
                    .into(),
            );
        };
        let validation = |family: AlgorithmFamily| {
            let mut validation = Validation::new(family.algorithms()[0]);
            // jsonwebtoken wants the algorithms of the key's family; which of them a token
            // may use is decided by its key before this.
            validation.algorithms = family.algorithms().to_vec();
            validation.set_issuer(&[issuer]);
            validation.set_audience(&[audience]);
            validation.set_required_spec_claims(&["exp", "iss", "aud"]);
            validation.validate_nbf = true;
            validation.leeway = LEEWAY_SECONDS;
            validation
        };
        let validations = [
            AlgorithmFamily::Hmac,
            AlgorithmFamily::Rsa,
            AlgorithmFamily::Ec,
            AlgorithmFamily::Ed,
        ]
        .map(|family| (family, validation(family)));
        Ok(Some(JwtVerifier {
            keys,
            validations,
            user_claim: args.jwt_user_claim.clone(),
            identity: args.jwt_identity,
            admin_role: args.jwt_admin_role.clone(),
            verified: Cache::builder()
                .max_capacity(MOST_VERIFIED)
                .time_to_live(VERIFIED_FOR)
                .build(),
        }))
    }

    /// The key set fetched from `--jwks-url`, which needs fetching at start and refreshing.
    pub fn remote_keys(&self) -> Option<&Arc<RemoteKeys>> {
        match &self.keys {
            Keys::Remote(remote) => Some(remote),
            Keys::Fixed(_) => None,
        }
    }

    /// Who the token says the caller is, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Claims, Reason> {
        let keys = match &self.keys {
            Keys::Fixed(_) => None,
            Keys::Remote(remote) => Some(remote.current()),
        };
        if let Some(known) = self.verified.get(token) {
            let same_keys = match (&known.keys, &keys) {
                (Some(then), Some(now)) => Arc::ptr_eq(then, now),
                (None, None) => true,
                _ => false,
            };
            // jsonwebtoken's own test of `exp`, on its own clock.
            let valid_until = known.claims.expires_at.saturating_add(LEEWAY_SECONDS);
            if same_keys && valid_until >= get_current_timestamp() {
                return Ok(known.claims);
            }
        }
        let claims = self.verify_anew(token).await?;
        let verified = Verified {
            claims: claims.clone(),
            keys,
        };
        self.verified.insert(token.to_owned(), verified);
        Ok(claims)
    }

    async fn verify_anew(&self, token: &str) -> Result<Claims, Reason> {
        let header = Header::of(token)?;
        // `none`, and any name that is no signing algorithm.
        let algorithm: Algorithm = header.alg.parse().map_err(|_| Reason::BadSignature)?;
        let kid = header.kid.as_deref();
        let key = match &self.keys {
            Keys::Fixed(set) => set.find(kid, algorithm)?,
            Keys::Remote(remote) => remote.find(kid, algorithm).await?,
        };
        let validation = self
            .validations
            .iter()
            .find(|(family, _)| *family == algorithm.family())
            .map(|(_, validation)| validation)
            .ok_or(Reason::BadSignature)?;
        let data = jsonwebtoken::decode::<Value>(token, &key, validation)
            .map_err(|err| reason(err.kind()))?;
        self.claims(&data.claims)
    }

    fn claims(&self, claims: &Value) -> Result<Claims, Reason> {
        let identity = match self.identity {
            JwtIdentity::UserClaim => Identity::Id(
                claims
                    .get(&self.user_claim)
                    .and_then(Value::as_str)
                    .and_then(|id| id.parse().ok())
                    .ok_or(Reason::Malformed)?,
            ),
            JwtIdentity::Email => Identity::Email(verified_email(claims)?),
        };
        let admin = claims["roles"]
            .as_array()
            .is_some_and(|roles| roles.iter().any(|role| role == self.admin_role.as_str()));
        // A NumericDate may have a fraction; jsonwebtoken has already checked it is a number.
        let expires_at = claims["exp"].as_f64().ok_or(Reason::Malformed)? as u64;
        Ok(Claims {
            identity,
            admin,
            expires_at,
        })
    }
}

/// The `email` claim, if the identity provider says it checked it: an address nobody
/// proved to own would let anyone sign up at the provider as someone else here. Some
/// providers send `email_verified` as the string `"true"`.
fn verified_email(claims: &Value) -> Result<EmailKey, Reason> {
    let verified = matches!(&claims["email_verified"], Value::Bool(true))
        || claims["email_verified"] == "true";
    let email = claims["email"].as_str().filter(|_| verified);
    email
        .and_then(|email| EmailKey::parse("email", email).ok())
        .ok_or(Reason::Malformed)
}

/// The part of a token's header that picks its key, read before anything is verified:
/// jsonwebtoken's own reading refuses `alg: none` as unreadable JSON, which is a bad
/// signature, not a malformed token.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

impl Header {
    fn of(token: &str) -> Result<Header, Reason> {
        let mut parts = token.split('.');
        let (Some(header), Some(_), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Reason::Malformed);
        };
        let json = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| Reason::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| Reason::Malformed)
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

fn read(flag: &str, path: &Path) -> Result<Vec<u8>, BoxError> {
    std::fs::read(path)
        .map_err(|err| format!("cannot read {flag} {}: {err}", path.display()).into())
}

/// The secret, without the newline an editor or `echo` leaves at the end of the file.
fn read_secret(path: &Path) -> Result<Vec<u8>, BoxError> {
    let mut secret = read("--jwt-secret-file", path)?;
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

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header as TokenHeader, encode};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"a secret for these tests";

    /// A verifier of the tests' issuer and audience, with the key source `keys` sets.
    fn verifier(keys: SignInArgs) -> JwtVerifier {
        let args = SignInArgs {
            jwt_issuer: Some("https://id.test/".into()),
            jwt_audience: Some("userplan".into()),
            jwt_user_claim: "sub".into(),
            jwt_admin_role: "userplan-admin".into(),
            ..keys
        };
        JwtVerifier::from_args(&args).unwrap().expect("sign-in on")
    }

    fn token(user: Uuid, exp: u64, secret: &[u8]) -> String {
        let claims =
            json!({ "sub": user, "iss": "https://id.test/", "aud": "userplan", "exp": exp });
        encode(
            &TokenHeader::default(),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    /// A token remembered while it was valid is refused once `exp` and the leeway are
    /// past, as verifying it would refuse it.
    #[tokio::test]
    async fn a_remembered_token_is_checked_for_expiry_on_every_use() {
        let secret_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(secret_file.path(), SECRET).unwrap();
        let verifier = verifier(SignInArgs {
            jwt_secret_file: Some(secret_file.path().to_owned()),
            ..SignInArgs::default()
        });
        let user = Uuid::now_v7();
        let fresh = token(user, get_current_timestamp() + 600, SECRET);
        let claims = verifier.verify(&fresh).await.unwrap();
        assert_eq!(claims.identity, Identity::Id(user));
        // As if remembered a while ago, when this token had not yet expired.
        let past = get_current_timestamp() - LEEWAY_SECONDS - 5;
        let expired = token(user, past, SECRET);
        let then = Claims {
            expires_at: past,
            ..claims
        };
        let remembered = Verified {
            claims: then,
            keys: None,
        };
        verifier.verified.insert(expired.clone(), remembered);
        assert_eq!(verifier.verify(&expired).await, Err(Reason::Expired));
    }

    /// With a JWKS URL, a token remembered under the key set in use is answered from
    /// memory (claims no verification of it would give: only the memory says admin), and
    /// one remembered under a set since replaced is verified again: this set has no key,
    /// so it is refused.
    #[tokio::test]
    async fn a_token_remembered_under_replaced_keys_is_verified_again() {
        let verifier = verifier(SignInArgs {
            // Nothing listens on the discard port: the refetch an unknown `kid` allows fails.
            jwks_url: Some("http://127.0.0.1:9/jwks".into()),
            ..SignInArgs::default()
        });
        let current = verifier.remote_keys().expect("a JWKS URL").current();
        let user = Uuid::now_v7();
        let remembered = |keys| Verified {
            claims: Claims {
                identity: Identity::Id(user),
                admin: true,
                expires_at: get_current_timestamp() + 600,
            },
            keys: Some(keys),
        };
        let under_current = token(user, get_current_timestamp() + 600, SECRET);
        verifier
            .verified
            .insert(under_current.clone(), remembered(current));
        let answer = verifier.verify(&under_current).await.unwrap();
        assert!(answer.admin, "answered from memory");
        let under_replaced = token(user, get_current_timestamp() + 601, SECRET);
        let replaced = Arc::new(KeySet::secret(SECRET));
        verifier
            .verified
            .insert(under_replaced.clone(), remembered(replaced));
        assert_eq!(
            verifier.verify(&under_replaced).await,
            Err(Reason::UnknownKey)
        );
    }
}
