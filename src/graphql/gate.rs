//! What every request passes before the schema runs it, over HTTP and WebSocket alike:
//! its persisted document is looked up, it is parsed once, its size and depth are checked,
//! and its caller must be allowed to run it. Done here, once per request, rather than in
//! schema extensions, which would also wrap the resolution of every field.

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Request, ServerError};

use super::access::{self, Transport};
use super::limits;
use super::persisted::{PersistedDocuments, TrustedDocuments};
use crate::auth::Caller;
use crate::config::Limits;

/// How many parsed documents are kept, and the longest query text kept: clients send the
/// same few documents again and again, and parsing one was a measurable part of a 50-row
/// page (the README's performance section has the figure). The bound on the text bounds
/// the cache's memory (at most 256 x 8 KiB of text).
const PARSED_CACHE_SIZE: usize = 256;
const PARSED_CACHE_MAX_QUERY: usize = 8 * 1024;

/// A request the gate let through: ready for the schema, with what it will run.
pub struct Admitted {
    /// The operation's name, from the request or the document.
    pub name: Option<String>,
    pub kind: OperationType,
    pub request: Request,
}

pub struct Gate {
    persisted: PersistedDocuments,
    parsed: LruCacheStorage,
    limits: Limits,
}

impl Gate {
    pub fn new(limits: &Limits, trusted: Option<TrustedDocuments>) -> Self {
        Gate {
            persisted: PersistedDocuments::new(trusted),
            parsed: LruCacheStorage::new(PARSED_CACHE_SIZE),
            limits: limits.clone(),
        }
    }

    /// Readies `request` for the schema (its document parsed), or refuses it with the
    /// error and the operation name the request gave.
    pub async fn admit(
        &self,
        mut request: Request,
        caller: Caller,
        transport: Transport,
    ) -> Result<Admitted, (ServerError, Option<String>)> {
        match self.check(&mut request, caller, transport).await {
            Ok((name, kind)) => Ok(Admitted {
                name,
                kind,
                request,
            }),
            Err(error) => Err((error, request.operation_name)),
        }
    }

    async fn check(
        &self,
        request: &mut Request,
        caller: Caller,
        transport: Transport,
    ) -> Result<(Option<String>, OperationType), ServerError> {
        if !self.persisted.resolve(request).await? {
            self.parse(request).await?;
        }
        let operation_name = request.operation_name.clone();
        let document = request.parsed_query()?;
        limits::check(document, &self.limits)?;
        access::check(document, operation_name.as_deref(), caller, transport)
    }

    /// Gives `request` its parsed document, from the cache when its text was seen before.
    /// Only documents that parse are kept, so an error is reported as async-graphql does.
    async fn parse(&self, request: &mut Request) -> Result<(), ServerError> {
        let cacheable = !request.query.is_empty() && request.query.len() <= PARSED_CACHE_MAX_QUERY;
        if !cacheable {
            return Ok(());
        }
        if let Some(document) = self.parsed.get(request.query.clone()).await {
            request.set_parsed_query(document);
            return Ok(());
        }
        let document = request.parsed_query()?.clone();
        self.parsed.set(request.query.clone(), document).await;
        Ok(())
    }
}
