//! The users whose tokens were honoured a moment ago, so that a signed-in request does not
//! pay a statement (and, on PostgreSQL, a round trip) to find its user again.
//!
//! Why a cache is safe here: it only ever answers "this identity is this user", and only
//! for [`REMEMBERED_FOR`]. A user deleted through this instance is forgotten at once
//! ([`KnownUsers::forget`]); one deleted through another instance sharing the database
//! can act for at most that long afterwards, and then has no membership left, so they see
//! nothing and every write naming them finds them NOT_FOUND (the same as a deletion that
//! lands between a request's lookup and its write). An unknown identity is never
//! remembered: a user created a moment later can sign in at once.

use std::time::Duration;

use moka::sync::Cache;

use super::jwt::Identity;
use crate::service::UserId;

/// How long an identity found in `users` is believed without asking again.
pub const REMEMBERED_FOR: Duration = Duration::from_secs(5);

/// About 100 bytes an entry: a few MiB at most, however many users sign in.
const MOST_REMEMBERED: u64 = 50_000;

pub struct KnownUsers(Cache<Identity, UserId>);

impl Default for KnownUsers {
    fn default() -> Self {
        KnownUsers(
            Cache::builder()
                .max_capacity(MOST_REMEMBERED)
                .time_to_live(REMEMBERED_FOR)
                .build(),
        )
    }
}

impl KnownUsers {
    pub fn get(&self, identity: &Identity) -> Option<UserId> {
        self.0.get(identity)
    }

    pub fn remember(&self, identity: Identity, user: UserId) {
        self.0.insert(identity, user);
    }

    /// After a user is deleted or changes their email on this instance: every identity,
    /// since an email identity names the user only through their row. Both are rare next
    /// to sign-ins.
    pub fn forget(&self) {
        self.0.invalidate_all();
    }
}
