//! What every request passes before the schema runs it, over HTTP and WebSocket alike:
//! its persisted document is looked up, it is parsed once, its size and depth are checked,
//! and its caller must be allowed to run it. Done here, once per request, rather than in
//! schema extensions, which would also wrap the resolution of every field.

use async_graphql::{Request, ServerError};

use super::access::{self, Transport};
use super::limits;
use super::persisted::{PersistedDocuments, TrustedDocuments};
use crate::auth::Caller;
use crate::config::Limits;

pub struct Gate {
    persisted: PersistedDocuments,
    limits: Limits,
}

impl Gate {
    pub fn new(limits: &Limits, trusted: Option<TrustedDocuments>) -> Self {
        Gate {
            persisted: PersistedDocuments::new(trusted),
            limits: limits.clone(),
        }
    }

    /// Readies `request` for the schema (its document parsed), or refuses it. Returns the
    /// name of the operation it runs, when it has one.
    pub async fn admit(
        &self,
        request: &mut Request,
        caller: Caller,
        transport: Transport,
    ) -> Result<Option<String>, ServerError> {
        self.persisted.resolve(request).await?;
        let operation_name = request.operation_name.clone();
        let document = request.parsed_query()?;
        limits::check(document, &self.limits)?;
        access::check(document, operation_name.as_deref(), caller, transport)
    }
}
