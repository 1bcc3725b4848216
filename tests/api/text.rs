//! Text as users type it: NUL is refused before any SQL, and case is ignored for every
//! script, the same way on both databases (emails are one account however they are cased
//! or composed; `nameContains` folds non-ASCII case), for new rows and for rows written
//! before the folded keys existed.

use migration::MigratorTrait;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::Query;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::documents::*;
use crate::helpers::*;
use crate::on_both_databases;

/// The one spelling of Zoë's address the first account is made with, and others that are
/// the same address ignoring case: another case, all capitals, `ë` written as `e` and a
/// combining diaeresis (what macOS file names and some keyboards send).
const ZOE: &str = "Zoë@Example.COM";
const ZOE_TOO: [&str; 3] = [
    "zoë@example.com",
    "ZOË@EXAMPLE.COM",
    "zoe\u{308}@example.com",
];

/// The ids of the users (or plans) a filter selects, after checking `totalCount` agrees.
async fn selected(app: &TestApp, query: &str, root: &str, filter: Value) -> Vec<Uuid> {
    let data = app.data(query, json!({ "filter": filter })).await;
    let ids = node_ids(&data[root]["nodes"]);
    assert_eq!(data[root]["totalCount"], ids.len(), "{filter}");
    ids
}

/// A user and a plan named each of `names`, created through the API, in order.
async fn named(app: &TestApp, names: &[&str]) -> Fixture {
    let mut fixture = app.fixture();
    for (n, name) in names.iter().enumerate() {
        fixture = fixture.user(&format!("u{n}@example.com"), name).plan(name);
    }
    fixture.build().await
}

/// Checks `nameContains` on both connections: each needle selects the rows whose names
/// `expected` lists by position in `names`.
async fn assert_name_matches(
    app: &TestApp,
    users: &[Uuid],
    plans: &[Uuid],
    cases: &[(&str, &[usize])],
) {
    for (needle, expected) in cases {
        let filter = json!({ "nameContains": needle });
        let want = |ids: &[Uuid]| expected.iter().map(|&n| ids[n]).collect::<Vec<_>>();
        assert_eq!(
            selected(app, USERS, "users", filter.clone()).await,
            want(users),
            "users {needle:?}"
        );
        assert_eq!(
            selected(app, PLANS, "plans", filter).await,
            want(plans),
            "plans {needle:?}"
        );
    }
}

on_both_databases!(nul_is_refused_naming_the_field);
async fn nul_is_refused_naming_the_field(app: TestApp) {
    let user = app.create_user("nul@example.com", "Nul").await;
    let plan = app.create_plan("Nul").await;
    let before = app.snapshot().await;
    let nul = |text: &str| text.replace('0', "\u{0}");
    for (query, variables, field) in [
        (
            CREATE_USER,
            json!({ "input": { "email": nul("a0@example.com"), "name": "A" } }),
            "input.email",
        ),
        (
            CREATE_USER,
            json!({ "input": { "email": "a@example.com", "name": nul("A0") } }),
            "input.name",
        ),
        (
            UPDATE_USER,
            json!({ "id": user, "input": { "email": nul("0a@example.com") } }),
            "input.email",
        ),
        (
            UPDATE_USER,
            json!({ "id": user, "input": { "name": nul("0") } }),
            "input.name",
        ),
        (
            CREATE_PLAN,
            json!({ "input": { "name": nul("P0") } }),
            "input.name",
        ),
        (
            CREATE_PLAN,
            json!({ "input": { "name": "P", "description": nul("line 0") } }),
            "input.description",
        ),
        (
            UPDATE_PLAN,
            json!({ "id": plan, "input": { "name": nul("0P") } }),
            "input.name",
        ),
        (
            UPDATE_PLAN,
            json!({ "id": plan, "input": { "description": nul("0") } }),
            "input.description",
        ),
        (
            USERS,
            json!({ "filter": { "email": nul("nul@example.com0") } }),
            "filter.email",
        ),
        (
            USERS,
            json!({ "filter": { "nameContains": nul("N0l") } }),
            "filter.nameContains",
        ),
        (
            PLANS,
            json!({ "filter": { "nameContains": nul("N0") } }),
            "filter.nameContains",
        ),
    ] {
        let error = app.error(query, variables.clone()).await;
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{variables}: {error:#}"
        );
        assert_eq!(error["extensions"]["field"], field, "{variables}");
        assert!(
            error["message"].as_str().unwrap().contains("NUL"),
            "{error:#}"
        );
    }
    assert_eq!(app.snapshot().await, before, "nothing was written");
}

on_both_databases!(real_addresses_names_and_descriptions_are_kept_as_written);
async fn real_addresses_names_and_descriptions_are_kept_as_written(app: TestApp) {
    let longest = format!("{}@exämple.com", "ü".repeat(308));
    assert_eq!(longest.chars().count(), 320);
    let emails = [
        "用户@例子.广告",
        "o'brien@x-y.example",
        "a..b.@docomo.ne.jp",
        "ops@[192.0.2.1]",
        "root@localhost",
        &longest,
    ];
    for (n, email) in emails.into_iter().enumerate() {
        let name = ["😀".repeat(200), format!("Zoë {n}")][n % 2].clone();
        let data = app
            .data(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { email name } }",
                json!({ "input": { "email": email, "name": name } }),
            )
            .await;
        assert_eq!(data["createUser"], json!({ "email": email, "name": name }));
    }
    let description = "Für Teams:\n\t• 10 Plätze\r\n";
    let data = app
        .data(
            "mutation($input: CreatePlanInput!) { createPlan(input: $input) { description } }",
            json!({ "input": { "name": "Pro", "description": description } }),
        )
        .await;
    assert_eq!(data["createPlan"]["description"], description);
}

on_both_databases!(an_email_in_any_case_or_composition_is_one_account);
async fn an_email_in_any_case_or_composition_is_one_account(app: TestApp) {
    let zoe = app.create_user(ZOE, "Zoë").await;
    let other = app.create_user("other@example.com", "Other").await;
    let before = app.snapshot().await;
    for email in ZOE_TOO {
        let create = json!({ "input": { "email": email, "name": "Zoë again" } });
        assert_eq!(
            app.error_code(CREATE_USER, create).await,
            "CONFLICT",
            "create {email}"
        );
        let update = json!({ "id": other, "input": { "email": email } });
        assert_eq!(
            app.error_code(UPDATE_USER, update).await,
            "CONFLICT",
            "update to {email}"
        );
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "no second account, no changed email"
    );
    for email in ZOE_TOO.iter().chain([&ZOE, &" ZOË@example.com "]) {
        assert_eq!(
            selected(&app, USERS, "users", json!({ "email": email })).await,
            [zoe],
            "{email:?}"
        );
    }
    // Zoë may change how her own address is written; the account stays hers.
    let respelled = json!({ "id": zoe, "input": { "email": ZOE_TOO[1] } });
    app.data(UPDATE_USER, respelled).await;
    assert_eq!(
        selected(&app, USERS, "users", json!({ "email": ZOE })).await,
        [zoe]
    );
}

on_both_databases!(name_contains_ignores_case_in_every_script);
async fn name_contains_ignores_case_in_every_script(app: TestApp) {
    let names = [
        "Zoë Ünïcode",
        "Straße",
        "ΟΔΟΣ ΣΟΦΊΑ",
        "Ada 50% off",
        "a_b!c",
        "plain",
    ];
    let Fixture { users, plans } = named(&app, &names).await;
    assert_name_matches(
        &app,
        &users,
        &plans,
        &[
            ("ünï", &[0]),
            ("ÜNÏCODE", &[0]),
            ("zoe\u{308}", &[0]),
            ("STRASSE", &[1]),
            ("οδος σοφία", &[2]),
            ("ος σ", &[2]),
            ("50%", &[3]),
            ("%", &[3]),
            ("_", &[4]),
            ("!", &[4]),
            ("a_b!C", &[4]),
            ("A", &[1, 3, 4, 5]),
            ("nothing", &[]),
        ],
    )
    .await;
    // A renamed row is found by its new name only.
    app.data(
        UPDATE_USER,
        json!({ "id": users[5], "input": { "name": "Émile" } }),
    )
    .await;
    app.data(
        UPDATE_PLAN,
        json!({ "id": plans[5], "input": { "name": "ÉMILE" } }),
    )
    .await;
    assert_name_matches(&app, &users, &plans, &[("émile", &[5]), ("plain", &[])]).await;
}

on_both_databases!(rows_written_before_the_folded_keys_are_found_once_migrated);
async fn rows_written_before_the_folded_keys_are_found_once_migrated(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let (user, plan) = (Uuid::now_v7(), Uuid::now_v7());
    {
        // Written through SQL at the schema of the first migration, as an older server did.
        let db = connect(&database.url).await;
        migration::Migrator::up(&db, Some(1)).await.unwrap();
        let now = chrono::Utc::now();
        let users = Query::insert()
            .into_table("users")
            .columns(["id", "email", "name", "inserted_at", "updated_at"])
            .values_panic([
                user.into(),
                ZOE.into(),
                "Zoë Ünïcode".into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        db.execute(&users).await.unwrap();
        let plans = Query::insert()
            .into_table("plans")
            .columns(["id", "name", "inserted_at", "updated_at"])
            .values_panic([plan.into(), "ÜNÏ Plan".into(), now.into(), now.into()])
            .to_owned();
        db.execute(&plans).await.unwrap();
        db.close().await.unwrap();
    }

    let app = spawn_app_on(database, &[]).await;
    for email in ZOE_TOO {
        assert_eq!(
            selected(&app, USERS, "users", json!({ "email": email })).await,
            [user],
            "{email}"
        );
        let create = json!({ "input": { "email": email, "name": "Zoë again" } });
        assert_eq!(
            app.error_code(CREATE_USER, create).await,
            "CONFLICT",
            "{email}"
        );
    }
    assert_name_matches(&app, &[user], &[plan], &[("ünï", &[0])]).await;
}
