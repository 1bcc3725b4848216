use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Name,
    Description,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserPlans {
    Table,
    UserId,
    PlanId,
    Role,
    InsertedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::Email).string().not_null())
                    .col(ColumnDef::new(Users::Name).string().not_null())
                    .col(timestamp(Users::InsertedAt))
                    .col(timestamp(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // An expression index: the same email in another case is the same account. Both
        // databases accept this form, and `lower(email) = lower(?)` lookups use it.
        manager
            .get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))")
            .await?;
        // Each ordering of the `users` connection (sort key, then id) is an index range scan.
        create_index(
            manager,
            "users_email_id_idx",
            Users::Table,
            [Users::Email, Users::Id],
        )
        .await?;
        create_index(
            manager,
            "users_name_id_idx",
            Users::Table,
            [Users::Name, Users::Id],
        )
        .await?;
        create_index(
            manager,
            "users_inserted_at_id_idx",
            Users::Table,
            [Users::InsertedAt, Users::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(ColumnDef::new(Plans::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Plans::Name).string().not_null())
                    .col(ColumnDef::new(Plans::Description).text().null())
                    .col(timestamp(Plans::InsertedAt))
                    .col(timestamp(Plans::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "plans_name_id_idx",
            Plans::Table,
            [Plans::Name, Plans::Id],
        )
        .await?;
        create_index(
            manager,
            "plans_inserted_at_id_idx",
            Plans::Table,
            [Plans::InsertedAt, Plans::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserPlans::Table)
                    .col(ColumnDef::new(UserPlans::UserId).uuid().not_null())
                    .col(ColumnDef::new(UserPlans::PlanId).uuid().not_null())
                    .col(
                        ColumnDef::new(UserPlans::Role)
                            .string_len(6)
                            .not_null()
                            .default("MEMBER")
                            .check(Expr::col(UserPlans::Role).is_in(["OWNER", "ADMIN", "MEMBER"])),
                    )
                    .col(timestamp(UserPlans::InsertedAt))
                    // The identity "unique_user_plan": a (user, plan) pair is stored once.
                    .primary_key(
                        Index::create()
                            .name("user_plans_pkey")
                            .col(UserPlans::UserId)
                            .col(UserPlans::PlanId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("user_plans_user_id_fkey")
                            .from(UserPlans::Table, UserPlans::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("user_plans_plan_id_fkey")
                            .from(UserPlans::Table, UserPlans::PlanId)
                            .to(Plans::Table, Plans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The primary key serves user -> plans; this serves plan -> users.
        create_index(
            manager,
            "user_plans_plan_id_user_id_idx",
            UserPlans::Table,
            [UserPlans::PlanId, UserPlans::UserId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserPlans::Table.into_iden(),
            Plans::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

async fn create_index<const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: [impl IntoIden; N],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index).await
}
