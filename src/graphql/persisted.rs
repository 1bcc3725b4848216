//! Persisted documents: Apollo's automatic persisted queries (any document, registered by
//! its sha256 on first use), or, with `--trusted-documents`, only the documents of a
//! manifest built with the frontend (GraphQL Code Generator's `persisted-documents.json`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::CacheStorage;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerResult};
use sha2::{Digest, Sha256};

use crate::BoxError;
use crate::error::request_error;

/// How many automatically persisted queries an instance remembers.
pub const APQ_CACHE_SIZE: usize = 1024;

/// What clients are told when a hash names no document they may run.
pub const NOT_IN_LIST: &str = "PERSISTED_QUERY_NOT_IN_LIST";

/// The documents of a trusted-documents manifest, parsed once at start-up.
#[derive(Clone)]
pub struct TrustedDocuments(Arc<HashMap<String, ExecutableDocument>>);

impl TrustedDocuments {
    pub fn load(path: &Path) -> Result<Self, BoxError> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            format!(
                "cannot read the trusted documents {}: {err}",
                path.display()
            )
        })?;
        let manifest: HashMap<String, String> = serde_json::from_str(&text).map_err(|err| {
            format!(
                "{} is not a persisted-documents manifest (a JSON object of hash -> document): {err}",
                path.display()
            )
        })?;
        let mut documents = HashMap::with_capacity(manifest.len());
        for (hash, text) in manifest {
            // Keyed by the document's own hash: a manifest entry that lies about its hash
            // could otherwise let the text of one document run under another's name.
            let actual = sha256_hex(&text);
            if actual != hash {
                return Err(format!("trusted document {hash} has the sha256 {actual}").into());
            }
            let document = async_graphql::parser::parse_query(&text)
                .map_err(|err| format!("trusted document {hash} does not parse: {err}"))?;
            documents.insert(hash, document);
        }
        Ok(TrustedDocuments(Arc::new(documents)))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The manifest is the store behind the persisted-query protocol: a hash it holds runs,
/// and nothing is ever added to it.
#[async_trait::async_trait]
impl CacheStorage for TrustedDocuments {
    async fn get(&self, key: String) -> Option<ExecutableDocument> {
        self.0.get(&key).cloned()
    }

    async fn set(&self, _key: String, _query: ExecutableDocument) {}
}

/// Refuses every request that is not a document of the manifest, by hash or by its text.
impl ExtensionFactory for TrustedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for TrustedDocuments {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let hash = if request.query.is_empty() {
            request
                .extensions
                .get("persistedQuery")
                .and_then(|persisted| match persisted {
                    async_graphql::Value::Object(fields) => fields.get("sha256Hash").cloned(),
                    _ => None,
                })
                .and_then(|hash| match hash {
                    async_graphql::Value::String(hash) => Some(hash),
                    _ => None,
                })
                .unwrap_or_default()
        } else {
            sha256_hex(&request.query)
        };
        if !self.0.contains_key(&hash) {
            return Err(request_error(
                "this server runs only its trusted documents, and this is not one of them",
                NOT_IN_LIST,
            ));
        }
        next.run(ctx, request).await
    }
}
