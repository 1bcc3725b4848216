//! What every request passes before the schema runs it, over HTTP and WebSocket alike:
//! its persisted document is looked up, it is parsed once, its size and depth are checked,
//! and its caller must be allowed to run it. Done here, once per request, rather than in
//! schema extensions, which would also wrap the resolution of every field.

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::{Request, ServerError};

use super::access::{self, Transport};
use super::limits;
use super::persisted::{PersistedDocuments, TrustedDocuments};
use crate::auth::Caller;
use crate::config::Limits;

/// How many parsed documents are kept, and the longest query text kept: clients send the
/// same few documents again and again, and parsing one took 3.5% of a 50-row page. The
/// bound on the text bounds the cache's memory (at most 256 x 8 KiB of text).
const PARSED_CACHE_SIZE: usize = 256;
const PARSED_CACHE_MAX_QUERY: usize = 8 * 1024;

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

    /// Readies `request` for the schema (its document parsed), or refuses it. Returns the
    /// name of the operation it runs, when it has one.
    pub async fn admit(
        &self,
        request: &mut Request,
        caller: Caller,
        transport: Transport,
    ) -> Result<Option<String>, ServerError> {
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
