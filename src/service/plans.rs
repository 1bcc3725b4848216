//! The `plans` table.

use entity::plan;
use entity::user_plan::Role;
use sea_orm::{ActiveEnum, DatabaseConnection, DbBackend, Value};
use uuid::Uuid;

use super::events::Events;
use super::keyset::{Filter, KeysetRow, SortKey, SortValue};
use super::memberships::{self, Side};
use super::rows::{self, Row};
use super::sql::statement;
use super::visibility::{self, Condition, Visibility};
use super::{PlanId, UserId};
use crate::auth::Viewer;
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

    /// A member's plans are what PostgreSQL reads and sorts for a page: the quick way for
    /// someone in few of the table's plans, and the slow one for someone in most of them.
    fn visible_walked(visibility: Visibility) -> Option<Condition> {
        match visibility {
            Visibility::Member(_) => visibility.plan_probed("plans.id"),
            _ => None,
        }
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
            let seen = visibility::and(visibility.plan_probed("user_plans.plan_id"), &mut values);
            filter.condition(
                format!("id IN (SELECT plan_id FROM user_plans WHERE user_id = ?{seen})"),
                values,
            );
        }
        filter.seen_by(visibility);
        filter
    }
}

/// A signed-in creator becomes the plan's OWNER, in the same transaction.
pub async fn create(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    name: Name,
    description: Option<Description>,
) -> AppResult<plan::Model> {
    let now = super::now();
    let folded = name.folded();
    let id = super::new_id();
    let values: Vec<Value> = vec![
        id.into(),
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
    if let Some(owner) = viewer.user_id() {
        return memberships::create_owned_plan(db, events, owner, PlanId(id), stmt).await;
    }
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

/// A signed-in caller must be the plan's OWNER or ADMIN (or an administrator).
pub async fn update(
    db: &DatabaseConnection,
    viewer: Viewer,
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
    // The permission is part of the UPDATE, so it holds at the moment of the write; why a
    // refused one wrote nothing is looked up after.
    let signed = memberships::signed(viewer).filter(|signed| !signed.admin);
    let guard = match signed {
        Some(signed) => {
            values.push(signed.user.into());
            values.extend([Role::Owner, Role::Admin].map(|role| role.to_value().into()));
            " AND EXISTS (SELECT 1 FROM user_plans WHERE plan_id = plans.id AND user_id = ? \
             AND role IN (?, ?))"
        }
        None => "",
    };
    let sql = format!(
        "UPDATE plans SET {} WHERE id = ?{guard} RETURNING {}",
        sets.join(", "),
        plan::Model::COLUMNS
    );
    let stmt = statement(db.get_database_backend(), &sql, values);
    if let Some(updated) = rows::fetch_one(db, stmt).await? {
        return Ok(updated);
    }
    let roles = [Role::Owner, Role::Admin];
    Err(match signed {
        // Allowed now but not at the UPDATE (a role changed in between): refused all the same.
        Some(signed) => match memberships::plan_role_at_least(db, signed, id.0, &roles).await {
            Ok(()) => AppError::Forbidden {
                message: format!("you may not change plan {id}"),
                ids: vec![id.0],
            },
            Err(err) => err,
        },
        None => AppError::not_found("plan", vec![id.0]),
    })
}

/// Deletes the plan and its memberships, announcing each removed membership; returns the
/// deleted id. NOT_FOUND if there is no such plan.
pub async fn delete(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    id: PlanId,
) -> AppResult<PlanId> {
    memberships::delete_with_memberships(db, events, viewer, Side::Plan, id.0).await?;
    Ok(id)
}
