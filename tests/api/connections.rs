//! How the server connects to PostgreSQL (skipped without `TEST_POSTGRES_URL`): over
//! loopback it goes without TLS, which protects nothing there and cost a tenth of a point
//! lookup, unless the URL names an `sslmode`, which is then kept as named.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::helpers::*;

async fn one_bool(db: &DatabaseConnection, sql: &str) -> bool {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .expect("a row")
        .try_get_by_index(0)
        .expect("a bool")
}

fn is_loopback(url: &str) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    ["127.", "localhost", "[::1]"]
        .iter()
        .any(|start| host.starts_with(start))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_connections_go_without_tls_unless_the_url_names_a_mode() {
    let Some(app) = spawn_postgres_app().await else {
        return;
    };
    let url = postgres_url().expect("TEST_POSTGRES_URL");
    if !is_loopback(&url) || std::env::var_os("PGSSLMODE").is_some() {
        eprintln!("TEST_POSTGRES_URL is not on loopback, or PGSSLMODE is set: nothing to check");
        return;
    }
    // The server's own pool (a request makes sure it has a connection) and the test's.
    app.data(
        "{ users(first: 1) { nodes { id } } }",
        serde_json::json!({}),
    )
    .await;
    let tls_sessions = "SELECT COALESCE(bool_or(s.ssl), false) FROM pg_stat_ssl s \
                        JOIN pg_stat_activity a USING (pid) \
                        WHERE a.datname = current_database()";
    assert!(
        !one_bool(&app.db, tls_sessions).await,
        "a loopback connection used TLS"
    );

    if !one_bool(&app.db, "SELECT current_setting('ssl') = 'on'").await {
        eprintln!("this PostgreSQL has ssl off: a named sslmode=require cannot be checked");
        return;
    }
    let separator = if app.database_url().contains('?') {
        '&'
    } else {
        '?'
    };
    let required = format!("{}{separator}sslmode=require", app.database_url());
    let db = userplan::db::connect(&required, Some(1))
        .await
        .expect("sslmode=require connects");
    let own_tls = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    assert!(one_bool(&db, own_tls).await, "a named sslmode was not kept");
}
