//! Migrations apply, revert and apply again, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL.

use std::io::Write;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

async fn up_down_up(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("up");
    let manager = migration::SchemaManager::new(db);
    for table in ["users", "plans", "user_plans"] {
        assert!(manager.has_table(table).await.unwrap(), "{table} after up");
    }
    Migrator::down(db, None).await.expect("down");
    for table in ["users", "plans", "user_plans"] {
        assert!(
            !manager.has_table(table).await.unwrap(),
            "{table} after down"
        );
    }
    Migrator::up(db, None).await.expect("up again");
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        manager
            .has_index("users", "users_email_lower_key")
            .await
            .unwrap()
    );
    assert!(
        manager
            .has_index("user_plans", "user_plans_plan_id_user_id_idx")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let db = Database::connect(&url).await.unwrap();
    up_down_up(&db).await;
}

#[tokio::test]
async fn postgres() {
    let Some(admin_url) = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        let ci =
            std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"));
        assert!(
            !ci,
            "TEST_POSTGRES_URL is not set, and under CI no PostgreSQL run may be skipped"
        );
        // Straight to stderr: libtest would capture eprintln!, and the skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "1 PostgreSQL test run skipped (migrations): TEST_POSTGRES_URL is not set (see README)"
        );
        return;
    };
    let name = format!("userplan_migration_{}", std::process::id());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let server = admin_url
        .split('?')
        .next()
        .unwrap()
        .rsplit_once('/')
        .unwrap()
        .0;
    let db = Database::connect(format!("{server}/{name}")).await.unwrap();
    up_down_up(&db).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE {name}"))
        .await
        .unwrap();
}
