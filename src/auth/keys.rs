//! The keys tokens are verified with, each with the algorithms its type allows: a shared
//! secret (HS*), a PEM public key, or a JSON Web Key Set from a file or from the identity
//! provider's URL, kept fresh while the server runs.

use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::jwt::Reason;
use crate::BoxError;

const HMAC: &[Algorithm] = &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
const RSA: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

struct Key {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: Arc<DecodingKey>,
}

/// A set of keys, each with the algorithms it may verify.
pub struct KeySet {
    keys: Vec<Key>,
    /// A single configured key (secret or PEM) verifies whatever `kid` a token names.
    any_kid: bool,
}

impl KeySet {
    pub fn secret(secret: &[u8]) -> Self {
        KeySet::single(DecodingKey::from_secret(secret), HMAC.to_vec())
    }

    /// The key of a PEM file; its type fixes the algorithms (an EC key's curve fixes one).
    pub fn public_key_pem(pem: &[u8]) -> Result<Self, BoxError> {
        // jsonwebtoken would take a private key or a certificate too, and then verify
        // nothing; and a private key has no business on this server.
        let text = String::from_utf8_lossy(pem);
        if !text.contains("-----BEGIN PUBLIC KEY-----")
            && !text.contains("-----BEGIN RSA PUBLIC KEY-----")
        {
            return Err("--jwt-public-key-file must hold a PEM public key \
                        (-----BEGIN PUBLIC KEY-----), not a private key or a certificate"
                .into());
        }
        if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            return Ok(KeySet::single(key, RSA.to_vec()));
        }
        if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            // The key is the curve point, uncompressed (0x04, x, y) or compressed.
            let algorithm = match key.as_bytes().len() {
                65 | 33 => Algorithm::ES256,
                97 | 49 => Algorithm::ES384,
                _ => return Err("--jwt-public-key-file: EC keys must be on P-256 or P-384".into()),
            };
            return Ok(KeySet::single(key, vec![algorithm]));
        }
        if let Ok(key) = DecodingKey::from_ed_pem(pem) {
            return Ok(KeySet::single(key, vec![Algorithm::EdDSA]));
        }
        Err(
            "--jwt-public-key-file must hold a PEM public key: RSA, EC (P-256 or P-384) \
             or Ed25519"
                .into(),
        )
    }

    fn single(key: DecodingKey, algorithms: Vec<Algorithm>) -> Self {
        KeySet {
            keys: vec![Key {
                kid: None,
                algorithms,
                key: Arc::new(key),
            }],
            any_kid: true,
        }
    }

    /// The signing keys of a JWKS document. Keys this server cannot use (encryption
    /// keys, unknown types or curves, symmetric keys) are left out with a warning rather
    /// than failing the set: providers publish such keys beside the signing ones.
    pub fn jwks(json: &[u8]) -> Result<Self, String> {
        let document: Value =
            serde_json::from_slice(json).map_err(|err| format!("not a JWKS: {err}"))?;
        let Some(entries) = document["keys"].as_array() else {
            return Err("not a JWKS: no `keys` array".into());
        };
        let keys = entries
            .iter()
            .filter_map(|entry| match signing_key(entry) {
                Ok(key) => Some(key),
                Err(why) => {
                    let kid = entry["kid"].as_str().unwrap_or("(none)");
                    tracing::warn!(kid, why, "a JWKS key is left out");
                    None
                }
            })
            .collect();
        Ok(KeySet {
            keys,
            any_kid: false,
        })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key for a token of this `kid` and algorithm. A JWKS key without a `kid` is
    /// only for tokens without one: a token naming a key must get that key.
    pub fn find(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Arc<DecodingKey>, Reason> {
        let mut named = self
            .keys
            .iter()
            .filter(|key| self.any_kid || key.kid.as_deref() == kid)
            .peekable();
        if named.peek().is_none() {
            return Err(Reason::UnknownKey);
        }
        named
            .find(|key| key.algorithms.contains(&algorithm))
            .map(|key| key.key.clone())
            .ok_or(Reason::BadSignature)
    }
}

/// A JWK this server verifies signatures with, and the algorithms it allows: the ones its
/// type (and curve) fit, narrowed to its `alg` when it names one.
fn signing_key(entry: &Value) -> Result<Key, &'static str> {
    let jwk: Jwk =
        serde_json::from_value(entry.clone()).map_err(|_| "not a key this server reads")?;
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return Err("an encryption key");
    }
    let fitting: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => RSA,
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return Err("an EC curve other than P-256 and P-384"),
        },
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            &[Algorithm::EdDSA]
        }
        AlgorithmParameters::OctetKeyPair(_) => return Err("an OKP curve other than Ed25519"),
        // A shared secret published in a key set is no secret: use --jwt-secret-file.
        AlgorithmParameters::OctetKey(_) => return Err("a symmetric key"),
    };
    let algorithms: Vec<Algorithm> = match jwk.common.key_algorithm {
        None => fitting.to_vec(),
        Some(named) => match fitting.iter().find(|alg| key_algorithm(**alg) == named) {
            Some(alg) => vec![*alg],
            None => return Err("its `alg` does not fit its key type"),
        },
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "its key material does not decode")?;
    Ok(Key {
        kid: jwk.common.key_id,
        algorithms,
        key: Arc::new(key),
    })
}

fn key_algorithm(algorithm: Algorithm) -> KeyAlgorithm {
    match algorithm {
        Algorithm::HS256 => KeyAlgorithm::HS256,
        Algorithm::HS384 => KeyAlgorithm::HS384,
        Algorithm::HS512 => KeyAlgorithm::HS512,
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::ES384 => KeyAlgorithm::ES384,
        Algorithm::RS256 => KeyAlgorithm::RS256,
        Algorithm::RS384 => KeyAlgorithm::RS384,
        Algorithm::RS512 => KeyAlgorithm::RS512,
        Algorithm::PS256 => KeyAlgorithm::PS256,
        Algorithm::PS384 => KeyAlgorithm::PS384,
        Algorithm::PS512 => KeyAlgorithm::PS512,
        Algorithm::EdDSA => KeyAlgorithm::EdDSA,
    }
}

/// A token with an unknown `kid` refetches the set at most this often: a flood of made-up
/// `kid`s must not turn into a flood of requests to the identity provider.
pub const UNKNOWN_KID_REFETCH: Duration = Duration::from_secs(30);
/// The refresh interval without a `Cache-Control: max-age`.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(5 * 60);
const MIN_REFRESH: Duration = Duration::from_secs(60);
const MAX_REFRESH: Duration = Duration::from_secs(24 * 60 * 60);
/// After a failed fetch: retry after 1 s, doubling up to this.
const MAX_RETRY: Duration = Duration::from_secs(60);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The key set at `--jwks-url`. Tokens are verified against the last set fetched, which
/// only a read lock guards: a token whose key is known never waits for a fetch.
pub struct RemoteKeys {
    url: reqwest::Url,
    client: reqwest::Client,
    set: RwLock<Arc<KeySet>>,
    /// When a token with an unknown `kid` last caused a fetch. Held during that fetch, so
    /// the other tokens with unknown `kid`s wait for its result instead of fetching too.
    refetched: tokio::sync::Mutex<Option<Instant>>,
}

impl RemoteKeys {
    /// Plain HTTP only to this machine: anyone on the path could otherwise hand the server
    /// keys of their own and sign in as anyone.
    pub fn new(url: &str) -> Result<Self, BoxError> {
        let url = reqwest::Url::parse(url).map_err(|err| format!("--jwks-url {url}: {err}"))?;
        let loopback = match url.host_str() {
            Some("localhost") => true,
            Some(host) => host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
            None => false,
        };
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(format!("--jwks-url {url} must be https (http only to localhost)").into());
        }
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|err| format!("cannot make an HTTP client for --jwks-url: {err}"))?;
        Ok(RemoteKeys {
            url,
            client,
            set: RwLock::new(Arc::new(KeySet {
                keys: Vec::new(),
                any_kid: false,
            })),
            refetched: tokio::sync::Mutex::new(None),
        })
    }

    /// Fetches the set once, then keeps it fresh from a task of its own until the server
    /// (which holds the last reference) is gone. A first fetch that fails does not stop
    /// the server: tokens get `unknown_key` until a retry succeeds.
    pub async fn start(self: &Arc<Self>) {
        let first = self.refresh().await;
        let keys = Arc::downgrade(self);
        tokio::spawn(keep_fresh(keys, first));
    }

    /// The key for a token; a `kid` the set does not know refetches it first, at most
    /// every [`UNKNOWN_KID_REFETCH`].
    pub async fn find(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Arc<DecodingKey>, Reason> {
        match self.current().find(kid, algorithm) {
            Err(Reason::UnknownKey) => {}
            found => return found,
        }
        let mut refetched = self.refetched.lock().await;
        let now = Instant::now();
        if may_refetch(*refetched, now) {
            *refetched = Some(now);
            // A failure is logged and the last good set kept; the token then has no key.
            let _ = self.refresh().await;
        }
        drop(refetched);
        self.current().find(kid, algorithm)
    }

    /// The set tokens are verified with now.
    pub fn current(&self) -> Arc<KeySet> {
        self.set
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Fetches the set and, if it holds keys, makes it the current one; returns when to
    /// refresh next, as its `Cache-Control` says.
    async fn refresh(&self) -> Result<Duration, String> {
        let fetched = self.fetch().await;
        match &fetched {
            Ok((set, next)) => {
                tracing::info!(
                    url = %self.url,
                    keys = set.len(),
                    next_refresh_secs = next.as_secs(),
                    "fetched the JWKS"
                );
            }
            Err(error) => tracing::warn!(
                url = %self.url,
                error,
                "cannot fetch the JWKS; keeping the keys fetched before"
            ),
        }
        let (set, next) = fetched?;
        *self
            .set
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(set);
        Ok(next)
    }

    async fn fetch(&self) -> Result<(KeySet, Duration), String> {
        let response = self
            .client
            .get(self.url.clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|err| err.without_url().to_string())?;
        let next = refresh_interval(
            response
                .headers()
                .get_all(reqwest::header::CACHE_CONTROL)
                .iter()
                .filter_map(|value| value.to_str().ok()),
        );
        let body = response
            .bytes()
            .await
            .map_err(|err| err.without_url().to_string())?;
        let set = KeySet::jwks(&body)?;
        if set.is_empty() {
            return Err("the JWKS holds no key this server can verify with".into());
        }
        Ok((set, next))
    }
}

/// Refreshes the set when the last fetch says to, sooner after a failure; ends when the
/// server that owns the keys is gone.
async fn keep_fresh(keys: Weak<RemoteKeys>, first: Result<Duration, String>) {
    let mut last = first;
    let mut failures = 0;
    loop {
        let wait = match last {
            Ok(next) => {
                failures = 0;
                next
            }
            Err(_) => {
                failures += 1;
                retry_after(failures)
            }
        };
        tokio::time::sleep(wait).await;
        let Some(keys) = keys.upgrade() else {
            return;
        };
        last = keys.refresh().await;
    }
}

/// Whether a token with an unknown `kid` may refetch the set, the last such refetch having
/// been at `last`. The throttle counts from those refetches only, not from the regular
/// refreshes: a key rotated in right after a refresh is found at once.
fn may_refetch(last: Option<Instant>, now: Instant) -> bool {
    last.is_none_or(|last| now.saturating_duration_since(last) >= UNKNOWN_KID_REFETCH)
}

fn retry_after(failures: u32) -> Duration {
    Duration::from_secs(1 << failures.saturating_sub(1).min(6)).min(MAX_RETRY)
}

/// When to fetch again, from the response's `Cache-Control` values: its `max-age`,
/// clamped to 1 min..24 h; the shortest for `no-cache` or `no-store`; 5 min without one.
fn refresh_interval<'a>(cache_control: impl Iterator<Item = &'a str>) -> Duration {
    let mut max_age = None;
    let mut no_cache = false;
    for directive in cache_control.flat_map(|value| value.split(',')) {
        let directive = directive.trim();
        match directive.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("max-age") => {
                max_age = value.trim().trim_matches('"').parse().ok().or(max_age);
            }
            None if directive.eq_ignore_ascii_case("no-cache")
                || directive.eq_ignore_ascii_case("no-store") =>
            {
                no_cache = true;
            }
            _ => {}
        }
    }
    let interval = match (no_cache, max_age) {
        (true, _) => MIN_REFRESH,
        (false, Some(seconds)) => Duration::from_secs(seconds),
        (false, None) => DEFAULT_REFRESH,
    };
    interval.clamp(MIN_REFRESH, MAX_REFRESH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refresh_follows_cache_control_within_bounds() {
        let interval = |values: &[&str]| refresh_interval(values.iter().copied()).as_secs();
        assert_eq!(interval(&[]), 300);
        assert_eq!(interval(&["public, max-age=3600"]), 3600);
        assert_eq!(interval(&["Max-Age=\"7200\""]), 7200);
        assert_eq!(interval(&["max-age=5"]), 60);
        assert_eq!(interval(&["max-age=999999999"]), 24 * 3600);
        assert_eq!(interval(&["no-cache"]), 60);
        assert_eq!(interval(&["public", "max-age=600"]), 600);
        assert_eq!(interval(&["max-age=soon"]), 300);
    }

    #[test]
    fn unknown_kids_refetch_once_per_interval() {
        let start = Instant::now();
        assert!(may_refetch(None, start));
        assert!(!may_refetch(Some(start), start));
        assert!(!may_refetch(
            Some(start),
            start + UNKNOWN_KID_REFETCH - Duration::from_millis(1)
        ));
        assert!(may_refetch(Some(start), start + UNKNOWN_KID_REFETCH));
    }

    #[test]
    fn retries_back_off_to_a_minute() {
        let waits: Vec<u64> = (1..=9).map(|n| retry_after(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_pem_file_must_hold_a_public_key() {
        let private = include_bytes!("../../tests/api/keys/ec-p256.pem");
        let refused = KeySet::public_key_pem(private).err().expect("refused");
        assert!(
            refused.to_string().contains("not a private key"),
            "{refused}"
        );
        let public = include_bytes!("../../tests/api/keys/ec-p256.pub.pem");
        let set = KeySet::public_key_pem(public).expect("a public key");
        assert!(set.find(Some("any"), Algorithm::ES256).is_ok());
        assert!(KeySet::public_key_pem(b"not a key").is_err());
    }

    #[test]
    fn a_key_set_gives_each_key_the_algorithms_of_its_type() {
        let jwks = serde_json::json!({ "keys": [
            { "kty": "EC", "crv": "P-256", "kid": "ec",
              "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
              "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
            { "kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc",
              "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
              "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
            { "kty": "oct", "kid": "secret", "k": "c2VjcmV0" },
            { "kty": "EC", "crv": "P-256", "alg": "ES384",
              "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
              "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
        ]});
        let set = KeySet::jwks(jwks.to_string().as_bytes()).expect("a JWKS");
        assert_eq!(set.len(), 1, "only the EC signing key that fits its alg");
        assert!(set.find(Some("ec"), Algorithm::ES256).is_ok());
        assert_eq!(
            set.find(Some("ec"), Algorithm::ES384).err(),
            Some(Reason::BadSignature)
        );
        assert_eq!(
            set.find(Some("ec"), Algorithm::HS256).err(),
            Some(Reason::BadSignature)
        );
        assert_eq!(
            set.find(Some("enc"), Algorithm::ES256).err(),
            Some(Reason::UnknownKey)
        );
        assert_eq!(
            set.find(None, Algorithm::ES256).err(),
            Some(Reason::UnknownKey),
            "a token without a kid does not get a key that has one"
        );
    }
}
