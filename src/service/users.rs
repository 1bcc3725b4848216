//! The `users` table.

use entity::user;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, Value};
use uuid::Uuid;

use super::events::Events;
use super::keyset::{Filter, KeysetRow, SortKey, SortValue};
use super::memberships::{self, Side};
use super::rows::{self, Row};
use super::sql::statement;
use super::visibility::{self, Condition, Visibility};
use super::{PlanId, UserId};
use crate::auth::Viewer;
use crate::domain::{Email, EmailKey, Name, NameNeedle};
use crate::error::{AppError, AppResult, is_unique_violation};

const TABLE: &str = "users";

impl KeysetRow for user::Model {
    const TABLE: &'static str = TABLE;
    type SortKey = UserSortKey;

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, key: UserSortKey) -> SortValue {
        match key {
            UserSortKey::Email => SortValue::Text(self.email.clone()),
            UserSortKey::Name => SortValue::Text(self.name.clone()),
            UserSortKey::InsertedAt => SortValue::Time(self.inserted_at),
        }
    }

    fn visible(visibility: Visibility) -> Option<Condition> {
        visibility.user("users.id")
    }

    fn visible_counted(visibility: Visibility) -> Option<Condition> {
        visibility.users("users.id")
    }
}

/// The orders users can be listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSortKey {
    Email,
    Name,
    InsertedAt,
}

impl SortKey for UserSortKey {
    const INSERTED_AT: Self = UserSortKey::InsertedAt;

    fn column(self) -> &'static str {
        match self {
            UserSortKey::Email => "email",
            UserSortKey::Name => "name",
            UserSortKey::InsertedAt => "inserted_at",
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub ids: Option<Vec<Uuid>>,
    pub email: Option<EmailKey>,
    pub name_contains: Option<NameNeedle>,
    /// Only the members of this plan.
    pub plan_id: Option<PlanId>,
}

impl UserFilter {
    /// The filter's conditions, and that each row is seen by `visibility`.
    pub fn to_sql(&self, backend: DbBackend, visibility: Visibility) -> Filter {
        let mut filter = Filter::default();
        if let Some(ids) = &self.ids {
            filter.ids(backend, "id", ids);
        }
        if let Some(key) = &self.email {
            // The unique index on the key serves the lookup.
            filter.condition("email_key = ?", [key.clone().into_inner().into()]);
        }
        if let Some(needle) = &self.name_contains {
            filter.contains("name_folded", needle);
        }
        if let Some(plan_id) = self.plan_id {
            // Through links the viewer sees only: the members of a plan hidden from them are
            // none, even those they see through another plan.
            let mut values = vec![plan_id.into()];
            let seen = visibility::and(visibility.plan("user_plans.plan_id"), &mut values);
            filter.condition(
                format!("id IN (SELECT user_id FROM user_plans WHERE plan_id = ?{seen})"),
                values,
            );
        }
        filter.seen_by(visibility);
        filter
    }
}

/// The user, if there is one with this id: one primary-key SELECT.
pub async fn exists(db: &DatabaseConnection, id: UserId) -> Result<Option<UserId>, DbErr> {
    let sql = format!("SELECT {} FROM users WHERE id = ?", UserId::COLUMNS);
    rows::fetch_one(
        db,
        statement(db.get_database_backend(), &sql, vec![id.into()]),
    )
    .await
}

/// The user whose email has this key (case and normalization folded, as stored), if any.
pub async fn id_by_email(
    db: &DatabaseConnection,
    email: &EmailKey,
) -> Result<Option<UserId>, DbErr> {
    let sql = format!("SELECT {} FROM users WHERE email_key = ?", UserId::COLUMNS);
    let values = vec![email.clone().into_inner().into()];
    rows::fetch_one(db, statement(db.get_database_backend(), &sql, values)).await
}

/// Administrators and the service only: a signed-in user may not make accounts.
pub async fn create(
    db: &DatabaseConnection,
    viewer: Viewer,
    email: Email,
    name: Name,
) -> AppResult<user::Model> {
    if memberships::signed(viewer).is_some_and(|signed| !signed.admin) {
        return Err(AppError::Forbidden {
            message: "only an administrator may create users".to_owned(),
            ids: Vec::new(),
        });
    }
    let now = super::now();
    let (key, folded) = (email.key().into_inner(), name.folded());
    let email = email.into_inner();
    let values: Vec<Value> = vec![
        super::new_id().into(),
        email.clone().into(),
        key.into(),
        name.into_inner().into(),
        folded.into(),
        now.into(),
        now.into(),
    ];
    let sql = format!(
        "INSERT INTO users ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {columns}",
        columns = user::Model::COLUMNS
    );
    returning_one(db, &sql, values, &email)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotInserted.into())
}

/// Changes the given fields (and `updated_at`); fields left out keep their value.
pub async fn update(
    db: &DatabaseConnection,
    viewer: Viewer,
    id: UserId,
    email: Option<Email>,
    name: Option<Name>,
) -> AppResult<user::Model> {
    refuse_someone_else(db, viewer, id).await?;
    let mut sets = vec!["updated_at = ?"];
    let mut values: Vec<Value> = vec![super::now().into()];
    let email = email.map(|email| (email.key().into_inner(), email.into_inner()));
    if let Some((key, email)) = &email {
        sets.push("email = ?, email_key = ?");
        values.extend([email.clone().into(), key.clone().into()]);
    }
    if let Some(name) = name {
        sets.push("name = ?, name_folded = ?");
        let folded = name.folded();
        values.extend([name.into_inner().into(), folded.into()]);
    }
    values.push(id.into());
    let sql = format!(
        "UPDATE users SET {} WHERE id = ? RETURNING {}",
        sets.join(", "),
        user::Model::COLUMNS
    );
    let email = email.map(|(_, email)| email).unwrap_or_default();
    returning_one(db, &sql, values, &email)
        .await?
        .ok_or_else(|| AppError::not_found("user", vec![id.0]))
}

/// Runs an INSERT or UPDATE ... RETURNING on `users`; a taken email is a CONFLICT, found
/// by the unique index refusing the write (no read-before-write race).
async fn returning_one(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
    email: &str,
) -> AppResult<Option<user::Model>> {
    let stmt = statement(db.get_database_backend(), sql, values);
    rows::fetch_one(db, stmt).await.map_err(|err| {
        if is_unique_violation(&err) {
            AppError::conflict(format!("the email {email} is already taken"))
        } else {
            err.into()
        }
    })
}

/// Deletes the user and its memberships, announcing each removed membership; returns the
/// deleted id. NOT_FOUND if there is no such user.
pub async fn delete(
    db: &DatabaseConnection,
    events: &Events,
    viewer: Viewer,
    id: UserId,
) -> AppResult<UserId> {
    refuse_someone_else(db, viewer, id).await?;
    memberships::delete_with_memberships(db, events, viewer, Side::User, id.0).await?;
    Ok(id)
}

/// A signed-in user changes only their own account (an administrator any): someone else's
/// is FORBIDDEN, or NOT_FOUND if they cannot see it. Nothing is written then, so no
/// transaction is needed for the one read.
async fn refuse_someone_else(db: &DatabaseConnection, viewer: Viewer, id: UserId) -> AppResult<()> {
    match memberships::signed(viewer) {
        Some(signed) if !signed.admin && signed.user != id.0 => {
            Err(memberships::refuse_other_user(db, signed, id.0).await)
        }
        _ => Ok(()),
    }
}
