//! PostgreSQL: a subscriber that keeps disconnecting and resuming from its last cursor,
//! alternating between two instances, while 16 tasks write on both and one transaction is
//! held open while later ones commit, receives exactly the table's events after its first
//! cursor, in order, each once.

use std::sync::Arc;
use std::time::Duration;

use entity::user_plan::Role;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;
use userplan::service::events::{EventKind, MembershipEvent};
use uuid::Uuid;

use super::{Event, event_count, newest_cursor, next_event, subscribe};
use crate::helpers::*;

const WRITERS: usize = 16;
const WRITES_EACH: usize = 30;

/// The table's events in the history's order, with each one's transaction id.
async fn table_events(app: &TestApp) -> Vec<(Event, i64)> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT kind, user_id, plan_id, role, actor_id, txid FROM membership_events \
             ORDER BY txid, position",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("", "kind").unwrap();
            let event = Event {
                kind: match kind.as_str() {
                    "A" => "ADDED",
                    "U" => "UPDATED",
                    _ => "REMOVED",
                },
                user: row.try_get("", "user_id").unwrap(),
                plan: row.try_get("", "plan_id").unwrap(),
                role: row.try_get("", "role").unwrap(),
                actor: row.try_get("", "actor_id").unwrap(),
            };
            (event, row.try_get("", "txid").unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_under_concurrent_writers_on_two_instances_misses_and_repeats_nothing() {
    let Some(a) = spawn_postgres_app().await else {
        return;
    };
    let a = Arc::new(a);
    let b = Arc::new(a.another_instance().await);
    let mut users = Vec::new();
    for n in 0..WRITERS {
        users.push(a.create_user(&format!("w{n}@example.com"), "W").await);
    }
    let mut plans = Vec::new();
    for n in 0..4 {
        plans.push(a.create_plan(&format!("P{n}")).await);
    }
    let first = a.create_user("first@example.com", "F").await;
    a.add_plans_to_user(first, &[plans[0]]).await.unwrap();
    let start = newest_cursor(&a, None).await;
    let before = event_count(&a).await;

    // One transaction takes its id (and so its place in the order) now, and commits only
    // after later transactions have committed theirs.
    let held = Event {
        kind: "ADDED",
        user: Uuid::now_v7(),
        plan: Uuid::now_v7(),
        role: Some("MEMBER".into()),
        actor: None,
    };
    let txn = a.db.begin().await.unwrap();
    let event = MembershipEvent {
        kind: EventKind::Added,
        user_id: held.user,
        plan_id: held.plan,
        role: Some(Role::Member),
        at: userplan::service::now(),
        actor: None,
    };
    userplan::service::history::append(&txn, &[event])
        .await
        .unwrap();
    let txid: i64 = txn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_current_xact_id()::text::bigint AS txid",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "txid")
        .unwrap();
    let mut writers = Vec::new();
    for (n, user) in users.iter().copied().enumerate() {
        let on = if n % 2 == 0 { a.clone() } else { b.clone() };
        let plans = plans.clone();
        writers.push(tokio::spawn(async move {
            for write in 0..WRITES_EACH {
                let plan = plans[(n + write) % plans.len()];
                // Each write flips one link of this writer's user.
                if (write / plans.len()) % 2 == 0 {
                    on.add_plans_to_user(user, &[plan]).await.unwrap();
                } else {
                    on.remove_plans_from_user(user, &[plan]).await.unwrap();
                }
            }
        }));
    }

    let holder = {
        let a = a.clone();
        async move {
            let later = |count: i64| count >= 20;
            eventually(
                "later transactions commit",
                Duration::from_secs(60),
                async || {
                    let sql =
                        format!("SELECT COUNT(*) AS n FROM membership_events WHERE txid > {txid}");
                    let row = a
                        .db
                        .query_one_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
                        .await
                        .unwrap()
                        .unwrap();
                    later(row.try_get("", "n").unwrap())
                },
            )
            .await;
            txn.commit().await.unwrap();
            txid
        }
    };

    // The subscriber: a few events per connection, then it reconnects with its last cursor,
    // to the other instance each time, until it has every event the writes made.
    let target = WRITERS * WRITES_EACH + 1;
    let subscriber = {
        let (a, b) = (a.clone(), b.clone());
        tokio::spawn(async move {
            let mut received: Vec<(Event, String)> = Vec::new();
            let mut connections = 0;
            while received.len() < target {
                let after = received
                    .last()
                    .map_or(start.clone(), |(_, cursor)| cursor.clone());
                let on = if connections % 2 == 0 { &a } else { &b };
                connections += 1;
                let mut client = subscribe(on, json!({}), json!({ "after": after })).await;
                for _ in 0..7 {
                    received.push(next_event(&mut client).await);
                    if received.len() == target {
                        break;
                    }
                }
            }
            // Nothing more comes: no event twice.
            let after = received.last().unwrap().1.clone();
            let mut client = subscribe(&b, json!({}), json!({ "after": after })).await;
            let extra = client.next_of_within("1", Duration::from_millis(500)).await;
            assert!(extra.is_none(), "{extra:?}");
            (received, connections)
        })
    };

    let writes = async {
        for writer in writers {
            writer.await.unwrap();
        }
    };
    let (held_txid, ()) = tokio::join!(holder, writes);
    let (received, connections) = subscriber.await.unwrap();

    let table = table_events(&a).await;
    let expected: Vec<Event> = table[before as usize..]
        .iter()
        .map(|(event, _)| event.clone())
        .collect();
    assert_eq!(
        expected.len(),
        WRITERS * WRITES_EACH + 1,
        "every write and the held one"
    );
    let got: Vec<Event> = received.iter().map(|(event, _)| event.clone()).collect();
    assert_eq!(got.len(), expected.len(), "after {connections} connections");
    assert_eq!(got, expected, "after {connections} connections");
    // The held event came before everything of the transactions that took their ids
    // after it, though they committed first.
    let at = got.iter().position(|event| *event == held).unwrap();
    let later = table[before as usize..]
        .iter()
        .filter(|(_, txid)| *txid > held_txid)
        .count();
    assert!(
        later >= 20,
        "{later} transactions committed while one was held"
    );
    assert_eq!(got.len() - at - 1, later);
    assert!(connections > 10, "{connections} connections");
}
