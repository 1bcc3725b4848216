//! The relations walk the join table both ways: `find_related` through `Related` (to/via) and
//! `find_linked` through the hand-written `Linked` paths.

use chrono::Utc;
use entity::text::fold_case;
use entity::user_plan::Role;
use entity::{PlanToUsers, UserToPlans, plan, user, user_plan};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, Database, DatabaseConnection, EntityTrait, ModelTrait, QueryOrder, Set,
};
use uuid::Uuid;

async fn database() -> DatabaseConnection {
    // One pooled connection (SeaORM's default for SQLite), so the in-memory database is shared.
    let db = Database::connect("sqlite::memory:").await.expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    db
}

async fn user(db: &DatabaseConnection, name: &str) -> user::Model {
    let now = Utc::now();
    let email = format!("{name}@example.com");
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email_key: Set(fold_case(&email)),
        email: Set(email),
        name: Set(name.to_owned()),
        name_folded: Set(fold_case(name)),
        inserted_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert user")
}

async fn plan(db: &DatabaseConnection, name: &str) -> plan::Model {
    let now = Utc::now();
    plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        name_folded: Set(fold_case(name)),
        description: Set(None),
        inserted_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert plan")
}

async fn link(db: &DatabaseConnection, user: &user::Model, plan: &plan::Model) {
    user_plan::ActiveModel {
        user_id: Set(user.id),
        plan_id: Set(plan.id),
        role: Set(Role::Member),
        inserted_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert link");
}

/// ada is in pro and team, bob only in team, free has no one.
async fn fixture(db: &DatabaseConnection) -> [(String, Uuid); 5] {
    let (ada, bob) = (user(db, "ada").await, user(db, "bob").await);
    let (pro, team, free) = (
        plan(db, "pro").await,
        plan(db, "team").await,
        plan(db, "free").await,
    );
    link(db, &ada, &pro).await;
    link(db, &ada, &team).await;
    link(db, &bob, &team).await;
    [ada, bob]
        .map(|u| (u.name, u.id))
        .into_iter()
        .chain([pro, team, free].map(|p| (p.name, p.id)))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

fn names<M>(rows: Vec<M>, name: impl Fn(&M) -> &str) -> Vec<String> {
    let mut names: Vec<String> = rows.iter().map(|row| name(row).to_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn user_to_plans() {
    let db = database().await;
    let [(_, ada), (_, bob), ..] = fixture(&db).await;
    let ada = user::Entity::find_by_id(ada)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let bob = user::Entity::find_by_id(bob)
        .one(&db)
        .await
        .unwrap()
        .unwrap();

    let related = ada.find_related(plan::Entity).all(&db).await.unwrap();
    assert_eq!(names(related, |p| &p.name), ["pro", "team"]);
    let linked = ada.find_linked(UserToPlans).all(&db).await.unwrap();
    assert_eq!(names(linked, |p| &p.name), ["pro", "team"]);

    let related = bob.find_related(plan::Entity).all(&db).await.unwrap();
    assert_eq!(names(related, |p| &p.name), ["team"]);
    let linked = bob.find_linked(UserToPlans).all(&db).await.unwrap();
    assert_eq!(names(linked, |p| &p.name), ["team"]);
}

#[tokio::test]
async fn plan_to_users() {
    let db = database().await;
    let [.., (_, pro), (_, team), (_, free)] = fixture(&db).await;
    let find = |id| plan::Entity::find_by_id(id).one(&db);
    let (pro, team, free) = (
        find(pro).await.unwrap().unwrap(),
        find(team).await.unwrap().unwrap(),
        find(free).await.unwrap().unwrap(),
    );

    let related = team.find_related(user::Entity).all(&db).await.unwrap();
    assert_eq!(names(related, |u| &u.name), ["ada", "bob"]);
    let linked = team.find_linked(PlanToUsers).all(&db).await.unwrap();
    assert_eq!(names(linked, |u| &u.name), ["ada", "bob"]);

    let linked = pro.find_linked(PlanToUsers).all(&db).await.unwrap();
    assert_eq!(names(linked, |u| &u.name), ["ada"]);
    assert!(
        free.find_related(user::Entity)
            .all(&db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        free.find_linked(PlanToUsers)
            .all(&db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn deleting_a_user_cascades_to_its_links() {
    let db = database().await;
    let [(_, ada), ..] = fixture(&db).await;
    user::Entity::delete_by_id(ada).exec(&db).await.unwrap();
    let links = user_plan::Entity::find()
        .order_by_asc(user_plan::Column::PlanId)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        links.len(),
        1,
        "only bob's link is left: SQLite enforces the foreign keys"
    );
}
