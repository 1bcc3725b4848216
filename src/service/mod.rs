//! Data access: every SQL statement the server runs lives in this module, one file per
//! concern. Resolvers call these functions, never the ORM directly.

pub mod audience;
pub mod events;
pub mod history;
mod ids;
pub mod keyset;
pub mod memberships;
pub mod plans;
pub mod rows;
pub mod seed;
pub mod users;
pub mod visibility;

mod sql;

pub use ids::{PlanId, UserId};

use chrono::{DateTime, SubsecRound, Utc};

/// Timestamps are written by the application (never by the database's own clock) at
/// PostgreSQL's microsecond precision, so what a mutation returns equals what is stored and
/// SQLite's text timestamps sort in time order.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new primary key: UUIDv7 is time-ordered, so inserts append to the B-tree.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
