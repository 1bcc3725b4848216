//! Every filter and ordering of the `users` and `plans` connections is served by an index,
//! on both databases: the plans of the statements the server builds are read with EXPLAIN.

use entity::{plan, user};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

use crate::helpers::*;
use crate::on_both_databases;
use userplan::domain::EmailKey;
use userplan::service::links::{Side, linked_rows_statement};
use userplan::service::plans::PlanFilter;
use userplan::service::tables::{Direction, Ordering, PageArgs, SortKey, page_query};
use userplan::service::users::UserFilter;

/// The query plan of `statement`, one line per step. PostgreSQL is told to avoid sequential
/// scans, so a plan that still has one means no index can serve the statement.
async fn plan(app: &TestApp, statement: Statement) -> String {
    let backend = app.db.get_database_backend();
    let txn = app.db.begin().await.unwrap();
    let explain = match backend {
        DbBackend::Postgres => {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            "EXPLAIN"
        }
        _ => "EXPLAIN QUERY PLAN",
    };
    let statement = Statement::from_sql_and_values(
        backend,
        format!("{explain} {}", statement.sql),
        statement.values.map(|values| values.0).unwrap_or_default(),
    );
    let rows = txn.query_all_raw(statement).await.unwrap();
    txn.rollback().await.unwrap();
    let column = if backend == DbBackend::Postgres {
        "QUERY PLAN"
    } else {
        "detail"
    };
    rows.iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `index` serves the statement and no table is read whole.
fn assert_uses(plan: &str, index: &str, what: &str) {
    assert!(plan.contains(index), "{what}: expected {index} in\n{plan}");
    assert!(
        !plan.contains("Seq Scan"),
        "{what}: sequential scan in\n{plan}"
    );
    let full_scan = plan
        .lines()
        .any(|line| line.starts_with("SCAN ") && !line.contains(" USING "));
    assert!(!full_scan, "{what}: full table scan in\n{plan}");
}

/// An ordering is read from its index in order: no sort step (a filter may sort the few
/// rows it selects).
fn assert_reads_in_order(plan: &str, index: &str, what: &str) {
    assert_uses(plan, index, what);
    let sorts = plan.contains("TEMP B-TREE") || plan.contains("Sort Key");
    assert!(
        !sorts,
        "{what}: sorts instead of reading an index in\n{plan}"
    );
}

async fn seeded(app: &TestApp) -> (String, uuid::Uuid, uuid::Uuid) {
    let seed = userplan::config::SeedArgs {
        users: 2_000,
        plans: 50,
        links_per_user: 3,
        seed: 3,
    };
    userplan::service::seed::run(&app.db, &seed).await.unwrap();
    // Fresh statistics, so the planner knows the tables' sizes (both databases say ANALYZE).
    app.db.execute_unprepared("ANALYZE").await.unwrap();
    let data = app
        .data(
            "{ users(first: 1) { nodes { id email plans(first: 1) { id } } } }",
            serde_json::json!({}),
        )
        .await;
    let node = &data["users"]["nodes"][0];
    (
        node["email"].as_str().unwrap().to_owned(),
        uuid(&node["id"]),
        uuid(&node["plans"][0]["id"]),
    )
}

on_both_databases! {
    async fn connection_orderings_and_filters_use_indexes(app: TestApp) {
        let (email, user_id, plan_id) = seeded(&app).await;
        let backend = app.db.get_database_backend();
        let (users_pk, user_plans_pk) = match backend {
            DbBackend::Postgres => ("users_pkey", "user_plans_pkey"),
            _ => ("sqlite_autoindex_users_1", "sqlite_autoindex_user_plans_1"),
        };
        let page = |first| PageArgs { first: Some(first), ..Default::default() };

        for (key, index) in [
            (SortKey::InsertedAt, "users_inserted_at_id_idx"),
            (SortKey::Email, "users_email_id_idx"),
            (SortKey::Name, "users_name_id_idx"),
        ] {
            for direction in [Direction::Asc, Direction::Desc] {
                let ordering = Ordering { key, direction };
                let query = page_query::<user::Model>(backend, &UserFilter::default().to_sql(backend), ordering, &page(50)).unwrap();
                assert_reads_in_order(&plan(&app, query.statement).await, index, &format!("users by {key:?} {direction:?}"));
            }
        }
        for (key, index) in [(SortKey::InsertedAt, "plans_inserted_at_id_idx"), (SortKey::Name, "plans_name_id_idx")] {
            let ordering = Ordering { key, direction: Direction::Asc };
            let query = page_query::<plan::Model>(backend, &PlanFilter::default().to_sql(backend), ordering, &page(50)).unwrap();
            assert_reads_in_order(&plan(&app, query.statement).await, index, &format!("plans by {key:?}"));
        }

        // A later page reads from the cursor's position in the same index.
        let data = app.data("{ users(first: 10) { pageInfo { endCursor } } }", serde_json::json!({})).await;
        let after = PageArgs { first: Some(10), after: data["users"]["pageInfo"]["endCursor"].as_str().map(str::to_owned), ..Default::default() };
        let query = page_query::<user::Model>(backend, &UserFilter::default().to_sql(backend), Ordering::DEFAULT, &after).unwrap();
        assert_reads_in_order(&plan(&app, query.statement).await, "users_inserted_at_id_idx", "users after a cursor");

        let filters = [
            (UserFilter { email: Some(EmailKey::parse("email", &email.to_uppercase()).unwrap()), ..Default::default() }, "users_email_key_key", "email"),
            (UserFilter { plan_id: Some(plan_id), ..Default::default() }, "user_plans_plan_id_user_id_idx", "planId"),
            (UserFilter { ids: Some(vec![user_id]), ..Default::default() }, users_pk, "ids"),
        ];
        for (filter, index, what) in filters {
            let query = page_query::<user::Model>(backend, &filter.to_sql(backend), Ordering::DEFAULT, &page(50)).unwrap();
            assert_uses(&plan(&app, query.statement).await, index, &format!("users filtered by {what}"));
        }
        let filter = PlanFilter { user_id: Some(user_id), ..Default::default() };
        let query = page_query::<plan::Model>(backend, &filter.to_sql(backend), Ordering::DEFAULT, &page(50)).unwrap();
        assert_uses(&plan(&app, query.statement).await, user_plans_pk, "plans filtered by userId");
    }

    async fn nested_lists_walk_the_link_index_and_fetch_rows_by_key(app: TestApp) {
        let (_, user_id, plan_id) = seeded(&app).await;
        let backend = app.db.get_database_backend();
        let (plans_pk, users_pk, user_plans_pk) = match backend {
            DbBackend::Postgres => ("plans_pkey", "users_pkey", "user_plans_pkey"),
            _ => ("sqlite_autoindex_plans_1", "sqlite_autoindex_users_1", "sqlite_autoindex_user_plans_1"),
        };
        let other_user = app.data("{ users(last: 1) { nodes { id } } }", serde_json::json!({})).await;
        let users = [user_id, uuid(&other_user["users"]["nodes"][0]["id"])];
        // SQLite reads its VALUES list of parent ids whole: that list is the parents.
        let tables_only = |plan: String| {
            plan.lines().filter(|line| !(matches!(*line, "SCAN CONSTANT ROW" | "SCAN p") || line.ends_with("VALUES CLAUSE"))).collect::<Vec<_>>().join("\n")
        };
        for parents in [&users[..1], &users[..]] {
            let statement = linked_rows_statement::<plan::Model>(backend, Side::User, parents, 100, None);
            let plan_text = tables_only(plan(&app, statement).await);
            let what = format!("plans of {} users", parents.len());
            assert_uses(&plan_text, user_plans_pk, &what);
            assert_uses(&plan_text, plans_pk, &what);
        }
        // The other direction walks the (plan_id, user_id) index.
        let statement = linked_rows_statement::<user::Model>(backend, Side::Plan, &[plan_id], 100, None);
        let plan_text = tables_only(plan(&app, statement).await);
        assert_uses(&plan_text, "user_plans_plan_id_user_id_idx", "users of a plan");
        assert_uses(&plan_text, users_pk, "users of a plan");
    }
}
