//! What the tables hold, read straight from the database past the server.

use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use super::{Membership, TestApp};

impl TestApp {
    /// Every row of the three tables, every column (timestamps and folded copies too), read
    /// straight from the database: tests compare it before and after a failing call to
    /// prove nothing was written, not even half.
    pub async fn snapshot(&self) -> Vec<String> {
        let mut rows = Vec::new();
        for (table, columns) in [
            (
                "users",
                "id, email, email_key, name, name_folded, inserted_at, updated_at",
            ),
            (
                "plans",
                "id, name, name_folded, description, inserted_at, updated_at",
            ),
            ("user_plans", "user_id, plan_id, role, inserted_at"),
        ] {
            let sql = format!("SELECT {columns} FROM {table} ORDER BY 1, 2");
            let stmt = Statement::from_string(self.db.get_database_backend(), sql);
            for row in self.db.query_all_raw(stmt).await.expect("snapshot") {
                let values: Vec<String> = (0..columns.split(", ").count())
                    .map(|n| {
                        if let Ok(id) = row.try_get_by_index::<Uuid>(n) {
                            id.to_string()
                        } else if let Ok(at) =
                            row.try_get_by_index::<chrono::DateTime<chrono::Utc>>(n)
                        {
                            at.to_rfc3339()
                        } else {
                            let text: Option<String> = row.try_get_by_index(n).expect("text");
                            format!("{text:?}")
                        }
                    })
                    .collect();
                rows.push(format!("{table} {}", values.join(" ")));
            }
        }
        rows
    }

    /// All ids of a table, in id order, read straight from the database.
    pub async fn ids(&self, table: &str) -> Vec<Uuid> {
        let sql = format!("SELECT id FROM {table} ORDER BY id");
        let stmt = Statement::from_string(self.db.get_database_backend(), sql);
        let rows = self.db.query_all_raw(stmt).await.expect("ids");
        rows.iter()
            .map(|row| row.try_get("", "id").unwrap())
            .collect()
    }

    /// The rows of `user_plans`, by user and plan.
    pub async fn memberships(&self) -> Vec<Membership> {
        let stmt = Statement::from_string(
            self.db.get_database_backend(),
            "SELECT user_id, plan_id, role FROM user_plans ORDER BY user_id, plan_id",
        );
        self.db
            .query_all_raw(stmt)
            .await
            .expect("memberships")
            .iter()
            .map(|row| Membership {
                user: row.try_get("", "user_id").unwrap(),
                plan: row.try_get("", "plan_id").unwrap(),
                role: row.try_get("", "role").unwrap(),
            })
            .collect()
    }
}

/// How many sessions on the current PostgreSQL database wait for a lock, asked over `db`:
/// whether a statement of the server's is stuck behind a lock the test holds.
pub async fn sessions_waiting_for_a_lock(db: &impl ConnectionTrait) -> i64 {
    let waiting = Statement::from_string(
        db.get_database_backend(),
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    let row = db.query_one_raw(waiting).await.unwrap().expect("a row");
    row.try_get("", "n").unwrap()
}
