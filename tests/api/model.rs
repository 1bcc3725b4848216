//! A model check of the membership mutations: random sequences of them run against the real
//! server and against a plain in-memory model (the memberships as a map, the existing users and
//! plans as sets), which must agree after every step on what the call answered (the
//! added/removed/unchanged ids, or the error code and, for NOT_FOUND, the unknown ids) and
//! on what the database holds.
//!
//! The same sequences run a second time with sign-in on, each call made by a random caller
//! (one of the model's users, one of them as an administrator, or the service): every
//! step must then also agree with AUTH.md's rules (`model/viewers.rs`), a refusal
//! (NOT_FOUND, FORBIDDEN, CONFLICT) changing nothing.
//!
//! One server per database for the whole run; each proptest case starts from empty tables.
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` override the number of cases and the seed.

mod operations;
mod requests;
mod semantics;
mod viewers;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

pub(crate) use operations::{Call, Op, Outcome, Side, op};
pub(crate) use requests::{observe, request};
pub(crate) use semantics::Model;
use viewers::{Actor, Caller, actor, signed_view};

use crate::helpers::*;
use crate::on_both_databases;

const CASES: u32 = 24;
const MAX_STEPS: usize = 30;

/// Creates users and plans until `n` of each exist, and tells the model.
pub(crate) async fn create_users_and_plans(app: &TestApp, model: &mut Model, n: usize) {
    create_users_and_plans_by(app, None, model, n).await
}

/// As [`create_users_and_plans`], sent with `bearer` if there is one.
async fn create_users_and_plans_by(
    app: &TestApp,
    bearer: Option<&str>,
    model: &mut Model,
    n: usize,
) {
    let fixture = app
        .fixture()
        .by(bearer)
        .users(n.saturating_sub(model.users.len()))
        .plans(n.saturating_sub(model.plans.len()))
        .build()
        .await;
    model.created_users.extend(&fixture.users);
    model.users.extend(fixture.users);
    model.created_plans.extend(&fixture.plans);
    model.plans.extend(fixture.plans);
}

/// Empties the tables: each case starts from nothing.
async fn reset(app: &TestApp) {
    for table in ["user_plans", "users", "plans"] {
        app.db
            .execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .expect("reset");
    }
}

/// The server's sign-in, when the case runs with one: its identity provider and its API
/// token (the service's credential).
struct Credentials<'a> {
    sign_in: &'a SignIn,
    service: &'a str,
}

async fn run_case(
    app: &TestApp,
    ops: Vec<(Actor, Op)>,
    credentials: Option<&Credentials<'_>>,
) -> Result<(), TestCaseError> {
    reset(app).await;
    let mut model = Model {
        unknown_users: vec![Uuid::new_v4(), Uuid::new_v4()],
        unknown_plans: vec![Uuid::new_v4(), Uuid::new_v4()],
        ..Model::default()
    };
    let service = credentials.map(|credentials| credentials.service);
    create_users_and_plans_by(app, service, &mut model, 3).await;
    for (step, (actor, op)) in ops.iter().enumerate() {
        let call = model.call(op);
        let caller = match credentials {
            Some(_) => model.caller(*actor),
            None => Caller::Service,
        };
        let (accepted, next) = model.predict_as(caller, &call);
        let (query, variables) = request(&call);
        let bearer = match (caller, credentials) {
            (Caller::Signed { user, admin }, Some(credentials)) => Some(match admin {
                true => credentials
                    .sign_in
                    .token_with(json!({ "sub": user, "roles": ["userplan-admin"] })),
                false => credentials.sign_in.token(user),
            }),
            _ => service.map(str::to_owned),
        };
        let response = app.post_by(bearer.as_deref(), &query, variables).await;
        let observed = match caller {
            Caller::Signed { .. } => signed_view(observe(&call, &response)),
            Caller::Service => observe(&call, &response),
        };
        if !accepted.contains(&observed) {
            return Err(TestCaseError::fail(format!(
                "step {step}: {call:?}\
                 \n  the model expects one of {accepted:?}\
                 \n  the server answered {observed:?}\
                 \n  full response: {response}\
                 \n  by {caller:?}\
                 \n  memberships before: {:?}",
                model.expected_memberships()
            )));
        }
        let refused = matches!(
            observed,
            Outcome::NotFound(_) | Outcome::Conflict | Outcome::Forbidden
        );
        model = if refused {
            // A refused call changes nothing (checked against the database below).
            model
        } else {
            next
        };
        if let Call::Create { kind, .. } = call
            && !refused
        {
            let id: Uuid = response["data"]["r"]["id"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            match kind {
                Side::User => model.created_users.push(id),
                Side::Plan => model.created_plans.push(id),
            }
            model.live_mut(kind).insert(id);
            if let (Side::Plan, Caller::Signed { user, .. }) = (kind, caller) {
                // A signed-in creator is the new plan's OWNER.
                model.memberships.insert((user, id), "OWNER");
            }
        }
        let mut memberships = app.memberships().await;
        memberships.sort();
        let expected = model.expected_memberships();
        if memberships != expected {
            return Err(TestCaseError::fail(format!(
                "step {step}: after {call:?} (answered {observed:?})\
                 \n  the database holds {memberships:?}\
                 \n  the model holds    {expected:?}"
            )));
        }
        for side in [Side::User, Side::Plan] {
            let table = if side == Side::User { "users" } else { "plans" };
            let ids = sorted(app.ids(table).await);
            let expected: Vec<Uuid> = model.live(side).iter().copied().collect();
            if ids != expected {
                return Err(TestCaseError::fail(format!(
                    "step {step}: after {call:?}: {table} \
                     in the database {ids:?}, in the model {expected:?}"
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(CASES);
    Config {
        cases,
        // No regression files in the source tree.
        failure_persistence: None,
        // Shrinking replays whole cases over HTTP: keep a failing run bounded.
        max_shrink_iters: 300,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

on_both_databases!(membership_mutations_agree_with_the_model);
async fn membership_mutations_agree_with_the_model(app: TestApp) {
    let by_the_service = op().prop_map(|op| (Actor::Service, op));
    run_cases(
        config(),
        proptest::collection::vec(by_the_service, 5..=MAX_STEPS),
        async |ops| run_case(&app, ops, None).await,
    );
}

on_both_databases!(membership_mutations_by_random_callers_agree_with_the_model);
async fn membership_mutations_by_random_callers_agree_with_the_model(backend: Backend) {
    let sign_in = SignIn::default();
    let service = "service-secret";
    let mut options = sign_in.options();
    options.extend(["--api-token", service]);
    let app = spawn_app_with(backend, &options).await;
    let credentials = Credentials {
        sign_in: &sign_in,
        service,
    };
    run_cases(
        config(),
        proptest::collection::vec((actor(), op()), 5..=MAX_STEPS),
        async |ops| run_case(&app, ops, Some(&credentials)).await,
    );
}

on_both_databases!(an_id_unknown_on_both_sides_is_listed_once);
async fn an_id_unknown_on_both_sides_is_listed_once(app: TestApp) {
    // The same unknown id as the owner and in the list: one unknown id, listed once.
    let unknown = Uuid::new_v4();
    for (query, what) in [
        (
            "mutation($o: UUID!, $l: [UUID!]!) { \
             addPlansToUser(userId: $o, planIds: $l) { addedPlanIds } }",
            "addPlansToUser",
        ),
        (
            "mutation($o: UUID!, $l: [UUID!]!) { \
             setPlanUsers(planId: $o, userIds: $l) { addedUserIds } }",
            "setPlanUsers",
        ),
        (
            "mutation($o: UUID!, $l: UUID!) { \
             createUserPlan(input: { userId: $o, planId: $l }) { role } }",
            "createUserPlan",
        ),
    ] {
        let list = if what == "createUserPlan" {
            json!(unknown)
        } else {
            json!([unknown])
        };
        let error = app.error(query, json!({ "o": unknown, "l": list })).await;
        assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{what}: {error}");
        assert_eq!(
            error["extensions"]["ids"],
            json!([unknown]),
            "{what}: {error}"
        );
    }
}
