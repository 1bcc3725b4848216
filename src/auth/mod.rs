//! Who a request acts as, and what it may do: the credential it presents (none, the shared
//! API token, and with sign-in a user's JWT) becomes a [`Caller`] once per request (or per
//! WebSocket connection), before anything runs.

mod jwt;
mod keys;
mod known;
mod token;

use std::sync::Arc;

pub use jwt::{Identity, JwtVerifier, Reason};
pub use known::KnownUsers;
pub use token::ApiToken;

use sea_orm::DatabaseConnection;

use crate::BoxError;
use crate::config::AccessArgs;
use crate::db::{SQL_STATS, SqlStats};
use crate::service::{UserId, users};

/// Whose request this is, as the rules of what one may see and change need to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// The service credential (`--api-token`), or anyone on a server without credentials:
    /// sees and changes everything, as a server without sign-in allows.
    Service,
    /// No credential, on a server that has one.
    Anonymous,
    /// A signed-in user: sees what their memberships show them.
    User(UserId),
    /// A signed-in administrator: sees everything, as a user acts on their own behalf.
    Admin(UserId),
}

impl Viewer {
    /// The signed-in user, if there is one.
    pub fn user_id(self) -> Option<UserId> {
        match self {
            Viewer::User(id) | Viewer::Admin(id) => Some(id),
            Viewer::Service | Viewer::Anonymous => None,
        }
    }
}

/// What the caller of one request (or one WebSocket connection) is and may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub viewer: Viewer,
    pub may_read: bool,
    pub may_write: bool,
    /// A credential was presented and failed: the request is refused whole, whatever it
    /// asks, with this reason.
    pub refused: Option<Reason>,
    /// When a signed-in caller's token stops being valid (its `exp`, seconds since the
    /// epoch): a WebSocket connection must not outlive it.
    pub expires_at: Option<u64>,
    /// No credential, on a server where users sign in: only `__typename`, introspection
    /// and `viewer` (null) may run.
    pub signed_out: bool,
}

impl Caller {
    /// A request that reached the schema without passing through [`Credentials::caller`].
    pub const NOBODY: Caller = Caller {
        viewer: Viewer::Anonymous,
        may_read: false,
        may_write: false,
        refused: None,
        expires_at: None,
        signed_out: false,
    };

    /// No credential, on a server where users sign in.
    pub const SIGNED_OUT: Caller = Caller {
        signed_out: true,
        ..Caller::NOBODY
    };

    fn refused(reason: Reason) -> Caller {
        Caller {
            refused: Some(reason),
            ..Caller::NOBODY
        }
    }
}

/// Every credential the server accepts: the shared API token, and with sign-in users' JWTs.
pub struct Credentials {
    token: ApiToken,
    jwt: Option<JwtVerifier>,
    known: Arc<KnownUsers>,
}

impl Credentials {
    pub fn from_args(args: &AccessArgs) -> Result<Self, BoxError> {
        Ok(Credentials {
            token: ApiToken::from_args(args)?,
            jwt: JwtVerifier::from_args(&args.sign_in)?,
            known: Arc::default(),
        })
    }

    /// The users signed in a moment ago, for the writes that must make them forget.
    pub fn known_users(&self) -> Arc<KnownUsers> {
        self.known.clone()
    }

    /// Whether a caller needs a credential for anything (else anyone may do everything).
    pub fn is_configured(&self) -> bool {
        self.token.is_configured() || self.jwt.is_some()
    }

    /// Fetches the keys of `--jwks-url`, if that is where they come from, and keeps them
    /// fresh from then on.
    pub async fn start(&self) {
        if let Some(remote) = self.jwt.as_ref().and_then(JwtVerifier::remote_keys) {
            remote.start().await;
        }
    }

    /// Whether a WebSocket connection by this caller (made from this `Authorization` value)
    /// is refused. Without sign-in, only a wrong token is (no token leaves the connection
    /// open for what one may do without it, as over HTTP); with sign-in, a connection is a
    /// user's or the service's, so a missing credential is refused too.
    pub fn refuses_connection(&self, caller: &Caller, authorization: Option<&str>) -> bool {
        match &self.jwt {
            Some(_) => caller.refused.is_some() || caller.viewer == Viewer::Anonymous,
            None => self.token.rejects(authorization),
        }
    }

    /// Who presented this `Authorization` value (`Bearer <credential>`), and what they may
    /// do. A bearer value equal to the API token is the service; with sign-in, any other is
    /// verified as a JWT, and its user must exist.
    pub async fn caller(&self, db: &DatabaseConnection, authorization: Option<&str>) -> Caller {
        let Some(jwt) = &self.jwt else {
            return self.token.caller(authorization);
        };
        let Some(authorization) = authorization else {
            return Caller::SIGNED_OUT;
        };
        let service = self.token.caller(Some(authorization));
        if self.token.is_configured() && service.may_write {
            return service;
        }
        let Some(bearer) = authorization.strip_prefix("Bearer ").map(str::trim) else {
            return Caller::refused(Reason::Malformed);
        };
        let verified = match jwt.verify(bearer).await {
            Ok(claims) => signed_in(db, &self.known, claims).await,
            Err(reason) => Err(reason),
        };
        verified.unwrap_or_else(|reason| {
            // Never the token itself: it is a credential. An unavailable database is
            // logged where it failed.
            if reason != Reason::Unavailable {
                tracing::info!(reason = reason.as_str(), "a credential was refused");
            }
            Caller::refused(reason)
        })
    }
}

/// The caller a verified token makes, once its user is found (or remembered: `known`).
/// The lookup is the credential's, not the request's: it runs outside the request's
/// statement count (a counter of its own), so `extensions.sql` shows what the operation
/// itself costs.
async fn signed_in(
    db: &DatabaseConnection,
    known: &KnownUsers,
    claims: jwt::Claims,
) -> Result<Caller, Reason> {
    let user = match known.get(&claims.identity) {
        Some(user) => user,
        None => {
            let lookup = async {
                match &claims.identity {
                    Identity::Id(id) => users::exists(db, UserId(*id)).await,
                    Identity::Email(email) => users::id_by_email(db, email).await,
                }
            };
            let user = SQL_STATS
                .scope(Arc::new(SqlStats::default()), lookup)
                .await
                .map_err(|err| {
                    tracing::error!(error = %err, "cannot look up a signed-in user");
                    Reason::Unavailable
                })?
                .ok_or(Reason::UnknownUser)?;
            known.remember(claims.identity, user);
            user
        }
    };
    Ok(Caller {
        viewer: if claims.admin {
            Viewer::Admin(user)
        } else {
            Viewer::User(user)
        },
        may_read: true,
        may_write: true,
        refused: None,
        expires_at: Some(claims.expires_at),
        signed_out: false,
    })
}
