//! `userplan migrate` and `userplan seed` on the real binary: `status` prints on stdout
//! whatever `RUST_LOG` says, `fresh` asks first and drops only this server's tables.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::binary::{run, stderr, stdout};
use crate::cli::every_migration;
use crate::helpers::*;
use crate::on_both_databases;

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT count(*) AS n FROM {table}");
    let stmt = Statement::from_string(db.get_database_backend(), sql);
    let row = db.query_one_raw(stmt).await.unwrap().unwrap();
    row.try_get("", "n").unwrap()
}

async fn seed(url: &str) {
    let args = [
        "seed",
        "--database-url",
        url,
        "--users",
        "3",
        "--plans",
        "2",
        "--links-per-user",
        "1",
    ];
    let seeded = run(&args, &[]).await;
    assert!(seeded.status.success(), "{}", stderr(&seeded));
}

on_both_databases!(migrate_status_prints_on_stdout_whatever_rust_log_says);
async fn migrate_status_prints_on_stdout_whatever_rust_log_says(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let status = ["migrate", "status", "--database-url", database.url.as_str()];
    for rust_log in ["error", "off", "debug"] {
        let before = run(&status, &[("RUST_LOG", rust_log)]).await;
        assert!(before.status.success(), "{}", stderr(&before));
        assert_eq!(
            stdout(&before),
            every_migration("Pending"),
            "RUST_LOG={rust_log}"
        );
    }
    let up = run(&["migrate", "up", "--database-url", &database.url], &[]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    let after = run(&status, &[("RUST_LOG", "error")]).await;
    assert_eq!(stdout(&after), every_migration("Applied"));
}

on_both_databases!(migrate_fresh_asks_first_and_drops_only_this_servers_tables);
async fn migrate_fresh_asks_first_and_drops_only_this_servers_tables(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    seed(url).await;
    let db = connect(url).await;
    // Another application's table in the same database.
    db.execute_unprepared(
        "CREATE TABLE other_app_notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    )
    .await
    .unwrap();
    db.execute_unprepared(
        "INSERT INTO other_app_notes (id, body) VALUES (1, 'keep me'), (2, 'me too')",
    )
    .await
    .unwrap();
    let tables = ["users", "plans", "user_plans"];
    let mut seeded = Vec::new();
    for table in tables {
        seeded.push(count(&db, table).await);
    }
    assert_eq!(seeded, [3, 2, 3]);

    let refused = run(&["migrate", "fresh", "--database-url", url], &[]).await;
    assert!(!refused.status.success(), "refused without --yes");
    assert!(
        stderr(&refused).contains("migrate fresh --yes"),
        "{}",
        stderr(&refused)
    );
    for (table, rows) in tables.iter().zip(&seeded) {
        assert_eq!(count(&db, table).await, *rows, "{table} untouched");
    }

    let fresh = run(&["migrate", "fresh", "--yes", "--database-url", url], &[]).await;
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    for table in tables {
        assert_eq!(count(&db, table).await, 0, "{table} recreated empty");
    }
    let stmt = Statement::from_string(
        db.get_database_backend(),
        "SELECT body FROM other_app_notes ORDER BY id",
    );
    let notes: Vec<String> = db
        .query_all_raw(stmt)
        .await
        .expect("the other application's table is still there")
        .iter()
        .map(|row| row.try_get("", "body").unwrap())
        .collect();
    assert_eq!(notes, ["keep me", "me too"]);
    let status = run(&["migrate", "status", "--database-url", url], &[]).await;
    assert_eq!(stdout(&status), every_migration("Applied"));
}

on_both_databases!(seed_on_a_database_with_users_says_how_to_empty_it);
async fn seed_on_a_database_with_users_says_how_to_empty_it(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    seed(url).await;
    let again = run(&["seed", "--users", "3", "--database-url", url], &[]).await;
    assert!(!again.status.success());
    let advice = "userplan migrate fresh --yes";
    assert!(stderr(&again).contains(advice), "{}", stderr(&again));
    let emptied = run(&["migrate", "fresh", "--yes", "--database-url", url], &[]).await;
    assert!(emptied.status.success(), "{}", stderr(&emptied));
    seed(url).await;
}
