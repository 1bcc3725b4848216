//! Persisted documents: Apollo's automatic persisted queries (any document, registered by
//! its sha256 on first use), or, with `--trusted-documents`, only the documents of a
//! manifest built with the frontend (GraphQL Code Generator's `persisted-documents.json`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};
use sha2::{Digest, Sha256};

use crate::BoxError;
use crate::error::{ErrorCode, request_error};

/// How many automatically persisted queries an instance remembers.
pub const APQ_CACHE_SIZE: usize = 1024;

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

    /// The names of the documents' operations: every name a request can run.
    pub fn operation_names(&self) -> impl Iterator<Item = String> + '_ {
        self.0.values().flat_map(|document| {
            document
                .operations
                .iter()
                .filter_map(|(name, _)| name.map(|name| name.to_string()))
        })
    }
}

pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Where the documents of requests sent by hash come from.
#[derive(Clone)]
pub enum PersistedDocuments {
    /// Apollo's automatic persisted queries: any document, remembered by its hash once a
    /// client has sent both.
    Automatic(LruCacheStorage),
    /// Only these.
    Trusted(TrustedDocuments),
}

impl PersistedDocuments {
    pub fn new(trusted: Option<TrustedDocuments>) -> Self {
        match trusted {
            Some(trusted) => PersistedDocuments::Trusted(trusted),
            None => PersistedDocuments::Automatic(LruCacheStorage::new(APQ_CACHE_SIZE)),
        }
    }

    /// Gives a request sent by hash (`extensions.persistedQuery.sha256Hash`) its document,
    /// remembers the automatically persisted ones, and refuses what the trusted documents
    /// do not hold. Uses async-graphql's cache storage, not its extension: an extension
    /// wraps the resolution of every field, a cost per row for a check made once. Returns
    /// whether the request's document is now parsed (it is for every persisted document).
    pub async fn resolve(&self, request: &mut Request) -> Result<bool, ServerError> {
        let hash = persisted_hash(request)?;
        match self {
            PersistedDocuments::Trusted(trusted) => {
                let hash = match hash {
                    Some(hash) if request.query.is_empty() => hash,
                    _ => sha256_hex(&request.query),
                };
                match trusted.0.get(&hash) {
                    Some(document) => {
                        request.set_parsed_query(document.clone());
                        Ok(true)
                    }
                    None => Err(request_error(
                        "this server runs only its trusted documents, and this is not one of them",
                        ErrorCode::PersistedQueryNotInList,
                    )),
                }
            }
            PersistedDocuments::Automatic(cache) => {
                let Some(hash) = hash else {
                    return Ok(false);
                };
                if request.query.is_empty() {
                    let document = cache.get(hash).await.ok_or_else(|| {
                        // The message is what Apollo's clients look for.
                        request_error("PersistedQueryNotFound", ErrorCode::PersistedQueryNotFound)
                    })?;
                    request.set_parsed_query(document);
                    return Ok(true);
                }
                if sha256_hex(&request.query) != hash {
                    return Err(request_error(
                        "extensions.persistedQuery.sha256Hash is not the sha256 of the query",
                        ErrorCode::BadUserInput,
                    ));
                }
                let document = request.parsed_query()?.clone();
                cache.set(hash, document).await;
                Ok(true)
            }
        }
    }
}

/// The hash of `extensions.persistedQuery`, if the request has one.
fn persisted_hash(request: &Request) -> Result<Option<String>, ServerError> {
    #[derive(serde::Deserialize)]
    struct PersistedQuery {
        version: i32,
        #[serde(rename = "sha256Hash")]
        sha256_hash: String,
    }
    let Some(value) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let bad = |message: &str| request_error(message, ErrorCode::BadUserInput);
    let persisted: PersistedQuery = async_graphql::from_value(value.clone())
        .map_err(|_| bad("extensions.persistedQuery needs a version and a sha256Hash"))?;
    if persisted.version != 1 {
        return Err(bad("only version 1 of persisted queries is supported"));
    }
    Ok(Some(persisted.sha256_hash))
}
