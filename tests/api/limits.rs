//! A query over the cost limit is told what it would have cost, measured as the README
//! says: each list counts its `first` times what it selects on each row.

use serde_json::{Value, json};

use crate::helpers::*;

/// The cost a refusal states.
fn stated_cost(error: &Value) -> u64 {
    let message = error["message"].as_str().unwrap();
    message
        .split("up to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no cost in {message:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_over_the_cost_limit_is_told_its_cost() {
    let app = spawn_app_with(Backend::Sqlite, &["--max-complexity", "1000"]).await;
    let query = "query($n: Int) { users(first: 10) { nodes { id plans(first: $n) { id } } } }";
    let mut costs = Vec::new();
    for inner in [200, 300] {
        let error = app.error(query, json!({ "n": inner })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains("1000 allowed"),
            "{error}"
        );
        costs.push(stated_cost(&error));
    }
    assert!(costs[0] > 1000, "{costs:?}");
    // 100 more plans for each of the 10 users.
    assert_eq!(costs[1] - costs[0], 10 * 100, "{costs:?}");
    // Within the limit, the same query runs.
    app.data(query, json!({ "n": 50 })).await;
}
