//! The OWNERs of a plan, as an index range: every signed-in membership write reads them
//! (the last-owner rule), and without this index that read walked all of the plan's links,
//! so a write's cost grew with the plan's size.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Partial: only OWNER links, a few per plan. Both databases use it for a condition that
/// repeats its predicate as a literal (`role = 'OWNER'`), not as a bound value.
const CREATE: &str = "CREATE INDEX user_plans_owners_idx ON user_plans (plan_id, user_id) \
                      WHERE role = 'OWNER'";
const DROP: &str = "DROP INDEX user_plans_owners_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(CREATE).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(DROP).await?;
        Ok(())
    }
}
