//! A user's id and a plan's id: both UUIDs, so as bare `Uuid`s a call taking one of each
//! (the join row's) could get them the wrong way round and still compile. The service
//! layer takes these types where a call names a user and a plan; the GraphQL layer wraps
//! the ids it receives, at the edge.

use std::fmt;

use sea_orm::Value;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl From<$name> for Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        /// As the UUID: error messages name ids as clients sent them.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// The id of a row of `users`.
    UserId
);

typed_id!(
    /// The id of a row of `plans`.
    PlanId
);
