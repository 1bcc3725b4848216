//! Races: many tasks sending link mutations at the same few users and plans over HTTP. Every
//! answer must be a success or one of the contract's codes for a lost race (NOT_FOUND,
//! CONFLICT), never INTERNAL_SERVER_ERROR and never a hang; the tables must end consistent;
//! concurrent replaces of one owner must behave as if run one after the other; replaces from
//! both sides over the same links must not deadlock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::timeout;
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;

/// Generous: a request waits at most for the pool (5 s) and SQLite's busy timeout (5 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const TEST_TIMEOUT: Duration = Duration::from_secs(180);

const SET_PLANS: &str = "mutation($o: UUID!, $l: [UUID!]!, $e: [UUID!]) { r: setUserPlans(userId: $o, planIds: $l, role: ADMIN, expectedPlanIds: $e) { added: addedPlanIds removed: removedPlanIds unchanged: unchangedPlanIds } }";
const ADD_PLANS: &str = "mutation($o: UUID!, $l: [UUID!]!) { r: addPlansToUser(userId: $o, planIds: $l, role: OWNER) { added: addedPlanIds removed: removedPlanIds unchanged: unchangedPlanIds } }";
const REMOVE_PLANS: &str = "mutation($o: UUID!, $l: [UUID!]!) { r: removePlansFromUser(userId: $o, planIds: $l) { added: addedPlanIds removed: removedPlanIds unchanged: unchangedPlanIds } }";
const SET_USERS: &str = "mutation($o: UUID!, $l: [UUID!]!) { r: setPlanUsers(planId: $o, userIds: $l) { added: addedUserIds removed: removedUserIds unchanged: unchangedUserIds } }";
const ADD_USERS: &str = "mutation($o: UUID!, $l: [UUID!]!) { r: addUsersToPlan(planId: $o, userIds: $l) { added: addedUserIds removed: removedUserIds unchanged: unchangedUserIds } }";
const REMOVE_USERS: &str = "mutation($o: UUID!, $l: [UUID!]!) { r: removeUsersFromPlan(planId: $o, userIds: $l) { added: addedUserIds removed: removedUserIds unchanged: unchangedUserIds } }";
const USER_PLANS: &str = "query($o: UUID!) { r: user(id: $o) { plans(first: 1000) { id } } }";
const DELETE_USER: &str = "mutation($id: UUID!) { r: deleteUser(id: $id) }";
const DELETE_PLAN: &str = "mutation($id: UUID!) { r: deletePlan(id: $id) }";
const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { r: createUser(input: $input) { id } }";
const CREATE_PLAN: &str =
    "mutation($input: CreatePlanInput!) { r: createPlan(input: $input) { id } }";

/// A small deterministic generator (splitmix64): each task replays the same choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Mostly one of the newest ids (the live ones, under contention), sometimes any.
    fn pick(&mut self, pool: &[Uuid]) -> Uuid {
        if self.below(8) == 0 {
            pool[self.below(pool.len())]
        } else {
            let recent = pool.len().min(4);
            pool[pool.len() - recent + self.below(recent)]
        }
    }

    fn some(&mut self, pool: &[Uuid]) -> Vec<Uuid> {
        (0..self.below(4)).map(|_| self.pick(pool)).collect()
    }
}

/// One request, bounded in time. `Err` is a failure of the test: a hang, a transport
/// error, a status other than 200 or a body that is not JSON.
async fn send(app: &TestApp, query: &str, variables: Value) -> Result<Value, String> {
    post_within(
        app.client(),
        &app.url("/graphql"),
        query,
        variables,
        REQUEST_TIMEOUT,
    )
    .await
}

fn ids_of(value: &Value) -> BTreeSet<Uuid> {
    uuids(value).into_iter().collect()
}

/// What every task saw: answers by code, and the answers that break the contract.
#[derive(Default)]
struct Tally {
    codes: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Tally {
    /// Counts an answer; a success or a lost race (NOT_FOUND, CONFLICT) is fine.
    fn record(&mut self, what: &str, answer: &Result<Value, String>) -> bool {
        match answer {
            Err(failure) => {
                self.failures.push(format!("{what}: {failure}"));
                false
            }
            Ok(response) => {
                let code = error_code(response);
                let label = code.unwrap_or("ok");
                *self.codes.entry(format!("{what} {label}")).or_default() += 1;
                match code {
                    None => true,
                    Some("NOT_FOUND" | "CONFLICT") => false,
                    Some(_) => {
                        self.failures
                            .push(format!("{what}: {}", response["errors"][0]));
                        false
                    }
                }
            }
        }
    }
}

struct Pools {
    users: Mutex<Vec<Uuid>>,
    plans: Mutex<Vec<Uuid>>,
    /// Ids whose delete was acknowledged.
    deleted: Mutex<Vec<Uuid>>,
    tally: Mutex<Tally>,
}

async fn racer(app: Arc<TestApp>, pools: Arc<Pools>, seed: u64, operations: usize) {
    let mut rng = Rng(seed);
    for _ in 0..operations {
        let users = pools.users.lock().unwrap().clone();
        let plans = pools.plans.lock().unwrap().clone();
        let choice = rng.below(20);
        let (what, query, variables) = match choice {
            0..=2 => (
                "setUserPlans",
                SET_PLANS,
                json!({ "o": rng.pick(&users), "l": rng.some(&plans) }),
            ),
            3..=4 => (
                "addPlansToUser",
                ADD_PLANS,
                json!({ "o": rng.pick(&users), "l": rng.some(&plans) }),
            ),
            5..=6 => (
                "removePlansFromUser",
                REMOVE_PLANS,
                json!({ "o": rng.pick(&users), "l": rng.some(&plans) }),
            ),
            7..=9 => (
                "setPlanUsers",
                SET_USERS,
                json!({ "o": rng.pick(&plans), "l": rng.some(&users) }),
            ),
            10..=11 => (
                "addUsersToPlan",
                ADD_USERS,
                json!({ "o": rng.pick(&plans), "l": rng.some(&users) }),
            ),
            12 => (
                "removeUsersFromPlan",
                REMOVE_USERS,
                json!({ "o": rng.pick(&plans), "l": rng.some(&users) }),
            ),
            13..=15 => {
                // setUserPlans with the set just read: CONFLICT when another task got there
                // in between.
                let user = rng.pick(&users);
                let read = send(&app, USER_PLANS, json!({ "o": user })).await;
                if !pools.tally.lock().unwrap().record("user", &read) {
                    continue;
                }
                let read = read.unwrap();
                let current = match read["data"]["r"]["plans"].as_array() {
                    Some(plans) => plans
                        .iter()
                        .map(|plan| uuid(&plan["id"]))
                        .collect::<Vec<_>>(),
                    None => continue, // deleted meanwhile
                };
                (
                    "setUserPlans(expected)",
                    SET_PLANS,
                    json!({ "o": user, "l": rng.some(&plans), "e": current }),
                )
            }
            16..=17 => {
                let plan = rng.pick(&plans);
                let deleted = send(&app, DELETE_PLAN, json!({ "id": plan })).await;
                if pools.tally.lock().unwrap().record("deletePlan", &deleted) {
                    pools.deleted.lock().unwrap().push(plan);
                }
                let input = json!({ "name": format!("Plan {}", rng.next()) });
                ("createPlan", CREATE_PLAN, json!({ "input": input }))
            }
            _ => {
                let user = rng.pick(&users);
                let deleted = send(&app, DELETE_USER, json!({ "id": user })).await;
                if pools.tally.lock().unwrap().record("deleteUser", &deleted) {
                    pools.deleted.lock().unwrap().push(user);
                }
                let email = format!("{}@example.com", Uuid::new_v4().simple());
                (
                    "createUser",
                    CREATE_USER,
                    json!({ "input": { "email": email, "name": "Racer" } }),
                )
            }
        };
        let answer = send(&app, query, variables).await;
        let ok = pools.tally.lock().unwrap().record(what, &answer);
        if ok && what.starts_with("create") {
            let id = uuid(&answer.unwrap()["data"]["r"]["id"]);
            let pool = if what == "createUser" {
                &pools.users
            } else {
                &pools.plans
            };
            pool.lock().unwrap().push(id);
        }
    }
}

/// The tables end consistent: no pair twice, no link to a row that is gone, no deleted row
/// back, and the server's own view (planCount, plans) agrees with the tables.
async fn check_consistency(app: &TestApp, deleted: &[Uuid]) {
    let links = app.links().await;
    let users: BTreeSet<Uuid> = app.ids("users").await.into_iter().collect();
    let plans: BTreeSet<Uuid> = app.ids("plans").await.into_iter().collect();
    let mut pairs = BTreeSet::new();
    for (user, plan, _) in &links {
        assert!(
            pairs.insert((*user, *plan)),
            "the pair ({user}, {plan}) is stored twice"
        );
        assert!(
            users.contains(user),
            "a link to the deleted user {user} (plan {plan})"
        );
        assert!(
            plans.contains(plan),
            "a link to the deleted plan {plan} (user {user})"
        );
    }
    for id in deleted {
        assert!(
            !users.contains(id) && !plans.contains(id),
            "{id} was deleted, yet it exists"
        );
    }
    let data = app
        .data(
            "{ users(first: 100) { nodes { id planCount plans(first: 60) { id } } } }",
            json!({}),
        )
        .await;
    // The pages above must hold everything (the server caps a query's size).
    assert!(
        users.len() < 100 && plans.len() < 60,
        "too many rows for one page: {} users, {} plans",
        users.len(),
        plans.len()
    );
    let mut seen = BTreeSet::new();
    for node in data["users"]["nodes"].as_array().unwrap() {
        let user = uuid(&node["id"]);
        let linked: BTreeSet<Uuid> = pairs
            .iter()
            .filter(|(u, _)| *u == user)
            .map(|(_, p)| *p)
            .collect();
        assert_eq!(
            node_ids(&node["plans"])
                .into_iter()
                .collect::<BTreeSet<_>>(),
            linked,
            "plans of {user}"
        );
        assert_eq!(node["planCount"], linked.len(), "planCount of {user}");
        seen.insert(user);
    }
    assert_eq!(seen, users, "users(first: 100) lists every user");
}

async fn fresh_users(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let email = format!("{}@example.com", Uuid::new_v4().simple());
        ids.push(app.create_user(&email, &format!("User {i}")).await);
    }
    ids
}

async fn fresh_plans(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.create_plan(&format!("Plan {i}")).await);
    }
    ids
}

/// Concurrent set* calls on one owner, each with its own set, disjoint from the others and
/// from the owner's set before the round. Linearizable means: the owner ends with exactly
/// one of the sets, and the payloads chain — each call removed exactly the set the call
/// before it left (the set before the round for the first), and added all of its own.
async fn replaces_of_one_owner(app: &Arc<TestApp>, owner_is_user: bool) {
    const TASKS: usize = 8;
    const PER_SET: usize = 3;
    const ROUNDS: usize = 4;
    let owner = if owner_is_user {
        fresh_users(app, 1).await[0]
    } else {
        fresh_plans(app, 1).await[0]
    };
    let others = if owner_is_user {
        fresh_plans(app, (TASKS + 1) * PER_SET).await
    } else {
        fresh_users(app, (TASKS + 1) * PER_SET).await
    };
    let sets: Vec<BTreeSet<Uuid>> = others
        .chunks(PER_SET)
        .map(|chunk| chunk.iter().copied().collect())
        .collect();
    let mut current = BTreeSet::new();
    for round in 0..ROUNDS {
        // The sets this round: every one except the owner's current set.
        let round_sets: Vec<BTreeSet<Uuid>> = sets
            .iter()
            .filter(|set| **set != current)
            .take(TASKS)
            .cloned()
            .collect();
        let calls = round_sets.iter().map(|set| {
            let app = app.clone();
            let list: Vec<Uuid> = set.iter().rev().copied().collect();
            async move {
                let (query, what) = if owner_is_user {
                    (SET_PLANS, "setUserPlans")
                } else {
                    (SET_USERS, "setPlanUsers")
                };
                (
                    what,
                    send(&app, query, json!({ "o": owner, "l": list })).await,
                )
            }
        });
        let mut tasks = Vec::new();
        for call in calls {
            tasks.push(tokio::spawn(call));
        }
        let mut payloads = Vec::new();
        for (task, set) in tasks.into_iter().zip(&round_sets) {
            let (what, answer) = task.await.expect("task");
            let response =
                answer.unwrap_or_else(|failure| panic!("round {round}, {what}: {failure}"));
            assert!(
                response.get("errors").is_none(),
                "round {round}, {what}: every id exists, yet {response}"
            );
            let r = &response["data"]["r"];
            payloads.push((
                set.clone(),
                ids_of(&r["added"]),
                ids_of(&r["removed"]),
                ids_of(&r["unchanged"]),
            ));
        }
        let linked: BTreeSet<Uuid> = app
            .links()
            .await
            .into_iter()
            .filter(|(user, plan, _)| {
                if owner_is_user {
                    *user == owner
                } else {
                    *plan == owner
                }
            })
            .map(|(user, plan, _)| if owner_is_user { plan } else { user })
            .collect();
        assert!(
            round_sets.contains(&linked),
            "round {round}: the owner ends linked to {linked:?}, a mixture of the sets given {round_sets:?}"
        );
        // Replay the payloads as a chain from the set before the round.
        let mut before = current.clone();
        let mut pending = payloads;
        while !pending.is_empty() {
            let next = pending
                .iter()
                .position(|(_, _, removed, unchanged)| removed.union(unchanged).copied().collect::<BTreeSet<_>>() == before)
                .unwrap_or_else(|| {
                    panic!("round {round}: no call saw the set {before:?} left by the call before it; payloads (set, added, removed, unchanged): {pending:?}")
                });
            let (set, added, removed, unchanged) = pending.remove(next);
            assert_eq!(removed, before, "round {round}: removed what was there");
            assert!(unchanged.is_empty(), "round {round}: the sets are disjoint");
            assert_eq!(added, set, "round {round}: added its whole set");
            before = set;
        }
        assert_eq!(
            before, linked,
            "round {round}: the last call in the chain is the one that stuck"
        );
        current = linked;
    }
}

on_both_databases! {
    async fn racing_link_mutations_keep_the_tables_consistent(app: TestApp) {
        show_server_logs();
        const TASKS: u64 = 8;
        const OPERATIONS: usize = 25;
        let app = Arc::new(app);
        let pools = Arc::new(Pools {
            users: Mutex::new(fresh_users(&app, 3).await),
            plans: Mutex::new(fresh_plans(&app, 3).await),
            deleted: Mutex::new(Vec::new()),
            tally: Mutex::new(Tally::default()),
        });
        let tasks: Vec<_> = (0..TASKS)
            .map(|seed| tokio::spawn(racer(app.clone(), pools.clone(), seed * 7919 + 1, OPERATIONS)))
            .collect();
        timeout(TEST_TIMEOUT, async {
            for task in tasks {
                task.await.expect("racer");
            }
        })
        .await
        .expect("the racers finish");
        let tally = std::mem::take(&mut *pools.tally.lock().unwrap());
        eprintln!("answers: {:#?}", tally.codes);
        assert!(
            tally.failures.is_empty(),
            "{} answers outside the contract (expected success, NOT_FOUND or CONFLICT):\n{}",
            tally.failures.len(),
            tally.failures.join("\n")
        );
        let successes: usize = tally.codes.iter().filter(|(what, _)| what.ends_with(" ok")).map(|(_, n)| n).sum();
        assert!(successes > 50, "most calls should succeed; the race tested little: {:#?}", tally.codes);
        let deleted = pools.deleted.lock().unwrap().clone();
        check_consistency(&app, &deleted).await;
    }

    async fn concurrent_replaces_of_one_owner_do_not_mix(app: TestApp) {
        show_server_logs();
        let app = Arc::new(app);
        timeout(TEST_TIMEOUT, async {
            replaces_of_one_owner(&app, true).await;
            replaces_of_one_owner(&app, false).await;
        })
        .await
        .expect("no hang");
    }

    async fn replaces_from_both_sides_over_the_same_links_do_not_deadlock(app: TestApp) {
        // setUserPlans(u, ...) locks u and inserts links that point at plans; setPlanUsers(p,
        // ...) locks p and inserts links that point at users. Each call removes one link and
        // adds another, so both sides keep writing the same (u, p) pairs. Every id exists
        // and there is no expected set: every call must succeed.
        show_server_logs();
        const SIDE: usize = 4;
        const ROUNDS: usize = 15;
        let app = Arc::new(app);
        let users = fresh_users(&app, SIDE).await;
        let plans = fresh_plans(&app, SIDE).await;
        let mut tasks = Vec::new();
        for i in 0..SIDE {
            for owner_is_user in [true, false] {
                let (app, users, plans) = (app.clone(), users.clone(), plans.clone());
                tasks.push(tokio::spawn(async move {
                    let mut failures = Vec::new();
                    for round in 0..ROUNDS {
                        let skip = (round + i) % SIDE;
                        let (query, what, owner, pool) = if owner_is_user {
                            (SET_PLANS, "setUserPlans", users[i], &plans)
                        } else {
                            (SET_USERS, "setPlanUsers", plans[i], &users)
                        };
                        let list: Vec<Uuid> = pool.iter().enumerate().filter(|(j, _)| *j != skip).map(|(_, id)| *id).collect();
                        match send(&app, query, json!({ "o": owner, "l": list })).await {
                            Err(failure) => failures.push(format!("{what}({owner}) round {round}: {failure}")),
                            Ok(response) if response.get("errors").is_some() => {
                                failures.push(format!("{what}({owner}) round {round}: {}", response["errors"][0]))
                            }
                            Ok(_) => {}
                        }
                    }
                    failures
                }));
            }
        }
        let failures = timeout(TEST_TIMEOUT, async {
            let mut failures = Vec::new();
            for task in tasks {
                failures.extend(task.await.expect("task"));
            }
            failures
        })
        .await
        .expect("no hang");
        assert!(
            failures.is_empty(),
            "{} of {} replaces failed although every id exists:\n{}",
            failures.len(),
            SIDE * 2 * ROUNDS,
            failures.join("\n")
        );
        check_consistency(&app, &[]).await;
    }
}
