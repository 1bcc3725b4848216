//! The `plans` table.

use entity::plan;
use sea_orm::{DatabaseConnection, DbBackend, Value};
use uuid::Uuid;

use super::events::Events;
use super::keyset::{Filter, KeysetRow, SortKey, SortValue};
use super::memberships::{self, Side};
use super::rows::{self, Row};
use super::sql::statement;
use super::visibility::{self, Condition, Visibility};
use super::{PlanId, UserId};
use crate::domain::{Description, Name, NameNeedle};
use crate::error::{AppError, AppResult};

const TABLE: &str = "plans";

impl KeysetRow for plan::Model {
    const TABLE: &'static str = TABLE;
    type SortKey = PlanSortKey;

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, key: PlanSortKey) -> SortValue {
        match key {
            PlanSortKey::Name => SortValue::Text(self.name.clone()),
            PlanSortKey::InsertedAt => SortValue::Time(self.inserted_at),
        }
    }

    fn visible(visibility: Visibility) -> Option<Condition> {
        visibility.plan("plans.id")
    }
}

/// The orders plans can be listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSortKey {
    Name,
    InsertedAt,
}

impl SortKey for PlanSortKey {
    const INSERTED_AT: Self = PlanSortKey::InsertedAt;

    fn column(self) -> &'static str {
        match self {
            PlanSortKey::Name => "name",
            PlanSortKey::InsertedAt => "inserted_at",
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct PlanFilter {
    pub ids: Option<Vec<Uuid>>,
    pub name_contains: Option<NameNeedle>,
    /// Only the plans this user is a member of.
    pub user_id: Option<UserId>,
}

impl PlanFilter {
    /// The filter's conditions, and that each row is seen by `visibility`.
    pub fn to_sql(&self, backend: DbBackend, visibility: Visibility) -> Filter {
        let mut filter = Filter::default();
        if let Some(ids) = &self.ids {
            filter.ids(backend, "id", ids);
        }
        if let Some(needle) = &self.name_contains {
            filter.contains("name_folded", needle);
        }
        if let Some(user_id) = self.user_id {
            // Through links the viewer sees only, as `User.plans` of that user shows them.
            let mut values = vec![user_id.into()];
            let seen = visibility::and(visibility.plan("user_plans.plan_id"), &mut values);
            filter.condition(
                format!("id IN (SELECT plan_id FROM user_plans WHERE user_id = ?{seen})"),
                values,
            );
        }
        filter.seen_by(visibility);
        filter
    }
}

pub async fn create(
    db: &DatabaseConnection,
    name: Name,
    description: Option<Description>,
) -> AppResult<plan::Model> {
    let now = super::now();
    let folded = name.folded();
    let values: Vec<Value> = vec![
        super::new_id().into(),
        name.into_inner().into(),
        folded.into(),
        description.map(Description::into_inner).into(),
        now.into(),
        now.into(),
    ];
    let sql = format!(
        "INSERT INTO plans ({columns}) VALUES (?, ?, ?, ?, ?, ?) RETURNING {columns}",
        columns = plan::Model::COLUMNS
    );
    let stmt = statement(db.get_database_backend(), &sql, values);
    rows::fetch_one(db, stmt)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotInserted.into())
}

/// What `updatePlan` does to the description: leave it, set it, or clear it (null).
#[derive(Debug)]
pub enum DescriptionChange {
    Keep,
    Set(Description),
    Clear,
}

pub async fn update(
    db: &DatabaseConnection,
    id: PlanId,
    name: Option<Name>,
    description: DescriptionChange,
) -> AppResult<plan::Model> {
    let mut sets = vec!["updated_at = ?"];
    let mut values: Vec<Value> = vec![super::now().into()];
    if let Some(name) = name {
        sets.push("name = ?, name_folded = ?");
        let folded = name.folded();
        values.extend([name.into_inner().into(), folded.into()]);
    }
    match description {
        DescriptionChange::Keep => {}
        DescriptionChange::Set(description) => {
            sets.push("description = ?");
            values.push(description.into_inner().into());
        }
        DescriptionChange::Clear => sets.push("description = NULL"),
    }
    values.push(id.into());
    let sql = format!(
        "UPDATE plans SET {} WHERE id = ? RETURNING {}",
        sets.join(", "),
        plan::Model::COLUMNS
    );
    let stmt = statement(db.get_database_backend(), &sql, values);
    rows::fetch_one(db, stmt)
        .await?
        .ok_or_else(|| AppError::not_found("plan", vec![id.0]))
}

/// Deletes the plan and its memberships, announcing each removed membership; returns the
/// deleted id. NOT_FOUND if there is no such plan.
pub async fn delete(db: &DatabaseConnection, events: &Events, id: PlanId) -> AppResult<PlanId> {
    memberships::delete_with_memberships(db, events, Side::Plan, id.0).await?;
    Ok(id)
}
