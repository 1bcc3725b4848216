//! Graceful shutdown of the real binary on SIGTERM: a request in flight finishes within
//! the grace period (PostgreSQL, where the test can see it wait), new connections are
//! refused, and at the deadline the process exits whatever is still running, after telling
//! its subscribers.

use std::time::Duration;

use sea_orm::{ConnectionTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::binary::ServerProcess;
use crate::documents::{ADD_PLANS_TO_USER, CREATE_PLAN, CREATE_USER, REMOVE_PLANS_FROM_USER};
use crate::helpers::*;
use crate::on_both_databases;
use crate::ws_client::{Protocol, Reply, WsClient};

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
    let db = connect(&database.url).await;
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
    eventually(
        "the write waiting on the lock",
        Duration::from_secs(10),
        async || sessions_waiting_for_a_lock(&db).await > 0,
    )
    .await;

    server.terminate();
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
    let (exit, log) = server.exited(Duration::from_secs(10)).await;
    assert!(exit.success(), "{exit:?}\n{log}");
}

on_both_databases!(at_the_deadline_the_process_exits_and_tells_its_subscribers);
async fn at_the_deadline_the_process_exits_and_tells_its_subscribers(backend: Backend) {
    // A request stuck in the database (on the test's lock) must not hold the process
    // past its grace period; subscribers hear `complete`, then a close frame.
    let database = TestDatabase::create(backend).await;
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &database.url,
        "--shutdown-grace-secs",
        "1",
    ];
    let server = ServerProcess::start(&args, &[]).await;
    let input = json!({ "email": "s@example.com", "name": "S" });
    let created = server.post(CREATE_USER, json!({ "input": input })).await;
    let user = uuid(&created["data"]["createUser"]["id"]);
    let input = json!({ "name": "P" });
    let created = server.post(CREATE_PLAN, json!({ "input": input })).await;
    let plan = uuid(&created["data"]["createPlan"]["id"]);
    let mut subscriber = WsClient::connect(&server.address, Protocol::TransportWs, json!({})).await;
    subscriber
        .start(
            "sub",
            "subscription { membershipChanged { kind } }",
            json!({}),
        )
        .await;
    // Live once it has seen one of these toggles.
    let mut live = false;
    for attempt in 0..40 {
        let toggle = [ADD_PLANS_TO_USER, REMOVE_PLANS_FROM_USER][attempt % 2];
        server
            .post(toggle, json!({ "userId": user, "planIds": [plan] }))
            .await;
        if subscriber
            .next_of_within("sub", Duration::from_millis(250))
            .await
            .is_some()
        {
            live = true;
            break;
        }
    }
    assert!(live, "the subscription never delivered an event");

    let db = connect(&database.url).await;
    let lock = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap();
    if backend == Backend::Postgres {
        lock.execute_unprepared("LOCK TABLE plans IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let (client, url) = (reqwest::Client::new(), server.url("/graphql"));
    let stuck = tokio::spawn(async move {
        let query = r#"mutation { createPlan(input: { name: "Stuck" }) { id } }"#;
        client
            .post(url)
            .json(&json!({ "query": query }))
            .send()
            .await
    });
    let metrics = server.url("/metrics");
    eventually(
        "the write holding a connection while it waits",
        Duration::from_secs(10),
        async || {
            let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
            text.lines().any(|line| {
                line.starts_with("userplan_db_connections{state=\"in_use\"}")
                    && !line.ends_with(" 0")
            })
        },
    )
    .await;

    let signalled = Instant::now();
    server.terminate();
    assert_eq!(
        subscriber.next_of("sub").await,
        Reply::Complete,
        "the subscription is told it ended"
    );
    match subscriber.frame(Duration::from_secs(5)).await {
        Some(Err(Some(frame))) => assert_eq!(u16::from(frame.code), 1001, "{frame:?}"),
        other => panic!("a close frame saying the server goes away, not {other:?}"),
    }
    let (status, log) = server.exited(Duration::from_secs(10)).await;
    let took = signalled.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "exited {took:?} after SIGTERM with a 1 s grace period"
    );
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        !log.contains("cannot LISTEN"),
        "the LISTEN task stops with the server:\n{log}"
    );
    lock.rollback().await.unwrap();
    assert!(
        stuck.await.unwrap().is_err(),
        "the stuck request was cut off with the process"
    );
}
