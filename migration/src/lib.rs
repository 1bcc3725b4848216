//! Schema migrations, applied at server start (unless `--no-migrate`) and by `userplan migrate`.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_users_plans;
mod m20261201_000002_folded_text_keys;
mod m20261202_000003_plan_owners_index;
mod m20261203_000004_membership_events;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_users_plans::Migration),
            Box::new(m20261201_000002_folded_text_keys::Migration),
            Box::new(m20261202_000003_plan_owners_index::Migration),
            Box::new(m20261203_000004_membership_events::Migration),
        ]
    }
}
