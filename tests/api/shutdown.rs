//! Graceful shutdown of the real binary on SIGTERM (PostgreSQL, where the test can see a
//! request in flight): the request in flight finishes, new connections are refused, and the
//! process exits cleanly.

use std::process::Command;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::server_process::ServerProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_requests_in_flight_finish_and_refuses_new_ones() {
    if !postgres_or_skip() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let server = ServerProcess::start(
        &["--listen", "127.0.0.1:0", "--database-url", &database.url],
        &[],
    )
    .await;
    let address = server.address.clone();
    let url = format!("http://{address}/graphql");
    let client = reqwest::Client::new();

    // A write that has to wait for our lock: it is in flight when the signal comes.
    let db = userplan::db::connect(&database.url, None).await.unwrap();
    let lock = db.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE plans IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let in_flight = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move {
            let query = r#"mutation { createPlan(input: { name: "Last" }) { id } }"#;
            client
                .post(url)
                .json(&json!({ "query": query }))
                .send()
                .await?
                .json::<Value>()
                .await
        }
    });
    let waiting = Statement::from_string(
        db.get_database_backend(),
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    eventually(
        "the write waiting on the lock",
        Duration::from_secs(10),
        async || {
            let row = db.query_one_raw(waiting.clone()).await.unwrap().unwrap();
            row.try_get::<i64>("", "n").unwrap() > 0
        },
    )
    .await;

    let terminated = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    eventually(
        "new connections refused",
        Duration::from_secs(10),
        async || {
            client
                .get(format!("http://{address}/health"))
                .send()
                .await
                .is_err()
        },
    )
    .await;

    lock.commit().await.unwrap();
    let answer = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert!(answer["data"]["createPlan"]["id"].is_string(), "{answer}");
    let exit = tokio::task::spawn_blocking(move || server.exit_status())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}
