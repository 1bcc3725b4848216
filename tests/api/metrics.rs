//! `/metrics` stays bounded whatever operation names clients send. Each test runs the real
//! binary: the metrics recorder is global to a process, and the servers of the other tests
//! in this one would add their own series.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

use crate::binary::ServerProcess;
use crate::helpers::*;
use crate::on_both_databases;

/// What 20 operations' series must fit in (each has a counter per outcome and a duration
/// histogram of 14 buckets: 2.2 KB with a 64-character name, 45 KB for 20 of them).
const MAX_GROWTH: usize = 50_000;
const FIRST_SEEN: usize = 20;

/// `serve` arguments for an ephemeral port on `database_url`, then `options`.
fn serve<'a>(database_url: &'a str, options: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--listen", "127.0.0.1:0", "--database-url", database_url];
    args.extend_from_slice(options);
    args
}

async fn post(server: &ServerProcess, body: Value) -> Value {
    reqwest::Client::new()
        .post(server.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn scrape(server: &ServerProcess) -> String {
    reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Fails unless what was sent between the scrapes `before` and `after` stayed in bounds.
fn assert_bounded_growth(before: &str, after: &str) {
    let growth = after.len().saturating_sub(before.len());
    assert!(
        growth < MAX_GROWTH,
        "/metrics grew by {growth} bytes, from {} to {}",
        before.len(),
        after.len()
    );
}

/// `userplan_requests_total` by operation label, summed over outcomes.
fn requests_by_operation(metrics: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in metrics.lines() {
        let Some(labels) = line.strip_prefix("userplan_requests_total{") else {
            continue;
        };
        let operation = labels
            .strip_prefix("operation=\"")
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no operation label first in {line}"));
        let count: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        *counts.entry(operation.to_owned()).or_default() += count;
    }
    counts
}

/// Operation names as a client may choose them: random, at the 64-character limit.
fn random_names(count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let random = uuid::Uuid::new_v4().simple().to_string();
            format!("Op_{random}{random}")[..64].to_owned()
        })
        .collect()
}

/// Requests refused before their document is read keep only the name their JSON gives,
/// which can be any text.
async fn send_unreadable_names(server: &ServerProcess) -> u64 {
    let names = ["Zoë", "a\u{0}b", "😀", "other", "anonymous", "1st"];
    for name in names {
        let body = post(server, json!({ "query": "query {", "operationName": name })).await;
        assert!(error_code(&body).is_some(), "{body}");
    }
    names.len() as u64
}

on_both_databases!(random_names_get_a_bounded_set_of_series);
async fn random_names_get_a_bounded_set_of_series(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = ServerProcess::start(&serve(&database.url, &[]), &[]).await;
    post(&server, json!({ "query": "{ __typename }" })).await;
    let before = scrape(&server).await;

    let names = random_names(300);
    // One at a time, so that the first names the server sees are the first sent.
    for name in &names {
        let query = format!("query {name} {{ __typename }}");
        let body = post(&server, json!({ "query": query })).await;
        assert_eq!(body["data"]["__typename"], "Query", "{body}");
    }
    let unreadable = send_unreadable_names(&server).await;
    let after = scrape(&server).await;

    let mut expected: BTreeMap<String, u64> = names[..FIRST_SEEN]
        .iter()
        .map(|name| (name.clone(), 1))
        .collect();
    expected.insert(
        "other".to_owned(),
        (names.len() - FIRST_SEEN) as u64 + unreadable,
    );
    expected.insert("anonymous".to_owned(), 1);
    assert_bounded_growth(&before, &after);
    assert_eq!(requests_by_operation(&after), expected);
}

on_both_databases!(with_trusted_documents_only_their_names_get_series);
async fn with_trusted_documents_only_their_names_get_series(backend: Backend) {
    let manifest_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/typescript/src/gql/persisted-documents.json");
    let manifest: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let database = TestDatabase::create(backend).await;
    let trusted = ["--trusted-documents", manifest_path.to_str().unwrap()];
    let server = ServerProcess::start(&serve(&database.url, &trusted), &[]).await;
    let mut trusted_names = BTreeSet::new();
    for (hash, text) in &manifest {
        let document = async_graphql::parser::parse_query(text).unwrap();
        let name = document
            .operations
            .iter()
            .find_map(|(name, _)| name)
            .expect("every trusted document names its operation")
            .to_string();
        // Most fail on their missing variables, after the server admitted them.
        post(
            &server,
            json!({
                "operationName": name,
                "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
            }),
        )
        .await;
        trusted_names.insert(name);
    }
    let before = scrape(&server).await;
    let names = random_names(300);
    for name in &names {
        let query = format!("query {name} {{ __typename }}");
        let body = post(&server, json!({ "query": query, "operationName": name })).await;
        assert_eq!(
            error_code(&body),
            Some("PERSISTED_QUERY_NOT_IN_LIST"),
            "{body}"
        );
    }
    let unreadable = send_unreadable_names(&server).await;
    let after = scrape(&server).await;

    let mut expected: BTreeMap<String, u64> =
        trusted_names.into_iter().map(|name| (name, 1)).collect();
    expected.insert("other".to_owned(), names.len() as u64 + unreadable);
    assert_bounded_growth(&before, &after);
    assert_eq!(requests_by_operation(&after), expected);
}
