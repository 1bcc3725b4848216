//! The membership history: one row per committed change of a link, written in the change's
//! own transaction (the outbox), read by the history query and by every instance's live
//! stream. The README's "Membership history" explains the order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MembershipEvents {
    Table,
    Position,
    Txid,
    Kind,
    UserId,
    PlanId,
    Role,
    ActorId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MembershipEvents::Table)
                    // A sequence on PostgreSQL, AUTOINCREMENT on SQLite: a position is never
                    // handed out twice, even after the rows before it were purged.
                    .col(
                        ColumnDef::new(MembershipEvents::Position)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // The writing transaction's id on PostgreSQL (`pg_current_xact_id()`),
                    // 0 on SQLite, whose writes are serialized.
                    .col(
                        ColumnDef::new(MembershipEvents::Txid)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MembershipEvents::Kind)
                            .string_len(1)
                            .not_null(),
                    )
                    // No foreign keys: the history outlives the users and plans it names.
                    .col(ColumnDef::new(MembershipEvents::UserId).uuid().not_null())
                    .col(ColumnDef::new(MembershipEvents::PlanId).uuid().not_null())
                    .col(ColumnDef::new(MembershipEvents::Role).string_len(6).null())
                    .col(ColumnDef::new(MembershipEvents::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(MembershipEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The order every reader walks, and the same order within one user's or one plan's
        // changes, for the filtered history.
        for (name, first) in [
            ("membership_events_order_idx", None),
            ("membership_events_user_idx", Some(MembershipEvents::UserId)),
            ("membership_events_plan_idx", Some(MembershipEvents::PlanId)),
        ] {
            let mut index = Index::create();
            index.name(name).table(MembershipEvents::Table);
            if let Some(first) = first {
                index.col(first);
            }
            index
                .col(MembershipEvents::Txid)
                .col(MembershipEvents::Position);
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MembershipEvents::Table).to_owned())
            .await
    }
}
