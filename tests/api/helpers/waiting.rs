//! Waiting on the server with a bound: a request that must be answered in time, and a
//! condition that must come to hold.

use serde_json::{Value, json};

/// POSTs a GraphQL request that must be answered within `within`. `Err` is a failure of
/// the server, for the caller to report: a hang, a transport error, a status other than 200
/// or a body that is not JSON.
pub async fn post_within(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
    within: std::time::Duration,
) -> Result<Value, String> {
    let answer = async {
        let response = client
            .post(url)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|err| format!("transport: {err}"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|err| format!("body: {err}"))?;
        if status != 200 {
            return Err(format!("status {status}: {body}"));
        }
        Ok(body)
    };
    tokio::time::timeout(within, answer)
        .await
        .map_err(|_| format!("no answer within {within:?}: {query}"))?
}

/// Polls `check` until it holds, failing the test after `within`: for what a test can
/// observe but not be told (a statement waiting on a lock, a port closing).
pub async fn eventually<F: AsyncFnMut() -> bool>(
    what: &str,
    within: std::time::Duration,
    mut check: F,
) {
    let deadline = std::time::Instant::now() + within;
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
