//! Who a request acts as, and what it may do: the credential it presents (none, the shared
//! API token, and with sign-in a user's JWT) becomes a [`Caller`] once per request (or per
//! WebSocket connection), before anything runs.

mod token;

pub use token::ApiToken;

use crate::service::UserId;

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
}

impl Caller {
    /// A request that reached the schema without passing through [`ApiToken::caller`].
    pub const NOBODY: Caller = Caller {
        viewer: Viewer::Anonymous,
        may_read: false,
        may_write: false,
    };
}
