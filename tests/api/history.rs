//! The membership history: `membershipHistory` in order, with its filters, pages both
//! ways, actors and each viewer's share; `membershipChanged(after:)` resuming with no gap
//! and no repeat; expired and forged cursors; purging; a subscriber that falls behind; and
//! (PostgreSQL) resuming while writers race on two instances and one transaction is held
//! open.

use std::collections::HashSet;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;
use crate::ws_client::{Protocol, Reply, WsClient};

mod concurrency;

const FIELDS: &str = "kind userId planId role actorId cursor";

/// One event as the API shows it, without its cursor.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Event {
    kind: &'static str,
    user: Uuid,
    plan: Uuid,
    role: Option<String>,
    actor: Option<Uuid>,
}

impl Event {
    fn new(kind: &'static str, user: Uuid, plan: Uuid, role: Option<&str>) -> Self {
        Event {
            kind,
            user,
            plan,
            role: role.map(str::to_owned),
            actor: None,
        }
    }

    fn by(mut self, actor: Uuid) -> Self {
        self.actor = Some(actor);
        self
    }

    fn of(value: &Value) -> Self {
        let kind = match value["kind"].as_str() {
            Some("ADDED") => "ADDED",
            Some("UPDATED") => "UPDATED",
            Some("REMOVED") => "REMOVED",
            other => panic!("kind {other:?} in {value}"),
        };
        Event {
            kind,
            user: uuid(&value["userId"]),
            plan: uuid(&value["planId"]),
            role: value["role"].as_str().map(str::to_owned),
            actor: value["actorId"].as_str().map(|id| id.parse().unwrap()),
        }
    }
}

/// Waits until every event in the table is settled, so that the history shows them all. On
/// PostgreSQL an event is shown once every transaction older than its own has finished,
/// in any database of the server: the tests running beside this one delay it a little.
async fn all_settled(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    if app.backend() != Backend::Postgres {
        return;
    }
    let sql = "SELECT COUNT(*) AS n FROM membership_events \
               WHERE txid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint";
    eventually(
        "every event settles",
        std::time::Duration::from_secs(30),
        async || {
            let row = app
                .db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap() == 0
        },
    )
    .await;
}

/// The whole history a caller sees (`bearer`), with these filters, oldest first, read a
/// page of `page` at a time: each event with its cursor.
async fn history(
    app: &TestApp,
    bearer: Option<&str>,
    filters: Value,
    page: i64,
) -> Vec<(Event, String)> {
    let query = format!(
        "query($u: UUID, $p: UUID, $first: Int, $after: String) {{ \
         membershipHistory(userId: $u, planId: $p, first: $first, after: $after) {{ \
         edges {{ cursor node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    all_settled(app).await;
    let mut events = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut variables = filters.clone();
        variables["first"] = json!(page);
        variables["after"] = after;
        let response = app.post_by(bearer, &query, variables).await;
        let connection = &response["data"]["membershipHistory"];
        assert!(connection.is_object(), "{response}");
        for edge in connection["edges"].as_array().unwrap() {
            assert_eq!(edge["cursor"], edge["node"]["cursor"], "{edge}");
            let cursor = edge["cursor"].as_str().unwrap().to_owned();
            events.push((Event::of(&edge["node"]), cursor));
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            return events;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

fn without_cursors(events: &[(Event, String)]) -> Vec<Event> {
    events.iter().map(|(event, _)| event.clone()).collect()
}

/// The newest event's cursor, as `bearer` (none: a server without sign-in) reads it.
async fn newest_cursor(app: &TestApp, bearer: Option<&str>) -> String {
    all_settled(app).await;
    let query = "{ membershipHistory(last: 1) { nodes { cursor } } }";
    let response = app.post_by(bearer, query, json!({})).await;
    response["data"]["membershipHistory"]["nodes"][0]["cursor"]
        .as_str()
        .expect("an event")
        .to_owned()
}

/// A WebSocket subscribed to `membershipChanged` (operation "1") with these variables.
async fn subscribe(app: &TestApp, init: Value, variables: Value) -> WsClient {
    let mut client = WsClient::connect(app.address, Protocol::TransportWs, init).await;
    let query = format!(
        "subscription($after: String, $u: UUID, $p: UUID) {{ \
         membershipChanged(after: $after, userId: $u, planId: $p) {{ {FIELDS} }} }}"
    );
    client.start("1", &query, variables).await;
    client
}

/// The subscription's next event and its cursor.
async fn next_event(client: &mut WsClient) -> (Event, String) {
    match client.next_of("1").await {
        Reply::Result(result) => {
            let event = &result["data"]["membershipChanged"];
            assert!(event.is_object(), "{result}");
            (
                Event::of(event),
                event["cursor"].as_str().unwrap().to_owned(),
            )
        }
        Reply::Complete => panic!("the subscription ended"),
    }
}

/// The error a subscription is refused with.
async fn refusal(app: &TestApp, variables: Value) -> Value {
    let mut client = subscribe(app, json!({}), variables).await;
    match client.next_of("1").await {
        Reply::Result(result) => {
            assert!(result["data"].is_null(), "{result}");
            result["errors"][0].clone()
        }
        Reply::Complete => panic!("completed without an error"),
    }
}

on_both_databases!(the_history_holds_every_committed_change_in_order);
async fn the_history_holds_every_committed_change_in_order(app: TestApp) {
    let (ada, bob) = (
        app.create_user("ada@example.com", "Ada").await,
        app.create_user("bob@example.com", "Bob").await,
    );
    let (p1, p2) = (app.create_plan("P1").await, app.create_plan("P2").await);
    let mut model = Vec::new();

    app.add_plans_to_user(ada, &[p1]).await.unwrap();
    model.push(Event::new("ADDED", ada, p1, Some("MEMBER")));
    // A no-op, a conflict and a call that fails on an unknown id leave nothing.
    app.add_plans_to_user(ada, &[p1]).await.unwrap();
    app.create_user_plan(bob, p1).role("ADMIN").await.unwrap();
    model.push(Event::new("ADDED", bob, p1, Some("ADMIN")));
    let conflict = app.create_user_plan(bob, p1).await.unwrap_err();
    assert_eq!(conflict["extensions"]["code"], "CONFLICT");
    let unknown = app
        .add_plans_to_user(ada, &[p2, Uuid::now_v7()])
        .await
        .unwrap_err();
    assert_eq!(unknown["extensions"]["code"], "NOT_FOUND");
    app.remove_plans_from_user(ada, &[p2]).await.unwrap();
    app.update_user_plan(bob, p1, "OWNER").await.unwrap();
    model.push(Event::new("UPDATED", bob, p1, Some("OWNER")));
    app.add_users_to_plan(p2, &[bob]).await.unwrap();
    model.push(Event::new("ADDED", bob, p2, Some("MEMBER")));
    app.delete_user_plan(ada, p1).await.unwrap();
    model.push(Event::new("REMOVED", ada, p1, None));

    let all = history(&app, None, json!({}), 1000).await;
    assert_eq!(without_cursors(&all), model);
    let cursors: HashSet<_> = all.iter().map(|(_, cursor)| cursor).collect();
    assert_eq!(cursors.len(), all.len(), "every event has its own cursor");

    for (filters, keep) in [
        (
            json!({ "u": bob }),
            Box::new(|e: &Event| e.user == bob) as Box<dyn Fn(&Event) -> bool>,
        ),
        (json!({ "p": p1 }), Box::new(|e: &Event| e.plan == p1)),
        (
            json!({ "u": bob, "p": p2 }),
            Box::new(|e: &Event| e.user == bob && e.plan == p2),
        ),
        (json!({ "u": Uuid::now_v7() }), Box::new(|_: &Event| false)),
    ] {
        let expected: Vec<_> = model.iter().filter(|e| keep(e)).cloned().collect();
        let filtered = history(&app, None, filters.clone(), 1000).await;
        assert_eq!(without_cursors(&filtered), expected, "{filters}");
    }

    // Pages of two, forwards and backwards, make up the whole.
    assert_eq!(history(&app, None, json!({}), 2).await, all);
    let page = "query($last: Int, $before: String) { membershipHistory(last: $last, \
                before: $before) { edges { cursor node { kind userId planId role actorId \
                cursor } } pageInfo { hasPreviousPage hasNextPage startCursor } } }";
    let mut backwards = Vec::new();
    let mut before = Value::Null;
    loop {
        let response = app.data(page, json!({ "last": 2, "before": before })).await;
        let connection = &response["membershipHistory"];
        let edges = connection["edges"].as_array().unwrap();
        assert!(edges.len() <= 2);
        let mut found: Vec<_> = edges
            .iter()
            .map(|edge| {
                (
                    Event::of(&edge["node"]),
                    edge["cursor"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        found.append(&mut backwards);
        backwards = found;
        assert_eq!(connection["pageInfo"]["hasNextPage"], !before.is_null());
        if connection["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = connection["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backwards, all);

    for (variables, field) in [
        (json!({ "first": 1, "last": 1 }), "last"),
        (json!({ "first": 1001 }), "first"),
        (json!({ "after": "not a cursor" }), "after"),
        (
            json!({ "before": "eyJvIjoidXNlcnMiLCJrIjoiYSIsImlkIjoiMSJ9" }),
            "before",
        ),
    ] {
        let query = "query($first: Int, $last: Int, $after: String, $before: String) { \
                     membershipHistory(first: $first, last: $last, after: $after, \
                     before: $before) { nodes { cursor } } }";
        let error = app.error(query, variables.clone()).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}");
        assert_eq!(error["extensions"]["field"], field, "{variables}: {error}");
    }
}

on_both_databases!(the_history_names_the_actor_and_shows_each_viewer_their_share);
async fn the_history_names_the_actor_and_shows_each_viewer_their_share(backend: Backend) {
    const SERVICE: &str = "service-secret";
    let (app, sign_in) = spawn_signed_in_app(backend, SERVICE).await;
    let mut people = Vec::new();
    for email in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ] {
        people.push(app.create_user_by(Some(SERVICE), email, "Someone").await);
    }
    let [a, b, c, d] = people[..] else {
        unreachable!()
    };
    let token = |user: Uuid| sign_in.token(user);
    let mut model = Vec::new();
    // The memberships as they are now, for the model of who sees what.
    let mut members: HashSet<(Uuid, Uuid)> = HashSet::new();

    let pa = app.create_plan_by(Some(&token(a)), "A's").await;
    model.push(Event::new("ADDED", a, pa, Some("OWNER")).by(a));
    members.insert((a, pa));
    let pb = app.create_plan_by(Some(&token(b)), "B's").await;
    model.push(Event::new("ADDED", b, pb, Some("OWNER")).by(b));
    members.insert((b, pb));
    app.add_users_to_plan(pa, &[c]).by(&token(a)).await.unwrap();
    model.push(Event::new("ADDED", c, pa, Some("MEMBER")).by(a));
    members.insert((c, pa));
    app.add_users_to_plan(pb, &[c]).by(&token(b)).await.unwrap();
    model.push(Event::new("ADDED", c, pb, Some("MEMBER")).by(b));
    members.insert((c, pb));
    // Refused: nothing recorded.
    let refused = app
        .remove_users_from_plan(pb, &[b])
        .by(&token(c))
        .await
        .unwrap_err();
    assert_eq!(refused["extensions"]["code"], "FORBIDDEN", "{refused}");
    app.remove_plans_from_user(c, &[pb])
        .by(&token(c))
        .await
        .unwrap();
    model.push(Event::new("REMOVED", c, pb, None).by(c));
    members.remove(&(c, pb));
    app.add_users_to_plan(pb, &[d]).by(SERVICE).await.unwrap();
    model.push(Event::new("ADDED", d, pb, Some("MEMBER")));
    members.insert((d, pb));

    assert_eq!(
        without_cursors(&history(&app, Some(SERVICE), json!({}), 1000).await),
        model
    );
    for viewer in [a, b, c, d] {
        let sees = |e: &&Event| e.user == viewer || members.contains(&(viewer, e.plan));
        let expected: Vec<_> = model.iter().filter(sees).cloned().collect();
        let seen = history(&app, Some(&token(viewer)), json!({}), 1000).await;
        assert_eq!(without_cursors(&seen), expected, "viewer {viewer}");
        // A filter narrows what the viewer sees; it never widens it.
        let of_b = history(&app, Some(&token(viewer)), json!({ "p": pb }), 1000).await;
        let expected: Vec<_> = expected.into_iter().filter(|e| e.plan == pb).collect();
        assert_eq!(without_cursors(&of_b), expected, "viewer {viewer}, plan B");
    }
    let anonymous = app
        .post("{ membershipHistory { nodes { cursor } } }", json!({}))
        .await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
}

on_both_databases!(a_subscriber_resumes_after_its_last_cursor_with_no_gap_and_no_repeat);
async fn a_subscriber_resumes_after_its_last_cursor_with_no_gap_and_no_repeat(app: TestApp) {
    let user = app.create_user("r@example.com", "R").await;
    let mut plans = Vec::new();
    for n in 0..6 {
        plans.push(app.create_plan(&format!("P{n}")).await);
    }
    app.add_plans_to_user(user, &[plans[0]]).await.unwrap();
    let start = newest_cursor(&app, None).await;

    // Resuming from a cursor needs no wait for the subscription to start: what is written
    // meanwhile is replayed.
    let mut client = subscribe(&app, json!({}), json!({ "after": start })).await;
    app.add_plans_to_user(user, &[plans[1]]).await.unwrap();
    app.add_plans_to_user(user, &[plans[2]]).await.unwrap();
    let mut received = vec![next_event(&mut client).await, next_event(&mut client).await];
    drop(client);

    // Written while nobody listens.
    app.add_plans_to_user(user, &[plans[3]]).await.unwrap();
    app.remove_plans_from_user(user, &[plans[1]]).await.unwrap();
    app.update_user_plan(user, plans[2], "ADMIN").await.unwrap();

    // Resumed twice from the same cursor (a client that reconnects before it saved a
    // later one): the same events, then live ones.
    let last = received.last().unwrap().1.clone();
    let instance = app.another_instance().await;
    for on in [&app, &instance] {
        let mut resumed = subscribe(on, json!({}), json!({ "after": last, "u": user })).await;
        let replay = vec![
            next_event(&mut resumed).await,
            next_event(&mut resumed).await,
            next_event(&mut resumed).await,
        ];
        assert_eq!(
            without_cursors(&replay),
            vec![
                Event::new("ADDED", user, plans[3], Some("MEMBER")),
                Event::new("REMOVED", user, plans[1], None),
                Event::new("UPDATED", user, plans[2], Some("ADMIN")),
            ]
        );
        if std::ptr::eq(on, &app) {
            received.extend(replay);
        }
    }
    let mut resumed = subscribe(
        &instance,
        json!({}),
        json!({ "after": received.last().unwrap().1 }),
    )
    .await;
    app.add_plans_to_user(user, &[plans[4]]).await.unwrap();
    received.push(next_event(&mut resumed).await);
    assert_eq!(
        received[5].0,
        Event::new("ADDED", user, plans[4], Some("MEMBER"))
    );

    // Everything after the first cursor, in the history's order, each once.
    let all = history(&app, None, json!({}), 1000).await;
    let from = all.iter().position(|(_, cursor)| *cursor == start).unwrap();
    assert_eq!(received, all[from + 1..].to_vec());
}

on_both_databases!(expired_and_forged_cursors_are_refused);
async fn expired_and_forged_cursors_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, &["--history-retention", "1h"]).await;
    let user = app.create_user("x@example.com", "X").await;
    let (p1, p2, p3) = (
        app.create_plan("P1").await,
        app.create_plan("P2").await,
        app.create_plan("P3").await,
    );
    app.add_plans_to_user(user, &[p1]).await.unwrap();
    let old = newest_cursor(&app, None).await;
    app.add_plans_to_user(user, &[p2]).await.unwrap();
    let recent = newest_cursor(&app, None).await;
    // The first change made two hours ago, as if the server had run that long.
    let two_hours_ago = chrono::Utc::now() - chrono::TimeDelta::hours(2);
    backdate_all_but_newest(&app, 1, two_hours_ago).await;

    let expired = refusal(&app, json!({ "after": old })).await;
    assert_eq!(expired["extensions"]["code"], "BAD_USER_INPUT", "{expired}");
    assert_eq!(
        expired["extensions"]["reason"], "cursor_expired",
        "{expired}"
    );
    let forged = [
        "not a cursor".to_owned(),
        // A users connection's cursor.
        "eyJvIjoidXNlcnMiLCJrIjoiYSIsImlkIjoiMSJ9".to_owned(),
        format!("{old}x"),
    ];
    for cursor in forged {
        let error = refusal(&app, json!({ "after": cursor })).await;
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{cursor}: {error}"
        );
        assert!(error["extensions"]["reason"].is_null(), "{error}");
    }
    // A well-formed cursor of no event this history holds cannot be resumed from either.
    let unknown = base64_url(r#"{"o":"membership_events","t":0,"p":999999}"#);
    let error = refusal(&app, json!({ "after": unknown })).await;
    assert_eq!(error["extensions"]["reason"], "cursor_expired", "{error}");

    let mut client = subscribe(&app, json!({}), json!({ "after": recent })).await;
    app.add_plans_to_user(user, &[p3]).await.unwrap();
    assert_eq!(
        next_event(&mut client).await.0,
        Event::new("ADDED", user, p3, Some("MEMBER"))
    );

    // The history's pages refuse an expired cursor the same way.
    let page = "query($a: String) { membershipHistory(after: $a) { nodes { cursor } } }";
    let error = app.error(page, json!({ "a": old })).await;
    assert_eq!(error["extensions"]["reason"], "cursor_expired", "{error}");
    let kept = app.data(page, json!({ "a": recent })).await;
    assert_eq!(
        kept["membershipHistory"]["nodes"].as_array().unwrap().len(),
        1
    );

    // Kept forever, nothing expires; a cursor of no kept event is still refused (it would
    // hide every event up to it).
    let forever = app.restarted_with(&["--history-retention", "0"]).await;
    let error = refusal(&forever, json!({ "after": unknown })).await;
    assert_eq!(error["extensions"]["reason"], "cursor_expired", "{error}");
    let mut client = subscribe(&forever, json!({}), json!({ "after": old })).await;
    assert_eq!(next_event(&mut client).await.0.plan, p2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_ahead_of_the_database_stops_the_start() {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn_postgres_app().await else {
        return;
    };
    // As after a restore into a database whose transaction ids start lower.
    app.db
        .execute_unprepared(
            "INSERT INTO membership_events (txid, kind, user_id, plan_id, role, actor_id, at) \
             VALUES (9000000000000, 'A', gen_random_uuid(), gen_random_uuid(), 'MEMBER', \
             NULL, now())",
        )
        .await
        .unwrap();
    let args = userplan::config::ServeArgs::from_args(["--listen", "127.0.0.1:0"]).unwrap();
    let refused = userplan::app::Application::build(app.database_url(), &args).await;
    let error = refused.err().expect("the start is refused").to_string();
    assert!(error.contains("TRUNCATE membership_events"), "{error}");
    app.db
        .execute_unprepared("TRUNCATE membership_events")
        .await
        .unwrap();
    assert!(
        userplan::app::Application::build(app.database_url(), &args)
            .await
            .is_ok()
    );
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// Sets the time of every event but the `keep` newest to `at`.
async fn backdate_all_but_newest(app: &TestApp, keep: i64, at: chrono::DateTime<chrono::Utc>) {
    use sea_orm::ConnectionTrait;
    let backend = app.db.get_database_backend();
    let sql = "UPDATE membership_events SET at = $1 WHERE position <= \
               (SELECT MAX(position) FROM membership_events) - $2";
    let sql = if backend == sea_orm::DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [at.into(), keep.into()],
        ))
        .await
        .unwrap();
}

async fn event_count(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM membership_events",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

on_both_databases!(purging_under_writes_keeps_everything_inside_the_period);
async fn purging_under_writes_keeps_everything_inside_the_period(backend: Backend) {
    let retention = ["--history-retention", "1h"];
    let app = spawn_app_with(backend, &retention).await;
    app.seed(Seed {
        users: 2_500,
        plans: 1,
        memberships_per_user: 0,
        random_seed: 3,
    })
    .await;
    let (users, plan) = (app.ids("users").await, app.ids("plans").await[0]);
    app.add_users_to_plan(plan, &users).await.unwrap();
    // Older than the period and its grace: more than two batches to purge.
    backdate_all_but_newest(&app, 0, chrono::Utc::now() - chrono::TimeDelta::hours(3)).await;
    let recent = app.create_plan("recent").await;

    // A second instance purges as it starts, while the first writes.
    let writes = async {
        let mut model = Vec::new();
        for user in &users[..30] {
            app.add_plans_to_user(*user, &[recent]).await.unwrap();
            model.push(Event::new("ADDED", *user, recent, Some("MEMBER")));
        }
        model
    };
    let (model, purger) = tokio::join!(writes, app.another_instance_with(&retention));
    eventually(
        "the purge",
        std::time::Duration::from_secs(30),
        async || event_count(&app).await == model.len() as i64,
    )
    .await;
    assert_eq!(
        without_cursors(&history(&app, None, json!({}), 1000).await),
        model
    );
    drop(purger);
}

on_both_databases!(a_slow_subscriber_catches_up_without_being_closed);
async fn a_slow_subscriber_catches_up_without_being_closed(app: TestApp) {
    app.seed(Seed {
        users: 10_000,
        plans: 1,
        memberships_per_user: 0,
        random_seed: 5,
    })
    .await;
    let (users, plan) = (app.ids("users").await, app.ids("plans").await[0]);
    let marker = app.create_plan("marker").await;
    app.add_plans_to_user(users[0], &[marker]).await.unwrap();
    let start = newest_cursor(&app, None).await;
    // More events than the broadcast holds (16,384), so the slow one falls behind it.
    let rounds = 3;
    let expected = rounds * users.len();
    let mut slow = subscribe(&app, json!({}), json!({ "after": start })).await;
    let fast = subscribe(&app, json!({}), json!({ "after": start })).await;
    let reader = tokio::spawn(async move {
        let mut fast = fast;
        let mut seen = Vec::new();
        while seen.len() < expected {
            seen.push(next_event(&mut fast).await);
        }
        seen
    });
    // The writers are not held up by a subscriber that reads nothing.
    for round in 0..rounds {
        let written = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            if round % 2 == 0 {
                app.add_users_to_plan(plan, &users).await.map(|_| ())
            } else {
                app.remove_users_from_plan(plan, &users).await.map(|_| ())
            }
        });
        written
            .await
            .expect("a write while a subscriber reads nothing")
            .unwrap();
    }
    let fast = reader.await.unwrap();
    let mut caught_up = Vec::with_capacity(expected);
    while caught_up.len() < expected {
        caught_up.push(next_event(&mut slow).await);
    }
    let all = history(&app, None, json!({}), 1000).await;
    assert_eq!(all.len(), expected + 1);
    assert_eq!(caught_up, all[1..].to_vec());
    assert_eq!(fast, caught_up);
}

on_both_databases!(the_history_reads_the_same_over_the_socket);
async fn the_history_reads_the_same_over_the_socket(app: TestApp) {
    let user = app.create_user("s@example.com", "S").await;
    let (p1, p2) = (app.create_plan("P1").await, app.create_plan("P2").await);
    app.add_plans_to_user(user, &[p1, p2]).await.unwrap();
    app.remove_plans_from_user(user, &[p1]).await.unwrap();
    all_settled(&app).await;
    let query = format!(
        "query($u: UUID) {{ membershipHistory(userId: $u, last: 2) {{ \
         edges {{ cursor node {{ {FIELDS} }} }} \
         pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
    );
    let over_http = app.post(&query, json!({ "u": user })).await;
    assert_eq!(
        over_http["data"]["membershipHistory"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{over_http}"
    );
    for protocol in Protocol::BOTH {
        let mut client = WsClient::connect(app.address, protocol, json!({})).await;
        let over_socket = client.execute("h", &query, json!({ "u": user })).await;
        assert_eq!(over_socket["data"], over_http["data"], "{protocol:?}");
    }
}

on_both_databases!(a_resumed_member_gets_what_they_would_have_got_live);
async fn a_resumed_member_gets_what_they_would_have_got_live(backend: Backend) {
    const SERVICE: &str = "service-secret";
    let (app, sign_in) = spawn_signed_in_app(backend, SERVICE).await;
    let mut people = Vec::new();
    for email in ["me@example.com", "other@example.com"] {
        people.push(app.create_user_by(Some(SERVICE), email, "Someone").await);
    }
    let [me, other] = people[..] else {
        unreachable!()
    };
    let (left, joined, never) = (
        app.create_plan_by(Some(SERVICE), "left").await,
        app.create_plan_by(Some(SERVICE), "joined").await,
        app.create_plan_by(Some(SERVICE), "never").await,
    );
    app.add_users_to_plan(left, &[me])
        .by(SERVICE)
        .await
        .unwrap();
    let start = newest_cursor(&app, Some(SERVICE)).await;

    // While the viewer is away, a model of what a live subscription would have delivered:
    // the events of the plans they were a member of when each happened, their own too.
    let mut mine = HashSet::from([left]);
    let mut model = Vec::new();
    let steps: Vec<(&str, Uuid, Uuid)> = vec![
        ("add", other, left),
        ("add", other, joined),
        ("add", me, joined),
        ("remove", other, joined),
        ("remove", me, left),
        ("remove", other, left),
        ("add", other, never),
        ("add", other, joined),
    ];
    for (action, user, plan) in steps {
        let (kind, role) = if action == "add" {
            app.add_users_to_plan(plan, &[user])
                .by(SERVICE)
                .await
                .unwrap();
            ("ADDED", Some("MEMBER"))
        } else {
            app.remove_users_from_plan(plan, &[user])
                .by(SERVICE)
                .await
                .unwrap();
            ("REMOVED", None)
        };
        let event = Event::new(kind, user, plan, role);
        if user == me {
            model.push(event);
            if kind == "ADDED" {
                mine.insert(plan);
            } else {
                mine.remove(&plan);
            }
        } else if mine.contains(&plan) {
            model.push(event);
        }
    }

    let init = json!({ "Authorization": format!("Bearer {}", sign_in.token(me)) });
    let mut resumed = subscribe(&app, init, json!({ "after": start })).await;
    let mut received = Vec::new();
    while received.len() < model.len() {
        received.push(next_event(&mut resumed).await.0);
    }
    assert_eq!(received, model);
    // And live from there on, still following the viewer's plans.
    let live = [
        ("add", me, never, true),
        ("remove", other, joined, true),
        ("add", other, left, false),
        ("add", me, left, true),
    ];
    let mut expected = Vec::new();
    for (action, user, plan, delivered) in live {
        let event = if action == "add" {
            app.add_users_to_plan(plan, &[user])
                .by(SERVICE)
                .await
                .unwrap();
            Event::new("ADDED", user, plan, Some("MEMBER"))
        } else {
            app.remove_users_from_plan(plan, &[user])
                .by(SERVICE)
                .await
                .unwrap();
            Event::new("REMOVED", user, plan, None)
        };
        if delivered {
            expected.push(event);
        }
    }
    let mut got = Vec::new();
    while got.len() < expected.len() {
        got.push(next_event(&mut resumed).await.0);
    }
    assert_eq!(got, expected);
}
