//! A request that outlasts `--request-timeout-secs` is stopped with TIMEOUT, its SQL does
//! not go on running, and nothing is half-written. A write that SQLite's busy timeout gives
//! up on is SERVICE_UNAVAILABLE. The tests make the request wait by holding a lock it needs.

use std::time::{Duration, Instant};

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde_json::json;

use crate::documents::CREATE_PLAN;
use crate::helpers::*;
use crate::on_both_databases;

/// The write the tests make wait.
fn slow_plan() -> serde_json::Value {
    json!({ "input": { "name": "Slow" } })
}

/// A transaction of the test's own that holds SQLite's write lock (`BEGIN IMMEDIATE`); on
/// PostgreSQL a plain transaction, which takes no lock by itself.
pub async fn sqlite_write_lock(app: &TestApp) -> DatabaseTransaction {
    app.db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap()
}

on_both_databases!(a_request_past_its_time_is_stopped_and_writes_nothing);
async fn a_request_past_its_time_is_stopped_and_writes_nothing(app: TestApp) {
    let app = app.restarted_with(&["--request-timeout-secs", "1"]).await;
    let backend = app.db.get_database_backend();
    // Our own write lock: the server's insert has to wait for it.
    let lock = sqlite_write_lock(&app).await;
    if backend == DbBackend::Postgres {
        lock.execute_unprepared("LOCK TABLE plans IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let started = Instant::now();
    let code = app.error_code(CREATE_PLAN, slow_plan()).await;
    assert_eq!(code, "TIMEOUT");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "stopped at its time, not the lock's: {:?}",
        started.elapsed()
    );
    if backend == DbBackend::Postgres {
        // PostgreSQL itself cancelled the statement (statement_timeout): nothing of the
        // server's waits on our lock any more.
        eventually(
            "the cancelled statement leaving",
            Duration::from_secs(5),
            async || sessions_waiting_for_a_lock(&lock).await == 0,
        )
        .await;
    }
    lock.rollback().await.unwrap();
    assert!(app.snapshot().await.is_empty(), "nothing was written");
    // The server serves on, and the same write goes through once nothing blocks it.
    let data = app.data(CREATE_PLAN, slow_plan()).await;
    assert!(data["createPlan"]["id"].is_string());
    assert_eq!(
        app.snapshot().await.len(),
        1,
        "the stopped write never landed"
    );
}

/// Another process holding SQLite's write lock past the busy timeout: the database is
/// there but taken, so the write is SERVICE_UNAVAILABLE (safe to retry), not an internal
/// error, and once the lock is gone writes go through again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_locked_out_of_sqlite_is_unavailable_until_the_lock_is_gone() {
    let app = spawn_app(Backend::Sqlite).await;
    let lock = sqlite_write_lock(&app).await;
    let error = app.error(CREATE_PLAN, slow_plan()).await;
    assert_eq!(
        error["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{error}"
    );
    let message = error["message"].as_str().unwrap();
    assert!(!message.contains("locked"), "no driver text: {message}");
    lock.rollback().await.unwrap();
    assert!(app.snapshot().await.is_empty(), "nothing was written");
    let data = app.data(CREATE_PLAN, slow_plan()).await;
    assert!(data["createPlan"]["id"].is_string());
    assert_eq!(app.snapshot().await.len(), 1);
}
