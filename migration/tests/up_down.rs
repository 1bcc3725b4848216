//! Migrations apply, revert and apply again, on SQLite and (with TEST_POSTGRES_URL)
//! PostgreSQL; the folded-keys migration fills existing rows and refuses colliding emails;
//! the plan owners' index and the membership history come and go with their migrations.

use std::io::Write;

use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use uuid::Uuid;

async fn up_down_up(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("up");
    let manager = SchemaManager::new(db);
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
            .has_index("users", "users_email_key_key")
            .await
            .unwrap()
    );
    assert!(
        !manager
            .has_index("users", "users_email_lower_key")
            .await
            .unwrap(),
        "the email key replaces the lower(email) index"
    );
    for index in ["user_plans_plan_id_user_id_idx", "user_plans_owners_idx"] {
        assert!(
            manager.has_index("user_plans", index).await.unwrap(),
            "{index}"
        );
    }

    assert!(manager.has_table("membership_events").await.unwrap());
    for index in [
        "membership_events_order_idx",
        "membership_events_user_idx",
        "membership_events_plan_idx",
    ] {
        assert!(
            manager.has_index("membership_events", index).await.unwrap(),
            "{index}"
        );
    }
    Migrator::down(db, Some(1)).await.expect("down the history");
    assert!(
        !manager.has_table("membership_events").await.unwrap(),
        "the history's table goes with its migration"
    );
    Migrator::down(db, Some(1)).await.expect("down one");
    assert!(
        !manager
            .has_index("user_plans", "user_plans_owners_idx")
            .await
            .unwrap(),
        "the owners' index goes with its migration"
    );
    // Reverting the folded keys too restores the schema before them.
    Migrator::down(db, Some(1)).await.expect("down two");
    assert!(
        manager
            .has_index("users", "users_email_lower_key")
            .await
            .unwrap()
    );
    for (table, column) in [
        ("users", "email_key"),
        ("users", "name_folded"),
        ("plans", "name_folded"),
    ] {
        assert!(
            !manager.has_column(table, column).await.unwrap(),
            "{column}"
        );
    }
    Migrator::up(db, None).await.expect("up after down two");
}

/// Users inserted at the schema of the first migration, as an older server wrote them.
async fn insert_users(db: &DatabaseConnection, emails: &[&str]) -> Vec<Uuid> {
    let now = chrono::Utc::now();
    let ids: Vec<Uuid> = emails.iter().map(|_| Uuid::now_v7()).collect();
    let mut insert = Query::insert();
    insert
        .into_table("users")
        .columns(["id", "email", "name", "inserted_at", "updated_at"]);
    for (id, email) in ids.iter().zip(emails) {
        insert.values_panic([
            (*id).into(),
            (*email).into(),
            "N".into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute(&insert).await.expect("insert");
    ids
}

async fn email_keys(db: &DatabaseConnection) -> Vec<(String, String)> {
    let select = Query::select()
        .columns(["email", "email_key"])
        .from("users")
        .order_by("email", sea_orm::Order::Asc)
        .to_owned();
    db.query_all(&select)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

/// Existing rows get their keys; emails that collide once folded stop the migration with
/// their names, and the database stays as it was until someone resolves them.
async fn existing_rows(db: &DatabaseConnection) {
    Migrator::up(db, Some(1)).await.expect("first migration");
    // More rows than one batch of the fill, so every batch is checked.
    let many: Vec<String> = (0..1200).map(|n| format!("User{n}@Example.COM")).collect();
    insert_users(db, &many.iter().map(String::as_str).collect::<Vec<_>>()).await;
    // The same address with `ë` precomposed and decomposed: distinct to both databases'
    // lower(email) index, one address to a person.
    let colliding = ["zoë@example.com", "ZOE\u{308}@example.com"];
    let ids = insert_users(db, &colliding).await;

    let err = Migrator::up(db, None).await.expect_err("colliding emails");
    let message = err.to_string();
    for (email, id) in colliding.iter().zip(&ids) {
        let named = format!("{email:?} (id {id})");
        assert!(message.contains(&named), "{named} in {message}");
    }
    assert!(message.contains("one address is shared"), "{message}");
    let manager = SchemaManager::new(db);
    // The folded keys, and the migrations after them.
    assert_eq!(Migrator::get_pending_migrations(db).await.unwrap().len(), 3);
    assert!(
        !manager.has_column("users", "email_key").await.unwrap(),
        "a refused migration leaves the schema as it was"
    );
    assert!(
        manager
            .has_index("users", "users_email_lower_key")
            .await
            .unwrap()
    );

    // Resolved by a person, the migration goes through and every row has its key.
    let rename = Query::update()
        .table("users")
        .value("email", "zoe.other@example.com")
        .and_where(Expr::col("id").eq(ids[1]))
        .to_owned();
    db.execute(&rename).await.unwrap();
    Migrator::up(db, None).await.expect("up once resolved");
    let keys = email_keys(db).await;
    assert_eq!(keys.len(), many.len() + 2);
    for (email, key) in keys {
        let expected = email.to_lowercase();
        assert_eq!(key, expected, "{email}");
    }
}

async fn sqlite_database() -> (tempfile::TempDir, DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let db = Database::connect(&url).await.unwrap();
    (dir, db)
}

/// A PostgreSQL database of the test's own, or None (the run is skipped) without
/// TEST_POSTGRES_URL.
struct PostgresDatabase {
    admin: DatabaseConnection,
    name: String,
    db: DatabaseConnection,
}

impl PostgresDatabase {
    async fn create(tag: &str) -> Option<Self> {
        let Some(admin_url) = std::env::var("TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            let ci = std::env::var("CI")
                .is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"));
            assert!(
                !ci,
                "TEST_POSTGRES_URL is not set, and under CI no PostgreSQL run may be skipped"
            );
            // Straight to stderr: libtest would capture eprintln!, and the skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "1 PostgreSQL test run skipped (migrations, {tag}): TEST_POSTGRES_URL is not set \
                 (see README)"
            );
            return None;
        };
        let name = format!("userplan_migration_{tag}_{}", std::process::id());
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
        Some(PostgresDatabase { admin, name, db })
    }

    async fn drop(self) {
        self.db.close().await.unwrap();
        self.admin
            .execute_unprepared(&format!("DROP DATABASE {}", self.name))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn sqlite_up_down_up() {
    up_down_up(&sqlite_database().await.1).await;
}

#[tokio::test]
async fn sqlite_existing_rows() {
    existing_rows(&sqlite_database().await.1).await;
}

#[tokio::test]
async fn postgres_up_down_up() {
    if let Some(database) = PostgresDatabase::create("up_down").await {
        up_down_up(&database.db).await;
        database.drop().await;
    }
}

#[tokio::test]
async fn postgres_existing_rows() {
    if let Some(database) = PostgresDatabase::create("existing").await {
        existing_rows(&database.db).await;
        database.drop().await;
    }
}
